# bsdsync top-level Makefile.
#
#   make            install the build dependencies (apt, scripts/deps.sh), then build
#                   bsdsync.ko against KDIR (default: newest installed Debian headers)
#   make run        the main job: build, boot a guest, load bsdsync and the example drivers
#   make test       every test: debug-kernel KUnit run, stock 6.1/6.12 builds, stock boot
#   make stress     the lock torture module (torture/) for every lock type in the kasan and
#                   kcsan debug guests, DURATION seconds per type (default 30; scripts/stress.sh)
#   make bench      the benchmark: bsdsync against Linux's primitives in a stock 6.1 guest
#                   (scripts/bench.sh; not part of make test; BENCH_QUICK=1 for a smoke run)
#   make bench-compare BEFORE=<rev> [AFTER=<rev>]  two revisions' benchmarks in one sitting
#                   and how each ratio moved (scripts/bench-compare.sh; AFTER: working tree)
#   make install    bsdsync.ko into /lib/modules/<kver>/extra (depmod -a <kver>) and the
#                   porting kit (headers, Module.symvers) into /usr/src/bsdsync-<version>
#                   (scripts/kit.sh); KDIR picks the kernel, DESTDIR a staging root (then no
#                   depmod); `make uninstall` (same KDIR, DESTDIR) takes it all away again
#   make dkms-source  the DKMS source tree /usr/src/bsdsync-<version> (then `dkms install
#                   bsdsync/<version> -k <kver>`; dkms.conf)
#   make clean
#
# Builds happen out of the source tree, in $(BUILD) (one directory per kernel), so the same
# checkout can be built for several kernels side by side.

