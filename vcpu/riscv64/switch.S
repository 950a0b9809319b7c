/* SPDX-License-Identifier: MIT */
/*
 * RISC-V world switch: entering a guest (riscv_vcpu_enter) and the one trap vector
 * (keel_trap_vector) that every trap reaches, from a guest or from keel itself.
 *
 * sscratch holds the running vCPU's struct riscv_ctx while a guest runs and 0 while keel
 * runs, so the vector tells the two apart with one csrrw (the seeds' sscratch swap).
 *
 * A guest trap first saves only the registers C may clobber (ra, sp, t0-t6, a0-a7) and calls
 * riscv_vcpu_trap() on keel's stack. Most exits (SBI calls, MMIO into those registers, timer
 * interrupts) end there and the guest is resumed with ~20 loads: the fast path. Otherwise the
 * vector saves gp, tp, s0-s11 too (C preserved them, so they still hold guest values) and calls
 * riscv_vcpu_trap_full(); if that asks for the run loop, riscv_vcpu_enter() "returns".
 */
#include "asm-offsets.h"

    .option arch, +h
    .text

/*
 * void riscv_vcpu_enter(struct riscv_ctx *ctx)
 * a0: ctx. Saves keel's callee-saved registers in ctx, loads the guest's sepc, sstatus,
 * hstatus and x1-x31, and srets into the guest. Returns (through .Lto_run_loop) when a trap
 * needs the run loop; all guest state is then in ctx.
 */
    .globl riscv_vcpu_enter
riscv_vcpu_enter:
    /* keel's callee-saved registers and stack */
    sd ra, CTX_HOST_RA(a0)
    sd sp, CTX_HOST_SP(a0)
    sd gp, CTX_HOST_GP(a0)
    sd tp, CTX_HOST_TP(a0)
    sd s0, CTX_HOST_S0 + 0 * 8(a0)
    sd s1, CTX_HOST_S0 + 1 * 8(a0)
    sd s2, CTX_HOST_S0 + 2 * 8(a0)
    sd s3, CTX_HOST_S0 + 3 * 8(a0)
    sd s4, CTX_HOST_S0 + 4 * 8(a0)
    sd s5, CTX_HOST_S0 + 5 * 8(a0)
    sd s6, CTX_HOST_S0 + 6 * 8(a0)
    sd s7, CTX_HOST_S0 + 7 * 8(a0)
    sd s8, CTX_HOST_S0 + 8 * 8(a0)
    sd s9, CTX_HOST_S0 + 9 * 8(a0)
    sd s10, CTX_HOST_S0 + 10 * 8(a0)
    sd s11, CTX_HOST_S0 + 11 * 8(a0)
    /* guest trap-return state: pc, privilege (sstatus.SPP, hstatus.SPV/SPVP) */
    ld t0, CTX_SEPC(a0)
    csrw sepc, t0
    ld t0, CTX_SSTATUS(a0)
    csrw sstatus, t0
    ld t0, CTX_HSTATUS(a0)
    csrw hstatus, t0
    csrw sscratch, a0
    /* guest registers that only the full path saves */
    ld gp, CTX_GP(a0)
    ld tp, CTX_TP(a0)
    ld s0, CTX_S0(a0)
    ld s1, CTX_S1(a0)
    ld s2, CTX_S2(a0)
    ld s3, CTX_S3(a0)
    ld s4, CTX_S4(a0)
    ld s5, CTX_S5(a0)
    ld s6, CTX_S6(a0)
    ld s7, CTX_S7(a0)
    ld s8, CTX_S8(a0)
    ld s9, CTX_S9(a0)
    ld s10, CTX_S10(a0)
    ld s11, CTX_S11(a0)
    mv t0, a0
    j .Lrestore_fast_set

/*
 * The trap vector (stvec, direct mode). Register contract on entry: every register holds the
 * interrupted context's value; sscratch = ctx (guest trap) or 0 (keel's own trap).
 */
    .balign 4
    .globl keel_trap_vector
