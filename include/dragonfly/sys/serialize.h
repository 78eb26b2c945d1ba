/*
 * <sys/serialize.h> for drivers ported from DragonFly BSD: serializer(9), lwkt_serialize.
 * An exclusive lock held across blocking (tsleep keeps it), not recursive (a recursion is
 * reported), with the interrupt-handler gate. lwkt_serialize_try returns 1 on success
 * (the code; the man page says 0); lwkt_serialize_handler_try returns 0 if the handler ran.
 * module/dragonfly/serialize.cpp has the semantics.
 *
 * The production build (<sys/_inline_locks.h>: -DBSDSYNC_NO_INVARIANTS), as DragonFly's own
 * lwkt_serialize_enter (one atomic_cmpset when free): lwkt_serialize_enter and
 * lwkt_serialize_exit are inline, no call when the serializer is free:
 *   enter  while no lock-event sink is attached, in thread context, one CAS of interlock
 *          from 0 to SLZ_HELD | SLZ_UNRECORDED | 1, acquire (pairs with the release of the
 *          previous exit), then last_td = curthread (relaxed: only the holder writes it);
 *   exit   when last_td is curthread: last_td cleared, then one CAS from
 *          SLZ_HELD | SLZ_UNRECORDED | 1 to 0, release (pairs with the next enter's
 *          acquire); if that CAS fails (a waiter queued, the handler disabled, a recorded
 *          or recursed hold), last_td is put back.
 * Anything else calls the module, which first records the caller's own inline hold
 * ("adopts" it, module/dragonfly/sleep_lock.h) and then does all the checked build does
 * (the recursion and foreign-exit reports, waiters, zsleep, the handler gate). What it
 * loses, for inline holds not yet adopted: they are not in the held-locks stack, so a
 * thread exiting with one is not reported, and witness and lock profiling see them only if
 * taken while a sink is attached.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_SERIALIZE_H_
#define _BSDSYNC_DRAGONFLY_SYS_SERIALIZE_H_

#include <sys/types.h>
#include <bsdsync/dragonfly/serialize.h>
#include <sys/_inline_locks.h>

typedef struct lwkt_serialize *lwkt_serialize_t;

#define LWKT_SERIALIZE_INITIALIZER	{ 0, 0, 0 }

static inline void lwkt_serialize_init(lwkt_serialize_t s)
{
	__atomic_store_n(&s->interlock, 0u, __ATOMIC_RELAXED);
	s->pad = 0;
	s->last_td = 0;
}

#if BSDSYNC_INLINE_LOCKS
static __always_inline void
__dfly_serialize_enter_inline(lwkt_serialize_t s, const char *file, int line)
{
	unsigned int v = 0;

	if (__builtin_expect(__dfly_inline_events_off() && in_task() &&
			     __atomic_compare_exchange_n(&s->interlock, &v,
					BSDSYNC_DFLY_SLZ_HELD | BSDSYNC_DFLY_SLZ_UNRECORDED | 1u,
					0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 1)) {
		__atomic_store_n(&s->last_td, (void *)current, __ATOMIC_RELAXED);
		return;
	}
	dfly_lwkt_serialize_enter(s, file, line);
}

static __always_inline void
__dfly_serialize_exit_inline(lwkt_serialize_t s, const char *file, int line)
{
	if (__builtin_expect(__atomic_load_n(&s->last_td, __ATOMIC_RELAXED) == (void *)current,
			     1)) {
		unsigned int v = BSDSYNC_DFLY_SLZ_HELD | BSDSYNC_DFLY_SLZ_UNRECORDED | 1u;

		__atomic_store_n(&s->last_td, (void *)0, __ATOMIC_RELAXED);
		if (__builtin_expect(__atomic_compare_exchange_n(&s->interlock, &v, 0u, 0,
				__ATOMIC_RELEASE, __ATOMIC_RELAXED), 1))
			return;
		__atomic_store_n(&s->last_td, (void *)current, __ATOMIC_RELAXED);
	}
	dfly_lwkt_serialize_exit(s, file, line);
}
#define lwkt_serialize_enter(s)		__dfly_serialize_enter_inline((s), __FILE__, __LINE__)
#define lwkt_serialize_exit(s)		__dfly_serialize_exit_inline((s), __FILE__, __LINE__)
#else
#define lwkt_serialize_enter(s)		dfly_lwkt_serialize_enter((s), __FILE__, __LINE__)
#define lwkt_serialize_exit(s)		dfly_lwkt_serialize_exit((s), __FILE__, __LINE__)
#endif
#define lwkt_serialize_adaptive_enter(s)					\
	dfly_lwkt_serialize_adaptive_enter((s), __FILE__, __LINE__)
#define lwkt_serialize_try(s)		dfly_lwkt_serialize_try((s), __FILE__, __LINE__)
#define lwkt_serialize_handler_disable(s)	dfly_lwkt_serialize_handler_disable((s))
#define lwkt_serialize_handler_enable(s)	dfly_lwkt_serialize_handler_enable((s))
#define lwkt_serialize_handler_call(s, func, arg, frame)			\
	dfly_lwkt_serialize_handler_call((s), (func), (arg), (frame), __FILE__, __LINE__)
#define lwkt_serialize_handler_try(s, func, arg, frame)				\
	dfly_lwkt_serialize_handler_try((s), (func), (arg), (frame), __FILE__, __LINE__)
#define IS_SERIALIZED(s)		dfly_lwkt_serialize_is_serialized((s))
#define ASSERT_SERIALIZED(s)		dfly_lwkt_serialize_assert((s), 1, __FILE__, __LINE__)
#define ASSERT_NOT_SERIALIZED(s)	dfly_lwkt_serialize_assert((s), 0, __FILE__, __LINE__)
/* zsleep(9) (DragonFly declares it in <sys/systm.h>): the serializer held again after. */
#define zsleep(ident, s, flags, wmesg, timo)					\
	dfly_zsleep((ident), (s), (flags), (wmesg), (timo), __FILE__, __LINE__)

#endif
