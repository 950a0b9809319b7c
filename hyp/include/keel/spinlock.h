/* SPDX-License-Identifier: MIT */
/* A test-and-set spinlock over C11 atomics; keel never takes interrupts in hypervisor mode,
   so no interrupt masking is needed around it. */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H

#include <stdatomic.h>

struct spinlock {
    atomic_flag flag;
};

#define SPINLOCK_INIT { ATOMIC_FLAG_INIT }

static inline void spin_lock(struct spinlock *l)
{
    while (atomic_flag_test_and_set_explicit(&l->flag, memory_order_acquire))
        ;
}

static inline void spin_unlock(struct spinlock *l)
{
    atomic_flag_clear_explicit(&l->flag, memory_order_release);
}

#endif
