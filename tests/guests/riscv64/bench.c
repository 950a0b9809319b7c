/* SPDX-License-Identifier: MIT */
/*
 * bench: exit-path costs in retired instructions, measured by the guest with rdinstret.
 * Under QEMU -icount shift=0 every retired instruction of every privilege mode advances the
 * counter by one, so a round trip through the hypervisor (or M-mode firmware) is counted
 * exactly, guest to guest. scripts/bench.sh runs this guest under keel and on bare QEMU.
 *
 * Each figure is the median of SAMPLES batches of REPS operations, minus the cost of the same
 * loop with the operation removed. Output: "bench: <name> <instructions>" lines.
 */
#include "guest.h"

#define SAMPLES 15
#define REPS 32

#define UART_LSR_GPA 0x10000005ull   /* ns16550 line status register */
#define PLIC_PRIO1_GPA 0x0c000004ull /* PLIC priority of source 1 */
#define PLIC_ENABLE0_GPA 0x0c002000ull /* PLIC enable bits of context 0, sources 0-31 */

static uint64_t rdinstret(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, instret" : "=r"(v)::"memory");
    return v;
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

enum op { OP_NONE, OP_SBI_BASE, OP_UART_LSR, OP_PLIC_PRIO, OP_PLIC_ENABLE };

static inline void do_op(enum op op)
{
    switch (op) {
    case OP_NONE:
        __asm__ volatile("" ::: "memory");
        break;
    case OP_SBI_BASE: {
        register uint64_t a0 __asm__("a0") = 0;
        register uint64_t a1 __asm__("a1");
        register uint64_t a6 __asm__("a6") = 0;    /* get_spec_version */
        register uint64_t a7 __asm__("a7") = 0x10; /* BASE */
        __asm__ volatile("ecall" : "+r"(a0), "=r"(a1) : "r"(a6), "r"(a7) : "memory");
        break;
    }
    case OP_UART_LSR:
        (void)*(volatile uint8_t *)(uintptr_t)UART_LSR_GPA;
        break;
    case OP_PLIC_PRIO:
        (void)*(volatile uint32_t *)(uintptr_t)PLIC_PRIO1_GPA;
        break;
    case OP_PLIC_ENABLE:
        (void)*(volatile uint32_t *)(uintptr_t)PLIC_ENABLE0_GPA;
        break;
    }
}

/* median instructions of REPS x op, per op */
static uint64_t measure_raw(enum op op)
{
    uint64_t s[SAMPLES];
    for (unsigned k = 0; k < SAMPLES; k++) {
        uint64_t t0 = rdinstret();
        for (unsigned i = 0; i < REPS; i++)
            do_op(op);
        uint64_t t1 = rdinstret();
        s[k] = t1 - t0;
    }
    sort(s, SAMPLES);
    return s[SAMPLES / 2];
}

static uint64_t measure(enum op op)
{
    uint64_t base = measure_raw(OP_NONE);
    uint64_t raw = measure_raw(op);
    return raw > base ? (raw - base + REPS / 2) / REPS : 0;
}

/* ---- timer: from the call that arms an already-due timer to the guest's handler ---- */

volatile uint64_t g_timer_stamp;
volatile struct secondary_report g_secondary; /* start.S secondary-hart entry writes here */
void bench_timer_vector(void);

/* A minimal trap vector: stamp instret, mask sie.STIE (the level stays pending), return.
   Clobbers t0-t2 only; the measured sequence declares them clobbered. */
__asm__(".balign 4\n"
        ".globl bench_timer_vector\n"
        "bench_timer_vector:\n"
        "    csrr t0, instret\n"
        "    lla t1, g_timer_stamp\n"
        "    sd t0, 0(t1)\n"
        "    li t2, 32\n"
        "    csrc sie, t2\n"
        "    sret\n");

static uint64_t timer_sbi_once(void)
{
    register uint64_t a0 __asm__("a0") = 0;     /* stime_value 0: already due */
    register uint64_t a1 __asm__("a1");
    register uint64_t a6 __asm__("a6") = 0;
    register uint64_t a7 __asm__("a7") = 0x54494D45; /* TIME */
    uint64_t start;
    sbi_call(0x54494D45, 0, UINT64_MAX, 0, 0, 0, 0); /* nothing pending before we start */
    g_timer_stamp = 0;
    __asm__ volatile("csrs sie, %[stie]\n"
                     "csrs sstatus, 2\n"
                     "csrr %[start], instret\n"
                     "ecall\n"
                     "nop\n"
                     "csrc sstatus, 2\n"
                     : [start] "=&r"(start), "+r"(a0), "=r"(a1)
                     : "r"(a6), "r"(a7), [stie] "r"(32ull)
                     : "t0", "t1", "t2", "memory");
    return g_timer_stamp ? g_timer_stamp - start : 0;
}

static uint64_t timer_sstc_once(void)
{
    uint64_t start;
    __asm__ volatile("csrw stimecmp, %0" ::"r"(UINT64_MAX)); /* nothing pending before we start */
    g_timer_stamp = 0;
    __asm__ volatile("csrs sie, %[stie]\n"
                     "csrs sstatus, 2\n"
                     "csrr %[start], instret\n"
                     "csrw stimecmp, zero\n"
                     "nop\n"
                     "csrc sstatus, 2\n"
                     : [start] "=&r"(start)
                     : [stie] "r"(32ull)
                     : "t0", "t1", "t2", "memory");
    return g_timer_stamp ? g_timer_stamp - start : 0;
}

static uint64_t measure_timer(uint64_t (*once)(void))
{
    uint64_t s[SAMPLES];
    uint64_t old_stvec;
    __asm__ volatile("csrr %0, stvec" : "=r"(old_stvec));
    __asm__ volatile("csrw stvec, %0" ::"r"((uint64_t)(uintptr_t)bench_timer_vector));
    for (unsigned k = 0; k < SAMPLES; k++)
        s[k] = once();
    __asm__ volatile("csrw stvec, %0" ::"r"(old_stvec));
    sbi_call(0x54494D45, 0, UINT64_MAX, 0, 0, 0, 0);
    sort(s, SAMPLES);
    return s[SAMPLES / 2];
}

void report_unexpected(const char *what, uint64_t scause, uint64_t sepc, uint64_t stval)
{
    out("bench: error: %s scause=0x%lx sepc=0x%lx stval=0x%lx\n", what, scause, sepc, stval);
}

void finish(void)
{
    out_flush();
    sbi_call(0x53525354, 0, 0, 0, 0, 0, 0);
    sbi_legacy_call(8, 0);
    for (;;)
        wait_for_interrupt();
}

void guest_main(uint64_t hartid, uint64_t dtb, uint64_t bad_relocs, uint64_t entry_sstatus)
{
    (void)bad_relocs;
    (void)entry_sstatus;
    struct platform_info info;
    bool have_dt = fdt_parse(dtb, hartid, &info);
    bool dbcn = sbi_call(0x10, 3, 0x4442434E, 0, 0, 0, 0).value != 0;
    console_init(dbcn, true);
    int64_t impl = sbi_call(0x10, 1, 0, 0, 0, 0, 0).value;
    out("bench: sbi implementation 0x%lx\n", (uint64_t)impl);
    out("bench: sbi_base_call %lu\n", measure(OP_SBI_BASE));
    out("bench: mmio_uart_lsr_read %lu\n", measure(OP_UART_LSR));
    out("bench: mmio_plic_priority_read %lu\n", measure(OP_PLIC_PRIO));
    out("bench: mmio_plic_enable_read %lu\n", measure(OP_PLIC_ENABLE));
    out("bench: timer_sbi_set_timer_to_handler %lu\n", measure_timer(timer_sbi_once));
    if (have_dt && info.has_sstc)
        out("bench: timer_stimecmp_to_handler %lu\n", measure_timer(timer_sstc_once));
    out("bench: done\n");
    finish();
}
