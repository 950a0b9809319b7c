/* SPDX-License-Identifier: MIT */
/*
 * reboot: checks keel's VM reboot (issue 4, lifecycle): a VM that asks for SBI SRST reboot is
 * reloaded from its pristine images and restarted. The guest keeps its boot count in a
 * scenario shared-memory page (keel,shmem: it outlives the VM's own RAM), and on the first
 * boot dirties an initialised variable in its image before it reboots. On the second boot the
 * variable must hold its initial value again (the image was copied again; the rest of RAM is,
 * as on a machine's reset, not cleared). It then shuts its VM down.
 * Scenario: tests/qemu/scenarios/reboot-riscv64.dts (shared page at SHMEM_GPA).
 */
#include "guest.h"

#define SHMEM_GPA UINT64_C(0xc0000000)
#define BOOT_MAGIC UINT64_C(0x6b65656c72656230) /* "keelreb0": the page holds a count */
#define DATA_INITIAL UINT64_C(0x1234567890abcdef)
#define DATA_DIRTY UINT64_C(0xdeadbeefdeadbeef)

/* In .data: the reload must put DATA_INITIAL back. */
static volatile uint64_t g_initialised = DATA_INITIAL;

struct boot_page {
    uint64_t magic;
    uint64_t boots;
};

void report_unexpected(const char *what, uint64_t scause, uint64_t sepc, uint64_t stval)
{
    out("reboot: unexpected %s scause=0x%lx sepc=0x%lx stval=0x%lx\n", what, scause, sepc, stval);
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
    (void)single_hart_start("reboot", bad_relocs);
    volatile struct boot_page *page = (volatile struct boot_page *)(uintptr_t)SHMEM_GPA;

    if (page->magic != BOOT_MAGIC) {
        out("reboot: first boot; .data holds 0x%lx, dirtying it, then SRST cold reboot\n",
            g_initialised);
        page->magic = BOOT_MAGIC;
        page->boots = 1;
        g_initialised = DATA_DIRTY;
        out_flush();
        struct sbiret r = sbi_call(SBI_EXT_SRST, 0, 1 /* cold reboot */, 0, 0, 0, 0);
        out("reboot: ERROR: SRST reboot returned error %ld\n", r.error);
        finish();
    }

    page->boots++;
    out("reboot: boot %lu\n", page->boots);
    if (g_initialised == DATA_INITIAL)
        out("reboot: reloaded from the pristine image: .data holds 0x%lx again\n", g_initialised);
    else
        out("reboot: ERROR: .data holds 0x%lx after the reboot, the image had 0x%lx\n", g_initialised,
            DATA_INITIAL);
    finish();
}
