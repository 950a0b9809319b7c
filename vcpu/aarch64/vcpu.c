/* SPDX-License-Identifier: MIT */
/*
 * AArch64 vCPU mechanism: per-core EL2 set-up, vCPU reset, load/put of the EL1 system registers
 * (the seeds' GuestSystemRegisters store/restore), the run loop around arm_vcpu_enter(), and
 * physical interrupts (virtual timer, GIC maintenance, kicks, console).
 */
#include <keel/console.h>
#include <keel/passthrough.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vdev/vgic_dist.h>
#include <keel/vm.h>
#include "../../drivers/irq/gicv2.h"
#include "arm_vcpu.h"
#include "sysreg.h"

#define PPI_VTIMER 27
#define PPI_HYPTIMER 26 /* EL2 physical timer (CNTHP), QEMU virt's /timer interrupts[3] */
#define PPI_MAINTENANCE 25
#define SGI_KICK 0
#define CNTV_CTL_ENABLE 1ull
#define CNTV_CTL_IMASK 2ull
#define CNTHP_CTL_ENABLE 1ull

/*
 * keel's timer on each core: the EL2 physical timer (CNTHP_CTL_EL2/CNTHP_CVAL_EL2, Arm ARM
 * D11.2.4), whose interrupt is PPI 26 and fires at CNTPCT >= CVAL while ENABLE is set. Used on
 * time-shared cores only (sched_hart_shared()): the end of the running vCPU's slice while
 * another may run, SCHED_WAKE_US after another was woken, and the virtual-timer deadlines of the
 * core's blocked vCPUs that are not loaded (their CNTV_CTL/CVAL are in el1, not in the
 * hardware). A core that owns one vCPU never arms it: no tick. Touched by its own core only.
 */
struct core_timer {
    uint64_t deadline; /* CNTPCT value; UINT64_MAX = none (disarmed); when it passes,
                          sched_end_turn() */
    bool shared;       /* the core holds more than one vCPU (cached by vcpu_arch_run) */
};

static struct core_timer core_timers[KEEL_MAX_HARTS];

static struct core_timer *this_timer(void)
{
    return &core_timers[this_pcpu()->index];
}

static uint64_t counter_now(void)
{
    isb(); /* CNTPCT reads are not ordered by themselves (D11.2.2) */
    return sysreg_read(cntpct_el0);
}

static uint64_t us_to_ticks(uint32_t us)
{
    return sysreg_read(cntfrq_el0) * us / 1000000u;
}

static void timer_arm(struct core_timer *t, uint64_t when)
{
    t->deadline = when;
    if (when == UINT64_MAX) {
        sysreg_write(cnthp_ctl_el2, 0);
    } else {
        sysreg_write(cnthp_cval_el2, when);
        sysreg_write(cnthp_ctl_el2, CNTHP_CTL_ENABLE);
    }
    isb();
}

/* When a virtual timer with these CNTV_CTL_EL0/CNTV_CVAL_EL0 values asserts its interrupt
   (Arm ARM D11.2.4: enabled, not masked, CNTVCT >= CVAL; CNTVOFF_EL2 is 0, so that is the
   physical count too); UINT64_MAX when it cannot (disabled or masked by the guest). keel never
   writes the guest's CNTV_CTL_EL0, so IMASK is always the guest's own. */
static uint64_t vtimer_deadline(uint64_t ctl, uint64_t cval)
{
    if ((ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) != CNTV_CTL_ENABLE)
        return UINT64_MAX;
    return cval;
}

/* The same for a vCPU that is not loaded, from its saved registers. */
static uint64_t saved_vtimer_deadline(const struct vcpu *w)
{
    return vtimer_deadline(w->arch.el1.cntv_ctl, w->arch.el1.cntv_cval);
}

