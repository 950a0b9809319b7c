/* SPDX-License-Identifier: MIT */
/* keel's EL2 identity map builder (el2_map.h). Pure: no system registers, host-tested. */
#include "el2_map.h"

#include <stddef.h>

#define SZ_2M (UINT64_C(1) << 21)
#define SZ_1G (UINT64_C(1) << 30)

/* VMSAv8-64 stage-1 descriptor bits (Arm ARM D8.3) */
#define DESC_BLOCK UINT64_C(1)        /* levels 1, 2: block */
#define DESC_TABLE UINT64_C(3)        /* levels 0-2: next-level table */
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_SH_INNER (UINT64_C(3) << 8)
#define DESC_AF (UINT64_C(1) << 10)
#define DESC_XN (UINT64_C(1) << 54)  /* EL2 regime: execute-never */
#define DESC_ADDR_MASK UINT64_C(0x0000fffffffff000)

static uint64_t device_block(uint64_t pa)
{
    return pa | DESC_BLOCK | DESC_ATTR(EL2_ATTR_DEVICE) | DESC_AF | DESC_XN;
}

static uint64_t normal_block(uint64_t pa)
{
    return pa | DESC_BLOCK | DESC_ATTR(EL2_ATTR_NORMAL) | DESC_SH_INNER | DESC_AF;
}

static bool is_normal(uint64_t desc)
{
    return ((desc >> 2) & 7) == EL2_ATTR_NORMAL;
}

void el2_map_init(struct el2_map *m)
{
    for (uint64_t i = 0; i < 512; i++)
        m->l1[i] = device_block(i * SZ_1G);
    m->nr_l2 = 0;
}

/* The level-2 table of 1 GiB region `i`, made from its block on first use; NULL when none is
   left. */
static uint64_t *l2_of(struct el2_map *m, uint64_t i)
{
    uint64_t d = m->l1[i];
    if ((d & 3) == DESC_TABLE)
        return (uint64_t *)(uintptr_t)(d & DESC_ADDR_MASK);
    if (m->nr_l2 == EL2_MAP_L2_TABLES)
        return NULL;
    uint64_t *t = m->l2[m->nr_l2++];
    for (uint64_t j = 0; j < 512; j++) {
        uint64_t pa = i * SZ_1G + j * SZ_2M;
        t[j] = is_normal(d) ? normal_block(pa) : device_block(pa);
    }
    m->l1[i] = (uint64_t)(uintptr_t)t | DESC_TABLE;
    return t;
}

int el2_map_normal(struct el2_map *m, uint64_t base, uint64_t size)
{
    if (size == 0)
        return 0;
    uint64_t end = base + size;
    if (end < base || end > (UINT64_C(1) << EL2_MAP_VA_BITS))
        return -1;
    uint64_t pa = base & ~(SZ_2M - 1);
    while (pa < end) {
        uint64_t i = pa / SZ_1G;
        if (pa % SZ_1G == 0 && end - pa >= SZ_1G && (m->l1[i] & 3) == DESC_BLOCK) {
            m->l1[i] = normal_block(pa); /* a whole Device block becomes Normal */
            pa += SZ_1G;
            continue;
        }
        uint64_t *t = l2_of(m, i);
        if (!t)
            return -1;
        t[(pa % SZ_1G) / SZ_2M] = normal_block(pa);
        pa += SZ_2M;
    }
    return 0;
}

bool el2_map_lookup(const struct el2_map *m, uint64_t va, bool *normal, uint64_t *block_size)
{
    if (va >= (UINT64_C(1) << EL2_MAP_VA_BITS))
        return false;
    uint64_t d = m->l1[va / SZ_1G];
    *block_size = SZ_1G;
    if ((d & 3) == DESC_TABLE) {
        const uint64_t *t = (const uint64_t *)(uintptr_t)(d & DESC_ADDR_MASK);
        d = t[(va % SZ_1G) / SZ_2M];
        *block_size = SZ_2M;
    }
    if ((d & 3) != DESC_BLOCK || (d & DESC_ADDR_MASK & ~(*block_size - 1)) != (va & ~(*block_size - 1)))
        return false;
    *normal = is_normal(d);
    return true;
}

uint64_t el2_map_tcr(uint64_t parange)
{
    if (parange > 5)
        parange = 5; /* 48 bits: the most a 4 KiB granule without LPA describes */
    return (64 - EL2_MAP_VA_BITS) /* T0SZ */ | (UINT64_C(1) << 8) /* IRGN0 WBWA */ |
           (UINT64_C(1) << 10) /* ORGN0 WBWA */ | (UINT64_C(3) << 12) /* SH0 inner */ |
           (parange << 16) /* PS */ | (UINT64_C(1) << 23) | (UINT64_C(1) << 31) /* RES1 */;
}
