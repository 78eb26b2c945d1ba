/*
 * <sys/sx.h> for ported FreeBSD drivers: sx(9), shared/exclusive locks that may be held
 * across sleeps.
 *
 * The checked build (the default): every operation calls into bsdsync.ko with the caller's
 * file and line, as FreeBSD modules do; sx_init records its call site once (a static record
 * per site).
 *
 * The production build (BSDSYNC_INLINE_LOCKS, <sys/lock.h>; FreeBSD's SX_NOINLINE keeps the
 * calls), as FreeBSD's __sx_xlock/__sx_xunlock: sx_xlock and sx_xunlock are inline when the
 * lock is free, the way <sys/mutex.h> explains for mtx_lock (one CAS of the word from
 * UNLOCKED to curthread | UNRECORDED and back; <bsdsync/freebsd/sx.h> has the bit), and
 * call the module for everything else (contention, recursion, waiters, misuse reports
 * judged from the word). Holds taken inline are not in the held-locks stack: besides what
 * <sys/mutex.h> lists, an sx_xlock taken with a non-sleepable lock held is not reported on
 * the inline path. sx_slock and sx_sunlock are inline too while no writer waits, counting
 * the hold in the thread's record (FreeBSD's td_sx_slocks), so that a recursive reader still
 * passes a waiting writer in the module (<sys/lock.h>, __bsd_lock_sacquire, has the
 * argument; an sx_slock taken inline with a non-sleepable lock held is not reported either).
 * sx_xlock_sig, sx_slock_sig, sx_unlock, trylocks, upgrade and downgrade are calls in both
 * builds.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_SX_H_
#define _BSDSYNC_FREEBSD_SYS_SX_H_

#include <sys/types.h>
#include <sys/lock.h>
#include <sys/_sx.h>
#include <sys/pcpu.h>
#include <sys/kernel.h>
#include <bsdsync/freebsd/sleep.h>

#define sx_init_flags(sx, desc, opts)						\
	fbsd_sx_init_flags((sx), (desc), (opts), BSDSYNC_SITE())
#define sx_init(sx, desc)	sx_init_flags((sx), (desc), 0)
#define sx_destroy(sx)		fbsd_sx_destroy((sx), LOCK_FILE, LOCK_LINE)

#if BSDSYNC_INLINE_LOCKS && !defined(SX_NOINLINE)
#define BSDSYNC_SX_INLINE 1
static __always_inline void __bsd_sx_xlock(struct sx *sx, const char *file, int line)
{
	if (!__bsd_lock_xacquire(&sx->lock_object, &sx->sx_lock, BSDSYNC_CLASS_SX,
				 BSDSYNC_SL_UNLOCKED, BSDSYNC_SL_UNRECORDED))
		fbsd_sx_xlock_nosig(sx, file, line);
}

static __always_inline void __bsd_sx_xunlock(struct sx *sx, const char *file, int line)
{
	if (!__bsd_lock_xrelease(&sx->sx_lock, BSDSYNC_SL_UNLOCKED, BSDSYNC_SL_UNRECORDED))
		fbsd_sx_xunlock(sx, file, line);
}

/* Shared holds: <sys/lock.h> (__bsd_lock_sacquire) says how they stay counted. */
static __always_inline void __bsd_sx_slock(struct sx *sx, const char *file, int line)
{
	if (!__bsd_lock_sacquire(&sx->sx_lock, BSDSYNC_SL_COUNT_SX, 0,
				 BSDSYNC_SL_EXCLUSIVE_WAITERS | BSDSYNC_SL_WRITE_SPINNER))
		fbsd_sx_slock_nosig(sx, file, line);
}

static __always_inline void __bsd_sx_sunlock(struct sx *sx, const char *file, int line)
{
	if (!__bsd_lock_srelease(&sx->sx_lock, BSDSYNC_SL_COUNT_SX, 0))
		fbsd_sx_sunlock(sx, file, line);
}
#define sx_xlock(sx)		__bsd_sx_xlock((sx), LOCK_FILE, LOCK_LINE)
#define sx_xunlock(sx)		__bsd_sx_xunlock((sx), LOCK_FILE, LOCK_LINE)
#define sx_slock(sx)		__bsd_sx_slock((sx), LOCK_FILE, LOCK_LINE)
#define sx_sunlock(sx)		__bsd_sx_sunlock((sx), LOCK_FILE, LOCK_LINE)
#else
#define sx_xlock(sx)		fbsd_sx_xlock_nosig((sx), LOCK_FILE, LOCK_LINE)
#define sx_xunlock(sx)		fbsd_sx_xunlock((sx), LOCK_FILE, LOCK_LINE)
#define sx_slock(sx)		fbsd_sx_slock_nosig((sx), LOCK_FILE, LOCK_LINE)
#define sx_sunlock(sx)		fbsd_sx_sunlock((sx), LOCK_FILE, LOCK_LINE)
#endif
#define sx_xlock_sig(sx)	fbsd_sx_xlock((sx), 1, LOCK_FILE, LOCK_LINE)
#define sx_slock_sig(sx)	fbsd_sx_slock((sx), 1, LOCK_FILE, LOCK_LINE)
#define sx_try_xlock(sx)	fbsd_sx_try_xlock((sx), LOCK_FILE, LOCK_LINE)
#define sx_try_slock(sx)	fbsd_sx_try_slock((sx), LOCK_FILE, LOCK_LINE)
#define sx_unlock(sx)		fbsd_sx_unlock((sx), LOCK_FILE, LOCK_LINE)
#define sx_try_upgrade(sx)	fbsd_sx_try_upgrade((sx), LOCK_FILE, LOCK_LINE)
#define sx_downgrade(sx)	fbsd_sx_downgrade((sx), LOCK_FILE, LOCK_LINE)

#define sx_xholder(sx)		fbsd_sx_xholder((sx))
#define sx_xlocked(sx)		fbsd_sx_xlocked((sx))
#define sx_recursed(sx)		fbsd_sx_recursed((sx))
#define sx_initialized(sx)	lock_initialized(&(sx)->lock_object)
#define sx_assert(sx, what)	fbsd_sx_assert((sx), (what), LOCK_FILE, LOCK_LINE)

/* sx_sleep: sleep(9) with an sx (held shared or exclusive) as interlock; it is taken back
 * in the same mode unless PDROP. */
#define sx_sleep(chan, sx, pri, wmesg, timo)					\
	fbsd_sleep((chan), &(sx)->lock_object, (pri), (wmesg),			\
		   fbsd_tick_sbt * (timo), 0, BSDSYNC_C_HARDCLOCK, LOCK_FILE, LOCK_LINE)

/* SX_SYSINIT: the lock is initialised when the driver's module loads (before its
 * module_init) and destroyed when it unloads (after its module_exit). */
#define SX_SYSINIT_FLAGS(name, sxa, desc, flags)					\
	static const struct bsdsync_lock_site name##_sx_site = { __FILE__, __LINE__ };	\
	static struct sx_args name##_args = { (sxa), (desc), (flags), &name##_sx_site };	\
	SYSINIT(name##_sx_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_sx_sysinit,	\
		&name##_args);								\
	SYSUNINIT(name##_sx_sysuninit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_sx_sysuninit, \
		  (sxa))
#define SX_SYSINIT(name, sxa, desc)	SX_SYSINIT_FLAGS(name, sxa, desc, 0)

#endif
