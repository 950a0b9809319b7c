/* SPDX-License-Identifier: MIT */
/*
 * Host tests of scenario parsing (hyp/scenario.c). The scenario DTBs are made here with libfdt's
 * sequential-write API from a small description, so each test states the one property it
 * breaks; every error must name the node and the property at fault (keel/scenario.h).
 */
#include <keel/scenario.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdlib.h>

#include "ktest.h"

/* --- scenario descriptions --- */

struct prop {
    char name[32];
    uint8_t val[64];
    int len;
};

struct node {
    char name[48];
    struct prop props[16];
    int nprops;
    int depth; /* 1: a subnode of the closest depth-0 node before it */
};

static struct prop *find_prop(struct node *n, const char *name)
{
    for (int i = 0; i < n->nprops; i++)
        if (!strcmp(n->props[i].name, name))
            return &n->props[i];
    return NULL;
}

static void set_prop(struct node *n, const char *name, const void *val, int len)
{
    struct prop *p = find_prop(n, name);
    if (!p) {
        p = &n->props[n->nprops++];
        snprintf(p->name, sizeof(p->name), "%s", name);
    }
    memcpy(p->val, val, (size_t)len);
    p->len = len;
}

static void set_str(struct node *n, const char *name, const char *s)
{
    set_prop(n, name, s, (int)strlen(s) + 1);
}

/* `count` big-endian cells */
static void set_cells(struct node *n, const char *name, int count, ...)
{
    fdt32_t cells[16];
    va_list ap;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        cells[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
    va_end(ap);
    set_prop(n, name, cells, 4 * count);
}

static void del_prop(struct node *n, const char *name)
{
    struct prop *p = find_prop(n, name);
    if (!p)
        return;
    *p = n->props[--n->nprops];
}

/* A valid VM node: kernel, dtb, 256 MiB at 0x80000000, 2 vCPUs. */
static void vm_node(struct node *n, const char *name)
{
    memset(n, 0, sizeof(*n));
    snprintf(n->name, sizeof(n->name), "%s", name);
    set_str(n, "compatible", "keel,vm");
    set_str(n, "kernel", "vm0-Image");
    set_str(n, "dtb", "vm0.dtb");
    set_cells(n, "memory", 4, 0x0u, 0x80000000u, 0x0u, 0x10000000u);
    set_cells(n, "vcpus", 1, 2u);
}

static uint8_t fdt[16384];

/* Write a scenario whose root has `compatible` = root_compat[compat_len] (NULL: none) and the
   given child nodes. */
static void build_ex(const char *root_compat, int compat_len, struct node *nodes, int count)
{
    KTEST_EQ(fdt_create(fdt, sizeof(fdt)), 0);
    KTEST_EQ(fdt_finish_reservemap(fdt), 0);
    KTEST_EQ(fdt_begin_node(fdt, ""), 0);
    if (root_compat)
        KTEST_EQ(fdt_property(fdt, "compatible", root_compat, compat_len), 0);
    for (int i = 0; i < count; i++) {
        KTEST_EQ(fdt_begin_node(fdt, nodes[i].name), 0);
        for (int j = 0; j < nodes[i].nprops; j++)
            KTEST_EQ(fdt_property(fdt, nodes[i].props[j].name, nodes[i].props[j].val,
                                  nodes[i].props[j].len),
                     0);
        bool next_is_child = i + 1 < count && nodes[i + 1].depth == 1;
        if (nodes[i].depth == 1)
            KTEST_EQ(fdt_end_node(fdt), 0); /* the subnode */
        if (!next_is_child)
            KTEST_EQ(fdt_end_node(fdt), 0); /* the top-level node */
    }
    KTEST_EQ(fdt_end_node(fdt), 0);
    KTEST_EQ(fdt_finish(fdt), 0);
    KTEST_EQ(fdt_check_header(fdt), 0);
}

static void build(const char *root_compat, struct node *nodes, int count)
{
    build_ex(root_compat, root_compat ? (int)strlen(root_compat) + 1 : 0, nodes, count);
}

static struct scenario sc;
static char err[256];

static int parse(uint32_t nr_harts)
{
    memset(err, 0, sizeof(err));
    return scenario_parse(fdt, nr_harts, &sc, err, sizeof(err));
}

static bool has(const char *needle)
{
    bool ok = strstr(err, needle) != NULL;
    if (!ok)
        fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err, needle);
    return ok;
}

