// AddressSpace<Format, Memory>: a process's user memory (xv6's uvm* functions and copyin/copyout),
// with xv6's layout: text and data from VA 0, then the guard page and stack, then the heap, all
// below size(); at the top, the trampoline (MAXVA - 4096) and the trapframe just below it, neither
// user-accessible.
//
// Every change to which pages are user-accessible goes through map_user() / unmap_user(), the one
// place that tells the optional MappingObserver. All operations are failure-atomic.
//
// An AddressSpace is the one owner of a user tree with its size, limit and observer: move-only, and
// a moved-from space is empty (size 0, no tree, no observer). As with PageTable, the destructor
// frees nothing (no global destructors in the kernel); the owner calls destroy().
#pragma once

#include <cstdint>
#include <utility>

#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/block_memory.h"
#include "kernel/mm/frame_refs.h"
#include "kernel/mm/mapping_observer.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/page_table.h"
#include "kernel/mm/perm.h"
#include "kernel/mm/user_layout.h"

namespace pagoda::mm {

template <class Format, PhysMemory Memory>
class AddressSpace {
 public:
  using Table = PageTable<Format, Memory>;
  using Pte = typename Format::Pte;
  static constexpr uint64_t kTrampolineVa = mm::kTrampolineVa<Format>;  // xv6: TRAMPOLINE
  static constexpr uint64_t kTrapframeVa = mm::kTrapframeVa<Format>;    // xv6: TRAPFRAME

  constexpr AddressSpace() = default;  // an empty space: no tree
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;
  AddressSpace(AddressSpace&& other)
      : table_(std::move(other.table_)),
        size_(other.size_),
        limit_(other.limit_),
        observer_(other.observer_) {
    other.forget();
  }
  // Only into an empty space (Table's move assignment checks that).
  AddressSpace& operator=(AddressSpace&& other) {
    if (this != &other) {
      table_ = std::move(other.table_);
      size_ = other.size_;
      limit_ = other.limit_;
      observer_ = other.observer_;
      other.forget();
    }
    return *this;
  }
  ~AddressSpace() = default;

  bool valid() const { return table_.valid(); }

  // xv6: proc_pagetable. An empty user space with the trampoline (R|X) and the trapframe (R|W)
  // mapped; the caller keeps owning both frames.
  static Result<AddressSpace> create(Memory& mem, PhysAddr trampoline, PhysAddr trapframe) {
    Result<Table> table = Table::create(mem);
    if (!table) return table.error();
    Status status = table.value().map(VirtAddr(kTrampolineVa), kPageSize, trampoline,
                                      Perm::kRead | Perm::kExec);
    if (status.ok()) {
      status = table.value().map(VirtAddr(kTrapframeVa), kPageSize, trapframe,
                                 Perm::kRead | Perm::kWrite);
    }
    if (!status.ok()) {
      table.value().destroy_tables();  // the leaves are the caller's frames
      return status.error();
    }
    AddressSpace space;
    space.table_ = std::move(table).value();
    return space;
  }

  uint64_t size() const { return size_; }
  Table& table() { return table_; }
  const Table& table() const { return table_; }
  uint64_t limit() const { return limit_; }
  // grow() beyond max_size fails with kOutOfRange. Never above the trapframe.
  void set_limit(uint64_t max_size) { limit_ = max_size < kTrapframeVa ? max_size : kTrapframeVa; }
  // Told of every change to the user-accessible pages from now on (nullptr: nobody).
  void set_observer(MappingObserver* observer) { observer_ = observer; }

  // xv6: uvmalloc. Grows to new_size with zeroed pages mapped perm | kRead | kUser (xv6 adds PTE_R
  // and PTE_U the same way). A new_size not above size() changes nothing.
  Status grow(uint64_t new_size, Perm perm) {
    if (new_size <= size_) return {};
    if (new_size > limit_) return Error::kOutOfRange;
    const uint64_t from = page_round_up(size_);
    const uint64_t to = page_round_up(new_size);
    if (to > from) {
      PAGODA_TRY(map_user(VirtAddr(from), to - from, perm | Perm::kRead | Perm::kUser));
    }
    size_ = new_size;
    return {};
  }

