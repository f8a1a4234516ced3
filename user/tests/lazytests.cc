// lazytests: lazy sbrk and the page-fault path (issue 12). sbrklazy(n) grows the heap without
// allocating; a page comes at first touch, from a user access or from the kernel's copyin,
// copyout and copyinstr. Usage: lazytests [lab=PROFILE] [subtest...]; the profile (default:
// "default") says what the kernel promises: lazy2020 makes every sbrk lazy, a profile without
// lazy sbrk makes sbrklazy eager (cmake/lab_profiles.cmake).
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr int kPage = static_cast<int>(kPageSize);
constexpr int kGiB = 1 << 30;

// What the kernel under test does with sbrk (from lab=...).
bool g_lazy = true;         // sbrklazy does not allocate
bool g_sbrk_lazy = false;   // plain sbrk does not allocate either (lazy2020)

// Pages the free count dropped by from `before` (negative: it grew).
long used_since(uint64 before) {
  return static_cast<long>(before) - static_cast<long>(free_pages());
}

// sbrklazy(1 GiB) allocates nothing (or, without lazy sbrk, fails: there is no 1 GiB of RAM); a
// few pages touched across it cost a page each (plus their page tables), read as zero, keep what
// is written; shrinking gives every page back. It spans the PLIC's address (0x0c000000), where
// the per-process design's mirror ends: the pages above it are reached by the software walk.
void lazy_one_gib() {
  const uint64 base = align_brk();
  const uint64 free0 = free_pages();
  char* p = sbrklazy(kGiB);
  if (!g_lazy) {
    CHECK(p == kSbrkFailed, "an eager sbrk of 1 GiB on a 128 MiB machine succeeded");
    CHECK_EQ(brk(), base);
    return;
  }
  CHECK_EQ(addr(p), base);
  CHECK_EQ(brk(), base + kGiB);
  CHECK(used_since(free0) <= 0, "sbrklazy(1 GiB) took ", used_since(free0), " pages");
  const uint64 offsets[] = {0, 4096, 100 * kPageSize, kPlic - base + 3 * kPageSize,
                            kGiB / 2, static_cast<uint64>(kGiB) - kPageSize};
  for (uint64 off : offsets) {
    volatile uint64* w = ptr<volatile uint64>(base + off);
    CHECK_EQ(*w, 0ull);
    *w = base + off;
  }
  for (uint64 off : offsets) CHECK_EQ(*ptr<volatile uint64>(base + off), base + off);
  const long used = used_since(free0);
  // One page each, and a few page tables (at most two levels per touched page).
  CHECK(used >= 6 && used <= 6 + 12, "6 touched pages cost ", used, " pages");
  // Through the kernel, above the PLIC: write() reads it (copyin), read() fills it (copyout).
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  char* high = ptr<char>(kPlic + 3 * kPageSize);
  CHECK_EQ(write(fds[1], high, 8), 8);
  uint64 back = 0;
  CHECK_EQ(read(fds[0], &back, 8), 8);
  CHECK_EQ(back, addr(high));
  char* high2 = ptr<char>(kPlic + 9 * kPageSize);  // never touched
  CHECK_EQ(write(fds[1], "lazy", 4), 4);
  CHECK_EQ(read(fds[0], high2, 4), 4);
  CHECK(high2[0] == 'l' && high2[3] == 'y');
  close(fds[0]);
  close(fds[1]);
  CHECK_EQ(addr(sbrk(-kGiB)), base + kGiB);
  CHECK_EQ(brk(), base);
  CHECK(used_since(free0) <= 0, "shrinking left ", used_since(free0), " pages in use");
}

// Plain sbrk: eager, except in the lazy2020 profile where every sbrk is lazy.
void sbrk_eager_unless_profile() {
  align_brk();
  const uint64 free0 = free_pages();
  char* p = sbrk(64 * kPage);
  CHECK(p != kSbrkFailed);
  const long used = used_since(free0);
  if (g_sbrk_lazy) {
    CHECK(used <= 0, "a lazy sbrk took ", used, " pages");
  } else {
    CHECK(used >= 64, "an eager sbrk of 64 pages took ", used);
  }
  for (int i = 0; i < 64; ++i) CHECK_EQ(p[i * kPage + 5], 0);
  CHECK(sbrk(-64 * kPage) != kSbrkFailed);
}

