/* SPDX-License-Identifier: MIT */
/* AArch64 system register access and EL2 bit fields (Arm ARM D19). */
#ifndef KEEL_ARM_SYSREG_H
#define KEEL_ARM_SYSREG_H

#include <keel/types.h>

#define sysreg_read(reg)                                                                           \
    ({                                                                                             \
        uint64_t sysreg_v_;                                                                        \
        __asm__ volatile("mrs %0, " #reg : "=r"(sysreg_v_)::"memory");                            \
        sysreg_v_;                                                                                 \
    })
#define sysreg_write(reg, val) __asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(val)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

/* HCR_EL2 (D19.2.49) */
#define HCR_VM (1ull << 0)
#define HCR_SWIO (1ull << 1)
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_AMO (1ull << 5)
#define HCR_FB (1ull << 9)
#define HCR_BSU_IS (1ull << 10)
#define HCR_TWI (1ull << 13)
#define HCR_TWE (1ull << 14)
#define HCR_TSC (1ull << 19)
#define HCR_TACR (1ull << 21)
#define HCR_TSW (1ull << 22)
#define HCR_RW (1ull << 31)

/* SPSR / PSTATE */
#define PSR_MODE_MASK 0xfull
#define PSR_MODE_EL0T 0x0ull
#define PSR_MODE_EL1T 0x4ull
#define PSR_MODE_EL1H 0x5ull
#define PSR_MODE_EL2H 0x9ull
#define PSR_DAIF (0xfull << 6)
#define PSR_AARCH32 (1ull << 4)

/* CNTHCTL_EL2 (E2H = 0): EL1PCTEN bit 0, EL1PCEN bit 1 */
#define CNTHCTL_EL1PCTEN (1ull << 0)
#define CNTHCTL_EL1PCEN (1ull << 1)

/* CPTR_EL2 (E2H = 0): TFP bit 10 traps FP/SIMD; RES1 bits 13:12, 9:0 */
#define CPTR_EL2_RES1 0x33ffull

#endif
