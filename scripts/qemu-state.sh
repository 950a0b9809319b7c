#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# qemu-state.sh: what every hart/core of a running QEMU is doing, and keel's own view of its
# VMs. run.sh calls it just before it kills a QEMU on --timeout, so that a hang leaves more than
# silence in the log.
#
#   qemu-state.sh riscv64|aarch64 RUN-DIR KEEL-ELF [SAMPLES]
#
# RUN-DIR holds what run.sh set up: mon.in/mon.out (a QEMU monitor on a FIFO pair, -chardev
# pipe), gdb.sock (QEMU's gdbstub, -gdb unix:) and serial.log (keel's banner gives its load
# address).
#  1. SAMPLES (default 3) snapshots of each hart through the monitor, 0.5 s apart (a pc that
#     does not move is a wfi or a tight loop), keel addresses symbolised with addr2line;
#  2. with gdb-multiarch: keel's VMs, vCPUs (state, requests, interrupt lines, timers) and
#     harts (current, loaded vCPU), read from keel's memory with keel.elf's symbols; and the
#     tail of each Linux VM's printk ring, found in guest RAM past its kernel image (where
#     Linux was, even before its console printed anything);
#  3. the monitor's full register dump of the last snapshot.
# Writes to stdout; exits 0 even when QEMU does not answer (it says so).
set -uo pipefail

arch="$1" dir="$2" elf="$3" samples="${4:-3}"
case "$arch" in
    riscv64) cross=riscv64-linux-gnu- ;;
    aarch64) cross=aarch64-linux-gnu- ;;
    *) echo "qemu-state.sh: unknown arch '$arch'"; exit 2 ;;
esac

# keel's banner: "keel: RAM ... ; keel at 0xSTART-0xEND"
load="" end=""
if banner="$(grep -aoE 'keel at 0x[0-9a-f]+-0x[0-9a-f]+' "$dir/serial.log" 2>/dev/null | head -1)" &&
    [ -n "$banner" ]; then
    load=$(($(sed -E 's/keel at (0x[0-9a-f]+)-.*/\1/' <<<"$banner")))
    end=$(($(sed -E 's/.*-(0x[0-9a-f]+)/\1/' <<<"$banner")))
fi
link="$("${cross}nm" "$elf" 2>/dev/null | awk '$3 == "_start" { print "0x" $1 }')"

# " [keel: fn file:line < caller file:line]" for an address inside keel, "" otherwise
where() {
    local a=$((16#$1))
    [ -n "$load" ] && [ -n "$link" ] || return 0
    ((a >= load && a < end)) || return 0
    local off=$((a - load + link)) out
    out="$("${cross}addr2line" -f -i -s -e "$elf" "$(printf '0x%x' "$off")" 2>/dev/null |
        awk 'NR % 2 { f = $0; next } { printf "%s%s %s", (n++ ? " < " : ""), f, $0 }')"
    [ -n "$out" ] && printf ' [keel: %s]' "$out"
}

# ---- 1. the harts, through the monitor -----------------------------------------------------
if [ ! -p "$dir/mon.in" ] || [ ! -p "$dir/mon.out" ]; then
    echo "qemu-state.sh: no QEMU monitor FIFOs at $dir/mon.in/.out"
    exit 0
fi
exec 7<>"$dir/mon.out" 8<>"$dir/mon.in"

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

# ---- 2. keel's view, through the gdbstub ---------------------------------------------------
if ! command -v gdb-multiarch >/dev/null; then
    echo "-- keel's view: gdb-multiarch is not installed (scripts/setup.sh installs it)"
elif [ ! -S "$dir/gdb.sock" ] || [ -z "$load" ]; then
    echo "-- keel's view: no gdbstub socket or no keel banner in the log"
else
    case "$arch" in
        riscv64)
            vcpu_fields='printf "      at its last exit: sepc 0x%lx hstatus 0x%lx hvip 0x%lx vsie 0x%lx irq_raise 0x%lx ext_line %u in_guest %u\n", $w->arch.ctx.sepc, $w->arch.ctx.hstatus, $w->arch.hvip, $w->arch.vsie, $w->arch.irq_raise, $w->arch.ext_line, $w->arch.in_guest
printf "      vstimecmp 0x%lx (saved) timer_deadline 0x%lx sstc %d reload %d\n", $w->arch.vstimecmp, $w->arch.timer_deadline, $w->arch.sstc, $w->arch.reload'
            ;;
        aarch64)
            vcpu_fields='printf "      at its last exit: elr 0x%lx spsr 0x%lx lr_used 0x%x nr_lrs_used %u vtimer_lr %u vtimer_held %d vgic_dirty %u\n", $w->arch.ctx.elr, $w->arch.ctx.spsr, $w->arch.lr_used, $w->arch.nr_lrs_used, $w->arch.vtimer_lr, $w->arch.vtimer_held, $w->arch.vgic_dirty
