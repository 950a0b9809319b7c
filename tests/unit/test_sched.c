/* SPDX-License-Identifier: MIT */
/*
 * Host tests of keel's scheduling policy (hyp/sched_policy.c): sched_pick() walks the vCPUs
 * pinned to one hart round-robin, takes RUNNABLE ones and BLOCKED ones with an interrupt
 * pending, and skips VMs that are not running; sched_hart_shared() and sched_others_may_run()
 * decide whether a hart is time-shared and whether its running vCPU gets a slice. The VMs are
 * plain structs; vcpu_arch_irq_pending() is mocked per vCPU.
 */
#include <keel/sched.h>
#include <string.h>

#include "ktest.h"

struct vm vms[KEEL_MAX_VMS];
uint32_t nr_vms;

static bool irq_pending[KEEL_MAX_VMS][KEEL_MAX_VCPUS];
static unsigned irq_queries;

bool vcpu_arch_irq_pending(struct vcpu *v)
{
    irq_queries++;
    return irq_pending[v->vm->id][v->id];
}

static struct pcpu harts[2] = { { .index = 0 }, { .index = 1 } };

/* VM `id` with `n` vCPUs pinned to harts pin[0..n-1], all RUNNABLE, the VM running. */
static void make_vm(uint32_t id, uint32_t n, const uint32_t *pin)
{
    struct vm *vm = &vms[id];
    memset(vm, 0, sizeof(*vm));
    vm->id = id;
    vm->nr_vcpus = n;
    atomic_store(&vm->state, VM_RUNNING);
    for (uint32_t i = 0; i < n; i++) {
        vm->vcpus[i].vm = vm;
        vm->vcpus[i].id = i;
        vm->vcpus[i].pcpu = pin[i];
        atomic_store(&vm->vcpus[i].state, VCPU_RUNNABLE);
    }
    if (id + 1 > nr_vms)
        nr_vms = id + 1;
}

static void reset(void)
{
    memset(vms, 0, sizeof(vms));
    memset(irq_pending, 0, sizeof(irq_pending));
    nr_vms = 0;
    irq_queries = 0;
}

static void set_state(uint32_t vm, uint32_t vcpu, enum vcpu_state state)
{
    atomic_store(&vms[vm].vcpus[vcpu].state, state);
}

#define V(vm, i) (&vms[vm].vcpus[i])

/* Three vCPUs of two VMs on hart 0 (VM 0: vCPUs 0 and 2; VM 1: vCPU 0), two on hart 1. */
static void two_vms(void)
{
    reset();
    static const uint32_t pin0[3] = { 0, 1, 0 };
    static const uint32_t pin1[2] = { 0, 1 };
    make_vm(0, 3, pin0);
    make_vm(1, 2, pin1);
}

static void test_round_robin_order(void)
{
    two_vms();
    struct pcpu *h0 = &harts[0];
    /* from the start, then each one after the previous, wrapping around */
    KTEST_CHECK(sched_pick(h0, NULL) == V(0, 0));
    KTEST_CHECK(sched_pick(h0, V(0, 0)) == V(0, 2));
    KTEST_CHECK(sched_pick(h0, V(0, 2)) == V(1, 0));
    KTEST_CHECK(sched_pick(h0, V(1, 0)) == V(0, 0));
    /* hart 1: VM 0's vCPU 1, then VM 1's vCPU 1 */
    struct pcpu *h1 = &harts[1];
    KTEST_CHECK(sched_pick(h1, NULL) == V(0, 1));
    KTEST_CHECK(sched_pick(h1, V(0, 1)) == V(1, 1));
    KTEST_CHECK(sched_pick(h1, V(1, 1)) == V(0, 1));
}

static void test_pinning(void)
{
    two_vms();
    /* whatever the previous vCPU, a hart only ever gets vCPUs pinned to it */
    for (uint32_t vm = 0; vm < 2; vm++)
        for (uint32_t i = 0; i < vms[vm].nr_vcpus; i++) {
            struct vcpu *got0 = sched_pick(&harts[0], V(vm, i));
            struct vcpu *got1 = sched_pick(&harts[1], V(vm, i));
            KTEST_CHECK(got0 && got0->pcpu == 0);
            KTEST_CHECK(got1 && got1->pcpu == 1);
        }
    /* a hart with nothing pinned to it gets nothing */
    reset();
    static const uint32_t pin[2] = { 0, 0 };
    make_vm(0, 2, pin);
    KTEST_CHECK(sched_pick(&harts[1], NULL) == NULL);
    KTEST_CHECK(sched_pick(&harts[1], V(0, 0)) == NULL);
}

static void test_prev_only_when_alone(void)
{
    two_vms();
    /* only VM 0's vCPU 2 may run on hart 0: it is picked again after itself */
    set_state(0, 0, VCPU_OFF);
    set_state(1, 0, VCPU_BLOCKED);
    KTEST_CHECK(sched_pick(&harts[0], V(0, 2)) == V(0, 2));
    KTEST_CHECK(sched_pick(&harts[0], NULL) == V(0, 2));
    KTEST_CHECK(sched_pick(&harts[0], V(1, 0)) == V(0, 2));
    /* nothing may run: NULL (the hart idles) */
    set_state(0, 2, VCPU_BLOCKED);
    KTEST_CHECK(sched_pick(&harts[0], V(0, 2)) == NULL);
    KTEST_CHECK(sched_pick(&harts[0], NULL) == NULL);
}

