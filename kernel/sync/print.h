// The kernel's printf, to the console (UART). Formats: see kernel/lib/format.h.
#pragma once

namespace pagoda {

void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char* fmt, __builtin_va_list ap);

// Set by panic(): from then on only the panicking hart prints; others freeze when they try.
bool panicking();
// panic(): make this hart the only one that prints. False if another hart panicked first.
bool claim_console_for_panic();

// Provided by the console driver (kernel/dev/uart.cc): write one character, spinning, usable with
// interrupts off. Declared here so that printing does not depend on dev.
void console_putc_sync(char c);

}  // namespace pagoda
