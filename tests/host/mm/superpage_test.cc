// Superpages on Sv39 (issue 12): level-1 leaves over 2 MiB blocks of the buddy FrameAllocator.
// Exact table shapes after map, split, unmap and copy (Hafnium style), contents kept across a
// split, promotion of an sbrk range to superpages and demotion on shrink in an AddressSpace with a
// mirroring observer, fallback to 4 KiB pages when no block is free, and out of memory at each
// allocation, each leaving the tree as it was and every frame accounted for.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/arch/x86/i386.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/frame_allocator.h"
#include "kernel/mm/page_table.h"
#include "tests/host/mm/mm_test_util.h"

namespace pagoda::mm {
namespace {

using riscv::Sv39;
using riscv::Sv39Pte;

struct NoLock {
  void acquire() {}
  void release() {}
};
using Frames = FrameAllocator<NoLock>;
using Table = PageTable<Sv39, Frames>;
using Space = AddressSpace<Sv39, Frames>;
using testing_util::dump;

constexpr uint64_t kSuper = uint64_t{2} << 20;
constexpr uint64_t kBase = 0x80000000;
constexpr uint64_t kRam = 32 * 1024 * 1024;  // 15 superpage blocks: the first 2 MiB holds metadata
constexpr Perm kUrw = Perm::kRead | Perm::kWrite | Perm::kUser;

static_assert(Table::kSuperpages);
static_assert(!PageTable<x86::I386, Frames>::kSuperpages);
static_assert(Table::kSuperpageSize == kSuper);
static_assert(BlockMemory<Frames>);

class SuperpageTest : public ::testing::Test {
 protected:
  SuperpageTest() : buf_(static_cast<unsigned char*>(std::aligned_alloc(kPageSize, kRam))) {
    frames_.add_range(PhysAddr(kBase), PhysAddr(kBase + kRam),
                      reinterpret_cast<uint64_t>(buf_) - kBase);
    start_free_ = frames_.free_pages();
  }
  ~SuperpageTest() override { std::free(buf_); }

  Sv39Pte at(PhysAddr table, size_t i) {
    return static_cast<const Sv39Pte*>(frames_.ptr(table))[i];
  }
  std::vector<size_t> valid(PhysAddr table) {
    std::vector<size_t> out;
    for (size_t i = 0; i < 512; ++i) {
      if (at(table, i).valid()) out.push_back(i);
    }
    return out;
  }
  uint64_t* words(PhysAddr pa) { return static_cast<uint64_t*>(frames_.ptr(pa)); }
  // Writes a distinct word at the start of every page of [va, va + size) through the table.
  template <class T>
  void stamp(T& table, uint64_t va, uint64_t size, uint64_t salt = 0) {
    for (uint64_t a = va; a < va + size; a += kPageSize) {
      *words(table.translate(VirtAddr(a)).value()) = a ^ salt;
    }
  }
  template <class T>
  bool stamped(T& table, uint64_t va, uint64_t size, uint64_t salt = 0) {
    for (uint64_t a = va; a < va + size; a += kPageSize) {
      auto pa = table.translate(VirtAddr(a));
      if (!pa.ok() || *words(*pa) != (a ^ salt)) return false;
    }
    return true;
  }
  // Takes every free 2 MiB block so that none is left, then frees all but the last frame of one,
  // so that 4 KiB frames remain plentiful while no aligned 2 MiB is free. give_back() undoes it.
  std::vector<PhysAddr> take_all_blocks() {
    std::vector<PhysAddr> out;
    for (auto b = frames_.alloc_superpage(); b.ok(); b = frames_.alloc_superpage()) {
      out.push_back(*b);
    }
    EXPECT_GE(out.size(), kPartial);
    for (size_t b = out.size() - kPartial; b < out.size(); ++b) {
      for (uint64_t i = 0; i + 1 < 512; ++i) frames_.free(out[b] + i * kPageSize);
    }
    return out;
  }
  void give_back(const std::vector<PhysAddr>& blocks) {
    for (size_t b = 0; b < blocks.size(); ++b) {
      if (b + kPartial < blocks.size()) {
        frames_.free_block(blocks[b], Frames::kSuperpageOrder);
      } else {
        frames_.free(blocks[b] + 511 * kPageSize);
      }
    }
  }
  static constexpr size_t kPartial = 3;  // blocks take_all_blocks leaves one frame of

