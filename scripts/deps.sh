#!/usr/bin/env bash
# Install (Debian 12, apt only) everything bsdsync's build and test rig needs. Idempotent:
# on a machine that already has it all, it touches nothing and needs no network.
# Runs as root, or through sudo when that is available.
set -euo pipefail

log() { printf '[deps] %s\n' "$*"; }

packages=(
    # compilers: the Debian kernels are built with gcc-12; C++ needs the matching g++
    build-essential gcc-12 g++-12 make binutils
    # kernel build (debug test kernel from source) and out-of-tree module builds
    bc flex bison libelf-dev libssl-dev dwarves cpio kmod rsync xz-utils python3
    linux-source-6.1 linux-headers-amd64 linux-headers-6.12-amd64
    # the kernel matrix's PREEMPT_RT flavours (6.1 and 6.12): headers and kernels
    linux-headers-rt-amd64 linux-headers-6.12-rt-amd64 linux-image-rt-amd64 linux-image-6.12-rt-amd64
    # the stock 6.1 and 6.12 kernels booted in QEMU, and the guest's userland
    linux-image-amd64 linux-image-6.12-amd64 qemu-system-x86 busybox-static
    # make test installs bsdsync with DKMS for 6.1 and 6.12 (never loaded), then removes it
    dkms
    # flock, timeout (normally present; listed so a minimal image gets them)
    util-linux coreutils
)

missing=()
for p in "${packages[@]}"; do
    if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    log "all ${#packages[@]} packages present"
    exit 0
fi

sudo=()
if ((EUID != 0)); then
    command -v sudo >/dev/null || { log "ERROR: need root to install: ${missing[*]}"; exit 1; }
    sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
log "missing: ${missing[*]}"
log "apt-get update"
"${sudo[@]}" apt-get update -q
log "apt-get install ${missing[*]}"
# No recommends: linux-image-amd64 would otherwise drag in firmware and bootloader bits.
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
log "done"
