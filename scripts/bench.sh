#!/usr/bin/env bash
# The benchmark (what `make bench` runs): bsdsync's FreeBSD primitives against their native
# Linux counterparts, side by side in one guest of Debian's stock 6.1 kernel.
#
# Builds bsdsync.ko and bench/ (bsdsync_bench.ko) against the stock 6.1 headers, boots the
# stock kernel in QEMU (TCG, BENCH_SMP vCPUs), and for every pair, thread count and critical
# section runs both implementations back to back, repeat after repeat (order alternating:
# bsdsync first on odd repeats, Linux first on even ones), one line of progress per
# measurement. Then scripts/bench-report.py writes build/bench/results.{csv,md},
# build/bench/raw.csv and build/bench/throughput.png. Exit status 0 unless something broke
# (build, guest, a measurement, a kernel report); the numbers themselves are never judged.
#
# Environment:
#   BENCH_QUICK=1     smoke run: 1 repeat, 200 ms, threads 1 and BENCH_SMP*2, short section,
#                     read shares 100 and 50
#   BENCH_REPS        repeats per point (default 5)
#   BENCH_MS          duration of one measurement, guest milliseconds (default 400)
#   BENCH_SMP         the primary run's guest vCPUs (default: the host's cores, at most 4);
#                     threads default to 1 2 SMP 2*SMP
#   BENCH_SMP2        a second run, labelled, with this many vCPUs (default 4; 0 or equal to
#                     BENCH_SMP: none; BENCH_QUICK: none unless set)
#   BENCH_THREADS     thread counts, e.g. "1 4 8"
#   BENCH_CS          critical sections, "short long" (default both)
#   BENCH_RD          read shares in percent for the shared (reader/writer) pairs
#                     (default "100 90 50")
#   BENCH_PAIRS       pairs to run, e.g. "mtx cv" (default: every pair bsdsync_bench has)
#   BENCH_TIMEOUT     guest wall-clock limit in seconds (default: computed from the above)
#   BENCH_APPEND      extra guest kernel arguments (default "tsc=reliable", see below)
#   BENCH_README=1    also put the results into README.md (the "Benchmark results" and
#                     "Sizes" tables, between their markers) and copy them to bench/results/
#   BENCH_COST=0      skip the instruction-count table (default: run it, after the
#                     throughput run, in a second guest: one vCPU under QEMU's
#                     `-icount shift=0,sleep=off`, where guest time counts instructions)
#   BENCH_COST_ONLY=1 only the instruction-count table (no throughput measurements)
#   SKIP_DEPS=1       do not run the apt steps
#   VERBOSE=1         stream the whole console, not just progress
# Logs: build/bench/console.log (the guest console), build/bench/cost.log (the icount guest's
# console), build/bench/trace-console.log and trace.txt (the traced guest's console and the
# instructions gdb stepped through), build/bench/build.log.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS=$ROOT/scripts
OUT=$ROOT/build/bench
mkdir -p "$OUT"

T0=$SECONDS
say() { printf '[bench %4ds] %s\n' $((SECONDS - T0)) "$*"; }
die() { say "FAILED: $*"; exit 1; }

# The primary run gives the guest no more vCPUs than the host has cores (a vCPU then rarely
# waits for a host core while it holds a lock), at 1, 2 and 2x vCPUs threads (the last
# oversubscribed inside the guest). The second run is the old configuration, 4 vCPUs, kept
# as a separate, labelled table (on a 2-core host its vCPUs outnumber the cores).
HOST_CORES=$(nproc)
SMP=${BENCH_SMP:-$((HOST_CORES < 4 ? HOST_CORES : 4))}
SMP2=${BENCH_SMP2-4}
[[ $SMP2 == "$SMP" ]] && SMP2=0
threads_for() {     # threads_for SMP: the default thread counts for a guest of SMP vCPUs
    local t
    if [[ -n ${BENCH_THREADS:-} ]]; then
        t=$BENCH_THREADS
    elif [[ ${BENCH_QUICK:-0} == 1 ]]; then
        t="1 $(($1 * 2))"
    else
        t="1 2 $1 $(($1 * 2))"
    fi
    # 1 2 2 4 with SMP=2 would say "2" twice: keep each count once, in order.
    printf '%s\n' $t | awk '!seen[$0]++' | tr '\n' ' '
}
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    REPS=${BENCH_REPS:-1}
    MS=${BENCH_MS:-200}
    CS=${BENCH_CS:-short}
    RD=${BENCH_RD:-"100 50"}
    SMP2=${BENCH_SMP2-0}
