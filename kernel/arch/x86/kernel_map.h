// What the kernel's page table maps on x86 (QEMU pc, xv6-x86 setupkvm): kmap.h's four regions over
// this machine's RAM. x86 has only the global design (every process directory borrows this map,
// kernel/proc/kernel_table_design.cc), so there is no per-process kernel table to build: the two
// calls for it refuse. Templates over the table type, as RISC-V's kernel_map.h, for kernel/kmem.
// Kernel only. Include kernel/arch/arch.h, not this file.
#pragma once

#include <cstdint>

#include "kernel/arch/x86/kmap.h"
#include "kernel/arch/x86/memlayout.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/map_error.h"

extern "C" {
extern char data[];        // kernel.ld: end of text and rodata
extern char end[];         // kernel.ld: end of the image
extern char trampoline[];  // entry.S: the page of halts the portable user layout maps on top
}

namespace pagoda::x86 {

// PHYSTOP: the end of the direct-mapped RAM. Read once by the boot path from the multiboot report
// (phys_top_from), before the kernel's memory is set up; never changed after.
inline constinit uint64_t g_phys_top = 0;

inline uint64_t phys_top() {
  return g_phys_top;
}
inline void set_phys_top(uint64_t top) {
  g_phys_top = top;
}

// A kernel address as a number. Through uintptr_t: GCC sign-extends a 32-bit pointer converted
// straight to uint64_t.
inline uint64_t addr_of(const void* p) {
  return reinterpret_cast<uintptr_t>(p);
}

// xv6-x86: setupkvm. The kernel map for this machine's RAM; a failure names the region.
template <class Table>
mm::MapStatus map_kernel(Table& t) {
  const KernelMapLayout layout{addr_of(data), phys_top()};
  KernelMapRegion regions[kKernelMapRegions];
  kernel_map_regions(layout, regions);
  const char* failed = "";
  const Status s = build_kernel_map(t, layout, &failed);
  if (s.ok()) return {};
  for (const KernelMapRegion& r : regions) {
    if (r.name == failed) return mm::MapError{s.error(), mm::VirtAddr(r.va), r.name};
  }
  return mm::MapError{s.error(), mm::VirtAddr(kKernBase), failed};
}

// No per-process kernel table on x86: building one is refused, and checking one is a kernel bug.
template <class Table>
mm::MapStatus map_process_kernel(Table&, const Table&, uint64_t kstack_va) {
  return mm::MapError{Error::kInvalid, mm::VirtAddr(kstack_va), "per-process kernel table"};
}
template <class Table>
void check_process_kernel_map(const Table&, const Table&, uint64_t kstack_va) {
  panic("process kernel table at stack 0x%llx: x86 has none", kstack_va);
}

}  // namespace pagoda::x86
