// proctest: the kernel core's process tests (tests/qemu/test_proc.py drives it). Each subtest
// prints "proctest NAME: OK" or "proctest NAME: FAILED ..." and checks that no physical page leaks.
//   proctest fault|sbrk|exec|kill|wait|badptr|orphan|leak|sleep|all
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/sysinfo.h"
#include "user/user.h"

namespace {

constexpr uint64 kPageSize = 4096;
int g_failures = 0;

void fail(const char* test, const char* what) {
  printf("proctest %s: FAILED %s\n", test, what);
  g_failures++;
}

uint64 freemem() {
  struct sysinfo info;
  if (sysinfo(&info) < 0) return 0;
  return info.freemem;
}

uint64 nproc() {
  struct sysinfo info;
  if (sysinfo(&info) < 0) return 0;
  return info.nproc;
}

// Runs fn in a child and returns its exit status (or -2 if fork/wait failed).
int in_child(void (*fn)()) {
  int pid = fork();
  if (pid < 0) return -2;
  if (pid == 0) {
    fn();
    exit(0);
  }
  int status = 12345;
  if (wait(&status) != pid) return -2;
  return status;
}

// A pointer the compiler cannot reason about (it would reject null and out-of-bounds stores).
template <class T = int>
volatile T* at(uint64 a) {
  asm volatile("" : "+r"(a));
  return reinterpret_cast<volatile T*>(a);
}

// Fault subtests: each child must be killed with status -1.
void store_to_text() {
  *at(0) = 1;
}  // text is at 0, read-only
void store_to_text_page() {
  *at(0x10) = 1;
}
void load_unmapped() {
  (void)*at(0x3000000000ull);
}
void load_kernel() {
  (void)*at<uint64>(0x80000000ull);
}
void store_kernel() {
  *at<uint64>(0x80001000ull) = 0;
}
void store_trapframe() {
  *at<uint64>(0x3fffffe000ull) = 0;
}
void exec_trampoline() {
  reinterpret_cast<void (*)()>(0x3ffffff000ull)();
}
void stack_guard() {
  volatile char here = 0;
  uint64 page = reinterpret_cast<uint64>(&here) & ~(kPageSize - 1);
  *at<char>(page - 8) = here;  // the guard page just below the stack
}
void illegal_instruction() {
  asm volatile(".word 0");
}  // all-zero: defined illegal
void jump_to_data() {
  static unsigned int code[1] = {0x00008067};  // ret, but in a non-executable page
  reinterpret_cast<void (*)()>(code)();
}
void recurse(int n) {
  volatile char buf[512];
  buf[0] = static_cast<char>(n);
  if (n > 0) recurse(n - 1);
  buf[1] = buf[0];
}
void stack_overflow() {
  recurse(100);
}  // 50 KiB: runs into the guard page

void test_fault() {
  struct Case {
    const char* name;
    void (*fn)();
  } cases[] = {
      {"store to text", store_to_text},
      {"store to text page", store_to_text_page},
      {"load unmapped", load_unmapped},
      {"load kernel", load_kernel},
      {"store kernel", store_kernel},
      {"store trapframe", store_trapframe},
      {"exec trampoline", exec_trampoline},
      {"stack guard", stack_guard},
      {"illegal instruction", illegal_instruction},
      {"jump to data", jump_to_data},
      {"stack overflow", stack_overflow},
  };
  uint64 before = freemem();
  for (auto& c : cases) {
    int status = in_child(c.fn);
    if (status != -1) {
      fail("fault", c.name);
      printf("  status %d\n", status);
    }
  }
  if (freemem() != before) fail("fault", "pages leaked");
}

void test_sbrk() {
  uint64 before = freemem();
  int pid = fork();
  if (pid == 0) {
    char* base = sbrk(0);
    char* p = sbrk(10 * kPageSize);
    if (p != base) exit(1);
    for (uint64 i = 0; i < 10 * kPageSize; i += kPageSize) p[i] = static_cast<char>(i);
    if (sbrk(0) != base + 10 * kPageSize) exit(2);
    if (sbrk(-5 * static_cast<int>(kPageSize)) != base + 10 * kPageSize) exit(3);
    if (sbrk(0) != base + 5 * kPageSize) exit(4);
    // Far more than RAM: must fail without changing anything.
    if (sbrk(0x7fffffff) != reinterpret_cast<char*>(-1)) exit(5);
    if (sbrk(0) != base + 5 * kPageSize) exit(6);
    // Shrinking below zero is refused.
    if (sbrk(-0x7fffffff) != reinterpret_cast<char*>(-1)) exit(7);
    p[4 * kPageSize] = 1;  // still mapped
    exit(0);
  }
  int status = -5;
  wait(&status);
  if (status != 0) {
    fail("sbrk", "grow/shrink");
    printf("  status %d\n", status);
  }
  // Touching memory given back must fault.
  int st = in_child([] {
    char* p = sbrk(kPageSize);
    p[0] = 1;
    sbrk(-static_cast<int>(kPageSize));
    *reinterpret_cast<volatile char*>(p) = 2;
  });
  if (st != -1) fail("sbrk", "access after shrink did not fault");
  // A child that grows by many pages and exits frees them all.
  in_child([] { sbrk(1000 * kPageSize); });
  if (freemem() != before) fail("sbrk", "pages leaked");
}

void test_exec() {
  uint64 before = freemem();
  char* argv[MAXARG + 2];
  // Nonexistent, not an ELF file, a directory.
  argv[0] = const_cast<char*>("x");
  argv[1] = nullptr;
  if (exec("/no-such-program", argv) != -1) fail("exec", "nonexistent file");
  if (exec("/README", argv) != -1) fail("exec", "non-ELF file");
  if (exec("/", argv) != -1) fail("exec", "directory");
  // Bad pointers.
  if (exec(reinterpret_cast<char*>(0x80000000ull), argv) != -1) fail("exec", "kernel path pointer");
  if (exec("/echo", reinterpret_cast<char**>(0x80000000ull)) != -1)
    fail("exec", "kernel argv pointer");
  argv[0] = reinterpret_cast<char*>(0x3fffffe000ull);
  if (exec("/echo", argv) != -1) fail("exec", "trapframe string pointer");
  // Too many arguments.
  for (int i = 0; i < MAXARG + 1; i++) argv[i] = const_cast<char*>("a");
  argv[MAXARG + 1] = nullptr;
  if (exec("/echo", argv) != -1) fail("exec", "more than MAXARG arguments");
  // Arguments that do not fit on the one stack page.
  static char big[MAXARG][300];
  for (int i = 0; i < MAXARG - 1; i++) {
    memset(big[i], 'b', sizeof(big[i]) - 1);
    big[i][sizeof(big[i]) - 1] = 0;
    argv[i] = big[i];
  }
  argv[MAXARG - 1] = nullptr;
  if (exec("/echo", argv) != -1) fail("exec", "arguments larger than the stack");
  // Broken copies of a real program: truncated after the headers, in the middle of the text, and
  // with a bad magic number or a segment beyond user memory.
  static char elf[4096];
  int fd = open("/echo", O_RDONLY);
  int n = read(fd, elf, sizeof(elf));
  close(fd);
  if (n != sizeof(elf)) fail("exec", "read /echo");
  struct Variant {
    const char* what;
    int len;
    int patch_off;  // -1: none
    uint64 patch;
  } variants[] = {
      {"truncated after the headers", 64 + 2 * 56, -1, 0},
      {"truncated in the text", 3000, -1, 0},
      {"bad magic", 4096, 0, 0x464c4500},
      {"segment beyond user memory", 4096, 64 + 16, 0x3ffffff000ull},  // phdr[0].vaddr
      {"memsz below filesz", 4096, 64 + 40, 1},                        // phdr[0].memsz
  };
  for (auto& v : variants) {
    static char copy[4096];  // the user stack is one page
    memcpy(copy, elf, sizeof(copy));
    if (v.patch_off == 0) memcpy(copy, &v.patch, 4);
    if (v.patch_off > 0) memcpy(copy + v.patch_off, &v.patch, 8);
    fd = open("/badelf", O_CREATE | O_WRONLY | O_TRUNC);
    if (fd < 0 || write(fd, copy, v.len) != v.len) fail("exec", "write /badelf");
    close(fd);
    char* args[] = {const_cast<char*>("badelf"), nullptr};
    if (exec("/badelf", args) != -1) fail("exec", v.what);
  }
  unlink("/badelf");
  if (freemem() != before) fail("exec", "pages leaked by failed execs");
  // A good exec in a child, with arguments.
  int pid = fork();
  if (pid == 0) {
    char* args[] = {const_cast<char*>("echo"), const_cast<char*>("exec"),
                    const_cast<char*>("works"), nullptr};
    exec("/echo", args);
    exit(7);
  }
  int status = -5;
  wait(&status);
  if (status != 0) fail("exec", "exec echo");
  if (freemem() != before) fail("exec", "pages leaked by exec");
}

void test_kill() {
  if (kill(-1) != -1 || kill(0) != -1 || kill(100000) != -1) fail("kill", "bad pid accepted");
  if (kill(1) != -1) fail("kill", "init can be killed");
  uint64 before = freemem();
  // A child spinning in user space.
  int pid = fork();
  if (pid == 0) {
    for (;;) {
    }
  }
  sleep(2);
  if (kill(pid) != 0) fail("kill", "kill spinning child");
  int status = 0;
  if (wait(&status) != pid || status != -1) fail("kill", "spinning child status");
  // A child sleeping in the kernel.
  pid = fork();
  if (pid == 0) {
    sleep(1000);
    exit(0);
  }
  sleep(2);
  kill(pid);
  status = 0;
  if (wait(&status) != pid || status != -1) fail("kill", "sleeping child status");
  // A child blocked reading a pipe nobody writes.
  int fds[2];
  if (pipe(fds) < 0) {
    fail("kill", "pipe");
    return;
  }
  pid = fork();
  if (pid == 0) {
    char c;
    read(fds[0], &c, 1);
    exit(0);
  }
  sleep(2);
  kill(pid);
  status = 0;
  if (wait(&status) != pid || status != -1) fail("kill", "child blocked in read");
  close(fds[0]);
  close(fds[1]);
  if (freemem() != before) fail("kill", "pages leaked");
}

void test_wait() {
  if (wait(nullptr) != -1) fail("wait", "wait without children");
  int pids[5];
  for (int i = 0; i < 5; i++) {
    pids[i] = fork();
    if (pids[i] == 0) exit(i + 40);
  }
  int seen = 0;
  for (int i = 0; i < 5; i++) {
    int status = 0;
    int pid = wait(&status);
    for (int j = 0; j < 5; j++)
      if (pid == pids[j] && status == j + 40) seen |= 1 << j;
  }
  if (seen != 0x1f) fail("wait", "exit statuses");
  // A bad status pointer fails but does not reap the child.
  int pid = fork();
  if (pid == 0) exit(3);
  if (wait(reinterpret_cast<int*>(0x80000000ull)) != -1) fail("wait", "kernel status pointer");
  int status = 0;
  if (wait(&status) != pid || status != 3) fail("wait", "child after a failed wait");
  if (getpid() <= 0) fail("wait", "getpid");
}

void test_badptr() {
  char* kernel = reinterpret_cast<char*>(0x80000000ull);
  char* text = reinterpret_cast<char*>(0);
  char* unmapped = reinterpret_cast<char*>(0x3000000000ull);
  if (write(1, kernel, 10) != -1) fail("badptr", "write from kernel memory");
  if (write(1, unmapped, 10) != -1) fail("badptr", "write from unmapped memory");
  int fd = open("/README", O_RDONLY);
  if (read(fd, kernel, 10) != -1) fail("badptr", "read into kernel memory");
  if (read(fd, text, 10) != -1) fail("badptr", "read into text");
  close(fd);
  if (open(kernel, O_RDONLY) != -1) fail("badptr", "open with kernel path");
  if (open(unmapped, O_RDONLY) != -1) fail("badptr", "open with unmapped path");
  if (sysinfo(reinterpret_cast<struct sysinfo*>(kernel)) != -1) fail("badptr", "sysinfo");
  if (sysinfo(reinterpret_cast<struct sysinfo*>(text)) != -1) fail("badptr", "sysinfo to text");
  if (pipe(reinterpret_cast<int*>(kernel)) != -1) fail("badptr", "pipe");
  if (fstat(0, reinterpret_cast<struct stat*>(kernel)) != -1) fail("badptr", "fstat");
  // A string running off the end of user memory.
  char* top = sbrk(0);
  sbrk(kPageSize);
  memset(top, 'x', kPageSize);
  if (open(top, O_RDONLY) != -1) fail("badptr", "unterminated path");
  sbrk(-static_cast<int>(kPageSize));
}

void test_orphan() {
  uint64 before_n = nproc();
  uint64 before = freemem();
  int pid = fork();
  if (pid == 0) {
    if (fork() == 0) {
      sleep(5);  // outlives its parent; init must reap it
      exit(0);
    }
    exit(0);
  }
  wait(nullptr);
  sleep(20);
  if (nproc() != before_n) fail("orphan", "orphan not reaped by init");
  if (freemem() != before) fail("orphan", "pages leaked");
}

void test_leak() {
  uint64 before = freemem();
  for (int i = 0; i < 50; i++) {
    int pid = fork();
    if (pid < 0) {
      fail("leak", "fork");
      return;
    }
    if (pid == 0) {
      sbrk(3 * kPageSize);
      exit(0);
    }
    wait(nullptr);
  }
  if (freemem() != before) fail("leak", "fork/exit leaked pages");
}

// Use up all memory in a child, then fork, exec, sbrk and pipe must fail cleanly; everything is
// given back when the child exits.
void test_oom() {
  uint64 before = freemem();
  int pid = fork();
  if (pid == 0) {
    uint64 grown = 0;
    while (sbrk(64 * kPageSize) != reinterpret_cast<char*>(-1)) grown += 64;
    while (sbrk(kPageSize) != reinterpret_cast<char*>(-1)) grown += 1;
    if (grown < 1000) exit(1);
    if (fork() >= 0) exit(2);  // the copy cannot fit: at most a handful of pages are free
    char* args[] = {const_cast<char*>("echo"), const_cast<char*>("no"), nullptr};
    if (freemem() < 8 * kPageSize && exec("/echo", args) != -1) exit(3);
    // Give it all back: fork works again.
    if (sbrk(-static_cast<int>(grown * kPageSize)) == reinterpret_cast<char*>(-1)) exit(5);
    int child = fork();
    if (child == 0) exit(0);
    if (child < 0 || wait(nullptr) != child) exit(4);
    exit(0);
  }
  int status = -5;
  wait(&status);
  if (status != 0) {
    fail("oom", "child under memory pressure");
    printf("  status %d\n", status);
  }
  if (freemem() != before) fail("oom", "pages leaked");
}

void test_sleep() {
  int t0 = uptime();
  if (sleep(5) != 0) fail("sleep", "sleep returned an error");
  int t1 = uptime();
  if (t1 - t0 < 5) fail("sleep", "woke too early");
  if (sleep(-3) != 0) fail("sleep", "negative sleep");
}

// User mode may read the `time` CSR (scounteren.TM), as benchmarks do.
void test_rdtime() {
  uint64 t0, t1;
  asm volatile("rdtime %0" : "=r"(t0));
  sleep(1);
  asm volatile("rdtime %0" : "=r"(t1));
  if (t1 <= t0) fail("rdtime", "time does not advance");
}

struct Test {
  const char* name;
  void (*fn)();
};
const Test kTests[] = {
    {"fault", test_fault}, {"sbrk", test_sbrk},     {"exec", test_exec},     {"kill", test_kill},
    {"wait", test_wait},   {"badptr", test_badptr}, {"orphan", test_orphan}, {"leak", test_leak},
    {"oom", test_oom},     {"sleep", test_sleep},   {"rdtime", test_rdtime},
};

}  // namespace

int main(int argc, char** argv) {
  const char* which = argc > 1 ? argv[1] : "all";
  bool any = false;
  for (const Test& t : kTests) {
    if (strcmp(which, "all") != 0 && strcmp(which, t.name) != 0) continue;
    any = true;
    int before = g_failures;
    t.fn();
    if (g_failures == before) printf("proctest %s: OK\n", t.name);
  }
  if (!any) {
    printf("proctest: unknown test %s\n", which);
    return 1;
  }
  return g_failures == 0 ? 0 : 1;
}
