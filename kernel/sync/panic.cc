// panic(): print the message with the hart id, keep every other hart quiet, and stop.
#include "kernel/lib/panic.h"

#include "kernel/arch/arch.h"
#include "kernel/lib/format.h"
#include "kernel/sync/print.h"

namespace pagoda {

[[noreturn]] void panic(const char* fmt, ...) {
  arch::intr_off();
  // The first hart to panic owns the console; a second panic elsewhere just freezes.
  if (claim_console_for_panic()) {
    kprintf("panic: ");
    VaList ap;
    __builtin_va_start(ap, fmt);
    kvprintf(fmt, ap);
    __builtin_va_end(ap);
    kprintf(" (hart %d)\n", arch::cpu_id());
  }
  for (;;) {
  }
}

}  // namespace pagoda
