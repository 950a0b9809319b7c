/* SPDX-License-Identifier: MIT */
/*
 * Virtual GICv2 distributor (Arm GIC architecture specification v2, IHI 0048B, 4.3
 * "Distributor register descriptions"), the half of a GICv2 a hypervisor must emulate:
 * the guest's CPU interface is the hardware GICV frame, fed from GICH list registers.
 * Device tree view: compatible = "arm,cortex-a15-gic" (or "arm,gic-400"), distributor
 * window of VGICD_WINDOW_SIZE bytes. Register map (IHI 0048B table 4-1):
 *
 *   0x000 CTLR   0x004 TYPER   0x008 IIDR   0x080 IGROUPR   0x100 ISENABLER
 *   0x180 ICENABLER   0x200 ISPENDR   0x280 ICPENDR   0x300 ISACTIVER   0x380 ICACTIVER
 *   0x400 IPRIORITYR  0x800 ITARGETSR 0xC00 ICFGR   0xF00 SGIR   0xF10 CPENDSGIR
 *   0xF20 SPENDSGIR   0xFD0-0xFFC peripheral/component ID (GIC-400 values)
 *
 * Interrupts 0-15 (SGIs) and 16-31 (PPIs) are banked per vCPU, so every access names the
 * accessing vCPU and the model cannot sit behind struct vdev_ops: the hypervisor calls
 * vgicd_read()/vgicd_write() with the vCPU index itself.
 *
 * Model choices:
 *  - No Security Extensions and a single interrupt group: IGROUPR is RAZ/WI (everything is
 *    Group 0) and CTLR implements only bit 0 (enable), as KVM's GICv2 does. Linux never
 *    writes IGROUPR on arm64 and enables its CPU interface with GICC_CTLR.EnableGrp0 only,
 *    so list registers must carry Group 0 (LR.Grp1 = 0) and GICV_CTLR.FIQEn stays 0.
 *  - 5 priority bits, like the GICH list-register priority field ([27:23]): IPRIORITYR
 *    bytes keep bits 7:3 (mask VGICD_PRIORITY_MASK = 0xf8). Put priority >> 3 in the LR.
 *  - SGIs are always enabled (ISENABLER0/ICENABLER0 bits 15:0 RAO/WI, like GIC-400 and
 *    QEMU); their ICFGR field reads 0b10 (edge), read-only. PPIs are level-sensitive with a
 *    read-only ICFGR1 (= 0), as KVM and GICv3 do (Linux's gic_set_type only warns if a PPI
 *    type cannot be changed). SPIs are level (reset) or edge per ICFGR; bit 0 of each
 *    field is RAZ/WI.
 *  - SGI state is kept per (SGI, source vCPU): pending and active sources per SGI.
 *    ISPENDR0/ICPENDR0 bits 15:0 are WI (spec); CPENDSGIR/SPENDSGIR are implemented;
 *    ISACTIVER0 sets an SGI active for the accessing vCPU as source, ICACTIVER0 clears all
 *    sources.
 *  - ITARGETSR bytes of SGIs/PPIs read as the accessing vCPU's own bit and ignore writes
 *    (Linux's gic_get_cpumask() depends on it). SPI target bytes keep the bits of
 *    implemented vCPUs; with a single vCPU they read 0x01 and ignore writes (IHI 0048B:
 *    "all interrupts target the one processor"). SPIs reset to target 0 otherwise.
 *  - Up to VGICD_MAX_SPIS SPIs (a multiple of 32; QEMU virt uses 256, i.e. 288 interrupt
 *    IDs, TYPER.ITLinesNumber = 8) and VGICD_MAX_VCPUS vCPUs. TYPER.CPUNumber = vCPUs - 1.
 *  - Accesses: 32-bit to 4-byte-aligned offsets everywhere; 8-bit only to IPRIORITYR,
 *    ITARGETSR, CPENDSGIR and SPENDSGIR (IHI 0048B 4.1.4). Other widths, byte accesses
 *    elsewhere, offsets at or beyond VGICD_WINDOW_SIZE and vCPU indexes at or above the
 *    configured count are MMIO_BAD_ACCESS. Reserved and unimplemented registers (IDs beyond
 *    the configured interrupts, 0xD00-0xEFC, write-only SGIR) read 0 and ignore writes.
 *
 * Pending state: an edge interrupt is pending while its latch is set (rising edge,
 * ISPENDR); a level interrupt while its line is high or its latch is set (ISPENDR), IHI
 * 0048B 3.2.4. Interrupts in the active or active-and-pending state are not forwarded.
 *
 * List-register protocol (what the hypervisor must do; as KVM's vgic does it):
 *  1. On entry, while a list register is free: vgicd_next_pending(vcpu) gives the next
 *     interrupt; write LR = {vINTID = irq, CPUID = source for SGIs, priority >> 3,
 *     state = pending, Grp1 = 0, HW = hw (pINTID = irq), EOI = level && !hw}; then call
 *     vgicd_ack(vcpu, irq, source). From ack on, the model treats the interrupt as active
 *     (held by the LR) and never returns it again until its LR is handed back.
 *  2. When an LR is emptied or reused (GICH_ELRSR says free, an EOI maintenance interrupt
 *     for an LR.EOI entry, eviction of a lower-priority pending LR, vCPU teardown), call
 *     vgicd_lr_returned() with the LR's state bits. The LR state becomes the model's state;
 *     edges and ISPENDR writes that arrived while it was listed are kept; a level
 *     interrupt whose line is still high is pending again at once and kick is called.
 *     Never evict an LR that is active: only the LR can take the guest's deactivation.
 *  3. Before emulating a guest read of ISPENDR/ICPENDR/ISACTIVER/ICACTIVER (Linux polls
 *     ISACTIVER in synchronize_irq()), fold back the LRs of that VM: lr_returned() with the
 *     LR's state, then vgicd_ack() again for each LR left listed in the pending state, so
 *     the guest sees the state the LRs hold. Guest writes that change an interrupt held in
 *     an LR (ICENABLER, ICPENDR, ICACTIVER) update the model only; the LR delivers or
 *     deactivates as it is.
 *  The kick callback may run inside any vgicd_* call, for any vCPU including the caller.
 *  The model is not thread-safe: the hypervisor serialises all calls on one instance.
 */
