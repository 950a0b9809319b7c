/* SPDX-License-Identifier: MIT */
/*
 * psci-test guest: exercises the PSCI and SMCCC implementation below it (keel's when it runs
 * at EL1 under keel, QEMU's built-in PSCI firmware on plain QEMU) and checks every result
 * against PSCI 1.1 (Arm DEN0022) and the SMC Calling Convention (Arm DEN0028).
 *
 * Output, one line per check:
 *   ok <n> - <description>
 *   ok <n> - <description> # SKIP <why>              (not offered or not applicable; not counted)
 *   ok <n> - <description> # QEMU deviation: ...      (plain QEMU only; not counted)
 *   not ok <n> - <description>: got <x> expected <y>
 * then "psci-test: <P> passed, <F> failed" and PSCI SYSTEM_OFF.
 *
 * Strictness: a device tree whose root compatible has a "keel," string (keel's guest DTB) or
 * any platform other than plain QEMU virt is held to the specifications. Only when the root
 * compatible is "linux,dummy-virt" (QEMU virt) and not keel are QEMU's documented
 * deviations (README) printed as such instead of failing.
 */
#include "guest.h"

/* 64 GiB: above RAM, the devices and everything QEMU virt maps below its high PCIe window. */
#define ADDR_UNMAPPED UINT64_C(0x1000000000)
#define FID_UNKNOWN_PSCI32 0x8400ffffu
#define FID_UNKNOWN_PSCI64 0xc400ffffu
#define FID_UNKNOWN_ARCH 0x8000ffffu
#define FID_MADE_UP 0x12345678u
#define FID_PSCI_VERSION64 0xc4000000u        /* PSCI_VERSION has no SMC64 form */
#define FID_SYSTEM_OFF64 0xc4000008u          /* nor has SYSTEM_OFF: must not power off */
#define FID_SMCCC_VERSION64 0xc0000000u       /* nor has SMCCC_VERSION */
#define FID_PSCI_VERSION_YIELDING 0x04000000u /* bit 31 clear: a yielding call */
#define W0_UPPER_GARBAGE UINT64_C(0xdeadbeef00000000)
#define SMCCC_CONV_64 0x40000000u
#define CONTEXT_MAGIC UINT64_C(0x5ec0bda7c0de0000)
#define CONTEXT_MAGIC32 UINT64_C(0x5ec0c0de)
#define RESET2_VENDOR_TYPE 0x80001234u
#define RESET2_RESERVED_TYPE 0x00000001u
#define POWER_STATE_STANDBY 0u
#define POWER_STATE_BAD_ORIGINAL 0x40000000u /* bit 30: reserved in the original format */
#define POWER_STATE_BAD_EXTENDED 0x10000000u /* bit 28: reserved in the extended format */
#define SUSPEND_FEATURE_EXTENDED 2
#define DEFAULT_CNTFRQ UINT64_C(62500000)
#define DEFAULT_UART UINT64_C(0x09000000)
#define POLL_MAX_ITERATIONS UINT64_C(200000000)
#define MS UINT64_C(1000) /* in microseconds */
#define SEC (UINT64_C(1000) * MS)
#define TIMER_AHEAD_US (10 * MS)
#define PENDING_WAIT_US (100 * MS)
#define TIMER_FIRE_WAIT_US (2 * SEC)
#define SECONDARY_WAIT_US (10 * SEC)
#define REQUIRED_ALWAYS UINT64_C(0xfffc0000) /* x18..x30 and sp (bit 31) */
#define REQUIRED_SMCCC_1_1 UINT64_C(0x0003fff0) /* x4..x17 */

volatile struct secondary_report g_secondary;
uint64_t g_clobber_after[32];
uint64_t g_clobber_sp_before;

static struct platform_info g_plat;
static uint64_t g_self;          /* own MPIDR affinity fields */
static uint64_t g_entry_el;
static bool g_use_smc;
static bool g_qemu;              /* plain QEMU virt: documented deviations are excused */
static uint64_t g_freq;
static uint64_t g_ram_base;
static uint64_t g_ram_end;       /* 0 when unknown */
static uint64_t g_psci_version;
static bool g_psci_1_0;          /* PSCI_VERSION >= 1.0: PSCI_FEATURES may be used */
static uint64_t g_smccc_version; /* 0x10000 (v1.0) when SMCCC_VERSION is not discoverable */
static bool g_has_suspend;
static bool g_has_suspend64;
static bool g_suspend_extended;
static bool g_has_reset2;
static bool g_has_reset2_64;

static uint32_t g_num;
static uint32_t g_passed;
static uint32_t g_failed;
static uint32_t g_skipped;
static uint32_t g_deviations;
static char g_desc[192];

/* ------------------------------------------------------------------------------------------ */
/* Conduit                                                                                      */
/* ------------------------------------------------------------------------------------------ */

struct smccc_res {
    int64_t x0;
    uint64_t x1;
    uint64_t x2;
    uint64_t x3;
};

/* One SMCCC call through the device tree's conduit. For an SMC32/HVC32 function ID the result
   is W0, sign-extended; a conduit instruction that raised an undefined-instruction exception
   yields SMCCC_CALL_UNDEF. */
static struct smccc_res smccc_call(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    struct smccc_regs r;
    memset(&r, 0, sizeof r);
    r.x[0] = fid;
    r.x[1] = a1;
    r.x[2] = a2;
    r.x[3] = a3;
    uint32_t undef_before = conduit_undef_count();
    smccc_invoke(&r, g_use_smc ? 1 : 0);
    struct smccc_res res = { (int64_t)r.x[0], r.x[1], r.x[2], r.x[3] };
    if (conduit_undef_count() != undef_before)
        res.x0 = SMCCC_CALL_UNDEF;
    else if ((fid & SMCCC_CONV_64) == 0)
        res.x0 = (int32_t)(uint32_t)r.x[0];
    return res;
}

static int64_t psci(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return smccc_call(fid, a1, a2, a3).x0;
}

