#!/usr/bin/env bash
# Every bsdsync test (what `make test` runs):
#   1. deps (apt), 2. the debug test kernel (cached),
#   3. KUnit: bsdsync.ko + bsdsync_kunit.ko in a guest of the debug kernel (KASAN, lockdep),
#   4. warning-free builds of bsdsync.ko and the examples against stock Debian 6.1 and 6.12
#      headers, no constructor sections in any .ko,
#   5. stock Debian 6.1 kernel in a guest: load and unload bsdsync.ko and the examples.
# Each KUnit case counts as one test and so does each rig check. The last line printed is
# exactly "N passed, N failed" (", N skipped" appended if any); the exit status is non-zero
# if anything failed. Logs: build/logs/.
#
# Environment: KUNIT_TIMEOUT (guest seconds, default 900), BSDSYNC_CACHE (kernel cache),
# JOBS, SKIP_DEPS=1 (do not run deps.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS=$ROOT/scripts
LOGS=$ROOT/build/logs
KUNIT_TIMEOUT=${KUNIT_TIMEOUT:-900}
STOCK_TIMEOUT=${STOCK_TIMEOUT:-300}
mkdir -p "$LOGS"
# Stale logs of an earlier run would mislead; .ci/run's own log is being written right now.
find "$LOGS" -maxdepth 1 -type f ! -name ci.log -delete

T0=$SECONDS
checks_pass=0 checks_fail=0 checks_skip=0
kunit_pass=0 kunit_fail=0 kunit_skip=0
summary=()          # one line per rig check, printed at the end

say() { printf '[test %4ds] %s\n' $((SECONDS - T0)) "$*"; }

# record STATUS NAME [DETAIL]: one rig check's outcome.
record() {
    local status=$1 name=$2 detail=${3:-}
    case $status in
        PASS) checks_pass=$((checks_pass + 1)) ;;
        FAIL) checks_fail=$((checks_fail + 1)) ;;
        SKIP) checks_skip=$((checks_skip + 1)) ;;
    esac
    summary+=("$(printf '%-4s %s%s' "$status" "$name" "${detail:+ ($detail)}")")
    say "$status: $name${detail:+ ($detail)}"
}

# show_tail LOG [N]: the end of a failing step's log.
show_tail() {
    echo "---- last ${2:-40} lines of $1 ----"
    tail -n "${2:-40}" "$1" | sed 's/^/    /'
    echo "----"
}

# no_warnings LOG: Kbuild, the compilers, modpost and objtool all say "warning:" (modpost in
# capitals); any of them fails a "clean" build check.
no_warnings() { ! grep -qi 'warning:' "$1"; }

# no_ctors KO...: the Debian module loader never runs constructors (CONFIG_CONSTRUCTORS off).
no_ctors() {
    local ko bad=0
    for ko in "$@"; do
        if readelf -SW "$ko" | grep -qE '\.(init|fini)_array|\.ctors|\.dtors'; then
            echo "constructor sections in $ko:"; readelf -SW "$ko" | grep -E '_array|ctors|dtors'
            bad=1
        fi
    done
    return $bad
}

examples_present() { compgen -G "$ROOT/examples/*/Kbuild" >/dev/null || compgen -G "$ROOT/examples/*/Makefile" >/dev/null; }

# newest_headers PATTERN: newest /usr/src/linux-headers-<PATTERN> directory, by version.
newest_headers() { ls -1d /usr/src/linux-headers-$1 2>/dev/null | sort -V | tail -n 1; }

# kernel_release KDIR: the running-kernel name (as in /boot/vmlinuz-NAME). Not
# include/config/kernel.release: Debian's 6.1 headers have "6.1.192" there.
kernel_release() {
    sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h" 2>/dev/null |
        grep . || basename "$1" | sed 's/^linux-headers-//'
}

finish() {
    echo
    echo "================ bsdsync test summary ($((SECONDS - T0)) s) ================"
    printf '%s\n' "${summary[@]}"
    echo "KUnit cases: $kunit_pass passed, $kunit_fail failed, $kunit_skip skipped"
    echo "logs: $LOGS"
    local p=$((checks_pass + kunit_pass)) f=$((checks_fail + kunit_fail)) s=$((checks_skip + kunit_skip))
    local line="$p passed, $f failed"
    ((s)) && line+=", $s skipped"
    echo "$line"
    ((f == 0))
}

# ---------------------------------------------------------------------------------------
# 1. deps
if [[ ${SKIP_DEPS:-0} != 1 ]]; then
    say "installing dependencies (scripts/deps.sh)"
    if ! bash "$SCRIPTS/deps.sh" 2>&1 | tee "$LOGS/deps.log"; then
        record FAIL "dependencies installed" "see $LOGS/deps.log"
        finish; exit 1
    fi
fi

