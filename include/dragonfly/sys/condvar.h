/*
 * <sys/condvar.h> for drivers ported from DragonFly BSD: DragonFly's condition variables
 * (DragonFly keeps them for code ported from FreeBSD), with DragonFly's interlock: a lockmgr
 * lock (struct lock *, may be NULL), released for the sleep and taken back exclusively.
 * FreeBSD's cv(9) (include/freebsd) takes a mutex instead: the functions behind these names
 * are dfly_cv_*.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_CONDVAR_H_
#define _BSDSYNC_DRAGONFLY_SYS_CONDVAR_H_

#include <sys/types.h>
#include <sys/spinlock.h>
#include <sys/lock.h>
#include <bsdsync/dragonfly/condvar.h>

#define cv_init(cv, desc)		dfly_cv_init((cv), (desc))
#define cv_destroy(cv)			dfly_cv_destroy((cv), __FILE__, __LINE__)
#define cv_wait(cv, lock)		dfly_cv_timedwait((cv), (lock), 0, 0, __FILE__, __LINE__)
#define cv_wait_sig(cv, lock)		dfly_cv_timedwait((cv), (lock), 0, 1, __FILE__, __LINE__)
#define cv_timedwait(cv, lock, timo)						\
	dfly_cv_timedwait((cv), (lock), (timo), 0, __FILE__, __LINE__)
#define cv_timedwait_sig(cv, lock, timo)					\
	dfly_cv_timedwait((cv), (lock), (timo), 1, __FILE__, __LINE__)
#define cv_signal(cv)			dfly_cv_signal((cv), 0)
#define cv_broadcast(cv)		dfly_cv_signal((cv), 1)
#define cv_broadcastpri(cv, pri)	dfly_cv_signal((cv), 1)
#define cv_has_waiters(cv)		dfly_cv_has_waiters((cv))

#endif
