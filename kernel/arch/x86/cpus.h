// The CPUs of the machine (found in the MP tables) and this CPU's per-CPU state: its GDT and TSS.
// Kernel only.
#pragma once

#include <cstdint>

#include "kernel/param.h"

namespace pagoda::x86 {

// GDT selectors (xv6-x86 mmu.h SEG_*): kernel code and data, user code and data (RPL 3), TSS.
inline constexpr uint16_t kSelKernelCode = 1 << 3;
inline constexpr uint16_t kSelKernelData = 2 << 3;
inline constexpr uint16_t kSelUserCode = (3 << 3) | 3;
inline constexpr uint16_t kSelUserData = (4 << 3) | 3;
inline constexpr uint16_t kSelTss = 5 << 3;
inline constexpr int kGdtEntries = 6;

// The 32-bit task-state segment (SDM vol. 3, 7.2.1). Only esp0/ss0 are used: the stack a trap
// from user mode switches to. iomap_base past the limit: no I/O permission bitmap, so user port
// I/O (IOPL 0) raises #GP.
struct [[gnu::packed]] TaskState {
  uint32_t link;
  uint32_t esp0;
  uint16_t ss0, pad0;
  uint32_t unused[22];
  uint16_t trap;
  uint16_t iomap_base;
};
static_assert(sizeof(TaskState) == 104);

struct PerCpu {
  uint64_t gdt[kGdtEntries];
  TaskState tss;
  uint8_t apic_id;
  volatile uint32_t started;  // set by the CPU itself once it runs the kernel map
};

// CPU discovery: ACPI's MADT (acpi.cc; false if there is none), else the MP tables (mp.cc, which
// SeaBIOS may fill with the boot CPU alone). Before either, one CPU with APIC id 0. map_phys makes
// a physical range readable and returns its address (the ACPI tables may lie above PHYSTOP).
bool acpi_init(const void* (*map_phys)(uint64_t pa, uint64_t len));
void mp_init();
void cpus_add(int index, uint8_t apic_id);
void cpus_set_count(int n);
void ioapic_set_id(uint8_t id);
int cpu_count();
PerCpu& per_cpu(int index);
int cpu_index_of_apic(uint32_t apic_id);  // -1 if unknown
uint8_t ioapic_id();

// Load this CPU's GDT (and TSS) and reload every segment register.
void gdt_init_cpu(int index);
// The kernel stack a trap from user mode lands on, for this CPU.
void tss_set_kernel_stack(int index, uint32_t esp0);

}  // namespace pagoda::x86
