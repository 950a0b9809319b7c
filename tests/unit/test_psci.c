/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of PSCI 1.1 / SMCCC 1.1 emulation (hyp/fw/psci.c).
 *
 * A fake VM with N vCPUs and a RAM buffer; the hooks psci.c calls (vcpu_arch_reset,
 * vcpu_kick, vm_request_stop, vm_gpa_to_hva) are mocks that record their calls. Every call
 * goes through fw_handle_call() with x0..x7 as the trap handler would pass them, and checks
 * that x1..x7 come back unchanged (no function here returns more than x0).
 */
#include <stdbool.h>
#include <stdint.h>

#include <keel/fw.h>
#include <keel/vm.h>

#include "ktest.h"
#include "psci.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x10000ull
#define NOT_SUPPORTED_X0 0xffffffffffffffffull

static uint8_t ram[RAM_SIZE];
static struct vm vm;

/* ---- mocks of the hooks in keel/vm.h ---- */

struct reset_call {
    struct vcpu *v;
    gpa_t entry;
    uint64_t arg;
    uint32_t state_at_reset;
};
static struct reset_call resets[8];
static unsigned nr_resets;

struct kick_call {
    struct vcpu *v;
    uint32_t request;
    uint32_t state_at_kick;
};
static struct kick_call kicks[8];
static unsigned nr_kicks;

static enum vm_state stop_state;
static unsigned nr_stops;

void vcpu_kick(struct vcpu *v, uint32_t request);

/* hyp/vm.c's vcpu_try_start(), recorded: starts an OFF vCPU (reset, then publish, then kick) */
bool vcpu_try_start(struct vcpu *v, gpa_t entry, uint64_t arg)
{
    if (atomic_load(&v->state) != VCPU_OFF)
        return false;
    if (nr_resets < KEEL_ARRAY_SIZE(resets))
        resets[nr_resets] = (struct reset_call){ v, entry, arg, atomic_load(&v->state) };
    nr_resets++;
    v->suspended = false;
    v->resume_reset = false;
    atomic_store(&v->state, VCPU_RUNNABLE);
    vcpu_kick(v, VCPU_REQ_KICK);
    return true;
}

void vcpu_kick(struct vcpu *v, uint32_t request)
{
    if (nr_kicks < KEEL_ARRAY_SIZE(kicks))
        kicks[nr_kicks] = (struct kick_call){ v, request, atomic_load(&v->state) };
    nr_kicks++;
}

void vm_request_stop(struct vm *stopping, enum vm_state state)
{
    KTEST_CHECK(stopping == &vm);
    stop_state = state;
    nr_stops++;
}

void *vm_gpa_to_hva(struct vm *owner, gpa_t gpa, uint64_t len)
{
    if (gpa < owner->ram_gpa || len > owner->ram_size ||
        gpa - owner->ram_gpa > owner->ram_size - len)
        return NULL;
    return ram + (gpa - owner->ram_gpa);
}

/* A VM of `nr` vCPUs: vCPU 0 runs, the others are OFF; no calls recorded. */
static void fresh_vm(uint32_t nr)
{
    memset(&vm, 0, sizeof(vm));
    vm.ram_gpa = RAM_GPA;
    vm.ram_size = RAM_SIZE;
    vm.nr_vcpus = nr;
    for (uint32_t i = 0; i < nr; i++) {
        vm.vcpus[i].vm = &vm;
        vm.vcpus[i].id = i;
        atomic_store(&vm.vcpus[i].state, i == 0 ? VCPU_RUNNABLE : VCPU_OFF);
    }
    nr_resets = nr_kicks = nr_stops = 0;
}

/* ---- calling ---- */

struct result {
    enum exit_action action;
    uint64_t x0;
};

static const uint64_t x4_to_x7[4] = { 0x4444444444444444ull, 0x5555555555555555ull,
                                      0x6666666666666666ull, 0x7777777777777777ull };

