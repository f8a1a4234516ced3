// wc: count lines, words and bytes (xv6: user/wc.c; same output: "lines words bytes name").
#include "kernel/fcntl.h"
#include "user/lib/fd.h"
#include "user/user.h"

namespace {

constexpr bool is_separator(char c) {
  return c == ' ' || c == '\r' || c == '\t' || c == '\n' || c == '\v';
}

// Counts across read boundaries: a word may be split between two buffers.
class Counter {
 public:
  void feed(const char* data, int n) {
    for (int i = 0; i < n; i++) {
      bytes_++;
      if (data[i] == '\n') lines_++;
      if (is_separator(data[i])) {
        in_word_ = false;
      } else if (!in_word_) {
        words_++;
        in_word_ = true;
      }
    }
  }
  void print(const char* name) const { printf("%d %d %d %s\n", lines_, words_, bytes_, name); }

 private:
  int lines_ = 0;
  int words_ = 0;
  int bytes_ = 0;
  bool in_word_ = false;
};

char buf[512];

void count(int fd, const char* name) {
  Counter counter;
  int n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) counter.feed(buf, n);
  if (n < 0) {
    fprintf(2, "wc: read error\n");
    exit(1);
  }
  counter.print(name);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc <= 1) {
    count(0, "");
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    ulib::Fd fd = ulib::Fd::open(argv[i], O_RDONLY);
    if (!fd.valid()) {
      fprintf(2, "wc: cannot open %s\n", argv[i]);
      return 1;
    }
    count(fd.get(), argv[i]);
  }
  return 0;
}
