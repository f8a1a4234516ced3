// vmtests: the user view of virtual memory: sbrk, the xv6 address-space layout, fork's copy of the
// heap, and running out of physical memory. Usage: vmtests [subtest...]
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr int kPage = static_cast<int>(kPageSize);

uint64 g_initial_brk;  // sbrk(0) when main started, before anything could grow the heap

// Takes every page sbrk can get; returns the number of bytes taken (the heap grew by that much).
uint64 exhaust_memory() {
  uint64 taken = 0;
  for (int chunk = 1 << 20; chunk >= kPage; chunk /= 2) {
    while (sbrk(chunk) != kSbrkFailed) taken += chunk;
  }
  return taken;
}

void release_memory(uint64 taken) {
  while (taken > 0) {
    int step = taken > (1u << 30) ? (1 << 30) : static_cast<int>(taken);
    CHECK(sbrk(-step) != kSbrkFailed);
    taken -= step;
  }
}

void sbrk_basic() {
  uint64 base = brk();
  CHECK_EQ(addr(sbrk(1)), base);
  CHECK_EQ(brk(), base + 1);
  CHECK_EQ(addr(sbrk(4095)), base + 1);
  CHECK_EQ(brk(), base + 4096);
  CHECK_EQ(addr(sbrk(0)), base + 4096);
  CHECK_EQ(addr(sbrk(-4096)), base + 4096);
  CHECK_EQ(brk(), base);
  // Every byte handed out is usable.
  volatile char* p = sbrk(3 * kPage + 17);
  CHECK(p != kSbrkFailed);
  for (int i = 0; i < 3 * kPage + 17; ++i) p[i] = static_cast<char>(i);
  for (int i = 0; i < 3 * kPage + 17; ++i) CHECK_EQ(p[i], static_cast<char>(i));
}

void sbrk_grow_shrink_zero() {
  uint64 base = align_brk();
  constexpr int kLen = 10 * kPage;
  volatile uchar* p = reinterpret_cast<volatile uchar*>(sbrk(kLen));
  CHECK_EQ(addr(p), base);
  for (int i = 0; i < kLen; ++i) CHECK_EQ(p[i], 0);  // fresh pages are zeroed
  for (int i = 0; i < kLen; ++i) p[i] = 0xa5;
  CHECK_EQ(addr(sbrk(-kLen)), base + kLen);
  CHECK_EQ(brk(), base);
  CHECK_EQ(addr(sbrk(kLen)), base);
  for (int i = 0; i < kLen; ++i) CHECK_EQ(p[i], 0);  // grown again: zeroes, not the old bytes
}

void sbrk_partial_page_shrink() {
  uint64 base = align_brk();
  volatile char* p = sbrk(kPage);
  CHECK(p != kSbrkFailed);
  p[kPage - 1] = 'x';
  CHECK(sbrk(-100) != kSbrkFailed);  // the page still holds live bytes: it stays mapped
  CHECK_EQ(brk(), base + kPage - 100);
  p[0] = 'y';
  CHECK_EQ(p[0], 'y');
  CHECK(sbrk(100) != kSbrkFailed);
  CHECK_EQ(brk(), base + kPage);
}

void sbrk_shrink_unmaps() {
  uint64 base = align_brk();
  volatile char* p = sbrk(2 * kPage);
  CHECK(p != kSbrkFailed);
  p[kPage] = 1;
  CHECK(sbrk(-kPage) != kSbrkFailed);
  EXPECT_KILLED(p[kPage] = 2);          // the released page is gone for writes
  EXPECT_KILLED((void)p[kPage + 100]);  // and for reads
  EXPECT_KILLED((void)p[2 * kPage]);    // one page past the heap was never mapped
  p[kPage - 1] = 3;                     // the page below is untouched
  CHECK_EQ(brk(), base + kPage);
  // The kernel refuses the released page too.
  CHECK_EQ(write(1, const_cast<char*>(p) + kPage, 10), -1);
}

void sbrk_frees_pages() {
  align_brk();
  uint64 before = free_pages();
  CHECK(sbrk(64 * kPage) != kSbrkFailed);
  uint64 grown = free_pages();
  // 64 data pages and at most a few page-table pages.
  CHECK(before - grown >= 64 && before - grown <= 64 + 3, "before=", before, " grown=", grown);
  CHECK(sbrk(-64 * kPage) != kSbrkFailed);
  uint64 shrunk = free_pages();
  // All data pages come back; page-table pages may stay with the process until it exits.
  CHECK(before - shrunk <= 3, "before=", before, " after shrink=", shrunk);
}

