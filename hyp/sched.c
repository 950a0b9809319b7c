/* SPDX-License-Identifier: MIT */
/* The run loop of every physical hart (mechanism; the choice is sched_pick()'s). */
#include <keel/console.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vplat.h>

static struct spinlock lifecycle_lock = SPINLOCK_INIT;

/* Per hart: a vCPU it is not running was woken (set by any hart, taken by the hart itself). */
static _Atomic uint32_t resched[KEEL_MAX_HARTS];

void sched_request_resched(uint32_t pcpu_index)
{
    if (pcpu_index < KEEL_MAX_HARTS)
        atomic_store(&resched[pcpu_index], 1);
}

bool sched_take_resched(void)
{
    return atomic_exchange(&resched[this_pcpu()->index], 0) != 0;
}

uint64_t sched_blocked_wake(struct vcpu *skip, uint64_t (*wake)(struct vcpu *w, uint64_t now),
                            uint64_t now)
{
    uint32_t me = this_pcpu()->index;
    uint64_t earliest = UINT64_MAX;
    for (uint32_t i = 0; i < nr_vms; i++) {
        if (atomic_load(&vms[i].state) != VM_RUNNING)
            continue;
        for (uint32_t j = 0; j < vms[i].nr_vcpus; j++) {
            struct vcpu *w = &vms[i].vcpus[j];
            if (w == skip || w->pcpu != me || atomic_load(&w->state) != VCPU_BLOCKED)
                continue;
            uint64_t d = wake(w, now);
            if (d < earliest)
                earliest = d;
        }
    }
    return earliest;
}

/* Per hart: its running vCPU's turn is over (own hart only). */
static bool turn_over[KEEL_MAX_HARTS];

void sched_end_turn(void)
{
    turn_over[this_pcpu()->index] = true;
}

bool sched_take_turn_end(void)
{
    bool *over = &turn_over[this_pcpu()->index];
    bool was = *over;
    *over = false;
    return was;
}

static bool all_vms_shut_down(void)
{
    for (uint32_t i = 0; i < nr_vms; i++)
        if (atomic_load(&vms[i].state) != VM_SHUTDOWN)
            return false;
    return true;
}

/* Wait until no hart runs a vCPU of `vm` any more. vm_request_stop() kicked them all, so each
   leaves its guest at its next exit; their harts clear `current` before they take
   lifecycle_lock, so holding it here cannot deadlock. A reboot must not reload the images
   while a stale vCPU can still write the VM's memory. */
static void vm_wait_vcpus_out(struct vm *vm)
{
    for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *w = &vm->vcpus[i];
        while (pcpu_current(w->pcpu) == w)
            ;
    }
}

/* The VM of `v` stopped: the hart that sees it first reports it; a reboot restarts it. */
static void vm_stopped(struct vm *vm)
{
    console_guest_flush(vm->id); /* its last, unterminated output line */
    spin_lock(&lifecycle_lock);
    uint32_t state = atomic_load(&vm->state);
    if (state == VM_SHUTDOWN && !vm->reported) {
        vm->reported = true;
        for (uint32_t i = 0; i < vm->nr_vcpus; i++)
            atomic_store(&vm->vcpus[i].state, VCPU_OFF);
        kprintf("keel: VM '%s' shut down\n", vm->name);
    } else if (state == VM_REBOOT) {
        for (uint32_t i = 0; i < vm->nr_vcpus; i++)
            atomic_store(&vm->vcpus[i].state, VCPU_OFF);
        kprintf("keel: VM '%s' reboots\n", vm->name);
        vm_wait_vcpus_out(vm);
        if (vm_reload(vm) == 0)
            vm_start(vm);
        else
            atomic_store(&vm->state, VM_SHUTDOWN);
    }
    static bool powering_off;
    bool done = all_vms_shut_down() && !powering_off;
    if (done)
        powering_off = true; /* one hart announces it and powers off; the others wait */
    spin_unlock(&lifecycle_lock);
    if (done) {
        kprintf("keel: all VMs have shut down: powering off\n");
        platform_poweroff();
    }
}

void sched_run(void)
{
    struct pcpu *p = this_pcpu();
    struct vcpu *prev = NULL;
    for (;;) {
        /* cleared before the choice, which sees every vCPU woken so far; a wake-up after
           this point is taken by vcpu_arch_run() */
        atomic_store(&resched[p->index], 0);
        struct vcpu *v = sched_pick(p, prev);
        if (!v) {
            if (all_vms_shut_down())
                vm_stopped(&vms[0]);
            arch_idle();
            continue;
        }
        __atomic_store_n(&p->current, v, __ATOMIC_SEQ_CST);
        vcpu_arch_run(v);
        __atomic_store_n(&p->current, NULL, __ATOMIC_SEQ_CST);
        prev = v;
        if (atomic_load(&v->vm->state) != VM_RUNNING)
            vm_stopped(v->vm);
    }
}
