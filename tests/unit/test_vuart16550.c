/* SPDX-License-Identifier: MIT */
/* Host tests of the virtual ns16550a UART: the behaviour Linux's 8250 driver relies on. */
#include <keel/vdev/uart16550.h>

#include "ktest.h"
#include "vdev_harness.h"

/* Everything the callbacks saw. */
struct harness {
    struct vuart16550 uart;
    uint8_t tx[512];
    unsigned tx_count;
    unsigned irq_calls;
    bool irq_level;
};

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
    vuart16550_init(&h->uart, on_tx, on_irq, NULL, h);
}

static uint8_t rd(struct harness *h, uint64_t offset)
{
    uint64_t v = 0xdeadbeef;

    KTEST_EQ(vuart16550_ops.read(&h->uart, offset, 1, &v), MMIO_OK);
    KTEST_CHECK(v <= 0xff);
    return (uint8_t)v;
}

static void wr(struct harness *h, uint64_t offset, uint8_t value)
{
    KTEST_EQ(vuart16550_ops.write(&h->uart, offset, 1, value), MMIO_OK);
}

static void test_reset_state(void)
{
    struct harness h;

    setup(&h);
    KTEST_EQ(rd(&h, VUART16550_IER), 0x00);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);
    KTEST_EQ(rd(&h, VUART16550_LCR), 0x00);
    KTEST_EQ(rd(&h, VUART16550_MCR), 0x00);
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);
    KTEST_EQ(rd(&h, VUART16550_MSR), 0xb0);
    KTEST_EQ(rd(&h, VUART16550_SCR), 0x00);
    KTEST_EQ(h.irq_calls, 0);
    KTEST_CHECK(!vuart16550_irq_level(&h.uart));
    KTEST_CHECK(vuart16550_rx_room(&h.uart));
}

static void test_scratch(void)
{
    struct harness h;

    setup(&h);
    for (unsigned v = 0; v < 256; v++) {
        wr(&h, VUART16550_SCR, (uint8_t)v);
        KTEST_EQ(rd(&h, VUART16550_SCR), v);
    }
    KTEST_EQ(h.irq_calls, 0);
}

static void test_lcr_readback(void)
{
    struct harness h;

    setup(&h);
    for (unsigned v = 0; v < 256; v++) {
        wr(&h, VUART16550_LCR, (uint8_t)v);
        KTEST_EQ(rd(&h, VUART16550_LCR), v);
    }
}

static void test_dlab_divisor(void)
{
    struct harness h;

    setup(&h);
    wr(&h, VUART16550_IER, 0x05);
    wr(&h, VUART16550_LCR, VUART16550_LCR_DLAB | 0x03);
    KTEST_EQ(rd(&h, VUART16550_DLL), 0x01); /* reset divisor is 1, never 0 */
    KTEST_EQ(rd(&h, VUART16550_DLM), 0x00);
    wr(&h, VUART16550_DLL, 0x0c);
    wr(&h, VUART16550_DLM, 0x34);
    KTEST_EQ(rd(&h, VUART16550_DLL), 0x0c);
    KTEST_EQ(rd(&h, VUART16550_DLM), 0x34);
    KTEST_EQ(h.tx_count, 0); /* DLL write is not a transmission */
    wr(&h, VUART16550_LCR, 0x03);
    KTEST_EQ(rd(&h, VUART16550_LCR), 0x03);
    KTEST_EQ(rd(&h, VUART16550_IER), 0x05); /* IER untouched by DLM write */
    wr(&h, VUART16550_THR, 'x');
    KTEST_EQ(h.tx_count, 1);
    wr(&h, VUART16550_LCR, VUART16550_LCR_DLAB);
    KTEST_EQ(rd(&h, VUART16550_DLL), 0x0c); /* THR write did not touch DLL */
    KTEST_EQ(rd(&h, VUART16550_DLM), 0x34);
}