void sbrk_negative_too_far() {
  uint64 base = brk();
  uint64 pages = free_pages();
  // Below address 0: refused, nothing changes.
  CHECK_EQ(addr(sbrk(-static_cast<int>(base + kPageSize))), addr(kSbrkFailed));
  CHECK_EQ(brk(), base);
  CHECK_EQ(addr(sbrk(-0x7fffffff - 1)), addr(kSbrkFailed));
  CHECK_EQ(brk(), base);
  CHECK_EQ(free_pages(), pages);
}

void sbrk_huge_fails() {
  uint64 base = brk();
  uint64 pages = free_pages();
  CHECK_EQ(addr(sbrk(0x7fffffff)), addr(kSbrkFailed));
  CHECK_EQ(brk(), base);
  CHECK_EQ(free_pages(), pages);
  // More than all free memory, by a little: the allocation fails part-way and must undo itself.
  uint64 want = (pages + 64) * kPageSize;
  CHECK(want < 0x7fffffffull);
  CHECK_EQ(addr(sbrk(static_cast<int>(want))), addr(kSbrkFailed));
  CHECK_EQ(brk(), base);
  CHECK_EQ(free_pages(), pages);
  // The heap still works afterwards.
  volatile char* p = sbrk(kPage);
  CHECK(p != kSbrkFailed);
  p[0] = 1;
}

void sbrk_towards_maxva() {
  uint64 base = brk();
  uint64 pages = free_pages();
  // Growing towards MAXVA a gigabyte at a time: every step must fail (no RAM, and the trapframe
  // and trampoline sit just below MAXVA), whichever limit the kernel hits first. (A few steps only:
  // a kernel that allocates eagerly fills all of RAM before each failure.)
  for (int i = 0; i < 4; ++i) CHECK_EQ(addr(sbrk(1 << 30)), addr(kSbrkFailed));
  CHECK_EQ(brk(), base);
  // 64-bit sizes through a raw call (the C API passes an int): 2^38 and 2^40. A kernel that reads
  // an int sees 0 and returns the break; one that reads 64 bits must refuse.
  const uint64 sizes[] = {kMaxVa, kMaxVa << 2, kMaxVa - base};
  for (uint64 n : sizes) {
    if ((n & 0xffffffffull) != 0) continue;  // only sizes whose low 32 bits are 0 are safe to try
    long r = syscall6(SYS_sbrk, n);
    CHECK(r == -1 || static_cast<uint64>(r) == base, "sbrk(", Hex{n}, ") returned ",
          Hex{static_cast<uint64>(r)});
    CHECK_EQ(brk(), base);
  }
  CHECK_EQ(free_pages(), pages);
}

void sbrk_all_memory() {
  uint64 base = brk();
  uint64 before = free_pages();
  uint64 taken = exhaust_memory();
  CHECK(taken > 8 * 1024 * 1024, "only took ", taken, " bytes");
  CHECK(free_pages() < 16, "free pages left: ", free_pages());
  // All of it is really ours: touch one byte per page.
  volatile char* p = reinterpret_cast<volatile char*>(base);
  for (uint64 off = 0; off < taken; off += kPageSize) p[off] = static_cast<char>(off >> 12);
  for (uint64 off = 0; off < taken; off += kPageSize)
    CHECK_EQ(p[off], static_cast<char>(off >> 12));
  release_memory(taken);
  CHECK_EQ(brk(), base);
  uint64 after = free_pages();
  // Data pages all come back. Page-table pages may stay with the process until it exits (the runner
  // checks that they do come back then): one per 2 MiB, twice if the kernel mirrors user mappings
  // in a per-process kernel page table, plus the upper levels.
  uint64 table_pages = 2 * (taken / (2 << 20) + 4);
  CHECK(before - after <= table_pages && after <= before, "before=", before, " after=", after);
}

