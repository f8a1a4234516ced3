// A minimal reader for the flattened device tree QEMU passes in a1 at boot (Devicetree
// Specification v0.4, ch. 5): only what the kernel needs, the number of harts and where RAM is.
// Portable.
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

namespace pagoda::fdt {

inline constexpr uint32_t kMagic = 0xd00dfeed;

// Counts the nodes named "cpu@..." directly under "/cpus". kInvalid if blob is not a sane FDT of
// at most max_size bytes.
Result<uint32_t> count_cpus(const void* blob, uint64_t max_size);

// One (address, size) pair of a memory node's "reg" property.
struct MemoryRange {
  uint64_t base = 0;
  uint64_t size = 0;
  uint64_t end() const { return base + size; }
};

// The RAM range that holds physical address `containing` (the kernel's load address): the "reg"
// entry of a node under the root whose device_type is "memory" (or, without device_type, whose
// name is "memory" or "memory@..."), decoded with the root's #address-cells and #size-cells
// (spec 2.3.5: 2 and 1 when absent; each 1 or 2 here). kInvalid if blob is not a sane FDT of at
// most max_size bytes or a reg property is malformed, kNotFound if no memory range holds
// `containing`. Ranges that overflow 64 bits are malformed.
Result<MemoryRange> memory_range(const void* blob, uint64_t max_size, uint64_t containing);

}  // namespace pagoda::fdt
