#!/usr/bin/env bash
# Every bsdsync test (what `make test` runs):
#   1. deps (apt); the memory orders of <machine/atomic.h> (scripts/check-atomic-orders.py),
#      the layering of module/ and include/ (scripts/check-layers.py),
#   2. for each test kernel (scripts/test-kernel-<variant>.config, built once, then
#      cached): "kasan" (KASAN + lockdep) and "kcsan" (KCSAN + lockdep), two kernels because
#      the sanitizers exclude each other, and "prod" (neither lockdep nor a sanitizer: the
#      configuration in which bsdsync takes its production fast paths, which the debug
#      kernels make it leave for the kernel's traced functions). Against each: bsdsync.ko +
#      bsdsync_kunit.ko built warning-free (with instrumented C++ objects for a sanitizer),
#      the KUnit suites run in a guest, and any kernel report (lockdep, KASAN, KCSAN, WARN,
#      BUG...) fails the run; in the kasan and kcsan guests also a short lock torture run
#      of every lock type (scripts/torture.sh; one check per type), and in a guest of its own
#      the one case that must make lockdep report (kunit/lockdep/: a cycle between a bsdsync
#      mtx and a Linux mutex, exactly that report expected),
#   3. warning-free builds of bsdsync.ko and the examples against stock Debian 6.1 and 6.12
#      headers and their PREEMPT_RT flavours (the kernel matrix), no constructor sections in
#      any .ko,
#   4. the stock Debian kernels of the matrix in a guest: load and unload bsdsync.ko and the
#      examples (each example checks its own work and prints "<name>: PASS"),
#   5. DKMS (add, build and install -k for 6.1 and 6.12, the installed module's vermagic, the
#      porting kit it installs, an example built against that kit alone, remove) and `make
#      install`/`uninstall` into a staging DESTDIR with an example built against it. The
#      machine is left as it was; skipped if bsdsync is already in DKMS or /usr/src here.
# Each rig check counts as one test, and each KUnit case as one test per debug kernel it runs
# in (rig checks of a debug kernel are named "KASAN kernel: ...", "KCSAN kernel: ...").
# The last line printed is exactly "N passed, N failed" (", N skipped" appended if any); the
# exit status is non-zero if anything failed. Logs: build/logs/ (per debug kernel:
# testkernel-<variant>.log, kunit-build-<variant>.log, kunit-console-<variant>.log,
# kunit-summary-<variant>.log).
#
# Environment: KUNIT_TIMEOUT (seconds per KUnit guest, default 900), TORTURE_DURATION
# (seconds per lock type in the torture run, default 2), BSDSYNC_CACHE (kernel
# cache), JOBS, SKIP_DEPS=1 (do not run deps.sh).
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

# The kernel matrix: Debian's 6.1 and 6.12, and their PREEMPT_RT flavours ("-rt-amd64";
# the plain patterns end in a digit before "-amd64" so that they do not match those).
MATRIX=(6.1 6.12 6.1-rt 6.12-rt)
series_kdir() {
    case $1 in
        6.1)     newest_headers '6.1.*[0-9]-amd64' ;;
        6.12)    newest_headers '6.12.*[0-9]-amd64' ;;
        6.1-rt)  newest_headers '6.1.*-rt-amd64' ;;
        6.12-rt) newest_headers '6.12.*-rt-amd64' ;;
    esac
}

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
    local v per=""
    for v in "${DEBUG_VARIANTS[@]}"; do
        [[ -n ${KUNIT_COUNTS[$v]:-} ]] || continue
        set -- ${KUNIT_COUNTS[$v]}
        per+="${per:+; }$v: $1 passed, $2 failed, $3 skipped"
    done
    echo "KUnit cases: $kunit_pass passed, $kunit_fail failed, $kunit_skip skipped${per:+ ($per)}"
    echo "logs: $LOGS"
    local p=$((checks_pass + kunit_pass)) f=$((checks_fail + kunit_fail)) s=$((checks_skip + kunit_skip))
    local line="$p passed, $f failed"
    ((s)) && line+=", $s skipped"
    echo "$line"
    ((f == 0))
}

# The debug test kernels, in the order they run. Per variant: what it checks, the compiler
# flag that instruments an object for it, and the hooks an instrumented object calls (KASAN's
# inline checks call only their report functions).
DEBUG_VARIANTS=(kasan kcsan prod)
declare -A VARIANT_DESC=([kasan]="KASAN + lockdep" [kcsan]="KCSAN + lockdep"
                         [prod]="no lockdep, no sanitizer: the production fast paths")
