/* SPDX-License-Identifier: MIT */
/*
 * Virtual Arm PrimeCell PL011 UART: register semantics of the PL011 TRM (DDI 0183) as
 * QEMU's hw/char/pl011.c implements them, with instantaneous transmission. See
 * <keel/vdev/pl011.h> for the model's choices.
 *
 * Invariants: rx_count <= rx_capacity(); RIS.RX is only ever set while rx_count has reached
 * the trigger level and RIS.RT only while the FIFO is non-empty; irq_level == ((ris & imsc)
 * != 0) after every public entry point, and irq has been told every change of it.
 */
#include <keel/types.h>
#include <keel/vdev.h>
#include <keel/vdev/pl011.h>

_Static_assert((VPL011_RX_FIFO_SIZE & (VPL011_RX_FIFO_SIZE - 1)) == 0,
               "RX FIFO size must be a power of two");
_Static_assert(VPL011_RX_FIFO_SIZE >= 32 && VPL011_RX_FIFO_SIZE <= 128,
               "RX FIFO size must cover the 7/8 trigger and fit the uint8_t fields");

#define RX_INDEX_MASK (VPL011_RX_FIFO_SIZE - 1u)

/* PrimeCell identification registers 0xfe0..0xffc (QEMU's pl011_id_arm). */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static uint32_t rx_capacity(const struct vpl011 *u)
{
    return (u->lcr_h & VPL011_LCR_H_FEN) ? VPL011_RX_FIFO_SIZE : 1u;
}

/* Receive interrupt trigger level in bytes (TRM UARTIFLS.RXIFLSEL: 1/8 .. 7/8 full). */
static uint32_t rx_trigger(const struct vpl011 *u)
{
    static const uint8_t eighths[8] = {1, 2, 4, 6, 7, 4, 4, 4}; /* 5..7 reserved: 1/2 */

    if (!(u->lcr_h & VPL011_LCR_H_FEN)) {
        return 1; /* single holding register */
    }
    return eighths[(u->ifls >> VPL011_IFLS_RX_SHIFT) & 7u] * (VPL011_RX_FIFO_SIZE / 8u);
}

static uint32_t read_fr(const struct vpl011 *u);

/* Drive the combined interrupt output; the callback sees level changes only. Every path that
   changes the model ends here, so this is also where UARTFR is published for read_unlocked
   (it depends on rx_count, lcr_h and fr_modem). */
static void update_irq(struct vpl011 *u)
{
    bool level = (u->ris & u->imsc) != 0;

    __atomic_store_n(&u->fr, (uint16_t)read_fr(u), __ATOMIC_RELAXED);
    if (level != u->irq_level) {
        u->irq_level = level;
        if (u->irq != NULL) {
            u->irq(u->ctx, level);
        }
    }
}

/* Queue one received byte and raise RXIS/RTIS; on a full FIFO flag an overrun. */
static bool rx_enqueue(struct vpl011 *u, uint8_t byte)
{
    uint32_t trigger = rx_trigger(u);

    if (u->rx_count >= rx_capacity(u)) {
        u->rsr |= VPL011_RSR_OE;
        u->ris |= VPL011_INT_OE;
        return false;
    }
    u->rx_fifo[(u->rx_head + u->rx_count) & RX_INDEX_MASK] = byte;
    u->rx_count++;
    if (u->rx_count == trigger) {
        u->ris |= VPL011_INT_RX; /* the level rose to the trigger */
    } else if (u->rx_count < trigger) {
        u->ris |= VPL011_INT_RT; /* would wait for the (untimed) receive timeout */
    }
    return true;
}

static void rx_flush(struct vpl011 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
    u->ris &= (uint16_t)~(VPL011_INT_RX | VPL011_INT_RT);
}

/* Modem status inputs seen in UARTFR for a given UARTCR (TRM UARTCR.LBE). */
static uint16_t modem_inputs(uint16_t cr)
{
    uint16_t in = 0;

    if (!(cr & VPL011_CR_LBE)) {
        return 0; /* nothing connected */
    }
    if (cr & VPL011_CR_RTS) {
        in |= VPL011_FR_CTS;
    }
    if (cr & VPL011_CR_DTR) {
        in |= VPL011_FR_DSR;
    }
    if (cr & VPL011_CR_OUT1) {
        in |= VPL011_FR_DCD;
    }
    if (cr & VPL011_CR_OUT2) {
        in |= VPL011_FR_RI;
    }
    return in;
}

