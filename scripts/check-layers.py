#!/usr/bin/env python3
"""Check the layering of the module (docs: architecture.md, "Layers"): the platform knows no
personality, and #include lines only point down.

1. module/platform/ (file names, code and comments alike) contains no personality name. The
   names, matched case-insensitively anywhere in a word:
     fbsd, freebsd                      FreeBSD: its prefix and its name
     dragonfly, dfly, lwkt              DragonFly: its name, its short prefix, its thread/token
                                        subsystem
     giant, mplock                      the BSDs' global kernel lock (FreeBSD's Giant,
                                        DragonFly's MP lock)
   Platform serves every personality through neutral services; a personality's name there
   means it grew lock logic or load steps of one personality.
2. Each layer includes only what sits below it:
     module/platform/     Linux (<linux/...>, <asm/...>, <trace/...>, <uapi/...>), the neutral
                          ABI (<bsdsync/X.h> that is no personality's), and platform's own
                          headers: nothing of core, a personality, exports or a face
     module/core/         platform, core, the neutral ABI: no Linux, no personality
     module/<pers>/       platform, core, its own folder, the neutral ABI and its own ABI: no
                          Linux, no other personality
     module/exports/      the ABI headers (neutral and personality) and platform's headers
                          (platform/export.h: BSDSYNC_EXPORT): the export lists; no Linux
     module/checks/       (compile-time checks, e.g. two personalities' ABIs side by side)
                          any ABI header: no Linux, nothing of platform, core or exports
     module/*.c           (module/personalities.c, the table of personalities) platform only
     include/bsdsync/     the ABI: no Linux, nothing of module/; a neutral header includes no
                          personality header
     include/<pers>/      (the faces) the neutral ABI, their own ABI and their own face; and
                          only the Linux headers in FACE_LINUX: those that define a name the
                          face defines too (unguarded in Linux), which the face includes
                          first so that a driver may include Linux and BSD headers in either
                          order (a face is only ever compiled inside a Linux module), or that
                          the production build's inline lock paths need
   Personality ABI headers: <bsdsync/freebsd/...>, <bsdsync/dragonfly/...>; every other
   <bsdsync/X.h> is neutral. PENDING lists the includes the later steps of issue 10 remove;
   one that no longer occurs fails the check, so the list cannot go stale.
3. include/bsdsync/ itself holds only neutral headers: a header there named after a
   personality (fbsd_*.h, ...) belongs in include/bsdsync/<personality>/.

Usage: check-layers.py [ROOT]   (ROOT: the repository, default: ..)
Exit status 0 if every rule holds; the last line is a one-line summary.
"""
import os
import re
import sys

NAMES = re.compile(r"fbsd|freebsd|dragonfly|dfly|lwkt|giant|mplock", re.IGNORECASE)
PERSONALITIES = ("freebsd", "dragonfly")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
LINUX = re.compile(r"^(linux|asm|asm-generic|trace|uapi|generated)/")
SOURCES = (".c", ".h", ".cpp")

# Includes that are known and scheduled to go (none left: the core's thread record and
# diagnostics are personality-neutral since issue 10). Kept for the next restructuring.
PENDING = set()


# Linux headers a face may include, and why: each defines (without a guard) a name the face
# must define the same way or around it, or gives what an inline lock path needs.
FACE_LINUX = {
    "linux/compiler.h": "__packed, __aligned, __used, ... (sys/cdefs.h)",
    "asm/stat.h": "uses __unused as a member name (sys/cdefs.h defines __unused)",
    "uapi/linux/sysctl.h": "uses __unused as a member name",
    "uapi/linux/icmp.h": "uses __unused as a member name",
    "linux/types.h": "bool, size_t, the fixed-width types (sys/types.h)",
    "linux/stddef.h": "true and false as enumerators, offsetof (sys/types.h)",
    "linux/limits.h": "INT_MAX, UINT_MAX, ... (sys/limits.h)",
    "linux/math.h": "roundup, rounddown (sys/param.h)",
    "linux/list.h": "LIST_HEAD (sys/queue.h)",
    "linux/string.h": "strlcpy, bcmp and the string functions (sys/systm.h)",
    "linux/kernel.h": "panic, MIN/MAX helpers (sys/systm.h)",
    "linux/spinlock.h": "struct spinlock, spin_lock, spin_unlock, spin_trylock (DragonFly "
                        "sys/spinlock.h, sys/spinlock2.h)",
    "linux/delay.h": "ssleep (DragonFly sys/systm.h)",
    # The production build's inline lock paths (FreeBSD sys/lock.h, BSDSYNC_INLINE_LOCKS): the
    # uncontended CAS in the driver needs `current`, the lock-event static key and in_task().
    "asm/current.h": "current: the owner a production build's inline CAS writes (sys/lock.h)",
    "linux/jump_label.h": "static_branch_unlikely on the lock-event key (sys/lock.h inline paths)",
    "linux/preempt.h": "in_task(): the inline paths are thread context only (sys/lock.h)",
    "linux/percpu.h": "this_cpu_read of the switch-hook cookie (DragonFly sys/thread.h inline "
                      "token paths, sys/_inline_locks.h)",
    "linux/irqflags.h": "local_irq_save/local_irq_restore: the production build's inline "
                        "mtx_lock_spin/mtx_unlock_spin (sys/mutex.h)",
}


def personality_of_abi(path):
    """The personality whose ABI header `path` (as written in #include) is, or None."""
    for p in PERSONALITIES:
        if path.startswith(f"bsdsync/{p}/"):
            return p
    return None


