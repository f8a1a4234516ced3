// Demand paging's portable core (issue 12) over both PTE formats: FrameRefs (counts, exact under
// concurrent share/release), the fault decision table (mm::decide_fault), and AddressSpace's lazy
// growth, sparse release, fault-in, copy-on-write fork and its state machine (shared, taken back,
// copied), each with every page accounted for and failure injection.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "kernel/mm/address_space.h"
#include "kernel/mm/fault.h"
#include "kernel/mm/frame_refs.h"
#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

using testing_util::MirrorObserver;

// FakeMemory with reference counts, as the kernel's memory has them.
class CountedMemory : public RefCountedMemory<test::FakeMemory> {
 public:
  CountedMemory() {
    // Covers every fake frame this memory can hand out in a test.
    EXPECT_TRUE(refs().init(PhysAddr(test::FakeMemory::kDefaultBase), 1 << 16, [this] {
                       leaves_.emplace_back(new uint32_t[FrameRefs::kPerLeaf]);
                       return static_cast<void*>(leaves_.back().get());
                     }).ok());
  }

 private:
  std::vector<std::unique_ptr<uint32_t[]>> leaves_;
};
static_assert(SharedPhysMemory<CountedMemory>);

TEST(FrameRefsTest, CountsReferencesBeyondTheFirst) {
  std::vector<uint32_t> storage(FrameRefs::kPerLeaf * 2, 0xdeadbeef);
  FrameRefs refs;
  int leaf = 0;
  ASSERT_TRUE(refs.init(PhysAddr(0x80000000), 1500, [&] {
                    return static_cast<void*>(&storage[FrameRefs::kPerLeaf * leaf++]);
                  }).ok());
  EXPECT_EQ(leaf, 2);  // 1500 frames: two pages of counts
  const PhysAddr a(0x80000000 + 1499 * kPageSize);
  EXPECT_TRUE(refs.tracks(a));
  EXPECT_FALSE(refs.tracks(PhysAddr(0x80000000 + 1500 * kPageSize)));
  EXPECT_TRUE(refs.exclusive(a));
  refs.share(a);
  refs.share(a);
  EXPECT_EQ(refs.extra(a), 2u);
  EXPECT_FALSE(refs.exclusive(a));
  EXPECT_FALSE(refs.release(a));
  EXPECT_FALSE(refs.release(a));
  EXPECT_TRUE(refs.exclusive(a));
  EXPECT_TRUE(refs.release(a));  // the last owner frees
  EXPECT_EQ(refs.shared_frames(), 0u);
  // Frames outside the table are never shared: freeing them is always the last reference.
  EXPECT_TRUE(refs.release(PhysAddr(0x1000)));
}

TEST(FrameRefsTest, InitFailsCleanlyWithoutStorageAndRefusesTooMuch) {
  FrameRefs refs;
  EXPECT_EQ(refs.init(PhysAddr(0), 10, [] { return static_cast<void*>(nullptr); }).error(),
            Error::kNoMemory);
  EXPECT_EQ(refs.init(PhysAddr(0), FrameRefs::kMaxFrames + 1, [] { return nullptr; }).error(),
            Error::kTooBig);
  EXPECT_EQ(refs.init(PhysAddr(12), 1, [] { return nullptr; }).error(), Error::kMisaligned);
}

// Shares and releases on 4 threads at once (fork and exit on every hart): exactly one release
// per frame reports the last reference.
TEST(FrameRefsTest, ExactUnderConcurrentShareAndRelease) {
  constexpr int kFrames = 64, kThreads = 4, kRounds = 2000;
  std::vector<uint32_t> storage(FrameRefs::kPerLeaf);
  FrameRefs refs;
  ASSERT_TRUE(refs.init(PhysAddr(0), kFrames, [&] { return static_cast<void*>(storage.data()); })
                  .ok());
  std::vector<int> lasts(kFrames, 0);
  for (int f = 0; f < kFrames; ++f) {
    for (int i = 0; i < kThreads * kRounds; ++i) refs.share(PhysAddr(f * kPageSize));
  }
  std::vector<std::thread> threads;
  std::vector<std::vector<int>> mine(kThreads, std::vector<int>(kFrames, 0));
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        for (int f = 0; f < kFrames; ++f) {
          const PhysAddr pa(f * kPageSize);
          refs.share(pa);
          if (refs.release(pa)) ++mine[t][f];
          if (refs.release(pa)) ++mine[t][f];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f = 0; f < kFrames; ++f) {
    int total = 0;
    for (int t = 0; t < kThreads; ++t) total += mine[t][f];
    EXPECT_EQ(total, 0) << "frame " << f << ": a release before the last said last";
    EXPECT_TRUE(refs.release(PhysAddr(f * kPageSize)));  // the original owner's
  }
}

