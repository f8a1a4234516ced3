// Line formatting for PageTable::print (the xv6 page-table lab's vmprint), with format_buf
// (kernel/lib/format.h) so that it works in the kernel and on the host alike.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/mm/addr.h"

namespace pagoda::mm {

// Large enough for every line print() produces.
inline constexpr size_t kPrintLineMax = 96;

// "page table 0x<root, 16 hex digits>". Returns the length; buf is NUL-terminated.
size_t format_table_header(char (&buf)[kPrintLineMax], PhysAddr root);

// " .." once per depth (1 for the root's entries), then "<index>: pte 0x<16 hex> pa 0x<16 hex>".
size_t format_pte_line(char (&buf)[kPrintLineMax], int depth, uint64_t index, uint64_t pte,
                       PhysAddr pa);

}  // namespace pagoda::mm
