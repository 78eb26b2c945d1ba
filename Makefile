# bsdsync top-level Makefile.
#
#   make            install the build dependencies (apt, scripts/deps.sh), then build
#                   bsdsync.ko against KDIR (default: newest installed Debian headers)
#   make run        the main job: build, boot a guest, load bsdsync and the example driver
#   make test       every test: debug-kernel KUnit run, stock 6.1/6.12 builds, stock boot
#   make bench      the benchmark: bsdsync against Linux's primitives in a stock 6.1 guest
#                   (scripts/bench.sh; not part of make test; BENCH_QUICK=1 for a smoke run)
#   make clean
#
# Builds happen out of the source tree, in $(BUILD) (one directory per kernel), so the same
# checkout can be built for several kernels side by side.

ROOT    := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KDIR    ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
KREL    := $(notdir $(abspath $(KDIR)))
BUILD   ?= $(ROOT)/build/$(KREL)
JOBS    ?= $(shell nproc)
# Sources copied into a build directory (everything Kbuild needs, nothing generated).
SRCDIRS := module include kunit examples
SRCFILES:= Kbuild

.PHONY: all modules kunit examples run test bench clean check-ko FORCE

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

# bsdsync_kunit.ko in $(BUILD)/kunit, for a kernel with CONFIG_KUNIT.
kunit: modules
	$(MAKE) -C $(KDIR) M=$(BUILD)/kunit -j$(JOBS) \
	    KBUILD_EXTRA_SYMBOLS=$(BUILD)/Module.symvers BSDSYNC_INCLUDE=$(BUILD)/include modules

# The example ported drivers, built the way a user builds one: out of tree, against the
# bsdsync headers and Module.symvers.
examples: modules
	@for d in $(BUILD)/examples/*/; do \
	    $(MAKE) -C $(KDIR) M=$$d -j$(JOBS) KBUILD_EXTRA_SYMBOLS=$(BUILD)/Module.symvers \
	        BSDSYNC_INCLUDE=$(BUILD)/include modules || exit 1; \
	done

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

clean:
	rm -rf $(ROOT)/build

FORCE:
