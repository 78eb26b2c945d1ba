#!/usr/bin/env bash
# bsdsync's porting kit: what an out-of-tree driver builds against, installed by `make
# install` and by DKMS in the same layout (README, "Building a driver against bsdsync"):
#
#   KIT/include/<personality>/       one directory per personality (freebsd, dragonfly),
#                                    with bsdsync's own headers copied into its bsdsync/ so
#                                    that a driver needs exactly one -I: the neutral ones
#                                    (bsdsync/*.h) and that personality's ABI
#                                    (bsdsync/<personality>/), no other personality's
#   KIT/<kver>/Module.symvers        bsdsync's exports for kernel <kver> (`uname -r` name)
#
# KIT is /usr/src/bsdsync-<version> (under DESTDIR for `make install DESTDIR=...`); for DKMS
# it is the DKMS source tree itself, which already holds include/<personality>/.
#
#   kit.sh install SRC KIT KVER SYMVERS  headers of the source tree SRC, SYMVERS as KVER's
#   kit.sh uninstall KIT KVER            KIT/KVER; the headers and KIT too if no kernel is left
#   kit.sh dkms-post-build BASE          (cwd: DKMS build dir) keep Module.symvers in DKMS's
#                                        per-kernel directory BASE until the install
#   kit.sh dkms-post-install KVER BASE   (cwd: DKMS source tree) install the kit in place
#   kit.sh dkms-post-remove KVER         (cwd: DKMS source tree) remove KVER's Module.symvers
set -euo pipefail

die() { echo "kit.sh: $*" >&2; exit 1; }

# personalities SRC: every header directory of SRC/include a driver may -I (all but bsdsync/).
personalities() {
    local d
    for d in "$1"/include/*/; do
        d=$(basename "$d")
        [[ $d == bsdsync ]] || echo "$d"
    done
}

install_kit() {
    local src=$1 kit=$2 kver=$3 symvers=$4 p
    [[ -d $src/include/bsdsync ]] || die "$src/include/bsdsync: not a bsdsync source tree"
    [[ -r $symvers ]] || die "cannot read $symvers"
    mkdir -p "$kit/include"
    for p in $(personalities "$src"); do
        # In a DKMS tree the personality's headers are already there (KIT is SRC).
        if [[ $(realpath "$src/include/$p") != $(realpath -m "$kit/include/$p") ]]; then
            rm -rf "$kit/include/$p"
            cp -R "$src/include/$p" "$kit/include/$p"
        fi
        rm -rf "$kit/include/$p/bsdsync"
        cp -R "$src/include/bsdsync" "$kit/include/$p/bsdsync"
        # Another personality's ABI (include/bsdsync/<other>/) is no header of this kit.
        for q in $(personalities "$src"); do
            [[ $q == "$p" ]] || rm -rf "${kit:?}/include/$p/bsdsync/$q"
        done
    done
    install -D -m 644 "$symvers" "$kit/$kver/Module.symvers"
}

uninstall_kit() {
    local kit=$1 kver=$2
    rm -rf "${kit:?}/${kver:?}"
    # The headers go with the last kernel's Module.symvers.
    if ! compgen -G "$kit/*/Module.symvers" >/dev/null; then
        rm -rf "$kit/include"
        rmdir "$kit" 2>/dev/null || true
    fi
}

case ${1:-} in
    install)           (($# == 5)) || die "usage: install SRC KIT KVER SYMVERS"; install_kit "$2" "$3" "$4" "$5" ;;
    uninstall)         (($# == 3)) || die "usage: uninstall KIT KVER"; uninstall_kit "$2" "$3" ;;
    dkms-post-build)   (($# == 2)) || die "usage: dkms-post-build BASE"
                       install -D -m 644 Module.symvers "$2/Module.symvers" ;;
    dkms-post-install) (($# == 3)) || die "usage: dkms-post-install KVER BASE"
                       install_kit . . "$2" "$3/Module.symvers"
                       echo "bsdsync kit: $(realpath .)/include/<personality>, $(realpath .)/$2/Module.symvers" ;;
    dkms-post-remove)  (($# == 2)) || die "usage: dkms-post-remove KVER"
                       # The DKMS source tree stays (dkms remove keeps /usr/src), so do its headers.
                       rm -rf "./${2:?}" ;;
    *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 1 ;;
esac
