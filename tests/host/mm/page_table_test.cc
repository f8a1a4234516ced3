// PageTable over every format (TYPED_TEST): shapes, errors, failure atomicity, page accounting.
#include "kernel/mm/page_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <utility>

#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

using testing_util::dump;
using testing_util::entry;
using testing_util::span;
using testing_util::valid_entries;

constexpr Perm kRw = Perm::kRead | Perm::kWrite;
constexpr Perm kRwu = Perm::kRead | Perm::kWrite | Perm::kUser;
constexpr PhysAddr kFrame(0x80000000);  // leaves that map no FakeMemory frame (never freed)

template <class Format>
class PageTableTest : public ::testing::Test {
 protected:
  using Table = PageTable<Format, test::FakeMemory>;
  using Pte = typename Format::Pte;
  static constexpr int kTop = Format::kLevels - 1;

  void SetUp() override {
    auto t = Table::create(mem_);
    ASSERT_TRUE(t.ok());
    table_ = std::move(t).value();
  }

  // The table page at `level` on the way to va (kTop: the root); fails the test if missing.
  PhysAddr table_at(VirtAddr va, int level) {
    PhysAddr pa = table_.root();
    for (int l = kTop; l > level; --l) {
      const Pte pte = entry<Format>(mem_, pa, Format::index(va, l));
      EXPECT_TRUE(pte.valid() && !pte.is_leaf()) << "no table at level " << l - 1;
      pa = pte.phys();
    }
    return pa;
  }

  // A real frame holding `fill` bytes.
  PhysAddr frame(unsigned char fill) {
    PhysAddr pa = mem_.alloc_page().value();
    std::memset(mem_.ptr(pa), fill, kPageSize);
    return pa;
  }

  test::FakeMemory mem_;
  Table table_;
};

TYPED_TEST_SUITE(PageTableTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(PageTableTest, CreateMakesOneZeroedRoot) {
  EXPECT_EQ(this->mem_.pages_in_use(), 1u);
  EXPECT_EQ(valid_entries<TypeParam>(this->mem_, this->table_.root()), 0);
  EXPECT_EQ(dump(this->table_).size(), 1u);
  EXPECT_EQ(this->table_.walk(VirtAddr(0)), nullptr);
}

TYPED_TEST(PageTableTest, CreateFailsCleanly) {
  test::FakeMemory mem;
  mem.fail_nth_alloc(1);
  auto t = PageTable<TypeParam, test::FakeMemory>::create(mem);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error(), Error::kNoMemory);
  EXPECT_EQ(mem.pages_in_use(), 0u);
}

TYPED_TEST(PageTableTest, MapOnePageBuildsOnePath) {
  const VirtAddr va(span<TypeParam>(1) * 3 + 5 * kPageSize);
  ASSERT_TRUE(this->table_.map(va, kPageSize, kFrame, kRw).ok());
  // Root + one table per lower level, each with exactly one valid entry on the path.
  EXPECT_EQ(this->mem_.pages_in_use(), static_cast<uint64_t>(TypeParam::kLevels));
  for (int level = this->kTop; level >= 0; --level) {
    const PhysAddr t = this->table_at(va, level);
    EXPECT_EQ(valid_entries<TypeParam>(this->mem_, t), 1) << "level " << level;
    const auto pte = entry<TypeParam>(this->mem_, t, TypeParam::index(va, level));
    EXPECT_TRUE(pte.valid());
    if (level == 0) {
      EXPECT_EQ(pte, TypeParam::Pte::make_leaf(kFrame, kRw));
    } else {
      EXPECT_FALSE(pte.is_leaf());
    }
  }
  auto* slot = this->table_.walk(va);
  ASSERT_NE(slot, nullptr);
  EXPECT_EQ(slot->phys(), kFrame);
  EXPECT_EQ(this->table_.walk(va + kPageSize)->valid(), false);  // same last-level table
  EXPECT_EQ(this->table_.walk(VirtAddr(0)), nullptr);            // other subtree: no table
}

TYPED_TEST(PageTableTest, MapAcrossATopLevelBoundaryBuildsTwoPaths) {
  const uint64_t top = span<TypeParam>(this->kTop);
  const VirtAddr va(top - kPageSize);
  ASSERT_TRUE(this->table_.map(va, 2 * kPageSize, kFrame, kRw).ok());
  EXPECT_EQ(valid_entries<TypeParam>(this->mem_, this->table_.root()), 2);
  EXPECT_EQ(this->mem_.pages_in_use(), 1 + 2 * static_cast<uint64_t>(this->kTop));
  EXPECT_EQ(this->table_.translate(va).value(), kFrame);
  EXPECT_EQ(this->table_.translate(va + kPageSize + 7).value(), kFrame + kPageSize + 7);
}

