// Copy-on-write fork over superpages (issue 12): the child shares each 2 MiB leaf read-only with
// the COW mark and every frame gains a reference; a store splits the leaf in the storing space
// only and copies one page; the last owner takes the superpage back in place; exit returns every
// frame, whole blocks or page by page. Over the buddy allocator with frame reference counts, as in
// the kernel (RefCountedMemory<FrameAllocator>).
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/frame_allocator.h"
#include "kernel/mm/frame_refs.h"

namespace pagoda::mm {
namespace {

using riscv::Sv39;

struct NoLock {
  void acquire() {}
  void release() {}
};

constexpr uint64_t kSuper = uint64_t{2} << 20;
constexpr uint64_t kBase = 0x80000000;
constexpr uint64_t kRam = 32 * 1024 * 1024;

class Memory : public RefCountedMemory<FrameAllocator<NoLock>> {
 public:
  explicit Memory(unsigned char* buf) {
    add_range(PhysAddr(kBase), PhysAddr(kBase + kRam), reinterpret_cast<uint64_t>(buf) - kBase);
    EXPECT_TRUE(refs().init(PhysAddr(kBase), kRam / kPageSize, [this] {
                        leaves_.emplace_back(new uint32_t[FrameRefs::kPerLeaf]());
                        return static_cast<void*>(leaves_.back().get());
                      }).ok());
  }

 private:
  std::vector<std::unique_ptr<uint32_t[]>> leaves_;
};
static_assert(SharedPhysMemory<Memory>);

using Space = AddressSpace<Sv39, Memory>;

class SuperCowTest : public ::testing::Test {
 protected:
  SuperCowTest()
      : buf_(static_cast<unsigned char*>(std::aligned_alloc(kPageSize, kRam))), mem_(buf_) {
    tramp_ = mem_.alloc().value();
    trapframe_ = mem_.alloc().value();
    start_free_ = mem_.free_pages();
  }
  ~SuperCowTest() override {
    EXPECT_EQ(mem_.free_pages(), start_free_);
    mem_.free(tramp_);
    mem_.free(trapframe_);
    std::free(buf_);
  }

  Space fresh() { return Space::create(mem_, tramp_, trapframe_).value(); }
  void release(Space& s) {
    s.release_all();
    s.destroy();
  }
  static int level_at(const Space& s, uint64_t va) {
    int level = -1;
    return s.table().find_leaf(VirtAddr(va), &level) == nullptr ? -1 : level;
  }
  static Sv39::Pte leaf(const Space& s, uint64_t va) {
    return *s.table().find_leaf(VirtAddr(va));
  }
  uint64_t& word(const Space& s, uint64_t va) {
    return *static_cast<uint64_t*>(mem_.ptr(s.table().translate(VirtAddr(va)).value()));
  }
  void stamp(Space& s, uint64_t salt) {
    for (uint64_t va = 0; va < s.size(); va += kPageSize) word(s, va) = va ^ salt;
  }
  bool stamped(const Space& s, uint64_t salt) {
    for (uint64_t va = 0; va < s.size(); va += kPageSize) {
      if (word(s, va) != (va ^ salt)) return false;
    }
    return true;
  }

