/* SPDX-License-Identifier: MIT */
/*
 * PSCI 1.1 (Arm DEN0022D) and SMCCC 1.1 architecture calls (Arm DEN0028) for AArch64 guests,
 * over the VM's vCPUs. One table of functions, indexed by function ID (psci.h): dispatch,
 * PSCI_FEATURES and SMCCC_ARCH_FEATURES all look IDs up in it.
 *
 * Affinity: vCPU i has MPIDR Aff0 = i, Aff1 = Aff2 = Aff3 = 0 (one cluster), so a PSCI
 * target_cpu names vCPU i exactly when its Aff0 is i and its other affinity fields are zero.
 * Calling convention (DEN0028 "SMC32/HVC32 argument passing"): the function ID is W0; for an
 * SMC32 ID only W1..W7 are looked at (masked as they are read; the guest's x1..x7 are not
 * modified). The result goes to x0 sign-extended; x1..x3 are left as they were.
 */
#include <keel/fw.h>
#include <keel/spinlock.h>
#include "psci.h"

/* MPIDR affinity fields as PSCI passes them (DEN0022 "Affinity"): Aff3 [39:32], Aff2 [23:16],
   Aff1 [15:8], Aff0 [7:0]; every other bit must be zero. */
#define MPIDR_AFF_MASK 0xff00ffffffull
#define MPIDR_AFF0_MASK 0xffull
#define MPIDR_MAX_LEVEL 3

/* CPU_SUSPEND power_state, original format (DEN0022 "CPU_SUSPEND", PSCI_FEATURES bit 1 = 0):
   StateID [15:0], StateType [16] (0 standby/retention, 1 powerdown), PowerLevel [25:24]. */
#define POWER_STATE_TYPE_POWERDOWN (1u << 16)
#define POWER_STATE_LEVEL_SHIFT 24
#define POWER_STATE_LEVEL_MASK 3u
#define POWER_STATE_RESERVED 0xfcfe0000u /* bits 31:26 and 23:17 */
#define POWER_LEVEL_CORE 0

/* SYSTEM_RESET2 reset_type (DEN0022 "SYSTEM_RESET2"): bit 31 set = vendor-specific. */
#define RESET2_VENDOR (1u << 31)
#define RESET2_SYSTEM_WARM_RESET 0u

#define ENTRY_ALIGN 4u /* an A64 entry point is a 4-byte aligned instruction address */


/* MPIDR affinity value of vCPU `index` (see the top of this file). */
static uint64_t vcpu_mpidr_aff(uint32_t index)
{
    return index;
}

/* The vCPU of `vm` that target_cpu names, or NULL (bad bits, no such vCPU). */
static struct vcpu *mpidr_to_vcpu(struct vm *vm, uint64_t target_cpu)
{
    if ((target_cpu & ~MPIDR_AFF0_MASK) != 0 || target_cpu >= vm->nr_vcpus)
        return NULL;
    return &vm->vcpus[target_cpu];
}

/* Affinity bits compared by AFFINITY_INFO at `level`: the fields of that level and above. */
static uint64_t affinity_mask(uint32_t level)
{
    static const uint64_t masks[MPIDR_MAX_LEVEL + 1] = {
        0xff00ffffffull, 0xff00ffff00ull, 0xff00ff0000ull, 0xff00000000ull,
    };
    return masks[level];
}

/* An entry point a vCPU may start at: 4-byte aligned, inside the VM's RAM. */
static bool entry_valid(struct vm *vm, gpa_t entry)
{
    return entry % ENTRY_ALIGN == 0 && vm_gpa_to_hva(vm, entry, ENTRY_ALIGN) != NULL;
}

/* ---- SMCCC architecture calls (DEN0028 "Arm Architecture Calls") ---- */

static enum exit_action smccc_version(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    return smccc_ret(x, SMCCC_VERSION_1_1);
}

/* SMCCC_ARCH_FEATURES(arch_func_id): 0 for the calls in the table, NOT_SUPPORTED for the rest
   (ARCH_WORKAROUND_1/2/3, ARCH_SOC_ID: keel implements none of them). */
static enum exit_action smccc_arch_features(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    const struct psci_fn *fn = psci_find_fn((uint32_t)smccc_arg(x, fid, 0));
    if (!fn || !(fn->queries & QUERY_ARCH_FEATURES))
        return smccc_ret(x, PSCI_NOT_SUPPORTED);
    return smccc_ret(x, fn->features);
}

/* ---- PSCI (DEN0022 chapter 5) ---- */

static enum exit_action psci_version(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    return smccc_ret(x, PSCI_VERSION_1_1);
}

/* CPU_SUSPEND(power_state, entry_point_address, context_id). A standby state blocks until an
   interrupt and returns SUCCESS; a powerdown state blocks and resumes at the entry point with
   x0 = context_id (vCPU layer: resume_reset). Only power level 0 exists. */
