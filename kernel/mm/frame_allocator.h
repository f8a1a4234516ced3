// FrameAllocator<Lock>: the physical page allocator (xv6 kalloc.c). Free frames form a list
// threaded through the frames themselves; a frame is reached at pa + virt_offset (the kernel's
// direct map: offset 0; host tests: a host buffer). It is a PhysMemory, so page tables can use it
// directly. The kernel-wide instance is kernel/kmem/kernel_memory.h's.
//
// Fault injection (issue 15): a FaultPlan makes alloc() fail on demand, as if memory had run out,
// so that tests reach every failure path (the allocfail system call arms it in the kernel).
#pragma once

#include <cstdint>
#include <utility>

#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"

namespace pagoda::mm {

// Which allocations fail. Decided under the allocator's lock, one call of should_fail() per
// alloc(), before the free list is looked at; a plan counts the failures it caused.
class FaultPlan {
 public:
  enum class Mode : uint8_t { kOff, kNth, kRandom, kAll };
  static constexpr uint32_t kOneIn = 1u << 16;  // probabilities are in 1/65536ths

  constexpr FaultPlan() = default;
  // The nth allocation from now (n >= 1) fails, once; later ones succeed.
  static constexpr FaultPlan nth(uint64_t n) {
    return n == 0 ? FaultPlan() : FaultPlan(Mode::kNth, n, 0, 0);
  }
  // Each allocation fails with probability per_65536 / 65536, drawn from a generator seeded with
  // seed (xorshift64), so a run is reproducible from its seed.
  static constexpr FaultPlan random(uint32_t per_65536, uint64_t seed) {
    return FaultPlan(Mode::kRandom, 0, per_65536, seed != 0 ? seed : 0x9e3779b97f4a7c15ull);
  }
  static constexpr FaultPlan all() { return FaultPlan(Mode::kAll, 0, 0, 0); }

  Mode mode() const { return mode_; }
  uint64_t injected() const { return injected_; }

  bool should_fail() {
    bool fail = false;
    switch (mode_) {
      case Mode::kOff:
        break;
      case Mode::kNth:
        fail = --countdown_ == 0;
        if (fail) mode_ = Mode::kOff;
        break;
      case Mode::kRandom:
        state_ ^= state_ << 13;
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        fail = (state_ >> 48) < per_65536_;
        break;
      case Mode::kAll:
        fail = true;
        break;
    }
    if (fail) ++injected_;
    return fail;
  }

 private:
  constexpr FaultPlan(Mode mode, uint64_t countdown, uint32_t per_65536, uint64_t state)
      : mode_(mode), countdown_(countdown), per_65536_(per_65536), state_(state) {}

  Mode mode_ = Mode::kOff;
  uint64_t countdown_ = 0;  // kNth: allocations left until the failing one
  uint32_t per_65536_ = 0;  // kRandom
  uint64_t state_ = 0;      // kRandom: the generator
  uint64_t injected_ = 0;
};

template <class Lock>
class FrameAllocator {
 public:
  // Arguments go to the lock's constructor (SpinLock takes its name). constexpr, so the kernel can
  // have a constinit instance.
  template <class... LockArgs>
  constexpr explicit FrameAllocator(LockArgs&&... lock_args)
      : lock_(std::forward<LockArgs>(lock_args)...) {}
  FrameAllocator(const FrameAllocator&) = delete;
  FrameAllocator& operator=(const FrameAllocator&) = delete;

  // xv6: kinit/freerange. Hands every whole page in [start, end) to the allocator. Once only.
  void add_range(PhysAddr start, PhysAddr end, uint64_t virt_offset) {
    const uint64_t first = page_round_up(start.value());
    const uint64_t last = page_round_down(end.value());
    {
      Guard guard(lock_);
      if (total_ != 0) panic("FrameAllocator::add_range: called twice");
      if (first >= last)
        panic("FrameAllocator::add_range: empty range 0x%lx..0x%lx",
              start.value(), end.value());
      start_ = first;
      end_ = last;
      offset_ = virt_offset;
      total_ = (last - first) / kPageSize;
    }
    for (uint64_t pa = first; pa < last; pa += kPageSize) free(PhysAddr(pa));
  }

