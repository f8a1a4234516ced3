// The buddy side of FrameAllocator: blocks of 2^order frames aligned to their size, merging on free,
// every frame accounted for against a simple model under random runs, junk fills of blocks, fault
// plans on blocks, superpage exhaustion while single frames remain, metadata sized from the range,
// and the per-CPU caches (single-threaded with a fake CPU id, and under real threads).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "kernel/mm/frame_allocator.h"

namespace pagoda::mm {
namespace {

struct NoLock {
  void acquire() {}
  void release() {}
};

class MutexLock {
 public:
  void acquire() { m_.lock(); }
  void release() { m_.unlock(); }

 private:
  std::mutex m_;
};

// A fake CPU id for the cached allocator: set by the test (or per thread).
thread_local unsigned g_cpu = 0;
struct FakeCpus {
  static constexpr unsigned kCpus = 3;
  static unsigned current() { return g_cpu; }
  using CacheLock = MutexLock;
};

constexpr uint64_t kSuper = uint64_t{2} << 20;
constexpr uint64_t kBase = 0x80000000;  // 2 MiB-aligned fake physical address of the buffer

// A host buffer standing for [kBase, kBase + bytes) of physical memory.
class Ram {
 public:
  explicit Ram(uint64_t bytes)
      : bytes_(bytes), buf_(static_cast<unsigned char*>(std::aligned_alloc(kPageSize, bytes))) {}
  ~Ram() { std::free(buf_); }
  uint64_t offset() const { return reinterpret_cast<uint64_t>(buf_) - kBase; }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t bytes_;
  unsigned char* buf_;
};

template <class Alloc>
bool filled(Alloc& a, PhysAddr pa, uint64_t size, unsigned char byte, uint64_t skip = 0) {
  const auto* p = static_cast<const unsigned char*>(a.ptr(pa));
  for (uint64_t i = skip; i < size; ++i) {
    if (p[i] != byte) return false;
  }
  return true;
}

using Frames = FrameAllocator<NoLock>;

// 8 MiB + the metadata page: [kBase, kBase + 4 KiB) metadata (2048 state bytes), then frames.
// The first 2 MiB-aligned block starts at kBase + 2 MiB.
class BuddyTest : public ::testing::Test {
 protected:
  BuddyTest() : ram_(8 * 1024 * 1024) {
    frames_.add_range(PhysAddr(kBase), PhysAddr(kBase + ram_.bytes()), ram_.offset());
  }
  Ram ram_;
  Frames frames_;
};

TEST_F(BuddyTest, MetadataIsCarvedFromTheRangeAndSizedByIt) {
  EXPECT_EQ(frames_.total_pages(), 2048u);     // the metadata page included
  EXPECT_EQ(frames_.free_pages(), 2048u - 1);  // one page holds 2048 state bytes
  // [kBase + 4K, kBase + 2M) is split into its largest aligned blocks; the rest are 2M blocks
  // merged pairwise into 4 MiB blocks (order 10).
  EXPECT_EQ(frames_.free_blocks(10), 1u);  // [4M, 8M)
  EXPECT_EQ(frames_.free_blocks(9), 1u);   // [2M, 4M)
  for (unsigned order = 0; order < 9; ++order) EXPECT_EQ(frames_.free_blocks(order), 1u) << order;
}

TEST_F(BuddyTest, LargerRangesGetMoreMetadataPages) {
  Ram big(64 * 1024 * 1024);
  Frames f;
  f.add_range(PhysAddr(kBase), PhysAddr(kBase + big.bytes()), big.offset());
  EXPECT_EQ(f.free_pages(), 16384u - 4);  // 16384 state bytes: four pages
  EXPECT_EQ(f.total_pages(), 16384u);
}

TEST_F(BuddyTest, SuperpageBlocksAreAlignedAndJunkFilled) {
  std::set<uint64_t> got;
  for (int i = 0; i < 3; ++i) {
    auto pa = frames_.alloc_superpage();
    ASSERT_TRUE(pa.ok()) << i;
    EXPECT_EQ(pa->value() % kSuper, 0u);
    EXPECT_TRUE(filled(frames_, *pa, kSuper, Frames::kAllocJunk));
    got.insert(pa->value());
  }
  EXPECT_EQ(got, (std::set<uint64_t>{kBase + kSuper, kBase + 2 * kSuper, kBase + 3 * kSuper}));
  // The first 2 MiB holds the metadata: no fourth block, though 511 frames remain.
  EXPECT_FALSE(frames_.alloc_superpage().ok());
  EXPECT_EQ(frames_.free_pages(), 511u);
  auto page = frames_.alloc();
  ASSERT_TRUE(page.ok());
  EXPECT_LT(page->value(), kBase + kSuper);
  frames_.free(*page);
  for (uint64_t pa : got) {
    frames_.free_block(PhysAddr(pa), Frames::kSuperpageOrder);
    EXPECT_TRUE(filled(frames_, PhysAddr(pa), kSuper, Frames::kFreeFill, 16));
  }
  EXPECT_EQ(frames_.free_pages(), 2047u);
  EXPECT_EQ(frames_.free_blocks(10), 1u);  // merged back
  EXPECT_EQ(frames_.free_blocks(9), 1u);
}

TEST_F(BuddyTest, ABlockFreedFrameByFrameMergesBack) {
  auto block = frames_.alloc_superpage().value();
  const uint64_t before = frames_.free_pages();
  // Out of order: odd frames first, then even ones.
  for (int parity = 1; parity >= 0; --parity) {
    for (uint64_t i = parity; i < 512; i += 2) frames_.free(block + i * kPageSize);
  }
  EXPECT_EQ(frames_.free_pages(), before + 512);
  EXPECT_EQ(frames_.free_blocks(10), 1u);
  EXPECT_EQ(frames_.free_blocks(9), 1u);
  EXPECT_EQ(frames_.free_blocks(0), 1u);  // only [4K, 8K) of the first 2 MiB
}

TEST_F(BuddyTest, BuddiesMergeOnlyWhenBothHalvesAreFree) {
  auto block = frames_.alloc_block(1).value();
  EXPECT_EQ(block.value() % (2 * kPageSize), 0u);
  const uint64_t zero_before = frames_.free_blocks(0);
  frames_.free(block);
  EXPECT_EQ(frames_.free_blocks(0), zero_before + 1);  // its buddy is still allocated
  frames_.free(block + kPageSize);
  EXPECT_EQ(frames_.free_blocks(0), zero_before);
}

TEST_F(BuddyTest, AFaultPlanAppliesToBlocksToo) {
  frames_.set_fault_plan(FaultPlan::nth(2));
  auto a = frames_.alloc();
  auto b = frames_.alloc_superpage();
  auto c = frames_.alloc_superpage();
  EXPECT_TRUE(a.ok());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error(), Error::kNoMemory);
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(frames_.set_fault_plan(FaultPlan()), 1u);
  frames_.free(*a);
  frames_.free_block(*c, Frames::kSuperpageOrder);
  EXPECT_EQ(frames_.free_pages(), 2047u);
}

TEST_F(BuddyTest, OrderAboveTheMaximumIsInvalid) {
  auto r = frames_.alloc_block(Frames::kMaxOrder + 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kInvalid);
}

using BuddyDeathTest = BuddyTest;

TEST_F(BuddyDeathTest, FreeingABlockTwiceOrMisalignedPanics) {
  auto block = frames_.alloc_superpage().value();
  EXPECT_DEATH(frames_.free_block(block + kPageSize, 9), "kfree: bad block");
  frames_.free(block + 7 * kPageSize);
  EXPECT_DEATH(frames_.free_block(block, 9), "kfree: double free of 0x80207000");
  EXPECT_DEATH(frames_.free(block + 7 * kPageSize), "kfree: double free of 0x80207000");
}

// A random run against a model: the set of frames each side thinks is allocated. Every frame
// handed out is inside the range, aligned to its block, never handed out twice; the free count is
// always total minus what the model holds; freeing everything merges back to the initial blocks.
template <class Alloc>
void random_run(Alloc& frames, uint64_t seed, int steps) {
  std::mt19937_64 rng(seed);
  const uint64_t total = frames.free_pages();
  std::vector<uint64_t> initial_blocks;
  for (unsigned o = 0; o <= Alloc::kMaxOrder; ++o) initial_blocks.push_back(frames.free_blocks(o));
  std::map<uint64_t, unsigned> blocks;  // allocated block -> order (frees may split it)
  std::set<uint64_t> held;              // every allocated frame
  for (int step = 0; step < steps; ++step) {
    const int what = static_cast<int>(rng() % 10);
    if (what < 4) {
      const unsigned order = rng() % 4 == 0 ? static_cast<unsigned>(rng() % 10) : 0;
      auto pa = order == 0 && rng() % 2 ? frames.alloc() : frames.alloc_block(order);
      if (!pa.ok()) {
        // Only when no free run of that size could exist in the model's terms: at least, fewer
        // free frames than the block needs, or the block order is large.
        EXPECT_TRUE(frames.free_pages() < (uint64_t{1} << order) || order > 0) << step;
        continue;
      }
      const uint64_t size = kPageSize << order;
      ASSERT_EQ(pa->value() % size, 0u);
      for (uint64_t off = 0; off < size; off += kPageSize) {
        ASSERT_TRUE(held.insert(pa->value() + off).second) << "handed out twice";
      }
      ASSERT_TRUE(filled(frames, *pa, size, Alloc::kAllocJunk));
      blocks[pa->value()] = order;
    } else if (!held.empty()) {
      // Free a whole block, or one frame of one.
      auto it = blocks.begin();
      std::advance(it, static_cast<long>(rng() % blocks.size()));
      const uint64_t pa = it->first;
      const unsigned order = it->second;
      blocks.erase(it);
      if (rng() % 2 == 0) {
        if (order == 0) {
          frames.free(PhysAddr(pa));
        } else {
          frames.free_block(PhysAddr(pa), order);
        }
        for (uint64_t off = 0; off < (kPageSize << order); off += kPageSize) held.erase(pa + off);
      } else {
        // Split: free the first frame alone; the rest become single-frame "blocks".
        frames.free(PhysAddr(pa));
        held.erase(pa);
        for (uint64_t off = kPageSize; off < (kPageSize << order); off += kPageSize) {
          blocks[pa + off] = 0;
        }
      }
    }
    ASSERT_EQ(frames.free_pages(), total - held.size()) << "step " << step;
  }
  for (auto [pa, order] : blocks) {
    for (uint64_t off = 0; off < (kPageSize << order); off += kPageSize) {
      frames.free(PhysAddr(pa + off));
    }
  }
  EXPECT_EQ(frames.free_pages(), total);
  frames.drain_cpu_caches();  // cached frames merge only once they are back on the lists
  std::vector<uint64_t> final_blocks;
  for (unsigned o = 0; o <= Alloc::kMaxOrder; ++o) final_blocks.push_back(frames.free_blocks(o));
  EXPECT_EQ(final_blocks, initial_blocks) << "did not merge back to the initial blocks";
}

TEST_F(BuddyTest, RandomRunsAgainstAModel) {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    random_run(frames_, seed, 3000);
  }
}

