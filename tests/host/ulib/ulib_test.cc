// Host tests of user/lib: printf's conversions and buffering, the string functions, gets, and a
// model-based run of malloc/free against a fake sbrk.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/host/ulib/ulib_names.h"
#include "user/user.h"

namespace {

// Fake system calls: write appends "fd:" and the bytes to `written`; read serves `input`; sbrk
// hands out a static arena up to `brk_limit`.
std::string written;
int write_calls = 0;
std::string input;
size_t input_pos = 0;
alignas(16) char arena[1 << 24];
size_t heap_top = 0;
size_t brk_limit = sizeof(arena);

}  // namespace

extern "C" int u_write(int fd, const void* p, int n) {
  write_calls++;
  written += std::to_string(fd) + ":";
  written.append(static_cast<const char*>(p), n);
  return n;
}
extern "C" int u_read(int, void* p, int n) {
  int k = 0;
  while (k < n && input_pos < input.size()) static_cast<char*>(p)[k++] = input[input_pos++];
  return k;
}
extern "C" char* u_sbrk(int n) {
  if (heap_top + n > brk_limit) return reinterpret_cast<char*>(-1);
  char* p = arena + heap_top;
  heap_top += n;
  return p;
}
extern "C" int u_open(const char*, int) {
  return -1;
}
extern "C" int u_close(int) {
  return 0;
}
extern "C" int u_fstat(int, struct u_stat*) {
  return -1;
}

