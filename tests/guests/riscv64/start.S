/* SPDX-License-Identifier: MIT */
/*
 * sbi-test guest: RISC-V Linux Image header, entry, self-relocation, trap vector,
 * the secondary-hart entry used by the HSM checks and the register-preservation probe.
 *
 * The image is linked at address 0 as a static PIE and runs wherever it is loaded: all
 * code is pc-relative (-mcmodel=medany, lla) and the entry applies the R_RISCV_RELATIVE
 * relocations of .rela.dyn (if any) before anything else touches data.
 *
 * Entered in S-mode (VS-mode under keel), satp = 0, interrupts off, a0 = hartid,
 * a1 = physical address of the device tree.
 */

#define R_RISCV_RELATIVE 3
#define FRAME_SIZE (36 * 8)
#define SBI_EXT_HSM 0x48534d
#define SBI_HSM_HART_STOP 1
#define CLOBBER_PATTERN 0x5a17c3e900000000

    .section .text.head, "ax"
    .globl _start
_start:
    /* code0: jump over the 64-byte header; kept a 4-byte instruction. */
    .option push
    .option norvc
    j       entry
    .option pop
    .4byte  0                       /* code1 */
    .8byte  0                       /* text_offset: 0, position independent (see README) */
    .8byte  __image_end - _start    /* image_size, including .bss and the stacks */
    .8byte  0                       /* flags: little-endian */
    .4byte  0x2                     /* version 0.2 */
    .4byte  0                       /* res1 */
    .8byte  0                       /* res2 */
    .ascii  "RISCV\0\0\0"           /* magic (deprecated) */
    .ascii  "RSC\x05"               /* magic2 */
    .4byte  0                       /* res3: no PE header */

entry:
    /* Anything that traps before the real vector is installed parks the hart. */
    lla     t0, park
    csrw    stvec, t0
    csrr    s3, sstatus             /* as the loader left it, checked by guest_main */
    csrci   sstatus, 2              /* SIE off */
    csrw    sie, zero

    /* Only the first hart to arrive runs the tests; any other parks. */
    lla     t0, boot_lottery
    li      t1, 1
    amoswap.w t1, t1, (t0)
    bnez    t1, park

    mv      s0, a0                  /* hartid */
    mv      s1, a1                  /* device tree */

    /* Self-relocation: *(base + r_offset) = base + r_addend for R_RISCV_RELATIVE. */
    lla     t0, __rela_start
    lla     t1, __rela_end
    lla     t2, __image_start
    li      s2, 0                   /* relocations of any other type (reported) */
1:  bgeu    t0, t1, 3f
    ld      t3, 8(t0)               /* r_info */
    li      t4, R_RISCV_RELATIVE
    beq     t3, t4, 2f
    addi    s2, s2, 1
    j       4f
2:  ld      t3, 0(t0)               /* r_offset */
    ld      t4, 16(t0)              /* r_addend */
    add     t3, t3, t2
    add     t4, t4, t2
    sd      t4, 0(t3)
4:  addi    t0, t0, 24
    j       1b
3:
    /* Clear .bss (the stacks live there). */
    lla     t0, __bss_start
    lla     t1, __bss_end
5:  bgeu    t0, t1, 6f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       5b
6:
    lla     sp, boot_stack_top
    lla     t0, trap_vector
    csrw    stvec, t0
    mv      a0, s0
    mv      a1, s1
    mv      a2, s2
    mv      a3, s3
    call    guest_main
    .balign 4
park:
    wfi
    j       park

/* Trap vector (direct mode): save every register, call trap_handler(frame), restore. */
    .text
    .balign 4
    .globl trap_vector
