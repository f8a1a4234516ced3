// Freestanding string functions. xv6: string.c
#include "kernel/lib/string.h"

#include "kernel/lib/mem_words.h"

namespace {
using pagoda::lib::mem_detail::kWord;
using pagoda::lib::mem_detail::Word;
using pagoda::lib::mem_detail::word_aligned;
}  // namespace

extern "C" {

void* memset(void* dst, int c, size_t n) {
  pagoda::lib::fill_bytes(dst, static_cast<uint8_t>(c), n);
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

void* memmove(void* dst, const void* src, size_t n) {
  pagoda::lib::move_bytes(dst, src, n);
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
