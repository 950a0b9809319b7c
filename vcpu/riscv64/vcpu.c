/* SPDX-License-Identifier: MIT */
/*
 * RISC-V vCPU mechanism: per-hart H-extension set-up, vCPU reset, load/put of VS-level CSRs,
 * the run loop around riscv_vcpu_enter(), guest timer and interrupt lines.
 */
#include <keel/console.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vm.h>
#include "csr.h"
#include "riscv_vcpu.h"

struct riscv_host_ids riscv_host_ids;

/* Exceptions a guest handles itself (hedeleg, Privileged spec sec 8.2.2). Guest-page faults,
   virtual-instruction and VS ecalls come to keel. */
#define HEDELEG_GUEST ((1ull << EXC_INST_MISALIGNED) | (1ull << EXC_INST_ACCESS) |              \
                       (1ull << EXC_ILLEGAL_INST) | (1ull << EXC_BREAKPOINT) |                 \
                       (1ull << EXC_LOAD_MISALIGNED) | (1ull << EXC_LOAD_ACCESS) |              \
                       (1ull << EXC_STORE_MISALIGNED) | (1ull << EXC_STORE_ACCESS) |            \
                       (1ull << EXC_ECALL_U) | (1ull << EXC_INST_PAGE_FAULT) |                  \
                       (1ull << EXC_LOAD_PAGE_FAULT) | (1ull << EXC_STORE_PAGE_FAULT))

#define HENVCFG_PBMTE (1ull << 62)

static void guest_timer_expired(struct vcpu *v);

void vcpu_arch_setup(struct vcpu *v)
{
    v->arch.sstc = v->vm->sstc;
    v->arch.henvcfg = (v->vm->sstc ? HENVCFG_STCE : 0) | (platform.has_svpbmt ? HENVCFG_PBMTE : 0);
}

enum image_arch vcpu_arch_image_kind(void)
{
    return IMAGE_RISCV64;
}

void arch_idle(void)
{
    __asm__ volatile("wfi");
    uint64_t sip = csr_read(sip);
    if (sip & MIP_SSIP)
        csr_clear(sip, MIP_SSIP);
    if (sip & MIP_SEIP)
        platform_handle_ext_irq();
    if ((sip & MIP_STIP) && (csr_read(sie) & MIP_STIP))
        guest_timer_expired(this_pcpu()->loaded);
}

void riscv_hart_init_h(void)
{
    /* which guest features the firmware lets through menvcfg (WARL bits read back as 0) */
    csr_write(henvcfg, HENVCFG_STCE | HENVCFG_PBMTE);
    uint64_t henvcfg = csr_read(henvcfg);
    if (!(henvcfg & HENVCFG_STCE))
        platform.has_sstc = false;
    if (!(henvcfg & HENVCFG_PBMTE))
        platform.has_svpbmt = false;
    csr_write(henvcfg, 0);

    csr_write(hedeleg, HEDELEG_GUEST);
    csr_write(hideleg, MIP_VSSIP | MIP_VSTIP | MIP_VSEIP);
    csr_write(hcounteren, HCOUNTEREN_CY | HCOUNTEREN_TM | HCOUNTEREN_IR);
    csr_write(hvip, 0);
    csr_write(hie, 0);
    csr_write(hgeie, 0);
    csr_write(htimedelta, 0);
    csr_write(hgatp, 0);
    /* keel takes its own interrupts only while a guest runs (V=1); sstatus.SIE stays 0 */
    csr_write(sie, MIP_SSIP | MIP_SEIP);
}

static void host_timer_program(uint64_t when)
{
    if (platform.host_sstc)
        csr_write(stimecmp, when);
    else
        sbi_fw_set_timer(when);
}

void riscv_vcpu_set_timer(struct vcpu *v, uint64_t stime_value)
{
    if (v->arch.sstc) {
        csr_write(vstimecmp, stime_value);
        return;
    }
    if (csr_read(time) >= stime_value) {
        /* already due (SBI v2.0 sec 6.1: the interrupt pends at once): no host timer needed */
        csr_clear(sie, MIP_STIP);
        v->arch.timer_deadline = UINT64_MAX;
        __atomic_or_fetch(&v->arch.hvip, MIP_VSTIP, __ATOMIC_RELAXED);
        csr_set(hvip, MIP_VSTIP);
        return;
    }
    __atomic_and_fetch(&v->arch.hvip, ~MIP_VSTIP, __ATOMIC_RELAXED);
    csr_clear(hvip, MIP_VSTIP);
    v->arch.timer_deadline = stime_value;
    host_timer_program(stime_value);
    csr_set(sie, MIP_STIP);
}