keel_trap_vector:
    csrrw a0, sscratch, a0
    beqz a0, .Lkeel_trap
    /* guest trap: save the caller-saved set and sp; a0 comes back from sscratch */
    sd ra, CTX_RA(a0)
    sd sp, CTX_SP(a0)
    sd t0, CTX_T0(a0)
    sd t1, CTX_T1(a0)
    sd t2, CTX_T2(a0)
    sd a1, CTX_A1(a0)
    sd a2, CTX_A2(a0)
    sd a3, CTX_A3(a0)
    sd a4, CTX_A4(a0)
    sd a5, CTX_A5(a0)
    sd a6, CTX_A6(a0)
    sd a7, CTX_A7(a0)
    sd t3, CTX_T3(a0)
    sd t4, CTX_T4(a0)
    sd t5, CTX_T5(a0)
    sd t6, CTX_T6(a0)
    csrrw t0, sscratch, zero    /* guest a0; sscratch = 0: keel runs now */
    sd t0, CTX_A0(a0)
    csrr t0, sepc
    sd t0, CTX_SEPC(a0)
    /* C runs on keel's stack, below the run loop's frames */
    ld sp, CTX_HOST_SP(a0)
    call riscv_vcpu_trap        /* a0: 0 resume, 1 needs the full frame, 2 run loop; a1: ctx */
    mv t0, a1
    bnez a0, .Lneed_more

/* Resume the guest: sepc from ctx, then the caller-saved set; t0 = ctx. */
.Lresume_fast:
    ld t1, CTX_SEPC(t0)
    csrw sepc, t1
    csrw sscratch, t0
.Lrestore_fast_set:
    ld ra, CTX_RA(t0)
    ld sp, CTX_SP(t0)
    ld t1, CTX_T1(t0)
    ld t2, CTX_T2(t0)
    ld a0, CTX_A0(t0)
    ld a1, CTX_A1(t0)
    ld a2, CTX_A2(t0)
    ld a3, CTX_A3(t0)
    ld a4, CTX_A4(t0)
    ld a5, CTX_A5(t0)
    ld a6, CTX_A6(t0)
    ld a7, CTX_A7(t0)
    ld t3, CTX_T3(t0)
    ld t4, CTX_T4(t0)
    ld t5, CTX_T5(t0)
    ld t6, CTX_T6(t0)
    ld t0, CTX_T0(t0)
    sret

.Lneed_more:
    /* complete the frame: gp, tp, s0-s11 still hold the guest's values */
    sd gp, CTX_GP(t0)
    sd tp, CTX_TP(t0)
    sd s0, CTX_S0(t0)
    sd s1, CTX_S1(t0)
    sd s2, CTX_S2(t0)
    sd s3, CTX_S3(t0)
    sd s4, CTX_S4(t0)
    sd s5, CTX_S5(t0)
    sd s6, CTX_S6(t0)
    sd s7, CTX_S7(t0)
    sd s8, CTX_S8(t0)
    sd s9, CTX_S9(t0)
    sd s10, CTX_S10(t0)
    sd s11, CTX_S11(t0)
    li t1, 1
    bne a0, t1, .Lto_run_loop
    mv a0, t0
    call riscv_vcpu_trap_full   /* a0: 0 resume, 2 run loop; a1: ctx */
    mv t0, a1
    bnez a0, .Lto_run_loop
    /* resume with the full frame: the handler may have written any register */
    ld gp, CTX_GP(t0)
    ld tp, CTX_TP(t0)
    ld s0, CTX_S0(t0)
    ld s1, CTX_S1(t0)
    ld s2, CTX_S2(t0)
    ld s3, CTX_S3(t0)
    ld s4, CTX_S4(t0)
    ld s5, CTX_S5(t0)
    ld s6, CTX_S6(t0)
    ld s7, CTX_S7(t0)
    ld s8, CTX_S8(t0)
    ld s9, CTX_S9(t0)
    ld s10, CTX_S10(t0)
    ld s11, CTX_S11(t0)
    j .Lresume_fast

