// FrameAllocator<Lock, Cpus>: the physical page allocator (xv6 kalloc.c), a binary buddy allocator
// (Knuth 2.5; Linux's zoned buddy system) that hands out single 4 KiB frames and naturally aligned
// blocks of 2^order frames (order 9: a 2 MiB superpage frame on Sv39), and merges a freed block with
// its buddy whenever both halves are free. A block is aligned to its own size in physical memory, so
// a superpage leaf can map it.
//
// Every frame can be freed on its own, whatever block it was handed out in: a superpage that is split
// into 4 KiB leaves gives its frames back one by one and they merge again as they come.
//
// Metadata (one state byte per frame) is sized from the range at run time and carved from the start
// of the range itself, so any amount of RAM works. Free blocks are kept on one doubly linked list
// per order, threaded through the first frame of each block (two words).
//
// Contents (issue 13). alloc() paints a frame with 5s, as xv6's kalloc does, so that code reading
// it before writing shows up. free() scrubs a frame to zeros (xv6 paints 1s): a dangling reader
// still shows up (a null pointer, an invalid PTE) and nothing of the old owner's survives, and a
// scrubbed frame needs no second fill when it is next asked for zeroed (alloc_zeroed, the page
// tables' and user pages' allocation): a frame is written once per use. A free block therefore
// holds zeros apart from the first 16 bytes of each frame (list links, now or earlier), unless
// some of it was never used since boot (add_range, extend: contents unknown, "fresh"); a free
// block's head state and a cached frame's state say which, and a block merged from both kinds is
// fresh. A frame is reached at pa + virt_offset (the kernel's direct map, arch::kDirectMapOffset;
// host tests: a host buffer). It is a PhysMemory, so page tables
// can use it directly. The kernel-wide instance is kernel/kmem/kernel_memory.h's.
//
// Cpus, if it names any CPUs (Cpus::kCpus > 0), adds a per-CPU cache of single frames for the hot
// 4 KiB path: alloc() and free() of one frame then take only their CPU's cache lock, and go to the
// buddy lists in batches. Cpus::current() says which cache to use (a hint: each cache has its own
// lock, so a stale id is only slower); the kernel passes the hart id, host tests a fake. Frames in a
// cache are free (counted by free_pages()) but not merged; alloc_block() drains every cache before
// it gives up.
//
// Fault injection (issue 15): a FaultPlan makes allocations fail on demand, as if memory had run
// out, so that tests reach every failure path (the allocfail system call arms it in the kernel). A
// plan applies to every allocation, 4 KiB or a block.
#pragma once

#include <cstdint>
#include <utility>

#include "kernel/lib/mem_words.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/fault_plan.h"

namespace pagoda::mm {

// No per-CPU caches: every allocation takes the allocator's lock.
struct NoCpuCaches {
  static constexpr unsigned kCpus = 0;
  static unsigned current() { return 0; }
  struct CacheLock {
    void acquire() {}
    void release() {}
  };
};

template <class Lock, class Cpus = NoCpuCaches>
class FrameAllocator {
 public:
  static constexpr unsigned kMaxOrder = 10;        // blocks of 1 .. 1024 frames (4 KiB .. 4 MiB)
  static constexpr unsigned kSuperpageOrder = 9;   // 2 MiB: an Sv39 level-1 leaf
  static constexpr unsigned kMaxZones = 4;         // add_range and up to three extend()s
  // A CPU cache above kCacheHigh frames drains kCacheBatch of them; an empty one refills as many.
  // Large enough that an sbrk of a few MiB and its shrink stay in the cache instead of merging
  // every frame up the buddy orders and splitting it down again (which costs more than the lock).
  static constexpr uint32_t kCacheHigh = 1024;
  static constexpr uint32_t kCacheBatch = 256;

