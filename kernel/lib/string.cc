// Freestanding string functions. xv6: string.c
#include "kernel/lib/string.h"

extern "C" {

void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<unsigned char>(c);
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  auto* x = static_cast<const unsigned char*>(a);
  auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] - y[i];
  return 0;
}

void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (s < d && s + n > d) {
    while (n-- > 0) d[n] = s[n];  // overlapping, copy backwards
  } else {
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
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
