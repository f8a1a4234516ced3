// Model-based randomised runs: thousands of map/unmap/copy/translate operations from a fixed seed,
// with random allocation failures, checked against a std::map reference after every operation and
// with every page accounted for.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <utility>

#include "kernel/mm/page_table.h"
#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

using testing_util::dump;
using testing_util::span;

struct ModelPage {
  PhysAddr pa;
  Perm perm;
  bool owned;         // a frame from FakeMemory (unmapped with kYes) or a "device" address (kNo)
  unsigned char tag;  // the first byte of an owned frame
};

template <class Format>
class PageTableRandomTest : public ::testing::Test {
 protected:
  using Table = PageTable<Format, test::FakeMemory>;
  using Model = std::map<uint64_t, ModelPage>;  // va -> page

  // Addresses near the interesting boundaries: 0, a last-level table boundary, a top-level
  // boundary, and the end of the address space.
  uint64_t random_va() {
    static const uint64_t bases[] = {0, span<Format>(1) - 32 * kPageSize,
                                     span<Format>(Format::kLevels - 1) - 32 * kPageSize,
                                     Format::kMaxVa - 64 * kPageSize};
    return bases[rng_() % 4] + (rng_() % 64) * kPageSize;
  }

  // Every table page and every owned frame, nothing else, is allocated; each model page is
  // mapped as described and nothing else is mapped.
  void check(const Table& t, const Model& model, const char* what) {
    uint64_t tables = 0, leaves = 0;
    for (const std::string& line : dump(t)) {
      if (line.rfind("page table", 0) == 0) continue;
      int depth = 0;
      for (size_t i = 0; line.compare(i, 3, " ..") == 0; i += 3) ++depth;
      (depth < Format::kLevels ? tables : leaves)++;
    }
    uint64_t owned = 0;
    for (const auto& [va, page] : model) {
      owned += page.owned ? 1 : 0;
      const auto* pte = t.walk(VirtAddr(va));
      ASSERT_TRUE(pte != nullptr && pte->valid()) << what << " va=" << va;
      ASSERT_EQ(*pte, Format::Pte::make_leaf(page.pa, page.perm)) << what;
      if (page.owned) {
        ASSERT_EQ(*static_cast<unsigned char*>(mem_.ptr(page.pa)), page.tag) << what;
      }
    }
    ASSERT_EQ(leaves, model.size()) << what;
    ASSERT_EQ(mem_.pages_in_use(), 1 + tables + owned + extra_) << what;
  }

  std::mt19937_64 rng_{20261122};
  test::FakeMemory mem_;
  uint64_t extra_ = 0;  // pages of other trees alive during a check
};

