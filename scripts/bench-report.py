#!/usr/bin/env python3
"""Progress and report for scripts/bench.sh (the bsdsync benchmark).

    bench-report.py --progress
        Filter: reads the guest console on stdin, prints one progress line per finished
        measurement (with the bsdsync/Linux ratio once both of a point are in), and any
        failure or kernel report line.

    bench-report.py --log CONSOLE_LOG --out DIR [--smp N] [--host-cores N] [--revision R]
                    [--qemu VERSION] [--wall SECONDS]
        Parses the BENCH lines of a console log (bench/bench.c documents them) and writes
        DIR/raw.csv (one row per measurement), DIR/results.csv (one row per pair, read
        share, thread count and critical section: medians over the repeats), DIR/results.md
        (the table), DIR/sizes.md (each lock type's size next to its Linux counterpart)
        and DIR/throughput.png (ops/s against threads, one subplot per pair and read
        share).

    bench-report.py ... --cost-log COST_LOG
        Also parses the BENCH-COST lines of the icount guest's console and writes
        DIR/cost.csv and DIR/cost.md (instructions per uncontended operation, bsdsync vs
        Linux), appended to results.md. Without --log: only the cost table.

Medians: ops/s, fairness and latency are medians over the repeats; the ratio is the median
of the per-repeat ratios (each repeat ran both implementations back to back, so a ratio
compares measurements taken under the same host load), with its smallest and largest value.
Exit status 1 only if the log holds no measurement or a measurement failed its check; the
numbers are never judged.
"""

import argparse
import csv
import datetime
import math
import os
import re
import shutil
import statistics
import sys
import time

PREFIX_RE = re.compile(r"^\[\s*\d+\.\d+\]\s?(?:\[\s*[TC]\d+\]\s?)?")
KERNEL_REPORT_RE = re.compile(
    r"WARNING:|\bBUG:|kernel BUG at|\bOops\b|Kernel panic|general protection fault|"
    r"INFO: task .* blocked|soft lockup|hard LOCKUP|Call Trace:")
IMPLS = ("bsdsync", "linux")


def strip(line):
    return PREFIX_RE.sub("", line.rstrip("\r\n"))


def fields(text):
    """key=value pairs of a BENCH line (values without spaces, except the last
    BENCH-PLAN ones, which are space-separated lists: kept as the raw rest)."""
    out = {}
    for tok in text.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def parse_measurement(text):
    """A BENCH line's fields, typed; None if the line is not one."""
    if not text.startswith("BENCH pair="):
        return None
    f = fields(text[len("BENCH "):])
    try:
        m = {
            "pair": f["pair"], "impl": f["impl"], "threads": int(f["threads"]),
            "cs": f["cs"], "rd": None if f.get("rd", "-") == "-" else int(f["rd"]),
            "rep": int(f["rep"]), "ms": int(f["ms"]),
            "elapsed_ns": int(f["elapsed_ns"]), "ops": int(f["ops"]),
            "writes": int(f.get("writes", f["ops"])),
            "min": int(f["min"]), "max": int(f["max"]), "lat_n": int(f["lat_n"]),
            "lat_p50_ns": None if f["lat_p50_ns"] == "-" else int(f["lat_p50_ns"]),
            "lat_p99_ns": None if f["lat_p99_ns"] == "-" else int(f["lat_p99_ns"]),
            "check": f.get("check", "?"),
            # Context switches in the window (older logs have none).
            "blocks": int(f["blocks"]) if "blocks" in f else None,
            "preempts": int(f["preempts"]) if "preempts" in f else None,
        }
    except (KeyError, ValueError):
        return None
    secs = m["elapsed_ns"] / 1e9 if m["elapsed_ns"] > 0 else float("nan")
    m["ops_s"] = m["ops"] / secs
    m["min_ops_s"] = m["min"] / secs
    m["max_ops_s"] = m["max"] / secs
    return m