/* Parsing must fail with a message naming "/<node>" and "'<prop>'" and containing `what`. */
static void expect_error(struct node *nodes, int count, uint32_t harts, const char *node,
                         const char *prop, const char *what)
{
    build("keel,scenario", nodes, count);
    KTEST_EQ(parse(harts), -1);
    char buf[64];
    snprintf(buf, sizeof(buf), "/%s", node);
    KTEST_CHECK(has(buf));
    if (prop) {
        snprintf(buf, sizeof(buf), "'%s'", prop);
        KTEST_CHECK(has(buf));
    }
    if (what)
        KTEST_CHECK(has(what));
    KTEST_CHECK(!strncmp(err, "scenario: ", 10));
    KTEST_CHECK(!strchr(err, '\n'));
}

static bool in_fdt(const char *s)
{
    return (const uint8_t *)s >= fdt && (const uint8_t *)s < fdt + sizeof(fdt);
}

/* ------------------------------------------------------------------------------------------ */

static void test_valid(void)
{
    struct node n[4];
    vm_node(&n[0], "linux");
    set_str(&n[0], "kernel", "vm0-Image");
    set_str(&n[0], "initrd", "vm0-initrd.cpio.gz");
    set_str(&n[0], "dtb", "vm0.dtb");
    set_str(&n[0], "bootargs", "console=ttyS0 quiet");
    set_cells(&n[0], "memory", 4, 0x0u, 0x80000000u, 0x0u, 0x40000000u);
    set_cells(&n[0], "vcpus", 1, 2u);
    set_cells(&n[0], "cpus", 2, 3u, 1u);
    set_cells(&n[0], "riscv,sstc", 1, 1u);
    /* a node that is not a VM is ignored */
    memset(&n[1], 0, sizeof(n[1]));
    snprintf(n[1].name, sizeof(n[1].name), "notes");
    set_str(&n[1], "compatible", "keel,notes");
    set_str(&n[1], "whatever", "x");
    /* the second VM: defaults */
    vm_node(&n[2], "rtos@1");
    set_str(&n[2], "kernel", "rtos.bin");
    set_str(&n[2], "dtb", "rtos.dtb");
    set_cells(&n[2], "memory", 4, 0x1u, 0x00200000u, 0x0u, 0x00200000u);
    set_cells(&n[2], "vcpus", 1, 3u);
    set_cells(&n[2], "riscv,sstc", 1, 0u);
    /* the third: 8 vCPUs, compatible with a list */
    vm_node(&n[3], "big");
    set_prop(&n[3], "compatible", "vendor,thing\0keel,vm", 21);
    set_cells(&n[3], "vcpus", 1, 8u);
    set_cells(&n[3], "memory", 4, 0x2u, 0x0u, 0x1u, 0x0u);
    build("keel,scenario", n, 4);
    KTEST_EQ(parse(4), 0);
    KTEST_EQ(sc.nr_vms, 3);

    struct vm_config *a = &sc.vms[0];
    KTEST_CHECK(!strcmp(a->node, "linux") && !strcmp(a->name, "linux"));
    KTEST_EQ(a->ram_gpa, 0x80000000);
    KTEST_EQ(a->ram_size, 0x40000000);
    KTEST_EQ(a->nr_vcpus, 2);
    KTEST_CHECK(a->pinned);
    KTEST_EQ(a->pin[0], 3);
    KTEST_EQ(a->pin[1], 1);
    KTEST_CHECK(a->kernel && !strcmp(a->kernel, "vm0-Image") && in_fdt(a->kernel));
    KTEST_CHECK(a->initrd && !strcmp(a->initrd, "vm0-initrd.cpio.gz") && in_fdt(a->initrd));
    KTEST_CHECK(a->dtb && !strcmp(a->dtb, "vm0.dtb") && in_fdt(a->dtb));
    KTEST_CHECK(a->bootargs && !strcmp(a->bootargs, "console=ttyS0 quiet"));
    KTEST_EQ(a->sstc, 1);

    struct vm_config *b = &sc.vms[1];
    KTEST_CHECK(!strcmp(b->node, "rtos@1") && !strcmp(b->name, "rtos@1"));
    KTEST_EQ(b->ram_gpa, 0x100200000ull);
    KTEST_EQ(b->ram_size, 0x200000);
    KTEST_EQ(b->nr_vcpus, 3);
    KTEST_CHECK(!b->pinned);
    KTEST_EQ(b->pin[0], 0); /* unpinned: vCPU i on hart i mod nr_harts */
    KTEST_EQ(b->pin[1], 1);
    KTEST_EQ(b->pin[2], 2);
    KTEST_CHECK(b->initrd == NULL);
    KTEST_CHECK(b->bootargs == NULL);
    KTEST_CHECK(!strcmp(b->kernel, "rtos.bin") && !strcmp(b->dtb, "rtos.dtb"));
    KTEST_EQ(b->sstc, 0);

    struct vm_config *c = &sc.vms[2];
    KTEST_EQ(c->nr_vcpus, 8);
    KTEST_EQ(c->ram_gpa, 0x200000000ull);
    KTEST_EQ(c->ram_size, 0x100000000ull);
    KTEST_EQ(c->sstc, -1); /* absent: follow the host */
    for (uint32_t i = 0; i < 8; i++)
        KTEST_EQ(c->pin[i], i % 4);

    /* a single hart: everything on hart 0 */
    vm_node(&n[0], "solo");
    set_cells(&n[0], "vcpus", 1, 3u);
    build("keel,scenario", n, 1);
    KTEST_EQ(parse(1), 0);
    KTEST_EQ(sc.vms[0].pin[0] | sc.vms[0].pin[1] | sc.vms[0].pin[2], 0);

    /* two vCPUs pinned to one hart time-share it: accepted, pins kept */
    vm_node(&n[0], "shared");
    set_cells(&n[0], "vcpus", 1, 3u);
    set_cells(&n[0], "cpus", 3, 1u, 1u, 0u);
    build("keel,scenario", n, 1);
    KTEST_EQ(parse(2), 0);
    KTEST_CHECK(sc.vms[0].pinned);
    KTEST_EQ(sc.vms[0].pin[0], 1);
    KTEST_EQ(sc.vms[0].pin[1], 1);
    KTEST_EQ(sc.vms[0].pin[2], 0);

    /* root compatible as a list */
    vm_node(&n[0], "vm0");
    build_ex("vendor,board\0keel,scenario", 27, n, 1);
    KTEST_EQ(parse(1), 0);
    KTEST_EQ(sc.nr_vms, 1);
}

