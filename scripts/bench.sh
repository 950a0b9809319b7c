#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench.sh: keel's exit-path costs and boot overhead in retired instructions (QEMU -icount
# shift=0: one instruction of any privilege mode = 1 ns of guest time), keel vs bare QEMU
# (the same guest in S-mode on M-mode OpenSBI). Deterministic: rerun and get the same numbers.
# Usage: scripts/bench.sh [--arch riscv64|aarch64] [--no-boot]   (docs/performance.md explains the rows)
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
case "$arch" in
    riscv64) ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) echo "bench.sh: --arch must be riscv64 or aarch64" >&2; exit 2 ;;
esac

value() { # value LOG NAME [PREFIX]: N from LOG's first line "PREFIXbench: NAME N" (PREFIX: a regex)
    { grep -a "^${3:-}bench: $2 " "$1" || true; } | head -1 | sed 's/^.*bench: //' | awk '{print $2}' | tr -d '\r'
}

# Exit cost vs number of VMs: tests/bench/four-vms-ARCH.dts runs the bench guest in four VMs at
# once (one per hart/core, four VMIDs and stage-2 tables); each VM's counts are set beside the
# one-VM run's. QEMU's single-threaded -icount runs the harts in turn, so this shows that keel's
# exit path does no per-VM work, not cache or TLB contention (QEMU models neither).
multi_vm() { # multi_vm ARCH ONE_VM_LOG NAME...
    local a="$1" one="$2" log="$tmp/four-vms.log" name v k w
    shift 2
    "$repo/scripts/run.sh" --arch "$a" --smp 4 --timeout 240 --scenario "$repo/tests/bench/four-vms-$a.dts" \
        -- -icount shift=0 >"$log" 2>&1 || { tail -20 "$log"; echo "bench.sh: four-VM run failed" >&2; exit 1; }
    for v in 0 1 2 3; do
        grep -aq "^\[vm$v\] bench: done" "$log" || { tail -20 "$log"; echo "bench.sh: four-VM run: VM $v incomplete" >&2; exit 1; }
    done
    echo
    echo "exit cost with 1 VM and with 4 VMs (tests/bench/four-vms-$a.dts; target: within 5 %)"
    printf '%-32s %6s %6s %6s %6s %6s %7s\n' "path" "1 VM" "vm0" "vm1" "vm2" "vm3" "worst"
    for name in "$@"; do
        k=$(value "$one" "$name")
        local row=()
        for v in 0 1 2 3; do
            row+=("$(value "$log" "$name" "\\[vm$v\\] ")")
        done
        w=$(printf '%s\n' "${row[@]}" | awk -v k="$k" 'BEGIN { w = 0 } { if (k == "" || $1 == "") { w = "?"; exit }
            d = ($1 / k - 1) * 100; if (d < 0) d = -d; if (d > w) w = d } END { if (w == "?") print "?"; else printf "%.1f%%", w }')
        printf '%-32s %6s %6s %6s %6s %6s %7s\n' "$name" "${k:--}" "${row[0]:--}" "${row[1]:--}" "${row[2]:--}" "${row[3]:--}" "$w"
    done
}