  unsigned char* buf_;
  Frames frames_;
  uint64_t start_free_ = 0;
};

TEST_F(SuperpageTest, MapSuperpageMakesOneLevel1Leaf) {
  auto table = Table::create(frames_).value();
  const PhysAddr block = frames_.alloc_superpage().value();
  ASSERT_TRUE(table.map_superpage(VirtAddr(3 * kSuper), block, kUrw).ok());
  const PhysAddr root = table.root();
  ASSERT_EQ(valid(root), std::vector<size_t>{0});
  const PhysAddr l1 = at(root, 0).phys();
  EXPECT_FALSE(at(root, 0).is_leaf());
  ASSERT_EQ(valid(l1), std::vector<size_t>{3});
  EXPECT_TRUE(at(l1, 3).is_leaf());
  EXPECT_EQ(at(l1, 3), Sv39Pte::make_leaf(block, kUrw));
  int level = -1;
  EXPECT_EQ(table.find_leaf(VirtAddr(3 * kSuper + 0x12345), &level), &static_cast<Sv39Pte*>(frames_.ptr(l1))[3]);
  EXPECT_EQ(level, 1);
  EXPECT_EQ(table.translate(VirtAddr(3 * kSuper + 0x12345)).value(), block + 0x12345);
  EXPECT_EQ(table.translate_user(VirtAddr(3 * kSuper + 8)).value(), block + 8);
  EXPECT_EQ(table.walk(VirtAddr(3 * kSuper)), nullptr);  // walk() is level-0 slots only
  EXPECT_EQ(table.find_leaf(VirtAddr(4 * kSuper)), nullptr);
  // Two tables and nothing else: root and the level-1 table.
  EXPECT_EQ(frames_.free_pages(), start_free_ - 512 - 2);
  ASSERT_TRUE(table.unmap(VirtAddr(3 * kSuper), 512, FreeFrames::kYes).ok());
  EXPECT_EQ(valid(l1), std::vector<size_t>{});
  ASSERT_TRUE(table.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
  EXPECT_EQ(frames_.free_blocks(Frames::kSuperpageOrder), 1u);  // merged back: 15 = 7 * 2 + 1
}

TEST_F(SuperpageTest, MapSuperpageRefusesWhatItCannotMap) {
  auto table = Table::create(frames_).value();
  const PhysAddr block = frames_.alloc_superpage().value();
  EXPECT_EQ(table.map_superpage(VirtAddr(kSuper + kPageSize), block, kUrw).error(),
            Error::kMisaligned);
  EXPECT_EQ(table.map_superpage(VirtAddr(kSuper), block + kPageSize, kUrw).error(),
            Error::kMisaligned);
  EXPECT_EQ(table.map_superpage(VirtAddr(kSuper), block, Perm::kWrite).error(), Error::kInvalid);
  EXPECT_EQ(table.map_superpage(VirtAddr(Sv39::kMaxVa), block, kUrw).error(),
            Error::kOutOfRange);
  ASSERT_TRUE(table.map(VirtAddr(kSuper + 5 * kPageSize), kPageSize, block, kUrw).ok());
  const auto before = dump(table);
  EXPECT_EQ(table.map_superpage(VirtAddr(kSuper), block, kUrw).error(), Error::kAlreadyMapped);
  EXPECT_EQ(dump(table), before);
  ASSERT_TRUE(table.map_superpage(VirtAddr(2 * kSuper), block, kUrw).ok());
  EXPECT_EQ(table.map_superpage(VirtAddr(2 * kSuper), block, kUrw).error(),
            Error::kAlreadyMapped);
  // A 4 KiB page under a superpage is refused too.
  EXPECT_EQ(table.map(VirtAddr(2 * kSuper + kPageSize), kPageSize, block, kUrw).error(),
            Error::kAlreadyMapped);
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper + 5 * kPageSize), 1, FreeFrames::kNo).ok());
  ASSERT_TRUE(table.unmap(VirtAddr(2 * kSuper), 512, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
}

TEST_F(SuperpageTest, AnEmptyLevel0TableLeftByUnmapIsReplaced) {
  auto table = Table::create(frames_).value();
  ASSERT_TRUE(table.map_zeroed(VirtAddr(kSuper), kPageSize, kUrw).ok());
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper), 1, FreeFrames::kYes).ok());
  const uint64_t with_empty_table = frames_.free_pages();
  ASSERT_TRUE(table.map_zeroed_superpage(VirtAddr(kSuper), kUrw).ok());
  EXPECT_EQ(frames_.free_pages(), with_empty_table - 512 + 1);  // the empty table went
  const PhysAddr l1 = at(table.root(), 0).phys();
  EXPECT_TRUE(at(l1, 1).is_leaf());
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper), 512, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
}