/* HVC from vCPU `caller` with x0..x3; x4..x7 hold patterns. Checks x1..x7 are preserved. */
static struct result call(uint32_t caller, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3)
{
    uint64_t regs[8] = { x0, x1, x2, x3, x4_to_x7[0], x4_to_x7[1], x4_to_x7[2], x4_to_x7[3] };
    struct exit_fw_call fw = { .ext_id = x0, .func_id = 0, .regs = regs };
    struct result r;
    r.action = fw_handle_call(&vm.vcpus[caller], &fw);
    r.x0 = regs[0];
    KTEST_EQ(regs[1], x1);
    KTEST_EQ(regs[2], x2);
    KTEST_EQ(regs[3], x3);
    for (unsigned i = 0; i < 4; i++)
        KTEST_EQ(regs[4 + i], x4_to_x7[i]);
    return r;
}

/* A call that must return to the guest at once with x0 = expected. */
static void expect_ret(uint32_t caller, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3,
                       int64_t expected)
{
    struct result r = call(caller, x0, x1, x2, x3);
    KTEST_EQ(r.action, RESUME_NEXT);
    KTEST_EQ(r.x0, (uint64_t)expected);
}

static uint32_t state_of(uint32_t index)
{
    return atomic_load(&vm.vcpus[index].state);
}

/* ---- tests ---- */

static void test_versions(void)
{
    fresh_vm(1);
    expect_ret(0, PSCI_FN_VERSION, 0, 0, 0, 0x10001);
    expect_ret(0, SMCCC_VERSION, 0, 0, 0, 0x10001);
    expect_ret(0, PSCI_FN_MIGRATE_INFO_TYPE, 0, 0, 0, 2);
    /* the function ID is W0: bits 63:32 of x0 are ignored */
    expect_ret(0, 0xdeadbeef00000000ull | PSCI_FN_VERSION, 0, 0, 0, 0x10001);
    KTEST_EQ(nr_resets + nr_kicks + nr_stops, 0);
}

static void test_unknown_ids(void)
{
    static const uint64_t ids[] = {
        PSCI_FN_MIGRATE,         /* optional, not implemented */
        0xc4000005,              /* MIGRATE64 */
        PSCI_FN_MIGRATE_INFO_UP_CPU,
        0xc4000007,
        PSCI_FN_CPU_FREEZE,
        0x8400000c,              /* CPU_DEFAULT_SUSPEND */
        0x8400000d,              /* NODE_HW_STATE */
        PSCI_FN_SYSTEM_SUSPEND,
        0xc400000e,
        0x8400000f,              /* PSCI_SET_SUSPEND_MODE */
        0x84000010, 0x84000011,  /* PSCI_STAT_* */
        0x84000013,              /* MEM_PROTECT */
        0x84000015,              /* SYSTEM_OFF2 (PSCI 1.3) */
        0xc4000000,              /* no 64-bit PSCI_VERSION */
        0xc4000002,              /* no 64-bit CPU_OFF */
        0xc4000008, 0xc4000009, 0xc400000a,
        0x04000000,              /* PSCI_VERSION as a yielding call */
        SMCCC_ARCH_SOC_ID,
        SMCCC_ARCH_WORKAROUND_1, SMCCC_ARCH_WORKAROUND_2, SMCCC_ARCH_WORKAROUND_3,
        0xc0000000,              /* 64-bit SMCCC_VERSION does not exist */
        0x86000000, 0x8600ff01,  /* vendor hypervisor service, call UID */
        0x84000050,              /* TRNG_VERSION */
        0x00000000, 0xffffffff, 0x7fffffff,
        0xffffffff00000000ull,   /* W0 = 0 */
    };
    fresh_vm(2);
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(ids); i++) {
        struct result r = call(0, ids[i], 1, 2, 3);
        KTEST_EQ(r.action, RESUME_NEXT);
        KTEST_EQ(r.x0, NOT_SUPPORTED_X0);
    }
    KTEST_EQ(nr_resets + nr_kicks + nr_stops, 0);
    KTEST_EQ(state_of(0), VCPU_RUNNABLE);
    KTEST_EQ(state_of(1), VCPU_OFF);
}

/* Every function ID keel implements (DEN0022 chapter 5, DEN0028 "Arm Architecture Calls"). */
static const uint32_t implemented[] = {
    SMCCC_VERSION, SMCCC_ARCH_FEATURES, PSCI_FN_VERSION, PSCI_FN_CPU_SUSPEND,
    PSCI_FN64_CPU_SUSPEND, PSCI_FN_CPU_OFF, PSCI_FN_CPU_ON, PSCI_FN64_CPU_ON,
    PSCI_FN_AFFINITY_INFO, PSCI_FN64_AFFINITY_INFO, PSCI_FN_MIGRATE_INFO_TYPE,
    PSCI_FN_SYSTEM_OFF, PSCI_FN_SYSTEM_RESET, PSCI_FN_SYSTEM_RESET2, PSCI_FN64_SYSTEM_RESET2,
    PSCI_FN_FEATURES,
};

