// pagoda::panic for host builds: print to stderr and abort, so that EXPECT_DEATH can check that a
// kernel bug is detected (and with which message).
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "kernel/lib/panic.h"

namespace pagoda {

void panic(const char* fmt, ...) {
  std::fputs("panic: ", stderr);
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace pagoda
