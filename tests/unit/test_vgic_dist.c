/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the virtual GICv2 distributor: the registers Linux's irq-gic driver uses
 * and the list-register injection state machine.
 */
#include <keel/vdev/vgic_dist.h>

#include "ktest.h"

#define NSPIS 256u /* QEMU virt: 288 interrupt IDs */
#define NVCPUS 4u

struct harness {
    struct vgicd gic;
    unsigned kicks[VGICD_MAX_VCPUS];
    unsigned total_kicks;
};

static void on_kick(void *ctx, uint32_t vcpu)
{
    struct harness *h = ctx;

    KTEST_CHECK(vcpu < h->gic.num_vcpus);
    if (vcpu < VGICD_MAX_VCPUS) {
        h->kicks[vcpu]++;
    }
    h->total_kicks++;
}

static struct harness *setup_n(uint32_t num_spis, uint32_t num_vcpus)
{
    static struct harness h;

    memset(&h, 0, sizeof(h));
    KTEST_EQ(vgicd_init(&h.gic, num_spis, num_vcpus, on_kick, &h), 0);
    return &h;
}

static struct harness *setup(void)
{
    return setup_n(NSPIS, NVCPUS);
}

static void clear_kicks(struct harness *h)
{
    memset(h->kicks, 0, sizeof(h->kicks));
    h->total_kicks = 0;
}

static uint32_t rd(struct harness *h, uint32_t vcpu, uint64_t offset)
{
    uint64_t v = 0xdeadbeefcafeull;

    KTEST_EQ(vgicd_read(&h->gic, vcpu, offset, 4, &v), MMIO_OK);
    KTEST_CHECK(v <= 0xffffffffu);
    return (uint32_t)v;
}

static uint32_t rdb(struct harness *h, uint32_t vcpu, uint64_t offset)
{
    uint64_t v = 0xdeadbeefcafeull;

    KTEST_EQ(vgicd_read(&h->gic, vcpu, offset, 1, &v), MMIO_OK);
    KTEST_CHECK(v <= 0xffu);
    return (uint32_t)v;
}

static void wr(struct harness *h, uint32_t vcpu, uint64_t offset, uint32_t value)
{
    KTEST_EQ(vgicd_write(&h->gic, vcpu, offset, 4, value), MMIO_OK);
}

static void wrb(struct harness *h, uint32_t vcpu, uint64_t offset, uint32_t value)
{
    KTEST_EQ(vgicd_write(&h->gic, vcpu, offset, 1, value), MMIO_OK);
}

/* Word offset of the bitmap register holding `irq` in the family at `base`. */
static uint64_t bit_reg(uint64_t base, uint32_t irq)
{
    return base + 4u * (irq / 32u);
}

static uint32_t bit(uint32_t irq)
{
    return 1u << (irq % 32u);
}

/* Enable, target and prioritise SPI `irq` for `vcpu`, distributor on. */
static void route_spi(struct harness *h, uint32_t irq, uint32_t vcpu, uint8_t prio)
{
    wr(h, 0, VGICD_CTLR, 1);
    wrb(h, 0, VGICD_ITARGETSR + irq, 1u << vcpu);
    wrb(h, 0, VGICD_IPRIORITYR + irq, prio);
    wr(h, 0, bit_reg(VGICD_ISENABLER, irq), bit(irq));
}

static bool next(struct harness *h, uint32_t vcpu, struct vgic_pending *p)
{
    memset(p, 0xa5, sizeof(*p));
    return vgicd_next_pending(&h->gic, vcpu, p);
}

static void test_init_args(void)
{
    struct vgicd d;

    memset(&d, 0x5a, sizeof(d));
    KTEST_EQ(vgicd_init(&d, 33, 1, NULL, NULL), -1);
    KTEST_EQ(vgicd_init(&d, VGICD_MAX_SPIS + 32, 1, NULL, NULL), -1);
    KTEST_EQ(vgicd_init(&d, 64, 0, NULL, NULL), -1);
    KTEST_EQ(vgicd_init(&d, 64, VGICD_MAX_VCPUS + 1, NULL, NULL), -1);
    KTEST_EQ(d.num_spis, 0x5a5a5a5au); /* untouched on error */
    KTEST_EQ(vgicd_init(&d, 0, 1, NULL, NULL), 0);
    KTEST_EQ(vgicd_init(&d, VGICD_MAX_SPIS, VGICD_MAX_VCPUS, NULL, NULL), 0);
}

static void test_ctlr_typer_iidr_ids(void)
{
    static const uint8_t ids[12] = {0x04, 0x00, 0x00, 0x00, 0x90, 0xb4,
                                    0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    struct harness *h = setup();

    KTEST_EQ(rd(h, 0, VGICD_TYPER), 8u | (3u << 5)); /* 288 IDs, 4 CPUs */
    KTEST_EQ(rd(h, 0, VGICD_IIDR), 0x0200143b);
    KTEST_EQ(rd(h, 0, VGICD_CTLR), 0);
    wr(h, 1, VGICD_CTLR, 0xffffffff);
    KTEST_EQ(rd(h, 2, VGICD_CTLR), 1); /* one enable bit, global */
    wr(h, 0, VGICD_TYPER, 0);
    wr(h, 0, VGICD_IIDR, 0);
    KTEST_EQ(rd(h, 0, VGICD_TYPER), 0x68);
    KTEST_EQ(rd(h, 0, VGICD_IIDR), 0x0200143b);
    for (unsigned i = 0; i < 12; i++) {
        KTEST_EQ(rd(h, 0, VGICD_PIDR4 + 4u * i), ids[i]);
    }
    KTEST_EQ(rd(h, 0, 0x00c), 0); /* reserved */
    h = setup_n(0, 1);
    KTEST_EQ(rd(h, 0, VGICD_TYPER), 0);
    h = setup_n(VGICD_MAX_SPIS, VGICD_MAX_VCPUS);
    KTEST_EQ(rd(h, 7, VGICD_TYPER), (VGICD_MAX_SPIS / 32u) | (7u << 5));
}

static void test_igroupr_raz_wi(void)
{
    struct harness *h = setup();

    for (uint32_t off = VGICD_IGROUPR; off < VGICD_ISENABLER; off += 4) {
        wr(h, 0, off, 0xffffffff);
        KTEST_EQ(rd(h, 0, off), 0);
    }
}

static void test_enable_set_clear(void)
{
    struct harness *h = setup();

    /* SGIs are always enabled; PPIs are banked per vCPU. */
    KTEST_EQ(rd(h, 0, VGICD_ISENABLER), 0x0000ffff);
    wr(h, 0, VGICD_ICENABLER, 0xffffffff);
    KTEST_EQ(rd(h, 0, VGICD_ISENABLER), 0x0000ffff);
    wr(h, 1, VGICD_ISENABLER, bit(27) | bit(30));
    KTEST_EQ(rd(h, 1, VGICD_ISENABLER), 0x0000ffff | bit(27) | bit(30));
    KTEST_EQ(rd(h, 1, VGICD_ICENABLER), 0x0000ffff | bit(27) | bit(30));
    KTEST_EQ(rd(h, 0, VGICD_ISENABLER), 0x0000ffff);
    wr(h, 1, VGICD_ICENABLER, bit(30));
    KTEST_EQ(rd(h, 1, VGICD_ISENABLER), 0x0000ffff | bit(27));
    /* SPIs are global. */
    wr(h, 0, bit_reg(VGICD_ISENABLER, 33), 0x80000002);
    KTEST_EQ(rd(h, 3, bit_reg(VGICD_ISENABLER, 33)), 0x80000002);
    wr(h, 2, bit_reg(VGICD_ICENABLER, 33), 0x00000002);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ICENABLER, 33)), 0x80000000);
    wr(h, 0, bit_reg(VGICD_ISENABLER, 287), 0xffffffff); /* last implemented word */
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISENABLER, 287)), 0xffffffff);
    /* Words beyond ITLinesNumber are RAZ/WI. */
    wr(h, 0, bit_reg(VGICD_ISENABLER, 288), 0xffffffff);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISENABLER, 288)), 0);
    KTEST_EQ(rd(h, 0, VGICD_ICENABLER + 0x7c), 0);
}

