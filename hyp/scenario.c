/* SPDX-License-Identifier: MIT */
/* Scenario parsing and validation (keel/scenario.h), with libfdt. Pure: host-tested. */
#include <keel/console.h>
#include <keel/scenario.h>
#include <libfdt.h>
#include <string.h>

static const char *const known_props[] = {
    "compatible", "memory", "vcpus", "cpus", "kernel", "initrd", "dtb", "bootargs",
    "riscv,sstc",
};

static int err_at(char *err, size_t errlen, const char *node, const char *prop, const char *what)
{
    ksnprintf(err, errlen, "scenario: /%s: %s%s%s", node, prop ? "property '" : "",
              prop ? prop : "", prop ? "': " : "");
    size_t n = strlen(err);
    ksnprintf(err + n, errlen > n ? errlen - n : 0, "%s", what);
    return -1;
}

static const char *get_string(const void *fdt, int node, const char *prop, const char **bad)
{
    int len;
    const char *s = fdt_getprop(fdt, node, prop, &len);
    if (!s)
        return NULL;
    if (len < 2 || s[len - 1] != '\0' || strlen(s) != (size_t)len - 1) {
        if (!*bad)
            *bad = prop; /* the first bad one is reported */
        return NULL;
    }
    return s;
}

static int parse_vm(const void *fdt, int node, uint32_t nr_harts, struct vm_config *vm, char *err,
                    size_t errlen)
{
    const char *nname = fdt_get_name(fdt, node, NULL);
    memset(vm, 0, sizeof(*vm));
    ksnprintf(vm->node, sizeof(vm->node), "%s", nname);
    vm->sstc = -1;

    int prop;
    fdt_for_each_property_offset(prop, fdt, node) {
        const char *pname;
        fdt_getprop_by_offset(fdt, prop, &pname, NULL);
        bool known = false;
        for (size_t i = 0; i < KEEL_ARRAY_SIZE(known_props); i++)
            known |= !strcmp(pname, known_props[i]);
        if (!known)
            return err_at(err, errlen, vm->node, pname, "unknown property");
    }

    const char *bad = NULL;
    ksnprintf(vm->name, sizeof(vm->name), "%s", nname);
    vm->kernel = get_string(fdt, node, "kernel", &bad);
    vm->initrd = get_string(fdt, node, "initrd", &bad);
    vm->dtb = get_string(fdt, node, "dtb", &bad);
    vm->bootargs = get_string(fdt, node, "bootargs", &bad);
    if (bad)
        return err_at(err, errlen, vm->node, bad, "must be one non-empty string");
    if (!vm->kernel)
        return err_at(err, errlen, vm->node, "kernel", "missing (the guest kernel file)");
    if (!vm->dtb)
        return err_at(err, errlen, vm->node, "dtb", "missing (the guest device tree file)");

    int len;
    const fdt32_t *mem = fdt_getprop(fdt, node, "memory", &len);
    if (!mem)
        return err_at(err, errlen, vm->node, "memory", "missing (<gpa-hi gpa-lo size-hi size-lo>)");
    if (len != 16)
        return err_at(err, errlen, vm->node, "memory", "must be 4 cells: <gpa-hi gpa-lo size-hi size-lo>");
    vm->ram_gpa = ((uint64_t)fdt32_to_cpu(mem[0]) << 32) | fdt32_to_cpu(mem[1]);
    vm->ram_size = ((uint64_t)fdt32_to_cpu(mem[2]) << 32) | fdt32_to_cpu(mem[3]);
    if (!vm->ram_size || (vm->ram_gpa | vm->ram_size) & ((2u << 20) - 1) ||
        vm->ram_gpa + vm->ram_size < vm->ram_gpa)
        return err_at(err, errlen, vm->node, "memory", "base and size must be non-zero multiples of 2 MiB");

    const fdt32_t *vcpus = fdt_getprop(fdt, node, "vcpus", &len);
    if (!vcpus || len != 4)
        return err_at(err, errlen, vm->node, "vcpus", "missing or not one cell");
    vm->nr_vcpus = fdt32_to_cpu(*vcpus);
    if (vm->nr_vcpus < 1 || vm->nr_vcpus > SCENARIO_MAX_VCPUS)
        return err_at(err, errlen, vm->node, "vcpus", "must be 1..8");

    const fdt32_t *cpus = fdt_getprop(fdt, node, "cpus", &len);
    if (cpus) {
        if (len != (int)(4 * vm->nr_vcpus))
            return err_at(err, errlen, vm->node, "cpus", "needs one physical hart index per vCPU");
        vm->pinned = true;
        for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
            vm->pin[i] = fdt32_to_cpu(cpus[i]);
            if (vm->pin[i] >= nr_harts)
                return err_at(err, errlen, vm->node, "cpus", "names a hart this machine does not have");
            for (uint32_t j = 0; j < i; j++)
                if (vm->pin[j] == vm->pin[i])
                    return err_at(err, errlen, vm->node, "cpus", "pins two vCPUs to one hart");
        }
    } else {
        for (uint32_t i = 0; i < vm->nr_vcpus; i++)
            vm->pin[i] = i % nr_harts;
    }

    const fdt32_t *sstc = fdt_getprop(fdt, node, "riscv,sstc", &len);
    if (sstc) {
        if (len != 4 || fdt32_to_cpu(*sstc) > 1)
            return err_at(err, errlen, vm->node, "riscv,sstc", "must be <0> or <1>");
        vm->sstc = (int)fdt32_to_cpu(*sstc);
    }
    return 0;
}

int scenario_parse(const void *fdt, uint32_t nr_harts, struct scenario *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (fdt_check_header(fdt)) {
        ksnprintf(err, errlen, "scenario: not a device tree blob");
        return -1;
    }
    if (fdt_node_check_compatible(fdt, 0, "keel,scenario")) {
        ksnprintf(err, errlen, "scenario: root node is not compatible = \"keel,scenario\"");
        return -1;
    }
    int node;
    fdt_for_each_subnode(node, fdt, 0) {
        if (fdt_node_check_compatible(fdt, node, "keel,vm"))
            continue;
        if (out->nr_vms == SCENARIO_MAX_VMS) {
            ksnprintf(err, errlen, "scenario: more than %u VMs", SCENARIO_MAX_VMS);
            return -1;
        }
        if (parse_vm(fdt, node, nr_harts, &out->vms[out->nr_vms], err, errlen))
            return -1;
        out->nr_vms++;
    }
    if (!out->nr_vms) {
        ksnprintf(err, errlen, "scenario: no node with compatible = \"keel,vm\"");
        return -1;
    }
    return 0;
}
