# SPDX-License-Identifier: MIT
# Host unit tests of keel's pure-logic hypervisor modules: SBI emulation (hyp/fw), RISC-V stage-2
# tables, the image bundle reader, scenario parsing, guest DTB finishing, host DTB discovery, the
# free-memory map and kernel Image checks. The device trees they read are made at build time:
# configs/qemu-virt-riscv64/linux.dts with dtc, and the machines' own DTBs dumped by QEMU.

set(KEEL_HYP_UNIT ${KEEL_SOURCE_DIR}/tests/unit)
set(KEEL_HYP_DTB_DIR ${CMAKE_CURRENT_BINARY_DIR}/hyp-dtb)
file(MAKE_DIRECTORY ${KEEL_HYP_DTB_DIR})

# --- SBI v2.0 emulation, driven through fw_handle_call() with mocked vCPU/VM hooks ---
keel_unit_test(sbi ${KEEL_HYP_UNIT}/test_sbi.c
    ${KEEL_SOURCE_DIR}/hyp/fw/sbi.c ${KEEL_SOURCE_DIR}/hyp/fw/sbi_base.c
    ${KEEL_SOURCE_DIR}/hyp/fw/sbi_dbcn.c ${KEEL_SOURCE_DIR}/hyp/fw/sbi_hsm.c
    ${KEEL_SOURCE_DIR}/hyp/fw/sbi_ipi.c ${KEEL_SOURCE_DIR}/hyp/fw/sbi_legacy.c
    ${KEEL_SOURCE_DIR}/hyp/fw/sbi_rfence.c ${KEEL_SOURCE_DIR}/hyp/fw/sbi_srst.c
    ${KEEL_SOURCE_DIR}/hyp/fw/sbi_time.c)
target_include_directories(test_sbi PRIVATE ${KEEL_SOURCE_DIR}/vcpu/riscv64
    ${KEEL_SOURCE_DIR}/hyp/fw)

# --- Sv39x4 G-stage tables built in host memory ---
keel_unit_test(stage2 ${KEEL_HYP_UNIT}/test_stage2.c ${KEEL_SOURCE_DIR}/vcpu/riscv64/stage2.c)

# --- cpio newc reader ---
keel_unit_test(bundle ${KEEL_HYP_UNIT}/test_bundle.c ${KEEL_SOURCE_DIR}/hyp/bundle.c)

# --- scenario.dtb parsing (DTBs made in the test with libfdt's sequential-write API) ---
keel_unit_test(scenario ${KEEL_HYP_UNIT}/test_scenario.c ${KEEL_SOURCE_DIR}/hyp/scenario.c
    ${KEEL_SOURCE_DIR}/hyp/lib/printf.c)
target_link_libraries(test_scenario PRIVATE fdt)

# --- free-range memory map ---
keel_unit_test(mem ${KEEL_HYP_UNIT}/test_mem.c ${KEEL_SOURCE_DIR}/hyp/mem.c)

# --- kernel Image header / PE checks ---
keel_unit_test(image ${KEEL_HYP_UNIT}/test_image.c ${KEEL_SOURCE_DIR}/hyp/image.c
    ${KEEL_SOURCE_DIR}/hyp/lib/printf.c)

# --- device trees made at build time ---
find_program(KEEL_DTC dtc)
find_program(KEEL_QEMU_RISCV64 qemu-system-riscv64)
find_program(KEEL_QEMU_AARCH64 qemu-system-aarch64)

set(KEEL_HYP_GUEST_DTS ${KEEL_SOURCE_DIR}/configs/qemu-virt-riscv64/linux.dts)
set(KEEL_HYP_QEMU_RV ${KEEL_HYP_DTB_DIR}/qemu-virt-riscv64.dtb)
set(KEEL_HYP_QEMU_RV_NOSSTC ${KEEL_HYP_DTB_DIR}/qemu-virt-riscv64-nosstc.dtb)
set(KEEL_HYP_QEMU_A64 ${KEEL_HYP_DTB_DIR}/qemu-virt-aarch64.dtb)

