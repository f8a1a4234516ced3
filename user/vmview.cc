// vmview: the workload `make view` captures (tools/view/capture.py). It builds one of each kind of
// user memory the viewer marks and holds it still while gdb reads the page tables:
//   heap      a few 4 KiB pages from an eager sbrk, each written;
//   lazy      sbrklazy up to the next 2 MiB boundary: part of the heap, no page behind it yet;
//   super     an eager sbrk of the 2 MiB from there: one level-1 leaf when the kernel has
//             superpages and a free aligned 2 MiB block (else 512 pages of 4 KiB);
//   shared    a MAP_SHARED mapping of a two-page file, both pages touched (the file is unlinked
//             at once: the mapping keeps it);
//   private   a MAP_PRIVATE anonymous mapping of two pages, both written;
// then forks a child. Neither process touches any of that after fork (only its stack and the
// pipes), so with copy-on-write fork the heap, the superpage and the data pages stay shared
// read-only with the COW mark, the MAP_SHARED pages are the same frames in both, and the private
// mapping is the child's own copy.
//
// It prints what it built, "vmview: ready" once the child is waiting, then reads one line from
// the console (the capture sends it when gdb is done), lets the child go and prints "vmview: OK".
// On a lab profile's kernel without mmap (pgtbl2020, lazy2020, cow, pgtbl2024) it says "no mmap"
// and shows the rest; without superpages the 2 MiB is 512 pages of 4 KiB; with an eager fork
// nothing is shared copy-on-write.
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

constexpr unsigned long kPageSize = 4096;
constexpr unsigned long kSuper = 2ul << 20;
constexpr int kHeapPages = 3;
constexpr char kFile[] = "vmview.dat";
char* const kSbrkFailed = reinterpret_cast<char*>(-1L);

unsigned long addr(const void* p) {
  return reinterpret_cast<unsigned long>(p);
}

int fail(const char* what) {
  fprintf(2, "vmview: %s failed\n", what);
  return 1;
}

// Whether [va, va + 2 MiB) is one leaf: the same PTE for all 512 pages (4 KiB pages have one
// frame, so one PTE, each).
bool one_leaf(char* va) {
  const uint64 pte = pgpte(va);
  if (pte == 0) return false;
  for (unsigned long off = kPageSize; off < kSuper; off += kPageSize) {
    if (pgpte(va + off) != pte) return false;
  }
  return true;
}

// A two-page file of known bytes, mapped MAP_SHARED and unlinked; nullptr on failure.
char* map_shared_file() {
  int fd = open(kFile, O_CREATE | O_RDWR);
  if (fd < 0) return nullptr;
  static char page[kPageSize];
  bool written = true;
  for (int i = 0; i < 2; i++) {
    memset(page, 'a' + i, sizeof(page));
    written = written && write(fd, page, sizeof(page)) == static_cast<int>(sizeof(page));
  }
  void* m = written ? mmap(nullptr, 2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                    : MAP_FAILED;
  close(fd);
  unlink(kFile);
  return m == MAP_FAILED ? nullptr : static_cast<char*>(m);
}

}  // namespace

int main() {
  char* heap = sbrk(kHeapPages * kPageSize);
  if (heap == kSbrkFailed) return fail("sbrk");
  for (int i = 0; i < kHeapPages; i++) heap[i * kPageSize] = static_cast<char>(i + 1);

  const unsigned long brk = addr(sbrk(0));
  const unsigned long gap = (kSuper - brk % kSuper) % kSuper;
  if (gap != 0 && sbrklazy(static_cast<int>(gap)) == kSbrkFailed) return fail("sbrklazy");
  char* super = sbrk(static_cast<int>(kSuper));
  if (super == kSbrkFailed) return fail("sbrk of 2 MiB");
  super[0] = 's';

  char* shared = map_shared_file();
  void* priv = mmap(nullptr, 2 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
  const bool mapped = shared != nullptr && priv != MAP_FAILED;
  if (mapped) {
    shared[0] = 'S';  // dirty: written back to the (unlinked) file at exit
    volatile char second = shared[kPageSize];
    (void)second;
    char* p = static_cast<char*>(priv);
    p[0] = 'P';
    p[kPageSize] = 'Q';
  }

  int ready[2], go[2];
  if (pipe(ready) < 0 || pipe(go) < 0) return fail("pipe");
  const int child = fork();
  if (child < 0) return fail("fork");
  if (child == 0) {
    close(go[1]);
    char c = 'r';
    write(ready[1], &c, 1);
    read(go[0], &c, 1);  // 0 bytes once the parent closes its end
    exit(0);
  }
  close(go[0]);
  char c;
  if (read(ready[0], &c, 1) != 1) return fail("the child's ready");

  printf("vmview: heap 0x%lx %d pages, lazy 0x%lx %lu pages\n", addr(heap), kHeapPages, brk,
         gap / kPageSize);
  printf("vmview: super 0x%lx %s\n", addr(super), one_leaf(super) ? "superpage" : "4k");
  if (mapped) {
    printf("vmview: shared 0x%lx private 0x%lx 2 pages each\n", addr(shared), addr(priv));
  } else {
    printf("vmview: no mmap\n");
  }
  printf("vmview: child %d\n", child);
  printf("vmview: ready\n");

  char line[16];
  read(0, line, sizeof(line));
  close(go[1]);
  int status = -1;
  if (wait(&status) != child || status != 0) return fail("the child");
  printf("vmview: OK\n");
  return 0;
}
