/* SPDX-License-Identifier: MIT */
/*
 * Host tests of keel's EL2 identity-map builder (boot/aarch64/el2_map.c): tables live in host
 * memory (their pointers are their "physical addresses"); every check walks them back, through
 * el2_map_lookup() and by decoding descriptors as the Arm ARM (D8.3, VMSAv8-64 stage 1, 4 KiB
 * granule, lookup from level 1) defines them.
 */
#include "el2_map.h"

#include <stdlib.h>

#include "ktest.h"

#define SZ_2M (UINT64_C(1) << 21)
#define SZ_1G (UINT64_C(1) << 30)

static struct el2_map *m;

/* Decode the leaf for `va` from the raw descriptors: attribute index, block size, XN, AF, SH. */
static void raw_leaf(uint64_t va, uint32_t *attr, uint64_t *size, bool *xn, bool *af, uint32_t *sh)
{
    uint64_t d = m->l1[va >> 30];
    *size = SZ_1G;
    if ((d & 3) == 3) {
        const uint64_t *t = (const uint64_t *)(uintptr_t)(d & UINT64_C(0x0000fffffffff000));
        KTEST_CHECK((d & 0xfff) == 3); /* a table descriptor carries no attributes here */
        d = t[(va >> 21) & 511];
        *size = SZ_2M;
    }
    KTEST_EQ(d & 3, 1); /* a block */
    KTEST_EQ(d & UINT64_C(0x0000fffffffff000) & ~(*size - 1), va & ~(*size - 1)); /* identity */
    *attr = (uint32_t)((d >> 2) & 7);
    *xn = (d >> 54) & 1;
    *af = (d >> 10) & 1;
    *sh = (uint32_t)((d >> 8) & 3);
}

static bool normal_at(uint64_t va)
{
    bool normal = false;
    uint64_t size = 0;
    KTEST_CHECK(el2_map_lookup(m, va, &normal, &size));
    uint32_t attr, sh;
    uint64_t raw_size;
    bool xn, af;
    raw_leaf(va, &attr, &raw_size, &xn, &af, &sh);
    KTEST_EQ(raw_size, size);
    KTEST_CHECK(af);
    if (normal) {
        KTEST_EQ(attr, EL2_ATTR_NORMAL);
        KTEST_CHECK(!xn);
        KTEST_EQ(sh, 3);
    } else {
        KTEST_EQ(attr, EL2_ATTR_DEVICE);
        KTEST_CHECK(xn); /* never execute from a device */
    }
    return normal;
}

static uint64_t leaf_size(uint64_t va)
{
    bool normal;
    uint64_t size = 0;
    KTEST_CHECK(el2_map_lookup(m, va, &normal, &size));
    return size;
}

static void test_init_all_device(void)
{
    el2_map_init(m);
    KTEST_EQ(m->nr_l2, 0);
    for (uint64_t va = 0; va < (UINT64_C(1) << 39); va += SZ_1G / 2) {
        KTEST_CHECK(!normal_at(va));
        KTEST_EQ(leaf_size(va), SZ_1G);
    }
    bool normal;
    uint64_t size;
    KTEST_CHECK(!el2_map_lookup(m, UINT64_C(1) << 39, &normal, &size));
}

/* QEMU virt: RAM 0x40000000 + 2 GiB, keel and the DTB inside it, the devices below 1 GiB */
static void test_qemu_virt_layout(void)
{
    el2_map_init(m);
    KTEST_EQ(el2_map_normal(m, 0x40000000, 2 * SZ_1G), 0);
    KTEST_EQ(m->nr_l2, 0); /* two whole 1 GiB blocks: no level-2 table */
    KTEST_CHECK(normal_at(0x40000000) && normal_at(0x7fffffff) && normal_at(0xbfffffff));
    KTEST_EQ(leaf_size(0x40000000), SZ_1G);
    KTEST_CHECK(!normal_at(0x09000000)); /* the PL011 */
    KTEST_CHECK(!normal_at(0x08000000)); /* the GIC */
    KTEST_CHECK(!normal_at(0xc0000000));
}

