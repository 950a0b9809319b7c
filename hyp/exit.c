/* SPDX-License-Identifier: MIT */
/* ISA-neutral exit dispatch: MMIO by GPA lookup, firmware calls, WFI. */
#include <keel/exit.h>
#include <keel/fw.h>
#include <keel/vm.h>

/* The VM's region that holds `gpa`, or NULL; remembered as v's last region. Regions are fixed
   once the VM exists (vm_add_mmio at creation) and never overlap. */
static const struct mmio_region *__attribute__((noinline)) find_region(struct vcpu *v, gpa_t gpa)
{
    struct vm *vm = v->vm;
    for (uint32_t i = 0; i < vm->nr_mmio; i++) {
        const struct mmio_region *r = &vm->mmio[i];
        if (gpa - r->gpa < r->size) {
            v->mmio_last = r;
            return r;
        }
    }
    return NULL;
}

/* Any MMIO access, under the VM lock: the region scan, the straddle check and the model. */
static enum exit_action __attribute__((noinline)) mmio_locked(struct vcpu *v, struct exit_mmio *m)
{
    const struct mmio_region *r = v->mmio_last;
    if (m->gpa - r->gpa >= r->size) {
        r = find_region(v, m->gpa);
        if (!r)
            return INJECT_FAULT; /* no RAM and no device there: an access fault, as on hardware */
    }
    uint64_t offset = m->gpa - r->gpa;
    if (m->width > r->size - offset)
        return INJECT_FAULT; /* straddles the end of the window */
    struct vm *vm = v->vm;
    enum mmio_status st;
    uint64_t value = 0;
    spin_lock(&vm->lock);
    if (m->is_write)
        st = r->ops->write(r->dev, offset, m->width, m->value);
    else
        st = r->ops->read(r->dev, offset, m->width, &value);
    spin_unlock(&vm->lock);
    if (!m->is_write)
        m->value = value;
    return st == MMIO_OK ? RESUME_NEXT : INJECT_FAULT;
}

/*
 * The hot case inline: a read inside the vCPU's last region (drivers touch one device many
 * times in a row; an unregistered slot has size 0 and always misses) that the model answers
 * without the VM lock (keel/vdev.h, read_unlocked). Everything else, and a read the model
 * defers, goes through mmio_locked(), which starts over.
 */
static enum exit_action handle_mmio(struct vcpu *v, struct exit_mmio *m)
{
    const struct mmio_region *r = v->mmio_last;
    uint64_t offset = m->gpa - r->gpa;
    if (m->is_write || offset >= r->size || m->width > r->size - offset || !r->ops->read_unlocked)
        return mmio_locked(v, m);
    enum mmio_status st = r->ops->read_unlocked(r->dev, offset, m->width, &m->value);
    if (st == MMIO_NEEDS_LOCK)
        return mmio_locked(v, m); /* read_unlocked left m->value alone */
    return st == MMIO_OK ? RESUME_NEXT : INJECT_FAULT;
}

enum exit_action hyp_handle_exit(struct vcpu *v, struct vcpu_exit *exit)
{
    switch (exit->kind) {
    case EXIT_FW_CALL:
        return fw_handle_call(v, &exit->fw);
    case EXIT_MMIO:
        return handle_mmio(v, &exit->mmio);
    case EXIT_WFI:
        return vcpu_arch_irq_pending(v) ? RESUME_NEXT : BLOCK;
    case EXIT_KIND_COUNT:
        break;
    }
    return INJECT_FAULT;
}
