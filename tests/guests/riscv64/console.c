/* SPDX-License-Identifier: MIT */
/*
 * sbi-test guest: console output through the SBI. Lines are collected in a buffer and
 * written with DBCN console_write when the implementation offers DBCN, else character by
 * character with the legacy console_putchar. The formatter is ../format.c.
 */
#include "guest.h"

#define LINE_MAX_BYTES 256
#define DBCN_MAX_RETRIES 1000

static char g_line[LINE_MAX_BYTES];
static size_t g_line_len;
static bool g_use_dbcn;
static bool g_use_legacy;
static bool g_dbcn_failed;
static int64_t g_dbcn_error;

void console_init(bool have_dbcn, bool have_legacy_putchar)
{
    g_use_dbcn = have_dbcn;
    g_use_legacy = have_legacy_putchar;
}

bool console_dbcn_failed(int64_t *error)
{
    *error = g_dbcn_error;
    return g_dbcn_failed;
}

static void legacy_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        sbi_legacy_call(SBI_EXT_LEGACY_PUTCHAR, (uint8_t)buf[i]);
}

/* Write buf through DBCN; returns how many bytes went out before an error. */
static size_t dbcn_write(const char *buf, size_t len)
{
    size_t done = 0;
    for (uint32_t tries = 0; done < len && tries < DBCN_MAX_RETRIES; tries++) {
        struct sbiret r = sbi_call(SBI_EXT_DBCN, 0, len - done, (uint64_t)(uintptr_t)(buf + done),
                                   0, 0, 0);
        if (r.error != SBI_SUCCESS || (uint64_t)r.value > len - done) {
            g_dbcn_failed = true;
            g_dbcn_error = r.error != SBI_SUCCESS ? r.error : r.value;
            g_use_dbcn = false;
            break;
        }
        done += (size_t)r.value;
    }
    return done;
}

void out_flush(void)
{
    size_t done = 0;
    if (g_line_len == 0)
        return;
    if (g_use_dbcn)
        done = dbcn_write(g_line, g_line_len);
    if (done < g_line_len && g_use_legacy)
        legacy_write(g_line + done, g_line_len - done);
    g_line_len = 0;
}

void console_out_char(char c)
{
    g_line[g_line_len++] = c;
    if (c == '\n' || g_line_len == sizeof g_line)
        out_flush();
}

/* ns16550 at the platform's address (QEMU virt and keel's RISC-V guest platform), byte
   registers: RBR at 0, LSR at 5 with DR (data ready) = bit 0. */
#define UART_GPA UINT64_C(0x10000000)
#define UART_RBR 0u
#define UART_LSR 5u
#define UART_LSR_DR 0x01u

int console_getc(void)
{
    const volatile uint8_t *uart = (const volatile uint8_t *)(uintptr_t)UART_GPA;
    if ((uart[UART_LSR] & UART_LSR_DR) == 0)
        return -1;
    return uart[UART_RBR];
}
