// ELF executables, ELF64 (RISC-V) and ELF32 (i386): the file format (System V gABI, RISC-V psABI)
// and a validator that turns the headers into a list of loadable segments. Portable: reads through
// a Reader, so it works on an inode in the kernel and on a byte array in host tests. xv6: elf.h and
// the checks in exec.c
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"

namespace pagoda::elf {

inline constexpr uint32_t kMagic = 0x464c457fu;  // "\x7fELF" little-endian
inline constexpr uint8_t kClass32 = 1;
inline constexpr uint8_t kClass64 = 2;
inline constexpr uint8_t kDataLittle = 1;
inline constexpr uint16_t kTypeExec = 2;
inline constexpr uint16_t kMachineRiscv = 243;
inline constexpr uint16_t kMachine386 = 3;
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

// The ELF32 forms (i386, xv6-x86's programs): read, then widened into the structs above.
struct FileHeader32 {
  uint32_t magic;
  uint8_t ident_class;
  uint8_t ident_data;
  uint8_t ident_version;
  uint8_t ident_rest[9];
  uint16_t type;
  uint16_t machine;
  uint32_t version;
  uint32_t entry;
  uint32_t phoff;
  uint32_t shoff;
  uint32_t flags;
  uint16_t ehsize;
  uint16_t phentsize;
  uint16_t phnum;
  uint16_t shentsize;
  uint16_t shnum;
  uint16_t shstrndx;
};
static_assert(sizeof(FileHeader32) == 52);

struct ProgramHeader32 {
  uint32_t type;
  uint32_t offset;
  uint32_t vaddr;
  uint32_t paddr;
  uint32_t filesz;
  uint32_t memsz;
  uint32_t flags;
  uint32_t align;
};
static_assert(sizeof(ProgramHeader32) == 32);

// Which executables a machine runs: the class and the machine number its exec accepts.
struct Target {
  uint8_t ident_class;
  uint16_t machine;
};
inline constexpr Target kRiscv64{kClass64, kMachineRiscv};
inline constexpr Target kI386{kClass32, kMachine386};

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

// Validates the (widened) file header for the target.
Status check_header(const FileHeader& eh, Target target = kRiscv64);

// The file header and the program header at off, in the target's class, widened to ELF64.
template <Reader R>
bool read_file_header(R& reader, Target target, FileHeader& eh) {
  if (target.ident_class == kClass64) return reader.read(&eh, 0, sizeof(eh));
  FileHeader32 h;
  if (!reader.read(&h, 0, sizeof(h))) return false;
  eh = FileHeader{h.magic,   h.ident_class, h.ident_data, h.ident_version, {},      h.type,
                  h.machine, h.version,     h.entry,      h.phoff,         h.shoff, h.flags,
                  h.ehsize,  h.phentsize,   h.phnum,      h.shentsize,     h.shnum, h.shstrndx};
  __builtin_memcpy(eh.ident_rest, h.ident_rest, sizeof(eh.ident_rest));
  return true;
}
template <Reader R>
bool read_program_header(R& reader, Target target, uint64_t off, ProgramHeader& ph) {
  if (target.ident_class == kClass64) return reader.read(&ph, off, sizeof(ph));
  ProgramHeader32 h;
  if (!reader.read(&h, off, sizeof(h))) return false;
  ph = ProgramHeader{h.type, h.flags, h.offset, h.vaddr, h.paddr, h.filesz, h.memsz, h.align};
  return true;
}
constexpr uint64_t program_header_size(Target target) {
  return target.ident_class == kClass64 ? sizeof(ProgramHeader) : sizeof(ProgramHeader32);
}

// Adds a segment keeping the list sorted; fails if it overlaps another (page-granular) or if the
// list is full.
Status add_segment(Image& image, const Segment& seg);

// Reads and validates the headers; every LOAD segment must end at or below `limit` (the first
// address user memory may not reach). Errors: kInvalid for a malformed or truncated file,
// kOutOfRange for segments beyond `limit` or overflowing, kMisaligned for unaligned vaddr, kTooBig
// for too many segments.
// Fills `image` (an out parameter: it is large, and exec runs on a one-page kernel stack).
template <Reader R>
Status parse(R& reader, uint64_t limit, Image& image, Target target = kRiscv64) {
  FileHeader eh;
  if (!read_file_header(reader, target, eh)) return Error::kInvalid;
  PAGODA_TRY(check_header(eh, target));
  image = Image{};
  image.entry = eh.entry;
  for (uint16_t i = 0; i < eh.phnum; ++i) {
    uint64_t off = eh.phoff + static_cast<uint64_t>(i) * program_header_size(target);
    if (off < eh.phoff) return Error::kInvalid;  // wrapped
    ProgramHeader ph;
    if (!read_program_header(reader, target, off, ph)) return Error::kInvalid;
    if (ph.type != kProgLoad) continue;
    PAGODA_TRY(check_segment(ph, limit));
    PAGODA_TRY(add_segment(
        image, Segment{ph.vaddr, ph.memsz, ph.offset, ph.filesz, segment_perm(ph.flags)}));
  }
  if (image.count == 0) return Error::kInvalid;
  return {};
}

}  // namespace pagoda::elf
