/* SPDX-License-Identifier: MIT */
/*
 * RISC-V vCPU mechanism: per-hart H-extension set-up, vCPU reset, load/put of the guest state
 * (VS-level CSRs, FP) when vCPUs share a hart, the run loop around riscv_vcpu_enter(), the
 * interrupt lines other harts raise, IPIs, remote fences and the idle hart. The guest timer and
 * keel's own timer are in timer.c.
 */
#include <keel/console.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vm.h>
#include "../../drivers/riscv/sbi_call.h"
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

void vcpu_arch_setup(struct vcpu *v)
{
    v->arch.sstc = v->vm->sstc;
    v->arch.henvcfg = (v->vm->sstc ? HENVCFG_STCE : 0) | (platform.has_svpbmt ? HENVCFG_PBMTE : 0);
}

enum image_arch vcpu_arch_image_kind(void)
{
    return IMAGE_RISCV64;
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
    /* keel takes its own interrupts only while a guest runs (V=1) and wakes from wfi on them;
       sstatus.SIE stays 0. STIE is keel's timer (vcpu/riscv64/timer.c), set while armed. */
    csr_write(sie, MIP_SSIP | MIP_SEIP);
}

/* ---- cross-hart interrupt lines ----------------------------------------------------------
 * A loaded vCPU's hvip lives in the hardware (its guest clears VSSIP there itself); otherwise
 * in arch.hvip. Both belong to the vCPU's own hart. Other harts raise VSSIP through irq_raise
 * and set the VSEIP level through ext_line, then kick; the own hart merges them (sync_irqs)
 * before the guest runs again. */

static bool vcpu_is_loaded_here(struct vcpu *v)
{
    return this_pcpu()->loaded == v;
}

/* Merge the lines other harts set into the hardware hvip (v is loaded here). */
static void sync_irqs(struct vcpu *v)
{
    uint64_t raised = atomic_exchange(&v->arch.irq_raise, 0);
    if (raised)
        csr_set(hvip, raised);
    if (atomic_load(&v->arch.ext_line))
        csr_set(hvip, MIP_VSEIP);
    else
        csr_clear(hvip, MIP_VSEIP);
}

void vcpu_arch_set_ext_irq(struct vcpu *v, bool level)
{
    /* callers serialise on the VM's lock (virtual PLIC), so the last level stored wins */
    atomic_store(&v->arch.ext_line, level ? 1u : 0u);
    if (vcpu_is_loaded_here(v)) {
        if (level)
            csr_set(hvip, MIP_VSEIP);
        else
            csr_clear(hvip, MIP_VSEIP);
    } else {
        /* a drop too: v may be in its guest on another hart with VSEIP still set there, and
           would take (and find nothing to claim) external interrupts until its hart merges
           the line; VSEI outranks its timer and IPIs, so that could go on for ever */
        vcpu_kick(v, VCPU_REQ_KICK);
    }
}

void vcpu_arch_raise_soft_irq(struct vcpu *v)
{
    if (v == current_vcpu()) {
        csr_set(hvip, MIP_VSSIP);
        return;
    }
    atomic_fetch_or(&v->arch.irq_raise, MIP_VSSIP);
    vcpu_kick(v, VCPU_REQ_KICK);
}

void riscv_vcpu_clear_soft_irq(struct vcpu *v)
{
    /* v is the caller (legacy clear_ipi): a raise still in flight is cleared too */
    atomic_fetch_and(&v->arch.irq_raise, ~MIP_VSSIP);
    csr_clear(hvip, MIP_VSSIP);
}

/* The VS interrupts pending for v (hvip layout), on v's hart. */
static uint64_t vcpu_pending(struct vcpu *v, bool loaded)
{
    uint64_t pend = loaded ? csr_read(hvip) : v->arch.hvip;
    pend |= atomic_load(&v->arch.irq_raise);
    if (atomic_load(&v->arch.ext_line))
        pend |= MIP_VSEIP;
    uint64_t deadline = v->arch.sstc ? (loaded ? csr_read(vstimecmp) : v->arch.vstimecmp)
                                     : v->arch.timer_deadline;
    if (deadline != UINT64_MAX && csr_read(time) >= deadline)
        pend |= MIP_VSTIP;
    return pend & (MIP_VSSIP | MIP_VSTIP | MIP_VSEIP);
}

