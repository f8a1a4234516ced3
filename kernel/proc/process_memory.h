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
#include "kernel/mm/fault.h"
#include "kernel/mm/page_access.h"
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
  // at kstack). With features::kUsyscall, also the usyscall page holding pid (open_usyscall).
  // Nothing is allocated on failure. In place, not a factory returning a Result: the object is
  // large for a one-page kernel stack, and exec holds two.
  Status open(mm::PhysAddr trapframe, uint64_t kstack, int pid);
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
  // xv6: uvmcopy, for fork. child must be fresh from create(); on failure it is unchanged. With
  // features::kCowFork the pages are shared copy-on-write (this image's writable pages become
  // read-only too); with lazy sbrk only the present pages are copied.
  Status copy_to(ProcessMemory& child);

  // xv6: growproc. sbrk(n): grow (zeroed, R|W) or shrink the heap by n bytes. Growth is lazy
  // (no page until first touch, up to the top of user memory) if `lazy`; shrinking frees the
  // present pages and skips the others.
  Status grow_by(int64_t n, bool lazy = false);

  // A page fault (or a copy) at va that needs `access` (issue 12): served from the region holding
  // va (a zeroed page for a lazy one, a private copy for a copy-on-write one, the mmap code for a
  // mapping), or refused with kBadAddress (outside any region, against its permissions);
  // kNoMemory if no frame is free (nothing changed). The caller kills the process on failure.
  Status handle_fault(mm::VirtAddr va, mm::Access access);
  uint64_t size() const { return as_.size(); }
  const Regions& regions() const { return regions_; }

  // xv6: copyin, copyinstr, copyout. Each is counted (copystats) and, in the per-process design,
  // copyin and copyinstr read through the mirror in the process's kernel table.
  // With demand paging, each first faults in the pages it touches that are not there yet (or are
  // copy-on-write, for copy_out), as a user access would (handle_fault); a page that cannot be
  // faulted in makes the copy fail with kBadAddress (kNoMemory if memory ran out).
  Status copy_in(void* dst, uint64_t src, uint64_t len);
  Result<uint64_t> copy_in_str(char* dst, uint64_t src, uint64_t max);
  Status copy_out(uint64_t dst, const void* src, uint64_t len) {
    return copy_out(mm::VirtAddr(dst), src, len);
  }
  Status copy_out(mm::VirtAddr dst, const void* src, uint64_t len);  // push_args's form

  // xv6 2021 lab: pgaccess's look at (and clearing of) the A bits of npages pages from base
  // (kernel/mm/page_access.h).
  Result<uint64_t> page_access(mm::VirtAddr base, uint64_t npages,
                               uint8_t (&mask)[mm::kPageAccessMaskBytes], mm::ClearAccessed clear) {
    return mm::collect_page_access(as_.table(), base, npages, mask, clear);
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
  enum class Fill : bool { kEager, kLazy };
  // Inserts a region and maps it by growing the space to new_size; either both or neither. Lazy:
  // the region and the size grow, no page is mapped.
  Status grow_region(uint64_t new_size, mm::Perm perm, mm::RegionKind kind,
                     Fill fill = Fill::kEager);
  // Makes every page of [va, va + len) accessible for `access`, faulting in what is missing.
  Status fault_in_range(uint64_t va, uint64_t len, mm::Access access);
  // sbrk's shrink: the regions, or their parts, in [from, to) go; those above (the usyscall
  // page) stay.
  void drop_regions(uint64_t from, uint64_t to);

  // xv6 2024 lab (proc_pagetable's USYSCALL mapping): a zeroed frame holding struct usyscall
  // {pid}, mapped R|U at USYSCALL (TRAPFRAME - PGSIZE) as a kUsyscall region; user memory then
  // ends below it. Not told to the per-process design's mirror: its kernel stacks sit there.
  Status open_usyscall(int pid);
  // Unmaps and frees it (exit, exec's old image, a failed open).
  void close_usyscall();
  // mmap: whether [va, va + len) overlaps a kFileMap or kAnonymous region.
  bool touches_mapping(uint64_t va, uint64_t len) const;

  UserAddressSpace as_;
  KernelTableDesign kernel_;
  Regions regions_;
  mm::PhysAddr usyscall_;  // the usyscall page's frame, or 0
};

// Calls so far of copy_in and copy_in_str, system-wide (struct copystats).
uint64_t copy_in_calls();
uint64_t copy_in_str_calls();

}  // namespace pagoda
