// faulttests: a user fault kills the offender and nobody else; its parent sees exit status -1 and
// every page comes back. Usage: faulttests [subtest...]
#include "user/tests/testlib.h"

namespace {

using namespace utest;

using Fn = void (*)();
constexpr uint32 kRet = 0x00008067;      // jalr x0, 0(ra)
constexpr uint32 kIllegal = 0x00000000;  // defined illegal instruction (all zeros)

uint64 g_initial_brk;
uint32 g_data_code[4] = {kRet, kRet, kRet, kRet};  // .data: read/write, not executable

void jump(uint64 target) {
  reinterpret_cast<Fn>(target)();
}

[[gnu::used, gnu::noinline]] void victim() {
  asm volatile("");
}

void write_text() {
  EXPECT_KILLED(*ptr<volatile uint32>(addr(reinterpret_cast<void*>(&victim))) = kRet);
  EXPECT_KILLED(*ptr<volatile uint32>(opaque(0)) = 0);
  static const char kRodata[] = "constant";
  EXPECT_KILLED(*const_cast<volatile char*>(&kRodata[0]) = 'C');
  // Still intact in this process.
  CHECK_EQ(kRodata[0], 'c');
}

void read_kernel_memory() {
  EXPECT_KILLED((void)*ptr<volatile uint64>(kKernBase));
  EXPECT_KILLED((void)*ptr<volatile uint64>(kRamTop - 8));
  EXPECT_KILLED(*ptr<volatile uint64>(kKernBase + 0x2000) = 0);
  EXPECT_KILLED((void)*ptr<volatile uint32>(kUart0));
  EXPECT_KILLED((void)*ptr<volatile uint32>(kPlic));
  EXPECT_KILLED((void)*ptr<volatile uint64>(kTrapframe));
  EXPECT_KILLED(*ptr<volatile uint64>(kTrapframe + 8) = 0);
  EXPECT_KILLED((void)*ptr<volatile uint64>(kTrampoline));
  EXPECT_KILLED((void)*ptr<volatile uint64>(kUnmappedUser));
}

int recurse(int depth) {
  volatile char frame[256];
  frame[0] = static_cast<char>(depth);
  if (depth > (1 << 24)) return 0;  // far beyond any stack; never reached
  return recurse(depth + 1) + frame[0];
}

void stack_overflow() {
  EXPECT_KILLED(recurse(0));
  // Straight into the guard page, just below the stack.
  uint64 guard = page_round_up(g_initial_brk) - 2 * kPageSize;
  EXPECT_KILLED(*ptr<volatile char>(guard + kPageSize - 1) = 1);
  EXPECT_KILLED((void)*ptr<volatile char>(guard));
}

void jump_into_data() {
  if (!kNoExecute) {
    skipped("its paging has no no-execute bit: data and heap pages are executable");
    return;
  }
  // Heap and stack pages are never executable; neither is the data segment (user.ld: RW).
  EXPECT_KILLED({
    uint32* code = reinterpret_cast<uint32*>(sbrk(4096));
    code[0] = kRet;
    sync_instruction_cache();
    jump(addr(code));
  });
  EXPECT_KILLED({
    volatile uint32 code[2] = {kRet, kRet};
    sync_instruction_cache();
    jump(addr(&code[0]));
  });
  EXPECT_KILLED(jump(addr(&g_data_code[0])));
}

void jump_into_kernel() {
  EXPECT_KILLED(jump(kKernBase));
  EXPECT_KILLED(jump(kTrampoline));  // the trampoline is mapped, but not for user mode
  EXPECT_KILLED(jump(kTrapframe));
  EXPECT_KILLED(jump(kUnmappedUser));
  if (fits_user_word(kMaxVa))
    EXPECT_KILLED(jump(kMaxVa));
  else
    skipped("MAXVA (", Hex{kMaxVa}, ") is wider than a user pointer");
  EXPECT_KILLED(jump(page_round_up(addr(sbrk(0))) + 16 * kPageSize));
}

void illegal_instructions() {
  EXPECT_KILLED(illegal_instruction());  // RISC-V: kIllegal
#if defined(__riscv)
  EXPECT_KILLED(asm volatile("ebreak"));
  EXPECT_KILLED(asm volatile("csrr t0, sstatus" ::: "t0"));  // supervisor CSR from user mode
  EXPECT_KILLED(asm volatile("sret"));
  EXPECT_KILLED(asm volatile("csrw satp, zero"));
#elif defined(__i386__)
  EXPECT_KILLED(asm volatile("int3"));  // vector 3's gate is DPL 0: a #GP from ring 3
  EXPECT_KILLED(asm volatile("hlt"));   // privileged
  EXPECT_KILLED(asm volatile("cli"));   // IOPL is 0
  EXPECT_KILLED(asm volatile("movl %%cr3, %%eax" ::: "eax"));
  EXPECT_KILLED(asm volatile("inb $0x60, %%al" ::: "eax"));  // port I/O
  EXPECT_KILLED(asm volatile("int $13"));                    // a vector other than 64
#endif
  (void)kIllegal;
}

void only_the_offender_dies() {
  // A sibling and the parent keep running while a child faults, and the faulting child's
  // pipe end is closed by its death.
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int sibling = fork();
  if (sibling == 0) {
    close(p[1]);
    sleep(5);
    exit(5);
  }
  int faulter = fork();
  if (faulter == 0) {
    close(p[0]);
    write(p[1], "before", 6);
    *ptr<volatile uint64>(kKernBase) = 1;
    write(p[1], "after", 5);
    exit(0);
  }
  close(p[1]);
  char buf[16];
  int n = 0, r;
  while ((r = read(p[0], buf + n, static_cast<int>(sizeof buf) - n)) > 0) n += r;
  CHECK_EQ(n, 6);  // "before" only, then EOF
  CHECK_EQ(wait_for(faulter), -1);
  CHECK_EQ(wait_for(sibling), 5);
  close(p[0]);
}

void many_faults_at_once() {
  // Faults on every hart at the same time, each child with some memory of its own.
  constexpr int kN = 12;
  int pids[kN];
  for (int i = 0; i < kN; ++i) {
    pids[i] = fork();
    CHECK(pids[i] >= 0);
    if (pids[i] == 0) {
      char* p = sbrk(64 * 1024);
      if (p != reinterpret_cast<char*>(-1L)) memset(p, i, 64 * 1024);
      switch (i % 4) {
        case 0:
          *ptr<volatile uint64>(kKernBase) = 1;
          break;
        case 1:
          jump(addr(p));
          break;
        case 2:
          recurse(0);
          break;
        default:
          illegal_instruction();
          break;
      }
      exit(0);
    }
  }
  for (int i = 0; i < kN; ++i) {
    int st = 0;
    CHECK(wait(&st) > 0);
    CHECK_EQ(st, -1);
  }
}

void fault_after_fork_with_heap() {
  // The child faults while sharing nothing but a copy of a big heap: all freed (runner checks).
  char* p = sbrk(1 << 20);
  CHECK(p != reinterpret_cast<char*>(-1L));
  memset(p, 1, 1 << 20);
  EXPECT_KILLED({
    p[0] = 2;
    *ptr<volatile uint64>(kTrapframe) = 0;
  });
  CHECK_EQ(p[0], 1);
}

constexpr Test kTests[] = {
    {"write_text", write_text},
    {"read_kernel_memory", read_kernel_memory},
    {"stack_overflow", stack_overflow},
    {"jump_into_data", jump_into_data},
    {"jump_into_kernel", jump_into_kernel},
    {"illegal_instructions", illegal_instructions},
    {"only_the_offender_dies", only_the_offender_dies},
    {"many_faults_at_once", many_faults_at_once},
    {"fault_after_fork_with_heap", fault_after_fork_with_heap},
};

}  // namespace

int main(int argc, char** argv) {
  g_initial_brk = addr(sbrk(0));
  run_tests("faulttests", kTests, argc, argv);
}
