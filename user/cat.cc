// cat: copy files (or the standard input) to the standard output (xv6: user/cat.c).
#include "kernel/fcntl.h"
#include "user/lib/fd.h"
#include "user/user.h"

namespace {

char buf[512];

// Copies fd to stdout; on failure says what went wrong and exits.
void copy_out(int fd) {
  int n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    if (!ulib::write_all(1, buf, n)) {
      fprintf(2, "cat: write error\n");
      exit(1);
    }
  }
  if (n < 0) {
    fprintf(2, "cat: read error\n");
    exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc <= 1) {
    copy_out(0);
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    ulib::Fd fd = ulib::Fd::open(argv[i], O_RDONLY);
    if (!fd.valid()) {
      fprintf(2, "cat: cannot open %s\n", argv[i]);
      return 1;
    }
    copy_out(fd.get());
  }
  return 0;
}
