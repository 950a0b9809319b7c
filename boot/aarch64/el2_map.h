/* SPDX-License-Identifier: MIT */
/*
 * keel's own EL2 stage-1 translation: an identity map (VA = PA) with a 4 KiB granule and a
 * 39-bit address space starting at level 1 (Arm ARM D8.2: T0SZ = 25, 512 GiB). Everything is
 * Device-nGnRE and never executable, except the ranges made Normal (write-back cacheable, inner
 * shareable, executable), in 2 MiB blocks, or 1 GiB blocks where a whole block is Normal. The
 * builder is pure (tables addressed by their physical address = their pointer), host-tested.
 */
#ifndef KEEL_EL2_MAP_H
#define KEEL_EL2_MAP_H

#include <stdbool.h>
#include <stdint.h>

#define EL2_MAP_VA_BITS 39
#define EL2_MAP_L2_TABLES 16 /* 1 GiB regions that can hold both Normal and Device blocks */

/* MAIR_EL2 attribute indexes (Arm ARM D8.5.4) */
#define EL2_ATTR_DEVICE 0 /* Device-nGnRE: 0x04 */
#define EL2_ATTR_NORMAL 1 /* Normal, inner and outer write-back read/write-allocate: 0xff */
#define EL2_MAIR ((UINT64_C(0x04) << (8 * EL2_ATTR_DEVICE)) | (UINT64_C(0xff) << (8 * EL2_ATTR_NORMAL)))

struct el2_map {
    uint64_t l1[512];                        /* level 1: 1 GiB per entry */
    uint64_t l2[EL2_MAP_L2_TABLES][512];     /* level 2: 2 MiB per entry */
    uint32_t nr_l2;
} __attribute__((aligned(4096)));

/* Fill `m` with Device 1 GiB blocks over the whole 512 GiB (no level-2 table in use). */
void el2_map_init(struct el2_map *m);

/* Make every 2 MiB block that overlaps [base, base + size) (bytes) Normal memory, splitting a
   1 GiB Device block into a level-2 table where needed. Returns 0, or -1 when the range reaches
   beyond 2^EL2_MAP_VA_BITS or wraps, or no level-2 table is left (then `m` maps what was done
   before the failing block). size 0 maps nothing. */
int el2_map_normal(struct el2_map *m, uint64_t base, uint64_t size);

/* Walk `m` for `va`: true when it is mapped (always, below 2^39) and *normal tells whether as
   Normal memory, *block_size the leaf's size in bytes (2 MiB or 1 GiB). */
bool el2_map_lookup(const struct el2_map *m, uint64_t va, bool *normal, uint64_t *block_size);

/* TCR_EL2 for this map (Arm ARM D17.2.131): T0SZ = 25, 4 KiB granule, write-back inner
   shareable walks, PS from `parange` (ID_AA64MMFR0_EL1.PARange, capped at 48 bits). */
uint64_t el2_map_tcr(uint64_t parange);

#endif
