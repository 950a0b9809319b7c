/* SPDX-License-Identifier: MIT */
/*
 * AArch64 trap classification: ESR_EL2.EC -> exit record -> hyp_handle_exit() -> action applied
 * here. Called by the vectors (switch.S) in trap context: x0-x30 in ctx (x19-x29 after the full
 * path), ELR_EL2/SPSR_EL2/ESR_EL2/FAR_EL2/HPFAR_EL2 still in the hardware. Every class has a
 * handler; a class keel does not emulate becomes an exception injected into the guest's EL1
 * (UNDEF or an abort with the right ESR_EL1/FAR_EL1), never a hypervisor panic.
 */
#include <stddef.h>
#include <keel/exit.h>
#include <keel/sched.h>
#include <keel/vm.h>
#include "arm_vcpu.h"
#include "esr.h"
#include "sysreg.h"

/* The ctx the vectors find in TPIDR_EL2 is the vCPU itself (arm_vcpu_trap, arm_trapping_vcpu). */
_Static_assert(offsetof(struct vcpu, arch) == 0 && offsetof(struct vcpu_arch, ctx) == 0,
               "struct arm_ctx must start struct vcpu");

void arm_inject_sync(struct vcpu *v, uint64_t esr, uint64_t far, bool has_far)
{
    uint64_t spsr = sysreg_read(spsr_el2);
    uint64_t vbar = sysreg_read(vbar_el1);
    uint64_t mode = spsr & PSR_MODE_MASK;
    uint64_t offset = (spsr & PSR_AARCH32) || mode == PSR_MODE_EL0T ? 0x400
                      : mode == PSR_MODE_EL1T                       ? 0x000
                                                                    : 0x200;
    sysreg_write(elr_el1, sysreg_read(elr_el2));
    sysreg_write(spsr_el1, spsr);
    sysreg_write(esr_el1, esr);
    if (has_far)
        sysreg_write(far_el1, far);
    sysreg_write(elr_el2, vbar + offset);
    sysreg_write(spsr_el2, PSR_MODE_EL1H | PSR_DAIF);
    (void)v;
}

static void inject_undef(struct vcpu *v)
{
    arm_inject_sync(v, esr_el1_undef(), 0, false);
}

/* Every action but RESUME_NEXT (see apply_action). INJECT_FAULT means a data abort at the
   address in FAR_EL2 (a write when `is_write`). */
static enum arm_trap_result __attribute__((noinline))
apply_other_action(struct vcpu *v, enum exit_action action, uint32_t len, bool is_write)
{
    switch (action) {
    case RESUME_NEXT:
        sysreg_write(elr_el2, sysreg_read(elr_el2) + len);
        return TRAP_RESUME;
    case RESUME_SAME:
        return TRAP_RESUME;
    case INJECT_FAULT:
        arm_inject_sync(v, esr_el1_data_abort(sysreg_read(spsr_el2), is_write),
                        sysreg_read(far_el2), true);
        return TRAP_RESUME;
    case BLOCK: {
        sysreg_write(elr_el2, sysreg_read(elr_el2) + len);
        /* only a running vCPU blocks: one its stopping VM just turned OFF stays OFF (or a
           reboot could not start it again) */
        uint32_t runnable = VCPU_RUNNABLE;
        atomic_compare_exchange_strong(&v->state, &runnable, VCPU_BLOCKED);
        return TRAP_TO_LOOP;
    }
    case VM_STOP:
    case EXIT_TO_LOOP:
        return TRAP_TO_LOOP;
    }
    return TRAP_TO_LOOP;
}

/* Apply the action of an exit whose trapping instruction is `len` bytes long as ELR_EL2 sees it
   (0 when ELR already points past it, as for HVC). RESUME_NEXT is the hot case: inline, and no
   ELR access at all when len is 0; the rest is out of line. */
static inline enum arm_trap_result apply_action(struct vcpu *v, enum exit_action action,
                                                uint32_t len, bool is_write)
{
    if (__builtin_expect(action != RESUME_NEXT, 0))
        return apply_other_action(v, action, len, is_write);
    if (len != 0)
        sysreg_write(elr_el2, sysreg_read(elr_el2) + len);
    return TRAP_RESUME;
}