  // Superpages (features::kSuperpages): as grow(), but each 2 MiB-aligned 2 MiB of the new range
  // is mapped with one superpage leaf when an aligned 2 MiB block is free (else with 4 KiB pages,
  // as grow() does). Without superpages in the format or the memory, the same as grow().
  // Failure-atomic: what was mapped before the failure is unmapped again.
  Status grow_superpages(uint64_t new_size, Perm perm) {
    if constexpr (!Table::kSuperpages || !BlockMemory<Memory>) {
      return grow(new_size, perm);
    } else {
      if (new_size <= size_) return {};
      if (new_size > limit_) return Error::kOutOfRange;
      constexpr uint64_t kSuper = Table::kSuperpageSize;
      const uint64_t from = page_round_up(size_);
      const uint64_t to = page_round_up(new_size);
      const Perm leaf = perm | Perm::kRead | Perm::kUser;
      uint64_t done = from;
      Status status;
      while (status.ok() && done < to) {
        if ((done & (kSuper - 1)) == 0 && to - done >= kSuper) {
          if (map_user_superpage(VirtAddr(done), leaf).ok()) {
            done += kSuper;
            continue;
          }
          // No aligned block (or no table for it): this 2 MiB in 4 KiB pages.
          status = map_user(VirtAddr(done), kSuper, leaf);
          if (status.ok()) done += kSuper;
          continue;
        }
        // 4 KiB pages up to the next 2 MiB boundary (or the end).
        const uint64_t boundary = (done | (kSuper - 1)) + 1;
        const uint64_t stop = boundary < to ? boundary : to;
        status = map_user(VirtAddr(done), stop - done, leaf);
        if (status.ok()) done = stop;
      }
      if (!status.ok()) {
        if (done > from) {  // the pieces mapped before the failure go, and their tables
          unmap_user(VirtAddr(from), (done - from) / kPageSize);
          table_.prune_empty_tables(VirtAddr(from), done - from);
        }
        return status;
      }
      size_ = new_size;
      return {};
    }
  }

  // Before shrink(new_size): splits the superpage (if any) that the new end falls inside, so that
  // shrink frees the pages above it and keeps the ones below with their contents. kNoMemory (and
  // nothing changed) if the split's table cannot be had. The caller flushes the TLB.
  Status split_for_shrink(uint64_t new_size) {
    if (new_size >= size_) return {};
    const uint64_t boundary = page_round_up(new_size);
    if (boundary >= page_round_up(size_)) return {};
    int level = 0;
    if (table_.find_leaf(VirtAddr(boundary), &level) == nullptr || level == 0) return {};
    if ((boundary & (Table::View::span(level) - 1)) == 0) return {};  // shrink takes it whole
    return table_.split_superpage(VirtAddr(boundary));
  }

  // xv6: uvmdealloc. Shrinks to new_size, freeing the whole pages above it. A new_size not below
  // size() changes nothing.
  void shrink(uint64_t new_size) {
    if (new_size >= size_) return;
    const uint64_t from = page_round_up(new_size);
    const uint64_t to = page_round_up(size_);
    if (to > from) unmap_user(VirtAddr(from), (to - from) / kPageSize);
    size_ = new_size;
  }

  // xv6: uvmcopy, as fork uses it. child must be a fresh space (size 0; else kInvalid). On failure
  // the child is unchanged.
  Status copy_to(AddressSpace& child) const {
    if (child.size_ != 0) return Error::kInvalid;
    PAGODA_TRY(table_.copy_to(child.table_, size_));
    const uint64_t end = page_round_up(size_);
    const Status told = child.notify_map(VirtAddr(0), end);
    if (!told.ok()) {
      child.free_user_pages(VirtAddr(0), end / kPageSize);
      child.table_.prune_empty_tables(VirtAddr(0), end);
      return told;
    }
    child.size_ = size_;
    return {};
  }

