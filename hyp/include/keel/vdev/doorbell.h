/* SPDX-License-Identifier: MIT */
/*
 * The inter-VM doorbell: a 4 KiB MMIO window in every VM through which it raises an interrupt in
 * another VM (keel's own device; the guest DTS names it compatible "keel,doorbell"). 32-bit
 * registers:
 *   0x00 ID       read: 0x6b65656c ("keel")
 *   0x04 SELF     read: this VM's index (scenario order, from 0)
 *   0x08 RING     write: the index of the VM to ring; an index with no VM is ignored
 *   0x0c PENDING  read: bit n set = VM n rang us; write 1s to clear those bits
 * The VM's doorbell interrupt line is high while PENDING is not zero.
 */
#ifndef KEEL_VDEV_DOORBELL_H
#define KEEL_VDEV_DOORBELL_H

#include <keel/vdev.h>
#include <stdatomic.h>

#define DOORBELL_WINDOW_SIZE 0x1000u
#define DOORBELL_ID 0x6b65656cu

enum doorbell_reg { DOORBELL_REG_ID = 0x00, DOORBELL_REG_SELF = 0x04, DOORBELL_REG_RING = 0x08,
                    DOORBELL_REG_PENDING = 0x0c };

struct doorbell {
    uint32_t self;                    /* this VM's index */
    _Atomic uint32_t pending;         /* bit n: VM n rang; set by other VMs' harts */
    bool line;                        /* interrupt line level last reported */
    void (*ring)(void *ctx, uint32_t target); /* RING written: deliver to VM `target` */
    void (*irq)(void *ctx, bool level);       /* this VM's interrupt line changed */
    void *ctx;
};

/* Reset doorbell `d` of VM `self`; ring/irq callbacks receive ctx. */
void doorbell_init(struct doorbell *d, uint32_t self, void (*ring)(void *ctx, uint32_t target),
                   void (*irq)(void *ctx, bool level), void *ctx);

/* Another VM (`source`) rang this doorbell: sets its PENDING bit (lock-free: any hart may call
   it). The line follows at the next doorbell_sync() on the owner's side. */
void doorbell_raise(struct doorbell *d, uint32_t source);

/* Bring the interrupt line in line with PENDING (owner's side, under its VM lock). */
void doorbell_sync(struct doorbell *d);

extern const struct vdev_ops doorbell_ops; /* dev = struct doorbell *; 32-bit accesses only */

#endif
