// push_args: exec's argument stack, against a real AddressSpace over FakeMemory.
#include "kernel/proc/user_stack.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/mm/address_space.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda {
namespace {

using Space = mm::AddressSpace<riscv::Sv39, test::FakeMemory>;
using mm::kPageSize;

class UserStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tramp_ = *mem_.alloc_page();
    tf_ = *mem_.alloc_page();
    auto as = Space::create(mem_, tramp_, tf_);
    ASSERT_TRUE(as.ok());
    as_ = std::move(as).value();
    // Like exec: a guard page then one stack page, at [0x1000, 0x3000).
    ASSERT_TRUE(as_.grow(3 * kPageSize, mm::Perm::kRead | mm::Perm::kWrite).ok());
    ASSERT_TRUE(as_.clear_user(mm::VirtAddr(kPageSize)).ok());
  }
  void TearDown() override {
    as_.destroy();
    mem_.free_page(tramp_);
    mem_.free_page(tf_);
    EXPECT_EQ(mem_.pages_in_use(), 0u);
  }

  uint64_t read64(uint64_t va) {
    uint64_t v = 0;
    EXPECT_TRUE(as_.copy_in(&v, mm::VirtAddr(va), sizeof(v)).ok());
    return v;
  }
  std::string read_str(uint64_t va) {
    char buf[256];
    auto n = as_.copy_in_str(buf, mm::VirtAddr(va), sizeof(buf));
    EXPECT_TRUE(n.ok());
    return buf;
  }

  static constexpr uint64_t kTop = 3 * kPageSize;
  static constexpr uint64_t kBase = 2 * kPageSize;
  test::FakeMemory mem_;
  mm::PhysAddr tramp_, tf_;
  Space as_;
};

TEST_F(UserStackTest, LayoutIsAlignedAndTerminated) {
  const char* argv[] = {"echo", "hello", "a-much-longer-argument-string"};
  auto sp = push_args(as_, kTop, kBase, argv, 3);
  ASSERT_TRUE(sp.ok());
  EXPECT_EQ(*sp % 16, 0u);
  EXPECT_GE(*sp, kBase);
  for (int i = 0; i < 3; ++i) {
    uint64_t p = read64(*sp + 8 * i);
    EXPECT_EQ(p % 16, 0u);
    EXPECT_GT(p, *sp);
    EXPECT_LT(p, kTop);
    EXPECT_EQ(read_str(p), argv[i]);
  }
  EXPECT_EQ(read64(*sp + 24), 0u);
  // The first string is at the top.
  EXPECT_EQ(read64(*sp), (kTop - 5) & ~uint64_t{15});
}

TEST_F(UserStackTest, NoArguments) {
  auto sp = push_args(as_, kTop, kBase, nullptr, 0);
  ASSERT_TRUE(sp.ok());
  EXPECT_EQ(*sp, kTop - 16);
  EXPECT_EQ(read64(*sp), 0u);
}

TEST_F(UserStackTest, MaxArgs) {
  std::vector<const char*> argv(MAXARG, "x");
  auto sp = push_args(as_, kTop, kBase, argv.data(), MAXARG);
  ASSERT_TRUE(sp.ok());
  EXPECT_EQ(read64(*sp + 8 * MAXARG), 0u);
  EXPECT_EQ(push_args(as_, kTop, kBase, argv.data(), MAXARG + 1).error(), Error::kTooBig);
}

TEST_F(UserStackTest, StringsThatDoNotFitFail) {
  std::string big(kPageSize - 8, 'a');  // fits alone, but not with the argv array
  const char* argv[] = {big.c_str()};
  EXPECT_EQ(push_args(as_, kTop, kBase, argv, 1).error(), Error::kTooBig);
  std::string huge(kPageSize + 100, 'b');
  const char* argv2[] = {huge.c_str()};
  EXPECT_EQ(push_args(as_, kTop, kBase, argv2, 1).error(), Error::kTooBig);
  std::vector<std::string> many(MAXARG, std::string(200, 'c'));
  std::vector<const char*> ptrs;
  for (auto& s : many) ptrs.push_back(s.c_str());
  EXPECT_EQ(push_args(as_, kTop, kBase, ptrs.data(), MAXARG).error(), Error::kTooBig);
}

TEST_F(UserStackTest, NeverWritesTheGuardPage) {
  // A base below the stack page (a bug in the caller) makes copy_out hit the guard page: refused.
  std::string big(kPageSize + 100, 'd');
  const char* argv[] = {big.c_str()};
  auto sp = push_args(as_, kTop, kPageSize, argv, 1);
  EXPECT_FALSE(sp.ok());
  EXPECT_EQ(sp.error(), Error::kBadAddress);
}

}  // namespace
}  // namespace pagoda

namespace pagoda {
namespace {

// xv6-x86's layout: 4-byte words and alignment, and main's frame at sp.
TEST_F(UserStackTest, Xv6X86LayoutHasMainsFrame) {
  const char* argv[] = {"echo", "hi"};
  auto sp = push_args(as_, kTop, kBase, argv, 2, UserStackAbi{4, true});
  ASSERT_TRUE(sp.ok());
  EXPECT_EQ(*sp % 4, 0u);
  const uint64_t words = read64(*sp);  // two 32-bit words at once
  EXPECT_EQ(words & 0xffffffff, 0xffffffffu);  // fake return address
  EXPECT_EQ(words >> 32, 2u);                  // argc
  const uint64_t argv_at = read64(*sp + 8) & 0xffffffff;
  EXPECT_EQ(argv_at, *sp + 12);
  const uint64_t arg0 = read64(argv_at) & 0xffffffff;
  const uint64_t arg1 = read64(argv_at) >> 32;
  EXPECT_EQ(read_str(arg0), "echo");
  EXPECT_EQ(read_str(arg1), "hi");
  EXPECT_EQ(read64(argv_at + 8) & 0xffffffff, 0u);  // argv[argc]
  EXPECT_EQ(arg0, (kTop - 5) & ~uint64_t{3});     // the first string at the top
  EXPECT_EQ(*sp, ((arg1 - 6 * 4) & ~uint64_t{3}));  // 3 frame words + 2 pointers + null
}

}  // namespace
}  // namespace pagoda