bool vcpu_arch_irq_pending(struct vcpu *v)
{
    bool loaded = vcpu_is_loaded_here(v);
    uint64_t vsie = loaded ? csr_read(vsie) : v->arch.vsie; /* VS view: SSIE 1, STIE 5, SEIE 9 */
    return ((vcpu_pending(v, loaded) >> 1) & vsie) != 0;
}

/* ---- IPIs and remote fences ------------------------------------------------------------ */

void arch_send_ipi(uint32_t pcpu_index)
{
    if (pcpu_index == this_pcpu()->index)
        csr_set(sip, MIP_SSIP); /* S-mode may set its own SSIP: taken at the next guest entry */
    else
        sbi_send_ipi(1, pcpu_stacks[pcpu_index].pcpu.hw_id);
}

static void local_fence(void)
{
    __asm__ volatile(".option push\n.option arch, +h\nhfence.vvma zero, zero\n"
                     "fence.i\n.option pop" ::: "memory");
}

void riscv_vcpus_fence(struct vcpu *caller, uint64_t targets)
{
    struct vm *vm = caller->vm;
    uint64_t wait = 0;
    uint32_t harts = 0;
    for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
        if (!(targets & (1ull << i)))
            continue;
        struct vcpu *w = &vm->vcpus[i];
        if (w == caller) {
            local_fence();
            continue;
        }
        /* Dekker with the run loop: it sets in_guest, then reads requests before entry */
        atomic_fetch_or(&w->requests, VCPU_REQ_TLB_FLUSH);
        if (atomic_load(&w->arch.in_guest)) {
            wait |= 1ull << i;
            harts |= 1u << w->pcpu;
        }
    }
    for (uint32_t h = 0; harts; h++, harts >>= 1)
        if (harts & 1)
            arch_send_ipi(h);
    bool ipi_seen = false;
    for (;;) {
        for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
            struct vcpu *w = &vm->vcpus[i];
            if ((wait & (1ull << i)) && (!(atomic_load(&w->requests) & VCPU_REQ_TLB_FLUSH) ||
                                         !atomic_load(&w->arch.in_guest)))
                wait &= ~(1ull << i);
        }
        if (!wait)
            break;
        /* two vCPUs fencing each other: each serves the other's request while it waits */
        if (atomic_load(&caller->requests) & VCPU_REQ_TLB_FLUSH) {
            atomic_fetch_and(&caller->requests, ~VCPU_REQ_TLB_FLUSH);
            local_fence();
        }
        /* an IPI to this hart would end every nap at once: note it, take it after the wait */
        if (csr_read(sip) & MIP_SSIP) {
            csr_clear(sip, MIP_SSIP);
            ipi_seen = true;
            continue;
        }
        riscv_timer_nap(caller);
    }
    if (ipi_seen)
        csr_set(sip, MIP_SSIP);
}

enum riscv_trap_result riscv_vcpu_ipi(struct vcpu *v)
{
    if (sched_take_resched() && sched_hart_shared(this_pcpu()))
        riscv_timer_preempt_soon(v); /* another vCPU of this hart was woken */
    uint32_t req = atomic_fetch_and(&v->requests, ~(VCPU_REQ_KICK | VCPU_REQ_TLB_FLUSH));
    if (req & VCPU_REQ_TLB_FLUSH)
        local_fence();
    sync_irqs(v);
    if ((req & ~(VCPU_REQ_KICK | VCPU_REQ_TLB_FLUSH)) || atomic_load(&v->vm->state) != VM_RUNNING)
        return TRAP_TO_LOOP;
    return TRAP_RESUME;
}

