#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh: build what is missing and boot keel with a Linux guest under QEMU.
# The command line is a fixed contract (docs/architecture.md, README): see --help.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    cat <<'USAGE'
Usage: scripts/run.sh [options] [-- extra QEMU args]

Boots keel under QEMU with one Linux VM (Debian's kernel + a busybox initramfs by default).

  --arch riscv64|aarch64   target ISA (default riscv64)
  --kernel FILE            guest kernel Image (default: Debian's, fetched by fetch-guest.sh)
  --initrd FILE            guest initramfs (default: the marker initramfs with the default kernel)
  --append "ARGS"          guest kernel command line (default: console on the virtual UART)
  --dtb FILE               guest device tree blob instead of the scenario's
  --smp N                  physical harts/cores given to QEMU (default 1)
  --vcpus N                vCPUs of the guest (default 1); vCPU i runs on hart i % smp,
                           so more vCPUs than harts are time-shared (RISC-V)
  --mem MIB                guest RAM in MiB (default 512; QEMU gets this + 512)
  --scenario FILE          a multi-VM scenario DTS (docs/configuration.md); QEMU's escape
                           key becomes Ctrl-T (Ctrl-T x quits) so that Ctrl-A reaches keel:
                           Ctrl-A three times moves console input to the next VM
  --uboot                  boot through U-Boot (booti) instead of QEMU -kernel
  --timeout S              kill QEMU after S seconds and exit 124; from 20 s up, what every
                           hart/core was doing 10 s before (pc, keel symbols, registers) and
                           keel's VMs and vCPUs are printed after the log (scripts/qemu-state.sh)
  --shell                  interactive busybox shell in the default guest (keel.shell=1)
  -h, --help               this text

Exit status: 0 when every VM shut down and keel powered off, 1 on a hypervisor panic or
configuration error, 124 on timeout, 2 on a usage error. The serial log goes to stdout.
USAGE
}

die() { echo "run.sh: error: $*" >&2; exit "${2:-1}"; }

arch=riscv64 kernel="" initrd="" append="" dtb="" smp=1 vcpus=1 mem=512 scenario="" uboot=0
timeout_s="" shell=0
extra=()
while (($#)); do
    case "$1" in
        --arch) arch="${2:?}"; shift ;;
        --kernel) kernel="${2:?}"; shift ;;
        --initrd) initrd="${2:?}"; shift ;;
        --append) append="${2?}"; shift ;;
        --dtb) dtb="${2:?}"; shift ;;
        --smp) smp="${2:?}"; shift ;;
        --vcpus) vcpus="${2:?}"; shift ;;
        --mem) mem="${2:?}"; shift ;;
        --scenario) scenario="${2:?}"; shift ;;
        --uboot) uboot=1 ;;
        --timeout) timeout_s="${2:?}"; shift ;;
        --shell) shell=1 ;;
        -h | --help) usage; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        *) usage >&2; die "unknown option '$1'" 2 ;;
    esac
    shift
done

case "$arch" in
    riscv64 | aarch64) ;;
    arm64) arch=aarch64 ;;
    *) die "--arch must be riscv64 or aarch64, not '$arch'" 2 ;;
esac
[[ "$smp" =~ ^[1-8]$ ]] || die "--smp must be 1..8" 2
[[ "$vcpus" =~ ^[1-8]$ ]] || die "--vcpus must be 1..8" 2
[[ "$mem" =~ ^[0-9]+$ ]] && ((mem >= 64 && mem % 2 == 0)) || die "--mem must be an even number of MiB >= 64" 2
[ -z "$timeout_s" ] || [[ "$timeout_s" =~ ^[0-9]+$ ]] || die "--timeout takes seconds" 2
for f in "$kernel" "$initrd" "$dtb" "$scenario"; do
    [ -z "$f" ] || [ -f "$f" ] || die "'$f' does not exist"
done

