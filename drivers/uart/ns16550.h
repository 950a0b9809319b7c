/* SPDX-License-Identifier: MIT */
/* Physical ns16550-compatible UART, polled (keel's console on RISC-V boards and QEMU virt). */
#ifndef KEEL_NS16550_H
#define KEEL_NS16550_H

#include <keel/console.h>

/* Bind the driver to the UART at `base` (HPA; keel runs with translation off) with registers
   spaced 1 << reg_shift bytes apart, accessed reg_io_width bytes wide (1 or 4); returns the
   console backend. Does not reprogram the baud rate: firmware has done it. */
const struct console_backend *ns16550_init(hpa_t base, uint32_t reg_shift, uint32_t reg_io_width);

/* Enable the received-data interrupt (IER.ERBFI) so input reaches keel as an interrupt. */
void ns16550_enable_rx_irq(void);

#endif
