// The superblock and the free-block bitmap. xv6: readsb, balloc, bfree, bzero
#include "kernel/fs/block_alloc.h"

#include "kernel/fs/buf.h"
#include "kernel/fs/log.h"
#include "kernel/lib/panic.h"
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

Status read_superblock(uint32_t dev) {
  BlockRef b(dev, 1);
  memmove(&sb, b.data(), sizeof(sb));
  if (sb.magic != FSMAGIC) return Error::kInvalid;
  if (sb.nblocks > sb.size || sb.bmapstart >= sb.size || sb.inodestart >= sb.size)
    return Error::kInvalid;
  return Status::Ok();
}

Result<uint32_t> balloc(uint32_t dev) {
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

void bfree(uint32_t dev, uint32_t blockno) {
  if (blockno < first_data_block() || blockno >= sb.size)
    panic("bfree: block %u out of range", blockno);
  BlockRef map(dev, BBLOCK(blockno, sb));
  uint32_t bit = blockno % BPB;
  uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
  if ((map.data()[bit / 8] & mask) == 0) panic("bfree: block %u is already free", blockno);
  map.data()[bit / 8] &= static_cast<uint8_t>(~mask);
  log_write(map.get());
}

}  // namespace pagoda
