/* SPDX-License-Identifier: MIT */
/* The physical GICv2 (Arm IHI 0048B), owned by keel: distributor, CPU interface and the
   virtual interface control (GICH) of the virtualization extensions. */
#ifndef KEEL_GICV2_H
#define KEEL_GICV2_H

#include <keel/types.h>

#define GIC_SPURIOUS 1023u

/* Distributor set-up on the boot core: enable it (Group 0). */
void gicv2_init_dist(hpa_t gicd);

/* Per-core set-up: CPU interface enabled, all priorities unmasked, EOImode = 1 (priority drop
   and deactivation split, for hardware-linked virtual interrupts); GICH disabled. */
void gicv2_init_cpu(hpa_t gicc, hpa_t gich);

/* Enable interrupt `intid` at priority 0xa0; SPIs are routed to the core with GIC CPU id
   `cpu_id` (0..7). PPIs/SGIs are banked: call on the core that wants them. */
void gicv2_enable(uint32_t intid, uint32_t cpu_id);

/* Does keel see the non-secure view of a GIC with the Security Extensions (a Raspberry Pi 4
   under its firmware, QEMU virt with secure=on)? Then the group registers are RAZ/WI (IHI
   0048B 4.3.4): keel's interrupts stay in the Group 1 the firmware gave them, which the
   non-secure GICD_CTLR/GICC_CTLR bit 0 enables. Valid after gicv2_init_dist(). */
bool gicv2_nonsecure_view(void);

/* Enable or disable (mask) the forwarding of `intid` by the distributor (GICD_ISENABLERn /
   GICD_ICENABLERn, IHI 0048B 4.3.5/4.3.6); its configuration and target stay. */
void gicv2_set_enabled(uint32_t intid, bool enabled);

/* Interrupt IDs the distributor implements: 32 * (GICD_TYPER.ITLinesNumber + 1), at most 1020
   (IHI 0048B 4.3.2). */
uint32_t gicv2_nr_irqs(void);

/* Clear the pending state of `intid` (GICD_ICPENDRn, IHI 0048B 4.3.8; banked for PPIs: this
   core's). A level interrupt whose line is still high stays pending. */
void gicv2_clear_pending(uint32_t intid);

/* Set (`active`) or clear the active state of `intid` (GICD_ISACTIVERn/ICACTIVERn, IHI 0048B
   4.3.9/4.3.10; banked for PPIs: this core's). An active interrupt is not signalled again until
   it is deactivated, whatever its line does. */
void gicv2_set_active(uint32_t intid, bool active);

/* Acknowledge (GICC_IAR): the raw IAR value; (iar & 0x3ff) is the interrupt ID. */
uint32_t gicv2_ack(void);
/* Priority drop (GICC_EOIR) of an acknowledged interrupt. */
void gicv2_eoi(uint32_t iar);
/* Deactivate (GICC_DIR) an interrupt whose priority was dropped. */
void gicv2_deactivate(uint32_t iar);

/* Send software-generated interrupt `sgi` (0..15) to the cores in `cpu_mask` (GIC CPU ids). */
void gicv2_send_sgi(uint32_t sgi, uint32_t cpu_mask);

/* This core's GIC CPU interface id (bit index for ITARGETSR/SGIR), read from ITARGETSR0. */
uint32_t gicv2_cpu_id(void);

/* GICH registers (IHI 0048B sec 5.3) */
enum gich_reg {
    GICH_HCR = 0x000, GICH_VTR = 0x004, GICH_VMCR = 0x008, GICH_MISR = 0x010,
    GICH_EISR0 = 0x020, GICH_ELRSR0 = 0x030, GICH_APR = 0x0f0, GICH_LR0 = 0x100,
};
#define GICH_HCR_EN (1u << 0)
#define GICH_HCR_UIE (1u << 1)
#define GICH_LR_HW (1u << 31)
#define GICH_LR_PENDING (1u << 28)
#define GICH_LR_ACTIVE (1u << 29)
#define GICH_LR_EOI (1u << 19)

uint32_t gich_read(enum gich_reg reg);
void gich_write(enum gich_reg reg, uint32_t value);
uint32_t gich_read_lr(uint32_t n);
void gich_write_lr(uint32_t n, uint32_t value);
/* Number of list registers (GICH_VTR.ListRegs + 1, read once by gicv2_init_cpu()). */
uint32_t gich_nr_lrs(void);

#endif