def si(x):
    """3 significant digits with k/M/G."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"


def hms(secs):
    secs = int(secs)
    return f"{secs // 60:3d}m{secs % 60:02d}s"


# ---- progress ------------------------------------------------------------------------------

def progress():
    t0 = time.monotonic()
    t_plan = None
    planned = reps = None
    done = 0
    seen = {}          # (pair, rd, threads, cs, rep) -> {impl: ops_s}

    def out(msg):
        print(f"[bench {hms(time.monotonic() - t0)}] {msg}", flush=True)

    for raw in sys.stdin:
        line = strip(raw)
        if line.startswith("bsdsync-guest: kernel"):
            out("guest up: " + line.split(": ", 1)[1])
        elif line.startswith("BENCH-GUEST "):
            out("guest: " + line[len("BENCH-GUEST "):])
        elif line.startswith("BENCH-PLAN "):
            f = fields(line)
            planned, reps = int(f.get("measurements", 0)), f.get("reps", "?")
            t_plan = time.monotonic()
            out(f"plan: {planned} measurements, {reps} repeats of {f.get('ms', '?')} ms each "
                "(plus one warm-up round)")
        elif line.startswith("BENCH pair="):
            m = parse_measurement(line)
            if m is None:
                out("unparsed: " + line)
                continue
            if m["rep"] == 0:
                out(f"warm-up {m['pair']} {m['impl']}: {si(m['ops_s'])} ops/s")
                t_plan = time.monotonic()
                continue
            done += 1
            key = (m["pair"], m["rd"], m["threads"], m["cs"], m["rep"])
            seen.setdefault(key, {})[m["impl"]] = m["ops_s"]
            rd = "" if m["rd"] is None else f" rd={m['rd']}%"
            msg = (f"{done:4d}/{planned or '?'} rep {m['rep']}/{reps} "
                   f"{m['pair'] + rd:<13} threads={m['threads']:<2} cs={m['cs']:<5} "
                   f"{m['impl']:<7} {si(m['ops_s']):>6} ops/s")
            if m["lat_p50_ns"] is not None:
                msg += f"  lat p50 {m['lat_p50_ns'] / 1000:.1f} us p99 {m['lat_p99_ns'] / 1000:.1f} us"
            both = seen[key]
            if len(both) == 2 and both["linux"] > 0:
                msg += f"  | bsdsync/linux {both['bsdsync'] / both['linux']:.2f}"
            if m["check"] != "ok":
                msg += f"  CHECK {m['check']}"
            if planned and t_plan and done < planned:
                eta = (time.monotonic() - t_plan) / done * (planned - done)
                msg += f"  (eta {hms(eta).strip()})"
            out(msg)
        elif line.startswith(("BENCH-FAIL", "BENCH-ERROR")) or KERNEL_REPORT_RE.search(line):
            out("!! " + line)
        elif line.startswith("BSDSYNC-GUEST-DONE"):
            out("guest script finished: " + line.split(" ", 1)[1])
    return 0


# ---- report --------------------------------------------------------------------------------

def median(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return statistics.median(xs) if xs else None


def load(log):
    meas, pairs, guest, problems, sizes = [], {}, {}, [], []
    with open(log, errors="replace") as fh:
        for raw in fh:
            line = strip(raw)
            if line.startswith("BENCH-PAIR "):
                parts = line[len("BENCH-PAIR "):].split("|")
                if len(parts) == 4:
                    pairs[parts[0]] = {"kind": parts[1], "bsdsync": parts[2], "linux": parts[3]}
            elif line.startswith("BENCH-SIZE "):
                parts = line[len("BENCH-SIZE "):].split("|")
                if len(parts) == 4:     # older form, without the per-CPU bytes
                    parts = [parts[0], parts[1], "0", parts[2], parts[3], "0"]
                row = tuple(parts) if len(parts) == 6 else None
                if row and row not in sizes:
                    sizes.append(row)
            elif line.startswith("BENCH-GUEST "):
                guest = fields(line[len("BENCH-GUEST "):])
            elif line.startswith("BENCH pair="):
                m = parse_measurement(line)
                if m is None:
                    problems.append("unparsed: " + line)
                elif m["rep"] > 0:
                    meas.append(m)
                    if m["check"] != "ok":
                        problems.append("check failed: " + line)
            elif line.startswith(("BENCH-FAIL", "BENCH-ERROR")):
                problems.append(line)
    return meas, pairs, guest, problems, sizes


def rd_key(rd):
    """Read shares in report order: exclusive-only first, then 100, 90, 50 percent."""
    return -1 if rd is None else -rd


def aggregate(meas, pairs):
    order = {p: i for i, p in enumerate(pairs)}
    by_point = {}
    for m in meas:
        by_point.setdefault((m["pair"], m["rd"], m["threads"], m["cs"]), []).append(m)
    rows = []
    for key in sorted(by_point, key=lambda k: (order.get(k[0], 99), k[0], k[3] != "short",
                                               rd_key(k[1]), k[2])):
        pair, rd, threads, cs = key
        ms = by_point[key]
        row = {"pair": pair, "kind": pairs.get(pair, {}).get("kind", "?"), "rd": rd,
               "threads": threads, "cs": cs}
        for impl in IMPLS:
            mi = [m for m in ms if m["impl"] == impl]
            row[f"{impl}_reps"] = len(mi)
            row[f"{impl}_ops_s"] = median([m["ops_s"] for m in mi])
            row[f"{impl}_min_ops_s"] = median([m["min_ops_s"] for m in mi])
            row[f"{impl}_max_ops_s"] = median([m["max_ops_s"] for m in mi])
            mean = [m["ops"] / threads for m in mi]
            row[f"{impl}_fair_min"] = median([m["min"] / a for m, a in zip(mi, mean) if a > 0])
            row[f"{impl}_fair_max"] = median([m["max"] / a for m, a in zip(mi, mean) if a > 0])
            # How often the taker had to block (hand-off pairs): latency samples per op.
            row[f"{impl}_blocked"] = median([m["lat_n"] / m["ops"] for m in mi if m["ops"]])
            # Blocks (voluntary context switches) per 1000 operations, all threads.
            row[f"{impl}_blocks_kop"] = median([1000 * m["blocks"] / m["ops"] for m in mi
                                                if m["ops"] and m["blocks"] is not None])
            lat = [m for m in mi if m["lat_n"] > 0 and m["lat_p50_ns"] is not None]
            row[f"{impl}_lat_n"] = sum(m["lat_n"] for m in lat)
            row[f"{impl}_lat_p50_ns"] = median([m["lat_p50_ns"] for m in lat])
            row[f"{impl}_lat_p99_ns"] = median([m["lat_p99_ns"] for m in lat])
        ratios = []
        for rep in sorted({m["rep"] for m in ms}):
            b = [m for m in ms if m["rep"] == rep and m["impl"] == "bsdsync"]
            lx = [m for m in ms if m["rep"] == rep and m["impl"] == "linux"]
            if b and lx and lx[0]["ops_s"] > 0:
                ratios.append(b[0]["ops_s"] / lx[0]["ops_s"])
        row["ratio"] = median(ratios)
        row["ratio_min"] = min(ratios) if ratios else None
        row["ratio_max"] = max(ratios) if ratios else None
        row["ratio_reps"] = len(ratios)
        rows.append(row)
    return rows


RAW_COLS = ["pair", "impl", "rd", "threads", "cs", "rep", "ms", "elapsed_ns", "ops", "writes",
            "ops_s",
            "min", "max", "min_ops_s", "max_ops_s", "lat_n", "lat_p50_ns", "lat_p99_ns",
            "blocks", "preempts", "check"]
ROW_COLS = ["pair", "kind", "rd", "threads", "cs", "ratio", "ratio_min", "ratio_max", "ratio_reps"] + [
    f"{i}_{c}" for i in IMPLS for c in (
        "reps", "ops_s", "min_ops_s", "max_ops_s", "fair_min", "fair_max", "blocked", "lat_n",
        "lat_p50_ns", "lat_p99_ns", "blocks_kop")]


def fmt_csv(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


def write_csv(path, cols, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow([fmt_csv(r.get(c)) for c in cols])


def us(ns):
    if ns is None:
        return None
    us_ = ns / 1000
    return f"{us_:.0f}" if us_ >= 100 else f"{us_:.1f}" if us_ >= 1 else f"{us_:.2f}"


def config_lines(args, guest, meas):
    reps = max((m["rep"] for m in meas), default=0)
    ms = sorted({m["ms"] for m in meas})
    mem = guest.get("mem_kb")
    mem = f"{int(mem) / 1048576:.1f} GiB" if mem and mem.isdigit() else "?"
    return [
        f"- Guest: Debian's stock kernel `{guest.get('kernel', '?')}` (production configuration, "
        f"no debug options; preemption `{guest.get('preempt', '?')}`, HZ 250), "
        f"{guest.get('cpus', args.smp)} vCPUs, {mem}, clocksource `{guest.get('clocksource', '?')}`, "
        f"cpuidle `{guest.get('cpuidle', '?')}`"
        + (f" (boot arguments `{args.append}`)." if args.append else "."),
        f"- Host: QEMU TCG (`-accel tcg,thread=multi -cpu max`), {args.qemu or 'QEMU'}, "
        f"on {args.host_cores} host cores shared with other jobs: the {guest.get('cpus', args.smp)} "
        "vCPUs time-share them, so absolute numbers mean little and even the ratios are noisy."
        + (f" Host load average (1/5/15 min) {args.load} when the guest started, "
           f"{args.load_after} when it ended." if args.load else ""),
        f"- Each point: {reps} repeat(s) of {'/'.join(str(x) for x in ms)} ms (guest time) per "
        "implementation, the two implementations back to back in each repeat (order alternating), "
        "threads bound round-robin to the vCPUs and started together behind a barrier; "
        "medians reported.",
        f"- bsdsync revision `{args.revision}`; run {datetime.date.today().isoformat()}"
        + (f", {args.wall // 60} min {args.wall % 60} s wall clock in all (build, boot, "
           "measurements)." if args.wall else "."),
    ]


def fr(x):
    """A ratio: two decimals, or two significant digits below 0.1 (0.0035, not 0.00)."""
    return f"{x:.2f}" if x >= 0.1 else f"{x:.2g}"


def write_md(path, args, rows, pairs, guest, meas):
    L = []
    L += config_lines(args, guest, meas)
    L.append("")
    L.append("What each pair compares (bsdsync first):")
    L.append("")
    for name, p in pairs.items():
        if any(r["pair"] == name for r in rows):
            L.append(f"- **{name}** ({p['kind']}): `{p['bsdsync']}` vs `{p['linux']}`")
    L.append("")
    # At a glance: the ratio per pair (and read share) against threads and section.
    order = {p: i for i, p in enumerate(pairs)}
    keys = sorted({(r["pair"], r["rd"]) for r in rows},
                  key=lambda k: (order.get(k[0], 99), k[0], rd_key(k[1])))
    threads = sorted({r["threads"] for r in rows})
    css = [c for c in ("short", "long") if any(r["cs"] == c for r in rows)]
    cols = [(c, t) for c in css for t in threads]
    L.append("bsdsync/Linux throughput ratio at a glance (median over the repeats; above 1: "
             "bsdsync faster; the full table follows):")
    L.append("")
    L.append("| pair | reads | " + " | ".join(f"{c} x{t}" for c, t in cols) + " |")
    L.append("|---|---:|" + "---:|" * len(cols))
    by = {(r["pair"], r["rd"], r["cs"], r["threads"]): r for r in rows}
    for pair, rd in keys:
        cells = []
        for c, t in cols:
            r = by.get((pair, rd, c, t))
            cells.append("-" if r is None or r["ratio"] is None else fr(r["ratio"]))
        L.append(f"| {pair} | {'-' if rd is None else f'{rd}%'} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("| pair | reads | cs | threads | bsdsync ops/s | Linux ops/s "
             "| bsdsync/Linux (min-max) | fairness bsdsync | fairness Linux "
             "| latency bsdsync p50/p99 us | latency Linux p50/p99 us "
             "| blocks per 1000 ops bsdsync/Linux |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = "-" if r["ratio"] is None else (
            f"**{fr(r['ratio'])}** ({fr(r['ratio_min'])}-{fr(r['ratio_max'])})")
        cells = [r["pair"], "-" if r["rd"] is None else f"{r['rd']}%", r["cs"],
                 str(r["threads"]), si(r["bsdsync_ops_s"]), si(r["linux_ops_s"]), ratio]
        for impl in IMPLS:
            if r["threads"] == 1 or r[f"{impl}_fair_min"] is None:
                cells.append("-")
            else:
                cells.append(f"{r[f'{impl}_fair_min']:.2f}/{r[f'{impl}_fair_max']:.2f}")
        for impl in IMPLS:
            p50, p99 = us(r[f"{impl}_lat_p50_ns"]), us(r[f"{impl}_lat_p99_ns"])
            cells.append(f"{p50}/{p99}" if p50 is not None else "-")
        bk = [r[f"{impl}_blocks_kop"] for impl in IMPLS]
        cells.append("-" if None in bk else "/".join(f"{b:.3g}" for b in bk))
        L.append("| " + " | ".join(cells) + " |")
    L.append("")
    L.append("Reading the columns: ops/s is the median over the repeats of operations per "
             "second, all threads together (lock pairs: lock + critical section + unlock; "
             "hand-off pairs: token receptions). bsdsync/Linux is the median of the "
             "per-repeat ratios, above 1 when bsdsync is faster, with the smallest and "
             "largest repeat in brackets. Fairness: the slowest and fastest thread's "
             "operations divided by the mean per thread (1.00/1.00 is perfectly even). "
             "Reads (shared pairs): the share of operations that take the lock shared and "
             "only read the data; the rest take it exclusive and write. "
             "Latency, hand-off pairs (cv, sleep, sema; threads >= 2): wake latency, from "
             "just before the wake call to the woken thread running with its token, over "
             "every hand-off where the taker had to block. Latency, lock and shared pairs: "
             "acquire latency, the time the lock call took (spinning, or blocking until "
             "woken), sampled on one operation in 64 of each thread: under contention its "
             "p99 shows the waiters that were put to sleep and woken. Histogram buckets 3% "
             "wide; the clock read is included. Blocks per 1000 ops: the threads' voluntary "
             "context switches (a thread blocked: in the primitive, or for a hand-off) in "
             "the measured window, per 1000 operations, median over the repeats; Linux's "
             "scheduler counts them (nvcsw), the same for both implementations. "
             "A fairness minimum of 0.00: a thread that "
             "got no operation in at all (oversubscribed runs: two threads per vCPU). "
             "Hand-off pairs with N threads run N/2 "
             "independent ping-pong pairs at once; with 1 thread the thread hands the token "
             "to itself (nobody to wake). cs short: a few updates of shared words; cs long: "
             "200 updates walking 1 KiB (reads: the same words, read only).")
    with open(path, "w") as fh:
        fh.write("\n".join(L) + "\n")


def write_sizes(path, sizes, guest):
    L = [f"Sizes as `sizeof()` gives them in bsdsync_bench.ko built for "
         f"`{guest.get('kernel', '?')}` (stock configuration: no lock debugging, which would "
         "grow the Linux types).", "",
         "| bsdsync | bytes | Linux counterpart | bytes |", "|---|---:|---|---:|"]
    def size(n, pcpu):
        return n + (f" + {pcpu} per CPU" if pcpu not in ("", "0") else "")

    for bsd, bsz, bpc, lnx, lsz, lpc in sizes:
        if lnx == "-":
            L.append(f"| `{bsd}` | {size(bsz, bpc)} | (none) | |")
        else:
            L.append(f"| `{bsd}` | {size(bsz, bpc)} | `{lnx}` | {size(lsz, lpc)} |")
    with open(path, "w") as fh:
        fh.write("\n".join(L) + "\n")


def write_png(path, rows, pairs, guest, args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # One subplot per pair and read share.
    order = {p: i for i, p in enumerate(pairs)}
    names = sorted({(r["pair"], r["rd"]) for r in rows},
                   key=lambda k: (order.get(k[0], 99), k[0], rd_key(k[1])))
    ncols = min(4, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 4.0 * nrows), squeeze=False)
    colors = {"bsdsync": "tab:blue", "linux": "tab:orange"}
    styles = {"short": ("-", "o"), "long": ("--", "s")}
    for ax, (name, rd) in zip(axes.flat, names):
        pr = [r for r in rows if r["pair"] == name and r["rd"] == rd]
        threads = sorted({r["threads"] for r in pr})
        for cs in ("short", "long"):
            cr = sorted((r for r in pr if r["cs"] == cs), key=lambda r: r["threads"])
            if not cr:
                continue
            for impl in IMPLS:
                pts = [(r["threads"], r[f"{impl}_ops_s"]) for r in cr if r[f"{impl}_ops_s"]]
                if not pts:
                    continue
                ls, mk = styles[cs]
                ax.plot([p[0] for p in pts], [p[1] for p in pts], linestyle=ls, marker=mk,
                        color=colors[impl], label=f"{'Linux' if impl == 'linux' else impl}, cs {cs}")
        ax.set_xscale("log", base=2)
        ax.set_xticks(threads)
        ax.set_xticklabels([str(t) for t in threads])
        ax.set_yscale("log")
        ax.set_xlabel("threads")
        ax.set_ylabel("ops/s (median)")
        p = pairs.get(name)
        title = name if not p else f"{name}: {p['bsdsync']}\nvs {p['linux']}"
        if rd is not None:
            title += f", {rd}% reads"
        ax.set_title(title, fontsize=8.5)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"bsdsync vs Linux, Debian {guest.get('kernel', '?')} guest, "
                 f"{guest.get('cpus', args.smp)} vCPUs under QEMU TCG on {args.host_cores} host "
                 "cores (noisy: compare lines within a subplot)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=110)


COST_COLS = ["pair", "op", "bsdsync_insns", "linux_insns", "diff", "bsdsync_atomics",
             "linux_atomics", "calib"]
OP_NAMES = {"lock": ["lock"], "shared": ["read", "write"], "handoff": ["handoff"]}
# A locked instruction: a `lock` prefix, or xchg with memory (locked implicitly). The kernel's
# own LOCK_PREFIX sites read `ds` in a guest of one vCPU: Linux patches its lock prefixes to
# the no-op `ds` prefix while a single CPU is online (SMP alternatives); they are locked
# on any machine with two CPUs, so they count.
ATOMIC_RE = re.compile(r"^((lock|ds)\s+(cmpxchg|xadd|add|sub|inc|dec|and|or|xor|bts|btr|btc|neg|not)"
                       r"|lock\s|xchg\S*\s.*\()")


def load_syms(log):
    """The guest's text symbols (BENCH-SYM lines of the traced guest), sorted by address."""
    syms = []
    with open(log, errors="replace") as fh:
        for raw in fh:
            line = strip(raw)
            if line.startswith("BENCH-SYM "):
                parts = line.split()
                if len(parts) >= 4:
                    mod = parts[4] if len(parts) > 4 else ""
                    syms.append((int(parts[1], 16), parts[3] + (" " + mod if mod else "")))
    syms.sort()
    return syms