#ifndef KEEL_VDEV_VGIC_DIST_H
#define KEEL_VDEV_VGIC_DIST_H

#include <keel/types.h>
#include <keel/vdev.h>

#define VGICD_WINDOW_SIZE 0x1000u /* GICv2 distributor register frame */

/* Maximum SPIs per instance (a multiple of 32, at most 988); override at compile time. */
#ifndef VGICD_MAX_SPIS
#define VGICD_MAX_SPIS 256u
#endif

#define VGICD_MAX_VCPUS 8u     /* GICv2 targets at most 8 CPU interfaces */
#define VGICD_NR_SGIS 16u      /* IDs 0..15 */
#define VGICD_NR_PRIVATE 32u   /* SGIs and PPIs (IDs 0..31), banked per vCPU */
#define VGICD_SPI_WORDS (VGICD_MAX_SPIS / 32u)
#define VGICD_PRIORITY_MASK 0xf8u /* 5 implemented priority bits */
#define VGICD_IIDR_VALUE 0x0200143bu /* GIC-400: product 0x02, implementer Arm (0x43b) */

_Static_assert(VGICD_MAX_SPIS % 32u == 0 && VGICD_MAX_SPIS <= 988u,
               "VGICD_MAX_SPIS must be a multiple of 32 and leave IDs 1020-1023 free");

