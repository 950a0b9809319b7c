# SPDX-License-Identifier: MIT
# Cross toolchain for keel on AArch64 (EL2). Debian package: gcc-aarch64-linux-gnu.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(KEEL_ARCH aarch64 CACHE STRING "keel target ISA" FORCE)
set(KEEL_CROSS aarch64-linux-gnu-)
set(KEEL_MULTIARCH aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${KEEL_CROSS}gcc)
set(CMAKE_ASM_COMPILER ${KEEL_CROSS}gcc)
set(CMAKE_OBJCOPY ${KEEL_CROSS}objcopy CACHE FILEPATH "objcopy" FORCE)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(KEEL_ARCH_FLAGS -mgeneral-regs-only -mstrict-align -mno-outline-atomics)
