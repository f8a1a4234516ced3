// AddressSpace over every format: xv6's user layout, grow/shrink/copy/clear/destroy with failure
// injection and page accounting, copy_in/copy_out/copy_in_str at every kind of edge, and the
// mapping observer.
#include "kernel/mm/address_space.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

using testing_util::dump;

using testing_util::MirrorObserver;

template <class Format>
class AddressSpaceTest : public ::testing::Test {
 protected:
  using Space = AddressSpace<Format, test::FakeMemory>;
  static constexpr uint64_t kTrampolineVa = Space::kTrampolineVa;
  static constexpr uint64_t kTrapframeVa = Space::kTrapframeVa;

  void SetUp() override {
    trampoline_ = mem_.alloc_page().value();
    trapframe_ = mem_.alloc_page().value();
    space_ = new_space();
  }
  void TearDown() override {
    if (space_.table().valid()) space_.destroy();
    EXPECT_EQ(mem_.pages_in_use(), 2u) << "pages leaked";
  }

  Space new_space() { return Space::create(mem_, trampoline_, trapframe_).value(); }

  std::string read_string(VirtAddr va, uint64_t max) {
    std::vector<char> buf(max + 1, '#');
    auto n = space_.copy_in_str(buf.data(), va, max);
    if (!n.ok()) return std::string("error: ") + error_name(n.error());
    EXPECT_EQ(buf[n.value()], '\0');
    return std::string(buf.data(), n.value());
  }

  test::FakeMemory mem_;
  PhysAddr trampoline_, trapframe_;
  Space space_;
};

TYPED_TEST_SUITE(AddressSpaceTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(AddressSpaceTest, CreateMapsTrampolineAndTrapframeWithoutUser) {
  auto& t = this->space_.table();
  EXPECT_EQ(this->space_.size(), 0u);
  const auto* tramp = t.walk(VirtAddr(this->kTrampolineVa));
  const auto* tf = t.walk(VirtAddr(this->kTrapframeVa));
  ASSERT_TRUE(tramp && tramp->valid() && tf && tf->valid());
  EXPECT_EQ(*tramp, TypeParam::Pte::make_leaf(this->trampoline_, Perm::kRead | Perm::kExec));
  EXPECT_EQ(*tf, TypeParam::Pte::make_leaf(this->trapframe_, Perm::kRead | Perm::kWrite));
  EXPECT_EQ(this->kTrampolineVa, TypeParam::kMaxVa - 4096);
  EXPECT_EQ(this->kTrapframeVa, TypeParam::kMaxVa - 8192);
  EXPECT_EQ(t.translate_user(VirtAddr(this->kTrapframeVa)).error(), Error::kBadAddress);
  // Root plus one path to the top of the space.
  EXPECT_EQ(this->mem_.pages_in_use(), 2u + TypeParam::kLevels);
}

TYPED_TEST(AddressSpaceTest, CreateFailsCleanlyAtEveryAllocation) {
  for (int n = 1; n <= TypeParam::kLevels; ++n) {
    this->mem_.fail_nth_alloc(n);
    auto s = TestFixture::Space::create(this->mem_, this->trampoline_, this->trapframe_);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error(), Error::kNoMemory);
    EXPECT_EQ(this->mem_.pages_in_use(), 2u + TypeParam::kLevels);  // only the fixture's space
    this->mem_.clear_failures();
  }
}

