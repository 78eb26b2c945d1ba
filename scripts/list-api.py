#!/usr/bin/env python3
"""List the FreeBSD porting kit's API: every header of include/freebsd with the names it
defines, and every function bsdsync exports for the FreeBSD personality
(module/exports/freebsd.c) with the header that declares it and the FreeBSD headers that
call it. Prints Markdown; docs/porting.md pastes the output.

usage: scripts/list-api.py [ROOT]
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
FACE = os.path.join(ROOT, "include", "freebsd")
ABI = os.path.join(ROOT, "include", "bsdsync")
EXPORTS = os.path.join(ROOT, "module", "exports", "freebsd.c")

# Where the header's own first sentence does not say what it is.
WHAT = {
    "sys/types.h": "the basic FreeBSD types (u_int, uint64_t, vm_offset_t, sbintime_t, "
                   "device_t as an opaque type, ...), Linux's where both name one",
    "sys/errno.h": "error numbers: the BSD names with Linux's values (ERESTART 85, "
                   "EWOULDBLOCK == EAGAIN), and EJUSTRETURN/ENOIOCTL",
}

# What is not a plain "done" (README, "What is there").
STATUS = {
    "sys/sysctl.h": "static declarations compile to records nothing reads; no dynamic sysctls",
    "sys/ktr.h": "compiles away (no trace buffer)",
    "sys/refcount.h": "done; no REFCOUNT_SATURATED (Linux's name), no refcount_wait",
    "sys/kthread.h": "done; stack size and RF* flags ignored",
    "sys/callout.h": "done; handlers run in one kernel thread, the cpu argument is ignored",
    "sys/taskqueue.h": "done; thread priorities ignored, swi queues are kernel threads",
    "sys/module.h": "done; a MOD_UNLOAD/MOD_QUIESCE refusal cannot keep the module (one "
                    "report), MODULE_DEPEND is recorded only, no kld interfaces",
    "sys/conf.h": "DEV_MODULE only (no cdevsw)",
}

DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)(\()?", re.M)
# Top-level declarations: static inline functions, prototypes, typedefs, structs.
FUNC = re.compile(r"^(?:static\s+(?:inline\s+)?|extern\s+)?[A-Za-z_][\w\s\*]*?\b"
                  r"([A-Za-z_]\w*)\s*\([^;{]*\)\s*(?:__\w+(?:\(\([^)]*\)\))?\s*)*[{;]", re.M)
TYPEDEF = re.compile(r"^typedef\b[^;(]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*;", re.M)
FNTYPEDEF = re.compile(r"^typedef\b[^;]*?\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*\(", re.M)
STRUCT = re.compile(r"^struct\s+([A-Za-z_]\w*)\s*\{", re.M)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


KEYWORDS = {"if", "while", "for", "switch", "return", "sizeof", "void", "int", "long",
            "char", "short", "unsigned", "signed", "const", "volatile", "struct", "bool"}


def public(name):
    """A FreeBSD name, not one of bsdsync's helpers (FreeBSD's own __unused, _sleep, ... stay)."""
    low = name.lower()
    return name not in KEYWORDS and "bsdsync" not in low and not low.startswith(
        ("fbsd_", "__bsd_", "__linux_", "__fbsd", "__attribute__",
                                  # Linux's MIN/MAX helpers, repeated token for token
                                  "__cmp", "__careful", "__safe_cmp", "__types_ok",
                                  "__no_side_effects", "__unique"))


def first_comment(text):
    m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
    if not m:
        return ""
    lines = [l.strip().lstrip("*").strip() for l in m.group(1).splitlines()]
    para = []
    for l in lines:
        if not l and para:
            break
        if l:
            para.append(l)
    s = " ".join(para)
    s = re.sub(r"^<[^>]+>\s*(for (ported FreeBSD drivers|drivers ported from FreeBSD))?"
               r"[:.]?\s*", "", s)
    return s.split(". ")[0].rstrip(".")


def headers():
    out = []
    for sub in ("sys", "machine"):
        d = os.path.join(FACE, sub)
        for f in sorted(os.listdir(d)):
            if not f.endswith(".h"):
                continue
            rel = f"{sub}/{f}"
            raw = open(os.path.join(d, f)).read()
            text = strip_comments(raw)
            names = []
            for m in DEFINE.finditer(text):
                n = m.group(1)
                if public(n) and not n.endswith("_H_"):
                    names.append(n + ("()" if m.group(2) else ""))
            for rx, fmt in ((FUNC, "{}()"), (TYPEDEF, "{}"), (FNTYPEDEF, "{}"),
                            (STRUCT, "struct {}")):
                for m in rx.finditer(text):
                    n = m.group(1)
                    if public(n):
                        names.append(fmt.format(n))
            seen, uniq = set(), []
            for n in names:
                if n not in seen:
                    seen.add(n)
                    uniq.append(n)
            calls = re.sub(r"^\s*#\s*include[^\n]*", "", text, flags=re.M)
            out.append((rel, WHAT.get(rel) or first_comment(raw), uniq, calls))
    return out


def exports():
    syms, section = [], ""
    for line in open(EXPORTS):
        m = re.match(r"\s*/\*\s*(.*?)\s*\*/\s*$", line)
        if m and not line.startswith(" *"):
            section = m.group(1)
        m = re.match(r"\s*(?:EXPORT_SYMBOL(?:_GPL)?|BSDSYNC_EXPORT)\((\w+)\)", line)
        if m:
            syms.append((m.group(1), section))
    return syms


def main():
    hdrs = headers()
    abi = {}
    # The neutral ABI (include/bsdsync/*.h) and FreeBSD's (include/bsdsync/freebsd/*.h).
    for sub in ("", "freebsd/"):
        for f in sorted(os.listdir(os.path.join(ABI, sub))):
            if f.endswith(".h"):
                abi[sub + f] = strip_comments(open(os.path.join(ABI, sub, f)).read())

    print("### Headers (`-I$(BSDSYNC)/include/freebsd`)\n")
    print("| header | what it is | status | names it defines |")
    print("|---|---|---|---|")
    for rel, what, names, _ in hdrs:
        shown = ", ".join(f"`{n}`" for n in names) if names else "(types only)"
        print(f"| `<{rel}>` | {what} | {STATUS.get(rel, 'done')} | {shown} |")

    syms = exports()
    print(f"\n### Exported functions ({len(syms)}, module/exports/freebsd.c)\n")
    print("A driver never calls these by name: the FreeBSD names in the headers are macros "
          "or inline functions over them.\n")
    print("| function | group | declared in | called through |")
    print("|---|---|---|---|")
    for sym, section in syms:
        decl = [f for f, t in abi.items() if re.search(r"\b" + sym + r"\b", t)]
        users = [rel for rel, _, _, t in hdrs if re.search(r"\b" + sym + r"\b", t)]
        print(f"| `{sym}` | {section} | {', '.join('bsdsync/' + d for d in decl) or '-'} | "
              f"{', '.join('<' + u + '>' for u in users) or '(bsdsync/ ABI only)'} |")


if __name__ == "__main__":
    main()
