/* SPDX-License-Identifier: MIT */
/*
 * RISC-V G-stage tables, Sv39x4 (Privileged spec v1.12 sec 8.5.1): a 16 KiB root indexed by
 * GPA[40:30] (2048 entries), then 4 KiB tables indexed by GPA[29:21] and GPA[20:12]. Leaves
 * carry U=1 (G-stage accesses are user accesses) and A=D=1 so no A/D update fault can occur.
 */
#include <keel/stage2.h>

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK (((1ull << 44) - 1) << PTE_PPN_SHIFT)

#define SV39X4_GPA_BITS 41
#define HPA_BITS 56 /* a 44-bit PPN */
#define LEVELS 3

static const uint32_t level_shift[LEVELS] = { 12, 21, 30 };

uint64_t stage2_root_size(void)
{
    return 16 * 1024;
}

uint64_t stage2_gpa_limit(void)
{
    return 1ull << SV39X4_GPA_BITS;
}

static uint64_t *table_at(hpa_t hpa)
{
    return (uint64_t *)(uintptr_t)hpa;
}

static unsigned pte_index(gpa_t gpa, int level)
{
    uint64_t mask = level == LEVELS - 1 ? 0x7ff : 0x1ff; /* the root has 2 more index bits */
    return (unsigned)((gpa >> level_shift[level]) & mask);
}

static hpa_t pte_hpa(uint64_t pte)
{
    return ((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << 12;
}

static bool pte_is_leaf(uint64_t pte)
{
    return (pte & (PTE_R | PTE_W | PTE_X)) != 0;
}

static uint64_t leaf_pte(hpa_t hpa, uint32_t prot)
{
    uint64_t pte = PTE_V | PTE_U | PTE_A | PTE_D | ((hpa >> 12) << PTE_PPN_SHIFT);
    if (prot & S2_READ)
        pte |= PTE_R;
    if (prot & S2_WRITE)
        pte |= PTE_W | PTE_R; /* W without R is reserved */
    if (prot & S2_EXEC)
        pte |= PTE_X;
    return pte;
}

/* Map one leaf of 1 << level_shift[leaf_level] bytes. */
static int map_one(hpa_t root, gpa_t gpa, hpa_t hpa, int leaf_level, uint32_t prot,
                   stage2_alloc_fn alloc, void *ctx)
{
    uint64_t *table = table_at(root);
    for (int level = LEVELS - 1; level > leaf_level; level--) {
        uint64_t *pte = &table[pte_index(gpa, level)];
        if (!(*pte & PTE_V)) {
            hpa_t next = alloc(ctx);
            if (!next)
                return -1;
            *pte = PTE_V | ((next >> 12) << PTE_PPN_SHIFT);
        } else if (pte_is_leaf(*pte)) {
            return -1; /* already mapped by a block */
        }
        table = table_at(pte_hpa(*pte));
    }
    uint64_t *pte = &table[pte_index(gpa, leaf_level)];
    if (*pte & PTE_V)
        return -1;
    *pte = leaf_pte(hpa, prot);
    return 0;
}

int stage2_map(hpa_t root, gpa_t gpa, hpa_t hpa, uint64_t size, uint32_t prot,
               stage2_alloc_fn alloc, void *ctx)
{
    if (((gpa | hpa | size) & 0xfff) || !(prot & S2_RWX) || gpa + size < gpa ||
        gpa + size > stage2_gpa_limit() || hpa + size < hpa || hpa + size > (1ull << HPA_BITS))
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
    return 0;
}

bool stage2_translate(hpa_t root, gpa_t gpa, hpa_t *hpa, uint32_t *prot, uint64_t *leaf_size)
{
    if (gpa >= stage2_gpa_limit())
        return false;
    uint64_t *table = table_at(root);
    for (int level = LEVELS - 1; level >= 0; level--) {
        uint64_t pte = table[pte_index(gpa, level)];
        if (!(pte & PTE_V))
            return false;
        if (pte_is_leaf(pte)) {
            uint64_t size = 1ull << level_shift[level];
            *hpa = pte_hpa(pte) + (gpa & (size - 1));
            *prot = ((pte & PTE_R) ? S2_READ : 0) | ((pte & PTE_W) ? S2_WRITE : 0) |
                    ((pte & PTE_X) ? S2_EXEC : 0);
            *leaf_size = size;
            return true;
        }
        table = table_at(pte_hpa(pte));
    }
    return false;
}
