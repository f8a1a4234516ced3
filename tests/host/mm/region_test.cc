// RegionList: exact outcomes of insert/find/remove/resize, and a randomised run against a
// page-by-page model.
#include "kernel/mm/region.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace pagoda::mm {
namespace {

constexpr Perm kRw = Perm::kRead | Perm::kWrite | Perm::kUser;
constexpr Perm kRx = Perm::kRead | Perm::kExec | Perm::kUser;

Region region(uint64_t page, uint64_t pages, RegionKind kind, Perm perm = kRw) {
  return Region{VirtAddr(page * kPageSize), pages * kPageSize, perm, kind};
}

TEST(RegionList, InsertKeepsOrderAndFindsByAddress) {
  RegionList<4> list;
  ASSERT_TRUE(list.insert(region(10, 2, RegionKind::kHeap)).ok());
  ASSERT_TRUE(list.insert(region(0, 3, RegionKind::kText, kRx)).ok());
  ASSERT_TRUE(list.insert(region(3, 1, RegionKind::kGuard, Perm::kNone)).ok());
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].kind, RegionKind::kText);
  EXPECT_EQ(list[1].kind, RegionKind::kGuard);
  EXPECT_EQ(list[2].kind, RegionKind::kHeap);
  EXPECT_EQ(list.find(VirtAddr(2 * kPageSize + 5))->kind, RegionKind::kText);
  EXPECT_EQ(list.find(VirtAddr(3 * kPageSize))->kind, RegionKind::kGuard);
  EXPECT_EQ(list.find(VirtAddr(4 * kPageSize)), nullptr);
  EXPECT_EQ(list.find(VirtAddr(12 * kPageSize)), nullptr);
  EXPECT_EQ(list.find(VirtAddr(12 * kPageSize - 1))->kind, RegionKind::kHeap);
}

TEST(RegionList, InsertRefusesBadArgumentsOverlapAndAFullList) {
  RegionList<2> list;
  EXPECT_EQ(list.insert(region(0, 0, RegionKind::kData)).error(), Error::kInvalid);
  EXPECT_EQ(list.insert(Region{VirtAddr(1), kPageSize, kRw, RegionKind::kData}).error(),
            Error::kMisaligned);
  EXPECT_EQ(list.insert(Region{VirtAddr(0), 7, kRw, RegionKind::kData}).error(),
            Error::kMisaligned);
  EXPECT_EQ(list.insert(Region{VirtAddr(UINT64_MAX - kPageSize + 1), 2 * kPageSize, kRw,
                               RegionKind::kData})
                .error(),
            Error::kOutOfRange);
  ASSERT_TRUE(list.insert(region(4, 4, RegionKind::kData)).ok());
  EXPECT_EQ(list.insert(region(7, 2, RegionKind::kHeap)).error(), Error::kAlreadyMapped);
  EXPECT_EQ(list.insert(region(2, 3, RegionKind::kHeap)).error(), Error::kAlreadyMapped);
  EXPECT_EQ(list.insert(region(5, 1, RegionKind::kHeap)).error(), Error::kAlreadyMapped);
  ASSERT_TRUE(list.insert(region(8, 1, RegionKind::kStack)).ok());  // touching is fine
  EXPECT_EQ(list.insert(region(20, 1, RegionKind::kHeap)).error(), Error::kNoSpace);
  EXPECT_EQ(list.size(), 2u);
}

