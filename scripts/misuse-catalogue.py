#!/usr/bin/env python3
"""The generated part of docs/misuse.md: every misuse report a KUnit console log shows,
grouped by rule (include/bsdsync/report.h), with the lock kind, the report's text (names as
"...", numbers as #), the KUnit cases that make it and one real report line per personality;
then the report() sites of module/ whose text no report in the log matches.

    python3 scripts/misuse-catalogue.py CONSOLE_LOG ROOT > generated.md

CONSOLE_LOG: a whole-suite KUnit run (KUNIT_ONLY unset), e.g. build/logs/kunit-console-kasan.log
of `make test`. A report belongs to the KUnit case whose "ok" line follows it.
"""
import collections, glob, os, re, sys
root = sys.argv[2]
log = open(sys.argv[1], errors='replace').read().splitlines()
enum = ["NOT_OWNER","RECURSION","DESTROY_HELD","DESTROYED","UNINITIALIZED","DOUBLE_INIT","WRONG_CLASS",
"SLEEP_ATOMIC","SLEEP_INTERRUPT","SLEEP_RECURSED","SLEEP_NO_LOCK","BAD_ARGUMENT","ASSERTION","SPIN_TOO_LONG",
"DESTROY_WAITERS","SLEEP_NONSLEEPABLE","RECURSED_OP","EXIT_HELD","UNLOAD_REFUSED","LOCK_ORDER"]
rules = ["unlock by a thread that does not own the lock","recursion on a non-recursive lock",
"destroy of a lock that is held or waited on","use of a destroyed lock","use of a lock that was never initialised",
"initialisation of a lock that is already initialised","operation of the wrong lock class",
"sleeping where sleeping is forbidden","blocking in interrupt context","sleeping with a recursed interlock",
"untimed sleep without an interlock","invalid argument","assertion failed","spin lock held too long",
"destroy while threads still wait","sleeping with a non-sleepable lock held","operation not allowed on a recursed lock",
"thread exited holding a lock","module unload refused (Linux unloads it anyway)","lock order"]
ts = re.compile(r'^\[\s*[0-9.]+\]\s?')
pending=[]; suite=None
found = collections.defaultdict(list)
for raw in log:
    line = ts.sub('', raw)
    m = re.match(r'^\s{0,4}# Subtest: (\S+)', line)
    if m: suite = m.group(1)
    if line.startswith('bsdsync: '):
        body = line[len('bsdsync: '):]
        for r in rules:
            if body.startswith(r + ': '):
                pending.append((r, body)); break
    m = re.match(r'^\s+(not )?ok \d+ (\S+)', line)
    if m and pending:
        for r, body in pending:
            found[r].append((body, suite, m.group(2)))
        pending=[]

def what_of(body, r):
    rest = body[len(r)+2:]
    # subject: kind "name" (addr, initialised at f:l): what; at f:l by comm[tid]
    m = re.match(r'(.*?) "([^"]*)"(?: \((?:\([^)]*\)|[^()])*\))?: (.*)$', rest)
    if not m: return None, rest
    kind, what = m.group(1), m.group(3)
    what = re.sub(r'; at \S* by \S+$', '', what)
    return kind, what

def norm(what):
    w = re.sub(r'\(____ptrval____\)|0x[0-9a-f]+|\b\d+\b', '#', what)
    w = re.sub(r'"[^"]*"', '"…"', w)
    w = re.sub(r'\S+\.c:#', '…', w)
    w = re.sub(r'initialised at [^)]*\)', 'initialised at …)', w)
    return w

def personality(suite, kind):
    if suite.startswith('dragonfly') or kind.startswith('DragonFly'): return 'DragonFly'
    if suite.startswith('bsdsync_core'): return 'core (test type)'
    return 'FreeBSD'

def clean(body):
    # The build directory's path is not the reader's: keep the path under kunit/.
    return 'bsdsync: ' + re.sub(r'/\S*?/kunit/', 'kunit/', body)

