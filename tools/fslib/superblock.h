// The superblock (block 1) and the layout it describes, in either format (kernel/fs/format.h):
//   [ boot | super | log (nlog) | inodes | bitmap | data ]
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel/fs.h"
#include "kernel/fs/format.h"
#include "kernel/param.h"
#include "tools/fslib/failure.h"
#include "tools/fslib/image.h"

namespace pagoda::fslib {

inline constexpr uint32_t kSuperBlock = 1;
inline constexpr uint32_t kMaxInodes = 65536;  // dirent.inum is a ushort

// What mkfs is asked for. The member defaults are xv6-riscv's; defaults(f) gives any format's
// (xv6's param.h FSSIZE and LOGSIZE, mkfs.c NINODES).
struct Geometry {
  const FsFormat* format = &kFsXv6Riscv;
  uint32_t size = kFsXv6Riscv.default_size;        // blocks in the image
  uint32_t ninodes = kFsXv6Riscv.default_ninodes;  // inode numbers 0..ninodes-1; 1 is the root
  uint32_t nlog = kFsXv6Riscv.default_nlog;        // log blocks, the header included

  static Geometry defaults(const FsFormat& f) {
    return {&f, f.default_size, f.default_ninodes, f.default_nlog};
  }
};

// A superblock with the derived numbers both tools need.
class SuperBlock {
 public:
  // xv6 mkfs's layout for a geometry (nbitmap = size/BPB + 1, ninodeblocks = ninodes/IPB + 1),
  // or why the geometry cannot work.
  static Result<SuperBlock, Failure> plan(const Geometry& g);

  // Block 1 of an image of at least two blocks, in the image's format.
  static SuperBlock read(const Image& image) {
    return SuperBlock(image.format(),
                      decode_superblock(image.format(), image.block(kSuperBlock).data()));
  }
  void write(Image& image) const {
    encode_superblock(*format_, raw_, image.block(kSuperBlock).data());
  }

  SuperBlock(const FsFormat& f, const superblock& raw) : format_(&f), raw_(raw) {}
  const FsFormat& format() const { return *format_; }
  const superblock& raw() const { return raw_; }

  uint32_t size() const { return raw_.size; }
  uint32_t ninodes() const { return raw_.ninodes; }
  uint32_t nlog() const { return raw_.nlog; }
  uint32_t logstart() const { return raw_.logstart; }
  uint32_t inodestart() const { return raw_.inodestart; }
  uint32_t bmapstart() const { return raw_.bmapstart; }
  // First data block: everything below is metadata (and marked used in the bitmap).
  uint32_t data_start() const { return raw_.size - raw_.nblocks; }

  uint32_t inode_block(uint32_t inum) const {
    return inum / format_->inodes_per_block() + raw_.inodestart;
  }
  uint32_t bitmap_block(uint32_t b) const { return b / format_->bits_per_block() + raw_.bmapstart; }

  // Why this superblock cannot describe a usable file system in an image of `image_blocks`
  // blocks, one line each; empty when it is sound. Only when it is sound do the other helpers
  // stay inside the image.
  std::vector<std::string> problems(uint64_t image_blocks) const;

 private:
  const FsFormat* format_;
  superblock raw_;
};

// The format of an image's bytes: xv6-riscv if block 1 starts with FSMAGIC, else xv6-x86 if its
// superblock has sound geometry, else nullptr (no file system of either format).
const FsFormat* detect_format(const std::vector<uint8_t>& bytes);

}  // namespace pagoda::fslib
