/* SPDX-License-Identifier: MIT */
/* A test-and-set spinlock on a 32-bit word (one amoswap.w / ldaxr-stxr to take it, one release
   store to drop it). keel never takes interrupts in hypervisor mode, so no interrupt masking is
   needed around it. */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H

#include <stdatomic.h>
#include <stdint.h>

struct spinlock {
    _Atomic uint32_t locked;
};

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(struct spinlock *l)
{
    while (atomic_exchange_explicit(&l->locked, 1, memory_order_acquire))
        while (atomic_load_explicit(&l->locked, memory_order_relaxed))
            ;
}

static inline void spin_unlock(struct spinlock *l)
{
    atomic_store_explicit(&l->locked, 0, memory_order_release);
}

#endif