static void test_ier_bits(void)
{
    struct harness h;

    setup(&h);
    /* Linux autoconfig: IER = 0 reads 0, IER = 0x0f reads 0x0f. */
    wr(&h, VUART16550_IER, 0xff);
    KTEST_EQ(rd(&h, VUART16550_IER), 0x0f);
    wr(&h, VUART16550_IER, 0x00);
    KTEST_EQ(rd(&h, VUART16550_IER), 0x00);
    KTEST_CHECK(!h.irq_level);
}

static void test_fifo_detection(void)
{
    struct harness h;

    setup(&h);
    KTEST_EQ(rd(&h, VUART16550_IIR) & 0xc0, 0x00);
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xc1); /* 16550A: both FIFO bits, no interrupt */
    /* TI16750 probe: the 64-byte bit (IIR bit 5) must stay clear. */
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE | 0x20);
    KTEST_EQ(rd(&h, VUART16550_IIR) & 0x20, 0x00);
    wr(&h, VUART16550_LCR, VUART16550_LCR_DLAB);
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE | 0x20);
    KTEST_EQ(rd(&h, VUART16550_IIR) & 0x20, 0x00);
    wr(&h, VUART16550_LCR, 0);
    wr(&h, VUART16550_FCR, 0);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);
}

static void test_tx(void)
{
    struct harness h;
    static const char msg[] = "keel\n";

    setup(&h);
    for (unsigned i = 0; msg[i] != '\0'; i++) {
        wr(&h, VUART16550_THR, (uint8_t)msg[i]);
        KTEST_EQ(rd(&h, VUART16550_LSR) & 0x60, 0x60); /* THRE and TEMT: done at once */
    }
    KTEST_EQ(h.tx_count, 5);
    KTEST_CHECK(memcmp(h.tx, msg, 5) == 0);
    KTEST_EQ(h.irq_calls, 0); /* ETBEI off: no interrupt */
}

static void test_null_callbacks(void)
{
    struct vuart16550 u;
    uint64_t v;

    vuart16550_init(&u, NULL, NULL, NULL, NULL);
    KTEST_EQ(vuart16550_ops.write(&u, VUART16550_IER, 1, 0x0f), MMIO_OK);
    KTEST_EQ(vuart16550_ops.write(&u, VUART16550_THR, 1, 'a'), MMIO_OK);
    KTEST_CHECK(vuart16550_rx_push(&u, 'b'));
    KTEST_CHECK(vuart16550_irq_level(&u));
    KTEST_EQ(vuart16550_ops.read(&u, VUART16550_RBR, 1, &v), MMIO_OK);
    KTEST_EQ(v, 'b');
}

static void test_thre_interrupt(void)
{
    struct harness h;

    setup(&h);
    wr(&h, VUART16550_IER, VUART16550_IER_ETBEI);
    KTEST_CHECK(h.irq_level); /* enabling ETBEI with THR empty raises it */
    KTEST_EQ(h.irq_calls, 1);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x02);
    KTEST_CHECK(!h.irq_level); /* IIR read reporting THRI clears it */
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);
    KTEST_EQ(h.irq_calls, 2);

    wr(&h, VUART16550_THR, 'a'); /* TX completes at once: THRE interrupt re-raised */
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(h.irq_calls, 3);
    wr(&h, VUART16550_THR, 'b'); /* still high: no callback */
    KTEST_EQ(h.irq_calls, 3);
    KTEST_EQ(h.tx_count, 2);

    /* Linux's UART_BUG_THRE test: IER 0 then ETBEI again must re-raise it. */
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x02);
    KTEST_CHECK(!h.irq_level);
    wr(&h, VUART16550_IER, 0);
    wr(&h, VUART16550_IER, VUART16550_IER_ETBEI);
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(rd(&h, VUART16550_IIR) & 0x0f, 0x02);

    /* Disabling ETBEI drops the line without an IIR read. */
    wr(&h, VUART16550_THR, 'c');
    KTEST_CHECK(h.irq_level);
    wr(&h, VUART16550_IER, 0);
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);

    /* With FIFOs on the IIR carries 0xc0. */
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE);
    wr(&h, VUART16550_IER, VUART16550_IER_ETBEI);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xc2);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xc1);
}

