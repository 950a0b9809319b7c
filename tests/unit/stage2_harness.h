/* SPDX-License-Identifier: MIT */
/*
 * What the stage-2 builder tests of both ISAs share (test_stage2.c: Sv39x4, test_stage2_arm.c:
 * VMSAv8-64): tables in host memory (host pointers are the "HPAs" of tables; mapped HPAs are
 * plain numbers, never touched), an allocator that can be told to fail, read-back through
 * stage2_translate(), and the checks of the stage2.h contract that hold on both ISAs. Static
 * state and functions: include it from one source file per test.
 */
#ifndef KEEL_STAGE2_HARNESS_H
#define KEEL_STAGE2_HARNESS_H

#include <keel/stage2.h>
#include <stdlib.h>

#include "ktest.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* --- table allocator: zeroed, 4 KiB aligned host buffers; can be told to fail --- */

static void *tables[8192];
static unsigned nr_tables;
static int fail_after = -1; /* allocations allowed before failing; -1 = never fail */
static int ctx_tag;

static inline hpa_t alloc_table(void *ctx)
{
    KTEST_CHECK(ctx == &ctx_tag);
    if (fail_after >= 0 && nr_tables >= (unsigned)fail_after)
        return 0;
    if (nr_tables == KEEL_ARRAY_SIZE(tables))
        return 0;
    void *t = aligned_alloc(4096, 4096);
    memset(t, 0, 4096);
    tables[nr_tables++] = t;
    return (hpa_t)(uintptr_t)t;
}

/* true when t is a table alloc_table handed out since setup() */
static inline bool is_our_table(const void *t)
{
    for (unsigned i = 0; i < nr_tables; i++)
        if (tables[i] == t)
            return true;
    return false;
}

static uint64_t *root; /* stage2_root_size() bytes, as many bytes aligned */

static inline void setup(void)
{
    root = aligned_alloc(stage2_root_size(), stage2_root_size());
    memset(root, 0, stage2_root_size());
    nr_tables = 0;
    fail_after = -1;
}

static inline void teardown(void)
{
    for (unsigned i = 0; i < nr_tables; i++)
        free(tables[i]);
    nr_tables = 0;
    free(root);
    root = NULL;
}

static inline hpa_t root_hpa(void)
{
    return (hpa_t)(uintptr_t)root;
}

static inline int map(gpa_t gpa, hpa_t hpa, uint64_t size, uint32_t prot)
{
    return stage2_map(root_hpa(), gpa, hpa, size, prot, alloc_table, &ctx_tag);
}

/* gpa must translate to hpa with prot and the given leaf size */
static inline void expect(gpa_t gpa, hpa_t hpa, uint32_t prot, uint64_t leaf)
{
    hpa_t got = 0;
    uint32_t got_prot = 0;
    uint64_t got_leaf = 0;
    bool ok = stage2_translate(root_hpa(), gpa, &got, &got_prot, &got_leaf);
    KTEST_CHECK(ok);
    if (!ok) {
        fprintf(stderr, "  (gpa 0x%" PRIx64 " not mapped)\n", gpa);
        return;
    }
    KTEST_EQ(got, hpa);
    KTEST_EQ(got_prot, prot);
    KTEST_EQ(got_leaf, leaf);
}

static inline bool is_mapped(gpa_t gpa)
{
    hpa_t h;
    uint32_t p;
    uint64_t l;
    return stage2_translate(root_hpa(), gpa, &h, &p, &l);
}

static inline void expect_unmapped(gpa_t gpa)
{
    KTEST_CHECK(!is_mapped(gpa));
}

/* --- the stage2.h contract, the same on both ISAs (three levels: 1 GiB, 2 MiB, 4 KiB leaves;
   GPAs up to stage2_gpa_limit(), at least 2^39). Each test file runs these with KTEST_RUN. --- */

