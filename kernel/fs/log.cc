// The write-ahead log. xv6: log.c
//
// A transaction's blocks are recorded with log_write (kept pinned in the cache). When the last
// outstanding call ends, commit: copy the blocks to the log area, write the header with the count
// (the commit point), install the blocks at home, then clear the header. Recovery at mount replays
// a committed header. On disk: [ header | block 1 | block 2 | ... ] starting at sb.logstart.
#include "kernel/fs/log.h"

#include "kernel/fs.h"
#include "kernel/fs/buf.h"
#include "kernel/lib/panic.h"
#include "kernel/sync/print.h"
#include "kernel/sync/spinlock.h"
#include "kernel/lib/string.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"

namespace pagoda {

namespace {

static_assert(sizeof(logheader) < BSIZE, "the log header must fit in one block");

enum class Recovery : bool { kNo, kYes };

// Blocks written to the disk together during a commit; each holds a buffer while in flight.
constexpr int kBatch = 8;

class Log {
 public:
  constexpr Log() = default;

  Status init(uint32_t dev, const superblock& sb);
  void begin();
  void end();
  void record(Buf* b);

 private:
  void commit();
  void write_log();                   // cached blocks -> log area
  void write_head();                  // the commit point
  Status read_head();                 // checks the header before anything uses it
  void install(Recovery recovering);  // log area -> home locations

