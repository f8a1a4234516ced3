#include "kernel/mm/page_table_print.h"

namespace pagoda::mm {
namespace {

// Appends to a fixed buffer, silently truncating (never happens for the lines we build).
class LineWriter {
 public:
  explicit LineWriter(char (&buf)[kPrintLineMax]) : buf_(buf) { buf_[0] = '\0'; }

  LineWriter& text(const char* s) {
    while (*s) put(*s++);
    return *this;
  }
  LineWriter& hex16(uint64_t v) {
    for (int shift = 60; shift >= 0; shift -= 4) put("0123456789abcdef"[(v >> shift) & 0xf]);
    return *this;
  }
  LineWriter& decimal(uint64_t v) {
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) put(digits[--n]);
    return *this;
  }
  size_t length() const { return len_; }

 private:
  void put(char c) {
    if (len_ + 1 < kPrintLineMax) {
      buf_[len_++] = c;
      buf_[len_] = '\0';
    }
  }

  char* buf_;
  size_t len_ = 0;
};

}  // namespace

size_t format_table_header(char (&buf)[kPrintLineMax], PhysAddr root) {
  return LineWriter(buf).text("page table 0x").hex16(root.value()).length();
}

size_t format_pte_line(char (&buf)[kPrintLineMax], int depth, uint64_t index, uint64_t pte,
                       PhysAddr pa) {
  LineWriter w(buf);
  for (int i = 0; i < depth; ++i) w.text(" ..");
  return w.decimal(index).text(": pte 0x").hex16(pte).text(" pa 0x").hex16(pa.value()).length();
}

}  // namespace pagoda::mm