/* ------------------------------------------------------------------------------------------ */
/* Reporting                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void num_text(char *buf, size_t size, int64_t v)
{
    if (v == SMCCC_CALL_UNDEF)
        fmt_buf(buf, size, "an undefined-instruction exception");
    else if (v >= -4096 && v <= 4096)
        fmt_buf(buf, size, "%ld", v);
    else
        fmt_buf(buf, size, "0x%lx", (uint64_t)v);
}

static bool emit(bool pass, const char *got, const char *expected)
{
    g_num++;
    if (pass) {
        g_passed++;
        out("ok %u - %s\n", g_num, g_desc);
    } else {
        g_failed++;
        out("not ok %u - %s: got %s expected %s\n", g_num, g_desc, got, expected);
    }
    return pass;
}

static bool check_eq(int64_t got, int64_t expected, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool check_eq(int64_t got, int64_t expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vbuf(g_desc, sizeof g_desc, fmt, ap);
    va_end(ap);
    char g[40];
    char e[40];
    num_text(g, sizeof g, got);
    num_text(e, sizeof e, expected);
    return emit(got == expected, g, e);
}

/* A check whose expectation is not a single value: `expected` describes it. */
static bool check_true(bool pass, int64_t got, const char *expected, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool check_true(bool pass, int64_t got, const char *expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vbuf(g_desc, sizeof g_desc, fmt, ap);
    va_end(ap);
    char g[40];
    num_text(g, sizeof g, got);
    return emit(pass, g, expected);
}

/* A QEMU non-conformance (plain QEMU virt only): printed, counted neither passed nor failed. */
static void emit_deviation(const char *detail)
{
    g_num++;
    g_deviations++;
    out("ok %u - %s # QEMU deviation: %s\n", g_num, g_desc, detail);
}

/* Like check_eq, but on plain QEMU a documented deviation `qemu_value` is printed as such. */
static bool check_eq_qemu(int64_t got, int64_t expected, int64_t qemu_value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool check_eq_qemu(int64_t got, int64_t expected, int64_t qemu_value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vbuf(g_desc, sizeof g_desc, fmt, ap);
    va_end(ap);
    char g[40];
    char e[40];
    num_text(g, sizeof g, got);
    num_text(e, sizeof e, expected);
    if (got != expected && g_qemu && got == qemu_value) {
        char detail[96];
        fmt_buf(detail, sizeof detail, "got %s expected %s", g, e);
        emit_deviation(detail);
        return true;
    }
    return emit(got == expected, g, e);
}

/* A check not attempted on plain QEMU because QEMU is known to misbehave (README). */
static void qemu_not_attempted(const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void qemu_not_attempted(const char *detail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vbuf(g_desc, sizeof g_desc, fmt, ap);
    va_end(ap);
    emit_deviation(detail);
}

static void check_skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check_skip(const char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vbuf(g_desc, sizeof g_desc, fmt, ap);
    va_end(ap);
    g_num++;
    g_skipped++;
    out("ok %u - %s # SKIP %s\n", g_num, g_desc, why);
}

void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far)
{
    g_num++;
    g_failed++;
    out("not ok %u - %s esr=0x%lx elr=0x%lx far=0x%lx: got an exception expected none\n", g_num,
        what, esr, elr, far);
}

void finish(void)
{
    if (g_el2_stub_traps[0] != 0) {
        fmt_buf(g_desc, sizeof g_desc,
                "el2: nothing reached the guest's EL2 stub (last ESR_EL2 0x%lx ELR_EL2 0x%lx)",
                g_el2_stub_traps[1], g_el2_stub_traps[2]);
        char g[24];
        num_text(g, sizeof g, (int64_t)g_el2_stub_traps[0]);
        emit(false, g, "0");
    }
    out("# %u skipped, %u QEMU deviations, %u conduit calls raised an exception\n", g_skipped,
        g_deviations, conduit_undef_count());
    out("psci-test: %u passed, %u failed\n", g_passed, g_failed);
    int64_t r = psci(PSCI_SYSTEM_OFF, 0, 0, 0);
    char g[40];
    num_text(g, sizeof g, r);
    out("# SYSTEM_OFF returned %s\n", g);
    for (;;)
        wait_for_interrupt();
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static uint64_t us_to_ticks(uint64_t us)
{
    return g_freq * us / SEC;
}

static bool poll_isr_irq(bool want, uint64_t timeout_us)
{
    uint64_t start = read_cntvct();
    uint64_t ticks = us_to_ticks(timeout_us);
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS; i++) {
        if (((read_isr() & ISR_EL1_I) != 0) == want)
            return true;
        if (read_cntvct() - start > ticks)
            return false;
    }
    return false;
}

static bool cpu_listed(uint64_t aff)
{
    for (uint32_t i = 0; i < g_plat.cpu_count; i++) {
        if ((g_plat.cpu_reg[i] & MPIDR_AFF_MASK) == aff)
            return true;
    }
    return false;
}

static bool addr_in_ram(uint64_t addr)
{
    for (uint32_t i = 0; i < g_plat.mem_count; i++) {
        if (addr >= g_plat.mem_base[i] && addr - g_plat.mem_base[i] < g_plat.mem_size[i])
            return true;
    }
    return false;
}

/* An MPIDR value no cpu has: own affinity with Aff0 = 0xff (or 0xfe if that exists). */
static uint64_t absent_cpu(void)
{
    uint64_t t = (g_self & ~UINT64_C(0xff)) | 0xff;
    if (cpu_listed(t))
        t = (g_self & ~UINT64_C(0xff)) | 0xfe;
    return t;
}

static uint64_t entry_addr(void)
{
    return (uint64_t)(uintptr_t)secondary_entry;
}

static const char *conduit_name(enum conduit c)
{
    static const char k_names[4][8] = { "none", "hvc", "smc", "other" };
    return k_names[c];
}

/* ------------------------------------------------------------------------------------------ */
/* Boot protocol and device tree                                                                */
/* ------------------------------------------------------------------------------------------ */

static void section_boot(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_daif,
                         uint64_t entry_sctlr)
{
    uint64_t load = (uint64_t)(uintptr_t)__image_start;
    out("# boot: entered at EL%lu%s, device tree at 0x%lx, image at 0x%lx (%lu bytes), "
        "MPIDR 0x%lx, MIDR 0x%lx\n",
        g_entry_el, g_entry_el == 2 ? " (dropped to EL1 by the guest)" : "", dtb, load,
        (uint64_t)(__image_end - __image_start), read_mpidr(), read_midr());
    check_eq((int64_t)bad_relocs, 0, "boot: image relocations are all R_AARCH64_RELATIVE");
    check_eq((int64_t)(load & 0x1fffff), 0, "boot: image loaded at a 2 MiB aligned address");
    check_eq((int64_t)(read_current_el() >> 2), 1, "boot: the checks run at EL1");
    check_eq((int64_t)(entry_daif & DAIF_MASK_ALL), (int64_t)DAIF_MASK_ALL,
             "boot: entered with PSTATE.DAIF all masked");
    if (g_entry_el == 1)
        check_eq((int64_t)(entry_sctlr & SCTLR_M), 0, "boot: entered with the MMU off");
    else
        check_skip("entered at EL2 (SCTLR_EL1 was the guest's own)",
                   "boot: entered with the MMU off");
    check_true(g_plat.valid, g_plat.valid, "1", "boot: x0 points at a flattened device tree");
    if (!g_plat.valid)
        return;
    out("# device tree: compatible \"%s\"%s, %u cpus, RAM 0x%lx-0x%lx, GICv%u, vtimer INTID %u\n",
        g_plat.root_compatible, g_plat.keel ? " (keel: strict)" : (g_qemu ? " (plain QEMU)" : ""),
        g_plat.cpu_count, g_ram_base, g_ram_end, g_plat.gic_version, g_plat.vtimer_intid);
    check_true(g_plat.psci_found, g_plat.psci_found, "1",
               "boot: the device tree has a PSCI node (compatible arm,psci*)");
    if (g_plat.psci_found)
        out("# psci node: compatible \"%s\", method \"%s\"\n", g_plat.psci_compatible,
            conduit_name(g_plat.method));
    bool method_ok = g_plat.method == CONDUIT_HVC || g_plat.method == CONDUIT_SMC;
    check_true(method_ok, (int64_t)g_plat.method, "hvc or smc",
               "boot: the PSCI method is \"hvc\" or \"smc\"");
    if (g_plat.keel)
        check_eq((int64_t)g_plat.method, CONDUIT_HVC,
                 "boot: keel's PSCI method is \"hvc\" (1 = hvc, 2 = smc)");
    check_true(cpu_listed(g_self), (int64_t)g_self, "a cpu node's reg",
               "boot: the boot CPU's MPIDR names a cpu node");
    check_true(g_ram_end != 0, (int64_t)load, "an address in a /memory range",
               "boot: the image lies in a /memory range of the device tree");
    check_true(g_plat.stdout_found, (int64_t)g_plat.uart_base, "a PL011 node",
               "boot: /chosen stdout-path names a PL011");
}

/* ------------------------------------------------------------------------------------------ */
/* PSCI_VERSION, PSCI_FEATURES, MIGRATE_INFO_TYPE                                               */
/* ------------------------------------------------------------------------------------------ */

struct fn_name {
    uint32_t fid;
    char name[28];
};

/* PSCI 1.1 functions every implementation offers to an AArch64 caller (DEN0022 table 5.1 and
   chapter 5; MIGRATE_INFO_TYPE is mandatory since 0.2, PSCI_FEATURES since 1.0). */
static const struct fn_name k_mandatory[] = {
    { PSCI_VERSION, "PSCI_VERSION" },
    { PSCI_CPU_SUSPEND, "CPU_SUSPEND" },
    { PSCI_CPU_SUSPEND64, "CPU_SUSPEND64" },
    { PSCI_CPU_OFF, "CPU_OFF" },
    { PSCI_CPU_ON, "CPU_ON" },
    { PSCI_CPU_ON64, "CPU_ON64" },
    { PSCI_AFFINITY_INFO, "AFFINITY_INFO" },
    { PSCI_AFFINITY_INFO64, "AFFINITY_INFO64" },
    { PSCI_MIGRATE_INFO_TYPE, "MIGRATE_INFO_TYPE" },
    { PSCI_SYSTEM_OFF, "SYSTEM_OFF" },
    { PSCI_SYSTEM_RESET, "SYSTEM_RESET" },
    { PSCI_FEATURES, "PSCI_FEATURES" },
};

/* The optional PSCI 1.1 functions: PSCI_FEATURES returns 0 (implemented, no flags) or
   NOT_SUPPORTED. */
static const struct fn_name k_optional[] = {
    { PSCI_FN(5), "MIGRATE" },
    { PSCI_FN64(5), "MIGRATE64" },
    { PSCI_FN(7), "MIGRATE_INFO_UP_CPU" },
    { PSCI_FN64(7), "MIGRATE_INFO_UP_CPU64" },
    { PSCI_FN(11), "CPU_FREEZE" },
    { PSCI_FN(12), "CPU_DEFAULT_SUSPEND" },
    { PSCI_FN64(12), "CPU_DEFAULT_SUSPEND64" },
    { PSCI_FN(13), "NODE_HW_STATE" },
    { PSCI_FN64(13), "NODE_HW_STATE64" },
    { PSCI_FN(14), "SYSTEM_SUSPEND" },
    { PSCI_FN64(14), "SYSTEM_SUSPEND64" },
    { PSCI_FN(15), "PSCI_SET_SUSPEND_MODE" },
    { PSCI_FN(16), "PSCI_STAT_RESIDENCY" },
    { PSCI_FN64(16), "PSCI_STAT_RESIDENCY64" },
    { PSCI_FN(17), "PSCI_STAT_COUNT" },
    { PSCI_FN64(17), "PSCI_STAT_COUNT64" },
    { PSCI_SYSTEM_RESET2, "SYSTEM_RESET2" },
    { PSCI_SYSTEM_RESET2_64, "SYSTEM_RESET2_64" },
    { PSCI_FN(19), "MEM_PROTECT" },
    { PSCI_FN(20), "MEM_PROTECT_CHECK_RANGE" },
    { PSCI_FN64(20), "MEM_PROTECT_CHECK_RANGE64" },
};

static void section_version(void)
{
    out("# PSCI_VERSION\n");
    int64_t v = psci(PSCI_VERSION, 0, 0, 0);
    g_psci_version = (uint64_t)v;
    out("# PSCI_VERSION = 0x%lx (%lu.%lu)\n", (uint64_t)v & 0xffffffffu,
        ((uint64_t)v >> 16) & 0x7fff, (uint64_t)v & 0xffff);
    check_true(v >= 0 && (v >> 31) == 0, v, "bit 31 clear",
               "psci: PSCI_VERSION is well formed (major [30:16], minor [15:0])");
    g_psci_1_0 = v >= 0 && (v >> 16) >= 1;
    check_true(g_psci_1_0, v, ">= 0x10000", "psci: PSCI_VERSION is at least 1.0");

    /* DEN0028: the function ID is W0; bits 63:32 of x0 are not part of it */
    struct smccc_regs r;
    memset(&r, 0, sizeof r);
    r.x[0] = W0_UPPER_GARBAGE | PSCI_VERSION;
    uint32_t undef_before = conduit_undef_count();
    smccc_invoke(&r, g_use_smc ? 1 : 0);
    int64_t w = conduit_undef_count() != undef_before ? SMCCC_CALL_UNDEF
                                                       : (int32_t)(uint32_t)r.x[0];
    check_eq_qemu(w, v, PSCI_NOT_SUPPORTED,
                  "psci: PSCI_VERSION with bits 63:32 of x0 set answers as PSCI_VERSION");
}

static void section_features(void)
{
    out("# PSCI_FEATURES\n");
    if (!g_psci_1_0) {
        check_skip("PSCI_VERSION < 1.0", "features: PSCI_FEATURES checks");
        return;
    }
    for (size_t i = 0; i < sizeof k_mandatory / sizeof k_mandatory[0]; i++) {
        const struct fn_name *f = &k_mandatory[i];
        int64_t r = psci(PSCI_FEATURES, f->fid, 0, 0);
        if (f->fid == PSCI_CPU_SUSPEND || f->fid == PSCI_CPU_SUSPEND64) {
            check_true(r >= 0 && (r & ~INT64_C(3)) == 0, r, "0..3 (bits 1:0 are flags)",
                       "features: PSCI_FEATURES(%s 0x%x) reports it with only defined flags",
                       f->name, f->fid);
            if (r >= 0) {
                out("# %s: %s power_state format, %s\n", f->name,
                    (r & SUSPEND_FEATURE_EXTENDED) != 0 ? "extended" : "original",
                    (r & 1) != 0 ? "OS-initiated mode supported" : "platform-coordinated only");
                g_suspend_extended = (r & SUSPEND_FEATURE_EXTENDED) != 0;
            }
            if (f->fid == PSCI_CPU_SUSPEND)
                g_has_suspend = r >= 0;
            else
                g_has_suspend64 = r >= 0;
        } else {
            check_eq(r, 0, "features: PSCI_FEATURES(%s 0x%x) returns 0 (implemented)", f->name,
                     f->fid);
        }
    }
    for (size_t i = 0; i < sizeof k_optional / sizeof k_optional[0]; i++) {
        const struct fn_name *f = &k_optional[i];
        int64_t r = psci(PSCI_FEATURES, f->fid, 0, 0);
        check_true(r == 0 || r == PSCI_NOT_SUPPORTED, r, "0 or -1 (NOT_SUPPORTED)",
                   "features: PSCI_FEATURES(%s 0x%x) returns 0 or NOT_SUPPORTED", f->name,
                   f->fid);
        if (f->fid == PSCI_SYSTEM_RESET2)
            g_has_reset2 = r == 0;
        if (f->fid == PSCI_SYSTEM_RESET2_64)
            g_has_reset2_64 = r == 0;
        if (r == 0)
            out("# optional %s is implemented\n", f->name);
    }
    int64_t r = psci(PSCI_FEATURES, FID_UNKNOWN_PSCI32, 0, 0);
    check_eq(r, PSCI_NOT_SUPPORTED, "features: PSCI_FEATURES(0x8400ffff) returns NOT_SUPPORTED");
    r = psci(PSCI_FEATURES, FID_UNKNOWN_PSCI64, 0, 0);
    check_eq(r, PSCI_NOT_SUPPORTED, "features: PSCI_FEATURES(0xc400ffff) returns NOT_SUPPORTED");
    r = psci(PSCI_FEATURES, FID_MADE_UP, 0, 0);
    check_eq(r, PSCI_NOT_SUPPORTED, "features: PSCI_FEATURES(0x12345678) returns NOT_SUPPORTED");

    /* SMCCC discovery (DEN0028 "SMCCC_VERSION"): PSCI_FEATURES(SMCCC_VERSION) is 0 from
       SMCCC v1.1 on, NOT_SUPPORTED means v1.0. keel implements v1.1. */
    r = psci(PSCI_FEATURES, SMCCC_VERSION, 0, 0);
    out("# PSCI_FEATURES(SMCCC_VERSION) = %ld\n", r);
    if (g_plat.keel)
        check_eq(r, 0, "features: PSCI_FEATURES(SMCCC_VERSION) returns 0 (keel: SMCCC v1.1)");
    else
        check_true(r == 0 || r == PSCI_NOT_SUPPORTED, r, "0 or -1 (NOT_SUPPORTED: SMCCC v1.0)",
                   "features: PSCI_FEATURES(SMCCC_VERSION) returns 0 or NOT_SUPPORTED");
    g_smccc_version = 0x10000;
    if (r == 0) {
        int64_t v = psci(SMCCC_VERSION, 0, 0, 0);
        if (v >= 0x10001 && (v >> 31) == 0)
            g_smccc_version = (uint64_t)v;
    }
}

static void section_migrate(void)
{
    out("# MIGRATE_INFO_TYPE\n");
    int64_t r = psci(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0);
    out("# MIGRATE_INFO_TYPE = %ld\n", r);
    if (g_plat.keel)
        check_eq(r, 2, "migrate: MIGRATE_INFO_TYPE returns 2 (no Trusted OS to migrate)");
    else
        check_true(r >= 0 && r <= 2, r, "0, 1 or 2",
                   "migrate: MIGRATE_INFO_TYPE returns a defined type");
}

/* ------------------------------------------------------------------------------------------ */
/* SMCCC architecture calls, unknown function IDs, register preservation                        */
/* ------------------------------------------------------------------------------------------ */

static void section_smccc(void)
{
    out("# SMCCC\n");
    if (g_smccc_version < 0x10001) {
        /* SMCCC v1.0 need not implement SMCCC_VERSION; an unknown ID returns -1 safely. */
        char g[40];
        num_text(g, sizeof g, psci(SMCCC_VERSION, 0, 0, 0));
        out("# SMCCC_VERSION returns %s (not checked)\n", g);
        check_skip("PSCI_FEATURES(SMCCC_VERSION) says SMCCC v1.0 (no SMCCC_VERSION)",
                   "smccc: SMCCC_VERSION and SMCCC_ARCH_FEATURES");
        return;
    }
    int64_t v = psci(SMCCC_VERSION, 0, 0, 0);
    out("# SMCCC_VERSION = 0x%lx (%lu.%lu)\n", (uint64_t)v, ((uint64_t)v >> 16) & 0x7fff,
        (uint64_t)v & 0xffff);
    check_true(v >= 0x10001 && (v >> 31) == 0, v, ">= 0x10001, bit 31 clear",
               "smccc: SMCCC_VERSION is well formed and at least 1.1");
    int64_t r = psci(SMCCC_ARCH_FEATURES, SMCCC_VERSION, 0, 0);
    check_eq(r, 0, "smccc: SMCCC_ARCH_FEATURES(SMCCC_VERSION) returns 0");
    r = psci(SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES, 0, 0);
    check_eq(r, 0, "smccc: SMCCC_ARCH_FEATURES(SMCCC_ARCH_FEATURES) returns 0");
    r = psci(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1, 0, 0);
    out("# SMCCC_ARCH_FEATURES(ARCH_WORKAROUND_1) = %ld\n", r);
    check_true(r >= -1 && r <= 1, r, "-1, 0 or 1",
               "smccc: SMCCC_ARCH_FEATURES(ARCH_WORKAROUND_1) returns a defined value");
    r = psci(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2, 0, 0);
    out("# SMCCC_ARCH_FEATURES(ARCH_WORKAROUND_2) = %ld\n", r);
    check_true(r >= -2 && r <= 1, r, "-2, -1, 0 or 1",
               "smccc: SMCCC_ARCH_FEATURES(ARCH_WORKAROUND_2) returns a defined value");
    r = psci(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3, 0, 0);
    out("# SMCCC_ARCH_FEATURES(ARCH_WORKAROUND_3) = %ld\n", r);
    check_true(r >= -2 && r <= 1, r, "-2, -1, 0 or 1",
               "smccc: SMCCC_ARCH_FEATURES(ARCH_WORKAROUND_3) returns a defined value");
    r = psci(SMCCC_ARCH_FEATURES, SMCCC_ARCH_SOC_ID, 0, 0);
    out("# SMCCC_ARCH_FEATURES(SMCCC_ARCH_SOC_ID) = %ld\n", r);
    check_true(r >= -1, r, ">= 0 or -1",
               "smccc: SMCCC_ARCH_FEATURES(SMCCC_ARCH_SOC_ID) returns >= 0 or NOT_SUPPORTED");
    r = psci(SMCCC_ARCH_FEATURES, FID_UNKNOWN_ARCH, 0, 0);
    check_eq(r, SMCCC_NOT_SUPPORTED,
             "smccc: SMCCC_ARCH_FEATURES(0x8000ffff) returns NOT_SUPPORTED");
}

static void section_unknown(void)
{
    static const uint32_t k_fids[] = {
        FID_UNKNOWN_PSCI32, FID_UNKNOWN_PSCI64, FID_UNKNOWN_ARCH,    FID_MADE_UP,
        FID_PSCI_VERSION64, FID_SYSTEM_OFF64,   FID_SMCCC_VERSION64, FID_PSCI_VERSION_YIELDING,
    };
    out("# unknown function IDs (DEN0028: Unknown Function Identifier = -1)\n");
    for (size_t i = 0; i < sizeof k_fids / sizeof k_fids[0]; i++) {
        struct smccc_res r = smccc_call(k_fids[i], 0x1111, 0x2222, 0x3333);
        check_eq_qemu(r.x0, SMCCC_NOT_SUPPORTED, SMCCC_CALL_UNDEF,
                      "unknown: function 0x%x returns -1 (NOT_SUPPORTED)", k_fids[i]);
        if (r.x0 == SMCCC_CALL_UNDEF)
            continue;
        /* SMCCC defines no value for unused result registers; keel documents that it leaves
           x1..x3 as they were. */
        bool kept = r.x1 == 0x1111 && r.x2 == 0x2222 && r.x3 == 0x3333;
        if (g_plat.keel)
            check_true(kept, (int64_t)r.x1, "x1..x3 = 0x1111 0x2222 0x3333",
                       "unknown: function 0x%x leaves x1..x3 unchanged (keel)", k_fids[i]);
        else if (!kept)
            out("# function 0x%x returned x1..x3 = 0x%lx 0x%lx 0x%lx\n", k_fids[i], r.x1, r.x2,
                r.x3);
    }
}

struct clobber_case {
    uint32_t fid;
    uint64_t a1;
    char name[28];
};

static void section_regs(void)
{
    out("# register preservation (DEN0028: x18-x30 and SP always, x4-x17 from SMCCC v1.1)\n");
    const struct clobber_case cases[] = {
        { PSCI_VERSION, 0, "PSCI_VERSION" },
        { PSCI_FEATURES, PSCI_CPU_ON64, "PSCI_FEATURES" },
        { PSCI_AFFINITY_INFO64, g_self, "AFFINITY_INFO64(self)" },
        { PSCI_MIGRATE_INFO_TYPE, 0, "MIGRATE_INFO_TYPE" },
        { SMCCC_VERSION, 0, "SMCCC_VERSION" },
        { FID_UNKNOWN_PSCI32, 0, "unknown 0x8400ffff" },
        { FID_UNKNOWN_PSCI64, 0, "unknown 0xc400ffff" },
    };
    bool v1_1 = g_smccc_version >= 0x10001;
    uint64_t required = REQUIRED_ALWAYS | (v1_1 ? REQUIRED_SMCCC_1_1 : 0);
    const char *which = v1_1 ? "x4-x30 and SP" : "x18-x30 and SP (SMCCC v1.0)";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct clobber_case *c = &cases[i];
        if (c->fid == SMCCC_VERSION && !v1_1)
            continue;
        uint32_t undef_before = conduit_undef_count();
        smccc_clobber_call(c->fid, c->a1, 0, 0, g_use_smc ? 1 : 0);
        bool trapped = conduit_undef_count() != undef_before;
        uint64_t changed = 0;
        for (uint32_t n = 4; n <= 30; n++) {
            if (g_clobber_after[n] != CLOBBER_PATTERN + n)
                changed |= UINT64_C(1) << n;
        }
        if (g_clobber_after[31] != g_clobber_sp_before)
            changed |= UINT64_C(1) << 31;
        fmt_buf(g_desc, sizeof g_desc, "regs: %s preserves %s", c->name, which);
        if (trapped && g_qemu) {
            emit_deviation("the call raised an undefined-instruction exception");
            continue;
        }
        check_true(!trapped && (changed & required) == 0, (int64_t)(trapped ? 0 : changed),
                   trapped ? "a call (it raised an exception)" : "0 (mask of changed registers)",
                   "regs: %s preserves %s", c->name, which);
        if ((changed & ~required) != 0)
            out("# %s changed registers 0x%lx (allowed)\n", c->name, changed & ~required);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* AFFINITY_INFO and CPU_ON / CPU_OFF                                                           */
/* ------------------------------------------------------------------------------------------ */

static void section_affinity(void)
{
    out("# AFFINITY_INFO\n");
    uint64_t absent = absent_cpu();
    int64_t r = psci(PSCI_AFFINITY_INFO64, g_self, 0, 0);
    check_eq(r, PSCI_AFFINITY_ON, "affinity: AFFINITY_INFO64(self 0x%lx, level 0) is ON (0)",
             g_self);
    if ((g_self >> 32) == 0) {
        r = psci(PSCI_AFFINITY_INFO, g_self, 0, 0);
        check_eq(r, PSCI_AFFINITY_ON, "affinity: AFFINITY_INFO (SMC32) of self is ON (0)");
    }
    r = psci(PSCI_AFFINITY_INFO64, g_self, 1, 0);
    check_eq(r, PSCI_AFFINITY_ON, "affinity: AFFINITY_INFO64(self, level 1) is ON (0)");
    r = psci(PSCI_AFFINITY_INFO64, absent, 0, 0);
    check_eq(r, PSCI_INVALID_PARAMETERS,
             "affinity: AFFINITY_INFO64(absent cpu 0x%lx) returns INVALID_PARAMETERS", absent);
    r = psci(PSCI_AFFINITY_INFO64, g_self, 4, 0);
    check_eq_qemu(r, PSCI_INVALID_PARAMETERS, PSCI_AFFINITY_ON,
                  "affinity: AFFINITY_INFO64(self, level 4) returns INVALID_PARAMETERS");
    r = psci(PSCI_AFFINITY_INFO64, g_self | (UINT64_C(1) << 24), 0, 0);
    check_eq(r, PSCI_INVALID_PARAMETERS,
             "affinity: AFFINITY_INFO64 with a non-affinity MPIDR bit (24) set returns "
             "INVALID_PARAMETERS");
}

/* Poll AFFINITY_INFO(target) until it reports `state`; returns the last answer. */
static int64_t wait_affinity(uint64_t target, int64_t state, uint64_t timeout_us)
{
    uint64_t start = read_cntvct();
    int64_t last = INT64_MIN;
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS; i++) {
        last = psci(PSCI_AFFINITY_INFO64, target, 0, 0);
        if (last == state)
            break;
        if (read_cntvct() - start > us_to_ticks(timeout_us))
            break;
    }
    return last;
}

static void run_secondary(uint64_t other, uint32_t round)
{
    bool smc32 = round == 1;
    const char *name = smc32 ? "CPU_ON (SMC32)" : "CPU_ON64";
    uint64_t context = smc32 ? CONTEXT_MAGIC32 : CONTEXT_MAGIC + round;
    memset((void *)(uintptr_t)&g_secondary, 0, sizeof g_secondary);
    dmb_sy();
    int64_t r = psci(smc32 ? PSCI_CPU_ON : PSCI_CPU_ON64, other, entry_addr(), context);
    if (!check_eq(r, PSCI_SUCCESS, "cpu_on: %s(0x%lx, secondary_entry, 0x%lx) returns SUCCESS",
                  name, other, context))
        return;
    uint64_t start = read_cntvct();
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS && g_secondary.state == SECONDARY_IDLE; i++) {
        if (read_cntvct() - start > us_to_ticks(SECONDARY_WAIT_US))
            break;
    }
    int64_t status = wait_affinity(other, PSCI_AFFINITY_OFF, SECONDARY_WAIT_US);
    dmb_sy();
    uint64_t state = g_secondary.state;
    check_eq((int64_t)state, SECONDARY_RAN,
             "cpu_on: %s: the secondary ran from the entry point and CPU_OFF did not return",
             name);
    if (state == SECONDARY_TRAPPED)
        out("# the secondary took an exception: ESR 0x%lx ELR 0x%lx\n", g_secondary.esr,
            g_secondary.elr);
    if (state == SECONDARY_OFF_RETURNED)
        out("# CPU_OFF returned %ld\n", (int64_t)g_secondary.off_result);
    if (state == SECONDARY_IDLE)
        return;
    check_eq((int64_t)g_secondary.context_id, (int64_t)context,
             "cpu_on: %s: the secondary has x0 = context_id", name);
    check_eq((int64_t)(g_secondary.mpidr & MPIDR_AFF_MASK), (int64_t)other,
             "cpu_on: %s: the secondary's MPIDR is the target", name);
    check_eq((int64_t)g_secondary.entry_el, (int64_t)g_entry_el,
             "cpu_on: %s: the secondary starts at the boot CPU's entry EL", name);
    check_eq((int64_t)(g_secondary.entry_daif & DAIF_MASK_ALL), (int64_t)DAIF_MASK_ALL,
             "cpu_on: %s: the secondary starts with PSTATE.DAIF all masked", name);
    if (g_secondary.entry_el == 1)
        check_eq((int64_t)(g_secondary.entry_sctlr & SCTLR_M), 0,
                 "cpu_on: %s: the secondary starts with the MMU off", name);
    check_eq(status, PSCI_AFFINITY_OFF,
             "cpu_on: %s: AFFINITY_INFO(secondary) is OFF (1) after its CPU_OFF", name);
}

static void section_cpu_on(void)
{
    out("# CPU_ON / CPU_OFF\n");
    uint64_t entry = entry_addr();
    uint64_t absent = absent_cpu();
    int64_t r = psci(PSCI_CPU_ON64, g_self, entry, 0);
    check_eq(r, PSCI_ALREADY_ON, "cpu_on: CPU_ON64(self) returns ALREADY_ON");
    r = psci(PSCI_CPU_ON64, absent, entry, 0);
    check_eq(r, PSCI_INVALID_PARAMETERS,
             "cpu_on: CPU_ON64(absent cpu 0x%lx) returns INVALID_PARAMETERS", absent);
    r = psci(PSCI_CPU_ON64, g_self | (UINT64_C(1) << 24), entry, 0);
    check_eq(r, PSCI_INVALID_PARAMETERS,
             "cpu_on: CPU_ON64 with a non-affinity MPIDR bit (24) set returns "
             "INVALID_PARAMETERS");

    uint64_t other = UINT64_MAX;
    for (uint32_t i = 0; i < g_plat.cpu_count; i++) {
        if ((g_plat.cpu_reg[i] & MPIDR_AFF_MASK) != g_self) {
            other = g_plat.cpu_reg[i] & MPIDR_AFF_MASK;
            break;
        }
    }
    if (other == UINT64_MAX) {
        check_skip("the device tree lists one cpu", "cpu_on: start and stop a secondary CPU");
        return;
    }
    out("# secondary cpu 0x%lx, entry point 0x%lx\n", other, entry);
    r = psci(PSCI_AFFINITY_INFO64, other, 0, 0);
    if (!check_eq(r, PSCI_AFFINITY_OFF, "cpu_on: AFFINITY_INFO(secondary) is OFF (1) before"))
        return;
    run_secondary(other, 0);
    if (entry < (UINT64_C(1) << 32))
        run_secondary(other, 1);
    else
        check_skip("image above 4 GiB", "cpu_on: CPU_ON (SMC32)");
    if (psci(PSCI_AFFINITY_INFO64, other, 0, 0) != PSCI_AFFINITY_OFF) {
        check_skip("the secondary is not OFF", "cpu_on: CPU_ON with bad entry points");
        return;
    }

    /* Entry points outside the image/RAM, with the target OFF. */
    r = psci(PSCI_CPU_ON64, other, 1, 0);
    check_eq_qemu(r, PSCI_INVALID_ADDRESS, PSCI_INVALID_PARAMETERS,
                  "cpu_on: CPU_ON64(secondary, entry 0x1) returns INVALID_ADDRESS");
    if (g_qemu) {
        qemu_not_attempted("not attempted: QEMU starts the cpu at any aligned address",
                           "cpu_on: CPU_ON64(secondary, entry 0x%lx outside RAM) returns "
                           "INVALID_ADDRESS", ADDR_UNMAPPED);
    } else if (addr_in_ram(ADDR_UNMAPPED)) {
        check_skip("0x1000000000 is RAM here", "cpu_on: CPU_ON64 with an entry outside RAM");
    } else {
        r = psci(PSCI_CPU_ON64, other, ADDR_UNMAPPED, 0);
        check_eq(r, PSCI_INVALID_ADDRESS,
                 "cpu_on: CPU_ON64(secondary, entry 0x%lx outside RAM) returns INVALID_ADDRESS",
                 ADDR_UNMAPPED);
    }
    r = wait_affinity(other, PSCI_AFFINITY_OFF, 100 * MS);
    check_eq(r, PSCI_AFFINITY_OFF, "cpu_on: the rejected CPU_ON calls left the secondary OFF");
}

void secondary_main(uint64_t context_id, uint64_t entry_el, uint64_t entry_daif,
                    uint64_t entry_sctlr)
{
    g_secondary.context_id = context_id;
    g_secondary.mpidr = read_mpidr();
    g_secondary.entry_el = entry_el;
    g_secondary.entry_daif = entry_daif;
    g_secondary.entry_sctlr = entry_sctlr;
    dmb_sy();
    g_secondary.state = SECONDARY_RAN;
    dmb_sy();
    int64_t r = psci(PSCI_CPU_OFF, 0, 0, 0);
    /* CPU_OFF returned: an error the primary reports. */
    g_secondary.off_result = (uint64_t)r;
    dmb_sy();
    g_secondary.state = SECONDARY_OFF_RETURNED;
    dmb_sy();
    for (;;)
        wait_for_interrupt();
}

/* ------------------------------------------------------------------------------------------ */
/* Generic timer                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void section_timer(void)
{
    out("# generic timer\n");
    uint64_t frq = read_cntfrq();
    check_true(frq != 0, (int64_t)frq, "non-zero", "timer: CNTFRQ_EL0 is non-zero");
    out("# CNTFRQ_EL0 = %lu Hz\n", frq);
    uint64_t t0 = read_cntvct();
    uint64_t t1 = t0;
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS && t1 == t0; i++)
        t1 = read_cntvct();
    check_true(t1 > t0, (int64_t)(t1 - t0), "> 0", "timer: CNTVCT_EL0 advances");

    write_cntv_ctl(0);
    uint64_t ticks = us_to_ticks(TIMER_AHEAD_US);
    uint64_t before = read_cntvct();
    write_cntv_tval(ticks);
    uint64_t after = read_cntvct();
    write_cntv_ctl(CNTV_CTL_ENABLE);
    uint64_t cval = read_cntv_cval();
    check_true(cval >= before + ticks && cval <= after + ticks, (int64_t)(cval - before),
               "CNTVCT + TVAL", "timer: writing CNTV_TVAL_EL0 sets CNTV_CVAL_EL0 = CNTVCT + TVAL");
    uint64_t ctl = read_cntv_ctl();
    bool early = (ctl & CNTV_CTL_ISTATUS) != 0 && read_cntvct() < cval;
    check_eq(early, 0, "timer: CNTV_CTL_EL0.ISTATUS is clear before the deadline");
    /* The counter is read after CNTV_CTL, so a host that stalls the guest between the two
       reads cannot turn this into a false "early" result. */
    uint64_t seen_at = 0;
    uint64_t start = read_cntvct();
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS; i++) {
        bool met = (read_cntv_ctl() & CNTV_CTL_ISTATUS) != 0;
        uint64_t now = read_cntvct();
        if (met) {
            seen_at = now;
            break;
        }
        if (now - start > us_to_ticks(TIMER_FIRE_WAIT_US))
            break;
    }
    check_true(seen_at != 0, (int64_t)read_cntv_ctl(), "ISTATUS (bit 2) set",
               "timer: the virtual timer condition is met after CNTV_TVAL (ISTATUS)");
    if (seen_at != 0)
        check_true(seen_at >= cval, (int64_t)(seen_at - cval), ">= 0 ticks",
                   "timer: ISTATUS was not set before CNTV_CVAL");
    write_cntv_ctl(CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
    ctl = read_cntv_ctl();
    check_eq((int64_t)(ctl & CNTV_CTL_ISTATUS), (int64_t)CNTV_CTL_ISTATUS,
             "timer: ISTATUS stays set with IMASK set");
    write_cntv_ctl(0);
}

