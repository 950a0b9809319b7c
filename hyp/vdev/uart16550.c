/* SPDX-License-Identifier: MIT */
/*
 * Virtual ns16550a UART: register semantics of the PC16550D datasheet as QEMU's
 * hw/char/serial.c implements them, with instantaneous transmission. See
 * <keel/vdev/uart16550.h> for the model's choices.
 */
#include <keel/types.h>
#include <keel/vdev.h>
#include <keel/vdev/uart16550.h>

_Static_assert((VUART16550_RX_FIFO_SIZE & (VUART16550_RX_FIFO_SIZE - 1)) == 0,
               "RX FIFO size must be a power of two");
_Static_assert(VUART16550_RX_FIFO_SIZE >= 16 && VUART16550_RX_FIFO_SIZE <= 128,
               "RX FIFO size must fit the uint8_t head/count fields");

#define RX_INDEX_MASK (VUART16550_RX_FIFO_SIZE - 1u)

/* Modem inputs of a connected console outside loopback. */
#define MSR_EXTERNAL_INPUTS (VUART16550_MSR_CTS | VUART16550_MSR_DSR | VUART16550_MSR_DCD)

/*
 * LSR, LCR, MCR, MSR and SCR are also read without the caller's lock
 * (vuart16550_read_unlocked). Every write of them goes through set_reg(), one atomic store of
 * the byte; the unlocked reader loads the byte once with get_reg(). Reads under the lock use
 * plain accesses to the rest.
 */
static void set_reg(uint8_t *reg, uint8_t value)
{
    __atomic_store_n(reg, value, __ATOMIC_RELAXED);
}

static uint8_t get_reg(const uint8_t *reg)
{
    return __atomic_load_n(reg, __ATOMIC_RELAXED);
}

/* Receive FIFO trigger level selected by FCR bits 7:6 (datasheet FCR table). */
static uint8_t rx_trigger_level(uint8_t fcr)
{
    static const uint8_t levels[4] = {1, 4, 8, 14};

    return levels[(fcr >> 6) & 3u];
}

static uint8_t rx_capacity(const struct vuart16550 *u)
{
    return (u->fcr & VUART16550_FCR_FE) ? (uint8_t)VUART16550_RX_FIFO_SIZE : 1u;
}

/* Highest-priority pending interrupt source, as IIR bits 3:0 (datasheet IIR table). */
static uint8_t pending_source(const struct vuart16550 *u)
{
    if ((u->ier & VUART16550_IER_ELSI) && (u->lsr & VUART16550_LSR_ERRORS)) {
        return VUART16550_IIR_RLSI;
    }
    if ((u->ier & VUART16550_IER_ERBFI) && (u->lsr & VUART16550_LSR_DR)) {
        if ((u->fcr & VUART16550_FCR_FE) && u->rx_count < rx_trigger_level(u->fcr)) {
            return VUART16550_IIR_CTI; /* below the trigger level: timeout, untimed */
        }
        return VUART16550_IIR_RDI;
    }
    if ((u->ier & VUART16550_IER_ETBEI) && u->thr_ipending) {
        return VUART16550_IIR_THRI;
    }
    if ((u->ier & VUART16550_IER_EDSSI) && (u->msr & VUART16550_MSR_DELTAS)) {
        return VUART16550_IIR_MSI;
    }
    return VUART16550_IIR_NO_INT;
}

/* Recompute IIR and drive the interrupt output; the callback sees level changes only. */
static void update_irq(struct vuart16550 *u)
{
    bool level;

    u->iir_id = pending_source(u);
    level = u->iir_id != VUART16550_IIR_NO_INT;
    if (level != u->irq_level) {
        u->irq_level = level;
        if (u->irq != NULL) {
            u->irq(u->ctx, level);
        }
    }
}