.Lto_run_loop:
    /* guest trap-return CSRs into ctx, keel's callee-saved state back: riscv_vcpu_enter returns */
    csrr t1, sstatus
    sd t1, CTX_SSTATUS(t0)
    csrr t1, hstatus
    sd t1, CTX_HSTATUS(t0)
    ld ra, CTX_HOST_RA(t0)
    ld sp, CTX_HOST_SP(t0)
    ld gp, CTX_HOST_GP(t0)
    ld tp, CTX_HOST_TP(t0)
    ld s0, CTX_HOST_S0 + 0 * 8(t0)
    ld s1, CTX_HOST_S0 + 1 * 8(t0)
    ld s2, CTX_HOST_S0 + 2 * 8(t0)
    ld s3, CTX_HOST_S0 + 3 * 8(t0)
    ld s4, CTX_HOST_S0 + 4 * 8(t0)
    ld s5, CTX_HOST_S0 + 5 * 8(t0)
    ld s6, CTX_HOST_S0 + 6 * 8(t0)
    ld s7, CTX_HOST_S0 + 7 * 8(t0)
    ld s8, CTX_HOST_S0 + 8 * 8(t0)
    ld s9, CTX_HOST_S0 + 9 * 8(t0)
    ld s10, CTX_HOST_S0 + 10 * 8(t0)
    ld s11, CTX_HOST_S0 + 11 * 8(t0)
    ret

/*
 * A trap taken in keel itself (sscratch was 0): a keel bug, except for a faulting guest
 * instruction fetch (riscv_guest_fetch_insn, recognised by sepc). Save every register in a
 * struct riscv_trap_frame on the current stack and hand it to riscv_keel_trap(), which
 * prints the cause, the hart and the registers and stops the machine.
 */
.Lkeel_trap:
    csrrw a0, sscratch, a0      /* a0 back; sscratch = 0 again */
    addi sp, sp, -(36 * 8)
    sd x1, 1 * 8(sp)
    sd x3, 3 * 8(sp)
    sd x4, 4 * 8(sp)
    sd x5, 5 * 8(sp)
    sd x6, 6 * 8(sp)
    sd x7, 7 * 8(sp)
    sd x8, 8 * 8(sp)
    sd x9, 9 * 8(sp)
    sd x10, 10 * 8(sp)
    sd x11, 11 * 8(sp)
    sd x12, 12 * 8(sp)
    sd x13, 13 * 8(sp)
    sd x14, 14 * 8(sp)
    sd x15, 15 * 8(sp)
    sd x16, 16 * 8(sp)
    sd x17, 17 * 8(sp)
    sd x18, 18 * 8(sp)
    sd x19, 19 * 8(sp)
    sd x20, 20 * 8(sp)
    sd x21, 21 * 8(sp)
    sd x22, 22 * 8(sp)
    sd x23, 23 * 8(sp)
    sd x24, 24 * 8(sp)
    sd x25, 25 * 8(sp)
    sd x26, 26 * 8(sp)
    sd x27, 27 * 8(sp)
    sd x28, 28 * 8(sp)
    sd x29, 29 * 8(sp)
    sd x30, 30 * 8(sp)
    sd x31, 31 * 8(sp)
    addi t0, sp, 36 * 8
    sd t0, 2 * 8(sp)            /* sp at the trap */
    csrr t0, sepc
    sd t0, 32 * 8(sp)
    csrr t0, scause
    sd t0, 33 * 8(sp)
    csrr t0, stval
    sd t0, 34 * 8(sp)
    csrr t0, htval
    sd t0, 35 * 8(sp)
    /* a guest instruction fetch in riscv_guest_fetch_insn faulted: not a keel bug, its
       caller gets the scause (only t0, t1 and the frame are used before this test) */
    csrr t0, sepc
    lla t1, .Lfetch_hlvx_word
    beq t0, t1, .Lfetch_fixup
    lla t1, .Lfetch_hlvx_first
    beq t0, t1, .Lfetch_fixup
    lla t1, .Lfetch_hlvx_second
    beq t0, t1, .Lfetch_fixup
    mv a0, sp
    call riscv_keel_trap
