/* SPDX-License-Identifier: MIT */
/*
 * psci-test guest: declarations shared by the entry code (start.S), the trap handler, the
 * console, the device-tree reader, the GIC helpers and the checks. The guest runs at EL1
 * with the MMU off, so every address here is a (guest-)physical address and every data
 * access has Device-nGnRnE semantics (aligned accesses only: -mstrict-align).
 */
#ifndef PSCI_TEST_GUEST_H
#define PSCI_TEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every symbol binds locally: code reaches data pc-relatively (adrp/add), without a GOT. */
#pragma GCC visibility push(hidden)

/* ---- SMCCC (Arm DEN0028) ---- */
#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_ARCH_SOC_ID 0x80000002u
#define SMCCC_ARCH_WORKAROUND_1 0x80008000u
#define SMCCC_ARCH_WORKAROUND_2 0x80007fffu
#define SMCCC_ARCH_WORKAROUND_3 0x80003fffu
#define SMCCC_NOT_SUPPORTED (-1)

/* ---- PSCI (Arm DEN0022; Linux include/uapi/linux/psci.h) ---- */
#define PSCI_FN(n) (0x84000000u + (n))
#define PSCI_FN64(n) (0xc4000000u + (n))
#define PSCI_VERSION PSCI_FN(0)
#define PSCI_CPU_SUSPEND PSCI_FN(1)
#define PSCI_CPU_SUSPEND64 PSCI_FN64(1)
#define PSCI_CPU_OFF PSCI_FN(2)
#define PSCI_CPU_ON PSCI_FN(3)
#define PSCI_CPU_ON64 PSCI_FN64(3)
#define PSCI_AFFINITY_INFO PSCI_FN(4)
#define PSCI_AFFINITY_INFO64 PSCI_FN64(4)
#define PSCI_MIGRATE_INFO_TYPE PSCI_FN(6)
#define PSCI_SYSTEM_OFF PSCI_FN(8)
#define PSCI_SYSTEM_RESET PSCI_FN(9)
#define PSCI_FEATURES PSCI_FN(10)
#define PSCI_SYSTEM_RESET2 PSCI_FN(18)
#define PSCI_SYSTEM_RESET2_64 PSCI_FN64(18)

#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED (-3)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)
#define PSCI_INTERNAL_FAILURE (-6)
#define PSCI_NOT_PRESENT (-7)
#define PSCI_DISABLED (-8)
#define PSCI_INVALID_ADDRESS (-9)

#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
#define PSCI_AFFINITY_ON_PENDING 2

/* x0 after a conduit instruction that raised an undefined-instruction exception instead of
   reaching an SMCCC implementation (set by the trap handler). */
#define SMCCC_CALL_UNDEF INT64_C(0x0badca110badca11)

/* ---- architecture ---- */
#define MPIDR_AFF_MASK UINT64_C(0xff00ffffff) /* Aff3 [39:32], Aff2..Aff0 [23:0] */
#define DAIF_MASK_ALL UINT64_C(0x3c0)
#define ISR_EL1_I (UINT64_C(1) << 7)
#define SCTLR_M UINT64_C(1)
#define CNTV_CTL_ENABLE UINT64_C(1)
#define CNTV_CTL_IMASK UINT64_C(2)
#define CNTV_CTL_ISTATUS UINT64_C(4)

/* ESR_ELx exception classes (Arm ARM D17.2.37) */
#define EC_UNKNOWN 0x00u
#define EC_SVC64 0x15u
#define EC_HVC64 0x16u
#define EC_SMC64 0x17u
#define EC_SYSREG 0x18u
#define EC_IABT_CUR 0x21u
#define EC_PC_ALIGN 0x22u
#define EC_DABT_CUR 0x25u
#define EC_BRK64 0x3cu
#define ESR_EC(esr) ((uint32_t)((esr) >> 26) & 0x3fu)
#define ESR_IL (UINT64_C(1) << 25)
#define ESR_WNR (UINT64_C(1) << 6)
#define ESR_FNV (UINT64_C(1) << 10)

#define MAX_CPUS 8 /* per-CPU secondary stacks in start.S (indexed by MPIDR.Aff0 & 7) */

/* ---- system registers ---- */
#define DEFINE_SYSREG_READ(name, reg)                                                      \
    static inline uint64_t name(void)                                                      \
    {                                                                                      \
        uint64_t v;                                                                        \
        __asm__ volatile("mrs %0, " reg : "=r"(v)::"memory");                               \
        return v;                                                                          \
    }
#define DEFINE_SYSREG_WRITE(name, reg)                                                     \
    static inline void name(uint64_t v)                                                    \
    {                                                                                      \
        __asm__ volatile("msr " reg ", %0\n\tisb" ::"r"(v) : "memory");                     \
    }

