/* SPDX-License-Identifier: MIT */
/*
 * RISC-V trap classification: scause -> exit record -> hyp_handle_exit() -> action applied here.
 *
 * Called by the trap vector (switch.S) in "trap context": the guest's GPRs and sepc are in the
 * register block, every other guest CSR is still in the hardware. riscv_vcpu_trap() runs with
 * only the caller-saved registers saved (fast path); riscv_vcpu_trap_full() with all of them.
 * Any guest-caused trap that keel does not emulate becomes an exception injected into the guest
 * (Privileged spec v1.12 sec 8.6.4, trap entry into VS-mode); none stops the hypervisor.
 */
#include <keel/exit.h>
#include <keel/vm.h>
#include "csr.h"
#include "insn.h"
#include "riscv_vcpu.h"

/* Inject exception `cause` with trap value `tval` into the guest: what a trap into VS-mode does
   (vsepc, vscause, vstval, vsstatus.SPP/SPIE/SIE), then resume at vstvec (exceptions always
   use the direct base). The guest's previous privilege is sstatus.SPP of the trap into HS. */
void riscv_inject_exception(struct vcpu *v, uint64_t cause, uint64_t tval)
{
    uint64_t vsstatus = csr_read(vsstatus);
    uint64_t sstatus = csr_read(sstatus);
    vsstatus &= ~(SSTATUS_SPP | SSTATUS_SPIE);
    if (sstatus & SSTATUS_SPP)
        vsstatus |= SSTATUS_SPP;
    if (vsstatus & SSTATUS_SIE)
        vsstatus |= SSTATUS_SPIE;
    vsstatus &= ~SSTATUS_SIE;
    csr_write(vsstatus, vsstatus);
    csr_write(vscause, cause);
    csr_write(vstval, tval);
    csr_write(vsepc, v->arch.ctx.sepc);
    v->arch.ctx.sepc = csr_read(vstvec) & ~3ull;
    csr_set(sstatus, SSTATUS_SPP); /* enter the guest's handler in VS-mode, not VU */
}

/* The hart's answer for the trap vector: what to do next, and the ctx (switch.S). */
static struct riscv_trap_next trap_next(struct vcpu *v, enum riscv_trap_result result)
{
    return (struct riscv_trap_next){ result, &v->arch.ctx };
}

