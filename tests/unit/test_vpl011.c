/* SPDX-License-Identifier: MIT */
/* Host tests of the virtual PL011 UART: the behaviour Linux's amba-pl011 driver relies on. */
#include <keel/vdev/pl011.h>

#include "ktest.h"
#include "vdev_harness.h"

/* Everything the callbacks saw. */
struct harness {
    struct vpl011 uart;
    uint8_t tx[512];
    unsigned tx_count;
    unsigned irq_calls;
    bool irq_level;
    const char *input; /* what rx_pull hands out, NUL-terminated (NULL: none) */
    unsigned pulls;
};

static int on_pull(void *ctx)
{
    struct harness *h = ctx;

    h->pulls++;
    if (h->input == NULL || *h->input == '\0') {
        return -1;
    }
    return (uint8_t)*h->input++;
}

static void on_tx(void *ctx, uint8_t byte)
{
    struct harness *h = ctx;

    if (h->tx_count < sizeof(h->tx)) {
        h->tx[h->tx_count] = byte;
    }
    h->tx_count++;
}

static void on_irq(void *ctx, bool level)
{
    struct harness *h = ctx;

    KTEST_CHECK(level != h->irq_level); /* called on changes only */
    h->irq_level = level;
    h->irq_calls++;
}

static void setup(struct harness *h)
{
    memset(h, 0, sizeof(*h));
    vpl011_init(&h->uart, on_tx, on_irq, on_pull, h);
}

/* Linux's amba-pl011 ("arm,pl011") accesses every register with readw/writew. */
static uint32_t rd(struct harness *h, uint64_t offset)
{
    uint64_t v = 0xdeadbeef;

    KTEST_EQ(vpl011_ops.read(&h->uart, offset, 4, &v), MMIO_OK);
    KTEST_CHECK(v <= 0xffff);
    return (uint32_t)v;
}

static uint32_t rdw(struct harness *h, uint64_t offset)
{
    uint64_t v = 0xdeadbeef;

    KTEST_EQ(vpl011_ops.read(&h->uart, offset, 2, &v), MMIO_OK);
    KTEST_CHECK(v <= 0xffff);
    return (uint32_t)v;
}

static void wr(struct harness *h, uint64_t offset, uint32_t value)
{
    KTEST_EQ(vpl011_ops.write(&h->uart, offset, 4, value), MMIO_OK);
}

static void wrw(struct harness *h, uint64_t offset, uint32_t value)
{
    KTEST_EQ(vpl011_ops.write(&h->uart, offset, 2, value & 0xffffu), MMIO_OK);
}

static void enable_fifo(struct harness *h)
{
    wr(h, VPL011_LCR_H, VPL011_LCR_H_FEN | 0x60); /* 8N1, FIFOs on */
}

