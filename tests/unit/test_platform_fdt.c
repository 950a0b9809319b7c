/* SPDX-License-Identifier: MIT */
/*
 * Host tests of host hardware discovery (hyp/platform_fdt.c) on the DTBs QEMU gives its guests,
 * dumped at build time (QEMU 7.2+ virt machines, 1 GiB):
 *   QEMU_RV_DTB_PATH         qemu-system-riscv64 -M virt -m 1G -smp 2
 *   QEMU_RV_NOSSTC_DTB_PATH  the same with -cpu rv64,sstc=off
 *   QEMU_A64_DTB_PATH        qemu-system-aarch64 -M virt,virtualization=on,gic-version=2
 *                            -cpu cortex-a72 -m 1G
 * Error cases edit a copy of the riscv64 DTB with libfdt.
 */
#include <keel/platform.h>
#include <libfdt.h>
#include <stdlib.h>

#include "ktest.h"

#define WORK_SIZE (64 * 1024)

static void *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *p = malloc((size_t)n);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    return p;
}

static void *rv, *rv_nosstc, *a64;
static struct platform plat;
static char err[256];

static int parse(const void *fdt)
{
    memset(err, 0, sizeof(err));
    memset(&plat, 0xa5, sizeof(plat)); /* the parser must clear what it does not fill */
    return platform_parse_fdt(fdt, &plat, err, sizeof(err));
}

/* A writable copy of `fdt` with room to grow. */
static void *edit(const void *fdt)
{
    int size = (int)fdt_totalsize(fdt) + WORK_SIZE; /* QEMU's arm DTB states 1 MiB */
    void *w = malloc((size_t)size);
    KTEST_EQ(fdt_open_into(fdt, w, size), 0);
    return w;
}

static bool has(const char *needle)
{
    bool ok = strstr(err, needle) != NULL;
    if (!ok)
        fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err, needle);
    return ok;
}

/* ------------------------------------------------------------------------------------------ */

static void test_riscv_virt(void)
{
    KTEST_EQ(parse(rv), 0);
    KTEST_CHECK(!strcmp(plat.model, "riscv-virtio,qemu"));
    /* RAM: 1 GiB at 0x80000000; QEMU itself reserves nothing */
    KTEST_EQ(plat.nr_ram, 1);
    KTEST_EQ(plat.ram[0].base, 0x80000000);
    KTEST_EQ(plat.ram[0].size, 0x40000000);
    KTEST_EQ(plat.nr_reserved, 0);
    /* console: the ns16550a at 0x10000000, PLIC source 10, byte registers */
    KTEST_CHECK(!strcmp(plat.uart_compat, "ns16550a"));
    KTEST_EQ(plat.uart_base, 0x10000000);
    KTEST_EQ(plat.uart_irq, 10);
    KTEST_EQ(plat.uart_reg_shift, 0);
    KTEST_EQ(plat.uart_reg_io_width, 1);
    KTEST_EQ(plat.initrd_start, 0);
    KTEST_EQ(plat.initrd_end, 0);
    /* harts */
    KTEST_EQ(plat.timebase_hz, 10000000);
    KTEST_EQ(plat.nr_harts, 2);
    KTEST_EQ(plat.hart_ids[0], 0);
    KTEST_EQ(plat.hart_ids[1], 1);
    KTEST_CHECK(!strncmp(plat.isa, "rv64imafdch", 11));
    KTEST_CHECK(plat.has_h);
    KTEST_CHECK(plat.has_sstc);
    KTEST_CHECK(!plat.has_svpbmt);
    KTEST_CHECK(!plat.host_sstc); /* probed at boot, never from the DT */
    /* PLIC: contexts 2i (M) and 2i+1 (S) per hart */
    KTEST_EQ(plat.plic_base, 0x0c000000);
    KTEST_EQ(plat.plic_size, 0x600000);
    KTEST_EQ(plat.plic_ndev, 96);
    KTEST_EQ(plat.plic_s_context[0], 1);
    KTEST_EQ(plat.plic_s_context[1], 3);
    for (unsigned i = 2; i < PLATFORM_MAX_HARTS; i++)
        KTEST_EQ(plat.plic_s_context[i], ~0u);
    KTEST_EQ(plat.test_dev, 0x100000);
    /* nothing Arm */
    KTEST_EQ(plat.gicd_base | plat.gicc_base | plat.gich_base | plat.gicv_base, 0);
    KTEST_EQ(plat.gic_maint_irq, 0);
    KTEST_CHECK(!plat.psci_smc && !plat.has_psci);
}

