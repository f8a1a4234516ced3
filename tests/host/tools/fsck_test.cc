// fsck: clean on what mkfs makes, and each class of corruption seeded into an image is reported.
#include "tools/fsck/checker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/host/tools/test_util.h"
#include "tools/fslib/bitmap.h"
#include "tools/fslib/builder.h"
#include "tools/fslib/dir.h"
#include "tools/fslib/inode.h"
#include "tools/fslib/log.h"

namespace pagoda::tools_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const std::string kMkfs = PAGODA_MKFS_BIN;
const std::string kFsck = PAGODA_FSCK_BIN;

// An image with files (one with an indirect block) and nested directories:
//   / a(2) b(3) sub(4)/ c(5) other(6)/
class FsckTest : public FormatTest {
 protected:
  FsckTest() : image_(build()), sb_(fslib::SuperBlock::read(image_)) {}

  static fslib::Image build() {
    auto b = fslib::FsBuilder::create(defaults());
    EXPECT_TRUE(b.ok());
    EXPECT_EQ(*b->add_file(ROOTINO, "a", random_bytes(3000, 1)), 2u);
    EXPECT_EQ(*b->add_file(ROOTINO, "b", random_bytes(20000, 2)), 3u);
    EXPECT_EQ(*b->add_directory(ROOTINO, "sub"), 4u);
    EXPECT_EQ(*b->add_file(4, "c", random_bytes(10, 3)), 5u);
    EXPECT_EQ(*b->add_directory(ROOTINO, "other"), 6u);
    return std::move(*b).finish();
  }

  std::vector<std::string> problems() const { return fsck::check(image_).problems; }

  fslib::InodeTable inodes() { return fslib::InodeTable(image_, sb_); }
  fslib::Bitmap bitmap() { return fslib::Bitmap(image_, sb_); }
  dinode inode(uint32_t inum) { return inodes().get(inum); }
  void put(uint32_t inum, const dinode& d) { inodes().put(inum, d); }
  uint32_t free_block() const { return 300; }  // far beyond what build() uses
  // "[data start, size)" as fsck prints the data area.
  std::string data_area() const {
    return "[" + std::to_string(sb_.data_start()) + ", " + std::to_string(sb_.size()) + ")";
  }
  void write_superblock(const superblock& raw) { fslib::SuperBlock(fmt(), raw).write(image_); }

  // Overwrites the entry `name` of directory `dir` with (inum, new_name).
  void rewrite_entry(uint32_t dir, const std::string& name, uint32_t inum,
                     const std::string& new_name) {
    dinode d = inode(dir);
    auto contents = fslib::InodeReader(image_, sb_).read_all(d);
    ASSERT_TRUE(contents.ok());
    for (const auto& e : fslib::parse_directory(*contents)) {
      if (e.name != name) continue;
      uint32_t block = fslib::InodeReader(image_, sb_).block_map(d, e.offset / bs() + 1).back();
      image_.write(block, e.offset % bs(), fslib::make_dirent(inum, new_name));
      return;
    }
    FAIL() << "no entry " << name;
  }

  fslib::Image image_;
  fslib::SuperBlock sb_;
};

PAGODA_FOR_EACH_FORMAT(FsckTest);

TEST_P(FsckTest, CleanImage) {
  EXPECT_THAT(problems(), IsEmpty());
}

TEST_P(FsckTest, UsedBlockFreeInBitmap) {
  uint32_t b = inode(2).addrs[1];
  bitmap().mark_free(b);
  EXPECT_THAT(problems(), ElementsAre("block " + std::to_string(b) +
                                      ": used by inode 2 but free in the bitmap"));
}

TEST_P(FsckTest, IndirectBlockFreeInBitmap) {
  uint32_t b = inode(3).addrs[NDIRECT];
  bitmap().mark_free(b);
  EXPECT_THAT(problems(),
              ElementsAre(HasSubstr("block " + std::to_string(b) + ": used by inode 3")));
}

TEST_P(FsckTest, MetadataFreeInBitmap) {
  bitmap().mark_free(sb_.inodestart());
  EXPECT_THAT(problems(), ElementsAre(HasSubstr("metadata but free in the bitmap")));
}

