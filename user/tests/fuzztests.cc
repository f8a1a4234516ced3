// fuzztests: a seeded random system-call fuzzer. Every system call, the lab and Pagoda extensions
// included (halt excepted: it would power the machine off), with random and boundary arguments:
// null, unmapped, guard-page, text, kernel, device, trampoline and trapframe addresses, MAXVA and
// beyond, zero, huge and negative lengths, bad descriptors, strings without an end that cross into
// an unmapped page, argv arrays that do the same, unknown call numbers (also ones whose low 32 bits
// name a real call). Random allocation failures (allocfail) are among the calls made.
//
// The calls run in child processes, one fresh child per round, so that a child the kernel kills is
// counted and contained; a watchdog kills a child that blocks. After every round the free-page and
// process counts must be back where they were (that round's seed is printed if not), and every
// result must be one a correct kernel can give. Reproducible: round r of seed S always makes the
// same calls with the same arguments.
//
// Usage: fuzztests [-seed S] [-rounds R] [-calls K] [-round R -trace 1] [subtest...]
#include "user/tests/testlib.h"

namespace {

using namespace utest;

uint64 g_seed = 15;     // -seed
int g_rounds = 48;      // -rounds, for fuzz_sequential; fuzz_parallel runs half as many
int g_calls = 400;      // -calls per round and child
int g_only_round = -1;  // -round R: run only round R (with -trace 1: print every call)
bool g_trace = false;

constexpr char kScratch[] = "/fz";
constexpr int kReportFd = NOFILE - 1;  // the child's line to its parent; never fuzzed
constexpr int kTraceFd = NOFILE - 2;   // with -trace: the console; not fuzzed then
constexpr int kWatchdogTicks = 50;
constexpr int kBufSize = 3 * 4096;

// Exit statuses of a fuzzing child.
constexpr int kFinished = 100;    // made all its calls, every result plausible
constexpr int kImplausible = 99;  // made all its calls, some result was impossible (reported)
constexpr int kFuzzedExit = 101;  // called exit (101..110)

alignas(4096) uchar g_buf[kBufSize];  // memory the kernel may read and write
uint64 g_stack_top;                   // the top of the one stack page (xv6 layout)

// Results of one round, as the parent counts them.
struct Tally {
  int rounds = 0, finished = 0, killed = 0, hung = 0, exited = 0, execed = 0, fork_failed = 0;
  long calls = 0;
};

uint64 mix(uint64 seed, uint64 round, uint64 child) {
  uint64 z = seed * 0x9e3779b97f4a7c15ull + round * 0xbf58476d1ce4e5b9ull + child + 1;
  z ^= z >> 31;
  return z * 0x94d049bb133111ebull;
}

class Fuzzer {
 public:
  explicit Fuzzer(uint64 seed) : rng_(seed) {}

  [[noreturn]] void run(int calls) {
    heap_base_ = addr(sbrk(0));
    // Standard descriptors go to a file of the scratch directory: no garbage reaches the console
    // (where the test harness reads the results).
    close(0);
    close(1);
    close(2);
    if (open("out", O_CREATE | O_RDWR) != 0 || dup(0) != 1 || dup(0) != 2) exit(98);
    for (call_ = 0; call_ < calls; ++call_) step();
    exit(bad_ == 0 ? kFinished : kImplausible);
  }

 private:
  // -- arguments ---------------------------------------------------------------------------
  uint64 heap_end() { return page_round_up(addr(sbrk(0))); }

