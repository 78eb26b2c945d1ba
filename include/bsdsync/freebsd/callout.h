/*
 * bsdsync C ABI: FreeBSD callout(9).
 *
 * A callout is a function run once, a given time from now, by bsdsync's callout thread: a
 * kernel thread, so a handler may take a sleep mutex or rw lock (never hard or soft interrupt
 * context). A callout may be associated with a lock (callout_init_mtx/_rw/_rm): the thread
 * takes that lock before the handler runs and releases it afterwards (unless
 * CALLOUT_RETURNUNLOCKED), and a callout_stop() or callout_reset() made with the lock held
 * either cancels the run or finds the handler already finished with it: a handler that has
 * not yet taken the lock when the caller holds it never runs (module/freebsd/callout.cpp).
 */
#ifndef _BSDSYNC_FREEBSD_CALLOUT_H_
#define _BSDSYNC_FREEBSD_CALLOUT_H_

#include <bsdsync/freebsd/lock.h>

BSDSYNC_FREEBSD_ABI_BEGIN

typedef void callout_func_t(void *);

/* Field by field as FreeBSD's (sys/_callout.h); c_links is bsdsync's own list link. */
struct callout {
	struct {
		struct callout *next;
		struct callout *prev;
	} c_links;			/* (c) the pending list, sorted by c_time */
	bsdsync_sbintime_t c_time;	/* (c) when it is due (sbinuptime) */
	bsdsync_sbintime_t c_precision;	/* (c) allowed lateness */
	void *c_arg;			/* (c) */
	callout_func_t *c_func;		/* (c) */
	struct lock_object *c_lock;	/* (i) the associated lock, or NULL */
	short c_flags;			/* (l) CALLOUT_ACTIVE: user-visible, the lock's */
	short c_iflags;			/* (c) CALLOUT_PENDING and the init flags */
	volatile int c_cpu;		/* (i) accepted, not used: one callout thread */
};
/* FreeBSD's size on amd64; the fields the inline callout_active/pending read. */
BSDSYNC_ABI_SIZE(struct callout, 64);
BSDSYNC_ABI_OFFSET(struct callout, c_time, 16);
BSDSYNC_ABI_OFFSET(struct callout, c_arg, 32);
BSDSYNC_ABI_OFFSET(struct callout, c_func, 40);
BSDSYNC_ABI_OFFSET(struct callout, c_lock, 48);
BSDSYNC_ABI_OFFSET(struct callout, c_flags, 56);
BSDSYNC_ABI_OFFSET(struct callout, c_iflags, 58);
BSDSYNC_ABI_OFFSET(struct callout, c_cpu, 60);
/* (c) changed under the callout queue's lock; (i) set at init; (l) under the callout's own
 * lock (or, for a callout without one, the caller's care, as in FreeBSD). */

#define BSDSYNC_CALLOUT_ACTIVE		0x0002
#define BSDSYNC_CALLOUT_PENDING		0x0004
#define BSDSYNC_CALLOUT_MPSAFE		0x0008
#define BSDSYNC_CALLOUT_RETURNUNLOCKED	0x0010
#define BSDSYNC_CALLOUT_SHAREDLOCK	0x0020

/* _callout_stop_safe() flags (FreeBSD's CS_*). */
#define BSDSYNC_CS_DRAIN		0x0001
#define BSDSYNC_CS_EXECUTING		0x0002

void fbsd_callout_init(struct callout *c, int mpsafe);
void fbsd_callout_init_lock(struct callout *c, struct lock_object *lock, int flags,
			    const char *file, int line);
/* Returns 1 if a pending run was cancelled (or the run of a handler not yet started,
 * cancelled by a caller holding the lock), else 0. */
int fbsd_callout_reset_sbt_on(struct callout *c, bsdsync_sbintime_t sbt,
			      bsdsync_sbintime_t pr, callout_func_t *func, void *arg, int cpu,
			      int flags);
int fbsd_callout_reset_on(struct callout *c, int ticks, callout_func_t *func, void *arg,
			  int cpu);
int fbsd_callout_schedule_on(struct callout *c, int ticks, int cpu);
int fbsd_callout_schedule_sbt_on(struct callout *c, bsdsync_sbintime_t sbt,
				 bsdsync_sbintime_t pr, int cpu, int flags);
/* callout_stop, callout_drain and callout_async_drain: 1 if a pending run was cancelled,
 * 0 if the handler is running and could not be stopped (or was waited for), -1 if the
 * callout was neither pending nor running. */
int fbsd_callout_stop_safe(struct callout *c, int flags, callout_func_t *drain,
			   const char *file, int line);

BSDSYNC_FREEBSD_ABI_END

#endif
