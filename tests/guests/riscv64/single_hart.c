/* SPDX-License-Identifier: MIT */
/*
 * What every one-hart test guest (all but sbi-test and bench) needs beside its own code: the
 * report start.S's secondary-hart entry writes, and shutting its VM down.
 */
#include "guest.h"

volatile struct secondary_report g_secondary;

void vm_shutdown(void)
{
    out_flush();
    sbi_call(SBI_EXT_SRST, 0, 0, 0, 0, 0, 0); /* SRST shutdown: this VM only */
    for (;;)
        wait_for_interrupt();
}
