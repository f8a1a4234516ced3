// proctests: processes: fork copies, exit status through wait, kill, orphans, preemption, the
// process limit, many children on several harts. Usage: proctests [subtest...]
#include "user/tests/testlib.h"

namespace {

using namespace utest;

int g_global = 1;

void exit_status() {
  const int codes[] = {0, 1, 2, 42, 127, 255, 256, 1000, -1, -2, 0x7fffffff, -0x7fffffff - 1};
  for (int code : codes) {
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) exit(code);
    CHECK_EQ(wait_for(pid), code);
  }
  // wait(0) reaps without reporting a status.
  int pid = fork();
  if (pid == 0) exit(3);
  CHECK_EQ(wait(nullptr), pid);
}

void wait_without_children() {
  int st = 5;
  CHECK_EQ(wait(&st), -1);
  CHECK_EQ(st, 5);
  CHECK_EQ(wait(nullptr), -1);
}

void fork_returns_pids() {
  int me = getpid();
  CHECK(me > 0);
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int child = getpid();
    write(p[1], &child, sizeof child);
    exit(0);
  }
  int reported = 0;
  CHECK_EQ(read(p[0], &reported, sizeof reported), static_cast<int>(sizeof reported));
  CHECK_EQ(reported, pid);
  CHECK(pid != me);
  CHECK_EQ(getpid(), me);
  CHECK_EQ(wait_for(pid), 0);
  close(p[0]);
  close(p[1]);
}

void fork_copies_independent() {
  volatile int on_stack = 10;
  g_global = 20;
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (on_stack != 10 || g_global != 20) exit(2);
    on_stack = 11;
    g_global = 21;
    sleep(2);
    exit(on_stack == 11 && g_global == 21 ? 0 : 3);
  }
  on_stack = 12;
  g_global = 22;
  CHECK_EQ(wait_for(pid), 0);
  CHECK_EQ(on_stack, 12);
  CHECK_EQ(g_global, 22);
}

void exit_closes_files() {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int pid = fork();
  if (pid == 0) {
    close(p[0]);
    write(p[1], "abc", 3);
    exit(0);  // does not close p[1]: exit must
  }
  close(p[1]);
  char buf[8];
  CHECK_EQ(read(p[0], buf, sizeof buf), 3);
  CHECK_EQ(read(p[0], buf, sizeof buf), 0);  // EOF: the child's end closed at exit
  CHECK_EQ(wait_for(pid), 0);
  close(p[0]);
}

void kill_sleeping() {
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    sleep(100000);
    exit(0);
  }
  sleep(2);
  int t0 = uptime();
  CHECK_EQ(kill(pid), 0);
  CHECK_EQ(wait_for(pid), -1);
  CHECK(uptime() - t0 < 50, "kill took ", uptime() - t0, " ticks");
}

void kill_running() {
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    spin_forever();
  }
  sleep(3);
  CHECK_EQ(kill(pid), 0);
  CHECK_EQ(wait_for(pid), -1);
}

void kill_pipe_reader() {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int pid = fork();
  if (pid == 0) {
    char c;
    read(p[0], &c, 1);  // blocks forever: the parent never writes
    exit(0);
  }
  sleep(2);
  CHECK_EQ(kill(pid), 0);
  CHECK_EQ(wait_for(pid), -1);
  close(p[0]);
  close(p[1]);
}

void kill_bad_pids() {
  CHECK_EQ(kill(-1), -1);
  CHECK_EQ(kill(0), -1);
  CHECK_EQ(kill(1000000), -1);
  CHECK_EQ(kill(-0x7fffffff - 1), -1);
  // A reaped child is gone.
  int pid = fork();
  if (pid == 0) exit(0);
  CHECK_EQ(wait_for(pid), 0);
  CHECK_EQ(kill(pid), -1);
}

void kill_self() {
  int pid = fork();
  if (pid == 0) {
    kill(getpid());
    // The kill takes effect at the latest when we next enter the kernel.
    for (int i = 0; i < 100; ++i) getpid();
    exit(5);
  }
  CHECK_EQ(wait_for(pid), -1);
}

void orphans_reparented() {
  // Children whose parent exits first go to init, which must reap them; the runner checks the
  // process count and free pages settle back.
  uint64 procs = nproc();
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    for (int i = 0; i < 5; ++i) {
      int g = fork();
      if (g == 0) {
        sleep(3 + i);
        exit(i);
      }
    }
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
  CHECK_EQ(wait(nullptr), -1);  // grandchildren are not ours
  int t0 = uptime();
  while (nproc() != procs && uptime() - t0 < 100) sleep(1);
  CHECK_EQ(nproc(), procs);
}

void orphan_zombies() {
  // The grandchildren are already zombies when their parent exits.
  int pid = fork();
  if (pid == 0) {
    for (int i = 0; i < 5; ++i)
      if (fork() == 0) exit(0);
    sleep(3);
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
}

void preempt_spinners() {
  // Spinning children never sleep; the parent (and the shell on 1 hart) still gets to run.
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int pids[3];
  for (int& pid : pids) {
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      close(p[0]);
      write(p[1], "s", 1);
      spin_forever();
    }
  }
  close(p[1]);
  char c;
  for (int i = 0; i < 3; ++i) CHECK_EQ(read(p[0], &c, 1), 1);  // every spinner got to run
  int t0 = uptime();
  sleep(2);  // needs the timer and preemption to come back
  CHECK(uptime() - t0 >= 2);
  for (int pid : pids) CHECK_EQ(kill(pid), 0);
  for (int pid : pids) {
    (void)pid;
    int st = 0;
    CHECK(wait(&st) > 0);
    CHECK_EQ(st, -1);
  }
  close(p[0]);
}

