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
SYSCALL(sbrk)
SYSCALL(sleep)
SYSCALL(uptime)
SYSCALL(sysinfo)
SYSCALL(pgpte)
SYSCALL(kpgtbl)
SYSCALL(halt)
SYSCALL(copystats)
SYSCALL(allocfail)