TEST(RegionList, RemoveShrinksSplitsOrDrops) {
  RegionList<3> list;
  ASSERT_TRUE(list.insert(region(0, 10, RegionKind::kAnonymous)).ok());
  ASSERT_TRUE(list.remove(VirtAddr(0), kPageSize).ok());  // front
  EXPECT_EQ(list[0].start, VirtAddr(kPageSize));
  ASSERT_TRUE(list.remove(VirtAddr(9 * kPageSize), kPageSize).ok());  // back
  EXPECT_EQ(list[0].end(), 9 * kPageSize);
  ASSERT_TRUE(list.remove(VirtAddr(4 * kPageSize), 2 * kPageSize).ok());  // middle: split
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].start, VirtAddr(kPageSize));
  EXPECT_EQ(list[0].size, 3 * kPageSize);
  EXPECT_EQ(list[1].start, VirtAddr(6 * kPageSize));
  EXPECT_EQ(list[1].size, 3 * kPageSize);
  EXPECT_EQ(list[1].kind, RegionKind::kAnonymous);
  EXPECT_EQ(list.remove(VirtAddr(3 * kPageSize), 2 * kPageSize).error(), Error::kNotMapped);
  EXPECT_EQ(list.remove(VirtAddr(4 * kPageSize), kPageSize).error(), Error::kNotMapped);
  ASSERT_TRUE(list.remove(VirtAddr(kPageSize), 3 * kPageSize).ok());  // whole
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].start, VirtAddr(6 * kPageSize));
}

TEST(RegionList, SplitNeedsASlotAndFailsCleanly) {
  RegionList<1> list;
  ASSERT_TRUE(list.insert(region(0, 3, RegionKind::kData)).ok());
  EXPECT_EQ(list.remove(VirtAddr(kPageSize), kPageSize).error(), Error::kNoSpace);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].size, 3 * kPageSize);
}

TEST(RegionList, ResizeGrowsTheHeapUpToTheNextRegion) {
  RegionList<3> list;
  ASSERT_TRUE(list.insert(region(2, 1, RegionKind::kHeap)).ok());
  ASSERT_TRUE(list.insert(region(6, 1, RegionKind::kFileMap)).ok());
  ASSERT_TRUE(list.resize(VirtAddr(2 * kPageSize), 4 * kPageSize).ok());
  EXPECT_EQ(list[0].end(), 6 * kPageSize);
  EXPECT_EQ(list.resize(VirtAddr(2 * kPageSize), 5 * kPageSize).error(), Error::kAlreadyMapped);
  EXPECT_EQ(list.resize(VirtAddr(3 * kPageSize), kPageSize).error(), Error::kNotMapped);
  EXPECT_EQ(list.resize(VirtAddr(2 * kPageSize), 0).error(), Error::kInvalid);
  ASSERT_TRUE(list.resize(VirtAddr(2 * kPageSize), kPageSize).ok());
  EXPECT_EQ(list[0].size, kPageSize);
}

// The model: for each page of a small space, the id of the region piece covering it (0: none).
// A split gives the upper piece a new id, so piece boundaries are checked exactly.
TEST(RegionList, TruncateDropsAndTrimsEverythingAboveTheEnd) {
  RegionList<4> list;
  ASSERT_TRUE(list.insert(region(0, 2, RegionKind::kText, kRx)).ok());
  ASSERT_TRUE(list.insert(region(2, 1, RegionKind::kGuard, Perm::kNone)).ok());
  ASSERT_TRUE(list.insert(region(3, 1, RegionKind::kStack)).ok());
  ASSERT_TRUE(list.insert(region(4, 5, RegionKind::kHeap)).ok());
  EXPECT_EQ(list.truncate(VirtAddr(5 * kPageSize + 1)).error(), Error::kMisaligned);
  EXPECT_EQ(list.size(), 4u);
  ASSERT_TRUE(list.truncate(VirtAddr(9 * kPageSize)).ok());  // at the end: nothing changes
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(list[3].size, 5 * kPageSize);
  ASSERT_TRUE(list.truncate(VirtAddr(6 * kPageSize)).ok());  // trims the heap
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[3].end(), 6 * kPageSize);
  ASSERT_TRUE(list.truncate(VirtAddr(kPageSize)).ok());  // drops three, trims the text
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].kind, RegionKind::kText);
  EXPECT_EQ(list[0].size, kPageSize);
  EXPECT_EQ(list.find(VirtAddr(kPageSize)), nullptr);
  ASSERT_TRUE(list.truncate(VirtAddr(0)).ok());
  EXPECT_TRUE(list.empty());
}

