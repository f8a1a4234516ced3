// cowtests: copy-on-write fork (issue 12). fork shares the parent's pages read-only; the first
// store on either side copies the page (or takes it back when it is the last reference), and
// every page comes back when the processes exit, in any order. Usage: cowtests [lab=PROFILE]
// [subtest...]; every profile this suite runs on (default, cow) has COW fork.
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr int kPage = static_cast<int>(kPageSize);

// Reaps one child; its status if it is one of pids, else -100.
int wait_for_any_of(const int* pids, int n) {
  int status = 0x5a;
  int got = wait(&status);
  for (int i = 0; i < n; ++i) {
    if (pids[i] == got) return status;
  }
  return -100;
}

long used_since(uint64 before) {
  return static_cast<long>(before) - static_cast<long>(free_pages());
}

// An eagerly allocated heap of n pages, page i holding the byte 'A' + i % 26 throughout.
char* touched_heap(int n) {
  align_brk();
  char* p = sbrk(n * kPage);
  CHECK(p != kSbrkFailed);
  for (int i = 0; i < n; ++i) memset(p + i * kPage, 'A' + i % 26, kPage);
  return p;
}

void check_heap(const char* p, int n, int skip = -1) {
  for (int i = 0; i < n; ++i) {
    if (i == skip) continue;
    for (int off = 0; off < kPage; off += 512) CHECK_EQ(p[i * kPage + off], 'A' + i % 26);
  }
}

// fork of a 1 MiB heap costs page tables, not 256 pages; the child's stores cost a page each.
void fork_shares_pages() {
  const int n = 256;
  char* p = touched_heap(n);
  int ready[2], done[2];
  CHECK_EQ(pipe(ready), 0);
  CHECK_EQ(pipe(done), 0);
  const uint64 free0 = free_pages();
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    const long after_fork = used_since(free0);
    for (int i = 0; i < 16; ++i) p[i * kPage] = 'z';
    const long after_writes = used_since(free0);
    long r[2] = {after_fork, after_writes};
    write(ready[1], r, sizeof(r));
    char c;
    read(done[0], &c, 1);  // stay alive while the parent looks
    exit(0);
  }
  long r[2];
  CHECK_EQ(read(ready[0], r, sizeof(r)), static_cast<int>(sizeof(r)));
  CHECK(r[0] < 48, "fork of 256 touched pages took ", r[0], " pages");
  CHECK(r[1] >= r[0] + 16 && r[1] <= r[0] + 16 + 2, "16 child stores took ", r[1] - r[0]);
  check_heap(p, n);  // the parent's pages are untouched by the child's stores
  write(done[1], "x", 1);
  CHECK_EQ(wait_for(pid), 0);
  close(ready[0]), close(ready[1]), close(done[0]), close(done[1]);
  CHECK(used_since(free0) <= 0, "child exit left ", used_since(free0), " pages");
}

// Both sides write after the fork, each sees only its own stores.
void parent_child_isolation() {
  const int n = 32;
  char* p = touched_heap(n);
  int go[2], back[2];
  CHECK_EQ(pipe(go), 0);
  CHECK_EQ(pipe(back), 0);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char c;
    read(go[0], &c, 1);  // the parent has written page 3 by now
    CHECK_EQ(p[3 * kPage], 'D');
    p[5 * kPage] = 'c';
    CHECK_EQ(p[5 * kPage], 'c');
    write(back[1], "x", 1);
    read(go[0], &c, 1);
    CHECK_EQ(p[3 * kPage], 'D');
    check_heap(p, n, 5);
    exit(0);
  }
  p[3 * kPage] = 'p';
  write(go[1], "x", 1);
  char c;
  read(back[0], &c, 1);
  CHECK_EQ(p[5 * kPage], 'F');  // the child's store is not ours
  write(go[1], "x", 1);
  CHECK_EQ(wait_for(pid), 0);
  CHECK_EQ(p[3 * kPage], 'p');
  close(go[0]), close(go[1]), close(back[0]), close(back[1]);
}

// When the child is gone, the parent's pages are its own again: its stores take them back in
// place, with no copy (the free count does not move).
void last_reference_taken_back() {
  const int n = 64;
  char* p = touched_heap(n);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) exit(0);
  CHECK_EQ(wait_for(pid), 0);
  const uint64 free0 = free_pages();
  for (int i = 0; i < n; ++i) p[i * kPage] = 'w';
  CHECK(used_since(free0) == 0, "stores after the child left took ", used_since(free0), " pages");
}

// The kernel's copyout into a shared page breaks COW too (read() into it), and leaves the other
// side's copy alone.
void copyout_breaks_cow() {
  const int n = 8;
  char* p = touched_heap(n);
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    CHECK_EQ(write(fds[1], "kernel!!", 8), 8);
    CHECK_EQ(read(fds[0], p + 2 * kPage + 10, 8), 8);
    CHECK(memcmp(p + 2 * kPage + 10, "kernel!!", 8) == 0);
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
  check_heap(p, n);
  close(fds[0]);
  close(fds[1]);
}

