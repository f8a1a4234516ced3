// kernel/mm/mapping.h: mmap's argument checks, where a mapping goes, how many bytes of a file page
// exist (reads and write-backs never past the end of the file), and MappingList's cuts (start,
// end, middle) with their offsets, checked against a page-by-page model in a random run.
#include "kernel/mm/mapping.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace pagoda::mm {
namespace {

constexpr uint64_t kTop = uint64_t{1} << 38;
constexpr int kRw = kProtRead | kProtWrite;

TEST(MapRequest, AcceptsTheUsualCalls) {
  auto req = check_map_request(0, 100, kRw, kMapShared, 0, kTop);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->size, kPageSize);
  EXPECT_EQ(req->perm, Perm::kRead | Perm::kWrite);
  EXPECT_EQ(req->sharing, MapSharing::kShared);
  EXPECT_FALSE(req->anonymous);

  req = check_map_request(0x10000, 3 * kPageSize, kProtRead | kProtExec, kMapPrivate, 2 * kPageSize,
                          kTop);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->hint, 0x10000u);
  EXPECT_EQ(req->offset, 2 * kPageSize);
  EXPECT_EQ(req->perm, Perm::kRead | Perm::kExec);
  EXPECT_EQ(req->sharing, MapSharing::kPrivate);

  // Anonymous memory ignores the offset.
  req = check_map_request(0, kPageSize, kProtRead, kMapPrivate | kMapAnonymous, 123, kTop);
  ASSERT_TRUE(req.ok());
  EXPECT_TRUE(req->anonymous);
  EXPECT_EQ(req->offset, 0u);
}

TEST(MapRequest, RefusesBadArguments) {
  auto error = [](uint64_t addr, uint64_t len, int prot, int flags, uint64_t off) {
    auto r = check_map_request(addr, len, prot, flags, off, kTop);
    return r.ok() ? Error{} : r.error();
  };
  EXPECT_EQ(error(0, 0, kProtRead, kMapShared, 0), Error::kInvalid);
  EXPECT_EQ(error(0, kPageSize, 0, kMapShared, 0), Error::kInvalid);
  EXPECT_EQ(error(0, kPageSize, 8, kMapShared, 0), Error::kInvalid);
  EXPECT_EQ(error(0, kPageSize, kProtRead, 0, 0), Error::kInvalid);
  EXPECT_EQ(error(0, kPageSize, kProtRead, kMapShared | kMapPrivate, 0), Error::kInvalid);
  EXPECT_EQ(error(0, kPageSize, kProtRead, kMapShared | 0x100, 0), Error::kInvalid);
  EXPECT_EQ(error(1, kPageSize, kProtRead, kMapShared, 0), Error::kMisaligned);
  EXPECT_EQ(error(0, kPageSize, kProtRead, kMapShared, 100), Error::kMisaligned);
  EXPECT_EQ(error(0, UINT64_MAX, kProtRead, kMapShared, 0), Error::kOutOfRange);
  EXPECT_EQ(error(0, UINT64_MAX - kPageSize + 2, kProtRead, kMapShared, 0),
            Error::kOutOfRange);  // rounds up past 2^64
  EXPECT_EQ(error(kTop - kPageSize, 2 * kPageSize, kProtRead, kMapShared, 0), Error::kOutOfRange);
  EXPECT_EQ(error(0, kPageSize, kProtRead, kMapShared, uint64_t{1} << 32), Error::kOutOfRange);
  EXPECT_EQ(error(0, kPageSize, kProtRead, kMapShared, UINT64_MAX & ~(kPageSize - 1)),
            Error::kOutOfRange);
}

RegionList<16> regions_of(std::initializer_list<std::pair<uint64_t, uint64_t>> ranges) {
  RegionList<16> list;
  for (auto [start, size] : ranges) {
    EXPECT_TRUE(list.insert(Region{VirtAddr(start), size, Perm::kRead, RegionKind::kData}).ok());
  }
  return list;
}

TEST(ChooseAddress, GoesDownFromTheTop) {
  const uint64_t top = 0x100000, floor = 0x10000;
  auto list = regions_of({{0, 0x4000}});
  auto va = choose_address(list, 0x2000, 0, floor, top);
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), top - 0x2000);
  // Below the first mapping, then in a hole that fits.
  list = regions_of({{0, 0x4000}, {top - 0x2000, 0x2000}, {top - 0x5000, 0x1000}});
  va = choose_address(list, 0x1000, 0, floor, top);
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), top - 0x3000);  // the hole between them
  va = choose_address(list, 0x3000, 0, floor, top);
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), top - 0x8000);  // too big for the hole
}

