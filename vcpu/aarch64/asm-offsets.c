/* SPDX-License-Identifier: MIT */
/* Compiled with -S only: each DEFINE becomes a "->NAME value" marker that the build turns into
   asm-offsets.h, so switch.S never holds a hand-typed offset. */
#include <stddef.h>
#include <keel/pcpu.h>
#include "vcpu_arch.h"

#define DEFINE(name, value) __asm__ volatile("\n.ascii \"->" #name " %0\"" : : "i"(value))

void asm_offsets(void);
void asm_offsets(void)
{
    DEFINE(CTX_X0, offsetof(struct arm_ctx, x));
    DEFINE(CTX_X19, offsetof(struct arm_ctx, x) + 19 * 8);
    DEFINE(CTX_X30, offsetof(struct arm_ctx, x) + 30 * 8);
    DEFINE(CTX_ELR, offsetof(struct arm_ctx, elr));
    DEFINE(CTX_SPSR, offsetof(struct arm_ctx, spsr));
    DEFINE(CTX_HOST_X19, offsetof(struct arm_ctx, host_x19));
    DEFINE(CTX_HOST_SP, offsetof(struct arm_ctx, host_sp));
    DEFINE(PCPU_STACK_SIZE, KEEL_STACK_SIZE);
}
