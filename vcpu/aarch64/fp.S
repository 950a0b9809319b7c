/* SPDX-License-Identifier: MIT */
/*
 * Guest FP/SIMD state switch for cores that hold more than one vCPU (vcpu/aarch64/vcpu.c calls
 * these from vcpu_load only). keel is built -mgeneral-regs-only (cmake/check-image.sh checks
 * the image and allows exactly these two functions), so a guest's V0-V31, FPCR and FPSR stay in
 * the hardware across exits and are saved only when another vCPU takes the core. CPTR_EL2.TFP
 * is 0 (arm_cpu_init_el2), so these EL2 accesses do not trap (Arm ARM D19.2.31).
 * Layout (struct arm_fp, vcpu_arch.h): q0..q31 at 16-byte steps, then FPCR at 512, FPSR at 520.
 */
    .text

/* V0-V31 as q registers, in pairs at 16-byte steps from x0: `op` is stp (save) or ldp (restore). */
.macro fp_q_pairs op
    \op q0, q1, [x0, #0]
    \op q2, q3, [x0, #32]
    \op q4, q5, [x0, #64]
    \op q6, q7, [x0, #96]
    \op q8, q9, [x0, #128]
    \op q10, q11, [x0, #160]
    \op q12, q13, [x0, #192]
    \op q14, q15, [x0, #224]
    \op q16, q17, [x0, #256]
    \op q18, q19, [x0, #288]
    \op q20, q21, [x0, #320]
    \op q22, q23, [x0, #352]
    \op q24, q25, [x0, #384]
    \op q26, q27, [x0, #416]
    \op q28, q29, [x0, #448]
    \op q30, q31, [x0, #480]
.endm

/* void arm_fp_save(struct arm_fp *fp) -- x0: fp. Clobbers x1. */
    .globl arm_fp_save
arm_fp_save:
    fp_q_pairs stp
    mrs x1, fpcr
    str x1, [x0, #512]
    mrs x1, fpsr
    str x1, [x0, #520]
    ret

/* void arm_fp_restore(const struct arm_fp *fp) -- x0: fp. Clobbers x1. */
    .globl arm_fp_restore
arm_fp_restore:
    fp_q_pairs ldp
    ldr x1, [x0, #512]
    msr fpcr, x1
    ldr x1, [x0, #520]
    msr fpsr, x1
    ret
