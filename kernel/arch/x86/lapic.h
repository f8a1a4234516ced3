// The local APIC (SDM vol. 3, chapter 10): this CPU's timer, end of interrupt, and the INIT/STARTUP
// IPIs that start the other CPUs. Kernel only.
#pragma once

#include <cstdint>

namespace pagoda::x86 {

void lapic_set_base(uint32_t pa);  // from the MP tables; default 0xfee00000 (mapped in DEVSPACE)
void lapic_init();                 // this CPU: enable, periodic timer on kVectorIrq0 + kIrqTimer
void lapic_eoi();
// Start the CPU with this APIC id at physical `start` (page-aligned, below 1 MiB). MP spec B.4.
void lapic_start_ap(uint8_t apic_id, uint32_t start);

}  // namespace pagoda::x86
