// The multiboot information the loader leaves for the kernel (Multiboot Specification 0.6.96,
// 3.3). Only the fields Pagoda reads.
#pragma once

#include <cstdint>

namespace pagoda::x86 {

inline constexpr uint32_t kMultibootLoaderMagic = 0x2badb002;  // in %eax at entry
inline constexpr uint32_t kMultibootInfoMemory = 1u << 0;      // mem_lower/mem_upper valid

struct [[gnu::packed]] MultibootInfo {
  uint32_t flags;
  uint32_t mem_lower;  // KiB from 0
  uint32_t mem_upper;  // KiB from 1 MiB, up to the first hole
};

}  // namespace pagoda::x86
