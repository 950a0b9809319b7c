/* SPDX-License-Identifier: MIT */
/*
 * What the device-model tests share (test_vuart16550.c, test_vpl011.c): the contract of
 * vdev_ops.read_unlocked (<keel/vdev.h>) checked at one register. Static inline: include it
 * from the test's source file.
 */
#ifndef KEEL_VDEV_HARNESS_H
#define KEEL_VDEV_HARNESS_H

#include <keel/vdev.h>
#include <stdbool.h>
#include <string.h>

#include "ktest.h"

enum unlocked_check { UNLOCKED_FAILED = -1, UNLOCKED_DEFERRED = 0, UNLOCKED_ANSWERED = 1 };

/*
 * ops->read_unlocked(dev, offset, width) against the contract: it changes nothing of the model
 * (the `size` bytes at `dev`); MMIO_NEEDS_LOCK leaves the value alone; any other status and
 * value are what ops->read gives on a copy of the model, made in `locked` (scratch of `size`
 * bytes, as is `before`) and first passed to `prepare_locked` (NULL: none); with
 * `locked_unchanged`, that read must not change the copy either. A broken rule is reported
 * through KTEST_CHECK/KTEST_EQ. Returns UNLOCKED_FAILED (the caller stops), UNLOCKED_DEFERRED
 * or UNLOCKED_ANSWERED.
 */
static inline enum unlocked_check check_read_unlocked(const struct vdev_ops *ops, void *dev,
                                                      void *before, void *locked, size_t size,
                                                      uint64_t offset, uint32_t width,
                                                      void (*prepare_locked)(void *copy),
                                                      bool locked_unchanged)
{
    uint64_t got = 0x5a5a, want = 0xa5a5;
    enum mmio_status st;

    memcpy(before, dev, size);
    st = ops->read_unlocked(dev, offset, width, &got);
    if (memcmp(before, dev, size) != 0) {
        KTEST_CHECK(!"read_unlocked changed the model");
        return UNLOCKED_FAILED;
    }
    if (st == MMIO_NEEDS_LOCK) {
        KTEST_EQ(got, 0x5a5a);
        return UNLOCKED_DEFERRED;
    }
    memcpy(locked, dev, size);
    if (prepare_locked != NULL) {
        prepare_locked(locked);
    }
    if (st != ops->read(locked, offset, width, &want) ||
        (st == MMIO_OK && (got != want || (locked_unchanged && memcmp(locked, dev, size) != 0)))) {
        KTEST_CHECK(!"read_unlocked disagrees with read");
        return UNLOCKED_FAILED;
    }
    return UNLOCKED_ANSWERED;
}

#endif
