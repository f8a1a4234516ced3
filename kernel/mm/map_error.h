// MapError: a failed mapping that says where (Zircon's MapError records the address that failed):
// the error, the virtual address of the range, and what the range was for.
#pragma once

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"

namespace pagoda::mm {

struct MapError {
  Error error = Error::kInvalid;
  VirtAddr va;
  const char* what = "";  // a name for the range ("UART", "kernel stack"), for the console
};

// For PAGODA_MUST and log lines (found by argument-dependent lookup).
constexpr const char* error_name(const MapError& e) {
  return pagoda::error_name(e.error);
}

using MapStatus = BasicStatus<MapError>;

// Maps [va, va + size) to [pa, pa + size) in `table`; a failure carries va and `what`.
template <class Table>
MapStatus map_named(Table& table, uint64_t va, uint64_t size, uint64_t pa, Perm perm,
                    const char* what) {
  const Status s = table.map(VirtAddr(va), size, PhysAddr(pa), perm);
  if (!s.ok()) return MapError{s.error(), VirtAddr(va), what};
  return {};
}

}  // namespace pagoda::mm
