/* xv6 ABI: open(2) flags. C and C++. */
#ifndef PAGODA_KERNEL_FCNTL_H
#define PAGODA_KERNEL_FCNTL_H

#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR 0x002
#define O_CREATE 0x200
#define O_TRUNC 0x400

/* mmap(2) (the mmap lab's kernel/fcntl.h). MAP_ANONYMOUS is Pagoda's extension (fd ignored). */
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED ((void*)-1)

#endif