/* Modem status inputs seen by the receiver for a given MCR (datasheet MCR bit 4). */
static uint8_t modem_inputs(uint8_t mcr)
{
    uint8_t in = 0;

    if (!(mcr & VUART16550_MCR_LOOP)) {
        return MSR_EXTERNAL_INPUTS;
    }
    if (mcr & VUART16550_MCR_DTR) {
        in |= VUART16550_MSR_DSR;
    }
    if (mcr & VUART16550_MCR_RTS) {
        in |= VUART16550_MSR_CTS;
    }
    if (mcr & VUART16550_MCR_OUT1) {
        in |= VUART16550_MSR_RI;
    }
    if (mcr & VUART16550_MCR_OUT2) {
        in |= VUART16550_MSR_DCD;
    }
    return in;
}

/* Latch new modem input levels, accumulating the MSR delta bits. */
static void update_modem_inputs(struct vuart16550 *u)
{
    uint8_t old_in = u->msr & (uint8_t)~VUART16550_MSR_DELTAS;
    uint8_t new_in = modem_inputs(u->mcr);
    uint8_t changed = old_in ^ new_in;
    uint8_t delta = u->msr & VUART16550_MSR_DELTAS;

    if (changed & VUART16550_MSR_CTS) {
        delta |= VUART16550_MSR_DCTS;
    }
    if (changed & VUART16550_MSR_DSR) {
        delta |= VUART16550_MSR_DDSR;
    }
    if ((old_in & VUART16550_MSR_RI) && !(new_in & VUART16550_MSR_RI)) {
        delta |= VUART16550_MSR_TERI; /* trailing edge of RI */
    }
    if (changed & VUART16550_MSR_DCD) {
        delta |= VUART16550_MSR_DDCD;
    }
    set_reg(&u->msr, new_in | delta);
}

/* Queue one received byte; on a full FIFO drop it and flag an overrun. No irq update. */
static bool rx_enqueue(struct vuart16550 *u, uint8_t byte)
{
    if (u->rx_count >= rx_capacity(u)) {
        set_reg(&u->lsr, u->lsr | VUART16550_LSR_OE);
        return false;
    }
    u->rx_fifo[(u->rx_head + u->rx_count) & RX_INDEX_MASK] = byte;
    u->rx_count++;
    set_reg(&u->lsr, u->lsr | VUART16550_LSR_DR);
    return true;
}

static void rx_flush(struct vuart16550 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
    set_reg(&u->lsr, u->lsr & (uint8_t)~VUART16550_LSR_DR);
}

void vuart16550_init(struct vuart16550 *u, void (*tx)(void *ctx, uint8_t byte),
                     void (*irq)(void *ctx, bool level), int (*rx_pull)(void *ctx), void *ctx)
{
    *u = (struct vuart16550){
        .tx = tx,
        .irq = irq,
        .rx_pull = rx_pull,
        .ctx = ctx,
        .iir_id = VUART16550_IIR_NO_INT,
        .lsr = VUART16550_LSR_THRE | VUART16550_LSR_TEMT,
        .msr = MSR_EXTERNAL_INPUTS,
        .divisor = 1,
    };
}

bool vuart16550_rx_room(const struct vuart16550 *u)
{
    return !(u->mcr & VUART16550_MCR_LOOP) && u->rx_count < rx_capacity(u);
}

bool vuart16550_rx_push(struct vuart16550 *u, uint8_t byte)
{
    bool queued;

    if (u->mcr & VUART16550_MCR_LOOP) {
        return false; /* serial input disconnected in loopback */
    }
    queued = rx_enqueue(u, byte);
    update_irq(u);
    return queued;
}

bool vuart16550_irq_level(const struct vuart16550 *u)
{
    return u->irq_level;
}

