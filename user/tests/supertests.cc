// supertests: superpages (issue 12; xv6 page-table lab 2024) seen from user space through pgpte(33).
// An eager sbrk that covers a 2 MiB-aligned 2 MiB range gets one level-1 leaf there (pgpte shows the
// same PTE for all 512 pages, its frame 2 MiB-aligned) when an aligned 2 MiB frame is free, else
// 4 KiB pages; fork gives the child its own writable superpage with the same data; shrinking inside
// one splits it (the pages below keep their contents, the freed ones read back as pgpte() == 0).
// The runner checks that free pages are unchanged after every subtest.
//
// Usage: supertests [-super | -4k] [subtest...]. -4k: the kernel has no superpages (a lab profile
// such as pgtbl2020), and the subtests check 4 KiB behaviour instead. Without either, the kernel
// is asked: the first aligned 2 MiB sbrk decides.
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr uint64 kSuper = 2ull << 20;
constexpr uint64 kPtes = kSuper / kPageSize;  // 512
constexpr uint64 kPteV = 1 << 0, kPteR = 1 << 1, kPteW = 1 << 2, kPteX = 1 << 3, kPteU = 1 << 4;
constexpr uint64 kPteCow = 1 << 9;  // the RSW bit the kernel marks copy-on-write pages with

bool g_super = true;  // whether the kernel under test maps superpages

uint64 pte_pa(uint64 pte) {
  return (pte >> 10) << 12;
}
uint64 pte_of(uint64 va) {
  return pgpte(ptr<void>(va));
}

// Grows the heap (in 4 KiB pages) to the next 2 MiB boundary; returns it.
uint64 align_brk_2m() {
  const uint64 cur = brk();
  const uint64 up = (cur + kSuper - 1) & ~(kSuper - 1);
  if (up != cur) CHECK(sbrk(static_cast<int>(up - cur)) != kSbrkFailed);
  CHECK_EQ(brk(), up);
  return up;
}

// Whether [va, va + 2 MiB) is one level-1 leaf: one PTE for all 512 pages, a 2 MiB-aligned frame.
bool is_superpage(uint64 va) {
  const uint64 pte = pte_of(va);
  if ((pte & kPteV) == 0 || pte_pa(pte) % kSuper != 0) return false;
  for (uint64 i = 1; i < kPtes; ++i) {
    if (pte_of(va + i * kPageSize) != pte) return false;
  }
  return true;
}

// Whether every page of [va, va + size) has its own level-0 leaf (no two pages share a PTE).
bool is_4k_pages(uint64 va, uint64 size) {
  uint64 last = 0;
  for (uint64 a = va; a < va + size; a += kPageSize) {
    const uint64 pte = pte_of(a);
    if ((pte & kPteV) == 0 || pte == last) return false;
    last = pte;
  }
  return true;
}

// What an sbrk'd 2 MiB must look like on this kernel: a superpage, or (no superpages) 4 KiB pages.
void check_mapping(uint64 va) {
  if (g_super) {
    CHECK(is_superpage(va));
  } else {
    CHECK(is_4k_pages(va, kSuper));
  }
  const uint64 pte = pte_of(va);
  CHECK_EQ(pte & (kPteV | kPteR | kPteW | kPteX | kPteU), kPteV | kPteR | kPteW | kPteU);
}

void fill(uint64 va, uint64 size, uint64 salt) {
  for (uint64 a = va; a < va + size; a += kPageSize / 4) *ptr<volatile uint64>(a) = a ^ salt;
}
bool filled(uint64 va, uint64 size, uint64 salt) {
  for (uint64 a = va; a < va + size; a += kPageSize / 4) {
    if (*ptr<volatile uint64>(a) != (a ^ salt)) return false;
  }
  return true;
}

void pgpte_basics() {
  // Text: a user leaf, readable and executable.
  const uint64 text = pte_of(addr(reinterpret_cast<const void*>(&pgpte_basics)));
  CHECK_EQ(text & (kPteV | kPteR | kPteX | kPteU), kPteV | kPteR | kPteX | kPteU);
  // Beyond the heap, beyond MAXVA, at MAXVA - 1 page (the trampoline: a leaf without U).
  CHECK_EQ(pte_of(page_round_up(brk()) + 16 * kSuper), 0ull);
  CHECK_EQ(pte_of(kMaxVa), 0ull);
  CHECK_EQ(pte_of(~0ull), 0ull);
  const uint64 tramp = pte_of(kTrampoline);
  CHECK((tramp & kPteV) != 0);
  CHECK((tramp & kPteU) == 0);
  // A fresh heap page: a level-0 leaf of its own.
  const uint64 base = page_round_up(brk());
  CHECK(sbrk(static_cast<int>(base - brk() + kPageSize)) != kSbrkFailed);
  CHECK((pte_of(base) & (kPteV | kPteW | kPteU)) == (kPteV | kPteW | kPteU));
  CHECK(pte_of(base) != pte_of(base - kPageSize));
}

