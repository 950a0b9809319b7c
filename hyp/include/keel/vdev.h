/* SPDX-License-Identifier: MIT */
/*
 * MMIO device models: the interface between exit dispatch and a model.
 *
 * A model never sees ISA state. The dispatcher hands it the offset of the access inside
 * the model's GPA window, the access width in bytes and (for writes) the value already
 * truncated to that width. A model returns MMIO_OK or MMIO_BAD_ACCESS; the latter makes
 * the dispatcher inject an access fault into the guest (it never stops the hypervisor).
 * Models are not thread-safe: the caller serialises read and write on one instance (hyp/exit.c
 * holds vm->lock). Only read_unlocked may run concurrently with them.
 */
#ifndef KEEL_VDEV_H
#define KEEL_VDEV_H

#include <keel/types.h>

enum mmio_status {
    MMIO_OK = 0,
    MMIO_BAD_ACCESS = 1, /* offset/width not supported by the model: inject a fault */
    MMIO_NEEDS_LOCK = 2, /* read_unlocked only: this read changes state or needs several
                            fields: call read under the lock instead */
};

struct vdev_ops {
    /* Read `width` bytes (1, 2, 4 or 8) at byte `offset`; the result is zero-extended in *value. */
    enum mmio_status (*read)(void *dev, uint64_t offset, uint32_t width, uint64_t *value);
    /* Write the low `width` bytes of `value` at byte `offset`. */
    enum mmio_status (*write)(void *dev, uint64_t offset, uint32_t width, uint64_t value);
    /* Optional (NULL: every read goes through `read`). The same read without the caller's
       lock, possibly while another hart is inside read or write: for registers whose read
       has no side effect and whose value the model keeps in one field that its locked paths
       update with single atomic stores, so one atomic load answers. Returns what `read`
       would (MMIO_OK with *value, or MMIO_BAD_ACCESS), or MMIO_NEEDS_LOCK, leaving *value
       and the model unchanged. */
    enum mmio_status (*read_unlocked)(const void *dev, uint64_t offset, uint32_t width,
                                      uint64_t *value);
};

#endif