static void test_id_registers(void)
{
    static const uint8_t expect[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    struct harness h;

    setup(&h);
    for (unsigned i = 0; i < 8; i++) {
        KTEST_EQ(rd(&h, 0xfe0 + 4u * i), expect[i]);
        KTEST_EQ(rdw(&h, 0xfe0 + 4u * i), expect[i]);
        wr(&h, 0xfe0 + 4u * i, 0xff); /* read-only */
        KTEST_EQ(rd(&h, 0xfe0 + 4u * i), expect[i]);
    }
    /* The AMBA bus code's periphid: part 0x011, designer 0x41, revision 1. */
    KTEST_EQ(rd(&h, 0xfe0) | (rd(&h, 0xfe4) << 8) | (rd(&h, 0xfe8) << 16) | (rd(&h, 0xfec) << 24),
             0x00141011);
    KTEST_EQ(rd(&h, 0xfdc), 0); /* just below the ID block: unimplemented */
}

static void test_reset_state(void)
{
    struct harness h;

    setup(&h);
    KTEST_EQ(rd(&h, VPL011_FR), VPL011_FR_TXFE | VPL011_FR_RXFE); /* 0x90 */
    KTEST_EQ(rd(&h, VPL011_CR), 0x300);
    KTEST_EQ(rd(&h, VPL011_IFLS), 0x12);
    KTEST_EQ(rd(&h, VPL011_LCR_H), 0);
    KTEST_EQ(rd(&h, VPL011_IMSC), 0);
    KTEST_EQ(rd(&h, VPL011_RIS), 0);
    KTEST_EQ(rd(&h, VPL011_MIS), 0);
    KTEST_EQ(rd(&h, VPL011_RSR), 0);
    KTEST_EQ(rd(&h, VPL011_IBRD), 0);
    KTEST_EQ(rd(&h, VPL011_FBRD), 0);
    KTEST_EQ(rd(&h, VPL011_DMACR), 0);
    KTEST_EQ(rd(&h, VPL011_ICR), 0); /* write-only */
    KTEST_EQ(h.irq_calls, 0);
    KTEST_CHECK(!vpl011_irq_level(&h.uart));
    KTEST_CHECK(vpl011_rx_room(&h.uart));
}

static void test_register_readback(void)
{
    struct harness h;

    setup(&h);
    wrw(&h, VPL011_IBRD, 0xffff);
    KTEST_EQ(rdw(&h, VPL011_IBRD), 0xffff);
    wr(&h, VPL011_IBRD, 0x12345);
    KTEST_EQ(rd(&h, VPL011_IBRD), 0x2345);
    wr(&h, VPL011_FBRD, 0xff);
    KTEST_EQ(rd(&h, VPL011_FBRD), 0x3f);
    wr(&h, VPL011_ILPR, 0x1ab);
    KTEST_EQ(rd(&h, VPL011_ILPR), 0xab);
    wrw(&h, VPL011_LCR_H, 0x1ff);
    KTEST_EQ(rd(&h, VPL011_LCR_H), 0xff);
    wr(&h, VPL011_CR, 0xffffffff);
    KTEST_EQ(rd(&h, VPL011_CR), 0xff87); /* bits 6:3 reserved */
    wr(&h, VPL011_CR, VPL011_CR_RESET);
    wr(&h, VPL011_IFLS, 0xff);
    KTEST_EQ(rd(&h, VPL011_IFLS), 0x3f);
    wr(&h, VPL011_IMSC, 0xffff);
    KTEST_EQ(rd(&h, VPL011_IMSC), 0x7ff);
    wr(&h, VPL011_IMSC, 0);
    wr(&h, VPL011_DMACR, 0xff);
    KTEST_EQ(rd(&h, VPL011_DMACR), 7);
    wr(&h, VPL011_FR, 0); /* read-only */
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_TXFE, VPL011_FR_TXFE);
    KTEST_EQ(rd(&h, VPL011_RIS), 0x2f); /* CR above: TX on, loopback modem inputs changed */
    wr(&h, VPL011_ICR, 0x7ff);
    wr(&h, VPL011_RIS, 0x7ff); /* read-only */
    KTEST_EQ(rd(&h, VPL011_RIS), 0);
    wr(&h, 0x080, 0xffffffff); /* UARTITCR (test registers): RAZ/WI */
    KTEST_EQ(rd(&h, 0x080), 0);
}

static void test_tx(void)
{
    struct harness h;
    uint64_t v;

    setup(&h);
    wr(&h, VPL011_DR, 'k');
    wrw(&h, VPL011_DR, 'e');
    KTEST_EQ(vpl011_ops.write(&h.uart, VPL011_DR, 1, 'e'), MMIO_OK); /* earlycon writeb */
    wr(&h, VPL011_DR, 0x1234c); /* only the data byte leaves the UART */
    KTEST_EQ(h.tx_count, 4);
    KTEST_CHECK(memcmp(h.tx, "keeL", 4) == 0);
    /* earlycon polls UARTFR with readl: never full, never busy. */
    KTEST_EQ(vpl011_ops.read(&h.uart, VPL011_FR, 4, &v), MMIO_OK);
    KTEST_EQ(v & (VPL011_FR_TXFF | VPL011_FR_BUSY | VPL011_FR_TXFE), VPL011_FR_TXFE);
    /* Sent even with UARTEN and TXE clear (nothing enables the UART before earlycon). */
    wr(&h, VPL011_CR, 0);
    wr(&h, VPL011_DR, '!');
    KTEST_EQ(h.tx_count, 5);
    KTEST_EQ(h.irq_calls, 0); /* TXIM off: no interrupt */
}