TEST(ChooseAddress, KeepsAboveTheFloorAndClearOfRegions) {
  const uint64_t top = 0x100000, floor = 0x80000;
  auto list = regions_of({{0x80000, 0x7f000}});
  auto va = choose_address(list, 0x1000, 0, floor, top);
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), top - 0x1000);
  va = choose_address(list, 0x2000, 0, floor, top);
  EXPECT_FALSE(va.ok());
  EXPECT_EQ(va.error(), Error::kNoSpace);
  // A region straddling the floor.
  list = regions_of({{0x70000, 0x20000}});
  va = choose_address(list, 0x70000, 0, floor, top);
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), 0x90000u);
  EXPECT_FALSE(choose_address(list, 0x71000, 0, floor, top).ok());
  EXPECT_FALSE(choose_address(list, 0x1000, 0, top, top).ok());
}

TEST(ChooseAddress, TakesAFreeHintOnly) {
  const uint64_t top = 0x100000, floor = 0x10000;
  auto list = regions_of({{0x20000, 0x1000}});
  auto va = choose_address(list, 0x1000, 0x30000, floor, top);
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), 0x30000u);
  va = choose_address(list, 0x2000, 0x1f000, floor, top);  // overlaps: the kernel's choice
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), top - 0x2000);
  va = choose_address(list, 0x1000, 0x1000, floor, top);  // below the floor
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), top - 0x1000);
  va = choose_address(list, 0x2000, top - 0x1000, floor, top);  // past the top
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->value(), top - 0x2000);
}

TEST(FileBytes, NeverPastTheEndOfTheFile) {
  EXPECT_EQ(file_bytes_at(0, 0), 0u);
  EXPECT_EQ(file_bytes_at(0, 100), 100u);
  EXPECT_EQ(file_bytes_at(0, kPageSize), kPageSize);
  EXPECT_EQ(file_bytes_at(0, 3 * kPageSize), kPageSize);
  EXPECT_EQ(file_bytes_at(kPageSize, kPageSize + 200), 200u);
  EXPECT_EQ(file_bytes_at(kPageSize, kPageSize), 0u);
  EXPECT_EQ(file_bytes_at(5 * kPageSize, kPageSize), 0u);
  // A write-back of every page of a mapping writes exactly the file's bytes.
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, kPageSize - 1, kPageSize, 3 * kPageSize + 77}) {
    for (uint64_t offset : {uint64_t{0}, kPageSize, 2 * kPageSize}) {
      uint64_t written = 0, end = 0;
      for (uint64_t page = 0; page < 6; ++page) {
        const uint64_t off = offset + page * kPageSize;
        const uint64_t n = file_bytes_at(off, size);
        written += n;
        if (n > 0) end = off + n;
      }
      EXPECT_LE(end, size);
      const uint64_t mapped_end = offset + 6 * kPageSize < size ? offset + 6 * kPageSize : size;
      EXPECT_EQ(written, mapped_end > offset ? mapped_end - offset : 0) << size << " " << offset;
    }
  }
}

using List = MappingList<int, 4>;

Mapping<int> mapping(uint64_t start, uint64_t size, uint64_t offset, int file) {
  Mapping<int> m;
  m.start = VirtAddr(start);
  m.size = size;
  m.offset = offset;
  m.perm = Perm::kRead;
  m.sharing = MapSharing::kShared;
  m.backing = file;
  return m;
}

TEST(MappingList, InsertsSortedWithoutOverlap) {
  List list;
  EXPECT_TRUE(list.insert(mapping(0x5000, 0x2000, 0, 1)).ok());
  EXPECT_TRUE(list.insert(mapping(0x1000, 0x1000, 0, 2)).ok());
  EXPECT_EQ(list.insert(mapping(0x6000, 0x1000, 0, 3)).error(), Error::kAlreadyMapped);
  EXPECT_EQ(list.insert(mapping(0x4000, 0x2000, 0, 3)).error(), Error::kAlreadyMapped);
  EXPECT_EQ(list.insert(mapping(0x4000, 0, 0, 3)).error(), Error::kInvalid);
  EXPECT_EQ(list.insert(mapping(0x4001, 0x1000, 0, 3)).error(), Error::kMisaligned);
  EXPECT_TRUE(list.insert(mapping(0x7000, 0x1000, 0, 3)).ok());
  EXPECT_TRUE(list.insert(mapping(0x3000, 0x1000, 0, 0)).ok());
  EXPECT_TRUE(list.full());
  EXPECT_EQ(list.insert(mapping(0x9000, 0x1000, 0, 4)).error(), Error::kNoSpace);
  EXPECT_EQ(list[0].backing, 2);
  EXPECT_EQ(list[1].backing, 0);
  EXPECT_TRUE(list[1].anonymous());
  EXPECT_EQ(list[2].backing, 1);
  EXPECT_EQ(list[3].backing, 3);
  EXPECT_EQ(list.find(VirtAddr(0x6fff))->backing, 1);
  EXPECT_EQ(list.find(VirtAddr(0x2000)), nullptr);
}

