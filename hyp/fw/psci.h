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

/* Argument i (0 = x1 ... 6 = x7) of the call `fid` whose guest registers x0..x7 are `x`: for an
   SMC32 ID only W1..W7 count (bits 63:32 read as 0; the registers themselves are not
   modified), for an SMC64 ID (bit 30) all of x1..x7. DEN0028 "SMC32/HVC32 argument passing". */
static inline uint64_t smccc_arg(const uint64_t *x, uint32_t fid, unsigned i)
{
    uint64_t mask = fid & SMCCC_CONV_64 ? UINT64_MAX : UINT32_MAX;
    return i < SMCCC_NR_ARGS ? x[i + 1] & mask : 0;
}

/* Store a (sign-extended) return value in x0 and resume after the call. */
static inline enum exit_action smccc_ret(uint64_t *x, int64_t value)
{
    x[0] = (uint64_t)value;
    return RESUME_NEXT;
}

/* Which discovery call reports a table entry as implemented (bit set). */
enum psci_fn_query {
    QUERY_PSCI_FEATURES = 1u << 0, /* PSCI functions, and SMCCC_VERSION (DEN0022) */
    QUERY_ARCH_FEATURES = 1u << 1, /* Arm Architecture Service calls (DEN0028) */
};

/* One implemented function, in one or both conventions (DEN0028 "SMC32/HVC32" and
   "SMC64/HVC64": bit 30 of the ID). A call with ID W0 is this function when
   (W0 & ~id_ignore) == fid. The handler gets the guest's x0..x7 (`x`) and the call's ID (W0,
   for smccc_arg), writes its result into x0 only (x1..x3 are preserved: no function here
   returns more than one value) and returns the exit action. */
struct psci_fn {
    uint32_t fid;       /* the function ID; for both conventions the SMC32 one (bit 30 clear) */
    uint32_t id_ignore; /* ID bits a call may differ in: PSCI_ONE_CONV or PSCI_BOTH_CONVS */
    uint32_t queries;   /* enum psci_fn_query bits */
    uint32_t features;  /* the FEATURES answer (>= 0) */
    const char *name;
    enum exit_action (*handler)(struct vcpu *v, uint64_t *x, uint32_t fid);
};

#define PSCI_ONE_CONV 0u              /* exactly this ID */
#define PSCI_BOTH_CONVS SMCCC_CONV_64 /* this SMC32 ID and its SMC64 form */

/*
 * The table is indexed so that a lookup is one load and one compare: a function sits at slot
 * PSCI_SLOT(fid) = bits 5:0 of (fid XOR fid >> 21). For every ID keel implements (owner 0,
 * Arm architecture calls, or owner 4, standard secure service; function number below 32) that
 * is the function number plus 32 for owner 4: bits 25:21 of a fast-call ID are zero (MBZ
 * bits 23:21, owner bits 25:24 of owners 0 and 4), so they leave bits 4:0 alone, and bit 26
 * (owner bit 2) lands on bit 5. Bit 30 (SMC64) does not take part: both conventions of a
 * function share its slot (id_ignore). Two functions on one slot are a compile error
 * (-Woverride-init).
 */
#define PSCI_TABLE_SLOTS 64u
#define PSCI_SLOT(fid) (((fid) ^ ((fid) >> 21)) & (PSCI_TABLE_SLOTS - 1u))

/* The table, PSCI_TABLE_SLOTS entries. An empty slot is all zero, which only the ID 0 would
   match, and ID 0 indexes slot 0, which SMCCC_VERSION holds: no call reaches an empty slot. */
extern const struct psci_fn psci_fns[PSCI_TABLE_SLOTS];

/* The table entry of the 32-bit function ID `fid` (W0; bit 30 selects SMC64), or NULL when keel
   does not implement that function in that convention. DEN0028 "Function Identifiers". */
const struct psci_fn *psci_find_fn(uint32_t fid);

#endif