// Never-touched pages reach the kernel: write() from one (copyin), read() into one (copyout), a
// pipe between two, and copyinstr of strings that end in one (open's path, exec's argv).
void lazy_pages_through_system_calls() {
  const uint64 base = align_brk();
  char* p = sbrklazy(16 * kPage);
  CHECK(p != kSbrkFailed);
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  // copyin from a lazy page: zeros.
  CHECK_EQ(write(fds[1], p + 2 * kPage + 100, 64), 64);
  static char buf[64];
  memset(buf, 'x', sizeof(buf));
  CHECK_EQ(read(fds[0], buf, 64), 64);
  for (char c : buf) CHECK_EQ(c, 0);
  // copyout into a lazy page, across a page boundary.
  memset(buf, 'q', sizeof(buf));
  CHECK_EQ(write(fds[1], buf, 64), 64);
  CHECK_EQ(read(fds[0], p + 5 * kPage - 32, 64), 64);
  for (int i = 0; i < 64; ++i) CHECK_EQ(p[5 * kPage - 32 + i], 'q');
  close(fds[0]);
  close(fds[1]);
  // copyinstr: "lzf" in the last bytes of a touched page; its NUL is the first byte of the next,
  // never-touched page.
  char* s = p + 8 * kPage - 3;
  s[0] = 'l', s[1] = 'z', s[2] = 'f';
  int fd = open(s, O_CREATE | O_RDWR);
  CHECK(fd >= 0, "open of a path ending in a lazy page");
  close(fd);
  CHECK_EQ(unlink("lzf"), 0);
  // exec's argv: the vector and a string that ends in a lazy page.
  char* t = p + 11 * kPage - 2;
  t[0] = 'o', t[1] = 'k';
  char** argv = ptr<char*>(base + 13 * kPageSize - 3 * sizeof(char*));
  argv[0] = const_cast<char*>("echo");
  argv[1] = t;
  argv[2] = nullptr;
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int null = open("lazytests.out", O_CREATE | O_WRONLY);
    close(1);
    dup(null);
    close(null);
    exec("echo", argv);
    exit(9);
  }
  CHECK_EQ(wait_for(pid), 0);
  fd = open("lazytests.out", O_RDONLY);
  CHECK(fd >= 0);
  memset(buf, 0, sizeof(buf));
  CHECK_EQ(read(fd, buf, sizeof(buf)), 3);
  CHECK(buf[0] == 'o' && buf[1] == 'k' && buf[2] == '\n', "echo printed ", buf);
  close(fd);
  unlink("lazytests.out");
  CHECK(sbrk(-16 * kPage) != kSbrkFailed);
}

// After a shrink the pages are gone, touched or not: a touch is killed, and so is any access
// above the break or into the guard page below the stack.
void shrink_then_touch_killed() {
  const uint64 base = align_brk();
  char* p = sbrklazy(8 * kPage);
  CHECK(p != kSbrkFailed);
  p[2 * kPage] = 1;
  CHECK(sbrk(-8 * kPage) != kSbrkFailed);
  CHECK_EQ(brk(), base);
  EXPECT_KILLED(*ptr<volatile char>(opaque(base + 2 * kPageSize)) = 1);
  EXPECT_KILLED((void)*ptr<volatile char>(opaque(base + 5 * kPageSize)));
  EXPECT_KILLED((void)*ptr<volatile char>(opaque(base + 64 * kPageSize)));
  // The kernel refuses too: -1, no kill.
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  CHECK_EQ(write(fds[1], p + 2 * kPage, 8), -1);
  CHECK_EQ(write(fds[1], "abcdefgh", 8), 8);
  CHECK_EQ(read(fds[0], p + 3 * kPage, 8), -1);
  close(fds[0]);
  close(fds[1]);
}

