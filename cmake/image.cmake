# SPDX-License-Identifier: MIT
# The keel image for ${KEEL_ARCH} (included from CMakeLists.txt in a cross build directory).

set(KEEL_SYSROOT ${KEEL_SOURCE_DIR}/build/sysroot/${KEEL_ARCH} CACHE PATH "libfdt sysroot")
if(NOT EXISTS ${KEEL_SYSROOT}/lib/libfdt.a)
    message(FATAL_ERROR "keel: ${KEEL_SYSROOT}/lib/libfdt.a is missing: run "
                        "scripts/fetch-sysroot.sh ${KEEL_ARCH} (scripts/run.sh and test.sh do)")
endif()

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE KEEL_GCC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${CMAKE_C_COMPILER} ${KEEL_ARCH_FLAGS} -print-libgcc-file-name
                OUTPUT_VARIABLE KEEL_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)

set(KEEL_GENERATED ${CMAKE_CURRENT_BINARY_DIR}/generated)
set(KEEL_FREESTANDING_FLAGS ${KEEL_ARCH_FLAGS} -ffreestanding -nostdinc -isystem ${KEEL_GCC_INCLUDE}
    -fno-common -fpie -fvisibility=hidden -fno-stack-protector -fno-asynchronous-unwind-tables
    -fno-plt -O2 -g)
# Link-time optimisation lets the exit path inline across layers (vcpu -> hyp -> fw -> handler)
# while the sources keep one subsystem per file.
set(KEEL_LTO_FLAGS -flto=auto -ffat-lto-objects)
set(KEEL_INCLUDES ${KEEL_SOURCE_DIR}/hyp/include/libc ${KEEL_SOURCE_DIR}/hyp/include
    ${KEEL_SOURCE_DIR}/vcpu/${KEEL_ARCH} ${KEEL_SYSROOT}/include ${KEEL_GENERATED})

# asm-offsets.h: compile asm-offsets.c to assembly, turn its markers into #defines
add_custom_command(
    OUTPUT ${KEEL_GENERATED}/asm-offsets.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${KEEL_GENERATED}
    COMMAND ${CMAKE_C_COMPILER} ${KEEL_FREESTANDING_FLAGS} -I${KEEL_SOURCE_DIR}/hyp/include/libc
            -I${KEEL_SOURCE_DIR}/hyp/include -I${KEEL_SOURCE_DIR}/vcpu/${KEEL_ARCH}
            -S ${KEEL_SOURCE_DIR}/vcpu/${KEEL_ARCH}/asm-offsets.c -o ${KEEL_GENERATED}/asm-offsets.s
    COMMAND ${CMAKE_COMMAND} -DIN=${KEEL_GENERATED}/asm-offsets.s -DOUT=${KEEL_GENERATED}/asm-offsets.h
            -P ${KEEL_SOURCE_DIR}/cmake/asm-offsets.cmake
    DEPENDS ${KEEL_SOURCE_DIR}/vcpu/${KEEL_ARCH}/asm-offsets.c
            ${KEEL_SOURCE_DIR}/vcpu/${KEEL_ARCH}/vcpu_arch.h ${KEEL_SOURCE_DIR}/cmake/asm-offsets.cmake
    COMMENT "Generating asm-offsets.h for ${KEEL_ARCH}")
add_custom_target(asm_offsets DEPENDS ${KEEL_GENERATED}/asm-offsets.h)

set(KEEL_COMMON_SOURCES
    hyp/bundle.c hyp/console.c hyp/console_in.c hyp/exit.c hyp/guest_fdt.c hyp/image.c
    hyp/main.c hyp/mem.c hyp/platform_fdt.c hyp/scenario.c hyp/sched.c hyp/sched_policy.c
    hyp/vm.c hyp/passthrough.c hyp/vdev/doorbell.c hyp/lib/printf.c hyp/lib/stack_protector.c hyp/lib/string.c)