static void test_riscv_no_sstc(void)
{
    KTEST_EQ(parse(rv_nosstc), 0);
    KTEST_CHECK(plat.has_h);
    KTEST_CHECK(!plat.has_sstc);
    KTEST_CHECK(strstr(plat.isa, "sstc") == NULL);
    KTEST_EQ(plat.nr_harts, 2);
    KTEST_EQ(plat.plic_s_context[1], 3);
}

static void test_aarch64_virt(void)
{
    KTEST_EQ(parse(a64), 0);
    KTEST_CHECK(!strcmp(plat.model, "linux,dummy-virt"));
    KTEST_EQ(plat.nr_ram, 1);
    KTEST_EQ(plat.ram[0].base, 0x40000000);
    KTEST_EQ(plat.ram[0].size, 0x40000000);
    /* console: the PL011, SPI 1 = GIC interrupt 33 */
    KTEST_CHECK(!strcmp(plat.uart_compat, "arm,pl011"));
    KTEST_EQ(plat.uart_base, 0x09000000);
    KTEST_EQ(plat.uart_irq, 33);
    /* one cortex-a72, MPIDR 0; no RISC-V facts */
    KTEST_EQ(plat.nr_harts, 1);
    KTEST_EQ(plat.hart_ids[0], 0);
    KTEST_EQ(plat.isa[0], 0);
    KTEST_CHECK(!plat.has_h && !plat.has_sstc && !plat.has_svpbmt);
    KTEST_EQ(plat.timebase_hz, 0);
    KTEST_EQ(plat.plic_base, 0);
    KTEST_EQ(plat.test_dev, 0);
    /* GICv2: distributor, CPU interface, virtual interface control, virtual CPU interface */
    KTEST_EQ(plat.gicd_base, 0x08000000);
    KTEST_EQ(plat.gicc_base, 0x08010000);
    KTEST_EQ(plat.gich_base, 0x08030000);
    KTEST_EQ(plat.gicv_base, 0x08040000);
    KTEST_EQ(plat.gic_maint_irq, 25); /* PPI 9 */
    /* PSCI: with EL2 given to the guest, QEMU's PSCI firmware is reached by SMC */
    KTEST_CHECK(plat.psci_smc && plat.has_psci);

    /* HVC conduit; no /psci at all (the Raspberry Pi firmware's spin tables); a bad method */
    uint8_t *w = edit(a64);
    int node = fdt_path_offset(w, "/psci");
    KTEST_CHECK(node >= 0);
    KTEST_EQ(fdt_setprop_string(w, node, "method", "hvc"), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_CHECK(!plat.psci_smc && plat.has_psci);
    KTEST_EQ(fdt_setprop_string(w, node, "method", "spin"), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_CHECK(!plat.has_psci);
    KTEST_EQ(fdt_del_node(w, node), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_CHECK(!plat.psci_smc && !plat.has_psci);
    free(w);
}

/* Which host windows a scenario may pass through (platform_check_passthrough). */
static bool pt_refused(uint64_t hpa, uint64_t size, const char *what)
{
    memset(err, 0, sizeof(err));
    if (platform_check_passthrough(&plat, hpa, size, err, sizeof(err)) != -1)
        return false;
    return has(what);
}

static bool pt_allowed(uint64_t hpa, uint64_t size)
{
    return platform_check_passthrough(&plat, hpa, size, err, sizeof(err)) == 0;
}

static void test_passthrough_windows(void)
{
    KTEST_EQ(parse(rv), 0);
    KTEST_CHECK(pt_allowed(0x101000, 0x1000));       /* goldfish RTC */
    KTEST_CHECK(pt_allowed(0x10001000, 0x8000));     /* the virtio-mmio slots */
    KTEST_CHECK(pt_refused(0x100000, 0x1000, "test finisher"));
    KTEST_CHECK(pt_refused(0xff000, 0x2000, "test finisher")); /* overlapping by one page */
    KTEST_CHECK(pt_refused(0x0c000000, 0x1000, "PLIC"));
    KTEST_CHECK(pt_refused(0x0c5ff000, 0x1000, "PLIC"));  /* its last page */
    KTEST_CHECK(pt_allowed(0x0c600000, 0x1000));           /* just after it */
    KTEST_CHECK(pt_refused(0x10000000, 0x1000, "console UART"));
    KTEST_CHECK(pt_refused(0x80000000, 0x1000, "host RAM"));
    KTEST_CHECK(pt_refused(0xbffff000, 0x1000, "host RAM")); /* the last page of 1 GiB */
    KTEST_CHECK(pt_refused(0x7ffff000, 0x2000, "host RAM")); /* straddling its start */
    KTEST_CHECK(pt_allowed(0xc0000000, 0x1000));
    KTEST_CHECK(pt_refused(0x1000, 0, "empty"));
    KTEST_CHECK(pt_refused(0xfffffffffffff000ull, 0x2000, "wrapping"));

    KTEST_EQ(parse(a64), 0);
    KTEST_CHECK(pt_allowed(0x09010000, 0x1000)); /* PL031 RTC */
    KTEST_CHECK(pt_refused(0x09000000, 0x1000, "console UART"));
    KTEST_CHECK(pt_refused(0x08000000, 0x1000, "GIC distributor"));
    KTEST_CHECK(pt_refused(0x08010000, 0x1000, "GIC CPU interface"));
    KTEST_CHECK(pt_refused(0x08030000, 0x1000, "GIC hypervisor interface"));
    KTEST_CHECK(pt_refused(0x08040000, 0x1000, "GIC virtual CPU interface"));
    KTEST_CHECK(pt_refused(0x40000000, 0x1000, "host RAM"));
}

static void test_reserved_ranges(void)
{
    uint8_t *w = edit(rv);
    KTEST_EQ(fdt_add_mem_rsv(w, 0x80000000, 0x40000), 0);
    KTEST_EQ(fdt_add_mem_rsv(w, 0x9ff00000, 0), 0); /* empty: ignored */
    int rsv = fdt_add_subnode(w, 0, "reserved-memory");
    KTEST_CHECK(rsv >= 0);
    KTEST_EQ(fdt_setprop_u32(w, rsv, "#address-cells", 2), 0);
    KTEST_EQ(fdt_setprop_u32(w, rsv, "#size-cells", 2), 0);
    KTEST_EQ(fdt_setprop(w, rsv, "ranges", NULL, 0), 0);
    int mmode = fdt_add_subnode(w, rsv, "mmode_resv0@80000000");
    KTEST_CHECK(mmode >= 0);
    fdt32_t reg[8] = { cpu_to_fdt32(0), cpu_to_fdt32(0x80040000), cpu_to_fdt32(0),
                       cpu_to_fdt32(0x20000), cpu_to_fdt32(0x1),  cpu_to_fdt32(0x0),
                       cpu_to_fdt32(0), cpu_to_fdt32(0x1000) };
    KTEST_EQ(fdt_setprop(w, mmode, "reg", reg, sizeof(reg)), 0); /* two entries */
    int nomap = fdt_add_subnode(w, rsv, "empty@0");
    KTEST_CHECK(nomap >= 0);
    fdt32_t zero[4] = { 0, cpu_to_fdt32(0x90000000), 0, 0 };
    KTEST_EQ(fdt_setprop(w, nomap, "reg", zero, sizeof(zero)), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.nr_reserved, 3);
    KTEST_EQ(plat.reserved[0].base, 0x80000000);
    KTEST_EQ(plat.reserved[0].size, 0x40000);
    KTEST_EQ(plat.reserved[1].base, 0x80040000);
    KTEST_EQ(plat.reserved[1].size, 0x20000);
    KTEST_EQ(plat.reserved[2].base, 0x100000000ull);
    KTEST_EQ(plat.reserved[2].size, 0x1000);
    free(w);
}

static void test_more_ram_and_initrd(void)
{
    uint8_t *w = edit(rv);
    /* a second memory node, a disabled third */
    int m2 = fdt_add_subnode(w, 0, "memory@100000000");
    KTEST_EQ(fdt_setprop_string(w, m2, "device_type", "memory"), 0);
    fdt32_t reg[4] = { cpu_to_fdt32(1), 0, 0, cpu_to_fdt32(0x10000000) };
    KTEST_EQ(fdt_setprop(w, m2, "reg", reg, sizeof(reg)), 0);
    int m3 = fdt_add_subnode(w, 0, "memory@200000000");
    KTEST_EQ(fdt_setprop_string(w, m3, "device_type", "memory"), 0);
    reg[0] = cpu_to_fdt32(2);
    KTEST_EQ(fdt_setprop(w, m3, "reg", reg, sizeof(reg)), 0);
    KTEST_EQ(fdt_setprop_string(w, m3, "status", "disabled"), 0);
    /* the bundle, as a boot loader passes it: 64-bit cells */
    int chosen = fdt_path_offset(w, "/chosen");
    KTEST_EQ(fdt_setprop_u64(w, chosen, "linux,initrd-start", 0x88000000), 0);
    KTEST_EQ(fdt_setprop_u64(w, chosen, "linux,initrd-end", 0x88400000), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.nr_ram, 2);
    bool found = false;
    for (unsigned i = 0; i < plat.nr_ram; i++)
        found |= plat.ram[i].base == 0x100000000ull && plat.ram[i].size == 0x10000000;
    KTEST_CHECK(found);
    KTEST_EQ(plat.initrd_start, 0x88000000);
    KTEST_EQ(plat.initrd_end, 0x88400000);
    /* 32-bit cells (as QEMU's -initrd writes them) */
    KTEST_EQ(fdt_setprop_u32(w, chosen, "linux,initrd-start", 0x88000000), 0);
    KTEST_EQ(fdt_setprop_u32(w, chosen, "linux,initrd-end", 0x88001000), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.initrd_start, 0x88000000);
    KTEST_EQ(plat.initrd_end, 0x88001000);
    /* an inverted or half range is no initrd */
    KTEST_EQ(fdt_setprop_u32(w, chosen, "linux,initrd-end", 0x87000000), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.initrd_start | plat.initrd_end, 0);
    KTEST_EQ(fdt_delprop(w, chosen, "linux,initrd-end"), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.initrd_start | plat.initrd_end, 0);
    free(w);
}

static void test_console_variants(void)
{
    uint8_t *w = edit(rv);
    int chosen = fdt_path_offset(w, "/chosen");
    /* options after ':' are ignored */
    KTEST_EQ(fdt_setprop_string(w, chosen, "stdout-path", "/soc/serial@10000000:115200n8"), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.uart_base, 0x10000000);
    /* an alias */
    int aliases = fdt_add_subnode(w, 0, "aliases");
    KTEST_EQ(fdt_setprop_string(w, aliases, "serial0", "/soc/serial@10000000"), 0);
    chosen = fdt_path_offset(w, "/chosen"); /* offsets move when nodes are added */
    KTEST_EQ(fdt_setprop_string(w, chosen, "stdout-path", "serial0:115200n8"), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.uart_base, 0x10000000);
    KTEST_CHECK(!strcmp(plat.uart_compat, "ns16550a"));
    /* the old linux,stdout-path */
    chosen = fdt_path_offset(w, "/chosen");
    KTEST_EQ(fdt_delprop(w, chosen, "stdout-path"), 0);
    chosen = fdt_path_offset(w, "/chosen");
    KTEST_EQ(fdt_setprop_string(w, chosen, "linux,stdout-path", "/soc/serial@10000000"), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.uart_base, 0x10000000);
    /* reg-shift / reg-io-width as on DesignWare UARTs */
    int uart = fdt_path_offset(w, "/soc/serial@10000000");
    KTEST_EQ(fdt_setprop_u32(w, uart, "reg-shift", 2), 0);
    KTEST_EQ(fdt_setprop_u32(w, uart, "reg-io-width", 4), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.uart_reg_shift, 2);
    KTEST_EQ(plat.uart_reg_io_width, 4);
    free(w);
}

static void test_errors(void)
{
    /* bad header */
    uint8_t junk[128];
    memset(junk, 0, sizeof(junk));
    KTEST_EQ(parse(junk), -1);
    KTEST_CHECK(has("bad header"));
    uint8_t *w = edit(rv);
    ((fdt32_t *)(void *)w)[0] = cpu_to_fdt32(0xd00dfeee); /* magic */
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("bad header"));
    free(w);

    /* no /memory */
    w = edit(rv);
    KTEST_EQ(fdt_del_node(w, fdt_path_offset(w, "/memory@80000000")), 0);
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("/memory"));
    free(w);
    /* a /memory that is disabled or empty */
    w = edit(rv);
    int mem = fdt_path_offset(w, "/memory@80000000");
    KTEST_EQ(fdt_setprop_string(w, mem, "status", "disabled"), 0);
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("/memory"));
    KTEST_EQ(fdt_setprop_string(w, mem, "status", "okay"), 0);
    fdt32_t zero[4] = { 0, cpu_to_fdt32(0x80000000), 0, 0 };
    KTEST_EQ(fdt_setprop(w, mem, "reg", zero, sizeof(zero)), 0);
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("/memory"));
    free(w);

    /* no /chosen */
    w = edit(rv);
    KTEST_EQ(fdt_del_node(w, fdt_path_offset(w, "/chosen")), 0);
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("/chosen"));
    free(w);
    /* no stdout-path */
    w = edit(rv);
    KTEST_EQ(fdt_delprop(w, fdt_path_offset(w, "/chosen"), "stdout-path"), 0);
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("stdout-path"));
    free(w);
    /* stdout-path naming nothing: a missing node, an unknown alias */
    static const char *const nowhere[] = { "/soc/serial@20000000", "/nonexistent",
                                           "serial7:115200", "/soc/serial@10000000/child" };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(nowhere); i++) {
        w = edit(rv);
        KTEST_EQ(fdt_setprop_string(w, fdt_path_offset(w, "/chosen"), "stdout-path", nowhere[i]),
                 0);
        KTEST_EQ(parse(w), -1);
        KTEST_CHECK(has("stdout-path") && has("does not exist"));
        free(w);
    }
    /* the console node lacks compatible or reg */
    w = edit(rv);
    KTEST_EQ(fdt_delprop(w, fdt_path_offset(w, "/soc/serial@10000000"), "reg"), 0);
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("compatible or reg"));
    free(w);
    w = edit(rv);
    KTEST_EQ(fdt_delprop(w, fdt_path_offset(w, "/soc/serial@10000000"), "compatible"), 0);
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("compatible or reg"));
    free(w);
    /* no /cpus, no usable cpu */
    w = edit(rv);
    KTEST_EQ(fdt_del_node(w, fdt_path_offset(w, "/cpus")), 0);
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("/cpus"));
    free(w);
    w = edit(rv);
    for (int i = 0; i < 2; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/cpus/cpu@%d", i);
        KTEST_EQ(fdt_setprop_string(w, fdt_path_offset(w, path), "mmu-type", "riscv,none"), 0);
    }
    KTEST_EQ(parse(w), -1);
    KTEST_CHECK(has("cpu"));
    free(w);
}

