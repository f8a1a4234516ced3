// KernelMirror over every format: the mirror of an AddressSpace's user pages (read-only, no U,
// same frames), the limit, failure atomicity when the mirror's tables cannot be allocated, TLB
// flushes only while loaded, copy_in/copy_in_str through a fake MMU that walks the loaded table,
// moves, and what destroy frees.
#include "kernel/mm/kernel_mirror.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel/mm/address_space.h"
#include "kernel/mm/page_table_view.h"
#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

using testing_util::dump;

// The MMU of one fake CPU: which root is loaded, how many flushes, and direct reads that walk the
// loaded table in FakeMemory as the hardware would (so a wrong mirror reads wrong bytes).
template <class Format>
struct FakeMmu {
  static inline test::FakeMemory* mem = nullptr;
  static inline PhysAddr current;
  static inline int flushes = 0;

  struct Accessor {
    void* ptr(PhysAddr pa) const { return mem->ptr(pa); }
  };

  static bool is_current(PhysAddr root) { return root == current; }
  static void flush() { ++flushes; }
  static const void* direct(uint64_t va) {
    static const char kUnmapped[kPageSize] = {};
    PageTableView<Format, Accessor> view(Accessor{}, current);
    auto pa = view.translate(VirtAddr(va));
    if (!pa.ok()) {
      ADD_FAILURE() << "direct read of unmapped 0x" << std::hex << va;
      return kUnmapped;
    }
    const auto* pte = view.walk(VirtAddr(va));
    EXPECT_FALSE(pte->user()) << "the kernel reads through a U page at 0x" << std::hex << va;
    return static_cast<const char*>(mem->ptr(pa->page_round_down())) + pa->page_offset();
  }
};

template <class Format>
class KernelMirrorTest : public ::testing::Test {
 protected:
  using Mmu = FakeMmu<Format>;
  using Mirror = KernelMirror<Format, test::FakeMemory, Mmu>;
  using Space = AddressSpace<Format, test::FakeMemory>;
  // Well below MAXVA on both formats, and a multiple of every level's span below the root.
  static constexpr uint64_t kLimit = uint64_t{1} << 30;

  void SetUp() override {
    Mmu::mem = &mem_;
    Mmu::current = PhysAddr();
    Mmu::flushes = 0;
    trampoline_ = mem_.alloc_page().value();
    trapframe_ = mem_.alloc_page().value();
    space_ = Space::create(mem_, trampoline_, trapframe_).value();
    mirror_ = Mirror::create(mem_, kLimit).value();
    mirror_.attach(space_);
  }
  void TearDown() override {
    Mmu::current = PhysAddr();
    if (space_.valid()) space_.destroy();
    mirror_.destroy();
    EXPECT_EQ(mem_.pages_in_use(), 2u) << "pages leaked";
  }

  void load() { Mmu::current = mirror_.table().root(); }

  bool matches(uint64_t* pages) const { return mirror_.mirror_matches(space_, pages); }

  std::string read_str(uint64_t va, uint64_t max) {
    std::vector<char> buf(max + 1, '#');
    auto n = mirror_.copy_in_str(space_, buf.data(), va, max);
    if (!n.ok()) return std::string("error: ") + error_name(n.error());
    return std::string(buf.data(), n.value());
  }

  test::FakeMemory mem_;
  PhysAddr trampoline_, trapframe_;
  Space space_;
  Mirror mirror_;
};

