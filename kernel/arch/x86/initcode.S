# The first process (xv6-x86 initcode.S): exec("/init", {"/init", 0}) through int $64 with the
# arguments on the stack, above a fake return address; exit if that fails. Copied to user address
# 0 by user_init, so every address here is an offset from initcode_start.
        .set SYS_exec, 7
        .set SYS_exit, 2
        .set T_SYSCALL, 64

        .section .rodata
        .globl initcode_start, initcode_end
initcode_start:
        pushl $(argv - initcode_start)
        pushl $(init - initcode_start)
        pushl $0                        # where the caller's return address would be
        movl $SYS_exec, %eax
        int $T_SYSCALL
1:      movl $SYS_exit, %eax
        int $T_SYSCALL
        jmp 1b
init:
        .string "/init"
        .p2align 2
argv:
        .long init - initcode_start
        .long 0
initcode_end:

        .section .note.GNU-stack, "", @progbits
