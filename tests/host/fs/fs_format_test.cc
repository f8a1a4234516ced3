// What the kernel's compiled-in on-disk format (kFsFormat) means on the disk: block addressing,
// the superblock's layout, how far the indirect block reaches, and (xv6-x86, no magic number) a
// superblock believed only for mkfs's geometry. Built into both suites (fs.* and fs_x86.*).
#include <gtest/gtest.h>

#include "tests/host/fs/fs_test_util.h"

namespace pagoda::fstest {
namespace {

// The on-disk structures are the same in both formats; the block size sets the rest.
static_assert(sizeof(dinode) == 64 && sizeof(dirent) == 16 && DIRSIZ == 14 && NDIRECT == 12);
static_assert(IPB == BSIZE / 64 && NINDIRECT == BSIZE / 4 && MAXFILE == NDIRECT + BSIZE / 4);
static_assert(PAGODA_FS_FORMAT_XV6_X86 ? BSIZE == 512 && MAXFILE == 140 && IPB == 8
                                       : BSIZE == 1024 && MAXFILE == 268 && IPB == 16);
static_assert(&kFsFormat == (PAGODA_FS_FORMAT_XV6_X86 ? &kFsXv6X86 : &kFsXv6Riscv));

class FsFormatTest : public FsFixture {
 protected:
  // Boots on image; whether the mount succeeded. The console keeps what the kernel said.
  bool mounts(fslib::Image image) {
    unmount();
    attach_disk(std::move(image));
    console().clear();
    fs_boot_init();
    if (!fs_mount_root(ROOTDEV).ok()) return false;
    myproc()->cwd = namei("/");
    return myproc()->cwd != nullptr;
  }
  static uint32_t word(const fslib::Image& img, uint32_t block, uint32_t index) {
    return img.read<uint32_t>(block, 4 * index);
  }
  static dinode inode(uint32_t inum) {
    superblock s = sb();
    return disk().read<dinode>(IBLOCK(inum, s), inum % IPB * sizeof(dinode));
  }
};

TEST_F(FsFormatTest, SuperblockWordsAreTheFormats) {
  fslib::Image img = make_image();
  ASSERT_EQ(img.block_size(), static_cast<uint32_t>(BSIZE));
  superblock s = read_sb(img);
  // xv6-riscv: magic first; xv6-x86: size first, nothing after the seventh word.
  const uint32_t first = kFsFormat.has_magic ? 1 : 0;
  if (kFsFormat.has_magic) {
    EXPECT_EQ(word(img, 1, 0), static_cast<uint32_t>(FSMAGIC));
  }
  EXPECT_EQ(word(img, 1, first + 0), kFsFormat.default_size);
  EXPECT_EQ(word(img, 1, first + 0), s.size);
  EXPECT_EQ(word(img, 1, first + 2), 200u);  // ninodes
  EXPECT_EQ(word(img, 1, first + 3), 30u);   // nlog
  EXPECT_EQ(word(img, 1, first + 4), 2u);    // logstart
  EXPECT_EQ(word(img, 1, first + 5), 32u);   // inodestart
  EXPECT_EQ(word(img, 1, first + 6), s.bmapstart);
  EXPECT_EQ(s.bmapstart, 32u + 200 / IPB + 1);
  for (uint32_t i = kFsFormat.superblock_words(); i < BSIZE / 4; i++)
    EXPECT_EQ(word(img, 1, i), 0u);
  EXPECT_TRUE(mounts(std::move(img)));
}

// A file's byte i is at disk byte addrs[i / BSIZE] * BSIZE + i % BSIZE, through the indirect
// block past NDIRECT blocks, and a file reaches exactly MAXFILE blocks.
TEST_F(FsFormatTest, BlocksAreAddressedInBlockSizeUnitsUpToMaxfile) {
  mount(make_image());
  const auto data = pattern(MAXFILE * BSIZE, 5);
  ASSERT_TRUE(put_file("max", data));
  std::vector<uint8_t> got;
  ASSERT_TRUE(get_file("max", &got));
  EXPECT_EQ(got, data);
  // At the end of a full file, one more byte does not fit.
  int64_t fd = open("max", O_RDWR);
  ASSERT_GE(fd, 0);
  const std::vector<uint8_t> chunk(BSIZE, 0);
  uint64_t buf = to_user(chunk.data(), chunk.size());
  for (uint32_t b = 0; b < MAXFILE; b++) {
    set_args({static_cast<uint64_t>(fd), buf, BSIZE});
    ASSERT_EQ(sys_read(), BSIZE);
  }
  EXPECT_EQ(write(fd, {1}), -1);
  close(fd);

  XvStat st;
  ASSERT_TRUE(stat("max", &st));
  EXPECT_EQ(st.size, static_cast<uint64>(MAXFILE * BSIZE));
  dinode d = inode(st.ino);
  ASSERT_NE(d.addrs[NDIRECT], 0u);
  for (uint32_t i : {0u, NDIRECT - 1u, NDIRECT + 0u, static_cast<uint32_t>(MAXFILE - 1)}) {
    uint32_t block = i < NDIRECT ? d.addrs[i] : word(disk(), d.addrs[NDIRECT], i - NDIRECT);
    auto on_disk = disk().block(block);
    EXPECT_TRUE(std::equal(on_disk.begin(), on_disk.end(), data.begin() + i * BSIZE)) << i;
  }
  // The last indirect entry is the last one the block has room for.
  EXPECT_NE(word(disk(), d.addrs[NDIRECT], NINDIRECT - 1), 0u);
  EXPECT_TRUE(fsck_problems().empty());
}

// An image of the other format has no file system of this one: refused in one line.
TEST_F(FsFormatTest, ImageOfTheOtherFormatIsRefused) {
  const FsFormat& other = kFsFormat.has_magic ? kFsXv6X86 : kFsXv6Riscv;
  auto b = fslib::FsBuilder::create(fslib::Geometry::defaults(other));
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(b->add_file(ROOTINO, "README", pattern(3000, 7)).ok());
  fslib::Image theirs = std::move(*b).finish();
  EXPECT_FALSE(mounts(fslib::Image::from_bytes(theirs.bytes(), kFsFormat)));
  ASSERT_EQ(console().size(), 1u);
  EXPECT_EQ(console()[0].rfind("fs: cannot mount device 1: superblock: ", 0), 0u) << console()[0];
}

// Without a magic number a superblock is believed only when its regions are where mkfs puts
// them; each of these keeps the regions in order and inside the disk, so only the layout rule
// refuses it. (xv6-riscv has a magic number and accepts such layouts where they are usable.)
TEST_F(FsFormatTest, SuperblockWithoutMagicNeedsMkfsGeometry) {
  const fslib::Image pristine = make_image();
  const superblock s = read_sb(pristine);
  auto with = [&](auto change) {
    fslib::Image img = pristine;
    superblock t = s;
    change(t);
    write_sb(img, t);
    return img;
  };
  struct Case {
    const char* name;
    fslib::Image image;
    const char* why;
    // With a magic number, what the general checks make of it: the first three mount; moving the
    // data start over the root directory's block leaves the root unreadable.
    bool mounts_with_magic = true;
  };
  std::vector<Case> cases;
  cases.push_back({"gap after the log", with([](superblock& t) { t.nlog -= 1; }),
                   "the inodes do not follow the log"});
  cases.push_back({"log after block 2", with([](superblock& t) {
                     t.logstart += 1;
                     t.nlog -= 1;
                   }),
                   "the log does not start at block 2"});
  cases.push_back({"two spare inode blocks", with([](superblock& t) { t.ninodes -= IPB; }),
                   "the inode blocks do not fit ninodes"});
  cases.push_back({"two spare bitmap blocks", with([](superblock& t) { t.nblocks -= 1; }),
                   "the bitmap blocks do not fit the size", false});
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    bool mounted = mounts(std::move(c.image));
    if (kFsFormat.has_magic) {
      EXPECT_EQ(mounted, c.mounts_with_magic);
      continue;
    }
    EXPECT_FALSE(mounted);
    ASSERT_EQ(console().size(), 1u);
    EXPECT_EQ(console()[0], std::string("fs: cannot mount device 1: superblock: ") + c.why + "\n");
  }
  // A zeroed block 1 (no superblock at all) is refused by both.
  fslib::Image zero = pristine;
  std::fill(zero.block(1).begin(), zero.block(1).end(), 0);
  EXPECT_FALSE(mounts(std::move(zero)));
}

}  // namespace
}  // namespace pagoda::fstest
