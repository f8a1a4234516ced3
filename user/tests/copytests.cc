// copytests: every system call that takes a pointer, handed bad ones: NULL (text is read-only),
// kernel addresses, the trapframe and trampoline, the stack guard page, MAXVA and around it, ranges
// running into unmapped memory, strings crossing pages and strings without an end. Each must return
// -1 (never a panic, never a kill) and leave no trace. Usage: copytests [subtest...]
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr int kPage = static_cast<int>(kPageSize);
uint64 g_initial_brk;

uint64 guard_page() {
  return page_round_up(g_initial_brk) - 2 * kPageSize;
}

// Addresses no system call may read or write, whatever the length.
struct BadAddr {
  const char* what;
  uint64 va;
};
BadAddr g_bad[20];
int g_nbad;

void init_bad_addresses() {
  uint64 unmapped = page_round_up(addr(sbrk(0))) + 64 * kPageSize;
  const BadAddr list[] = {
      {"kernel base", kKernBase},
      {"kernel text+0x1000", kKernBase + 0x1000},
      {"top of RAM", kRamTop - kPageSize},
      {"PLIC", kPlic},
      {"UART", kUart0},
      {"trapframe", kTrapframe},
      {"trampoline", kTrampoline},
      {"trampoline+100", kTrampoline + 100},
      {"MAXVA-1", kMaxVa - 1},
      {"MAXVA-8", kMaxVa - 8},
      {"MAXVA", kMaxVa},
      {"MAXVA+4096", kMaxVa + kPageSize},
      {"2^63", 1ull << 63},
      {"-16", kAllOnes - 15},
      {"-1", kAllOnes},
      {"stack guard page", guard_page()},
      {"guard page end-8", guard_page() + kPageSize - 8},
      {"unmapped above heap", unmapped},
  };
  g_nbad = 0;
  for (const BadAddr& b : list) {
    if (fits_user_word(b.va))
      g_bad[g_nbad++] = b;
    else
      say("copytests: skipped on ", kIsa, ": bad address ", b.what, " (", Hex{b.va},
          ") is wider than a user pointer");
  }
}

constexpr char kScratch[] = "/xcopy_scratch";

int open_scratch() {
  int fd = open(kScratch, O_CREATE | O_RDWR);
  CHECK(fd >= 0);
  return fd;
}

void bad_buffers_file() {
  int rfd = open("/README", O_RDONLY);
  CHECK(rfd >= 0);
  int wfd = open_scratch();
  for (int i = 0; i < g_nbad; ++i) {
    const BadAddr& b = g_bad[i];
    char* bad = ptr<char>(b.va);
    int r = read(rfd, bad, 16);
    CHECK(r == -1, "read(file) into ", b.what, " returned ", r);
    r = write(wfd, bad, 16);
    CHECK(r == -1, "write(file) from ", b.what, " returned ", r);
  }
  // The scratch file got nothing.
  struct stat st;
  CHECK_EQ(fstat(wfd, &st), 0);
  CHECK_EQ(st.size, 0ul);
  close(rfd);
  close(wfd);
  unlink(kScratch);
}

void bad_buffers_pipe() {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  for (int i = 0; i < g_nbad; ++i) {
    const BadAddr& b = g_bad[i];
    char* bad = ptr<char>(b.va);
    CHECK_EQ(write(p[1], "z", 1), 1);  // something to read, so read() does not block
    int r = read(p[0], bad, 1);
    CHECK(r == -1, "read(pipe) into ", b.what, " returned ", r);
    r = write(p[1], bad, 16);
    CHECK(r == -1, "write(pipe) from ", b.what, " returned ", r);
  }
  close(p[0]);
  close(p[1]);
}

void bad_buffers_console() {
  for (int i = 0; i < g_nbad; ++i) {
    const BadAddr& b = g_bad[i];
    int r = write(1, ptr<char>(b.va), 16);
    CHECK(r == -1, "write(console) from ", b.what, " returned ", r);
  }
}

void bad_out_pointers() {
  int fd = open("/README", O_RDONLY);
  CHECK(fd >= 0);
  int fds = count_open_fds();
  for (int i = 0; i < g_nbad; ++i) {
    const BadAddr& b = g_bad[i];
    CHECK(fstat(fd, ptr<struct stat>(b.va)) == -1, "fstat into ", b.what);
    CHECK(sysinfo(ptr<struct sysinfo>(b.va)) == -1, "sysinfo into ", b.what);
    CHECK(pipe(ptr<int>(b.va)) == -1, "pipe into ", b.what);
    CHECK(count_open_fds() == fds, "pipe into ", b.what, " leaked descriptors");
  }
  close(fd);
}

