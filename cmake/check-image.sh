#!/bin/sh
# SPDX-License-Identifier: MIT
# check-image.sh OBJDUMP ELF ARCH: fail when keel's own code contains an FP/SIMD instruction.
# Guests own the FP state and keel never saves it on the fast exit path, so keel must not touch
# it. Exception: on AArch64, Debian's libfdt.a uses FP/SIMD registers (d15, v31) in its fdt_*
# functions, which run only at boot, before any guest, with CPTR_EL2 letting FP through
# (boot/aarch64/head.S). On RISC-V, riscv_fp_save/riscv_fp_restore (vcpu/riscv64/fp.S) switch the
# guest FP state between the vCPUs of a time-shared hart, and on AArch64 arm_fp_save/arm_fp_restore
# (vcpu/aarch64/fp.S) do the same for a time-shared core; nothing else may touch it.
set -eu
objdump="$1" elf="$2" arch="$3"
"$objdump" -d --no-show-raw-insn "$elf" | awk -v arch="$arch" '
    /^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn); next }
    /^ +[0-9a-f]+:\t/ {
        n = split($0, f, "\t"); op = f[2]; args = (n >= 3) ? f[3] : ""
        sub(/<.*/, "", args); sub(/\/\/.*/, "", args); sub(/#.*/, "", args)
        if (arch == "riscv64") {
            if (fn ~ /^riscv_fp_(save|restore)$/) next
            if ((op ~ /^(c\.)?f[a-z]/ && op !~ /^fence/) || op ~ /^(frcsr|fscsr|frrm|fsrm|frflags|fsflags)$/) bad[fn] = 1
        } else if (fn !~ /^_?fdt/ && fn !~ /^arm_fp_(save|restore)$/ && op !~ /^(b|bl|b\..*|cbn?z|tbn?z|adrp?|\.word|\.inst)$/) {
            reg = "[qdshb]([0-9]|[12][0-9]|3[01])"
            if (args ~ ("(^|[ ,\\[{])" reg "([ ,\\]}]|$)") || args ~ /(^|[ ,{])v[0-9]+\./) bad[fn] = 1
        }
    }
    END {
        list = ""
        for (name in bad) list = list " " name
        if (list != "") {
            print "keel.elf: FP/SIMD instructions in" list ": keel must not touch guest FP state" > "/dev/stderr"
            exit 1
        }
    }'