TEST_F(SuperpageTest, MapZeroedSuperpageZeroesAndFailsCleanly) {
  auto table = Table::create(frames_).value();
  ASSERT_TRUE(table.map_zeroed_superpage(VirtAddr(0), kUrw).ok());
  const PhysAddr pa = table.translate(VirtAddr(0)).value();
  EXPECT_EQ(pa.value() % kSuper, 0u);
  const auto* bytes = static_cast<const unsigned char*>(frames_.ptr(pa));
  for (uint64_t i = 0; i < kSuper; ++i) ASSERT_EQ(bytes[i], 0) << i;
  // Out of memory at each allocation of a second one: the block, then the table.
  for (uint64_t n = 1; n <= 2; ++n) {
    const auto before = dump(table);
    const uint64_t free_before = frames_.free_pages();
    frames_.set_fault_plan(FaultPlan::nth(n));
    EXPECT_EQ(table.map_zeroed_superpage(VirtAddr(Sv39::kMaxVa / 2), kUrw).error(),
              Error::kNoMemory)
        << n;
    EXPECT_EQ(frames_.set_fault_plan(FaultPlan()), 1u);
    EXPECT_EQ(dump(table), before);
    EXPECT_EQ(frames_.free_pages(), free_before);
  }
  // No block free: kNoMemory though single frames remain.
  auto blocks = take_all_blocks();
  EXPECT_EQ(table.map_zeroed_superpage(VirtAddr(kSuper), kUrw).error(), Error::kNoMemory);
  EXPECT_GT(frames_.free_pages(), 0u);
  give_back(blocks);
  ASSERT_TRUE(table.unmap(VirtAddr(0), 512, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
}

TEST_F(SuperpageTest, SplitKeepsEveryPageAndItsBits) {
  auto table = Table::create(frames_).value();
  ASSERT_TRUE(table.map_zeroed_superpage(VirtAddr(kSuper), kUrw).ok());
  stamp(table, kSuper, kSuper);
  const PhysAddr l1 = at(table.root(), 0).phys();
  const Sv39Pte leaf = at(l1, 1);
  // Out of memory for the new table: the leaf stays.
  frames_.set_fault_plan(FaultPlan::all());
  EXPECT_EQ(table.split_superpage(VirtAddr(kSuper + 77 * kPageSize)).error(), Error::kNoMemory);
  frames_.set_fault_plan(FaultPlan());
  EXPECT_EQ(at(l1, 1), leaf);
  ASSERT_TRUE(table.split_superpage(VirtAddr(kSuper + 77 * kPageSize)).ok());
  ASSERT_FALSE(at(l1, 1).is_leaf());
  const PhysAddr l0 = at(l1, 1).phys();
  ASSERT_EQ(valid(l0).size(), 512u);
  for (size_t i = 0; i < 512; ++i) {
    EXPECT_EQ(at(l0, i), Sv39Pte::make_leaf(leaf.phys() + i * kPageSize, kUrw)) << i;
  }
  EXPECT_TRUE(stamped(table, kSuper, kSuper));
  EXPECT_TRUE(table.split_superpage(VirtAddr(kSuper)).ok());  // already 4 KiB: nothing to do
  EXPECT_EQ(table.split_superpage(VirtAddr(8 * kSuper)).error(), Error::kNotMapped);
  // The split frames free one by one and merge back into the block.
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper), 512, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
  EXPECT_EQ(frames_.free_blocks(Frames::kSuperpageOrder), 1u);
}

TEST_F(SuperpageTest, UnmapOfPartOfASuperpageSplitsItAndKeepsTheRest) {
  auto table = Table::create(frames_).value();
  ASSERT_TRUE(table.map_zeroed_superpage(VirtAddr(kSuper), kUrw).ok());
  stamp(table, kSuper, kSuper);
  const uint64_t free_before = frames_.free_pages();
  // Out of memory for the split: nothing changes.
  const auto before = dump(table);
  frames_.set_fault_plan(FaultPlan::all());
  EXPECT_EQ(table.unmap(VirtAddr(kSuper + kSuper / 2), 256, FreeFrames::kYes).error(),
            Error::kNoMemory);
  frames_.set_fault_plan(FaultPlan());
  EXPECT_EQ(dump(table), before);
  // The upper half goes: a table of 256 leaves remains.
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper + kSuper / 2), 256, FreeFrames::kYes).ok());
  EXPECT_EQ(frames_.free_pages(), free_before + 256 - 1);
  const PhysAddr l1 = at(table.root(), 0).phys();
  ASSERT_FALSE(at(l1, 1).is_leaf());
  const auto left = valid(at(l1, 1).phys());
  ASSERT_EQ(left.size(), 256u);
  EXPECT_EQ(left.front(), 0u);
  EXPECT_EQ(left.back(), 255u);
  EXPECT_TRUE(stamped(table, kSuper, kSuper / 2));
  EXPECT_EQ(table.find_leaf(VirtAddr(kSuper + kSuper / 2)), nullptr);
  // A middle page of what is left, then the rest.
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper + 100 * kPageSize), 1, FreeFrames::kYes).ok());
  EXPECT_EQ(table.unmap(VirtAddr(kSuper), 256, FreeFrames::kYes).error(), Error::kNotMapped);
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper), 100, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper + 101 * kPageSize), 155, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
  EXPECT_EQ(frames_.free_blocks(Frames::kSuperpageOrder), 1u);
}

