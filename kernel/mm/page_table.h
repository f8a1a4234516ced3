// PageTable<Format, Memory>: a multi-level page table, generic over the PTE format (Sv39, i386) and
// over how physical frames are reached and allocated (Memory), as Zircon's lib/arch does. This is
// xv6's vm.c (walk, mappages, uvmunmap, uvmcopy, freewalk, vmprint) with two differences: errors
// are returned instead of panics, and every operation that can fail is prepare-then-commit
// (Hafnium's mm.c): everything that may fail (checks, allocating tables and frames) happens before
// anything changes, so a failed call leaves the tree exactly as it was and leaks no page.
//
// A PageTable owns its tree and is move-only (a moved-from table is empty, valid() false).
// Read-only walks go through view(), a PageTableView that carries no allocator. The destructor
// frees nothing: the kernel runs no global destructors, and a tree may still hold leaves whose
// frames belong to someone else, so the owner ends it explicitly with destroy() or destroy_tables()
// (the host tests check that every page comes back). Not thread-safe; callers serialise access to
// one tree (in xv6, a process's tree belongs to that process).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/page_table_print.h"
#include "kernel/mm/page_table_view.h"
#include "kernel/mm/perm.h"

namespace pagoda::mm {

// Whether unmap frees the frames behind the leaves it removes (xv6 uvmunmap's do_free).
enum class FreeFrames : bool { kNo, kYes };

namespace detail {

// Frames allocated up front by a prepare-then-commit operation, kept on a stack threaded through
// the frames themselves (no heap). Whatever is not used goes back to Memory when the stash dies.
template <PhysMemory Memory>
class FrameStash {
 public:
  explicit FrameStash(Memory& mem) : mem_(mem) {}
  ~FrameStash() { release(); }
  FrameStash(const FrameStash&) = delete;
  FrameStash& operator=(const FrameStash&) = delete;

  // Allocates n more frames, or none: on failure the stash is emptied.
  Status fill(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      Result<PhysAddr> frame = mem_.alloc_page();
      if (!frame) {
        release();
        return frame.error();
      }
      push(*frame);
    }
    return {};
  }
  PhysAddr pop() {
    PAGODA_ASSERT(count_ > 0);
    PhysAddr frame = head_;
    head_ = PhysAddr(*static_cast<uint64_t*>(mem_.ptr(frame)));
    --count_;
    return frame;
  }
  uint64_t size() const { return count_; }
  void release() {
    while (count_ > 0) mem_.free_page(pop());
  }

 private:
  void push(PhysAddr frame) {
    *static_cast<uint64_t*>(mem_.ptr(frame)) = head_.value();
    head_ = frame;
    ++count_;
  }

  Memory& mem_;
  PhysAddr head_;
  uint64_t count_ = 0;
};

}  // namespace detail

template <class Format, PhysMemory Memory>
class PageTable {
 public:
  using Pte = typename Format::Pte;
  static constexpr int kLevels = Format::kLevels;
  static constexpr int kTopLevel = kLevels - 1;
  static constexpr size_t kEntries = Format::kEntries;
  static constexpr uint64_t kMaxVa = Format::kMaxVa;
  static_assert(sizeof(Pte) * kEntries == kPageSize, "a table must fill exactly one page");

  using View = PageTableView<Format, AccessorOf<Memory>>;

  // An empty table (no tree); only valid() may be called on it.
  constexpr PageTable() = default;
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;
  constexpr PageTable(PageTable&& other) : mem_(other.mem_), root_(other.root_) { other.reset(); }
  // Only into an empty table: overwriting a live tree would lose it.
  PageTable& operator=(PageTable&& other) {
    if (this != &other) {
      PAGODA_ASSERT(!valid());
      mem_ = other.mem_;
      root_ = other.root_;
      other.reset();
    }
    return *this;
  }
  ~PageTable() = default;

  // An empty tree: one zeroed root table.
  static Result<PageTable> create(Memory& mem) {
    Result<PhysAddr> root = mem.alloc_page();
    if (!root) return root.error();
    zero_page(mem, *root);
    return PageTable(mem, *root);
  }

  bool valid() const { return mem_ != nullptr; }
  PhysAddr root() const { return root_; }
  Memory& memory() const { return *mem_; }

