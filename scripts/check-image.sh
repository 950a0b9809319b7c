#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check-image.sh ARCH FILE: refuse a kernel that is not a Linux Image for ARCH, or that is
# truncated (its EFI/PE header lists more section bytes than the file holds). keel does the
# same checks at boot; this one fails before QEMU starts.
set -euo pipefail
arch="$1" file="$2"
die() { echo "run.sh: error: kernel '$file': $*" >&2; exit 1; }
[ -f "$file" ] || die "does not exist"
size=$(stat -c %s "$file")
((size >= 64)) || die "only $size bytes: too short for a kernel Image header"
case "$arch" in
    riscv64) want="5253430500000000" ; off=56 ; what='a RISC-V Linux Image (magic "RSC\x05" at 0x38)' ;;
    aarch64) want="41524d6400000000" ; off=56 ; what='an arm64 Linux Image (magic "ARM\x64" at 0x38)' ;;
esac
got=$(od -An -tx1 -j "$off" -N 4 "$file" | tr -d ' \n')
[ "$got" = "${want:0:8}" ] || die "not $what"
# EFI stub: PE header at the offset stored at 0x3c; sections give the file size needed
if [ "$(od -An -c -N 2 "$file" | tr -d ' ')" = "MZ" ]; then
    pe=$(od -An -tu4 -j 60 -N 4 "$file" | tr -d ' ')
    nsec=$(od -An -tu2 -j $((pe + 6)) -N 2 "$file" | tr -d ' ')
    optsz=$(od -An -tu2 -j $((pe + 20)) -N 2 "$file" | tr -d ' ')
    sec=$((pe + 24 + optsz))
    need=0
    for ((i = 0; i < nsec; i++)); do
        rsz=$(od -An -tu4 -j $((sec + 16)) -N 4 "$file" | tr -d ' ')
        rptr=$(od -An -tu4 -j $((sec + 20)) -N 4 "$file" | tr -d ' ')
        [ -n "$rsz" ] && [ -n "$rptr" ] || die "truncated inside its EFI section table"
        ((rptr + rsz > need)) && need=$((rptr + rsz))
        sec=$((sec + 40))
    done
    ((need <= size)) || die "truncated: its EFI header lists $need bytes of sections, the file has $size"
fi
