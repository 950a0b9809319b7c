# SPDX-License-Identifier: MIT
# Cross toolchain for keel on RISC-V (HS-mode). Debian package: gcc-riscv64-linux-gnu.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(KEEL_ARCH riscv64 CACHE STRING "keel target ISA" FORCE)
set(KEEL_CROSS riscv64-linux-gnu-)
set(KEEL_MULTIARCH riscv64-linux-gnu)
set(CMAKE_C_COMPILER ${KEEL_CROSS}gcc)
set(CMAKE_ASM_COMPILER ${KEEL_CROSS}gcc)
set(CMAKE_OBJCOPY ${KEEL_CROSS}objcopy CACHE FILEPATH "objcopy" FORCE)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# Debian's riscv64 libfdt.a is built for the lp64d ABI, so keel links with that ABI; keel (and
# libfdt) contain no FP instruction all the same: guests own the FP state, and the build checks
# the final image for FP instructions (cmake/check-image.sh). -mno-relax: keel never uses gp, so the
# guest's gp/tp survive the fast exit path untouched.
set(KEEL_ARCH_FLAGS -march=rv64imafdc_zicsr_zifencei -mabi=lp64d -mcmodel=medany -mno-relax)