static void test_four_vms(void)
{
    struct node n[5];
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof(name), "vm%d", i);
        vm_node(&n[i], name);
        set_cells(&n[i], "memory", 4, 0x0u, 0x80000000u + 0x10000000u * (uint32_t)i, 0x0u,
                  0x10000000u);
        set_cells(&n[i], "vcpus", 1, 1u);
    }
    build("keel,scenario", n, 4);
    KTEST_EQ(parse(2), 0);
    KTEST_EQ(sc.nr_vms, 4);
    KTEST_CHECK(!strcmp(sc.vms[3].name, "vm3"));
    KTEST_EQ(sc.vms[3].ram_gpa, 0xb0000000);

    build("keel,scenario", n, 5);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("more than 4 VMs"));
}

static void test_root_errors(void)
{
    struct node n[2];
    vm_node(&n[0], "vm0");
    build("keel,other", n, 1);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("root node") && has("compatible") && has("keel,scenario"));
    build(NULL, n, 1);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("root node") && has("compatible") && has("keel,scenario"));

    /* no VM: no child at all, or children that are not keel,vm */
    build("keel,scenario", n, 0);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("no node") && has("keel,vm"));
    set_str(&n[0], "compatible", "keel,vmm");
    memset(&n[1], 0, sizeof(n[1]));
    snprintf(n[1].name, sizeof(n[1].name), "chosen");
    build("keel,scenario", n, 2);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("no node") && has("keel,vm"));

    /* not a device tree at all */
    memset(fdt, 0x5a, 256);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("not a device tree"));
}

static void test_unknown_property(void)
{
    struct node n[2];
    vm_node(&n[0], "vm0");
    set_str(&n[0], "kernal", "typo");
    expect_error(n, 1, 2, "vm0", "kernal", "unknown property");
    vm_node(&n[0], "vm0");
    set_cells(&n[0], "cpu", 1, 0u);
    expect_error(n, 1, 2, "vm0", "cpu", "unknown property");
    /* in the second VM */
    vm_node(&n[0], "vm0");
    vm_node(&n[1], "second");
    set_prop(&n[1], "linux,initrd-start", "", 0);
    expect_error(n, 2, 2, "second", "linux,initrd-start", "unknown property");
}

