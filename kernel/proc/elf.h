// ELF64 executables: the file format (System V gABI, RISC-V psABI) and a validator that turns the
// headers into a list of loadable segments. Portable: reads through a Reader, so it works on an
// inode in the kernel and on a byte array in host tests. xv6: elf.h and the checks in exec.c
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"

namespace pagoda::elf {

inline constexpr uint32_t kMagic = 0x464c457fu;  // "\x7fELF" little-endian
inline constexpr uint8_t kClass64 = 2;
inline constexpr uint8_t kDataLittle = 1;
inline constexpr uint16_t kTypeExec = 2;
inline constexpr uint16_t kMachineRiscv = 243;
inline constexpr uint32_t kProgLoad = 1;
inline constexpr uint32_t kFlagExec = 1;
inline constexpr uint32_t kFlagWrite = 2;
inline constexpr uint32_t kFlagRead = 4;
inline constexpr int kMaxSegments = 8;  // loadable segments we accept; user.ld makes 2
inline constexpr uint16_t kMaxProgramHeaders = 64;

struct FileHeader {
  uint32_t magic;
  uint8_t ident_class;
  uint8_t ident_data;
  uint8_t ident_version;
  uint8_t ident_rest[9];
  uint16_t type;
  uint16_t machine;
  uint32_t version;
  uint64_t entry;
  uint64_t phoff;
  uint64_t shoff;
  uint32_t flags;
  uint16_t ehsize;
  uint16_t phentsize;
  uint16_t phnum;
  uint16_t shentsize;
  uint16_t shnum;
  uint16_t shstrndx;
};
static_assert(sizeof(FileHeader) == 64);

struct ProgramHeader {
  uint32_t type;
  uint32_t flags;
  uint64_t offset;
  uint64_t vaddr;
  uint64_t paddr;
  uint64_t filesz;
  uint64_t memsz;
  uint64_t align;
};
static_assert(sizeof(ProgramHeader) == 56);

struct Segment {
  uint64_t vaddr;   // page-aligned
  uint64_t memsz;   // >= filesz
  uint64_t offset;  // in the file
  uint64_t filesz;
  mm::Perm perm;  // from the flags; kUser is added by the loader
};

struct Image {
  uint64_t entry = 0;
  int count = 0;  // segments, sorted by vaddr, not overlapping
  Segment segments[kMaxSegments] = {};
  uint64_t end() const {
    return count == 0 ? 0 : segments[count - 1].vaddr + segments[count - 1].memsz;
  }
};

// A Reader reads exactly n bytes at offset off into dst, or fails.
template <class R>
concept Reader = requires(R& r, void* dst, uint64_t off, uint64_t n) {
  { r.read(dst, off, n) } -> std::same_as<bool>;
};

mm::Perm segment_perm(uint32_t flags);

// Validates one LOAD program header against the user address limit.
Status check_segment(const ProgramHeader& ph, uint64_t limit);

// Validates the file header.
Status check_header(const FileHeader& eh);

// Adds a segment keeping the list sorted; fails if it overlaps another (page-granular) or if the
// list is full.
Status add_segment(Image& image, const Segment& seg);

// Reads and validates the headers; every LOAD segment must end at or below `limit` (the first
// address user memory may not reach). Errors: kInvalid for a malformed or truncated file,
// kOutOfRange for segments beyond `limit` or overflowing, kMisaligned for unaligned vaddr, kTooBig
// for too many segments.
// Fills `image` (an out parameter: it is large, and exec runs on a one-page kernel stack).
template <Reader R>
Status parse(R& reader, uint64_t limit, Image& image) {
  FileHeader eh;
  if (!reader.read(&eh, 0, sizeof(eh))) return Error::kInvalid;
  PAGODA_TRY(check_header(eh));
  image = Image{};
  image.entry = eh.entry;
  for (uint16_t i = 0; i < eh.phnum; ++i) {
    uint64_t off = eh.phoff + static_cast<uint64_t>(i) * sizeof(ProgramHeader);
    if (off < eh.phoff) return Error::kInvalid;  // wrapped
    ProgramHeader ph;
    if (!reader.read(&ph, off, sizeof(ph))) return Error::kInvalid;
    if (ph.type != kProgLoad) continue;
    PAGODA_TRY(check_segment(ph, limit));
    PAGODA_TRY(add_segment(
        image, Segment{ph.vaddr, ph.memsz, ph.offset, ph.filesz, segment_perm(ph.flags)}));
  }
  if (image.count == 0) return Error::kInvalid;
  return {};
}

}  // namespace pagoda::elf
