/* SPDX-License-Identifier: MIT */
/* Polled ns16550 driver: THR/RBR at register 0, LSR at register 5 (DR bit 0, THRE bit 5). */
#include "ns16550.h"

static volatile uint8_t *uart_base;
static uint32_t uart_shift;
static uint32_t uart_width;

static uint32_t reg_read(uint32_t reg)
{
    volatile uint8_t *p = uart_base + (reg << uart_shift);
    return uart_width == 4 ? *(volatile uint32_t *)(uintptr_t)p : *p;
}

static void reg_write(uint32_t reg, uint32_t value)
{
    volatile uint8_t *p = uart_base + (reg << uart_shift);
    if (uart_width == 4)
        *(volatile uint32_t *)(uintptr_t)p = value;
    else
        *p = (uint8_t)value;
}

static void ns16550_putc(uint8_t byte)
{
    while (!(reg_read(5) & 0x20))
        ;
    reg_write(0, byte);
}

static int ns16550_getc(void)
{
    if (!(reg_read(5) & 0x01))
        return -1;
    return (int)(reg_read(0) & 0xff);
}

static const struct console_backend ns16550_backend = { ns16550_putc, ns16550_getc };

const struct console_backend *ns16550_init(hpa_t base, uint32_t reg_shift, uint32_t reg_io_width)
{
    uart_base = (volatile uint8_t *)(uintptr_t)base;
    uart_shift = reg_shift;
    uart_width = reg_io_width == 4 ? 4 : 1;
    return &ns16550_backend;
}

void ns16550_enable_rx_irq(void)
{
    reg_write(1, 0x01);
}
