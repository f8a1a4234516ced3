// printf and fprintf of the xv6 user API (xv6: user/printf.c): %d %i %u %x %p %s %c %%, with the
// l and ll length modifiers, a field width and the '0' and '-' flags. Output is gathered in a small
// buffer and written with few write calls, so lines from concurrent processes rarely interleave.
#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

namespace {

constexpr char kDigits[] = "0123456789abcdef";

// Collects formatted bytes for one fd and writes them out when full and when the call ends.
class FdWriter {
 public:
  explicit FdWriter(int fd) : fd_(fd) {}
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;
  ~FdWriter() { flush(); }

  void put(char c) {
    if (used_ == sizeof(buf_)) flush();
    buf_[used_++] = c;
  }
  void put_repeated(char c, int n) {
    for (int i = 0; i < n; i++) put(c);
  }

 private:
  void flush() {
    if (used_ > 0) write(fd_, buf_, static_cast<int>(used_));
    used_ = 0;
  }

  int fd_;
  uint used_ = 0;
  char buf_[128];
};

enum class Length { kInt, kLong, kLongLong };

struct Spec {
  bool left = false;      // '-': pad on the right
  bool zero_pad = false;  // '0': pad numbers with zeros
  int width = 0;
  Length length = Length::kInt;
};

// Writes `text` (len bytes) padded to the field width; `sign` (if not 0) goes before zero padding.
void emit_field(FdWriter& out, const Spec& spec, char sign, const char* text, int len) {
  int total = len + (sign != 0 ? 1 : 0);
  int pad = spec.width > total ? spec.width - total : 0;
  if (!spec.left && !spec.zero_pad) out.put_repeated(' ', pad);
  if (sign != 0) out.put(sign);
  if (!spec.left && spec.zero_pad) out.put_repeated('0', pad);
  for (int i = 0; i < len; i++) out.put(text[i]);
  if (spec.left) out.put_repeated(' ', pad);
}

void emit_unsigned(FdWriter& out, const Spec& spec, uint64 value, uint base, char sign) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = kDigits[value % base];
    value /= base;
  } while (value != 0);
  char text[24];
  for (int i = 0; i < n; i++) text[i] = digits[n - 1 - i];
  emit_field(out, spec, sign, text, n);
}

void emit_signed(FdWriter& out, const Spec& spec, long long value) {
  // Negate in unsigned arithmetic so the most negative value prints correctly.
  uint64 magnitude = value < 0 ? 0 - static_cast<uint64>(value) : static_cast<uint64>(value);
  emit_unsigned(out, spec, magnitude, 10, value < 0 ? '-' : 0);
}

long long take_signed(va_list& ap, Length length) {
  switch (length) {
    case Length::kInt:
      return va_arg(ap, int);
    case Length::kLong:
      return va_arg(ap, long);
    case Length::kLongLong:
      return va_arg(ap, long long);
  }
  return 0;
}

uint64 take_unsigned(va_list& ap, Length length) {
  switch (length) {
    case Length::kInt:
      return va_arg(ap, uint);
    case Length::kLong:
      return va_arg(ap, unsigned long);
    case Length::kLongLong:
      return va_arg(ap, unsigned long long);
  }
  return 0;
}

// Parses flags, width and length after a '%'; returns the first character after them.
const char* parse_spec(const char* p, Spec& spec) {
  for (;; p++) {
    if (*p == '-') {
      spec.left = true;
    } else if (*p == '0') {
      spec.zero_pad = true;
    } else {
      break;
    }
  }
  while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + (*p++ - '0');
  if (*p == 'l') {
    p++;
    spec.length = Length::kLong;
    if (*p == 'l') {
      p++;
      spec.length = Length::kLongLong;
    }
  }
  return p;
}

void format(FdWriter& out, const char* fmt, va_list& ap) {
  for (const char* p = fmt; *p != '\0'; p++) {
    if (*p != '%') {
      out.put(*p);
      continue;
    }
    Spec spec;
    p = parse_spec(p + 1, spec);
    switch (*p) {
      case 'd':
      case 'i':
        emit_signed(out, spec, take_signed(ap, spec.length));
        break;
      case 'u':
        emit_unsigned(out, spec, take_unsigned(ap, spec.length), 10, 0);
        break;
      case 'x':
        emit_unsigned(out, spec, take_unsigned(ap, spec.length), 16, 0);
        break;
      case 'p': {
        // xv6 prints pointers as 0x and all 16 hex digits.
        uint64 v = reinterpret_cast<uint64>(va_arg(ap, void*));
        out.put('0');
        out.put('x');
        for (int shift = 60; shift >= 0; shift -= 4) out.put(kDigits[(v >> shift) & 0xf]);
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (s == nullptr) s = "(null)";
        emit_field(out, spec, 0, s, static_cast<int>(strlen(s)));
        break;
      }
      case 'c': {
        char c = static_cast<char>(va_arg(ap, int));
        emit_field(out, spec, 0, &c, 1);
        break;
      }
      case '%':
        out.put('%');
        break;
      case '\0':
        // A lone '%' at the end: print it and stop.
        out.put('%');
        return;
      default:
        // Unknown conversion: show it as written, as xv6 does.
        out.put('%');
        out.put(*p);
        break;
    }
  }
}

}  // namespace

void fprintf(int fd, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  {
    FdWriter out(fd);
    format(out, fmt, ap);
  }
  va_end(ap);
}

void printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  {
    FdWriter out(1);
    format(out, fmt, ap);
  }
  va_end(ap);
}
