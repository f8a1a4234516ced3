// The on-disk formats the file system reads and writes, described by value: xv6-riscv's and
// xv6-x86's. Everything that differs between the two is a field of FsFormat; what they share
// (the layout order, dinode, dirent, the log header) is kernel/fs.h. The kernel and user land
// use one format, chosen at compile time (kFsFormat, switched by PAGODA_FS_FORMAT_XV6_X86=1, which
// also switches kernel/fs.h's BSIZE); mkfs and fsck take either at run time. Freestanding: the
// kernel, the host tools and the host tests all include it.
#pragma once

#include <cstdint>

#include "kernel/fs.h"

namespace pagoda {

struct FsFormat {
  const char* name;     // as mkfs --format and fsck --format spell it
  uint32_t block_size;  // bytes per block (xv6: BSIZE)
  // The superblock starts with FSMAGIC (xv6-riscv). Without a magic number (xv6-x86) it is only
  // its seven geometry words, and a superblock is believed when its geometry is mkfs's
  // (layout_problem).
  bool has_magic;
  // mkfs's defaults: blocks (param.h FSSIZE), inodes (mkfs.c NINODES), log blocks (LOGSIZE).
  uint32_t default_size;
  uint32_t default_ninodes;
  uint32_t default_nlog;

  // xv6's IPB, BPB, NINDIRECT and MAXFILE for this format.
  constexpr uint32_t inodes_per_block() const { return block_size / sizeof(dinode); }
  constexpr uint32_t bits_per_block() const { return block_size * 8; }
  constexpr uint32_t indirect_entries() const { return block_size / sizeof(uint32_t); }
  constexpr uint32_t max_file_blocks() const { return NDIRECT + indirect_entries(); }
  constexpr uint64_t max_file_bytes() const { return uint64_t{max_file_blocks()} * block_size; }
  constexpr uint32_t superblock_words() const { return has_magic ? 8 : 7; }
  constexpr uint32_t superblock_bytes() const { return superblock_words() * 4; }
};

inline constexpr FsFormat kFsXv6Riscv{"xv6-riscv", 1024, true, 2000, 200, 30};
inline constexpr FsFormat kFsXv6X86{"xv6-x86", 512, false, 1000, 200, 30};
inline constexpr const FsFormat* kFsFormats[] = {&kFsXv6Riscv, &kFsXv6X86};

// The format this build of the kernel and user land uses.
inline constexpr const FsFormat& kFsFormat = PAGODA_FS_FORMAT_XV6_X86 ? kFsXv6X86 : kFsXv6Riscv;
static_assert(kFsFormat.block_size == BSIZE && kFsFormat.inodes_per_block() == IPB &&
                  kFsFormat.bits_per_block() == BPB && kFsFormat.max_file_blocks() == MAXFILE,
              "kernel/fs.h's macros and kFsFormat must describe the same format");
static_assert(sizeof(dinode) == 64 && sizeof(dirent) == 16 && sizeof(superblock) == 32);
static_assert(kFsXv6X86.inodes_per_block() == 8 && kFsXv6X86.max_file_blocks() == 140);
static_assert(kFsXv6Riscv.inodes_per_block() == 16 && kFsXv6Riscv.max_file_blocks() == 268);
static_assert(sizeof(logheader) <= kFsXv6X86.block_size, "a log header fits in the smaller block");

// The superblock in block 1, in the format's layout, into the fields the file system keeps
// (struct superblock). A format without a magic number yields magic 0.
inline superblock decode_superblock(const FsFormat& f, const uint8_t* block) {
  uint32_t w[8] = {};
  const uint32_t first = f.has_magic ? 0 : 1;
  for (uint32_t i = 0; i < f.superblock_words(); i++) {
    const uint8_t* p = block + 4 * i;  // little-endian on disk, like both machines
    w[first + i] =
        uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
  return superblock{w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]};
}

// The reverse: writes f.superblock_bytes() bytes at block (magic dropped if f has none).
inline void encode_superblock(const FsFormat& f, const superblock& s, uint8_t* block) {
  const uint32_t w[8] = {s.magic, s.size,     s.nblocks,    s.ninodes,
                         s.nlog,  s.logstart, s.inodestart, s.bmapstart};
  const uint32_t first = f.has_magic ? 0 : 1;
  for (uint32_t i = 0; i < f.superblock_words(); i++) {
    for (uint32_t byte = 0; byte < 4; byte++)
      block[4 * i + byte] = static_cast<uint8_t>(w[first + i] >> (8 * byte));
  }
}

// For a format without a magic number, the geometry is the only evidence that block 1 holds a
// superblock: it must be the layout xv6's mkfs makes, each region right after the one before
// (log at block 2, the inodes right after it, the bitmap after the inodes and the data after
// the bitmap, each allowing the one spare block of mkfs's `n / per_block + 1`). nullptr when it
// is, or when f has a magic number (then the general order checks are enough). The general
// checks (superblock_problem in block_alloc.cc, SuperBlock::problems in fslib) run first, so
// the sums here cannot wrap.
inline const char* layout_problem(const FsFormat& f, const superblock& s) {
  if (f.has_magic) return nullptr;
  // k blocks hold n entries the way mkfs sizes them when ceil(n / per) <= k <= n / per + 1, that
  // is (k - 1) * per <= n <= k * per: multiplications only (no 64-bit division on i386).
  auto mkfs_sized = [](uint64_t k, uint64_t n, uint64_t per) {
    return k >= 1 && (k - 1) * per <= n && n <= k * per;
  };
  const uint64_t data_start = uint64_t{s.size} - s.nblocks;
  const uint64_t inode_blocks = s.inodestart < s.bmapstart ? s.bmapstart - s.inodestart : 0;
  const uint64_t bitmap_blocks = s.bmapstart < data_start ? data_start - s.bmapstart : 0;
  if (s.logstart != 2) return "the log does not start at block 2";
  if (uint64_t{s.logstart} + s.nlog != s.inodestart) return "the inodes do not follow the log";
  if (!mkfs_sized(inode_blocks, s.ninodes, f.inodes_per_block()))
    return "the inode blocks do not fit ninodes";
  if (!mkfs_sized(bitmap_blocks, s.size, f.bits_per_block()))
    return "the bitmap blocks do not fit the size";
  return nullptr;
}

}  // namespace pagoda
