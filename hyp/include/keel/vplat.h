/* SPDX-License-Identifier: MIT */
/* The virtual platform of a VM: its device models at the addresses its guest DTS names.
   One implementation per ISA (hyp/vplat_riscv_virt.c, hyp/vplat_arm_virt.c). */
#ifndef KEEL_VPLAT_H
#define KEEL_VPLAT_H

#include <keel/vm.h>

/* Create and register the VM's device models (console UART, interrupt controller, inter-VM
   doorbell: vm->doorbell). Called once per VM after its vCPUs exist. Returns 0, or -1 with a
   reason in err. */
int vplat_create(struct vm *vm, char *err, size_t errlen);

/* Reset the models to power-on state (VM reboot) and lower the interrupt lines they drive into
   the vCPUs (RISC-V: VSEIP). The caller holds vm->lock once the VM has run. */
void vplat_reset(struct vm *vm);

/* Reserve interrupt `guest_irq` of the VM's virtual interrupt controller (RISC-V: vPLIC source;
   Arm: SPI INTID) for a pass-through device; its completion by the guest then calls
   passthrough_guest_done. Errors (-1, reason in err): a number the controller does not have,
   one of keel's own device models (UART, doorbell). Boot time. */
int vplat_passthrough_irq(struct vm *vm, uint32_t guest_irq, char *err, size_t errlen);

/* Drive the line of pass-through interrupt `guest_irq` (level-triggered); caller holds vm->lock. */
void vplat_set_irq_level(struct vm *vm, uint32_t guest_irq, bool level);

/* Console input for the VM's UART: true when the byte was taken, false when its FIFO is full. */
bool vplat_console_input(struct vm *vm, uint8_t byte);

#endif
