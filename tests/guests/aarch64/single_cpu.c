/* SPDX-License-Identifier: MIT */
/*
 * What every one-CPU test guest (all but psci-test) needs beside its own code: the symbols
 * start.S and trap.c refer to for secondary CPUs and the clobber checks, a secondary entry that
 * only parks, and switching the VM off.
 */
#include "guest.h"

#define UART_GPA UINT64_C(0x09000000) /* keel's guest platform (= QEMU virt) PL011 */

volatile struct secondary_report g_secondary;
uint64_t g_clobber_after[32];
uint64_t g_clobber_sp_before;

void secondary_main(uint64_t context_id, uint64_t entry_el, uint64_t entry_daif,
                    uint64_t entry_sctlr)
{
    (void)context_id;
    (void)entry_el;
    (void)entry_daif;
    (void)entry_sctlr;
    for (;;)
        wait_for_interrupt();
}

uint32_t single_cpu_start(const char *who, uint64_t bad_relocs)
{
    console_init(UART_GPA);
    trap_set_primary(read_mpidr() & MPIDR_AFF_MASK);
    if (bad_relocs == 0)
        return 0;
    out("%s: ERROR: %lu relocations of an unknown type\n", who, bad_relocs);
    return 1;
}

void vm_system_off(const char *who, bool use_smc)
{
    struct smccc_regs r = { .x = { PSCI_SYSTEM_OFF } };
    smccc_invoke(&r, use_smc);
    out("%s: ERROR: SYSTEM_OFF returned %ld\n", who, (int64_t)r.x[0]);
    for (;;)
        wait_for_interrupt();
}