static bool is_implemented(uint32_t fid)
{
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(implemented); i++)
        if (implemented[i] == fid)
            return true;
    return false;
}

static void test_table(void)
{
    /* the slot hash keeps every implemented ID apart, and finds exactly those */
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(implemented); i++) {
        const struct psci_fn *fn = psci_find_fn(implemented[i]);
        KTEST_CHECK(fn != NULL);
        if (fn)
            KTEST_EQ(fn->fid, implemented[i] & ~SMCCC_CONV_64);
    }
    /* every fast and yielding ID of owners 0-63, function numbers 0-0x3f and 0x8000-0x803f,
       both conventions: found exactly when implemented */
    unsigned found = 0;
    for (uint32_t owner = 0; owner < 64; owner++)
        for (uint32_t flags = 0; flags < 4; flags++)
            for (uint32_t num = 0; num < 0x80; num++) {
                uint32_t fid = (flags << 30) | (owner << 24) | (num & 0x3f) |
                               (num & 0x40 ? 0x8000 : 0);
                const struct psci_fn *fn = psci_find_fn(fid);
                KTEST_EQ(fn != NULL, is_implemented(fid));
                found += fn != NULL;
            }
    KTEST_EQ(found, KEEL_ARRAY_SIZE(implemented));
    /* the rows: each at its slot, complete, and reachable through each ID it stands for */
    unsigned rows = 0, ids = 0;
    for (size_t i = 0; i < PSCI_TABLE_SLOTS; i++) {
        const struct psci_fn *fn = &psci_fns[i];
        if (fn->handler == NULL) {
            /* empty: all zero, so only ID 0 could match, and that indexes slot 0 */
            KTEST_CHECK(fn->fid == 0 && fn->id_ignore == 0 && fn->name == NULL);
            KTEST_CHECK(i != PSCI_SLOT(0u));
            continue;
        }
        rows++;
        KTEST_EQ(PSCI_SLOT(fn->fid), i);
        KTEST_CHECK(fn->name != NULL);
        KTEST_CHECK(fn->fid & SMCCC_FAST_CALL);
        KTEST_CHECK(fn->queries != 0);
        KTEST_CHECK(fn->id_ignore == PSCI_ONE_CONV || fn->id_ignore == PSCI_BOTH_CONVS);
        KTEST_EQ(fn->fid & fn->id_ignore, 0);
        KTEST_CHECK(psci_find_fn(fn->fid) == fn);
        KTEST_CHECK((psci_find_fn(fn->fid ^ SMCCC_CONV_64) == fn) ==
                    (fn->id_ignore == PSCI_BOTH_CONVS));
        ids += fn->id_ignore == PSCI_BOTH_CONVS ? 2 : 1;
        /* owner: 0 (Arm architecture) or 4 (standard secure service) */
        uint32_t owner = (fn->fid >> 24) & 0x3f;
        KTEST_CHECK(owner == 0 || owner == 4);
        KTEST_EQ((fn->queries & QUERY_ARCH_FEATURES) != 0, owner == 0);
    }
    KTEST_EQ(ids, KEEL_ARRAY_SIZE(implemented));
    KTEST_CHECK(rows > 0 && rows <= ids);
}

/* Both conventions of a function run the same handler; arguments are masked to 32 bits only for
   the SMC32 ID, and the function ID's own bits 63:32 never matter. */