/* May v's timer interrupt be delivered: is PPI 27 enabled in v's distributor? */
static bool vtimer_deliverable(struct vcpu *v)
{
    uint8_t priority;
    spin_lock(&v->vm->lock);
    bool ok = vgicd_ppi_deliverable(arm_vm_vgicd(v->vm), v->id, PPI_VTIMER, &priority);
    spin_unlock(&v->vm->lock);
    return ok;
}

/* The virtual-timer deadline of blocked vCPU `w`, for sched_blocked_wake() (the loaded vCPU is
   skipped: its timer is live in the hardware and raises PPI 27 itself). A deadline already past
   counts too (the timer fires at once): w may have become runnable after the run loop chose,
   and an idle wfi would miss it. A timer whose interrupt the guest disabled wakes nobody. */
static uint64_t blocked_wake(struct vcpu *w, uint64_t now)
{
    (void)now;
    uint64_t d = saved_vtimer_deadline(w);
    return d != UINT64_MAX && vtimer_deliverable(w) ? d : UINT64_MAX;
}

/* Earliest virtual-timer deadline of this core's blocked vCPUs that are not loaded. */
static uint64_t blocked_deadline(void)
{
    return sched_blocked_wake(this_pcpu()->loaded, blocked_wake, 0);
}

/* v starts running on its core: arm the slice end (when another vCPU may run) and the blocked
   vCPUs' wake-ups, on time-shared cores only. */
static void timer_run_begin(struct vcpu *v, bool shared)
{
    struct core_timer *t = this_timer();
    t->shared = shared;
    sched_take_turn_end(); /* a stale one */
    uint64_t when = UINT64_MAX;
    if (shared) {
        uint64_t now = counter_now();
        if (sched_others_may_run(v))
            when = now + us_to_ticks(SCHED_SLICE_US);
        uint64_t wake = blocked_deadline();
        if (wake < when)
            when = wake;
    }
    timer_arm(t, when);
}

/* Another vCPU of this time-shared core was woken: end the running one's slice soon. */
static void timer_preempt_soon(struct core_timer *t)
{
    uint64_t soon = counter_now() + us_to_ticks(SCHED_WAKE_US);
    if (soon < t->deadline)
        timer_arm(t, soon);
}

static void timer_check_resched(void)
{
    struct core_timer *t = this_timer();
    if (t->shared && sched_take_resched())
        timer_preempt_soon(t);
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
    sysreg_write(cnthp_ctl_el2, 0);
    gicv2_enable(PPI_HYPTIMER, 0);
}

void arm_stage2_barrier(void)
{
    dsb(ishst);
}

void vcpu_arch_setup(struct vcpu *v)
{
    v->arch.vmpidr = (1ull << 31) | v->id;
    v->arch.vtimer_lr = ARM_NO_LR;
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
    /* forget a timer interrupt of the previous life (vcpu_load() then deactivates the physical
       one); reset runs on v's own core, with v loaded */
    if (v->arch.vtimer_lr != ARM_NO_LR && this_pcpu()->loaded == v)
        gich_write_lr(v->arch.vtimer_lr, 0);
    v->arch.vtimer_lr = ARM_NO_LR;
    v->arch.vtimer_held = false;
    arm_vgic_reset(v);
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
        /* PPI 27 is old's timer until here: drop its line, and its pending state in case the
           GIC latched it */
        sysreg_write(cntv_ctl_el0, 0);
        isb();
        gicv2_clear_pending(PPI_VTIMER);
        arm_fp_save(&old->arch.fp);
        old->arch.gich_vmcr = gich_read(GICH_VMCR);
        old->arch.gich_apr = gich_read(GICH_APR);
        for (uint32_t n = 0; n < gich_nr_lrs() && n < ARM_MAX_LRS; n++)
            old->arch.lr_saved[n] = gich_read_lr(n);
    }
    /* From here PPI 27 is v's timer: active while v's timer interrupt is listed or held (see
       vcpu/aarch64/vgic.c), so that its line cannot signal a second copy; set before
       el1_restore() can raise that line. */
    gicv2_set_active(PPI_VTIMER, v->arch.vtimer_held || arm_vtimer_listed(v, old == v));
    el1_restore(&v->arch.el1);
    sysreg_write(vmpidr_el2, v->arch.vmpidr);
    sysreg_write(vpidr_el2, sysreg_read(midr_el1));
    sysreg_write(vttbr_el2, ((uint64_t)v->vm->vmid << 48) | v->vm->stage2_root);
    isb();
    __asm__ volatile("tlbi vmalls12e1is\n dsb ish\n isb" ::: "memory");
    if (old != v) {
        if (old)
            arm_fp_restore(&v->arch.fp); /* the first vCPU of a core keeps what is there */
        gich_write(GICH_VMCR, v->arch.gich_vmcr);
        gich_write(GICH_APR, v->arch.gich_apr);
        for (uint32_t n = 0; n < gich_nr_lrs() && n < ARM_MAX_LRS; n++)
            gich_write_lr(n, v->arch.lr_used & (1u << n) || n == v->arch.vtimer_lr
                                 ? v->arch.lr_saved[n] : 0);
    }
    gich_write(GICH_HCR, GICH_HCR_EN);
    atomic_store(&v->arch.vgic_dirty, 1);
    p->loaded = v;
    v->arch.reload = false;
}