void oom_fork_pipe_exec() {
  uint64 taken = exhaust_memory();
  CHECK(taken > 0);
  uint64 pages = free_pages();
  int fds = count_open_fds();
  // fork must copy all of that memory: impossible, and it must leave nothing behind.
  int pid = fork();
  if (pid == 0) exit(0);
  CHECK_EQ(pid, -1);
  CHECK_EQ(free_pages(), pages);
  // With no page free at all, exec must fail too. (A pipe may or may not need a page: Pagoda's come
  // from a fixed pool; either way it must not leak.)
  int p[2] = {-1, -1};
  if (pipe(p) == 0) {
    close(p[0]);
    close(p[1]);
  }
  CHECK_EQ(count_open_fds(), fds);
  if (pages == 0) {
    char name[] = "/vmtests";
    char* argv[] = {name, nullptr};
    CHECK_EQ(exec(name, argv), -1);
  }
  CHECK_EQ(free_pages(), pages);
  CHECK_EQ(count_open_fds(), fds);
  release_memory(taken);
  // And with memory back, everything works again.
  int st = run_in_child([] {});
  CHECK_EQ(st, 0);
}

void fork_heap_independent() {
  constexpr int kLen = 8 * kPage;
  volatile uchar* p = reinterpret_cast<volatile uchar*>(sbrk(kLen));
  CHECK(p != reinterpret_cast<volatile uchar*>(kSbrkFailed));
  fill_pattern(p, kLen, 1);
  uint64 top = brk();
  int pipefd[2];
  CHECK_EQ(pipe(pipefd), 0);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(pipefd[0]);
    if (verify_pattern(p, kLen, 1) != -1) exit(2);  // the child sees the parent's bytes
    fill_pattern(p, kLen, 2);                       // then changes its own copy
    if (sbrk(4 * kPage) == kSbrkFailed) exit(3);    // and grows its own heap
    p[kLen] = 9;
    if (verify_pattern(p, kLen, 2) != -1) exit(4);
    write(pipefd[1], "x", 1);  // tell the parent we are done writing
    // Wait until the parent has changed its copy, then check ours did not change.
    sleep(3);
    if (verify_pattern(p, kLen, 2) != -1) exit(5);
    exit(0);
  }
  close(pipefd[1]);
  char c;
  CHECK_EQ(read(pipefd[0], &c, 1), 1);
  CHECK_EQ(verify_pattern(p, kLen, 1), -1L);  // the child's writes are invisible here
  CHECK_EQ(brk(), top);                       // and so is its sbrk
  fill_pattern(p, kLen, 3);
  CHECK_EQ(wait_for(pid), 0);
  CHECK_EQ(verify_pattern(p, kLen, 3), -1L);
  close(pipefd[0]);
}

void fork_big_heap() {
  constexpr int kLen = 16 << 20;
  volatile uchar* p = reinterpret_cast<volatile uchar*>(sbrk(kLen));
  CHECK(p != reinterpret_cast<volatile uchar*>(kSbrkFailed));
  for (int i = 0; i < kLen; i += kPage) {
    p[i] = static_cast<uchar>(i >> 12);
    p[i + kPage - 1] = 0x5c;
  }
  uint64 before = free_pages();
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    for (int i = 0; i < kLen; i += kPage)
      if (p[i] != static_cast<uchar>(i >> 12) || p[i + kPage - 1] != 0x5c) exit(2);
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
  CHECK_EQ(free_pages(), before);  // the child's copy is gone entirely
}

void stack_and_layout() {
  // xv6 layout: text/data from 0, a guard page, one stack page, then the heap.
  volatile int local = 7;
  uint64 sp = addr(&local);
  uint64 stack_top = page_round_up(g_initial_brk);
  CHECK(sp < stack_top && sp >= stack_top - kPageSize, "sp=", Hex{sp},
        " heap start=", Hex{g_initial_brk});
  uint64 text = addr(reinterpret_cast<void*>(&stack_and_layout));
  CHECK(text < stack_top - 2 * kPageSize, "text at ", Hex{text});
  volatile char* guard = ptr<volatile char>(stack_top - 2 * kPageSize);
  EXPECT_KILLED((void)guard[0]);
  EXPECT_KILLED(guard[kPageSize - 1] = 1);
  // The kernel's own pages near MAXVA are not the user's.
  EXPECT_KILLED((void)*ptr<volatile uint64>(kTrapframe));
  EXPECT_KILLED(*ptr<volatile uint64>(kTrapframe) = 0);
  EXPECT_KILLED((void)*ptr<volatile uint64>(kTrampoline));
  EXPECT_KILLED((void)*ptr<volatile uint64>(kKernBase));
  EXPECT_KILLED((void)*ptr<volatile char>(kMaxVa - 1));
  if (fits_user_word(kMaxVa))
    EXPECT_KILLED((void)*ptr<volatile char>(kMaxVa));
  else
    skipped("MAXVA (", Hex{kMaxVa}, ") is wider than a user pointer");
  EXPECT_KILLED((void)*ptr<volatile char>(page_round_up(brk()) + 16 * kPageSize));
  CHECK_EQ(local, 7);
}