static void test_conventions(void)
{
    fresh_vm(1);
    /* an SMC64 ID of a function that has only the SMC32 form: NOT_SUPPORTED, nothing done */
    expect_ret(0, PSCI_FN_SYSTEM_OFF | SMCCC_CONV_64, 0, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, PSCI_FN_CPU_OFF | SMCCC_CONV_64, 0, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, SMCCC_ARCH_FEATURES | SMCCC_CONV_64, SMCCC_VERSION, 0, 0, PSCI_NOT_SUPPORTED);
    KTEST_EQ(state_of(0), VCPU_RUNNABLE);
    KTEST_EQ(nr_stops, 0);
    /* a yielding-call ID (bit 31 clear) in either convention: NOT_SUPPORTED */
    expect_ret(0, PSCI_FN_CPU_ON & ~SMCCC_FAST_CALL, 0, RAM_GPA, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, PSCI_FN64_CPU_ON & ~SMCCC_FAST_CALL, 0, RAM_GPA, 0, PSCI_NOT_SUPPORTED);
    /* the ID is W0 for SMC64 IDs too */
    fresh_vm(2);
    expect_ret(0, 0xffffffff00000000ull | PSCI_FN64_CPU_ON, 1, RAM_GPA, 0, PSCI_SUCCESS);
    KTEST_EQ(state_of(1), VCPU_RUNNABLE);
    /* a 32-bit query through PSCI_FEATURES names the SMC64 form by bit 30 */
    expect_ret(0, PSCI_FN_FEATURES, PSCI_FN64_AFFINITY_INFO, 0, 0, 0);
    expect_ret(0, PSCI_FN_FEATURES, PSCI_FN_MIGRATE_INFO_TYPE | SMCCC_CONV_64, 0, 0,
               PSCI_NOT_SUPPORTED);
}

static void test_features(void)
{
    fresh_vm(1);
    /* every table row answers exactly the discovery calls it names, for each of its IDs; the
       other convention's ID of a one-convention row is NOT_SUPPORTED */
    for (size_t i = 0; i < PSCI_TABLE_SLOTS; i++) {
        const struct psci_fn *fn = &psci_fns[i];
        if (fn->handler == NULL)
            continue; /* an empty slot: test_table checks it is all zero */
        for (unsigned other = 0; other < 2; other++) {
            uint32_t fid = other ? fn->fid ^ SMCCC_CONV_64 : fn->fid;
            bool has = !other || fn->id_ignore == PSCI_BOTH_CONVS;
            int64_t features = fn->features;
            int64_t psci = has && (fn->queries & QUERY_PSCI_FEATURES) ? features
                                                                      : PSCI_NOT_SUPPORTED;
            int64_t arch = has && (fn->queries & QUERY_ARCH_FEATURES) ? features
                                                                      : PSCI_NOT_SUPPORTED;
            expect_ret(0, PSCI_FN_FEATURES, fid, 0, 0, psci);
            expect_ret(0, SMCCC_ARCH_FEATURES, fid, 0, 0, arch);
        }
    }
    /* the answers Linux relies on, spelled out */
    expect_ret(0, PSCI_FN_FEATURES, SMCCC_VERSION, 0, 0, 0);
    expect_ret(0, PSCI_FN_FEATURES, PSCI_FN64_CPU_SUSPEND, 0, 0, 0); /* original format */
    expect_ret(0, PSCI_FN_FEATURES, PSCI_FN_CPU_SUSPEND, 0, 0, 0);
    expect_ret(0, PSCI_FN_FEATURES, PSCI_FN64_SYSTEM_RESET2, 0, 0, 0);
    expect_ret(0, PSCI_FN_FEATURES, PSCI_FN_FEATURES, 0, 0, 0);
    expect_ret(0, PSCI_FN_FEATURES, SMCCC_ARCH_FEATURES, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, PSCI_FN_FEATURES, PSCI_FN_MIGRATE, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, PSCI_FN_FEATURES, PSCI_FN_SYSTEM_SUSPEND, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, PSCI_FN_FEATURES, 0xc4000002, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, PSCI_FN_FEATURES, 0, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, SMCCC_ARCH_FEATURES, SMCCC_VERSION, 0, 0, 0);
    expect_ret(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES, 0, 0, 0);
    expect_ret(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_SOC_ID, 0, 0, PSCI_NOT_SUPPORTED);
    expect_ret(0, SMCCC_ARCH_FEATURES, PSCI_FN_VERSION, 0, 0, PSCI_NOT_SUPPORTED);
    /* both are SMC32 calls: bits 63:32 of the queried ID are ignored */
    expect_ret(0, PSCI_FN_FEATURES, 0xffffffff00000000ull | PSCI_FN_CPU_ON, 0, 0, 0);
    expect_ret(0, SMCCC_ARCH_FEATURES, 0x1234567800000000ull | SMCCC_VERSION, 0, 0, 0);
}