/* ------------------------------------------------------------------------------------------ */
/* CPU_SUSPEND                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Acknowledge the timer interrupt in the GIC, silence the timer and end the interrupt. */
static uint32_t ack_timer_irq(void)
{
    uint32_t iar = gic_ack(&g_plat);
    write_cntv_ctl(0);
    gic_eoi(&g_plat, iar);
    return iar & 0x3ffu;
}

/* Enable the virtual timer's PPI in the GIC; when that cannot be done, skip the check `what`. */
static bool vtimer_ppi_enable(const char *what)
{
    const char *why = "";
    if (gic_enable_ppi(&g_plat, g_plat.vtimer_intid, &why))
        return true;
    check_skip(why, "%s", what);
    return false;
}

/* Expire the virtual timer at once (CVAL = now) and wait for its interrupt at the CPU. */
static bool timer_fire_now(void)
{
    write_cntv_ctl(0);
    write_cntv_cval(read_cntvct());
    write_cntv_ctl(CNTV_CTL_ENABLE);
    return poll_isr_irq(true, PENDING_WAIT_US);
}

/*
 * The virtual timer's interrupt as the guest sees it (Arm ARM D11.2.4: the timer asserts it while
 * enabled, not masked and CNTVCT >= CVAL). A hypervisor must not mask the timer behind the
 * guest's back to hold the interrupt: the guest would read IMASK it never wrote, and a guest that
 * re-arms through CNTV_CVAL_EL0 alone would never be interrupted again.
 */