TEST(RegionList, RandomOperationsAgreeWithAPageModel) {
  constexpr uint64_t kPages = 64;
  constexpr size_t kCap = 8;
  std::mt19937_64 rng(12345);
  RegionList<kCap> list;
  std::vector<int> owner(kPages, 0);
  std::vector<RegionKind> kind_of(1, RegionKind::kData);
  int next_id = 1;
  auto pieces = [&] {
    size_t n = 0;
    for (uint64_t p = 0; p < kPages; ++p)
      n += owner[p] != 0 && (p == 0 || owner[p - 1] != owner[p]);
    return n;
  };
  for (int step = 0; step < 20000; ++step) {
    const uint64_t first = rng() % kPages;
    const uint64_t pages = 1 + rng() % (kPages - first < 6 ? kPages - first : 6);
    const uint64_t last = first + pages;  // exclusive, within the model's space
    bool free = true, inside_one = owner[first] != 0;
    for (uint64_t p = first; p < last; ++p) {
      free = free && owner[p] == 0;
      inside_one = inside_one && owner[p] == owner[first];
    }
    const uint64_t op = rng() % 16;
    if (op == 0) {  // now and then, a truncate (sbrk's shrink)
      ASSERT_TRUE(list.truncate(VirtAddr(first * kPageSize)).ok()) << step;
      for (uint64_t p = first; p < kPages; ++p) owner[p] = 0;
    } else if (op % 2 == 0) {
      const auto kind = static_cast<RegionKind>(rng() % 7);
      const Status s = list.insert(region(first, pages, kind));
      ASSERT_EQ(s.ok(), free && pieces() < kCap) << step;
      if (s.ok()) {
        kind_of.push_back(kind);
        for (uint64_t p = first; p < last; ++p) owner[p] = next_id;
        ++next_id;
      } else {
        ASSERT_EQ(s.error(), free ? Error::kNoSpace : Error::kAlreadyMapped) << step;
      }
    } else {
      const int id = owner[first];
      const bool splits =
          inside_one && first > 0 && owner[first - 1] == id && last < kPages && owner[last] == id;
      const Status s = list.remove(VirtAddr(first * kPageSize), pages * kPageSize);
      if (!inside_one) {
        ASSERT_EQ(s.error(), Error::kNotMapped) << step;
        continue;
      }
      if (splits && pieces() == kCap) {
        ASSERT_EQ(s.error(), Error::kNoSpace) << step;
        continue;
      }
      ASSERT_TRUE(s.ok()) << step;
      for (uint64_t p = first; p < last; ++p) owner[p] = 0;
      if (splits) {
        kind_of.push_back(kind_of[id]);
        for (uint64_t p = last; p < kPages && owner[p] == id; ++p) owner[p] = next_id;
        ++next_id;
      }
    }
    // The list matches the model page by page, piece by piece.
    ASSERT_EQ(list.size(), pieces()) << step;
    for (uint64_t p = 0; p < kPages; ++p) {
      const Region* r = list.find(VirtAddr(p * kPageSize + 17));
      ASSERT_EQ(r != nullptr, owner[p] != 0) << step << " page " << p;
      if (r == nullptr) continue;
      uint64_t lo = p, hi = p + 1;
      while (lo > 0 && owner[lo - 1] == owner[p]) --lo;
      while (hi < kPages && owner[hi] == owner[p]) ++hi;
      ASSERT_EQ(r->start, VirtAddr(lo * kPageSize)) << step;
      ASSERT_EQ(r->end(), hi * kPageSize) << step;
      ASSERT_EQ(r->kind, kind_of[owner[p]]) << step;
    }
  }
}

}  // namespace
}  // namespace pagoda::mm
