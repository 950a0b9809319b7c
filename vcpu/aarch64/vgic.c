/* SPDX-License-Identifier: MIT */
/*
 * GICv2 virtualization: moving interrupts between the distributor model (hyp/vdev/vgic_dist.c,
 * the guest's GICD) and the hardware list registers (GICH_LRn), which the guest's CPU interface
 * (the hardware GICV page, mapped at its GICC address) serves without exits.
 *
 * flush (before entry): while a list register is free, take the model's next deliverable
 * interrupt, write it pending into the LR and tell the model (vgicd_ack). When more are pending
 * than LRs are free, GICH_HCR.UIE asks for a maintenance interrupt when the LRs run low.
 * sync (after exit): LRs the guest has finished (GICH_ELRSR) go back to the model
 * (vgicd_lr_returned), which re-pends a level interrupt whose line is still high.
 *
 * The virtual timer (PPI 27) bypasses the model (vgicd_set_hw): arm_vtimer_fire() lists the
 * physical interrupt keel just took straight into a list register, with no scan. The physical
 * interrupt stays active (keel only drops its priority) until the guest has finished with the
 * virtual one: its EOI raises an EOI maintenance interrupt (LR.EOI), and arm_vgic_sync()
 * deactivates the physical interrupt, which fires again at once if the timer still asserts its
 * level line. While it is active that line cannot signal a second copy, so keel never touches
 * the guest's CNTV_CTL_EL0. Invariant, kept by vcpu_load() across vCPU switches: physical PPI 27
 * is active on a core while the loaded vCPU's timer interrupt is listed (pending or active) or
 * held (vtimer_held: it fired but the guest has it disabled, or no LR was free), until keel has
 * seen the guest's EOI.
 *
 * Why not a hardware-linked LR (HW = 1, pINTID 27), whose deactivation by the guest would
 * deactivate the physical interrupt with no second exit (IHI 0048B 5.4.3)? On QEMU 7.2 a
 * hardware-linked deactivation does not re-evaluate the physical CPU interface: a timer whose
 * line is already high again when the guest deactivates it (Linux re-arms it for a deadline
 * that has passed by then, common on a loaded host) stays pending without being signalled until
 * some unrelated GIC event, so a guest alone on its core sleeps for ever
 * (docs/architecture.md section 14).
 */
#include <keel/pcpu.h>
#include <keel/vdev/vgic_dist.h>
#include <keel/vm.h>
#include "../../drivers/irq/gicv2.h"
#include "arm_vcpu.h"

#define LR_STATE_MASK (GICH_LR_PENDING | GICH_LR_ACTIVE)

static uint32_t lr_priority(uint8_t priority)
{
    return (uint32_t)(priority >> 3) << 23;
}

static uint32_t lr_value(const struct vgic_pending *p)
{
    uint32_t lr = (p->irq & 0x3ffu) | lr_priority(p->priority) | GICH_LR_PENDING;
    if (p->hw)
        return lr | GICH_LR_HW | ((p->irq & 0x3ffu) << 10);
    if (p->irq < 16)
        lr |= (uint32_t)(p->source & 7u) << 10;
    /* EOI maintenance for every software interrupt: the model must learn at once that it is
       no longer active, or a second instance raised meanwhile (an IPI to an idle vCPU) would
       wait for the vCPU's next unrelated exit */
    return lr | GICH_LR_EOI;
}

/* The list registers keel uses: the hardware's, at most ARM_MAX_LRS (lr_saved's size). */
static uint32_t lrs_usable(void)
{
    uint32_t nr = gich_nr_lrs();
    return nr < ARM_MAX_LRS ? nr : ARM_MAX_LRS;
}

/* A list register (below lrs_usable()) that holds nothing of v's, neither the model's nor the
   timer's; ARM_NO_LR when there is none. */
static uint32_t free_lr(const struct vcpu *v)
{
    uint32_t busy = v->arch.lr_used;
    if (v->arch.vtimer_lr != ARM_NO_LR)
        busy |= 1u << v->arch.vtimer_lr;
    for (uint32_t n = 0, nr = lrs_usable(); n < nr; n++)
        if (!(busy & (1u << n)))
            return n;
    return ARM_NO_LR;
}

void arm_vtimer_fire(struct vcpu *v)
{
    uint8_t priority;
    /* v's own core: no lock needed (vgicd_ppi_deliverable()) */
    bool deliverable = vgicd_ppi_deliverable(arm_vm_vgicd(v->vm), v->id, ARM_PPI_VTIMER, &priority);
    /* The previous instance's LR is free: the guest's deactivation of it is what let the
       physical interrupt fire again. */
    uint32_t n = v->arch.vtimer_lr;
    if (n == ARM_NO_LR)
        n = free_lr(v);
    if (!deliverable || n == ARM_NO_LR) {
        v->arch.vtimer_held = true; /* stays active: arm_vgic_flush() tries again */
        atomic_store(&v->arch.vgic_dirty, 1);
        return;
    }
    gich_write_lr(n, ARM_PPI_VTIMER | lr_priority(priority) | GICH_LR_PENDING | GICH_LR_EOI);
    v->arch.vtimer_lr = (uint8_t)n;
}

/* A held timer interrupt may be deliverable now (the guest enabled it, an LR came free):
   deactivate the physical interrupt, which fires again at once if the timer still asserts it
   (and then goes through arm_vtimer_fire()). Its line is re-read rather than remembered, so a
   timer the guest reprogrammed meanwhile raises nothing. Returns true when it stays held for
   want of a free LR (then a maintenance interrupt should say when the LRs drain). */
