/* SPDX-License-Identifier: MIT */
/* SBI v0.1 legacy extensions, EIDs 0x00-0x0F (SBI v2.0 chapter 5): set_timer, console_putchar,
   console_getchar, clear_ipi and shutdown. The ones that take a hart-mask pointer (send_ipi,
   remote fences, EIDs 4-7) answer SBI_ERR_NOT_SUPPORTED, although probing EIDs 0-8 answers 1.
   Legacy calls return their value in a0 only. */
#include <keel/console.h>
#include "sbi.h"

enum {
    LEGACY_SET_TIMER = 0,
    LEGACY_CONSOLE_PUTCHAR = 1,
    LEGACY_CONSOLE_GETCHAR = 2,
    LEGACY_CLEAR_IPI = 3,
    LEGACY_SHUTDOWN = 8,
};

__attribute__((noinline)) enum exit_action sbi_legacy_call(struct vcpu *v, uint64_t eid, uint64_t fid,
                                                         uint64_t *regs)
{
    switch (eid) {
    case LEGACY_SET_TIMER:
        riscv_vcpu_set_timer(v, regs[0]);
        regs[0] = 0;
        return RESUME_NEXT;
    case LEGACY_CONSOLE_PUTCHAR:
        console_guest_putc(v->vm->id, (uint8_t)regs[0]);
        regs[0] = 0;
        return RESUME_NEXT;
    case LEGACY_CONSOLE_GETCHAR:
        spin_lock(&v->vm->lock);
        regs[0] = (uint64_t)(int64_t)vm_console_getc(v->vm);
        spin_unlock(&v->vm->lock);
        return RESUME_NEXT;
    case LEGACY_CLEAR_IPI:
        riscv_vcpu_clear_soft_irq(v);
        regs[0] = 0;
        return RESUME_NEXT;
    case LEGACY_SHUTDOWN:
        vm_request_stop(v->vm, VM_SHUTDOWN);
        return VM_STOP;
    default:
        regs[0] = (uint64_t)SBI_ERR_NOT_SUPPORTED;
        return RESUME_NEXT;
    }
}
