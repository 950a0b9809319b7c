/* SPDX-License-Identifier: MIT */
/* keel's own SBI calls to M-mode firmware (SBI v2.0 chapter 3 calling convention). */
#include "sbi_call.h"

struct sbi_ret sbi_ecall(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2,
                         uint64_t a3, uint64_t a4, uint64_t a5)
{
    register uint64_t r_a0 __asm__("a0") = a0;
    register uint64_t r_a1 __asm__("a1") = a1;
    register uint64_t r_a2 __asm__("a2") = a2;
    register uint64_t r_a3 __asm__("a3") = a3;
    register uint64_t r_a4 __asm__("a4") = a4;
    register uint64_t r_a5 __asm__("a5") = a5;
    register uint64_t r_a6 __asm__("a6") = fid;
    register uint64_t r_a7 __asm__("a7") = eid;
    __asm__ volatile("ecall"
                     : "+r"(r_a0), "+r"(r_a1)
                     : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a6), "r"(r_a7)
                     : "memory");
    return (struct sbi_ret){ (int64_t)r_a0, (int64_t)r_a1 };
}

bool sbi_probe(uint64_t eid)
{
    struct sbi_ret r = sbi_ecall(SBI_EXT_BASE, 3, eid, 0, 0, 0, 0, 0);
    return r.error == 0 && r.value != 0;
}

void sbi_set_timer(uint64_t stime_value)
{
    sbi_ecall(SBI_EXT_TIME, 0, stime_value, 0, 0, 0, 0, 0);
}

int64_t sbi_hart_start(uint64_t hartid, uint64_t start_addr, uint64_t opaque)
{
    return sbi_ecall(SBI_EXT_HSM, 0, hartid, start_addr, opaque, 0, 0, 0).error;
}

void sbi_send_ipi(uint64_t hart_mask, uint64_t hart_mask_base)
{
    sbi_ecall(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0, 0, 0, 0);
}

void sbi_system_reset(uint32_t type, uint32_t reason)
{
    sbi_ecall(SBI_EXT_SRST, 0, type, reason, 0, 0, 0, 0);
    /* SBI v0.1 legacy shutdown as a fallback for firmware without SRST */
    if (type == 0)
        sbi_ecall(8, 0, 0, 0, 0, 0, 0, 0);
}
