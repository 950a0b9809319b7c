/* SPDX-License-Identifier: MIT */
/* AArch64 boot: EL check, host DTB, console, banner, GIC and EL2 set-up, secondary cores. */
#include <keel/console.h>
#include <keel/hyp.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <libfdt.h>
#include <string.h>
#include "../../drivers/arm/psci_call.h"
#include "../../drivers/irq/gicv2.h"
#include "../../drivers/uart/pl011.h"
#include "arm_vcpu.h"
#include "mmu.h"
#include "sysreg.h"

union pcpu_stack pcpu_stacks[KEEL_MAX_HARTS] __attribute__((aligned(KEEL_STACK_SIZE)));
uint32_t pcpu_count = 1;

void arm_boot_main(hpa_t dtb, uint64_t current_el);
void arm_secondary_main(uintptr_t stack_top);
extern char keel_secondary_entry[];

#define MPIDR_AFF_MASK 0xff00ffffffull

void sbi_fw_set_timer(uint64_t when)
{
    (void)when; /* RISC-V only */
}

void platform_poweroff(void)
{
    if (platform.has_psci)
        psci_fw_call(platform.psci_smc, PSCI_FW_SYSTEM_OFF, 0, 0, 0);
    kprintf("keel: %s: this core now waits for a reset\n",
            platform.has_psci ? "PSCI SYSTEM_OFF returned" : "no PSCI firmware to power off");
    for (;;)
        __asm__ volatile("wfi");
}

/* QEMU's Arm virt machine has no exit-code device: keel powers off and scripts/run.sh turns
   the "keel: stopping"/"PANIC" lines into exit status 1 (see run.sh). */
void platform_fail(uint32_t code)
{
    kprintf("keel: stopping the machine (failure %u)\n", code);
    platform_poweroff();
}

void platform_handle_ext_irq(void)
{
    arm_handle_irq(this_pcpu()->current);
}

/* Pass-through SPIs routed to cores that are not up yet: each enables its own when it comes
   up (its GIC CPU interface number is known only then). */
#define MAX_DEFERRED_SPIS 32
static struct {
    uint32_t intid, pcpu;
} deferred_spis[MAX_DEFERRED_SPIS];
static uint32_t nr_deferred_spis;

int platform_irq_route(uint32_t host_irq, uint32_t pcpu, char *err, size_t errlen)
{
    uint32_t lines = gicv2_nr_irqs();
    if (host_irq < 32 || host_irq >= lines) {
        ksnprintf(err, errlen, "the host GIC has SPIs with INTIDs 32..%u", lines - 1);
        return -1;
    }
    if (host_irq == platform.uart_irq) {
        ksnprintf(err, errlen, "host INTID %u is keel's console UART", host_irq);
        return -1;
    }
    struct pcpu *p = &pcpu_stacks[pcpu].pcpu;
    if (pcpu == 0 || atomic_load(&p->online)) {
        gicv2_enable(host_irq, p->gic_cpu_id);
        return 0;
    }
    if (nr_deferred_spis == MAX_DEFERRED_SPIS) {
        ksnprintf(err, errlen, "more than %u pass-through interrupts", MAX_DEFERRED_SPIS);
        return -1;
    }
    deferred_spis[nr_deferred_spis].intid = host_irq;
    deferred_spis[nr_deferred_spis].pcpu = pcpu;
    nr_deferred_spis++;
    return 0;
}

void platform_irq_done(uint32_t host_irq, uint32_t pcpu)
{
    (void)pcpu; /* masking is global (GICD_ISENABLER) */
    gicv2_set_enabled(host_irq, true);
}

static void banner(uint64_t mpidr)
{
    kprintf("\nkeel %s: AArch64 hypervisor (EL2)\n", KEEL_VERSION);
    kprintf("keel: machine: %s\n", platform.model);
    kprintf("keel: boot core MPIDR 0x%lx, %u core(s), PSCI via %s\n", mpidr, platform.nr_harts,
            platform.psci_smc ? "SMC" : "HVC");
    kprintf("keel: GICv2: GICD 0x%lx GICC 0x%lx GICH 0x%lx GICV 0x%lx, %u list registers\n",
            platform.gicd_base, platform.gicc_base, platform.gich_base, platform.gicv_base,
            gich_nr_lrs());
    if (gicv2_nonsecure_view())
        kprintf("keel: GICv2: non-secure view of a GIC with Security Extensions: keel's "
                "interrupts stay in the firmware's Group 1\n");
    kprintf("keel: counter %lu Hz, PARange %lu\n", sysreg_read(cntfrq_el0),
            sysreg_read(id_aa64mmfr0_el1) & 0xf);
    uint64_t sctlr = sysreg_read(sctlr_el2);
    kprintf("keel: EL2 MMU %s, data cache %s, instruction cache %s (identity map: RAM normal "
            "memory, the rest device memory)\n", (sctlr & 1) ? "on" : "OFF",
            (sctlr & 4) ? "on" : "OFF", (sctlr & 0x1000) ? "on" : "OFF");
}

