// The 32-bit i386 two-level page-table format that xv6-x86 uses (Intel SDM vol. 3, 4.3): a page
// directory and page tables of 1024 four-byte entries, 10+10+12 bits of virtual address. There is
// no separate read bit (a present page is readable) and no execute-disable without PAE, so kRead is
// implied and kExec ignored. Only used by host tests: it shows mm::PageTable is format-generic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"

namespace pagoda::x86 {

using mm::Perm;
using mm::PhysAddr;
using mm::VirtAddr;

class I386Pte {
 public:
  static constexpr uint32_t kPresent = 1 << 0;   // xv6-x86: PTE_P
  static constexpr uint32_t kWrite = 1 << 1;     // PTE_W
  static constexpr uint32_t kUser = 1 << 2;      // PTE_U
  static constexpr uint32_t kAccessed = 1 << 5;  // PTE_A
  static constexpr uint32_t kDirty = 1 << 6;     // PTE_D
  static constexpr uint32_t kPageSize = 1 << 7;  // PTE_PS: a 4 MiB page in a directory entry
  static constexpr uint32_t kBorrowed = 1 << 9;  // an AVL bit, ignored by hardware
  static constexpr uint32_t kCow = 1 << 10;      // AVL: a user leaf shared copy-on-write
  static constexpr uint32_t kFrameMask = 0xfffff000;

  constexpr I386Pte() = default;
  constexpr explicit I386Pte(uint32_t raw) : raw_(raw) {}

  static constexpr I386Pte make_leaf(PhysAddr pa, Perm perm) {
    return I386Pte(frame_bits(pa) | kPresent | perm_bits(perm));
  }
  // xv6-x86 walkpgdir: directory entries are PTE_P | PTE_W | PTE_U; the leaf restricts access.
  static constexpr I386Pte make_table(PhysAddr pa) {
    return I386Pte(frame_bits(pa) | kPresent | kWrite | kUser);
  }
  static constexpr I386Pte make_borrowed_table(PhysAddr pa) {
    return I386Pte(make_table(pa).raw_ | kBorrowed);
  }

  constexpr uint32_t raw() const { return raw_; }
  constexpr bool valid() const { return raw_ & kPresent; }
  constexpr bool readable() const { return valid(); }
  constexpr bool writable() const { return raw_ & kWrite; }
  constexpr bool executable() const { return valid(); }
  constexpr bool user() const { return raw_ & kUser; }
  constexpr bool global() const { return false; }
  constexpr bool accessed() const { return raw_ & kAccessed; }
  constexpr bool dirty() const { return raw_ & kDirty; }
  constexpr bool borrowed() const { return raw_ & kBorrowed; }
  constexpr bool cow() const { return raw_ & kCow; }
  constexpr I386Pte with_cow(bool cow) const {
    return I386Pte(cow ? raw_ | kCow : raw_ & ~kCow);
  }
  // Meaningful in a directory entry only: a 4 MiB page instead of a page table. (At the last level
  // every present entry is a leaf; PageTable knows the level.)
  constexpr bool is_leaf() const { return valid() && (raw_ & kPageSize); }
  constexpr PhysAddr phys() const { return PhysAddr(raw_ & kFrameMask); }
  constexpr Perm perm() const {
    Perm p = valid() ? Perm::kRead : Perm::kNone;
    if (writable()) p |= Perm::kWrite;
    if (user()) p |= Perm::kUser;
    return p;
  }
  constexpr I386Pte with_perm(Perm perm) const {
    return I386Pte((raw_ & ~(kWrite | kUser)) | perm_bits(perm));
  }
  constexpr I386Pte with_phys(PhysAddr pa) const {
    return I386Pte((raw_ & ~kFrameMask) | frame_bits(pa));
  }

  friend constexpr bool operator==(I386Pte, I386Pte) = default;

 private:
  static constexpr uint32_t frame_bits(PhysAddr pa) {
    return static_cast<uint32_t>(pa.value()) & kFrameMask;
  }
  static constexpr uint32_t perm_bits(Perm perm) {
    return (mm::has(perm, Perm::kWrite) ? kWrite : 0) | (mm::has(perm, Perm::kUser) ? kUser : 0);
  }

  uint32_t raw_ = 0;
};

static_assert(sizeof(I386Pte) == 4);

struct I386 {
  using Pte = I386Pte;
  static constexpr const char* kName = "i386";
  static constexpr int kLevels = 2;
  static constexpr int kIndexBits = 10;
  static constexpr size_t kEntries = size_t{1} << kIndexBits;
  static constexpr uint64_t kMaxVa = uint64_t{1} << 32;
  static constexpr uint64_t kMaxPa = uint64_t{1} << 32;

  // xv6-x86: PDX(va) is level 1, PTX(va) level 0.
  static constexpr size_t index(VirtAddr va, int level) {
    return (va.value() >> (mm::kPageShift + kIndexBits * level)) & (kEntries - 1);
  }
  static constexpr bool leaf_perm_ok(Perm) { return true; }  // every present page is readable
};

// The CR3 value for a page directory (no PCD/PWT).
constexpr uint64_t make_cr3(PhysAddr root) {
  return root.value() & I386Pte::kFrameMask;
}

}  // namespace pagoda::x86
