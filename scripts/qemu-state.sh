#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# qemu-state.sh: what every hart/core of a running QEMU is doing, read through a QEMU monitor on
# a FIFO pair (-chardev pipe,path=BASE: BASE.in, BASE.out). run.sh calls it just before it kills
# a QEMU on --timeout, so that a hang leaves more than silence in the log.
#
#   qemu-state.sh riscv64|aarch64 FIFO-BASE SERIAL-LOG KEEL-ELF [SAMPLES]
#
# Prints SAMPLES (default 3) snapshots of each hart, 0.5 s apart (a pc that does not move is
# a wfi or a tight loop; one that moves within a function is a spin), each keel address
# symbolised with addr2line (keel's load address is read from its banner in SERIAL-LOG), then the
# whole register dump of the last snapshot. Writes to stdout; exits 0 even when QEMU does not
# answer (it says so).
set -uo pipefail

arch="$1" base="$2" serial="$3" elf="$4" samples="${5:-3}"
case "$arch" in
    riscv64) cross=riscv64-linux-gnu- ;;
    aarch64) cross=aarch64-linux-gnu- ;;
    *) echo "qemu-state.sh: unknown arch '$arch'"; exit 2 ;;
esac

# keel's banner: "keel: RAM ... ; keel at 0xSTART-0xEND"
load="" end=""
if banner="$(grep -aoE 'keel at 0x[0-9a-f]+-0x[0-9a-f]+' "$serial" 2>/dev/null | head -1)" && [ -n "$banner" ]; then
    load=$(($(sed -E 's/keel at (0x[0-9a-f]+)-.*/\1/' <<<"$banner")))
    end=$(($(sed -E 's/.*-(0x[0-9a-f]+)/\1/' <<<"$banner")))
fi
link="$("${cross}nm" "$elf" 2>/dev/null | awk '$3 == "_start" { print "0x" $1 }')"

# "keel: fn (file:line)" for an address inside keel, "" otherwise
where() {
    local a=$((16#$1))
    [ -n "$load" ] && [ -n "$link" ] || return 0
    ((a >= load && a < end)) || return 0
    local off=$((a - load + link)) out
    # innermost first, through the inlined callers: "fn file:line < caller file:line"
    out="$("${cross}addr2line" -f -i -s -e "$elf" "$(printf '0x%x' "$off")" 2>/dev/null |
        awk 'NR % 2 { f = $0; next } { printf "%s%s %s", (n++ ? " < " : ""), f, $0 }')"
    [ -n "$out" ] && printf ' [keel: %s]' "$out"
}

if [ ! -p "$base.in" ] || [ ! -p "$base.out" ]; then
    echo "qemu-state.sh: no QEMU monitor FIFOs at $base.in/.out"
    exit 0
fi
exec 7<>"$base.out" 8<>"$base.in"
# One monitor command's answer: the text up to the next "(qemu) " prompt (2 s at most).
ask() {
    local out="" chunk
    printf '%s\n' "$1" >&8
    while IFS= read -r -d ')' -t 2 chunk <&7; do
        out+="$chunk)"
        [[ "$out" == *CPU#* && "$chunk" == *"(qemu" ]] && break
    done
    tr -d '\r' <<<"${out%(qemu)}" | sed -n '/^CPU#/,$p'
}

dump=""
for ((s = 1; s <= samples; s++)); do
    dump="$(ask 'info registers -a')"
    if [ -z "$dump" ]; then
        echo "qemu-state.sh: QEMU's monitor did not answer"
        exit 0
    fi
    echo "-- snapshot $s of $samples"
    case "$arch" in
        riscv64)
            while read -r cpu v pc ra sepc scause stval hst vsepc vscause mip; do
                printf '%s V=%s pc %s%s ra %s%s\n' "$cpu" "$v" "$pc" "$(where "$pc")" "$ra" "$(where "$ra")"
                printf '      sepc %s scause %s stval %s hstatus %s vsepc %s vscause %s mip %s\n' \
                    "$sepc" "$scause" "$stval" "$hst" "$vsepc" "$vscause" "$mip"
            done < <(awk '
                /^CPU#/ { if (cpu != "") print cpu, v, pc, ra, sepc, sc, st, hs, vsepc, vsc, mip; cpu = $1 }
                $1 == "V" { v = $3 }
                $1 == "pc" { pc = $2 } $1 == "sepc" { sepc = $2 } $1 == "scause" { sc = $2 }
                $1 == "stval" { st = $2 } $1 == "hstatus" { hs = $2 } $1 == "vsepc" { vsepc = $2 }
                $1 == "vscause" { vsc = $2 } $1 == "mip" { mip = $2 }
                { for (i = 1; i < NF; i++) if ($i == "x1/ra") ra = $(i + 1) }
                END { if (cpu != "") print cpu, v, pc, ra, sepc, sc, st, hs, vsepc, vsc, mip }' <<<"$dump")
            ;;
        aarch64)
            while read -r cpu pc lr pstate el; do
                printf '%s %s pc %s%s lr %s%s pstate %s\n' "$cpu" "$el" "$pc" "$(where "$pc")" \
                    "$lr" "$(where "$lr")" "$pstate"
            done < <(awk '
                /^CPU#/ { if (cpu != "") print cpu, pc, lr, ps, el; cpu = $1 }
                { for (i = 1; i <= NF; i++) {
                      if ($i ~ /^PC=/) pc = substr($i, 4)
                      if ($i ~ /^X30=/) lr = substr($i, 5)
                      if ($i ~ /^PSTATE=/) { ps = substr($i, 8); el = $(i + 2) } } }
                END { if (cpu != "") print cpu, pc, lr, ps, el }' <<<"$dump")
            ;;
    esac
    ((s == samples)) || sleep 0.5
done
echo "-- registers of snapshot $samples"
grep -vE '^ ?(f[0-9]+/|Q[0-9]+=)' <<<"$dump"
exit 0
