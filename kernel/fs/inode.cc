// Inodes: the table of in-memory inodes, and reading/writing their contents. xv6: fs.c
//
// An Inode in the table is referenced (ref > 0) by open files, current directories and transient
// users; its fields are valid once ilock has read them. iput of the last reference to an inode
// with no links frees it on disk, so iput must run inside a transaction.
#include "kernel/fs/inode.h"

#include "kernel/fs/block_alloc.h"
#include "kernel/fs/buf.h"
#include "kernel/fs/fs_faults.h"
#include "kernel/fs/inode_table.h"
#include "kernel/fs/log.h"
#include "kernel/lib/panic.h"
#include "kernel/sync/print.h"
#include "kernel/sync/spinlock.h"
#include "kernel/lib/string.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"
#include "kernel/stat.h"

namespace pagoda {

namespace {

class InodeTable {
 public:
  constexpr InodeTable() = default;

  Result<Inode*> get(uint32_t dev, uint32_t inum);
  Inode* dup(Inode* ip);
  void put(Inode* ip);

 private:
  SpinLock lock_{"itable"};  // protects dev, inum and ref of every slot
  Inode inodes_[NINODE];
};

constinit InodeTable itable;

constexpr uint32_t kMaxFileBytes = MAXFILE * BSIZE;

dinode* dinode_in(BlockRef& b, uint32_t inum) {
  return b.as<dinode>() + inum % IPB;
}

Result<Inode*> InodeTable::get(uint32_t dev, uint32_t inum) {
  SpinLockGuard guard(lock_);
  Inode* empty = nullptr;
  for (Inode& ip : inodes_) {
    if (ip.ref > 0 && ip.dev == dev && ip.inum == inum) {
      ip.ref++;
      return &ip;
    }
    if (empty == nullptr && ip.ref == 0) empty = &ip;
  }
  if (empty == nullptr) return Error::kNoSpace;
  empty->dev = dev;
  empty->inum = inum;
  empty->ref = 1;
  empty->valid = false;
  empty->damaged = false;
  empty->fresh = false;
  return empty;
}

Inode* InodeTable::dup(Inode* ip) {
  SpinLockGuard guard(lock_);
  ip->ref++;
  return ip;
}

void InodeTable::put(Inode* ip) {
  lock_.acquire();
  if (ip->ref == 1 && ip->valid && !ip->damaged && ip->nlink == 0) {
    // No links and no other references: free it. Nobody else can lock it (ref is 1), so
    // taking the sleep lock cannot block or deadlock.
    ip->lock.acquire();
    lock_.release();
    itrunc(ip);
    ip->type = InodeType::kFree;
    iupdate(ip);
    ip->valid = false;
    ip->lock.release();
    lock_.acquire();
  }
  ip->ref--;
  lock_.release();
}

bool valid_data_block(uint32_t b) {
  const superblock& sb = fs_superblock();
  return b >= sb.size - sb.nblocks && b < sb.size;
}

void report_bad_block(const Inode* ip, uint32_t b) {
  kprintf("fs: inode %u: block %u is outside the data area\n", ip->inum, b);
}

// Why the dinode read for ip cannot be right, or nullptr. Direct block numbers are checked here;
// the indirect block's entries where they are used (bmap, bmap_read, itrunc).
const char* dinode_problem(const dinode* dip, bool fresh) {
  switch (static_cast<InodeType>(dip->type)) {
    case InodeType::kDir:
    case InodeType::kFile:
    case InodeType::kDevice:
      break;
    case InodeType::kFree:
      return "is free but named by a directory";
    default:
      return "has no valid type";
  }
  if (dip->nlink < 0) return "has a negative link count";
  // Reached by name with no links: closing it would free what a directory still names.
  if (dip->nlink == 0 && !fresh) return "has no links but is named by a directory";
  if (dip->size > kMaxFileBytes) return "is larger than a file can be";
  if (dip->type == static_cast<short>(InodeType::kDir) && dip->size % sizeof(dirent) != 0) {
    return "is a directory of a partial entry";
  }
  for (uint32_t a : dip->addrs) {
    if (a != 0 && !valid_data_block(a)) return "names a block outside the data area";
  }
  return nullptr;
}

// The disk block holding byte block bn of ip, allocating it (and the indirect block) if needed.
// xv6: bmap
Result<uint32_t> bmap(Inode* ip, uint32_t bn) {
  if (bn < NDIRECT) {
    if (ip->addrs[bn] == 0) ip->addrs[bn] = PAGODA_TRY(balloc(ip->dev));
    return ip->addrs[bn];
  }
  bn -= NDIRECT;
  if (bn >= NINDIRECT) return Error::kTooBig;
  if (ip->addrs[NDIRECT] == 0) ip->addrs[NDIRECT] = PAGODA_TRY(balloc(ip->dev));
  BlockRef ind(ip->dev, ip->addrs[NDIRECT]);
  uint32_t* slots = ind.as<uint32_t>();
  if (slots[bn] != 0 && !valid_data_block(slots[bn])) {
    report_bad_block(ip, slots[bn]);
    return Error::kInvalid;
  }
  if (slots[bn] == 0) {
    slots[bn] = PAGODA_TRY(balloc(ip->dev));
    log_write(ind.get());
  }
  return slots[bn];
}

// Like bmap but never allocates (reads need no transaction): 0 for a hole, kInvalid for a block
// number outside the data area (a corrupt inode).
Result<uint32_t> bmap_read(Inode* ip, uint32_t bn) {
  uint32_t addr = 0;
  if (bn < NDIRECT) {
    addr = ip->addrs[bn];
  } else {
    bn -= NDIRECT;
    if (bn >= NINDIRECT) return Error::kTooBig;
    uint32_t ind_addr = ip->addrs[NDIRECT];
    if (ind_addr == 0) return 0u;
    if (!valid_data_block(ind_addr)) return Error::kInvalid;
    BlockRef ind(ip->dev, ind_addr);
    addr = ind.as<uint32_t>()[bn];
  }
  if (addr != 0 && !valid_data_block(addr)) {
    report_bad_block(ip, addr);
    return Error::kInvalid;
  }
  return addr;
}

constexpr uint8_t kZeroBlock[BSIZE] = {};

}  // namespace

bool inum_in_range(uint32_t inum) {
  return inum >= 1 && inum < fs_superblock().ninodes;
}

// No range check here: user_init takes the root before the superblock is read. Inode numbers
// from the disk are checked where they are read (dirlookup; the root at mount).
Result<Inode*> iget(uint32_t dev, uint32_t inum) {
  return itable.get(dev, inum);
}

// xv6: ialloc. The dinode is claimed only once an in-memory slot is secured, so a full inode
// table leaves the disk untouched.
Result<Inode*> ialloc(uint32_t dev, InodeType type) {
  if (fs_fault_now(FsAllocator::kInodes)) return Error::kNoSpace;  // injected: "no inode is free"
  const superblock& sb = fs_superblock();
  for (uint32_t inum = 1; inum < sb.ninodes; inum++) {
    BlockRef b(dev, IBLOCK(inum, sb));
    dinode* dip = dinode_in(b, inum);
    if (dip->type != static_cast<short>(InodeType::kFree)) continue;
    Inode* ip = PAGODA_TRY(iget(dev, inum));
    memset(dip, 0, sizeof(*dip));
    dip->type = static_cast<short>(type);
    log_write(b.get());
    ip->fresh = true;  // a new slot: nobody else holds it
    return ip;
  }
  return Error::kNoSpace;
}

void iupdate(Inode* ip) {
  if (ip->damaged) return;  // leave the damage as found (fsck's job), do not spread it
  const superblock& sb = fs_superblock();
  BlockRef b(ip->dev, IBLOCK(ip->inum, sb));
  dinode* dip = dinode_in(b, ip->inum);
  dip->type = static_cast<short>(ip->type);
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(b.get());
}

Inode* idup(Inode* ip) {
  return itable.dup(ip);
}

void ilock(Inode* ip) {
  if (ip == nullptr || ip->ref < 1) panic("ilock: unreferenced inode");
  ip->lock.acquire();
  if (!ip->valid) {
    const superblock& sb = fs_superblock();
    BlockRef b(ip->dev, IBLOCK(ip->inum, sb));
    const dinode* dip = dinode_in(b, ip->inum);
    if (const char* problem = dinode_problem(dip, ip->fresh); problem != nullptr) {
      kprintf("fs: inode %u %s (type %d, size %u)\n", ip->inum, problem, dip->type, dip->size);
      ip->damaged = true;
      ip->type = InodeType::kFree;
      ip->major = ip->minor = ip->nlink = 0;
      ip->size = 0;
      memset(ip->addrs, 0, sizeof(ip->addrs));
    } else {
      ip->damaged = false;
      ip->type = static_cast<InodeType>(dip->type);
      ip->major = dip->major;
      ip->minor = dip->minor;
      ip->nlink = dip->nlink;
      ip->size = dip->size;
      memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
    }
    ip->valid = true;
    ip->fresh = false;
  }
}

void iunlock(Inode* ip) {
  if (ip == nullptr || !ip->lock.holding() || ip->ref < 1) panic("iunlock: inode not locked");
  ip->lock.release();
}

void iput(Inode* ip) {
  itable.put(ip);
}

void iunlockput(Inode* ip) {
  iunlock(ip);
  iput(ip);
}

// xv6: itrunc. Caller holds ip's lock, inside a transaction. Block numbers that cannot be right
// (a damaged indirect block) are reported and left alone.
void itrunc(Inode* ip) {
  if (ip->damaged) return;
  for (uint32_t i = 0; i < NDIRECT; i++) {
    if (ip->addrs[i] != 0) {
      bfree(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }
  if (ip->addrs[NDIRECT] != 0) {
    {
      BlockRef ind(ip->dev, ip->addrs[NDIRECT]);
      const uint32_t* slots = ind.as<uint32_t>();
      for (uint32_t j = 0; j < NINDIRECT; j++) {
        if (slots[j] == 0) continue;
        if (valid_data_block(slots[j])) {
          bfree(ip->dev, slots[j]);
        } else {
          report_bad_block(ip, slots[j]);
        }
      }
    }
    bfree(ip->dev, ip->addrs[NDIRECT]);
    ip->addrs[NDIRECT] = 0;
  }
  ip->size = 0;
  iupdate(ip);
}

void stati(Inode* ip, struct stat* st) {
  st->dev = static_cast<int>(ip->dev);
  st->ino = ip->inum;
  st->type = static_cast<short>(ip->type);
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// xv6: readi. Caller holds ip's lock.
int readi(Inode* ip, bool user_dst, uint64_t dst, uint32_t off, uint32_t n) {
  if (ip->damaged) return -1;
  if (off > ip->size || off + n < off) return 0;
  if (off + n > ip->size) n = ip->size - off;

  uint32_t tot = 0;
  while (tot < n) {
    uint32_t m = n - tot;
    if (m > BSIZE - off % BSIZE) m = BSIZE - off % BSIZE;
    Result<uint32_t> addr = bmap_read(ip, off / BSIZE);
    if (!addr.ok()) return tot > 0 ? static_cast<int>(tot) : -1;
    Status copied = Status::Ok();
    if (*addr == 0) {
      copied = either_copyout(user_dst, dst, kZeroBlock, m);
    } else {
      BlockRef b(ip->dev, *addr);
      copied = either_copyout(user_dst, dst, b.data() + off % BSIZE, m);
    }
    if (!copied.ok()) return -1;
    tot += m;
    off += m;
    dst += m;
  }
  return static_cast<int>(tot);
}

// xv6: writei. Caller holds ip's lock, inside a transaction.
int writei(Inode* ip, bool user_src, uint64_t src, uint32_t off, uint32_t n) {
  if (ip->damaged) return -1;
  if (off > ip->size || off + n < off) return -1;
  if (off + n > kMaxFileBytes) return -1;

  uint32_t tot = 0;
  while (tot < n) {
    Result<uint32_t> addr = bmap(ip, off / BSIZE);
    if (!addr.ok()) break;  // the disk is full: keep what was written
    uint32_t m = n - tot;
    if (m > BSIZE - off % BSIZE) m = BSIZE - off % BSIZE;
    BlockRef b(ip->dev, *addr);
    if (!either_copyin(b.data() + off % BSIZE, user_src, src, m).ok()) break;
    log_write(b.get());
    tot += m;
    off += m;
    src += m;
  }
  if (off > ip->size) ip->size = off;
  // bmap may have changed addrs even when nothing was written, so always write the inode back.
  iupdate(ip);
  return static_cast<int>(tot);
}

}  // namespace pagoda
