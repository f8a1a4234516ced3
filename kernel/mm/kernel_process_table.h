// A kernel page table per process (xv6 page-table lab, parts 2 and 3; xv6 lab: proc->kpagetable).
// Each one holds the kernel's mappings, the trampoline, only its own process's kernel stack, and a
// read-only mirror (no PTE_U) of the process's user pages, kept up to date as a MappingObserver
// of the process's AddressSpace, so copyin/copyinstr can read user memory directly. Used when
// PAGODA_PER_PROCESS_KPT=1; compiled in both designs. Kernel only.
#pragma once

#include <cstdint>

#include "kernel/arch/riscv/memlayout.h"
#include "kernel/lib/result.h"
#include "kernel/mm/kernel_memory.h"
#include "kernel/mm/mapping_observer.h"

namespace pagoda {

// User memory must stay below the lowest mapping the per-process kernel table shares with the
// kernel (the PLIC), or the mirror would collide with it. The test device and CLINT lie below
// it and are left out of the per-process table (S mode does not touch the CLINT; halt switches
// to the global table for the test device).
inline constexpr uint64_t kUserMirrorLimit = riscv::kPlic;

class KernelProcessTable final : public mm::MappingObserver {
 public:
  constexpr KernelProcessTable() = default;

  // Builds the table for the process whose kernel stack is at kstack_va (xv6 lab: kvminit for a
  // process). Nothing is allocated on failure.
  Status create(uint64_t kstack_va);
  // Frees this table's own table pages; the shared RAM subtree and every mapped frame stay.
  // The table must not be loaded in satp on any hart.
  void destroy();
  bool valid() const { return table_.valid(); }
  const KernelPageTable& table() const { return table_; }
  uint64_t satp() const;
  // satp <- this table, with the fences of priv spec 4.2.1 around it.
  void load() const;
  bool loaded() const;

  // MappingObserver: mirror user pages read-only without U; drop them again.
  Status on_map(mm::VirtAddr va, uint64_t size, mm::PhysAddr first, mm::Perm perm) override;
  void on_unmap(mm::VirtAddr va, uint64_t size) override;

  // xv6 lab: copyin_new / copyinstr_new. The range is checked against the user size and against
  // the mirror (so the guard page fails as in the classic design, and no access can fault), then
  // read through the user addresses themselves. If this table is not the one in satp (a kernel
  // bug), they fall back to the software walk of `as`.
  Status copy_in(const UserAddressSpace& as, void* dst, uint64_t src, uint64_t len) const;
  Result<uint64_t> copy_in_str(const UserAddressSpace& as, char* dst, uint64_t src,
                               uint64_t max) const;

  // Self-check, for ^P: which kernel-stack slots this table maps (bit s of the result set if
  // kKernelStack(s) is mapped; NPROC <= 64), and whether the mirror matches `as` exactly (every
  // user page mirrored to the same frame without U, nothing else mapped below the limit).
  uint64_t mapped_stack_slots() const;
  bool mirror_matches(const UserAddressSpace& as, uint64_t* mirrored_pages) const;

 private:
  // Self-check at every create() (fork, exec): a failure is a kernel bug, so it panics.
  void verify(uint64_t kstack_va) const;
  // True if [src, src + len) lies below the user size and every page of it is mirrored.
  bool readable(const UserAddressSpace& as, uint64_t src, uint64_t len) const;

  KernelPageTable table_;
};

// The kernel tables of one process-table slot: the one its current image runs on (active), and
// one for the image an exec is building. Touched only by the slot's process, or with its lock.
class ProcessKernelTables {
 public:
  constexpr ProcessKernelTables() = default;

  // A fresh table for `as` in the free place of the pair; `as` reports to it and is limited to
  // kUserMirrorLimit. On failure nothing changes.
  Status open(uint64_t kstack_va, UserAddressSpace& as);
  // Make the table of `as` the active one (and load it if `load`: exec on the running process).
  void select(const UserAddressSpace& as, bool load);
  // Free the table of `as` (call after as.destroy(), with the user root it had).
  void close(mm::PhysAddr user_root);
  KernelProcessTable* active();

 private:
  int find(mm::PhysAddr user_root) const;

  KernelProcessTable tables_[2];
  mm::PhysAddr owners_[2];  // the user root each table mirrors; 0 if free
  int active_ = -1;
};

ProcessKernelTables& process_kernel_tables(int slot);

// ^P: one line about slot's kernel table (its root, the kernel stacks it maps, the mirror check).
void dump_process_kernel_table(int slot, const UserAddressSpace* as);

}  // namespace pagoda
