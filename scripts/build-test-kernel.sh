#!/usr/bin/env bash
# Build (or reuse) bsdsync's debug test kernel: Debian's linux-source-6.1, tinyconfig plus
# scripts/test-kernel.config (KUnit, lockdep, KASAN, ...).
#
#   scripts/build-test-kernel.sh            build if needed; print the tree path
#   scripts/build-test-kernel.sh --key      print only the cache key
#
# stdout: exactly one line, the kernel tree (use it as KDIR; the image is
# <tree>/arch/x86/boot/bzImage). Progress and errors go to stderr so that
# `KDIR=$(scripts/build-test-kernel.sh)` works.
#
# Environment: BSDSYNC_CACHE (default /var/cache/bsdsync), JOBS (default nproc),
# LINUX_SOURCE (default /usr/src/linux-source-6.1.tar.xz).
#
# The tree lives outside the repository because it costs minutes to build and a machine
# (CI's included) is often reused; the key covers everything that changes its contents.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/test-kernel.config
src_tar=${LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
jobs=${JOBS:-$(nproc)}

log() { printf '[build-test-kernel] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ -r $src_tar ]] || die "$src_tar missing (apt-get install linux-source-6.1; see scripts/deps.sh)"
[[ -r $fragment ]] || die "$fragment missing"

# Key: the fragment, this script, the exact source package and the compiler. Any change
# yields a new tree; old ones are pruned below.
src_ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$src_tar")
cc_ver=$(gcc -dumpfullversion 2>/dev/null || echo unknown)
key=$( { cat "$fragment" "${BASH_SOURCE[0]}"; echo "src=$src_ver cc=$cc_ver"; } \
       | sha256sum | cut -c1-16)
if [[ ${1:-} == --key ]]; then echo "$key"; exit 0; fi

cache=${BSDSYNC_CACHE:-/var/cache/bsdsync}
if ! mkdir -p "$cache" 2>/dev/null || [[ ! -w $cache ]]; then
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/bsdsync
    mkdir -p "$cache"
fi
tree=$cache/testkernel-$key

# One builder at a time per key: a second caller waits and then finds the tree.
exec 9>"$cache/testkernel-$key.lock"
flock 9

if [[ -f $tree/arch/x86/boot/bzImage && -f $tree/Module.symvers ]]; then
    log "reusing cached kernel (key $key)"
    touch "$tree"       # recency for pruning
    echo "$tree"
    exit 0
fi

# Build in a scratch directory next to the final one and rename it when complete, so an
# interrupted build never leaves a tree that looks usable.
tmp=$cache/.testkernel-$key.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
buildlog=$tmp/bsdsync-build.log
t0=$SECONDS

fail_tail() {
    log "FAILED (log: $buildlog); last 40 lines:"
    tail -n 40 "$buildlog" >&2 || true
    exit 1
}

log "building debug kernel (key $key, linux-source-6.1 $src_ver, gcc $cc_ver, -j$jobs)"
log "  unpacking $src_tar"
tar -xf "$src_tar" -C "$tmp" --strip-components=1

kmake() { make -C "$tmp" ARCH=x86_64 -j"$jobs" "$@" >>"$buildlog" 2>&1; }

log "  tinyconfig + $(basename "$fragment")"
kmake tinyconfig || fail_tail
# -m: merge only; olddefconfig afterwards resolves dependencies exactly once.
(cd "$tmp" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config "$fragment") \
    >>"$buildlog" 2>&1 || fail_tail
kmake olddefconfig || fail_tail

# Kconfig drops an option whose dependencies are unmet without a word; anything the
# fragment asks for that is not in the final .config is a hard error.
missing=()
while IFS= read -r line; do
    grep -qxF "$line" "$tmp/.config" || missing+=("$line")
done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$fragment")
if ((${#missing[@]})); then
    for m in "${missing[@]}"; do
        opt=${m%%=*}
        log "  config dropped: wanted $m, got: $(grep -E "^(# )?${opt}[= ]" "$tmp/.config" || echo 'absent')"
    done
    die "${#missing[@]} option(s) of $fragment did not survive olddefconfig"
fi
log "  config verified: all $(grep -cE '^CONFIG_[A-Za-z0-9_]+=' "$fragment") fragment options set"

# `modules` writes Module.symvers; without it modpost reports KUnit's symbols as undefined
# when an out-of-tree test module is linked against this tree.
log "  make bzImage modules (a few minutes; log: $buildlog)"
tb=$SECONDS
kmake bzImage modules || fail_tail
log "  compiled in $((SECONDS - tb)) s"
[[ -f $tmp/arch/x86/boot/bzImage && -f $tmp/Module.symvers ]] || die "build produced no bzImage/Module.symvers"

# Object files are not needed to build out-of-tree modules; dropping them saves ~1 GB.
find "$tmp" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete 2>/dev/null || true

rm -rf "$tree"
mv "$tmp" "$tree"
log "done in $((SECONDS - t0)) s: $tree"

# Keep the three most recently used trees (another branch may want its own key).
ls -1dt "$cache"/testkernel-*/ 2>/dev/null | tail -n +4 | while IFS= read -r old; do
    old=${old%/}
    [[ $old == "$tree" ]] && continue
    log "  pruning old tree $old"
    rm -rf "$old" "$old.lock"
done

echo "$tree"