static void test_missing(void)
{
    static const char *const required[] = { "kernel", "dtb", "memory", "vcpus" };
    struct node n[1];
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(required); i++) {
        vm_node(&n[0], "vm0");
        del_prop(&n[0], required[i]);
        expect_error(n, 1, 2, "vm0", required[i], "missing");
    }
}

static void test_memory_errors(void)
{
    struct node n[1];
    /* not 4 cells */
    vm_node(&n[0], "vm0");
    set_cells(&n[0], "memory", 2, 0x80000000u, 0x10000000u);
    expect_error(n, 1, 2, "vm0", "memory", "4 cells");
    set_cells(&n[0], "memory", 3, 0x0u, 0x80000000u, 0x10000000u);
    expect_error(n, 1, 2, "vm0", "memory", "4 cells");
    set_cells(&n[0], "memory", 5, 0x0u, 0x80000000u, 0x0u, 0x10000000u, 0x0u);
    expect_error(n, 1, 2, "vm0", "memory", "4 cells");
    set_prop(&n[0], "memory", "", 0);
    expect_error(n, 1, 2, "vm0", "memory", "4 cells");
    /* not 2 MiB aligned */
    set_cells(&n[0], "memory", 4, 0x0u, 0x80100000u, 0x0u, 0x10000000u);
    expect_error(n, 1, 2, "vm0", "memory", "2 MiB");
    set_cells(&n[0], "memory", 4, 0x0u, 0x80000000u, 0x0u, 0x10100000u);
    expect_error(n, 1, 2, "vm0", "memory", "2 MiB");
    set_cells(&n[0], "memory", 4, 0x0u, 0x80000000u, 0x0u, 0x1000u);
    expect_error(n, 1, 2, "vm0", "memory", "2 MiB");
    set_cells(&n[0], "memory", 4, 0x0u, 0x80000001u, 0x0u, 0x10000000u);
    expect_error(n, 1, 2, "vm0", "memory", "2 MiB");
    /* zero size */
    set_cells(&n[0], "memory", 4, 0x0u, 0x80000000u, 0x0u, 0x0u);
    expect_error(n, 1, 2, "vm0", "memory", "non-zero");
    /* wrapping around 2^64 */
    set_cells(&n[0], "memory", 4, 0xffffffffu, 0xffe00000u, 0x0u, 0x400000u);
    expect_error(n, 1, 2, "vm0", "memory", NULL);
    /* 64-bit values are read whole */
    set_cells(&n[0], "memory", 4, 0x10u, 0x0u, 0x1u, 0x200000u);
    build("keel,scenario", n, 1);
    KTEST_EQ(parse(2), 0);
    KTEST_EQ(sc.vms[0].ram_gpa, 0x1000000000ull);
    KTEST_EQ(sc.vms[0].ram_size, 0x100200000ull);
}

static void test_vcpus_errors(void)
{
    struct node n[1];
    vm_node(&n[0], "vm0");
    set_cells(&n[0], "vcpus", 1, 0u);
    expect_error(n, 1, 8, "vm0", "vcpus", "1..8");
    set_cells(&n[0], "vcpus", 1, 9u);
    expect_error(n, 1, 8, "vm0", "vcpus", "1..8");
    set_cells(&n[0], "vcpus", 1, 0xffffffffu);
    expect_error(n, 1, 8, "vm0", "vcpus", "1..8");
    set_cells(&n[0], "vcpus", 2, 0u, 2u);
    expect_error(n, 1, 8, "vm0", "vcpus", NULL);
    set_prop(&n[0], "vcpus", "\x02", 1);
    expect_error(n, 1, 8, "vm0", "vcpus", NULL);
    set_prop(&n[0], "vcpus", "", 0);
    expect_error(n, 1, 8, "vm0", "vcpus", NULL);
    /* 1 and 8 are fine */
    set_cells(&n[0], "vcpus", 1, 8u);
    build("keel,scenario", n, 1);
    KTEST_EQ(parse(2), 0);
    set_cells(&n[0], "vcpus", 1, 1u);
    build("keel,scenario", n, 1);
    KTEST_EQ(parse(2), 0);
}

