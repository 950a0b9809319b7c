#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# mkbundle.sh: pack keel's guest-image bundle, the cpio (newc) archive keel is booted with as its
# initrd: scenario.dtb plus every file the scenario names.
#
# Usage: scripts/mkbundle.sh OUT.cpio SCENARIO.dts NAME=FILE...
#   SCENARIO.dts is compiled with dtc; each NAME=FILE puts FILE into the bundle as NAME (the
#   name the scenario's kernel/initrd/dtb properties use).
set -euo pipefail

die() { echo "mkbundle: error: $*" >&2; exit 1; }
(($# >= 2)) || die "usage: scripts/mkbundle.sh OUT.cpio SCENARIO.dts NAME=FILE..."
out="$1"
scenario="$2"
shift 2
[ -f "$scenario" ] || die "scenario '$scenario' does not exist"
command -v dtc >/dev/null || die "dtc is missing (scripts/setup.sh installs device-tree-compiler)"
command -v cpio >/dev/null || die "cpio is missing (scripts/setup.sh installs it)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
dtc -q -I dts -O dtb -o "$stage/scenario.dtb" "$scenario" || die "dtc could not compile '$scenario'"
for pair in "$@"; do
    name="${pair%%=*}"
    file="${pair#*=}"
    [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad bundle name '$name' (letters, digits, . _ - only)"
    [ -f "$file" ] || die "'$file' (for $name) does not exist or is not a file"
    ln -s "$(realpath "$file")" "$stage/$name"
done
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort |
    cpio -o -H newc -L --quiet) >"$out.tmp" || die "cpio failed"
mv "$out.tmp" "$out"
