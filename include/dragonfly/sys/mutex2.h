/*
 * <sys/mutex2.h> for drivers ported from DragonFly BSD: the mtx operations, mutex(9), with
 * modern DragonFly's arguments (bsd-api-reference.md section 26): mtx_init(mtx, ident),
 * mtx_lock_ex(mtx, flags, to), the try forms returning 0 or EAGAIN, mtx_upgrade_try
 * returning 0 or EDEADLK, links (abort: ENOLCK; asynchronous: EINPROGRESS, then the
 * callback). mtx_notlocked_ex does what DragonFly's comment says (true when not locked
 * exclusively): DragonFly's code returns the opposite (bsd-api-reference.md section 40
 * item 12), a bug no caller can want.
 *
 * The production build (<sys/_inline_locks.h>: -DBSDSYNC_NO_INVARIANTS), as DragonFly's own
 * mtx_lock_ex_quick / mtx_lock_sh_quick / mtx_unlock: the exclusive lock (mtx_lock_ex,
 * mtx_lock_ex_quick, mtx_lock), the shared lock (mtx_lock_sh, mtx_lock_sh_quick) and
 * mtx_unlock / mtx_unlock_ex / mtx_unlock_sh are inline, no call when the mutex is free (or,
 * for a shared lock, shared with nobody waiting):
 *   lock_ex while no lock-event sink is attached, in thread context, one CAS of mtx_lock
 *           from 0 to MTX_EXCLUSIVE | MTX_UNRECORDED | 1, acquire (pairs with the release of
 *           whichever unlock freed the word), then mtx_owner = curthread (relaxed: only the
 *           holder writes it while it holds);
 *   lock_sh under the same conditions, with the thread's record in the module's per-CPU
 *           cache (<bsdsync/inline_td.h>), on a word without MTX_EXCLUSIVE (the caller's own
 *           included: one more exclusive count is the module's), a WANTED bit or LINKSPIN:
 *           one CAS adding one hold, acquire (pairs with the release of the last exclusive
 *           holder), then the thread's mtx count (BSDSYNC_DFLY_MTX_COUNT) one up;
 *   unlock  the word first (DragonFly's order): MTX_EXCLUSIVE, when mtx_owner is
 *           curthread: mtx_owner cleared, then one CAS from MTX_EXCLUSIVE | MTX_UNRECORDED |
 *           1 to 0, release (pairs with the next holder's acquire; it orders the owner store
 *           before the word's release); if that CAS fails (recursed, waiters' bits, a hold
 *           the module took), mtx_owner is put back. Shared, in thread context, when the
 *           thread's count has inline holds only (no recorded shared mtx hold whose record
 *           an inline release would leave behind): the last hold with no bit (1 to 0: no
 *           waiter to wake, no link to hand it to) or one of several, one CAS removing one,
 *           release (pairs with the next exclusive holder's acquire), then the count down.
 * Anything else calls the module, which does all the checked build does: before anything
 * else it records the caller's own inline exclusive hold ("adopts" it: module/dragonfly/
 * sleep_lock.h), and it knows the caller's inline shared holds from the count (sleep_lock.h:
 * why a count, when DragonFly keeps none), so recursion, hand-off to waiters, upgrade,
 * downgrade, mtxsleep and the misuse reports (unlock by a non-owner or of an unlocked mutex,
 * shared over exclusive...) work on them as on any hold. What it loses, for inline holds:
 * they are not in the held-locks stack, so a thread exiting with one is not reported, and
 * witness and lock profiling see them only if taken while a sink is attached; for inline
 * shared holds also: mtx_lock_ex or mtx_spinlock by a thread holding the mutex shared inline
 * is not reported (it waits or spins for itself, as in DragonFly), and an unlock or upgrade
 * of a mutex the thread does not hold, by a thread holding another mtx shared inline, is
 * not reported (the count does not say which mutex).
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_MUTEX2_H_
#define _BSDSYNC_DRAGONFLY_SYS_MUTEX2_H_

#include <sys/mutex.h>
#include <sys/_inline_locks.h>

#define mtx_init(mtx, ident)		dfly_mtx_init((mtx), (ident), BSDSYNC_SITE())
#define mtx_uninit(mtx)			dfly_mtx_uninit((mtx), __FILE__, __LINE__)
#if BSDSYNC_INLINE_LOCKS
static __always_inline int
__dfly_mtx_lock_ex_inline(mtx_t *mtx, int flags, int to, const char *file, int line)
{
	unsigned int v = 0;

	if (__builtin_expect(__dfly_inline_events_off() && in_task() &&
			     __atomic_compare_exchange_n(&mtx->mtx_lock, &v,
					MTX_EXCLUSIVE | BSDSYNC_DFLY_MTX_UNRECORDED | 1u, 0,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 1)) {
		__atomic_store_n(&mtx->mtx_owner, (void *)current, __ATOMIC_RELAXED);
		return 0;
	}
	return dfly_mtx_lock_ex(mtx, flags, to, file, line);
}

/* Shared: while no lock-event sink is attached, in thread context, with the thread's record
 * in the module's cache, on a word without EXCLUSIVE (the caller's own included: one more
 * exclusive count), a waiter's bit or LINKSPIN: one CAS adding one hold, then the thread's
 * count. */
