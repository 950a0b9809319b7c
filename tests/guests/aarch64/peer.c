/* SPDX-License-Identifier: MIT */
/*
 * peer: the bare-metal VM of the AArch64 linux-plus-baremetal scenario
 * (configs/qemu-virt-aarch64/linux-plus-baremetal.dts). It waits for the inter-VM doorbell
 * (hyp/include/keel/vdev/doorbell.h) through its virtual GICv2, prints the message the Linux VM
 * put in the shared memory, reads outside its own memory (which must fault: keel isolates VMs),
 * and shuts its VM down with PSCI SYSTEM_OFF while the Linux VM keeps running.
 *
 * The addresses are keel's AArch64 guest platform (hyp/vplat_arm_virt.c), not read from the
 * device tree or the scenario's bootargs: distributor 0x08000000, CPU interface 0x08010000,
 * PL011 0x09000000, doorbell 0x09010000 on SPI 2 (INTID 34); shared memory at SHMEM_GPA.
 *
 * The framework's trap handler (trap.c) treats every interrupt as unexpected, so the peer
 * installs spi.c's vector table: its IRQ entry calls guest_irq() here, which acknowledges the
 * interrupt, clears the doorbell and ends it.
 */
#include "guest.h"

#define SHMEM_GPA UINT64_C(0x80000000)
#define DOORBELL_GPA UINT64_C(0x09010000)
#define DOORBELL_INTID 34u
#define OUTSIDE_GPA UINT64_C(0x1000000000) /* not RAM, not a device, not shared: must fault */

/* doorbell registers (keel/vdev/doorbell.h) */
#define DOORBELL_ID 0x00u
#define DOORBELL_SELF 0x04u
#define DOORBELL_PENDING 0x0cu

#define INTID_MASK 0x3ffu
#define INTID_SPURIOUS 1023u

#define MSG_MAX 128u

/* What the IRQ handler saw (written with IRQs masked on this, the only, CPU). */
struct irq_record {
    volatile uint32_t doorbell_count; /* doorbell interrupts taken */
    volatile uint32_t doorbell_iar;   /* GICC_IAR of the last one */
    volatile uint32_t from;           /* PENDING bits read (and cleared) */
    volatile uint32_t other_count;    /* any other INTID acknowledged */
    volatile uint32_t other_intid;
};

static struct irq_record g_irq;

void guest_irq(void)
{
    uint32_t iar = gic_ack(&g_spi_gic);
    uint32_t intid = iar & INTID_MASK;
    if (intid == DOORBELL_INTID) {
        /* clear the doorbell first: its level line drops, so the EOI does not re-pend it */
        uint32_t from = mmio_read32(DOORBELL_GPA + DOORBELL_PENDING);
        mmio_write32(DOORBELL_GPA + DOORBELL_PENDING, from);
        g_irq.from = g_irq.from | from;
        g_irq.doorbell_iar = iar;
        g_irq.doorbell_count = g_irq.doorbell_count + 1;
    } else if (intid != INTID_SPURIOUS) {
        g_irq.other_intid = intid;
        g_irq.other_count = g_irq.other_count + 1;
    }
    gic_eoi(&g_spi_gic, iar);
}

void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far)
{
    out("peer: ERROR: %s esr=0x%lx elr=0x%lx far=0x%lx\n", what, esr, elr, far);
}

void finish(void)
{
    vm_system_off("peer", false);
}

static void print_message(void)
{
    uint32_t len = mmio_read32(SHMEM_GPA);
    uint32_t n = len < MSG_MAX - 1 ? len : MSG_MAX - 1;
    char msg[MSG_MAX];
    const volatile uint8_t *shm = (const volatile uint8_t *)(uintptr_t)(SHMEM_GPA + 4);
    for (uint32_t i = 0; i < n; i++)
        msg[i] = (char)shm[i];
    msg[n] = '\0';
    out("peer: message: \"%s\" (%u bytes)\n", msg, len);
}

static void check_isolation(void)
{
    uint64_t v = 0;
    exc_arm();
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(OUTSIDE_GPA) : "memory");
    struct exc_result e = exc_disarm();
    if (!e.caught)
        out("peer: ERROR: read outside my memory at 0x%lx returned 0x%lx\n", OUTSIDE_GPA, v);
    else if (ESR_EC(e.esr) != EC_DABT_CUR)
        out("peer: ERROR: read outside my memory at 0x%lx raised EC 0x%x (esr 0x%lx), "
            "not a data abort (EC 0x%x)\n",
            OUTSIDE_GPA, ESR_EC(e.esr), e.esr, EC_DABT_CUR);
    else
        out("peer: read outside my memory at 0x%lx faulted (EC 0x%x): isolation holds\n",
            OUTSIDE_GPA, ESR_EC(e.esr));
}

void guest_main(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_el, uint64_t entry_daif,
                uint64_t entry_sctlr)
{
    (void)dtb;
    (void)entry_el;
    (void)entry_daif;
    (void)entry_sctlr;
    (void)single_cpu_start("peer", bad_relocs);
    spi_install_vectors();
    uint32_t self = mmio_read32(DOORBELL_GPA + DOORBELL_SELF);
    out("peer: bare-metal VM %u up, doorbell id 0x%x; waiting for a message\n", self,
        mmio_read32(DOORBELL_GPA + DOORBELL_ID));

    spi_enable(DOORBELL_INTID);
    /* Test and wfi with IRQs masked (a pending interrupt still wakes wfi), then take it in
       an unmasked window: an interrupt between the test and the wfi cannot be lost. */
    while (g_irq.doorbell_count == 0) {
        wait_for_interrupt();
        spi_irq_window();
    }
    if (g_irq.other_count != 0)
        out("peer: ERROR: %u other interrupt(s), last INTID %u\n", g_irq.other_count,
            g_irq.other_intid);
    out("peer: doorbell interrupt (INTID %u) from VM bitmap 0x%x\n",
        g_irq.doorbell_iar & INTID_MASK, g_irq.from);

    print_message();
    check_isolation();
    out("peer: shutting down this VM\n");
    finish();
}
