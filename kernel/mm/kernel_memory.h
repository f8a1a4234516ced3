// The kernel's own memory: the global frame allocator over [end, kPhysTop), and the kernel page
// table (xv6 kalloc.c kinit, vm.c kvminit/kvminithart). Kernel only.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/frame_allocator.h"
#include "kernel/mm/page_table.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {

// RAM is direct-mapped in the kernel page table (virtual == physical), so the frame allocator is
// the kernel's PhysMemory as it is: ptr(pa) == pa.
using KernelMemory = mm::FrameAllocator<SpinLock>;
using KernelPageTable = mm::PageTable<arch::PteFormat, KernelMemory>;
using UserAddressSpace = mm::AddressSpace<arch::PteFormat, KernelMemory>;

KernelMemory& kernel_memory();
uint64_t free_memory_bytes();  // sysinfo.freemem

void kernel_memory_init();  // xv6 kinit: every frame from the kernel's end to kPhysTop
void kvm_init();            // xv6 kvminit: build the kernel page table (hart 0)
void kvm_init_hart();       // xv6 kvminithart: satp + sfence.vma on this hart
KernelPageTable& kernel_page_table();
// Boot self-test: the page table's translations of kernel addresses match the direct map.
void kvm_check();

}  // namespace pagoda
