/* SPDX-License-Identifier: MIT */
/*
 * AArch64 vCPU mechanism: per-core EL2 set-up, vCPU reset, load/put of the EL1 system registers
 * (the seeds' GuestSystemRegisters store/restore), the run loop around arm_vcpu_enter(), and
 * physical interrupts (virtual timer, GIC maintenance, kicks, console).
 */
#include <keel/console.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vdev/vgic_dist.h>
#include <keel/vm.h>
#include "../../drivers/irq/gicv2.h"
#include "arm_vcpu.h"
#include "sysreg.h"

#define PPI_VTIMER 27
#define PPI_MAINTENANCE 25
#define SGI_KICK 0
#define CNTV_CTL_ENABLE 1ull
#define CNTV_CTL_IMASK 2ull
#define CNTV_CTL_ISTATUS 4ull

bool arm_vtimer_line(struct vcpu *v)
{
    uint64_t ctl = sysreg_read(cntv_ctl_el0);
    if ((ctl & (CNTV_CTL_ENABLE | CNTV_CTL_ISTATUS)) != (CNTV_CTL_ENABLE | CNTV_CTL_ISTATUS))
        return false;
    if (!(ctl & CNTV_CTL_IMASK))
        return true;
    /* masked: by keel (for an injection the guest has not handled yet, and the guest has not
       rewritten CNTV_CTL since: the guest's timer still asserts), or by the guest itself */
    return v->arch.vtimer_keel_masked && (ctl & CNTV_CTL_ENABLE);
}

/* SCTLR_EL1 RES1 bits (Arm ARM D19.2.118), MMU and caches off */
#define SCTLR_EL1_RES1 ((1ull << 29) | (1ull << 28) | (1ull << 23) | (1ull << 22) | (1ull << 20) | (1ull << 11))

void arm_cpu_init_el2(void)
{
    sysreg_write(hcr_el2, HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS |
                              HCR_TSC | HCR_RW);
    sysreg_write(vtcr_el2, arm_stage2_vtcr(sysreg_read(id_aa64mmfr0_el1) & 0xf));
    sysreg_write(cnthctl_el2, CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN);
    sysreg_write(cntvoff_el2, 0);
    sysreg_write(cptr_el2, CPTR_EL2_RES1); /* FP/SIMD: the guest's, untrapped */
    uint64_t pmcr_n = (sysreg_read(pmcr_el0) >> 11) & 0x1f;
    sysreg_write(mdcr_el2, pmcr_n); /* HPMN: every PMU counter to EL1 */
    sysreg_write(vttbr_el2, 0);
    isb();
    gicv2_init_cpu(platform.gicc_base, platform.gich_base);
    gicv2_enable(SGI_KICK, 0);
    gicv2_enable(PPI_VTIMER, 0);
    gicv2_enable(PPI_MAINTENANCE, 0);
}

void arm_stage2_barrier(void)
{
    dsb(ishst);
}

void vcpu_arch_setup(struct vcpu *v)
{
    v->arch.vmpidr = (1ull << 31) | v->id;
}

bool vcpu_arch_can_share_harts(void)
{
    return false; /* no slice timer, WFI trap or FP/vGIC/vtimer switch between vCPUs of one core yet */
}

enum image_arch vcpu_arch_image_kind(void)
{
    return IMAGE_ARM64;
}

void vcpu_arch_reset(struct vcpu *v, gpa_t entry, uint64_t arg)
{
    struct arm_ctx *ctx = &v->arch.ctx;
    for (unsigned i = 0; i < 31; i++)
        ctx->x[i] = 0;
    ctx->x[0] = arg; /* boot CPU: the DTB; CPU_ON: context_id */
    ctx->elr = entry;
    ctx->spsr = PSR_MODE_EL1H | PSR_DAIF;
    struct arm_el1_regs *r = &v->arch.el1;
    *r = (struct arm_el1_regs){ 0 };
    r->sctlr = SCTLR_EL1_RES1;
    v->arch.reload = true;
}

