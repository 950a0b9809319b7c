/* SPDX-License-Identifier: MIT */
/*
 * echo (RISC-V): runs echo_line() (tests/guests/echo_line.c) over the VM's virtual ns16550 at
 * the platform's address, then shuts its VM down with SBI SRST.
 */
#include "guest.h"

void report_unexpected(const char *what, uint64_t scause, uint64_t sepc, uint64_t stval)
{
    out("echo: ERROR: unexpected %s scause=0x%lx sepc=0x%lx stval=0x%lx\n", what, scause, sepc,
        stval);
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
    (void)single_hart_start("echo", bad_relocs);
    echo_line();
    finish();
}
