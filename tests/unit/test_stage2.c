/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the RISC-V G-stage table builder (vcpu/riscv64/stage2.c): tables live in host
 * memory (host pointers are the "HPAs" of tables; mapped HPAs are plain numbers, never touched),
 * are filled with stage2_map() and read back with stage2_translate() and by decoding the PTEs
 * directly as the Privileged spec v1.12 sec 8.5.1 (Sv39x4) and sec 4.4.1 (PTE format) define.
 */
#include "stage2_harness.h"

/* PTE bits (Privileged spec sec 4.4.1, figure 4.21) */
#define V (1ull << 0)
#define R (1ull << 1)
#define W (1ull << 2)
#define X (1ull << 3)
#define U (1ull << 4)
#define G (1ull << 5)
#define A (1ull << 6)
#define D (1ull << 7)

/* the table a non-leaf PTE points to */
static uint64_t *next_table(uint64_t pte)
{
    return (uint64_t *)(uintptr_t)(((pte >> 10) & ((1ull << 44) - 1)) << 12);
}

/* A non-leaf PTE: V only (R=W=X=0; U, A, D reserved for non-leaf PTEs, so 0), PPN of a table
   this test allocated. */
static void check_pointer_pte(uint64_t pte)
{
    KTEST_EQ(pte & 0x3ff, V);
    KTEST_EQ(pte >> 54, 0); /* reserved / PBMT / N */
    KTEST_CHECK(is_our_table(next_table(pte)));
}

static void test_geometry(void)
{
    KTEST_EQ(stage2_root_size(), 16 * KIB); /* Sv39x4 root: 2048 entries */
    KTEST_EQ(stage2_gpa_limit(), 1ull << 41);
}

static void test_gib_block(void)
{
    setup();
    KTEST_EQ(map(1 * GIB, 8 * GIB, 1 * GIB, S2_RWX), 0);
    KTEST_EQ(nr_tables, 0); /* a root leaf: no table needed */
    expect(1 * GIB, 8 * GIB, S2_RWX, GIB);
    expect(1 * GIB + 0x12345678, 8 * GIB + 0x12345678, S2_RWX, GIB);
    expect(2 * GIB - 4 * KIB, 9 * GIB - 4 * KIB, S2_RWX, GIB);
    expect_unmapped(1 * GIB - 4 * KIB);
    expect_unmapped(2 * GIB);
    expect_unmapped(0);
    /* the PTE itself: root index GPA[40:30] = 1; V R W X U A D, G = 0, PPN = HPA >> 12 */
    uint64_t pte = root[1];
    KTEST_EQ(pte & 0x3ff, V | R | W | X | U | A | D);
    KTEST_EQ(pte & G, 0);
    KTEST_EQ((pte >> 10) & ((1ull << 44) - 1), (8 * GIB) >> 12);
    KTEST_EQ(pte >> 54, 0);
    for (unsigned i = 0; i < 2048; i++)
        if (i != 1)
            KTEST_EQ(root[i], 0);
    teardown();
}

/* Sv39x4: the root has 2048 entries, indexed by GPA[40:30]; GPAs up to 2^41 - 1 */
static void test_x4_root_index(void)
{
    setup();
    KTEST_EQ(map((1ull << 41) - GIB, 3 * GIB, GIB, S2_READ), 0);
    KTEST_EQ(map(1ull << 40, 5 * GIB, GIB, S2_READ | S2_EXEC), 0);
    KTEST_CHECK(root[2047] & V);
    KTEST_EQ((root[2047] >> 10) & ((1ull << 44) - 1), (3 * GIB) >> 12);
    KTEST_EQ(root[2047] & 0x3ff, V | R | U | A | D);
    KTEST_CHECK(root[1024] & V);
    KTEST_EQ(root[1024] & 0x3ff, V | R | X | U | A | D);
    expect((1ull << 41) - 1, 4 * GIB - 1, S2_READ, GIB);
    expect((1ull << 40) + 0x1000, 5 * GIB + 0x1000, S2_READ | S2_EXEC, GIB);
    expect_unmapped((1ull << 40) - GIB);
    /* GPAs at and above 2^41 are outside Sv39x4: they must not alias index 0 / 1024 */
    expect_unmapped(1ull << 41);
    expect_unmapped((1ull << 41) + (1ull << 40));
    expect_unmapped(UINT64_MAX);
    teardown();
}

