// free: free physical memory and the number of processes (sysinfo, syscall lab), and how much RAM
// the machine has and the kernel manages (meminfo: QEMU's -m, read from the device tree).
#include "kernel/sysinfo.h"
#include "user/user.h"

namespace {
constexpr uint64 kPageSize = 4096;
constexpr uint64 kMiB = 1024 * 1024;
}  // namespace

int main() {
  struct sysinfo info;
  if (sysinfo(&info) < 0) {
    fprintf(2, "free: sysinfo failed\n");
    return 1;
  }
  printf("free: %lu pages (%lu bytes)\n", info.freemem / kPageSize, info.freemem);
  struct meminfo mem;
  if (meminfo(&mem) == 0) {
    printf("total: %lu pages (%lu bytes), RAM %lu MiB\n", mem.total / kPageSize, mem.total,
           mem.ram / kMiB);
  }
  printf("processes: %lu\n", info.nproc);
  return 0;
}
