/* SPDX-License-Identifier: MIT */
/*
 * Virtual GICv2 distributor (IHI 0048B chapter 4.3) with the list-register injection
 * interface. See <keel/vdev/vgic_dist.h> for the register map, the model's choices and
 * the protocol the hypervisor follows.
 *
 * Invariants: vgicd_cpu.enabled always has bits 15:0 set; vgicd_cpu.pending/active bits
 * 15:0 equal (sgi_pending[i] != 0) / (sgi_active[i] != 0); SGI source masks and SPI target
 * bytes hold only bits below num_vcpus; bitmap words at or beyond spi_words stay 0.
 * Register reads touch a handful of words or bytes and never loop over interrupts.
 */
#include <keel/types.h>
#include <keel/vdev.h>
#include <keel/vdev/vgic_dist.h>

#define SGI_MASK 0x0000ffffu
#define PPI_MASK 0xffff0000u
#define ICFGR_SGI_VALUE 0xaaaaaaaau /* every SGI field reads 0b10: edge */
#define NO_PRIORITY 0x100u          /* above every 8-bit priority */

/* IHI 0048B 4.3.15 and the GIC-400 TRM: PIDR4..7, PIDR0..3, CIDR0..3 at 0xfd0..0xffc. */
static const uint8_t gicd_id[12] = {
    0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

static uint32_t bit_of(uint32_t n)
{
    return 1u << (n & 31u);
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

/* 16 bits to the even bits of a word (ICFGR field layout), and back. */
static uint32_t spread16(uint32_t x)
{
    x &= 0xffffu;
    x = (x | (x << 8)) & 0x00ff00ffu;
    x = (x | (x << 4)) & 0x0f0f0f0fu;
    x = (x | (x << 2)) & 0x33333333u;
    return (x | (x << 1)) & 0x55555555u;
}

static uint32_t gather16(uint32_t x)
{
    x &= 0x55555555u;
    x = (x | (x >> 1)) & 0x33333333u;
    x = (x | (x >> 2)) & 0x0f0f0f0fu;
    x = (x | (x >> 4)) & 0x00ff00ffu;
    return (x | (x >> 8)) & 0xffffu;
}

static uint32_t num_irqs(const struct vgicd *d)
{
    return VGICD_NR_PRIVATE + d->num_spis;
}

/* Pending SPIs of word w: latches, plus level-sensitive lines that are high. */
static uint32_t spi_pending_word(const struct vgicd *d, uint32_t w)
{
    return d->spi_pending[w] | (d->spi_level[w] & ~d->spi_edge[w]);
}

/* SPIs of word w that could be forwarded to their targets (pending, enabled, inactive). */
static uint32_t spi_ready(const struct vgicd *d, uint32_t w)
{
    return spi_pending_word(d, w) & d->spi_enabled[w] & ~d->spi_active[w];
}

/* Private interrupts of one vCPU that could be forwarded; SGIs count per source. Hardware-backed
   PPIs never are: the hypervisor lists them itself. */
static uint32_t private_ready(const struct vgicd_cpu *c)
{
    uint32_t ready = (c->pending | c->level) & c->enabled & ~c->active & ~c->hw & PPI_MASK;

    if (c->pending & SGI_MASK) {
        for (uint32_t i = 0; i < VGICD_NR_SGIS; i++) {
            if (c->sgi_pending[i] & ~c->sgi_active[i]) {
                ready |= bit_of(i);
            }
        }
    }
    return ready;
}

static void sgi_sync(struct vgicd_cpu *c, uint32_t sgi)
{
    uint32_t b = bit_of(sgi);

    c->pending = c->sgi_pending[sgi] ? (c->pending | b) : (c->pending & ~b);
    c->active = c->sgi_active[sgi] ? (c->active | b) : (c->active & ~b);
}

/* Call kick for every vCPU in `vcpus` (only while the distributor forwards anything). */
static void kick_vcpus(struct vgicd *d, uint32_t vcpus)
{
    vcpus &= d->vcpu_mask;
    if (!d->enabled || d->kick == NULL) {
        return;
    }
    while (vcpus != 0) {
        uint32_t v = lowest_bit_index(vcpus);

        vcpus &= vcpus - 1u;
        d->kick(d->ctx, v);
    }
}

/* Union of the targets of the SPIs `bits` of word w. */
static uint32_t spi_targets(const struct vgicd *d, uint32_t w, uint32_t bits)
{
    uint32_t targets = 0;

    while (bits != 0) {
        targets |= d->spi_target[w * 32u + lowest_bit_index(bits)];
        bits &= bits - 1u;
    }
    return targets;
}

/*
 * Interrupts of register word n that could be forwarded: n = 0 is the banked word of
 * `vcpu` (IDs 0..31), n >= 1 is SPI word n - 1 (IDs 32n..32n+31).
 */
static uint32_t ready_word(const struct vgicd *d, uint32_t vcpu, uint32_t n)
{
    return n == 0 ? private_ready(&d->cpu[vcpu]) : spi_ready(d, n - 1u);
}

/* Kick the vCPUs that interrupts of word n which became ready since `before` target. */
static void kick_new(struct vgicd *d, uint32_t vcpu, uint32_t n, uint32_t before)
{
    uint32_t newly = ready_word(d, vcpu, n) & ~before;

    if (newly != 0) {
        kick_vcpus(d, n == 0 ? bit_of(vcpu) : spi_targets(d, n - 1u, newly));
    }
}

/* Mark SGI `sgi` pending on `target` from `source`; kick if that made it deliverable. */
static void sgi_raise(struct vgicd *d, uint32_t target, uint32_t sgi, uint32_t source)
{
    struct vgicd_cpu *c = &d->cpu[target];
    uint8_t src = (uint8_t)bit_of(source);

    if (c->sgi_pending[sgi] & src) {
        return;
    }
    c->sgi_pending[sgi] |= src;
    sgi_sync(c, sgi);
    if (!(c->sgi_active[sgi] & src)) {
        kick_vcpus(d, bit_of(target));
    }
}

int vgicd_init(struct vgicd *d, uint32_t num_spis, uint32_t num_vcpus,
               void (*kick)(void *ctx, uint32_t vcpu), void *ctx)
{
    if (num_spis % 32u != 0 || num_spis > VGICD_MAX_SPIS || num_vcpus < 1 ||
        num_vcpus > VGICD_MAX_VCPUS) {
        return -1;
    }
    *d = (struct vgicd){
        .num_spis = num_spis,
        .num_vcpus = num_vcpus,
        .spi_words = num_spis / 32u,
        .vcpu_mask = bit_of(num_vcpus) - 1u,
        /* ITLinesNumber = 32 * (N + 1) interrupt IDs, CPUNumber = vCPUs - 1 */
        .typer = ((VGICD_NR_PRIVATE + num_spis) / 32u - 1u) |
                 ((num_vcpus - 1u) << VGICD_TYPER_CPU_SHIFT),
        .kick = kick,
        .ctx = ctx,
    };
    for (uint32_t v = 0; v < VGICD_MAX_VCPUS; v++) {
        d->cpu[v].enabled = SGI_MASK;
    }
    if (num_vcpus == 1) {
        for (uint32_t i = 0; i < num_spis; i++) {
            d->spi_target[i] = 1; /* uniprocessor: everything targets the one CPU */
        }
    }
    return 0;
}

/* Bitmap register families at 0x100..0x3ff, one 0x80 block each: set/clear pairs. */
enum bitmap_reg {
    BITMAP_SET_ENABLE,
    BITMAP_CLEAR_ENABLE,
    BITMAP_SET_PENDING,
    BITMAP_CLEAR_PENDING,
    BITMAP_SET_ACTIVE,
    BITMAP_CLEAR_ACTIVE,
};

/* The enable, pending-latch or active word behind register word n (see ready_word). */
static uint32_t *state_word(struct vgicd *d, uint32_t vcpu, enum bitmap_reg reg, uint32_t n)
{
    struct vgicd_cpu *c = &d->cpu[vcpu];
    uint32_t w = n - 1u;

    switch (reg) {
    case BITMAP_SET_ENABLE:
    case BITMAP_CLEAR_ENABLE:
        return n == 0 ? &c->enabled : &d->spi_enabled[w];
    case BITMAP_SET_PENDING:
    case BITMAP_CLEAR_PENDING:
        return n == 0 ? &c->pending : &d->spi_pending[w];
    default:
        return n == 0 ? &c->active : &d->spi_active[w];
    }
}

static uint32_t read_bitmap(struct vgicd *d, uint32_t vcpu, enum bitmap_reg reg, uint32_t n)
{
    if (n > d->spi_words) {
        return 0; /* IDs beyond ITLinesNumber */
    }
    if (reg == BITMAP_SET_PENDING || reg == BITMAP_CLEAR_PENDING) {
        return n == 0 ? d->cpu[vcpu].pending | d->cpu[vcpu].level : spi_pending_word(d, n - 1u);
    }
    return *state_word(d, vcpu, reg, n);
}

/* ISACTIVER0/ICACTIVER0 on SGIs: set with the accessing vCPU as source, clear all. */
static void write_sgi_active(struct vgicd_cpu *c, uint32_t vcpu, uint32_t bits, bool set)
{
    while (bits != 0) {
        uint32_t sgi = lowest_bit_index(bits);

        bits &= bits - 1u;
        c->sgi_active[sgi] = set ? (uint8_t)(c->sgi_active[sgi] | bit_of(vcpu)) : 0;
        sgi_sync(c, sgi);
    }
}

static void write_bitmap(struct vgicd *d, uint32_t vcpu, enum bitmap_reg reg, uint32_t n,
                         uint32_t v)
{
    uint32_t *word, before, bits;

    if (n > d->spi_words) {
        return;
    }
    word = state_word(d, vcpu, reg, n);
    before = ready_word(d, vcpu, n);
    /* Banked SGI bits: enables RAO/WI, pending WI (CPENDSGIR/SPENDSGIR instead). Pending and
       active bits of hardware-backed PPIs are the physical interrupt's: WI. */
    bits = n == 0 ? v & PPI_MASK : v;
    if (n == 0 && reg != BITMAP_SET_ENABLE && reg != BITMAP_CLEAR_ENABLE) {
        bits &= ~d->cpu[vcpu].hw;
    }
    if (reg % 2u == 0) {
        *word |= bits;
    } else {
        *word &= ~bits; /* ICPENDR clears latches only: a high level line stays pending */
    }
    if (n == 0 && (reg == BITMAP_SET_ACTIVE || reg == BITMAP_CLEAR_ACTIVE)) {
        write_sgi_active(&d->cpu[vcpu], vcpu, v & SGI_MASK, reg == BITMAP_SET_ACTIVE);
    }
    kick_new(d, vcpu, n, before);
}

static uint32_t read_priority(const struct vgicd *d, uint32_t vcpu, uint32_t irq)
{
    if (irq < VGICD_NR_PRIVATE) {
        return d->cpu[vcpu].priority[irq];
    }
    return irq < num_irqs(d) ? d->spi_priority[irq - VGICD_NR_PRIVATE] : 0;
}

static void write_priority(struct vgicd *d, uint32_t vcpu, uint32_t irq, uint32_t v)
{
    uint8_t prio = (uint8_t)(v & VGICD_PRIORITY_MASK);

    if (irq < VGICD_NR_PRIVATE) {
        d->cpu[vcpu].priority[irq] = prio;
    } else if (irq < num_irqs(d)) {
        d->spi_priority[irq - VGICD_NR_PRIVATE] = prio;
    }
}

static uint32_t read_target(const struct vgicd *d, uint32_t vcpu, uint32_t irq)
{
    if (irq < VGICD_NR_PRIVATE) {
        return bit_of(vcpu); /* banked: the reading CPU interface */
    }
    return irq < num_irqs(d) ? d->spi_target[irq - VGICD_NR_PRIVATE] : 0;
}

static void write_target(struct vgicd *d, uint32_t irq, uint32_t v)
{
    uint32_t spi = irq - VGICD_NR_PRIVATE;
    uint32_t old;

    if (irq < VGICD_NR_PRIVATE || irq >= num_irqs(d) || d->num_vcpus == 1) {
        return; /* banked SGI/PPI targets and the uniprocessor case are read-only */
    }
    old = d->spi_target[spi];
    d->spi_target[spi] = (uint8_t)(v & d->vcpu_mask);
    if (spi_ready(d, spi / 32u) & bit_of(spi)) {
        kick_vcpus(d, d->spi_target[spi] & ~old);
    }
}

/* ICFGRn covers IDs 16n..16n+15; SPI fields are edge bits, bit 0 of each field RAZ/WI. */
static uint32_t read_icfgr(const struct vgicd *d, uint32_t n)
{
    uint32_t first = 16u * n;

    if (n == 0) {
        return ICFGR_SGI_VALUE;
    }
    if (first < VGICD_NR_PRIVATE || first >= num_irqs(d)) {
        return 0; /* PPIs: level, read-only; unimplemented IDs */
    }
    first -= VGICD_NR_PRIVATE;
    return spread16(d->spi_edge[first / 32u] >> (first % 32u)) << 1;
}

static void write_icfgr(struct vgicd *d, uint32_t n, uint32_t v)
{
    uint32_t first = 16u * n;
    uint32_t w, shift, before;

    if (first < VGICD_NR_PRIVATE || first >= num_irqs(d)) {
        return;
    }
    first -= VGICD_NR_PRIVATE;
    w = first / 32u;
    shift = first % 32u;
    before = spi_ready(d, w);
    d->spi_edge[w] = (d->spi_edge[w] & ~(0xffffu << shift)) | (gather16(v >> 1) << shift);
    kick_new(d, 0, w + 1u, before); /* a high line now level-sensitive is pending */
}

static void write_sgir(struct vgicd *d, uint32_t vcpu, uint32_t v)
{
    uint32_t sgi = v & VGICD_SGIR_ID_MASK;
    uint32_t targets;

    switch ((v >> VGICD_SGIR_FILTER_SHIFT) & 3u) {
    case VGICD_SGIR_FILTER_LIST:
        targets = (v >> VGICD_SGIR_TARGETS_SHIFT) & 0xffu;
        break;
    case VGICD_SGIR_FILTER_OTHERS:
        targets = ~bit_of(vcpu);
        break;
    case VGICD_SGIR_FILTER_SELF:
        targets = bit_of(vcpu);
        break;
    default:
        targets = 0; /* reserved filter: no SGI */
        break;
    }
    targets &= d->vcpu_mask;
    while (targets != 0) {
        uint32_t t = lowest_bit_index(targets);

        targets &= targets - 1u;
        sgi_raise(d, t, sgi, vcpu);
    }
}

/* SPENDSGIR/CPENDSGIR byte for `sgi` of the accessing vCPU: a mask of source vCPUs. */
static void write_sgi_pending(struct vgicd *d, uint32_t vcpu, uint32_t sgi, uint32_t v,
                              bool set)
{
    struct vgicd_cpu *c = &d->cpu[vcpu];
    uint32_t sources = v & d->vcpu_mask;

    if (!set) {
        c->sgi_pending[sgi] &= (uint8_t)~sources;
        sgi_sync(c, sgi);
        return;
    }
    while (sources != 0) {
        uint32_t s = lowest_bit_index(sources);

        sources &= sources - 1u;
        sgi_raise(d, vcpu, sgi, s);
    }
}

/* One byte of the byte-accessible registers (IPRIORITYR, ITARGETSR, [CS]PENDSGIR). */
static uint32_t read_byte_reg(const struct vgicd *d, uint32_t vcpu, uint32_t offset)
{
    if (offset < VGICD_ITARGETSR) {
        return read_priority(d, vcpu, offset - VGICD_IPRIORITYR);
    }
    if (offset < VGICD_ICFGR) {
        return read_target(d, vcpu, offset - VGICD_ITARGETSR);
    }
    return d->cpu[vcpu].sgi_pending[(offset - VGICD_CPENDSGIR) % VGICD_NR_SGIS];
}

static void write_byte_reg(struct vgicd *d, uint32_t vcpu, uint32_t offset, uint32_t v)
{
    if (offset < VGICD_ITARGETSR) {
        write_priority(d, vcpu, offset - VGICD_IPRIORITYR, v);
    } else if (offset < VGICD_ICFGR) {
        write_target(d, offset - VGICD_ITARGETSR, v);
    } else {
        write_sgi_pending(d, vcpu, (offset - VGICD_CPENDSGIR) % VGICD_NR_SGIS, v,
                          offset >= VGICD_SPENDSGIR);
    }
}

static bool byte_accessible(uint32_t offset)
{
    return (offset >= VGICD_IPRIORITYR && offset < VGICD_ICFGR) ||
           (offset >= VGICD_CPENDSGIR && offset < VGICD_SGI_REGS_END);
}

static bool access_ok(const struct vgicd *d, uint32_t vcpu, uint64_t offset, uint32_t width)
{
    if (vcpu >= d->num_vcpus || offset >= VGICD_WINDOW_SIZE) {
        return false;
    }
    if (width == 4) {
        return (offset & 3u) == 0;
    }
    return width == 1 && byte_accessible((uint32_t)offset);
}

enum mmio_status vgicd_read_unlocked(const struct vgicd *d, uint32_t vcpu, uint64_t offset,
                                     uint32_t width, uint64_t *value)
{
    uint32_t off = (uint32_t)offset;
    uint32_t v;

    if (!access_ok(d, vcpu, offset, width)) {
        return MMIO_BAD_ACCESS;
    }
    /* only words fixed by vgicd_init: nothing else writes them */
    if (off == VGICD_TYPER) {
        v = d->typer;
    } else if (off == VGICD_IIDR) {
        v = VGICD_IIDR_VALUE;
    } else if (off >= VGICD_IGROUPR && off < VGICD_ISENABLER) {
        v = 0; /* IGROUPR: everything is Group 0 */
    } else if (off >= VGICD_PIDR4) {
        v = gicd_id[(off - VGICD_PIDR4) >> 2];
    } else {
        return MMIO_NEEDS_LOCK;
    }
    *value = v;
    return MMIO_OK;
}

enum mmio_status vgicd_read(struct vgicd *d, uint32_t vcpu, uint64_t offset, uint32_t width,
                            uint64_t *value)
{
    uint32_t off = (uint32_t)offset;
    uint32_t v = 0;
    enum mmio_status st = vgicd_read_unlocked(d, vcpu, offset, width, value);

    if (st != MMIO_NEEDS_LOCK) {
        return st;
    }
    if (off < VGICD_IGROUPR) {
        if (off == VGICD_CTLR) {
            v = d->enabled ? VGICD_CTLR_ENABLE : 0;
        }
    } else if (off < VGICD_IPRIORITYR) {
        v = read_bitmap(d, vcpu, (enum bitmap_reg)((off - VGICD_ISENABLER) >> 7),
                        (off & 0x7fu) >> 2);
    } else if (off < VGICD_ICFGR || (off >= VGICD_CPENDSGIR && off < VGICD_SGI_REGS_END)) {
        for (uint32_t i = 0; i < width; i++) {
            v |= read_byte_reg(d, vcpu, off + i) << (8u * i);
        }
    } else if (off < VGICD_IMPDEF) {
        v = read_icfgr(d, (off - VGICD_ICFGR) >> 2);
    }
    *value = v;
    return MMIO_OK;
}

enum mmio_status vgicd_write(struct vgicd *d, uint32_t vcpu, uint64_t offset, uint32_t width,
                             uint64_t value)
{
    uint32_t off = (uint32_t)offset;
    uint32_t v = (uint32_t)value;

    if (!access_ok(d, vcpu, offset, width)) {
        return MMIO_BAD_ACCESS;
    }
    if (off == VGICD_CTLR) {
        bool was_enabled = d->enabled;

        /* atomic: vgicd_ppi_deliverable() may read it without the hypervisor's lock */
        __atomic_store_n(&d->enabled, (v & VGICD_CTLR_ENABLE) != 0, __ATOMIC_RELAXED);
        if (!was_enabled && d->enabled) {
            for (uint32_t i = 0; i < d->num_vcpus; i++) {
                struct vgic_pending p;

                if (vgicd_next_pending(d, i, &p)) {
                    kick_vcpus(d, bit_of(i));
                }
            }
        }
    } else if (off >= VGICD_ISENABLER && off < VGICD_IPRIORITYR) {
        write_bitmap(d, vcpu, (enum bitmap_reg)((off - VGICD_ISENABLER) >> 7),
                     (off & 0x7fu) >> 2, v);
    } else if (off >= VGICD_IPRIORITYR &&
               (off < VGICD_ICFGR || (off >= VGICD_CPENDSGIR && off < VGICD_SGI_REGS_END))) {
        for (uint32_t i = 0; i < width; i++) {
            write_byte_reg(d, vcpu, off + i, (v >> (8u * i)) & 0xffu);
        }
    } else if (off >= VGICD_ICFGR && off < VGICD_IMPDEF) {
        write_icfgr(d, (off - VGICD_ICFGR) >> 2, v);
    } else if (off == VGICD_SGIR) {
        write_sgir(d, vcpu, v);
    }
    /* TYPER, IIDR, IGROUPR, IDs (read-only / RAZ/WI) and reserved space: ignored */
    return MMIO_OK;
}

/* Where the state bits of one PPI (of a vCPU) or SPI live. */
struct irq_ref {
    uint32_t *latch, *active, *line;
    uint32_t n;   /* register word: 0 for PPIs, SPI word + 1 */
    uint32_t bit; /* the interrupt's bit in those words */
    bool edge;
    bool hw;
};

/* Locate PPI `irq` of `vcpu` or SPI `irq`; false for SGIs and invalid IDs or vCPUs. */
static bool irq_lookup(struct vgicd *d, uint32_t vcpu, uint32_t irq, struct irq_ref *ref)
{
    uint32_t b = bit_of(irq), w;

    if (irq >= VGICD_NR_SGIS && irq < VGICD_NR_PRIVATE && vcpu < d->num_vcpus) {
        struct vgicd_cpu *c = &d->cpu[vcpu];

        *ref = (struct irq_ref){&c->pending, &c->active, &c->level, 0, b, false,
                                (c->hw & b) != 0};
        return true;
    }
    if (irq < VGICD_NR_PRIVATE || irq >= num_irqs(d)) {
        return false;
    }
    w = (irq - VGICD_NR_PRIVATE) / 32u;
    *ref = (struct irq_ref){&d->spi_pending[w], &d->spi_active[w], &d->spi_level[w], w + 1u, b,
                            (d->spi_edge[w] & b) != 0, (d->spi_hw[w] & b) != 0};
    return true;
}

void vgicd_set_level(struct vgicd *d, uint32_t vcpu, uint32_t irq, bool level)
{
    struct irq_ref r;
    uint32_t before;

    if (irq < VGICD_NR_SGIS) {
        if (level && vcpu < d->num_vcpus) {
            sgi_raise(d, vcpu, irq, vcpu);
        }
        return;
    }
    if (!irq_lookup(d, vcpu, irq, &r) || (r.n == 0 && r.hw)) {
        return;
    }
    before = ready_word(d, vcpu, r.n);
    if (r.edge && level && !(*r.line & r.bit)) {
        *r.latch |= r.bit; /* rising edge */
    }
    *r.line = level ? (*r.line | r.bit) : (*r.line & ~r.bit);
    kick_new(d, vcpu, r.n, before);
}

void vgicd_set_hw(struct vgicd *d, uint32_t vcpu, uint32_t irq, bool hw)
{
    uint32_t *word = NULL;

    if (irq >= VGICD_NR_SGIS && irq < VGICD_NR_PRIVATE && vcpu < d->num_vcpus) {
        word = &d->cpu[vcpu].hw;
    } else if (irq >= VGICD_NR_PRIVATE && irq < num_irqs(d)) {
        word = &d->spi_hw[(irq - VGICD_NR_PRIVATE) / 32u];
    }
    if (word != NULL) {
        *word = hw ? (*word | bit_of(irq)) : (*word & ~bit_of(irq));
    }
}

bool vgicd_ppi_deliverable(const struct vgicd *d, uint32_t vcpu, uint32_t irq, uint8_t *priority)
{
    if (!__atomic_load_n(&d->enabled, __ATOMIC_RELAXED) || vcpu >= d->num_vcpus ||
        irq < VGICD_NR_SGIS || irq >= VGICD_NR_PRIVATE || !(d->cpu[vcpu].enabled & bit_of(irq))) {
        return false;
    }
    *priority = d->cpu[vcpu].priority[irq];
    return true;
}

bool vgicd_next_pending(const struct vgicd *d, uint32_t vcpu, struct vgic_pending *out)
{
    const struct vgicd_cpu *c;
    struct vgic_pending best = {.irq = 0};
    uint32_t best_prio = NO_PRIORITY;
    uint32_t cand;

    if (!d->enabled || vcpu >= d->num_vcpus) {
        return false;
    }
    c = &d->cpu[vcpu];
    /* IDs are visited in ascending order and only a strictly better priority wins. */
    for (uint32_t i = 0; i < VGICD_NR_SGIS && (c->pending & SGI_MASK) != 0; i++) {
        uint32_t sources = c->sgi_pending[i] & ~c->sgi_active[i];

        if (sources != 0 && c->priority[i] < best_prio) {
            best_prio = c->priority[i];
            best = (struct vgic_pending){.irq = i, .source = (uint8_t)lowest_bit_index(sources)};
        }
    }
    cand = (c->pending | c->level) & c->enabled & ~c->active & ~c->hw & PPI_MASK;
    while (cand != 0) {
        uint32_t irq = lowest_bit_index(cand);

        cand &= cand - 1u;
        if (c->priority[irq] < best_prio) {
            best_prio = c->priority[irq];
            best = (struct vgic_pending){
                .irq = irq, .level = true, .hw = (c->hw & bit_of(irq)) != 0};
        }
    }
    for (uint32_t w = 0; w < d->spi_words && best_prio != 0; w++) {
        cand = spi_ready(d, w);
        while (cand != 0) {
            uint32_t spi = w * 32u + lowest_bit_index(cand);
            uint32_t b = bit_of(spi);

            cand &= cand - 1u;
            if ((d->spi_target[spi] & bit_of(vcpu)) && d->spi_priority[spi] < best_prio) {
                best_prio = d->spi_priority[spi];
                best = (struct vgic_pending){.irq = VGICD_NR_PRIVATE + spi,
                                             .level = !(d->spi_edge[w] & b),
                                             .hw = (d->spi_hw[w] & b) != 0};
            }
        }
    }
    if (best_prio == NO_PRIORITY) {
        return false;
    }
    best.priority = (uint8_t)best_prio;
    *out = best;
    return true;
}

void vgicd_ack(struct vgicd *d, uint32_t vcpu, uint32_t irq, uint32_t source)
{
    struct irq_ref r;

    if (irq < VGICD_NR_SGIS) {
        if (vcpu < d->num_vcpus && source < d->num_vcpus) {
            struct vgicd_cpu *c = &d->cpu[vcpu];

            c->sgi_pending[irq] &= (uint8_t)~bit_of(source);
            c->sgi_active[irq] |= (uint8_t)bit_of(source);
            sgi_sync(c, irq);
        }
        return;
    }
    if (!irq_lookup(d, vcpu, irq, &r)) {
        return;
    }
    *r.active |= r.bit;
    if (r.edge) {
        *r.latch &= ~r.bit; /* the LR carries this edge */
    }
    /* A level interrupt's ISPENDR latch is consumed when the LR shows the guest's ack. */
}

void vgicd_lr_returned(struct vgicd *d, uint32_t vcpu, uint32_t irq, uint32_t source,
                       bool pending, bool active)
{
    struct irq_ref r;
    uint32_t before;

    if (irq < VGICD_NR_SGIS) {
        struct vgicd_cpu *c;
        uint8_t src = (uint8_t)bit_of(source);

        if (vcpu >= d->num_vcpus || source >= d->num_vcpus) {
            return;
        }
        c = &d->cpu[vcpu];
        before = private_ready(c);
        if (pending) {
            c->sgi_pending[irq] |= src;
        }
        c->sgi_active[irq] = active ? (uint8_t)(c->sgi_active[irq] | src)
                                    : (uint8_t)(c->sgi_active[irq] & ~src);
        sgi_sync(c, irq);
        kick_new(d, vcpu, 0, before);
        return;
    }
    if (!irq_lookup(d, vcpu, irq, &r)) {
        return;
    }
    before = ready_word(d, vcpu, r.n);
    if (r.edge && pending) {
        *r.latch |= r.bit;
    } else if (!r.edge && !pending) {
        *r.latch &= ~r.bit; /* the guest acknowledged it: ISPENDR latch consumed */
    }
    *r.active = active ? (*r.active | r.bit) : (*r.active & ~r.bit);
    if (r.hw && !pending && !active) {
        *r.line &= ~r.bit; /* the guest deactivated the physical interrupt */
    }
    if (d->completed != NULL && irq >= VGICD_NR_PRIVATE && !pending && !active) {
        d->completed(d->ctx, irq);
    }
    kick_new(d, vcpu, r.n, before);
}

void vgicd_set_complete_hook(struct vgicd *d, void (*completed)(void *ctx, uint32_t irq))
{
    d->completed = completed;
}
