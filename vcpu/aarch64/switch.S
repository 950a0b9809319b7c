/* SPDX-License-Identifier: MIT */
/*
 * AArch64 world switch: entering a guest at EL1 (arm_vcpu_enter) and the EL2 vector table
 * (keel_vectors, VBAR_EL2) that every exception reaches.
 *
 * TPIDR_EL2 holds the running vCPU's struct arm_ctx. A guest exception saves only the registers
 * C may clobber (x0-x18, x30) and calls arm_vcpu_trap() (arm_vcpu_irq() from the lower-EL IRQ
 * vector) on keel's stack (SP_EL2 is the stack
 * arm_vcpu_enter() was called on, so C runs below the run loop's frames); most exits (PSCI
 * calls, MMIO into those registers, interrupts) end there and the guest resumes with ~12 loads
 * and an eret: the fast path, which the lower-EL synchronous and IRQ vectors hold in full
 * (no branch out of the vector). Otherwise x19-x29 are saved too (C preserved them) and
 * arm_vcpu_trap_full() runs; if that asks for the run loop, arm_vcpu_enter() "returns".
 * The guest's SP_EL0/SP_EL1 are banked registers: EL2 never needs to swap a stack pointer.
 */
#include "asm-offsets.h"

/* exit codes passed to arm_vcpu_trap() in x1 (enum arm_exit_code in arm_vcpu.h) */
#define EXIT_SYNC 0
#define EXIT_IRQ 1
#define EXIT_FIQ 2
#define EXIT_SERROR 3
#define EXIT_SYNC_AARCH32 4

/* Store (pair = stp, single = str) or load (ldp, ldr) the guest's x2-x18 and x30 at their
   slots in the ctx that `ctx` points to. Straight-line; touches no other register. */
