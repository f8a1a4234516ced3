/* xv6 ABI (2024 page-table lab, kernel/memlayout.h): the read-only page every process has just
   below its trapframe, where the kernel publishes what ugetpid() reads without a system call.
   RISC-V (Sv39) only: the x86 kernel has no usyscall page. C and C++; the kernel's own layout is
   kernel/arch/riscv/memlayout.h, which checks that it agrees. */
#ifndef PAGODA_KERNEL_MEMLAYOUT_H
#define PAGODA_KERNEL_MEMLAYOUT_H

#if defined(__riscv) || !defined(__i386__)
/* TRAPFRAME - PGSIZE: MAXVA (1 << 38) minus the trampoline, the trapframe and this page. */
#define USYSCALL 0x3fffffd000UL
#endif

struct usyscall {
  int pid; /* the process's pid, written once when its memory is set up */
};

#endif
