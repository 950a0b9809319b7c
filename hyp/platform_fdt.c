/* SPDX-License-Identifier: MIT */
/* Host hardware discovery from the flattened device tree, through libfdt (boot time only). */
#include <keel/console.h>
#include <keel/platform.h>
#include <libfdt.h>
#include <string.h>

struct platform platform;

static int fail(char *err, size_t errlen, const char *what)
{
    ksnprintf(err, errlen, "%s", what);
    return -1;
}

static uint64_t read_cells(const fdt32_t *cells, int count)
{
    uint64_t v = 0;
    for (int i = 0; i < count; i++)
        v = (v << 32) | fdt32_to_cpu(cells[i]);
    return v;
}

/* reg entry `index` of node, in the parent's #address-cells/#size-cells; false if absent. */
static bool node_reg(const void *fdt, int node, int index, uint64_t *addr, uint64_t *size)
{
    int parent = fdt_parent_offset(fdt, node);
    if (parent < 0)
        return false;
    int ac = fdt_address_cells(fdt, parent);
    int sc = fdt_size_cells(fdt, parent);
    if (ac < 1 || ac > 2 || sc < 0 || sc > 2)
        return false;
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
    int stride = (ac + sc) * 4;
    if (!reg || len < stride * (index + 1))
        return false;
    reg += (ac + sc) * index;
    *addr = read_cells(reg, ac);
    *size = sc ? read_cells(reg + ac, sc) : 0;
    return true;
}

static uint32_t prop_u32(const void *fdt, int node, const char *name, uint32_t dflt)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, node, name, &len);
    return p && len >= 4 ? fdt32_to_cpu(*p) : dflt;
}

static uint64_t prop_u64_any(const void *fdt, int node, const char *name, bool *found)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, node, name, &len);
    *found = p && (len == 4 || len == 8);
    if (!*found)
        return 0;
    return len == 8 ? read_cells(p, 2) : fdt32_to_cpu(*p);
}

static bool node_enabled(const void *fdt, int node)
{
    const char *status = fdt_getprop(fdt, node, "status", NULL);
    return !status || !strcmp(status, "okay") || !strcmp(status, "ok");
}

/* Does the riscv,isa string name extension `ext`? Single letters are looked up in the
   "rv64xyz" part, multi-letter ones as "_ext" words. */
static bool isa_has(const char *isa, const char *ext)
{
    if (strncmp(isa, "rv64", 4) && strncmp(isa, "rv32", 4))
        return false;
    if (ext[1] == '\0') {
        for (const char *p = isa + 4; *p && *p != '_'; p++)
            if (*p == ext[0])
                return true;
        return false;
    }
    size_t n = strlen(ext);
    for (const char *p = strchr(isa, '_'); p; p = strchr(p + 1, '_'))
        if (!strncmp(p + 1, ext, n) && (p[1 + n] == '_' || p[1 + n] == '\0'))
            return true;
    return false;
}