.macro guest_x2_to_x18_x30 pair, single, ctx
    \pair x2, x3, [\ctx, #CTX_X0 + 16]
    \pair x4, x5, [\ctx, #CTX_X0 + 32]
    \pair x6, x7, [\ctx, #CTX_X0 + 48]
    \pair x8, x9, [\ctx, #CTX_X0 + 64]
    \pair x10, x11, [\ctx, #CTX_X0 + 80]
    \pair x12, x13, [\ctx, #CTX_X0 + 96]
    \pair x14, x15, [\ctx, #CTX_X0 + 112]
    \pair x16, x17, [\ctx, #CTX_X0 + 128]
    \single x18, [\ctx, #CTX_X0 + 144]
    \single x30, [\ctx, #CTX_X30]
.endm

/* Store the guest's caller-saved registers in ctx. In: x0 = ctx, the guest's x0/x1 pushed on
   keel's stack (popped here), x2-x18 and x30 still the guest's. Clobbers x2, x3. */
.macro save_guest_caller_saved
    guest_x2_to_x18_x30 stp, str, x0
    ldp x2, x3, [sp], #16           /* the guest's x0, x1 */
    stp x2, x3, [x0, #CTX_X0]
.endm

/* Load the guest's caller-saved registers from ctx. In: x1 = ctx. x0/x1 are loaded last. */
.macro load_guest_caller_saved
    guest_x2_to_x18_x30 ldp, ldr, x1
    ldp x0, x1, [x1, #CTX_X0]
.endm

    .text

/*
 * void arm_vcpu_enter(struct arm_ctx *ctx)
 * x0: ctx. Saves keel's x19-x30 and sp in ctx, loads the guest's ELR/SPSR and x0-x30, erets.
 * Returns (through .Lto_run_loop) when a trap needs the run loop; all guest state is in ctx.
 */
    .globl arm_vcpu_enter
arm_vcpu_enter:
    /* keel's callee-saved registers and stack */
    stp x19, x20, [x0, #CTX_HOST_X19 + 0]
    stp x21, x22, [x0, #CTX_HOST_X19 + 16]
    stp x23, x24, [x0, #CTX_HOST_X19 + 32]
    stp x25, x26, [x0, #CTX_HOST_X19 + 48]
    stp x27, x28, [x0, #CTX_HOST_X19 + 64]
    stp x29, x30, [x0, #CTX_HOST_X19 + 80]
    mov x2, sp
    str x2, [x0, #CTX_HOST_SP]
    msr tpidr_el2, x0
    /* guest return state: pc and PSTATE */
    ldr x2, [x0, #CTX_ELR]
    msr elr_el2, x2
    ldr x2, [x0, #CTX_SPSR]
    msr spsr_el2, x2
    /* guest registers that only the full path saves */
    ldp x19, x20, [x0, #CTX_X19 + 0]
    ldp x21, x22, [x0, #CTX_X19 + 16]
    ldp x23, x24, [x0, #CTX_X19 + 32]
    ldp x25, x26, [x0, #CTX_X19 + 48]
    ldp x27, x28, [x0, #CTX_X19 + 64]
    ldr x29, [x0, #CTX_X19 + 80]
    mov x1, x0
    b .Lresume_fast

/* A guest exception (the vectors without their own copy of this path): x0/x1 were pushed on
   keel's stack, x1 = exit code. */
.Lguest_exit:
    mrs x0, tpidr_el2
    save_guest_caller_saved         /* x1 (the code) is left alone */
    bl arm_vcpu_trap                /* x0: 0 resume, 1 needs the full frame, 2 run loop; x1: ctx */
    cbnz x0, .Lneed_more

/* Resume the guest: x1 = ctx; the caller-saved set, x0/x1 last. */
.Lresume_fast:
    load_guest_caller_saved
    eret

.Lneed_more:
    /* complete the frame: x19-x29 still hold the guest's values */
    stp x19, x20, [x1, #CTX_X19 + 0]
    stp x21, x22, [x1, #CTX_X19 + 16]
    stp x23, x24, [x1, #CTX_X19 + 32]
    stp x25, x26, [x1, #CTX_X19 + 48]
    stp x27, x28, [x1, #CTX_X19 + 64]
    str x29, [x1, #CTX_X19 + 80]
    cmp x0, #1
    b.ne .Lto_run_loop
    mov x0, x1
    bl arm_vcpu_trap_full           /* x0: 0 resume, 2 run loop; x1: ctx */
    cbnz x0, .Lto_run_loop
    /* resume with the full frame: the handler may have written any register */
    ldp x19, x20, [x1, #CTX_X19 + 0]
    ldp x21, x22, [x1, #CTX_X19 + 16]
    ldp x23, x24, [x1, #CTX_X19 + 32]
    ldp x25, x26, [x1, #CTX_X19 + 48]
    ldp x27, x28, [x1, #CTX_X19 + 64]
    ldr x29, [x1, #CTX_X19 + 80]
    b .Lresume_fast

.Lto_run_loop:
    /* guest return state into ctx, keel's callee-saved state back: arm_vcpu_enter returns */
    mrs x2, elr_el2
    str x2, [x1, #CTX_ELR]
    mrs x2, spsr_el2
    str x2, [x1, #CTX_SPSR]
    ldp x19, x20, [x1, #CTX_HOST_X19 + 0]
    ldp x21, x22, [x1, #CTX_HOST_X19 + 16]
    ldp x23, x24, [x1, #CTX_HOST_X19 + 32]
    ldp x25, x26, [x1, #CTX_HOST_X19 + 48]
    ldp x27, x28, [x1, #CTX_HOST_X19 + 64]
    ldp x29, x30, [x1, #CTX_HOST_X19 + 80]
    ldr x2, [x1, #CTX_HOST_SP]
    mov sp, x2
    ret

/*
 * An exception taken by keel itself (EL2): save x0-x30, ELR, SPSR, ESR, FAR on the current
 * stack as a struct arm_trap_frame and hand it to arm_keel_trap(), which prints them and stops.
 */
.Lkeel_exception:
    sub sp, sp, #(36 * 8)
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x19, [sp, #144]
    stp x20, x21, [sp, #160]
    stp x22, x23, [sp, #176]
    stp x24, x25, [sp, #192]
    stp x26, x27, [sp, #208]
    stp x28, x29, [sp, #224]
    ldp x2, x3, [sp, #(36 * 8)]     /* x0, x1 pushed by the vector */
    stp x2, x3, [sp, #0]
    str x30, [sp, #240]
    mrs x2, elr_el2
    mrs x3, spsr_el2
    stp x2, x3, [sp, #248]
    mrs x2, esr_el2
    mrs x3, far_el2
    stp x2, x3, [sp, #264]
    mov x0, sp
    /* x1 = vector code from the vector */
    bl arm_keel_trap
1:  wfi
    b 1b

/* One vector: push x0/x1, x1 = code, branch to the handler. 128 bytes apart. */
.macro vector target, code
    .balign 0x80
    stp x0, x1, [sp, #-16]!
    mov x1, #\code
    b \target
.endm

    .balign 0x800
    .globl keel_vectors
keel_vectors:
    vector .Lkeel_exception, 0x000  /* current EL, SP_EL0: keel never runs on SP_EL0 */
    vector .Lkeel_exception, 0x080
    vector .Lkeel_exception, 0x100
    vector .Lkeel_exception, 0x180
    vector .Lkeel_exception, 0x200  /* current EL, SP_EL2: a fault in keel */
    vector .Lkeel_exception, 0x280
    vector .Lkeel_exception, 0x300
    vector .Lkeel_exception, 0x380

    /* Lower EL, AArch64, synchronous and IRQ: the common exits (HVC, data aborts, interrupts)
       save, call and resume right in the vector (29 of its 32 instructions), one branch fewer
       than .Lguest_exit. Same contract as .Lguest_exit + .Lresume_fast. */
    .balign 0x80
.Lvector_sync:
    stp x0, x1, [sp, #-16]!
    mrs x0, tpidr_el2
    mov x1, #EXIT_SYNC
    save_guest_caller_saved
    bl arm_vcpu_trap                /* x0: 0 resume, 1 needs the full frame, 2 run loop; x1: ctx */
    cbnz x0, .Lneed_more
    load_guest_caller_saved
    eret
    .if . - .Lvector_sync > 0x80
    .error "the lower-EL synchronous vector is longer than 128 bytes"
    .endif

    .balign 0x80
.Lvector_irq:
    stp x0, x1, [sp, #-16]!
    mrs x0, tpidr_el2
    save_guest_caller_saved
    bl arm_vcpu_irq                 /* x0: 0 resume, 2 run loop; x1: ctx */
    cbnz x0, .Lneed_more
    load_guest_caller_saved
    eret
    .if . - .Lvector_irq > 0x80
    .error "the lower-EL IRQ vector is longer than 128 bytes"
    .endif

    vector .Lguest_exit, EXIT_FIQ
    vector .Lguest_exit, EXIT_SERROR
    vector .Lguest_exit, EXIT_SYNC_AARCH32 /* lower EL, AArch32: refused by the C side */
    vector .Lguest_exit, EXIT_IRQ
    vector .Lguest_exit, EXIT_FIQ
    vector .Lguest_exit, EXIT_SERROR
