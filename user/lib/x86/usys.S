# System-call stubs on x86, xv6-x86's ABI: the number in %eax, `int $64`, the arguments where the
# cdecl caller left them on the stack (the kernel reads them above this stub's return address), the
# result in %eax. exit and wait are Pagoda's: the extension calls 43 and 44 take the status, where
# xv6-x86's exit(void) and wait(void) (numbers 2 and 3) take none.
#include "kernel/syscall.h"

#define T_SYSCALL 64

#define SYSCALL_NUMBERED(name, number)                                                             \
  .globl name;                                                                                     \
  .type name, @function;                                                                           \
  name:                                                                                            \
  movl $number, %eax;                                                                              \
  int $T_SYSCALL;                                                                                  \
  ret;                                                                                             \
  .size name, .- name

#define SYSCALL(name) SYSCALL_NUMBERED(name, SYS_##name)

        .section .text

SYSCALL(fork)
SYSCALL_NUMBERED(exit, SYS_exit_status)
SYSCALL_NUMBERED(wait, SYS_wait_status)
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
# pgpte returns a uint64 (edx:eax under cdecl); an i386 PTE is 32 bits, so the high half is 0.
        .globl pgpte
        .type pgpte, @function
pgpte:
        movl $SYS_pgpte, %eax
        int $T_SYSCALL
        xorl %edx, %edx
        ret
        .size pgpte, .-pgpte
SYSCALL(kpgtbl)
SYSCALL(halt)
SYSCALL(copystats)
SYSCALL(allocfail)

        .section .note.GNU-stack, "", @progbits