static void test_tx_interrupt(void)
{
    struct harness h;

    setup(&h);
    KTEST_EQ(rd(&h, VPL011_RIS) & VPL011_INT_TX, 0);
    wr(&h, VPL011_IMSC, VPL011_INT_TX);
    KTEST_CHECK(!h.irq_level);
    /* Enabling the transmitter with an empty FIFO raises TXIS. */
    wr(&h, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE);
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_TX);
    KTEST_EQ(rd(&h, VPL011_MIS), VPL011_INT_TX);
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(h.irq_calls, 1);
    wr(&h, VPL011_ICR, VPL011_INT_TX);
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(rd(&h, VPL011_RIS), 0);
    /* Rewriting CR with the transmitter already on does not raise it again. */
    wr(&h, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE);
    KTEST_EQ(rd(&h, VPL011_RIS), 0);
    /* Each transmitted byte drains the FIFO through the trigger level. */
    wr(&h, VPL011_DR, 'a');
    KTEST_CHECK(h.irq_level);
    wr(&h, VPL011_DR, 'b'); /* still high: no callback */
    KTEST_EQ(h.irq_calls, 3);
    /* Linux's pl011_stop_tx masks TXIM when it has nothing more to send. */
    wr(&h, VPL011_IMSC, 0);
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_TX);
    KTEST_EQ(rd(&h, VPL011_MIS), 0);
    /* Off then on again: raised again. */
    wr(&h, VPL011_ICR, 0x7ff);
    wr(&h, VPL011_CR, VPL011_CR_UARTEN);
    KTEST_EQ(rd(&h, VPL011_RIS), 0);
    wr(&h, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE);
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_TX);
}

static void test_rx_no_fifo(void)
{
    struct harness h;

    setup(&h);
    wr(&h, VPL011_IMSC, VPL011_INT_RX | VPL011_INT_RT);
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'a'));
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_RX); /* trigger is the one holding register */
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(rd(&h, VPL011_FR) & (VPL011_FR_RXFE | VPL011_FR_RXFF), VPL011_FR_RXFF);
    KTEST_CHECK(!vpl011_rx_room(&h.uart));
    KTEST_CHECK(!vpl011_rx_push(&h.uart, 'b')); /* overrun: dropped */
    KTEST_EQ(rd(&h, VPL011_RSR), VPL011_RSR_OE);
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_RX | VPL011_INT_OE);
    KTEST_EQ(rd(&h, VPL011_DR), 'a');
    KTEST_EQ(rd(&h, VPL011_FR) & (VPL011_FR_RXFE | VPL011_FR_RXFF), VPL011_FR_RXFE);
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_OE);
    KTEST_CHECK(!h.irq_level); /* OEIM masked */
    KTEST_EQ(rd(&h, VPL011_DR), 'a'); /* empty: the last byte again, no side effect */
    wr(&h, VPL011_RSR, 0); /* UARTECR */
    KTEST_EQ(rd(&h, VPL011_RSR), 0);
    wr(&h, VPL011_ICR, VPL011_INT_OE);
    KTEST_EQ(rd(&h, VPL011_RIS), 0);
    KTEST_CHECK(vpl011_rx_room(&h.uart));
}

