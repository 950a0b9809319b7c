/* SPDX-License-Identifier: MIT */
/*
 * sbi-test guest: exercises the SBI implementation below it (keel's when it runs in VS-mode
 * under keel, M-mode OpenSBI when it runs in S-mode on plain QEMU) and checks every result
 * against the SBI v2.0 specification.
 *
 * Output, one line per check:
 *   ok <n> - <description>
 *   ok <n> - <description> # SKIP <why>             (not offered or not applicable; not counted)
 *   ok <n> - <description> # OpenSBI deviation: ...  (only when impl_id is OpenSBI; not counted)
 *   not ok <n> - <description>: got <x> expected <y>
 * then "sbi-test: <P> passed, <F> failed" and an SBI SRST shutdown (legacy shutdown fallback).
 */
#include "guest.h"

#define HART_INVALID UINT64_C(0x1000)          /* no platform here has hart 4096 */
/* 64 GiB: above RAM, the devices and QEMU virt's 64-bit PCIe window (16-32 GiB). */
#define ADDR_UNMAPPED UINT64_C(0x1000000000)
#define EID_MADE_UP UINT64_C(0x12345678)
#define EID_LEGACY_UNUSED UINT64_C(0x0F)
#define DEFAULT_TIMEBASE_HZ UINT64_C(10000000)
#define POLL_MAX_ITERATIONS UINT64_C(100000000)
#define MS UINT64_C(1000)                       /* in microseconds */
#define SEC (UINT64_C(1000) * MS)
#define TIMER_AHEAD_US (50 * MS)                /* deadlines this far ahead must not fire yet */
#define PENDING_WAIT_US (100 * MS)              /* how long a due interrupt may take to pend */
#define SECONDARY_WAIT_US (10 * SEC)            /* how long a started or stopping hart may take */
#define INSN_MSCRATCH_READ_T0 0x340022f3u
#define SECONDARY_OPAQUE UINT64_C(0x5ec0bda7a0000000)

volatile struct secondary_report g_secondary;
/* start.S stores into g_secondary at these offsets. */
_Static_assert(offsetof(struct secondary_report, state) == 0, "secondary_report layout");
_Static_assert(offsetof(struct secondary_report, a0) == 8, "secondary_report layout");
_Static_assert(offsetof(struct secondary_report, a1) == 16, "secondary_report layout");
_Static_assert(offsetof(struct secondary_report, satp) == 24, "secondary_report layout");
_Static_assert(offsetof(struct secondary_report, sstatus) == 32, "secondary_report layout");
_Static_assert(offsetof(struct secondary_report, stop_error) == 40, "secondary_report layout");
_Static_assert(offsetof(struct secondary_report, scause) == 48, "secondary_report layout");

static struct platform_info g_plat;
static uint64_t g_hartid;
static uint64_t g_impl_id;
static bool g_opensbi;
static bool g_has_h;           /* this supervisor runs on a hart with H (i.e. in HS-mode) */
static uint64_t g_timebase;
static uint64_t g_ram_base;
static uint64_t g_ram_end;     /* 0 when unknown */

struct offered {
    bool base;
    bool time;
    bool ipi;
    bool rfence;
    bool hsm;
    bool srst;
    bool dbcn;
    bool legacy[9];
};
static struct offered g_has;

static uint32_t g_num;
static uint32_t g_passed;
static uint32_t g_failed;
static uint32_t g_skipped;
static uint32_t g_deviations;
static char g_desc[192];

/* ------------------------------------------------------------------------------------------ */
/* Reporting                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void num_text(char *buf, size_t size, int64_t v)
{
    if (v >= -4096 && v <= 4096)
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
    char g[24];
    char e[24];
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
    char g[24];
    num_text(g, sizeof g, got);
    return emit(pass, g, expected);
}

/* An OpenSBI non-conformance (impl_id 1 only): printed, counted neither passed nor failed. */
static void emit_deviation(const char *detail)
{
    g_num++;
    g_deviations++;
    out("ok %u - %s # OpenSBI deviation: %s\n", g_num, g_desc, detail);
}

/* Like check_eq, but under OpenSBI (impl_id 1) a documented deviation `opensbi_value`
   is printed as such and counted neither as passed nor as failed. */
static bool check_eq_opensbi(int64_t got, int64_t expected, int64_t opensbi_value, const char *fmt,
                             ...) __attribute__((format(printf, 4, 5)));
