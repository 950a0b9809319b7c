/* SPDX-License-Identifier: MIT */
/*
 * keel's RISC-V entry. The image starts with the RISC-V Linux Image header
 * (Linux Documentation/arch/riscv/boot-image-header.rst), so QEMU -kernel after OpenSBI and
 * U-Boot booti both load it. Firmware enters in HS-mode with a0 = hartid, a1 = DTB address,
 * translation off. keel is linked at 0 as a PIE and relocates itself wherever it was loaded.
 */
#include "asm-offsets.h"

    .section .head.text, "ax"
    .globl _start
_start:
    /* code0/code1: jump over the header (c.j is not used so that code0 is one 32-bit jump) */
    j keel_entry
    .word 0
    .dword 0x200000             /* text_offset: load 2 MiB into RAM, as Linux rv64 */
    .dword _end - _start        /* image_size: memory the image needs, incl. BSS */
    .dword 0                    /* flags: little-endian */
    .word 0x2                   /* version 0.2 */
    .word 0
    .dword 0
    .ascii "RISCV\0\0\0"        /* magic (deprecated, still checked by loaders) */
    .ascii "RSC\x05"            /* magic2 */
    .word 0                     /* res3: no PE/COFF header */

    .text
keel_entry:
    csrw sie, zero
    csrw sscratch, zero
    /* keel is a PIE linked at 0: apply R_RISCV_RELATIVE relocations for the load address */
    lla t0, _start
    lla t1, __rela_dyn_start
    lla t2, __rela_dyn_end
1:  bgeu t1, t2, 3f
    ld t3, 8(t1)                /* r_info */
    li t4, 3                    /* R_RISCV_RELATIVE */
    bne t3, t4, 2f
    ld t3, 0(t1)                /* r_offset */
    ld t4, 16(t1)               /* r_addend */
    add t3, t3, t0
    add t4, t4, t0
    sd t4, 0(t3)
2:  addi t1, t1, 24
    j 1b
3:  fence.i
    /* clear BSS (the per-hart stacks live there too) */
    lla t0, __bss_start
    lla t1, __bss_end
4:  bgeu t0, t1, 5f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 4b
5:  /* boot hart: pcpu 0's stack */
    lla sp, pcpu_stacks
    li t0, PCPU_STACK_SIZE
    add sp, sp, t0
    lla t0, keel_trap_vector
    csrw stvec, t0
    call riscv_boot_main        /* (hartid, dtb): never returns */
6:  wfi
    j 6b

/*
 * Secondary harts, started by riscv_boot_main through SBI HSM hart_start with
 * a0 = hartid, a1 = opaque = the top of this hart's stack.
 */
    .globl keel_secondary_entry
keel_secondary_entry:
    csrw sie, zero
    csrw sscratch, zero
    mv sp, a1
    lla t0, keel_trap_vector
    csrw stvec, t0
    call riscv_secondary_main   /* (hartid, stack top): never returns */
1:  wfi
    j 1b