TYPED_TEST_SUITE(KernelMirrorTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(KernelMirrorTest, CreateRefusesABadLimit) {
  using Mirror = typename TestFixture::Mirror;
  EXPECT_EQ(Mirror::create(this->mem_, kPageSize + 1).error(), Error::kInvalid);
  EXPECT_EQ(Mirror::create(this->mem_, TypeParam::kMaxVa + kPageSize).error(), Error::kInvalid);
  this->mem_.fail_nth_alloc(1);
  EXPECT_EQ(Mirror::create(this->mem_, kPageSize).error(), Error::kNoMemory);
}

TYPED_TEST(KernelMirrorTest, AttachLimitsTheSpace) {
  EXPECT_EQ(this->space_.limit(), this->kLimit);
  EXPECT_EQ(this->space_.grow(this->kLimit + 1, Perm::kWrite).error(), Error::kOutOfRange);
  EXPECT_EQ(this->space_.size(), 0u);
}

TYPED_TEST(KernelMirrorTest, MirrorsEveryUserPageReadOnlyWithoutU) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(3 * kPageSize, Perm::kWrite | Perm::kExec).ok());
  const auto want = TypeParam::Pte::make_leaf(PhysAddr(0), Perm::kRead).perm();
  for (uint64_t va = 0; va < 3 * kPageSize; va += kPageSize) {
    const auto* mine = this->mirror_.table().walk(VirtAddr(va));
    const auto* user = s.table().walk(VirtAddr(va));
    ASSERT_TRUE(mine && mine->valid() && user && user->valid());
    EXPECT_EQ(mine->phys(), user->phys());
    EXPECT_EQ(mine->perm(), want);
    EXPECT_FALSE(mine->user());
    EXPECT_FALSE(mine->writable());
  }
  uint64_t pages = 0;
  EXPECT_TRUE(this->matches(&pages));
  EXPECT_EQ(pages, 3u);
  // The guard page (U cleared) leaves the mirror; so do the pages a shrink frees.
  ASSERT_TRUE(s.clear_user(VirtAddr(kPageSize)).ok());
  EXPECT_TRUE(this->matches(&pages));
  EXPECT_EQ(pages, 2u);
  s.shrink(kPageSize);
  EXPECT_TRUE(this->matches(&pages));
  EXPECT_EQ(pages, 1u);
  // Nothing but the mirror lies below the limit: the trampoline and trapframe are not mirrored.
  EXPECT_FALSE(this->mirror_.table().translate(VirtAddr(TestFixture::Space::kTrampolineVa)).ok());
}

TYPED_TEST(KernelMirrorTest, MirrorMatchesNoticesAStrayOrWrongPage) {
  ASSERT_TRUE(this->space_.grow(kPageSize, Perm::kWrite).ok());
  uint64_t pages = 0;
  ASSERT_TRUE(this->matches(&pages));
  const PhysAddr stray = this->mem_.alloc_page().value();
  ASSERT_TRUE(
      this->mirror_.table().map(VirtAddr(4 * kPageSize), kPageSize, stray, Perm::kRead).ok());
  EXPECT_FALSE(this->matches(&pages));
  EXPECT_EQ(pages, 2u);
  ASSERT_TRUE(this->mirror_.table().unmap(VirtAddr(4 * kPageSize), 1, FreeFrames::kYes).ok());
  EXPECT_TRUE(this->matches(&pages));
  // A mirrored page that is writable is wrong too.
  auto* pte = this->mirror_.table().walk(VirtAddr(0));
  const auto saved = *pte;
  *pte = pte->with_perm(Perm::kRead | Perm::kWrite);
  EXPECT_FALSE(this->matches(&pages));
  *pte = saved;
  EXPECT_TRUE(this->matches(&pages));
}

TYPED_TEST(KernelMirrorTest, TableFailureAtEveryAllocationUndoesTheGrow) {
  auto& s = this->space_;
  // Up to the last page a last-level table covers, then two pages on: a new last-level table in
  // both trees, and two frames.
  const uint64_t old_size = testing_util::span<TypeParam>(1) - kPageSize;
  ASSERT_TRUE(s.grow(old_size, Perm::kWrite).ok());
  const uint64_t new_size = old_size + 2 * kPageSize;
  const auto user_before = dump(s.table());
  const auto mirror_before = dump(this->mirror_.table());
  const uint64_t in_use = this->mem_.pages_in_use();
  int failures = 0;
  for (uint64_t n = 1;; ++n) {
    this->mem_.fail_nth_alloc(n);
    const Status grown = s.grow(new_size, Perm::kWrite);
    this->mem_.clear_failures();
    if (grown.ok()) break;
    ++failures;
    EXPECT_EQ(grown.error(), Error::kNoMemory);
    EXPECT_EQ(s.size(), old_size);
    EXPECT_EQ(dump(s.table()), user_before) << "n = " << n;
    EXPECT_EQ(dump(this->mirror_.table()), mirror_before) << "n = " << n;
    EXPECT_EQ(this->mem_.pages_in_use(), in_use) << "n = " << n;
  }
  EXPECT_GT(failures, 1);  // the user tree's allocations and the mirror's both failed once
  uint64_t pages = 0;
  EXPECT_TRUE(this->matches(&pages));
  EXPECT_EQ(pages, page_round_up(new_size) / kPageSize);
}

