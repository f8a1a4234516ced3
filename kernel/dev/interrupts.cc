// Device interrupts, by the line the interrupt controller delivered. xv6: the devintr half of
// trap.c
#include "kernel/arch/arch.h"
#include "kernel/arch/trap_hooks.h"
#include "kernel/dev/uart.h"
#include "kernel/dev/disk.h"
#include "kernel/sync/print.h"

namespace pagoda {

void trap::device_interrupt(int irq) {
  if (irq == arch::kIrqUart) {
    uart_intr();
  } else if (irq == arch::kIrqDisk) {
    disk_intr();
  } else {
    kprintf("unexpected interrupt irq=%d\n", irq);
  }
}

}  // namespace pagoda