TYPED_TEST(AddressSpaceTest, GrowMapsZeroedUserPages) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(3 * kPageSize + 100, Perm::kWrite).ok());
  EXPECT_EQ(s.size(), 3 * kPageSize + 100);
  for (uint64_t i = 0; i < 4; ++i) {
    const auto* pte = s.table().walk(VirtAddr(i * kPageSize));
    ASSERT_TRUE(pte && pte->valid());
    EXPECT_EQ(
        pte->perm(),
        TypeParam::Pte::make_leaf(PhysAddr(0), Perm::kRead | Perm::kWrite | Perm::kUser).perm());
    const auto* bytes = static_cast<const unsigned char*>(this->mem_.ptr(pte->phys()));
    for (uint64_t b = 0; b < kPageSize; ++b) ASSERT_EQ(bytes[b], 0);
  }
  EXPECT_EQ(s.table().walk(VirtAddr(4 * kPageSize))->valid(), false);
  // Growing within the last page allocates nothing; growing to a smaller size changes nothing.
  const uint64_t pages = this->mem_.pages_in_use();
  ASSERT_TRUE(s.grow(4 * kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(s.size(), 4 * kPageSize);
  ASSERT_TRUE(s.grow(kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(s.size(), 4 * kPageSize);
  EXPECT_EQ(this->mem_.pages_in_use(), pages);
}

TYPED_TEST(AddressSpaceTest, GrowFailureAtEveryAllocationChangesNothing) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(kPageSize, Perm::kWrite).ok());
  const uint64_t new_size = 6 * kPageSize;
  const auto before = dump(s.table());
  const uint64_t pages = this->mem_.pages_in_use();
  for (uint64_t n = 1; n <= 5; ++n) {  // five frames, all tables already exist
    this->mem_.fail_nth_alloc(n);
    EXPECT_EQ(s.grow(new_size, Perm::kWrite).error(), Error::kNoMemory);
    EXPECT_EQ(s.size(), kPageSize);
    EXPECT_EQ(dump(s.table()), before);
    EXPECT_EQ(this->mem_.pages_in_use(), pages);
    this->mem_.clear_failures();
  }
  ASSERT_TRUE(s.grow(new_size, Perm::kWrite).ok());
  EXPECT_EQ(this->mem_.pages_in_use(), pages + 5);
}

TYPED_TEST(AddressSpaceTest, GrowIntoANewLastLevelTableFailsCleanly) {
  auto& s = this->space_;
  const uint64_t table_span = testing_util::span<TypeParam>(1);
  ASSERT_TRUE(s.grow(table_span - kPageSize, Perm::kWrite).ok());
  const auto before = dump(s.table());
  const uint64_t pages = this->mem_.pages_in_use();
  for (uint64_t n = 1; n <= 3; ++n) {  // a new table and two frames
    this->mem_.fail_nth_alloc(n);
    EXPECT_EQ(s.grow(table_span + kPageSize, Perm::kWrite).error(), Error::kNoMemory);
    EXPECT_EQ(dump(s.table()), before);
    EXPECT_EQ(this->mem_.pages_in_use(), pages);
    this->mem_.clear_failures();
  }
  ASSERT_TRUE(s.grow(table_span + kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(this->mem_.pages_in_use(), pages + 3);
}

TYPED_TEST(AddressSpaceTest, GrowStopsAtTheLimit) {
  auto& s = this->space_;
  EXPECT_EQ(s.limit(), this->kTrapframeVa);
  EXPECT_EQ(s.grow(this->kTrapframeVa + 1, Perm::kWrite).error(), Error::kOutOfRange);
  EXPECT_EQ(s.grow(~uint64_t{0}, Perm::kWrite).error(), Error::kOutOfRange);
  s.set_limit(~uint64_t{0});
  EXPECT_EQ(s.limit(), this->kTrapframeVa);  // never above the trapframe
  s.set_limit(4 * kPageSize);
  ASSERT_TRUE(s.grow(4 * kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(s.grow(4 * kPageSize + 1, Perm::kWrite).error(), Error::kOutOfRange);
  EXPECT_EQ(s.size(), 4 * kPageSize);
}

TYPED_TEST(AddressSpaceTest, ShrinkFreesWholePagesAbove) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(5 * kPageSize, Perm::kWrite).ok());
  const uint64_t pages = this->mem_.pages_in_use();
  s.shrink(2 * kPageSize + 1);  // keeps the partial third page
  EXPECT_EQ(s.size(), 2 * kPageSize + 1);
  EXPECT_EQ(this->mem_.pages_in_use(), pages - 2);
  EXPECT_TRUE(s.table().translate(VirtAddr(2 * kPageSize)).ok());
  EXPECT_EQ(s.table().translate(VirtAddr(3 * kPageSize)).error(), Error::kNotMapped);
  s.shrink(10 * kPageSize);  // not a shrink
  EXPECT_EQ(s.size(), 2 * kPageSize + 1);
  s.shrink(0);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(this->mem_.pages_in_use(), pages - 5);
  ASSERT_TRUE(s.grow(kPageSize, Perm::kWrite).ok());  // and grows again from 0
  EXPECT_EQ(this->mem_.pages_in_use(), pages - 4);
}

TYPED_TEST(AddressSpaceTest, CopyToGivesTheChildAnEqualIndependentCopy) {
  auto& parent = this->space_;
  ASSERT_TRUE(parent.grow(3 * kPageSize + 10, Perm::kWrite).ok());
  ASSERT_TRUE(parent.clear_user(VirtAddr(kPageSize)).ok());  // a guard page, copied without U
  const char text[] = "fork me";
  EXPECT_EQ(parent.copy_out(VirtAddr(2 * kPageSize - 3), text, sizeof text).error(),
            Error::kBadAddress);  // starts in the guard page
  ASSERT_TRUE(parent.copy_out(VirtAddr(3 * kPageSize - 3), text, sizeof text).ok());
  auto child = this->new_space();
  const uint64_t pages = this->mem_.pages_in_use();
  ASSERT_TRUE(parent.copy_to(child).ok());
  EXPECT_EQ(child.size(), parent.size());
  // Four frames, and the tables for the path to VA 0 (the top of the space has its own path).
  EXPECT_EQ(this->mem_.pages_in_use(), pages + 4 + (TypeParam::kLevels - 1));
  char buf[sizeof text] = {};
  ASSERT_TRUE(child.copy_in(buf, VirtAddr(3 * kPageSize - 3), sizeof buf).ok());
  EXPECT_STREQ(buf, text);
  EXPECT_EQ(child.copy_in(buf, VirtAddr(kPageSize), 1).error(), Error::kBadAddress);  // guard
  ASSERT_TRUE(child.copy_out(VirtAddr(3 * kPageSize - 3), "X", 1).ok());
  ASSERT_TRUE(parent.copy_in(buf, VirtAddr(3 * kPageSize - 3), 1).ok());
  EXPECT_EQ(buf[0], 'f');
  EXPECT_EQ(parent.copy_to(child).error(), Error::kInvalid);  // the child is not fresh
  child.destroy();
  EXPECT_EQ(this->mem_.pages_in_use(), pages - TypeParam::kLevels);  // the child's own tables
}

TYPED_TEST(AddressSpaceTest, CopyToFailureAtEveryAllocationLeavesTheChildFresh) {
  auto& parent = this->space_;
  ASSERT_TRUE(parent.grow(4 * kPageSize, Perm::kWrite).ok());
  auto child = this->new_space();
  const auto child_before = dump(child.table());
  const uint64_t pages = this->mem_.pages_in_use();
  const uint64_t needed = 4 + (TypeParam::kLevels - 1);  // frames + the path to VA 0
  for (uint64_t n = 1; n <= needed; ++n) {
    this->mem_.fail_nth_alloc(n);
    EXPECT_EQ(parent.copy_to(child).error(), Error::kNoMemory) << "n=" << n;
    EXPECT_EQ(child.size(), 0u);
    EXPECT_EQ(dump(child.table()), child_before);
    EXPECT_EQ(this->mem_.pages_in_use(), pages);
    this->mem_.clear_failures();
  }
  ASSERT_TRUE(parent.copy_to(child).ok());
  EXPECT_EQ(child.size(), 4 * kPageSize);
  EXPECT_EQ(this->mem_.pages_in_use(), pages + needed);
  child.destroy();
  EXPECT_EQ(this->mem_.pages_in_use(), pages - TypeParam::kLevels);
}

TYPED_TEST(AddressSpaceTest, ClearUserMakesTheGuardPageInaccessible) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(2 * kPageSize, Perm::kWrite).ok());
  ASSERT_TRUE(s.clear_user(VirtAddr(kPageSize + 123)).ok());
  const auto* pte = s.table().walk(VirtAddr(kPageSize));
  EXPECT_TRUE(pte->valid());
  EXPECT_FALSE(pte->user());
  EXPECT_TRUE(pte->writable());
  char c;
  EXPECT_EQ(s.copy_in(&c, VirtAddr(kPageSize), 1).error(), Error::kBadAddress);
  EXPECT_EQ(s.copy_out(VirtAddr(kPageSize), &c, 1).error(), Error::kBadAddress);
  EXPECT_TRUE(s.copy_in(&c, VirtAddr(0), 1).ok());
  EXPECT_EQ(s.clear_user(VirtAddr(2 * kPageSize)).error(), Error::kOutOfRange);
  EXPECT_EQ(s.clear_user(VirtAddr(this->kTrapframeVa)).error(), Error::kOutOfRange);
  EXPECT_TRUE(s.clear_user(VirtAddr(kPageSize)).ok());  // again: nothing to do
}

TYPED_TEST(AddressSpaceTest, DestroyFreesEverythingButTrampolineAndTrapframe) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(testing_util::span<TypeParam>(1) + 3 * kPageSize, Perm::kWrite).ok());
  ASSERT_TRUE(s.clear_user(VirtAddr(kPageSize)).ok());
  s.destroy();
  EXPECT_FALSE(s.table().valid());
  EXPECT_EQ(this->mem_.pages_in_use(), 2u);
  EXPECT_TRUE(this->mem_.allocated(this->trampoline_));
  EXPECT_TRUE(this->mem_.allocated(this->trapframe_));
}

