/* SPDX-License-Identifier: MIT */
/* The physical console: keel's messages and the guests' UART output, serialised across harts. */
#include <keel/console.h>
#include <keel/spinlock.h>

static const struct console_backend *backend;
static struct spinlock console_lock = SPINLOCK_INIT;
static uint32_t vm_count = 1;
static int32_t last_vm = -1; /* VM whose line is open, -1 when at a line start */

void console_set_backend(const struct console_backend *b)
{
    backend = b;
}

void console_set_vm_count(uint32_t count)
{
    vm_count = count;
}

static void put_raw(uint8_t byte)
{
    if (backend)
        backend->putc(byte);
}

/* keel's own text: '\n' becomes CR LF (guests send their own CRs) */
static void put_str(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            put_raw('\r');
        put_raw((uint8_t)*s);
    }
}

void kvprintf(const char *fmt, va_list ap)
{
    char line[256];
    int n = kvsnprintf(line, sizeof(line), fmt, ap);
    spin_lock(&console_lock);
    if (last_vm >= 0) {
        /* a guest left its line open: keel's message starts on a fresh line */
        put_str("\n");
        last_vm = -1;
    }
    put_str(line);
    if (n >= (int)sizeof(line))
        put_str("...[truncated]\n");
    spin_unlock(&console_lock);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

/* With several VMs, each VM's output is gathered into whole lines (up to GUEST_LINE_MAX
   bytes) and printed with its tag in one piece, so two VMs printing at once never cut each
   other's lines. A lone VM's bytes go straight out (an interactive shell's prompt has no
   newline). */
#define GUEST_LINE_MAX 160

struct guest_line {
    uint8_t buf[GUEST_LINE_MAX];
    uint32_t len;
};

static struct guest_line guest_lines[8];

/* Print VM vm_id's gathered bytes as one tagged line; console_lock held. */
static void flush_guest_line(uint32_t vm_id)
{
    struct guest_line *l = &guest_lines[vm_id];
    if (!l->len)
        return;
    char tag[16];
    ksnprintf(tag, sizeof(tag), "[vm%u] ", vm_id);
    put_str(tag);
    for (uint32_t i = 0; i < l->len; i++)
        put_raw(l->buf[i]);
    if (l->buf[l->len - 1] != '\n')
        put_str("\n"); /* a line cut at GUEST_LINE_MAX (or flushed for input) ends here */
    l->len = 0;
}

void console_guest_putc(uint32_t vm_id, uint8_t byte)
{
    spin_lock(&console_lock);
    if (vm_count > 1 && vm_id < KEEL_ARRAY_SIZE(guest_lines)) {
        struct guest_line *l = &guest_lines[vm_id];
        if (byte != '\r')
            l->buf[l->len++] = byte;
        if (byte == '\n' || l->len == GUEST_LINE_MAX)
            flush_guest_line(vm_id);
    } else {
        last_vm = byte == '\n' ? -1 : (int32_t)vm_id;
        put_raw(byte);
    }
    spin_unlock(&console_lock);
}

void console_guest_flush(uint32_t vm_id)
{
    spin_lock(&console_lock);
    if (vm_id < KEEL_ARRAY_SIZE(guest_lines))
        flush_guest_line(vm_id);
    spin_unlock(&console_lock);
}

int console_getc(void)
{
    return backend && backend->getc ? backend->getc() : -1;
}
