// The shared core of Pagoda's user-space test programs: line output, check macros, the free-page
// and process counters (sysinfo), and a runner that isolates every subtest in its own process.
//
// Each subtest runs in a forked child, so a crash or a kill only fails that subtest, and every page
// the subtest used is returned when the child is reaped. The runner reads sysinfo() before the fork
// and after the reap: the free-page count and the process count must be exactly what they were.
//
// The user stack is a single page (xv6 layout), so tests keep big buffers in static storage or on
// the heap, never on the stack.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>

#include "kernel/allocfail.h"
#include "kernel/arch/user_abi.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/syscall.h"
#include "kernel/sysinfo.h"
#include "kernel/types.h"
#include "user/user.h"

namespace utest {

// The user address-space layout of this ISA (kernel/arch/<isa>/user_abi.h): Sv39's on RISC-V,
// xv6-x86's on x86 (user memory below KERNBASE 0x80000000, the kernel above it).
inline constexpr const char* kIsa = pagoda::user_abi::kIsa;
inline constexpr uint64 kPageSize = pagoda::user_abi::kPageSize;
inline constexpr uint64 kMaxVa = pagoda::user_abi::kMaxVa;            // one past the last address
inline constexpr uint64 kTrampoline = pagoda::user_abi::kTrampoline;  // not for user mode
inline constexpr uint64 kTrapframe = pagoda::user_abi::kTrapframe;    // not for user mode
inline constexpr uint64 kUserTop = pagoda::user_abi::kUserTop;        // user memory stays below
inline constexpr uint64 kKernBase = pagoda::user_abi::kKernBase;
inline constexpr uint64 kRamTop =
    pagoda::user_abi::kRamTop;  // inside the kernel's RAM, near its top
inline constexpr uint64 kPlic = pagoda::user_abi::kDeviceA;   // a device (RISC-V: the PLIC)
inline constexpr uint64 kUart0 = pagoda::user_abi::kDeviceB;  // another (RISC-V: the UART)
inline constexpr uint64 kLeafTableSpan = pagoda::user_abi::kLeafTableSpan;  // RISC-V 2, x86 4 MiB
inline constexpr uint64 kUnmappedUser = pagoda::user_abi::kUnmappedUser;    // never mapped
inline constexpr bool kNoExecute =
    pagoda::user_abi::kNoExecute;  // can a page be readable, not executable?

// An address a user pointer (and a system-call argument) can hold: on x86 every address is below
// 2^32, so MAXVA itself and anything above it cannot even be named.
constexpr bool fits_user_word(uint64 a) {
  return pagoda::user_abi::kUserWordBits == 64 || a <= 0xffffffffull;
}

constexpr uint64 page_round_down(uint64 a) {
  return a & ~(kPageSize - 1);
}
constexpr uint64 page_round_up(uint64 a) {
  return page_round_down(a + kPageSize - 1);
}

// The user pointer with every bit set, (char*)-1: 2^64-1 on RISC-V, 2^32-1 on x86.
inline constexpr uint64 kAllOnes = static_cast<__UINTPTR_TYPE__>(~0ull);

// An address no user may touch, as this ISA can pass it: on x86 one wider than 32 bits would lose
// its high half (and could land on the caller's own memory), so it stands for the address of the
// kernel's half with the same low 31 bits instead. Unchanged on RISC-V.
constexpr uint64 bad_user_address(uint64 a) {
  return fits_user_word(a) ? a : (kKernBase | (a & (kKernBase - 1)));
}

template <class T>
T* ptr(uint64 addr) {
  return reinterpret_cast<T*>(static_cast<__UINTPTR_TYPE__>(addr));
}
inline uint64 addr(const volatile void* p) {
  return reinterpret_cast<__UINTPTR_TYPE__>(p);
}

// What sbrk() returns when it fails: (char*)-1.
inline char* const kSbrkFailed = reinterpret_cast<char*>(-1L);

// A value printed in hexadecimal.
struct Hex {
  uint64 value;
};

// One output line, built in a buffer and written with a single write(), so that lines from
// concurrent processes do not interleave character by character.
class Line {
 public:
  Line& add(const char* s) {
    if (s == nullptr) s = "(null)";
    while (*s != '\0') put(*s++);
    return *this;
  }
  Line& add(char c) {
    put(c);
    return *this;
  }
  Line& add(bool b) { return add(b ? "true" : "false"); }
  Line& add(Hex h) {
    add("0x");
    char digits[16];
    int n = 0;
    do {
      digits[n++] = "0123456789abcdef"[h.value & 15];
      h.value >>= 4;
    } while (h.value != 0);
    while (n > 0) put(digits[--n]);
    return *this;
  }
  template <std::integral T>
  Line& add(T v) {
    uint64 u = static_cast<uint64>(v);
    if constexpr (std::is_signed_v<T>) {
      if (v < 0) {
        put('-');
        u = 0 - u;
      }
    }
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    while (n > 0) put(digits[--n]);
    return *this;
  }
  template <class T>
  Line& add(T* p) {
    return add(Hex{addr(p)});
  }
  void flush(int fd = 1) {
    if (len_ > 0) write(fd, buf_, len_);
    len_ = 0;
  }

