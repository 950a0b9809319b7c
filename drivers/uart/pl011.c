/* SPDX-License-Identifier: MIT */
/* Polled PL011 driver (Arm DDI 0183): UARTDR 0x000, UARTFR 0x018 (TXFF bit 5, RXFE bit 4),
   UARTIMSC 0x038, UARTICR 0x044. */
#include "pl011.h"

static volatile uint32_t *uart;

static void pl011_putc(uint8_t byte)
{
    while (uart[0x18 / 4] & (1u << 5))
        ;
    uart[0] = byte;
}

static int pl011_getc(void)
{
    if (uart[0x18 / 4] & (1u << 4))
        return -1;
    return (int)(uart[0] & 0xffu);
}

static const struct console_backend pl011_backend = { pl011_putc, pl011_getc };

const struct console_backend *pl011_init(hpa_t base)
{
    uart = (volatile uint32_t *)(uintptr_t)base;
    return &pl011_backend;
}

void pl011_enable_rx_irq(void)
{
    uart[0x44 / 4] = 0x7ff;                 /* clear pending interrupts */
    uart[0x38 / 4] = (1u << 4) | (1u << 6); /* RXIM, RTIM */
}