/* The host timer fired: the non-Sstc guest's deadline (SBI set_timer) has come. */
static void guest_timer_expired(struct vcpu *v)
{
    csr_clear(sie, MIP_STIP);
    if (v && v->arch.timer_deadline != UINT64_MAX &&
        csr_read(time) >= v->arch.timer_deadline) {
        v->arch.timer_deadline = UINT64_MAX;
        __atomic_or_fetch(&v->arch.hvip, MIP_VSTIP, __ATOMIC_RELAXED);
        csr_set(hvip, MIP_VSTIP);
    } else if (v && v->arch.timer_deadline != UINT64_MAX) {
        host_timer_program(v->arch.timer_deadline);
        csr_set(sie, MIP_STIP);
    }
}

enum riscv_trap_result riscv_handle_host_irq(struct vcpu *v, uint64_t irq)
{
    switch (irq) {
    case IRQ_S_TIMER:
        guest_timer_expired(v);
        return TRAP_RESUME;
    case IRQ_S_EXT:
        platform_handle_ext_irq();
        return TRAP_RESUME;
    case IRQ_S_SOFT:
        csr_clear(sip, MIP_SSIP);
        return atomic_load(&v->requests) ? TRAP_TO_LOOP : TRAP_RESUME;
    default:
        return TRAP_RESUME;
    }
}

static bool vcpu_is_loaded_here(struct vcpu *v)
{
    return this_pcpu()->loaded == v;
}

void vcpu_arch_set_ext_irq(struct vcpu *v, bool level)
{
    if (level)
        __atomic_or_fetch(&v->arch.hvip, MIP_VSEIP, __ATOMIC_RELAXED);
    else
        __atomic_and_fetch(&v->arch.hvip, ~MIP_VSEIP, __ATOMIC_RELAXED);
    if (vcpu_is_loaded_here(v)) {
        if (level)
            csr_set(hvip, MIP_VSEIP);
        else
            csr_clear(hvip, MIP_VSEIP);
    } else if (level) {
        vcpu_kick(v, VCPU_REQ_KICK);
    }
}

void vcpu_arch_raise_soft_irq(struct vcpu *v)
{
    __atomic_or_fetch(&v->arch.hvip, MIP_VSSIP, __ATOMIC_RELAXED);
    if (vcpu_is_loaded_here(v))
        csr_set(hvip, MIP_VSSIP);
    else
        vcpu_kick(v, VCPU_REQ_KICK);
}

void riscv_vcpu_clear_soft_irq(struct vcpu *v)
{
    __atomic_and_fetch(&v->arch.hvip, ~MIP_VSSIP, __ATOMIC_RELAXED);
    if (vcpu_is_loaded_here(v))
        csr_clear(hvip, MIP_VSSIP);
}

bool vcpu_arch_irq_pending(struct vcpu *v)
{
    uint64_t hvip = __atomic_load_n(&v->arch.hvip, __ATOMIC_RELAXED);
    if (vcpu_is_loaded_here(v))
        hvip |= csr_read(hvip);
    if (hvip & (MIP_VSSIP | MIP_VSTIP | MIP_VSEIP))
        return true;
    if (v->arch.sstc) {
        uint64_t cmp = vcpu_is_loaded_here(v) ? csr_read(vstimecmp) : v->arch.vstimecmp;
        return csr_read(time) >= cmp;
    }
    return false;
}

void riscv_vcpu_request_fence(struct vcpu *v, bool fence_i)
{
    (void)fence_i; /* hfence.vvma and fence.i are both done for a TLB_FLUSH request */
    if (vcpu_is_loaded_here(v)) {
        __asm__ volatile(".option push\n.option arch, +h\nhfence.vvma zero, zero\n"
                         "fence.i\n.option pop" ::: "memory");
    } else {
        vcpu_kick(v, VCPU_REQ_TLB_FLUSH);
    }
}

void vcpu_arch_reset(struct vcpu *v, gpa_t entry, uint64_t arg)
{
    struct riscv_ctx *ctx = &v->arch.ctx;
    for (unsigned i = 0; i < 32; i++)
        ctx->gpr[i] = 0;
    ctx->gpr[GPR_A0] = v->id;
    ctx->gpr[GPR_A1] = arg;
    ctx->sepc = entry;
    /* enter VS-mode (SPV=1, SPP=S) with FP usable; VSXL = 64-bit; WFI does not trap */
    ctx->sstatus = SSTATUS_SPP | SSTATUS_FS;
    ctx->hstatus = HSTATUS_SPV | HSTATUS_SPVP | (2ull << HSTATUS_VSXL_SHIFT);
    v->arch.vsstatus = 0;
    v->arch.vsie = 0;
    v->arch.vstvec = 0;
    v->arch.vsscratch = 0;
    v->arch.vsepc = 0;
    v->arch.vscause = 0;
    v->arch.vstval = 0;
    v->arch.vsatp = 0;
    v->arch.vstimecmp = UINT64_MAX;
    v->arch.timer_deadline = UINT64_MAX;
    __atomic_store_n(&v->arch.hvip, 0, __ATOMIC_RELAXED);
    v->arch.reload = true;
}