void heap_big_pattern() {
  constexpr int kLen = 4 << 20;
  volatile uchar* p = reinterpret_cast<volatile uchar*>(sbrk(kLen));
  CHECK(p != reinterpret_cast<volatile uchar*>(kSbrkFailed));
  fill_pattern(p, kLen, 11);
  CHECK_EQ(verify_pattern(p, kLen, 11), -1L);
  CHECK(sbrk(-kLen) != kSbrkFailed);
}

void kill_with_big_heap() {
  // A process killed while it owns many pages gives all of them back (checked by the runner).
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (sbrk(8 << 20) == kSbrkFailed) exit(2);
    spin_forever();
  }
  sleep(5);
  CHECK_EQ(kill(pid), 0);
  CHECK_EQ(wait_for(pid), -1);
}

void fork_watchdog_churn() {
  // What the runner does around every fast subtest (sbrk_towards_maxva lost 11 pages once, per-
  // process design, 3 harts): fork a child that finishes at once, fork a watchdog that sleeps, kill
  // the watchdog as soon as the child is reaped (often before it has run), reap it. Every round
  // must give back exactly what it took, with no time to settle.
  for (int round = 0; round < 300; ++round) {
    const uint64 pages = free_pages();
    const uint64 procs = nproc();
    int child = fork();
    CHECK(child >= 0);
    if (child == 0) {
      for (int i = 0; i < 2; ++i)
        if (sbrk(1 << 30) != kSbrkFailed) exit(2);
      exit(0);
    }
    int watchdog = fork();
    CHECK(watchdog >= 0);
    if (watchdog == 0) {
      sleep(1000);
      exit(0);
    }
    if (round % 3 == 0) CHECK_EQ(kill(watchdog), 0);  // killed before the child is reaped
    for (int reaped = 0; reaped < 2; ++reaped) {
      int st = 0;
      const int pid = wait(&st);
      if (pid == child) {
        CHECK_EQ(st, 0);
        if (round % 3 != 0) CHECK_EQ(kill(watchdog), 0);
      } else {
        CHECK(pid == watchdog && st == -1, "wait returned ", pid, " status ", st);
      }
    }
    const uint64 after = free_pages();
    CHECK(after == pages && nproc() == procs, "round ", round, ": free pages ", pages, " -> ",
          after, ", processes ", procs, " -> ", nproc());
  }
}

constexpr Test kTests[] = {
    {"sbrk_basic", sbrk_basic},
    {"sbrk_grow_shrink_zero", sbrk_grow_shrink_zero},
    {"sbrk_partial_page_shrink", sbrk_partial_page_shrink},
    {"sbrk_shrink_unmaps", sbrk_shrink_unmaps},
    {"sbrk_frees_pages", sbrk_frees_pages},
    {"sbrk_negative_too_far", sbrk_negative_too_far},
    {"sbrk_huge_fails", sbrk_huge_fails},
    {"sbrk_towards_maxva", sbrk_towards_maxva},
    {"sbrk_all_memory", sbrk_all_memory},
    {"oom_fork_pipe_exec", oom_fork_pipe_exec},
    {"fork_heap_independent", fork_heap_independent},
    {"fork_big_heap", fork_big_heap},
    {"stack_and_layout", stack_and_layout},
    {"heap_big_pattern", heap_big_pattern},
    {"kill_with_big_heap", kill_with_big_heap},
    {"fork_watchdog_churn", fork_watchdog_churn},
};

}  // namespace

int main(int argc, char** argv) {
  g_initial_brk = brk();
  run_tests("vmtests", kTests, argc, argv);
}
