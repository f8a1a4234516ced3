// printf-style formatting into a sink, portable (kernel printf and host tests share it).
// Conversions: %d %i %u %x %p %s %c %%, length l/ll, field width, '0' padding, '-' left-justify.
// l and ll both take a 64-bit value (uint64_t, int64_t) on every target: LP64's long, and on
// i386 (where long is 32 bits) the same, so kernel code passes uint64_t with %lx everywhere. The
// i386 build therefore turns off GCC's -Wformat (it assumes a 32-bit long); RISC-V checks them.
#pragma once

#include <cstdint>

namespace pagoda {

using VaList = __builtin_va_list;

// Sink: a callable taking one char.
template <class Sink>
void format_to(Sink&& put, const char* fmt, VaList ap) {
  for (const char* p = fmt; *p != '\0'; ++p) {
    if (*p != '%') {
      put(*p);
      continue;
    }
    ++p;
    bool left = false;
    bool zero = false;
    for (;; ++p) {
      if (*p == '-')
        left = true;
      else if (*p == '0')
        zero = true;
      else
        break;
    }
    int width = 0;
    while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    int longs = 0;
    while (*p == 'l') {
      ++longs;
      ++p;
    }
    char buf[24];
    int n = 0;  // digits in buf, least significant first
    bool neg = false;
    const char* str = nullptr;
    char c = *p;
    switch (c) {
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'p': {
        uint64_t v;
        unsigned base = (c == 'x' || c == 'p') ? 16 : 10;
        if (c == 'p') {
          v = reinterpret_cast<uintptr_t>(__builtin_va_arg(ap, void*));
        } else if (c == 'd' || c == 'i') {
          int64_t s = longs ? __builtin_va_arg(ap, long long) : __builtin_va_arg(ap, int);
          neg = s < 0;
          v = neg ? 0 - static_cast<uint64_t>(s) : static_cast<uint64_t>(s);
        } else {
          v = longs ? __builtin_va_arg(ap, unsigned long long) : __builtin_va_arg(ap, unsigned int);
        }
        do {
          buf[n++] = "0123456789abcdef"[v % base];
          v /= base;
        } while (v != 0);
        if (c == 'p') {
          // xv6 prints pointers as 0x and 16 digits.
          while (n < 16) buf[n++] = '0';
          put('0');
          put('x');
          width = 0;
        }
        int len = n + (neg ? 1 : 0);
        if (!left && !zero)
          for (int i = len; i < width; ++i) put(' ');
        if (neg) put('-');
        if (!left && zero)
          for (int i = len; i < width; ++i) put('0');
        while (n > 0) put(buf[--n]);
        if (left)
          for (int i = len; i < width; ++i) put(' ');
        break;
      }
      case 's':
      case 'c': {
        char one[2] = {0, 0};
        if (c == 's') {
          str = __builtin_va_arg(ap, const char*);
          if (str == nullptr) str = "(null)";
        } else {
          one[0] = static_cast<char>(__builtin_va_arg(ap, int));
          str = one;
        }
        int len = 0;
        while (str[len] != '\0') ++len;
        if (c == 'c') len = 1;
        if (!left)
          for (int i = len; i < width; ++i) put(' ');
        for (int i = 0; i < len; ++i) put(str[i]);
        if (left)
          for (int i = len; i < width; ++i) put(' ');
        break;
      }
      case '%':
        put('%');
        break;
      case '\0':
        return;  // a trailing '%'
      default:
        // Unknown conversion: print it as written, so the mistake is visible.
        put('%');
        put(c);
        break;
    }
  }
}

// Bounded formatting into a buffer (always NUL-terminated when size > 0). Returns the length
// the full output would have had.
inline uint64_t vformat_buf(char* dst, uint64_t size, const char* fmt, VaList ap) {
  uint64_t n = 0;
  format_to(
      [&](char ch) {
        if (n + 1 < size) dst[n] = ch;
        ++n;
      },
      fmt, ap);
  if (size > 0) dst[n < size ? n : size - 1] = '\0';
  return n;
}

inline uint64_t format_buf(char* dst, uint64_t size, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
inline uint64_t format_buf(char* dst, uint64_t size, const char* fmt, ...) {
  VaList ap;
  __builtin_va_start(ap, fmt);
  uint64_t n = vformat_buf(dst, size, fmt, ap);
  __builtin_va_end(ap);
  return n;
}

}  // namespace pagoda