static void section_timer_irq(void)
{
    out("# virtual timer interrupt\n");
    uint32_t intid = g_plat.vtimer_intid;
    if (!vtimer_ppi_enable("timer: interrupt delivery with CNTV_CTL_EL0 as the guest wrote it"))
        return;
    bool pending = timer_fire_now();
    check_true(pending, (int64_t)read_isr(), "ISR_EL1.I (0x80) set",
               "timer: an expired timer's interrupt pends at the CPU");
    check_eq((int64_t)(read_cntv_ctl() & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)), (int64_t)CNTV_CTL_ENABLE,
             "timer: with its interrupt pending, CNTV_CTL_EL0 still reads ENABLE=1 IMASK=0");
    if (pending) {
        uint32_t iar = gic_ack(&g_plat);
        check_eq(iar & 0x3ffu, intid, "timer: IAR acknowledges the virtual timer INTID");
        /* re-armed a little ahead through CVAL alone: CTL stays as written, ENABLE only */
        write_cntv_cval(read_cntvct() + us_to_ticks(TIMER_AHEAD_US));
        gic_eoi(&g_plat, iar);
        bool again = poll_isr_irq(true, TIMER_FIRE_WAIT_US);
        check_true(again, (int64_t)read_isr(), "ISR_EL1.I (0x80) set",
                   "timer: re-armed through CNTV_CVAL_EL0 alone, it interrupts again");
        if (again)
            check_eq(ack_timer_irq(), intid, "timer: IAR acknowledges the second interrupt");
    }
    write_cntv_ctl(0);
    gic_disable_ppi(&g_plat, intid);
}