TEST(MappingList, CutsStartEndAndMiddleKeepingOffsets) {
  List list;
  ASSERT_TRUE(list.insert(mapping(0x10000, 0x8000, 0x3000, 7)).ok());
  auto cut = list.cut(VirtAddr(0x10000), 0x1000);  // the start: the offset follows
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(*cut, CutKind::kShrunk);
  EXPECT_EQ(list[0].start.value(), 0x11000u);
  EXPECT_EQ(list[0].offset, 0x4000u);
  EXPECT_EQ(list[0].file_offset(VirtAddr(0x12345)), 0x5000u);
  cut = list.cut(VirtAddr(0x17000), 0x1000);  // the end
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(*cut, CutKind::kShrunk);
  EXPECT_EQ(list[0].end(), 0x17000u);
  cut = list.cut(VirtAddr(0x13000), 0x2000);  // the middle: a split
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(*cut, CutKind::kSplit);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].start.value(), 0x11000u);
  EXPECT_EQ(list[0].size, 0x2000u);
  EXPECT_EQ(list[0].offset, 0x4000u);
  EXPECT_EQ(list[1].start.value(), 0x15000u);
  EXPECT_EQ(list[1].size, 0x2000u);
  EXPECT_EQ(list[1].offset, 0x8000u);  // what it was before the cut
  EXPECT_EQ(list[1].backing, 7);
  // Not inside one mapping: nothing changes.
  EXPECT_EQ(list.cut(VirtAddr(0x12000), 0x4000).error(), Error::kNotMapped);
  EXPECT_EQ(list.cut(VirtAddr(0x13000), 0x1000).error(), Error::kNotMapped);
  EXPECT_EQ(list.cut(VirtAddr(0x12800), 0x1000).error(), Error::kMisaligned);
  EXPECT_EQ(list.size(), 2u);
  cut = list.cut(VirtAddr(0x15000), 0x2000);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(*cut, CutKind::kRemoved);
  EXPECT_EQ(list.size(), 1u);
}

TEST(MappingList, SplitNeedsASlot) {
  MappingList<int, 2> list;
  ASSERT_TRUE(list.insert(mapping(0x10000, 0x4000, 0, 1)).ok());
  ASSERT_TRUE(list.insert(mapping(0x20000, 0x4000, 0, 2)).ok());
  EXPECT_EQ(list.cut(VirtAddr(0x11000), 0x1000).error(), Error::kNoSpace);
  EXPECT_EQ(list[0].size, 0x4000u);                       // unchanged
  EXPECT_TRUE(list.cut(VirtAddr(0x10000), 0x1000).ok());  // an end needs none
}

// Random cuts against a model: for every page, which file and offset back it (or none).
TEST(MappingList, RandomCutsMatchAPageModel) {
  std::mt19937_64 rng(12);
  for (int round = 0; round < 200; ++round) {
    MappingList<int, 8> list;
    std::map<uint64_t, std::pair<int, uint64_t>> model;  // page -> (file, offset)
    for (int file = 1; file <= 3; ++file) {
      const uint64_t start = 0x100000 * file, pages = 1 + rng() % 12,
                     offset = (rng() % 5) * kPageSize;
      ASSERT_TRUE(list.insert(mapping(start, pages * kPageSize, offset, file)).ok());
      for (uint64_t i = 0; i < pages; ++i)
        model[start + i * kPageSize] = {file, offset + i * kPageSize};
    }
    for (int step = 0; step < 20; ++step) {
      const uint64_t start = 0x100000 * (1 + rng() % 3) + (rng() % 14) * kPageSize;
      const uint64_t size = (1 + rng() % 6) * kPageSize;
      const auto first = model.find(start);
      bool inside = first != model.end();
      for (uint64_t a = start; inside && a < start + size; a += kPageSize) {
        auto it = model.find(a);
        if (it == model.end() || it->second.first != first->second.first) inside = false;
      }
      if (inside) {
        // Inside one mapping means contiguous pages of one file: the model must agree.
        for (uint64_t a = start + kPageSize; a < start + size; a += kPageSize) {
          inside = inside && model[a].second == model[a - kPageSize].second + kPageSize;
        }
      }
      const bool room = !list.full();
      auto cut = list.cut(VirtAddr(start), size);
      if (!inside) {
        EXPECT_FALSE(cut.ok());
        continue;
      }
      if (!cut.ok()) {
        EXPECT_EQ(cut.error(), Error::kNoSpace);
        EXPECT_FALSE(room);
        continue;
      }
      for (uint64_t a = start; a < start + size; a += kPageSize) model.erase(a);
    }
    for (uint64_t a = 0x100000; a < 0x400000; a += kPageSize) {
      const Mapping<int>* m = list.find(VirtAddr(a));
      auto it = model.find(a);
      ASSERT_EQ(m != nullptr, it != model.end()) << std::hex << a;
      if (m == nullptr) continue;
      EXPECT_EQ(m->backing, it->second.first);
      EXPECT_EQ(m->file_offset(VirtAddr(a)), it->second.second);
    }
  }
}

}  // namespace
}  // namespace pagoda::mm