# AArch64: tests/guests/aarch64/bench.c at EL1, under keel (EL2) and on bare QEMU (virt at EL1,
# QEMU's own PSCI and devices). The guest counts with the PMU cycle counter, which QEMU 7.2
# derives from the icount clock at 1 GHz: one tick per instruction, EL2 included (PMCCFILTR.NSH).
bench_aarch64() {
    local build="$repo/build/aarch64"
    local bench_bin="$build/tests/guests/aarch64/bench.bin"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    # the guest first (run.sh wants --kernel to exist), under run.sh's build lock
    "$repo/scripts/setup.sh" >/dev/null
    "$repo/scripts/fetch-sysroot.sh" aarch64 >/dev/null
    mkdir -p "$build"
    (
        flock 9
        if [ ! -f "$build/CMakeCache.txt" ]; then
            cmake -S "$repo" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/toolchain-aarch64.cmake" >/dev/null
        fi
        cmake --build "$build" --target guest_bench >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; exit 1; }
    ) 9>"$build/.lock" || { echo "bench.sh: building the aarch64 bench guest failed" >&2; exit 1; }

    "$repo/scripts/run.sh" --arch aarch64 --timeout 120 --kernel "$bench_bin" -- -icount shift=0 \
        >"$tmp/keel.log" 2>&1 || { tail -20 "$tmp/keel.log"; echo "bench.sh: keel run failed" >&2; exit 1; }
    timeout 120 qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1G -nographic -no-reboot \
        -kernel "$bench_bin" -icount shift=0 \
        >"$tmp/bare.log" 2>&1 || { tail -20 "$tmp/bare.log"; echo "bench.sh: bare run failed" >&2; exit 1; }
    grep -aq '^bench: done' "$tmp/keel.log" || { tail -20 "$tmp/keel.log"; echo "bench.sh: keel run incomplete" >&2; exit 1; }
    grep -aq '^bench: done' "$tmp/bare.log" || { tail -20 "$tmp/bare.log"; echo "bench.sh: bare run incomplete" >&2; exit 1; }
    if grep -aq '^bench: error' "$tmp/keel.log" "$tmp/bare.log"; then
        grep -a '^bench: error' "$tmp/keel.log" "$tmp/bare.log" >&2
    fi

    row() { # row NAME LABEL TARGET
        local k b
        k=$(value "$tmp/keel.log" "$1")
        b=$(value "$tmp/bare.log" "$1")
        printf '%-44s %8s %10s %8s\n' "$2" "${k:--}" "${b:--}" "$3"
    }
    local counter
    counter=$({ grep -a '^bench: counter ' "$tmp/keel.log" || true; } | head -1 | tr -d '\r' | sed 's/^bench: counter //')
    echo "keel exit paths, retired instructions guest to guest (median of 15 x 32; QEMU $(qemu-system-aarch64 --version | head -1 | awk '{print $4}'), -icount shift=0)"
    echo "counter: ${counter:-unknown}"
    printf '%-44s %8s %10s %8s\n' "path" "keel" "bare QEMU" "target"
    row hvc_psci_version "HVC PSCI_VERSION round trip" "<=80"
    row mmio_gicd_read "emulated GIC distributor read (GICD_TYPER)" "<=150"
    row mmio_pl011_fr_read "emulated PL011 UARTFR read (ldr)" "<=150"
    row vtimer_to_handler "virtual timer interrupt -> guest handler" "<=100"
    echo "(bare QEMU: the same guest at EL1, virtualization=off; QEMU answers its HVC PSCI calls in C, its"
    echo " loads go to QEMU's devices directly, the timer PPI to QEMU's GIC; the timer row is one shot, median of 15)"
    multi_vm aarch64 "$tmp/keel.log" hvc_psci_version mmio_gicd_read mmio_pl011_fr_read vtimer_to_handler

    ((boot)) || return 0
    local kernel="$repo/build/guest/aarch64/Image" initrd="$repo/build/guest/aarch64/initramfs.cpio.gz"
    "$repo/scripts/fetch-guest.sh" aarch64 >/dev/null
    # Like for like: bare QEMU boots the guest at EL1 (virtualization=off; with =on Linux would
    # start at EL2 and set up KVM) from keel's guest device tree cut to one CPU, as keel does
    # (with QEMU's own tree Linux would also probe PCIe and a virtio NIC), with the same RAM
    # (512 MiB at 0x40000000) and command line. QEMU gives the guest a fresh rng-seed on every
    # run and keel derives the VM's seed from its own, and 'Run /init' moves by a few percent
    # with the seed: -seed makes each run repeatable, and the figure is the mean over several
    # seeds, keel vs bare.
    local dtb="$tmp/bare-guest.dtb" cpu seeds=(1 2 3 4 5) s
    cp "$build/configs/linux.dtb" "$dtb"
    for cpu in $(fdtget -l "$dtb" /cpus); do
        [ "$cpu" = cpu@0 ] || fdtput -r "$dtb" "/cpus/$cpu"
    done
    # a 32-byte /chosen rng-seed as keel gives its VMs; QEMU overwrites the bytes from -seed
    fdtput -t x "$dtb" /chosen rng-seed 0 0 0 0 0 0 0 0
    local icount=(-icount "shift=0,sleep=off")
    init_time() { # init_time LOG: the 'Run /init' timestamp
        { grep -a "Run /init as init process" "$1" || true; } | sed -E 's/^\[ *([0-9.]+)\].*/\1/' | head -1
    }
    echo
    echo "Linux boot to 'Run /init' (guest clock under -icount shift=0,sleep=off; 512 MiB guest RAM at 0x40000000,"
    echo "one CPU, Linux at EL1, keel's guest device tree on both; QEMU -seed 1..${#seeds[@]}, mean)"
    printf '%-6s %10s %10s\n' "seed" "keel" "bare QEMU"
    local tk=() tb=()
    for s in "${seeds[@]}"; do
        "$repo/scripts/run.sh" --arch aarch64 --timeout 300 --kernel "$kernel" --initrd "$initrd" \
            --append "console=ttyAMA0" -- "${icount[@]}" -seed "$s" >"$tmp/boot-keel-$s.log" 2>&1 &
        timeout 300 qemu-system-aarch64 -M virt,gic-version=2 -cpu cortex-a72 -m 512M -nographic -no-reboot \
            -dtb "$dtb" -kernel "$kernel" -initrd "$initrd" -append "console=ttyAMA0" "${icount[@]}" -seed "$s" \
            >"$tmp/boot-bare-$s.log" 2>&1 || true
        wait || true
        local k b
        k=$(init_time "$tmp/boot-keel-$s.log")
        b=$(init_time "$tmp/boot-bare-$s.log")
        printf '%-6s %10s %10s\n' "$s" "${k:--}" "${b:--}"
        if [ -z "$k" ] || [ -z "$b" ]; then
            echo "boot comparison failed (seed $s): keel '$k', bare '$b'"
            exit 1
        fi
        grep -aq "All CPU(s) started at EL1" "$tmp/boot-bare-$s.log" ||
            { echo "bench.sh: the bare QEMU guest did not start at EL1" >&2; exit 1; }
        tk+=("$k") tb+=("$b")
    done
    # the seeds are not paired (keel mixes the VM id into QEMU's seed): compare the means and
    # show each side's spread
    printf '%s %s\n' "${tk[*]}" "${tb[*]}" | awk -v n="${#seeds[@]}" '{
        for (i = 1; i <= n; i++) {
            k += $i; b += $(i + n)
            if (i == 1 || $i < kl) kl = $i; if (i == 1 || $i > kh) kh = $i
            if (i == 1 || $(i + n) < bl) bl = $(i + n); if (i == 1 || $(i + n) > bh) bh = $(i + n)
        }
        printf "keel %.3f s, bare QEMU %.3f s: %+.1f %% (target <= +1 %%; seed spread keel %.3f-%.3f, bare %.3f-%.3f s)\n",
            k / n, b / n, (k / b - 1) * 100, kl, kh, bl, bh }'
}
if [ "$arch" = aarch64 ]; then
    bench_aarch64
    exit 0
