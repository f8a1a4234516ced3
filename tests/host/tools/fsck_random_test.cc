// fsck against a model: every single bitmap flip is found and named, random images built from a
// random file list read back and check clean, and random garbage never crashes the checker.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "tests/host/tools/test_util.h"
#include "tools/fsck/checker.h"
#include "tools/fslib/bitmap.h"
#include "tools/fslib/builder.h"

namespace pagoda::tools_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FsckModelTest : public FormatTest {};
PAGODA_FOR_EACH_FORMAT(FsckModelTest);

TEST_P(FsckModelTest, EveryBitmapFlipIsReportedForItsBlock) {
  auto b = fslib::FsBuilder::create(defaults());
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(b->add_file(ROOTINO, "big", random_bytes(40 * bs(), 1)).ok());
  const fslib::Image clean = std::move(*b).finish();
  const fslib::SuperBlock sb = fslib::SuperBlock::read(clean);
  for (uint32_t block = 0; block < sb.size(); block++) {
    fslib::Image image = clean;
    fslib::Bitmap bitmap(image, sb);
    bool was_used = bitmap.in_use(block);
    was_used ? bitmap.mark_free(block) : bitmap.mark_used(block);
    auto problems = fsck::check(std::move(image)).problems;
    ASSERT_THAT(problems, ElementsAre(HasSubstr("block " + std::to_string(block) + ": ")))
        << "block " << block << (was_used ? " freed" : " marked used");
  }
}

// Random trees of files and directories, built and read back against a map of what was written.
TEST_P(FsckModelTest, RandomTreesReadBackAndCheckClean) {
  for (uint32_t seed = 0; seed < 40; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    auto b = fslib::FsBuilder::create(geometry(2000, 200));
    ASSERT_TRUE(b.ok());
    std::vector<uint32_t> dirs = {ROOTINO};
    std::map<uint32_t, std::vector<uint8_t>> files;
    for (int i = 0; i < 30; i++) {
      uint32_t parent = dirs[rng() % dirs.size()];
      std::string name = "n" + std::to_string(i);
      if (rng() % 4 == 0) {
        auto d = b->add_directory(parent, name);
        ASSERT_TRUE(d.ok()) << d.error().message;
        dirs.push_back(*d);
      } else {
        // Mostly small, sometimes across the indirect boundary.
        size_t size = rng() % 3 == 0 ? rng() % (40 * bs()) : rng() % (2 * bs());
        auto data = random_bytes(size, seed * 100 + i);
        auto f = b->add_file(parent, name, data);
        ASSERT_TRUE(f.ok()) << f.error().message;
        files[*f] = data;
      }
    }
    fslib::Image image = std::move(*b).finish();
    RawImage raw(image.bytes(), fmt());
    for (const auto& [inum, data] : files) EXPECT_EQ(raw.contents(inum), data) << "inode " << inum;
    auto report = fsck::check(std::move(image));
    EXPECT_TRUE(report.clean()) << report.problems.front();
  }
}

// Garbage in the inode table, directories, indirect blocks, bitmap and log header: fsck reports
// something and never throws or crashes.
TEST_P(FsckModelTest, RandomGarbageNeverCrashes) {
  auto b = fslib::FsBuilder::create(defaults());
  ASSERT_TRUE(b.ok());
  auto sub = b->add_directory(ROOTINO, "sub");
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(b->add_file(*sub, "f", random_bytes(30 * bs(), 2)).ok());
  const fslib::Image clean = std::move(*b).finish();
  const fslib::SuperBlock sb = fslib::SuperBlock::read(clean);
  uint32_t used_end = sb.data_start() + 40;  // the data blocks in use
  for (uint32_t seed = 0; seed < 300; seed++) {
    std::mt19937 rng(seed);
    fslib::Image image = clean;
    int flips = 1 + static_cast<int>(rng() % 64);
    for (int i = 0; i < flips; i++) {
      // Anything from the log header to the last used data block, superblock excepted.
      uint32_t block = sb.logstart() + rng() % (used_end - sb.logstart());
      if (block > sb.logstart() && block < sb.inodestart()) continue;  // log bodies are inert
      image.block(block)[rng() % bs()] = static_cast<uint8_t>(rng());
    }
    fsck::Report report;
    ASSERT_NO_THROW(report = fsck::check(std::move(image))) << "seed " << seed;
  }
}

}  // namespace
}  // namespace pagoda::tools_test
