/* SPDX-License-Identifier: MIT */
/* Calls from keel (HS-mode) down to the M-mode SBI firmware (OpenSBI). SBI v2.0 chapter 3. */
#ifndef KEEL_SBI_CALL_H
#define KEEL_SBI_CALL_H

#include <keel/types.h>

struct sbi_ret {
    int64_t error;
    int64_t value;
};

#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM 0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E

/* Raw ecall: a7 = eid, a6 = fid, a0..a5 = args; returns a0 (error) and a1 (value). */
struct sbi_ret sbi_ecall(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2,
                         uint64_t a3, uint64_t a4, uint64_t a5);

/* BASE probe_extension (SBI v2.0 sec 4.8): true when the firmware implements `eid`. */
bool sbi_probe(uint64_t eid);

/* TIME set_timer (sec 6.1): program the next timer event, in timebase ticks (absolute). */
void sbi_set_timer(uint64_t stime_value);

/* HSM hart_start (sec 9.1): start physical hart `hartid` at `start_addr` (HPA) with a1 = opaque.
   Returns the SBI error code (0 on success). */
int64_t sbi_hart_start(uint64_t hartid, uint64_t start_addr, uint64_t opaque);

/* IPI send_ipi (sec 7.1): raise SSIP on the harts in mask (bits relative to mask_base). */
void sbi_send_ipi(uint64_t hart_mask, uint64_t hart_mask_base);

/* SRST system_reset (sec 10.1): type 0 shutdown, 1 cold reboot; never returns on success. */
void sbi_system_reset(uint32_t type, uint32_t reason);

#endif