static void test_cpus_errors(void)
{
    struct node n[1];
    vm_node(&n[0], "vm0"); /* 2 vCPUs */
    set_cells(&n[0], "cpus", 1, 0u);
    expect_error(n, 1, 4, "vm0", "cpus", "one physical hart index per vCPU");
    set_cells(&n[0], "cpus", 3, 0u, 1u, 2u);
    expect_error(n, 1, 4, "vm0", "cpus", "one physical hart index per vCPU");
    set_prop(&n[0], "cpus", "", 0);
    expect_error(n, 1, 4, "vm0", "cpus", "one physical hart index per vCPU");
    /* a hart the machine does not have */
    set_cells(&n[0], "cpus", 2, 0u, 4u);
    expect_error(n, 1, 4, "vm0", "cpus", "does not have");
    set_cells(&n[0], "cpus", 2, 0xffffffffu, 0u);
    expect_error(n, 1, 4, "vm0", "cpus", "does not have");
    set_cells(&n[0], "cpus", 2, 1u, 0u);
    expect_error(n, 1, 1, "vm0", "cpus", "does not have");
    /* the highest hart is fine */
    set_cells(&n[0], "vcpus", 1, 4u);
    set_cells(&n[0], "cpus", 4, 3u, 2u, 1u, 0u);
    build("keel,scenario", n, 1);
    KTEST_EQ(parse(4), 0);
    KTEST_EQ(sc.vms[0].pin[0], 3);
    KTEST_EQ(sc.vms[0].pin[3], 0);
}

static void test_sstc_errors(void)
{
    struct node n[1];
    vm_node(&n[0], "vm0");
    set_cells(&n[0], "riscv,sstc", 1, 2u);
    expect_error(n, 1, 2, "vm0", "riscv,sstc", "<0> or <1>");
    set_cells(&n[0], "riscv,sstc", 1, 0xffffffffu);
    expect_error(n, 1, 2, "vm0", "riscv,sstc", "<0> or <1>");
    set_cells(&n[0], "riscv,sstc", 2, 0u, 1u);
    expect_error(n, 1, 2, "vm0", "riscv,sstc", "<0> or <1>");
    set_prop(&n[0], "riscv,sstc", "", 0); /* a boolean-style empty property */
    expect_error(n, 1, 2, "vm0", "riscv,sstc", "<0> or <1>");
    set_str(&n[0], "riscv,sstc", "on");
    expect_error(n, 1, 2, "vm0", "riscv,sstc", "<0> or <1>");
}

/* memory-hpa: host placement, and two VMs on the same host memory (an error naming both) */
static void test_host_placement(void)
{
    struct node n[2];
    vm_node(&n[0], "first");
    vm_node(&n[1], "second");
    set_cells(&n[0], "memory-hpa", 2, 0x0u, 0xc0000000u);
    set_cells(&n[1], "memory-hpa", 2, 0x0u, 0xd0000000u); /* 256 MiB each: adjacent, fine */
    build("keel,scenario", n, 2);
    KTEST_EQ(parse(2), 0);
    KTEST_EQ(sc.vms[0].ram_hpa, 0xc0000000u);
    KTEST_EQ(sc.vms[1].ram_hpa, 0xd0000000u);
    set_cells(&n[1], "memory-hpa", 2, 0x0u, 0xcff00000u & ~0x1fffffu); /* overlaps the first */
    build("keel,scenario", n, 2);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("'first'") && has("'second'") && has("overlaps"));
    set_cells(&n[1], "memory-hpa", 2, 0x0u, 0xd0100000u);
    expect_error(&n[1], 1, 2, "second", "memory-hpa", "multiple of 2 MiB");
    set_cells(&n[1], "memory-hpa", 1, 0xd0000000u);
    expect_error(&n[1], 1, 2, "second", "memory-hpa", "2 cells");
}