// fork copies (or shares) only the present pages: the child sees what the parent wrote, zeros in
// what nobody touched, and its own writes stay its own.
void fork_with_lazy_pages() {
  align_brk();
  const int kLen = 64 << 20;
  char* p = sbrklazy(kLen);
  if (!g_lazy) {
    CHECK(p == kSbrkFailed || p != nullptr);
    if (p != kSbrkFailed) CHECK(sbrk(-kLen) != kSbrkFailed);
    p = sbrklazy(4 << 20);
    CHECK(p != kSbrkFailed);
  }
  const int len = g_lazy ? kLen : (4 << 20);
  for (int i = 0; i < 4; ++i) p[i * (len / 4)] = static_cast<char>('a' + i);
  const uint64 free0 = free_pages();
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    for (int i = 0; i < 4; ++i) CHECK_EQ(p[i * (len / 4)], static_cast<char>('a' + i));
    CHECK_EQ(p[len / 8], 0);
    p[len / 8] = 'c';
    p[0] = 'z';
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
  CHECK(used_since(free0) <= 0, "fork and exit left ", used_since(free0), " pages in use");
  CHECK_EQ(p[0], 'a');
  CHECK_EQ(p[len / 8], 0);  // faults in the parent's own zero page
  CHECK(sbrk(-len) != kSbrkFailed);
}

// Out of memory during a lazy fault: the process is killed (-1), the kernel survives, nothing
// leaks (the runner checks the free pages). In a copy, the system call fails instead.
void lazy_fault_out_of_memory() {
  align_brk();
  char* p = sbrklazy(8 * kPage);
  CHECK(p != kSbrkFailed);
  if (!g_lazy) {
    CHECK(sbrk(-8 * kPage) != kSbrkFailed);
    return;  // the pages are already there: nothing to fault
  }
  int st = run_in_child([&] {
    allocfail(ALLOCFAIL_ALL, 0, 0);
    *ptr<volatile char>(opaque(addr(p) + 3 * kPageSize)) = 1;
    exit(77);
  });
  CHECK_EQ(st, -1);
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  CHECK_EQ(write(fds[1], "abcdefgh", 8), 8);
  allocfail(ALLOCFAIL_ALL, 0, 0);
  const int got = read(fds[0], p + 5 * kPage, 8);
  const int wrote = write(fds[1], p + 6 * kPage, 8);
  allocfail(ALLOCFAIL_OFF, 0, 0);
  CHECK_EQ(got, -1);
  CHECK_EQ(wrote, -1);
  close(fds[0]);
  close(fds[1]);
  // Memory back: the same pages fault in fine.
  p[5 * kPage] = 5;
  CHECK_EQ(p[5 * kPage], 5);
  CHECK(sbrk(-8 * kPage) != kSbrkFailed);
}

constexpr Test kTests[] = {
    {"lazy_one_gib", lazy_one_gib},
    {"sbrk_eager_unless_profile", sbrk_eager_unless_profile},
    {"lazy_pages_through_system_calls", lazy_pages_through_system_calls},
    {"shrink_then_touch_killed", shrink_then_touch_killed},
    {"fork_with_lazy_pages", fork_with_lazy_pages},
    {"lazy_fault_out_of_memory", lazy_fault_out_of_memory},
};

}  // namespace

int main(int argc, char** argv) {
  const char* lab = "default";
  if (argc >= 2 && memcmp(argv[1], "lab=", 4) == 0) {
    lab = argv[1] + 4;
    argv[1] = argv[0];
    ++argv;
    --argc;
  }
  // cmake/lab_profiles.cmake: lazy sbrk on request in default and mmap, always in lazy2020.
  g_sbrk_lazy = strcmp(lab, "lazy2020") == 0;
  g_lazy = g_sbrk_lazy || strcmp(lab, "default") == 0 || strcmp(lab, "mmap") == 0;
  run_tests("lazytests", kTests, argc, argv);
}
