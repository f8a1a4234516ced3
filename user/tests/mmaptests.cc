// mmaptests: mmap and munmap (issue 12, calls 27/28). File pages come in at the first touch, past
// the end of the file they read as zero, MAP_SHARED stores reach the file at munmap and exit
// (never growing it), MAP_PRIVATE stores never do, a mapping outlives close() and unlink(),
// munmap cuts any page-aligned part, fork copies the mappings, bad arguments fail with nothing
// changed, and a bad access kills. The runner checks free pages after every subtest.
// Usage: mmaptests [subtest...]
// Size over speed: the x86 file system's largest file is 70 KiB (140 blocks of 512 bytes).
#pragma GCC optimize("Os")

#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr char kFile[] = "mmt_file";
constexpr char kFile2[] = "mmt_file2";
char* const kFailed = static_cast<char*>(MAP_FAILED);

char g_buf[4 * 4096];

// A file of n bytes of pattern `seed` (fill_pattern), made afresh.
void make_file(const char* name, uint64 n, uint64 seed) {
  unlink(name);
  int fd = open(name, O_CREATE | O_RDWR);
  CHECK(fd >= 0, name);
  static uchar data[4 * 4096];
  CHECK(n <= sizeof(data));
  fill_pattern(data, n, seed);
  CHECK_EQ(write(fd, data, static_cast<int>(n)), static_cast<int>(n));
  close(fd);
}

uint64 file_size(const char* name) {
  struct stat st;
  CHECK_EQ(stat(name, &st), 0);
  return st.size;
}

// Reads the whole file (at most sizeof(g_buf)) into g_buf; returns its length.
int read_file(const char* name) {
  int fd = open(name, O_RDONLY);
  CHECK(fd >= 0, name);
  int n = read(fd, g_buf, sizeof(g_buf));
  close(fd);
  return n;
}

char* map(uint64 len, int prot, int flags, int fd, long off = 0) {
  return static_cast<char*>(mmap(nullptr, len, prot, flags, fd, off));
}

void bad_arguments() {
  make_file(kFile, 2 * kPageSize, 1);
  int rd = open(kFile, O_RDONLY);
  int wr = open(kFile, O_WRONLY);
  int dir = open(".", O_RDONLY);
  int p[2];
  CHECK_EQ(pipe(p), 0);
  CHECK(rd >= 0 && wr >= 0 && dir >= 0);
  const uint64 before = free_pages();
  CHECK(map(0, PROT_READ, MAP_PRIVATE, rd) == kFailed, "len 0");
  CHECK(mmap(reinterpret_cast<void*>(0x12345), kPageSize, PROT_READ, MAP_PRIVATE, rd, 0) ==
            MAP_FAILED,
        "unaligned addr");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE, rd, 100) == kFailed, "unaligned off");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE, rd, -4096) == kFailed, "negative off");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE, -1) == kFailed, "fd -1");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE, NOFILE) == kFailed, "fd NOFILE");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE, 13) == kFailed, "fd not open");
  CHECK(map(kPageSize, 8, MAP_PRIVATE, rd) == kFailed, "unknown prot bit");
  CHECK(map(kPageSize, PROT_NONE, MAP_PRIVATE, rd) == kFailed, "prot 0");
  CHECK(map(kPageSize, PROT_READ, 0, rd) == kFailed, "neither shared nor private");
  CHECK(map(kPageSize, PROT_READ, MAP_SHARED | MAP_PRIVATE, rd) == kFailed, "both");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE | 0x100, rd) == kFailed, "unknown flag");
  CHECK(map(~static_cast<size_t>(0), PROT_READ, MAP_PRIVATE, rd) == kFailed, "length overflow");
  CHECK(map(~static_cast<size_t>(0) - kPageSize, PROT_READ, MAP_ANONYMOUS | MAP_PRIVATE, -1) ==
            kFailed,
        "no room");
  CHECK(map(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, rd) == kFailed,
        "shared+write on a read-only fd");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE, wr) == kFailed, "read on a write-only fd");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE, dir) == kFailed, "a directory");
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE, p[0]) == kFailed, "a pipe");
  CHECK(map(kPageSize, PROT_READ, MAP_SHARED, 1) == kFailed, "the console");
  // munmap's failures.
  char* m = map(2 * kPageSize, PROT_READ, MAP_PRIVATE, rd);
  CHECK(m != kFailed);
  CHECK_EQ(munmap(m, 0), -1);
  CHECK_EQ(munmap(m + 1, kPageSize), -1);
  CHECK_EQ(munmap(m + kPageSize, 2 * kPageSize), -1);               // runs past the mapping
  CHECK_EQ(munmap(m - kPageSize, kPageSize), -1);                   // no mapping there
  CHECK_EQ(munmap(reinterpret_cast<void*>(g_buf), kPageSize), -1);  // not a mapping
  // Nothing changed: the mapping still reads, and the next one lands just below it.
  CHECK_EQ(verify_pattern(reinterpret_cast<uchar*>(m), 2 * kPageSize, 1), -1L);
  char* m2 = map(kPageSize, PROT_READ, MAP_PRIVATE, rd);
  CHECK(m2 == m - kPageSize, "next mapping just below: ", m2, " vs ", m);
  CHECK_EQ(munmap(m2, kPageSize), 0);
  CHECK_EQ(munmap(m, 2 * kPageSize), 0);
  CHECK_EQ(free_pages(), before);
  close(rd);
  close(wr);
  close(dir);
  close(p[0]);
  close(p[1]);
  unlink(kFile);
}