  // Arguments go to the lock's constructor (SpinLock takes its name). constexpr, so the kernel can
  // have a constinit instance.
  template <class... LockArgs>
  constexpr explicit FrameAllocator(LockArgs&&... lock_args)
      : lock_(std::forward<LockArgs>(lock_args)...) {}
  FrameAllocator(const FrameAllocator&) = delete;
  FrameAllocator& operator=(const FrameAllocator&) = delete;

  // xv6: kinit/freerange. Hands every whole page in [start, end) to the allocator, less the pages
  // its metadata takes at the start. Once only.
  void add_range(PhysAddr start, PhysAddr end, uint64_t virt_offset) {
    const uint64_t first = page_round_up(start.value());
    const uint64_t last = page_round_down(end.value());
    Guard guard(lock_);
    if (zone_count_ != 0) panic("FrameAllocator::add_range: called twice");
    if (first >= last) {
      panic("FrameAllocator::add_range: empty range 0x%lx..0x%lx", start.value(), end.value());
    }
    offset_ = virt_offset;
    add_zone_locked(first, last);
  }

  // xv6-x86: kinit2. Hands the whole pages of [the current end, new_end) to the allocator too: the
  // memory a second boot phase can reach (on x86, what the full kernel map maps beyond the boot
  // page directory). A new_end not above the current end changes nothing. The new pages are a zone
  // of their own, with their own metadata.
  void extend(PhysAddr new_end) {
    const uint64_t last = page_round_down(new_end.value());
    Guard guard(lock_);
    if (zone_count_ == 0) panic("FrameAllocator::extend: before add_range");
    const uint64_t first = zones_[zone_count_ - 1].end;
    if (last <= first) return;
    if (zone_count_ == kMaxZones) panic("FrameAllocator::extend: more than %u zones", kMaxZones);
    add_zone_locked(first, last);
  }

  // xv6: kalloc. The page is filled with 5s so that code reading it before writing shows up.
  Result<PhysAddr> alloc() { return alloc_filled(kAllocJunk); }
  // A page of zeros instead, for callers that want one (page tables, user pages): a scrubbed frame
  // only has its link words cleared.
  Result<PhysAddr> alloc_zeroed() { return alloc_filled(0); }

  // A block of 2^order frames aligned to its size (order 0: one frame), filled with 5s, or
  // kNoMemory (kInvalid above kMaxOrder). Its frames may be freed together (free_block) or one by
  // one (free).
  Result<PhysAddr> alloc_block(unsigned order) {
    const Taken t = PAGODA_TRY(take_block(order));
    lib::fill_bytes(ptr(PhysAddr(t.pa)), kAllocJunk, kPageSize << order);
    return PhysAddr(t.pa);
  }
  // The same block filled with zeros (a superpage of a zeroed heap): each frame written once.
  Result<PhysAddr> alloc_zeroed_block(unsigned order) {
    const Taken t = PAGODA_TRY(take_block(order));
    for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) zero_taken(t.pa + i * kPageSize, t.contents);
    return PhysAddr(t.pa);
  }
  Result<PhysAddr> alloc_superpage() { return alloc_block(kSuperpageOrder); }

  // xv6: kfree. The page is scrubbed to zeros (xv6: junk 1s; see the top of the file). A misaligned
  // address, one outside the range, or a frame that is already free is a kernel bug: panic with
  // the address.
  void free(PhysAddr frame) {
    const uint64_t pa = frame.value();
    uint8_t* state = state_of(pa);
    if (state == nullptr) panic("kfree: bad frame 0x%lx", pa);
    if (load(*state) != kAllocated) panic("kfree: double free of 0x%lx", pa);
    lib::fill_bytes(ptr(frame), kFreeFill, kPageSize);
    if constexpr (kCached) {
      cache_free(pa, state);
    } else {
      Guard guard(lock_);
      release_locked(pa, 0, Contents::kScrubbed);
    }
  }

