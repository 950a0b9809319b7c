/* SPDX-License-Identifier: MIT */
/* Pass-through devices: stage-2 windows and forwarded interrupts (keel/passthrough.h). */
#include <keel/console.h>
#include <keel/passthrough.h>
#include <keel/platform.h>
#include <keel/scenario.h>
#include <keel/spinlock.h>
#include <keel/stage2.h>
#include <keel/vplat.h>

/* One forwarded interrupt. Written at boot only (before any VM runs), read-only afterwards. */
struct pt_route {
    uint32_t host_irq;
    uint32_t guest_irq;
    uint32_t pcpu; /* keel hart the host controller delivers it to: the hart of the VM's vCPU 0 */
    struct vm *vm;
};

#define PT_MAX_ROUTES (KEEL_MAX_VMS * SCENARIO_MAX_PASSTHROUGH * SCENARIO_MAX_PT_IRQS)

static struct pt_route routes[PT_MAX_ROUTES];
static uint32_t nr_routes;

static int setup_device(struct vm *vm, const struct passthrough_config *pt, char *err,
                        size_t errlen)
{
    char why[96];
    if (platform_check_passthrough(&platform, pt->hpa, pt->size, why, sizeof(why))) {
        ksnprintf(err, errlen, "VM '%s': pass-through '%s': host window 0x%lx-0x%lx overlaps %s",
                  vm->name, pt->name, pt->hpa, pt->hpa + pt->size - 1, why);
        return -1;
    }
    if (pt->gpa + pt->size > stage2_gpa_limit() ||
        vm_stage2_map(vm, pt->gpa, pt->hpa, pt->size, S2_READ | S2_WRITE | S2_DEVICE)) {
        ksnprintf(err, errlen, "VM '%s': pass-through '%s': cannot map it at GPA 0x%lx (beyond "
                  "the stage-2 limit, or out of memory for tables)", vm->name, pt->name, pt->gpa);
        return -1;
    }
    char irqs[128] = ""; /* 4 pairs of two 10-digit numbers fit */
    size_t n = 0;
    for (uint32_t i = 0; i < pt->nr_irqs; i++) {
        if (vplat_passthrough_irq(vm, pt->guest_irq[i], why, sizeof(why)) ||
            platform_irq_route(pt->host_irq[i], vm->vcpus[0].pcpu, why, sizeof(why))) {
            ksnprintf(err, errlen, "VM '%s': pass-through '%s': interrupt %u (guest %u): %s",
                      vm->name, pt->name, pt->host_irq[i], pt->guest_irq[i], why);
            return -1;
        }
        routes[nr_routes++] = (struct pt_route){ pt->host_irq[i], pt->guest_irq[i],
                                                 vm->vcpus[0].pcpu, vm };
        n += ksnprintf(irqs + n, n < sizeof(irqs) ? sizeof(irqs) - n : 0, "%s%u->%u",
                       i ? ", " : ", interrupts (host->guest) ", pt->host_irq[i], pt->guest_irq[i]);
    }
    kprintf("keel: VM '%s': pass-through '%s': host 0x%lx-0x%lx at GPA 0x%lx%s\n", vm->name,
            pt->name, pt->hpa, pt->hpa + pt->size - 1, pt->gpa, irqs);
    return 0;
}

int passthrough_setup(struct vm *vm, char *err, size_t errlen)
{
    for (uint32_t d = 0; d < vm->cfg->nr_passthrough; d++)
        if (setup_device(vm, &vm->cfg->passthrough[d], err, errlen))
            return -1;
    return 0;
}

bool passthrough_host_irq(uint32_t host_irq)
{
    for (uint32_t i = 0; i < nr_routes; i++) {
        const struct pt_route *r = &routes[i];
        if (r->host_irq != host_irq)
            continue;
        spin_lock(&r->vm->lock);
        vplat_set_irq_level(r->vm, r->guest_irq, true);
        spin_unlock(&r->vm->lock);
        return true;
    }
    return false;
}

void passthrough_guest_done(struct vm *vm, uint32_t guest_irq)
{
    for (uint32_t i = 0; i < nr_routes; i++) {
        const struct pt_route *r = &routes[i];
        if (r->vm != vm || r->guest_irq != guest_irq)
            continue;
        vplat_set_irq_level(vm, guest_irq, false);
        platform_irq_done(r->host_irq, r->pcpu);
        return;
    }
}

void passthrough_reset(struct vm *vm)
{
    for (uint32_t i = 0; i < nr_routes; i++)
        if (routes[i].vm == vm)
            platform_irq_done(routes[i].host_irq, routes[i].pcpu);
}
