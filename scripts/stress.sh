#!/usr/bin/env bash
# `make stress DURATION=...`: the lock torture module (torture/torture.c) for every lock type,
# DURATION seconds each (default 30), in a guest of each debug test kernel: kasan (KASAN +
# lockdep) and kcsan (KCSAN + lockdep). bsdsync is loaded with witness=1 lock_prof=1 in a
# second pass (WITNESS_PASS=0 skips it), so the checkers' sinks see the same beating: with a
# sink attached the primitives run their event slow paths, without one their fast paths.
# Prints each type's outcome (scripts/torture.sh); the last line is "N passed, N failed";
# exits non-zero if anything failed. Logs: build/logs/stress-<variant>[-witness].log.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS=$ROOT/scripts
LOGS=$ROOT/build/logs
DURATION=${1:-${DURATION:-30}}
mkdir -p "$LOGS"
pass=0 fail=0
for v in kasan kcsan; do
    kdir=$(bash "$SCRIPTS/build-test-kernel.sh" "$v" 2>"$LOGS/stress-testkernel-$v.log" | tail -n 1)
    b=$ROOT/build/stress-$v
    echo "[stress] $v: building bsdsync.ko and bsdsync_torture.ko"
    make -C "$ROOT" --no-print-directory kunit KDIR="$kdir" BUILD="$b" >"$LOGS/stress-build-$v.log" 2>&1 ||
        { echo "FAIL $v: build (see $LOGS/stress-build-$v.log)"; fail=$((fail + 1)); continue; }
    passes=("plain:")
    [[ ${WITNESS_PASS:-1} == 0 ]] || passes+=("witness:witness=1 lock_prof=1")
    for p in "${passes[@]}"; do
        name=${p%%:*} bparams=${p#*:}
        log=$LOGS/stress-$v${bparams:+-witness}.log
        echo "[stress] $v ($name): $DURATION s per type"
        while IFS= read -r line; do
            echo "$v ($name): $line"
            [[ $line == PASS* ]] && pass=$((pass + 1)) || fail=$((fail + 1))
        done < <(bash "$SCRIPTS/torture.sh" --kernel "$kdir/arch/x86/boot/bzImage" --build "$b" \
                     --duration "$DURATION" --params "stat_interval=$(( DURATION > 10 ? 10 : DURATION ))" \
                     --bsdsync-params "$bparams" --log "$log" || true)
    done
done
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
