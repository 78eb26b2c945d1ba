#!/usr/bin/env python3
"""Summarise KUnit's KTAP output and find kernel reports in a guest console log.

    ktap-summary.py [--reports-only] [--name NAME] LOG

KUnit prints KTAP on the console while a test module loads: suites at indentation 0
("ok 1 suite"), their cases one level in (4 spaces), parameterised cases' parameters one
further. Lines may carry kernel timestamps ("[    1.234567] "), and the console mixes in
unrelated kernel messages and guest-script output, so the parser keys on KTAP syntax and
indentation only, and treats everything else as diagnostics of whatever test is running.

A run fails (exit 1) if a case failed, a suite did not finish (crash mid-suite, or fewer
results than planned), a kernel report was found, or -- without --reports-only -- no KTAP
results were found at all. bsdsync's own deliberate misuse reports start with "bsdsync: " and
may be followed by a dump_stack(); those are expected and never count.

The last stdout line is machine-readable for scripts/test.sh:
    KTAP_SUMMARY passed=N failed=N skipped=N reports=N suites=N
"""

import argparse
import re
import sys

INDENT = 4
MAX_DIAG_LINES = 40      # per failed case
MAX_REPORTS_SHOWN = 5
REPORT_CONTEXT = 25      # lines shown after a report header
CALLTRACE_OWNED = 400    # a Call Trace this many lines after a report belongs to it

# Console prefixes: printk time, optional caller id (CONFIG_PRINTK_CALLER).
PREFIX_RE = re.compile(r"^\[\s*\d+\.\d+\]\s?(?:\[\s*[TC]\d+\]\s?)?")

VERSION_RE = re.compile(r"^K?TAP version \d+\s*$")
PLAN_RE = re.compile(r"^1\.\.(\d+)\s*$")
SUBTEST_RE = re.compile(r"^# Subtest: (.*\S)\s*$")
RESULT_RE = re.compile(
    r"^(ok|not ok) (\d+)(?: -)? ?([^#]*?)\s*(?:#\s*(SKIP|TODO)\b\s*(.*?))?\s*$", re.I)
STATS_RE = re.compile(r"^# (?:Totals|.+?): pass:\d+ fail:\d+ skip:\d+ total:\d+\s*$")

# Headers of Linux's own reports. Any of them fails the run.
REPORT_RES = [re.compile(p) for p in (
    r"WARNING:",                       # WARN_ON, lockdep, RCU-lockdep, refcount, ...
    r"\bBUG:",                         # KASAN, KCSAN, sleeping in atomic, soft lockup, ...
    r"kernel BUG at",
    r"possible recursive locking",
    r"circular locking dependency",
    r"inconsistent lock state",
    r"\b(?:KASAN|KCSAN|UBSAN)\b",
    r"sleeping function called from invalid context",
    r"scheduling while atomic",
    r"\bOops\b",
    r"Kernel panic",
    r"general protection fault",
    r"INFO: task .* blocked",
    r"INFO: trying to register non-static key",
    r"detected stalls? on CPU|self-detected stall",
    r"Unable to handle kernel",
)]
CALLTRACE_RE = re.compile(r"^\s*Call Trace:")
BSDSYNC_RE = re.compile(r"^\s*bsdsync: ")
# Lines a dump_stack() prints; they keep a bsdsync report's context open.
DUMPSTACK_RES = [re.compile(p) for p in (
    r"^\s*CPU: \d+ PID: \d+",
    r"^\s*Hardware name:",
    r"^\s*Call Trace:",
    r"^\s*</?(?:TASK|IRQ|NMI|SOFTIRQ)>",
    r"^\s*(?:\? )?\S+\+0x[0-9a-f]+/0x[0-9a-f]+",
    r"^\s*bsdsync: ",
)]


class Node:
    """A KTAP (sub)test: a group of results that may itself end as a result."""

    def __init__(self, depth, name=None):
        self.depth = depth
        self.name = name
        self.plan = None
        self.children = []       # finished Result objects, in order
        self.buffer = []         # diagnostics since the last child result


