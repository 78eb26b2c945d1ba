/*
 * <sys/lock.h> for drivers ported from DragonFly BSD: lock(9), the lockmgr lock, as modern
 * DragonFly has it (bsd-api-reference.md section 25): lockinit(lkp, wmesg, timo, flags)
 * without priority, lockmgr(lkp, flags) without interlock, LK_CANCEL_BEG/END, and a
 * shared request by the exclusive holder giving one more exclusive count. FreeBSD's
 * lockmgr is another lock (include/freebsd): the functions behind these names are dfly_*.
 * module/dragonfly/lockmgr.cpp has the semantics, sleep_lock.h the transitions.
 *
 * The production build (<sys/_inline_locks.h>: -DBSDSYNC_NO_INVARIANTS): lockmgr() with an
 * LK_EXCLUSIVE, LK_SHARED or LK_RELEASE operation is inline, no call when the lock is free
 * (or, for LK_SHARED, shared with nobody waiting). The operation is tested at run time when
 * the flags are not a constant (DragonFly code often computes them: `excl ? LK_EXCLUSIVE :
 * LK_SHARED`, or a caller's flags passed on), as FreeBSD's lockmgr fast path does; with a
 * constant the test folds away:
 *   LK_EXCLUSIVE  (whatever the other flags: none changes the take of a free lock) while no
 *                 lock-event sink is attached, in thread context, on a lock lockinit made
 *                 (lk_wmesg or lk_site set, as the module checks), one CAS of lk_count from
 *                 0 to 1 | UNRECORDED, acquire (pairs with the release that freed it), then
 *                 lk_lockholder = curthread;
 *   LK_SHARED     (whatever the other flags, as above) under the same conditions, and with
 *                 the thread's record in the module's per-CPU cache (<bsdsync/inline_td.h>),
 *                 on a word with no exclusive count (the caller's own included: DragonFly's
 *                 one more exclusive count is the module's), no EXREQ, UPREQ, SHREQ or
 *                 CANCEL: one CAS adding LKC_SCOUNT and setting LKC_SHARED, acquire (pairs
 *                 with the release of the last exclusive holder), then the thread's lockmgr
 *                 count (BSDSYNC_DFLY_LK_COUNT) one up;
 *   LK_RELEASE    the word first (DragonFly's order): with an exclusive count, when
 *                 lk_lockholder is curthread: cleared, then one CAS from 1 | UNRECORDED to 0,
 *                 release (pairs with the next holder's acquire); lk_lockholder put back if
 *                 it fails (recursed, waiters, a recorded hold). Shared, in thread context,
 *                 when the thread's count has inline holds only (no recorded shared lockmgr
 *                 hold whose record an inline release would leave behind): the last hold
 *                 with no bit (to 0), or one of several with no UPREQ, one CAS removing
 *                 LKC_SCOUNT, release (pairs with the next exclusive holder's acquire), then
 *                 the count one down.
 * Anything else (upgrades, downgrades, contention, waiters to wake, misuse) calls the
 * module, which first records the caller's own inline exclusive hold ("adopts" it), knows
 * its inline shared holds from the count, and then does all the checked build does
 * (module/dragonfly/sleep_lock.h: why a count, when DragonFly keeps none). What it loses,
 * for inline holds: they are not in the held-locks stack, so a thread exiting with one is
 * not reported, and witness and lock profiling see them only if taken while a sink is
 * attached; for inline shared holds also: LK_EXCLUSIVE by a thread holding the lock shared
 * inline is not reported (it waits for itself, as in DragonFly), and a release or upgrade
 * of a lock the thread does not hold, by a thread holding another lockmgr lock shared
 * inline, is not reported (the count does not say which lock).
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_LOCK_H_
#define _BSDSYNC_DRAGONFLY_SYS_LOCK_H_

#include <sys/types.h>
#include <sys/errno.h>
#include <bsdsync/dragonfly/lock.h>
#include <bsdsync/sysinit.h>
#include <sys/_inline_locks.h>

#define LK_TYPE_MASK		BSDSYNC_DFLY_LK_TYPE_MASK
#define LK_SHARED		BSDSYNC_DFLY_LK_SHARED
#define LK_EXCLUSIVE		BSDSYNC_DFLY_LK_EXCLUSIVE
#define LK_UPGRADE		BSDSYNC_DFLY_LK_UPGRADE
#define LK_EXCLUPGRADE		BSDSYNC_DFLY_LK_EXCLUPGRADE
#define LK_DOWNGRADE		BSDSYNC_DFLY_LK_DOWNGRADE
#define LK_RELEASE		BSDSYNC_DFLY_LK_RELEASE
#define LK_WAITUPGRADE		BSDSYNC_DFLY_LK_WAITUPGRADE
#define LK_EXCLOTHER		BSDSYNC_DFLY_LK_EXCLOTHER
#define LK_CANCEL_BEG		BSDSYNC_DFLY_LK_CANCEL_BEG
#define LK_CANCEL_END		BSDSYNC_DFLY_LK_CANCEL_END
#define LK_EXTFLG_MASK		BSDSYNC_DFLY_LK_EXTFLG_MASK
#define LK_NOWAIT		BSDSYNC_DFLY_LK_NOWAIT
#define LK_SLEEPFAIL		BSDSYNC_DFLY_LK_SLEEPFAIL
#define LK_CANRECURSE		BSDSYNC_DFLY_LK_CANRECURSE
#define LK_NOCOLLSTATS		BSDSYNC_DFLY_LK_NOCOLLSTATS
#define LK_CANCELABLE		BSDSYNC_DFLY_LK_CANCELABLE
#define LK_TIMELOCK		BSDSYNC_DFLY_LK_TIMELOCK
#define LK_PCATCH		BSDSYNC_DFLY_LK_PCATCH
#define LK_FAILRECLAIM		BSDSYNC_DFLY_LK_FAILRECLAIM
#define LK_RETRY		BSDSYNC_DFLY_LK_RETRY

#define LKC_EXREQ		BSDSYNC_DFLY_LKC_EXREQ
#define LKC_SHARED		BSDSYNC_DFLY_LKC_SHARED
#define LKC_UPREQ		BSDSYNC_DFLY_LKC_UPREQ
#define LKC_EXREQ2		BSDSYNC_DFLY_LKC_EXREQ2
#define LKC_SHREQ		BSDSYNC_DFLY_LKC_SHREQ
#define LKC_CANCEL		BSDSYNC_DFLY_LKC_CANCEL
#define LKC_XMASK		BSDSYNC_DFLY_LKC_XMASK
#define LKC_SMASK		BSDSYNC_DFLY_LKC_SMASK
#define LKC_SCOUNT		BSDSYNC_DFLY_LKC_SCOUNT

#define lockinit(lkp, wmesg, timo, flags)					\
	dfly_lockinit((lkp), (wmesg), (timo), (flags), BSDSYNC_SITE())
#define lockreinit(lkp, wmesg, timo, flags)					\
	dfly_lockreinit((lkp), (wmesg), (timo), (flags), BSDSYNC_SITE())
#define lockuninit(lkp)		dfly_lockuninit((lkp), __FILE__, __LINE__)
#if BSDSYNC_INLINE_LOCKS
/* The bits that keep the inline LK_SHARED out: an exclusive count (the caller's own
 * included: a recursion), a waiter or upgrader to respect, a cancel in effect. */