static void test_pending_set_clear(void)
{
    struct harness *h = setup();

    /* SGI bits of ISPENDR0/ICPENDR0 are WI. */
    wr(h, 0, VGICD_ISPENDR, 0xffffffff);
    KTEST_EQ(rd(h, 0, VGICD_ISPENDR), 0xffff0000);
    KTEST_EQ(rd(h, 1, VGICD_ISPENDR), 0); /* banked */
    wr(h, 0, VGICD_ICPENDR, 0xffffffff);
    KTEST_EQ(rd(h, 0, VGICD_ICPENDR), 0);
    /* SPI latches. */
    wr(h, 0, bit_reg(VGICD_ISPENDR, 40), bit(40) | bit(41));
    KTEST_EQ(rd(h, 1, bit_reg(VGICD_ICPENDR, 40)), bit(40) | bit(41));
    wr(h, 0, bit_reg(VGICD_ICPENDR, 40), bit(40));
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 40)), bit(41));
    /* A level SPI with its line high stays pending through ICPENDR. */
    vgicd_set_level(&h->gic, 0, 50, true);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 50)) & bit(50), bit(50));
    wr(h, 0, bit_reg(VGICD_ICPENDR, 50), bit(50));
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 50)) & bit(50), bit(50));
    vgicd_set_level(&h->gic, 0, 50, false);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 50)) & bit(50), 0);
    /* An edge SPI latches on the rising edge and stays pending when the line drops. */
    wr(h, 0, VGICD_ICFGR + 4u * (60 / 16), VGICD_ICFGR_EDGE << (2u * (60 % 16)));
    vgicd_set_level(&h->gic, 0, 60, true);
    vgicd_set_level(&h->gic, 0, 60, false);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 60)) & bit(60), bit(60));
    wr(h, 0, bit_reg(VGICD_ICPENDR, 60), bit(60));
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 60)) & bit(60), 0);
    /* A PPI line is banked. */
    vgicd_set_level(&h->gic, 2, 27, true);
    KTEST_EQ(rd(h, 2, VGICD_ISPENDR), bit(27));
    KTEST_EQ(rd(h, 1, VGICD_ISPENDR), 0);
}

static void test_active_set_clear(void)
{
    struct harness *h = setup();

    wr(h, 0, bit_reg(VGICD_ISACTIVER, 100), bit(100));
    KTEST_EQ(rd(h, 3, bit_reg(VGICD_ICACTIVER, 100)), bit(100));
    wr(h, 0, bit_reg(VGICD_ICACTIVER, 100), 0xffffffff);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISACTIVER, 100)), 0);
    /* SGI active: the accessing vCPU is the source; ICACTIVER clears every source. */
    wr(h, 2, VGICD_ISACTIVER, bit(3) | bit(26));
    KTEST_EQ(rd(h, 2, VGICD_ISACTIVER), bit(3) | bit(26));
    KTEST_EQ(h->gic.cpu[2].sgi_active[3], 1u << 2);
    KTEST_EQ(rd(h, 0, VGICD_ISACTIVER), 0);
    wr(h, 2, VGICD_ICACTIVER, 0xffffffff);
    KTEST_EQ(rd(h, 2, VGICD_ISACTIVER), 0);
    KTEST_EQ(h->gic.cpu[2].sgi_active[3], 0);
}

static void test_priority(void)
{
    struct harness *h = setup();

    wrb(h, 0, VGICD_IPRIORITYR + 40, 0xff);
    KTEST_EQ(rdb(h, 1, VGICD_IPRIORITYR + 40), 0xf8); /* 5 bits; SPIs global */
    wr(h, 0, VGICD_IPRIORITYR + 44, 0x12345678);
    KTEST_EQ(rd(h, 0, VGICD_IPRIORITYR + 44), 0x10305078);
    KTEST_EQ(rdb(h, 0, VGICD_IPRIORITYR + 45), 0x50);
    wrb(h, 0, VGICD_IPRIORITYR + 46, 0xa7);
    KTEST_EQ(rd(h, 0, VGICD_IPRIORITYR + 44), 0x10a05078);
    /* SGI/PPI priorities are banked (Linux: GICD_INT_DEF_PRI_X4 per CPU). */
    wr(h, 1, VGICD_IPRIORITYR + 24, 0xa0a0a0a0);
    KTEST_EQ(rd(h, 1, VGICD_IPRIORITYR + 24), 0xa0a0a0a0);
    KTEST_EQ(rd(h, 0, VGICD_IPRIORITYR + 24), 0);
    wrb(h, 3, VGICD_IPRIORITYR + 2, 0x48);
    KTEST_EQ(rdb(h, 3, VGICD_IPRIORITYR + 2), 0x48);
    /* IDs 288.. (0x520..0x7fb) and reserved 0x7fc are RAZ/WI. */
    wr(h, 0, VGICD_IPRIORITYR + 288, 0xffffffff);
    KTEST_EQ(rd(h, 0, VGICD_IPRIORITYR + 288), 0);
    wr(h, 0, 0x7fc, 0xffffffff);
    KTEST_EQ(rd(h, 0, 0x7fc), 0);
    KTEST_EQ(rd(h, 0, VGICD_IPRIORITYR + 284), 0); /* last implemented word, reset 0 */
}

static void test_targets(void)
{
    struct harness *h = setup();
    uint32_t mask;

    /* SGI/PPI bytes read as the reader's own bit and ignore writes. */
    for (uint32_t v = 0; v < NVCPUS; v++) {
        for (uint32_t off = 0; off < 32; off += 4) {
            KTEST_EQ(rd(h, v, VGICD_ITARGETSR + off), 0x01010101u << v);
        }
        KTEST_EQ(rdb(h, v, VGICD_ITARGETSR + 27), 1u << v);
    }
    wr(h, 1, VGICD_ITARGETSR + 16, 0xffffffff);
    KTEST_EQ(rd(h, 1, VGICD_ITARGETSR + 16), 0x02020202);
    /* Linux's gic_get_cpumask(). */
    mask = rd(h, 2, VGICD_ITARGETSR);
    mask |= mask >> 16;
    mask |= mask >> 8;
    KTEST_EQ(mask & 0xff, 0x04);
    /* SPI bytes keep implemented vCPU bits. */
    KTEST_EQ(rd(h, 0, VGICD_ITARGETSR + 32), 0);
    wr(h, 0, VGICD_ITARGETSR + 32, 0x01020408);
    KTEST_EQ(rd(h, 3, VGICD_ITARGETSR + 32), 0x01020408);
    wrb(h, 0, VGICD_ITARGETSR + 33, 0xff);
    KTEST_EQ(rd(h, 0, VGICD_ITARGETSR + 32), 0x01020f08);
    KTEST_EQ(rdb(h, 2, VGICD_ITARGETSR + 33), 0x0f);
    wr(h, 0, VGICD_ITARGETSR + 288, 0xffffffff);
    KTEST_EQ(rd(h, 0, VGICD_ITARGETSR + 288), 0);
    /* Uniprocessor: SPIs target the one CPU and the bytes are read-only. */
    h = setup_n(32, 1);
    KTEST_EQ(rd(h, 0, VGICD_ITARGETSR + 32), 0x01010101);
    wr(h, 0, VGICD_ITARGETSR + 32, 0);
    KTEST_EQ(rd(h, 0, VGICD_ITARGETSR + 60), 0x01010101);
    KTEST_EQ(rd(h, 0, VGICD_ITARGETSR), 0x01010101);
}