ROOT    := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
# Default: the newest installed Debian headers, not a PREEMPT_RT flavour.
KDIR    ?= $(shell ls -1d /usr/src/linux-headers-*-amd64 2>/dev/null | grep -v -- '-rt-amd64$$' | sort -V | tail -n 1)
KREL    := $(notdir $(abspath $(KDIR)))
# The kernel's `uname -r` name. Not its KERNELRELEASE: Debian's 6.1 headers say "6.1.192".
KVER     = $(shell sed -n 's/^[#]define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(ROOT)/dkms.conf)
# Where the porting kit goes (scripts/kit.sh), by `make install` and by DKMS alike.
KIT      = $(DESTDIR)/usr/src/bsdsync-$(VERSION)
BUILD   ?= $(ROOT)/build/$(KREL)
JOBS    ?= $(shell nproc)
# Sources copied into a build directory (everything Kbuild needs, nothing generated).
SRCDIRS := module include kunit examples torture
SRCFILES:= Kbuild

.PHONY: all modules kunit examples kit install uninstall dkms-source run test stress bench bench-compare clean \
        check-ko FORCE

# Plain `make` on a fresh machine installs what the build needs first (scripts/deps.sh is
# idempotent and touches nothing when all is present); KDIR is chosen after that, in the
# recursive make, so that headers installed just now are found.
all:
	@bash $(ROOT)/scripts/deps.sh
	@$(MAKE) --no-print-directory -f $(ROOT)/Makefile modules

$(BUILD)/.synced: FORCE
	@mkdir -p $(BUILD)
	@rsync -a --delete-excluded --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	    $(addprefix $(ROOT)/,$(SRCDIRS) $(SRCFILES)) $(BUILD)/
	@touch $@

# bsdsync.ko (and Module.symvers) in $(BUILD).
modules: $(BUILD)/.synced
	$(MAKE) -C $(KDIR) M=$(BUILD) -j$(JOBS) modules
	@$(MAKE) --no-print-directory -f $(ROOT)/Makefile check-ko KO=$(BUILD)/bsdsync.ko

# bsdsync_kunit.ko in $(BUILD)/kunit, for a kernel with CONFIG_KUNIT, the module the KUnit
# guest loads to see a MOD_LOAD fail the load (kunit/modload/Kbuild), the lockdep cycle case
# that needs a guest of its own (kunit/lockdep/Kbuild), and the lock torture
# module bsdsync_torture.ko in $(BUILD)/torture (torture/torture.c).
kunit: modules
	$(MAKE) -C $(KDIR) M=$(BUILD)/kunit -j$(JOBS) \
	    KBUILD_EXTRA_SYMBOLS=$(BUILD)/Module.symvers BSDSYNC_INCLUDE=$(BUILD)/include modules
	$(MAKE) -C $(KDIR) M=$(BUILD)/kunit/modload -j$(JOBS) \
	    KBUILD_EXTRA_SYMBOLS=$(BUILD)/Module.symvers BSDSYNC_INCLUDE=$(BUILD)/include modules
	$(MAKE) -C $(KDIR) M=$(BUILD)/kunit/lockdep -j$(JOBS) \
	    KBUILD_EXTRA_SYMBOLS=$(BUILD)/Module.symvers BSDSYNC_INCLUDE=$(BUILD)/include modules
	$(MAKE) -C $(KDIR) M=$(BUILD)/torture -j$(JOBS) \
	    KBUILD_EXTRA_SYMBOLS=$(BUILD)/Module.symvers BSDSYNC_INCLUDE=$(BUILD)/include modules

# The porting kit of this build, laid out as `make install` lays it out, in $(BUILD)/kit.
kit: modules
	@bash $(ROOT)/scripts/kit.sh install $(ROOT) $(BUILD)/kit $(KVER) $(BUILD)/Module.symvers

# The example ported drivers, built exactly as a user builds one (README, "Building a driver
# against bsdsync"): their Kbuild takes one -I and KBUILD_EXTRA_SYMBOLS from BSDSYNC (here
# this build's kit, by default the installed one), and KERNELRELEASE is the kernel's name,
# as DKMS passes it.
examples: kit
	@for d in $(BUILD)/examples/*/; do \
	    $(MAKE) -C $(KDIR) M=$$d -j$(JOBS) BSDSYNC=$(BUILD)/kit KERNELRELEASE=$(KVER) \
	        modules || exit 1; \
	done

# Installed on the machine (or under DESTDIR). Not next to a DKMS install of the same version:
# that owns /usr/src/bsdsync-$(VERSION) (dkms remove it first).
install: modules
	@if [ -e $(KIT)/dkms.conf ]; then \
	    echo "error: $(KIT) is a DKMS source tree: use dkms (or dkms remove it first)"; exit 1; fi
	install -D -m 644 $(BUILD)/bsdsync.ko $(DESTDIR)/lib/modules/$(KVER)/extra/bsdsync.ko
	bash $(ROOT)/scripts/kit.sh install $(ROOT) $(KIT) $(KVER) $(BUILD)/Module.symvers
	$(if $(DESTDIR),@echo "DESTDIR set: depmod not run",depmod -a $(KVER))
	@echo "installed: $(DESTDIR)/lib/modules/$(KVER)/extra/bsdsync.ko, headers" \
	    "$(KIT)/include/<personality>, $(KIT)/$(KVER)/Module.symvers"

uninstall:
	@if [ -e $(KIT)/dkms.conf ]; then \
	    echo "error: $(KIT) is a DKMS source tree: use dkms remove"; exit 1; fi
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/bsdsync.ko
	-rmdir $(DESTDIR)/lib/modules/$(KVER)/extra 2>/dev/null
	bash $(ROOT)/scripts/kit.sh uninstall $(KIT) $(KVER)
	$(if $(DESTDIR),@echo "DESTDIR set: depmod not run",depmod -a $(KVER))

# The DKMS source tree: what a build directory gets (SRCDIRS, SRCFILES), dkms.conf and the
# kit script, nothing generated.
dkms-source:
	@if [ -e $(KIT) ]; then echo "error: $(KIT) exists (dkms remove bsdsync/$(VERSION) --all;" \
	    "rm -r $(KIT))"; exit 1; fi
	mkdir -p $(KIT)/scripts
	cp -R $(addprefix $(ROOT)/,$(SRCDIRS) $(SRCFILES)) $(ROOT)/dkms.conf $(KIT)/
	install -m 755 $(ROOT)/scripts/kit.sh $(KIT)/scripts/kit.sh
	@echo "DKMS source tree: $(KIT); next: dkms install bsdsync/$(VERSION) -k <kver>"

# The module loader of Debian kernels never runs constructors (CONFIG_CONSTRUCTORS is off),
# so a C++ static initializer would silently never run: there must be none (no
# _GLOBAL__sub_I_* functions), and on such kernels no constructor section at all. (KASAN
# kernels select CONSTRUCTORS and add their own for global-variable registration; KCSAN
# kernels have the compiler add a __tsan_init constructor to every instrumented object, C
# ones included, which the loader ignores.)
check-ko:
	@if nm $(KO) | grep -q '_GLOBAL__sub_[ID]_'; then \
	    echo "error: $(KO) has C++ static initializers (make the globals constinit)"; exit 1; fi
	@if ! grep -qE '^CONFIG_(CONSTRUCTORS|KCSAN)=y' $(KDIR)/.config 2>/dev/null && \
	    readelf -SW $(KO) | grep -qE '\.(init|fini)_array|\.ctors|\.dtors'; then \
	    echo "error: $(KO) has constructor sections (.init_array/.ctors)"; exit 1; fi

run:
	@bash $(ROOT)/scripts/run.sh

test:
	@bash $(ROOT)/scripts/test.sh

bench:
	@bash $(ROOT)/scripts/bench.sh

bench-compare:
	@test -n "$(BEFORE)" || { echo "make bench-compare BEFORE=<revision> [AFTER=<revision>]"; exit 2; }
	@bash $(ROOT)/scripts/bench-compare.sh $(BEFORE) $(or $(AFTER),.)

stress:
	@bash $(ROOT)/scripts/stress.sh $(DURATION)

clean:
	rm -rf $(ROOT)/build

FORCE:
