// Host tests of the shell's lexer, parser and line reader (user/sh.cc, included here with its main
// renamed). The system calls sh uses are fakes; only read does anything.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/host/ulib/ulib_names.h"
#define main sh_main
#include "user/sh.cc"
#undef main

namespace {
std::string input;
size_t input_pos = 0;
}  // namespace

extern "C" int u_read(int, void* p, int n) {
  int k = 0;
  while (k < n && input_pos < input.size()) static_cast<char*>(p)[k++] = input[input_pos++];
  return k;
}
extern "C" int u_write(int, const void*, int n) {
  return n;
}
extern "C" char* u_sbrk(int) {
  return reinterpret_cast<char*>(-1);
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
// Running commands is not under test here.
extern "C" int u_exit(int) {
  std::abort();
}
extern "C" int u_fork() {
  std::abort();
}
extern "C" int u_wait(int*) {
  std::abort();
}
extern "C" int u_pipe(int*) {
  std::abort();
}
extern "C" int u_exec(const char*, char**) {
  std::abort();
}
extern "C" int u_dup(int) {
  std::abort();
}
extern "C" int u_chdir(const char*) {
  std::abort();
}

namespace {

// The tree as text: [argv] for commands, (..) groups, {a|b} {a;b} {a&}, redirections appended.
std::string show(const Command* c) {
  if (c == nullptr) return "null";
  std::string r;
  switch (c->kind) {
    case Kind::kExec:
      r = "[";
      for (int i = 0; i < c->argc; i++) r += (i ? " " : "") + std::string(c->argv[i]);
      r += "]";
      break;
    case Kind::kGroup:
      r = "(" + show(c->left) + ")";
      break;
    case Kind::kPipe:
      return "{" + show(c->left) + "|" + show(c->right) + "}";
    case Kind::kList:
      return "{" + show(c->left) + ";" + show(c->right) + "}";
    case Kind::kBackground:
      return "{" + show(c->left) + "&}";
  }
  for (int i = 0; i < c->nredirects; i++) {
    const Redirect& d = c->redirects[i];
    r += std::string(d.fd == 0 ? "<" : d.append ? ">>" : ">") + d.file;
  }
  return r;
}

std::string parse(const std::string& text) {
  static char buf[4096];
  static Token toks[kMaxTokens];
  static Lexer lexer;
  static Parser parser;
  u_strcpy(buf, text.c_str());
  if (lexer.scan(buf, toks) < 0) return std::string("error: ") + lexer.error();
  Command* c = parser.parse(toks);
  if (c == nullptr && parser.error() != nullptr) return std::string("error: ") + parser.error();
  return show(c);
}

std::string repeat(const std::string& s, int n) {
  std::string r;
  for (int i = 0; i < n; i++) r += s;
  return r;
}

TEST(ShParse, Commands) {
  EXPECT_EQ(parse("echo hi\n"), "[echo hi]");
  EXPECT_EQ(parse("   \n"), "null");
  EXPECT_EQ(parse("  ls\t-l  x "), "[ls -l x]");
}

TEST(ShParse, PipesListsBackground) {
  EXPECT_EQ(parse("echo hi|wc"), "{[echo hi]|[wc]}");
  EXPECT_EQ(parse("a | b | c"), "{[a]|{[b]|[c]}}");
  EXPECT_EQ(parse("a;b;c"), "{[a];{[b];[c]}}");
  EXPECT_EQ(parse("a;"), "[a]");
  EXPECT_EQ(parse("a&"), "{[a]&}");
  EXPECT_EQ(parse("a & b"), "{{[a]&};[b]}");
  EXPECT_EQ(parse("a|b;c|d&e"), "{{[a]|[b]};{{{[c]|[d]}&};[e]}}");
}

TEST(ShParse, Quotes) {
  EXPECT_EQ(parse("echo 'a b' \"c|d;e\" x'y'z \"\" ''"), "[echo a b c|d;e xyz  ]");
  EXPECT_EQ(parse("grep '^m.*e$' f|wc"), "{[grep ^m.*e$ f]|[wc]}");
  EXPECT_EQ(parse("echo \"it's\">o"), "[echo it's]>o");
  EXPECT_EQ(parse("echo 'open"), "error: unterminated quote");
  EXPECT_EQ(parse("echo \"open'"), "error: unterminated quote");
}

TEST(ShParse, Redirections) {
  EXPECT_EQ(parse("cat<in>out x"), "[cat x]<in>out");
  EXPECT_EQ(parse("echo a >> f"), "[echo a]>>f");
  EXPECT_EQ(parse("> f"), "[]>f");
  EXPECT_EQ(parse("(echo a; echo b) | wc > o"), "{({[echo a];[echo b]})|[wc]>o}");
  EXPECT_EQ(parse("(a) > o < i"), "([a])>o<i");
}

TEST(ShParse, SyntaxErrors) {
  EXPECT_EQ(parse("a | "), "error: missing command");
  EXPECT_EQ(parse("| a"), "error: missing command");
  EXPECT_EQ(parse("(a"), "error: missing )");
  EXPECT_EQ(parse("a)"), "error: unexpected token");
  EXPECT_EQ(parse("()"), "error: missing command");
  EXPECT_EQ(parse("a >"), "error: missing file name");
  EXPECT_EQ(parse("a > |"), "error: missing file name");
  EXPECT_EQ(parse(";"), "error: missing command");
  EXPECT_EQ(parse("a ;; b"), "error: unexpected token");
}

TEST(ShParse, Limits) {
  EXPECT_EQ(parse("x" + repeat(" a", kMaxArgs - 1)), "[x" + repeat(" a", kMaxArgs - 1) + "]");
  EXPECT_EQ(parse("x" + repeat(" a", kMaxArgs)), "error: too many arguments");
  EXPECT_EQ(parse(repeat("; ", kMaxTokens)), "error: too many words");
  EXPECT_EQ(parse(repeat("a;", 40)), "error: command too long");
  EXPECT_EQ(parse("a >f" + repeat(" >f", kMaxRedirects)), "error: too many redirections");
  EXPECT_EQ(parse(repeat("(", 8) + "a" + repeat(")", 8)), repeat("(", 8) + "[a]" + repeat(")", 8));
  EXPECT_EQ(parse(repeat("(", 9) + "a" + repeat(")", 9)), "error: too deeply nested");
}

TEST(ShReadLine, DropsLinesTooLongForTheBuffer) {
  input = std::string(600, 'x') + "\nshort\n" + std::string(511, 'y') + "\n" +
          std::string(510, 'z') + "\nlast";
  input_pos = 0;
  char b[512];
  ASSERT_TRUE(read_line(b, sizeof b));
  EXPECT_STREQ(b, "short\n");
  ASSERT_TRUE(read_line(b, sizeof b));
  EXPECT_EQ(std::string(b), std::string(510, 'z') + "\n");
  ASSERT_TRUE(read_line(b, sizeof b));
  EXPECT_STREQ(b, "last");
  EXPECT_FALSE(read_line(b, sizeof b));
}

}  // namespace