static void test_rx_no_fifo(void)
{
    struct harness h;

    setup(&h);
    KTEST_CHECK(vuart16550_rx_push(&h.uart, 'q'));
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x61);
    KTEST_EQ(h.irq_calls, 0); /* ERBFI off */
    wr(&h, VUART16550_IER, VUART16550_IER_ERBFI);
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x04);
    KTEST_CHECK(h.irq_level); /* reading IIR does not clear RX data available */
    KTEST_EQ(rd(&h, VUART16550_RBR), 'q');
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);
    KTEST_EQ(rd(&h, VUART16550_RBR), 'q'); /* empty: RBR keeps the last byte */
    KTEST_EQ(h.irq_calls, 2);
}

static void test_rx_fifo(void)
{
    struct harness h;

    setup(&h);
    /* Linux's 16550A setup: FIFO on, trigger level 8 (FCR = 0x81). */
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE | 0x80);
    wr(&h, VUART16550_IER, VUART16550_IER_ERBFI);
    for (unsigned i = 0; i < 3; i++) {
        KTEST_CHECK(vuart16550_rx_push(&h.uart, (uint8_t)('a' + i)));
    }
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xcc); /* below trigger: character timeout */
    for (unsigned i = 3; i < 8; i++) {
        KTEST_CHECK(vuart16550_rx_push(&h.uart, (uint8_t)('a' + i)));
    }
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xc4); /* at trigger: data available */
    KTEST_EQ(h.irq_calls, 1);
    for (unsigned i = 0; i < 8; i++) {
        KTEST_EQ(rd(&h, VUART16550_LSR) & VUART16550_LSR_DR, 1);
        KTEST_EQ(rd(&h, VUART16550_RBR), 'a' + i);
    }
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(h.irq_calls, 2);

    /* The ring wraps correctly over many fills. */
    for (unsigned round = 0; round < 5; round++) {
        for (unsigned i = 0; i < 50; i++) {
            KTEST_CHECK(vuart16550_rx_push(&h.uart, (uint8_t)(round * 50 + i)));
        }
        for (unsigned i = 0; i < 50; i++) {
            KTEST_EQ(rd(&h, VUART16550_RBR), (uint8_t)(round * 50 + i));
        }
    }
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);
}

static void test_rx_overflow(void)
{
    struct harness h;

    setup(&h);
    /* FIFOs off: the RBR holds one byte. */
    KTEST_CHECK(vuart16550_rx_push(&h.uart, 1));
    KTEST_CHECK(!vuart16550_rx_room(&h.uart));
    KTEST_CHECK(!vuart16550_rx_push(&h.uart, 2));
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x63); /* DR | OE */
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x61); /* reading LSR clears OE */
    KTEST_EQ(rd(&h, VUART16550_RBR), 1);     /* the older byte survived */
    KTEST_CHECK(vuart16550_rx_room(&h.uart));

    /* FIFOs on: 64 bytes, then overrun. */
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE | 0xc0);
    for (unsigned i = 0; i < VUART16550_RX_FIFO_SIZE; i++) {
        KTEST_CHECK(vuart16550_rx_room(&h.uart));
        KTEST_CHECK(vuart16550_rx_push(&h.uart, (uint8_t)i));
    }
    KTEST_CHECK(!vuart16550_rx_room(&h.uart));
    KTEST_CHECK(!vuart16550_rx_push(&h.uart, 0xee));
    KTEST_EQ(h.irq_calls, 0);

    /* Line status interrupt (ELSI) outranks data available. */
    wr(&h, VUART16550_IER, VUART16550_IER_ELSI | VUART16550_IER_ERBFI);
    KTEST_CHECK(h.irq_level);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xc6);
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x63);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xc4);
    for (unsigned i = 0; i < VUART16550_RX_FIFO_SIZE; i++) {
        KTEST_EQ(rd(&h, VUART16550_RBR), i); /* the dropped 0xee never appears */
    }
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(h.irq_calls, 2);
}

