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
 */
#ifndef _BSDSYNC_SYSINIT_H_
#define _BSDSYNC_SYSINIT_H_

#include <bsdsync/types.h>

BSDSYNC_BEGIN_DECLS

struct bsdsync_sysinit;
typedef const struct bsdsync_sysinit *(*bsdsync_sysinit_marker_t)(void);

struct bsdsync_sysinit {
	unsigned int subsystem;
	unsigned int order;
	void (*func)(const void *udata);
	const void *udata;
	/* The marker itself: taking its address keeps IBT from sealing its ENDBR, since the
	 * notifier calls it through a pointer. */
	bsdsync_sysinit_marker_t marker;
};
BSDSYNC_ABI_SIZE(struct bsdsync_sysinit, 32);
BSDSYNC_ABI_OFFSET(struct bsdsync_sysinit, func, 8);
BSDSYNC_ABI_OFFSET(struct bsdsync_sysinit, marker, 24);

#define BSDSYNC_SYSINIT_PREFIX		"__bsdsync_sysinit_"
#define BSDSYNC_SYSUNINIT_PREFIX	"__bsdsync_sysuninit_"

/* Run the records of one module: sorted by (subsystem, order); uninit runs in reverse. */
void bsdsync_run_sysinits(const struct bsdsync_sysinit **records, int count, int uninit);

BSDSYNC_END_DECLS

#endif