static enum exit_action psci_cpu_suspend(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    uint32_t power_state = (uint32_t)smccc_arg(x, fid, 0);
    uint32_t level = (power_state >> POWER_STATE_LEVEL_SHIFT) & POWER_STATE_LEVEL_MASK;
    if ((power_state & POWER_STATE_RESERVED) != 0 || level != POWER_LEVEL_CORE)
        return smccc_ret(x, PSCI_INVALID_PARAMETERS);
    if (power_state & POWER_STATE_TYPE_POWERDOWN) {
        if (!entry_valid(v->vm, smccc_arg(x, fid, 1)))
            return smccc_ret(x, PSCI_INVALID_ADDRESS);
        v->resume_reset = true;
        v->resume_entry = smccc_arg(x, fid, 1);
        v->resume_arg = smccc_arg(x, fid, 2);
    } else {
        v->resume_reset = false;
    }
    v->suspended = true;
    smccc_ret(x, PSCI_SUCCESS); /* what the call returns when a standby state wakes up */
    return BLOCK;
}

/* CPU_OFF: the calling vCPU stops; there is no return on success. */
static enum exit_action psci_cpu_off(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    v->suspended = false;
    v->resume_reset = false;
    atomic_store(&v->state, VCPU_OFF);
    return EXIT_TO_LOOP;
}

/* CPU_ON(target_cpu, entry_point_address, context_id). Checks in the order TF-A uses: target
   (INVALID_PARAMETERS), entry point (INVALID_ADDRESS), state (ALREADY_ON). keel starts the
   target at once, so ON_PENDING is never returned. */
static enum exit_action psci_cpu_on(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    struct vm *vm = v->vm;
    struct vcpu *target = mpidr_to_vcpu(vm, smccc_arg(x, fid, 0));
    gpa_t entry = smccc_arg(x, fid, 1);
    if (!target)
        return smccc_ret(x, PSCI_INVALID_PARAMETERS);
    if (!entry_valid(vm, entry))
        return smccc_ret(x, PSCI_INVALID_ADDRESS);
    if (!vcpu_try_start(target, entry, smccc_arg(x, fid, 2)))
        return smccc_ret(x, PSCI_ALREADY_ON);
    return smccc_ret(x, PSCI_SUCCESS);
}

/* AFFINITY_INFO(target_affinity, lowest_affinity_level): ON when any vCPU whose affinity
   fields at levels >= lowest_affinity_level match the target's is not OFF, OFF when all such
   vCPUs are OFF, INVALID_PARAMETERS when none matches, the level is above 3 or target_affinity
   has bits outside the affinity fields. Fields below the level are ignored, as the spec says. */
static enum exit_action psci_affinity_info(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    struct vm *vm = v->vm;
    uint64_t target = smccc_arg(x, fid, 0);
    uint32_t level = (uint32_t)smccc_arg(x, fid, 1);
    if (level > MPIDR_MAX_LEVEL || (target & ~MPIDR_AFF_MASK) != 0)
        return smccc_ret(x, PSCI_INVALID_PARAMETERS);
    uint64_t mask = affinity_mask(level);
    bool matched = false;
    for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
        if ((vcpu_mpidr_aff(i) & mask) != (target & mask))
            continue;
        matched = true;
        if (atomic_load(&vm->vcpus[i].state) != VCPU_OFF)
            return smccc_ret(x, PSCI_AFFINITY_ON);
    }
    return smccc_ret(x, matched ? PSCI_AFFINITY_OFF : PSCI_INVALID_PARAMETERS);
}

static enum exit_action psci_migrate_info_type(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    return smccc_ret(x, PSCI_TOS_NOT_PRESENT_MP);
}

/* SYSTEM_OFF: the calling VM shuts down (keel powers the machine off after the last VM). */
static enum exit_action psci_system_off(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    vm_request_stop(v->vm, VM_SHUTDOWN);
    return VM_STOP;
}

/* SYSTEM_RESET: the calling VM reboots. */
static enum exit_action psci_system_reset(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    vm_request_stop(v->vm, VM_REBOOT);
    return VM_STOP;
}

/* SYSTEM_RESET2(reset_type, cookie): SYSTEM_WARM_RESET reboots the VM; a vendor-specific type
   is NOT_SUPPORTED, any other architectural type INVALID_PARAMETERS. */
static enum exit_action psci_system_reset2(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    uint32_t reset_type = (uint32_t)smccc_arg(x, fid, 0);
    if (reset_type & RESET2_VENDOR)
        return smccc_ret(x, PSCI_NOT_SUPPORTED);
    if (reset_type != RESET2_SYSTEM_WARM_RESET)
        return smccc_ret(x, PSCI_INVALID_PARAMETERS);
    vm_request_stop(v->vm, VM_REBOOT);
    return VM_STOP;
}