static void test_fcr_resets(void)
{
    struct harness h;

    setup(&h);
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE);
    KTEST_CHECK(vuart16550_rx_push(&h.uart, 'a'));
    KTEST_CHECK(vuart16550_rx_push(&h.uart, 'b'));
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE | VUART16550_FCR_RFR);
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xc1); /* RFR self-clears, FE stays */

    KTEST_CHECK(vuart16550_rx_push(&h.uart, 'c'));
    wr(&h, VUART16550_FCR, 0); /* leaving FIFO mode flushes */
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);

    KTEST_CHECK(vuart16550_rx_push(&h.uart, 'd'));
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE); /* entering FIFO mode flushes */
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);

    /* FCR bits other than FE are not programmed while FE = 0. */
    wr(&h, VUART16550_FCR, 0);
    wr(&h, VUART16550_FCR, 0xc0);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);
}

static void test_loopback(void)
{
    struct harness h;

    setup(&h);
    /* Linux autoconfig: MCR = LOOP | OUT2 | RTS must read MSR & 0xf0 == 0x90. */
    wr(&h, VUART16550_MCR, VUART16550_MCR_LOOP | 0x0a);
    KTEST_EQ(rd(&h, VUART16550_MCR), 0x1a);
    KTEST_EQ(rd(&h, VUART16550_MSR) & 0xf0, 0x90);
    wr(&h, VUART16550_MCR, 0xff);
    KTEST_EQ(rd(&h, VUART16550_MCR), 0x1f);
    KTEST_EQ(rd(&h, VUART16550_MSR) & 0xf0, 0xf0);
    wr(&h, VUART16550_MCR, VUART16550_MCR_LOOP);
    KTEST_EQ(rd(&h, VUART16550_MSR), 0x04 | 0x01 | 0x02 | 0x08); /* all fell: TERI too */
    KTEST_EQ(rd(&h, VUART16550_MSR), 0x00);

    /* THR loops back into the receiver instead of the console. */
    KTEST_CHECK(!vuart16550_rx_room(&h.uart));
    wr(&h, VUART16550_THR, 0x5a);
    KTEST_EQ(h.tx_count, 0);
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x61);
    KTEST_EQ(rd(&h, VUART16550_RBR), 0x5a);

    /* The serial input is disconnected: console bytes are refused, no overrun. */
    KTEST_CHECK(!vuart16550_rx_push(&h.uart, 0x11));
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);

    wr(&h, VUART16550_MCR, 0);
    KTEST_EQ(rd(&h, VUART16550_MSR), 0xb0 | 0x01 | 0x02 | 0x08);
    KTEST_EQ(rd(&h, VUART16550_MSR), 0xb0);
    KTEST_CHECK(vuart16550_rx_room(&h.uart));
    wr(&h, VUART16550_THR, 'z');
    KTEST_EQ(h.tx_count, 1);
    KTEST_EQ(h.tx[0], 'z');
}

static void test_modem_status_interrupt(void)
{
    struct harness h;

    setup(&h);
    wr(&h, VUART16550_IER, VUART16550_IER_EDSSI);
    KTEST_CHECK(!h.irq_level);
    wr(&h, VUART16550_MCR, VUART16550_MCR_LOOP | VUART16550_MCR_DTR | VUART16550_MCR_RTS |
                               VUART16550_MCR_OUT2);
    KTEST_CHECK(!h.irq_level); /* DSR, CTS, DCD stayed high */
    wr(&h, VUART16550_MCR, VUART16550_MCR_LOOP | VUART16550_MCR_DTR | VUART16550_MCR_OUT2);
    KTEST_CHECK(h.irq_level); /* CTS fell */
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x00);
    KTEST_EQ(rd(&h, VUART16550_MSR), 0xa1);
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);
}

static void test_interrupt_priority(void)
{
    struct harness h;

    setup(&h);
    /* Produce all four sources at once: overrun, data, THR empty, modem delta. */
    wr(&h, VUART16550_MCR, VUART16550_MCR_LOOP);
    wr(&h, VUART16550_THR, 1);
    wr(&h, VUART16550_THR, 2); /* overruns the 1-byte RBR */
    wr(&h, VUART16550_IER, 0x0f);
    KTEST_EQ(h.irq_calls, 1);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x06); /* line status */
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x63);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x04); /* received data */
    KTEST_EQ(rd(&h, VUART16550_RBR), 1);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x02); /* THR empty; this read clears it */
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x00); /* modem status */
    KTEST_EQ(rd(&h, VUART16550_MSR) & 0x0f, 0x0b);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);
    KTEST_CHECK(!h.irq_level);
    KTEST_EQ(h.irq_calls, 2);

    /* A THR-empty interrupt only clears through IIR when it is the reported source. */
    wr(&h, VUART16550_THR, 3);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x04);
    KTEST_EQ(rd(&h, VUART16550_RBR), 3);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x02);
    KTEST_EQ(rd(&h, VUART16550_IIR), 0x01);
}

