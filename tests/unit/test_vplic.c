/* SPDX-License-Identifier: MIT */
/* Host tests of the virtual PLIC: the behaviour Linux's irq-sifive-plic driver relies on. */
#include <keel/vdev/vplic.h>

#include "ktest.h"

#define NDEV 95u /* QEMU virt: riscv,ndev = <95> */

struct harness {
    struct vplic plic;
    bool state[VPLIC_MAX_CONTEXTS]; /* last notified state per context */
    unsigned events;
    uint32_t last_context;
    bool last_pending;
};

static void on_notify(void *ctx, uint32_t context, bool pending)
{
    struct harness *h = ctx;

    KTEST_CHECK(context < h->plic.num_contexts);
    if (context >= VPLIC_MAX_CONTEXTS) {
        return;
    }
    KTEST_CHECK(pending != h->state[context]); /* transitions only */
    h->state[context] = pending;
    h->events++;
    h->last_context = context;
    h->last_pending = pending;
}

static struct harness *setup(uint32_t num_sources, uint32_t num_contexts)
{
    static struct harness h;

    memset(&h, 0, sizeof(h));
    KTEST_EQ(vplic_init(&h.plic, num_sources, num_contexts, on_notify, &h), 0);
    return &h;
}

static uint64_t priority_reg(uint32_t id)
{
    return 4u * (uint64_t)id;
}

static uint64_t pending_reg(uint32_t word)
{
    return 0x1000u + 4u * (uint64_t)word;
}

static uint64_t enable_reg(uint32_t context, uint32_t word)
{
    return 0x2000u + 0x80u * (uint64_t)context + 4u * (uint64_t)word;
}

static uint64_t threshold_reg(uint32_t context)
{
    return 0x200000u + 0x1000u * (uint64_t)context;
}

static uint64_t claim_reg(uint32_t context)
{
    return threshold_reg(context) + 4u;
}

static uint32_t rd(struct harness *h, uint64_t offset)
{
    uint64_t v = 0xdeadbeefcafe;

    KTEST_EQ(vplic_ops.read(&h->plic, offset, 4, &v), MMIO_OK);
    KTEST_CHECK(v <= UINT32_MAX);
    return (uint32_t)v;
}

static void wr(struct harness *h, uint64_t offset, uint32_t value)
{
    KTEST_EQ(vplic_ops.write(&h->plic, offset, 4, value), MMIO_OK);
}

/* Enable one source for one context (read-modify-write, like Linux's plic_toggle). */
static void enable(struct harness *h, uint32_t context, uint32_t id, bool on)
{
    uint64_t reg = enable_reg(context, id / 32);
    uint32_t v = rd(h, reg);

    wr(h, reg, on ? v | (1u << (id % 32)) : v & ~(1u << (id % 32)));
}

/* Accessors for long random runs: they count only failures, not every access. */
static uint32_t quiet_rd(struct harness *h, uint64_t offset)
{
    uint64_t v = 0;

    if (vplic_ops.read(&h->plic, offset, 4, &v) != MMIO_OK || v > UINT32_MAX) {
        KTEST_CHECK(!"vplic read failed");
    }
    return (uint32_t)v;
}

static void quiet_wr(struct harness *h, uint64_t offset, uint32_t value)
{
    if (vplic_ops.write(&h->plic, offset, 4, value) != MMIO_OK) {
        KTEST_CHECK(!"vplic write failed");
    }
}

static void quiet_enable(struct harness *h, uint32_t context, uint32_t id, bool on)
{
    uint64_t reg = enable_reg(context, id / 32);
    uint32_t v = quiet_rd(h, reg);

    quiet_wr(h, reg, on ? v | (1u << (id % 32)) : v & ~(1u << (id % 32)));
}

static void test_init_sizes(void)
{
    static struct vplic p;

    KTEST_EQ(vplic_init(&p, 0, 1, NULL, NULL), -1);
    KTEST_EQ(vplic_init(&p, 1024, 1, NULL, NULL), -1);
    KTEST_EQ(vplic_init(&p, UINT32_MAX, 1, NULL, NULL), -1);
    KTEST_EQ(vplic_init(&p, NDEV, 0, NULL, NULL), -1);
    KTEST_EQ(vplic_init(&p, NDEV, VPLIC_MAX_CONTEXTS + 1, NULL, NULL), -1);
    KTEST_EQ(vplic_init(&p, 1, 1, NULL, NULL), 0);
    KTEST_EQ(vplic_init(&p, 1023, VPLIC_MAX_CONTEXTS, NULL, NULL), 0);

    /* A NULL notify is allowed. */
    KTEST_EQ(vplic_init(&p, NDEV, 1, NULL, NULL), 0);
    KTEST_EQ(vplic_ops.write(&p, priority_reg(1), 4, 1), MMIO_OK);
    KTEST_EQ(vplic_ops.write(&p, enable_reg(0, 0), 4, 2), MMIO_OK);
    vplic_set_level(&p, 1, true);
    KTEST_CHECK(vplic_context_pending(&p, 0));
}