static void parse_memory(const void *fdt, struct platform *out)
{
    int node = -1;
    while ((node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory", 7)) >= 0) {
        if (!node_enabled(fdt, node))
            continue;
        uint64_t base, size;
        for (int i = 0; node_reg(fdt, node, i, &base, &size); i++)
            if (size && out->nr_ram < PLATFORM_MAX_RAM)
                out->ram[out->nr_ram++] = (struct mem_range){ base, size };
    }
    int n = fdt_num_mem_rsv(fdt);
    for (int i = 0; i < n && out->nr_reserved < PLATFORM_MAX_RESERVED; i++) {
        uint64_t base, size;
        if (fdt_get_mem_rsv(fdt, i, &base, &size) == 0 && size)
            out->reserved[out->nr_reserved++] = (struct mem_range){ base, size };
    }
    int rsv = fdt_path_offset(fdt, "/reserved-memory");
    if (rsv >= 0) {
        int child;
        fdt_for_each_subnode(child, fdt, rsv) {
            uint64_t base, size;
            for (int i = 0; node_reg(fdt, child, i, &base, &size); i++)
                if (size && out->nr_reserved < PLATFORM_MAX_RESERVED)
                    out->reserved[out->nr_reserved++] = (struct mem_range){ base, size };
        }
    }
}

static int parse_console(const void *fdt, struct platform *out, char *err, size_t errlen)
{
    int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0)
        return fail(err, errlen, "no /chosen node in the device tree");
    const char *path = fdt_getprop(fdt, chosen, "stdout-path", NULL);
    if (!path)
        path = fdt_getprop(fdt, chosen, "linux,stdout-path", NULL);
    if (!path)
        return fail(err, errlen, "/chosen has no stdout-path: keel does not know its console");
    const char *colon = strchr(path, ':');
    int namelen = colon ? (int)(colon - path) : (int)strlen(path);
    int node = fdt_path_offset_namelen(fdt, path, namelen);
    if (node < 0)
        return fail(err, errlen, "/chosen stdout-path names a node that does not exist");
    const char *compat = fdt_getprop(fdt, node, "compatible", NULL);
    uint64_t base, size;
    if (!compat || !node_reg(fdt, node, 0, &base, &size))
        return fail(err, errlen, "the stdout-path node has no compatible or reg property");
    ksnprintf(out->uart_compat, sizeof(out->uart_compat), "%s", compat);
    out->uart_base = base;
    out->uart_reg_shift = prop_u32(fdt, node, "reg-shift", 0);
    out->uart_reg_io_width = prop_u32(fdt, node, "reg-io-width", 1);
    int len;
    const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);
    if (irq && len >= 4)
        out->uart_irq = fdt32_to_cpu(irq[len >= 12 ? 1 : 0]) + (len >= 12 ? 32 : 0);

    const uint8_t *seed = fdt_getprop(fdt, chosen, "rng-seed", &len);
    if (seed && len > 0) {
        out->rng_seed_len = len > (int)sizeof(out->rng_seed) ? (uint32_t)sizeof(out->rng_seed) : (uint32_t)len;
        memcpy(out->rng_seed, seed, out->rng_seed_len);
    }

    bool found_start, found_end;
    out->initrd_start = prop_u64_any(fdt, chosen, "linux,initrd-start", &found_start);
    out->initrd_end = prop_u64_any(fdt, chosen, "linux,initrd-end", &found_end);
    if (!found_start || !found_end || out->initrd_end < out->initrd_start)
        out->initrd_start = out->initrd_end = 0;
    return 0;
}

static bool hart_has_mmu(const void *fdt, int node)
{
    const char *mmu = fdt_getprop(fdt, node, "mmu-type", NULL);
    return mmu && strcmp(mmu, "riscv,none");
}

static int parse_cpus(const void *fdt, struct platform *out, char *err, size_t errlen)
{
    int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0)
        return fail(err, errlen, "no /cpus node in the device tree");
    out->timebase_hz = prop_u32(fdt, cpus, "timebase-frequency", 0);
    int ac = fdt_address_cells(fdt, cpus);
    int node;
    fdt_for_each_subnode(node, fdt, cpus) {
        const char *type = fdt_getprop(fdt, node, "device_type", NULL);
        if (!type || strcmp(type, "cpu") || !node_enabled(fdt, node))
            continue;
        int len;
        const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
        if (!reg || len < 4 * ac || ac < 1 || ac > 2)
            continue;
        if (!out->timebase_hz)
            out->timebase_hz = prop_u32(fdt, node, "timebase-frequency", 0);
        const char *isa = fdt_getprop(fdt, node, "riscv,isa", NULL);
        if (isa && !hart_has_mmu(fdt, node))
            continue; /* RISC-V harts without an MMU (e.g. a monitor core) cannot run keel */
        if (out->nr_harts >= PLATFORM_MAX_HARTS)
            break;
        if (isa && out->nr_harts == 0)
            ksnprintf(out->isa, sizeof(out->isa), "%s", isa);
        out->hart_ids[out->nr_harts++] = read_cells(reg, ac);
    }
    if (!out->nr_harts)
        return fail(err, errlen, "no usable cpu node under /cpus");
    out->has_h = isa_has(out->isa, "h");
    out->has_sstc = isa_has(out->isa, "sstc");
    out->has_svpbmt = isa_has(out->isa, "svpbmt");
    return 0;
}

/* The hartid of the cpu node that is the parent of interrupt-controller `phandle`. */
static bool intc_hart_index(const void *fdt, const struct platform *out, uint32_t phandle,
                            uint32_t *index)
{
    int intc = fdt_node_offset_by_phandle(fdt, phandle);
    if (intc < 0)
        return false;
    int cpu = fdt_parent_offset(fdt, intc);
    uint64_t hartid, unused;
    if (cpu < 0 || !node_reg(fdt, cpu, 0, &hartid, &unused))
        return false;
    for (uint32_t i = 0; i < out->nr_harts; i++) {
        if (out->hart_ids[i] == hartid) {
            *index = i;
            return true;
        }
    }
    return false;
}

