/* SPDX-License-Identifier: MIT */
/* Internal interfaces of vcpu/riscv64 (between switch.S, exit.c, vcpu.c and irq handling). */
#ifndef KEEL_RISCV_VCPU_H
#define KEEL_RISCV_VCPU_H

#include <keel/vm.h>

/* What the trap vector does next (switch.S tests these values). */
enum riscv_trap_result {
    TRAP_RESUME = 0,    /* resume the guest */
    TRAP_NEED_FULL = 1, /* save the whole frame and call riscv_vcpu_trap_full() */
    TRAP_TO_LOOP = 2,   /* return from riscv_vcpu_enter() to the run loop */
};

/* switch.S: enter the guest of ctx; returns when a trap asks for the run loop. */
void riscv_vcpu_enter(struct riscv_ctx *ctx);
/* switch.S: fetch the instruction at guest virtual address gva with HLVX; 0 or the fault's scause. */
uint64_t riscv_guest_fetch_insn(uint64_t gva, uint32_t *insn);
/* switch.S trap vector target (stvec). */
void keel_trap_vector(void);

/* What riscv_vcpu_trap() hands back to the vector, in a0 and a1: the next step and the ctx
   (so the vector needs no stack slot to keep it across the call). */
struct riscv_trap_next {
    uint64_t result; /* enum riscv_trap_result */
    struct riscv_ctx *ctx;
};

/* Called by switch.S for a guest trap: with the caller-saved registers only / with all. */
struct riscv_trap_next riscv_vcpu_trap(struct riscv_ctx *ctx);
struct riscv_trap_next riscv_vcpu_trap_full(struct riscv_ctx *ctx);

/* Inject exception `cause` (scause code) with `tval` into the guest (trap context only). */
void riscv_inject_exception(struct vcpu *v, uint64_t cause, uint64_t tval);

/* A host interrupt (scause code `irq`) taken while `v` ran. */
enum riscv_trap_result riscv_handle_host_irq(struct vcpu *v, uint64_t irq);

/* Per-hart H-extension set-up (hedeleg, hideleg, hcounteren, ...); also finds which guest
   features (henvcfg.STCE/PBMTE) the firmware lets through. */
void riscv_hart_init_h(void);

/* A trap taken by keel itself: print cause, hart and registers, stop the machine. */
struct riscv_trap_frame {
    uint64_t x[32]; /* x[2] = sp at the trap */
    uint64_t sepc, scause, stval, htval;
};
void riscv_keel_trap(struct riscv_trap_frame *frame);

#endif
