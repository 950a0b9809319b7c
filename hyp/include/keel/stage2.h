/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 (G-stage) page-table builder: GPA -> HPA. One interface, one implementation per ISA
 * (vcpu/riscv64/stage2.c: Sv39x4; vcpu/aarch64/stage2.c: VMSAv8-64 4 KiB granule). Tables are
 * reached at their HPA (keel runs untranslated), so host tests use host pointers as HPAs.
 */
#ifndef KEEL_STAGE2_H
#define KEEL_STAGE2_H

#include <keel/types.h>

#define S2_READ 1u
#define S2_WRITE 2u
#define S2_EXEC 4u
#define S2_RWX (S2_READ | S2_WRITE | S2_EXEC)
#define S2_DEVICE 8u /* device memory (Arm: Device-nGnRE, never executable); RISC-V ignores it */

/* Returns the HPA of a zeroed, 4 KiB-aligned 4 KiB table, or 0 when out of memory. */
typedef hpa_t (*stage2_alloc_fn)(void *ctx);

/* Bytes (and alignment) of the root table: 16 KiB for Sv39x4, 4 KiB for Arm 3-level. */
uint64_t stage2_root_size(void);

/* Highest GPA + 1 the tables cover (Sv39x4: 2^41). */
uint64_t stage2_gpa_limit(void);

/* Map [gpa, gpa+size) to [hpa, hpa+size) with permissions `prot` (S2_*), using 1 GiB and 2 MiB
   blocks where both addresses are aligned, 4 KiB pages elsewhere. All three must be 4 KiB
   aligned. Returns 0; -1 if misaligned, granting no access (none of S2_RWX), beyond
   stage2_gpa_limit(), with an HPA the descriptors cannot hold (Sv39x4: 2^56 and above; Arm:
   2^48), already mapped, or a table allocation failed (the map is then partial: destroy the
   VM). */
int stage2_map(hpa_t root, gpa_t gpa, hpa_t hpa, uint64_t size, uint32_t prot,
               stage2_alloc_fn alloc, void *ctx);

/* Walk the tables for `gpa`: true and the HPA, permissions and leaf size in bytes when mapped. */
bool stage2_translate(hpa_t root, gpa_t gpa, hpa_t *hpa, uint32_t *prot, uint64_t *leaf_size);

#endif
