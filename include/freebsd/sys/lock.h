/* <sys/lock.h>: lock object flags, generic assertion flags, witness(4)'s WITNESS_* macros. */
#ifndef _BSDSYNC_FREEBSD_SYS_LOCK_H_
#define _BSDSYNC_FREEBSD_SYS_LOCK_H_

#include <sys/types.h>
#include <sys/_lock.h>

/*
 * BSDSYNC_INLINE_LOCKS: the production build of a driver. FreeBSD inlines the uncontended
 * lock operations unless LOCK_DEBUG > 0 (INVARIANTS, WITNESS...) or MUTEX_NOINLINE; here the
 * default build is the checked one (INVARIANTS, <sys/cdefs.h>), whose every operation calls
 * bsdsync.ko and is recorded in the thread's held-locks stack, and a driver built with
 * -DBSDSYNC_NO_INVARIANTS gets the inline paths (<sys/mutex.h> says what they keep and
 * lose). A driver may also pass -DBSDSYNC_INLINE_LOCKS=0 or =1 to choose for itself, or
 * FreeBSD's MUTEX_NOINLINE, SX_NOINLINE, RWLOCK_NOINLINE to keep the calls for one kind.
 * x86-64 kernel modules only.
 */
#ifndef BSDSYNC_INLINE_LOCKS
#if !defined(INVARIANTS) && defined(__KERNEL__) && defined(__x86_64__)
#define BSDSYNC_INLINE_LOCKS 1
#else
#define BSDSYNC_INLINE_LOCKS 0
#endif
#endif

#if BSDSYNC_INLINE_LOCKS
#include <asm/current.h>
#include <linux/jump_label.h>
#include <linux/preempt.h>
#include <bsdsync/freebsd/sx.h>	/* the shared lock word and counts */
#include <bsdsync/inline_td.h>	/* the record cache */

/* On while a lock-event sink is attached (module/platform/switch.c). */
extern struct static_key_false bsdsync_lock_events_key;

/*
 * The uncontended exclusive acquisition every inline lock path shares (mutex, sx, rwlock:
 * the word holds the owner thread pointer with flag bits below it): while no lock-event
 * sink is attached (the module's static key, patched in the driver's code too), in thread
 * context (an interrupt's acquisition is reported by the module), on a live lock of class
 * `cls` (lo_flags: LO_INITIALIZED and the class index, one compare; a destroyed lock fails
 * it, and its word is not `unowned` either), one CAS of the word from `unowned` to curthread |
 * `unrecorded`, acquire: pairs with the release of whichever unlock freed the word.
 * 1 if it took the lock; 0: the caller calls the module, which does everything else.
 */
static __always_inline int
__bsd_lock_xacquire_order(struct lock_object *lo, volatile unsigned long *word, unsigned int cls,
			  unsigned long unowned, unsigned long unrecorded, int order)
{
	unsigned long v = unowned;
	unsigned int flags = __atomic_load_n(&lo->lo_flags, __ATOMIC_RELAXED);

	return __predict_true(!static_branch_unlikely(&bsdsync_lock_events_key) && in_task() &&
			      (flags & (LO_INITIALIZED | LO_CLASSMASK)) ==
				      (LO_INITIALIZED | cls << LO_CLASSSHIFT)) &&
	       __predict_true(__atomic_compare_exchange_n(word, &v,
							  (unsigned long)current | unrecorded, 0,
							  order, __ATOMIC_RELAXED));
}

static __always_inline int
__bsd_lock_xacquire(struct lock_object *lo, volatile unsigned long *word, unsigned int cls,
		    unsigned long unowned, unsigned long unrecorded)
{
	return __bsd_lock_xacquire_order(lo, word, cls, unowned, unrecorded, __ATOMIC_ACQUIRE);
}

/*
 * Its release: one CAS from curthread | `unrecorded` to `unowned`, release (pairs with the next
 * owner's acquire CAS). Only a hold __bsd_lock_xacquire took has that word (the module never
 * writes the bit), so the CAS alone proves class and owner; a sink attached since never saw
 * the acquisition and is not told of the release either. Any other word (recursed, waiters
 * to wake, the module's own hold, not ours): 0, the caller calls the module.
 */
