// Ownership in the types: PageTable and AddressSpace are move-only owners, a moved-from owner is
// empty, and PageTableView (the read-only walk) has no way to allocate.
#include <gtest/gtest.h>

#include <type_traits>
#include <utility>

#include "kernel/mm/address_space.h"
#include "kernel/mm/page_table.h"
#include "kernel/mm/page_table_view.h"
#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

constexpr Perm kRw = Perm::kRead | Perm::kWrite;

template <class Format>
using Table = PageTable<Format, test::FakeMemory>;
template <class Format>
using Space = AddressSpace<Format, test::FakeMemory>;
template <class Format>
using View = typename Table<Format>::View;

// Does V have a map() or walk_alloc() member (an allocating operation)?
template <class V>
concept CanMap = requires(V& v) {
  v.map(VirtAddr(0), kPageSize, PhysAddr(0), kRw);
};
template <class V>
concept CanWalkAlloc = requires(V& v) {
  v.walk_alloc(VirtAddr(0));
};

static_assert(!std::is_copy_constructible_v<Table<riscv::Sv39>>);
static_assert(!std::is_copy_assignable_v<Table<riscv::Sv39>>);
static_assert(std::is_move_constructible_v<Table<riscv::Sv39>>);
static_assert(std::is_move_assignable_v<Table<riscv::Sv39>>);
static_assert(!std::is_copy_constructible_v<Table<x86::I386>>);
static_assert(!std::is_copy_constructible_v<Space<riscv::Sv39>>);
static_assert(!std::is_copy_assignable_v<Space<riscv::Sv39>>);
static_assert(std::is_move_constructible_v<Space<riscv::Sv39>>);
static_assert(!std::is_copy_constructible_v<Space<x86::I386>>);
// The owner can allocate; the view cannot, and holds no allocator (just an accessor and a root).
static_assert(CanMap<Table<riscv::Sv39>> && CanWalkAlloc<Table<riscv::Sv39>>);
static_assert(!CanMap<View<riscv::Sv39>> && !CanWalkAlloc<View<riscv::Sv39>>);
static_assert(!CanMap<View<x86::I386>> && !CanWalkAlloc<View<x86::I386>>);
static_assert(!PhysMemory<AccessorOf<test::FakeMemory>>);
static_assert(PhysAccessor<AccessorOf<test::FakeMemory>>);
// A view's walk hands out read-only slots.
static_assert(std::is_same_v<decltype(std::declval<const View<riscv::Sv39>&>().walk(VirtAddr(0))),
                             const riscv::Sv39::Pte*>);

template <class Format>
class OwnershipTest : public ::testing::Test {};
TYPED_TEST_SUITE(OwnershipTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(OwnershipTest, MovedFromTableIsEmptyAndTheTreeMovesWhole) {
  test::FakeMemory mem;
  Table<TypeParam> a = Table<TypeParam>::create(mem).value();
  ASSERT_TRUE(a.map(VirtAddr(0x5000), kPageSize, PhysAddr(0x80000000), kRw).ok());
  const PhysAddr root = a.root();
  const uint64_t pages = mem.pages_in_use();

  Table<TypeParam> b = std::move(a);
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): that is the point
  EXPECT_EQ(a.root(), PhysAddr());
  EXPECT_TRUE(b.valid());
  EXPECT_EQ(b.root(), root);
  EXPECT_EQ(b.translate(VirtAddr(0x5000)).value(), PhysAddr(0x80000000));
  EXPECT_EQ(mem.pages_in_use(), pages);  // nothing copied, nothing freed

  Table<TypeParam> c;
  c = std::move(b);
  EXPECT_FALSE(b.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.root(), root);
  ASSERT_TRUE(c.unmap(VirtAddr(0x5000), 1, FreeFrames::kNo).ok());
  ASSERT_TRUE(c.destroy().ok());
  EXPECT_FALSE(c.valid());
  EXPECT_EQ(mem.pages_in_use(), 0u);
}

TYPED_TEST(OwnershipTest, ViewSeesWhatTheOwnerMapped) {
  test::FakeMemory mem;
  Table<TypeParam> t = Table<TypeParam>::create(mem).value();
  ASSERT_TRUE(t.map(VirtAddr(0x3000), kPageSize, PhysAddr(0x80001000), kRw | Perm::kUser).ok());
  const uint64_t pages = mem.pages_in_use();
  const View<TypeParam> view = t.view();
  EXPECT_EQ(view.root(), t.root());
  EXPECT_TRUE(view.has_leaves());
  EXPECT_EQ(view.translate(VirtAddr(0x3004)).value(), PhysAddr(0x80001004));
  EXPECT_EQ(view.translate_user(VirtAddr(0x3004)).value(), PhysAddr(0x80001004));
  EXPECT_EQ(view.translate(VirtAddr(0x4000)).error(), Error::kNotMapped);
  EXPECT_EQ(view.walk(VirtAddr(0x40000000)), nullptr);  // no table there, and none made
  EXPECT_EQ(mem.pages_in_use(), pages);
  ASSERT_TRUE(t.unmap(VirtAddr(0x3000), 1, FreeFrames::kNo).ok());
  EXPECT_FALSE(t.view().has_leaves());
  ASSERT_TRUE(t.destroy().ok());
}

TYPED_TEST(OwnershipTest, MovedFromSpaceIsEmpty) {
  test::FakeMemory mem;
  const PhysAddr trampoline = mem.alloc_page().value(), trapframe = mem.alloc_page().value();
  Space<TypeParam> a = Space<TypeParam>::create(mem, trampoline, trapframe).value();
  struct : MappingObserver {
  } observer;
  a.set_observer(&observer);
  a.set_limit(0x10000);
  ASSERT_TRUE(a.grow(2 * kPageSize, kRw).ok());
  const PhysAddr root = a.table().root();

  Space<TypeParam> b = std::move(a);
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.size(), 0u);
  EXPECT_FALSE(a.table().valid());
  a.destroy();  // destroying an empty space does nothing
  EXPECT_EQ(b.size(), 2 * kPageSize);
  EXPECT_EQ(b.limit(), 0x10000u);
  EXPECT_EQ(b.table().root(), root);

  Space<TypeParam> c;
  c = std::move(b);
  EXPECT_EQ(b.size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.size(), 2 * kPageSize);
  c.destroy();
  EXPECT_FALSE(c.valid());
  EXPECT_EQ(mem.pages_in_use(), 2u);  // the trampoline and trapframe frames stay ours
}

}  // namespace
}  // namespace pagoda::mm
