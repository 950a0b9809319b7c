/* SPDX-License-Identifier: MIT */
/*
 * SPIs for one-CPU guests (peer, ptdev): an EL1 vector table whose IRQ entry calls the guest's
 * guest_irq(), the GICv2 set-up that routes one SPI to CPU 0, and an interrupt window.
 * Addresses are keel's AArch64 guest platform (= QEMU virt): GICD 0x08000000, GICC 0x08010000.
 */
#include "guest.h"

#define GICD_GPA UINT64_C(0x08000000)
#define GICC_GPA UINT64_C(0x08010000)
/* GICv2 distributor and CPU interface (Arm IHI 0048B tables 4-1 and 4-2) */
#define GICD_CTLR 0x000u
#define GICD_ISENABLER 0x100u
#define GICD_IPRIORITYR 0x400u
#define GICD_ITARGETSR 0x800u
#define GICD_SGIR 0xf00u
#define GICD_SGIR_TO_SELF (2u << 24) /* TargetListFilter 0b10: the requesting CPU only */
#define GICC_CTLR 0x000u
#define GICC_PMR 0x004u
#define IRQ_PRIORITY 0xa0u
#define PRIORITY_MASK_ALL 0xf0u
#define TARGET_CPU0 0x01u

struct platform_info g_spi_gic; /* only what gic_ack()/gic_eoi() use: a GICv2 */

/*
 * spi_vectors: 16 entries of 128 bytes, as el1_vectors. Entry 5 (IRQ from the current EL with
 * SP_ELx, where these guests run) saves the registers a C call may change (x0-x18, x29, x30),
 * calls guest_irq() and returns; ELR/SPSR_EL1 survive because guest_irq() takes no exception.
 * Every other entry continues at the framework's vector.
 */
__asm__(".text\n"
        ".balign 2048\n"
        "spi_vectors:\n"
        ".irp kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        ".balign 128\n"
        ".if \\kind == 5\n"
        "b spi_irq_entry\n"
        ".else\n"
        "b el1_vectors + \\kind * 128\n"
        ".endif\n"
        ".endr\n"
        "spi_irq_entry:\n"
        "sub sp, sp, #176\n"
        "stp x0, x1, [sp, #0]\n"
        "stp x2, x3, [sp, #16]\n"
        "stp x4, x5, [sp, #32]\n"
        "stp x6, x7, [sp, #48]\n"
        "stp x8, x9, [sp, #64]\n"
        "stp x10, x11, [sp, #80]\n"
        "stp x12, x13, [sp, #96]\n"
        "stp x14, x15, [sp, #112]\n"
        "stp x16, x17, [sp, #128]\n"
        "stp x18, x29, [sp, #144]\n"
        "str x30, [sp, #160]\n"
        "bl guest_irq\n"
        "ldp x0, x1, [sp, #0]\n"
        "ldp x2, x3, [sp, #16]\n"
        "ldp x4, x5, [sp, #32]\n"
        "ldp x6, x7, [sp, #48]\n"
        "ldp x8, x9, [sp, #64]\n"
        "ldp x10, x11, [sp, #80]\n"
        "ldp x12, x13, [sp, #96]\n"
        "ldp x14, x15, [sp, #112]\n"
        "ldp x16, x17, [sp, #128]\n"
        "ldp x18, x29, [sp, #144]\n"
        "ldr x30, [sp, #160]\n"
        "add sp, sp, #176\n"
        "eret\n");

void spi_install_vectors(void)
{
    uint64_t table;
    __asm__ volatile("adr %0, spi_vectors" : "=r"(table));
    __asm__ volatile("msr vbar_el1, %0\n\tisb" ::"r"(table) : "memory");
}

void spi_irq_window(void)
{
    __asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}

/* 32-bit read-modify-write of byte `intid` of a byte-per-interrupt register family. */
static void gicd_set_byte(uint32_t family, uint32_t intid, uint32_t value)
{
    uint64_t reg = GICD_GPA + family + (intid & ~3u);
    uint32_t shift = (intid & 3u) * 8;
    uint32_t v = mmio_read32(reg);
    v = (v & ~(0xffu << shift)) | (value << shift);
    mmio_write32(reg, v);
}

void spi_enable(uint32_t intid)
{
    /* (for an SGI, IHI 0048B 4.3.12: its ITARGETSR byte is read-only and the write is ignored) */
    g_spi_gic.gic_version = 2;
    g_spi_gic.gicd_base = GICD_GPA;
    g_spi_gic.gicc_base = GICC_GPA;
    mmio_write32(GICD_GPA + GICD_CTLR, mmio_read32(GICD_GPA + GICD_CTLR) | 1u);
    gicd_set_byte(GICD_IPRIORITYR, intid, IRQ_PRIORITY);
    gicd_set_byte(GICD_ITARGETSR, intid, TARGET_CPU0);
    mmio_write32(GICD_GPA + GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
    mmio_write32(GICC_GPA + GICC_PMR, PRIORITY_MASK_ALL);
    mmio_write32(GICC_GPA + GICC_CTLR, mmio_read32(GICC_GPA + GICC_CTLR) | 1u);
}

void sgi_to_self(uint32_t intid)
{
    mmio_write32(GICD_GPA + GICD_SGIR, GICD_SGIR_TO_SELF | (intid & 0xfu));
}
