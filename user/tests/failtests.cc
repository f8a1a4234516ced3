// failtests: system calls under injected page-allocation failures (allocfail, kernel/allocfail.h).
// Each operation runs again and again with its 1st, 2nd, 3rd ... page allocation failing, until it
// completes without reaching the fault: every run that reached it must fail cleanly (-1), with the
// free-page and process counts exactly what they were before. Then random failures (seeded) and
// "every allocation fails" under several processes at once. The kernel must never panic.
// Usage: failtests [subtest...]
// failtests re-executes itself with "-exec-probe" to report, from the new image, whether an exec
// that succeeded had reached the fault.
#include "kernel/allocfail.h"
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr char kSelf[] = "/failtests";
constexpr char kProbe[] = "-exec-probe";
constexpr char kQuiet[] = "-exit";  // exits 0 at once, leaving the injection plan alone

// Exit codes of the exec probe's child.
constexpr int kExecOk = 0;       // exec succeeded, no fault reached (from the new image)
constexpr int kExecFaulted = 2;  // exec returned -1 after the injected fault, pages all back
constexpr int kExecBadOk = 3;    // exec succeeded although the fault was reached
constexpr int kExecBadFail = 4;  // exec returned -1 without a fault
constexpr int kExecLeaked = 5;   // exec failed but the free-page count changed

uint64 pages_now() {
  return free_pages();
}

// Arms "the nth allocation from now fails".
void arm_nth(uint64 n) {
  CHECK_EQ(allocfail(ALLOCFAIL_NTH, n, 0), 0);
}
// Disarms; true if the armed fault was reached.
bool disarm() {
  int injected = allocfail(ALLOCFAIL_OFF, 0, 0);
  CHECK(injected == 0 || injected == 1, "injected ", injected);
  return injected == 1;
}

// Runs op() with its nth allocation failing for n = 1, 2, ... until op() succeeds without reaching
// the fault; op returns true on success. Every failure must be clean: pages and processes as before
// (after `settle`, which reaps what the operation left). Returns the number of allocation points.
template <class Op, class Undo>
int every_failure_point(const char* what, Op op, Undo undo, int max_points = 4000) {
  for (int n = 1; n <= max_points; ++n) {
    const uint64 pages = pages_now();
    const uint64 procs = nproc();
    arm_nth(n);
    const bool ok = op();
    const bool reached = disarm();
    if (!reached) {
      CHECK(ok, what, " failed at point ", n, " without an injected fault");
      undo();
      say(g_current, ": ", what, ": ", n - 1, " allocation points, each failed cleanly");
      return n - 1;
    }
    CHECK(!ok, what, ": allocation ", n, " failed, yet the call succeeded");
    CHECK_EQ(nproc(), procs);
    const uint64 after = pages_now();
    CHECK(after == pages, what, ": allocation ", n, " failed and ", pages - after,
          " pages are gone (", pages, " before, ", after, " after)");
  }
  fail(__FILE__, __LINE__, what, ": more than ", max_points, " allocation points");
}

void nothing() {}

// -- fork --------------------------------------------------------------------------------------
int g_child = 0;

bool fork_once() {
  g_child = fork();
  if (g_child == 0) exit(7);
  return g_child > 0;
}
void reap_child() {
  CHECK_EQ(wait_for(g_child), 7);
}

// Copy-on-write fork (issue 12) moves most of fork's allocations into the first stores of the
// parent and the child: an allocation armed beyond fork's own is met in such a fault, which kills
// the process that made it (the specified behaviour: out of memory in a fault kills). So with COW
// each probe runs in a process of its own, and "killed after fork succeeded" ends the search like
// "not reached" does. True if fork shares pages: a fork of 64 touched pages costs less than 64.
bool kernel_has_cow() {
  char* p = sbrk(64 * 4096);
  CHECK(p != kSbrkFailed);
  for (int i = 0; i < 64; ++i) p[i * 4096] = 1;
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  const uint64 before = pages_now();
  const int pid = fork();
  if (pid == 0) {
    char c;
    read(fds[0], &c, 1);
    exit(0);
  }
  const uint64 during = pages_now();
  write(fds[1], "x", 1);
  wait_for(pid);
  close(fds[0]);
  close(fds[1]);
  CHECK(sbrk(-64 * 4096) != kSbrkFailed);
  return before - during < 64;
}

constexpr int kProbeFailedCleanly = 10;  // fork returned -1 at the injected fault
constexpr int kProbeNotReached = 11;     // fork and the child ran with no fault reached
constexpr int kProbeMetLater = 12;       // fork succeeded; the fault came in a COW store