TYPED_TEST(KernelMirrorTest, FlushesOnlyWhileLoaded) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(TestFixture::Mmu::flushes, 0);
  EXPECT_FALSE(this->mirror_.loaded());
  this->load();
  EXPECT_TRUE(this->mirror_.loaded());
  ASSERT_TRUE(s.grow(2 * kPageSize, Perm::kWrite).ok());
  EXPECT_EQ(TestFixture::Mmu::flushes, 1);
  s.shrink(0);
  EXPECT_EQ(TestFixture::Mmu::flushes, 2);
}

TYPED_TEST(KernelMirrorTest, CopyInReadsThroughTheLoadedMirror) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(3 * kPageSize, Perm::kWrite).ok());
  std::vector<char> data(2 * kPageSize);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
  ASSERT_TRUE(s.copy_out(VirtAddr(kPageSize / 2), data.data(), data.size()).ok());
  this->load();
  std::vector<char> got(data.size(), 0);
  ASSERT_TRUE(this->mirror_.copy_in(s, got.data(), kPageSize / 2, got.size()).ok());
  EXPECT_EQ(got, data);
  char c = 0;
  EXPECT_TRUE(this->mirror_.copy_in(s, &c, 0, 0).ok());
  // Past the size, across the end, and through the guard page: refused, nothing read.
  EXPECT_EQ(this->mirror_.copy_in(s, &c, 3 * kPageSize, 1).error(), Error::kBadAddress);
  EXPECT_EQ(this->mirror_.copy_in(s, got.data(), 2 * kPageSize, kPageSize + 1).error(),
            Error::kBadAddress);
  EXPECT_EQ(this->mirror_.copy_in(s, &c, UINT64_MAX, 2).error(), Error::kBadAddress);
  ASSERT_TRUE(s.clear_user(VirtAddr(kPageSize)).ok());
  EXPECT_EQ(this->mirror_.copy_in(s, got.data(), 0, kPageSize + 1).error(), Error::kBadAddress);
  EXPECT_TRUE(this->mirror_.copy_in(s, got.data(), 0, kPageSize).ok());
}

TYPED_TEST(KernelMirrorTest, CopyInStrThroughTheMirror) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(2 * kPageSize, Perm::kWrite).ok());
  ASSERT_TRUE(s.copy_out(VirtAddr(100), "hello", 6).ok());
  // A string that crosses into the second page, and one whose NUL is the last byte of memory.
  const char across[] = "abcdef";
  ASSERT_TRUE(s.copy_out(VirtAddr(kPageSize - 3), across, sizeof(across)).ok());
  ASSERT_TRUE(s.copy_out(VirtAddr(2 * kPageSize - 3), "xy", 3).ok());
  this->load();
  EXPECT_EQ(this->read_str(100, 64), "hello");
  EXPECT_EQ(this->read_str(100, 6), "hello");
  EXPECT_EQ(this->read_str(100, 5), "error: too big");
  EXPECT_EQ(this->read_str(kPageSize - 3, 64), "abcdef");
  EXPECT_EQ(this->read_str(2 * kPageSize - 3, 64), "xy");
  // Running off the end of user memory before a NUL.
  const char no_nul[3] = {'p', 'q', 'r'};
  ASSERT_TRUE(s.copy_out(VirtAddr(2 * kPageSize - 3), no_nul, 3).ok());
  EXPECT_EQ(this->read_str(2 * kPageSize - 3, 64), "error: bad address");
  EXPECT_EQ(this->read_str(2 * kPageSize, 64), "error: bad address");
}

