/* xv6 syscall lab ABI: sysinfo(2). C and C++. */
#ifndef PAGODA_KERNEL_SYSINFO_H
#define PAGODA_KERNEL_SYSINFO_H

#include "kernel/types.h"

struct sysinfo {
  uint64 freemem; /* bytes of free physical memory */
  uint64 nproc;   /* processes whose state is not UNUSED */
};

/* Pagoda: how often the kernel copied from user memory (page-table lab, part 3). */
struct copystats {
  uint64 copyin;    /* calls of copyin */
  uint64 copyinstr; /* calls of copyinstr */
};

#endif
