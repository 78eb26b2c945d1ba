/*
 * DragonFly's serializer, serializer(9) (bsd-api-reference.md section 27): an exclusive
 * lock that may be held across blocking (tsleep keeps it), not recursive and without
 * deadlock protection, plus the interrupt-handler gate network drivers use
 * (ifp->if_serializer): handler_disable/enable set and clear a "disabled" bit that
 * handler_call and handler_try test before and after entering.
 *
 * The transitions are the DragonFly sleep lock's (sleep_lock.h, shared with lockmgr and
 * mtx), exclusive side only, over the word `interlock` (include/bsdsync/dragonfly/
 * serialize.h: HELD and a count, WAITERS, DISABLED kept by every transition). A contended
 * enter waits on the serializer's channel of sleep_queues (DragonFly sleeps on its address
 * with "slize"). adaptive_enter polls a bounded number of times first, as DragonFly's
 * SLZ_ADAPTIVE_SPINMAX loop does (the holder is not in the word, so there is no owner to
 * watch run). A recursion (DragonFly's KKASSERT) is reported once and counted, so the two
 * exits stay balanced; an exit by a thread that does not hold it is reported and ignored.
 * try returns 1 on success (DragonFly's code; its man page says 0). In interrupt context
 * (DragonFly's interrupt threads may wait, a Linux interrupt may not) a waiting enter is
 * reported and tried instead; handler_call there does not run a handler whose serializer
 * it could not enter.
 */
#include <bsdsync/dragonfly/serialize.h>
#include "dragonfly/sleep_lock.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace bsdsync::dfly {

namespace {

void describe_serializer(const void *lock, const char **name, const bsdsync_lock_site **site,
			 unsigned *witness_flags)
{
	*name = "lwkt_serialize";	/* DragonFly's serializers have no name */
	*site = nullptr;
	if (witness_flags)
		*witness_flags = 0;
}

} // namespace

/* Sleepable, exclusive only, not recursive, may sleep to take. */
constinit const LockType serializer_type = {
	"DragonFly serializer", BSDSYNC_LT_SLEEPABLE | BSDSYNC_LT_MAY_SLEEP, describe_serializer
};

} // namespace bsdsync::dfly

namespace {

constexpr unsigned kHeld = BSDSYNC_DFLY_SLZ_HELD;
constexpr unsigned kMask = BSDSYNC_DFLY_SLZ_MASK;
constexpr unsigned kDisabled = BSDSYNC_DFLY_SLZ_DISABLED;
/* adaptive_enter's polls before it sleeps (DragonFly's SLZ_ADAPTIVE_SPINMAX order). */
constexpr int kAdaptivePolls = 1000;

struct SlzLayout {
	using Word = unsigned int;
	static constexpr Word kExWait = BSDSYNC_DFLY_SLZ_WAITERS;
	static constexpr Word kShWait = 0;	/* exclusive only */
	static constexpr Word kUpReq = 0;
	static constexpr Word kCancel = 0;
	static constexpr int kCount = -1;	/* no shared holds to count */
	static Word xcount(Word v) { return (v & kHeld) ? v & kMask : 0; }
	static Word scount(Word) { return 0; }
	static bool is_free(Word v) { return !(v & kMask); }
	static Word make_exclusive(Word v) { return (v & ~kMask) | kHeld | 1; }
	static Word free_exclusive(Word v) { return v & ~(kHeld | kMask); }
	/* No shared holds: never called with one. */
	static Word add_shared(Word v) { return v; }
	static Word sub_shared(Word v) { return v; }
	static Word exclusive_to_shared(Word v) { return v; }
	struct Deferred {};
	static void *anon() { return nullptr; }
	static bool async_pending(const SleepLock<SlzLayout> &) { return false; }
	static void async_granted(const SleepLock<SlzLayout> &, Deferred &) {}
	/* The lock at `id` (sleep_lock.h's out-of-line tails). */
	static SleepLock<SlzLayout> of(const void *id);
};
using L = SlzLayout;

SleepLock<L> engine(struct lwkt_serialize *s)
{
	return SleepLock<L>{ &s->interlock, &s->last_td, s, &serializer_type };
}

SleepLock<L> L::of(const void *id)
{
	return engine(static_cast<struct lwkt_serialize *>(const_cast<void *>(id)));
}

/* The caller's inline hold (<sys/serialize.h>'s production build: HELD | UNRECORDED | 1,
 * last_td the caller), recorded before anything else looks at the serializer
 * (sleep_lock.h adopt_unrecorded). The fast paths need not: such a word fails their CAS
 * and their record check, and their slow paths adopt. */
void adopt(struct lwkt_serialize *s, const char *file, int line)
{
	sleep_lock::adopt_unrecorded(engine(s), BSDSYNC_DFLY_SLZ_UNRECORDED, file, line);
}

SleepRequest request(const char *what, bool nowait, const char *file, int line)
{
	SleepRequest r{};
	r.what = what;
	r.nowait = nowait;
	r.is_try = nowait;
	r.busy = BSDSYNC_EBUSY;
	r.file = file;
	r.line = line;
	if (unlikely(bsdsync_in_interrupt()) && !nowait) {
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, lock_subject(&serializer_type, nullptr), file,
		       line, "%s in interrupt context: tried instead", what);
		r.nowait = true;
	}
	return r;
}

bool disabled(struct lwkt_serialize *s)
{
	return load_relaxed(&s->interlock) & kDisabled;
}

/* The engine's paths of enter and exit, out of line: the uncontended paths inline there
 * then need no stack frame. */