/* Latch new modem input levels; every change raises its modem interrupt. */
static void update_modem_inputs(struct vpl011 *u)
{
    uint16_t in = modem_inputs(u->cr);
    uint16_t changed = u->fr_modem ^ in;

    if (changed & VPL011_FR_CTS) {
        u->ris |= VPL011_INT_CTS;
    }
    if (changed & VPL011_FR_DSR) {
        u->ris |= VPL011_INT_DSR;
    }
    if (changed & VPL011_FR_DCD) {
        u->ris |= VPL011_INT_DCD;
    }
    if (changed & VPL011_FR_RI) {
        u->ris |= VPL011_INT_RI;
    }
    u->fr_modem = in;
}

void vpl011_init(struct vpl011 *u, void (*tx)(void *ctx, uint8_t byte),
                 void (*irq)(void *ctx, bool level), int (*rx_pull)(void *ctx), void *ctx)
{
    *u = (struct vpl011){
        .tx = tx,
        .irq = irq,
        .rx_pull = rx_pull,
        .ctx = ctx,
        .cr = VPL011_CR_RESET,
        .ifls = VPL011_IFLS_RESET,
    };
    u->fr = (uint16_t)read_fr(u);
}

bool vpl011_rx_room(const struct vpl011 *u)
{
    return !(u->cr & VPL011_CR_LBE) && u->rx_count < rx_capacity(u);
}

bool vpl011_rx_push(struct vpl011 *u, uint8_t byte)
{
    bool queued;

    if (u->cr & VPL011_CR_LBE) {
        return false; /* serial input disconnected in loopback */
    }
    queued = rx_enqueue(u, byte);
    update_irq(u);
    return queued;
}

bool vpl011_irq_level(const struct vpl011 *u)
{
    return u->irq_level;
}

static uint32_t read_dr(struct vpl011 *u)
{
    int c;

    if (u->rx_count == 0) {
        return u->rx_last;
    }
    u->rx_last = u->rx_fifo[u->rx_head];
    u->rx_head = (uint8_t)((u->rx_head + 1u) & RX_INDEX_MASK);
    u->rx_count--;
    if (u->rx_count < rx_trigger(u)) {
        u->ris &= (uint16_t)~VPL011_INT_RX;
    }
    if (u->rx_count == 0) {
        u->ris &= (uint16_t)~VPL011_INT_RT;
    }
    /* the FIFO has room again: top it up with input that waited for it */
    while (u->rx_pull != NULL && vpl011_rx_room(u) && (c = u->rx_pull(u->ctx)) >= 0) {
        (void)rx_enqueue(u, (uint8_t)c);
    }
    update_irq(u);
    return u->rx_last;
}

static uint32_t read_fr(const struct vpl011 *u)
{
    uint32_t fr = u->fr_modem | VPL011_FR_TXFE; /* TX FIFO always empty, never BUSY */

    if (u->rx_count == 0) {
        fr |= VPL011_FR_RXFE;
    }
    if (u->rx_count >= rx_capacity(u)) {
        fr |= VPL011_FR_RXFF;
    }
    return fr;
}

static enum mmio_status vpl011_read(void *dev, uint64_t offset, uint32_t width, uint64_t *value)
{
    struct vpl011 *u = dev;
    uint32_t v = 0;

    if ((width != 1 && width != 2 && width != 4) || (offset & 3u) != 0 ||
        offset >= VPL011_WINDOW_SIZE) {
        return MMIO_BAD_ACCESS;
    }
    switch (offset) {
    case VPL011_DR:
        v = read_dr(u);
        break;
    case VPL011_RSR:
        v = u->rsr;
        break;
    case VPL011_FR:
        v = read_fr(u);
        break;
    case VPL011_ILPR:
        v = u->ilpr;
        break;
    case VPL011_IBRD:
        v = u->ibrd;
        break;
    case VPL011_FBRD:
        v = u->fbrd;
        break;
    case VPL011_LCR_H:
        v = u->lcr_h;
        break;
    case VPL011_CR:
        v = u->cr;
        break;
    case VPL011_IFLS:
        v = u->ifls;
        break;
    case VPL011_IMSC:
        v = u->imsc;
        break;
    case VPL011_RIS:
        v = u->ris;
        break;
    case VPL011_MIS:
        v = (uint32_t)u->ris & u->imsc;
        break;
    case VPL011_DMACR:
        v = u->dmacr;
        break;
    default:
        if (offset >= VPL011_PERIPH_ID0) {
            v = pl011_id[(offset - VPL011_PERIPH_ID0) >> 2];
        }
        break; /* UARTICR (write-only) and unimplemented offsets read as zero */
    }
    if (width < 4) {
        v &= (1u << (8u * width)) - 1u;
    }
    *value = v;
    return MMIO_OK;
}