  // Frees a block of 2^order frames that are all allocated (as alloc_block handed them out, or
  // any aligned run of allocated frames): panics like free() otherwise.
  void free_block(PhysAddr block, unsigned order) {
    const uint64_t pa = block.value();
    const uint64_t size = kPageSize << (order > kMaxOrder ? 0 : order);
    uint8_t* state = state_of(pa);
    if (order > kMaxOrder || state == nullptr || (pa & (size - 1)) != 0 ||
        state_of(pa + size - kPageSize) != state + (size / kPageSize - 1)) {
      panic("kfree: bad block 0x%lx order %u", pa, order);
    }
    for (uint64_t i = 0; i < size / kPageSize; ++i) {
      if (load(state[i]) != kAllocated) panic("kfree: double free of 0x%lx", pa + i * kPageSize);
    }
    lib::fill_bytes(ptr(block), kFreeFill, size);
    Guard guard(lock_);
    release_locked(pa, order, Contents::kScrubbed);
  }

  // Gives every frame in the CPU caches back to the buddy lists (so that they can merge).
  void drain_cpu_caches() { drain_caches(); }

  // Free frames: on the buddy lists and in the CPU caches. Exact when nothing allocates meanwhile.
  uint64_t free_pages() const {
    uint64_t cached = 0;
    for (unsigned c = 0; c < kCpus; ++c) cached += __atomic_load_n(&caches_[c].count, __ATOMIC_RELAXED);
    Guard guard(lock_);
    return free_count_ + cached;
  }
  // Every page handed to the allocator (add_range, extend), its metadata pages included: those are
  // never free, so total_pages() - free_pages() is what is in use.
  uint64_t total_pages() const {
    Guard guard(lock_);
    return total_;
  }
  // Free blocks of exactly 2^order frames on the buddy lists (not counting cached frames).
  uint64_t free_blocks(unsigned order) const {
    if (order > kMaxOrder) return 0;
    Guard guard(lock_);
    return block_count_[order];
  }
  // Replaces the fault plan (FaultPlan() turns injection off); returns how many failures the old
  // plan caused. An nth plan whose nth allocation came and went counts 1.
  uint64_t set_fault_plan(const FaultPlan& plan) {
    Guard guard(lock_);
    const uint64_t injected = faults_.injected();
    faults_ = plan;
    __atomic_store_n(&plan_armed_, plan.mode() != FaultPlan::Mode::kOff, __ATOMIC_RELAXED);
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
  Result<PhysAddr> alloc_zeroed_page() { return alloc_zeroed(); }  // mm::ZeroingMemory
  void free_page(PhysAddr pa) { free(pa); }

  static constexpr unsigned char kAllocJunk = 5;
  static constexpr unsigned char kFreeFill = 0;  // what free() leaves in a frame (xv6: 1s)
  static constexpr uint64_t kLinkBytes = 16;     // the part of a free frame that the lists use

 private:
  static constexpr unsigned kCpus = Cpus::kCpus;
  static constexpr bool kCached = kCpus > 0;
  static constexpr uint64_t kNone = ~uint64_t{0};
  // A frame's state byte. The first frame of a free block on the buddy lists holds kFreeHead | its
  // order, and kFreshHead if the block's contents are unknown; the other frames of a free block
  // hold kFreeTail.
  static constexpr uint8_t kAllocated = 0x01;
  static constexpr uint8_t kFreeTail = 0x02;
  static constexpr uint8_t kCachedFree = 0x03;   // free, in a CPU cache, scrubbed
  static constexpr uint8_t kCachedFresh = 0x04;  // free, in a CPU cache, never used since boot
  static constexpr uint8_t kFreeHead = 0x80;
  static constexpr uint8_t kFreshHead = 0x40;
  static constexpr uint8_t kOrderBits = 0x0f;
  static_assert(kMaxOrder <= kOrderBits);

  // What a free frame or block holds (see the top of the file).
  enum class Contents : uint8_t { kScrubbed, kFresh };
  static Contents merged(Contents a, Contents b) {
    return a == Contents::kFresh || b == Contents::kFresh ? Contents::kFresh : Contents::kScrubbed;
  }
  // A block taken off the lists or a cache, and what it holds.
  struct Taken {
    uint64_t pa;
    Contents contents;
  };
  // A taken frame becomes all zeros: a scrubbed one only needs its link words cleared.
  void zero_taken(uint64_t pa, Contents contents) {
    lib::fill_bytes(ptr(PhysAddr(pa)), 0, contents == Contents::kScrubbed ? kLinkBytes : kPageSize);
  }
  Result<Taken> take_block(unsigned order) {
    if (order > kMaxOrder) return Error::kInvalid;
    Taken t{kNone, Contents::kFresh};
    {
      Guard guard(lock_);
      if (faults_.should_fail()) return Error::kNoMemory;
      t = take_locked(order);
    }
    if (t.pa == kNone && kCached) {  // frames may sit unmerged in the CPU caches
      drain_caches();
      Guard guard(lock_);
      t = take_locked(order);
    }
    if (t.pa == kNone) return Error::kNoMemory;
    return t;
  }

  template <class L>
  class LockGuard {
   public:
    explicit LockGuard(L& lock) : lock_(lock) { lock_.acquire(); }
    ~LockGuard() { lock_.release(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

   private:
    L& lock_;
  };
  using Guard = LockGuard<Lock>;
  using CacheGuard = LockGuard<typename Cpus::CacheLock>;

  Result<PhysAddr> alloc_filled(uint8_t byte) {
    Taken t{kNone, Contents::kFresh};
    if constexpr (kCached) {
      t = cache_alloc();
    } else {
      Guard guard(lock_);
      if (faults_.should_fail()) return Error::kNoMemory;
      t = take_locked(0);
    }
    if (t.pa == kNone) return Error::kNoMemory;
    if (byte == 0) {
      zero_taken(t.pa, t.contents);
    } else {
      lib::fill_bytes(ptr(PhysAddr(t.pa)), byte, kPageSize);
    }
    return PhysAddr(t.pa);
  }

  // [start, end): the frames a zone manages; state[i] is frame start + i pages'.
  struct Zone {
    uint64_t start = 0;
    uint64_t end = 0;
    uint8_t* state = nullptr;
  };
  // The links of a free block, in its first frame.
  struct Links {
    uint64_t next;
    uint64_t prev;
  };
  struct CpuCache {
    typename Cpus::CacheLock lock;  // protects head and the links of the frames in this cache
    uint64_t head = kNone;          // a stack through the first word of each frame
    uint64_t count = 0;             // written under lock, read by free_pages() without it
  };

  // Byte accesses that may race with another CPU's (free() reads a state that a cache or the
  // buddy lists may be writing for another frame of the same block).
  static uint8_t load(const uint8_t& b) { return __atomic_load_n(&b, __ATOMIC_RELAXED); }
  static void store(uint8_t& b, uint8_t v) { __atomic_store_n(&b, v, __ATOMIC_RELAXED); }

  Links* links(uint64_t pa) const { return static_cast<Links*>(ptr(PhysAddr(pa))); }

  // The state byte of a page-aligned frame in some zone, or nullptr.
  uint8_t* state_of(uint64_t pa) const {
    if (!page_aligned(pa)) return nullptr;
    for (unsigned z = 0; z < zone_count_; ++z) {
      const Zone& zone = zones_[z];
      if (pa >= zone.start && pa < zone.end) return zone.state + (pa - zone.start) / kPageSize;
    }
    return nullptr;
  }
  // The state byte of a frame the allocator knows is in a zone.
  uint8_t& state_ref(uint64_t pa) const {
    uint8_t* state = state_of(pa);
    if (state == nullptr) panic("FrameAllocator: frame 0x%lx outside every zone", pa);
    return *state;
  }
  const Zone* zone_of(uint64_t pa) const {
    for (unsigned z = 0; z < zone_count_; ++z) {
      if (pa >= zones_[z].start && pa < zones_[z].end) return &zones_[z];
    }
    return nullptr;
  }

  // Metadata first: one byte per frame of [first, last), in whole pages at the start of the range.
  void add_zone_locked(uint64_t first, uint64_t last) {
    const uint64_t frames = (last - first) / kPageSize;
    const uint64_t meta = page_round_up(frames) / kPageSize;  // pages of state bytes
    if (meta >= frames) panic("FrameAllocator: range 0x%lx..0x%lx too small", first, last);
    Zone& zone = zones_[zone_count_++];
    zone.start = first + meta * kPageSize;
    zone.end = last;
    zone.state = static_cast<uint8_t*>(ptr(PhysAddr(first)));
    const uint64_t n = (zone.end - zone.start) / kPageSize;
    __builtin_memset(zone.state, kAllocated, n);
    total_ += frames;  // the metadata pages count as owned, and always in use
    // The largest aligned blocks that fit, lowest first, fresh: whatever they hold is unknown.
    for (uint64_t pa = zone.start; pa < zone.end;) {
      unsigned order = kMaxOrder;
      while (order > 0 && ((pa & ((kPageSize << order) - 1)) != 0 ||
                           (kPageSize << order) > zone.end - pa)) {
        --order;
      }
      release_locked(pa, order, Contents::kFresh);
      pa += kPageSize << order;
    }
  }

  void push_locked(uint64_t pa, unsigned order, Contents contents) {
    Links* l = links(pa);
    l->next = heads_[order];
    l->prev = kNone;
    if (heads_[order] != kNone) links(heads_[order])->prev = pa;
    heads_[order] = pa;
    ++block_count_[order];
    const uint8_t fresh = contents == Contents::kFresh ? kFreshHead : 0;
    store(state_ref(pa), static_cast<uint8_t>(kFreeHead | fresh | order));
  }
  // Takes the block at pa off its list; returns what it holds.
  Contents unlink_locked(uint64_t pa, unsigned order) {
    const Links* l = links(pa);
    if (l->prev != kNone) {
      links(l->prev)->next = l->next;
    } else {
      heads_[order] = l->next;
    }
    if (l->next != kNone) links(l->next)->prev = l->prev;
    --block_count_[order];
    uint8_t& state = state_ref(pa);
    const Contents contents = (load(state) & kFreshHead) != 0 ? Contents::kFresh : Contents::kScrubbed;
    store(state, kFreeTail);
    return contents;
  }

  // Gives 2^order allocated frames at pa back, merging with free buddies as far as they go.
  void release_locked(uint64_t pa, unsigned order, Contents contents) {
    uint8_t* state = &state_ref(pa);
    for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) store(state[i], kFreeTail);
    free_count_ += uint64_t{1} << order;
    const Zone* zone = zone_of(pa);
    while (order < kMaxOrder) {
      const uint64_t size = kPageSize << order;
      const uint64_t buddy = pa ^ size;
      if (buddy < zone->start || buddy + size > zone->end) break;
      if ((load(state_ref(buddy)) & ~kFreshHead) != (kFreeHead | order)) break;
      contents = merged(contents, unlink_locked(buddy, order));
      pa = pa < buddy ? pa : buddy;
      ++order;
    }
    push_locked(pa, order, contents);
  }

  // Takes a block of 2^order frames off the lists, splitting a larger one if need be (the lower
  // halves stay free, so the first frames handed out are the highest, as in xv6), or kNone.
  Taken take_locked(unsigned order) {
    unsigned from = order;
    while (from <= kMaxOrder && heads_[from] == kNone) ++from;
    if (from > kMaxOrder) return {kNone, Contents::kFresh};
    uint64_t pa = heads_[from];
    const Contents contents = unlink_locked(pa, from);
    while (from > order) {
      --from;
      push_locked(pa, from, contents);  // the lower half
      pa += kPageSize << from;
    }
    uint8_t* state = &state_ref(pa);
    for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) store(state[i], kAllocated);
    free_count_ -= uint64_t{1} << order;
    return {pa, contents};
  }

  CpuCache& my_cache() {
    const unsigned c = Cpus::current();
    return caches_[c < kCpus ? c : 0];
  }

  Taken cache_alloc() {
    if (__atomic_load_n(&plan_armed_, __ATOMIC_RELAXED)) {
      Guard guard(lock_);
      if (faults_.should_fail()) return {kNone, Contents::kFresh};
    }
    CpuCache& cache = my_cache();
    Taken t{kNone, Contents::kFresh};
    {
      CacheGuard guard(cache.lock);
      if (cache.head == kNone) refill_locked(cache);
      t = pop_cached_locked(cache);
    }
    if (t.pa == kNone) {  // the buddy lists are empty: frames may sit in other CPUs' caches
      drain_caches();
      Guard guard(lock_);
      t = take_locked(0);
    }
    return t;
  }

  // A frame free() has scrubbed.
  void cache_free(uint64_t pa, uint8_t* state) {
    CpuCache& cache = my_cache();
    CacheGuard guard(cache.lock);
    push_cached_locked(cache, pa, *state, Contents::kScrubbed);
    if (cache.count > kCacheHigh) drain_locked(cache, kCacheBatch);
  }

  void push_cached_locked(CpuCache& cache, uint64_t pa, uint8_t& state, Contents contents) {
    *static_cast<uint64_t*>(ptr(PhysAddr(pa))) = cache.head;
    cache.head = pa;
    store(state, contents == Contents::kFresh ? kCachedFresh : kCachedFree);
    __atomic_store_n(&cache.count, cache.count + 1, __ATOMIC_RELAXED);
  }

  Taken pop_cached_locked(CpuCache& cache) {
    const uint64_t pa = cache.head;
    if (pa == kNone) return {kNone, Contents::kFresh};
    cache.head = *static_cast<uint64_t*>(ptr(PhysAddr(pa)));
    uint8_t& state = state_ref(pa);
    const Contents contents = load(state) == kCachedFresh ? Contents::kFresh : Contents::kScrubbed;
    store(state, kAllocated);
    __atomic_store_n(&cache.count, cache.count - 1, __ATOMIC_RELAXED);
    return {pa, contents};
  }

  // With the cache's lock: moves up to a batch of frames from the buddy lists into the cache.
  void refill_locked(CpuCache& cache) {
    Guard guard(lock_);
    for (uint32_t i = 0; i < kCacheBatch; ++i) {
      const Taken t = take_locked(0);
      if (t.pa == kNone) break;
      push_cached_locked(cache, t.pa, state_ref(t.pa), t.contents);
    }
  }

  // With the cache's lock: gives up to n of its frames back to the buddy lists.
  void drain_locked(CpuCache& cache, uint64_t n) {
    Guard guard(lock_);
    for (uint64_t i = 0; i < n && cache.head != kNone; ++i) {
      const Taken t = pop_cached_locked(cache);
      release_locked(t.pa, 0, t.contents);
    }
  }

  void drain_caches() {
    for (unsigned c = 0; c < kCpus; ++c) {
      CacheGuard guard(caches_[c].lock);
      drain_locked(caches_[c], ~uint64_t{0});
    }
  }

  // Lock order: a CPU cache's lock, then lock_.
  mutable Lock lock_;  // protects everything below but the caches, and the links in free blocks
  uint64_t heads_[kMaxOrder + 1] = {kNone, kNone, kNone, kNone, kNone, kNone,
                                    kNone, kNone, kNone, kNone, kNone};
  uint64_t block_count_[kMaxOrder + 1] = {};
  uint64_t free_count_ = 0;  // frames on the buddy lists
  uint64_t total_ = 0;
  uint64_t offset_ = 0;
  Zone zones_[kMaxZones] = {};
  unsigned zone_count_ = 0;
  FaultPlan faults_;
  bool plan_armed_ = false;  // faults_ is not off: the cached path must ask it (under lock_)
  mutable CpuCache caches_[kCached ? kCpus : 1] = {};
};

}  // namespace pagoda::mm
