// File-system start-up. xv6: binit (main), fsinit (forkret)
#include "kernel/fs/fs_init.h"

#include "kernel/fs/block_alloc.h"
#include "kernel/fs/buf.h"
#include "kernel/fs/log.h"
#include "kernel/lib/panic.h"

namespace pagoda {

void fs_boot_init() {
  // The inode, file and pipe tables are constinit; only the cache's LRU list needs linking.
  bcache_init();
}

void fs_mount_root(uint32_t dev) {
  if (!read_superblock(dev).ok()) panic("fs_mount_root: no xv6 file system on device %u", dev);
  log_init(dev, fs_superblock());
}

}  // namespace pagoda
