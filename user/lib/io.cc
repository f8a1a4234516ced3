// File helpers of the xv6 user API (xv6: user/ulib.c gets, stat).
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/types.h"
#include "user/user.h"

// Read a line from fd 0, one byte at a time so nothing past the newline is consumed (the shell's
// children inherit the rest of the input). Keeps the newline; always NUL-terminates.
char* gets(char* buf, int max) {
  int i = 0;
  while (i + 1 < max) {
    char c;
    if (read(0, &c, 1) < 1) break;
    buf[i++] = c;
    if (c == '\n' || c == '\r') break;
  }
  if (max > 0) buf[i] = '\0';
  return buf;
}

int stat(const char* path, struct stat* st) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  int r = fstat(fd, st);
  close(fd);
  return r;
}

// Called by _start before main: run C++ static constructors, which no loader runs for us.
using Constructor = void (*)();
extern "C" Constructor __init_array_start[];
extern "C" Constructor __init_array_end[];

extern "C" void __ulib_run_constructors() {
  for (Constructor* c = __init_array_start; c != __init_array_end; c++) (*c)();
}