static void test_irq_only_on_change(void)
{
    struct harness h;

    setup(&h);
    wr(&h, VUART16550_FCR, VUART16550_FCR_FE);
    wr(&h, VUART16550_IER, VUART16550_IER_ERBFI | VUART16550_IER_ETBEI);
    KTEST_EQ(h.irq_calls, 1);
    for (unsigned i = 0; i < 10; i++) {
        KTEST_CHECK(vuart16550_rx_push(&h.uart, (uint8_t)i));
        wr(&h, VUART16550_THR, (uint8_t)i);
    }
    KTEST_EQ(h.irq_calls, 1);
    for (unsigned i = 0; i < 10; i++) {
        (void)rd(&h, VUART16550_RBR);
    }
    KTEST_EQ(h.irq_calls, 1); /* THRI still pending */
    KTEST_EQ(rd(&h, VUART16550_IIR), 0xc2);
    KTEST_EQ(h.irq_calls, 2);
    KTEST_CHECK(!h.irq_level);
    /* Registers without interrupt effects never call back. */
    wr(&h, VUART16550_SCR, 1);
    wr(&h, VUART16550_LCR, 3);
    (void)rd(&h, VUART16550_LSR);
    (void)rd(&h, VUART16550_MSR);
    KTEST_EQ(h.irq_calls, 2);
}

static void test_bad_access(void)
{
    struct harness h;
    static const uint32_t widths[] = {0, 2, 3, 4, 8, 16};
    uint64_t v;

    setup(&h);
    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(widths); i++) {
        for (uint64_t off = 0; off < 8; off++) {
            v = 0x1234;
            KTEST_EQ(vuart16550_ops.read(&h.uart, off, widths[i], &v), MMIO_BAD_ACCESS);
            KTEST_EQ(vuart16550_ops.write(&h.uart, off, widths[i], 0x41), MMIO_BAD_ACCESS);
        }
    }
    KTEST_EQ(h.tx_count, 0);
    KTEST_EQ(rd(&h, VUART16550_IER), 0);
    KTEST_EQ(rd(&h, VUART16550_SCR), 0);

    /* Offsets 8..0xff: read zero, writes ignored. */
    for (uint64_t off = 8; off < VUART16550_WINDOW_SIZE; off++) {
        wr(&h, off, 0xff);
        KTEST_EQ(rd(&h, off), 0);
    }
    KTEST_EQ(h.tx_count, 0);
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);

    /* Outside the window. */
    static const uint64_t outside[] = {0x100, 0x101, 0x1000, UINT64_MAX};
    for (unsigned i = 0; i < KEEL_ARRAY_SIZE(outside); i++) {
        KTEST_EQ(vuart16550_ops.read(&h.uart, outside[i], 1, &v), MMIO_BAD_ACCESS);
        KTEST_EQ(vuart16550_ops.write(&h.uart, outside[i], 1, 0x41), MMIO_BAD_ACCESS);
    }

    /* Writes of LSR and MSR are ignored; only the low byte of a value counts. */
    wr(&h, VUART16550_LSR, 0x1f);
    wr(&h, VUART16550_MSR, 0x0f);
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x60);
    KTEST_EQ(rd(&h, VUART16550_MSR), 0xb0);
    KTEST_EQ(vuart16550_ops.write(&h.uart, VUART16550_SCR, 1, 0xabcdef12), MMIO_OK);
    KTEST_EQ(rd(&h, VUART16550_SCR), 0x12);
}

/* xorshift64: the next pseudo-random value of *seed. */
static uint64_t next_random(uint64_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    return *seed;
}