  // An address the kernel must refuse for any length > 0 (bad_user_address: as this ISA can
  // name it).
  uint64 bad_ptr() { return bad_user_address(bad_ptr_any_width()); }
  uint64 bad_ptr_any_width() {
    switch (rng_.below(16)) {
      case 0:
        return 0;
      case 1:
        return heap_end();  // the first unmapped byte
      case 2:
        return heap_end() + rng_.below(16) * kPageSize + rng_.below(kPageSize);  // unmapped
      case 3:
        return g_stack_top - 2 * kPageSize + rng_.below(kPageSize);  // the guard page
      case 4:
        return kKernBase + rng_.below(kRamTop - kKernBase);
      case 5:
        return kTrampoline + rng_.below(kPageSize);
      case 6:
        return kTrapframe + rng_.below(kPageSize);
      case 7:
        return kMaxVa - 1 - rng_.below(8);
      case 8:
        return kMaxVa + rng_.below(1ull << 20);
      case 9:
        return kAllOnes - rng_.below(4096);
      case 10:
        return kPlic + rng_.below(4 << 20);  // device addresses, below the user mirror's limit
      case 11:
        return kUart0 + rng_.below(8192);
      case 12:
        return 1ull << (39 + rng_.below(25));  // non-canonical for Sv39
      case 13:
        // Below the trapframe and the usyscall page (2024 lab: readable by the user).
        return kMaxVa - kPageSize * (4 + rng_.below(4));
      default:
        return rng_.next() | (1ull << 42);
    }
  }
  // Memory the kernel may write: len bytes of g_buf (len clamped).
  uint64 good_ptr(uint64 len) {
    if (len > kBufSize) len = kBufSize;
    return addr(g_buf) + rng_.below(kBufSize - len + 1);
  }
  // Valid bytes, then unmapped memory: at most 64 valid bytes before the end of the heap.
  uint64 tail_ptr() { return heap_end() - rng_.below(65); }
  // Any pointer argument, bad ones often.
  uint64 any_ptr(uint64 len) {
    switch (rng_.below(5)) {
      case 0:
      case 1:
        return good_ptr(len);
      case 2:
        return tail_ptr();
      case 3:
        return reinterpret_cast<uint64>(&fuzz_text_marker);  // text: readable, never writable
      default:
        return bad_ptr();
    }
  }
  uint64 any_len() {
    switch (rng_.below(12)) {
      case 0:
        return 0;
      case 1:
        return 1;
      case 2:
        return kPageSize;
      case 3:
        return kPageSize + 1;
      case 4:
        return kBufSize;
      case 5:
        return 0x7fffffff;
      case 6:
        return static_cast<uint64>(-1);  // -1 as an int, and 2^64 - 1
      case 7:
        return 0x80000000;  // INT_MIN as an int
      case 8:
        return 1ull << 32 | rng_.below(100);  // an int of 0..99 if truncated
      case 9:
        return rng_.next();
      default:
        return rng_.below(700);
    }
  }
  uint64 any_fd() {
    switch (rng_.below(10)) {
      case 0:
        return static_cast<uint64>(-1 - static_cast<long>(rng_.below(3)));
      case 1:
        return NOFILE + rng_.below(4);
      case 2:
        return 1ull << 32 | rng_.below(kTraceFd);  // a valid fd in the low 32 bits
      case 3:
        return rng_.next();
      default: {
        // 0 .. NOFILE-2: the report line stays out of reach (and the trace's, when tracing)
        const uint64 fd = rng_.below(kReportFd);
        return g_trace && fd == kTraceFd ? static_cast<uint64>(-1) : fd;
      }
    }
  }
  // A path: names inside the scratch directory (the child's cwd), odd names, bad pointers, and
  // strings that never end. Never a name outside the scratch directory: the fuzzer must not
  // unlink or overwrite the suite's own programs.
  uint64 any_path() {
    static const char* const kNames[] = {"a",
                                         "b",
                                         "d",
                                         "d/x",
                                         "d/d",
                                         "d/d/y",
                                         ".",
                                         "..",
                                         "",
                                         "d/.",
                                         "a/x",
                                         "nonexistent/a",
                                         "a_name_longer_than_dirsiz"};
    const uint64 k = rng_.below(24);
    if (k < 13) return addr(kNames[k]);
    if (k < 17) return bad_ptr();
    if (k < 20) {
      // Random bytes with no '/' and no '.': a name in the cwd, never an absolute path.
      const uint64 len = rng_.below(20);
      char* s = ptr<char>(good_ptr(len + 1));
      for (uint64 i = 0; i < len; ++i) s[i] = static_cast<char>(0x80 | rng_.below(128));
      s[len] = '\0';
      return addr(s);
    }
    if (k < 22) {
      // A name of MAXPATH bytes and more, terminated.
      char* s = ptr<char>(addr(g_buf) + kBufSize - 400);
      memset(s, 'p', 399);
      s[MAXPATH - 1 + rng_.below(3)] = '\0';
      return addr(s);
    }
    // Unterminated, running into the unmapped page after the heap.
    char* t = ptr<char>(heap_end() - 1 - rng_.below(40));
    if (addr(t) < heap_base_) return bad_ptr();
    memset(t, 'u', heap_end() - addr(t));
    return addr(t);
  }
  // An argv array for exec: good, bad, with bad elements, too long, or unterminated.
  uint64 any_argv() {
    uint64* v = ptr<uint64>(addr(g_buf));  // the first words of g_buf
    switch (rng_.below(6)) {
      case 0:
        return bad_ptr();
      case 1: {  // MAXARG+ entries
        const int n = MAXARG - 1 + static_cast<int>(rng_.below(4));
        for (int i = 0; i < n; ++i) v[i] = addr(v + 64);
        ptr<char>(addr(v + 64))[0] = '\0';
        v[n] = 0;
        return addr(v);
      }
      case 2: {  // the array itself runs into the unmapped page
        uint64* t = ptr<uint64>(heap_end() - 8 * (1 + rng_.below(4)));
        if (addr(t) < heap_base_) return bad_ptr();
        for (uint64* p = t; addr(p) < heap_end(); ++p) *p = addr(kNoArg);
        return addr(t);
      }
      default: {
        const int n = static_cast<int>(rng_.below(4));
        for (int i = 0; i < n; ++i) v[i] = any_path();
        v[n] = 0;
        return addr(v);
      }
    }
  }
  int any_kill_pid() {
    switch (rng_.below(7)) {
      case 0:
        return 0;
      case 1:
        return -1;
      case 2:
        return 0x7fffffff;
      case 3:
        return static_cast<int>(0x80000000u);
      case 4:
        return 1;  // init: the kernel refuses
      case 5:
        return last_child_ > 0 ? last_child_ : -5;
      default:
        return rng_.below(8) == 0 ? getpid() : 100000 + static_cast<int>(rng_.below(1000));
    }
  }

