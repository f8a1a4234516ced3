# swtch(Context* old, Context* next): save the callee-saved registers, the return address and the
# stack pointer in old, load them from next and continue at next->ra. Offsets: struct Context in
# trapframe.h. (xv6-x86 swtch.S switches stack pointers instead; this keeps RISC-V's interface.)
        .section .text
        .globl swtch
swtch:
        movl 4(%esp), %eax      # old
        movl 8(%esp), %edx      # next
        movl (%esp), %ecx
        movl %ecx, 0(%eax)      # ra
        leal 4(%esp), %ecx
        movl %ecx, 4(%eax)      # sp as the caller sees it after the return
        movl %ebx, 8(%eax)
        movl %esi, 12(%eax)
        movl %edi, 16(%eax)
        movl %ebp, 20(%eax)

        movl 8(%edx), %ebx
        movl 12(%edx), %esi
        movl 16(%edx), %edi
        movl 20(%edx), %ebp
        movl 4(%edx), %esp
        jmp *0(%edx)

        .section .note.GNU-stack, "", @progbits