TYPED_TEST(PageTableTest, MapManyPagesInOneLastLevelTable) {
  ASSERT_TRUE(this->table_.map(VirtAddr(0), 100 * kPageSize, kFrame, kRwu).ok());
  EXPECT_EQ(this->mem_.pages_in_use(), static_cast<uint64_t>(TypeParam::kLevels));
  EXPECT_EQ(valid_entries<TypeParam>(this->mem_, this->table_at(VirtAddr(0), 0)), 100);
  for (uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(this->table_.translate(VirtAddr(i * kPageSize)).value(), kFrame + i * kPageSize);
  }
  EXPECT_EQ(this->table_.translate(VirtAddr(100 * kPageSize)).error(), Error::kNotMapped);
}

TYPED_TEST(PageTableTest, MapRefusesBadArguments) {
  auto& t = this->table_;
  const uint64_t max = TypeParam::kMaxVa;
  EXPECT_EQ(t.map(VirtAddr(0), 0, kFrame, kRw).error(), Error::kInvalid);
  EXPECT_EQ(t.map(VirtAddr(1), kPageSize, kFrame, kRw).error(), Error::kMisaligned);
  EXPECT_EQ(t.map(VirtAddr(0), kPageSize + 1, kFrame, kRw).error(), Error::kMisaligned);
  EXPECT_EQ(t.map(VirtAddr(0), kPageSize, kFrame + 8, kRw).error(), Error::kMisaligned);
  EXPECT_EQ(t.map(VirtAddr(max), kPageSize, kFrame, kRw).error(), Error::kOutOfRange);
  EXPECT_EQ(t.map(VirtAddr(max - kPageSize), 2 * kPageSize, kFrame, kRw).error(),
            Error::kOutOfRange);
  // A size that wraps the 64-bit space.
  EXPECT_EQ(t.map(VirtAddr(kPageSize), ~uint64_t{0} - kPageSize + 1, kFrame, kRw).error(),
            Error::kOutOfRange);
  EXPECT_EQ(t.map(VirtAddr(0), kPageSize, PhysAddr(TypeParam::kMaxPa), kRw).error(),
            Error::kOutOfRange);
  // Nothing was built by any of them.
  EXPECT_EQ(this->mem_.pages_in_use(), 1u);
  EXPECT_EQ(dump(t).size(), 1u);
  // The last page below MAXVA is fine.
  EXPECT_TRUE(t.map(VirtAddr(max - kPageSize), kPageSize, kFrame, kRw).ok());
}

TYPED_TEST(PageTableTest, MapRefusesRemapAndChangesNothing) {
  auto& t = this->table_;
  ASSERT_TRUE(t.map(VirtAddr(3 * kPageSize), kPageSize, kFrame, kRw).ok());
  const auto before = dump(t);
  const uint64_t pages = this->mem_.pages_in_use();
  EXPECT_EQ(t.map(VirtAddr(3 * kPageSize), kPageSize, kFrame, kRw).error(), Error::kAlreadyMapped);
  // A range whose last page is mapped, reaching into a missing subtree: no table may be created.
  const VirtAddr far(span<TypeParam>(this->kTop) * 2 - kPageSize);
  ASSERT_TRUE(t.map(far + kPageSize, kPageSize, kFrame, kRw).ok());
  const auto before2 = dump(t);
  const uint64_t pages2 = this->mem_.pages_in_use();
  EXPECT_EQ(t.map(VirtAddr(0), 4 * kPageSize, kFrame, kRw).error(), Error::kAlreadyMapped);
  EXPECT_EQ(t.map(far, 2 * kPageSize, kFrame, kRw).error(), Error::kAlreadyMapped);
  EXPECT_EQ(dump(t), before2);
  EXPECT_EQ(this->mem_.pages_in_use(), pages2);
  EXPECT_NE(before, before2);
  EXPECT_GT(pages2, pages);
}

