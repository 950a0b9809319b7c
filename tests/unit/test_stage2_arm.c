/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the AArch64 stage-2 table builder (vcpu/aarch64/stage2.c). Tables are filled
 * with stage2_map() and read back with stage2_translate() and by walking and decoding the
 * descriptors as the Arm ARM (DDI 0487, D8 "The AArch64 Virtual Memory System Architecture")
 * defines VMSAv8-64 stage 2 with the 4 KiB granule: a 39-bit IPA starting at level 1 (level 1
 * resolves IPA[38:30], level 2 IPA[29:21], level 3 IPA[20:12]); block descriptors (0b01) at
 * levels 1 and 2, table descriptors (0b11) at levels 1 and 2, page descriptors (0b11) at
 * level 3. VTCR_EL2 (D19.2) is checked field by field.
 */
#include "arm_vcpu.h"
#include "stage2_harness.h"

/* bits [hi:lo] of v, as the Arm ARM writes fields */
static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((2ull << (hi - lo)) - 1);
}

/* Stage-2 block and page descriptor attributes (Arm ARM D8.3, stage 2, FEAT_S2FWB off) */
#define MEMATTR_NORMAL_WB 0xfu   /* MemAttr[3:2] outer, [1:0] inner: 0b11 Write-Back each */
#define MEMATTR_DEVICE_NGNRE 0x1u /* MemAttr[3:2] = 0b00 Device, [1:0] = 0b01 nGnRE */
#define S2AP_R 1u                 /* S2AP[0], bit 6: read */
#define S2AP_W 2u                 /* S2AP[1], bit 7: write */
#define SH_INNER 3u
#define XN_EXEC 0u  /* XN[1:0] (bits 54:53) = 0b00: executable at EL1 and EL0 */
#define XN_NEVER 2u /* 0b10: at neither (without FEAT_XNX: bit 54 = XN, bit 53 RES0) */

#define OA_LIMIT (1ull << 48) /* 4 KiB granule without FEAT_LPA: 48-bit output addresses */

/* The IPA bits level 1, 2 or 3 starts resolving at */
static unsigned level_shift(unsigned level)
{
    return 39 - 9 * level;
}

static unsigned level_of(uint64_t leaf_size)
{
    for (unsigned level = 1; level <= 3; level++)
        if (1ull << level_shift(level) == leaf_size)
            return level;
    return 0;
}

/* --- the barrier hook stage2_map calls (vcpu.c issues DSB ISHST there) --- */

static unsigned barriers;
static gpa_t barrier_probe; /* a GPA the map being tested writes last */
static bool probe_mapped_at_barrier;

void arm_stage2_barrier(void)
{
    hpa_t h;
    uint32_t p;
    uint64_t l;
    barriers++;
    probe_mapped_at_barrier = stage2_translate(root_hpa(), barrier_probe, &h, &p, &l);
}

/* --- an independent walk --- */

struct leaf {
    unsigned level; /* 1-3; 0: the walk met an invalid descriptor */
    uint64_t desc;
};

/* A stage-2 table descriptor: next-level table address in [47:12], one of ours; the stage-1
   table attributes [63:59] and [50:48] are RES0 at stage 2. */
static void check_table_desc(uint64_t d)
{
    KTEST_EQ(bits(d, 1, 0), 3);
    KTEST_CHECK(is_our_table((const void *)(uintptr_t)(bits(d, 47, 12) << 12)));
    KTEST_EQ(bits(d, 63, 59), 0);
    KTEST_EQ(bits(d, 50, 48), 0);
}

/* Walk from the root for gpa (< 2^39) as the hardware does, checking each table descriptor. */
static struct leaf walk(gpa_t gpa)
{
    const uint64_t *table = root;
    for (unsigned level = 1; level <= 3; level++) {
        uint64_t d = table[bits(gpa, level_shift(level) + 8, level_shift(level))];
        if (!(d & 1))
            return (struct leaf){ 0, d };
        if (level == 3 || bits(d, 1, 1) == 0)
            return (struct leaf){ level, d };
        check_table_desc(d);
        table = (const uint64_t *)(uintptr_t)(bits(d, 47, 12) << 12);
    }
    return (struct leaf){ 0, 0 };
}

/* A leaf of `level` mapping output address oa with `prot` as stage2_translate reports it
   (S2_DEVICE: Device-nGnRE, never executable). */
