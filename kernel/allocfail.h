/* Pagoda ABI: allocfail(mode, arg, seed), frame-allocator fault injection for tests (issue 15).
   While armed, the kernel's page allocations fail as if memory had run out, system-wide: every
   caller must then give -1 (or kill the program) and leave every page as it was. C and C++.

     allocfail(ALLOCFAIL_NTH, n, 0)       the nth allocation from now (n >= 1) fails, once
     allocfail(ALLOCFAIL_RANDOM, p, seed) each one fails with probability p/65536 (p <= 65536),
                                          drawn from a generator seeded with seed
     allocfail(ALLOCFAIL_ALL, 0, 0)       every allocation fails
     allocfail(ALLOCFAIL_OFF, 0, 0)       injection off
     allocfail(ALLOCFAIL_COUNT, 0, 0)     nothing changes

   Each returns the number of failures the plan in force before the call injected (so OFF after NTH
   returns 1 if the nth allocation happened, 0 if fewer were made), or -1 for a bad mode or argument.
 */
#ifndef PAGODA_KERNEL_ALLOCFAIL_H
#define PAGODA_KERNEL_ALLOCFAIL_H

#define ALLOCFAIL_OFF 0
#define ALLOCFAIL_NTH 1
#define ALLOCFAIL_RANDOM 2
#define ALLOCFAIL_ALL 3
#define ALLOCFAIL_COUNT 4

#define ALLOCFAIL_ONE_IN 65536 /* p for "always" */

#endif