out = []
P = out.append
P('| Rule (`BSDSYNC_RULE_*`) | Report text | Personalities shown | Distinct misuses shown | KUnit cases |')
P('|---|---|---|---|---|')
sections=[]
for e, r in zip(enum, rules):
    items = found.get(r, [])
    rows = collections.OrderedDict()
    examples = collections.OrderedDict()
    for body, s, c in items:
        kind, what = what_of(body, r)
        if kind is None: kind, what = '?', body
        pers = personality(s, kind)
        key = (pers, kind, norm(what))
        rows.setdefault(key, set()).add(f'{s}.{c}')
        examples.setdefault(pers, clean(body))
    cases = set(x for v in rows.values() for x in v)
    pers = sorted(set(k[0] for k in rows))
    P(f'| [`{e}`](#{e.lower()}) | {r} | {", ".join(pers) or "none"} | {len(rows)} | {len(cases)} |')
    sec=[]
    S = sec.append
    S(f'\n### {e}\n')
    S(f'Report text: **{r}**.\n')
    if not rows:
        S('No KUnit case made this report in the run (its sites are in the last table).\n')
    else:
        S('| Personality | Lock kind | Misuse (the report\'s text; names as "…", numbers as #) | KUnit case(s) |')
        S('|---|---|---|---|')
        for (p, kind, w), cs in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            w = w.replace('|', '\\|')
            tests = '<br>'.join('`' + x + '`' for x in sorted(cs))
            S(f'| {p} | {kind} | {w} | {tests} |')
        S('\nWhat it looks like (from the KASAN guest\'s console, one line per personality; each is followed by the caller\'s stack dump):\n')
        S('```')
        for p, b in examples.items():
            S(b)
        S('```')
    sections.append('\n'.join(sec))
print('\n'.join(out))
print('\n<!-- sections -->')
print('\n'.join(sections))

# The report() sites whose message no report in the log matches (by the site's longest string
# literal, its conversions as wildcards: approximate; a site whose text is assembled from
# several literals may be listed although a case reaches it).
bodies = [l.split('bsdsync: ', 1)[1] for l in log if 'bsdsync: ' in l]
def to_regex(fmt):
    fmt = fmt.replace('\\"', '"')
    parts = re.split(r'%[-#0-9.]*(?:l|ll|z)?[sdufxXpc]', fmt)
    return '.*'.join(re.escape(x) for x in parts)
# Sites no deterministic test can reach, and why (matched on the message): listed, with the
# reason, instead of as a to-do.
UNREACHABLE = [
    ("destroyed while", "race only: a destroy is refused while the lock is held or waited for, so "
     "a waiter finds it destroyed only if the destroy falls between its wake and its retry"),
    ("outside a kernel thread", "needs a user thread (the report then leaves it asleep for good): "
     "KUnit runs in kernel threads"),
    ("out of memory", "needs an allocation to fail (a thread record or a thread port): no "
     "deterministic way to make it fail in a test"),
]
def unreachable(what):
    return next((why for key, why in UNREACHABLE if key in what), None)
print('\n### Report sites no KUnit case was seen to reach\n')
print('A site is matched by its longest string literal; a site marked "why not" cannot be reached')
print('by a deterministic test, the others are a to-do.\n')
print('| Site | Rule | Message | Why not |')
print('|---|---|---|---|')
for p in sorted(glob.glob(os.path.join(root, 'module/*/*.cpp'))):
    s = open(p).read()
    for m in re.finditer(r'report\((BSDSYNC_RULE_[A-Z_]+|rule|r)\s*,', s):
        seg = s[m.start():m.start() + 500]
        end = seg.find(');')
        lits = re.findall(r'"((?:[^"\\]|\\.)*)"', seg[:end if end > 0 else 500])
        cands = [l for l in lits if ' ' in l] or lits
        if not cands:
            continue
        what = max(cands, key=len)
        if any(re.search(to_regex(what), b) for b in bodies):
            continue
        line = s.count('\n', 0, m.start()) + 1
        rel = os.path.relpath(p, root)
        rule = m.group(1).replace('BSDSYNC_RULE_', '')
        if rule in ('rule', 'r'):
            rule = '(computed)'
        text = what.replace('|', '\\|')
        print(f"| {rel}:{line} | {rule} | {text} | {unreachable(what) or ''} |")