static void el1_save(struct arm_el1_regs *r)
{
    r->sctlr = sysreg_read(sctlr_el1);
    r->cpacr = sysreg_read(cpacr_el1);
    r->ttbr0 = sysreg_read(ttbr0_el1);
    r->ttbr1 = sysreg_read(ttbr1_el1);
    r->tcr = sysreg_read(tcr_el1);
    r->mair = sysreg_read(mair_el1);
    r->amair = sysreg_read(amair_el1);
    r->vbar = sysreg_read(vbar_el1);
    r->contextidr = sysreg_read(contextidr_el1);
    r->tpidr_el0 = sysreg_read(tpidr_el0);
    r->tpidrro_el0 = sysreg_read(tpidrro_el0);
    r->tpidr_el1 = sysreg_read(tpidr_el1);
    r->sp_el0 = sysreg_read(sp_el0);
    r->sp_el1 = sysreg_read(sp_el1);
    r->elr_el1 = sysreg_read(elr_el1);
    r->spsr_el1 = sysreg_read(spsr_el1);
    r->esr = sysreg_read(esr_el1);
    r->far = sysreg_read(far_el1);
    r->afsr0 = sysreg_read(afsr0_el1);
    r->afsr1 = sysreg_read(afsr1_el1);
    r->par = sysreg_read(par_el1);
    r->cntkctl = sysreg_read(cntkctl_el1);
    r->csselr = sysreg_read(csselr_el1);
    r->mdscr = sysreg_read(mdscr_el1);
    r->cntv_ctl = sysreg_read(cntv_ctl_el0);
    r->cntv_cval = sysreg_read(cntv_cval_el0);
}

static void el1_restore(const struct arm_el1_regs *r)
{
    sysreg_write(sctlr_el1, r->sctlr);
    sysreg_write(cpacr_el1, r->cpacr);
    sysreg_write(ttbr0_el1, r->ttbr0);
    sysreg_write(ttbr1_el1, r->ttbr1);
    sysreg_write(tcr_el1, r->tcr);
    sysreg_write(mair_el1, r->mair);
    sysreg_write(amair_el1, r->amair);
    sysreg_write(vbar_el1, r->vbar);
    sysreg_write(contextidr_el1, r->contextidr);
    sysreg_write(tpidr_el0, r->tpidr_el0);
    sysreg_write(tpidrro_el0, r->tpidrro_el0);
    sysreg_write(tpidr_el1, r->tpidr_el1);
    sysreg_write(sp_el0, r->sp_el0);
    sysreg_write(sp_el1, r->sp_el1);
    sysreg_write(elr_el1, r->elr_el1);
    sysreg_write(spsr_el1, r->spsr_el1);
    sysreg_write(esr_el1, r->esr);
    sysreg_write(far_el1, r->far);
    sysreg_write(afsr0_el1, r->afsr0);
    sysreg_write(afsr1_el1, r->afsr1);
    sysreg_write(par_el1, r->par);
    sysreg_write(cntkctl_el1, r->cntkctl);
    sysreg_write(csselr_el1, r->csselr);
    sysreg_write(mdscr_el1, r->mdscr);
    sysreg_write(cntv_cval_el0, r->cntv_cval);
    sysreg_write(cntv_ctl_el0, r->cntv_ctl);
}

/* Make v's EL1 state, stage 2 and virtual CPU interface the hardware's on this core. */
static void vcpu_load(struct vcpu *v)
{
    struct pcpu *p = this_pcpu();
    struct vcpu *old = p->loaded;
    if (old && old != v) {
        el1_save(&old->arch.el1);
        old->arch.gich_vmcr = gich_read(GICH_VMCR);
        for (uint32_t n = 0; n < gich_nr_lrs() && n < ARM_MAX_LRS; n++)
            old->arch.lr_saved[n] = gich_read_lr(n);
    }
    el1_restore(&v->arch.el1);
    sysreg_write(vmpidr_el2, v->arch.vmpidr);
    sysreg_write(vpidr_el2, sysreg_read(midr_el1));
    sysreg_write(vttbr_el2, ((uint64_t)v->vm->vmid << 48) | v->vm->stage2_root);
    isb();
    __asm__ volatile("tlbi vmalls12e1is\n dsb ish\n isb" ::: "memory");
    if (old != v) {
        gich_write(GICH_VMCR, v->arch.gich_vmcr);
        for (uint32_t n = 0; n < gich_nr_lrs() && n < ARM_MAX_LRS; n++)
            gich_write_lr(n, v->arch.lr_used & (1u << n) ? v->arch.lr_saved[n] : 0);
    }
    gich_write(GICH_HCR, GICH_HCR_EN);
    atomic_store(&v->arch.vgic_dirty, 1);
    p->loaded = v;
    v->arch.reload = false;
}

