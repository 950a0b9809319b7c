/* SPDX-License-Identifier: MIT */
/*
 * Host tests of keel's SBI v2.0 emulation (hyp/fw/sbi*.c), driven through fw_handle_call() on a
 * fake VM whose guest RAM is a host buffer. Every vCPU/VM/console hook the SBI files call is
 * mocked here and records its calls. Expected values come from the SBI v2.0 specification
 * (chapter numbers in the test names' comments), written out literally rather than taken from
 * keel's headers.
 */
#include <keel/console.h>
#include <keel/fw.h>
#include <keel/vm.h>
#include <stdlib.h>

#include "ktest.h"
#include "sbi.h" /* SBI_IMPL_VERSION only */

/* SBI v2.0 sec 3.2 error codes */
#define E_OK 0
#define E_FAILED ((uint64_t)-1)
#define E_NOT_SUPPORTED ((uint64_t)-2)
#define E_INVALID_PARAM ((uint64_t)-3)
#define E_INVALID_ADDRESS ((uint64_t)-5)
#define E_ALREADY_AVAILABLE ((uint64_t)-6)

/* EIDs */
#define EID_BASE 0x10
#define EID_TIME 0x54494D45
#define EID_IPI 0x735049
#define EID_RFENCE 0x52464E43
#define EID_HSM 0x48534D
#define EID_SRST 0x53525354
#define EID_DBCN 0x4442434E

#define RAM_GPA 0x80000000ull
#define RAM_SIZE (64 * 1024ull)
#define VM_ID 2u

#define CANARY(i) (0xc0ffee0000000000ull | (uint64_t)(i))

/* ------------------------------------------------------------------------------------------ */
/* The fake VM and the mocks                                                                  */

static struct vm vm;
static uint8_t *ram; /* guest RAM, exactly RAM_SIZE bytes on the heap (ASan sees overruns) */

struct riscv_host_ids riscv_host_ids = { 0x489, 0x8000000000000007ull, 0x20181004 };

static struct {
    unsigned set_timer_calls;
    struct vcpu *set_timer_v;
    uint64_t set_timer_value;
    unsigned clear_soft_calls;
    struct vcpu *clear_soft_v;
    unsigned fence_calls;
    uint32_t fence_mask; /* vCPU index bitmap */
    unsigned soft_irq_calls;
    uint32_t soft_irq_mask;
    unsigned reset_calls;
    struct vcpu *reset_v;
    uint64_t reset_entry, reset_arg;
    unsigned kick_calls;
    uint32_t kick_mask, kick_requests;
    unsigned stop_calls;
    struct vm *stop_vm;
    enum vm_state stop_state;
    unsigned putc_calls;
    uint32_t putc_vm;
    char out[8192];
    size_t out_len;
    uint8_t in[64];
    size_t in_len, in_pos;
} mock;

void riscv_vcpu_set_timer(struct vcpu *v, uint64_t stime_value)
{
    mock.set_timer_calls++;
    mock.set_timer_v = v;
    mock.set_timer_value = stime_value;
}

void riscv_vcpu_clear_soft_irq(struct vcpu *v)
{
    mock.clear_soft_calls++;
    mock.clear_soft_v = v;
}

/* one batch per SBI call, naming only vCPUs of the caller's VM */
void riscv_vcpus_fence(struct vcpu *caller, uint64_t targets)
{
    KTEST_CHECK(caller->vm == &vm && caller >= vm.vcpus && caller < vm.vcpus + vm.nr_vcpus);
    KTEST_CHECK(targets < (1ull << vm.nr_vcpus));
    mock.fence_calls++;
    mock.fence_mask |= (uint32_t)targets;
}

void vcpu_arch_raise_soft_irq(struct vcpu *v)
{
    KTEST_CHECK(v->vm == &vm && v >= vm.vcpus && v < vm.vcpus + vm.nr_vcpus);
    KTEST_CHECK(!(mock.soft_irq_mask & (1u << v->id)));
    mock.soft_irq_calls++;
    mock.soft_irq_mask |= 1u << v->id;
}

void vcpu_kick(struct vcpu *v, uint32_t request);

/* hyp/vm.c's vcpu_try_start(), recorded: starts an OFF vCPU, refuses any other */
bool vcpu_try_start(struct vcpu *v, gpa_t entry, uint64_t arg)
{
    if (atomic_load(&v->state) != VCPU_OFF)
        return false;
    mock.reset_calls++;
    mock.reset_v = v;
    mock.reset_entry = entry;
    mock.reset_arg = arg;
    v->suspended = false;
    v->resume_reset = false;
    atomic_store(&v->state, VCPU_RUNNABLE);
    vcpu_kick(v, VCPU_REQ_KICK);
    return true;
}

void vcpu_kick(struct vcpu *v, uint32_t request)
{
    mock.kick_calls++;
    mock.kick_mask |= 1u << v->id;
    mock.kick_requests |= request;
}

void vm_request_stop(struct vm *v, enum vm_state state)
{
    mock.stop_calls++;
    mock.stop_vm = v;
    mock.stop_state = state;
}

