/* SPDX-License-Identifier: MIT */
/*
 * peer: the bare-metal VM of the linux-plus-baremetal scenario. It waits for the inter-VM
 * doorbell (keel/vdev/doorbell.h) through its virtual PLIC, prints the message the Linux VM put
 * in the shared memory, reads outside its own memory (which must fault: keel isolates VMs),
 * and shuts its VM down while the Linux VM keeps running.
 * Command line (the scenario's bootargs are not used: the addresses are the platform's):
 *   shared memory at SHMEM_GPA, doorbell at 0x10001000 on PLIC source 11.
 */
#include "guest.h"

#define SHMEM_GPA UINT64_C(0xc0000000)
#define DOORBELL_GPA UINT64_C(0x10001000)
#define DOORBELL_IRQ 11
#define PLIC_GPA UINT64_C(0x0c000000)
#define OUTSIDE_GPA UINT64_C(0x1000000000) /* not RAM, not a device, not shared: must fault */
#define IRQ_S_EXT 9
#define SIE_SEIE (UINT64_C(1) << 9)

void report_unexpected(const char *what, uint64_t scause, uint64_t sepc, uint64_t stval)
{
    out("peer: unexpected %s scause=0x%lx sepc=0x%lx stval=0x%lx\n", what, scause, sepc, stval);
}

void finish(void)
{
    vm_shutdown();
}

void guest_main(uint64_t hartid, uint64_t dtb, uint64_t bad_relocs, uint64_t entry_sstatus)
{
    (void)hartid;
    (void)dtb;
    (void)entry_sstatus;
    (void)single_hart_start("peer", bad_relocs);
    uint32_t self = mmio_read32(DOORBELL_GPA + 4);
    out("peer: bare-metal VM %u up, doorbell id 0x%x; waiting for a message\n", self,
        mmio_read32(DOORBELL_GPA));

    /* the doorbell's PLIC source: priority 1, enabled for context 0 (this vCPU), threshold 0 */
    mmio_write32(PLIC_GPA + 4 * DOORBELL_IRQ, 1);
    mmio_write32(PLIC_GPA + 0x2000, 1u << DOORBELL_IRQ);
    mmio_write32(PLIC_GPA + 0x200000, 0);
    irq_expect(IRQ_S_EXT);
    csr_set_sie(SIE_SEIE);
    irq_enable();
    while (g_irq.count == 0)
        wait_for_interrupt();
    irq_disable();
    uint32_t claimed = mmio_read32(PLIC_GPA + 0x200004);
    uint32_t from = mmio_read32(DOORBELL_GPA + 0x0c);
    mmio_write32(DOORBELL_GPA + 0x0c, from);
    mmio_write32(PLIC_GPA + 0x200004, claimed);
    out("peer: doorbell interrupt (PLIC source %u) from VM bitmap 0x%x\n", claimed, from);

    const volatile uint8_t *shm = (const volatile uint8_t *)(uintptr_t)SHMEM_GPA;
    uint32_t len = mmio_read32(SHMEM_GPA);
    char msg[128];
    uint32_t n = len < sizeof(msg) - 1 ? len : (uint32_t)sizeof(msg) - 1;
    for (uint32_t i = 0; i < n; i++)
        msg[i] = (char)shm[4 + i];
    msg[n] = '\0';
    out("peer: message: \"%s\" (%u bytes)\n", msg, len);

    exc_arm();
    uint64_t v = 0;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(OUTSIDE_GPA) : "memory");
    struct exc_result e = exc_disarm();
    if (e.caught)
        out("peer: read outside my memory at 0x%lx faulted (scause %lu): isolation holds\n",
            OUTSIDE_GPA, e.scause);
    else
        out("peer: ERROR: read outside my memory at 0x%lx returned 0x%lx\n", OUTSIDE_GPA, v);
    out("peer: shutting down this VM\n");
    finish();
}
