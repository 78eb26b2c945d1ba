/*
 * bsdsync C ABI: DragonFly's condition variables (<sys/condvar.h>), kept by DragonFly for
 * code ported from FreeBSD. DragonFly's, not FreeBSD's cv(9): the interlock is a DragonFly
 * lockmgr lock (struct lock *, or NULL), released with LK_RELEASE for the sleep and taken
 * back EXCLUSIVELY (kern_condvar.c). cv_waiters counts the waiters a signal may wake, under
 * cv_lock (a DragonFly spinlock). module/dragonfly/condvar.cpp has the rest.
 */
#ifndef _BSDSYNC_DRAGONFLY_CONDVAR_H_
#define _BSDSYNC_DRAGONFLY_CONDVAR_H_

#include <bsdsync/types.h>
#include <bsdsync/dragonfly/spinlock.h>
#include <bsdsync/dragonfly/lock.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

struct cv {
	struct dfly_spinlock cv_lock;
	int cv_waiters;
	const char *cv_desc;
};
BSDSYNC_ABI_SIZE(struct cv, 32);

void dfly_cv_init(struct cv *c, const char *desc);
void dfly_cv_destroy(struct cv *c, const char *file, int line);
/* 0 (signalled), EWOULDBLOCK (timo ticks), EINTR / ERESTART (wakesig: PCATCH). */
int dfly_cv_timedwait(struct cv *c, struct lock *lk, int timo, int wakesig, const char *file,
		      int line);
void dfly_cv_signal(struct cv *c, int broadcast);
int dfly_cv_has_waiters(struct cv *c);

BSDSYNC_DRAGONFLY_ABI_END

#endif