// ---- The fault decision, over both formats.

template <class Format>
class FaultDecisionTest : public ::testing::Test {};
TYPED_TEST_SUITE(FaultDecisionTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(FaultDecisionTest, EveryCase) {
  using Pte = typename TypeParam::Pte;
  const Perm rw = Perm::kRead | Perm::kWrite | Perm::kUser;
  const Perm rx = Perm::kRead | Perm::kExec | Perm::kUser;
  const Region heap{VirtAddr(0x10000), 0x10000, rw, RegionKind::kHeap};
  const Region stack{VirtAddr(0x3000), 0x1000, rw, RegionKind::kStack};
  const Region guard{VirtAddr(0x2000), 0x1000, Perm::kRead | Perm::kWrite, RegionKind::kGuard};
  const Region text{VirtAddr(0), 0x2000, rx, RegionKind::kText};
  const Region file{VirtAddr(0x40000), 0x4000, rw, RegionKind::kFileMap};
  const Region ro_file{VirtAddr(0x50000), 0x4000, Perm::kRead | Perm::kUser, RegionKind::kFileMap};
  const Pte absent;
  const Pte user_rw = Pte::make_leaf(PhysAddr(0x5000), rw);
  const Pte user_ro = Pte::make_leaf(PhysAddr(0x5000), Perm::kRead | Perm::kUser);
  const Pte cow = user_ro.with_cow(true);
  const Pte kernel_only = Pte::make_leaf(PhysAddr(0x5000), Perm::kRead | Perm::kWrite);
  const Pte user_rx = Pte::make_leaf(PhysAddr(0x5000), rx);
  using A = Access;
  using F = FaultAction;
  // Outside every region, and the guard page: killed, whatever the PTE.
  EXPECT_EQ(decide_fault<Pte>(nullptr, nullptr, A::kRead), F::kKill);
  EXPECT_EQ(decide_fault(nullptr, &user_rw, A::kWrite), F::kKill);
  EXPECT_EQ(decide_fault(&guard, &kernel_only, A::kRead), F::kKill);
  // A lazy heap page: zero-filled on any allowed access; no table yet or an empty slot alike.
  EXPECT_EQ(decide_fault<Pte>(&heap, nullptr, A::kRead), F::kZeroFill);
  EXPECT_EQ(decide_fault(&heap, &absent, A::kWrite), F::kZeroFill);
  EXPECT_EQ(decide_fault(&stack, &absent, A::kWrite), F::kZeroFill);
  // Against the region's permissions: a store to text, executing the heap (Sv39 only has X).
  EXPECT_EQ(decide_fault(&text, &user_rx, A::kWrite), F::kKill);
  EXPECT_EQ(decide_fault(&heap, &user_rw, A::kExec), F::kKill);
  EXPECT_EQ(decide_fault(&text, &absent, A::kRead), F::kKill);  // text is never lazy
  // Copy-on-write: a store breaks it; a load of it is a stale TLB entry.
  EXPECT_EQ(decide_fault(&heap, &cow, A::kWrite), F::kBreakCow);
  EXPECT_EQ(decide_fault(&heap, &cow, A::kRead), F::kRetry);
  EXPECT_EQ(decide_fault(&file, &cow, A::kWrite), F::kBreakCow);
  // A read-only page that is not COW in a writable region stays read-only.
  EXPECT_EQ(decide_fault(&heap, &user_ro, A::kWrite), F::kKill);
  // A kernel-only page in a region (exec's guard page inside the stack's neighbour): killed.
  EXPECT_EQ(decide_fault(&heap, &kernel_only, A::kRead), F::kKill);
  // Already allowed: retry.
  EXPECT_EQ(decide_fault(&heap, &user_rw, A::kWrite), F::kRetry);
  // Mapped files and anonymous mappings go to the mmap code, within their permissions.
  EXPECT_EQ(decide_fault(&file, &absent, A::kRead), F::kMapping);
  EXPECT_EQ(decide_fault(&ro_file, &absent, A::kWrite), F::kKill);
  EXPECT_EQ(decide_fault(&ro_file, &user_ro, A::kWrite), F::kKill);
}

// ---- AddressSpace: lazy growth, fault-in, sparse release, COW fork.

template <class Format>
class DemandPagingTest : public ::testing::Test {
 protected:
  using Space = AddressSpace<Format, CountedMemory>;
  using Pte = typename Format::Pte;
  static constexpr Perm kRw = Perm::kRead | Perm::kWrite;

  void SetUp() override {
    trampoline_ = mem_.alloc_page().value();
    trapframe_ = mem_.alloc_page().value();
    base_pages_ = mem_.pages_in_use();
  }
  void TearDown() override {
    EXPECT_EQ(mem_.pages_in_use(), base_pages_) << "pages leaked";
    EXPECT_EQ(mem_.refs().shared_frames(), 0u) << "references left";
  }
  Space space() { return Space::create(mem_, trampoline_, trapframe_).value(); }
  void end(Space& s) {
    s.release_all();
    s.destroy();
  }
  char* bytes(Space& s, uint64_t va) {
    auto pa = s.table().translate(VirtAddr(va));
    EXPECT_TRUE(pa.ok());
    return static_cast<char*>(mem_.ptr(PhysAddr(pa->value() & ~(kPageSize - 1)))) +
           (va & (kPageSize - 1));
  }
  const Pte* pte(Space& s, uint64_t va) { return s.leaf(VirtAddr(va)); }

  CountedMemory mem_;
  PhysAddr trampoline_, trapframe_;
  uint64_t base_pages_ = 0;
};
TYPED_TEST_SUITE(DemandPagingTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(DemandPagingTest, LazyGrowAllocatesNothingAndFaultsInZeroedPages) {
  auto s = this->space();
  const uint64_t before = this->mem_.pages_in_use();
  ASSERT_TRUE(s.grow_lazy(1ull << 30 > s.limit() ? s.limit() / 2 : 1ull << 30).ok());
  EXPECT_EQ(this->mem_.pages_in_use(), before);
  EXPECT_EQ(s.grow_lazy(s.limit() + 1).error(), Error::kOutOfRange);
  const uint64_t va = 300 * kPageSize + 12;
  ASSERT_TRUE(s.fault_in_zeroed(VirtAddr(va), this->kRw).ok());
  EXPECT_EQ(*this->bytes(s, va), 0);
  EXPECT_TRUE(this->pte(s, va)->user() && this->pte(s, va)->writable());
  EXPECT_EQ(s.fault_in_zeroed(VirtAddr(va), this->kRw).error(), Error::kAlreadyMapped);
  EXPECT_EQ(s.fault_in_zeroed(VirtAddr(s.size() + kPageSize), this->kRw).error(),
            Error::kOutOfRange);
  // Out of memory: nothing changes.
  this->mem_.fail_nth_alloc(1);
  const uint64_t used = this->mem_.pages_in_use();
  EXPECT_EQ(s.fault_in_zeroed(VirtAddr(900 * kPageSize), this->kRw).error(), Error::kNoMemory);
  EXPECT_EQ(this->mem_.pages_in_use(), used);
  this->end(s);
}

TYPED_TEST(DemandPagingTest, SparseShrinkFreesWhatIsPresentAndPrunesTables) {
  auto s = this->space();
  const uint64_t before = this->mem_.pages_in_use();
  ASSERT_TRUE(s.grow_lazy(64ull << 20).ok());
  for (uint64_t va : {0ull, 5ull << 20, 40ull << 20}) {
    ASSERT_TRUE(s.fault_in_zeroed(VirtAddr(va), this->kRw).ok());
  }
  s.shrink_sparse(4 << 20);
  EXPECT_EQ(s.size(), 4u << 20);
  EXPECT_EQ(this->pte(s, 5 << 20), nullptr);  // its table went too
  EXPECT_TRUE(this->pte(s, 0)->valid());
  s.shrink_sparse(0);
  EXPECT_EQ(this->mem_.pages_in_use(), before);
  this->end(s);
}

TYPED_TEST(DemandPagingTest, CowForkSharesThenCopiesOrTakesBack) {
  auto parent = this->space();
  MirrorObserver parent_mirror, child_mirror;
  parent.set_observer(&parent_mirror);
  ASSERT_TRUE(parent.grow(4 * kPageSize, this->kRw).ok());
  ASSERT_TRUE(parent.grow_lazy(16 * kPageSize).ok());  // pages 4..15: holes
  for (int i = 0; i < 4; ++i) *this->bytes(parent, i * kPageSize) = static_cast<char>('a' + i);
  auto child = this->space();
  child.set_observer(&child_mirror);
  const uint64_t before = this->mem_.pages_in_use();
  ASSERT_TRUE(parent.share_to(child).ok());
  EXPECT_EQ(child.size(), parent.size());
  // Shared: same frames, read-only and COW on both sides; the holes stay holes. Only tables
  // were allocated (at most one per level below the root).
  EXPECT_LE(this->mem_.pages_in_use() - before, static_cast<uint64_t>(TypeParam::kLevels - 1));
  for (int i = 0; i < 4; ++i) {
    const auto* pp = this->pte(parent, i * kPageSize);
    const auto* cp = this->pte(child, i * kPageSize);
    EXPECT_EQ(pp->phys(), cp->phys());
    EXPECT_TRUE(pp->cow() && cp->cow() && !pp->writable() && !cp->writable());
    EXPECT_EQ(this->mem_.refs().extra(pp->phys()), 1u);
  }
  EXPECT_FALSE(this->pte(child, 5 * kPageSize)->valid());
  EXPECT_EQ(child_mirror.mirror.size(), 4u);
  // The child writes page 1: it gets a copy; the parent keeps the original.
  const PhysAddr original = this->pte(parent, kPageSize)->phys();
  ASSERT_TRUE(child.break_cow(VirtAddr(kPageSize + 7)).ok());
  EXPECT_NE(this->pte(child, kPageSize)->phys(), original);
  EXPECT_TRUE(this->pte(child, kPageSize)->writable());
  EXPECT_FALSE(this->pte(child, kPageSize)->cow());
  EXPECT_EQ(child_mirror.mirror[kPageSize], this->pte(child, kPageSize)->phys());
  EXPECT_EQ(*this->bytes(child, kPageSize), 'b');
  *this->bytes(child, kPageSize) = 'B';
  EXPECT_EQ(*this->bytes(parent, kPageSize), 'b');
  // ...and the parent, now the last holder of the original, takes it back in place.
  EXPECT_TRUE(this->mem_.page_exclusive(original));
  const uint64_t used = this->mem_.pages_in_use();
  ASSERT_TRUE(parent.break_cow(VirtAddr(kPageSize)).ok());
  EXPECT_EQ(this->pte(parent, kPageSize)->phys(), original);
  EXPECT_EQ(this->mem_.pages_in_use(), used);
  // Not COW any more: kInvalid.
  EXPECT_EQ(parent.break_cow(VirtAddr(kPageSize)).error(), Error::kInvalid);
  // Out of memory while copying: nothing changes.
  this->mem_.fail_nth_alloc(1);
  EXPECT_EQ(child.break_cow(VirtAddr(2 * kPageSize)).error(), Error::kNoMemory);
  EXPECT_TRUE(this->pte(child, 2 * kPageSize)->cow());
  // The child exits: its shared pages lose a reference, the parent's stay.
  this->end(child);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(this->mem_.page_exclusive(this->pte(parent, i * kPageSize)->phys()));
  }
  EXPECT_EQ(*this->bytes(parent, 3 * kPageSize), 'd');
  this->end(parent);
}

TYPED_TEST(DemandPagingTest, ForkFailsCleanlyAtEveryAllocation) {
  auto parent = this->space();
  ASSERT_TRUE(parent.grow(8 * kPageSize, this->kRw).ok());
  ASSERT_TRUE(parent.grow_lazy(8 << 20).ok());
  ASSERT_TRUE(parent.fault_in_zeroed(VirtAddr(6 << 20), this->kRw).ok());
  for (bool cow : {true, false}) {
    for (int n = 1;; ++n) {
      auto child = this->space();
      MirrorObserver mirror;
      child.set_observer(&mirror);
      const uint64_t before = this->mem_.pages_in_use();
      this->mem_.fail_nth_alloc(n);
      const Status s = cow ? parent.share_to(child) : parent.copy_present_to(child);
      this->mem_.clear_failures();
      if (s.ok()) {
        EXPECT_GT(n, 1);
        EXPECT_EQ(mirror.mirror.size(), 9u);
        this->end(child);
        break;
      }
      EXPECT_EQ(s.error(), Error::kNoMemory);
      EXPECT_EQ(this->mem_.pages_in_use(), before) << "n=" << n;
      EXPECT_EQ(child.size(), 0u);
      EXPECT_TRUE(mirror.mirror.empty());
      child.destroy();
      ASSERT_LT(n, 100);
    }
  }
  // A failed share left the parent's pages as they were (only a successful one marks them).
  this->end(parent);
}

// A random model run: a family of spaces forking (COW), writing, faulting lazily and exiting in
// random order; every byte matches a per-space model and every page comes back.
TYPED_TEST(DemandPagingTest, RandomForkWriteExitAgreesWithAModel) {
  using Space = typename TestFixture::Space;
  constexpr uint64_t kPages = 24;
  std::mt19937 rng(12);
  std::vector<Space> spaces;
  std::vector<std::map<uint64_t, char>> model;
  spaces.push_back(this->space());
  model.emplace_back();
  ASSERT_TRUE(spaces[0].grow_lazy(kPages * kPageSize).ok());
  auto write = [&](size_t i, uint64_t page, char v) {
    Space& s = spaces[i];
    const auto* p = s.leaf(VirtAddr(page * kPageSize));
    if (p == nullptr || !p->valid()) {
      ASSERT_TRUE(s.fault_in_zeroed(VirtAddr(page * kPageSize), this->kRw).ok());
    } else if (p->cow()) {
      ASSERT_TRUE(s.break_cow(VirtAddr(page * kPageSize)).ok());
    }
    *this->bytes(s, page * kPageSize) = v;
    model[i][page] = v;
  };
  for (int step = 0; step < 3000; ++step) {
    const size_t i = rng() % spaces.size();
    const int op = rng() % 10;
    if (op < 6) {
      write(i, rng() % kPages, static_cast<char>('a' + rng() % 26));
    } else if (op < 8 && spaces.size() < 8) {
      spaces.push_back(this->space());
      ASSERT_TRUE(spaces[i].share_to(spaces.back()).ok());
      model.push_back(model[i]);
    } else if (spaces.size() > 1) {
      this->end(spaces[i]);
      spaces.erase(spaces.begin() + i);
      model.erase(model.begin() + i);
    }
    for (size_t k = 0; k < spaces.size(); ++k) {
      for (uint64_t page = 0; page < kPages; ++page) {
        const auto* p = spaces[k].leaf(VirtAddr(page * kPageSize));
        const bool present = p != nullptr && p->valid();
        auto it = model[k].find(page);
        if (it == model[k].end()) {
          if (present) {
            ASSERT_EQ(*this->bytes(spaces[k], page * kPageSize), 0);
          }
        } else {
          ASSERT_TRUE(present);
          ASSERT_EQ(*this->bytes(spaces[k], page * kPageSize), it->second);
        }
      }
    }
  }
  for (auto& s : spaces) this->end(s);
}

}  // namespace
}  // namespace pagoda::mm
