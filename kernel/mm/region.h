// Region and RegionList<N>: what a process's user address space is made of (program segments, the
// stack and its guard page, the heap, and later mapped files and anonymous memory), as SerenityOS's
// Region list. A fixed-capacity array kept sorted by start address, no heap: find(va), insert
// without overlap, and remove (or split) a sub-range. All operations are failure-atomic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"

namespace pagoda::mm {

// kUsyscall: the 2024 lab's read-only page below the trapframe (kernel/memlayout.h).
enum class RegionKind : uint8_t {
  kText,
  kData,
  kGuard,
  kStack,
  kHeap,
  kFileMap,
  kAnonymous,
  kUsyscall,
};

struct Region {
  VirtAddr start;
  uint64_t size = 0;
  Perm perm = Perm::kNone;
  RegionKind kind = RegionKind::kData;

  uint64_t end() const { return start.value() + size; }
  bool contains(VirtAddr va) const { return va.value() >= start.value() && va.value() < end(); }
};

template <size_t kCapacity>
class RegionList {
 public:
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  const Region& operator[](size_t i) const { return regions_[i]; }
  const Region* begin() const { return regions_; }
  const Region* end() const { return regions_ + count_; }
  void clear() { count_ = 0; }

  // The region containing va, or nullptr.
  const Region* find(VirtAddr va) const {
    const size_t i = first_ending_after(va.value());
    return i < count_ && regions_[i].contains(va) ? &regions_[i] : nullptr;
  }

  // Adds r. kInvalid for size 0, kMisaligned unless page-aligned, kOutOfRange if it wraps,
  // kAlreadyMapped if it overlaps a region, kNoSpace if the list is full.
  Status insert(const Region& r) {
    if (r.size == 0) return Error::kInvalid;
    if (!r.start.page_aligned() || !page_aligned(r.size)) return Error::kMisaligned;
    if (r.size > UINT64_MAX - r.start.value()) return Error::kOutOfRange;
    const size_t i = first_ending_after(r.start.value());
    if (i < count_ && regions_[i].start.value() < r.end()) return Error::kAlreadyMapped;
    if (count_ == kCapacity) return Error::kNoSpace;
    open_slot(i);
    regions_[i] = r;
    return {};
  }

  // Removes [va, va + size), which must lie inside one region (kNotMapped otherwise): the region
  // shrinks, disappears, or splits in two (kNoSpace if that needs a slot the list lacks).
  Status remove(VirtAddr va, uint64_t size) {
    if (size == 0) return Error::kInvalid;
    if (!va.page_aligned() || !page_aligned(size)) return Error::kMisaligned;
    if (size > UINT64_MAX - va.value()) return Error::kOutOfRange;
    const size_t i = first_ending_after(va.value());
    if (i >= count_ || !regions_[i].contains(va) || va.value() + size > regions_[i].end()) {
      return Error::kNotMapped;
    }
    Region& r = regions_[i];
    const uint64_t cut_end = va.value() + size;
    const bool keep_left = va.value() > r.start.value();
    const bool keep_right = cut_end < r.end();
    if (keep_left && keep_right) {
      // (i + 1 < kCapacity follows from i < count_ < kCapacity; said so for GCC's bounds check.)
      if (count_ == kCapacity || i + 1 >= kCapacity) return Error::kNoSpace;
      Region right = r;
      right.start = VirtAddr(cut_end);
      right.size = r.end() - cut_end;
      r.size = va.value() - r.start.value();
      open_slot(i + 1);
      regions_[i + 1] = right;
    } else if (keep_left) {
      r.size = va.value() - r.start.value();
    } else if (keep_right) {
      r.size = r.end() - cut_end;
      r.start = VirtAddr(cut_end);
    } else {
      close_slot(i);
    }
    return {};
  }

  // Drops every region, or the part of it, at or above end (page-aligned; kMisaligned
  // otherwise): what sbrk's shrink does to the regions. Never needs a slot, so it cannot run out.
  Status truncate(VirtAddr end) {
    if (!end.page_aligned()) return Error::kMisaligned;
    while (count_ > 0 && regions_[count_ - 1].end() > end.value()) {
      Region& last = regions_[count_ - 1];
      if (last.start.value() >= end.value()) {
        --count_;
      } else {
        last.size = end.value() - last.start.value();
      }
    }
    return {};
  }

  // Sets the size of the region starting at start (the heap on sbrk): kNotMapped if none starts
  // there, kAlreadyMapped if growing would overlap the next region, kInvalid for 0.
  Status resize(VirtAddr start, uint64_t new_size) {
    if (new_size == 0) return Error::kInvalid;
    if (!page_aligned(new_size)) return Error::kMisaligned;
    const size_t i = first_ending_after(start.value());
    if (i >= count_ || regions_[i].start != start) return Error::kNotMapped;
    if (new_size > UINT64_MAX - start.value()) return Error::kOutOfRange;
    if (i + 1 < count_ && start.value() + new_size > regions_[i + 1].start.value()) {
      return Error::kAlreadyMapped;
    }
    regions_[i].size = new_size;
    return {};
  }

 private:
  // The index of the first region whose end is above va (regions are sorted and disjoint).
  size_t first_ending_after(uint64_t va) const {
    size_t lo = 0, hi = count_;
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (regions_[mid].end() <= va) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
  void open_slot(size_t i) {
    PAGODA_ASSERT(count_ < kCapacity);  // callers check for room first
    for (size_t j = count_; j > i; --j) regions_[j] = regions_[j - 1];
    ++count_;
  }
  void close_slot(size_t i) {
    for (size_t j = i + 1; j < count_; ++j) regions_[j - 1] = regions_[j];
    --count_;
  }

  Region regions_[kCapacity] = {};
  size_t count_ = 0;
};

}  // namespace pagoda::mm