static void test_icfgr(void)
{
    struct harness *h = setup();

    KTEST_EQ(rd(h, 0, VGICD_ICFGR), 0xaaaaaaaa); /* SGIs edge, read-only */
    wr(h, 0, VGICD_ICFGR, 0);
    KTEST_EQ(rd(h, 0, VGICD_ICFGR), 0xaaaaaaaa);
    KTEST_EQ(rd(h, 0, VGICD_ICFGR + 4), 0); /* PPIs level, read-only */
    wr(h, 0, VGICD_ICFGR + 4, 0xffffffff);
    KTEST_EQ(rd(h, 1, VGICD_ICFGR + 4), 0);
    /* SPIs: the edge bit of each field; bit 0 RAZ/WI. */
    KTEST_EQ(rd(h, 0, VGICD_ICFGR + 8), 0); /* reset: level */
    wr(h, 0, VGICD_ICFGR + 8, 0xffffffff);
    KTEST_EQ(rd(h, 0, VGICD_ICFGR + 8), 0xaaaaaaaa);
    wr(h, 0, VGICD_ICFGR + 12, 0x80000008); /* IDs 49 and 63 edge */
    KTEST_EQ(rd(h, 2, VGICD_ICFGR + 12), 0x80000008);
    KTEST_EQ(rd(h, 0, VGICD_ICFGR + 8), 0xaaaaaaaa); /* neighbour half-word kept */
    KTEST_EQ(h->gic.spi_edge[0], 0x8002ffffu);
    wr(h, 0, VGICD_ICFGR + 8, 0); /* Linux: GICD_INT_ACTLOW_LVLTRIG */
    KTEST_EQ(h->gic.spi_edge[0], 0x80020000u);
    wr(h, 0, VGICD_ICFGR + 4u * (287 / 16), 0x80000000);
    KTEST_EQ(rd(h, 0, VGICD_ICFGR + 4u * (287 / 16)), 0x80000000);
    wr(h, 0, VGICD_ICFGR + 4u * (288 / 16), 0xffffffff); /* beyond the SPIs */
    KTEST_EQ(rd(h, 0, VGICD_ICFGR + 4u * (288 / 16)), 0);
    KTEST_EQ(rd(h, 0, VGICD_ICFGR + 0xfc), 0);
}

static void test_sgir_filters(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    wr(h, 0, VGICD_CTLR, 1);
    /* Filter 0: target list {1, 3} from vCPU 0, SGI 5; bits for vCPUs 4-7 ignored. */
    wr(h, 0, VGICD_SGIR, (0u << 24) | (0xfau << 16) | 5u);
    KTEST_EQ(h->kicks[1], 1);
    KTEST_EQ(h->kicks[3], 1);
    KTEST_EQ(h->total_kicks, 2);
    KTEST_EQ(rd(h, 1, VGICD_ISPENDR), bit(5));
    KTEST_EQ(rd(h, 0, VGICD_ISPENDR), 0);
    KTEST_EQ(rdb(h, 3, VGICD_SPENDSGIR + 5), 0x01); /* source vCPU 0 */
    KTEST_EQ(rd(h, 3, VGICD_CPENDSGIR + 4), 0x00000100);
    KTEST_CHECK(next(h, 1, &p));
    KTEST_EQ(p.irq, 5);
    KTEST_EQ(p.source, 0);
    KTEST_CHECK(!p.level);
    KTEST_CHECK(!p.hw);
    /* Filter 1: all but the requester. */
    clear_kicks(h);
    wr(h, 2, VGICD_SGIR, (1u << 24) | 7u);
    KTEST_EQ(h->kicks[0] + h->kicks[1] + h->kicks[3], 3);
    KTEST_EQ(h->kicks[2], 0);
    KTEST_EQ(rdb(h, 0, VGICD_SPENDSGIR + 7), 0x04);
    KTEST_EQ(rdb(h, 2, VGICD_SPENDSGIR + 7), 0x00);
    /* Filter 2: the requester only (Linux's self-IPI on a 1-CPU system). */
    clear_kicks(h);
    wr(h, 3, VGICD_SGIR, (2u << 24) | (0xffu << 16) | 15u);
    KTEST_EQ(h->kicks[3], 1);
    KTEST_EQ(h->total_kicks, 1);
    KTEST_EQ(rdb(h, 3, VGICD_SPENDSGIR + 15), 0x08);
    /* Filter 3 is reserved: nothing happens. */
    clear_kicks(h);
    wr(h, 0, VGICD_SGIR, (3u << 24) | (0xffu << 16) | 1u);
    KTEST_EQ(h->total_kicks, 0);
    for (uint32_t v = 0; v < NVCPUS; v++) {
        KTEST_EQ(rdb(h, v, VGICD_SPENDSGIR + 1), 0);
    }
    /* Sending an SGI that is already pending from the same source: no new kick. */
    wr(h, 0, VGICD_SGIR, (0u << 24) | (0x02u << 16) | 5u);
    KTEST_EQ(h->total_kicks, 0);
    /* SGIR is write-only. */
    KTEST_EQ(rd(h, 0, VGICD_SGIR), 0);
    /* CPENDSGIR clears sources; SPENDSGIR sets them (implemented vCPUs only). */
    KTEST_EQ(rd(h, 1, VGICD_ISPENDR), bit(5) | bit(7));
    wrb(h, 1, VGICD_CPENDSGIR + 7, 0x04);
    wrb(h, 1, VGICD_CPENDSGIR + 5, 0xff);
    KTEST_EQ(rd(h, 1, VGICD_ISPENDR), 0);
    wrb(h, 1, VGICD_SPENDSGIR + 9, 0xf6);
    KTEST_EQ(rdb(h, 1, VGICD_SPENDSGIR + 9), 0x06);
    KTEST_EQ(rdb(h, 1, VGICD_CPENDSGIR + 9), 0x06);
    KTEST_EQ(rd(h, 1, VGICD_ISPENDR), bit(9));
    wr(h, 1, VGICD_CPENDSGIR + 8, 0x0000ff00);
    KTEST_EQ(rd(h, 1, VGICD_ISPENDR), 0);
}

