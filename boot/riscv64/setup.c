/* SPDX-License-Identifier: MIT */
/* RISC-V boot: early console, host DTB, H-extension check, banner, per-hart set-up. */
#include <keel/console.h>
#include <keel/hyp.h>
#include <keel/passthrough.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <libfdt.h>
#include <string.h>
#include "../../drivers/irq/plic.h"
#include "../../drivers/riscv/sbi_call.h"
#include "../../drivers/uart/ns16550.h"
#include "csr.h"
#include "riscv_vcpu.h"

union pcpu_stack pcpu_stacks[KEEL_MAX_HARTS] __attribute__((aligned(KEEL_STACK_SIZE)));
uint32_t pcpu_count = 1;

void riscv_boot_main(uint64_t hartid, hpa_t dtb);
void riscv_secondary_main(uint64_t hartid, uintptr_t stack_top);
uint64_t riscv_probe_hgatp(void);
uint64_t riscv_probe_stimecmp(void);
extern char keel_secondary_entry[];

/* Until the DTB names the UART, keel prints through the firmware (SBI v0.1 putchar). */
static void sbi_putc(uint8_t byte)
{
    sbi_ecall(1, 0, byte, 0, 0, 0, 0, 0);
}
static const struct console_backend sbi_console = { sbi_putc, NULL };

void sbi_fw_set_timer(uint64_t when)
{
    sbi_set_timer(when);
}

void platform_fail(uint32_t code)
{
    if (platform.test_dev) /* QEMU sifive,test: FINISHER_FAIL with an exit code */
        *(volatile uint32_t *)(uintptr_t)platform.test_dev = 0x3333u | (code << 16);
    sbi_system_reset(0, 1); /* shutdown, reason "system failure" */
    for (;;)
        __asm__ volatile("wfi");
}

void platform_poweroff(void)
{
    sbi_system_reset(0, 0);
    if (platform.test_dev)
        *(volatile uint32_t *)(uintptr_t)platform.test_dev = 0x5555u;
    for (;;)
        __asm__ volatile("wfi");
}

/* The PLIC S-mode context of keel hart `pcpu` (0 = the boot hart, then the others in DT order,
   as arch_start_secondaries numbers them), ~0u when it has none. */
static uint32_t plic_context_of(uint32_t pcpu)
{
    uint32_t index = 0;
    for (uint32_t i = 0; i < platform.nr_harts; i++) {
        bool is_boot = i == platform.boot_hart;
        if ((pcpu == 0 && is_boot) || (pcpu != 0 && !is_boot && ++index == pcpu))
            return platform.plic_s_context[i];
    }
    return ~0u;
}

void platform_handle_ext_irq(void)
{
    /* the console interrupt goes to the boot hart, a pass-through interrupt to the hart of its
       VM's vCPU 0 */
    uint32_t ctx = this_pcpu()->plic_context;
    if (!platform.plic_base || ctx == ~0u)
        return;
    uint32_t irq;
    while ((irq = plic_claim(platform.plic_base, ctx)) != 0) {
        if (irq == platform.uart_irq)
            console_poll_input();
        else if (passthrough_host_irq(irq))
            continue; /* completed when the guest completes it (platform_irq_done) */
        plic_complete(platform.plic_base, ctx, irq);
    }
}

void arch_guest_image_written(const void *hva, uint64_t len)
{
    (void)hva; /* data stays coherent; instruction fetch needs a fence on the fetching hart */
    (void)len;
    __asm__ volatile("fence.i" ::: "memory");
}

int platform_irq_route(uint32_t host_irq, uint32_t pcpu, char *err, size_t errlen)
{
    uint32_t ctx = plic_context_of(pcpu);
    if (!platform.plic_base || host_irq < 1 || host_irq > platform.plic_ndev) {
        ksnprintf(err, errlen, "the host PLIC has sources 1..%u", platform.plic_ndev);
        return -1;
    }
    if (host_irq == platform.uart_irq) {
        ksnprintf(err, errlen, "host source %u is keel's console UART", host_irq);
        return -1;
    }
    if (ctx == ~0u) {
        ksnprintf(err, errlen, "hart %u has no PLIC S-mode context", pcpu);
        return -1;
    }
    plic_enable(platform.plic_base, ctx, host_irq);
    return 0;
}

void platform_irq_done(uint32_t host_irq, uint32_t pcpu)
{
    /* the interrupt was taken on hart `pcpu`, which set its context when it came online */
    if (pcpu < pcpu_count)
        plic_complete(platform.plic_base, pcpu_stacks[pcpu].pcpu.plic_context, host_irq);
}

