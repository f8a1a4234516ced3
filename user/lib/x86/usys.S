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
# sbrk(n) and sbrklazy(n) (issue 12): SYS_sbrk takes (n, type), 1 eager, 2 lazy. The call is made
# with its own argument frame so that the type is never what happened to lie above n.
#define SBRK_STUB(name, sbrk_type)                                                                      \
  .globl name;                                                                                     \
  .type name, @function;                                                                           \
  name:                                                                                            \
  pushl $sbrk_type;                                                                                   \
  pushl 8(%esp);                                                                                   \
  pushl $0;                                                                                        \
  movl $SYS_sbrk, %eax;                                                                            \
  int $T_SYSCALL;                                                                                  \
  addl $12, %esp;                                                                                  \
  ret;                                                                                             \
  .size name, .- name
SBRK_STUB(sbrk, 1)
SBRK_STUB(sbrklazy, 2)
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
SYSCALL(pgaccess)
SYSCALL(meminfo)
SYSCALL(halt)
SYSCALL(copystats)
SYSCALL(allocfail)
SYSCALL(mmap)
SYSCALL(munmap)

        .section .note.GNU-stack, "", @progbits
