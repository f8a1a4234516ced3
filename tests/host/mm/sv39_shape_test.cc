// Sv39-specific exact table shapes (which levels exist, which entries are absent, leaf or table)
// and the exact vmprint text of the xv6 page-table lab.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/mm/page_table.h"
#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

using riscv::Sv39;
using riscv::Sv39Pte;
using Table = PageTable<Sv39, test::FakeMemory>;
using testing_util::dump;

constexpr uint64_t kMiB2 = uint64_t{1} << 21;
constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr Perm kRwPerm = Perm::kRead | Perm::kWrite;

class Sv39ShapeTest : public ::testing::Test {
 protected:
  // Fake frames are handed out in ascending order from here, so table addresses are known (a map
  // takes its new tables from its stash last-allocated first).
  static constexpr uint64_t kBase = 0x87f60000;
  Sv39ShapeTest() : mem_(kBase), table_(Table::create(mem_).value()) {}

  Sv39Pte at(PhysAddr table, size_t i) { return testing_util::entry<Sv39>(mem_, table, i); }
  // The valid indices of a table page.
  std::vector<size_t> valid(PhysAddr table) {
    std::vector<size_t> out;
    for (size_t i = 0; i < 512; ++i) {
      if (at(table, i).valid()) out.push_back(i);
    }
    return out;
  }

  test::FakeMemory mem_;
  Table table_;
};

TEST_F(Sv39ShapeTest, TwoPagesAcrossA2MiBBoundary) {
  ASSERT_TRUE(
      table_.map(VirtAddr(kMiB2 - kPageSize), 2 * kPageSize, PhysAddr(0x80000000), Perm::kRead)
          .ok());
  const PhysAddr root = table_.root();
  ASSERT_EQ(valid(root), std::vector<size_t>{0});
  ASSERT_FALSE(at(root, 0).is_leaf());
  const PhysAddr l1 = at(root, 0).phys();
  ASSERT_EQ(valid(l1), (std::vector<size_t>{0, 1}));
  const PhysAddr l0a = at(l1, 0).phys(), l0b = at(l1, 1).phys();
  EXPECT_FALSE(at(l1, 0).is_leaf());
  EXPECT_FALSE(at(l1, 1).is_leaf());
  EXPECT_EQ(valid(l0a), std::vector<size_t>{511});
  EXPECT_EQ(valid(l0b), std::vector<size_t>{0});
  EXPECT_EQ(at(l0a, 511), Sv39Pte::make_leaf(PhysAddr(0x80000000), Perm::kRead));
  EXPECT_EQ(at(l0b, 0), Sv39Pte::make_leaf(PhysAddr(0x80001000), Perm::kRead));
  EXPECT_EQ(mem_.pages_in_use(), 4u);
}

TEST_F(Sv39ShapeTest, SeparateGigabytesUseSeparateRootEntries) {
  ASSERT_TRUE(table_.map(VirtAddr(0), kPageSize, PhysAddr(0x80000000), Perm::kRead).ok());
  ASSERT_TRUE(table_.map(VirtAddr(3 * kGiB), kPageSize, PhysAddr(0x80000000), Perm::kRead).ok());
  EXPECT_EQ(valid(table_.root()), (std::vector<size_t>{0, 3}));
  EXPECT_EQ(mem_.pages_in_use(), 5u);
  // Unmapping leaves every table in place, each now without valid entries below level 1.
  ASSERT_TRUE(table_.unmap(VirtAddr(3 * kGiB), 1, FreeFrames::kNo).ok());
  const PhysAddr l1 = at(table_.root(), 3).phys();
  EXPECT_EQ(valid(l1), std::vector<size_t>{0});
  EXPECT_TRUE(valid(at(l1, 0).phys()).empty());
  EXPECT_EQ(mem_.pages_in_use(), 5u);
}

