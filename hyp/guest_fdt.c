/* SPDX-License-Identifier: MIT */
/* Guest DTB finishing with libfdt (keel/guest_fdt.h). Pure: host-tested. */
#include <keel/console.h>
#include <keel/guest_fdt.h>
#include <libfdt.h>
#include <string.h>

static int fdt_fail(char *err, size_t errlen, const char *what, int code)
{
    ksnprintf(err, errlen, "guest DTB: %s (%s)", what, fdt_strerror(code));
    return -1;
}

static int set_reg64(void *fdt, int node, uint64_t a, uint64_t b)
{
    fdt32_t cells[4] = { cpu_to_fdt32((uint32_t)(a >> 32)), cpu_to_fdt32((uint32_t)a),
                         cpu_to_fdt32((uint32_t)(b >> 32)), cpu_to_fdt32((uint32_t)b) };
    return fdt_setprop(fdt, node, "reg", cells, sizeof(cells));
}

static int fix_cpus(void *fdt, const struct guest_fdt_params *p, char *err, size_t errlen)
{
    int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0)
        return fdt_fail(err, errlen, "no /cpus node", cpus);
    int rc;
    if (p->timebase_hz &&
        (rc = fdt_setprop_u32(fdt, cpus, "timebase-frequency", p->timebase_hz)))
        return fdt_fail(err, errlen, "cannot set timebase-frequency", rc);
    /* delete cpu nodes beyond the vCPU count; restart the walk after each deletion */
    bool again = true;
    while (again) {
        again = false;
        int node;
        fdt_for_each_subnode(node, fdt, cpus) {
            const char *type = fdt_getprop(fdt, node, "device_type", NULL);
            if (!type || strcmp(type, "cpu"))
                continue;
            int len;
            const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
            uint32_t id = reg && len >= 4 ? fdt32_to_cpu(reg[len / 4 - 1]) : 0;
            if (id >= p->nr_vcpus) {
                if ((rc = fdt_del_node(fdt, node)))
                    return fdt_fail(err, errlen, "cannot delete a cpu node", rc);
                again = true;
                break;
            }
            if (p->riscv_isa && (rc = fdt_setprop_string(fdt, node, "riscv,isa", p->riscv_isa)))
                return fdt_fail(err, errlen, "cannot set riscv,isa", rc);
        }
    }
    /* interrupt controllers routed to deleted cpus (RISC-V PLIC contexts): drop those entries */
    int plic = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
    int len;
    const fdt32_t *ie = plic >= 0 ? fdt_getprop(fdt, plic, "interrupts-extended", &len) : NULL;
    if (ie && len % 8 == 0 && len <= 8 * 64) {
        fdt32_t kept[2 * 64];
        int n = 0;
        for (int i = 0; i < len / 4; i += 2) {
            if (fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(ie[i])) < 0)
                continue;
            kept[n++] = ie[i];
            kept[n++] = ie[i + 1];
        }
        if ((rc = fdt_setprop(fdt, plic, "interrupts-extended", kept, (int)(n * 4))))
            return fdt_fail(err, errlen, "cannot rewrite the PLIC's interrupts-extended", rc);
    }
    /* a cpu-map referring to deleted cpus would dangle: the guest does not need one */
    int map = fdt_subnode_offset(fdt, cpus, "cpu-map");
    if (map >= 0 && (rc = fdt_del_node(fdt, map)))
        return fdt_fail(err, errlen, "cannot delete /cpus/cpu-map", rc);
    return 0;
}

int guest_fdt_finish(void *buf, uint64_t bufsize, const void *tmpl, const struct guest_fdt_params *p,
                     char *err, size_t errlen)
{
    int rc = fdt_check_header(tmpl);
    if (rc)
        return fdt_fail(err, errlen, "template is not a device tree blob", rc);
    if ((rc = fdt_open_into(tmpl, buf, (int)(bufsize > INT32_MAX ? INT32_MAX : bufsize))))
        return fdt_fail(err, errlen, "does not fit its buffer", rc);

    int mem = fdt_path_offset(buf, "/memory");
    if (mem < 0)
        mem = fdt_node_offset_by_prop_value(buf, -1, "device_type", "memory", 7);
    if (mem < 0)
        return fdt_fail(err, errlen, "no /memory node", mem);
    if (fdt_address_cells(buf, 0) != 2 || fdt_size_cells(buf, 0) != 2) {
        ksnprintf(err, errlen, "guest DTB: root #address-cells/#size-cells must be 2");
        return -1;
    }
    if ((rc = set_reg64(buf, mem, p->ram_gpa, p->ram_size)))
        return fdt_fail(err, errlen, "cannot set /memory reg", rc);

    int chosen = fdt_path_offset(buf, "/chosen");
    if (chosen < 0)
        chosen = fdt_add_subnode(buf, 0, "chosen");
    if (chosen < 0)
        return fdt_fail(err, errlen, "cannot add /chosen", chosen);
    if (p->bootargs && (rc = fdt_setprop_string(buf, chosen, "bootargs", p->bootargs)))
        return fdt_fail(err, errlen, "cannot set bootargs", rc);
    if (p->rng_seed_len && (rc = fdt_setprop(buf, chosen, "rng-seed", p->rng_seed, (int)p->rng_seed_len)))
        return fdt_fail(err, errlen, "cannot set rng-seed", rc);
    if (p->initrd_end > p->initrd_start) {
        if ((rc = fdt_setprop_u64(buf, chosen, "linux,initrd-start", p->initrd_start)) ||
            (rc = fdt_setprop_u64(buf, chosen, "linux,initrd-end", p->initrd_end)))
            return fdt_fail(err, errlen, "cannot set the initrd range", rc);
    }
    if (fix_cpus(buf, p, err, errlen))
        return -1;
    if ((rc = fdt_pack(buf)))
        return fdt_fail(err, errlen, "cannot pack", rc);
    return 0;
}

void guest_riscv_isa(const char *host_isa, bool sstc, bool svpbmt, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p = host_isa;
    /* single-letter part: everything up to the first '_' except 'h' */
    for (; *p && *p != '_'; p++) {
        if (p >= host_isa + 4 && *p == 'h')
            continue;
        if (o + 1 < outlen)
            out[o++] = *p;
    }
    /* multi-letter extensions */
    while (*p == '_') {
        const char *start = ++p;
        while (*p && *p != '_')
            p++;
        size_t n = (size_t)(p - start);
        bool drop = (n == 4 && !strncmp(start, "sstc", 4) && !sstc) ||
                    (n == 5 && (!strncmp(start, "ssaia", 5) || !strncmp(start, "smaia", 5))) ||
                    (n == 6 && !strncmp(start, "svpbmt", 6) && !svpbmt) ||
                    (n >= 1 && start[0] == 'h');
        if (drop || n == 0)
            continue;
        if (o + n + 1 < outlen) {
            out[o++] = '_';
            memcpy(out + o, start, n);
            o += n;
        }
    }
    if (outlen)
        out[o < outlen ? o : outlen - 1] = '\0';
}