/* HVC64 (ELR is after the HVC) and SMC64 (ELR is the SMC itself, HCR_EL2.TSC): SMCCC calls. */
static enum arm_trap_result handle_fw_call(struct vcpu *v, uint32_t len)
{
    struct vcpu_exit exit;
    exit.kind = EXIT_FW_CALL;
    exit.fw.ext_id = (uint32_t)v->arch.ctx.x[0];
    exit.fw.func_id = 0;
    exit.fw.regs = v->arch.ctx.x;
    return apply_action(v, hyp_handle_exit(v, &exit), len, false);
}

/* Translate guest virtual address `va` to a GPA with the guest's own stage 1 (AT S1E1R), as the
   trapped access saw it. PAR_EL1 is the guest's: saved and restored. */
static bool guest_va_to_gpa(uint64_t va, gpa_t *gpa)
{
    uint64_t saved = sysreg_read(par_el1);
    __asm__ volatile("at s1e1r, %0" ::"r"(va) : "memory");
    isb();
    uint64_t par = sysreg_read(par_el1);
    sysreg_write(par_el1, saved);
    if (par & 1)
        return false;
    *gpa = (par & 0x0000fffffffff000ull) | (va & 0xfffull);
    return true;
}

/* Rt of an access can be read and written in ctx: saved on every trap, or on the full path
   (`full`), or XZR (reads as 0, writes dropped; ctx has no slot for it). */
static bool mmio_reg_ready(uint32_t reg, bool full)
{
    return arm_gpr_saved_on_fast_path(reg) || reg == 31 || full;
}

/* Emulate the MMIO access that trapped at FAR_EL2 / HPFAR_EL2, described by the ISV=1 data-abort
   syndrome `esr` (the hardware's, or esr_dabt_from_access() of the decoded instruction): one
   EXIT_MMIO record for hyp_handle_exit(), then the load's register and ELR. A model returns a
   load's `width` bytes zero-extended (<keel/vdev.h>), which is already the register value of
   LDR/LDRB/LDRH into W or X; only a sign-extending load (SSE) needs a64_load_extend(). */
static inline enum arm_trap_result emulate_mmio(struct vcpu *v, uint64_t esr)
{
    uint64_t far = sysreg_read(far_el2);
    gpa_t gpa = ((sysreg_read(hpfar_el2) & 0x00000ffffffffff0ull) << 8) | (far & 0xfffull);
    uint32_t reg = esr_dabt_srt(esr);
    uint32_t width = 1u << esr_dabt_sas(esr);
    uint64_t *x = v->arch.ctx.x;
    struct vcpu_exit exit;
    exit.kind = EXIT_MMIO;
    exit.mmio.gpa = gpa;
    exit.mmio.width = width;
    exit.mmio.is_write = esr_dabt_wnr(esr);
    exit.mmio.value = 0;
    if (esr_dabt_wnr(esr) && reg != 31)
        exit.mmio.value = a64_load_extend(x[reg], width, false, true); /* the low bytes */
    enum exit_action action = hyp_handle_exit(v, &exit);
    /* Decode the syndrome again rather than keep its fields in callee-saved registers across
       the device call: the empty asm hides that esr is unchanged, so GCC does not save
       six registers in the prologue to carry them. */
    __asm__("" : "+r"(esr));
    if (__builtin_expect(action != RESUME_NEXT, 0))
        return apply_other_action(v, action, 4, esr_dabt_wnr(esr));
    if (!esr_dabt_wnr(esr)) {
        reg = esr_dabt_srt(esr);
        uint64_t value = exit.mmio.value;
        if (esr_dabt_sse(esr))
            value = a64_load_extend(value, 1u << esr_dabt_sas(esr), true, esr_dabt_sf(esr));
        if (reg != 31)
            x[reg] = value;
    }
    return apply_action(v, RESUME_NEXT, 4, false);
}

