/* SPDX-License-Identifier: MIT */
/*
 * Pass-through devices (scenario "keel,passthrough" subnodes, docs/configuration.md): a host
 * MMIO window mapped into one VM's stage 2 as device memory, and host interrupts forwarded to
 * that VM's virtual interrupt controller. A forwarded interrupt stays in service at the host
 * controller until the guest completes it on its virtual one, so a level-triggered device
 * cannot storm the hypervisor.
 */
#ifndef KEEL_PASSTHROUGH_H
#define KEEL_PASSTHROUGH_H

#include <keel/vm.h>

/* Map every pass-through window of `vm` (vm->cfg) into its stage 2 (read/write, device
   memory, never executable) and route the devices' interrupts to it. Errors (-1, one line in
   err naming the VM and the device): a host window keel may not give away
   (platform_check_passthrough), a guest window beyond the stage-2 limit or already mapped, a
   guest interrupt the VM's controller does not have or a keel device uses
   (vplat_passthrough_irq), a host interrupt that cannot be routed (platform_irq_route). Boot
   time, after vplat_create, before any VM runs. */
int passthrough_setup(struct vm *vm, char *err, size_t errlen);

/* Host interrupt `host_irq` was claimed at the host controller: when it belongs to a pass-
   through device, raise the guest interrupt line it is routed to (taking vm->lock) and return
   true; the host completion waits for the guest (passthrough_guest_done). False: not one. */
bool passthrough_host_irq(uint32_t host_irq);

/* The guest of `vm` completed pass-through interrupt `guest_irq` on its virtual controller
   (caller holds vm->lock): lower the line and let the host controller deliver it again. */
void passthrough_guest_done(struct vm *vm, uint32_t guest_irq);

/* `vm` reboots (its virtual controller was reset): release every host interrupt of its
   devices that was left in service, so the devices can interrupt the new boot. */
void passthrough_reset(struct vm *vm);

#endif
