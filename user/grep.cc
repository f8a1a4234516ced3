// grep: print the lines that match a pattern (xv6: user/grep.c). Patterns are the small regular
// expressions of Kernighan and Pike's "The Practice of Programming": c . ^ $ and x*.
#include "kernel/fcntl.h"
#include "user/lib/fd.h"
#include "user/user.h"

namespace {

class Pattern {
 public:
  explicit Pattern(const char* re) : re_(re) {}

  // True if the pattern matches anywhere in the NUL-terminated text.
  bool matches(const char* text) const {
    if (re_[0] == '^') return match_here(re_ + 1, text);
    do {
      if (match_here(re_, text)) return true;
    } while (*text++ != '\0');
    return false;
  }

 private:
  static bool match_char(char re, char c) { return c != '\0' && (re == '.' || re == c); }

  // Does re match at the start of text?
  static bool match_here(const char* re, const char* text) {
    if (re[0] == '\0') return true;
    if (re[1] == '*') return match_star(re[0], re + 2, text);
    if (re[0] == '$' && re[1] == '\0') return *text == '\0';
    if (match_char(re[0], *text)) return match_here(re + 1, text + 1);
    return false;
  }

  // Does c* followed by re match at the start of text? Shortest first, as xv6 does.
  static bool match_star(char c, const char* re, const char* text) {
    do {
      if (match_here(re, text)) return true;
    } while (match_char(c, *text++));
    return false;
  }

  const char* re_;
};

// Reads a file in blocks and hands complete lines to the pattern; a line longer than the buffer
// is tested in buffer-sized pieces. The buffer is static: the user stack is one page.
char line_buffer[1024];

class LineScanner {
 public:
  explicit LineScanner(const Pattern& pattern) : pattern_(pattern) {}

  bool scan(int fd) {
    used_ = 0;
    for (;;) {
      int n = read(fd, line_buffer + used_, static_cast<int>(sizeof(line_buffer)) - 1 - used_);
      if (n < 0) return false;
      if (n == 0) break;
      used_ += n;
      emit_complete_lines();
      if (used_ == static_cast<int>(sizeof(line_buffer)) - 1) {
        test_line(line_buffer, used_);
        used_ = 0;
      }
    }
    if (used_ > 0) test_line(line_buffer, used_);
    return true;
  }

 private:
  void emit_complete_lines() {
    int start = 0;
    for (int i = 0; i < used_; i++) {
      if (line_buffer[i] != '\n') continue;
      test_line(line_buffer + start, i - start);
      start = i + 1;
    }
    memmove(line_buffer, line_buffer + start, used_ - start);
    used_ -= start;
  }

  // Tests line[0..len) and prints it (with a newline) if it matches.
  void test_line(char* line, int len) {
    char saved = line[len];
    line[len] = '\0';
    bool hit = pattern_.matches(line);
    line[len] = saved;
    if (!hit) return;
    ulib::write_all(1, line, len);
    write(1, "\n", 1);
  }

  const Pattern& pattern_;
  int used_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc <= 1) {
    fprintf(2, "usage: grep pattern [file ...]\n");
    return 1;
  }
  Pattern pattern(argv[1]);
  LineScanner scanner(pattern);
  if (argc <= 2) return scanner.scan(0) ? 0 : 1;
  for (int i = 2; i < argc; i++) {
    ulib::Fd fd = ulib::Fd::open(argv[i], O_RDONLY);
    if (!fd.valid()) {
      fprintf(2, "grep: cannot open %s\n", argv[i]);
      return 1;
    }
    if (!scanner.scan(fd.get())) {
      fprintf(2, "grep: read error\n");
      return 1;
    }
  }
  return 0;
}
