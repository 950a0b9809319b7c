/* SPDX-License-Identifier: MIT */
/*
 * Virtual Arm PrimeCell PL011 UART (the console QEMU virt exposes and Linux's amba-pl011
 * driver and earlycon=pl011 drive). Device tree view: compatible = "arm,pl011",
 * "arm,primecell", a 4 KiB window, one level-triggered interrupt. Register map (PL011 TRM,
 * DDI 0183, "Summary of registers"):
 *
 *   0x000 UARTDR      0x004 UARTRSR/ECR   0x018 UARTFR     0x020 UARTILPR
 *   0x024 UARTIBRD    0x028 UARTFBRD      0x02C UARTLCR_H  0x030 UARTCR
 *   0x034 UARTIFLS    0x038 UARTIMSC      0x03C UARTRIS    0x040 UARTMIS
 *   0x044 UARTICR     0x048 UARTDMACR     0xFE0-0xFFC PrimeCell peripheral/cell ID
 *
 * Model choices (visible behaviour follows the TRM or QEMU's hw/char/pl011.c):
 *  - ID registers return QEMU's "arm" PL011 values 0x11 0x10 0x14 0x00 0x0d 0xf0 0x05
 *    0xb1. PeriphID2 = 0x14 means revision 1, so Linux assumes a 16-byte FIFO; it drains
 *    the receiver until UARTFR.RXFE and cannot tell that the model holds 32.
 *  - Accesses: 32-bit and 16-bit reads and writes of every register (Linux's amba-pl011
 *    uses readw/writew for "arm,pl011", the SBSA variant readl/writel), 8-bit reads of
 *    every register (low byte) and 8-bit writes of UARTDR only (earlycon=pl011 without
 *    ",mmio32" stores the character with writeb and polls UARTFR with readl). Offsets must
 *    be 4-byte aligned. Anything else, and any offset at or beyond VPL011_WINDOW_SIZE, is
 *    MMIO_BAD_ACCESS. Unimplemented offsets inside the window (0x008-0x014, 0x01C,
 *    0x04C-0xFDC, test registers) read 0 and ignore writes; so do writes to read-only
 *    registers (FR, RIS, MIS, IDs) and reads of write-only UARTICR.
 *  - Transmission is instantaneous: a UARTDR write hands the byte to the tx callback (in
 *    loopback, to the receiver instead) before the write returns, so UARTFR always shows
 *    TXFE = 1, TXFF = 0, BUSY = 0. Like QEMU, bytes are sent whatever UARTCR.UARTEN/TXE
 *    say (Linux's earlycon writes before anything enables the UART) and the receiver
 *    accepts input whatever UARTEN/RXE say.
 *  - TXIS (transmit FIFO at or below its trigger level): the TX FIFO is always empty, so
 *    TXIS is raised each time it drains through the level, i.e. after every UARTDR write
 *    (QEMU) and when UARTCR turns the transmitter on (UARTEN and TXE both set after having
 *    not both been set). It stays set until UARTICR.TXIC clears it, as in QEMU; Linux masks
 *    it with UARTIMSC.TXIM when it has nothing to send.
 *  - Receive FIFO: 32 entries with UARTLCR_H.FEN = 1, one holding register otherwise.
 *    Changing FEN empties it (as QEMU). A byte arriving at a full FIFO is dropped and sets
 *    UARTRSR.OE and RIS.OEIS. Framing, parity and break errors never occur.
 *  - RXIS is raised when the FIFO level rises to the UARTIFLS.RXIFLSEL trigger (4, 8, 16,
 *    24, 28 bytes; reserved encodings count as 16; 1 byte with FEN = 0) and cleared when
 *    reads take it below the trigger or by UARTICR. Time is not modelled, so the receive
 *    timeout RTIS is raised at once whenever a byte arrives and leaves the FIFO below the
 *    trigger level, and cleared when the FIFO empties or by UARTICR (TRM semantics, with a
 *    zero-length timeout).
 *  - Modem inputs are not connected: FR.CTS/DSR/DCD/RI read 0 (as QEMU). In loopback
 *    (UARTCR.LBE) they follow RTS->CTS, DTR->DSR, Out1->DCD, Out2->RI and each change sets
 *    the matching RIS modem bit.
 *  - The interrupt output is the level (RIS & IMSC) != 0 (UARTINTR, the combined line).
 */