/* As hyp/vm.c: NULL when any byte of [gpa, gpa+len) lies outside the VM's RAM. */
void *vm_gpa_to_hva(struct vm *v, gpa_t gpa, uint64_t len)
{
    if (gpa < v->ram_gpa)
        return NULL;
    uint64_t off = gpa - v->ram_gpa;
    if (off > v->ram_size || len > v->ram_size - off)
        return NULL;
    return (void *)(uintptr_t)(v->ram_hpa + off);
}

void console_guest_putc(uint32_t vm_id, uint8_t byte)
{
    mock.putc_calls++;
    mock.putc_vm = vm_id;
    if (mock.out_len < sizeof(mock.out))
        mock.out[mock.out_len++] = (char)byte;
}

/* Is `l` taken? (Compared with a fresh lock, so the test does not depend on its layout.) */
static bool lock_held(const struct spinlock *l)
{
    static const struct spinlock unlocked = SPINLOCK_INIT;
    return memcmp(l, &unlocked, sizeof(unlocked)) != 0;
}

/* Consumers must hold vm->lock (keel/vm.h). */
int vm_console_getc(struct vm *v)
{
    KTEST_CHECK(lock_held(&v->lock));
    if (mock.in_pos == mock.in_len)
        return -1;
    return mock.in[mock.in_pos++];
}

static void queue_input(const char *bytes, size_t n)
{
    memcpy(mock.in, bytes, n);
    mock.in_len = n;
    mock.in_pos = 0;
}

/* A VM of `n` vCPUs: vCPU 0 runs (it is the caller unless a test says otherwise), the others
   are off. */
static void setup(uint32_t n)
{
    memset(&vm, 0, sizeof(vm));
    memset(&mock, 0, sizeof(mock));
    memset(ram, 0, RAM_SIZE);
    vm.id = VM_ID;
    vm.ram_gpa = RAM_GPA;
    vm.ram_size = RAM_SIZE;
    vm.ram_hpa = (hpa_t)(uintptr_t)ram;
    vm.nr_vcpus = n;
    for (uint32_t i = 0; i < n; i++) {
        vm.vcpus[i].vm = &vm;
        vm.vcpus[i].id = i;
        vm.vcpus[i].pcpu = i;
        atomic_store(&vm.vcpus[i].state, i == 0 ? VCPU_RUNNABLE : VCPU_OFF);
    }
}

struct res {
    enum exit_action act;
    uint64_t r[8]; /* r[0..5] = a0..a5 after the call, r[6..7] guard the array */
};

static void check_lock_free(void)
{
    bool held = lock_held(&vm.lock);
    KTEST_CHECK(!held); /* every path releases vm->lock */
    if (held)
        spin_unlock(&vm.lock);
}

/* One SBI call by vCPU `caller`; checks that nothing but a0/a1 (regs[0..1]) is written. */
static struct res sbi(uint32_t caller, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
                      uint64_t a2, uint64_t a3)
{
    uint64_t in[8] = { a0, a1, a2, a3, CANARY(4), CANARY(5), CANARY(6), CANARY(7) };
    struct res res;
    memcpy(res.r, in, sizeof(in));
    struct exit_fw_call call = { .ext_id = eid, .func_id = fid, .regs = res.r };
    res.act = fw_handle_call(&vm.vcpus[caller], &call);
    for (int i = 2; i < 8; i++)
        KTEST_EQ(res.r[i], in[i]);
    check_lock_free();
    return res;
}

/* A v0.1 legacy call: only a0 may change. */
static struct res legacy(uint64_t eid, uint64_t fid, uint64_t a0)
{
    struct res res = sbi(0, eid, fid, a0, CANARY(1), CANARY(2), CANARY(3));
    KTEST_EQ(res.r[1], CANARY(1));
    return res;
}

