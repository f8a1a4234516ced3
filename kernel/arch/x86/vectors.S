# The 256 interrupt vectors: each pushes an error code of 0 where the CPU pushes none (SDM vol. 3,
# table 6-1: 8, 10-14 and 17 push one), then its number, and joins alltraps. `vectors` is the
# table of their addresses for the IDT. xv6-x86: vectors.pl's output, made by macros here.
        .altmacro

        .macro vector n
        .globl vector\n
vector\n:
        .if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17)
        .else
        pushl $0
        .endif
        pushl $\n
        jmp alltraps
        .endm

        .macro vector_address n
        .long vector\n
        .endm

        .section .text
        .set i, 0
        .rept 256
        vector %i
        .set i, i + 1
        .endr

        .section .rodata
        .p2align 2
        .globl vectors
vectors:
        .set i, 0
        .rept 256
        vector_address %i
        .set i, i + 1
        .endr

# Builds the rest of the TrapFrame (trapframe.h) on the current stack and calls x86_trap(tf).
# trapret pops it again; usertrapret starts a process there with a frame it copied.
        .section .text
        .globl alltraps, trapret
alltraps:
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        pushal
        movw $0x10, %ax                 # kSelKernelData
        movw %ax, %ds
        movw %ax, %es
        pushl %esp
        call x86_trap
        addl $4, %esp
trapret:
        popal
        popl %gs
        popl %fs
        popl %es
        popl %ds
        addl $8, %esp                   # trapno and err
        iret

# x86_enter_user(const TrapFrame* frame, uint32_t kernel_sp, uint32_t cr3): load the process's
# directory, put a copy of *frame at the top of its kernel stack (where the CPU builds the next
# trap's frame, TSS.esp0 = kernel_sp) and leave through trapret. The copy is made with the stack
# already moved below it, so it never overwrites the C frames that called us.
        .globl x86_enter_user
x86_enter_user:
        movl 4(%esp), %esi
        movl 8(%esp), %edi
        movl 12(%esp), %eax
        subl $76, %edi                  # sizeof(TrapFrame)
        movl %eax, %cr3
        movl %edi, %esp
        movl $19, %ecx                  # 76 / 4
        cld
        rep movsl
        jmp trapret

        .section .note.GNU-stack, "", @progbits
