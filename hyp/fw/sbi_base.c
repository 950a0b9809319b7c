/* SPDX-License-Identifier: MIT */
/* SBI Base extension, EID 0x10 (SBI v2.0 chapter 4). */
#include "sbi.h"

enum {
    BASE_GET_SPEC_VERSION = 0,
    BASE_GET_IMPL_ID = 1,
    BASE_GET_IMPL_VERSION = 2,
    BASE_PROBE_EXTENSION = 3,
    BASE_GET_MVENDORID = 4,
    BASE_GET_MARCHID = 5,
    BASE_GET_MIMPID = 6,
};

enum exit_action sbi_base_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs)
{
    switch (fid) {
    case BASE_GET_SPEC_VERSION:
        return sbi_ret(regs, SBI_SUCCESS, SBI_SPEC_VERSION);
    case BASE_GET_IMPL_ID:
        return sbi_ret(regs, SBI_SUCCESS, SBI_IMPL_ID_KEEL);
    case BASE_GET_IMPL_VERSION:
        return sbi_ret(regs, SBI_SUCCESS, SBI_IMPL_VERSION);
    case BASE_PROBE_EXTENSION:
        /* legacy extensions answer 1 as well: the spec leaves their value "non-zero" */
        return sbi_ret(regs, SBI_SUCCESS, sbi_has_ext(regs[0]) ? 1 : 0);
    case BASE_GET_MVENDORID:
        return sbi_ret(regs, SBI_SUCCESS, riscv_host_ids.mvendorid);
    case BASE_GET_MARCHID:
        return sbi_ret(regs, SBI_SUCCESS, riscv_host_ids.marchid);
    case BASE_GET_MIMPID:
        return sbi_ret(regs, SBI_SUCCESS, riscv_host_ids.mimpid);
    default:
        return sbi_ret(regs, SBI_ERR_NOT_SUPPORTED, 0);
    }
}
