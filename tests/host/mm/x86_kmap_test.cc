// The x86 kernel map (kernel/arch/x86/kmap.h, xv6-x86 setupkvm/kmap): the exact shape of the
// two-level table it builds over the i386 format, the permissions of each of its four regions, and
// that a failure leaves only tables the caller frees.
#include "kernel/arch/x86/kmap.h"

#include <gtest/gtest.h>

#include <vector>

#include "kernel/arch/x86/i386.h"
#include "kernel/mm/page_table.h"
#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::x86 {
namespace {

using mm::Perm;
using mm::PhysAddr;
using mm::VirtAddr;
using Table = mm::PageTable<I386, test::FakeMemory>;

// A kernel of 32 KiB text+rodata (data at KERNLINK + 0x8000) on a 512 MiB machine whose loader
// reports RAM up to 0x1ffe0000 (QEMU pc -m 512: the top 128 KiB are the BIOS's).
constexpr uint64_t kData = kKernLink + 0x8000;
constexpr uint64_t kPhysTop = 0x1ffe0000;
constexpr KernelMapLayout kLayout{kData, kPhysTop};
constexpr size_t kMiB4 = size_t{1} << 22;

class X86KmapTest : public ::testing::Test {
 protected:
  X86KmapTest() : table_(Table::create(mem_).value()) {}

  I386Pte at(PhysAddr table, size_t i) { return mm::testing_util::entry<I386>(mem_, table, i); }
  std::vector<size_t> valid(PhysAddr table) {
    std::vector<size_t> out;
    for (size_t i = 0; i < I386::kEntries; ++i) {
      if (at(table, i).valid()) out.push_back(i);
    }
    return out;
  }
  const I386Pte* leaf(uint64_t va) { return table_.walk(VirtAddr(va)); }

