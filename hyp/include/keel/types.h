/* SPDX-License-Identifier: MIT */
/* Address types and small helpers shared by every layer of keel. */
#ifndef KEEL_TYPES_H
#define KEEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t gpa_t; /* guest-physical address (stage-2 input) */
typedef uint64_t hpa_t; /* host-physical address (stage-2 output) */
typedef uint64_t hva_t; /* hypervisor virtual address (== hpa_t: keel runs with its MMU off) */

#define KEEL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
