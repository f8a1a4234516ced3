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
//
// Superpages: in a format that allows level-1 leaves (Format::kSuperpageLeaves; Sv39's 2 MiB
// megapages, spec 4.4.1), map_superpage() puts one leaf where a level-0 table would be. Every
// operation understands such leaves: find_leaf/translate see through them, unmap removes a whole
// one (freeing its block) or splits one it covers in part into 512 level-0 leaves first,
// split_superpage() does that alone, copy_to gives the child its own superpage. walk() still
// returns only level-0 slots (nullptr under a superpage).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/block_memory.h"
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
// Every frame comes out filled with zeros (a new table, a zeroed user page), written once: the
// allocator zeroes it (mm::alloc_zeroed_page) and pop() clears the link word again.
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
      Result<PhysAddr> frame = alloc_zeroed_page(mem_);
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
    auto* link = static_cast<uint64_t*>(mem_.ptr(frame));
    head_ = PhysAddr(*link);
    *link = 0;
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

// Blocks of 2^order frames allocated up front (copy_to's superpages), kept as FrameStash keeps
// frames; what is not used goes back to Memory when the stash dies.
template <BlockMemory Memory>
class BlockStash {
 public:
  BlockStash(Memory& mem, unsigned order) : mem_(mem), order_(order) {}
  ~BlockStash() {
    while (count_ > 0) mem_.free_block(pop(), order_);
  }
  BlockStash(const BlockStash&) = delete;
  BlockStash& operator=(const BlockStash&) = delete;

  bool try_add() {
    Result<PhysAddr> block = mem_.alloc_block(order_);
    if (!block) return false;
    *static_cast<uint64_t*>(mem_.ptr(*block)) = head_.value();
    head_ = *block;
    ++count_;
    return true;
  }
  PhysAddr pop() {
    PAGODA_ASSERT(count_ > 0);
    PhysAddr block = head_;
    head_ = PhysAddr(*static_cast<uint64_t*>(mem_.ptr(block)));
    --count_;
    return block;
  }
  uint64_t size() const { return count_; }

 private:
  Memory& mem_;
  unsigned order_;
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

