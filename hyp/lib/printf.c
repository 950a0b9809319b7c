/* SPDX-License-Identifier: MIT */
/* A small vsnprintf: the subset of C's printf that keel's messages use (see console.h). */
#include <keel/console.h>
#include <string.h>

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_number(struct out *o, uint64_t value, unsigned base, bool upper, bool negative,
                       unsigned width, char pad, bool left)
{
    char digits[24];
    unsigned n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[value % base];
        value /= base;
    } while (value);
    if (negative)
        digits[n++] = '-';
    if (negative && pad == '0') {
        /* '-' goes before zero padding */
        out_char(o, '-');
        n--;
        width = width ? width - 1 : 0;
    }
    unsigned fill = width > n ? width - n : 0;
    if (!left)
        while (fill--)
            out_char(o, pad);
    while (n)
        out_char(o, digits[--n]);
    if (left)
        while (fill--)
            out_char(o, ' ');
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_char(&o, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        unsigned width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs = *fmt == 'z' ? 2 : longs + 1;
            fmt++;
        }
        switch (*fmt) {
        case 'c':
            out_char(&o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = strlen(s);
            unsigned fill = width > n ? width - (unsigned)n : 0;
            if (!left)
                while (fill--)
                    out_char(&o, ' ');
            while (*s)
                out_char(&o, *s++);
            if (left)
                while (fill--)
                    out_char(&o, ' ');
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            out_number(&o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, false, v < 0, width,
                       pad, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
            out_number(&o, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width, pad, left);
            break;
        }
        case 'p':
            out_char(&o, '0');
            out_char(&o, 'x');
            out_number(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, false, width, pad,
                       left);
            break;
        case '%':
            out_char(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            out_char(&o, '%');
            out_char(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
