#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# expect.sh: run a command, keep its log, and judge it by exit status and log lines.
# Usage: tests/qemu/expect.sh --log FILE --exit N [--expect REGEX]... [--reject REGEX]... -- CMD...
#   --exit N       the exit status the command must return ("nonzero" accepts any but 0)
#   --expect RE    an extended regex that must match some line of the log (in the given order)
#   --reject RE    an extended regex that must match no line
#   --send-after RE TEXT
#                  once a log line matches RE (these too in the given order), write TEXT
#                  (printf %b escapes: \r, \x01 ...) to the command's standard input
#   --when-seen RE a step among the --send-after ones: wait until some line of the whole log
#                  matches RE (for lines whose order is not fixed, e.g. two VMs' banners),
#                  without moving the point from which the next --send-after searches
# Prints every failed condition and the log's tail; exit 0 only when all hold.
set -uo pipefail
log="" want_exit="" expects=() rejects=() send_res=() send_texts=() send_kinds=()
while (($#)); do
    case "$1" in
        --log) log="$2"; shift 2 ;;
        --exit) want_exit="$2"; shift 2 ;;
        --expect) expects+=("$2"); shift 2 ;;
        --reject) rejects+=("$2"); shift 2 ;;
        --send-after) send_res+=("$2"); send_texts+=("$3"); send_kinds+=(send); shift 3 ;;
        --when-seen) send_res+=("$2"); send_texts+=(""); send_kinds+=(when); shift 2 ;;
        --) shift; break ;;
        *) echo "expect.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$log" ] && [ -n "$want_exit" ] && (($#)) || { echo "expect.sh: usage error" >&2; exit 2; }
mkdir -p "$(dirname "$log")"
start=$(date +%s)
if ((${#send_res[@]} == 0)); then
    "$@" </dev/null >"$log" 2>&1
    rc=$?
else
    # Standard input is a FIFO that stays open until the command exits; each TEXT is written
    # when its RE first matches a log line after the previous RE's match.
    fifo=$(mktemp -u "${TMPDIR:-/tmp}/expect-stdin.XXXXXX")
    mkfifo "$fifo"
    : >"$log"
    "$@" <"$fifo" >"$log" 2>&1 &
    pid=$!
    exec 3>"$fifo"
    rm -f "$fifo"
    seen=0
    for i in "${!send_res[@]}"; do
        while kill -0 "$pid" 2>/dev/null; do
            if [ "${send_kinds[$i]}" = when ]; then
                grep -q -E -a -- "${send_res[$i]}" "$log" && break
                sleep 0.2
                continue
            fi
            at=$(tail -n +$((seen + 1)) "$log" | grep -n -E -m1 -a -- "${send_res[$i]}" | cut -d: -f1)
            if [ -n "$at" ]; then
                seen=$((seen + at))
                printf '%b' "${send_texts[$i]}" >&3
                break
            fi
            sleep 0.2
        done
    done
    wait "$pid"
    rc=$?
    exec 3>&-
fi
elapsed=$(($(date +%s) - start))
fail=0
if [ "$want_exit" = nonzero ]; then
    ((rc != 0)) || { echo "FAIL: exit status 0, expected non-zero"; fail=1; }
elif ((rc != want_exit)); then
    echo "FAIL: exit status $rc, expected $want_exit"
    fail=1
fi
# expected lines must appear in order
line_no=0
for re in "${expects[@]}"; do
    found=$(tail -n +$((line_no + 1)) "$log" | grep -n -E -m1 -a -- "$re" | cut -d: -f1)
    if [ -z "$found" ]; then
        echo "FAIL: no line matching /$re/ (after line $line_no)"
        fail=1
    else
        line_no=$((line_no + found))
    fi
done
for re in "${rejects[@]}"; do
    if grep -q -E -a -- "$re" "$log"; then
        echo "FAIL: a line matches rejected /$re/: $(grep -m1 -E -a -- "$re" "$log")"
        fail=1
    fi
done
if ((fail)); then
    echo "---- last 40 lines of $log ----"
    tail -n 40 "$log"
    exit 1
fi
echo "ok: exit $rc, ${#expects[@]} expected lines in order, ${elapsed}s ($log)"
