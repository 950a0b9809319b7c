# SPDX-License-Identifier: MIT
# Host unit tests of the AArch64 guest device models (hyp/vdev): PL011 UART, GICv2 distributor.
keel_unit_test(vpl011 ${KEEL_SOURCE_DIR}/tests/unit/test_vpl011.c
    ${KEEL_SOURCE_DIR}/hyp/vdev/pl011.c)
keel_unit_test(vgic_dist ${KEEL_SOURCE_DIR}/tests/unit/test_vgic_dist.c
    ${KEEL_SOURCE_DIR}/hyp/vdev/vgic_dist.c)