static void test_window_size(void)
{
    KTEST_EQ(vplic_window_size(1), 0x201000);
    KTEST_EQ(vplic_window_size(2), 0x202000);
    KTEST_EQ(vplic_window_size(VPLIC_MAX_CONTEXTS), 0x200000 + 0x1000u * VPLIC_MAX_CONTEXTS);
    KTEST_EQ(vplic_window_size(0), 0);
    KTEST_EQ(vplic_window_size(VPLIC_MAX_CONTEXTS + 1), 0);
    KTEST_EQ(vplic_window_size(UINT32_MAX), 0);
}

static void test_reset_state(void)
{
    struct harness *h = setup(NDEV, 2);

    for (uint32_t id = 0; id <= NDEV; id++) {
        KTEST_EQ(rd(h, priority_reg(id)), 0);
    }
    for (uint32_t w = 0; w < 3; w++) {
        KTEST_EQ(rd(h, pending_reg(w)), 0);
        KTEST_EQ(rd(h, enable_reg(0, w)), 0);
        KTEST_EQ(rd(h, enable_reg(1, w)), 0);
    }
    KTEST_EQ(rd(h, threshold_reg(0)), 0);
    KTEST_EQ(rd(h, claim_reg(0)), 0);
    KTEST_EQ(h->events, 0);
}

static void test_priority_registers(void)
{
    struct harness *h = setup(NDEV, 1);

    for (uint32_t v = 0; v < 16; v++) {
        wr(h, priority_reg(7), v);
        KTEST_EQ(rd(h, priority_reg(7)), v & 7); /* 3 bits, WARL */
    }
    wr(h, priority_reg(7), 0xffffffff);
    KTEST_EQ(rd(h, priority_reg(7)), 7);
    wr(h, priority_reg(0), 5); /* source 0 is reserved */
    KTEST_EQ(rd(h, priority_reg(0)), 0);
    wr(h, priority_reg(NDEV), 3);
    KTEST_EQ(rd(h, priority_reg(NDEV)), 3);
    wr(h, priority_reg(NDEV + 1), 3); /* not implemented */
    KTEST_EQ(rd(h, priority_reg(NDEV + 1)), 0);
    wr(h, priority_reg(1023), 3);
    KTEST_EQ(rd(h, priority_reg(1023)), 0);
}

static void test_threshold_masking(void)
{
    struct harness *h = setup(NDEV, 1);

    wr(h, threshold_reg(0), 0xfffffff9);
    KTEST_EQ(rd(h, threshold_reg(0)), 1);
    enable(h, 0, 10, true);
    vplic_set_level(&h->plic, 10, true);
    KTEST_EQ(h->events, 0); /* priority 0: never delivered */
    wr(h, priority_reg(10), 1);
    KTEST_EQ(h->events, 0); /* priority 1 not above threshold 1 */
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    KTEST_EQ(rd(h, claim_reg(0)), 0);
    wr(h, threshold_reg(0), 0);
    KTEST_CHECK(vplic_context_pending(&h->plic, 0));
    KTEST_EQ(h->events, 1);
    wr(h, threshold_reg(0), 7); /* masks everything */
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    KTEST_EQ(rd(h, claim_reg(0)), 0);
    wr(h, priority_reg(10), 7);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    wr(h, threshold_reg(0), 6);
    KTEST_CHECK(vplic_context_pending(&h->plic, 0));
    KTEST_EQ(rd(h, claim_reg(0)), 10);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    KTEST_EQ(h->events, 4);
}

static void test_claim_order(void)
{
    struct harness *h = setup(NDEV, 1);
    static const uint32_t ids[] = {5, 3, 10, 40, 33, 95, 1};
    static const uint32_t prios[] = {2, 2, 5, 5, 1, 7, 1};
    static const uint32_t expected[] = {95, 10, 40, 3, 5, 1, 33, 0};

    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(ids); i++) {
        wr(h, priority_reg(ids[i]), prios[i]);
        enable(h, 0, ids[i], true);
        vplic_set_level(&h->plic, ids[i], true);
    }
    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(expected); i++) {
        KTEST_EQ(rd(h, claim_reg(0)), expected[i]);
    }
    KTEST_EQ(rd(h, claim_reg(0)), 0); /* nothing left */
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
}

