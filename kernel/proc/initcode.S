# The first user program: exec("/init", {"/init", 0}), and exit if that fails. Copied to user
# address 0 by user_init(); position-independent (la is auipc-relative with -mcmodel=medany).
# xv6: initcode.S
#include "kernel/syscall.h"

        .section .rodata.initcode, "a"
        .balign 16
        .globl initcode_start
        .globl initcode_end
initcode_start:
        la a0, init_path
        la a1, argv
        li a7, SYS_exec
        ecall
        # No /init to run (a damaged disk, say): power off rather than let init exit (a panic).
        li a0, 1
        li a7, SYS_halt
        ecall
exit_loop:
        li a0, -1
        li a7, SYS_exit
        ecall
        j exit_loop
init_path:
        .string "/init"
        .balign 8
argv:
        .dword init_path - initcode_start   # user address: initcode is loaded at 0
        .dword 0
initcode_end:
