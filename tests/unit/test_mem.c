/* SPDX-License-Identifier: MIT */
/* Host tests of the free-range map of host physical memory (hyp/mem.c). */
#include <keel/mem.h>
#include <stdarg.h>
#include <stdlib.h>

#include "ktest.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

static struct mem_map m;

/* The free ranges, in any order, must be exactly the `n` given (base, size) pairs. */
static void expect_ranges(unsigned n, ...)
{
    struct mem_range want[MEM_MAX_FREE];
    va_list ap;
    va_start(ap, n);
    for (unsigned i = 0; i < n; i++) {
        want[i].base = va_arg(ap, uint64_t);
        want[i].size = va_arg(ap, uint64_t);
    }
    va_end(ap);
    KTEST_EQ(m.nr_free, n);
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        bool found = false;
        for (unsigned j = 0; j < m.nr_free; j++)
            found |= m.free[j].base == want[i].base && m.free[j].size == want[i].size;
        if (!found)
            fprintf(stderr, "  missing free range [0x%" PRIx64 ", +0x%" PRIx64 ")\n",
                    want[i].base, want[i].size);
        KTEST_CHECK(found);
        total += want[i].size;
    }
    KTEST_EQ(mem_map_free_bytes(&m), total);
}

static void init1(hpa_t base, uint64_t size)
{
    struct mem_range r = { base, size };
    KTEST_EQ(mem_map_init(&m, &r, 1), 0);
}

static void test_init(void)
{
    struct mem_range ram[MEM_MAX_FREE + 2];
    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(ram); i++)
        ram[i] = (struct mem_range){ (i + 1) * GIB, 16 * MIB };
    KTEST_EQ(mem_map_init(&m, ram, MEM_MAX_FREE), 0);
    KTEST_EQ(m.nr_free, MEM_MAX_FREE);
    KTEST_EQ(mem_map_free_bytes(&m), MEM_MAX_FREE * 16 * MIB);
    KTEST_EQ(mem_map_init(&m, ram, MEM_MAX_FREE + 1), -1);
    /* empty ranges are dropped and do not count */
    ram[3].size = 0;
    ram[7].size = 0;
    KTEST_EQ(mem_map_init(&m, ram, MEM_MAX_FREE + 2), 0);
    KTEST_EQ(m.nr_free, MEM_MAX_FREE);
    KTEST_EQ(mem_map_init(&m, ram, 0), 0);
    KTEST_EQ(m.nr_free, 0);
    KTEST_EQ(mem_map_free_bytes(&m), 0);
    /* re-initialising forgets the old ranges */
    init1(0x80000000, GIB);
    expect_ranges(1, 0x80000000ull, GIB);
}

static void test_reserve_split_trim_remove(void)
{
    init1(0x80000000, GIB);
    /* a hole in the middle splits the range */
    KTEST_EQ(mem_map_reserve(&m, 0x80200000, 2 * MIB), 0);
    expect_ranges(2, 0x80000000ull, 2 * MIB, 0x80400000ull, GIB - 4 * MIB);
    /* the head of a range */
    KTEST_EQ(mem_map_reserve(&m, 0x80000000, 4 * KIB), 0);
    expect_ranges(2, 0x80001000ull, 2 * MIB - 4 * KIB, 0x80400000ull, GIB - 4 * MIB);
    /* the tail of a range, starting before its end and running past it */
    KTEST_EQ(mem_map_reserve(&m, 0xbff00000, 4 * MIB), 0);
    expect_ranges(2, 0x80001000ull, 2 * MIB - 4 * KIB, 0x80400000ull, GIB - 5 * MIB);
    /* a whole range, exactly */
    KTEST_EQ(mem_map_reserve(&m, 0x80001000, 2 * MIB - 4 * KIB), 0);
    expect_ranges(1, 0x80400000ull, GIB - 5 * MIB);
    /* touching but not overlapping: nothing changes */
    KTEST_EQ(mem_map_reserve(&m, 0x80300000, MIB), 0);
    KTEST_EQ(mem_map_reserve(&m, 0xbff00000, MIB), 0);
    expect_ranges(1, 0x80400000ull, GIB - 5 * MIB);
    /* outside RAM altogether, and empty */
    KTEST_EQ(mem_map_reserve(&m, 0x10000000, MIB), 0);
    KTEST_EQ(mem_map_reserve(&m, 0x90000000, 0), 0);
    expect_ranges(1, 0x80400000ull, GIB - 5 * MIB);
    /* one reservation covering everything */
    KTEST_EQ(mem_map_reserve(&m, 0, 8 * GIB), 0);
    expect_ranges(0);
}

