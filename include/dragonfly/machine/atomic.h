/*
 * <machine/atomic.h> for drivers ported from DragonFly BSD, x86-64.
 *
 * DragonFly's atomic.h and FreeBSD's come from the same file (Doug Rabson's, 1998) and keep
 * the same names and meanings for add, subtract, set, clear, cmpset, fcmpset, fetchadd,
 * swap, readandclear, testandset/testandclear, load_acq and store_rel over char, short, int,
 * long (and the sized and ptr forms): those are FreeBSD's face's, included below (one
 * implementation over the compiler's __atomic builtins, its memory orders explained and
 * checked there; read-modify-writes are full compiler barriers, as DragonFly's "memory"
 * clobbers make them). DragonFly's atomic_swap_int takes an `int *` (FreeBSD's a `u_int *`):
 * the same function serves, Linux builds without -Wpointer-sign.
 *
 * DragonFly's own names, here:
 *   atomic_<op>_<t>_nonlocked        set/clear/add/subtract, char short int long: atomic
 *                                    against this CPU's interrupts only in DragonFly; here
 *                                    a relaxed __atomic (stronger, never torn)
 *   atomic_cmpxchg_int(p, old, new)  returns the value found (the swap happened iff == old)
 *   atomic_cmpxchg_long_test         returns 1 if it swapped
 *   atomic_poll_acquire_int(p)       sets bit 0; nonzero if it was clear (acquired)
 *   atomic_poll_release_int(p)       clears bit 0
 *   atomic_intr_*                    the 32-bit interrupt interlock (__atomic_intr_t):
 *                                    bit 31 running, bit 30 handler disabled, bits 0..29
 *                                    a wait counter; cond_enter calls func(arg) until it
 *                                    gets bit 31; cond_exit clears it and calls func(arg)
 *                                    once if the counter says someone waits
 */
#ifndef _BSDSYNC_DRAGONFLY_MACHINE_ATOMIC_H_
#define _BSDSYNC_DRAGONFLY_MACHINE_ATOMIC_H_

#include <sys/types.h>
#include "../../freebsd/machine/atomic.h"

#define _BSDSYNC_DFLY_ATOMIC_INLINE static __inline__ __attribute__((__always_inline__))

#define _BSDSYNC_DFLY_NONLOCKED(NAME, SFX, T, BUILTIN, OPERAND)				\
	_BSDSYNC_DFLY_ATOMIC_INLINE void atomic_##NAME##_##SFX##_nonlocked(volatile T *p, T v)	\
	{											\
		(void)BUILTIN(p, OPERAND, __ATOMIC_RELAXED);					\
	}
#define _BSDSYNC_DFLY_NONLOCKED_ALL(SFX, T)							\
	_BSDSYNC_DFLY_NONLOCKED(set, SFX, T, __atomic_fetch_or, v)				\
	_BSDSYNC_DFLY_NONLOCKED(clear, SFX, T, __atomic_fetch_and, (T)~v)			\
	_BSDSYNC_DFLY_NONLOCKED(add, SFX, T, __atomic_fetch_add, v)				\
	_BSDSYNC_DFLY_NONLOCKED(subtract, SFX, T, __atomic_fetch_sub, v)
_BSDSYNC_DFLY_NONLOCKED_ALL(char, u_char)
_BSDSYNC_DFLY_NONLOCKED_ALL(short, u_short)
_BSDSYNC_DFLY_NONLOCKED_ALL(int, u_int)
_BSDSYNC_DFLY_NONLOCKED_ALL(long, u_long)

