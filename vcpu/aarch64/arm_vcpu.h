/* SPDX-License-Identifier: MIT */
/* Internal interfaces of vcpu/aarch64 (between switch.S, exit.c, vcpu.c, vgic.c). */
#ifndef KEEL_ARM_VCPU_H
#define KEEL_ARM_VCPU_H

#include <keel/vm.h>

/* Why the vector entered (x1 of arm_vcpu_trap), set by keel_vectors in switch.S. */
enum arm_exit_code { EXIT_SYNC = 0, EXIT_IRQ = 1, EXIT_FIQ = 2, EXIT_SERROR = 3, EXIT_SYNC_AARCH32 = 4 };

/* What the vector does next (switch.S tests these values). */
enum arm_trap_result { TRAP_RESUME = 0, TRAP_NEED_FULL = 1, TRAP_TO_LOOP = 2 };

struct arm_trap_next {
    uint64_t result; /* enum arm_trap_result */
    struct arm_ctx *ctx;
};

/* switch.S */
void arm_vcpu_enter(struct arm_ctx *ctx);
extern char keel_vectors[];

/* Called by switch.S: with x0-x18/x30 saved (any exit with its code; arm_vcpu_irq: an IRQ from
   the lower-EL AArch64 vector) / with all registers saved. */
struct arm_trap_next arm_vcpu_trap(struct arm_ctx *ctx, uint64_t code);
struct arm_trap_next arm_vcpu_irq(struct arm_ctx *ctx);
struct arm_trap_next arm_vcpu_trap_full(struct arm_ctx *ctx);

/* Inject a synchronous exception into the guest's EL1 (Arm ARM D1.10.2 exception entry):
   ESR_EL1 = esr, FAR_EL1 = far (when has_far), ELR_EL1/SPSR_EL1 from the trapped state, then
   resume at the right VBAR_EL1 offset with EL1h and DAIF masked. Trap context only. */
void arm_inject_sync(struct vcpu *v, uint64_t esr, uint64_t far, bool has_far);

/* A keel exception: print ESR/FAR/ELR and registers, stop the machine. */
struct arm_trap_frame {
    uint64_t x[31];
    uint64_t elr, spsr, esr, far;
};
void arm_keel_trap(struct arm_trap_frame *frame, uint64_t vector);

/* Per-core EL2 set-up (HCR_EL2, VTCR_EL2, CNTHCTL_EL2, CPTR_EL2, GIC CPU interface). */
void arm_cpu_init_el2(void);

/* VTCR_EL2 for stage2.c's tables: PS from `parange` (ID_AA64MMFR0_EL1.PARange, capped at 48
   bits) (vcpu/aarch64/stage2.c, pure). */
uint64_t arm_stage2_vtcr(uint64_t parange);

/* DSB ISHST after stage2_map wrote descriptors: they are complete before any later stage-2
   walk or TLB maintenance (vcpu/aarch64/vcpu.c). */
void arm_stage2_barrier(void);

#endif
