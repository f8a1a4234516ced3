#include "kernel/mm/addr.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "kernel/mm/perm.h"

namespace pagoda::mm {
namespace {

static_assert(!std::is_convertible_v<PhysAddr, VirtAddr>);
static_assert(!std::is_convertible_v<VirtAddr, PhysAddr>);
static_assert(!std::is_convertible_v<uint64_t, PhysAddr>);  // explicit constructor
static_assert(std::is_trivially_copyable_v<PhysAddr> && std::is_trivially_copyable_v<VirtAddr>);
static_assert(!std::is_invocable_v<std::equal_to<>, PhysAddr, VirtAddr>);

TEST(Addr, PageRounding) {
  EXPECT_EQ(kPageSize, 4096u);
  EXPECT_EQ(page_round_up(0), 0u);
  EXPECT_EQ(page_round_up(1), 4096u);
  EXPECT_EQ(page_round_up(4096), 4096u);
  EXPECT_EQ(page_round_up(4097), 8192u);
  EXPECT_EQ(page_round_down(4095), 0u);
  EXPECT_EQ(page_round_down(4096), 4096u);
  EXPECT_EQ(page_round_down(8191), 4096u);
  EXPECT_TRUE(page_aligned(0));
  EXPECT_FALSE(page_aligned(4095));
}

TEST(Addr, TypedArithmeticAndComparison) {
  constexpr PhysAddr pa(0x80001234);
  static_assert(pa.value() == 0x80001234);
  static_assert(!pa.page_aligned());
  static_assert(pa.page_round_down() == PhysAddr(0x80001000));
  static_assert(pa.page_offset() == 0x234);
  static_assert(pa + 0x10 == PhysAddr(0x80001244));
  static_assert(pa - 0x234 == PhysAddr(0x80001000));
  static_assert(PhysAddr(0x2000) - PhysAddr(0x1000) == 0x1000);
  EXPECT_LT(VirtAddr(1), VirtAddr(2));
  EXPECT_GT(PhysAddr(3), PhysAddr(2));
  EXPECT_NE(VirtAddr(1), VirtAddr(2));
  EXPECT_EQ(VirtAddr(), VirtAddr(0));
}

TEST(Perm, BitOperations) {
  constexpr Perm rw = Perm::kRead | Perm::kWrite;
  static_assert(has(rw, Perm::kRead) && has(rw, Perm::kWrite));
  static_assert(!has(rw, Perm::kRead | Perm::kExec));
  static_assert(has(rw, Perm::kNone));
  static_assert((rw & ~Perm::kWrite) == Perm::kRead);
  static_assert(~Perm::kNone == (Perm::kRead | Perm::kWrite | Perm::kExec | Perm::kUser));
  Perm p = Perm::kRead;
  p |= Perm::kUser;
  EXPECT_EQ(p, Perm::kRead | Perm::kUser);
  p &= Perm::kUser;
  EXPECT_EQ(p, Perm::kUser);
}

}  // namespace
}  // namespace pagoda::mm