_BSDSYNC_DFLY_ATOMIC_INLINE int atomic_cmpxchg_int(volatile u_int *dst, u_int old, u_int src)
{
	__atomic_compare_exchange_n(dst, &old, src, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return (int)old;	/* the value found: the expected one iff it swapped */
}

_BSDSYNC_DFLY_ATOMIC_INLINE int atomic_cmpxchg_long_test(volatile u_long *dst, u_long old,
						     u_long src)
{
	return __atomic_compare_exchange_n(dst, &old, src, 0, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

_BSDSYNC_DFLY_ATOMIC_INLINE int atomic_poll_acquire_int(volatile u_int *p)
{
	return !(__atomic_fetch_or(p, 1u, __ATOMIC_SEQ_CST) & 1u);
}

_BSDSYNC_DFLY_ATOMIC_INLINE void atomic_poll_release_int(volatile u_int *p)
{
	(void)__atomic_fetch_and(p, ~1u, __ATOMIC_SEQ_CST);
}

/* ---- the interrupt interlock ---------------------------------------------------------------- */

typedef volatile int __atomic_intr_t;

#define _BSDSYNC_DFLY_INTR_RUNNING	((int)0x80000000u)
#define _BSDSYNC_DFLY_INTR_DISABLED	0x40000000
#define _BSDSYNC_DFLY_INTR_COUNT	0x3FFFFFFF

_BSDSYNC_DFLY_ATOMIC_INLINE void atomic_intr_init(__atomic_intr_t *p)
{
	__atomic_store_n(p, 0, __ATOMIC_RELAXED);
}

/* Returns the running bit (nonzero: an accessor is inside). */
_BSDSYNC_DFLY_ATOMIC_INLINE int atomic_intr_handler_disable(__atomic_intr_t *p)
{
	return __atomic_or_fetch(p, _BSDSYNC_DFLY_INTR_DISABLED, __ATOMIC_SEQ_CST) &
	       _BSDSYNC_DFLY_INTR_RUNNING;
}

_BSDSYNC_DFLY_ATOMIC_INLINE void atomic_intr_handler_enable(__atomic_intr_t *p)
{
	(void)__atomic_fetch_and(p, ~_BSDSYNC_DFLY_INTR_DISABLED, __ATOMIC_SEQ_CST);
}

/* Nonzero when DISABLED (DragonFly's name, its meaning). */
_BSDSYNC_DFLY_ATOMIC_INLINE int atomic_intr_handler_is_enabled(__atomic_intr_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED) & _BSDSYNC_DFLY_INTR_DISABLED;
}

_BSDSYNC_DFLY_ATOMIC_INLINE void atomic_intr_cond_inc(__atomic_intr_t *p)
{
	(void)__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
}

_BSDSYNC_DFLY_ATOMIC_INLINE void atomic_intr_cond_dec(__atomic_intr_t *p)
{
	(void)__atomic_fetch_sub(p, 1, __ATOMIC_SEQ_CST);
}

_BSDSYNC_DFLY_ATOMIC_INLINE int atomic_intr_cond_test(__atomic_intr_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED) & _BSDSYNC_DFLY_INTR_RUNNING;
}

/* 0 if it got the running bit, 1 if not. */
_BSDSYNC_DFLY_ATOMIC_INLINE int atomic_intr_cond_try(__atomic_intr_t *p)
{
	return (__atomic_fetch_or(p, _BSDSYNC_DFLY_INTR_RUNNING, __ATOMIC_SEQ_CST) &
		_BSDSYNC_DFLY_INTR_RUNNING) ? 1 : 0;
}

_BSDSYNC_DFLY_ATOMIC_INLINE void atomic_intr_cond_enter(__atomic_intr_t *p, void (*func)(void *),
						   void *arg)
{
	if (!atomic_intr_cond_try(p))
		return;
	atomic_intr_cond_inc(p);
	while (atomic_intr_cond_try(p))
		func(arg);
	atomic_intr_cond_dec(p);
}

_BSDSYNC_DFLY_ATOMIC_INLINE void atomic_intr_cond_exit(__atomic_intr_t *p, void (*func)(void *),
						  void *arg)
{
	int v = __atomic_and_fetch(p, ~_BSDSYNC_DFLY_INTR_RUNNING, __ATOMIC_SEQ_CST);

	if (v & _BSDSYNC_DFLY_INTR_COUNT)
		func(arg);
}

#undef _BSDSYNC_DFLY_NONLOCKED
#undef _BSDSYNC_DFLY_NONLOCKED_ALL

#endif