/* Unaligned edges get 4 KiB pages, the aligned middle a 2 MiB block. */
static void test_mixed_leaves(void)
{
    setup();
    const gpa_t gpa = 0x80001000;
    const hpa_t hpa = 0x140001000; /* same offset in a 2 MiB block, not in a 1 GiB one */
    KTEST_EQ(map(gpa, hpa, 0x400000, S2_READ | S2_WRITE), 0);
    const uint32_t rw = S2_READ | S2_WRITE;
    expect(gpa, hpa, rw, 4 * KIB);
    expect(gpa + 0x123, hpa + 0x123, rw, 4 * KIB);
    expect(0x801ff000, hpa + 0x1fe000, rw, 4 * KIB);
    expect(0x80200000, hpa + 0x1ff000, rw, 2 * MIB);
    expect(0x803fffff, hpa + 0x3fefff, rw, 2 * MIB);
    expect(0x80400000, hpa + 0x3ff000, rw, 4 * KIB);
    expect(0x80400fff, hpa + 0x3fffff, rw, 4 * KIB);
    expect_unmapped(0x80000000);
    expect_unmapped(0x80401000);
    /* one level-1 table (GiB 2), two level-0 tables (2 MiB blocks 0 and 2 of it) */
    KTEST_EQ(nr_tables, 3);

    /* walk it by hand: root[2] -> table; [0] -> 4K table, [1] = 2 MiB leaf, [2] -> 4K table */
    check_pointer_pte(root[2]);
    uint64_t *l1 = next_table(root[2]);
    check_pointer_pte(l1[0]);
    check_pointer_pte(l1[2]);
    KTEST_EQ(l1[1] & 0x3ff, V | R | W | U | A | D);
    KTEST_EQ((l1[1] >> 10) & ((1ull << 44) - 1), (hpa + 0x1ff000) >> 12);
    KTEST_EQ(l1[3], 0);
    uint64_t *l0 = next_table(l1[0]);
    KTEST_EQ(l0[0], 0);
    KTEST_EQ(l0[1] & 0x3ff, V | R | W | U | A | D);
    KTEST_EQ(l0[1] >> 10, hpa >> 12);
    KTEST_EQ(l0[511] >> 10, (hpa + 0x1fe000) >> 12);
    uint64_t *l0b = next_table(l1[2]);
    KTEST_EQ(l0b[0] >> 10, (hpa + 0x3ff000) >> 12);
    KTEST_EQ(l0b[1], 0);
    teardown();
}

/* 2 MiB blocks up to a 1 GiB boundary, a 1 GiB block, 2 MiB blocks after it. */
static void test_gib_with_edges(void)
{
    setup();
    const gpa_t gpa = GIB - 2 * MIB;
    const hpa_t hpa = 0x13fe00000; /* == gpa mod 1 GiB */
    KTEST_EQ(map(gpa, hpa, GIB + 4 * MIB, S2_RWX), 0);
    expect(gpa, hpa, S2_RWX, 2 * MIB);
    expect(GIB, hpa + 2 * MIB, S2_RWX, GIB);
    expect(2 * GIB - 1, hpa + 2 * MIB + GIB - 1, S2_RWX, GIB);
    expect(2 * GIB, hpa + 2 * MIB + GIB, S2_RWX, 2 * MIB);
    expect(2 * GIB + 2 * MIB - 1, hpa + 4 * MIB + GIB - 1, S2_RWX, 2 * MIB);
    expect_unmapped(2 * GIB + 2 * MIB);
    KTEST_EQ(nr_tables, 2); /* a level-1 table on each side */
    teardown();
}

/* Blocks need both addresses aligned: a HPA only 4 KiB-aligned relative to the GPA means pages
   throughout; a HPA only 2 MiB-aligned means 2 MiB blocks where a GiB block would fit. */
static void test_alignment_choice(void)
{
    setup();
    KTEST_EQ(map(0x80000000, 0x90001000, 4 * MIB, S2_RWX), 0);
    for (uint64_t off = 0; off < 4 * MIB; off += 0x7000)
        expect(0x80000000 + off, 0x90001000 + off, S2_RWX, 4 * KIB);
    KTEST_EQ(nr_tables, 3);
    teardown();

    setup();
    KTEST_EQ(map(4 * GIB, 0x80200000, GIB, S2_RWX), 0);
    expect(4 * GIB, 0x80200000, S2_RWX, 2 * MIB);
    expect(5 * GIB - 1, 0x80200000 + GIB - 1, S2_RWX, 2 * MIB);
    KTEST_EQ(nr_tables, 1);
    teardown();

    /* a 2 MiB-aligned range smaller than 2 MiB: pages */
    setup();
    KTEST_EQ(map(0x80000000, 0x80000000, MIB, S2_RWX), 0);
    expect(0x80000000, 0x80000000, S2_RWX, 4 * KIB);
    expect(0x800ff000, 0x800ff000, S2_RWX, 4 * KIB);
    expect_unmapped(0x80100000);
    teardown();
}

