#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# uboot-args.sh: QEMU arguments that boot IMAGE + RAMDISK through Debian's U-Boot, as a board
# would: firmware -> U-Boot -> distro boot finds extlinux/extlinux.conf on a virtio disk ->
# booti $kernel_addr_r $ramdisk_addr_r:$filesize $fdtcontroladdr (U-Boot's own DTB).
#
# Usage: scripts/uboot-args.sh [-o DISK] [-a "ARGS"] ARCH IMAGE RAMDISK
#   ARCH     riscv64 (OpenSBI fw_dynamic -bios is the caller's; U-Boot S-mode is -kernel)
#            or aarch64 (U-Boot is -bios, entered at EL2 with virtualization=on)
#   IMAGE    a Linux-Image-headed kernel (keel.bin, or a Linux Image)
#   RAMDISK  its initrd (keel's bundle.cpio, or a Linux initramfs)
#   -o DISK  the disk image to write (default: uboot-disk.img next to RAMDISK)
#   -a ARGS  an extlinux "append" line (kernel command line; keel needs none)
#
# Prints the QEMU arguments, one per line. Writes DISK: an MBR with one bootable ext2
# partition holding /Image, /initrd and /extlinux/extlinux.conf. Needs only coreutils and
# mke2fs (e2fsprogs), no root. Rewrites DISK on every call.
set -euo pipefail

die() { echo "uboot-args.sh: error: $*" >&2; exit 1; }
usage() { sed -n '8,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

disk="" append=""
while (($#)); do
    case "$1" in
        -o) disk="${2:?-o needs a file}"; shift 2 ;;
        -a) append="${2?-a needs arguments}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        -*) usage >&2; die "unknown option '$1'" ;;
        *) break ;;
    esac
done
(($# == 3)) || { usage >&2; die "expected ARCH IMAGE RAMDISK, got $# argument(s)"; }
arch="$1" image="$2" ramdisk="$3"
[ -n "$disk" ] || disk="$(dirname "$ramdisk")/uboot-disk.img"

# U-Boot 2023.01 (Debian 12 u-boot-qemu) default environment:
#   qemu-riscv64_smode: kernel_addr_r=0x84000000 ramdisk_addr_r=0x8c300000 fdt_addr_r=0x8c000000
#     booti then moves a RISC-V Image to RAM base + text_offset (0x80200000 for keel/Linux).
#   qemu_arm64: kernel_addr_r=0x40400000 ramdisk_addr_r=0x44000000 (initrd_high=0xffffffff:
#     booti copies the ramdisk to the top of RAM below 4 GiB before the jump).
# U-Boot relocates itself and its DTB to the top of RAM, so the ramdisk may run up to there.
case "$arch" in
    riscv64)
        uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
        magic=52534305 what='RISC-V Linux Image (magic "RSC\x05" at 0x38)'
        kslot=$((0x8c000000 - 0x84000000)) # kernel_addr_r .. fdt_addr_r
        fw=(-kernel "$uboot")
        ;;
    aarch64 | arm64)
        arch=aarch64
        uboot=/usr/lib/u-boot/qemu_arm64/u-boot.bin
        magic=41524d64 what='arm64 Linux Image (magic "ARM\x64" at 0x38)'
        kslot=$((0x44000000 - 0x40400000)) # kernel_addr_r .. ramdisk_addr_r
        fw=(-bios "$uboot")
        ;;
    *) die "ARCH must be riscv64 or aarch64, not '$arch'" ;;
esac
[ -f "$uboot" ] || die "$uboot not found: install Debian's u-boot-qemu (scripts/setup.sh)"
delay="${KEEL_UBOOT_BOOTDELAY:-0}"
[[ "$delay" =~ ^[0-9]$ ]] || die "KEEL_UBOOT_BOOTDELAY must be one digit (seconds), not '$delay'"
command -v mke2fs >/dev/null || PATH="$PATH:/usr/sbin:/sbin"
command -v mke2fs >/dev/null || die "mke2fs not found: install e2fsprogs (scripts/setup.sh)"
[ -f "$image" ] || die "image '$image' does not exist"
[ -f "$ramdisk" ] || die "ramdisk '$ramdisk' does not exist"
[ "$(od -An -tx1 -j 56 -N 4 "$image" | tr -d ' \n')" = "$magic" ] ||
    die "'$image' is not a $what: U-Boot's booti would refuse it"