namespace {

template <class F>
std::string output_of(F f) {
  written.clear();
  write_calls = 0;
  f();
  return written;
}

TEST(Printf, Conversions) {
  EXPECT_EQ(output_of([] { u_printf("a%db%xc%sd%ce%%", -42, 255u, "str", 'Z'); }),
            "1:a-42bffcstrdZe%");
  EXPECT_EQ(output_of([] { u_printf("%i %u", 7, 4294967295u); }), "1:7 4294967295");
  EXPECT_EQ(output_of([] { u_printf("%p", reinterpret_cast<void*>(0x1234)); }),
            "1:0x0000000000001234");
  EXPECT_EQ(output_of([] { u_fprintf(2, "x%dy", 0); }), "2:x0y");
}

TEST(Printf, LengthModifiers) {
  EXPECT_EQ(output_of([] {
              u_printf("%ld %lld %lu %lx", -9000000000L, 123456789012345LL, 18446744073709551615UL,
                       0xdeadbeefcafeUL);
            }),
            "1:-9000000000 123456789012345 18446744073709551615 deadbeefcafe");
}

TEST(Printf, ExtremeValues) {
  EXPECT_EQ(output_of([] { u_printf("%d", INT32_MIN); }), "1:-2147483648");
  EXPECT_EQ(output_of([] { u_printf("%ld", INT64_MIN); }), "1:-9223372036854775808");
  EXPECT_EQ(output_of([] { u_printf("%d %x", 0, 0u); }), "1:0 0");
}

TEST(Printf, WidthAndFlags) {
  EXPECT_EQ(
      output_of([] { u_printf("[%5d][%-5d][%05d][%-4s][%3s]", 42, 42, -42, "ab", "abcdef"); }),
      "1:[   42][42   ][-0042][ab  ][abcdef]");
}

TEST(Printf, OddFormats) {
  EXPECT_EQ(output_of([] { u_printf("%s", static_cast<char*>(nullptr)); }), "1:(null)");
  EXPECT_EQ(output_of([] { u_printf("%q%"); }), "1:%q%");
}

TEST(Printf, OneWritePerCallUntilTheBufferFills) {
  EXPECT_EQ(output_of([] { u_printf("%s %d %s\n", "short", 1, "line"); }), "1:short 1 line\n");
  EXPECT_EQ(write_calls, 1);
  std::string s(1000, 'x');
  std::string out = output_of([&] { u_printf("%s", s.c_str()); });
  EXPECT_EQ(write_calls, 8);  // 128-byte buffer
  EXPECT_EQ(out.size(), 1000u + 8 * 2);
}

TEST(String, LengthCopyCompare) {
  EXPECT_EQ(u_strlen(""), 0u);
  EXPECT_EQ(u_strlen("hello"), 5u);
  char b[16];
  EXPECT_EQ(u_strcpy(b, "abc"), b);
  EXPECT_STREQ(b, "abc");
  EXPECT_EQ(u_strcmp("abc", "abc"), 0);
  EXPECT_LT(u_strcmp("abc", "abd"), 0);
  EXPECT_GT(u_strcmp("b", "abc"), 0);
  EXPECT_LT(u_strcmp("ab", "abc"), 0);
  EXPECT_GT(u_strcmp("\xff", "a"), 0);  // bytes compare unsigned
  const char* s = "hello";
  EXPECT_EQ(u_strchr(s, 'l'), s + 2);
  EXPECT_EQ(u_strchr(s, 'z'), nullptr);
}

TEST(String, Atoi) {
  EXPECT_EQ(u_atoi("123"), 123);
  EXPECT_EQ(u_atoi("  -45x"), -45);
  EXPECT_EQ(u_atoi("+7"), 7);
  EXPECT_EQ(u_atoi("x"), 0);
}

TEST(Memory, MoveHandlesOverlap) {
  char m[10] = "abcdefghi";
  u_memmove(m + 2, m, 5);
  EXPECT_STREQ(m, "ababcdehi");
  for (int i = 0; i < 10; i++) m[i] = "abcdefghi"[i];
  u_memmove(m, m + 2, 5);
  EXPECT_STREQ(m, "cdefgfghi");
  u_memmove(m, m + 1, 0);
  u_memmove(m, m + 1, -3);  // xv6's int length: nothing to move
  EXPECT_STREQ(m, "cdefgfghi");
}

TEST(Memory, SetCopyCompare) {
  char m[8] = "abcdefg";
  EXPECT_EQ(u_memset(m, 'z', 3), m);
  EXPECT_STREQ(m, "zzzdefg");
  char c[4];
  EXPECT_EQ(u_memcpy(c, "xyz", 4), c);
  EXPECT_STREQ(c, "xyz");
  EXPECT_EQ(u_memcmp("abc", "abd", 2), 0);
  EXPECT_LT(u_memcmp("abc", "abd", 3), 0);
  EXPECT_GT(u_memcmp("\x80", "\x01", 1), 0);
}

TEST(Gets, ReadsLineByLine) {
  input = "one\ntwo\nthree";
  input_pos = 0;
  char b[10];
  EXPECT_STREQ(u_gets(b, sizeof b), "one\n");
  EXPECT_STREQ(u_gets(b, sizeof b), "two\n");
  EXPECT_STREQ(u_gets(b, sizeof b), "three");
  EXPECT_STREQ(u_gets(b, sizeof b), "");
}

TEST(Gets, StopsAtTheBufferSize) {
  input = "0123456789abc\n";
  input_pos = 0;
  char b[10];
  EXPECT_STREQ(u_gets(b, sizeof b), "012345678");
  EXPECT_STREQ(u_gets(b, sizeof b), "9abc\n");
}

// Random allocations and frees; every live block keeps its contents (no overlap), and once all is
// freed the free list has merged back into blocks as big as the whole heap.
TEST(Malloc, RandomModel) {
  std::mt19937 rng(1);
  struct Block {
    char* p;
    size_t n;
    char fill;
  };
  std::vector<Block> live;
  for (int i = 0; i < 20000; i++) {
    if (live.empty() || rng() % 3 != 0) {
      size_t n = 1 + rng() % (rng() % 10 == 0 ? 20000 : 100);
      char* p = static_cast<char*>(u_malloc(n));
      ASSERT_NE(p, nullptr);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
      char fill = static_cast<char>(rng());
      for (size_t j = 0; j < n; j++) p[j] = fill;
      live.push_back({p, n, fill});
    } else {
      size_t k = rng() % live.size();
      Block b = live[k];
      for (size_t j = 0; j < b.n; j++) ASSERT_EQ(b.p[j], b.fill) << "blocks overlap";
      u_free(b.p);
      live.erase(live.begin() + k);
    }
  }
  for (const Block& b : live) {
    for (size_t j = 0; j < b.n; j++) ASSERT_EQ(b.p[j], b.fill) << "blocks overlap";
    u_free(b.p);
  }
  size_t before = heap_top;
  void* p = u_malloc(static_cast<unsigned>(heap_top - 64));
  EXPECT_NE(p, nullptr);
  EXPECT_EQ(heap_top, before) << "the heap should have been reused, not grown";
  u_free(p);
}

TEST(Malloc, FailsCleanlyAndRecovers) {
  EXPECT_EQ(u_malloc(0), nullptr);
  EXPECT_EQ(u_malloc(0xffffffffu), nullptr);
  size_t saved = brk_limit;
  brk_limit = heap_top;  // sbrk fails from now on
  size_t before = heap_top;
  EXPECT_EQ(u_malloc(static_cast<unsigned>(sizeof(arena))), nullptr);
  EXPECT_EQ(heap_top, before);
  brk_limit = saved;
  void* p = u_malloc(100);
  ASSERT_NE(p, nullptr);
  u_free(p);
  u_free(p);  // a double free is ignored; the list stays sane
  void* a = u_malloc(100);
  void* b = u_malloc(100);
  EXPECT_NE(a, b);
  u_free(a);
  u_free(b);
  u_free(nullptr);
}

// A program that moved the break to an odd address itself still gets 16-byte aligned blocks.
TEST(Malloc, AlignsAfterAnOddBreak) {
  u_sbrk(3);
  std::vector<void*> blocks;
  for (int i = 0; i < 100; i++) {
    void* p = u_malloc(5000);  // forces the heap to grow from the odd break
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
    blocks.push_back(p);
  }
  for (void* p : blocks) u_free(p);
}

}  // namespace
