/* SPDX-License-Identifier: MIT */
/*
 * Host tests of guest DTB finishing (hyp/guest_fdt.c) on the real guest template,
 * configs/qemu-virt-riscv64/linux.dts compiled by dtc at build time (GUEST_DTB_PATH), and on
 * QEMU's own riscv64 virt DTB (QEMU_RV_DTB_PATH, when QEMU is installed), and of
 * guest_riscv_isa().
 */
#include <keel/guest_fdt.h>
#include <libfdt.h>
#include <stdlib.h>

#include "ktest.h"

#define BUF_SIZE (64 * 1024) /* what vm.c gives a guest DTB */

static void *read_file(const char *path, size_t *len)
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
    *len = (size_t)n;
    return p;
}

static void *tmpl;
static size_t tmpl_len;
static char err[256];

static struct guest_fdt_params params(uint32_t nr_vcpus)
{
    return (struct guest_fdt_params){
        .ram_gpa = 0x80000000,
        .ram_size = 0x20000000,
        .bootargs = NULL,
        .initrd_start = 0,
        .initrd_end = 0,
        .nr_vcpus = nr_vcpus,
        .riscv_isa = "rv64imafdc_zicsr_zifencei_sstc",
        .timebase_hz = 0,
    };
}

/* Finish `t` into a fresh exact-size heap buffer of `size` bytes; returns it (free it). */
static void *finish(const void *t, size_t size, const struct guest_fdt_params *p, int *rc)
{
    void *buf = malloc(size);
    memset(buf, 0xee, size);
    memset(err, 0, sizeof(err));
    *rc = guest_fdt_finish(buf, size, t, p, err, sizeof(err));
    return buf;
}

static uint32_t u32_at(const void *fdt, const char *path, const char *prop)
{
    int node = fdt_path_offset(fdt, path);
    int len = 0;
    const fdt32_t *v = node >= 0 ? fdt_getprop(fdt, node, prop, &len) : NULL;
    KTEST_CHECK(v && len == 4);
    return v && len == 4 ? fdt32_to_cpu(*v) : 0xdeadbeef;
}

static uint64_t u64_at(const void *fdt, const char *path, const char *prop)
{
    int node = fdt_path_offset(fdt, path);
    int len = 0;
    const fdt32_t *v = node >= 0 ? fdt_getprop(fdt, node, prop, &len) : NULL;
    KTEST_CHECK(v && len == 8);
    return v && len == 8 ? ((uint64_t)fdt32_to_cpu(v[0]) << 32) | fdt32_to_cpu(v[1]) : 0;
}

static const char *str_at(const void *fdt, const char *path, const char *prop)
{
    int node = fdt_path_offset(fdt, path);
    return node >= 0 ? fdt_getprop(fdt, node, prop, NULL) : NULL;
}

static bool has_prop(const void *fdt, const char *path, const char *prop)
{
    int node = fdt_path_offset(fdt, path);
    return node >= 0 && fdt_getprop(fdt, node, prop, NULL) != NULL;
}

/* The result is a valid, packed DTB inside the buffer. */
static void check_valid(const void *fdt, size_t size)
{
    KTEST_EQ(fdt_check_header(fdt), 0);
    KTEST_CHECK(fdt_totalsize(fdt) <= size);
    KTEST_EQ(fdt_check_full(fdt, fdt_totalsize(fdt)), 0);
    /* packed: the strings block ends the blob */
    KTEST_EQ(fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt), fdt_totalsize(fdt));
}

static int count_cpus(const void *fdt)
{
    int cpus = fdt_path_offset(fdt, "/cpus"), n = 0, node;
    fdt_for_each_subnode(node, fdt, cpus) {
        const char *type = fdt_getprop(fdt, node, "device_type", NULL);
        n += type && !strcmp(type, "cpu");
    }
    return n;
}

/* ------------------------------------------------------------------------------------------ */

static void test_template_as_is(void)
{
    KTEST_EQ(fdt_check_header(tmpl), 0);
    KTEST_EQ(count_cpus(tmpl), 8);
    KTEST_CHECK(str_at(tmpl, "/chosen", "bootargs") &&
                !strcmp(str_at(tmpl, "/chosen", "bootargs"), "console=ttyS0"));
}

