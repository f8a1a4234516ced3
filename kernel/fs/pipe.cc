// Pipes. xv6: pipe.c
// Pipes come from a fixed pool (one per two files), so a pipe never needs the page allocator and
// running out is an ordinary -1 from pipe().
#include "kernel/fs/pipe.h"

#include "kernel/fs/file.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/spinlock.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"

namespace pagoda {

constexpr uint32_t kPipeSize = 512;

struct Pipe {
  constexpr Pipe() = default;

  SpinLock lock{"pipe"};  // protects everything below
  bool in_use = false;    // under the pool lock
  char data[kPipeSize] = {};
  uint32_t nread = 0;   // bytes read; data[nread % kPipeSize] is next
  uint32_t nwrite = 0;  // bytes written
  bool readopen = false;
  bool writeopen = false;
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

Status pipealloc(File** read_end, File** write_end) {
  File* r = filealloc();
  File* w = r != nullptr ? filealloc() : nullptr;
  Pipe* p = w != nullptr ? pool.alloc() : nullptr;
  if (p == nullptr) {
    if (r != nullptr) fileclose(r);  // still kNone: just frees the slot
    if (w != nullptr) fileclose(w);
    return Error::kNoSpace;
  }
  r->type = FileType::kPipe;
  r->readable = true;
  r->pipe = p;
  w->type = FileType::kPipe;
  w->writable = true;
  w->pipe = p;
  *read_end = r;
  *write_end = w;
  return Status::Ok();
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

int pipewrite(Pipe* p, uint64_t addr, int n) {
  Proc* pr = myproc();
  int i = 0;
  SpinLockGuard guard(p->lock);
  while (i < n) {
    if (!p->readopen || killed(pr)) return -1;
    if (p->nwrite == p->nread + kPipeSize) {  // full: let readers drain it
      wakeup(&p->nread);
      sleep(&p->nwrite, p->lock);
      continue;
    }
    char ch;
    if (!either_copyin(&ch, true, addr + static_cast<uint64_t>(i), 1).ok()) break;
    p->data[p->nwrite++ % kPipeSize] = ch;
    i++;
  }
  wakeup(&p->nread);
  return i;
}

int piperead(Pipe* p, uint64_t addr, int n) {
  Proc* pr = myproc();
  SpinLockGuard guard(p->lock);
  while (p->nread == p->nwrite && p->writeopen) {
    if (killed(pr)) return -1;
    sleep(&p->nread, p->lock);
  }
  int i = 0;
  for (; i < n && p->nread != p->nwrite; i++) {
    char ch = p->data[p->nread % kPipeSize];
    if (!either_copyout(true, addr + static_cast<uint64_t>(i), &ch, 1).ok()) {
      if (i == 0) i = -1;
      break;
    }
    p->nread++;
  }
  wakeup(&p->nwrite);
  return i;
}

}  // namespace pagoda