static void test_reserve_many_ranges(void)
{
    /* one reservation covering several ranges and partly two more; removal moves the last
       range into the freed slot, which must be examined too */
    struct mem_range ram[] = {
        { 0x1000, 0x1000 }, { 0x100000, 0x1000 }, { 0x3000, 0x1000 },
        { 0x5000, 0x2000 }, { 0x8000, 0x1000 },   { 0x200, 0x200 },
    };
    KTEST_EQ(mem_map_init(&m, ram, KEEL_ARRAY_SIZE(ram)), 0);
    KTEST_EQ(mem_map_reserve(&m, 0x300, 0x5000), 0);
    expect_ranges(4, 0x200ull, 0x100ull, 0x5300ull, 0x1d00ull, 0x8000ull, 0x1000ull,
                  0x100000ull, 0x1000ull);
    /* base + size overflowing 64 bits: everything from base up */
    KTEST_EQ(mem_map_reserve(&m, 0x5400, UINT64_MAX), 0);
    expect_ranges(2, 0x200ull, 0x100ull, 0x5300ull, 0x100ull);
}

static void test_reserve_full_map(void)
{
    struct mem_range ram[MEM_MAX_FREE];
    for (unsigned i = 0; i < MEM_MAX_FREE; i++)
        ram[i] = (struct mem_range){ (i + 1) * GIB, 16 * MIB };
    KTEST_EQ(mem_map_init(&m, ram, MEM_MAX_FREE), 0);
    /* trimming needs no new slot */
    KTEST_EQ(mem_map_reserve(&m, GIB, MIB), 0);
    KTEST_EQ(mem_map_reserve(&m, 2 * GIB + 15 * MIB, MIB), 0);
    KTEST_EQ(m.nr_free, MEM_MAX_FREE);
    /* a split does, and there is none */
    uint64_t before = mem_map_free_bytes(&m);
    KTEST_EQ(mem_map_reserve(&m, 3 * GIB + 4 * MIB, MIB), -1);
    KTEST_EQ(m.nr_free, MEM_MAX_FREE);
    KTEST_EQ(mem_map_free_bytes(&m), before);
    /* after a removal there is room again */
    KTEST_EQ(mem_map_reserve(&m, 4 * GIB, 16 * MIB), 0);
    KTEST_EQ(mem_map_reserve(&m, 3 * GIB + 4 * MIB, MIB), 0);
    KTEST_EQ(m.nr_free, MEM_MAX_FREE);
    KTEST_EQ(mem_map_free_bytes(&m), before - 17 * MIB);
}

static void test_alloc_highest_aligned(void)
{
    struct mem_range ram[] = { { 0x80000000, GIB }, { 0x100000000, GIB } };
    KTEST_EQ(mem_map_init(&m, ram, 2), 0);
    /* from the top of the highest range */
    KTEST_EQ(mem_map_alloc(&m, 2 * MIB, 2 * MIB), 0x13fe00000ull);
    expect_ranges(2, 0x80000000ull, GIB, 0x100000000ull, GIB - 2 * MIB);
    KTEST_EQ(mem_map_alloc(&m, 4 * KIB, 4 * KIB), 0x13fdff000ull);
    /* alignment pushes the block down; the bytes above it stay free */
    KTEST_EQ(mem_map_alloc(&m, 2 * MIB, 2 * MIB), 0x13fa00000ull);
    expect_ranges(3, 0x80000000ull, GIB, 0x100000000ull, GIB - 6 * MIB, 0x13fc00000ull,
                  2 * MIB - 4 * KIB);
    /* a 1 GiB-aligned GiB: only the lower range can give one */
    KTEST_EQ(mem_map_alloc(&m, GIB, GIB), 0x80000000ull);
    expect_ranges(2, 0x100000000ull, GIB - 6 * MIB, 0x13fc00000ull, 2 * MIB - 4 * KIB);
    /* nothing left that is large enough and aligned */
    KTEST_EQ(mem_map_alloc(&m, GIB, GIB), 0);
    KTEST_EQ(mem_map_alloc(&m, GIB, 2 * MIB), 0);
    /* the choice is the highest resulting address, whatever the order of the list */
    struct mem_range rev[] = { { 0x100000000, GIB }, { 0x80000000, GIB } };
    KTEST_EQ(mem_map_init(&m, rev, 2), 0);
    KTEST_EQ(mem_map_alloc(&m, 64 * KIB, 4 * KIB), 0x13fff0000ull);
    /* a small high range that fits, above a big low one */
    struct mem_range small_high[] = { { 0x80000000, GIB }, { 0x200000000, 64 * KIB } };
    KTEST_EQ(mem_map_init(&m, small_high, 2), 0);
    KTEST_EQ(mem_map_alloc(&m, 128 * KIB, 4 * KIB), 0xbffe0000ull);
    KTEST_EQ(mem_map_alloc(&m, 64 * KIB, 64 * KIB), 0x200000000ull);
}