trap_vector:
    addi    sp, sp, -FRAME_SIZE
    sd      x1, 1*8(sp)
    sd      x3, 3*8(sp)
    sd      x4, 4*8(sp)
    sd      x5, 5*8(sp)
    sd      x6, 6*8(sp)
    sd      x7, 7*8(sp)
    sd      x8, 8*8(sp)
    sd      x9, 9*8(sp)
    sd      x10, 10*8(sp)
    sd      x11, 11*8(sp)
    sd      x12, 12*8(sp)
    sd      x13, 13*8(sp)
    sd      x14, 14*8(sp)
    sd      x15, 15*8(sp)
    sd      x16, 16*8(sp)
    sd      x17, 17*8(sp)
    sd      x18, 18*8(sp)
    sd      x19, 19*8(sp)
    sd      x20, 20*8(sp)
    sd      x21, 21*8(sp)
    sd      x22, 22*8(sp)
    sd      x23, 23*8(sp)
    sd      x24, 24*8(sp)
    sd      x25, 25*8(sp)
    sd      x26, 26*8(sp)
    sd      x27, 27*8(sp)
    sd      x28, 28*8(sp)
    sd      x29, 29*8(sp)
    sd      x30, 30*8(sp)
    sd      x31, 31*8(sp)
    addi    t0, sp, FRAME_SIZE
    sd      t0, 2*8(sp)
    csrr    t0, sepc
    sd      t0, 32*8(sp)
    csrr    t0, sstatus
    sd      t0, 33*8(sp)
    csrr    t0, scause
    sd      t0, 34*8(sp)
    csrr    t0, stval
    sd      t0, 35*8(sp)
    mv      a0, sp
    call    trap_handler
    ld      t0, 32*8(sp)
    csrw    sepc, t0
    ld      t0, 33*8(sp)
    csrw    sstatus, t0
    ld      x1, 1*8(sp)
    ld      x3, 3*8(sp)
    ld      x4, 4*8(sp)
    ld      x5, 5*8(sp)
    ld      x6, 6*8(sp)
    ld      x7, 7*8(sp)
    ld      x8, 8*8(sp)
    ld      x9, 9*8(sp)
    ld      x10, 10*8(sp)
    ld      x11, 11*8(sp)
    ld      x12, 12*8(sp)
    ld      x13, 13*8(sp)
    ld      x14, 14*8(sp)
    ld      x15, 15*8(sp)
    ld      x16, 16*8(sp)
    ld      x17, 17*8(sp)
    ld      x18, 18*8(sp)
    ld      x19, 19*8(sp)
    ld      x20, 20*8(sp)
    ld      x21, 21*8(sp)
    ld      x22, 22*8(sp)
    ld      x23, 23*8(sp)
    ld      x24, 24*8(sp)
    ld      x25, 25*8(sp)
    ld      x26, 26*8(sp)
    ld      x27, 27*8(sp)
    ld      x28, 28*8(sp)
    ld      x29, 29*8(sp)
    ld      x30, 30*8(sp)
    ld      x31, 31*8(sp)
    addi    sp, sp, FRAME_SIZE
    sret

/*
 * Entry of a hart started with HSM hart_start: record a0/a1/satp/sstatus in g_secondary
 * (layout: struct secondary_report in guest.h), then stop through HSM hart_stop. No stack.
 */
    .balign 4
    .globl secondary_entry
secondary_entry:
    lla     t0, secondary_trap
    csrw    stvec, t0
    lla     t0, g_secondary
    sd      a0, 8(t0)
    sd      a1, 16(t0)
    csrr    t1, satp
    sd      t1, 24(t0)
    csrr    t1, sstatus
    sd      t1, 32(t0)
    fence   rw, rw
    li      t1, 1
    sd      t1, 0(t0)
    li      a7, SBI_EXT_HSM
    li      a6, SBI_HSM_HART_STOP
    li      a0, 0
    li      a1, 0
    ecall
    /* hart_stop returned: that is an error the primary reports. */
    lla     t0, g_secondary
    sd      a0, 40(t0)
    fence   rw, rw
    li      t1, 2
    sd      t1, 0(t0)
7:  wfi
    j       7b

    .balign 4
secondary_trap:
    lla     t0, g_secondary
    csrr    t1, scause
    sd      t1, 48(t0)
    fence   rw, rw
    li      t1, 3
    sd      t1, 0(t0)
