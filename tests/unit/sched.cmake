# SPDX-License-Identifier: MIT
# Host unit tests of the scheduling policy (hyp/sched_policy.c): round-robin order, pinning,
# blocked vCPUs with an interrupt pending, stopped VMs, time-shared harts.

keel_unit_test(sched ${KEEL_SOURCE_DIR}/tests/unit/test_sched.c ${KEEL_SOURCE_DIR}/hyp/sched_policy.c)
target_include_directories(test_sched PRIVATE ${KEEL_SOURCE_DIR}/vcpu/riscv64)
