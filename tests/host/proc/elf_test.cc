// elf::parse: a good executable, and each way a file can be malformed.
#include "kernel/proc/elf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace pagoda::elf {
namespace {

constexpr uint64_t kLimit = 0x3fffffc000;  // the kernel's limit: below the stack pages

// An elf::Reader over bytes in memory.
struct BytesReader {
  const std::vector<uint8_t>& bytes;
  bool read(void* dst, uint64_t off, uint64_t n) {
    if (off > bytes.size() || n > bytes.size() - off) return false;
    std::memcpy(dst, bytes.data() + off, n);
    return true;
  }
};
static_assert(Reader<BytesReader>);

// Builds an executable like user.ld makes: text R+X at 0, data R+W at the next page.
struct ElfBuilder {
  FileHeader eh{};
  std::vector<ProgramHeader> phs;

  ElfBuilder() {
    eh.magic = kMagic;
    eh.ident_class = kClass64;
    eh.ident_data = kDataLittle;
    eh.ident_version = 1;
    eh.type = kTypeExec;
    eh.machine = kMachineRiscv;
    eh.version = 1;
    eh.entry = 0x10;
    eh.phoff = sizeof(FileHeader);
    eh.ehsize = sizeof(FileHeader);
    eh.phentsize = sizeof(ProgramHeader);
    phs.push_back(load(0, 0x1000, 0x1800, 0x1800, kFlagRead | kFlagExec));
    phs.push_back(load(0x2000, 0x3000, 0x100, 0x900, kFlagRead | kFlagWrite));
  }

  static ProgramHeader load(uint64_t vaddr, uint64_t offset, uint64_t filesz, uint64_t memsz,
                            uint32_t flags) {
    ProgramHeader ph{};
    ph.type = kProgLoad;
    ph.flags = flags;
    ph.offset = offset;
    ph.vaddr = vaddr;
    ph.paddr = vaddr;
    ph.filesz = filesz;
    ph.memsz = memsz;
    ph.align = 0x1000;
    return ph;
  }

  std::vector<uint8_t> bytes() {
    eh.phnum = static_cast<uint16_t>(phs.size());
    std::vector<uint8_t> out(0x4000, 0);
    std::memcpy(out.data(), &eh, sizeof(eh));
    std::memcpy(out.data() + eh.phoff, phs.data(), phs.size() * sizeof(ProgramHeader));
    return out;
  }
};

Result<Image> parse_bytes(const std::vector<uint8_t>& bytes, uint64_t limit = kLimit) {
  BytesReader reader{bytes};
  Image image;
  Status s = parse(reader, limit, image);
  if (!s.ok()) return s.error();
  return image;
}

TEST(ElfTest, GoodExecutable) {
  ElfBuilder b;
  auto image = parse_bytes(b.bytes());
  ASSERT_TRUE(image.ok()) << error_name(image.error());
  EXPECT_EQ(image->entry, 0x10u);
  ASSERT_EQ(image->count, 2);
  EXPECT_EQ(image->segments[0].vaddr, 0u);
  EXPECT_EQ(image->segments[0].offset, 0x1000u);
  EXPECT_EQ(image->segments[0].filesz, 0x1800u);
  EXPECT_EQ(image->segments[0].perm, mm::Perm::kRead | mm::Perm::kExec);
  EXPECT_EQ(image->segments[1].vaddr, 0x2000u);
  EXPECT_EQ(image->segments[1].memsz, 0x900u);
  EXPECT_EQ(image->segments[1].perm, mm::Perm::kRead | mm::Perm::kWrite);
  EXPECT_EQ(image->end(), 0x2900u);
}

TEST(ElfTest, SegmentsAreSortedByAddress) {
  ElfBuilder b;
  std::swap(b.phs[0], b.phs[1]);
  auto image = parse_bytes(b.bytes());
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->segments[0].vaddr, 0u);
  EXPECT_EQ(image->segments[1].vaddr, 0x2000u);
}

TEST(ElfTest, NonLoadHeadersAreSkipped) {
  ElfBuilder b;
  ProgramHeader note = ElfBuilder::load(0x123, 0, 0x10, 0x10, 0);
  note.type = 4;  // PT_NOTE: unaligned, but never loaded
  b.phs.push_back(note);
  auto image = parse_bytes(b.bytes());
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->count, 2);
}

TEST(ElfTest, BadMagic) {
  ElfBuilder b;
  b.eh.magic = 0x464c457e;
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
}

