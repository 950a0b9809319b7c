/* SPDX-License-Identifier: MIT */
/*
 * keel's AArch64 entry. The image starts with the arm64 Linux Image header
 * (Linux Documentation/arch/arm64/booting.rst), so QEMU -kernel and U-Boot booti load it.
 * Entered with x0 = DTB, MMU off, at EL2 (keel refuses, with a message, to run at EL1).
 * keel is a PIE linked at 0 and relocates itself wherever it was loaded.
 */
#include "asm-offsets.h"

    .section .head.text, "ax"
    .globl _start
_start:
    b keel_entry                /* code0 */
    .word 0                     /* code1 */
    .quad 0                     /* text_offset */
    .quad _end - _start         /* image_size */
    .quad 0xa                   /* flags: little-endian, 4 KiB pages, anywhere in RAM */
    .quad 0                     /* res2 */
    .quad 0                     /* res3 */
    .quad 0                     /* res4 */
    .ascii "ARM\x64"            /* magic */
    .word 0                     /* res5 */

    .text
keel_entry:
    msr daifset, #0xf
    mov x20, x0                 /* DTB */
    /* PIE: apply R_AARCH64_RELATIVE relocations for the load address */
    adr x0, _start
    adrp x1, __rela_dyn_start
    add x1, x1, :lo12:__rela_dyn_start
    adrp x2, __rela_dyn_end
    add x2, x2, :lo12:__rela_dyn_end
1:  cmp x1, x2
    b.hs 3f
    ldr x3, [x1, #8]            /* r_info */
    cmp x3, #1027               /* R_AARCH64_RELATIVE */
    b.ne 2f
    ldr x3, [x1]                /* r_offset */
    ldr x4, [x1, #16]           /* r_addend */
    add x4, x4, x0
    str x4, [x3, x0]
2:  add x1, x1, #24
    b 1b
3:  /* clear BSS (the per-core stacks live there too) */
    adrp x1, __bss_start
    add x1, x1, :lo12:__bss_start
    adrp x2, __bss_end
    add x2, x2, :lo12:__bss_end
4:  cmp x1, x2
    b.hs 5f
    str xzr, [x1], #8
    b 4b
5:  adrp x1, pcpu_stacks
    add x1, x1, :lo12:pcpu_stacks
    mov x2, #PCPU_STACK_SIZE
    add sp, x1, x2
    mrs x1, CurrentEL
    lsr x1, x1, #2
    cmp x1, #2
    b.ne 6f
    /* EL2: our vectors; FP/SIMD untrapped (Debian's libfdt.a uses FP registers) */
    adr x2, keel_vectors
    msr vbar_el2, x2
    mov x2, #0x33ff
    msr cptr_el2, x2
    isb
6:  mov x0, x20
    bl arm_boot_main            /* (dtb, current EL): never returns */
7:  wfi
    b 7b

/*
 * Secondary cores, started by arch_start_secondaries() through PSCI CPU_ON with
 * x0 = context_id = the top of this core's stack.
 */
    .globl keel_secondary_entry
keel_secondary_entry:
    msr daifset, #0xf
    /* The boot core's identity map, before any memory access of this core (its MMU is off:
       arm_mmu_regs was cleaned to the point of coherency for it; boot/aarch64/mmu.h). */
    adrp x1, arm_mmu_regs
    add x1, x1, :lo12:arm_mmu_regs
    ldp x2, x3, [x1]            /* MAIR_EL2, TCR_EL2 */
    ldp x4, x5, [x1, #16]       /* TTBR0_EL2, SCTLR_EL2 */
    msr mair_el2, x2
    msr tcr_el2, x3
    msr ttbr0_el2, x4
    isb
    tlbi alle2
    dsb nsh
    ic iallu
    dsb nsh
    isb
    msr sctlr_el2, x5
    isb
    mov sp, x0
    adr x2, keel_vectors
    msr vbar_el2, x2
    mov x2, #0x33ff
    msr cptr_el2, x2
    isb
    bl arm_secondary_main
1:  wfi
    b 1b
