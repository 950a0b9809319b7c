/* SPDX-License-Identifier: MIT */
/* SBI Hart State Management extension, EID 0x48534D "HSM" (SBI v2.0 chapter 9), over the VM's
   vCPUs: a guest hart id is its vCPU index. */
#include "sbi.h"

enum { HSM_HART_START = 0, HSM_HART_STOP = 1, HSM_HART_GET_STATUS = 2, HSM_HART_SUSPEND = 3 };
enum { HSM_STARTED = 0, HSM_STOPPED = 1, HSM_SUSPENDED = 4 };

#define SUSPEND_RETENTIVE_DEFAULT 0x00000000u
#define SUSPEND_NON_RETENTIVE_DEFAULT 0x80000000u

static bool gpa_in_ram(struct vm *vm, uint64_t gpa)
{
    return vm_gpa_to_hva(vm, gpa, 4) != NULL;
}

/* sec 9.1 hart_start(hartid, start_addr, opaque) */
static enum exit_action hart_start(struct vcpu *v, uint64_t *regs)
{
    struct vm *vm = v->vm;
    uint64_t hartid = regs[0];
    if (hartid >= vm->nr_vcpus)
        return sbi_ret(regs, SBI_ERR_INVALID_PARAM, 0);
    struct vcpu *target = &vm->vcpus[hartid];
    if (atomic_load(&target->state) != VCPU_OFF)
        return sbi_ret(regs, SBI_ERR_ALREADY_AVAILABLE, 0);
    if (!gpa_in_ram(vm, regs[1]))
        return sbi_ret(regs, SBI_ERR_INVALID_ADDRESS, 0);
    if (!vcpu_try_start(target, regs[1], regs[2]))
        return sbi_ret(regs, SBI_ERR_ALREADY_AVAILABLE, 0);
    return sbi_ret(regs, SBI_SUCCESS, 0);
}

/* sec 9.3 hart_get_status(hartid) */
static enum exit_action hart_get_status(struct vcpu *v, uint64_t *regs)
{
    if (regs[0] >= v->vm->nr_vcpus)
        return sbi_ret(regs, SBI_ERR_INVALID_PARAM, 0);
    struct vcpu *target = &v->vm->vcpus[regs[0]];
    uint32_t state = atomic_load(&target->state);
    uint64_t status = state == VCPU_OFF                          ? HSM_STOPPED
                      : state == VCPU_BLOCKED && target->suspended ? HSM_SUSPENDED
                                                                   : HSM_STARTED;
    return sbi_ret(regs, SBI_SUCCESS, status);
}

/* sec 9.4 hart_suspend(suspend_type, resume_addr, opaque) */
static enum exit_action hart_suspend(struct vcpu *v, uint64_t *regs)
{
    uint64_t type = regs[0];
    if (type > UINT32_MAX)
        return sbi_ret(regs, SBI_ERR_INVALID_PARAM, 0);
    if (type == SUSPEND_RETENTIVE_DEFAULT) {
        v->suspended = true;
        v->resume_reset = false;
        sbi_ret(regs, SBI_SUCCESS, 0); /* the value the call returns after wake-up */
        return BLOCK;
    }
    if (type == SUSPEND_NON_RETENTIVE_DEFAULT) {
        if (!gpa_in_ram(v->vm, regs[1]))
            return sbi_ret(regs, SBI_ERR_INVALID_ADDRESS, 0);
        v->suspended = true;
        v->resume_reset = true;
        v->resume_entry = regs[1];
        v->resume_arg = regs[2];
        return BLOCK;
    }
    /* 0x1-0x0FFFFFFF and 0x80000001-0x8FFFFFFF are reserved; the rest is platform-specific,
       which keel does not implement: both are invalid parameters (sec 9.4 table) */
    return sbi_ret(regs, SBI_ERR_INVALID_PARAM, 0);
}

enum exit_action sbi_hsm_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs)
{
    switch (fid) {
    case HSM_HART_START:
        return hart_start(v, regs);
    case HSM_HART_STOP: /* sec 9.2: the calling hart stops; no return on success */
        atomic_store(&v->state, VCPU_OFF);
        return EXIT_TO_LOOP;
    case HSM_HART_GET_STATUS:
        return hart_get_status(v, regs);
    case HSM_HART_SUSPEND:
        return hart_suspend(v, regs);
    default:
        return sbi_ret(regs, SBI_ERR_NOT_SUPPORTED, 0);
    }
}
