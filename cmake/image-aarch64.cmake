# SPDX-License-Identifier: MIT
# The AArch64 sources of the keel image (included from cmake/image.cmake).
set(KEEL_ARCH_SOURCES
    boot/aarch64/head.S boot/aarch64/setup.c boot/aarch64/mmu.c boot/aarch64/el2_map.c
    vcpu/aarch64/esr.c vcpu/aarch64/exit.c vcpu/aarch64/stage2.c vcpu/aarch64/switch.S vcpu/aarch64/fp.S
    vcpu/aarch64/vcpu.c vcpu/aarch64/vgic.c
    hyp/vplat_arm_virt.c hyp/vdev/pl011.c hyp/vdev/vgic_dist.c hyp/fw/psci.c
    drivers/arm/psci_call.c drivers/irq/gicv2.c drivers/uart/pl011.c)
set(KEEL_LINKER_SCRIPT ${KEEL_SOURCE_DIR}/boot/aarch64/keel.ld)
set(KEEL_GUEST_PLATFORM qemu-virt-aarch64)
