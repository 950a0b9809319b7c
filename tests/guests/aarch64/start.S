/* SPDX-License-Identifier: MIT */
/*
 * psci-test guest: arm64 Linux Image header, entry, the drop from EL2 to EL1, self-relocation,
 * the EL1 vector table, the CPU_ON entry point of secondary CPUs and the conduit helpers.
 *
 * The image is linked at address 0 as a static PIE and runs wherever it is loaded: all code
 * is pc-relative (adr/adrp) and the entry applies the R_AARCH64_RELATIVE relocations of
 * .rela.dyn (if any) before anything else touches data.
 *
 * Boot protocol (Linux Documentation/arch/arm64/booting.rst): x0 = physical address of the
 * device tree, x1..x3 = 0, MMU off, D-cache off, DAIF masked, at EL2 or EL1. Entered at EL2
 * (plain QEMU with virtualization=on) the guest drops itself to EL1 with nothing trapped.
 */

#define R_AARCH64_RELATIVE 1027
#define FRAME_SIZE (36 * 8)         /* struct trap_frame */
#define BOOT_STACK_SIZE 16384
#define SECONDARY_STACK_SIZE 8192
#define MAX_CPUS 8                  /* guest.h */
#define SPSR_EL1H_DAIF 0x3c5        /* EL1h, D A I F masked */
#define HCR_EL2_RW (1 << 31)
#define CPTR_EL2_RES1 0x33ff
#define SCTLR_EL1_RES1_LO 0x0800    /* 0x30d00800: RES1 bits, MMU and caches off, LE */
#define SCTLR_EL1_RES1_HI 0x30d0
#define ESR_EC_SHIFT 26
#define EC_HVC64 0x16
#define EC_SMC64 0x17

    .section .text.head, "ax"
    .globl _start
_start:
    b       entry                   /* code0: branch over the 64-byte header */
    .4byte  0                       /* code1 */
    .8byte  0                       /* text_offset: 0, position independent (see README) */
    .8byte  __image_end - _start    /* image_size, including .bss and the stacks */
    .8byte  0xa                     /* flags: LE, 4K pages, anywhere in RAM (bits 0, 1-2, 3) */
    .8byte  0                       /* res2 */
    .8byte  0                       /* res3 */
    .8byte  0                       /* res4 */
    .ascii  "ARM\x64"               /* magic */
    .4byte  0                       /* res5: no PE header */

entry:
    mrs     x21, daif               /* as the loader left them, checked by guest_main */
    msr     daifset, #0xf
    mov     x19, x0                 /* device tree */
    mrs     x20, CurrentEL
    ubfx    x20, x20, #2, #2        /* EL at entry */
    cmp     x20, #3
    b.eq    park                    /* EL3: not supported */
    cmp     x20, #2
    b.ne    1f
    bl      el2_to_el1
1:  mrs     x22, sctlr_el1          /* as the loader left it (the drop sets a clean value) */

    /* Self-relocation: *(base + r_offset) = base + r_addend for R_AARCH64_RELATIVE. */
    adrp    x0, __rela_start
    add     x0, x0, :lo12:__rela_start
    adrp    x1, __rela_end
    add     x1, x1, :lo12:__rela_end
    adrp    x2, __image_start
    add     x2, x2, :lo12:__image_start
    mov     x23, #0                 /* relocations of any other type (reported) */