/* Expect the standard pair (error, value) and RESUME_NEXT. */
#define EXPECT_RET(call, err, val)                                                             \
    do {                                                                                       \
        struct res r_ = (call);                                                                 \
        KTEST_EQ(r_.act, RESUME_NEXT);                                                         \
        KTEST_EQ(r_.r[0], (err));                                                              \
        KTEST_EQ(r_.r[1], (val));                                                              \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* BASE (chapter 4) and dispatch                                                              */

static void test_base_versions(void)
{
    setup(4);
    EXPECT_RET(sbi(0, EID_BASE, 0, 0, 0, 0, 0), E_OK, 0x02000000); /* v2.0: major in 30:24 */
    EXPECT_RET(sbi(0, EID_BASE, 1, 0, 0, 0, 0), E_OK, 0x6b65656c); /* "keel" */
    EXPECT_RET(sbi(0, EID_BASE, 2, 0, 0, 0, 0), E_OK, SBI_IMPL_VERSION);
}

static void test_base_host_ids(void)
{
    setup(4);
    EXPECT_RET(sbi(0, EID_BASE, 4, 0, 0, 0, 0), E_OK, 0x489);
    EXPECT_RET(sbi(0, EID_BASE, 5, 0, 0, 0, 0), E_OK, 0x8000000000000007ull);
    EXPECT_RET(sbi(0, EID_BASE, 6, 0, 0, 0, 0), E_OK, 0x20181004);
    riscv_host_ids.mvendorid = 0;
    EXPECT_RET(sbi(0, EID_BASE, 4, 0, 0, 0, 0), E_OK, 0);
    riscv_host_ids.mvendorid = 0x489;
}

static void test_base_probe(void)
{
    static const uint64_t implemented[] = {
        EID_BASE, EID_TIME, EID_IPI, EID_RFENCE, EID_HSM, EID_SRST, EID_DBCN,
        0x00, 0x01, 0x02, 0x03, 0x08, /* legacy keel implements */
    };
    static const uint64_t absent[] = {
        0x04, 0x05, 0x06, 0x07, /* legacy calls with hart-mask pointers: not offered */
        0x09, 0x0F, 0x11, 0x504D55 /* PMU */, 0x535553 /* SUSP */, 0x43505043 /* CPPC */,
        0x4E41434C /* NACL */, 0x535441 /* STA */, 0x46574654 /* FWFT */, 0x0A000000,
        0x6FFFFFFF, 0xFFFFFFFF, 0x100000010ull /* BASE's EID + bit 32 */, UINT64_MAX,
    };
    setup(4);
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(implemented); i++)
        EXPECT_RET(sbi(0, EID_BASE, 3, implemented[i], 0, 0, 0), E_OK, 1);
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(absent); i++)
        EXPECT_RET(sbi(0, EID_BASE, 3, absent[i], 0, 0, 0), E_OK, 0);
    /* EIDs sharing the low bits of an implemented one are not it */
    for (size_t i = 0; i < 7; i++) {
        uint64_t eid = implemented[i];
        static const uint64_t deltas[] = { 0x10, 0x100, 0x10000, 1ull << 32, 1ull << 63 };
        for (size_t d = 0; d < KEEL_ARRAY_SIZE(deltas); d++) {
            EXPECT_RET(sbi(0, EID_BASE, 3, eid + deltas[d], 0, 0, 0), E_OK, 0);
            if (eid >= deltas[d])
                EXPECT_RET(sbi(0, EID_BASE, 3, eid - deltas[d], 0, 0, 0), E_OK,
                           eid - deltas[d] <= 8 ? 1 : 0);
        }
    }
}

static void test_base_unknown_fid(void)
{
    setup(4);
    EXPECT_RET(sbi(0, EID_BASE, 7, 0, 0x1234, 0, 0), E_NOT_SUPPORTED, 0);
    EXPECT_RET(sbi(0, EID_BASE, 0x100, 0, 0x1234, 0, 0), E_NOT_SUPPORTED, 0);
    EXPECT_RET(sbi(0, EID_BASE, UINT64_MAX, 0, 0x1234, 0, 0), E_NOT_SUPPORTED, 0);
}

static void test_unknown_eid(void)
{
    static const uint64_t eids[] = { 0x09, 0x0F, 0x11, 0x20, 0x504D55, 0x46574654, 0xFFFFFFFF,
                                     0x100000010ull, 0x154494D45ull, 0x64494D45, UINT64_MAX };
    setup(4);
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(eids); i++)
        EXPECT_RET(sbi(0, eids[i], 0, 0x55, 0x1234, 0, 0), E_NOT_SUPPORTED, 0);
    /* no hook ran */
    KTEST_EQ(mock.set_timer_calls + mock.soft_irq_calls + mock.fence_calls + mock.reset_calls +
                 mock.stop_calls + mock.putc_calls + mock.kick_calls,
             0);
}

/* ------------------------------------------------------------------------------------------ */
/* TIME (chapter 6)                                                                           */

static void test_time(void)
{
    setup(4);
    atomic_store(&vm.vcpus[2].state, VCPU_RUNNABLE);
    EXPECT_RET(sbi(2, EID_TIME, 0, 0x123456789abcull, 0x99, 0, 0), E_OK, 0);
    KTEST_EQ(mock.set_timer_calls, 1);
    KTEST_CHECK(mock.set_timer_v == &vm.vcpus[2]);
    KTEST_EQ(mock.set_timer_value, 0x123456789abcull);
    EXPECT_RET(sbi(0, EID_TIME, 0, UINT64_MAX, 0, 0, 0), E_OK, 0); /* "no timer" */
    KTEST_EQ(mock.set_timer_calls, 2);
    KTEST_EQ(mock.set_timer_value, UINT64_MAX);
    KTEST_CHECK(mock.set_timer_v == &vm.vcpus[0]);

    EXPECT_RET(sbi(0, EID_TIME, 1, 5, 0, 0, 0), E_NOT_SUPPORTED, 0);
    EXPECT_RET(sbi(0, EID_TIME, UINT64_MAX, 5, 0, 0, 0), E_NOT_SUPPORTED, 0);
    KTEST_EQ(mock.set_timer_calls, 2);
}

/* ------------------------------------------------------------------------------------------ */
/* IPI (chapter 7) and the hart mask (sec 3.1)                                                */

