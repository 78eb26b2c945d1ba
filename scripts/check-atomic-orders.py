#!/usr/bin/env python3
"""Check the memory order of every function of include/freebsd/machine/atomic.h, as the
compiler is given it, against the table at the top of that header.

Why a build-time check: on x86-64 the CPU orders every locked read-modify-write fully and TSO
makes every plain load an acquire and every plain store a release, so a wrong order never shows
in a run on x86 (kunit/freebsd/atomic_test.c's message-passing cases pass with relaxed orders
too). The order only limits what the COMPILER may move across the operation, and that is
decided by the order each __atomic builtin is given. For example, with GCC 12 at -O2,
    p->data = 1; atomic_store_rel_int(&p->flag, 1); p->data = 2;
keeps all three stores, but if the store_rel were relaxed the first store would be deleted
(dead-store elimination across it) and a reader that sees flag == 1 could read stale data. So
this script compiles every function of the header (each one referenced, so each is emitted),
reads GCC's GIMPLE dump (-fdump-tree-gimple: the builtins with their memory orders, before any
optimisation) and checks, function by function:
  - read-modify-writes (add, subtract, set, clear, cmpset, fcmpset, fetchadd, swap,
    readandclear, testandset, testandclear; any suffix): SEQ_CST, the failure order of a
    compare-exchange included: a full compiler barrier, as FreeBSD amd64's "memory" clobbers;
  - atomic_load_acq_<t>: ACQUIRE; atomic_store_rel_<t>: RELEASE;
  - the plain atomic_load_<t>/atomic_store_<t> (and _bool, _ptr): RELAXED;
    atomic_load_consume_ptr: ACQUIRE;
  - the fences: acq ACQUIRE, rel RELEASE, acq_rel ACQ_REL, seq_cst SEQ_CST, and
    atomic_interrupt_fence a SEQ_CST signal fence.
A function the table does not know, or one without an __atomic builtin, fails the check too.
What it cannot show: that the compiler honours the orders (that is GCC's contract), nor
anything about the CPU (the KUnit cases run the operations on real CPUs).

Usage: check-atomic-orders.py [--cc GCC] [ROOT]   (ROOT: the repository, default: ..)
Exit status 0 if every function matches; the last line is a one-line summary.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

RELAXED, CONSUME, ACQUIRE, RELEASE, ACQ_REL, SEQ_CST = range(6)
ORDER_NAMES = ["RELAXED", "CONSUME", "ACQUIRE", "RELEASE", "ACQ_REL", "SEQ_CST"]

RMW_BUILTINS = re.compile(r"^__atomic_(fetch_(add|sub|or|and)|compare_exchange|exchange)(_\d+)?$")
LOAD_BUILTIN = re.compile(r"^__atomic_load(_\d+)?$")
STORE_BUILTIN = re.compile(r"^__atomic_store(_\d+)?$")

# (name pattern, what it is, builtin pattern, expected order)
RULES = [
    (r"atomic_(add|subtract|set|clear|cmpset|fcmpset)(_acq|_rel)?_\w+",
     "read-modify-write", RMW_BUILTINS, SEQ_CST),
    (r"atomic_(fetchadd|swap|readandclear|testandset|testandclear)(_acq)?_\w+",
     "read-modify-write", RMW_BUILTINS, SEQ_CST),
    (r"atomic_load_acq_\w+", "load_acq", LOAD_BUILTIN, ACQUIRE),
    (r"atomic_store_rel_\w+", "store_rel", STORE_BUILTIN, RELEASE),
    (r"__bsdsync_atomic_load_[su]_\w+|atomic_load_bool|probe_atomic_load_ptr", "relaxed load",
     LOAD_BUILTIN, RELAXED),
    (r"__bsdsync_atomic_store_[su]_\w+|atomic_store_bool|probe_atomic_store_ptr",
     "relaxed store", STORE_BUILTIN, RELAXED),
    (r"probe_atomic_load_consume_ptr", "load_consume", LOAD_BUILTIN, ACQUIRE),
    (r"atomic_thread_fence_acq", "fence", re.compile(r"^__atomic_thread_fence$"), ACQUIRE),
    (r"atomic_thread_fence_rel", "fence", re.compile(r"^__atomic_thread_fence$"), RELEASE),
    (r"atomic_thread_fence_acq_rel", "fence", re.compile(r"^__atomic_thread_fence$"), ACQ_REL),
    (r"atomic_thread_fence_seq_cst", "fence", re.compile(r"^__atomic_thread_fence$"), SEQ_CST),
    (r"atomic_interrupt_fence", "fence", re.compile(r"^__atomic_signal_fence$"), SEQ_CST),
]

DEFINITION = re.compile(
    r"__always_inline__\)\)[^(;{}]*?\b((?:__bsdsync_)?atomic_[a-z0-9_]+)\(")
GIMPLE_FUNCTION = re.compile(r"^[^\s(][^(]*?\b([A-Za-z_]\w*) \(")
# The header's function-like macros, wrapped in functions of the probe.
MACRO_PROBES = """
unsigned long probe_atomic_load_ptr(unsigned long *p) { return atomic_load_ptr(p); }
void probe_atomic_store_ptr(unsigned long *p, unsigned long v) { atomic_store_ptr(p, v); }
unsigned long probe_atomic_load_consume_ptr(unsigned long *p)
{
	return atomic_load_consume_ptr(p);
}
"""
GIMPLE_CALL = re.compile(r"\b(__atomic_[a-z0-9_]+) \((.*)\);\s*$")


def rule_of(name):
    for pattern, what, builtin, order in RULES:
        if re.fullmatch(pattern, name):
            return what, builtin, order
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    ap.add_argument("root", nargs="?",
                    default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = ap.parse_args()
    inc = ["-I" + os.path.join(args.root, "include", "freebsd"),
           "-I" + os.path.join(args.root, "include")]

    with tempfile.TemporaryDirectory(prefix="bsdsync-atomic-") as tmp:
        header = os.path.join(tmp, "header.c")
        with open(header, "w") as f:
            f.write("#include <machine/atomic.h>\n")
        pre = subprocess.run([args.cc, "-E", "-P", *inc, header], check=True,
                             capture_output=True, text=True).stdout
        names = sorted(set(DEFINITION.findall(pre)))
        checked = names + ["probe_atomic_load_ptr", "probe_atomic_store_ptr",
                           "probe_atomic_load_consume_ptr"]
        if not names:
            print("error: no function found in <machine/atomic.h>")
            print("atomic(9) orders: FAIL (nothing to check)")
            return 1
        # Each function referenced, so each is emitted (and dumped), inlined or not.
        probe = os.path.join(tmp, "probe.c")
        with open(probe, "w") as f:
            f.write("#include <machine/atomic.h>\n")
            f.write(MACRO_PROBES)
            f.write("void *const bsdsync_atomic_probe[] = {\n")
            f.writelines(f"\t(void *){n},\n" for n in names)
            f.write("};\n")
        subprocess.run([args.cc, "-O2", "-S", "-fdump-tree-gimple", *inc, "probe.c",
                        "-o", "probe.s"], check=True, cwd=tmp)
        dumps = [d for d in os.listdir(tmp) if d.endswith(".gimple")]
        if len(dumps) != 1:
            print(f"error: expected one GIMPLE dump, found {dumps}")
            print("atomic(9) orders: FAIL (no dump)")
            return 1
        with open(os.path.join(tmp, dumps[0])) as f:
            gimple = f.read().splitlines()

    calls = {}          # function -> [(builtin, [orders])]
    current = None
    for line in gimple:
        m = GIMPLE_FUNCTION.match(line)
        if m:
            current = m.group(1)
            calls[current] = []
            continue
        m = GIMPLE_CALL.search(line)
        if m and current:
            argv = [a.strip() for a in m.group(2).split(",")]
            n = 2 if "compare_exchange" in m.group(1) else 1
            calls[current].append((m.group(1), argv[-n:]))

    problems = []
    counts = {}
    for name in checked:
        rule = rule_of(name)
        if rule is None:
            problems.append(f"{name}: not in the table (add it to this script and the header)")
            continue
        what, builtin, want = rule
        found = calls.get(name)
        if not found:
            problems.append(f"{name}: no __atomic builtin found in its GIMPLE")
            continue
        for b, orders in found:
            if not builtin.match(b):
                problems.append(f"{name} ({what}): calls {b}")
            for o in orders:
                if not o.isdigit():
                    problems.append(f"{name} ({what}): {b} gets a non-constant order {o}")
                elif int(o) != want:
                    problems.append(f"{name} ({what}): {b} is {ORDER_NAMES[int(o)]}, "
                                    f"expected {ORDER_NAMES[want]}")
        counts[what] = counts.get(what, 0) + 1

    for p in problems:
        print(p)
    detail = ", ".join(f"{n} {w}" for w, n in sorted(counts.items()))
    if problems:
        print(f"atomic(9) orders: FAIL ({len(problems)} problem(s) in {len(checked)} functions)")
        return 1
    print(f"atomic(9) orders: OK ({len(checked)} functions: {detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