// One fork with its nth allocation failing, in a process of its own (COW kernels).
int fork_probe(uint64 n) {
  const int st = run_in_child([n] {
    arm_nth(n);
    const int c = fork();
    if (c == 0) exit(7);
    const int injected = allocfail(ALLOCFAIL_OFF, 0, 0);
    if (c < 0) exit(injected == 1 ? kProbeFailedCleanly : 20);
    int cs = 0;
    if (wait(&cs) != c) exit(21);
    if (injected == 1 || cs == -1) exit(kProbeMetLater);
    exit(cs == 7 ? kProbeNotReached : 22);
  });
  return st == -1 ? kProbeMetLater : st;
}

// The number of allocations fork makes, each failure point checked (COW kernels).
int cow_fork_points(const char* what) {
  for (int n = 1; n <= 4000; ++n) {
    const uint64 pages = pages_now();
    const uint64 procs = nproc();
    const int st = fork_probe(n);
    uint64 after = pages_now();
    for (int i = 0; i < kSettleTicks && (after != pages || nproc() != procs); ++i) {
      sleep(1);  // a killed probe's child is init's to reap
      after = pages_now();
    }
    CHECK(after == pages, what, ": allocation ", n, ": ", pages - after, " pages gone");
    CHECK_EQ(nproc(), procs);
    if (st == kProbeFailedCleanly) continue;
    CHECK(st == kProbeNotReached || st == kProbeMetLater, what, ": probe ", n, " status ", st);
    say(g_current, ": ", what, ": ", n - 1, " allocation points, each failed cleanly");
    return n - 1;
  }
  fail(__FILE__, __LINE__, what, ": more than 4000 allocation points");
}

void fork_every_point() {
  const int points = kernel_has_cow() ? cow_fork_points("fork")
                                      : every_failure_point("fork", fork_once, reap_child);
  CHECK(points >= 4, "fork made only ", points, " allocations");
}

void fork_big_every_point() {
  // A heap that crosses a 2 MiB boundary (x86: 4 MiB), so that fork needs a second last-level
  // table; its failure points are sampled (each run copies up to all of the pages before it).
  const bool cow = kernel_has_cow();
  const uint64 base = addr(sbrk(0));
  const uint64 target = page_round_up(base) + kLeafTableSpan;
  CHECK(sbrk(static_cast<int>(target - base)) != kSbrkFailed);
  const uint64 before = pages_now();
  CHECK(fork_once());
  const uint64 during = pages_now();  // fork frees nothing: its allocations are the difference
  reap_child();
  CHECK_EQ(pages_now(), before);
  const uint64 total = before - during;
  if (cow) {
    // Tables and the child's kernel state only; the pages are shared.
    CHECK(total < 64, "COW fork of a 2 MiB heap made ", total, " allocations");
    const int points = cow_fork_points("fork of a 2 MiB heap");
    CHECK(points >= 4, "fork made only ", points, " allocations");
    return;
  }
  CHECK(total > 512, "fork of a 2 MiB heap made ", total, " allocations");
  int tried = 0;
  for (uint64 n = 1; n <= total + 1; n += (n < 24 || n + 24 > total) ? 1 : 97) {
    const uint64 pages = pages_now();
    arm_nth(n);
    const bool ok = fork_once();
    const bool reached = disarm();
    ++tried;
    if (n <= total) {
      CHECK(reached && !ok, "allocation ", n, " of ", total, ": reached ", reached, " ok ", ok);
      CHECK_EQ(pages_now(), pages);
    } else {
      CHECK(!reached && ok, "beyond the last allocation: reached ", reached, " ok ", ok);
      reap_child();
    }
  }
  say(g_current, ": fork of a 2 MiB heap: ", total, " allocation points, ", tried, " tried");
}

// -- exec --------------------------------------------------------------------------------------
// In a child: arm, exec this program with a few arguments (one kernel page each), report.
int exec_probe(uint64 n) {
  return run_in_child([n] {
    static char a1[] = "-exec-probe", a2[] = "two", a3[] = "three";
    static char* argv[] = {const_cast<char*>(kSelf), a1, a2, a3, nullptr};
    const uint64 pages = pages_now();
    arm_nth(n);
    exec(kSelf, argv);
    const bool reached = disarm();
    if (!reached) exit(kExecBadFail);
    exit(pages_now() == pages ? kExecFaulted : kExecLeaked);
  });
}