enum riscv_trap_result riscv_handle_host_irq(struct vcpu *v, uint64_t irq)
{
    switch (irq) {
    case IRQ_S_TIMER:
        return riscv_timer_irq(v);
    case IRQ_S_EXT:
        platform_handle_ext_irq();
        return TRAP_RESUME;
    case IRQ_S_SOFT:
        csr_clear(sip, MIP_SSIP);
        return riscv_vcpu_ipi(v);
    default:
        return TRAP_RESUME;
    }
}

/* ---- reset, load, run ------------------------------------------------------------------ */

void vcpu_arch_reset(struct vcpu *v, gpa_t entry, uint64_t arg)
{
    struct riscv_ctx *ctx = &v->arch.ctx;
    for (unsigned i = 0; i < 32; i++)
        ctx->gpr[i] = 0;
    ctx->gpr[GPR_A0] = v->id;
    ctx->gpr[GPR_A1] = arg;
    ctx->sepc = entry;
    /* enter VS-mode (SPV=1, SPP=S) with FP usable; VSXL = 64-bit (VTW: set per run) */
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
    /* counters readable from VU-mode, as firmware leaves them for a bare-metal kernel */
    v->arch.scounteren = HCOUNTEREN_CY | HCOUNTEREN_TM | HCOUNTEREN_IR;
    v->arch.senvcfg = 0;
    v->arch.timer_deadline = UINT64_MAX;
    v->arch.hvip = 0;
    atomic_store(&v->arch.irq_raise, 0);
    for (unsigned i = 0; i < 32; i++)
        v->arch.fp.f[i] = 0;
    v->arch.fp.fcsr = 0;
    v->new_boot = false; /* nothing of an old boot lives outside the models (vplat_reset) */
    v->arch.reload = true;
}

/* Save the guest state of `old` that lives in the hardware while it is loaded. */
static void vcpu_put(struct vcpu *old)
{
    old->arch.vsstatus = csr_read(vsstatus);
    old->arch.vsie = csr_read(vsie);
    old->arch.vstvec = csr_read(vstvec);
    old->arch.vsscratch = csr_read(vsscratch);
    old->arch.vsepc = csr_read(vsepc);
    old->arch.vscause = csr_read(vscause);
    old->arch.vstval = csr_read(vstval);
    old->arch.vsatp = csr_read(vsatp);
    old->arch.scounteren = csr_read(scounteren);
    old->arch.senvcfg = csr_read(senvcfg);
    old->arch.hvip = csr_read(hvip) & ~(old->arch.sstc ? MIP_VSTIP : 0);
    if (old->arch.sstc)
        old->arch.vstimecmp = csr_read(vstimecmp);
    /* FP: only what the guest changed since it was loaded (sstatus.FS is Dirty then) */
    if ((old->arch.ctx.sstatus & SSTATUS_FS) == SSTATUS_FS) {
        riscv_fp_save(&old->arch.fp);
        old->arch.ctx.sstatus = (old->arch.ctx.sstatus & ~SSTATUS_FS) | SSTATUS_FS_CLEAN;
    }
}

/* Make v's guest state the hardware's on this hart (Privileged spec sec 8.2: VS CSRs). Called
   from the run loop only: v's trap-return sstatus is in its ctx. */
static void vcpu_load(struct vcpu *v)
{
    struct pcpu *p = this_pcpu();
    struct vcpu *old = p->loaded;
    bool switching = old != v;
    if (old && switching)
        vcpu_put(old);
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
    csr_write(scounteren, v->arch.scounteren);
    csr_write(senvcfg, v->arch.senvcfg);
    if (v->arch.sstc)
        csr_write(vstimecmp, v->arch.vstimecmp);
    csr_write(hvip, v->arch.hvip);
    sync_irqs(v);
    if (switching || v->arch.reload) {
        /* another vCPU's (or the reset) FP state was in the registers */
        riscv_fp_restore(&v->arch.fp);
        v->arch.ctx.sstatus = (v->arch.ctx.sstatus & ~SSTATUS_FS) | SSTATUS_FS_CLEAN;
    }
    /* a vCPU taking over the hart (or reset) must not see another's TLB entries */
    __asm__ volatile(".option push\n.option arch, +h\nhfence.gvma zero, zero\n"
                     "hfence.vvma zero, zero\n.option pop" ::: "memory");
    p->loaded = v;
    v->arch.reload = false;
}