  // xv6: uvmclear. Makes the page at va inaccessible to user mode (exec's stack guard page).
  // kOutOfRange above size(), kNotMapped if there is no page.
  Status clear_user(VirtAddr va) {
    va = va.page_round_down();
    if (va.value() >= page_round_up(size_)) return Error::kOutOfRange;
    Pte* pte = table_.walk(va);
    if (pte == nullptr || !pte->valid()) return Error::kNotMapped;
    if (!pte->user()) return {};
    if (observer_ != nullptr) observer_->on_unmap(va, kPageSize);
    *pte = pte->with_perm(pte->perm() & ~Perm::kUser);
    return {};
  }

  // xv6: proc_freepagetable. Frees the user frames and every table; the trampoline and trapframe
  // frames stay the caller's. Leaves an empty handle.
  void destroy() {
    if (!table_.valid()) return;
    const uint64_t end = page_round_up(size_);
    if (end > 0) unmap_user(VirtAddr(0), end / kPageSize);
    const Status status = table_.unmap(VirtAddr(kTrapframeVa), 2, FreeFrames::kNo);
    if (!status.ok() || !table_.destroy().ok()) {
      panic("AddressSpace::destroy: unexpected mappings in the user page table");
    }
    forget();
  }

  // xv6: copyin. Every byte of [src, src + len) must be in a user-accessible page (kBadAddress).
  Status copy_in(void* dst, VirtAddr src, uint64_t len) const {
    PAGODA_TRY(check_user_range(src, len, Access::kRead));
    char* out = static_cast<char*>(dst);
    for (uint64_t done = 0; done < len;) {
      const VirtAddr va = src + done;
      const uint64_t n = chunk(va, len - done);
      __builtin_memcpy(out + done, user_ptr(va), n);
      done += n;
    }
    return {};
  }

  // xv6: copyout. Every byte of [dst, dst + len) must be in a user-accessible, writable page
  // (kBadAddress, and nothing is written).
  Status copy_out(VirtAddr dst, const void* src, uint64_t len) {
    PAGODA_TRY(check_user_range(dst, len, Access::kWrite));
    const char* in = static_cast<const char*>(src);
    for (uint64_t done = 0; done < len;) {
      const VirtAddr va = dst + done;
      const uint64_t n = chunk(va, len - done);
      __builtin_memcpy(user_ptr(va), in + done, n);
      done += n;
    }
    return {};
  }

  // xv6: copyinstr. Copies a NUL-terminated string of at most max bytes (NUL included) and returns
  // its length. kBadAddress if it runs into an inaccessible page before its NUL, kTooBig if there
  // is no NUL within max bytes. dst is only meaningful on success.
  Result<uint64_t> copy_in_str(char* dst, VirtAddr src, uint64_t max) const {
    for (uint64_t done = 0; done < max;) {
      const VirtAddr va = src + done;
      if (va.value() >= Format::kMaxVa || !user_page(va.page_round_down(), Access::kRead)) {
        return Error::kBadAddress;
      }
      const uint64_t n = chunk(va, max - done);
      const char* in = static_cast<const char*>(user_ptr(va));
      for (uint64_t i = 0; i < n; ++i) {
        dst[done + i] = in[i];
        if (in[i] == '\0') return done + i;
      }
      done += n;
    }
    return Error::kTooBig;
  }


  // ---- Demand paging (issue 12): lazy growth, sparse release, faulting in, copy-on-write fork.
  // A space may now have holes below size(): pages of a lazy heap never touched. The functions
  // below skip holes; grow/shrink/copy_to/destroy above keep their eager contract (every page
  // below size() present) for the kernels that have no demand paging.