printf "      cntv_ctl 0x%lx cntv_cval 0x%lx (saved) gich_apr 0x%x reload %d\n", $w->arch.el1.cntv_ctl, $w->arch.el1.cntv_cval, $w->arch.gich_apr, $w->arch.reload'
            ;;
    esac
    # Each Linux VM's printk ring (__log_buf, in the kernel's BSS just past the Image file):
    # copy the 2 MiB after the file's end out of guest RAM, first (a gdb error later in the
    # script ends it). keel's banner gives, per VM,
    # "kernel NAME (N KiB) at GPA G" and "M MiB RAM at GPA R (HPA H)".
    logs=() dumps=""
    while read -r name kib kgpa; do
        ram="$(grep -aoE "keel: VM '$name': [0-9]+ vCPU\(s\), [0-9]+ MiB RAM at GPA 0x[0-9a-f]+ \(HPA 0x[0-9a-f]+\)" \
            "$dir/serial.log" | head -1)"
        [ -n "$ram" ] && ((kib >= 1024)) || continue
        mib=$(sed -E 's/.* ([0-9]+) MiB RAM.*/\1/' <<<"$ram")
        rgpa=$(sed -E 's/.*RAM at GPA (0x[0-9a-f]+).*/\1/' <<<"$ram")
        hpa=$(sed -E 's/.*\(HPA (0x[0-9a-f]+)\).*/\1/' <<<"$ram")
        from=$((hpa + kgpa - rgpa + kib * 1024 - 4096))
        to=$((from + 2 * 1024 * 1024))
        ((to <= hpa + mib * 1024 * 1024)) || to=$((hpa + mib * 1024 * 1024))
        dumps+="$(printf 'dump binary memory %s/printk-%s.bin 0x%x 0x%x' "$dir" "$name" "$from" "$to")"$'\n'
        logs+=("$name")
    done < <(grep -aoE "keel: VM '[^']+': kernel [^ ]+ \([0-9]+ KiB\) at GPA 0x[0-9a-f]+" "$dir/serial.log" |
        sed -E "s/keel: VM '([^']+)': kernel [^ ]+ \(([0-9]+) KiB\) at GPA (0x[0-9a-f]+)/\1 \2 \3/" | sort -u -k1,1)
    cat >"$dir/state.gdb" <<GDB
set pagination off
set confirm off
set width 0
target remote $dir/gdb.sock
maint packet Qqemu.PhyMemMode:1
add-symbol-file $elf -o $(printf '0x%x' $((load - link)))
${dumps}printf "-- keel's view (vCPU state: 0 OFF, 1 RUNNABLE, 2 BLOCKED; VM state: 0 RUNNING, 1 SHUTDOWN, 2 REBOOT)\n"
set \$h = 0
while \$h < pcpu_count
  set \$p = &pcpu_stacks[\$h].pcpu
  printf "hart %u (id 0x%lx) online %u current %p loaded %p\n", \$p->index, \$p->hw_id, \$p->online, \$p->current, \$p->loaded
  set \$h = \$h + 1
end
set \$i = 0
while \$i < nr_vms
  printf "VM %u '%s' state %u\n", \$i, vms[\$i].name, vms[\$i].state
  set \$j = 0
  while \$j < vms[\$i].nr_vcpus
    set \$w = &vms[\$i].vcpus[\$j]
    printf "  vCPU %u at %p: state %u requests 0x%x hart %u suspended %d\n", \$j, \$w, \$w->state, \$w->requests, \$w->pcpu, \$w->suspended
$vcpu_fields
    set \$j = \$j + 1
  end
  set \$i = \$i + 1
end
GDB
    # detach as a command of its own: gdb goes on with it after an error in the script, and
    # quitting while attached would kill QEMU
    timeout 30 gdb-multiarch -nx -batch -x "$dir/state.gdb" -ex detach 2>&1 |
        grep -vE '^(warning: No executable|determining executable|sending: |received: |add symbol table|\[Inferior|0x[0-9a-f]+ in \?\? \(\))'
    for name in "${logs[@]}"; do
        f="$dir/printk-$name.bin"
        at="$(grep -aob 'Linux version ' "$f" 2>/dev/null | tail -1 | cut -d: -f1)"
        if [ -z "$at" ]; then
            echo "-- VM '$name': no Linux printk ring found past its kernel image"
            continue
        fi
        echo "-- VM '$name': the last lines of Linux's printk ring, read from guest RAM (printed or not;"
        echo "   in ring order, which wraps once 128 KiB are full; each line may end in padding bytes)"
        tail -c +$((at + 1)) "$f" | head -c 131072 | strings -n 4 | tail -n 40 | sed 's/^/   /'
    done
fi

echo "-- registers of snapshot $samples"
grep -vE '^ ?(f[0-9]+/|Q[0-9]+=)' <<<"$dump"
exit 0
