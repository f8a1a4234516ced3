# Traps taken in supervisor mode: save the caller-saved registers on the current kernel stack,
# call kerneltrap(), restore, sret. xv6: kernelvec.S
        .section .text
        .globl kerneltrap
        .globl kernelvec
        .balign 4
kernelvec:
        addi sp, sp, -256
        sd ra, 0(sp)
        # sp is implied; gp and tp do not change in the kernel (tp is the hart id)
        sd t0, 24(sp)
        sd t1, 32(sp)
        sd t2, 40(sp)
        sd a0, 72(sp)
        sd a1, 80(sp)
        sd a2, 88(sp)
        sd a3, 96(sp)
        sd a4, 104(sp)
        sd a5, 112(sp)
        sd a6, 120(sp)
        sd a7, 128(sp)
        sd t3, 216(sp)
        sd t4, 224(sp)
        sd t5, 232(sp)
        sd t6, 240(sp)

        call kerneltrap

        ld ra, 0(sp)
        ld t0, 24(sp)
        ld t1, 32(sp)
        ld t2, 40(sp)
        ld a0, 72(sp)
        ld a1, 80(sp)
        ld a2, 88(sp)
        ld a3, 96(sp)
        ld a4, 104(sp)
        ld a5, 112(sp)
        ld a6, 120(sp)
        ld a7, 128(sp)
        ld t3, 216(sp)
        ld t4, 224(sp)
        ld t5, 232(sp)
        ld t6, 240(sp)
        addi sp, sp, 256
        sret