/* PSCI_FEATURES(psci_func_id): the entry's feature word for the PSCI functions in the table
   and SMCCC_VERSION, NOT_SUPPORTED for anything else. */
static enum exit_action psci_features(struct vcpu *v, uint64_t *x, uint32_t fid)
{
    const struct psci_fn *fn = psci_find_fn((uint32_t)smccc_arg(x, fid, 0));
    if (!fn || !(fn->queries & QUERY_PSCI_FEATURES))
        return smccc_ret(x, PSCI_NOT_SUPPORTED);
    return smccc_ret(x, fn->features);
}

/* ---- the table ---- */

/* One row per function, at its slot (psci.h). */
const struct psci_fn psci_fns[PSCI_TABLE_SLOTS] = {
    [PSCI_SLOT(SMCCC_VERSION)] = { .fid = SMCCC_VERSION,
        .id_ignore = PSCI_ONE_CONV, .queries = QUERY_PSCI_FEATURES | QUERY_ARCH_FEATURES,
        .features = 0,
        .name = "SMCCC_VERSION", .handler = smccc_version },
    [PSCI_SLOT(SMCCC_ARCH_FEATURES)] = { .fid = SMCCC_ARCH_FEATURES,
        .id_ignore = PSCI_ONE_CONV, .queries = QUERY_ARCH_FEATURES, .features = 0,
        .name = "SMCCC_ARCH_FEATURES", .handler = smccc_arch_features },
    [PSCI_SLOT(PSCI_FN_VERSION)] = { .fid = PSCI_FN_VERSION,
        .id_ignore = PSCI_ONE_CONV, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "PSCI_VERSION", .handler = psci_version },
    [PSCI_SLOT(PSCI_FN_CPU_SUSPEND)] = { .fid = PSCI_FN_CPU_SUSPEND,
        .id_ignore = PSCI_BOTH_CONVS, .queries = QUERY_PSCI_FEATURES,
        .features = PSCI_CPU_SUSPEND_FEATURES,
        .name = "CPU_SUSPEND", .handler = psci_cpu_suspend },
    [PSCI_SLOT(PSCI_FN_CPU_OFF)] = { .fid = PSCI_FN_CPU_OFF,
        .id_ignore = PSCI_ONE_CONV, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "CPU_OFF", .handler = psci_cpu_off },
    [PSCI_SLOT(PSCI_FN_CPU_ON)] = { .fid = PSCI_FN_CPU_ON,
        .id_ignore = PSCI_BOTH_CONVS, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "CPU_ON", .handler = psci_cpu_on },
    [PSCI_SLOT(PSCI_FN_AFFINITY_INFO)] = { .fid = PSCI_FN_AFFINITY_INFO,
        .id_ignore = PSCI_BOTH_CONVS, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "AFFINITY_INFO", .handler = psci_affinity_info },
    [PSCI_SLOT(PSCI_FN_MIGRATE_INFO_TYPE)] = { .fid = PSCI_FN_MIGRATE_INFO_TYPE,
        .id_ignore = PSCI_ONE_CONV, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "MIGRATE_INFO_TYPE", .handler = psci_migrate_info_type },
    [PSCI_SLOT(PSCI_FN_SYSTEM_OFF)] = { .fid = PSCI_FN_SYSTEM_OFF,
        .id_ignore = PSCI_ONE_CONV, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "SYSTEM_OFF", .handler = psci_system_off },
    [PSCI_SLOT(PSCI_FN_SYSTEM_RESET)] = { .fid = PSCI_FN_SYSTEM_RESET,
        .id_ignore = PSCI_ONE_CONV, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "SYSTEM_RESET", .handler = psci_system_reset },
    [PSCI_SLOT(PSCI_FN_SYSTEM_RESET2)] = { .fid = PSCI_FN_SYSTEM_RESET2,
        .id_ignore = PSCI_BOTH_CONVS, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "SYSTEM_RESET2", .handler = psci_system_reset2 },
    [PSCI_SLOT(PSCI_FN_FEATURES)] = { .fid = PSCI_FN_FEATURES,
        .id_ignore = PSCI_ONE_CONV, .queries = QUERY_PSCI_FEATURES, .features = 0,
        .name = "PSCI_FEATURES", .handler = psci_features },
};

const struct psci_fn *psci_find_fn(uint32_t fid)
{
    const struct psci_fn *fn = &psci_fns[PSCI_SLOT(fid)];
    return (fid & ~fn->id_ignore) == fn->fid ? fn : NULL;
}

enum exit_action fw_handle_call(struct vcpu *v, struct exit_fw_call *call)
{
    uint32_t fid = (uint32_t)call->ext_id;
    const struct psci_fn *fn = psci_find_fn(fid);
    if (__builtin_expect(fn == NULL, 0))
        return smccc_ret(call->regs, PSCI_NOT_SUPPORTED);
    return fn->handler(v, call->regs, fid);
}