TYPED_TEST_SUITE(PageTableRandomTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(PageTableRandomTest, AgreesWithAReferenceModel) {
  using Format = TypeParam;
  using Table = typename TestFixture::Table;
  auto& mem = this->mem_;
  auto& rng = this->rng_;
  Table t = Table::create(mem).value();
  typename TestFixture::Model model;
  const Perm perms[] = {Perm::kRead, Perm::kRead | Perm::kWrite,
                        Perm::kRead | Perm::kWrite | Perm::kUser,
                        Perm::kRead | Perm::kExec | Perm::kUser};
  int succeeded = 0, failed_no_memory = 0;

  for (int op = 0; op < 4000; ++op) {
    const bool inject = rng() % 4 == 0;
    if (inject) mem.fail_nth_alloc(1 + rng() % 2);
    const uint64_t va = this->random_va();
    const uint64_t npages = 1 + rng() % 6;
    const uint64_t size = npages * kPageSize;
    const bool fits = va + size <= Format::kMaxVa;
    bool any_mapped = false, all_mapped = fits, same_owner = true;
    int owner = -1;  // of the first mapped page in the range
    for (uint64_t i = 0; i < npages && fits; ++i) {
      auto it = model.find(va + i * kPageSize);
      any_mapped |= it != model.end();
      all_mapped &= it != model.end();
      if (it == model.end()) continue;
      if (owner == -1) owner = it->second.owned;
      if (it->second.owned != (owner == 1)) same_owner = false;
    }
    const Perm perm = perms[rng() % 4];
    Status status;
    switch (rng() % 5) {
      case 0:  // fresh frames
        status = t.map_zeroed(VirtAddr(va), size, perm);
        if (!fits) {
          ASSERT_EQ(status.error(), Error::kOutOfRange);
        } else if (any_mapped) {
          ASSERT_EQ(status.error(), Error::kAlreadyMapped);
        } else if (status.ok()) {
          for (uint64_t i = 0; i < npages; ++i) {
            const PhysAddr pa = t.translate(VirtAddr(va + i * kPageSize)).value();
            const auto tag = static_cast<unsigned char>(rng());
            ASSERT_EQ(*static_cast<unsigned char*>(mem.ptr(pa)), 0);
            *static_cast<unsigned char*>(mem.ptr(pa)) = tag;
            model[va + i * kPageSize] = {pa, perm, true, tag};
          }
        }
        break;
      case 1: {  // device memory, not owned
        const PhysAddr pa(0xc0000000 + (rng() % 1024) * kPageSize);
        status = t.map(VirtAddr(va), size, pa, perm);
        if (!fits) {
          ASSERT_EQ(status.error(), Error::kOutOfRange);
        } else if (any_mapped) {
          ASSERT_EQ(status.error(), Error::kAlreadyMapped);
        } else if (status.ok()) {
          for (uint64_t i = 0; i < npages; ++i) {
            model[va + i * kPageSize] = {pa + i * kPageSize, perm, false, 0};
          }
        }
        break;
      }
      case 2:
      case 3: {  // unmap, freeing what is owned
        if (all_mapped && !same_owner) break;
        const bool owned = all_mapped && model[va].owned;
        status = t.unmap(VirtAddr(va), npages, owned ? FreeFrames::kYes : FreeFrames::kNo);
        if (!fits) {
          ASSERT_EQ(status.error(), Error::kOutOfRange);
        } else if (!all_mapped) {
          ASSERT_EQ(status.error(), Error::kNotMapped);
        } else {
          ASSERT_TRUE(status.ok());
          for (uint64_t i = 0; i < npages; ++i) model.erase(va + i * kPageSize);
        }
        break;
      }
      case 4: {  // translate, and now and then fork the low part
        const uint64_t probe = va + rng() % size;
        auto pa = t.translate(VirtAddr(probe));
        auto it = model.find(page_round_down(probe));
        if (probe >= Format::kMaxVa) {
          ASSERT_EQ(pa.error(), Error::kOutOfRange);
        } else if (it == model.end()) {
          ASSERT_EQ(pa.error(), Error::kNotMapped);
        } else {
          ASSERT_EQ(pa.value(), it->second.pa + (probe & (kPageSize - 1)));
        }
        if (op % 16 == 4) {
          const uint64_t n = rng() % 40;
          bool prefix_mapped = true;
          bool prefix_device = false;  // copying reads the frames: only RAM may be forked
          for (uint64_t i = 0; i < n; ++i) {
            auto page = model.find(i * kPageSize);
            prefix_mapped &= page != model.end();
            prefix_device |= page != model.end() && !page->second.owned;
          }
          if (prefix_device) break;
          auto created = Table::create(mem);
          if (!created.ok()) {
            status = created.error();
            break;
          }
          Table child = std::move(created).value();
          const uint64_t pages_before = mem.pages_in_use();
          status = t.copy_to(child, n * kPageSize);
          if (!prefix_mapped) {
            ASSERT_EQ(status.error(), Error::kNotMapped);
          }
          if (status.ok()) {
            for (uint64_t i = 0; i < n; ++i) {
              const ModelPage& p = model[i * kPageSize];
              const auto* c = child.walk(VirtAddr(i * kPageSize));
              ASSERT_EQ(c->perm(), Format::Pte::make_leaf(p.pa, p.perm).perm());
              ASSERT_EQ(std::memcmp(mem.ptr(c->phys()), mem.ptr(p.pa), kPageSize), 0);
            }
            if (n > 0) {
              ASSERT_TRUE(child.unmap(VirtAddr(0), n, FreeFrames::kYes).ok());
            }
          } else {
            ASSERT_EQ(mem.pages_in_use(), pages_before);
            ASSERT_EQ(dump(child).size(), 1u);
          }
          ASSERT_TRUE(child.destroy().ok());
        }
        break;
      }
    }
    if (!status.ok() && status.error() == Error::kNoMemory) {
      ASSERT_TRUE(inject);
      ++failed_no_memory;
    } else if (status.ok()) {
      ++succeeded;
    }
    mem.clear_failures();
    this->check(t, model, "after op");
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(succeeded, 1000);
  EXPECT_GT(failed_no_memory, 15);  // the injection is not dead

  // Tear down through the API: every page comes back.
  for (const auto& [va, page] : model) {
    ASSERT_TRUE(t.unmap(VirtAddr(va), 1, page.owned ? FreeFrames::kYes : FreeFrames::kNo).ok());
  }
  ASSERT_TRUE(t.destroy().ok());
  EXPECT_EQ(mem.pages_in_use(), 0u);
}

}  // namespace
}  // namespace pagoda::mm