class Result:
    def __init__(self, name, ok, directive, reason, diag, children, plan):
        self.name = name
        self.ok = ok
        self.directive = directive   # 'SKIP', 'TODO' or None
        self.reason = reason
        self.diag = diag
        self.children = children
        self.plan = plan

    @property
    def status(self):
        if self.directive == "SKIP":
            return "skipped"
        return "passed" if self.ok else "failed"


def strip_prefix(line):
    line = line.rstrip("\r\n").replace("\r", "")
    return PREFIX_RE.sub("", line, count=1)


def indent_of(text):
    expanded = text.expandtabs(INDENT)
    body = expanded.lstrip(" ")
    return (len(expanded) - len(body)) // INDENT, body


class Parser:
    def __init__(self):
        self.root = Node(-1)
        self.open = {}           # depth -> Node
        self.incomplete = []     # Nodes never closed by a result
        self.seen_ktap = False

    def _close_from(self, depth):
        """Drop open nodes at depth >= depth; they never got a result line."""
        for d in sorted([d for d in self.open if d >= depth], reverse=True):
            node = self.open.pop(d)
            if node.name or node.children:
                self.incomplete.append(node)

    def _node_at(self, depth, fresh=False):
        node = self.open.get(depth)
        if node is None or (fresh and (node.children or node.name)):
            self._close_from(depth)
            node = Node(depth)
            self.open[depth] = node
        return node

    def _deepest(self):
        return self.open[max(self.open)] if self.open else None

    def feed(self, text):
        depth, body = indent_of(text)
        if VERSION_RE.match(body):
            self.seen_ktap = True
            if depth > 0:
                self._node_at(depth, fresh=True)
            return
        m = SUBTEST_RE.match(body)
        if m:
            self.seen_ktap = True
            node = self._node_at(depth, fresh=True) if depth > 0 else self.root
            node.name = m.group(1)
            return
        m = PLAN_RE.match(body)
        if m:
            self.seen_ktap = True
            node = self._node_at(depth) if depth > 0 else self.root
            node.plan = int(m.group(1))
            return
        m = RESULT_RE.match(body)
        if m:
            self.seen_ktap = True
            self._result(depth, m)
            return
        if STATS_RE.match(body):
            return
        node = self._deepest()
        if node is not None:
            node.buffer.append(text.rstrip())

    def _result(self, depth, m):
        parent = self.root if depth == 0 else self._node_at(depth)
        sub = self.open.pop(depth + 1, None)
        self._close_from(depth + 2)
        diag = list(parent.buffer)
        children, plan = [], None
        if sub is not None:
            diag += sub.buffer
            for c in sub.children:
                diag += c.diag
            children, plan = sub.children, sub.plan
        parent.buffer = []
        ok = m.group(1).lower() == "ok"
        directive = m.group(4).upper() if m.group(4) else None
        parent.children.append(Result(m.group(3).strip(), ok, directive,
                                      (m.group(5) or "").strip(), diag, children, plan))

    def finish(self):
        self._close_from(0)