  // sbrk(n, SBRK_LAZY): the size becomes new_size and nothing is mapped; the pages come at first
  // touch (fault_in_zeroed). A new_size not above size() changes nothing.
  Status grow_lazy(uint64_t new_size) {
    if (new_size <= size_) return {};
    if (new_size > limit_) return Error::kOutOfRange;
    size_ = new_size;
    return {};
  }

  // shrink() for a space with holes: frees the pages present above new_size and skips the
  // others. A new_size not below size() changes nothing.
  void shrink_sparse(uint64_t new_size) {
    if (new_size >= size_) return;
    const uint64_t from = page_round_up(new_size);
    release_present(from, page_round_up(size_), Notify::kYes);
    // A lazy heap may span many tables: give back the ones that are now empty.
    if (page_round_up(size_) > from) table_.prune_empty_tables(VirtAddr(from), page_round_up(size_) - from);
    size_ = new_size;
  }

  // The first half of destroy() for a space with holes: frees every present user page (a shared
  // frame loses one reference) and sets the size to 0; destroy() then frees the tables.
  void release_all() {
    release_present(0, page_round_up(size_), Notify::kYes);
    size_ = 0;
  }

  // The last-level slot for va (valid or not), or nullptr if no table reaches it: what a fault
  // decision looks at (mm::decide_fault).
  // A superpage leaf (any level) counts: its pages are present.
  const Pte* leaf(VirtAddr va) const {
    const Pte* pte = table_.walk(va.page_round_down());
    return pte != nullptr ? pte : table_.find_leaf(va.page_round_down());
  }

  // A fault on a page never touched: maps a zeroed frame at va's page with perm (kUser and kRead
  // added) and tells the observer. kOutOfRange at or above size(); kAlreadyMapped if present.
  Status fault_in_zeroed(VirtAddr va, Perm perm) {
    va = va.page_round_down();
    if (va.value() >= page_round_up(size_)) return Error::kOutOfRange;
    return map_user(va, kPageSize, perm | Perm::kRead | Perm::kUser);
  }

  // xv6: uvmcopy for a space with holes (fork without copy-on-write): the child gets a copy of
  // every present page and the same holes. child must be fresh (size 0; else kInvalid). On
  // failure the child is unchanged.
  // Superpages are split first (their 4 KiB pages are copied one by one).
  Status copy_present_to(AddressSpace& child) {
    PAGODA_TRY(split_superpages(0, page_round_up(size_)));
    return build_child(child, [&](Pte pte) -> Result<Pte> {
      const PhysAddr frame = PAGODA_TRY(child.table_.memory().alloc_page());
      copy_page(child.table_.memory(), frame, table_.memory(), pte.phys());
      return pte.with_phys(frame);
    });
  }

  // Copy-on-write fork (issue 12): the child maps every present page to the same frame, which
  // gains a reference. Writable (or already copy-on-write) pages become read-only and marked
  // copy-on-write in both spaces; read-only pages (text) are simply shared. child must be fresh
  // (size 0; else kInvalid). On failure nothing changed: the parent's PTEs are only marked once
  // the child is complete. The caller flushes this space's TLB entries (its PTEs lost W).
  Status share_to(AddressSpace& child)
    requires SharedPhysMemory<Memory>
  {
    Memory& mem = table_.memory();
    if (child.size_ != 0) return Error::kInvalid;
    // Superpages are shared whole (one level-1 leaf in the child, every frame one more
    // reference); a store to one splits it (break_cow).
    PAGODA_TRY(share_superpages_to(child));
    PAGODA_TRY(build_child(child, [&](Pte pte) -> Result<Pte> {
      mem.share_page(pte.phys());
      return shared_pte(pte);
    }));
    for_each_present(table_, 0, page_round_up(size_), [](uint64_t, Pte& pte) {
      pte = shared_pte(pte);
    });
    for_each_superpage(0, page_round_up(size_), [](uint64_t, Pte& pte) { pte = shared_pte(pte); });
    return {};
  }