// Failure injection at every allocation a multi-level map needs: each leaves the tree exactly as
// it was and every page accounted for.
TYPED_TEST(PageTableTest, MapFailureAtEveryAllocationChangesNothing) {
  auto& t = this->table_;
  ASSERT_TRUE(t.map(VirtAddr(0), kPageSize, kFrame, kRw).ok());  // some tables already exist
  // From the middle of the first top-level entry's range into the next two: new tables at every
  // level below the root.
  const uint64_t top = span<TypeParam>(this->kTop);
  const VirtAddr va(top - 2 * kPageSize);
  // Sv39: a new level-1 and two new level-0 tables; i386: two new page tables (cover two entries).
  const uint64_t size = TypeParam::kLevels == 2 ? top + 4 * kPageSize : 4 * kPageSize;
  const auto before = dump(t);
  const uint64_t pages = this->mem_.pages_in_use();
  const uint64_t calls = this->mem_.alloc_calls();
  // Count what a successful map allocates, on a copy of the situation.
  uint64_t needed;
  {
    test::FakeMemory mem;
    auto probe = PageTable<TypeParam, test::FakeMemory>::create(mem).value();
    ASSERT_TRUE(probe.map(VirtAddr(0), kPageSize, kFrame, kRw).ok());
    const uint64_t c = mem.alloc_calls();
    ASSERT_TRUE(probe.map(va, size, kFrame, kRw).ok());
    needed = mem.alloc_calls() - c;
  }
  ASSERT_GE(needed, 2u);
  for (uint64_t n = 1; n <= needed; ++n) {
    this->mem_.fail_nth_alloc(n);
    EXPECT_EQ(t.map(va, size, kFrame, kRw).error(), Error::kNoMemory) << "n=" << n;
    EXPECT_EQ(dump(t), before) << "n=" << n;
    EXPECT_EQ(this->mem_.pages_in_use(), pages) << "n=" << n;
    this->mem_.clear_failures();
  }
  EXPECT_EQ(this->mem_.alloc_calls() - calls, needed * (needed + 1) / 2);
  ASSERT_TRUE(t.map(va, size, kFrame, kRw).ok());
  EXPECT_EQ(this->mem_.pages_in_use(), pages + needed);
  EXPECT_EQ(t.translate(va + size - 1).value(), kFrame + size - 1);
}

TYPED_TEST(PageTableTest, WalkAllocCreatesThePathOrNothing) {
  auto& t = this->table_;
  const VirtAddr va(span<TypeParam>(1) * 7 + 3 * kPageSize);
  for (int n = 1; n < TypeParam::kLevels; ++n) {
    this->mem_.fail_nth_alloc(n);
    EXPECT_EQ(t.walk_alloc(va).error(), Error::kNoMemory);
    EXPECT_EQ(this->mem_.pages_in_use(), 1u);
    EXPECT_EQ(dump(t).size(), 1u);
    this->mem_.clear_failures();
  }
  auto slot = t.walk_alloc(va);
  ASSERT_TRUE(slot.ok());
  EXPECT_FALSE(slot.value()->valid());
  EXPECT_EQ(slot.value(), t.walk(va));
  EXPECT_EQ(this->mem_.pages_in_use(), static_cast<uint64_t>(TypeParam::kLevels));
  EXPECT_EQ(t.walk_alloc(va).value(), slot.value());  // existing path: no allocation
  EXPECT_EQ(this->mem_.pages_in_use(), static_cast<uint64_t>(TypeParam::kLevels));
  EXPECT_EQ(t.walk_alloc(VirtAddr(TypeParam::kMaxVa)).error(), Error::kOutOfRange);
}

TYPED_TEST(PageTableTest, TranslateAndTranslateUser) {
  auto& t = this->table_;
  ASSERT_TRUE(t.map(VirtAddr(0), kPageSize, kFrame, kRw).ok());
  ASSERT_TRUE(t.map(VirtAddr(kPageSize), kPageSize, kFrame + kPageSize, kRwu).ok());
  EXPECT_EQ(t.translate(VirtAddr(0x123)).value(), kFrame + 0x123);
  EXPECT_EQ(t.translate_user(VirtAddr(0x123)).error(), Error::kBadAddress);  // no U
  EXPECT_EQ(t.translate_user(VirtAddr(kPageSize + 9)).value(), kFrame + kPageSize + 9);
  EXPECT_EQ(t.translate(VirtAddr(2 * kPageSize)).error(), Error::kNotMapped);
  EXPECT_EQ(t.translate_user(VirtAddr(2 * kPageSize)).error(), Error::kBadAddress);
  EXPECT_EQ(t.translate(VirtAddr(TypeParam::kMaxVa)).error(), Error::kOutOfRange);
  EXPECT_EQ(t.translate_user(VirtAddr(~uint64_t{0})).error(), Error::kBadAddress);
}