declare -A VARIANT_FLAG=([kasan]=-fsanitize=kernel-address [kcsan]=-fsanitize=thread [prod]=)
declare -A VARIANT_HOOKS=([kasan]='__asan_(load|store|report)'
                          [kcsan]='__tsan_(unaligned_|volatile_)?(read|write|atomic)')
declare -A KUNIT_COUNTS=()  # variant -> "passed failed skipped"

# cxx_instrumented VARIANT BUILD: Kbuild gives $(CFLAGS_KASAN)/$(CFLAGS_KCSAN) to C objects
# only, so a C++ object is instrumented only if bsdsync's own C++ rule adds them. Checks that
# every C++ object of bsdsync.ko was compiled with the variant's flag (its .o.cmd) and that
# the objects call the sanitizer's hooks (not every object need: one that touches no memory
# has nothing to instrument). Last line of output: "N/M" objects with hook calls / C++ objects.
cxx_instrumented() {
    local v=$1 b=$2 src o cmd n=0 calls=0 bad=0
    while IFS= read -r src; do
        o=${src%.cpp}.o
        cmd=$(dirname "$o")/.$(basename "$o").cmd
        n=$((n + 1))
        if [[ ! -f $o || ! -f $cmd ]]; then
            echo "missing ${o#"$b"/} or its .cmd"; bad=1; continue
        fi
        if ! grep -q -- "${VARIANT_FLAG[$v]}" "$cmd"; then
            echo "${o#"$b"/} compiled without ${VARIANT_FLAG[$v]}"; bad=1
        fi
        if nm -u "$o" | grep -qE " ${VARIANT_HOOKS[$v]}"; then calls=$((calls + 1)); fi
    done < <(find "$b/module" -name '*.cpp' | sort)
    echo "$calls/$n"
    ((n > 0 && calls > 0 && !bad))
}