static void parse_plic(const void *fdt, struct platform *out)
{
    for (uint32_t i = 0; i < PLATFORM_MAX_HARTS; i++)
        out->plic_s_context[i] = ~0u;
    int node = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
    if (node < 0)
        node = fdt_node_offset_by_compatible(fdt, -1, "sifive,plic-1.0.0");
    if (node < 0 || !node_reg(fdt, node, 0, &out->plic_base, &out->plic_size))
        return;
    out->plic_ndev = prop_u32(fdt, node, "riscv,ndev", 0);
    int len;
    const fdt32_t *ie = fdt_getprop(fdt, node, "interrupts-extended", &len);
    for (int ctx = 0; ie && (ctx + 1) * 8 <= len; ctx++) {
        uint32_t phandle = fdt32_to_cpu(ie[2 * ctx]);
        uint32_t irq = fdt32_to_cpu(ie[2 * ctx + 1]);
        uint32_t hart;
        if (irq == 9 && intc_hart_index(fdt, out, phandle, &hart))
            out->plic_s_context[hart] = (uint32_t)ctx;
    }
}

static void parse_misc(const void *fdt, struct platform *out)
{
    const char *model = fdt_getprop(fdt, 0, "model", NULL);
    ksnprintf(out->model, sizeof(out->model), "%s", model ? model : "(no model)");
    uint64_t size;
    int node = fdt_node_offset_by_compatible(fdt, -1, "sifive,test0");
    if (node >= 0)
        node_reg(fdt, node, 0, &out->test_dev, &size);
    node = fdt_node_offset_by_compatible(fdt, -1, "arm,cortex-a15-gic");
    if (node < 0)
        node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-400");
    if (node >= 0) {
        node_reg(fdt, node, 0, &out->gicd_base, &size);
        node_reg(fdt, node, 1, &out->gicc_base, &size);
        node_reg(fdt, node, 2, &out->gich_base, &size);
        node_reg(fdt, node, 3, &out->gicv_base, &size);
        int len;
        const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);
        if (irq && len >= 12)
            out->gic_maint_irq = fdt32_to_cpu(irq[1]) + (fdt32_to_cpu(irq[0]) ? 16 : 32);
    }
    node = fdt_path_offset(fdt, "/psci");
    if (node >= 0) {
        const char *method = fdt_getprop(fdt, node, "method", NULL);
        out->psci_smc = method && !strcmp(method, "smc");
        out->has_psci = method && (out->psci_smc || !strcmp(method, "hvc"));
    }
}

int platform_parse_fdt(const void *fdt, struct platform *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (fdt_check_header(fdt) != 0)
        return fail(err, errlen, "the device tree blob has a bad header (not an FDT?)");
    parse_memory(fdt, out);
    if (!out->nr_ram)
        return fail(err, errlen, "no enabled /memory node with a non-empty reg");
    if (parse_console(fdt, out, err, errlen) || parse_cpus(fdt, out, err, errlen))
        return -1;
    parse_plic(fdt, out);
    parse_misc(fdt, out);
    return 0;
}

/* Does [hpa, hpa+size) overlap [base, base+len)? (len 0: the device is absent) */
static bool overlaps(hpa_t hpa, uint64_t size, hpa_t base, uint64_t len)
{
    return base && len && keel_ranges_overlap(hpa, size, base, len);
}

int platform_check_passthrough(const struct platform *p, hpa_t hpa, uint64_t size, char *why,
                               size_t whylen)
{
    const uint64_t gic_window = 0x10000;
    const struct {
        hpa_t base;
        uint64_t len;
        const char *what;
    } own[] = {
        { p->uart_base, 0x1000, "keel's console UART" },
        { p->plic_base, p->plic_size, "the PLIC" },
        { p->gicd_base, gic_window, "the GIC distributor" },
        { p->gicc_base, gic_window, "the GIC CPU interface" },
        { p->gich_base, gic_window, "the GIC hypervisor interface" },
        { p->gicv_base, gic_window, "the GIC virtual CPU interface" },
        { p->test_dev, 0x1000, "the test finisher (it stops the machine)" },
    };
    if (!size || hpa + size < hpa)
        return fail(why, whylen, "an empty or wrapping window");
    for (uint32_t i = 0; i < p->nr_ram; i++)
        if (overlaps(hpa, size, p->ram[i].base, p->ram[i].size))
            return fail(why, whylen, "host RAM");
    for (uint32_t i = 0; i < p->nr_reserved; i++)
        if (overlaps(hpa, size, p->reserved[i].base, p->reserved[i].size))
            return fail(why, whylen, "reserved host memory");
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(own); i++)
        if (overlaps(hpa, size, own[i].base, own[i].len))
            return fail(why, whylen, own[i].what);
    return 0;
}