#ifndef KEEL_VDEV_PL011_H
#define KEEL_VDEV_PL011_H

#include <keel/types.h>
#include <keel/vdev.h>

#define VPL011_WINDOW_SIZE 0x1000u /* bytes of GPA window (reg = <base 0x1000>) */
#define VPL011_RX_FIFO_SIZE 32u    /* receive FIFO depth with FEN = 1; a power of two */

/* Register offsets. */
enum vpl011_reg {
    VPL011_DR = 0x000,
    VPL011_RSR = 0x004, /* read: UARTRSR; write: UARTECR */
    VPL011_FR = 0x018,
    VPL011_ILPR = 0x020,
    VPL011_IBRD = 0x024,
    VPL011_FBRD = 0x028,
    VPL011_LCR_H = 0x02c,
    VPL011_CR = 0x030,
    VPL011_IFLS = 0x034,
    VPL011_IMSC = 0x038,
    VPL011_RIS = 0x03c,
    VPL011_MIS = 0x040,
    VPL011_ICR = 0x044,
    VPL011_DMACR = 0x048,
    VPL011_PERIPH_ID0 = 0xfe0, /* PeriphID0..3 at 0xfe0..0xfec, CellID0..3 at 0xff0..0xffc */
    VPL011_CELL_ID0 = 0xff0,
};

/* Register bits. */
enum {
    VPL011_DR_DATA = 0x0ff,
    VPL011_DR_OE = 0x800,

    VPL011_RSR_FE = 0x1,
    VPL011_RSR_PE = 0x2,
    VPL011_RSR_BE = 0x4,
    VPL011_RSR_OE = 0x8,

    VPL011_FR_CTS = 0x001,
    VPL011_FR_DSR = 0x002,
    VPL011_FR_DCD = 0x004,
    VPL011_FR_BUSY = 0x008,
    VPL011_FR_RXFE = 0x010,
    VPL011_FR_TXFF = 0x020,
    VPL011_FR_RXFF = 0x040,
    VPL011_FR_TXFE = 0x080,
    VPL011_FR_RI = 0x100,
    VPL011_FR_MODEM = 0x107, /* CTS | DSR | DCD | RI */

    VPL011_LCR_H_BRK = 0x01,
    VPL011_LCR_H_FEN = 0x10,
    VPL011_LCR_H_MASK = 0xff,

    VPL011_CR_UARTEN = 0x0001,
    VPL011_CR_LBE = 0x0080,
    VPL011_CR_TXE = 0x0100,
    VPL011_CR_RXE = 0x0200,
    VPL011_CR_DTR = 0x0400,
    VPL011_CR_RTS = 0x0800,
    VPL011_CR_OUT1 = 0x1000,
    VPL011_CR_OUT2 = 0x2000,
    VPL011_CR_MASK = 0xff87, /* bits 6:3 reserved, read as zero */
    VPL011_CR_RESET = 0x0300, /* TXE | RXE */

    VPL011_IFLS_TX_MASK = 0x07,
    VPL011_IFLS_RX_SHIFT = 3,
    VPL011_IFLS_MASK = 0x3f,
    VPL011_IFLS_RESET = 0x12, /* both trigger levels 1/2 */

    VPL011_IBRD_MASK = 0xffff,
    VPL011_FBRD_MASK = 0x3f,
    VPL011_DMACR_MASK = 0x7,

    /* Interrupt bits of UARTIMSC, UARTRIS, UARTMIS and UARTICR. */
    VPL011_INT_RI = 0x001,
    VPL011_INT_CTS = 0x002,
    VPL011_INT_DCD = 0x004,
    VPL011_INT_DSR = 0x008,
    VPL011_INT_RX = 0x010,
    VPL011_INT_TX = 0x020,
    VPL011_INT_RT = 0x040,
    VPL011_INT_FE = 0x080,
    VPL011_INT_PE = 0x100,
    VPL011_INT_BE = 0x200,
    VPL011_INT_OE = 0x400,
    VPL011_INT_MASK = 0x7ff,
};

