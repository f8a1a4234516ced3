// mkfs, run as the build runs it: images read back byte by byte, and every refusal.
#include <gtest/gtest.h>

#include <set>

#include "tests/host/tools/test_util.h"

namespace pagoda::tools_test {
namespace {

const std::string kMkfs = PAGODA_MKFS_BIN;
const std::string kFsck = PAGODA_FSCK_BIN;

class MkfsTest : public FormatTest {
 protected:
  static uint64_t max_file_bytes() { return fmt().max_file_bytes(); }
  // Writes `data` to the scratch directory as `name`; returns its path.
  std::string input(const std::string& name, const std::vector<uint8_t>& data) {
    std::string path = dir_ / name;
    write_file(path, data);
    return path;
  }
  // mkfs in this test's format (--format=... first, as the build passes it).
  RunResult mkfs(std::vector<std::string> args) {
    args.insert(args.begin(), {kMkfs, format_flag()});
    return run(args);
  }
  RawImage image() const { return RawImage(read_file(img_), fmt()); }
  // Data blocks left after the root directory's in an image of `size` blocks (200 inodes).
  static uint32_t free_after_root(uint32_t size) { return size - metadata_blocks(size, 200) - 1; }

  TempDir dir_;
  std::string img_ = dir_ / "fs.img";
};

PAGODA_FOR_EACH_FORMAT(MkfsTest);

TEST_P(MkfsTest, SuperblockHasXv6Layout) {
  ASSERT_EQ(mkfs({img_, input("README", {'h', 'i', '\n'})}).status, 0);
  RawImage im = image();
  // xv6-riscv: 2000 blocks of 1024; nmeta = 2 + 30 log + (200/16 + 1) inode blocks +
  // (2000/8192 + 1) bitmap = 46. xv6-x86: 1000 blocks of 512; 2 + 30 + (200/8 + 1) + 1 = 59.
  const bool riscv = fmt().has_magic;
  EXPECT_EQ(im.blocks(), riscv ? 2000u : 1000u);
  EXPECT_EQ(read_file(img_).size(), riscv ? 2048000u : 512000u);
  EXPECT_EQ(im.sb().magic, riscv ? uint32_t{FSMAGIC} : 0u);
  EXPECT_EQ(im.sb().size, riscv ? 2000u : 1000u);
  EXPECT_EQ(im.sb().nblocks, riscv ? 1954u : 941u);
  EXPECT_EQ(im.sb().ninodes, 200u);
  EXPECT_EQ(im.sb().nlog, 30u);
  EXPECT_EQ(im.sb().logstart, 2u);
  EXPECT_EQ(im.sb().inodestart, 32u);
  EXPECT_EQ(im.sb().bmapstart, riscv ? 45u : 58u);
}

// Today's command line (no --format) still makes xv6-riscv images, byte for byte the same.
TEST(MkfsDefaultTest, WithoutFormatFlagTheImageIsXv6Riscv) {
  TempDir dir;
  write_file(dir / "README", {'h', 'i'});
  ASSERT_EQ(run({kMkfs, dir / "a.img", dir / "README"}).status, 0);
  ASSERT_EQ(run({kMkfs, "--format=xv6-riscv", dir / "b.img", dir / "README"}).status, 0);
  EXPECT_EQ(read_file(dir / "a.img"), read_file(dir / "b.img"));
  RawImage im(read_file(dir / "a.img"), kFsXv6Riscv);
  EXPECT_EQ(im.sb().magic, uint32_t{FSMAGIC});
  EXPECT_EQ(im.blocks(), 2000u);
  EXPECT_EQ(run({kMkfs, "--format=xv6-arm", dir / "c.img", dir / "README"}).status, 2);
  EXPECT_FALSE(fs::exists(dir / "c.img"));
}

TEST_P(MkfsTest, FlagsChangeTheGeometry) {
  ASSERT_EQ(mkfs({"-s", "20000", "-i", "500", "-l", "10", img_, input("a", {1})}).status, 0);
  RawImage im = image();
  EXPECT_EQ(im.blocks(), 20000u);
  EXPECT_EQ(im.sb().size, 20000u);
  EXPECT_EQ(im.sb().ninodes, 500u);
  EXPECT_EQ(im.sb().nlog, 10u);
  EXPECT_EQ(im.sb().inodestart, 12u);
  const uint32_t inode_blocks = 500 / fmt().inodes_per_block() + 1;
  EXPECT_EQ(inode_blocks, fmt().has_magic ? 32u : 63u);
  EXPECT_EQ(im.sb().bmapstart, 12u + inode_blocks);
  // 20000 blocks need 3 bitmap blocks of 8192 bits (xv6-riscv), 5 of 4096 (xv6-x86).
  EXPECT_EQ(im.sb().nblocks, 20000u - (12 + inode_blocks + (fmt().has_magic ? 3 : 5)));
  EXPECT_EQ(run({kFsck, img_}).status, 0);
}

TEST_P(MkfsTest, RootDirectoryNamesEachFileByBaseName) {
  ASSERT_EQ(mkfs({img_, input("README", {'x'}), input("_cat", {'y'}), input("_ls", {'z'}),
                  input("plain", {})})
                .status,
            0);
  RawImage im = image();
  dinode root = im.inode(ROOTINO);
  EXPECT_EQ(root.type, T_DIR);
  EXPECT_EQ(root.nlink, 1);
  EXPECT_EQ(root.size, bs());  // xv6 mkfs rounds the root up to a block
  using Entries = std::vector<std::pair<std::string, uint32_t>>;
  EXPECT_EQ(im.entries(ROOTINO),
            (Entries{{".", 1}, {"..", 1}, {"README", 2}, {"cat", 3}, {"ls", 4}, {"plain", 5}}));
  EXPECT_EQ(im.inode(0).type, 0);
  EXPECT_EQ(im.inode(6).type, 0);
  EXPECT_EQ(im.contents(3), std::vector<uint8_t>{'y'});
}

TEST_P(MkfsTest, FileContentsReadBackThroughDirectAndIndirectBlocks) {
  // Sizes around each boundary: empty, one byte, one block, all direct, first indirect, MAXFILE.
  const std::vector<size_t> sizes = {
      0, 1, bs(), NDIRECT * bs(), NDIRECT * bs() + 1, 70000, max_file_bytes()};
  std::vector<std::string> args = {img_};
  std::vector<std::vector<uint8_t>> data;
  for (size_t i = 0; i < sizes.size(); i++) {
    data.push_back(random_bytes(sizes[i], static_cast<uint32_t>(i)));
    args.push_back(input("f" + std::to_string(i), data.back()));
  }
  ASSERT_EQ(mkfs(args).status, 0);
  RawImage im = image();
  for (size_t i = 0; i < sizes.size(); i++) {
    uint32_t inum = static_cast<uint32_t>(i) + 2;
    SCOPED_TRACE("file f" + std::to_string(i));
    dinode d = im.inode(inum);
    EXPECT_EQ(d.type, T_FILE);
    EXPECT_EQ(d.nlink, 1);
    EXPECT_EQ(d.size, sizes[i]);
    EXPECT_EQ(d.addrs[NDIRECT] != 0, sizes[i] > NDIRECT * bs());
    EXPECT_EQ(im.contents(inum), data[i]);
  }
}

TEST_P(MkfsTest, BitmapMarksExactlyTheUsedBlocks) {
  ASSERT_EQ(
      mkfs({img_, input("a", random_bytes(3000, 1)), input("b", random_bytes(20000, 2))}).status,
      0);
  RawImage im = image();
  const superblock& sb = im.sb();
  std::set<uint32_t> used;
  for (uint32_t b = 0; b < sb.size - sb.nblocks; b++) used.insert(b);  // metadata
  for (uint32_t inum = 1; inum < sb.ninodes; inum++) {
    dinode d = im.inode(inum);
    if (d.type == 0) continue;
    for (uint32_t i = 0; i <= NDIRECT; i++)
      if (d.addrs[i]) {
        EXPECT_TRUE(used.insert(d.addrs[i]).second) << "block " << d.addrs[i];
      }
    if (d.addrs[NDIRECT])
      for (uint32_t i = 0; i < fmt().indirect_entries(); i++)
        if (uint32_t b = im.word(d.addrs[NDIRECT], i)) {
          EXPECT_TRUE(used.insert(b).second) << b;
        }
  }
  // Metadata + root 1 + a + b (+1 indirect): 46 + 1 + 3 + 21 blocks of 1024 bytes.
  const uint32_t a = (3000 + bs() - 1) / bs(), b = (20000 + bs() - 1) / bs();
  EXPECT_EQ(used.size(), sb.size - sb.nblocks + 1 + a + b + 1);
  if (fmt().has_magic) {
    EXPECT_EQ(used.size(), 46u + 1 + 3 + 21);
  }
  for (uint32_t b = 0; b < sb.size; b++) EXPECT_EQ(im.bit(b), used.count(b) == 1) << "block " << b;
}

TEST_P(MkfsTest, NameOfExactlyDirsizBytesIsStoredWithoutTerminator) {
  std::string name(DIRSIZ, 'n');
  ASSERT_EQ(mkfs({img_, input(name, {7})}).status, 0);
  RawImage im = image();
  EXPECT_EQ(im.entries(ROOTINO).back(), std::make_pair(name, 2u));
}

// Each refusal: nonzero exit and no image at the output path, even one left from before.
class MkfsErrorTest : public MkfsTest {
 protected:
  void SetUp() override { write_file(img_, std::vector<uint8_t>(bs() * 2000, 0)); }
  void expect_refused(const std::vector<std::string>& args) {
    RunResult r = mkfs(args);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.status, -1) << "mkfs crashed";
    EXPECT_FALSE(fs::exists(img_)) << "an image was left behind";
    for (const auto& entry : fs::directory_iterator(fs::path(img_).parent_path()))
      EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
  }
};

PAGODA_FOR_EACH_FORMAT(MkfsErrorTest);

TEST_P(MkfsErrorTest, MissingInput) {
  expect_refused({img_, input("a", {1}), dir_ / "nope"});
}

TEST_P(MkfsErrorTest, DirectoryAsInput) {
  fs::create_directory(dir_ / "sub");
  expect_refused({img_, dir_ / "sub"});
}

TEST_P(MkfsErrorTest, NameLongerThanDirsiz) {
  expect_refused({img_, input(std::string(DIRSIZ + 1, 'n'), {1})});
}

TEST_P(MkfsErrorTest, NameLongerThanDirsizAfterUnderscore) {
  expect_refused({img_, input("_" + std::string(DIRSIZ + 1, 'n'), {1})});
}

TEST_P(MkfsErrorTest, EmptyNameAfterUnderscore) {
  expect_refused({img_, input("_", {1})});
}

TEST_P(MkfsErrorTest, DuplicateNames) {
  fs::create_directory(dir_ / "d");
  expect_refused({img_, input("cat", {1}), input("d/_cat", {2})});
}

TEST_P(MkfsErrorTest, FileLargerThanMaxfile) {
  expect_refused({img_, input("big", random_bytes(max_file_bytes() + 1, 3))});
}

TEST_P(MkfsErrorTest, FilesNeedMoreBlocksThanTheImageHas) {
  // 100 blocks: 46 metadata, 54 data (xv6-x86: 59, 41); the root takes one, and a file of all
  // but one of the rest and a byte needs an indirect block too.
  const uint32_t left = free_after_root(100);
  EXPECT_EQ(left, fmt().has_magic ? 53u : 40u);
  expect_refused({"-s", "100", img_, input("a", random_bytes((left - 1) * bs() + 1, 4))});
}

TEST_P(MkfsErrorTest, ManyFilesTogetherNeedMoreBlocksThanTheImageHas) {
  std::vector<std::string> args = {img_};
  // Each file as large as MAXFILE allows, less 8 blocks: 8 * 261 blocks > 1954 (8 * 133 > 941).
  const uint32_t blocks = maxfile() - 8;
  for (int i = 0; i < 8; i++)
    args.push_back(input("f" + std::to_string(i), random_bytes(blocks * bs(), i)));
  ASSERT_GT(8 * (blocks + 1), fmt().default_size - metadata_blocks(fmt().default_size, 200));
  expect_refused(args);
}

TEST_P(MkfsErrorTest, MoreFilesThanInodes) {
  // -i 4: inode numbers 1..3, the root takes 1.
  expect_refused({"-i", "4", img_, input("a", {1}), input("b", {2}), input("c", {3})});
}

TEST_P(MkfsErrorTest, BadGeometry) {
  expect_refused({"-s", "40", img_, input("a", {1})});     // no data blocks
  expect_refused({"-i", "1", img_, input("a", {1})});      // no root inode
  expect_refused({"-i", "70000", img_, input("a", {1})});  // beyond a ushort
  expect_refused({"-l", "1", img_, input("a", {1})});      // no log
  expect_refused({"-s", "12x", img_, input("a", {1})});    // not a number
}

TEST_P(MkfsErrorTest, Usage) {
  EXPECT_EQ(mkfs({}).status, 2);
  EXPECT_EQ(mkfs({"-q", img_}).status, 2);
}

TEST_P(MkfsTest, LimitsThatJustFitAreAccepted) {
  // -i 4 holds the root and two files; 100 blocks hold a 52-block file and its indirect block
  // (xv6-x86: 39 blocks).
  EXPECT_EQ(mkfs({"-i", "4", img_, input("a", {1}), input("b", {2})}).status, 0);
  const uint32_t left = free_after_root(100);
  EXPECT_EQ(mkfs({"-s", "100", img_, input("a", random_bytes((left - 1) * bs(), 4))}).status, 0);
  EXPECT_EQ(run({kFsck, img_}).status, 0);
}

}  // namespace
}  // namespace pagoda::tools_test
