// The buffer cache. xv6: bio.c
#include "kernel/dev/disk.h"
#include "kernel/fs/buf.h"
#include "kernel/lib/panic.h"

namespace pagoda {

namespace {
constinit BufferCache bcache;
}  // namespace

void BufferCache::init() {
  // A circular doubly linked list through head_; head_.next is the most recently used.
  head_.prev = &head_;
  head_.next = &head_;
  for (Buf& b : bufs_) {
    b.valid = false;  // nothing cached yet (host tests mount several images in one run)
    b.refcnt = 0;
    b.next = head_.next;
    b.prev = &head_;
    head_.next->prev = &b;
    head_.next = &b;
  }
}

Buf* BufferCache::get(uint32_t dev, uint32_t blockno) {
  lock_.acquire();
  for (Buf* b = head_.next; b != &head_; b = b->next) {
    if (b->dev == dev && b->blockno == blockno) {
      b->refcnt++;
      lock_.release();
      b->lock.acquire();
      return b;
    }
  }
  // Not cached: recycle the least recently used unreferenced buffer.
  for (Buf* b = head_.prev; b != &head_; b = b->prev) {
    if (b->refcnt == 0) {
      b->dev = dev;
      b->blockno = blockno;
      b->valid = false;
      b->refcnt = 1;
      lock_.release();
      b->lock.acquire();
      return b;
    }
  }
  // Every buffer is in use: the log bounds a transaction's blocks, so this is a kernel bug.
  panic("bget: no buffers");
}

Buf* BufferCache::read(uint32_t dev, uint32_t blockno) {
  Buf* b = get(dev, blockno);
  if (!b->valid) {
    disk_rw(b, DiskOp::kRead);
    b->valid = true;
  }
  return b;
}

Buf* BufferCache::claim(uint32_t dev, uint32_t blockno) {
  Buf* b = get(dev, blockno);
  b->valid = true;  // the caller fills all of data
  return b;
}

void BufferCache::write_many(Buf* const* bufs, int n) {
  for (int i = 0; i < n; i++) {
    if (!bufs[i]->lock.holding()) panic("bwrite_many: buffer not locked");
  }
  // The driver takes the DiskBuffer part of each Buf.
  DiskBuffer* disk_bufs[kCacheBlocks];
  if (n > kCacheBlocks) panic("bwrite_many: %d buffers", n);
  for (int i = 0; i < n; i++) disk_bufs[i] = bufs[i];
  disk_rw_many(disk_bufs, n, DiskOp::kWrite);
}

void BufferCache::write(Buf* b) {
  if (!b->lock.holding()) panic("bwrite: buffer not locked");
  disk_rw(b, DiskOp::kWrite);
}

void BufferCache::release(Buf* b) {
  if (!b->lock.holding()) panic("brelse: buffer not locked");
  b->lock.release();

  SpinLockGuard guard(lock_);
  b->refcnt--;
  if (b->refcnt == 0) {
    // Move to the front (most recently used).
    b->next->prev = b->prev;
    b->prev->next = b->next;
    b->next = head_.next;
    b->prev = &head_;
    head_.next->prev = b;
    head_.next = b;
  }
}

void BufferCache::pin(Buf* b) {
  SpinLockGuard guard(lock_);
  b->refcnt++;
}

void BufferCache::unpin(Buf* b) {
  SpinLockGuard guard(lock_);
  b->refcnt--;
}

void bcache_init() {
  bcache.init();
}
Buf* bread(uint32_t dev, uint32_t blockno) {
  return bcache.read(dev, blockno);
}
Buf* bclaim(uint32_t dev, uint32_t blockno) {
  return bcache.claim(dev, blockno);
}
void bwrite(Buf* b) {
  bcache.write(b);
}
void bwrite_many(Buf* const* bufs, int n) {
  bcache.write_many(bufs, n);
}
void brelse(Buf* b) {
  bcache.release(b);
}
void bpin(Buf* b) {
  bcache.pin(b);
}
void bunpin(Buf* b) {
  bcache.unpin(b);
}

}  // namespace pagoda
