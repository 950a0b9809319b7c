/* SPDX-License-Identifier: MIT */
/*
 * Physical harts/cores. Each has a KEEL_STACK_SIZE-aligned stack whose lowest bytes hold its
 * struct pcpu, so this_pcpu() works from any keel code, including the trap fast path where the
 * guest's tp is still live.
 */
#ifndef KEEL_PCPU_H
#define KEEL_PCPU_H

#include <keel/types.h>
#include <stdatomic.h>

#define KEEL_STACK_SIZE (32 * 1024)

struct vcpu;

struct pcpu {
    uint32_t index;          /* keel's hart index, 0 = boot hart */
    uint64_t hw_id;          /* RISC-V hartid / Arm MPIDR affinity */
    struct vcpu *current;    /* vCPU running (or about to run) here; other harts read it with
                                pcpu_current(), this hart writes it atomically */
    struct vcpu *loaded;     /* vCPU whose VS/EL1 state is in this hart's registers */
    _Atomic uint32_t online;
    uint32_t gic_cpu_id;     /* Arm: this core's GIC CPU interface number (SGI targets) */
    uint32_t plic_context;   /* RISC-V: this hart's PLIC S-mode context, ~0u when it has none */
};

union pcpu_stack {
    struct pcpu pcpu;
    uint8_t bytes[KEEL_STACK_SIZE];
};

extern union pcpu_stack pcpu_stacks[];
extern uint32_t pcpu_count;

/* The calling hart's struct pcpu (found from the stack pointer). The frame address of a hart's
   outermost function is its stack top, one past the end of its stack: step back one byte first. */
static inline struct pcpu *this_pcpu(void)
{
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0) - 1;
    return (struct pcpu *)(frame & ~(uintptr_t)(KEEL_STACK_SIZE - 1));
}

/* The vCPU hart `index` runs (or is about to run) now, NULL when none; any hart may ask. */
static inline struct vcpu *pcpu_current(uint32_t index)
{
    return __atomic_load_n(&pcpu_stacks[index].pcpu.current, __ATOMIC_SEQ_CST);
}

/* Top of pcpu `index`'s stack (16-byte aligned). */
static inline uintptr_t pcpu_stack_top(uint32_t index)
{
    return (uintptr_t)&pcpu_stacks[index] + KEEL_STACK_SIZE;
}

#endif
