/* SPDX-License-Identifier: MIT */
/*
 * sbi-test guest: a minimal flattened-device-tree reader (Devicetree Specification v0.4,
 * chapter 5). It collects what the checks adapt to: the timebase frequency, the hart IDs
 * of the cpu nodes, the boot hart's ISA (H and Sstc) and the memory ranges.
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

enum node_kind { NODE_OTHER, NODE_ROOT, NODE_CPUS, NODE_CPU, NODE_MEMORY };

/* Properties of the cpu or memory node being walked, committed at its FDT_END_NODE. */
struct node_acc {
    bool have_reg;
    uint64_t reg;               /* cpu: hartid */
    const uint8_t *reg_data;    /* memory: the reg property */
    uint32_t reg_len;
    bool disabled;
    bool is_memory_type;
    bool is_cpu_type;
    const char *isa;
    uint32_t isa_len;
    const char *isa_ext;
    uint32_t isa_ext_len;
    uint64_t timebase;
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

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Does the property value (a string of len bytes, NUL included) equal s? */
static bool prop_is(const char *v, uint32_t len, const char *s)
{
    size_t n = str_len(s);
    if (len < n + 1 || v[n] != '\0')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] != s[i])
            return false;
    }
    return true;
}

/* riscv,isa = "rv64imafdch_zicsr_..._sstc": single letters after rv32/rv64, then
   underscore-separated multi-letter extensions. */
static void parse_isa_string(const char *isa, uint32_t len, bool *has_h, bool *has_sstc)
{
    uint32_t i = 0;
    if (len >= 4 && lower(isa[0]) == 'r' && lower(isa[1]) == 'v')
        i = 4;
    for (; i < len && isa[i] != '\0' && isa[i] != '_'; i++) {
        if (lower(isa[i]) == 'h')
            *has_h = true;
    }
    while (i < len && isa[i] == '_') {
        uint32_t start = ++i;
        while (i < len && isa[i] != '\0' && isa[i] != '_')
            i++;
        const char *want = "sstc";
        uint32_t n = i - start;
        if (n == 4) {
            bool same = true;
            for (uint32_t k = 0; k < 4; k++) {
                if (lower(isa[start + k]) != want[k])
                    same = false;
            }
            if (same)
                *has_sstc = true;
        }
    }
}

/* riscv,isa-extensions = "i", "m", ..., "h", "sstc": a string list. */
static void parse_isa_list(const char *list, uint32_t len, bool *has_h, bool *has_sstc)
{
    uint32_t i = 0;
    while (i < len) {
        const char *s = list + i;
        uint32_t n = 0;
        while (i + n < len && s[n] != '\0')
            n++;
        if (prop_is(s, n + 1, "h"))
            *has_h = true;
        if (prop_is(s, n + 1, "sstc"))
            *has_sstc = true;
        i += n + 1;
    }
}

static void commit_cpu(const struct node_acc *acc, uint64_t boot_hartid, struct platform_info *info)
{
    if (!acc->have_reg || acc->disabled)
        return;
    if (info->hart_count < PLAT_MAX_HARTS)
        info->hartids[info->hart_count++] = acc->reg;
    if (info->timebase_hz == 0 && acc->timebase != 0)
        info->timebase_hz = acc->timebase;
    if (acc->reg != boot_hartid)
        return;
    info->boot_hart_found = true;
    if (acc->isa_ext != NULL) {
        info->isa_known = true;
        parse_isa_list(acc->isa_ext, acc->isa_ext_len, &info->has_h, &info->has_sstc);
    } else if (acc->isa != NULL) {
        info->isa_known = true;
        parse_isa_string(acc->isa, acc->isa_len, &info->has_h, &info->has_sstc);
    }
}

static void commit_memory(const struct node_acc *acc, uint32_t ac, uint32_t sc,
                          struct platform_info *info)
{
    uint32_t entry = 4 * (ac + sc);
    if (!acc->is_memory_type || acc->reg_data == NULL || entry == 0 || acc->disabled)
        return;
    for (uint32_t off = 0; off + entry <= acc->reg_len && info->mem_count < PLAT_MAX_MEM;
         off += entry) {
        uint64_t base = read_cells(acc->reg_data + off, ac);
        uint64_t size = read_cells(acc->reg_data + off + 4 * ac, sc);
        if (size == 0)
            continue;
        info->mem_base[info->mem_count] = base;
        info->mem_size[info->mem_count] = size;
        info->mem_count++;
    }
}