void sbrk_aligned_gets_superpage() {
  const uint64 base = align_brk_2m();
  const uint64 free_before = free_pages();
  CHECK_EQ(addr(sbrk(static_cast<int>(kSuper))), base);
  check_mapping(base);
  // About 512 frames went (a superpage or 512 pages, and perhaps a table).
  const uint64 used = free_before - free_pages();
  CHECK(used >= kPtes && used <= kPtes + 3);
  // Zeroed, then readable and writable everywhere.
  for (uint64 a = base; a < base + kSuper; a += 512) CHECK_EQ(*ptr<volatile uint64>(a), 0ull);
  fill(base, kSuper, 0x5a5a);
  CHECK(filled(base, kSuper, 0x5a5a));
  CHECK(sbrk(-static_cast<int>(kSuper)) != kSbrkFailed);
  CHECK_EQ(pte_of(base), 0ull);
  CHECK_EQ(pte_of(base + kSuper - kPageSize), 0ull);
}

void sbrk_unaligned_covering_range() {
  // From an unaligned break, 5 MiB: the aligned 2 MiB inside are superpages, the edges pages.
  const uint64 start = brk();
  const uint64 len = 5ull << 20;
  CHECK_EQ(addr(sbrk(static_cast<int>(len))), start);
  const uint64 first = (page_round_up(start) + kSuper - 1) & ~(kSuper - 1);
  int supers = 0;
  for (uint64 va = first; va + kSuper <= start + len; va += kSuper) {
    check_mapping(va);
    ++supers;
  }
  CHECK(supers >= 1);
  if (page_round_up(start) < first) CHECK(is_4k_pages(page_round_up(start), first - page_round_up(start)));
  fill(page_round_up(start), page_round_down(start + len) - page_round_up(start), 7);
  CHECK(filled(page_round_up(start), page_round_down(start + len) - page_round_up(start), 7));
}

void superpage_through_system_calls() {
  // copyout into a superpage (read) and copyin from one (write), across a page boundary.
  const uint64 base = align_brk_2m();
  CHECK(sbrk(static_cast<int>(kSuper)) != kSbrkFailed);
  check_mapping(base);
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  char* src = ptr<char>(base + 3 * kPageSize - 100);
  for (int i = 0; i < 300; ++i) src[i] = static_cast<char>('a' + i % 26);
  CHECK_EQ(write(fds[1], src, 300), 300);
  char* dst = ptr<char>(base + kSuper - kPageSize - 150);
  CHECK_EQ(read(fds[0], dst, 300), 300);
  for (int i = 0; i < 300; ++i) CHECK_EQ(dst[i], static_cast<char>('a' + i % 26));
  close(fds[0]);
  close(fds[1]);
  // A path string inside a superpage (copyinstr).
  char* path = ptr<char>(base + kSuper / 2 - 3);
  strcpy(path, "/nonexistent-super");
  CHECK_EQ(open(path, O_RDONLY), -1);
  strcpy(path, "README");
  const int fd = open(path, O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
}

void fork_copies_superpage() {
  const uint64 base = align_brk_2m();
  CHECK(sbrk(static_cast<int>(kSuper)) != kSbrkFailed);
  check_mapping(base);
  fill(base, kSuper, 0x1111);
  const uint64 parent_pte = pte_of(base);
  const int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if ((pte_of(base) & kPteCow) != 0) {
      // A copy-on-write fork (the default kernel): parent and child share the superpage,
      // read-only; the child's first store splits its leaf and copies that page, the others
      // follow page by page.
      CHECK(is_superpage(base));
      CHECK((pte_of(base) & kPteW) == 0);
      CHECK_EQ(pte_pa(pte_of(base)), pte_pa(parent_pte));
      CHECK(filled(base, kSuper, 0x1111));
      fill(base, kSuper, 0x2222);
      CHECK(filled(base, kSuper, 0x2222));
      CHECK(is_4k_pages(base, kSuper));
      CHECK((pte_of(base) & kPteW) != 0);
      exit(0);
    }
    // The child's own superpage (2024 lab: its PTE is writable), with the parent's data.
    check_mapping(base);
    CHECK((pte_of(base) & kPteW) != 0);
    if (g_super) CHECK(pte_pa(pte_of(base)) != pte_pa(parent_pte));
    CHECK(filled(base, kSuper, 0x1111));
    fill(base, kSuper, 0x2222);
    CHECK(filled(base, kSuper, 0x2222));
    exit(0);
  }
  const bool cow = (pte_of(base) & kPteCow) != 0;
  int status = -1;
  CHECK_EQ(wait(&status), pid);
  CHECK_EQ(status, 0);
  CHECK(filled(base, kSuper, 0x1111));  // the child wrote only its copy
  if (!cow) {
    CHECK_EQ(pte_of(base), parent_pte);
  } else {
    // The child is gone: the parent's store takes the whole superpage back, in place.
    CHECK(is_superpage(base));
    fill(base, kSuper, 0x3333);
    CHECK(is_superpage(base));
    CHECK_EQ(pte_pa(pte_of(base)), pte_pa(parent_pte));
    CHECK((pte_of(base) & (kPteW | kPteCow)) == kPteW);
  }
}

