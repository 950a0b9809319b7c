/* SPDX-License-Identifier: MIT */
/*
 * Arm stage-2 tables (Arm ARM D8 "The AArch64 Virtual Memory System Architecture"): 4 KiB
 * granule, 39-bit IPA starting at level 1 (VTCR_EL2.T0SZ = 25, SL0 = 1), so the root is one
 * 4 KiB table of 1 GiB entries; level 2 maps 2 MiB blocks, level 3 4 KiB pages. Leaves carry
 * S2AP = RW as asked, AF = 1, inner-shareable Normal write-back memory or Device-nGnRE.
 * Pure: no system register access (vcpu.c reads PARange and issues the barrier), so
 * tests/unit/test_stage2_arm.c runs it on the host.
 */
#include <keel/stage2.h>
#include "arm_vcpu.h"

#define DESC_VALID (1ull << 0)
#define DESC_TABLE (1ull << 1)  /* levels 1-2: table; level 3: page */
#define DESC_MEMATTR_NORMAL (0xfull << 2)
#define DESC_MEMATTR_DEVICE (0x1ull << 2)
#define DESC_S2AP_R (1ull << 6)
#define DESC_S2AP_W (1ull << 7)
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF (1ull << 10)
#define DESC_XN (2ull << 53)
#define DESC_ADDR_MASK 0x0000fffffffff000ull

#define IPA_BITS 39
#define OA_BITS 48 /* output addresses a 4 KiB-granule descriptor holds without FEAT_LPA */
#define LEVELS 3 /* levels 1, 2, 3 -> index 2, 1, 0 below */

static const uint32_t level_shift[LEVELS] = { 12, 21, 30 };

uint64_t stage2_root_size(void)
{
    return 4096;
}

uint64_t stage2_gpa_limit(void)
{
    return 1ull << IPA_BITS;
}

uint64_t arm_stage2_vtcr(uint64_t parange)
{
    if (parange > 5)
        parange = 5; /* 48 bits: the most a 4 KiB granule without LPA describes */
    return (64 - IPA_BITS) | (1ull << 6) /* SL0: start at level 1 */ | (1ull << 8) |
           (1ull << 10) | (3ull << 12) /* WBWA, inner shareable walks */ | (parange << 16) |
           (1ull << 31);
}

static uint64_t *table_at(hpa_t hpa)
{
    return (uint64_t *)(uintptr_t)hpa;
}

static unsigned desc_index(gpa_t gpa, int level)
{
    return (unsigned)((gpa >> level_shift[level]) & 0x1ff);
}

static uint64_t leaf_desc(hpa_t hpa, uint32_t prot, int level)
{
    uint64_t d = DESC_VALID | DESC_AF | (hpa & DESC_ADDR_MASK);
    if (level == 0)
        d |= DESC_TABLE; /* a level-3 page */
    if (prot & S2_READ)
        d |= DESC_S2AP_R;
    if (prot & S2_WRITE)
        d |= DESC_S2AP_W;
    if (prot & S2_DEVICE)
        d |= DESC_MEMATTR_DEVICE | DESC_XN;
    else
        d |= DESC_MEMATTR_NORMAL | DESC_SH_INNER | ((prot & S2_EXEC) ? 0 : DESC_XN);
    return d;
}

static bool desc_is_leaf(uint64_t d, int level)
{
    return level == 0 || !(d & DESC_TABLE);
}

static int map_one(hpa_t root, gpa_t gpa, hpa_t hpa, int leaf_level, uint32_t prot,
                   stage2_alloc_fn alloc, void *ctx)
{
    uint64_t *table = table_at(root);
    for (int level = LEVELS - 1; level > leaf_level; level--) {
        uint64_t *d = &table[desc_index(gpa, level)];
        if (!(*d & DESC_VALID)) {
            hpa_t next = alloc(ctx);
            if (!next)
                return -1;
            *d = DESC_VALID | DESC_TABLE | (next & DESC_ADDR_MASK);
        } else if (desc_is_leaf(*d, level)) {
            return -1;
        }
        table = table_at(*d & DESC_ADDR_MASK);
    }
    uint64_t *d = &table[desc_index(gpa, leaf_level)];
    if (*d & DESC_VALID)
        return -1;
    *d = leaf_desc(hpa, prot, leaf_level);
    return 0;
}

int stage2_map(hpa_t root, gpa_t gpa, hpa_t hpa, uint64_t size, uint32_t prot,
               stage2_alloc_fn alloc, void *ctx)
{
    if (((gpa | hpa | size) & 0xfff) || !(prot & S2_RWX) || gpa + size < gpa ||
        gpa + size > stage2_gpa_limit() || hpa + size < hpa || hpa + size > (1ull << OA_BITS))
        return -1;
    while (size) {
        int level = 0;
        for (int l = LEVELS - 1; l > 0; l--) {
            uint64_t block = 1ull << level_shift[l];
            if (!((gpa | hpa) & (block - 1)) && size >= block) {
                level = l;
                break;
            }
        }
        if (map_one(root, gpa, hpa, level, prot, alloc, ctx))
            return -1;
        uint64_t step = 1ull << level_shift[level];
        gpa += step;
        hpa += step;
        size -= step;
    }
    arm_stage2_barrier();
    return 0;
}

bool stage2_translate(hpa_t root, gpa_t gpa, hpa_t *hpa, uint32_t *prot, uint64_t *leaf_size)
{
    if (gpa >= stage2_gpa_limit())
        return false;
    uint64_t *table = table_at(root);
    for (int level = LEVELS - 1; level >= 0; level--) {
        uint64_t d = table[desc_index(gpa, level)];
        if (!(d & DESC_VALID))
            return false;
        if (desc_is_leaf(d, level)) {
            uint64_t size = 1ull << level_shift[level];
            *hpa = (d & DESC_ADDR_MASK & ~(size - 1)) + (gpa & (size - 1));
            bool device = (d & (0xfull << 2)) == DESC_MEMATTR_DEVICE;
            *prot = ((d & DESC_S2AP_R) ? S2_READ : 0) | ((d & DESC_S2AP_W) ? S2_WRITE : 0) |
                    ((d & DESC_XN) ? 0 : S2_EXEC) | (device ? S2_DEVICE : 0);
            *leaf_size = size;
            return true;
        }
        table = table_at(d & DESC_ADDR_MASK);
    }
    return false;
}