TYPED_TEST(AddressSpaceTest, CopyOutAndCopyInAcrossPages) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(3 * kPageSize, Perm::kWrite).ok());
  std::vector<unsigned char> data(kPageSize + 200);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7);
  const VirtAddr at(kPageSize - 100);  // spans three pages
  ASSERT_TRUE(s.copy_out(at, data.data(), data.size()).ok());
  std::vector<unsigned char> back(data.size());
  ASSERT_TRUE(s.copy_in(back.data(), at, back.size()).ok());
  EXPECT_EQ(back, data);
  // Exactly the last byte of user memory, and nothing beyond.
  ASSERT_TRUE(s.copy_out(VirtAddr(3 * kPageSize - 1), "z", 1).ok());
  EXPECT_EQ(s.copy_out(VirtAddr(3 * kPageSize - 1), "zz", 2).error(), Error::kBadAddress);
  EXPECT_EQ(s.copy_in(back.data(), VirtAddr(3 * kPageSize - 1), 2).error(), Error::kBadAddress);
  EXPECT_TRUE(s.copy_in(back.data(), VirtAddr(3 * kPageSize - 1), 1).ok());
  EXPECT_EQ(back[0], 'z');
  // Zero bytes touch nothing, wherever.
  EXPECT_TRUE(s.copy_in(back.data(), VirtAddr(~uint64_t{0}), 0).ok());
  EXPECT_TRUE(s.copy_out(VirtAddr(this->kTrapframeVa), data.data(), 0).ok());
}

