#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# fetch-guest.sh: build the Linux test guest for one architecture from
# Debian trixie packages (kernel + busybox-static of the target arch).
#
# Outputs (cached; a rerun prints one line):
#   build/guest/<ARCH>/Image               raw kernel Image (Linux Image header verified)
#   build/guest/<ARCH>/kernel-version      e.g. 6.12.48+deb13-riscv64
#   build/guest/<ARCH>/kernel-config       the package's /boot/config-*
#   build/guest/<ARCH>/initramfs.cpio.gz   busybox initramfs whose /init prints keel-guest: markers
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/fetch-guest.sh [--force] ARCH
       scripts/fetch-guest.sh --convert IN OUT ARCH

Fetch Debian trixie's kernel (linux-image-<debarch> -> its versioned package)
and busybox-static for ARCH from the Debian mirror of this machine's apt
configuration, and build into build/guest/ARCH/:
  Image               raw kernel Image (decompressed / unwrapped if needed)
  kernel-version      the kernel release (uname -r)
  kernel-config       the kernel's build configuration
  initramfs.cpio.gz   busybox initramfs; /init prints "keel-guest: ..." markers,
                      checks that "sleep 1" takes 1..3 s, then powers off
                      (or runs a shell if the command line has keel.shell=1)

ARCH: riscv64 | aarch64 (arm64 is accepted as a synonym of aarch64)

Options:
  --force, -f   rebuild even if the cached guest is up to date (also KEEL_FORCE=1)
  --convert IN OUT
                only turn the kernel file IN (raw Image, gzip/zstd/xz vmlinuz,
                EFI zboot, ELF vmlinux) into a verified raw Image OUT; no download
  --help, -h    this text

Environment: KEEL_BUILD_DIR (default <repo>/build), KEEL_DEBIAN_MIRROR,
KEEL_DEBIAN_SUITE (default trixie); see scripts/lib/debfetch.sh.
EOF
}

die() {
    echo "fetch-guest: error: $*" >&2
    exit 1
}

force="${KEEL_FORCE:-0}"
arch=""
convert_in=""
convert_out=""
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        -f | --force) force=1 ;;
        --convert)
            (($# >= 3)) || { echo "fetch-guest: error: --convert needs IN and OUT (see --help)" >&2; exit 2; }
            convert_in="$2"
            convert_out="$3"
            shift 2
            ;;
        -*) echo "fetch-guest: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *)
            [[ -z "$arch" ]] || { echo "fetch-guest: error: more than one ARCH given (see --help)" >&2; exit 2; }
            arch="$1"
            ;;
    esac
    shift
done
case "$arch" in
    riscv64) debarch=riscv64; cross=riscv64-linux-gnu- ;;
    aarch64 | arm64) arch=aarch64; debarch=arm64; cross=aarch64-linux-gnu- ;;
    "") echo "fetch-guest: error: no ARCH given (riscv64 or aarch64; see --help)" >&2; exit 2 ;;
    *) echo "fetch-guest: error: unknown ARCH '$arch' (expected riscv64 or aarch64)" >&2; exit 2 ;;
esac

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KEEL_ROOT="$(cd "$script_dir/.." && pwd)"
: "${KEEL_BUILD_DIR:=$KEEL_ROOT/build}"
# shellcheck source-path=SCRIPTDIR source=lib/debfetch.sh
source "$script_dir/lib/debfetch.sh"

out="$KEEL_BUILD_DIR/guest/$arch"
stamp="$out/.stamp"

if [[ -z "$convert_in" ]]; then
    mkdir -p "$out"
    # One builder per output directory at a time.
    exec {lockfd}>"$out/.lock"
    flock -w 900 "$lockfd" || die "timed out waiting for $out/.lock (another fetch-guest $arch running?)"

    # The recipe: this script and the helper; editing either rebuilds.
    recipe="$(cat "${BASH_SOURCE[0]}" "$script_dir/lib/debfetch.sh" | sha256sum | cut -d' ' -f1)"

    if [[ "$force" != 1 && -f "$stamp" && -s "$out/Image" && -s "$out/kernel-version" &&
        -s "$out/initramfs.cpio.gz" && "$(sed -n 1p "$stamp")" == "$recipe" ]]; then
        echo "fetch-guest: $arch guest cached in ${out#"$KEEL_ROOT"/} (kernel $(cat "$out/kernel-version"))"
        exit 0
    fi
