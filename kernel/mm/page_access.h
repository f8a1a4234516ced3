// The 2021 page-table lab's pgaccess (system call 30): which pages of a range the hardware has
// marked accessed (the PTE's A bit, RISC-V priv spec 4.3.1 / Intel SDM 4.8) since the last look,
// as a bit mask, clearing the bits it reports. Portable over the PTE format; the caller flushes
// the TLB afterwards (a cached translation would otherwise go on being used without setting A
// again) and copies the mask out.
//
// Only user-accessible leaves count: an unmapped page, a lazy page never touched, the stack's
// guard page, the trapframe or the trampoline reads as 0 and is left as it is.
//
// The kernel's own accesses do not set A in the user table: copyin/copyout reach user memory
// through the kernel's direct map (global design) or the per-process kernel table's mirror, never
// through the user PTE, so a page the kernel alone touched reads as not accessed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/page_table.h"

namespace pagoda::mm {

// The most pages one call may ask about: 512 (2 MiB, a 64-byte mask the kernel keeps on its
// stack). More is kOutOfRange, as is a negative count.
inline constexpr uint64_t kPageAccessMaxPages = 512;
inline constexpr uint64_t kPageAccessMaskBytes = kPageAccessMaxPages / 8;

// Whether clear_page_access also clears what it reports.
enum class ClearAccessed : bool { kNo, kYes };

// Sets bit i of mask (byte i / 8, bit i % 8: the lab's little-endian layout) for each page i in
// [0, npages) whose page (the one holding base + i * kPageSize; base need not be page-aligned)
// has a user leaf with A set, and with ClearAccessed::kYes clears those A bits. Bits of mask at
// and above npages are zeroed. kOutOfRange if npages > kPageAccessMaxPages or the range reaches
// MAXVA. Returns how many pages were accessed.
template <class Table>
Result<uint64_t> collect_page_access(Table& table, VirtAddr base, uint64_t npages,
                                     uint8_t (&mask)[kPageAccessMaskBytes], ClearAccessed clear) {
  using Pte = typename Table::Pte;
  for (auto& byte : mask) byte = 0;
  if (npages > kPageAccessMaxPages) return Error::kOutOfRange;
  const uint64_t first = base.page_round_down().value();
  if (first >= Table::kMaxVa || npages > (Table::kMaxVa - first) / kPageSize) {
    return Error::kOutOfRange;
  }
  uint64_t accessed = 0;
  for (uint64_t i = 0; i < npages; ++i) {
    Pte* pte = table.walk(VirtAddr(first + i * kPageSize));
    if (pte == nullptr || !pte->valid() || !pte->user() || !pte->accessed()) continue;
    mask[i / 8] = static_cast<uint8_t>(mask[i / 8] | (1u << (i % 8)));
    ++accessed;
    if (clear == ClearAccessed::kYes) {
      *pte = Pte(static_cast<decltype(pte->raw())>(pte->raw() & ~Pte::kAccessed));
    }
  }
  return accessed;
}

}  // namespace pagoda::mm
