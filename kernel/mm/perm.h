// Page permissions as a portable bit set; each PTE format translates them to its own bits.
#pragma once

#include <cstdint>

namespace pagoda::mm {

enum class Perm : uint8_t { kNone = 0, kRead = 1, kWrite = 2, kExec = 4, kUser = 8 };

constexpr Perm operator|(Perm a, Perm b) {
  return static_cast<Perm>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b));
}
constexpr Perm operator&(Perm a, Perm b) {
  return static_cast<Perm>(static_cast<uint8_t>(a) & static_cast<uint8_t>(b));
}
constexpr Perm operator~(Perm a) {
  return static_cast<Perm>(~static_cast<uint8_t>(a) & 0xf);
}
constexpr Perm& operator|=(Perm& a, Perm b) {
  return a = a | b;
}
constexpr Perm& operator&=(Perm& a, Perm b) {
  return a = a & b;
}

// True if every bit of `bits` is in `set`.
constexpr bool has(Perm set, Perm bits) {
  return (set & bits) == bits;
}

}  // namespace pagoda::mm
