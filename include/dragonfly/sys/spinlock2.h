/*
 * <sys/spinlock2.h> for drivers ported from DragonFly BSD: spinlock(9). Exclusive and
 * shared, not recursive; every hold is an implicit critical section (preemption off),
 * interrupts stay enabled; the holder must not block (reported by bsdsync's blocking
 * primitives, naming the lock). module/dragonfly/spinlock.cpp has the word and transitions.
 *
 * Linux has spin_lock, spin_unlock and spin_trylock for spinlock_t. Here they dispatch on
 * the argument's type: a DragonFly `struct spinlock *` calls bsdsync, anything else
 * Linux's function (reached through a wrapper made before the macros, so Linux's own
 * definitions, included first, are never renamed). Both orders of includes compile.
 *
 * The production build (<sys/_inline_locks.h>: -DBSDSYNC_NO_INVARIANTS), as DragonFly's own
 * spin_lock_quick / spin_unlock_quick: spin_lock and spin_unlock of a DragonFly spinlock are
 * inline, no call when the lock is free:
 *   spin_lock    while no lock-event sink is attached, preempt_disable() (the implicit
 *                critical section) and one CAS of counta from 0 to 1 | UNRECORDED, acquire
 *                (pairs with the release of whichever unlock freed the word); any other word
 *                (held, SHARED cached, EXCLWAIT): the module's dfly_spin_lock_contested,
 *                still in the critical section, with the word the CAS saw, which waits
 *                and takes the hold as 1 | UNRECORDED too (no sink: no record either; a
 *                sink attached meanwhile: recorded); with a sink attached, the module's
 *                dfly_spin_lock;
 *   spin_unlock  when the word's low 16 bits are 1 | UNRECORDED (an inline hold: only its
 *                holder changes them): a 16-bit store of 0 there, release (pairs with the
 *                next acquirer's CAS; exclusive acquirers spinning may add EXCLWAIT above
 *                meanwhile, by atomic RMWs of the whole word: x86 keeps both, as Linux's
 *                qspinlock releases its locked byte), then preempt_enable(); any other word
 *                (the module's recorded hold, not held, shared): the module's
 *                dfly_spin_unlock, which reports as the checked build does.
 * In interrupt context too (the module records nothing there either). What it loses, for
 * holds taken inline (DragonFly loses the same): they are not in the held-locks stack, so a
 * block while holding one is reported without the lock's name (the context check sees
 * preemption off: "in a critical section ... with preemption disabled"), a spin_unlock by a
 * thread that did not take the lock is not reported (the word has no owner), and witness
 * and lock profiling see them only if taken while a sink is attached. The other operations
 * (shared, try, pool, spin_unlock_any) are calls in both builds.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_SPINLOCK2_H_
#define _BSDSYNC_DRAGONFLY_SYS_SPINLOCK2_H_

#include <sys/types.h>
#include <sys/spinlock.h>
#include <sys/_inline_locks.h>

#if BSDSYNC_INLINE_LOCKS
static __always_inline void
__dfly_spin_lock_inline(struct dfly_spinlock *s, const char *file, int line)
{
	if (__builtin_expect(__dfly_inline_events_off(), 1)) {
		unsigned int v = 0;

		preempt_disable();	/* the implicit critical section */
		if (__builtin_expect(__atomic_compare_exchange_n(&s->counta, &v,
				1u | BSDSYNC_DFLY_SPINLOCK_UNRECORDED, 0, __ATOMIC_ACQUIRE,
				__ATOMIC_RELAXED), 1))
			return;
		/* Held (or SHARED cached, or EXCLWAIT): the module waits, in this critical
		 * section, from the word the CAS saw, and records its hold. */
		dfly_spin_lock_contested(s, v, file, line);
		return;
	}
	dfly_spin_lock(s, file, line);
}

static __always_inline void
__dfly_spin_unlock_inline(struct dfly_spinlock *s, const char *file, int line)
{
	/* The low half of counta (x86-64: little endian): COUNT and UNRECORDED. */
	volatile unsigned short *low = (volatile unsigned short *)&s->counta;

	if (__builtin_expect(__atomic_load_n(low, __ATOMIC_RELAXED) ==
			     (1u | BSDSYNC_DFLY_SPINLOCK_UNRECORDED), 1)) {
		__atomic_store_n(low, (unsigned short)0, __ATOMIC_RELEASE);
		preempt_enable();	/* the implicit critical section ends */
		return;
	}
	dfly_spin_unlock(s, file, line);
}
#define __dfly_spin_lock_fn	__dfly_spin_lock_inline
#define __dfly_spin_unlock_fn	__dfly_spin_unlock_inline
#else
#define __dfly_spin_lock_fn	dfly_spin_lock
#define __dfly_spin_unlock_fn	dfly_spin_unlock
#endif

#ifdef __KERNEL__
/* Linux's spin_lock/spin_unlock/spin_trylock, as they are before the macros below (a
 * function, or a macro under PREEMPT_RT's spin_trylock). */
static inline __attribute__((always_inline)) void
__bsdsync_linux_spin_lock(spinlock_t *l, const char *file, int line)
{
	spin_lock(l);
}
static inline __attribute__((always_inline)) void
__bsdsync_linux_spin_unlock(spinlock_t *l, const char *file, int line)
{
	spin_unlock(l);
}
static inline __attribute__((always_inline)) int
__bsdsync_linux_spin_trylock(spinlock_t *l, const char *file, int line)
{
	return spin_trylock(l);
}
#undef spin_lock
#undef spin_unlock
#undef spin_trylock
#define __bsdsync_spin_dispatch(l, dfly_fn, linux_fn)					\
	_Generic((l), struct dfly_spinlock *: dfly_fn, default: linux_fn)
#define spin_lock(l)									\
	__bsdsync_spin_dispatch((l), __dfly_spin_lock_fn, __bsdsync_linux_spin_lock)((l), __FILE__, __LINE__)
#define spin_unlock(l)									\
	__bsdsync_spin_dispatch((l), __dfly_spin_unlock_fn, __bsdsync_linux_spin_unlock)((l), __FILE__, __LINE__)
#define spin_trylock(l)									\
	__bsdsync_spin_dispatch((l), dfly_spin_trylock, __bsdsync_linux_spin_trylock)((l), __FILE__, __LINE__)
#else
#define spin_lock(l)		__dfly_spin_lock_fn((l), __FILE__, __LINE__)
#define spin_unlock(l)		__dfly_spin_unlock_fn((l), __FILE__, __LINE__)
#define spin_trylock(l)		dfly_spin_trylock((l), __FILE__, __LINE__)
#endif

#define spin_lock_quick(l)		spin_lock(l)
#define spin_unlock_quick(gd, l)	spin_unlock(l)
#define spin_lock_shared(l)		dfly_spin_lock_shared((l), __FILE__, __LINE__)
#define spin_lock_shared_quick(l)	spin_lock_shared(l)
#define spin_unlock_shared(l)		dfly_spin_unlock_shared((l), __FILE__, __LINE__)
#define spin_unlock_shared_quick(gd, l)	spin_unlock_shared(l)
#define spin_unlock_any(l)		dfly_spin_unlock_any((l), __FILE__, __LINE__)
#define spin_pool_lock(chan)		dfly_spin_pool_lock((chan), __FILE__, __LINE__)
#define spin_pool_unlock(chan)		dfly_spin_pool_unlock((chan), __FILE__, __LINE__)

/* Held by someone (DragonFly cannot tell who either). */
static inline int spin_held(struct dfly_spinlock *spin)
{
	return (spin->counta & BSDSYNC_DFLY_SPINLOCK_COUNT_MASK) != 0;
}

static inline void spin_init(struct dfly_spinlock *spin, const char *descr)
{
	spin->counta = 0;
	spin->countb = 0;
	spin->descr = descr;
}

static inline void spin_uninit(struct dfly_spinlock *spin)
{
	(void)spin;	/* nothing to undo, as in DragonFly */
}

#endif