void read_lazily() {
  const uint64 n = 2 * kPageSize + 100;
  make_file(kFile, n, 2);
  int fd = open(kFile, O_RDWR);
  // The expected bytes first: with copy-on-write fork, the first store to this static buffer
  // takes pages of its own, which must not count against the mapping.
  static uchar want[3 * 4096];
  fill_pattern(want, n, 2);
  const uint64 before = free_pages();
  char* m = map(4 * kPageSize, PROT_READ, MAP_PRIVATE, fd);
  CHECK(m != kFailed);
  CHECK_EQ(free_pages(), before);  // nothing read at mmap time
  // Change the file after mmap, before the first touch: the touch sees the change.
  CHECK_EQ(write(fd, "NEW!", 4), 4);
  CHECK_EQ(m[0], 'N');
  CHECK_EQ(m[3], '!');
  CHECK(free_pages() < before, "a page came in at the touch");
  CHECK_EQ(memcmp(m + 4, want + 4, static_cast<uint>(n - 4)), 0);
  // Past the end of the file: zero, in the last file page and in the page wholly beyond.
  for (uint64 i = n; i < 4 * kPageSize; ++i) CHECK(m[i] == 0, i);
  CHECK_EQ(munmap(m, 4 * kPageSize), 0);
  CHECK_EQ(free_pages(), before);
  close(fd);
  unlink(kFile);
}