fi

build="$repo/build/$arch"
bench_bin="$build/tests/guests/riscv64/bench.bin"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# the guest first (run.sh wants --kernel to exist), under run.sh's build lock
"$repo/scripts/setup.sh" >/dev/null
"$repo/scripts/fetch-sysroot.sh" riscv64 >/dev/null
mkdir -p "$build"
(
    flock 9
    if [ ! -f "$build/CMakeCache.txt" ]; then
        cmake -S "$repo" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/toolchain-riscv64.cmake" >/dev/null
    fi
    cmake --build "$build" --target guest_bench >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; exit 1; }
) 9>"$build/.lock" || { echo "bench.sh: building the riscv64 bench guest failed" >&2; exit 1; }
"$repo/scripts/run.sh" --arch "$arch" --timeout 120 --kernel "$bench_bin" -- -icount shift=0 \
    >"$tmp/keel.log" 2>&1 || { tail -20 "$tmp/keel.log"; echo "bench.sh: keel run failed" >&2; exit 1; }
"$repo/scripts/run.sh" --arch "$arch" --timeout 120 --kernel "$bench_bin" -- -icount shift=0 -cpu rv64,sstc=off \
    >"$tmp/keel-nosstc.log" 2>&1 || { tail -20 "$tmp/keel-nosstc.log"; echo "bench.sh: keel run failed" >&2; exit 1; }
timeout 120 qemu-system-riscv64 -M virt -cpu rv64 -m 1G -nographic -no-reboot \
    -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin -kernel "$bench_bin" -icount shift=0 \
    >"$tmp/bare.log" 2>&1 || { tail -20 "$tmp/bare.log"; echo "bench.sh: bare run failed" >&2; exit 1; }

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
multi_vm riscv64 "$tmp/keel.log" sbi_base_call mmio_uart_lsr_read mmio_plic_priority_read \
    timer_sbi_set_timer_to_handler timer_stimecmp_to_handler

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