static void ipi_case(uint32_t n, uint64_t mask, uint64_t base, uint64_t err, uint32_t targets)
{
    setup(n);
    EXPECT_RET(sbi(0, EID_IPI, 0, mask, base, 0, 0), err, 0);
    KTEST_EQ(mock.soft_irq_mask, targets);
    KTEST_EQ(mock.soft_irq_calls, (unsigned)__builtin_popcount(targets));
}

static void test_ipi(void)
{
    ipi_case(4, 0x5, 0, E_OK, 0x5);
    ipi_case(4, 0x1, 3, E_OK, 0x8);
    ipi_case(4, 0x3, 2, E_OK, 0xc);
    ipi_case(4, 0xf, 0, E_OK, 0xf);
    ipi_case(4, 0x0, 0, E_OK, 0x0);               /* empty mask: nothing to do */
    ipi_case(4, 0x0, UINT64_MAX, E_OK, 0xf);      /* base -1: every hart, mask ignored */
    ipi_case(4, 0x12345, UINT64_MAX, E_OK, 0xf);
    ipi_case(8, 0x0, UINT64_MAX, E_OK, 0xff);
    ipi_case(8, 0xff, 0, E_OK, 0xff);
    ipi_case(1, 0x0, UINT64_MAX, E_OK, 0x1);
    ipi_case(1, 0x1, 0, E_OK, 0x1);
    /* invalid: a bit naming a hart >= nr_vcpus, nothing sent even to the valid ones */
    ipi_case(4, 0x10, 0, E_INVALID_PARAM, 0);
    ipi_case(4, 0x1f, 0, E_INVALID_PARAM, 0);
    ipi_case(4, 0x7, 2, E_INVALID_PARAM, 0);
    ipi_case(4, 0x1, 4, E_INVALID_PARAM, 0);
    ipi_case(4, 1ull << 63, 0, E_INVALID_PARAM, 0);
    ipi_case(8, 0x100, 0, E_INVALID_PARAM, 0);
    ipi_case(1, 0x2, 0, E_INVALID_PARAM, 0);
    /* base + bit overflowing 64 bits (would alias hart 0/1) */
    ipi_case(4, 0x4, UINT64_MAX - 1, E_INVALID_PARAM, 0);
    ipi_case(4, 0x2, UINT64_MAX - 1, E_INVALID_PARAM, 0);
    ipi_case(4, 1ull << 63, 1ull << 63, E_INVALID_PARAM, 0);
    ipi_case(4, 3ull << 62, 1ull << 62, E_INVALID_PARAM, 0);

    setup(4);
    EXPECT_RET(sbi(0, EID_IPI, 1, 1, 0, 0, 0), E_NOT_SUPPORTED, 0);
    KTEST_EQ(mock.soft_irq_calls, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* RFENCE (chapter 8)                                                                         */

static void test_rfence_success(void)
{
    for (uint64_t fid = 0; fid <= 2; fid++) {
        setup(4);
        /* a2 = start, a3 = size (a4 = asid for FID 2 stays a canary: it is never written) */
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0xa, 0, 0x1000, 0x2000), E_OK, 0);
        KTEST_EQ(mock.fence_mask, 0xa);
        KTEST_EQ(mock.fence_calls, 1); /* batched: one call for both targets */

        setup(4);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0, UINT64_MAX, 0, UINT64_MAX), E_OK, 0);
        KTEST_EQ(mock.fence_mask, 0xf);
        KTEST_EQ(mock.fence_calls, 1);

        setup(8);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x3, 6, 0, 0), E_OK, 0);
        KTEST_EQ(mock.fence_mask, 0xc0);

        /* size = -1 ("whole address space") is valid whatever the start */
        setup(4);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x1, 0, 0xffffffffc0000000ull, UINT64_MAX), E_OK, 0);
        KTEST_EQ(mock.fence_mask, 0x1);
        /* a range ending exactly at 2^64 - 1 */
        setup(4);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x1, 0, UINT64_MAX - 0xfff, 0xfff), E_OK, 0);
        KTEST_EQ(mock.fence_mask, 0x1);
    }
}

