#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench.sh: keel's exit-path costs and boot overhead in retired instructions (QEMU -icount
# shift=0: one instruction of any privilege mode = 1 ns of guest time), keel vs bare QEMU
# (the same guest in S-mode on M-mode OpenSBI). Deterministic: rerun and get the same numbers.
# Usage: scripts/bench.sh [--arch riscv64] [--no-boot]   (docs/performance.md explains the rows)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
arch=riscv64 boot=1
while (($#)); do
    case "$1" in
        --arch) arch="$2"; shift 2 ;;
        --no-boot) boot=0; shift ;;
        -h | --help) sed -n '3,8p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$arch" = riscv64 ] || { echo "bench.sh: only --arch riscv64 has a benchmark guest so far" >&2; exit 2; }

build="$repo/build/$arch"
bench_bin="$build/tests/guests/riscv64/bench.bin"
# run.sh builds keel and the guests; the first call also prints the keel figures
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$repo/scripts/run.sh" --arch "$arch" --timeout 120 --kernel "$bench_bin" -- -icount shift=0 \
    >"$tmp/keel.log" 2>&1 || { tail -20 "$tmp/keel.log"; echo "bench.sh: keel run failed" >&2; exit 1; }
"$repo/scripts/run.sh" --arch "$arch" --timeout 120 --kernel "$bench_bin" -- -icount shift=0 -cpu rv64,sstc=off \
    >"$tmp/keel-nosstc.log" 2>&1 || { tail -20 "$tmp/keel-nosstc.log"; echo "bench.sh: keel run failed" >&2; exit 1; }
timeout 120 qemu-system-riscv64 -M virt -cpu rv64 -m 1G -nographic -no-reboot \
    -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin -kernel "$bench_bin" -icount shift=0 \
    >"$tmp/bare.log" 2>&1 || { tail -20 "$tmp/bare.log"; echo "bench.sh: bare run failed" >&2; exit 1; }

value() { # value LOG NAME
    { grep -a "^bench: $2 " "$1" || true; } | awk '{print $3}' | tr -d '\r' | head -1
}
row() { # row NAME LABEL TARGET
    local k b n
    k=$(value "$tmp/keel.log" "$1")
    n=$(value "$tmp/keel-nosstc.log" "$1")
    b=$(value "$tmp/bare.log" "$1")
    printf '%-44s %8s %12s %10s %8s\n' "$2" "${k:--}" "${n:--}" "${b:--}" "$3"
}
echo "keel exit paths, retired instructions guest to guest (median of 15 x 32; QEMU $(qemu-system-riscv64 --version | head -1 | awk '{print $4}'), -icount shift=0)"
printf '%-44s %8s %12s %10s %8s\n' "path" "keel" "keel(!sstc)" "bare QEMU" "target"
row sbi_base_call "SBI BASE get_spec_version round trip" "<=100"
row mmio_uart_lsr_read "emulated UART LSR read (lbu)" "<=150"
row mmio_plic_priority_read "emulated PLIC priority read (lw)" "<=150"
row mmio_plic_enable_read "emulated PLIC enable-word read (lw)" "<=150"
row timer_sbi_set_timer_to_handler "SBI set_timer(past) -> guest handler" "<=150"
row timer_stimecmp_to_handler "Sstc stimecmp write -> guest handler" "no exit"
echo "(bare QEMU: the same guest in S-mode; its SBI calls go to M-mode OpenSBI, its MMIO to QEMU's devices directly)"

if ((boot)); then
    kernel="$repo/build/guest/$arch/Image"
    initrd="$repo/build/guest/$arch/initramfs.cpio.gz"
    "$repo/scripts/fetch-guest.sh" "$arch" >/dev/null
    icount=(-icount shift=0,sleep=off)
    "$repo/scripts/run.sh" --arch "$arch" --timeout 300 --kernel "$kernel" --initrd "$initrd" \
        --append "console=ttyS0" -- "${icount[@]}" >"$tmp/boot-keel.log" 2>&1 || true
    timeout 300 qemu-system-riscv64 -M virt -cpu rv64 -m 512M -nographic -no-reboot \
        -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0" "${icount[@]}" >"$tmp/boot-bare.log" 2>&1 || true
    t_keel=$(grep -a "Run /init as init process" "$tmp/boot-keel.log" | sed -E 's/^\[ *([0-9.]+)\].*/\1/' | head -1)
    t_bare=$(grep -a "Run /init as init process" "$tmp/boot-bare.log" | sed -E 's/^\[ *([0-9.]+)\].*/\1/' | head -1)
    echo
    echo "Linux boot to 'Run /init' (guest clock under -icount shift=0,sleep=off; 512 MiB guest RAM)"
    if [ -n "$t_keel" ] && [ -n "$t_bare" ]; then
        awk -v k="$t_keel" -v b="$t_bare" 'BEGIN { printf "keel %.3f s, bare QEMU %.3f s: %+.1f %% (target <= +5 %%)\n", k, b, (k / b - 1) * 100 }'
    else
        echo "boot comparison failed: keel '$t_keel', bare '$t_bare'"
        exit 1
    fi
fi
