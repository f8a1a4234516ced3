// Line formatting for PageTable::print (the xv6 page-table lab's vmprint), with format_buf
// (kernel/lib/format.h) so that it works in the kernel and on the host alike. Two styles: the 2020
// lab's (each entry's index in its table; exec's print of pid 1 at boot) and the 2024 lab's
// (kpgtbl, system call 34: the virtual address each entry maps).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/mm/addr.h"

namespace pagoda::mm {

// Large enough for every line print() produces.
inline constexpr size_t kPrintLineMax = 96;

// "page table 0x<root, 16 hex digits>". Returns the length; buf is NUL-terminated.
size_t format_table_header(char (&buf)[kPrintLineMax], PhysAddr root);

// How print() names an entry.
enum class PrintStyle : uint8_t {
  kIndex,           // 2020 lab: " .. ..511: pte ..." (the entry's index in its table)
  kVirtualAddress,  // 2024 lab: " .. ..0x0000003fffe00000: pte ..." (the first VA it maps)
};

// " .." once per depth (1 for the root's entries), then "<index>: pte 0x<16 hex> pa 0x<16 hex>".
size_t format_pte_line(char (&buf)[kPrintLineMax], int depth, uint64_t index, uint64_t pte,
                       PhysAddr pa);

// " .." once per depth, then "0x<va, 16 hex>: pte 0x<16 hex> pa 0x<16 hex>" (xv6 2024 vmprint,
// lower-case hex as %p prints it).
size_t format_pte_line_va(char (&buf)[kPrintLineMax], int depth, VirtAddr va, uint64_t pte,
                          PhysAddr pa);

}  // namespace pagoda::mm