  // -- calls --------------------------------------------------------------------------------
  // Counts a result no correct kernel gives and tells the parent about the first few.
  void expect(bool ok, long num, long result) {
    if (ok) return;
    if (++bad_ == 1) {  // one line per child: the report pipe holds 512 bytes
      Line line;
      line.add(g_current).add(": implausible: call #").add(call_).add(" (number ").add(num);
      line.add(") returned ").add(result).add('\n');
      // Through the parent's pipe; never to the console directly (fd 1 is a file here).
      line.flush(kReportFd);
    }
  }

  long sys(long num, uint64 a0 = 0, uint64 a1 = 0, uint64 a2 = 0) {
    const uint64 a3 = rng_.next(), a4 = rng_.next(), a5 = rng_.next();
    return call6(num, a0, a1, a2, a3, a4, a5);
  }
  // Every call the fuzzer makes goes through here (-trace prints it first).
  long call6(long num, uint64 a0 = 0, uint64 a1 = 0, uint64 a2 = 0, uint64 a3 = 0, uint64 a4 = 0,
             uint64 a5 = 0) {
    if (g_trace) {
      Line line;
      line.add("trace #").add(call_).add(": ").add(num).add(' ').add(Hex{a0}).add(' ');
      line.add(Hex{a1}).add(' ').add(Hex{a2}).add('\n');
      line.flush(kTraceFd);
    }
    return syscall6(num, a0, a1, a2, a3, a4, a5);
  }