TYPED_TEST(KernelMirrorTest, MoveCarriesTheTableAndAttachRepointsTheSpace) {
  auto& s = this->space_;
  ASSERT_TRUE(s.grow(kPageSize, Perm::kWrite).ok());
  const PhysAddr root = this->mirror_.table().root();
  typename TestFixture::Mirror moved(std::move(this->mirror_));
  EXPECT_FALSE(this->mirror_.valid());
  EXPECT_EQ(this->mirror_.limit(), 0u);
  EXPECT_EQ(moved.table().root(), root);
  moved.attach(s);
  ASSERT_TRUE(s.grow(2 * kPageSize, Perm::kWrite).ok());
  uint64_t pages = 0;
  EXPECT_TRUE(moved.mirror_matches(s, &pages));
  EXPECT_EQ(pages, 2u);
  s.destroy();  // tells `moved`, not the moved-from mirror
  EXPECT_FALSE(moved.table().view().has_leaves());
  this->mirror_ = std::move(moved);  // back, for TearDown
}

TYPED_TEST(KernelMirrorTest, DestroyFreesOnlyTheMirrorsOwnTables) {
  // A kernel mapping above the limit (a device, say): its frame is not the mirror's to free.
  const PhysAddr device = this->mem_.alloc_page().value();
  ASSERT_TRUE(this->mirror_.table()
                  .map(VirtAddr(this->kLimit), kPageSize, device, Perm::kRead | Perm::kWrite)
                  .ok());
  ASSERT_TRUE(this->space_.grow(kPageSize, Perm::kWrite).ok());
  this->space_.destroy();
  this->mirror_.destroy();
  EXPECT_FALSE(this->mirror_.valid());
  EXPECT_TRUE(this->mem_.allocated(device));
  this->mem_.free_page(device);
}

TYPED_TEST(KernelMirrorTest, DestroyWhileLoadedIsAKernelBug) {
  this->load();
  EXPECT_DEATH(this->mirror_.destroy(), "loaded");
  TestFixture::Mmu::current = PhysAddr();
}

}  // namespace
}  // namespace pagoda::mm

namespace pagoda::mm {
namespace {

// UserCap::kNone (issue 12): user memory may go on above the mirror's limit; what lies above is
// not mirrored, a run crossing the limit is mirrored up to it, and readable() says no above it
// (there the table holds the kernel's own mappings), so copies take the software walk.
template <class Format>
class UncappedMirrorTest : public ::testing::Test {};
TYPED_TEST_SUITE(UncappedMirrorTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(UncappedMirrorTest, PagesAboveTheLimitAreNotMirrored) {
  using Mmu = FakeMmu<TypeParam>;
  using Mirror = KernelMirror<TypeParam, test::FakeMemory, Mmu>;
  using Space = AddressSpace<TypeParam, test::FakeMemory>;
  test::FakeMemory mem;
  Mmu::mem = &mem;
  Mmu::current = PhysAddr();
  const PhysAddr tramp = mem.alloc_page().value(), tf = mem.alloc_page().value();
  constexpr uint64_t kLimit = 16 * kPageSize;
  {
    Space space = Space::create(mem, tramp, tf).value();
    Mirror mirror = Mirror::create(mem, kLimit, Mirror::UserCap::kNone).value();
    mirror.attach(space);
    EXPECT_GT(space.limit(), kLimit);  // not capped
    ASSERT_TRUE(space.grow(24 * kPageSize, Perm::kRead | Perm::kWrite).ok());
    uint64_t mirrored = 0;
    EXPECT_TRUE(mirror.mirror_matches(space, &mirrored));
    EXPECT_EQ(mirrored, 16u);
    EXPECT_TRUE(mirror.readable(space, 15 * kPageSize, 8));
    EXPECT_FALSE(mirror.readable(space, 16 * kPageSize, 8));
    EXPECT_FALSE(mirror.readable(space, 15 * kPageSize, kPageSize + 1));
    ASSERT_TRUE(space.grow_lazy(40 * kPageSize).ok());
    ASSERT_TRUE(space.fault_in_zeroed(VirtAddr(30 * kPageSize), Perm::kRead | Perm::kWrite).ok());
    space.shrink_sparse(8 * kPageSize);  // across the limit: only the mirrored part is unmirrored
    EXPECT_TRUE(mirror.mirror_matches(space, &mirrored));
    EXPECT_EQ(mirrored, 8u);
    space.release_all();
    space.destroy();
    mirror.destroy();
  }
  EXPECT_EQ(mem.pages_in_use(), 2u);
}

}  // namespace
}  // namespace pagoda::mm
