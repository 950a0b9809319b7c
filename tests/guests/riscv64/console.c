/* SPDX-License-Identifier: MIT */
/*
 * sbi-test guest: console output through the SBI. Lines are collected in a buffer and
 * written with DBCN console_write when the implementation offers DBCN, else character by
 * character with the legacy console_putchar. A formatter for the printf subset the guest
 * uses: flags '0' and '-', a width, length modifiers l, ll, z and conversions d i u x s c p %.
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

static void out_char(char c)
{
    g_line[g_line_len++] = c;
    if (c == '\n' || g_line_len == sizeof g_line)
        out_flush();
}

/* Formatting target: a bounded buffer or (buf == NULL) the console. */
struct sink {
    char *buf;
    size_t size;
    size_t len;
};

static void sink_put(struct sink *s, char c)
{
    if (s->buf == NULL) {
        out_char(c);
    } else if (s->len + 1 < s->size) {
        s->buf[s->len] = c;
    }
    s->len++;
}

static void sink_number(struct sink *s, uint64_t value, uint32_t base, bool negative,
                        uint32_t width, char pad, bool left)
{
    char digits[24];
    uint32_t n = 0;
    static const char k_digits[] = "0123456789abcdef";
    do {
        digits[n++] = k_digits[value % base];
        value /= base;
    } while (value != 0);
    uint32_t len = n + (negative ? 1u : 0u);
    uint32_t fill = width > len ? width - len : 0;
    if (!left && pad == ' ') {
        for (uint32_t i = 0; i < fill; i++)
            sink_put(s, ' ');
    }
    if (negative)
        sink_put(s, '-');
    if (!left && pad == '0') {
        for (uint32_t i = 0; i < fill; i++)
            sink_put(s, '0');
    }
    while (n > 0)
        sink_put(s, digits[--n]);
    if (left) {
        for (uint32_t i = 0; i < fill; i++)
            sink_put(s, ' ');
    }
}

static void sink_vformat(struct sink *s, const char *fmt, va_list ap)
{
    for (; *fmt != '\0'; fmt++) {
        if (*fmt != '%') {
            sink_put(s, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        while (*fmt == '-' || *fmt == '0') {
            if (*fmt == '-')
                left = true;
            else
                pad = '0';
            fmt++;
        }
        uint32_t width = 0;
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (uint32_t)(*fmt - '0');
            fmt++;
        }
        uint32_t longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 'c':
            sink_put(s, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            size_t n = str_len(str);
            size_t fill = width > n ? width - n : 0;
            if (!left) {
                for (size_t i = 0; i < fill; i++)
                    sink_put(s, ' ');
            }
            for (size_t i = 0; i < n; i++)
                sink_put(s, str[i]);
            if (left) {
                for (size_t i = 0; i < fill; i++)
                    sink_put(s, ' ');
            }
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longs > 0 ? va_arg(ap, int64_t) : (int64_t)va_arg(ap, int);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            sink_number(s, mag, 10, v < 0, width, pad, left);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longs > 0 ? va_arg(ap, uint64_t) : (uint64_t)va_arg(ap, unsigned int);
            sink_number(s, v, *fmt == 'x' ? 16u : 10u, false, width, pad, left);
            break;
        }
        case 'p':
            sink_put(s, '0');
            sink_put(s, 'x');
            sink_number(s, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, width, pad, left);
            break;
        case '%':
            sink_put(s, '%');
            break;
        case '\0':
            return;
        default:
            sink_put(s, '%');
            sink_put(s, *fmt);
            break;
        }
    }
}

size_t fmt_vbuf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { buf, size, 0 };
    sink_vformat(&s, fmt, ap);
    if (size > 0)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return s.len;
}

size_t fmt_buf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = fmt_vbuf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void out(const char *fmt, ...)
{
    struct sink s = { NULL, 0, 0 };
    va_list ap;
    va_start(ap, fmt);
    sink_vformat(&s, fmt, ap);
    va_end(ap);
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