static uint8_t read_rbr(struct vuart16550 *u)
{
    int c;

    if (u->rx_count != 0) {
        u->rbr = u->rx_fifo[u->rx_head];
        u->rx_head = (uint8_t)((u->rx_head + 1u) & RX_INDEX_MASK);
        u->rx_count--;
        if (u->rx_count == 0) {
            set_reg(&u->lsr, u->lsr & (uint8_t)~VUART16550_LSR_DR);
        }
    }
    /* the FIFO has room again: top it up with input that waited for it */
    while (u->rx_pull != NULL && vuart16550_rx_room(u) && (c = u->rx_pull(u->ctx)) >= 0) {
        (void)rx_enqueue(u, (uint8_t)c);
    }
    update_irq(u);
    return u->rbr;
}

static uint8_t read_iir(struct vuart16550 *u)
{
    uint8_t id = u->iir_id;
    uint8_t fifo = (u->fcr & VUART16550_FCR_FE) ? VUART16550_IIR_FIFO : 0;

    if (id == VUART16550_IIR_THRI) {
        u->thr_ipending = false; /* reading IIR clears a reported THR-empty interrupt */
        update_irq(u);
    }
    return (uint8_t)(id | fifo);
}

static uint8_t read_lsr(struct vuart16550 *u)
{
    uint8_t lsr = u->lsr;

    if (lsr & VUART16550_LSR_ERRORS) {
        set_reg(&u->lsr, lsr & (uint8_t)~VUART16550_LSR_ERRORS);
        update_irq(u);
    }
    return lsr;
}

static uint8_t read_msr(struct vuart16550 *u)
{
    uint8_t msr = u->msr;

    if (msr & VUART16550_MSR_DELTAS) {
        set_reg(&u->msr, msr & (uint8_t)~VUART16550_MSR_DELTAS);
        update_irq(u);
    }
    return msr;
}

/*
 * The registers a read leaves unchanged and that one byte answers: LCR, MCR, SCR, LSR and MSR
 * while no bit that their read clears is set, and the unimplemented offsets 8..0xff (zero).
 * Safe without the lock: the byte is loaded once (get_reg), and each writer, holding the lock,
 * changes it with one store (set_reg), so the value is one the register held in the model's
 * order of updates, the same a locked read would have returned at some instant between the
 * guest's trap and its return. RBR, IER/DLL/DLM (which depend on LCR.DLAB: two fields), IIR,
 * and LSR/MSR with bits to clear: MMIO_NEEDS_LOCK.
 */
static enum mmio_status __attribute__((noinline))
vuart16550_read_unlocked(const void *dev, uint64_t offset, uint32_t width, uint64_t *value)
{
    const struct vuart16550 *u = dev;
    uint8_t v;

    if (width != 1) {
        return MMIO_BAD_ACCESS;
    }
    if (offset == VUART16550_LSR) { /* first: drivers poll it for every byte they send */
        v = get_reg(&u->lsr);
        if (v & VUART16550_LSR_ERRORS) {
            return MMIO_NEEDS_LOCK;
        }
        *value = v;
        return MMIO_OK;
    }
    if (offset >= VUART16550_WINDOW_SIZE) {
        return MMIO_BAD_ACCESS;
    }
    switch (offset) {
    case VUART16550_LCR:
        v = get_reg(&u->lcr);
        break;
    case VUART16550_MCR:
        v = get_reg(&u->mcr);
        break;
    case VUART16550_MSR:
        v = get_reg(&u->msr);
        if (v & VUART16550_MSR_DELTAS) {
            return MMIO_NEEDS_LOCK;
        }
        break;
    case VUART16550_SCR:
        v = get_reg(&u->scr);
        break;
    case VUART16550_RBR:
    case VUART16550_IER:
    case VUART16550_IIR:
        return MMIO_NEEDS_LOCK;
    default:
        v = 0; /* 8..0xff: unimplemented, read as zero */
        break;
    }
    *value = v;
    return MMIO_OK;
}