/* Make v's VS-level state the hardware's on this hart (Privileged spec sec 8.2: VS CSRs). */
static void vcpu_load(struct vcpu *v)
{
    struct pcpu *p = this_pcpu();
    struct vcpu *old = p->loaded;
    if (old && old != v) {
        old->arch.vsstatus = csr_read(vsstatus);
        old->arch.vsie = csr_read(vsie);
        old->arch.vstvec = csr_read(vstvec);
        old->arch.vsscratch = csr_read(vsscratch);
        old->arch.vsepc = csr_read(vsepc);
        old->arch.vscause = csr_read(vscause);
        old->arch.vstval = csr_read(vstval);
        old->arch.vsatp = csr_read(vsatp);
        if (old->arch.sstc)
            old->arch.vstimecmp = csr_read(vstimecmp);
    }
    csr_write(hgatp, (HGATP_MODE_SV39X4 << HGATP_MODE_SHIFT) |
                         ((uint64_t)v->vm->vmid << HGATP_VMID_SHIFT) | (v->vm->stage2_root >> 12));
    csr_write(henvcfg, v->arch.henvcfg);
    csr_write(vsstatus, v->arch.vsstatus);
    csr_write(vsie, v->arch.vsie);
    csr_write(vstvec, v->arch.vstvec);
    csr_write(vsscratch, v->arch.vsscratch);
    csr_write(vsepc, v->arch.vsepc);
    csr_write(vscause, v->arch.vscause);
    csr_write(vstval, v->arch.vstval);
    csr_write(vsatp, v->arch.vsatp);
    if (v->arch.sstc)
        csr_write(vstimecmp, v->arch.vstimecmp);
    csr_write(hvip, __atomic_load_n(&v->arch.hvip, __ATOMIC_RELAXED));
    __asm__ volatile(".option push\n.option arch, +h\nhfence.gvma zero, zero\n"
                     "hfence.vvma zero, zero\n.option pop" ::: "memory");
    p->loaded = v;
    v->arch.reload = false;
}

/* Serve cross-hart requests before (re-)entering the guest. */
static void vcpu_serve_requests(struct vcpu *v)
{
    uint32_t req = atomic_exchange(&v->requests, 0);
    hyp_serve_requests(v, req);
    if (req & VCPU_REQ_START) {
        vcpu_arch_reset(v, v->start_entry, v->start_arg);
        vcpu_load(v);
    }
    if (req & VCPU_REQ_TLB_FLUSH)
        __asm__ volatile(".option push\n.option arch, +h\nhfence.vvma zero, zero\n"
                         "fence.i\n.option pop" ::: "memory");
    csr_write(hvip, __atomic_load_n(&v->arch.hvip, __ATOMIC_RELAXED));
}

void vcpu_arch_run(struct vcpu *v)
{
    if (this_pcpu()->loaded != v || v->arch.reload)
        vcpu_load(v);
    for (;;) {
        vcpu_serve_requests(v);
        if (atomic_load(&v->vm->state) != VM_RUNNING)
            return;
        uint32_t state = atomic_load(&v->state);
        if (state == VCPU_OFF)
            return;
        if (state == VCPU_BLOCKED) {
            if (!vcpu_arch_irq_pending(v))
                return;
            if (v->resume_reset) {
                /* non-retentive suspend (SBI HSM): wake at resume_addr, interrupts kept */
                uint64_t hvip = __atomic_load_n(&v->arch.hvip, __ATOMIC_RELAXED);
                vcpu_arch_reset(v, v->resume_entry, v->resume_arg);
                __atomic_store_n(&v->arch.hvip, hvip, __ATOMIC_RELAXED);
                v->resume_reset = false;
            }
            v->suspended = false;
            atomic_store(&v->state, VCPU_RUNNABLE);
        }
        if (v->arch.reload)
            vcpu_load(v);
        riscv_vcpu_enter(&v->arch.ctx);
    }
}

static const char *const gpr_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
    "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
    "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

void riscv_keel_trap(struct riscv_trap_frame *f)
{
    kprintf("keel: PANIC on hart %u (hartid %lu): trap in hypervisor mode\n",
            this_pcpu()->index, this_pcpu()->hw_id);
    kprintf("keel:   scause %016lx sepc %016lx stval %016lx htval %016lx\n", f->scause, f->sepc,
            f->stval, f->htval);
    for (unsigned i = 1; i < 32; i += 4)
        kprintf("keel:   %-4s %016lx %-4s %016lx %-4s %016lx %-4s %016lx\n", gpr_names[i], f->x[i],
                gpr_names[i + 1], f->x[i + 1], gpr_names[i + 2], f->x[i + 2],
                i + 3 < 32 ? gpr_names[i + 3] : "", i + 3 < 32 ? f->x[i + 3] : 0);
    platform_fail(1);
}
