/* SPDX-License-Identifier: MIT */
/* SBI Debug Console extension, EID 0x4442434E "DBCN" (SBI v2.0 chapter 12): the VM's console
   bytes go to keel's console (tagged per VM) and input comes from the VM's console queue. */
#include <keel/console.h>
#include "sbi.h"

enum { DBCN_WRITE = 0, DBCN_READ = 1, DBCN_WRITE_BYTE = 2 };

/* Upper bound of one write call, so a guest cannot hold a hart for long: the spec lets the
   call write fewer bytes than asked (sec 12.1). */
#define DBCN_MAX_CHUNK 4096

enum exit_action sbi_dbcn_call(struct vcpu *v, uint64_t eid, uint64_t fid, uint64_t *regs)
{
    if (fid == DBCN_WRITE_BYTE) {
        console_guest_putc(v->vm->id, (uint8_t)regs[0]);
        return sbi_ret(regs, SBI_SUCCESS, 0);
    }
    if (fid != DBCN_WRITE && fid != DBCN_READ)
        return sbi_ret(regs, SBI_ERR_NOT_SUPPORTED, 0);
    uint64_t len = regs[0], gpa = regs[1];
    /* RV64: the address is base_addr_lo; base_addr_hi holds bits 64+ and must be 0 */
    if (regs[2] != 0)
        return sbi_ret(regs, SBI_ERR_INVALID_PARAM, 0);
    uint64_t chunk = len > DBCN_MAX_CHUNK ? DBCN_MAX_CHUNK : len;
    /* the whole buffer the guest named must be its memory (sec 12.1: INVALID_PARAM) */
    if (len && !vm_gpa_to_hva(v->vm, gpa, len))
        return sbi_ret(regs, SBI_ERR_INVALID_PARAM, 0);
    uint8_t *buf = vm_gpa_to_hva(v->vm, gpa, chunk);
    if (fid == DBCN_WRITE) {
        for (uint64_t i = 0; i < chunk; i++)
            console_guest_putc(v->vm->id, buf[i]);
        return sbi_ret(regs, SBI_SUCCESS, chunk);
    }
    uint64_t n = 0;
    spin_lock(&v->vm->lock);
    for (; n < chunk; n++) {
        int c = vm_console_getc(v->vm);
        if (c < 0)
            break;
        buf[n] = (uint8_t)c;
    }
    spin_unlock(&v->vm->lock);
    return sbi_ret(regs, SBI_SUCCESS, n);
}