static void test_alloc_alignment(void)
{
    /* size fits, alignment does not */
    init1(0x80001000, 4 * MIB);
    KTEST_EQ(mem_map_alloc(&m, 3 * MIB, 2 * MIB), 0);
    KTEST_EQ(mem_map_alloc(&m, 2 * MIB, 4 * MIB), 0);
    hpa_t a = mem_map_alloc(&m, 2 * MIB, 2 * MIB);
    KTEST_EQ(a, 0x80200000);
    expect_ranges(2, 0x80001000ull, 0x1ff000ull, 0x80400000ull, 0x1000ull);
    /* every result is aligned and inside a range it was free in */
    init1(0x80000000, 64 * MIB);
    for (uint64_t align = 4 * KIB; align <= 8 * MIB; align <<= 1) {
        hpa_t p = mem_map_alloc(&m, 12 * KIB, align);
        KTEST_CHECK(p != 0);
        KTEST_EQ(p & (align - 1), 0);
        KTEST_CHECK(p >= 0x80000000 && p + 12 * KIB <= 0x84000000);
    }
    /* address 0 is never handed out: 0 means failure */
    init1(0, 2 * MIB);
    KTEST_EQ(mem_map_alloc(&m, 2 * MIB, 2 * MIB), 0);
    KTEST_EQ(mem_map_alloc(&m, MIB, MIB), MIB);
}

static void test_exhaustion(void)
{
    init1(0x80000000, 1 * MIB);
    unsigned got = 0;
    hpa_t last = UINT64_MAX;
    for (;;) {
        hpa_t p = mem_map_alloc(&m, 64 * KIB, 4 * KIB);
        if (!p)
            break;
        KTEST_CHECK(p < last); /* top-down, no overlap */
        last = p;
        got++;
    }
    KTEST_EQ(got, 16);
    KTEST_EQ(last, 0x80000000);
    KTEST_EQ(mem_map_free_bytes(&m), 0);
    KTEST_EQ(m.nr_free, 0);
    KTEST_EQ(mem_map_alloc(&m, 4 * KIB, 4 * KIB), 0);
    /* larger than any range / than all memory */
    init1(0x80000000, 1 * MIB);
    KTEST_EQ(mem_map_alloc(&m, 1 * MIB + 4 * KIB, 4 * KIB), 0);
    expect_ranges(1, 0x80000000ull, 1 * MIB);
}

/* An aligned allocation in the middle of a range needs a split; with the map full it fails and
   leaves the map as it was. */
static void test_alloc_full_map(void)
{
    struct mem_range ram[MEM_MAX_FREE];
    for (unsigned i = 0; i < MEM_MAX_FREE; i++)
        ram[i] = (struct mem_range){ (i + 1) * GIB + 4 * KIB, 8 * MIB };
    KTEST_EQ(mem_map_init(&m, ram, MEM_MAX_FREE), 0);
    uint64_t before = mem_map_free_bytes(&m);
    KTEST_EQ(mem_map_alloc(&m, 2 * MIB, 2 * MIB), 0);
    KTEST_EQ(mem_map_free_bytes(&m), before);
    KTEST_EQ(m.nr_free, MEM_MAX_FREE);
    /* from the top of a range: a trim, fine */
    KTEST_EQ(mem_map_alloc(&m, 4 * KIB, 4 * KIB), MEM_MAX_FREE * GIB + 8 * MIB);
}

/* mem_alloc_zeroed() carves from host_mem and zeroes: here host_mem is a host buffer. */
static void test_alloc_zeroed(void)
{
    uint8_t *buf = aligned_alloc(64 * KIB, 64 * KIB);
    memset(buf, 0xaa, 64 * KIB);
    struct mem_range r = { (hpa_t)(uintptr_t)buf, 64 * KIB };
    KTEST_EQ(mem_map_init(&host_mem, &r, 1), 0);
    hpa_t t = mem_alloc_zeroed(16 * KIB, 16 * KIB);
    KTEST_EQ(t, (hpa_t)(uintptr_t)buf + 48 * KIB);
    unsigned nonzero = 0;
    for (unsigned i = 0; i < 64 * KIB; i++)
        nonzero += buf[i] != (i >= 48 * KIB ? 0 : 0xaa);
    KTEST_EQ(nonzero, 0);
    KTEST_EQ(mem_alloc_zeroed(64 * KIB, 4 * KIB), 0); /* only 48 KiB left */
    KTEST_EQ(mem_alloc_zeroed(4 * KIB, 4 * KIB), (hpa_t)(uintptr_t)buf + 44 * KIB);
    KTEST_EQ(mem_map_free_bytes(&host_mem), 44 * KIB);
    free(buf);
}

int main(void)
{
    KTEST_RUN(test_init);
    KTEST_RUN(test_reserve_split_trim_remove);
    KTEST_RUN(test_reserve_many_ranges);
    KTEST_RUN(test_reserve_full_map);
    KTEST_RUN(test_alloc_highest_aligned);
    KTEST_RUN(test_alloc_alignment);
    KTEST_RUN(test_exhaustion);
    KTEST_RUN(test_alloc_full_map);
    KTEST_RUN(test_alloc_zeroed);
    return ktest_summary();
}
