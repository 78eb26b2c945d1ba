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
 * MUTEX_NOINLINE (FreeBSD's) to keep the calls for mutexes. x86-64 kernel modules only.
 */
#ifndef BSDSYNC_INLINE_LOCKS
#if !defined(INVARIANTS) && defined(__KERNEL__) && defined(__x86_64__)
#define BSDSYNC_INLINE_LOCKS 1
#else
#define BSDSYNC_INLINE_LOCKS 0
#endif
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