static void test_next_pending_order(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    KTEST_CHECK(!next(h, 0, &p));
    route_spi(h, 40, 0, 0x80);
    route_spi(h, 41, 0, 0x40);
    route_spi(h, 50, 0, 0x40);
    route_spi(h, 60, 1, 0x00); /* another vCPU's */
    wr(h, 0, VGICD_ISENABLER, bit(27));
    wrb(h, 0, VGICD_IPRIORITYR + 27, 0x40);
    wrb(h, 0, VGICD_IPRIORITYR + 3, 0x48);
    vgicd_set_level(&h->gic, 0, 40, true);
    vgicd_set_level(&h->gic, 0, 60, true);
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.irq, 40);
    KTEST_EQ(p.priority, 0x80);
    KTEST_CHECK(p.level);
    KTEST_EQ(p.source, 0);
    vgicd_set_level(&h->gic, 0, 50, true);
    vgicd_set_level(&h->gic, 0, 41, true);
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.irq, 41); /* 0x40 beats 0x80; 41 before 50 on the tie */
    wr(h, 0, VGICD_SGIR, (2u << 24) | 3u); /* SGI 3 at 0x48: loses to 0x40 */
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.irq, 41);
    vgicd_set_level(&h->gic, 0, 27, true); /* PPI 27 at 0x40: lower ID wins the tie */
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.irq, 27);
    wrb(h, 0, VGICD_IPRIORITYR + 3, 0x40); /* SGI 3 at 0x40: lowest ID of all */
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.irq, 3);
    KTEST_EQ(p.source, 0);
    /* Disabled, active and non-targeted interrupts are skipped. */
    wrb(h, 0, VGICD_IPRIORITYR + 3, 0xf0);
    wr(h, 0, VGICD_ICENABLER, bit(27));
    wr(h, 0, bit_reg(VGICD_ISACTIVER, 41), bit(41));
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.irq, 50);
    KTEST_CHECK(next(h, 1, &p));
    KTEST_EQ(p.irq, 60);
    KTEST_CHECK(!next(h, 2, &p));
    /* SGIs from several sources: lowest source first, each source separately. */
    wr(h, 3, VGICD_SGIR, (0u << 24) | (0x04u << 16) | 2u);
    wr(h, 1, VGICD_SGIR, (0u << 24) | (0x04u << 16) | 2u);
    KTEST_CHECK(next(h, 2, &p));
    KTEST_EQ(p.irq, 2);
    KTEST_EQ(p.source, 1);
    vgicd_ack(&h->gic, 2, 2, 1);
    KTEST_CHECK(next(h, 2, &p));
    KTEST_EQ(p.irq, 2);
    KTEST_EQ(p.source, 3);
    /* Out of range vCPU. */
    KTEST_CHECK(!next(h, NVCPUS, &p));
    KTEST_CHECK(!next(h, 1000, &p));
}

static void test_edge_lifecycle(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    wr(h, 0, VGICD_ICFGR + 4u * (70 / 16), VGICD_ICFGR_EDGE << (2u * (70 % 16)));
    route_spi(h, 70, 1, 0xa0);
    clear_kicks(h);
    vgicd_set_level(&h->gic, 0, 70, true);
    KTEST_EQ(h->kicks[1], 1);
    vgicd_set_level(&h->gic, 0, 70, true); /* no new edge */
    KTEST_EQ(h->kicks[1], 1);
    KTEST_CHECK(next(h, 1, &p));
    KTEST_EQ(p.irq, 70);
    KTEST_CHECK(!p.level);
    vgicd_ack(&h->gic, 1, 70, 0);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 70)) & bit(70), 0);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISACTIVER, 70)) & bit(70), bit(70));
    KTEST_CHECK(!next(h, 1, &p)); /* held by the LR */
    /* A new edge while listed: active and pending, still not forwarded. */
    vgicd_set_level(&h->gic, 0, 70, false);
    vgicd_set_level(&h->gic, 0, 70, true);
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 70)) & bit(70), bit(70));
    KTEST_CHECK(!next(h, 1, &p));
    KTEST_EQ(h->kicks[1], 1);
    /* The guest acknowledged (LR active), then deactivated (LR invalid). */
    vgicd_lr_returned(&h->gic, 1, 70, 0, false, true);
    KTEST_CHECK(!next(h, 1, &p));
    KTEST_EQ(h->kicks[1], 1);
    vgicd_lr_returned(&h->gic, 1, 70, 0, false, false);
    KTEST_EQ(h->kicks[1], 2); /* the second edge is deliverable now */
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISACTIVER, 70)) & bit(70), 0);
    KTEST_CHECK(next(h, 1, &p));
    KTEST_EQ(p.irq, 70);
    vgicd_ack(&h->gic, 1, 70, 0);
    vgicd_lr_returned(&h->gic, 1, 70, 0, false, false);
    KTEST_CHECK(!next(h, 1, &p));
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 70)) & bit(70), 0);
    /* Evicted before the guest took it: pending again (merged with any new edge). */
    vgicd_set_level(&h->gic, 0, 70, false);
    vgicd_set_level(&h->gic, 0, 70, true);
    vgicd_ack(&h->gic, 1, 70, 0);
    vgicd_set_level(&h->gic, 0, 70, false);
    vgicd_set_level(&h->gic, 0, 70, true);
    vgicd_lr_returned(&h->gic, 1, 70, 0, true, false);
    KTEST_CHECK(next(h, 1, &p));
    vgicd_ack(&h->gic, 1, 70, 0);
    vgicd_lr_returned(&h->gic, 1, 70, 0, false, false);
    KTEST_CHECK(!next(h, 1, &p));
}

static void test_level_lifecycle(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    route_spi(h, 80, 2, 0x20);
    clear_kicks(h);
    vgicd_set_level(&h->gic, 0, 80, true);
    KTEST_EQ(h->kicks[2], 1);
    KTEST_CHECK(next(h, 2, &p));
    KTEST_EQ(p.irq, 80);
    KTEST_CHECK(p.level); /* hypervisor sets LR.EOI */
    KTEST_CHECK(!p.hw);
    vgicd_ack(&h->gic, 2, 80, 0);
    /* Line still high: active and pending, not forwarded again. */
    KTEST_EQ(rd(h, 2, bit_reg(VGICD_ISPENDR, 80)) & bit(80), bit(80));
    KTEST_EQ(rd(h, 2, bit_reg(VGICD_ISACTIVER, 80)) & bit(80), bit(80));
    KTEST_CHECK(!next(h, 2, &p));
    /* EOI maintenance with the line still high: pending again at once. */
    vgicd_lr_returned(&h->gic, 2, 80, 0, false, false);
    KTEST_EQ(h->kicks[2], 2);
    KTEST_CHECK(next(h, 2, &p));
    KTEST_EQ(p.irq, 80);
    vgicd_ack(&h->gic, 2, 80, 0);
    /* The device is served and drops the line before the EOI: idle afterwards. */
    vgicd_set_level(&h->gic, 0, 80, false);
    KTEST_EQ(rd(h, 2, bit_reg(VGICD_ISPENDR, 80)) & bit(80), 0);
    vgicd_lr_returned(&h->gic, 2, 80, 0, false, false);
    KTEST_EQ(h->kicks[2], 2);
    KTEST_CHECK(!next(h, 2, &p));
    /* Evicted before the guest took it, line dropped meanwhile: not pending. */
    vgicd_set_level(&h->gic, 0, 80, true);
    vgicd_ack(&h->gic, 2, 80, 0);
    vgicd_set_level(&h->gic, 0, 80, false);
    vgicd_lr_returned(&h->gic, 2, 80, 0, true, false);
    KTEST_CHECK(!next(h, 2, &p));
    /* Pending only through ISPENDR: survives eviction, consumed by the guest's ack. */
    wr(h, 0, bit_reg(VGICD_ISPENDR, 80), bit(80));
    KTEST_CHECK(next(h, 2, &p));
    vgicd_ack(&h->gic, 2, 80, 0);
    vgicd_lr_returned(&h->gic, 2, 80, 0, true, false);
    KTEST_CHECK(next(h, 2, &p));
    KTEST_EQ(p.irq, 80);
    vgicd_ack(&h->gic, 2, 80, 0);
    vgicd_lr_returned(&h->gic, 2, 80, 0, false, true); /* acknowledged, handler runs */
    KTEST_EQ(rd(h, 2, bit_reg(VGICD_ISPENDR, 80)) & bit(80), 0);
    KTEST_EQ(rd(h, 2, bit_reg(VGICD_ISACTIVER, 80)) & bit(80), bit(80));
    vgicd_lr_returned(&h->gic, 2, 80, 0, false, false);
    KTEST_CHECK(!next(h, 2, &p));
    KTEST_EQ(rd(h, 2, bit_reg(VGICD_ISACTIVER, 80)) & bit(80), 0);
}

