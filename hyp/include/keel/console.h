/* SPDX-License-Identifier: MIT */
/*
 * keel's console: formatted output to the physical UART, and the byte sink of guests' virtual
 * UARTs. keel's own lines start with "keel: "; with several VMs, guest lines carry "[vmN] ".
 */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <keel/types.h>
#include <stdarg.h>

/* Byte-level backend, set by the boot code from the host DTB's stdout-path. */
struct console_backend {
    void (*putc)(uint8_t byte);
    int (*getc)(void); /* -1 when no input is waiting */
};

/* Install the physical console backend; output before this call is dropped. */
void console_set_backend(const struct console_backend *backend);

/* printf-style output to the physical console (subset: %c %s %d %i %u %x %X %p %%, flags 0 and -,
   width, length modifiers l ll z). Serialised across harts. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

/* Format into buf (size bytes incl. NUL); returns the untruncated length, like C's vsnprintf. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* One byte of guest console output from VM `vm_id`; with more than one VM running, each line is
   printed whole, prefixed with the VM's tag "[vmN] ". */
void console_guest_putc(uint32_t vm_id, uint8_t byte);

/* Print VM vm_id's partial output line now (with several VMs, guest output is gathered into
   whole lines; console input for that VM flushes its prompt this way). */
void console_guest_flush(uint32_t vm_id);

/* Tell the console how many VMs exist (1 = no prefixes). */
void console_set_vm_count(uint32_t count);

/* Poll the physical console for one input byte; -1 when none. */
int console_getc(void);

#endif