else
    REPS=${BENCH_REPS:-5}
    MS=${BENCH_MS:-400}
    CS=${BENCH_CS:-"short long"}
    RD=${BENCH_RD:-"100 90 50"}
fi
THREADS=$(threads_for "$SMP")
PAIRS=${BENCH_PAIRS:-}
# Under TCG the guest's boot-time TSC synchronisation check fails and the kernel falls back
# to the HPET, whose every read is an emulated MMIO access under QEMU's global lock; every
# time stamp (ktime_get_ns in the hand-off loops, hrtimers, the scheduler's clock reads)
# then serialises the vCPUs. QEMU derives all vCPUs' TSCs from one host clock, so they are
# in fact synchronised: tell the kernel so. (A boot argument; the kernel is unchanged.)
APPEND=${BENCH_APPEND-tsc=reliable}
# Debian's python3 (with python3-matplotlib from apt), even if another python3 comes first
# in PATH.
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

# ---- dependencies ------------------------------------------------------------------------
if [[ ${SKIP_DEPS:-0} != 1 ]]; then
    bash "$SCRIPTS/deps.sh"
    # python3-matplotlib draws the chart; gdb single-steps the traced guest (atomics).
    want=()
    "$PY" -c 'import matplotlib' 2>/dev/null || want+=(python3-matplotlib)
    command -v gdb >/dev/null || want+=(gdb)
    if ((${#want[@]})); then
        say "installing ${want[*]}"
        sudo=()
        ((EUID == 0)) || sudo=(sudo)
        export DEBIAN_FRONTEND=noninteractive
        # Another job may hold the dpkg lock (an apt run of its own): wait for it.
        "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
            "${want[@]}" >"$OUT/apt.log" 2>&1 || {
            "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q >>"$OUT/apt.log" 2>&1
            "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q \
                --no-install-recommends "${want[@]}" >>"$OUT/apt.log" 2>&1
        } || { tail -n 20 "$OUT/apt.log"; die "apt-get install ${want[*]}"; }
    fi
fi

# ---- the stock kernel and its headers (as scripts/run.sh finds them) ----------------------
KDIR=$(ls -1d /usr/src/linux-headers-6.1.*[0-9]-amd64 2>/dev/null | sort -V | tail -n 1)
[[ -n $KDIR ]] || die "no /usr/src/linux-headers-6.1*-amd64 (run scripts/deps.sh)"
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h")
vmlinuz=/boot/vmlinuz-$krel
[[ -r $vmlinuz ]] || die "$vmlinuz missing (apt-get install linux-image-$krel)"

# ---- build -------------------------------------------------------------------------------
B=$OUT/$krel
BLOG=$OUT/build.log
say "building bsdsync.ko and bsdsync_bench.ko against $krel headers (log: $BLOG)"
make -C "$ROOT" --no-print-directory modules KDIR="$KDIR" BUILD="$B/bsdsync" >"$BLOG" 2>&1 ||
    { tail -n 40 "$BLOG"; die "bsdsync.ko does not build"; }
# The benchmark module is built the way a ported driver is: out of tree, against bsdsync's
# headers and Module.symvers.
mkdir -p "$B/mod"
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' --exclude results \
    "$ROOT/bench/" "$B/mod/"
make -C "$KDIR" M="$B/mod" -j"$(nproc)" BSDSYNC_INCLUDE="$B/bsdsync/include" \
    KBUILD_EXTRA_SYMBOLS="$B/bsdsync/Module.symvers" modules >>"$BLOG" 2>&1 ||
    { tail -n 40 "$BLOG"; die "bsdsync_bench.ko does not build"; }
if grep -qi 'warning:' "$BLOG"; then
    grep -i 'warning:' "$BLOG" | head -n 20
    die "the build printed warnings (see $BLOG)"
fi
# Each worker on a page of its own and shorter than a page (bench.h BENCH_WORKER_ATTR): then
# no worker loop crosses a page boundary, whatever the link order (under TCG such a crossing
# alone moved a pair by 40 percent).
nm -S "$B/mod/bsdsync_bench.ko" | "$PY" -c '
import sys
bad = n = 0
for f in (l.split() for l in sys.stdin):
    if len(f) == 4 and f[2] in "tT" and f[3].endswith("_worker"):
        n += 1
        if int(f[0], 16) % 4096: print("worker not page-aligned:", f[3]); bad = 1
        if int(f[1], 16) >= 4096: print("worker longer than a page:", f[3]); bad = 1
if not n: print("no worker symbols found"); bad = 1
sys.exit(bad)' || die "bsdsync_bench.ko: worker layout (see above)"

# ---- the guest script --------------------------------------------------------------------
# write_guest FILE THREADS: the throughput guest's script.
write_guest() {
cat >"$1" <<EOF
# Generated by scripts/bench.sh: runs inside the guest (busybox sh).
REPS=$REPS MS=$MS THREADS="$2" CS="$CS" RD="$RD" PAIRS="$PAIRS"
EOF
cat >>"$1" <<'EOF'
D=/sys/kernel/debug/bsdsync_bench
insmod /mod/bsdsync.ko || { echo "BENCH-FAIL insmod bsdsync.ko"; exit 1; }
insmod /mod/bsdsync_bench.ko || { echo "BENCH-FAIL insmod bsdsync_bench.ko"; exit 1; }
[ -n "$PAIRS" ] || PAIRS=$(cut -d'|' -f1 $D/pairs)
preempt=$(cat /sys/kernel/debug/sched/preempt 2>/dev/null | sed 's/.*(\(.*\)).*/\1/')
idle=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null)
echo "BENCH-GUEST kernel=$(uname -r) cpus=$(nproc) mem_kb=$(awk '/MemTotal/{print $2}' /proc/meminfo) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) preempt=${preempt:-unknown} cpuidle=${idle:-none}"
sed 's/^/BENCH-PAIR /' $D/pairs
sed 's/^/BENCH-SIZE /' $D/sizes
# The read-share arguments of a pair: one per read share for shared pairs, else none.
rds() {
    if [ "$(grep "^$1|" $D/pairs | cut -d'|' -f2)" = shared ]; then
        for x in $RD; do echo "rd=$x"; done
    else
        echo "-"
    fi
}
n=0
for p in $PAIRS; do for x in $(rds $p); do for t in $THREADS; do for c in $CS; do
    n=$((n + 2 * REPS))
done; done; done; done
echo "BENCH-PLAN measurements=$n reps=$REPS ms=$MS threads=$THREADS cs=$CS rd=$RD pairs=$PAIRS"
fail=0
run() {
    echo "$1" | sed 's/ - / /' >$D/run || { echo "BENCH-FAIL request: $1"; fail=1; }
}
# One untimed round first (rep=0, not reported): faults in code and data of each pair.
for p in $PAIRS; do
    x=$(rds $p | tail -n 1)
    for i in bsdsync linux; do run "pair=$p impl=$i threads=2 cs=short $x rep=0 ms=100"; done
done
r=1
while [ $r -le $REPS ]; do
    if [ $((r % 2)) = 1 ]; then order="bsdsync linux"; else order="linux bsdsync"; fi
    for p in $PAIRS; do for x in $(rds $p); do for t in $THREADS; do for c in $CS; do
        for i in $order; do
            run "pair=$p impl=$i threads=$t cs=$c $x rep=$r ms=$MS"
        done
    done; done; done; done
    r=$((r + 1))
done
rmmod bsdsync_bench || { echo "BENCH-FAIL rmmod bsdsync_bench"; fail=1; }
rmmod bsdsync || { echo "BENCH-FAIL rmmod bsdsync"; fail=1; }
exit $fail
EOF
}


# ---- run ---------------------------------------------------------------------------------
# Every pair's name and kind, from the pair definitions (.name then .kind).
kinds=$(awk '/\.name = "/ { match($0, /"[^"]*"/); n = substr($0, RSTART + 1, RLENGTH - 2) }
             /\.kind = BENCH_/ { sub(/.*BENCH_/, ""); sub(/,.*/, ""); print n, tolower($0) }' \
        "$ROOT"/bench/pairs_*.c)
npoints=0
for p in ${PAIRS:-$(cut -d' ' -f1 <<<"$kinds")}; do
    if [[ $(awk -v p="$p" '$1 == p { print $2 }' <<<"$kinds") == shared ]]; then
        npoints=$((npoints + $(wc -w <<<"$RD")))
    else
        npoints=$((npoints + 1))
    fi
done
LOG=$OUT/console.log LOG2=$OUT/console-smp$SMP2.log
broke=()
COST_ONLY=${BENCH_COST_ONLY:-0}
load_before="" load_after=""

# throughput SMP THREADS LOG NAME: one throughput guest of SMP vCPUs.
throughput() {
    local smp=$1 threads=$2 log=$3 name=$4 guest=$OUT/guest-$4.sh grc planned estimate timeout
    write_guest "$guest" "$threads"
    planned=$((npoints * $(wc -w <<<"$threads") * $(wc -w <<<"$CS") * REPS * 2))
    # Each measurement costs its duration plus thread start-up and the console line; allow
    # three times the estimate and ten minutes for boot and slow starts.
    estimate=$((planned * (MS + 150) / 1000 + 30))
    timeout=${BENCH_TIMEOUT:-$((estimate * 3 + 600))}
    say "$name run: $krel, TCG, $smp vCPUs on $HOST_CORES host cores; $planned measurements" \
        "of ${MS} ms (pairs: ${PAIRS:-all}; threads: $threads; cs: $CS; read shares: $RD;" \
        "$REPS repeats); about $((estimate / 60 + 1)) min; console log: $log"
    filter=("$PY" "$SCRIPTS/bench-report.py" --progress)
    [[ ${VERBOSE:-0} == 1 ]] && filter=(tee /dev/stderr)
    set +e
    bash "$SCRIPTS/guest.sh" --kernel "$vmlinuz" --module "$B/bsdsync/bsdsync.ko" \
        --module "$B/mod/bsdsync_bench.ko" --script "$guest" --smp "$smp" --mem 2G \
        --append "$APPEND" --timeout "$timeout" --log "$log" --stdout 2>"$OUT/guest.err" | "${filter[@]}"
    grc=${PIPESTATUS[0]}
    set -e
    if ((grc != 0)); then
        cat "$OUT/guest.err"
        broke+=("the $name guest run failed (guest.sh exit $grc)")
    fi
    if ! "$PY" "$SCRIPTS/ktap-summary.py" --reports-only --name bench "$log" >"$OUT/reports-$name.log"; then
        grep -v '^KTAP_SUMMARY' "$OUT/reports-$name.log" | head -n 40
        broke+=("the kernel reported problems in the $name run (see $OUT/reports-$name.log)")
    fi
    # ktap-summary.py lets bsdsync's own misuse reports pass (the KUnit suites provoke them on
    # purpose); here any report, bsdsync's included, means the benchmark misused a primitive.
    if grep -q 'Call Trace:' "$log"; then
        grep -B 3 -m 3 'Call Trace:' "$log"
        broke+=("a stack dump in the console (a bsdsync report or a kernel warning): see $log")
    fi
}

if [[ $COST_ONLY != 1 ]]; then
    # The host's load while the benchmark runs (other jobs share its cores): reported with the
    # results.
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    throughput "$SMP" "$THREADS" "$LOG" primary
    load_after=$(cut -d' ' -f1-3 /proc/loadavg)
    rm -f "$OUT"/console-smp*.log
    ((SMP2 > 0)) && throughput "$SMP2" "$(threads_for "$SMP2")" "$LOG2" second
fi

# ---- the instruction-count table ----------------------------------------------------------
# Two more guests of one vCPU run bsdsync_bench's cost mode (bench/bench.h):
#  - under single-threaded TCG with -icount shift=0,sleep=off, where the guest's time stamp
#    counter advances by exactly one per instruction: instructions per uncontended operation,
#    the same numbers on every run;
#  - under QEMU's gdb server, with scripts/bench-trace.py single-stepping one of each
#    operation: every instruction it executes, so the locked (atomic read-modify-write) ones
#    are counted from the disassembly of what actually ran (and the functions named).
COST_LOG=$OUT/cost.log TRACE_LOG=$OUT/trace-console.log TRACE_OUT=$OUT/trace.txt
if [[ ${BENCH_COST:-1} != 0 || $COST_ONLY == 1 ]]; then
    for mode in cost trace; do
        cguest=$OUT/$mode-guest.sh
        cat >"$cguest" <<EOF
# Generated by scripts/bench.sh: the cost mode in the $mode guest (busybox sh).
PAIRS="$PAIRS" MODE=$mode
EOF
        cat >>"$cguest" <<'EOF'
D=/sys/kernel/debug/bsdsync_bench
insmod /mod/bsdsync.ko || { echo "BENCH-FAIL insmod bsdsync.ko"; exit 1; }
insmod /mod/bsdsync_bench.ko || { echo "BENCH-FAIL insmod bsdsync_bench.ko"; exit 1; }
[ -n "$PAIRS" ] || PAIRS=$(cut -d'|' -f1 $D/pairs)
echo "BENCH-GUEST kernel=$(uname -r) cpus=$(nproc) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
sed 's/^/BENCH-PAIR /' $D/pairs
if [ $MODE = trace ]; then
    # Every function's address, for naming the traced instructions (Debian ships the real
    # System.map only in the -dbg package).
    grep ' [tT] ' /proc/kallsyms | sed 's/^/BENCH-SYM /'
    echo "BENCH-TRACE-READY $(cat $D/trace)"
    n=0
    while [ "$(cat $D/trace_armed)" != 1 ]; do
        n=$((n + 1)); [ $n -le 300 ] || { echo "BENCH-FAIL no debugger attached"; exit 1; }
        sleep 1
    done
fi
fail=0
for p in $PAIRS; do for i in bsdsync linux; do
    echo "pair=$p impl=$i cost=1" >$D/run || { echo "BENCH-FAIL cost request: $p $i"; fail=1; }
done; done
rmmod bsdsync_bench || { echo "BENCH-FAIL rmmod bsdsync_bench"; fail=1; }
rmmod bsdsync || { echo "BENCH-FAIL rmmod bsdsync"; fail=1; }
exit $fail
EOF
    done
    say "instruction counts: a guest of 1 vCPU under -icount shift=0,sleep=off (log: $COST_LOG)"
    if ! bash "$SCRIPTS/guest.sh" --kernel "$vmlinuz" --module "$B/bsdsync/bsdsync.ko" \
            --module "$B/mod/bsdsync_bench.ko" --script "$OUT/cost-guest.sh" --smp 1 --mem 2G \
            --append "$APPEND" --icount --timeout 1800 --log "$COST_LOG" 2>"$OUT/cost-guest.err"; then
        cat "$OUT/cost-guest.err"
        broke+=("the icount guest run failed")
    elif ! "$PY" "$SCRIPTS/ktap-summary.py" --reports-only --name cost "$COST_LOG" \
            >"$OUT/cost-reports.log" || grep -q 'Call Trace:' "$COST_LOG"; then
        broke+=("the kernel reported problems in the icount guest (see $COST_LOG)")
    fi
    say "atomics: a guest of 1 vCPU under gdb, one operation of each single-stepped (log: $TRACE_LOG)"
    port=$((20000 + RANDOM % 20000))
    rm -f "$TRACE_OUT" "$TRACE_LOG"   # the wait below must not read an earlier run's log
    bash "$SCRIPTS/guest.sh" --kernel "$vmlinuz" --module "$B/bsdsync/bsdsync.ko" \
        --module "$B/mod/bsdsync_bench.ko" --script "$OUT/trace-guest.sh" --smp 1 --mem 2G \
        --append "$APPEND" --gdb "$port" --timeout 1800 --log "$TRACE_LOG" \
        2>"$OUT/trace-guest.err" &
    tpid=$!
    ready=''
    for _ in $(seq 600); do
        ready=$(grep -a -o 'BENCH-TRACE-READY .*' "$TRACE_LOG" 2>/dev/null | head -n 1 || true)
        [[ -n $ready ]] && break
        kill -0 "$tpid" 2>/dev/null || break
        sleep 1
    done
    if [[ -n $ready ]]; then
        addr() { sed -n "s/.* $1=\(0x\)\{0,1\}\([0-9a-f]*\).*/0x\2/p" <<<"$ready"; }
        TRACE_PORT=$port TRACE_BEGIN=$(addr begin) TRACE_END=$(addr end) \
            TRACE_LABEL=$(addr label) TRACE_ARMED=$(addr armed) TRACE_OUT=$TRACE_OUT \
            gdb -nx -batch -x "$SCRIPTS/bench-trace.py" >"$OUT/trace-gdb.log" 2>&1 || true
    fi
    if ! wait "$tpid"; then
        cat "$OUT/trace-guest.err"
        broke+=("the traced guest run failed")
    elif [[ ! -s $TRACE_OUT ]]; then
        broke+=("no instruction trace (see $OUT/trace-gdb.log)")
    fi
else
    rm -f "$COST_LOG" "$TRACE_OUT"
fi

# ---- report ------------------------------------------------------------------------------
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$ROOT" status --porcelain -- module include bench ':!bench/results' 2>/dev/null) ]] ||
    rev+="+changes"
say "writing the report"
readme=()
[[ ${BENCH_README:-0} == 1 ]] && readme=(--readme "$ROOT/README.md" --keep "$ROOT/bench/results")
cost_args=()
[[ -r $COST_LOG ]] && cost_args=(--cost-log "$COST_LOG")
[[ -s $TRACE_OUT ]] && cost_args+=(--trace "$TRACE_OUT" --trace-log "$TRACE_LOG")
log_args=(--log "$LOG")
[[ -r $LOG2 && $COST_ONLY != 1 && $SMP2 -gt 0 ]] && log_args+=(--log2 "$LOG2")
[[ $COST_ONLY == 1 ]] && log_args=()
if ! "$PY" "$SCRIPTS/bench-report.py" "${log_args[@]}" --out "$OUT" --smp "$SMP" --append "$APPEND" \
        --host-cores "$HOST_CORES" --revision "$rev" --qemu "$(qemu-system-x86_64 --version | head -n 1)" \
        --wall "$((SECONDS - T0))" --load "$load_before" --load-after "$load_after" \
        "${cost_args[@]}" "${readme[@]}"; then
    broke+=("bench-report.py failed")
fi
if ((${#broke[@]})); then
    for b in "${broke[@]}"; do say "FAILED: $b"; done
    exit 1
fi
if [[ $COST_ONLY == 1 ]]; then
    say "done in $(((SECONDS - T0) / 60))m$(((SECONDS - T0) % 60))s: $OUT/cost.md, cost.csv, trace.md"
else
    say "done in $(((SECONDS - T0) / 60))m$(((SECONDS - T0) % 60))s: $OUT/results.md, results.csv, raw.csv, sizes.md, throughput.png, cost.md, trace.md"
fi
