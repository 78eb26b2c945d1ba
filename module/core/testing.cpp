/*
 * The KUnit entry points into the core (include/bsdsync/testing.h; exported only on kernels
 * with CONFIG_KUNIT, module/exports/bsdsync.c): the thread record, the lock-type registry, the
 * lock-order checker (witness), the wait queues and the blocking tail, driven directly by
 * kunit/core/ with no personality.
 */
#include <bsdsync/testing.h>
#include "core/adaptive.h"
#include "core/block.h"
#include "core/lock_profile.h"
#include "core/prio.h"
#include "core/thread.h"
#include "core/waitq.h"
#include "core/witness.h"

using namespace bsdsync;

/* ---- the thread record and the type registry ------------------------------------------- */

extern "C" int bsdsync_test_lock_type_register(const bsdsync_lock_type *type)
{
	return lock_type_register(type);
}

extern "C" void bsdsync_test_lock_type_unregister(const bsdsync_lock_type *type)
{
	lock_type_unregister(type);
}

extern "C" const bsdsync_lock_type *bsdsync_test_lock_type_by_id(int id)
{
	return lock_type_by_id(id);
}

extern "C" void bsdsync_test_hold(const void *lock, const bsdsync_lock_type *type, int shared,
				  int flags, const char *file, int line)
{
	held_acquired(current_record(), lock, type, shared ? HoldMode::Shared : HoldMode::Exclusive,
		      (unsigned)flags, file, line);
}

extern "C" int bsdsync_test_release(const void *lock, const bsdsync_lock_type *type, int shared,
				    const char *file, int line)
{
	return held_released(current_record_if_any(), lock, type,
			     shared ? HoldMode::Shared : HoldMode::Exclusive, file, line);
}

extern "C" void bsdsync_test_acquiring(const void *lock, const bsdsync_lock_type *type,
				       int shared, const char *file, int line)
{
	lock_acquiring(lock, type, shared ? HoldMode::Shared : HoldMode::Exclusive, file, line);
}

/* ---- witness ------------------------------------------------------------------------------ */

extern "C" int bsdsync_test_witness(int on)
{
	bool was = witness_set(on);
	witness_reset();
	return was;
}

extern "C" unsigned long bsdsync_test_witness_dot(char *buf, unsigned long len)
{
	return witness_dot(buf, len);
}

extern "C" unsigned long bsdsync_test_witness_reversals(char *buf, unsigned long len)
{
	return witness_reversals(buf, len);
}

extern "C" int bsdsync_test_witness_stacks(int on)
{
	return witness_set_stacks(on);
}

extern "C" unsigned long bsdsync_test_witness_held(char *buf, unsigned long len)
{
	return bsdsync_witness_held_text(buf, len);
}

/* ---- lock profiling -------------------------------------------------------------------- */

extern "C" int bsdsync_test_lock_prof(int on)
{
	return lock_profile_set(on);
}

extern "C" void bsdsync_test_lock_prof_reset(void)
{
	lock_profile_reset();
}

extern "C" int bsdsync_test_lock_prof_class(const char *type_name, const char *name,
					    bsdsync_test_lock_prof_numbers *out)
{
	ProfileStats s;
	if (!lock_profile_class(type_name, name, &s))
		return 0;
	*out = bsdsync_test_lock_prof_numbers{ s.acquisitions, s.contentions, s.contended,
					       s.wait_total, s.wait_max, s.holds, s.hold_total,
					       s.hold_max, s.spins };
	return 1;
}

extern "C" const unsigned long *bsdsync_test_lock_prof_spin_counter(void)
{
	ThreadState *t = current_record();
	return t ? &t->profile.spins : nullptr;
}

extern "C" unsigned long bsdsync_test_lock_prof_stats(char *buf, unsigned long len)
{
	return lock_profile_stats(buf, len);
}

extern "C" int bsdsync_test_check_may_sleep(const void *interlock, const char *what,
					    const char *file, int line)
{
	return check_may_sleep_with_locks(interlock, what, file, line);
}

/* ---- the wait queues and the blocking tail ---------------------------------------------- */

extern "C" int bsdsync_test_sleep(const void *channel, unsigned int timeout_ms, int *token,
				  const char *file, int line)
{
	Waiter w;
	BlockOptions o;
	o.kind = BlockKind::Sleep;	/* the block hooks drop what a sleeper must not hold */
	o.state = BSDSYNC_BLOCK_INTERRUPTIBLE;
	if (timeout_ms)
		o.deadline_ns = bsdsync_uptime_ns() + (u64)timeout_ms * 1000000ULL;
	o.file = file;
	o.line = line;
	WaitTable::Guard g(sleep_queues, channel);
	int r = block_on(sleep_queues, g, w, channel, WaitQueueId::Sleepers, o);
	if (token)
		*token = load_relaxed(&w.woken);
	return r;
}