/* Random guest and console traffic: nothing crashes (ASan/UBSan) and state stays sane. */
static void test_random_traffic(void)
{
    struct harness h;
    uint64_t seed = 0x9e3779b97f4a7c15u;

    setup(&h);
    for (unsigned i = 0; i < 200000; i++) {
        uint64_t r = next_random(&seed), v = 0;

        switch (r & 7) {
        case 0:
            (void)vuart16550_rx_push(&h.uart, (uint8_t)(r >> 8));
            break;
        case 1:
        case 2:
        case 3:
            (void)vuart16550_ops.read(&h.uart, (r >> 8) & 0x107, (r & 0x800) ? 2 : 1, &v);
            break;
        default:
            (void)vuart16550_ops.write(&h.uart, (r >> 8) & 0x107, (r & 0x800) ? 4 : 1, r >> 16);
            break;
        }
        /* White-box invariants: the line matches the cached IIR, DR matches the FIFO. */
        if (h.irq_level != vuart16550_irq_level(&h.uart) ||
            h.irq_level != (h.uart.iir_id != VUART16550_IIR_NO_INT) ||
            h.uart.rx_count > VUART16550_RX_FIFO_SIZE || v > 0xff ||
            ((h.uart.lsr & VUART16550_LSR_DR) != 0) != (h.uart.rx_count != 0)) {
            KTEST_CHECK(!"UART invariant broken");
            break;
        }
    }
    KTEST_CHECK(h.tx_count > 0);
}

/*
 * read_unlocked never changes the model and agrees with read whenever it answers: in states
 * reached by random traffic, for every offset of the window and beyond and every width.
 */
static void test_read_unlocked_agrees(void)
{
    struct harness h;
    uint64_t seed = 0x2545f4914f6cdd1du;
    unsigned answered = 0, deferred = 0;
    static const uint32_t widths[] = { 1, 2, 4, 8 };

    setup(&h);
    for (unsigned i = 0; i < 3000; i++) {
        uint64_t r = next_random(&seed), v = 0;

        if ((r & 3) == 0) {
            (void)vuart16550_rx_push(&h.uart, (uint8_t)(r >> 8));
        } else if ((r & 3) == 1) {
            (void)vuart16550_ops.read(&h.uart, (r >> 8) & 7, 1, &v);
        } else {
            (void)vuart16550_ops.write(&h.uart, (r >> 8) & 7, 1, r >> 16);
        }
        for (uint64_t offset = 0; offset <= VUART16550_WINDOW_SIZE; offset += (offset < 8 ? 1 : 61)) {
            for (unsigned k = 0; k < 4; k++) {
                struct vuart16550 before, locked;
                enum unlocked_check c = check_read_unlocked(&vuart16550_ops, &h.uart, &before,
                                                            &locked, sizeof(h.uart), offset,
                                                            widths[k], NULL, true);
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
}

/* Which registers the unlocked read answers, and when it defers to the locked one. */
static void test_read_unlocked_registers(void)
{
    struct harness h;
    uint64_t v = 0;

    setup(&h);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_LSR, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0x60);
    wr(&h, VUART16550_SCR, 0xa5);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_SCR, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0xa5);
    wr(&h, VUART16550_LCR, 0x83);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_LCR, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0x83);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, 0x80, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_RBR, 1, &v), MMIO_NEEDS_LOCK);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_IER, 1, &v), MMIO_NEEDS_LOCK);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_IIR, 1, &v), MMIO_NEEDS_LOCK);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_LSR, 4, &v), MMIO_BAD_ACCESS);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_WINDOW_SIZE, 1, &v), MMIO_BAD_ACCESS);
    /* an overrun: the LSR read clears OE, so it needs the lock, and then OE is gone */
    wr(&h, VUART16550_LCR, 0x03);
    KTEST_CHECK(vuart16550_rx_push(&h.uart, 'a'));
    KTEST_CHECK(!vuart16550_rx_push(&h.uart, 'b'));
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_LSR, 1, &v), MMIO_NEEDS_LOCK);
    KTEST_EQ(rd(&h, VUART16550_LSR), 0x63);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_LSR, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0x61);
    /* loopback changes the modem inputs: MSR deltas make its read need the lock */
    wr(&h, VUART16550_MCR, VUART16550_MCR_LOOP);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_MSR, 1, &v), MMIO_NEEDS_LOCK);
    (void)rd(&h, VUART16550_MSR);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_MSR, 1, &v), MMIO_OK);
    KTEST_EQ(v, 0x00);
    KTEST_EQ(vuart16550_ops.read_unlocked(&h.uart, VUART16550_MCR, 1, &v), MMIO_OK);
    KTEST_EQ(v, VUART16550_MCR_LOOP);
}

