// usystests: the 2021 and 2024 page-table labs' user-visible pieces: the usyscall page (ugetpid:
// the pid without a system call, read-only, its own in a fork child, there again after exec),
// pgaccess (system call 30: which pages were accessed, bad arguments, the mask's size, that the
// kernel's own copies do not count) and kpgtbl (34; tests/qemu/test_pgtbl.py checks its text).
// Every subtest runs in a child with the free-page count checked around it (testlib.h).
// Needs a kernel with the usyscall page (default, pgtbl2024); RISC-V only.
// Usage: usystests [subtest...]
#include "kernel/memlayout.h"
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr int kPage = static_cast<int>(kPageSize);

// A page-aligned heap range of n fresh pages, every page written once (so that it is present
// under lazy sbrk too) and their A bits then cleared by one pgaccess.
char* fresh_pages(int n) {
  char* top = sbrk(0);
  int pad = static_cast<int>(page_round_up(addr(top)) - addr(top));
  CHECK(sbrk(pad + n * kPage) != kSbrkFailed);
  char* buf = top + pad;
  for (int i = 0; i < n; i++) buf[i * kPage] = 1;
  static uchar scratch[64];
  CHECK_EQ(pgaccess(buf, n, scratch), 0);
  return buf;
}

// -- usyscall ----------------------------------------------------------------------------------

void ugetpid_matches() {
  CHECK_EQ(ugetpid(), getpid());
  const volatile struct usyscall* u = ptr<const volatile struct usyscall>(USYSCALL);
  CHECK_EQ(u->pid, getpid());
}

void ugetpid_in_children() {
  // The 2024 lab's ugetpid_test: many children, each sees its own pid.
  int parent = getpid();
  for (int i = 0; i < 32; i++) {
    int pid = fork();
    CHECK(pid >= 0, "fork ", i);
    if (pid == 0) {
      if (ugetpid() != getpid() || ugetpid() == parent) exit(1);
      exit(0);
    }
    CHECK_EQ(wait_for(pid), 0);
  }
  CHECK_EQ(ugetpid(), parent);
}

void ugetpid_after_exec() {
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char* argv[] = {const_cast<char*>("usystests"), const_cast<char*>("--check-ugetpid"), nullptr};
    exec("usystests", argv);
    exit(2);
  }
  CHECK_EQ(wait_for(pid), 0);
}

void usyscall_read_only() {
  EXPECT_KILLED(*ptr<volatile int>(opaque(USYSCALL)) = 7);
  CHECK_EQ(ugetpid(), getpid());
  // Not executable either.
  EXPECT_KILLED(reinterpret_cast<void (*)()>(opaque(USYSCALL))());
  // The kernel refuses to copy into it (read() copies out).
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  CHECK_EQ(write(fds[1], "abcd", 4), 4);
  CHECK_EQ(read(fds[0], ptr<char>(opaque(USYSCALL)), 4), -1);
  close(fds[0]);
  close(fds[1]);
  CHECK_EQ(ugetpid(), getpid());
}

void usyscall_above_heap() {
  // The page is a region of its own above the heap: many small sbrks still extend the one heap
  // region (a full region list would make them fail), and shrinking leaves the page alone.
  char* start = sbrk(0);
  for (int i = 0; i < 40; i++) {
    char* p = sbrk(kPage);
    CHECK(p != kSbrkFailed, "sbrk number ", i);
    p[0] = static_cast<char>(i);
  }
  CHECK(sbrk(-40 * kPage) != kSbrkFailed);
  CHECK_EQ(sbrk(0), start);
  CHECK_EQ(ugetpid(), getpid());
  for (int i = 0; i < 40; i++) CHECK(sbrk(kPage) != kSbrkFailed, "again ", i);
  CHECK(sbrk(-40 * kPage) != kSbrkFailed);
  CHECK_EQ(ugetpid(), getpid());
}

// -- pgaccess ----------------------------------------------------------------------------------

