/*
 * <sys/lockmgr.h> for ported FreeBSD drivers: lock(9), the lockmgr lock.
 *
 * Every operation calls into bsdsync.ko with the caller's file and line, as FreeBSD modules
 * do; lockinit records its call site once (a static record per site). No Linux header
 * defines lockinit, lockmgr*, lockstatus, struct lock or LK_ and KA_ names, so none of them
 * needs a dispatcher like systm.h's msleep.
 *
 * lockmgr_assert() always checks (FreeBSD: only with INVARIANTS), like mtx_assert here.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_LOCKMGR_H_
#define _BSDSYNC_FREEBSD_SYS_LOCKMGR_H_

#include <sys/types.h>
#include <sys/_lock.h>
#include <sys/_lockmgr.h>
#include <sys/_mutex.h>

struct rwlock;

#define lk_recurse	lock_object.lo_data

#define lockinit(lk, prio, wmesg, timo, flags)					\
	fbsd_lockinit((lk), (prio), (wmesg), (timo), (flags), BSDSYNC_SITE())
#define lockdestroy(lk)		fbsd_lockdestroy((lk), LOCK_FILE, LOCK_LINE)

#define __lockmgr_args(lk, flags, ilk, wmesg, prio, timo, file, line)		\
	fbsd_lockmgr_args((lk), (flags), (ilk), (wmesg), (prio), (timo), (file), (line))

/* The interlock has a strict type (FreeBSD: so that a NULL interlock is fine). Without an
 * interlock and with the defaults (lockmgr(lk, flags, NULL): the test folds at compile
 * time), the shorter entry point. */
static inline int _lockmgr_args(struct lock *lk, unsigned int flags, struct mtx *ilk,
				const char *wmesg, int prio, int timo, const char *file,
				int line)
{
	if (ilk == NULL && wmesg == LK_WMESG_DEFAULT && prio == LK_PRIO_DEFAULT &&
	    timo == LK_TIMO_DEFAULT)
		return fbsd_lockmgr(lk, flags, file, line);
	return fbsd_lockmgr_args(lk, flags, ilk != NULL ? &ilk->lock_object : NULL, wmesg,
				 prio, timo, file, line);
}

/* struct rwlock may be incomplete here; its lock_object is its first member, as in every
 * FreeBSD lock. */
static inline int _lockmgr_args_rw(struct lock *lk, unsigned int flags, struct rwlock *ilk,
				   const char *wmesg, int prio, int timo, const char *file,
				   int line)
{
	return fbsd_lockmgr_args(lk, flags, (struct lock_object *)(void *)ilk, wmesg, prio,
				 timo, file, line);
}

#define lockmgr(lk, flags, ilk)							\
	_lockmgr_args((lk), (flags), (ilk), LK_WMESG_DEFAULT, LK_PRIO_DEFAULT,	\
		      LK_TIMO_DEFAULT, LOCK_FILE, LOCK_LINE)
#define lockmgr_args(lk, flags, ilk, wmesg, prio, timo)				\
	_lockmgr_args((lk), (flags), (ilk), (wmesg), (prio), (timo), LOCK_FILE, LOCK_LINE)
#define lockmgr_rw(lk, flags, ilk)						\
	_lockmgr_args_rw((lk), (flags), (ilk), LK_WMESG_DEFAULT, LK_PRIO_DEFAULT,	\
			 LK_TIMO_DEFAULT, LOCK_FILE, LOCK_LINE)
#define lockmgr_args_rw(lk, flags, ilk, wmesg, prio, timo)			\
	_lockmgr_args_rw((lk), (flags), (ilk), (wmesg), (prio), (timo), LOCK_FILE, LOCK_LINE)

/* The modern KPI without defaults: lockmgr_lock_flags takes any lock_object as interlock. */
#define lockmgr_lock_flags(lk, flags, ilk, file, line)				\
	fbsd_lockmgr_args((lk), (flags), (ilk), LK_WMESG_DEFAULT, LK_PRIO_DEFAULT,	\
			  LK_TIMO_DEFAULT, (file), (line))
#define lockmgr_slock(lk, flags, file, line)					\
	fbsd_lockmgr_args((lk), ((flags) & ~LK_TYPE_MASK) | LK_SHARED, NULL,	\
			  LK_WMESG_DEFAULT, LK_PRIO_DEFAULT, LK_TIMO_DEFAULT, (file), (line))
#define lockmgr_xlock(lk, flags, file, line)					\
	fbsd_lockmgr_args((lk), ((flags) & ~LK_TYPE_MASK) | LK_EXCLUSIVE, NULL,	\
			  LK_WMESG_DEFAULT, LK_PRIO_DEFAULT, LK_TIMO_DEFAULT, (file), (line))
#define lockmgr_unlock(lk)							\
	fbsd_lockmgr_args((lk), LK_RELEASE, NULL, LK_WMESG_DEFAULT, LK_PRIO_DEFAULT,	\
			  LK_TIMO_DEFAULT, LOCK_FILE, LOCK_LINE)

#define _lockmgr_disown(lk, file, line)	fbsd_lockmgr_disown((lk), (file), (line))
#define lockmgr_disown(lk)		fbsd_lockmgr_disown((lk), LOCK_FILE, LOCK_LINE)
#define lockmgr_printinfo(lk)		fbsd_lockmgr_printinfo((lk))
#define lockstatus(lk)			fbsd_lockstatus((lk))
#define _lockmgr_assert(lk, what, file, line)					\
	fbsd_lockmgr_assert((lk), (what), (file), (line))
#define lockmgr_assert(lk, what)	fbsd_lockmgr_assert((lk), (what), LOCK_FILE, LOCK_LINE)
#define lockallowshare(lk)		fbsd_lockallowshare((lk), LOCK_FILE, LOCK_LINE)
#define lockdisableshare(lk)		fbsd_lockdisableshare((lk), LOCK_FILE, LOCK_LINE)
#define lockallowrecurse(lk)		fbsd_lockallowrecurse((lk), LOCK_FILE, LOCK_LINE)
#define lockdisablerecurse(lk)		fbsd_lockdisablerecurse((lk), LOCK_FILE, LOCK_LINE)

/* Read-only views of the lock word (FreeBSD macros). */
#define lockmgr_read_value(lk)		((lk)->lk_lock)
#define lockmgr_recursed_v(v)		((v) & LK_WRITER_RECURSED)
#define lockmgr_recursed(lk)		fbsd_lockmgr_recursed((lk))
#define lockmgr_disowned_v(v)		(LK_HOLDER((v)) == LK_KERNPROC)
#define lockmgr_disowned(lk)		lockmgr_disowned_v(lockmgr_read_value((lk)))
/* FreeBSD 11's lockmgr_waiters(): are threads (maybe) queued? */
#define lockmgr_waiters(lk)		((lk)->lk_lock & LK_ALL_WAITERS)

#endif
