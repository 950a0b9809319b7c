/* SPDX-License-Identifier: MIT */
/*
 * psci-test guest: console output on a PL011 UART (Arm DDI 0183: UARTDR at 0x000, UARTFR at
 * 0x018 with TXFF = bit 5), polled, 32-bit accesses. The UART is used as the loader left it
 * (QEMU's and keel's need no set-up). The formatter is ../format.c.
 */
#include "guest.h"

#define UARTDR 0x000u
#define UARTFR 0x018u
#define UARTFR_TXFF (1u << 5)
#define UARTFR_RXFE (1u << 4)
#define TX_POLL_LIMIT 1000000u

static uint64_t g_uart;

void console_init(uint64_t pl011_base)
{
    g_uart = pl011_base;
}

void console_out_char(char c)
{
    if (g_uart == 0)
        return;
    /* Bounded wait: a UART that never drains must not hang the run. */
    for (uint32_t i = 0; i < TX_POLL_LIMIT; i++) {
        if ((mmio_read32(g_uart + UARTFR) & UARTFR_TXFF) == 0)
            break;
    }
    mmio_write32(g_uart + UARTDR, (uint8_t)c);
}

int console_getc(void)
{
    if (g_uart == 0 || (mmio_read32(g_uart + UARTFR) & UARTFR_RXFE) != 0)
        return -1;
    return (int)(mmio_read32(g_uart + UARTDR) & 0xffu);
}
