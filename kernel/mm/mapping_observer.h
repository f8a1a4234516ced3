// MappingObserver: told whenever a page of an AddressSpace becomes or stops being user-accessible
// (a valid leaf with U). A per-process kernel page table (xv6 page-table lab, part 3) implements it
// to mirror user pages without U, so the kernel can dereference user pointers directly.
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"

namespace pagoda::mm {

// Set it on an AddressSpace while it is empty (size 0), so that every on_unmap has its on_map.
class MappingObserver {
 public:
  // [va, va + size) now maps the physically contiguous frames starting at `first`, with `perm`
  // (kUser included). A failure (say, no memory for the mirror's tables) must leave the observer
  // unchanged; the address-space operation then undoes its own change and fails with that error.
  virtual Status on_map(VirtAddr va, uint64_t size, PhysAddr first, Perm perm) {
    (void)va, (void)size, (void)first, (void)perm;
    return {};
  }
  // [va, va + size) is about to stop being user-accessible; the frames are still mapped and
  // allocated during the call. Only ranges earlier reported by on_map are reported here.
  virtual void on_unmap(VirtAddr va, uint64_t size) { (void)va, (void)size; }

 protected:
  // Not pure virtual: the kernel links no __cxa_pure_virtual. Never deleted through this type.
  ~MappingObserver() = default;
};

}  // namespace pagoda::mm