static void test_rx_fifo(void)
{
    struct harness h;

    setup(&h);
    enable_fifo(&h);
    wr(&h, VPL011_IMSC, VPL011_INT_RX | VPL011_INT_RT);
    /* Reset IFLS 0x12: RX trigger at 1/2 of 32 = 16 bytes. */
    KTEST_CHECK(vpl011_rx_push(&h.uart, 0));
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_RT); /* below the trigger: timeout */
    KTEST_CHECK(h.irq_level);
    for (unsigned i = 1; i < 15; i++) {
        KTEST_CHECK(vpl011_rx_push(&h.uart, (uint8_t)i));
    }
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_RT);
    KTEST_CHECK(vpl011_rx_push(&h.uart, 15));
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_RT | VPL011_INT_RX);
    KTEST_EQ(rd(&h, VPL011_MIS), VPL011_INT_RT | VPL011_INT_RX);
    for (unsigned i = 16; i < 32; i++) {
        KTEST_CHECK(vpl011_rx_push(&h.uart, (uint8_t)i));
    }
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFF, VPL011_FR_RXFF);
    KTEST_CHECK(!vpl011_rx_room(&h.uart));
    KTEST_CHECK(!vpl011_rx_push(&h.uart, 0xee));
    KTEST_EQ(rd(&h, VPL011_RSR), VPL011_RSR_OE);
    /* Drain like pl011_fifo_to_tty: read FR, then DR, until RXFE. */
    for (unsigned i = 0; i < 32; i++) {
        KTEST_EQ(rdw(&h, VPL011_FR) & VPL011_FR_RXFE, 0);
        KTEST_EQ(rdw(&h, VPL011_DR), i);
        if (i == 16) {
            /* 15 left: below the trigger, RXIS withdrawn, timeout still pending */
            KTEST_EQ(rd(&h, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), VPL011_INT_RT);
        }
    }
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, VPL011_FR_RXFE);
    KTEST_EQ(rd(&h, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), 0);
    KTEST_CHECK(!h.irq_level);
    /* Wrap-around keeps the order. */
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 20; i++) {
            KTEST_CHECK(vpl011_rx_push(&h.uart, (uint8_t)(round * 20 + i)));
        }
        for (unsigned i = 0; i < 20; i++) {
            KTEST_EQ(rd(&h, VPL011_DR), round * 20 + i);
        }
    }
}

static void test_rx_trigger_levels(void)
{
    static const unsigned levels[8] = {4, 8, 16, 24, 28, 16, 16, 16};
    struct harness h;

    for (unsigned sel = 0; sel < 8; sel++) {
        setup(&h);
        enable_fifo(&h);
        wr(&h, VPL011_IFLS, (sel << 3) | 2u);
        for (unsigned i = 0; i + 1 < levels[sel]; i++) {
            KTEST_CHECK(vpl011_rx_push(&h.uart, 'x'));
        }
        KTEST_EQ(rd(&h, VPL011_RIS) & VPL011_INT_RX, 0);
        KTEST_CHECK(vpl011_rx_push(&h.uart, 'y'));
        KTEST_EQ(rd(&h, VPL011_RIS) & VPL011_INT_RX, VPL011_INT_RX);
        (void)rd(&h, VPL011_DR);
        KTEST_EQ(rd(&h, VPL011_RIS) & VPL011_INT_RX, 0);
    }
}

static void test_fifo_enable_flushes(void)
{
    struct harness h;

    setup(&h);
    enable_fifo(&h);
    wr(&h, VPL011_IMSC, VPL011_INT_RT);
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'a'));
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'b'));
    KTEST_CHECK(h.irq_level);
    wr(&h, VPL011_LCR_H, VPL011_LCR_H_FEN | 0x60); /* no FEN change: kept */
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, 0);
    wr(&h, VPL011_LCR_H, 0x60); /* FEN off: FIFO reset */
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, VPL011_FR_RXFE);
    KTEST_EQ(rd(&h, VPL011_RIS), 0);
    KTEST_CHECK(!h.irq_level);
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'c'));
    KTEST_CHECK(!vpl011_rx_push(&h.uart, 'd')); /* one holding register now */
    KTEST_EQ(rd(&h, VPL011_DR), 'c');
}

static void test_icr_and_mis(void)
{
    struct harness h;

    setup(&h);
    wr(&h, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE);
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'a'));
    KTEST_CHECK(!vpl011_rx_push(&h.uart, 'b'));
    KTEST_EQ(rd(&h, VPL011_RIS), VPL011_INT_TX | VPL011_INT_RX | VPL011_INT_OE);
    wr(&h, VPL011_IMSC, VPL011_INT_RX | VPL011_INT_OE);
    KTEST_EQ(rd(&h, VPL011_MIS), VPL011_INT_RX | VPL011_INT_OE);
    KTEST_CHECK(h.irq_level);
    /* Linux's handler clears everything but TX/RT/RX, then drains the FIFO. */
    wr(&h, VPL011_ICR, rd(&h, VPL011_MIS) & ~(uint32_t)(VPL011_INT_TX | VPL011_INT_RT |
                                                         VPL011_INT_RX));
    KTEST_EQ(rd(&h, VPL011_MIS), VPL011_INT_RX);
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(rd(&h, VPL011_DR), 'a');
    KTEST_EQ(rd(&h, VPL011_MIS), 0);
    KTEST_CHECK(!h.irq_level);
    /* ICR is write-one-to-clear; clearing RXIS with data held does not re-raise it. */
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'c'));
    KTEST_CHECK(h.irq_level);
    wr(&h, VPL011_ICR, VPL011_INT_RX);
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, 0);
    wr(&h, VPL011_ICR, 0xffff);
    KTEST_EQ(rd(&h, VPL011_RIS), 0);
}