static bool check_eq_opensbi(int64_t got, int64_t expected, int64_t opensbi_value, const char *fmt,
                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vbuf(g_desc, sizeof g_desc, fmt, ap);
    va_end(ap);
    char g[24];
    char e[24];
    num_text(g, sizeof g, got);
    num_text(e, sizeof e, expected);
    if (got != expected && g_opensbi && got == opensbi_value) {
        char detail[64];
        fmt_buf(detail, sizeof detail, "got %s expected %s", g, e);
        emit_deviation(detail);
        return true;
    }
    return emit(got == expected, g, e);
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

void report_unexpected(const char *what, uint64_t scause, uint64_t sepc, uint64_t stval)
{
    g_num++;
    g_failed++;
    out("not ok %u - %s scause=0x%lx sepc=0x%lx stval=0x%lx: got a trap expected none\n", g_num,
        what, scause, sepc, stval);
}

void finish(void)
{
    int64_t dbcn_error = 0;
    if (console_dbcn_failed(&dbcn_error)) {
        fmt_buf(g_desc, sizeof g_desc, "console: DBCN console_write kept working");
        char g[24];
        num_text(g, sizeof g, dbcn_error);
        emit(false, g, "0 (SBI_SUCCESS)");
    }
    out("# %u skipped, %u OpenSBI deviations\n", g_skipped, g_deviations);
    out("sbi-test: %u passed, %u failed\n", g_passed, g_failed);
    out_flush();
    sbi_call(SBI_EXT_SRST, 0, 0, 0, 0, 0, 0);
    sbi_legacy_call(SBI_EXT_LEGACY_SHUTDOWN, 0);
    irq_disable();
    for (;;)
        wait_for_interrupt();
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static uint64_t us_to_ticks(uint64_t us)
{
    return g_timebase * us / SEC;
}

/* Poll until ((sip & mask) != 0) == want, for at most timeout_us. */
/*
 * Is the supervisor timer interrupt pending? sip.STIP answers on real hardware and in S-mode,
 * but QEMU 7.2 does not show VSTIP (or VSEIP) in sip to a guest in VS-mode (its vsip read path
 * masks the value with the writable bits): there the answer comes from letting the interrupt
 * in for an instant. The handler records it and masks sie.STIE, so the level stays pending.
 */
static bool stip_pending_now(void)
{
    if ((csr_read_sip() & SIP_STIP) != 0)
        return true;
    return irq_probe_pending(IRQ_S_TIMER);
}

static bool pending_now(uint64_t mask)
{
    if (mask == SIP_STIP)
        return stip_pending_now();
    return (csr_read_sip() & mask) != 0;
}

static bool poll_sip(uint64_t mask, bool want, uint64_t timeout_us)
{
    uint64_t start = read_time();
    uint64_t ticks = us_to_ticks(timeout_us);
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS; i++) {
        if (pending_now(mask) == want)
            return true;
        if (read_time() - start > ticks)
            return false;
    }
    return false;
}

static bool sip_pending(uint64_t mask)
{
    return pending_now(mask);
}

/* STIP pending while time is still before `deadline`. time is read after sip, so a host
   that stalls the guest past the deadline cannot turn this into a false failure. */
static bool stip_early(uint64_t deadline)
{
    bool pending = sip_pending(SIP_STIP);
    return pending && read_time() < deadline;
}

/* The instruction at pc, as stval would hold it for an illegal-instruction trap. */
static uint64_t insn_bits(uint64_t pc)
{
    const volatile uint16_t *p = (const volatile uint16_t *)(uintptr_t)pc;
    uint64_t lo = p[0];
    if ((lo & 3u) != 3u)
        return lo;
    return lo | (uint64_t)p[1] << 16;
}

static bool hart_listed(uint64_t hartid)
{
    for (uint32_t i = 0; i < g_plat.hart_count; i++) {
        if (g_plat.hartids[i] == hartid)
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

static struct sbiret sbi_probe(uint64_t eid)
{
    return sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0, 0, 0);
}

static struct sbiret sbi_set_timer(uint64_t when)
{
    return sbi_call(SBI_EXT_TIME, 0, when, 0, 0, 0, 0);
}

static struct sbiret sbi_hart_status(uint64_t hartid)
{
    return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0, 0, 0, 0);
}

static void write_stimecmp(uint64_t v)
{
    __asm__ volatile("csrw 0x14d, %0" ::"r"(v) : "memory");
}

static uint64_t read_stimecmp(void)
{
    uint64_t v = 0;
    __asm__ volatile("csrr %0, 0x14d" : "=r"(v)::"memory");
    return v;
}

/* stval of an illegal-instruction trap: 0 or the instruction bits (priv spec 3.1.16). */
static void check_illegal(const struct exc_result *e, const char *section, const char *what)
{
    check_eq(e->caught ? (int64_t)e->scause : -1, EXC_ILLEGAL_INSN,
             "%s: %s raises illegal instruction (scause 2)", section, what);
    if (!e->caught)
        return;
    uint64_t bits = insn_bits(e->sepc);
    check_true(e->stval == 0 || e->stval == bits, (int64_t)e->stval, "0 or the instruction bits",
               "%s: %s illegal-instruction stval is 0 or the instruction", section, what);
}

/* ------------------------------------------------------------------------------------------ */
/* Boot protocol                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void section_boot(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_sstatus)
{
    uint64_t load = (uint64_t)(uintptr_t)__image_start;
    out("# boot: hart %lu, device tree at 0x%lx, image at 0x%lx (%lu bytes)\n", g_hartid, dtb,
        load, (uint64_t)(__image_end - __image_start));
    check_eq((int64_t)bad_relocs, 0, "boot: image relocations are all R_RISCV_RELATIVE");
    check_eq((int64_t)(load & 0x1fffff), 0, "boot: image loaded at a 2 MiB aligned address");
    check_eq((int64_t)(entry_sstatus & SSTATUS_SIE), 0, "boot: entered with sstatus.SIE clear");
    check_eq((int64_t)csr_read_satp(), 0, "boot: entered with satp = 0 (bare)");
    check_true(g_plat.valid, g_plat.valid, "1", "boot: a1 points at a flattened device tree");
    if (!g_plat.valid)
        return;
    check_true(g_plat.boot_hart_found, g_plat.boot_hart_found, "1",
               "boot: a0 (hartid) names a cpu node of the device tree");
    check_true(g_plat.timebase_hz != 0, (int64_t)g_plat.timebase_hz, "non-zero",
               "boot: device tree gives the timebase-frequency");
    check_true(g_ram_end != 0, (int64_t)load, "an address in a /memory range",
               "boot: the image lies in a /memory range of the device tree");
    out("# device tree: %u harts, isa %s%s%s, timebase %lu Hz, RAM 0x%lx-0x%lx\n",
        g_plat.hart_count, g_plat.isa_known ? "known" : "unknown", g_plat.has_h ? " +h" : "",
        g_plat.has_sstc ? " +sstc" : "", g_plat.timebase_hz, g_ram_base, g_ram_end);
}

/* ------------------------------------------------------------------------------------------ */
/* BASE                                                                                         */
/* ------------------------------------------------------------------------------------------ */

struct ext_name {
    uint64_t eid;
    char name[8];
};

static const struct ext_name k_std_exts[] = {
    { SBI_EXT_BASE, "BASE" }, { SBI_EXT_TIME, "TIME" }, { SBI_EXT_IPI, "IPI" },
    { SBI_EXT_RFENCE, "RFENCE" }, { SBI_EXT_HSM, "HSM" }, { SBI_EXT_SRST, "SRST" },
    { SBI_EXT_PMU, "PMU" }, { SBI_EXT_DBCN, "DBCN" }, { SBI_EXT_SUSP, "SUSP" },
    { SBI_EXT_CPPC, "CPPC" }, { SBI_EXT_NACL, "NACL" }, { SBI_EXT_STA, "STA" },
};

static const char k_legacy_names[9][20] = {
    "set_timer", "console_putchar", "console_getchar", "clear_ipi", "send_ipi",
    "remote_fence_i", "remote_sfence_vma", "remote_sfence_asid", "shutdown",
};

static const char *impl_name(uint64_t id)
{
    static const char k_names[12][16] = {
        "BBL", "OpenSBI", "Xvisor", "KVM", "RustSBI", "Diosix",
        "Coffer", "Xen", "PolarFire HSS", "coreboot", "oreboot", "bhyve",
    };
    if (id < 12)
        return k_names[id];
    if (id == SBI_IMPL_ID_KEEL)
        return "keel";
    return "unknown";
}

static void section_base(void)
{
    out("# BASE extension\n");
    struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "base: get_spec_version returns SBI_SUCCESS");
    uint64_t v = (uint64_t)r.value;
    uint64_t major = (v >> 24) & 0x7f;
    uint64_t minor = v & 0xffffff;
    out("# spec version %lu.%lu\n", major, minor);
    check_true((v >> 31) == 0 && (major > 0 || minor >= 2), (int64_t)v, "bit 31 clear and >= 0.2",
               "base: spec version is well formed and at least 0.2");

    r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "base: get_impl_id returns SBI_SUCCESS");
    g_impl_id = (uint64_t)r.value;
    g_opensbi = r.error == SBI_SUCCESS && g_impl_id == SBI_IMPL_ID_OPENSBI;
    r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "base: get_impl_version returns SBI_SUCCESS");
    out("# impl_id 0x%lx (%s), impl_version 0x%lx\n", g_impl_id, impl_name(g_impl_id),
        (uint64_t)r.value);

    r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_MVENDORID, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "base: get_mvendorid returns SBI_SUCCESS");
    uint64_t mvendorid = (uint64_t)r.value;
    r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_MARCHID, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "base: get_marchid returns SBI_SUCCESS");
    uint64_t marchid = (uint64_t)r.value;
    r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_MIMPID, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "base: get_mimpid returns SBI_SUCCESS");
    out("# mvendorid 0x%lx, marchid 0x%lx, mimpid 0x%lx\n", mvendorid, marchid,
        (uint64_t)r.value);

    for (size_t i = 0; i < sizeof k_std_exts / sizeof k_std_exts[0]; i++) {
        r = sbi_probe(k_std_exts[i].eid);
        check_eq(r.error, SBI_SUCCESS, "base: probe_extension(%s) returns SBI_SUCCESS",
                 k_std_exts[i].name);
        bool present = r.error == SBI_SUCCESS && r.value != 0;
        out("# probe %s (0x%lx) = %ld\n", k_std_exts[i].name, k_std_exts[i].eid, r.value);
        switch (k_std_exts[i].eid) {
        case SBI_EXT_BASE:
            g_has.base = present;
            break;
        case SBI_EXT_TIME:
            g_has.time = present;
            break;
        case SBI_EXT_IPI:
            g_has.ipi = present;
            break;
        case SBI_EXT_RFENCE:
            g_has.rfence = present;
            break;
        case SBI_EXT_HSM:
            g_has.hsm = present;
            break;
        case SBI_EXT_SRST:
            g_has.srst = present;
            break;
        case SBI_EXT_DBCN:
            g_has.dbcn = present;
            break;
        default:
            break;
        }
    }
    check_true(g_has.base, g_has.base, "non-zero", "base: probe_extension(BASE) reports BASE");
    r = sbi_probe(EID_MADE_UP);
    check_eq(r.error, SBI_SUCCESS, "base: probe_extension(0x12345678) returns SBI_SUCCESS");
    check_eq(r.value, 0, "base: probe_extension(0x12345678) reports it absent");

    for (uint64_t eid = 0; eid < 9; eid++) {
        r = sbi_probe(eid);
        check_eq(r.error, SBI_SUCCESS, "base: probe_extension(legacy %s) returns SBI_SUCCESS",
                 k_legacy_names[eid]);
        g_has.legacy[eid] = r.error == SBI_SUCCESS && r.value != 0;
        out("# probe legacy %s (0x%lx) = %ld\n", k_legacy_names[eid], eid, r.value);
    }

    r = sbi_call(SBI_EXT_BASE, 7, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED, "base: unknown FID 7 returns SBI_ERR_NOT_SUPPORTED");
    r = sbi_call(SBI_EXT_BASE, 0x1000, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED,
             "base: unknown FID 0x1000 returns SBI_ERR_NOT_SUPPORTED");
    r = sbi_call(EID_MADE_UP, 0, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED,
             "base: unknown EID 0x12345678 returns SBI_ERR_NOT_SUPPORTED");
    r = sbi_call(EID_LEGACY_UNUSED, 0, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED,
             "base: unused legacy-range EID 0xf returns SBI_ERR_NOT_SUPPORTED");
}