fi

# ---------------------------------------------------------------------------
# Little helpers on binary files

# hexbytes FILE OFFSET COUNT -> lowercase hex, no spaces
hexbytes() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
# le32 FILE OFFSET -> unsigned decimal
le32() { od -An -v -tu4 --endian=little -j "$2" -N 4 "$1" | tr -d ' \n'; }
# cstring FILE OFFSET MAXLEN -> printable string up to the first NUL
cstring() { dd if="$1" bs=1 skip="$2" count="$3" status=none | tr '\0' '\n' | head -n1 | tr -cd '[:print:]'; }

# image_ok FILE: has the Linux Image header of $arch
image_ok() {
    local f="$1"
    [[ -f "$f" && $(stat -c %s "$f") -ge 64 ]] || return 1
    case "$arch" in
        riscv64)
            # magic "RISCV\0\0\0" at 0x30 (deprecated but still set), magic2 "RSC\x05" at 0x38
            [[ "$(hexbytes "$f" 48 8)" == 5249534356000000 && "$(hexbytes "$f" 56 4)" == 52534305 ]]
            ;;
        aarch64)
            # magic "ARM\x64" at 0x38
            [[ "$(hexbytes "$f" 56 4)" == 41524d64 ]]
            ;;
    esac
}

# decompress TYPE IN OUT  (TYPE as in EFI zboot's comp_type or a sniffed magic)
decompress() {
    local type="$1" in="$2" outf="$3"
    case "$type" in
        gzip) gzip -dc <"$in" >"$outf" ;;
        zstd | zstd22) zstd -dcq <"$in" >"$outf" ;;
        xz) xz -dc <"$in" >"$outf" ;;
        lzma) xz -dc --format=lzma <"$in" >"$outf" ;;
        bzip2)
            command -v bzip2 >/dev/null || die "kernel is bzip2-compressed but bzip2 is not installed (apt-get install bzip2)"
            bzip2 -dc <"$in" >"$outf"
            ;;
        lz4)
            command -v lz4 >/dev/null || die "kernel is lz4-compressed but lz4 is not installed (apt-get install lz4)"
            lz4 -dcq <"$in" >"$outf"
            ;;
        lzo)
            command -v lzop >/dev/null || die "kernel is lzo-compressed but lzop is not installed (apt-get install lzop)"
            lzop -dc <"$in" >"$outf"
            ;;
        *) die "unsupported kernel compression '$type'" ;;
    esac
}

# sniff FILE -> compression name from the magic, or empty
sniff() {
    local m
    m="$(hexbytes "$1" 0 6)"
    case "$m" in
        1f8b*) echo gzip ;;
        28b52ffd*) echo zstd ;;
        fd377a585a00) echo xz ;;
        425a68*) echo bzip2 ;;
        04224d18*) echo lz4 ;;
        894c5a4f*) echo lzo ;;
        5d0000*) echo lzma ;;
        *) echo "" ;;
    esac
}

# to_image IN OUT DESCVAR: turn whatever /boot holds into a raw Image.
# Handles: raw Image (possibly with an EFI stub PE header, possibly signed),
# compressed Image (vmlinuz), EFI zboot (PE "zimg" wrapper), ELF vmlinux.
how=""
to_image() {
    local in="$1" outf="$2" work="$3" comp off size type
    local cur="$in" step=0
    while ((step < 4)); do
        step=$((step + 1))
        if image_ok "$cur"; then
            [[ "$cur" == "$outf" ]] || cp "$cur" "$outf"
            how="${how:-raw Image as shipped}"
            return 0
        fi
        if [[ "$(hexbytes "$cur" 0 2)" == 4d5a && "$(hexbytes "$cur" 4 4)" == 7a696d67 ]]; then
            # EFI zboot: "MZ", "zimg" @4, payload offset @8, size @12, comp type @0x18
            off="$(le32 "$cur" 8)"
            size="$(le32 "$cur" 12)"
            type="$(cstring "$cur" 24 32)"
            ((off > 0 && size > 0 && off + size <= $(stat -c %s "$cur"))) ||
                die "EFI zboot image $in has a bad payload offset/size ($off/$size)"
            tail -c +"$((off + 1))" "$cur" | head -c "$size" >"$work/payload"
            decompress "$type" "$work/payload" "$work/unz.$step"
            rm -f "$work/payload"
            how="${how:+$how, }EFI zboot ($type payload at $off, $size bytes) unpacked"
            cur="$work/unz.$step"
            continue
        fi
        if [[ "$(hexbytes "$cur" 0 4)" == 7f454c46 ]]; then
            command -v "${cross}objcopy" >/dev/null ||
                die "kernel is an ELF vmlinux and ${cross}objcopy is missing (run scripts/setup.sh)"
            "${cross}objcopy" -O binary "$cur" "$work/unz.$step"
            how="${how:+$how, }ELF vmlinux converted with objcopy -O binary"
            cur="$work/unz.$step"
            continue
        fi
        comp="$(sniff "$cur")"
        if [[ -n "$comp" ]]; then
            decompress "$comp" "$cur" "$work/unz.$step"
            how="${how:+$how, }$comp-decompressed"
            cur="$work/unz.$step"
            continue
        fi
        break
    done
    die "$(basename "$in")${how:+ (after: $how)} is not a valid $arch Linux Image (bytes at 0x30..0x3b:" \
        "$(hexbytes "$cur" 48 12), start: $(hexbytes "$cur" 0 8)) and no known wrapper/compression was found"
}

