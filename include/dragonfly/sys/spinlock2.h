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
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_SPINLOCK2_H_
#define _BSDSYNC_DRAGONFLY_SYS_SPINLOCK2_H_

#include <sys/types.h>
#include <sys/spinlock.h>

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
	__bsdsync_spin_dispatch((l), dfly_spin_lock, __bsdsync_linux_spin_lock)((l), __FILE__, __LINE__)
#define spin_unlock(l)									\
	__bsdsync_spin_dispatch((l), dfly_spin_unlock, __bsdsync_linux_spin_unlock)((l), __FILE__, __LINE__)
#define spin_trylock(l)									\
	__bsdsync_spin_dispatch((l), dfly_spin_trylock, __bsdsync_linux_spin_trylock)((l), __FILE__, __LINE__)
#else
#define spin_lock(l)		dfly_spin_lock((l), __FILE__, __LINE__)
#define spin_unlock(l)		dfly_spin_unlock((l), __FILE__, __LINE__)
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