/* ------------------------------------------------------------------------------------------ */
/* Register preservation (SBI v2.0 chapter 3)                                                    */
/* ------------------------------------------------------------------------------------------ */

static void section_regs(void)
{
    out("# register preservation\n");
    uint64_t m = sbi_clobber_check(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0);
    check_eq((int64_t)m, 0, "regs: get_spec_version preserves every register but a0/a1");
    m = sbi_clobber_check(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, SBI_EXT_TIME, 0);
    check_eq((int64_t)m, 0, "regs: probe_extension preserves every register but a0/a1");
    m = sbi_clobber_check(EID_MADE_UP, 0, 0, 0);
    check_eq((int64_t)m, 0, "regs: an unknown EID preserves every register but a0/a1");
    if (g_has.time) {
        m = sbi_clobber_check(SBI_EXT_TIME, 0, UINT64_MAX, 0);
        check_eq((int64_t)m, 0, "regs: set_timer preserves every register but a0/a1");
    }
    if (g_has.ipi) {
        m = sbi_clobber_check(SBI_EXT_IPI, 0, 1, HART_INVALID);
        check_eq((int64_t)m, 0, "regs: a failing send_ipi preserves every register but a0/a1");
    }
    if (g_has.hsm) {
        m = sbi_clobber_check(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, g_hartid, 0);
        check_eq((int64_t)m, 0, "regs: hart_get_status preserves every register but a0/a1");
    }
    if (g_has.legacy[SBI_EXT_LEGACY_GETCHAR]) {
        m = sbi_clobber_check(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0);
        check_eq((int64_t)m, 0,
                 "regs: legacy console_getchar preserves every register but a0/a1");
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Legacy console and DBCN                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void section_legacy_console(void)
{
    out("# legacy console\n");
    if (g_has.legacy[SBI_EXT_LEGACY_PUTCHAR]) {
        static const char k_msg[] = "# legacy console_putchar: hello\n";
        int64_t worst = 0;
        out_flush();
        for (size_t i = 0; i + 1 < sizeof k_msg; i++) {
            int64_t ret = sbi_legacy_call(SBI_EXT_LEGACY_PUTCHAR, (uint8_t)k_msg[i]);
            if (ret != 0)
                worst = ret;
        }
        check_eq(worst, 0, "legacy: console_putchar returns 0");
    } else {
        check_skip("not offered", "legacy: console_putchar");
    }
    if (g_has.legacy[SBI_EXT_LEGACY_GETCHAR]) {
        int64_t c = sbi_legacy_call(SBI_EXT_LEGACY_GETCHAR, 0);
        check_eq(c, -1, "legacy: console_getchar returns -1 with no input pending");
    } else {
        check_skip("not offered", "legacy: console_getchar");
    }
}

static bool is_bad_address_error(int64_t e)
{
    return e == SBI_ERR_INVALID_PARAM || e == SBI_ERR_INVALID_ADDRESS;
}

/*
 * A DBCN call with a memory range that is not accessible RAM. SBI v2.0 chapter 12 says
 * SBI_ERR_INVALID_PARAM; the later wording of the shared-memory rules (chapter 3) says
 * SBI_ERR_INVALID_ADDRESS: both pass. OpenSBI (1.6 checked) does not range-check against
 * the platform's memory: it reads the range from M-mode, takes an access fault there and
 * the hart hangs, so under OpenSBI those calls (`opensbi_hangs`) are not attempted; it
 * rejects base_addr_hi != 0 with SBI_ERR_FAILED.
 */
static void dbcn_bad_range(uint64_t fid, uint64_t num_bytes, uint64_t lo, uint64_t hi,
                           bool opensbi_hangs, const char *desc)
{
    fmt_buf(g_desc, sizeof g_desc, "%s", desc);
    if (g_opensbi && opensbi_hangs) {
        emit_deviation("not attempted, OpenSBI reads the range from M-mode and hangs");
        return;
    }
    struct sbiret r = sbi_call(SBI_EXT_DBCN, fid, num_bytes, lo, hi, 0, 0);
    char g[24];
    num_text(g, sizeof g, r.error);
    if (!is_bad_address_error(r.error) && g_opensbi && r.error == SBI_ERR_FAILED) {
        emit_deviation("got -1 expected -3 or -5");
        return;
    }
    emit(is_bad_address_error(r.error), g, "-3 (INVALID_PARAM) or -5 (INVALID_ADDRESS)");
}

static void section_dbcn(void)
{
    static const char k_msg[] = "# dbcn console_write: hello\n";
    static const char k_byte_msg[] = "# dbcn console_write_byte: hello\n";
    static uint8_t read_buf[16];

    out("# DBCN extension\n");
    if (!g_has.dbcn) {
        check_skip("not offered", "dbcn: debug console checks");
        return;
    }
    out_flush();
    uint64_t len = sizeof k_msg - 1;
    struct sbiret r = sbi_call(SBI_EXT_DBCN, 0, len, (uint64_t)(uintptr_t)k_msg, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "dbcn: console_write returns SBI_SUCCESS");
    check_eq(r.value, (int64_t)len, "dbcn: console_write reports every byte written");

    int64_t err = 0;
    int64_t val = 0;
    for (size_t i = 0; i + 1 < sizeof k_byte_msg; i++) {
        r = sbi_call(SBI_EXT_DBCN, 2, (uint8_t)k_byte_msg[i], 0, 0, 0, 0);
        if (r.error != 0)
            err = r.error;
        if (r.value != 0)
            val = r.value;
    }
    check_eq(err, SBI_SUCCESS, "dbcn: console_write_byte returns SBI_SUCCESS");
    check_eq(val, 0, "dbcn: console_write_byte returns value 0");

    r = sbi_call(SBI_EXT_DBCN, 1, sizeof read_buf, (uint64_t)(uintptr_t)read_buf, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "dbcn: console_read returns SBI_SUCCESS");
    check_true(r.value >= 0 && (uint64_t)r.value <= sizeof read_buf, r.value, "0..16",
               "dbcn: console_read reads at most num_bytes (0 with no input pending)");
    r = sbi_call(SBI_EXT_DBCN, 1, 0, (uint64_t)(uintptr_t)read_buf, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "dbcn: console_read of 0 bytes returns SBI_SUCCESS");
    check_eq(r.value, 0, "dbcn: console_read of 0 bytes reads nothing");

    dbcn_bad_range(0, 8, ADDR_UNMAPPED, 0, true,
                   "dbcn: console_write from an address outside RAM is rejected");
    dbcn_bad_range(1, 8, ADDR_UNMAPPED, 0, true,
                   "dbcn: console_read into an address outside RAM is rejected");
    dbcn_bad_range(0, len, (uint64_t)(uintptr_t)k_msg, 1, false,
                   "dbcn: console_write with base_addr_hi != 0 (beyond 2^64) is rejected");
    if (g_ram_end != 0) {
        dbcn_bad_range(0, 32, g_ram_end - 16, 0, true,
                       "dbcn: console_write crossing the end of RAM is rejected");
    } else {
        check_skip("RAM range unknown", "dbcn: console_write crossing the end of RAM");
    }
    dbcn_bad_range(0, UINT64_C(1) << 62, (uint64_t)(uintptr_t)k_msg, 0, true,
                   "dbcn: console_write of 2^62 bytes is rejected");
    r = sbi_call(SBI_EXT_DBCN, 3, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED, "dbcn: unknown FID 3 returns SBI_ERR_NOT_SUPPORTED");
}

/* ------------------------------------------------------------------------------------------ */
/* TIME, legacy set_timer, Sstc                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Arm the SBI timer TIMER_AHEAD_US ahead and wait (wfi, sstatus.SIE on) for the interrupt. */
static void timer_interrupt_check(void)
{
    uint64_t now = read_time();
    uint64_t target = now + us_to_ticks(TIMER_AHEAD_US);
    irq_expect(IRQ_S_TIMER);
    struct sbiret r = sbi_set_timer(target);
    check_eq(r.error, SBI_SUCCESS, "time: set_timer 50 ms ahead returns SBI_SUCCESS");
    check_eq(stip_early(target), 0, "time: STIP clear while the deadline is ahead");
    csr_set_sie(SIE_STIE);
    irq_enable();
    uint64_t limit = target + us_to_ticks(2 * SEC);
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS && g_irq.count == 0; i++) {
        wait_for_interrupt();
        if (read_time() > limit)
            break;
    }
    irq_disable();
    csr_clear_sie(SIE_STIE);
    irq_unexpect(IRQ_S_TIMER);
    check_eq((int64_t)g_irq.count, 1, "time: the supervisor timer interrupt is taken");
    check_eq((int64_t)g_irq.scause, (int64_t)(SCAUSE_INTERRUPT | IRQ_S_TIMER),
             "time: the timer interrupt has scause = interrupt | 5");
    check_true(g_irq.count == 0 || g_irq.time >= target, (int64_t)(g_irq.time - target),
               ">= 0 ticks after the deadline", "time: the timer interrupt is not early");
    check_eq(sip_pending(SIP_STIP), 1, "time: STIP stays pending until the next set_timer");
    r = sbi_set_timer(UINT64_MAX);
    check_eq(sip_pending(SIP_STIP), 0,
             "time: set_timer(UINT64_MAX) after the interrupt clears STIP");
}

static void section_sstc(void)
{
    exc_arm();
    uint64_t cmp = read_stimecmp();
    struct exc_result e = exc_disarm();
    bool usable = !e.caught;
    if (g_plat.isa_known && g_plat.has_sstc) {
        check_eq(e.caught, 0, "sstc: stimecmp is accessible (the device tree lists Sstc)");
    } else if (e.caught) {
        check_illegal(&e, "sstc", "stimecmp read without Sstc");
    } else {
        out("# sstc: stimecmp works although the device tree does not list Sstc\n");
    }
    if (!usable) {
        check_skip("no Sstc", "sstc: direct stimecmp checks");
        return;
    }
    out("# sstc: stimecmp was 0x%lx\n", cmp);
    write_stimecmp(UINT64_MAX);
    check_eq(sip_pending(SIP_STIP), 0, "sstc: stimecmp = UINT64_MAX clears STIP");
    check_eq((int64_t)read_stimecmp(), -1, "sstc: stimecmp reads back the written value");
    write_stimecmp(0);
    check_eq(poll_sip(SIP_STIP, true, PENDING_WAIT_US), 1,
             "sstc: stimecmp in the past raises STIP");
    write_stimecmp(UINT64_MAX);
    check_eq(sip_pending(SIP_STIP), 0, "sstc: stimecmp = UINT64_MAX clears STIP again");
    uint64_t target = read_time() + us_to_ticks(TIMER_AHEAD_US);
    write_stimecmp(target);
    check_eq(stip_early(target), 0, "sstc: STIP clear while stimecmp is ahead");
    bool fired = poll_sip(SIP_STIP, true, 2 * SEC);
    uint64_t when = read_time();
    check_eq(fired, 1, "sstc: STIP raised once time reaches stimecmp");
    check_true(when >= target, (int64_t)(when - target), ">= 0 ticks after stimecmp",
               "sstc: STIP not raised before stimecmp");
    write_stimecmp(UINT64_MAX);
    /* The SBI timer must still work after the supervisor programmed stimecmp itself. */
    if (g_has.time) {
        sbi_set_timer(0);
        check_eq(poll_sip(SIP_STIP, true, PENDING_WAIT_US), 1,
                 "sstc: set_timer(0) still raises STIP after direct stimecmp use");
        sbi_set_timer(UINT64_MAX);
        check_eq(sip_pending(SIP_STIP), 0,
                 "sstc: set_timer(UINT64_MAX) still clears STIP after direct stimecmp use");
    }
}

static void section_time(void)
{
    out("# TIME extension\n");
    if (!g_has.time) {
        check_skip("not offered", "time: set_timer checks");
    } else {
        struct sbiret r = sbi_set_timer(UINT64_MAX);
        check_eq(r.error, SBI_SUCCESS, "time: set_timer(UINT64_MAX) returns SBI_SUCCESS");
        check_eq(sip_pending(SIP_STIP), 0, "time: no STIP pending after set_timer(UINT64_MAX)");
        r = sbi_set_timer(0);
        check_eq(r.error, SBI_SUCCESS, "time: set_timer(0) returns SBI_SUCCESS");
        check_eq(poll_sip(SIP_STIP, true, PENDING_WAIT_US), 1,
                 "time: set_timer(0) (in the past) raises STIP");
        sbi_set_timer(UINT64_MAX);
        check_eq(sip_pending(SIP_STIP), 0, "time: set_timer(UINT64_MAX) clears a pending STIP");
        timer_interrupt_check();
        r = sbi_call(SBI_EXT_TIME, 1, 0, 0, 0, 0, 0);
        check_eq(r.error, SBI_ERR_NOT_SUPPORTED,
                 "time: unknown FID 1 returns SBI_ERR_NOT_SUPPORTED");
    }

    out("# legacy set_timer\n");
    if (!g_has.legacy[SBI_EXT_LEGACY_SET_TIMER]) {
        check_skip("not offered", "legacy: set_timer checks");
    } else {
        sbi_legacy_call(SBI_EXT_LEGACY_SET_TIMER, 0);
        check_eq(poll_sip(SIP_STIP, true, PENDING_WAIT_US), 1, "legacy: set_timer(0) raises STIP");
        sbi_legacy_call(SBI_EXT_LEGACY_SET_TIMER, UINT64_MAX);
        check_eq(sip_pending(SIP_STIP), 0, "legacy: set_timer(UINT64_MAX) clears STIP");
        uint64_t target = read_time() + us_to_ticks(TIMER_AHEAD_US);
        sbi_legacy_call(SBI_EXT_LEGACY_SET_TIMER, target);
        check_eq(stip_early(target), 0, "legacy: STIP clear while the deadline is ahead");
        bool fired = poll_sip(SIP_STIP, true, 2 * SEC);
        uint64_t when = read_time();
        check_eq(fired, 1, "legacy: set_timer 50 ms ahead raises STIP when due");
        check_true(when >= target, (int64_t)(when - target), ">= 0 ticks after the deadline",
                   "legacy: STIP not raised before the deadline");
        sbi_legacy_call(SBI_EXT_LEGACY_SET_TIMER, UINT64_MAX);
    }

    out("# Sstc\n");
    section_sstc();
    if (g_has.time)
        sbi_set_timer(UINT64_MAX);
}

/* ------------------------------------------------------------------------------------------ */
/* IPI                                                                                          */
/* ------------------------------------------------------------------------------------------ */

static void section_ipi(void)
{
    out("# IPI extension\n");
    if (!g_has.ipi) {
        check_skip("not offered", "ipi: send_ipi checks");
        return;
    }
    csr_clear_sip(SIP_SSIP);
    check_eq(sip_pending(SIP_SSIP), 0, "ipi: sip.SSIP is writable by the supervisor (cleared)");
    struct sbiret r = sbi_call(SBI_EXT_IPI, 0, 1, g_hartid, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "ipi: send_ipi to self returns SBI_SUCCESS");
    check_eq(poll_sip(SIP_SSIP, true, PENDING_WAIT_US), 1, "ipi: send_ipi to self raises SSIP");
    csr_clear_sip(SIP_SSIP);
    check_eq(sip_pending(SIP_SSIP), 0, "ipi: SSIP clears when the supervisor clears it");

    r = sbi_call(SBI_EXT_IPI, 0, 0, UINT64_MAX, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "ipi: send_ipi with hart_mask_base = -1 returns SBI_SUCCESS");
    check_eq(poll_sip(SIP_SSIP, true, PENDING_WAIT_US), 1,
             "ipi: send_ipi with hart_mask_base = -1 (all harts) raises SSIP");
    csr_clear_sip(SIP_SSIP);

    /* Newer OpenSBI (1.6) ignores invalid harts and returns SBI_SUCCESS; 1.1 conforms. */
    r = sbi_call(SBI_EXT_IPI, 0, 1, HART_INVALID, 0, 0, 0);
    check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_SUCCESS,
                     "ipi: send_ipi with hart_mask_base 0x1000 returns SBI_ERR_INVALID_PARAM");
    if (!hart_listed(g_hartid + 63)) {
        r = sbi_call(SBI_EXT_IPI, 0, UINT64_C(1) << 63, g_hartid, 0, 0, 0);
        check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_SUCCESS,
                         "ipi: send_ipi to a non-existent hart in hart_mask returns "
                         "SBI_ERR_INVALID_PARAM");
    }
    check_eq(sip_pending(SIP_SSIP), 0, "ipi: failed send_ipi calls raise no SSIP");

    /* Taken as an interrupt. */
    irq_expect(IRQ_S_SOFT);
    csr_set_sie(SIE_SSIE);
    irq_enable();
    r = sbi_call(SBI_EXT_IPI, 0, 1, g_hartid, 0, 0, 0);
    uint64_t start = read_time();
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS && g_irq.count == 0; i++) {
        if (read_time() - start > us_to_ticks(SEC))
            break;
    }
    irq_disable();
    csr_clear_sie(SIE_SSIE);
    irq_unexpect(IRQ_S_SOFT);
    csr_clear_sip(SIP_SSIP);
    check_eq((int64_t)g_irq.count, 1, "ipi: the supervisor software interrupt is taken");
    check_eq((int64_t)g_irq.scause, (int64_t)(SCAUSE_INTERRUPT | IRQ_S_SOFT),
             "ipi: the software interrupt has scause = interrupt | 1");

    r = sbi_call(SBI_EXT_IPI, 1, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED, "ipi: unknown FID 1 returns SBI_ERR_NOT_SUPPORTED");
}

