/* SPDX-License-Identifier: MIT */
/*
 * psci-test guest: just enough GIC to let one PPI (the virtual timer) reach this CPU's IRQ
 * line, so that it shows in ISR_EL1.I and wakes wfi (and a standby CPU_SUSPEND) while
 * PSTATE.I stays masked; then acknowledge and end it.
 *
 * GICv2 (Arm IHI 0048B): distributor CTLR bit 0, the interrupt stays in Group 0 (signalled as
 * IRQ while GICC_CTLR.FIQEn = 0), CPU interface registers in the GICC frame. This is also
 * what keel's virtual GICv2 implements (Group 0 only, GICD_CTLR bit 0).
 * GICv3 (Arm IHI 0069): affinity routing, the PPI configured in this CPU's redistributor as
 * Group 1 (non-secure), CPU interface through the ICC_* system registers.
 */
#include "guest.h"

/* GICv2 distributor and CPU interface (IHI 0048B tables 4-1 and 4-2) */
#define GICD_CTLR 0x000u
#define GICD_ISENABLER 0x100u
#define GICD_ICENABLER 0x180u
#define GICD_IPRIORITYR 0x400u
#define GICC_CTLR 0x000u
#define GICC_PMR 0x004u
#define GICC_IAR 0x00cu
#define GICC_EOIR 0x010u

/* GICv3 (IHI 0069 chapter 12) */
#define GICD_CTLR_RWP (1u << 31)
#define GICD_CTLR_ARE (1u << 4)
#define GICD_CTLR_GRP1 (1u << 1)
#define GICR_TYPER_HI 0x00cu        /* affinity value, bits 63:32 of GICR_TYPER */
#define GICR_TYPER_LO 0x008u
#define GICR_TYPER_VLPIS (1u << 1)
#define GICR_TYPER_LAST (1u << 4)
#define GICR_WAKER 0x014u
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)
#define GICR_SGI_FRAME 0x10000u
#define GICR_IGROUPR0 0x080u
#define GICR_ISENABLER0 0x100u
#define GICR_ICENABLER0 0x180u
#define GICR_IPRIORITYR 0x400u
#define GICR_FRAME_SIZE 0x20000u
#define GICR_VLPI_FRAME_SIZE 0x40000u

#define IRQ_PRIORITY 0xa0u
#define PRIORITY_MASK_ALL 0xf0u
#define POLL_LIMIT 1000000u
#define INTID_SPURIOUS 1023u

static uint64_t g_rd_base; /* GICv3: this CPU's redistributor */

static void set_priority(uint64_t base, uint32_t intid)
{
    uint64_t reg = base + (intid & ~3u);
    uint32_t shift = (intid & 3u) * 8;
    uint32_t v = mmio_read32(reg);
    v = (v & ~(0xffu << shift)) | (IRQ_PRIORITY << shift);
    mmio_write32(reg, v);
}

static bool gicv2_enable(const struct platform_info *p, uint32_t intid)
{
    uint32_t bit = 1u << (intid & 31u);
    mmio_write32(p->gicd_base + GICD_CTLR, mmio_read32(p->gicd_base + GICD_CTLR) | 1u);
    set_priority(p->gicd_base + GICD_IPRIORITYR, intid);
    mmio_write32(p->gicd_base + GICD_ISENABLER, bit);
    mmio_write32(p->gicc_base + GICC_PMR, PRIORITY_MASK_ALL);
    mmio_write32(p->gicc_base + GICC_CTLR, mmio_read32(p->gicc_base + GICC_CTLR) | 1u);
    return true;
}

static uint64_t icc_read_sre(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, S3_0_C12_C12_5" : "=r"(v)::"memory");
    return v;
}

static void icc_write_sre(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C12_5, %0\n\tisb" ::"r"(v) : "memory");
}

static void icc_write_pmr(uint64_t v)
{
    __asm__ volatile("msr S3_0_C4_C6_0, %0\n\tisb" ::"r"(v) : "memory");
}

static void icc_write_igrpen1(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C12_7, %0\n\tisb" ::"r"(v) : "memory");
}

static uint64_t icc_read_iar1(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(v)::"memory");
    return v;
}

static void icc_write_eoir1(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C12_1, %0\n\tisb" ::"r"(v) : "memory");
}