/* A pre- or post-indexed LDR/STR (immediate) to MMIO, which has no syndrome (ISV=0): the access
   at FAR, then, once it has completed (ELR moved past it, not an abort for the guest nor a
   stopping VM), the base register's writeback, Rn += imm9 (Arm ARM C6.2, LDR/STR (immediate)).
   Rn 31 is the SP the guest was using: SP_EL0 from EL0 or EL1t, SP_EL1 from EL1h; both are
   live in the hardware while keel runs at EL2 on SP_EL2. The decoder refused Rt == Rn. */
static enum arm_trap_result emulate_mmio_writeback(struct vcpu *v, const struct a64_mmio_access *acc)
{
    uint64_t elr = sysreg_read(elr_el2);
    uint64_t spsr = sysreg_read(spsr_el2);
    enum arm_trap_result r = emulate_mmio(v, esr_dabt_from_access(acc));
    if (sysreg_read(elr_el2) != elr + 4)
        return r;
    uint64_t offset = (uint64_t)(int64_t)acc->offset;
    if (acc->base_reg != 31)
        v->arch.ctx.x[acc->base_reg] += offset;
    else if ((spsr & PSR_MODE_MASK) == PSR_MODE_EL1H)
        sysreg_write(sp_el1, sysreg_read(sp_el1) + offset);
    else
        sysreg_write(sp_el0, sysreg_read(sp_el0) + offset);
    return r;
}

/* The rest of handle_dabt(): no valid syndrome (decode the instruction at ELR from guest
   memory), or an access that is not MMIO keel can emulate (a data abort for the guest). */
static enum arm_trap_result __attribute__((noinline)) handle_dabt_slow(struct vcpu *v,
                                                                       uint64_t esr, bool full)
{
    struct a64_mmio_access acc;
    gpa_t pc_gpa;
    uint32_t *insn;
    if (esr_dabt_isv(esr) || esr_dabt_s1ptw(esr) ||
        !guest_va_to_gpa(sysreg_read(elr_el2), &pc_gpa) ||
        !(insn = vm_gpa_to_hva(v->vm, pc_gpa, 4)) ||
        a64_decode_mmio_insn(*insn, &acc) != A64_DECODE_OK)
        return apply_action(v, INJECT_FAULT, 0, esr_dabt_wnr(esr));
    if (!mmio_reg_ready(acc.reg, full) || (acc.writeback && !mmio_reg_ready(acc.base_reg, full)))
        return TRAP_NEED_FULL;
    if (acc.writeback)
        return emulate_mmio_writeback(v, &acc);
    return emulate_mmio(v, esr_dabt_from_access(&acc));
}

/* Data abort from EL0/EL1 that stage 2 did not map: MMIO or an abort for the guest. The hot
   case, a valid syndrome (ISV=1) naming a register saved on the fast path, stays inline. */
static enum arm_trap_result handle_dabt(struct vcpu *v, uint64_t esr, bool full)
{
    struct a64_mmio_access acc;
    if (__builtin_expect(esr_dabt_to_mmio(esr, &acc) != A64_DECODE_OK, 0))
        return handle_dabt_slow(v, esr, full);
    if (!mmio_reg_ready(acc.reg, full))
        return TRAP_NEED_FULL;
    return emulate_mmio(v, esr);
}

/* The synchronous exceptions off the hot paths (HVC, data abort). */
static enum arm_trap_result __attribute__((noinline)) handle_sync_other(struct vcpu *v,
                                                                        uint64_t esr)
{
    switch (esr_ec(esr)) {
    case ESR_EC_SMC64:
        return handle_fw_call(v, 4);
    case ESR_EC_IABT_LOW:
        /* executing outside RAM: an instruction abort for the guest, as on bare hardware */
        arm_inject_sync(v, esr_el1_insn_abort(sysreg_read(spsr_el2)), sysreg_read(far_el2), true);
        return TRAP_RESUME;
    case ESR_EC_WFX: {
        /* trapped only on a time-shared core (HCR_EL2.TWI/TWE, vcpu.c). WFE (and WFET): a
           spinning guest yields the core, staying runnable; WFI (and WFIT): the vCPU blocks
           until an interrupt is pending for it. Both complete (ELR + 4): a WFx may always
           return early (Arm ARM D1.6.2, B2.10.2). */
        uint32_t ti = esr_wfx_ti(esr);
        if (ti == ESR_WFX_WFE || ti == ESR_WFX_WFET) {
            sched_end_turn();
            sysreg_write(elr_el2, sysreg_read(elr_el2) + 4);
            return TRAP_TO_LOOP;
        }
        struct vcpu_exit exit = { .kind = EXIT_WFI };
        return apply_action(v, hyp_handle_exit(v, &exit), 4, false);
    }
    case ESR_EC_SYS64: /* keel traps no system register it emulates: the guest sees UNDEF */
    default:
        inject_undef(v);
        return TRAP_RESUME;
    }
}

