/*
 * bsdsync C ABI: FreeBSD lock(9), the lockmgr lock.
 *
 * The lock word (lk_lock) is FreeBSD's encoding (sys/sys/lockmgr.h), so that the macros a
 * ported driver uses on it (lockmgr_recursed, lockmgr_disowned, lockmgr_waiters, LK_HOLDER,
 * LK_SHARERS) keep their meaning:
 *
 *   LK_SHARE              0x01  shared mode (or unlocked); the upper bits count sharers.
 *                               Clear: exclusive, the upper bits are the owner thread,
 *                               LK_KERNPROC after lockmgr_disown(), or LK_DESTROYED.
 *   LK_SHARED_WAITERS     0x02  threads may be queued for a shared hold: release slowly
 *   LK_EXCLUSIVE_WAITERS  0x04  threads may be queued for an exclusive hold: new shared
 *                               requests wait too (writer starvation rule)
 *   LK_DRAIN_WAITING      0x08  a LK_DRAIN caller waits for all activity to end: every
 *                               final release goes through the slow path to wake it.
 *                               (FreeBSD's LK_EXCLUSIVE_SPINNERS bit; bsdsync never spins
 *                               registered on a lockmgr lock.)
 *   LK_WRITER_RECURSED    0x10  the exclusive owner holds it more than once; the depth-1 is
 *                               lk_recurse (lock_object.lo_data)
 *
 * The details of every transition are in module/freebsd/lockmgr.cpp.
 */
#ifndef _BSDSYNC_FREEBSD_LOCKMGR_H_
#define _BSDSYNC_FREEBSD_LOCKMGR_H_

#include <bsdsync/freebsd/lock.h>

BSDSYNC_FREEBSD_ABI_BEGIN

struct lock {
	struct lock_object lock_object;	/* first, like every FreeBSD lock */
	volatile unsigned long lk_lock;
	int lk_exslpfail;		/* exclusive waiters queued with LK_SLEEPFAIL */
	int lk_timo;			/* lockinit's timeout (ticks), for LK_TIMELOCK */
	int lk_pri;			/* lockinit's sleep priority (PCATCH honoured) */
	/* bsdsync: exact counts of the queued threads, changed only under the lock's
	 * sleep-queue chain lock (they decide whom a release wakes), and the number of
	 * threads that queued during their call and have not returned yet (LK_DRAIN waits
	 * for it to reach 0). */
	int lk_exwaiters;		/* exclusive waiters without LK_SLEEPFAIL */
	int lk_shwaiters;		/* shared waiters */
	int lk_pending;			/* queued, or woken and on their way (atomic) */
};
/* bsdsync's size (FreeBSD's is 48: README, "Sizes"); the word where FreeBSD has it. */
BSDSYNC_ABI_SIZE(struct lock, 56);
BSDSYNC_ABI_OFFSET(struct lock, lock_object, 0);
BSDSYNC_ABI_OFFSET(struct lock, lk_lock, 24);
BSDSYNC_ABI_OFFSET(struct lock, lk_exslpfail, 32);
BSDSYNC_ABI_OFFSET(struct lock, lk_timo, 36);
BSDSYNC_ABI_OFFSET(struct lock, lk_pri, 40);

/* Lock word (FreeBSD values). */
#define LK_SHARE		0x01UL
#define LK_SHARED_WAITERS	0x02UL
#define LK_EXCLUSIVE_WAITERS	0x04UL
#define LK_EXCLUSIVE_SPINNERS	0x08UL
#define LK_DRAIN_WAITING	LK_EXCLUSIVE_SPINNERS
#define LK_WRITER_RECURSED	0x10UL
#define LK_ALL_WAITERS		(LK_SHARED_WAITERS | LK_EXCLUSIVE_WAITERS)
#define LK_FLAGMASK							\
	(LK_SHARE | LK_ALL_WAITERS | LK_EXCLUSIVE_SPINNERS | LK_WRITER_RECURSED)
#define LK_HOLDER(x)		((x) & ~LK_FLAGMASK)
#define LK_SHARERS_SHIFT	5
#define LK_SHARERS(x)		(LK_HOLDER(x) >> LK_SHARERS_SHIFT)
#define LK_SHARERS_LOCK(x)	((unsigned long)(x) << LK_SHARERS_SHIFT | LK_SHARE)
#define LK_ONE_SHARER		(1UL << LK_SHARERS_SHIFT)
#define LK_UNLOCKED		LK_SHARERS_LOCK(0)
#define LK_KERNPROC		((unsigned long)(-1) & ~LK_FLAGMASK)
/* The thread's count of its shared lockmgr holds (FreeBSD td_lk_slocks), index
 * BSDSYNC_LK_COUNT of the record's counts: the layout of <bsdsync/freebsd/sx.h>'s
 * BSDSYNC_SL_COUNT_* (low 16 bits: holds the inline LK_SHARED of a driver built for
 * production took; above, in units of BSDSYNC_LK_COUNT_RECORDED, the module's recorded
 * ones). */