  // Whether this format has superpage leaves PageTable can make (level 1), and their size.
  static constexpr bool kSuperpages = requires { requires Format::kSuperpageLeaves; };
  static constexpr unsigned kSuperpageOrder = Format::kIndexBits;  // frames: 2^9 on Sv39
  static constexpr uint64_t kSuperpageSize = kPageSize << kSuperpageOrder;

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
    Result<PhysAddr> root = alloc_zeroed_page(mem);
    if (!root) return root.error();
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
    if (!va_in_range<Format>(va.value())) return Error::kOutOfRange;
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
      PhysAddr frame = stash.pop();  // zeroed
      *walk_from_stash(va + off, stash) = Pte::make_leaf(frame, perm);
    }
    return {};
  }

  // xv6: uvmunmap. Removes npages leaves from va, freeing their frames if asked. All or nothing: if
  // any page in the range is not mapped, nothing changes and kNotMapped is returned. A superpage
  // the range covers whole goes at once (its block freed); one it covers in part is split first
  // (one new table each, allocated before anything changes: kNoMemory leaves all as it was). Tables
  // that become empty stay (as in xv6); destroy() frees them.
  Status unmap(VirtAddr va, uint64_t npages, FreeFrames free_frames) {
    if (!va.page_aligned()) return Error::kMisaligned;
    if (npages == 0) return {};
    if (!va_in_range<Format>(va.value()) || npages > (0 - kPageSize) / kPageSize ||
        !range_in_range<Format>(va.value(), npages * kPageSize)) {
      return Error::kOutOfRange;
    }
    const uint64_t end = va.value() + npages * kPageSize;
    uint64_t splits = 0;
    for (uint64_t a = va.value(); a < end;) {
      int level = 0;
      if (view().find_leaf(VirtAddr(a), &level) == nullptr) return Error::kNotMapped;
      if (level == 0) {
        a += kPageSize;
        continue;
      }
      const uint64_t base = a & ~(View::span(level) - 1);
      const uint64_t leaf_end = base + View::span(level);
      if (base < va.value() || leaf_end > end) {
        if (level != 1) return Error::kInvalid;  // only superpages split (one table)
        ++splits;
      }
      a = leaf_end < end ? leaf_end : end;
    }
    detail::FrameStash<Memory> stash(*mem_);
    PAGODA_TRY(stash.fill(splits));
    for (uint64_t a = va.value(); a < end;) {
      int level = 0;
      Pte* pte = find_leaf(VirtAddr(a), &level);
      const uint64_t base = a & ~(View::span(level) - 1);
      if (level > 0 && (base < va.value() || base + View::span(level) > end)) {
        split_leaf(pte, level, stash.pop());
        continue;  // the same address, now under level-0 leaves
      }
      const PhysAddr frame = pte->phys();
      *pte = Pte();
      if (free_frames == FreeFrames::kYes) free_leaf_frames(frame, level);
      a = base + View::span(level);
    }
    return {};
  }

  // Replaces the superpage leaf covering va by a table of level-0 leaves that map the same frames
  // with the same bits (the rest of its contents stay where they are). Nothing to do if va is
  // under level-0 leaves; kNotMapped if nothing maps va; kNoMemory (and no change) if the table
  // cannot be allocated. The caller flushes the TLB.
  Status split_superpage(VirtAddr va) {
    int level = 0;
    Pte* pte = find_leaf(va, &level);
    if (pte == nullptr) return Error::kNotMapped;
    if (level == 0) return {};
    if (level != 1) return Error::kInvalid;
    const PhysAddr table = PAGODA_TRY(mem_->alloc_page());
    split_leaf(pte, level, table);
    return {};
  }

  // Maps the superpage at va (kSuperpageSize-aligned, like pa) with one level-1 leaf. kInvalid in a
  // format without superpages or for a perm no leaf can have, kMisaligned, kOutOfRange, and
  // kAlreadyMapped if any page there is mapped. An empty level-0 table left in that slot (unmap
  // keeps them) is freed. Failure-atomic: the tables on the way are allocated first.
  Status map_superpage(VirtAddr va, PhysAddr pa, Perm perm) {
    if (!kSuperpages || !Format::leaf_perm_ok(perm)) return Error::kInvalid;
    if (((va.value() | pa.value()) & (kSuperpageSize - 1)) != 0) return Error::kMisaligned;
    if (!range_in_range<Format>(va.value(), kSuperpageSize) ||
        pa.value() >= Format::kMaxPa || kSuperpageSize > Format::kMaxPa - pa.value()) {
      return Error::kOutOfRange;
    }
    uint64_t missing = 0;
    PhysAddr empty_table;
    const Pte* table = entries(root_);
    for (int level = kTopLevel; level >= 1 && table != nullptr; --level) {
      const Pte pte = table[Format::index(va, level)];
      if (level == 1) {
        if (is_table(pte, 1)) {
          const Pte* below = entries(pte.phys());
          for (size_t i = 0; i < kEntries; ++i) {
            if (below[i].valid()) return Error::kAlreadyMapped;
          }
          empty_table = pte.phys();
        } else if (pte.valid()) {
          return Error::kAlreadyMapped;
        }
      } else if (is_table(pte, level)) {
        table = entries(pte.phys());
      } else if (pte.valid()) {
        return Error::kAlreadyMapped;  // a larger leaf
      } else {
        missing = static_cast<uint64_t>(level - 1);  // this level's table and the ones below it
        table = nullptr;
      }
    }
    detail::FrameStash<Memory> stash(*mem_);
    PAGODA_TRY(stash.fill(missing));
    Pte* slot = slot_from_stash(va, 1, stash);
    if (empty_table != PhysAddr()) mem_->free_page(empty_table);
    *slot = Pte::make_leaf(pa, perm);
    return {};
  }

  // The superpage core of xv6 uvmalloc: a fresh zeroed 2 MiB block mapped at va with one leaf
  // (map_superpage's checks). kNoMemory if no aligned block is free: the caller may use 4 KiB
  // pages instead.
  Status map_zeroed_superpage(VirtAddr va, Perm perm)
    requires BlockMemory<Memory>
  {
    if (!kSuperpages) return Error::kInvalid;
    const PhysAddr block = PAGODA_TRY(alloc_zeroed_block(*mem_, kSuperpageOrder));
    const Status mapped = map_superpage(va, block, perm);
    if (!mapped.ok()) {
      mem_->free_block(block, kSuperpageOrder);
      return mapped;
    }
    return {};
  }

  // See View::find_leaf and View::frame_of. Through a non-const table the slot is writable.
  const Pte* find_leaf(VirtAddr va, int* level = nullptr) const {
    return view().find_leaf(va, level);
  }
  Pte* find_leaf(VirtAddr va, int* level = nullptr) {
    return const_cast<Pte*>(view().find_leaf(va, level));
  }
  Result<PhysAddr> frame_of(VirtAddr va) const { return view().frame_of(va); }

  // See View::translate and View::translate_user (xv6: walkaddr).
  Result<PhysAddr> translate(VirtAddr va) const { return view().translate(va); }
  Result<PhysAddr> translate_user(VirtAddr va) const { return view().translate_user(va); }

  // xv6: uvmcopy. Gives child a copy of every page in [0, page_round_up(size)): new frames with the
  // same contents and the same PTE flags. Every page must be mapped here (kNotMapped) and none in
  // the child (kAlreadyMapped). A superpage is copied into a superpage of the child's own when an
  // aligned block is free, else into 512 pages. On failure the child is exactly as before.
  Status copy_to(PageTable& child, uint64_t size) const {
    if (!child.valid()) return Error::kInvalid;
    if (size > kMaxVa) return Error::kOutOfRange;
    const uint64_t end = page_round_up(size);
    uint64_t pages = 0;
    uint64_t supers = 0;
    for (uint64_t va = 0; va < end;) {
      int level = 0;
      if (find_leaf(VirtAddr(va), &level) == nullptr) return Error::kNotMapped;
      if (level == 0) {
        ++pages;
        va += kPageSize;
        continue;
      }
      if (level != 1 || end - va < kSuperpageSize) return Error::kInvalid;  // past size
      ++supers;
      va += kSuperpageSize;
    }
    // Counts a level-0 table for each superpage too: more than needed, the rest goes back.
    Result<uint64_t> needed = child.tables_needed(0, end, true);
    if (!needed) return needed.error();
    uint64_t blocks = 0;
    if constexpr (BlockMemory<Memory>) {
      detail::BlockStash<Memory> stash(*child.mem_, kSuperpageOrder);
      while (stash.size() < supers && stash.try_add()) {
      }
      blocks = stash.size();
      return copy_commit(child, end, *needed + pages + (supers - blocks) * kEntries, &stash);
    } else {
      return copy_commit<std::nullptr_t>(child, end, *needed + pages + supers * kEntries, nullptr);
    }
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
  // User ranges only: nothing in an upper half (the kernel's) is pruned.
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
    if (!va_in_range<Format>(va.value())) return Error::kOutOfRange;
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

  // Where the entry of `span` bytes holding va ends, or end if that is sooner. Through the entry's
  // last byte: the top entry of an upper half ends at 2^64, which wraps to 0 (end never does).
  static constexpr uint64_t entry_end_before(uint64_t va, uint64_t span, uint64_t end) {
    const uint64_t last = va | (span - 1);
    return last < end - 1 ? last + 1 : end;
  }

  Status check_map_args(VirtAddr va, uint64_t size, Perm perm) const {
    if (size == 0 || !Format::leaf_perm_ok(perm)) return Error::kInvalid;
    if (!va.page_aligned() || !page_aligned(size)) return Error::kMisaligned;
    if (!range_in_range<Format>(va.value(), size)) return Error::kOutOfRange;
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
      const uint64_t entry_end = entry_end_before(va, span, end);
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
        pte = Pte::make_table(stash.pop());  // a zeroed frame: an empty table
      }
      PAGODA_ASSERT(is_table(pte, level));
      table = entries(pte.phys());
    }
    return &table[Format::index(va, 0)];
  }

  // walk_from_stash down to `level` only: the slot at that level for va (a superpage's slot when
  // level is 1); missing tables above it come from the stash.
  Pte* slot_from_stash(VirtAddr va, int level, detail::FrameStash<Memory>& stash) {
    Pte* table = entries(root_);
    for (int l = kTopLevel; l > level; --l) {
      Pte& pte = table[Format::index(va, l)];
      if (!pte.valid()) {
        pte = Pte::make_table(stash.pop());  // a zeroed frame: an empty table
      }
      PAGODA_ASSERT(is_table(pte, l));
      table = entries(pte.phys());
    }
    return &table[Format::index(va, level)];
  }

  // The leaf at *slot (at `level` > 0) becomes the table `table` of leaves one level down, mapping
  // the same frames with the same bits.
  void split_leaf(Pte* slot, int level, PhysAddr table) {
    const Pte leaf = *slot;
    Pte* below = entries(table);
    const uint64_t step = View::span(level - 1);
    for (size_t i = 0; i < kEntries; ++i) below[i] = leaf.with_phys(leaf.phys() + i * step);
    *slot = Pte::make_table(table);
  }

  // The frames behind a leaf at `level`: one page, or a whole superpage block.
  void free_leaf_frames(PhysAddr frame, int level) {
    if (level == 0) {
      mem_->free_page(frame);
      return;
    }
    const uint64_t frames = View::span(level) / kPageSize;
    if constexpr (BlockMemory<Memory>) {
      mem_->free_block(frame, static_cast<unsigned>(Format::kIndexBits * level));
    } else {
      for (uint64_t i = 0; i < frames; ++i) mem_->free_page(frame + i * kPageSize);
    }
  }

  // copy_to's commit: `frames` frames for tables and pages, and in `blocks` (if any) one block for
  // each of the first superpages; the others become pages.
  template <class Blocks>
  Status copy_commit(PageTable& child, uint64_t end, uint64_t frames, Blocks* blocks) const {
    detail::FrameStash<Memory> stash(*child.mem_);
    PAGODA_TRY(stash.fill(frames));
    for (uint64_t va = 0; va < end;) {
      int level = 0;
      const Pte pte = *find_leaf(VirtAddr(va), &level);
      if (level == 0) {
        const PhysAddr frame = stash.pop();
        copy_page(*child.mem_, frame, *mem_, pte.phys());
        *child.walk_from_stash(VirtAddr(va), stash) = pte.with_phys(frame);
        va += kPageSize;
        continue;
      }
      if constexpr (!std::is_same_v<Blocks, std::nullptr_t>) {
        if (blocks != nullptr && blocks->size() > 0) {
          const PhysAddr block = blocks->pop();
          __builtin_memcpy(child.mem_->ptr(block), mem_->ptr(pte.phys()), kSuperpageSize);
          *child.slot_from_stash(VirtAddr(va), 1, stash) = pte.with_phys(block);
          va += kSuperpageSize;
          continue;
        }
      }
      for (uint64_t off = 0; off < kSuperpageSize; off += kPageSize) {
        const PhysAddr frame = stash.pop();
        copy_page(*child.mem_, frame, *mem_, pte.phys() + off);
        *child.walk_from_stash(VirtAddr(va + off), stash) = pte.with_phys(frame);
      }
      va += kSuperpageSize;
    }
    return {};
  }

  // Prunes the empty tables under [start, end) below the table at `level`; true if that table is
  // then empty itself.
  bool prune_below(PhysAddr table_pa, int level, uint64_t start, uint64_t end) {
    Pte* table = entries(table_pa);
    const uint64_t span = entry_span(level);
    for (uint64_t va = start; level > 0 && va < end;) {
      const uint64_t entry_end = entry_end_before(va, span, end);
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
