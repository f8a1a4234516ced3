// Builds a fresh file system in memory the way xv6's mkfs does: inodes handed out from 1 upwards,
// data blocks from the first data block upwards, the bitmap written at the end. Every operation
// checks that it fits (inodes, blocks, MAXFILE, name) before it changes anything, so a failed call
// leaves the image as it was.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "kernel/fs.h"
#include "tools/fslib/failure.h"
#include "tools/fslib/image.h"
#include "tools/fslib/superblock.h"

namespace pagoda::fslib {

class FsBuilder {
 public:
  // An image with the superblock and the root directory (inode 1, "." and ".." naming itself).
  static Result<FsBuilder, Failure> create(const Geometry& g);

  // A new regular file named `name` in directory `dir` holding `contents`; its inode number.
  Result<uint32_t, Failure> add_file(uint32_t dir, std::string_view name,
                                     std::span<const uint8_t> contents);
  // A new directory with "." and ".." (the parent's link count grows by one, as xv6 mkdir does).
  Result<uint32_t, Failure> add_directory(uint32_t parent, std::string_view name);
  // Another name for an existing inode (xv6: link); its link count grows by one.
  BasicStatus<Failure> link(uint32_t dir, std::string_view name, uint32_t inum);

  // Rounds the root directory's size up to a whole block (as xv6 mkfs does), writes the bitmap
  // and hands over the image. The builder is spent afterwards.
  Image finish() &&;

  const SuperBlock& superblock() const { return sb_; }
  uint32_t free_inodes() const { return sb_.ninodes() - next_inode_; }
  uint32_t free_blocks() const { return sb_.size() - next_block_; }
  const FsFormat& format() const { return sb_.format(); }

 private:
  FsBuilder(Image image, const SuperBlock& sb)
      : image_(std::move(image)), sb_(sb), next_block_(sb.data_start()) {}

  // Blocks that appending `len` bytes to a file of `size` bytes takes (data and indirect), or a
  // failure if the file would exceed MAXFILE blocks.
  Result<uint32_t, Failure> blocks_to_append(uint64_t size, uint64_t len) const;
  uint64_t blocks_for(uint64_t bytes) const;
  BasicStatus<Failure> check_entry(uint32_t dir, std::string_view name) const;
  BasicStatus<Failure> reserve(uint32_t inodes, uint32_t blocks) const;

  uint32_t alloc_inode(short type);                           // xv6 mkfs: ialloc (nlink 1)
  void append(uint32_t inum, std::span<const uint8_t> data);  // xv6 mkfs: iappend
  void append_entry(uint32_t dir, uint32_t inum, std::string_view name);

  Image image_;
  SuperBlock sb_;
  uint32_t next_inode_ = 1;  // xv6 mkfs freeinode
  uint32_t next_block_;      // xv6 mkfs freeblock
};

}  // namespace pagoda::fslib
