// Host micro-benchmarks of the portable page-table core (issue 7): map, unmap and translate of 1,
// 512 and 262144 pages (one leaf, one full last-level table, 1 GiB), and the copy of a 4 MiB
// address space (xv6 uvmcopy, the heart of fork). Host CPU time: compare runs on one machine only.
//
// Frames come from ArenaMemory, a preallocated, pre-touched arena with an O(1) free list, so the
// figures measure the page-table code rather than a test double (FakeMemory keeps a std::map and
// fills every frame with junk, which would dominate).
#include <benchmark/benchmark.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/page_table.h"

namespace {

using pagoda::Error;
using pagoda::Result;
using pagoda::mm::FreeFrames;
using pagoda::mm::kPageSize;
using pagoda::mm::Perm;
using pagoda::mm::PhysAddr;
using pagoda::mm::VirtAddr;

// A PhysMemory over one contiguous host allocation; frame i is at fake physical kBase + i pages.
class ArenaMemory {
 public:
  static constexpr uint64_t kBase = 0x80000000;

  explicit ArenaMemory(uint64_t pages) : pages_(pages), storage_(new Page[pages]) {
    std::memset(storage_.get(), 0, pages * kPageSize);  // fault every page in before timing
    free_.reserve(pages);
    for (uint64_t i = pages; i-- > 0;) free_.push_back(i);
  }

  Result<PhysAddr> alloc_page() {
    if (free_.empty()) return Error::kNoMemory;
    uint64_t i = free_.back();
    free_.pop_back();
    return PhysAddr(kBase + i * kPageSize);
  }
  void free_page(PhysAddr pa) { free_.push_back(index(pa)); }
  void* ptr(PhysAddr pa) { return storage_[index(pa)].bytes; }

  uint64_t free_pages() const { return free_.size(); }

 private:
  struct alignas(4096) Page {
    unsigned char bytes[4096];
  };
  uint64_t index(PhysAddr pa) const {
    uint64_t i = (pa.value() - kBase) / kPageSize;
    if (pa.value() < kBase || i >= pages_) pagoda::panic("arena: bad frame %#lx", pa.value());
    return i;
  }

  uint64_t pages_;
  std::unique_ptr<Page[]> storage_;
  std::vector<uint64_t> free_;
};

static_assert(pagoda::mm::PhysMemory<ArenaMemory>);

using Table = pagoda::mm::PageTable<pagoda::riscv::Sv39, ArenaMemory>;

constexpr uint64_t kRoundPages = 262144;         // 1 GiB of address space per round
constexpr uint64_t kVaBase = uint64_t{1} << 30;  // 1 GiB-aligned: a round fills one root entry
constexpr uint64_t kPaBase = uint64_t{1} << 33;  // leaves point here; never dereferenced
constexpr Perm kUserRw = Perm::kRead | Perm::kWrite | Perm::kUser;

VirtAddr va_of(uint64_t page) {
  return VirtAddr(kVaBase + page * kPageSize);
}
PhysAddr pa_of(uint64_t page) {
  return PhysAddr(kPaBase + page * kPageSize);
}

void check(bool ok, benchmark::State& state, const char* what) {
  if (!ok) state.SkipWithError(what);
}

Table make_table(ArenaMemory& mem) {
  Result<Table> t = Table::create(mem);
  if (!t) pagoda::panic("bench: cannot create a page table");
  return std::move(t).value();
}

void teardown(Table& t, uint64_t mapped_pages) {
  if (mapped_pages && !t.unmap(va_of(0), mapped_pages, FreeFrames::kNo).ok())
    pagoda::panic("bench: unmap failed");
  if (!t.destroy().ok()) pagoda::panic("bench: destroy failed");
}

// Each iteration maps the next N pages of a 1 GiB round into a tree that starts empty for every
// round, so the cost of allocating the tables the pages need is included, amortised as in use.
void BM_Map(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  ArenaMemory mem(1024);
  Table t = make_table(mem);
  uint64_t next = 0;
  for (auto _ : state) {
    if (next + n > kRoundPages) {
      state.PauseTiming();
      teardown(t, next);
      t = make_table(mem);
      next = 0;
      state.ResumeTiming();
    }
    check(t.map(va_of(next), n * kPageSize, pa_of(next), kUserRw).ok(), state, "map failed");
    next += n;
  }
  teardown(t, next);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

// Each iteration unmaps the next N pages of a 1 GiB round mapped beforehand (not timed).
void BM_Unmap(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  ArenaMemory mem(1024);
  Table t = make_table(mem);
  uint64_t next = kRoundPages;  // forces a fresh round at the start
  for (auto _ : state) {
    if (next + n > kRoundPages) {
      state.PauseTiming();
      if (next < kRoundPages && !t.unmap(va_of(next), kRoundPages - next, FreeFrames::kNo).ok())
        pagoda::panic("bench: unmap failed");
      if (!t.map(va_of(0), kRoundPages * kPageSize, pa_of(0), kUserRw).ok())
        pagoda::panic("bench: map failed");
      next = 0;
      state.ResumeTiming();
    }
    check(t.unmap(va_of(next), n, FreeFrames::kNo).ok(), state, "unmap failed");
    next += n;
  }
  if (next < kRoundPages && !t.unmap(va_of(next), kRoundPages - next, FreeFrames::kNo).ok())
    pagoda::panic("bench: unmap failed");
  teardown(t, 0);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

// Each iteration translates N consecutive pages of a 1 GiB mapping (xv6 walkaddr-style lookups).
void BM_Translate(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  ArenaMemory mem(1024);
  Table t = make_table(mem);
  if (!t.map(va_of(0), kRoundPages * kPageSize, pa_of(0), kUserRw).ok())
    pagoda::panic("bench: map failed");
  uint64_t next = 0;
  for (auto _ : state) {
    if (next + n > kRoundPages) next = 0;
    for (uint64_t i = next; i < next + n; ++i) {
      Result<PhysAddr> pa = t.translate(va_of(i) + 123);
      benchmark::DoNotOptimize(pa);
    }
    next += n;
  }
  teardown(t, kRoundPages);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

// xv6 uvmcopy of a 4 MiB address space into an empty child: 1024 frames allocated and copied,
// plus the child's tables. The child's teardown is not timed.
void BM_Copy4MiB(benchmark::State& state) {
  constexpr uint64_t kSize = uint64_t{4} << 20;
  constexpr uint64_t kPages = kSize / kPageSize;
  ArenaMemory mem(2 * kPages + 64);
  Table parent = make_table(mem);
  if (!parent.map_zeroed(VirtAddr(0), kSize, kUserRw).ok())
    pagoda::panic("bench: map_zeroed failed");
  for (auto _ : state) {
    Table child = make_table(mem);
    check(parent.copy_to(child, kSize).ok(), state, "copy failed");
    state.PauseTiming();
    if (!child.unmap(VirtAddr(0), kPages, FreeFrames::kYes).ok() || !child.destroy().ok())
      pagoda::panic("bench: child teardown failed");
    state.ResumeTiming();
  }
  if (!parent.unmap(VirtAddr(0), kPages, FreeFrames::kYes).ok() || !parent.destroy().ok())
    pagoda::panic("bench: parent teardown failed");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kSize));
}

BENCHMARK(BM_Map)->Arg(1)->Arg(512)->Arg(262144);
BENCHMARK(BM_Unmap)->Arg(1)->Arg(512)->Arg(262144);
BENCHMARK(BM_Translate)->Arg(1)->Arg(512)->Arg(262144);
BENCHMARK(BM_Copy4MiB)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