  // A pipe with one end closed at once, so no later read or write on it can block.
  void make_pipe() {
    int fds[2] = {-1, -1};
    if (rng_.below(4) == 0) {
      const long r = sys(SYS_pipe, bad_ptr());
      expect(r == -1, SYS_pipe, r);
      return;
    }
    const long r = sys(SYS_pipe, addr(fds));
    expect(r == 0 || r == -1, SYS_pipe, r);
    if (r != 0) return;
    if (rng_.below(2)) {
      write(fds[1], g_buf, static_cast<int>(rng_.below(400)));
      close(fds[1]);
    } else {
      close(fds[0]);
    }
  }

  void step() {
    const uint64 which = rng_.below(34);
    long r = 0;
    switch (which) {
      case 0: {  // fork: the child exits at once (a child that went on could block)
        r = sys(SYS_fork);
        if (r == 0) exit(static_cast<int>(rng_.below(3)));
        expect(r == -1 || r > 0, SYS_fork, r);
        if (r > 0) last_child_ = static_cast<int>(r);
        break;
      }
      case 1:  // exit, now and then
        if (rng_.below(64) == 0) exit(kFuzzedExit + static_cast<int>(rng_.below(10)));
        break;
      case 2: {
        const bool good = rng_.below(2);
        r = sys(SYS_wait, good ? good_ptr(4) : (rng_.below(2) ? 0 : bad_ptr()));
        expect(r >= -1, SYS_wait, r);
        break;
      }
      case 3:
        make_pipe();
        break;
      case 4:
      case 5: {  // read
        const uint64 len = any_len();
        const bool bad = rng_.below(3) == 0;
        const uint64 p = bad ? bad_ptr() : any_ptr(len);
        r = sys(SYS_read, any_fd(), p, len);
        const long ilen = static_cast<int>(len);
        expect(r >= -1 && r <= (ilen < 0 ? 0 : ilen), SYS_read, r);
        if (bad) expect(r <= 0, SYS_read, r);
        break;
      }
      case 6: {  // kill: only ourselves, our children, init or no one
        r = sys(SYS_kill, static_cast<uint64>(any_kill_pid()));
        expect(r == 0 || r == -1, SYS_kill, r);
        break;
      }
      case 7: {  // exec: of things that are not programs, or now and then of /nop
        const uint64 path = rng_.below(40) == 0 ? addr(kNop) : any_path();
        r = sys(SYS_exec, path, any_argv());
        expect(r == -1, SYS_exec, r);  // a successful exec does not return here
        break;
      }
      case 8: {
        const bool bad = rng_.below(2);
        r = sys(SYS_fstat, any_fd(), bad ? bad_ptr() : any_ptr(sizeof(struct stat)));
        expect(r == 0 || r == -1, SYS_fstat, r);
        if (bad) expect(r == -1, SYS_fstat, r);
        break;
      }
      case 9: {  // chdir: only within the scratch directory
        static const char* const kDirs[] = {"/fz", "/fz/d", "/fz/a", "/fz/missing", "d", "."};
        const uint64 k = rng_.below(9);
        r = sys(SYS_chdir, k < 6 ? addr(kDirs[k]) : k < 8 ? bad_ptr() : tail_ptr());
        expect(r == 0 || r == -1, SYS_chdir, r);
        break;
      }
      case 10:
        r = sys(SYS_dup, any_fd());
        expect(r >= -1 && r < NOFILE, SYS_dup, r);
        break;
      case 11:
        r = sys(SYS_getpid);
        expect(r > 1, SYS_getpid, r);
        break;
      case 12: {  // sbrk: small steps both ways, huge ones, and rarely one below our own text
        const uint64 cur = addr(sbrk(0));
        uint64 n;
        switch (rng_.below(8)) {
          case 0:
            n = 0x7fffffff;
            break;
          case 1:
            n = 1ull << (32 + rng_.below(8));  // 64-bit sizes the kernel must not take as 0..
            break;
          case 2:
            n = rng_.below(64) == 0 ? static_cast<uint64>(-static_cast<long>(cur))
                                    : static_cast<uint64>(-static_cast<long>(cur + kPageSize));
            break;
          case 3:
            n = 0x80000000;  // INT_MIN
            break;
          default: {
            long d =
                static_cast<long>(rng_.below(6 * kPageSize)) - 2 * static_cast<long>(kPageSize);
            if (static_cast<long>(cur) + d < static_cast<long>(heap_base_)) d = 0;
            n = static_cast<uint64>(d);
          }
        }
        r = sys(SYS_sbrk, n);
        expect(r == -1 || static_cast<uint64>(r) == cur, SYS_sbrk, r);
        break;
      }
      case 13: {  // sleep: never long (the round is bounded)
        const uint64 ticks[] = {0, 1, static_cast<uint64>(-1), 0x80000000, 1ull << 32};
        r = sys(SYS_sleep, ticks[rng_.below(5)]);
        expect(r == 0, SYS_sleep, r);
        break;
      }
      case 14:
        r = sys(SYS_uptime);
        expect(r >= 0, SYS_uptime, r);
        break;
      case 15:
      case 16: {  // open
        const uint64 flags[] = {
            O_RDONLY,         O_WRONLY,   O_RDWR, O_CREATE | O_RDWR, O_CREATE | O_TRUNC | O_WRONLY,
            O_TRUNC | O_RDWR, rng_.next()};
        r = sys(SYS_open, any_path(), flags[rng_.below(7)]);
        expect(r >= -1 && r < NOFILE, SYS_open, r);
        break;
      }
      case 17:
      case 18: {  // write
        const uint64 len = any_len();
        const bool bad = rng_.below(3) == 0;
        const uint64 p = bad ? bad_ptr() : any_ptr(len);
        r = sys(SYS_write, any_fd(), p, len);
        const long ilen = static_cast<int>(len);
        expect(r >= -1 && r <= (ilen < 0 ? 0 : ilen), SYS_write, r);
        if (bad && p != 0) expect(r <= 0, SYS_write, r);  // null is text: readable
        break;
      }
      case 19: {  // mknod: never the console's major (console input would block the child)
        uint64 major = rng_.below(2) ? 2 + rng_.below(NDEV + 2) : rng_.next();
        if ((major & 0xffff) == 1) major = 0;
        r = sys(SYS_mknod, any_path(), major, rng_.next());
        expect(r == 0 || r == -1, SYS_mknod, r);
        break;
      }
      case 20:
        r = sys(SYS_unlink, any_path());
        expect(r == 0 || r == -1, SYS_unlink, r);
        break;
      case 21:
        r = sys(SYS_link, any_path(), any_path());
        expect(r == 0 || r == -1, SYS_link, r);
        break;
      case 22:
        r = sys(SYS_mkdir, any_path());
        expect(r == 0 || r == -1, SYS_mkdir, r);
        break;
      case 23: {
        const uint64 fd = any_fd();
        r = sys(SYS_close, fd);
        expect(r == 0 || r == -1, SYS_close, r);
        break;
      }
      case 24: {
        const bool bad = rng_.below(2);
        r = sys(SYS_sysinfo, bad ? bad_ptr() : any_ptr(sizeof(struct sysinfo)));
        expect(r == 0 || r == -1, SYS_sysinfo, r);
        if (bad) expect(r == -1, SYS_sysinfo, r);
        break;
      }
      case 25:  // kpgtbl prints the page table on the console: rarely, and only a small one
        if (rng_.below(32) == 0 && heap_end() - heap_base_ <= 64 * kPageSize) {
          r = sys(SYS_kpgtbl);
          expect(r == 0, SYS_kpgtbl, r);
        }
        break;
      case 26: {
        const bool bad = rng_.below(2);
        r = sys(SYS_copystats, bad ? bad_ptr() : any_ptr(sizeof(struct copystats)));
        expect(r == 0 || r == -1, SYS_copystats, r);
        if (bad) expect(r == -1, SYS_copystats, r);
        break;
      }
      case 27: {  // allocfail: any mode (the parent turns it off after the round)
        const uint64 kinds[] = {ALLOCFAIL_OFF,           ALLOCFAIL_NTH,   ALLOCFAIL_RANDOM,
                                ALLOCFAIL_ALL,           ALLOCFAIL_COUNT, 5,
                                static_cast<uint64>(-1), rng_.next()};
        // Mostly the frames; now and then the disk blocks or inodes, or a target that is none.
        const uint64 targets[] = {ALLOCFAIL_FRAMES, ALLOCFAIL_FRAMES, ALLOCFAIL_BLOCKS,
                                  ALLOCFAIL_INODES, 0x70};
        const uint64 mode = kinds[rng_.below(8)] | targets[rng_.below(5)];
        const uint64 args[] = {0,
                               1,
                               1 + rng_.below(64),
                               ALLOCFAIL_ONE_IN / 8,
                               ALLOCFAIL_ONE_IN,
                               ALLOCFAIL_ONE_IN + 1,
                               rng_.next()};
        if (mode == ALLOCFAIL_ALL && rng_.below(4) != 0) break;  // rarer: it ends most calls' use
        r = sys(SYS_allocfail, mode, args[rng_.below(7)], rng_.next());
        expect(r >= -1, SYS_allocfail, r);
        break;
      }
      case 28: {  // unknown numbers, and numbers whose low 32 bits name a call (rarely: logged)
        if (rng_.below(8) != 0) break;
        const uint64 nums[] = {0,
                               22,
                               24 + rng_.below(3),   // 24-26 (27/28 are mmap/munmap)
                               31 + rng_.below(2),   // 31-32 (30 pgaccess, 33 pgpte, 34 kpgtbl)
                               35 + rng_.below(5),
                               SYS_meminfo + 1,  // past exit/wait with a status (43, 44), meminfo 45
                               SYS_meminfo + 2,
                               47 + rng_.below(1000),
                               static_cast<uint64>(-1),
                               (1ull << 32) + SYS_getpid,
                               (1ull << 32) + SYS_halt,
                               (1ull << 63) + SYS_halt,
                               rng_.next()};
        const uint64 pick = nums[rng_.below(sizeof(nums) / sizeof(nums[0]))];
        // x86: a number's high half is dropped, and 2^32 + SYS_halt would be a real halt.
        if (!fits_user_word(pick) && static_cast<uint32>(pick) <= SYS_meminfo) break;
        const long num = static_cast<long>(pick);
        r = call6(num, rng_.next(), rng_.next(), rng_.next());
        expect(r == -1, num, r);
        break;
      }
      case 29:
      case 30:  // a known call with entirely random registers (halt, exit, exec, kill, fork,
                // sleep and the path calls excepted: they are argued above)
      {
        const long safe[] = {SYS_read,  SYS_write,     SYS_close,  SYS_dup,
                             SYS_fstat, SYS_pipe,      SYS_sbrk,   SYS_sysinfo,
                             SYS_wait,  SYS_copystats, SYS_uptime, SYS_getpid};
        const long num = safe[rng_.below(12)];
        if (num == SYS_sbrk) {
          // Random 64 bits, but not so far down that our own text goes.
          const uint64 cur = addr(sbrk(0));
          const uint64 n = rng_.next();
          if (static_cast<long>(static_cast<int>(n)) < -static_cast<long>(cur - heap_base_)) break;
          r = call6(num, n);
          expect(r == -1 || static_cast<uint64>(r) == cur, num, r);
          break;
        }
        if (num == SYS_pipe) {  // only to memory we do not track (the fds stay open)
          r = call6(num, bad_ptr());
          expect(r == -1, num, r);
          break;
        }
        if (num == SYS_close || num == SYS_read || num == SYS_write) {
          // Random lengths and pointers, but never the report line.
          const uint64 fd = rng_.next();
          if (static_cast<int>(fd) == kReportFd) break;
          r = call6(num, fd, rng_.next(), rng_.next());
        } else {
          r = call6(num, rng_.next(), rng_.next(), rng_.next(), rng_.next());
        }
        expect(r >= -1 || num == SYS_uptime, num, r);
        break;
      }
      default:
        r = sys(SYS_getpid);
        break;
    }
  }