BSDSYNC_NOINLINE void enter_slow(struct lwkt_serialize *s, const char *file, int line)
{
	adopt(s, file, line);
	SleepRequest r = request("lwkt_serialize_enter", false, file, line);
	sleep_lock::lock_exclusive(engine(s), r);
}

BSDSYNC_NOINLINE void exit_slow(struct lwkt_serialize *s, const char *file, int line)
{
	adopt(s, file, line);
	sleep_lock::release(engine(s), "lwkt_serialize_exit", file, line);
}

} // namespace

extern "C" {

void dfly_lwkt_serialize_enter(struct lwkt_serialize *s, const char *file, int line)
{
	/* Free, not disabled, no waiter (sleep_lock.h fast_xlock): inline. A serializer
	 * hold may sleep: nosleep is false. */
	if (likely(sleep_lock::fast_xlock(engine(s), false, file, line)))
		return;
	enter_slow(s, file, line);
}

void dfly_lwkt_serialize_adaptive_enter(struct lwkt_serialize *s, const char *file, int line)
{
	adopt(s, file, line);
	SleepLock<L> e = engine(s);
	SpinCount spins;
	for (int i = 0; i < kAdaptivePolls; i++) {
		unsigned v = load_relaxed(&s->interlock);
		if (L::is_free(v)) {
			SleepRequest r = request("lwkt_serialize_adaptive_enter", true, file, line);
			r.is_try = false;
			if (sleep_lock::lock_exclusive(e, r) == 0)
				return;
		} else if (load_relaxed(&s->last_td) == sleep_lock::self()) {
			break;	/* a recursion: reported below */
		}
		bsdsync_cpu_relax();
		spins.tick();
	}
	SleepRequest r = request("lwkt_serialize_adaptive_enter", false, file, line);
	sleep_lock::lock_exclusive(e, r);
}

int dfly_lwkt_serialize_try(struct lwkt_serialize *s, const char *file, int line)
{
	adopt(s, file, line);
	SleepRequest r = request("lwkt_serialize_try", true, file, line);
	return sleep_lock::lock_exclusive(engine(s), r) == 0;
}

void dfly_lwkt_serialize_exit(struct lwkt_serialize *s, const char *file, int line)
{
	/* The thread's newest hold, no waiter (sleep_lock.h fast_release): inline. */
	if (likely(sleep_lock::fast_release(engine(s), false)))
		return;
	exit_slow(s, file, line);
}

void dfly_lwkt_serialize_handler_disable(struct lwkt_serialize *s)
{
	fetch_or_relaxed(&s->interlock, kDisabled);
}

void dfly_lwkt_serialize_handler_enable(struct lwkt_serialize *s)
{
	fetch_and_relaxed(&s->interlock, ~kDisabled);
}

void dfly_lwkt_serialize_handler_call(struct lwkt_serialize *s, void (*func)(void *, void *),
				      void *arg, void *frame, const char *file, int line)
{
	if (disabled(s))
		return;
	if (unlikely(bsdsync_in_interrupt())) {
		/* A DragonFly interrupt thread may wait here; a Linux interrupt may not: the
		 * enter is reported and tried (request()), and a handler whose serializer is
		 * busy is not run (not unserialized, not followed by an exit of a serializer
		 * this context does not hold). */
		SleepRequest r = request("lwkt_serialize_handler_call", false, file, line);
		if (sleep_lock::lock_exclusive(engine(s), r) != 0)
			return;
	} else {
		dfly_lwkt_serialize_enter(s, file, line);
	}
	/* Looked at again under the serializer: a disable that came while it waited wins. */
	if (!disabled(s))
		func(arg, frame);
	dfly_lwkt_serialize_exit(s, file, line);
}

int dfly_lwkt_serialize_handler_try(struct lwkt_serialize *s, void (*func)(void *, void *),
				    void *arg, void *frame, const char *file, int line)
{
	if (disabled(s) || !dfly_lwkt_serialize_try(s, file, line))
		return 1;
	int ran = !disabled(s);
	if (ran)
		func(arg, frame);
	dfly_lwkt_serialize_exit(s, file, line);
	return ran ? 0 : 1;
}

int dfly_lwkt_serialize_is_serialized(struct lwkt_serialize *s)
{
	return (load_relaxed(&s->interlock) & kHeld) &&
	       load_relaxed(&s->last_td) == sleep_lock::self();
}

void dfly_lwkt_serialize_assert(struct lwkt_serialize *s, int held, const char *file, int line)
{
	if (!!dfly_lwkt_serialize_is_serialized(s) == !!held)
		return;
	report(BSDSYNC_RULE_ASSERTION, lock_subject(&serializer_type, s), file, line,
	       held ? "ASSERT_SERIALIZED: the caller does not hold the serializer"
		    : "ASSERT_NOT_SERIALIZED: the caller holds the serializer");
}

int dfly_zsleep(const volatile void *ident, struct lwkt_serialize *s, int flags,
		const char *wmesg, int timo, const char *file, int line)
{
	if (!dfly_lwkt_serialize_is_serialized(s)) {
		report(BSDSYNC_RULE_NOT_OWNER, lock_subject(&serializer_type, s), file, line,
		       "zsleep with a serializer the caller does not hold");
		return BSDSYNC_EINVAL;
	}
	/* Queued before the exit: a wakeup after it finds the sleeper (sleep.cpp). */
	dfly_tsleep_interlock(ident, flags, file, line);
	dfly_lwkt_serialize_exit(s, file, line);
	int error = dfly_tsleep(ident, flags | BSDSYNC_DFLY_PINTERLOCKED, wmesg, timo, file,
				line);
	dfly_lwkt_serialize_enter(s, file, line);
	return error;
}

} // extern "C"