/* The complete hook (pass-through SPIs): called once the guest has EOIed an SPI, before the
   model re-samples its line, so a hook that lowers the line stops a second delivery. */
static unsigned hook_calls;
static uint32_t hook_irq;
static bool hook_lowers;
static struct harness *hook_h;

static void on_completed(void *ctx, uint32_t irq)
{
    KTEST_CHECK(ctx == hook_h);
    hook_calls++;
    hook_irq = irq;
    if (hook_lowers)
        vgicd_set_level(&hook_h->gic, 0, irq, false);
}

static void test_complete_hook(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    hook_h = h;
    hook_calls = 0;
    hook_lowers = true;
    vgicd_set_complete_hook(&h->gic, on_completed);
    route_spi(h, 80, 2, 0x20);
    vgicd_set_level(&h->gic, 0, 80, true);
    KTEST_CHECK(next(h, 2, &p));
    vgicd_ack(&h->gic, 2, 80, 0);
    vgicd_lr_returned(&h->gic, 2, 80, 0, true, false); /* evicted, still pending: no hook */
    KTEST_EQ(hook_calls, 0);
    vgicd_ack(&h->gic, 2, 80, 0);
    vgicd_lr_returned(&h->gic, 2, 80, 0, false, true); /* acknowledged, handler runs: no hook */
    KTEST_EQ(hook_calls, 0);
    vgicd_lr_returned(&h->gic, 2, 80, 0, false, false); /* EOIed */
    KTEST_EQ(hook_calls, 1);
    KTEST_EQ(hook_irq, 80);
    KTEST_CHECK(!next(h, 2, &p)); /* the hook lowered the line first: no second delivery */
    /* a hook that leaves the line high: delivered again, as without a hook */
    hook_lowers = false;
    vgicd_set_level(&h->gic, 0, 80, true);
    KTEST_CHECK(next(h, 2, &p));
    vgicd_ack(&h->gic, 2, 80, 0);
    vgicd_lr_returned(&h->gic, 2, 80, 0, false, false);
    KTEST_EQ(hook_calls, 2);
    KTEST_CHECK(next(h, 2, &p));
    /* private interrupts and SGIs never call it */
    vgicd_lr_returned(&h->gic, 0, 4, 1, false, false);
    vgicd_lr_returned(&h->gic, 0, 27, 0, false, false);
    KTEST_EQ(hook_calls, 2);
    /* vgicd_init detaches it */
    h = setup();
    route_spi(h, 80, 2, 0x20);
    vgicd_set_level(&h->gic, 0, 80, true);
    KTEST_CHECK(next(h, 2, &p));
    vgicd_ack(&h->gic, 2, 80, 0);
    vgicd_lr_returned(&h->gic, 2, 80, 0, false, false);
    KTEST_EQ(hook_calls, 2);
}

static void test_sgi_lifecycle(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    wr(h, 0, VGICD_CTLR, 1);
    wr(h, 1, VGICD_SGIR, (0u << 24) | (0x01u << 16) | 4u);
    wr(h, 2, VGICD_SGIR, (0u << 24) | (0x01u << 16) | 4u);
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.source, 1);
    vgicd_ack(&h->gic, 0, 4, 1);
    KTEST_EQ(rdb(h, 0, VGICD_SPENDSGIR + 4), 0x04);
    KTEST_EQ(rd(h, 0, VGICD_ISACTIVER), bit(4));
    KTEST_CHECK(next(h, 0, &p)); /* the same SGI from vCPU 2 is a separate interrupt */
    KTEST_EQ(p.irq, 4);
    KTEST_EQ(p.source, 2);
    vgicd_ack(&h->gic, 0, 4, 2);
    KTEST_CHECK(!next(h, 0, &p));
    KTEST_EQ(rd(h, 0, VGICD_ISPENDR), 0);
    /* Resent by vCPU 1 while its first one is active: pending and active. */
    clear_kicks(h);
    wr(h, 1, VGICD_SGIR, (0u << 24) | (0x01u << 16) | 4u);
    KTEST_EQ(h->kicks[0], 0); /* not deliverable yet */
    KTEST_CHECK(!next(h, 0, &p));
    vgicd_lr_returned(&h->gic, 0, 4, 1, false, false);
    KTEST_EQ(h->kicks[0], 1);
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.source, 1);
    vgicd_ack(&h->gic, 0, 4, 1);
    vgicd_lr_returned(&h->gic, 0, 4, 1, false, false);
    vgicd_lr_returned(&h->gic, 0, 4, 2, true, false); /* evicted before the guest took it */
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.source, 2);
    vgicd_ack(&h->gic, 0, 4, 2);
    vgicd_lr_returned(&h->gic, 0, 4, 2, false, false);
    KTEST_CHECK(!next(h, 0, &p));
    KTEST_EQ(rd(h, 0, VGICD_ISACTIVER), 0);
    /* set_level on an SGI: self-sent edge. */
    vgicd_set_level(&h->gic, 3, 9, true);
    vgicd_set_level(&h->gic, 3, 9, false);
    KTEST_CHECK(next(h, 3, &p));
    KTEST_EQ(p.irq, 9);
    KTEST_EQ(p.source, 3);
}

static void test_ppi_banked(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    wr(h, 0, VGICD_CTLR, 1);
    wr(h, 1, VGICD_ISENABLER, bit(27));
    wr(h, 0, VGICD_ISENABLER, bit(27));
    clear_kicks(h);
    vgicd_set_level(&h->gic, 1, 27, true);
    KTEST_EQ(h->kicks[1], 1);
    KTEST_EQ(h->total_kicks, 1);
    KTEST_CHECK(!next(h, 0, &p));
    KTEST_CHECK(next(h, 1, &p));
    KTEST_EQ(p.irq, 27);
    KTEST_CHECK(p.level);
    vgicd_ack(&h->gic, 1, 27, 0);
    KTEST_EQ(rd(h, 1, VGICD_ISACTIVER), bit(27));
    KTEST_EQ(rd(h, 0, VGICD_ISACTIVER), 0);
    vgicd_set_level(&h->gic, 1, 27, false);
    vgicd_lr_returned(&h->gic, 1, 27, 0, false, false);
    KTEST_CHECK(!next(h, 1, &p));
    /* Enabling a PPI whose line is high kicks that vCPU only. */
    wr(h, 2, VGICD_ICENABLER, bit(30));
    vgicd_set_level(&h->gic, 2, 30, true);
    clear_kicks(h);
    wr(h, 2, VGICD_ISENABLER, bit(30));
    KTEST_EQ(h->kicks[2], 1);
    KTEST_EQ(h->total_kicks, 1);
}