# debug_kernel_kunit VARIANT: build (or reuse) that debug kernel, build bsdsync.ko and
# bsdsync_kunit.ko against it, run the KUnit suites in a guest of it, count the cases and
# look for kernel reports.
debug_kernel_kunit() {
    local v=$1 V=${1^^} desc=${VARIANT_DESC[$1]} kdir b t out
    local p='' f='' s='' reports='' suites=''
    local buildlog=$LOGS/kunit-build-$v.log console=$LOGS/kunit-console-$v.log
    local sumlog=$LOGS/kunit-summary-$v.log

    say "$V debug kernel ($desc; built once, then cached)"
    t=$SECONDS
    if kdir=$(bash "$SCRIPTS/build-test-kernel.sh" "$v" 2> >(tee "$LOGS/testkernel-$v.log" >&2) | tail -n 1) &&
       [[ -n $kdir && -f $kdir/arch/x86/boot/bzImage ]]; then
        say "$V kernel ready in $((SECONDS - t)) s: $kdir"
    else
        record FAIL "$V kernel: debug test kernel builds" "see $LOGS/testkernel-$v.log"
        record FAIL "$V kernel: load, run KUnit, unload" "not run: no debug kernel"
        return 0
    fi

    b=$ROOT/build/test-debug-$v
    rm -rf "$b"
    say "building bsdsync.ko + bsdsync_kunit.ko against the $V kernel"
    if ! make -C "$ROOT" --no-print-directory kunit KDIR="$kdir" BUILD="$b" >"$buildlog" 2>&1; then
        record FAIL "$V kernel: bsdsync.ko + bsdsync_kunit.ko build warning-free" "build failed; see $buildlog"
        show_tail "$buildlog"
        record FAIL "$V kernel: load, run KUnit, unload" "not run: build failed"
        return 0
    fi
    if no_warnings "$buildlog"; then
        record PASS "$V kernel: bsdsync.ko + bsdsync_kunit.ko build warning-free"
    else
        record FAIL "$V kernel: bsdsync.ko + bsdsync_kunit.ko build warning-free" "warnings; see $buildlog"
        grep -i 'warning:' "$buildlog" | head -n 20
    fi
    local name="$V kernel: bsdsync's C++ objects instrumented (${VARIANT_FLAG[$v]})"
    if [[ -z ${VARIANT_FLAG[$v]} ]]; then
        :   # no sanitizer in this kernel
    elif out=$(cxx_instrumented "$v" "$b"); then
        record PASS "$name" "$(tail -n 1 <<<"$out") call its hooks"
    else
        record FAIL "$name" "$(tail -n 1 <<<"$out") call its hooks"
        sed '$d' <<<"$out"
    fi

    say "KUnit run in a $V-kernel guest (TCG, $desc; timeout ${KUNIT_TIMEOUT}s)"
    t=$SECONDS
    if bash "$SCRIPTS/guest.sh" --kernel "$kdir/arch/x86/boot/bzImage" \
            --module "$b/bsdsync.ko" --module "$b/kunit/bsdsync_kunit.ko" \
            --module "$b/kunit/modload/bsdsync_modload_fail.ko" \
            --script "$LOGS/kunit-guest.sh" --timeout "$KUNIT_TIMEOUT" --log "$console"; then
        record PASS "$V kernel: load, run KUnit, unload" "$((SECONDS - t)) s"
    else
        record FAIL "$V kernel: load, run KUnit, unload" "$((SECONDS - t)) s; see $console"
    fi
    # busybox insmod exits with the errno (ENXIO 6); it may try twice (finit_module, then
    # init_module), each attempt running the SYSINIT and SYSUNINIT before the module again.
    name="$V kernel: a failed MOD_LOAD fails insmod with its errno and undoes what ran"
    if grep -q 'bsdsync-test: modload_fail: insmod exit status 6$' "$console" &&
       grep -q 'bsdsync_modload_fail: SYSUNINIT before the module ran' "$console" &&
       grep -q 'bsdsync_modload_fail: MOD_UNLOAD after the failed MOD_LOAD' "$console" &&
       ! grep -q 'bsdsync_modload_fail: WRONG' "$console" &&
       ! grep -q 'bsdsync-test: modload_fail: still loaded' "$console"; then
        record PASS "$name"
    else
        record FAIL "$name" "see the bsdsync_modload_fail lines in $console"
        grep 'modload_fail' "$console" | head -n 20
    fi
    if [[ $v == prod ]]; then
        # The point of this kernel: the spin mutexes' inline interrupt and preempt-count
        # path must have been the one under test (module.c says otherwise at load).
        name="$V kernel: spin mutexes took the inline interrupt/preempt path"
        if grep -q 'bsdsync: loaded (' "$console" &&
           ! grep -q "spin mutexes call the kernel's" "$console"; then
            record PASS "$name"
        else
            record FAIL "$name" "load message in $console"
        fi
    fi
    # Whatever happened in the guest, count what KUnit reported.
    python3 "$SCRIPTS/ktap-summary.py" --name "kunit $v" "$console" >"$sumlog" 2>&1 || true
    grep -v '^KTAP_SUMMARY' "$sumlog" || true
    read -r p f s reports suites < <(
        sed -n 's/^KTAP_SUMMARY passed=\([0-9]*\) failed=\([0-9]*\) skipped=\([0-9]*\) reports=\([0-9]*\) suites=\([0-9]*\)$/\1 \2 \3 \4 \5/p' \
            "$sumlog" | tail -n 1) || true
    p=${p:-0} f=${f:-0} s=${s:-0}
    kunit_pass=$((kunit_pass + p)) kunit_fail=$((kunit_fail + f)) kunit_skip=$((kunit_skip + s))
    KUNIT_COUNTS[$v]="$p $f $s"
    if [[ -z $suites || $suites == 0 ]]; then
        record FAIL "$V kernel: KUnit printed results" "no KTAP found"
    else
        record PASS "$V kernel: KUnit printed results" "$suites suite(s): $p passed, $f failed, $s skipped"
    fi
    name="$V kernel: no kernel reports (${VARIANT_FLAG[$v]:+lockdep, $V, }WARN, BUG...)"
    if [[ ${reports:-1} == 0 ]]; then
        record PASS "$name"
    else
        record FAIL "$name" "${reports:-?} report(s); see $sumlog"
    fi
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
# 1b. <machine/atomic.h>: every atomic(9) function's memory order, as the compiler is given
#     it, against the header's table. On x86 a wrong order never shows in a run (the CPU
#     orders every locked instruction, and TSO every plain load and store); it only changes
#     what the compiler may move across the operation, which only this check sees.
# script_check NAME SCRIPT: a static check of the tree (python3 SCRIPT ROOT); its last line
# of output is the detail recorded, the lines before it are shown when it fails.
script_check() {
    local name=$1 out
    say "checking: $name"
    if out=$(python3 "$SCRIPTS/$2" "$ROOT" 2>&1); then
        record PASS "$name" "$(tail -n 1 <<<"$out")"
    else
        record FAIL "$name" "$(tail -n 1 <<<"$out")"
        sed '$d' <<<"$out" | head -n 20
    fi
}
script_check "atomic(9): every function's memory order as <machine/atomic.h> documents" \
    check-atomic-orders.py

# ---------------------------------------------------------------------------------------
# 1c. The layers (architecture.md): module/platform names no personality, and every
#     #include of module/ and include/ points down (scripts/check-layers.py).
script_check "layers: module/platform names no personality; includes point down" \
    check-layers.py

# ---------------------------------------------------------------------------------------
# 2. KUnit in each debug kernel
# insmod waits for each KUnit case in D state, so the guest's hung-task detector (120 s,
# then panic: guest.sh) bounds every case. KUnit itself gives a case 300 s before it fails
# it; a loaded host slows the emulated guest several times (the 100000-round ping-pong of
# sleep(9), 11-18 s on a quiet machine, passed 120 s at host load 11 and panicked the
# guest). So the detector waits past KUnit's own limit: a slow case fails or passes on
# its own, a real deadlock still ends the run (KUnit's timeout, then this panic).
cat >"$LOGS/kunit-guest.sh" <<'EOF'
echo 600 > /proc/sys/kernel/hung_task_timeout_secs || exit 1
insmod /mod/bsdsync.ko || exit 1
echo "bsdsync-test: running KUnit suites (insmod bsdsync_kunit.ko)"
insmod /mod/bsdsync_kunit.ko || exit 1
rmmod bsdsync_kunit || exit 1
# A FreeBSD module whose MOD_LOAD fails with ENXIO (kunit/modload/Kbuild): insmod must fail.
insmod /mod/bsdsync_modload_fail.ko
echo "bsdsync-test: modload_fail: insmod exit status $?"
grep -q '^bsdsync_modload_fail ' /proc/modules && echo "bsdsync-test: modload_fail: still loaded"
rmmod bsdsync || exit 1
EOF
# debug_kernel_torture VARIANT: bsdsync_torture.ko (built by `make kunit` above) in a guest
# of that kernel, a short run of every lock type (TORTURE_DURATION s each, default 2); each
# type is one rig check, the broken control type's expected FAILURE a pass
# (scripts/torture.sh); and no kernel report during the run.
debug_kernel_torture() {
    local v=$1 V=${1^^} b=$ROOT/build/test-debug-$1 kdir line
    if [[ ! -f $b/torture/bsdsync_torture.ko ]] ||
       ! kdir=$(bash "$SCRIPTS/build-test-kernel.sh" "$v" 2>/dev/null | tail -n 1); then
        record FAIL "$V kernel: lock torture" "not run: no build"
        return 0
    fi
    say "lock torture in a $V-kernel guest (${TORTURE_DURATION:-2} s per type)"
    while IFS= read -r line; do
        record "${line%% *}" "$V kernel: torture ${line#* }"
    done < <(bash "$SCRIPTS/torture.sh" --kernel "$kdir/arch/x86/boot/bzImage" --build "$b" \
                 --duration "${TORTURE_DURATION:-2}" --params "stutter=300 stat_interval=1" \
                 --log "$LOGS/torture-console-$v.log" || true)
}
# debug_kernel_lockdep_cycle VARIANT: the one case that must make Linux lockdep report, in a
# guest of its own (a lockdep report turns lockdep off for the rest of the boot): a cycle
# between a bsdsync mtx and a Linux mutex (kunit/lockdep/). Passes if its KUnit case passes
# and the console has exactly one kernel report, lockdep's circular dependency naming both.
debug_kernel_lockdep_cycle() {
    local v=$1 V=${1^^} b=$ROOT/build/test-debug-$1 kdir console=$LOGS/lockdep-cycle-console-$1.log
    local name="$V kernel: lockdep reports a cycle between a bsdsync mtx and a Linux mutex (own guest)"
    local out
    if [[ ! -f $b/kunit/lockdep/bsdsync_lockdep_cycle.ko ]] ||
       ! kdir=$(bash "$SCRIPTS/build-test-kernel.sh" "$v" 2>/dev/null | tail -n 1); then
        record FAIL "$name" "not run: no build"
        return 0
    fi
    say "lockdep cycle case in a $V-kernel guest"
    cat >"$LOGS/lockdep-cycle-guest.sh" <<'GUEST'
insmod /mod/bsdsync.ko || exit 1
insmod /mod/bsdsync_lockdep_cycle.ko || exit 1
rmmod bsdsync_lockdep_cycle || exit 1
rmmod bsdsync || exit 1
GUEST
    bash "$SCRIPTS/guest.sh" --kernel "$kdir/arch/x86/boot/bzImage" --module "$b/bsdsync.ko" \
        --module "$b/kunit/lockdep/bsdsync_lockdep_cycle.ko" --script "$LOGS/lockdep-cycle-guest.sh" \
        --timeout 300 --log "$console" >/dev/null 2>&1 || true
    # ktap-summary.py exits 1 on the report this case expects: not an error here (set -e).
    out=$({ python3 "$SCRIPTS/ktap-summary.py" --name "lockdep cycle $v" "$console" 2>&1 || true; } |
          tail -n 1)
    if [[ $out == "KTAP_SUMMARY passed=1 failed=0 skipped=0 reports=1 suites=1" ]] &&
       grep -q 'WARNING: possible circular locking dependency detected' "$console" &&
       grep -q '(ld cycle mtx)' "$console" && grep -q '(ld_cycle_mutex)' "$console"; then
        record PASS "$name"
    else
        record FAIL "$name" "${out#KTAP_SUMMARY }; see $console"
    fi
}
for v in "${DEBUG_VARIANTS[@]}"; do
    debug_kernel_kunit "$v"
    [[ $v == prod ]] || debug_kernel_torture "$v"
    [[ $v == prod ]] || debug_kernel_lockdep_cycle "$v"
done

# ---------------------------------------------------------------------------------------
# 3. builds against stock Debian headers
declare -A BUILT=()     # kernel release -> build dir, for step 4
for series in "${MATRIX[@]}"; do
    KDIR=$(series_kdir "$series")
    if [[ -z $KDIR ]]; then
        record FAIL "$series headers: bsdsync.ko builds warning-free" "no $series headers in /usr/src (scripts/deps.sh)"
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
# 4. the stock Debian kernels of the matrix (6.1, the production configuration, 6.12, and
#    their PREEMPT_RT flavours): load and unload bsdsync.ko and every example, each of which
#    checks its own work.
for series in "${MATRIX[@]}"; do
    KDIR=$(series_kdir "$series")
    krel=${KDIR:+$(kernel_release "$KDIR")}
    name="stock ${krel:-$series} kernel: load/unload bsdsync.ko + examples"
    if [[ -z $krel || -z ${BUILT[$krel]:-} ]]; then
        record FAIL "$name" "not run: no $series build"
        continue
    elif [[ ! -r /boot/vmlinuz-$krel ]]; then
        record FAIL "$name" "not run: /boot/vmlinuz-$krel missing (apt-get install linux-image-$krel)"
        continue
    fi
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
done

# ---------------------------------------------------------------------------------------
# 5. DKMS and the install layout (README, "Installing"): what a user runs, on this machine
#    (modules are installed for the 6.1 and 6.12 kernels, never loaded), then taken away.
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$ROOT/dkms.conf")
KIT=/usr/src/bsdsync-$VERSION
DKMS_LOG=$LOGS/dkms.log
: >"$DKMS_LOG"

# dkms_run CMD...: one dkms (or make) command, its output appended to the DKMS log.
dkms_run() { echo "+ $*" >>"$DKMS_LOG"; "$@" >>"$DKMS_LOG" 2>&1; }

# kver_state KVER: what "as it was" means for a kernel: its module index and whatever DKMS had
# installed for it.
kver_state() {
    { md5sum <"/lib/modules/$1/modules.dep"; find "/lib/modules/$1/updates" | sort | md5sum; } 2>/dev/null || true
}

# installed_ko KVER: the bsdsync module DKMS installed for KVER (compressed or not).
installed_ko() { { find "/lib/modules/$1/updates" -name 'bsdsync.ko*' || true; } 2>/dev/null | head -n 1; }

# example_against_kit KDIR KVER KIT LOG: builds examples/pcq in a scratch copy exactly as the
# recipe says (its own Kbuild: one -I, KBUILD_EXTRA_SYMBOLS), KIT given only as BSDSYNC
# when it is not the default; checks it is warning-free and depends on bsdsync.
example_against_kit() {
    local kdir=$1 kver=$2 kit=$3 log=$4 d ko
    d=$(mktemp -d /tmp/bsdsync-example.XXXXXX)
    cp "$ROOT"/examples/pcq/* "$d"/
    local args=(-C "$kdir" M="$d" KERNELRELEASE="$kver")
    [[ $kit == "$KIT" ]] || args+=(BSDSYNC="$kit")
    echo "+ make ${args[*]} modules" >"$log"
    if make "${args[@]}" modules >>"$log" 2>&1 && ko=$d/bsd_pcq.ko && [[ -f $ko ]] &&
       no_warnings "$log" && [[ $(modinfo -F depends "$ko") == bsdsync ]]; then
        rm -rf "$d"; return 0
    fi
    rm -rf "$d"; return 1
}

dkms_checks() {
    local series kdir kver kvers=() ko vm ref name
    declare -A kdirs=() before=()
    for series in 6.1 6.12; do
        kdir=$(series_kdir "$series")
        [[ -n $kdir ]] || { record FAIL "DKMS: $series headers present" "none in /usr/src"; continue; }
        kver=$(kernel_release "$kdir"); kvers+=("$kver"); kdirs[$kver]=$kdir
        before[$kver]=$(kver_state "$kver")
    done
    if ! command -v dkms >/dev/null; then
        record FAIL "DKMS: dkms installed" "not found (scripts/deps.sh)"; return 0
    fi
    if [[ -e $KIT ]] || dkms status bsdsync 2>/dev/null | grep -q .; then
        record SKIP "DKMS: add, build, install, remove" "bsdsync already in DKMS or $KIT here: not touched"
        return 0
    fi
    ((${#kvers[@]})) || return 0

    say "DKMS: $KIT (make dkms-source), dkms add, build and install -k ${kvers[*]}"
    name="DKMS: dkms add bsdsync/$VERSION (source tree from make dkms-source)"
    if dkms_run make -C "$ROOT" --no-print-directory dkms-source &&
       dkms_run dkms add "bsdsync/$VERSION"; then
        record PASS "$name"
    else
        record FAIL "$name" "see $DKMS_LOG"; show_tail "$DKMS_LOG"
    fi
    for kver in "${kvers[@]}"; do
        name="DKMS $kver: dkms build -k"
        if dkms_run dkms build "bsdsync/$VERSION" -k "$kver"; then
            record PASS "$name"
        else
            record FAIL "$name" "see $DKMS_LOG and /var/lib/dkms/bsdsync/$VERSION/build/make.log"
            show_tail "$DKMS_LOG"; continue
        fi
        name="DKMS $kver: dkms install -k (module in /lib/modules/$kver/updates, depmod lists it)"
        if dkms_run dkms install "bsdsync/$VERSION" -k "$kver" && ko=$(installed_ko "$kver") &&
           [[ -n $ko ]] && grep -q "^${ko#/lib/modules/"$kver"/}:" "/lib/modules/$kver/modules.dep"; then
            record PASS "$name" "${ko#/lib/modules/"$kver"/}"
        else
            record FAIL "$name" "see $DKMS_LOG"; show_tail "$DKMS_LOG"; continue
        fi
        # The kernel's own modules carry its exact vermagic.
        vm=$(modinfo -F vermagic "$ko" 2>/dev/null) || true
        ref=$(find "/lib/modules/$kver/kernel" -name '*.ko*' -print -quit 2>/dev/null) || true
        ref=${ref:+$(modinfo -F vermagic "$ref" 2>/dev/null || true)}
        name="DKMS $kver: installed module's vermagic is the kernel's"
        if [[ -n $vm && ${vm%% *} == "$kver" && ( -z $ref || $vm == "$ref" ) ]]; then
            record PASS "$name" "$vm"
        else
            record FAIL "$name" "module: '$vm'; the kernel's modules: '$ref'"
        fi
        name="DKMS $kver: porting kit installed ($KIT/include/freebsd, $KIT/$kver/Module.symvers)"
        # Every line of the Module.symvers an exported symbol of bsdsync.
        if [[ -f $KIT/include/freebsd/sys/mutex.h &&
              -f $KIT/include/freebsd/bsdsync/freebsd/lock.h &&
              -s $KIT/$kver/Module.symvers ]] &&
           awk -F '\t' '$3 !~ /bsdsync$/ { bad = 1 } END { exit bad }' "$KIT/$kver/Module.symvers"; then
            record PASS "$name" "$(wc -l <"$KIT/$kver/Module.symvers") exports"
        else
            record FAIL "$name" "see $DKMS_LOG"
        fi
    done
    kver=${kvers[0]}
    name="DKMS $kver: an example builds against the installed kit alone (recipe Kbuild)"
    if example_against_kit "${kdirs[$kver]}" "$kver" "$KIT" "$LOGS/dkms-example.log"; then
        record PASS "$name"
    else
        record FAIL "$name" "see $LOGS/dkms-example.log"; show_tail "$LOGS/dkms-example.log"
    fi

    say "DKMS: dkms remove bsdsync/$VERSION --all"
    name="DKMS: dkms remove --all leaves the machine as it was"
    local left=()
    dkms_run dkms remove "bsdsync/$VERSION" --all || left+=("dkms remove failed")
    [[ ! -e /var/lib/dkms/bsdsync ]] || left+=("/var/lib/dkms/bsdsync")
    for kver in "${kvers[@]}"; do
        [[ -z $(installed_ko "$kver") ]] || left+=("$(installed_ko "$kver")")
        [[ ! -e $KIT/$kver ]] || left+=("$KIT/$kver")
        [[ $(kver_state "$kver") == "${before[$kver]}" ]] ||
            left+=("/lib/modules/$kver differs (modules.dep or updates/)")
    done
    # The source tree is ours (dkms remove keeps /usr/src).
    rm -rf "$KIT"
    if ((${#left[@]} == 0)); then
        record PASS "$name"
    else
        record FAIL "$name" "left: ${left[*]}"
        dkms remove "bsdsync/$VERSION" --all >/dev/null 2>&1 || true
        rm -rf /var/lib/dkms/bsdsync
    fi
}

# install_checks: `make install` of one build of step 3 into a staging root, an example built
# against that kit (BSDSYNC=<staging>/usr/src/bsdsync-<version>), `make uninstall`.
install_checks() {
    local kdir kver b d name
    kdir=$(series_kdir 6.12); kver=${kdir:+$(kernel_release "$kdir")}
    b=${BUILT[$kver]:-}
    if [[ -z $b ]]; then record FAIL "make install DESTDIR" "not run: no 6.12 build"; return 0; fi
    d=$(mktemp -d /tmp/bsdsync-destdir.XXXXXX)
    say "make install DESTDIR=$d ($kver)"
    name="make install DESTDIR ($kver): module in extra/, headers, Module.symvers"
    if make -C "$ROOT" --no-print-directory install KDIR="$kdir" BUILD="$b" DESTDIR="$d" \
            >"$LOGS/install.log" 2>&1 &&
       [[ -f $d/lib/modules/$kver/extra/bsdsync.ko && -f $d$KIT/include/freebsd/sys/mutex.h &&
          -f $d$KIT/include/freebsd/bsdsync/freebsd/lock.h && -s $d$KIT/$kver/Module.symvers ]]; then
        record PASS "$name"
    else
        record FAIL "$name" "see $LOGS/install.log"; show_tail "$LOGS/install.log"
    fi
    name="make install DESTDIR ($kver): an example builds against the installed kit (recipe Kbuild)"
    if example_against_kit "$kdir" "$kver" "$d$KIT" "$LOGS/install-example.log"; then
        record PASS "$name"
    else
        record FAIL "$name" "see $LOGS/install-example.log"; show_tail "$LOGS/install-example.log"
    fi
    name="make uninstall DESTDIR ($kver): nothing left"
    if make -C "$ROOT" --no-print-directory uninstall KDIR="$kdir" BUILD="$b" DESTDIR="$d" \
            >>"$LOGS/install.log" 2>&1 && [[ -z $(find "$d" -type f) && ! -e $d$KIT ]]; then
        record PASS "$name"
    else
        record FAIL "$name" "left: $(find "$d" -type f | head -n 5 | tr '\n' ' ')"
    fi
    rm -rf "$d"
}

t5=$SECONDS
dkms_checks
install_checks
say "step 5 (DKMS, install) took $((SECONDS - t5)) s"

finish