TYPED_TEST(AddressSpaceTest, CopiesRefuseEveryByteOutsideUserMemory) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(2 * kPageSize, Perm::kWrite).ok());
  char buf[64] = {};
  const uint64_t max = TypeParam::kMaxVa;
  const VirtAddr bad[] = {
      VirtAddr(2 * kPageSize),            // just above size
      VirtAddr(this->kTrapframeVa),       // no U
      VirtAddr(this->kTrampolineVa + 8),  // no U
      VirtAddr(max),                      // at MAXVA
      VirtAddr(max + kPageSize),          // beyond
      VirtAddr(~uint64_t{0} - 10),        // wraps
  };
  for (VirtAddr va : bad) {
    EXPECT_EQ(s.copy_in(buf, va, sizeof buf).error(), Error::kBadAddress) << va.value();
    EXPECT_EQ(s.copy_out(va, buf, sizeof buf).error(), Error::kBadAddress) << va.value();
    EXPECT_EQ(s.copy_in_str(buf, va, sizeof buf).error(), Error::kBadAddress) << va.value();
  }
  // Ranges that start in user memory and run out of it.
  EXPECT_EQ(s.copy_in(buf, VirtAddr(2 * kPageSize - 10), 11).error(), Error::kBadAddress);
  EXPECT_EQ(s.copy_in(buf, VirtAddr(0), ~uint64_t{0}).error(), Error::kBadAddress);  // wraps
  EXPECT_EQ(s.copy_out(VirtAddr(kPageSize), buf, ~uint64_t{0} - kPageSize + 2).error(),
            Error::kBadAddress);
}