TEST_P(FsckTest, FreeBlockMarkedInBitmap) {
  bitmap().mark_used(free_block());
  EXPECT_THAT(problems(),
              ElementsAre("block 300: marked in use in the bitmap but no inode uses it"));
}

TEST_P(FsckTest, BlockClaimedByTwoInodes) {
  dinode c = inode(5);
  uint32_t orphaned = c.addrs[0];
  c.addrs[0] = inode(2).addrs[0];
  put(5, c);
  EXPECT_THAT(problems(),
              UnorderedElementsAre("block " + std::to_string(c.addrs[0]) +
                                       ": claimed twice, by inode 2 addrs[0] and inode 5 addrs[0]",
                                   "block " + std::to_string(orphaned) +
                                       ": marked in use in the bitmap but no inode uses it"));
}

TEST_P(FsckTest, BlockClaimedTwiceInsideOneIndirectBlock) {
  dinode b = inode(3);
  uint32_t first = image_.read<uint32_t>(b.addrs[NDIRECT], 0);
  uint32_t orphaned = image_.read<uint32_t>(b.addrs[NDIRECT], 4);
  image_.write<uint32_t>(b.addrs[NDIRECT], 4, first);
  EXPECT_THAT(problems(),
              UnorderedElementsAre(
                  HasSubstr("claimed twice, by inode 3 indirect[0] and inode 3 indirect[1]"),
                  HasSubstr("block " + std::to_string(orphaned) + ": marked")));
}

TEST_P(FsckTest, BlockPointerOutOfRange) {
  dinode a = inode(2);
  uint32_t orphaned = a.addrs[0];
  a.addrs[0] = 5000;
  a.addrs[1] = sb_.inodestart();  // metadata is not a data block either
  uint32_t orphaned1 = inode(2).addrs[1];
  put(2, a);
  EXPECT_THAT(problems(), UnorderedElementsAre(
                              "inode 2: addrs[0] = 5000 is outside the data blocks " + data_area(),
                              "inode 2: addrs[1] = 32 is outside the data blocks " + data_area(),
                              HasSubstr("block " + std::to_string(orphaned) + ": marked"),
                              HasSubstr("block " + std::to_string(orphaned1) + ": marked")));
}

TEST_P(FsckTest, IndirectEntryOutOfRange) {
  image_.write<uint32_t>(inode(3).addrs[NDIRECT], 2 * sizeof(uint32_t), 77777);
  EXPECT_THAT(
      problems(),
      testing::Contains("inode 3: indirect[2] = 77777 is outside the data blocks " + data_area()));
}

TEST_P(FsckTest, WrongLinkCount) {
  dinode a = inode(2);
  a.nlink = 2;
  put(2, a);
  dinode sub = inode(4);
  sub.nlink = 1;  // "sub" in the root and nothing else: but there is no subdirectory, so 1 is right
  put(4, sub);
  dinode root = inode(ROOTINO);
  root.nlink = 1;  // should be 3: its own "..", sub's and other's
  put(ROOTINO, root);
  EXPECT_THAT(problems(), UnorderedElementsAre("inode 2: nlink 2 but 1 directory entries name it",
                                               "inode 1: nlink 1 but 3 directory entries name it"));
}

TEST_P(FsckTest, MissingDotDot) {
  rewrite_entry(4, "..", 0, "");
  EXPECT_THAT(problems(), UnorderedElementsAre("directory 4: no '..' entry",
                                               "inode 1: nlink 3 but 2 directory entries name it"));
}

TEST_P(FsckTest, MissingDot) {
  rewrite_entry(6, ".", 0, "");
  EXPECT_THAT(problems(), ElementsAre("directory 6: no '.' entry"));
}

TEST_P(FsckTest, DotNamingAnotherInode) {
  rewrite_entry(6, ".", 4, ".");
  EXPECT_THAT(problems(), ElementsAre(HasSubstr("entry '.' (offset 0) names inode 4, not itself")));
}