"$repo/scripts/setup.sh" >&2
build="$repo/build/$arch"
"$repo/scripts/fetch-sysroot.sh" "$arch" >&2
mkdir -p "$build"
(
    # several run.sh at once (ctest -j) share the build directory: build under a lock
    flock 9
    if [ ! -f "$build/CMakeCache.txt" ]; then
        cmake -S "$repo" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/toolchain-$arch.cmake" >/dev/null
    fi
    cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1 || { cat "$build/build.log" >&2; exit 1; }
) 9>"$build/.lock" || die "keel build failed"

if [ -z "$kernel" ] && [ -z "$scenario" ]; then
    "$repo/scripts/fetch-guest.sh" "$arch" >&2
    kernel="$repo/build/guest/$arch/Image"
    [ -n "$initrd" ] || initrd="$repo/build/guest/$arch/initramfs.cpio.gz"
fi

case "$arch" in
    riscv64) console=ttyS0 ram_gpa=0x80000000 ;;
    aarch64) console=ttyAMA0 ram_gpa=0x40000000 ;;
esac
[ -n "$append" ] || append="console=$console"
((shell == 0)) || append="$append keel.shell=1"

mkdir -p "$build/runs"
run="$(mktemp -d "$build/runs/run.XXXXXX")"
trap 'rm -rf "$run"' EXIT
bundle="$run/bundle.cpio"
if [ -n "$scenario" ]; then
    # Files named in the scenario (kernel, initrd, dtb) are looked up next to the scenario, in
    # build/<arch>/configs (compiled guest DTBs), then from the repository root; each goes into
    # the bundle under a flat name, and a copy of the scenario is rewritten to use it.
    for opt in "$kernel" "$initrd" "$dtb"; do
        [ -z "$opt" ] || die "--kernel/--initrd/--dtb do not combine with --scenario: name files in the scenario" 2
    done
    mapfile -t names < <(grep -oE '(kernel|initrd|dtb)[[:space:]]*=[[:space:]]*"[^"]+"' "$scenario" |
        sed -E 's/.*"([^"]+)"/\1/' | sort -u)
    pairs=()
    cp "$scenario" "$run/scenario.dts"
    for n in "${names[@]}"; do
        f="$(dirname "$scenario")/$n"
        [ -f "$f" ] || f="$build/configs/$n"
        [ -f "$f" ] || f="$repo/$n"
        [ -f "$f" ] || die "scenario file '$n' not found next to $scenario, in $build/configs or the repo"
        flat="$(printf '%s' "$n" | tr -c 'A-Za-z0-9._-' '_')"
        pairs+=("$flat=$f")
        esc="$(printf '%s' "$n" | sed 's/[][\\/.*^$]/\\&/g')"
        sed -i "s/\"$esc\"/\"$flat\"/g" "$run/scenario.dts"
    done
    "$repo/scripts/mkbundle.sh" "$bundle" "$run/scenario.dts" "${pairs[@]}"
else
    [ -n "$dtb" ] || dtb="$build/configs/linux.dtb"
    "$repo/scripts/check-image.sh" "$arch" "$kernel"
    initrd_prop=""
    pairs=("vm0-kernel=$kernel" "vm0-dtb=$dtb")
    if [ -n "$initrd" ]; then
        initrd_prop='initrd = "vm0-initrd";'
        pairs+=("vm0-initrd=$initrd")
    fi
    esc_append="${append//\\/\\\\}"
    esc_append="${esc_append//\"/\\\"}"
    cat >"$run/scenario.dts" <<DTS
/dts-v1/;
/ {
    compatible = "keel,scenario";
    linux {
        compatible = "keel,vm";
        memory = <0x0 $ram_gpa 0x0 $(printf '0x%x' $((mem * 1024 * 1024)))>;
        vcpus = <$vcpus>; /* no "cpus": vCPU i runs on hart i % $smp, time-shared beyond $smp */
        kernel = "vm0-kernel";
        $initrd_prop
        dtb = "vm0-dtb";
        bootargs = "$esc_append";
    };
};
DTS
    "$repo/scripts/mkbundle.sh" "$bundle" "$run/scenario.dts" "${pairs[@]}"
