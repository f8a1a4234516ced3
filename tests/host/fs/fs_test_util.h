// A test fixture that mounts an image on the fake disk and makes system calls as a process would.
// The suite is built once per on-disk format (tests/host/fs/CMakeLists.txt): the kernel's format is
// chosen at compile time (kFsFormat), and every image here is made in that format.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/fs/format.h"
#include "kernel/fs/fs_init.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/log.h"
#include "kernel/fs/sysfile.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"
#include "tests/host/fs/fake_kernel.h"
#include "tools/fsck/checker.h"
#include "tools/fslib/builder.h"
#include "tools/fslib/inode_type.h"

namespace pagoda::fstest {

// kernel/stat.h's struct stat (fslib/inode_type.h renames it: the host's <sys/stat.h> owns
// `struct stat` in these test files).
using XvStat = pagoda_xv6_stat;
constexpr short kTypeDir = T_DIR, kTypeFile = T_FILE, kTypeDevice = T_DEVICE;

// The superblock of an image in the kernel's format, and writing one back.
inline superblock read_sb(const fslib::Image& img) {
  return decode_superblock(kFsFormat, img.block(1).data());
}
inline void write_sb(fslib::Image& img, const superblock& s) {
  encode_superblock(kFsFormat, s, img.block(1).data());
}

// Geometry in the kernel's format.
inline fslib::Geometry geometry(uint32_t size, uint32_t ninodes, uint32_t nlog = LOGSIZE) {
  return {.format = &kFsFormat, .size = size, .ninodes = ninodes, .nlog = nlog};
}

inline std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>(x >> 16);
  }
  return v;
}

inline fslib::Image make_image(fslib::Geometry g = fslib::Geometry::defaults(kFsFormat)) {
  g.format = &kFsFormat;
  auto b = fslib::FsBuilder::create(g);
  EXPECT_TRUE(b.ok()) << b.error().message;
  EXPECT_TRUE(b->add_file(ROOTINO, "README", pattern(3000, 7)).ok());
  return std::move(*b).finish();
}

class FsFixture : public ::testing::Test {
 protected:
  void TearDown() override { unmount(); }

  // Boots the file system on image (xv6: binit, then fsinit in the first process).
  void mount(fslib::Image image) {
    attach_disk(std::move(image));
    remount();
  }
  // Boots again on the disk as it is (after a crash, say).
  void remount() {
    unmount();
    fs_boot_init();
    ASSERT_TRUE(fs_mount_root(ROOTDEV).ok());
    myproc()->cwd = namei("/");
    ASSERT_NE(myproc()->cwd, nullptr);
  }
  // Closes every descriptor and drops the cwd, as exit does.
  void unmount() {
    Proc* p = myproc();
    for (int fd = 0; fd < NOFILE; fd++) {
      if (p->ofile[fd] != nullptr) close(fd);
    }
    if (p->cwd != nullptr) {
      begin_op();
      iput(p->cwd);
      end_op();
      p->cwd = nullptr;
    }
    next_user_ = kUserBase;
  }

  // Copies bytes into user memory; their user address.
  uint64_t to_user(const void* data, size_t n) {
    uint64_t rounded = (n + 16) & ~uint64_t{7};
    if (next_user_ + rounded > kUserBase + kUserSize) next_user_ = kUserBase;  // arguments are
    uint64_t a = next_user_;                                                   // used at once
    next_user_ += rounded;
    std::memcpy(user_ptr(a), data, n);
    return a;
  }
  uint64_t ustr(const std::string& s) { return to_user(s.c_str(), s.size() + 1); }