void pgaccess_lab() {
  // The 2021 lab's pgaccess_test.
  char* buf = fresh_pages(32);
  uint32 abits = 0;
  CHECK_EQ(pgaccess(buf, 32, &abits), 0);
  CHECK_EQ(abits, 0u);
  buf[kPage * 1] += 1;
  buf[kPage * 2] += 1;
  buf[kPage * 30] += 1;
  CHECK_EQ(pgaccess(buf, 32, &abits), 0);
  CHECK_EQ(abits, (1u << 1) | (1u << 2) | (1u << 30));
  // Reported bits were cleared.
  CHECK_EQ(pgaccess(buf, 32, &abits), 0);
  CHECK_EQ(abits, 0u);
  // A read counts as an access too.
  volatile char sink = buf[kPage * 5];
  (void)sink;
  CHECK_EQ(pgaccess(buf, 32, &abits), 0);
  CHECK_EQ(abits, 1u << 5);
}

void pgaccess_unaligned_base() {
  char* buf = fresh_pages(8);
  uchar mask = 0xff;
  buf[3 * kPage + 5] = 2;
  // Bit i is the page holding base + i * PGSIZE: from base = page 0 + 100, page 3 is bit 3.
  CHECK_EQ(pgaccess(buf + 100, 8, &mask), 0);
  CHECK_EQ(mask, 1 << 3);
  buf[7 * kPage] = 3;
  CHECK_EQ(pgaccess(buf + kPage + 1, 7, &mask), 0);  // pages 1..7
  CHECK_EQ(mask, 1 << 6);
}

void pgaccess_mask_size() {
  char* buf = fresh_pages(24);
  static uchar mask[8];
  for (uchar& b : mask) b = 0xee;
  for (int i = 0; i < 24; i++) buf[i * kPage] = 4;
  // 9 pages: ceil(9 / 8) = 2 bytes written, the rest untouched.
  CHECK_EQ(pgaccess(buf, 9, mask), 0);
  CHECK_EQ(mask[0], 0xff);
  CHECK_EQ(mask[1], 0x01);
  CHECK_EQ(mask[2], 0xee);
  // len 0 writes nothing and succeeds.
  CHECK_EQ(pgaccess(buf, 0, mask + 2), 0);
  CHECK_EQ(mask[2], 0xee);
  // The pages beyond the first 9 keep their A bits: a second call sees exactly them.
  CHECK_EQ(pgaccess(buf, 24, mask), 0);
  CHECK_EQ(mask[0], 0);
  CHECK_EQ(mask[1], 0xfe);
  CHECK_EQ(mask[2], 0xff);
}

void pgaccess_512_pages() {
  char* buf = fresh_pages(512);
  static uchar mask[64];
  for (int i = 0; i < 512; i += 3) buf[i * kPage] = 5;
  CHECK_EQ(pgaccess(buf, 512, mask), 0);
  for (int i = 0; i < 512; i++) CHECK_EQ((mask[i / 8] >> (i % 8)) & 1, i % 3 == 0 ? 1 : 0);
  CHECK_EQ(pgaccess(buf, 513, mask), -1);  // the bound (kernel/mm/page_access.h)
}

void pgaccess_bad_arguments() {
  char* buf = fresh_pages(4);
  static uchar mask[8];
  buf[kPage] = 6;
  CHECK_EQ(pgaccess(buf, -1, mask), -1);
  CHECK_EQ(pgaccess(buf, 1 << 30, mask), -1);
  // A range reaching MAXVA.
  CHECK_EQ(pgaccess(ptr<char>(kMaxVa - 2 * kPageSize), 3, mask), -1);
  CHECK_EQ(pgaccess(ptr<char>(kMaxVa), 1, mask), -1);
  CHECK_EQ(pgaccess(ptr<char>(~0ull - 10), 1, mask), -1);
  // A mask the process cannot write: unmapped, read-only (the usyscall page), the kernel's.
  // Each fails and clears nothing.
  CHECK_EQ(pgaccess(buf, 4, ptr<void>(opaque(kKernBase))), -1);
  CHECK_EQ(pgaccess(buf, 4, ptr<void>(opaque(USYSCALL))), -1);
  CHECK_EQ(pgaccess(buf, 4, ptr<void>(opaque(addr(sbrk(0)) + 16 * kPageSize))), -1);
  CHECK_EQ(pgaccess(buf, 4, ptr<void>(opaque(kTrapframe))), -1);
  CHECK_EQ(pgaccess(buf, 4, mask), 0);
  CHECK_EQ(mask[0], 1 << 1);
  CHECK_EQ(ugetpid(), getpid());
}