TYPED_TEST(PageTableTest, UnmapIsAllOrNothing) {
  auto& t = this->table_;
  const PhysAddr a = this->frame(1), b = this->frame(2), d = this->frame(4);
  ASSERT_TRUE(t.map(VirtAddr(0), kPageSize, a, kRw).ok());
  ASSERT_TRUE(t.map(VirtAddr(kPageSize), kPageSize, b, kRw).ok());
  ASSERT_TRUE(t.map(VirtAddr(3 * kPageSize), kPageSize, d, kRw).ok());
  const auto before = dump(t);
  const uint64_t pages = this->mem_.pages_in_use();
  EXPECT_EQ(t.unmap(VirtAddr(0), 4, FreeFrames::kYes).error(), Error::kNotMapped);  // hole at 2
  EXPECT_EQ(t.unmap(VirtAddr(kPageSize + 1), 1, FreeFrames::kYes).error(), Error::kMisaligned);
  EXPECT_EQ(t.unmap(VirtAddr(TypeParam::kMaxVa - kPageSize), 2, FreeFrames::kYes).error(),
            Error::kOutOfRange);
  EXPECT_EQ(t.unmap(VirtAddr(span<TypeParam>(this->kTop)), 1, FreeFrames::kYes).error(),
            Error::kNotMapped);  // no table there at all
  EXPECT_EQ(dump(t), before);
  EXPECT_EQ(this->mem_.pages_in_use(), pages);
  EXPECT_TRUE(t.unmap(VirtAddr(0), 0, FreeFrames::kYes).ok());

  ASSERT_TRUE(t.unmap(VirtAddr(0), 2, FreeFrames::kYes).ok());
  EXPECT_FALSE(this->mem_.allocated(a));
  EXPECT_FALSE(this->mem_.allocated(b));
  EXPECT_EQ(this->mem_.pages_in_use(), pages - 2);
  EXPECT_EQ(t.translate(VirtAddr(0)).error(), Error::kNotMapped);
  ASSERT_TRUE(t.unmap(VirtAddr(3 * kPageSize), 1, FreeFrames::kNo).ok());
  EXPECT_TRUE(this->mem_.allocated(d));
  // The now-empty tables stay, as in xv6.
  EXPECT_EQ(dump(t).size(), static_cast<size_t>(TypeParam::kLevels));
  EXPECT_EQ(valid_entries<TypeParam>(this->mem_, this->table_at(VirtAddr(0), 0)), 0);
  this->mem_.free_page(d);
}

TYPED_TEST(PageTableTest, MapZeroedGivesZeroedFramesOrNothing) {
  auto& t = this->table_;
  const VirtAddr va(span<TypeParam>(1) - kPageSize);
  const uint64_t size = 3 * kPageSize;             // crosses into a second last-level table
  const uint64_t needed = 3 + TypeParam::kLevels;  // frames + tables
  for (uint64_t n = 1; n <= needed; ++n) {
    this->mem_.fail_nth_alloc(n);
    EXPECT_EQ(t.map_zeroed(va, size, kRwu).error(), Error::kNoMemory);
    EXPECT_EQ(this->mem_.pages_in_use(), 1u);
    EXPECT_EQ(dump(t).size(), 1u);
    this->mem_.clear_failures();
  }
  ASSERT_TRUE(t.map_zeroed(va, size, kRwu).ok());
  EXPECT_EQ(this->mem_.pages_in_use(), 1 + needed);
  for (uint64_t off = 0; off < size; off += kPageSize) {
    const auto* bytes =
        static_cast<const unsigned char*>(this->mem_.ptr(t.translate(va + off).value()));
    for (uint64_t i = 0; i < kPageSize; ++i) ASSERT_EQ(bytes[i], 0) << off + i;
  }
  EXPECT_EQ(t.map_zeroed(va, kPageSize, kRwu).error(), Error::kAlreadyMapped);
  ASSERT_TRUE(t.unmap(va, 3, FreeFrames::kYes).ok());
  ASSERT_TRUE(t.destroy().ok());
  EXPECT_EQ(this->mem_.pages_in_use(), 0u);
}