  test::FakeMemory mem_;
  Table table_;
};

TEST(X86Kmap, PhysTopIsRoundedAndCappedBelowDevspace) {
  EXPECT_EQ(phys_top_from(0x1ffe0123), 0x1ffe0000u);
  // Capped below the kernel stacks' 4 MiB under DEVSPACE.
  EXPECT_EQ(phys_top_from(uint64_t{3} << 30), 0xfdc00000u - kKernBase);
  EXPECT_EQ(kKernBase + phys_top_from(~uint64_t{0} >> 1), 0xfdc00000u);
}

TEST(X86Kmap, FourRegionsAsXv6X86Lists) {
  KernelMapRegion r[kKernelMapRegions];
  kernel_map_regions(kLayout, r);
  EXPECT_EQ(r[0].va, 0x80000000u);
  EXPECT_EQ(r[0].pa_start, 0u);
  EXPECT_EQ(r[0].pa_end, 0x100000u);
  EXPECT_EQ(r[1].va, 0x80100000u);
  EXPECT_EQ(r[1].pa_start, 0x100000u);
  EXPECT_EQ(r[1].pa_end, 0x108000u);
  EXPECT_FALSE(mm::has(r[1].perm, Perm::kWrite));
  EXPECT_EQ(r[2].va, kData);
  EXPECT_EQ(r[2].pa_end, kPhysTop);
  EXPECT_EQ(r[3].va, 0xfe000000u);
  EXPECT_EQ(r[3].pa_start, 0xfe000000u);
  EXPECT_EQ(r[3].pa_end, 0xffc00000u);
  for (const KernelMapRegion& region : r) EXPECT_FALSE(mm::has(region.perm, Perm::kUser));
}

TEST_F(X86KmapTest, DirectoryShape) {
  ASSERT_TRUE(build_kernel_map(table_, kLayout, nullptr).ok());
  // The user half (below KERNBASE) is empty; the direct map takes directory entries 512 .. 639
  // (0x1ffe0000 bytes need 128 tables of 4 MiB); the devices 1016 .. 1022. Nothing else: the
  // kernel stacks (1015) are mapped by the boot code, the last entry is each process's own.
  std::vector<size_t> expected;
  for (size_t i = 512; i < 512 + (kPhysTop + kMiB4 - 1) / kMiB4; ++i) expected.push_back(i);
  for (size_t i = kDevSpace / kMiB4; i < 1023; ++i) expected.push_back(i);
  EXPECT_EQ(valid(table_.root()), expected);
  for (size_t i : expected) {
    const I386Pte pde = at(table_.root(), i);
    EXPECT_FALSE(pde.is_leaf()) << "directory entry " << i << " is a 4 MiB page";
    EXPECT_FALSE(pde.borrowed());
  }
  // Every page: the directory plus one table per valid directory entry.
  EXPECT_EQ(mem_.pages_in_use(), 1 + expected.size());
  // The last direct-map table holds only the pages below PHYSTOP.
  const PhysAddr last = at(table_.root(), 639).phys();
  EXPECT_EQ(valid(last).size(), (kPhysTop % kMiB4) / kPageSize);
  // A device table is full.
  EXPECT_EQ(valid(at(table_.root(), 1022).phys()).size(), 1024u);
}

TEST_F(X86KmapTest, EveryRegionTranslatesWithItsPermissions) {
  ASSERT_TRUE(build_kernel_map(table_, kLayout, nullptr).ok());
  struct Probe {
    uint64_t va;
    uint64_t pa;
    bool writable;
  };
  const Probe probes[] = {
      {kKernBase, 0, true},                                // I/O space: the BIOS data area
      {kKernBase + 0xb8000, 0xb8000, true},                // VGA memory
      {kKernLink, kExtMem, false},                         // kernel text
      {kData - kPageSize, v2p(kData) - kPageSize, false},  // last rodata page
      {kData, v2p(kData), true},                           // kernel data
      {kKernBase + kPhysTop - kPageSize, kPhysTop - kPageSize, true},  // last page of RAM
      {0xfec00000, 0xfec00000, true},                                  // IOAPIC
      {0xfee00000, 0xfee00000, true},                                  // LAPIC
      {0xffbff000, 0xffbff000, true},                                  // the last device page
  };
  for (const Probe& p : probes) {
    const I386Pte* pte = leaf(p.va);
    ASSERT_NE(pte, nullptr) << std::hex << p.va;
    ASSERT_TRUE(pte->valid()) << std::hex << p.va;
    EXPECT_EQ(pte->phys().value(), p.pa) << std::hex << p.va;
    EXPECT_EQ(pte->writable(), p.writable) << std::hex << p.va;
    EXPECT_FALSE(pte->user()) << std::hex << p.va;
  }
  // Unmapped: user addresses, the hole between the direct map and DEVSPACE.
  for (uint64_t va : {uint64_t{0}, uint64_t{0x7ffff000}, kKernBase + kPhysTop, uint64_t{0xfdfff000},
                      uint64_t{0xffc00000}, uint64_t{0xfffff000}}) {
    const I386Pte* pte = leaf(va);
    EXPECT_TRUE(pte == nullptr || !pte->valid()) << std::hex << va;
  }
}

TEST_F(X86KmapTest, NoUserBitOnAnyLeaf) {
  ASSERT_TRUE(build_kernel_map(table_, kLayout, nullptr).ok());
  uint64_t leaves = 0;
  for (size_t d : valid(table_.root())) {
    const PhysAddr t = at(table_.root(), d).phys();
    for (size_t i : valid(t)) {
      EXPECT_FALSE(at(t, i).user()) << d << "/" << i;
      ++leaves;
    }
  }
  // Every page of the four regions, once.
  EXPECT_EQ(leaves, (kPhysTop + (0xffc00000u - kDevSpace)) / kPageSize);
}

TEST_F(X86KmapTest, NoMemoryAboveTheKernelMapsNoDataRegion) {
  ASSERT_TRUE(build_kernel_map(table_, KernelMapLayout{kData, v2p(kData)}, nullptr).ok());
  const I386Pte* pte = leaf(kData);
  EXPECT_TRUE(pte == nullptr || !pte->valid());
}

TEST_F(X86KmapTest, AFailureNamesTheRegionAndLeavesOnlyTablesTheCallerFrees) {
  // The I/O space and text fit in the first table; the data region needs the next 127.
  mem_.fail_after(10);
  const char* failed = nullptr;
  const Status s = build_kernel_map(table_, kLayout, &failed);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), Error::kNoMemory);
  ASSERT_NE(failed, nullptr);
  EXPECT_STREQ(failed, "kernel data and memory");
  // The failed region mapped nothing (PageTable::map is failure-atomic).
  const I386Pte* data = leaf(kData);
  EXPECT_TRUE(data == nullptr || !data->valid());
  mem_.clear_failures();
  table_.destroy_tables();
  EXPECT_EQ(mem_.pages_in_use(), 0u);
}

}  // namespace
}  // namespace pagoda::x86