using CachedFrames = FrameAllocator<MutexLock, FakeCpus>;

class CachedBuddyTest : public ::testing::Test {
 protected:
  CachedBuddyTest() : ram_(8 * 1024 * 1024) {
    frames_.add_range(PhysAddr(kBase), PhysAddr(kBase + ram_.bytes()), ram_.offset());
    g_cpu = 0;
  }
  Ram ram_;
  CachedFrames frames_;
};

TEST_F(CachedBuddyTest, FreedFramesStayInTheirCpusCacheAndAreCounted) {
  auto a = frames_.alloc().value();
  const uint64_t free_after_one = frames_.free_pages();
  EXPECT_EQ(free_after_one, 2046u);  // exact, though a batch moved into CPU 0's cache
  frames_.free(a);
  EXPECT_EQ(frames_.free_pages(), 2047u);
  EXPECT_TRUE(filled(frames_, a, kPageSize, CachedFrames::kFreeFill, 8));
  EXPECT_EQ(frames_.alloc().value(), a);  // the hot frame comes back first on the same CPU
  g_cpu = 1;
  EXPECT_NE(frames_.alloc().value(), a);
}

TEST_F(CachedBuddyTest, ABlockDrainsTheCachesBeforeItFails) {
  // Free 2 MiB worth of frames one at a time from different CPUs: they sit in caches (up to the
  // high mark each) and must merge before the superpage can be found.
  std::vector<PhysAddr> blocks;
  while (true) {
    auto b = frames_.alloc_superpage();
    if (!b.ok()) break;
    blocks.push_back(*b);
  }
  ASSERT_EQ(blocks.size(), 3u);
  for (uint64_t i = 0; i < 512; ++i) {
    g_cpu = static_cast<unsigned>(i % 3);
    frames_.free(blocks[0] + i * kPageSize);
  }
  auto again = frames_.alloc_superpage();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, blocks[0]);
  blocks[0] = *again;
  for (PhysAddr b : blocks) frames_.free_block(b, CachedFrames::kSuperpageOrder);
  EXPECT_EQ(frames_.free_pages(), 2047u);
}