static void test_claim_clears_pending(void)
{
    struct harness *h = setup(NDEV, 1);

    wr(h, priority_reg(33), 1);
    enable(h, 0, 33, true);
    vplic_set_level(&h->plic, 33, true);
    KTEST_EQ(rd(h, pending_reg(1)), 1u << 1);
    KTEST_EQ(rd(h, claim_reg(0)), 33);
    KTEST_EQ(rd(h, pending_reg(1)), 0);
    /* In service: the line staying (or going) high does not re-pend it. */
    vplic_set_level(&h->plic, 33, true);
    vplic_set_level(&h->plic, 33, false);
    vplic_set_level(&h->plic, 33, true);
    KTEST_EQ(rd(h, pending_reg(1)), 0);
    KTEST_EQ(rd(h, claim_reg(0)), 0);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
}

static void test_complete_rearms(void)
{
    struct harness *h = setup(NDEV, 1);

    wr(h, priority_reg(8), 1);
    enable(h, 0, 8, true);
    vplic_set_level(&h->plic, 8, true);
    KTEST_EQ(rd(h, claim_reg(0)), 8);
    KTEST_EQ(h->events, 2);
    wr(h, claim_reg(0), 8); /* line still high: pending again */
    KTEST_EQ(rd(h, pending_reg(0)), 1u << 8);
    KTEST_CHECK(vplic_context_pending(&h->plic, 0));
    KTEST_EQ(h->events, 3);
    KTEST_EQ(rd(h, claim_reg(0)), 8);
    vplic_set_level(&h->plic, 8, false); /* device acked by the handler */
    wr(h, claim_reg(0), 8);
    KTEST_EQ(rd(h, pending_reg(0)), 0);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    KTEST_EQ(h->events, 4);
    /* A second completion, or one of an unclaimed source, changes nothing. */
    wr(h, claim_reg(0), 8);
    vplic_set_level(&h->plic, 8, true);
    KTEST_EQ(rd(h, claim_reg(0)), 8);
    wr(h, claim_reg(0), 9);
    wr(h, claim_reg(0), 0);
    wr(h, claim_reg(0), 0xffffffff);
    KTEST_EQ(rd(h, claim_reg(0)), 0);
    wr(h, claim_reg(0), 8);
    KTEST_EQ(rd(h, claim_reg(0)), 8);
}

/* The complete hook (pass-through interrupts): called once per completion of a source in
   service, before the gateway re-samples the line, so a hook that lowers it stops a re-request. */
static unsigned hook_calls;
static uint32_t hook_source;
static struct harness *hook_harness;
static bool hook_lowers;

static void on_complete(void *ctx, uint32_t source)
{
    KTEST_CHECK(ctx == hook_harness);
    hook_calls++;
    hook_source = source;
    if (hook_lowers)
        vplic_set_level(&hook_harness->plic, source, false);
}

static void test_complete_hook(void)
{
    struct harness *h = setup(NDEV, 2);
    hook_harness = h;
    hook_calls = 0;
    hook_lowers = true;
    vplic_set_complete_hook(&h->plic, on_complete);
    wr(h, priority_reg(12), 1);
    enable(h, 1, 12, true);
    vplic_set_level(&h->plic, 12, true);
    wr(h, claim_reg(1), 12); /* not in service yet: ignored, no hook */
    KTEST_EQ(hook_calls, 0);
    KTEST_EQ(rd(h, claim_reg(1)), 12);
    wr(h, claim_reg(1), 13); /* another source: no hook */
    KTEST_EQ(hook_calls, 0);
    wr(h, claim_reg(1), 12);
    KTEST_EQ(hook_calls, 1);
    KTEST_EQ(hook_source, 12);
    /* the hook lowered the line before the gateway looked: no new request */
    KTEST_EQ(rd(h, pending_reg(0)), 0);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 1));
    wr(h, claim_reg(1), 12); /* a second completion: not in service, no hook */
    KTEST_EQ(hook_calls, 1);
    /* a hook that leaves the line high: the gateway forwards a new request, as without a hook */
    hook_lowers = false;
    vplic_set_level(&h->plic, 12, true);
    KTEST_EQ(rd(h, claim_reg(1)), 12);
    wr(h, claim_reg(1), 12);
    KTEST_EQ(hook_calls, 2);
    KTEST_EQ(rd(h, pending_reg(0)), 1u << 12);
    /* vplic_init detaches it */
    KTEST_EQ(vplic_init(&h->plic, NDEV, 2, on_notify, h), 0);
    memset(h->state, 0, sizeof(h->state));
    wr(h, priority_reg(12), 1);
    enable(h, 1, 12, true);
    vplic_set_level(&h->plic, 12, true);
    KTEST_EQ(rd(h, claim_reg(1)), 12);
    wr(h, claim_reg(1), 12);
    KTEST_EQ(hook_calls, 2);
}

