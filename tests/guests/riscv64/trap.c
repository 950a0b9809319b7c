/* SPDX-License-Identifier: MIT */
/*
 * sbi-test guest: trap handling. Expected exceptions (armed with exc_arm) are recorded and
 * the faulting instruction is skipped; expected interrupts (irq_expect) are recorded and
 * masked in sie. Anything else is reported as a failure and the guest carries on: an
 * exception skips its instruction, an interrupt gets masked, and a fault on instruction
 * fetch (nothing to skip) ends the run with the summary.
 */
#include "guest.h"

struct exc_state {
    volatile uint32_t armed;
    volatile uint32_t caught;
    volatile uint64_t scause;
    volatile uint64_t stval;
    volatile uint64_t sepc;
};

static struct exc_state g_exc;
static volatile uint64_t g_irq_expected; /* bit n: interrupt code n is expected */
static volatile uint32_t g_trap_depth;
struct irq_state g_irq;

void exc_arm(void)
{
    g_exc.caught = 0;
    g_exc.scause = 0;
    g_exc.stval = 0;
    g_exc.sepc = 0;
    g_exc.armed = 1;
    __asm__ volatile("" ::: "memory");
}

struct exc_result exc_disarm(void)
{
    __asm__ volatile("" ::: "memory");
    struct exc_result r;
    g_exc.armed = 0;
    r.caught = g_exc.caught != 0;
    r.scause = g_exc.scause;
    r.stval = g_exc.stval;
    r.sepc = g_exc.sepc;
    return r;
}

void irq_expect(uint32_t code)
{
    g_irq.count = 0;
    g_irq.scause = 0;
    g_irq.time = 0;
    g_irq_expected |= UINT64_C(1) << code;
}

void irq_unexpect(uint32_t code)
{
    g_irq_expected &= ~(UINT64_C(1) << code);
}

/* Length of the instruction at pc: 2 for compressed encodings, else 4. */
static uint64_t insn_length(uint64_t pc)
{
    const volatile uint16_t *p = (const volatile uint16_t *)(uintptr_t)pc;
    return (p[0] & 3u) == 3u ? 4 : 2;
}

static volatile uint64_t g_probe_code = UINT64_MAX; /* interrupt code irq_probe_pending() looks for */
static volatile bool g_probe_hit;

bool irq_probe_pending(uint32_t code)
{
    uint64_t bit = UINT64_C(1) << code;
    uint64_t sie_before = csr_read_sie();
    bool sstatus_sie = (csr_read_sstatus() & SSTATUS_SIE) != 0;
    irq_disable();
    g_probe_hit = false;
    g_probe_code = code;
    csr_set_sie(bit);
    irq_enable();
    __asm__ volatile("nop; nop; nop; nop" ::: "memory");
    irq_disable();
    g_probe_code = UINT64_MAX;
    /* the handler masked the source; put sie back as the caller had it */
    csr_clear_sie(bit);
    csr_set_sie(sie_before & bit);
    if (sstatus_sie)
        irq_enable();
    return g_probe_hit;
}

static void handle_interrupt(struct trap_frame *f)
{
    uint64_t code = f->scause & ~SCAUSE_INTERRUPT;
    uint64_t bit = code < 64 ? UINT64_C(1) << code : 0;
    /* Mask the source so it cannot fire again; the checks re-enable what they need. */
    csr_clear_sie(bit);
    if (code == g_probe_code) {
        g_probe_hit = true;
        return;
    }
    if (code == IRQ_S_SOFT)
        csr_clear_sip(SIP_SSIP);
    if ((g_irq_expected & bit) != 0) {
        g_irq.scause = f->scause;
        g_irq.time = read_time();
        g_irq.count = g_irq.count + 1;
        return;
    }
    report_unexpected("unexpected interrupt", f->scause, f->sepc, f->stval);
}

void trap_handler(struct trap_frame *f)
{
    if ((f->scause & SCAUSE_INTERRUPT) != 0) {
        handle_interrupt(f);
        return;
    }
    g_trap_depth = g_trap_depth + 1;
    if (g_trap_depth > 1) {
        /* The handler itself faulted: nothing sensible is left to do. */
        report_unexpected("trap inside the trap handler", f->scause, f->sepc, f->stval);
        finish();
    }
    uint64_t cause = f->scause;
    bool fetch_fault = cause == 0 || cause == EXC_INSN_ACCESS || cause == EXC_INSN_PAGE_FAULT;
    if (g_exc.armed != 0 && !fetch_fault) {
        g_exc.armed = 0;
        g_exc.scause = cause;
        g_exc.stval = f->stval;
        g_exc.sepc = f->sepc;
        g_exc.caught = 1;
        f->sepc += insn_length(f->sepc);
    } else if (fetch_fault) {
        report_unexpected("unexpected instruction fetch fault", cause, f->sepc, f->stval);
        g_trap_depth = 0;
        finish();
    } else {
        report_unexpected("unexpected trap", cause, f->sepc, f->stval);
        f->sepc += insn_length(f->sepc);
    }
    g_trap_depth = g_trap_depth - 1;
}