void arm_boot_main(hpa_t dtb, uint64_t current_el)
{
    char err[160];
    if (current_el == 2)
        arm_mmu_enable_early(dtb);
    int rc = platform_parse_fdt((const void *)(uintptr_t)dtb, &platform, err, sizeof(err));
    if (rc == 0 && !strcmp(platform.uart_compat, "arm,pl011"))
        console_set_backend(pl011_init(platform.uart_base));
    if (rc) {
        /* no console known yet: try QEMU virt's PL011 so the message is seen at least there */
        console_set_backend(pl011_init(0x09000000));
        kprintf("keel: error: host device tree at 0x%lx: %s\n", dtb, err);
        platform_poweroff();
    }
    if (current_el != 2) {
        kprintf("\nkeel %s: error: entered at EL%lu; keel must be started at EL2 "
                "(QEMU: -M virt,virtualization=on; U-Boot/Pi firmware: boot at EL2)\n",
                KEEL_VERSION, current_el);
        kprintf("keel: stopping\n");
        psci_fw_call(platform.psci_smc, PSCI_FW_SYSTEM_OFF, 0, 0, 0);
        for (;;)
            __asm__ volatile("wfi");
    }
    if (arm_mmu_enable_final(dtb, err, sizeof(err))) {
        kprintf("keel: error: %s\n", err);
        platform_fail(1);
    }
    uint64_t mpidr = sysreg_read(mpidr_el1) & MPIDR_AFF_MASK;
    for (uint32_t i = 0; i < platform.nr_harts; i++)
        if (platform.hart_ids[i] == mpidr)
            platform.boot_hart = i;
    struct pcpu *p = this_pcpu();
    p->index = 0;
    p->hw_id = mpidr;
    atomic_store(&p->online, 1);
    pcpu_count = platform.nr_harts < KEEL_MAX_HARTS ? platform.nr_harts : KEEL_MAX_HARTS;
    if (!platform.has_psci && pcpu_count > 1) {
        /* scenarios are then checked against one core */
        kprintf("keel: warning: no PSCI firmware (/psci): keel uses the boot core only; it "
                "starts other cores through PSCI CPU_ON, not spin tables\n");
        pcpu_count = 1;
    }

    if (!platform.gicd_base || !platform.gich_base || !platform.gicv_base) {
        console_set_backend(pl011_init(platform.uart_base));
        kprintf("keel: error: no GICv2 with virtualization extensions (GICH/GICV) in the device "
                "tree: keel needs one (QEMU: -M virt,virtualization=on,gic-version=2)\n");
        platform_fail(1);
    }
    gicv2_init_dist(platform.gicd_base);
    arm_cpu_init_el2();
    p->gic_cpu_id = gicv2_cpu_id();
    banner(mpidr);
    if (platform.uart_irq) {
        gicv2_enable(platform.uart_irq, p->gic_cpu_id);
        pl011_enable_rx_irq();
    }
    hyp_main(dtb, fdt_totalsize((const void *)(uintptr_t)dtb));
}

void arch_start_secondaries(void)
{
    uint32_t index = 1;
    for (uint32_t i = 0; i < platform.nr_harts && index < pcpu_count; i++) {
        if (i == platform.boot_hart)
            continue;
        struct pcpu *p = &pcpu_stacks[index].pcpu;
        p->index = index;
        p->hw_id = platform.hart_ids[i];
        /* QEMU's PSCI rejects targets with MPIDR bit 31: affinity fields only */
        int64_t rc = psci_fw_call(platform.psci_smc, PSCI_FW_CPU_ON, p->hw_id & MPIDR_AFF_MASK,
                                  (uint64_t)(uintptr_t)keel_secondary_entry, pcpu_stack_top(index));
        if (rc)
            kprintf("keel: warning: core 0x%lx did not start (PSCI error %ld)\n", p->hw_id, rc);
        index++;
    }
}

void arm_secondary_main(uintptr_t stack_top)
{
    (void)stack_top;
    struct pcpu *p = this_pcpu();
    arm_cpu_init_el2();
    p->gic_cpu_id = gicv2_cpu_id();
    for (uint32_t i = 0; i < nr_deferred_spis; i++)
        if (deferred_spis[i].pcpu == p->index)
            gicv2_enable(deferred_spis[i].intid, p->gic_cpu_id);
    atomic_store(&p->online, 1);
    kprintf("keel: core 0x%lx online (keel core %u)\n", p->hw_id, p->index);
    sched_run();
}
