// FsBuilder, the library under mkfs: failed calls change nothing, directories and links.
#include "tools/fslib/builder.h"

#include <gtest/gtest.h>

#include "tests/host/tools/test_util.h"
#include "tools/fsck/checker.h"
#include "tools/fslib/dir.h"
#include "tools/fslib/inode.h"

namespace pagoda::tools_test {
namespace {

using fslib::FsBuilder;
using fslib::Geometry;

FsBuilder make(Geometry g) {
  auto b = FsBuilder::create(g);
  EXPECT_TRUE(b.ok()) << b.error().message;
  return std::move(*b);
}

class FsBuilderTest : public FormatTest {};
PAGODA_FOR_EACH_FORMAT(FsBuilderTest);

TEST_P(FsBuilderTest, FailedAddFileChangesNothing) {
  FsBuilder b = make(geometry(100, 4, 30));
  ASSERT_TRUE(b.add_file(ROOTINO, "a", random_bytes(10 * bs(), 1)).ok());
  uint32_t blocks = b.free_blocks();
  uint32_t inodes = b.free_inodes();
  ASSERT_LE(blocks, maxfile());
  auto big = b.add_file(ROOTINO, "big", random_bytes(blocks * bs(), 2));  // needs an indirect too
  EXPECT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Error::kNoSpace);
  EXPECT_NE(big.error().message.find("out of data blocks"), std::string::npos)
      << big.error().message;
  EXPECT_EQ(b.add_file(ROOTINO, "a", {}).error().code, Error::kExists);
  EXPECT_EQ(b.add_file(ROOTINO, "..", {}).error().code, Error::kInvalid);
  // inode 2 is a file, not a directory
  EXPECT_EQ(b.add_file(2, "x", {}).error().code, Error::kNotDirectory);
  EXPECT_EQ(b.free_blocks(), blocks);
  EXPECT_EQ(b.free_inodes(), inodes);
  ASSERT_TRUE(b.add_file(ROOTINO, "b", {}).ok());
  auto full = b.add_file(ROOTINO, "c", {});
  EXPECT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Error::kNoSpace);
  EXPECT_NE(full.error().message.find("out of inodes"), std::string::npos) << full.error().message;
  fsck::Report r = fsck::check(std::move(b).finish());
  EXPECT_TRUE(r.clean()) << r.problems.front();
}

TEST_P(FsBuilderTest, DirectoriesAndLinksMakeAConsistentTree) {
  FsBuilder b = make(defaults());
  auto sub = b.add_directory(ROOTINO, "sub");
  ASSERT_TRUE(sub.ok());
  auto deep = b.add_directory(*sub, "deep");
  ASSERT_TRUE(deep.ok());
  auto f = b.add_file(*deep, "f", random_bytes(5000, 3));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(b.link(ROOTINO, "alias", *f).ok());
  fslib::Image image = std::move(b).finish();
  fslib::SuperBlock sb = fslib::SuperBlock::read(image);
  fslib::InodeTable inodes(image, sb);
  EXPECT_EQ(inodes.get(ROOTINO).nlink, 2);  // its own ".." and sub's ".."
  EXPECT_EQ(inodes.get(*sub).nlink, 2);     // "sub" and deep's ".."
  EXPECT_EQ(inodes.get(*deep).nlink, 1);
  EXPECT_EQ(inodes.get(*f).nlink, 2);
  auto contents = fslib::InodeReader(image, sb).read_all(inodes.get(*deep));
  ASSERT_TRUE(contents.ok());
  auto entries = fslib::parse_directory(*contents);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].name, "..");
  EXPECT_EQ(entries[1].inum, *sub);
  fsck::Report r = fsck::check(std::move(image));
  EXPECT_TRUE(r.clean()) << r.problems.front();
}

TEST_P(FsBuilderTest, RejectsImpossibleGeometry) {
  // xv6-riscv: 2 + 30 + (200/16 + 1) + 1 = 46 metadata blocks; xv6-x86: 2 + 30 + (200/8 + 1) + 1.
  const uint32_t meta = fmt().has_magic ? 46 : 59;
  ASSERT_EQ(metadata_blocks(meta, 200, 30), meta);
  EXPECT_EQ(FsBuilder::create(geometry(meta, 200, 30)).error().code, Error::kInvalid);
  EXPECT_TRUE(FsBuilder::create(geometry(meta + 1, 200, 30)).ok());
  EXPECT_FALSE(FsBuilder::create(geometry(2000, 65537, 30)).ok());
  EXPECT_FALSE(FsBuilder::create(geometry(2000, 200, LOGSIZE + 2)).ok());
}

// Every layout mkfs plans passes the superblock checks, the no-magic layout rule included, and
// one block more or less in any region of an xv6-x86 superblock breaks that rule.
TEST_P(FsBuilderTest, EveryPlannedLayoutIsSound) {
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; i++) {
    Geometry g = geometry(60 + rng() % 100000, 2 + rng() % 5000, 2 + rng() % (LOGSIZE));
    auto sb = fslib::SuperBlock::plan(g);
    if (!sb.ok()) continue;  // too small for its metadata
    SCOPED_TRACE(std::to_string(g.size) + " " + std::to_string(g.ninodes) + " " +
                 std::to_string(g.nlog));
    ASSERT_TRUE(sb->problems(g.size).empty()) << sb->problems(g.size).front();
    ASSERT_EQ(layout_problem(fmt(), sb->raw()), nullptr);
    if (fmt().has_magic) continue;
    superblock gap = sb->raw();
    gap.bmapstart += 1;  // one more inode block than mkfs makes
    gap.nblocks -= 1;    // (and the bitmap and data moved along)
    EXPECT_NE(layout_problem(fmt(), gap), nullptr);
  }
}

// What the builder writes is the format's: block size, superblock words, indirect reach.
TEST_P(FsBuilderTest, ImageIsInItsFormat) {
  FsBuilder b = make(defaults());
  auto f = b.add_file(ROOTINO, "max", random_bytes(uint64_t{maxfile()} * bs(), 4));
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(
      b.add_file(ROOTINO, "over", random_bytes(uint64_t{maxfile()} * bs() + 1, 5)).error().code,
      Error::kTooBig);
  fslib::Image image = std::move(b).finish();
  EXPECT_EQ(image.bytes().size(), uint64_t{fmt().default_size} * bs());
  RawImage raw(image.bytes(), fmt());
  EXPECT_EQ(raw.word(1, 0), fmt().has_magic ? uint32_t{FSMAGIC} : fmt().default_size);
  EXPECT_EQ(raw.sb().size, fmt().default_size);
  EXPECT_EQ(raw.sb().ninodes, 200u);
  EXPECT_EQ(raw.word(1, fmt().superblock_words()), 0u);  // nothing after the last word
  dinode d = raw.inode(*f);
  EXPECT_NE(raw.word(d.addrs[NDIRECT], fmt().indirect_entries() - 1), 0u);
  EXPECT_TRUE(fsck::check(std::move(image)).clean());
}

}  // namespace
}  // namespace pagoda::tools_test
