/* SPDX-License-Identifier: MIT */
/*
 * reboot: checks keel's VM reboot (issue 4, lifecycle): a VM that calls PSCI SYSTEM_RESET is
 * reloaded from its pristine images and restarted. The guest keeps its boot count in a
 * scenario shared-memory page (keel,shmem: it outlives the VM's own RAM), and on the first
 * boot dirties an initialised variable in its image before it resets. On the second boot the
 * variable must hold its initial value again (the image was copied again; the rest of RAM is,
 * as on a machine's reset, not cleared). It then shuts its VM down with SYSTEM_OFF.
 * The first boot also resets from inside an interrupt, as Linux does when it panics in an
 * interrupt handler with panic=N: it acknowledges an SGI and never ends it. The second boot
 * must still get interrupts of that priority, so the reset must have emptied the GIC's list
 * registers and active priorities (GICH_LRn, GICH_APR) that the old boot left behind.
 * Scenario: tests/qemu/scenarios/reboot-aarch64.dts (shared page at SHMEM_GPA).
 */
#include "guest.h"

#define SHMEM_GPA UINT64_C(0x80000000)
#define BOOT_MAGIC UINT64_C(0x6b65656c72656230) /* "keelreb0": the page holds a count */
#define DATA_INITIAL UINT64_C(0x1234567890abcdef)
#define DATA_DIRTY UINT64_C(0xdeadbeefdeadbeef)
#define SGI_TEST 3u
#define ACK_POLLS 100000u

/* In .data: the reload must put DATA_INITIAL back. */
static volatile uint64_t g_initialised = DATA_INITIAL;

struct boot_page {
    uint64_t magic;
    uint64_t boots;
};

void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far)
{
    out("reboot: ERROR: %s esr=0x%lx elr=0x%lx far=0x%lx\n", what, esr, elr, far);
}

static int64_t psci(uint64_t fn)
{
    struct smccc_regs r = { .x = { fn } };
    smccc_invoke(&r, 0);
    return (int64_t)r.x[0];
}

void finish(void)
{
    vm_system_off("reboot", false);
}

/* IRQs stay masked: no vector is taken */
void guest_irq(void)
{
}

/* SGI_TEST to this CPU, acknowledged from GICC_IAR (polled: the SGI is pending by the time the
   GICD_SGIR write returns, keel lists it before re-entry). Returns the IAR's INTID, 1023 when
   none came. */
static uint32_t sgi_round_trip(void)
{
    spi_enable(SGI_TEST);
    sgi_to_self(SGI_TEST);
    uint32_t iar = 1023u;
    for (uint32_t i = 0; i < ACK_POLLS && (iar & 0x3ffu) == 1023u; i++)
        iar = gic_ack(&g_spi_gic);
    return iar & 0x3ffu;
}

void guest_main(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_el, uint64_t entry_daif,
                uint64_t entry_sctlr)
{
    (void)dtb;
    (void)entry_el;
    (void)entry_daif;
    (void)entry_sctlr;
    (void)single_cpu_start("reboot", bad_relocs);
    volatile struct boot_page *page = (volatile struct boot_page *)(uintptr_t)SHMEM_GPA;

    if (page->magic != BOOT_MAGIC) {
        out("reboot: first boot; .data holds 0x%lx, dirtying it, then PSCI SYSTEM_RESET\n",
            g_initialised);
        page->magic = BOOT_MAGIC;
        page->boots = 1;
        g_initialised = DATA_DIRTY;
        uint32_t intid = sgi_round_trip();
        if (intid != SGI_TEST) {
            out("reboot: ERROR: SGI %u to self was not acknowledged (IAR %u)\n", SGI_TEST, intid);
            finish();
        }
        out("reboot: SGI %u acknowledged and left active, then PSCI SYSTEM_RESET\n", SGI_TEST);
        int64_t r = psci(PSCI_SYSTEM_RESET);
        out("reboot: ERROR: SYSTEM_RESET returned %ld\n", r);
        finish();
    }

    page->boots++;
    out("reboot: boot %lu\n", page->boots);
    if (g_initialised == DATA_INITIAL)
        out("reboot: reloaded from the pristine image: .data holds 0x%lx again\n", g_initialised);
    else
        out("reboot: ERROR: .data holds 0x%lx after the reboot, the image had 0x%lx\n", g_initialised,
            DATA_INITIAL);
    uint32_t intid = sgi_round_trip();
    if (intid == SGI_TEST) {
        out("reboot: an SGI reaches the new boot: the old boot's active one is gone\n");
        gic_eoi(&g_spi_gic, intid);
    } else {
        out("reboot: ERROR: no SGI in the new boot (IAR %u): the old boot's active SGI %u still blocks its priority\n",
            intid, SGI_TEST);
    }
    finish();
}
