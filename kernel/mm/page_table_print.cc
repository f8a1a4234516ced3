#include "kernel/mm/page_table_print.h"

#include "kernel/lib/format.h"

namespace pagoda::mm {
namespace {

// Formats at buf[len], truncating at the end of the buffer (never happens for the lines we build:
// kPrintLineMax is sized for them); returns the new length.
size_t append(char (&buf)[kPrintLineMax], size_t len, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t append(char (&buf)[kPrintLineMax], size_t len, const char* fmt, ...) {
  VaList ap;
  __builtin_va_start(ap, fmt);
  len += vformat_buf(buf + len, kPrintLineMax - len, fmt, ap);
  __builtin_va_end(ap);
  return len < kPrintLineMax ? len : kPrintLineMax - 1;
}

}  // namespace

size_t format_table_header(char (&buf)[kPrintLineMax], PhysAddr root) {
  return append(buf, 0, "page table 0x%016llx", static_cast<unsigned long long>(root.value()));
}

size_t format_pte_line(char (&buf)[kPrintLineMax], int depth, uint64_t index, uint64_t pte,
                       PhysAddr pa) {
  size_t len = 0;
  for (int i = 0; i < depth; ++i) len = append(buf, len, " ..");
  return append(buf, len, "%llu: pte 0x%016llx pa 0x%016llx",
                static_cast<unsigned long long>(index), static_cast<unsigned long long>(pte),
                static_cast<unsigned long long>(pa.value()));
}

size_t format_pte_line_va(char (&buf)[kPrintLineMax], int depth, VirtAddr va, uint64_t pte,
                          PhysAddr pa) {
  size_t len = 0;
  for (int i = 0; i < depth; ++i) len = append(buf, len, " ..");
  return append(buf, len, "0x%016llx: pte 0x%016llx pa 0x%016llx",
                static_cast<unsigned long long>(va.value()), static_cast<unsigned long long>(pte),
                static_cast<unsigned long long>(pa.value()));
}

}  // namespace pagoda::mm
