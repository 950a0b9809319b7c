/* SPDX-License-Identifier: MIT */
/*
 * keel's timer on each hart: stimecmp when the hart has Sstc, SBI TIME set_timer otherwise
 * (platform.host_sstc). One hardware timer serves three users, programmed for the earliest:
 *   - the SBI set_timer emulation of the loaded vCPU when its guest has no Sstc (the deadline
 *     raises hvip.VSTIP; SBI v2.0 sec 6.1);
 *   - the end of the running vCPU's time slice, on a hart that holds several vCPUs and only
 *     while another of them may run (DESIGN.md section 5);
 *   - the timer deadlines of the hart's blocked vCPUs that are not loaded: their vstimecmp (or
 *     SBI deadline) is not live in the hardware while another vCPU has the hart, so keel wakes
 *     them itself.
 * A hart that owns one vCPU whose guest has Sstc never arms keel's timer: no tick, except
 * under QEMU, where a 100 ms backstop makes up for a QEMU 7.2 race that can withdraw the
 * guest's pending timer interrupt (RISCV_VSTIMER_BACKSTOP_MS).
 * Everything here is per hart and touched by that hart only.
 */
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vm.h>
#include "csr.h"
#include "riscv_vcpu.h"

#define SIE_STIE (1ull << 5) /* vsie.STIE: the guest's timer interrupt enable (VS view) */

struct hart_timer {
    uint64_t sched_deadline; /* slice end / blocked vCPUs' wake-up, UINT64_MAX = none;
                                when it passes, sched_end_turn() */
    uint64_t backstop;       /* QEMU only: the next look while a guest with Sstc runs
                                (RISCV_VSTIMER_BACKSTOP_MS), 0 = none */
    uint64_t armed;          /* compare value programmed (STIE set); UINT64_MAX = disarmed;
                                0 = unknown (fired, or never set): the next timer_set writes */
};

static struct hart_timer hart_timers[KEEL_MAX_HARTS];

static struct hart_timer *this_timer(void)
{
    return &hart_timers[this_pcpu()->index];
}

static uint64_t time_now(void)
{
    return csr_read(time);
}

/* Program keel's timer for `when` (timebase ticks); UINT64_MAX disarms it (sie.STIE off). With
   Sstc the compare value is rewritten either way, which also clears a STIP that already fired.
   Through SBI, disarming only masks STIP, saving an ecall on the guest's set_timer path: the
   firmware's compare may still fire, masked, and the next arming reprograms it and so clears
   its STIP (SBI v2.0 sec 6.1). */
static void timer_set(struct hart_timer *t, uint64_t when)
{
    if (when == t->armed)
        return;
    t->armed = when;
    if (when == UINT64_MAX) {
        csr_clear(sie, MIP_STIP);
        if (platform.host_sstc)
            csr_write(stimecmp, UINT64_MAX);
        return;
    }
    if (platform.host_sstc)
        csr_write(stimecmp, when);
    else
        sbi_fw_set_timer(when);
    csr_set(sie, MIP_STIP);
}

/* Program the earliest of the hart's own deadline and the loaded vCPU's SBI timer. */
static void timer_update(struct hart_timer *t, struct vcpu *loaded)
{
    uint64_t when = t->sched_deadline;
    if (t->backstop && t->backstop < when)
        when = t->backstop;
    if (loaded && !loaded->arch.sstc && loaded->arch.timer_deadline < when)
        when = loaded->arch.timer_deadline;
    timer_set(t, when);
}

/* Timer deadline (timebase ticks) at which blocked vCPU `w` of the calling hart becomes
   runnable: its vstimecmp (Sstc) or SBI timer, when its guest enabled the timer interrupt
   (vsie.STIE); UINT64_MAX otherwise. */
static uint64_t wake_deadline(struct vcpu *w)
{
    bool loaded = this_pcpu()->loaded == w;
    uint64_t vsie = loaded ? csr_read(vsie) : w->arch.vsie;
    if (!(vsie & SIE_STIE))
        return UINT64_MAX;
    if (w->arch.sstc)
        return loaded ? csr_read(vstimecmp) : w->arch.vstimecmp;
    return w->arch.timer_deadline;
}

/* The wake-up deadline of blocked vCPU `w` if it is still to come: a deadline already past
   makes w runnable, and the slice (or the idle loop's next choice) covers it, so only future
   ones are armed, and none fires twice. For sched_blocked_wake(). */
static uint64_t future_wake(struct vcpu *w, uint64_t now)
{
    uint64_t d = wake_deadline(w);
    return d > now ? d : UINT64_MAX;
}

