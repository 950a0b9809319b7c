/* SPDX-License-Identifier: MIT */
/*
 * RISC-V vCPU state. `struct riscv_ctx` is the register block shared with the world switch
 * (switch.S); its field offsets reach the assembly through the generated asm-offsets.h.
 *
 * Who holds what while a trap is handled ("trap context", see docs/architecture.md):
 *   gpr[] and sepc  -> in ctx (the vector saved them);
 *   sstatus/hstatus -> still in the hardware CSRs; saved to ctx only when the trap goes
 *                      back to the run loop, and restored by riscv_vcpu_enter().
 * VS-level CSRs (vsstatus, vsatp, ...) stay in the hardware while the vCPU is loaded on a hart
 * and are saved in `struct vcpu_arch` only when another vCPU is loaded there.
 */
#ifndef KEEL_RISCV_VCPU_ARCH_H
#define KEEL_RISCV_VCPU_ARCH_H

#include <keel/types.h>
#include "insn.h"

/* Register numbers used by the SBI calling convention and the switch. */
enum riscv_gpr {
    GPR_ZERO = 0, GPR_RA = 1, GPR_SP = 2, GPR_GP = 3, GPR_TP = 4,
    GPR_T0 = 5, GPR_T1 = 6, GPR_T2 = 7, GPR_S0 = 8, GPR_S1 = 9,
    GPR_A0 = 10, GPR_A1 = 11, GPR_A2 = 12, GPR_A3 = 13, GPR_A4 = 14, GPR_A5 = 15,
    GPR_A6 = 16, GPR_A7 = 17, GPR_S2 = 18, GPR_S11 = 27, GPR_T3 = 28, GPR_T6 = 31,
};

struct riscv_ctx {
    uint64_t gpr[32];     /* guest x0..x31; gpr[0] always reads as 0 */
    uint64_t sepc;        /* guest pc */
    uint64_t sstatus;     /* guest sstatus (SPP, SPIE, FS...) while in the run loop */
    uint64_t hstatus;     /* guest hstatus (SPV=1, SPVP, VTW...) while in the run loop */
    uint64_t host_ra;     /* keel's callee-saved state from riscv_vcpu_enter() */
    uint64_t host_sp;     /* also the stack the trap vector runs C on */
    uint64_t host_gp;
    uint64_t host_tp;
    uint64_t host_s[12];
};

/* 1 when register x`reg` is saved in ctx on every trap (caller-saved set + sp); the others
   (gp, tp, s0-s11) only when the trap takes the full path. */
static inline bool riscv_gpr_saved_on_fast_path(uint32_t reg)
{
    return reg == GPR_RA || reg == GPR_SP || (reg >= GPR_T0 && reg <= GPR_T2) ||
           (reg >= GPR_A0 && reg <= GPR_A7) || reg >= GPR_T3 || reg == GPR_ZERO;
}

/*
 * One entry of a vCPU's MMIO decode cache (vcpu/riscv64/exit.c): a guest load/store that
 * trapped as a guest-page fault, decoded, with its completion ready-made. Entries are indexed
 * by the guest pc and tagged with the instruction bits and the fault cause, so a hit needs no
 * decoding, and a changed instruction at the same pc (or one decoded for the other direction)
 * is a miss, never a stale decode.
 */
struct riscv_mmio_decode {
    uint64_t sign_bit; /* loads: bit 8*width-1 for LB/LH/LW, 0 for zero-extending loads and
                          stores; the register gets (value ^ sign_bit) - sign_bit */
    uint32_t raw;      /* tag: the instruction bits as riscv_guest_fetch_insn() returned them */
    uint8_t cause;     /* tag: the fault it completes, 21 (load) or 23 (store), or-ed with
                          RISCV_MMIO_NEEDS_FULL when `reg` is not saved on the fast path;
                          0 = empty */
    uint8_t width;     /* bytes: 1, 2, 4, 8 */
    uint8_t gpr_offset; /* byte offset in riscv_ctx.gpr of the x-register: destination of a
                           load, source of a store (8 * register number) */
    uint8_t len;       /* instruction length: sepc advances by 2 or 4 */
};
#define RISCV_MMIO_NEEDS_FULL 0x80u
#define RISCV_MMIO_CACHE_ENTRIES 8u /* a power of two: the index is (pc >> 1) & (entries - 1) */
_Static_assert(sizeof(struct riscv_mmio_decode) == 16, "index arithmetic assumes 16 bytes");

/* The guest's FP registers while another vCPU has the hart (vcpu/riscv64/fp.S). */
struct riscv_fp {
    uint64_t f[32];
    uint64_t fcsr;
};

/*
 * Which hart may touch what: a vCPU is pinned, so everything here belongs to its own hart,
 * except the three _Atomic fields, which other harts use to reach it (vcpu/riscv64/vcpu.c).
 */
struct vcpu_arch {
    struct riscv_ctx ctx; /* first member: the vector finds the vcpu from sscratch */
    /* guest CSRs, valid while the vCPU is not loaded on a hart: the VS-level ones and the
       two S-level ones a guest reaches directly (scounteren, senvcfg) */
    uint64_t vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp, vstimecmp;
    uint64_t scounteren, senvcfg;
    uint64_t hvip;           /* hvip while not loaded (VSSIP, VSTIP of the SBI timer) */
    _Atomic uint64_t irq_raise; /* hvip bits raised by any hart (SBI IPI), merged on its hart */
    _Atomic uint32_t ext_line;  /* level of the VSEIP line from the virtual PLIC (any hart) */
    _Atomic uint32_t in_guest;  /* 1 from just before guest entry until back in the run loop */
    uint64_t henvcfg;
    uint64_t timer_deadline; /* non-Sstc timer: SBI set_timer value, UINT64_MAX when none */
    bool sstc;               /* guest owns vstimecmp (henvcfg.STCE) */
    bool reload;             /* VS CSRs must be (re)loaded from this struct before entry */
    struct riscv_mmio_decode mmio_cache[RISCV_MMIO_CACHE_ENTRIES]; /* by guest pc (exit.c) */
    struct riscv_fp fp;      /* FP state while another vCPU of the hart is loaded */
};



#ifndef __ASSEMBLER__
struct vcpu;
/* SBI TIME set_timer for `v` (SBI v2.0 sec 6.1): absolute time in timebase ticks; UINT64_MAX
   (or any past value handled by the timer) follows the spec: clears the pending timer first. */
void riscv_vcpu_set_timer(struct vcpu *v, uint64_t stime_value);
/* Clear the guest's software interrupt (legacy SBI clear_ipi). */
void riscv_vcpu_clear_soft_irq(struct vcpu *v);
/* SBI RFENCE (v2.0 chapter 8) from `caller` to the vCPUs of its VM in bitmap `targets`: each
   flushes its VS-stage TLB (hfence.vvma) and instruction cache (fence.i) on its own hart before
   it next runs guest code. Returns once every target running guest code elsewhere has done so
   (as firmware does), with one IPI per hart involved; targets not in their guest are only
   marked. Never waits on the calling hart's other vCPUs. */
void riscv_vcpus_fence(struct vcpu *caller, uint64_t targets);
/* Host facts found at boot that SBI BASE reports to guests (mvendorid, marchid, mimpid). */
struct riscv_host_ids {
    uint64_t mvendorid, marchid, mimpid;
};
extern struct riscv_host_ids riscv_host_ids;

#endif /* __ASSEMBLER__ */

#endif