TEST_F(SuperpageTest, UnmapAcrossSuperpagesAndPages) {
  auto table = Table::create(frames_).value();
  ASSERT_TRUE(table.map_zeroed(VirtAddr(kSuper - 4 * kPageSize), 4 * kPageSize, kUrw).ok());
  ASSERT_TRUE(table.map_zeroed_superpage(VirtAddr(kSuper), kUrw).ok());
  ASSERT_TRUE(table.map_zeroed_superpage(VirtAddr(2 * kSuper), kUrw).ok());
  // From the last two 4 KiB pages into the middle of the second superpage: the first goes whole,
  // the second splits.
  ASSERT_TRUE(
      table.unmap(VirtAddr(kSuper - 2 * kPageSize), 2 + 512 + 10, FreeFrames::kYes).ok());
  const PhysAddr l1 = at(table.root(), 0).phys();
  EXPECT_FALSE(at(l1, 1).valid());
  ASSERT_TRUE(at(l1, 2).valid());
  EXPECT_FALSE(at(l1, 2).is_leaf());
  EXPECT_EQ(valid(at(l1, 2).phys()).size(), 502u);
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper - 4 * kPageSize), 2, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.unmap(VirtAddr(2 * kSuper + 10 * kPageSize), 502, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
}

TEST_F(SuperpageTest, CopyGivesTheChildItsOwnSuperpage) {
  auto parent = Table::create(frames_).value();
  ASSERT_TRUE(parent.map_zeroed(VirtAddr(0), kSuper, kUrw).ok());
  ASSERT_TRUE(parent.map_zeroed_superpage(VirtAddr(kSuper), kUrw).ok());
  stamp(parent, 0, 2 * kSuper);
  auto child = Table::create(frames_).value();
  ASSERT_TRUE(parent.copy_to(child, 2 * kSuper).ok());
  const PhysAddr l1 = at(child.root(), 0).phys();
  ASSERT_TRUE(at(l1, 1).is_leaf());
  EXPECT_NE(at(l1, 1).phys(), parent.translate(VirtAddr(kSuper)).value());
  EXPECT_EQ(at(l1, 1).phys().value() % kSuper, 0u);
  EXPECT_TRUE(at(l1, 1).writable());
  EXPECT_EQ(at(l1, 1).raw() & 0x3ff, Sv39Pte::make_leaf(PhysAddr(0), kUrw).raw());
  EXPECT_TRUE(stamped(child, 0, 2 * kSuper));
  stamp(child, kSuper, kSuper, 0xff);  // the child's own copy
  EXPECT_TRUE(stamped(parent, 0, 2 * kSuper));
  ASSERT_TRUE(child.unmap(VirtAddr(0), 1024, FreeFrames::kYes).ok());
  ASSERT_TRUE(child.destroy().ok());
  // Without a free block the child gets 4 KiB pages with the same contents.
  auto blocks = take_all_blocks();
  auto child2 = Table::create(frames_).value();
  ASSERT_TRUE(parent.copy_to(child2, 2 * kSuper).ok());
  const PhysAddr l1b = at(child2.root(), 0).phys();
  ASSERT_FALSE(at(l1b, 1).is_leaf());
  EXPECT_EQ(valid(at(l1b, 1).phys()).size(), 512u);
  EXPECT_TRUE(stamped(child2, 0, 2 * kSuper));
  ASSERT_TRUE(child2.unmap(VirtAddr(0), 1024, FreeFrames::kYes).ok());
  ASSERT_TRUE(child2.destroy().ok());
  give_back(blocks);
  ASSERT_TRUE(parent.unmap(VirtAddr(0), 1024, FreeFrames::kYes).ok());
  ASSERT_TRUE(parent.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
}

TEST_F(SuperpageTest, CopyOutOfMemoryAtEachAllocationLeavesTheChildEmpty) {
  auto parent = Table::create(frames_).value();
  ASSERT_TRUE(parent.map_zeroed(VirtAddr(0), kSuper, kUrw).ok());
  ASSERT_TRUE(parent.map_zeroed_superpage(VirtAddr(kSuper), kUrw).ok());
  const uint64_t start = frames_.free_pages();
  uint64_t n = 1;
  for (;; ++n) {
    ASSERT_LT(n, 2000u);
    auto child = Table::create(frames_).value();
    const uint64_t empty = frames_.free_pages();
    const auto before = dump(child);
    frames_.set_fault_plan(FaultPlan::nth(n));
    const Status s = parent.copy_to(child, 2 * kSuper);
    const uint64_t injected = frames_.set_fault_plan(FaultPlan());
    if (!s.ok()) {
      EXPECT_EQ(s.error(), Error::kNoMemory);
      EXPECT_EQ(dump(child), before);
      EXPECT_EQ(frames_.free_pages(), empty);
    } else {
      // Success even with a fault: the block's failure fell back to pages.
      ASSERT_TRUE(child.unmap(VirtAddr(0), 1024, FreeFrames::kYes).ok());
    }
    ASSERT_TRUE(child.destroy().ok());
    EXPECT_EQ(frames_.free_pages(), start) << n;
    if (injected == 0) break;
  }
  // The block, then the tables (over-counted) and the 512 pages, one by one.
  EXPECT_GT(n, 512u);
  ASSERT_TRUE(parent.unmap(VirtAddr(0), 1024, FreeFrames::kYes).ok());
  ASSERT_TRUE(parent.destroy().ok());
  EXPECT_EQ(frames_.free_pages(), start_free_);
}

TEST_F(SuperpageTest, VmprintShowsASuperpageAsOneLeafLine) {
  auto table = Table::create(frames_).value();
  ASSERT_TRUE(table.map_zeroed_superpage(VirtAddr(kSuper), kUrw).ok());
  const auto lines = dump(table);
  ASSERT_EQ(lines.size(), 3u);  // header, the root's entry, the leaf
  EXPECT_EQ(lines[2].rfind(" .. ..1: pte 0x", 0), 0u) << lines[2];
  ASSERT_TRUE(table.unmap(VirtAddr(kSuper), 512, FreeFrames::kYes).ok());
  ASSERT_TRUE(table.destroy().ok());
}

// ---- AddressSpace: sbrk's promotion to superpages and demotion on shrink ----

class SuperSpaceTest : public SuperpageTest {
 protected:
  SuperSpaceTest() {
    tramp_ = frames_.alloc().value();
    trapframe_ = frames_.alloc().value();
    space_ = Space::create(frames_, tramp_, trapframe_).value();
    space_.set_observer(&observer_);
    empty_free_ = frames_.free_pages();
  }
  ~SuperSpaceTest() override {
    space_.destroy();
    EXPECT_EQ(frames_.free_pages(), empty_free_ + 3);  // the root and two trampoline tables
    frames_.free(tramp_);
    frames_.free(trapframe_);
  }
  int level_at(uint64_t va) {
    int level = -1;
    return space_.table().find_leaf(VirtAddr(va), &level) == nullptr ? -1 : level;
  }
  // The observer holds exactly the user pages, each with its 4 KiB frame.
  void expect_mirrored() {
    std::map<uint64_t, PhysAddr> want;
    for (uint64_t va = 0; va < page_round_up(space_.size()); va += kPageSize) {
      const auto* pte = space_.table().find_leaf(VirtAddr(va));
      if (pte != nullptr && pte->user()) want[va] = space_.table().frame_of(VirtAddr(va)).value();
    }
    EXPECT_EQ(observer_.mirror, want);
  }

  PhysAddr tramp_, trapframe_;
  testing_util::MirrorObserver observer_;
  Space space_;
  uint64_t empty_free_ = 0;
};

TEST_F(SuperSpaceTest, GrowCoveringAnAlignedRangePromotesItToASuperpage) {
  ASSERT_TRUE(space_.grow(3 * kPageSize, Perm::kWrite).ok());  // "text"
  ASSERT_TRUE(space_.grow_superpages(2 * kSuper + 5 * kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(space_.size(), 2 * kSuper + 5 * kPageSize);
  EXPECT_EQ(level_at(0), 0);
  EXPECT_EQ(level_at(kSuper - kPageSize), 0);  // [12K, 2M) in pages
  EXPECT_EQ(level_at(kSuper), 1);              // [2M, 4M) one leaf
  EXPECT_EQ(level_at(2 * kSuper - kPageSize), 1);
  EXPECT_EQ(level_at(2 * kSuper), 0);  // the tail in pages
  EXPECT_EQ(level_at(2 * kSuper + 5 * kPageSize), -1);
  // The same PTE for all 512 pages of the superpage.
  const auto* leaf = space_.table().find_leaf(VirtAddr(kSuper));
  for (uint64_t va = kSuper; va < 2 * kSuper; va += kPageSize) {
    ASSERT_EQ(space_.table().find_leaf(VirtAddr(va)), leaf);
  }
  expect_mirrored();
  // copy_in / copy_out reach through the superpage.
  const char msg[] = "through a superpage";
  ASSERT_TRUE(space_.copy_out(VirtAddr(kSuper + kPageSize - 4), msg, sizeof(msg)).ok());
  char back[sizeof(msg)] = {};
  ASSERT_TRUE(space_.copy_in(back, VirtAddr(kSuper + kPageSize - 4), sizeof(msg)).ok());
  EXPECT_STREQ(back, msg);
  char str[64];
  EXPECT_EQ(space_.copy_in_str(str, VirtAddr(kSuper + kPageSize - 4), 64).value(),
            sizeof(msg) - 1);
}

TEST_F(SuperSpaceTest, ShrinkInsideASuperpageSplitsItKeepingTheRest) {
  ASSERT_TRUE(space_.grow_superpages(2 * kSuper, Perm::kWrite).ok());
  EXPECT_EQ(level_at(kSuper), 1);
  stamp(space_.table(), 0, 2 * kSuper);
  const uint64_t free_before = frames_.free_pages();
  const uint64_t new_size = kSuper + 100 * kPageSize + 10;
  // Out of memory for the split: the shrink is refused, nothing changes.
  frames_.set_fault_plan(FaultPlan::all());
  EXPECT_EQ(space_.split_for_shrink(new_size).error(), Error::kNoMemory);
  frames_.set_fault_plan(FaultPlan());
  EXPECT_EQ(level_at(kSuper), 1);
  ASSERT_TRUE(space_.split_for_shrink(new_size).ok());
  space_.shrink(new_size);
  EXPECT_EQ(level_at(kSuper), 0);
  EXPECT_EQ(level_at(0), 1);  // the first superpage is untouched
  EXPECT_EQ(level_at(kSuper + 100 * kPageSize), 0);  // the page holding the new end stays
  EXPECT_EQ(level_at(kSuper + 101 * kPageSize), -1);
  EXPECT_TRUE(stamped(space_.table(), 0, kSuper + 101 * kPageSize));
  EXPECT_EQ(frames_.free_pages(), free_before + (512 - 101) - 1);  // less the split's table
  expect_mirrored();
  // Shrinking to a 2 MiB boundary takes the whole first superpage with no split.
  ASSERT_TRUE(space_.split_for_shrink(0).ok());
  space_.shrink(0);
  expect_mirrored();
}

TEST_F(SuperSpaceTest, WithoutAFreeBlockGrowFallsBackToPages) {
  auto blocks = take_all_blocks();
  ASSERT_TRUE(space_.grow_superpages(kSuper, Perm::kWrite).ok());
  EXPECT_EQ(level_at(0), 0);
  EXPECT_EQ(level_at(kSuper - kPageSize), 0);
  expect_mirrored();
  give_back(blocks);
  ASSERT_TRUE(space_.grow_superpages(2 * kSuper, Perm::kWrite).ok());
  EXPECT_EQ(level_at(kSuper), 1);
  expect_mirrored();
}

TEST_F(SuperSpaceTest, ForkCopiesSuperpagesAndTellsTheChildsObserver) {
  ASSERT_TRUE(space_.grow_superpages(2 * kSuper + kPageSize, Perm::kWrite).ok());
  stamp(space_.table(), 0, 2 * kSuper + kPageSize);
  auto child = Space::create(frames_, tramp_, trapframe_).value();
  testing_util::MirrorObserver child_observer;
  child.set_observer(&child_observer);
  ASSERT_TRUE(space_.copy_to(child).ok());
  int level = -1;
  const auto* leaf = child.table().find_leaf(VirtAddr(kSuper), &level);
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(level, 1);
  EXPECT_TRUE(leaf->writable());
  EXPECT_NE(leaf->phys(), space_.table().frame_of(VirtAddr(kSuper)).value());
  EXPECT_TRUE(stamped(child.table(), 0, 2 * kSuper + kPageSize));
  EXPECT_EQ(child_observer.mirror.size(), 1025u);
  child.destroy();
  EXPECT_TRUE(child_observer.mirror.empty());
}

TEST_F(SuperSpaceTest, OutOfMemoryAtEachAllocationOfAGrowLosesNothing) {
  ASSERT_TRUE(space_.grow(kPageSize, Perm::kWrite).ok());
  const uint64_t start = frames_.free_pages();
  const auto before = dump(space_.table());
  uint64_t n = 1;
  for (;; ++n) {
    ASSERT_LT(n, 3000u);
    frames_.set_fault_plan(FaultPlan::nth(n));
    const Status s = space_.grow_superpages(2 * kSuper + 3 * kPageSize, Perm::kWrite);
    const uint64_t injected = frames_.set_fault_plan(FaultPlan());
    if (s.ok()) {
      expect_mirrored();
      ASSERT_TRUE(space_.split_for_shrink(kPageSize).ok());
      space_.shrink(kPageSize);
      space_.table().prune_empty_tables(VirtAddr(kPageSize), 4 * kSuper);
      if (injected == 0) break;
    } else {
      EXPECT_EQ(s.error(), Error::kNoMemory);
      EXPECT_EQ(space_.size(), kPageSize);
      expect_mirrored();
    }
    EXPECT_EQ(dump(space_.table()), before) << n;
    EXPECT_EQ(frames_.free_pages(), start) << n;
  }
  EXPECT_GT(n, 2u);
}

TEST_F(SuperSpaceTest, AnObserverThatRefusesTheSuperpageLeavesNothingBehind) {
  const uint64_t start = frames_.free_pages();
  observer_.fail_on_map = 1;  // the superpage's run; then the 4 KiB fallback succeeds
  ASSERT_TRUE(space_.grow_superpages(kSuper, Perm::kWrite).ok());
  EXPECT_EQ(level_at(0), 0);
  expect_mirrored();
  space_.shrink(0);
  space_.table().prune_empty_tables(VirtAddr(0), kSuper);
  EXPECT_EQ(frames_.free_pages(), start);
}

}  // namespace
}  // namespace pagoda::mm