static void section_suspend(void)
{
    out("# CPU_SUSPEND\n");
    if (!g_has_suspend64) {
        check_skip("PSCI_FEATURES(CPU_SUSPEND64) says not implemented", "suspend: CPU_SUSPEND");
        return;
    }
    uint64_t entry = entry_addr();
    uint32_t bad = g_suspend_extended ? POWER_STATE_BAD_EXTENDED : POWER_STATE_BAD_ORIGINAL;
    int64_t r = psci(PSCI_CPU_SUSPEND64, bad, entry, 0);
    check_eq(r, PSCI_INVALID_PARAMETERS,
             "suspend: CPU_SUSPEND64(power_state 0x%x, a reserved bit) returns "
             "INVALID_PARAMETERS", bad);
    if (g_has_suspend) {
        r = psci(PSCI_CPU_SUSPEND, bad, entry, 0);
        check_eq(r, PSCI_INVALID_PARAMETERS,
                 "suspend: CPU_SUSPEND (SMC32) with a reserved power_state bit returns "
                 "INVALID_PARAMETERS");
    }

    uint32_t intid = g_plat.vtimer_intid;
    if (!vtimer_ppi_enable("suspend: standby CPU_SUSPEND wakes on the virtual timer"))
        return;
    /* First make sure the wake-up interrupt reaches this CPU at all. */
    bool reaches = timer_fire_now();
    check_true(reaches, (int64_t)read_isr(), "ISR_EL1.I (0x80) set",
               "gic: the virtual timer interrupt (INTID %u) pends at the CPU (ISR_EL1.I)", intid);
    if (!reaches) {
        write_cntv_ctl(0);
        gic_disable_ppi(&g_plat, intid);
        check_skip("the wake-up interrupt does not reach the CPU (a standby could sleep forever)",
                   "suspend: standby CPU_SUSPEND wakes on the virtual timer");
        return;
    }
    check_eq(ack_timer_irq(), intid, "gic: IAR acknowledges the virtual timer INTID");
    check_true(poll_isr_irq(false, PENDING_WAIT_US), (int64_t)read_isr(), "ISR_EL1.I clear",
               "gic: ISR_EL1.I clears once the interrupt is acknowledged and the timer off");

    uint64_t deadline = read_cntvct() + us_to_ticks(TIMER_AHEAD_US);
    write_cntv_cval(deadline);
    write_cntv_ctl(CNTV_CTL_ENABLE);
    r = psci(PSCI_CPU_SUSPEND64, POWER_STATE_STANDBY, entry, 0);
    uint64_t back = read_cntvct();
    check_eq(r, PSCI_SUCCESS,
             "suspend: standby CPU_SUSPEND64(power_state 0) returns SUCCESS after the timer");
    bool pending = poll_isr_irq(true, PENDING_WAIT_US);
    check_true(pending, (int64_t)read_isr(), "ISR_EL1.I set",
               "suspend: the timer interrupt that ended the standby is pending");
    out("# suspend returned %ld ticks after the deadline (%lu ticks per ms)\n",
        (int64_t)(back - deadline), us_to_ticks(MS));
    if (pending)
        check_eq(ack_timer_irq(), intid, "suspend: IAR acknowledges the virtual timer INTID");
    write_cntv_ctl(0);
    gic_disable_ppi(&g_plat, intid);
}