static void test_complete_requires_enable(void)
{
    struct harness *h = setup(NDEV, 2);

    wr(h, priority_reg(4), 1);
    enable(h, 0, 4, true);
    vplic_set_level(&h->plic, 4, true);
    KTEST_EQ(rd(h, claim_reg(0)), 4);
    /* Completion through a context the source is not enabled for is ignored. */
    wr(h, claim_reg(1), 4);
    KTEST_EQ(rd(h, pending_reg(0)), 0);
    /* Linux's plic_irq_eoi for a disabled irq: enable, complete, disable. */
    enable(h, 0, 4, false);
    wr(h, claim_reg(0), 4);
    KTEST_EQ(rd(h, pending_reg(0)), 0); /* ignored: still in service */
    enable(h, 0, 4, true);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    wr(h, claim_reg(0), 4);
    KTEST_EQ(rd(h, pending_reg(0)), 1u << 4);
    enable(h, 0, 4, false);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    KTEST_EQ(rd(h, claim_reg(0)), 0);
}

static void test_enable_per_context(void)
{
    struct harness *h = setup(NDEV, 3);

    wr(h, priority_reg(20), 1);
    wr(h, priority_reg(21), 1);
    enable(h, 1, 20, true);
    enable(h, 2, 20, true);
    enable(h, 2, 21, true);
    vplic_set_level(&h->plic, 20, true);
    vplic_set_level(&h->plic, 21, true);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    KTEST_CHECK(vplic_context_pending(&h->plic, 1));
    KTEST_CHECK(vplic_context_pending(&h->plic, 2));
    KTEST_EQ(rd(h, claim_reg(0)), 0);
    KTEST_EQ(rd(h, claim_reg(1)), 20);
    /* Claimed by context 1: gone for context 2 as well. */
    KTEST_CHECK(!vplic_context_pending(&h->plic, 1));
    KTEST_CHECK(vplic_context_pending(&h->plic, 2));
    KTEST_EQ(rd(h, claim_reg(2)), 21);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 2));
    KTEST_EQ(rd(h, enable_reg(2, 0)), (1u << 20) | (1u << 21));
    KTEST_EQ(rd(h, enable_reg(1, 0)), 1u << 20);
    KTEST_EQ(rd(h, enable_reg(0, 0)), 0);
    /* Completion by context 2 re-pends 20 for both contexts that enable it. */
    wr(h, claim_reg(2), 20);
    KTEST_CHECK(vplic_context_pending(&h->plic, 1));
    KTEST_CHECK(vplic_context_pending(&h->plic, 2));
}

static void test_notify_transitions(void)
{
    struct harness *h = setup(NDEV, 2);

    wr(h, priority_reg(2), 3);
    wr(h, priority_reg(3), 2);
    KTEST_EQ(h->events, 0);
    enable(h, 1, 2, true);
    enable(h, 1, 3, true);
    KTEST_EQ(h->events, 0);
    vplic_set_level(&h->plic, 2, true);
    KTEST_EQ(h->events, 1);
    KTEST_EQ(h->last_context, 1);
    KTEST_CHECK(h->last_pending);
    vplic_set_level(&h->plic, 3, true); /* already pending: no event */
    KTEST_EQ(h->events, 1);
    KTEST_EQ(rd(h, claim_reg(1)), 2); /* 3 still claimable */
    KTEST_EQ(h->events, 1);
    KTEST_EQ(rd(h, claim_reg(1)), 3);
    KTEST_EQ(h->events, 2);
    KTEST_CHECK(!h->last_pending);
    KTEST_EQ(rd(h, claim_reg(1)), 0);
    KTEST_EQ(h->events, 2);
    wr(h, claim_reg(1), 3);
    KTEST_EQ(h->events, 3);
    KTEST_CHECK(h->last_pending);
    /* Raising the threshold above the pending source's priority drops the output. */
    wr(h, threshold_reg(1), 2);
    KTEST_EQ(h->events, 4);
    KTEST_CHECK(!h->last_pending);
    wr(h, priority_reg(3), 4);
    KTEST_EQ(h->events, 5);
    KTEST_CHECK(h->last_pending);
    wr(h, priority_reg(3), 0);
    KTEST_EQ(h->events, 6);
    KTEST_CHECK(!h->last_pending);
    wr(h, priority_reg(3), 3);
    KTEST_EQ(h->events, 7);
    enable(h, 1, 3, false);
    KTEST_EQ(h->events, 8);
    KTEST_CHECK(!h->last_pending);
    enable(h, 1, 3, true);
    KTEST_EQ(h->events, 9);
    vplic_set_level(&h->plic, 3, false); /* withdrawn before the claim */
    KTEST_EQ(h->events, 10);
    KTEST_CHECK(!h->last_pending);
    KTEST_CHECK(!h->state[0]); /* context 0 never had anything */
}

