/* SPDX-License-Identifier: MIT */
/*
 * bench: exit-path costs in retired instructions, measured by the guest at EL1. Under QEMU
 * -icount shift=0 every retired instruction of every exception level advances QEMU's virtual
 * clock by 1 ns. QEMU 7.2 derives the PMU cycle counter PMCCNTR_EL0 from that clock at 1 GHz
 * (target/arm/helper.c cycles_get_count), so with PMCCFILTR_EL0.NSH set (count at EL2 too)
 * it counts every instruction, guest and hypervisor: 1-instruction resolution, guest to guest.
 * The generic timer (CNTVCT_EL0) only ticks at CNTFRQ_EL0 (62.5 MHz: 16 instructions); it is
 * the fallback when the PMU cycle counter does not pass the calibration below.
 * scripts/bench.sh runs this guest under keel and on bare QEMU.
 *
 * Each exit figure is the median of SAMPLES batches of REPS back-to-back operations (unrolled,
 * no loop), minus the same counter read pair with nothing between, divided by REPS; the
 * interrupt figure is the median of SAMPLES single shots. Output: "bench: <name> <instructions>"
 * lines, "bench: done", then PSCI SYSTEM_OFF.
 */
#include "guest.h"

#define SAMPLES 15
#define REPS 32
#define REPS_STR "32"
#define CALIB_NOPS 256
#define CALIB_NOPS_STR "256"

#define DEFAULT_GICD UINT64_C(0x08000000)
#define DEFAULT_UART UINT64_C(0x09000000)
#define GICD_TYPER 0x004u
#define UARTFR 0x018u
#define INTID_MASK 0x3ffu

#define PMCR_E (UINT64_C(1) << 0)
#define PMCR_C (UINT64_C(1) << 2)         /* reset the cycle counter */
#define PMCR_D (UINT64_C(1) << 3)         /* count every 64th cycle: keep clear */
#define PMCR_LC (UINT64_C(1) << 6)        /* 64-bit cycle counter overflow */
#define PMCNTEN_C (UINT64_C(1) << 31)
#define PMCCFILTR_NSH (UINT64_C(1) << 27) /* count at (non-secure) EL2 as well */
#define ID_AA64DFR0_PMUVER(v) (((v) >> 8) & 0xfu)

static struct platform_info g_plat;
static bool g_use_smc;
static bool g_pmu;          /* PMCCNTR_EL0 counts instructions; else CNTVCT_EL0 */
static uint64_t g_tick_insns = 1; /* instructions per counter tick */

void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far)
{
    out("bench: error: %s esr=0x%lx elr=0x%lx far=0x%lx\n", what, esr, elr, far);
}

void finish(void)
{
    vm_system_off("bench", g_use_smc);
}

