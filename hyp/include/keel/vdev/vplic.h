/* SPDX-License-Identifier: MIT */
/*
 * Virtual PLIC: the SiFive/RISC-V Platform-Level Interrupt Controller as QEMU virt exposes
 * it (compatible = "sifive,plic-1.0.0", "riscv,plic0"). Register map (RISC-V PLIC
 * specification, "Memory Map"):
 *
 *   0x000000 + 4*id                  priority of source id (id 0 reserved, reads 0)
 *   0x001000 + 4*w                   pending bits of sources 32w..32w+31 (read-only)
 *   0x002000 + 0x80*c + 4*w          enable bits of sources 32w..32w+31 for context c
 *   0x200000 + 0x1000*c              priority threshold of context c
 *   0x200004 + 0x1000*c              claim (read) / complete (write) of context c
 *
 * Context c is vCPU c's S-mode external interrupt (the hypervisor drives hvip.VSEIP of
 * vCPU c from the notify callback). All registers are 32 bits wide.
 *
 * Model choices:
 *  - 3 priority bits (levels 0..7, QEMU virt's maximum); priority and threshold writes are
 *    WARL: bits above bit 2 are dropped.
 *  - Gateways are level-triggered (PLIC spec "Interrupt Gateways"): a source whose line is
 *    high becomes pending unless it is claimed (in service); a claim clears its pending
 *    bit and marks it in service; a completion ends service and, if the line is still
 *    high, makes it pending again. While a source is pending but not yet claimed, a
 *    falling line withdraws the request (as QEMU's sifive_plic does), so a guest never
 *    claims an interrupt whose device has already deasserted it.
 *  - The in-service flag is global per source, like the hardware gateway; a completion
 *    from a context for which the source is not enabled is ignored (PLIC spec
 *    "Interrupt Completion").
 *  - Out-of-range accesses inside the 64 MiB architectural map (sources above
 *    num_sources, contexts at or above num_contexts, reserved gaps) read 0 and ignore
 *    writes; only 4-byte, 4-byte-aligned accesses are accepted.
 */
#ifndef KEEL_VDEV_VPLIC_H
#define KEEL_VDEV_VPLIC_H

#include <keel/types.h>
#include <keel/vdev.h>

/* Maximum contexts per instance (the spec allows 15872); override at compile time. */
#ifndef VPLIC_MAX_CONTEXTS
#define VPLIC_MAX_CONTEXTS 64u
#endif

#define VPLIC_MAX_SOURCES 1023u /* highest source ID the spec allows */
#define VPLIC_WORDS 32u         /* uint32_t bitmap words covering IDs 0..1023 */
#define VPLIC_PRIORITY_MASK 7u  /* 3 implemented priority bits */

/* Register map. */
enum {
    VPLIC_PRIORITY_BASE = 0x000000,
    VPLIC_PENDING_BASE = 0x001000,
    VPLIC_PENDING_END = 0x001080, /* 1024 bits */
    VPLIC_ENABLE_BASE = 0x002000,
    VPLIC_ENABLE_STRIDE = 0x80,
    VPLIC_CONTEXT_BASE = 0x200000,
    VPLIC_CONTEXT_STRIDE = 0x1000,
    VPLIC_CONTEXT_THRESHOLD = 0x0,
    VPLIC_CONTEXT_CLAIM = 0x4,
    VPLIC_ARCH_CONTEXTS = 15872,
    VPLIC_ARCH_WINDOW_SIZE = 0x4000000, /* 0x200000 + 15872 * 0x1000 */
};

_Static_assert(VPLIC_MAX_CONTEXTS >= 1 && VPLIC_MAX_CONTEXTS <= VPLIC_ARCH_CONTEXTS,
               "VPLIC_MAX_CONTEXTS out of the PLIC spec's range");
_Static_assert(VPLIC_WORDS * 4 == VPLIC_ENABLE_STRIDE, "one enable row per context stride");