  // A store to the copy-on-write page at va: if this space holds the frame's only reference the
  // page becomes writable again in place; otherwise it gets a copy (the observer is told of the
  // new frame) and the old frame loses this reference. kInvalid if the page is not copy-on-write;
  // kNoMemory (nothing changed) if no frame is free. The caller flushes the TLB.
  Status break_cow(VirtAddr va)
    requires SharedPhysMemory<Memory>
  {
    va = va.page_round_down();
    Pte* pte = table_.walk(va);
    Memory& mem = table_.memory();
    if (pte == nullptr) {
      // Under a copy-on-write superpage: taken back whole if every frame is this space's alone,
      // else split (the same frames and bits, copy-on-write each) and the one page broken below.
      int level = 0;
      Pte* big = table_.find_leaf(va, &level);
      if (big == nullptr || !big->valid() || !big->cow() || level == 0) return Error::kInvalid;
      const uint64_t frames = Table::View::span(level) / kPageSize;
      bool exclusive = true;
      for (uint64_t i = 0; i < frames && exclusive; ++i) {
        exclusive = mem.page_exclusive(big->phys() + i * kPageSize);
      }
      if (exclusive) {
        *big = big->with_perm(big->perm() | Perm::kWrite).with_cow(false);
        return {};
      }
      PAGODA_TRY(table_.split_superpage(va));
      pte = table_.walk(va);
    }
    if (pte == nullptr || !pte->valid() || !pte->cow()) return Error::kInvalid;
    const Pte old = *pte;
    const Pte writable = old.with_perm(old.perm() | Perm::kWrite).with_cow(false);
    if (mem.page_exclusive(old.phys())) {
      *pte = writable;  // the same frame: the observer's view does not change
      return {};
    }
    const PhysAddr frame = PAGODA_TRY(mem.alloc_page());
    copy_page(mem, frame, mem, old.phys());
    if (old.user()) notify_unmap(va, kPageSize);
    *pte = writable.with_phys(frame);
    if (old.user()) {
      const Status told = notify_map(va, kPageSize);
      if (!told.ok()) {
        *pte = old;
        mem.free_page(frame);
        // The slot was reported a moment ago, so its tables are still there.
        if (!notify_map(va, kPageSize).ok()) panic("AddressSpace::break_cow: cannot re-report");
        return told;
      }
    }
    mem.free_page(old.phys());  // this space's reference; freed if the others left meanwhile
    return {};
  }

 private:
  enum class Notify : bool { kNo, kYes };

  // The superpage leaves in [from, to) (page-aligned), which the per-table walks of
  // for_each_present do not see, become 4 KiB leaves with the same frames and permissions (the
  // observer's view does not change). kNoMemory if a split's table cannot be had; those split so
  // far stay split (same contents).
  Status split_superpages(uint64_t from, uint64_t to) {
    if constexpr (Table::kSuperpages) {
      constexpr uint64_t kSuper = Table::kSuperpageSize;
      for (uint64_t span = from & ~(kSuper - 1); span < to; span += kSuper) {
        int level = 0;
        const Pte* pte = table_.find_leaf(VirtAddr(span), &level);
        if (pte != nullptr && pte->valid() && level > 0) {
          PAGODA_TRY(table_.split_superpage(VirtAddr(span)));
        }
      }
    }
    (void)from, (void)to;
    return {};
  }

  // Calls fn(va, leaf) for every valid superpage leaf whose span starts in [from, to).
  template <class Fn>
  void for_each_superpage(uint64_t from, uint64_t to, Fn&& fn) {
    if constexpr (Table::kSuperpages) {
      constexpr uint64_t kSuper = Table::kSuperpageSize;
      for (uint64_t span = (from + kSuper - 1) & ~(kSuper - 1); span < to; span += kSuper) {
        int level = 0;
        Pte* pte = table_.find_leaf(VirtAddr(span), &level);
        if (pte != nullptr && pte->valid() && level > 0) fn(span, *pte);
      }
    }
    (void)from, (void)to, (void)fn;
  }

