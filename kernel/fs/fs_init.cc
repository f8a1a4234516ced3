// File-system start-up. xv6: binit (main), fsinit (forkret)
#include "kernel/fs/fs_init.h"

#include "kernel/dev/disk.h"
#include "kernel/fs/block_alloc.h"
#include "kernel/fs/buf.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/inode_table.h"
#include "kernel/fs/log.h"
#include "kernel/sync/print.h"

namespace pagoda {

void fs_boot_init() {
  // The inode, file and pipe tables are constinit; only the cache's LRU list needs linking.
  bcache_init();
}

Status fs_mount_root(uint32_t dev) {
  // An image claiming more blocks than the disk has would have us read past its end.
  PAGODA_TRY(read_superblock(dev, disk_capacity()));
  PAGODA_TRY(log_init(dev, fs_superblock()));
  // Every path starts at the root: without a root directory nothing could run.
  Result<Inode*> root = iget(dev, ROOTINO);
  PAGODA_TRY(root);
  ilock(*root);
  bool is_dir = (*root)->type == InodeType::kDir;
  iunlock(*root);
  {
    FsTransaction tx;  // iput may write (it does not here: the root has links or is damaged)
    iput(*root);
  }
  if (!is_dir) {
    kprintf("fs: cannot mount device %u: the root inode is not a directory\n", dev);
    return Error::kInvalid;
  }
  return Status::Ok();
}

}  // namespace pagoda
