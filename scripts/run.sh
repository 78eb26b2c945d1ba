#!/usr/bin/env bash
# The main job (what `make run` runs): build bsdsync.ko and the example drivers against the
# stock Debian 6.1 headers, boot the stock 6.1 kernel in QEMU, load bsdsync.ko, then each
# example in turn, let it work for a few seconds, show what it printed, unload it, and say
# whether everything ran cleanly.
#
# bsdsync runs with its lock-order checker on (witness=1): after the examples, the order
# graph they built is printed, saved as build/logs/witness.dot and drawn to
# build/logs/witness.png (Graphviz's dot, installed with apt if missing), with any reversal
# witness saw.
#
# Environment: RUN_SECONDS (time each example runs, default 5), RUN_TIMEOUT (guest limit,
# default 300 s), SKIP_DEPS=1, VERBOSE=1 (stream the whole console, not just the
# example's lines). Console log: build/logs/run-console.log.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS=$ROOT/scripts
LOGS=$ROOT/build/logs
RUN_SECONDS=${RUN_SECONDS:-5}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
mkdir -p "$LOGS"

say() { printf '[run] %s\n' "$*"; }
verdict_fail() { echo; echo "VERDICT: FAIL: $*"; exit 1; }

[[ ${SKIP_DEPS:-0} == 1 ]] || bash "$SCRIPTS/deps.sh"

# The stock kernel to boot and the headers it was built from.
KDIR=$(ls -1d /usr/src/linux-headers-6.1.*[0-9]-amd64 2>/dev/null | sort -V | tail -n 1)
[[ -n $KDIR ]] || verdict_fail "no /usr/src/linux-headers-6.1*-amd64 (run scripts/deps.sh)"
# Not include/config/kernel.release: Debian's 6.1 headers say "6.1.192" there.
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h")
vmlinuz=/boot/vmlinuz-$krel
[[ -r $vmlinuz ]] || verdict_fail "$vmlinuz missing (apt-get install linux-image-$krel)"

B=$ROOT/build/run-$krel
say "building bsdsync.ko against $krel headers (log: $LOGS/run-build.log)"
make -C "$ROOT" --no-print-directory modules KDIR="$KDIR" BUILD="$B" >"$LOGS/run-build.log" 2>&1 ||
    { tail -n 40 "$LOGS/run-build.log"; verdict_fail "bsdsync.ko does not build"; }

names=()
if compgen -G "$ROOT/examples/*/Kbuild" >/dev/null || compgen -G "$ROOT/examples/*/Makefile" >/dev/null; then
    say "building the examples"
    make -C "$ROOT" --no-print-directory examples KDIR="$KDIR" BUILD="$B" >>"$LOGS/run-build.log" 2>&1 ||
        { tail -n 40 "$LOGS/run-build.log"; verdict_fail "the examples do not build"; }
    while IFS= read -r ko; do names+=("$(basename "$ko" .ko)"); done \
        < <(find "$B/examples" -name '*.ko' | sort)
fi
mods=(--module "$B/bsdsync.ko")
for n in "${names[@]}"; do mods+=(--module "$(find "$B/examples" -name "$n.ko" | head -n 1)"); done
if ((${#names[@]} == 0)); then
    say "no example drivers yet (examples/ has none): loading bsdsync.ko alone"
else
    say "examples: ${names[*]}"
fi

guest=$LOGS/run-guest.sh
{
    echo 'fail=0'
    echo 'insmod /mod/bsdsync.ko witness=1 || { echo "=== insmod bsdsync.ko FAILED"; exit 1; }'
    echo 'echo "=== bsdsync loaded (witness on)"'
    for n in "${names[@]}"; do
        cat <<EOF
echo "=== $n: loading, running ${RUN_SECONDS}s"
if insmod /mod/$n.ko; then
    sleep $RUN_SECONDS
    echo "=== $n: unloading"
    rmmod $n || { echo "=== rmmod $n FAILED"; fail=1; }
else
    echo "=== insmod $n FAILED"; fail=1
fi
EOF
    done
    # The lock-order graph the examples built, and the reversals witness saw.
    echo 'W=/sys/kernel/debug/bsdsync/witness'
    echo 'echo "=== witness: lock-order graph (DOT) begins"; cat $W/graph.dot; echo "=== witness: lock-order graph ends"'
    echo 'echo "=== witness: reversals: $(grep -c . $W/reversals)"; sed "s/^/=== witness: /" $W/reversals'
    echo 'rmmod bsdsync || { echo "=== rmmod bsdsync FAILED"; exit 1; }'
    echo 'echo "=== bsdsync unloaded"'
    echo 'exit $fail'
} >"$guest"

# Show, live, what matters: the steps above, lines the example and bsdsync print (they
# start with the module name), and the first line of any kernel report.
pattern='^(\[ *[0-9.]+\] )?(=== |bsdsync'
for n in "${names[@]}"; do pattern+="|$n"; done
pattern+=')|WARNING:|BUG:|Oops|Kernel panic|general protection|INFO: task'
[[ ${VERBOSE:-0} == 1 ]] && pattern=.

say "booting $krel in QEMU (TCG; about 10 s to a shell)"
echo
set +e
bash "$SCRIPTS/guest.sh" --kernel "$vmlinuz" "${mods[@]}" --script "$guest" \
    --timeout "$RUN_TIMEOUT" --log "$LOGS/run-console.log" --stdout 2>"$LOGS/run-guest.err" |
    grep --line-buffered -E "$pattern"
grc=${PIPESTATUS[0]}
set -e
echo

if ((grc != 0)); then
    cat "$LOGS/run-guest.err"
    verdict_fail "the guest run failed (exit $grc); console log: $LOGS/run-console.log"
fi
if ! python3 "$SCRIPTS/ktap-summary.py" --reports-only --name run "$LOGS/run-console.log" \
        >"$LOGS/run-reports.log"; then
    grep -v '^KTAP_SUMMARY' "$LOGS/run-reports.log" | head -n 60
    verdict_fail "the kernel reported problems; console log: $LOGS/run-console.log"
fi
# The order graph, drawn.
sed -n '/^=== witness: lock-order graph (DOT) begins/,/^=== witness: lock-order graph ends/p' \
    "$LOGS/run-console.log" | sed '1d;$d' >"$LOGS/witness.dot"
if [[ -s $LOGS/witness.dot ]]; then
    if ! command -v dot >/dev/null && [[ ${SKIP_DEPS:-0} != 1 ]]; then
        sudo=()
        ((EUID == 0)) || sudo=(sudo)
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 \
            install -y -q --no-install-recommends graphviz >"$LOGS/run-apt.log" 2>&1 || true
    fi
    if command -v dot >/dev/null && dot -Tpng "$LOGS/witness.dot" -o "$LOGS/witness.png"; then
        say "witness: the examples' lock-order graph: $LOGS/witness.dot, drawn: $LOGS/witness.png"
    else
        say "witness: the examples' lock-order graph: $LOGS/witness.dot (no Graphviz to draw it)"
    fi
fi
if ((${#names[@]} == 0)); then
    echo "VERDICT: PASS: bsdsync.ko loaded and unloaded cleanly on Debian $krel (no examples yet)"
else
    echo "VERDICT: PASS: bsdsync.ko and ${#names[@]} example(s) (${names[*]}) ran and unloaded cleanly on Debian $krel"
fi
