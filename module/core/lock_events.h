/*
 * Lock events (include/bsdsync/lock_events.h has the vocabulary): the calls every primitive
 * makes where FreeBSD calls WITNESS and LOCK_PROFILING. Each is one no-op instruction while
 * no sink is attached (the platform's switch, patched by the kernel); the work is out of line.
 *
 * Where each fires (every primitive follows this):
 *   lock_acquiring   before a blocking acquisition's first attempt (not try-locks, not
 *                    recursions): the lock-order check point (WITNESS_CHECKORDER);
 *   lock_contended   in the slow path, when the lock was found held and the thread is about
 *                    to spin or wait (lock_profile_obtain_lock_failed);
 *   ACQUIRED         with the held-lock record (core/thread.h held_acquired), or
 *                    lock_event_acquired where no record is kept (spin locks, interrupt
 *                    context, recursions), after the lock is the thread's (WITNESS_LOCK);
 *   RELEASED         with the record's removal (held_released), before the store that
 *                    releases the lock (WITNESS_UNLOCK).
 */
#ifndef BSDSYNC_CORE_LOCK_EVENTS_H
#define BSDSYNC_CORE_LOCK_EVENTS_H

#include <bsdsync/lock_events.h>
#include "core/lock_type.h"

namespace bsdsync {

enum class HoldMode : unsigned char {
	Exclusive = 0,
	Shared = BSDSYNC_LE_SHARED,
};

BSDSYNC_COLD void lock_event_emit(unsigned kind, const void *lock, const LockType *type,
				  unsigned flags, const char *file, int line);

/* Always inline (also in -Os kernels): the switch must be the no-op at the call site, not a
 * call to a function that holds it. */
BSDSYNC_ALWAYS_INLINE bool lock_events_on()
{
	return __builtin_expect(bsdsync_lock_events_on(), 0);
}

BSDSYNC_ALWAYS_INLINE void lock_event(unsigned kind, const void *lock, const LockType *type,
				      unsigned flags, const char *file, int line)
{
	if (lock_events_on())
		lock_event_emit(kind, lock, type, flags, file, line);
}
BSDSYNC_ALWAYS_INLINE void lock_acquiring(const void *lock, const LockType *type, HoldMode mode,
					  const char *file, int line)
{
	lock_event(BSDSYNC_LE_ACQUIRING, lock, type, (unsigned)mode, file, line);
}
BSDSYNC_ALWAYS_INLINE void lock_contended(const void *lock, const LockType *type, HoldMode mode,
					  const char *file, int line)
{
	lock_event(BSDSYNC_LE_CONTENDED, lock, type, (unsigned)mode, file, line);
}
/* For holds that keep no thread record (spin locks, interrupt context, recursions):
 * `flags` adds BSDSYNC_LE_TRY / BSDSYNC_LE_RECURSE to the mode. */
BSDSYNC_ALWAYS_INLINE void lock_event_acquired(const void *lock, const LockType *type,
					       HoldMode mode, unsigned flags, const char *file,
					       int line)
{
	lock_event(BSDSYNC_LE_ACQUIRED, lock, type, (unsigned)mode | flags, file, line);
}
BSDSYNC_ALWAYS_INLINE void lock_event_released(const void *lock, const LockType *type,
					       HoldMode mode, unsigned flags, const char *file,
					       int line)
{
	lock_event(BSDSYNC_LE_RELEASED, lock, type, (unsigned)mode | flags, file, line);
}

} // namespace bsdsync

#endif
