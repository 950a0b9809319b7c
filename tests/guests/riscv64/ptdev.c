/* SPDX-License-Identifier: MIT */
/*
 * ptdev: the guest of the pass-through test (tests/qemu/scenarios/passthrough-riscv64.dts). Its VM
 * owns QEMU virt's goldfish RTC: the host window 0x101000 is mapped at the same GPA and host
 * PLIC source 11 arrives as source 12 of the VM's virtual PLIC (11 is keel's doorbell there).
 * The guest reads the clock with no exit, arms the alarm twice and takes both interrupts
 * through its virtual PLIC (the second proves keel re-opened the host's delivery when the guest
 * completed the first), and checks that the page next to the window (QEMU's test finisher,
 * which would stop the machine) is not mapped. Goldfish RTC registers: Android emulator
 * "goldfish" RTC, as QEMU hw/rtc/goldfish_rtc.c implements them.
 */
#include "guest.h"

#define RTC_GPA UINT64_C(0x101000)
#define RTC_TIME_LOW 0x00u
#define RTC_TIME_HIGH 0x04u
#define RTC_ALARM_LOW 0x08u
#define RTC_ALARM_HIGH 0x0cu
#define RTC_IRQ_ENABLED 0x10u
#define RTC_CLEAR_INTERRUPT 0x1cu
#define RTC_IRQ 12 /* guest PLIC source, scenario: interrupts = <11 12> */
#define FINISHER_GPA UINT64_C(0x100000)
#define PLIC_GPA UINT64_C(0x0c000000)
#define ALARM_DELAY_NS UINT64_C(20000000) /* 20 ms */
#define WAIT_TICKS UINT64_C(50000000)     /* 5 s at the 10 MHz timebase */
#define IRQ_S_EXT 9
#define SIE_SEIE (UINT64_C(1) << 9)

static uint32_t g_errors;

void report_unexpected(const char *what, uint64_t scause, uint64_t sepc, uint64_t stval)
{
    out("ptdev: ERROR: unexpected %s scause=0x%lx sepc=0x%lx stval=0x%lx\n", what, scause, sepc,
        stval);
}

void finish(void)
{
    out("ptdev: %s (%u errors)\n", g_errors ? "FAILED" : "all checks passed", g_errors);
    vm_shutdown();
}

/* The RTC's nanoseconds: reading TIME_LOW latches TIME_HIGH. */
static uint64_t rtc_now(void)
{
    uint32_t lo = mmio_read32(RTC_GPA + RTC_TIME_LOW);
    return ((uint64_t)mmio_read32(RTC_GPA + RTC_TIME_HIGH) << 32) | lo;
}

/* Arm the alarm ALARM_DELAY_NS ahead, wait for the interrupt, claim, clear and complete it. */
static bool alarm_round(uint32_t round)
{
    uint64_t when = rtc_now() + ALARM_DELAY_NS;
    irq_expect(IRQ_S_EXT);
    csr_set_sie(SIE_SEIE);
    mmio_write32(RTC_GPA + RTC_ALARM_HIGH, (uint32_t)(when >> 32));
    mmio_write32(RTC_GPA + RTC_ALARM_LOW, (uint32_t)when); /* arms it */
    uint64_t start = read_time();
    irq_enable();
    while (g_irq.count == 0 && read_time() - start < WAIT_TICKS)
        wait_for_interrupt();
    irq_disable();
    if (g_irq.count == 0) {
        out("ptdev: ERROR: alarm %u: no interrupt within 5 s\n", round);
        g_errors++;
        return false;
    }
    uint32_t claimed = mmio_read32(PLIC_GPA + 0x200004);
    uint64_t late = rtc_now() - when;
    mmio_write32(RTC_GPA + RTC_CLEAR_INTERRUPT, 1); /* the device lowers its line */
    mmio_write32(PLIC_GPA + 0x200004, claimed);     /* complete: keel completes the host source */
    if (claimed != RTC_IRQ) {
        out("ptdev: ERROR: alarm %u: claimed source %u, expected %u\n", round, claimed, RTC_IRQ);
        g_errors++;
        return false;
    }
    out("ptdev: alarm %u: interrupt on virtual PLIC source %u, %lu us after the alarm time\n",
        round, claimed, late / 1000);
    return true;
}

void guest_main(uint64_t hartid, uint64_t dtb, uint64_t bad_relocs, uint64_t entry_sstatus)
{
    (void)hartid;
    (void)dtb;
    (void)entry_sstatus;
    g_errors += single_hart_start("ptdev", bad_relocs);

    /* the clock: a plausible date (after 2020), moving forward */
    uint64_t t0 = rtc_now();
    uint64_t t1 = t0;
    uint64_t start = read_time();
    while (t1 == t0 && read_time() - start < WAIT_TICKS) /* the clock may tick in microseconds */
        t1 = rtc_now();
    if (t0 / 1000000000u < 1577836800u || t1 <= t0) {
        out("ptdev: ERROR: the RTC does not read as a running clock (0x%lx, then 0x%lx)\n", t0, t1);
        g_errors++;
    } else
        out("ptdev: RTC at GPA 0x%lx reads %lu s since 1970 and advances (by %lu ns)\n",
            RTC_GPA, t0 / 1000000000u, t1 - t0);

    /* the interrupt, twice: source 12 at priority 1, enabled for context 0, threshold 0 */
    mmio_write32(PLIC_GPA + 4 * RTC_IRQ, 1);
    mmio_write32(PLIC_GPA + 0x2000, 1u << RTC_IRQ);
    mmio_write32(PLIC_GPA + 0x200000, 0);
    mmio_write32(RTC_GPA + RTC_IRQ_ENABLED, 1);
    if (alarm_round(1))
        alarm_round(2);
    mmio_write32(RTC_GPA + RTC_IRQ_ENABLED, 0);

    /* only the window is mapped: the finisher next to it is not */
    exc_arm();
    uint32_t v = mmio_read32(FINISHER_GPA);
    struct exc_result e = exc_disarm();
    if (e.caught) {
        out("ptdev: the page below the window (0x%lx) faults (scause %lu): only the window is "
            "passed through\n", FINISHER_GPA, e.scause);
    } else {
        out("ptdev: ERROR: the page at 0x%lx is readable (0x%x)\n", FINISHER_GPA, v);
        g_errors++;
    }
    finish();
}