  // A read-only view of the tree: reaches frames but cannot allocate.
  View view() const { return View(AccessorOf<Memory>(*mem_), root_); }

  // xv6: walk(pagetable, va, 0); see View::walk. Through a non-const table the slot is writable.
  const Pte* walk(VirtAddr va) const { return view().walk(va); }
  Pte* walk(VirtAddr va) { return const_cast<Pte*>(view().walk(va)); }

  // xv6: walk(pagetable, va, 1). Creates the missing tables on the way; all of them or none.
  Result<Pte*> walk_alloc(VirtAddr va) {
    if (va.value() >= kMaxVa) return Error::kOutOfRange;
    const uint64_t start = va.page_round_down().value();
    Result<uint64_t> needed = tables_needed(start, start + kPageSize, /*must_be_unmapped=*/false);
    if (!needed) return needed.error();
    detail::FrameStash<Memory> stash(*mem_);
    PAGODA_TRY(stash.fill(*needed));
    return walk_from_stash(va, stash);
  }

  // xv6: mappages. Maps [va, va + size) to [pa, pa + size). Refuses a size of 0 or a perm the
  // format cannot express as a leaf (kInvalid), unaligned arguments (kMisaligned), ranges past
  // MAXVA or wrapping (kOutOfRange), and any page already mapped (kAlreadyMapped; xv6 panics
  // "remap").
  Status map(VirtAddr va, uint64_t size, PhysAddr pa, Perm perm) {
    PAGODA_TRY(check_map_args(va, size, perm));
    if (!pa.page_aligned()) return Error::kMisaligned;
    if (pa.value() >= Format::kMaxPa || size > Format::kMaxPa - pa.value()) {
      return Error::kOutOfRange;
    }
    Result<uint64_t> needed = tables_needed(va.value(), va.value() + size, true);
    if (!needed) return needed.error();
    detail::FrameStash<Memory> stash(*mem_);
    PAGODA_TRY(stash.fill(*needed));
    for (uint64_t off = 0; off < size; off += kPageSize) {
      *walk_from_stash(va + off, stash) = Pte::make_leaf(pa + off, perm);
    }
    return {};
  }

  // The core of xv6 uvmalloc: maps [va, va + size) to freshly allocated, zeroed frames. The same
  // checks and failure atomicity as map().
  Status map_zeroed(VirtAddr va, uint64_t size, Perm perm) {
    PAGODA_TRY(check_map_args(va, size, perm));
    Result<uint64_t> needed = tables_needed(va.value(), va.value() + size, true);
    if (!needed) return needed.error();
    detail::FrameStash<Memory> stash(*mem_);
    PAGODA_TRY(stash.fill(*needed + size / kPageSize));
    for (uint64_t off = 0; off < size; off += kPageSize) {
      PhysAddr frame = stash.pop();
      zero_page(*mem_, frame);
      *walk_from_stash(va + off, stash) = Pte::make_leaf(frame, perm);
    }
    return {};
  }

  // xv6: uvmunmap. Removes npages leaves from va, freeing their frames if asked. All or nothing: if
  // any page in the range is not mapped, nothing changes and kNotMapped is returned. Tables that
  // become empty stay (as in xv6); destroy() frees them.
  Status unmap(VirtAddr va, uint64_t npages, FreeFrames free_frames) {
    if (!va.page_aligned()) return Error::kMisaligned;
    if (npages == 0) return {};
    if (va.value() >= kMaxVa || npages > (kMaxVa - va.value()) / kPageSize) {
      return Error::kOutOfRange;
    }
    for (uint64_t i = 0; i < npages; ++i) {
      const Pte* pte = walk(va + i * kPageSize);
      if (pte == nullptr || !pte->valid()) return Error::kNotMapped;
    }
    for (uint64_t i = 0; i < npages; ++i) {
      Pte* pte = walk(va + i * kPageSize);
      const PhysAddr frame = pte->phys();
      *pte = Pte();
      if (free_frames == FreeFrames::kYes) mem_->free_page(frame);
    }
    return {};
  }

  // See View::translate and View::translate_user (xv6: walkaddr).
  Result<PhysAddr> translate(VirtAddr va) const { return view().translate(va); }
  Result<PhysAddr> translate_user(VirtAddr va) const { return view().translate_user(va); }

