// A minimal reader for the flattened device tree QEMU passes in a1 at boot (Devicetree
// Specification v0.4, ch. 5): only what the kernel needs, the number of harts. Portable.
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

namespace pagoda::fdt {

inline constexpr uint32_t kMagic = 0xd00dfeed;

// Counts the nodes named "cpu@..." directly under "/cpus". kInvalid if blob is not a sane FDT of
// at most max_size bytes.
Result<uint32_t> count_cpus(const void* blob, uint64_t max_size);

}  // namespace pagoda::fdt
