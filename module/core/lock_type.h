/*
 * The lock-type registry: every kind of lock a personality provides (FreeBSD: sleep mutex,
 * spin mutex, sx, rw, rm, sleepable rm, lockmgr, rms; DragonFly's will join) is described
 * once by a LockType, which the generic code uses to name a lock in a report, to tell
 * whether it may be held across a sleep, and which the checkers (witness, lock profiling)
 * key their classes on. A thread's held-locks stack (core/thread.h) and every lock event
 * (core/lock_events.h) carry a pointer to the lock's LockType, so the fast paths pay nothing
 * to name a type: it is a constant address.
 *
 * Locking key: the table is written only by lock_type_register/unregister, at a
 * personality's init and exit (serialised by the module's init/exit, no lock operation of
 * that personality in flight); readers (checkers, debug output) read it with acquire loads.
 * LockType objects are constant.
 */
#ifndef BSDSYNC_CORE_LOCK_TYPE_H
#define BSDSYNC_CORE_LOCK_TYPE_H

#include "core/base.h"
#include <bsdsync/lock_events.h>
#include "core/diag.h"

namespace bsdsync {

/* include/bsdsync/lock_events.h: name, BSDSYNC_LT_* flags, describe(). */
using LockType = ::bsdsync_lock_type;

/* Room for every type of every personality, with room to spare (FreeBSD has 8, DragonFly
 * brings about 6 more). Id 0 is never used. */
constexpr int kMaxLockTypes = 64;

/* Register a type: returns its id (1..kMaxLockTypes-1), or 0 if the table is full. A type
 * registered twice keeps its first id. */
int lock_type_register(const LockType *type);
void lock_type_unregister(const LockType *type);
/* The type with this id, or null. */
const LockType *lock_type_by_id(int id);
/* A registered type's id, or 0. */
int lock_type_id(const LockType *type);

/* How to name a lock of type `type` (or of no known type) in a report. */
inline ReportSubject lock_subject(const LockType *type, const void *lock)
{
	ReportSubject s{ type ? type->name : "lock", "(unnamed)", lock, nullptr };
	if (type && type->describe)
		type->describe(lock, &s.name, &s.site, nullptr);
	return s;
}

} // namespace bsdsync

#endif