static void check_leaf(struct leaf l, unsigned level, hpa_t oa, uint32_t prot)
{
    uint64_t d = l.desc;
    KTEST_EQ(l.level, level);
    KTEST_EQ(bits(d, 1, 0), level == 3 ? 3 : 1); /* page : block */
    KTEST_EQ(bits(d, 47, 12) << 12, oa); /* blocks: [29:12] or [20:12] RES0, so 0 */
    bool device = prot & S2_DEVICE;
    KTEST_EQ(bits(d, 5, 2), device ? MEMATTR_DEVICE_NGNRE : MEMATTR_NORMAL_WB);
    KTEST_EQ(bits(d, 7, 6), ((prot & S2_READ) ? S2AP_R : 0) | ((prot & S2_WRITE) ? S2AP_W : 0));
    if (!device)
        KTEST_EQ(bits(d, 9, 8), SH_INNER); /* ignored for Device memory */
    KTEST_EQ(bits(d, 10, 10), 1); /* AF: no Access flag fault */
    KTEST_EQ(bits(d, 54, 53), (prot & S2_EXEC) ? XN_EXEC : XN_NEVER);
    KTEST_EQ(bits(d, 11, 11), 0); /* RES0 (FnXS without FEAT_XS) */
    KTEST_EQ(bits(d, 52, 48), 0); /* Contiguous, DBM, RES0 */
    KTEST_EQ(bits(d, 63, 55), 0); /* software-defined, PBHA, RES0: left clear */
}

/* gpa maps hpa with prot through a leaf of leaf_size: by the walk and by stage2_translate */
static void check_mapped(gpa_t gpa, hpa_t hpa, uint32_t prot, uint64_t leaf_size)
{
    check_leaf(walk(gpa), level_of(leaf_size), hpa - (gpa & (leaf_size - 1)), prot);
    expect(gpa, hpa, prot, leaf_size);
}

/* A stretch of one leaf size; a test lists the stretches one map call must produce. */
struct stretch {
    gpa_t gpa;
    hpa_t hpa;
    uint64_t size;
    uint64_t leaf;
};

/* Map the stretches (contiguous in GPA and HPA) with one call, then check every leaf at its
   first and last byte, and that nothing either side is mapped. */
static void map_and_check(const struct stretch *s, size_t n, uint32_t prot)
{
    gpa_t end = s[n - 1].gpa + s[n - 1].size;
    KTEST_EQ(map(s[0].gpa, s[0].hpa, end - s[0].gpa, prot), 0);
    for (size_t i = 0; i < n; i++)
        for (uint64_t off = 0; off < s[i].size; off += s[i].leaf) {
            check_mapped(s[i].gpa + off, s[i].hpa + off, prot, s[i].leaf);
            check_mapped(s[i].gpa + off + s[i].leaf - 1, s[i].hpa + off + s[i].leaf - 1, prot,
                         s[i].leaf);
        }
    if (s[0].gpa)
        expect_unmapped(s[0].gpa - 1);
    expect_unmapped(end);
}

/* --- tests --- */

/* VTCR_EL2 (Arm ARM D19.2): T0SZ [5:0], SL0 [7:6], IRGN0 [9:8], ORGN0 [11:10], SH0 [13:12],
   TG0 [15:14], PS [18:16], bit 31 RES1; for every PARange encoding. */
static void test_vtcr(void)
{
    /* PARange / PS encodings in bits; 0 marks a reserved encoding */
    static const unsigned pa_bits[16] = { 32, 36, 40, 42, 44, 48, 52 };
    for (uint64_t parange = 0; parange < 16; parange++) {
        uint64_t vtcr = arm_stage2_vtcr(parange);
        KTEST_EQ(1ull << (64 - bits(vtcr, 5, 0)), stage2_gpa_limit()); /* T0SZ = 25 */
        KTEST_EQ(bits(vtcr, 5, 0), 25);
        KTEST_EQ(bits(vtcr, 15, 14), 0); /* TG0: 4 KiB */
        KTEST_EQ(bits(vtcr, 7, 6), 1);   /* SL0 = 1 with 4 KiB: the walk starts at level 1 */
        KTEST_EQ(bits(vtcr, 9, 8), 1);   /* IRGN0: Normal Write-Back Read/Write-Allocate */
        KTEST_EQ(bits(vtcr, 11, 10), 1); /* ORGN0: the same */
        KTEST_EQ(bits(vtcr, 13, 12), 3); /* SH0: Inner Shareable */
        /* PS: the CPU's PA size, at most 48 bits (52 needs FEAT_LPA descriptors) */
        unsigned want = pa_bits[parange] && pa_bits[parange] < 48 ? pa_bits[parange] : 48;
        KTEST_EQ(pa_bits[bits(vtcr, 18, 16)], want);
        KTEST_EQ(bits(vtcr, 31, 31), 1); /* RES1 */
        KTEST_EQ(bits(vtcr, 30, 19), 0); /* VS (8-bit VMID), HA, HD, HWU, NSW, NSA: off */
        KTEST_EQ(bits(vtcr, 63, 32), 0);
    }
}

