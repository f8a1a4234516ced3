// The kernel's memset/memmove loops (kernel/lib/mem_words.h) against the host's libc: every
// alignment of source and destination, lengths around the 8-byte word and the 64-byte step, and
// overlapping moves in both directions. Guard bytes around each range must stay untouched.
#include "kernel/lib/mem_words.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace {

using pagoda::lib::copy_backward;
using pagoda::lib::copy_forward;
using pagoda::lib::fill_bytes;
using pagoda::lib::move_bytes;

constexpr size_t kArena = 4096 + 512;
const size_t kLengths[] = {0, 1, 7, 8, 9, 15, 63, 64, 65, 71, 127, 128, 129, 200, 4096};

std::vector<unsigned char> patterned(size_t n, unsigned seed) {
  std::vector<unsigned char> v(n);
  std::mt19937 rng(seed);
  for (auto& b : v) b = static_cast<unsigned char>(rng());
  return v;
}

TEST(MemWords, FillMatchesMemsetAtEveryAlignment) {
  for (size_t off = 0; off < 16; ++off) {
    for (size_t n : kLengths) {
      auto mine = patterned(kArena, 1);
      auto want = mine;
      fill_bytes(mine.data() + off, 0xa5, n);
      std::memset(want.data() + off, 0xa5, n);
      ASSERT_EQ(mine, want) << "offset " << off << " length " << n;
    }
  }
}

TEST(MemWords, FillWithZeroAndOnesAsTheAllocatorDoes) {
  alignas(4096) static unsigned char page[4096 + 64];
  std::memset(page, 7, sizeof page);
  fill_bytes(page, 0, 4096);
  for (size_t i = 0; i < 4096; ++i) ASSERT_EQ(page[i], 0) << i;
  for (size_t i = 4096; i < sizeof page; ++i) ASSERT_EQ(page[i], 7) << "past the page: " << i;
  fill_bytes(page, 1, 4096);
  for (size_t i = 0; i < 4096; ++i) ASSERT_EQ(page[i], 1) << i;
}

// Either direction's copy against memcpy, for disjoint ranges at every pair of alignments.
void expect_copy_matches_memcpy(void (*copy)(void*, const void*, size_t), unsigned seed) {
  const auto src = patterned(kArena, seed);
  for (size_t so = 0; so < 16; ++so) {
    for (size_t dof = 0; dof < 16; ++dof) {
      for (size_t n : kLengths) {
        auto mine = patterned(kArena, seed + 1);
        auto want = mine;
        copy(mine.data() + dof, src.data() + so, n);
        std::memcpy(want.data() + dof, src.data() + so, n);
        ASSERT_EQ(mine, want) << "src+" << so << " dst+" << dof << " length " << n;
      }
    }
  }
}

TEST(MemWords, CopyForwardMatchesMemcpyForEveryPairOfAlignments) {
  expect_copy_matches_memcpy(copy_forward, 2);
}

TEST(MemWords, CopyBackwardMatchesMemcpyForDisjointRanges) {
  expect_copy_matches_memcpy(copy_backward, 4);
}

// Overlaps by every distance up to two steps, in both directions: the unrolled step loads all
// eight words before it stores, so a distance below 64 bytes must still come out right.
TEST(MemWords, MoveMatchesMemmoveWhenRangesOverlap) {
  for (size_t base : {size_t{0}, size_t{3}, size_t{8}}) {
    for (size_t dist = 1; dist <= 136; ++dist) {
      for (size_t n : {size_t{9}, size_t{64}, size_t{100}, size_t{1000}, size_t{4096}}) {
        for (bool up : {true, false}) {
          auto mine = patterned(kArena + 200, 6);
          auto want = mine;
          const size_t from = up ? base : base + dist;
          const size_t to = up ? base + dist : base;
          move_bytes(mine.data() + to, mine.data() + from, n);
          std::memmove(want.data() + to, want.data() + from, n);
          ASSERT_EQ(mine, want) << (up ? "up" : "down") << " base " << base << " distance " << dist
                                << " length " << n;
        }
      }
    }
  }
}

}  // namespace
