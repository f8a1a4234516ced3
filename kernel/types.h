/* xv6 ABI: basic types, under xv6's names so xv6 user programs compile unchanged.
   Shared by the kernel, the user library and the host tools; C and C++. */
#ifndef PAGODA_KERNEL_TYPES_H
#define PAGODA_KERNEL_TYPES_H

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
#if defined(__i386__)
typedef unsigned long long uint64; /* long is 32 bits on i386 */
#else
typedef unsigned long uint64;
#endif

typedef uint64 pde_t;

#endif