2:  cmp     x0, x1
    b.hs    5f
    ldr     x3, [x0, #8]            /* r_info */
    cmp     x3, #R_AARCH64_RELATIVE
    b.eq    3f
    add     x23, x23, #1
    b       4f
3:  ldr     x3, [x0]                /* r_offset */
    ldr     x4, [x0, #16]           /* r_addend */
    add     x4, x4, x2
    str     x4, [x3, x2]
4:  add     x0, x0, #24
    b       2b
5:
    /* Clear .bss (the stacks live there). */
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
6:  cmp     x0, x1
    b.hs    7f
    str     xzr, [x0], #8
    b       6b
7:
    adrp    x0, boot_stack_top
    add     x0, x0, :lo12:boot_stack_top
    mov     sp, x0
    adrp    x0, el1_vectors
    add     x0, x0, :lo12:el1_vectors
    msr     vbar_el1, x0
    isb
    mov     x0, x19
    mov     x1, x23
    mov     x2, x20
    mov     x3, x21
    mov     x4, x22
    bl      guest_main
park:
    wfi
    b       park

/*
 * el2_to_el1: called with bl at EL2; returns at EL1h (DAIF masked) to the caller's x30.
 * EL1 runs AArch64 with nothing trapped to EL2: HCR_EL2 = RW only (no stage 2, interrupts
 * routed to EL1), EL1 timer/counter access allowed, CNTVOFF = 0, FP not trapped, the GICv3
 * system-register interface (if present) enabled for EL1, VPIDR/VMPIDR = the real
 * MIDR/MPIDR. Uses x9 only.
 */
el2_to_el1:
    mov     x9, #HCR_EL2_RW
    msr     hcr_el2, x9
    msr     hstr_el2, xzr
    mov     x9, #CPTR_EL2_RES1
    msr     cptr_el2, x9
    mrs     x9, cnthctl_el2
    orr     x9, x9, #3              /* EL1PCTEN | EL1PCEN */
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr
    mrs     x9, midr_el1
    msr     vpidr_el2, x9
    mrs     x9, mpidr_el1
    msr     vmpidr_el2, x9
    mrs     x9, id_aa64pfr0_el1
    ubfx    x9, x9, #24, #4         /* GIC system registers implemented? */
    cbz     x9, 1f
    mrs     x9, S3_4_C12_C9_5       /* ICC_SRE_EL2 */
    orr     x9, x9, #0xf            /* SRE | DFB | DIB | Enable (EL1 may use ICC_SRE_EL1) */
    msr     S3_4_C12_C9_5, x9
    isb
1:  mov     x9, #SCTLR_EL1_RES1_LO
    movk    x9, #SCTLR_EL1_RES1_HI, lsl #16
    msr     sctlr_el1, x9
    adr     x9, el2_stub_vectors
    msr     vbar_el2, x9
    mov     x9, #SPSR_EL1H_DAIF
    msr     spsr_el2, x9
    msr     elr_el2, x30
    isb
    eret

/*
 * The EL2 stub's vectors. Nothing the guest does at EL1 should reach EL2 (HCR_EL2 traps
 * nothing), but if something does, it is counted in g_el2_stub_traps and skipped: a trapped
 * HVC/SMC returns SMCCC_CALL_UNDEF in x0, anything else resumes after the instruction.
 * guest_main reports a non-zero count.
 */
    .balign 2048
el2_stub_vectors:
    .rept   16
    .balign 128
    b       el2_stub_sync
    .endr

el2_stub_sync:
    msr     tpidr_el2, x10
    adrp    x10, g_el2_stub_traps
    add     x10, x10, :lo12:g_el2_stub_traps
    str     x9, [x10, #24]          /* scratch slot */
    ldr     x9, [x10]
    add     x9, x9, #1
    str     x9, [x10]
    mrs     x9, esr_el2
    str     x9, [x10, #8]
    mrs     x9, elr_el2
    str     x9, [x10, #16]
    mrs     x9, esr_el2
    lsr     x9, x9, #ESR_EC_SHIFT
    cmp     x9, #EC_HVC64
    b.eq    1f                      /* HVC: ELR is already the next instruction */
    mrs     x9, elr_el2
    add     x9, x9, #4
    msr     elr_el2, x9
    mrs     x9, esr_el2
    lsr     x9, x9, #ESR_EC_SHIFT
    cmp     x9, #EC_SMC64
    b.ne    2f
1:  movz    x0, #0xca11
    movk    x0, #0x0bad, lsl #16
    movk    x0, #0xca11, lsl #32
    movk    x0, #0x0bad, lsl #48
2:  ldr     x9, [x10, #24]
    mrs     x10, tpidr_el2
    eret

/*
 * EL1 vector table: every entry saves x0/x1, puts its kind (see trap_handler in guest.h) in
 * x1 and joins trap_common, which saves the rest and calls trap_handler(frame, kind).
 */
    .text
    .balign 2048
    .globl el1_vectors
el1_vectors:
    .irp    kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 128
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp]
    mov     x1, #\kind
    b       trap_common
    .endr

trap_common:
    stp     x2, x3, [sp, #2 * 8]
    stp     x4, x5, [sp, #4 * 8]
    stp     x6, x7, [sp, #6 * 8]
    stp     x8, x9, [sp, #8 * 8]
    stp     x10, x11, [sp, #10 * 8]
    stp     x12, x13, [sp, #12 * 8]
    stp     x14, x15, [sp, #14 * 8]
    stp     x16, x17, [sp, #16 * 8]
    stp     x18, x19, [sp, #18 * 8]
    stp     x20, x21, [sp, #20 * 8]
    stp     x22, x23, [sp, #22 * 8]
    stp     x24, x25, [sp, #24 * 8]
    stp     x26, x27, [sp, #26 * 8]
    stp     x28, x29, [sp, #28 * 8]
    add     x2, sp, #FRAME_SIZE
    stp     x30, x2, [sp, #30 * 8]  /* x30, interrupted sp */
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #32 * 8]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #34 * 8]
    mov     x0, sp
    bl      trap_handler
    ldp     x2, x3, [sp, #32 * 8]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x2, x3, [sp, #2 * 8]
    ldp     x4, x5, [sp, #4 * 8]
    ldp     x6, x7, [sp, #6 * 8]
    ldp     x8, x9, [sp, #8 * 8]
    ldp     x10, x11, [sp, #10 * 8]
    ldp     x12, x13, [sp, #12 * 8]
    ldp     x14, x15, [sp, #14 * 8]
    ldp     x16, x17, [sp, #16 * 8]
    ldp     x18, x19, [sp, #18 * 8]
    ldp     x20, x21, [sp, #20 * 8]
    ldp     x22, x23, [sp, #22 * 8]
    ldp     x24, x25, [sp, #24 * 8]
    ldp     x26, x27, [sp, #26 * 8]
    ldp     x28, x29, [sp, #28 * 8]
    ldr     x30, [sp, #30 * 8]
    ldp     x0, x1, [sp]
    add     sp, sp, #FRAME_SIZE
    eret

/*
 * Entry point of a CPU started with CPU_ON: x0 = context_id. Records the EL, DAIF and
 * SCTLR_EL1 it arrived with, drops to EL1 if it came up at EL2 (QEMU's PSCI starts CPUs at
 * the highest non-secure EL), takes the stack of its MPIDR.Aff0 slot and calls
 * secondary_main(context_id, el, daif, sctlr), which never returns.
 */
    .globl secondary_entry
    .balign 4
secondary_entry:
    mrs     x21, daif
    msr     daifset, #0xf
    mov     x19, x0
    mrs     x20, CurrentEL
    ubfx    x20, x20, #2, #2
    cmp     x20, #3
    b.eq    park
    cmp     x20, #2
    b.ne    1f
    bl      el2_to_el1
1:  mrs     x22, sctlr_el1
    mrs     x9, mpidr_el1
    and     x9, x9, #(MAX_CPUS - 1)
    add     x9, x9, #1
    mov     x10, #SECONDARY_STACK_SIZE
    mul     x9, x9, x10
    adrp    x10, secondary_stacks
    add     x10, x10, :lo12:secondary_stacks
    add     x10, x10, x9
    mov     sp, x10
    adrp    x9, el1_vectors
    add     x9, x9, :lo12:el1_vectors
    msr     vbar_el1, x9
    isb
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    mov     x3, x22
    bl      secondary_main
    b       park

/* void smccc_invoke(struct smccc_regs *r, uint64_t use_smc) */
    .globl smccc_invoke
smccc_invoke:
    stp     x29, x30, [sp, #-32]!
    stp     x19, x20, [sp, #16]
    mov     x19, x0
    mov     x20, x1
    ldp     x0, x1, [x19, #0 * 8]
    ldp     x2, x3, [x19, #2 * 8]
    ldp     x4, x5, [x19, #4 * 8]
    ldp     x6, x7, [x19, #6 * 8]
    ldp     x8, x9, [x19, #8 * 8]
    ldp     x10, x11, [x19, #10 * 8]
    ldp     x12, x13, [x19, #12 * 8]
    ldp     x14, x15, [x19, #14 * 8]
    ldp     x16, x17, [x19, #16 * 8]
    cbnz    x20, 1f
    hvc     #0
    b       2f
1:  smc     #0
2:  stp     x0, x1, [x19, #0 * 8]
    stp     x2, x3, [x19, #2 * 8]
    stp     x4, x5, [x19, #4 * 8]
    stp     x6, x7, [x19, #6 * 8]
    stp     x8, x9, [x19, #8 * 8]
    stp     x10, x11, [x19, #10 * 8]
    stp     x12, x13, [x19, #12 * 8]
    stp     x14, x15, [x19, #14 * 8]
    stp     x16, x17, [x19, #16 * 8]
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #32
    ret

/*
 * void smccc_clobber_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t use_smc)
 *
 * Loads x4..x30 with CLOBBER_PATTERN + n, makes the call (x0 = fid, x1..x3 = a1..a3) and
 * stores x0..x30 and sp as they came back into g_clobber_after[0..31]; the sp before the
 * call goes to g_clobber_sp_before. TPIDR_EL1 serves as scratch for x0 after the call, and
 * sp is restored from g_clobber_sp_before whatever the callee did to it.
 */
    .globl smccc_clobber_call
smccc_clobber_call:
    stp     x29, x30, [sp, #-112]!
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    str     x18, [sp, #96]
    adrp    x9, g_clobber_sp_before
    add     x9, x9, :lo12:g_clobber_sp_before
    mov     x10, sp
    str     x10, [x9]
    cmp     x4, #0                  /* flags survive the pattern loads below */
    movz    x9, #0
    movk    x9, #0xc3e9, lsl #32
    movk    x9, #0x5a17, lsl #48    /* CLOBBER_PATTERN */
    .irp    n, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, \
            25, 26, 27, 28, 29, 30
    add     x\n, x9, #\n
    .endr
    add     x9, x9, #9
    b.ne    1f
    hvc     #0
    b       2f
1:  smc     #0
2:  msr     tpidr_el1, x0
    adrp    x0, g_clobber_after
    add     x0, x0, :lo12:g_clobber_after
    str     x1, [x0, #1 * 8]
    stp     x2, x3, [x0, #2 * 8]
    stp     x4, x5, [x0, #4 * 8]
    stp     x6, x7, [x0, #6 * 8]
    stp     x8, x9, [x0, #8 * 8]
    stp     x10, x11, [x0, #10 * 8]
    stp     x12, x13, [x0, #12 * 8]
    stp     x14, x15, [x0, #14 * 8]
    stp     x16, x17, [x0, #16 * 8]
    stp     x18, x19, [x0, #18 * 8]
    stp     x20, x21, [x0, #20 * 8]
    stp     x22, x23, [x0, #22 * 8]
    stp     x24, x25, [x0, #24 * 8]
    stp     x26, x27, [x0, #26 * 8]
    stp     x28, x29, [x0, #28 * 8]
    str     x30, [x0, #30 * 8]
    mov     x1, sp
    str     x1, [x0, #31 * 8]
    mrs     x1, tpidr_el1
    str     x1, [x0]
    adrp    x1, g_clobber_sp_before
    add     x1, x1, :lo12:g_clobber_sp_before
    ldr     x1, [x1]
    mov     sp, x1
    ldr     x18, [sp, #96]
    ldp     x27, x28, [sp, #80]
    ldp     x25, x26, [sp, #64]
    ldp     x23, x24, [sp, #48]
    ldp     x21, x22, [sp, #32]
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #112
    ret

    .bss
    .balign 16
    .globl g_el2_stub_traps
g_el2_stub_traps:
    .zero   32                      /* count, ESR_EL2, ELR_EL2, scratch */
    .balign 16
boot_stack:
    .zero   BOOT_STACK_SIZE
boot_stack_top:
    .balign 16
secondary_stacks:
    .zero   SECONDARY_STACK_SIZE * (MAX_CPUS + 1)
