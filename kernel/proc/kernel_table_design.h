// The kernel page-table design, a policy chosen here and nowhere else (docs/architecture.md):
//
//   GlobalKernelTable      xv6: one kernel page table that every process shares; copyin walks
//                          the user page table in software.
//   PerProcessKernelTable  xv6 page-table lab: each process has its own kernel table holding the
//                          kernel's mappings, only its own kernel stack, and a read-only mirror of
//                          its user pages (mm::KernelMirror), so copyin reads user memory directly.
//
// Both are always compiled; KernelTableDesign names the one the build selected (CMake's
// PAGODA_KERNEL_PAGETABLE sets PAGODA_PER_PROCESS_KPT). ProcessMemory holds one by value; both
// offer the same members, so nothing else in the kernel depends on the choice.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/features.h"
#include "kernel/kmem/kernel_memory.h"
#include "kernel/lib/result.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/kernel_mirror.h"

namespace pagoda {

using UserAddressSpace = mm::AddressSpace<arch::PteFormat, KernelMemory>;

// The MMU as a KernelMirror sees it: this hart's loaded table, its TLB, and user addresses read
// directly (they are mapped through the loaded table).
struct HartMmu {
  static bool is_current(mm::PhysAddr root) {
    return arch::current_page_table() == arch::page_table_token(root);
  }
  static void flush() { arch::flush_tlb(); }
  static const void* direct(uint64_t va) { return reinterpret_cast<const void*>(va); }
};

class GlobalKernelTable {
 public:
  constexpr GlobalKernelTable() = default;

  // A new address space for the process whose kernel stack is at kstack: nothing of its own,
  // except on x86 (arch::kKernelMapInUserTables), where it borrows the kernel map's top-level
  // entries so that traps run on the process's own directory (xv6-x86 setupkvm).
  Status open(UserAddressSpace& as, uint64_t kstack);
  void attach(UserAddressSpace& as) { (void)as; }
  void destroy() {}
  // The scheduler is about to run this process, or (unload) is back, or exec is about to free the
  // image the hart may be running on. The kernel runs on the global table, so there is nothing to
  // switch, except on x86: a trap leaves the CPU on the process's directory, which must be left
  // for the kernel's own before it can be freed (xv6-x86: switchkvm).
  void load() const { leave_user_table(); }
  static void unload() { leave_user_table(); }

  Status copy_in(const UserAddressSpace& as, void* dst, uint64_t src, uint64_t len) const {
    return as.copy_in(dst, mm::VirtAddr(src), len);
  }
  Result<uint64_t> copy_in_str(const UserAddressSpace& as, char* dst, uint64_t src,
                               uint64_t max) const {
    return as.copy_in_str(dst, mm::VirtAddr(src), max);
  }
  // ^P: nothing to show.
  void dump(int slot, const UserAddressSpace* as) const { (void)slot, (void)as; }

 private:
  static void leave_user_table() {
    if constexpr (arch::kKernelMapInUserTables) kvm_init_hart();
  }
};

class PerProcessKernelTable {
 public:
  using Mirror = mm::KernelMirror<arch::PteFormat, KernelMemory, HartMmu>;
  // The 2020 lab's kernel (no demand paging: pgtbl2020) keeps user memory below the mirror's
  // limit, the PLIC's address, as its grader checks. With demand paging (issue 12) user memory
  // goes up to the trapframe, and so does the mirror (issue 13: the kernel left the lower half);
  // copies above the limit would take the software walk.
  static constexpr Mirror::UserCap kMirrorUserCap =
      features::kDemandPaging ? Mirror::UserCap::kNone : Mirror::UserCap::kAtLimit;
  // Where the mirror ends: below the trapframe on RISC-V with the kernel in the upper half; the
  // 2020 lab's kernel keeps the lab's limit (the PLIC's address).
  static constexpr uint64_t kMirrorLimit =
      features::kDemandPaging ? arch::kUserMirrorLimit : arch::kLabUserMirrorLimit;

  constexpr PerProcessKernelTable() = default;

  // Builds the table (xv6 lab: kvminit for a process) and makes it the observer of the empty
  // space `as`, which it limits to kMirrorLimit if kMirrorUserCap says so (pgtbl2020);
  // otherwise pages above that limit are simply not mirrored. Nothing is allocated on failure.
  Status open(UserAddressSpace& as, uint64_t kstack);
  // After this object or `as` moved: point `as` at this mirror again.
  void attach(UserAddressSpace& as) {
    if (mirror_.valid()) mirror_.attach(as);
  }
  // Frees the table's own pages (the table must not be loaded on any hart).
  void destroy() { mirror_.destroy(); }
  // satp <- this table (the global one if there is none); unload: back to the global table.
  void load() const;
  static void unload() { kvm_init_hart(); }

  // xv6 lab: copyin_new / copyinstr_new, through the mirror. If this table is not the loaded one
  // (a kernel bug), they fall back to the software walk of `as` and count it (^P shows it).
  Status copy_in(const UserAddressSpace& as, void* dst, uint64_t src, uint64_t len) const;
  Result<uint64_t> copy_in_str(const UserAddressSpace& as, char* dst, uint64_t src,
                               uint64_t max) const;

  // ^P: one line about the table (its root, the kernel stacks it maps, the mirror check).
  void dump(int slot, const UserAddressSpace* as) const;

 private:
  // Bit s set if arch::kernel_stack(s) is mapped (NPROC <= 64).
  uint64_t mapped_stack_slots() const;

  Mirror mirror_;
};

#if PAGODA_PER_PROCESS_KPT
using KernelTableDesign = PerProcessKernelTable;
#else
using KernelTableDesign = GlobalKernelTable;
#endif

}  // namespace pagoda