/* ------------------------------------------------------------------------------------------ */
/* RFENCE                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void section_rfence(void)
{
    static const char k_hfence_names[4][24] = {
        "remote_hfence_gvma_vmid", "remote_hfence_gvma", "remote_hfence_vvma_asid",
        "remote_hfence_vvma",
    };
    out("# RFENCE extension\n");
    if (!g_has.rfence) {
        check_skip("not offered", "rfence: remote fence checks");
        return;
    }
    uint64_t self = g_hartid;
    uint64_t page = (uint64_t)(uintptr_t)__image_start;
    struct sbiret r = sbi_call(SBI_EXT_RFENCE, 0, 1, self, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "rfence: remote_fence_i(self) returns SBI_SUCCESS");
    r = sbi_call(SBI_EXT_RFENCE, 0, 0, UINT64_MAX, 0, 0, 0);
    check_eq(r.error, SBI_SUCCESS, "rfence: remote_fence_i(all harts) returns SBI_SUCCESS");
    r = sbi_call(SBI_EXT_RFENCE, 1, 1, self, 0, UINT64_MAX, 0);
    check_eq(r.error, SBI_SUCCESS,
             "rfence: remote_sfence_vma(self, full flush) returns SBI_SUCCESS");
    r = sbi_call(SBI_EXT_RFENCE, 1, 1, self, page, 4096, 0);
    check_eq(r.error, SBI_SUCCESS, "rfence: remote_sfence_vma(self, one page) returns SBI_SUCCESS");
    r = sbi_call(SBI_EXT_RFENCE, 2, 1, self, 0, UINT64_MAX, 0);
    check_eq(r.error, SBI_SUCCESS,
             "rfence: remote_sfence_vma_asid(self, asid 0) returns SBI_SUCCESS");
    r = sbi_call(SBI_EXT_RFENCE, 2, 1, self, page, 4096, 1);
    check_eq(r.error, SBI_SUCCESS,
             "rfence: remote_sfence_vma_asid(self, asid 1, one page) returns SBI_SUCCESS");

    /* HFENCE calls are valid only when the target harts implement H (SBI v2.0 8.4-8.7):
       SBI_ERR_NOT_SUPPORTED for a supervisor without H (e.g. a guest of keel). */
    int64_t want = g_has_h ? SBI_SUCCESS : SBI_ERR_NOT_SUPPORTED;
    for (uint64_t fid = 3; fid <= 6; fid++) {
        r = sbi_call(SBI_EXT_RFENCE, fid, 1, self, 0, UINT64_MAX, 0);
        check_eq(r.error, want, "rfence: %s(self) returns %s", k_hfence_names[fid - 3],
                 g_has_h ? "SBI_SUCCESS (hart has H)" : "SBI_ERR_NOT_SUPPORTED (no H)");
    }

    /* As for IPI: OpenSBI 1.6 returns SBI_SUCCESS for invalid harts, 1.1 conforms. */
    r = sbi_call(SBI_EXT_RFENCE, 0, 1, HART_INVALID, 0, 0, 0);
    check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_SUCCESS,
                     "rfence: remote_fence_i with hart_mask_base 0x1000 returns "
                     "SBI_ERR_INVALID_PARAM");
    r = sbi_call(SBI_EXT_RFENCE, 1, 1, HART_INVALID, 0, UINT64_MAX, 0);
    check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_SUCCESS,
                     "rfence: remote_sfence_vma with hart_mask_base 0x1000 returns "
                     "SBI_ERR_INVALID_PARAM");
    r = sbi_call(SBI_EXT_RFENCE, 2, 1, HART_INVALID, 0, UINT64_MAX, 0);
    check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_SUCCESS,
                     "rfence: remote_sfence_vma_asid with hart_mask_base 0x1000 returns "
                     "SBI_ERR_INVALID_PARAM");
    if (!hart_listed(self + 63)) {
        r = sbi_call(SBI_EXT_RFENCE, 0, UINT64_C(1) << 63, self, 0, 0, 0);
        check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_SUCCESS,
                         "rfence: remote_fence_i to a non-existent hart in hart_mask returns "
                         "SBI_ERR_INVALID_PARAM");
    }
    r = sbi_call(SBI_EXT_RFENCE, 7, 1, self, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED, "rfence: unknown FID 7 returns SBI_ERR_NOT_SUPPORTED");
}

