/* SPDX-License-Identifier: MIT */
/*
 * What every one-hart test guest (all but sbi-test and bench) needs beside its own code: the
 * report start.S's secondary-hart entry writes, and shutting its VM down.
 */
#include "guest.h"

volatile struct secondary_report g_secondary;

uint32_t single_hart_start(const char *who, uint64_t bad_relocs)
{
    bool dbcn = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, SBI_EXT_DBCN, 0, 0, 0, 0).value != 0;
    console_init(dbcn, true);
    if (bad_relocs == 0)
        return 0;
    out("%s: ERROR: %lu relocations of an unknown type\n", who, bad_relocs);
    return 1;
}

void vm_shutdown(void)
{
    out_flush();
    sbi_call(SBI_EXT_SRST, 0, 0, 0, 0, 0, 0); /* SRST shutdown: this VM only */
    for (;;)
        wait_for_interrupt();
}
