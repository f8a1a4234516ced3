// The in-memory inode (a cached copy of a dinode plus reference count and lock). xv6: struct inode
#pragma once

#include <cstdint>

#include "kernel/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/sync/sleeplock.h"

namespace pagoda {

struct Inode {
  constexpr Inode() = default;

  uint32_t dev = 0;  // dev, inum and ref are protected by the inode table's spin lock
  uint32_t inum = 0;
  int ref = 0;              // in-memory references (open files, cwd, ...)
  SleepLock lock{"inode"};  // protects everything below
  bool valid = false;       // the fields below have been read from disk
  // The dinode failed ilock's checks: the fields below are zeroed (type kFree), reads and writes
  // fail, and the inode is never written back or freed, so the damage stays as it was on disk.
  bool damaged = false;
  // Just claimed by ialloc: its dinode has no links yet, which from any other path means damage.
  bool fresh = false;

  InodeType type = InodeType::kFree;  // copy of the dinode
  short major = 0;
  short minor = 0;
  short nlink = 0;
  uint32_t size = 0;
  uint32_t addrs[NDIRECT + 1] = {};
};

// The in-memory inode for (dev, inum), referenced but not locked or read. kNoSpace if the table
// (NINODE) is full. xv6: iget
Result<Inode*> iget(uint32_t dev, uint32_t inum);

}  // namespace pagoda
