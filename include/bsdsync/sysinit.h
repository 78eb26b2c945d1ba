/*
 * bsdsync C ABI: SYSINIT/SYSUNINIT records.
 *
 * FreeBSD runs a module's SYSINITs when the module is loaded, before its event handler,
 * and its SYSUNINITs when it is unloaded. Linux modules have no linker sets that the
 * loader walks, and Debian kernels never run constructors, so bsdsync finds the records by
 * name: each SYSINIT defines a marker function __bsdsync_sysinit_<uniquifier> (functions
 * are in every module symbol table) that returns its record. bsdsync's module notifier
 * looks them up in every module that is coming (before its init function runs) and going
 * (after its exit function ran), and runs them in (subsystem, order) order, uninits in
 * reverse.
 *
 * A module declaration (FreeBSD's DECLARE_MODULE, <sys/module.h>) is a SYSINIT record too,
 * as on FreeBSD, whose `module` names the module instead of a function: its handler gets
 * MOD_LOAD at the record's place among the SYSINITs. When a handler fails MOD_LOAD, the load
 * stops there: the failing module gets MOD_UNLOAD (as FreeBSD's module_register_init does),
 * the modules loaded before it get MOD_QUIESCE and MOD_UNLOAD, the SYSUNINITs that sort
 * strictly before the failing record run in reverse, and the Linux module load fails with
 * the handler's error. At unload, every module gets MOD_QUIESCE then MOD_UNLOAD (newest
 * first) before the SYSUNINITs run, as FreeBSD's linker unloads a file's modules before its
 * SYSUNINITs; an error there cannot refuse the unload on Linux, so it is reported (rule
 * BSDSYNC_RULE_UNLOAD_REFUSED) and the unload goes on.
 */
#ifndef _BSDSYNC_SYSINIT_H_
#define _BSDSYNC_SYSINIT_H_

#include <bsdsync/types.h>

BSDSYNC_BEGIN_DECLS

struct bsdsync_sysinit;
/* Opaque: the handle a module event handler receives (FreeBSD's module_t). bsdsync passes a
 * pointer to the module's bsdsync_moduledata; never dereferenced as Linux's struct module. */
struct module;

/* FreeBSD's moduledata_t, field for field (<sys/module.h> defines it over this layout). */
struct bsdsync_moduledata {
	const char *name;
	int (*evhand)(struct module *mod, int what, void *arg);	/* NULL: load/unload do nothing */
	void *priv;
};
BSDSYNC_ABI_SIZE(struct bsdsync_moduledata, 24);

/* Module events, FreeBSD's values (modeventtype_t). */
#define BSDSYNC_MOD_LOAD	0
#define BSDSYNC_MOD_UNLOAD	1
#define BSDSYNC_MOD_SHUTDOWN	2
#define BSDSYNC_MOD_QUIESCE	3

typedef const struct bsdsync_sysinit *(*bsdsync_sysinit_marker_t)(void);

struct bsdsync_sysinit {
	unsigned int subsystem;
	unsigned int order;
	void (*func)(const void *udata);
	const void *udata;
	/* The marker itself: taking its address keeps IBT from sealing its ENDBR, since the
	 * notifier calls it through a pointer. */
	bsdsync_sysinit_marker_t marker;
	/* A module declaration: func is NULL and this module's handler gets MOD_LOAD here.
	 * NULL for a plain SYSINIT/SYSUNINIT. */
	const struct bsdsync_moduledata *module;
};
BSDSYNC_ABI_SIZE(struct bsdsync_sysinit, 40);
BSDSYNC_ABI_OFFSET(struct bsdsync_sysinit, func, 8);
BSDSYNC_ABI_OFFSET(struct bsdsync_sysinit, marker, 24);
BSDSYNC_ABI_OFFSET(struct bsdsync_sysinit, module, 32);

#define BSDSYNC_SYSINIT_PREFIX		"__bsdsync_sysinit_"
#define BSDSYNC_SYSUNINIT_PREFIX	"__bsdsync_sysuninit_"

/*
 * The records of one Linux module `kmod` (its name, for messages): SYSINITs and module
 * declarations in `inits`, SYSUNINITs in `uninits`. Both arrays are sorted in place.
 * bsdsync_sysinit_load runs them at load and returns 0, or the negative errno of a failed
 * MOD_LOAD (a handler's positive FreeBSD errno is negated; a negative return is taken as a
 * Linux errno already) after undoing what ran. bsdsync_sysinit_unload runs the unload events
 * and the SYSUNINITs. bsdsync_sysinit_shutdown gives each module MOD_SHUTDOWN (at reboot).
 */
int bsdsync_sysinit_load(const char *kmod, const struct bsdsync_sysinit **inits, int ninits,
			 const struct bsdsync_sysinit **uninits, int nuninits);
void bsdsync_sysinit_unload(const char *kmod, const struct bsdsync_sysinit **inits, int ninits,
			    const struct bsdsync_sysinit **uninits, int nuninits);
void bsdsync_sysinit_shutdown(const struct bsdsync_sysinit **inits, int ninits);

BSDSYNC_END_DECLS

#endif
