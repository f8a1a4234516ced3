// grindtests: random system calls with random arguments (garbage pointers, bad descriptors, odd
// lengths), from several processes at once, from fixed seeds, for a bounded number of iterations
// (after xv6's grind). The kernel must survive, every call must return something sensible, and no
// page may be lost. Usage: grindtests [subtest...]
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr int kWorkers = 3;
constexpr int kIterations = 2000;
constexpr int kScratchSize = 16384;
constexpr int kMaxHeapGrowth = 4 << 20;

alignas(8) uchar g_scratch[kScratchSize];
uint64 g_initial_brk;
uint64 g_heap_base;  // the worker never shrinks below this

const char* const kPaths[] = {
    "/xg/a",     "/xg/b",     "/xg/c",       "/xg/d1",  "/xg/d2",
    "/xg/d1/a",  "/xg/d1/d3", "/xg/d1/d3/b", "/xg",     "/",
    "/xg/d2/..", "",          "/xg/a/x",     "/README", "/xg/nonexistent/a"};
const char* const kDirs[] = {"/xg", "/xg/d1", "/xg/d2", "/xg/d1/d3", "..", "."};

struct Worker {
  Rng rng;
  int id;
  int bad_results = 0;

  // A pointer that is always invalid for the kernel to touch, whatever the length.
  uint64 bad_ptr() {
    const uint64 fixed[] = {
        kKernBase,
        kKernBase + rng.below(kRamTop - kKernBase),
        kTrapframe,
        kTrampoline,
        kMaxVa - 1,
        kMaxVa,
        kMaxVa + rng.below(1ull << 30),
        kAllOnes - rng.below(64),
        page_round_up(g_initial_brk) - 2 * kPageSize + rng.below(kPageSize) /* guard */,
        (rng.next() | (1ull << 40))};
    return bad_user_address(fixed[rng.below(sizeof fixed / sizeof fixed[0])]);
  }
  // A pointer into memory the worker may let the kernel write.
  uint64 good_ptr(int len) {
    if (len < 0 || len > kScratchSize) len = 0;
    return addr(g_scratch) + rng.below(kScratchSize - len + 1);
  }
  // The end of the heap's last mapped page (the break rounded up: the rest of that page is mapped
  // too, as in xv6): bytes below it are valid, bytes from it on are not.
  uint64 heap_end() { return page_round_up(addr(sbrk(0))); }
  // At most 64 valid bytes, then unmapped memory.
  uint64 tail_ptr() { return heap_end() - rng.below(65); }
  int any_len() {
    const int lens[] = {
        0, 1, 7, 64, 512, 4096, 10000, kScratchSize, -1, 0x7fffffff, -0x7fffffff - 1};
    return lens[rng.below(sizeof lens / sizeof lens[0])];
  }
  int small_len() { return static_cast<int>(rng.below(600)); }
  int any_fd() {
    int fd = static_cast<int>(rng.below(NOFILE + 4)) - 2;  // -2 .. NOFILE+1
    if (fd == 1 || fd == 2) fd = 0;                        // our console output stays open
    return fd;
  }
  const char* path() {
    uint64 k = rng.below(20);
    if (k < 15) return kPaths[k];
    if (k < 18) return ptr<const char>(bad_ptr());
    // An unterminated string at the end of the heap.
    char* t = ptr<char>(heap_end() - 8);
    if (addr(t) >= g_heap_base) {
      memset(t, 'u', 8);
      return t;
    }
    return "/xg/c";
  }

  int op = 0;
  long last = 0;  // the last result, for the report

  // Counts a result that no correct kernel returns; reports the first few.
  void expect(bool ok) {
    if (ok) return;
    if (++bad_results <= 5)
      say(g_current, ": worker ", id, ": implausible result ", last, " from operation ", op);
  }

