#include "core/lock_events.h"
#include "core/thread.h"

namespace bsdsync {

namespace {
/*
 * Locking key: `sinks` is written under the platform's configuration lock (attach/detach,
 * thread context) and
 * read by lock_event_emit with preemption disabled and acquire loads, so a detach that
 * clears a slot and then waits for every CPU (bsdsync_synchronize_cpus) knows no CPU is
 * still in that sink's callback. `attached` (under the configuration lock) decides the switch.
 */
const bsdsync_lock_event_sink *sinks[BSDSYNC_LOCK_EVENT_SINKS];
int attached;
} // namespace

void lock_event_emit(unsigned kind, const void *lock, const LockType *type, unsigned flags,
		     const char *file, int line)
{
	bsdsync_lock_event e{ lock, type, file, line, (unsigned char)kind, (unsigned char)flags };
	bsdsync_preempt_disable();
	for (int i = 0; i < BSDSYNC_LOCK_EVENT_SINKS; i++) {
		/* Acquire: pairs with the release in attach (the sink's contents). */
		const bsdsync_lock_event_sink *s = load_acquire(&sinks[i]);
		if (s)
			s->event(&e);
	}
	bsdsync_preempt_enable();
}

} // namespace bsdsync

using namespace bsdsync;

extern "C" int bsdsync_lock_events_attach(const bsdsync_lock_event_sink *sink)
{
	int err = -16;	/* EBUSY */
	bsdsync_config_lock();
	for (int i = 0; i < BSDSYNC_LOCK_EVENT_SINKS; i++) {
		if (!sinks[i]) {
			/* Release: pairs with the acquire in lock_event_emit. */
			store_release(&sinks[i], sink);
			if (attached++ == 0)
				bsdsync_lock_events_switch(1);
			err = 0;
			break;
		}
	}
	bsdsync_config_unlock();
	return err;
}

extern "C" void bsdsync_lock_events_detach(const bsdsync_lock_event_sink *sink)
{
	bsdsync_config_lock();
	for (int i = 0; i < BSDSYNC_LOCK_EVENT_SINKS; i++) {
		if (sinks[i] == sink) {
			store_relaxed(&sinks[i],
				      static_cast<const bsdsync_lock_event_sink *>(nullptr));
			if (--attached == 0)
				bsdsync_lock_events_switch(0);
			break;
		}
	}
	/* Every CPU past any emit that could still see the sink. */
	bsdsync_synchronize_cpus();
	bsdsync_config_unlock();
}

/* platform.h: the interlock (HeldLock::kInterlock) of the calling thread's acquisition in
 * progress, for the lockdep sink. Preemption off (a sink's context). */
extern "C" const void *bsdsync_held_interlock(const bsdsync_lock_type **type)
{
	ThreadState *t = current_record_if_any();
	if (!t)
		return nullptr;
	int depth = t->held.depth < HeldLocks::kTrack ? t->held.depth : HeldLocks::kTrack;
	for (int i = depth - 1; i >= 0; i--) {
		const HeldLock &h = t->held.entry[i];
		if (h.lock && (h.flags & HeldLock::kInterlock) &&
		    !(h.flags & HeldLock::kPlaceholder)) {
			*type = h.type;
			return h.lock;
		}
	}
	return nullptr;
}
