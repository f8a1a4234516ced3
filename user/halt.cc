// halt: power the machine off (Pagoda's halt system call, through QEMU's virt test device).
// `halt N` passes exit code N.
#include "user/user.h"

int main(int argc, char** argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  halt(code);
  // halt returns only if the kernel refused.
  fprintf(2, "halt: failed\n");
  return 1;
}