if(KEEL_QEMU_RISCV64 AND KEEL_QEMU_AARCH64)
    set(qemu_quiet -nographic -monitor none -serial none)
    add_custom_command(OUTPUT ${KEEL_HYP_QEMU_RV}
        COMMAND ${KEEL_QEMU_RISCV64} -M virt -m 1G -smp 2 ${qemu_quiet}
            -machine dumpdtb=${KEEL_HYP_QEMU_RV}
        COMMENT "qemu: dump the riscv64 virt DTB for the platform_fdt unit test")
    add_custom_command(OUTPUT ${KEEL_HYP_QEMU_RV_NOSSTC}
        COMMAND ${KEEL_QEMU_RISCV64} -M virt -m 1G -smp 2 -cpu rv64,sstc=off ${qemu_quiet}
            -machine dumpdtb=${KEEL_HYP_QEMU_RV_NOSSTC}
        COMMENT "qemu: dump the riscv64 virt DTB (no Sstc) for the platform_fdt unit test")
    add_custom_command(OUTPUT ${KEEL_HYP_QEMU_A64}
        COMMAND ${KEEL_QEMU_AARCH64} -M virt,virtualization=on,gic-version=2 -cpu cortex-a72
            -m 1G ${qemu_quiet} -machine dumpdtb=${KEEL_HYP_QEMU_A64}
        COMMENT "qemu: dump the aarch64 virt DTB for the platform_fdt unit test")
    add_custom_target(keel_hyp_qemu_dtbs
        DEPENDS ${KEEL_HYP_QEMU_RV} ${KEEL_HYP_QEMU_RV_NOSSTC} ${KEEL_HYP_QEMU_A64})
endif()

# --- guest DTB finishing, fed the real guest DTS compiled by dtc ---
if(KEEL_DTC)
    add_custom_command(OUTPUT ${KEEL_HYP_DTB_DIR}/linux.dtb
        COMMAND ${KEEL_DTC} -q -I dts -O dtb -o ${KEEL_HYP_DTB_DIR}/linux.dtb ${KEEL_HYP_GUEST_DTS}
        DEPENDS ${KEEL_HYP_GUEST_DTS}
        COMMENT "dtc: configs/qemu-virt-riscv64/linux.dts for the guest_fdt unit test")
    add_custom_target(keel_hyp_guest_dtb DEPENDS ${KEEL_HYP_DTB_DIR}/linux.dtb)
    keel_unit_test(guest_fdt ${KEEL_HYP_UNIT}/test_guest_fdt.c ${KEEL_SOURCE_DIR}/hyp/guest_fdt.c
        ${KEEL_SOURCE_DIR}/hyp/lib/printf.c)
    target_link_libraries(test_guest_fdt PRIVATE fdt)
    add_dependencies(test_guest_fdt keel_hyp_guest_dtb)
    target_compile_definitions(test_guest_fdt PRIVATE
        GUEST_DTB_PATH="${KEEL_HYP_DTB_DIR}/linux.dtb")
    if(TARGET keel_hyp_qemu_dtbs)
        # also finish QEMU's own DTB (it has a cpu-map and M-mode PLIC contexts)
        add_dependencies(test_guest_fdt keel_hyp_qemu_dtbs)
        target_compile_definitions(test_guest_fdt PRIVATE QEMU_RV_DTB_PATH="${KEEL_HYP_QEMU_RV}")
    endif()
else()
    message(WARNING "keel: dtc not found: the guest_fdt unit test is not built")
endif()

# --- host DTB discovery, fed the DTBs QEMU gives its guests ---
if(TARGET keel_hyp_qemu_dtbs)
    keel_unit_test(platform_fdt ${KEEL_HYP_UNIT}/test_platform_fdt.c
        ${KEEL_SOURCE_DIR}/hyp/platform_fdt.c ${KEEL_SOURCE_DIR}/hyp/lib/printf.c)
    target_link_libraries(test_platform_fdt PRIVATE fdt)
    add_dependencies(test_platform_fdt keel_hyp_qemu_dtbs)
    target_compile_definitions(test_platform_fdt PRIVATE
        QEMU_RV_DTB_PATH="${KEEL_HYP_QEMU_RV}"
        QEMU_RV_NOSSTC_DTB_PATH="${KEEL_HYP_QEMU_RV_NOSSTC}"
        QEMU_A64_DTB_PATH="${KEEL_HYP_QEMU_A64}")
else()
    message(WARNING "keel: qemu-system-riscv64/aarch64 not found: the platform_fdt unit test is "
                    "not built")
endif()
