/* SPDX-License-Identifier: MIT */
/*
 * psci-test guest: a minimal flattened-device-tree reader (Devicetree Specification v0.4,
 * chapter 5). It collects what the checks adapt to: the root compatible (keel or QEMU), the
 * PSCI node and its conduit, the cpu nodes' MPIDR values, the memory ranges, the console
 * (/chosen stdout-path, resolved through /aliases, to a PL011), the GIC and the architected
 * timer's virtual-timer interrupt. Addresses are taken as the parent's #address-cells say,
 * without translating through `ranges` (QEMU virt and keel put every device under the root).
 */
#include "guest.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u
#define FDT_MAX_SIZE (UINT32_C(64) << 20)
#define FDT_MAX_DEPTH 16
#define MAX_ALIASES 16
#define MAX_UARTS 4
#define PATH_MAX_LEN 96
#define DEFAULT_VTIMER_INTID 27u
#define GIC_PPI_BASE 16u
#define GIC_SPI_BASE 32u

/* One node on the walk's stack: what its properties said, judged at its FDT_END_NODE. */
struct node {
    const char *name;
    uint32_t child_ac;          /* #address-cells / #size-cells for its children */
    uint32_t child_sc;
    const uint8_t *reg;
    uint32_t reg_len;
    const char *compat;
    uint32_t compat_len;
    const char *device_type;
    uint32_t device_type_len;
    const char *status;
    uint32_t status_len;
    const char *method;
    uint32_t method_len;
    const char *enable_method;
    uint32_t enable_method_len;
    const uint8_t *interrupts;
    uint32_t interrupts_len;
};

struct alias {
    const char *name;
    const char *value;
    uint32_t value_len;
};

struct uart {
    char path[PATH_MAX_LEN];
    uint64_t base;
};

