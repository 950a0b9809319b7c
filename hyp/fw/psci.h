/* SPDX-License-Identifier: MIT */
/*
 * PSCI 1.1 (Arm DEN0022) and the SMCCC architecture calls (Arm DEN0028) for guests: the
 * function table and what its entries share. A function ID is 32 bits (W0); bit 30 set means
 * the SMC64/HVC64 convention, clear the SMC32 one (DEN0028 "Function Identifiers").
 */
#ifndef KEEL_PSCI_H
#define KEEL_PSCI_H

#include <keel/exit.h>
#include <keel/vm.h>

/* SMCCC function ID fields (DEN0028 "Function Identifier"): fast call, 64-bit convention. */
#define SMCCC_FAST_CALL (1u << 31)
#define SMCCC_CONV_64 (1u << 30)

/* Arm Architecture Service calls (owner 0, DEN0028 "Arm Architecture Calls"). */
#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_ARCH_SOC_ID 0x80000002u
#define SMCCC_ARCH_WORKAROUND_1 0x80008000u
#define SMCCC_ARCH_WORKAROUND_2 0x80007fffu
#define SMCCC_ARCH_WORKAROUND_3 0x80003fffu
#define SMCCC_VERSION_1_1 0x00010001u /* major [30:16], minor [15:0] */

/* PSCI functions (Standard Secure Service calls, owner 4; DEN0022 "Function prototypes"). */
#define PSCI_FN_VERSION 0x84000000u
#define PSCI_FN_CPU_SUSPEND 0x84000001u
#define PSCI_FN64_CPU_SUSPEND 0xc4000001u
#define PSCI_FN_CPU_OFF 0x84000002u
#define PSCI_FN_CPU_ON 0x84000003u
#define PSCI_FN64_CPU_ON 0xc4000003u
#define PSCI_FN_AFFINITY_INFO 0x84000004u
#define PSCI_FN64_AFFINITY_INFO 0xc4000004u
#define PSCI_FN_MIGRATE 0x84000005u           /* not implemented */
#define PSCI_FN_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_FN_MIGRATE_INFO_UP_CPU 0x84000007u /* not implemented */
#define PSCI_FN_SYSTEM_OFF 0x84000008u
#define PSCI_FN_SYSTEM_RESET 0x84000009u
#define PSCI_FN_FEATURES 0x8400000au
#define PSCI_FN_CPU_FREEZE 0x8400000bu        /* not implemented */
#define PSCI_FN_SYSTEM_SUSPEND 0x8400000eu    /* not implemented */
#define PSCI_FN_SYSTEM_RESET2 0x84000012u
#define PSCI_FN64_SYSTEM_RESET2 0xc4000012u

#define PSCI_VERSION_1_1 0x00010001u /* major [31:16], minor [15:0] */

/* Return codes (DEN0022 "Return error codes"; SMCCC NOT_SUPPORTED is the same -1). */
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED (-3)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)
#define PSCI_INTERNAL_FAILURE (-6)
#define PSCI_NOT_PRESENT (-7)
#define PSCI_DISABLED (-8)
#define PSCI_INVALID_ADDRESS (-9)

/* AFFINITY_INFO results (DEN0022 "AFFINITY_INFO"). */
#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
#define PSCI_AFFINITY_ON_PENDING 2

/* MIGRATE_INFO_TYPE 2: "Trusted OS is not present or does not require migration". */
#define PSCI_TOS_NOT_PRESENT_MP 2

/* PSCI_FEATURES(CPU_SUSPEND) flags (DEN0022 "PSCI_FEATURES"): bit 1 = extended StateID power_state
   format, bit 0 = OS-initiated mode. keel: original format, platform-coordinated only. */
#define PSCI_CPU_SUSPEND_FEATURES 0u

#define SMCCC_NR_ARGS 7 /* x1..x7 */

/* One call as handlers see it: the function ID and the guest's x1..x7 (read through
   smccc_arg(), which clears bits 63:32 for an SMC32 ID; the registers themselves are never
   modified by that). */
struct smccc_args {
    uint32_t fid;
    bool smc64;
    uint64_t mask;          /* UINT64_MAX for SMC64 IDs, UINT32_MAX for SMC32 */
    const uint64_t *x;      /* the guest's x0..x7 */
};

/* Argument i (0 = x1 ... 6 = x7) of call a. */
static inline uint64_t smccc_arg(const struct smccc_args *a, unsigned i)
{
    return i < SMCCC_NR_ARGS ? a->x[i + 1] & a->mask : 0;
}

/* Which discovery call reports a table entry as implemented (bit set). */
enum psci_fn_query {
    QUERY_PSCI_FEATURES = 1u << 0, /* PSCI functions, and SMCCC_VERSION (DEN0022) */
    QUERY_ARCH_FEATURES = 1u << 1, /* Arm Architecture Service calls (DEN0028) */
};

/* One implemented function. The handler writes its result into regs[0] (x0) only (x1..x3 are
   preserved: no function here returns more than one value) and returns the exit action. */
struct psci_fn {
    uint32_t fid;
    const char *name;
    uint32_t queries;  /* enum psci_fn_query bits */
    uint32_t features; /* the FEATURES answer (>= 0) */
    enum exit_action (*handler)(struct vcpu *v, const struct smccc_args *a, uint64_t *regs);
};

extern const struct psci_fn psci_fns[];
extern const size_t psci_nr_fns;

/* The table entry of function `fid` (32-bit function ID), or NULL. */
const struct psci_fn *psci_find_fn(uint32_t fid);

/* Store a (sign-extended) return value in x0. */
static inline enum exit_action smccc_ret(uint64_t *regs, int64_t value)
{
    regs[0] = (uint64_t)value;
    return RESUME_NEXT;
}

#endif