#define __DFLY_LK_SHARED_STOPS							\
	(BSDSYNC_DFLY_LKC_XMASK | BSDSYNC_DFLY_LKC_EXREQ | BSDSYNC_DFLY_LKC_UPREQ |	\
	 BSDSYNC_DFLY_LKC_SHREQ | BSDSYNC_DFLY_LKC_CANCEL)

static __always_inline int
__dfly_lockmgr_inline(struct lock *lk, unsigned int flags, const char *file, int line)
{
	if ((flags & BSDSYNC_DFLY_LK_TYPE_MASK) == BSDSYNC_DFLY_LK_EXCLUSIVE) {
		unsigned long long v = 0;

		if (__builtin_expect(__dfly_inline_events_off() && in_task() &&
				     (lk->lk_wmesg || lk->lk_site) &&
				     __atomic_compare_exchange_n(&lk->lk_count, &v,
					BSDSYNC_DFLY_LKC_UNRECORDED | 1ULL, 0, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED), 1)) {
			__atomic_store_n(&lk->lk_lockholder, (void *)current, __ATOMIC_RELAXED);
			return 0;
		}
	} else if ((flags & BSDSYNC_DFLY_LK_TYPE_MASK) == BSDSYNC_DFLY_LK_SHARED) {
		char *r;

		if (__builtin_expect(__dfly_inline_events_off() && in_task() &&
				     (lk->lk_wmesg || lk->lk_site), 1) &&
		    __builtin_expect(__bsd_td_mine(r = __bsd_td_cached()), 1)) {
			unsigned long long v = __atomic_load_n(&lk->lk_count, __ATOMIC_RELAXED);

			while (__builtin_expect(!(v & __DFLY_LK_SHARED_STOPS), 1))
				if (__builtin_expect(__atomic_compare_exchange_n(&lk->lk_count, &v,
						(v + BSDSYNC_DFLY_LKC_SCOUNT) | BSDSYNC_DFLY_LKC_SHARED,
						0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 1)) {
					++*__dfly_td_count(r, BSDSYNC_DFLY_LK_COUNT);
					return 0;
				}
		}
	} else if ((flags & BSDSYNC_DFLY_LK_TYPE_MASK) == BSDSYNC_DFLY_LK_RELEASE) {
		unsigned long long v = __atomic_load_n(&lk->lk_count, __ATOMIC_RELAXED);

		if (v & BSDSYNC_DFLY_LKC_XMASK) {
			if (__builtin_expect(__atomic_load_n(&lk->lk_lockholder, __ATOMIC_RELAXED) ==
					     (void *)current, 1)) {
				v = BSDSYNC_DFLY_LKC_UNRECORDED | 1ULL;
				__atomic_store_n(&lk->lk_lockholder, (void *)0, __ATOMIC_RELAXED);
				if (__builtin_expect(__atomic_compare_exchange_n(&lk->lk_count, &v,
						0ULL, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED), 1))
					return 0;
				__atomic_store_n(&lk->lk_lockholder, (void *)current,
						 __ATOMIC_RELAXED);
			}
		} else if (in_task()) {
			char *r = __bsd_td_cached();
			int *c = __dfly_td_count(r, BSDSYNC_DFLY_LK_COUNT);

			/* Shared, the thread's count holds inline holds only: the last hold with
			 * no bit (nobody to wake), or one of several with no upgrader (who
			 * waits for the last but one). Else the module. */
			if (__builtin_expect(__bsd_td_mine(r) && __bsd_td_count_inline_only(*c), 1)) {
				for (;;) {
					unsigned long long nv;

					if (__builtin_expect(v == (BSDSYNC_DFLY_LKC_SCOUNT |
								   BSDSYNC_DFLY_LKC_SHARED), 1))
						nv = 0;
					else if (v >= 2 * BSDSYNC_DFLY_LKC_SCOUNT &&
						 !(v & BSDSYNC_DFLY_LKC_UPREQ))
						nv = v - BSDSYNC_DFLY_LKC_SCOUNT;
					else
						break;
					if (__builtin_expect(__atomic_compare_exchange_n(&lk->lk_count,
							&v, nv, 0, __ATOMIC_RELEASE,
							__ATOMIC_RELAXED), 1)) {
						--*c;
						return 0;
					}
				}
			}
		}
	}
	return dfly_lockmgr(lk, flags, file, line);
}
#define lockmgr(lkp, flags)	__dfly_lockmgr_inline((lkp), (flags), __FILE__, __LINE__)
#else
#define lockmgr(lkp, flags)	dfly_lockmgr((lkp), (flags), __FILE__, __LINE__)
#endif
#define lockstatus(lkp, td)	dfly_lockstatus((lkp), (td))
#define lockowned(lkp)		dfly_lockowned((lkp))
#define LK_KERNTHREAD		((struct thread *)BSDSYNC_DFLY_LK_KERNTHREAD)
#define lockmgr_kernproc(lkp)	dfly_lockmgr_kernproc((lkp), __FILE__, __LINE__)
/* sleep(9)'s lksleep (DragonFly declares it in <sys/systm.h>): taken back exclusively. */
#define lksleep(ident, lkp, flags, wmesg, timo)					\
	dfly_lksleep((ident), (lkp), (flags), (wmesg), (timo), __FILE__, __LINE__)

#define lockmgr_shared(lkp, flags)					\
	lockmgr((lkp), ((flags) & ~LK_TYPE_MASK) | LK_SHARED)
#define lockmgr_exclusive(lkp, flags)					\
	lockmgr((lkp), ((flags) & ~LK_TYPE_MASK) | LK_EXCLUSIVE)
#define lockmgr_downgrade(lkp, flags)					\
	lockmgr((lkp), ((flags) & ~LK_TYPE_MASK) | LK_DOWNGRADE)
#define lockmgr_upgrade(lkp, flags)					\
	lockmgr((lkp), ((flags) & ~LK_TYPE_MASK) | LK_UPGRADE)
#define lockmgr_release(lkp, flags)					\
	lockmgr((lkp), ((flags) & ~LK_TYPE_MASK) | LK_RELEASE)
#define lockmgr_cancel_beg(lkp, flags)					\
	lockmgr((lkp), ((flags) & ~LK_TYPE_MASK) | LK_CANCEL_BEG)
#define lockmgr_cancel_end(lkp, flags)					\
	lockmgr((lkp), ((flags) & ~LK_TYPE_MASK) | LK_CANCEL_END)
/* "port FreeBSD's mtx_trylock": TRUE if it got it. */
#define lockmgr_try(lkp, flags)	(lockmgr((lkp), (flags) | LK_NOWAIT) == 0)

/* Held at all (shared or exclusive, by anyone): not a reference count. */
static inline int lockinuse(struct lock *lkp)
{
	return (__atomic_load_n(&lkp->lk_count, __ATOMIC_RELAXED) &
		(LKC_SMASK | LKC_XMASK)) != 0;
}
/* Any exclusive hold; exactly one exclusive count; an exclusive or upgrade request
 * pending. */
static inline boolean_t lockmgr_anyexcl(struct lock *lkp)
{
	return (__atomic_load_n(&lkp->lk_count, __ATOMIC_RELAXED) & LKC_XMASK) != 0;
}
static inline boolean_t lockmgr_oneexcl(struct lock *lkp)
{
	return (__atomic_load_n(&lkp->lk_count, __ATOMIC_RELAXED) & LKC_XMASK) == 1;
}
static inline boolean_t lockmgr_exclpending(struct lock *lkp)
{
	return (__atomic_load_n(&lkp->lk_count, __ATOMIC_RELAXED) &
		(LKC_EXREQ | LKC_UPREQ)) != 0;
}

/* Static initialisation (no call site: reports name the lock by wmesg). */
#define LOCK_INITIALIZER(wmesg, timo, flags)					\
	{ .lk_flags = ((flags) & LK_EXTFLG_MASK), .lk_timo = (timo), .lk_count = 0,	\
	  .lk_wmesg = (wmesg), .lk_lockholder = 0, .lk_site = 0 }

/* LOCK_SYSINIT: lockinit when the driver's module loads (before its module_init), lockuninit
 * when it unloads (bsdsync/sysinit.h: records found by name). */
#define __BSDSYNC_DFLY_SYSINIT(kind, uniq, func, ident)					\
	static const struct bsdsync_sysinit *__bsdsync_##kind##_##uniq(void);		\
	static const struct bsdsync_sysinit __bsdsync_##kind##_rec_##uniq = {		\
		0x1B00000 /* SI_SUB_LOCK */, 0x1000000 /* SI_ORDER_MIDDLE */, (func),	\
		(const void *)(ident), __bsdsync_##kind##_##uniq, 0 };			\
	static __attribute__((__used__, __noinline__)) const struct bsdsync_sysinit *	\
	__bsdsync_##kind##_##uniq(void)							\
	{										\
		return &__bsdsync_##kind##_rec_##uniq;					\
	}
#define LOCK_SYSINIT(name, lock, desc, flags)						\
	static const struct bsdsync_lock_site name##_lock_site = { __FILE__, __LINE__ };	\
	static const struct dfly_lock_args name##_args = { (lock), (desc), (flags),	\
							   &name##_lock_site };		\
	__BSDSYNC_DFLY_SYSINIT(sysinit, name##_lock_sysinit, dfly_lock_sysinit, &name##_args) \
	__BSDSYNC_DFLY_SYSINIT(sysuninit, name##_lock_sysuninit, dfly_lock_sysuninit, (lock))

#endif