/* keel's timer (PPI 26) or a kick (SGI 0). Kept out of line: arm_vcpu_trap() is flattened,
   and the virtual timer's and the exits' fast paths must not pay for this in registers. */
static __attribute__((noinline)) void sched_irq(struct vcpu *v, uint32_t iar, uint32_t intid)
{
    struct core_timer *t = this_timer();
    if (intid == SGI_KICK) {
        gicv2_eoi(iar);
        gicv2_deactivate(iar);
        /* the requests are served by the run loop; on a time-shared core another vCPU may
           have been woken */
        if (t->shared)
            timer_check_resched();
        return;
    }
    /* keel's timer: a level interrupt, dropped by disabling the timer before the deactivation
       (D11.2.4) */
    sysreg_write(cnthp_ctl_el2, 0);
    isb();
    gicv2_eoi(iar);
    gicv2_deactivate(iar);
    if (t->deadline != UINT64_MAX && counter_now() >= t->deadline) {
        t->deadline = UINT64_MAX;
        sched_end_turn(); /* taken by the run loop after the exit */
        if (v && t->shared) /* a request makes the trap path leave for the loop */
            atomic_fetch_or(&v->requests, VCPU_REQ_KICK);
    } else {
        timer_arm(t, t->deadline); /* early or stale: keep the real deadline */
    }
}

/* The virtual timer's PPI 27 was acknowledged: drop its priority only; it stays active until keel
   has seen the guest's EOI of its virtual copy (vgic.c). */
static inline __attribute__((always_inline)) void vtimer_irq(struct vcpu *v, uint32_t iar)
{
    gicv2_eoi(iar);
    if (v) {
        arm_vtimer_fire(v);
    } else {
        sysreg_write(cntv_ctl_el0, 0); /* a timer no vCPU owns: off */
        isb();
        gicv2_deactivate(iar);
    }
}

/* Every interrupt from `iar` on, until the GIC has none: out of line, so that the timer's path
   in arm_handle_irq() stays a leaf. */
