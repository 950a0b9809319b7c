/* SPDX-License-Identifier: MIT */
/*
 * ptdev (AArch64): the guest of the pass-through test (tests/qemu/scenarios/passthrough-
 * aarch64.dts). Its VM owns QEMU virt's PL031 RTC: the host window 0x09010000 appears at GPA
 * RTC_GPA (0x09010000 is keel's doorbell in every VM) and its interrupt, host SPI INTID 34, as
 * INTID 40 of the VM's distributor (34 is keel's doorbell there). The guest checks the PrimeCell
 * identification registers and that the clock reads as a plausible date, with no exit, takes
 * the match interrupt twice (the second proves keel re-enabled the host SPI when the guest
 * EOIed the first), then checks that the page after the window is not mapped. PL031 registers:
 * Arm DDI 0224 (RTCDR 0x000, RTCMR 0x004, RTCIMSC 0x010, RTCRIS 0x014, RTCICR 0x01c;
 * PeriphID0..1 at 0xfe0..0xfe4 = 0x31, 0x10; PCellID0 at 0xff0 = 0x0d).
 */
#include "guest.h"

#define RTC_GPA UINT64_C(0x0a200000)
#define RTCDR 0x000u
#define RTCMR 0x004u
#define RTCIMSC 0x010u
#define RTCRIS 0x014u
#define RTCICR 0x01cu
#define RTC_INTID 40u /* guest INTID, scenario: interrupts = <34 40> */
#define INTID_MASK 0x3ffu
#define INTID_SPURIOUS 1023u
#define WAIT_SECONDS 5u
#define PERIPH_ID0 0xfe0u
#define PERIPH_ID1 0xfe4u
#define PCELL_ID0 0xff0u
#define AFTER_GPA (RTC_GPA + 0x1000u)

static uint32_t g_errors;

/* What the IRQ handler saw (written with IRQs masked on this, the only, CPU). */
static volatile uint32_t g_rtc_irqs, g_other_irqs, g_other_intid;

void guest_irq(void)
{
    uint32_t iar = gic_ack(&g_spi_gic);
    uint32_t intid = iar & INTID_MASK;
    if (intid == RTC_INTID) {
        mmio_write32(RTC_GPA + RTCICR, 1); /* the device lowers its line before the EOI */
        g_rtc_irqs = g_rtc_irqs + 1;
    } else if (intid != INTID_SPURIOUS) {
        g_other_intid = intid;
        g_other_irqs = g_other_irqs + 1;
    }
    gic_eoi(&g_spi_gic, iar);
}

/* Match one second ahead, wait (IRQs masked, wfi, then a window) for the interrupt. */
static void alarm_round(uint32_t round)
{
    uint32_t before = g_rtc_irqs;
    uint32_t start = mmio_read32(RTC_GPA + RTCDR);
    mmio_write32(RTC_GPA + RTCMR, start + 1);
    mmio_write32(RTC_GPA + RTCIMSC, 1);
    uint64_t t0 = read_cntvct(), freq = read_cntfrq();
    while (g_rtc_irqs == before && read_cntvct() - t0 < WAIT_SECONDS * freq) {
        wait_for_interrupt();
        spi_irq_window();
    }
    mmio_write32(RTC_GPA + RTCIMSC, 0);
    if (g_rtc_irqs == before) {
        out("ptdev: ERROR: alarm %u: no interrupt within %u s (RTCRIS 0x%x)\n", round,
            WAIT_SECONDS, mmio_read32(RTC_GPA + RTCRIS));
        g_errors++;
        return;
    }
    out("ptdev: alarm %u: interrupt on virtual INTID %u at RTCDR %u (match %u)\n", round,
        RTC_INTID, mmio_read32(RTC_GPA + RTCDR), start + 1);
}

void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far)
{
    out("ptdev: ERROR: unexpected %s esr=0x%lx elr=0x%lx far=0x%lx\n", what, esr, elr, far);
}

void finish(void)
{
    out("ptdev: %s (%u errors)\n", g_errors ? "FAILED" : "all checks passed", g_errors);
    vm_system_off("ptdev", false);
}

void guest_main(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_el, uint64_t entry_daif,
                uint64_t entry_sctlr)
{
    (void)dtb;
    (void)entry_el;
    (void)entry_daif;
    (void)entry_sctlr;
    g_errors += single_cpu_start("ptdev", bad_relocs);

    uint32_t id0 = mmio_read32(RTC_GPA + PERIPH_ID0) & 0xffu;
    uint32_t id1 = mmio_read32(RTC_GPA + PERIPH_ID1) & 0xffu;
    uint32_t cell0 = mmio_read32(RTC_GPA + PCELL_ID0) & 0xffu;
    if (id0 != 0x31 || id1 != 0x10 || cell0 != 0x0d) {
        out("ptdev: ERROR: no PL031 at GPA 0x%lx (PeriphID0 0x%x, PeriphID1 0x%x, PCellID0 0x%x)\n",
            RTC_GPA, id0, id1, cell0);
        g_errors++;
    } else {
        out("ptdev: PL031 at GPA 0x%lx (PeriphID 0x%x 0x%x)\n", RTC_GPA, id0, id1);
    }
    uint32_t secs = mmio_read32(RTC_GPA + RTCDR);
    if (secs < 1577836800u) {
        out("ptdev: ERROR: RTCDR reads %u, not a date after 2020\n", secs);
        g_errors++;
    } else {
        out("ptdev: RTCDR reads %u s since 1970\n", secs);
    }

    spi_install_vectors();
    spi_enable(RTC_INTID);
    alarm_round(1);
    if (g_errors == 0)
        alarm_round(2);
    if (g_other_irqs != 0) {
        out("ptdev: ERROR: %u other interrupt(s), last INTID %u\n", g_other_irqs, g_other_intid);
        g_errors++;
    }

    uint64_t v = 0;
    exc_arm();
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(AFTER_GPA) : "memory");
    struct exc_result e = exc_disarm();
    if (e.caught && ESR_EC(e.esr) == EC_DABT_CUR) {
        out("ptdev: the page after the window (0x%lx) faults: only the window is passed through\n",
            AFTER_GPA);
    } else {
        out("ptdev: ERROR: the page at 0x%lx: caught %d, EC 0x%x, value 0x%lx\n", AFTER_GPA,
            (int)e.caught, ESR_EC(e.esr), v);
        g_errors++;
    }
    finish();
}
