// exectests: exec's argument passing, its limits, and ELF files it must refuse (each refusal
// returns -1 while the caller keeps running with its image intact). Usage: exectests [subtest...]
// exectests re-executes itself with a leading "-mode" argument to look at exec from the inside.
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr char kSelf[] = "/exectests";
constexpr char kElfPath[] = "/xtest_elf";

// -- ELF files written by the tests ------------------------------------------------------------
#if defined(__riscv)
// ELF64 layout (System V gABI): a 64-byte header, then 56-byte program headers.
struct ElfHeader {
  uchar ident[16];
  uint16 type, machine;
  uint32 version;
  uint64 entry, phoff, shoff;
  uint32 flags;
  uint16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct ProgHeader {
  uint32 type, flags;
  uint64 offset, vaddr, paddr, filesz, memsz, align;
};
static_assert(sizeof(ElfHeader) == 64 && sizeof(ProgHeader) == 56);
constexpr uchar kElfClass = 2;       // ELFCLASS64
constexpr uint16 kElfMachine = 243;  // EM_RISCV
#elif defined(__i386__)
// ELF32 layout (System V gABI): a 52-byte header, then 32-byte program headers (flags after
// memsz). Addresses and sizes are 32 bits: the tests' 64-bit values lose their high halves.
struct ElfHeader {
  uchar ident[16];
  uint16 type, machine;
  uint32 version;
  uint32 entry, phoff, shoff;
  uint32 flags;
  uint16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct ProgHeader {
  uint32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
static_assert(sizeof(ElfHeader) == 52 && sizeof(ProgHeader) == 32);
constexpr uchar kElfClass = 1;     // ELFCLASS32
constexpr uint16 kElfMachine = 3;  // EM_386
#endif

constexpr uint32 kPtLoad = 1;
constexpr uint32 kPfX = 1, kPfW = 2, kPfR = 4;
constexpr uint64 kCodeOff = 0x100;
constexpr int kGoodExit = 42;

#if defined(__riscv)
// The program: exit(42). li a0,42; li a7,SYS_exit; ecall; j .
constexpr uint32 kCode[] = {0x02a00513, 0x00000893 | (SYS_exit << 20), 0x00000073, 0x0000006f};
#elif defined(__i386__)
// The program: Pagoda's exit with a status (SYS_exit takes none on x86), 42 at esp+4.
// pushl $42; pushl $0 (the return-address slot); movl $SYS_exit_status, %eax; int $64; jmp .
static_assert(SYS_exit_status < 128);
constexpr uchar kCode[] = {0x6a, 0x2a, 0x6a, 0x00, 0xb8, SYS_exit_status, 0x00, 0x00,
                           0x00, 0xcd, 0x40, 0xeb, 0xfe};
#endif

alignas(8) uchar g_file[8192];
int g_len;

ElfHeader& header() {
  return *reinterpret_cast<ElfHeader*>(g_file);
}
ProgHeader& phdr(int i) {
  return *reinterpret_cast<ProgHeader*>(g_file + sizeof(ElfHeader) + i * sizeof(ProgHeader));
}

// A valid image: one R|X segment at 0 holding the whole file, entry at the code.
void build_good() {
  memset(g_file, 0, sizeof g_file);
  ElfHeader& h = header();
  const uchar ident[] = {0x7f, 'E', 'L', 'F', kElfClass, 1 /* little-endian */, 1 /* version */};
  memcpy(h.ident, ident, sizeof ident);
  h.type = 2;  // ET_EXEC
  h.machine = kElfMachine;
  h.version = 1;
  h.entry = kCodeOff;
  h.phoff = sizeof(ElfHeader);
  h.ehsize = sizeof(ElfHeader);
  h.phentsize = sizeof(ProgHeader);
  h.phnum = 1;
  memcpy(g_file + kCodeOff, kCode, sizeof kCode);
  g_len = kCodeOff + sizeof kCode;
  ProgHeader& p = phdr(0);
  p.type = kPtLoad;
  p.flags = kPfR | kPfX;
  p.offset = 0;
  p.vaddr = 0;
  p.filesz = g_len;
  p.memsz = g_len;
  p.align = kPageSize;
}

// Adds a second, data-like segment (no file bytes) at vaddr.
void add_segment(uint64 vaddr, uint64 memsz, uint64 filesz = 0, uint64 offset = 0) {
  int i = header().phnum++;
  ProgHeader& p = phdr(i);
  p.type = kPtLoad;
  p.flags = kPfR | kPfW;
  p.offset = offset;
  p.vaddr = vaddr;
  p.filesz = filesz;
  p.memsz = memsz;
  p.align = kPageSize;
}

void write_file(const char* path, const void* data, int len) {
  unlink(path);
  int fd = open(path, O_CREATE | O_WRONLY);
  CHECK(fd >= 0, "create ", path);
  CHECK_EQ(write(fd, data, len), len);
  close(fd);
}

int g_sentinel = 0x1234;

// Writes g_file[0..g_len) and execs it in a child; returns what the child reports:
// -2 exec returned -1 and the caller's image was intact, else the child's exit status.
int exec_status() {
  write_file(kElfPath, g_file, g_len);
  int pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char name[] = "xtest_elf";
    char* argv[] = {name, nullptr};
    int r = exec(kElfPath, argv);
    if (r != -1) exit(3);
    exit(g_sentinel == 0x1234 ? 100 : 4);
  }
  int st = wait_for(pid);
  unlink(kElfPath);
  return st == 100 ? -2 : st;
}

#define EXPECT_REFUSED()                                                            \
  do {                                                                              \
    int st_ = exec_status();                                                        \
    CHECK(st_ == -2, "exec must return -1 and keep the caller; child status ", st_, \
          st_ == kGoodExit ? " (the bad ELF ran!)" : "");                           \
  } while (0)

void elf_good_control() {
  // The generator itself is right: the unmodified file runs and exits 42.
  build_good();
  CHECK_EQ(exec_status(), kGoodExit);
  build_good();
  add_segment(0x1000, 0x2000);  // a bss-like second segment is fine too
  CHECK_EQ(exec_status(), kGoodExit);
}

void elf_not_elf() {
  const char text[] = "#!/bin/sh\necho this is not an ELF file\n";
  memcpy(g_file, text, sizeof text);
  g_len = sizeof text;
  EXPECT_REFUSED();
  g_len = 0;  // empty file
  EXPECT_REFUSED();
  build_good();
  g_file[1] = 'X';  // bad magic
  EXPECT_REFUSED();
}

void elf_truncated_header() {
  build_good();
  g_len = 40;
  EXPECT_REFUSED();
  g_len = 4;
  EXPECT_REFUSED();
}

void elf_truncated_phdrs() {
  build_good();
  header().phnum = 3;  // the 2nd and 3rd program headers would run past the end of the file
  g_len = sizeof(ElfHeader) + sizeof(ProgHeader) + 10;
  phdr(0).filesz = phdr(0).memsz = g_len;
  EXPECT_REFUSED();
  build_good();
  header().phoff = 0x100000;  // program headers beyond the file
  EXPECT_REFUSED();
}

void elf_overlapping_segments() {
  build_good();
  phdr(0).memsz = 0x2000;
  add_segment(0x1000, 0x1000);  // inside the first segment
  EXPECT_REFUSED();
  build_good();
  add_segment(0, 0x1000);  // exactly on top of the first
  EXPECT_REFUSED();
}

void elf_unaligned_vaddr() {
  build_good();
  add_segment(0x1004, 0x1000);
  EXPECT_REFUSED();
  build_good();
  phdr(0).vaddr = 0x10;
  EXPECT_REFUSED();
}

void elf_vaddr_overflow() {
  build_good();                                // x86: 0xfffff000 + 0x2000 wraps 32 bits
  add_segment(0xfffffffffffff000ull, 0x2000);  // vaddr + memsz wraps around
  EXPECT_REFUSED();
  build_good();
  add_segment(0x1000, 0xfffffffffffff000ull);
  EXPECT_REFUSED();
}

void elf_memsz_below_filesz() {
  build_good();
  phdr(0).memsz = 0x10;  // filesz is bigger
  EXPECT_REFUSED();
}

void elf_huge_phnum() {
  build_good();
  header().phnum = 0xffff;
  EXPECT_REFUSED();
}

void elf_segment_past_eof() {
  build_good();
  add_segment(0x1000, 0x1000, 0x800, 0x10000);  // file bytes that do not exist
  EXPECT_REFUSED();
  build_good();
  phdr(0).filesz = phdr(0).memsz = 0x1000;  // longer than the file
  EXPECT_REFUSED();
}

void elf_vaddr_at_kernel_pages() {
  build_good();
  if (fits_user_word(kMaxVa)) {
    add_segment(kMaxVa, 0x1000);  // at MAXVA
    EXPECT_REFUSED();
  } else {
    skipped("a segment at MAXVA (", Hex{kMaxVa}, ") does not fit an ELF32 address");
  }
  build_good();
  add_segment(kTrapframe, 0x1000);  // where the trapframe goes
  EXPECT_REFUSED();
  build_good();
  add_segment(kTrampoline, 0x1000);
  EXPECT_REFUSED();
  build_good();
  if (fits_user_word(1ull << 63)) {
    add_segment(1ull << 63, 0x1000);
    EXPECT_REFUSED();
  } else {
    skipped("a segment at 2^63 does not fit an ELF32 address");
  }
  if (kUserTop == kKernBase) {  // x86: the kernel's half of every address space
    build_good();
    add_segment(kKernBase, 0x1000);
    EXPECT_REFUSED();
  }
}

void elf_huge_memsz() {
  // Far more memory than the machine has: exec runs out part-way and must free what it took.
  build_good();
  if (fits_user_word(1ull << 36)) {
    add_segment(0x1000, 1ull << 36);
    EXPECT_REFUSED();
  } else {
    skipped("a 2^36-byte segment does not fit an ELF32 size");
  }
  build_good();
  add_segment(0x1000, 512ull << 20);  // 512 MiB
  EXPECT_REFUSED();
}

void exec_missing_and_dirs() {
  char name[] = "x";
  char* argv[] = {name, nullptr};
  CHECK_EQ(exec("/no_such_program", argv), -1);
  CHECK_EQ(exec("", argv), -1);
  CHECK_EQ(exec("/", argv), -1);  // a directory
  CHECK_EQ(exec("/README/x", argv), -1);
  CHECK_EQ(g_sentinel, 0x1234);
}

// -- argv ---------------------------------------------------------------------------------------
char g_long_arg[200];

void argv_layout() {
  memset(g_long_arg, 'L', sizeof g_long_arg - 1);
  int pid = fork();
  if (pid == 0) {
    char a0[] = "exectests", a1[] = "-argv", a2[] = "", a3[] = "a", a4[] = "bb";
    char* argv[] = {a0, a1, a2, a3, a4, g_long_arg, nullptr};
    exec(kSelf, argv);
    exit(3);
  }
  CHECK_EQ(wait_for(pid), 0);
}

// The -argv mode: checks what argv_layout passed. Exit status says what was wrong.
int check_argv(int argc, char** argv) {
  volatile int local = 0;
  if (argc != 6) return 10;
  if (argv[argc] != nullptr) return 11;
  const char* want[] = {"exectests", "-argv", "", "a", "bb"};
  for (int i = 0; i < 5; ++i)
    if (strcmp(argv[i], want[i]) != 0) return 12 + i;
  if (strlen(argv[5]) != 199) return 20;
  for (int i = 0; i < 199; ++i)
    if (argv[5][i] != 'L') return 21;
  if (addr(argv) % sizeof(char*) != 0) return 22;
  // argv and the strings live on the (one-page) user stack, with the caller's frame.
  uint64 stack = page_round_down(addr(&local));
  for (int i = 0; i <= argc; ++i) {
    if (page_round_down(addr(&argv[i])) != stack) return 23;
    if (i < argc && page_round_down(addr(argv[i])) != stack) return 24;
  }
  return 0;
}

char* g_args[MAXARG + 2];
char g_arg_text[MAXARG + 2][8];

// Execs self in "-count" mode with n arguments in all; returns the child's status.
int exec_with_count(int n) {
  int pid = fork();
  if (pid == 0) {
    for (int i = 0; i < n; ++i) {
      g_arg_text[i][0] = 'x';
      g_arg_text[i][1] = static_cast<char>('0' + i / 10);
      g_arg_text[i][2] = static_cast<char>('0' + i % 10);
      g_args[i] = g_arg_text[i];
    }
    char a1[] = "-count";
    g_args[1] = a1;
    g_args[n] = nullptr;
    int r = exec(kSelf, g_args);
    exit(r == -1 && g_sentinel == 0x1234 ? 100 : 3);
  }
  return wait_for(pid);
}

int check_count(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    if (argv[i][0] != 'x' || atoi(argv[i] + 1) != i) return 10;
  }
  return argv[argc] == nullptr ? 0 : 11;
}

void argv_count_limits() {
  CHECK_EQ(exec_with_count(2), 0);
  CHECK_EQ(exec_with_count(MAXARG - 1), 0);    // xv6 accepts up to MAXARG-1 arguments
  CHECK_EQ(exec_with_count(MAXARG + 1), 100);  // too many: -1, caller intact
}

char g_big_arg[3][3000];

void argv_too_big_for_stack() {
  // Three 3000-byte arguments do not fit the one-page stack.
  int pid = fork();
  if (pid == 0) {
    for (auto& a : g_big_arg) memset(a, 'B', sizeof a - 1);
    char a0[] = "exectests";
    char* argv[] = {a0, g_big_arg[0], g_big_arg[1], g_big_arg[2], nullptr};
    int r = exec(kSelf, argv);
    exit(r == -1 && g_sentinel == 0x1234 ? 100 : 3);
  }
  CHECK_EQ(wait_for(pid), 100);
}

// -- images -------------------------------------------------------------------------------------
void exec_frees_old_image() {
  int pid = fork();
  if (pid == 0) {
    constexpr int kBig = 4 << 20;
    char* p = sbrk(kBig);
    if (p == reinterpret_cast<char*>(-1L)) exit(2);
    memset(p, 7, kBig);
    char before[24];
    uint64 f = free_pages();
    int n = 0;
    char digits[24];
    do {
      digits[n++] = static_cast<char>('0' + f % 10);
      f /= 10;
    } while (f != 0);
    for (int i = 0; i < n; ++i) before[i] = digits[n - 1 - i];
    before[n] = '\0';
    char a0[] = "exectests", a1[] = "-free";
    char* argv[] = {a0, a1, before, nullptr};
    exec(kSelf, argv);
    exit(3);
  }
  CHECK_EQ(wait_for(pid), 0);
}

int check_freed(char** argv) {
  uint64 before = static_cast<uint64>(atoi(argv[2]));
  uint64 now = free_pages();
  // The old 4 MiB heap (1024 pages) is free again; the new image is tiny.
  return now >= before + 1024 - 32 ? 0 : 10;
}

void exec_failure_keeps_image() {
  constexpr int kLen = 64 * 1024;
  volatile uchar* p = reinterpret_cast<volatile uchar*>(sbrk(kLen));
  fill_pattern(p, kLen, 5);
  uint64 top = addr(sbrk(0));
  own_pages();
  uint64 pages = free_pages();
  build_good();
  add_segment(0x1004, 0x1000);
  write_file(kElfPath, g_file, g_len);
  char name[] = "x";
  char* argv[] = {name, nullptr};
  CHECK_EQ(exec(kElfPath, argv), -1);
  CHECK_EQ(exec("/no_such_program", argv), -1);
  CHECK_EQ(verify_pattern(p, kLen, 5), -1L);
  CHECK_EQ(addr(sbrk(0)), top);
  CHECK_EQ(free_pages(), pages);
  unlink(kElfPath);
}

void exec_keeps_fds() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  int pid = fork();
  if (pid == 0) {
    close(fds[0]);
    char a0[] = "exectests", a1[] = "-fd";
    char fdtext[] = {static_cast<char>('0' + fds[1]), '\0'};
    char* argv[] = {a0, a1, fdtext, nullptr};
    exec(kSelf, argv);
    exit(3);
  }
  close(fds[1]);
  char buf[8] = {};
  CHECK_EQ(read(fds[0], buf, sizeof buf), 6);
  CHECK(memcmp(buf, "via fd", 6) == 0);
  CHECK_EQ(wait_for(pid), 0);
  close(fds[0]);
}

