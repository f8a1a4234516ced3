// fsfailtests: the file system out of disk blocks or inodes at every point (issue 15). allocfail's
// ALLOCFAIL_BLOCKS and ALLOCFAIL_INODES targets (kernel/allocfail.h) make the 1st, 2nd, ...
// allocation of an operation fail in turn, exactly as a full disk or a full inode table would:
// create, mkdir, link and a write that crosses into the indirect block each give -1 (a write: what
// it managed, the file's size saying the same) and leave nothing behind; then the same operation
// succeeds. A seeded random round runs programs (echo into a new file, cat through a pipe) while
// both allocators fail at random. Whether any block or inode leaked is for fsck on the image
// afterwards (tests/qemu/test_fsfail.py); each sweep prints how many failures it injected.
// Usage: fsfailtests [subtest...]
#include "kernel/fs.h"
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr int kDirentsPerBlock = BSIZE / sizeof(struct dirent);
constexpr int kMaxPoints = 64;  // no operation here makes more allocations than this
constexpr int kTargets[] = {ALLOCFAIL_INODES, ALLOCFAIL_BLOCKS};
alignas(8) uchar g_buf[16 * BSIZE];
alignas(8) uchar g_back[16 * BSIZE];

const char* target_name(int target) {
  return target == ALLOCFAIL_BLOCKS ? "blocks" : "inodes";
}

short nlink_of(const char* path) {
  struct stat st;
  CHECK_EQ(stat(path, &st), 0);
  return st.nlink;
}

// After a failed call that would have made path: no such name, and counted's links as they were.
void check_not_made(const char* path, const char* counted, short links) {
  struct stat st;
  CHECK(stat(path, &st) < 0, "a failed call left ", path);
  CHECK_EQ(nlink_of(counted), links);
}

// After the call that made path: counted has the one link more, and path goes again.
void remove_made(const char* path, const char* counted, short links) {
  CHECK_EQ(nlink_of(counted), links + 1);
  CHECK_EQ(unlink(path), 0);
}

// The name of /ffc's ith link to /ffc/base.
const char* link_name(int i) {
  static char name[] = "/ffc/l00";
  name[6] = static_cast<char>('0' + i / 10);
  name[7] = static_cast<char>('0' + i % 10);
  return name;
}

// Removes /ffc and everything the subtests put there (more names than remove_tree takes).
void remove_full_dir() {
  for (int i = 3; i < kDirentsPerBlock; ++i) unlink(link_name(i));
  unlink("/ffc/base");
  unlink("/ffc/new");
  unlink("/ffc/sub");
  unlink("/ffc");
}

// /ffc holds exactly one block of entries ("." and ".." and links to /ffc/base), so that the next
// name added to it needs a new directory block.
void make_full_dir() {
  remove_full_dir();
  CHECK_EQ(mkdir("/ffc"), 0);
  int fd = open("/ffc/base", O_CREATE | O_RDWR);
  CHECK(fd >= 0);
  close(fd);
  for (int i = 3; i < kDirentsPerBlock; ++i) CHECK_EQ(link("/ffc/base", link_name(i)), 0);
  struct stat st;
  CHECK_EQ(stat("/ffc", &st), 0);
  CHECK_EQ(st.size, static_cast<uint64>(BSIZE));
}

// Runs op with target's nth allocation failing, n = 1, 2, ... until op makes no more allocations
// than n - 1 (then it must succeed). After each injected failure op must have given -1 and
// unchanged() must hold; after the success, undo() removes what op made. Returns the failures.
template <class Op, class Unchanged, class Undo>
int sweep(const char* what, int target, Op op, Unchanged unchanged, Undo undo) {
  for (int n = 1; n <= kMaxPoints; ++n) {
    CHECK_EQ(allocfail(target | ALLOCFAIL_NTH, n, 0), 0);
    const int r = op();
    const int injected = allocfail(target | ALLOCFAIL_OFF, 0, 0);
    if (injected == 0) {
      CHECK(r >= 0, what, " without a failure gave ", r);
      undo();
      say("fsfail: ", what, " ", target_name(target), ": ", n - 1, " failure points");
      return n - 1;
    }
    CHECK(r == -1, what, " with ", target_name(target), " allocation ", n, " failing gave ", r);
    unchanged();
  }
  CHECK(false, what, " made more than ", kMaxPoints, " allocations");
  return 0;
}

