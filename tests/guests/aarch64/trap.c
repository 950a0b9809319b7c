/* SPDX-License-Identifier: MIT */
/*
 * psci-test guest: exception handling at EL1. On the primary CPU, an expected synchronous
 * exception (armed with exc_arm) is recorded and its instruction skipped; a conduit
 * instruction (hvc/smc) that raised an undefined-instruction exception returns
 * SMCCC_CALL_UNDEF in x0 and is skipped. Anything else is reported as a failure and the guest
 * carries on: a synchronous exception skips its instruction, an interrupt or SError gets
 * masked in the interrupted PSTATE, and an instruction abort or PC alignment fault (nothing
 * to skip) ends the run with the summary. On a secondary CPU any exception is recorded in
 * g_secondary and the CPU parks.
 */
#include "guest.h"

#define KIND_SYNC 0u
#define KIND_IRQ 1u
#define KIND_FIQ 2u
#define KIND_SERROR 3u
#define SPSR_A (UINT64_C(1) << 8)
#define SPSR_I (UINT64_C(1) << 7)
#define SPSR_F (UINT64_C(1) << 6)
#define INSN_HVC_MASK 0xffe0001fu
#define INSN_HVC 0xd4000002u
#define INSN_SMC 0xd4000003u

struct exc_state {
    volatile uint32_t armed;
    volatile uint32_t caught;
    volatile uint64_t esr;
    volatile uint64_t far;
    volatile uint64_t elr;
};

static struct exc_state g_exc;
static volatile uint32_t g_trap_depth;
static volatile uint32_t g_conduit_undef;
static volatile uint64_t g_primary_aff = UINT64_MAX;

void trap_set_primary(uint64_t mpidr_aff)
{
    g_primary_aff = mpidr_aff;
}

void exc_arm(void)
{
    g_exc.caught = 0;
    g_exc.esr = 0;
    g_exc.far = 0;
    g_exc.elr = 0;
    g_exc.armed = 1;
    __asm__ volatile("" ::: "memory");
}

struct exc_result exc_disarm(void)
{
    __asm__ volatile("" ::: "memory");
    struct exc_result r;
    g_exc.armed = 0;
    r.caught = g_exc.caught != 0;
    r.esr = g_exc.esr;
    r.far = g_exc.far;
    r.elr = g_exc.elr;
    return r;
}

uint32_t conduit_undef_count(void)
{
    return g_conduit_undef;
}

static uint32_t insn_at(uint64_t pc)
{
    return *(const volatile uint32_t *)(uintptr_t)pc;
}

/* Preferred return address of a synchronous exception: the instruction itself, except for
   SVC/HVC/SMC taken as calls (their ELR is already the next instruction). */
static uint64_t next_pc(uint64_t elr, uint32_t ec)
{
    if (ec == EC_SVC64 || ec == EC_HVC64 || ec == EC_SMC64)
        return elr;
    return elr + 4;
}

static void secondary_trap(struct trap_frame *f) __attribute__((noreturn));
static void secondary_trap(struct trap_frame *f)
{
    g_secondary.esr = f->esr;
    g_secondary.elr = f->elr;
    dmb_sy();
    g_secondary.state = SECONDARY_TRAPPED;
    dmb_sy();
    for (;;)
        wait_for_interrupt();
}

static void handle_async(struct trap_frame *f, uint32_t kind)
{
    static const char k_names[4][24] = { "", "unexpected IRQ", "unexpected FIQ",
                                         "unexpected SError" };
    static const uint64_t k_mask[4] = { 0, SPSR_I, SPSR_F, SPSR_A };
    /* Keep it masked in the interrupted context so it cannot come back at once. */
    f->spsr |= k_mask[kind];
    report_unexpected(k_names[kind], f->esr, f->elr, f->far);
}

void trap_handler(struct trap_frame *f, uint64_t kind)
{
    if ((read_mpidr() & MPIDR_AFF_MASK) != g_primary_aff)
        secondary_trap(f);

    uint32_t type = (uint32_t)kind & 3u;
    if (type != KIND_SYNC) {
        handle_async(f, type);
        return;
    }
    uint32_t ec = ESR_EC(f->esr);
    if (ec == EC_UNKNOWN) {
        uint32_t insn = insn_at(f->elr);
        if ((insn & INSN_HVC_MASK) == INSN_HVC || (insn & INSN_HVC_MASK) == INSN_SMC) {
            /* The conduit did not reach an SMCCC implementation: tell the caller. */
            g_conduit_undef = g_conduit_undef + 1;
            f->x[0] = (uint64_t)SMCCC_CALL_UNDEF;
            f->elr += 4;
            return;
        }
    }

    g_trap_depth = g_trap_depth + 1;
    if (g_trap_depth > 1) {
        /* The handler itself faulted: nothing sensible is left to do. */
        report_unexpected("exception inside the exception handler", f->esr, f->elr, f->far);
        finish();
    }
    bool cannot_skip = ec == EC_IABT_CUR || ec == EC_PC_ALIGN;
    if (g_exc.armed != 0 && !cannot_skip) {
        g_exc.armed = 0;
        g_exc.esr = f->esr;
        g_exc.far = f->far;
        g_exc.elr = f->elr;
        g_exc.caught = 1;
        f->elr = next_pc(f->elr, ec);
    } else if (cannot_skip) {
        report_unexpected("unexpected instruction abort", f->esr, f->elr, f->far);
        g_trap_depth = 0;
        finish();
    } else {
        report_unexpected("unexpected exception", f->esr, f->elr, f->far);
        f->elr = next_pc(f->elr, ec);
    }
    g_trap_depth = g_trap_depth - 1;
}