  // xv6: uvmcopy. Gives child a copy of every page in [0, page_round_up(size)): new frames with the
  // same contents and the same PTE flags. Every page must be mapped here (kNotMapped) and none in
  // the child (kAlreadyMapped). On failure the child is exactly as before.
  Status copy_to(PageTable& child, uint64_t size) const {
    if (!child.valid()) return Error::kInvalid;
    if (size > kMaxVa) return Error::kOutOfRange;
    const uint64_t end = page_round_up(size);
    for (uint64_t va = 0; va < end; va += kPageSize) {
      const Pte* pte = walk(VirtAddr(va));
      if (pte == nullptr || !pte->valid()) return Error::kNotMapped;
    }
    Result<uint64_t> needed = child.tables_needed(0, end, true);
    if (!needed) return needed.error();
    detail::FrameStash<Memory> stash(*child.mem_);
    PAGODA_TRY(stash.fill(*needed + end / kPageSize));
    for (uint64_t va = 0; va < end; va += kPageSize) {
      const Pte pte = *walk(VirtAddr(va));
      const PhysAddr frame = stash.pop();
      copy_page(*child.mem_, frame, *mem_, pte.phys());
      *child.walk_from_stash(VirtAddr(va), stash) = pte.with_phys(frame);
    }
    return {};
  }

  // xv6: freewalk. Frees every table page of the tree, refusing with kLeavesRemain (and freeing
  // nothing) while any leaf is mapped. Borrowed subtrees are skipped. Resets this handle.
  Status destroy() {
    if (view().has_leaves()) return Error::kLeavesRemain;
    destroy_tables();
    return {};
  }

  // Frees every table page of the tree but no leaf frame, whatever is still mapped: for trees whose
  // leaves belong to someone else (a per-process kernel page table mirroring user pages). Borrowed
  // subtrees are skipped. Resets this handle.
  void destroy_tables() {
    free_tables(root_, kTopLevel);
    reset();
  }

  // Frees every table below the root that covers part of [va, va + size) and holds no valid entry
  // (borrowed subtrees untouched): the tables a map made for pages that were then unmapped again,
  // which unmap() leaves (as xv6 does) until destroy().
  void prune_empty_tables(VirtAddr va, uint64_t size) {
    if (va.value() >= kMaxVa || size == 0) return;
    const uint64_t end = size > kMaxVa - va.value() ? kMaxVa : va.value() + size;
    prune_below(root_, kTopLevel, va.value(), end);
  }

  // Installs the root entry of `lender` that covers va as the same root entry here, marked
  // borrowed: both trees then share that subtree (e.g. the kernel's device and text mappings in a
  // per-process kernel page table), and destroy()/destroy_tables() here never free it. Changes made
  // through this entry change the lender's tables. kNotMapped if the lender has no table there,
  // kAlreadyMapped if this root entry is in use.
  Status borrow(VirtAddr va, const PageTable& lender) {
    if (va.value() >= kMaxVa) return Error::kOutOfRange;
    const size_t index = Format::index(va, kTopLevel);
    const Pte lent = entries(lender.root_)[index];
    if (!is_table(lent, kTopLevel)) return Error::kNotMapped;
    Pte& slot = entries(root_)[index];
    if (slot.valid()) return Error::kAlreadyMapped;
    slot = Pte::make_borrowed_table(lent.phys());
    return {};
  }

  // xv6 page-table lab: vmprint; see View::print.
  template <class Sink>
  void print(Sink&& sink, Borrowed borrowed = Borrowed::kDescend,
             PrintStyle style = PrintStyle::kIndex) const {
    view().print(sink, borrowed, style);
  }

 private:
  PageTable(Memory& mem, PhysAddr root) : mem_(&mem), root_(root) {}
  constexpr void reset() {
    mem_ = nullptr;
    root_ = PhysAddr();
  }

  Pte* entries(PhysAddr table) const { return static_cast<Pte*>(mem_->ptr(table)); }

  static bool is_table(Pte pte, int level) { return View::is_table(pte, level); }

  // The bytes of virtual address space one entry at `level` covers.
  static constexpr uint64_t entry_span(int level) {
    return kPageSize << (Format::kIndexBits * level);
  }

