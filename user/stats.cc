// stats: how many times the kernel has run copyin and copyinstr (page-table lab, part 3).
#include "kernel/sysinfo.h"
#include "user/user.h"

int main() {
  struct copystats st;
  if (copystats(&st) < 0) {
    fprintf(2, "stats: copystats failed\n");
    return 1;
  }
  printf("copyin: %lu\ncopyinstr: %lu\n", st.copyin, st.copyinstr);
  return 0;
}
