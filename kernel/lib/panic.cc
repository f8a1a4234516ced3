// panic(): print the message with the hart id, keep every other hart quiet, and stop.
#include "kernel/lib/panic.h"

#include "kernel/arch/riscv/csr.h"
#include "kernel/lib/format.h"
#include "kernel/lib/print.h"

namespace pagoda {

[[noreturn]] void panic(const char* fmt, ...) {
  riscv::intr_off();
  // The first hart to panic owns the console; a second panic elsewhere just freezes.
  if (claim_console_for_panic()) {
    kprintf("panic: ");
    VaList ap;
    __builtin_va_start(ap, fmt);
    kvprintf(fmt, ap);
    __builtin_va_end(ap);
    kprintf(" (hart %d)\n", static_cast<int>(riscv::r_tp()));
  }
  for (;;) {
  }
}

}  // namespace pagoda
