// What the BIOS's tables (the MP floating pointer, ACPI's RSDP and tables) have in common: a byte
// sum that must be 0, and a signature on a 16-byte boundary somewhere in a range of low memory.
// Used by mp.cc and acpi.cc. x86 kernel only.
#pragma once

#include <cstdint>

#include "kernel/arch/x86/memlayout.h"

namespace pagoda::x86 {

// The 8-bit sum of n bytes (a valid table sums to 0).
inline uint8_t byte_sum(const void* p, uint32_t n) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  uint8_t s = 0;
  for (uint32_t i = 0; i < n; ++i) s = static_cast<uint8_t>(s + b[i]);
  return s;
}

// The first T in [pa, pa + len), on a 16-byte boundary, whose leading signature matches and whose
// first `checked` bytes sum to 0; nullptr if none.
template <typename T>
const T* find_signed(uint32_t pa, uint32_t len, const char* signature, uint32_t signature_len,
                     uint32_t checked) {
  for (uint32_t off = 0; off + sizeof(T) <= len; off += 16) {
    auto* t = reinterpret_cast<const T*>(p2v(pa + off));
    if (__builtin_memcmp(t, signature, signature_len) == 0 && byte_sum(t, checked) == 0) return t;
  }
  return nullptr;
}

}  // namespace pagoda::x86