def find_reports(lines):
    """Return [(line_index, header)] of Linux reports, skipping bsdsync's own."""
    reports = []
    allowed = False          # inside a bsdsync report and its dump_stack()
    last_report = -10**9
    for i, text in enumerate(lines):
        body = text.strip()
        if BSDSYNC_RE.match(text):
            allowed = True
            continue
        if allowed and any(r.match(text) for r in DUMPSTACK_RES):
            continue
        allowed = False
        _, ind_body = indent_of(text)
        if RESULT_RE.match(ind_body) or SUBTEST_RE.match(ind_body):
            continue         # test names may contain words like KASAN
        if any(r.search(body) for r in REPORT_RES):
            reports.append((i, body))
            last_report = i
        elif CALLTRACE_RE.match(text) and i - last_report > CALLTRACE_OWNED:
            reports.append((i, "Call Trace outside a bsdsync report: " + body))
            last_report = i
    return reports


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log")
    ap.add_argument("--reports-only", action="store_true",
                    help="only look for kernel reports (no KTAP expected)")
    ap.add_argument("--name", default="", help="label for the output")
    args = ap.parse_args()

    with open(args.log, errors="replace") as f:
        lines = [strip_prefix(l) for l in f]

    label = f"[{args.name}] " if args.name else ""
    passed = failed = skipped = suites = 0
    problems = []

    if not args.reports_only:
        p = Parser()
        for text in lines:
            p.feed(text)
        p.finish()

        for suite in p.root.children:
            suites += 1
            if not suite.children and suite.status == "failed":
                # A suite that failed before running any case (suite_init error).
                failed += 1
                print(f"{label}suite {suite.name}: FAILED before running any case")
                for d in suite.diag[-MAX_DIAG_LINES:]:
                    print(f"    {d}")
                continue
            counts = {"passed": 0, "failed": 0, "skipped": 0}
            for case in suite.children:
                counts[case.status] += 1
            missing = max(0, (suite.plan or 0) - len(suite.children))
            counts["failed"] += missing
            passed += counts["passed"]
            failed += counts["failed"]
            skipped += counts["skipped"]
            print(f"{label}suite {suite.name}: {counts['passed']} passed, "
                  f"{counts['failed']} failed, {counts['skipped']} skipped")
            for case in suite.children:
                if case.status != "failed":
                    continue
                print(f"    FAILED {suite.name}.{case.name}")
                for param in case.children:
                    if param.status == "failed":
                        print(f"      failed parameter: {param.name}")
                for d in case.diag[-MAX_DIAG_LINES:]:
                    print(f"      | {d}")
            if missing:
                print(f"    {missing} planned case(s) of {suite.name} never reported")

        for node in p.incomplete:
            if node.depth != 1:
                continue    # a half-finished parameter list is reported by its case
            suites += 1
            done = {"passed": 0, "failed": 0, "skipped": 0}
            for case in node.children:
                done[case.status] += 1
            lost = max(1, (node.plan or 0) - len(node.children))
            passed += done["passed"]
            skipped += done["skipped"]
            failed += done["failed"] + lost
            after = f" (last finished: {node.children[-1].name})" if node.children else ""
            print(f"{label}suite {node.name or '?'}: DID NOT FINISH: case "
                  f"#{len(node.children) + 1}{after} never reported (kernel crash or hang?); "
                  f"counting {lost} unreported case(s) as failed")
            # The first lines after the last result are what the stuck case printed; the
            # crash or hang report itself is shown below with the kernel reports.
            for d in node.buffer[:MAX_DIAG_LINES // 2]:
                print(f"      | {d}")
            if len(node.buffer) > MAX_DIAG_LINES // 2:
                print(f"      | ... {len(node.buffer) - MAX_DIAG_LINES // 2} more line(s)")

        if not p.seen_ktap or suites == 0:
            problems.append("no KTAP results found in the log")

    reports = find_reports(lines)
    # The same report often repeats (a hung task every 2 minutes, a WARN in a loop): show
    # each kind once, with its count.
    kinds = {}
    for i, header in reports:
        kinds.setdefault(re.sub(r"\d+", "N", header), []).append((i, header))
    for n, same in enumerate(kinds.values()):
        if n == MAX_REPORTS_SHOWN:
            print(f"{label}... {len(kinds) - n} more kind(s) of report")
            break
        i, header = same[0]
        again = f" (and {len(same) - 1} more like it)" if len(same) > 1 else ""
        print(f"{label}KERNEL REPORT at log line {i + 1}: {header}{again}")
        for t in lines[i + 1:i + 1 + REPORT_CONTEXT]:
            print(f"      | {t}")

    for msg in problems:
        print(f"{label}ERROR: {msg}")

    if not args.reports_only:
        print(f"{label}total: {passed} passed, {failed} failed, {skipped} skipped, "
              f"{len(reports)} kernel report(s)")
    else:
        print(f"{label}{len(reports)} kernel report(s)")
    print(f"KTAP_SUMMARY passed={passed} failed={failed} skipped={skipped} "
          f"reports={len(reports)} suites={suites}")
    return 1 if (failed or reports or problems) else 0


if __name__ == "__main__":
    sys.exit(main())
