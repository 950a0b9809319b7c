/* SPDX-License-Identifier: MIT */
/* Compiled with -S only: each DEFINE becomes a "->NAME value" marker that the build turns into
   asm-offsets.h, so switch.S never holds a hand-typed offset. */
#include <stddef.h>
#include <keel/pcpu.h>
#include <keel/vm.h>
#include "vcpu_arch.h"

#define DEFINE(name, value) __asm__ volatile("\n.ascii \"->" #name " %0\"" : : "i"(value))
#define GPR(name, idx) DEFINE(CTX_##name, offsetof(struct riscv_ctx, gpr) + 8 * (idx))

void asm_offsets(void);
void asm_offsets(void)
{
    GPR(RA, 1); GPR(SP, 2); GPR(GP, 3); GPR(TP, 4); GPR(T0, 5); GPR(T1, 6); GPR(T2, 7);
    GPR(S0, 8); GPR(S1, 9); GPR(A0, 10); GPR(A1, 11); GPR(A2, 12); GPR(A3, 13); GPR(A4, 14);
    GPR(A5, 15); GPR(A6, 16); GPR(A7, 17); GPR(S2, 18); GPR(S3, 19); GPR(S4, 20); GPR(S5, 21);
    GPR(S6, 22); GPR(S7, 23); GPR(S8, 24); GPR(S9, 25); GPR(S10, 26); GPR(S11, 27);
    GPR(T3, 28); GPR(T4, 29); GPR(T5, 30); GPR(T6, 31);
    DEFINE(CTX_SEPC, offsetof(struct riscv_ctx, sepc));
    DEFINE(CTX_SSTATUS, offsetof(struct riscv_ctx, sstatus));
    DEFINE(CTX_HSTATUS, offsetof(struct riscv_ctx, hstatus));
    DEFINE(CTX_HOST_RA, offsetof(struct riscv_ctx, host_ra));
    DEFINE(CTX_HOST_SP, offsetof(struct riscv_ctx, host_sp));
    DEFINE(CTX_HOST_GP, offsetof(struct riscv_ctx, host_gp));
    DEFINE(CTX_HOST_TP, offsetof(struct riscv_ctx, host_tp));
    DEFINE(CTX_HOST_S0, offsetof(struct riscv_ctx, host_s));
    DEFINE(FP_F0, offsetof(struct riscv_fp, f));
    DEFINE(FP_FCSR, offsetof(struct riscv_fp, fcsr));
    DEFINE(PCPU_STACK_SIZE, KEEL_STACK_SIZE);
    DEFINE(PCPU_INDEX, offsetof(struct pcpu, index));
    DEFINE(PCPU_HW_ID, offsetof(struct pcpu, hw_id));
    DEFINE(PCPU_MAX, KEEL_MAX_HARTS);
}
