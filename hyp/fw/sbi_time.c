/* SPDX-License-Identifier: MIT */
/* SBI Timer extension, EID 0x54494D45 "TIME" (SBI v2.0 chapter 6). */
#include "sbi.h"

enum exit_action sbi_time_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs)
{
    if (fid != 0)
        return sbi_ret(regs, SBI_ERR_NOT_SUPPORTED, 0);
    riscv_vcpu_set_timer(v, regs[0]); /* sec 6.1 set_timer(stime_value) */
    return sbi_ret(regs, SBI_SUCCESS, 0);
}
