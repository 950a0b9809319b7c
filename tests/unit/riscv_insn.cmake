# SPDX-License-Identifier: MIT
# RISC-V MMIO load/store decoder (vcpu/riscv64/insn.c).
keel_unit_test(riscv_insn ${KEEL_SOURCE_DIR}/tests/unit/test_riscv_insn.c
    ${KEEL_SOURCE_DIR}/vcpu/riscv64/insn.c)
target_include_directories(test_riscv_insn PRIVATE ${KEEL_SOURCE_DIR}/vcpu/riscv64)
