/* SPDX-License-Identifier: MIT */
/*
 * PLACEHOLDER AArch64 vCPU state: just enough for hyp/ code (struct vcpu embeds struct
 * vcpu_arch) and the host unit tests to compile. To be replaced by the real register block
 * shared with the world switch.
 */
#ifndef KEEL_AARCH64_VCPU_ARCH_H
#define KEEL_AARCH64_VCPU_ARCH_H

#include <keel/types.h>

struct vcpu_arch {
    uint64_t x[31]; /* guest x0..x30 */
};

#endif