#define BSDSYNC_LK_COUNT		2
#define BSDSYNC_LK_COUNT_RECORDED	0x10000
/* The thread's count of its exclusive lockmgr holds, index BSDSYNC_LK_XCOUNT, same layout
 * (low 16 bits: holds the inline LK_EXCLUSIVE of a driver built for production took, with
 * no record; above, in units of BSDSYNC_LK_COUNT_RECORDED, the exclusive holds the module
 * recorded, recursions not counted). The inline LK_RELEASE of an exclusive hold needs the
 * recorded part to be 0: the word (the bare owner) cannot say whether the module recorded
 * the hold, the count can (module/freebsd/lockmgr.cpp, "the thread's holds"). */
#define BSDSYNC_LK_XCOUNT		3
/* bsdsync: lockdestroy() ran. An exclusive-form word no thread can own, so every fast path
 * fails on it and the slow paths report. */
#define LK_DESTROYED		(LK_KERNPROC - LK_ONE_SHARER)

/* lockinit() flags. */
#define LK_INIT_MASK	0x0001FF
#define LK_CANRECURSE	0x000001
#define LK_NODUP	0x000002
#define LK_NOPROFILE	0x000004
#define LK_NOSHARE	0x000008
#define LK_NOWITNESS	0x000010
#define LK_QUIET	0x000020
#define LK_UNUSED0	0x000040	/* was LK_ADAPTIVE */
#define LK_IS_VNODE	0x000080
#define LK_NEW		0x000100

/* lockmgr() attributes. */
#define LK_EATTR_MASK	0x00FF00
#define LK_INTERLOCK	0x000100
#define LK_NOWAIT	0x000200
#define LK_RETRY	0x000400
#define LK_SLEEPFAIL	0x000800
#define LK_TIMELOCK	0x001000
#define LK_NODDLKTREAT	0x002000
#define LK_ADAPTIVE	0x004000

/* lockmgr() operations (exactly one per call). */
#define LK_TYPE_MASK	0xFF0000
#define LK_DOWNGRADE	0x010000
#define LK_DRAIN	0x020000
#define LK_EXCLOTHER	0x040000
#define LK_EXCLUSIVE	0x080000
#define LK_RELEASE	0x100000
#define LK_SHARED	0x200000
#define LK_UPGRADE	0x400000
#define LK_TRYUPGRADE	0x800000

#define LK_TOTAL_MASK	(LK_INIT_MASK | LK_EATTR_MASK | LK_TYPE_MASK)

/* lockmgr_args() defaults: the values given to lockinit(). */
#define LK_WMESG_DEFAULT	((const char *)0)
#define LK_PRIO_DEFAULT		(0)
#define LK_TIMO_DEFAULT		(0)

/* lockmgr_assert() (aliases of LA_*). */
#define KA_LOCKED	LA_LOCKED
#define KA_SLOCKED	LA_SLOCKED
#define KA_XLOCKED	LA_XLOCKED
#define KA_UNLOCKED	LA_UNLOCKED
#define KA_RECURSED	LA_RECURSED
#define KA_NOTRECURSED	LA_NOTRECURSED

void fbsd_lockinit(struct lock *lk, int prio, const char *wmesg, int timo, int flags,
		   const struct bsdsync_lock_site *site);
void fbsd_lockdestroy(struct lock *lk, const char *file, int line);
/* FreeBSD __lockmgr_args(): ilk is any lock (mtx, rw, sx, lockmgr...) or NULL. */
int fbsd_lockmgr_args(struct lock *lk, unsigned int flags, struct lock_object *ilk,
		      const char *wmesg, int prio, int timo, const char *file, int line);
/* The same without an interlock and with the lock's own wait message, priority and timeout
 * (what lockmgr() passes): fewer arguments, so that the plain requests' fast paths need no
 * stack frame. */
int fbsd_lockmgr(struct lock *lk, unsigned int flags, const char *file, int line);
void fbsd_lockmgr_disown(struct lock *lk, const char *file, int line);
void fbsd_lockmgr_printinfo(const struct lock *lk);
int fbsd_lockstatus(const struct lock *lk);
int fbsd_lockmgr_recursed(const struct lock *lk);
void fbsd_lockmgr_assert(const struct lock *lk, int what, const char *file, int line);
void fbsd_lockallowshare(struct lock *lk, const char *file, int line);
void fbsd_lockdisableshare(struct lock *lk, const char *file, int line);
void fbsd_lockallowrecurse(struct lock *lk, const char *file, int line);
void fbsd_lockdisablerecurse(struct lock *lk, const char *file, int line);

BSDSYNC_FREEBSD_ABI_END

#endif