TYPED_TEST(PageTableTest, CopyToCopiesContentsAndFlags) {
  auto& parent = this->table_;
  ASSERT_TRUE(
      parent.map(VirtAddr(0), kPageSize, this->frame(0x11), Perm::kRead | Perm::kUser).ok());
  ASSERT_TRUE(parent.map(VirtAddr(kPageSize), kPageSize, this->frame(0x22), kRw).ok());  // guard
  ASSERT_TRUE(parent.map(VirtAddr(2 * kPageSize), kPageSize, this->frame(0x33), kRwu).ok());
  auto child = PageTable<TypeParam, test::FakeMemory>::create(this->mem_).value();
  const uint64_t pages = this->mem_.pages_in_use();
  ASSERT_TRUE(parent.copy_to(child, 2 * kPageSize + 1).ok());  // a partial last page counts
  EXPECT_EQ(this->mem_.pages_in_use(), pages + 3 + (TypeParam::kLevels - 1));
  for (uint64_t i = 0; i < 3; ++i) {
    const VirtAddr va(i * kPageSize);
    const auto p = *parent.walk(va), c = *child.walk(va);
    EXPECT_NE(p.phys(), c.phys());
    EXPECT_EQ(c, p.with_phys(c.phys()));
    EXPECT_EQ(std::memcmp(this->mem_.ptr(p.phys()), this->mem_.ptr(c.phys()), kPageSize), 0);
  }
  // Independent copies.
  *static_cast<char*>(this->mem_.ptr(child.translate(VirtAddr(0)).value())) = 'x';
  EXPECT_EQ(*static_cast<char*>(this->mem_.ptr(parent.translate(VirtAddr(0)).value())), 0x11);
  EXPECT_TRUE(parent.copy_to(child, 0).ok());
  EXPECT_EQ(parent.copy_to(child, kPageSize).error(), Error::kAlreadyMapped);
}

TYPED_TEST(PageTableTest, CopyToFailureAtEveryAllocationLeavesTheChildAsItWas) {
  auto& parent = this->table_;
  const uint64_t npages = 5;
  for (uint64_t i = 0; i < npages; ++i) {
    ASSERT_TRUE(parent
                    .map(VirtAddr(i * kPageSize), kPageSize,
                         this->frame(static_cast<unsigned char>(i)), kRwu)
                    .ok());
  }
  auto child = PageTable<TypeParam, test::FakeMemory>::create(this->mem_).value();
  // Something already in the child, elsewhere (xv6: the trampoline).
  ASSERT_TRUE(child.map(VirtAddr(TypeParam::kMaxVa - kPageSize), kPageSize, kFrame, kRw).ok());
  const auto child_before = dump(child);
  const auto parent_before = dump(parent);
  const uint64_t pages = this->mem_.pages_in_use();
  const uint64_t needed = npages + (TypeParam::kLevels - 1);
  for (uint64_t n = 1; n <= needed; ++n) {
    this->mem_.fail_nth_alloc(n);
    EXPECT_EQ(parent.copy_to(child, npages * kPageSize).error(), Error::kNoMemory);
    EXPECT_EQ(dump(child), child_before) << "n=" << n;
    EXPECT_EQ(dump(parent), parent_before);
    EXPECT_EQ(this->mem_.pages_in_use(), pages) << "n=" << n;
    this->mem_.clear_failures();
  }
  ASSERT_TRUE(parent.copy_to(child, npages * kPageSize).ok());
  EXPECT_EQ(this->mem_.pages_in_use(), pages + needed);
}

TYPED_TEST(PageTableTest, CopyToRefusesAHoleInTheParent) {
  auto& parent = this->table_;
  ASSERT_TRUE(parent.map(VirtAddr(0), kPageSize, this->frame(1), kRwu).ok());
  auto child = PageTable<TypeParam, test::FakeMemory>::create(this->mem_).value();
  const uint64_t pages = this->mem_.pages_in_use();
  EXPECT_EQ(parent.copy_to(child, 2 * kPageSize).error(), Error::kNotMapped);
  EXPECT_EQ(dump(child).size(), 1u);
  EXPECT_EQ(this->mem_.pages_in_use(), pages);
  EXPECT_EQ(parent.copy_to(child, TypeParam::kMaxVa + 1).error(), Error::kOutOfRange);
}

TYPED_TEST(PageTableTest, DestroyRefusesWhileLeavesRemain) {
  auto& t = this->table_;
  const PhysAddr f = this->frame(7);
  ASSERT_TRUE(t.map(VirtAddr(span<TypeParam>(1) * 5), kPageSize, f, kRw).ok());
  const auto before = dump(t);
  const uint64_t pages = this->mem_.pages_in_use();
  EXPECT_EQ(t.destroy().error(), Error::kLeavesRemain);
  EXPECT_EQ(dump(t), before);
  EXPECT_EQ(this->mem_.pages_in_use(), pages);
  ASSERT_TRUE(t.unmap(VirtAddr(span<TypeParam>(1) * 5), 1, FreeFrames::kYes).ok());
  ASSERT_TRUE(t.destroy().ok());
  EXPECT_FALSE(t.valid());
  EXPECT_EQ(this->mem_.pages_in_use(), 0u);
}