static void test_level_drop_withdraws(void)
{
    struct harness *h = setup(NDEV, 1);

    wr(h, priority_reg(6), 1);
    enable(h, 0, 6, true);
    vplic_set_level(&h->plic, 6, true);
    KTEST_EQ(rd(h, pending_reg(0)), 1u << 6);
    vplic_set_level(&h->plic, 6, false);
    KTEST_EQ(rd(h, pending_reg(0)), 0);
    KTEST_EQ(rd(h, claim_reg(0)), 0);
    /* A source that is disabled still latches its pending bit. */
    enable(h, 0, 6, false);
    vplic_set_level(&h->plic, 6, true);
    KTEST_EQ(rd(h, pending_reg(0)), 1u << 6);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
    enable(h, 0, 6, true);
    KTEST_CHECK(vplic_context_pending(&h->plic, 0));
}

static void test_pending_register(void)
{
    struct harness *h = setup(NDEV, 1);

    vplic_set_level(&h->plic, 1, true);
    vplic_set_level(&h->plic, 31, true);
    vplic_set_level(&h->plic, 32, true);
    vplic_set_level(&h->plic, 64, true);
    vplic_set_level(&h->plic, 95, true);
    KTEST_EQ(rd(h, pending_reg(0)), 0x80000002u);
    KTEST_EQ(rd(h, pending_reg(1)), 0x00000001u);
    KTEST_EQ(rd(h, pending_reg(2)), 0x80000001u);
    KTEST_EQ(rd(h, pending_reg(3)), 0);
    KTEST_EQ(rd(h, pending_reg(31)), 0);
    /* The pending array is read-only. */
    wr(h, pending_reg(0), 0);
    wr(h, pending_reg(1), 0xffffffff);
    wr(h, pending_reg(3), 0xffffffff);
    KTEST_EQ(rd(h, pending_reg(0)), 0x80000002u);
    KTEST_EQ(rd(h, pending_reg(1)), 0x00000001u);
    KTEST_EQ(rd(h, pending_reg(3)), 0);
    vplic_set_level(&h->plic, 31, false);
    KTEST_EQ(rd(h, pending_reg(0)), 0x00000002u);
}

static void test_enable_bits_masked(void)
{
    struct harness *h = setup(NDEV, 1);

    wr(h, enable_reg(0, 0), 0xffffffff);
    KTEST_EQ(rd(h, enable_reg(0, 0)), 0xfffffffe); /* source 0 does not exist */
    wr(h, enable_reg(0, 2), 0xffffffff);
    KTEST_EQ(rd(h, enable_reg(0, 2)), 0xffffffff); /* IDs 64..95 */
    wr(h, enable_reg(0, 3), 0xffffffff);
    KTEST_EQ(rd(h, enable_reg(0, 3)), 0);
    wr(h, enable_reg(0, 31), 0xffffffff);
    KTEST_EQ(rd(h, enable_reg(0, 31)), 0);

    h = setup(40, 1); /* IDs 1..40: word 1 implements bits 0..8 */
    wr(h, enable_reg(0, 1), 0xffffffff);
    KTEST_EQ(rd(h, enable_reg(0, 1)), 0x1ff);
}

