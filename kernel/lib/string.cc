// Freestanding string functions. xv6: string.c
#include "kernel/lib/string.h"

namespace {

// Word-wide access to memory that may alias anything.
using Word [[gnu::may_alias]] = uint64_t;
constexpr size_t kWord = sizeof(uint64_t);

bool word_aligned(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) & (kWord - 1)) == 0;
}

}  // namespace

// GCC turns these loops back into calls to memset/memcpy (loop distribution), which here would be a
// call to itself; the attribute keeps the loops as loops.
#define PAGODA_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

extern "C" {

PAGODA_NO_LIBCALL void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto byte = static_cast<unsigned char>(c);
  for (; n > 0 && !word_aligned(d); --n) *d++ = byte;
  const uint64_t pattern = byte * uint64_t{0x0101010101010101};
  for (; n >= kWord; n -= kWord, d += kWord) *reinterpret_cast<Word*>(d) = pattern;
  for (; n > 0; --n) *d++ = byte;
  return dst;
}

PAGODA_NO_LIBCALL int memcmp(const void* a, const void* b, size_t n) {
  auto* x = static_cast<const unsigned char*>(a);
  auto* y = static_cast<const unsigned char*>(b);
  if (word_aligned(x) && word_aligned(y)) {
    // Skip equal words; the first difference is then found byte by byte.
    for (; n >= kWord; n -= kWord, x += kWord, y += kWord)
      if (*reinterpret_cast<const Word*>(x) != *reinterpret_cast<const Word*>(y)) break;
  }
  for (; n > 0; --n, ++x, ++y)
    if (*x != *y) return *x - *y;
  return 0;
}

PAGODA_NO_LIBCALL void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  // Words only when both sides can be aligned together: misaligned loads trap to firmware on many
  // RISC-V harts.
  const bool words =
      ((reinterpret_cast<uintptr_t>(d) ^ reinterpret_cast<uintptr_t>(s)) & (kWord - 1)) == 0;
  if (s < d && s + n > d) {
    // Overlapping with dst above src: copy backwards, from the end.
    d += n;
    s += n;
    if (words) {
      for (; n > 0 && !word_aligned(d); --n) *--d = *--s;
      for (; n >= kWord; n -= kWord) {
        d -= kWord;
        s -= kWord;
        *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
      }
    }
    while (n-- > 0) *--d = *--s;
  } else {
    if (words) {
      for (; n > 0 && !word_aligned(d); --n) *d++ = *s++;
      for (; n >= kWord; n -= kWord, d += kWord, s += kWord)
        *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
    }
    for (; n > 0; --n) *d++ = *s++;
  }
  return dst;
}

// The compiler may emit memcpy for struct copies; it must not be turned into a call to itself.
void* memcpy(void* dst, const void* src, size_t n) {
  return memmove(dst, src, n);
}

}  // extern "C"

namespace pagoda {

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

int strncmp(const char* a, const char* b, size_t n) {
  for (; n > 0 && *a != '\0' && *a == *b; --n, ++a, ++b) {
  }
  if (n == 0) return 0;
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

char* strncpy(char* dst, const char* src, size_t n) {
  size_t i = 0;
  for (; i < n && src[i] != '\0'; ++i) dst[i] = src[i];
  for (; i < n; ++i) dst[i] = '\0';
  return dst;
}

char* safestrcpy(char* dst, const char* src, size_t n) {
  if (n == 0) return dst;
  size_t i = 0;
  for (; i + 1 < n && src[i] != '\0'; ++i) dst[i] = src[i];
  dst[i] = '\0';
  return dst;
}

}  // namespace pagoda