TYPED_TEST(AddressSpaceTest, CopyOutRefusesReadOnlyPagesAndWritesNothing) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(kPageSize, Perm::kWrite).ok());
  ASSERT_TRUE(s.grow(2 * kPageSize, Perm::kNone).ok());  // text: R|U only
  const std::string data(200, 'w');
  EXPECT_EQ(s.copy_out(VirtAddr(kPageSize - 100), data.data(), data.size()).error(),
            Error::kBadAddress);
  char back[100];
  ASSERT_TRUE(s.copy_in(back, VirtAddr(kPageSize - 100), sizeof back).ok());
  EXPECT_EQ(std::string(back, 100), std::string(100, '\0'));   // the writable half untouched
  EXPECT_TRUE(s.copy_in(back, VirtAddr(kPageSize), 10).ok());  // but it is readable
}

TYPED_TEST(AddressSpaceTest, CopyInStrEdgeCases) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(3 * kPageSize, Perm::kWrite).ok());
  ASSERT_TRUE(s.clear_user(VirtAddr(2 * kPageSize)).ok());
  const char hello[] = "hello, pages";
  const VirtAddr across(kPageSize - 5);  // crosses the page boundary
  ASSERT_TRUE(s.copy_out(across, hello, sizeof hello).ok());
  EXPECT_EQ(this->read_string(across, 100), "hello, pages");
  EXPECT_EQ(this->read_string(across, sizeof hello), "hello, pages");  // NUL fits exactly
  EXPECT_EQ(this->read_string(across, sizeof hello - 1), "error: too big");
  EXPECT_EQ(this->read_string(across, 0), "error: too big");
  EXPECT_EQ(this->read_string(across + 12, 5), "");
  // Unterminated up to the end of user memory (the guard page follows): bad address.
  const std::string fill(kPageSize, 'a');
  ASSERT_TRUE(s.copy_out(VirtAddr(kPageSize), fill.data(), fill.size()).ok());
  EXPECT_EQ(this->read_string(VirtAddr(2 * kPageSize - 10), 100), "error: bad address");
  EXPECT_EQ(this->read_string(VirtAddr(2 * kPageSize - 10), 10), "error: too big");
  // Terminated in the last byte of user memory.
  ASSERT_TRUE(s.copy_out(VirtAddr(2 * kPageSize - 1), "", 1).ok());
  EXPECT_EQ(this->read_string(VirtAddr(2 * kPageSize - 10), 100), std::string(9, 'a'));
}

