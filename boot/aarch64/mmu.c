/* SPDX-License-Identifier: MIT */
/* keel's EL2 MMU on AArch64: the early and the full identity map, cache maintenance (mmu.h). */
#include <keel/console.h>
#include <keel/platform.h>
#include <keel/vm.h>
#include <libfdt.h>
#include "el2_map.h"
#include "mmu.h"
#include "sysreg.h"

#define SCTLR_M (UINT64_C(1) << 0)
#define SCTLR_A (UINT64_C(1) << 1)
#define SCTLR_C (UINT64_C(1) << 2)
#define SCTLR_I (UINT64_C(1) << 12)
#define SCTLR_WXN (UINT64_C(1) << 19)
#define EARLY_DTB_MAX (UINT64_C(2) << 20) /* bytes of DTB mapped before it is checked */

extern char _start[], _end[];

static struct el2_map early_map, final_map;
struct arm_mmu_regs arm_mmu_regs;

/* Smallest data cache line of the core (CTR_EL0.DminLine, Arm ARM D17.2.33), bytes. */
static uint64_t dcache_line(void)
{
    return UINT64_C(4) << ((sysreg_read(ctr_el0) >> 16) & 0xf);
}

/* Invalidate [p, p+len) from the data caches (MMU off: discards stale lines only). */
static void dcache_inval(uintptr_t p, uint64_t len)
{
    uint64_t line = dcache_line();
    for (uintptr_t a = p & ~(line - 1); a < p + len; a += line)
        __asm__ volatile("dc ivac, %0" ::"r"(a) : "memory");
    dsb(sy);
}

/* Clean and invalidate [p, p+len) to the point of coherency. */
static void dcache_clean_inval(uintptr_t p, uint64_t len)
{
    uint64_t line = dcache_line();
    for (uintptr_t a = p & ~(line - 1); a < p + len; a += line)
        __asm__ volatile("dc civac, %0" ::"r"(a) : "memory");
    dsb(sy);
}

static void set_regs(const struct el2_map *m)
{
    arm_mmu_regs.mair = EL2_MAIR;
    arm_mmu_regs.tcr = el2_map_tcr(sysreg_read(id_aa64mmfr0_el1) & 0xf);
    arm_mmu_regs.ttbr0 = (uint64_t)(uintptr_t)m->l1;
    arm_mmu_regs.sctlr = (sysreg_read(sctlr_el2) | SCTLR_M | SCTLR_C | SCTLR_I) &
                         ~(SCTLR_A | SCTLR_WXN);
}

void arm_mmu_enable_early(hpa_t dtb)
{
    uint64_t dtb_size = fdt_totalsize((const void *)(uintptr_t)dtb);
    if (dtb_size == 0 || dtb_size > EARLY_DTB_MAX)
        dtb_size = EARLY_DTB_MAX; /* platform_parse_fdt judges the DTB itself */
    el2_map_init(&early_map);
    /* cannot fail: two small ranges in at most four 1 GiB regions, below 2^39 on any board
       keel boots on (checked again by arm_mmu_enable_final) */
    (void)el2_map_normal(&early_map, (uintptr_t)_start, (uint64_t)(_end - _start));
    (void)el2_map_normal(&early_map, dtb, dtb_size);
    /* Lines a boot loader may have left for keel's image or the DTB are stale: keel wrote
       them with its MMU off, straight to memory. */
    dcache_inval((uintptr_t)_start, (uint64_t)(_end - _start));
    dcache_inval(dtb, dtb_size);
    set_regs(&early_map);
    sysreg_write(mair_el2, arm_mmu_regs.mair);
    sysreg_write(tcr_el2, arm_mmu_regs.tcr);
    sysreg_write(ttbr0_el2, arm_mmu_regs.ttbr0);
    isb();
    __asm__ volatile("tlbi alle2\n dsb nsh\n ic iallu\n dsb nsh\n isb" ::: "memory");
    sysreg_write(sctlr_el2, arm_mmu_regs.sctlr);
    isb();
}

int arm_mmu_enable_final(hpa_t dtb, char *err, size_t errlen)
{
    el2_map_init(&final_map);
    int rc = el2_map_normal(&final_map, (uintptr_t)_start, (uint64_t)(_end - _start)) |
             el2_map_normal(&final_map, dtb, fdt_totalsize((const void *)(uintptr_t)dtb));
    for (uint32_t i = 0; i < platform.nr_ram; i++)
        rc |= el2_map_normal(&final_map, platform.ram[i].base, platform.ram[i].size);
    if (rc) {
        ksnprintf(err, errlen, "keel's EL2 map cannot hold this RAM layout (more than %u "
                  "partly-RAM GiB regions, or RAM above 512 GiB)", EL2_MAP_L2_TABLES);
        return -1;
    }
    set_regs(&final_map);
    /* Both maps agree on keel's image, which is all this sequence touches. */
    __asm__ volatile("dsb ish\n msr ttbr0_el2, %0\n isb\n tlbi alle2\n dsb ish\n isb"
                     ::"r"(arm_mmu_regs.ttbr0) : "memory");
    /* secondary cores read these with their MMU off */
    dcache_clean_inval((uintptr_t)&arm_mmu_regs, sizeof(arm_mmu_regs));
    dcache_clean_inval((uintptr_t)&final_map, sizeof(final_map));
    return 0;
}

void arch_guest_image_written(const void *hva, uint64_t len)
{
    /* The guest starts with its MMU off: its accesses do not look in the caches. */
    dcache_clean_inval((uintptr_t)hva, len);
    __asm__ volatile("ic ialluis\n dsb ish\n isb" ::: "memory");
}
