# QEMU -bios none jumps here on every hart, in machine mode, with paging off.
# Give each hart its own boot stack and call start(). xv6: entry.S
#define PAGODA_BOOT_STACK 16384
        .section .text.entry
        .global _entry
_entry:
        # Harts beyond NCPU (param.h) have no stack or Cpu: park them.
        csrr t1, mhartid
        li t2, 8
        bgeu t1, t2, park
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
park:
        wfi
        j park

        .section .bss
        .balign 16
        .global boot_stacks
boot_stacks:
        .space PAGODA_BOOT_STACK * 8     # NCPU
