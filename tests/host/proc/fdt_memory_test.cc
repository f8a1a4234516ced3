// fdt::memory_range: the RAM range QEMU's device tree gives (-m), over hand-built blobs with a
// strings block (cell sizes, several ranges and nodes, device_type, malformed and hostile blobs)
// and over the real trees QEMU 7.2's virt machine passes with -m 128M and -m 2G (dumped with
// -machine virt,dumpdtb=FILE into tests/host/proc/data).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "kernel/lib/fdt.h"

namespace pagoda::fdt {
namespace {

constexpr uint64_t kKernBase = 0x80000000;

// A device-tree blob built token by token, with property names in a strings block.
class Tree {
 public:
  Tree& begin(const std::string& name) {
    word(1);
    for (char c : name) s_.push_back(static_cast<uint8_t>(c));
    s_.push_back(0);
    pad();
    return *this;
  }
  Tree& end() { return word(2); }
  Tree& prop(const std::string& name, const std::vector<uint8_t>& value) {
    word(3);
    word(static_cast<uint32_t>(value.size()));
    word(name_offset(name));
    s_.insert(s_.end(), value.begin(), value.end());
    pad();
    return *this;
  }
  Tree& cells(const std::string& name, std::vector<uint32_t> cs) {
    std::vector<uint8_t> v;
    for (uint32_t c : cs)
      for (int i = 3; i >= 0; --i) v.push_back(static_cast<uint8_t>(c >> (8 * i)));
    return prop(name, v);
  }
  Tree& str(const std::string& name, const std::string& value) {
    std::vector<uint8_t> v(value.begin(), value.end());
    v.push_back(0);
    return prop(name, v);
  }
  std::vector<uint8_t> finish() {
    word(9);
    std::vector<uint8_t> out(40, 0);
    put(out, 0, kMagic);
    put(out, 4, static_cast<uint32_t>(40 + s_.size() + strings_.size()));
    put(out, 8, 40);
    put(out, 12, static_cast<uint32_t>(40 + s_.size()));
    put(out, 32, static_cast<uint32_t>(strings_.size()));
    put(out, 36, static_cast<uint32_t>(s_.size()));
    out.insert(out.end(), s_.begin(), s_.end());
    out.insert(out.end(), strings_.begin(), strings_.end());
    return out;
  }

 private:
  uint32_t name_offset(const std::string& name) {
    const uint32_t off = static_cast<uint32_t>(strings_.size());
    strings_.insert(strings_.end(), name.begin(), name.end());
    strings_.push_back(0);
    return off;
  }
  Tree& word(uint32_t v) {
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
  std::vector<uint8_t> strings_;
};

// A virt-like machine: #address-cells = #size-cells = 2, cpus, memory@80000000 of `bytes`, soc.
std::vector<uint8_t> virt(uint64_t bytes) {
  Tree t;
  t.begin("")
      .cells("#address-cells", {2})
      .cells("#size-cells", {2})
      .str("compatible", "riscv-virtio");
  t.begin("cpus").cells("#address-cells", {1}).cells("#size-cells", {0});
  t.begin("cpu@0").str("device_type", "cpu").cells("reg", {0}).end();
  t.end();
  t.begin("memory@80000000").str("device_type", "memory");
  t.cells("reg",
          {0, 0x80000000u, static_cast<uint32_t>(bytes >> 32), static_cast<uint32_t>(bytes)});
  t.end();
  t.begin("soc").cells("#address-cells", {2}).cells("#size-cells", {2});
  t.begin("memory@0")
      .str("device_type", "memory")
      .cells("reg", {0, 0, 0, 0x1000})
      .end();  // not at the root: ignored
  t.end();
  t.end();
  return t.finish();
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::vector<uint8_t> out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  int c;
  while ((c = std::fgetc(f)) != EOF) out.push_back(static_cast<uint8_t>(c));
  std::fclose(f);
  return out;
}

TEST(FdtMemoryTest, VirtSizes) {
  for (uint64_t mib : {128u, 256u, 1024u, 2048u, 4096u, 16384u}) {
    auto blob = virt(mib << 20);
    auto r = memory_range(blob.data(), blob.size(), kKernBase);
    ASSERT_TRUE(r.ok()) << mib;
    EXPECT_EQ(r->base, kKernBase);
    EXPECT_EQ(r->size, mib << 20);
    EXPECT_EQ(r->end(), kKernBase + (mib << 20));
  }
}

TEST(FdtMemoryTest, RealQemuTrees) {
  const std::string dir = PAGODA_FDT_TEST_DATA;
  struct Case {
    const char* file;
    uint64_t size;
  } cases[] = {{"/qemu-virt-128M-3hart.dtb", 128ull << 20},
               {"/qemu-virt-2G-3hart.dtb", 2ull << 30}};
  for (const Case& c : cases) {
    auto blob = read_file(dir + c.file);
    ASSERT_GT(blob.size(), 40u) << c.file;
    auto r = memory_range(blob.data(), blob.size(), kKernBase);
    ASSERT_TRUE(r.ok()) << c.file;
    EXPECT_EQ(r->base, kKernBase);
    EXPECT_EQ(r->size, c.size) << c.file;
    auto harts = count_cpus(blob.data(), blob.size());
    ASSERT_TRUE(harts.ok());
    EXPECT_EQ(*harts, 3u);
  }
}

TEST(FdtMemoryTest, CellSizesAndDefaults) {
  // One cell each.
  Tree a;
  a.begin("").cells("#address-cells", {1}).cells("#size-cells", {1});
  a.begin("memory@80000000")
      .str("device_type", "memory")
      .cells("reg", {0x80000000u, 0x10000000})
      .end();
  auto blob = a.end().finish();
  auto r = memory_range(blob.data(), blob.size(), kKernBase);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size, 0x10000000u);
  // Absent: the spec's defaults, 2 address cells and 1 size cell.
  Tree d;
  d.begin("").begin("memory").cells("reg", {0, 0x80000000u, 0x20000000}).end();
  blob = d.end().finish();
  r = memory_range(blob.data(), blob.size(), kKernBase);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size, 0x20000000u);
  // Bad cell counts.
  Tree z;
  z.begin("").cells("#address-cells", {3}).begin("memory").cells("reg", {0, 0, 0, 0}).end();
  blob = z.end().finish();
  EXPECT_EQ(memory_range(blob.data(), blob.size(), kKernBase).error(), Error::kInvalid);
}

TEST(FdtMemoryTest, PicksTheRangeHoldingTheKernel) {
  // Two ranges in one reg, and a second memory node: the one holding 0x80000000 wins.
  Tree t;
  t.begin("").cells("#address-cells", {2}).cells("#size-cells", {2});
  t.begin("memory@40000000")
      .str("device_type", "memory")
      .cells("reg", {0, 0x40000000, 0, 0x1000000})
      .end();
  t.begin("memory@80000000").str("device_type", "memory");
  t.cells("reg", {0, 0x10000000, 0, 0x1000, 0, 0x80000000u, 0, 0x30000000}).end();
  auto blob = t.end().finish();
  auto r = memory_range(blob.data(), blob.size(), kKernBase);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base, kKernBase);
  EXPECT_EQ(r->size, 0x30000000u);
  // device_type decides over the name: a "memory@..." that says it is something else is not RAM.
  Tree n;
  n.begin("").cells("#address-cells", {2}).cells("#size-cells", {2});
  n.begin("memory@80000000")
      .str("device_type", "reserved")
      .cells("reg", {0, 0x80000000u, 0, 0x1000000})
      .end();
  n.begin("ram").str("device_type", "memory").cells("reg", {0, 0x80000000u, 0, 0x4000000}).end();
  blob = n.end().finish();
  r = memory_range(blob.data(), blob.size(), kKernBase);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size, 0x4000000u);
}