void sleep_and_uptime() {
  int t0 = uptime();
  CHECK(t0 >= 0);
  CHECK_EQ(sleep(5), 0);
  int t1 = uptime();
  CHECK(t1 - t0 >= 5, "slept ", t1 - t0, " ticks");
  CHECK(t1 - t0 < 100, "slept ", t1 - t0, " ticks");
  // Zero and negative durations return at once (a negative one must not mean "almost forever").
  int t2 = uptime();
  CHECK_EQ(sleep(0), 0);
  int r = sleep(-5);
  CHECK(r == 0 || r == -1, "sleep(-5) returned ", r);
  CHECK(uptime() - t2 < 10, "sleep(0) and sleep(-5) took ", uptime() - t2, " ticks");
}

// Many children at once; on several harts they run in parallel. Each exits with its own status.
void many_children() {
  constexpr int kN = 40;
  static int pids[kN];
  for (int i = 0; i < kN; ++i) {
    pids[i] = fork();
    CHECK(pids[i] >= 0, "fork #", i);
    if (pids[i] == 0) {
      volatile uint64 sum = 0;
      for (uint64 k = 0; k < 20000; ++k) sum = sum + k * i;
      exit(i + 100);
    }
  }
  static bool seen[kN];
  for (int n = 0; n < kN; ++n) {
    int st = 0;
    int pid = wait(&st);
    int idx = -1;
    for (int i = 0; i < kN; ++i)
      if (pids[i] == pid) idx = i;
    CHECK(idx >= 0, "wait returned unknown pid ", pid);
    CHECK(!seen[idx]);
    seen[idx] = true;
    CHECK_EQ(st, idx + 100);
  }
  CHECK_EQ(wait(nullptr), -1);
}

void fork_until_limit() {
  // Fork until the process table is full: fork must return -1 cleanly, and work again afterwards.
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int n = 0;
  for (;;) {
    int pid = fork();
    if (pid < 0) break;
    if (pid == 0) {
      close(p[1]);
      char c;
      read(p[0], &c, 1);  // until the parent closes its end
      exit(0);
    }
    ++n;
    CHECK(n <= NPROC, "fork succeeded ", n, " times");
  }
  CHECK(n >= 10 && n < NPROC, "forked ", n, " children");
  own_pages();
  uint64 pages = free_pages();
  CHECK_EQ(fork(), -1);  // still full; a second failure leaks nothing either
  CHECK_EQ(free_pages(), pages);
  close(p[1]);
  for (int i = 0; i < n; ++i) CHECK_EQ(wait(nullptr) > 0, true);
  CHECK_EQ(wait(nullptr), -1);
  close(p[0]);
  CHECK_EQ(run_in_child([] {}), 0);
}

void fork_exit_churn() {
  // Forks and exits racing on all harts: nothing lost.
  for (int round = 0; round < 30; ++round) {
    int a = fork();
    if (a == 0) {
      if (fork() == 0) exit(1);
      exit(2);
    }
    int b = fork();
    if (b == 0) exit(3);
    int st1 = 0, st2 = 0;
    int w1 = wait(&st1);
    int w2 = wait(&st2);
    CHECK((w1 == a && w2 == b) || (w1 == b && w2 == a));
    CHECK_EQ(st1 + st2, 5);
  }
}

void wait_bad_status_pointer() {
  int pid = fork();
  if (pid == 0) exit(4);
  sleep(1);
  CHECK_EQ(wait(ptr<int>(kKernBase)), -1);
  // Whether or not that reaped the child, nothing may stay behind (runner) and it is no longer
  // waitable twice.
  int st = 0;
  int w = wait(&st);
  CHECK(w == pid || w == -1, "wait returned ", w);
  if (w == pid) CHECK_EQ(st, 4);
}

constexpr Test kTests[] = {
    {"exit_status", exit_status},
    {"wait_without_children", wait_without_children},
    {"fork_returns_pids", fork_returns_pids},
    {"fork_copies_independent", fork_copies_independent},
    {"exit_closes_files", exit_closes_files},
    {"kill_sleeping", kill_sleeping},
    {"kill_running", kill_running},
    {"kill_pipe_reader", kill_pipe_reader},
    {"kill_bad_pids", kill_bad_pids},
    {"kill_self", kill_self},
    {"orphans_reparented", orphans_reparented},
    {"orphan_zombies", orphan_zombies},
    {"preempt_spinners", preempt_spinners},
    {"sleep_and_uptime", sleep_and_uptime},
    {"many_children", many_children},
    {"fork_until_limit", fork_until_limit},
    {"fork_exit_churn", fork_exit_churn},
    {"wait_bad_status_pointer", wait_bad_status_pointer},
};

}  // namespace

int main(int argc, char** argv) {
  run_tests("proctests", kTests, argc, argv);
}
