// File-system start-up. xv6: binit (main), fsinit (forkret)
#include "kernel/fs/fs_init.h"

#include "kernel/dev/virtio_disk.h"
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
  // An image claiming more blocks than the disk has would have us read past its end.
  if (fs_superblock().size > virtio_disk_capacity()) {
    panic("fs_mount_root: file system of %u blocks on a disk of %lu", fs_superblock().size,
          static_cast<unsigned long>(virtio_disk_capacity()));
  }
  log_init(dev, fs_superblock());
}

}  // namespace pagoda