  unsigned char* buf_;
  Memory mem_;
  PhysAddr tramp_, trapframe_;
  uint64_t start_free_ = 0;
};

TEST_F(SuperCowTest, ForkSharesTheLeafAndAStoreSplitsOnlyTheStoringSpace) {
  Space parent = fresh();
  ASSERT_TRUE(parent.grow_superpages(2 * kSuper, Perm::kWrite).ok());
  ASSERT_EQ(level_at(parent, 0), 1);
  ASSERT_EQ(level_at(parent, kSuper), 1);
  stamp(parent, 0x11);
  const PhysAddr frame0 = leaf(parent, 0).phys();

  Space child = fresh();
  ASSERT_TRUE(parent.share_to(child).ok());
  for (const Space* s : {&parent, &child}) {
    EXPECT_EQ(level_at(*s, 0), 1);
    EXPECT_EQ(level_at(*s, kSuper), 1);
    EXPECT_TRUE(leaf(*s, 0).cow());
    EXPECT_FALSE(leaf(*s, 0).writable());
    EXPECT_EQ(leaf(*s, 0).phys(), frame0);
  }
  EXPECT_TRUE(stamped(child, 0x11));
  EXPECT_FALSE(mem_.page_exclusive(frame0 + 7 * kPageSize));

  // The child stores into page 3 of the first superpage: its leaf splits, page 3 is copied, the
  // other 511 stay shared; the parent keeps its leaf.
  ASSERT_TRUE(child.break_cow(VirtAddr(3 * kPageSize)).ok());
  EXPECT_EQ(level_at(child, 0), 0);
  EXPECT_EQ(level_at(parent, 0), 1);
  EXPECT_NE(leaf(child, 3 * kPageSize).phys(), frame0 + 3 * kPageSize);
  EXPECT_TRUE(leaf(child, 3 * kPageSize).writable());
  EXPECT_FALSE(leaf(child, 3 * kPageSize).cow());
  EXPECT_EQ(leaf(child, 4 * kPageSize).phys(), frame0 + 4 * kPageSize);
  EXPECT_TRUE(leaf(child, 4 * kPageSize).cow());
  word(child, 3 * kPageSize) = 0xabc;
  EXPECT_EQ(word(parent, 3 * kPageSize), (3 * kPageSize) ^ 0x11);
  EXPECT_EQ(level_at(child, kSuper), 1);  // the second superpage is untouched

  // The child exits: every shared frame loses one reference, its own copy and table go.
  release(child);
  EXPECT_TRUE(mem_.page_exclusive(frame0 + 7 * kPageSize));
  // The parent's store takes each superpage back whole, in place.
  ASSERT_TRUE(parent.break_cow(VirtAddr(kPageSize)).ok());
  EXPECT_EQ(level_at(parent, 0), 1);
  EXPECT_TRUE(leaf(parent, 0).writable());
  EXPECT_FALSE(leaf(parent, 0).cow());
  EXPECT_EQ(leaf(parent, 0).phys(), frame0);
  EXPECT_TRUE(stamped(parent, 0x11));
  release(parent);  // the fixture checks every frame came back
}

TEST_F(SuperCowTest, TheParentLeavingFirstLeavesTheChildsPagesIntact) {
  Space parent = fresh();
  ASSERT_TRUE(parent.grow_superpages(kSuper, Perm::kWrite).ok());
  stamp(parent, 0x22);
  Space child = fresh();
  ASSERT_TRUE(parent.share_to(child).ok());
  ASSERT_TRUE(parent.break_cow(VirtAddr(0)).ok());  // parent splits and copies page 0
  release(parent);
  EXPECT_TRUE(stamped(child, 0x22));
  ASSERT_TRUE(child.break_cow(VirtAddr(0)).ok());  // all 512 frames are the child's now
  EXPECT_EQ(level_at(child, 0), 1);
  EXPECT_TRUE(leaf(child, 0).writable());
  release(child);
}

TEST_F(SuperCowTest, OutOfMemoryAtEachAllocationOfTheForkChangesNothing) {
  Space parent = fresh();
  ASSERT_TRUE(parent.grow(5 * kPageSize, Perm::kWrite).ok());
  ASSERT_TRUE(parent.grow_superpages(4 * kSuper, Perm::kWrite).ok());
  stamp(parent, 0x33);
  const uint64_t before = mem_.free_pages();
  int failures = 0;
  for (uint64_t n = 1;; ++n) {
    Space child = fresh();
    mem_.set_fault_plan(FaultPlan::nth(n));
    const Status shared = parent.share_to(child);
    mem_.set_fault_plan(FaultPlan());
    if (shared.ok()) {
      release(child);
      break;
    }
    ++failures;
    EXPECT_EQ(shared.error(), Error::kNoMemory);
    EXPECT_EQ(child.size(), 0u);
    child.destroy();
    EXPECT_EQ(mem_.free_pages(), before) << "failing allocation " << n;
    EXPECT_TRUE(leaf(parent, kSuper).writable()) << "the parent is marked only on success";
  }
  EXPECT_GT(failures, 0);
  EXPECT_TRUE(stamped(parent, 0x33));
  release(parent);
}

}  // namespace
}  // namespace pagoda::mm
