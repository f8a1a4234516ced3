// init: the first user process (xv6: user/init.c). Sets up the console as fds 0, 1 and 2, runs
// the shell, starts a new one whenever it exits, and reaps the orphans the kernel gives it.
#include "kernel/fcntl.h"
#include "user/user.h"

namespace {

constexpr short kConsoleMajor = 1;  // kernel/fs/file.h kConsoleMajor
constexpr int kNoShell = 127;       // the shell's exit status when sh cannot be run at all

void open_console() {
  if (open("console", O_RDWR) < 0) {
    mknod("console", kConsoleMajor, 0);
    if (open("console", O_RDWR) < 0) exit(1);  // nowhere to even report it
  }
  dup(0);  // stdout
  dup(0);  // stderr
}

int start_shell() {
  printf("init: starting sh\n");
  int pid = fork();
  if (pid < 0) {
    printf("init: fork failed\n");
    exit(1);
  }
  if (pid == 0) {
    char sh[] = "sh";
    char* argv[] = {sh, nullptr};
    exec("sh", argv);
    printf("init: exec sh failed\n");
    exit(kNoShell);
  }
  return pid;
}

// Waits until the shell exits and returns its status; other children are orphans that exited:
// nothing more to do.
int wait_for(int shell) {
  for (;;) {
    int status = 0;
    int pid = wait(&status);
    if (pid == shell) return status;
    if (pid < 0) {
      printf("init: wait returned an error\n");
      exit(1);
    }
  }
}

}  // namespace

int main() {
  open_console();
  for (;;) {
    // A shell that cannot even be loaded (a damaged disk) would be restarted for ever.
    if (wait_for(start_shell()) == kNoShell) {
      printf("init: cannot run sh; powering off\n");
      halt(1);
    }
  }
}