# ---------------------------------------------------------------------------

if [[ -n "$convert_in" ]]; then
    [[ -f "$convert_in" ]] || die "--convert: no such file: $convert_in"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    to_image "$convert_in" "$work/Image" "$work"
    mv -f "$work/Image" "$convert_out"
    echo "fetch-guest: $convert_out: $arch Image ($how)"
    exit 0
fi

work="$out/.work"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

debfetch_init "$debarch"
kpkg="$(debfetch_dep "$debarch" "linux-image-$debarch" '^linux-image-[0-9]')"
mapfile -t debs < <(debfetch_download "$debarch" "$kpkg" busybox-static)
((${#debs[@]} == 2)) || die "downloading $kpkg and busybox-static failed"
kdeb="${debs[0]}"
bdeb="${debs[1]}"

# Kernel: only /boot is needed (the modules are most of the package).
mkdir -p "$work/kernel"
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work/kernel" --wildcards './boot/*' ||
    die "could not unpack /boot from $kdeb"
kver="${kpkg#linux-image-}"
kfile=""
for f in "$work/kernel/boot/vmlinuz-$kver" "$work/kernel/boot/vmlinux-$kver" \
    "$work/kernel/boot/Image-$kver" "$work/kernel/boot/"vmlinu[xz]-*; do
    if [[ -f "$f" ]]; then kfile="$f"; break; fi
done
[[ -n "$kfile" ]] || die "no kernel (vmlinuz-*/vmlinux-*) in /boot of $kdeb"
kver="$(basename "$kfile")"
kver="${kver#*-}"
to_image "$kfile" "$work/Image" "$work"
image_ok "$work/Image" || die "extracted kernel is not a valid $arch Image"

# busybox-static: /usr/bin/busybox (trixie, merged /usr) or /bin/busybox.
mkdir -p "$work/bb"
dpkg-deb -x "$bdeb" "$work/bb" || die "could not unpack $bdeb"
bb=""
for f in "$work/bb/usr/bin/busybox" "$work/bb/bin/busybox"; do
    [[ -f "$f" ]] && { bb="$f"; break; }
done
[[ -n "$bb" ]] || die "no busybox binary in $bdeb"
case "$arch:$(hexbytes "$bb" 18 2)" in
    riscv64:f300 | aarch64:b700) ;;
    *) die "busybox in $bdeb is not a $arch ELF (e_machine $(hexbytes "$bb" 18 2))" ;;
esac

# ---------------------------------------------------------------------------
# initramfs

root="$work/initramfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc,run}
find "$root" -type d -exec chmod 0755 {} +
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
install -m 0755 "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# keel test guest /init (generated by scripts/fetch-guest.sh)
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root TERM=vt100
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

echo "keel-guest: init reached"
echo "keel-guest: uptime $(cut -d' ' -f1 /proc/uptime) s"
echo "keel-guest: kernel $(uname -r)"

cpus=0
online="$(cat /sys/devices/system/cpu/online 2>/dev/null)"
if [ -n "$online" ]; then
    oldifs="$IFS"; IFS=,
    for r in $online; do
        case "$r" in
            *-*) cpus=$((cpus + ${r#*-} - ${r%-*} + 1)) ;;
            *) cpus=$((cpus + 1)) ;;
        esac
    done
    IFS="$oldifs"
else
    cpus=$(grep -c '^processor' /proc/cpuinfo)
fi
echo "keel-guest: cpus $cpus"
# a task pinned to each CPU in turn reports the CPU it ran on (field 39 of /proc/self/stat)
i=0
while [ $i -lt $cpus ]; do
    ran=$(taskset -c $i cut -d' ' -f39 /proc/self/stat 2>/dev/null)
    echo "keel-guest: task for cpu $i ran on cpu ${ran:-none}"
    i=$((i + 1))
done

# elapsed time of "sleep 1" from /proc/uptime (centiseconds)
uptime_cs() {
    read -r up _ </proc/uptime
    s=${up%.*}; f=${up#*.}
    echo $((s * 100 + ${f#0}))
}
t0=$(uptime_cs)
sleep 1
t1=$(uptime_cs)
d=$((t1 - t0))
frac=$((d % 100)); [ $frac -lt 10 ] && frac="0$frac"
echo "keel-guest: sleep 1s took $((d / 100)).$frac s"
if [ $d -ge 100 ] && [ $d -le 300 ]; then
    echo "keel-guest: clock ok"
else
    echo "keel-guest: clock BAD"
fi

# keel.reboot=PAGE (keel's VM reboot test): PAGE is the GPA of a keel,shmem region, which outlives
# a reboot of the VM. On the first boot it holds no mark: write one, then reboot the VM (SBI
# SRST / PSCI SYSTEM_RESET through Linux); on the second boot say so and go on.
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        keel.reboot=*)
            page=${arg#keel.reboot=}
            if [ $(($(devmem "$page" 32))) -ne $((0x6b65656c)) ]; then
                devmem "$page" 32 0x6b65656c
                echo "keel-guest: first boot: rebooting"
                sync
                reboot -f
                while :; do sleep 3600; done
            fi
            echo "keel-guest: booted again after a reboot"
            ;;
    esac
done

# keel.peer=SHMEM,DOORBELL,VM (a keel scenario with a peer VM): write a message into the shared
# memory (a 32-bit length, then the bytes), then ring VM number VM through the doorbell at
# DOORBELL (keel's inter-VM doorbell: RING register at +8).
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        keel.peer=*)
            spec=${arg#keel.peer=}
            shm=${spec%%,*}; rest=${spec#*,}; bell=${rest%%,*}; peer=${rest#*,}
            msg="hello from linux, $(uname -m)"
            i=0
            while [ $i -lt ${#msg} ]; do
                c=$(printf '%d' "'$(expr substr "$msg" $((i + 1)) 1)")
                devmem $((shm + 4 + i)) 8 "$c"
                i=$((i + 1))
            done
            devmem "$shm" 32 ${#msg}
            devmem $((bell + 8)) 32 "$peer"
            echo "keel-guest: peer message sent to VM $peer"
            ;;
    esac
done

case " $(cat /proc/cmdline) " in
    *" keel.shell=1 "*)
        echo "keel-guest: shell (exit or poweroff -f to end)"
        setsid cttyhack sh
        ;;
    *)
        echo "keel-guest: poweroff"
        ;;
esac
sync
poweroff -f
# poweroff returned: never let init exit (that panics)
while :; do sleep 3600; done
EOF
chmod 0755 "$root/init"

# Reproducible: fixed mtimes, sorted list, renumbered inodes, root:root owner.
find "$root" -exec touch -h -d @0 {} +
(
    cd "$root"
    find . -mindepth 1 | LC_ALL=C sort |
        cpio --quiet -o -H newc --owner root:root --reproducible
) | gzip -9 -n >"$work/initramfs.cpio.gz" || die "building the initramfs failed"

# ---------------------------------------------------------------------------
# Install atomically-ish: files first, stamp last.

mv -f "$work/Image" "$out/Image"
mv -f "$work/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
if [[ -f "$work/kernel/boot/config-$kver" ]]; then
    cp "$work/kernel/boot/config-$kver" "$out/kernel-config"
fi
echo "$kver" >"$out/kernel-version"
{
    echo "$recipe"
    echo "kernel-package $(basename "$kdeb")"
    echo "busybox-package $(basename "$bdeb")"
    echo "image-from $(basename "$kfile"): $how"
} >"$stamp"

echo "fetch-guest: built $arch guest in ${out#"$KEEL_ROOT"/}: kernel $kver ($how), busybox $(basename "$bdeb")"
