/* SPDX-License-Identifier: MIT */
/*
 * Virtual PLIC (RISC-V PLIC specification / SiFive PLIC as in QEMU virt). See
 * <keel/vdev/vplic.h> for the register map and the model's choices.
 *
 * Invariants: pending and claimed are disjoint and hold only IDs 1..num_sources; enable
 * words hold only implemented IDs; context[i].claimable == (claim by i would return
 * non-zero) for every i < num_contexts, and notify has been told every change of it.
 */
#include <keel/types.h>
#include <keel/vdev.h>
#include <keel/vdev/vplic.h>

_Static_assert(VPLIC_WORDS * 32u == VPLIC_MAX_SOURCES + 1u, "bitmap covers IDs 0..1023");

/* Priorities, enable words and thresholds are read without the lock too (vplic_read_unlocked):
   every store to them goes through set_u8/set_u32, the unlocked loads through get_u8/get_u32. */
static void set_u8(uint8_t *field, uint8_t value)
{
    __atomic_store_n(field, value, __ATOMIC_RELAXED);
}

static uint8_t get_u8(const uint8_t *field)
{
    return __atomic_load_n(field, __ATOMIC_RELAXED);
}

static void set_u32(uint32_t *field, uint32_t value)
{
    __atomic_store_n(field, value, __ATOMIC_RELAXED);
}

static uint32_t get_u32(const uint32_t *field)
{
    return __atomic_load_n(field, __ATOMIC_RELAXED);
}

static uint32_t word_of(uint32_t id)
{
    return id >> 5;
}

static uint32_t bit_of(uint32_t id)
{
    return 1u << (id & 31u);
}

/* Index of the lowest set bit of x (x != 0), without libgcc helpers (de Bruijn). */
static uint32_t lowest_bit_index(uint32_t x)
{
    static const uint8_t index[32] = {
        0,  1,  28, 2,  29, 14, 24, 3,  30, 22, 20, 15, 25, 17, 4,  8,
        31, 27, 13, 23, 21, 19, 16, 7,  26, 12, 18, 6,  11, 5,  10, 9,
    };

    return index[((x & (~x + 1u)) * 0x077cb531u) >> 27];
}

/*
 * The source a claim by `c` would return: highest priority above the threshold among
 * pending enabled sources, ties to the lowest ID; 0 if none. With `any`, return the first
 * eligible source found (enough to answer "is anything claimable").
 */
static uint32_t best_source(const struct vplic *p, uint32_t ci, bool any)
{
    uint32_t best = 0;
    uint32_t best_prio = p->context[ci].threshold;

    for (uint32_t w = 0; w < p->num_words; w++) {
        uint32_t cand = p->pending[w] & p->enable[ci][w];

        while (cand != 0) {
            uint32_t id = (w << 5) | lowest_bit_index(cand);
            uint32_t prio = p->priority[id];

            cand &= cand - 1u;
            if (prio > best_prio) {
                best = id;
                best_prio = prio;
                if (any || prio == VPLIC_PRIORITY_MASK) {
                    return best; /* nothing later can beat it: later IDs lose ties */
                }
            }
        }
    }
    return best;
}

static void set_claimable(struct vplic *p, uint32_t ci, bool claimable)
{
    struct vplic_context *c = &p->context[ci];

    if (c->claimable != claimable) {
        c->claimable = claimable;
        if (p->notify != NULL) {
            p->notify(p->ctx, ci, claimable);
        }
    }
}

static void refresh_context(struct vplic *p, uint32_t ci)
{
    set_claimable(p, ci, best_source(p, ci, true) != 0);
}

/* `id` just became pending: contexts it is eligible for now have something to claim. */
static void source_raised(struct vplic *p, uint32_t id)
{
    uint32_t w = word_of(id), b = bit_of(id), prio = p->priority[id];

    for (uint32_t ci = 0; ci < p->num_contexts; ci++) {
        const struct vplic_context *c = &p->context[ci];

        if (!c->claimable && (p->enable[ci][w] & b) && prio > c->threshold) {
            set_claimable(p, ci, true);
        }
    }
}

/* `id` just stopped being pending: rescan the contexts it may have been keeping busy. */
static void source_lowered(struct vplic *p, uint32_t id)
{
    uint32_t w = word_of(id), b = bit_of(id), prio = p->priority[id];

    for (uint32_t ci = 0; ci < p->num_contexts; ci++) {
        const struct vplic_context *c = &p->context[ci];

        if (c->claimable && (p->enable[ci][w] & b) && prio > c->threshold) {
            refresh_context(p, ci);
        }
    }
}