def symbolize(syms, pc):
    import bisect
    i = bisect.bisect_right(syms, (pc, "\uffff")) - 1
    return syms[i][1] if i >= 0 else "?"


def load_trace(path, log, pairs):
    """{(pair, op, impl): {"n": instructions stepped, "atomics": [(function, insn)],
    "functions": [names in first-entered order]}} from scripts/bench-trace.py's output."""
    syms = load_syms(log) if log else []
    out, cur, key = {}, None, None

    def keep():
        # Each operation is traced several times: keep the shortest (another trace may
        # have gone through the scheduler or an interrupt's aftermath).
        if cur is not None and (key not in out or cur["n"] < out[key]["n"]):
            out[key] = cur
    with open(path, errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("OP "):
                f = fields(line[3:])
                kind = pairs.get(f["pair"], {}).get("kind", "lock")
                names = OP_NAMES.get(kind, ["op0", "op1"])
                op = int(f["op"])
                cur = {"n": 0, "atomics": [], "functions": []}
                key = (f["pair"], names[op] if op < len(names) else f"op{op}", f["impl"])
            elif line.startswith("I ") and cur is not None:
                _, pc, insn = line.split(" ", 2)
                fn = symbolize(syms, int(pc, 16)) if syms else "?"
                if not cur["functions"] or cur["functions"][-1] != fn:
                    if fn not in cur["functions"]:
                        cur["functions"].append(fn)
                if ATOMIC_RE.match(insn.strip()):
                    cur["atomics"].append((fn, insn.strip()))
            elif line.startswith("END ") and cur is not None:
                cur["n"] = int(fields(line[4:]).get("n", 0))
                cur["truncated"] = "truncated" in line
                keep()
                cur = None
    return out


def load_cost(log):
    """The BENCH-COST lines of the icount guest: {(pair, op): {impl: insns}}, pairs, guest."""
    cost, pairs, guest, calib = {}, {}, {}, set()
    with open(log, errors="replace") as fh:
        for raw in fh:
            line = strip(raw)
            if line.startswith("BENCH-PAIR "):
                parts = line[len("BENCH-PAIR "):].split("|")
                if len(parts) == 4:
                    pairs[parts[0]] = {"kind": parts[1], "bsdsync": parts[2], "linux": parts[3]}
            elif line.startswith("BENCH-GUEST "):
                guest = fields(line[len("BENCH-GUEST "):])
            elif line.startswith("BENCH-COST "):
                f = fields(line[len("BENCH-COST "):])
                per_op = (int(f["min"]) - int(f["base"])) / int(f["batch"])
                if int(f.get("switches", 0)):
                    per_op = None   # it blocked: the count includes the idle time
                cost.setdefault((f["pair"], f["op"]), {})[f["impl"]] = per_op
                calib.add(f["calib"])
    return cost, pairs, guest, calib


def write_cost(out, cost_log, trace=None, trace_log=None):
    cost, pairs, guest, calib = load_cost(cost_log)
    traced = load_trace(trace, trace_log, pairs) if trace else {}
    if not cost:
        print(f"bench-report: no BENCH-COST lines in {cost_log}", file=sys.stderr)
        return None
    order = {p: i for i, p in enumerate(pairs)}
    ops = {"lock": 0, "read": 1, "write": 2, "handoff": 3}
    keys = sorted(cost, key=lambda k: (order.get(k[0], 99), ops.get(k[1], 9)))
    exact = calib == {"1.000"}
    rows = []
    for pair, op in keys:
        b, l = cost[(pair, op)].get("bsdsync", "-"), cost[(pair, op)].get("linux", "-")
        at = {i: (len(traced[(pair, op, i)]["atomics"]) if (pair, op, i) in traced else None)
              for i in IMPLS}
        rows.append({"pair": pair, "op": op, "bsdsync_insns": b, "linux_insns": l,
                     "diff": b - l if isinstance(b, float) and isinstance(l, float) else None,
                     "bsdsync_atomics": at["bsdsync"], "linux_atomics": at["linux"],
                     "calib": ",".join(sorted(calib))})
    write_csv(f"{out}/cost.csv", COST_COLS, rows)

    def n(x):
        if x is None or isinstance(x, str):
            return "blocks" if x is None else x
        return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"
    L = ["Instructions per uncontended operation (one thread, nobody else wanting the lock), "
         f"counted by QEMU's `-icount shift=0,sleep=off` in one vCPU guest of "
         f"`{guest.get('kernel', '?')}`: the same numbers on every run, whatever the host's "
         "load. lock: lock + unlock; read/write: shared/exclusive lock + unlock; handoff: "
         "one hand-off of a lone thread to itself (take + give, nobody to wake). The loop's "
         "own instructions are subtracted (and, for hand-offs, the time stamp both sides "
         "take). Each figure is the cheapest of 48 batches of 64 operations. \"blocks\": "
         "the operation put the thread to sleep even uncontended (its figure would count the "
         "guest's idle time, not instructions). The FreeBSD pairs are built as a driver "
         "built for production (`-DBSDSYNC_NO_INVARIANTS`: uncontended mtx_lock, sx_xlock "
         "and rw_wlock inline, no call); `mtx_checked` is the same mutex in the default, "
         "checked build (every operation a call, each hold recorded), the price of the "
         "checks.", ""]
    if not exact:
        L += [f"**Not exact**: the counter ran at {', '.join(sorted(calib))} units per "
              "instruction (1.000 under icount): these are time stamp counter units.", ""]
    if traced:
        L += ["Atomics: the locked (atomic read-modify-write) instructions one operation "
              "executes, counted in the disassembly of every instruction it ran (QEMU's gdb "
              "server single-stepping one operation of each, in a second guest: "
              "scripts/bench-trace.py); the functions and instructions are in trace.md.", ""]
    L.append("| pair | operation | bsdsync insns | Linux insns | bsdsync - Linux "
             "| bsdsync atomics | Linux atomics | bsdsync call | Linux call |")
    L.append("|---|---|---:|---:|---:|---:|---:|---|---|")

    def a(x):
        return "-" if x is None else str(x)
    for r in rows:
        p = pairs.get(r["pair"], {})
        d = r["diff"]
        ds = "-" if d is None else (("+" if d > 0 else "") + n(d))
        L.append(f"| {r['pair']} | {r['op']} | {n(r['bsdsync_insns'])} | {n(r['linux_insns'])} "
                 f"| {ds} | {a(r['bsdsync_atomics'])} | {a(r['linux_atomics'])} "
                 f"| `{p.get('bsdsync', '?')}` | `{p.get('linux', '?')}` |")
    with open(f"{out}/cost.md", "w") as fh:
        fh.write("\n".join(L) + "\n")
    if traced:
        T = ["# What one uncontended operation executes", "",
             "Single-stepped under QEMU's gdb server (scripts/bench-trace.py), from the return "
             "of bench_trace_begin() to the call of bench_trace_end(), the shortest of three "
             "runs of each: the instruction count includes the loop body's own few "
             "instructions.", ""]
        for (pair, op, impl), t in traced.items():
            T.append(f"## {pair} {op}, {impl}: {t['n']} instructions"
                     f"{' (truncated: it blocked?)' if t.get('truncated') else ''}, "
                     f"{len(t['atomics'])} atomic")
            T.append("")
            T.append("Functions: " + ", ".join(f"`{f}`" for f in t["functions"]))
            T.append("")
            for fn, insn in t["atomics"]:
                T.append(f"- `{insn}` in `{fn}`")
            T.append("")
        with open(f"{out}/trace.md", "w") as fh:
            fh.write("\n".join(T) + "\n")
    return f"{out}/cost.md"


def update_readme(path, marker, text):
    """Replace what lies between <!-- MARKER:begin --> and <!-- MARKER:end --> lines."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    doc = open(path).read()
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < i:
        raise SystemExit(f"bench-report: {path} has no {begin} ... {end} section")
    doc = doc[:i + len(begin)] + "\n" + text.rstrip("\n") + "\n" + doc[j:]
    with open(path, "w") as fh:
        fh.write(doc)


def report(args):
    cost_md = (write_cost(args.out, args.cost_log, args.trace, args.trace_log)
               if args.cost_log else None)
    if not args.log:
        if not cost_md:
            return 1
        print(open(cost_md).read())
        if args.readme:
            update_readme(args.readme, "bench-cost", open(cost_md).read())
        return 0
    meas, pairs, guest, problems, sizes = load(args.log)
    for p in problems:
        print("bench-report: " + p, file=sys.stderr)
    if not meas:
        print(f"bench-report: no measurements in {args.log}", file=sys.stderr)
        return 1
    raw = sorted(meas, key=lambda m: (list(pairs).index(m["pair"]) if m["pair"] in pairs else 99,
                                      m["cs"] != "short", rd_key(m["rd"]), m["threads"],
                                      m["rep"], m["impl"]))
    rows = aggregate(meas, pairs)
    write_csv(f"{args.out}/raw.csv", RAW_COLS, raw)
    write_csv(f"{args.out}/results.csv", ROW_COLS, rows)
    write_md(f"{args.out}/results.md", args, rows, pairs, guest, meas)
    if args.log2:
        meas2, pairs2, guest2, problems2, _ = load(args.log2)
        for p in problems2:
            print("bench-report: second run: " + p, file=sys.stderr)
        problems += problems2
        if meas2:
            rows2 = aggregate(meas2, pairs2)
            write_csv(f"{args.out}/results-second.csv", ROW_COLS, rows2)
            write_md(f"{args.out}/results-second.md", args, rows2, pairs2, guest2, meas2)
            cpus = guest2.get("cpus", "?")
            with open(f"{args.out}/results.md", "a") as fh:
                fh.write(f"\n#### Second run: {cpus} vCPUs on {args.host_cores} host cores\n\n"
                         "The configuration of earlier tables, kept for comparison. Where the "
                         "vCPUs outnumber the host's cores, a vCPU holding a lock can be "
                         "descheduled by the host while others spin or queue on it: ratios "
                         "at thread counts near the vCPU count measure the host's scheduling "
                         "as much as the locks.\n\n" + open(f"{args.out}/results-second.md").read())
    if cost_md:
        with open(f"{args.out}/results.md", "a") as fh:
            fh.write("\n" + open(cost_md).read())
    write_sizes(f"{args.out}/sizes.md", sizes, guest)
    write_png(f"{args.out}/throughput.png", rows, pairs, guest, args)
    print(open(f"{args.out}/results.md").read())
    print(open(f"{args.out}/sizes.md").read())
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        for f in ("results.md", "results.csv", "raw.csv", "sizes.md", "throughput.png",
                  "cost.md", "cost.csv", "trace.md", "results-second.md", "results-second.csv"):
            if os.path.exists(f"{args.out}/{f}"):
                shutil.copy(f"{args.out}/{f}", f"{args.keep}/{f}")
    if args.readme:
        update_readme(args.readme, "bench-results", open(f"{args.out}/results.md").read())
        update_readme(args.readme, "bench-sizes", open(f"{args.out}/sizes.md").read())
        if cost_md:
            update_readme(args.readme, "bench-cost", open(cost_md).read())
        print(f"bench-report: {args.readme} updated", file=sys.stderr)
    return 1 if any(p.startswith("check failed") for p in problems) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--out")
    ap.add_argument("--smp", default="?")
    ap.add_argument("--host-cores", default="?")
    ap.add_argument("--revision", default="unknown")
    ap.add_argument("--qemu", default="")
    ap.add_argument("--append", default="")
    ap.add_argument("--wall", type=int, default=0)
    ap.add_argument("--load", default="", help="host load average when the guest started")
    ap.add_argument("--load-after", default="", help="... and when it ended")
    ap.add_argument("--readme", help="put results.md and sizes.md into this README, "
                    "between its bench-results and bench-sizes markers")
    ap.add_argument("--log2", help="a second throughput run's console (another vCPU count), "
                    "reported as a labelled table after the first")
    ap.add_argument("--cost-log", help="the icount guest's console (BENCH-COST lines)")
    ap.add_argument("--trace", help="scripts/bench-trace.py's output (the atomics column)")
    ap.add_argument("--trace-log", help="the traced guest's console (BENCH-SYM lines)")
    ap.add_argument("--keep", help="copy the results (md, csv, png) into this directory")
    args = ap.parse_args()
    if args.progress:
        return progress()
    if not args.out or not (args.log or args.cost_log):
        ap.error("--out and --log (or --cost-log) are required (or --progress)")
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
