// The PTE formats as value types, tested before the walker that uses them.
#include <gtest/gtest.h>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/arch/x86/i386.h"

namespace pagoda {
namespace {

using mm::Perm;
using mm::PhysAddr;
using mm::VirtAddr;
using riscv::Sv39;
using riscv::Sv39Pte;
using x86::I386;
using x86::I386Pte;

constexpr Perm kRwxu = Perm::kRead | Perm::kWrite | Perm::kExec | Perm::kUser;

// The values from the xv6 page-table lab's vmprint example.
static_assert(Sv39Pte::make_table(PhysAddr(0x87f67000)).raw() == 0x21fd9c01);
static_assert(Sv39Pte::make_leaf(PhysAddr(0x87f68000), Perm::kRead | Perm::kExec | Perm::kUser)
                  .raw() == 0x21fda01b);

TEST(Sv39Pte, BitPositionsFollowTheSpec) {
  EXPECT_EQ(Sv39Pte::kValid, 0x1u);
  EXPECT_EQ(Sv39Pte::kRead, 0x2u);
  EXPECT_EQ(Sv39Pte::kWrite, 0x4u);
  EXPECT_EQ(Sv39Pte::kExec, 0x8u);
  EXPECT_EQ(Sv39Pte::kUser, 0x10u);
  EXPECT_EQ(Sv39Pte::kGlobal, 0x20u);
  EXPECT_EQ(Sv39Pte::kAccessed, 0x40u);
  EXPECT_EQ(Sv39Pte::kDirty, 0x80u);
}

TEST(Sv39Pte, DecodesEveryFlag) {
  const Sv39Pte pte(0xff);
  EXPECT_TRUE(pte.valid() && pte.readable() && pte.writable() && pte.executable() && pte.user() &&
              pte.global() && pte.accessed() && pte.dirty());
  const Sv39Pte none(0);
  EXPECT_FALSE(none.valid() || none.readable() || none.writable() || none.executable() ||
               none.user() || none.global() || none.accessed() || none.dirty() || none.is_leaf());
  EXPECT_TRUE(Sv39Pte(Sv39Pte::kValid | Sv39Pte::kGlobal).global());
  EXPECT_TRUE(Sv39Pte(Sv39Pte::kValid | Sv39Pte::kAccessed | Sv39Pte::kDirty).dirty());
}

TEST(Sv39Pte, PpnRoundTripsThroughBits10To53) {
  const PhysAddr top((uint64_t{1} << 56) - 4096);  // the largest PA with a 44-bit PPN
  const Sv39Pte pte = Sv39Pte::make_leaf(top, Perm::kRead);
  EXPECT_EQ(pte.phys(), top);
  EXPECT_EQ(pte.raw() >> 54, 0u);  // bits 54..63 stay clear (reserved, PBMT, N)
  EXPECT_EQ(pte.raw(), (((uint64_t{1} << 44) - 1) << 10) | 0x3);
  EXPECT_EQ(Sv39Pte(0x21fd9c01).phys(), PhysAddr(0x87f67000));
  // Flags never leak into the PA, nor high garbage bits.
  EXPECT_EQ(Sv39Pte(0xffc0000000000000 | 0x3ff).phys(), PhysAddr(0));
}

TEST(Sv39Pte, LeafVersusTable) {
  const Sv39Pte table = Sv39Pte::make_table(PhysAddr(0x80000000));
  EXPECT_TRUE(table.valid());
  EXPECT_FALSE(table.is_leaf());
  EXPECT_EQ(table.perm(), Perm::kNone);
  for (Perm p : {Perm::kRead, Perm::kExec, Perm::kRead | Perm::kWrite, kRwxu}) {
    EXPECT_TRUE(Sv39Pte::make_leaf(PhysAddr(0x80000000), p).is_leaf());
  }
  EXPECT_FALSE(Sv39Pte(Sv39Pte::kRead).is_leaf());  // not valid
}

TEST(Sv39Pte, PermRoundTrips) {
  for (uint8_t bits = 0; bits < 16; ++bits) {
    const Perm p = static_cast<Perm>(bits);
    const Sv39Pte pte = Sv39Pte::make_leaf(PhysAddr(0x1000), p);
    EXPECT_EQ(pte.perm(), p);
    EXPECT_EQ(pte.raw() & 0x1e, uint64_t{bits} << 1);
  }
}

TEST(Sv39Pte, WithPermAndWithPhysKeepTheRest) {
  const Sv39Pte pte(Sv39Pte::make_leaf(PhysAddr(0x5000), kRwxu).raw() | Sv39Pte::kAccessed |
                    Sv39Pte::kDirty | Sv39Pte::kGlobal);
  const Sv39Pte cleared = pte.with_perm(pte.perm() & ~Perm::kUser);
  EXPECT_EQ(cleared.raw(), pte.raw() & ~Sv39Pte::kUser);
  const Sv39Pte moved = pte.with_phys(PhysAddr(0x9000));
  EXPECT_EQ(moved.phys(), PhysAddr(0x9000));
  EXPECT_EQ(moved.raw() & 0x3ff, pte.raw() & 0x3ff);
}

TEST(Sv39Pte, BorrowedTableIsATableWithTheSoftwareBit) {
  const Sv39Pte pte = Sv39Pte::make_borrowed_table(PhysAddr(0x7000));
  EXPECT_TRUE(pte.valid() && pte.borrowed());
  EXPECT_FALSE(pte.is_leaf());
  EXPECT_EQ(pte.phys(), PhysAddr(0x7000));
  EXPECT_EQ(pte.raw(), Sv39Pte::make_table(PhysAddr(0x7000)).raw() | 0x100);
  EXPECT_FALSE(Sv39Pte::make_table(PhysAddr(0x7000)).borrowed());
}

TEST(Sv39, IndexPerLevelAndMaxVa) {
  EXPECT_EQ(Sv39::kMaxVa, uint64_t{1} << 38);
  EXPECT_EQ(Sv39::kLevels, 3);
  const VirtAddr va((uint64_t{0x1a5} << 30) | (uint64_t{0x0f3} << 21) | (uint64_t{0x16c} << 12) |
                    0xabc);
  EXPECT_EQ(Sv39::index(va, 2), 0x1a5u);
  EXPECT_EQ(Sv39::index(va, 1), 0x0f3u);
  EXPECT_EQ(Sv39::index(va, 0), 0x16cu);
  EXPECT_EQ(Sv39::index(VirtAddr(Sv39::kMaxVa - 1), 2), 255u);  // MAXVA uses half the root
  EXPECT_EQ(Sv39::index(VirtAddr(Sv39::kMaxVa - 1), 0), 511u);
}

TEST(Sv39, LeafPermissionsTheFormatCanExpress) {
  EXPECT_FALSE(Sv39::leaf_perm_ok(Perm::kNone));
  EXPECT_FALSE(Sv39::leaf_perm_ok(Perm::kUser));
  EXPECT_FALSE(Sv39::leaf_perm_ok(Perm::kWrite));  // W without R is reserved
  EXPECT_FALSE(Sv39::leaf_perm_ok(Perm::kWrite | Perm::kUser));
  EXPECT_TRUE(Sv39::leaf_perm_ok(Perm::kRead));
  EXPECT_TRUE(Sv39::leaf_perm_ok(Perm::kExec));
  EXPECT_TRUE(Sv39::leaf_perm_ok(kRwxu));
}

TEST(Sv39, Satp) {
  EXPECT_EQ(riscv::make_satp(PhysAddr(0x87f6b000)), 0x8000000000087f6bu);
}

TEST(I386Pte, Encoding) {
  EXPECT_EQ(I386Pte::make_leaf(PhysAddr(0x00345000), Perm::kRead).raw(), 0x00345001u);
  EXPECT_EQ(I386Pte::make_leaf(PhysAddr(0x00345000), Perm::kRead | Perm::kWrite).raw(),
            0x00345003u);
  EXPECT_EQ(I386Pte::make_leaf(PhysAddr(0xfffff000), kRwxu).raw(), 0xfffff007u);
  EXPECT_EQ(I386Pte::make_table(PhysAddr(0x1000)).raw(), 0x1007u);  // P|W|U like xv6-x86
  EXPECT_EQ(I386Pte::make_borrowed_table(PhysAddr(0x1000)).raw(), 0x1207u);
}

TEST(I386Pte, ReadImpliedExecIgnored) {
  const I386Pte ro = I386Pte::make_leaf(PhysAddr(0x2000), Perm::kExec);
  EXPECT_TRUE(ro.readable());
  EXPECT_FALSE(ro.writable());
  EXPECT_EQ(ro.perm(), Perm::kRead);
  EXPECT_EQ(I386Pte::make_leaf(PhysAddr(0x2000), kRwxu).perm(),
            Perm::kRead | Perm::kWrite | Perm::kUser);
  EXPECT_EQ(I386Pte().perm(), Perm::kNone);
  EXPECT_TRUE(I386::leaf_perm_ok(Perm::kNone));
}

TEST(I386Pte, FrameAndLeafBit) {
  const I386Pte pte(0xabcde067);
  EXPECT_EQ(pte.phys(), PhysAddr(0xabcde000));
  EXPECT_TRUE(pte.valid() && pte.writable() && pte.user() && pte.accessed() && pte.dirty());
  EXPECT_FALSE(pte.is_leaf());                 // no PS bit
  EXPECT_TRUE(I386Pte(0x00400083).is_leaf());  // a 4 MiB page in a directory
  EXPECT_EQ(pte.with_phys(PhysAddr(0x1000)).raw(), 0x00001067u);
  EXPECT_EQ(pte.with_perm(Perm::kRead).raw(), 0xabcde061u);
}

TEST(I386, IndexPerLevel) {
  EXPECT_EQ(I386::kMaxVa, uint64_t{1} << 32);
  const VirtAddr va(0xdeadbeef);
  EXPECT_EQ(I386::index(va, 1), 0xdeadbeefu >> 22);
  EXPECT_EQ(I386::index(va, 0), (0xdeadbeefu >> 12) & 0x3ff);
  EXPECT_EQ(x86::make_cr3(PhysAddr(0x1000)), 0x1000u);
}

}  // namespace
}  // namespace pagoda
