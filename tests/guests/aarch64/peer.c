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
 * installs a vector table of its own: the IRQ entry (current EL, SP_ELx) calls peer_irq(),
 * which acknowledges the interrupt, clears the doorbell and ends it; every other entry
 * branches to the framework's vector (el1_vectors in start.S) at the same offset.
 */
#include "guest.h"

#define SHMEM_GPA UINT64_C(0x80000000)
#define GICD_GPA UINT64_C(0x08000000)
#define GICC_GPA UINT64_C(0x08010000)
#define UART_GPA UINT64_C(0x09000000)
#define DOORBELL_GPA UINT64_C(0x09010000)
#define DOORBELL_INTID 34u
#define OUTSIDE_GPA UINT64_C(0x1000000000) /* not RAM, not a device, not shared: must fault */

/* doorbell registers (keel/vdev/doorbell.h) */
#define DOORBELL_ID 0x00u
#define DOORBELL_SELF 0x04u
#define DOORBELL_PENDING 0x0cu

/* GICv2 distributor and CPU interface (Arm IHI 0048B tables 4-1 and 4-2) */
#define GICD_CTLR 0x000u
#define GICD_ISENABLER 0x100u
#define GICD_IPRIORITYR 0x400u
#define GICD_ITARGETSR 0x800u
#define GICC_CTLR 0x000u
#define GICC_PMR 0x004u
#define IRQ_PRIORITY 0xa0u
#define PRIORITY_MASK_ALL 0xf0u
#define TARGET_CPU0 0x01u
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
static struct platform_info g_gic; /* only what gic_ack()/gic_eoi() use: a GICv2 */

void peer_irq(void); /* called from peer_vectors below */

/*
 * peer_vectors: 16 entries of 128 bytes, as el1_vectors. Entry 5 (IRQ from the current EL
 * with SP_ELx, where the peer runs) saves the registers a C call may change (x0-x18, x29,
 * x30), calls peer_irq() and returns; ELR/SPSR_EL1 survive because peer_irq() takes no
 * exception. Every other entry continues at the framework's vector.
 */
__asm__(".text\n"
        ".balign 2048\n"
        "peer_vectors:\n"
        ".irp kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        ".balign 128\n"
        ".if \\kind == 5\n"
        "b peer_irq_entry\n"
        ".else\n"
        "b el1_vectors + \\kind * 128\n"
        ".endif\n"
        ".endr\n"
        "peer_irq_entry:\n"
        "sub sp, sp, #176\n"
        "stp x0, x1, [sp, #0]\n"
        "stp x2, x3, [sp, #16]\n"
        "stp x4, x5, [sp, #32]\n"
        "stp x6, x7, [sp, #48]\n"
        "stp x8, x9, [sp, #64]\n"
        "stp x10, x11, [sp, #80]\n"
        "stp x12, x13, [sp, #96]\n"
        "stp x14, x15, [sp, #112]\n"
        "stp x16, x17, [sp, #128]\n"
        "stp x18, x29, [sp, #144]\n"
        "str x30, [sp, #160]\n"
        "bl peer_irq\n"
        "ldp x0, x1, [sp, #0]\n"
        "ldp x2, x3, [sp, #16]\n"
        "ldp x4, x5, [sp, #32]\n"
        "ldp x6, x7, [sp, #48]\n"
        "ldp x8, x9, [sp, #64]\n"
        "ldp x10, x11, [sp, #80]\n"
        "ldp x12, x13, [sp, #96]\n"
        "ldp x14, x15, [sp, #112]\n"
        "ldp x16, x17, [sp, #128]\n"
        "ldp x18, x29, [sp, #144]\n"
        "ldr x30, [sp, #160]\n"
        "add sp, sp, #176\n"
        "eret\n");

static void install_vectors(void)
{
    uint64_t table;
    __asm__ volatile("adr %0, peer_vectors" : "=r"(table));
    __asm__ volatile("msr vbar_el1, %0\n\tisb" ::"r"(table) : "memory");
}

/* Unmask IRQs for a moment: an interrupt that is pending is taken (peer_irq) before the
   isb completes, then IRQs are masked again. */
static void irq_window(void)
{
    __asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}

void peer_irq(void)
{
    uint32_t iar = gic_ack(&g_gic);
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
    gic_eoi(&g_gic, iar);
}

void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far)
{
    out("peer: ERROR: %s esr=0x%lx elr=0x%lx far=0x%lx\n", what, esr, elr, far);
}

void finish(void)
{
    vm_system_off("peer", false);
}

/* 32-bit read-modify-write of byte `intid` of a byte-per-interrupt register family. */
static void gicd_set_byte(uint32_t family, uint32_t intid, uint32_t value)
{
    uint64_t reg = GICD_GPA + family + (intid & ~3u);
    uint32_t shift = (intid & 3u) * 8;
    uint32_t v = mmio_read32(reg);
    v = (v & ~(0xffu << shift)) | (value << shift);
    mmio_write32(reg, v);
}

/* The doorbell SPI: distributor on, priority, routed to CPU 0, enabled; CPU interface on
   with a priority mask that lets it through. gic.c routes PPIs only. */
static void gic_enable_doorbell(void)
{
    g_gic.gic_version = 2;
    g_gic.gicd_base = GICD_GPA;
    g_gic.gicc_base = GICC_GPA;
    mmio_write32(GICD_GPA + GICD_CTLR, mmio_read32(GICD_GPA + GICD_CTLR) | 1u);
    gicd_set_byte(GICD_IPRIORITYR, DOORBELL_INTID, IRQ_PRIORITY);
    gicd_set_byte(GICD_ITARGETSR, DOORBELL_INTID, TARGET_CPU0);
    mmio_write32(GICD_GPA + GICD_ISENABLER + 4 * (DOORBELL_INTID / 32),
                 1u << (DOORBELL_INTID % 32));
    mmio_write32(GICC_GPA + GICC_PMR, PRIORITY_MASK_ALL);
    mmio_write32(GICC_GPA + GICC_CTLR, mmio_read32(GICC_GPA + GICC_CTLR) | 1u);
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
    console_init(UART_GPA);
    trap_set_primary(read_mpidr() & MPIDR_AFF_MASK);
    install_vectors();
    if (bad_relocs != 0)
        out("peer: ERROR: %lu relocations of an unknown type\n", bad_relocs);
    uint32_t self = mmio_read32(DOORBELL_GPA + DOORBELL_SELF);
    out("peer: bare-metal VM %u up, doorbell id 0x%x; waiting for a message\n", self,
        mmio_read32(DOORBELL_GPA + DOORBELL_ID));

    gic_enable_doorbell();
    /* Test and wfi with IRQs masked (a pending interrupt still wakes wfi), then take it in
       an unmasked window: an interrupt between the test and the wfi cannot be lost. */
    while (g_irq.doorbell_count == 0) {
        wait_for_interrupt();
        irq_window();
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
