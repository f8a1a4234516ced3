// The kernel's own memory, on every ISA: the frame allocator over [end of the kernel image, top of
// RAM), and the kernel page table (xv6 kalloc.c kinit, vm.c kvminit/kvminithart). Instances of
// kernel/mm's templates over the architecture's layout (arch::map_kernel) and sync's spin lock.
// Kernel only.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/mm/frame_allocator.h"
#include "kernel/mm/frame_refs.h"
#include "kernel/mm/page_table.h"
#include "kernel/param.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {

// RAM is direct-mapped in the kernel page table (virtual == physical on RISC-V, physical +
// KERNBASE on x86: arch::kDirectMapOffset), so the frame allocator is the kernel's PhysMemory as
// it is: ptr(pa) is the frame's kernel address.
// The frame allocator's per-CPU caches (FrameAllocator's Cpus): one per hart, chosen by the hart
// id. Read with interrupts on the id may be stale by the time it is used; each cache has its own
// lock, so that only costs speed.
struct KernelCpus {
  static constexpr unsigned kCpus = NCPU;
  static unsigned current() { return static_cast<unsigned>(arch::cpu_id()); }
  struct CacheLock : SpinLock {
    constexpr CacheLock() : SpinLock("kmem_cpu") {}
  };
};

// Frames carry reference counts (mm::RefCountedMemory) for copy-on-write fork: free_page drops one
// reference and frees the frame with the last. alloc()/free() are the allocator's own.
using KernelMemory = mm::RefCountedMemory<mm::FrameAllocator<SpinLock, KernelCpus>>;
using KernelPageTable = mm::PageTable<arch::PteFormat, KernelMemory>;

KernelMemory& kernel_memory();
uint64_t free_memory_bytes();  // sysinfo.freemem

// xv6 kinit (xv6-x86 kinit1): every frame from the kernel's end that the boot mapping reaches
// (arch::kBootRamEnd: all of RAM on RISC-V, the first 4 MiB on x86). With copy-on-write fork, the
// frame reference counts for all of RAM (up to arch::ram_top()) come first, out of that range.
void kernel_memory_init();
// xv6-x86 kinit2: the rest of RAM up to arch::ram_top(), once the kernel table is loaded on every
// CPU. Nothing to add on RISC-V.
void kernel_memory_extend();
void kvm_init();       // xv6 kvminit: build the kernel page table (hart 0)
void kvm_init_hart();  // xv6 kvminithart (xv6-x86 switchkvm): load it on this hart
KernelPageTable& kernel_page_table();
// Boot self-test: the page table's translations of kernel addresses match the direct map.
void kvm_check();

// xv6 lab: vmprint. Prints a page table on the console in the page-table lab's format: the 2020
// lab's (entry indices; exec's print of pid 1) or, with PrintStyle::kVirtualAddress, the 2024
// lab's (kpgtbl: the virtual address each entry maps).
void vmprint(const KernelPageTable& table, mm::PrintStyle style = mm::PrintStyle::kIndex);

}  // namespace pagoda
