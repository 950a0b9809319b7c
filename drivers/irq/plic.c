/* SPDX-License-Identifier: MIT */
/* Physical PLIC register access: priority 4*irq, enables 0x2000 + 0x80*ctx, threshold and
   claim/complete at 0x200000 + 0x1000*ctx (+4). */
#include "plic.h"

static volatile uint32_t *reg(hpa_t base, uint64_t offset)
{
    return (volatile uint32_t *)(uintptr_t)(base + offset);
}

void plic_enable(hpa_t base, uint32_t context, uint32_t irq)
{
    *reg(base, 4ull * irq) = 1;
    *reg(base, 0x2000 + 0x80ull * context + 4 * (irq / 32)) |= 1u << (irq % 32);
    *reg(base, 0x200000 + 0x1000ull * context) = 0;
}

uint32_t plic_claim(hpa_t base, uint32_t context)
{
    return *reg(base, 0x200004 + 0x1000ull * context);
}

void plic_complete(hpa_t base, uint32_t context, uint32_t irq)
{
    *reg(base, 0x200004 + 0x1000ull * context) = irq;
}