/* One PL011 instance. Callers embed it and treat the fields as private to pl011.c. */
struct vpl011 {
    void (*tx)(void *ctx, uint8_t byte); /* transmitted byte (may be NULL: discarded) */
    void (*irq)(void *ctx, bool level);  /* interrupt line change (may be NULL) */
    int (*rx_pull)(void *ctx);           /* next input byte or -1, after UARTDR reads (may be NULL) */
    void *ctx;
    uint8_t rx_fifo[VPL011_RX_FIFO_SIZE];
    uint8_t rx_head;  /* index of the oldest received byte */
    uint8_t rx_count; /* bytes held (<= 32 with FEN = 1, <= 1 with FEN = 0) */
    uint8_t rx_last;  /* last byte read (UARTDR read while empty returns it) */
    uint8_t rsr;      /* UARTRSR error bits */
    uint8_t ilpr;
    uint8_t fbrd;
    uint8_t lcr_h;
    uint8_t ifls;
    uint8_t dmacr;
    uint16_t ibrd;
    uint16_t cr;
    uint16_t imsc;
    uint16_t ris;       /* raw interrupt status */
    uint16_t fr_modem;  /* modem input bits of UARTFR (VPL011_FR_MODEM) */
    uint16_t fr;        /* UARTFR as a read returns it, stored again (one atomic store) after
                           every change: what read_unlocked answers from */
    bool irq_level;     /* level last reported through irq */
};

/*
 * Reset `u` to the PL011 power-on state (TRM register reset values: UARTCR = 0x0300,
 * UARTIFLS = 0x12, UARTLCR_H = UARTIMSC = UARTRIS = 0, FIFOs off and empty) and attach
 * the callbacks. `tx` receives each byte the guest transmits; `irq` is called with the
 * new level only when the interrupt output changes (it is low after init and init does
 * not call it); `rx_pull` is asked for more input after each UARTDR read (a byte left the
 * FIFO): it returns the next byte waiting for the receiver, or -1 when there is none, and is
 * called while the FIFO has room. All run in the caller's context during an MMIO access or
 * rx_push and may be NULL. No errors.
 */
void vpl011_init(struct vpl011 *u, void (*tx)(void *ctx, uint8_t byte),
                 void (*irq)(void *ctx, bool level), int (*rx_pull)(void *ctx), void *ctx);

/*
 * Deliver one byte from the console to the receiver (TRM "UART receive FIFO"); may call
 * irq. Returns true when the byte was queued, false when it was dropped: the FIFO (one
 * byte with FEN = 0) is full, which also sets UARTRSR.OE and RIS.OEIS like an overrun, or
 * the UART is in loopback, where the serial input is disconnected (no error). Callers
 * that must not lose input check vpl011_rx_room() first.
 */
bool vpl011_rx_push(struct vpl011 *u, uint8_t byte);

/*
 * True when vpl011_rx_push() would queue one more byte: not in loopback and fewer than
 * 32 bytes (FEN = 1) / 1 byte (FEN = 0) held. No side effects.
 */
bool vpl011_rx_room(const struct vpl011 *u);

/* Current level of the interrupt output (the value last passed to irq). No side effects. */
bool vpl011_irq_level(const struct vpl011 *u);

/*
 * MMIO callbacks, dev = struct vpl011 *. Widths and offsets as listed in the header
 * comment: 4- and 2-byte accesses to any register, 1-byte reads of any register and
 * 1-byte writes of UARTDR, 4-byte-aligned offsets below VPL011_WINDOW_SIZE; everything
 * else is MMIO_BAD_ACCESS. Reading UARTDR pops the receive FIFO; writing it transmits.
 * read_unlocked answers UARTFR (polled by every driver before each byte it sends) and the
 * identification registers without the caller's lock; every other register: MMIO_NEEDS_LOCK.
 */
extern const struct vdev_ops vpl011_ops;

#endif