static void test_rfence_errors(void)
{
    for (uint64_t fid = 0; fid <= 2; fid++) {
        /* invalid hart masks */
        setup(4);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x10, 0, 0, 0x1000), E_INVALID_PARAM, 0);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x3, 3, 0, 0x1000), E_INVALID_PARAM, 0);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x4, UINT64_MAX - 1, 0, 0x1000), E_INVALID_PARAM, 0);
        KTEST_EQ(mock.fence_calls, 0);
    }
    /* start + size wrapping around: INVALID_ADDRESS for the ranged fences */
    for (uint64_t fid = 1; fid <= 2; fid++) {
        setup(4);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x1, 0, UINT64_MAX - 0xfff, 0x2000),
                   E_INVALID_ADDRESS, 0);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x1, 0, 0x1000, UINT64_MAX - 1), E_INVALID_ADDRESS,
                   0);
        KTEST_EQ(mock.fence_calls, 0);
    }
    /* remote_fence_i has no range: a2/a3 are not its arguments */
    setup(4);
    EXPECT_RET(sbi(0, EID_RFENCE, 0, 0x1, 0, UINT64_MAX - 0xfff, 0x2000), E_OK, 0);
    KTEST_EQ(mock.fence_mask, 0x1);

    /* HFENCE.* (FIDs 3-6): guests have no H extension -> NOT_SUPPORTED (sec 8.4-8.7), whatever
       the other arguments are */
    for (uint64_t fid = 3; fid <= 6; fid++) {
        setup(4);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x1, 0, 0, 0x1000), E_NOT_SUPPORTED, 0);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0, UINT64_MAX, 0, UINT64_MAX), E_NOT_SUPPORTED, 0);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x10, 0, 0, 0x1000), E_NOT_SUPPORTED, 0);
        EXPECT_RET(sbi(0, EID_RFENCE, fid, 0x1, 0, UINT64_MAX, 0x2000), E_NOT_SUPPORTED, 0);
        KTEST_EQ(mock.fence_calls, 0);
    }
    setup(4);
    EXPECT_RET(sbi(0, EID_RFENCE, 7, 0x1, 0, 0, 0x1000), E_NOT_SUPPORTED, 0);
    EXPECT_RET(sbi(0, EID_RFENCE, UINT64_MAX, 0x1, 0, 0, 0x1000), E_NOT_SUPPORTED, 0);
    KTEST_EQ(mock.fence_calls, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* HSM (chapter 9)                                                                            */

static void test_hsm_start(void)
{
    setup(4);
    /* invalid hart ids */
    EXPECT_RET(sbi(0, EID_HSM, 0, 4, RAM_GPA, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_HSM, 0, UINT64_MAX, RAM_GPA, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_HSM, 0, 1ull << 32, RAM_GPA, 0, 0), E_INVALID_PARAM, 0);
    /* already started: the caller itself, and a blocked (WFI / suspended) hart */
    EXPECT_RET(sbi(0, EID_HSM, 0, 0, RAM_GPA, 0, 0), E_ALREADY_AVAILABLE, 0);
    atomic_store(&vm.vcpus[3].state, VCPU_BLOCKED);
    vm.vcpus[3].suspended = true;
    EXPECT_RET(sbi(0, EID_HSM, 0, 3, RAM_GPA, 0, 0), E_ALREADY_AVAILABLE, 0);
    /* start address outside RAM (before, at the end, straddling the end, far away) */
    EXPECT_RET(sbi(0, EID_HSM, 0, 1, RAM_GPA - 4, 0, 0), E_INVALID_ADDRESS, 0);
    EXPECT_RET(sbi(0, EID_HSM, 0, 1, 0, 0, 0), E_INVALID_ADDRESS, 0);
    EXPECT_RET(sbi(0, EID_HSM, 0, 1, RAM_GPA + RAM_SIZE, 0, 0), E_INVALID_ADDRESS, 0);
    EXPECT_RET(sbi(0, EID_HSM, 0, 1, RAM_GPA + RAM_SIZE - 2, 0, 0), E_INVALID_ADDRESS, 0);
    EXPECT_RET(sbi(0, EID_HSM, 0, 1, UINT64_MAX - 1, 0, 0), E_INVALID_ADDRESS, 0);
    KTEST_EQ(atomic_load(&vm.vcpus[1].state), VCPU_OFF);
    KTEST_EQ(mock.reset_calls, 0);
    KTEST_EQ(mock.kick_calls, 0);

    /* success: reset at (entry, opaque), runnable, kicked */
    vm.vcpus[2].suspended = true;
    vm.vcpus[2].resume_reset = true;
    EXPECT_RET(sbi(0, EID_HSM, 0, 2, RAM_GPA + 0x2000, 0xfeedfacecafebeefull, 0), E_OK, 0);
    KTEST_EQ(mock.reset_calls, 1);
    KTEST_CHECK(mock.reset_v == &vm.vcpus[2]);
    KTEST_EQ(mock.reset_entry, RAM_GPA + 0x2000);
    KTEST_EQ(mock.reset_arg, 0xfeedfacecafebeefull);
    KTEST_EQ(atomic_load(&vm.vcpus[2].state), VCPU_RUNNABLE);
    KTEST_CHECK(!vm.vcpus[2].suspended);
    KTEST_CHECK(!vm.vcpus[2].resume_reset);
    KTEST_EQ(mock.kick_mask, 1u << 2);
    KTEST_CHECK(mock.kick_requests & VCPU_REQ_KICK);
    /* the last word of RAM is a valid entry too */
    EXPECT_RET(sbi(0, EID_HSM, 0, 1, RAM_GPA + RAM_SIZE - 4, 0, 0), E_OK, 0);
    KTEST_EQ(atomic_load(&vm.vcpus[1].state), VCPU_RUNNABLE);
    /* and now it is started */
    EXPECT_RET(sbi(0, EID_HSM, 0, 2, RAM_GPA, 0, 0), E_ALREADY_AVAILABLE, 0);
    KTEST_EQ(mock.reset_calls, 2);
}

static void test_hsm_stop_and_status(void)
{
    setup(4);
    atomic_store(&vm.vcpus[1].state, VCPU_RUNNABLE);
    atomic_store(&vm.vcpus[2].state, VCPU_BLOCKED); /* WFI */
    atomic_store(&vm.vcpus[3].state, VCPU_BLOCKED);
    vm.vcpus[3].suspended = true;

    EXPECT_RET(sbi(0, EID_HSM, 2, 0, 0, 0, 0), E_OK, 0); /* STARTED */
    EXPECT_RET(sbi(0, EID_HSM, 2, 1, 0, 0, 0), E_OK, 0);
    EXPECT_RET(sbi(0, EID_HSM, 2, 2, 0, 0, 0), E_OK, 0); /* a WFI is not a suspend */
    EXPECT_RET(sbi(0, EID_HSM, 2, 3, 0, 0, 0), E_OK, 4); /* SUSPENDED */
    EXPECT_RET(sbi(0, EID_HSM, 2, 4, 0, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_HSM, 2, UINT64_MAX, 0, 0, 0), E_INVALID_PARAM, 0);

    /* hart_stop: the caller goes OFF, back to the loop, registers untouched */
    struct res r = sbi(1, EID_HSM, 1, 0x11, 0x22, 0, 0);
    KTEST_EQ(r.act, EXIT_TO_LOOP);
    KTEST_EQ(r.r[0], 0x11);
    KTEST_EQ(r.r[1], 0x22);
    KTEST_EQ(atomic_load(&vm.vcpus[1].state), VCPU_OFF);
    EXPECT_RET(sbi(0, EID_HSM, 2, 1, 0, 0, 0), E_OK, 1); /* STOPPED */
    KTEST_EQ(atomic_load(&vm.vcpus[0].state), VCPU_RUNNABLE);

    setup(4);
    EXPECT_RET(sbi(0, EID_HSM, 2, 3, 0, 0, 0), E_OK, 1);
    EXPECT_RET(sbi(0, EID_HSM, 4, 0, 0, 0, 0), E_NOT_SUPPORTED, 0);
    EXPECT_RET(sbi(0, EID_HSM, UINT64_MAX, 0, 0, 0, 0), E_NOT_SUPPORTED, 0);
}

static void test_hsm_suspend(void)
{
    setup(4);
    struct vcpu *v = &vm.vcpus[0];
    /* default retentive: blocks; the call returns SUCCESS when the hart wakes up */
    struct res r = sbi(0, EID_HSM, 3, 0x00000000, 0x77, 0x88, 0);
    KTEST_EQ(r.act, BLOCK);
    KTEST_EQ(r.r[0], E_OK);
    KTEST_EQ(r.r[1], 0);
    KTEST_CHECK(v->suspended);
    KTEST_CHECK(!v->resume_reset);

    /* default non-retentive: the resume address must be RAM */
    setup(4);
    v = &vm.vcpus[0];
    EXPECT_RET(sbi(0, EID_HSM, 3, 0x80000000, RAM_GPA - 0x1000, 0x88, 0), E_INVALID_ADDRESS, 0);
    EXPECT_RET(sbi(0, EID_HSM, 3, 0x80000000, RAM_GPA + RAM_SIZE, 0x88, 0), E_INVALID_ADDRESS,
               0);
    EXPECT_RET(sbi(0, EID_HSM, 3, 0x80000000, UINT64_MAX - 1, 0x88, 0), E_INVALID_ADDRESS, 0);
    KTEST_CHECK(!v->suspended);
    r = sbi(0, EID_HSM, 3, 0x80000000, RAM_GPA + 0x4000, 0xabcdef, 0);
    KTEST_EQ(r.act, BLOCK);
    KTEST_CHECK(v->suspended);
    KTEST_CHECK(v->resume_reset);
    KTEST_EQ(v->resume_entry, RAM_GPA + 0x4000);
    KTEST_EQ(v->resume_arg, 0xabcdef);

    /* reserved and (unimplemented) platform-specific types: INVALID_PARAM, no suspend */
    static const uint64_t bad[] = {
        0x00000001, 0x0FFFFFFF, 0x80000001, 0x8FFFFFFF,  /* reserved */
        0x10000000, 0x7FFFFFFF, 0x90000000, 0xFFFFFFFF,  /* platform-specific */
        0x100000000ull, 0x180000000ull, UINT64_MAX,     /* not a 32-bit value */
    };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(bad); i++) {
        setup(4);
        EXPECT_RET(sbi(0, EID_HSM, 3, bad[i], RAM_GPA, 0, 0), E_INVALID_PARAM, 0);
        KTEST_CHECK(!vm.vcpus[0].suspended);
        KTEST_CHECK(!vm.vcpus[0].resume_reset);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* SRST (chapter 10)                                                                          */

static void test_srst(void)
{
    static const struct {
        uint64_t type, reason;
        enum vm_state state;
    } ok[] = {
        { 0, 0, VM_SHUTDOWN }, { 0, 1, VM_SHUTDOWN }, { 1, 0, VM_REBOOT },
        { 1, 1, VM_REBOOT },   { 2, 0, VM_REBOOT },   { 2, 1, VM_REBOOT },
    };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(ok); i++) {
        setup(4);
        struct res r = sbi(0, EID_SRST, 0, ok[i].type, ok[i].reason, 0, 0);
        KTEST_EQ(r.act, VM_STOP);
        KTEST_EQ(mock.stop_calls, 1);
        KTEST_CHECK(mock.stop_vm == &vm);
        KTEST_EQ(mock.stop_state, ok[i].state);
    }
    static const uint64_t bad[][2] = {
        { 3, 0 },          { 0xEFFFFFFF, 0 }, { 0xF0000000, 0 }, { 0xFFFFFFFF, 0 },
        { 1ull << 32, 0 }, { 0, 2 },          { 0, 0xE0000000 }, { 0, 0xF0000000 },
        { 2, UINT64_MAX },
    };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(bad); i++) {
        setup(4);
        EXPECT_RET(sbi(0, EID_SRST, 0, bad[i][0], bad[i][1], 0, 0), E_INVALID_PARAM, 0);
        KTEST_EQ(mock.stop_calls, 0);
    }
    setup(4);
    EXPECT_RET(sbi(0, EID_SRST, 1, 0, 0, 0, 0), E_NOT_SUPPORTED, 0);
    KTEST_EQ(mock.stop_calls, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* DBCN (chapter 12)                                                                          */

static void test_dbcn_write(void)
{
    setup(4);
    static const char msg[] = "hello, keel\n";
    memcpy(ram + 0x100, msg, sizeof(msg) - 1);
    EXPECT_RET(sbi(0, EID_DBCN, 0, sizeof(msg) - 1, RAM_GPA + 0x100, 0, 0), E_OK,
               sizeof(msg) - 1);
    KTEST_EQ(mock.out_len, sizeof(msg) - 1);
    KTEST_CHECK(!memcmp(mock.out, msg, sizeof(msg) - 1));
    KTEST_EQ(mock.putc_vm, VM_ID);

    /* empty write */
    setup(4);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 0, RAM_GPA, 0, 0), E_OK, 0);
    KTEST_EQ(mock.putc_calls, 0);

    /* the last bytes of RAM */
    setup(4);
    memcpy(ram + RAM_SIZE - 3, "xyz", 3);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 3, RAM_GPA + RAM_SIZE - 3, 0, 0), E_OK, 3);
    KTEST_CHECK(mock.out_len == 3 && !memcmp(mock.out, "xyz", 3));

    /* base_addr_hi must be 0 on RV64 */
    setup(4);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 4, RAM_GPA, 1, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 4, RAM_GPA, UINT64_MAX, 0), E_INVALID_PARAM, 0);
    /* buffers outside RAM or crossing its end */
    EXPECT_RET(sbi(0, EID_DBCN, 0, 4, RAM_GPA - 4, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 8, RAM_GPA - 4, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 8, RAM_GPA + RAM_SIZE - 4, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 1, RAM_GPA + RAM_SIZE, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 0, UINT64_MAX, RAM_GPA, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 0x20, UINT64_MAX - 0xf, 0, 0), E_INVALID_PARAM, 0);
    /* the whole named buffer must be RAM even if only a 4 KiB chunk would be written */
    EXPECT_RET(sbi(0, EID_DBCN, 0, 5000, RAM_GPA + RAM_SIZE - 4200, 0, 0), E_INVALID_PARAM, 0);
    KTEST_EQ(mock.putc_calls, 0);

    /* long writes are cut to 4096 bytes, and the call says so */
    setup(4);
    for (unsigned i = 0; i < 5000; i++)
        ram[0x1000 + i] = (uint8_t)('a' + i % 26);
    EXPECT_RET(sbi(0, EID_DBCN, 0, 5000, RAM_GPA + 0x1000, 0, 0), E_OK, 4096);
    KTEST_EQ(mock.out_len, 4096);
    KTEST_CHECK(!memcmp(mock.out, ram + 0x1000, 4096));
    /* a whole-RAM write */
    setup(4);
    EXPECT_RET(sbi(0, EID_DBCN, 0, RAM_SIZE, RAM_GPA, 0, 0), E_OK, 4096);
}

