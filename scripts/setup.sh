#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# setup.sh: install (Debian apt) everything keel's build, run and tests need,
# for both target ISAs.  Idempotent: when all is present it prints one line
# and takes well under a second (no apt-get update).
set -euo pipefail

packages=(
    # host build
    cmake make gcc libc6-dev
    # cross toolchains (freestanding keel image, guests)
    gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu
    gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
    # emulators + firmware
    qemu-system-misc qemu-system-arm opensbi u-boot-qemu
    # run.sh --uboot: the boot disk's ext2 file system (mke2fs -d; scripts/uboot-args.sh)
    e2fsprogs
    # run.sh --timeout: keel's VMs and vCPUs at a hang, read through QEMU's gdbstub
    gdb-multiarch
    # device trees
    device-tree-compiler libfdt-dev
    # scripts/fetch-guest.sh, fetch-sysroot.sh (apt-get download into a private root)
    apt dpkg tar cpio gzip xz-utils zstd util-linux debian-archive-keyring ca-certificates
)

case "${1:-}" in
    -h | --help)
        echo "Usage: scripts/setup.sh   (installs: ${packages[*]})"
        exit 0
        ;;
    "") ;;
    *) echo "setup: error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null || {
    echo "setup: error: dpkg-query not found: this script needs a Debian/Ubuntu host with apt" >&2
    exit 1
}

missing=()
# one dpkg-query for all; packages unknown to dpkg are missing too
installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)"
for p in "${packages[@]}"; do
    if ! grep -qE "^$p(:[a-z0-9]+)? ii" <<<"$installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "setup: all ${#packages[@]} packages present"
    exit 0
fi

sudo=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo=(sudo)
    elif command -v sudo >/dev/null && [[ -t 0 ]]; then
        sudo=(sudo) # will prompt for a password
    else
        echo "setup: error: not root and no usable sudo; missing packages: ${missing[*]}" >&2
        echo "setup: run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
fi

echo "setup: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "${sudo[@]}" apt-get -q update >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: error: apt-get update failed (network or apt sources; see above)" >&2
    exit 1
fi
if ! "${sudo[@]}" apt-get -q -y --no-install-recommends install "${missing[@]}" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "setup: error: apt-get install failed for: ${missing[*]} (see above)" >&2
    exit 1
fi
echo "setup: installed: ${missing[*]}"