/* keel,shmem regions and the VMs that map them */
static void test_shmem(void)
{
    struct node n[3];
    memset(&n[0], 0, sizeof(n[0]));
    snprintf(n[0].name, sizeof(n[0].name), "msgbuf");
    set_str(&n[0], "compatible", "keel,shmem");
    set_cells(&n[0], "size", 2, 0x0u, 0x1000u);
    vm_node(&n[1], "a");
    set_str(&n[1], "shmem", "msgbuf");
    set_cells(&n[1], "shmem-gpa", 2, 0x0u, 0xc0000000u);
    vm_node(&n[2], "b");
    build("keel,scenario", n, 3);
    KTEST_EQ(parse(2), 0);
    KTEST_EQ(sc.nr_shmem, 1);
    KTEST_EQ(sc.shmem[0].size, 0x1000u);
    KTEST_EQ(sc.vms[0].shmem, 0);
    KTEST_EQ(sc.vms[0].shmem_gpa, 0xc0000000u);
    KTEST_EQ((uint64_t)(int64_t)sc.vms[1].shmem, (uint64_t)(int64_t)-1);

    set_str(&n[1], "shmem", "nosuch");
    expect_error(n, 3, 2, "a", "shmem", "names no");
    set_str(&n[1], "shmem", "msgbuf");
    set_cells(&n[1], "shmem-gpa", 2, 0x0u, 0x80001000u); /* inside the VM's RAM */
    expect_error(n, 3, 2, "a", "shmem-gpa", "overlaps the VM's memory");
    set_cells(&n[1], "shmem-gpa", 2, 0x0u, 0xc0000800u);
    expect_error(n, 3, 2, "a", "shmem-gpa", "4 KiB aligned");
    del_prop(&n[1], "shmem-gpa");
    expect_error(n, 3, 2, "a", "shmem-gpa", "go together");
    set_cells(&n[1], "shmem-gpa", 2, 0x0u, 0xc0000000u);
    set_cells(&n[0], "size", 2, 0x0u, 0x1001u);
    expect_error(n, 3, 2, "msgbuf", "size", "multiple of 4 KiB");
    set_cells(&n[0], "size", 2, 0x0u, 0x1000u);
    set_str(&n[0], "bogus", "x");
    expect_error(n, 3, 2, "msgbuf", "bogus", "unknown property");
}

static void pt_node(struct node *n, const char *name, uint32_t hpa, uint32_t size)
{
    memset(n, 0, sizeof(*n));
    snprintf(n->name, sizeof(n->name), "%s", name);
    n->depth = 1;
    set_str(n, "compatible", "keel,passthrough");
    set_cells(n, "reg", 4, 0x0u, hpa, 0x0u, size);
}

