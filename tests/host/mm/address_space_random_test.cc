// Model-based randomised runs of AddressSpace: grow/shrink/clear_user/copy_out/copy_in/copy_in_str/
// fork from a fixed seed, with random allocation failures, against a byte-vector model of user
// memory; the observer's mirror and every page are checked after each step.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "kernel/mm/address_space.h"
#include "tests/host/mm/mm_test_util.h"
#include "tests/host/support/fake_memory.h"

namespace pagoda::mm {
namespace {

using testing_util::MirrorObserver;

template <class Format>
class AddressSpaceRandomTest : public ::testing::Test {
 protected:
  using Space = AddressSpace<Format, test::FakeMemory>;

  // The model: the bytes of every page below page_round_up(size), which pages are guard pages,
  // and size itself.
  struct Model {
    std::vector<unsigned char> bytes;
    std::set<uint64_t> guards;  // page numbers
    uint64_t size = 0;

    bool accessible(uint64_t va, uint64_t len) const {
      if (len == 0) return true;
      if (va + len < va || va + len > bytes.size()) return false;
      for (uint64_t p = va / kPageSize; p <= (va + len - 1) / kPageSize; ++p) {
        if (guards.count(p)) return false;
      }
      return true;
    }
  };

  // Every byte of user memory reads as the model says, guard pages refuse.
  void check_contents(Space& s, const Model& m) {
    std::vector<unsigned char> page(kPageSize);
    for (uint64_t va = 0; va < m.bytes.size(); va += kPageSize) {
      const Status status = s.copy_in(page.data(), VirtAddr(va), kPageSize);
      if (m.guards.count(va / kPageSize)) {
        ASSERT_EQ(status.error(), Error::kBadAddress);
      } else {
        ASSERT_TRUE(status.ok()) << va;
        ASSERT_EQ(std::memcmp(page.data(), m.bytes.data() + va, kPageSize), 0) << va;
      }
    }
  }

