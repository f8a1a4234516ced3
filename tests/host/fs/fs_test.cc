// The kernel file system on the host: system calls over a fake disk, checked with fsck.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "kernel/fs/buf.h"
#include "tests/host/fs/fs_test_util.h"

namespace pagoda::fstest {
namespace {

class FsTest : public FsFixture {};

TEST_F(FsTest, ReadsAFileMadeByMkfs) {
  mount(make_image());
  std::vector<uint8_t> got;
  ASSERT_TRUE(get_file("README", &got));
  EXPECT_EQ(got, pattern(3000, 7));
  XvStat st;
  ASSERT_TRUE(stat("/README", &st));
  EXPECT_EQ(st.type, kTypeFile);
  EXPECT_EQ(st.size, 3000u);
  EXPECT_EQ(st.nlink, 1);
  EXPECT_EQ(st.ino, 2u);
}

TEST_F(FsTest, WritesSurviveARemountAndUseTheIndirectBlock) {
  mount(make_image());
  uint32_t free0 = free_blocks();
  auto big = pattern((NDIRECT + 30) * BSIZE + 123, 1);
  ASSERT_TRUE(put_file("big", big));
  remount();
  std::vector<uint8_t> got;
  ASSERT_TRUE(get_file("big", &got));
  EXPECT_EQ(got, big);
  EXPECT_EQ(free_blocks(), free0 - (NDIRECT + 31) - 1);  // data blocks and the indirect block
  EXPECT_TRUE(fsck_problems().empty());
  ASSERT_EQ(unlink("big"), 0);
  EXPECT_EQ(free_blocks(), free0);
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, TruncateFreesTheBlocks) {
  mount(make_image());
  uint32_t free0 = free_blocks();
  ASSERT_TRUE(put_file("f", pattern(20000, 2)));
  EXPECT_LT(free_blocks(), free0);
  int64_t fd = open("f", O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  XvStat st;
  ASSERT_TRUE(fstat(fd, &st));
  EXPECT_EQ(st.size, 0u);
  close(fd);
  EXPECT_EQ(free_blocks(), free0);
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, DirectoriesAndPaths) {
  mount(make_image());
  ASSERT_EQ(mkdir("a"), 0);
  ASSERT_EQ(mkdir("a/b"), 0);
  EXPECT_EQ(mkdir("a"), -1);
  EXPECT_EQ(mkdir("nosuch/x"), -1);
  ASSERT_EQ(chdir("a"), 0);
  ASSERT_TRUE(put_file("b/f", pattern(10, 3)));
  std::vector<uint8_t> got;
  ASSERT_TRUE(get_file("/a/b/f", &got));
  EXPECT_EQ(got, pattern(10, 3));
  ASSERT_TRUE(get_file("../a/./b//f", &got));
  EXPECT_EQ(got, pattern(10, 3));
  ASSERT_TRUE(get_file("../README", &got));
  EXPECT_EQ(chdir("b/f"), -1);  // not a directory
  EXPECT_EQ(open("b/f/x", O_CREATE | O_RDWR), -1);
  EXPECT_EQ(open("b", O_RDWR), -1);  // directories are read-only
  int64_t fd = open("b", O_RDONLY);
  EXPECT_GE(fd, 0);
  close(fd);

  XvStat st;
  ASSERT_TRUE(stat("/a", &st));
  EXPECT_EQ(st.nlink, 2);      // "a" in / and ".." in b
  EXPECT_EQ(unlink("b"), -1);  // not empty
  EXPECT_EQ(unlink("."), -1);
  EXPECT_EQ(unlink(".."), -1);
  EXPECT_EQ(unlink("/"), -1);
  ASSERT_EQ(unlink("b/f"), 0);
  ASSERT_EQ(unlink("b"), 0);
  ASSERT_TRUE(stat("/a", &st));
  EXPECT_EQ(st.nlink, 1);
  ASSERT_EQ(chdir("/"), 0);
  EXPECT_TRUE(fsck_problems().empty());
  ASSERT_EQ(unlink("a"), 0);
  EXPECT_EQ(used_inodes(), 2u);
  EXPECT_TRUE(fsck_problems().empty());
}

// A removed directory's ".." still holds its old parent's inode number. Once the parent is removed
// and freed too, looking ".." up there reached the freed inode (ilock panicked: "has no type").
TEST_F(FsTest, RemovedDirectoryNamesNothing) {
  mount(make_image());
  ASSERT_EQ(mkdir("up"), 0);
  ASSERT_EQ(mkdir("up/down"), 0);
  ASSERT_EQ(chdir("up/down"), 0);
  ASSERT_EQ(unlink("/up/down"), 0);
  ASSERT_EQ(unlink("/up"), 0);  // freed: nothing references it
  EXPECT_EQ(chdir(".."), -1);
  EXPECT_EQ(open("../x", O_CREATE | O_RDWR), -1);
  EXPECT_EQ(mkdir("../y"), -1);
  ASSERT_EQ(mkdir("/up"), 0);  // may reuse the old parent's inode number
  EXPECT_EQ(chdir(".."), -1);
  ASSERT_EQ(chdir("/"), 0);  // drops the last reference to the removed directory
  ASSERT_EQ(unlink("/up"), 0);
  EXPECT_EQ(used_inodes(), 2u);
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, LinksShareAnInode) {
  mount(make_image());
  ASSERT_TRUE(put_file("x", pattern(100, 4)));
  ASSERT_EQ(link("x", "y"), 0);
  EXPECT_EQ(link("x", "y"), -1);  // exists
  EXPECT_EQ(link("nosuch", "z"), -1);
  EXPECT_EQ(link("/", "rootlink"), -1);  // directories cannot be linked
  EXPECT_EQ(link("x", "nosuch/z"), -1);
  XvStat sx, sy;
  ASSERT_TRUE(stat("x", &sx));
  ASSERT_TRUE(stat("y", &sy));
  EXPECT_EQ(sx.ino, sy.ino);
  EXPECT_EQ(sx.nlink, 2);
  ASSERT_EQ(unlink("x"), 0);
  std::vector<uint8_t> got;
  ASSERT_TRUE(get_file("y", &got));
  EXPECT_EQ(got, pattern(100, 4));
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, UnlinkedOpenFileLivesUntilClosed) {
  mount(make_image());
  uint32_t free0 = free_blocks();
  ASSERT_TRUE(put_file("t", pattern(5000, 5)));
  int64_t fd = open("t", O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(unlink("t"), 0);
  EXPECT_LT(free_blocks(), free0);
  close(fd);
  EXPECT_EQ(free_blocks(), free0);
  EXPECT_EQ(used_inodes(), 2u);
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, DescriptorsDupAndModes) {
  mount(make_image());
  int64_t fd = open("README", O_RDONLY);
  ASSERT_EQ(fd, 0);
  set_args({static_cast<uint64_t>(fd)});
  EXPECT_EQ(sys_dup(), 1);
  EXPECT_EQ(write(fd, pattern(1, 1)), -1);  // read-only
  int64_t w = open("w", O_CREATE | O_WRONLY);
  ASSERT_EQ(w, 2);
  set_args({static_cast<uint64_t>(w), ustr("xxxx"), 4});
  EXPECT_EQ(sys_read(), -1);  // write-only
  for (int i = 3; i < NOFILE; i++) EXPECT_EQ(open("README", O_RDONLY), i);
  EXPECT_EQ(open("README", O_RDONLY), -1);  // no descriptor left
  set_args({0});
  EXPECT_EQ(sys_dup(), -1);
  EXPECT_EQ(close(NOFILE), -1);
  EXPECT_EQ(close(-1), -1);
}

TEST_F(FsTest, BadUserPointersFailCleanly) {
  mount(make_image());
  const uint64_t bad = kUserBase + kUserSize + 4096;
  set_args({bad, O_RDONLY});
  EXPECT_EQ(sys_open(), -1);
  set_args({bad, O_CREATE | O_RDWR});
  EXPECT_EQ(sys_open(), -1);
  set_args({0});
  EXPECT_EQ(sys_mkdir(), -1);
  int64_t fd = open("f", O_CREATE | O_RDWR);
  ASSERT_EQ(fd, 0);
  set_args({0, bad, 10});
  EXPECT_EQ(sys_write(), -1);
  set_args({0, kUserBase + kUserSize - 5, 10});  // runs off the end
  EXPECT_EQ(sys_write(), -1);
  XvStat st;
  ASSERT_TRUE(fstat(fd, &st));
  EXPECT_EQ(st.size, 0u);
  set_args({0, bad});
  EXPECT_EQ(sys_fstat(), -1);
  set_args({bad});
  EXPECT_EQ(sys_pipe(), -1);
  EXPECT_EQ(open("f2", O_CREATE | O_RDWR), 1);  // the failed pipe left no descriptor
  // A path longer than MAXPATH.
  EXPECT_EQ(open(std::string(MAXPATH + 5, 'a'), O_CREATE | O_RDWR), -1);
  EXPECT_EQ(mknod("dev", NDEV, 0), -1);
  EXPECT_EQ(mknod("dev", -1, 0), -1);
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, PipesCarryBytesAndFreeOnClose) {
  mount(make_image());
  uint64_t fds = to_user("\0\0\0\0\0\0\0\0", 8);
  set_args({fds});
  ASSERT_EQ(sys_pipe(), 0);
  int rfd, wfd;
  std::memcpy(&rfd, user_ptr(fds), 4);
  std::memcpy(&wfd, user_ptr(fds) + 4, 4);
  EXPECT_EQ(rfd, 0);
  EXPECT_EQ(wfd, 1);
  EXPECT_EQ(write(wfd, pattern(300, 9)), 300);
  uint64_t buf = to_user(pattern(512, 0).data(), 512);
  set_args({static_cast<uint64_t>(rfd), buf, 512});
  ASSERT_EQ(sys_read(), 300);
  EXPECT_EQ(std::vector<uint8_t>(user_ptr(buf), user_ptr(buf) + 300), pattern(300, 9));
  close(wfd);
  set_args({static_cast<uint64_t>(rfd), buf, 512});
  EXPECT_EQ(sys_read(), 0);  // end of file once the writer is gone
  close(rfd);
  // Every pipe comes back: many more pipes than the pool holds, one after another.
  for (int i = 0; i < NFILE; i++) {
    set_args({fds});
    ASSERT_EQ(sys_pipe(), 0);
    close(0);
    close(1);
  }
}

TEST_F(FsTest, DiskFullFailsWritesAndLeaksNothing) {
  mount(make_image({.size = 150, .ninodes = 50, .nlog = LOGSIZE}));
  uint32_t free0 = free_blocks();
  uint32_t inodes0 = used_inodes();
  int64_t fd = open("fill", O_CREATE | O_WRONLY);
  ASSERT_GE(fd, 0);
  int64_t total = 0;
  for (;;) {
    int64_t n = write(fd, pattern(3000, 1));
    if (n > 0) total += n;
    if (n != 3000) {
      EXPECT_LT(n, 3000);
      break;
    }
  }
  EXPECT_EQ(free_blocks(), 0u);
  XvStat st;
  ASSERT_TRUE(fstat(fd, &st));
  EXPECT_EQ(static_cast<int64_t>(st.size), total);  // the short write reported what landed
  EXPECT_EQ(write(fd, pattern(10, 1)), -1);
  close(fd);
  EXPECT_TRUE(fsck_problems().empty());

  // With no block left, mkdir cannot make "." and ".." and gives everything back.
  EXPECT_EQ(mkdir("d"), -1);
  EXPECT_EQ(used_inodes(), inodes0 + 1);
  EXPECT_EQ(open("d", O_RDONLY), -1);
  EXPECT_TRUE(fsck_problems().empty());

  std::vector<uint8_t> got;
  ASSERT_TRUE(get_file("fill", &got));
  EXPECT_EQ(static_cast<int64_t>(got.size()), total);
  ASSERT_EQ(unlink("fill"), 0);
  EXPECT_EQ(free_blocks(), free0);
  EXPECT_EQ(used_inodes(), inodes0);
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, FullDirectoryBlockCannotGrowWhenTheDiskIsFull) {
  mount(make_image({.size = 150, .ninodes = 200, .nlog = LOGSIZE}));
  uint32_t inodes0 = used_inodes();
  // Fill the root directory's block (".", "..", README already there, "fill" comes last), then
  // the disk.
  int created = 0;
  while (created < BSIZE / static_cast<int>(sizeof(dirent)) - 4) {
    ASSERT_GE(open("e" + std::to_string(created), O_CREATE | O_RDWR), 0);
    close(0);
    created++;
  }
  int64_t fd = open("fill", O_CREATE | O_WRONLY);
  while (write(fd, pattern(BSIZE, 2)) == BSIZE) {
  }
  close(fd);
  XvStat root;
  ASSERT_TRUE(stat("/", &root));
  ASSERT_EQ(root.size, static_cast<uint64>(BSIZE));  // the directory's one block is full
  uint32_t inodes_full = used_inodes();
  EXPECT_EQ(open("one-more", O_CREATE | O_RDWR), -1);  // the directory needs a block
  EXPECT_EQ(used_inodes(), inodes_full);               // and the inode went back
  EXPECT_TRUE(fsck_problems().empty());
  for (int i = 0; i < created; i++) ASSERT_EQ(unlink("e" + std::to_string(i)), 0);
  ASSERT_EQ(unlink("fill"), 0);
  EXPECT_EQ(used_inodes(), inodes0);
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, OutOfInodesFailsCreate) {
  mount(make_image({.size = 400, .ninodes = 20, .nlog = LOGSIZE}));
  int made = 0;
  for (;; made++) {
    int64_t fd = open("n" + std::to_string(made), O_CREATE | O_RDWR);
    if (fd < 0) break;
    close(fd);
  }
  EXPECT_EQ(made, 20 - 3);  // inode 0 unused, 1 root, 2 README
  EXPECT_EQ(mkdir("dir"), -1);
  EXPECT_EQ(open("dir", O_RDONLY), -1);
  EXPECT_TRUE(fsck_problems().empty());
  for (int i = 0; i < made; i++) ASSERT_EQ(unlink("n" + std::to_string(i)), 0);
  EXPECT_EQ(used_inodes(), 2u);
  EXPECT_TRUE(fsck_problems().empty());
}

TEST_F(FsTest, MountsAndReplaysACommittedLog) {
  mount(make_image());
  // A committed but not installed transaction: header with n = 1 naming a data block, whose new
  // contents sit in the first log slot.
  superblock s = sb();
  ASSERT_TRUE(put_file("f", pattern(BSIZE, 1)));
  unmount();
  // Find f's first block through the on-disk inode 3.
  dinode d;
  std::memcpy(&d, disk().block(IBLOCK(3, s)).data() + (3 % IPB) * sizeof(dinode), sizeof(d));
  ASSERT_NE(d.addrs[0], 0u);
  auto fresh = pattern(BSIZE, 99);
  std::memcpy(disk().block(s.logstart + 1).data(), fresh.data(), BSIZE);
  logheader lh{};
  lh.n = 1;
  lh.block[0] = static_cast<int>(d.addrs[0]);
  std::memcpy(disk().block(s.logstart).data(), &lh, sizeof(lh));
  remount();
  std::vector<uint8_t> got;
  ASSERT_TRUE(get_file("f", &got));
  EXPECT_EQ(got, fresh);
  logheader after;
  std::memcpy(&after, disk().block(s.logstart).data(), sizeof(after));
  EXPECT_EQ(after.n, 0);  // cleared after installing
}

// Random operations against a model: contents always match, fsck is clean after every call.
TEST_F(FsTest, RandomOperationsMatchAModel) {
  mount(make_image({.size = 600, .ninodes = 60, .nlog = LOGSIZE}));
  std::mt19937 rng(12345);
  std::map<std::string, std::vector<uint8_t>> model;
  const char* names[] = {"a", "b", "c", "d/x", "d/y", "e", "d/z/q"};
  ASSERT_EQ(mkdir("d"), 0);
  ASSERT_EQ(mkdir("d/z"), 0);
  uint32_t free0 = free_blocks();
  for (int step = 0; step < 400; step++) {
    std::string name = names[rng() % std::size(names)];
    switch (rng() % 4) {
      case 0:
      case 1: {  // write (create or overwrite from the start, or append)
        auto data = pattern(rng() % 20000, static_cast<uint32_t>(step));
        bool append = rng() % 2 == 0 && model.count(name);
        int64_t fd = open(name, O_CREATE | O_WRONLY | (append ? 0 : O_TRUNC));
        ASSERT_GE(fd, 0);
        std::vector<uint8_t>& m = model[name];
        if (!append) m.clear();
        if (append) {  // move the offset to the end by reading through a second descriptor
          close(fd);
          fd = open(name, O_RDWR);
          static const std::vector<uint8_t> space(4096);
          uint64_t buf = to_user(space.data(), space.size());
          for (;;) {
            set_args({static_cast<uint64_t>(fd), buf, 4096});
            if (sys_read() <= 0) break;
          }
        }
        int64_t n = write(fd, data);
        close(fd);
        if (n > 0) m.insert(m.end(), data.begin(), data.begin() + n);
        if (n != static_cast<int64_t>(data.size())) {
          EXPECT_EQ(free_blocks(), 0u) << "short write with room left";
        }
        break;
      }
      case 2:
        EXPECT_EQ(unlink(name), model.erase(name) ? 0 : -1) << name;
        break;
      case 3: {
        std::vector<uint8_t> got;
        bool exists = get_file(name, &got);
        ASSERT_EQ(exists, model.count(name) == 1) << name;
        if (exists) {
          EXPECT_EQ(got, model[name]) << name;
        }
        break;
      }
    }
    auto problems = fsck_problems();
    ASSERT_TRUE(problems.empty()) << "step " << step << ": " << problems.front();
  }
  for (auto& [name, data] : model) {
    std::vector<uint8_t> got;
    ASSERT_TRUE(get_file(name, &got));
    EXPECT_EQ(got, data);
    ASSERT_EQ(unlink(name), 0);
  }
  EXPECT_EQ(free_blocks(), free0);
}

}  // namespace
}  // namespace pagoda::fstest