void exec_every_point() {
  int n = 1;
  for (;; ++n) {
    CHECK(n < 400, "exec: more than 400 allocation points");
    const uint64 pages = pages_now();
    const int st = exec_probe(n);
    CHECK(st == kExecOk || st == kExecFaulted, "exec with allocation ", n, " failing: status ", st,
          st == kExecBadOk     ? " (succeeded although it reached the fault)"
          : st == kExecBadFail ? " (failed without a fault)"
          : st == kExecLeaked  ? " (lost pages)"
                               : "");
    CHECK_EQ(pages_now(), pages);
    if (st == kExecOk) break;
  }
  CHECK(n - 1 >= 8, "exec made only ", n - 1, " allocations");
  say(g_current, ": exec: ", n - 1, " allocation points, each failed cleanly");
}

// -- sbrk --------------------------------------------------------------------------------------
constexpr int kGrow = 24 * 4096;
uint64 g_brk;

bool grow() {
  g_brk = addr(sbrk(0));
  return sbrk(kGrow) != kSbrkFailed;
}
void shrink() {
  volatile char* p = ptr<volatile char>(g_brk);
  for (int i = 0; i < kGrow; i += 4096) CHECK_EQ(p[i], 0);
  CHECK(sbrk(-kGrow) != kSbrkFailed);
}

void sbrk_every_point() {
  // Across a 2 MiB boundary (x86: 4 MiB, kLeafTableSpan): the growth needs a new last-level table
  // (and, with a per-process kernel page table, one in the mirror too) somewhere in the middle.
  const uint64 base = addr(sbrk(0));
  const uint64 boundary = (page_round_up(base) + kLeafTableSpan) & ~(kLeafTableSpan - 1);
  const uint64 start = boundary - kGrow / 2;
  CHECK(sbrk(static_cast<int>(start - base)) != kSbrkFailed);
  volatile char* heap = ptr<volatile char>(start - 1);
  *heap = 'h';
  auto op = [] {
    const bool ok = grow();
    if (!ok) CHECK_EQ(addr(sbrk(0)), g_brk);  // a failed sbrk leaves the break alone
    return ok;
  };
  const int points = every_failure_point("sbrk across 2 MiB", op, shrink);
  CHECK(points >= kGrow / 4096 + 1, "sbrk made ", points, " allocations");
  CHECK_EQ(*heap, 'h');
}

// -- calls that need no frames -------------------------------------------------------------------
void frameless_calls() {
  // Pipes come from a fixed pool and file data lives in the buffer cache: neither needs the frame
  // allocator, so the first allocation is never reached.
  int fds[2];
  CHECK_EQ(every_failure_point(
               "pipe+write+read", [&] { return pipe(fds) == 0 && write(fds[1], "abc", 3) == 3; },
               [&] {
                 char buf[3];
                 CHECK_EQ(read(fds[0], buf, 3), 3);
                 close(fds[0]);
                 close(fds[1]);
               }),
           0);
  static char block[3000];
  memset(block, 'f', sizeof block);
  CHECK_EQ(every_failure_point(
               "open+write+close+unlink",
               [] {
                 int fd = open("/failtests_file", O_CREATE | O_RDWR);
                 if (fd < 0) return false;
                 bool ok = true;
                 for (int i = 0; i < 4; ++i)
                   ok = ok && write(fd, block, sizeof block) == static_cast<int>(sizeof block);
                 close(fd);
                 return unlink("/failtests_file") == 0 && ok;
               },
               nothing),
           0);
  CHECK_EQ(every_failure_point(
               "kpgtbl", [] { return kpgtbl() == 0; }, nothing),
           0);
  struct sysinfo si;
  CHECK_EQ(every_failure_point(
               "sysinfo", [&] { return sysinfo(&si) == 0; }, nothing),
           0);
}

// -- many failures
// ---------------------------------------------------------------------------------
void all_fail() {
  const uint64 pages = pages_now();
  const uint64 base = addr(sbrk(0));
  CHECK_EQ(allocfail(ALLOCFAIL_ALL, 0, 0), 0);
  const int pid = fork();
  if (pid == 0) exit(0);
  char* s = sbrk(4096);
  static char* argv[] = {const_cast<char*>(kSelf), const_cast<char*>(kProbe), nullptr};
  const int e = exec(kSelf, argv);
  const int injected = allocfail(ALLOCFAIL_OFF, 0, 0);
  CHECK_EQ(pid, -1);
  CHECK(s == kSbrkFailed);
  CHECK_EQ(e, -1);
  CHECK(injected >= 3, "injected ", injected);
  CHECK_EQ(addr(sbrk(0)), base);
  CHECK_EQ(pages_now(), pages);
  CHECK_EQ(run_in_child([] {}), 0);  // and everything works again
}