/* ------------------------------------------------------------------------------------------ */
/* Exceptions the guest's own vector table must see                                             */
/* ------------------------------------------------------------------------------------------ */

static void check_ec(const struct exc_result *e, uint32_t ec, const char *what)
{
    check_eq(e->caught ? (int64_t)ESR_EC(e->esr) : -1, ec,
             "fault: %s raises EC 0x%02x at EL1", what, ec);
}

static void section_faults(void)
{
    out("# exceptions\n");
    uint64_t addr = ADDR_UNMAPPED;
    if (addr_in_ram(addr)) {
        check_skip("0x1000000000 is RAM here", "fault: access to an unmapped address");
    } else {
        uint64_t v = 0;
        exc_arm();
        __asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
        struct exc_result e = exc_disarm();
        check_ec(&e, EC_DABT_CUR, "load from unmapped 0x1000000000");
        if (e.caught) {
            check_eq((int64_t)(e.esr & ESR_FNV), 0, "fault: the data abort has a valid FAR");
            check_eq((int64_t)e.far, (int64_t)addr, "fault: data abort FAR_EL1 = the address");
            check_eq((int64_t)(e.esr & ESR_WNR), 0, "fault: load abort has ESR.WnR = 0");
            out("# load abort ESR 0x%lx (DFSC 0x%lx)\n", e.esr, e.esr & 0x3f);
        }
        exc_arm();
        __asm__ volatile("str %0, [%1]" ::"r"(v), "r"(addr + 8) : "memory");
        e = exc_disarm();
        check_ec(&e, EC_DABT_CUR, "store to unmapped 0x1000000008");
        if (e.caught) {
            check_eq((int64_t)e.far, (int64_t)(addr + 8),
                     "fault: store abort FAR_EL1 = the address");
            check_eq((int64_t)(e.esr & ESR_WNR), (int64_t)ESR_WNR,
                     "fault: store abort has ESR.WnR = 1");
        }
    }

    uint64_t pc = 0;
    exc_arm();
    __asm__ volatile("adr %0, 1f\n1:\tudf #0" : "=r"(pc)::"memory");
    struct exc_result e = exc_disarm();
    check_ec(&e, EC_UNKNOWN, "udf #0");
    check_eq((int64_t)e.elr, (int64_t)pc, "fault: udf ELR_EL1 = the instruction");
    check_eq((int64_t)(e.esr & ESR_IL), (int64_t)ESR_IL, "fault: udf ESR.IL = 1 (32-bit)");

    exc_arm();
    __asm__ volatile("adr %0, 1f\n\tsvc #0x42\n1:" : "=r"(pc)::"memory");
    e = exc_disarm();
    check_ec(&e, EC_SVC64, "svc #0x42");
    check_eq((int64_t)(e.esr & 0xffff), 0x42, "fault: svc ESR.ISS = the immediate");
    check_eq((int64_t)e.elr, (int64_t)pc, "fault: svc ELR_EL1 = the next instruction");

    exc_arm();
    __asm__ volatile("brk #0x123" ::: "memory");
    e = exc_disarm();
    check_ec(&e, EC_BRK64, "brk #0x123");
    check_eq((int64_t)(e.esr & 0xffff), 0x123, "fault: brk ESR.ISS = the immediate");

    uint64_t v = 0;
    exc_arm();
    __asm__ volatile("mrs %0, hcr_el2" : "=r"(v)::"memory");
    e = exc_disarm();
    check_ec(&e, EC_UNKNOWN, "mrs hcr_el2 (an EL2 register)");
    exc_arm();
    __asm__ volatile("mrs %0, vttbr_el2" : "=r"(v)::"memory");
    e = exc_disarm();
    check_ec(&e, EC_UNKNOWN, "mrs vttbr_el2 (an EL2 register)");
    exc_arm();
    __asm__ volatile("mrs %0, scr_el3" : "=r"(v)::"memory");
    e = exc_disarm();
    check_ec(&e, EC_UNKNOWN, "mrs scr_el3 (an EL3 register)");

    /* Registers EL1 may read (a hypervisor may trap some and must then emulate them). */
    exc_arm();
    __asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(v)::"memory");
    e = exc_disarm();
    check_eq(e.caught, 0, "fault: mrs id_aa64mmfr0_el1 works at EL1");
    out("# ID_AA64MMFR0_EL1 = 0x%lx\n", v);
    exc_arm();
    __asm__ volatile("mrs %0, id_aa64pfr0_el1" : "=r"(v)::"memory");
    e = exc_disarm();
    check_eq(e.caught, 0, "fault: mrs id_aa64pfr0_el1 works at EL1");
    exc_arm();
    __asm__ volatile("mrs %0, mdscr_el1" : "=r"(v)::"memory");
    e = exc_disarm();
    check_eq(e.caught, 0, "fault: mrs mdscr_el1 (debug) works at EL1");
    exc_arm();
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v)::"memory");
    e = exc_disarm();
    check_eq(e.caught, 0, "fault: mrs cntvct_el0 works at EL1");
}