static void test_blocked_with_irq_runnable(void)
{
    two_vms();
    set_state(0, 0, VCPU_BLOCKED);
    set_state(0, 2, VCPU_BLOCKED);
    set_state(1, 0, VCPU_BLOCKED);
    KTEST_CHECK(sched_pick(&harts[0], NULL) == NULL);
    KTEST_CHECK(irq_queries == 3); /* each blocked vCPU was asked */
    /* an interrupt pending for VM 1's vCPU 0 makes it the choice */
    irq_pending[1][0] = true;
    KTEST_CHECK(sched_pick(&harts[0], NULL) == V(1, 0));
    KTEST_CHECK(sched_pick(&harts[0], V(1, 0)) == V(1, 0));
    KTEST_CHECK(sched_may_run(V(1, 0)));
    KTEST_CHECK(!sched_may_run(V(0, 0)));
    /* OFF is never runnable, even with an interrupt pending */
    irq_pending[0][0] = true;
    set_state(0, 0, VCPU_OFF);
    irq_queries = 0;
    KTEST_CHECK(!sched_may_run(V(0, 0)));
    KTEST_EQ(irq_queries, 0);
    /* a RUNNABLE vCPU does not need an interrupt */
    irq_queries = 0;
    KTEST_CHECK(sched_may_run(V(0, 1)));
    KTEST_EQ(irq_queries, 0);
    /* round-robin order holds among blocked-but-pending vCPUs too */
    irq_pending[0][2] = true;
    KTEST_CHECK(sched_pick(&harts[0], V(0, 2)) == V(1, 0));
    KTEST_CHECK(sched_pick(&harts[0], V(1, 0)) == V(0, 2));
}

static void test_vm_not_running_skipped(void)
{
    two_vms();
    /* VM 0 stops (shutdown, then reboot in progress): only VM 1's vCPUs remain */
    atomic_store(&vms[0].state, VM_SHUTDOWN);
    irq_pending[0][0] = true;
    KTEST_CHECK(sched_pick(&harts[0], NULL) == V(1, 0));
    KTEST_CHECK(sched_pick(&harts[0], V(1, 0)) == V(1, 0));
    KTEST_CHECK(sched_pick(&harts[1], V(1, 1)) == V(1, 1));
    KTEST_CHECK(!sched_may_run(V(0, 0)));
    atomic_store(&vms[0].state, VM_REBOOT);
    KTEST_CHECK(sched_pick(&harts[0], V(0, 0)) == V(1, 0));
    /* both stopped: the harts idle */
    atomic_store(&vms[1].state, VM_SHUTDOWN);
    KTEST_CHECK(sched_pick(&harts[0], NULL) == NULL);
    KTEST_CHECK(sched_pick(&harts[1], NULL) == NULL);
    /* running again (after a reboot): picked again */
    atomic_store(&vms[0].state, VM_RUNNING);
    KTEST_CHECK(sched_pick(&harts[0], NULL) == V(0, 0));
}

static void test_hart_shared(void)
{
    reset();
    static const uint32_t one_each[2] = { 0, 1 };
    make_vm(0, 2, one_each);
    KTEST_CHECK(!sched_hart_shared(&harts[0]));
    KTEST_CHECK(!sched_hart_shared(&harts[1]));
    /* a second VM's vCPU on hart 1 makes hart 1 shared, whatever the vCPUs' states */
    static const uint32_t on1[1] = { 1 };
    make_vm(1, 1, on1);
    set_state(1, 0, VCPU_OFF);
    KTEST_CHECK(!sched_hart_shared(&harts[0]));
    KTEST_CHECK(sched_hart_shared(&harts[1]));
    /* --smp 1 --vcpus 2: both on hart 0 */
    reset();
    static const uint32_t both0[2] = { 0, 0 };
    make_vm(0, 2, both0);
    KTEST_CHECK(sched_hart_shared(&harts[0]));
}

static void test_others_may_run(void)
{
    two_vms();
    /* hart 0 runs VM 0's vCPU 0: the other two there are runnable, so it gets a slice */
    KTEST_CHECK(sched_others_may_run(V(0, 0)));
    set_state(0, 2, VCPU_BLOCKED);
    set_state(1, 0, VCPU_OFF);
    KTEST_CHECK(!sched_others_may_run(V(0, 0)));
    /* a blocked one with an interrupt pending wants the hart */
    irq_pending[0][2] = true;
    KTEST_CHECK(sched_others_may_run(V(0, 0)));
    /* vCPUs of other harts never count */
    irq_pending[0][2] = false;
    KTEST_CHECK(!sched_others_may_run(V(0, 0)));
    KTEST_CHECK(sched_others_may_run(V(0, 1))); /* hart 1: VM 1's vCPU 1 is runnable */
    set_state(1, 1, VCPU_BLOCKED);
    KTEST_CHECK(!sched_others_may_run(V(0, 1)));
    /* nor do vCPUs of a VM that is not running */
    set_state(1, 1, VCPU_RUNNABLE);
    atomic_store(&vms[1].state, VM_SHUTDOWN);
    KTEST_CHECK(!sched_others_may_run(V(0, 1)));
}

int main(void)
{
    KTEST_RUN(test_round_robin_order);
    KTEST_RUN(test_pinning);
    KTEST_RUN(test_prev_only_when_alone);
    KTEST_RUN(test_blocked_with_irq_runnable);
    KTEST_RUN(test_vm_not_running_skipped);
    KTEST_RUN(test_hart_shared);
    KTEST_RUN(test_others_may_run);
    return ktest_summary();
}
