#!/usr/bin/env python3
"""Compare two revisions' benchmark measurements (scripts/bench-compare.sh).

Input: raw.csv files of scripts/bench.sh runs (one row per measurement: pair, impl, rd,
threads, cs, rep, ops_s, ...), one or more per revision. For every point (pair, read share,
threads, critical section) and every repeat, the ratio is bsdsync's throughput over Linux's in
that repeat (the two ran back to back in the same guest); a revision's point is the median of
its repeat ratios over all its runs, with their smallest and largest. A point is "slower beyond
the spread" when the after revision's largest ratio is below the before revision's smallest,
"faster beyond the spread" when its smallest is above the before's largest; otherwise the
ranges overlap and the runs cannot tell the two apart.

Writes a Markdown report: one table per revision (pairs x thread counts and sections), then
the points that moved beyond the spread, then the count of each kind.
"""
import argparse
import csv
import statistics
import sys


def load(paths):
    """{point: [ratio per repeat]}, point = (pair, rd, threads, cs)."""
    rows = {}
    for run, path in enumerate(paths):
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                if r.get("check", "ok") not in ("ok", ""):
                    continue
                key = (r["pair"], r["rd"], int(r["threads"]), r["cs"])
                rows.setdefault((key, run, r["rep"]), {})[r["impl"]] = float(r["ops_s"])
    points = {}
    for (key, _run, _rep), impl in rows.items():
        if impl.get("linux", 0) > 0 and "bsdsync" in impl:
            points.setdefault(key, []).append(impl["bsdsync"] / impl["linux"])
    return points


def summary(ratios):
    return statistics.median(ratios), min(ratios), max(ratios)


def table(points, title):
    """Markdown: a row per pair and read share, a column per section and thread count."""
    cols = sorted({(cs, t) for (_, _, t, cs) in points}, key=lambda c: (c[0] != "short", c[1]))
    rows = sorted({(p, rd) for (p, rd, _, _) in points}, key=lambda r: (order_of(r[0]), -int(r[1] or 0)))
    out = [f"**{title}**", "",
           "| pair | reads | " + " | ".join(f"{cs} x{t}" for cs, t in cols) + " |",
           "|---|---:|" + "---:|" * len(cols)]
    for p, rd in rows:
        cells = []
        for cs, t in cols:
            v = points.get((p, rd, t, cs))
            cells.append(f"{summary(v)[0]:.2f}" if v else "")
        out.append(f"| {p} | {rd + '%' if rd else '-'} | " + " | ".join(cells) + " |")
    return out


PAIR_ORDER = []


def order_of(pair):
    return PAIR_ORDER.index(pair) if pair in PAIR_ORDER else len(PAIR_ORDER)


def name(key):
    p, rd, t, cs = key
    return f"{p}{' ' + rd + '%' if rd else ''} {cs} x{t}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", nargs="+", required=True)
    ap.add_argument("--after", nargs="+", required=True)
    ap.add_argument("--before-rev", default="before")
    ap.add_argument("--after-rev", default="after")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    before, after = load(a.before), load(a.after)
    # Pairs in the order the before run measured them.
    with open(a.before[0], newline="") as f:
        for r in csv.DictReader(f):
            if r["pair"] not in PAIR_ORDER:
                PAIR_ORDER.append(r["pair"])
    common = sorted(set(before) & set(after), key=lambda k: (order_of(k[0]), k))
    if not common:
        sys.exit("bench-compare.py: the two revisions have no point in common")
    slower, faster = [], []
    for k in common:
        b, af = summary(before[k]), summary(after[k])
        if af[2] < b[1]:
            slower.append((k, b, af))
        elif af[1] > b[2]:
            faster.append((k, b, af))
    L = [f"# bsdsync/Linux throughput ratios, {a.before_rev} then {a.after_rev}, one sitting", "",
         f"Runs: {len(a.before)} of {a.before_rev}, {len(a.after)} of {a.after_rev}; each cell "
         "is the median over repeats of bsdsync's throughput over Linux's in the same repeat.", ""]
    L += table({k: before[k] for k in common}, f"Before ({a.before_rev})") + [""]
    L += table({k: after[k] for k in common}, f"After ({a.after_rev})") + [""]

    def fmt(items):
        return "; ".join(f"{name(k)}: {b[0]:.2f} ({b[1]:.2f}-{b[2]:.2f}) -> "
                         f"{af[0]:.2f} ({af[1]:.2f}-{af[2]:.2f})" for k, b, af in items) or "none"
    L += [f"Points compared: {len(common)}; slower beyond the spread: {len(slower)}; faster "
          f"beyond the spread: {len(faster)}; overlapping: {len(common) - len(slower) - len(faster)}.",
          "", f"Slower beyond the spread: {fmt(slower)}.", "",
          f"Faster beyond the spread: {fmt(faster)}.", ""]
    only = sorted((set(before) ^ set(after)), key=lambda k: (order_of(k[0]), k))
    if only:
        L += ["Measured by one revision only (not compared): "
              + ", ".join(name(k) for k in only) + ".", ""]
    with open(a.out, "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
