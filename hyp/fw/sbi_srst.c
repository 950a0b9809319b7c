/* SPDX-License-Identifier: MIT */
/* SBI System Reset extension, EID 0x53525354 "SRST" (SBI v2.0 chapter 10): resets the calling
   VM only; keel powers the machine off when the last VM has shut down. */
#include "sbi.h"

enum { SRST_SHUTDOWN = 0, SRST_COLD_REBOOT = 1, SRST_WARM_REBOOT = 2 };
enum { SRST_REASON_NONE = 0, SRST_REASON_SYSTEM_FAILURE = 1 };

enum exit_action sbi_srst_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs)
{
    if (fid != 0)
        return sbi_ret(regs, SBI_ERR_NOT_SUPPORTED, 0);
    uint64_t type = regs[0], reason = regs[1];
    /* sec 10.1: reserved or unimplemented platform-specific values are invalid parameters */
    if (type > SRST_WARM_REBOOT || reason > SRST_REASON_SYSTEM_FAILURE)
        return sbi_ret(regs, SBI_ERR_INVALID_PARAM, 0);
    vm_request_stop(v->vm, type == SRST_SHUTDOWN ? VM_SHUTDOWN : VM_REBOOT);
    return VM_STOP;
}
