/*
 * What the files of the DragonFly personality share: its lock types (registered at load,
 * personality.cpp) and its per-thread slot in the core's thread record. The tsleep family
 * sleeps on the core's sleep_queues (core/waitq.h), as FreeBSD's sleep(9) does.
 */
#ifndef BSDSYNC_DRAGONFLY_DRAGONFLY_H
#define BSDSYNC_DRAGONFLY_DRAGONFLY_H

#include <bsdsync/dragonfly/critical.h>
#include <bsdsync/dragonfly/spinlock.h>
#include <bsdsync/dragonfly/sleep.h>
#include "core/thread.h"
#include "core/waitq.h"

namespace bsdsync::dfly {

/* Lock types (core/lock_type.h). */
extern const LockType spinlock_type;
extern const LockType lockmgr_type;	/* lockmgr.cpp */
extern const LockType mtx_type;		/* mtx.cpp */
extern const LockType serializer_type;	/* serialize.cpp */
int lock_types_register();
void lock_types_unregister();

/* How a DragonFly spinlock is named in reports. */
ReportSubject spinlock_subject(const dfly_spinlock *spin);

/*
 * DragonFly's per-thread state, in the core thread record's personality slot 1. Only its
 * own thread touches it, except `interlock` while linked on a sleep queue (its chain lock,
 * core/waitq.h).
 */
struct ThreadSlot {
	/* tsleep_interlock()'s queue entry: it stays queued while the thread runs on, until
	 * tsleep(PINTERLOCKED) blocks on it, a wakeup unlinks it, or another tsleep replaces
	 * it. Valid while `interlocked` is set. */
	Waiter interlock;
	const void *interlock_ident;	/* what it was queued on */
	int interlocked;
	/* crit_enter() depth of this thread (DragonFly's td_critcount, without spinlocks), and
	 * the ids of the innermost kCritIds sections (crit_enter_id; null for crit_enter). */
	int crit_depth;
	enum : int { kCritIds = 4 };
	const char *crit_id[kCritIds];
};
constexpr int kThreadSlot = 1;	/* core/thread.h: [1] is DragonFly's */
inline ThreadSlot *thread_slot(ThreadState *t) { return personality_slot<ThreadSlot>(t, kThreadSlot); }

} // namespace bsdsync::dfly

#endif