/* A vCPU that stopped (HSM stop, VM shutdown) stays loaded until another takes the hart: make
   sure none of its interrupts can end the hart's idle wfi. */
static void vcpu_park(struct vcpu *v)
{
    csr_write(vsie, 0);
    csr_write(hvip, 0);
    v->arch.timer_deadline = UINT64_MAX;
    if (v->arch.sstc)
        csr_write(vstimecmp, UINT64_MAX);
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
        local_fence();
    sync_irqs(v);
}

/* A BLOCKED vCPU with an interrupt pending runs again (after a non-retentive HSM suspend it
   restarts at its resume address, SBI v2.0 sec 9.4, keeping its pending interrupts). */
static void vcpu_wake(struct vcpu *v)
{
    if (v->resume_reset) {
        uint64_t pend = csr_read(hvip) & ~(v->arch.sstc ? MIP_VSTIP : 0);
        vcpu_arch_reset(v, v->resume_entry, v->resume_arg);
        v->arch.hvip = pend;
        v->resume_reset = false;
        vcpu_load(v);
    }
    v->suspended = false;
    uint32_t blocked = VCPU_BLOCKED; /* a stopping VM may have turned it OFF meanwhile */
    atomic_compare_exchange_strong(&v->state, &blocked, VCPU_RUNNABLE);
}

void vcpu_arch_run(struct vcpu *v)
{
    struct pcpu *p = this_pcpu();
    bool shared = sched_hart_shared(p);
    if (p->loaded != v || v->arch.reload)
        vcpu_load(v);
    riscv_timer_run_begin(v, shared);
    for (;;) {
        vcpu_serve_requests(v);
        if (atomic_load(&v->vm->state) != VM_RUNNING || atomic_load(&v->state) == VCPU_OFF) {
            vcpu_park(v);
            return;
        }
        if (atomic_load(&v->state) == VCPU_BLOCKED) {
            if (!vcpu_arch_irq_pending(v))
                return;
            vcpu_wake(v);
            continue; /* state checked again: the VM may be stopping meanwhile */
        }
        if (sched_take_resched() && shared)
            riscv_timer_preempt_soon(v);
        if (v->arch.reload)
            vcpu_load(v);
        riscv_timer_sync(v);
        /* WFI traps (and yields the hart) only where another vCPU may want the hart */
        v->arch.ctx.hstatus = shared ? v->arch.ctx.hstatus | HSTATUS_VTW
                                     : v->arch.ctx.hstatus & ~HSTATUS_VTW;
        atomic_store(&v->arch.in_guest, 1);
        if (atomic_load(&v->requests)) {
            atomic_store(&v->arch.in_guest, 0); /* a request came in meanwhile: serve it */
            continue;
        }
        riscv_vcpu_enter(&v->arch.ctx);
        atomic_store(&v->arch.in_guest, 0);
        if (sched_take_turn_end())
            return; /* slice over (or a blocked vCPU's timer came): the loop chooses */
    }
}

void arch_idle(void)
{
    struct vcpu *loaded = this_pcpu()->loaded;
    if (loaded && (atomic_load(&loaded->state) == VCPU_OFF ||
                   atomic_load(&loaded->vm->state) != VM_RUNNING))
        vcpu_park(loaded);
    riscv_timer_idle_begin();
    __asm__ volatile("wfi");
    uint64_t sip = csr_read(sip);
    if (sip & MIP_SSIP)
        csr_clear(sip, MIP_SSIP);
    if (sip & MIP_SEIP)
        platform_handle_ext_irq();
    riscv_timer_idle_end();
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