  int64_t open(const std::string& path, int flags) {
    set_args({ustr(path), static_cast<uint64_t>(flags)});
    return sys_open();
  }
  int64_t close(int64_t fd) {
    set_args({static_cast<uint64_t>(fd)});
    return sys_close();
  }
  int64_t write(int64_t fd, const std::vector<uint8_t>& data) {
    set_args({static_cast<uint64_t>(fd), to_user(data.data(), data.size()), data.size()});
    return sys_write();
  }
  int64_t mkdir(const std::string& path) {
    set_args({ustr(path)});
    return sys_mkdir();
  }
  int64_t chdir(const std::string& path) {
    set_args({ustr(path)});
    return sys_chdir();
  }
  int64_t unlink(const std::string& path) {
    set_args({ustr(path)});
    return sys_unlink();
  }
  int64_t link(const std::string& a, const std::string& b) {
    uint64_t ua = ustr(a);
    set_args({ua, ustr(b)});
    return sys_link();
  }
  int64_t mknod(const std::string& path, int major, int minor) {
    set_args({ustr(path), static_cast<uint64_t>(major), static_cast<uint64_t>(minor)});
    return sys_mknod();
  }
  bool fstat(int64_t fd, XvStat* st) {
    uint64_t a = to_user(st, sizeof(*st));
    set_args({static_cast<uint64_t>(fd), a});
    if (sys_fstat() != 0) return false;
    std::memcpy(st, user_ptr(a), sizeof(*st));
    return true;
  }
  bool stat(const std::string& path, XvStat* st) {
    int64_t fd = open(path, O_RDONLY);
    if (fd < 0) return false;
    bool ok = fstat(fd, st);
    close(fd);
    return ok;
  }

  // Creates path with contents; true if every byte was written.
  bool put_file(const std::string& path, const std::vector<uint8_t>& contents) {
    int64_t fd = open(path, O_CREATE | O_WRONLY | O_TRUNC);
    if (fd < 0) return false;
    int64_t n = write(fd, contents);
    close(fd);
    return n == static_cast<int64_t>(contents.size());
  }
  // The whole file, or false if it cannot be opened or read.
  bool get_file(const std::string& path, std::vector<uint8_t>* out) {
    int64_t fd = open(path, O_RDONLY);
    if (fd < 0) return false;
    out->clear();
    static const std::vector<uint8_t> space(4096);
    uint64_t buf = to_user(space.data(), space.size());
    for (;;) {
      set_args({static_cast<uint64_t>(fd), buf, 4096});
      int64_t n = sys_read();
      if (n < 0) {
        close(fd);
        return false;
      }
      if (n == 0) break;
      out->insert(out->end(), user_ptr(buf), user_ptr(buf) + n);
    }
    close(fd);
    return true;
  }
  // The names in directory path (every entry with a nonzero inode number), or false if the
  // directory cannot be read.
  bool directory_names(const std::string& path, std::vector<std::string>* names) {
    std::vector<uint8_t> bytes;
    if (!get_file(path, &bytes)) return false;
    names->clear();
    for (size_t off = 0; off + sizeof(dirent) <= bytes.size(); off += sizeof(dirent)) {
      dirent de;
      std::memcpy(&de, bytes.data() + off, sizeof(de));
      if (de.inum != 0) names->push_back(std::string(de.name, strnlen(de.name, DIRSIZ)));
    }
    return true;
  }

  static std::vector<std::string> fsck_problems() { return fsck::check(disk()).problems; }

  static superblock sb() { return read_sb(disk()); }
  // Free data blocks according to the bitmap on disk.
  static uint32_t free_blocks() {
    superblock s = sb();
    uint32_t n = 0;
    for (uint32_t b = s.size - s.nblocks; b < s.size; b++) {
      auto map = disk().block(BBLOCK(b, s));
      if ((map[(b % BPB) / 8] & (1u << (b % 8))) == 0) n++;
    }
    return n;
  }
  // Allocated inodes on disk.
  static uint32_t used_inodes() {
    superblock s = sb();
    uint32_t n = 0;
    for (uint32_t i = 1; i < s.ninodes; i++) {
      dinode d;
      std::memcpy(&d, disk().block(IBLOCK(i, s)).data() + (i % IPB) * sizeof(dinode), sizeof(d));
      if (d.type != 0) n++;
    }
    return n;
  }

  uint64_t next_user_ = kUserBase;
};

}  // namespace pagoda::fstest
