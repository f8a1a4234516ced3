// Start-up of the file system, in two steps because the second one sleeps (disk I/O).
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

namespace pagoda {

void fs_boot_init();  // buffer cache, inode table, file table, pipes (main, hart 0)
// Superblock, log recovery, root directory; from the first process (forkret). kInvalid, after one
// console line saying why, when the disk holds no file system that can be used.
[[nodiscard]] Status fs_mount_root(uint32_t dev);

}  // namespace pagoda
