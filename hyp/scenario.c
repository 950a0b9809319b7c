/* SPDX-License-Identifier: MIT */
/* Scenario parsing and validation (keel/scenario.h), with libfdt. Pure: host-tested. */
#include <keel/console.h>
#include <keel/scenario.h>
#include <libfdt.h>
#include <string.h>

static const char *const known_props[] = {
    "compatible", "memory", "vcpus", "cpus", "kernel", "initrd", "dtb", "bootargs",
    "riscv,sstc", "memory-hpa", "shmem", "shmem-gpa",
};

/* Two cells, high first, as one 64-bit number. */
static uint64_t cells64(const fdt32_t *c)
{
    return ((uint64_t)fdt32_to_cpu(c[0]) << 32) | fdt32_to_cpu(c[1]);
}

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
    vm->shmem = -1;

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
    vm->ram_gpa = cells64(&mem[0]);
    vm->ram_size = cells64(&mem[2]);
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
            /* Several vCPUs on one hart are allowed: they time-share it (hyp/sched.c). */
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

    const fdt32_t *hpa = fdt_getprop(fdt, node, "memory-hpa", &len);
    if (hpa) {
        if (len != 8)
            return err_at(err, errlen, vm->node, "memory-hpa", "must be 2 cells: <hpa-hi hpa-lo>");
        vm->ram_hpa = cells64(hpa);
        if (!vm->ram_hpa || (vm->ram_hpa & ((2u << 20) - 1)))
            return err_at(err, errlen, vm->node, "memory-hpa", "must be a non-zero multiple of 2 MiB");
    }
    return 0;
}

/* "shmem" / "shmem-gpa" of VM node `node`, once the scenario's regions are known. */
static int parse_vm_shmem(const void *fdt, int node, const struct scenario *sc, struct vm_config *vm,
                          char *err, size_t errlen)
{
    const char *bad = NULL;
    const char *name = get_string(fdt, node, "shmem", &bad);
    int len;
    const fdt32_t *gpa = fdt_getprop(fdt, node, "shmem-gpa", &len);
    if (bad)
        return err_at(err, errlen, vm->node, "shmem", "must be one non-empty string");
    if (!name && !gpa)
        return 0;
    if (!name || !gpa)
        return err_at(err, errlen, vm->node, name ? "shmem-gpa" : "shmem",
                      "shmem and shmem-gpa go together");
    if (len != 8)
        return err_at(err, errlen, vm->node, "shmem-gpa", "must be 2 cells: <gpa-hi gpa-lo>");
    for (uint32_t i = 0; i < sc->nr_shmem; i++)
        if (!strcmp(sc->shmem[i].name, name))
            vm->shmem = (int)i;
    if (vm->shmem < 0)
        return err_at(err, errlen, vm->node, "shmem", "names no compatible = \"keel,shmem\" node");
    vm->shmem_gpa = cells64(gpa);
    uint64_t size = sc->shmem[vm->shmem].size;
    if ((vm->shmem_gpa & 0xfff) || vm->shmem_gpa + size < vm->shmem_gpa)
        return err_at(err, errlen, vm->node, "shmem-gpa", "must be 4 KiB aligned");
    if (keel_ranges_overlap(vm->shmem_gpa, size, vm->ram_gpa, vm->ram_size))
        return err_at(err, errlen, vm->node, "shmem-gpa", "overlaps the VM's memory");
    return 0;
}

/* One "keel,passthrough" subnode of VM `vm` (its GPA windows known: RAM, shmem, earlier
   pass-through devices). `path` is "vm/device" for messages. */