static void test_cpu_filtering(void)
{
    uint8_t *w = edit(rv);
    /* a monitor core without an MMU first (like the SiFive S7 on the U74-MC) is skipped */
    KTEST_EQ(fdt_setprop_string(w, fdt_path_offset(w, "/cpus/cpu@0"), "mmu-type", "riscv,none"),
             0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.nr_harts, 1);
    KTEST_EQ(plat.hart_ids[0], 1);
    KTEST_EQ(plat.plic_s_context[0], 3); /* hart index 0 is hartid 1 */
    KTEST_EQ(plat.plic_s_context[1], ~0u);
    free(w);
    /* a disabled cpu is skipped */
    w = edit(rv);
    KTEST_EQ(fdt_setprop_string(w, fdt_path_offset(w, "/cpus/cpu@1"), "status", "disabled"), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.nr_harts, 1);
    KTEST_EQ(plat.hart_ids[0], 0);
    free(w);
}

/* The S-mode context of a hart is the one whose interrupt is 9 (S external), whatever order the
   contexts come in; contexts of other harts or for other interrupts are not taken. */
static void test_plic_contexts(void)
{
    uint8_t *w = edit(rv);
    int plic = fdt_node_offset_by_compatible(w, -1, "riscv,plic0");
    int len;
    const fdt32_t *ie = fdt_getprop(w, plic, "interrupts-extended", &len);
    KTEST_EQ(len, 32);
    uint32_t h0 = fdt32_to_cpu(ie[0]), h1 = fdt32_to_cpu(ie[4]);
    /* S before M for hart 0, hart 1 with an S context only, then a VS (10) entry */
    fdt32_t swapped[8] = { cpu_to_fdt32(h0), cpu_to_fdt32(9),  cpu_to_fdt32(h0), cpu_to_fdt32(11),
                           cpu_to_fdt32(h1), cpu_to_fdt32(9),  cpu_to_fdt32(h1), cpu_to_fdt32(10) };
    KTEST_EQ(fdt_setprop(w, plic, "interrupts-extended", swapped, sizeof(swapped)), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.plic_s_context[0], 0);
    KTEST_EQ(plat.plic_s_context[1], 2);
    /* no S context for hart 1 */
    swapped[5] = cpu_to_fdt32(11);
    KTEST_EQ(fdt_setprop(w, plic, "interrupts-extended", swapped, sizeof(swapped)), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.plic_s_context[0], 0);
    KTEST_EQ(plat.plic_s_context[1], ~0u);
    free(w);
}