// Each sweep on a fresh /ffc: the successful call at its end grows the directory by a block.
void create_every_point() {
  for (int target : kTargets) {
    make_full_dir();
    const short dir_links = nlink_of("/ffc");
    int points = sweep(
        "create", target,
        [] {
          int fd = open("/ffc/new", O_CREATE | O_RDWR);
          if (fd >= 0) close(fd);
          return fd;
        },
        [&] { check_not_made("/ffc/new", "/ffc", dir_links); },
        [] { CHECK_EQ(unlink("/ffc/new"), 0); });
    CHECK(points >= 1, "create allocated no ", target_name(target));
  }
  remove_full_dir();
}

void mkdir_every_point() {
  for (int target : kTargets) {
    make_full_dir();
    const short dir_links = nlink_of("/ffc");
    int points = sweep(
        "mkdir", target, [] { return mkdir("/ffc/sub"); },
        [&] { check_not_made("/ffc/sub", "/ffc", dir_links); },
        [&] { remove_made("/ffc/sub", "/ffc", dir_links); });
    // The new directory's own block and the parent's next block.
    CHECK(points >= (target == ALLOCFAIL_BLOCKS ? 2 : 1), "mkdir: ", points, " points");
  }
  remove_full_dir();
}

void link_every_point() {
  make_full_dir();
  const short base_links = nlink_of("/ffc/base");
  int points = sweep(
      "link", ALLOCFAIL_BLOCKS, [] { return link("/ffc/base", "/ffc/new"); },
      [&] { check_not_made("/ffc/new", "/ffc/base", base_links); },
      [&] { remove_made("/ffc/new", "/ffc/base", base_links); });
  CHECK(points >= 1, "link allocated no block");
  remove_full_dir();
}

// One write of 14 blocks (past the 12 direct ones, so the indirect block too) into a new file,
// with each of its block allocations failing in turn: the write returns what it wrote (-1 for
// nothing), the file is exactly that long and holds exactly those bytes.
void write_every_point() {
  constexpr int kBytes = 14 * BSIZE;
  fill_pattern(g_buf, kBytes, 5);
  int fd = -1;
  int written = 0;
  int points = sweep(
      "write", ALLOCFAIL_BLOCKS,
      [&] {
        unlink("/ffw");
        fd = open("/ffw", O_CREATE | O_RDWR);
        CHECK(fd >= 0);
        // The create takes no block (the root directory has room for the name), so every
        // block counted is the write's.
        written = write(fd, g_buf, kBytes);
        return written == kBytes ? 0 : -1;
      },
      [&] {
        CHECK(written < kBytes);
        struct stat st;
        CHECK_EQ(fstat(fd, &st), 0);
        const uint64 expect = written > 0 ? static_cast<uint64>(written) : 0;
        CHECK_EQ(st.size, expect);
        close(fd);
        fd = open("/ffw", O_RDONLY);
        CHECK(fd >= 0);
        CHECK_EQ(read(fd, g_back, kBytes), static_cast<int>(expect));
        CHECK(memcmp(g_back, g_buf, expect) == 0, "the bytes written are not the file's");
        close(fd);
      },
      [&] {
        close(fd);
        CHECK_EQ(unlink("/ffw"), 0);
      });
  CHECK(points >= 15, "write: ", points, " points (14 data blocks and the indirect one)");
}

