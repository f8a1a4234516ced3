# System-call stubs: one per call in user/user.h. The number goes in a7, the arguments are already in
# a0..a5 where the C calling convention put them, and the kernel returns the result in a0.
# xv6: usys.pl generates the same stubs.
#include "kernel/syscall.h"

#define SYSCALL(name)                                                                              \
  .global name;                                                                                    \
  .type name, @function;                                                                           \
  name:                                                                                            \
  li a7, SYS_##name;                                                                               \
  ecall;                                                                                           \
  ret;                                                                                             \
  .size name, .- name

.section .text

SYSCALL(fork)
SYSCALL(exit)
SYSCALL(wait)
SYSCALL(pipe)
SYSCALL(read)
SYSCALL(write)
SYSCALL(close)
SYSCALL(kill)
SYSCALL(exec)
SYSCALL(open)
SYSCALL(mknod)
SYSCALL(unlink)
SYSCALL(fstat)
SYSCALL(link)
SYSCALL(mkdir)
SYSCALL(chdir)
SYSCALL(dup)
SYSCALL(getpid)
# sbrk(n) and sbrklazy(n) (issue 12): SYS_sbrk takes (n, type); 1 asks for eager growth (SBRK_EAGER),
# 2 for lazy (SBRK_LAZY), so that what sbrk(n) means does not depend on what was left in a1.
  .global sbrk
  .type sbrk, @function
sbrk:
  li a1, 1
  li a7, SYS_sbrk
  ecall
  ret
  .size sbrk, .- sbrk
  .global sbrklazy
  .type sbrklazy, @function
sbrklazy:
  li a1, 2
  li a7, SYS_sbrk
  ecall
  ret
  .size sbrklazy, .- sbrklazy
SYSCALL(sleep)
SYSCALL(uptime)
SYSCALL(sysinfo)
SYSCALL(pgpte)
SYSCALL(kpgtbl)
SYSCALL(pgaccess)
SYSCALL(meminfo)
SYSCALL(halt)
SYSCALL(copystats)
SYSCALL(allocfail)
SYSCALL(mmap)
SYSCALL(munmap)