/* Register map. */
enum {
    VGICD_CTLR = 0x000,
    VGICD_TYPER = 0x004,
    VGICD_IIDR = 0x008,
    VGICD_IGROUPR = 0x080,
    VGICD_ISENABLER = 0x100,
    VGICD_ICENABLER = 0x180,
    VGICD_ISPENDR = 0x200,
    VGICD_ICPENDR = 0x280,
    VGICD_ISACTIVER = 0x300,
    VGICD_ICACTIVER = 0x380,
    VGICD_IPRIORITYR = 0x400,
    VGICD_ITARGETSR = 0x800,
    VGICD_ICFGR = 0xc00,
    VGICD_IMPDEF = 0xd00,
    VGICD_SGIR = 0xf00,
    VGICD_CPENDSGIR = 0xf10,
    VGICD_SPENDSGIR = 0xf20,
    VGICD_SGI_REGS_END = 0xf30,
    VGICD_PIDR4 = 0xfd0, /* PIDR4..7, PIDR0..3, CIDR0..3: 0xfd0..0xffc */
};

/* Register fields. */
enum {
    VGICD_CTLR_ENABLE = 0x1,
    VGICD_TYPER_CPU_SHIFT = 5,
    VGICD_SGIR_FILTER_SHIFT = 24,
    VGICD_SGIR_FILTER_LIST = 0,    /* CPUTargetList */
    VGICD_SGIR_FILTER_OTHERS = 1,  /* all but the requester */
    VGICD_SGIR_FILTER_SELF = 2,    /* the requester only */
    VGICD_SGIR_TARGETS_SHIFT = 16,
    VGICD_SGIR_ID_MASK = 0xf,
    VGICD_ICFGR_EDGE = 0x2, /* per 2-bit field: 1 = edge-triggered */
};

/* What vgicd_next_pending() found: the contents of one list register. */
struct vgic_pending {
    uint32_t irq;     /* interrupt ID (0..1019) */
    uint8_t priority; /* 8-bit priority, low 3 bits 0; LR priority field = priority >> 3 */
    uint8_t source;   /* requesting vCPU for SGIs (LR CPUID), 0 otherwise */
    bool level;       /* level-sensitive: the model must see the EOI (LR.EOI unless hw) */
    bool hw;          /* backed by the physical interrupt with the same ID (LR.HW) */
};

/* Banked state of one vCPU (IDs 0..31). Private to vgic_dist.c. */
struct vgicd_cpu {
    uint32_t enabled; /* bits 15:0 (SGIs) always set */
    uint32_t pending; /* PPI latches; bits 15:0: SGI pending from some source */
    uint32_t active;  /* PPI active; bits 15:0: SGI active for some source */
    uint32_t level;   /* PPI line levels */
    uint32_t hw;      /* PPIs backed by a physical interrupt */
    uint8_t priority[VGICD_NR_PRIVATE];
    uint8_t sgi_pending[VGICD_NR_SGIS]; /* source vCPU mask per SGI */
    uint8_t sgi_active[VGICD_NR_SGIS];  /* source vCPU mask per SGI */
};

/* One distributor. Callers embed it and treat the fields as private to vgic_dist.c. */
struct vgicd {
    uint32_t num_spis;  /* SPIs 32 .. 32 + num_spis - 1 */
    uint32_t num_vcpus; /* vCPUs 0 .. num_vcpus - 1 */
    uint32_t spi_words; /* num_spis / 32 */
    uint32_t vcpu_mask; /* (1 << num_vcpus) - 1 */
    uint32_t typer;     /* the TYPER value, fixed at init */
    void (*kick)(void *ctx, uint32_t vcpu);
    void (*completed)(void *ctx, uint32_t irq); /* see vgicd_set_complete_hook */
    void *ctx;
    bool enabled; /* CTLR.Enable */
    struct vgicd_cpu cpu[VGICD_MAX_VCPUS];
    uint32_t spi_enabled[VGICD_SPI_WORDS];
    uint32_t spi_pending[VGICD_SPI_WORDS]; /* latches */
    uint32_t spi_active[VGICD_SPI_WORDS];
    uint32_t spi_level[VGICD_SPI_WORDS]; /* line levels */
    uint32_t spi_edge[VGICD_SPI_WORDS];  /* 1 = edge-triggered */
    uint32_t spi_hw[VGICD_SPI_WORDS];
    uint8_t spi_priority[VGICD_MAX_SPIS];
    uint8_t spi_target[VGICD_MAX_SPIS];
};

