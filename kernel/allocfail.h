/* Pagoda ABI: allocfail(mode, arg, seed), fault injection for tests (issue 15). While armed, an
   allocator fails as if its resource had run out, system-wide: every caller must then give -1 (or
   kill the program) and leave every page, block and inode as it was. C and C++.

   mode = target | kind. The target (0 by default, so the original numbers 0-4 are unchanged):

     ALLOCFAIL_FRAMES  0x00   physical pages: the frame allocator (kalloc), as if memory ran out
     ALLOCFAIL_BLOCKS  0x10   disk blocks: the file system's block allocator (balloc), as a full disk
     ALLOCFAIL_INODES  0x20   on-disk inodes: the inode allocator (ialloc), as a full inode table

   Each target has its own plan; the kind sets it:

     allocfail(T|ALLOCFAIL_NTH, n, 0)       the nth allocation from now (n >= 1) fails, once
     allocfail(T|ALLOCFAIL_RANDOM, p, seed) each one fails with probability p/65536 (p <= 65536),
                                            drawn from a generator seeded with seed
     allocfail(T|ALLOCFAIL_ALL, 0, 0)       every allocation fails
     allocfail(T|ALLOCFAIL_OFF, 0, 0)       injection off
     allocfail(T|ALLOCFAIL_COUNT, 0, 0)     nothing changes

   Each returns the number of failures the target's plan in force before the call injected (so OFF
   after NTH returns 1 if the nth allocation happened, 0 if fewer were made), or -1 for a bad target,
   kind or argument.
 */
#ifndef PAGODA_KERNEL_ALLOCFAIL_H
#define PAGODA_KERNEL_ALLOCFAIL_H

#define ALLOCFAIL_OFF 0
#define ALLOCFAIL_NTH 1
#define ALLOCFAIL_RANDOM 2
#define ALLOCFAIL_ALL 3
#define ALLOCFAIL_COUNT 4
#define ALLOCFAIL_KIND_MASK 0x0f

#define ALLOCFAIL_FRAMES 0x00
#define ALLOCFAIL_BLOCKS 0x10
#define ALLOCFAIL_INODES 0x20

#define ALLOCFAIL_ONE_IN 65536 /* p for "always" */

#endif