// Exit orders: parent first (the grandchild outlives the process it shares with), child first,
// and a chain of forks each writing some pages.
void exit_orders() {
  const int n = 32;
  char* p = touched_heap(n);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int grandchild = fork();
    if (grandchild < 0) exit(2);
    if (grandchild == 0) {
      sleep(3);  // its parent is gone by now: the pages are shared with our grandparent only
      for (int i = 0; i < n; i += 3) p[i * kPage] = 'g';
      for (int i = 0; i < n; ++i) {
        if (p[i * kPage] != (i % 3 == 0 ? 'g' : 'A' + i % 26)) exit(3);
      }
      exit(0);
    }
    exit(0);  // orphans the grandchild
  }
  CHECK_EQ(wait_for(pid), 0);
  // A chain: each process writes one page and forks the next.
  int chain = fork();
  CHECK(chain >= 0);
  if (chain == 0) {
    for (int depth = 0; depth < 6; ++depth) {
      p[depth * kPage] = static_cast<char>('0' + depth);
      int next = fork();
      if (next < 0) exit(4);
      if (next > 0) {
        int st = 0;
        if (wait(&st) != next || st != 0) exit(5);
        for (int i = 0; i <= depth; ++i) {
          if (p[i * kPage] != '0' + i) exit(6);
        }
        exit(0);
      }
    }
    exit(0);
  }
  CHECK_EQ(wait_for(chain), 0);
  p[0] = 'x';
  check_heap(p, n, 0);
  sleep(5);  // the orphan finishes; the runner counts the pages after it is reaped
}

// Concurrent fork, exit and faults on the same shared frames on every hart: several families
// fork, write random pages, check every page, and exit in a random order.
void concurrent_fork_exit_fault() {
  const int n = 48;
  char* p = touched_heap(n);
  constexpr int kKids = 6;
  int pids[kKids];
  for (int k = 0; k < kKids; ++k) {
    pids[k] = fork();
    CHECK(pids[k] >= 0);
    if (pids[k] == 0) {
      Rng rng(1000 + k);
      for (int round = 0; round < 20; ++round) {
        int g = fork();
        if (g < 0) exit(2);
        if (g == 0) {
          const int page = static_cast<int>(rng.below(n));
          p[page * kPage + 1] = 'k';
          for (int i = 0; i < n; ++i) {
            if (p[i * kPage] != 'A' + i % 26) exit(3);
          }
          exit(0);
        }
        const int page = static_cast<int>(rng.below(n));
        p[page * kPage + 2] = 'm';
        if (rng.below(2) == 0) {
          int st = 0;
          if (wait(&st) < 0 || st != 0) exit(4);  // g or an earlier grandchild
        }
      }
      int st = 0;
      while (wait(&st) > 0) {
        if (st != 0) exit(5);
      }
      exit(0);
    }
  }
  for (int i = 0; i < n; i += 5) p[i * kPage + 3] = 'P';
  for (int k = 0; k < kKids; ++k) CHECK_EQ(wait_for_any_of(pids, kKids), 0);
  for (int i = 0; i < n; ++i) CHECK_EQ(p[i * kPage], 'A' + i % 26);
}

// Out of memory in a COW fault: the writer is killed, the other side keeps its data; in a copyout
// the call fails with -1.
void cow_fault_out_of_memory() {
  const int n = 8;
  char* p = touched_heap(n);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    allocfail(ALLOCFAIL_ALL, 0, 0);
    *ptr<volatile char>(opaque(addr(p) + 2 * kPageSize)) = 'x';
    exit(77);
  }
  CHECK_EQ(wait_for(pid), -1);
  allocfail(ALLOCFAIL_OFF, 0, 0);
  check_heap(p, n);
  int st = run_in_child([&] {
    int fds[2];
    if (pipe(fds) != 0) exit(2);
    write(fds[1], "12345678", 8);
    allocfail(ALLOCFAIL_ALL, 0, 0);
    const int got = read(fds[0], p + 4 * kPage, 8);
    allocfail(ALLOCFAIL_OFF, 0, 0);
    exit(got == -1 && p[4 * kPage] == 'E' ? 0 : 3);
  });
  CHECK_EQ(st, 0);
  check_heap(p, n);
}

void text_function() {}

// Text is shared read-only, never COW: a store to it is killed, in the parent's image and after
// a fork.
void store_to_text_killed() {
  const uint64 text = addr(reinterpret_cast<const void*>(&text_function));
  EXPECT_KILLED(*ptr<volatile uint32>(opaque(text)) = 0);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int st = run_in_child([&] { *ptr<volatile uint32>(opaque(text)) = 0; });
    exit(st == -1 ? 0 : 1);
  }
  CHECK_EQ(wait_for(pid), 0);
}

constexpr Test kTests[] = {
    {"fork_shares_pages", fork_shares_pages},
    {"parent_child_isolation", parent_child_isolation},
    {"last_reference_taken_back", last_reference_taken_back},
    {"copyout_breaks_cow", copyout_breaks_cow},
    {"exit_orders", exit_orders},
    {"concurrent_fork_exit_fault", concurrent_fork_exit_fault},
    {"cow_fault_out_of_memory", cow_fault_out_of_memory},
    {"store_to_text_killed", store_to_text_killed},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && memcmp(argv[1], "lab=", 4) == 0) {
    argv[1] = argv[0];
    ++argv;
    --argc;
  }
  run_tests("cowtests", kTests, argc, argv);
}