  static void fuzz_text_marker() {}
  static constexpr char kNop[] = "/nop";
  static constexpr char kNoArg[] = "";

  Rng rng_;
  uint64 heap_base_ = 0;
  int call_ = 0;
  int bad_ = 0;
  int last_child_ = 0;
};

// The seed of child c of round r: rounds with one child and rounds with three differ.
uint64 child_seed(uint64 seed, int r, int c, int children) {
  return mix(seed, static_cast<uint64>(r), static_cast<uint64>(c + (children > 1 ? 1 : 0)));
}

// One round: `children` fuzzing children at once, each with its own seed, and one watchdog.
// Returns false (and says why, with the seeds) if the round broke something.
bool round(uint64 seed, int r, int children, Tally& tally) {
  const uint64 pages = free_pages();
  const uint64 procs = nproc();
  // The watchdog first, so that it exists even if a child takes all of memory. It learns the
  // children's pids through a pipe once it fires.
  int to_watchdog[2];
  CHECK_EQ(pipe(to_watchdog), 0);
  int watchdog = fork();
  CHECK(watchdog >= 0, "fork of the watchdog failed");
  if (watchdog == 0) {
    close(to_watchdog[1]);
    sleep(kWatchdogTicks);
    int victims[3];
    const int n = read(to_watchdog[0], victims, sizeof victims);
    for (int c = 0; c < n / static_cast<int>(sizeof(int)); ++c)
      if (victims[c] > 0) kill(victims[c]);
    exit(0);
  }
  close(to_watchdog[0]);
  int report[2];
  CHECK_EQ(pipe(report), 0);
  int pids[3] = {-1, -1, -1};
  for (int c = 0; c < children; ++c) {
    pids[c] = fork();
    if (pids[c] == 0) {
      // The report line at a descriptor the fuzzer never touches, and nothing else open.
      close(to_watchdog[1]);
      close(report[0]);
      int fd = report[1];
      while (fd >= 0 && fd != kReportFd) fd = dup(report[1]);
      if (fd != kReportFd) exit(97);
      for (int i = 3; i < kReportFd; ++i) close(i);
      if (g_trace) {
        while (fd >= 0 && fd != kTraceFd) fd = dup(1);
        for (int i = 3; i < kTraceFd; ++i) close(i);
      }
      if (chdir(kScratch) != 0) exit(96);
      own_pages();
      Fuzzer(child_seed(seed, r, c, children)).run(g_calls);
    }
    if (pids[c] < 0) ++tally.fork_failed;
  }
  close(report[1]);
  write(to_watchdog[1], pids, children * static_cast<int>(sizeof(int)));
  close(to_watchdog[1]);
  int live = 0;
  for (int c = 0; c < children; ++c) live += pids[c] > 0;
  if (live == 0) kill(watchdog);
  bool ok = true;
  bool fired = false;
  int statuses[3] = {0, 0, 0};
  while (live > 0 || watchdog > 0) {
    int st = 0;
    int pid = wait(&st);
    if (pid < 0) break;
    if (pid == watchdog) {
      fired = st == 0;
      watchdog = -1;
      continue;
    }
    for (int c = 0; c < children; ++c) {
      if (pid != pids[c]) continue;
      statuses[c] = st;
      if (--live == 0 && watchdog > 0) kill(watchdog);
    }
  }
  // The children's implausible results, if any.
  static char lines[512];
  int n = read(report[0], lines, sizeof lines - 1);
  close(report[0]);
  allocfail_off();
  if (n > 0) {
    lines[n] = '\0';
    write(1, lines, n);
  }
  for (int c = 0; c < children; ++c) {
    if (pids[c] < 0) continue;
    ++tally.rounds;
    tally.calls += g_calls;
    const int st = statuses[c];
    if (st == kFinished) {
      ++tally.finished;
    } else if (st == -1) {
      if (fired) {
        ++tally.hung;
        say(g_current, ": round ", r, " child ", c, " (seed ",
            Hex{child_seed(seed, r, c, children)}, ") was still running after ", kWatchdogTicks,
            " ticks; rerun with -round ", r, " -trace 1");
      } else {
        ++tally.killed;
      }
    } else if (st >= kFuzzedExit && st < kFuzzedExit + 10) {
      ++tally.exited;
    } else if (st == 0) {
      ++tally.execed;  // became /nop, which exits 0
    } else {
      say(g_current, ": round ", r, " child ", c, " (seed ", Hex{child_seed(seed, r, c, children)},
          ") exited with status ", st);
      ok = false;
    }
  }
  // Orphans (the children's children) go to init; give it a moment to reap them.
  uint64 pages_after = free_pages();
  uint64 procs_after = nproc();
  for (int i = 0; i < kSettleTicks && (pages_after != pages || procs_after != procs); ++i) {
    sleep(1);
    pages_after = free_pages();
    procs_after = nproc();
  }
  if (pages_after != pages || procs_after != procs) {
    say(g_current, ": round ", r, " of seed ", seed, ": free pages ", pages, " -> ", pages_after,
        ", processes ", procs, " -> ", procs_after);
    ok = false;
  }
  remove_tree(kScratch);
  CHECK_EQ(mkdir(kScratch), 0);
  return ok;
}

void fuzz(int rounds, int children) {
  remove_tree(kScratch);
  CHECK_EQ(mkdir(kScratch), 0);
  const int start = uptime();
  say(g_current, ": seed ", g_seed, ", ", rounds, " rounds x ", children, " children x ", g_calls,
      " calls");
  Tally tally;
  int failed_rounds = 0;
  for (int r = 0; r < rounds; ++r) {
    if (g_only_round >= 0 && r != g_only_round) continue;
    if (!round(g_seed, r, children, tally)) ++failed_rounds;
  }
  remove_tree(kScratch);
  say(g_current, ": ", tally.calls, " calls at most in ", tally.rounds, " children, ",
      uptime() - start, " ticks");
  say(g_current, ": ", tally.finished, " finished, ", tally.killed, " killed by the kernel, ",
      tally.exited, " called exit, ", tally.execed, " exec'd /nop, ", tally.hung,
      " stopped by the watchdog, ", tally.fork_failed, " forks failed");
  CHECK(failed_rounds == 0, failed_rounds, " rounds failed (rerun: fuzztests -seed ", g_seed, ")");
  CHECK(g_only_round >= 0 || tally.finished > tally.rounds / 4,
        "too few children ran to the end: ", tally.finished);
  // The file system still works.
  int fd = open("/fz_after", O_CREATE | O_RDWR);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, "ok", 2), 2);
  close(fd);
  CHECK_EQ(unlink("/fz_after"), 0);
}