if(KEEL_ARCH STREQUAL "riscv64")
    set(KEEL_ARCH_SOURCES
        boot/riscv64/head.S boot/riscv64/probe.S boot/riscv64/setup.c
        vcpu/riscv64/exit.c vcpu/riscv64/fp.S vcpu/riscv64/insn.c vcpu/riscv64/stage2.c
        vcpu/riscv64/switch.S vcpu/riscv64/timer.c vcpu/riscv64/vcpu.c
        hyp/vplat_riscv_virt.c hyp/vdev/uart16550.c hyp/vdev/vplic.c
        hyp/fw/sbi.c hyp/fw/sbi_base.c hyp/fw/sbi_dbcn.c hyp/fw/sbi_hsm.c hyp/fw/sbi_ipi.c
        hyp/fw/sbi_legacy.c hyp/fw/sbi_rfence.c hyp/fw/sbi_srst.c hyp/fw/sbi_time.c
        drivers/irq/plic.c drivers/riscv/sbi_call.c drivers/uart/ns16550.c)
    set(KEEL_LINKER_SCRIPT ${KEEL_SOURCE_DIR}/boot/riscv64/keel.ld)
    set(KEEL_GUEST_PLATFORM qemu-virt-riscv64)
else()
    include(${KEEL_SOURCE_DIR}/cmake/image-aarch64.cmake)
endif()

list(TRANSFORM KEEL_COMMON_SOURCES PREPEND ${KEEL_SOURCE_DIR}/)
list(TRANSFORM KEEL_ARCH_SOURCES PREPEND ${KEEL_SOURCE_DIR}/)

add_executable(keel.elf ${KEEL_COMMON_SOURCES} ${KEEL_ARCH_SOURCES})
add_dependencies(keel.elf asm_offsets)
target_include_directories(keel.elf PRIVATE ${KEEL_INCLUDES})
target_compile_options(keel.elf PRIVATE ${KEEL_FREESTANDING_FLAGS}
    $<$<COMPILE_LANGUAGE:C>:${KEEL_WARNINGS} ${KEEL_LTO_FLAGS}>)
target_link_options(keel.elf PRIVATE ${KEEL_ARCH_FLAGS} ${KEEL_LTO_FLAGS} -O2 -ffreestanding -fpie
    -fno-plt -nostdlib -static-pie
    -Wl,--no-dynamic-linker -Wl,-z,norelro -Wl,--build-id=none -Wl,-z,noexecstack
    -Wl,-T,${KEEL_LINKER_SCRIPT} -Wl,-Map,${CMAKE_CURRENT_BINARY_DIR}/keel.map)
target_link_libraries(keel.elf PRIVATE ${KEEL_SYSROOT}/lib/libfdt.a ${KEEL_LIBGCC})
set_target_properties(keel.elf PROPERTIES LINK_DEPENDS ${KEEL_LINKER_SCRIPT})

add_custom_command(TARGET keel.elf POST_BUILD
    COMMAND sh ${KEEL_SOURCE_DIR}/cmake/check-image.sh ${KEEL_CROSS}objdump $<TARGET_FILE:keel.elf>
            ${KEEL_ARCH}
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:keel.elf> ${CMAKE_CURRENT_BINARY_DIR}/keel.bin
    COMMENT "keel.bin (${KEEL_ARCH})")

# Guest device trees: every DTS of the platform, compiled with dtc
file(GLOB KEEL_GUEST_DTS ${KEEL_SOURCE_DIR}/configs/${KEEL_GUEST_PLATFORM}/*.dts)
foreach(dts ${KEEL_GUEST_DTS})
    get_filename_component(name ${dts} NAME_WE)
    set(dtb ${CMAKE_CURRENT_BINARY_DIR}/configs/${name}.dtb)
    add_custom_command(OUTPUT ${dtb}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/configs
        COMMAND dtc -q -I dts -O dtb -o ${dtb} ${dts}
        DEPENDS ${dts} COMMENT "dtc ${name}.dts")
    list(APPEND KEEL_GUEST_DTBS ${dtb})
endforeach()
add_custom_target(guest_dtbs ALL DEPENDS ${KEEL_GUEST_DTBS})

if(EXISTS ${KEEL_SOURCE_DIR}/tests/guests/${KEEL_ARCH}/CMakeLists.txt)
    add_subdirectory(${KEEL_SOURCE_DIR}/tests/guests/${KEEL_ARCH} tests/guests/${KEEL_ARCH})
endif()