DEFINE_SYSREG_READ(read_mpidr, "mpidr_el1")
DEFINE_SYSREG_READ(read_midr, "midr_el1")
DEFINE_SYSREG_READ(read_current_el, "CurrentEL")
DEFINE_SYSREG_READ(read_daif, "daif")
DEFINE_SYSREG_READ(read_sctlr, "sctlr_el1")
DEFINE_SYSREG_READ(read_isr, "isr_el1")
DEFINE_SYSREG_READ(read_cntfrq, "cntfrq_el0")
DEFINE_SYSREG_READ(read_cntv_ctl, "cntv_ctl_el0")
DEFINE_SYSREG_READ(read_cntv_cval, "cntv_cval_el0")
DEFINE_SYSREG_READ(read_id_aa64pfr0, "id_aa64pfr0_el1")
DEFINE_SYSREG_WRITE(write_cntv_ctl, "cntv_ctl_el0")
DEFINE_SYSREG_WRITE(write_cntv_cval, "cntv_cval_el0")
DEFINE_SYSREG_WRITE(write_cntv_tval, "cntv_tval_el0")

/* CNTVCT_EL0 after an isb, so the read is not hoisted above earlier instructions. */
static inline uint64_t read_cntvct(void)
{
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

static inline void dmb_sy(void)
{
    __asm__ volatile("dmb sy" ::: "memory");
}

static inline void wait_for_interrupt(void)
{
    __asm__ volatile("dsb sy\n\twfi" ::: "memory");
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
    __asm__ volatile("str %w0, [%1]" ::"r"(v), "r"(addr) : "memory");
}

static inline uint32_t mmio_read32(uint64_t addr)
{
    uint32_t v;
    __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

/* ---- start.S ---- */
extern char __image_start[];
extern char __image_end[];
extern char secondary_entry[];

/* x0..x17 in and out of one conduit call. */
struct smccc_regs {
    uint64_t x[18];
};
/* Load x0..x17 from r, execute hvc #0 (use_smc = 0) or smc #0, store x0..x17 back. */
void smccc_invoke(struct smccc_regs *r, uint64_t use_smc);
/* Load every register from x4 to x30 with CLOBBER_PATTERN + n, make the call with x0 = fid and
   x1..x3 = args, then store x0..x30 and sp into g_clobber_after[0..31]. */
void smccc_clobber_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t use_smc);
#define CLOBBER_PATTERN UINT64_C(0x5a17c3e900000000)
extern uint64_t g_clobber_after[32];
extern uint64_t g_clobber_sp_before;

/* EL2 stub (only when the guest was entered at EL2 and dropped itself to EL1): counts the
   synchronous exceptions that reached it. Layout: count, last ESR_EL2, last ELR_EL2. */
extern volatile uint64_t g_el2_stub_traps[3];

/* ---- trap.c ---- */
struct trap_frame {
    uint64_t x[31];
    uint64_t sp;
    uint64_t elr;
    uint64_t spsr;
    uint64_t esr;
    uint64_t far;
};

struct exc_result {
    bool caught;
    uint64_t esr;
    uint64_t far;
    uint64_t elr;
};

/* What start.S passes as `kind`: bits 1:0 = 0 sync, 1 IRQ, 2 FIQ, 3 SError; bits 3:2 = the
   vector group (0 current EL with SP0, 1 current EL with SPx, 2 lower EL AArch64, 3 lower EL
   AArch32). */
void trap_handler(struct trap_frame *frame, uint64_t kind);
/* Arm: the next synchronous exception on the primary is recorded and skipped. */
void exc_arm(void);
struct exc_result exc_disarm(void);
/* How many conduit instructions raised an undefined-instruction exception so far. */
uint32_t conduit_undef_count(void);
void trap_set_primary(uint64_t mpidr_aff);

/* Written by a secondary CPU started through CPU_ON (secondary_main and the trap handler). */
enum secondary_state {
    SECONDARY_IDLE = 0,
    SECONDARY_RAN = 1,        /* recorded its entry state, calling CPU_OFF */
    SECONDARY_OFF_RETURNED = 2,
    SECONDARY_TRAPPED = 3,
};
struct secondary_report {
    uint64_t state;
    uint64_t context_id;      /* x0 at the entry point */
    uint64_t mpidr;
    uint64_t entry_el;
    uint64_t entry_daif;
    uint64_t entry_sctlr;
    uint64_t off_result;      /* x0 after a CPU_OFF that returned */
    uint64_t esr;             /* when it trapped */
    uint64_t elr;
};
extern volatile struct secondary_report g_secondary;
void secondary_main(uint64_t context_id, uint64_t entry_el, uint64_t entry_daif,
                    uint64_t entry_sctlr) __attribute__((noreturn));

/* ---- single_cpu.c (every guest but psci-test) ---- */
/* The console on the platform's PL011, this CPU as the trap handler's primary, and an ERROR
   line naming `who` when start.S met relocations of an unknown type: returns 1 then, else 0. */
uint32_t single_cpu_start(const char *who, uint64_t bad_relocs);
/* PSCI SYSTEM_OFF through HVC (or SMC); reports "<who>: ERROR" if it returns, then parks. */
void vm_system_off(const char *who, bool use_smc) __attribute__((noreturn));

/* ---- spi.c (peer, ptdev, reboot: one SPI or SGI to CPU 0) ---- */
/* Each user defines it: called from the IRQ vector with IRQs masked; acknowledges through
   gic_ack(&g_spi_gic) and ends with gic_eoi(). */
void guest_irq(void);
extern struct platform_info g_spi_gic;
/* VBAR_EL1 = a table whose IRQ entry calls guest_irq(), the rest el1_vectors. */
void spi_install_vectors(void);
/* Unmask IRQs for a moment: a pending interrupt is taken (guest_irq) before the isb completes. */
void spi_irq_window(void);
/* Distributor and CPU interface on; SPI `intid` enabled, priority 0xa0, routed to CPU 0.
   Also enables an SGI (0-15) at that priority. */
void spi_enable(uint32_t intid);
/* GICD_SGIR: SGI `intid` (0-15) to the calling CPU only. */
void sgi_to_self(uint32_t intid);

/* ---- console.c ---- */
void console_init(uint64_t pl011_base);
/* One byte from the UART's receive side, or -1 when none is waiting (polled, never blocks). */
int console_getc(void);
/* One character to the console (console.c; ../format.c's out() writes through it). */
void console_out_char(char c);
void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t fmt_buf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
size_t fmt_vbuf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* ---- echo_line.c (../echo_line.c) ---- */
/* Prints a ready line, reads one line from console_getc() and prints it back (^X for control
   bytes); at most 64 bytes. */
void echo_line(void);

/* ---- fdt.c ---- */
#define PLAT_MAX_CPUS 16
#define PLAT_MAX_MEM 4
#define PLAT_STR 48

enum conduit { CONDUIT_NONE, CONDUIT_HVC, CONDUIT_SMC, CONDUIT_OTHER };

struct platform_info {
    bool valid;                 /* x0 pointed at a parsable flattened device tree */
    char root_compatible[PLAT_STR]; /* first string of the root compatible */
    bool keel;                  /* a root compatible string starts with "keel," */
    bool qemu_virt;             /* a root compatible string is "linux,dummy-virt" */
    bool psci_found;            /* a node compatible with "arm,psci*" */
    char psci_compatible[PLAT_STR];
    enum conduit method;
    uint32_t cpu_count;
    uint64_t cpu_reg[PLAT_MAX_CPUS];
    bool cpu_psci[PLAT_MAX_CPUS];   /* enable-method = "psci" */
    uint32_t mem_count;
    uint64_t mem_base[PLAT_MAX_MEM];
    uint64_t mem_size[PLAT_MAX_MEM];
    bool stdout_found;          /* /chosen stdout-path resolved to a PL011 */
    uint64_t uart_base;         /* that PL011, else the first PL011 seen, else 0 */
    uint32_t gic_version;       /* 0 none found, 2, 3 */
    uint64_t gicd_base;
    uint64_t gicc_base;         /* GICv2 CPU interface */
    uint64_t gicr_base;         /* GICv3 first redistributor region */
    uint64_t gicr_size;
    bool timer_found;
    uint32_t vtimer_intid;      /* from the timer's interrupts, else 27 */
};

bool fdt_parse(uint64_t dtb, struct platform_info *info);

/* ---- gic.c ---- */
/* Route PPI `intid` (the virtual timer) to this CPU's IRQ line: distributor/redistributor
   enable, priority, CPU interface enable with a permissive priority mask. PSTATE.I stays set:
   the interrupt only shows in ISR_EL1 and wakes wfi. False when there is no usable GIC. */
bool gic_enable_ppi(const struct platform_info *p, uint32_t intid, const char **why);
void gic_disable_ppi(const struct platform_info *p, uint32_t intid);
uint32_t gic_ack(const struct platform_info *p);       /* IAR: the INTID (1023 spurious) */
void gic_eoi(const struct platform_info *p, uint32_t iar);

/* ---- psci_test.c ---- */
void guest_main(uint64_t dtb, uint64_t bad_relocs, uint64_t entry_el, uint64_t entry_daif,
                uint64_t entry_sctlr) __attribute__((noreturn));
void report_unexpected(const char *what, uint64_t esr, uint64_t elr, uint64_t far);
void finish(void) __attribute__((noreturn));

/* ---- lib.c ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t str_len(const char *s);

#pragma GCC visibility pop

#endif
