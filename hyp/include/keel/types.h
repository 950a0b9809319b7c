/* SPDX-License-Identifier: MIT */
/* Address types and small helpers shared by every layer of keel. */
#ifndef KEEL_TYPES_H
#define KEEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t gpa_t; /* guest-physical address (stage-2 input) */
typedef uint64_t hpa_t; /* host-physical address (stage-2 output) */
typedef uint64_t hva_t; /* hypervisor virtual address (== hpa_t: keel runs untranslated on
                           RISC-V and identity-mapped on AArch64) */

#define KEEL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Do [a, a + a_size) and [b, b + b_size) (bytes) share an address? The caller keeps both from
   wrapping around. */
static inline bool keel_ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
    return a < b + b_size && b < a + a_size;
}

#endif
