// What the kernel's page tables map on RISC-V (QEMU virt): the global kernel table (xv6: kvmmake)
// and the shared part of a per-process kernel table (xv6 page-table lab: kvminit per process).
// Templates over the table type, so that the kernel's instance (kernel/kmem, over the locked frame
// allocator) instantiates them; the per-process table's mirror of user pages is portable
// (kernel/mm/kernel_mirror.h). Include kernel/arch/arch.h, not this file.
#pragma once

#include <cstdint>

#include "kernel/arch/riscv/memlayout.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/map_error.h"
#include "kernel/mm/perm.h"

extern "C" {
extern char end[];         // first address after the kernel image (kernel.ld)
extern char etext[];       // end of kernel text, page-aligned (kernel.ld)
extern char trampoline[];  // the trampoline page (trampoline.S)
}

namespace pagoda::riscv {

inline constexpr mm::Perm kKernelRw = mm::Perm::kRead | mm::Perm::kWrite;
// The virtual range one root (level-2) entry of an Sv39 table covers: 1 GiB.
inline constexpr uint64_t kRootEntrySpan = kPageSize << (2 * Sv39::kIndexBits);
static_assert(kKernBase % kRootEntrySpan == 0, "RAM starts at a root entry");
static_assert(p2v(kKernBase) % kRootEntrySpan == 0, "so does its direct map");
inline constexpr mm::Perm kKernelRx = mm::Perm::kRead | mm::Perm::kExec;

// The kernel is all in the upper half (memlayout.h), so a per-process table's mirror of user
// pages may cover the whole lower half below the usyscall page, the trapframe and the
// trampoline (which the kernel maps itself, not as mirrored user pages). The 2020 lab's
// kernel keeps its own rule instead, which its grader checks: user memory below the PLIC's
// address, where xv6 maps the PLIC in the per-process table (kLabUserMirrorLimit).
inline constexpr uint64_t kUserMirrorLimit = kUsyscall;
inline constexpr uint64_t kLabUserMirrorLimit = kPlic;
static_assert(kUserMirrorLimit <= kTrampoline && kLabUserMirrorLimit <= kUserMirrorLimit);

// The kernel image's bounds, as kernel (upper-half) addresses.
inline uint64_t kernel_text_va() {
  return p2v(kKernBase);
}
inline uint64_t kernel_text_end_va() {
  return reinterpret_cast<uint64_t>(etext);
}

// The global kernel table: the devices, kernel text (R|X), data and the rest of RAM (R|W, never
// executable), each at p2v of its physical address, and the trampoline at kTrampoline. Kernel
// stacks are mapped by the caller, one per process slot. Nothing else in the lower half.
template <class Table>
mm::MapStatus map_kernel(Table& t) {
  using mm::map_named;
  const uint64_t text_end = kernel_text_end_va();
  PAGODA_TRY(map_named(t, p2v(kTestDevice), kPageSize, kTestDevice, kKernelRw, "test device"));
  PAGODA_TRY(map_named(t, p2v(kClint), 0x10000, kClint, kKernelRw, "CLINT"));
  PAGODA_TRY(map_named(t, p2v(kPlic), kPlicSize, kPlic, kKernelRw, "PLIC"));
  PAGODA_TRY(map_named(t, p2v(kUart0), kPageSize, kUart0, kKernelRw, "UART"));
  PAGODA_TRY(map_named(t, p2v(kVirtio0), kPageSize, kVirtio0, kKernelRw, "virtio"));
  PAGODA_TRY(map_named(t, kernel_text_va(), text_end - kernel_text_va(), kKernBase, kKernelRx,
                       "kernel text"));
  PAGODA_TRY(map_named(t, text_end, p2v(ram_top()) - text_end, v2p(text_end), kKernelRw,
                       "kernel data"));
  PAGODA_TRY(map_named(t, kTrampoline, kPageSize, pa_of(trampoline), kKernelRx, "trampoline"));
  return {};
}

// The kernel part of a per-process kernel table: the devices S mode uses (the PLIC in 2 MiB
// leaves), each with its own tables here (the test device and CLINT share their root entry, so it cannot be borrowed);
// kernel text and all of RAM as the global table's subtrees, shared and never freed through here;
// the trampoline; and the one kernel stack at kstack_va, nobody else's (the kernel stacks' root
// entry is this table's own).
template <class Table>
mm::MapStatus map_process_kernel(Table& t, const Table& global, uint64_t kstack_va) {
  using mm::map_named;
  auto kstack_pa = global.translate(mm::VirtAddr(kstack_va));
  if (!kstack_pa.ok()) panic("map_process_kernel: no kernel stack at 0x%lx", kstack_va);
  // The PLIC's 4 MiB as two 2 MiB leaves: built at every fork and exec, 1024 4 KiB leaves were
  // most of a small fork's cost in this design (issue 13).
  constexpr uint64_t kSuperpageSize = Table::kSuperpageSize;
  static_assert(kPlic % kSuperpageSize == 0 && kPlicSize % kSuperpageSize == 0);
  for (uint64_t off = 0; off < kPlicSize; off += kSuperpageSize) {
    const Status mapped = t.map_superpage(mm::VirtAddr(p2v(kPlic + off)), mm::PhysAddr(kPlic + off),
                                          kKernelRw);
    if (!mapped.ok()) return mm::MapError{mapped.error(), mm::VirtAddr(p2v(kPlic + off)), "PLIC"};
  }
  PAGODA_TRY(map_named(t, p2v(kUart0), kPageSize, kUart0, kKernelRw, "UART"));
  PAGODA_TRY(map_named(t, p2v(kVirtio0), kPageSize, kVirtio0, kKernelRw, "virtio"));
  // One root entry per GiB of RAM (Sv39 level 2): more than one from -m 1025M up.
  for (uint64_t va = p2v(kKernBase); va < p2v(ram_top()); va += kRootEntrySpan) {
    const Status lent = t.borrow(mm::VirtAddr(va), global);
    if (!lent.ok()) return mm::MapError{lent.error(), mm::VirtAddr(va), "kernel and RAM"};
  }
  PAGODA_TRY(map_named(t, kTrampoline, kPageSize, pa_of(trampoline), kKernelRx, "trampoline"));
  PAGODA_TRY(map_named(t, kstack_va, kPageSize, kstack_pa->value(), kKernelRw, "kernel stack"));
  return {};
}

// Self-check of a table map_process_kernel built (at every fork and exec): what the kernel
// reaches while a process runs translates as in the global table; the test device, the CLINT
// and the guard page below the stack do not. A failure is a kernel bug: panic.
template <class Table>
void check_process_kernel_map(const Table& t, const Table& global, uint64_t kstack_va) {
  const uint64_t shared[] = {kernel_text_va(),
                             kernel_text_end_va(),
                             reinterpret_cast<uint64_t>(end) - 8,
                             p2v(ram_top()) - kPageSize,
                             p2v(kPlic),
                             p2v(kPlic) + kPlicSize - kPageSize,
                             p2v(kUart0),
                             p2v(kVirtio0),
                             kTrampoline,
                             kstack_va};
  for (uint64_t va : shared) {
    auto mine = t.translate(mm::VirtAddr(va));
    auto theirs = global.translate(mm::VirtAddr(va));
    if (!mine.ok() || !theirs.ok() || *mine != *theirs) {
      panic("process kernel table: 0x%lx differs from the global table", va);
    }
  }
  const uint64_t absent[] = {p2v(kTestDevice), p2v(kClint), kstack_va - kPageSize};
  for (uint64_t va : absent) {
    if (t.translate(mm::VirtAddr(va)).ok()) panic("process kernel table: 0x%lx is mapped", va);
  }
}

}  // namespace pagoda::riscv