def rule_for(rel):
    """A function (include, quote) -> error text or None, for the file `rel`, or None."""
    parts = rel.split("/")

    def linux_only_export(inc, q):
        if LINUX.match(inc):
            return "exports include no Linux header (they export through platform/export.h)"
        if inc.startswith(("core/", "freebsd/", "dragonfly/")) or \
                (q == '"' and not inc.startswith("platform/")):
            return "exports include only ABI headers and platform's headers"
        return None

    if parts[0] == "module":
        layer = parts[1] if len(parts) > 2 else None
        if layer == "platform":
            def rule(inc, q):
                if inc.startswith(("core/", "exports/", "freebsd/", "dragonfly/")) or \
                        inc.startswith(tuple(p + "/" for p in PERSONALITIES)):
                    return "platform includes nothing above it"
                if inc.startswith("bsdsync/") and personality_of_abi(inc):
                    return "platform includes no personality ABI header"
                if q == '"' and "/" in inc and not inc.startswith("platform/"):
                    return "platform includes only its own headers"
                return None
            return rule
        if layer == "core":
            def rule(inc, q):
                if LINUX.match(inc):
                    return "core includes no Linux header (platform wraps them)"
                if inc.startswith(("freebsd/", "dragonfly/", "exports/")):
                    return "core includes no personality header"
                if inc.startswith("bsdsync/") and personality_of_abi(inc):
                    return "core includes no personality ABI header"
                return None
            return rule
        if layer in PERSONALITIES:
            def rule(inc, q):
                if LINUX.match(inc):
                    return "a personality includes no Linux header (platform wraps them)"
                for other in PERSONALITIES:
                    if other != layer and (inc.startswith(other + "/") or
                                           personality_of_abi(inc) == other):
                        return "a personality includes no other personality's header"
                if inc.startswith("exports/"):
                    return "a personality includes nothing of exports/"
                return None
            return rule
        if layer == "exports":
            return linux_only_export
        if layer == "checks":
            def rule(inc, q):
                if LINUX.match(inc) or inc.startswith(("platform/", "core/", "exports/")) or \
                        q == '"':
                    return "checks include only ABI headers"
                return None
            return rule
        if layer is None:
            def rule(inc, q):
                if LINUX.match(inc):
                    return "module/*.c includes no Linux header"
                if q == '"' and not inc.startswith("platform/"):
                    return "module/*.c includes only platform headers"
                if inc.startswith("bsdsync/") and personality_of_abi(inc):
                    return "module/*.c includes no personality ABI header"
                return None
            return rule
        return None
    if parts[0] == "include" and len(parts) > 2:
        face = parts[1]
        if face == "bsdsync":
            own = personality_of_abi("/".join(parts[1:]))

            def rule(inc, q):
                if LINUX.match(inc) or inc.startswith(("core/", "platform/", "exports/")):
                    return "the ABI includes no Linux or module header"
                other = personality_of_abi(inc)
                if other and other != own:
                    return ("a neutral ABI header includes no personality header" if own is None
                            else "an ABI header includes no other personality's header")
                return None
            return rule
        if face in PERSONALITIES:
            def rule(inc, q):
                if LINUX.match(inc) and inc in FACE_LINUX:
                    return None
                if LINUX.match(inc) or inc.startswith(("core/", "platform/", "exports/")):
                    return "a face includes no Linux header (but FACE_LINUX) or module header"
                other = personality_of_abi(inc)
                if other and other != face:
                    return "a face includes no other personality's header"
                for p in PERSONALITIES:
                    if p != face and inc.startswith(p + "/"):
                        return "a face includes no other personality's face"
                return None
            return rule
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    errors = []
    files = 0
    pending_seen = set()
    for top in ("module", "include"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for fn in sorted(filenames):
                if not fn.endswith(SOURCES):
                    continue
                path = os.path.join(dirpath, fn)
                rel = os.path.relpath(path, root)
                files += 1
                with open(path, encoding="utf-8", errors="replace") as f:
                    lines = f.read().split("\n")
                in_platform = rel.startswith("module/platform/")
                if in_platform and NAMES.search(rel):
                    errors.append(f"{rel}: personality name in a platform file name")
                if os.path.dirname(rel) == "include/bsdsync" and NAMES.search(fn):
                    errors.append(f"{rel}: a personality's ABI header in the neutral "
                                  f"include/bsdsync/ (move it to include/bsdsync/<personality>/)")
                rule = rule_for(rel)
                for n, line in enumerate(lines, 1):
                    if in_platform:
                        m = NAMES.search(line)
                        if m:
                            errors.append(f"{rel}:{n}: personality name '{m.group(0)}' in "
                                          f"platform: {line.strip()}")
                    m = INCLUDE.match(line)
                    if m and rule:
                        q, inc = m.group(1), m.group(2)
                        why = rule(inc, q)
                        if why and (rel, inc) in PENDING:
                            pending_seen.add((rel, inc))
                        elif why:
                            close = ">" if q == "<" else '"'
                            errors.append(f"{rel}:{n}: #include {q}{inc}{close}: {why}")
    for rel, inc in sorted(PENDING - pending_seen):
        errors.append(f"{rel}: no longer includes {inc}: remove it from PENDING in "
                      f"{os.path.basename(__file__)}")
    for e in errors:
        print(e)
    note = f" ({len(pending_seen)} pending include(s) allowed)" if pending_seen else ""
    if errors:
        print(f"layers: {len(errors)} violation(s) in {files} files{note}")
        return 1
    print(f"layers: platform names no personality, includes point down, {files} files{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
