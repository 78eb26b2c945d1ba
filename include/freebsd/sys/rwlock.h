/*
 * <sys/rwlock.h> for ported FreeBSD drivers: rwlock(9), reader/writer locks that behave
 * like a mutex (bounded waits, never held across a sleep) with a shared mode.
 *
 * The checked build (the default): every operation calls into bsdsync.ko with the caller's
 * file and line, as FreeBSD modules do; rw_init records its call site once (a static record
 * per site). Linux's rwlock_t API (read_lock, write_lock, rwlock_init) shares no name with
 * this one.
 *
 * The production build (BSDSYNC_INLINE_LOCKS, <sys/lock.h>; FreeBSD's RWLOCK_NOINLINE keeps
 * the calls), as FreeBSD's __rw_wlock/__rw_wunlock: rw_wlock and rw_wunlock are inline when
 * the lock is free, the way <sys/mutex.h> explains for mtx_lock (one CAS of the word from
 * UNLOCKED to curthread | UNRECORDED and back; <bsdsync/freebsd/sx.h> has the bit), and
 * call the module for everything else (contention, recursion, waiters, misuse reports
 * judged from the word), with what <sys/mutex.h> says such holds lose (sleeping with one
 * held is not reported). rw_rlock and rw_runlock are inline too while no writer waits,
 * counting the hold in the thread's record (FreeBSD's td_rw_rlocks), so that a recursive
 * reader still passes a waiting writer in the module (<sys/lock.h>, __bsd_lock_sacquire, has
 * the argument). rw_unlock, trylocks, upgrade and downgrade are calls in both builds.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_RWLOCK_H_
#define _BSDSYNC_FREEBSD_SYS_RWLOCK_H_

#include <sys/types.h>
#include <sys/lock.h>
#include <sys/_rwlock.h>
#include <sys/pcpu.h>
#include <sys/kernel.h>
#include <bsdsync/freebsd/sleep.h>

/* The struct rwlock behind rw (a struct rwlock or struct rwlock_padalign): naming the member
 * rw_lock rejects any other type at compile time, as FreeBSD's rwlock2rw does. */
#define __bsd_rw(rw)								\
	((struct rwlock *)((char *)&(rw)->rw_lock - __builtin_offsetof(struct rwlock, rw_lock)))

#define rw_init_flags(rw, name, opts)						\
	fbsd_rw_init_flags(__bsd_rw(rw), (name), (opts), BSDSYNC_SITE())
#define rw_init(rw, name)	rw_init_flags((rw), (name), 0)
#define rw_destroy(rw)		fbsd_rw_destroy(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)

#if BSDSYNC_INLINE_LOCKS && !defined(RWLOCK_NOINLINE)
#define BSDSYNC_RW_INLINE 1
static __always_inline void __bsd_rw_wlock(struct rwlock *rw, const char *file, int line)
{
	if (!__bsd_lock_xacquire(&rw->lock_object, &rw->rw_lock, BSDSYNC_CLASS_RW,
				 BSDSYNC_SL_UNLOCKED, BSDSYNC_SL_UNRECORDED))
		fbsd_rw_wlock(rw, file, line);
}

static __always_inline void __bsd_rw_wunlock(struct rwlock *rw, const char *file, int line)
{
	if (!__bsd_lock_xrelease(&rw->rw_lock, BSDSYNC_SL_UNLOCKED, BSDSYNC_SL_UNRECORDED))
		fbsd_rw_wunlock(rw, file, line);
}

/* Read holds: <sys/lock.h> (__bsd_lock_sacquire) says how they stay counted. */
static __always_inline void __bsd_rw_rlock(struct rwlock *rw, const char *file, int line)
{
	if (!__bsd_lock_sacquire(&rw->rw_lock, BSDSYNC_SL_COUNT_RW, 1,
				 BSDSYNC_SL_EXCLUSIVE_WAITERS | BSDSYNC_SL_WRITE_SPINNER))
		fbsd_rw_rlock(rw, file, line);
}

static __always_inline void __bsd_rw_runlock(struct rwlock *rw, const char *file, int line)
{
	if (!__bsd_lock_srelease(&rw->rw_lock, BSDSYNC_SL_COUNT_RW, 1))
		fbsd_rw_runlock(rw, file, line);
}
#define rw_wlock(rw)		__bsd_rw_wlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_wunlock(rw)		__bsd_rw_wunlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_rlock(rw)		__bsd_rw_rlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_runlock(rw)		__bsd_rw_runlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#else
#define rw_wlock(rw)		fbsd_rw_wlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_wunlock(rw)		fbsd_rw_wunlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_rlock(rw)		fbsd_rw_rlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_runlock(rw)		fbsd_rw_runlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#endif
#define rw_try_wlock(rw)	fbsd_rw_try_wlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_try_rlock(rw)	fbsd_rw_try_rlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_unlock(rw)		fbsd_rw_unlock(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_try_upgrade(rw)	fbsd_rw_try_upgrade(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)
#define rw_downgrade(rw)	fbsd_rw_downgrade(__bsd_rw(rw), LOCK_FILE, LOCK_LINE)

#define rw_initialized(rw)	lock_initialized(&(rw)->lock_object)
#define rw_wowned(rw)		fbsd_rw_wowned(__bsd_rw(rw))
#define rw_wlocked(rw)		rw_wowned(rw)
#define rw_wowner(rw)		fbsd_rw_wowner(__bsd_rw(rw))
#define rw_owner(rw)		rw_wowner(rw)
#define rw_recursed(rw)		fbsd_rw_recursed(__bsd_rw(rw))
#define rw_assert(rw, what)	fbsd_rw_assert(__bsd_rw(rw), (what), LOCK_FILE, LOCK_LINE)

/* rw_sleep: sleep(9) with an rw lock (read or write) as interlock; it is released for the
 * sleep and taken back in the same mode unless PDROP. */
#define rw_sleep(chan, rw, pri, wmesg, timo)					\
	fbsd_sleep((chan), &(rw)->lock_object, (pri), (wmesg),			\
		   fbsd_tick_sbt * (timo), 0, BSDSYNC_C_HARDCLOCK, LOCK_FILE, LOCK_LINE)

/* RW_SYSINIT: initialised when the driver's module loads, destroyed when it unloads. */
#define RW_SYSINIT_FLAGS(name, rw, desc, flags)					\
	static const struct bsdsync_lock_site name##_rw_site = { __FILE__, __LINE__ };	\
	static struct rw_args name##_args = { (rw), (desc), (flags), &name##_rw_site };	\
	SYSINIT(name##_rw_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_rw_sysinit,	\
		&name##_args);								\
	SYSUNINIT(name##_rw_sysuninit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_rw_sysuninit, \
		  (rw))
#define RW_SYSINIT(name, rw, desc)	RW_SYSINIT_FLAGS(name, rw, desc, 0)

#endif
