// mkfs, run as the build runs it: images read back byte by byte, and every refusal.
#include <gtest/gtest.h>

#include <set>

#include "tests/host/tools/test_util.h"

namespace pagoda::tools_test {
namespace {

const std::string kMkfs = PAGODA_MKFS_BIN;
const std::string kFsck = PAGODA_FSCK_BIN;

constexpr uint32_t kMaxFileBytes = MAXFILE * BSIZE;

class MkfsTest : public ::testing::Test {
 protected:
  // Writes `data` to the scratch directory as `name`; returns its path.
  std::string input(const std::string& name, const std::vector<uint8_t>& data) {
    std::string path = dir_ / name;
    write_file(path, data);
    return path;
  }
  RunResult mkfs(std::vector<std::string> args) {
    args.insert(args.begin(), kMkfs);
    return run(args);
  }
  RawImage image() const { return RawImage(read_file(img_)); }

  TempDir dir_;
  std::string img_ = dir_ / "fs.img";
};

TEST_F(MkfsTest, SuperblockHasXv6Layout) {
  ASSERT_EQ(mkfs({img_, input("README", {'h', 'i', '\n'})}).status, 0);
  RawImage im = image();
  EXPECT_EQ(im.blocks(), 2000u);
  EXPECT_EQ(im.sb().magic, FSMAGIC);
  EXPECT_EQ(im.sb().size, 2000u);
  // xv6: nmeta = 2 + 30 log + (200/16 + 1) inode blocks + (2000/8192 + 1) bitmap = 46.
  EXPECT_EQ(im.sb().nblocks, 1954u);
  EXPECT_EQ(im.sb().ninodes, 200u);
  EXPECT_EQ(im.sb().nlog, 30u);
  EXPECT_EQ(im.sb().logstart, 2u);
  EXPECT_EQ(im.sb().inodestart, 32u);
  EXPECT_EQ(im.sb().bmapstart, 45u);
}

TEST_F(MkfsTest, FlagsChangeTheGeometry) {
  ASSERT_EQ(mkfs({"-s", "20000", "-i", "500", "-l", "10", img_, input("a", {1})}).status, 0);
  RawImage im = image();
  EXPECT_EQ(im.blocks(), 20000u);
  EXPECT_EQ(im.sb().size, 20000u);
  EXPECT_EQ(im.sb().ninodes, 500u);
  EXPECT_EQ(im.sb().nlog, 10u);
  EXPECT_EQ(im.sb().inodestart, 12u);
  EXPECT_EQ(im.sb().bmapstart, 12u + 500 / IPB + 1);
  // 20000 blocks need 3 bitmap blocks (20000/8192 + 1).
  EXPECT_EQ(im.sb().nblocks, 20000u - (12 + 32 + 3));
  EXPECT_EQ(run({kFsck, img_}).status, 0);
}

TEST_F(MkfsTest, RootDirectoryNamesEachFileByBaseName) {
  ASSERT_EQ(mkfs({img_, input("README", {'x'}), input("_cat", {'y'}), input("_ls", {'z'}),
                  input("plain", {})})
                .status,
            0);
  RawImage im = image();
  dinode root = im.inode(ROOTINO);
  EXPECT_EQ(root.type, T_DIR);
  EXPECT_EQ(root.nlink, 1);
  EXPECT_EQ(root.size, static_cast<uint32_t>(BSIZE));  // xv6 mkfs rounds the root up to a block
  using Entries = std::vector<std::pair<std::string, uint32_t>>;
  EXPECT_EQ(im.entries(ROOTINO),
            (Entries{{".", 1}, {"..", 1}, {"README", 2}, {"cat", 3}, {"ls", 4}, {"plain", 5}}));
  EXPECT_EQ(im.inode(0).type, 0);
  EXPECT_EQ(im.inode(6).type, 0);
  EXPECT_EQ(im.contents(3), std::vector<uint8_t>{'y'});
}

TEST_F(MkfsTest, FileContentsReadBackThroughDirectAndIndirectBlocks) {
  // Sizes around each boundary: empty, one byte, one block, all direct, first indirect, MAXFILE.
  const std::vector<size_t> sizes = {
      0, 1, BSIZE, NDIRECT * BSIZE, NDIRECT * BSIZE + 1, 70000, kMaxFileBytes};
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
    EXPECT_EQ(d.addrs[NDIRECT] != 0, sizes[i] > NDIRECT * BSIZE);
    EXPECT_EQ(im.contents(inum), data[i]);
  }
}

TEST_F(MkfsTest, BitmapMarksExactlyTheUsedBlocks) {
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
      for (uint32_t i = 0; i < NINDIRECT; i++)
        if (uint32_t b = im.word(d.addrs[NDIRECT], i)) {
          EXPECT_TRUE(used.insert(b).second) << b;
        }
  }
  // 46 metadata + root 1 + a 3 + b 20 (+1 indirect).
  EXPECT_EQ(used.size(), 46u + 1 + 3 + 21);
  for (uint32_t b = 0; b < sb.size; b++) EXPECT_EQ(im.bit(b), used.count(b) == 1) << "block " << b;
}