  // xv6-x86: kinit2. Hands the whole pages of [the current end, new_end) to the allocator too: the
  // memory a second boot phase can reach (on x86, what the full kernel map maps beyond the boot
  // page directory). A new_end not above the current end changes nothing.
  void extend(PhysAddr new_end) {
    const uint64_t last = page_round_down(new_end.value());
    uint64_t first;
    {
      Guard guard(lock_);
      if (total_ == 0) panic("FrameAllocator::extend: before add_range");
      if (last <= end_) return;
      first = end_;
      end_ = last;
      total_ += (last - first) / kPageSize;
    }
    for (uint64_t pa = first; pa < last; pa += kPageSize) free(PhysAddr(pa));
  }

  // xv6: kalloc. The page is filled with 5s so that code reading it before writing shows up.
  Result<PhysAddr> alloc() {
    uint64_t pa;
    {
      Guard guard(lock_);
      if (faults_.should_fail() || free_count_ == 0) return Error::kNoMemory;
      pa = head_;
      head_ = *link(pa);
      --free_count_;
    }
    __builtin_memset(ptr(PhysAddr(pa)), kAllocJunk, kPageSize);
    return PhysAddr(pa);
  }

  // xv6: kfree. The page is filled with 1s to catch dangling references. A misaligned address, one
  // outside the range, or a frame that is already free is a kernel bug: panic with the address.
  void free(PhysAddr frame) {
    const uint64_t pa = frame.value();
    if (!page_aligned(pa) || pa < start_ || pa >= end_) {
      panic("kfree: bad frame 0x%lx", pa);
    }
    Guard guard(lock_);
    // A free frame still holds the 1s after its link. Only if it does is the (slow) list search
    // needed to tell a double free from a page that happens to hold 1s.
    if (holds_free_junk(pa) && on_free_list_locked(pa)) {
      panic("kfree: double free of 0x%lx", pa);
    }
    __builtin_memset(ptr(frame), kFreeJunk, kPageSize);
    *link(pa) = head_;
    head_ = pa;
    ++free_count_;
  }

  uint64_t free_pages() const {
    Guard guard(lock_);
    return free_count_;
  }
  uint64_t total_pages() const {
    Guard guard(lock_);
    return total_;
  }
  // Replaces the fault plan (FaultPlan() turns injection off); returns how many failures the old
  // plan caused. An nth plan whose nth allocation came and went counts 1.
  uint64_t set_fault_plan(const FaultPlan& plan) {
    Guard guard(lock_);
    const uint64_t injected = faults_.injected();
    faults_ = plan;
    return injected;
  }
  uint64_t injected_faults() const {
    Guard guard(lock_);
    return faults_.injected();
  }

  void* ptr(PhysAddr pa) const { return reinterpret_cast<void*>(pa.value() + offset_); }
  // The inverse of ptr: the frame behind a pointer into the mapped range (through uintptr_t, as
  // GCC sign-extends a 32-bit pointer converted straight to uint64_t).
  PhysAddr phys(const void* p) const {
    return PhysAddr(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)) - offset_);
  }

  // PhysMemory, so PageTable and AddressSpace can allocate from here directly.
  Result<PhysAddr> alloc_page() { return alloc(); }
  void free_page(PhysAddr pa) { free(pa); }

  static constexpr unsigned char kAllocJunk = 5;
  static constexpr unsigned char kFreeJunk = 1;

 private:
  class Guard {
   public:
    explicit Guard(Lock& lock) : lock_(lock) { lock_.acquire(); }
    ~Guard() { lock_.release(); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    Lock& lock_;
  };

  uint64_t* link(uint64_t pa) const { return static_cast<uint64_t*>(ptr(PhysAddr(pa))); }

  bool holds_free_junk(uint64_t pa) const {
    const unsigned char* bytes = static_cast<const unsigned char*>(ptr(PhysAddr(pa)));
    for (uint64_t i = sizeof(uint64_t); i < kPageSize; ++i) {
      if (bytes[i] != kFreeJunk) return false;
    }
    return true;
  }

  bool on_free_list_locked(uint64_t pa) const {
    uint64_t p = head_;
    for (uint64_t i = 0; i < free_count_; ++i, p = *link(p)) {
      if (p == pa) return true;
    }
    return false;
  }

  mutable Lock lock_;  // protects head_, free_count_, faults_ and the links in free frames
  uint64_t head_ = 0;
  uint64_t free_count_ = 0;
  uint64_t start_ = 0;  // [start_, end_): the frames this allocator owns; set once by add_range
  uint64_t end_ = 0;
  uint64_t offset_ = 0;
  uint64_t total_ = 0;
  FaultPlan faults_;
};

}  // namespace pagoda::mm
