// Disk blocks: the superblock and the free-block bitmap. xv6: readsb, balloc, bfree
#pragma once

#include <cstdint>

#include "kernel/fs.h"
#include "kernel/lib/result.h"

namespace pagoda {

// The mounted file system's superblock (read once by fs_mount_root).
const superblock& fs_superblock();
// Reads and checks the superblock of dev (disk_blocks long); on a bad one, reports why in one
// console line and returns kInvalid, leaving the mounted superblock as it was.
Status read_superblock(uint32_t dev, uint64_t disk_blocks);
// Why s cannot describe a file system on a disk of disk_blocks blocks, or nullptr.
const char* superblock_problem(const superblock& s, uint64_t disk_blocks);

// A zeroed, allocated data block (logged), or kNoSpace when the disk is full.
Result<uint32_t> balloc(uint32_t dev);
void bfree(uint32_t dev, uint32_t blockno);

}  // namespace pagoda
