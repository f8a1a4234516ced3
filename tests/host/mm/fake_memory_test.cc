// The fake itself: tests that rely on it to count pages and inject failures must be able to trust
// it.
#include "tests/host/support/fake_memory.h"

#include <gtest/gtest.h>

namespace pagoda::test {
namespace {

TEST(FakeMemory, HandsOutDistinctAlignedJunkFilledPages) {
  FakeMemory mem;
  const PhysAddr a = mem.alloc_page().value(), b = mem.alloc_page().value();
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.page_aligned() && b.page_aligned());
  EXPECT_LT(b.value(), uint64_t{1} << 32);
  EXPECT_EQ(mem.pages_in_use(), 2u);
  const auto* bytes = static_cast<const unsigned char*>(mem.ptr(a));
  for (uint64_t i = 0; i < kPageSize; ++i) ASSERT_EQ(bytes[i], FakeMemory::kJunk);
  EXPECT_EQ(mem.ptr(a + 5), static_cast<unsigned char*>(mem.ptr(a)) + 5);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(mem.ptr(a)) % kPageSize, 0u);
  mem.free_page(a);
  EXPECT_FALSE(mem.allocated(a));
  EXPECT_TRUE(mem.allocated(b));
  EXPECT_EQ(mem.allocated_pages(), std::vector<PhysAddr>{b});
  EXPECT_EQ(mem.alloc_page().value(), b + kPageSize);  // addresses are never reused
}

TEST(FakeMemory, FailNthAllocIsOneShot) {
  FakeMemory mem;
  mem.fail_nth_alloc(2);
  EXPECT_TRUE(mem.alloc_page().ok());
  auto failed = mem.alloc_page();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error(), Error::kNoMemory);
  EXPECT_TRUE(mem.alloc_page().ok());
  EXPECT_EQ(mem.pages_in_use(), 2u);
  EXPECT_EQ(mem.alloc_calls(), 3u);
}

TEST(FakeMemory, FailAfterFailsEveryLaterAllocation) {
  FakeMemory mem;
  mem.fail_after(2);
  EXPECT_TRUE(mem.alloc_page().ok());
  EXPECT_TRUE(mem.alloc_page().ok());
  EXPECT_FALSE(mem.alloc_page().ok());
  EXPECT_FALSE(mem.alloc_page().ok());
  mem.clear_failures();
  EXPECT_TRUE(mem.alloc_page().ok());
  EXPECT_EQ(mem.pages_in_use(), 3u);
}

TEST(FakeMemoryDeathTest, DoubleFreeAndUseAfterFreeAreCaught) {
  FakeMemory mem;
  const PhysAddr a = mem.alloc_page().value();
  mem.free_page(a);
  EXPECT_DEATH(mem.free_page(a), "free of a frame that is not allocated: 0x10000000");
  EXPECT_DEATH(mem.ptr(a + 8), "access to a frame that is not allocated: 0x10000008");
}

}  // namespace
}  // namespace pagoda::test
