/* SPDX-License-Identifier: MIT */
/* Physical GICv2 access (Arm IHI 0048B chapter 4: distributor, CPU interface; chapter 5: GICH). */
#include "gicv2.h"

enum { GICD_CTLR = 0x000, GICD_TYPER = 0x004, GICD_IGROUPR = 0x080, GICD_ISENABLER = 0x100,
       GICD_ICENABLER = 0x180,
       GICD_ICPENDR = 0x280, GICD_ISACTIVER = 0x300, GICD_ICACTIVER = 0x380, GICD_IPRIORITYR = 0x400,
       GICD_ITARGETSR = 0x800, GICD_SGIR = 0xf00 };
enum { GICC_CTLR = 0x00, GICC_PMR = 0x04, GICC_BPR = 0x08, GICC_IAR = 0x0c, GICC_EOIR = 0x10,
       GICC_DIR = 0x1000 };

static hpa_t gicd_base, gicc_base, gich_base;
static uint32_t nr_lrs; /* GICH_VTR.ListRegs + 1, the same on every core */

static volatile uint32_t *reg32(hpa_t base, uint64_t off)
{
    return (volatile uint32_t *)(uintptr_t)(base + off);
}

static volatile uint8_t *reg8(hpa_t base, uint64_t off)
{
    return (volatile uint8_t *)(uintptr_t)(base + off);
}

static bool nonsecure_view;

void gicv2_init_dist(hpa_t gicd)
{
    gicd_base = gicd;
    /* EnableGrp0 | EnableGrp1; the non-secure view of a GIC with the Security Extensions has
       only bit 0 (its EnableGrp1), IHI 0048B 4.3.1, so bit 1 reading back 0 tells that view */
    *reg32(gicd, GICD_CTLR) = 3;
    nonsecure_view = !(*reg32(gicd, GICD_CTLR) & 2u);
}

bool gicv2_nonsecure_view(void)
{
    return nonsecure_view;
}

void gicv2_init_cpu(hpa_t gicc, hpa_t gich)
{
    gicc_base = gicc;
    gich_base = gich;
    *reg32(gicc, GICC_PMR) = 0xff;
    *reg32(gicc, GICC_BPR) = 0;
    *reg32(gicc, GICC_CTLR) = 1u | 2u | (1u << 9); /* EnableGrp0/Grp1, EOImode */
    if (gich) {
        *reg32(gich, GICH_HCR) = 0;
        nr_lrs = (*reg32(gich, GICH_VTR) & 0x3fu) + 1;
    }
}

void gicv2_enable(uint32_t intid, uint32_t cpu_id)
{
    /* Group 0: a boot loader (U-Boot) may have put everything in Group 1. From the non-secure
       side of a GIC with the Security Extensions the write is ignored (IHI 0048B 4.3.4) and the
       interrupt stays in the firmware's Group 1, which GICC_CTLR bit 0 enables there. */
    *reg32(gicd_base, GICD_IGROUPR + 4 * (intid / 32)) &= ~(1u << (intid % 32));
    *reg8(gicd_base, GICD_IPRIORITYR + intid) = 0xa0;
    if (intid >= 32)
        *reg8(gicd_base, GICD_ITARGETSR + intid) = (uint8_t)(1u << cpu_id);
    *reg32(gicd_base, GICD_ISENABLER + 4 * (intid / 32)) = 1u << (intid % 32);
}

void gicv2_set_enabled(uint32_t intid, bool enabled)
{
    *reg32(gicd_base, (enabled ? GICD_ISENABLER : GICD_ICENABLER) + 4 * (intid / 32)) =
        1u << (intid % 32);
}

uint32_t gicv2_nr_irqs(void)
{
    uint32_t lines = 32u * ((*reg32(gicd_base, GICD_TYPER) & 0x1fu) + 1u);
    return lines < 1020 ? lines : 1020;
}

void gicv2_clear_pending(uint32_t intid)
{
    *reg32(gicd_base, GICD_ICPENDR + 4 * (intid / 32)) = 1u << (intid % 32);
}

void gicv2_set_active(uint32_t intid, bool active)
{
    *reg32(gicd_base, (active ? GICD_ISACTIVER : GICD_ICACTIVER) + 4 * (intid / 32)) =
        1u << (intid % 32);
}

uint32_t gicv2_ack(void)
{
    return *reg32(gicc_base, GICC_IAR);
}

void gicv2_eoi(uint32_t iar)
{
    *reg32(gicc_base, GICC_EOIR) = iar;
}

void gicv2_deactivate(uint32_t iar)
{
    *reg32(gicc_base, GICC_DIR) = iar;
}

void gicv2_send_sgi(uint32_t sgi, uint32_t cpu_mask)
{
    __asm__ volatile("dsb ishst" ::: "memory");
    *reg32(gicd_base, GICD_SGIR) = ((cpu_mask & 0xffu) << 16) | (sgi & 0xfu);
}

uint32_t gicv2_cpu_id(void)
{
    uint32_t targets = *reg8(gicd_base, GICD_ITARGETSR); /* banked: reads as this core's bit */
    for (uint32_t i = 0; i < 8; i++)
        if (targets & (1u << i))
            return i;
    return 0;
}

uint32_t gich_read(enum gich_reg reg)
{
    return *reg32(gich_base, reg);
}

void gich_write(enum gich_reg reg, uint32_t value)
{
    *reg32(gich_base, reg) = value;
}

uint32_t gich_read_lr(uint32_t n)
{
    return *reg32(gich_base, GICH_LR0 + 4ull * n);
}

void gich_write_lr(uint32_t n, uint32_t value)
{
    *reg32(gich_base, GICH_LR0 + 4ull * n) = value;
}

uint32_t gich_nr_lrs(void)
{
    return nr_lrs;
}