static void test_hw_interrupts(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    route_spi(h, 48, 0, 0x10);
    vgicd_set_hw(&h->gic, 0, 48, true);
    vgicd_set_level(&h->gic, 0, 48, true);
    KTEST_CHECK(next(h, 0, &p));
    KTEST_EQ(p.irq, 48);
    KTEST_CHECK(p.hw);
    KTEST_CHECK(p.level);
    vgicd_ack(&h->gic, 0, 48, 0);
    /* The guest deactivated the physical interrupt: the line is dropped with it. */
    clear_kicks(h);
    vgicd_lr_returned(&h->gic, 0, 48, 0, false, false);
    KTEST_CHECK(!next(h, 0, &p));
    KTEST_EQ(h->total_kicks, 0);
    vgicd_set_level(&h->gic, 0, 48, true); /* the physical interrupt fired again */
    KTEST_EQ(h->kicks[0], 1);
    KTEST_CHECK(next(h, 0, &p));
    vgicd_set_hw(&h->gic, 0, 48, false);
    KTEST_CHECK(next(h, 0, &p));
    KTEST_CHECK(!p.hw);
    /* SGIs cannot be hw. */
    vgicd_set_hw(&h->gic, 0, 1, true);
    KTEST_EQ(h->gic.cpu[0].hw, 0);
}

/* A hardware-backed PPI (the virtual timer): the hypervisor lists it itself; the model only
   says whether it may and at which priority, and never delivers it or holds its state. */
static void test_hw_ppi(void)
{
    struct harness *h = setup();
    struct vgic_pending p;
    uint8_t prio = 0;

    wr(h, 0, VGICD_CTLR, VGICD_CTLR_ENABLE);
    vgicd_set_hw(&h->gic, 3, 27, true);
    KTEST_CHECK(!vgicd_ppi_deliverable(&h->gic, 3, 27, &prio)); /* disabled */
    wr(h, 3, VGICD_ISENABLER, bit(27));
    wrb(h, 3, VGICD_IPRIORITYR + 27, 0xa7);
    KTEST_CHECK(vgicd_ppi_deliverable(&h->gic, 3, 27, &prio));
    KTEST_EQ(prio, 0xa0);
    /* banked: vCPU 2's PPI 27 is still disabled */
    KTEST_CHECK(!vgicd_ppi_deliverable(&h->gic, 2, 27, &prio));
    /* never delivered by the model, whatever the line or the guest's pending writes */
    clear_kicks(h);
    vgicd_set_level(&h->gic, 3, 27, true);
    wr(h, 3, VGICD_ISPENDR, bit(27));
    wr(h, 3, VGICD_ISACTIVER, bit(27));
    KTEST_CHECK(!next(h, 3, &p));
    KTEST_EQ(rd(h, 3, VGICD_ISPENDR) & bit(27), 0);
    KTEST_EQ(rd(h, 3, VGICD_ISACTIVER) & bit(27), 0);
    KTEST_EQ(h->total_kicks, 0);
    /* the distributor's enable gates it too */
    wr(h, 0, VGICD_CTLR, 0);
    KTEST_CHECK(!vgicd_ppi_deliverable(&h->gic, 3, 27, &prio));
    wr(h, 0, VGICD_CTLR, VGICD_CTLR_ENABLE);
    KTEST_CHECK(vgicd_ppi_deliverable(&h->gic, 3, 27, &prio));
    /* no longer hw: an ordinary level PPI again */
    vgicd_set_hw(&h->gic, 3, 27, false);
    vgicd_set_level(&h->gic, 3, 27, true);
    KTEST_CHECK(next(h, 3, &p));
    KTEST_EQ(p.irq, 27);
    KTEST_CHECK(!p.hw);
    /* only PPIs and vCPUs that exist */
    KTEST_CHECK(!vgicd_ppi_deliverable(&h->gic, 3, 1, &prio));
    KTEST_CHECK(!vgicd_ppi_deliverable(&h->gic, 3, 40, &prio));
    KTEST_CHECK(!vgicd_ppi_deliverable(&h->gic, NVCPUS, 27, &prio));
}

static void test_distributor_disable(void)
{
    struct harness *h = setup();
    struct vgic_pending p;

    route_spi(h, 90, 1, 0x10);
    wr(h, 0, bit_reg(VGICD_ISENABLER, 91), bit(91));
    wrb(h, 0, VGICD_ITARGETSR + 91, 0x08);
    wr(h, 0, VGICD_CTLR, 0);
    clear_kicks(h);
    vgicd_set_level(&h->gic, 0, 90, true);
    vgicd_set_level(&h->gic, 0, 91, true);
    wr(h, 0, VGICD_SGIR, (1u << 24) | 1u);
    KTEST_EQ(h->total_kicks, 0);
    for (uint32_t v = 0; v < NVCPUS; v++) {
        KTEST_CHECK(!next(h, v, &p));
    }
    /* Register state is still visible while disabled. */
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 90)) & (bit(90) | bit(91)), bit(90) | bit(91));
    /* Enabling kicks exactly the vCPUs with something deliverable. */
    wr(h, 0, VGICD_CTLR, 1);
    KTEST_EQ(h->kicks[0], 0);
    KTEST_EQ(h->kicks[1], 1); /* SPI 90 and SGI 1 */
    KTEST_EQ(h->kicks[2], 1); /* SGI 1 */
    KTEST_EQ(h->kicks[3], 1); /* SPI 91 and SGI 1 */
    KTEST_CHECK(next(h, 1, &p));
    KTEST_CHECK(next(h, 3, &p));
    KTEST_EQ(p.irq, 1);
    clear_kicks(h);
    wr(h, 0, VGICD_CTLR, 1); /* already enabled: no kicks */
    KTEST_EQ(h->total_kicks, 0);
}

static void test_kicks(void)
{
    struct harness *h = setup();

    wr(h, 0, VGICD_CTLR, 1);
    wr(h, 0, VGICD_ITARGETSR + 100, 0x00000006); /* SPI 100 -> vCPUs 1 and 2 */
    clear_kicks(h);
    vgicd_set_level(&h->gic, 0, 100, true); /* disabled: nothing deliverable */
    KTEST_EQ(h->total_kicks, 0);
    wr(h, 0, bit_reg(VGICD_ISENABLER, 100), bit(100));
    KTEST_EQ(h->kicks[1], 1);
    KTEST_EQ(h->kicks[2], 1);
    KTEST_EQ(h->total_kicks, 2);
    vgicd_set_level(&h->gic, 0, 100, true); /* already pending: no kick */
    KTEST_EQ(h->total_kicks, 2);
    wrb(h, 0, VGICD_ITARGETSR + 100, 0x0e); /* retarget: only the new vCPU */
    KTEST_EQ(h->kicks[3], 1);
    KTEST_EQ(h->total_kicks, 3);
    wr(h, 0, bit_reg(VGICD_ISACTIVER, 100), bit(100));
    wrb(h, 0, VGICD_ITARGETSR + 100, 0x0f); /* active: nothing to deliver */
    KTEST_EQ(h->total_kicks, 3);
    wr(h, 0, bit_reg(VGICD_ICACTIVER, 100), bit(100)); /* deactivated, still pending */
    KTEST_EQ(h->total_kicks, 7);
    wrb(h, 0, VGICD_IPRIORITYR + 100, 0x10); /* priority alone never kicks */
    KTEST_EQ(h->total_kicks, 7);
    /* ISPENDR of an enabled SPI; ICFGR turning a high line level-sensitive. */
    clear_kicks(h);
    wr(h, 0, VGICD_ICFGR + 4u * (120 / 16), VGICD_ICFGR_EDGE << (2u * (120 % 16)));
    route_spi(h, 120, 3, 0);
    vgicd_set_level(&h->gic, 0, 120, true);
    KTEST_EQ(h->kicks[3], 1);
    wr(h, 0, bit_reg(VGICD_ICPENDR, 120), bit(120)); /* edge: the latch is gone */
    KTEST_EQ(rd(h, 0, bit_reg(VGICD_ISPENDR, 120)) & bit(120), 0);
    wr(h, 0, VGICD_ICFGR + 4u * (120 / 16), 0); /* level now, line high: pending */
    KTEST_EQ(h->kicks[3], 2);
    wr(h, 0, bit_reg(VGICD_ISPENDR, 121), bit(121));
    KTEST_EQ(h->kicks[0], 0); /* SPI 121 disabled, no target */
    /* NULL kick callback is allowed. */
    KTEST_EQ(vgicd_init(&h->gic, NSPIS, NVCPUS, NULL, NULL), 0);
    wr(h, 0, VGICD_CTLR, 1);
    wr(h, 0, VGICD_SGIR, (1u << 24) | 1u);
}

