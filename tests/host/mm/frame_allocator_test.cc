#include "kernel/mm/frame_allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <set>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/mm/page_table.h"

namespace pagoda::mm {
namespace {

struct LockStats {
  bool held = false;
  int acquisitions = 0;
};

// Checks the allocator takes its lock around every access and never twice. Its constructor
// argument comes through FrameAllocator's (as SpinLock's name does in the kernel).
class CheckingLock {
 public:
  explicit CheckingLock(LockStats* stats) : stats_(stats) {}
  void acquire() {
    EXPECT_FALSE(stats_->held);
    stats_->held = true;
    ++stats_->acquisitions;
  }
  void release() {
    EXPECT_TRUE(stats_->held);
    stats_->held = false;
  }

 private:
  LockStats* stats_;
};

constexpr uint64_t kPages = 16;
// The fake physical address of the first frame handed out. The buffer starts one page below it:
// the allocator keeps its metadata (one byte per frame) in the first page of a range.
constexpr uint64_t kStart = 0x80000000;
constexpr uint64_t kMeta = kStart - kPageSize;

class FrameAllocatorTest : public ::testing::Test {
 protected:
  FrameAllocatorTest()
      : buffer_(static_cast<unsigned char*>(std::aligned_alloc(kPageSize, (kPages + 1) * kPageSize))) {}
  ~FrameAllocatorTest() override { std::free(buffer_); }

  uint64_t offset() const { return reinterpret_cast<uint64_t>(buffer_) - kMeta; }
  void add_all() {
    alloc_.add_range(PhysAddr(kMeta), PhysAddr(kStart + kPages * kPageSize), offset());
  }
  bool filled(PhysAddr pa, unsigned char byte, uint64_t from = 0) {
    const auto* p = static_cast<const unsigned char*>(alloc_.ptr(pa));
    for (uint64_t i = from; i < kPageSize; ++i) {
      if (p[i] != byte) return false;
    }
    return true;
  }