int vplic_init(struct vplic *p, uint32_t num_sources, uint32_t num_contexts,
               void (*notify)(void *ctx, uint32_t context, bool pending), void *ctx)
{
    uint32_t implemented_ids;

    if (num_sources < 1 || num_sources > VPLIC_MAX_SOURCES || num_contexts < 1 ||
        num_contexts > VPLIC_MAX_CONTEXTS) {
        return -1;
    }
    implemented_ids = num_sources + 1u; /* including reserved ID 0 */
    p->num_sources = num_sources;
    p->num_contexts = num_contexts;
    p->num_words = (implemented_ids + 31u) / 32u;
    p->last_word_mask = (implemented_ids % 32u) ? bit_of(implemented_ids) - 1u : ~0u;
    p->notify = notify;
    p->completed = NULL;
    p->ctx = ctx;
    for (uint32_t w = 0; w < VPLIC_WORDS; w++) {
        p->level[w] = 0;
        p->pending[w] = 0;
        p->claimed[w] = 0;
    }
    for (uint32_t id = 0; id <= VPLIC_MAX_SOURCES; id++) {
        set_u8(&p->priority[id], 0);
    }
    for (uint32_t ci = 0; ci < VPLIC_MAX_CONTEXTS; ci++) {
        for (uint32_t w = 0; w < VPLIC_WORDS; w++) {
            set_u32(&p->enable[ci][w], 0);
        }
        set_u32(&p->context[ci].threshold, 0);
        p->context[ci].claimable = false;
    }
    return 0;
}

void vplic_set_level(struct vplic *p, uint32_t source, bool level)
{
    uint32_t w, b;

    if (source == 0 || source > p->num_sources) {
        return;
    }
    w = word_of(source);
    b = bit_of(source);
    if (level) {
        p->level[w] |= b;
        if (!(p->claimed[w] & b) && !(p->pending[w] & b)) {
            p->pending[w] |= b;
            source_raised(p, source);
        }
    } else {
        p->level[w] &= ~b;
        if (p->pending[w] & b) {
            p->pending[w] &= ~b; /* request withdrawn before it was claimed */
            source_lowered(p, source);
        }
    }
}

void vplic_set_complete_hook(struct vplic *p, void (*completed)(void *ctx, uint32_t source))
{
    p->completed = completed;
}

bool vplic_context_pending(const struct vplic *p, uint32_t context)
{
    return context < p->num_contexts && p->context[context].claimable;
}

uint64_t vplic_window_size(uint32_t num_contexts)
{
    if (num_contexts < 1 || num_contexts > VPLIC_MAX_CONTEXTS) {
        return 0;
    }
    return VPLIC_CONTEXT_BASE + (uint64_t)VPLIC_CONTEXT_STRIDE * num_contexts;
}

/* PLIC spec "Interrupt Claim Process". */
static uint32_t claim(struct vplic *p, uint32_t ci)
{
    uint32_t id = best_source(p, ci, false);
    uint32_t w = word_of(id), b = bit_of(id);

    if (id == 0) {
        return 0;
    }
    p->pending[w] &= ~b;
    p->claimed[w] |= b;
    source_lowered(p, id);
    return id;
}

/* PLIC spec "Interrupt Completion". */
static void complete(struct vplic *p, uint32_t ci, uint32_t id)
{
    uint32_t w, b;

    if (id == 0 || id > p->num_sources) {
        return;
    }
    w = word_of(id);
    b = bit_of(id);
    if (!(p->enable[ci][w] & b) || !(p->claimed[w] & b)) {
        return; /* not enabled for this context, or not in service: ignored */
    }
    p->claimed[w] &= ~b;
    if (p->completed) {
        p->completed(p->ctx, id);
    }
    if (p->level[w] & b) {
        p->pending[w] |= b; /* line still high: the gateway forwards a new request */
        source_raised(p, id);
    }
}

static void write_priority(struct vplic *p, uint32_t id, uint32_t value)
{
    uint32_t w = word_of(id), b = bit_of(id);
    uint8_t prio = (uint8_t)(value & VPLIC_PRIORITY_MASK);

    if (id == 0 || id > p->num_sources || p->priority[id] == prio) {
        return;
    }
    set_u8(&p->priority[id], prio);
    if (!(p->pending[w] & b)) {
        return;
    }
    for (uint32_t ci = 0; ci < p->num_contexts; ci++) {
        if (p->enable[ci][w] & b) {
            refresh_context(p, ci);
        }
    }
}

static void write_enable(struct vplic *p, uint32_t ci, uint32_t w, uint32_t value)
{
    uint32_t mask = ~0u;

    if (ci >= p->num_contexts || w >= p->num_words) {
        return;
    }
    if (w == 0) {
        mask &= ~1u; /* source 0 does not exist */
    }
    if (w == p->num_words - 1u) {
        mask &= p->last_word_mask;
    }
    if (p->enable[ci][w] != (value & mask)) {
        set_u32(&p->enable[ci][w], value & mask);
        refresh_context(p, ci);
    }
}

