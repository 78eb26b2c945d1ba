#!/usr/bin/env bash
# Build (or reuse) one variant of bsdsync's test kernel: Debian's linux-source-6.1,
# tinyconfig plus scripts/test-kernel-base.config (KUnit, lockdep, atomic-sleep checks, SMP,
# ACPI, ...) plus the variant's scripts/test-kernel-<variant>.config:
#   kasan   KASAN (generic, inline)
#   kcsan   KCSAN
#   prod    no lockdep, no preemption debugging, no sanitizer: bsdsync's production fast
#           paths, as in Debian's stock kernels (which have no KUnit)
# (KASAN and KCSAN exclude each other, hence two debug kernels.)
#
#   scripts/build-test-kernel.sh VARIANT          build if needed; print the tree path
#   scripts/build-test-kernel.sh --key VARIANT    print only the cache key
#
# stdout: exactly one line, the kernel tree (use it as KDIR; the image is
# <tree>/arch/x86/boot/bzImage). Progress and errors go to stderr so that
# `KDIR=$(scripts/build-test-kernel.sh kasan)` works.
#
# Environment: BSDSYNC_CACHE (default /var/cache/bsdsync), JOBS (default nproc),
# LINUX_SOURCE (default /usr/src/linux-source-6.1.tar.xz).
#
# The tree lives outside the repository because it costs minutes to build and a machine
# (CI's included) is often reused; each variant is cached under its own key, which covers
# everything that changes its contents.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
base=$here/test-kernel-base.config
src_tar=${LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
jobs=${JOBS:-$(nproc)}
keep=2      # trees kept per variant (about 1.6 GB each)

log() { printf '[build-test-kernel%s] %s\n' "${variant:+ $variant}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

variants() {
    local f v=()
    for f in "$here"/test-kernel-*.config; do
        f=${f##*/test-kernel-}; f=${f%.config}
        [[ $f == base ]] || v+=("$f")
    done
    echo "${v[*]}"
}

key_only=0
[[ ${1:-} == --key ]] && { key_only=1; shift; }
variant=${1:-}
(($# == 1)) && [[ $variant =~ ^[a-z0-9]+$ ]] ||
    { variant=; die "usage: $(basename "$0") [--key] VARIANT (one of: $(variants))"; }
fragment=$here/test-kernel-$variant.config
[[ -r $fragment ]] || die "no $fragment (variants: $(variants))"
[[ -r $base ]] || die "$base missing"
[[ -r $src_tar ]] || die "$src_tar missing (apt-get install linux-source-6.1; see scripts/deps.sh)"

# Key: the variant, both fragments, this script, the exact source package and the compiler.
# Any change yields a new tree; old ones are pruned below.
src_ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$src_tar")
cc_ver=$(gcc -dumpfullversion 2>/dev/null || echo unknown)
key=$( { echo "variant=$variant"; cat "$base" "$fragment" "${BASH_SOURCE[0]}"
         echo "src=$src_ver cc=$cc_ver"; } | sha256sum | cut -c1-16)
if ((key_only)); then echo "$key"; exit 0; fi

cache=${BSDSYNC_CACHE:-/var/cache/bsdsync}
if ! mkdir -p "$cache" 2>/dev/null || [[ ! -w $cache ]]; then
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/bsdsync
    mkdir -p "$cache"
fi
name=testkernel-$variant-$key
tree=$cache/$name

# One builder at a time per key: a second caller waits and then finds the tree.
exec 9>"$cache/$name.lock"
flock 9

if [[ -f $tree/arch/x86/boot/bzImage && -f $tree/Module.symvers ]]; then
    log "reusing cached kernel (key $key)"
    touch "$tree"       # recency for pruning
    echo "$tree"
    exit 0
fi

# Build in a scratch directory next to the final one and rename it when complete, so an
# interrupted build never leaves a tree that looks usable.
tmp=$cache/.$name.tmp
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

log "  tinyconfig + $(basename "$base") + $(basename "$fragment")"
kmake tinyconfig || fail_tail
# -m: merge only; olddefconfig afterwards resolves dependencies exactly once. The variant's
# fragment comes last, so it may override the base.
(cd "$tmp" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config "$base" "$fragment") \
    >>"$buildlog" 2>&1 || fail_tail
kmake olddefconfig || fail_tail

# Kconfig drops an option whose dependencies are unmet without a word (and may turn on one
# a fragment wants off); any fragment line the final .config disagrees with is a hard error.
# The variant's line wins over the base's for the same option, as in the merge.
declare -A want=()
while IFS= read -r line; do
    if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
        want[${BASH_REMATCH[1]}]=$line
    elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
        want[${BASH_REMATCH[1]}]=$line
    fi
done < <(cat "$base" "$fragment")
missing=()
for opt in "${!want[@]}"; do
    w=${want[$opt]}
    if [[ $w == "# $opt is not set" ]]; then
        grep -q "^$opt=" "$tmp/.config" && missing+=("$w")
    else
        grep -qxF "$w" "$tmp/.config" || missing+=("$w")
    fi
done
if ((${#missing[@]})); then
    for m in "${missing[@]}"; do
        opt=$(grep -oE 'CONFIG_[A-Za-z0-9_]+' <<<"$m" | head -n 1)
        log "  config dropped: wanted '$m', got: $(grep -E "^(# )?${opt}[= ]" "$tmp/.config" || echo 'absent')"
    done
    die "${#missing[@]} option(s) of the fragments did not survive olddefconfig"
fi
log "  config verified: all ${#want[@]} fragment options as asked"

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

# Keep the $keep most recently used trees of this variant (another branch may want its own
# key). Trees named testkernel-<key> come from before there were variants: nothing uses
# them any more.
{
    ls -1dt "$cache"/testkernel-"$variant"-*/ 2>/dev/null | tail -n +$((keep + 1))
    ls -1d "$cache"/testkernel-*/ 2>/dev/null | grep -E '/testkernel-[0-9a-f]{16}/$' || true
} | while IFS= read -r old; do
    old=${old%/}
    [[ $old == "$tree" ]] && continue
    log "  pruning old tree $old"
    rm -rf "$old" "$old.lock"
done

echo "$tree"
