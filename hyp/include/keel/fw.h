/* SPDX-License-Identifier: MIT */
/* Firmware-call emulation: SBI on RISC-V (hyp/fw/sbi*.c), PSCI/SMCCC on Arm (hyp/fw/psci*.c).
   One implementation is linked per ISA. */
#ifndef KEEL_FW_H
#define KEEL_FW_H

#include <keel/exit.h>

/* Emulate the firmware call `call` made by `v`: writes the results into call->regs[0..1] as the
   calling convention says and returns the action (RESUME_NEXT normally; BLOCK for suspend,
   VM_STOP for shutdown/reset, EXIT_TO_LOOP when the caller's own vCPU stopped). Unknown calls
   get the spec's NOT_SUPPORTED error; nothing a guest passes can stop the hypervisor. */
enum exit_action fw_handle_call(struct vcpu *v, struct exit_fw_call *call);

#endif