/* The next backstop look for a guest with Sstc under QEMU, 0 (none) elsewhere. */
static uint64_t backstop_after(const struct vcpu *v, uint64_t now)
{
    if (!platform.vstimer_backstop || !v->arch.sstc)
        return 0;
    return now + platform.timebase_hz / 1000u * RISCV_VSTIMER_BACKSTOP_MS;
}

void riscv_timer_run_begin(struct vcpu *v, bool shared)
{
    struct hart_timer *t = this_timer();
    t->sched_deadline = UINT64_MAX;
    t->backstop = backstop_after(v, time_now());
    sched_take_turn_end(); /* a stale one */
    if (shared) {
        uint64_t now = time_now();
        if (sched_others_may_run(v))
            t->sched_deadline = now + platform.timebase_hz * SCHED_SLICE_US / 1000000u;
        uint64_t wake = sched_blocked_wake(v, future_wake, now);
        if (wake < t->sched_deadline)
            t->sched_deadline = wake;
    }
    timer_update(t, v);
}

void riscv_timer_preempt_soon(struct vcpu *v)
{
    struct hart_timer *t = this_timer();
    uint64_t soon = time_now() + platform.timebase_hz * SCHED_WAKE_US / 1000000u;
    if (soon < t->sched_deadline) {
        t->sched_deadline = soon;
        timer_update(t, v);
    }
}

void riscv_timer_sync(struct vcpu *v)
{
    if (v->arch.sstc || v->arch.timer_deadline == UINT64_MAX || time_now() < v->arch.timer_deadline)
        return;
    v->arch.timer_deadline = UINT64_MAX;
    csr_set(hvip, MIP_VSTIP);
}

void riscv_vcpu_set_timer(struct vcpu *v, uint64_t stime_value)
{
    if (v->arch.sstc) {
        csr_write(vstimecmp, stime_value);
        return;
    }
    /* sec 6.1: the call clears a pending timer interrupt; a value already due pends at once
       (then keel's timer is left as it is: if it was armed for this vCPU's old deadline, it
       fires once for nothing and is disarmed then) */
    if (time_now() >= stime_value) {
        v->arch.timer_deadline = UINT64_MAX;
        csr_set(hvip, MIP_VSTIP);
        return;
    }
    csr_clear(hvip, MIP_VSTIP);
    v->arch.timer_deadline = stime_value;
    timer_update(this_timer(), v);
}

enum riscv_trap_result riscv_timer_irq(struct vcpu *v)
{
    struct hart_timer *t = this_timer();
    t->armed = 0; /* it fired: timer_update() below rewrites the compare value */
    riscv_timer_sync(v);
    if (t->backstop && time_now() >= t->backstop)
        t->backstop = backstop_after(v, time_now()); /* the look itself was the point */
    bool expired = time_now() >= t->sched_deadline;
    if (expired) {
        t->sched_deadline = UINT64_MAX;
        sched_end_turn();
    }
    timer_update(t, v);
    return expired ? TRAP_TO_LOOP : TRAP_RESUME;
}

void riscv_timer_nap(struct vcpu *v)
{
    struct hart_timer *t = this_timer();
    uint64_t when = time_now() + platform.timebase_hz / 100000u + 1; /* ~10 us */
    if (t->armed == 0 || t->armed > when)
        timer_set(t, when);
    __asm__ volatile("wfi");
    timer_update(t, v); /* back to the real deadline (clears a fired nap) */
}

/* The wake-up deadline of blocked vCPU `w` for an idle hart, past ones included: the timer
   then fires at once and ends the wfi. A deadline can pass between the run loop's choice
   (w not yet runnable) and this arming; dropping it as future_wake() does would leave the hart
   asleep with w runnable, for ever if nothing else wakes it. For sched_blocked_wake(). */
static uint64_t idle_wake(struct vcpu *w, uint64_t now)
{
    (void)now;
    return wake_deadline(w);
}

void riscv_timer_idle_begin(void)
{
    struct hart_timer *t = this_timer();
    /* every blocked vCPU of the hart counts here, the loaded one too (its SBI deadline is
       gated by its STIE like the others', so a masked timer never wakes the hart) */
    t->sched_deadline = sched_blocked_wake(NULL, idle_wake, time_now());
    t->backstop = 0; /* no guest runs */
    timer_update(t, NULL);
}

void riscv_timer_idle_end(void)
{
    struct hart_timer *t = this_timer();
    t->sched_deadline = UINT64_MAX;
    timer_set(t, UINT64_MAX);
}
