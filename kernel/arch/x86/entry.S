# Boot on x86: QEMU's multiboot loader (Multiboot Specification 0.6.96) loads the kernel ELF at its
# physical load addresses (0x100000) and jumps to _start in 32-bit protected mode with paging off,
# %eax = 0x2badb002 and %ebx = the physical address of the multiboot information. entry turns on
# paging with boot_pgdir (4 MiB pages: the first 4 MiB at 0 and at KERNBASE, SDM vol. 3, 4.3),
# moves to the kernel's high addresses and calls x86_boot_main(magic, info). xv6-x86: entry.S

        .set KERNBASE, 0x80000000
        .set MB_MAGIC, 0x1badb002
        .set MB_FLAGS, 0x00000002           # bit 1: we want mem_lower/mem_upper (spec 3.1.2)
        .set CR0_PG_WP, 0x80010000
        .set CR4_PSE, 0x00000010
        .set PDE_P_W_PS, 0x083              # present, writable, 4 MiB page
        .set BOOT_STACK, 16384

        # The header must lie in the first 8 KiB of the file, 4-byte aligned (spec 3.1.1).
        .section .multiboot, "a"
        .p2align 2
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .section .text.entry, "ax"
        .globl _start
        _start = entry - KERNBASE           # the ELF entry point is physical: paging is off
        .globl entry
entry:
        movl %cr4, %ecx
        orl $CR4_PSE, %ecx
        movl %ecx, %cr4
        movl $(boot_pgdir - KERNBASE), %ecx
        movl %ecx, %cr3
        movl %cr0, %ecx
        orl $CR0_PG_WP, %ecx
        movl %ecx, %cr0
        # Paging is on; we still run at the low alias. Take the high stack and jump high.
        movl $(boot_stack + BOOT_STACK), %esp
        subl $8, %esp                       # 16-byte aligned at the call
        pushl %ebx
        pushl %eax
        movl $x86_boot_main, %ecx
        call *%ecx
1:      hlt
        jmp 1b

# The start code of the other CPUs (Intel MP Spec B.4: INIT, then STARTUP with vector 0x07), copied
# to physical 0x7000 by the boot CPU, which leaves at 0x7000-4 the stack top, at 0x7000-8 the C
# entry (x86_ap_main) and at 0x7000-12 the physical address of the boot page directory. It starts
# in real mode at 0x0700:0000, so every address here is computed for that load address.
        .set AP_BASE, 0x7000
        .section .text
        .globl ap_start, ap_end
        .code16
ap_start:
        cli
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        lgdtl (ap_gdt_ptr - ap_start + AP_BASE)
        movl %cr0, %eax
        orl $1, %eax                         # CR0.PE
        movl %eax, %cr0
        ljmpl $0x08, $(ap_start32 - ap_start + AP_BASE)
        .code32
ap_start32:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        xorw %ax, %ax
        movw %ax, %fs
        movw %ax, %gs
        movl %cr4, %eax
        orl $CR4_PSE, %eax
        movl %eax, %cr4
        movl (AP_BASE - 12), %eax
        movl %eax, %cr3
        movl %cr0, %eax
        orl $CR0_PG_WP, %eax
        movl %eax, %cr0
        movl (AP_BASE - 4), %esp
        call *(AP_BASE - 8)
1:      hlt
        jmp 1b
        .p2align 3
ap_gdt:
        .quad 0                              # null
        .quad 0x00cf9a000000ffff             # code: base 0, limit 4 GiB, exec/read, 32-bit
        .quad 0x00cf92000000ffff             # data: base 0, limit 4 GiB, read/write, 32-bit
ap_gdt_ptr:
        .word (ap_gdt_ptr - ap_gdt - 1)
        .long (ap_gdt - ap_start + AP_BASE)
ap_end:

# The portable user layout maps a `trampoline` page at the top of every address space (RISC-V's
# trap entry); x86 enters the kernel through the IDT, so its page is only halts, never user-visible.
        .section .text
        .p2align 12
        .globl trampoline
trampoline:
        .fill 4096, 1, 0xf4

        .section .data
        .p2align 12
        .globl boot_pgdir
boot_pgdir:
        .long PDE_P_W_PS                     # [0]: VA 0..4 MiB -> PA 0..4 MiB (until we run high)
        .fill 511, 4, 0
        .long PDE_P_W_PS                     # [512] (KERNBASE >> 22): KERNBASE.. -> PA 0..4 MiB
        .fill 511, 4, 0

        .section .bss
        .p2align 4
boot_stack:
        .space BOOT_STACK

        .section .note.GNU-stack, "", @progbits
