# SPDX-License-Identifier: MIT
# Turn the "->NAME value" markers of an asm-offsets.s into "#define NAME value" lines.
file(STRINGS ${IN} lines REGEX "->")
set(out "/* generated from asm-offsets.c by cmake/asm-offsets.cmake: do not edit */\n")
string(APPEND out "#ifndef KEEL_ASM_OFFSETS_H\n#define KEEL_ASM_OFFSETS_H\n")
foreach(line ${lines})
    string(REGEX MATCH "->([A-Za-z0-9_]+) #?(-?[0-9]+)" m "${line}")
    if(m)
        string(APPEND out "#define ${CMAKE_MATCH_1} ${CMAKE_MATCH_2}\n")
    endif()
endforeach()
string(APPEND out "#endif\n")
file(WRITE ${OUT}.tmp "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
