# SPDX-License-Identifier: MIT
# AArch64 pure logic: ESR_EL2 decoding and MMIO instruction decoding (vcpu/aarch64/esr.c),
# PSCI/SMCCC emulation (hyp/fw/psci.c) over mocked vCPU hooks, and the stage-2 table builder and
# VTCR_EL2 value (vcpu/aarch64/stage2.c) with tables in host memory. Include dirs: hyp/include
# (added by keel_unit_test) and vcpu/aarch64, never vcpu/riscv64.
keel_unit_test(esr ${KEEL_SOURCE_DIR}/tests/unit/test_esr.c
    ${KEEL_SOURCE_DIR}/vcpu/aarch64/esr.c)
target_include_directories(test_esr PRIVATE ${KEEL_SOURCE_DIR}/vcpu/aarch64)

keel_unit_test(stage2_arm ${KEEL_SOURCE_DIR}/tests/unit/test_stage2_arm.c
    ${KEEL_SOURCE_DIR}/vcpu/aarch64/stage2.c)
target_include_directories(test_stage2_arm PRIVATE ${KEEL_SOURCE_DIR}/vcpu/aarch64)

keel_unit_test(psci ${KEEL_SOURCE_DIR}/tests/unit/test_psci.c
    ${KEEL_SOURCE_DIR}/hyp/fw/psci.c)
target_include_directories(test_psci PRIVATE ${KEEL_SOURCE_DIR}/vcpu/aarch64
    ${KEEL_SOURCE_DIR}/hyp/fw)

# keel's own EL2 identity map (boot/aarch64/el2_map.c)
keel_unit_test(el2_map ${KEEL_SOURCE_DIR}/tests/unit/test_el2_map.c
    ${KEEL_SOURCE_DIR}/boot/aarch64/el2_map.c)
target_include_directories(test_el2_map PRIVATE ${KEEL_SOURCE_DIR}/boot/aarch64)