TEST_F(CachedBuddyTest, SingleFramesDrainOtherCpusCachesBeforeFailing) {
  std::vector<PhysAddr> got;
  while (true) {
    auto pa = frames_.alloc();
    if (!pa.ok()) break;
    got.push_back(*pa);
  }
  EXPECT_EQ(got.size(), 2047u);
  g_cpu = 2;
  for (PhysAddr pa : got) frames_.free(pa);  // into CPU 2's cache, draining above the high mark
  g_cpu = 0;
  std::vector<PhysAddr> again;
  while (true) {
    auto pa = frames_.alloc();
    if (!pa.ok()) break;
    again.push_back(*pa);
  }
  EXPECT_EQ(again.size(), 2047u) << "frames left stranded in another CPU's cache";
  for (PhysAddr pa : again) frames_.free(pa);
}

TEST_F(CachedBuddyTest, AFaultPlanAppliesToTheCachedPath) {
  frames_.set_fault_plan(FaultPlan::nth(1));
  EXPECT_FALSE(frames_.alloc().ok());
  EXPECT_TRUE(frames_.alloc().ok());
  EXPECT_EQ(frames_.set_fault_plan(FaultPlan()), 1u);
}

TEST_F(CachedBuddyTest, RandomRunsAgainstAModel) {
  for (uint64_t seed = 11; seed <= 14; ++seed) {
    SCOPED_TRACE(seed);
    g_cpu = static_cast<unsigned>(seed % 3);
    random_run(frames_, seed, 3000);
  }
}

