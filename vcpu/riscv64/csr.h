/* SPDX-License-Identifier: MIT */
/* RISC-V CSR numbers, bit fields and accessors (Privileged spec v1.12, chapters 4 and 8 (H)). */
#ifndef KEEL_RISCV_CSR_H
#define KEEL_RISCV_CSR_H

#include <keel/types.h>

/* scause: interrupt bit and codes (Privileged spec sec 4.1.9, table 4.2; H: table 8.6) */
#define SCAUSE_INTERRUPT (1ull << 63)
#define IRQ_S_SOFT 1
#define IRQ_VS_SOFT 2
#define IRQ_S_TIMER 5
#define IRQ_VS_TIMER 6
#define IRQ_S_EXT 9
#define IRQ_VS_EXT 10
#define IRQ_S_GEXT 12

#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS 1
#define EXC_ILLEGAL_INST 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_ECALL_S 9 /* from HS-mode or from VS-mode as seen by VS */
#define EXC_ECALL_VS 10
#define EXC_ECALL_M 11
#define EXC_INST_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15
#define EXC_INST_GUEST_PAGE_FAULT 20
#define EXC_LOAD_GUEST_PAGE_FAULT 21
#define EXC_VIRTUAL_INST 22
#define EXC_STORE_GUEST_PAGE_FAULT 23

/* sstatus (sec 4.1.1) */
#define SSTATUS_SIE (1ull << 1)
#define SSTATUS_SPIE (1ull << 5)
#define SSTATUS_SPP (1ull << 8)
#define SSTATUS_FS (3ull << 13) /* FS field; all ones = Dirty */
#define SSTATUS_FS_CLEAN (2ull << 13)
#define SSTATUS_SUM (1ull << 18)

/* hstatus (sec 8.2.1) */
#define HSTATUS_GVA (1ull << 6)
#define HSTATUS_SPV (1ull << 7)
#define HSTATUS_SPVP (1ull << 8)
#define HSTATUS_HU (1ull << 9)
#define HSTATUS_VTVM (1ull << 20)
#define HSTATUS_VTW (1ull << 21)
#define HSTATUS_VTSR (1ull << 22)
#define HSTATUS_VSXL_SHIFT 32

/* hgatp (sec 8.2.10) */
#define HGATP_MODE_SV39X4 8ull
#define HGATP_MODE_SHIFT 60
#define HGATP_VMID_SHIFT 44
#define HGATP_VMID_MASK 0x3fffull

/* henvcfg (sec 8.2.5) */
#define HENVCFG_STCE (1ull << 63)

/* hcounteren: CY, TM, IR */
#define HCOUNTEREN_CY (1ull << 0)
#define HCOUNTEREN_TM (1ull << 1)
#define HCOUNTEREN_IR (1ull << 2)

/* interrupt-pending / enable bits */
#define MIP_SSIP (1ull << IRQ_S_SOFT)
#define MIP_VSSIP (1ull << IRQ_VS_SOFT)
#define MIP_STIP (1ull << IRQ_S_TIMER)
#define MIP_VSTIP (1ull << IRQ_VS_TIMER)
#define MIP_SEIP (1ull << IRQ_S_EXT)
#define MIP_VSEIP (1ull << IRQ_VS_EXT)

#define csr_read(csr)                                                                              \
    ({                                                                                             \
        uint64_t csr_v_;                                                                           \
        __asm__ volatile("csrr %0, " #csr : "=r"(csr_v_) : : "memory");                            \
        csr_v_;                                                                                    \
    })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" : : "rK"(val) : "memory")
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" : : "rK"(val) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" : : "rK"(val) : "memory")

#endif
