// Crash safety on the host: record every block the kernel writes during a run of file operations,
// then for every prefix of those writes (a power cut after write k) check that fsck finds the
// image clean and that the kernel, mounting it, sees every finished operation and none that had
// not started.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/host/fs/fs_test_util.h"

namespace pagoda::fstest {
namespace {

struct Op {
  enum Kind { kCreate, kUnlink } kind;
  std::string name;
  std::vector<uint8_t> contents;  // kCreate
  size_t first_write = 0;         // disk writes before the operation started
  size_t last_write = 0;          // disk writes once it had returned
};

class FsCrashTest : public FsFixture {
 protected:
  enum class Seen { kNotStarted, kPartial, kDone, kWrong };

  // What the recovered file system shows of op. A file is written one transaction (filewrite's
  // 3-block chunk) at a time, so a cut file holds whole chunks of its contents.
  Seen observe(const Op& op) {
    std::vector<uint8_t> got;
    bool exists = get_file(op.name, &got);
    if (op.kind == Op::kUnlink) return exists ? Seen::kNotStarted : Seen::kDone;
    if (!exists) return Seen::kNotStarted;
    if (got == op.contents) return Seen::kDone;
    constexpr size_t kChunk = 3 * BSIZE;
    if (got.size() < op.contents.size() && got.size() % kChunk == 0 &&
        std::equal(got.begin(), got.end(), op.contents.begin())) {
      return Seen::kPartial;
    }
    return Seen::kWrong;
  }
};

TEST_F(FsCrashTest, EveryCutRecoversToAConsistentPrefix) {
  fslib::Image base = make_image({.size = 800, .ninodes = 50, .nlog = LOGSIZE});
  mount(base);
  fslib::Image start = disk();  // after mount (which cleared the log)
  attach_disk(start);           // start recording from here
  remount();
  size_t mount_writes = disk_writes().size();

  std::vector<Op> ops;
  for (int i = 0; i < 12; i++) {
    Op op{Op::kCreate, "f" + std::to_string(i), pattern(500 + 2900 * static_cast<size_t>(i), i)};
    op.first_write = disk_writes().size();
    ASSERT_TRUE(put_file(op.name, op.contents));
    op.last_write = disk_writes().size();
    ops.push_back(op);
    if (i % 3 == 2) {
      Op rm{Op::kUnlink, "f" + std::to_string(i - 1), {}};
      rm.first_write = disk_writes().size();
      ASSERT_EQ(unlink(rm.name), 0);
      rm.last_write = disk_writes().size();
      ops.push_back(rm);
    }
  }
  unmount();
  std::vector<DiskWrite> writes = disk_writes();
  ASSERT_GT(writes.size(), 100u);

  int partial_seen = 0;
  for (size_t cut = mount_writes; cut <= writes.size(); cut++) {
    fslib::Image image = start;
    for (size_t w = 0; w < cut; w++)
      std::memcpy(image.block(writes[w].blockno).data(), writes[w].data.data(), BSIZE);
    auto problems = fsck::check(image).problems;
    ASSERT_TRUE(problems.empty()) << "cut after write " << cut << ": " << problems.front();

    attach_disk(image);
    remount();  // recovery
    // The latest state of each name decides; an op that finished must show, one that had not
    // started must not, one in flight may go either way but not half.
    for (const Op& op : ops) {
      // Only the last op on a name is observable.
      bool later = false;
      for (const Op& other : ops) {
        if (other.name == op.name && other.first_write > op.first_write && other.first_write < cut)
          later = true;
      }
      if (later) continue;
      Seen seen = observe(op);
      ASSERT_NE(seen, Seen::kWrong) << "cut " << cut << ": " << op.name << " holds wrong bytes";
      if (op.last_write <= cut) {
        EXPECT_EQ(seen, Seen::kDone) << "cut " << cut << ": finished op on " << op.name << " lost";
      } else if (op.first_write >= cut && op.kind == Op::kCreate) {
        EXPECT_EQ(seen, Seen::kNotStarted)
            << "cut " << cut << ": " << op.name << " before it started";
      }
      if (seen == Seen::kPartial) partial_seen++;
    }
    unmount();
    auto after = fsck::check(disk()).problems;
    ASSERT_TRUE(after.empty()) << "after recovery from cut " << cut << ": " << after.front();
  }
  EXPECT_GT(partial_seen, 0);  // some cuts did land between a file's transactions
}

}  // namespace
}  // namespace pagoda::fstest