/* The GIC maintenance interrupt is a PPI (16 + n) on every real board; an SPI reads as 32 + n. */
static void test_gic_maint_irq(void)
{
    uint8_t *w = edit(a64);
    int gic = fdt_node_offset_by_compatible(w, -1, "arm,cortex-a15-gic");
    KTEST_CHECK(gic >= 0);
    fdt32_t spi[3] = { cpu_to_fdt32(0), cpu_to_fdt32(5), cpu_to_fdt32(4) };
    KTEST_EQ(fdt_setprop(w, gic, "interrupts", spi, sizeof(spi)), 0);
    KTEST_EQ(parse(w), 0);
    KTEST_EQ(plat.gic_maint_irq, 37);
    free(w);
}

int main(void)
{
    rv = read_file(QEMU_RV_DTB_PATH);
    rv_nosstc = read_file(QEMU_RV_NOSSTC_DTB_PATH);
    a64 = read_file(QEMU_A64_DTB_PATH);
    KTEST_RUN(test_riscv_virt);
    KTEST_RUN(test_riscv_no_sstc);
    KTEST_RUN(test_aarch64_virt);
    KTEST_RUN(test_passthrough_windows);
    KTEST_RUN(test_reserved_ranges);
    KTEST_RUN(test_more_ram_and_initrd);
    KTEST_RUN(test_console_variants);
    KTEST_RUN(test_errors);
    KTEST_RUN(test_cpu_filtering);
    KTEST_RUN(test_plic_contexts);
    KTEST_RUN(test_gic_maint_irq);
    free(rv);
    free(rv_nosstc);
    free(a64);
    return ktest_summary();
}