  // share_to's part for superpages: the child (fresh) maps each of this space's superpages with
  // the same level-1 leaf, read-only and copy-on-write, and each frame gains a reference. On
  // failure the child is as it was.
  Status share_superpages_to(AddressSpace& child)
    requires SharedPhysMemory<Memory>
  {
    const uint64_t end = page_round_up(size_);
    Memory& mem = table_.memory();
    Status status;
    uint64_t done = 0;
    for_each_superpage(0, end, [&](uint64_t span, Pte& pte) {
      if (!status.ok()) return;
      const Pte shared = shared_pte(pte);
      status = child.table_.map_superpage(VirtAddr(span), pte.phys(), shared.perm());
      if (!status.ok()) return;
      *child.table_.find_leaf(VirtAddr(span)) = shared;  // the same bits, the COW mark included
      const uint64_t frames = Table::kSuperpageSize / kPageSize;
      for (uint64_t i = 0; i < frames; ++i) mem.share_page(pte.phys() + i * kPageSize);
      done = span + Table::kSuperpageSize;
    });
    if (!status.ok() && done > 0) {
      child.release_superpages(0, done, Notify::kNo);
      child.table_.prune_empty_tables(VirtAddr(0), done);
    }
    return status;
  }

  // release_present's part for superpage leaves: each lies wholly in [from, to) (shrink splits
  // the one its new end cuts through first) and goes as one block, the observer told first.
  void release_superpages(uint64_t from, uint64_t to, Notify notify) {
    if constexpr (Table::kSuperpages) {
      constexpr uint64_t kSuper = Table::kSuperpageSize;
      for (uint64_t span = from & ~(kSuper - 1); span < to; span += kSuper) {
        int level = 0;
        const Pte* pte = table_.find_leaf(VirtAddr(span), &level);
        if (pte == nullptr || !pte->valid() || level == 0) continue;
        if (span < from || span + kSuper > to) {
          panic("AddressSpace: superpage 0x%lx only partly in a release of 0x%lx..0x%lx", span,
                from, to);
        }
        if (notify == Notify::kYes && observer_ != nullptr && pte->user()) {
          observer_->on_unmap(VirtAddr(span), kSuper);
        }
        if (!table_.unmap(VirtAddr(span), kSuper / kPageSize, FreeFrames::kYes).ok()) {
          panic("AddressSpace: cannot unmap the superpage at 0x%lx", span);
        }
      }
    }
    (void)from, (void)to, (void)notify;
  }

  // What fork leaves in both spaces for a page it shares.
  static Pte shared_pte(Pte pte) {
    if (!pte.writable() && !pte.cow()) return pte;
    return pte.with_perm(pte.perm() & ~Perm::kWrite).with_cow(true);
  }

  // Bytes of address space one last-level table covers.
  static constexpr uint64_t kLeafSpan = kPageSize << Format::kIndexBits;

  // Calls fn(va, slot) for every valid last-level slot of [from, to) (page-aligned), with one
  // walk per last-level table (its slots are contiguous), skipping the spans without one.
  template <class T, class Fn>
  static void for_each_present(T& table, uint64_t from, uint64_t to, Fn&& fn) {
    for (uint64_t span = from & ~(kLeafSpan - 1); span < to; span += kLeafSpan) {
      auto* first = table.walk(VirtAddr(span));  // the table's slot 0
      if (first == nullptr) continue;
      const uint64_t lo = from > span ? from : span;
      const uint64_t hi = to < span + kLeafSpan ? to : span + kLeafSpan;
      for (uint64_t a = lo; a < hi; a += kPageSize) {
        auto& slot = first[(a - span) / kPageSize];
        if (slot.valid()) fn(a, slot);
      }
    }
  }

