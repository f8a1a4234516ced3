/* xv6 ABI: struct stat as fstat(2) fills it. C and C++. Each architecture has xv6's own layout
   (the kernel fills it field by field, kernel/fs/inode.cc stati, so one code path serves both).
   xv6-x86's is chosen by PAGODA_ARCH_X86 (the kernel's build) or by compiling for i386 (so user
   programs built for x86 see it too, whatever definitions their build passes). */
#ifndef PAGODA_KERNEL_STAT_H
#define PAGODA_KERNEL_STAT_H

#include "kernel/types.h"

#define T_DIR 1    /* Directory */
#define T_FILE 2   /* File */
#define T_DEVICE 3 /* Device */

#if defined(PAGODA_ARCH_X86) || defined(__i386__)
struct stat {  /* xv6-x86 */
  short type;  /* Type of file */
  int dev;     /* File system's disk device */
  uint ino;    /* Inode number */
  short nlink; /* Number of links to file */
  uint size;   /* Size of file in bytes */
};
#else
struct stat {  /* xv6-riscv */
  int dev;     /* File system's disk device */
  uint ino;    /* Inode number */
  short type;  /* Type of file */
  short nlink; /* Number of links to file */
  uint64 size; /* Size of file in bytes */
};
#endif

#endif
