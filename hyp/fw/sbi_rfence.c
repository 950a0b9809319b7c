/* SPDX-License-Identifier: MIT */
/* SBI RFENCE extension, EID 0x52464E43 "RFNC" (SBI v2.0 chapter 8). Guests get no H extension,
   so the four HFENCE functions answer SBI_ERR_NOT_SUPPORTED as sec 8.4-8.7 require. keel flushes
   a target's whole VS-stage TLB (hfence.vvma) and instruction cache (fence.i) for every range
   and kind: correct, and cheap for Linux's mostly full-range requests. Like firmware, the call
   returns once the targets have fenced (Linux frees pages right after it). */
#include "sbi.h"

enum {
    RFENCE_FENCE_I = 0,
    RFENCE_SFENCE_VMA = 1,
    RFENCE_SFENCE_VMA_ASID = 2,
    RFENCE_HFENCE_GVMA_VMID = 3,
    RFENCE_HFENCE_GVMA = 4,
    RFENCE_HFENCE_VVMA_ASID = 5,
    RFENCE_HFENCE_VVMA = 6,
};

enum exit_action sbi_rfence_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs)
{
    /* HFENCE.* and unknown FIDs: not supported, whatever their arguments (checked first) */
    if (fid >= RFENCE_HFENCE_GVMA_VMID)
        return sbi_ret(regs, SBI_ERR_NOT_SUPPORTED, 0);
    uint64_t targets;
    int64_t rc = sbi_hart_mask_targets(v->vm, regs[0], regs[1], &targets);
    if (rc)
        return sbi_ret(regs, rc, 0);
    if (fid != RFENCE_FENCE_I) {
        uint64_t start = regs[2], size = regs[3];
        if (size != UINT64_MAX && start + size < start)
            return sbi_ret(regs, SBI_ERR_INVALID_ADDRESS, 0);
    }
    riscv_vcpus_fence(v, targets); /* one batch: one IPI per hart, returns when done */
    return sbi_ret(regs, SBI_SUCCESS, 0);
}
