// kprintf: formats with format_to and writes synchronously to the UART. xv6: printf.c
#include "kernel/sync/print.h"

#include "kernel/arch/arch.h"
#include "kernel/lib/format.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {
namespace {

constinit SpinLock g_print_lock("print");  // keeps one kprintf's output together
constinit int g_panic_hart = -1;           // the hart that panicked, or -1

void freeze_unless_panicking_hart() {
  int hart = __atomic_load_n(&g_panic_hart, __ATOMIC_ACQUIRE);
  if (hart >= 0 && hart != arch::cpu_id()) {
    for (;;) {
    }
  }
}

}  // namespace

bool panicking() {
  return __atomic_load_n(&g_panic_hart, __ATOMIC_ACQUIRE) >= 0;
}

void kvprintf(const char* fmt, VaList ap) {
  freeze_unless_panicking_hart();
  bool locking = !panicking();
  if (locking) g_print_lock.acquire();
  format_to([](char c) { console_putc_sync(c); }, fmt, ap);
  if (locking) g_print_lock.release();
}

void kprintf(const char* fmt, ...) {
  VaList ap;
  __builtin_va_start(ap, fmt);
  kvprintf(fmt, ap);
  __builtin_va_end(ap);
}

bool claim_console_for_panic() {
  int expected = -1;
  int me = arch::cpu_id();
  return __atomic_compare_exchange_n(&g_panic_hart, &expected, me, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE) ||
         expected == me;
}

}  // namespace pagoda
