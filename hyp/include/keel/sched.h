/* SPDX-License-Identifier: MIT */
/* The per-hart run loop (mechanism, hyp/sched.c) and its choice of vCPU (policy,
   hyp/sched_policy.c). DESIGN.md section 5: a hart that owns one vCPU runs it with no tick; a
   hart that holds several time-slices them round-robin, and a waiting (WFI) vCPU yields. */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <keel/pcpu.h>
#include <keel/vm.h>

/* Time slice of a vCPU on a hart that holds more than one, in microseconds. */
#define SCHED_SLICE_US 4000u

/* A vCPU woken (IPI, interrupt, start) on a time-shared hart runs at most this many
   microseconds later: the running vCPU's slice is cut short, not ended at once, because the
   waker often still holds a guest spinlock that the woken vCPU will want (lock-holder
   preemption would make that vCPU spin away its whole slice). */
#define SCHED_WAKE_US 500u

/* Policy: the next vCPU pinned to hart `p` that may run (sched_may_run()), round-robin after
   `prev` (NULL: from the first one); `prev` itself only when no other may run. NULL when none. */
struct vcpu *sched_pick(struct pcpu *p, struct vcpu *prev);

/* Policy: may `v` run now? Its VM is running and it is RUNNABLE, or BLOCKED with an interrupt
   pending (vcpu_arch_irq_pending()). Called on v's own hart. */
bool sched_may_run(struct vcpu *v);

/* Policy: is more than one vCPU (of any VM) pinned to hart `p`? Such a hart is time-shared:
   guest WFI traps, vCPUs get time slices and their FP state is switched. */
bool sched_hart_shared(const struct pcpu *p);

/* Policy: may a vCPU other than `v`, pinned to v's hart, run now? Then `v` runs for one time
   slice; otherwise it runs until it blocks or something wakes another vCPU. On v's hart only. */
bool sched_others_may_run(struct vcpu *v);

/* Run vCPUs on the calling hart forever; powers the machine off when every VM has shut down. */
void sched_run(void) __attribute__((noreturn));

/* Tell hart `pcpu_index` that a vCPU pinned there which it is not running may run now (woken
   by an interrupt, started). Callable from any hart; the caller interrupts that hart
   (arch_send_ipi) so that it notices. */
void sched_request_resched(uint32_t pcpu_index);

/* Was a vCPU of the calling hart woken since the last call (or since the run loop last chose)?
   Clears the request. A time-shared hart then ends the running vCPU's slice within
   SCHED_WAKE_US; an idle hart's loop simply chooses again. */
bool sched_take_resched(void);

/* The earliest of wake(w, now) over the calling hart's blocked vCPUs (VCPU_BLOCKED, their VM
   running) other than `skip` (may be NULL); UINT64_MAX when there is none. `wake` gives the
   timer deadline at which w becomes runnable, or UINT64_MAX; `now` is passed through. The
   ISAs' timers use it to wake blocked vCPUs whose own timer is not live in the hardware. */
uint64_t sched_blocked_wake(struct vcpu *skip, uint64_t (*wake)(struct vcpu *w, uint64_t now),
                            uint64_t now);

/* The calling hart's running vCPU has had its turn (keel's timer reached the end of its slice
   or a blocked vCPU's wake-up; an AArch64 guest's WFE yielded): vcpu_arch_run() returns to
   sched_run() at its next look. Set and taken by the hart itself. */
void sched_end_turn(void);

/* Did the calling hart's running vCPU's turn end (sched_end_turn()) since the last call?
   Clears it. */
bool sched_take_turn_end(void);

/* Per-ISA: wait for an interrupt on an idle hart (wfi, woken by IPIs, host interrupts and the
   timer deadlines of this hart's blocked vCPUs) and service host interrupts. */
void arch_idle(void);

#endif