/* ------------------------------------------------------------------------------------------ */
/* HSM                                                                                          */
/* ------------------------------------------------------------------------------------------ */

/* Poll hart_get_status(hartid) until it reports `state`; returns the last status seen. */
static int64_t wait_hart_state(uint64_t hartid, int64_t state, uint64_t timeout_us)
{
    uint64_t start = read_time();
    int64_t last = -1;
    for (uint64_t i = 0; i < POLL_MAX_ITERATIONS; i++) {
        struct sbiret r = sbi_hart_status(hartid);
        last = r.error != SBI_SUCCESS ? r.error : r.value;
        if (r.error == SBI_SUCCESS && r.value == state)
            break;
        if (read_time() - start > us_to_ticks(timeout_us))
            break;
    }
    return last;
}

static void hsm_secondary(void)
{
    static const char k_round_names[2][16] = { "first start", "restart" };
    uint64_t other = UINT64_MAX;
    for (uint32_t i = 0; i < g_plat.hart_count; i++) {
        if (g_plat.hartids[i] != g_hartid) {
            other = g_plat.hartids[i];
            break;
        }
    }
    if (other == UINT64_MAX) {
        check_skip("single hart", "hsm: start and stop a secondary hart");
        return;
    }
    out("# hsm: secondary hart %lu\n", other);
    struct sbiret r = sbi_hart_status(other);
    check_eq(r.error, SBI_SUCCESS, "hsm: hart_get_status(secondary) returns SBI_SUCCESS");
    check_eq(r.value, SBI_HSM_STATE_STOPPED, "hsm: the secondary hart is STOPPED before start");
    if (r.error != SBI_SUCCESS || r.value != SBI_HSM_STATE_STOPPED)
        return;

    for (uint32_t round = 0; round < 2; round++) {
        const char *name = k_round_names[round];
        uint64_t opaque = SECONDARY_OPAQUE + round;
        memset((void *)(uintptr_t)&g_secondary, 0, sizeof g_secondary);
        __asm__ volatile("fence rw, rw" ::: "memory");
        r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, other,
                     (uint64_t)(uintptr_t)secondary_entry, opaque, 0, 0);
        if (!check_eq(r.error, SBI_SUCCESS, "hsm: %s: hart_start(secondary) returns SBI_SUCCESS",
                      name))
            return;
        uint64_t start = read_time();
        for (uint64_t i = 0; i < POLL_MAX_ITERATIONS && g_secondary.state == 0; i++) {
            if (read_time() - start > us_to_ticks(SECONDARY_WAIT_US))
                break;
        }
        int64_t status = wait_hart_state(other, SBI_HSM_STATE_STOPPED, SECONDARY_WAIT_US);
        __asm__ volatile("fence rw, rw" ::: "memory");
        check_eq((int64_t)g_secondary.state, 1,
                 "hsm: %s: secondary ran from start_addr, hart_stop did not return", name);
        if (g_secondary.state == 3)
            out("# hsm: secondary trapped, scause 0x%lx\n", g_secondary.scause);
        if (g_secondary.state == 2)
            out("# hsm: hart_stop returned %ld\n", (int64_t)g_secondary.stop_error);
        check_eq((int64_t)g_secondary.a0, (int64_t)other, "hsm: %s: secondary has a0 = hartid",
                 name);
        check_eq((int64_t)g_secondary.a1, (int64_t)opaque, "hsm: %s: secondary has a1 = opaque",
                 name);
        check_eq((int64_t)g_secondary.satp, 0, "hsm: %s: secondary has satp = 0", name);
        check_eq((int64_t)(g_secondary.sstatus & SSTATUS_SIE), 0,
                 "hsm: %s: secondary has sstatus.SIE = 0", name);
        check_eq(status, SBI_HSM_STATE_STOPPED,
                 "hsm: %s: hart_get_status(secondary) is STOPPED after hart_stop", name);
        if (status != SBI_HSM_STATE_STOPPED)
            return;
    }
}

