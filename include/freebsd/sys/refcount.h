/*
 * <sys/refcount.h> for ported FreeBSD drivers: refcount(9), as FreeBSD 13/14 has it, inline.
 *
 * Ordering, as FreeBSD's: acquiring is relaxed (a reference is only ever taken from one
 * already held, or under whatever lock found the object); a release is a release fence
 * before the decrement, so every access made under a reference happens before the count
 * drops, and the last release (the one returning true) adds an acquire fence, so the caller
 * that frees the object sees them all. refcount_release_if_not_last and _if_gt release with
 * release ordering too.
 *
 * Saturation: a count that reaches 2^31 (too many acquires, or a release below zero) is
 * pinned at REFCOUNT_SATURATION_VALUE and never reaches zero again: the object leaks
 * instead of being freed while still in use (FreeBSD also panics under INVARIANTS).
 * refcount_wait/refcount_sleep (FreeBSD 12's waiter bit; gone in FreeBSD 13) are not
 * provided.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_REFCOUNT_H_
#define _BSDSYNC_FREEBSD_SYS_REFCOUNT_H_

#include <sys/types.h>

/* bool as Linux's <linux/types.h> names it (an identical typedef may come twice); false and
 * true are spelled 0 and 1 below, since Linux makes them enumerators. */
#ifndef __cplusplus
typedef _Bool bool;
#endif

/* FreeBSD's REFCOUNT_SATURATED(val) is not defined: Linux's <linux/refcount.h> (which
 * kernel headers pull in everywhere) owns that name as a constant. */
#define __BSDSYNC_REFCOUNT_SATURATED(val)	(((val) & (1U << 31)) != 0)
#define REFCOUNT_SATURATION_VALUE	(3U << 30)

static inline void _refcount_update_saturated(volatile u_int *count)
{
	__atomic_store_n(count, REFCOUNT_SATURATION_VALUE, __ATOMIC_RELAXED);
}

static inline void refcount_init(volatile u_int *count, u_int value)
{
	__atomic_store_n(count, value, __ATOMIC_RELAXED);
}

static inline u_int refcount_load(volatile u_int *count)
{
	return __atomic_load_n(count, __ATOMIC_RELAXED);
}

/* Returns the count before the increment. */
static inline u_int refcount_acquire(volatile u_int *count)
{
	u_int old = __atomic_fetch_add(count, 1, __ATOMIC_RELAXED);

	if (__builtin_expect(__BSDSYNC_REFCOUNT_SATURATED(old), 0))
		_refcount_update_saturated(count);
	return old;
}

static inline u_int refcount_acquiren(volatile u_int *count, u_int n)
{
	u_int old = __atomic_fetch_add(count, n, __ATOMIC_RELAXED);

	if (__builtin_expect(__BSDSYNC_REFCOUNT_SATURATED(old), 0))
		_refcount_update_saturated(count);
	return old;
}

/* False, and no reference taken, if the count is saturated. */
static inline __attribute__((__warn_unused_result__)) bool
refcount_acquire_checked(volatile u_int *count)
{
	u_int old = __atomic_load_n(count, __ATOMIC_RELAXED);

	for (;;) {
		if (__builtin_expect(__BSDSYNC_REFCOUNT_SATURATED(old + 1), 0))
			return 0;
		if (__atomic_compare_exchange_n(count, &old, old + 1, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return 1;
	}
}

/* True when this release dropped the last of the references. */
static inline bool refcount_releasen(volatile u_int *count, u_int n)
{
	u_int old;

	/* Pairs with the acquire fence of the last release below. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	old = __atomic_fetch_sub(count, n, __ATOMIC_RELAXED);
	if (__builtin_expect(old < n || __BSDSYNC_REFCOUNT_SATURATED(old), 0)) {
		_refcount_update_saturated(count);
		return 0;
	}
	if (old > n)
		return 0;
	/* The last one: everything done under the other references happened before. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return 1;
}

static inline bool refcount_release(volatile u_int *count)
{
	return refcount_releasen(count, 1);
}

/* Take a reference only if the count is above n (saturated: always). */
static inline __attribute__((__warn_unused_result__)) bool
refcount_acquire_if_gt(volatile u_int *count, u_int n)
{
	u_int old = __atomic_load_n(count, __ATOMIC_RELAXED);

	for (;;) {
		if (old <= n)
			return 0;
		if (__builtin_expect(__BSDSYNC_REFCOUNT_SATURATED(old), 0))
			return 1;
		if (__atomic_compare_exchange_n(count, &old, old + 1, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return 1;
	}
}

static inline __attribute__((__warn_unused_result__)) bool
refcount_acquire_if_not_zero(volatile u_int *count)
{
	return refcount_acquire_if_gt(count, 0);
}

/* Drop a reference only if the count stays at n or above (n > 0): never the last one. */
static inline __attribute__((__warn_unused_result__)) bool
refcount_release_if_gt(volatile u_int *count, u_int n)
{
	u_int old = __atomic_load_n(count, __ATOMIC_RELAXED);

	for (;;) {
		if (old <= n)
			return 0;
		if (__builtin_expect(__BSDSYNC_REFCOUNT_SATURATED(old), 0))
			return 1;
		if (__atomic_compare_exchange_n(count, &old, old - 1, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return 1;
	}
}

static inline __attribute__((__warn_unused_result__)) bool
refcount_release_if_not_last(volatile u_int *count)
{
	return refcount_release_if_gt(count, 1);
}

#endif
