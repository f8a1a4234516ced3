// BlockMemory: a PhysMemory that can also hand out naturally aligned blocks of 2^order frames and
// take them back (the buddy FrameAllocator; host tests may use it over a host buffer). Page tables
// need it to map superpage leaves: a 2 MiB Sv39 leaf needs a 2 MiB-aligned, contiguous frame.
#pragma once

#include <concepts>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/memory.h"

namespace pagoda::mm {

template <class M>
concept BlockMemory = PhysMemory<M> && requires(M& m, PhysAddr pa, unsigned order) {
  { m.alloc_block(order) } -> std::same_as<Result<PhysAddr>>;  // 2^order frames, aligned
  { m.free_block(pa, order) } -> std::same_as<void>;
};

// A block of zeros, from whichever BlockMemory: written once where the memory can hand out a
// zeroed block itself (the frame allocator's scrubbed frames need no second fill).
template <BlockMemory M>
Result<PhysAddr> alloc_zeroed_block(M& mem, unsigned order) {
  if constexpr (requires { { mem.alloc_zeroed_block(order) } -> std::same_as<Result<PhysAddr>>; }) {
    return mem.alloc_zeroed_block(order);
  } else {
    Result<PhysAddr> pa = mem.alloc_block(order);
    if (pa) lib::fill_bytes(mem.ptr(*pa), 0, kPageSize << order);
    return pa;
  }
}

}  // namespace pagoda::mm
