# QEMU -bios none jumps here on every hart, in machine mode, with paging off, at the image's
# physical address (the kernel is linked in the upper half: kernel.ld). Give each hart its own
# boot stack and call start(), which builds nothing but sets up supervisor mode with paging on
# the boot table; then move sp to the stack's upper-half address and mret to kernel_main.
# Everything here is PC-relative, so it runs at the physical address. xv6: entry.S
#define PAGODA_BOOT_STACK 16384
        .section .text.entry
        .global _entry
_entry:
        # Harts beyond NCPU (param.h) have no stack or Cpu: park them.
        csrr t1, mhartid
        li t2, 8
        bgeu t1, t2, park
        # sp = boot_stacks + (hartid + 1) * PAGODA_BOOT_STACK, physical (la is PC-relative). Keep
        # a0 (hart id) and a1 (the device tree's address, from QEMU's reset code) for start().
        la sp, boot_stacks
        li t0, PAGODA_BOOT_STACK
        csrr t1, mhartid
        addi t1, t1, 1
        mul t0, t0, t1
        add sp, sp, t0
        call start
        # start() set mepc (kernel_main's link-time address), mstatus.MPP and satp. The stack
        # continues at its upper-half address (memlayout.h: kDirectMapOffset).
        li t0, 0xffffffc000000000
        add sp, sp, t0
        mret
park:
        wfi
        j park

        .section .bss
        .balign 16
        .global boot_stacks
boot_stacks:
        .space PAGODA_BOOT_STACK * 8     # NCPU