static void hsm_suspend(void)
{
    struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 1, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_INVALID_PARAM,
             "hsm: hart_suspend(reserved type 0x1) returns SBI_ERR_INVALID_PARAM");
    r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x0fffffff, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_INVALID_PARAM,
             "hsm: hart_suspend(reserved type 0x0fffffff) returns SBI_ERR_INVALID_PARAM");
    r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x80000001, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_INVALID_PARAM,
             "hsm: hart_suspend(reserved type 0x80000001) returns SBI_ERR_INVALID_PARAM");

    if (!g_has.time) {
        check_skip("TIME not offered", "hsm: default retentive hart_suspend wakes on a timer");
        return;
    }
    /* Default retentive suspend: the timer (enabled in sie, sstatus.SIE off) wakes it. */
    sbi_set_timer(UINT64_MAX);
    csr_set_sie(SIE_STIE);
    uint64_t target = read_time() + us_to_ticks(10 * MS);
    sbi_set_timer(target);
    /* resume_addr is unused for retentive suspend; pass a valid one all the same. */
    r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0, (uint64_t)(uintptr_t)secondary_entry, 0,
                 0, 0);
    uint64_t back = read_time();
    bool pending = poll_sip(SIP_STIP, true, PENDING_WAIT_US);
    csr_clear_sie(SIE_STIE);
    sbi_set_timer(UINT64_MAX);
    if (r.error == SBI_ERR_NOT_SUPPORTED) {
        check_skip("default retentive suspend not supported",
                   "hsm: default retentive hart_suspend");
        return;
    }
    check_eq(r.error, SBI_SUCCESS, "hsm: hart_suspend(default retentive) returns SBI_SUCCESS");
    check_eq(pending, 1, "hsm: the timer interrupt that ended the suspend is pending");
    out("# hsm: suspend returned %ld ticks after the deadline\n", (int64_t)(back - target));
}