1:  wfi
    j 1b
.Lfetch_fixup:
    addi sp, sp, 36 * 8
    j .Lfetch_fault

/*
 * uint64_t riscv_guest_fetch_insn(uint64_t gva)
 * a0: guest virtual address of the instruction (2-byte aligned). Returns in a0 the
 * instruction bits (bits 63:32 zero), or RISCV_FETCH_FAULT (bit 63) | the scause of the fault
 * the fetch took (the caller injects a fault into the guest).
 * The fetch goes through the guest's own translation as the trapped guest saw it
 * (hstatus.SPVP) with HLVX, which needs execute permission, not read. Unless gva is the last
 * parcel of a page, one HLVX.WU reads 4 bytes that cannot cross into the next page; when the
 * instruction is compressed, bits 31:16 hold the next parcel (the decoder ignores them).
 * When gva is only 2-byte aligned that read is misaligned: QEMU performs it, a hart may
 * trap instead, and then the fetch starts over parcel by parcel. At a page's last parcel, and
 * on that retry, HLVX.HU reads the first parcel and the second only when the instruction is
 * 32 bits long, so nothing past a compressed instruction is read.
 * A fault does not go through a temporary stvec: it reaches .Lkeel_trap like any trap in
 * keel, which recognises the three HLVX addresses below by sepc and resumes at .Lfetch_fault
 * with sp, ra and a0 (gva) intact. That trap, taken from HS-mode, set hstatus.SPV = 0 and
 * sstatus.SPP = 1 (S) and left hstatus.SPVP alone (priv. spec 8.2.2, 8.6.4); .Lfetch_fault
 * puts back what the guest's trap had set: SPV = 1 (it came from V=1) and SPP = SPVP (the
 * guest's privilege). SPIE and SIE were 0 before and after (keel runs with sstatus.SIE = 0);
 * GVA is 1 after both traps; sepc is reloaded from ctx by the vector. So the hot path saves
 * no CSR. Clobbers t0, t1.
 */
    .globl riscv_guest_fetch_insn
riscv_guest_fetch_insn:
    addi t0, a0, 2
    slli t0, t0, 52
    beqz t0, .Lfetch_parcels    /* gva is a page's last parcel: never read past it */
.Lfetch_hlvx_word:
    hlvx.wu a0, (a0)
    ret
.Lfetch_parcels:
    mv t0, a0
.Lfetch_hlvx_first:
    hlvx.hu a0, (t0)
    andi t1, a0, 3
    addi t1, t1, -3
    bnez t1, 1f                 /* compressed: one parcel */
    addi t0, t0, 2
.Lfetch_hlvx_second:
    hlvx.hu t1, (t0)
    slli t1, t1, 16
    or a0, a0, t1
1:  ret
.Lfetch_fault:                  /* t0 = the faulting HLVX's address */
    li t1, 0x80                 /* hstatus.SPV */
    csrs hstatus, t1
    csrr t1, hstatus
    andi t1, t1, 0x100          /* hstatus.SPVP: bit 8, as sstatus.SPP */
    csrs sstatus, t1
    xori t1, t1, 0x100
    csrc sstatus, t1            /* sstatus.SPP = SPVP */
    lla t1, .Lfetch_hlvx_word
    beq t0, t1, .Lfetch_parcels /* the one-word read faulted: the parcels decide */
    csrr a0, scause
    li t0, 1
    slli t0, t0, 63             /* RISCV_FETCH_FAULT */
    or a0, a0, t0
    ret
