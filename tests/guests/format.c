/* SPDX-License-Identifier: MIT */
/*
 * Test guests of both ISAs: the printf subset they use (flags '0' and '-', a width, length
 * modifiers l, ll, z; conversions d i u x s c p %), into a bounded buffer (fmt_buf) or to the
 * console through each ISA's console_out_char() (out).
 */
#include "guest.h"

/* Formatting target: a bounded buffer or (buf == NULL) the console. */
struct sink {
    char *buf;
    size_t size;
    size_t len;
};

static void sink_put(struct sink *s, char c)
{
    if (s->buf == NULL)
        console_out_char(c);
    else if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

static void sink_fill(struct sink *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sink_put(s, ' ');
}

static void sink_number(struct sink *s, uint64_t value, uint32_t base, bool negative,
                        uint32_t width, char pad, bool left)
{
    static const char k_digits[] = "0123456789abcdef";
    char digits[24];
    uint32_t n = 0;
    do {
        digits[n++] = k_digits[value % base];
        value /= base;
    } while (value != 0);
    uint32_t len = n + (negative ? 1u : 0u);
    uint32_t fill = width > len ? width - len : 0;
    if (!left && pad == ' ')
        sink_fill(s, fill);
    if (negative)
        sink_put(s, '-');
    if (!left && pad == '0') {
        for (uint32_t i = 0; i < fill; i++)
            sink_put(s, '0');
    }
    while (n > 0)
        sink_put(s, digits[--n]);
    if (left)
        sink_fill(s, fill);
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
            if (!left)
                sink_fill(s, fill);
            for (size_t i = 0; i < n; i++)
                sink_put(s, str[i]);
            if (left)
                sink_fill(s, fill);
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
