// pgtbltest: the page-table lab's tests (tests/qemu/test_pgtbl.py drives it, in both kernel
// page-table designs). Each subtest prints "pgtbltest NAME: OK" or "pgtbltest NAME: FAILED ...".
//   pgtbltest copyin      copyin/copyinstr edge cases: page and size boundaries, guard page,
//                         kernel addresses, wrap-around, over-long strings, and the counters
//   pgtbltest sbrk        growth past the PLIC fails cleanly; shrink removes access
//   pgtbltest leak [N]    N fork/sbrk/exec/exit cycles (default 2000) lose no physical page
//   pgtbltest kstacks     forks sleepers and says "ready", so that ^P shows their kernel tables
//   pgtbltest bigsbrk MB  an eager sbrk of MB MiB, a page per MiB written and read back, then
//                         freed: every page comes back (tests/qemu/test_memory.py, -m 2G)
//   pgtbltest all         copyin, sbrk, leak
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/sysinfo.h"
#include "user/user.h"

namespace {

constexpr uint64 kPageSize = 4096;
constexpr uint64 kPlic = 0x0c000000;  // the lowest kernel mapping of a per-process kernel table
int g_failures = 0;

void fail(const char* test, const char* what) {
  printf("pgtbltest %s: FAILED %s\n", test, what);
  g_failures++;
}

uint64 freemem() {
  struct sysinfo info;
  if (sysinfo(&info) < 0) return 0;
  return info.freemem;
}

struct copystats stats() {
  struct copystats st = {0, 0};
  copystats(&st);
  return st;
}

// An address the compiler cannot reason about.
char* at(uint64 a) {
  asm volatile("" : "+r"(a));
  return reinterpret_cast<char*>(a);
}

uint64 page_round_down(uint64 a) {
  return a & ~(kPageSize - 1);
}

// Grows memory so that its end is page-aligned and at least `extra` pages lie below it; returns
// the end.
char* aligned_top(uint64 extra) {
  uint64 top = reinterpret_cast<uint64>(sbrk(0));
  uint64 grow = (kPageSize - top % kPageSize) % kPageSize + extra * kPageSize;
  if (grow > 0 && sbrk(static_cast<int>(grow)) == reinterpret_cast<char*>(-1)) return nullptr;
  return sbrk(0);
}

// copyin: write() copies its buffer in from user memory.
void test_copyin_write(int fd) {
  const char* t = "copyin";
  char* top = aligned_top(3);
  if (top == nullptr) {
    fail(t, "sbrk");
    return;
  }
  // A buffer over three pages, unaligned at both ends, read back intact.
  char* buf = top - 3 * kPageSize + 100;
  const int n = 3 * kPageSize - 200;
  for (int i = 0; i < n; i++) buf[i] = static_cast<char>(i * 7 + 3);
  if (write(fd, buf, n) != n) fail(t, "write of a buffer spanning pages");
  // The last byte of memory is readable; one more byte is not.
  top[-1] = 'z';
  if (write(fd, top - 1, 1) != 1) fail(t, "write of the last byte of memory");
  if (write(fd, top - 1, 2) != -1) fail(t, "write of a range ending past the top");
  if (write(fd, top, 1) != -1) fail(t, "write from the first byte past the top");
  if (write(fd, top + kPageSize, 1) != -1) fail(t, "write from above the top");
  // The stack guard page (mapped, but not for the user) and ranges crossing into it.
  int local = 0;
  char* guard = at(page_round_down(reinterpret_cast<uint64>(&local)) - kPageSize);
  if (write(fd, guard, 8) != -1) fail(t, "write from the guard page");
  if (write(fd, guard + kPageSize - 4, 8) != -1)
    fail(t, "write from a range starting in the guard");
  if (write(fd, guard - 4, 8) != -1) fail(t, "write from a range ending in the guard");
  // Kernel addresses: the PLIC (lowest kernel mapping), RAM, trapframe, trampoline, wrap-around.
  const uint64 bad[] = {kPlic,           kPlic - 1,       0x80000000ull,   0x87fff000ull,
                        0x3fffffe000ull, 0x3ffffff000ull, 0x4000000000ull, ~0ull - 3};
  for (uint64 a : bad) {
    if (write(fd, at(a), 8) != -1) {
      printf("pgtbltest copyin: address 0x%lx\n", a);
      fail(t, "write from a non-user address");
    }
  }
  if (write(fd, top - 1, 0) != 0) fail(t, "write of 0 bytes");
  // What was written comes back.
  close(fd);
  fd = open("pgtbl.tmp", O_RDONLY);
  char* back = static_cast<char*>(malloc(n + 1));
  if (fd < 0 || back == nullptr || read(fd, back, n + 1) != n + 1) {
    fail(t, "read back");
  } else {
    if (memcmp(back, buf, n) != 0) fail(t, "data written from spanning buffer differs");
    if (back[n] != 'z') fail(t, "last byte differs");
  }
  free(back);
  close(fd);
}

// copyinstr: open() copies its path in from user memory.
void test_copyin_str() {
  const char* t = "copyin";
  char* top = aligned_top(2);
  if (top == nullptr) {
    fail(t, "sbrk");
    return;
  }
  // A path ending with its NUL in the last byte of memory.
  char* s = top - 7;
  strcpy(s, "README");
  int fd = open(s, O_RDONLY);
  if (fd < 0) fail(t, "open of a path ending at the top");
  close(fd);
  // The same path without its NUL: it runs off the top.
  memmove(top - 6, "README", 6);
  if (open(top - 6, O_RDONLY) != -1) fail(t, "open of a path running off the top");
  // A path crossing a page boundary.
  s = top - kPageSize - 3;
  strcpy(s, "README");
  fd = open(s, O_RDONLY);
  if (fd < 0) fail(t, "open of a path crossing a page boundary");
  close(fd);
  // A path in the guard page, at kernel addresses, and one starting just past the top.
  int local = 0;
  char* guard = at(page_round_down(reinterpret_cast<uint64>(&local)) - kPageSize);
  if (open(guard, O_RDONLY) != -1) fail(t, "open of a path in the guard page");
  if (open(at(kPlic), O_RDONLY) != -1) fail(t, "open of a path at the PLIC");
  if (open(at(0x80000000ull), O_RDONLY) != -1) fail(t, "open of a path in kernel RAM");
  if (open(top, O_RDONLY) != -1) fail(t, "open of a path past the top");
  // MAXPATH bytes with the NUL fit; one more byte does not.
  char path[MAXPATH + 2];
  int len = MAXPATH - 1;
  for (int i = 0; i < len - 6; i++) path[i] = '/';
  strcpy(path + len - 6, "README");
  fd = open(path, O_RDONLY);
  if (fd < 0) fail(t, "open of a path of MAXPATH-1 characters");
  close(fd);
  path[0] = '/';
  for (int i = 0; i < len + 1 - 6; i++) path[i] = '/';
  strcpy(path + len + 1 - 6, "README");
  if (open(path, O_RDONLY) != -1) fail(t, "open of a path of MAXPATH characters");
  // exec's argv: an array running off the top, and a string pointer into the guard page.
  char** argv = reinterpret_cast<char**>(top - sizeof(char*));
  argv[0] = const_cast<char*>("nop");
  if (exec("nop", argv) != -1) fail(t, "exec with an argv running off the top");
  char* bad_argv[] = {const_cast<char*>("nop"), guard, nullptr};
  if (exec("nop", bad_argv) != -1) fail(t, "exec with an argument in the guard page");
}

void test_copyin() {
  struct copystats before = stats();
  int fd = open("pgtbl.tmp", O_CREATE | O_RDWR);
  if (fd < 0) {
    fail("copyin", "create pgtbl.tmp");
    return;
  }
  test_copyin_write(fd);
  test_copyin_str();
  unlink("pgtbl.tmp");
  struct copystats after = stats();
  // At least one copyin per write() above, one copyinstr per open().
  if (after.copyin < before.copyin + 20) fail("copyin", "copyin counter did not grow");
  if (after.copyinstr < before.copyinstr + 10) fail("copyin", "copyinstr counter did not grow");
  if (g_failures == 0) printf("pgtbltest copyin: OK\n");
}

void test_sbrk() {
  const char* t = "sbrk";
  uint64 free0 = freemem();
  char* top = sbrk(0);
  // Past the PLIC: refused (per-process design: the limit; global design: no 192 MiB of RAM).
  uint64 past = kPlic - reinterpret_cast<uint64>(top) + kPageSize;
  if (sbrk(static_cast<int>(past)) != reinterpret_cast<char*>(-1)) fail(t, "sbrk past the PLIC");
  if (sbrk(0) != top) fail(t, "size changed by a failed sbrk");
  if (freemem() != free0) fail(t, "a failed sbrk leaked pages");
  if (sbrk(-static_cast<int>(reinterpret_cast<uint64>(top)) - 4096) !=
      reinterpret_cast<char*>(-1)) {
    fail(t, "sbrk below 0");
  }
  // Grow, use through the kernel, shrink: the freed range is gone for the kernel too.
  int fd = open("pgtbl.tmp", O_CREATE | O_RDWR);
  for (int round = 0; round < 50; round++) {
    char* p = sbrk(8 * kPageSize);
    if (p == reinterpret_cast<char*>(-1)) {
      fail(t, "sbrk grow");
      break;
    }
    for (uint64 i = 0; i < 8 * kPageSize; i += kPageSize) p[i] = static_cast<char>(round);
    if (write(fd, p + 7 * kPageSize, 16) != 16) fail(t, "write from grown memory");
    sbrk(-static_cast<int>(8 * kPageSize));
    if (write(fd, p + 7 * kPageSize, 16) != -1) fail(t, "write from shrunk memory");
    if (write(fd, p, 1) != -1) fail(t, "write from the first shrunk page");
  }
  close(fd);
  unlink("pgtbl.tmp");
  if (freemem() != free0) fail(t, "grow/shrink lost pages");
  if (g_failures == 0) printf("pgtbltest sbrk: OK\n");
}

void test_leak(int cycles) {
  const char* t = "leak";
  // One cycle first: the file system may cache what the others find cached.
  uint64 free0 = 0;
  int start = uptime();
  for (int i = 0; i <= cycles; i++) {
    if (i == 1) free0 = freemem();
    int pid = fork();
    if (pid < 0) {
      fail(t, "fork");
      break;
    }
    if (pid == 0) {
      // Some user memory to mirror, copy and tear down; then exec, or fail to.
      char* p = sbrk(static_cast<int>((i % 5) * kPageSize));
      if (p != reinterpret_cast<char*>(-1) && i % 5 != 0) p[0] = 1;
      if (i % 7 == 3) {
        char* argv[] = {const_cast<char*>("nosuchprogram"), nullptr};
        exec("nosuchprogram", argv);
        exit(0);
      }
      char* argv[] = {const_cast<char*>("nop"), nullptr};
      exec("nop", argv);
      exit(7);
    }
    int status = -1;
    if (wait(&status) != pid || status != 0) {
      fail(t, "child did not exec nop and exit 0");
      break;
    }
  }
  uint64 free1 = freemem();
  if (free1 != free0) {
    printf("pgtbltest leak: %lu pages before, %lu after\n", free0 / kPageSize, free1 / kPageSize);
    fail(t, "pages lost");
  }
  if (g_failures == 0) {
    printf("pgtbltest leak: OK (%d cycles, %d ticks)\n", cycles, uptime() - start);
  }
}

void test_kstacks() {
  const int kChildren = 4;
  int pids[kChildren];
  int ready[2];
  if (pipe(ready) < 0) {
    fail("kstacks", "pipe");
    return;
  }
  for (int i = 0; i < kChildren; i++) {
    pids[i] = fork();
    if (pids[i] == 0) {
      char* p = sbrk(static_cast<int>((i + 1) * kPageSize));
      if (p != reinterpret_cast<char*>(-1)) p[0] = 1;
      write(ready[1], "r", 1);  // done changing memory: ^P may look now
      sleep(40);
      exit(0);
    }
  }
  char c;
  for (int i = 0; i < kChildren; i++) {
    if (pids[i] > 0 && read(ready[0], &c, 1) != 1) fail("kstacks", "ready pipe");
  }
  close(ready[0]);
  close(ready[1]);
  printf("pgtbltest kstacks: ready\n");
  for (int i = 0; i < kChildren; i++) {
    int status = -1;
    if (pids[i] < 0 || wait(&status) < 0 || status != 0) fail("kstacks", "child");
  }
  if (g_failures == 0) printf("pgtbltest kstacks: OK\n");
}

void test_bigsbrk(int mib) {
  const char* t = "bigsbrk";
  const uint64 kMiB = 1024 * 1024;
  if (mib <= 0 || static_cast<uint64>(mib) * kMiB > 0x7fffffffull) {
    fail(t, "size must be 1..2047 MiB");
    return;
  }
  uint64 free0 = freemem();
  const int bytes = static_cast<int>(static_cast<uint64>(mib) * kMiB);
  char* p = sbrk(bytes);
  if (p == reinterpret_cast<char*>(-1)) {
    fail(t, "sbrk");
    return;
  }
  uint64 used = free0 - freemem();
  if (used < static_cast<uint64>(bytes)) fail(t, "eager sbrk took fewer pages than it maps");
  for (int i = 0; i < mib; i++) *reinterpret_cast<volatile uint64*>(p + i * kMiB) = 0x5a00 + i;
  for (int i = 0; i < mib; i++) {
    if (*reinterpret_cast<volatile uint64*>(p + i * kMiB) != static_cast<uint64>(0x5a00 + i)) {
      fail(t, "a page per MiB reads back what was written");
      break;
    }
  }
  // The last byte, through the kernel too.
  p[bytes - 1] = 'e';
  int fd = open("pgtbl.tmp", O_CREATE | O_RDWR);
  if (fd < 0 || write(fd, p + bytes - 1, 1) != 1) fail(t, "write from the last byte");
  if (fd >= 0) close(fd);
  unlink("pgtbl.tmp");
  if (sbrk(-bytes) == reinterpret_cast<char*>(-1)) fail(t, "shrink");
  // Shrinking keeps the emptied page-table pages (as xv6's uvmunmap does) until exit: one per
  // 2 MiB and a few more, twice in the per-process design (its kernel table's mirror). The
  // caller checks that exit returns them too.
  const uint64 kept = (free0 - freemem()) / kPageSize;
  if (freemem() > free0 || kept > static_cast<uint64>(mib) + 4) fail(t, "pages lost");
  if (g_failures == 0) {
    printf("pgtbltest bigsbrk: OK (%d MiB, %lu pages, %lu table pages kept until exit)\n", mib,
           used / kPageSize, kept);
  }
}

}  // namespace

int main(int argc, char* argv[]) {
  const char* which = argc > 1 ? argv[1] : "all";
  bool all = strcmp(which, "all") == 0;
  if (all || strcmp(which, "copyin") == 0) test_copyin();
  if (all || strcmp(which, "sbrk") == 0) test_sbrk();
  if (all || strcmp(which, "leak") == 0) test_leak(argc > 2 ? atoi(argv[2]) : 2000);
  if (strcmp(which, "kstacks") == 0) test_kstacks();
  if (strcmp(which, "bigsbrk") == 0) test_bigsbrk(argc > 2 ? atoi(argv[2]) : 64);
  exit(g_failures == 0 ? 0 : 1);
}