/* The level-1 start that T0SZ and SL0 give: a root of 2^(39-30) entries of 8 bytes. */
static void test_geometry(void)
{
    uint64_t ipa_bits = 64 - bits(arm_stage2_vtcr(5), 5, 0);
    KTEST_EQ(stage2_root_size(), 8ull << (ipa_bits - level_shift(1)));
    KTEST_EQ(stage2_root_size(), 4 * KIB);
    KTEST_EQ(stage2_gpa_limit(), 1ull << 39);
}

static void test_gib_block(void)
{
    setup();
    KTEST_EQ(map(1 * GIB, 8 * GIB, 1 * GIB, S2_RWX), 0);
    KTEST_EQ(nr_tables, 0); /* a level-1 block: no table needed */
    check_mapped(1 * GIB, 8 * GIB, S2_RWX, GIB);
    check_mapped(1 * GIB + 0x12345678, 8 * GIB + 0x12345678, S2_RWX, GIB);
    check_mapped(2 * GIB - 1, 9 * GIB - 1, S2_RWX, GIB);
    expect_unmapped(1 * GIB - 1);
    expect_unmapped(2 * GIB);
    expect_unmapped(0);
    for (unsigned i = 0; i < 512; i++) /* IPA[38:30] = 1: root entry 1 only */
        KTEST_EQ(root[i] != 0, i == 1);

    /* the last root entry, output at the top of the 48-bit space */
    KTEST_EQ(map(stage2_gpa_limit() - GIB, OA_LIMIT - GIB, GIB, S2_READ), 0);
    check_mapped(stage2_gpa_limit() - GIB, OA_LIMIT - GIB, S2_READ, GIB);
    check_mapped(stage2_gpa_limit() - 1, OA_LIMIT - 1, S2_READ, GIB);
    KTEST_CHECK(root[511] & 1);
    KTEST_EQ(nr_tables, 0);
    teardown();
}

/* One call over a range starting 4 KiB past a 2 MiB boundary and spanning two 1 GiB
   boundaries: pages, a 2 MiB block, a 1 GiB block, a 2 MiB block, pages. */
static void test_mixed_leaves(void)
{
    static const struct stretch s[] = {
        { GIB - 4 * MIB + 4 * KIB, 5 * GIB - 4 * MIB + 4 * KIB, 2 * MIB - 4 * KIB, 4 * KIB },
        { GIB - 2 * MIB, 5 * GIB - 2 * MIB, 2 * MIB, 2 * MIB },
        { GIB, 5 * GIB, GIB, GIB },
        { 2 * GIB, 6 * GIB, 2 * MIB, 2 * MIB },
        { 2 * GIB + 2 * MIB, 6 * GIB + 2 * MIB, 12 * KIB, 4 * KIB },
    };
    setup();
    map_and_check(s, KEEL_ARRAY_SIZE(s), S2_READ | S2_WRITE);
    /* level-2 tables under root entries 0 and 2, a level-3 table under each */
    KTEST_EQ(nr_tables, 4);
    KTEST_EQ(bits(root[0], 1, 0), 3);
    KTEST_EQ(bits(root[1], 1, 0), 1);
    KTEST_EQ(bits(root[2], 1, 0), 3);
    KTEST_EQ(root[3], 0);
    const uint64_t *l2 = (const uint64_t *)(uintptr_t)(bits(root[0], 47, 12) << 12);
    KTEST_EQ(l2[509], 0);
    expect_unmapped(GIB - 4 * MIB);
    teardown();
}

