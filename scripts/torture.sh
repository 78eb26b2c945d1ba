#!/usr/bin/env bash
# Run bsdsync_torture.ko (torture/torture.c) in a guest of one debug test kernel and judge
# its RESULT lines: each lock type SUCCESS, the broken control type FAILURE (its line says
# "expected"), and no kernel report in the console (lockdep, KASAN, KCSAN, WARN, BUG...).
#
#   scripts/torture.sh --kernel BZIMAGE --build BUILD_DIR --duration SECONDS --log CONSOLE
#                      [--types all|a,b,c] [--params "stutter=300 stat_interval=1"]
#                      [--bsdsync-params "witness=1"]
#
# BUILD_DIR is a `make kunit` build (bsdsync.ko, torture/bsdsync_torture.ko). Prints one line
# per type, "PASS <type>: ..." or "FAIL <type>: ...", then "PASS kernel reports: none" or
# "FAIL kernel reports: N" (and "FAIL guest: ..." if the guest did not finish); exits non-zero
# if any line is FAIL. Used by scripts/test.sh (a few seconds per type) and `make stress`.
set -euo pipefail
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel='' build='' duration=5 log='' types=all params='' bparams=''
while [[ $# -gt 0 ]]; do
    case $1 in
        --kernel) kernel=$2; shift 2 ;;
        --build) build=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        --types) types=$2; shift 2 ;;
        --params) params=$2; shift 2 ;;
        --bsdsync-params) bparams=$2; shift 2 ;;
        *) echo "torture.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $kernel && -n $build && -n $log ]] || { echo "torture.sh: --kernel, --build, --log" >&2; exit 2; }
script=$(mktemp)
trap 'rm -f "$script"' EXIT
cat >"$script" <<GUEST
echo 600 > /proc/sys/kernel/hung_task_timeout_secs || exit 1
insmod /mod/bsdsync.ko $bparams || exit 1
insmod /mod/bsdsync_torture.ko type=$types duration=$duration $params || exit 1
rmmod bsdsync_torture || exit 1
rmmod bsdsync || exit 1
GUEST
# About 15 types (torture/*_types.c and the control) run one after the other, each
# `duration` seconds, plus boot and slack.
timeout=$((15 * duration * 3 + 300))
guest_ok=1
bash "$SCRIPTS/guest.sh" --kernel "$kernel" --module "$build/bsdsync.ko" \
    --module "$build/torture/bsdsync_torture.ko" --script "$script" --timeout "$timeout" \
    --log "$log" >/dev/null 2>&1 || guest_ok=0
fail=0
while IFS= read -r line; do
    t=$(sed -n 's/.*bsdsync_torture: RESULT \([^ ]*\) .*/\1/p' <<<"$line")
    detail=${line#*RESULT $t }
    if [[ $line == *" SUCCESS ("* && $line != *expected* ]] ||
       [[ $line == *" FAILURE ("*") expected: the broken control type"* ]]; then
        echo "PASS $t: $detail"
    else
        echo "FAIL $t: $detail"; fail=1
    fi
done < <(grep 'bsdsync_torture: RESULT ' "$log" || true)
if ! grep -q 'bsdsync_torture: done: ' "$log"; then
    echo "FAIL guest: the torture run did not finish (see $log)"; fail=1
elif [[ $guest_ok == 0 ]]; then
    echo "FAIL guest: the guest script failed (see $log)"; fail=1
fi
reports=$(python3 "$SCRIPTS/ktap-summary.py" --reports-only --name torture "$log" 2>/dev/null |
          sed -n 's/^KTAP_SUMMARY .*reports=\([0-9]*\).*/\1/p' | tail -n 1)
if [[ ${reports:-1} == 0 ]]; then
    echo "PASS kernel reports: none"
else
    echo "FAIL kernel reports: ${reports:-?} (see $log)"; fail=1
fi
exit $fail