static __always_inline int
__bsd_lock_xrelease(volatile unsigned long *word, unsigned long unowned,
		    unsigned long unrecorded)
{
	unsigned long v = (unsigned long)current | unrecorded;

	return __predict_true(__atomic_compare_exchange_n(word, &v, unowned, 0, __ATOMIC_RELEASE,
							  __ATOMIC_RELAXED));
}
#endif

#if BSDSYNC_INLINE_LOCKS
/*
 * The shared (read) paths of rw_rlock/rw_runlock and sx_slock/sx_sunlock in the production
 * build (FreeBSD __rw_rlock_try / __sx_slock_try, here inline in the driver). The one hard
 * rule: a thread that holds a read lock of the kind passes waiting writers (FreeBSD
 * td_rw_rlocks / td_sx_slocks > 0 lets it ignore RW_LOCK_WRITE_WAITERS), or a recursive read
 * behind a waiting writer deadlocks. So every hold, inline or not, is counted in the thread's
 * record (<bsdsync/freebsd/sx.h>, BSDSYNC_SL_COUNT_*), which the inline path reaches through
 * the module's per-CPU cache of the last record found (<bsdsync/inline_abi.h>: two %gs-relative
 * loads and a compare; a miss, the first lock after a switch to another locking thread, is a
 * call, which looks the record up and refills the cache).
 *
 * Acquire (__bsd_lock_sacquire): no lock-event sink attached (static key), thread context,
 * the cache holds our record, the word is in shared mode with neither EXCLUSIVE_WAITERS nor
 * WRITE_SPINNER (no writer to starve: readers only pass those in the module, which knows
 * the count), then one CAS from v to v + ONE_SHARER, acquire (pairs with the release of the
 * last writer's unlock or downgrade; a CAS lost to another reader retries while the word
 * stays readable), then the count's inline part + 1 (an rw read also + 1 in the record's
 * non-sleepable count: BSDSYNC_TD_NOSLEEP_OFFSET is just below rw's count, one 8-byte add
 * does both). The count is written after the CAS by the thread alone and read only by the
 * thread (the module's decisions for it run in it): no order needed. No class check: every
 * word that is not a live lock (zeroed: 0, destroyed: DESTROYED) lacks SHARED and fails, and
 * a lock of another class cannot reach here (the macros take a struct rwlock / struct sx).
 *
 * Release (__bsd_lock_srelease): the cache holds our record and the count's recorded part
 * is zero and its inline part nonzero (a thread that holds a hold the module recorded, of
 * any lock of the kind, releases through the module, which takes that lock's record if it
 * has one: so the inline path never leaves a stale record), and the word is shared with
 * more than one hold, or exactly one and no bits: one CAS to v - ONE_SHARER, release (pairs
 * with the acquire of the next writer), then the count - 1. Anything else (the last reader
 * with waiters to wake or a spinner's bit to clear, a sink, a miss) calls the module, whose
 * sunlock takes an inline hold off the count when the thread has no record of the lock.
 *
 * What such holds lose, like the inline exclusive ones: they are in no held-locks stack,
 * so witness and reports cannot name them (a sleep with an inline rw read held is still
 * reported, from the non-sleepable count, without the lock's name), an sx_slock taken inline
 * with a non-sleepable lock held is not reported, and rw_runlock/sx_sunlock of a lock the
 * thread does not hold, by a thread that holds another read lock of the kind inline, is not
 * reported (the module's assertions count an inline hold as possibly any lock's).
 */
/* The record cache: __bsd_td_cached, __bsd_td_mine, __bsd_td_counts (<bsdsync/inline_td.h>,
 * shared with DragonFly's face). */

/* `idx`: BSDSYNC_SL_COUNT_RW, _SX or BSDSYNC_LK_COUNT; `nosleep`: an rw read hold (also
 * counted non-sleepable); `stops`: the bits that keep a new reader out besides SHARED
 * (lockmgr's word has the same SHARED bit, count unit and free value, <sys/lockmgr.h>). All
 * constants at the call site. 1 if it took a read hold; 0: call the module. */
