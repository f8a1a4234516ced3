/* xv6 ABI: system-call numbers. The classic 21 are xv6-riscv's; extensions use the number the MIT
   labs give them, or one no lab uses. Number in a7, arguments in a0..a5, result in a0. C and C++.
 */
#ifndef PAGODA_KERNEL_SYSCALL_H
#define PAGODA_KERNEL_SYSCALL_H

#define SYS_fork 1
#define SYS_exit 2
#define SYS_wait 3
#define SYS_pipe 4
#define SYS_read 5
#define SYS_kill 6
#define SYS_exec 7
#define SYS_fstat 8
#define SYS_chdir 9
#define SYS_dup 10
#define SYS_getpid 11
#define SYS_sbrk 12
#define SYS_sleep 13
#define SYS_uptime 14
#define SYS_open 15
#define SYS_write 16
#define SYS_mknod 17
#define SYS_unlink 18
#define SYS_link 19
#define SYS_mkdir 20
#define SYS_close 21

/* MIT lab extensions, with the labs' numbers. */
#define SYS_sysinfo 23 /* syscall lab: struct sysinfo */
#define SYS_mmap 27    /* mmap lab: void *mmap(addr, len, prot, flags, fd, off) */
#define SYS_munmap 28  /* mmap lab: int munmap(addr, len) */
#define SYS_pgaccess 30 /* page-table lab 2021: which pages were accessed, as a bit mask */
#define SYS_pgpte 33   /* page-table lab 2024: the leaf PTE that maps an address, or 0 */
#define SYS_kpgtbl 34  /* page-table lab: print the caller's page table */

/* Pagoda extensions, numbered above every lab's. */
#define SYS_halt 40      /* power the machine off (QEMU virt test device); arg: exit code */
#define SYS_copystats 41 /* copyin/copyinstr call counts: struct copystats */
#define SYS_allocfail 42 /* frame-allocator fault injection: kernel/allocfail.h */
/* Pagoda's exit and wait with a status, for its own programs on every architecture: on x86,
   numbers 2 and 3 keep xv6-x86's exit(void) and wait(void). */
#define SYS_exit_status 43 /* arg: status */
#define SYS_wait_status 44 /* arg: user address for the status, or 0 */
#define SYS_meminfo 45     /* RAM the kernel manages and how much is free: struct meminfo */

#endif