void bad_paths() {
  char name[] = "x";
  char* argv[] = {name, nullptr};
  for (int i = 0; i < g_nbad; ++i) {
    const BadAddr& b = g_bad[i];
    const char* bad = ptr<const char>(b.va);
    CHECK(open(bad, O_RDONLY) == -1, "open ", b.what);
    CHECK(open(bad, O_CREATE | O_RDWR) == -1, "open(O_CREATE) ", b.what);
    CHECK(mkdir(bad) == -1, "mkdir ", b.what);
    CHECK(chdir(bad) == -1, "chdir ", b.what);
    CHECK(unlink(bad) == -1, "unlink ", b.what);
    CHECK(mknod(bad, 1, 1) == -1, "mknod ", b.what);
    CHECK(link(bad, "/xcopy_link") == -1, "link from ", b.what);
    CHECK(link("/README", bad) == -1, "link to ", b.what);
    CHECK(exec(bad, argv) == -1, "exec path ", b.what);
  }
  struct stat st;
  CHECK_EQ(stat("/xcopy_link", &st), -1);  // nothing was created
}

void bad_exec_argv() {
  char prog[] = "/exectests";
  char a0[] = "exectests", a1[] = "-exit";
  for (int i = 0; i < g_nbad; ++i) {
    const BadAddr& b = g_bad[i];
    CHECK(exec(prog, ptr<char*>(b.va)) == -1, "exec argv array at ", b.what);
    char* argv[] = {a0, ptr<char>(b.va), nullptr};
    CHECK(exec(prog, argv) == -1, "exec argv[1] at ", b.what);
    char* argv2[] = {a0, a1, ptr<char>(b.va), nullptr};
    CHECK(exec(prog, argv2) == -1, "exec argv[2] at ", b.what);
  }
}

void null_and_read_only() {
  // Address 0 is the program's text: readable, not writable. System calls must not write it.
  int fd = open("/README", O_RDONLY);
  CHECK(fd >= 0);
  uint32 text_before = *ptr<volatile uint32>(opaque(0));
  CHECK_EQ(read(fd, ptr<void>(opaque(0)), 16), -1);
  CHECK_EQ(fstat(fd, ptr<struct stat>(opaque(0))), -1);
  CHECK_EQ(sysinfo(ptr<struct sysinfo>(opaque(0))), -1);
  int fds = count_open_fds();
  CHECK_EQ(pipe(ptr<int>(opaque(0))), -1);
  CHECK_EQ(count_open_fds(), fds);
  // Into our own code and read-only data.
  CHECK_EQ(read(fd, reinterpret_cast<void*>(&null_and_read_only), 16), -1);
  static const char kConst[64] = "read-only data";
  CHECK_EQ(read(fd, const_cast<char*>(kConst), 16), -1);
  CHECK_EQ(fstat(fd, ptr<struct stat>(addr(kConst))), -1);
  CHECK_EQ(*ptr<volatile uint32>(opaque(0)), text_before);
  CHECK_EQ(strcmp(kConst, "read-only data"), 0);
  // Reading *from* the text is legal: write() it out to a file.
  int wfd = open_scratch();
  CHECK_EQ(write(wfd, ptr<void>(opaque(0)), 16), 16);
  close(wfd);
  unlink(kScratch);
  close(fd);
}

// A buffer whose first `valid` bytes are the last bytes of the heap.
char* heap_tail(int valid) {
  uint64 top = addr(sbrk(0));
  uint64 up = page_round_up(top);
  if (up == top) {
    CHECK(sbrk(kPage) != kSbrkFailed);
    up = addr(sbrk(0));
  } else {
    CHECK(sbrk(static_cast<int>(up - top)) != kSbrkFailed);
  }
  return ptr<char>(up - valid);
}