TEST_P(FsckTest, WrongDotDot) {
  rewrite_entry(6, "..", 4, "..");
  EXPECT_THAT(problems(),
              UnorderedElementsAre("directory 6: '..' names inode 4 but its parent is 1",
                                   "inode 1: nlink 3 but 2 directory entries name it",
                                   "inode 4: nlink 1 but 2 directory entries name it"));
}

TEST_P(FsckTest, RootDotDotNamingAnotherDirectory) {
  rewrite_entry(ROOTINO, "..", 4, "..");
  EXPECT_THAT(problems(),
              UnorderedElementsAre("directory 1: '..' names inode 4 but its parent is 1",
                                   "inode 1: nlink 3 but 2 directory entries name it",
                                   "inode 4: nlink 1 but 2 directory entries name it"));
}

TEST_P(FsckTest, EntryNamingFreeInode) {
  rewrite_entry(ROOTINO, "a", 150, "a");
  EXPECT_THAT(problems(),
              UnorderedElementsAre("directory 1: entry 'a' (offset 32) names free inode 150",
                                   "inode 2: allocated but not reachable from the root",
                                   "inode 2: nlink 1 but 0 directory entries name it"));
}

// What the kernel did with a full inode table (issue 15): a second entry of an existing name.
TEST_P(FsckTest, DuplicateName) {
  rewrite_entry(ROOTINO, "b", 2, "a");
  EXPECT_THAT(problems(),
              UnorderedElementsAre("directory 1: entry 'a' (offset 48) repeats a name already in "
                                   "the directory",
                                   "inode 2: nlink 1 but 2 directory entries name it",
                                   "inode 3: allocated but not reachable from the root",
                                   "inode 3: nlink 1 but 0 directory entries name it"));
}

TEST_P(FsckTest, EntryBeyondInodeTable) {
  rewrite_entry(4, "c", 999, "c");
  EXPECT_THAT(problems(), testing::Contains(HasSubstr("names inode 999, beyond ninodes 200")));
}

TEST_P(FsckTest, UnreachableInode) {
  dinode lost{};
  lost.type = T_FILE;
  put(100, lost);  // nlink 0 and no entry: counts agree, but nothing reaches it
  EXPECT_THAT(problems(), ElementsAre("inode 100: allocated but not reachable from the root"));
}

TEST_P(FsckTest, DirectoryWithTwoParents) {
  rewrite_entry(6, "..", 4, "..");
  rewrite_entry(ROOTINO, "other", 4, "again");  // root now names sub twice
  auto p = problems();
  EXPECT_THAT(p, testing::Contains("directory 4: has more than one parent (directories 1 and 1)"));
  EXPECT_THAT(p, testing::Contains("inode 6: allocated but not reachable from the root"));
}

TEST_P(FsckTest, BadType) {
  dinode a = inode(2);
  a.type = 9;
  put(2, a);
  auto p = problems();
  EXPECT_THAT(p, testing::Contains("inode 2: bad type 9"));
  EXPECT_THAT(p, testing::Contains(HasSubstr("names free inode 2")));
}

TEST_P(FsckTest, SizeBeyondBlocks) {
  dinode a = inode(2);
  const uint32_t blocks = (3000 + bs() - 1) / bs();  // 3 of 1024 bytes, 6 of 512
  a.size = (blocks + 2) * bs();
  put(2, a);
  EXPECT_THAT(problems(),
              ElementsAre("inode 2: size " + std::to_string(a.size) + " but file block " +
                          std::to_string(blocks) + " has no disk block"));
}

TEST_P(FsckTest, SizeBeyondMaxfile) {
  dinode a = inode(2);
  a.size = maxfile() * bs() + 1;
  put(2, a);
  EXPECT_THAT(problems(), testing::Contains(HasSubstr("exceeds MAXFILE")));
}

TEST_P(FsckTest, DirectorySizeNotWholeEntries) {
  dinode d = inode(6);
  d.size = 40;
  put(6, d);
  EXPECT_THAT(problems(), ElementsAre("directory 6: size 40 is not a multiple of 16"));
}

