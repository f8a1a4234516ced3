// The string and memory part of the xv6 user API (xv6: user/ulib.c). The compiler may also emit
// calls to memset/memcpy/memmove for C++ copies and zeroing, so these must not call themselves:
// ulib is built with -fno-tree-loop-distribute-patterns (user/CMakeLists.txt), or GCC would
// recognise the byte loops below as memset/memcpy and emit exactly that recursion.

#include "kernel/types.h"
#include "user/user.h"

namespace {

using Byte = unsigned char;

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Copy forwards; correct when dst is below src even if they overlap.
void copy_forward(Byte* dst, const Byte* src, uint64 n) {
  while (n-- > 0) *dst++ = *src++;
}

// Copy backwards; correct when dst is above src even if they overlap.
void copy_backward(Byte* dst, const Byte* src, uint64 n) {
  dst += n;
  src += n;
  while (n-- > 0) *--dst = *--src;
}

}  // namespace

uint strlen(const char* s) {
  uint n = 0;
  while (s[n] != '\0') n++;
  return n;
}

char* strcpy(char* dst, const char* src) {
  char* d = dst;
  while ((*d++ = *src++) != '\0') {
  }
  return dst;
}

int strcmp(const char* p, const char* q) {
  while (*p != '\0' && *p == *q) {
    p++;
    q++;
  }
  return static_cast<Byte>(*p) - static_cast<Byte>(*q);
}

char* strchr(const char* s, char c) {
  for (; *s != '\0'; s++) {
    if (*s == c) return const_cast<char*>(s);
  }
  return nullptr;
}

void* memset(void* dst, int c, uint n) {
  auto* d = static_cast<Byte*>(dst);
  for (uint i = 0; i < n; i++) d[i] = static_cast<Byte>(c);
  return dst;
}

void* memmove(void* dst, const void* src, int n) {
  if (n <= 0) return dst;
  auto* d = static_cast<Byte*>(dst);
  const auto* s = static_cast<const Byte*>(src);
  if (d < s) {
    copy_forward(d, s, static_cast<uint64>(n));
  } else if (d > s) {
    copy_backward(d, s, static_cast<uint64>(n));
  }
  return dst;
}

void* memcpy(void* dst, const void* src, uint n) {
  // Callers may (wrongly, but as xv6 allows) pass overlapping buffers: behave like memmove.
  auto* d = static_cast<Byte*>(dst);
  const auto* s = static_cast<const Byte*>(src);
  if (d <= s) {
    copy_forward(d, s, n);
  } else {
    copy_backward(d, s, n);
  }
  return dst;
}

int memcmp(const void* a, const void* b, uint n) {
  const auto* p = static_cast<const Byte*>(a);
  const auto* q = static_cast<const Byte*>(b);
  for (uint i = 0; i < n; i++) {
    if (p[i] != q[i]) return p[i] - q[i];
  }
  return 0;
}

// Leading blanks and one sign are accepted; xv6's atoi takes digits only, so this is a superset.
int atoi(const char* s) {
  while (is_space(*s)) s++;
  bool negative = false;
  if (*s == '-' || *s == '+') negative = *s++ == '-';
  int n = 0;
  while (is_digit(*s)) n = n * 10 + (*s++ - '0');
  return negative ? -n : n;
}