/* Input waiting outside the UART: each RBR read pulls it into the freed FIFO room. */
static const char pull_text[] = "hello, keel";
static unsigned pull_next, pull_calls;

static int pull(void *ctx)
{
    (void)ctx;
    pull_calls++;
    return pull_next < sizeof(pull_text) - 1 ? (uint8_t)pull_text[pull_next++] : -1;
}

static void test_rx_pull(void)
{
    struct vuart16550 u;
    uint64_t v = 0;
    char got[sizeof(pull_text)] = { 0 };

    pull_next = 0;
    pull_calls = 0;
    vuart16550_init(&u, NULL, NULL, pull, NULL);
    /* FIFOs off: one byte of room; the first RBR read (empty) pulls one byte */
    KTEST_EQ(vuart16550_ops.read(&u, VUART16550_RBR, 1, &v), MMIO_OK);
    KTEST_EQ(pull_next, 1);
    for (unsigned i = 0; i < sizeof(pull_text) - 1; i++) {
        KTEST_EQ(vuart16550_ops.read(&u, VUART16550_LSR, 1, &v), MMIO_OK);
        KTEST_EQ(v & VUART16550_LSR_DR, VUART16550_LSR_DR);
        KTEST_EQ(vuart16550_ops.read(&u, VUART16550_RBR, 1, &v), MMIO_OK);
        got[i] = (char)v;
        KTEST_CHECK(pull_next <= i + 2); /* never more than the room */
    }
    KTEST_EQ(memcmp(got, pull_text, sizeof(pull_text) - 1), 0);
    KTEST_EQ(vuart16550_ops.read(&u, VUART16550_LSR, 1, &v), MMIO_OK);
    KTEST_EQ(v & VUART16550_LSR_DR, 0);
    /* other registers never pull; in loopback the serial input is disconnected */
    pull_next = 0;
    pull_calls = 0;
    KTEST_EQ(vuart16550_ops.read(&u, VUART16550_SCR, 1, &v), MMIO_OK);
    KTEST_EQ(vuart16550_ops.write(&u, VUART16550_MCR, 1, VUART16550_MCR_LOOP), MMIO_OK);
    KTEST_EQ(vuart16550_ops.read(&u, VUART16550_RBR, 1, &v), MMIO_OK);
    KTEST_EQ(pull_calls, 0);
}

int main(void)
{
    KTEST_RUN(test_read_unlocked_agrees);
    KTEST_RUN(test_read_unlocked_registers);
    KTEST_RUN(test_rx_pull);
    KTEST_RUN(test_reset_state);
    KTEST_RUN(test_scratch);
    KTEST_RUN(test_lcr_readback);
    KTEST_RUN(test_dlab_divisor);
    KTEST_RUN(test_ier_bits);
    KTEST_RUN(test_fifo_detection);
    KTEST_RUN(test_tx);
    KTEST_RUN(test_null_callbacks);
    KTEST_RUN(test_thre_interrupt);
    KTEST_RUN(test_rx_no_fifo);
    KTEST_RUN(test_rx_fifo);
    KTEST_RUN(test_rx_overflow);
    KTEST_RUN(test_fcr_resets);
    KTEST_RUN(test_loopback);
    KTEST_RUN(test_modem_status_interrupt);
    KTEST_RUN(test_interrupt_priority);
    KTEST_RUN(test_irq_only_on_change);
    KTEST_RUN(test_bad_access);
    KTEST_RUN(test_random_traffic);
    return ktest_summary();
}