/* Physical interrupts taken while v ran (v may be NULL on an idle core). */
void arm_handle_irq(struct vcpu *v)
{
    for (;;) {
        uint32_t iar = gicv2_ack();
        uint32_t intid = iar & 0x3ffu;
        if (intid >= 1020)
            return;
        if (intid == PPI_VTIMER) {
            /* The guest's timer fired. keel masks it at the source (CNTV_CTL.IMASK) before
               deactivating it, so the level line cannot re-pend a second copy, and injects a
               software copy; the guest's handler reprograms and unmasks it, and
               arm_vgic_sync() re-samples the line at the guest's EOI. (A hardware-linked LR
               would avoid the mask, but then a timer re-injected while its previous LR is still
               unsynced is lost, and the guest sleeps forever.) */
            sysreg_write(cntv_ctl_el0, sysreg_read(cntv_ctl_el0) | CNTV_CTL_IMASK);
            isb();
            gicv2_eoi(iar);
            gicv2_deactivate(iar);
            if (v) {
                v->arch.vtimer_seq++;
                v->arch.vtimer_keel_masked = true;
                spin_lock(&v->vm->lock);
                vgicd_set_level(arm_vm_vgicd(v->vm), v->id, PPI_VTIMER, true);
                spin_unlock(&v->vm->lock);
                atomic_store(&v->arch.vgic_dirty, 1);
            }
            continue;
        }
        gicv2_eoi(iar);
        gicv2_deactivate(iar);
        if (intid == PPI_MAINTENANCE && v) {
            arm_vgic_sync(v);
            gich_write(GICH_HCR, GICH_HCR_EN);
            atomic_store(&v->arch.vgic_dirty, 1);
        } else if (intid == platform.uart_irq) {
            console_poll_input();
        }
        /* SGI_KICK: the requests are served by the run loop */
    }
}

void arch_idle(void)
{
    __asm__ volatile("dsb sy\n wfi" ::: "memory");
    arm_handle_irq(this_pcpu()->loaded); /* e.g. the virtual timer of a suspended vCPU */
}

void arch_send_ipi(uint32_t pcpu_index)
{
    gicv2_send_sgi(SGI_KICK, 1u << pcpu_stacks[pcpu_index].pcpu.gic_cpu_id);
}

void vcpu_arch_set_ext_irq(struct vcpu *v, bool level)
{
    (void)v; /* Arm guests' device lines go through the distributor model (vgicd_set_level) */
    (void)level;
}

void vcpu_arch_raise_soft_irq(struct vcpu *v)
{
    (void)v; /* Arm guests raise SGIs through GICD_SGIR, in the distributor model */
}

bool vcpu_arch_irq_pending(struct vcpu *v)
{
    struct vgic_pending p;
    if (v->arch.lr_used)
        return true;
    spin_lock(&v->vm->lock);
    bool pending = vgicd_next_pending(arm_vm_vgicd(v->vm), v->id, &p);
    spin_unlock(&v->vm->lock);
    return pending;
}

static void vcpu_serve_requests(struct vcpu *v)
{
    uint32_t req = atomic_exchange(&v->requests, 0);
    hyp_serve_requests(v, req);
    if (req & VCPU_REQ_START) {
        vcpu_arch_reset(v, v->start_entry, v->start_arg);
        vcpu_load(v);
    }
    if (req & VCPU_REQ_TLB_FLUSH)
        __asm__ volatile("tlbi vmalls12e1is\n dsb ish\n isb" ::: "memory");
    atomic_store(&v->arch.vgic_dirty, 1);
}

void vcpu_arch_run(struct vcpu *v)
{
    if (this_pcpu()->loaded != v || v->arch.reload)
        vcpu_load(v);
    for (;;) {
        vcpu_serve_requests(v);
        if (atomic_load(&v->vm->state) != VM_RUNNING)
            return;
        uint32_t state = atomic_load(&v->state);
        if (state == VCPU_OFF)
            return;
        if (state == VCPU_BLOCKED) {
            if (!vcpu_arch_irq_pending(v))
                return;
            if (v->resume_reset) {
                /* PSCI CPU_SUSPEND powerdown: wake at the entry point with context_id */
                vcpu_arch_reset(v, v->resume_entry, v->resume_arg);
                v->resume_reset = false;
            }
            v->suspended = false;
            atomic_store(&v->state, VCPU_RUNNABLE);
        }
        if (v->arch.reload)
            vcpu_load(v);
        arm_vgic_flush(v);
        arm_vcpu_enter(&v->arch.ctx);
    }
}

void arm_keel_trap(struct arm_trap_frame *f, uint64_t vector)
{
    kprintf("keel: PANIC on core %u (MPIDR 0x%lx): exception in EL2 (vector 0x%lx)\n",
            this_pcpu()->index, this_pcpu()->hw_id, vector);
    kprintf("keel:   ESR_EL2 %016lx FAR_EL2 %016lx ELR_EL2 %016lx SPSR_EL2 %016lx\n", f->esr,
            f->far, f->elr, f->spsr);
    for (unsigned i = 0; i < 31; i += 4)
        kprintf("keel:   x%-2u %016lx x%-2u %016lx x%-2u %016lx x%-2u %016lx\n", i, f->x[i], i + 1,
                i + 1 < 31 ? f->x[i + 1] : 0, i + 2, i + 2 < 31 ? f->x[i + 2] : 0, i + 3,
                i + 3 < 31 ? f->x[i + 3] : 0);
    platform_fail(1);
}