static int parse_passthrough(const void *fdt, int node, const struct scenario *sc,
                             struct vm_config *vm, struct passthrough_config *pt, char *err,
                             size_t errlen)
{
    char path[64];
    ksnprintf(pt->name, sizeof(pt->name), "%s", fdt_get_name(fdt, node, NULL));
    ksnprintf(path, sizeof(path), "%s/%s", vm->node, pt->name);
    if (fdt_node_check_compatible(fdt, node, "keel,passthrough"))
        return err_at(err, errlen, path, NULL,
                      "a VM's subnodes must be compatible = \"keel,passthrough\"");
    int prop;
    fdt_for_each_property_offset(prop, fdt, node) {
        const char *pname;
        fdt_getprop_by_offset(fdt, prop, &pname, NULL);
        if (strcmp(pname, "compatible") && strcmp(pname, "reg") && strcmp(pname, "gpa") &&
            strcmp(pname, "interrupts"))
            return err_at(err, errlen, path, pname, "unknown property");
    }
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
    if (!reg || len != 16)
        return err_at(err, errlen, path, "reg", "missing or not 4 cells: <hpa-hi hpa-lo size-hi size-lo>");
    pt->hpa = cells64(&reg[0]);
    pt->size = cells64(&reg[2]);
    if (!pt->size || ((pt->hpa | pt->size) & 0xfff) || pt->hpa + pt->size < pt->hpa)
        return err_at(err, errlen, path, "reg", "base and size must be non-zero multiples of 4 KiB");
    pt->gpa = pt->hpa;
    const fdt32_t *gpa = fdt_getprop(fdt, node, "gpa", &len);
    if (gpa) {
        if (len != 8)
            return err_at(err, errlen, path, "gpa", "must be 2 cells: <gpa-hi gpa-lo>");
        pt->gpa = cells64(gpa);
    }
    const char *where = gpa ? "gpa" : "reg";
    if ((pt->gpa & 0xfff) || pt->gpa + pt->size < pt->gpa)
        return err_at(err, errlen, path, where, "the guest window must be 4 KiB aligned");
    if (keel_ranges_overlap(pt->gpa, pt->size, vm->ram_gpa, vm->ram_size))
        return err_at(err, errlen, path, where, "the guest window overlaps the VM's memory");
    if (vm->shmem >= 0 &&
        keel_ranges_overlap(pt->gpa, pt->size, vm->shmem_gpa, sc->shmem[vm->shmem].size))
        return err_at(err, errlen, path, where, "the guest window overlaps the VM's shmem");
    for (uint32_t i = 0; i < vm->nr_passthrough; i++)
        if (keel_ranges_overlap(pt->gpa, pt->size, vm->passthrough[i].gpa, vm->passthrough[i].size))
            return err_at(err, errlen, path, where, "the guest window overlaps another pass-through device");

    const fdt32_t *irqs = fdt_getprop(fdt, node, "interrupts", &len);
    if (!irqs)
        return 0;
    if (len <= 0 || len % 8 || len / 8 > SCENARIO_MAX_PT_IRQS)
        return err_at(err, errlen, path, "interrupts", "must be 1 to 4 pairs <host-irq guest-irq>");
    pt->nr_irqs = (uint32_t)len / 8;
    for (uint32_t i = 0; i < pt->nr_irqs; i++) {
        pt->host_irq[i] = fdt32_to_cpu(irqs[2 * i]);
        pt->guest_irq[i] = fdt32_to_cpu(irqs[2 * i + 1]);
        if (!pt->host_irq[i] || !pt->guest_irq[i])
            return err_at(err, errlen, path, "interrupts", "interrupt 0 does not exist");
        for (uint32_t d = 0; d <= vm->nr_passthrough; d++) {
            const struct passthrough_config *o = &vm->passthrough[d];
            for (uint32_t j = 0; j < (o == pt ? i : o->nr_irqs); j++) {
                if (o->guest_irq[j] == pt->guest_irq[i])
                    return err_at(err, errlen, path, "interrupts", "a guest interrupt is given twice in the VM");
                if (o->host_irq[j] == pt->host_irq[i])
                    return err_at(err, errlen, path, "interrupts", "a host interrupt is given twice");
            }
        }
    }
    return 0;
}

/* The "keel,passthrough" subnodes of VM node `node`. */
static int parse_vm_passthrough(const void *fdt, int node, const struct scenario *sc,
                                struct vm_config *vm, char *err, size_t errlen)
{
    int sub;
    fdt_for_each_subnode(sub, fdt, node) {
        if (vm->nr_passthrough == SCENARIO_MAX_PASSTHROUGH)
            return err_at(err, errlen, vm->node, NULL, "more than 4 pass-through devices");
        if (parse_passthrough(fdt, sub, sc, vm, &vm->passthrough[vm->nr_passthrough], err, errlen))
            return -1;
        vm->nr_passthrough++;
    }
    return 0;
}

