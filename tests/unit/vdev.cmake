# SPDX-License-Identifier: MIT
# Host unit tests of the ISA-neutral MMIO device models (hyp/vdev).
keel_unit_test(vuart16550 ${KEEL_SOURCE_DIR}/tests/unit/test_vuart16550.c
    ${KEEL_SOURCE_DIR}/hyp/vdev/uart16550.c)
keel_unit_test(vplic ${KEEL_SOURCE_DIR}/tests/unit/test_vplic.c
    ${KEEL_SOURCE_DIR}/hyp/vdev/vplic.c)