static void test_bad_access(void)
{
    struct harness *h = setup(NDEV, 2);
    static const uint32_t widths[] = {0, 1, 2, 3, 8, 16};
    static const uint64_t offsets[] = {0x4, 0x1000, 0x2000, 0x200000, 0x200004, 0x201004};
    uint64_t v;

    wr(h, priority_reg(1), 1);
    enable(h, 0, 1, true);
    vplic_set_level(&h->plic, 1, true);
    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(widths); i++) {
        for (unsigned j = 0; j < KEEL_ARRAY_SIZE(offsets); j++) {
            KTEST_EQ(vplic_ops.read(&h->plic, offsets[j], widths[i], &v), MMIO_BAD_ACCESS);
            KTEST_EQ(vplic_ops.write(&h->plic, offsets[j], widths[i], 0), MMIO_BAD_ACCESS);
        }
    }
    /* Misaligned 4-byte accesses. */
    for (uint64_t off = 1; off < 4; off++) {
        KTEST_EQ(vplic_ops.read(&h->plic, 0x200004 + off, 4, &v), MMIO_BAD_ACCESS);
        KTEST_EQ(vplic_ops.write(&h->plic, 0x200004 + off, 4, 1), MMIO_BAD_ACCESS);
    }
    /* Beyond the architectural 64 MiB map. */
    KTEST_EQ(vplic_ops.read(&h->plic, 0x4000000, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vplic_ops.write(&h->plic, 0x4000000, 4, 1), MMIO_BAD_ACCESS);
    KTEST_EQ(vplic_ops.read(&h->plic, UINT64_MAX - 3, 4, &v), MMIO_BAD_ACCESS);
    /* None of that claimed or changed anything. */
    KTEST_EQ(rd(h, priority_reg(1)), 1);
    KTEST_EQ(rd(h, pending_reg(0)), 2);
    KTEST_EQ(rd(h, claim_reg(0)), 1);
}

static void test_out_of_range(void)
{
    struct harness *h = setup(NDEV, 2);
    static const uint32_t bad_sources[] = {0, NDEV + 1, 1023, 1024, 5000, UINT32_MAX};

    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(bad_sources); i++) {
        vplic_set_level(&h->plic, bad_sources[i], true);
        vplic_set_level(&h->plic, bad_sources[i], false);
        vplic_set_level(&h->plic, bad_sources[i], true);
    }
    for (uint32_t w = 0; w < 32; w++) {
        KTEST_EQ(rd(h, pending_reg(w)), 0);
    }
    KTEST_EQ(h->events, 0);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 2));
    KTEST_CHECK(!vplic_context_pending(&h->plic, VPLIC_MAX_CONTEXTS));
    KTEST_CHECK(!vplic_context_pending(&h->plic, UINT32_MAX));

    /* Contexts 2.. exist in the map but not in this instance: RAZ/WI, claim returns 0. */
    wr(h, priority_reg(5), 1);
    vplic_set_level(&h->plic, 5, true);
    static const uint32_t bad_contexts[] = {2, 3, VPLIC_MAX_CONTEXTS, 15871};
    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(bad_contexts); i++) {
        uint32_t c = bad_contexts[i];

        wr(h, enable_reg(c, 0), 0xffffffff);
        KTEST_EQ(rd(h, enable_reg(c, 0)), 0);
        wr(h, threshold_reg(c), 0);
        KTEST_EQ(rd(h, threshold_reg(c)), 0);
        KTEST_EQ(rd(h, claim_reg(c)), 0);
        wr(h, claim_reg(c), 5);
    }
    KTEST_EQ(rd(h, pending_reg(0)), 1u << 5);
    KTEST_EQ(h->events, 0);

    /* Reserved gaps read zero and ignore writes. */
    static const uint64_t gaps[] = {0x1080, 0x1ffc, 0x1f2000, 0x1ffffc, 0x200008, 0x200ffc,
                                    0x3fffffc};
    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(gaps); i++) {
        wr(h, gaps[i], 0xffffffff);
        KTEST_EQ(rd(h, gaps[i]), 0);
    }
    /* Enable words past the implemented sources inside a context's 0x80 block. */
    wr(h, enable_reg(0, 5), 0xffffffff);
    KTEST_EQ(rd(h, enable_reg(0, 5)), 0);
    KTEST_EQ(rd(h, pending_reg(0)), 1u << 5);
    KTEST_EQ(h->events, 0);
}

static void test_every_source(void)
{
    struct harness *h = setup(VPLIC_MAX_SOURCES, 1);

    for (uint32_t id = 1; id <= VPLIC_MAX_SOURCES; id++) {
        wr(h, priority_reg(id), 1 + id % 7);
        enable(h, 0, id, true);
    }
    for (uint32_t id = 1; id <= VPLIC_MAX_SOURCES; id++) {
        vplic_set_level(&h->plic, id, true);
        KTEST_EQ(rd(h, claim_reg(0)), id);
        vplic_set_level(&h->plic, id, false);
        wr(h, claim_reg(0), id);
    }
    KTEST_EQ(rd(h, claim_reg(0)), 0);
    /* All at once: 7s first in ID order, then 6s, ... */
    for (uint32_t id = 1; id <= VPLIC_MAX_SOURCES; id++) {
        vplic_set_level(&h->plic, id, true);
    }
    uint32_t last_prio = 8, last_id = 0, count = 0;
    for (uint32_t id; (id = rd(h, claim_reg(0))) != 0; count++) {
        uint32_t prio = 1 + id % 7;

        KTEST_CHECK(prio < last_prio || (prio == last_prio && id > last_id));
        last_prio = prio;
        last_id = id;
        if (count > VPLIC_MAX_SOURCES) {
            break;
        }
    }
    KTEST_EQ(count, VPLIC_MAX_SOURCES);
    KTEST_CHECK(!vplic_context_pending(&h->plic, 0));
}