void shrink_splits_superpage() {
  const uint64 base = align_brk_2m();
  CHECK(sbrk(static_cast<int>(kSuper)) != kSbrkFailed);
  check_mapping(base);
  fill(base, kSuper, 0x3333);
  const uint64 pa = pte_pa(pte_of(base));
  const uint64 free_before = free_pages();
  // Down to 100 pages and 10 bytes: page 100 still holds live bytes and stays.
  const uint64 keep = 100 * kPageSize + 10;
  CHECK(sbrk(-static_cast<int>(kSuper - keep)) != kSbrkFailed);
  CHECK_EQ(brk(), base + keep);
  CHECK(is_4k_pages(base, 101 * kPageSize));
  if (g_super) {
    // The same frames as before the split, page by page.
    for (uint64 i = 0; i <= 100; ++i) CHECK_EQ(pte_pa(pte_of(base + i * kPageSize)), pa + i * kPageSize);
  }
  for (uint64 i = 101; i < kPtes; ++i) CHECK_EQ(pte_of(base + i * kPageSize), 0ull);
  CHECK(filled(base, 101 * kPageSize, 0x3333));
  // 411 pages came back (less a page table for the split).
  const uint64 got = free_pages() - free_before;
  CHECK(got >= kPtes - 101 - 1 && got <= kPtes - 101);
  // Growing again gives zeroed pages above the old end, not the old bytes.
  CHECK(sbrk(static_cast<int>(kSuper - keep)) != kSbrkFailed);
  for (uint64 a = base + 101 * kPageSize; a < base + kSuper; a += 256) {
    CHECK_EQ(*ptr<volatile uint64>(a), 0ull);
  }
  CHECK(filled(base, 100 * kPageSize, 0x3333));
}

void shrink_to_boundary_frees_whole_superpage() {
  const uint64 base = align_brk_2m();
  CHECK(sbrk(static_cast<int>(2 * kSuper)) != kSbrkFailed);
  check_mapping(base);
  check_mapping(base + kSuper);
  const uint64 free_before = free_pages();
  CHECK(sbrk(-static_cast<int>(kSuper)) != kSbrkFailed);
  check_mapping(base);  // the lower one untouched
  CHECK_EQ(pte_of(base + kSuper), 0ull);
  CHECK(free_pages() - free_before >= kPtes);
}

// A process that takes one 2 MiB frame and gives back all of it but one page, so that 511 free
// frames remain that cannot merge into a 2 MiB block, until it is told to exit.
int hold_split_block(const int (&go)[2]) {
  int ready[2];
  CHECK_EQ(pipe(ready), 0);
  const int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    close(go[1]);  // so that read(go[0]) returns 0 once the test closes its end
    const uint64 base = align_brk_2m();
    const bool ok = sbrk(static_cast<int>(kSuper)) != kSbrkFailed &&
                    sbrk(-static_cast<int>(kSuper - kPageSize)) != kSbrkFailed;
    *ptr<volatile char>(base) = 1;
    write(ready[1], ok ? "y" : "n", 1);
    char c;
    read(go[0], &c, 1);
    exit(0);
  }
  close(ready[1]);
  char c = 0;
  CHECK_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  CHECK_EQ(c, 'y');
  return pid;
}

void exhausted_2m_frames_fall_back_to_pages() {
  int go[2];
  CHECK_EQ(pipe(go), 0);
  align_brk_2m();
  const int h1 = hold_split_block(go);
  const int h2 = hold_split_block(go);
  // Superpages until none is left: then an aligned 2 MiB must still come, as 512 pages.
  const uint64 start = brk();
  int supers = 0;
  bool fell_back = false;
  for (int i = 0; i < 1024 && !fell_back; ++i) {
    const uint64 va = brk();
    if (sbrk(static_cast<int>(kSuper)) == kSbrkFailed) break;
    if (is_superpage(va)) {
      ++supers;
    } else {
      CHECK(is_4k_pages(va, kSuper));
      fell_back = true;
    }
    *ptr<volatile uint64>(va + kSuper - 8) = va;  // usable, whichever it is
  }
  if (g_super) CHECK(supers > 0);
  CHECK(fell_back);
  CHECK(sbrk(-static_cast<int>(brk() - start)) != kSbrkFailed);
  close(go[0]);
  close(go[1]);  // the holders' read returns 0: they exit
  int status = -1;
  for (int i = 0; i < 2; ++i) {
    const int pid = wait(&status);
    CHECK(pid == h1 || pid == h2);
    CHECK_EQ(status, 0);
  }
}

