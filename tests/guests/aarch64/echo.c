/* SPDX-License-Identifier: MIT */
/*
 * echo (AArch64): runs echo_line() (tests/guests/echo_line.c) over the VM's virtual PL011 at
 * the platform's address, then shuts its VM down with PSCI SYSTEM_OFF.
 */
#include "guest.h"


void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far)
{
    out("echo: ERROR: unexpected %s esr=0x%lx elr=0x%lx far=0x%lx\n", what, esr, elr, far);
}

void finish(void)
{
    vm_system_off("echo", false);
}

void guest_main(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_el, uint64_t entry_daif,
                uint64_t entry_sctlr)
{
    (void)dtb;
    (void)entry_el;
    (void)entry_daif;
    (void)entry_sctlr;
    (void)single_cpu_start("echo", bad_relocs);
    echo_line();
    finish();
}
