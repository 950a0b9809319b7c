/* SPDX-License-Identifier: MIT */
/* keel's own PSCI calls down to firmware (Arm DEN0022), through the conduit the host DTB's
   /psci method names (SMC from EL2 on QEMU virt with virtualization=on). */
#ifndef KEEL_PSCI_CALL_H
#define KEEL_PSCI_CALL_H

#include <keel/types.h>

/* Raw SMCCC call: function ID and three arguments; returns x0. `smc`: SMC or HVC conduit. */
int64_t psci_fw_call(bool smc, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

#define PSCI_FW_CPU_ON 0xC4000003u
#define PSCI_FW_SYSTEM_OFF 0x84000008u
#define PSCI_FW_SYSTEM_RESET 0x84000009u

#endif