void out_of_memory_during_superpage_sbrk() {
  const uint64 base = align_brk_2m();
  if (g_super) {
    // The block allocation (the first) fails: the same 2 MiB as pages, and sbrk succeeds.
    CHECK_EQ(allocfail(ALLOCFAIL_NTH, 1, 0), 0);
    CHECK_EQ(addr(sbrk(static_cast<int>(kSuper))), base);
    allocfail(ALLOCFAIL_OFF, 0, 0);
    CHECK(is_4k_pages(base, kSuper));
    fill(base, kSuper, 9);
    CHECK(sbrk(-static_cast<int>(kSuper)) != kSbrkFailed);
  }
  // Everything fails: sbrk fails with nothing changed.
  const uint64 free_before = free_pages();
  allocfail(ALLOCFAIL_ALL, 0, 0);
  const bool failed = sbrk(static_cast<int>(kSuper)) == kSbrkFailed;
  allocfail(ALLOCFAIL_OFF, 0, 0);
  CHECK(failed);
  CHECK_EQ(brk(), base);
  CHECK_EQ(pte_of(base), 0ull);
  CHECK_EQ(free_pages(), free_before);
  // Random failures over several superpage sbrks: each succeeds or fails cleanly.
  for (uint64 seed = 1; seed <= 8; ++seed) {
    const uint64 before = free_pages();
    allocfail(ALLOCFAIL_RANDOM, ALLOCFAIL_ONE_IN / 64, seed);
    const bool ok = sbrk(static_cast<int>(kSuper + 3 * kPageSize)) != kSbrkFailed;
    allocfail(ALLOCFAIL_OFF, 0, 0);
    if (ok) {
      CHECK(sbrk(-static_cast<int>(kSuper + 3 * kPageSize)) != kSbrkFailed);
    }
    CHECK_EQ(brk(), base);
    // A page table made for the range may stay (as xv6 leaves them); nothing else.
    CHECK(before - free_pages() <= 2);
  }
}

void shrink_out_of_memory_for_the_split() {
  if (!g_super) return;  // no superpage, no split
  const uint64 base = align_brk_2m();
  CHECK(sbrk(static_cast<int>(kSuper)) != kSbrkFailed);
  check_mapping(base);
  fill(base, kSuper, 0x44);
  allocfail(ALLOCFAIL_ALL, 0, 0);
  const bool failed = sbrk(-static_cast<int>(kSuper / 2)) == kSbrkFailed;
  allocfail(ALLOCFAIL_OFF, 0, 0);
  CHECK(failed);  // the split's table could not be had: sbrk refuses, nothing changes
  CHECK_EQ(brk(), base + kSuper);
  check_mapping(base);
  CHECK(filled(base, kSuper, 0x44));
}

constexpr Test kTests[] = {
    {"pgpte_basics", pgpte_basics},
    {"sbrk_aligned_gets_superpage", sbrk_aligned_gets_superpage},
    {"sbrk_unaligned_covering_range", sbrk_unaligned_covering_range},
    {"superpage_through_system_calls", superpage_through_system_calls},
    {"fork_copies_superpage", fork_copies_superpage},
    {"shrink_splits_superpage", shrink_splits_superpage},
    {"shrink_to_boundary_frees_whole_superpage", shrink_to_boundary_frees_whole_superpage},
    {"exhausted_2m_frames_fall_back_to_pages", exhausted_2m_frames_fall_back_to_pages},
    {"out_of_memory_during_superpage_sbrk", out_of_memory_during_superpage_sbrk},
    {"shrink_out_of_memory_for_the_split", shrink_out_of_memory_for_the_split},
};

// Asks the kernel: an aligned 2 MiB sbrk in a child, a superpage or not (exit status 1 / 0).
bool kernel_has_superpages() {
  const int pid = fork();
  if (pid == 0) {
    const uint64 base = align_brk_2m();
    if (sbrk(static_cast<int>(kSuper)) == kSbrkFailed) exit(2);
    exit(is_superpage(base) ? 1 : 0);
  }
  int status = -1;
  wait(&status);
  return status == 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && (strcmp(argv[1], "-super") == 0 || strcmp(argv[1], "-4k") == 0)) {
    g_super = strcmp(argv[1], "-super") == 0;
    argv[1] = argv[0];
    ++argv;
    --argc;
  } else {
    g_super = kernel_has_superpages();
  }
  say("supertests: expecting ", g_super ? "superpages" : "4 KiB pages only");
  run_tests("supertests", kTests, argc, argv);
}
