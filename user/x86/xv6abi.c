// xv6abi: system calls 2 and 3 keep xv6-x86's exit(void) and wait(void), as an xv6-x86 program
// makes them (int $64, number in %eax, no arguments). The words above the return address are
// whatever the caller left there: exit must not take one for a status, and wait must not write a
// status through one. Pagoda's exit/wait (43/44) still carry the status. Prints "xv6abi: OK".
#include "kernel/syscall.h"
#include "kernel/types.h"
#include "user/user.h"

// xv6-x86's usys.S stubs, with a word the call must ignore pushed where an argument would be.
static int xv6_wait_with_stale_word(int* stale) {
  int r;
  __asm__ volatile("pushl %1; call 1f; jmp 2f; 1: movl $3, %%eax; int $64; ret; 2: addl $4, %%esp"
                   : "=a"(r)
                   : "r"(stale)
                   : "memory", "cc");
  return r;
}

static void xv6_exit_with_stale_word(void) {
  __asm__ volatile("pushl $7; call 1f; 1: movl $2, %%eax; int $64" : : : "memory");
  for (;;) {
  }
}

int main(void) {
  int ok = 1;
  int pid = fork();
  if (pid == 0) xv6_exit_with_stale_word();
  int sentinel = 12345;
  int got = xv6_wait_with_stale_word(&sentinel);
  if (got != pid) {
    printf("xv6abi: wait(void) returned %d, expected %d\n", got, pid);
    ok = 0;
  }
  if (sentinel != 12345) {
    printf("xv6abi: wait(void) wrote %d through the stale word\n", sentinel);
    ok = 0;
  }
  // Pagoda's own calls keep the status.
  pid = fork();
  if (pid == 0) exit(42);
  int status = 0;
  if (wait(&status) != pid || status != 42) {
    printf("xv6abi: exit/wait with status: %d\n", status);
    ok = 0;
  }
  // An xv6-x86 child exits with status 0 whatever it pushed.
  pid = fork();
  if (pid == 0) xv6_exit_with_stale_word();
  status = -1;
  if (wait(&status) != pid || status != 0) {
    printf("xv6abi: exit(void) left status %d, expected 0\n", status);
    ok = 0;
  }
  printf(ok ? "xv6abi: OK\n" : "xv6abi: FAILED\n");
  exit(ok ? 0 : 1);
}