void private_stores_stay() {
  make_file(kFile, 2 * kPageSize, 3);
  int fd = open(kFile, O_RDONLY);  // private stores need no write access
  char* m = map(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
  CHECK(m != kFailed);
  m[10] = 'x';
  m[kPageSize + 10] = 'y';
  CHECK_EQ(m[10], 'x');
  CHECK_EQ(munmap(m, 2 * kPageSize), 0);
  close(fd);
  CHECK_EQ(read_file(kFile), static_cast<int>(2 * kPageSize));
  CHECK_EQ(verify_pattern(reinterpret_cast<uchar*>(g_buf), 2 * kPageSize, 3), -1L);
  unlink(kFile);
}

void shared_stores_written_back() {
  const uint64 n = kPageSize + 200;
  make_file(kFile, n, 4);
  int fd = open(kFile, O_RDWR);
  char* m = map(3 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
  CHECK(m != kFailed);
  m[0] = 'A';
  m[kPageSize + 199] = 'B';  // the last byte of the file
  m[kPageSize + 200] = 'C';  // past the end: never written back
  m[2 * kPageSize] = 'D';    // a page wholly past the end
  CHECK_EQ(munmap(m, 3 * kPageSize), 0);
  close(fd);
  CHECK_EQ(file_size(kFile), n);  // not grown
  CHECK_EQ(read_file(kFile), static_cast<int>(n));
  CHECK_EQ(g_buf[0], 'A');
  CHECK_EQ(g_buf[kPageSize + 199], 'B');
  static uchar want[2 * 4096];
  fill_pattern(want, n, 4);
  CHECK_EQ(memcmp(g_buf + 1, want + 1, static_cast<uint>(n - 2)), 0);
  unlink(kFile);
}

void written_back_at_exit() {
  make_file(kFile, 2 * kPageSize, 5);
  CHECK_EQ(run_in_child([] {
             int fd = open(kFile, O_RDWR);
             char* m = map(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
             CHECK(m != kFailed);
             close(fd);
             m[kPageSize + 1] = 'E';
             exit(0);  // no munmap
           }),
           0);
  CHECK_EQ(read_file(kFile), static_cast<int>(2 * kPageSize));
  CHECK_EQ(g_buf[kPageSize + 1], 'E');
  g_buf[kPageSize + 1] = 0;
  static uchar want[2 * 4096];
  fill_pattern(want, 2 * kPageSize, 5);
  want[kPageSize + 1] = 0;
  CHECK_EQ(memcmp(g_buf, want, static_cast<uint>(2 * kPageSize)), 0);
  unlink(kFile);
}

void outlives_close_and_unlink() {
  make_file(kFile, kPageSize, 6);
  int fd = open(kFile, O_RDWR);
  char* m = map(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
  CHECK(m != kFailed);
  CHECK_EQ(close(fd), 0);
  CHECK_EQ(unlink(kFile), 0);
  CHECK_EQ(verify_pattern(reinterpret_cast<uchar*>(m), kPageSize, 6), -1L);
  m[0] = 'z';  // written back into the unlinked inode at munmap, which then frees it
  CHECK_EQ(munmap(m, kPageSize), 0);
  CHECK(open(kFile, O_RDONLY) < 0);
}

void munmap_parts() {
  char* m = map(6 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  CHECK(m != kFailed);
  for (int i = 0; i < 6; ++i) CHECK_EQ(m[i * kPageSize], static_cast<char>(0));
  for (int i = 0; i < 6; ++i) m[i * kPageSize + 7] = static_cast<char>('a' + i);
  CHECK_EQ(munmap(m, kPageSize), 0);                  // the start
  CHECK_EQ(munmap(m + 5 * kPageSize, kPageSize), 0);  // the end
  CHECK_EQ(munmap(m + 2 * kPageSize, kPageSize), 0);  // the middle: a split
  CHECK_EQ(m[kPageSize + 7], 'b');
  CHECK_EQ(m[3 * kPageSize + 7], 'd');
  CHECK_EQ(m[4 * kPageSize + 7], 'e');
  EXPECT_KILLED((void)*ptr<volatile char>(addr(m)));
  EXPECT_KILLED((void)*ptr<volatile char>(addr(m + 2 * kPageSize)));
  EXPECT_KILLED(*ptr<volatile char>(addr(m + 5 * kPageSize)) = 1);
  CHECK_EQ(munmap(m + 3 * kPageSize, 2 * kPageSize), 0);
  CHECK_EQ(munmap(m + kPageSize, kPageSize), 0);
  // Pages never touched unmap as well.
  char* big = map(64 * kPageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  CHECK(big != kFailed);
  CHECK_EQ(big[10 * kPageSize], static_cast<char>(0));
  CHECK_EQ(munmap(big + 8 * kPageSize, 8 * kPageSize), 0);
  CHECK_EQ(munmap(big, 8 * kPageSize), 0);
  CHECK_EQ(munmap(big + 16 * kPageSize, 48 * kPageSize), 0);
}

void bad_access_kills() {
  make_file(kFile, kPageSize, 7);
  int fd = open(kFile, O_RDWR);
  char* ro = map(kPageSize, PROT_READ, MAP_SHARED, fd);
  CHECK(ro != kFailed);
  EXPECT_KILLED(*ptr<volatile char>(addr(ro)) = 1);  // a store to a read-only mapping
  (void)ro[0];
  EXPECT_KILLED(*ptr<volatile char>(addr(ro)) = 1);  // also once the page is present
  char* gone = map(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
  gone[0] = 'q';
  CHECK_EQ(munmap(gone, kPageSize), 0);
  EXPECT_KILLED((void)*ptr<volatile char>(addr(gone)));  // after munmap
  // A read(fd, buf) into a read-only mapping fails, and kills nobody.
  CHECK_EQ(read(fd, ro, 10), -1);
  CHECK_EQ(munmap(ro, kPageSize), 0);
  close(fd);
  unlink(kFile);
}

void fork_shares_and_copies() {
  make_file(kFile, 2 * kPageSize, 8);
  int fd = open(kFile, O_RDWR);
  char* shared = map(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
  char* priv = map(kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
  char* anon = map(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
  char* anon_priv = map(kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  CHECK(shared != kFailed && priv != kFailed && anon != kFailed && anon_priv != kFailed);
  close(fd);
  shared[0] = 'P';
  priv[0] = 'p';
  anon[0] = 'S';
  anon_priv[0] = 's';
  CHECK_EQ(run_in_child([&] {
             CHECK_EQ(shared[0], 'P');
             CHECK_EQ(priv[0], 'p');
             CHECK_EQ(anon[0], 'S');
             CHECK_EQ(anon_priv[0], 's');
             // The file's second page, never touched by the parent, is the file's.
             static uchar want[2 * 4096];
             fill_pattern(want, 2 * kPageSize, 8);
             CHECK_EQ(memcmp(shared + kPageSize, want + kPageSize, static_cast<uint>(kPageSize)),
                      0);
             shared[1] = 'C';
             shared[kPageSize + 1] = 'D';
             anon[1] = 'c';
             anon[kPageSize] = 'd';
             priv[1] = 'X';
             anon_priv[1] = 'Y';
             exit(0);
           }),
           0);
  CHECK_EQ(shared[1], 'C');  // MAP_SHARED: the child's stores are the parent's
  CHECK_EQ(shared[kPageSize + 1], 'D');
  CHECK_EQ(anon[1], 'c');
  CHECK_EQ(anon[kPageSize], 'd');
  CHECK(priv[1] != 'X', "private stays private");
  CHECK(anon_priv[1] != 'Y', "private stays private");
  CHECK_EQ(munmap(shared, 2 * kPageSize), 0);
  CHECK_EQ(munmap(priv, kPageSize), 0);
  CHECK_EQ(munmap(anon, 2 * kPageSize), 0);
  CHECK_EQ(munmap(anon_priv, kPageSize), 0);
  CHECK_EQ(read_file(kFile), static_cast<int>(2 * kPageSize));
  CHECK_EQ(g_buf[0], 'P');
  CHECK_EQ(g_buf[1], 'C');
  CHECK_EQ(g_buf[kPageSize + 1], 'D');
  unlink(kFile);
}

void file_io_through_mappings() {
  make_file(kFile, 2 * kPageSize, 9);
  make_file(kFile2, 2 * kPageSize, 10);
  int fd = open(kFile, O_RDWR);
  int fd2 = open(kFile2, O_RDWR);
  // write() from a file mapping, never touched before.
  char* src = map(2 * kPageSize, PROT_READ, MAP_PRIVATE, fd);
  CHECK(src != kFailed);
  CHECK_EQ(write(fd2, src, static_cast<int>(2 * kPageSize)), static_cast<int>(2 * kPageSize));
  CHECK_EQ(read_file(kFile2), static_cast<int>(2 * kPageSize));
  CHECK_EQ(verify_pattern(reinterpret_cast<uchar*>(g_buf), 2 * kPageSize, 9), -1L);
  // read() into an anonymous mapping, and into a shared mapping of the file being read.
  char* anon = map(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  CHECK(anon != kFailed);
  int again = open(kFile, O_RDONLY);
  CHECK_EQ(read(again, anon, static_cast<int>(2 * kPageSize)), static_cast<int>(2 * kPageSize));
  CHECK_EQ(verify_pattern(reinterpret_cast<uchar*>(anon), 2 * kPageSize, 9), -1L);
  close(again);
  char* self = map(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
  CHECK(self != kFailed);
  int rd = open(kFile, O_RDONLY);
  CHECK_EQ(read(rd, self + kPageSize, 100), 100);  // page 0 of the file into its own page 1
  close(rd);
  CHECK_EQ(memcmp(self, self + kPageSize, 100), 0);
  // The status of wait() into an untouched mapping; a path name from a mapping.
  int* status = reinterpret_cast<int*>(
      map(kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1));
  int pid = fork();
  if (pid == 0) exit(3);
  CHECK_EQ(wait(status), pid);
  CHECK_EQ(*status, 3);
  memcpy(anon, kFile2, sizeof(kFile2));
  CHECK_EQ(unlink(anon), 0);
  CHECK_EQ(munmap(src, 2 * kPageSize), 0);
  CHECK_EQ(munmap(anon, 2 * kPageSize), 0);
  CHECK_EQ(munmap(self, 2 * kPageSize), 0);
  CHECK_EQ(munmap(status, kPageSize), 0);
  close(fd);
  close(fd2);
  CHECK_EQ(read_file(kFile), static_cast<int>(2 * kPageSize));
  CHECK_EQ(memcmp(g_buf, g_buf + kPageSize, 100), 0);  // written back
  unlink(kFile);
}

void anonymous_is_lazy() {
  const uint64 before = free_pages();
  const uint64 len = 256ull << 20;  // more than the machine's RAM
  char* m = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  CHECK(m != kFailed);
  CHECK_EQ(free_pages(), before);
  for (uint64 off = 0; off < len; off += len / 16) m[off] = 1;
  CHECK(before - free_pages() >= 16, "16 pages touched");
  CHECK(before - free_pages() < 64, "only the touched pages and their tables");
  // The heap keeps at least 1 GiB below the kernel's choice.
  CHECK(addr(m) >= page_round_up(addr(sbrk(0))) + (1ull << 30), Hex{addr(m)});
  CHECK_EQ(munmap(m, len), 0);
  CHECK_EQ(free_pages(), before);  // the pages and their tables
  // 64 GiB (RISC-V only: x86 users have 2 GiB) touched in two places, through fork and exit:
  // munmap, fork and exit skip what was never touched a table at a time.
  const size_t huge = sizeof(size_t) >= 8 ? static_cast<size_t>(64ull << 30) : 0;
  char* h =
      huge != 0 ? map(huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1) : kFailed;
  CHECK(huge == 0 || h != kFailed);
  if (h != kFailed) {
    h[0] = 1;
    h[huge - 1] = 2;
    CHECK_EQ(run_in_child([&] {
               CHECK_EQ(h[huge - 1], 2);
               h[huge / 2] = 3;
               exit(0);  // exit drops the mapping
             }),
             0);
    CHECK_EQ(h[huge / 2], static_cast<char>(0));
    CHECK_EQ(munmap(h, huge), 0);
    CHECK_EQ(free_pages(), before);
  }
}

void hint_and_room() {
  // A free hint is taken as it is.
  char* probe = map(kPageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  CHECK(probe != kFailed);
  CHECK_EQ(munmap(probe, kPageSize), 0);
  char* hinted = static_cast<char*>(
      mmap(probe - 16 * kPageSize, kPageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  CHECK(hinted == probe - 16 * kPageSize, Hex{addr(hinted)});
  // A hint over an existing mapping is only a hint.
  char* other =
      static_cast<char*>(mmap(hinted, kPageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  CHECK(other != kFailed && other != hinted);
  CHECK_EQ(munmap(hinted, kPageSize), 0);
  CHECK_EQ(munmap(other, kPageSize), 0);
  // A mapping hinted just above the heap: the heap cannot grow into it.
  CHECK(sbrk(static_cast<int>(kPageSize)) != reinterpret_cast<char*>(-1));  // a heap region
  char* brk = sbrk(0);
  char* top = reinterpret_cast<char*>(page_round_up(addr(brk)));
  char* above = static_cast<char*>(
      mmap(top, kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  CHECK(above == top, Hex{addr(above)}, " ", Hex{addr(top)});
  // (Untouched: a present page would stop the heap's map on its own.)
  CHECK(sbrk(static_cast<int>(top - brk) + 1) == reinterpret_cast<char*>(-1));
  CHECK(sbrk(0) == brk);
  CHECK_EQ(above[0], static_cast<char>(0));  // still the mapping's own zero page
  CHECK_EQ(munmap(above, kPageSize), 0);
  // Mappings until there is no room in the per-process lists: then -1, and everything unmaps.
  static char* maps[64];
  int n = 0;
  while (n < 64) {
    char* m = map(kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    if (m == kFailed) break;
    m[0] = static_cast<char>(n);
    maps[n++] = m;
  }
  CHECK(n >= 8 && n < 64, n);
  CHECK(map(kPageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1) == kFailed);
  for (int i = 0; i < n; ++i) CHECK_EQ(maps[i][0], static_cast<char>(i));
  for (int i = 0; i < n; ++i) CHECK_EQ(munmap(maps[i], kPageSize), 0);
}

void out_of_memory_kills() {
  char* m = map(4 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  CHECK(m != kFailed);
  m[0] = 1;
  EXPECT_KILLED({
    allocfail(ALLOCFAIL_ALL, 0, 0);
    m[2 * kPageSize] = 1;
  });
  allocfail(ALLOCFAIL_OFF, 0, 0);
  CHECK_EQ(m[0], 1);
  CHECK_EQ(munmap(m, 4 * kPageSize), 0);
}

void exec_drops_mappings() {
  make_file(kFile, kPageSize, 11);
  CHECK_EQ(run_in_child([] {
             int fd = open(kFile, O_RDWR);
             char* m = map(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
             CHECK(m != kFailed);
             close(fd);
             m[0] = 'Z';
             char* a = map(8 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
             a[0] = 1;
             const char* argv[] = {"nop", nullptr};
             exec("nop", const_cast<char**>(argv));
             exit(9);
           }),
           0);
  CHECK_EQ(read_file(kFile), static_cast<int>(kPageSize));
  CHECK_EQ(g_buf[0], 'Z');  // written back at exec
  unlink(kFile);
}

// Every mapping's inode reference goes back: more rounds than the kernel has in-memory inodes
// (NINODE) of create, map, close, unlink, (fork,) unmap would run out otherwise.
void no_inode_leak() {
  for (int round = 0; round < NINODE + 10; ++round) {
    make_file(kFile, kPageSize + 10, static_cast<uint64>(round));
    int fd = open(kFile, O_RDWR);
    CHECK(fd >= 0, "round ", round);
    char* m = map(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    CHECK(m != kFailed, "round ", round);
    close(fd);
    CHECK_EQ(unlink(kFile), 0);
    m[0] = 1;
    if (round % 8 == 0) {
      CHECK_EQ(run_in_child([&] {
                 m[1] = 2;
                 CHECK_EQ(munmap(m + kPageSize, kPageSize), 0);  // a part; exit drops the rest
               }),
               0);
      CHECK_EQ(m[1], 2);
    }
    CHECK_EQ(munmap(m, kPageSize), 0);
    CHECK_EQ(munmap(m + kPageSize, kPageSize), 0);
  }
}

constexpr Test kTests[] = {
    {"bad_arguments", bad_arguments},
    {"read_lazily", read_lazily},
    {"private_stores_stay", private_stores_stay},
    {"shared_stores_written_back", shared_stores_written_back},
    {"written_back_at_exit", written_back_at_exit},
    {"outlives_close_and_unlink", outlives_close_and_unlink},
    {"munmap_parts", munmap_parts},
    {"bad_access_kills", bad_access_kills},
    {"fork_shares_and_copies", fork_shares_and_copies},
    {"file_io_through_mappings", file_io_through_mappings},
    {"anonymous_is_lazy", anonymous_is_lazy},
    {"hint_and_room", hint_and_room},
    {"out_of_memory_kills", out_of_memory_kills},
    {"exec_drops_mappings", exec_drops_mappings},
    {"no_inode_leak", no_inode_leak},
};

}  // namespace

int main(int argc, char** argv) {
  run_tests("mmaptests", kTests, argc, argv);
}