TEST(ElfTest, WrongClassDataTypeOrMachine) {
  {
    ElfBuilder b;
    b.eh.ident_class = 1;  // ELFCLASS32
    EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
  }
  {
    ElfBuilder b;
    b.eh.ident_data = 2;  // big-endian
    EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
  }
  {
    ElfBuilder b;
    b.eh.type = 3;  // ET_DYN
    EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
  }
  {
    ElfBuilder b;
    b.eh.machine = 62;  // x86-64
    EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
  }
}

TEST(ElfTest, ProgramHeaderCountAndSize) {
  {
    ElfBuilder b;
    b.phs.clear();
    EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
  }
  {
    ElfBuilder b;
    b.eh.phentsize = 32;
    EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
  }
  {
    ElfBuilder b;
    auto bytes = b.bytes();
    FileHeader eh = b.eh;
    eh.phnum = kMaxProgramHeaders + 1;
    std::memcpy(bytes.data(), &eh, sizeof(eh));
    EXPECT_EQ(parse_bytes(bytes).error(), Error::kInvalid);
  }
}

TEST(ElfTest, TruncatedFiles) {
  ElfBuilder b;
  auto bytes = b.bytes();
  std::vector<uint8_t> header_only(bytes.begin(), bytes.begin() + 40);
  EXPECT_EQ(parse_bytes(header_only).error(), Error::kInvalid);
  std::vector<uint8_t> half_phdrs(bytes.begin(), bytes.begin() + sizeof(FileHeader) + 80);
  EXPECT_EQ(parse_bytes(half_phdrs).error(), Error::kInvalid);
  FileHeader eh = b.eh;
  eh.phoff = ~uint64_t{0} - 10;  // offsets wrap
  std::memcpy(bytes.data(), &eh, sizeof(eh));
  EXPECT_EQ(parse_bytes(bytes).error(), Error::kInvalid);
}

TEST(ElfTest, OnlyNonLoadSegmentsIsInvalid) {
  ElfBuilder b;
  for (auto& ph : b.phs) ph.type = 6;  // PT_PHDR
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
}

TEST(ElfTest, MemszSmallerThanFilesz) {
  ElfBuilder b;
  b.phs[1].memsz = b.phs[1].filesz - 1;
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
}

TEST(ElfTest, VaddrPlusMemszOverflows) {
  ElfBuilder b;
  b.phs[1].vaddr = 0xfffffffffffff000ull;
  b.phs[1].memsz = 0x2000;
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kOutOfRange);
}

TEST(ElfTest, OffsetPlusFileszOverflows) {
  ElfBuilder b;
  b.phs[1].offset = ~uint64_t{0} - 4;
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
}

TEST(ElfTest, MisalignedVaddr) {
  ElfBuilder b;
  b.phs[1].vaddr = 0x2010;
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kMisaligned);
}

TEST(ElfTest, SegmentBeyondLimit) {
  ElfBuilder b;
  b.phs[1].vaddr = kLimit - 0x1000;
  b.phs[1].memsz = 0x1001;
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kOutOfRange);
  b.phs[1].memsz = 0x1000;  // exactly up to the limit is fine
  EXPECT_TRUE(parse_bytes(b.bytes()).ok());
}

TEST(ElfTest, OverlappingSegments) {
  ElfBuilder b;
  b.phs[1].vaddr = 0x1000;  // inside text's [0, 0x1800)
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
}

TEST(ElfTest, SegmentsSharingAPage) {
  ElfBuilder b;
  b.phs[0].memsz = 0x2001;  // text's last page is data's first
  b.phs[0].filesz = 0x2001;
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kInvalid);
}

TEST(ElfTest, TooManySegments) {
  ElfBuilder b;
  b.phs.clear();
  for (int i = 0; i <= kMaxSegments; ++i)
    b.phs.push_back(ElfBuilder::load(0x1000ull * i, 0, 0, 0x10, kFlagRead));
  EXPECT_EQ(parse_bytes(b.bytes()).error(), Error::kTooBig);
}

TEST(ElfTest, PermissionsFollowFlags) {
  EXPECT_EQ(segment_perm(kFlagRead), mm::Perm::kRead);
  EXPECT_EQ(segment_perm(kFlagRead | kFlagWrite), mm::Perm::kRead | mm::Perm::kWrite);
  EXPECT_EQ(segment_perm(kFlagRead | kFlagExec), mm::Perm::kRead | mm::Perm::kExec);
  EXPECT_FALSE(mm::has(segment_perm(kFlagRead | kFlagExec), mm::Perm::kWrite));
}

}  // namespace
}  // namespace pagoda::elf
