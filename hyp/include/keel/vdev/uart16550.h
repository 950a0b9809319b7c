/* SPDX-License-Identifier: MIT */
/*
 * Virtual ns16550a UART (the model QEMU virt exposes and Linux's 8250/of_serial drives).
 *
 * Device tree view: compatible = "ns16550a", reg-shift = 0, reg-io-width = 1, a 0x100-byte
 * window holding the eight byte-wide registers at offsets 0..7 (PC16550D datasheet,
 * "Register Summary"):
 *
 *   0  RBR (read) / THR (write) / DLL (LCR.DLAB = 1)
 *   1  IER                      / DLM (LCR.DLAB = 1)
 *   2  IIR (read) / FCR (write)
 *   3  LCR    4  MCR    5  LSR    6  MSR    7  SCR
 *
 * Model choices (all visible behaviour follows the datasheet or QEMU's hw/char/serial.c):
 *  - Transmission is instantaneous: a THR write hands the byte to the tx callback (or, in
 *    loopback, to the receiver) and THR/TSR are empty again before the write returns, so
 *    LSR.THRE and LSR.TEMT always read 1 and the THR-empty interrupt is re-armed at once.
 *  - The receive FIFO holds VUART16550_RX_FIFO_SIZE (64) bytes when FCR.FE = 1 (a real
 *    16550 holds 16; the driver cannot tell, it drains until LSR.DR = 0) and 1 byte (the
 *    RBR) when FIFOs are disabled. On overflow the incoming byte is dropped and LSR.OE set.
 *  - Time is not modelled, so the character-timeout indication (IIR = 0xC) is reported
 *    immediately whenever the FIFO holds data but fewer bytes than the FCR trigger level;
 *    at or above the trigger level the source is "received data available" (IIR = 0x4).
 *  - Modem inputs outside loopback are fixed at CTS = DSR = DCD = 1, RI = 0 (a connected
 *    null-modem console). In loopback (MCR bit 4) they follow DTR->DSR, RTS->CTS,
 *    OUT1->RI, OUT2->DCD; changes set the MSR delta bits like the real part.
 *  - Parity/framing errors and break never occur; LSR bits PE, FE, BI and bit 7 read 0.
 *  - The reset divisor latch is 1 (not 0) so a guest that derives its baud rate from the
 *    latch never divides by zero.
 */
#ifndef KEEL_VDEV_UART16550_H
#define KEEL_VDEV_UART16550_H

#include <keel/types.h>
#include <keel/vdev.h>

#define VUART16550_WINDOW_SIZE 0x100u /* bytes of GPA window (reg = <base 0x100>) */
#define VUART16550_RX_FIFO_SIZE 64u   /* receive FIFO depth; must be a power of two <= 128 */

/* Register offsets (reg-shift 0). */
enum vuart16550_reg {
    VUART16550_RBR = 0, /* read, DLAB = 0 */
    VUART16550_THR = 0, /* write, DLAB = 0 */
    VUART16550_DLL = 0, /* DLAB = 1 */
    VUART16550_IER = 1, /* DLAB = 0 */
    VUART16550_DLM = 1, /* DLAB = 1 */
    VUART16550_IIR = 2, /* read */
    VUART16550_FCR = 2, /* write */
    VUART16550_LCR = 3,
    VUART16550_MCR = 4,
    VUART16550_LSR = 5,
    VUART16550_MSR = 6,
    VUART16550_SCR = 7,
    VUART16550_NUM_REGS = 8,
};

/* Register bits. */
enum {
    VUART16550_IER_ERBFI = 0x01, /* received data available / timeout */
    VUART16550_IER_ETBEI = 0x02, /* THR empty */
    VUART16550_IER_ELSI = 0x04,  /* receiver line status */
    VUART16550_IER_EDSSI = 0x08, /* modem status */
    VUART16550_IER_MASK = 0x0f,

    VUART16550_IIR_NO_INT = 0x01,
    VUART16550_IIR_MSI = 0x00,  /* priority 4: modem status */
    VUART16550_IIR_THRI = 0x02, /* priority 3: THR empty */
    VUART16550_IIR_RDI = 0x04,  /* priority 2: received data available */
    VUART16550_IIR_RLSI = 0x06, /* priority 1: receiver line status */
    VUART16550_IIR_CTI = 0x0c,  /* priority 2: character timeout */
    VUART16550_IIR_ID_MASK = 0x0f,
    VUART16550_IIR_FIFO = 0xc0, /* both bits set while FCR.FE = 1 */

    VUART16550_FCR_FE = 0x01,       /* FIFO enable */
    VUART16550_FCR_RFR = 0x02,      /* receive FIFO reset (self-clearing) */
    VUART16550_FCR_XFR = 0x04,      /* transmit FIFO reset (self-clearing) */
    VUART16550_FCR_DMA = 0x08,      /* DMA mode select */
    VUART16550_FCR_TRIG = 0xc0,     /* receive trigger level: 1, 4, 8, 14 bytes */
    VUART16550_FCR_STORED = 0xc9,   /* FE | DMA | TRIG: the FCR bits the model keeps */

