/* SPDX-License-Identifier: MIT */
/* What keel learns about the machine from the host device tree (hyp/platform_fdt.c), and the
   few board services each ISA's boot code provides. */
#ifndef KEEL_PLATFORM_H
#define KEEL_PLATFORM_H

#include <keel/types.h>

#define PLATFORM_MAX_RAM 8
#define PLATFORM_MAX_RESERVED 16
#define PLATFORM_MAX_HARTS 8

struct mem_range {
    hpa_t base;
    uint64_t size; /* bytes */
};

struct platform {
    char model[64];
    struct mem_range ram[PLATFORM_MAX_RAM];
    uint32_t nr_ram;
    struct mem_range reserved[PLATFORM_MAX_RESERVED]; /* /memreserve/ + /reserved-memory */
    uint32_t nr_reserved;
    /* console: /chosen stdout-path */
    char uart_compat[32];
    hpa_t uart_base;
    uint32_t uart_reg_shift;
    uint32_t uart_reg_io_width;
    uint32_t uart_irq;       /* interrupt number on the host interrupt controller, 0 = none */
    /* /chosen linux,initrd-start/end: keel's bundle of guest images */
    hpa_t initrd_start, initrd_end;
    uint8_t rng_seed[64];    /* /chosen rng-seed from the boot loader (QEMU gives 32 bytes) */
    uint32_t rng_seed_len;   /* bytes, 0 = none */
    uint64_t timebase_hz;    /* RISC-V /cpus timebase-frequency */
    uint32_t nr_harts;
    uint64_t hart_ids[PLATFORM_MAX_HARTS]; /* RISC-V hartids / Arm MPIDR values, DT order */
    uint32_t boot_hart;      /* index into hart_ids of the hart that booted keel */
    char isa[256];           /* RISC-V riscv,isa string of the boot hart */
    bool has_h, has_sstc, has_svpbmt;
    bool host_sstc;          /* keel may use stimecmp itself (probed at boot, not from the DT) */
    bool vstimer_backstop;   /* RISC-V under QEMU (model "riscv-virtio,qemu"), which can lose a
                                guest's Sstc timer interrupt: keel's timer looks every 100 ms
                                while such a guest runs (vcpu/riscv64/timer.c) */
    /* RISC-V PLIC */
    hpa_t plic_base;
    uint64_t plic_size;
    uint32_t plic_ndev;
    uint32_t plic_s_context[PLATFORM_MAX_HARTS]; /* S-mode context of each hart, ~0u = none */
    /* QEMU "sifive,test" finisher (exit codes), 0 = absent */
    hpa_t test_dev;
    /* Arm: GIC and PSCI (filled on AArch64 boards) */
    hpa_t gicd_base, gicc_base, gich_base, gicv_base;
    uint32_t gic_maint_irq;
    bool psci_smc;           /* conduit: true = SMC, false = HVC */
    bool has_psci;           /* a /psci node with method "smc" or "hvc" (the Raspberry Pi
                                firmware's spin-table boot has none) */
};

extern struct platform platform;

/* Fill `out` from the flattened device tree `fdt` (any address, any size the header states).
   Returns 0, or -1 with a one-line reason in err[errlen] (missing /memory, bad stdout-path...).
   Pure: no hardware access, so host tests feed it a DTB dumped by QEMU. */
int platform_parse_fdt(const void *fdt, struct platform *out, char *err, size_t errlen);

/* May the host window [hpa, hpa+size) (bytes) be given to a VM (a scenario "keel,passthrough"
   reg)? Refused when it overlaps host RAM or reserved memory (keel, the firmware and the VMs live
   there), keel's console UART (its 4 KiB page), the interrupt controller (the PLIC window; the
   GIC distributor, CPU interface, GICH and GICV, 64 KiB each) or the QEMU test finisher (it
   would let a guest stop the machine). Returns 0, or -1 with what it overlaps in why. Pure. */
int platform_check_passthrough(const struct platform *p, hpa_t hpa, uint64_t size, char *why,
                               size_t whylen);

/* Route host interrupt `host_irq` (PLIC source / GIC SPI INTID) to keel on hart `pcpu` (keel's
   hart index) for a pass-through device: enable it at the host controller (AArch64: a core not
   up yet enables it when it comes up). Errors (-1, reason in err): a number the controller does
   not have (PLIC sources 1..ndev; GIC SPIs 32..lines-1), keel's own console interrupt, no PLIC
   context for that hart, more than 32 deferred SPIs. Boot time, before any VM runs. */
int platform_irq_route(uint32_t host_irq, uint32_t pcpu, char *err, size_t errlen);

/* The guest has completed pass-through interrupt `host_irq` routed to `pcpu`: let the host
   controller deliver it again (RISC-V: PLIC completion, SiFive PLIC spec "Interrupt
   Completion"; AArch64: GICD_ISENABLER, IHI 0048B 4.3.5, after keel masked it on delivery). */
void platform_irq_done(uint32_t host_irq, uint32_t pcpu);

/* Stop the machine reporting failure: QEMU exits with `code` where the board can (sifive,test /
   semihosting), otherwise a firmware shutdown. Never returns. */
void platform_fail(uint32_t code) __attribute__((noreturn));

/* Power the machine off after the last VM shut down (QEMU exits 0). Never returns. */
void platform_poweroff(void) __attribute__((noreturn));

/* Service the host interrupt controller after an external interrupt (console input). */
void platform_handle_ext_irq(void);

/* Ask firmware to raise keel's timer interrupt at `when` (timebase ticks); RISC-V SBI TIME. */
void sbi_fw_set_timer(uint64_t when);

#endif