/* Per-context state. Private to vplic.c. */
struct vplic_context {
    uint32_t threshold;
    bool claimable; /* last state reported through notify */
};

/* One PLIC instance. Callers embed it and treat the fields as private to vplic.c. */
struct vplic {
    uint32_t num_sources;  /* highest implemented source ID (riscv,ndev) */
    uint32_t num_contexts; /* contexts 0..num_contexts-1 */
    uint32_t num_words;    /* bitmap words in use: (num_sources + 1 + 31) / 32 */
    uint32_t last_word_mask; /* implemented bits of word num_words-1 */
    void (*notify)(void *ctx, uint32_t context, bool pending);
    void (*completed)(void *ctx, uint32_t source); /* see vplic_set_complete_hook */
    void *ctx;
    uint32_t level[VPLIC_WORDS];   /* device line levels */
    uint32_t pending[VPLIC_WORDS]; /* gateway requests (the pending array) */
    uint32_t claimed[VPLIC_WORDS]; /* in service: claimed and not yet completed */
    uint8_t priority[VPLIC_MAX_SOURCES + 1];
    /* enable bits, laid out like the register map: context c's words at byte 0x80 * c */
    uint32_t enable[VPLIC_MAX_CONTEXTS][VPLIC_WORDS];
    struct vplic_context context[VPLIC_MAX_CONTEXTS];
};

/*
 * Reset `p` (all priorities, thresholds, enables and pending bits 0; PLIC spec "Memory
 * Map") for sources 1..num_sources (the DT's riscv,ndev; QEMU virt uses 95) and contexts
 * 0..num_contexts-1, and attach `notify`, called with a context's new state whenever
 * "a claim would return non-zero" changes for it (may be NULL; init itself never calls
 * it). Returns 0, or -1 when num_sources is not in 1..1023 or num_contexts is not in
 * 1..VPLIC_MAX_CONTEXTS (then `p` is left untouched).
 */
int vplic_init(struct vplic *p, uint32_t num_sources, uint32_t num_contexts,
               void (*notify)(void *ctx, uint32_t context, bool pending), void *ctx);

/*
 * Attach `completed` (may be NULL), called with the init's ctx whenever a context completes a
 * source that was in service (PLIC spec "Interrupt Completion"), after the source left service
 * and before the gateway looks at the line again: a hook that lowers the line there (a
 * pass-through interrupt the host re-delivers) gets no second request. vplic_init detaches it.
 */
void vplic_set_complete_hook(struct vplic *p, void (*completed)(void *ctx, uint32_t source));

/*
 * Drive the interrupt line of `source` (1..num_sources) to `level` through its
 * level-triggered gateway (PLIC spec "Interrupt Gateways"); may call notify. Source 0
 * and IDs above num_sources are ignored.
 */
void vplic_set_level(struct vplic *p, uint32_t source, bool level);

/*
 * True when a claim by `context` would return a non-zero ID (a pending, enabled source
 * with priority above the context's threshold; PLIC spec "Interrupt Notifications").
 * False for contexts at or above num_contexts. No side effects.
 */
bool vplic_context_pending(const struct vplic *p, uint32_t context);

/*
 * Bytes of GPA window the register map needs for `num_contexts` contexts:
 * 0x200000 + 0x1000 * num_contexts (4 KiB-aligned; QEMU virt's 0x600000 is this for its
 * 1024 M+S contexts). Returns 0 when num_contexts is not in 1..VPLIC_MAX_CONTEXTS.
 */
uint64_t vplic_window_size(uint32_t num_contexts);

/*
 * MMIO callbacks, dev = struct vplic *. Only 4-byte accesses at 4-byte-aligned offsets
 * below VPLIC_ARCH_WINDOW_SIZE are accepted (else MMIO_BAD_ACCESS). Reading a claim
 * register claims; writing it completes; the pending array ignores writes.
 */
extern const struct vdev_ops vplic_ops;

#endif
