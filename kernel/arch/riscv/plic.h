// The platform-level interrupt controller (RISC-V PLIC spec). xv6: plic.c
#pragma once

namespace pagoda {

void plic_init();       // priorities of the UART and virtio IRQs (once)
void plic_init_hart();  // this hart's S-mode enables and threshold
int plic_claim();       // the pending IRQ, or 0
void plic_complete(int irq);

}  // namespace pagoda
