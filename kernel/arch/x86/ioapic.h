// The I/O APIC (Intel 82093AA data sheet): routes ISA IRQs (COM1 4, IDE 14) to a CPU. Kernel only.
#pragma once

namespace pagoda::x86 {

void ioapic_init();  // every line masked
void ioapic_enable(int irq, int cpu_apic_id);

}  // namespace pagoda::x86