TEST(FdtMemoryTest, NotFound) {
  // No memory node; a memory node elsewhere; a zero-sized range; a node deeper than the root's
  // children.
  Tree a;
  a.begin("").begin("cpus").end();
  auto blob = a.end().finish();
  EXPECT_EQ(memory_range(blob.data(), blob.size(), kKernBase).error(), Error::kNotFound);
  auto v = virt(128ull << 20);
  EXPECT_EQ(memory_range(v.data(), v.size(), 0x40000000).error(), Error::kNotFound);
  EXPECT_EQ(memory_range(v.data(), v.size(), kKernBase + (128ull << 20)).error(), Error::kNotFound);
  Tree z;
  z.begin("").cells("#address-cells", {2}).cells("#size-cells", {2});
  z.begin("memory@80000000")
      .str("device_type", "memory")
      .cells("reg", {0, 0x80000000u, 0, 0})
      .end();
  blob = z.end().finish();
  EXPECT_EQ(memory_range(blob.data(), blob.size(), kKernBase).error(), Error::kNotFound);
}

TEST(FdtMemoryTest, RejectsMalformedBlobs) {
  auto good = virt(256ull << 20);
  auto bad = good;
  bad[0] ^= 1;  // magic
  EXPECT_EQ(memory_range(bad.data(), bad.size(), kKernBase).error(), Error::kInvalid);
  // Larger than the memory it may occupy.
  EXPECT_EQ(memory_range(good.data(), good.size() - 1, kKernBase).error(), Error::kInvalid);
  EXPECT_EQ(memory_range(good.data(), 39, kKernBase).error(), Error::kInvalid);
  // A strings block past the end.
  bad = good;
  bad[12] = 0x7f;
  EXPECT_EQ(memory_range(bad.data(), bad.size(), kKernBase).error(), Error::kInvalid);
  // reg not a whole number of (address, size) pairs.
  Tree r;
  r.begin("").cells("#address-cells", {2}).cells("#size-cells", {2});
  r.begin("memory@80000000").str("device_type", "memory").cells("reg", {0, 0x80000000u, 0}).end();
  auto blob = r.end().finish();
  EXPECT_EQ(memory_range(blob.data(), blob.size(), kKernBase).error(), Error::kInvalid);
  // A range that wraps 64 bits.
  Tree w;
  w.begin("").cells("#address-cells", {2}).cells("#size-cells", {2});
  w.begin("memory@80000000").str("device_type", "memory");
  w.cells("reg", {0, 0x80000000u, 0xffffffffu, 0xffffffffu}).end();
  blob = w.end().finish();
  EXPECT_EQ(memory_range(blob.data(), blob.size(), kKernBase).error(), Error::kInvalid);
  // Unbalanced nodes; no END token.
  Tree u;
  u.begin("").begin("memory");
  blob = u.finish();
  EXPECT_EQ(memory_range(blob.data(), blob.size(), kKernBase).error(), Error::kInvalid);
  // Every truncation of a real blob's structure block is refused or still reads correctly; none
  // reads outside it (ASan in the sanitize build).
  for (size_t cut = 0; cut < good.size(); cut += 4) {
    auto t = good;
    const uint32_t size = static_cast<uint32_t>(cut);
    for (int i = 0; i < 4; ++i) t[36 + i] = static_cast<uint8_t>(size >> (8 * (3 - i)));
    auto res = memory_range(t.data(), t.size(), kKernBase);
    if (res.ok()) {
      EXPECT_EQ(res->size, 256ull << 20);
    }
  }
}

}  // namespace
}  // namespace pagoda::fdt