TEST_F(MkfsTest, NameOfExactlyDirsizBytesIsStoredWithoutTerminator) {
  std::string name(DIRSIZ, 'n');
  ASSERT_EQ(mkfs({img_, input(name, {7})}).status, 0);
  RawImage im = image();
  EXPECT_EQ(im.entries(ROOTINO).back(), std::make_pair(name, 2u));
}

// Each refusal: nonzero exit and no image at the output path, even one left from before.
class MkfsErrorTest : public MkfsTest {
 protected:
  void SetUp() override { write_file(img_, std::vector<uint8_t>(BSIZE * 2000, 0)); }
  void expect_refused(const std::vector<std::string>& args) {
    RunResult r = mkfs(args);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.status, -1) << "mkfs crashed";
    EXPECT_FALSE(fs::exists(img_)) << "an image was left behind";
    for (const auto& entry : fs::directory_iterator(fs::path(img_).parent_path()))
      EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
  }
};

TEST_F(MkfsErrorTest, MissingInput) {
  expect_refused({img_, input("a", {1}), dir_ / "nope"});
}

TEST_F(MkfsErrorTest, DirectoryAsInput) {
  fs::create_directory(dir_ / "sub");
  expect_refused({img_, dir_ / "sub"});
}

TEST_F(MkfsErrorTest, NameLongerThanDirsiz) {
  expect_refused({img_, input(std::string(DIRSIZ + 1, 'n'), {1})});
}

TEST_F(MkfsErrorTest, NameLongerThanDirsizAfterUnderscore) {
  expect_refused({img_, input("_" + std::string(DIRSIZ + 1, 'n'), {1})});
}

TEST_F(MkfsErrorTest, EmptyNameAfterUnderscore) {
  expect_refused({img_, input("_", {1})});
}

TEST_F(MkfsErrorTest, DuplicateNames) {
  fs::create_directory(dir_ / "d");
  expect_refused({img_, input("cat", {1}), input("d/_cat", {2})});
}

TEST_F(MkfsErrorTest, FileLargerThanMaxfile) {
  expect_refused({img_, input("big", random_bytes(kMaxFileBytes + 1, 3))});
}

TEST_F(MkfsErrorTest, FilesNeedMoreBlocksThanTheImageHas) {
  // 100 blocks: 46 metadata, 54 data; the root takes one, 52 blocks need an indirect one too.
  expect_refused({"-s", "100", img_, input("a", random_bytes(52 * BSIZE + 1, 4))});
}

TEST_F(MkfsErrorTest, ManyFilesTogetherNeedMoreBlocksThanTheImageHas) {
  std::vector<std::string> args = {img_};
  for (int i = 0; i < 8; i++)
    args.push_back(input("f" + std::to_string(i), random_bytes(260 * BSIZE, i)));
  expect_refused(args);  // 8 * 261 blocks > 1954
}

TEST_F(MkfsErrorTest, MoreFilesThanInodes) {
  // -i 4: inode numbers 1..3, the root takes 1.
  expect_refused({"-i", "4", img_, input("a", {1}), input("b", {2}), input("c", {3})});
}

TEST_F(MkfsErrorTest, BadGeometry) {
  expect_refused({"-s", "40", img_, input("a", {1})});     // no data blocks
  expect_refused({"-i", "1", img_, input("a", {1})});      // no root inode
  expect_refused({"-i", "70000", img_, input("a", {1})});  // beyond a ushort
  expect_refused({"-l", "1", img_, input("a", {1})});      // no log
  expect_refused({"-s", "12x", img_, input("a", {1})});    // not a number
}

TEST_F(MkfsErrorTest, Usage) {
  EXPECT_EQ(mkfs({}).status, 2);
  EXPECT_EQ(mkfs({"-q", img_}).status, 2);
}

TEST_F(MkfsTest, LimitsThatJustFitAreAccepted) {
  // -i 4 holds the root and two files; 100 blocks hold a 52-block file and its indirect block.
  EXPECT_EQ(mkfs({"-i", "4", img_, input("a", {1}), input("b", {2})}).status, 0);
  EXPECT_EQ(mkfs({"-s", "100", img_, input("a", random_bytes(52 * BSIZE, 4))}).status, 0);
  EXPECT_EQ(run({kFsck, img_}).status, 0);
}

}  // namespace
}  // namespace pagoda::tools_test