/* vgicd_read_unlocked answers the registers vgicd_init fixes exactly as vgicd_read does, for any
   state the locked paths leave behind, and defers everything else with *value untouched. */
static void test_read_unlocked(void)
{
    struct harness *h = setup();
    uint64_t v = 0;

    /* a distributor that has seen some traffic: enabled, SPIs routed, pending, an SGI sent */
    route_spi(h, 40, 1, 0x80);
    vgicd_set_level(&h->gic, 0, 40, true);
    wr(h, 0, VGICD_SGIR, (2u << VGICD_SGIR_TARGETS_SHIFT) | 3u);
    wr(h, 2, bit_reg(VGICD_ISACTIVER, 0), bit(20));
    unsigned answered = 0;
    for (uint32_t vcpu = 0; vcpu <= NVCPUS; vcpu++)
        for (uint64_t off = 0; off < VGICD_WINDOW_SIZE + 8; off++)
            for (uint32_t width = 1; width <= 8; width *= 2) {
                uint64_t locked = 0x1111, unlocked = 0x2222;
                enum mmio_status want = vgicd_read(&h->gic, vcpu, off, width, &locked);
                enum mmio_status got = vgicd_read_unlocked(&h->gic, vcpu, off, width, &unlocked);
                if (got == MMIO_NEEDS_LOCK) {
                    KTEST_EQ(want, MMIO_OK);
                    KTEST_EQ(unlocked, 0x2222);
                    continue;
                }
                KTEST_EQ(got, want);
                KTEST_EQ(unlocked, got == MMIO_OK ? locked : 0x2222);
                answered += got == MMIO_OK;
            }
    /* what it answers: TYPER, IIDR, the 32 IGROUPR words and the 12 ID words, per vCPU */
    KTEST_EQ(answered, NVCPUS * (2u + 32u + 12u));
    KTEST_EQ(vgicd_read_unlocked(&h->gic, 3, VGICD_TYPER, 4, &v), MMIO_OK);
    KTEST_EQ(v, rd(h, 3, VGICD_TYPER));
    KTEST_EQ(vgicd_read_unlocked(&h->gic, 0, VGICD_CTLR, 4, &v), MMIO_NEEDS_LOCK);
    KTEST_EQ(vgicd_read_unlocked(&h->gic, 0, bit_reg(VGICD_ISPENDR, 40), 4, &v),
             MMIO_NEEDS_LOCK);
    KTEST_EQ(vgicd_read_unlocked(&h->gic, 0, VGICD_IPRIORITYR + 40, 1, &v), MMIO_NEEDS_LOCK);
}

static void test_bad_access(void)
{
    struct harness *h = setup();
    uint64_t v = 0x77;

    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_CTLR, 2, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_CTLR, 8, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_CTLR, 1, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_ISENABLER + 1, 1, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_ICFGR + 8, 1, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_SGIR, 1, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_IPRIORITYR + 2, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_IPRIORITYR + 2, 2, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_WINDOW_SIZE, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, UINT64_MAX - 3, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, 0, 0x100000000ull, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, NVCPUS, VGICD_CTLR, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_read(&h->gic, UINT32_MAX, VGICD_ITARGETSR, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(v, 0x77);
    KTEST_EQ(vgicd_write(&h->gic, 0, VGICD_CTLR, 1, 1), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_write(&h->gic, 0, VGICD_SGIR, 2, 0x1), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_write(&h->gic, 0, VGICD_ICFGR + 2, 4, 0), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_write(&h->gic, 0, VGICD_WINDOW_SIZE + 0x100, 4, 0), MMIO_BAD_ACCESS);
    KTEST_EQ(vgicd_write(&h->gic, 9, VGICD_SGIR, 4, 0x02000001), MMIO_BAD_ACCESS);
    KTEST_EQ(rd(h, 0, VGICD_CTLR), 0);
    /* Byte accesses where the spec allows them. */
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_IPRIORITYR + 0x3fb, 1, &v), MMIO_OK);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_ITARGETSR + 0x3ff, 1, &v), MMIO_OK);
    KTEST_EQ(vgicd_read(&h->gic, 0, VGICD_SPENDSGIR + 15, 1, &v), MMIO_OK);
    KTEST_EQ(vgicd_write(&h->gic, 0, VGICD_CPENDSGIR + 3, 1, 0xff), MMIO_OK);
    /* Reserved space reads 0 and ignores writes. */
    for (uint32_t off = VGICD_IMPDEF; off < VGICD_SGIR; off += 4) {
        wr(h, 0, off, 0xffffffff);
        KTEST_EQ(rd(h, 0, off), 0);
    }
    for (uint32_t off = VGICD_SGI_REGS_END; off < VGICD_PIDR4; off += 4) {
        wr(h, 0, off, 0xffffffff);
        KTEST_EQ(rd(h, 0, off), 0);
    }
    /* Injection with nonsense arguments is ignored. */
    vgicd_set_level(&h->gic, 0, 288, true);
    vgicd_set_level(&h->gic, 0, 1020, true);
    vgicd_set_level(&h->gic, 0, UINT32_MAX, true);
    vgicd_set_level(&h->gic, NVCPUS, 27, true);
    vgicd_set_level(&h->gic, UINT32_MAX, 3, true);
    vgicd_set_hw(&h->gic, NVCPUS, 27, true);
    vgicd_set_hw(&h->gic, 0, 5000, true);
    vgicd_ack(&h->gic, 0, 5000, 0);
    vgicd_ack(&h->gic, NVCPUS, 27, 0);
    vgicd_ack(&h->gic, 0, 3, NVCPUS);
    vgicd_ack(&h->gic, 0, 3, UINT32_MAX);
    vgicd_lr_returned(&h->gic, 0, 5000, 0, true, true);
    vgicd_lr_returned(&h->gic, UINT32_MAX, 20, 0, true, true);
    vgicd_lr_returned(&h->gic, 0, 3, 200, true, true);
    KTEST_EQ(rd(h, 0, VGICD_ISPENDR), 0);
    KTEST_EQ(rd(h, 0, VGICD_ISACTIVER), 0);
    for (uint32_t v2 = 0; v2 < NVCPUS; v2++) {
        KTEST_EQ(h->gic.cpu[v2].sgi_active[3], 0);
    }
}

