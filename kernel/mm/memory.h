// PhysMemory: how the portable memory code reaches physical frames. The kernel passes its frame
// allocator (which maps a frame to its direct-mapped address); host tests pass a FakeMemory that
// keeps frames in host memory keyed by fake physical addresses (the Zircon lib/arch pattern).
#pragma once

#include <concepts>

#include "kernel/lib/mem_words.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"

namespace pagoda::mm {

template <class M>
concept PhysMemory = requires(M& m, PhysAddr pa) {
  { m.alloc_page() } -> std::same_as<Result<PhysAddr>>;  // contents undefined
  { m.free_page(pa) } -> std::same_as<void>;
  { m.ptr(pa) } -> std::same_as<void*>;  // where code can read/write that frame
};

// PhysAccessor: the read/write half of PhysMemory alone (physical address to pointer), which is all
// a read-only walk gets (Zircon's Paging::Query receives only the accessor), so a query cannot
// allocate or free.
template <class A>
concept PhysAccessor = requires(const A& a, PhysAddr pa) {
  { a.ptr(pa) } -> std::same_as<void*>;
};

// The accessor of a PhysMemory: exposes ptr() and nothing else.
template <PhysMemory M>
class AccessorOf {
 public:
  constexpr explicit AccessorOf(M& mem) : mem_(&mem) {}
  void* ptr(PhysAddr pa) const { return mem_->ptr(pa); }

 private:
  M* mem_;
};

// A PhysMemory that can hand out a frame already filled with zeros, writing it once (the kernel's
// allocator would otherwise fill it with junk that the caller then overwrites).
template <class M>
concept ZeroingMemory = PhysMemory<M> && requires(M& m) {
  { m.alloc_zeroed_page() } -> std::same_as<Result<PhysAddr>>;
};

// Frame helpers for code templated on a PhysMemory.
template <PhysMemory M>
void zero_page(M& mem, PhysAddr pa) {
  lib::fill_bytes(mem.ptr(pa), 0, kPageSize);
}

// A frame of zeros, from whichever PhysMemory.
template <PhysMemory M>
Result<PhysAddr> alloc_zeroed_page(M& mem) {
  if constexpr (ZeroingMemory<M>) {
    return mem.alloc_zeroed_page();
  } else {
    Result<PhysAddr> pa = mem.alloc_page();
    if (pa) zero_page(mem, *pa);
    return pa;
  }
}

template <PhysMemory M>
void copy_page(M& dst_mem, PhysAddr dst, M& src_mem, PhysAddr src) {
  lib::copy_forward(dst_mem.ptr(dst), src_mem.ptr(src), kPageSize);
}

}  // namespace pagoda::mm
