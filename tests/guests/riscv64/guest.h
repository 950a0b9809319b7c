/* SPDX-License-Identifier: MIT */
/*
 * sbi-test guest: declarations shared by the entry code (start.S), the trap handler, the
 * console, the device-tree reader and the checks. The guest runs in S-mode (VS-mode under
 * keel) with satp = 0, so every address here is a (guest-)physical address.
 */
#ifndef SBI_TEST_GUEST_H
#define SBI_TEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every symbol binds locally: code reaches data pc-relatively, without a GOT. */
#pragma GCC visibility push(hidden)

/* ---- SBI v2.0 numbers (chapter 3 and the extension chapters) ---- */
#define SBI_SUCCESS 0
#define SBI_ERR_FAILED (-1)
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_DENIED (-4)
#define SBI_ERR_INVALID_ADDRESS (-5)
#define SBI_ERR_ALREADY_AVAILABLE (-6)
#define SBI_ERR_ALREADY_STARTED (-7)
#define SBI_ERR_ALREADY_STOPPED (-8)

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_GETCHAR 0x02
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM 0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_PMU 0x504D55
#define SBI_EXT_DBCN 0x4442434E
#define SBI_EXT_SUSP 0x53555350
#define SBI_EXT_CPPC 0x43505043
#define SBI_EXT_NACL 0x4E41434C
#define SBI_EXT_STA 0x535441

#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID 1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_BASE_GET_MVENDORID 4
#define SBI_BASE_GET_MARCHID 5
#define SBI_BASE_GET_MIMPID 6

#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_STOP 1
#define SBI_HSM_HART_GET_STATUS 2
#define SBI_HSM_HART_SUSPEND 3
#define SBI_HSM_STATE_STARTED 0
#define SBI_HSM_STATE_STOPPED 1

#define SBI_IMPL_ID_OPENSBI 1
#define SBI_IMPL_ID_KEEL 0x6b65656cu /* "keel" */

/* ---- CSR bits ---- */
#define SSTATUS_SIE (UINT64_C(1) << 1)
#define SIP_SSIP (UINT64_C(1) << 1)
#define SIP_STIP (UINT64_C(1) << 5)
#define SIE_SSIE (UINT64_C(1) << 1)
#define SIE_STIE (UINT64_C(1) << 5)
#define SCAUSE_INTERRUPT (UINT64_C(1) << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define EXC_INSN_ACCESS 1
#define EXC_ILLEGAL_INSN 2
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_ACCESS 7
#define EXC_INSN_PAGE_FAULT 12

struct sbiret {
    int64_t error;
    int64_t value;
};

/* One SBI call (SBI v0.2+ convention): a7 = EID, a6 = FID, a0..a5 arguments. */
static inline struct sbiret sbi_call(uint64_t eid, uint64_t fid, uint64_t arg0, uint64_t arg1,
                                     uint64_t arg2, uint64_t arg3, uint64_t arg4)
{
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = arg1;
    register uint64_t a2 __asm__("a2") = arg2;
    register uint64_t a3 __asm__("a3") = arg3;
    register uint64_t a4 __asm__("a4") = arg4;
    register uint64_t a6 __asm__("a6") = fid;
    register uint64_t a7 __asm__("a7") = eid;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1)
                     : "r"(a2), "r"(a3), "r"(a4), "r"(a6), "r"(a7)
                     : "memory");
    struct sbiret ret = { (int64_t)a0, (int64_t)a1 };
    return ret;
}

/* A legacy (v0.1) call: a7 = EID, a0 = argument, the result comes back in a0 only. */
static inline int64_t sbi_legacy_call(uint64_t eid, uint64_t arg0)
{
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = 0;
    register uint64_t a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a7) : "memory");
    return (int64_t)a0;
}

/* ---- CSR access (S-level CSRs only; VS-mode sees its vs* copies under the same names) ---- */
static inline uint64_t csr_read_sip(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, sip" : "=r"(v)::"memory");
    return v;
}

static inline void csr_clear_sip(uint64_t bits)
{
    __asm__ volatile("csrc sip, %0" ::"r"(bits) : "memory");
}

static inline uint64_t csr_read_sie(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, sie" : "=r"(v)::"memory");
    return v;
}

static inline void csr_set_sie(uint64_t bits)
{
    __asm__ volatile("csrs sie, %0" ::"r"(bits) : "memory");
}

static inline void csr_clear_sie(uint64_t bits)
{
    __asm__ volatile("csrc sie, %0" ::"r"(bits) : "memory");
}

static inline uint64_t csr_read_sstatus(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, sstatus" : "=r"(v)::"memory");
    return v;
}

static inline void irq_enable(void)
{
    __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
}

static inline void irq_disable(void)
{
    __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
}