 private:
  void put(char c) {
    if (len_ < static_cast<int>(sizeof(buf_))) buf_[len_++] = c;
  }
  char buf_[160];
  int len_ = 0;
};

// say("a", 1, Hex{2}) prints "a10x2\n" as one write.
template <class... Args>
void say(const Args&... args) {
  Line line;
  (line.add(args), ...);
  line.add('\n');
  line.flush();
}

// The subtest running in this process (set by the runner in the child).
inline const char* g_current = "?";
// `-allocfail P SEED` (issue 15): each subtest runs with random frame-allocation failures
// (allocfail ALLOCFAIL_RANDOM, probability P/65536) armed in its process. Its own checks may then
// fail ("failed under injection", not counted); a lost page or process, a timeout or a panic still
// fail the run.
inline uint64 g_inject_p = 0;
inline uint64 g_inject_seed = 0;
// `-fsfail P SEED`: the same for the file system's disk-block and on-disk inode allocators
// (ALLOCFAIL_BLOCKS and ALLOCFAIL_INODES, each P/65536), as if the disk or its inode table were
// full at random moments.
inline uint64 g_fsfail_p = 0;
inline uint64 g_fsfail_seed = 0;

// Whether this run injects failures of any kind (its subtests' own checks may then fail).
inline bool injecting() {
  return g_inject_p != 0 || g_fsfail_p != 0;
}

// Turns every injection plan off (frames, disk blocks, inodes).
inline void allocfail_off() {
  allocfail(ALLOCFAIL_FRAMES | ALLOCFAIL_OFF, 0, 0);
  allocfail(ALLOCFAIL_BLOCKS | ALLOCFAIL_OFF, 0, 0);
  allocfail(ALLOCFAIL_INODES | ALLOCFAIL_OFF, 0, 0);
}

// Arms this run's plans in the subtest's process.
inline void allocfail_arm() {
  if (g_inject_p != 0) allocfail(ALLOCFAIL_FRAMES | ALLOCFAIL_RANDOM, g_inject_p, g_inject_seed);
  if (g_fsfail_p != 0) {
    allocfail(ALLOCFAIL_BLOCKS | ALLOCFAIL_RANDOM, g_fsfail_p, g_fsfail_seed);
    allocfail(ALLOCFAIL_INODES | ALLOCFAIL_RANDOM, g_fsfail_p, g_fsfail_seed + 1);
  }
}

// A check this ISA cannot make (an address it cannot name, an instruction it does not have), said
// out loud so that nothing is left out silently: "<subtest>: skipped on x86: <why>".
template <class... Args>
void skipped(const Args&... why) {
  say(g_current, ": skipped on ", kIsa, ": ", why...);
}

template <class... Args>
[[noreturn]] void fail(const char* file, int line, const Args&... detail) {
  say(g_current, injecting() ? ": failed under injection " : ": FAILED ", file, ":", line, ": ",
      detail...);
  exit(1);
}

}  // namespace utest