bool fdt_parse(uint64_t dtb, uint64_t boot_hartid, struct platform_info *info)
{
    memset(info, 0, sizeof *info);
    if (dtb == 0 || (dtb & 7) != 0)
        return false;

    /* The header read may fault if a1 is garbage: catch that instead of dying. */
    const uint8_t *fdt = (const uint8_t *)(uintptr_t)dtb;
    uint32_t magic = 0;
    exc_arm();
    __asm__ volatile("lwu %0, 0(%1)" : "=r"(magic) : "r"(fdt) : "memory");
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
    enum node_kind kinds[FDT_MAX_DEPTH];
    uint32_t depth = 0;
    uint32_t root_ac = 2;
    uint32_t root_sc = 1;
    uint32_t cpus_ac = 1;
    struct node_acc acc;
    memset(&acc, 0, sizeof acc);

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
            enum node_kind kind = NODE_OTHER;
            if (depth == 0)
                kind = NODE_ROOT;
            else if (depth == 1 && str_eq(name, "cpus"))
                kind = NODE_CPUS;
            else if (depth == 1 && (str_eq(name, "memory") || str_starts(name, "memory@")))
                kind = NODE_MEMORY;
            else if (depth == 2 && kinds[1] == NODE_CPUS &&
                     (str_eq(name, "cpu") || str_starts(name, "cpu@")))
                kind = NODE_CPU;
            kinds[depth++] = kind;
            if (kind == NODE_CPU || kind == NODE_MEMORY) {
                /* A cpu node counts unless its device_type says otherwise; a memory node
                   only once device_type = "memory" is seen. */
                memset(&acc, 0, sizeof acc);
                acc.is_cpu_type = kind == NODE_CPU;
            }
        } else if (token == FDT_END_NODE) {
            if (depth == 0)
                return false;
            enum node_kind kind = kinds[--depth];
            if (kind == NODE_CPU && acc.is_cpu_type)
                commit_cpu(&acc, boot_hartid, info);
            else if (kind == NODE_MEMORY)
                commit_memory(&acc, root_ac, root_sc, info);
            if (depth == 0)
                break;
        } else if (token == FDT_PROP) {
            if (p + 8 > end)
                return false;
            uint32_t len = be32(p);
            uint32_t nameoff = be32(p + 4);
            const uint8_t *val = p + 8;
            if (len > (uint32_t)(end - val) || nameoff >= size_strings)
                return false;
            p = val + ((len + 3) & ~UINT32_C(3));
            const char *pname = strings + nameoff;
            const char *sval = (const char *)val;
            enum node_kind kind = depth > 0 ? kinds[depth - 1] : NODE_OTHER;
            if (kind == NODE_ROOT) {
                if (str_eq(pname, "#address-cells") && len == 4)
                    root_ac = be32(val);
                else if (str_eq(pname, "#size-cells") && len == 4)
                    root_sc = be32(val);
                if (root_ac > 2 || root_sc > 2)
                    return false;
            } else if (kind == NODE_CPUS) {
                if (str_eq(pname, "#address-cells") && len == 4)
                    cpus_ac = be32(val);
                else if (str_eq(pname, "timebase-frequency") && (len == 4 || len == 8))
                    info->timebase_hz = read_cells(val, len / 4);
                if (cpus_ac > 2)
                    return false;
            } else if (kind == NODE_CPU) {
                if (str_eq(pname, "reg") && len >= 4 * cpus_ac && cpus_ac > 0) {
                    acc.have_reg = true;
                    acc.reg = read_cells(val, cpus_ac);
                } else if (str_eq(pname, "status")) {
                    acc.disabled = !(prop_is(sval, len, "okay") || prop_is(sval, len, "ok"));
                } else if (str_eq(pname, "device_type")) {
                    acc.is_cpu_type = prop_is(sval, len, "cpu");
                } else if (str_eq(pname, "riscv,isa")) {
                    acc.isa = sval;
                    acc.isa_len = len;
                } else if (str_eq(pname, "riscv,isa-extensions")) {
                    acc.isa_ext = sval;
                    acc.isa_ext_len = len;
                } else if (str_eq(pname, "timebase-frequency") && (len == 4 || len == 8)) {
                    acc.timebase = read_cells(val, len / 4);
                }
            } else if (kind == NODE_MEMORY) {
                if (str_eq(pname, "device_type")) {
                    acc.is_memory_type = prop_is(sval, len, "memory");
                } else if (str_eq(pname, "reg")) {
                    acc.reg_data = val;
                    acc.reg_len = len;
                } else if (str_eq(pname, "status")) {
                    acc.disabled = !(prop_is(sval, len, "okay") || prop_is(sval, len, "ok"));
                }
            }
        } else if (token == FDT_NOP) {
            continue;
        } else if (token == FDT_END) {
            break;
        } else {
            return false;
        }
    }
    info->valid = true;
    return true;
}
