/* SPDX-License-Identifier: MIT */
/* SBI IPI extension, EID 0x735049 "sPI" (SBI v2.0 chapter 7). */
#include "sbi.h"

enum exit_action sbi_ipi_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs)
{
    if (fid != 0)
        return sbi_ret(regs, SBI_ERR_NOT_SUPPORTED, 0);
    uint64_t targets;
    int64_t rc = sbi_hart_mask_targets(v->vm, regs[0], regs[1], &targets);
    if (rc)
        return sbi_ret(regs, rc, 0);
    for (uint32_t i = 0; i < v->vm->nr_vcpus; i++)
        if (targets & (1ull << i))
            vcpu_arch_raise_soft_irq(&v->vm->vcpus[i]); /* sec 7.1 send_ipi */
    return sbi_ret(regs, SBI_SUCCESS, 0);
}
