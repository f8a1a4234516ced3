// FakeMemory: a PhysMemory for host tests. Frames are host allocations keyed by fake physical
// addresses (never reused, so a stale address is caught rather than aliased), filled with junk when
// allocated. Tests can make the Nth allocation fail and count the frames in use, so that every
// failure path can be checked to leak nothing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/memory.h"

namespace pagoda::test {

using mm::kPageSize;
using mm::PhysAddr;

class FakeMemory {
 public:
  // Below 4 GiB so that i386 PTEs can hold every address handed out.
  static constexpr uint64_t kDefaultBase = 0x10000000;
  static constexpr unsigned char kJunk = 0xa5;

  explicit FakeMemory(uint64_t base = kDefaultBase) : next_(base) {}
  FakeMemory(const FakeMemory&) = delete;
  FakeMemory& operator=(const FakeMemory&) = delete;

  // PhysMemory.
  Result<PhysAddr> alloc_page();
  void free_page(PhysAddr pa);  // panics on a frame that is not allocated (double free)
  void* ptr(PhysAddr pa);       // panics on a frame that is not allocated (use after free)

  // The nth allocation from now fails (1: the next one); the others succeed. One-shot.
  void fail_nth_alloc(uint64_t n);
  // The next n allocations succeed and every later one fails, until clear_failures().
  void fail_after(uint64_t n);
  void clear_failures();

  uint64_t pages_in_use() const { return pages_.size(); }
  uint64_t alloc_calls() const { return alloc_calls_; }  // attempts, failed ones included
  bool allocated(PhysAddr pa) const { return pages_.count(pa.value()) != 0; }
  std::vector<PhysAddr> allocated_pages() const;

 private:
  struct alignas(4096) Page {
    unsigned char bytes[4096];
  };
  static_assert(sizeof(Page) == kPageSize);

  std::map<uint64_t, std::unique_ptr<Page>> pages_;
  uint64_t next_;
  uint64_t alloc_calls_ = 0;
  uint64_t fail_at_call_ = 0;    // 0: none; else the alloc_calls_ value that fails
  uint64_t fail_from_call_ = 0;  // 0: none; else every call from this one fails
};

static_assert(mm::PhysMemory<FakeMemory>);

}  // namespace pagoda::test
