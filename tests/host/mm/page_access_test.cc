// collect_page_access (pgaccess, system call 30) over Sv39 and i386: which pages report, the bit
// layout, clearing only what was reported, the bounds, and what never counts (no U, unmapped).
#include "kernel/mm/page_access.h"

#include <gtest/gtest.h>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/arch/x86/i386.h"
#include "kernel/mm/page_table.h"
#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

template <class Format>
class PageAccessTest : public ::testing::Test {
 protected:
  using Table = PageTable<Format, test::FakeMemory>;
  using Pte = typename Format::Pte;
  static constexpr uint64_t kBase = 0x400000;  // 4 MiB: a fresh last-level table on both formats

  PageAccessTest() : table_(Table::create(mem_).value()) {
    EXPECT_TRUE(
        table_.map_zeroed(VirtAddr(kBase), 16 * kPageSize, Perm::kRead | Perm::kWrite | Perm::kUser)
            .ok());
  }
  ~PageAccessTest() override {
    EXPECT_TRUE(table_.unmap(VirtAddr(kBase), 16, FreeFrames::kYes).ok());
    table_.destroy_tables();
    EXPECT_EQ(mem_.pages_in_use(), 0u);
  }
  // What the MMU does on an access: set A.
  void touch(uint64_t page) {
    Pte* pte = table_.walk(VirtAddr(kBase + page * kPageSize));
    *pte = Pte(static_cast<decltype(pte->raw())>(pte->raw() | Pte::kAccessed));
  }
  bool accessed(uint64_t page) {
    return table_.walk(VirtAddr(kBase + page * kPageSize))->accessed();
  }

  test::FakeMemory mem_;
  Table table_;
  uint8_t mask_[kPageAccessMaskBytes] = {};
};

TYPED_TEST_SUITE(PageAccessTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(PageAccessTest, ReportsAndClearsTheTouchedPages) {
  this->touch(1);
  this->touch(2);
  this->touch(9);
  auto n =
      collect_page_access(this->table_, VirtAddr(this->kBase), 16, this->mask_, ClearAccessed::kNo);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(this->mask_[0], 0x06);
  EXPECT_EQ(this->mask_[1], 0x02);
  EXPECT_TRUE(this->accessed(1));  // kNo leaves them
  n = collect_page_access(this->table_, VirtAddr(this->kBase), 16, this->mask_,
                          ClearAccessed::kYes);
  EXPECT_EQ(*n, 3u);
  EXPECT_FALSE(this->accessed(1));
  EXPECT_FALSE(this->accessed(9));
  // Nothing else of the PTE changes.
  const auto* pte = this->table_.walk(VirtAddr(this->kBase + kPageSize));
  EXPECT_TRUE(pte->valid() && pte->writable() && pte->user());
  n = collect_page_access(this->table_, VirtAddr(this->kBase), 16, this->mask_,
                          ClearAccessed::kYes);
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(this->mask_[0] | this->mask_[1], 0);
}

TYPED_TEST(PageAccessTest, UnalignedBaseAndPartialRange) {
  this->touch(4);
  this->touch(5);
  // From inside page 3: bit i is the page holding base + i pages, so page 4 is bit 1.
  auto n = collect_page_access(this->table_, VirtAddr(this->kBase + 3 * kPageSize + 123), 2,
                               this->mask_, ClearAccessed::kYes);
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(this->mask_[0], 0x02);
  EXPECT_FALSE(this->accessed(4));
  EXPECT_TRUE(this->accessed(5));  // outside the range: untouched
}

TYPED_TEST(PageAccessTest, OnlyUserLeavesCount) {
  // A kernel-only page with A set (the trapframe), and unmapped pages around the range.
  ASSERT_TRUE(
      this->table_
          .map_zeroed(VirtAddr(this->kBase + 20 * kPageSize), kPageSize, Perm::kRead | Perm::kWrite)
          .ok());
  auto* k = this->table_.walk(VirtAddr(this->kBase + 20 * kPageSize));
  using Pte = typename TestFixture::Pte;
  *k = Pte(static_cast<decltype(k->raw())>(k->raw() | Pte::kAccessed));
  this->touch(15);
  auto n = collect_page_access(this->table_, VirtAddr(this->kBase + 15 * kPageSize), 8, this->mask_,
                               ClearAccessed::kYes);
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(this->mask_[0], 0x01);
  EXPECT_TRUE(k->accessed());
  ASSERT_TRUE(this->table_.unmap(VirtAddr(this->kBase + 20 * kPageSize), 1, FreeFrames::kYes).ok());
  // A range with no tables at all.
  n = collect_page_access(this->table_, VirtAddr(0x40000000), 512, this->mask_,
                          ClearAccessed::kYes);
  EXPECT_EQ(*n, 0u);
}

TYPED_TEST(PageAccessTest, Bounds) {
  using Table = typename TestFixture::Table;
  this->mask_[3] = 0xff;
  EXPECT_EQ(collect_page_access(this->table_, VirtAddr(this->kBase), kPageAccessMaxPages + 1,
                                this->mask_, ClearAccessed::kYes)
                .error(),
            Error::kOutOfRange);
  EXPECT_EQ(this->mask_[3], 0);  // the mask is zeroed whatever happens
  EXPECT_EQ(collect_page_access(this->table_, VirtAddr(Table::kMaxVa - kPageSize), 2, this->mask_,
                                ClearAccessed::kYes)
                .error(),
            Error::kOutOfRange);
  EXPECT_EQ(collect_page_access(this->table_, VirtAddr(Table::kMaxVa), 1, this->mask_,
                                ClearAccessed::kYes)
                .error(),
            Error::kOutOfRange);
  EXPECT_TRUE(collect_page_access(this->table_, VirtAddr(Table::kMaxVa - kPageSize), 1, this->mask_,
                                  ClearAccessed::kYes)
                  .ok());
  EXPECT_TRUE(
      collect_page_access(this->table_, VirtAddr(this->kBase), 0, this->mask_, ClearAccessed::kYes)
          .ok());
}

}  // namespace
}  // namespace pagoda::mm
