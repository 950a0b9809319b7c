/* SPDX-License-Identifier: MIT */
/* Physical Arm PL011 UART, polled for output (keel's console on QEMU virt and the Pi 4). */
#ifndef KEEL_PL011_H
#define KEEL_PL011_H

#include <keel/console.h>

/* Bind the driver to the PL011 at `base` (HPA); the firmware has set the baud rate. Returns the
   console backend. */
const struct console_backend *pl011_init(hpa_t base);

/* Enable the receive interrupt (UARTIMSC.RXIM | RTIM) so input reaches keel as an interrupt. */
void pl011_enable_rx_irq(void);

#endif
