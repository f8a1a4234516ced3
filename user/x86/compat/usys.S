# System-call stubs for xv6prog.c, written from xv6-x86's user ABI (not from its code): the call
# number in %eax, `int $64` (T_SYSCALL), the arguments left where the cdecl caller pushed them
# (the kernel reads them above this stub's return address), the result in %eax. exit and wait are
# xv6-x86's: no arguments. The numbers 1-21 are xv6-x86's.
#define STUB(name, number) \
  .globl name;             \
  name:                    \
  movl $number, %eax;      \
  int $64;                 \
  ret

        .text
STUB(fork, 1)
STUB(exit, 2)
STUB(wait, 3)
STUB(pipe, 4)
STUB(read, 5)
STUB(kill, 6)
STUB(exec, 7)
STUB(fstat, 8)
STUB(chdir, 9)
STUB(dup, 10)
STUB(getpid, 11)
STUB(sbrk, 12)
STUB(sleep, 13)
STUB(uptime, 14)
STUB(open, 15)
STUB(write, 16)
STUB(mknod, 17)
STUB(unlink, 18)
STUB(link, 19)
STUB(mkdir, 20)
STUB(close, 21)
        .section .note.GNU-stack, "", @progbits