/* A synchronous exception from the guest: HVC (the PSCI conduit) first, then data aborts. */
static enum arm_trap_result handle_sync(struct vcpu *v, bool full)
{
    uint64_t esr = sysreg_read(esr_el2);
    if (__builtin_expect(esr_ec(esr) == ESR_EC_HVC64, 1))
        return handle_fw_call(v, 0);
    if (esr_ec(esr) == ESR_EC_DABT_LOW)
        return handle_dabt(v, esr, full);
    return handle_sync_other(v, esr);
}

/* Interrupts, SError and AArch32 exceptions (code != EXIT_SYNC). */
static enum arm_trap_result handle_async(struct vcpu *v, uint64_t code)
{
    if (code == EXIT_IRQ || code == EXIT_FIQ)
        arm_handle_irq(v);
    else if (code == EXIT_SYNC_AARCH32)
        inject_undef(v); /* keel runs no AArch32 guests (HCR_EL2.RW) */
    /* SError: the guest's own asynchronous abort; nothing keel can fix */
    return TRAP_RESUME;
}

/* Before resuming the guest: back to the run loop when a request is pending, and refill the list
   registers when the distributor has news. Relaxed loads suffice: whoever sets either flag for
   another core's vCPU also kicks it with an IPI, which exits the guest again if this look missed
   it; the run loop and arm_vgic_flush() read them again with the ordering they need. */
static enum arm_trap_result finish_trap(struct vcpu *v, enum arm_trap_result r)
{
    if (r != TRAP_RESUME)
        return r;
    if (atomic_load_explicit(&v->requests, memory_order_relaxed))
        return TRAP_TO_LOOP;
    if (atomic_load_explicit(&v->arch.vgic_dirty, memory_order_relaxed))
        arm_vgic_flush(v);
    return TRAP_RESUME;
}

static enum arm_trap_result handle_trap(struct vcpu *v, uint64_t code, bool full)
{
    if (__builtin_expect(code == EXIT_SYNC, 1))
        return finish_trap(v, handle_sync(v, full));
    return finish_trap(v, handle_async(v, code));
}

static void sync_lrs(struct vcpu *v)
{
    if (v->arch.nr_lrs_used)
        arm_vgic_sync(v);
}

__attribute__((flatten)) struct arm_trap_next arm_vcpu_trap(struct arm_ctx *ctx, uint64_t code)
{
    struct vcpu *v = (struct vcpu *)ctx;
    sync_lrs(v);
    return (struct arm_trap_next){ handle_trap(v, code, false), ctx };
}

/* The lower-EL IRQ vector's entry (the virtual timer's among its exits): a function of its own,
   so that interrupts do not pay for the frame of the flattened synchronous path. */
__attribute__((flatten)) struct arm_trap_next arm_vcpu_irq(struct arm_ctx *ctx)
{
    struct vcpu *v = (struct vcpu *)ctx;
    sync_lrs(v);
    arm_handle_irq(v);
    return (struct arm_trap_next){ finish_trap(v, TRAP_RESUME), ctx };
}

struct arm_trap_next arm_vcpu_trap_full(struct arm_ctx *ctx)
{
    return (struct arm_trap_next){ handle_trap((struct vcpu *)ctx, EXIT_SYNC, true), ctx };
}
