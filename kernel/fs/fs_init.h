// Start-up of the file system, in two steps because the second one sleeps (disk I/O).
#pragma once

#include <cstdint>

namespace pagoda {

void fs_boot_init();               // buffer cache, inode table, file table, pipes (main, hart 0)
void fs_mount_root(uint32_t dev);  // superblock + log recovery; from the first process (forkret)

}  // namespace pagoda