// A mix of fork, exec, sbrk and pipe, every call of which may fail.
void workload(Rng& rng, int steps) {
  for (int i = 0; i < steps; ++i) {
    switch (rng.below(4)) {
      case 0: {
        int pid = fork();
        if (pid == 0) {
          sbrk(static_cast<int>(rng.below(5)) * 4096);
          exit(3);
        }
        if (pid > 0) CHECK_EQ(wait_for(pid), 3);
        break;
      }
      case 1: {
        int pid = fork();
        if (pid == 0) {
          static char* argv[] = {const_cast<char*>(kSelf), const_cast<char*>(kQuiet), nullptr};
          exec(kSelf, argv);
          exit(4);  // exec failed
        }
        if (pid > 0) {
          int st = wait_for(pid);
          CHECK(st == 4 || st == 0, "exec child status ", st);
        }
        break;
      }
      case 2: {
        const uint64 brk = addr(sbrk(0));
        const int n = static_cast<int>(1 + rng.below(40)) * 4096;
        if (sbrk(n) != kSbrkFailed) {
          CHECK_EQ(sbrk(-n), ptr<char>(brk + n));
        } else {
          CHECK_EQ(addr(sbrk(0)), brk);
        }
        break;
      }
      default: {
        int fds[2];
        if (pipe(fds) == 0) {
          close(fds[0]);
          close(fds[1]);
        }
        break;
      }
    }
  }
}

void random_failures() {
  // Three workers at once (on several harts, they race for the allocator), one failure in four.
  // With copy-on-write fork a worker's own stores fault pages in, and a fault that cannot get
  // memory kills it (-1): that is the specified outcome, not a loss.
  const bool cow = kernel_has_cow();
  // The workers are forked before the failures are armed and wait for the go: this process's
  // pages are shared with them copy-on-write, so it owns them again first, or its own next store
  // could need memory and get it killed.
  for (uint64 seed = 1; seed <= 3; ++seed) {
    int go[2];
    CHECK_EQ(pipe(go), 0);
    int pids[3];
    for (int w = 0; w < 3; ++w) {
      pids[w] = fork();
      if (pids[w] == 0) {
        close(go[1]);
        char c;
        read(go[0], &c, 1);  // 0 at the go: every write end closed
        close(go[0]);
        Rng rng(seed * 10 + w);
        workload(rng, 40);
        exit(0);
      }
    }
    own_pages();
    CHECK_EQ(allocfail(ALLOCFAIL_RANDOM, ALLOCFAIL_ONE_IN / 4, seed), 0);
    close(go[0]);
    close(go[1]);
    // They run at once, so they end in any order.
    for (int w = 0; w < 3; ++w) {
      if (pids[w] < 0) continue;
      int st = 0x5a;
      const int pid = wait(&st);
      CHECK(pid == pids[0] || pid == pids[1] || pid == pids[2], "wait returned ", pid);
      CHECK(st == 0 || (cow && st == -1), "worker ", pid, " of seed ", seed, " exited with ", st);
    }
    const int injected = allocfail(ALLOCFAIL_OFF, 0, 0);
    CHECK(injected > 0, "seed ", seed, ": no failure injected");
  }
}

void bad_arguments() {
  CHECK_EQ(allocfail(ALLOCFAIL_NTH, 0, 0), -1);
  CHECK_EQ(allocfail(ALLOCFAIL_RANDOM, ALLOCFAIL_ONE_IN + 1, 1), -1);
  CHECK_EQ(allocfail(-1, 0, 0), -1);
  CHECK_EQ(allocfail(99, 0, 0), -1);
  CHECK_EQ(allocfail(ALLOCFAIL_COUNT, 0, 0), 0);
  // An nth plan far away is never reached by a getpid.
  CHECK_EQ(allocfail(ALLOCFAIL_NTH, ~0ull, 0), 0);
  getpid();
  CHECK_EQ(allocfail(ALLOCFAIL_OFF, 0, 0), 0);
}

constexpr Test kTests[] = {
    {"bad_arguments", bad_arguments},
    {"fork_every_point", fork_every_point},
    {"fork_big_every_point", fork_big_every_point},
    {"exec_every_point", exec_every_point},
    {"sbrk_every_point", sbrk_every_point},
    {"frameless_calls", frameless_calls},
    {"all_fail", all_fail},
    {"random_failures", random_failures},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], kQuiet) == 0) exit(0);
  if (argc >= 2 && strcmp(argv[1], kProbe) == 0) {
    // The image of an exec that succeeded: had it reached the fault?
    exit(allocfail(ALLOCFAIL_OFF, 0, 0) == 0 ? kExecOk : kExecBadOk);
  }
  run_tests("failtests", kTests, argc, argv);
}