static void test_loopback(void)
{
    struct harness h;

    setup(&h);
    enable_fifo(&h);
    wr(&h, VPL011_IMSC, VPL011_INT_CTS | VPL011_INT_DSR | VPL011_INT_DCD | VPL011_INT_RI);
    wr(&h, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE | VPL011_CR_LBE);
    KTEST_CHECK(!h.irq_level); /* modem inputs stay 0: no change */
    KTEST_CHECK(!vpl011_rx_room(&h.uart));
    KTEST_CHECK(!vpl011_rx_push(&h.uart, 'x')); /* serial input disconnected */
    KTEST_EQ(rd(&h, VPL011_RSR), 0);            /* and that is no overrun */
    wr(&h, VPL011_DR, 'L');
    wr(&h, VPL011_DR, 'B');
    KTEST_EQ(h.tx_count, 0); /* looped back, not sent */
    KTEST_EQ(rd(&h, VPL011_DR), 'L');
    KTEST_EQ(rd(&h, VPL011_DR), 'B');
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, VPL011_FR_RXFE);

    /* Modem outputs feed the inputs: RTS->CTS, DTR->DSR, Out1->DCD, Out2->RI. */
    wr(&h, VPL011_CR, rd(&h, VPL011_CR) | VPL011_CR_RTS);
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_MODEM, VPL011_FR_CTS);
    KTEST_EQ(rd(&h, VPL011_RIS) & 0xf, VPL011_INT_CTS);
    KTEST_CHECK(h.irq_level);
    wr(&h, VPL011_ICR, 0xf);
    KTEST_CHECK(!h.irq_level);
    wr(&h, VPL011_CR, rd(&h, VPL011_CR) | VPL011_CR_DTR | VPL011_CR_OUT1 | VPL011_CR_OUT2);
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_MODEM, VPL011_FR_MODEM);
    KTEST_EQ(rd(&h, VPL011_RIS) & 0xf, VPL011_INT_DSR | VPL011_INT_DCD | VPL011_INT_RI);
    wr(&h, VPL011_ICR, 0xf);
    /* Leaving loopback disconnects the inputs again: all four change. */
    wr(&h, VPL011_CR, rd(&h, VPL011_CR) & ~(uint32_t)VPL011_CR_LBE);
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_MODEM, 0);
    KTEST_EQ(rd(&h, VPL011_RIS) & 0xf, 0xf);
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'y'));
    wr(&h, VPL011_DR, 'z');
    KTEST_EQ(h.tx_count, 1);
    KTEST_EQ(rd(&h, VPL011_DR), 'y');
}

static void test_loopback_overrun(void)
{
    struct harness h;

    setup(&h);
    wr(&h, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE | VPL011_CR_LBE);
    wr(&h, VPL011_DR, '1');
    wr(&h, VPL011_DR, '2'); /* FIFOs off: one holding register */
    KTEST_EQ(rd(&h, VPL011_RSR), VPL011_RSR_OE);
    KTEST_EQ(rd(&h, VPL011_DR), '1');
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, VPL011_FR_RXFE);
}

static void test_null_callbacks(void)
{
    struct vpl011 u;
    uint64_t v;

    vpl011_init(&u, NULL, NULL, NULL, NULL);
    KTEST_EQ(vpl011_ops.write(&u, VPL011_IMSC, 4, 0x7ff), MMIO_OK);
    KTEST_EQ(vpl011_ops.write(&u, VPL011_DR, 4, 'a'), MMIO_OK);
    KTEST_CHECK(vpl011_irq_level(&u));
    KTEST_CHECK(vpl011_rx_push(&u, 'b'));
    KTEST_EQ(vpl011_ops.read(&u, VPL011_DR, 4, &v), MMIO_OK);
    KTEST_EQ(v, 'b');
}