/* This CPU's redistributor: the frame whose GICR_TYPER affinity equals MPIDR's. */
static uint64_t find_redistributor(const struct platform_info *p)
{
    uint64_t mpidr = read_mpidr();
    uint32_t aff = (uint32_t)((mpidr >> 32) & 0xff) << 24 | (uint32_t)(mpidr & 0xffffff);
    uint64_t rd = p->gicr_base;
    uint64_t end = p->gicr_base + p->gicr_size;
    while (rd < end) {
        uint32_t lo = mmio_read32(rd + GICR_TYPER_LO);
        if (mmio_read32(rd + GICR_TYPER_HI) == aff)
            return rd;
        if ((lo & GICR_TYPER_LAST) != 0)
            break;
        rd += (lo & GICR_TYPER_VLPIS) != 0 ? GICR_VLPI_FRAME_SIZE : GICR_FRAME_SIZE;
    }
    return 0;
}

static bool gicv3_enable(const struct platform_info *p, uint32_t intid, const char **why)
{
    if (((read_id_aa64pfr0() >> 24) & 0xf) == 0) {
        *why = "GICv3 in the device tree but no GIC system registers (ID_AA64PFR0_EL1.GIC)";
        return false;
    }
    g_rd_base = find_redistributor(p);
    if (g_rd_base == 0) {
        *why = "no GICv3 redistributor for this CPU";
        return false;
    }
    uint32_t ctlr = mmio_read32(p->gicd_base + GICD_CTLR);
    mmio_write32(p->gicd_base + GICD_CTLR, ctlr | GICD_CTLR_ARE | GICD_CTLR_GRP1);
    for (uint32_t i = 0; i < POLL_LIMIT; i++) {
        if ((mmio_read32(p->gicd_base + GICD_CTLR) & GICD_CTLR_RWP) == 0)
            break;
    }
    uint32_t waker = mmio_read32(g_rd_base + GICR_WAKER);
    mmio_write32(g_rd_base + GICR_WAKER, waker & ~GICR_WAKER_PROCESSOR_SLEEP);
    for (uint32_t i = 0; i < POLL_LIMIT; i++) {
        if ((mmio_read32(g_rd_base + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP) == 0)
            break;
    }
    uint64_t sgi = g_rd_base + GICR_SGI_FRAME;
    uint32_t bit = 1u << (intid & 31u);
    mmio_write32(sgi + GICR_IGROUPR0, mmio_read32(sgi + GICR_IGROUPR0) | bit);
    set_priority(sgi + GICR_IPRIORITYR, intid);
    mmio_write32(sgi + GICR_ISENABLER0, bit);
    icc_write_sre(icc_read_sre() | 1u);
    if ((icc_read_sre() & 1u) == 0) {
        *why = "ICC_SRE_EL1.SRE stays 0";
        return false;
    }
    icc_write_pmr(PRIORITY_MASK_ALL);
    icc_write_igrpen1(1);
    return true;
}

bool gic_enable_ppi(const struct platform_info *p, uint32_t intid, const char **why)
{
    *why = "";
    if (intid < 16 || intid > 31) {
        *why = "the virtual timer interrupt is not a PPI";
        return false;
    }
    if (p->gic_version == 2)
        return gicv2_enable(p, intid);
    if (p->gic_version == 3)
        return gicv3_enable(p, intid, why);
    *why = "no GICv2/GICv3 node in the device tree";
    return false;
}

void gic_disable_ppi(const struct platform_info *p, uint32_t intid)
{
    uint32_t bit = 1u << (intid & 31u);
    if (p->gic_version == 2)
        mmio_write32(p->gicd_base + GICD_ICENABLER, bit);
    else if (p->gic_version == 3 && g_rd_base != 0)
        mmio_write32(g_rd_base + GICR_SGI_FRAME + GICR_ICENABLER0, bit);
}

uint32_t gic_ack(const struct platform_info *p)
{
    if (p->gic_version == 2)
        return mmio_read32(p->gicc_base + GICC_IAR);
    if (p->gic_version == 3)
        return (uint32_t)icc_read_iar1();
    return INTID_SPURIOUS;
}

void gic_eoi(const struct platform_info *p, uint32_t iar)
{
    if ((iar & 0x3ffu) == INTID_SPURIOUS)
        return;
    if (p->gic_version == 2)
        mmio_write32(p->gicc_base + GICC_EOIR, iar);
    else if (p->gic_version == 3)
        icc_write_eoir1(iar);
}
