// panic(): the kernel found a bug in itself. Prints the message with printf formatting, the hart,
// and stops every hart. On the host (unit tests) the same declaration is implemented by a function
// that prints and aborts, so death tests can check that a kernel bug is caught.
#pragma once

namespace pagoda {

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace pagoda

// A kernel invariant: if it does not hold, panic with the file, line and condition.
#define PAGODA_ASSERT(cond)                                                                  \
  do {                                                                                       \
    if (!(cond)) ::pagoda::panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
  } while (0)