  // Unmaps and frees (drops a reference to) every present page of [from, to), telling the
  // observer first, in runs of user pages, if asked (Notify::kNo: pages it was never told of).
  void release_present(uint64_t from, uint64_t to, Notify notify) {
    release_superpages(from, to, notify);
    if (notify == Notify::kYes && observer_ != nullptr) {
      uint64_t run = 0;
      uint64_t len = 0;
      auto flush = [&] {
        if (len > 0) observer_->on_unmap(VirtAddr(run), len);
        len = 0;
      };
      for_each_present(table_, from, to, [&](uint64_t a, Pte& pte) {
        if (!pte.user()) return flush();
        if (len == 0 || run + len != a) {
          flush();
          run = a;
        }
        len += kPageSize;
      });
      flush();
    }
    Memory& mem = table_.memory();
    for_each_present(table_, from, to, [&](uint64_t, Pte& pte) {
      const PhysAddr frame = pte.phys();
      pte = Pte();
      mem.free_page(frame);
    });
  }

  // Fork's common part: for each present page below size(), child gets make(pte) at the same
  // address (make allocates or shares the frame). On failure every page given so far goes back
  // and the tables are pruned, so the child is as it was; then the observer is told.
  template <class Make>
  Status build_child(AddressSpace& child, Make&& make) const {
    if (child.size_ != 0) return Error::kInvalid;
    const uint64_t end = page_round_up(size_);
    Status status;
    Pte* child_first = nullptr;  // slot 0 of the child's last-level table for child_span
    uint64_t child_span = UINT64_MAX;
    for_each_present(table_, 0, end, [&](uint64_t a, const Pte& pte) {
      if (!status.ok()) return;
      const uint64_t span = a & ~(kLeafSpan - 1);
      if (span != child_span) {
        Result<Pte*> slot = child.table_.walk_alloc(VirtAddr(span));
        if (!slot) {
          status = slot.error();
          return;
        }
        child_first = *slot;
        child_span = span;
      }
      Result<Pte> made = make(pte);
      if (!made) {
        status = made.error();
        return;
      }
      child_first[(a - span) / kPageSize] = *made;
    });
    if (status.ok()) status = child.notify_map(VirtAddr(0), end);
    if (!status.ok()) {
      child.release_present(0, end, Notify::kNo);
      child.table_.prune_empty_tables(VirtAddr(0), end);
      return status;
    }
    child.size_ = size_;
    return {};
  }

 public:
 private:
  enum class Access { kRead, kWrite };

  // The one place user pages are added: maps fresh zeroed frames and tells the observer. If the
  // observer fails, the frames and the tables the mapping created go back.
  Status map_user(VirtAddr va, uint64_t size, Perm perm) {
    PAGODA_TRY(table_.map_zeroed(va, size, perm));
    const Status told = notify_map(va, size);
    if (!told.ok()) {
      free_user_pages(va, size / kPageSize);
      table_.prune_empty_tables(va, size);
    }
    return told;
  }

  // map_user's superpage form: one leaf over a fresh zeroed 2 MiB block at va, told to the observer
  // (as 512 contiguous pages). Fails with nothing changed.
  Status map_user_superpage(VirtAddr va, Perm perm) {
    PAGODA_TRY(table_.map_zeroed_superpage(va, perm));
    const Status told = notify_map(va, Table::kSuperpageSize);
    if (!told.ok()) free_user_pages(va, Table::kSuperpageSize / kPageSize);
    return told;
  }

  // The one place user pages are removed: tells the observer, then unmaps and frees.
  void unmap_user(VirtAddr va, uint64_t npages) {
    notify_unmap(va, npages * kPageSize);
    free_user_pages(va, npages);
  }

  void free_user_pages(VirtAddr va, uint64_t npages) {
    if (!table_.unmap(va, npages, FreeFrames::kYes).ok()) {
      panic("AddressSpace: user page missing below size (0x%lx)",
            va.value());
    }
  }

