// The loops behind memset, memmove and memcpy (kernel/lib/string.cc), in a header of their own so
// that host tests run them under their own names (the host's libc owns memset and memmove there).
//
// Bytes until the destination is 8-byte aligned, then 64 bytes (eight 8-byte words) per step, then
// single words, then the tail. A step of eight stores and one branch is what makes page zeroing and
// junk filling cheap: one 4 KiB page is 64 steps, about 640 instructions on RV64 (the word-at-a-time
// loop took about 2,000). Words are used for a copy only when source and destination are aligned
// alike: misaligned loads trap to firmware on many RISC-V harts.
#pragma once

#include <cstddef>
#include <cstdint>

// GCC turns these loops back into calls to memset/memcpy (loop distribution), which in the kernel
// would be a call to itself; the attribute keeps the loops as loops.
#define PAGODA_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

namespace pagoda::lib {

namespace mem_detail {
// Word-wide access to memory that may alias anything.
using Word [[gnu::may_alias]] = uint64_t;
inline constexpr size_t kWord = sizeof(Word);
inline constexpr size_t kStep = 8 * kWord;  // one unrolled step: 64 bytes

inline bool word_aligned(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) & (kWord - 1)) == 0;
}
inline bool aligned_alike(const void* a, const void* b) {
  return ((reinterpret_cast<uintptr_t>(a) ^ reinterpret_cast<uintptr_t>(b)) & (kWord - 1)) == 0;
}
// One unrolled step of a copy: all eight loads before the stores, so that a step is right for
// overlapping ranges in either direction (no store of the step can feed one of its loads).
inline void copy_step(void* dst, const void* src) {
  auto* w = static_cast<Word*>(dst);
  auto* r = static_cast<const Word*>(src);
  Word t[8];  // kept in registers: both loops are unrolled
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) t[i] = r[i];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) w[i] = t[i];
}
}  // namespace mem_detail

// Sets n bytes at dst to byte.
PAGODA_NO_LIBCALL inline void fill_bytes(void* dst, uint8_t byte, size_t n) {
  using namespace mem_detail;
  auto* d = static_cast<unsigned char*>(dst);
  for (; n > 0 && !word_aligned(d); --n) *d++ = byte;
  const Word pattern = byte * Word{0x0101010101010101};
  for (; n >= kStep; n -= kStep, d += kStep) {
    auto* w = reinterpret_cast<Word*>(d);
    // Unrolled: eight stores and one branch a step.
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) w[i] = pattern;
  }
  for (; n >= kWord; n -= kWord, d += kWord) *reinterpret_cast<Word*>(d) = pattern;
  for (; n > 0; --n) *d++ = byte;
}

// Copies n bytes from src to dst, lowest address first: right for any src at or above dst, and for
// ranges that do not overlap.
PAGODA_NO_LIBCALL inline void copy_forward(void* dst, const void* src, size_t n) {
  using namespace mem_detail;
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (aligned_alike(d, s)) {
    for (; n > 0 && !word_aligned(d); --n) *d++ = *s++;
    for (; n >= kStep; n -= kStep, d += kStep, s += kStep) {
      copy_step(d, s);
    }
    for (; n >= kWord; n -= kWord, d += kWord, s += kWord) {
      *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
    }
  }
  for (; n > 0; --n) *d++ = *s++;
}

// Copies n bytes from src to dst, highest address first: right when src < dst < src + n.
PAGODA_NO_LIBCALL inline void copy_backward(void* dst, const void* src, size_t n) {
  using namespace mem_detail;
  auto* d = static_cast<unsigned char*>(dst) + n;
  auto* s = static_cast<const unsigned char*>(src) + n;
  if (aligned_alike(d, s)) {
    for (; n > 0 && !word_aligned(d); --n) *--d = *--s;
    for (; n >= kStep; n -= kStep) {
      d -= kStep;
      s -= kStep;
      copy_step(d, s);
    }
    for (; n >= kWord; n -= kWord) {
      d -= kWord;
      s -= kWord;
      *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
    }
  }
  while (n-- > 0) *--d = *--s;
}

// memmove: either direction, whichever the overlap needs.
inline void move_bytes(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (s < d && s + n > d) {
    copy_backward(d, s, n);
  } else {
    copy_forward(d, s, n);
  }
}

}  // namespace pagoda::lib