/* Independent reference model of the same semantics, one bool per bit. */
struct reference {
    uint32_t num_sources, num_contexts;
    bool level[1024], pending[1024], claimed[1024];
    uint32_t prio[1024];
    bool en[8][1024];
    uint32_t thr[8];
};

static uint32_t ref_best(const struct reference *r, uint32_t c)
{
    uint32_t best = 0, bp = r->thr[c];

    for (uint32_t id = 1; id <= r->num_sources; id++) {
        if (r->pending[id] && r->en[c][id] && r->prio[id] > bp) {
            best = id;
            bp = r->prio[id];
        }
    }
    return best;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void run_random(uint32_t num_sources, uint32_t num_contexts, uint64_t seed)
{
    struct harness *h = setup(num_sources, num_contexts);
    static struct reference r;
    unsigned mismatches = 0;

    memset(&r, 0, sizeof(r));
    r.num_sources = num_sources;
    r.num_contexts = num_contexts;
    for (unsigned step = 0; step < 100000 && mismatches == 0; step++) {
        uint64_t x = rng_next(&seed);
        uint32_t id = (uint32_t)(x >> 8) % (num_sources + 3); /* some out of range */
        uint32_t c = (uint32_t)(x >> 24) % (num_contexts + 1);
        uint32_t val = (uint32_t)(x >> 32);
        bool valid_id = id >= 1 && id <= num_sources;
        bool valid_c = c < num_contexts;

        switch (x & 7) {
        case 0:
        case 1:
            vplic_set_level(&h->plic, id, (x >> 40) & 1);
            if (valid_id) {
                r.level[id] = (x >> 40) & 1;
                if (r.level[id]) {
                    r.pending[id] = r.pending[id] || !r.claimed[id];
                } else {
                    r.pending[id] = false;
                }
            }
            break;
        case 2:
            quiet_wr(h, priority_reg(id), val);
            if (valid_id) {
                r.prio[id] = val & 7;
            }
            break;
        case 3:
            if (id >= 1024) {
                break; /* would address the next context's enable block */
            }
            quiet_enable(h, c, id, (x >> 40) & 1);
            if (valid_id && valid_c) {
                r.en[c][id] = (x >> 40) & 1;
            }
            break;
        case 4:
            if ((x >> 41) % 8 == 0) {
                quiet_wr(h, threshold_reg(c), val);
                if (valid_c) {
                    r.thr[c] = val & 7;
                }
            }
            break;
        case 5: {
            uint32_t got = quiet_rd(h, claim_reg(c));
            uint32_t want = valid_c ? ref_best(&r, c) : 0;

            if (want != 0) {
                r.pending[want] = false;
                r.claimed[want] = true;
            }
            if (got != want) {
                KTEST_EQ(got, want);
                mismatches++;
            }
            break;
        }
        case 6:
            quiet_wr(h, claim_reg(c), id);
            if (valid_id && valid_c && r.en[c][id] && r.claimed[id]) {
                r.claimed[id] = false;
                r.pending[id] = r.level[id];
            }
            break;
        default: {
            uint32_t w = (uint32_t)(x >> 8) % 33;
            uint32_t want = 0;

            for (uint32_t b = 0; b < 32 && w < 32; b++) {
                want |= (uint32_t)r.pending[w * 32 + b] << b;
            }
            uint32_t got = quiet_rd(h, pending_reg(w));

            if (got != want) {
                KTEST_EQ(got, want);
                mismatches++;
            }
            break;
        }
        }
        for (uint32_t ci = 0; ci < num_contexts; ci++) {
            bool want = ref_best(&r, ci) != 0;

            if (vplic_context_pending(&h->plic, ci) != want || h->state[ci] != want) {
                KTEST_CHECK(vplic_context_pending(&h->plic, ci) == want);
                KTEST_CHECK(h->state[ci] == want);
                mismatches++;
                break;
            }
        }
    }
    KTEST_EQ(mismatches, 0);
}

/*
 * read_unlocked never changes the model and agrees with read whenever it answers: priorities,
 * enables, thresholds and the empty space; pending words and claims need the lock.
 */
static void test_read_unlocked(void)
{
    struct harness *h = setup(NDEV, 3);
    static struct vplic before, locked;
    static const uint64_t offsets[] = { 0, 4, 4 * NDEV, 4 * (NDEV + 1), 0xffc, 0x1000, 0x1008,
                                        0x107c, 0x1080, 0x1ffc, 0x2000, 0x2008, 0x2080, 0x2100,
                                        0x217c, 0x2180, 0x1ffffc, 0x200000, 0x200004, 0x200008,
                                        0x201000, 0x202004, 0x203000, 0x203004, 0x3ffffffc };
    uint64_t v = 0;

    wr(h, priority_reg(1), 5);
    wr(h, priority_reg(NDEV), 7);
    wr(h, enable_reg(0, 0), 0xfffffffe);
    wr(h, enable_reg(2, 2), 0x80000001);
    wr(h, threshold_reg(1), 3);
    vplic_set_level(&h->plic, 1, true);
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        for (uint32_t width = 1; width <= 8; width *= 2) {
            for (uint64_t skew = 0; skew < 4; skew += (width == 4 ? 1 : 4)) {
                uint64_t off = offsets[i] + skew, got = 0x5a5a, want = 0xa5a5;
                enum mmio_status st;

                memcpy(&before, &h->plic, sizeof(before));
                st = vplic_ops.read_unlocked(&h->plic, off, width, &got);
                KTEST_EQ(memcmp(&before, &h->plic, sizeof(before)), 0);
                if (st == MMIO_NEEDS_LOCK) {
                    KTEST_EQ(got, 0x5a5a);
                    KTEST_CHECK((off >= 0x1000 && off < 0x1080) || (off >= 0x200000 && off % 0x1000 == 4));
                    continue;
                }
                memcpy(&locked, &h->plic, sizeof(locked));
                KTEST_EQ(st, vplic_ops.read(&locked, off, width, &want));
                if (st == MMIO_OK) {
                    KTEST_EQ(got, want);
                }
            }
        }
    }
    KTEST_EQ(vplic_ops.read_unlocked(&h->plic, priority_reg(1), 4, &v), MMIO_OK);
    KTEST_EQ(v, 5);
    KTEST_EQ(vplic_ops.read_unlocked(&h->plic, enable_reg(0, 0), 4, &v), MMIO_OK);
    KTEST_EQ(v, 0xfffffffe);
    KTEST_EQ(vplic_ops.read_unlocked(&h->plic, enable_reg(2, 2), 4, &v), MMIO_OK);
    KTEST_EQ(v, 0x80000001);
    KTEST_EQ(vplic_ops.read_unlocked(&h->plic, threshold_reg(1), 4, &v), MMIO_OK);
    KTEST_EQ(v, 3);
    KTEST_EQ(vplic_ops.read_unlocked(&h->plic, claim_reg(0), 4, &v), MMIO_NEEDS_LOCK);
    KTEST_EQ(vplic_ops.read_unlocked(&h->plic, pending_reg(0), 4, &v), MMIO_NEEDS_LOCK);
    KTEST_EQ(rd(h, claim_reg(0)), 1); /* the locked read still claims */
}