void crossing_into_unmapped() {
  int rfd = open("/README", O_RDONLY);
  CHECK(rfd >= 0);
  int wfd = open_scratch();
  char* tail = heap_tail(8);
  // A prefix count (xv6's short read/write) or -1 is acceptable; more than the valid bytes is not.
  int r = read(rfd, tail, 64);
  CHECK(r == -1 || (r >= 0 && r <= 8), "read across the heap end returned ", r);
  int w = write(wfd, tail, 64);
  CHECK(w == -1 || (w >= 0 && w <= 8), "write across the heap end returned ", w);
  struct stat st;
  CHECK_EQ(fstat(wfd, &st), 0);
  CHECK(st.size <= 8, "file grew to ", st.size);
  CHECK_EQ(fstat(rfd, ptr<struct stat>(addr(tail) + 8 - sizeof(struct stat) / 2)), -1);
  CHECK_EQ(sysinfo(ptr<struct sysinfo>(addr(tail) + 8 - 4)), -1);
  int fds = count_open_fds();
  CHECK_EQ(pipe(ptr<int>(addr(tail) + 4)), -1);  // fd[0] fits, fd[1] does not
  CHECK_EQ(count_open_fds(), fds);
  // Ranges running off MAXVA and off the stack page into the guard page's neighbour.
  CHECK_EQ(read(rfd, ptr<char>(kMaxVa - 8), 16), -1);  // x86: 0xfffffff8, wrapping to 0
  CHECK_EQ(write(wfd, ptr<char>(guard_page() + kPageSize - 8), 16), -1);
  // A length that wraps the address space.
  char* buf = tail - 64;
  CHECK_EQ(write(wfd, buf, -1), -1);
  CHECK_EQ(read(rfd, buf, -5), -1);
  close(rfd);
  close(wfd);
  unlink(kScratch);
}

void strings_crossing_pages() {
  // Valid strings that straddle a page boundary work.
  char* tail = heap_tail(4);          // 4 bytes at the end of one page...
  CHECK(sbrk(kPage) != kSbrkFailed);  // ...and the next page mapped after them
  const char path[] = "/xcopy_straddle";
  memcpy(tail, path, sizeof path);
  int fd = open(tail, O_CREATE | O_RDWR);
  CHECK(fd >= 0, "open of a path crossing a page boundary");
  close(fd);
  CHECK_EQ(mkdir(tail), -1);  // exists
  CHECK_EQ(unlink(tail), 0);
  CHECK_EQ(mkdir(tail), 0);
  CHECK_EQ(chdir(tail), 0);
  CHECK_EQ(chdir("/"), 0);
  CHECK_EQ(unlink(tail), 0);
  // exec with a straddling path and argument.
  const char prog[] = "/exectests";
  memcpy(tail, prog, sizeof prog);
  int pid = fork();
  if (pid == 0) {
    char a0[] = "exectests";
    char* a1 = tail + sizeof prog;
    memcpy(a1, "-exit", 6);
    char* argv[] = {a0, a1, nullptr};
    exec(tail, argv);
    exit(3);
  }
  CHECK_EQ(wait_for(pid), 0);
}

void unterminated_strings() {
  char* tail = heap_tail(16);
  memset(tail, 'a', 16);  // no NUL before the heap ends
  char name[] = "x";
  char* argv[] = {name, nullptr};
  CHECK_EQ(open(tail, O_CREATE | O_RDWR), -1);
  CHECK_EQ(mkdir(tail), -1);
  CHECK_EQ(unlink(tail), -1);
  CHECK_EQ(link("/README", tail), -1);
  CHECK_EQ(exec(tail, argv), -1);
  char prog[] = "/exectests";
  char* argv2[] = {name, tail, nullptr};
  CHECK_EQ(exec(prog, argv2), -1);
  // An argv array that runs off the heap without its terminating null.
  char** arr = ptr<char*>(addr(tail) + 16 - 2 * sizeof(char*));
  arr[0] = name;
  arr[1] = name;
  CHECK_EQ(exec(prog, arr), -1);
  // Longer than MAXPATH (but terminated).
  static char longpath[MAXPATH * 2];
  memset(longpath, 'p', sizeof longpath - 1);
  longpath[0] = '/';
  CHECK_EQ(open(longpath, O_CREATE | O_RDWR), -1);
  CHECK_EQ(mkdir(longpath), -1);
}

void bad_descriptors() {
  char buf[8];
  const int bad_fds[] = {-1, NOFILE, NOFILE + 1, 1000, -0x7fffffff - 1, 5, 15};
  struct stat st;
  for (int fd : bad_fds) {
    CHECK(read(fd, buf, 1) == -1, "read fd ", fd);
    CHECK(write(fd, buf, 1) == -1, "write fd ", fd);
    CHECK(close(fd) == -1, "close fd ", fd);
    CHECK(fstat(fd, &st) == -1, "fstat fd ", fd);
    CHECK(dup(fd) == -1, "dup fd ", fd);
  }
  int fd = open("/README", O_RDONLY);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, "x", 1), -1);  // opened read-only
  CHECK_EQ(close(fd), 0);
  CHECK_EQ(close(fd), -1);  // twice
}

void bad_syscall_numbers() {
  // 42 is allocfail and 43/44 exit and wait with a status: 45 is the first number nothing uses.
  const long nums[] = {0, 22, 39, 45, 99, 1000, -1, 0x7fffffff, -0x7fffffffL - 1};
  for (long n : nums) {
    long r = syscall6(n, 1, 2, 3);
    CHECK(r == -1, "system call ", n, " returned ", r);
  }
  CHECK(getpid() > 0);  // and we are still alive
}

