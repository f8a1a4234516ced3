// kill: kill the processes with the given pids (xv6: user/kill.c).
#include "user/user.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(2, "usage: kill pid...\n");
    return 1;
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    if (kill(atoi(argv[i])) < 0) {
      fprintf(2, "kill: %s failed\n", argv[i]);
      status = 1;
    }
  }
  return status;
}