static enum mmio_status vuart16550_read(void *dev, uint64_t offset, uint32_t width,
                                        uint64_t *value)
{
    struct vuart16550 *u = dev;
    enum mmio_status st = vuart16550_read_unlocked(u, offset, width, value);

    if (st != MMIO_NEEDS_LOCK) {
        return st;
    }
    switch (offset) {
    case VUART16550_RBR:
        *value = (u->lcr & VUART16550_LCR_DLAB) ? (uint8_t)(u->divisor & 0xffu) : read_rbr(u);
        break;
    case VUART16550_IER:
        *value = (u->lcr & VUART16550_LCR_DLAB) ? (uint8_t)(u->divisor >> 8) : u->ier;
        break;
    case VUART16550_IIR:
        *value = read_iir(u);
        break;
    case VUART16550_LSR:
        *value = read_lsr(u);
        break;
    default: /* VUART16550_MSR */
        *value = read_msr(u);
        break;
    }
    return MMIO_OK;
}

static void write_thr(struct vuart16550 *u, uint8_t byte)
{
    /* Transmission completes instantly: THR and TSR are empty again, re-arm THRE. */
    u->thr_ipending = true;
    if (u->mcr & VUART16550_MCR_LOOP) {
        (void)rx_enqueue(u, byte);
    } else if (u->tx != NULL) {
        u->tx(u->ctx, byte);
    }
    update_irq(u);
}

static void write_ier(struct vuart16550 *u, uint8_t val)
{
    uint8_t old = u->ier;

    u->ier = val & VUART16550_IER_MASK;
    if ((old ^ u->ier) & VUART16550_IER_ETBEI) {
        /* Enabling ETBEI with THR empty raises the interrupt (Linux's THRE test needs it). */
        u->thr_ipending =
            (u->ier & VUART16550_IER_ETBEI) && (u->lsr & VUART16550_LSR_THRE);
    }
    update_irq(u);
}

static void write_fcr(struct vuart16550 *u, uint8_t val)
{
    if ((val ^ u->fcr) & VUART16550_FCR_FE) {
        val |= VUART16550_FCR_RFR | VUART16550_FCR_XFR; /* mode change flushes both */
    }
    if (val & VUART16550_FCR_RFR) {
        rx_flush(u);
    }
    if (val & VUART16550_FCR_XFR) {
        u->thr_ipending = true; /* transmit FIFO (always empty here) reset */
    }
    /* Other bits are only programmed while FE is (being) set (datasheet FCR bit 0). */
    u->fcr = (val & VUART16550_FCR_FE) ? (uint8_t)(val & VUART16550_FCR_STORED) : 0;
    update_irq(u);
}

static void write_mcr(struct vuart16550 *u, uint8_t val)
{
    set_reg(&u->mcr, val & VUART16550_MCR_MASK);
    update_modem_inputs(u);
    update_irq(u);
}

static enum mmio_status vuart16550_write(void *dev, uint64_t offset, uint32_t width,
                                         uint64_t value)
{
    struct vuart16550 *u = dev;
    uint8_t v = (uint8_t)value;

    if (width != 1 || offset >= VUART16550_WINDOW_SIZE) {
        return MMIO_BAD_ACCESS;
    }
    switch (offset) {
    case VUART16550_THR:
        if (u->lcr & VUART16550_LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0xff00u) | v);
        } else {
            write_thr(u, v);
        }
        break;
    case VUART16550_IER:
        if (u->lcr & VUART16550_LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0x00ffu) | ((uint16_t)v << 8));
        } else {
            write_ier(u, v);
        }
        break;
    case VUART16550_FCR:
        write_fcr(u, v);
        break;
    case VUART16550_LCR:
        set_reg(&u->lcr, v);
        break;
    case VUART16550_MCR:
        write_mcr(u, v);
        break;
    case VUART16550_SCR:
        set_reg(&u->scr, v);
        break;
    default:
        break; /* LSR, MSR (factory test / read-only) and 8..0xff: ignored */
    }
    return MMIO_OK;
}

const struct vdev_ops vuart16550_ops = {
    .read = vuart16550_read,
    .write = vuart16550_write,
    .read_unlocked = vuart16550_read_unlocked,
};