void descriptor_table_full() {
  // NOFILE open files per process: the next open/dup/pipe fails cleanly.
  int opened = 0;
  for (;;) {
    int fd = open("/README", O_RDONLY);
    if (fd < 0) break;
    ++opened;
    CHECK(opened <= NOFILE);
  }
  CHECK_EQ(count_open_fds(), NOFILE);
  CHECK_EQ(dup(0), -1);
  int p[2];
  CHECK_EQ(pipe(p), -1);
  CHECK_EQ(close(NOFILE - 1), 0);
  CHECK_EQ(pipe(p), -1);  // one free slot is not enough for two ends
  CHECK_EQ(count_open_fds(), NOFILE - 1);
}

void copystats_count() {
  // copyin and copyinstr are counted (page-table lab, part 3): a write() copies in, an open()
  // copies a string in. Counts are system-wide, so only "at least" can be checked.
  struct copystats a, b;
  CHECK_EQ(copystats(&a), 0);
  int fd = open("/README", O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
  CHECK_EQ(write(1, "", 0) >= 0, true);
  int p[2];
  CHECK_EQ(pipe(p), 0);
  CHECK_EQ(write(p[1], "abc", 3), 3);
  close(p[0]);
  close(p[1]);
  CHECK_EQ(copystats(&b), 0);
  CHECK(b.copyinstr >= a.copyinstr + 1, "copyinstr ", a.copyinstr, " -> ", b.copyinstr);
  CHECK(b.copyin >= a.copyin + 1, "copyin ", a.copyin, " -> ", b.copyin);
}

void structs_crossing_pages() {
  // Valid out-parameters that straddle a page boundary are filled completely.
  char* tail = heap_tail(8);
  CHECK(sbrk(kPage) != kSbrkFailed);
  int fd = open("/README", O_RDONLY);
  CHECK(fd >= 0);
  struct stat direct;
  CHECK_EQ(fstat(fd, &direct), 0);
  struct stat* st = ptr<struct stat>(addr(tail));
  memset(st, 0xee, sizeof *st);
  CHECK_EQ(fstat(fd, st), 0);
  CHECK(memcmp(st, &direct, sizeof direct) == 0);
  int* fds = ptr<int>(addr(tail) + 4);  // fd[0] on one page, fd[1] on the next
  CHECK_EQ(pipe(fds), 0);
  CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
  CHECK_EQ(write(fds[1], "q", 1), 1);
  char c = 0;
  CHECK_EQ(read(fds[0], &c, 1), 1);
  CHECK_EQ(c, 'q');
  close(fds[0]);
  close(fds[1]);
  // A read() spanning several heap pages lands byte for byte.
  constexpr int kLen = 3 * kPage;
  char* big = sbrk(kLen + 100);
  CHECK(big != kSbrkFailed);
  char* dst = big + 100;  // not page-aligned
  int total = 0, r;
  while (total < kLen && (r = read(fd, dst + total, kLen - total)) > 0) total += r;
  CHECK(total > 0);
  close(fd);
  fd = open("/README", O_RDONLY);
  static char small[64];
  for (int off = 0; off < total; off += r) {
    int want =
        total - off < static_cast<int>(sizeof small) ? total - off : static_cast<int>(sizeof small);
    r = read(fd, small, want);
    CHECK(r > 0);
    CHECK(memcmp(small, dst + off, r) == 0, "at offset ", off);
  }
  close(fd);
}

constexpr Test kTests[] = {
    {"bad_buffers_file", bad_buffers_file},
    {"bad_buffers_pipe", bad_buffers_pipe},
    {"bad_buffers_console", bad_buffers_console},
    {"bad_out_pointers", bad_out_pointers},
    {"bad_paths", bad_paths},
    {"bad_exec_argv", bad_exec_argv},
    {"null_and_read_only", null_and_read_only},
    {"crossing_into_unmapped", crossing_into_unmapped},
    {"strings_crossing_pages", strings_crossing_pages},
    {"unterminated_strings", unterminated_strings},
    {"bad_descriptors", bad_descriptors},
    {"bad_syscall_numbers", bad_syscall_numbers},
    {"descriptor_table_full", descriptor_table_full},
    {"copystats_count", copystats_count},
    {"structs_crossing_pages", structs_crossing_pages},
};

}  // namespace

int main(int argc, char** argv) {
  g_initial_brk = addr(sbrk(0));
  init_bad_addresses();
  run_tests("copytests", kTests, argc, argv);
}
