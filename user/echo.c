/* echo: print the arguments separated by blanks. Plain C on purpose: it shows that the user API in
   user/user.h is callable from C and that xv6's C programs build unchanged. */
#include "kernel/stat.h"
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  int i;

  for (i = 1; i < argc; i++) {
    write(1, argv[i], strlen(argv[i]));
    if (i + 1 < argc) {
      write(1, " ", 1);
    } else {
      write(1, "\n", 1);
    }
  }
  exit(0);
}