static __attribute__((noinline)) void handle_irqs(struct vcpu *v, uint32_t iar)
{
    for (;; iar = gicv2_ack()) {
        uint32_t intid = iar & 0x3ffu;
        if (intid >= 1020)
            return;
        if (intid == PPI_VTIMER) {
            vtimer_irq(v, iar);
            continue;
        }
        if (intid == PPI_HYPTIMER || intid == SGI_KICK) {
            sched_irq(v, iar, intid);
            continue;
        }
        if (intid >= 32 && intid != platform.uart_irq && passthrough_host_irq(intid)) {
            /* a pass-through device's SPI, now on its VM's line: masked at the distributor
               before it is deactivated, until the guest has EOIed it (platform_irq_done) */
            gicv2_set_enabled(intid, false);
            gicv2_eoi(iar);
            gicv2_deactivate(iar);
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
    }
}

/* Physical interrupts taken while v ran (v may be NULL on an idle core). The running vCPU's timer
   alone goes straight back to the guest: another pending interrupt makes it exit again at once. */
void arm_handle_irq(struct vcpu *v)
{
    uint32_t iar = gicv2_ack();
    if ((iar & 0x3ffu) == PPI_VTIMER && v)
        vtimer_irq(v, iar);
    else
        handle_irqs(v, iar);
}

void arch_idle(void)
{
    /* the loaded vCPU's virtual timer is live (PPI 27); the other blocked vCPUs' timers are
       served by keel's timer */
    struct core_timer *t = this_timer();
    timer_arm(t, blocked_deadline());
    __asm__ volatile("dsb sy\n wfi" ::: "memory");
    arm_handle_irq(this_pcpu()->loaded); /* e.g. the virtual timer of a suspended vCPU */
    sched_take_turn_end(); /* no vCPU was running */
    timer_arm(t, UINT64_MAX);
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
    bool loaded = this_pcpu()->loaded == v;
    if (v->arch.lr_used || arm_vtimer_listed(v, loaded))
        return true;
    /* The timer is due when held, or when it asserts its line: a loaded vCPU's timer is live in
       the hardware, but its physical interrupt may not have been taken yet; an unloaded one's
       fires once loaded. Judged from CVAL, not CNTV_CTL.ISTATUS, which QEMU updates late. It
       counts only while the guest has its interrupt enabled, as a disabled one wakes no WFI. */
    uint64_t deadline = loaded ? vtimer_deadline(sysreg_read(cntv_ctl_el0), sysreg_read(cntv_cval_el0))
                               : saved_vtimer_deadline(v);
    bool timer_due = v->arch.vtimer_held || deadline <= counter_now();
    uint8_t priority;
    struct vgicd *d = arm_vm_vgicd(v->vm);
    spin_lock(&v->vm->lock);
    bool pending = (timer_due && vgicd_ppi_deliverable(d, v->id, PPI_VTIMER, &priority)) ||
                   vgicd_next_pending(d, v->id, &p);
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

static void vcpu_run_loop(struct vcpu *v, bool shared)
{
    if (this_pcpu()->loaded != v || v->arch.reload)
        vcpu_load(v);
    /* WFI traps and blocks the vCPU, WFE traps and yields, only on a core that holds more
       than one vCPU (HCR_EL2.TWI/TWE, D19.2.49); elsewhere the guest waits in the hardware */
    uint64_t hcr = sysreg_read(hcr_el2);
    uint64_t want = shared ? hcr | HCR_TWI | HCR_TWE : hcr & ~(HCR_TWI | HCR_TWE);
    if (want != hcr) {
        sysreg_write(hcr_el2, want);
        isb();
    }
    timer_run_begin(v, shared);
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
            uint32_t blocked = VCPU_BLOCKED; /* a stopping VM may have turned it OFF meanwhile */
            atomic_compare_exchange_strong(&v->state, &blocked, VCPU_RUNNABLE);
            continue; /* state checked again */
        }
        if (shared)
            timer_check_resched();
        if (v->arch.reload)
            vcpu_load(v);
        arm_vgic_flush(v);
        arm_vcpu_enter(&v->arch.ctx);
        if (sched_take_turn_end())
            return; /* slice over (or a blocked vCPU's timer came): the loop chooses */
    }
}

void vcpu_arch_run(struct vcpu *v)
{
    vcpu_run_loop(v, sched_hart_shared(this_pcpu()));
    struct core_timer *t = this_timer();
    t->shared = false;
    sched_take_turn_end();
    timer_arm(t, UINT64_MAX);
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
