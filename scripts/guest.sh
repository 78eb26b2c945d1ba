#!/usr/bin/env bash
# Boot a kernel in QEMU (TCG) with a throw-away busybox initramfs, run a guest script in it,
# and power off.
#
#   scripts/guest.sh --kernel BZIMAGE --script GUEST_SH [--module A.ko]... [--file PATH]...
#                    [--timeout SECS] [--log FILE] [--smp N] [--mem SIZE] [--append ARGS]
#                    [--stdout] [--icount] [--gdb PORT]
#
#   --module/--file  copied into the guest's /mod (modules also to /lib/modules); repeatable
#   --script         busybox sh script run as root in the guest, cwd /mod, with MODDIR=/mod;
#                    its exit status is reported back (a non-zero one fails guest.sh)
#   --timeout        wall-clock limit for the whole QEMU run (default 300)
#   --log            console log (default: a temporary file, removed on success)
#   --smp, --mem     default 2 and 2G
#   --append         extra kernel command-line arguments
#   --stdout         also stream the console to stdout while the guest runs
#   --icount         deterministic time: single-threaded TCG with `-icount shift=0,sleep=off`,
#                    so guest time (and the TSC) advances exactly 1 ns per instruction
#                    executed (use with --smp 1; scripts/bench.sh's instruction-count table)
#   --gdb PORT       QEMU's gdb server on 127.0.0.1:PORT (scripts/bench-trace.py attaches to it)
#
# Exit status: 0 guest script ran and exited 0; 1 usage/setup error; 2 guest script exited
# non-zero; 3 timeout; 4 the guest ended without finishing (panic, oops, triple fault).
# Kernel reports (WARN, lockdep, KASAN...) are NOT judged here: run scripts/ktap-summary.py
# on the log.
set -euo pipefail

DONE_MARKER=BSDSYNC-GUEST-DONE

die() { echo "guest.sh: $*" >&2; exit 1; }

kernel='' script='' timeout=300 log='' smp=2 mem=2G append='' stdout=0 icount=0 gdbport=''
files=() modules=()
while (($#)); do
    case $1 in
        --kernel)  kernel=$2; shift 2 ;;
        --module)  modules+=("$2"); shift 2 ;;
        --file)    files+=("$2"); shift 2 ;;
        --script)  script=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --log)     log=$2; shift 2 ;;
        --smp)     smp=$2; shift 2 ;;
        --mem)     mem=$2; shift 2 ;;
        --append)  append=$2; shift 2 ;;
        --stdout)  stdout=1; shift ;;
        --icount)  icount=1; shift ;;
        --gdb)     gdbport=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
[[ -n $kernel && -r $kernel ]] || die "--kernel BZIMAGE required and readable"
[[ -n $script && -r $script ]] || die "--script GUEST_SH required and readable"
for f in "${modules[@]}" "${files[@]}"; do [[ -r $f ]] || die "cannot read $f"; done
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
# A dynamically linked busybox would need its libraries in the initramfs.
if ldd "$busybox" >/dev/null 2>&1; then
    [[ -x /bin/busybox.static ]] || die "$busybox is not static (apt-get install busybox-static)"
    busybox=/bin/busybox.static
fi

work=$(mktemp -d /tmp/bsdsync-guest.XXXXXX)
keep_log=1
[[ -n $log ]] || { log=$work.log; keep_log=0; }
mkdir -p "$(dirname "$log")"
cleanup() { rm -rf "$work"; ((keep_log)) || rm -f "$log"; }
trap cleanup EXIT

# --- initramfs --------------------------------------------------------------------------
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,mod,lib/modules,etc}
cp "$busybox" "$root/bin/busybox"
for f in "${modules[@]}"; do cp "$f" "$root/mod/"; cp "$f" "$root/lib/modules/"; done
for f in "${files[@]}"; do cp -r "$f" "$root/mod/"; done
cp "$script" "$root/guest.sh"

cat >"$root/init" <<EOF
#!/bin/busybox sh
# PID 1 of the test guest. The kernel may start us without a console (there is no
# /dev/console in the archive, so nothing here needs root to build): mount devtmpfs first,
# then attach stdio to the console.
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec 0</dev/console 1>/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin:/sbin MODDIR=/mod
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
echo "bsdsync-guest: kernel \$(uname -r), \$(nproc) CPU(s); running guest script"
cd /mod
sh /guest.sh
rc=\$?
echo "$DONE_MARKER rc=\$rc"
# -no-reboot turns the reboot into a QEMU exit (a tinyconfig kernel cannot power off).
reboot -f
sleep 5
echo "bsdsync-guest: reboot failed"
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.gz"

# --- boot ---------------------------------------------------------------------------------
# panic=-1: reboot (so QEMU exits) immediately on panic; oops=panic turns any oops into one,
# so a crash ends the run in seconds instead of waiting for the timeout. A task stuck in D
# state for 120 s (hung_task) or a CPU spinning with preemption off for ~20 s (soft lockup)
# panics too, after its report is printed: a deadlocked test costs about 2-4 minutes, not the
# whole timeout. (insmod waits for each KUnit case in D state: test.sh's KUnit guest script
# raises the hung-task limit past KUnit's own 300 s per case.)
# WARN and lockdep reports do not stop the guest; the log detector judges them.
cmdline="console=ttyS0 panic=-1 oops=panic hung_task_panic=1 softlockup_panic=1 loglevel=7 $append"
# shellcheck disable=SC2054  # the commas belong to QEMU's option syntax
accel=(-accel tcg,thread=multi)
# icount needs the single-threaded TCG; sleep=off: an idle guest's clock jumps to its next
# timer instead of following the host's clock, so no host time leaks into guest time.
((icount)) && accel=(-accel tcg,thread=single -icount shift=0,sleep=off)
qemu=(qemu-system-x86_64 "${accel[@]}" -cpu max -smp "$smp" -m "$mem"
      -nodefaults -display none -no-reboot -serial stdio
      -kernel "$kernel" -initrd "$work/initramfs.gz" -append "$cmdline")
[[ -n $gdbport ]] && qemu+=(-gdb "tcp:127.0.0.1:$gdbport")

: >"$log"
echo "guest.sh: booting $(basename "$kernel") (smp $smp, mem $mem, timeout ${timeout}s), log $log" >&2
start=$SECONDS
set +e
# The QEMU process is killed 10 s after the timeout if SIGTERM does not end it. sed -u, not
# tr: the log must follow the guest line by line (tail -f, --stdout), not in 4 KiB blocks.
if ((stdout)); then
    timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$log"
else
    timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\r$//' >"$log"
fi
qrc=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))

fail() {
    echo "guest.sh: FAILED: $1 (after ${elapsed}s); last 60 console lines:" >&2
    tail -n 60 "$log" | sed 's/^/    /' >&2
    keep_log=1
    echo "guest.sh: full console log: $log" >&2
    exit "$2"
}

if ((qrc == 124 || qrc == 137)); then
    fail "timed out after ${timeout}s" 3
fi
marker=$(grep -a "^$DONE_MARKER rc=" "$log" | tail -n 1 || true)
if [[ -z $marker ]]; then
    fail "guest ended without completing its script (qemu exit $qrc: panic/oops?)" 4
fi
grc=${marker##*rc=}
if [[ $grc != 0 ]]; then
    fail "guest script exited $grc" 2
fi
echo "guest.sh: done in ${elapsed}s" >&2