void exec_many_times() {
  // Repeated exec and exit: no page lost (the runner checks), on every hart.
  for (int i = 0; i < 20; ++i) {
    int pid = fork();
    if (pid == 0) {
      char a0[] = "exectests", a1[] = "-exit";
      char* argv[] = {a0, a1, nullptr};
      exec(kSelf, argv);
      exit(3);
    }
    CHECK_EQ(wait_for(pid), 0);
  }
}

void exec_concurrent() {
  // Children exec at the same time on every hart, each with its own argument count.
  constexpr int kN = 8;
  for (int i = 0; i < kN; ++i) {
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      sbrk(64 * 1024 * (i + 1));  // an old image of a different size each
      exit(exec_with_count(2 + i * 3));
    }
  }
  for (int i = 0; i < kN; ++i) {
    int st = 0;
    CHECK(wait(&st) > 0);
    CHECK_EQ(st, 0);
  }
}

constexpr Test kTests[] = {
    {"elf_good_control", elf_good_control},
    {"elf_not_elf", elf_not_elf},
    {"elf_truncated_header", elf_truncated_header},
    {"elf_truncated_phdrs", elf_truncated_phdrs},
    {"elf_overlapping_segments", elf_overlapping_segments},
    {"elf_unaligned_vaddr", elf_unaligned_vaddr},
    {"elf_vaddr_overflow", elf_vaddr_overflow},
    {"elf_memsz_below_filesz", elf_memsz_below_filesz},
    {"elf_huge_phnum", elf_huge_phnum},
    {"elf_segment_past_eof", elf_segment_past_eof},
    {"elf_vaddr_at_kernel_pages", elf_vaddr_at_kernel_pages},
    {"elf_huge_memsz", elf_huge_memsz},
    {"exec_missing_and_dirs", exec_missing_and_dirs},
    {"argv_layout", argv_layout},
    {"argv_count_limits", argv_count_limits},
    {"argv_too_big_for_stack", argv_too_big_for_stack},
    {"exec_frees_old_image", exec_frees_old_image},
    {"exec_failure_keeps_image", exec_failure_keeps_image},
    {"exec_keeps_fds", exec_keeps_fds},
    {"exec_many_times", exec_many_times},
    {"exec_concurrent", exec_concurrent},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && argv[1][0] == '-') {
    if (strcmp(argv[1], "-argv") == 0) exit(check_argv(argc, argv));
    if (strcmp(argv[1], "-count") == 0) exit(check_count(argc, argv));
    if (strcmp(argv[1], "-free") == 0 && argc == 3) exit(check_freed(argv));
    if (strcmp(argv[1], "-fd") == 0 && argc == 3) {
      int fd = atoi(argv[2]);
      exit(write(fd, "via fd", 6) == 6 ? 0 : 10);
    }
    if (strcmp(argv[1], "-exit") == 0) exit(0);
    exit(99);
  }
  run_tests("exectests", kTests, argc, argv);
}