/*
 * Priorities, enable words and thresholds (and the reserved and unimplemented space, zero)
 * are also read without the caller's lock: each is one field that the locked paths change
 * with one atomic store (set_u8/set_u32), loaded once here, so the value is one the register
 * held in the model's order of updates, the same a locked read would have returned at some
 * instant between the guest's trap and its return. The pending array (updated by
 * read-modify-writes all over the model) and claim (a side effect) take the lock.
 */
static enum mmio_status vplic_read_unlocked(const void *dev, uint64_t offset, uint32_t width,
                                            uint64_t *value)
{
    const struct vplic *p = dev;
    uint64_t enable_rel = offset - VPLIC_ENABLE_BASE;
    uint32_t v = 0;

    if (width != 4 || (offset & 3u) != 0) {
        return MMIO_BAD_ACCESS;
    }
    if (enable_rel < VPLIC_CONTEXT_BASE - VPLIC_ENABLE_BASE) {
        /* the enable words first (Linux reads one on every mask/unmask): enable[] has the
           register layout, so the word is at byte enable_rel; words past num_words are
           never set and read 0 */
        if (enable_rel / VPLIC_ENABLE_STRIDE < p->num_contexts) {
            v = get_u32((const uint32_t *)((uintptr_t)p->enable + enable_rel));
        }
    } else if (offset < VPLIC_PENDING_BASE) {
        uint32_t id = (uint32_t)(offset >> 2);

        v = id <= p->num_sources ? get_u8(&p->priority[id]) : 0; /* priority[0] stays 0 */
    } else if (offset < VPLIC_PENDING_END) {
        return MMIO_NEEDS_LOCK;
    } else if (offset >= VPLIC_ARCH_WINDOW_SIZE) {
        return MMIO_BAD_ACCESS;
    } else if (offset >= VPLIC_CONTEXT_BASE) {
        uint64_t rel = offset - VPLIC_CONTEXT_BASE;
        uint64_t ci = rel / VPLIC_CONTEXT_STRIDE;
        uint64_t reg = rel % VPLIC_CONTEXT_STRIDE;

        if (ci < p->num_contexts) {
            if (reg == VPLIC_CONTEXT_THRESHOLD) {
                v = get_u32(&p->context[ci].threshold);
            } else if (reg == VPLIC_CONTEXT_CLAIM) {
                return MMIO_NEEDS_LOCK;
            }
        }
    } /* else reserved space between the pending array and the enables: 0 */
    *value = v;
    return MMIO_OK;
}

static enum mmio_status vplic_read(void *dev, uint64_t offset, uint32_t width, uint64_t *value)
{
    struct vplic *p = dev;
    enum mmio_status st = vplic_read_unlocked(p, offset, width, value);

    if (st != MMIO_NEEDS_LOCK) {
        return st;
    }
    if (offset < VPLIC_PENDING_END) {
        uint32_t w = (uint32_t)((offset - VPLIC_PENDING_BASE) >> 2);

        *value = w < p->num_words ? p->pending[w] : 0;
    } else { /* a context's claim register */
        *value = claim(p, (uint32_t)((offset - VPLIC_CONTEXT_BASE) / VPLIC_CONTEXT_STRIDE));
    }
    return MMIO_OK;
}

static enum mmio_status vplic_write(void *dev, uint64_t offset, uint32_t width, uint64_t value)
{
    struct vplic *p = dev;
    uint32_t v = (uint32_t)value;

    if (width != 4 || (offset & 3u) != 0 || offset >= VPLIC_ARCH_WINDOW_SIZE) {
        return MMIO_BAD_ACCESS;
    }
    if (offset < VPLIC_PENDING_BASE) {
        write_priority(p, (uint32_t)(offset >> 2), v);
    } else if (offset < VPLIC_ENABLE_BASE) {
        /* pending array (read-only) and reserved space: ignored */
    } else if (offset < VPLIC_CONTEXT_BASE) {
        uint64_t rel = offset - VPLIC_ENABLE_BASE;
        uint64_t ci = rel / VPLIC_ENABLE_STRIDE;

        if (ci < p->num_contexts) {
            write_enable(p, (uint32_t)ci, (uint32_t)((rel % VPLIC_ENABLE_STRIDE) >> 2), v);
        }
    } else {
        uint64_t rel = offset - VPLIC_CONTEXT_BASE;
        uint64_t ci = rel / VPLIC_CONTEXT_STRIDE;
        uint64_t reg = rel % VPLIC_CONTEXT_STRIDE;

        if (ci >= p->num_contexts) {
            return MMIO_OK;
        }
        if (reg == VPLIC_CONTEXT_THRESHOLD) {
            set_u32(&p->context[ci].threshold, v & VPLIC_PRIORITY_MASK);
            refresh_context(p, (uint32_t)ci);
        } else if (reg == VPLIC_CONTEXT_CLAIM) {
            complete(p, (uint32_t)ci, v);
        }
    }
    return MMIO_OK;
}

const struct vdev_ops vplic_ops = {
    .read = vplic_read,
    .write = vplic_write,
    .read_unlocked = vplic_read_unlocked,
};
