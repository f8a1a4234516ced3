// The system-wide table of open files. xv6: file.c
#include "kernel/fs/file.h"

#include "kernel/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/inode_table.h"
#include "kernel/fs/log.h"
#include "kernel/fs/pipe.h"
#include "kernel/lib/panic.h"
#include "kernel/proc/proc.h"
#include "kernel/stat.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {

constinit DeviceSwitch devsw[NDEV] = {};

namespace {

class FileTable {
 public:
  constexpr FileTable() = default;

  File* alloc() {
    SpinLockGuard guard(lock_);
    for (File& f : files_) {
      if (f.ref == 0) {
        f = File{};
        f.ref = 1;
        return &f;
      }
    }
    return nullptr;
  }

  File* dup(File* f) {
    SpinLockGuard guard(lock_);
    if (f->ref < 1) panic("filedup: file not open");
    f->ref++;
    return f;
  }

  // Drops a reference; returns a copy of the file if it was the last one (then the slot is free).
  bool drop(File* f, File* last) {
    SpinLockGuard guard(lock_);
    if (f->ref < 1) panic("fileclose: file not open");
    if (--f->ref > 0) return false;
    *last = *f;
    f->type = FileType::kNone;
    return true;
  }

 private:
  SpinLock lock_{"ftable"};  // protects ref of every file
  File files_[NFILE];
};

constinit FileTable ftable;

// Largest write per transaction: inode, indirect block, two bitmap blocks... xv6: filewrite
constexpr int kMaxWritePerOp = ((MAXOPBLOCKS - 1 - 1 - 2) / 2) * BSIZE;

DeviceSwitch* device_of(const File* f) {
  if (f->major < 0 || f->major >= NDEV) return nullptr;
  return &devsw[f->major];
}

}  // namespace

File* filealloc() {
  return ftable.alloc();
}
File* filedup(File* f) {
  return ftable.dup(f);
}

void fileclose(File* f) {
  File last;
  if (!ftable.drop(f, &last)) return;
  if (last.type == FileType::kPipe) {
    pipeclose(last.pipe, last.writable);
  } else if (last.type == FileType::kInode || last.type == FileType::kDevice) {
    FsTransaction tx;
    iput(last.ip);
  }
}

int filestat(File* f, uint64_t addr) {
  if (f->type != FileType::kInode && f->type != FileType::kDevice) return -1;
  struct stat st;
  ilock(f->ip);
  stati(f->ip, &st);
  iunlock(f->ip);
  return either_copyout(true, addr, &st, sizeof(st)).ok() ? 0 : -1;
}

int fileread(File* f, uint64_t addr, int n) {
  if (!f->readable || n < 0) return -1;
  // mmap, routing until dp's fault path lands: a buffer in a mapping is faulted in before any
  // lock is taken (reading it in may need this very inode's lock, and pipes copy under a spin
  // lock).
  if (!prefault_user_range(addr, static_cast<uint64_t>(n), true).ok()) return -1;
  switch (f->type) {
    case FileType::kPipe:
      return piperead(f->pipe, addr, n);
    case FileType::kDevice: {
      DeviceSwitch* dev = device_of(f);
      if (dev == nullptr || dev->read == nullptr) return -1;
      return dev->read(true, addr, n);
    }
    case FileType::kInode: {
      ilock(f->ip);
      int r = readi(f->ip, true, addr, f->off, static_cast<uint32_t>(n));
      if (r > 0) f->off += static_cast<uint32_t>(r);
      iunlock(f->ip);
      return r;
    }
    case FileType::kNone:
      break;
  }
  panic("fileread: bad file type");
}

// Writes in chunks of one transaction each, so a big write never overflows the log. Stops at
// the first short chunk (disk full, bad address): returns what was written, or -1 if nothing.
int filewrite(File* f, uint64_t addr, int n) {
  if (!f->writable || n < 0) return -1;
  // mmap routing, as in fileread.
  if (!prefault_user_range(addr, static_cast<uint64_t>(n), false).ok()) return -1;
  switch (f->type) {
    case FileType::kPipe:
      return pipewrite(f->pipe, addr, n);
    case FileType::kDevice: {
      DeviceSwitch* dev = device_of(f);
      if (dev == nullptr || dev->write == nullptr) return -1;
      return dev->write(true, addr, n);
    }
    case FileType::kInode: {
      int done = 0;
      while (done < n) {
        int chunk = n - done;
        if (chunk > kMaxWritePerOp) chunk = kMaxWritePerOp;
        int r;
        {
          FsTransaction tx;
          ilock(f->ip);
          r = writei(f->ip, true, addr + static_cast<uint64_t>(done), f->off,
                     static_cast<uint32_t>(chunk));
          if (r > 0) f->off += static_cast<uint32_t>(r);
          iunlock(f->ip);
        }
        if (r > 0) done += r;
        if (r != chunk) break;
      }
      return done == n || done > 0 ? done : -1;
    }
    case FileType::kNone:
      break;
  }
  panic("filewrite: bad file type");
}

Status pipealloc(File** read_end, File** write_end) {
  File* r = filealloc();
  File* w = r != nullptr ? filealloc() : nullptr;
  Pipe* p = w != nullptr ? pipe_alloc() : nullptr;
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

}  // namespace pagoda