TEST_P(FsckTest, RootNotADirectory) {
  dinode root = inode(ROOTINO);
  root.type = T_FILE;
  put(ROOTINO, root);
  EXPECT_THAT(problems(), testing::Contains("inode 1: the root is not a directory"));
}

TEST_P(FsckTest, BadMagicStopsTheCheck) {
  if (!fmt().has_magic) GTEST_SKIP() << fmt().name << " has no magic number";
  superblock raw = sb_.raw();
  raw.magic = 0x1234;
  write_superblock(raw);
  EXPECT_THAT(problems(), ElementsAre("superblock: bad magic 0x1234 (want 0x10203040)"));
}

TEST_P(FsckTest, SuperblockLayoutErrors) {
  superblock raw = sb_.raw();
  raw.size = 4000;     // larger than the image
  raw.bmapstart = 40;  // inside the inode blocks
  write_superblock(raw);
  auto p = problems();
  EXPECT_THAT(p, testing::Contains("superblock: size 4000 blocks but the image has " +
                                   std::to_string(fmt().default_size)));
  EXPECT_THAT(p, testing::Contains(HasSubstr("bmapstart 40 overlaps the inodes")));
}

// Without a magic number, a layout in order but not mkfs's is not a superblock (xv6-riscv's
// magic number makes such a layout acceptable there).
TEST_P(FsckTest, SuperblockWithoutMagicNeedsMkfsLayout) {
  superblock raw = sb_.raw();
  raw.nlog -= 1;  // a gap between the log and the inodes
  write_superblock(raw);
  if (fmt().has_magic) {
    EXPECT_THAT(problems(), testing::Not(testing::Contains(HasSubstr("superblock"))));
  } else {
    EXPECT_THAT(problems(), ElementsAre("superblock: the inodes do not follow the log (no magic "
                                        "number: the layout must be mkfs's)"));
  }
}

TEST_P(FsckTest, TinyImage) {
  EXPECT_THAT(fsck::check(fslib::Image(fmt(), 1)).problems,
              ElementsAre(HasSubstr("has no superblock")));
  EXPECT_THAT(fsck::check(fslib::Image(fmt(), 2)).problems,
              ElementsAre(HasSubstr(fmt().has_magic ? "bad magic 0" : "nblocks 0 leaves no room")));
}

// A crash after commit: the home bitmap block is stale, the log holds the committed copy.
TEST_P(FsckTest, PendingLogIsReplayedBeforeChecking) {
  uint32_t bmap = sb_.bmapstart();
  auto committed = std::vector<uint8_t>(image_.block(bmap).begin(), image_.block(bmap).end());
  uint32_t b = inode(2).addrs[0];
  bitmap().mark_free(b);  // stale home copy
  fslib::Log(image_, sb_).commit({bmap}, {committed});
  fsck::Report r = fsck::check(image_);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_THAT(r.notes, ElementsAre("log has 1 blocks to replay"));
}

TEST_P(FsckTest, CorruptionInsideTheLogIsFound) {
  uint32_t bmap = sb_.bmapstart();
  auto bad = std::vector<uint8_t>(image_.block(bmap).begin(), image_.block(bmap).end());
  bad[300 / 8] |= 1u << (300 % 8);  // the committed bitmap marks free block 300
  fslib::Log(image_, sb_).commit({bmap}, {bad});
  fsck::Report r = fsck::check(image_);
  EXPECT_THAT(r.problems,
              ElementsAre("block 300: marked in use in the bitmap but no inode uses it"));
  EXPECT_THAT(r.notes, ElementsAre("log has 1 blocks to replay"));
}

TEST_P(FsckTest, CorruptLogHeader) {
  logheader lh{};
  lh.n = 31;
  image_.write(sb_.logstart(), 0, lh);
  EXPECT_THAT(problems(), ElementsAre("log header: count 31 outside [0, 29]"));
  lh.n = 1;
  lh.block[0] = 1;  // the superblock is never logged
  image_.write(sb_.logstart(), 0, lh);
  EXPECT_THAT(problems(), ElementsAre("log header: block[0] = 1 outside [32, " +
                                      std::to_string(sb_.size()) + ")"));
}