fi

qemu_mem=$((mem + 512))
if [ -n "$scenario" ]; then qemu_mem=2048; fi
case "$arch" in
    riscv64)
        qemu=(qemu-system-riscv64 -M virt -cpu rv64 -smp "$smp" -m "$qemu_mem" -nographic -no-reboot
            -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin)
        ;;
    aarch64)
        qemu=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=2 -cpu cortex-a72 -smp "$smp"
            -m "$qemu_mem" -nographic -no-reboot)
        ;;
esac
# With several VMs, Ctrl-A three times is keel's focus switch: QEMU's own escape moves to Ctrl-T.
if [ -n "$scenario" ]; then qemu+=(-echr 20); fi
if ((uboot)); then
    # firmware -> U-Boot -> extlinux on a virtio disk (written into $run) -> booti keel + bundle
    ub_args="$("$repo/scripts/uboot-args.sh" -o "$run/uboot-disk.img" "$arch" "$build/keel.bin" "$bundle")" ||
        die "cannot prepare the U-Boot boot disk (scripts/uboot-args.sh)"
    mapfile -t ub_args <<<"$ub_args" # one QEMU argument per line
    qemu+=("${ub_args[@]}")
else
    qemu+=(-kernel "$build/keel.bin" -initrd "$bundle")
fi
qemu+=("${extra[@]}")

# With --timeout, a second QEMU monitor on a FIFO pair and the gdbstub on a socket let
# scripts/qemu-state.sh record what every hart/core is doing 10 s before the kill, and keel's
# VMs and vCPUs: a hang leaves registers, keel symbols and states in the log, not just silence.
# (Naming the serial port keeps -nographic's Ctrl-A/Ctrl-T console mux.)
state_pid=""
if [ -n "$timeout_s" ] && ((timeout_s >= 20)); then
    mkfifo "$run/mon.in" "$run/mon.out"
    qemu+=(-serial mon:stdio -chardev "pipe,id=keelstate,path=$run/mon" -mon chardev=keelstate,mode=readline)
    # a Unix socket path has at most 107 bytes (sun_path): a deeper checkout goes without
    ((${#run} > 90)) || qemu+=(-gdb "unix:$run/gdb.sock,server=on,wait=off")
    (
        trap 'kill "$nap" 2>/dev/null; exit 0' TERM
        sleep $((timeout_s - 10)) &
        nap=$!
        wait "$nap"
        "$repo/scripts/qemu-state.sh" "$arch" "$run" "$build/keel.elf" >"$run/state.txt" 2>&1
    ) </dev/null >/dev/null 2>&1 &
    state_pid=$!
fi

# The serial log goes to stdout and to $run/serial.log: on Arm QEMU has no exit-code device, so
# a keel that stopped on an error powers off with status 0 and the log tells (see platform_fail).
runner=()
[ -z "$timeout_s" ] || runner=(timeout --foreground -k 5 "$timeout_s")
set +e
"${runner[@]}" "${qemu[@]}" | tee "$run/serial.log"
rc=${PIPESTATUS[0]}
set -e
if [ -n "$timeout_s" ] && ((rc == 124 || rc == 137)); then
    echo "run.sh: timeout: QEMU killed after ${timeout_s}s" >&2
    if [ -s "$run/state.txt" ]; then
        echo "run.sh: what each hart/core was doing 10 s before (scripts/qemu-state.sh):" >&2
        cat "$run/state.txt" >&2
    fi
    exit 124
fi
[ -z "$state_pid" ] || kill "$state_pid" 2>/dev/null || true
if ((rc == 0)) && grep -aqE '^keel: (stopping|PANIC)' "$run/serial.log"; then
    rc=1
fi
exit "$rc"
