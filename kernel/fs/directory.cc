// Directories and path lookup. xv6: dirlookup, dirlink, skipelem, namex, namei, nameiparent
#include "kernel/fs/directory.h"

#include "kernel/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/inode_table.h"
#include "kernel/lib/panic.h"
#include "kernel/sync/print.h"
#include "kernel/lib/string.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"

namespace pagoda {

namespace {

constexpr uint32_t kDirentSize = sizeof(dirent);

bool read_dirent(Inode* dp, uint32_t off, dirent* de) {
  return readi(dp, false, reinterpret_cast<uint64_t>(de), off, kDirentSize) ==
         static_cast<int>(kDirentSize);
}

// Copies the next path element into name (DIRSIZ bytes, NUL-padded; longer names are cut as xv6
// does) and returns the rest of the path with leading slashes skipped, or nullptr if no element
// is left. xv6: skipelem
//   skip_element("a/bb/c", name) = "bb/c", name "a";  skip_element("///", name) = nullptr
const char* skip_element(const char* path, char* name) {
  while (*path == '/') path++;
  if (*path == '\0') return nullptr;
  const char* start = path;
  while (*path != '/' && *path != '\0') path++;
  size_t len = static_cast<size_t>(path - start);
  if (len >= DIRSIZ) {
    memmove(name, start, DIRSIZ);
  } else {
    memmove(name, start, len);
    name[len] = '\0';
  }
  while (*path == '/') path++;
  return path;
}

enum class Want : bool { kInode, kParent };

// xv6: namex. Walks path from / or the current directory; with kParent stops one element early
// and copies the last element into name.
Inode* walk_path(const char* path, Want want, char* name) {
  Inode* ip = nullptr;
  Proc* p = myproc();
  if (*path == '/' || p == nullptr || p->cwd == nullptr) {
    Result<Inode*> root = iget(ROOTDEV, ROOTINO);
    if (!root.ok()) return nullptr;
    ip = *root;
  } else {
    ip = idup(p->cwd);
  }

  while ((path = skip_element(path, name)) != nullptr) {
    ilock(ip);
    if (ip->type != InodeType::kDir) {
      iunlockput(ip);
      return nullptr;
    }
    if (want == Want::kParent && *path == '\0') {
      iunlock(ip);  // stop one level early
      return ip;
    }
    Result<Inode*> next = dirlookup(ip, name, nullptr);
    iunlockput(ip);
    if (!next.ok() || *next == nullptr) return nullptr;
    ip = *next;
  }
  if (want == Want::kParent) {  // the path had no element ("/" or "")
    iput(ip);
    return nullptr;
  }
  return ip;
}

}  // namespace

int namecmp(const char* s, const char* t) {
  return strncmp(s, t, DIRSIZ);
}

Result<Inode*> dirlookup(Inode* dp, const char* name, uint32_t* poff) {
  if (dp->type != InodeType::kDir) panic("dirlookup: not a directory");
  // A removed directory (someone's cwd, kept by its reference) names nothing. Its ".." still holds
  // the old parent's inode number, but that parent holds no reference back: once it is removed
  // too, the number names a freed (or reused) inode, and ilock panicked on it. Checked under dp's
  // lock, which unlink holds from removing dp's entry until dp->nlink is 0: while it is not, the
  // parent still lists dp, so it cannot be removed, and iget's reference keeps it after we return.
  if (dp->nlink == 0) return nullptr;
  dirent de;
  for (uint32_t off = 0; off + kDirentSize <= dp->size; off += kDirentSize) {
    if (!read_dirent(dp, off, &de)) return Error::kIo;
    if (de.inum == 0 || namecmp(name, de.name) != 0) continue;
    if (!inum_in_range(de.inum)) {
      kprintf("fs: directory inode %u: entry at offset %u names inode %u, out of range\n", dp->inum,
              off, static_cast<uint32_t>(de.inum));
      return Error::kInvalid;
    }
    if (poff != nullptr) *poff = off;
    return iget(dp->dev, de.inum);
  }
  return static_cast<Inode*>(nullptr);
}

Status dirlink(Inode* dp, const char* name, uint32_t inum) {
  Result<Inode*> found = dirlookup(dp, name, nullptr);
  PAGODA_TRY(found);
  if (*found != nullptr) {
    iput(*found);
    return Error::kExists;
  }
  // First free slot, else append.
  dirent de;
  uint32_t off = 0;
  for (; off + kDirentSize <= dp->size; off += kDirentSize) {
    if (!read_dirent(dp, off, &de)) return Error::kIo;
    if (de.inum == 0) break;
  }
  memset(&de, 0, sizeof(de));
  strncpy(de.name, name, DIRSIZ);
  de.inum = static_cast<ushort>(inum);
  // A dirent never straddles a block, so this writes all of it or (disk full) nothing.
  if (writei(dp, false, reinterpret_cast<uint64_t>(&de), off, kDirentSize) !=
      static_cast<int>(kDirentSize)) {
    return Error::kNoSpace;
  }
  return Status::Ok();
}

bool dir_is_empty(Inode* dp) {
  dirent de;
  for (uint32_t off = 2 * kDirentSize; off + kDirentSize <= dp->size; off += kDirentSize) {
    if (!read_dirent(dp, off, &de)) return false;
    if (de.inum != 0) return false;
  }
  return true;
}

Inode* namei(const char* path) {
  char name[DIRSIZ];
  return walk_path(path, Want::kInode, name);
}

Inode* nameiparent(const char* path, char* name) {
  return walk_path(path, Want::kParent, name);
}

}  // namespace pagoda