    VUART16550_LCR_DLAB = 0x80,

    VUART16550_MCR_DTR = 0x01,
    VUART16550_MCR_RTS = 0x02,
    VUART16550_MCR_OUT1 = 0x04,
    VUART16550_MCR_OUT2 = 0x08,
    VUART16550_MCR_LOOP = 0x10,
    VUART16550_MCR_MASK = 0x1f,

    VUART16550_LSR_DR = 0x01,
    VUART16550_LSR_OE = 0x02,
    VUART16550_LSR_PE = 0x04,
    VUART16550_LSR_FE = 0x08,
    VUART16550_LSR_BI = 0x10,
    VUART16550_LSR_THRE = 0x20,
    VUART16550_LSR_TEMT = 0x40,
    VUART16550_LSR_ERRORS = 0x1e, /* OE | PE | FE | BI: line status interrupt sources */

    VUART16550_MSR_DCTS = 0x01,
    VUART16550_MSR_DDSR = 0x02,
    VUART16550_MSR_TERI = 0x04,
    VUART16550_MSR_DDCD = 0x08,
    VUART16550_MSR_DELTAS = 0x0f,
    VUART16550_MSR_CTS = 0x10,
    VUART16550_MSR_DSR = 0x20,
    VUART16550_MSR_RI = 0x40,
    VUART16550_MSR_DCD = 0x80,
};

/* One UART instance. Callers embed it and treat the fields as private to uart16550.c. */
struct vuart16550 {
    void (*tx)(void *ctx, uint8_t byte); /* transmitted byte (may be NULL: discarded) */
    void (*irq)(void *ctx, bool level);  /* interrupt line change (may be NULL) */
    int (*rx_pull)(void *ctx);           /* next input byte or -1, after RBR reads (may be NULL) */
    void *ctx;
    uint8_t rx_fifo[VUART16550_RX_FIFO_SIZE];
    uint8_t rx_head;  /* index of the oldest received byte */
    uint8_t rx_count; /* bytes held (<= VUART16550_RX_FIFO_SIZE; <= 1 with FIFOs off) */
    uint8_t rbr;      /* last byte read from the FIFO (RBR read while empty returns it) */
    uint8_t ier;
    uint8_t iir_id; /* highest-priority pending source (IIR bits 3:0), kept up to date */
    uint8_t fcr;    /* FCR & VUART16550_FCR_STORED */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;
    uint8_t msr; /* modem input levels (bits 7:4) and latched deltas (bits 3:0) */
    uint8_t scr;
    uint16_t divisor;
    bool thr_ipending; /* THR-empty interrupt armed (cleared by IIR read or THR write) */
    bool irq_level;    /* level last reported through irq */
};

/*
 * Reset `u` to the 16550 power-on state (PC16550D "Reset" table: IER = 0, IIR = 0x01,
 * LCR = MCR = 0, LSR = 0x60, FIFOs off) and attach the callbacks. `tx` receives each byte
 * the guest transmits; `irq` is called with the new level only when the level-triggered
 * interrupt output changes (it is low after init and init does not call it); `rx_pull` is
 * asked for more input after each RBR read (a byte left the FIFO): it returns the next byte
 * waiting for the receiver, or -1 when there is none, and is called while the FIFO has room.
 * All run in the caller's context during an MMIO access or rx_push and may be NULL. No errors.
 */
void vuart16550_init(struct vuart16550 *u, void (*tx)(void *ctx, uint8_t byte),
                     void (*irq)(void *ctx, bool level), int (*rx_pull)(void *ctx), void *ctx);

/*
 * Deliver one byte from the console to the receiver (datasheet: RBR / receive FIFO, LSR.DR,
 * LSR.OE). Returns true when the byte was queued. Returns false when it was dropped: the
 * FIFO (or the RBR with FIFOs off) is full, which also sets LSR.OE like a receiver
 * overrun, or the UART is in loopback mode, where the serial input is disconnected (no
 * OE). Callers that must not lose input check vuart16550_rx_room() first.
 */
bool vuart16550_rx_push(struct vuart16550 *u, uint8_t byte);

/*
 * True when vuart16550_rx_push() would queue one more byte: not in loopback and fewer
 * than 64 bytes (FIFOs on) / 1 byte (FIFOs off) held. No side effects.
 */
bool vuart16550_rx_room(const struct vuart16550 *u);

/* Current level of the interrupt output (the value last passed to irq). No side effects. */
bool vuart16550_irq_level(const struct vuart16550 *u);

/*
 * MMIO callbacks, dev = struct vuart16550 *. Width must be 1 byte (else MMIO_BAD_ACCESS);
 * offsets 0..7 are the registers above, 8..0xff read 0 and ignore writes, offsets at or
 * beyond VUART16550_WINDOW_SIZE return MMIO_BAD_ACCESS. read_unlocked answers LCR, MCR, SCR,
 * 8..0xff, and LSR/MSR while no bit their read clears is set; the rest need the lock.
 */
extern const struct vdev_ops vuart16550_ops;

#endif
