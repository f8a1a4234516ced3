// Disk blocks: the superblock and the free-block bitmap. xv6: readsb, balloc, bfree
#pragma once

#include <cstdint>

#include "kernel/fs.h"
#include "kernel/lib/result.h"

namespace pagoda {

// The mounted file system's superblock (read once by fs_mount_root).
const superblock& fs_superblock();
Status read_superblock(uint32_t dev);

// A zeroed, allocated data block (logged), or kNoSpace when the disk is full.
Result<uint32_t> balloc(uint32_t dev);
void bfree(uint32_t dev, uint32_t blockno);

}  // namespace pagoda