  void step() {
    switch (op = static_cast<int>(rng.below(22))) {
      case 0: {
        const int flags[] = {O_RDONLY,
                             O_WRONLY,
                             O_RDWR,
                             O_CREATE | O_RDWR,
                             O_CREATE | O_WRONLY | O_TRUNC,
                             O_TRUNC | O_RDWR,
                             static_cast<int>(rng.next())};
        int fd = open(path(), flags[rng.below(7)]);
        last = fd;
        expect(fd >= -1 && fd < NOFILE);
        break;
      }
      case 1: {
        int fd = any_fd();
        if (fd >= 0)
          close(fd);
        else {
          last = close(fd);
          expect(last == -1);
        }
        break;
      }
      case 2: {  // read into a good buffer
        int len = small_len();
        int fd = any_fd();
        int r = read(fd, ptr<void>(good_ptr(len)), len);
        last = r;
        expect(r >= -1 && r <= len);
        break;
      }
      case 3: {  // read into a bad buffer
        int len = any_len();
        int r = read(any_fd(), ptr<void>(bad_ptr()), len);
        last = r;
        expect(r <= 0);
        break;
      }
      case 4: {  // write a good buffer
        int len = small_len();
        int fd = any_fd();
        int r = write(fd, ptr<void>(good_ptr(len)), len);
        last = r;
        expect(r >= -1 && r <= len);
        break;
      }
      case 5: {  // write from a bad or half-bad buffer
        int len = any_len();
        uint64 p = rng.below(2) ? bad_ptr() : tail_ptr();
        int r = write(any_fd(), ptr<void>(p), len);
        last = r;
        expect(r == -1 || (r >= 0 && r <= (len > 64 ? 64 : len)));
        break;
      }
      case 6: {
        struct stat* st =
            ptr<struct stat>(rng.below(2) ? good_ptr(sizeof(struct stat)) : bad_ptr());
        int r = fstat(any_fd(), st);
        last = r;
        expect(r == 0 || r == -1);
        break;
      }
      case 7:
        last = unlink(path());
        expect(last == 0 || last == -1);
        break;
      case 8:
        last = link(path(), path());
        expect(last == 0 || last == -1);
        break;
      case 9:
        last = mkdir(path());
        expect(last == 0 || last == -1);
        break;
      case 10: {
        const char* d = rng.below(4) ? kDirs[rng.below(6)] : path();
        last = chdir(d);
        expect(last == 0 || last == -1);
        break;
      }
      case 11: {  // sbrk, within bounds
        uint64 cur = addr(sbrk(0));
        int n = static_cast<int>(rng.below(65536)) - 16384;
        if (cur + n < g_heap_base || cur + n > g_heap_base + kMaxHeapGrowth) n = 0;
        char* r = sbrk(n);
        last = static_cast<long>(addr(r));
        expect(addr(r) == cur);
        break;
      }
      case 12: {  // fork; the child does a little and exits
        int pid = fork();
        if (pid == 0) {
          if (rng.below(2)) sbrk(8192);
          getpid();
          exit(static_cast<int>(rng.below(5)));
        }
        if (pid > 0) {
          int st = 0;
          last = wait(&st);
          expect(last == pid && st >= 0 && st < 5);
        }
        break;
      }
      case 13: {  // pipe: fill a little, keep only the read end (never blocks later)
        int p[2] = {-1, -1};
        int* where = rng.below(4) ? p : ptr<int>(bad_ptr());
        int r = pipe(where);
        if (where == p && r == 0) {
          write(p[1], g_scratch, small_len() % 400);
          close(p[1]);
        }
        break;
      }
      case 14: {
        int fd = any_fd();
        int r = dup(fd);
        last = r;
        expect(r >= -1 && r < NOFILE);
        break;
      }
      case 15: {  // exec of things that are not programs (or not there, or bad pointers)
        const char* argv_ok[] = {"x", nullptr};
        char** argv = rng.below(2) ? const_cast<char**>(argv_ok) : ptr<char*>(bad_ptr());
        const char* p = path();
        if (p == kPaths[13]) p = "/xg/a";
        last = exec(p, argv);
        expect(last == -1);
        break;
      }
      case 16: {
        uint64 p = rng.below(2) ? good_ptr(sizeof(struct sysinfo)) : bad_ptr();
        int r = sysinfo(ptr<struct sysinfo>(p));
        last = r;
        expect(r == 0 || r == -1);
        break;
      }
      case 17:
        last = wait(ptr<int>(rng.below(2) ? bad_ptr() : good_ptr(4)));
        expect(last == -1);
        break;
      case 18:
        last =
            kill(static_cast<int>(rng.below(2) ? -1 - rng.below(100) : 100000 + rng.below(1000)));
        expect(last == -1);
        break;
      case 19: {  // unknown system call numbers (rarely: the kernel logs each one)
        if (rng.below(16) != 0) break;
        long n = static_cast<long>(50 + rng.below(1000));
        last = syscall6(n, rng.next(), rng.next(), rng.next());
        expect(last == -1);
        break;
      }
      case 20: {  // mknod only with bad names (a real console node would let garbage reach it)
        last = mknod(ptr<const char>(bad_ptr()), 1, 0);
        expect(last == -1);
        break;
      }
      default: {
        uptime();
        if (rng.below(8) == 0) sleep(static_cast<int>(rng.below(2)));
        break;
      }
    }
  }
};

[[noreturn]] void run_worker(int id, uint64 seed) {
  close(0);  // never read the console
  Worker w{Rng(seed), id};
  g_heap_base = addr(sbrk(0));
  for (int i = 0; i < kIterations; ++i) w.step();
  for (int fd = 0; fd < NOFILE; ++fd)
    if (fd != 1 && fd != 2) close(fd);
  if (w.bad_results != 0)
    say(g_current, ": worker ", id, ": ", w.bad_results, " implausible results");
  exit(w.bad_results == 0 ? 0 : 2);
}

void grind(uint64 seed) {
  remove_tree("/xg");
  CHECK_EQ(mkdir("/xg"), 0);
  int pids[kWorkers];
  for (int i = 0; i < kWorkers; ++i) {
    pids[i] = fork();
    CHECK(pids[i] >= 0);
    if (pids[i] == 0) run_worker(i, seed * 1000 + i + 1);
  }
  for (int i = 0; i < kWorkers; ++i) {
    int st = 0;
    int pid = wait(&st);
    CHECK(pid > 0);
    CHECK(st == 0, "a worker exited with status ", st);
  }
  remove_tree("/xg");
  struct stat st;
  CHECK_EQ(stat("/xg", &st), -1);
  // The file system still works.
  int fd = open("/xg_after", O_CREATE | O_RDWR);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, "ok", 2), 2);
  close(fd);
  CHECK_EQ(unlink("/xg_after"), 0);
}

void grind_seed1() {
  grind(1);
}
void grind_seed2() {
  grind(2);
}

void grind_killer() {
  // Workers are killed at random moments, in the middle of whatever system call they are in.
  for (int round = 0; round < 4; ++round) {
    remove_tree("/xg");
    CHECK_EQ(mkdir("/xg"), 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) run_worker(round, 77 + round);
    sleep(1 + round % 3);
    kill(pid);
    int st = 0;
    CHECK_EQ(wait(&st), pid);
    CHECK(st == -1 || st == 0, "status ", st);
  }
  remove_tree("/xg");
}

constexpr Test kTests[] = {
    {"grind_seed1", grind_seed1},
    {"grind_seed2", grind_seed2},
    {"grind_killer", grind_killer},
};

}  // namespace

int main(int argc, char** argv) {
  g_initial_brk = addr(sbrk(0));
  run_tests("grindtests", kTests, argc, argv);
}
