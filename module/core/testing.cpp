/*
 * The KUnit entry points into the core (include/bsdsync/testing.h; exported only on kernels
 * with CONFIG_KUNIT, module/exports/bsdsync.c): the thread record, the lock-type registry, the
 * wait queues and the blocking tail, driven directly by kunit/core/ with no personality.
 */
#include <bsdsync/testing.h>
#include "core/block.h"
#include "core/thread.h"
#include "core/waitq.h"

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