// The upper half (issue 13: the kernel at 0xffffffc080000000): root entries 256..511, sign-extended
// addresses; the hole between the halves and the very last page stay out of range.
TEST_F(Sv39ShapeTest, UpperHalfUsesTheTopRootEntries) {
  const uint64_t kernel = 0xffffffc080000000;
  const uint64_t stack = 0xffffffffffffe000;
  ASSERT_TRUE(table_.map(VirtAddr(kernel), 2 * kPageSize, PhysAddr(0x80000000), Perm::kRead).ok());
  ASSERT_TRUE(table_.map(VirtAddr(stack), kPageSize, PhysAddr(0x80100000), kRwPerm).ok());
  EXPECT_EQ(valid(table_.root()), (std::vector<size_t>{258, 511}));
  EXPECT_EQ(table_.translate(VirtAddr(kernel + kPageSize + 8)).value(), PhysAddr(0x80001008));
  EXPECT_EQ(table_.translate(VirtAddr(stack + 16)).value(), PhysAddr(0x80100010));
  // Non-canonical (bit 38 not extended), the last page, and a range that runs off the top.
  EXPECT_EQ(table_.translate(VirtAddr(kernel & (Sv39::kMaxVa * 2 - 1))).error(),
            Error::kOutOfRange);
  EXPECT_EQ(table_.map(VirtAddr(0xfffffffffffff000), kPageSize, PhysAddr(0), kRwPerm).error(),
            Error::kOutOfRange);
  EXPECT_EQ(table_.map(VirtAddr(stack), 2 * kPageSize, PhysAddr(0), kRwPerm).error(),
            Error::kOutOfRange);
  EXPECT_EQ(table_.map(VirtAddr(Sv39::kMaxVa - kPageSize), 2 * kPageSize, PhysAddr(0), kRwPerm)
                .error(),
            Error::kOutOfRange);
  EXPECT_EQ(table_.walk(VirtAddr(0xfffffffffffff000)), nullptr);
  // A borrower shares the upper root entry; the 2024 lab's print names it by its real address.
  auto borrower = Table::create(mem_).value();
  ASSERT_TRUE(borrower.borrow(VirtAddr(kernel), table_).ok());
  EXPECT_EQ(borrower.translate(VirtAddr(kernel)).value(), PhysAddr(0x80000000));
  std::vector<std::string> lines;
  borrower.print([&](const char* l) { lines.emplace_back(l); }, Borrowed::kDescend,
                 PrintStyle::kVirtualAddress);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_NE(lines[1].find("0xffffffc080000000"), std::string::npos) << lines[1];
  EXPECT_NE(lines[4].find("0xffffffc080001000"), std::string::npos) << lines[4];
  ASSERT_TRUE(table_.unmap(VirtAddr(kernel), 2, FreeFrames::kNo).ok());
  EXPECT_EQ(table_.unmap(VirtAddr(stack), 2, FreeFrames::kNo).error(), Error::kOutOfRange);
  EXPECT_FALSE(borrower.translate(VirtAddr(kernel)).ok());
}

TEST_F(Sv39ShapeTest, VmprintExactText) {
  ASSERT_TRUE(table_
                  .map(VirtAddr(0), kPageSize, PhysAddr(0x87f68000),
                       Perm::kRead | Perm::kExec | Perm::kUser)
                  .ok());
  ASSERT_TRUE(table_
                  .map(VirtAddr(Sv39::kMaxVa - 2 * kPageSize), kPageSize, PhysAddr(0x87f70000),
                       Perm::kRead | Perm::kWrite)
                  .ok());
  const std::vector<std::string> expected = {
      "page table 0x0000000087f60000",
      " ..0: pte 0x0000000021fd8801 pa 0x0000000087f62000",
      " .. ..0: pte 0x0000000021fd8401 pa 0x0000000087f61000",
      " .. .. ..0: pte 0x0000000021fda01b pa 0x0000000087f68000",
      " ..255: pte 0x0000000021fd9001 pa 0x0000000087f64000",
      " .. ..511: pte 0x0000000021fd8c01 pa 0x0000000087f63000",
      " .. .. ..510: pte 0x0000000021fdc007 pa 0x0000000087f70000",
  };
  EXPECT_EQ(dump(table_), expected);
}

TEST_F(Sv39ShapeTest, PrintLineFormatting) {
  char line[kPrintLineMax] = {};
  const size_t len = format_pte_line(line, 3, 511, ~uint64_t{0}, PhysAddr(0xfedcba9876543000));
  EXPECT_EQ(len, std::string(line).size());
  EXPECT_STREQ(line, " .. .. ..511: pte 0xffffffffffffffff pa 0xfedcba9876543000");
  format_table_header(line, PhysAddr(0));
  EXPECT_STREQ(line, "page table 0x0000000000000000");
}

}  // namespace
}  // namespace pagoda::mm