static void section_hsm(void)
{
    out("# HSM extension\n");
    if (!g_has.hsm) {
        check_skip("not offered", "hsm: hart state management checks");
        return;
    }
    uint64_t entry = (uint64_t)(uintptr_t)secondary_entry;
    struct sbiret r = sbi_hart_status(g_hartid);
    check_eq(r.error, SBI_SUCCESS, "hsm: hart_get_status(self) returns SBI_SUCCESS");
    check_eq(r.value, SBI_HSM_STATE_STARTED, "hsm: hart_get_status(self) is STARTED");
    r = sbi_hart_status(HART_INVALID);
    check_eq(r.error, SBI_ERR_INVALID_PARAM,
             "hsm: hart_get_status(0x1000) returns SBI_ERR_INVALID_PARAM");
    r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, g_hartid, entry, 0, 0, 0);
    check_eq(r.error, SBI_ERR_ALREADY_AVAILABLE,
             "hsm: hart_start(self) returns SBI_ERR_ALREADY_AVAILABLE");
    r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, HART_INVALID, entry, 0, 0, 0);
    check_eq(r.error, SBI_ERR_INVALID_PARAM,
             "hsm: hart_start(0x1000) returns SBI_ERR_INVALID_PARAM");
    hsm_secondary();
    hsm_suspend();
    r = sbi_call(SBI_EXT_HSM, 4, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED, "hsm: unknown FID 4 returns SBI_ERR_NOT_SUPPORTED");
}

/* ------------------------------------------------------------------------------------------ */
/* Faults the guest's own trap handler must see                                                 */
/* ------------------------------------------------------------------------------------------ */

static void check_h_csr(const struct exc_result *e, const char *what)
{
    if (g_has_h)
        check_eq(e->caught, 0, "fault: %s works in HS-mode (hart has H)", what);
    else
        check_illegal(e, "fault", what);
}

static void section_faults(void)
{
    out("# faults\n");
    uint64_t addr = ADDR_UNMAPPED;
    if (addr_in_ram(addr)) {
        check_skip("0x1000000000 is RAM here", "fault: access to an unmapped address");
    } else {
        uint64_t v = 0;
        exc_arm();
        __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
        struct exc_result e = exc_disarm();
        check_eq(e.caught ? (int64_t)e.scause : -1, EXC_LOAD_ACCESS,
                 "fault: load from unmapped 0x1000000000 raises load access fault (5)");
        check_eq((int64_t)e.stval, (int64_t)addr, "fault: load access fault has stval = address");
        exc_arm();
        __asm__ volatile("sd %0, 0(%1)" ::"r"(v), "r"(addr + 8) : "memory");
        e = exc_disarm();
        check_eq(e.caught ? (int64_t)e.scause : -1, EXC_STORE_ACCESS,
                 "fault: store to unmapped 0x1000000008 raises store/AMO access fault (7)");
        check_eq((int64_t)e.stval, (int64_t)(addr + 8),
                 "fault: store access fault has stval = address");
    }

    exc_arm();
    __asm__ volatile(".2byte 0x0000" ::: "memory");
    struct exc_result e = exc_disarm();
    check_illegal(&e, "fault", "16-bit all-zero instruction");
    exc_arm();
    __asm__ volatile(".4byte 0xffffffff" ::: "memory");
    e = exc_disarm();
    check_illegal(&e, "fault", "32-bit all-ones instruction");
    exc_arm();
    __asm__ volatile(".4byte %0" ::"i"(INSN_MSCRATCH_READ_T0) : "t0", "memory");
    e = exc_disarm();
    check_illegal(&e, "fault", "read of M-mode CSR mscratch");
    exc_arm();
    __asm__ volatile(".4byte 0x30200073" ::: "memory"); /* mret */
    e = exc_disarm();
    check_illegal(&e, "fault", "mret");

    uint64_t csr = 0;
    exc_arm();
    __asm__ volatile("csrr %0, 0x600" : "=r"(csr)::"memory"); /* hstatus */
    e = exc_disarm();
    check_h_csr(&e, "read of hypervisor CSR hstatus");
    exc_arm();
    __asm__ volatile("csrr %0, 0x680" : "=r"(csr)::"memory"); /* hgatp */
    e = exc_disarm();
    check_h_csr(&e, "read of hypervisor CSR hgatp");
    exc_arm();
    __asm__ volatile(".4byte 0x62000073" ::: "memory"); /* hfence.gvma zero, zero */
    e = exc_disarm();
    check_h_csr(&e, "hfence.gvma");

    exc_arm();
    struct sbiret r = sbi_call(EID_MADE_UP, 0, 0, 0, 0, 0, 0);
    e = exc_disarm();
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED, "fault: ecall with an unknown EID returns -2");
    check_eq(e.caught, 0, "fault: ecall with an unknown EID does not trap to the supervisor");

    exc_arm();
    uint64_t t0 = read_time();
    uint64_t t1 = read_time();
    e = exc_disarm();
    check_eq(e.caught, 0, "fault: the time CSR is readable");
    check_true(t1 >= t0, (int64_t)(t1 - t0), ">= 0", "fault: the time CSR does not go backwards");
}

/* ------------------------------------------------------------------------------------------ */
/* MMIO emulation under keel: every width, sign extension, the decode cache, hostile accesses    */
/* ------------------------------------------------------------------------------------------ */

#define VUART_GPA UINT64_C(0x10000000) /* keel's ns16550: byte registers, LSR 5, SCR 7 */
#define VPLIC_GPA UINT64_C(0x0c000000) /* keel's PLIC: 32-bit registers, priority of source n at 4n */
#define VPLIC_PRIO5 (VPLIC_GPA + 4 * 5)
#define INSN_LBU_A0_5_A0 0x00554503u /* lbu a0, 5(a0) */
#define INSN_LB_A0_7_A0 0x00750503u  /* lb a0, 7(a0) */
#define INSN_RET 0x00008067u         /* jalr x0, 0(ra) */

/* Code written at run time, to run different loads at one pc (keel caches decodes by pc). */
static uint32_t g_code[2] __attribute__((aligned(8)));

static uint64_t run_code(uint32_t insn, uint64_t a0)
{
    g_code[0] = insn;
    g_code[1] = INSN_RET;
    __asm__ volatile("fence.i" ::: "memory");
    uint64_t (*fn)(uint64_t) = (uint64_t (*)(uint64_t))(uintptr_t)g_code;
    return fn(a0);
}

/* A load or store that keel must refuse: an access fault with stval = the address. */
static void check_mmio_fault(const struct exc_result *e, int64_t cause, uint64_t addr,
                             const char *what)
{
    check_eq(e->caught ? (int64_t)e->scause : -1, cause, "mmio: %s raises access fault (%ld)", what,
             cause);
    check_eq((int64_t)e->stval, (int64_t)addr, "mmio: %s: stval is the address", what);
}

