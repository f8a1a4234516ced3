// The superblock (block 1) and the layout it describes:
//   [ boot | super | log (nlog) | inodes | bitmap | data ]
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel/fs.h"
#include "kernel/param.h"
#include "tools/fslib/failure.h"
#include "tools/fslib/image.h"

namespace pagoda::fslib {

inline constexpr uint32_t kSuperBlock = 1;
inline constexpr uint32_t kInodesPerBlock = IPB;
inline constexpr uint32_t kBitsPerBlock = BPB;
inline constexpr uint32_t kMaxFileBlocks = MAXFILE;
inline constexpr uint32_t kIndirectEntries = NINDIRECT;
inline constexpr uint32_t kMaxInodes = 65536;  // dirent.inum is a ushort

// What mkfs is asked for; the defaults are xv6's (param.h FSSIZE and LOGSIZE, mkfs.c NINODES).
struct Geometry {
  uint32_t size = FSSIZE;   // blocks in the image
  uint32_t ninodes = 200;   // inode numbers 0..ninodes-1; 0 is never used, 1 is the root
  uint32_t nlog = LOGSIZE;  // log blocks, the header included
};

// A superblock with the derived numbers both tools need.
class SuperBlock {
 public:
  // xv6 mkfs's layout for a geometry (nbitmap = size/BPB + 1, ninodeblocks = ninodes/IPB + 1),
  // or why the geometry cannot work.
  static Result<SuperBlock, Failure> plan(const Geometry& g);

  static SuperBlock read(const Image& image) {
    return SuperBlock(image.read<superblock>(kSuperBlock, 0));
  }
  void write(Image& image) const { image.write(kSuperBlock, 0, raw_); }

  explicit SuperBlock(const superblock& raw) : raw_(raw) {}
  const superblock& raw() const { return raw_; }

  uint32_t size() const { return raw_.size; }
  uint32_t ninodes() const { return raw_.ninodes; }
  uint32_t nlog() const { return raw_.nlog; }
  uint32_t logstart() const { return raw_.logstart; }
  uint32_t inodestart() const { return raw_.inodestart; }
  uint32_t bmapstart() const { return raw_.bmapstart; }
  // First data block: everything below is metadata (and marked used in the bitmap).
  uint32_t data_start() const { return raw_.size - raw_.nblocks; }

  uint32_t inode_block(uint32_t inum) const { return inum / kInodesPerBlock + raw_.inodestart; }
  uint32_t bitmap_block(uint32_t b) const { return b / kBitsPerBlock + raw_.bmapstart; }

  // Why this superblock cannot describe a usable file system in an image of `image_blocks`
  // blocks, one line each; empty when it is sound. Only when it is sound do the other helpers
  // stay inside the image.
  std::vector<std::string> problems(uint64_t image_blocks) const;

 private:
  superblock raw_;
};

}  // namespace pagoda::fslib