TEST_F(CachedBuddyTest, ThreadsOnThreeCpusLoseNothing) {
  const uint64_t total = frames_.free_pages();
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 3; ++t) {
    threads.emplace_back([this, t] {
      g_cpu = t;
      std::mt19937_64 rng(t + 100);
      std::vector<std::pair<PhysAddr, unsigned>> mine;
      for (int i = 0; i < 20000; ++i) {
        if (rng() % 2 == 0 || mine.empty()) {
          const unsigned order = rng() % 64 == 0 ? static_cast<unsigned>(rng() % 4) : 0;
          auto pa = order == 0 ? frames_.alloc() : frames_.alloc_block(order);
          if (pa.ok()) mine.emplace_back(*pa, order);
        } else {
          auto [pa, order] = mine.back();
          mine.pop_back();
          for (uint64_t off = 0; off < (kPageSize << order); off += kPageSize) {
            frames_.free(pa + off);
          }
        }
      }
      for (auto [pa, order] : mine) {
        for (uint64_t off = 0; off < (kPageSize << order); off += kPageSize) frames_.free(pa + off);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(frames_.free_pages(), total);
  frames_.drain_cpu_caches();
  EXPECT_EQ(frames_.free_blocks(10), 1u) << "did not merge back";
  EXPECT_EQ(frames_.free_blocks(9), 1u);
}


// Contents (issue 13): whatever a frame held before (garbage from before boot, an owner's data, list
// links), alloc() hands it out painted with 5s, alloc_zeroed() and alloc_zeroed_block() all zeros,
// and free() leaves zeros past the list links. The allocator skips the zero fill for frames it
// scrubbed itself, so this checks that it never skips one it did not: fresh frames, blocks merged
// from fresh and scrubbed halves, frames split off a fresh block, frames through the CPU caches.
template <class Alloc>
void contents_run(Alloc& frames, uint64_t seed, int steps) {
  std::mt19937_64 rng(seed);
  std::map<uint64_t, unsigned> blocks;  // allocated block -> order
  auto scribble = [&](uint64_t pa, uint64_t size) {
    auto* p = static_cast<unsigned char*>(frames.ptr(PhysAddr(pa)));
    for (uint64_t i = 0; i < size; i += 1 + rng() % 61) p[i] = static_cast<unsigned char>(rng() | 1);
  };
  for (int step = 0; step < steps; ++step) {
    const int what = static_cast<int>(rng() % 8);
    if (what < 4) {
      const unsigned order = rng() % 5 == 0 ? static_cast<unsigned>(rng() % 10) : 0;
      const bool zeroed = rng() % 3 != 0;
      Result<PhysAddr> pa = order == 0 ? (zeroed ? frames.alloc_zeroed() : frames.alloc())
                                       : (zeroed ? frames.alloc_zeroed_block(order)
                                                 : frames.alloc_block(order));
      if (!pa.ok()) continue;
      const uint64_t size = kPageSize << order;
      ASSERT_TRUE(filled(frames, *pa, size, zeroed ? 0 : Alloc::kAllocJunk))
          << "step " << step << (zeroed ? ": a zeroed " : ": a painted ") << "block of order "
          << order << " at 0x" << std::hex << pa->value();
      scribble(pa->value(), size);  // its owner uses it
      blocks[pa->value()] = order;
    } else if (!blocks.empty()) {
      auto it = blocks.begin();
      std::advance(it, static_cast<long>(rng() % blocks.size()));
      const auto [pa, order] = *it;
      blocks.erase(it);
      if (order > 0 && rng() % 2 == 0) {
        frames.free_block(PhysAddr(pa), order);
        ASSERT_TRUE(filled(frames, PhysAddr(pa), kPageSize << order, Alloc::kFreeFill,
                           Alloc::kLinkBytes))
            << "step " << step;
      } else {
        frames.free(PhysAddr(pa));  // one frame; the rest become blocks of one frame
        ASSERT_TRUE(filled(frames, PhysAddr(pa), kPageSize, Alloc::kFreeFill, Alloc::kLinkBytes));
        for (uint64_t off = kPageSize; off < (kPageSize << order); off += kPageSize) {
          blocks[pa + off] = 0;
        }
      }
    }
  }
  for (auto [pa, order] : blocks) frames.free_block(PhysAddr(pa), order);
}

TEST(BuddyContents, ZeroedFramesAreZeroWhateverTheyHeldBefore) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    Ram ram(8 * 1024 * 1024);
    std::memset(reinterpret_cast<void*>(ram.offset() + kBase), 0xab, ram.bytes());  // before boot
    Frames frames;
    frames.add_range(PhysAddr(kBase), PhysAddr(kBase + ram.bytes()), ram.offset());
    contents_run(frames, seed, 4000);
  }
}

TEST(BuddyContents, ZeroedFramesAreZeroThroughTheCpuCaches) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    Ram ram(8 * 1024 * 1024);
    std::memset(reinterpret_cast<void*>(ram.offset() + kBase), 0xab, ram.bytes());
    CachedFrames frames;
    frames.add_range(PhysAddr(kBase), PhysAddr(kBase + ram.bytes()), ram.offset());
    for (int round = 0; round < 4; ++round) {
      g_cpu = static_cast<unsigned>(round % FakeCpus::kCpus);
      contents_run(frames, seed * 10 + static_cast<uint64_t>(round), 1500);
    }
    g_cpu = 0;
  }
}

}  // namespace
}  // namespace pagoda::mm
