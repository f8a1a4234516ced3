// Pipes. xv6: pipe.c
// Pipes come from a fixed pool (one per two files), so a pipe never needs the page allocator and
// running out is an ordinary -1 from pipe().
//
// Speed (issue 13): the ring holds a page (xv6: 512 bytes), so a writer of small chunks fills many
// before it must sleep and a reader empties them with one copy per run; each side wakes the other
// only when someone sleeps there (a sleeper count per side), so a write to a pipe whose reader is
// busy costs no scan of the process table.
#include "kernel/fs/pipe.h"

#include "kernel/lib/panic.h"
#include "kernel/mm/addr.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {

// A power of two, so that the free-running counters wrap cleanly.
constexpr uint32_t kPipeSize = 4096;
static_assert((kPipeSize & (kPipeSize - 1)) == 0);

struct Pipe {
  constexpr Pipe() = default;

  SpinLock lock{"pipe"};  // protects everything below
  bool in_use = false;    // under the pool lock
  // Aligned, so that copies to and from a user buffer move whole words (at offset 25, every copy
  // went byte by byte: 4 MiB through the pipe took 3.4x as long, a 4 KiB write 5.3x).
  alignas(64) char data[kPipeSize] = {};
  uint32_t nread = 0;   // bytes read; data[nread % kPipeSize] is next
  uint32_t nwrite = 0;  // bytes written
  bool readopen = false;
  bool writeopen = false;
  uint32_t readers_asleep = 0;  // sleeping on nread (an empty ring)
  uint32_t writers_asleep = 0;  // sleeping on nwrite (a full ring)

  // Sleeps on one side's channel with `lock` held, counted so that the other side knows to wake it.
  void sleep_reader() {
    ++readers_asleep;
    sleep(&nread, lock);
    --readers_asleep;
  }
  void sleep_writer() {
    ++writers_asleep;
    sleep(&nwrite, lock);
    --writers_asleep;
  }
  void wake_readers() {
    if (readers_asleep != 0) wakeup(&nread);
  }
  void wake_writers() {
    if (writers_asleep != 0) wakeup(&nwrite);
  }
};

namespace {

class PipePool {
 public:
  constexpr PipePool() = default;

  Pipe* alloc() {
    SpinLockGuard guard(lock_);
    for (Pipe& p : pipes_) {
      if (!p.in_use) {
        p.in_use = true;
        p.nread = p.nwrite = 0;
        p.readopen = p.writeopen = true;
        return &p;
      }
    }
    return nullptr;
  }

  void free(Pipe* p) {
    SpinLockGuard guard(lock_);
    p->in_use = false;
  }

 private:
  SpinLock lock_{"pipes"};  // protects in_use of every pipe
  Pipe pipes_[NFILE / 2];
};

constinit PipePool pool;

}  // namespace

Pipe* pipe_alloc() {
  return pool.alloc();
}

void pipeclose(Pipe* p, bool writable) {
  bool both_closed;
  {
    SpinLockGuard guard(p->lock);
    if (writable) {
      p->writeopen = false;
      wakeup(&p->nread);
    } else {
      p->readopen = false;
      wakeup(&p->nwrite);
    }
    both_closed = !p->readopen && !p->writeopen;
  }
  if (both_closed) pool.free(p);
}

namespace {

// Bytes that one copy may move: the caller's limit, cut at the ring's wrap point and at the user
// page boundary, so that a run fails only as a whole page would (xv6 copies byte by byte).
uint32_t run_length(uint32_t want, uint32_t ring_index, uint64_t user_addr) {
  uint32_t n = want;
  n = n < kPipeSize - ring_index ? n : kPipeSize - ring_index;
  const uint64_t to_page_end = mm::kPageSize - (user_addr & (mm::kPageSize - 1));
  return n < to_page_end ? n : static_cast<uint32_t>(to_page_end);
}

}  // namespace

// xv6: pipewrite. Returns the bytes written, or -1 if none could be (bad address, no reader,
// killed).
int pipewrite(Pipe* p, uint64_t addr, int n) {
  Proc* pr = myproc();
  const auto total = static_cast<uint32_t>(n > 0 ? n : 0);
  uint32_t i = 0;
  bool fault = false;
  SpinLockGuard guard(p->lock);
  while (i < total) {
    if (!p->readopen || killed(pr)) return -1;
    const uint32_t space = kPipeSize - (p->nwrite - p->nread);
    if (space == 0) {  // full: let readers drain it
      p->wake_readers();
      p->sleep_writer();
      continue;
    }
    const uint32_t at = p->nwrite % kPipeSize;
    const uint64_t src = addr + i;
    const uint32_t len = run_length(total - i < space ? total - i : space, at, src);
    if (!either_copyin(&p->data[at], true, src, len).ok()) {
      fault = true;
      break;
    }
    p->nwrite += len;
    i += len;
  }
  p->wake_readers();
  if (fault && i == 0) return -1;
  return static_cast<int>(i);
}

// xv6: piperead. Returns what is available (up to n), 0 at end of file, -1 if nothing could be
// copied out.
int piperead(Pipe* p, uint64_t addr, int n) {
  Proc* pr = myproc();
  SpinLockGuard guard(p->lock);
  while (p->nread == p->nwrite && p->writeopen) {
    if (killed(pr)) return -1;
    p->sleep_reader();
  }
  const auto total = static_cast<uint32_t>(n > 0 ? n : 0);
  uint32_t i = 0;
  bool fault = false;
  while (i < total && p->nread != p->nwrite) {
    const uint32_t avail = p->nwrite - p->nread;
    const uint32_t at = p->nread % kPipeSize;
    const uint64_t dst = addr + i;
    const uint32_t len = run_length(total - i < avail ? total - i : avail, at, dst);
    if (!either_copyout(true, dst, &p->data[at], len).ok()) {
      fault = true;
      break;
    }
    p->nread += len;
    i += len;
  }
  p->wake_writers();
  if (fault && i == 0) return -1;
  return static_cast<int>(i);
}

}  // namespace pagoda
