/* SPDX-License-Identifier: MIT */
/* SBI v2.0 emulation for guests: the extension table and helpers its entries share. */
#ifndef KEEL_SBI_H
#define KEEL_SBI_H

#include <keel/exit.h>
#include <keel/vm.h>

/* Standard error codes (SBI v2.0 sec 3.2, table 1). */
#define SBI_SUCCESS 0
#define SBI_ERR_FAILED (-1)
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_DENIED (-4)
#define SBI_ERR_INVALID_ADDRESS (-5)
#define SBI_ERR_ALREADY_AVAILABLE (-6)
#define SBI_ERR_ALREADY_STARTED (-7)
#define SBI_ERR_ALREADY_STOPPED (-8)

#define SBI_SPEC_VERSION ((2u << 24) | 0u) /* v2.0 */
#define SBI_IMPL_ID_KEEL 0x6b65656cu       /* "keel": not a registered ID; see docs */
#define SBI_IMPL_VERSION 0x00000100u       /* keel 0.1 */

/* One extension: EIDs [eid_start, eid_end]; the handler sees the guest's a0..a5 as regs[0..5]
   and writes a0 (error) / a1 (value) into regs[0] / regs[1]. */
struct sbi_ext {
    uint64_t eid_start, eid_end;
    const char *name;
    enum exit_action (*handler)(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
};

extern const struct sbi_ext sbi_ext_base, sbi_ext_time, sbi_ext_ipi, sbi_ext_rfence,
    sbi_ext_hsm, sbi_ext_srst, sbi_ext_dbcn, sbi_ext_legacy;

/* The extension implementing `eid`, or NULL (BASE probe_extension walks the same table). */
const struct sbi_ext *sbi_find_ext(uint64_t eid);

/* Set the standard return pair. */
static inline enum exit_action sbi_ret(uint64_t *regs, int64_t error, uint64_t value)
{
    regs[0] = (uint64_t)error;
    regs[1] = value;
    return RESUME_NEXT;
}

/* Check a hart mask (SBI v2.0 sec 3.1: hart_mask_base = -1 means every hart) against the VM's
   vCPUs; returns SBI_SUCCESS or SBI_ERR_INVALID_PARAM, and the vCPU index bitmap in *targets. */
int64_t sbi_hart_mask_targets(const struct vm *vm, uint64_t hart_mask, uint64_t hart_mask_base,
                              uint64_t *targets);

#endif
