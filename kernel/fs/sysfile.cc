// File-system system calls: argument checking, then the file and inode layers. xv6: sysfile.c
// Every call that may write the disk runs as one FsTransaction.
#include "kernel/fs/sysfile.h"

#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/fs/directory.h"
#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/inode_table.h"
#include "kernel/fs/log.h"
#include "kernel/fs/pipe.h"
#include "kernel/sync/print.h"
#include "kernel/lib/string.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/syscall.h"

namespace pagoda {

namespace {

// open(2) flags (kernel/fcntl.h) as a type.
enum class OpenFlag : int {
  kWriteOnly = O_WRONLY,
  kReadWrite = O_RDWR,
  kCreate = O_CREATE,
  kTruncate = O_TRUNC,
};

struct OpenMode {
  int bits;
  constexpr bool has(OpenFlag f) const { return (bits & static_cast<int>(f)) != 0; }
  constexpr bool readable() const { return !has(OpenFlag::kWriteOnly); }
  constexpr bool writable() const { return has(OpenFlag::kWriteOnly) || has(OpenFlag::kReadWrite); }
};

// The open file for fd argument n, or nullptr. xv6: argfd
File* arg_file(int n, int* fd_out = nullptr) {
  int fd = arg_int(n);
  if (fd < 0 || fd >= NOFILE) return nullptr;
  File* f = myproc()->ofile[fd];
  if (f != nullptr && fd_out != nullptr) *fd_out = fd;
  return f;
}

// The lowest free descriptor for f, or -1. xv6: fdalloc
int fd_alloc(File* f) {
  Proc* p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == nullptr) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -1;
}

bool arg_path(int n, char (&path)[MAXPATH]) {
  return arg_str(n, path, MAXPATH).ok();
}

bool is_dot_or_dotdot(const char* name) {
  return namecmp(name, ".") == 0 || namecmp(name, "..") == 0;
}

// A new inode named by path, returned locked and referenced; or, for an existing path when a
// plain file is wanted, that file or device. nullptr on any failure, with nothing left behind.
// Inside a transaction. xv6: create
Inode* create(const char* path, InodeType type, short major, short minor) {
  char name[DIRSIZ];
  Inode* dp = nameiparent(path, name);
  if (dp == nullptr) return nullptr;
  ilock(dp);

  Result<Inode*> found = dirlookup(dp, name, nullptr);
  if (!found.ok()) {  // unknown whether name exists (inode table full, damaged directory)
    iunlockput(dp);
    return nullptr;
  }
  if (Inode* ip = *found; ip != nullptr) {
    iunlockput(dp);
    ilock(ip);
    if (type == InodeType::kFile &&
        (ip->type == InodeType::kFile || ip->type == InodeType::kDevice)) {
      return ip;
    }
    iunlockput(ip);
    return nullptr;
  }

  // A directory already unlinked (someone's cwd) takes no new names: the inode would be orphaned.
  if (dp->nlink == 0) {
    iunlockput(dp);
    return nullptr;
  }
  Result<Inode*> allocated = ialloc(dp->dev, type);
  if (!allocated.ok()) {
    iunlockput(dp);
    return nullptr;
  }
  Inode* ip = *allocated;
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  bool ok = true;
  if (type == InodeType::kDir) {
    // "." and ".." first, so the parent never names a half-made directory. No nlink for "."
    // (it would keep the directory alive forever).
    ok = dirlink(ip, ".", ip->inum).ok() && dirlink(ip, "..", dp->inum).ok();
  }
  ok = ok && dirlink(dp, name, ip->inum).ok();
  if (!ok) {
    // Out of space: drop the new inode; iput frees it and any block it got.
    ip->nlink = 0;
    iupdate(ip);
    iunlockput(ip);
    iunlockput(dp);
    return nullptr;
  }
  if (type == InodeType::kDir) {
    dp->nlink++;  // for ".."
    iupdate(dp);
  }
  iunlockput(dp);
  return ip;
}

}  // namespace

int64_t sys_dup() {
  File* f = arg_file(0);
  if (f == nullptr) return -1;
  int fd = fd_alloc(f);
  if (fd < 0) return -1;
  filedup(f);
  return fd;
}

int64_t sys_read() {
  File* f = arg_file(0);
  if (f == nullptr) return -1;
  return fileread(f, arg_addr(1), arg_int(2));
}

int64_t sys_write() {
  File* f = arg_file(0);
  if (f == nullptr) return -1;
  return filewrite(f, arg_addr(1), arg_int(2));
}

int64_t sys_close() {
  int fd;
  File* f = arg_file(0, &fd);
  if (f == nullptr) return -1;
  myproc()->ofile[fd] = nullptr;
  fileclose(f);
  return 0;
}

int64_t sys_fstat() {
  File* f = arg_file(0);
  if (f == nullptr) return -1;
  return filestat(f, arg_addr(1));
}

// xv6: sys_link. A second name for an existing file (not a directory), on the same device.
int64_t sys_link() {
  char old_path[MAXPATH], new_path[MAXPATH], name[DIRSIZ];
  if (!arg_path(0, old_path) || !arg_path(1, new_path)) return -1;

  FsTransaction tx;
  Inode* ip = namei(old_path);
  if (ip == nullptr) return -1;
  ilock(ip);
  if (ip->type == InodeType::kDir || ip->damaged) {
    iunlockput(ip);
    return -1;
  }
  // Count the link first: a crash between the two steps leaves nlink too high, which is safe.
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  Inode* dp = nameiparent(new_path, name);
  if (dp != nullptr) {
    ilock(dp);
    // An unlinked directory takes no new names (see create).
    if (dp->dev == ip->dev && dp->nlink > 0 && dirlink(dp, name, ip->inum).ok()) {
      iunlockput(dp);
      iput(ip);
      return 0;
    }
    iunlockput(dp);
  }
  ilock(ip);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  return -1;
}

