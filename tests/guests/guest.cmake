# SPDX-License-Identifier: MIT
# What the test guests of both ISAs share (included by tests/guests/<isa>/CMakeLists.txt, after
# the cross toolchain file has provided KEEL_ARCH_FLAGS and CMAKE_OBJCOPY): assembler, warnings,
# and keel_test_guest().

get_property(keel_guest_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
if(NOT "ASM" IN_LIST keel_guest_languages)
    enable_language(ASM)
endif()

if(DEFINED KEEL_WARNINGS)
    set(guest_warnings ${KEEL_WARNINGS})
else()
    set(guest_warnings -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes
        -Wvla -Wpointer-arith -Wundef -Wcast-align -Wno-unused-parameter)
endif()

# keel_test_guest(TARGET NAME SOURCE...): TARGET builds NAME.elf and the flat image NAME.bin
# (a Linux Image header, position independent) from the SOURCEs, linked with the calling
# directory's guest.ld and its guest.h; ${guest_arch_cflags} adds the ISA's own compile flags.
# A SOURCE named ../lib.c or ../echo_line.c is that file of this directory, common to both ISAs.
# Static PIE: code is pc-relative, hidden visibility keeps data out of a GOT, and each ISA's
# start.S applies whatever relative relocations remain.
function(keel_test_guest target name)
    set(linker_script ${CMAKE_CURRENT_SOURCE_DIR}/guest.ld)
    add_executable(${target} ${ARGN})
    target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    set_target_properties(${target} PROPERTIES
        OUTPUT_NAME ${name}
        SUFFIX .elf
        C_STANDARD 11
        C_STANDARD_REQUIRED ON
        C_EXTENSIONS OFF
        LINK_DEPENDS ${linker_script})
    target_compile_options(${target} PRIVATE
        ${KEEL_ARCH_FLAGS} ${guest_arch_cflags}
        -ffreestanding -fno-builtin -fno-stack-protector -fno-tree-loop-distribute-patterns
        -fPIE -fvisibility=hidden -fno-asynchronous-unwind-tables -fno-unwind-tables
        -O2 -g
        $<$<COMPILE_LANGUAGE:C>:${guest_warnings}>)
    target_link_options(${target} PRIVATE
        ${KEEL_ARCH_FLAGS}
        -nostdlib -nostartfiles -static-pie
        -Wl,-T,${linker_script}
        -Wl,--no-dynamic-linker -Wl,-z,norelro -Wl,-z,noexecstack -Wl,--build-id=none
        -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments)
    add_custom_command(TARGET ${target} POST_BUILD
        COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}> ${CMAKE_CURRENT_BINARY_DIR}/${name}.bin
        BYPRODUCTS ${CMAKE_CURRENT_BINARY_DIR}/${name}.bin
        COMMENT "Generating flat image ${name}.bin"
        VERBATIM)
endfunction()