static void test_cpu_on(void)
{
    fresh_vm(4);
    vm.vcpus[1].suspended = true;
    vm.vcpus[1].resume_reset = true;
    gpa_t entry = RAM_GPA + 0x1000;
    expect_ret(0, PSCI_FN64_CPU_ON, 1, entry, 0x123456789abcdef0ull, PSCI_SUCCESS);
    KTEST_EQ(nr_resets, 1);
    KTEST_CHECK(resets[0].v == &vm.vcpus[1]);
    KTEST_EQ(resets[0].entry, entry);
    KTEST_EQ(resets[0].arg, 0x123456789abcdef0ull);
    KTEST_EQ(resets[0].state_at_reset, VCPU_OFF); /* reset before the vCPU is published */
    KTEST_EQ(state_of(1), VCPU_RUNNABLE);
    KTEST_CHECK(!vm.vcpus[1].suspended && !vm.vcpus[1].resume_reset);
    KTEST_EQ(nr_kicks, 1);
    KTEST_CHECK(kicks[0].v == &vm.vcpus[1]);
    KTEST_EQ(kicks[0].request, VCPU_REQ_KICK);
    KTEST_EQ(kicks[0].state_at_kick, VCPU_RUNNABLE);

    /* already on: the target, the caller itself, a blocked vCPU */
    expect_ret(0, PSCI_FN64_CPU_ON, 1, entry, 0, PSCI_ALREADY_ON);
    expect_ret(0, PSCI_FN64_CPU_ON, 0, entry, 0, PSCI_ALREADY_ON);
    atomic_store(&vm.vcpus[3].state, VCPU_BLOCKED);
    expect_ret(0, PSCI_FN64_CPU_ON, 3, entry, 0, PSCI_ALREADY_ON);
    atomic_store(&vm.vcpus[3].state, VCPU_OFF);

    /* unknown targets */
    static const uint64_t bad_targets[] = {
        4, 0xff, 0x100, 0x102, 0x10000, 0x100000000ull, 0x80000002ull, 0x01000002ull,
        0x10000000002ull, UINT64_MAX,
    };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(bad_targets); i++)
        expect_ret(0, PSCI_FN64_CPU_ON, bad_targets[i], entry, 0, PSCI_INVALID_PARAMETERS);

    /* bad entry points: below RAM, past its end, straddling it, misaligned */
    static const uint64_t bad_entries[] = {
        0, RAM_GPA - 4, RAM_GPA + RAM_SIZE, RAM_GPA + RAM_SIZE - 2, RAM_GPA + 2, RAM_GPA + 1,
        UINT64_MAX - 3,
    };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(bad_entries); i++)
        expect_ret(0, PSCI_FN64_CPU_ON, 2, bad_entries[i], 0, PSCI_INVALID_ADDRESS);
    /* check order: target, then entry point, then state */
    expect_ret(0, PSCI_FN64_CPU_ON, 9, 0, 0, PSCI_INVALID_PARAMETERS);
    expect_ret(0, PSCI_FN64_CPU_ON, 1, 0, 0, PSCI_INVALID_ADDRESS);
    KTEST_EQ(nr_resets, 1);
    KTEST_EQ(nr_kicks, 1);
    KTEST_EQ(state_of(2), VCPU_OFF);

    /* the last word of RAM is a valid entry point */
    expect_ret(0, PSCI_FN64_CPU_ON, 2, RAM_GPA + RAM_SIZE - 4, 7, PSCI_SUCCESS);
    KTEST_EQ(resets[1].entry, RAM_GPA + RAM_SIZE - 4);
    KTEST_EQ(state_of(2), VCPU_RUNNABLE);
    /* a started vCPU can start another */
    expect_ret(2, PSCI_FN64_CPU_ON, 3, RAM_GPA, 0, PSCI_SUCCESS);
    KTEST_EQ(state_of(3), VCPU_RUNNABLE);
    KTEST_EQ(nr_resets, 3);
    KTEST_EQ(nr_kicks, 3);
}

