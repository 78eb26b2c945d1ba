/*
 * <sys/rmlock.h> for ported FreeBSD drivers: rmlock(9) read-mostly locks and the sleepable
 * read-mostly rms_* locks.
 *
 * Every operation calls into bsdsync.ko with the caller's file and line, as FreeBSD modules
 * do (LOCK_DEBUG); rm_init and rms_init record their call site once (a static record per
 * site). rm_assert always checks (modules get INVARIANT_SUPPORT), and so do rms_rowned and
 * rms_owned_any, which FreeBSD only has under INVARIANTS.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_RMLOCK_H_
#define _BSDSYNC_FREEBSD_SYS_RMLOCK_H_

#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/_lock.h>
#include <sys/_rmlock.h>
#include <sys/kernel.h>
#include <bsdsync/freebsd/sleep.h>

#define rm_init_flags(rm, name, opts)						\
	fbsd_rm_init_flags((rm), (name), (opts), BSDSYNC_SITE())
#define rm_init(rm, name)	rm_init_flags((rm), (name), 0)
#define rm_destroy(rm)		fbsd_rm_destroy((rm), LOCK_FILE, LOCK_LINE)
#define rm_wlock(rm)		fbsd_rm_wlock((rm), LOCK_FILE, LOCK_LINE)
#define rm_wunlock(rm)		fbsd_rm_wunlock((rm), LOCK_FILE, LOCK_LINE)
#define rm_rlock(rm, tracker)							\
	((void)fbsd_rm_rlock((rm), (tracker), 0, LOCK_FILE, LOCK_LINE))
#define rm_try_rlock(rm, tracker)						\
	fbsd_rm_rlock((rm), (tracker), 1, LOCK_FILE, LOCK_LINE)
#define rm_runlock(rm, tracker)	fbsd_rm_runlock((rm), (tracker), LOCK_FILE, LOCK_LINE)
#define rm_wowned(rm)		fbsd_rm_wowned((rm))
#define rm_assert(rm, what)	fbsd_rm_assert((rm), (what), LOCK_FILE, LOCK_LINE)

/* rm_sleep: sleep(9) with an rm lock as interlock, held for writing or (with exactly one
 * read hold) for reading; it is taken back in the same mode, with the same tracker. */
#define rm_sleep(chan, rm, pri, wmesg, timo)					\
	fbsd_sleep((chan), &(rm)->lock_object, (pri), (wmesg),			\
		   fbsd_tick_sbt * (timo), 0, BSDSYNC_C_HARDCLOCK, LOCK_FILE, LOCK_LINE)

/* RM_SYSINIT: the lock is initialised when the driver's module loads (before its
 * module_init) and destroyed when it unloads (after its module_exit). */
#define RM_SYSINIT_FLAGS(name, rm, desc, opts)					\
	static const struct bsdsync_lock_site name##_rm_site = { __FILE__, __LINE__ };	\
	static struct rm_args name##_args = { (rm), (desc), (opts), &name##_rm_site };	\
	SYSINIT(name##_rm_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_rm_sysinit,	\
		&name##_args);								\
	SYSUNINIT(name##_rm_sysuninit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_rm_sysuninit, \
		  (rm))
#define RM_SYSINIT(name, rm, desc)	RM_SYSINIT_FLAGS(name, rm, desc, 0)

/* Sleepable read-mostly locks. */
#define rms_init(rms, name)	fbsd_rms_init((rms), (name), BSDSYNC_SITE())
#define rms_destroy(rms)	fbsd_rms_destroy((rms), LOCK_FILE, LOCK_LINE)
#define rms_rlock(rms)		fbsd_rms_rlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_try_rlock(rms)	fbsd_rms_try_rlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_runlock(rms)	fbsd_rms_runlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_wlock(rms)		fbsd_rms_wlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_wunlock(rms)	fbsd_rms_wunlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_unlock(rms)		fbsd_rms_unlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_wowned(rms)		fbsd_rms_wowned((rms))
#define rms_rowned(rms)		fbsd_rms_rowned((rms))
#define rms_owned_any(rms)	fbsd_rms_owned_any((rms))

#endif
