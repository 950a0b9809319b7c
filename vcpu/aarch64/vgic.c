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
 * The virtual timer (PPI 27) is a software copy of the physical one (see arm_handle_irq()): its
 * line is re-sampled from CNTV_CTL_EL0 when the guest EOIs it.
 */
#include <keel/vdev/vgic_dist.h>
#include <keel/vm.h>
#include "../../drivers/irq/gicv2.h"
#include "arm_vcpu.h"

static uint32_t lr_value(const struct vgic_pending *p)
{
    uint32_t lr = (p->irq & 0x3ffu) | ((uint32_t)(p->priority >> 3) << 23) | GICH_LR_PENDING;
    if (p->hw)
        return lr | GICH_LR_HW | ((p->irq & 0x3ffu) << 10);
    if (p->irq < 16)
        lr |= (uint32_t)(p->source & 7u) << 10;
    /* EOI maintenance for every software interrupt: the model must learn at once that it is
       no longer active, or a second instance raised meanwhile (an IPI to an idle vCPU) would
       wait for the vCPU's next unrelated exit */
    return lr | GICH_LR_EOI;
}

__attribute__((noinline)) void arm_vgic_sync(struct vcpu *v)
{
    /* finished: empty (ELRSR) or a level interrupt whose EOI is signalled (EISR, LR.EOI) */
    uint32_t empty = (gich_read(GICH_ELRSR0) | gich_read(GICH_EISR0)) & v->arch.lr_used;
    if (!empty)
        return;
    struct vgicd *d = arm_vm_vgicd(v->vm);
    spin_lock(&v->vm->lock);
    for (uint32_t n = 0; n < ARM_MAX_LRS; n++) {
        if (!(empty & (1u << n)))
            continue;
        vgicd_lr_returned(d, v->id, v->arch.lr_irq[n], v->arch.lr_src[n], false, false);
        /* The guest has finished with the timer interrupt listed here: its line is what the
           guest's timer says now (arm_vtimer_line()). Once the guest has seen keel's latest
           injection, CNTV_CTL.IMASK is the guest's own again. */
        if (v->arch.lr_irq[n] == ARM_PPI_VTIMER) {
            vgicd_set_level(d, v->id, ARM_PPI_VTIMER, arm_vtimer_line(v));
            if (v->arch.vtimer_seq == v->arch.lr_vtimer_seq[n])
                v->arch.vtimer_keel_masked = false;
        }
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
    uint32_t nr = gich_nr_lrs();
    uint32_t hcr = GICH_HCR_EN;
    spin_lock(&v->vm->lock);
    for (uint32_t n = 0; n < nr && n < ARM_MAX_LRS; n++) {
        if (v->arch.lr_used & (1u << n))
            continue;
        struct vgic_pending p;
        if (!vgicd_next_pending(d, v->id, &p))
            break;
        gich_write_lr(n, lr_value(&p));
        vgicd_ack(d, v->id, p.irq, p.source);
        v->arch.lr_used |= 1u << n;
        v->arch.lr_irq[n] = (uint16_t)p.irq;
        v->arch.lr_vtimer_seq[n] = v->arch.vtimer_seq;
        v->arch.lr_src[n] = p.source;
        v->arch.nr_lrs_used++;
    }
    struct vgic_pending more;
    if (vgicd_next_pending(d, v->id, &more))
        hcr |= GICH_HCR_UIE; /* maintenance interrupt when the LRs drain */
    spin_unlock(&v->vm->lock);
    gich_write(GICH_HCR, hcr);
}