/* Blocks need both addresses aligned and the size to cover them. */
static void test_alignment_choice(void)
{
    /* an HPA only 4 KiB-aligned relative to the GPA: pages throughout */
    static const struct stretch pages[] = { { 0x40000000, 0x50001000, 4 * MIB, 4 * KIB } };
    setup();
    map_and_check(pages, 1, S2_RWX);
    KTEST_EQ(nr_tables, 3);
    teardown();

    /* an HPA only 2 MiB-aligned: 2 MiB blocks where a 1 GiB block would fit the GPA */
    static const struct stretch mib[] = { { 4 * GIB, 0x80200000, GIB, 2 * MIB } };
    setup();
    map_and_check(mib, 1, S2_RWX);
    KTEST_EQ(nr_tables, 1);
    teardown();

    /* both 1 GiB-aligned, 4 KiB short of 1 GiB: 2 MiB blocks, then pages */
    static const struct stretch short_gib[] = {
        { 2 * GIB, 3 * GIB, GIB - 2 * MIB, 2 * MIB },
        { 3 * GIB - 2 * MIB, 4 * GIB - 2 * MIB, 2 * MIB - 4 * KIB, 4 * KIB },
    };
    setup();
    map_and_check(short_gib, KEEL_ARRAY_SIZE(short_gib), S2_RWX);
    KTEST_EQ(nr_tables, 2);
    teardown();

    /* a 2 MiB-aligned range smaller than 2 MiB: pages */
    static const struct stretch small[] = { { 0x40000000, 0x40000000, MIB, 4 * KIB } };
    setup();
    map_and_check(small, 1, S2_RWX);
    teardown();
}

/* S2AP, XN and MemAttr for each permission, in a page, a 2 MiB block and a 1 GiB block. */
static void test_permissions(void)
{
    static const struct {
        uint32_t prot;
        uint64_t s2ap, xn, memattr;
        uint32_t readback; /* what stage2_translate reports */
    } cases[] = {
        { S2_READ, S2AP_R, XN_NEVER, MEMATTR_NORMAL_WB, S2_READ },
        { S2_WRITE, S2AP_W, XN_NEVER, MEMATTR_NORMAL_WB, S2_WRITE }, /* valid at stage 2 */
        { S2_EXEC, 0, XN_EXEC, MEMATTR_NORMAL_WB, S2_EXEC }, /* XN is apart from S2AP */
        { S2_READ | S2_WRITE, S2AP_R | S2AP_W, XN_NEVER, MEMATTR_NORMAL_WB, S2_READ | S2_WRITE },
        { S2_READ | S2_EXEC, S2AP_R, XN_EXEC, MEMATTR_NORMAL_WB, S2_READ | S2_EXEC },
        { S2_WRITE | S2_EXEC, S2AP_W, XN_EXEC, MEMATTR_NORMAL_WB, S2_WRITE | S2_EXEC },
        { S2_RWX, S2AP_R | S2AP_W, XN_EXEC, MEMATTR_NORMAL_WB, S2_RWX },
        { S2_DEVICE | S2_READ, S2AP_R, XN_NEVER, MEMATTR_DEVICE_NGNRE, S2_DEVICE | S2_READ },
        { S2_DEVICE | S2_READ | S2_WRITE, S2AP_R | S2AP_W, XN_NEVER, MEMATTR_DEVICE_NGNRE,
          S2_DEVICE | S2_READ | S2_WRITE },
        /* Device memory is never executable, whatever is asked */
        { S2_DEVICE | S2_RWX, S2AP_R | S2AP_W, XN_NEVER, MEMATTR_DEVICE_NGNRE,
          S2_DEVICE | S2_READ | S2_WRITE },
        { S2_DEVICE | S2_READ | S2_EXEC, S2AP_R, XN_NEVER, MEMATTR_DEVICE_NGNRE,
          S2_DEVICE | S2_READ },
    };
    static const struct {
        gpa_t gpa;
        hpa_t hpa;
        uint64_t leaf;
    } leaves[] = {
        { 0x10001000, 0x200003000ull, 4 * KIB },
        { 0x10200000, 0x200400000ull, 2 * MIB },
        { GIB, 3 * GIB, GIB },
    };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(cases); i++) {
        setup();
        for (size_t j = 0; j < KEEL_ARRAY_SIZE(leaves); j++) {
            KTEST_EQ(map(leaves[j].gpa, leaves[j].hpa, leaves[j].leaf, cases[i].prot), 0);
            struct leaf l = walk(leaves[j].gpa);
            KTEST_EQ(l.level, level_of(leaves[j].leaf));
            KTEST_EQ(bits(l.desc, 7, 6), cases[i].s2ap);
            KTEST_EQ(bits(l.desc, 54, 53), cases[i].xn);
            KTEST_EQ(bits(l.desc, 5, 2), cases[i].memattr);
            check_mapped(leaves[j].gpa + 8, leaves[j].hpa + 8, cases[i].readback,
                         leaves[j].leaf);
        }
        teardown();
    }
}