/* Nothing is mapped twice, in any mix of leaf sizes; a refused map leaves the old one. */
static inline void test_double_mapping(void)
{
    setup();
    KTEST_EQ(map(0x80000000, 0x80000000, 2 * MIB, S2_RWX), 0); /* a 2 MiB block */
    KTEST_EQ(map(0x80000000, 0x90000000, 4 * KIB, S2_READ), -1); /* page inside the block */
    KTEST_EQ(map(0x801ff000, 0x90000000, 4 * KIB, S2_READ), -1);
    KTEST_EQ(map(0x80000000, 0x90000000, 2 * MIB, S2_READ), -1); /* the same block again */
    KTEST_EQ(map(2 * GIB, 8 * GIB, GIB, S2_READ), -1); /* a GiB block over the table */
    expect(0x80000000, 0x80000000, S2_RWX, 2 * MIB); /* unchanged */

    KTEST_EQ(map(0x80400000, 0x80400000, 4 * KIB, S2_READ), 0); /* a page */
    KTEST_EQ(map(0x80400000, 0x90400000, 4 * KIB, S2_RWX), -1); /* the same page again */
    KTEST_EQ(map(0x80400000, 0x90400000, 2 * MIB, S2_RWX), -1); /* a block over its table */
    expect(0x80400000, 0x80400000, S2_READ, 4 * KIB);
    KTEST_EQ(map(0x80401000, 0x80401000, 4 * KIB, S2_READ), 0); /* the next page is free */

    KTEST_EQ(map(4 * GIB, 4 * GIB, GIB, S2_READ), 0); /* a GiB block */
    KTEST_EQ(map(4 * GIB + 2 * MIB, 0, 2 * MIB, S2_READ), -1);
    KTEST_EQ(map(4 * GIB + 8 * KIB, 0, 4 * KIB, S2_READ), -1);
    KTEST_EQ(map(4 * GIB, 4 * GIB, GIB, S2_READ), -1);
    expect(4 * GIB + 8 * KIB, 4 * GIB + 8 * KIB, S2_READ, GIB);
    teardown();
}

static inline void test_refused(void)
{
    const uint64_t limit = stage2_gpa_limit();
    setup();
    /* misaligned gpa / hpa / size */
    KTEST_EQ(map(0x80000800, 0x80000000, 0x1000, S2_RWX), -1);
    KTEST_EQ(map(0x80000000, 0x80000001, 0x1000, S2_RWX), -1);
    KTEST_EQ(map(0x80000000, 0x80000000, 0x1800, S2_RWX), -1);
    KTEST_EQ(map(0x80000000, 0x80000000, 0xfff, S2_RWX), -1);
    /* no access at all (S2_DEVICE only says what kind of memory) */
    KTEST_EQ(map(0x80000000, 0x80000000, 0x1000, 0), -1);
    KTEST_EQ(map(0x80000000, 0x80000000, 0x1000, S2_DEVICE), -1);
    KTEST_EQ(map(0x80000000, 0x80000000, 2 * MIB, S2_DEVICE), -1);
    /* at or beyond the limit */
    KTEST_EQ(map(limit, 0x80000000, 0x1000, S2_RWX), -1);
    KTEST_EQ(map(limit - 0x1000, 0x80000000, 0x2000, S2_RWX), -1);
    KTEST_EQ(map(limit - GIB, 0, 2 * GIB, S2_RWX), -1);
    KTEST_EQ(map(0, 0, limit + 0x1000, S2_RWX), -1);
    /* wrapping around 2^64 */
    KTEST_EQ(map(0xfffffffffffff000ull, 0x80000000, 0x2000, S2_RWX), -1);
    KTEST_EQ(map(0x1000, 0, 0xfffffffffffff000ull, S2_RWX), -1);
    /* nothing was allocated or written */
    KTEST_EQ(nr_tables, 0);
    for (unsigned i = 0; i < stage2_root_size() / 8; i++)
        KTEST_EQ(root[i], 0);
    /* the last page below the limit is fine */
    KTEST_EQ(map(limit - 0x1000, 0x80000000, 0x1000, S2_RWX), 0);
    expect(limit - 0x1000, 0x80000000, S2_RWX, 4 * KIB);
    /* a zero-sized map is a no-op */
    KTEST_EQ(map(0x80000000, 0x80000000, 0, S2_RWX), 0);
    expect_unmapped(0x80000000);
    teardown();
}

/* A map needing n tables, the last of them for its last page, given fewer, fails having taken
   all it was given, and the last page stays unmapped (the map is partial); given n, it
   succeeds. */
static inline void check_tables_needed(gpa_t gpa, uint64_t size, unsigned n)
{
    for (unsigned allowed = 0; allowed <= n; allowed++) {
        setup();
        fail_after = (int)allowed;
        KTEST_EQ(map(gpa, gpa, size, S2_RWX), allowed == n ? 0 : -1);
        KTEST_EQ(nr_tables, allowed);
        KTEST_EQ(is_mapped(gpa + size - 4 * KIB), allowed == n);
        teardown();
    }
}

static inline void test_alloc_failure(void)
{
    check_tables_needed(0x80000000, 4 * KIB, 2);  /* a page: a level-2 and a leaf table */
    check_tables_needed(0x80001000, 4 * MIB, 3);  /* pages, a 2 MiB block, pages */
    check_tables_needed(GIB - 4 * MIB + 4 * KIB, GIB + 4 * MIB, 4); /* both sides of a GiB block */
    check_tables_needed(GIB, 2 * GIB, 0);         /* GiB blocks need no table */
}

#endif
