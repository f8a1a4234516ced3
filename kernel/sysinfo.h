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

/* Pagoda: the machine's memory (meminfo, system call 45), for `free`. struct sysinfo keeps the
   lab's layout; this says what it cannot: how much RAM there is (QEMU's -m, from the device tree)
   and how many pages the frame allocator manages. */
struct meminfo {
  uint64 ram;      /* bytes of RAM the kernel found (from the device tree on RISC-V) */
  uint64 total;    /* bytes the frame allocator manages: RAM above the kernel image */
  uint64 freemem;  /* bytes of free physical memory, as sysinfo's freemem */
};

#endif