static void write_dr(struct vpl011 *u, uint8_t byte)
{
    /* Transmission completes instantly: the TX FIFO drains through its trigger level. */
    u->ris |= VPL011_INT_TX;
    if (u->cr & VPL011_CR_LBE) {
        (void)rx_enqueue(u, byte);
    } else if (u->tx != NULL) {
        u->tx(u->ctx, byte);
    }
    update_irq(u);
}

static void write_lcr_h(struct vpl011 *u, uint32_t val)
{
    val &= VPL011_LCR_H_MASK;
    if ((val ^ u->lcr_h) & VPL011_LCR_H_FEN) {
        rx_flush(u); /* FIFO enable or disable resets the FIFO (as QEMU) */
    }
    u->lcr_h = (uint8_t)val;
    update_irq(u);
}

static bool tx_enabled(uint16_t cr)
{
    return (cr & (VPL011_CR_UARTEN | VPL011_CR_TXE)) == (VPL011_CR_UARTEN | VPL011_CR_TXE);
}

static void write_cr(struct vpl011 *u, uint32_t val)
{
    uint16_t old = u->cr;

    u->cr = (uint16_t)(val & VPL011_CR_MASK);
    if (!tx_enabled(old) && tx_enabled(u->cr)) {
        u->ris |= VPL011_INT_TX; /* empty TX FIFO is at/below any trigger level */
    }
    update_modem_inputs(u);
    update_irq(u);
}

static enum mmio_status vpl011_write(void *dev, uint64_t offset, uint32_t width, uint64_t value)
{
    struct vpl011 *u = dev;
    uint32_t v = (uint32_t)value;

    if ((width != 2 && width != 4 && !(width == 1 && offset == VPL011_DR)) ||
        (offset & 3u) != 0 || offset >= VPL011_WINDOW_SIZE) {
        return MMIO_BAD_ACCESS;
    }
    switch (offset) {
    case VPL011_DR:
        write_dr(u, (uint8_t)(v & VPL011_DR_DATA));
        break;
    case VPL011_RSR:
        u->rsr = 0; /* UARTECR: any write clears the error flags */
        break;
    case VPL011_ILPR:
        u->ilpr = (uint8_t)v;
        break;
    case VPL011_IBRD:
        u->ibrd = (uint16_t)(v & VPL011_IBRD_MASK);
        break;
    case VPL011_FBRD:
        u->fbrd = (uint8_t)(v & VPL011_FBRD_MASK);
        break;
    case VPL011_LCR_H:
        write_lcr_h(u, v);
        break;
    case VPL011_CR:
        write_cr(u, v);
        break;
    case VPL011_IFLS:
        u->ifls = (uint8_t)(v & VPL011_IFLS_MASK);
        break;
    case VPL011_IMSC:
        u->imsc = (uint16_t)(v & VPL011_INT_MASK);
        update_irq(u);
        break;
    case VPL011_ICR:
        u->ris &= (uint16_t)~(v & VPL011_INT_MASK);
        update_irq(u);
        break;
    case VPL011_DMACR:
        u->dmacr = (uint8_t)(v & VPL011_DMACR_MASK);
        break;
    default:
        break; /* FR, RIS, MIS, IDs (read-only) and unimplemented offsets: ignored */
    }
    return MMIO_OK;
}

/*
 * UARTFR and the identification registers without the caller's lock: a read of either changes
 * nothing, FR is the one field `fr` that every locked path republishes with one atomic store
 * (update_irq), and the IDs are constants. The value is one FR held at some instant between
 * the guest's trap and its return, as a locked read would give. Other registers:
 * MMIO_NEEDS_LOCK (UARTDR pops the FIFO; the rest are not kept for unlocked readers).
 */
static enum mmio_status vpl011_read_unlocked(const void *dev, uint64_t offset, uint32_t width,
                                             uint64_t *value)
{
    const struct vpl011 *u = dev;
    uint32_t v;

    if ((width != 1 && width != 2 && width != 4) || (offset & 3u) != 0 ||
        offset >= VPL011_WINDOW_SIZE) {
        return MMIO_BAD_ACCESS;
    }
    if (offset == VPL011_FR) {
        v = __atomic_load_n(&u->fr, __ATOMIC_RELAXED);
    } else if (offset >= VPL011_PERIPH_ID0) {
        v = pl011_id[(offset - VPL011_PERIPH_ID0) >> 2];
    } else {
        return MMIO_NEEDS_LOCK;
    }
    if (width < 4) {
        v &= (1u << (8u * width)) - 1u;
    }
    *value = v;
    return MMIO_OK;
}

const struct vdev_ops vpl011_ops = {
    .read = vpl011_read,
    .write = vpl011_write,
    .read_unlocked = vpl011_read_unlocked,
};