static bool vtimer_retry(struct vcpu *v, struct vgicd *d)
{
    uint8_t priority;
    if (!vgicd_ppi_deliverable(d, v->id, ARM_PPI_VTIMER, &priority))
        return false;
    if (v->arch.vtimer_lr == ARM_NO_LR && free_lr(v) == ARM_NO_LR)
        return true;
    v->arch.vtimer_held = false;
    gicv2_set_active(ARM_PPI_VTIMER, false);
    return false;
}

/* The guest is done with the timer interrupt in LR t (EOId it): empty the LR and deactivate the
   physical interrupt, which signals again at once if the timer still asserts it. */
static void vtimer_done(uint32_t t)
{
    gich_write_lr(t, 0);
    gicv2_set_active(ARM_PPI_VTIMER, false);
}

bool arm_vtimer_listed(const struct vcpu *v, bool loaded)
{
    if (v->arch.vtimer_lr == ARM_NO_LR)
        return false;
    uint32_t lr = loaded ? gich_read_lr(v->arch.vtimer_lr) : v->arch.lr_saved[v->arch.vtimer_lr];
    return (lr & LR_STATE_MASK) != 0;
}

__attribute__((noinline)) void arm_vgic_sync(struct vcpu *v)
{
    uint32_t eisr = gich_read(GICH_EISR0);
    uint32_t t = v->arch.vtimer_lr;
    if (t != ARM_NO_LR && (eisr & (1u << t)))
        vtimer_done(t); /* its LR stays the timer's */
    /* finished: empty (ELRSR) or a level interrupt whose EOI is signalled (EISR, LR.EOI) */
    uint32_t empty = (gich_read(GICH_ELRSR0) | eisr) & v->arch.lr_used;
    if (!empty)
        return;
    struct vgicd *d = arm_vm_vgicd(v->vm);
    spin_lock(&v->vm->lock);
    for (uint32_t n = 0; n < ARM_MAX_LRS; n++) {
        if (!(empty & (1u << n)))
            continue;
        vgicd_lr_returned(d, v->id, v->arch.lr_irq[n], v->arch.lr_src[n], false, false);
        gich_write_lr(n, 0);
        v->arch.lr_used &= ~(1u << n);
        v->arch.nr_lrs_used--;
    }
    spin_unlock(&v->vm->lock);
    atomic_store(&v->arch.vgic_dirty, 1);
}

__attribute__((noinline)) void arm_vgic_flush(struct vcpu *v)
{
    if (!atomic_load(&v->arch.vgic_dirty))
        return;
    atomic_store(&v->arch.vgic_dirty, 0);
    struct vgicd *d = arm_vm_vgicd(v->vm);
    uint32_t hcr = GICH_HCR_EN;
    spin_lock(&v->vm->lock);
    for (;;) {
        uint32_t n = free_lr(v);
        if (n == ARM_NO_LR && v->arch.vtimer_lr != ARM_NO_LR && !v->arch.vtimer_held &&
            !arm_vtimer_listed(v, true)) {
            vtimer_done(v->arch.vtimer_lr); /* finished: its LR can take another one */
            v->arch.vtimer_lr = ARM_NO_LR;
            n = free_lr(v);
        }
        struct vgic_pending p;
        if (n == ARM_NO_LR || !vgicd_next_pending(d, v->id, &p))
            break;
        gich_write_lr(n, lr_value(&p));
        vgicd_ack(d, v->id, p.irq, p.source);
        v->arch.lr_used |= 1u << n;
        v->arch.lr_irq[n] = (uint16_t)p.irq;
        v->arch.lr_src[n] = p.source;
        v->arch.nr_lrs_used++;
    }
    struct vgic_pending more;
    bool waiting = vgicd_next_pending(d, v->id, &more);
    if (v->arch.vtimer_held) {
        waiting |= vtimer_retry(v, d);
        /* still held: look again at the next entry (the guest may enable it by then) */
        if (v->arch.vtimer_held)
            atomic_store(&v->arch.vgic_dirty, 1);
    }
    spin_unlock(&v->vm->lock);
    if (waiting)
        hcr |= GICH_HCR_UIE; /* maintenance interrupt when the LRs drain */
    gich_write(GICH_HCR, hcr);
}

void arm_vgic_reset(struct vcpu *v)
{
    bool loaded = this_pcpu()->loaded == v;
    struct vgicd *d = arm_vm_vgicd(v->vm);
    spin_lock(&v->vm->lock);
    for (uint32_t n = 0; n < ARM_MAX_LRS; n++) {
        if (!(v->arch.lr_used & (1u << n)))
            continue;
        uint32_t lr = loaded ? gich_read_lr(n) : v->arch.lr_saved[n];
        if (!v->new_boot)
            vgicd_lr_returned(d, v->id, v->arch.lr_irq[n], v->arch.lr_src[n],
                              (lr & GICH_LR_PENDING) != 0, false);
        if (loaded)
            gich_write_lr(n, 0);
        v->arch.lr_saved[n] = 0;
    }
    spin_unlock(&v->vm->lock);
    v->arch.lr_used = 0;
    v->arch.nr_lrs_used = 0;
    v->arch.gich_apr = 0;
    v->arch.gich_vmcr = 0;
    if (loaded) {
        gich_write(GICH_APR, 0);
        gich_write(GICH_VMCR, 0);
    }
    v->new_boot = false;
    atomic_store(&v->arch.vgic_dirty, 1);
}
