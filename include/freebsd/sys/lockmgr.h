/*
 * <sys/lockmgr.h> for ported FreeBSD drivers: lock(9), the lockmgr lock.
 *
 * Every operation calls into bsdsync.ko with the caller's file and line, as FreeBSD modules
 * do (the production build inlines plain shared and exclusive requests and their release:
 * below);
 * lockinit records its call site once (a static record per site). No Linux header
 * defines lockinit, lockmgr*, lockstatus, struct lock or LK_ and KA_ names, so none of them
 * needs a dispatcher like systm.h's msleep.
 *
 * lockmgr_assert() always checks (FreeBSD: only with INVARIANTS), like mtx_assert here.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_LOCKMGR_H_
#define _BSDSYNC_FREEBSD_SYS_LOCKMGR_H_

#include <sys/types.h>
#include <sys/_lock.h>
#include <sys/lock.h>
#include <sys/_lockmgr.h>
#include <sys/_mutex.h>

struct rwlock;

#define lk_recurse	lock_object.lo_data

#define lockinit(lk, prio, wmesg, timo, flags)					\
	fbsd_lockinit((lk), (prio), (wmesg), (timo), (flags), BSDSYNC_SITE())
#define lockdestroy(lk)		fbsd_lockdestroy((lk), LOCK_FILE, LOCK_LINE)

#define __lockmgr_args(lk, flags, ilk, wmesg, prio, timo, file, line)		\
	fbsd_lockmgr_args((lk), (flags), (ilk), (wmesg), (prio), (timo), (file), (line))

#if BSDSYNC_INLINE_LOCKS && !defined(LOCKMGR_NOINLINE)
#define BSDSYNC_LK_INLINE 1
/*
 * The production build (<sys/lock.h>): a plain lockmgr(lk, LK_SHARED, NULL),
 * lockmgr(lk, LK_EXCLUSIVE, NULL) and the LK_RELEASE of either hold are inline. Every other
 * request, flag or case is the module's (module/freebsd/lockmgr.cpp, "the thread's holds",
 * has the whole argument).
 *
 * Shared, the way <sys/lock.h> explains for rw_rlock (the word's SHARED bit, count unit and
 * free value are the shared lock's; a new sharer keeps out only for LK_EXCLUSIVE_WAITERS, as
 * the module's can_share, and never on a lock initialised LK_NOSHARE, whose shared requests
 * are exclusive ones): one CAS each, the hold counted in the thread's record
 * (BSDSYNC_LK_COUNT: FreeBSD's td_lk_slocks, by which a thread holding shared lockmgr locks
 * passes waiting writers in the module unless LK_NODDLKTREAT).
 *
 * Exclusive (FreeBSD's lockmgr_xlock/lockmgr_unlock fast paths): the word is the bare owner
 * (LK_HOLDER, lockmgr_disowned read it), so no bit can mark a hold the module did not
 * record, as sx/rw's BSDSYNC_SL_UNRECORDED does; the thread's record counts them instead
 * (BSDSYNC_LK_XCOUNT: its inline part the holds taken here, its recorded part the module's).
 *   acquire: no lock-event sink (static key), thread context, the record cache holds the
 *            caller's record, then one CAS of the word from LK_UNLOCKED to curthread,
 *            acquire (pairs with the release of the previous holder's unlock), and the
 *            count's inline part + 1. No class check: only a live lock's word is
 *            LK_UNLOCKED (zeroed: 0, destroyed: LK_DESTROYED), and the macro takes a
 *            struct lock.
 *   release: thread context (an interrupt's release of a hold the module took for it must
 *            not take one off the interrupted thread's count), the cache holds our record,
 *            the count's recorded part 0 and its inline part nonzero (then no exclusive
 *            hold of ours is recorded: this one was taken inline, or before the thread had
 *            a record), then one CAS from curthread to LK_UNLOCKED, release (pairs with the
 *            next holder's acquire), and the count - 1. Any other word (waiter or drain
 *            bits to act on, recursed, disowned, not ours, shared) fails the CAS and calls
 *            the module, which takes an inline hold off the count when it has no record of
 *            the lock.
 * The count is written by the thread alone, after its CAS, and read only by it.
 */
static __always_inline int __bsd_lockmgr_xacquire(struct lock *lk)
{
	unsigned long v = LK_UNLOCKED;
	char *r;

	if (static_branch_unlikely(&bsdsync_lock_events_key) || !in_task())
		return 0;
	r = __bsd_td_cached();
	if (__predict_false(!__bsd_td_mine(r)) ||
	    __predict_false(!__atomic_compare_exchange_n(&lk->lk_lock, &v,
							 (unsigned long)current, 0,
							 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		return 0;
	__bsd_td_counts(r)[BSDSYNC_LK_XCOUNT]++;
	return 1;
}

static __always_inline int __bsd_lockmgr_xrelease(struct lock *lk)
{
	unsigned long v = (unsigned long)current;
	char *r;
	int *c;

	if (!in_task())
		return 0;
	r = __bsd_td_cached();
	c = __bsd_td_counts(r);
	/* 1 <= count < BSDSYNC_LK_COUNT_RECORDED: inline holds only */
	if (__predict_false(!__bsd_td_mine(r) ||
			    (unsigned int)(c[BSDSYNC_LK_XCOUNT] - 1) >=
				    BSDSYNC_LK_COUNT_RECORDED - 1) ||
	    __predict_false(!__atomic_compare_exchange_n(&lk->lk_lock, &v, LK_UNLOCKED, 0,
							 __ATOMIC_RELEASE, __ATOMIC_RELAXED)))
		return 0;
	c[BSDSYNC_LK_XCOUNT]--;
	return 1;
}

static __always_inline int __bsd_lockmgr_fast(struct lock *lk, unsigned int flags)
{
	unsigned long v;

	if (flags == LK_SHARED)
		return !(__atomic_load_n(&lk->lock_object.lo_flags, __ATOMIC_RELAXED) &
			 LK_NOSHARE) &&
		       __bsd_lock_sacquire(&lk->lk_lock, BSDSYNC_LK_COUNT, 0,
					   LK_EXCLUSIVE_WAITERS);
	if (flags == LK_EXCLUSIVE)
		return __bsd_lockmgr_xacquire(lk);
	if (flags == LK_RELEASE) {
		/* One load decides the mode: a shared word goes to the shared release. */
		v = __atomic_load_n(&lk->lk_lock, __ATOMIC_RELAXED);
		if (v & LK_SHARE)
			return __bsd_lock_srelease_v(&lk->lk_lock, v, BSDSYNC_LK_COUNT, 0);
		return __bsd_lockmgr_xrelease(lk);
	}
	return 0;
}
#else
#define __bsd_lockmgr_fast(lk, flags)	0
#endif

/* The interlock has a strict type (FreeBSD: so that a NULL interlock is fine). Without an
 * interlock and with the defaults (lockmgr(lk, flags, NULL): the test folds at compile
 * time), the shorter entry point. */
static __always_inline int _lockmgr_args(struct lock *lk, unsigned int flags, struct mtx *ilk,
					 const char *wmesg, int prio, int timo,
					 const char *file, int line)
{
	if (ilk == NULL && wmesg == LK_WMESG_DEFAULT && prio == LK_PRIO_DEFAULT &&
	    timo == LK_TIMO_DEFAULT) {
		if (__bsd_lockmgr_fast(lk, flags))
			return 0;
		return fbsd_lockmgr(lk, flags, file, line);
	}
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