static void test_permissions(void)
{
    static const struct {
        uint32_t prot;
        uint64_t bits;     /* R/W/X of the PTE */
        uint32_t readback; /* what stage2_translate reports */
    } cases[] = {
        { S2_READ, R, S2_READ },
        { S2_READ | S2_WRITE, R | W, S2_READ | S2_WRITE },
        { S2_READ | S2_EXEC, R | X, S2_READ | S2_EXEC },
        { S2_EXEC, X, S2_EXEC },                        /* execute-only is a valid leaf */
        { S2_WRITE, R | W, S2_READ | S2_WRITE },        /* W without R is reserved */
        { S2_WRITE | S2_EXEC, R | W | X, S2_RWX },
        { S2_RWX, R | W | X, S2_RWX },
    };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(cases); i++) {
        setup();
        gpa_t gpa = 0x10000000 + i * 0x1000;
        KTEST_EQ(map(gpa, 0x200000000ull + i * 0x1000, 0x1000, cases[i].prot), 0);
        expect(gpa, 0x200000000ull + i * 0x1000, cases[i].readback, 4 * KIB);
        uint64_t *l1 = next_table(root[0]);
        uint64_t *l0 = next_table(l1[gpa >> 21 & 0x1ff]);
        uint64_t pte = l0[gpa >> 12 & 0x1ff];
        KTEST_EQ(pte & 0x3ff, V | U | A | D | cases[i].bits);
        teardown();
    }
}

/* The PPN field holds 44 bits: a HPA near the top of a 56-bit physical space survives; one at
   or past 2^56 is refused, never truncated into another HPA or into the PBMT/N bits. */
static void test_high_hpa(void)
{
    setup();
    const hpa_t hpa = 0x00fffffffffff000ull;
    KTEST_EQ(map(0x80000000, hpa, 0x1000, S2_READ), 0);
    expect(0x80000abc, hpa + 0xabc, S2_READ, 4 * KIB);
    const hpa_t gib = 0x00ffffffc0000000ull;
    KTEST_EQ(map(2 * GIB + GIB, gib, GIB, S2_READ), 0);
    expect(3 * GIB + 5, gib + 5, S2_READ, GIB);
    KTEST_EQ(root[3] >> 54, 0);
    KTEST_EQ(map(0x90000000, 1ull << 56, 0x1000, S2_READ), -1);
    KTEST_EQ(map(0x90000000, (1ull << 56) - 0x1000, 0x2000, S2_READ), -1);
    KTEST_EQ(map(4 * GIB, 1ull << 62, GIB, S2_READ), -1);
    KTEST_EQ(map(0x90000000, 0xfffffffffffff000ull, 0x2000, S2_READ), -1); /* wraps */
    expect_unmapped(0x90000000);
    expect_unmapped(4 * GIB);
    teardown();
}

/* A VM-sized map as vm.c makes it: 512 MiB at 0x80000000 from a 2 MiB-aligned partition. */
static void test_vm_ram(void)
{
    setup();
    const hpa_t part = 0xbe000000;
    KTEST_EQ(map(0x80000000, part, 512 * MIB, S2_RWX), 0);
    KTEST_EQ(nr_tables, 1);
    for (uint64_t off = 0; off < 512 * MIB; off += 3 * MIB + 0x1234)
        expect(0x80000000 + off, part + off, S2_RWX, 2 * MIB);
    expect_unmapped(0x80000000 + 512 * MIB);
    expect_unmapped(0x80000000 - 1);
    teardown();
}

int main(void)
{
    KTEST_RUN(test_geometry);
    KTEST_RUN(test_gib_block);
    KTEST_RUN(test_x4_root_index);
    KTEST_RUN(test_mixed_leaves);
    KTEST_RUN(test_gib_with_edges);
    KTEST_RUN(test_alignment_choice);
    KTEST_RUN(test_permissions);
    KTEST_RUN(test_high_hpa);
    KTEST_RUN(test_double_mapping);
    KTEST_RUN(test_refused);
    KTEST_RUN(test_alloc_failure);
    KTEST_RUN(test_vm_ram);
    return ktest_summary();
}