void fuzz_sequential() {
  fuzz(g_rounds, 1);
}
void fuzz_parallel() {
  fuzz(g_rounds / 2 > 0 ? g_rounds / 2 : 1, 3);
}

constexpr Test kTests[] = {
    {"fuzz_sequential", fuzz_sequential, 3000},
    {"fuzz_parallel", fuzz_parallel, 3000},
};

uint64 parse_uint(const char* s) {
  uint64 v = 0;
  for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + static_cast<uint64>(*s - '0');
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  volatile int here = 0;
  g_stack_top = page_round_up(addr(&here));
  // Options first, then subtest names for the runner.
  int rest = 1;
  while (rest + 1 < argc && argv[rest][0] == '-') {
    const uint64 v = parse_uint(argv[rest + 1]);
    if (strcmp(argv[rest], "-seed") == 0) {
      g_seed = v;
    } else if (strcmp(argv[rest], "-rounds") == 0) {
      g_rounds = static_cast<int>(v);
    } else if (strcmp(argv[rest], "-calls") == 0) {
      g_calls = static_cast<int>(v);
    } else if (strcmp(argv[rest], "-round") == 0) {
      g_only_round = static_cast<int>(v);
    } else if (strcmp(argv[rest], "-trace") == 0) {
      g_trace = v != 0;
    } else {
      break;
    }
    rest += 2;
  }
  argv[rest - 1] = argv[0];
  run_tests("fuzztests", kTests, argc - rest + 1, argv + rest - 1);
}