// CHECK(cond, details...) fails the current subtest (its process exits 1) with the details.
#define CHECK(cond, ...)                                                                   \
  do {                                                                                     \
    if (!(cond)) ::utest::fail(__FILE__, __LINE__, #cond __VA_OPT__(, " ", ) __VA_ARGS__); \
  } while (0)

// CHECK_EQ(actual, expected) prints both values when they differ.
#define CHECK_EQ(actual, expected)                                                                 \
  do {                                                                                             \
    auto utest_a_ = (actual);                                                                      \
    auto utest_e_ = (expected);                                                                    \
    if (!(utest_a_ == utest_e_))                                                                   \
      ::utest::fail(__FILE__, __LINE__, #actual " == " #expected ": got ", utest_a_, " expected ", \
                    utest_e_);                                                                     \
  } while (0)

namespace utest {

// Free physical pages according to sysinfo(); ~0 if the call fails.
inline uint64 free_pages() {
  struct sysinfo si;
  if (sysinfo(&si) != 0) return ~0ull;
  return si.freemem / kPageSize;
}

// Processes in use according to sysinfo(); ~0 if the call fails.
inline uint64 nproc() {
  struct sysinfo si;
  if (sysinfo(&si) != 0) return ~0ull;
  return si.nproc;
}

// The program break, sbrk(0).
inline uint64 brk() {
  return addr(sbrk(0));
}

// Grows the heap to a page boundary, so that the next sbrk() starts a fresh page; returns it.
inline uint64 align_brk() {
  const uint64 cur = brk();
  const uint64 up = page_round_up(cur);
  if (up != cur) CHECK(sbrk(static_cast<int>(up - cur)) != kSbrkFailed);
  return up;
}

// Waits for `pid` and returns its exit status; fails the subtest if wait() returns another pid.
inline int wait_for(int pid) {
  int status = 0x5a5a5a5a;
  int got = wait(&status);
  if (got != pid) fail(__FILE__, __LINE__, "wait returned ", got, " expected pid ", pid);
  return status;
}

// Forks; the child runs `body` and exits 0 (or whatever body exits with). Returns the child's
// exit status as the parent sees it.
template <class F>
int run_in_child(F&& body) {
  int pid = fork();
  if (pid < 0) fail(__FILE__, __LINE__, "fork failed");
  if (pid == 0) {
    body();
    exit(0);
  }
  return wait_for(pid);
}

// Runs the statements in a child and expects the kernel to kill it (exit status -1) before they
// finish.
#define EXPECT_KILLED(...)                                                             \
  do {                                                                                 \
    int utest_st_ = ::utest::run_in_child([&] {                                        \
      __VA_ARGS__;                                                                     \
      exit(77); /* reached only if nothing trapped */                                  \
    });                                                                                \
    if (utest_st_ != -1)                                                               \
      ::utest::fail(__FILE__, __LINE__,                                                \
                    "expected the child to be killed (status -1) after: " #__VA_ARGS__ \
                    ", got status ",                                                   \
                    utest_st_);                                                        \
  } while (0)

// An address the compiler cannot see through, so that a deliberate access to address 0 is really
// made (GCC would otherwise turn a null dereference into a trap instruction).
inline uint64 opaque(uint64 a) {
  asm volatile("" : "+r"(a));
  return a;
}

// The ISA's defined illegal instruction (RISC-V: all zeros; x86: ud2); the kernel kills for it.
inline void illegal_instruction() {
#if defined(__riscv)
  asm volatile(".word 0");
#elif defined(__i386__)
  asm volatile("ud2");
#endif
}

// Makes stores to memory visible to instruction fetch (RISC-V fence.i; x86 keeps them coherent).
inline void sync_instruction_cache() {
#if defined(__riscv)
  asm volatile("fence.i" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

// Burns CPU without ever entering the kernel (for kill and preemption tests).
[[noreturn]] inline void spin_forever() {
  for (;;) asm volatile("");
}

// Number of open file descriptors of this process (fstat succeeds).
inline int count_open_fds() {
  int n = 0;
  struct stat st;
  for (int fd = 0; fd < NOFILE; ++fd)
    if (fstat(fd, &st) == 0) ++n;
  return n;
}

// A raw system call with 64-bit arguments (bypasses the C prototypes' int truncation). On RISC-V
// the arguments go in a0-a5 and the number in a7 (ecall). On x86 they are 32 bits each and go on
// the user stack as xv6-x86's usys.S stubs leave them: the kernel reads argument n at esp+4+4n
// (above a return-address slot), the number is in %eax (int $64); the high halves are dropped.
#if defined(__riscv)
inline long syscall6(long num, uint64 a0 = 0, uint64 a1 = 0, uint64 a2 = 0, uint64 a3 = 0,
                     uint64 a4 = 0, uint64 a5 = 0) {
  register uint64 r0 asm("a0") = a0;
  register uint64 r1 asm("a1") = a1;
  register uint64 r2 asm("a2") = a2;
  register uint64 r3 asm("a3") = a3;
  register uint64 r4 asm("a4") = a4;
  register uint64 r5 asm("a5") = a5;
  register long r7 asm("a7") = num;
  asm volatile("ecall"
               : "+r"(r0)
               : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
               : "memory");
  return static_cast<long>(r0);
}
#elif defined(__i386__)
inline long syscall6(long num, uint64 a0 = 0, uint64 a1 = 0, uint64 a2 = 0, uint64 a3 = 0,
                     uint64 a4 = 0, uint64 a5 = 0) {
  // [0] is where a stub's return address would be; the kernel never reads it.
  volatile uint32 frame[7] = {0xffffffffu,
                              static_cast<uint32>(a0),
                              static_cast<uint32>(a1),
                              static_cast<uint32>(a2),
                              static_cast<uint32>(a3),
                              static_cast<uint32>(a4),
                              static_cast<uint32>(a5)};
  long r;
  // The trap from ring 3 switches to the kernel stack, so nothing is pushed below `frame`.
  asm volatile(
      "movl %%esp, %%esi\n\t"
      "movl %%ecx, %%esp\n\t"
      "int $64\n\t"
      "movl %%esi, %%esp"
      : "=a"(r)
      : "a"(num), "c"(frame)
      : "esi", "memory", "cc");
  return r;
}
#endif

// A small deterministic PRNG (xorshift64*), so every run does the same thing.
class Rng {
 public:
  constexpr explicit Rng(uint64 seed) : state_(seed ? seed : 0x9e3779b97f4a7c15ull) {}
  uint64 next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dull;
  }
  uint64 below(uint64 n) { return n == 0 ? 0 : next() % n; }

 private:
  uint64 state_;
};

// Fills [p, p+n) with a pattern derived from `seed`; verify_pattern returns the first mismatching
// offset or -1.
inline void fill_pattern(volatile uchar* p, uint64 n, uint64 seed) {
  for (uint64 i = 0; i < n; ++i) p[i] = static_cast<uchar>((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}
inline long verify_pattern(const volatile uchar* p, uint64 n, uint64 seed) {
  for (uint64 i = 0; i < n; ++i)
    if (p[i] != static_cast<uchar>((i * 131 + seed * 7 + (i >> 9)) & 0xff))
      return static_cast<long>(i);
  return -1;
}

// Removes a directory tree made by a test (at most 32 names per directory, 6 levels deep). Static
// buffers per depth: the user stack is one page.
inline void remove_tree(const char* dir, int depth = 0) {
  constexpr int kMaxDepth = 6, kMaxNames = 32;
  static char names[kMaxDepth][kMaxNames][DIRSIZ + 1];
  static char paths[kMaxDepth][MAXPATH];
  if (depth >= kMaxDepth) return;
  int fd = open(dir, O_RDONLY);
  if (fd < 0) return;
  struct dirent de;
  int n = 0;
  while (n < kMaxNames && read(fd, &de, sizeof de) == static_cast<int>(sizeof de)) {
    if (de.inum == 0) continue;
    memcpy(names[depth][n], de.name, DIRSIZ);
    names[depth][n][DIRSIZ] = '\0';
    if (strcmp(names[depth][n], ".") != 0 && strcmp(names[depth][n], "..") != 0) ++n;
  }
  close(fd);
  for (int i = 0; i < n; ++i) {
    char* path = paths[depth];
    int len = static_cast<int>(strlen(dir));
    if (len + 1 + DIRSIZ + 1 > MAXPATH) continue;
    memcpy(path, dir, len);
    path[len] = '/';
    memcpy(path + len + 1, names[depth][i], strlen(names[depth][i]) + 1);
    struct stat st;
    if (stat(path, &st) == 0 && st.type == T_DIR)
      remove_tree(path, depth + 1);
    else
      unlink(path);
  }
  if (strcmp(dir, "/") != 0) unlink(dir);
}

struct Test {
  const char* name;
  void (*fn)();
  int timeout_ticks = 0;  // 0: the runner's default
};

inline constexpr int kDefaultTimeoutTicks = 1200;  // ~2 min at xv6's 10 ticks/s; a hang detector
inline constexpr int kSettleTicks = 50;            // for orphans that init still has to reap

inline bool name_selected(const char* name, int argc, char** argv) {
  if (argc <= 1) return true;
  for (int i = 1; i < argc; ++i)
    if (strcmp(argv[i], name) == 0) return true;
  return false;
}

// Copy-on-write fork (issue 12): this process's pages may be shared with its parent (or with a
// child it forked), and the first store to each then takes a page (or, under injected allocation
// failures, kills the process right there, as specified). Storing to every data, stack and heap
// page first makes them this process's own, so that a free-page count taken afterwards measures
// only the operation under test, and the fuzzer's calls meet failures in the system calls.
extern "C" char __init_array_start[], end[];
[[gnu::noinline]] inline void own_pages() {
  auto own = [](uint64 from, uint64 to) {
    for (uint64 a = page_round_down(from); a < to; a += kPageSize) {
      volatile char* c = ptr<volatile char>(a);
      *c = *c;
    }
  };
  own(addr(__init_array_start), addr(end));
  volatile char here = 0;
  const uint64 stack = page_round_down(addr(&here));
  own(stack, stack + kPageSize);
  own(stack + kPageSize, addr(sbrk(0)));
}

// Runs one subtest: child + watchdog, then the page and process accounting. True if it passed.
inline bool run_one(const Test& t) {
  // Injected allocation failures (allocfail) never outlive the subtest that armed them.
  allocfail_off();
  const uint64 pages_before = free_pages();
  const uint64 procs_before = nproc();
  // The subtest starts only once the watchdog exists, so that forking the watchdog never changes
  // the free-page count under a subtest that measures it.
  int start[2];
  if (pipe(start) != 0) {
    say(t.name, ": FAILED pipe for the runner failed");
    return false;
  }
  int child = fork();
  if (child < 0) {
    say(t.name, ": FAILED fork for the subtest failed");
    return false;
  }
  if (child == 0) {
    char go;
    close(start[1]);
    read(start[0], &go, 1);
    close(start[0]);
    g_current = t.name;
    allocfail_arm();
    t.fn();
    exit(0);
  }
  const int timeout = t.timeout_ticks > 0 ? t.timeout_ticks : kDefaultTimeoutTicks;
  // With copy-on-write fork the watchdog's first stores take pages: it owns its pages before the
  // subtest starts (and says so through `ready`, whose last end it keeps until it exits), so that
  // it never changes the free-page count under a subtest that measures it.
  int ready[2];
  const bool have_ready = pipe(ready) == 0;
  int watchdog = fork();
  if (watchdog == 0) {
    close(start[0]);
    close(start[1]);
    own_pages();
    if (have_ready) {
      close(ready[0]);
      write(ready[1], "r", 1);
    }
    sleep(timeout);
    kill(child);
    exit(0);
  }
  if (have_ready) {
    close(ready[1]);
    char r;
    if (watchdog > 0) read(ready[0], &r, 1);
    close(ready[0]);
  }
  write(start[1], "g", 1);
  close(start[0]);
  close(start[1]);
  bool ok = true;
  bool timed_out = false;
  int child_status = 0;
  for (int reaped = 0; reaped < (watchdog > 0 ? 2 : 1);) {
    int status = 0;
    int pid = wait(&status);
    if (pid < 0) break;
    if (pid == child) {
      child_status = status;
      ++reaped;
      if (watchdog > 0) kill(watchdog);
    } else if (pid == watchdog) {
      ++reaped;
      timed_out = status == 0;  // it exits 0 only after it fired; -1 when we killed it
    }
  }
  if (timed_out && child_status == -1) {
    say(t.name, ": FAILED timed out after ", timeout, " ticks");
    ok = false;
  } else if (injecting() && child_status != 0) {
    say(t.name, ": under injection: exited with status ", child_status);
  } else if (child_status == 1) {
    ok = false;  // the child printed the reason
  } else if (child_status != 0) {
    say(t.name, ": FAILED subtest process exited with status ", child_status);
    ok = false;
  }
  allocfail_off();  // a subtest killed while it had failures armed
  // Orphans go to init, which reaps them on its own time; give it a moment.
  uint64 pages_after = free_pages();
  uint64 procs_after = nproc();
  for (int i = 0; i < kSettleTicks && (pages_after != pages_before || procs_after != procs_before);
       ++i) {
    sleep(1);
    pages_after = free_pages();
    procs_after = nproc();
  }
  if (procs_after != procs_before) {
    say(t.name, ": FAILED process count ", procs_before, " before, ", procs_after, " after");
    ok = false;
  }
  if (pages_after != pages_before) {
    long diff = static_cast<long>(pages_before) - static_cast<long>(pages_after);
    say(t.name, ": FAILED free pages ", pages_before, " before, ", pages_after, " after (",
        diff > 0 ? "lost " : "gained ", diff > 0 ? diff : -diff, ")");
    ok = false;
  }
  if (ok) say(t.name, ": OK");
  return ok;
}

// Runs the subtests named on the command line (all if none), prints the verdict, exits 0/1.
// `-repeat N` first runs them N times over (to catch what fails only now and then).
template <size_t N>
[[noreturn]] void run_tests(const char* program, const Test (&tests)[N], int argc, char** argv) {
  int failed = 0;
  int ran = 0;
  int repeat = 1;
  for (;;) {
    if (argc >= 4 && strcmp(argv[1], "-allocfail") == 0) {
      g_inject_p = static_cast<uint64>(atoi(argv[2]));
      g_inject_seed = static_cast<uint64>(atoi(argv[3]));
    } else if (argc >= 4 && strcmp(argv[1], "-fsfail") == 0) {
      g_fsfail_p = static_cast<uint64>(atoi(argv[2]));
      g_fsfail_seed = static_cast<uint64>(atoi(argv[3]));
    } else {
      break;
    }
    argv[3] = argv[0];
    argv += 3;
    argc -= 3;
  }
  if (argc >= 3 && strcmp(argv[1], "-repeat") == 0) {
    repeat = atoi(argv[2]);
    argv[2] = argv[0];
    argv += 2;
    argc -= 2;
  }
  say(program, ": starting");
  for (int i = 0; i < repeat; ++i) {
    for (const Test& t : tests) {
      if (!name_selected(t.name, argc, argv)) continue;
      ++ran;
      if (!run_one(t)) ++failed;
    }
  }
  if (ran == 0) {
    say(program, ": no subtest matches");
    failed = 1;
  }
  if (failed == 0) {
    say(program, ": ", ran, " subtests, ALL TESTS PASSED");
    exit(0);
  }
  say(program, ": ", failed, " of ", ran, " subtests, SOME TESTS FAILED");
  exit(1);
}

}  // namespace utest