# ---------------------------------------------------------------------------------------
# 2. debug test kernel
say "debug test kernel (built once, then cached)"
t=$SECONDS
if KDBG=$(bash "$SCRIPTS/build-test-kernel.sh" 2> >(tee "$LOGS/testkernel.log" >&2) | tail -n 1) &&
   [[ -n $KDBG && -f $KDBG/arch/x86/boot/bzImage ]]; then
    say "debug kernel ready in $((SECONDS - t)) s: $KDBG"
else
    KDBG=
    record FAIL "debug test kernel builds" "see $LOGS/testkernel.log"
fi

# ---------------------------------------------------------------------------------------
# 3. KUnit in the debug kernel
if [[ -n $KDBG ]]; then
    B=$ROOT/build/test-debugkernel
    rm -rf "$B"
    say "building bsdsync.ko + bsdsync_kunit.ko against the debug kernel"
    if make -C "$ROOT" --no-print-directory kunit KDIR="$KDBG" BUILD="$B" >"$LOGS/kunit-build.log" 2>&1; then
        if no_warnings "$LOGS/kunit-build.log"; then
            record PASS "debug kernel: bsdsync.ko + bsdsync_kunit.ko build warning-free"
        else
            record FAIL "debug kernel: bsdsync.ko + bsdsync_kunit.ko build warning-free" "warnings"
            grep -i 'warning:' "$LOGS/kunit-build.log" | head -n 20
        fi

        cat >"$LOGS/kunit-guest.sh" <<'EOF'
insmod /mod/bsdsync.ko || exit 1
echo "bsdsync-test: running KUnit suites (insmod bsdsync_kunit.ko)"
insmod /mod/bsdsync_kunit.ko || exit 1
rmmod bsdsync_kunit || exit 1
rmmod bsdsync || exit 1
EOF
        say "KUnit run in a debug-kernel guest (TCG, KASAN + lockdep; timeout ${KUNIT_TIMEOUT}s)"
        t=$SECONDS
        if bash "$SCRIPTS/guest.sh" --kernel "$KDBG/arch/x86/boot/bzImage" \
                --module "$B/bsdsync.ko" --module "$B/kunit/bsdsync_kunit.ko" \
                --script "$LOGS/kunit-guest.sh" --timeout "$KUNIT_TIMEOUT" \
                --log "$LOGS/kunit-console.log"; then
            record PASS "debug kernel: load, run KUnit, unload" "$((SECONDS - t)) s"
        else
            record FAIL "debug kernel: load, run KUnit, unload" "$((SECONDS - t)) s; see $LOGS/kunit-console.log"
        fi
        # Whatever happened in the guest, count what KUnit reported.
        python3 "$SCRIPTS/ktap-summary.py" --name kunit "$LOGS/kunit-console.log" \
            >"$LOGS/kunit-summary.log" 2>&1 || true
        grep -v '^KTAP_SUMMARY' "$LOGS/kunit-summary.log" || true
        read -r kunit_pass kunit_fail kunit_skip reports suites < <(
            sed -n 's/^KTAP_SUMMARY passed=\([0-9]*\) failed=\([0-9]*\) skipped=\([0-9]*\) reports=\([0-9]*\) suites=\([0-9]*\)$/\1 \2 \3 \4 \5/p' \
                "$LOGS/kunit-summary.log" | tail -n 1) || true
        kunit_pass=${kunit_pass:-0} kunit_fail=${kunit_fail:-0} kunit_skip=${kunit_skip:-0}
        if [[ -z ${suites:-} || $suites == 0 ]]; then
            record FAIL "debug kernel: KUnit printed results" "no KTAP found"
        else
            record PASS "debug kernel: KUnit printed results" "$suites suite(s)"
        fi
        if [[ ${reports:-1} == 0 ]]; then
            record PASS "debug kernel: no kernel reports (lockdep, KASAN, WARN, BUG...)"
        else
            record FAIL "debug kernel: no kernel reports (lockdep, KASAN, WARN, BUG...)" "${reports:-?} report(s)"
        fi
    else
        record FAIL "debug kernel: bsdsync.ko + bsdsync_kunit.ko build warning-free" "build failed"
        show_tail "$LOGS/kunit-build.log"
        record FAIL "debug kernel: load, run KUnit, unload" "not run: build failed"
    fi
else
    record FAIL "debug kernel: load, run KUnit, unload" "not run: no debug kernel"
fi

