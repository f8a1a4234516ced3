// Disk-block and inode exhaustion by injection (kernel/fs/fs_faults.h, issue 15): every block and
// inode allocation of create, mkdir, link and a long write fails in turn, as on a full disk or a
// full inode table. Each call gives -1 (a write: what landed), the disk keeps every block and
// inode it had, and fsck finds nothing wrong.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "kernel/fs/fs_faults.h"
#include "tests/host/fs/fs_test_util.h"

namespace pagoda::fstest {
namespace {

class FsFaultTest : public FsFixture {
 protected:
  void TearDown() override {
    set_fs_fault_plan(FsAllocator::kBlocks, mm::FaultPlan());
    set_fs_fault_plan(FsAllocator::kInodes, mm::FaultPlan());
    FsFixture::TearDown();
  }

  // A root directory whose block holds exactly one block of entries, so that the next name needs
  // a new block: "." "..", README and links to README.
  void fill_root_block() {
    for (int i = 3; i < BSIZE / static_cast<int>(sizeof(dirent)); i++)
      ASSERT_EQ(link("README", "l" + std::to_string(i)), 0);
    XvStat root;
    ASSERT_TRUE(stat("/", &root));
    ASSERT_EQ(root.size, static_cast<uint64>(BSIZE));
  }

  // Runs op with which's nth allocation failing, n = 1, 2, ..., until it makes fewer than n
  // allocations. A failed op must give -1 and leave the free blocks, used inodes and fsck as they
  // were; the successful one is undone. Returns the number of failure points.
  int sweep(FsAllocator which, const std::function<int64_t()>& op,
            const std::function<void()>& undo) {
    for (int n = 1; n < 64; n++) {
      const uint32_t free0 = free_blocks();
      const uint32_t inodes0 = used_inodes();
      set_fs_fault_plan(which, mm::FaultPlan::nth(n));
      const int64_t r = op();
      if (set_fs_fault_plan(which, mm::FaultPlan()) == 0) {
        EXPECT_GE(r, 0);
        undo();
        return n - 1;
      }
      EXPECT_EQ(r, -1) << "allocation " << n;
      EXPECT_EQ(free_blocks(), free0) << "allocation " << n;
      EXPECT_EQ(used_inodes(), inodes0) << "allocation " << n;
      EXPECT_TRUE(fsck_problems().empty()) << "allocation " << n;
    }
    ADD_FAILURE() << "more than 63 allocations";
    return 0;
  }
};

TEST_F(FsFaultTest, AllFailingIsAFullDisk) {
  mount(make_image());
  const uint32_t free0 = free_blocks();
  set_fs_fault_plan(FsAllocator::kBlocks, mm::FaultPlan::all());
  int64_t fd = open("f", O_CREATE | O_RDWR);  // an empty file needs no block
  ASSERT_GE(fd, 0);
  EXPECT_EQ(write(fd, pattern(100, 1)), -1);
  close(fd);
  EXPECT_EQ(mkdir("d"), -1);
  EXPECT_EQ(set_fs_fault_plan(FsAllocator::kBlocks, mm::FaultPlan()), 2u);
  EXPECT_EQ(free_blocks(), free0);
  set_fs_fault_plan(FsAllocator::kInodes, mm::FaultPlan::all());
  EXPECT_EQ(open("g", O_CREATE | O_RDWR), -1);
  EXPECT_EQ(fs_injected_faults(FsAllocator::kInodes), 1u);
  set_fs_fault_plan(FsAllocator::kInodes, mm::FaultPlan());
  ASSERT_EQ(unlink("f"), 0);
  EXPECT_EQ(free_blocks(), free0);
  EXPECT_TRUE(fsck_problems().empty());
}

// Each sweep on a fresh disk: the successful call at its end grows the root by a block.
TEST_F(FsFaultTest, CreateAndMkdirAtEveryPoint) {
  for (FsAllocator which : {FsAllocator::kInodes, FsAllocator::kBlocks}) {
    mount(make_image());
    fill_root_block();
    int points = sweep(
        which,
        [&] {
          int64_t fd = open("new", O_CREATE | O_RDWR);
          if (fd >= 0) close(fd);
          return fd < 0 ? -1 : 0;
        },
        [&] { ASSERT_EQ(unlink("new"), 0); });
    EXPECT_EQ(points, 1);  // the inode, or the root's new block

    mount(make_image());
    fill_root_block();
    points = sweep(
        which, [&] { return mkdir("sub"); }, [&] { ASSERT_EQ(unlink("sub"), 0); });
    EXPECT_EQ(points, which == FsAllocator::kBlocks ? 2 : 1);  // its own block, the root's
    EXPECT_TRUE(fsck_problems().empty());
  }
}

TEST_F(FsFaultTest, LinkAtEveryPoint) {
  mount(make_image());
  fill_root_block();
  int points = sweep(
      FsAllocator::kBlocks, [&] { return link("README", "new"); },
      [&] { ASSERT_EQ(unlink("new"), 0); });
  EXPECT_EQ(points, 1);
  XvStat st;
  ASSERT_TRUE(stat("README", &st));
  EXPECT_EQ(st.nlink, BSIZE / static_cast<int>(sizeof(dirent)) - 2);
}

// A write past the direct blocks: each failure point keeps what landed, and the size says so.
TEST_F(FsFaultTest, WriteAtEveryPoint) {
  mount(make_image());
  const auto data = pattern((NDIRECT + 2) * BSIZE, 3);
  for (int n = 1;; n++) {
    ASSERT_LT(n, 64);
    const uint32_t free0 = free_blocks();
    int64_t fd = open("w", O_CREATE | O_RDWR | O_TRUNC);
    ASSERT_GE(fd, 0);
    set_fs_fault_plan(FsAllocator::kBlocks, mm::FaultPlan::nth(n));
    const int64_t r = write(fd, data);
    const bool injected = set_fs_fault_plan(FsAllocator::kBlocks, mm::FaultPlan()) != 0;
    XvStat st;
    ASSERT_TRUE(fstat(fd, &st));
    close(fd);
    if (!injected) {
      EXPECT_EQ(r, static_cast<int64_t>(data.size()));
      EXPECT_EQ(n, NDIRECT + 2 + 1 + 1);  // 14 data blocks and the indirect one made 15
      break;
    }
    // The nth allocation failed: n - 1 blocks landed (the indirect block is the 13th).
    const int64_t landed = (n <= NDIRECT + 1 ? n - 1 : n - 2) * BSIZE;
    EXPECT_EQ(r, landed > 0 ? landed : -1) << "allocation " << n;
    EXPECT_EQ(static_cast<int64_t>(st.size), landed);
    std::vector<uint8_t> got;
    ASSERT_TRUE(get_file("w", &got));
    EXPECT_EQ(got, std::vector<uint8_t>(data.begin(), data.begin() + landed));
    EXPECT_TRUE(fsck_problems().empty()) << "allocation " << n;
    ASSERT_EQ(unlink("w"), 0);
    EXPECT_EQ(free_blocks(), free0);
  }
  ASSERT_EQ(unlink("w"), 0);
  EXPECT_TRUE(fsck_problems().empty());
}

}  // namespace
}  // namespace pagoda::fstest
