#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# fetch-sysroot.sh: Debian trixie's libfdt-dev for one target architecture,
# arranged as a tiny sysroot for the freestanding keel image:
#
#   build/sysroot/<ARCH>/include/{libfdt.h,fdt.h,libfdt_env.h}
#   build/sysroot/<ARCH>/lib/libfdt.a
#   build/sysroot/<ARCH>/libfdt-undefined.txt   symbols libfdt.a needs from outside
#                                               (what keel's own mini-libc must provide)
# Cached; a rerun prints one line.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/fetch-sysroot.sh [--force] ARCH

Download Debian trixie's libfdt-dev for ARCH (riscv64 | aarch64; arm64 is a
synonym of aarch64) from the Debian mirror of this machine's apt configuration
and arrange it under build/sysroot/ARCH/:
  include/libfdt.h include/fdt.h include/libfdt_env.h
  lib/libfdt.a
  libfdt-undefined.txt   undefined symbols of libfdt.a (<cross>-nm -u), one a line
The undefined-symbol list is printed when the sysroot is first built.

Options:
  --force, -f   rebuild even if cached (also KEEL_FORCE=1)
  --help, -h    this text
EOF
}

die() {
    echo "fetch-sysroot: error: $*" >&2
    exit 1
}

force="${KEEL_FORCE:-0}"
arch=""
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        -f | --force) force=1 ;;
        -*) echo "fetch-sysroot: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *)
            [[ -z "$arch" ]] || { echo "fetch-sysroot: error: more than one ARCH given (see --help)" >&2; exit 2; }
            arch="$1"
            ;;
    esac
    shift
done
case "$arch" in
    riscv64) debarch=riscv64; triplet=riscv64-linux-gnu ;;
    aarch64 | arm64) arch=aarch64; debarch=arm64; triplet=aarch64-linux-gnu ;;
    "") echo "fetch-sysroot: error: no ARCH given (riscv64 or aarch64; see --help)" >&2; exit 2 ;;
    *) echo "fetch-sysroot: error: unknown ARCH '$arch' (expected riscv64 or aarch64)" >&2; exit 2 ;;
esac

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KEEL_ROOT="$(cd "$script_dir/.." && pwd)"
: "${KEEL_BUILD_DIR:=$KEEL_ROOT/build}"
# shellcheck source-path=SCRIPTDIR source=lib/debfetch.sh
source "$script_dir/lib/debfetch.sh"

out="$KEEL_BUILD_DIR/sysroot/$arch"
stamp="$out/.stamp"
rel="${out#"$KEEL_ROOT"/}"
mkdir -p "$out"
exec {lockfd}>"$out/.lock"
flock -w 900 "$lockfd" || die "timed out waiting for $out/.lock (another fetch-sysroot $arch running?)"

recipe="$(cat "${BASH_SOURCE[0]}" "$script_dir/lib/debfetch.sh" | sha256sum | cut -d' ' -f1)"
if [[ "$force" != 1 && -f "$stamp" && "$(sed -n 1p "$stamp")" == "$recipe" &&
    -s "$out/lib/libfdt.a" && -s "$out/include/libfdt.h" && -s "$out/include/fdt.h" &&
    -s "$out/include/libfdt_env.h" && -f "$out/libfdt-undefined.txt" ]]; then
    echo "fetch-sysroot: $arch sysroot cached in $rel ($(sed -n 2p "$stamp"))"
    exit 0
fi

nm="$triplet-nm"
command -v "$nm" >/dev/null || die "$nm not found (run scripts/setup.sh: binutils-$triplet)"

work="$out/.work"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

debfetch_init "$debarch"
deb="$(debfetch_download "$debarch" libfdt-dev)"
dpkg-deb -x "$deb" "$work/x" || die "could not unpack $deb"

rm -rf "${out:?}/include" "${out:?}/lib"
mkdir -p "$out/include" "$out/lib"
for h in libfdt.h fdt.h libfdt_env.h; do
    src="$(find "$work/x/usr/include" -name "$h" -type f -print -quit 2>/dev/null)"
    [[ -n "$src" ]] || die "$h not in $(basename "$deb") (Debian moved it? check dpkg-deb -c)"
    install -m 0644 "$src" "$out/include/$h"
done
lib="$work/x/usr/lib/$triplet/libfdt.a"
[[ -f "$lib" ]] || lib="$(find "$work/x" -name libfdt.a -type f -print -quit)"
[[ -n "$lib" && -f "$lib" ]] || die "libfdt.a not in $(basename "$deb")"
install -m 0644 "$lib" "$out/lib/libfdt.a"

# Symbols the archive uses but does not define itself (an archive's members
# may call each other, so drop whatever some member defines).
"$nm" -u "$out/lib/libfdt.a" 2>/dev/null | awk 'NF >= 2 && $1 == "U" { print $2 } NF == 1 && $1 !~ /:$/ { print $1 }' |
    LC_ALL=C sort -u >"$work/undef" || die "$nm -u failed on libfdt.a"
"$nm" --defined-only "$out/lib/libfdt.a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBRtdbrWVGS]/ { print $3 }' |
    LC_ALL=C sort -u >"$work/def"
LC_ALL=C comm -23 "$work/undef" "$work/def" >"$out/libfdt-undefined.txt"

version="libfdt-dev $(dpkg-deb -f "$deb" Version)"
printf '%s\n%s\n' "$recipe" "$version" >"$stamp"
echo "fetch-sysroot: built $arch sysroot in $rel ($version); libfdt.a needs:" \
    "$(paste -sd' ' "$out/libfdt-undefined.txt")"
