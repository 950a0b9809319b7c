/* SPDX-License-Identifier: MIT */
/*
 * Guest FP state switch for harts that hold more than one vCPU (vcpu/riscv64/vcpu.c calls these
 * from vcpu_load only). keel's C code never touches FP registers (cmake/check-image.sh checks
 * the image and allows exactly these two functions), so the guest's f0-f31 and fcsr stay in the
 * hardware across exits and are saved only when another vCPU takes the hart.
 * Both set HS sstatus.FS to non-Off first (FP instructions trap while it is Off); the run loop
 * rewrites sstatus from the vCPU's context before every guest entry.
 */
#include "asm-offsets.h"

    .option arch, +d
    .text

/*
 * void riscv_fp_save(struct riscv_fp *fp)
 * a0: fp. Stores f0-f31 and fcsr. Clobbers t0; sets sstatus.FS.
 */
    .globl riscv_fp_save
riscv_fp_save:
    li t0, 0x6000               /* sstatus.FS = Dirty */
    csrs sstatus, t0
    fsd f0, FP_F0 + 0 * 8(a0)
    fsd f1, FP_F0 + 1 * 8(a0)
    fsd f2, FP_F0 + 2 * 8(a0)
    fsd f3, FP_F0 + 3 * 8(a0)
    fsd f4, FP_F0 + 4 * 8(a0)
    fsd f5, FP_F0 + 5 * 8(a0)
    fsd f6, FP_F0 + 6 * 8(a0)
    fsd f7, FP_F0 + 7 * 8(a0)
    fsd f8, FP_F0 + 8 * 8(a0)
    fsd f9, FP_F0 + 9 * 8(a0)
    fsd f10, FP_F0 + 10 * 8(a0)
    fsd f11, FP_F0 + 11 * 8(a0)
    fsd f12, FP_F0 + 12 * 8(a0)
    fsd f13, FP_F0 + 13 * 8(a0)
    fsd f14, FP_F0 + 14 * 8(a0)
    fsd f15, FP_F0 + 15 * 8(a0)
    fsd f16, FP_F0 + 16 * 8(a0)
    fsd f17, FP_F0 + 17 * 8(a0)
    fsd f18, FP_F0 + 18 * 8(a0)
    fsd f19, FP_F0 + 19 * 8(a0)
    fsd f20, FP_F0 + 20 * 8(a0)
    fsd f21, FP_F0 + 21 * 8(a0)
    fsd f22, FP_F0 + 22 * 8(a0)
    fsd f23, FP_F0 + 23 * 8(a0)
    fsd f24, FP_F0 + 24 * 8(a0)
    fsd f25, FP_F0 + 25 * 8(a0)
    fsd f26, FP_F0 + 26 * 8(a0)
    fsd f27, FP_F0 + 27 * 8(a0)
    fsd f28, FP_F0 + 28 * 8(a0)
    fsd f29, FP_F0 + 29 * 8(a0)
    fsd f30, FP_F0 + 30 * 8(a0)
    fsd f31, FP_F0 + 31 * 8(a0)
    frcsr t0
    sd t0, FP_FCSR(a0)
    ret

/*
 * void riscv_fp_restore(const struct riscv_fp *fp)
 * a0: fp. Loads f0-f31 and fcsr. Clobbers t0; sets sstatus.FS.
 */
    .globl riscv_fp_restore
riscv_fp_restore:
    li t0, 0x6000               /* sstatus.FS = Dirty */
    csrs sstatus, t0
    fld f0, FP_F0 + 0 * 8(a0)
    fld f1, FP_F0 + 1 * 8(a0)
    fld f2, FP_F0 + 2 * 8(a0)
    fld f3, FP_F0 + 3 * 8(a0)
    fld f4, FP_F0 + 4 * 8(a0)
    fld f5, FP_F0 + 5 * 8(a0)
    fld f6, FP_F0 + 6 * 8(a0)
    fld f7, FP_F0 + 7 * 8(a0)
    fld f8, FP_F0 + 8 * 8(a0)
    fld f9, FP_F0 + 9 * 8(a0)
    fld f10, FP_F0 + 10 * 8(a0)
    fld f11, FP_F0 + 11 * 8(a0)
    fld f12, FP_F0 + 12 * 8(a0)
    fld f13, FP_F0 + 13 * 8(a0)
    fld f14, FP_F0 + 14 * 8(a0)
    fld f15, FP_F0 + 15 * 8(a0)
    fld f16, FP_F0 + 16 * 8(a0)
    fld f17, FP_F0 + 17 * 8(a0)
    fld f18, FP_F0 + 18 * 8(a0)
    fld f19, FP_F0 + 19 * 8(a0)
    fld f20, FP_F0 + 20 * 8(a0)
    fld f21, FP_F0 + 21 * 8(a0)
    fld f22, FP_F0 + 22 * 8(a0)
    fld f23, FP_F0 + 23 * 8(a0)
    fld f24, FP_F0 + 24 * 8(a0)
    fld f25, FP_F0 + 25 * 8(a0)
    fld f26, FP_F0 + 26 * 8(a0)
    fld f27, FP_F0 + 27 * 8(a0)
    fld f28, FP_F0 + 28 * 8(a0)
    fld f29, FP_F0 + 29 * 8(a0)
    fld f30, FP_F0 + 30 * 8(a0)
    fld f31, FP_F0 + 31 * 8(a0)
    ld t0, FP_FCSR(a0)
    fscsr t0
    ret
