/* SPDX-License-Identifier: MIT */
/*
 * The ISA-neutral exit record. vcpu/<isa> decodes a trap into one `struct vcpu_exit`;
 * hyp_handle_exit() consumes it and answers with an `enum exit_action`, which only the
 * vcpu/<isa> layer applies (it alone moves the guest PC or injects faults).
 */
#ifndef KEEL_EXIT_H
#define KEEL_EXIT_H

#include <keel/types.h>

struct vcpu;

enum vcpu_exit_kind {
    EXIT_MMIO,        /* guest load/store to an address not mapped by stage-2 */
    EXIT_FW_CALL,     /* SBI ecall (RISC-V) or PSCI/SMCCC HVC/SMC (Arm) */
    EXIT_WFI,         /* guest waits for an interrupt */
    EXIT_KIND_COUNT,
};

struct exit_mmio {
    gpa_t gpa;
    uint32_t width;   /* bytes: 1, 2, 4, 8 */
    bool is_write;
    uint64_t value;   /* write: data (already truncated to width); read: filled by the handler */
};

struct exit_fw_call {
    uint64_t ext_id;  /* SBI EID (a7) / SMCCC function ID (x0) */
    uint64_t func_id; /* SBI FID (a6) / 0 */
    uint64_t *regs;   /* the guest's argument registers in its register block: SBI a0..a5,
                         SMCCC x0..x7; the handler writes results into regs[0] and regs[1] */
};

struct vcpu_exit {
    enum vcpu_exit_kind kind;
    union {
        struct exit_mmio mmio;
        struct exit_fw_call fw;
    };
};

enum exit_action {
    RESUME_NEXT,  /* done: resume after the trapping instruction */
    RESUME_SAME,  /* resume at the trapping instruction */
    INJECT_FAULT, /* inject the architectural fault for this access (access fault / abort) */
    BLOCK,        /* the vCPU waits (WFI, suspend): advance the PC, go back to the scheduler */
    VM_STOP,      /* the VM is shutting down / restarting: stop this vCPU, PC is irrelevant */
    EXIT_TO_LOOP, /* vCPU state changed (stopped, reset): back to the scheduler, PC as is */
};

/* Handle one exit record for vCPU `v` (called on v's hart, in trap context). Returns the action
   vcpu/<isa> must apply. Never panics on guest-controlled values. */
enum exit_action hyp_handle_exit(struct vcpu *v, struct vcpu_exit *exit);

#endif
