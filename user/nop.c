/* nop: the small program vmbench execs. `nop N` execs itself N more times and then exits 0, so a
   chain of execs can be timed without a fork per exec. Uses only the xv6 user API. */
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  int left = argc > 1 ? atoi(argv[1]) : 0;
  if (left <= 0)
    exit(0);

  /* left - 1 in decimal, without printf (not every user library has sprintf). */
  char num[12];
  char digits[12];
  int n = left - 1, len = 0, i = 0;
  do {
    digits[len++] = (char)('0' + n % 10);
    n /= 10;
  } while (n > 0);
  while (len > 0)
    num[i++] = digits[--len];
  num[i] = 0;

  char* args[] = {argv[0], num, 0};
  exec(argv[0], args);
  exit(1); /* exec failed: vmbench checks the status */
}
