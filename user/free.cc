// free: free physical memory and the number of processes, from sysinfo (syscall lab).
#include "kernel/sysinfo.h"
#include "user/user.h"

namespace {
constexpr uint64 kPageSize = 4096;
}

int main() {
  struct sysinfo info;
  if (sysinfo(&info) < 0) {
    fprintf(2, "free: sysinfo failed\n");
    return 1;
  }
  printf("free: %lu pages (%lu bytes)\n", info.freemem / kPageSize, info.freemem);
  printf("processes: %lu\n", info.nproc);
  return 0;
}
