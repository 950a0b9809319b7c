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
/* switch.S: fetch the instruction at guest virtual address gva (2-byte aligned: sepc) with
   HLVX, through the trapped guest's translation (hstatus.SPVP), in trap context. Returns the
   instruction bits (bits 31:16 may hold the next parcel when the instruction is compressed;
   bits 63:32 are 0), or RISCV_FETCH_FAULT | the scause of the fault the fetch took: a fault is
   returned, not taken (hstatus/sstatus are left as they were; sepc must be reloaded from ctx,
   which the vector does). Priv. spec 20211203 sec 8.3.1 (HLVX), sec 8.6.3 (htinst = 0). */
uint64_t riscv_guest_fetch_insn(uint64_t gva);
#define RISCV_FETCH_FAULT (1ull << 63)

/* Under QEMU (platform.vstimer_backstop) keel's timer fires at least this often, in
   milliseconds, while a guest with Sstc runs: QEMU 7.2 can lose the guest's timer interrupt
   (its VS timer is a flag that riscv_cpu_update_mip() reads before it takes the iothread lock,
   so a racing mip update on the hart withdraws the pending interrupt), and keel's own timer
   interrupt makes QEMU look again (vcpu/riscv64/timer.c, docs/architecture.md section 9). */
#define RISCV_VSTIMER_BACKSTOP_MS 100u
/* switch.S trap vector target (stvec). */
void keel_trap_vector(void);

/* What riscv_vcpu_trap() hands back to the vector, in a0 and a1: the next step and the ctx
   (so the vector needs no stack slot to keep it across the call). Aligned to 16 bytes only
   because GCC 12 then tail-calls functions returning it without reserving a stack frame;
   it is still returned in a0/a1 (RISC-V psABI: a 2*XLEN aggregate of integers). */
struct __attribute__((aligned(16))) riscv_trap_next {
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

/* Serve v's cross-hart requests after an IPI, in trap context (fast path): TLB flushes and
   raised interrupt lines; TRAP_TO_LOOP when something needs the run loop (a start, a stopping
   VM, a new choice of vCPU for this hart). */
enum riscv_trap_result riscv_vcpu_ipi(struct vcpu *v);

/* keel's per-hart timer (vcpu/riscv64/timer.c). riscv_timer_run_begin: `v` (loaded) starts
   running; on a time-shared hart (`shared`) arm the end of its slice when another vCPU may run,
   and the wake-up deadlines of the hart's blocked vCPUs. riscv_timer_sync: raise VSTIP now if
   v's SBI timer deadline has passed. riscv_timer_irq: keel's timer fired while `v` ran; returns
   TRAP_TO_LOOP when the hart must choose again (sched_take_turn_end() then says so). riscv_timer_idle_begin/end: around an idle
   wfi, arm the earliest wake-up of this hart's blocked vCPUs / disarm it. */
void riscv_timer_run_begin(struct vcpu *v, bool shared);
void riscv_timer_sync(struct vcpu *v);
/* Another vCPU of this time-shared hart was woken: end `v`'s slice within SCHED_WAKE_US. */
void riscv_timer_preempt_soon(struct vcpu *v);
enum riscv_trap_result riscv_timer_irq(struct vcpu *v);
void riscv_timer_idle_begin(void);
/* Wait in wfi for at most ~10 us (keel's timer), or less when an interrupt comes: how a hart
   waits for another inside a trap handler (`v` loaded), instead of spinning; a single-threaded
   simulator (QEMU -icount) only runs the other harts while this one waits. */
void riscv_timer_nap(struct vcpu *v);
void riscv_timer_idle_end(void);

/* fp.S: save / restore f0-f31 and fcsr (sets HS sstatus.FS to Dirty). */
void riscv_fp_save(struct riscv_fp *fp);
void riscv_fp_restore(const struct riscv_fp *fp);

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