/* No host window or host interrupt goes to two VMs. */
static int check_passthrough_owners(const struct scenario *sc, char *err, size_t errlen)
{
    for (uint32_t a = 0; a < sc->nr_vms; a++)
        for (uint32_t b = 0; b < a; b++)
            for (uint32_t i = 0; i < sc->vms[a].nr_passthrough; i++)
                for (uint32_t j = 0; j < sc->vms[b].nr_passthrough; j++) {
                    const struct passthrough_config *p = &sc->vms[a].passthrough[i];
                    const struct passthrough_config *q = &sc->vms[b].passthrough[j];
                    bool irq = false;
                    for (uint32_t x = 0; x < p->nr_irqs; x++)
                        for (uint32_t y = 0; y < q->nr_irqs; y++)
                            irq |= p->host_irq[x] == q->host_irq[y];
                    if (keel_ranges_overlap(p->hpa, p->size, q->hpa, q->size) || irq) {
                        ksnprintf(err, errlen,
                                  "scenario: VMs '%s' and '%s': pass-through devices '%s' and '%s' "
                                  "share host %s",
                                  sc->vms[b].name, sc->vms[a].name, q->name, p->name,
                                  irq ? "an interrupt" : "memory");
                        return -1;
                    }
                }
    return 0;
}

static int parse_shmem(const void *fdt, int node, struct shmem_config *shm, char *err, size_t errlen)
{
    const char *nname = fdt_get_name(fdt, node, NULL);
    ksnprintf(shm->name, sizeof(shm->name), "%s", nname);
    int prop;
    fdt_for_each_property_offset(prop, fdt, node) {
        const char *pname;
        fdt_getprop_by_offset(fdt, prop, &pname, NULL);
        if (strcmp(pname, "compatible") && strcmp(pname, "size"))
            return err_at(err, errlen, shm->name, pname, "unknown property");
    }
    int len;
    const fdt32_t *size = fdt_getprop(fdt, node, "size", &len);
    if (!size || len != 8)
        return err_at(err, errlen, shm->name, "size", "missing or not 2 cells: <size-hi size-lo>");
    shm->size = cells64(size);
    if (!shm->size || (shm->size & 0xfff) || shm->size > (1ull << 32))
        return err_at(err, errlen, shm->name, "size", "must be a non-zero multiple of 4 KiB, at most 4 GiB");
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
        if (fdt_node_check_compatible(fdt, node, "keel,shmem"))
            continue;
        if (out->nr_shmem == SCENARIO_MAX_SHMEM) {
            ksnprintf(err, errlen, "scenario: more than %u shmem regions", SCENARIO_MAX_SHMEM);
            return -1;
        }
        if (parse_shmem(fdt, node, &out->shmem[out->nr_shmem], err, errlen))
            return -1;
        out->nr_shmem++;
    }
    fdt_for_each_subnode(node, fdt, 0) {
        if (fdt_node_check_compatible(fdt, node, "keel,vm"))
            continue;
        if (out->nr_vms == SCENARIO_MAX_VMS) {
            ksnprintf(err, errlen, "scenario: more than %u VMs", SCENARIO_MAX_VMS);
            return -1;
        }
        if (parse_vm(fdt, node, nr_harts, &out->vms[out->nr_vms], err, errlen) ||
            parse_vm_shmem(fdt, node, out, &out->vms[out->nr_vms], err, errlen) ||
            parse_vm_passthrough(fdt, node, out, &out->vms[out->nr_vms], err, errlen))
            return -1;
        out->nr_vms++;
    }
    /* host placement: no two VMs' RAM on the same host memory */
    for (uint32_t i = 0; i < out->nr_vms; i++) {
        const struct vm_config *a = &out->vms[i];
        for (uint32_t j = 0; a->ram_hpa && j < i; j++) {
            const struct vm_config *b = &out->vms[j];
            if (b->ram_hpa && keel_ranges_overlap(a->ram_hpa, a->ram_size, b->ram_hpa, b->ram_size)) {
                ksnprintf(err, errlen,
                          "scenario: VMs '%s' and '%s': their host memory (memory-hpa) overlaps",
                          b->name, a->name);
                return -1;
            }
        }
    }
    if (!out->nr_vms) {
        ksnprintf(err, errlen, "scenario: no node with compatible = \"keel,vm\"");
        return -1;
    }
    return check_passthrough_owners(out, err, errlen);
}
