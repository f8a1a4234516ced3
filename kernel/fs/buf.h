// The buffer cache: NBUF cached disk blocks, LRU, one sleep lock per block. xv6: bio.c
// Only one copy of a block is ever cached, and only one thread at a time uses it (its sleep lock),
// so the cache also serialises access to each disk block.
#pragma once

#include <cstdint>

#include "kernel/dev/disk_buffer.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {

// disk, blockno and data are the DiskBuffer part the driver reads and writes.
struct Buf : DiskBuffer {
  constexpr Buf() = default;

  bool valid = false;  // data holds the block's contents
  uint32_t dev = 0;
  SleepLock lock{"buffer"};  // protects data, valid and disk while the buffer is in use
  uint32_t refcnt = 0;       // under the cache lock
  Buf* prev = nullptr;       // LRU list, under the cache lock; head.next is the most recently used
  Buf* next = nullptr;
};

// NBUF plus room for a whole log transaction: the log pins up to LOGSIZE blocks until commit, and
// the commit itself needs buffers for the log blocks. With xv6's NBUF == LOGSIZE a full log
// would leave no buffer free ("bget: no buffers").
constexpr int kCacheBlocks = NBUF + LOGSIZE;

class BufferCache {
 public:
  constexpr BufferCache() = default;
  BufferCache(const BufferCache&) = delete;
  BufferCache& operator=(const BufferCache&) = delete;

  void init();                                 // xv6: binit
  Buf* read(uint32_t dev, uint32_t blockno);   // xv6: bread; returns the buffer locked
  Buf* claim(uint32_t dev, uint32_t blockno);  // like read, for a block about to be overwritten
                                               // entirely: no disk read
  void write(Buf* b);                          // xv6: bwrite; b locked
  void write_many(Buf* const* bufs, int n);    // bwrite of n locked buffers, all in flight at once
  void release(Buf* b);                        // xv6: brelse; unlocks, moves to MRU
  void pin(Buf* b);                            // xv6: bpin (the log keeps it cached)
  void unpin(Buf* b);                          // xv6: bunpin

 private:
  Buf* get(uint32_t dev, uint32_t blockno);  // xv6: bget

  SpinLock lock_{"bcache"};  // protects the LRU list, refcnt, dev and blockno of every buffer
  Buf bufs_[kCacheBlocks];
  Buf head_;
};

// The kernel's one buffer cache, through xv6's names.
Buf* bread(uint32_t dev, uint32_t blockno);
Buf* bclaim(uint32_t dev, uint32_t blockno);
void bwrite(Buf* b);
void bwrite_many(Buf* const* bufs, int n);
void brelse(Buf* b);
void bpin(Buf* b);
void bunpin(Buf* b);
void bcache_init();

// Holds a locked buffer and releases it at end of scope.
class BlockRef {
 public:
  enum class Mode : bool { kRead, kOverwrite };
  BlockRef(uint32_t dev, uint32_t blockno, Mode mode = Mode::kRead)
      : b_(mode == Mode::kRead ? bread(dev, blockno) : bclaim(dev, blockno)) {}
  ~BlockRef() { brelse(b_); }
  BlockRef(const BlockRef&) = delete;
  BlockRef& operator=(const BlockRef&) = delete;

  Buf* get() const { return b_; }
  uint8_t* data() const { return b_->data; }
  template <class T>
  T* as() const {
    return reinterpret_cast<T*>(b_->data);
  }

 private:
  Buf* b_;
};

}  // namespace pagoda
