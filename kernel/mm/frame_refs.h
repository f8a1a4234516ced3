// FrameRefs: how many address spaces share each physical frame (copy-on-write fork, issue 12), and
// RefCountedMemory<Base>: a PhysMemory whose free_page() drops one reference and frees the frame
// only when it was the last. Kept apart from the frame allocator, which it reaches only through
// alloc_page/free_page, so any allocator (free list, buddy) works under it.
//
// A count is the number of references beyond the first: 0 means one owner (every frame fresh
// from the allocator), so nothing needs to be done on allocation, and a frame never shared costs
// nothing. Counts are lock-free atomics: fork, exit and fault on any hart may touch the same frame
// at once and the totals stay exact (a release that finds 0 is the last owner's, and only that one
// frees).
//
// The table covers one physical range, sized at boot from the allocator's range (the kernel) or
// by the test; its storage pages come from the caller at init.
#pragma once

#include <concepts>
#include <cstdint>

#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/memory.h"

namespace pagoda::mm {

class FrameRefs {
 public:
  // Counts live in pages of kPerLeaf words each (4 MiB of frames per page), reached through a
  // fixed directory: up to kMaxFrames frames (16 GiB), allocated at boot for the RAM there is.
  static constexpr uint64_t kPerLeaf = kPageSize / sizeof(uint32_t);
  static constexpr uint64_t kMaxLeaves = 4096;
  static constexpr uint64_t kMaxFrames = kPerLeaf * kMaxLeaves;

  constexpr FrameRefs() = default;
  FrameRefs(const FrameRefs&) = delete;
  FrameRefs& operator=(const FrameRefs&) = delete;

  // Pages of storage a table over npages frames needs.
  static constexpr uint64_t leaves_for(uint64_t npages) { return (npages + kPerLeaf - 1) / kPerLeaf; }

  // Covers the npages frames from first (page-aligned). alloc_leaf() returns a page's worth of
  // storage (kPageSize bytes, any contents) or nullptr; those pages are never given back. Once
  // only. kNoMemory (nothing kept) if storage runs out, kTooBig past kMaxFrames.
  template <class AllocLeaf>
  Status init(PhysAddr first, uint64_t npages, AllocLeaf&& alloc_leaf) {
    if (npages_ != 0) panic("FrameRefs::init: called twice");
    if (!first.page_aligned()) return Error::kMisaligned;
    if (npages > kMaxFrames) return Error::kTooBig;
    const uint64_t leaves = leaves_for(npages);
    for (uint64_t i = 0; i < leaves; ++i) {
      auto* leaf = static_cast<uint32_t*>(alloc_leaf());
      if (leaf == nullptr) {
        for (uint64_t j = 0; j < i; ++j) leaves_[j] = nullptr;
        return Error::kNoMemory;
      }
      for (uint64_t k = 0; k < kPerLeaf; ++k) leaf[k] = 0;
      leaves_[i] = leaf;
    }
    first_ = first.value();
    npages_ = npages;
    return {};
  }

  bool tracks(PhysAddr pa) const {
    return pa.value() >= first_ && (pa.value() - first_) / kPageSize < npages_;
  }

  // One more address space maps pa.
  void share(PhysAddr pa) { __atomic_fetch_add(slot(pa), 1, __ATOMIC_RELAXED); }

  // One mapping of pa goes away. True if it was the last one (the caller frees the frame).
  // Acquire on the last release: the freeing owner sees every write the others made before
  // letting go.
  bool release(PhysAddr pa) {
    if (!tracks(pa)) return true;
    uint32_t* count = slot(pa);
    uint32_t now = __atomic_load_n(count, __ATOMIC_ACQUIRE);
    while (now != 0) {
      if (__atomic_compare_exchange_n(count, &now, now - 1, /*weak=*/false, __ATOMIC_RELEASE,
                                      __ATOMIC_ACQUIRE)) {
        return false;
      }
    }
    return true;
  }

  // True if the caller's reference is the only one (a copy-on-write page can be taken back). Only
  // the caller can make it shared again (by forking), so the answer stays true once it is.
  bool exclusive(PhysAddr pa) const {
    return !tracks(pa) || __atomic_load_n(slot(pa), __ATOMIC_ACQUIRE) == 0;
  }

  // References beyond the first (tests, ^P).
  uint32_t extra(PhysAddr pa) const {
    return tracks(pa) ? __atomic_load_n(slot(pa), __ATOMIC_RELAXED) : 0;
  }
  // Frames with more than one reference now (tests: 0 once every sharer is gone).
  uint64_t shared_frames() const {
    uint64_t n = 0;
    for (uint64_t i = 0; i < npages_; ++i) {
      n += __atomic_load_n(&leaves_[i / kPerLeaf][i % kPerLeaf], __ATOMIC_RELAXED) != 0;
    }
    return n;
  }
  uint64_t npages() const { return npages_; }

 private:
  uint32_t* slot(PhysAddr pa) const {
    if (!tracks(pa)) panic("FrameRefs: frame 0x%lx outside the table", pa.value());
    const uint64_t i = (pa.value() - first_) / kPageSize;
    return &leaves_[i / kPerLeaf][i % kPerLeaf];
  }

  uint64_t first_ = 0;
  uint64_t npages_ = 0;
  uint32_t* leaves_[kMaxLeaves] = {};
};

// A PhysMemory that can share frames: what copy-on-write needs from memory.
template <class M>
concept SharedPhysMemory = PhysMemory<M> && requires(M& m, PhysAddr pa) {
  { m.share_page(pa) } -> std::same_as<void>;      // one more reference to pa
  { m.page_exclusive(pa) } -> std::same_as<bool>;  // the caller holds the only one
};

// Base (a PhysMemory) with a FrameRefs in front of free_page: freeing a shared frame drops a
// reference. Everything else of Base stays as it is.
template <PhysMemory Base>
class RefCountedMemory : public Base {
 public:
  using Base::Base;

  void free_page(PhysAddr pa) {
    if (refs_.release(pa)) Base::free_page(pa);
  }
  void share_page(PhysAddr pa) { refs_.share(pa); }
  bool page_exclusive(PhysAddr pa) const { return refs_.exclusive(pa); }

  // A block (a superpage's 2^order frames) going back: whole if this was the only reference to
  // every frame, else each frame drops one reference and those that reach none are freed one by
  // one (the buddy allocator merges them back). No one else can share a frame meanwhile: only an
  // owner shares (fork), and for an all-exclusive block this caller is the only owner.
  void free_block(PhysAddr pa, unsigned order)
    requires requires(Base& b, PhysAddr p, unsigned o) { b.free_block(p, o); }
  {
    const uint64_t frames = uint64_t{1} << order;
    bool exclusive = true;
    for (uint64_t i = 0; i < frames && exclusive; ++i) {
      exclusive = refs_.exclusive(pa + i * kPageSize);
    }
    if (exclusive) {
      Base::free_block(pa, order);
      return;
    }
    for (uint64_t i = 0; i < frames; ++i) free_page(pa + i * kPageSize);
  }

  FrameRefs& refs() { return refs_; }
  const FrameRefs& refs() const { return refs_; }

 private:
  FrameRefs refs_;
};

}  // namespace pagoda::mm
