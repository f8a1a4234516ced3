// PhysMemory: how the portable memory code reaches physical frames. The kernel passes its frame
// allocator (which maps a frame to its direct-mapped address); host tests pass a FakeMemory that
// keeps frames in host memory keyed by fake physical addresses (the Zircon lib/arch pattern).
#pragma once

#include <concepts>

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

// Frame helpers for code templated on a PhysMemory.
template <PhysMemory M>
void zero_page(M& mem, PhysAddr pa) {
  __builtin_memset(mem.ptr(pa), 0, kPageSize);
}

template <PhysMemory M>
void copy_page(M& dst_mem, PhysAddr dst, M& src_mem, PhysAddr src) {
  __builtin_memcpy(dst_mem.ptr(dst), src_mem.ptr(src), kPageSize);
}

}  // namespace pagoda::mm