/* keel,passthrough subnodes: host windows and interrupts given to one VM */
static void test_passthrough(void)
{
    struct node n[6];
    memset(&n[0], 0, sizeof(n[0]));
    snprintf(n[0].name, sizeof(n[0].name), "msgbuf");
    set_str(&n[0], "compatible", "keel,shmem");
    set_cells(&n[0], "size", 2, 0x0u, 0x2000u);
    vm_node(&n[1], "a"); /* RAM 0x80000000 + 256 MiB */
    set_str(&n[1], "shmem", "msgbuf");
    set_cells(&n[1], "shmem-gpa", 2, 0x0u, 0xc0000000u);
    pt_node(&n[2], "rtc@101000", 0x101000u, 0x1000u);
    set_cells(&n[2], "interrupts", 4, 11u, 12u, 13u, 14u);
    pt_node(&n[3], "virtio", 0x10008000u, 0x1000u);
    set_cells(&n[3], "gpa", 2, 0x0u, 0x20000000u);
    vm_node(&n[4], "b");
    pt_node(&n[5], "virtio2", 0x10007000u, 0x1000u);
    set_cells(&n[5], "interrupts", 2, 7u, 12u); /* another VM may use guest interrupt 12 */
    build("keel,scenario", n, 6);
    KTEST_EQ(parse(2), 0);
    KTEST_EQ(sc.nr_vms, 2);
    const struct vm_config *a = &sc.vms[0];
    KTEST_EQ(a->nr_passthrough, 2);
    KTEST_CHECK(!strcmp(a->passthrough[0].name, "rtc@101000"));
    KTEST_EQ(a->passthrough[0].hpa, 0x101000u);
    KTEST_EQ(a->passthrough[0].gpa, 0x101000u); /* no gpa: the host address */
    KTEST_EQ(a->passthrough[0].size, 0x1000u);
    KTEST_EQ(a->passthrough[0].nr_irqs, 2);
    KTEST_EQ(a->passthrough[0].host_irq[1], 13u);
    KTEST_EQ(a->passthrough[0].guest_irq[1], 14u);
    KTEST_EQ(a->passthrough[1].gpa, 0x20000000u);
    KTEST_EQ(a->passthrough[1].nr_irqs, 0);
    KTEST_EQ(sc.vms[1].nr_passthrough, 1);
    KTEST_EQ(sc.vms[1].passthrough[0].host_irq[0], 7u);

    /* the node itself */
    set_str(&n[3], "compatible", "keel,other");
    expect_error(n, 6, 2, "a/virtio", NULL, "keel,passthrough");
    set_str(&n[3], "compatible", "keel,passthrough");
    set_str(&n[3], "bogus", "x");
    expect_error(n, 6, 2, "a/virtio", "bogus", "unknown property");
    del_prop(&n[3], "bogus");
    /* the host window */
    del_prop(&n[2], "reg");
    expect_error(n, 6, 2, "a/rtc@101000", "reg", "4 cells");
    set_cells(&n[2], "reg", 2, 0x0u, 0x101000u);
    expect_error(n, 6, 2, "a/rtc@101000", "reg", "4 cells");
    set_cells(&n[2], "reg", 4, 0x0u, 0x101000u, 0x0u, 0x0u);
    expect_error(n, 6, 2, "a/rtc@101000", "reg", "multiples of 4 KiB");
    set_cells(&n[2], "reg", 4, 0x0u, 0x101800u, 0x0u, 0x1000u);
    expect_error(n, 6, 2, "a/rtc@101000", "reg", "multiples of 4 KiB");
    set_cells(&n[2], "reg", 4, 0xffffffffu, 0xfffff000u, 0x0u, 0x2000u);
    expect_error(n, 6, 2, "a/rtc@101000", "reg", "multiples of 4 KiB");
    set_cells(&n[2], "reg", 4, 0x0u, 0x101000u, 0x0u, 0x1000u);
    /* the guest window */
    set_cells(&n[3], "gpa", 1, 0x20000000u);
    expect_error(n, 6, 2, "a/virtio", "gpa", "2 cells");
    set_cells(&n[3], "gpa", 2, 0x0u, 0x20000800u);
    expect_error(n, 6, 2, "a/virtio", "gpa", "4 KiB aligned");
    set_cells(&n[3], "gpa", 2, 0x0u, 0x8ffff000u);
    expect_error(n, 6, 2, "a/virtio", "gpa", "overlaps the VM's memory");
    set_cells(&n[3], "gpa", 2, 0x0u, 0xc0001000u);
    expect_error(n, 6, 2, "a/virtio", "gpa", "overlaps the VM's shmem");
    set_cells(&n[3], "gpa", 2, 0x0u, 0x101000u);
    expect_error(n, 6, 2, "a/virtio", "gpa", "overlaps another pass-through device");
    del_prop(&n[3], "gpa");
    set_cells(&n[3], "reg", 4, 0x0u, 0x80000000u, 0x0u, 0x1000u); /* no gpa: host address in RAM */
    expect_error(n, 6, 2, "a/virtio", "reg", "overlaps the VM's memory");
    set_cells(&n[3], "reg", 4, 0x0u, 0x10008000u, 0x0u, 0x1000u);
    /* interrupts */
    set_cells(&n[2], "interrupts", 1, 11u);
    expect_error(n, 6, 2, "a/rtc@101000", "interrupts", "pairs");
    set_cells(&n[2], "interrupts", 10, 1u, 1u, 2u, 2u, 3u, 3u, 4u, 4u, 5u, 5u);
    expect_error(n, 6, 2, "a/rtc@101000", "interrupts", "1 to 4 pairs");
    set_prop(&n[2], "interrupts", "", 0);
    expect_error(n, 6, 2, "a/rtc@101000", "interrupts", "pairs");
    set_cells(&n[2], "interrupts", 2, 0u, 12u);
    expect_error(n, 6, 2, "a/rtc@101000", "interrupts", "interrupt 0");
    set_cells(&n[2], "interrupts", 2, 11u, 0u);
    expect_error(n, 6, 2, "a/rtc@101000", "interrupts", "interrupt 0");
    set_cells(&n[2], "interrupts", 4, 11u, 12u, 13u, 12u);
    expect_error(n, 6, 2, "a/rtc@101000", "interrupts", "guest interrupt is given twice");
    set_cells(&n[2], "interrupts", 4, 11u, 12u, 11u, 14u);
    expect_error(n, 6, 2, "a/rtc@101000", "interrupts", "host interrupt is given twice");
    set_cells(&n[2], "interrupts", 2, 11u, 12u);
    set_cells(&n[3], "interrupts", 2, 5u, 12u); /* guest 12 again, on another device of the VM */
    expect_error(n, 6, 2, "a/virtio", "interrupts", "guest interrupt is given twice");
    set_cells(&n[3], "interrupts", 2, 11u, 15u); /* host 11 again, on another device of the VM */
    expect_error(n, 6, 2, "a/virtio", "interrupts", "host interrupt is given twice");
    del_prop(&n[3], "interrupts");
    /* two VMs */
    set_cells(&n[5], "interrupts", 2, 11u, 3u);
    build("keel,scenario", n, 6);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("VMs 'a' and 'b'") && has("'rtc@101000' and 'virtio2'") && has("an interrupt"));
    set_cells(&n[5], "interrupts", 2, 7u, 3u);
    set_cells(&n[5], "reg", 4, 0x0u, 0x10008000u, 0x0u, 0x2000u);
    build("keel,scenario", n, 6);
    KTEST_EQ(parse(2), -1);
    KTEST_CHECK(has("VMs 'a' and 'b'") && has("'virtio' and 'virtio2'") && has("memory"));
    /* at most 4 per VM */
    struct node m[6];
    vm_node(&m[0], "many");
    for (int i = 1; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof(name), "d%d", i);
        pt_node(&m[i], name, 0x10000000u + 0x1000u * (uint32_t)i, 0x1000u);
    }
    build("keel,scenario", m, 5);
    KTEST_EQ(parse(2), 0);
    KTEST_EQ(sc.vms[0].nr_passthrough, 4);
    expect_error(m, 6, 2, "many", NULL, "more than 4 pass-through devices");
}