TYPED_TEST(AddressSpaceTest, ObserverMirrorsExactlyTheUserPages) {
  auto& s = this->space_;
  MirrorObserver observer;
  s.set_observer(&observer);
  ASSERT_TRUE(s.grow(5 * kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(observer.mirror, testing_util::user_pages(s));
  EXPECT_EQ(observer.mirror.size(), 5u);
  ASSERT_TRUE(s.clear_user(VirtAddr(kPageSize)).ok());
  EXPECT_EQ(observer.mirror, testing_util::user_pages(s));
  EXPECT_EQ(observer.mirror.size(), 4u);
  s.shrink(3 * kPageSize);
  EXPECT_EQ(observer.mirror, testing_util::user_pages(s));
  auto child = this->new_space();
  MirrorObserver child_observer;
  child.set_observer(&child_observer);
  ASSERT_TRUE(s.copy_to(child).ok());
  EXPECT_EQ(child_observer.mirror, testing_util::user_pages(child));
  EXPECT_EQ(child_observer.mirror.size(), 2u);  // the guard page is not user-accessible
  child.destroy();
  EXPECT_TRUE(child_observer.mirror.empty());
  s.destroy();
  EXPECT_TRUE(observer.mirror.empty());
}

TYPED_TEST(AddressSpaceTest, ObserverFailureUndoesTheGrow) {
  auto& s = this->space_;
  MirrorObserver observer;
  s.set_observer(&observer);
  ASSERT_TRUE(s.grow(kPageSize, Perm::kWrite).ok());
  const uint64_t pages = this->mem_.pages_in_use();
  observer.maps = 0;
  observer.fail_on_map = 3;  // frames come in descending order: one run per page
  EXPECT_EQ(s.grow(6 * kPageSize, Perm::kWrite).error(), Error::kNoMemory);
  EXPECT_EQ(s.size(), kPageSize);
  EXPECT_EQ(observer.mirror, testing_util::user_pages(s));
  EXPECT_EQ(observer.mirror.size(), 1u);
  EXPECT_EQ(this->mem_.pages_in_use(), pages);  // every frame back; no new table was needed
  for (uint64_t i = 1; i < 6; ++i) {
    EXPECT_EQ(s.table().translate(VirtAddr(i * kPageSize)).error(), Error::kNotMapped);
  }
  observer.fail_on_map = 0;
  ASSERT_TRUE(s.grow(6 * kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(observer.mirror, testing_util::user_pages(s));
  s.destroy();
  EXPECT_TRUE(observer.mirror.empty());
}

TYPED_TEST(AddressSpaceTest, ObserverFailureFreesTheTablesTheGrowMade) {
  auto& s = this->space_;
  MirrorObserver observer;
  s.set_observer(&observer);
  // Past what one last-level table covers, so the grow needs a new one.
  const uint64_t table_span = kPageSize << TypeParam::kIndexBits;
  ASSERT_TRUE(s.grow(table_span - kPageSize, Perm::kWrite).ok());
  const uint64_t pages = this->mem_.pages_in_use();
  observer.fail_on_map = observer.maps + 1;
  EXPECT_EQ(s.grow(table_span + kPageSize, Perm::kWrite).error(), Error::kNoMemory);
  EXPECT_EQ(s.size(), table_span - kPageSize);
  EXPECT_EQ(this->mem_.pages_in_use(), pages);
  EXPECT_EQ(s.table().walk(VirtAddr(table_span)), nullptr);  // the new table is gone
  observer.fail_on_map = 0;
  ASSERT_TRUE(s.grow(table_span + kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(observer.mirror, testing_util::user_pages(s));
  s.destroy();  // while the observer lives
  EXPECT_TRUE(observer.mirror.empty());
}

TYPED_TEST(AddressSpaceTest, ObserverFailureUndoesTheCopy) {
  auto& parent = this->space_;
  ASSERT_TRUE(parent.grow(4 * kPageSize, Perm::kWrite).ok());
  auto child = this->new_space();
  MirrorObserver observer;
  child.set_observer(&observer);
  const uint64_t pages = this->mem_.pages_in_use();
  observer.fail_on_map = 2;
  EXPECT_EQ(parent.copy_to(child).error(), Error::kNoMemory);
  EXPECT_EQ(child.size(), 0u);
  EXPECT_TRUE(observer.mirror.empty());
  // The frames are back, and so are the tables the copy made in the child.
  EXPECT_EQ(this->mem_.pages_in_use(), pages);
  for (uint64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(child.table().translate(VirtAddr(i * kPageSize)).error(), Error::kNotMapped);
  }
  child.destroy();
}

using AddressSpaceDeathTest = AddressSpaceTest<riscv::Sv39>;

// A leaf that AddressSpace did not make (above size, below the trapframe) is a kernel bug at
// destroy time: freeing the tree would leak or free someone else's frame.
TEST_F(AddressSpaceDeathTest, DestroyWithAForeignMappingPanics) {
  const VirtAddr foreign(1 << 30);
  ASSERT_TRUE(space_.table().map(foreign, kPageSize, trampoline_, Perm::kRead).ok());
  EXPECT_DEATH(space_.destroy(), "unexpected mappings in the user page table");
  ASSERT_TRUE(space_.table().unmap(foreign, 1, FreeFrames::kNo).ok());
}

}  // namespace
}  // namespace pagoda::mm