extern "C" int bsdsync_test_wake_one(const void *channel)
{
	WaitTable::Guard g(sleep_queues, channel);
	return sleep_queues.wake_one(g, channel, WaitQueueId::Sleepers);
}

extern "C" int bsdsync_test_wake_all(const void *channel, int token)
{
	WaitTable::Guard g(sleep_queues, channel);
	return sleep_queues.wake_all(g, channel, WaitQueueId::Sleepers, token);
}

extern "C" int bsdsync_test_waiters(const void *channel)
{
	WaitTable::Guard g(sleep_queues, channel);
	return sleep_queues.count(g, channel, WaitQueueId::Sleepers);
}

/* ---- a test lock: the blocking tail with priority lending, and hand-off --------------------- */
/*
 * struct bsdsync_test_lock: an exclusive lock reduced to what the core provides: `owner` is
 * written under the lock's turnstile chain (a release hands the lock to the waiter it wakes),
 * read unlocked by lenders (prio's owner function). Waiters block on the turnstiles lending
 * their priority to the owner; the release ends what was lent through the lock, and a new
 * owner that still has waiters behind it inherits theirs (prio_claim).
 */
namespace {
thread *test_lock_owner(const void *lock)
{
	return static_cast<thread *>(
		load_acquire(&static_cast<const bsdsync_test_lock *>(lock)->owner));
}
} // namespace

extern "C" void bsdsync_test_lock_acquire(bsdsync_test_lock *l, const char *file, int line)
{
	thread *me = curthread();
	/* An owner has a thread record (every primitive's first hold makes one): lenders find
	 * its priority state there. */
	(void)current_record();
	for (;;) {
		WaitTable::Guard g(turnstiles, l);
		if (!l->owner) {
			store_release(&l->owner, static_cast<void *>(me));
			return;
		}
		Waiter w;
		BlockOptions o;
		o.kind = BlockKind::Lock;
		o.state = BSDSYNC_BLOCK_LOCK;
		o.lend_key = l;
		o.lend_owner = test_lock_owner;
		o.file = file;
		o.line = line;
		int r = block_on(turnstiles, g, w, l, WaitQueueId::ExclusiveLockers, o);
		/* Woken by a release that handed the lock over (owner = us, stored before the
		 * wake under the chain). */
		if (r == BSDSYNC_WOKEN && load_acquire(&l->owner) == me) {
			WaitTable::Guard g2(turnstiles, l);
			bool more = turnstiles.has_waiters(g2, l, WaitQueueId::ExclusiveLockers);
			g2.unlock();
			if (more)
				prio_claim(l, l);	/* inherit the waiters still queued */
			return;
		}
	}
}

extern "C" void bsdsync_test_lock_release(bsdsync_test_lock *l)
{
	{
		WaitTable::Guard g(turnstiles, l);
		Waiter *next = turnstiles.take_one(g, l, WaitQueueId::ExclusiveLockers);
		/* Release: the section is over for the next owner (its acquire load). */
		store_release(&l->owner, next ? static_cast<void *>(next->td) : nullptr);
		if (next)
			turnstiles.wake_taken(g, next);
	}
	/* What the waiters lent us through l ends. */
	prio_released(l);
}

extern "C" int bsdsync_test_lock_waiters(bsdsync_test_lock *l)
{
	WaitTable::Guard g(turnstiles, l);
	return turnstiles.count(g, l, WaitQueueId::ExclusiveLockers);
}

/* ---- adaptive spinning and the spinner gates ---------------------------------------------- */

extern "C" int bsdsync_test_adaptive_spin(const volatile unsigned long *word, unsigned long owner,
					  unsigned long mask)
{
	return adaptive_spin(word, owner, mask);
}

extern "C" int bsdsync_test_spin_gate_claim(const volatile unsigned long *word)
{
	return adaptive_gate_claim(word);
}

extern "C" void bsdsync_test_spin_gate_leave(const volatile unsigned long *word)
{
	adaptive_gate_leave(word);
}

extern "C" const volatile unsigned long *bsdsync_test_spin_gate_head(
	const volatile unsigned long *word)
{
	return adaptive_gate_head(word);
}