static void sort(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static uint64_t median(uint64_t *v)
{
    sort(v, SAMPLES);
    return v[SAMPLES / 2];
}

/* ---- the counter ---- */

/* Operation bodies, REPS times. x0-x17 are declared clobbered around calls (SMCCC v1.0). */
#define BODY_NONE ""
#define BODY_HVC ".rept " REPS_STR "\n\tmov x0, #0x84000000\n\thvc #0\n\t.endr\n\t"
#define BODY_SMC ".rept " REPS_STR "\n\tmov x0, #0x84000000\n\tsmc #0\n\t.endr\n\t"
#define BODY_LOAD ".rept " REPS_STR "\n\tldr w9, [%2]\n\t.endr\n\t"
#define CALL_CLOBBERS                                                                           \
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",     \
        "x14", "x15", "x16", "x17", "memory"

/* "isb; mrs" of the counter in use into %0: one macro so every stamp costs the same. */
#define STAMP(reg) "isb\n\tmrs " reg ", pmccntr_el0\n\t"
#define STAMP_VCT(reg) "isb\n\tmrs " reg ", cntvct_el0\n\t"

static void pmu_start(void)
{
    uint64_t dfr0;
    __asm__ volatile("mrs %0, id_aa64dfr0_el1" : "=r"(dfr0));
    uint64_t ver = ID_AA64DFR0_PMUVER(dfr0);
    if (ver == 0 || ver == 0xf)
        return; /* no PMUv3 */
    uint64_t pmcr;
    __asm__ volatile("mrs %0, pmcr_el0" : "=r"(pmcr));
    pmcr = (pmcr & ~PMCR_D) | PMCR_E | PMCR_C | PMCR_LC;
    __asm__ volatile("msr pmccfiltr_el0, %0\n\t"
                     "msr pmcntenset_el0, %1\n\t"
                     "msr pmcr_el0, %2\n\t"
                     "isb" ::"r"(PMCCFILTR_NSH),
                     "r"(PMCNTEN_C), "r"(pmcr)
                     : "memory");
    /* Calibrate: CALIB_NOPS nops between two stamps must read CALIB_NOPS + 2 (isb, mrs). */
    uint64_t t0, t1;
    __asm__ volatile(STAMP("%0") ".rept " CALIB_NOPS_STR "\n\tnop\n\t.endr\n\t" STAMP("%1")
                     : "=&r"(t0), "=r"(t1)::"memory");
    uint64_t d = t1 - t0;
    out("bench: calibration pmccntr_el0 %lu for %u nops\n", d, CALIB_NOPS);
    g_pmu = d >= CALIB_NOPS && d <= CALIB_NOPS + 8;
}

/*
 * The calibration ran at EL1 only. Time a batch of PSCI_VERSION calls with both counters at
 * once: a PMU that does not count what runs below the guest (EL2 filtered, a hypervisor that
 * stops the counter) falls behind CNTVCT_EL0, and the generic timer is used instead.
 */
static void pmu_check_exits(void)
{
    uint64_t p0, p1, v0, v1;
    uint64_t f = read_cntfrq();
    uint64_t tick = f != 0 ? UINT64_C(1000000000) / f : 16;
    if (g_use_smc)
        __asm__ volatile("isb\n\tmrs %0, pmccntr_el0\n\tmrs %2, cntvct_el0\n\t" BODY_SMC
                         "isb\n\tmrs %1, pmccntr_el0\n\tmrs %3, cntvct_el0\n\t"
                         : "=&r"(p0), "=&r"(p1), "=&r"(v0), "=&r"(v1)::CALL_CLOBBERS);
    else
        __asm__ volatile("isb\n\tmrs %0, pmccntr_el0\n\tmrs %2, cntvct_el0\n\t" BODY_HVC
                         "isb\n\tmrs %1, pmccntr_el0\n\tmrs %3, cntvct_el0\n\t"
                         : "=&r"(p0), "=&r"(p1), "=&r"(v0), "=&r"(v1)::CALL_CLOBBERS);
    uint64_t p = p1 - p0;
    uint64_t v = (v1 - v0) * tick;
    out("bench: calibration %u PSCI_VERSION calls: pmccntr_el0 %lu, cntvct_el0 %lu x %lu\n", REPS, p,
        v1 - v0, tick);
    if (p + 2 * tick < v || p > v + 2 * tick)
        g_pmu = false;
}

static void counter_setup(void)
{
    pmu_start();
    if (g_pmu)
        pmu_check_exits();
    if (g_pmu) {
        g_tick_insns = 1;
        out("bench: counter pmccntr_el0 (1 instruction per tick)\n");
        return;
    }
    uint64_t f = read_cntfrq();
    g_tick_insns = f != 0 ? UINT64_C(1000000000) / f : 16; /* shift=0: 1 ns per instruction */
    out("bench: counter cntvct_el0 at %lu Hz (%lu instructions per tick)\n", f, g_tick_insns);
}

/* ---- exits: REPS operations between two stamps ---- */

enum op { OP_NONE, OP_HVC_PSCI_VERSION, OP_SMC_PSCI_VERSION, OP_LOAD32 };

#define BATCH(stamp, body, t0, t1, addr)                                                        \
    __asm__ volatile(stamp("%0") body stamp("%1")                                               \
                     : "=&r"(t0), "=&r"(t1)                                                     \
                     : "r"(addr)                                                                \
                     : CALL_CLOBBERS)

static uint64_t batch(enum op op, uint64_t addr)
{
    uint64_t t0 = 0, t1 = 0;
    if (g_pmu) {
        switch (op) {
        case OP_NONE: BATCH(STAMP, BODY_NONE, t0, t1, addr); break;
        case OP_HVC_PSCI_VERSION: BATCH(STAMP, BODY_HVC, t0, t1, addr); break;
        case OP_SMC_PSCI_VERSION: BATCH(STAMP, BODY_SMC, t0, t1, addr); break;
        case OP_LOAD32: BATCH(STAMP, BODY_LOAD, t0, t1, addr); break;
        }
    } else {
        switch (op) {
        case OP_NONE: BATCH(STAMP_VCT, BODY_NONE, t0, t1, addr); break;
        case OP_HVC_PSCI_VERSION: BATCH(STAMP_VCT, BODY_HVC, t0, t1, addr); break;
        case OP_SMC_PSCI_VERSION: BATCH(STAMP_VCT, BODY_SMC, t0, t1, addr); break;
        case OP_LOAD32: BATCH(STAMP_VCT, BODY_LOAD, t0, t1, addr); break;
        }
    }
    return (t1 - t0) * g_tick_insns;
}

static uint64_t measure_raw(enum op op, uint64_t addr)
{
    uint64_t s[SAMPLES];
    for (unsigned k = 0; k < SAMPLES; k++)
        s[k] = batch(op, addr);
    return median(s);
}

/* instructions per operation, guest to guest */
static uint64_t measure(enum op op, uint64_t addr)
{
    uint64_t base = measure_raw(OP_NONE, 0);
    uint64_t raw = measure_raw(op, addr);
    return raw > base ? (raw - base + REPS / 2) / REPS : 0;
}

/* ---- virtual timer interrupt: from the CNTV_CVAL write to the guest's IRQ vector ---- */

volatile uint64_t g_irq_stamp[2]; /* PMCCNTR_EL0, CNTVCT_EL0 at the vector's first instructions */
extern char bench_vectors[] __attribute__((visibility("hidden")));

/*
 * A vector table whose "current EL with SP_ELx, IRQ" entry stamps both counters (PMCCNTR
 * first: it is the first instruction of the handler), returns with PSTATE.I masked (the
 * interrupt stays pending at the GIC; the C code acknowledges it) and clobbers x9-x11 only,
 * which the measured sequence declares clobbered. Every other entry goes on to start.S's
 * el1_vectors, so anything unexpected is still reported.
 */
__asm__(".pushsection .text.bench_vectors, \"ax\"\n"
        ".balign 2048\n"
        ".globl bench_vectors\n"
        "bench_vectors:\n"
        ".irp n, 0, 1, 2, 3, 4\n"
        ".org bench_vectors + \\n * 0x80\n"
        "    b el1_vectors + \\n * 0x80\n"
        ".endr\n"
        ".org bench_vectors + 5 * 0x80\n"
        "    mrs x9, pmccntr_el0\n"
        "    mrs x10, cntvct_el0\n"
        "    adrp x11, g_irq_stamp\n"
        "    add x11, x11, :lo12:g_irq_stamp\n"
        "    stp x9, x10, [x11]\n"
        "    mrs x9, spsr_el1\n"
        "    orr x9, x9, #0x80\n"
        "    msr spsr_el1, x9\n"
        "    eret\n"
        ".irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        ".org bench_vectors + \\n * 0x80\n"
        "    b el1_vectors + \\n * 0x80\n"
        ".endr\n"
        ".org bench_vectors + 16 * 0x80\n"
        ".popsection\n");

static uint64_t timer_once(uint32_t intid, bool *ok)
{
    uint64_t start;
    write_cntv_cval(UINT64_MAX); /* nothing pending before we start */
    write_cntv_ctl(CNTV_CTL_ENABLE);
    g_irq_stamp[0] = 0;
    g_irq_stamp[1] = 0;
    uint64_t now = read_cntvct();
    if (g_pmu)
        __asm__ volatile("msr daifclr, #2\n\t"
                         "isb\n\t"
                         "mrs %[start], pmccntr_el0\n\t"
                         "msr cntv_cval_el0, %[now]\n\t"
                         "isb\n\t"
                         ".rept 16\n\tnop\n\t.endr\n\t"
                         "msr daifset, #2\n\t"
                         : [start] "=&r"(start)
                         : [now] "r"(now)
                         : "x9", "x10", "x11", "memory");
    else
        __asm__ volatile("msr daifclr, #2\n\t"
                         "isb\n\t"
                         "mrs %[start], cntvct_el0\n\t"
                         "msr cntv_cval_el0, %[now]\n\t"
                         "isb\n\t"
                         ".rept 16\n\tnop\n\t.endr\n\t"
                         "msr daifset, #2\n\t"
                         : [start] "=&r"(start)
                         : [now] "r"(now)
                         : "x9", "x10", "x11", "memory");
    uint64_t stamp = g_pmu ? g_irq_stamp[0] : g_irq_stamp[1];
    /* acknowledge, drop the level (timer far away), end the interrupt */
    uint32_t iar = gic_ack(&g_plat);
    write_cntv_cval(UINT64_MAX);
    gic_eoi(&g_plat, iar);
    if (stamp == 0 || (iar & INTID_MASK) != intid) {
        out("bench: error: virtual timer interrupt not taken (iar 0x%x, stamp %lu)\n", iar, stamp);
        *ok = false;
        return 0;
    }
    return (stamp - start) * g_tick_insns;
}

static void bench_timer(void)
{
    uint32_t intid = g_plat.timer_found ? g_plat.vtimer_intid : 27;
    const char *why;
    if (!gic_enable_ppi(&g_plat, intid, &why)) {
        out("bench: error: no virtual timer interrupt: %s\n", why);
        return;
    }
    uint64_t old_vbar;
    __asm__ volatile("mrs %0, vbar_el1" : "=r"(old_vbar));
    __asm__ volatile("msr vbar_el1, %0\n\tisb" ::"r"((uint64_t)(uintptr_t)bench_vectors)
                     : "memory");
    uint64_t s[SAMPLES];
    bool ok = true;
    for (unsigned k = 0; k < SAMPLES && ok; k++)
        s[k] = timer_once(intid, &ok);
    __asm__ volatile("msr vbar_el1, %0\n\tisb" ::"r"(old_vbar) : "memory");
    write_cntv_ctl(0);
    gic_disable_ppi(&g_plat, intid);
    if (ok)
        out("bench: vtimer_to_handler %lu\n", median(s));
}

void guest_main(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_el, uint64_t entry_daif,
                uint64_t entry_sctlr)
{
    (void)bad_relocs;
    (void)entry_daif;
    (void)entry_sctlr;
    trap_set_primary(read_mpidr() & MPIDR_AFF_MASK);
    bool have_dt = fdt_parse(dtb, &g_plat);
    console_init(have_dt && g_plat.uart_base != 0 ? g_plat.uart_base : DEFAULT_UART);
    g_use_smc = have_dt && g_plat.method == CONDUIT_SMC;
    uint64_t gicd = have_dt && g_plat.gic_version != 0 ? g_plat.gicd_base : DEFAULT_GICD;
    uint64_t uart = have_dt && g_plat.uart_base != 0 ? g_plat.uart_base : DEFAULT_UART;
    out("bench: platform %s, entered at EL%lu, PSCI conduit %s\n",
        have_dt ? g_plat.root_compatible : "(no device tree)", entry_el,
        g_use_smc ? "smc" : "hvc");
    counter_setup();

    out("bench: hvc_psci_version %lu\n",
        measure(g_use_smc ? OP_SMC_PSCI_VERSION : OP_HVC_PSCI_VERSION, 0));
    out("bench: mmio_gicd_read %lu\n", measure(OP_LOAD32, gicd + GICD_TYPER));
    out("bench: mmio_pl011_fr_read %lu\n", measure(OP_LOAD32, uart + UARTFR));
    bench_timer();
    if (g_el2_stub_traps[0] != 0)
        out("bench: error: %lu exceptions reached the EL2 stub (last ESR_EL2 0x%lx)\n",
            g_el2_stub_traps[0], g_el2_stub_traps[1]);
    out("bench: done\n");
    finish();
}