static void test_bad_access(void)
{
    struct harness h;
    uint64_t v = 0x5a;

    setup(&h);
    KTEST_EQ(vpl011_ops.read(&h.uart, VPL011_FR, 8, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vpl011_ops.read(&h.uart, VPL011_FR, 3, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vpl011_ops.read(&h.uart, VPL011_FR + 1, 1, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vpl011_ops.read(&h.uart, VPL011_FR + 2, 2, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vpl011_ops.read(&h.uart, VPL011_WINDOW_SIZE, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vpl011_ops.read(&h.uart, UINT64_MAX - 3, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(v, 0x5a); /* untouched on error */
    KTEST_EQ(vpl011_ops.write(&h.uart, VPL011_DR, 8, 'x'), MMIO_BAD_ACCESS);
    KTEST_EQ(vpl011_ops.write(&h.uart, VPL011_DR + 1, 1, 'x'), MMIO_BAD_ACCESS);
    KTEST_EQ(vpl011_ops.write(&h.uart, VPL011_CR, 1, 0), MMIO_BAD_ACCESS); /* bytes: DR only */
    KTEST_EQ(vpl011_ops.write(&h.uart, VPL011_WINDOW_SIZE + 0x30, 4, 0), MMIO_BAD_ACCESS);
    KTEST_EQ(h.tx_count, 0);
    KTEST_EQ(rd(&h, VPL011_CR), 0x300);
    /* Byte reads of any register return the low byte. */
    KTEST_EQ(vpl011_ops.read(&h.uart, VPL011_FR, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0x90);
    KTEST_EQ(vpl011_ops.read(&h.uart, VPL011_CR, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0x00);
    KTEST_EQ(vpl011_ops.read(&h.uart, 0xffc, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0xb1);
}

/* pl011_startup/pl011_hwinit/pl011_enable_interrupts and one console exchange. */
static void test_linux_driver_sequence(void)
{
    struct harness h;
    uint32_t im, status;

    setup(&h);
    /* hwinit: clear error and receive interrupts, keep RX interrupts for NMI entry. */
    wrw(&h, VPL011_ICR, VPL011_INT_OE | VPL011_INT_BE | VPL011_INT_PE | VPL011_INT_FE |
                            VPL011_INT_RT | VPL011_INT_RX);
    im = rdw(&h, VPL011_IMSC);
    wrw(&h, VPL011_IMSC, VPL011_INT_RT | VPL011_INT_RX);
    wrw(&h, VPL011_IMSC, im);
    wrw(&h, VPL011_IFLS, 0x12); /* RX4_8 | TX4_8 */
    wrw(&h, VPL011_CR, (rdw(&h, VPL011_CR) & (VPL011_CR_RTS | VPL011_CR_DTR)) |
                           VPL011_CR_UARTEN | VPL011_CR_RXE | VPL011_CR_TXE);
    /* enable_interrupts: clear RX, drain, unmask RX and timeout. */
    wrw(&h, VPL011_ICR, VPL011_INT_RT | VPL011_INT_RX);
    for (unsigned i = 0; i < 32 && !(rdw(&h, VPL011_FR) & VPL011_FR_RXFE); i++) {
        (void)rdw(&h, VPL011_DR);
    }
    im = VPL011_INT_RT | VPL011_INT_RX;
    wrw(&h, VPL011_IMSC, im);
    KTEST_CHECK(!h.irq_level);
    /* set_termios: baud divisors, then LCR_H with FEN and 8 bits. */
    wrw(&h, VPL011_FBRD, 0x1b);
    wrw(&h, VPL011_IBRD, 0x0d);
    wrw(&h, VPL011_LCR_H, 0x70);
    KTEST_EQ(rdw(&h, VPL011_LCR_H), 0x70);
    /* start_tx_pio: write until TXFF (never), so all goes out and TXIM stays off. */
    for (const char *s = "login: "; *s != '\0'; s++) {
        KTEST_EQ(rdw(&h, VPL011_FR) & VPL011_FR_TXFF, 0);
        wrw(&h, VPL011_DR, (uint8_t)*s);
    }
    KTEST_EQ(h.tx_count, 7);
    KTEST_CHECK(!h.irq_level);
    /* Input: interrupt, handler drains until RXFE, line drops. */
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'r'));
    KTEST_CHECK(vpl011_rx_push(&h.uart, '\r'));
    KTEST_CHECK(h.irq_level);
    status = rdw(&h, VPL011_RIS) & im;
    KTEST_EQ(status, VPL011_INT_RT);
    wrw(&h, VPL011_ICR, status & ~(uint32_t)(VPL011_INT_TX | VPL011_INT_RT | VPL011_INT_RX));
    KTEST_EQ(rdw(&h, VPL011_DR), 'r');
    KTEST_EQ(rdw(&h, VPL011_DR), '\r');
    KTEST_EQ(rdw(&h, VPL011_FR) & VPL011_FR_RXFE, VPL011_FR_RXFE);
    KTEST_EQ(rdw(&h, VPL011_RIS) & im, 0);
    KTEST_CHECK(!h.irq_level);
    /* An unmasked TXIM fires at once (TX FIFO empty); stop_tx masks it again. */
    wrw(&h, VPL011_IMSC, im | VPL011_INT_TX);
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(rdw(&h, VPL011_RIS) & (im | VPL011_INT_TX), VPL011_INT_TX);
    wrw(&h, VPL011_IMSC, im);
    KTEST_CHECK(!h.irq_level);
}

static void test_random_traffic(void)
{
    static const uint16_t regs[] = {VPL011_DR, VPL011_RSR, VPL011_FR, VPL011_ILPR, VPL011_IBRD,
                                    VPL011_FBRD, VPL011_LCR_H, VPL011_CR, VPL011_IFLS,
                                    VPL011_IMSC, VPL011_RIS, VPL011_MIS, VPL011_ICR,
                                    VPL011_DMACR, 0x4c, 0xfe0};
    static const uint32_t widths[] = {1, 2, 4, 8};
    struct harness h;
    uint32_t seed = 12345;

    setup(&h);
    for (unsigned step = 0; step < 20000; step++) {
        uint32_t r, offset, width;
        uint64_t v = 0;

        seed = seed * 1103515245u + 12345u;
        r = seed >> 1;
        offset = regs[(r >> 4) % KEEL_ARRAY_SIZE(regs)];
        width = widths[(r >> 9) & 3u];
        switch (r & 3u) {
        case 0:
            (void)vpl011_rx_push(&h.uart, (uint8_t)(r >> 11));
            break;
        case 1:
            (void)vpl011_ops.read(&h.uart, offset, width, &v);
            break;
        default:
            (void)vpl011_ops.write(&h.uart, offset, width, r >> 11);
            break;
        }
        /* White-box invariants: the line matches MIS, FR matches the FIFO. */
        if (h.irq_level != vpl011_irq_level(&h.uart) ||
            h.irq_level != ((h.uart.ris & h.uart.imsc) != 0) ||
            h.uart.rx_count > VPL011_RX_FIFO_SIZE ||
            (!(h.uart.lcr_h & VPL011_LCR_H_FEN) && h.uart.rx_count > 1) ||
            ((h.uart.ris & VPL011_INT_RT) && h.uart.rx_count == 0) ||
            (width <= 4 && v > 0xffff)) {
            KTEST_CHECK(!"PL011 invariant broken");
            break;
        }
    }
    KTEST_CHECK(h.tx_count > 0);
}

/* UARTDR reads top the FIFO up from rx_pull while it has room, and only then. */
static void test_rx_pull(void)
{
    struct harness h;

    setup(&h);
    wrw(&h, VPL011_CR, VPL011_CR_UARTEN | VPL011_CR_RXE | VPL011_CR_TXE);
    h.input = "bcd";
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'a')); /* FIFOs off: one byte fills the holding register */
    KTEST_EQ(h.pulls, 0);                       /* pushing never pulls */
    KTEST_EQ(rd(&h, VPL011_DR) & 0xff, 'a');
    KTEST_EQ(h.pulls, 1);                       /* room for one again: one pulled */
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, 0);
    KTEST_EQ(rd(&h, VPL011_DR) & 0xff, 'b');
    KTEST_EQ(rd(&h, VPL011_DR) & 0xff, 'c');
    KTEST_EQ(rd(&h, VPL011_DR) & 0xff, 'd');
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, VPL011_FR_RXFE);
    unsigned pulls = h.pulls;
    KTEST_EQ(rd(&h, VPL011_DR) & 0xff, 'd');    /* empty: the last byte again, no pull */
    KTEST_EQ(h.pulls, pulls);
    /* with the FIFO on, one read tops it up with everything that waits */
    wrw(&h, VPL011_LCR_H, VPL011_LCR_H_FEN);
    h.input = "0123456789";
    KTEST_CHECK(vpl011_rx_push(&h.uart, 'x'));
    KTEST_EQ(rd(&h, VPL011_DR) & 0xff, 'x');
    for (const char *c = "0123456789"; *c; c++)
        KTEST_EQ(rd(&h, VPL011_DR) & 0xff, (uint32_t)*c);
    KTEST_EQ(rd(&h, VPL011_FR) & VPL011_FR_RXFE, VPL011_FR_RXFE);
}

/* For the locked read of a copy: it must not pull from the harness's input. */
static void no_rx_pull(void *copy)
{
    ((struct vpl011 *)copy)->rx_pull = NULL;
}

/* read_unlocked never changes the model and agrees with read whenever it answers, in states
   reached by random traffic, for every register and width. */
static void test_read_unlocked_agrees(void)
{
    static const uint32_t widths[] = {1, 2, 4, 8};
    struct harness h;
    uint32_t seed = 777;
    unsigned answered = 0, deferred = 0;

    setup(&h);
    for (unsigned step = 0; step < 4000; step++) {
        uint64_t v = 0;

        seed = seed * 1103515245u + 12345u;
        uint32_t r = seed >> 1;
        uint64_t offset = (r >> 4) & 0xffcu;
        if ((r & 3u) == 0) {
            (void)vpl011_rx_push(&h.uart, (uint8_t)(r >> 11));
        } else if ((r & 3u) == 1) {
            (void)vpl011_ops.read(&h.uart, offset & 0x4c, 4, &v);
        } else {
            (void)vpl011_ops.write(&h.uart, offset & 0x4c, 4, r >> 11);
        }
        for (uint64_t off = 0; off <= VPL011_WINDOW_SIZE; off += (off < 0x50 ? 2 : 0x3e)) {
            for (unsigned k = 0; k < 4; k++) {
                struct vpl011 before, locked;
                enum unlocked_check c = check_read_unlocked(&vpl011_ops, &h.uart, &before, &locked,
                                                            sizeof(h.uart), off, widths[k],
                                                            no_rx_pull, false);
                if (c == UNLOCKED_FAILED)
                    return;
                if (c == UNLOCKED_ANSWERED)
                    answered++;
                else
                    deferred++;
            }
        }
    }
    KTEST_CHECK(answered > 0 && deferred > 0);
    /* FR is answered unlocked (the register drivers poll), DR never */
    uint64_t v = 0;
    KTEST_EQ(vpl011_ops.read_unlocked(&h.uart, VPL011_FR, 2, &v), MMIO_OK);
    KTEST_EQ(vpl011_ops.read_unlocked(&h.uart, VPL011_DR, 4, &v), MMIO_NEEDS_LOCK);
    KTEST_EQ(vpl011_ops.read_unlocked(&h.uart, VPL011_FR + 1, 1, &v), MMIO_BAD_ACCESS);
}

int main(void)
{
    KTEST_RUN(test_id_registers);
    KTEST_RUN(test_reset_state);
    KTEST_RUN(test_register_readback);
    KTEST_RUN(test_tx);
    KTEST_RUN(test_tx_interrupt);
    KTEST_RUN(test_rx_no_fifo);
    KTEST_RUN(test_rx_fifo);
    KTEST_RUN(test_rx_trigger_levels);
    KTEST_RUN(test_fifo_enable_flushes);
    KTEST_RUN(test_icr_and_mis);
    KTEST_RUN(test_loopback);
    KTEST_RUN(test_loopback_overrun);
    KTEST_RUN(test_null_callbacks);
    KTEST_RUN(test_bad_access);
    KTEST_RUN(test_linux_driver_sequence);
    KTEST_RUN(test_random_traffic);
    KTEST_RUN(test_rx_pull);
    KTEST_RUN(test_read_unlocked_agrees);
    return ktest_summary();
}