isize=$(stat -L -c %s "$image")
rsize=$(stat -L -c %s "$ramdisk")
((isize <= kslot)) ||
    die "'$image' is $((isize >> 20)) MiB; U-Boot's kernel_addr_r slot holds $((kslot >> 20)) MiB"

# ext2 (no journal, no ext4-only features that U-Boot 2023.01 might not read)
mib=$((1 << 20))
fs_bytes=$(((isize + rsize) * 103 / 100 + 4 * mib))
fs_bytes=$(((fs_bytes + mib - 1) / mib * mib))
part_off=$mib # partition 1 starts at LBA 2048
tmp="$(mktemp -d "$(dirname "$disk")/.uboot-args.XXXXXX")" || die "cannot write next to '$disk'"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/extlinux"
# mke2fs -d stores symlinks as symlinks: give it the files (a hard link when it can)
ln -f "$(realpath "$image")" "$tmp/root/Image" 2>/dev/null || cp "$image" "$tmp/root/Image"
ln -f "$(realpath "$ramdisk")" "$tmp/root/initrd" 2>/dev/null || cp "$ramdisk" "$tmp/root/initrd"
{
    echo "# written by keel's scripts/uboot-args.sh; U-Boot distro boot reads this"
    echo "default keel"
    echo "label keel"
    echo "    kernel /Image"
    echo "    initrd /initrd"
    [ -z "$append" ] || echo "    append $append"
    # no fdt/fdtdir: booti gets U-Boot's own DTB, $fdtcontroladdr
} >"$tmp/root/extlinux/extlinux.conf"

out="$tmp/disk.img"
truncate -s $((part_off + fs_bytes)) "$out"
if ! mke2fs -q -F -t ext2 -b 4096 -m 0 -N 64 -L keelboot -E offset=$part_off,root_owner=0:0 \
    -d "$tmp/root" "$out" $((fs_bytes / 4096)) >"$tmp/mke2fs.log" 2>&1; then
    cat "$tmp/mke2fs.log" >&2
    die "mke2fs failed"
fi

# MBR: disk signature, one bootable Linux partition (LBA start/size; CHS fields unused)
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# shellcheck disable=SC2059 # le32 writes printf escapes into the format on purpose
{
    printf "$(le32 0x6b65656c)\\x00\\x00"                       # 0x1b8: signature "keel"
    printf "\\x80\\xfe\\xff\\xff\\x83\\xfe\\xff\\xff"           # active, CHS n/a, type 0x83
    printf "$(le32 $((part_off / 512)))$(le32 $((fs_bytes / 512)))"
    head -c 48 /dev/zero                                       # entries 2-4 empty
    printf '\x55\xaa'
} | dd of="$out" bs=1 seek=440 conv=notrunc status=none
mv -f "$out" "$disk"

# Autoboot: Debian's default environment waits bootdelay=2 s for a key (none comes: QEMU's
# stdin is /dev/null in CI). Like a board's saved "setenv bootdelay 0", give QEMU a copy of
# Debian's U-Boot whose built-in default environment says bootdelay=$delay (same length, no
# checksum on the built-in environment). If the string is not there, use Debian's as it is.
if [ "$delay" != 2 ]; then
    patched="$(dirname "$disk")/u-boot-$arch.bin"
    if perl -0777 -pe 'BEGIN { $d = shift } $n = s/\0bootdelay=2\0/\0bootdelay=$d\0/g;
            END { $? = $n == 1 ? 0 : 3 }' "$delay" "$uboot" >"$tmp/u-boot.bin" 2>/dev/null; then
        mv -f "$tmp/u-boot.bin" "$patched"
        fw[1]="$patched"
    else
        echo "uboot-args.sh: warning: no 'bootdelay=2' in $uboot; U-Boot keeps its own delay" >&2
    fi
fi

# QEMU -drive: a comma in a file name is written twice
printf '%s\n' "${fw[@]}" -drive "file=${disk//,/,,},format=raw,if=none,id=keelboot" \
    -device virtio-blk-device,drive=keelboot