/* SMC32 calls look at W1..W3 only; SMC64 calls at all of x1..x3. */
static void test_smc32_masking(void)
{
    fresh_vm(4);
    uint64_t x1 = 0xffffffff00000002ull;
    uint64_t x2 = 0xabcd000000000000ull | (RAM_GPA + 0x2000);
    uint64_t x3 = 0xffffffff00000042ull;
    expect_ret(0, PSCI_FN64_CPU_ON, x1, x2, x3, PSCI_INVALID_PARAMETERS);
    expect_ret(0, PSCI_FN64_CPU_ON, 2, x2, x3, PSCI_INVALID_ADDRESS);
    KTEST_EQ(nr_resets, 0);
    expect_ret(0, PSCI_FN_CPU_ON, x1, x2, x3, PSCI_SUCCESS); /* call() checks x1..x3 kept */
    KTEST_EQ(nr_resets, 1);
    KTEST_CHECK(resets[0].v == &vm.vcpus[2]);
    KTEST_EQ(resets[0].entry, RAM_GPA + 0x2000);
    KTEST_EQ(resets[0].arg, 0x42);
    /* the 64-bit context_id reaches the target whole through CPU_ON64 */
    expect_ret(0, PSCI_FN64_CPU_ON, 3, RAM_GPA, x3, PSCI_SUCCESS);
    KTEST_EQ(resets[1].arg, x3);

    /* AFFINITY_INFO32 with garbage above W1/W2 */
    expect_ret(0, PSCI_FN_AFFINITY_INFO, 0xffffffff00000001ull, 0xffffffff00000000ull, 0,
               PSCI_AFFINITY_OFF);
    expect_ret(0, PSCI_FN64_AFFINITY_INFO, 0xffffffff00000001ull, 0, 0,
               PSCI_INVALID_PARAMETERS);
    /* CPU_SUSPEND32 powerdown: entry and context_id truncated */
    fresh_vm(1);
    struct result r = call(0, PSCI_FN_CPU_SUSPEND, 0xffffffff00010000ull,
                           0x5555000000000000ull | (RAM_GPA + 0x40), 0x9999000000000001ull);
    KTEST_EQ(r.action, BLOCK);
    KTEST_CHECK(vm.vcpus[0].resume_reset);
    KTEST_EQ(vm.vcpus[0].resume_entry, RAM_GPA + 0x40);
    KTEST_EQ(vm.vcpus[0].resume_arg, 1);
    /* SYSTEM_RESET2 (SMC32): W1 = 0 is SYSTEM_WARM_RESET */
    r = call(0, PSCI_FN_SYSTEM_RESET2, 0xffffffff00000000ull, 0, 0);
    KTEST_EQ(r.action, VM_STOP);
    KTEST_EQ(stop_state, VM_REBOOT);
}

static void test_cpu_off(void)
{
    fresh_vm(2);
    expect_ret(0, PSCI_FN_CPU_ON, 1, RAM_GPA, 0, PSCI_SUCCESS);
    vm.vcpus[1].suspended = true;
    vm.vcpus[1].resume_reset = true;
    struct result r = call(1, PSCI_FN_CPU_OFF, 0, 0, 0);
    KTEST_EQ(r.action, EXIT_TO_LOOP);
    KTEST_EQ(r.x0, PSCI_FN_CPU_OFF); /* no return value: x0 untouched */
    KTEST_EQ(state_of(1), VCPU_OFF);
    KTEST_CHECK(!vm.vcpus[1].suspended && !vm.vcpus[1].resume_reset);
    expect_ret(0, PSCI_FN_AFFINITY_INFO, 1, 0, 0, PSCI_AFFINITY_OFF);
    /* and it can be started again */
    expect_ret(0, PSCI_FN_CPU_ON, 1, RAM_GPA + 8, 0, PSCI_SUCCESS);
    KTEST_EQ(state_of(1), VCPU_RUNNABLE);
    KTEST_EQ(nr_resets, 2);
    KTEST_EQ(nr_stops, 0);
}