static bool console_from_dt(void)
{
    const char *c = platform.uart_compat;
    if (strcmp(c, "ns16550a") && strcmp(c, "ns16550") && strcmp(c, "snps,dw-apb-uart"))
        return false;
    console_set_backend(ns16550_init(platform.uart_base, platform.uart_reg_shift,
                                     platform.uart_reg_io_width));
    return true;
}

static void banner(uint64_t hartid)
{
    kprintf("\nkeel %s: RISC-V hypervisor (HS-mode)\n", KEEL_VERSION);
    kprintf("keel: machine: %s\n", platform.model);
    kprintf("keel: boot hart %lu, %u hart(s), timebase %lu Hz\n", hartid, platform.nr_harts,
            platform.timebase_hz);
    kprintf("keel: ISA %s\n", platform.isa);
    kprintf("keel: extensions: H %s, Sstc %s (keel's timer: %s), Svpbmt %s\n",
            platform.has_h ? "yes" : "no", platform.has_sstc ? "yes" : "no",
            platform.host_sstc ? "stimecmp" : "SBI TIME", platform.has_svpbmt ? "yes" : "no");
    if (platform.vstimer_backstop)
        kprintf("keel: QEMU: a guest's Sstc timer interrupt can be lost there, so keel's timer "
                "looks every %u ms while such a guest runs\n", RISCV_VSTIMER_BACKSTOP_MS);
}

void riscv_boot_main(uint64_t hartid, hpa_t dtb)
{
    console_set_backend(&sbi_console);
    char err[160];
    if (platform_parse_fdt((const void *)(uintptr_t)dtb, &platform, err, sizeof(err))) {
        kprintf("keel: error: host device tree at 0x%lx: %s\n", dtb, err);
        platform_fail(1);
    }
    if (!console_from_dt())
        kprintf("keel: console '%s' has no driver: keel keeps the SBI console\n",
                platform.uart_compat);

    /* keel's hart indexes: 0 = the boot hart, then the others in DT order */
    for (uint32_t i = 0; i < platform.nr_harts; i++)
        if (platform.hart_ids[i] == hartid)
            platform.boot_hart = i;
    struct pcpu *p = this_pcpu();
    p->index = 0;
    p->hw_id = hartid;
    atomic_store(&p->online, 1);
    pcpu_count = platform.nr_harts < KEEL_MAX_HARTS ? platform.nr_harts : KEEL_MAX_HARTS;

    platform.host_sstc = riscv_probe_stimecmp() == 0;
    platform.vstimer_backstop = strcmp(platform.model, "riscv-virtio,qemu") == 0;
    bool h_works = riscv_probe_hgatp() == 0;
    banner(hartid);
    if (!h_works) {
        kprintf("keel: error: this hart has no H extension (riscv,isa = \"%s\"; reading hgatp "
                "traps): keel needs RISC-V H to run guests\n", platform.isa);
        kprintf("keel: stopping\n");
        platform_fail(1);
    }
    if (!platform.has_h)
        platform.has_h = true; /* the DT string did not say so, but the CSRs are there */

    riscv_host_ids.mvendorid = (uint64_t)sbi_ecall(SBI_EXT_BASE, 4, 0, 0, 0, 0, 0, 0).value;
    riscv_host_ids.marchid = (uint64_t)sbi_ecall(SBI_EXT_BASE, 5, 0, 0, 0, 0, 0, 0).value;
    riscv_host_ids.mimpid = (uint64_t)sbi_ecall(SBI_EXT_BASE, 6, 0, 0, 0, 0, 0, 0).value;

    riscv_hart_init_h();
    uint32_t ctx = plic_context_of(0);
    p->plic_context = ctx;
    if (platform.plic_base && platform.uart_irq && ctx != ~0u) {
        plic_enable(platform.plic_base, ctx, platform.uart_irq);
        ns16550_enable_rx_irq();
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
        int64_t rc = sbi_hart_start(p->hw_id, (uint64_t)(uintptr_t)keel_secondary_entry,
                                    pcpu_stack_top(index));
        if (rc == -6) /* SBI_ERR_ALREADY_AVAILABLE (SBI v2.0 sec 3.2) */
            kprintf("keel: hart %lu was already running: the firmware had sent it to keel's "
                    "entry, where it waited to join as keel hart %u\n", p->hw_id, index);
        else if (rc)
            kprintf("keel: warning: hart %lu did not start (SBI error %ld)\n", p->hw_id, rc);
        index++;
    }
}

void riscv_secondary_main(uint64_t hartid, uintptr_t stack_top)
{
    (void)stack_top;
    struct pcpu *p = this_pcpu();
    p->plic_context = plic_context_of(p->index);
    riscv_hart_init_h();
    atomic_store(&p->online, 1);
    kprintf("keel: hart %lu online (keel hart %u)\n", hartid, p->index);
    sched_run();
}