static void test_memory_and_chosen(void)
{
    struct guest_fdt_params p = params(8);
    p.ram_gpa = 0x1080000000ull;
    p.ram_size = 0x140000000ull;
    p.bootargs = "console=ttyS0 root=/dev/vda rw";
    p.initrd_start = 0x81000000;
    p.initrd_end = 0x81234567;
    int rc;
    void *fdt = finish(tmpl, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    check_valid(fdt, BUF_SIZE);
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, fdt_path_offset(fdt, "/memory@80000000"), "reg", &len);
    KTEST_CHECK(reg && len == 16);
    if (reg && len == 16) {
        KTEST_EQ(fdt32_to_cpu(reg[0]), 0x10);
        KTEST_EQ(fdt32_to_cpu(reg[1]), 0x80000000);
        KTEST_EQ(fdt32_to_cpu(reg[2]), 0x1);
        KTEST_EQ(fdt32_to_cpu(reg[3]), 0x40000000);
    }
    const char *args = str_at(fdt, "/chosen", "bootargs");
    KTEST_CHECK(args && !strcmp(args, "console=ttyS0 root=/dev/vda rw"));
    KTEST_EQ(u64_at(fdt, "/chosen", "linux,initrd-start"), 0x81000000);
    KTEST_EQ(u64_at(fdt, "/chosen", "linux,initrd-end"), 0x81234567);
    /* untouched */
    KTEST_CHECK(!strcmp(str_at(fdt, "/chosen", "stdout-path"), "/soc/serial@10000000"));
    KTEST_EQ(u32_at(fdt, "/cpus", "timebase-frequency"), 10000000); /* kept: timebase_hz 0 */
    free(fdt);

    /* no bootargs: the template's stay; no initrd: no initrd properties */
    p = params(8);
    fdt = finish(tmpl, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    check_valid(fdt, BUF_SIZE);
    KTEST_CHECK(!strcmp(str_at(fdt, "/chosen", "bootargs"), "console=ttyS0"));
    KTEST_CHECK(!has_prop(fdt, "/chosen", "linux,initrd-start"));
    KTEST_CHECK(!has_prop(fdt, "/chosen", "linux,initrd-end"));
    reg = fdt_getprop(fdt, fdt_path_offset(fdt, "/memory"), "reg", &len);
    KTEST_CHECK(reg && len == 16 && fdt32_to_cpu(reg[3]) == 0x20000000);
    free(fdt);

    /* an empty range (end == start) is no initrd */
    p.initrd_start = p.initrd_end = 0x81000000;
    fdt = finish(tmpl, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    KTEST_CHECK(!has_prop(fdt, "/chosen", "linux,initrd-start"));
    free(fdt);

    /* an empty bootargs string is set as given */
    p = params(8);
    p.bootargs = "";
    fdt = finish(tmpl, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    KTEST_CHECK(str_at(fdt, "/chosen", "bootargs") && !*str_at(fdt, "/chosen", "bootargs"));
    free(fdt);
}

static void test_timebase_and_isa(void)
{
    struct guest_fdt_params p = params(8);
    p.timebase_hz = 25000000;
    p.riscv_isa = "rv64imafdc_zicsr_zifencei_zba_zbb";
    int rc;
    void *fdt = finish(tmpl, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    check_valid(fdt, BUF_SIZE);
    KTEST_EQ(u32_at(fdt, "/cpus", "timebase-frequency"), 25000000);
    for (int i = 0; i < 8; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/cpus/cpu@%d", i);
        const char *isa = str_at(fdt, path, "riscv,isa");
        KTEST_CHECK(isa && !strcmp(isa, "rv64imafdc_zicsr_zifencei_zba_zbb"));
        KTEST_CHECK(!strcmp(str_at(fdt, path, "mmu-type"), "riscv,sv39")); /* untouched */
    }
    free(fdt);
    /* riscv_isa NULL (Arm): the template's strings stay */
    p.riscv_isa = NULL;
    fdt = finish(tmpl, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    KTEST_CHECK(!strcmp(str_at(fdt, "/cpus/cpu@3", "riscv,isa"), "rv64imafdc"));
    free(fdt);
}

/* cpu nodes beyond nr_vcpus go, and so do the PLIC contexts that pointed at them. */
static void test_cpu_trimming(void)
{
    for (uint32_t n = 1; n <= 8; n++) {
        struct guest_fdt_params p = params(n);
        int rc;
        void *fdt = finish(tmpl, BUF_SIZE, &p, &rc);
        KTEST_EQ(rc, 0);
        check_valid(fdt, BUF_SIZE);
        KTEST_EQ(count_cpus(fdt), n);
        for (uint32_t i = 0; i < 8; i++) {
            char path[32];
            snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
            KTEST_EQ(fdt_path_offset(fdt, path) >= 0, i < n);
        }
        /* interrupts-extended: one <&cpuN_intc 9> per remaining vCPU, in order */
        int plic = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
        KTEST_CHECK(plic >= 0);
        int len;
        const fdt32_t *ie = fdt_getprop(fdt, plic, "interrupts-extended", &len);
        KTEST_CHECK(ie != NULL);
        KTEST_EQ(len, 8 * n);
        for (uint32_t i = 0; ie && i < n && (int)(8 * i) < len; i++) {
            char path[48];
            snprintf(path, sizeof(path), "/cpus/cpu@%u/interrupt-controller", i);
            int intc = fdt_path_offset(fdt, path);
            KTEST_CHECK(intc >= 0);
            KTEST_EQ(fdt32_to_cpu(ie[2 * i]), fdt_get_phandle(fdt, intc));
            KTEST_EQ(fdt32_to_cpu(ie[2 * i + 1]), 9);
        }
        /* every riscv,isa of the kept cpus was replaced */
        for (uint32_t i = 0; i < n; i++) {
            char path[32];
            snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
            KTEST_CHECK(!strcmp(str_at(fdt, path, "riscv,isa"), p.riscv_isa));
        }
        free(fdt);
    }
}

/* As vm.c does it: the template copied into the buffer first, finished in place. */
static void test_in_place(void)
{
    struct guest_fdt_params p = params(2);
    p.bootargs = "console=hvc0";
    uint8_t *buf = malloc(BUF_SIZE);
    memcpy(buf, tmpl, tmpl_len);
    KTEST_EQ(guest_fdt_finish(buf, BUF_SIZE, buf, &p, err, sizeof(err)), 0);
    check_valid(buf, BUF_SIZE);
    KTEST_EQ(count_cpus(buf), 2);
    KTEST_CHECK(!strcmp(str_at(buf, "/chosen", "bootargs"), "console=hvc0"));
    free(buf);
}

static void test_errors(void)
{
    struct guest_fdt_params p = params(2);
    p.bootargs = "console=ttyS0 earlycon=sbi quiet loglevel=8 init=/sbin/init";
    int rc;
    /* buffer smaller than the template */
    void *fdt = finish(tmpl, fdt_totalsize(tmpl) / 2, &p, &rc);
    KTEST_EQ(rc, -1);
    KTEST_CHECK(strstr(err, "guest DTB") && strstr(err, "buffer"));
    free(fdt);
    /* every size up to the one that works: -1 with a message, never a write outside */
    size_t ok_size = 0;
    for (size_t size = 64; size < fdt_totalsize(tmpl) + 256; size += 4) {
        fdt = finish(tmpl, size, &p, &rc);
        if (rc == 0) {
            check_valid(fdt, size);
            if (!ok_size)
                ok_size = size;
        } else {
            KTEST_EQ(rc, -1);
            KTEST_CHECK(!strncmp(err, "guest DTB: ", 11));
            KTEST_CHECK(!ok_size); /* a larger buffer never fails where a smaller one worked */
        }
        free(fdt);
    }
    KTEST_CHECK(ok_size != 0);
    /* just the template's size: the larger bootargs cannot fit */
    fdt = finish(tmpl, fdt_totalsize(tmpl), &p, &rc);
    KTEST_EQ(rc, -1);
    KTEST_CHECK(strstr(err, "guest DTB: ") != NULL);
    free(fdt);

    /* not a DTB */
    uint8_t junk[256];
    memset(junk, 0x42, sizeof(junk));
    fdt = finish(junk, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, -1);
    KTEST_CHECK(strstr(err, "template is not a device tree blob") != NULL);
    free(fdt);

    /* a template without /memory, without /cpus */
    uint8_t *t = malloc(BUF_SIZE);
    KTEST_EQ(fdt_open_into(tmpl, t, BUF_SIZE), 0);
    KTEST_EQ(fdt_del_node(t, fdt_path_offset(t, "/memory")), 0);
    fdt = finish(t, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, -1);
    KTEST_CHECK(strstr(err, "no /memory node") != NULL);
    free(fdt);
    KTEST_EQ(fdt_open_into(tmpl, t, BUF_SIZE), 0);
    KTEST_EQ(fdt_del_node(t, fdt_path_offset(t, "/cpus")), 0);
    fdt = finish(t, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, -1);
    KTEST_CHECK(strstr(err, "no /cpus node") != NULL);
    free(fdt);
    /* root cells other than 2/2 */
    KTEST_EQ(fdt_open_into(tmpl, t, BUF_SIZE), 0);
    KTEST_EQ(fdt_setprop_u32(t, 0, "#size-cells", 1), 0);
    fdt = finish(t, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, -1);
    KTEST_CHECK(strstr(err, "#size-cells") != NULL);
    free(fdt);
    /* no /chosen: one is added */
    KTEST_EQ(fdt_open_into(tmpl, t, BUF_SIZE), 0);
    KTEST_EQ(fdt_del_node(t, fdt_path_offset(t, "/chosen")), 0);
    p.bootargs = "console=ttyS0";
    fdt = finish(t, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    KTEST_CHECK(str_at(fdt, "/chosen", "bootargs") &&
                !strcmp(str_at(fdt, "/chosen", "bootargs"), "console=ttyS0"));
    free(fdt);
    free(t);
}

/* QEMU's own DTB as a template: M- and S-mode PLIC contexts, a cpu-map, a clint. */
static void test_qemu_template(void)
{
#ifdef QEMU_RV_DTB_PATH
    size_t len;
    void *q = read_file(QEMU_RV_DTB_PATH, &len);
    KTEST_EQ(fdt_check_header(q), 0);
    struct guest_fdt_params p = params(1);
    int rc;
    void *fdt = finish(q, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    check_valid(fdt, BUF_SIZE);
    KTEST_EQ(count_cpus(fdt), 1);
    KTEST_CHECK(fdt_path_offset(fdt, "/cpus/cpu@1") < 0);
    KTEST_CHECK(fdt_path_offset(fdt, "/cpus/cpu-map") < 0); /* it named cpu@1 */
    int plic = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
    int ie_len;
    const fdt32_t *ie = fdt_getprop(fdt, plic, "interrupts-extended", &ie_len);
    KTEST_EQ(ie_len, 16); /* hart 0: M (11) and S (9) contexts */
    int intc = fdt_path_offset(fdt, "/cpus/cpu@0/interrupt-controller");
    if (ie && ie_len == 16) {
        KTEST_EQ(fdt32_to_cpu(ie[0]), fdt_get_phandle(fdt, intc));
        KTEST_EQ(fdt32_to_cpu(ie[1]), 11);
        KTEST_EQ(fdt32_to_cpu(ie[2]), fdt_get_phandle(fdt, intc));
        KTEST_EQ(fdt32_to_cpu(ie[3]), 9);
    }
    int len2;
    const fdt32_t *reg = fdt_getprop(fdt, fdt_path_offset(fdt, "/memory"), "reg", &len2);
    KTEST_CHECK(reg && len2 == 16 && fdt32_to_cpu(reg[3]) == 0x20000000);
    free(fdt);
    /* 2 vCPUs: nothing to delete, the cpu-map still goes */
    p = params(2);
    fdt = finish(q, BUF_SIZE, &p, &rc);
    KTEST_EQ(rc, 0);
    KTEST_EQ(count_cpus(fdt), 2);
    KTEST_CHECK(fdt_path_offset(fdt, "/cpus/cpu-map") < 0);
    plic = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
    fdt_getprop(fdt, plic, "interrupts-extended", &ie_len);
    KTEST_EQ(ie_len, 32);
    free(fdt);
    free(q);
#else
    printf("(no QEMU DTB: skipped)\n");
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* guest_riscv_isa                                                                            */

static void isa(const char *host, bool sstc, bool svpbmt, const char *want)
{
    char out[256];
    memset(out, 'x', sizeof(out));
    guest_riscv_isa(host, sstc, svpbmt, out, sizeof(out));
    if (strcmp(out, want))
        fprintf(stderr, "  guest_riscv_isa(\"%s\", %d, %d) = \"%s\", expected \"%s\"\n", host, sstc,
                svpbmt, out, want);
    KTEST_CHECK(!strcmp(out, want));
}

static void test_isa_filter(void)
{
    /* QEMU 7.2's string */
    static const char qemu[] = "rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";
    isa(qemu, true, false, "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc");
    isa(qemu, false, false, "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs");
    isa("rv64imafdch", true, true, "rv64imafdc");
    isa("rv64imafdc", false, false, "rv64imafdc");
    isa("rv64gch_zicsr", false, false, "rv64gc_zicsr");
    /* 'h' only goes from the single-letter part after "rv64"; multi-letter names keep theirs */
    isa("rv64ihmac_zihintpause_zicbom", false, false, "rv64imac_zihintpause_zicbom");
    /* svpbmt only when asked */
    isa("rv64imafdch_svpbmt_svinval", false, false, "rv64imafdc_svinval");
    isa("rv64imafdch_svpbmt_svinval", false, true, "rv64imafdc_svpbmt_svinval");
    /* AIA is never passed on */
    isa("rv64imafdch_smaia_ssaia_sstc_svnapot", true, true, "rv64imafdc_sstc_svnapot");
    isa("rv64imafdch_ssaia", false, false, "rv64imafdc");
    /* hypervisor-level multi-letter extensions ("h...") go */
    isa("rv64imafdch_hfoo_zba", false, false, "rv64imafdc_zba");
    /* similar names are kept: only exact words are dropped */
    isa("rv64imafdc_sstcx_ssaiax_svpbmtx_zsstc", false, false,
        "rv64imafdc_sstcx_ssaiax_svpbmtx_zsstc");
    isa("rv64imafdc_ss_sst_svpbm", false, false, "rv64imafdc_ss_sst_svpbm");
    /* empty words are dropped */
    isa("rv64imafdc__zba_", false, false, "rv64imafdc_zba");
    isa("", false, false, "");
    isa("rv64", false, false, "rv64");
}

/* Is `part` a prefix of `full`'s single-letter part followed by some of its "_words", in order?
   (A word that does not fit is left out; a shorter one after it may still be written.) */
static bool words_in_order(const char *part, const char *full)
{
    size_t base = strcspn(full, "_");
    size_t pbase = strcspn(part, "_");
    if (pbase > base || strncmp(part, full, pbase))
        return false;
    if (!part[pbase])
        return true;
    if (pbase != base)
        return false; /* words only after the whole single-letter part */
    const char *f = full + base;
    for (const char *w = part + pbase; *w;) {
        size_t wl = strcspn(w + 1, "_") + 1; /* "_word" */
        for (;;) {
            if (!*f)
                return false;
            size_t fl = strcspn(f + 1, "_") + 1;
            bool same = fl == wl && !strncmp(f, w, wl);
            f += fl;
            if (same)
                break;
        }
        w += wl;
    }
    return true;
}

/* Small output buffers: always terminated, never overflowed (exact-size heap buffers), and the
   output keeps whole words of the full result, in order. */
static void test_isa_tiny_buffers(void)
{
    static const char host[] = "rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";
    static const char full[] = "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";
    guest_riscv_isa(host, true, false, NULL, 0); /* outlen 0: nothing written at all */
    for (size_t outlen = 1; outlen <= sizeof(full) + 2; outlen++) {
        char *out = malloc(outlen);
        memset(out, 'x', outlen);
        guest_riscv_isa(host, true, false, out, outlen);
        KTEST_CHECK(memchr(out, '\0', outlen) != NULL);
        if (outlen >= sizeof(full)) {
            KTEST_CHECK(!strcmp(out, full));
        } else {
            KTEST_CHECK(words_in_order(out, full));
        }
        free(out);
    }
    char two[2];
    guest_riscv_isa(host, true, false, two, sizeof(two));
    KTEST_CHECK(two[0] == 'r' && two[1] == '\0');
}

int main(void)
{
    tmpl = read_file(GUEST_DTB_PATH, &tmpl_len);
    KTEST_RUN(test_template_as_is);
    KTEST_RUN(test_memory_and_chosen);
    KTEST_RUN(test_timebase_and_isa);
    KTEST_RUN(test_cpu_trimming);
    KTEST_RUN(test_in_place);
    KTEST_RUN(test_errors);
    KTEST_RUN(test_qemu_template);
    KTEST_RUN(test_isa_filter);
    KTEST_RUN(test_isa_tiny_buffers);
    free(tmpl);
    return ktest_summary();
}
