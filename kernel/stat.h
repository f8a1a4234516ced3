/* xv6 ABI: struct stat as fstat(2) fills it. C and C++. */
#ifndef PAGODA_KERNEL_STAT_H
#define PAGODA_KERNEL_STAT_H

#include "kernel/types.h"

#define T_DIR 1    /* Directory */
#define T_FILE 2   /* File */
#define T_DEVICE 3 /* Device */

struct stat {
  int dev;     /* File system's disk device */
  uint ino;    /* Inode number */
  short type;  /* Type of file */
  short nlink; /* Number of links to file */
  uint64 size; /* Size of file in bytes */
};

#endif