static __always_inline int
__dfly_mtx_lock_sh_inline(mtx_t *mtx, int flags, int to, const char *file, int line)
{
	char *r;

	if (__builtin_expect(__dfly_inline_events_off() && in_task(), 1) &&
	    __builtin_expect(__bsd_td_mine(r = __bsd_td_cached()), 1)) {
		unsigned int v = __atomic_load_n(&mtx->mtx_lock, __ATOMIC_RELAXED);

		while (__builtin_expect(!(v & (MTX_EXCLUSIVE | MTX_SHWANTED | MTX_EXWANTED |
					       MTX_LINKSPIN)), 1))
			if (__builtin_expect(__atomic_compare_exchange_n(&mtx->mtx_lock, &v, v + 1,
					0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 1)) {
				++*__dfly_td_count(r, BSDSYNC_DFLY_MTX_COUNT);
				return 0;
			}
	}
	return dfly_mtx_lock_sh(mtx, flags, to, file, line);
}

static __always_inline void __dfly_mtx_unlock_inline(mtx_t *mtx, const char *file, int line)
{
	unsigned int v = __atomic_load_n(&mtx->mtx_lock, __ATOMIC_RELAXED);

	if (v & MTX_EXCLUSIVE) {
		if (__builtin_expect(__atomic_load_n(&mtx->mtx_owner, __ATOMIC_RELAXED) ==
				     (void *)current, 1)) {
			v = MTX_EXCLUSIVE | BSDSYNC_DFLY_MTX_UNRECORDED | 1u;
			__atomic_store_n(&mtx->mtx_owner, (void *)0, __ATOMIC_RELAXED);
			if (__builtin_expect(__atomic_compare_exchange_n(&mtx->mtx_lock, &v, 0u, 0,
					__ATOMIC_RELEASE, __ATOMIC_RELAXED), 1))
				return;
			__atomic_store_n(&mtx->mtx_owner, (void *)current, __ATOMIC_RELAXED);
		}
	} else if (in_task()) {
		char *r = __bsd_td_cached();
		int *c = __dfly_td_count(r, BSDSYNC_DFLY_MTX_COUNT);

		/* Shared, the thread's count holds inline holds only: the last hold with no bit
		 * (nobody to wake, no link to hand it to), or one of several. Else the module. */
		if (__builtin_expect(__bsd_td_mine(r) && __bsd_td_count_inline_only(*c), 1)) {
			while (__builtin_expect(v == 1u || (!(v & MTX_EXCLUSIVE) &&
							    (v & MTX_MASK) >= 2), 1))
				if (__builtin_expect(__atomic_compare_exchange_n(&mtx->mtx_lock, &v,
						v - 1, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED), 1)) {
					--*c;
					return;
				}
		}
	}
	dfly_mtx_unlock(mtx, file, line);
}
#define __dfly_mtx_lock_ex_fn		__dfly_mtx_lock_ex_inline
#define __dfly_mtx_lock_sh_fn		__dfly_mtx_lock_sh_inline
#define __dfly_mtx_unlock_fn		__dfly_mtx_unlock_inline
#else
#define __dfly_mtx_lock_ex_fn		dfly_mtx_lock_ex
#define __dfly_mtx_lock_sh_fn		dfly_mtx_lock_sh
#define __dfly_mtx_unlock_fn		dfly_mtx_unlock
#endif

#define mtx_lock_ex(mtx, flags, to)	__dfly_mtx_lock_ex_fn((mtx), (flags), (to), __FILE__, __LINE__)
#define mtx_lock_ex_quick(mtx)		__dfly_mtx_lock_ex_fn((mtx), 0, 0, __FILE__, __LINE__)
#define mtx_lock(mtx)			((void)__dfly_mtx_lock_ex_fn((mtx), 0, 0, __FILE__, __LINE__))
#define mtx_lock_sh(mtx, flags, to)	__dfly_mtx_lock_sh_fn((mtx), (flags), (to), __FILE__, __LINE__)
#define mtx_lock_sh_quick(mtx)		__dfly_mtx_lock_sh_fn((mtx), 0, 0, __FILE__, __LINE__)
#define mtx_lock_ex_link(mtx, link, flags, to)					\
	dfly_mtx_lock_ex_link((mtx), (link), (flags), (to), __FILE__, __LINE__)
#define mtx_lock_sh_link(mtx, link, flags, to)					\
	dfly_mtx_lock_sh_link((mtx), (link), (flags), (to), __FILE__, __LINE__)
#define mtx_lock_ex_try(mtx)		dfly_mtx_lock_ex_try((mtx), __FILE__, __LINE__)
#define mtx_lock_sh_try(mtx)		dfly_mtx_lock_sh_try((mtx), __FILE__, __LINE__)
#define mtx_abort_link(mtx, link)	dfly_mtx_abort_link((mtx), (link))
#define mtx_abort_ex_link(mtx, link)	dfly_mtx_abort_link((mtx), (link))	/* older name */
#define mtx_upgrade_try(mtx)		dfly_mtx_upgrade_try((mtx), __FILE__, __LINE__)
#define mtx_downgrade(mtx)		dfly_mtx_downgrade((mtx), __FILE__, __LINE__)
#define mtx_unlock(mtx)			__dfly_mtx_unlock_fn((mtx), __FILE__, __LINE__)
#define mtx_unlock_ex(mtx)		__dfly_mtx_unlock_fn((mtx), __FILE__, __LINE__)
#define mtx_unlock_sh(mtx)		__dfly_mtx_unlock_fn((mtx), __FILE__, __LINE__)
#define mtx_spinlock(mtx)		dfly_mtx_spinlock((mtx), __FILE__, __LINE__)
#define mtx_spinlock_try(mtx)		dfly_mtx_spinlock_try((mtx), __FILE__, __LINE__)
#define mtx_spinunlock(mtx)		dfly_mtx_spinunlock((mtx), __FILE__, __LINE__)
#define mtx_owned(mtx)			dfly_mtx_owned((mtx))
#define mtx_notowned(mtx)		(!dfly_mtx_owned((mtx)))
/* mtxsleep(9) (DragonFly declares it in <sys/systm.h>): taken back exclusively. */
#define mtxsleep(ident, mtx, flags, wmesg, timo)				\
	dfly_mtxsleep((ident), (mtx), (flags), (wmesg), (timo), __FILE__, __LINE__)

static inline unsigned int __dfly_mtx_word(mtx_t *mtx)
{
	return __atomic_load_n(&mtx->mtx_lock, __ATOMIC_RELAXED);
}

static inline void mtx_link_init(mtx_link_t *link)
{
	link->next = link->prev = 0;
	link->owner = 0;
	link->state = MTX_LINK_IDLE;
	link->callback = 0;
	link->arg = 0;
}

static inline void mtx_link_init_async(mtx_link_t *link,
				       void (*callback)(mtx_link_t *link, void *arg, int error),
				       void *arg)
{
	mtx_link_init(link);
	link->callback = callback;
	link->arg = arg;
}

/* Locked at all, by anyone (shared or exclusive). */
static inline int mtx_islocked(mtx_t *mtx)
{
	return __dfly_mtx_word(mtx) & MTX_MASK ? 1 : 0;
}
static inline int mtx_islocked_ex(mtx_t *mtx)
{
	return (__dfly_mtx_word(mtx) & MTX_EXCLUSIVE) != 0;
}
static inline int mtx_notlocked(mtx_t *mtx)
{
	return (__dfly_mtx_word(mtx) & MTX_MASK) == 0;
}
/* Not locked exclusively (unlocked or shared). */
static inline int mtx_notlocked_ex(mtx_t *mtx)
{
	return (__dfly_mtx_word(mtx) & MTX_EXCLUSIVE) == 0;
}
/* The shared or exclusive count (0: not locked). */
static inline int mtx_lockrefs(mtx_t *mtx)
{
	return __dfly_mtx_word(mtx) & MTX_MASK;
}

/* Release the caller's hold for a while (one level), and take it back in the same mode. */
static inline mtx_state_t mtx_lock_temp_release(mtx_t *mtx)
{
	mtx_state_t state = __dfly_mtx_word(mtx) & MTX_EXCLUSIVE;

	mtx_unlock(mtx);
	return state;
}
static inline void mtx_lock_temp_restore(mtx_t *mtx, mtx_state_t state)
{
	if (state & MTX_EXCLUSIVE)
		mtx_lock_ex_quick(mtx);
	else
		mtx_lock_sh_quick(mtx);
}

#endif
