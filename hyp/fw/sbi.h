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

/* Extension IDs (SBI v2.0 chapters 4-12) */
#define SBI_EID_BASE 0x10
#define SBI_EID_TIME 0x54494D45
#define SBI_EID_IPI 0x735049
#define SBI_EID_RFENCE 0x52464E43
#define SBI_EID_HSM 0x48534D
#define SBI_EID_SRST 0x53525354
#define SBI_EID_DBCN 0x4442434E

#define SBI_SPEC_VERSION ((2u << 24) | 0u) /* v2.0 */
#define SBI_IMPL_ID_KEEL 0x6b65656cu       /* "keel": not a registered ID; see docs */
#define SBI_IMPL_VERSION 0x00000100u       /* keel 0.1 */

/* An extension handler: sees the guest's a0..a5 as regs[0..5] and writes a0 (error) / a1
   (value) into regs[0] / regs[1] (legacy calls: a0 only); returns the exit action. */
typedef enum exit_action (*sbi_handler_fn)(struct vcpu *v, uint64_t eid, uint64_t fid,
                                           uint64_t *regs);

/* One extension of keel's table (hyp/fw/sbi.c). */
struct sbi_ext {
    uint64_t eid;
    const char *name;
    sbi_handler_fn handler;
};

/* The extensions, one file each (SBI v2.0 chapter in the file's header). */
enum exit_action sbi_base_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
enum exit_action sbi_time_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
enum exit_action sbi_ipi_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
enum exit_action sbi_rfence_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
enum exit_action sbi_hsm_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
enum exit_action sbi_srst_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
enum exit_action sbi_dbcn_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
/* EIDs 0x00-0x08 (SBI v2.0 chapter 5) */
enum exit_action sbi_legacy_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs);
#define SBI_LEGACY_EID_LAST 0x08

/* Does keel implement extension `eid`? (BASE probe_extension, on the same table.) */
bool sbi_has_ext(uint64_t eid);

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