# ---------------------------------------------------------------------------------------
# 4. builds against stock Debian headers
declare -A BUILT=()     # kernel release -> build dir, for step 5
for series in 6.1 6.12; do
    case $series in
        6.1)  KDIR=$(newest_headers '6.1.*-amd64') ;;
        6.12) KDIR=$(newest_headers '6.12.*-amd64') ;;
    esac
    if [[ -z $KDIR ]]; then
        record FAIL "$series headers: bsdsync.ko builds warning-free" "no /usr/src/linux-headers-$series*-amd64"
        continue
    fi
    krel=$(kernel_release "$KDIR")
    # A directory of our own: a developer's `make` may be using build/<release>.
    B=$ROOT/build/test-$krel
    rm -rf "$B"
    log=$LOGS/build-$krel.log
    say "building bsdsync.ko against $krel headers"
    if make -C "$ROOT" --no-print-directory modules KDIR="$KDIR" BUILD="$B" >"$log" 2>&1; then
        if no_warnings "$log"; then
            record PASS "$series headers ($krel): bsdsync.ko builds warning-free"
            BUILT[$krel]=$B
        else
            record FAIL "$series headers ($krel): bsdsync.ko builds warning-free" "warnings; see $log"
            grep -i 'warning:' "$log" | head -n 20
            BUILT[$krel]=$B
        fi
    else
        record FAIL "$series headers ($krel): bsdsync.ko builds warning-free" "build failed; see $log"
        show_tail "$log"
        continue
    fi

    if examples_present; then
        log=$LOGS/examples-$krel.log
        say "building the examples against $krel headers"
        if make -C "$ROOT" --no-print-directory examples KDIR="$KDIR" BUILD="$B" >"$log" 2>&1; then
            if no_warnings "$log"; then
                record PASS "$series headers ($krel): examples build warning-free"
            else
                record FAIL "$series headers ($krel): examples build warning-free" "warnings; see $log"
                grep -i 'warning:' "$log" | head -n 20
            fi
        else
            record FAIL "$series headers ($krel): examples build warning-free" "build failed; see $log"
            show_tail "$log"
        fi
    else
        record SKIP "$series headers ($krel): examples build warning-free" "no examples yet"
    fi

    mapfile -t kos < <(find "$B" -name '*.ko' | sort)
    if no_ctors "${kos[@]}" >"$LOGS/ctors-$krel.log" 2>&1; then
        record PASS "$series headers ($krel): no .init_array/.ctors in ${#kos[@]} .ko"
    else
        record FAIL "$series headers ($krel): no .init_array/.ctors in any .ko" "see $LOGS/ctors-$krel.log"
        cat "$LOGS/ctors-$krel.log"
    fi
done

# ---------------------------------------------------------------------------------------
# 5. the stock Debian 6.1 kernel: load and unload everything
KDIR=$(newest_headers '6.1.*-amd64')
krel=${KDIR:+$(kernel_release "$KDIR")}
name="stock ${krel:-6.1} kernel: load/unload bsdsync.ko + examples"
if [[ -z $krel || -z ${BUILT[$krel]:-} ]]; then
    record FAIL "$name" "not run: no 6.1 build"
elif [[ ! -r /boot/vmlinuz-$krel ]]; then
    record FAIL "$name" "not run: /boot/vmlinuz-$krel missing (apt-get install linux-image-$krel)"
else
    B=${BUILT[$krel]}
    mods=(--module "$B/bsdsync.ko")
    names=()
    for ko in $(find "$B/examples" -name '*.ko' 2>/dev/null | sort); do
        mods+=(--module "$ko"); names+=("$(basename "$ko" .ko)")
    done
    {
        echo 'insmod /mod/bsdsync.ko || exit 1'
        for n in "${names[@]}"; do
            echo "echo 'bsdsync-test: example $n'"
            echo "insmod /mod/$n.ko || exit 1"
            echo "sleep 2"
            echo "rmmod $n || exit 1"
        done
        echo 'rmmod bsdsync || exit 1'
    } >"$LOGS/stock-guest.sh"
    say "stock $krel kernel in a guest: bsdsync.ko + ${#names[@]} example(s)"
    t=$SECONDS
    if bash "$SCRIPTS/guest.sh" --kernel "/boot/vmlinuz-$krel" "${mods[@]}" \
            --script "$LOGS/stock-guest.sh" --timeout "$STOCK_TIMEOUT" \
            --log "$LOGS/stock-$krel-console.log"; then
        record PASS "$name" "$((SECONDS - t)) s"
    else
        record FAIL "$name" "see $LOGS/stock-$krel-console.log"
    fi
    # Each example checks its own work and prints "<module>: PASS" when it is right.
    for n in "${names[@]}"; do
        if grep -q "$n: PASS" "$LOGS/stock-$krel-console.log"; then
            record PASS "stock $krel kernel: example $n did its work correctly"
        else
            record FAIL "stock $krel kernel: example $n did its work correctly" \
                "no '$n: PASS' line; see $LOGS/stock-$krel-console.log"
            grep "$n:" "$LOGS/stock-$krel-console.log" | head -n 20
        fi
    done
    if python3 "$SCRIPTS/ktap-summary.py" --reports-only --name "stock $krel" \
            "$LOGS/stock-$krel-console.log" >"$LOGS/stock-$krel-reports.log" 2>&1; then
        record PASS "stock $krel kernel: no kernel reports"
    else
        record FAIL "stock $krel kernel: no kernel reports" "see $LOGS/stock-$krel-reports.log"
        grep -v '^KTAP_SUMMARY' "$LOGS/stock-$krel-reports.log" | head -n 60
    fi
fi

finish
