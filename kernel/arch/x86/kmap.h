// The x86 kernel map (xv6-x86 vm.c: kmap[] and setupkvm): four regions, the same in every address
// space, built with the portable mm::PageTable over the i386 format. Pure (the memory and the
// layout are passed in), so the host tests check the exact table shape.
//
//   virtual                      physical               perm
//   KERNBASE .. KERNLINK         0 .. EXTMEM            RW    I/O space (BIOS tables, VGA, AP
//   start) KERNLINK .. data             EXTMEM .. V2P(data)    R     kernel text and rodata data ..
//   KERNBASE+PHYSTOP     V2P(data) .. PHYSTOP   RW    kernel data and free memory DEVSPACE .. 4 GiB
//   - 4 MiB    DEVSPACE .. same       RW    LAPIC, IOAPIC (direct)
//
// (xv6-x86 maps the devices to the top; here the last 4 MiB stay each process's own, and the
// kernel stacks take the 4 MiB below DEVSPACE, so PHYSTOP is capped below those.)
//
// None has U. i386 without PAE has no execute-disable, so "R" regions are also executable.
#pragma once

#include <cstdint>

#include "kernel/arch/x86/i386.h"
#include "kernel/arch/x86/memlayout.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/page_table.h"
#include "kernel/mm/perm.h"

namespace pagoda::x86 {

struct KernelMapRegion {
  uint64_t va;
  uint64_t pa_start;
  uint64_t pa_end;
  mm::Perm perm;
  const char* name;
};

inline constexpr int kKernelMapRegions = 4;

struct KernelMapLayout {
  uint64_t data_va;   // first kernel data address (page-aligned end of rodata; kernel.ld `data`)
  uint64_t phys_top;  // end of the direct-mapped RAM (xv6: PHYSTOP)
};

// PHYSTOP from the RAM the loader reports: rounded down to a page, capped so that the direct map
// stays below the kernel stacks and DEVSPACE.
constexpr uint64_t phys_top_from(uint64_t ram_end) {
  const uint64_t top = ram_end & ~(kPageSize - 1);
  return top < kPhysTopMax ? top : kPhysTopMax;
}

// xv6: kmap[]. The regions for a layout, in ascending virtual order.
constexpr void kernel_map_regions(const KernelMapLayout& l,
                                  KernelMapRegion (&out)[kKernelMapRegions]) {
  constexpr mm::Perm kRw = mm::Perm::kRead | mm::Perm::kWrite;
  out[0] = {kKernBase, 0, kExtMem, kRw, "I/O space"};
  out[1] = {kKernLink, v2p(kKernLink), v2p(l.data_va), mm::Perm::kRead | mm::Perm::kExec,
            "kernel text and rodata"};
  out[2] = {l.data_va, v2p(l.data_va), l.phys_top, kRw, "kernel data and memory"};
  out[3] = {kDevSpace, kDevSpace, kDevSpaceEnd, kRw, "devices"};
}

// xv6: setupkvm's loop over kmap[]. Maps every region into `table` (a fresh, empty table). On a
// failure the region that failed is named in *failed and the tables made so far stay (the caller
// destroys the table: nothing is half-mapped inside a region, PageTable::map is failure-atomic).
template <class Table>
Status build_kernel_map(Table& table, const KernelMapLayout& layout, const char** failed) {
  KernelMapRegion regions[kKernelMapRegions];
  kernel_map_regions(layout, regions);
  for (const KernelMapRegion& r : regions) {
    if (r.pa_end <= r.pa_start) continue;  // no memory above the kernel's data: nothing to map
    const Status s =
        table.map(mm::VirtAddr(r.va), r.pa_end - r.pa_start, mm::PhysAddr(r.pa_start), r.perm);
    if (!s.ok()) {
      if (failed != nullptr) *failed = r.name;
      return s;
    }
  }
  return {};
}

}  // namespace pagoda::x86
