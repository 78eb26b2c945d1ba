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
__bsd_lock_xacquire(struct lock_object *lo, volatile unsigned long *word, unsigned int cls,
		    unsigned long unowned, unsigned long unrecorded)
{
	unsigned long v = unowned;
	unsigned int flags = __atomic_load_n(&lo->lo_flags, __ATOMIC_RELAXED);

	return __predict_true(!static_branch_unlikely(&bsdsync_lock_events_key) && in_task() &&
			      (flags & (LO_INITIALIZED | LO_CLASSMASK)) ==
				      (LO_INITIALIZED | cls << LO_CLASSSHIFT)) &&
	       __predict_true(__atomic_compare_exchange_n(word, &v,
							  (unsigned long)current | unrecorded, 0,
							  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
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
