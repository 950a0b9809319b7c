/* SPDX-License-Identifier: MIT */
/*
 * echo (AArch64): runs echo_line() (tests/guests/echo_line.c) over the VM's virtual PL011 at
 * the platform's address, then shuts its VM down with PSCI SYSTEM_OFF.
 */
#include "guest.h"

#define UART_GPA UINT64_C(0x09000000)

volatile struct secondary_report g_secondary; /* start.S and trap.c want these */
uint64_t g_clobber_after[32];
uint64_t g_clobber_sp_before;

void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far)
{
    out("echo: ERROR: unexpected %s esr=0x%lx elr=0x%lx far=0x%lx\n", what, esr, elr, far);
}

void finish(void)
{
    struct smccc_regs r = { .x = { PSCI_SYSTEM_OFF } };
    smccc_invoke(&r, 0);
    out("echo: ERROR: SYSTEM_OFF returned %ld\n", (int64_t)r.x[0]);
    for (;;)
        wait_for_interrupt();
}

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

void guest_main(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_el, uint64_t entry_daif,
                uint64_t entry_sctlr)
{
    (void)dtb;
    (void)entry_el;
    (void)entry_daif;
    (void)entry_sctlr;
    console_init(UART_GPA);
    if (bad_relocs != 0)
        out("echo: ERROR: %lu relocations of an unknown type\n", bad_relocs);
    echo_line();
    finish();
}
