// fdt::count_cpus over hand-built device-tree blobs.
#include "kernel/lib/fdt.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pagoda::fdt {
namespace {

// Builds a structure block token by token, then the header around it.
class Blob {
 public:
  Blob& begin(const std::string& name) {
    word(1);
    for (char c : name) s_.push_back(static_cast<uint8_t>(c));
    s_.push_back(0);
    pad();
    return *this;
  }
  Blob& end() { return word(2); }
  Blob& prop(uint32_t len) {
    word(3);
    word(len);
    word(0);
    s_.resize(s_.size() + len, 0xab);
    pad();
    return *this;
  }
  Blob& nop() { return word(4); }
  std::vector<uint8_t> finish() {
    word(9);
    std::vector<uint8_t> out(40, 0);
    put(out, 0, kMagic);
    put(out, 4, static_cast<uint32_t>(40 + s_.size()));
    put(out, 8, 40);
    put(out, 36, static_cast<uint32_t>(s_.size()));
    for (uint8_t byte : s_) out.push_back(byte);
    return out;
  }

 private:
  Blob& word(uint32_t v) {
    for (int i = 3; i >= 0; --i) s_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  void pad() {
    while (s_.size() % 4 != 0) s_.push_back(0);
  }
  static void put(std::vector<uint8_t>& v, size_t off, uint32_t x) {
    for (int i = 0; i < 4; ++i) v[off + i] = static_cast<uint8_t>(x >> (8 * (3 - i)));
  }
  std::vector<uint8_t> s_;
};

std::vector<uint8_t> machine(int harts) {
  Blob b;
  b.begin("").prop(4).begin("cpus").prop(4);
  for (int i = 0; i < harts; ++i)
    b.begin("cpu@" + std::to_string(i)).prop(7).begin("interrupt-controller").end().end();
  b.begin("cpu-map").begin("cluster0").end().end();
  b.end()
      .begin("memory@80000000")
      .nop()
      .prop(16)
      .end()
      .begin("soc")
      .begin("cpu@99")
      .end()
      .end()
      .end();
  return b.finish();
}

TEST(FdtTest, CountsCpuNodesUnderCpus) {
  for (int n : {1, 3, 8}) {
    auto blob = machine(n);
    auto count = count_cpus(blob.data(), blob.size());
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, static_cast<uint32_t>(n));
  }
}

TEST(FdtTest, RejectsBadBlobs) {
  auto blob = machine(2);
  auto bad = blob;
  bad[0] = 0;
  EXPECT_EQ(count_cpus(bad.data(), bad.size()).error(), Error::kInvalid);
  // totalsize larger than the memory it may occupy
  EXPECT_EQ(count_cpus(blob.data(), blob.size() - 4).error(), Error::kInvalid);
  // truncated structure block: no END token
  auto cut = blob;
  cut[39] = static_cast<uint8_t>(cut[39] - 8);
  EXPECT_EQ(count_cpus(cut.data(), cut.size()).error(), Error::kInvalid);
  // unbalanced nodes
  Blob b;
  b.begin("").begin("cpus");
  auto open = b.finish();
  EXPECT_EQ(count_cpus(open.data(), open.size()).error(), Error::kInvalid);
  // property longer than the block
  Blob p;
  p.begin("");
  auto big = p.prop(4).end().finish();
  big[40 + 12] = 0xff;  // the property's length (after an 8-byte root node and the PROP token)
  EXPECT_EQ(count_cpus(big.data(), big.size()).error(), Error::kInvalid);
}

}  // namespace
}  // namespace pagoda::fdt