void pgaccess_unmapped_and_kernel_pages() {
  // Pages above the heap, the guard page and the usyscall/trapframe/trampoline pages read as not
  // accessed (only user leaves count), and the call still succeeds.
  static uchar mask[8];
  uint64 top = page_round_up(addr(sbrk(0)));
  CHECK_EQ(pgaccess(ptr<char>(top), 16, mask), 0);
  CHECK_EQ(mask[0] | mask[1], 0);
  // The usyscall page is a user page: reading it (ugetpid) sets its A bit. The trapframe and
  // the trampoline above it (no PTE_U) never count.
  CHECK_EQ(pgaccess(ptr<char>(USYSCALL), 3, mask), 0);
  CHECK_EQ(mask[0] & ~1, 0);
  CHECK_EQ(ugetpid(), getpid());
  CHECK_EQ(pgaccess(ptr<char>(USYSCALL), 3, mask), 0);
  CHECK_EQ(mask[0], 1);
  CHECK_EQ(pgaccess(ptr<char>(USYSCALL), 3, mask), 0);
  CHECK_EQ(mask[0], 0);
  int local = 0;
  uint64 guard = page_round_down(addr(&local)) - kPageSize;
  CHECK_EQ(pgaccess(ptr<char>(guard), 1, mask), 0);
  CHECK_EQ(mask[0], 0);
}

void pgaccess_kernel_copies_do_not_count() {
  // copyin (write) and copyout (read) reach these pages through the kernel's own mappings, never
  // through the user PTE, so the hardware sets no A bit for them.
  char* buf = fresh_pages(4);
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  static uchar mask[8];
  CHECK_EQ(pgaccess(buf, 4, mask), 0);           // clear what fresh_pages' pipe setup may have done
  CHECK_EQ(write(fds[1], buf + kPage, 64), 64);  // copyin from page 1
  CHECK_EQ(read(fds[0], buf + 2 * kPage, 64), 64);  // copyout to page 2
  CHECK_EQ(pgaccess(buf, 4, mask), 0);
  CHECK_EQ(mask[0], 0);
  close(fds[0]);
  close(fds[1]);
}

void pgaccess_fork_child_own_bits() {
  char* buf = fresh_pages(4);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    static uchar m[8];
    // The child's pages are its own copies; touch page 3 only.
    if (pgaccess(buf, 4, m) != 0) exit(1);
    buf[3 * kPage] = 9;
    if (pgaccess(buf, 4, m) != 0 || m[0] != (1 << 3)) exit(1);
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
  static uchar mask[8];
  buf[0] = 8;
  CHECK_EQ(pgaccess(buf, 4, mask), 0);
  CHECK(mask[0] & 1);
  CHECK_EQ(mask[0] & (1 << 3), 0);
}

// -- kpgtbl ------------------------------------------------------------------------------------

void kpgtbl_returns() {
  // What it prints is checked by tests/qemu/test_pgtbl.py; here, that it works in a child whose
  // table has more in it, and changes nothing.
  char* p = sbrk(3 * kPage);
  CHECK(p != kSbrkFailed);
  p[0] = 1;
  CHECK_EQ(kpgtbl(), 0);
  CHECK_EQ(ugetpid(), getpid());
}

constexpr Test kTests[] = {
    {"ugetpid_matches", ugetpid_matches},
    {"ugetpid_in_children", ugetpid_in_children},
    {"ugetpid_after_exec", ugetpid_after_exec},
    {"usyscall_read_only", usyscall_read_only},
    {"usyscall_above_heap", usyscall_above_heap},
    {"pgaccess_lab", pgaccess_lab},
    {"pgaccess_unaligned_base", pgaccess_unaligned_base},
    {"pgaccess_mask_size", pgaccess_mask_size},
    {"pgaccess_512_pages", pgaccess_512_pages},
    {"pgaccess_bad_arguments", pgaccess_bad_arguments},
    {"pgaccess_unmapped_and_kernel_pages", pgaccess_unmapped_and_kernel_pages},
    {"pgaccess_kernel_copies_do_not_count", pgaccess_kernel_copies_do_not_count},
    {"pgaccess_fork_child_own_bits", pgaccess_fork_child_own_bits},
    {"kpgtbl_returns", kpgtbl_returns},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--check-ugetpid") == 0) {
    exit(ugetpid() == getpid() ? 0 : 1);  // ugetpid_after_exec's freshly exec'd image
  }
  run_tests("usystests", kTests, argc, argv);
}
