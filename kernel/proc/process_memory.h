// ProcessMemory: everything a process's memory is, owned in one place (a by-value member of Proc):
// the user address space, the list of regions it is made of (program text and data, the stack's
// guard page, the stack, the heap; later mapped files, anonymous memory and the usyscall page),
// and, in the per-process design, the process's kernel page table (KernelTableDesign,
// kernel_table_design.h). Every kernel access to user memory goes through it: copyin, copyout and
// copyinstr, exec's loading and commit, fork's copy, sbrk's grow and shrink.
//
// Move-only; a moved-from ProcessMemory is empty. The destructor frees nothing (the kernel runs no
// global destructors); the owner calls destroy(). Touched only by its process, or with the
// process's lock before the process runs or after it died.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/kmem/kernel_memory.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"
#include "kernel/mm/region.h"
#include "kernel/proc/kernel_table_design.h"

namespace pagoda {

class ProcessMemory {
 public:
  // ELF segments (elf::kMaxSegments), guard, stack and heap, with room for mappings.
  static constexpr size_t kMaxRegions = 16;
  using Regions = mm::RegionList<kMaxRegions>;

  constexpr ProcessMemory() = default;
  ProcessMemory(const ProcessMemory&) = delete;
  ProcessMemory& operator=(const ProcessMemory&) = delete;
  ProcessMemory(ProcessMemory&& other);
  ProcessMemory& operator=(ProcessMemory&& other);  // only into an empty one
  ~ProcessMemory() = default;

  // xv6: proc_pagetable. Makes this empty object an image with the trampoline and the trapframe
  // (the caller's frame) mapped, and its kernel table if the design has one (for the kernel stack
  // at kstack). Nothing is allocated on failure. In place, not a factory returning a Result: the
  // object is large for a one-page kernel stack, and exec holds two.
  Status open(mm::PhysAddr trapframe, uint64_t kstack);
  bool valid() const { return as_.valid(); }
  // xv6: proc_freepagetable (and the lab's kvmfree). Leaves it empty.
  void destroy();

  // Building an image (user_init, exec). Text or data for [vaddr, vaddr + memsz) with perm (kUser
  // and kRead added), grown from the current size as xv6's exec does; zero-filled.
  Status map_segment(uint64_t vaddr, uint64_t memsz, mm::Perm perm);
  // exec (xv6 loadseg): where the kernel fills the page at va that map_segment mapped.
  Result<void*> loading_page(mm::VirtAddr va);
  // A guard page (no U) and one stack page above the segments (xv6: USERSTACK = 1). Returns the
  // top of the stack; the heap starts there.
  Result<uint64_t> map_stack();
  // exec's commit: `fresh` becomes this process's memory and the old image is freed, after the
  // running hart has switched to the new image's kernel table. Cannot fail.
  void replace(ProcessMemory&& fresh);
  // xv6: uvmcopy, for fork. child must be fresh from create(); on failure it is unchanged.
  Status copy_to(ProcessMemory& child) const;

  // xv6: growproc. sbrk(n): grow (zeroed, R|W) or shrink the heap by n bytes.
  Status grow_by(int64_t n);
  uint64_t size() const { return as_.size(); }
  const Regions& regions() const { return regions_; }

  // xv6: copyin, copyinstr, copyout. Each is counted (copystats) and, in the per-process design,
  // copyin and copyinstr read through the mirror in the process's kernel table.
  Status copy_in(void* dst, uint64_t src, uint64_t len) const;
  Result<uint64_t> copy_in_str(char* dst, uint64_t src, uint64_t max) const;
  Status copy_out(uint64_t dst, const void* src, uint64_t len);
  Status copy_out(mm::VirtAddr dst, const void* src, uint64_t len) {  // push_args's form
    return as_.copy_out(dst, src, len);
  }

  // mmap (kernel/proc/mmap.cc): the regions and the user tree it changes for mappings, which lie
  // above size() (the kernel's choice: below the usyscall page), outside grow/shrink's reach.
  Regions& mapping_regions() { return regions_; }
  UserAddressSpace& mapping_space() { return as_; }
  // Routing until dp's fault path lands: faults in the mapped pages of [va, va + len) ahead of a
  // copy made under a lock (fileread/filewrite, wait). Not in a mapping: nothing to do.
  Status prefault_mapped(uint64_t va, uint64_t len, bool write) const;

  // What the hart loads to run the user image (usertrapret's satp).
  uint64_t user_token() const { return arch::page_table_token(as_.table().root()); }
  const KernelPageTable& user_table() const { return as_.table(); }
  // The scheduler is about to run this process: its kernel table (per-process design).
  void load_kernel_table() const { kernel_.load(); }
  // The scheduler is back: the global kernel table (per-process design).
  static void unload_kernel_table() { KernelTableDesign::unload(); }
  // ^P: the kernel table's line (per-process design; nothing otherwise).
  void dump_kernel_table(int slot) const { kernel_.dump(slot, as_.valid() ? &as_ : nullptr); }

 private:
  // Inserts a region and maps it by growing the space to new_size; either both or neither.
  Status grow_region(uint64_t new_size, mm::Perm perm, mm::RegionKind kind);
  // mmap: whether [va, va + len) overlaps a kFileMap or kAnonymous region.
  bool touches_mapping(uint64_t va, uint64_t len) const;

  UserAddressSpace as_;
  KernelTableDesign kernel_;
  Regions regions_;
};

// Calls so far of copy_in and copy_in_str, system-wide (struct copystats).
uint64_t copy_in_calls();
uint64_t copy_in_str_calls();

}  // namespace pagoda
