/* SPDX-License-Identifier: MIT */
/*
 * AArch64 vCPU state. `struct arm_ctx` is the register block shared with the world switch
 * (vcpu/aarch64/switch.S); its offsets reach the assembly through the generated asm-offsets.h.
 *
 * Trap context (as on RISC-V, see docs/architecture.md): x0-x30 are in ctx (x19-x29 only after
 * the full path), ELR_EL2/SPSR_EL2 stay in the hardware until the trap goes back to the run
 * loop. The guest's SP_EL0/SP_EL1 are banked and never touched by keel at EL2. EL1 system
 * registers stay in the hardware while the vCPU is loaded on a core and are saved in `el1`
 * only when another vCPU is loaded there (the seeds' GuestSystemRegisters store/restore).
 */
#ifndef KEEL_AARCH64_VCPU_ARCH_H
#define KEEL_AARCH64_VCPU_ARCH_H

#include <keel/types.h>
#include <stdatomic.h>

struct arm_ctx {
    uint64_t x[31];       /* guest x0..x30 */
    uint64_t elr;         /* guest pc (ELR_EL2) while in the run loop */
    uint64_t spsr;        /* guest PSTATE (SPSR_EL2) while in the run loop */
    uint64_t host_x19[12]; /* keel's x19..x30 from arm_vcpu_enter() */
    uint64_t host_sp;     /* keel's stack; the trap path runs C below it */
};

/* x0-x18 and x30 are saved on every trap; x19-x29 only on the full path. */
static inline bool arm_gpr_saved_on_fast_path(uint32_t reg)
{
    return reg <= 18 || reg == 30;
}

/* EL1 system registers of a vCPU (Arm ARM D19 "AArch64 System Register Descriptions"). */
struct arm_el1_regs {
    uint64_t sctlr, cpacr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
    uint64_t tpidr_el0, tpidrro_el0, tpidr_el1, sp_el0, sp_el1, elr_el1, spsr_el1;
    uint64_t esr, far, afsr0, afsr1, par, cntkctl, csselr, mdscr;
    uint64_t cntv_ctl, cntv_cval;
};

#define ARM_MAX_LRS 16
#define ARM_NO_LR 0xffu

/* FP/SIMD state of a vCPU that is not loaded (Arm ARM B1.2.2: V0-V31, FPCR, FPSR), saved and
   restored by vcpu/aarch64/fp.S, which hard-codes this layout. */
struct arm_fp {
    uint64_t q[64]; /* q0..q31, 16 bytes each (8-byte alignment is enough: SCTLR_EL2.A = 0) */
    uint64_t fpcr, fpsr;
};

struct vcpu_arch {
    struct arm_ctx ctx;       /* first member: TPIDR_EL2 points here while the vCPU runs */
    struct arm_el1_regs el1;
    uint64_t vmpidr;          /* VMPIDR_EL2: Aff0 = vCPU index */
    bool reload;              /* el1 must be loaded into the hardware before entry */
    uint32_t nr_lrs_used;     /* list registers holding this vCPU's interrupts (count) */
    uint32_t lr_used;         /* bit n: GICH_LRn holds lr_irq[n] from source lr_src[n] */
    uint16_t lr_irq[ARM_MAX_LRS];
    uint8_t lr_src[ARM_MAX_LRS];
    uint32_t lr_saved[ARM_MAX_LRS]; /* GICH_LRn while the vCPU is not loaded */
    uint8_t vtimer_lr;        /* the LR that took the virtual timer last (ARM_NO_LR: none);
                                 not in lr_used: vgic.c's fast path owns it */
    bool vtimer_held;         /* its physical PPI fired but could not be listed yet */
    uint32_t gich_vmcr;       /* saved GICH_VMCR */
    uint32_t gich_apr;        /* saved GICH_APR (active priorities of the virtual CPU interface) */
    struct arm_fp fp;         /* saved FP/SIMD state (time-shared cores only) */
    _Atomic uint32_t vgic_dirty; /* the distributor may have something new for this vCPU */
};

#ifndef __ASSEMBLER__
struct vcpu;
/* The physical interrupt `intid` fired while v ran (or was idle): route it (vtimer, maintenance,
   console) and refill v's list registers. When keel's timer ends v's time slice it sets
   VCPU_REQ_KICK, so the trap path goes back to the run loop. */
void arm_handle_irq(struct vcpu *v);
/* Move pending virtual interrupts of `v` into free GICH list registers (called before entry). */
void arm_vgic_flush(struct vcpu *v);
/* Read back list registers of `v` that the guest finished with (called after exit). */
void arm_vgic_sync(struct vcpu *v);
/* Reset v's virtual CPU interface (GICv2 IHI 0048B 5.3: GICH_LRn, GICH_APR, GICH_VMCR) on v's
   own core, as a vCPU reset must (CPU_ON, a powerdown suspend's wake-up, a VM reboot): its
   list registers are emptied. Within one boot the distributor model gets each interrupt back,
   still pending if it was (a suspended vCPU's wake-up interrupt must reach the guest) but no
   longer active, as nothing could deactivate it now; after a VM reboot (v->new_boot) the
   model was reset and they are dropped. The virtual timer's LR is vcpu_arch_reset()'s. */
void arm_vgic_reset(struct vcpu *v);
/* The virtual timer's interrupt, PPI 27 on the guest side and on the physical GIC. */
#define ARM_PPI_VTIMER 27
/* The vCPU whose exit this core is handling: TPIDR_EL2 (Arm ARM D19 "TPIDR_EL2") holds its ctx,
   the first member of struct vcpu_arch, itself first in struct vcpu (asserted in exit.c), from
   arm_vcpu_enter() on. For device models reached through an MMIO exit; cheaper than
   current_vcpu(). Trap context only. */
static inline struct vcpu *arm_trapping_vcpu(void)
{
    uint64_t ctx;
    __asm__ volatile("mrs %0, tpidr_el2" : "=r"(ctx));
    return (struct vcpu *)(uintptr_t)ctx;
}
/* The loaded vCPU v's timer interrupt (physical PPI 27) was just acknowledged and its priority
   dropped: list it for the guest, pending with an EOI maintenance request (IHI 0048B 5.3.3
   GICH_LR), leaving the physical interrupt active until arm_vgic_sync() sees the guest's EOI;
   or hold it, still active, when the guest's distributor has it disabled or no LR is free
   (arm_vgic_flush() tries again). Trap context or arch_idle(), on v's core. */
void arm_vtimer_fire(struct vcpu *v);
/* Is v's timer interrupt in a list register, pending or active (the guest has not EOId it)?
   `loaded`: v's list registers are in the hardware (else in lr_saved). On v's core. */
bool arm_vtimer_listed(const struct vcpu *v, bool loaded);
/* switch.S's sibling fp.S: the only keel code that touches FP/SIMD registers. */
struct arm_fp;
void arm_fp_save(struct arm_fp *fp);
void arm_fp_restore(const struct arm_fp *fp);
/* The VM's distributor model (hyp/vplat_arm_virt.c). */
struct vgicd;
struct vm;
struct vgicd *arm_vm_vgicd(struct vm *vm);
#endif

#endif
