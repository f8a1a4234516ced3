// PageTableView<Format, Accessor>: a borrowed, read-only view of a page-table tree (walk,
// translate, print). It holds the root and a PhysAccessor only, never an allocator, so a query
// cannot allocate (Zircon's Paging::Query). Valid while the tree it was taken from lives and is not
// changed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/page_table_print.h"

namespace pagoda::mm {

// The virtual addresses a format's tables translate: [0, kMaxVa), and on a format that declares
// kUpperHalfStart (Sv39: the sign-extended addresses from 0xffffffc000000000, priv spec 4.4.1,
// where the kernel lives) also [kUpperHalfStart, 2^64). The very last page of the upper half
// stays out of range, so that the end of a range in it is never 0.
template <class Format>
constexpr uint64_t upper_half_start() {
  if constexpr (requires { Format::kUpperHalfStart; }) {
    return Format::kUpperHalfStart;
  } else {
    return 0;  // no upper half
  }
}
template <class Format>
constexpr bool in_upper_half(uint64_t va) {
  return upper_half_start<Format>() != 0 && va >= upper_half_start<Format>();
}
template <class Format>
constexpr bool va_in_range(uint64_t va) {
  return va < Format::kMaxVa || (in_upper_half<Format>(va) && va < 0 - kPageSize);
}
// [va, va + size) lies wholly in one half that the format translates.
template <class Format>
constexpr bool range_in_range(uint64_t va, uint64_t size) {
  if (va < Format::kMaxVa) return size <= Format::kMaxVa - va;
  return in_upper_half<Format>(va) && size <= (0 - kPageSize) - va;
}
// The address an entry covers as the MMU sees it: Sv39 sign-extends bit 38.
template <class Format>
constexpr uint64_t canonical_va(uint64_t va) {
  return upper_half_start<Format>() != 0 && va >= Format::kMaxVa ? va | upper_half_start<Format>()
                                                                 : va;
}

// Whether vmprint shows the subtrees a table shares with another (borrowed entries).
enum class Borrowed { kDescend, kSkip };

template <class Format, PhysAccessor Accessor>
class PageTableView {
 public:
  using Pte = typename Format::Pte;
  static constexpr int kLevels = Format::kLevels;
  static constexpr int kTopLevel = kLevels - 1;
  static constexpr size_t kEntries = Format::kEntries;
  static constexpr uint64_t kMaxVa = Format::kMaxVa;

  constexpr PageTableView(Accessor access, PhysAddr root) : access_(access), root_(root) {}

  PhysAddr root() const { return root_; }

  // xv6: walk(pagetable, va, 0). The last-level slot for va (valid or not), or nullptr if a table
  // on the way is missing, va >= MAXVA, or a superpage leaf covers va.
  const Pte* walk(VirtAddr va) const {
    if (!va_in_range<Format>(va.value())) return nullptr;
    const Pte* table = entries(root_);
    for (int level = kTopLevel; level > 0; --level) {
      const Pte pte = table[Format::index(va, level)];
      if (!is_table(pte, level)) return nullptr;
      table = entries(pte.phys());
    }
    return &table[Format::index(va, 0)];
  }

  // The valid leaf that maps va at any level (a 4 KiB page at level 0, a superpage above), or
  // nullptr; *level (if given) is the leaf's level. The 2024 lab's pgpte reads this.
  const Pte* find_leaf(VirtAddr va, int* level = nullptr) const {
    if (!va_in_range<Format>(va.value())) return nullptr;
    const Pte* table = entries(root_);
    for (int l = kTopLevel;; --l) {
      const Pte* pte = &table[Format::index(va, l)];
      if (!pte->valid()) return nullptr;
      if (l == 0 || !is_table(*pte, l)) {
        if (level != nullptr) *level = l;
        return pte;
      }
      table = entries(pte->phys());
    }
  }

  // The 4 KiB frame behind the page at va through any leaf (a superpage's frame at va's offset in
  // it), or nullptr-like kNotMapped.
  Result<PhysAddr> frame_of(VirtAddr va) const {
    int level = 0;
    const Pte* pte = find_leaf(va, &level);
    if (pte == nullptr) return Error::kNotMapped;
    return pte->phys() + (va.page_round_down().value() & (span(level) - 1));
  }