  // Reports the user-accessible pages of [va, va + size) to the observer in runs of contiguous
  // frames with equal permissions. If the observer refuses a run, the runs already reported are
  // withdrawn and the error returned.
  Status notify_map(VirtAddr va, uint64_t size) {
    if (observer_ == nullptr) return {};
    VirtAddr run_va;
    PhysAddr run_pa;
    uint64_t run_size = 0;
    Perm run_perm = Perm::kNone;
    const uint64_t end = va.value() + size;
    for (uint64_t a = va.value(); a <= end; a += kPageSize) {
      int level = 0;
      const Pte* pte = a < end ? table_.find_leaf(VirtAddr(a), &level) : nullptr;  // any level
      const bool user = pte != nullptr && pte->valid() && pte->user();
      const PhysAddr frame = user ? Table::View::frame_in(*pte, level, VirtAddr(a)) : PhysAddr();
      if (run_size > 0 && user && frame == run_pa + run_size && pte->perm() == run_perm) {
        run_size += kPageSize;
        continue;
      }
      if (run_size > 0) {
        const Status told = observer_->on_map(run_va, run_size, run_pa, run_perm);
        if (!told.ok()) {
          notify_unmap(va, run_va - va);
          return told;
        }
        run_size = 0;
      }
      if (user) {
        run_va = VirtAddr(a);
        run_pa = frame;
        run_perm = pte->perm();
        run_size = kPageSize;
      }
    }
    return {};
  }

  // Reports the user-accessible pages of [va, va + size) as going away, in runs of contiguous VAs.
  void notify_unmap(VirtAddr va, uint64_t size) {
    if (observer_ == nullptr) return;
    uint64_t run_start = 0;
    uint64_t run_size = 0;
    const uint64_t end = va.value() + size;
    for (uint64_t a = va.value(); a <= end; a += kPageSize) {
      const Pte* pte = a < end ? table_.find_leaf(VirtAddr(a)) : nullptr;  // any level
      if (pte != nullptr && pte->valid() && pte->user()) {
        if (run_size == 0) run_start = a;
        run_size += kPageSize;
      } else if (run_size > 0) {
        observer_->on_unmap(VirtAddr(run_start), run_size);
        run_size = 0;
      }
    }
  }

  // The frame behind a user page that may be accessed that way, or nullptr.
  const Pte* user_page(VirtAddr va0, Access access) const {
    const Pte* pte = table_.find_leaf(va0);  // a 4 KiB page or a superpage
    if (pte == nullptr || !pte->valid() || !pte->user()) return nullptr;
    if (access == Access::kWrite && !pte->writable()) return nullptr;
    return pte;
  }

  Status check_user_range(VirtAddr start, uint64_t len, Access access) const {
    if (len == 0) return {};
    if (start.value() >= Format::kMaxVa || len > Format::kMaxVa - start.value()) {
      return Error::kBadAddress;
    }
    const uint64_t last = page_round_down(start.value() + len - 1);
    for (uint64_t a = page_round_down(start.value()); a <= last; a += kPageSize) {
      if (user_page(VirtAddr(a), access) == nullptr) return Error::kBadAddress;
    }
    return {};
  }

  // How many bytes from va up to the end of its page, at most `left`.
  static uint64_t chunk(VirtAddr va, uint64_t left) {
    const uint64_t in_page = kPageSize - va.page_offset();
    return in_page < left ? in_page : left;
  }

  // Where the kernel reaches the (already checked) user byte at va.
  void* user_ptr(VirtAddr va) const {
    const PhysAddr frame = table_.frame_of(va).value();  // through a superpage too
    return static_cast<char*>(table_.memory().ptr(frame)) + va.page_offset();
  }

  // The state of an empty space (after a move or destroy()); table_ is reset by its own move.
  void forget() {
    size_ = 0;
    limit_ = kTrapframeVa;
    observer_ = nullptr;
  }

  Table table_;
  uint64_t size_ = 0;
  uint64_t limit_ = kTrapframeVa;
  MappingObserver* observer_ = nullptr;
};

}  // namespace pagoda::mm
