// The per-CPU GDT and TSS (SDM vol. 3, 3.4.5 segment descriptors, 7.2.2 TSS descriptor): flat
// 4 GiB code and data segments for rings 0 and 3, and one TSS for the ring-0 stack. xv6-x86:
// vm.c seginit, proc.c switchuvm's TSS part
#include <cstdint>

#include "kernel/arch/x86/cpus.h"
#include "kernel/arch/x86/x86.h"

namespace pagoda::x86 {
namespace {

// Descriptor access bytes: present, DPL, code/data, type.
constexpr uint8_t kAccessKernelCode = 0x9a;  // P, DPL 0, execute/read
constexpr uint8_t kAccessKernelData = 0x92;  // P, DPL 0, read/write
constexpr uint8_t kAccessUserCode = 0xfa;    // P, DPL 3, execute/read
constexpr uint8_t kAccessUserData = 0xf2;    // P, DPL 3, read/write
constexpr uint8_t kAccessTss = 0x89;         // P, DPL 0, 32-bit TSS (available)
constexpr uint8_t kFlagsPage32 = 0xc;        // 4 KiB granularity, 32-bit

constexpr uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  return (limit & 0xffffull) | (uint64_t{base & 0xffffff} << 16) | (uint64_t{access} << 40) |
         (uint64_t{(limit >> 16) & 0xf} << 48) | (uint64_t{flags & 0xfu} << 52) |
         (uint64_t{base >> 24} << 56);
}

}  // namespace

void gdt_init_cpu(int index) {
  PerCpu& c = per_cpu(index);
  c.gdt[0] = 0;
  c.gdt[kSelKernelCode >> 3] = descriptor(0, 0xfffff, kAccessKernelCode, kFlagsPage32);
  c.gdt[kSelKernelData >> 3] = descriptor(0, 0xfffff, kAccessKernelData, kFlagsPage32);
  c.gdt[kSelUserCode >> 3] = descriptor(0, 0xfffff, kAccessUserCode, kFlagsPage32);
  c.gdt[kSelUserData >> 3] = descriptor(0, 0xfffff, kAccessUserData, kFlagsPage32);
  c.tss = {};
  c.tss.ss0 = kSelKernelData;
  c.tss.iomap_base = sizeof(TaskState);
  c.gdt[kSelTss >> 3] =
      descriptor(reinterpret_cast<uint32_t>(&c.tss), sizeof(TaskState) - 1, kAccessTss, 0);
  lgdt(c.gdt, sizeof(c.gdt));
  asm volatile(
      "ljmp %0, $1f\n"
      "1:\n"
      "movw %1, %%ax\n"
      "movw %%ax, %%ds\n"
      "movw %%ax, %%es\n"
      "movw %%ax, %%ss\n"
      "movw %%ax, %%fs\n"
      "movw %%ax, %%gs\n"
      :
      : "i"(kSelKernelCode), "i"(kSelKernelData)
      : "eax", "memory");
  ltr(kSelTss);
}

void tss_set_kernel_stack(int index, uint32_t esp0) {
  per_cpu(index).tss.esp0 = esp0;
}

}  // namespace pagoda::x86