/* File names and bootargs must each be one non-empty NUL-terminated string. */
static void test_bad_strings(void)
{
    static const char *const props[] = { "kernel", "initrd", "dtb", "bootargs" };
    static const struct {
        const char *val;
        int len;
    } bad[] = {
        { "vm0-Image", 9 },     /* no NUL */
        { "", 1 },              /* empty */
        { "", 0 },              /* no value at all */
        { "a\0b", 4 },          /* a string list */
        { "\0abc", 5 },         /* starts with NUL */
        { "\x01\x02\x03\x04", 4 },
    };
    struct node n[2];
    for (size_t p = 0; p < KEEL_ARRAY_SIZE(props); p++)
        for (size_t b = 0; b < KEEL_ARRAY_SIZE(bad); b++) {
            vm_node(&n[0], "vm0");
            vm_node(&n[1], "vm1");
            set_prop(&n[1], props[p], bad[b].val, bad[b].len);
            expect_error(n, 2, 2, "vm1", props[p], "string");
        }
}

/* The message is cut to the buffer, never overflowing it (ASan: exact-size heap buffers). */
static void test_small_error_buffer(void)
{
    struct node n[1];
    vm_node(&n[0], "a-rather-long-node-name-for-a-vm");
    set_cells(&n[0], "vcpus", 1, 9u);
    build("keel,scenario", n, 1);
    for (size_t len = 1; len < 100; len += 7) {
        char *e = malloc(len);
        memset(e, 'x', len);
        KTEST_EQ(scenario_parse(fdt, 2, &sc, e, len), -1);
        KTEST_CHECK(memchr(e, '\0', len) != NULL);
        KTEST_CHECK(!strncmp(e, "scenario: /a-rather", len - 1 < 19 ? len - 1 : 19));
        free(e);
    }
}

int main(void)
{
    KTEST_RUN(test_valid);
    KTEST_RUN(test_four_vms);
    KTEST_RUN(test_root_errors);
    KTEST_RUN(test_unknown_property);
    KTEST_RUN(test_missing);
    KTEST_RUN(test_memory_errors);
    KTEST_RUN(test_vcpus_errors);
    KTEST_RUN(test_cpus_errors);
    KTEST_RUN(test_sstc_errors);
    KTEST_RUN(test_host_placement);
    KTEST_RUN(test_shmem);
    KTEST_RUN(test_passthrough);
    KTEST_RUN(test_bad_strings);
    KTEST_RUN(test_small_error_buffer);
    return ktest_summary();
}