  // The 4 KiB frame behind the page at va inside `leaf`, a valid leaf at `level` that maps va.
  static PhysAddr frame_in(const Pte& leaf, int level, VirtAddr va) {
    return leaf.phys() + (va.page_round_down().value() & (span(level) - 1));
  }

  // The physical address of the byte at va, through any valid leaf.
  Result<PhysAddr> translate(VirtAddr va) const {
    if (!va_in_range<Format>(va.value())) return Error::kOutOfRange;
    return PAGODA_TRY(frame_of(va)) + va.page_offset();
  }

  // xv6: walkaddr. As translate(), but the leaf must be user-accessible (kBadAddress otherwise).
  Result<PhysAddr> translate_user(VirtAddr va) const {
    const Pte* pte = find_leaf(va);
    if (pte == nullptr || !pte->user()) return Error::kBadAddress;
    return PAGODA_TRY(frame_of(va)) + va.page_offset();
  }

  // Bytes of virtual address space one entry at `level` covers (a leaf there maps that much).
  static constexpr uint64_t span(int level) { return kPageSize << (Format::kIndexBits * level); }

  // Whether any leaf is mapped outside borrowed subtrees.
  bool has_leaves() const { return has_leaves(root_, kTopLevel); }

  // xv6 page-table lab: vmprint. Calls sink(const char* line) (no newline) for the header and for
  // each valid PTE, depth first.
  // With Borrowed::kSkip the entries a table borrows (and the subtrees behind them) are left out:
  // on x86 every user directory borrows the whole kernel map.
  // PrintStyle::kVirtualAddress names each entry by the first virtual address it maps (the 2024
  // lab's kpgtbl) instead of its index.
  template <class Sink>
  void print(Sink&& sink, Borrowed borrowed = Borrowed::kDescend,
             PrintStyle style = PrintStyle::kIndex) const {
    char line[kPrintLineMax];
    format_table_header(line, root_);
    sink(static_cast<const char*>(line));
    print_table(sink, line, root_, kTopLevel, 1, 0, borrowed, style);
  }

  // A valid entry above the last level that points to a table (not a superpage leaf).
  static bool is_table(Pte pte, int level) { return level > 0 && pte.valid() && !pte.is_leaf(); }

 private:
  const Pte* entries(PhysAddr table) const { return static_cast<const Pte*>(access_.ptr(table)); }

  bool has_leaves(PhysAddr table_pa, int level) const {
    const Pte* table = entries(table_pa);
    for (size_t i = 0; i < kEntries; ++i) {
      const Pte pte = table[i];
      if (!pte.valid() || pte.borrowed()) continue;
      if (!is_table(pte, level) || has_leaves(pte.phys(), level - 1)) return true;
    }
    return false;
  }

  // base: the first VA the table at table_pa covers.
  template <class Sink>
  void print_table(Sink& sink, char (&line)[kPrintLineMax], PhysAddr table_pa, int level, int depth,
                   uint64_t base, Borrowed borrowed, PrintStyle style) const {
    const Pte* table = entries(table_pa);
    for (size_t i = 0; i < kEntries; ++i) {
      const Pte pte = table[i];
      if (!pte.valid() || (pte.borrowed() && borrowed == Borrowed::kSkip)) continue;
      const uint64_t va =
          canonical_va<Format>(base + (uint64_t{i} << (kPageShift + Format::kIndexBits * level)));
      if (style == PrintStyle::kVirtualAddress) {
        format_pte_line_va(line, depth, VirtAddr(va), pte.raw(), pte.phys());
      } else {
        format_pte_line(line, depth, i, pte.raw(), pte.phys());
      }
      sink(static_cast<const char*>(line));
      if (is_table(pte, level)) {
        print_table(sink, line, pte.phys(), level - 1, depth + 1, va, borrowed, style);
      }
    }
  }

  Accessor access_;
  PhysAddr root_;
};

}  // namespace pagoda::mm