/* Raspberry Pi 4 (4 GiB): RAM from 0 with the peripherals at 0xfc000000 in the same 1 GiB */
static void test_pi4_layout(void)
{
    el2_map_init(m);
    KTEST_EQ(el2_map_normal(m, 0x0, 0x3b400000), 0);
    KTEST_EQ(el2_map_normal(m, 0x40000000, 0xbc000000), 0); /* up to 0xfc000000 */
    KTEST_EQ(el2_map_normal(m, 0x100000000ull, 0x100000000ull), 0);
    KTEST_CHECK(normal_at(0x0) && normal_at(0x3b3fffff));
    KTEST_CHECK(!normal_at(0x3b400000)); /* the firmware's: not RAM for keel */
    KTEST_CHECK(normal_at(0x40000000) && normal_at(0xfbffffff));
    KTEST_CHECK(!normal_at(0xfc000000) && !normal_at(0xfe201000) && !normal_at(0xff841000));
    KTEST_EQ(leaf_size(0xfe201000), SZ_2M); /* split: the GiB holds RAM and devices */
    KTEST_EQ(leaf_size(0x80000000), SZ_1G); /* a whole Normal GiB stays one block */
    KTEST_CHECK(normal_at(0x17fffffffull));
    KTEST_EQ(m->nr_l2, 2);
}

/* Ranges that are not 2 MiB aligned: every overlapped 2 MiB block becomes Normal */
static void test_rounding_and_edges(void)
{
    el2_map_init(m);
    KTEST_EQ(el2_map_normal(m, 0x40201000, 0x1000), 0); /* one page of keel's image */
    KTEST_CHECK(normal_at(0x40200000) && normal_at(0x403fffff));
    KTEST_CHECK(!normal_at(0x401fffff) && !normal_at(0x40400000));
    KTEST_EQ(el2_map_normal(m, 0x405ff000, 0x2000), 0); /* straddles a 2 MiB boundary */
    KTEST_CHECK(normal_at(0x40400000) && normal_at(0x40600000) && !normal_at(0x40800000));
    KTEST_EQ(el2_map_normal(m, 0x7fffe000, 0x4000), 0); /* straddles a 1 GiB boundary */
    KTEST_CHECK(normal_at(0x7fe00000) && normal_at(0x80000000) && !normal_at(0x80200000));
    KTEST_EQ(m->nr_l2, 2);
    /* mapping again is harmless */
    KTEST_EQ(el2_map_normal(m, 0x40200000, SZ_2M), 0);
    KTEST_EQ(m->nr_l2, 2);
    KTEST_EQ(el2_map_normal(m, 0x1000, 0), 0);
    KTEST_CHECK(!normal_at(0x1000));
}

static void test_errors(void)
{
    el2_map_init(m);
    KTEST_EQ(el2_map_normal(m, (UINT64_C(1) << 39) - SZ_2M, 2 * SZ_2M), -1);
    KTEST_EQ(el2_map_normal(m, UINT64_C(0xffffffffffe00000), 4 * SZ_2M), -1); /* wraps */
    /* out of level-2 tables: one 2 MiB block in each of 17 different GiBs */
    el2_map_init(m);
    for (uint64_t i = 0; i < EL2_MAP_L2_TABLES; i++)
        KTEST_EQ(el2_map_normal(m, i * SZ_1G, SZ_2M), 0);
    KTEST_EQ(el2_map_normal(m, EL2_MAP_L2_TABLES * SZ_1G, SZ_2M), -1);
    KTEST_CHECK(!normal_at(EL2_MAP_L2_TABLES * SZ_1G));
    KTEST_CHECK(normal_at((EL2_MAP_L2_TABLES - 1) * SZ_1G));
}

static void test_tcr(void)
{
    uint64_t tcr = el2_map_tcr(2); /* 40-bit PA */
    KTEST_EQ(tcr & 0x3f, 25);           /* T0SZ: 39-bit VA */
    KTEST_EQ((tcr >> 8) & 3, 1);        /* IRGN0 write-back RA WA */
    KTEST_EQ((tcr >> 10) & 3, 1);       /* ORGN0 */
    KTEST_EQ((tcr >> 12) & 3, 3);       /* SH0 inner shareable */
    KTEST_EQ((tcr >> 14) & 3, 0);       /* TG0 4 KiB */
    KTEST_EQ((tcr >> 16) & 7, 2);       /* PS */
    KTEST_EQ((tcr >> 23) & 1, 1);       /* RES1 */
    KTEST_EQ((tcr >> 31) & 1, 1);       /* RES1 */
    KTEST_EQ((el2_map_tcr(6) >> 16) & 7, 5); /* 52-bit PA capped at 48 */
    KTEST_EQ(EL2_MAIR & 0xff, 0x04);
    KTEST_EQ((EL2_MAIR >> 8) & 0xff, 0xff);
}

int main(void)
{
    m = aligned_alloc(4096, sizeof(*m));
    KTEST_CHECK(m != NULL);
    KTEST_RUN(test_init_all_device);
    KTEST_RUN(test_qemu_virt_layout);
    KTEST_RUN(test_pi4_layout);
    KTEST_RUN(test_rounding_and_edges);
    KTEST_RUN(test_errors);
    KTEST_RUN(test_tcr);
    free(m);
    return ktest_summary();
}
