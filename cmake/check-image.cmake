# SPDX-License-Identifier: MIT
# Post-link checks of keel.elf: no FP/SIMD instruction anywhere (guests own that state; keel
# never saves it on the fast exit path), and no relocation other than RELATIVE.
execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn ${ELF} OUTPUT_VARIABLE dis)
if(ARCH STREQUAL "riscv64")
    set(fp_regex "\t(f[a-z.]+|c\\.f[a-z]+)[ \t]+[^\n]*\n")
    string(REGEX MATCHALL "\t(fl[dw]|fs[dw]|fmv[.a-z]*|fcvt[.a-z]*|fadd[.a-z]*|fsgnj[.a-z]*|c\\.fld|c\\.fsd|c\\.fldsp|c\\.fsdsp|frcsr|fscsr|frrm|fsrm)[ \t]" hits "${dis}")
else()
    string(REGEX MATCHALL "\t[a-z0-9.]+[ \t]+[^\n]*\\b(q[0-9]+|d[0-9]+|s[0-9]+|v[0-9]+\\.[0-9]*[bhsd])\\b" hits "${dis}")
endif()
if(hits)
    list(LENGTH hits n)
    list(GET hits 0 first)
    message(FATAL_ERROR "keel.elf contains ${n} FP/SIMD instruction(s), e.g. '${first}': keel must not touch guest FP state")
endif()
