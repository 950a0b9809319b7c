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

    .data
    .balign 8
keel_boot_claimed:              /* set by the one hart that boots keel (never in BSS) */
    .dword 0

    .text
keel_entry:
    csrw sie, zero
    csrw sscratch, zero
    /* One hart boots keel. Another hart the firmware might send here must not clear BSS under
       the first (under host load keel twice found BSS cleared while it created VMs): it waits
       to become a secondary (keel_stray_hart). */
    lla t0, keel_boot_claimed
    li t1, 1
    amoswap.d.aqrl t1, t1, (t0)
    bnez t1, keel_stray_hart
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
 * Every hart but the boot hart, whether started by riscv_boot_main through SBI HSM hart_start
 * (keel_secondary_entry: a0 = hartid, a1 = opaque) or let into keel_entry by the firmware: it
 * finds its own stack from its hartid, not from a1. Using registers only, it waits until
 * arch_start_secondaries() has given its hartid a keel hart index i >= 1
 * (pcpu_stacks[i].pcpu.index == i and .hw_id == a0), then starts on that stack. Why: OpenSBI
 * 1.1's hart_start marks the target START_PENDING before it writes the start address and
 * opaque, so a target that leaves its wfi early (spuriously, or woken by something else)
 * starts with the previous ones: the cold-boot entry keel_entry with a1 = the DTB, or, with
 * the stores reordered, keel_secondary_entry with a1 = the DTB. Seen under host load as BSS
 * cleared under the boot hart ('starting 0 VM(s)'). OpenSBI later writes them first.
 */
    .globl keel_secondary_entry
keel_secondary_entry:
keel_stray_hart:
    csrw sie, zero
    csrw sscratch, zero
    lla t0, pcpu_stacks
    li t1, PCPU_STACK_SIZE
1:  li t2, 1                    /* i */
    add t4, t0, t1              /* &pcpu_stacks[1] */
2:  li t3, PCPU_MAX
    bgeu t2, t3, 1b             /* not there yet: scan again */
    lwu t5, PCPU_INDEX(t4)
    bne t5, t2, 3f
    ld t5, PCPU_HW_ID(t4)
    beq t5, a0, 4f
3:  addi t2, t2, 1
    add t4, t4, t1
    j 2b
4:  fence r, rw
    add sp, t4, t1              /* the top of its stack */
    mv a1, sp
    lla t0, keel_trap_vector
    csrw stvec, t0
    call riscv_secondary_main   /* (hartid, stack top): never returns */
1:  wfi
    j 1b