// Programs under random block and inode failures: echo into a new file (exec, create, write),
// then cat of it through a pipe. Each step either works or fails cleanly; what arrives through the
// pipe is what the file holds, and the file holds what echo's writes that worked wrote: echo
// writes its word and then "\n", each of which may fail on its own (echo ignores the errors).
void programs_random() {
  constexpr const char kWord[] = "hello-out-of-space";
  constexpr int kWordLen = sizeof kWord - 1;
  int failed = 0, injected = 0;
  CHECK_EQ(mkdir("/ffp"), 0);
  for (int round = 0; round < 24; ++round) {
    allocfail(ALLOCFAIL_BLOCKS | ALLOCFAIL_RANDOM, ALLOCFAIL_ONE_IN / 3, 100 + round);
    allocfail(ALLOCFAIL_INODES | ALLOCFAIL_RANDOM, ALLOCFAIL_ONE_IN / 3, 200 + round);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      close(1);
      if (open("/ffp/out", O_CREATE | O_WRONLY | O_TRUNC) != 1) exit(3);
      const char* argv[] = {"echo", kWord, nullptr};
      exec("/echo", const_cast<char**>(argv));
      exit(4);
    }
    const int echo_status = wait_for(pid);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      close(1);
      CHECK_EQ(dup(p[1]), 1);
      close(p[0]);
      close(p[1]);
      const char* argv[] = {"cat", "/ffp/out", nullptr};
      exec("/cat", const_cast<char**>(argv));
      exit(4);
    }
    close(p[1]);
    static char piped[64], direct[64];
    int got = 0, r;
    while (got < static_cast<int>(sizeof piped) && (r = read(p[0], piped + got, 8)) > 0) got += r;
    close(p[0]);
    const int cat_status = wait_for(pid);
    injected += allocfail(ALLOCFAIL_BLOCKS | ALLOCFAIL_OFF, 0, 0);
    injected += allocfail(ALLOCFAIL_INODES | ALLOCFAIL_OFF, 0, 0);
    if (echo_status != 0 || cat_status != 0) ++failed;
    int fd = open("/ffp/out", O_RDONLY);
    if (fd < 0) {
      CHECK(echo_status != 0, "echo succeeded but its file is missing");
      continue;
    }
    const int have = read(fd, direct, sizeof direct);
    close(fd);
    const bool word = have >= kWordLen && memcmp(direct, kWord, kWordLen) == 0;
    const int rest = word ? have - kWordLen : have;
    const char* tail = direct + (word ? kWordLen : 0);
    CHECK(rest == 0 || (rest == 1 && tail[0] == '\n'),
          "the file holds something echo did not write (", have, " bytes)");
    if (cat_status == 0) {
      CHECK_EQ(got, have);
      CHECK(memcmp(piped, direct, got) == 0, "cat's bytes differ from the file's");
    }
  }
  say("fsfail: programs: ", injected, " failures injected, ", failed, " of 24 rounds failed");
  CHECK(injected > 0, "nothing was injected");
  remove_tree("/ffp");
}

// The new targets keep the old ABI's rules: bad kinds and arguments give -1, counts are per target.
void abi() {
  CHECK_EQ(allocfail(ALLOCFAIL_BLOCKS | ALLOCFAIL_NTH, 0, 0), -1);
  CHECK_EQ(allocfail(ALLOCFAIL_INODES | ALLOCFAIL_RANDOM, ALLOCFAIL_ONE_IN + 1, 1), -1);
  CHECK_EQ(allocfail(0x30 | ALLOCFAIL_OFF, 0, 0), -1);
  CHECK_EQ(allocfail(ALLOCFAIL_BLOCKS | 7, 0, 0), -1);
  CHECK_EQ(allocfail(ALLOCFAIL_INODES | ALLOCFAIL_ALL, 0, 0), 0);
  CHECK_EQ(open("/ffabi", O_CREATE | O_RDWR), -1);
  CHECK_EQ(mkdir("/ffabi"), -1);
  CHECK_EQ(allocfail(ALLOCFAIL_INODES | ALLOCFAIL_COUNT, 0, 0), 2);
  CHECK_EQ(allocfail(ALLOCFAIL_BLOCKS | ALLOCFAIL_COUNT, 0, 0), 0);
  CHECK_EQ(allocfail(ALLOCFAIL_FRAMES | ALLOCFAIL_COUNT, 0, 0), 0);
  CHECK_EQ(allocfail(ALLOCFAIL_INODES | ALLOCFAIL_OFF, 0, 0), 2);
  int fd = open("/ffabi", O_CREATE | O_RDWR);
  CHECK(fd >= 0);
  close(fd);
  CHECK_EQ(unlink("/ffabi"), 0);
}

constexpr Test kTests[] = {
    {"abi", abi},
    {"create_every_point", create_every_point},
    {"mkdir_every_point", mkdir_every_point},
    {"link_every_point", link_every_point},
    {"write_every_point", write_every_point},
    {"programs_random", programs_random, 3000},
};

}  // namespace

int main(int argc, char** argv) {
  run_tests("fsfailtests", kTests, argc, argv);
}
