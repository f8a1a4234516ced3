// The kernel's own memory: the frame allocator over [end of the kernel image, top of RAM), and the
// kernel page table (xv6 kalloc.c kinit, vm.c kvminit/kvminithart). Instances of kernel/mm's
// templates over the architecture's layout (arch::map_kernel) and sync's spin lock. Kernel only.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/mm/frame_allocator.h"
#include "kernel/mm/page_table.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {

// RAM is direct-mapped in the kernel page table (virtual == physical), so the frame allocator is
// the kernel's PhysMemory as it is: ptr(pa) == pa.
using KernelMemory = mm::FrameAllocator<SpinLock>;
using KernelPageTable = mm::PageTable<arch::PteFormat, KernelMemory>;

KernelMemory& kernel_memory();
uint64_t free_memory_bytes();  // sysinfo.freemem

void kernel_memory_init();  // xv6 kinit: every frame from the kernel's end to the top of RAM
void kvm_init();            // xv6 kvminit: build the kernel page table (hart 0)
void kvm_init_hart();       // xv6 kvminithart: load it on this hart
KernelPageTable& kernel_page_table();
// Boot self-test: the page table's translations of kernel addresses match the direct map.
void kvm_check();

// xv6 lab: vmprint. Prints a page table on the console in the page-table lab's format.
void vmprint(const KernelPageTable& table);

}  // namespace pagoda