  unsigned char* buffer_;
  LockStats lock_;
  FrameAllocator<CheckingLock> alloc_{&lock_};
};

TEST_F(FrameAllocatorTest, CountsAndExhaustion) {
  add_all();
  EXPECT_EQ(alloc_.total_pages(), kPages + 1);  // the metadata page too
  EXPECT_EQ(alloc_.free_pages(), kPages);
  std::set<uint64_t> seen;
  for (uint64_t i = 0; i < kPages; ++i) {
    auto pa = alloc_.alloc();
    ASSERT_TRUE(pa.ok());
    EXPECT_TRUE(pa->page_aligned());
    EXPECT_GE(pa->value(), kStart);
    EXPECT_LT(pa->value(), kStart + kPages * kPageSize);
    EXPECT_TRUE(seen.insert(pa->value()).second) << "handed out twice";
    EXPECT_EQ(alloc_.free_pages(), kPages - i - 1);
  }
  auto none = alloc_.alloc();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error(), Error::kNoMemory);
  for (uint64_t pa : seen) alloc_.free(PhysAddr(pa));
  EXPECT_EQ(alloc_.free_pages(), kPages);
  EXPECT_EQ(alloc_.total_pages(), kPages + 1);
  EXPECT_TRUE(alloc_.alloc().ok());
}

// alloc() paints 5s (xv6 kalloc); free() scrubs to zeros (xv6 kfree paints 1s) but for the two
// words that link the free lists; alloc_zeroed() of that frame is zeros through and through.
TEST_F(FrameAllocatorTest, AllocPaintsFivesFreeScrubsToZero) {
  add_all();
  auto pa = alloc_.alloc().value();
  EXPECT_TRUE(filled(pa, 5));
  alloc_.free(pa);
  EXPECT_TRUE(filled(pa, 0, 2 * sizeof(uint64_t)));
  EXPECT_EQ(alloc_.alloc().value(), pa);  // the same split again
  alloc_.free(pa);
  EXPECT_EQ(alloc_.alloc_zeroed().value(), pa);
  EXPECT_TRUE(filled(pa, 0));
}

TEST_F(FrameAllocatorTest, RangeIsRoundedToWholePages) {
  alloc_.add_range(PhysAddr(kStart + 1), PhysAddr(kStart + 4 * kPageSize - 1), offset());
  EXPECT_EQ(alloc_.total_pages(), 2u);  // pages 1 and 2, and page 1 holds the metadata
  EXPECT_EQ(alloc_.free_pages(), 1u);
  EXPECT_EQ(alloc_.alloc()->value(), kStart + 2 * kPageSize);
  EXPECT_FALSE(alloc_.alloc().ok());
}

TEST_F(FrameAllocatorTest, LockTakenForEveryOperation) {
  LockStats& lock = lock_;
  add_all();
  int n = lock.acquisitions;
  auto pa = alloc_.alloc().value();
  EXPECT_EQ(lock.acquisitions, n + 1);
  alloc_.free(pa);
  EXPECT_EQ(lock.acquisitions, n + 2);
  (void)alloc_.free_pages();
  (void)alloc_.total_pages();
  EXPECT_EQ(lock.acquisitions, n + 4);
  EXPECT_FALSE(lock.held);
}

TEST_F(FrameAllocatorTest, IsAPhysMemoryForPageTables) {
  static_assert(PhysMemory<FrameAllocator<CheckingLock>>);
  add_all();
  auto table = PageTable<riscv::Sv39, FrameAllocator<CheckingLock>>::create(alloc_).value();
  ASSERT_TRUE(table.map_zeroed(VirtAddr(0), 2 * kPageSize, Perm::kRead).ok());
  EXPECT_EQ(alloc_.free_pages(), kPages - 5);
  ASSERT_TRUE(table.unmap(VirtAddr(0), 2, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.destroy().ok());
  EXPECT_EQ(alloc_.free_pages(), kPages);
}

using FrameAllocatorDeathTest = FrameAllocatorTest;

TEST_F(FrameAllocatorDeathTest, FreeingAMisalignedPagePanicsWithTheAddress) {
  add_all();
  EXPECT_DEATH(alloc_.free(PhysAddr(kStart + 8)), "kfree: bad frame 0x80000008");
}

TEST_F(FrameAllocatorDeathTest, FreeingOutsideTheRangePanics) {
  add_all();
  EXPECT_DEATH(alloc_.free(PhysAddr(kStart - kPageSize)), "kfree: bad frame 0x7ffff000");
  EXPECT_DEATH(alloc_.free(PhysAddr(kStart + kPages * kPageSize)), "kfree: bad frame 0x80010000");
}

TEST_F(FrameAllocatorDeathTest, DoubleFreePanics) {
  add_all();
  auto pa = alloc_.alloc().value();
  alloc_.free(pa);
  EXPECT_DEATH(alloc_.free(pa), "kfree: double free of 0x8000f000");
}

TEST_F(FrameAllocatorTest, APageThatMerelyHoldsOnesIsNotADoubleFree) {
  add_all();
  auto pa = alloc_.alloc().value();
  std::memset(alloc_.ptr(pa), 1, kPageSize);
  alloc_.free(pa);
  EXPECT_EQ(alloc_.free_pages(), kPages);
}

TEST_F(FrameAllocatorDeathTest, AddRangeTwicePanics) {
  add_all();
  EXPECT_DEATH(add_all(), "add_range: called twice");
}

// The two phases of xv6-x86's kinit1/kinit2: the first range, then the rest up to a new end.
TEST_F(FrameAllocatorTest, ExtendAddsThePagesAboveTheFirstRange) {
  alloc_.add_range(PhysAddr(kMeta), PhysAddr(kStart + 4 * kPageSize), offset());
  EXPECT_EQ(alloc_.total_pages(), 5u);
  alloc_.extend(PhysAddr(kStart + kPages * kPageSize + 100));  // rounded down to a page
  // The 12 new pages are a zone of their own, whose first page holds its metadata.
  EXPECT_EQ(alloc_.total_pages(), kPages + 1);
  EXPECT_EQ(alloc_.free_pages(), kPages - 1);
  std::set<uint64_t> seen;
  for (uint64_t i = 0; i < kPages - 1; ++i) {
    auto pa = alloc_.alloc();
    ASSERT_TRUE(pa.ok());
    EXPECT_LT(pa->value(), kStart + kPages * kPageSize);
    EXPECT_TRUE(seen.insert(pa->value()).second) << "handed out twice";
  }
  EXPECT_FALSE(alloc_.alloc().ok());
  alloc_.free(PhysAddr(kStart + (kPages - 1) * kPageSize));  // the extended range is its own
  EXPECT_EQ(alloc_.free_pages(), 1u);
}

TEST_F(FrameAllocatorTest, ExtendNotAboveTheEndChangesNothing) {
  alloc_.add_range(PhysAddr(kMeta), PhysAddr(kStart + 4 * kPageSize), offset());
  alloc_.extend(PhysAddr(kStart + 4 * kPageSize));
  alloc_.extend(PhysAddr(kStart + 2 * kPageSize));
  EXPECT_EQ(alloc_.total_pages(), 5u);
  EXPECT_EQ(alloc_.free_pages(), 4u);
}

TEST_F(FrameAllocatorDeathTest, ExtendBeforeAddRangePanics) {
  EXPECT_DEATH(alloc_.extend(PhysAddr(kStart + kPageSize)), "extend: before add_range");
}

TEST_F(FrameAllocatorDeathTest, FreeingAFrameOfAFreeBlockPanics) {
  add_all();
  // Every frame is free, merged into one block: its first frame and one inside it.
  EXPECT_DEATH(alloc_.free(PhysAddr(kStart)), "kfree: double free of 0x80000000");
  EXPECT_DEATH(alloc_.free(PhysAddr(kStart + 5 * kPageSize)), "kfree: double free of 0x80005000");
  EXPECT_DEATH(alloc_.free(PhysAddr(kMeta)), "kfree: bad frame 0x7ffff000");
}

}  // namespace
}  // namespace pagoda::mm