static __always_inline int
__bsd_lock_sacquire(volatile unsigned long *word, unsigned int idx, int nosleep,
		    unsigned long stops)
{
	unsigned long v;
	char *r;
	int *c;

	if (static_branch_unlikely(&bsdsync_lock_events_key) || !in_task())
		return 0;
	r = __bsd_td_cached();
	if (__predict_false(!__bsd_td_mine(r)))
		return 0;
	v = __atomic_load_n(word, __ATOMIC_RELAXED);
	do {
		if (__predict_false((v & (BSDSYNC_SL_SHARED | stops)) != BSDSYNC_SL_SHARED))
			return 0;
	} while (__predict_false(!__atomic_compare_exchange_n(word, &v, v + BSDSYNC_SL_ONE_SHARER,
							      0, __ATOMIC_ACQUIRE,
							      __ATOMIC_RELAXED)));
	c = __bsd_td_counts(r);
	if (nosleep)	/* the non-sleepable count, then rw's (BSDSYNC_SL_COUNT_RW == 0) */
		*(unsigned long *)(c - 1) += 1UL << 32 | 1;
	else
		c[idx]++;
	return 1;
}

/* The word first (lockmgr's LK_RELEASE of an exclusive hold leaves at its SHARED test),
 * then thread context: an interrupt's release (of a hold the module took for it, with no
 * count) must not take one off the interrupted thread's count. */
static __always_inline int
__bsd_lock_srelease_v(volatile unsigned long *word, unsigned long v, unsigned int idx,
		      int nosleep)
{
	char *r;
	int *c;

	if (!(v & BSDSYNC_SL_SHARED) || !in_task())
		return 0;
	r = __bsd_td_cached();
	c = __bsd_td_counts(r);
	/* 1 <= count < BSDSYNC_SL_COUNT_RECORDED: inline holds only */
	if (__predict_false(!__bsd_td_mine(r) ||
			    (unsigned int)(c[idx] - 1) >= BSDSYNC_SL_COUNT_RECORDED - 1))
		return 0;
	for (;;) {	/* v is shared here: more than one hold, or exactly one and no bits */
		if (__predict_false(v < 2 * BSDSYNC_SL_ONE_SHARER &&
				    v != (BSDSYNC_SL_UNLOCKED | BSDSYNC_SL_ONE_SHARER)))
			return 0;
		if (__predict_true(__atomic_compare_exchange_n(word, &v, v - BSDSYNC_SL_ONE_SHARER,
							       0, __ATOMIC_RELEASE,
							       __ATOMIC_RELAXED)))
			break;
		if (__predict_false(!(v & BSDSYNC_SL_SHARED)))
			return 0;
	}
	if (nosleep)
		*(unsigned long *)(c - 1) -= 1UL << 32 | 1;
	else
		c[idx]--;
	return 1;
}

/* The same with the word loaded here (_v: the caller loaded it, relaxed, and passes it). */
static __always_inline int
__bsd_lock_srelease(volatile unsigned long *word, unsigned int idx, int nosleep)
{
	return __bsd_lock_srelease_v(word, __atomic_load_n(word, __ATOMIC_RELAXED), idx, nosleep);
}
#endif

#define lock_initialized(lo)	(((lo)->lo_flags & LO_INITIALIZED) != 0)
#define LOCK_CLASS_INDEX(lo)	(((lo)->lo_flags & LO_CLASSMASK) >> LO_CLASSSHIFT)

/* witness(4) for ported code: bsdsync's witness is always built (the `witness` module
 * parameter turns it on), so these are FreeBSD's WITNESS definitions. WITNESS_WARN and its
 * WARN_* flags are in <sys/systm.h>. */
#define WITNESS_CHECKORDER(lock, flags, file, line, interlock)				\
	fbsd_witness_checkorder((lock), (flags), (file), (line), (interlock))
#define WITNESS_SAVE_DECL(n)								\
	const char *__CONCAT(n, __wf);							\
	int __CONCAT(n, __wl)
#define WITNESS_SAVE(lock, n)								\
	fbsd_witness_save((lock), &__CONCAT(n, __wf), &__CONCAT(n, __wl))
#define WITNESS_RESTORE(lock, n)							\
	fbsd_witness_restore((lock), __CONCAT(n, __wf), __CONCAT(n, __wl))
#define WITNESS_FILE(lock)	fbsd_witness_file(lock)
#define WITNESS_LINE(lock)	fbsd_witness_line(lock)

#endif
