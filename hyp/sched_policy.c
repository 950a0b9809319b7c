/* SPDX-License-Identifier: MIT */
/* Scheduling policy: round-robin over the vCPUs pinned to a hart. Pure: host-tested
   (tests/unit/test_sched.c) with vcpu_arch_irq_pending() mocked. */
#include <keel/sched.h>

bool sched_may_run(struct vcpu *v)
{
    if (atomic_load(&v->vm->state) != VM_RUNNING)
        return false;
    uint32_t state = atomic_load(&v->state);
    return state == VCPU_RUNNABLE || (state == VCPU_BLOCKED && vcpu_arch_irq_pending(v));
}

struct vcpu *sched_pick(struct pcpu *p, struct vcpu *prev)
{
    /* walk every vCPU in a fixed order, starting after prev */
    struct vcpu *first = NULL;
    bool after_prev = prev == NULL;
    for (uint32_t i = 0; i < nr_vms; i++) {
        struct vm *vm = &vms[i];
        for (uint32_t j = 0; j < vm->nr_vcpus; j++) {
            struct vcpu *v = &vm->vcpus[j];
            if (v->pcpu != p->index || !sched_may_run(v)) {
                if (v == prev)
                    after_prev = true;
                continue;
            }
            if (after_prev && v != prev)
                return v;
            if (!first)
                first = v;
            if (v == prev)
                after_prev = true;
        }
    }
    return first;
}

bool sched_hart_shared(const struct pcpu *p)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < nr_vms; i++)
        for (uint32_t j = 0; j < vms[i].nr_vcpus; j++)
            n += vms[i].vcpus[j].pcpu == p->index;
    return n > 1;
}

bool sched_others_may_run(struct vcpu *v)
{
    for (uint32_t i = 0; i < nr_vms; i++)
        for (uint32_t j = 0; j < vms[i].nr_vcpus; j++) {
            struct vcpu *w = &vms[i].vcpus[j];
            if (w != v && w->pcpu == v->pcpu && sched_may_run(w))
                return true;
        }
    return false;
}