// xv6: sys_unlink. Refuses "." and ".." and non-empty directories.
int64_t sys_unlink() {
  char path[MAXPATH], name[DIRSIZ];
  if (!arg_path(0, path)) return -1;

  FsTransaction tx;
  Inode* dp = nameiparent(path, name);
  if (dp == nullptr) return -1;
  ilock(dp);
  uint32_t off = 0;
  Result<Inode*> found = static_cast<Inode*>(nullptr);
  if (!is_dot_or_dotdot(name)) found = dirlookup(dp, name, &off);
  if (!found.ok() || *found == nullptr) {
    iunlockput(dp);
    return -1;
  }
  Inode* ip = *found;
  if (ip == dp) {  // a damaged entry naming its own directory: locking it again would deadlock
    kprintf("fs: directory inode %u: entry names the directory itself\n", dp->inum);
    iput(ip);
    iunlockput(dp);
    return -1;
  }
  ilock(ip);
  if (ip->damaged || ip->nlink < 1 || (ip->type == InodeType::kDir && !dir_is_empty(ip))) {
    iunlockput(ip);
    iunlockput(dp);
    return -1;
  }

  dirent de{};
  if (writei(dp, false, reinterpret_cast<uint64_t>(&de), off, sizeof(de)) !=
      static_cast<int>(sizeof(de))) {
    // Overwriting an existing entry allocates nothing, so this is a kernel bug.
    iunlockput(ip);
    iunlockput(dp);
    return -1;
  }
  if (ip->type == InodeType::kDir) {
    dp->nlink--;  // the child's ".."
    iupdate(dp);
  }
  iunlockput(dp);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  return 0;
}

int64_t sys_open() {
  char path[MAXPATH];
  if (!arg_path(0, path)) return -1;
  OpenMode mode{arg_int(1)};

  FsTransaction tx;
  Inode* ip = nullptr;
  if (mode.has(OpenFlag::kCreate)) {
    ip = create(path, InodeType::kFile, 0, 0);
    if (ip == nullptr) return -1;
  } else {
    ip = namei(path);
    if (ip == nullptr) return -1;
    ilock(ip);
    if (ip->damaged || (ip->type == InodeType::kDir && mode.writable())) {
      iunlockput(ip);
      return -1;
    }
  }
  if (ip->type == InodeType::kDevice && (ip->major < 0 || ip->major >= NDEV)) {
    iunlockput(ip);
    return -1;
  }

  File* f = filealloc();
  int fd = f != nullptr ? fd_alloc(f) : -1;
  if (fd < 0) {
    if (f != nullptr) fileclose(f);
    iunlockput(ip);
    return -1;
  }

  if (ip->type == InodeType::kDevice) {
    f->type = FileType::kDevice;
    f->major = ip->major;
  } else {
    f->type = FileType::kInode;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = mode.readable();
  f->writable = mode.writable();

  if (mode.has(OpenFlag::kTruncate) && ip->type == InodeType::kFile) itrunc(ip);
  iunlock(ip);
  return fd;
}

int64_t sys_mkdir() {
  char path[MAXPATH];
  if (!arg_path(0, path)) return -1;
  FsTransaction tx;
  Inode* ip = create(path, InodeType::kDir, 0, 0);
  if (ip == nullptr) return -1;
  iunlockput(ip);
  return 0;
}

int64_t sys_mknod() {
  char path[MAXPATH];
  if (!arg_path(0, path)) return -1;
  int major = arg_int(1);
  int minor = arg_int(2);
  if (major < 0 || major >= NDEV) return -1;
  FsTransaction tx;
  Inode* ip =
      create(path, InodeType::kDevice, static_cast<short>(major), static_cast<short>(minor));
  if (ip == nullptr) return -1;
  iunlockput(ip);
  return 0;
}

int64_t sys_chdir() {
  char path[MAXPATH];
  if (!arg_path(0, path)) return -1;
  Proc* p = myproc();
  FsTransaction tx;
  Inode* ip = namei(path);
  if (ip == nullptr) return -1;
  ilock(ip);
  if (ip->type != InodeType::kDir) {
    iunlockput(ip);
    return -1;
  }
  iunlock(ip);
  if (p->cwd != nullptr) iput(p->cwd);
  p->cwd = ip;
  return 0;
}

int64_t sys_pipe() {
  uint64_t fdarray = arg_addr(0);
  File* rf;
  File* wf;
  if (!pipealloc(&rf, &wf).ok()) return -1;

  Proc* p = myproc();
  int fd0 = fd_alloc(rf);
  int fd1 = fd0 >= 0 ? fd_alloc(wf) : -1;
  if (fd1 < 0) {
    if (fd0 >= 0) p->ofile[fd0] = nullptr;
    fileclose(rf);
    fileclose(wf);
    return -1;
  }
  if (!either_copyout(true, fdarray, &fd0, sizeof(fd0)).ok() ||
      !either_copyout(true, fdarray + sizeof(fd0), &fd1, sizeof(fd1)).ok()) {
    p->ofile[fd0] = nullptr;
    p->ofile[fd1] = nullptr;
    fileclose(rf);
    fileclose(wf);
    return -1;
  }
  return 0;
}

}  // namespace pagoda
