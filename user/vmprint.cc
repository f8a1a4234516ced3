// vmprint: ask the kernel to print this process's page table (page-table lab, kpgtbl).
#include "user/user.h"

int main() {
  if (kpgtbl() < 0) {
    fprintf(2, "vmprint: kpgtbl failed\n");
    return 1;
  }
  return 0;
}
