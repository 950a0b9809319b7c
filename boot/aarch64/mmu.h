/* SPDX-License-Identifier: MIT */
/*
 * keel's EL2 MMU and caches on AArch64. keel runs identity-mapped (el2_map.h) with its data
 * cache and instruction cache on: on a real core (Raspberry Pi 4's Cortex-A72) exclusive
 * loads/stores (keel's spinlocks) and unaligned accesses (Debian's libfdt) need Normal memory,
 * which only the MMU provides.
 */
#ifndef KEEL_ARM_MMU_H
#define KEEL_ARM_MMU_H

#include <keel/types.h>

/* The system register values a secondary core loads in head.S before its first memory access
   (cleaned to the point of coherency, since that core reads them with its MMU off). */
struct arm_mmu_regs {
    uint64_t mair;
    uint64_t tcr;
    uint64_t ttbr0;
    uint64_t sctlr;
};
extern struct arm_mmu_regs arm_mmu_regs;

/* Boot core, first thing, MMU still off: map keel's image and the host DTB at `dtb` as Normal
   memory (the rest Device) and turn the MMU and caches on, so that libfdt may read the DTB.
   Arm ARM D8.2 (VMSAv8-64 stage 1), D7.4 (cache maintenance). */
void arm_mmu_enable_early(hpa_t dtb);

/* Boot core, once `platform` holds the host RAM ranges: switch to the full map (all RAM
   Normal) and publish it for the secondary cores. Returns 0, or -1 with a reason in err when
   the RAM layout needs more level-2 tables than keel has (EL2_MAP_L2_TABLES) or lies beyond the
   39-bit map; keel must then stop. */
int arm_mmu_enable_final(hpa_t dtb, char *err, size_t errlen);

#endif