  std::mt19937_64 rng_{4242};
  test::FakeMemory mem_;
};

TYPED_TEST_SUITE(AddressSpaceRandomTest, testing_util::Formats, testing_util::FormatNames);

TYPED_TEST(AddressSpaceRandomTest, AgreesWithAByteModel) {
  using Space = typename TestFixture::Space;
  auto& mem = this->mem_;
  auto& rng = this->rng_;
  const PhysAddr trampoline = mem.alloc_page().value(), trapframe = mem.alloc_page().value();
  Space s = Space::create(mem, trampoline, trapframe).value();
  MirrorObserver observer;
  s.set_observer(&observer);
  typename TestFixture::Model m;
  const uint64_t kMaxPages = 24;
  int injected_failures = 0, forks = 0;

  for (int op = 0; op < 1500; ++op) {
    const bool inject = rng() % 5 == 0;
    if (inject) mem.fail_nth_alloc(1 + rng() % 3);
    const uint64_t pages_before = mem.pages_in_use();
    const uint64_t span = m.bytes.size() + 2 * kPageSize;
    const uint64_t va = rng() % span;
    const uint64_t len = rng() % (2 * kPageSize);
    std::vector<unsigned char> buf(len);
    switch (rng() % 7) {
      case 0: {  // grow
        const uint64_t new_size = rng() % (kMaxPages * kPageSize);
        const Status status = s.grow(new_size, Perm::kWrite);
        if (status.ok()) {
          if (new_size > m.size) {
            m.size = new_size;
            m.bytes.resize(page_round_up(new_size), 0);
          }
        } else {
          ASSERT_EQ(status.error(), Error::kNoMemory);
          ASSERT_TRUE(inject);
          ++injected_failures;
          ASSERT_EQ(mem.pages_in_use(), pages_before);
        }
        break;
      }
      case 1: {  // shrink
        const uint64_t new_size = m.size == 0 ? 0 : rng() % (m.size + 1);
        s.shrink(new_size);
        m.size = new_size;
        m.bytes.resize(page_round_up(new_size));
        std::erase_if(m.guards, [&](uint64_t p) { return p * kPageSize >= m.bytes.size(); });
        break;
      }
      case 2: {  // guard page
        const uint64_t page = rng() % (kMaxPages + 1);
        const Status status = s.clear_user(VirtAddr(page * kPageSize));
        if (page * kPageSize < m.bytes.size()) {
          ASSERT_TRUE(status.ok());
          m.guards.insert(page);
        } else {
          ASSERT_EQ(status.error(), Error::kOutOfRange);
        }
        break;
      }
      case 3: {  // copy_out
        for (auto& b : buf) b = static_cast<unsigned char>(rng());
        const Status status = s.copy_out(VirtAddr(va), buf.data(), len);
        if (m.accessible(va, len)) {
          ASSERT_TRUE(status.ok());
          std::memcpy(m.bytes.data() + va, buf.data(), len);
        } else {
          ASSERT_EQ(status.error(), Error::kBadAddress);
        }
        break;
      }
      case 4: {  // copy_in
        const Status status = s.copy_in(buf.data(), VirtAddr(va), len);
        if (m.accessible(va, len)) {
          ASSERT_TRUE(status.ok());
          ASSERT_EQ(std::memcmp(buf.data(), m.bytes.data() + va, len), 0);
        } else {
          ASSERT_EQ(status.error(), Error::kBadAddress);
        }
        break;
      }
      case 5: {  // copy_in_str: walk the model byte by byte as the reference
        if (len > 0 && m.accessible(va, 1) && rng() % 2) {
          // Plant a NUL somewhere ahead, sometimes, so strings end in interesting places.
          const uint64_t at = va + rng() % (3 * kPageSize);
          if (m.accessible(at, 1)) {
            ASSERT_TRUE(s.copy_out(VirtAddr(at), "", 1).ok());
            m.bytes[at] = 0;
          }
        }
        std::vector<char> str(len + 1);
        auto result = s.copy_in_str(str.data(), VirtAddr(va), len);
        Error expected_error = Error::kTooBig;
        uint64_t expected_len = ~uint64_t{0};
        for (uint64_t i = 0; i < len; ++i) {
          if (!m.accessible(va + i, 1)) {
            expected_error = Error::kBadAddress;
            break;
          }
          if (m.bytes[va + i] == 0) {
            expected_len = i;
            break;
          }
        }
        if (expected_len != ~uint64_t{0}) {
          ASSERT_TRUE(result.ok()) << "va=" << va << " len=" << len;
          ASSERT_EQ(result.value(), expected_len);
          ASSERT_EQ(std::memcmp(str.data(), m.bytes.data() + va, expected_len + 1), 0);
        } else {
          ASSERT_FALSE(result.ok());
          ASSERT_EQ(result.error(), expected_error) << "va=" << va << " len=" << len;
        }
        break;
      }
      case 6: {  // fork and compare, then exit the child
        auto created = Space::create(mem, trampoline, trapframe);
        if (!created.ok()) {
          ASSERT_TRUE(inject);
          ++injected_failures;
          break;
        }
        Space child = std::move(created).value();
        MirrorObserver child_observer;
        child.set_observer(&child_observer);
        const uint64_t with_child = mem.pages_in_use();
        const Status status = s.copy_to(child);
        if (status.ok()) {
          ++forks;
          ASSERT_EQ(child.size(), m.size);
          this->check_contents(child, m);
          ASSERT_EQ(child_observer.mirror, testing_util::user_pages(child));
        } else {
          ASSERT_TRUE(inject);
          ++injected_failures;
          ASSERT_EQ(child.size(), 0u);
          ASSERT_TRUE(child_observer.mirror.empty());
          ASSERT_EQ(mem.pages_in_use(), with_child);
        }
        child.destroy();
        ASSERT_TRUE(child_observer.mirror.empty());
        ASSERT_EQ(mem.pages_in_use(), pages_before);
        break;
      }
    }
    mem.clear_failures();
    ASSERT_EQ(s.size(), m.size);
    ASSERT_EQ(observer.mirror, testing_util::user_pages(s));
    ASSERT_EQ(observer.mirror.size(), m.bytes.size() / kPageSize - m.guards.size());
    if (op % 50 == 0) this->check_contents(s, m);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(injected_failures, 20);
  EXPECT_GT(forks, 50);
  s.destroy();
  EXPECT_TRUE(observer.mirror.empty());
  EXPECT_EQ(mem.pages_in_use(), 2u);
  mem.free_page(trampoline);
  mem.free_page(trapframe);
}

}  // namespace
}  // namespace pagoda::mm