static void test_random_against_reference(void)
{
    run_random(NDEV, 4, 0x243f6a8885a308d3u);
    run_random(31, 2, 0x13198a2e03707344u);
    run_random(VPLIC_MAX_SOURCES, 3, 0xa4093822299f31d0u);
    run_random(3, 8, 0x082efa98ec4e6c89u);
}

int main(void)
{
    KTEST_RUN(test_init_sizes);
    KTEST_RUN(test_window_size);
    KTEST_RUN(test_reset_state);
    KTEST_RUN(test_priority_registers);
    KTEST_RUN(test_threshold_masking);
    KTEST_RUN(test_claim_order);
    KTEST_RUN(test_claim_clears_pending);
    KTEST_RUN(test_complete_rearms);
    KTEST_RUN(test_complete_hook);
    KTEST_RUN(test_complete_requires_enable);
    KTEST_RUN(test_enable_per_context);
    KTEST_RUN(test_notify_transitions);
    KTEST_RUN(test_level_drop_withdraws);
    KTEST_RUN(test_pending_register);
    KTEST_RUN(test_enable_bits_masked);
    KTEST_RUN(test_bad_access);
    KTEST_RUN(test_out_of_range);
    KTEST_RUN(test_every_source);
    KTEST_RUN(test_read_unlocked);
    KTEST_RUN(test_random_against_reference);
    return ktest_summary();
}
