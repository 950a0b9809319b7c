/* SPDX-License-Identifier: MIT */
/* The inter-VM doorbell device model (keel/vdev/doorbell.h). */
#include <keel/vdev/doorbell.h>

void doorbell_init(struct doorbell *d, uint32_t self, void (*ring)(void *ctx, uint32_t target),
                   void (*irq)(void *ctx, bool level), void *ctx)
{
    d->self = self;
    atomic_store(&d->pending, 0);
    d->line = false;
    d->ring = ring;
    d->irq = irq;
    d->ctx = ctx;
}

void doorbell_raise(struct doorbell *d, uint32_t source)
{
    if (source < 32)
        atomic_fetch_or(&d->pending, 1u << source);
}

void doorbell_sync(struct doorbell *d)
{
    bool level = atomic_load(&d->pending) != 0;
    if (level != d->line) {
        d->line = level;
        if (d->irq)
            d->irq(d->ctx, level);
    }
}

static enum mmio_status doorbell_read(void *dev, uint64_t offset, uint32_t width, uint64_t *value)
{
    struct doorbell *d = dev;
    if (width != 4 || (offset & 3))
        return MMIO_BAD_ACCESS;
    switch (offset) {
    case DOORBELL_REG_ID:
        *value = DOORBELL_ID;
        break;
    case DOORBELL_REG_SELF:
        *value = d->self;
        break;
    case DOORBELL_REG_PENDING:
        *value = atomic_load(&d->pending);
        break;
    default:
        *value = 0;
        break;
    }
    return MMIO_OK;
}

static enum mmio_status doorbell_write(void *dev, uint64_t offset, uint32_t width, uint64_t value)
{
    struct doorbell *d = dev;
    if (width != 4 || (offset & 3))
        return MMIO_BAD_ACCESS;
    if (offset == DOORBELL_REG_RING && d->ring) {
        d->ring(d->ctx, (uint32_t)value);
    } else if (offset == DOORBELL_REG_PENDING) {
        atomic_fetch_and(&d->pending, ~(uint32_t)value);
        doorbell_sync(d);
    }
    return MMIO_OK;
}

const struct vdev_ops doorbell_ops = { .read = doorbell_read, .write = doorbell_write };