/* Apply the action hyp/ chose. insn_len: bytes to skip for RESUME_NEXT / BLOCK. */
static enum riscv_trap_result apply_action(struct vcpu *v, enum exit_action action,
                                           uint32_t insn_len, uint64_t fault_cause,
                                           uint64_t fault_tval)
{
    if (__builtin_expect(action == RESUME_NEXT, 1)) {
        v->arch.ctx.sepc += insn_len;
        return TRAP_RESUME;
    }
    switch (action) {
    case RESUME_NEXT:
        v->arch.ctx.sepc += insn_len;
        return TRAP_RESUME;
    case RESUME_SAME:
        return TRAP_RESUME;
    case INJECT_FAULT:
        riscv_inject_exception(v, fault_cause, fault_tval);
        return TRAP_RESUME;
    case BLOCK: {
        v->arch.ctx.sepc += insn_len;
        /* only a running vCPU blocks: one its stopping VM just turned OFF stays OFF */
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

static enum riscv_trap_result handle_ecall(struct vcpu *v)
{
    struct vcpu_exit exit;
    exit.kind = EXIT_FW_CALL;
    exit.fw.ext_id = v->arch.ctx.gpr[GPR_A7];
    exit.fw.func_id = v->arch.ctx.gpr[GPR_A6];
    exit.fw.regs = &v->arch.ctx.gpr[GPR_A0];
    enum exit_action action = hyp_handle_exit(v, &exit);
    return apply_action(v, action, 4, EXC_ILLEGAL_INST, 0);
}

/* The SBI path in one frame (flatten: exit record, dispatch, SBI lookup and action inline). */
static struct riscv_trap_next __attribute__((noinline, flatten)) ecall_fast(struct vcpu *v)
{
    return (struct riscv_trap_next){ handle_ecall(v), &v->arch.ctx };
}

/* Out of line: everything but the hot MMIO case (a cached decode of a fetched instruction). */
static enum riscv_trap_result __attribute__((noinline)) mmio_access_fault(struct vcpu *v, bool store)
{
    riscv_inject_exception(v, store ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, csr_read(stval));
    return TRAP_RESUME;
}

/* An instruction keel does not emulate on a device faults as the spec says its kind does:
   AMOs and SC raise store/AMO access faults, whatever the hart reported (QEMU 7.2 reports an
   AMO's guest-page fault as a load one); LR stays a load (Privileged spec v1.12 sec 3.6, A
   extension). */
static enum riscv_trap_result __attribute__((noinline))
mmio_unemulated_fault(struct vcpu *v, bool store)
{
    /* cold: fetch again rather than keep the instruction alive on the hot path */
    uint64_t tval = csr_read(stval);
    uint64_t htinst = csr_read(htinst);
    uint64_t raw = htinst ? htinst : riscv_guest_fetch_insn(v->arch.ctx.sepc);
    if (!(raw & RISCV_FETCH_FAULT) && (raw & 0x7f) == 0x2f && ((uint32_t)raw >> 27) != 0x02)
        store = true;
    riscv_inject_exception(v, store ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, tval);
    return TRAP_RESUME;
}

static enum riscv_trap_result __attribute__((noinline)) mmio_fetch_fault(struct vcpu *v)
{
    /* the guest's own mapping of its code changed under us: report it as a fetch fault */
    riscv_inject_exception(v, EXC_INST_ACCESS, v->arch.ctx.sepc);
    return TRAP_RESUME;
}

/* The cache entry for the instruction at guest pc `pc` (2-byte aligned): entry (pc / 2) mod
   RISCV_MMIO_CACHE_ENTRIES, as a byte offset from the first (entries are 16 bytes). */
static struct riscv_mmio_decode *mmio_cache_slot(struct vcpu *v, uint64_t pc)
{
    uintptr_t offset = (pc << 3) & ((RISCV_MMIO_CACHE_ENTRIES - 1) << 4);
    return (struct riscv_mmio_decode *)((uintptr_t)v->arch.mmio_cache + offset);
}

/* The register of a decoded access in the register block (the entry keeps its byte offset). */
static uint64_t *mmio_gpr(struct riscv_ctx *ctx, const struct riscv_mmio_decode *d)
{
    return (uint64_t *)((uintptr_t)ctx->gpr + d->gpr_offset);
}

/* Fill *d from a decoded access for fault `scause`; false when the directions differ (the
   instruction changed since it trapped: another hart rewrote it, or the mapping changed). */
static bool mmio_decode_set(struct riscv_mmio_decode *d, const struct riscv_mmio_insn *insn,
                            uint32_t raw, uint64_t scause)
{
    if (insn->is_store != (scause == EXC_STORE_GUEST_PAGE_FAULT))
        return false;
    d->sign_bit = riscv_mmio_sign_bit(insn);
    d->raw = raw;
    d->cause = (uint8_t)(scause | (riscv_gpr_saved_on_fast_path(insn->reg) ? 0 : RISCV_MMIO_NEEDS_FULL));
    d->width = insn->width;
    d->gpr_offset = (uint8_t)(insn->reg * sizeof(uint64_t));
    d->len = insn->insn_len;
    return true;
}

/* Cache miss for the fetched instruction `raw`: decode it into the entry `d` (drivers poll the
   same register with the same instruction, so the decoder runs once per site). The entry
   may already hold it with RISCV_MMIO_NEEDS_FULL set. NULL when keel cannot emulate it. */
static const struct riscv_mmio_decode *__attribute__((noinline))
mmio_decode_miss(struct riscv_mmio_decode *d, uint32_t raw, uint64_t scause)
{
    struct riscv_mmio_insn insn;
    if (d->raw == raw && d->cause == (scause | RISCV_MMIO_NEEDS_FULL))
        return d;
    if (riscv_decode_mmio_insn(raw, &insn) != RISCV_DECODE_OK)
        return NULL;
    return mmio_decode_set(d, &insn, raw, scause) ? d : NULL;
}

/* htinst != 0: a transformed instruction (usable), a pseudoinstruction (the guest's own page
   walk hit a hole in its GPA space) or something keel cannot use. Decoded into *d, uncached. */
static const struct riscv_mmio_decode *__attribute__((noinline))
mmio_decode_htinst(uint64_t htinst, uint64_t scause, struct riscv_mmio_decode *d)
{
    struct riscv_mmio_insn insn;
    if (!riscv_htinst_is_transformed(htinst) || riscv_htinst_is_pseudoinsn(htinst) ||
        riscv_decode_htinst(htinst, &insn) != RISCV_DECODE_OK)
        return NULL;
    return mmio_decode_set(d, &insn, (uint32_t)htinst, scause) ? d : NULL;
}

/*
 * Load/store guest-page fault: an access outside the VM's stage-2 map. Device windows become
 * MMIO exits; anything else is an access fault for the guest, as on real hardware.
 * Instantiated with constant `scause` (and `full`) so that each copy keeps only v and the
 * decode entry alive across its calls: every other value is recomputed after them.
 */
static inline __attribute__((always_inline)) struct riscv_trap_next
mmio_trap(struct vcpu *v, uint64_t scause, bool full)
{
    struct riscv_ctx *ctx = &v->arch.ctx;
    bool store = scause == EXC_STORE_GUEST_PAGE_FAULT;
    uint64_t htinst = csr_read(htinst);
    struct riscv_mmio_decode from_htinst;
    const struct riscv_mmio_decode *d;

    if (__builtin_expect(htinst == 0, 1)) {
        /* no transformed instruction (QEMU 7.2 never gives one): fetch it, decode via the cache */
        uint64_t pc = ctx->sepc;
        struct riscv_mmio_decode *slot = mmio_cache_slot(v, pc);
        uint64_t raw = riscv_guest_fetch_insn(pc);
        if (raw & RISCV_FETCH_FAULT)
            return trap_next(v, mmio_fetch_fault(v));
        d = slot;
        if (slot->raw != (uint32_t)raw || slot->cause != scause) {
            d = mmio_decode_miss(slot, (uint32_t)raw, scause);
            if (!d)
                return trap_next(v, mmio_unemulated_fault(v, store));
            if (!full && (d->cause & RISCV_MMIO_NEEDS_FULL))
                return trap_next(v, TRAP_NEED_FULL);
        }
    } else {
        d = mmio_decode_htinst(htinst, scause, &from_htinst);
        if (!d)
            return trap_next(v, mmio_unemulated_fault(v, store));
        if (!full && (d->cause & RISCV_MMIO_NEEDS_FULL))
            return trap_next(v, TRAP_NEED_FULL);
    }

    /* the CSRs first: csr_read() clobbers memory, and the record may live there */
    gpa_t gpa = (csr_read(htval) << 2) | (csr_read(stval) & 3);
    struct vcpu_exit exit;
    exit.kind = EXIT_MMIO;
    exit.mmio.gpa = gpa;
    exit.mmio.width = d->width;
    exit.mmio.is_write = store;
    if (store) {
        uint64_t data = *mmio_gpr(ctx, d);
        exit.mmio.value = d->width == 8 ? data : data & ((1ull << (d->width * 8)) - 1);
    }
    enum exit_action action = hyp_handle_exit(v, &exit);
    if (__builtin_expect(action == RESUME_NEXT, 1)) {
        if (!store) {
            /* the model zero-extends (keel/vdev.h): sign-extend in two operations; a load
               into x0 lands in gpr[0], which is cleared again */
            *mmio_gpr(ctx, d) = (exit.mmio.value ^ d->sign_bit) - d->sign_bit;
            ctx->gpr[GPR_ZERO] = 0;
        }
        ctx->sepc += d->len;
        return trap_next(v, TRAP_RESUME);
    }
    if (action == INJECT_FAULT)
        return trap_next(v, mmio_access_fault(v, store));
    return trap_next(v, apply_action(v, action, d->len, 0, 0));
}

/* The hot cases, one copy each (flatten: exit dispatch and the region lookup inline; the
   device model is a call through its ops). */
static struct riscv_trap_next __attribute__((noinline, flatten)) mmio_load_fast(struct vcpu *v)
{
    return mmio_trap(v, EXC_LOAD_GUEST_PAGE_FAULT, false);
}

static struct riscv_trap_next __attribute__((noinline, flatten)) mmio_store_fast(struct vcpu *v)
{
    return mmio_trap(v, EXC_STORE_GUEST_PAGE_FAULT, false);
}

/* With the full frame saved (a register outside the fast set, gp/tp/s0-s11), either direction. */
static struct riscv_trap_next __attribute__((noinline)) mmio_full(struct vcpu *v, uint64_t scause)
{
    return mmio_trap(v, scause, true);
}

/* Virtual-instruction exception: a VS/VU instruction that keel does not emulate (hypervisor
   CSRs, WFI with hstatus.VTW, ...). The guest sees an illegal instruction, as without H. */
static enum riscv_trap_result handle_virtual_inst(struct vcpu *v)
{
    uint64_t insn = csr_read(stval);
    if (insn == 0x10500073) { /* wfi, trapped when the hart is time-shared (hstatus.VTW) */
        struct vcpu_exit exit = { .kind = EXIT_WFI };
        return apply_action(v, hyp_handle_exit(v, &exit), 4, EXC_ILLEGAL_INST, insn);
    }
    riscv_inject_exception(v, EXC_ILLEGAL_INST, insn);
    return TRAP_RESUME;
}

/* Everything but the hot causes (SBI calls, MMIO), kept out of line so their frames stay small. */
static struct riscv_trap_next __attribute__((noinline)) other_trap(struct vcpu *v, uint64_t scause)
{
    if (scause & SCAUSE_INTERRUPT)
        return trap_next(v, riscv_handle_host_irq(v, scause & ~SCAUSE_INTERRUPT));

    switch (scause) {
    case EXC_INST_GUEST_PAGE_FAULT:
        /* executing outside RAM: an instruction access fault, as on bare hardware */
        riscv_inject_exception(v, EXC_INST_ACCESS, csr_read(stval));
        return trap_next(v, TRAP_RESUME);
    case EXC_VIRTUAL_INST:
        return trap_next(v, handle_virtual_inst(v));
    default:
        /* an exception hedeleg does not delegate (or a new cause): hand it to the guest as is */
        riscv_inject_exception(v, scause, csr_read(stval));
        return trap_next(v, TRAP_RESUME);
    }
}

/* The vector's entry: only a dispatch on scause, so that each hot case (SBI call, MMIO load,
   MMIO store) is a tail call into a function with just the frame it needs. */
struct riscv_trap_next riscv_vcpu_trap(struct riscv_ctx *ctx)
{
    struct vcpu *v = (struct vcpu *)ctx;
    uint64_t scause = csr_read(scause);
    if (scause == EXC_LOAD_GUEST_PAGE_FAULT)
        return mmio_load_fast(v);
    if (scause == EXC_ECALL_VS)
        return ecall_fast(v);
    if (scause == EXC_STORE_GUEST_PAGE_FAULT)
        return mmio_store_fast(v);
    return other_trap(v, scause);
}

struct riscv_trap_next riscv_vcpu_trap_full(struct riscv_ctx *ctx)
{
    struct vcpu *v = (struct vcpu *)ctx;
    uint64_t scause = csr_read(scause);
    if (scause == EXC_ECALL_VS)
        return ecall_fast(v);
    if (scause == EXC_LOAD_GUEST_PAGE_FAULT || scause == EXC_STORE_GUEST_PAGE_FAULT)
        return mmio_full(v, scause);
    return other_trap(v, scause);
}