8:  wfi
    j       8b

/*
 * uint64_t sbi_clobber_check(uint64_t eid, uint64_t fid, uint64_t arg0, uint64_t arg1)
 *
 * Loads every register other than zero, sp, a0, a1, a6 (fid) and a7 (eid) with
 * CLOBBER_PATTERN + n, makes the call and returns a mask with bit n set for each xn that
 * changed (sp, a6 and a7 are compared with their values before the call). SBI v2.0
 * chapter 3: all registers except a0 and a1 must be preserved by the callee.
 */
    .globl sbi_clobber_check
sbi_clobber_check:
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      s0, 8(sp)
    sd      s1, 16(sp)
    sd      s2, 24(sp)
    sd      s3, 32(sp)
    sd      s4, 40(sp)
    sd      s5, 48(sp)
    sd      s6, 56(sp)
    sd      s7, 64(sp)
    sd      s8, 72(sp)
    sd      s9, 80(sp)
    sd      s10, 88(sp)
    sd      s11, 96(sp)
    sd      gp, 104(sp)
    sd      tp, 112(sp)
    /* clobber_area: 0 sp, 8 fid, 16 eid, 24 t0 after the call, 32 pattern */
    lla     t0, clobber_area
    sd      sp, 0(t0)
    sd      a1, 8(t0)
    sd      a0, 16(t0)
    li      t1, CLOBBER_PATTERN
    sd      t1, 32(t0)
    mv      a7, a0
    mv      a6, a1
    mv      a0, a2
    mv      a1, a3
    li      t0, CLOBBER_PATTERN
    .irp    n, 1, 3, 4, 6, 7, 8, 9, 12, 13, 14, 15, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, \
            28, 29, 30, 31
    addi    x\n, t0, \n
    .endr
    addi    t0, t0, 5
    ecall
    /* a0 and a1 are free now: a0 = clobber_area, a1 = result mask, t0 = scratch. */
    lla     a0, clobber_area
    sd      t0, 24(a0)
    li      a1, 0
    .irp    n, 1, 3, 4, 6, 7, 8, 9, 12, 13, 14, 15, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, \
            28, 29, 30, 31
    ld      t0, 32(a0)
    addi    t0, t0, \n
    xor     t0, t0, x\n
    snez    t0, t0
    slli    t0, t0, \n
    or      a1, a1, t0
    .endr
    /* t0 (x5) */
    ld      t0, 24(a0)
    ld      t1, 32(a0)
    addi    t1, t1, 5
    xor     t0, t0, t1
    snez    t0, t0
    slli    t0, t0, 5
    or      a1, a1, t0
    /* a6 (x16) and a7 (x17) */
    ld      t0, 8(a0)
    xor     t0, t0, a6
    snez    t0, t0
    slli    t0, t0, 16
    or      a1, a1, t0
    ld      t0, 16(a0)
    xor     t0, t0, a7
    snez    t0, t0
    slli    t0, t0, 17
    or      a1, a1, t0
    /* sp (x2) */
    ld      t0, 0(a0)
    xor     t1, t0, sp
    snez    t1, t1
    slli    t1, t1, 2
    or      a1, a1, t1
    mv      sp, t0
    ld      ra, 0(sp)
    ld      s0, 8(sp)
    ld      s1, 16(sp)
    ld      s2, 24(sp)
    ld      s3, 32(sp)
    ld      s4, 40(sp)
    ld      s5, 48(sp)
    ld      s6, 56(sp)
    ld      s7, 64(sp)
    ld      s8, 72(sp)
    ld      s9, 80(sp)
    ld      s10, 88(sp)
    ld      s11, 96(sp)
    ld      gp, 104(sp)
    ld      tp, 112(sp)
    addi    sp, sp, 128
    mv      a0, a1
    ret

    .data
    .balign 8
boot_lottery:
    .8byte  0

    .bss
    .balign 16
clobber_area:
    .zero   48
    .balign 16
boot_stack:
    .zero   16384
boot_stack_top:
