/* SPDX-License-Identifier: MIT */
/*
 * echo: the console-focus guest of both ISAs (tests/qemu/scenarios/focus-<isa>.dts). It says it
 * is ready, reads one line from its virtual UART (polled, through keel's UART model and the
 * VM's console-input queue), prints what it got with control bytes shown as ^X, and shuts its
 * VM down. Two VMs run it; the test types a line for each, switching keel's input focus with
 * Ctrl-A three times in between, and checks that each line reached the VM that had the focus.
 */
#include "guest.h"

#define ECHO_LINE_MAX 64u

void echo_line(void)
{
    char shown[4 * ECHO_LINE_MAX + 1];
    size_t len = 0;
    uint32_t bytes = 0;
    out("echo: ready, type a line\n");
    for (;;) {
        int c = console_getc();
        if (c < 0)
            continue; /* polled: the UART's receive FIFO is empty */
        if (c == '\r' || c == '\n')
            break;
        if (bytes++ == ECHO_LINE_MAX) {
            out("echo: ERROR: line longer than %u bytes\n", ECHO_LINE_MAX);
            break;
        }
        if (c < 0x20 || c == 0x7f) {
            shown[len++] = '^';
            shown[len++] = (char)(c == 0x7f ? '?' : c + 0x40);
        } else {
            shown[len++] = (char)c;
        }
    }
    shown[len] = '\0';
    out("echo: got \"%s\" (%u bytes)\n", shown, bytes);
}
