// ln: make a new name for an existing file (xv6: user/ln.c).
#include "user/user.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(2, "usage: ln old new\n");
    return 1;
  }
  if (link(argv[1], argv[2]) < 0) {
    fprintf(2, "link %s %s: failed\n", argv[1], argv[2]);
    return 1;
  }
  return 0;
}