static void section_mmio(void)
{
    out("# MMIO emulation (keel's vUART and vPLIC)\n");
    if (g_impl_id != SBI_IMPL_ID_KEEL) {
        check_skip("not keel: the machine's own devices answer other widths",
                   "mmio: keel's device-model checks");
        return;
    }
    volatile uint8_t *uart = (volatile uint8_t *)(uintptr_t)VUART_GPA;
    uart[7] = 0xa5; /* SCR */
    uint8_t lsr = uart[5];
    check_true((lsr & 0x60) == 0x60, lsr, "THRE and TEMT set", "mmio: lbu of the UART's LSR");
    int64_t sv;
    __asm__ volatile("lb %0, 7(%1)" : "=r"(sv) : "r"(VUART_GPA) : "memory");
    check_eq(sv, (int64_t)0xffffffffffffffa5ull, "mmio: lb of SCR 0xa5 is sign-extended");
    uint64_t uv;
    __asm__ volatile("lbu %0, 7(%1)" : "=r"(uv) : "r"(VUART_GPA) : "memory");
    check_eq((int64_t)uv, 0xa5, "mmio: lbu of SCR 0xa5 is zero-extended");
    /* compressed: c.lw/c.sw need registers x8-x15 */
    register uint64_t base __asm__("s0") = VPLIC_PRIO5;
    register uint64_t val __asm__("s1") = 6;
    __asm__ volatile("c.sw %1, 0(%0)" ::"r"(base), "r"(val) : "memory");
    __asm__ volatile("c.lw %0, 0(%1)" : "=r"(val) : "r"(base) : "memory");
    check_eq((int64_t)val, 6, "mmio: c.sw then c.lw of a PLIC priority");
    __asm__ volatile("lwu %0, 0(%1)" : "=r"(uv) : "r"(VPLIC_PRIO5) : "memory");
    check_eq((int64_t)uv, 6, "mmio: lwu of the same priority");
    /* the load goes to x0: nothing to write back, and nothing may break */
    exc_arm();
    __asm__ volatile("lbu x0, 5(%0)" ::"r"(VUART_GPA) : "memory");
    struct exc_result e = exc_disarm();
    check_eq(e.caught, 0, "mmio: lbu into x0 completes");

    /* one pc, two instructions: the second must not reuse the first's decode */
    uint64_t first = run_code(INSN_LBU_A0_5_A0, VUART_GPA);
    uint64_t second = run_code(INSN_LB_A0_7_A0, VUART_GPA);
    check_true((first & 0x60) == 0x60, (int64_t)first, "LSR with THRE and TEMT",
               "mmio: code at one pc: lbu of LSR");
    check_eq((int64_t)second, (int64_t)0xffffffffffffffa5ull,
             "mmio: the same pc rewritten to lb of SCR: decoded again");

    /* widths and kinds the models refuse */
    exc_arm();
    __asm__ volatile("lw %0, 4(%1)" : "=r"(uv) : "r"(VUART_GPA) : "memory");
    e = exc_disarm();
    check_mmio_fault(&e, EXC_LOAD_ACCESS, VUART_GPA + 4, "lw of a byte-wide UART register");
    exc_arm();
    __asm__ volatile("sh %0, 6(%1)" ::"r"(uv), "r"(VUART_GPA) : "memory");
    e = exc_disarm();
    check_mmio_fault(&e, EXC_STORE_ACCESS, VUART_GPA + 6, "sh to a byte-wide UART register");
    exc_arm();
    __asm__ volatile("ld %0, 0(%1)" : "=r"(uv) : "r"(VPLIC_PRIO5) : "memory");
    e = exc_disarm();
    check_mmio_fault(&e, EXC_LOAD_ACCESS, VPLIC_PRIO5, "ld of a 32-bit PLIC register");
    exc_arm();
    __asm__ volatile("sb %0, 0(%1)" ::"r"(uv), "r"(VPLIC_PRIO5) : "memory");
    e = exc_disarm();
    check_mmio_fault(&e, EXC_STORE_ACCESS, VPLIC_PRIO5, "sb to a 32-bit PLIC register");
    exc_arm();
    __asm__ volatile("amoadd.w %0, %1, (%2)" : "=r"(uv) : "r"(1), "r"(VPLIC_PRIO5) : "memory");
    e = exc_disarm();
    check_mmio_fault(&e, EXC_STORE_ACCESS, VPLIC_PRIO5, "amoadd.w on a PLIC register");
    exc_arm();
    __asm__ volatile("lr.w %0, (%1)" : "=r"(uv) : "r"(VPLIC_PRIO5) : "memory");
    e = exc_disarm();
    check_true(e.caught && (e.scause == EXC_LOAD_ACCESS || e.scause == EXC_STORE_ACCESS),
               e.caught ? (int64_t)e.scause : -1, "5 or 7", "mmio: lr.w on a PLIC register faults");
    /* misaligned: the hart or keel refuses it; either way the guest gets the fault */
    exc_arm();
    __asm__ volatile("lw %0, 2(%1)" : "=r"(uv) : "r"(VPLIC_PRIO5) : "memory");
    e = exc_disarm();
    check_true(e.caught && (e.scause == 4 || e.scause == EXC_LOAD_ACCESS),
               e.caught ? (int64_t)e.scause : -1, "4 (misaligned) or 5",
               "mmio: misaligned lw of a PLIC register faults");
    /* the priority survived all of that */
    check_eq((int64_t)mmio_read32(VPLIC_PRIO5), 6, "mmio: the priority still reads 6");
    mmio_write32(VPLIC_PRIO5, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* SRST (the real shutdown is finish())                                                         */
/* ------------------------------------------------------------------------------------------ */

static void section_srst(void)
{
    out("# SRST extension\n");
    if (!g_has.srst) {
        check_skip("not offered", "srst: system reset parameter checks");
        return;
    }
    struct sbiret r = sbi_call(SBI_EXT_SRST, 0, 0x1000, 0, 0, 0, 0);
    check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED,
                     "srst: reserved reset_type 0x1000 returns SBI_ERR_INVALID_PARAM");
    r = sbi_call(SBI_EXT_SRST, 0, 0xefffffff, 0, 0, 0, 0);
    check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED,
                     "srst: reserved reset_type 0xefffffff returns SBI_ERR_INVALID_PARAM");
    out("# srst: shutdown with a reserved reset_reason (a non-conforming SBI powers off here)\n");
    r = sbi_call(SBI_EXT_SRST, 0, 0, 0x10000000, 0, 0, 0);
    check_eq_opensbi(r.error, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED,
                     "srst: reserved reset_reason 0x10000000 returns SBI_ERR_INVALID_PARAM");
    r = sbi_call(SBI_EXT_SRST, 1, 0, 0, 0, 0, 0);
    check_eq(r.error, SBI_ERR_NOT_SUPPORTED, "srst: unknown FID 1 returns SBI_ERR_NOT_SUPPORTED");
}

/* ------------------------------------------------------------------------------------------ */

void guest_main(uint64_t hartid, uint64_t dtb, uint64_t bad_relocs, uint64_t entry_sstatus)
{
    g_hartid = hartid;
    fdt_parse(dtb, hartid, &g_plat);
    g_timebase = g_plat.timebase_hz != 0 ? g_plat.timebase_hz : DEFAULT_TIMEBASE_HZ;
    uint64_t load = (uint64_t)(uintptr_t)__image_start;
    for (uint32_t i = 0; i < g_plat.mem_count; i++) {
        if (load >= g_plat.mem_base[i] && load - g_plat.mem_base[i] < g_plat.mem_size[i]) {
            g_ram_base = g_plat.mem_base[i];
            g_ram_end = g_plat.mem_base[i] + g_plat.mem_size[i];
        }
    }
    if (g_plat.valid && g_plat.isa_known) {
        g_has_h = g_plat.has_h;
    } else {
        /* No ISA information: H is there exactly when hstatus is accessible. */
        uint64_t v = 0;
        exc_arm();
        __asm__ volatile("csrr %0, 0x600" : "=r"(v)::"memory");
        g_has_h = !exc_disarm().caught;
    }

    /* The console comes first, probed without reporting; section_base checks the probes. */
    struct sbiret dbcn = sbi_probe(SBI_EXT_DBCN);
    struct sbiret legacy = sbi_probe(SBI_EXT_LEGACY_PUTCHAR);
    console_init(dbcn.error == SBI_SUCCESS && dbcn.value != 0,
                 legacy.error == SBI_SUCCESS && legacy.value != 0);

    out("# sbi-test: SBI implementation checks (SBI v2.0)\n");
    section_boot(dtb, bad_relocs, entry_sstatus);
    section_base();
    section_regs();
    section_legacy_console();
    section_dbcn();
    section_time();
    section_ipi();
    section_rfence();
    section_hsm();
    section_faults();
    section_mmio();
    section_srst();
    finish();
}