// The binaries: exit codes, one line per problem, and the image is never written. fsck finds the
// format itself (the image is made with --format), and --format names it.
class FsckBinaryTest : public FormatTest {};
PAGODA_FOR_EACH_FORMAT(FsckBinaryTest);

TEST_P(FsckBinaryTest, ExitCodesAndReadOnly) {
  TempDir dir;
  std::string img = dir / "fs.img";
  write_file(dir / "_prog", random_bytes(15000, 9));
  ASSERT_EQ(run({kMkfs, format_flag(), img, dir / "_prog"}).status, 0);
  RunResult clean = run({kFsck, img});
  EXPECT_EQ(clean.status, 0);
  EXPECT_EQ(clean.out, "");
  EXPECT_EQ(run({kFsck, format_flag(), img}).status, 0);

  // Seed two problems through the file: a free block marked used and a wrong nlink.
  std::vector<uint8_t> bytes = read_file(img);
  RawImage raw(bytes, fmt());
  bytes[size_t{raw.sb().bmapstart} * bs() + 100] |= 1;  // block 800
  size_t prog = size_t{raw.sb().inodestart} * bs() + 2 * sizeof(dinode);
  bytes[prog + offsetof(dinode, nlink)] = 5;
  write_file(img, bytes);
  RunResult bad = run({kFsck, img});
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.out,
            "block 800: marked in use in the bitmap but no inode uses it\n"
            "inode 2: nlink 5 but 1 directory entries name it\n");
  EXPECT_EQ(read_file(img), bytes) << "fsck wrote to the image";

  EXPECT_EQ(run({kFsck}).status, 2);
  EXPECT_EQ(run({kFsck, img, img}).status, 2);
  EXPECT_EQ(run({kFsck, dir / "missing.img"}).status, 2);
  EXPECT_EQ(run({kFsck, "--format=xv6-arm", img}).status, 2);
}

// The other format's name on the command line: its superblock is not there.
TEST_P(FsckBinaryTest, WrongFormatFlagFindsNoSuperblock) {
  TempDir dir;
  std::string img = dir / "fs.img";
  write_file(dir / "f", random_bytes(100, 1));
  ASSERT_EQ(run({kMkfs, format_flag(), img, dir / "f"}).status, 0);
  const FsFormat& other = fmt().has_magic ? kFsXv6X86 : kFsXv6Riscv;
  RunResult r = run({kFsck, std::string("--format=") + other.name, img});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("superblock: ", 0), 0u) << r.out;
  // Zeroed block 1 of either size: no file system of any format.
  std::vector<uint8_t> bytes = read_file(img);
  std::fill(bytes.begin() + 512, bytes.begin() + 2048, 0);
  write_file(img, bytes);
  r = run({kFsck, img});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("no file system of a known format:\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\nxv6-riscv: superblock: bad magic 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nxv6-x86: superblock: "), std::string::npos) << r.out;
}

TEST_P(FsckBinaryTest, PendingLogIsNotAnInconsistency) {
  TempDir dir;
  std::string img = dir / "fs.img";
  write_file(dir / "f", random_bytes(100, 1));
  ASSERT_EQ(run({kMkfs, format_flag(), img, dir / "f"}).status, 0);
  std::vector<uint8_t> bytes = read_file(img);
  RawImage raw(bytes, fmt());
  // Log one block: a copy of the root inode block, unchanged.
  uint32_t home = raw.sb().inodestart;
  std::copy_n(&bytes[size_t{home} * bs()], bs(), &bytes[size_t{raw.sb().logstart + 1} * bs()]);
  logheader lh{};
  lh.n = 1;
  lh.block[0] = static_cast<int>(home);
  std::memcpy(&bytes[size_t{raw.sb().logstart} * bs()], &lh, sizeof lh);
  write_file(img, bytes);
  RunResult r = run({kFsck, img});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "log has 1 blocks to replay\n");
  EXPECT_EQ(read_file(img), bytes);
}

}  // namespace
}  // namespace pagoda::tools_test