/* ------------------------------------------------------------------------------------------ */
/* MMIO emulation under keel: syndrome (ISV=1) and decoded (ISV=0) accesses, hostile ones       */
/* ------------------------------------------------------------------------------------------ */

#define VGICD_GPA UINT64_C(0x08000000)              /* keel's distributor model, 64 SPIs */
#define VGICD_PRIO40 (VGICD_GPA + 0x400 + 40)        /* GICD_IPRIORITYR byte of INTID 40 */
#define VGICD_PRIO32 (VGICD_GPA + 0x400 + 32)        /* ... of INTID 32 (16-byte aligned) */
#define VPL011_GPA UINT64_C(0x09000000)

/* An access keel must refuse: a data abort at EL1 with FAR = the address. */
static void check_mmio_abort(const struct exc_result *e, uint64_t addr, bool write,
                             const char *what)
{
    check_eq(e->caught ? (int64_t)ESR_EC(e->esr) : -1, EC_DABT_CUR,
             "mmio: %s raises a data abort (EC 0x25)", what);
    check_eq((int64_t)e->far, (int64_t)addr, "mmio: %s: FAR_EL1 is the address", what);
    check_eq((int64_t)(e->esr & ESR_WNR), write ? (int64_t)ESR_WNR : 0,
             "mmio: %s: ESR.WnR = %d", what, write ? 1 : 0);
}

