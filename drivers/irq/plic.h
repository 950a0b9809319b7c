/* SPDX-License-Identifier: MIT */
/* The physical PLIC, owned by keel (SiFive PLIC spec v1.0.0). Only the console's interrupt is
   routed to keel; guests see virtual PLICs (hyp/vdev/vplic.c). */
#ifndef KEEL_PLIC_H
#define KEEL_PLIC_H

#include <keel/types.h>

/* Route interrupt source `irq` to S-mode context `context` at priority 1, threshold 0. */
void plic_enable(hpa_t base, uint32_t context, uint32_t irq);

/* Claim the highest pending source for `context` (0 = none). */
uint32_t plic_claim(hpa_t base, uint32_t context);

/* Signal completion of `irq` for `context`. */
void plic_complete(hpa_t base, uint32_t context, uint32_t irq);

#endif
