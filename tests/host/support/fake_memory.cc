#include "tests/host/support/fake_memory.h"

#include <cstring>

#include "kernel/lib/panic.h"

namespace pagoda::test {

Result<PhysAddr> FakeMemory::alloc_page() {
  const uint64_t call = ++alloc_calls_;
  if (call == fail_at_call_ || (fail_from_call_ != 0 && call >= fail_from_call_)) {
    return Error::kNoMemory;
  }
  if (next_ + kPageSize > (uint64_t{1} << 32)) panic("FakeMemory: fake address space exhausted");
  const uint64_t pa = next_;
  next_ += kPageSize;
  auto page = std::make_unique<Page>();
  std::memset(page->bytes, kJunk, sizeof page->bytes);
  pages_.emplace(pa, std::move(page));
  return PhysAddr(pa);
}

void FakeMemory::free_page(PhysAddr pa) {
  if (pages_.erase(pa.value()) == 0) {
    panic("FakeMemory: free of a frame that is not allocated: 0x%lx",
          static_cast<unsigned long>(pa.value()));
  }
}

void* FakeMemory::ptr(PhysAddr pa) {
  auto it = pages_.find(pa.page_round_down().value());
  if (it == pages_.end()) {
    panic("FakeMemory: access to a frame that is not allocated: 0x%lx",
          static_cast<unsigned long>(pa.value()));
  }
  return it->second->bytes + pa.page_offset();
}

void FakeMemory::fail_nth_alloc(uint64_t n) {
  fail_at_call_ = alloc_calls_ + n;
}

void FakeMemory::fail_after(uint64_t n) {
  fail_from_call_ = alloc_calls_ + n + 1;
}

void FakeMemory::clear_failures() {
  fail_at_call_ = 0;
  fail_from_call_ = 0;
}

std::vector<PhysAddr> FakeMemory::allocated_pages() const {
  std::vector<PhysAddr> out;
  for (const auto& [pa, page] : pages_) out.push_back(PhysAddr(pa));
  return out;
}

}  // namespace pagoda::test
