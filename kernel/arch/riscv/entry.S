# QEMU -bios none jumps here on every hart, in machine mode, with paging off.
# Give each hart its own boot stack and call start(). xv6: entry.S
#define PAGODA_BOOT_STACK 16384
        .section .text.entry
        .global _entry
_entry:
        # sp = boot_stacks + (hartid + 1) * PAGODA_BOOT_STACK. Keep a0 (hart id) and a1 (the
        # device tree's address, from QEMU's reset code) for start().
        la sp, boot_stacks
        li t0, PAGODA_BOOT_STACK
        csrr t1, mhartid
        addi t1, t1, 1
        mul t0, t0, t1
        add sp, sp, t0
        call start
spin:
        j spin

        .section .bss
        .balign 16
        .global boot_stacks
boot_stacks:
        .space PAGODA_BOOT_STACK * 8     # NCPU