/* gic_dist_init + gic_cpu_init as Linux's irq-gic.c does them, then a timer tick. */
static void test_linux_init_sequence(void)
{
    struct harness *h = setup();
    struct vgic_pending p;
    uint32_t gic_irqs = ((rd(h, 0, VGICD_TYPER) & 0x1f) + 1) * 32;
    uint32_t cpumask;

    KTEST_EQ(gic_irqs, 288);
    wr(h, 0, VGICD_CTLR, 0);
    cpumask = 0;
    for (uint32_t i = 0; i < 32 && cpumask == 0; i += 4) {
        cpumask = rd(h, 0, VGICD_ITARGETSR + i);
        cpumask |= cpumask >> 16;
        cpumask |= cpumask >> 8;
    }
    cpumask &= 0xff;
    cpumask |= cpumask << 8;
    cpumask |= cpumask << 16;
    for (uint32_t i = 32; i < gic_irqs; i += 4) {
        wr(h, 0, VGICD_ITARGETSR + i, cpumask);
    }
    for (uint32_t i = 32; i < gic_irqs; i += 16) {
        wr(h, 0, VGICD_ICFGR + i / 4, 0);
    }
    for (uint32_t i = 32; i < gic_irqs; i += 32) {
        wr(h, 0, VGICD_ICACTIVER + i / 8, 0xffffffff);
        wr(h, 0, VGICD_ICENABLER + i / 8, 0xffffffff);
    }
    for (uint32_t i = 32; i < gic_irqs; i += 4) {
        wr(h, 0, VGICD_IPRIORITYR + i, 0xa0a0a0a0);
    }
    wr(h, 0, VGICD_CTLR, 1);
    for (uint32_t cpu = 0; cpu < NVCPUS; cpu++) {
        wr(h, cpu, VGICD_ICACTIVER, 0xffffffff);
        wr(h, cpu, VGICD_ICENABLER, 0xffff0000);
        wr(h, cpu, VGICD_ISENABLER, 0x0000ffff);
        for (uint32_t i = 0; i < 32; i += 4) {
            wr(h, cpu, VGICD_IPRIORITYR + i, 0xa0a0a0a0);
        }
    }
    KTEST_EQ(rd(h, 0, VGICD_ITARGETSR + 200), 0x01010101);
    KTEST_EQ(rd(h, 2, VGICD_ISENABLER), 0x0000ffff);
    /* Virtual timer PPI 27 (level) on vCPU 2; a virtio SPI 48 routed to vCPU 1. */
    wr(h, 2, VGICD_ISENABLER, bit(27));
    wrb(h, 0, VGICD_ITARGETSR + 48, 0x02); /* gic_set_affinity: byte write */
    wr(h, 0, bit_reg(VGICD_ISENABLER, 48), bit(48));
    vgicd_set_level(&h->gic, 2, 27, true);
    vgicd_set_level(&h->gic, 0, 48, true);
    KTEST_CHECK(next(h, 2, &p));
    KTEST_EQ(p.irq, 27);
    KTEST_EQ(p.priority, 0xa0);
    KTEST_CHECK(next(h, 1, &p));
    KTEST_EQ(p.irq, 48);
    KTEST_CHECK(!next(h, 0, &p));
    /* An IPI from vCPU 0 to vCPU 3 (gic_ipi_send_mask). */
    wr(h, 0, VGICD_SGIR, (0x08u << 16) | 1u);
    KTEST_CHECK(next(h, 3, &p));
    KTEST_EQ(p.irq, 1);
    KTEST_EQ(p.source, 0);
    KTEST_EQ(p.priority, 0xa0);
}

static void test_random_ops(void)
{
    struct harness *h = setup();
    uint32_t seed = 777;

    for (unsigned step = 0; step < 50000; step++) {
        struct vgic_pending p;
        uint32_t r, vcpu, irq;
        uint64_t v = 0;

        seed = seed * 1103515245u + 12345u;
        r = seed;
        if (step % 500 == 0) {
            wr(h, 0, VGICD_CTLR, 1);
        }
        vcpu = (r >> 3) % (NVCPUS + 1); /* sometimes out of range */
        irq = (r >> 7) % 300;
        switch (r & 7u) {
        case 0:
            vgicd_set_level(&h->gic, vcpu, irq, (r >> 20) & 1u);
            break;
        case 1:
            if (next(h, vcpu % NVCPUS, &p)) {
                vgicd_ack(&h->gic, vcpu % NVCPUS, p.irq, p.source);
            }
            break;
        case 2:
            vgicd_lr_returned(&h->gic, vcpu, irq, (r >> 16) & 7u, (r >> 20) & 1u,
                              (r >> 21) & 1u);
            break;
        case 3:
            (void)vgicd_read(&h->gic, vcpu, (r >> 12) & 0xfffu, (r >> 24) & 1u ? 1 : 4, &v);
            break;
        default:
            (void)vgicd_write(&h->gic, vcpu, ((r >> 12) & 0xfffu) | ((r >> 29) ? 0 : 0xf00u),
                              (r >> 24) & 1u ? 1 : 4, seed ^ (seed >> 7));
            break;
        }
        /* White-box invariants. */
        for (uint32_t c = 0; c < NVCPUS; c++) {
            const struct vgicd_cpu *cpu = &h->gic.cpu[c];

            if ((cpu->enabled & 0xffffu) != 0xffffu) {
                KTEST_CHECK(!"SGIs must stay enabled");
                return;
            }
            for (uint32_t s = 0; s < 16; s++) {
                if (((cpu->pending >> s) & 1u) != (cpu->sgi_pending[s] != 0) ||
                    ((cpu->active >> s) & 1u) != (cpu->sgi_active[s] != 0) ||
                    (cpu->sgi_pending[s] | cpu->sgi_active[s]) >= (1u << NVCPUS)) {
                    KTEST_CHECK(!"SGI summary bits out of sync");
                    return;
                }
            }
            if (next(h, c, &p) && (p.irq >= 288 || (p.priority & 7u) != 0)) {
                KTEST_CHECK(!"next_pending returned garbage");
                return;
            }
        }
        if (v > 0xffffffffu) {
            KTEST_CHECK(!"read wider than 32 bits");
            return;
        }
    }
    KTEST_CHECK(h->total_kicks > 0);
}

int main(void)
{
    KTEST_RUN(test_init_args);
    KTEST_RUN(test_ctlr_typer_iidr_ids);
    KTEST_RUN(test_igroupr_raz_wi);
    KTEST_RUN(test_enable_set_clear);
    KTEST_RUN(test_pending_set_clear);
    KTEST_RUN(test_active_set_clear);
    KTEST_RUN(test_priority);
    KTEST_RUN(test_targets);
    KTEST_RUN(test_icfgr);
    KTEST_RUN(test_sgir_filters);
    KTEST_RUN(test_next_pending_order);
    KTEST_RUN(test_edge_lifecycle);
    KTEST_RUN(test_level_lifecycle);
    KTEST_RUN(test_complete_hook);
    KTEST_RUN(test_sgi_lifecycle);
    KTEST_RUN(test_ppi_banked);
    KTEST_RUN(test_hw_interrupts);
    KTEST_RUN(test_hw_ppi);
    KTEST_RUN(test_distributor_disable);
    KTEST_RUN(test_kicks);
    KTEST_RUN(test_read_unlocked);
    KTEST_RUN(test_bad_access);
    KTEST_RUN(test_linux_init_sequence);
    KTEST_RUN(test_random_ops);
    return ktest_summary();
}
