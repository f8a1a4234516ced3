/* xv6 ABI: the on-disk file-system format, byte for byte: xv6-riscv's by default, xv6-x86's when
   the build defines PAGODA_FS_FORMAT_XV6_X86=1 (512-byte blocks, a superblock without magic).
   Shared by the kernel's file system, user programs, mkfs and fsck. C and C++. The macros below
   describe the format this build uses; the host tools take either at run time through
   kernel/fs/format.h (FsFormat), which also says how the two differ.

   Disk layout:
   [ boot block | super block | log | inode blocks | free bit map | data blocks ] */
#ifndef PAGODA_KERNEL_FS_H
#define PAGODA_KERNEL_FS_H

#include "kernel/types.h"

#ifndef PAGODA_FS_FORMAT_XV6_X86
#define PAGODA_FS_FORMAT_XV6_X86 0
#endif

#define ROOTINO 1 /* root i-number */
#if PAGODA_FS_FORMAT_XV6_X86
#define BSIZE 512 /* block size */
#else
#define BSIZE 1024
#endif

/* The superblock's fields, as the file system keeps them in memory. On disk xv6-riscv stores
   exactly this in block 1; xv6-x86 stores the seven words after magic (it has no magic number).
   kernel/fs/format.h decode_superblock/encode_superblock convert. */
struct superblock {
  uint magic;      /* Must be FSMAGIC (0 for a format without one) */
  uint size;       /* Size of file system image (blocks) */
  uint nblocks;    /* Number of data blocks */
  uint ninodes;    /* Number of inodes. */
  uint nlog;       /* Number of log blocks */
  uint logstart;   /* Block number of first log block */
  uint inodestart; /* Block number of first inode block */
  uint bmapstart;  /* Block number of first free map block */
};

#define FSMAGIC 0x10203040

#define NDIRECT 12
#define NINDIRECT (BSIZE / sizeof(uint))
#define MAXFILE (NDIRECT + NINDIRECT)

/* On-disk inode structure */
struct dinode {
  short type;              /* File type */
  short major;             /* Major device number (T_DEVICE only) */
  short minor;             /* Minor device number (T_DEVICE only) */
  short nlink;             /* Number of links to inode in file system */
  uint size;               /* Size of file (bytes) */
  uint addrs[NDIRECT + 1]; /* Data block addresses */
};

/* Inodes per block. */
#define IPB (BSIZE / sizeof(struct dinode))

/* Block containing inode i */
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart)

/* Bitmap bits per block */
#define BPB (BSIZE * 8)

/* Block of free map containing bit for block b */
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmapstart)

/* Directory is a file containing a sequence of dirent structures. */
#define DIRSIZ 14

struct dirent {
  ushort inum;
  char name[DIRSIZ];
};

/* The log header block (first block of the log area): n, then the home block numbers. */
struct logheader {
  int n;
  int block[30 /* LOGSIZE */];
};

#endif