static void test_dbcn_read_and_byte(void)
{
    setup(4);
    memset(ram + 0x200, '#', 16);
    queue_input("abc", 3);
    EXPECT_RET(sbi(0, EID_DBCN, 1, 8, RAM_GPA + 0x200, 0, 0), E_OK, 3);
    KTEST_CHECK(!memcmp(ram + 0x200, "abc#####", 8));
    EXPECT_RET(sbi(0, EID_DBCN, 1, 8, RAM_GPA + 0x200, 0, 0), E_OK, 0); /* queue empty */

    queue_input("wxyz", 4);
    EXPECT_RET(sbi(0, EID_DBCN, 1, 2, RAM_GPA + 0x300, 0, 0), E_OK, 2);
    KTEST_CHECK(ram[0x300] == 'w' && ram[0x301] == 'x' && ram[0x302] == 0);
    EXPECT_RET(sbi(0, EID_DBCN, 1, 2, RAM_GPA + RAM_SIZE - 2, 0, 0), E_OK, 2);
    KTEST_CHECK(ram[RAM_SIZE - 2] == 'y' && ram[RAM_SIZE - 1] == 'z');

    /* invalid buffers consume nothing */
    queue_input("q", 1);
    EXPECT_RET(sbi(0, EID_DBCN, 1, 2, RAM_GPA + RAM_SIZE - 1, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 1, 2, RAM_GPA - 2, 0, 0), E_INVALID_PARAM, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 1, 2, RAM_GPA, 1, 0), E_INVALID_PARAM, 0);
    KTEST_EQ(mock.in_pos, 0);

    /* write_byte: the low byte of a0 */
    setup(4);
    EXPECT_RET(sbi(0, EID_DBCN, 2, 'k', 0x55, 0, 0), E_OK, 0);
    EXPECT_RET(sbi(0, EID_DBCN, 2, 0x141, 0x55, 0, 0), E_OK, 0);
    KTEST_CHECK(mock.out_len == 2 && mock.out[0] == 'k' && mock.out[1] == 'A');
    KTEST_EQ(mock.putc_vm, VM_ID);

    EXPECT_RET(sbi(0, EID_DBCN, 3, 1, RAM_GPA, 0, 0), E_NOT_SUPPORTED, 0);
    EXPECT_RET(sbi(0, EID_DBCN, UINT64_MAX, 1, RAM_GPA, 0, 0), E_NOT_SUPPORTED, 0);
    KTEST_EQ(mock.putc_calls, 2);
}