  Status check_map_args(VirtAddr va, uint64_t size, Perm perm) const {
    if (size == 0 || !Format::leaf_perm_ok(perm)) return Error::kInvalid;
    if (!va.page_aligned() || !page_aligned(size)) return Error::kMisaligned;
    if (va.value() >= kMaxVa || size > kMaxVa - va.value()) return Error::kOutOfRange;
    return {};
  }

  // The number of tables that mapping [start, end) would create. With must_be_unmapped, fails with
  // kAlreadyMapped if a page in the range is mapped. Fails if a superpage leaf is in the way.
  Result<uint64_t> tables_needed(uint64_t start, uint64_t end, bool must_be_unmapped) const {
    return count_missing(entries(root_), kTopLevel, start, end, must_be_unmapped);
  }

  // `table` is the table at `level` covering [start, end), or nullptr if it does not exist yet.
  // Not inlined into itself: GCC unrolls the recursion into one large frame per level, and this
  // runs on a one-page kernel stack under exec.
  [[gnu::noinline]] Result<uint64_t> count_missing(const Pte* table, int level, uint64_t start,
                                                   uint64_t end, bool must_be_unmapped) const {
    if (level == 0) {
      if (table != nullptr && must_be_unmapped) {
        for (uint64_t va = start; va < end; va += kPageSize) {
          if (table[Format::index(VirtAddr(va), 0)].valid()) return Error::kAlreadyMapped;
        }
      }
      return uint64_t{0};
    }
    const uint64_t span = entry_span(level);
    uint64_t count = 0;
    for (uint64_t va = start; va < end;) {
      const uint64_t entry_end = (va & ~(span - 1)) + span < end ? (va & ~(span - 1)) + span : end;
      const Pte pte = table != nullptr ? table[Format::index(VirtAddr(va), level)] : Pte();
      const Pte* child = nullptr;
      if (is_table(pte, level)) {
        child = entries(pte.phys());
      } else if (pte.valid()) {
        return Error::kAlreadyMapped;  // a superpage leaf; we never split them
      } else {
        ++count;
      }
      Result<uint64_t> below = count_missing(child, level - 1, va, entry_end, must_be_unmapped);
      if (!below) return below.error();
      count += *below;
      va = entry_end;
    }
    return count;
  }

  // The commit half of walk_alloc: missing tables come from the stash, which a preceding
  // tables_needed() sized, so this cannot fail.
  Pte* walk_from_stash(VirtAddr va, detail::FrameStash<Memory>& stash) {
    Pte* table = entries(root_);
    for (int level = kTopLevel; level > 0; --level) {
      Pte& pte = table[Format::index(va, level)];
      if (!pte.valid()) {
        const PhysAddr page = stash.pop();
        zero_page(*mem_, page);
        pte = Pte::make_table(page);
      }
      PAGODA_ASSERT(is_table(pte, level));
      table = entries(pte.phys());
    }
    return &table[Format::index(va, 0)];
  }

  // Prunes the empty tables under [start, end) below the table at `level`; true if that table is
  // then empty itself.
  bool prune_below(PhysAddr table_pa, int level, uint64_t start, uint64_t end) {
    Pte* table = entries(table_pa);
    const uint64_t span = entry_span(level);
    for (uint64_t va = start; level > 0 && va < end;) {
      const uint64_t entry_end = (va & ~(span - 1)) + span < end ? (va & ~(span - 1)) + span : end;
      Pte& pte = table[Format::index(VirtAddr(va), level)];
      if (is_table(pte, level) && !pte.borrowed() &&
          prune_below(pte.phys(), level - 1, va, entry_end)) {
        const PhysAddr child = pte.phys();
        pte = Pte();
        mem_->free_page(child);
      }
      va = entry_end;
    }
    for (size_t i = 0; i < kEntries; ++i) {
      if (table[i].valid()) return false;
    }
    return true;
  }

  void free_tables(PhysAddr table_pa, int level) {
    if (level > 0) {
      const Pte* table = entries(table_pa);
      for (size_t i = 0; i < kEntries; ++i) {
        if (is_table(table[i], level) && !table[i].borrowed()) {
          free_tables(table[i].phys(), level - 1);
        }
      }
    }
    mem_->free_page(table_pa);
  }

  Memory* mem_ = nullptr;
  PhysAddr root_;
};

}  // namespace pagoda::mm