static void test_affinity_info(void)
{
    fresh_vm(4);
    atomic_store(&vm.vcpus[2].state, VCPU_BLOCKED); /* WFI / suspended is still ON */
    uint32_t fn = PSCI_FN64_AFFINITY_INFO;
    /* level 0: one vCPU */
    expect_ret(0, fn, 0, 0, 0, PSCI_AFFINITY_ON);
    expect_ret(0, fn, 1, 0, 0, PSCI_AFFINITY_OFF);
    expect_ret(0, fn, 2, 0, 0, PSCI_AFFINITY_ON);
    expect_ret(0, fn, 3, 0, 0, PSCI_AFFINITY_OFF);
    expect_ret(0, fn, 4, 0, 0, PSCI_INVALID_PARAMETERS);
    expect_ret(0, fn, 0x100, 0, 0, PSCI_INVALID_PARAMETERS);
    expect_ret(0, fn, 0x100000000ull, 0, 0, PSCI_INVALID_PARAMETERS);
    /* bits outside the affinity fields */
    expect_ret(0, fn, 0x01000000, 0, 0, PSCI_INVALID_PARAMETERS);
    expect_ret(0, fn, 0x80000000, 0, 0, PSCI_INVALID_PARAMETERS);
    expect_ret(0, fn, 0x10000000000ull, 1, 0, PSCI_INVALID_PARAMETERS);
    /* level 1: the cluster (Aff0 ignored) */
    expect_ret(0, fn, 0, 1, 0, PSCI_AFFINITY_ON);
    expect_ret(0, fn, 0x3f, 1, 0, PSCI_AFFINITY_ON);
    expect_ret(0, fn, 0x100, 1, 0, PSCI_INVALID_PARAMETERS);
    /* levels 2 and 3 */
    expect_ret(0, fn, 0xff00, 2, 0, PSCI_AFFINITY_ON);
    expect_ret(0, fn, 0x10000, 2, 0, PSCI_INVALID_PARAMETERS);
    expect_ret(0, fn, 0xffffff, 3, 0, PSCI_AFFINITY_ON);
    expect_ret(0, fn, 0x100000000ull, 3, 0, PSCI_INVALID_PARAMETERS);
    expect_ret(0, fn, 0, 4, 0, PSCI_INVALID_PARAMETERS);
    expect_ret(0, fn, 0, 0xffffffff, 0, PSCI_INVALID_PARAMETERS);
    /* lowest_affinity_level is a 32-bit parameter, even for the 64-bit call */
    expect_ret(0, fn, 1, 0x100000000ull, 0, PSCI_AFFINITY_OFF);
    /* a cluster whose vCPUs are all OFF */
    atomic_store(&vm.vcpus[0].state, VCPU_OFF);
    atomic_store(&vm.vcpus[2].state, VCPU_OFF);
    expect_ret(0, fn, 0, 1, 0, PSCI_AFFINITY_OFF);
    expect_ret(0, PSCI_FN_AFFINITY_INFO, 0x2, 0, 0, PSCI_AFFINITY_OFF);
    KTEST_EQ(nr_resets + nr_kicks + nr_stops, 0);
}

static void test_cpu_suspend(void)
{
    fresh_vm(2);
    /* standby (StateType 0), any StateID: block, then return SUCCESS */
    static const uint32_t standby[] = { 0x0, 0x1, 0xffff };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(standby); i++) {
        vm.vcpus[0].suspended = false;
        vm.vcpus[0].resume_reset = true;
        struct result r = call(0, PSCI_FN64_CPU_SUSPEND, standby[i], 0, 0);
        KTEST_EQ(r.action, BLOCK);
        KTEST_EQ(r.x0, PSCI_SUCCESS);
        KTEST_CHECK(vm.vcpus[0].suspended);
        KTEST_CHECK(!vm.vcpus[0].resume_reset);
    }
    /* the 64-bit call's power_state is 32 bits too */
    struct result r = call(0, PSCI_FN64_CPU_SUSPEND, 0xffffffff00000000ull, 0, 0);
    KTEST_EQ(r.action, BLOCK);

    /* powerdown: resume at the entry point with x0 = context_id */
    fresh_vm(2);
    r = call(0, PSCI_FN64_CPU_SUSPEND, 0x10000, RAM_GPA + 0x100, 0xfeedfacecafebeefull);
    KTEST_EQ(r.action, BLOCK);
    KTEST_CHECK(vm.vcpus[0].suspended);
    KTEST_CHECK(vm.vcpus[0].resume_reset);
    KTEST_EQ(vm.vcpus[0].resume_entry, RAM_GPA + 0x100);
    KTEST_EQ(vm.vcpus[0].resume_arg, 0xfeedfacecafebeefull);
    r = call(0, PSCI_FN_CPU_SUSPEND, 0x1abcd, RAM_GPA + 0x200, 5);
    KTEST_EQ(r.action, BLOCK);
    KTEST_EQ(vm.vcpus[0].resume_entry, RAM_GPA + 0x200);

    /* powerdown with a bad entry point: nothing changes */
    fresh_vm(2);
    expect_ret(0, PSCI_FN64_CPU_SUSPEND, 0x10000, RAM_GPA - 4, 0, PSCI_INVALID_ADDRESS);
    expect_ret(0, PSCI_FN64_CPU_SUSPEND, 0x10000, RAM_GPA + 6, 0, PSCI_INVALID_ADDRESS);
    expect_ret(0, PSCI_FN_CPU_SUSPEND, 0x10000, RAM_GPA + RAM_SIZE, 0, PSCI_INVALID_ADDRESS);
    KTEST_CHECK(!vm.vcpus[0].suspended && !vm.vcpus[0].resume_reset);

    /* reserved bits and power levels above the core */
    static const uint32_t invalid[] = {
        1u << 17, 1u << 20, 1u << 23, 1u << 24, 2u << 24, 3u << 24, 1u << 26, 1u << 30,
        1u << 31, 0x40000000 | 0x10000, 0x01010000,
    };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(invalid); i++) {
        expect_ret(0, PSCI_FN64_CPU_SUSPEND, invalid[i], RAM_GPA, 0, PSCI_INVALID_PARAMETERS);
        expect_ret(0, PSCI_FN_CPU_SUSPEND, invalid[i], RAM_GPA, 0, PSCI_INVALID_PARAMETERS);
    }
    KTEST_CHECK(!vm.vcpus[0].suspended);
    KTEST_EQ(nr_resets + nr_kicks + nr_stops, 0);
}

