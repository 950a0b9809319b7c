/* SPDX-License-Identifier: MIT */
/* The per-hart run loop (mechanism, hyp/sched.c) and its choice of vCPU (policy,
   hyp/sched_policy.c). */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <keel/pcpu.h>
#include <keel/vm.h>

/* Policy: the next vCPU pinned to hart `p` that may run (RUNNABLE, or BLOCKED with an interrupt
   pending), round-robin after `prev`; NULL when none. */
struct vcpu *sched_pick(struct pcpu *p, struct vcpu *prev);

/* Run vCPUs on the calling hart forever; powers the machine off when every VM has shut down. */
void sched_run(void) __attribute__((noreturn));

/* Per-ISA: wait for an interrupt on an idle hart and service host interrupts / IPIs. */
void arch_idle(void);

#endif
