// The superblock and the free-block bitmap. xv6: readsb, balloc, bfree, bzero
#include "kernel/fs/block_alloc.h"

#include "kernel/fs/buf.h"
#include "kernel/fs/format.h"
#include "kernel/fs/fs_faults.h"
#include "kernel/fs/log.h"
#include "kernel/sync/print.h"
#include "kernel/lib/string.h"

namespace pagoda {

namespace {

constinit superblock sb{};  // written once at mount, read-only afterwards

uint32_t first_data_block() {
  return sb.size - sb.nblocks;
}

}  // namespace

const superblock& fs_superblock() {
  return sb;
}

const char* superblock_problem(const superblock& s, uint64_t disk_blocks) {
  if (kFsFormat.has_magic && s.magic != FSMAGIC) return "bad magic number";
  if (s.size > disk_blocks) return "larger than the disk";
  // Regions in xv6's order, none overlapping the next: boot, superblock, log, inodes, bitmap, data.
  // 64-bit sums, so huge fields cannot wrap round to something that looks right.
  uint64_t inode_blocks = (uint64_t{s.ninodes} + IPB - 1) / IPB;
  uint64_t bitmap_blocks = (uint64_t{s.size} + BPB - 1) / BPB;
  if (s.nblocks == 0 || s.nblocks > s.size) return "bad data block count";
  if (s.ninodes <= ROOTINO) return "no room for the root inode";
  if (s.nlog < MAXOPBLOCKS + 1) return "log too small";
  if (s.logstart < 2) return "log overlaps the superblock";
  if (uint64_t{s.logstart} + s.nlog > s.inodestart) return "log overlaps the inodes";
  if (s.inodestart + inode_blocks > s.bmapstart) return "inodes overlap the bitmap";
  if (s.bmapstart + bitmap_blocks > s.size - s.nblocks) return "bitmap overlaps the data";
  return layout_problem(kFsFormat, s);  // without a magic number, the geometry must be mkfs's
}

Status read_superblock(uint32_t dev, uint64_t disk_blocks) {
  if (disk_blocks < 2) {
    kprintf("fs: cannot mount device %u: disk of %lu blocks\n", dev, disk_blocks);
    return Error::kInvalid;
  }
  superblock read{};
  {
    BlockRef b(dev, 1);
    read = decode_superblock(kFsFormat, b.data());
  }
  if (const char* problem = superblock_problem(read, disk_blocks); problem != nullptr) {
    kprintf("fs: cannot mount device %u: superblock: %s\n", dev, problem);
    return Error::kInvalid;
  }
  sb = read;
  return Status::Ok();
}

Result<uint32_t> balloc(uint32_t dev) {
  if (fs_fault_now(FsAllocator::kBlocks)) return Error::kNoSpace;  // injected: "the disk is full"
  for (uint32_t base = 0; base < sb.size; base += BPB) {
    BlockRef map(dev, BBLOCK(base, sb));
    for (uint32_t bit = 0; bit < BPB && base + bit < sb.size; bit++) {
      uint32_t blockno = base + bit;
      uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
      // Metadata blocks are marked in use by mkfs; skip them anyway so a bad bitmap cannot
      // hand out the log or an inode block.
      if (blockno < first_data_block() || (map.data()[bit / 8] & mask) != 0) continue;
      map.data()[bit / 8] |= mask;
      log_write(map.get());
      BlockRef fresh(dev, blockno, BlockRef::Mode::kOverwrite);  // xv6: bzero
      memset(fresh.data(), 0, BSIZE);
      log_write(fresh.get());
      return blockno;
    }
  }
  return Error::kNoSpace;
}

// A block out of range or already free means the disk is damaged (a file's block numbers or the
// bitmap): reported, and the bitmap left as it is.
void bfree(uint32_t dev, uint32_t blockno) {
  if (blockno < first_data_block() || blockno >= sb.size) {
    kprintf("fs: bfree: block %u is outside the data area\n", blockno);
    return;
  }
  BlockRef map(dev, BBLOCK(blockno, sb));
  uint32_t bit = blockno % BPB;
  uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
  if ((map.data()[bit / 8] & mask) == 0) {
    kprintf("fs: bfree: block %u is already free in the bitmap\n", blockno);
    return;
  }
  map.data()[bit / 8] &= static_cast<uint8_t>(~mask);
  log_write(map.get());
}

}  // namespace pagoda