static void test_system_off_reset(void)
{
    fresh_vm(2);
    struct result r = call(1, PSCI_FN_SYSTEM_OFF, 0, 0, 0);
    KTEST_EQ(r.action, VM_STOP);
    KTEST_EQ(nr_stops, 1);
    KTEST_EQ(stop_state, VM_SHUTDOWN);

    fresh_vm(2);
    r = call(0, PSCI_FN_SYSTEM_RESET, 0, 0, 0);
    KTEST_EQ(r.action, VM_STOP);
    KTEST_EQ(nr_stops, 1);
    KTEST_EQ(stop_state, VM_REBOOT);

    /* SYSTEM_RESET2: warm reset through both IDs, cookie ignored */
    static const uint32_t reset2[] = { PSCI_FN_SYSTEM_RESET2, PSCI_FN64_SYSTEM_RESET2 };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(reset2); i++) {
        fresh_vm(1);
        r = call(0, reset2[i], 0, 0x1234, 0);
        KTEST_EQ(r.action, VM_STOP);
        KTEST_EQ(nr_stops, 1);
        KTEST_EQ(stop_state, VM_REBOOT);
        /* other architectural types are reserved; vendor types are not supported */
        fresh_vm(1);
        expect_ret(0, reset2[i], 1, 0, 0, PSCI_INVALID_PARAMETERS);
        expect_ret(0, reset2[i], 0x7fffffff, 0, 0, PSCI_INVALID_PARAMETERS);
        expect_ret(0, reset2[i], 0x80000000, 0, 0, PSCI_NOT_SUPPORTED);
        expect_ret(0, reset2[i], 0x80000001, 0, 0, PSCI_NOT_SUPPORTED);
        expect_ret(0, reset2[i], 0xffffffff, 0, 0, PSCI_NOT_SUPPORTED);
        KTEST_EQ(nr_stops, 0);
    }
    /* reset_type is 32 bits in the 64-bit call as well */
    fresh_vm(1);
    r = call(0, PSCI_FN64_SYSTEM_RESET2, 0xffffffff00000000ull, 0, 0);
    KTEST_EQ(r.action, VM_STOP);
    KTEST_EQ(stop_state, VM_REBOOT);
}

int main(void)
{
    KTEST_RUN(test_versions);
    KTEST_RUN(test_unknown_ids);
    KTEST_RUN(test_table);
    KTEST_RUN(test_conventions);
    KTEST_RUN(test_features);
    KTEST_RUN(test_cpu_on);
    KTEST_RUN(test_smc32_masking);
    KTEST_RUN(test_cpu_off);
    KTEST_RUN(test_affinity_info);
    KTEST_RUN(test_cpu_suspend);
    KTEST_RUN(test_system_off_reset);
    return ktest_summary();
}