/*
 * Reset `d` (IHI 0048B reset values: distributor disabled, all interrupts disabled except
 * SGIs, inactive, not pending, priority 0, SPIs level-sensitive and targeting no vCPU) for
 * `num_spis` SPIs (a multiple of 32 up to VGICD_MAX_SPIS; QEMU virt: 256) and `num_vcpus`
 * vCPUs (1..8), and attach `kick`, called with a vCPU index whenever that vCPU may have a
 * newly deliverable interrupt (may be NULL; init never calls it). Returns 0, or -1 when a
 * count is out of range (then `d` is left untouched).
 */
int vgicd_init(struct vgicd *d, uint32_t num_spis, uint32_t num_vcpus,
               void (*kick)(void *ctx, uint32_t vcpu), void *ctx);

/*
 * Emulate a guest read of `width` bytes (4, or 1 for the byte-accessible registers) at
 * byte `offset` of the distributor frame by vCPU `vcpu` (IHI 0048B 4.3); the result is
 * zero-extended in *value. Reads have no side effects. Returns MMIO_BAD_ACCESS (and leaves
 * *value alone) for the accesses the header comment lists.
 */
enum mmio_status vgicd_read(struct vgicd *d, uint32_t vcpu, uint64_t offset, uint32_t width,
                            uint64_t *value);

/*
 * vgicd_read() for the registers whose value vgicd_init() fixes (TYPER, IIDR, IGROUPR, the
 * peripheral and component IDs), safe without the caller's serialisation: it reads only
 * fields no other call writes (struct vdev_ops read_unlocked). Same arguments, checks and
 * MMIO_BAD_ACCESS cases as vgicd_read(); MMIO_NEEDS_LOCK, with *value untouched, for every other
 * register. IHI 0048B 4.3.2, 4.3.3, 4.3.4, 4.3.15.
 */
enum mmio_status vgicd_read_unlocked(const struct vgicd *d, uint32_t vcpu, uint64_t offset,
                                     uint32_t width, uint64_t *value);

/*
 * Emulate a guest write of the low `width` bytes of `value` at byte `offset` by vCPU
 * `vcpu` (IHI 0048B 4.3); may call kick. Same width/offset rules and errors as vgicd_read.
 */
enum mmio_status vgicd_write(struct vgicd *d, uint32_t vcpu, uint64_t offset, uint32_t width,
                             uint64_t value);

/*
 * Drive the input line of interrupt `irq` to `level` (IHI 0048B 3.2.4): PPIs (16..31) on
 * vCPU `vcpu`; SPIs (32..) ignore `vcpu`; a level SPI/PPI is pending while the line is
 * high, an edge SPI latches pending on each rising edge. For SGIs (0..15), `level` true
 * makes the SGI pending on `vcpu` as if `vcpu` had sent it to itself (edge; false is
 * ignored). May call kick. Unimplemented IDs and out-of-range vCPUs are ignored.
 */
void vgicd_set_level(struct vgicd *d, uint32_t vcpu, uint32_t irq, bool level);