static inline uint64_t csr_read_satp(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, satp" : "=r"(v)::"memory");
    return v;
}

static inline uint64_t read_time(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, time" : "=r"(v)::"memory");
    return v;
}

static inline void wait_for_interrupt(void)
{
    __asm__ volatile("wfi" ::: "memory");
}

static inline void mmio_write32(uint64_t gpa, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)gpa = v;
}

static inline uint32_t mmio_read32(uint64_t gpa)
{
    return *(volatile uint32_t *)(uintptr_t)gpa;
}

/* ---- start.S ---- */
extern char __image_start[];
extern char __image_end[];
extern char trap_vector[];
extern char secondary_entry[];
/* ecall with every register except a0/a1 loaded with a pattern; returns the mask of the
   x registers (bit n = xn) whose value differs afterwards. */
uint64_t sbi_clobber_check(uint64_t eid, uint64_t fid, uint64_t arg0, uint64_t arg1);

/* Written by a secondary hart started through HSM (start.S stores in this layout). */
struct secondary_report {
    uint64_t state;   /* 0 idle, 1 entered, 2 hart_stop returned, 3 trapped */
    uint64_t a0;      /* hartid the SBI passed */
    uint64_t a1;      /* opaque the SBI passed */
    uint64_t satp;
    uint64_t sstatus;
    uint64_t stop_error; /* a0 after a returning hart_stop */
    uint64_t scause;     /* when it trapped */
};
extern volatile struct secondary_report g_secondary;

/* ---- trap.c ---- */
struct trap_frame {
    uint64_t x[32]; /* x[0] unused, x[2] is the interrupted sp */
    uint64_t sepc;
    uint64_t sstatus;
    uint64_t scause;
    uint64_t stval;
};

struct exc_result {
    bool caught;
    uint64_t scause;
    uint64_t stval;
    uint64_t sepc;
};

struct irq_state {
    volatile uint64_t count;
    volatile uint64_t scause;
    volatile uint64_t time;
};

void trap_handler(struct trap_frame *frame);
/* Arm: the next synchronous exception is recorded and its instruction skipped. */
void exc_arm(void);
struct exc_result exc_disarm(void);
/* Interrupt `code` (1 SSI, 5 STI) is expected: record it (and mask it in sie). */
void irq_expect(uint32_t code);
void irq_unexpect(uint32_t code);
extern struct irq_state g_irq;
/* Is interrupt `code` pending? Lets it in for an instant with everything else as it was (sie
   restored, the caller's expected interrupts untouched): for pending bits that sip does not show
   (QEMU 7.2 hides VSTIP/VSEIP from a VS-mode sip read). */
bool irq_probe_pending(uint32_t code);

/* ---- single_hart.c (the one-hart guests: echo, peer, ptdev, reboot) ---- */
/* The console (DBCN when the SBI offers it, else legacy putchar), and an ERROR line naming
   `who` when start.S met relocations of an unknown type: returns 1 then, else 0. */
uint32_t single_hart_start(const char *who, uint64_t bad_relocs);
/* Flush the console and shut this VM down with SBI SRST; parks if that returns. */
void vm_shutdown(void) __attribute__((noreturn));

/* ---- console.c ---- */
void console_init(bool have_dbcn, bool have_legacy_putchar);
/* True once a DBCN console_write failed and the console fell back to legacy putchar. */
bool console_dbcn_failed(int64_t *error);
void out_flush(void);
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
#define PLAT_MAX_HARTS 16
#define PLAT_MAX_MEM 4

struct platform_info {
    bool valid;                 /* a1 pointed at a parsable flattened device tree */
    uint64_t timebase_hz;       /* 0 when absent */
    uint32_t hart_count;
    uint64_t hartids[PLAT_MAX_HARTS];
    bool boot_hart_found;       /* the boot hart has a cpu node */
    bool isa_known;             /* riscv,isa or riscv,isa-extensions seen for the boot hart */
    bool has_h;
    bool has_sstc;
    uint32_t mem_count;
    uint64_t mem_base[PLAT_MAX_MEM];
    uint64_t mem_size[PLAT_MAX_MEM];
};

bool fdt_parse(uint64_t dtb, uint64_t boot_hartid, struct platform_info *info);

/* ---- sbi_test.c ---- */
void guest_main(uint64_t hartid, uint64_t dtb, uint64_t bad_relocs, uint64_t entry_sstatus)
    __attribute__((noreturn));
/* Count a failure found outside a check (unexpected trap); prints its own "not ok" line. */
void report_unexpected(const char *what, uint64_t scause, uint64_t sepc, uint64_t stval);
/* Print the summary and power off. */
void finish(void) __attribute__((noreturn));

/* ---- lib.c (the compiler may emit calls to these) ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t str_len(const char *s);

#pragma GCC visibility pop

#endif
