#!/usr/bin/env bash
# Two revisions' benchmarks in one sitting: `make bench` of BEFORE, then of AFTER (default: the
# working tree), on this machine, back to back, and a table of how each point's bsdsync/Linux
# ratio moved. The ratio is what is compared (not raw throughput): each run measures the Linux
# lock in the same guest, so host drift between the two runs cancels out.
#
#   scripts/bench-compare.sh BEFORE [AFTER]
#
# BEFORE/AFTER: git revisions of this repository (AFTER may be "." for the working tree). Each
# is exported (git archive) to build/bench-compare/<label>/ and benchmarked with its own
# scripts/bench.sh and bench/ module, so an old revision measures what it had. BENCH_* variables
# are passed to both runs (scripts/bench.sh lists them); here they default to BENCH_SMP2=0
# (the primary run only) and BENCH_COST=0 (the instruction table is deterministic: compare it
# with BENCH_COST_ONLY=1 runs instead). A pair only one revision has is listed, not compared.
# BENCH_COMPARE_ORDER=abba runs BEFORE, AFTER, AFTER, BEFORE and merges each revision's two
# runs (slow drift of the host then favours neither side).
#
# Output: build/bench-compare/compare.md (the two tables, and every point whose ranges do not
# overlap: after's highest repeat ratio below before's lowest is "slower beyond the spread").
# Nothing else may run on the machine meanwhile; the script says the host load before and
# after each run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/build/bench-compare
T0=$SECONDS
say() { printf '[bench-compare %4ds] %s\n' $((SECONDS - T0)) "$*"; }
die() { say "FAILED: $*"; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: scripts/bench-compare.sh BEFORE [AFTER]"
BEFORE=$1 AFTER=${2:-.}
export BENCH_SMP2=${BENCH_SMP2-0} BENCH_COST=${BENCH_COST-0}
ORDER=${BENCH_COMPARE_ORDER:-ab}
[[ $ORDER == ab || $ORDER == abba ]] || die "BENCH_COMPARE_ORDER is ab or abba"

[[ ${SKIP_DEPS:-0} == 1 ]] || bash "$ROOT/scripts/deps.sh"
export SKIP_DEPS=1
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

mkdir -p "$OUT"
# export LABEL REV: the revision's tree in $OUT/LABEL/src (REV "." = the working tree).
export_tree() {
    local dir=$OUT/$1/src
    rm -rf "$dir"
    mkdir -p "$dir"
    if [[ $2 == . ]]; then
        # The working tree as it is, without build products.
        (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) |
            (cd "$ROOT" && xargs -0 cp --parents -t "$dir" 2>/dev/null) || true
        echo "$(git -C "$ROOT" rev-parse --short HEAD)+worktree" >"$OUT/$1/revision"
    else
        git -C "$ROOT" rev-parse --verify -q "$2^{commit}" >/dev/null || die "no revision $2"
        git -C "$ROOT" archive "$2" | tar -x -C "$dir"
        git -C "$ROOT" rev-parse --short "$2" >"$OUT/$1/revision"
    fi
}
export_tree before "$BEFORE"
export_tree after "$AFTER"

# run LABEL N: one benchmark of a revision; its measurements (raw.csv: one row per
# measurement) kept as LABEL-N.csv.
run() {
    local label=$1 n=$2 dir=$OUT/$1/src
    say "$label run $n ($(cat "$OUT/$label/revision")), host load $(cut -d' ' -f1-3 /proc/loadavg)"
    if ! bash "$dir/scripts/bench.sh" >"$OUT/$label-$n.log" 2>&1; then
        tail -n 30 "$OUT/$label-$n.log"
        die "the $label run failed (log: $OUT/$label-$n.log)"
    fi
    cp "$dir/build/bench/raw.csv" "$OUT/$label-$n.csv"
    say "$label run $n done, host load $(cut -d' ' -f1-3 /proc/loadavg)"
}
rm -f "$OUT"/*.csv
if [[ $ORDER == abba ]]; then
    run before 1; run after 1; run after 2; run before 2
else
    run before 1; run after 1
fi

"$PY" "$ROOT/scripts/bench-compare.py" --out "$OUT/compare.md" \
    --before-rev "$(cat "$OUT/before/revision")" --after-rev "$(cat "$OUT/after/revision")" \
    --before "$OUT"/before-[0-9].csv --after "$OUT"/after-[0-9].csv
cat "$OUT/compare.md"
say "done: $OUT/compare.md"