/*
 * Mark PPI `irq` of `vcpu`, or SPI `irq` (vcpu ignored), as backed by the physical
 * interrupt with the same ID.
 *  - SPI: vgicd_next_pending() reports hw and the hypervisor lists it with LR.HW = 1. When
 *    such an LR comes back inactive the guest has deactivated the physical interrupt, so the
 *    model drops its line level; a still-asserted source raises the physical interrupt again
 *    and the hypervisor calls vgicd_set_level() anew.
 *  - PPI (the virtual timer): the hypervisor delivers it itself, straight from the physical
 *    interrupt into a list register (vgicd_ppi_deliverable() tells it when it may). The
 *    model keeps only its enable bit and priority: it never reports it pending,
 *    vgicd_set_level() on it is ignored, and guest writes to its ISPENDR/ICPENDR/ISACTIVER/
 *    ICACTIVER bits are ignored (they read 0): its pending and active states are those of
 *    the physical interrupt and the list register.
 * SGIs, unimplemented IDs and out-of-range vCPUs are ignored.
 */
void vgicd_set_hw(struct vgicd *d, uint32_t vcpu, uint32_t irq, bool hw);

/*
 * May PPI `irq` (16..31) be delivered to vCPU `vcpu` now, i.e. is the distributor enabled
 * (GICD_CTLR.Enable) and the PPI enabled for `vcpu` (ISENABLER0, IHI 0048B 4.3.5)? Then
 * returns true and sets *priority to its 8-bit priority (LR field = priority >> 3). Returns
 * false (priority untouched) otherwise, and for SGIs, SPIs and out-of-range vCPUs. Whether the
 * interrupt is pending or active is not the model's business here (hardware-backed PPIs,
 * vgicd_set_hw()). No side effects. The one exception to the serialisation rule (header): vCPU
 * `vcpu`'s own thread may call this without the hypervisor's lock, as it reads only `vcpu`'s
 * banked enable and priority (which only `vcpu`'s own accesses and vgicd_init() write) and
 * GICD_CTLR.Enable (stored atomically).
 */
bool vgicd_ppi_deliverable(const struct vgicd *d, uint32_t vcpu, uint32_t irq, uint8_t *priority);

/*
 * Find the interrupt vCPU `vcpu` should be given next: the pending, enabled, not active
 * interrupt targeting `vcpu` with the lowest priority value, ties to the lowest ID (and,
 * for SGIs, the lowest source vCPU). Returns false (out untouched) when there is none, the
 * distributor is disabled or `vcpu` is out of range. No side effects.
 */
bool vgicd_next_pending(const struct vgicd *d, uint32_t vcpu, struct vgic_pending *out);

/*
 * Record that interrupt `irq` (from `source` for SGIs, ignored otherwise) was written to a
 * list register of vCPU `vcpu` in the pending state: it becomes active in the model (an
 * edge latch or the SGI's pending bit for `source` is consumed; a level interrupt stays
 * pending while its line is high). Invalid IDs, vCPUs or sources are ignored.
 */
void vgicd_ack(struct vgicd *d, uint32_t vcpu, uint32_t irq, uint32_t source);

/*
 * Hand back the list register of vCPU `vcpu` that held `irq` (from `source` for SGIs) with
 * its final state bits `pending` and `active` (GICH_LR State field; both false once the
 * guest has deactivated it). The model's active state becomes `active`. An SGI or edge
 * interrupt is pending if `pending` is set or it was triggered again while listed; a
 * level interrupt is pending while its line is high or its ISPENDR latch is set, and the
 * latch is consumed once the guest has acknowledged it (`pending` false). May call kick
 * (a level line still high after EOI re-pends at once). Invalid arguments are ignored.
 */
void vgicd_lr_returned(struct vgicd *d, uint32_t vcpu, uint32_t irq, uint32_t source,
                       bool pending, bool active);

/*
 * Attach `completed` (may be NULL), called with the init's ctx whenever a list register comes
 * back for an SPI with neither pending nor active set (the guest has EOIed it, IHI 0048B 5.4),
 * after the model took the state and before it looks at the line again: a hook that lowers
 * the line there (a pass-through interrupt the host re-delivers) gets no second request.
 * vgicd_init detaches it.
 */
void vgicd_set_complete_hook(struct vgicd *d, void (*completed)(void *ctx, uint32_t irq));

#endif
