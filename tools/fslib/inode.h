// Inodes: the on-disk table (InodeTable) and the block map of one inode (InodeReader).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel/fs.h"
#include "tools/fslib/failure.h"
#include "tools/fslib/image.h"
#include "tools/fslib/inode_type.h"
#include "tools/fslib/superblock.h"

namespace pagoda::fslib {

// The inode array that starts at sb.inodestart. The superblock must be sound.
class InodeTable {
 public:
  InodeTable(Image& image, const SuperBlock& sb) : image_(image), sb_(sb) {}

  uint32_t count() const { return sb_.ninodes(); }
  // inum < count(), else std::out_of_range (a bug in the caller).
  dinode get(uint32_t inum) const;
  void put(uint32_t inum, const dinode& d);  // xv6: iupdate

 private:
  uint32_t offset(uint32_t inum) const;

  Image& image_;
  SuperBlock sb_;
};

// One block pointer of an inode: where it sits and what it points to.
struct BlockPointer {
  enum class Kind { kDirect, kIndirectBlock, kIndirectEntry };
  Kind kind;
  uint32_t index;  // addrs[index] for kDirect; entry index inside the indirect block otherwise
  uint32_t block;  // the block number (never 0: absent pointers are not listed)

  // "addrs[3]", "addrs[12] (indirect)", "indirect[7]"
  std::string describe() const;
};

// Reads an inode's block map: 12 direct pointers, then one indirect block of block_size / 4
// (256 for xv6-riscv, 128 for xv6-x86). xv6: bmap.
class InodeReader {
 public:
  InodeReader(const Image& image, const SuperBlock& sb) : image_(image), sb_(sb) {}

  // Every non-zero pointer of the inode, the indirect block's entries only when the indirect
  // pointer is a data block (in [data_start, size)).
  std::vector<BlockPointer> pointers(const dinode& d) const;

  // File block index -> disk block for the first n blocks (0 where absent); n is capped at
  // the format's MAXFILE.
  std::vector<uint32_t> block_map(const dinode& d, uint32_t n) const;

  // The file's contents (size bytes). Fails if the size exceeds MAXFILE blocks or a block the
  // size covers is absent or not a data block.
  Result<std::vector<uint8_t>, Failure> read_all(const dinode& d) const;

  bool is_data_block(uint32_t b) const { return b >= sb_.data_start() && b < sb_.size(); }

 private:
  const Image& image_;
  SuperBlock sb_;
};

}  // namespace pagoda::fslib
