// Helpers shared by the memory-core tests: the formats every typed suite runs over, and ways to
// look at a whole table tree so that "unchanged" can be asserted exactly.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/arch/x86/i386.h"
#include "kernel/mm/mapping_observer.h"
#include "kernel/mm/page_table.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm::testing_util {

using Formats = ::testing::Types<riscv::Sv39, x86::I386>;

// Names typed tests by format ("sv39", "i386") instead of 0, 1.
struct FormatNames {
  template <class Format>
  static std::string GetName(int) {
    return Format::kName;
  }
};

// Bytes of virtual address space one entry at `level` covers.
template <class Format>
constexpr uint64_t span(int level) {
  return kPageSize << (Format::kIndexBits * level);
}

// The user-accessible pages of an address space, from its table itself: what a mirror must hold.
template <class Space>
std::map<uint64_t, PhysAddr> user_pages(Space& s) {
  std::map<uint64_t, PhysAddr> out;
  for (uint64_t va = 0; va < page_round_up(s.size()); va += kPageSize) {
    const auto* pte = s.table().walk(VirtAddr(va));
    if (pte != nullptr && pte->valid() && pte->user()) out[va] = pte->phys();
  }
  return out;
}

// The whole tree as vmprint lines: equal dumps mean equal trees (every valid PTE, every level).
template <class Table>
std::vector<std::string> dump(const Table& table) {
  std::vector<std::string> lines;
  table.print([&](const char* line) { lines.emplace_back(line); });
  return lines;
}

// The number of valid entries in the table page at pa.
template <class Format>
int valid_entries(test::FakeMemory& mem, PhysAddr table) {
  const auto* pte = static_cast<const typename Format::Pte*>(mem.ptr(table));
  int n = 0;
  for (size_t i = 0; i < Format::kEntries; ++i) n += pte[i].valid() ? 1 : 0;
  return n;
}

template <class Format>
typename Format::Pte entry(test::FakeMemory& mem, PhysAddr table, size_t index) {
  return static_cast<const typename Format::Pte*>(mem.ptr(table))[index];
}

// Mirrors the user-accessible pages it is told about, like a per-process kernel page table would,
// and checks the notifications are consistent (no page added twice or removed unknown).
class MirrorObserver final : public MappingObserver {
 public:
  Status on_map(VirtAddr va, uint64_t size, PhysAddr first, Perm perm) override {
    ++maps;
    if (fail_on_map != 0 && maps == fail_on_map) return Error::kNoMemory;
    EXPECT_TRUE(has(perm, Perm::kUser | Perm::kRead));
    for (uint64_t off = 0; off < size; off += kPageSize) {
      EXPECT_EQ(mirror.count(va.value() + off), 0u) << "mapped twice: " << va.value() + off;
      mirror[va.value() + off] = first + off;
    }
    return {};
  }
  void on_unmap(VirtAddr va, uint64_t size) override {
    ++unmaps;
    for (uint64_t off = 0; off < size; off += kPageSize) {
      EXPECT_EQ(mirror.erase(va.value() + off), 1u) << "unknown unmap: " << va.value() + off;
    }
  }

  std::map<uint64_t, PhysAddr> mirror;  // va -> frame
  int maps = 0;
  int unmaps = 0;
  int fail_on_map = 0;  // fail the nth on_map call (1-based), 0: never
};

}  // namespace pagoda::mm::testing_util
