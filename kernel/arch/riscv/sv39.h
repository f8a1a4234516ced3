// The Sv39 page-table format (RISC-V privileged spec, section 4.4): three levels of 512 eight-byte
// PTEs, 4 KiB pages. Sv39Pte is a constexpr value type; Sv39 is the format traits class that
// mm::PageTable is parameterised by. Freestanding; builds on the host too.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"

namespace pagoda::riscv {

using mm::Perm;
using mm::PhysAddr;
using mm::VirtAddr;

class Sv39Pte {
 public:
  // PTE bits, spec 4.4.1 figure 4.21 (xv6: PTE_V, PTE_R, ...).
  static constexpr uint64_t kValid = 1 << 0;
  static constexpr uint64_t kRead = 1 << 1;
  static constexpr uint64_t kWrite = 1 << 2;
  static constexpr uint64_t kExec = 1 << 3;
  static constexpr uint64_t kUser = 1 << 4;
  static constexpr uint64_t kGlobal = 1 << 5;
  static constexpr uint64_t kAccessed = 1 << 6;
  static constexpr uint64_t kDirty = 1 << 7;
  // RSW bit 8 (ignored by hardware): this table entry points into another page table's tree, so
  // freeing this tree must not free it (a borrowed subtree).
  static constexpr uint64_t kBorrowed = 1 << 8;
  // RSW bit 9 (ignored by hardware): a user leaf shared copy-on-write (issue 12). The page is
  // mapped read-only; a write fault copies it (or takes it back when this is the last reference).
  static constexpr uint64_t kCow = 1 << 9;
  static constexpr unsigned kPpnShift = 10;  // PPN is bits 10..53
  static constexpr uint64_t kPpnMask = ((uint64_t{1} << 44) - 1) << kPpnShift;

  constexpr Sv39Pte() = default;
  constexpr explicit Sv39Pte(uint64_t raw) : raw_(raw) {}

  static constexpr Sv39Pte make_leaf(PhysAddr pa, Perm perm) {
    return Sv39Pte(ppn_bits(pa) | kValid | perm_bits(perm));
  }
  // A pointer to the next-level table: V set, R/W/X clear.
  static constexpr Sv39Pte make_table(PhysAddr pa) { return Sv39Pte(ppn_bits(pa) | kValid); }
  static constexpr Sv39Pte make_borrowed_table(PhysAddr pa) {
    return Sv39Pte(ppn_bits(pa) | kValid | kBorrowed);
  }

  constexpr uint64_t raw() const { return raw_; }
  constexpr bool valid() const { return raw_ & kValid; }
  constexpr bool readable() const { return raw_ & kRead; }
  constexpr bool writable() const { return raw_ & kWrite; }
  constexpr bool executable() const { return raw_ & kExec; }
  constexpr bool user() const { return raw_ & kUser; }
  constexpr bool global() const { return raw_ & kGlobal; }
  constexpr bool accessed() const { return raw_ & kAccessed; }
  constexpr bool dirty() const { return raw_ & kDirty; }
  constexpr bool borrowed() const { return raw_ & kBorrowed; }
  constexpr bool cow() const { return raw_ & kCow; }
  constexpr Sv39Pte with_cow(bool cow) const {
    return Sv39Pte(cow ? raw_ | kCow : raw_ & ~kCow);
  }
  // Spec 4.3.2 step 4: a valid PTE with any of R/W/X is a leaf, otherwise it points to a table.
  constexpr bool is_leaf() const { return valid() && (raw_ & (kRead | kWrite | kExec)); }
  constexpr PhysAddr phys() const { return PhysAddr((raw_ & kPpnMask) >> kPpnShift << 12); }
  constexpr Perm perm() const {
    Perm p = Perm::kNone;
    if (readable()) p |= Perm::kRead;
    if (writable()) p |= Perm::kWrite;
    if (executable()) p |= Perm::kExec;
    if (user()) p |= Perm::kUser;
    return p;
  }

  // The same PTE with other R/W/X/U bits (xv6 uvmclear clears PTE_U) or another frame.
  constexpr Sv39Pte with_perm(Perm perm) const {
    return Sv39Pte((raw_ & ~(kRead | kWrite | kExec | kUser)) | perm_bits(perm));
  }
  constexpr Sv39Pte with_phys(PhysAddr pa) const {
    return Sv39Pte((raw_ & ~kPpnMask) | ppn_bits(pa));
  }

  friend constexpr bool operator==(Sv39Pte, Sv39Pte) = default;

 private:
  static constexpr uint64_t ppn_bits(PhysAddr pa) { return (pa.value() >> 12) << kPpnShift; }
  static constexpr uint64_t perm_bits(Perm perm) {
    return (mm::has(perm, Perm::kRead) ? kRead : 0) | (mm::has(perm, Perm::kWrite) ? kWrite : 0) |
           (mm::has(perm, Perm::kExec) ? kExec : 0) | (mm::has(perm, Perm::kUser) ? kUser : 0);
  }

  uint64_t raw_ = 0;
};

static_assert(sizeof(Sv39Pte) == 8);

// Format traits for mm::PageTable. Level kLevels - 1 is the root, level 0 holds the 4 KiB leaves
// (xv6's PX(level, va) numbering).
struct Sv39 {
  using Pte = Sv39Pte;
  static constexpr const char* kName = "sv39";
  static constexpr int kLevels = 3;
  static constexpr int kIndexBits = 9;
  static constexpr size_t kEntries = size_t{1} << kIndexBits;
  // xv6 MAXVA: one bit less than Sv39 allows, to avoid sign-extending VAs with bit 38 set.
  static constexpr uint64_t kMaxVa = uint64_t{1} << 38;
  // The upper half (spec 4.4.1: bits 63..39 equal bit 38): where the kernel is linked and RAM is
  // direct-mapped. mm::PageTable maps it too (page_table_view.h's va_in_range).
  static constexpr uint64_t kUpperHalfStart = ~uint64_t{0} << 38;
  static constexpr uint64_t kMaxPa = uint64_t{1} << 56;  // 44-bit PPN
  // Spec 4.4.1: a leaf may sit at any level (a 2 MiB megapage at level 1), encoded as at level 0;
  // its PPN must be aligned to the size it maps. PageTable makes level-1 leaves for superpages.
  static constexpr bool kSuperpageLeaves = true;

  static constexpr size_t index(VirtAddr va, int level) {
    return (va.value() >> (mm::kPageShift + kIndexBits * level)) & (kEntries - 1);
  }
  // Spec table 4.5: W without R is reserved; a leaf needs at least one of R/W/X.
  static constexpr bool leaf_perm_ok(Perm perm) {
    if (mm::has(perm, Perm::kWrite) && !mm::has(perm, Perm::kRead)) return false;
    return (perm & (Perm::kRead | Perm::kWrite | Perm::kExec)) != Perm::kNone;
  }
};

// satp for Sv39 (spec 4.1.11): MODE = 8 in bits 60..63, PPN of the root in bits 0..43.
// xv6: MAKE_SATP.
constexpr uint64_t make_satp(PhysAddr root) {
  return (uint64_t{8} << 60) | (root.value() >> 12);
}

}  // namespace pagoda::riscv