  SpinLock lock_{"log"};  // protects outstanding_, committing_ and header_
  uint32_t start_ = 0;    // block number of the header
  int capacity_ = 0;      // data blocks the log may hold
  uint32_t dev_ = 0;
  uint32_t size_ = 0;        // blocks in the file system
  uint32_t home_start_ = 0;  // first block after the log area
  int outstanding_ = 0;      // file-system calls in progress
  bool committing_ = false;
  logheader header_{};  // the in-memory header: the blocks of the running transaction
};

constinit Log the_log;

Status Log::init(uint32_t dev, const superblock& sb) {
  dev_ = dev;
  start_ = sb.logstart;
  size_ = sb.size;
  home_start_ = sb.logstart + sb.nlog;
  // nlog counts the header block too; the header has room for LOGSIZE block numbers.
  capacity_ = static_cast<int>(sb.nlog) - 1;
  if (capacity_ > LOGSIZE) capacity_ = LOGSIZE;
  if (capacity_ < MAXOPBLOCKS) {  // read_superblock refuses such a log; keep the invariant here
    kprintf("fs: cannot mount device %u: log of %u blocks is too small\n", dev, sb.nlog);
    return Error::kInvalid;
  }
  // Recovery: a committed header means its blocks are all in the log; install them again. A
  // header that cannot be right is not replayed (it would scatter blocks over the disk) and the
  // disk is not mounted: replaying part of it or dropping it could lose a committed transaction.
  PAGODA_TRY(read_head());
  install(Recovery::kYes);
  header_.n = 0;
  write_head();
  return Status::Ok();
}

Status Log::read_head() {
  BlockRef b(dev_, start_);
  const logheader* lh = b.as<logheader>();
  int n = lh->n;
  header_.n = 0;
  if (n < 0 || n > capacity_) {
    kprintf("fs: cannot mount device %u: log header counts %d blocks (at most %d)\n", dev_, n,
            capacity_);
    return Error::kInvalid;
  }
  for (int i = 0; i < n; i++) {
    // A home block lies past the log, inside the image, and appears once (log_write absorbs).
    int home = lh->block[i];
    bool twice = false;
    for (int j = 0; j < i; j++) twice = twice || lh->block[j] == home;
    if (home < static_cast<int>(home_start_) || home >= static_cast<int>(size_) || twice) {
      kprintf("fs: cannot mount device %u: log header entry %d names block %d%s\n", dev_, i, home,
              twice ? " twice" : ", outside the file system's data");
      return Error::kInvalid;
    }
  }
  header_.n = n;
  for (int i = 0; i < n; i++) header_.block[i] = lh->block[i];
  return Status::Ok();
}

void Log::write_head() {
  BlockRef b(dev_, start_, BlockRef::Mode::kOverwrite);
  logheader* lh = b.as<logheader>();
  memset(b.data(), 0, BSIZE);
  lh->n = header_.n;
  for (int i = 0; i < header_.n; i++) lh->block[i] = header_.block[i];
  bwrite(b.get());
}

// xv6: install_trans. Writes in batches, each batch's requests in flight together.
void Log::install(Recovery recovering) {
  for (int first = 0; first < header_.n; first += kBatch) {
    int n = header_.n - first < kBatch ? header_.n - first : kBatch;
    Buf* batch[kBatch];
    for (int i = 0; i < n; i++) {
      uint32_t home = static_cast<uint32_t>(header_.block[first + i]);
      if (recovering == Recovery::kYes) {
        Buf* from = bread(dev_, start_ + 1 + static_cast<uint32_t>(first + i));
        batch[i] = bclaim(dev_, home);
        memmove(batch[i]->data, from->data, BSIZE);
        brelse(from);
      } else {
        batch[i] = bread(dev_, home);  // pinned by log_write, so cached: no disk read
      }
    }
    bwrite_many(batch, n);
    for (int i = 0; i < n; i++) {
      if (recovering == Recovery::kNo) bunpin(batch[i]);
      brelse(batch[i]);
    }
  }
}

// xv6: write_log. Copies the transaction's cached blocks into the log area.
void Log::write_log() {
  for (int first = 0; first < header_.n; first += kBatch) {
    int n = header_.n - first < kBatch ? header_.n - first : kBatch;
    Buf* batch[kBatch];
    for (int i = 0; i < n; i++) {
      batch[i] = bclaim(dev_, start_ + 1 + static_cast<uint32_t>(first + i));
      Buf* from = bread(dev_, static_cast<uint32_t>(header_.block[first + i]));
      memmove(batch[i]->data, from->data, BSIZE);
      brelse(from);
    }
    bwrite_many(batch, n);
    for (int i = 0; i < n; i++) brelse(batch[i]);
  }
}

// xv6: begin_op. Wait while a commit runs or while this call could overflow the log.
void Log::begin() {
  SpinLockGuard guard(lock_);
  for (;;) {
    if (committing_) {
      sleep(this, lock_);
    } else if (header_.n + (outstanding_ + 1) * MAXOPBLOCKS > capacity_) {
      sleep(this, lock_);
    } else {
      outstanding_ += 1;
      return;
    }
  }
}

// xv6: end_op. The last call out commits, outside the lock (commit sleeps on disk I/O).
void Log::end() {
  bool do_commit = false;
  {
    SpinLockGuard guard(lock_);
    outstanding_ -= 1;
    if (committing_) panic("end_op: committing");
    if (outstanding_ == 0) {
      do_commit = true;
      committing_ = true;
    } else {
      // begin() may be waiting for log space, and this call's reservation is now free.
      wakeup(this);
    }
  }
  if (do_commit) {
    commit();
    SpinLockGuard guard(lock_);
    committing_ = false;
    wakeup(this);
  }
}

void Log::commit() {
  if (header_.n > 0) {
    write_log();
    write_head();  // the real commit
    install(Recovery::kNo);
    header_.n = 0;
    write_head();  // erase the transaction from the log
  }
}

// xv6: log_write. Absorbs repeated writes of one block into one log slot.
void Log::record(Buf* b) {
  SpinLockGuard guard(lock_);
  if (header_.n >= capacity_) panic("log_write: transaction too big");
  if (outstanding_ < 1) panic("log_write: outside of a transaction");
  int i = 0;
  for (; i < header_.n; i++) {
    if (header_.block[i] == static_cast<int>(b->blockno)) break;
  }
  header_.block[i] = static_cast<int>(b->blockno);
  if (i == header_.n) {
    bpin(b);
    header_.n++;
  }
}

}  // namespace

Status log_init(uint32_t dev, const superblock& sb) {
  return the_log.init(dev, sb);
}
void begin_op() {
  the_log.begin();
}
void end_op() {
  the_log.end();
}
void log_write(Buf* b) {
  the_log.record(b);
}

}  // namespace pagoda