TYPED_TEST(PageTableTest, DestroyTablesFreesTablesButNotLeaves) {
  auto& t = this->table_;
  const PhysAddr f = this->frame(7);
  ASSERT_TRUE(t.map(VirtAddr(0), kPageSize, f, kRw).ok());
  ASSERT_TRUE(t.map(VirtAddr(span<TypeParam>(this->kTop)), kPageSize, f, kRw).ok());
  t.destroy_tables();
  EXPECT_FALSE(t.valid());
  EXPECT_EQ(this->mem_.pages_in_use(), 1u);
  EXPECT_TRUE(this->mem_.allocated(f));
  this->mem_.free_page(f);
}

TYPED_TEST(PageTableTest, BorrowedSubtreeIsSharedAndNeverFreedByTheBorrower) {
  auto& lender = this->table_;
  const VirtAddr va(span<TypeParam>(this->kTop) * 1 + 3 * kPageSize);
  ASSERT_TRUE(lender.map(va, kPageSize, kFrame, kRw).ok());
  auto borrower = PageTable<TypeParam, test::FakeMemory>::create(this->mem_).value();
  EXPECT_EQ(borrower.borrow(VirtAddr(0), lender).error(), Error::kNotMapped);
  ASSERT_TRUE(borrower.borrow(va, lender).ok());
  EXPECT_EQ(borrower.borrow(va, lender).error(), Error::kAlreadyMapped);
  EXPECT_EQ(borrower.borrow(VirtAddr(TypeParam::kMaxVa), lender).error(), Error::kOutOfRange);
  const auto root_entry =
      entry<TypeParam>(this->mem_, borrower.root(), TypeParam::index(va, this->kTop));
  EXPECT_TRUE(root_entry.borrowed());
  EXPECT_EQ(borrower.translate(va + 5).value(), kFrame + 5);
  // The borrower's own part: a leaf elsewhere, which it must unmap before destroy().
  ASSERT_TRUE(borrower.map(VirtAddr(0), kPageSize, kFrame, kRw).ok());
  EXPECT_EQ(borrower.destroy().error(), Error::kLeavesRemain);
  ASSERT_TRUE(borrower.unmap(VirtAddr(0), 1, FreeFrames::kNo).ok());
  const uint64_t lender_pages = 1 + (TypeParam::kLevels - 1);
  ASSERT_TRUE(borrower.destroy().ok());  // the borrowed subtree's leaf does not count
  EXPECT_EQ(this->mem_.pages_in_use(), lender_pages);
  EXPECT_EQ(lender.translate(va).value(), kFrame);
  // destroy_tables() skips it too.
  auto b2 = PageTable<TypeParam, test::FakeMemory>::create(this->mem_).value();
  ASSERT_TRUE(b2.borrow(va, lender).ok());
  b2.destroy_tables();
  EXPECT_EQ(this->mem_.pages_in_use(), lender_pages);
  ASSERT_TRUE(lender.unmap(va, 1, FreeFrames::kNo).ok());
  ASSERT_TRUE(lender.destroy().ok());
  EXPECT_EQ(this->mem_.pages_in_use(), 0u);
}

TYPED_TEST(PageTableTest, PrintListsEveryValidEntryDepthFirst) {
  auto& t = this->table_;
  ASSERT_TRUE(t.map(VirtAddr(0), 2 * kPageSize, kFrame, kRw).ok());
  const auto lines = dump(t);
  // Header, one line per table level on the path, then the second leaf.
  ASSERT_EQ(lines.size(), static_cast<size_t>(1 + TypeParam::kLevels + 1));
  char expect[64];
  std::snprintf(expect, sizeof expect, "page table 0x%016lx",
                static_cast<unsigned long>(t.root().value()));
  EXPECT_EQ(lines[0], expect);
  std::string prefix;
  for (int depth = 1; depth <= TypeParam::kLevels; ++depth) {
    prefix += " ..";
    EXPECT_EQ(lines[depth].rfind(prefix + "0: pte 0x", 0), 0u) << lines[depth];
  }
  EXPECT_EQ(lines.back().rfind(prefix + "1: pte 0x", 0), 0u) << lines.back();
}

}  // namespace
}  // namespace pagoda::mm