static void section_mmio(void)
{
    out("# MMIO emulation (keel's GIC distributor and PL011 models)\n");
    if (!g_plat.keel) {
        check_skip("not keel: the machine's own devices differ", "mmio: keel's device-model checks");
        return;
    }
    uint32_t typer = mmio_read32(VGICD_GPA + 4);
    check_eq((int64_t)(typer & 0x1f), 2, "mmio: ldr w of GICD_TYPER: ITLinesNumber 2 (64 SPIs)");
    volatile uint8_t *prio = (volatile uint8_t *)(uintptr_t)VGICD_PRIO40;
    *prio = 0xa0;
    check_eq((int64_t)*prio, 0xa0, "mmio: strb then ldrb of an IPRIORITYR byte");
    int64_t sx = 0;
    __asm__ volatile("ldrsb %0, [%1]" : "=r"(sx) : "r"(VGICD_PRIO40) : "memory");
    check_eq(sx, (int64_t)0xffffffffffffffa0ull, "mmio: ldrsb x of 0xa0 is sign-extended to 64 bits");
    uint64_t wx = 0;
    __asm__ volatile("ldrsb %w0, [%1]" : "=r"(wx) : "r"(VGICD_PRIO40) : "memory");
    check_eq((int64_t)wx, 0xffffffa0, "mmio: ldrsb w of 0xa0 is sign-extended to 32 bits only");
    /* every form writes exactly the bits Arm ARM C6.2 says, whatever the destination held:
       all-ones beforehand; a word with bit 31 set (bytes 40 and 43) */
    uint32_t word = 0xa00000a0u;
    mmio_write32(VGICD_PRIO40, word);
    wx = UINT64_MAX;
    __asm__ volatile("ldrb %w0, [%1]" : "+r"(wx) : "r"(VGICD_PRIO40) : "memory");
    check_eq((int64_t)wx, 0xa0, "mmio: ldrb w clears bits 63:8");
    sx = -1;
    __asm__ volatile("ldrsw %0, [%1]" : "+r"(sx) : "r"(VGICD_PRIO40) : "memory");
    check_eq(sx, (int64_t)(int32_t)word, "mmio: ldrsw x sign-extends the word");
    wx = UINT64_MAX;
    __asm__ volatile("ldr %w0, [%1]" : "+r"(wx) : "r"(VGICD_PRIO40) : "memory");
    check_eq((int64_t)wx, (int64_t)word, "mmio: ldr w zero-extends the word");
    /* x19-x29 hold the caller's values in C: a trap path that saves only the registers C may
       clobber must save these too before it emulates into or from them */
    register uint64_t r20 __asm__("x20") = UINT64_MAX;
    register uint64_t r28 __asm__("x28") = 0x58;
    __asm__ volatile("ldrsb %0, [%2]\n\tstrb %w1, [%2, #1]" : "+&r"(r20) : "r"(r28),
                     "r"(VGICD_PRIO40) : "memory");
    check_eq((int64_t)r20, (int64_t)(int8_t)0xa0, "mmio: ldrsb into x20");
    check_eq((int64_t)((mmio_read32(VGICD_PRIO40) >> 8) & 0xff), 0x58, "mmio: strb from w28");
    mmio_write32(VGICD_PRIO40, 0xa0);
    /* a load into xzr / wzr completes and changes no register; a store of wzr stores 0 */
    struct exc_result e;
    uint64_t v = 0x1234;
    exc_arm();
    __asm__ volatile("ldr wzr, [%1]\n\tmov %0, %0" : "+r"(v) : "r"(VGICD_GPA + 4) : "memory");
    e = exc_disarm();
    check_eq(e.caught, 0, "mmio: ldr wzr of GICD_TYPER completes");
    check_eq((int64_t)v, 0x1234, "mmio: ldr wzr changes no register");
    __asm__ volatile("strb wzr, [%0]" ::"r"(VGICD_PRIO40 + 1) : "memory");
    check_eq((int64_t)mmio_read32(VGICD_PRIO40), 0xa0, "mmio: strb wzr stores 0");
    /* pre- and post-indexed forms come with no syndrome (ISV = 0): keel decodes them, does the
       access, then writes the base register back, as the hardware does */
    uint64_t base = VGICD_PRIO40;
    wx = 0;
    __asm__ volatile("ldr %w0, [%1], #4" : "=r"(wx), "+r"(base) : : "memory");
    check_eq((int64_t)wx, 0xa0, "mmio: post-index ldr w reads the word at its base");
    check_eq((int64_t)base, (int64_t)VGICD_PRIO40 + 4, "mmio: post-index ldr w adds 4 to its base");
    __asm__ volatile("strb %w1, [%0, #-3]!" : "+r"(base) : "r"(0x50) : "memory");
    check_eq((int64_t)base, (int64_t)VGICD_PRIO40 + 1, "mmio: pre-index strb subtracts 3 from its base");
    check_eq((int64_t)mmio_read32(VGICD_PRIO40), 0x50a0, "mmio: pre-index strb stores at the new base");
    mmio_write32(VGICD_PRIO40, 0xa0);
    /* the stack pointer as the base: the guest's SP_EL1 (IRQs are masked: the SP is borrowed);
       priorities keep their top 5 bits, so the values are multiples of 8 */
    mmio_write32(VGICD_PRIO32, 0x48);
    uint64_t sp_after = 0;
    wx = 0;
    __asm__ volatile("mov x9, sp\n\tmov sp, %2\n\tldrb %w0, [sp], #16\n\tmov %1, sp\n\tmov sp, x9"
                     : "=&r"(wx), "=&r"(sp_after) : "r"(VGICD_PRIO32) : "x9", "memory");
    check_eq((int64_t)wx, 0x48, "mmio: post-index ldrb with SP as its base reads at SP");
    check_eq((int64_t)sp_after, (int64_t)VGICD_PRIO32 + 16, "mmio: post-index ldrb adds 16 to SP");
    mmio_write32(VGICD_PRIO32, 0);

    /* what keel must refuse */
    exc_arm();
    __asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(VGICD_GPA + 4) : "memory");
    e = exc_disarm();
    check_mmio_abort(&e, VGICD_GPA + 4, false, "ldrh of GICD_TYPER (halfword)");
    exc_arm();
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(VGICD_GPA) : "memory");
    e = exc_disarm();
    check_mmio_abort(&e, VGICD_GPA, false, "ldr x of GICD_CTLR (64-bit)");
    exc_arm();
    __asm__ volatile("strb %w0, [%1]" ::"r"(1), "r"(VGICD_GPA) : "memory");
    e = exc_disarm();
    check_mmio_abort(&e, VGICD_GPA, true, "strb to GICD_CTLR (not byte-accessible)");
    uint64_t w1 = 0, w2 = 0;
    exc_arm();
    __asm__ volatile("ldp %w0, %w1, [%2]" : "=r"(w1), "=r"(w2) : "r"(VGICD_GPA) : "memory");
    e = exc_disarm();
    check_mmio_abort(&e, VGICD_GPA, false, "ldp w of the distributor (a pair)");
    exc_arm();
    __asm__ volatile("ldxr %w0, [%1]" : "=r"(v) : "r"(VGICD_GPA) : "memory");
    e = exc_disarm();
    check_eq(e.caught ? (int64_t)ESR_EC(e.esr) : -1, EC_DABT_CUR,
             "mmio: ldxr of the distributor raises a data abort");
    exc_arm();
    __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(VPL011_GPA + 2) : "memory");
    e = exc_disarm();
    check_mmio_abort(&e, VPL011_GPA + 2, false, "misaligned ldr w of the PL011");
    /* the priority survived */
    check_eq((int64_t)*prio, 0xa0, "mmio: the IPRIORITYR byte still reads 0xa0");
    *prio = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* SYSTEM_RESET2 (the real shutdown is finish())                                                */
/* ------------------------------------------------------------------------------------------ */

static void section_reset2(void)
{
    out("# SYSTEM_RESET2\n");
    if (!g_has_reset2_64 && !g_has_reset2) {
        check_skip("PSCI_FEATURES says SYSTEM_RESET2 is not implemented",
                   "reset2: SYSTEM_RESET2 parameter checks");
        return;
    }
    uint32_t fid = g_has_reset2_64 ? PSCI_SYSTEM_RESET2_64 : PSCI_SYSTEM_RESET2;
    out("# SYSTEM_RESET2 with bad reset types (an implementation that resets here loses the "
        "summary)\n");
    int64_t r = psci(fid, RESET2_VENDOR_TYPE, 0, 0);
    if (g_plat.keel)
        check_eq(r, PSCI_NOT_SUPPORTED,
                 "reset2: unsupported vendor reset type 0x%x returns NOT_SUPPORTED",
                 RESET2_VENDOR_TYPE);
    else
        check_true(r == PSCI_NOT_SUPPORTED || r == PSCI_INVALID_PARAMETERS, r, "-1 or -2",
                   "reset2: unsupported vendor reset type 0x%x returns NOT_SUPPORTED or "
                   "INVALID_PARAMETERS", RESET2_VENDOR_TYPE);
    r = psci(fid, RESET2_RESERVED_TYPE, 0, 0);
    check_eq(r, PSCI_INVALID_PARAMETERS,
             "reset2: reserved architectural reset type 0x%x returns INVALID_PARAMETERS",
             RESET2_RESERVED_TYPE);
}

/* ------------------------------------------------------------------------------------------ */

void guest_main(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_el, uint64_t entry_daif,
                uint64_t entry_sctlr)
{
    g_self = read_mpidr() & MPIDR_AFF_MASK;
    g_entry_el = entry_el;
    trap_set_primary(g_self);
    fdt_parse(dtb, &g_plat);
    console_init(g_plat.uart_base != 0 ? g_plat.uart_base : DEFAULT_UART);
    g_qemu = g_plat.qemu_virt && !g_plat.keel;
    g_use_smc = g_plat.method == CONDUIT_SMC;
    g_freq = read_cntfrq() != 0 ? read_cntfrq() : DEFAULT_CNTFRQ;
    uint64_t load = (uint64_t)(uintptr_t)__image_start;
    for (uint32_t i = 0; i < g_plat.mem_count; i++) {
        if (load >= g_plat.mem_base[i] && load - g_plat.mem_base[i] < g_plat.mem_size[i]) {
            g_ram_base = g_plat.mem_base[i];
            g_ram_end = g_plat.mem_base[i] + g_plat.mem_size[i];
        }
    }

    out("# psci-test: PSCI 1.1 (DEN0022) and SMCCC (DEN0028) checks, conduit %s\n",
        g_use_smc ? "smc" : "hvc");
    section_boot(dtb, bad_relocs, entry_daif, entry_sctlr);
    section_version();
    section_features();
    section_migrate();
    section_smccc();
    section_unknown();
    section_regs();
    section_affinity();
    section_cpu_on();
    section_timer();
    section_timer_irq();
    section_suspend();
    section_faults();
    section_mmio();
    section_reset2();
    finish();
}