/* Output addresses are 48 bits: the top page maps; an HPA at or past 2^48 is refused, never
   truncated into a low HPA (2^48 would have become HPA 0). */
static void test_output_address_limit(void)
{
    setup();
    KTEST_EQ(map(0x40000000, OA_LIMIT - 4 * KIB, 4 * KIB, S2_READ | S2_WRITE), 0);
    check_mapped(0x40000abc, OA_LIMIT - 4 * KIB + 0xabc, S2_READ | S2_WRITE, 4 * KIB);
    KTEST_EQ(map(0x40200000, OA_LIMIT, 4 * KIB, S2_READ), -1);
    KTEST_EQ(map(0x40200000, OA_LIMIT - 4 * KIB, 8 * KIB, S2_READ), -1);
    KTEST_EQ(map(2 * GIB, 1ull << 52, GIB, S2_READ), -1);
    KTEST_EQ(map(0x40200000, 0xfffffffffffff000ull, 8 * KIB, S2_READ), -1); /* wraps */
    expect_unmapped(0x40200000);
    expect_unmapped(0x40201000);
    expect_unmapped(2 * GIB);
    teardown();
}

/* stage2_translate stops at 2^39 too: no GPA above aliases root entry 0 */
static void test_gpa_limit(void)
{
    const uint64_t limit = stage2_gpa_limit();
    setup();
    KTEST_EQ(map(0, 0, GIB, S2_RWX), 0);
    check_mapped(0, 0, S2_RWX, GIB);
    expect_unmapped(limit);
    expect_unmapped(1ull << 40);
    expect_unmapped(UINT64_MAX & ~(GIB - 1));
    KTEST_EQ(map(1ull << 40, 1ull << 40, GIB, S2_RWX), -1);
    teardown();
}

/* stage2_map makes its descriptors visible (arm_stage2_barrier) after writing them all. */
static void test_barrier(void)
{
    setup();
    barriers = 0;
    barrier_probe = GIB + 4 * MIB; /* the last page of the range */
    KTEST_EQ(map(GIB - 4 * MIB + 4 * KIB, 5 * GIB - 4 * MIB + 4 * KIB, 8 * MIB, S2_RWX), 0);
    KTEST_EQ(barriers, 1);
    KTEST_CHECK(probe_mapped_at_barrier);
    teardown();
}

/* A VM as vm.c and vplat_arm_virt.c build it: 512 MiB of RAM at 0x40000000 from a 2 MiB-aligned
   partition, the GICV page at the guest's GICC address as device memory. */
static void test_vm(void)
{
    static const struct stretch ram[] = { { 0x40000000, 0xbe000000, 512 * MIB, 2 * MIB } };
    static const struct stretch gicv[] = { { 0x08010000, 0x08040000, 8 * KIB, 4 * KIB } };
    setup();
    map_and_check(ram, 1, S2_RWX);
    KTEST_EQ(nr_tables, 1);
    const uint32_t dev = S2_DEVICE | S2_READ | S2_WRITE;
    map_and_check(gicv, 1, dev);
    KTEST_EQ(nr_tables, 3);
    check_mapped(0x40000000, 0xbe000000, S2_RWX, 2 * MIB); /* RAM untouched */
    teardown();
}

int main(void)
{
    KTEST_RUN(test_vtcr);
    KTEST_RUN(test_geometry);
    KTEST_RUN(test_gib_block);
    KTEST_RUN(test_mixed_leaves);
    KTEST_RUN(test_alignment_choice);
    KTEST_RUN(test_permissions);
    KTEST_RUN(test_output_address_limit);
    KTEST_RUN(test_double_mapping);
    KTEST_RUN(test_refused);
    KTEST_RUN(test_gpa_limit);
    KTEST_RUN(test_alloc_failure);
    KTEST_RUN(test_barrier);
    KTEST_RUN(test_vm);
    return ktest_summary();
}