/* Walk state that outlives single nodes. */
struct walk {
    const char *stdout_path;
    uint32_t stdout_len;
    struct alias aliases[MAX_ALIASES];
    uint32_t alias_count;
    struct uart uarts[MAX_UARTS];
    uint32_t uart_count;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < cells; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

static bool str_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static bool str_starts(const char *s, const char *prefix)
{
    while (*prefix != '\0') {
        if (*s != *prefix)
            return false;
        s++;
        prefix++;
    }
    return true;
}

/* Does the string-list property (len bytes) contain a string equal to s (or, with
   prefix_only, starting with s)? */
static bool list_has(const char *list, uint32_t len, const char *s, bool prefix_only)
{
    uint32_t i = 0;
    while (list != NULL && i < len) {
        const char *item = list + i;
        uint32_t n = 0;
        while (i + n < len && item[n] != '\0')
            n++;
        if (i + n < len) {
            if (prefix_only ? str_starts(item, s) : str_eq(item, s))
                return true;
        }
        i += n + 1;
    }
    return false;
}

/* Is the property a single string equal to s? */
static bool prop_is(const char *v, uint32_t len, const char *s)
{
    size_t n = str_len(s);
    if (v == NULL || len != n + 1 || v[n] != '\0')
        return false;
    return memcmp(v, s, n) == 0;
}

/* Copy the first string of a property (bounded, always terminated). */
static void copy_first(char *dst, size_t size, const char *v, uint32_t len)
{
    size_t i = 0;
    while (v != NULL && i + 1 < size && i < len && v[i] != '\0') {
        dst[i] = v[i];
        i++;
    }
    dst[i] = '\0';
}

static void build_path(char *buf, size_t size, const struct node *stack, uint32_t depth)
{
    size_t n = 0;
    if (depth <= 1) {
        buf[0] = '/';
        buf[size > 1 ? 1 : 0] = '\0';
        return;
    }
    for (uint32_t d = 1; d < depth; d++) {
        const char *s = stack[d].name;
        if (n + 1 < size)
            buf[n++] = '/';
        while (*s != '\0' && n + 1 < size)
            buf[n++] = *s++;
    }
    buf[n] = '\0';
}

static void commit_cpu(const struct node *nd, const struct node *parent,
                       struct platform_info *info)
{
    uint32_t ac = parent->child_ac;
    if (nd->reg == NULL || ac == 0 || ac > 2 || nd->reg_len < 4 * ac)
        return;
    if (nd->status != NULL && !prop_is(nd->status, nd->status_len, "okay") &&
        !prop_is(nd->status, nd->status_len, "ok"))
        return;
    if (info->cpu_count >= PLAT_MAX_CPUS)
        return;
    info->cpu_reg[info->cpu_count] = read_cells(nd->reg, ac);
    info->cpu_psci[info->cpu_count] = prop_is(nd->enable_method, nd->enable_method_len, "psci");
    info->cpu_count++;
}

static void commit_memory(const struct node *nd, const struct node *parent,
                          struct platform_info *info)
{
    uint32_t ac = parent->child_ac;
    uint32_t sc = parent->child_sc;
    uint32_t entry = 4 * (ac + sc);
    if (nd->reg == NULL || ac > 2 || sc > 2 || entry == 0)
        return;
    for (uint32_t off = 0; off + entry <= nd->reg_len && info->mem_count < PLAT_MAX_MEM;
         off += entry) {
        uint64_t base = read_cells(nd->reg + off, ac);
        uint64_t size = read_cells(nd->reg + off + 4 * ac, sc);
        if (size == 0)
            continue;
        info->mem_base[info->mem_count] = base;
        info->mem_size[info->mem_count] = size;
        info->mem_count++;
    }
}

/* The n-th (address, size) pair of a reg property; false if it is not there. */
static bool reg_entry(const struct node *nd, const struct node *parent, uint32_t n,
                      uint64_t *base, uint64_t *size)
{
    uint32_t ac = parent->child_ac;
    uint32_t sc = parent->child_sc;
    uint32_t entry = 4 * (ac + sc);
    if (nd->reg == NULL || ac == 0 || ac > 2 || sc > 2 || (n + 1) * entry > nd->reg_len)
        return false;
    *base = read_cells(nd->reg + n * entry, ac);
    *size = sc > 0 ? read_cells(nd->reg + n * entry + 4 * ac, sc) : 0;
    return true;
}

static void commit_gic(const struct node *nd, const struct node *parent,
                       struct platform_info *info)
{
    bool v2 = list_has(nd->compat, nd->compat_len, "arm,cortex-a15-gic", false) ||
              list_has(nd->compat, nd->compat_len, "arm,gic-400", false) ||
              list_has(nd->compat, nd->compat_len, "arm,cortex-a7-gic", false);
    bool v3 = list_has(nd->compat, nd->compat_len, "arm,gic-v3", false);
    uint64_t base0 = 0;
    uint64_t size0 = 0;
    uint64_t base1 = 0;
    uint64_t size1 = 0;
    if ((!v2 && !v3) || info->gic_version != 0)
        return;
    if (!reg_entry(nd, parent, 0, &base0, &size0) || !reg_entry(nd, parent, 1, &base1, &size1))
        return;
    info->gic_version = v3 ? 3 : 2;
    info->gicd_base = base0;
    if (v3) {
        info->gicr_base = base1;
        info->gicr_size = size1;
    } else {
        info->gicc_base = base1;
    }
}

/* interrupts = <secure-phys non-secure-phys virtual hyp>, three cells each (GIC binding:
   type 0 SPI / 1 PPI, number, flags): the third tuple is the virtual timer. */
static void commit_timer(const struct node *nd, struct platform_info *info)
{
    if (nd->interrupts == NULL || nd->interrupts_len < 36)
        return;
    uint32_t type = be32(nd->interrupts + 24);
    uint32_t number = be32(nd->interrupts + 28);
    info->timer_found = true;
    info->vtimer_intid = (type == 1 ? GIC_PPI_BASE : GIC_SPI_BASE) + number;
}

static void commit_node(struct node *stack, uint32_t depth, struct walk *w,
                        struct platform_info *info)
{
    struct node *nd = &stack[depth];
    if (depth == 0) {
        copy_first(info->root_compatible, sizeof info->root_compatible, nd->compat,
                   nd->compat_len);
        info->keel = list_has(nd->compat, nd->compat_len, "keel,", true);
        info->qemu_virt = list_has(nd->compat, nd->compat_len, "linux,dummy-virt", false);
        return;
    }
    const struct node *parent = &stack[depth - 1];
    if (list_has(nd->compat, nd->compat_len, "arm,psci", true) && !info->psci_found) {
        info->psci_found = true;
        copy_first(info->psci_compatible, sizeof info->psci_compatible, nd->compat,
                   nd->compat_len);
        if (prop_is(nd->method, nd->method_len, "hvc"))
            info->method = CONDUIT_HVC;
        else if (prop_is(nd->method, nd->method_len, "smc"))
            info->method = CONDUIT_SMC;
        else
            info->method = nd->method != NULL ? CONDUIT_OTHER : CONDUIT_NONE;
    }
    if (depth == 2 && str_eq(stack[1].name, "cpus") &&
        (prop_is(nd->device_type, nd->device_type_len, "cpu") ||
         (nd->device_type == NULL && str_starts(nd->name, "cpu@"))))
        commit_cpu(nd, parent, info);
    if (prop_is(nd->device_type, nd->device_type_len, "memory"))
        commit_memory(nd, parent, info);
    if (list_has(nd->compat, nd->compat_len, "arm,pl011", false) && w->uart_count < MAX_UARTS) {
        uint64_t base = 0;
        uint64_t size = 0;
        if (reg_entry(nd, parent, 0, &base, &size)) {
            struct uart *u = &w->uarts[w->uart_count++];
            build_path(u->path, sizeof u->path, stack, depth + 1);
            u->base = base;
        }
    }
    commit_gic(nd, parent, info);
    if (list_has(nd->compat, nd->compat_len, "arm,armv8-timer", false) ||
        list_has(nd->compat, nd->compat_len, "arm,armv7-timer", false))
        commit_timer(nd, info);
}

/* Compare a path (len bytes, no NUL needed) with a NUL-terminated one. */
static bool path_eq(const char *a, uint32_t len, const char *b)
{
    uint32_t i = 0;
    for (; i < len && b[i] != '\0'; i++) {
        if (a[i] != b[i])
            return false;
    }
    return i == len && b[i] == '\0';
}

/* /chosen stdout-path = "<path or alias>[:<options>]" -> the PL011 it names. */
static void resolve_console(const struct walk *w, struct platform_info *info)
{
    if (w->uart_count > 0)
        info->uart_base = w->uarts[0].base;
    if (w->stdout_path == NULL)
        return;
    const char *p = w->stdout_path;
    uint32_t len = 0;
    while (len < w->stdout_len && p[len] != '\0' && p[len] != ':')
        len++;
    if (len > 0 && p[0] != '/') {
        const char *alias = p;
        uint32_t alias_len = len;
        p = NULL;
        for (uint32_t i = 0; i < w->alias_count; i++) {
            if (path_eq(alias, alias_len, w->aliases[i].name)) {
                p = w->aliases[i].value;
                len = 0;
                while (len < w->aliases[i].value_len && p[len] != '\0')
                    len++;
                break;
            }
        }
        if (p == NULL)
            return;
    }
    for (uint32_t i = 0; i < w->uart_count; i++) {
        if (path_eq(p, len, w->uarts[i].path)) {
            info->uart_base = w->uarts[i].base;
            info->stdout_found = true;
            return;
        }
    }
}

static void node_prop(struct node *nd, const char *pname, const uint8_t *val, uint32_t len)
{
    const char *sval = (const char *)val;
    if (str_eq(pname, "#address-cells") && len == 4)
        nd->child_ac = be32(val);
    else if (str_eq(pname, "#size-cells") && len == 4)
        nd->child_sc = be32(val);
    else if (str_eq(pname, "reg")) {
        nd->reg = val;
        nd->reg_len = len;
    } else if (str_eq(pname, "compatible")) {
        nd->compat = sval;
        nd->compat_len = len;
    } else if (str_eq(pname, "device_type")) {
        nd->device_type = sval;
        nd->device_type_len = len;
    } else if (str_eq(pname, "status")) {
        nd->status = sval;
        nd->status_len = len;
    } else if (str_eq(pname, "method")) {
        nd->method = sval;
        nd->method_len = len;
    } else if (str_eq(pname, "enable-method")) {
        nd->enable_method = sval;
        nd->enable_method_len = len;
    } else if (str_eq(pname, "interrupts")) {
        nd->interrupts = val;
        nd->interrupts_len = len;
    }
}

bool fdt_parse(uint64_t dtb, struct platform_info *info)
{
    static struct walk w;
    static struct node stack[FDT_MAX_DEPTH];
    memset(info, 0, sizeof *info);
    memset(&w, 0, sizeof w);
    info->vtimer_intid = DEFAULT_VTIMER_INTID;
    if (dtb == 0 || (dtb & 7) != 0)
        return false;

    /* The header read may fault if x0 is garbage: catch that instead of dying. */
    const uint8_t *fdt = (const uint8_t *)(uintptr_t)dtb;
    uint32_t magic = 0;
    exc_arm();
    __asm__ volatile("ldr %w0, [%1]" : "=r"(magic) : "r"(fdt) : "memory");
    struct exc_result e = exc_disarm();
    if (e.caught || be32((const uint8_t *)&magic) != FDT_MAGIC)
        return false;

    uint32_t total = be32(fdt + 4);
    uint32_t off_struct = be32(fdt + 8);
    uint32_t off_strings = be32(fdt + 12);
    uint32_t version = be32(fdt + 20);
    uint32_t size_strings = be32(fdt + 32);
    uint32_t size_struct = be32(fdt + 36);
    if (total < 40 || total > FDT_MAX_SIZE || version < 17 || off_struct > total ||
        size_struct > total - off_struct || off_strings > total ||
        size_strings > total - off_strings)
        return false;

    const uint8_t *p = fdt + off_struct;
    const uint8_t *end = p + size_struct;
    const char *strings = (const char *)fdt + off_strings;
    uint32_t depth = 0;

    while (p + 4 <= end) {
        uint32_t token = be32(p);
        p += 4;
        if (token == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            size_t n = 0;
            while (p + n < end && name[n] != '\0')
                n++;
            p += (n + 1 + 3) & ~(size_t)3;
            if (depth >= FDT_MAX_DEPTH)
                return false;
            memset(&stack[depth], 0, sizeof stack[depth]);
            stack[depth].name = name;
            stack[depth].child_ac = 2; /* Devicetree Specification 2.3.5 defaults */
            stack[depth].child_sc = 1;
            depth++;
        } else if (token == FDT_END_NODE) {
            if (depth == 0)
                return false;
            depth--;
            commit_node(stack, depth, &w, info);
            if (depth == 0)
                break;
        } else if (token == FDT_PROP) {
            if (p + 8 > end || depth == 0)
                return false;
            uint32_t len = be32(p);
            uint32_t nameoff = be32(p + 4);
            const uint8_t *val = p + 8;
            if (len > (uint32_t)(end - val) || nameoff >= size_strings)
                return false;
            p = val + ((len + 3) & ~UINT32_C(3));
            const char *pname = strings + nameoff;
            struct node *nd = &stack[depth - 1];
            node_prop(nd, pname, val, len);
            if (depth == 2 && str_eq(stack[1].name, "chosen") && str_eq(pname, "stdout-path")) {
                w.stdout_path = (const char *)val;
                w.stdout_len = len;
            }
            if (depth == 2 && str_eq(stack[1].name, "aliases") && w.alias_count < MAX_ALIASES) {
                w.aliases[w.alias_count].name = pname;
                w.aliases[w.alias_count].value = (const char *)val;
                w.aliases[w.alias_count].value_len = len;
                w.alias_count++;
            }
        } else if (token == FDT_NOP) {
            continue;
        } else if (token == FDT_END) {
            break;
        } else {
            return false;
        }
    }
    resolve_console(&w, info);
    info->valid = true;
    return true;
}