/* ------------------------------------------------------------------------------------------ */
/* Legacy extensions (chapter 5): a0 only                                                     */

static void test_legacy(void)
{
    setup(4);
    struct res r = legacy(0x00, 0, 0x1122334455667788ull); /* set_timer */
    KTEST_EQ(r.act, RESUME_NEXT);
    KTEST_EQ(r.r[0], 0);
    KTEST_EQ(mock.set_timer_calls, 1);
    KTEST_EQ(mock.set_timer_value, 0x1122334455667788ull);
    KTEST_CHECK(mock.set_timer_v == &vm.vcpus[0]);

    r = legacy(0x01, 0, 0x100 | 'L'); /* console_putchar */
    KTEST_EQ(r.act, RESUME_NEXT);
    KTEST_EQ(r.r[0], 0);
    KTEST_CHECK(mock.out_len == 1 && mock.out[0] == 'L' && mock.putc_vm == VM_ID);

    r = legacy(0x02, 0, 0x99); /* console_getchar, nothing queued */
    KTEST_EQ(r.act, RESUME_NEXT);
    KTEST_EQ(r.r[0], UINT64_MAX);
    queue_input("g\xff", 2);
    r = legacy(0x02, 0, 0);
    KTEST_EQ(r.r[0], 'g');
    r = legacy(0x02, 0, 0);
    KTEST_EQ(r.r[0], 0xff); /* a 0xff byte is not the -1 "no input" */
    r = legacy(0x02, 0, 0);
    KTEST_EQ(r.r[0], UINT64_MAX);

    r = legacy(0x03, 0, 0x5); /* clear_ipi */
    KTEST_EQ(r.act, RESUME_NEXT);
    KTEST_EQ(r.r[0], 0);
    KTEST_EQ(mock.clear_soft_calls, 1);
    KTEST_CHECK(mock.clear_soft_v == &vm.vcpus[0]);

    /* send_ipi and the remote fences take a hart-mask pointer: not supported */
    for (uint64_t eid = 4; eid <= 7; eid++) {
        r = legacy(eid, 0, RAM_GPA);
        KTEST_EQ(r.act, RESUME_NEXT);
        KTEST_EQ(r.r[0], E_NOT_SUPPORTED);
    }
    KTEST_EQ(mock.soft_irq_calls + mock.fence_calls, 0);
    KTEST_EQ(mock.stop_calls, 0);

    /* the FID (a6) means nothing to legacy calls */
    r = legacy(0x01, 0x1234, 'F');
    KTEST_EQ(r.r[0], 0);
    KTEST_CHECK(mock.out_len == 2 && mock.out[1] == 'F');

    r = legacy(0x08, 0, 0); /* shutdown */
    KTEST_EQ(r.act, VM_STOP);
    KTEST_EQ(mock.stop_calls, 1);
    KTEST_CHECK(mock.stop_vm == &vm);
    KTEST_EQ(mock.stop_state, VM_SHUTDOWN);
}

int main(void)
{
    ram = malloc(RAM_SIZE);
    if (!ram)
        return 2;
    KTEST_RUN(test_base_versions);
    KTEST_RUN(test_base_host_ids);
    KTEST_RUN(test_base_probe);
    KTEST_RUN(test_base_unknown_fid);
    KTEST_RUN(test_unknown_eid);
    KTEST_RUN(test_time);
    KTEST_RUN(test_ipi);
    KTEST_RUN(test_rfence_success);
    KTEST_RUN(test_rfence_errors);
    KTEST_RUN(test_hsm_start);
    KTEST_RUN(test_hsm_stop_and_status);
    KTEST_RUN(test_hsm_suspend);
    KTEST_RUN(test_srst);
    KTEST_RUN(test_dbcn_write);
    KTEST_RUN(test_dbcn_read_and_byte);
    KTEST_RUN(test_legacy);
    free(ram);
    return ktest_summary();
}
