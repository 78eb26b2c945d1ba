/*
 * The shared/exclusive lock behind sx(9) and rwlock(9): one lock word, one set of fast and
 * slow paths (shared_lock.cpp explains the word and every transition). What differs between
 * the two is a SharedLockKind: where waiters block (sx: sleep queues, rw: turnstiles),
 * whether the lock may be held across a sleep (sx) or is recorded as non-sleepable while held
 * (rw), how a plain wait blocks, whether Giant is dropped while waiting, and the core lock
 * type its holds are recorded under in the thread's held-locks stack (a thread that already
 * holds a shared lock of the kind passes waiting writers: FreeBSD td_sx_slocks /
 * td_rw_rlocks, here a query of that stack).
 *
 * The fast paths are inline here (one CAS each, plus the per-thread bookkeeping); everything
 * else is out of line in shared_lock.cpp.
 */
#ifndef BSDSYNC_FREEBSD_SHARED_LOCK_H
#define BSDSYNC_FREEBSD_SHARED_LOCK_H

#include <bsdsync/freebsd/sx.h>
#include <bsdsync/freebsd/rwlock.h>
#include <bsdsync/freebsd/sleep.h>
#include "freebsd/lock_class.h"
#include "core/thread.h"
#include "core/waitq.h"

namespace bsdsync::fbsd {

/* struct sx and struct rwlock, seen by the common code. */
struct SharedLock {
	lock_object lo;
	volatile uintptr word;
};
static_assert(__builtin_offsetof(sx, sx_lock) == __builtin_offsetof(SharedLock, word));
static_assert(__builtin_offsetof(rwlock, rw_lock) == __builtin_offsetof(SharedLock, word));
static_assert(sizeof(sx) == sizeof(SharedLock) && sizeof(rwlock) == sizeof(SharedLock));
static_assert(sizeof(SharedLock) == 32, "FreeBSD's size");

struct SharedLockKind {
	const char *name;		/* "sx", "rw": prefix of the operation names in reports */
	unsigned class_index;		/* BSDSYNC_CLASS_SX / _RW */
	WaitTable *table;		/* sleep_queues (sx) or turnstiles (rw) */
	bool sleepable;			/* sx: may sleep holding it; taking it may sleep */
	bool drop_giant;		/* sx: Giant is released while waiting (spin or block) */
	bsdsync_block_state block_state;	/* how a wait that ignores signals blocks */
	const LockType *type;		/* lock_type_sx / lock_type_rw */
	unsigned count_index;		/* BSDSYNC_SL_COUNT_SX / _RW: the thread's count */
};

extern const SharedLockKind sx_kind;
extern const SharedLockKind rw_kind;

namespace lock_word {

constexpr uintptr kShared = BSDSYNC_SL_SHARED;
constexpr uintptr kSharedWaiters = BSDSYNC_SL_SHARED_WAITERS;
constexpr uintptr kExclusiveWaiters = BSDSYNC_SL_EXCLUSIVE_WAITERS;
constexpr uintptr kWaiters = kSharedWaiters | kExclusiveWaiters;
constexpr uintptr kWriteSpinner = BSDSYNC_SL_WRITE_SPINNER;
constexpr uintptr kRecursed = BSDSYNC_SL_RECURSED;
constexpr uintptr kFlagMask = BSDSYNC_SL_FLAGMASK;
/* An exclusive hold taken inline by a driver built for production: no held-locks record,
 * no event (shared_lock.cpp). Not a flag of shared mode, where it is a count bit. */
constexpr uintptr kUnrecorded = BSDSYNC_SL_UNRECORDED;
constexpr uintptr kOwnerFlags = kFlagMask | kUnrecorded;
constexpr uintptr kOneSharer = BSDSYNC_SL_ONE_SHARER;
constexpr uintptr kUnlocked = BSDSYNC_SL_UNLOCKED;
constexpr uintptr kDestroyed = BSDSYNC_SL_DESTROYED;
/* lo_flags class bit: SX_NOADAPTIVE, never spin on the owner. */
constexpr unsigned kNoAdaptive = 0x0001;

inline uintptr owner_of(uintptr v) { return (v & kShared) ? 0 : v & ~kOwnerFlags; }
inline uintptr sharers(uintptr v) { return (v & kShared) ? v >> BSDSYNC_SL_SHARERS_SHIFT : 0; }
inline uintptr self() { return (uintptr)curthread(); }
/* A new reader may enter: shared mode, no writer queued or spinning (writers are not
 * starved). */
inline bool readable(uintptr v)
{
	return (v & (kShared | kExclusiveWaiters | kWriteSpinner)) == kShared;
}
/* A writer may take it: free, whatever waiter bits it keeps, and a spinning writer's bit
 * the last reader left (shared_lock.cpp spin_on_readers), which the taker drops. */
inline bool writable(uintptr v)
{
	return (v & ~(kWaiters | kWriteSpinner)) == kUnlocked;
}

} // namespace lock_word

/* ---- per-thread bookkeeping (never touches the lock) ---------------------------------- */
/* Every hold the module takes, shared or exclusive, is recorded in the thread's held-locks
 * stack with its lock events (core/thread.h); `t` may be null (interrupt context: the event
 * only). Shared holds are one record per acquisition; exclusive holds one record, recursions
 * are events.
 *
 * Beside the records, the thread's count of its shared holds of the kind (FreeBSD's
 * td_rw_rlocks / td_sx_slocks; HeldLocks::counts[k.count_index], <bsdsync/freebsd/sx.h>):
 * kCountRecorded per hold the module recorded (kept with the record: shared_acquired,
 * shared_released, the fast paths), plus one per hold the inline rw_rlock/sx_slock of a
 * driver built for production took (<sys/lock.h>: those have no record, no event, and an rw
 * one also counts in held.nosleep). The inline release only takes a hold off the low part
 * while the high part is zero: a thread that holds any recorded shared lock of the kind
 * releases through the module, which takes the record of that lock if it has one, else one
 * inline hold (shared_released). So the inline path never removes a hold that has a record,
 * and the module never counts a hold twice. Readers of the count: the writer-starvation
 * exception (shared_lock_slock_slow: any hold of the kind, recorded or inline, passes waiting
 * writers) and holds_shared (an inline hold may be of any lock of the kind). */

constexpr HoldMode kSharedHold = HoldMode::Shared;
constexpr HoldMode kExclusiveHold = HoldMode::Exclusive;
constexpr int kCountRecorded = BSDSYNC_SL_COUNT_RECORDED;
static_assert(kCountRecorded == BSDSYNC_TD_COUNT_RECORDED, "core's held_pop_counted");
constexpr int kCountInline = BSDSYNC_SL_COUNT_RECORDED - 1;	/* mask of the inline part */

inline int &shared_count(const SharedLockKind &k, ThreadState *t)
{
	return t->held.counts[k.count_index];
}
inline int shared_count(const SharedLockKind &k, const ThreadState *t)
{
	return t->held.counts[k.count_index];
}

inline void shared_acquired(const SharedLockKind &k, ThreadState *t, const SharedLock *l,
			    unsigned flags, const char *file, int line)
{
	if (likely(t))
		shared_count(k, t) += kCountRecorded;
	held_acquired(t, &l->lo, k.type, kSharedHold, flags, file, line);
}
/* A shared hold of the thread ends: its record if it has one of l (with RELEASED), else one
 * of its inline holds (no event: the sinks never saw it acquired). False if it has neither
 * (it does not hold l shared); t null (interrupt): the event only, true. */
inline bool shared_released(const SharedLockKind &k, ThreadState *t, const SharedLock *l,
			    const char *file, int line)
{
	if (likely(t)) {
		switch (held_pop_counted(t, &shared_count(k, t), &l->lo, k.type, kSharedHold)) {
		case CountedHold::Recorded:
			break;
		case CountedHold::Inline:
			t->held.nosleep -= !k.sleepable;
			return true;
		case CountedHold::None:
			lock_event_released(&l->lo, k.type, kSharedHold, 0, file, line);
			return false;
		}
	}
	lock_event_released(&l->lo, k.type, kSharedHold, 0, file, line);
	return true;
}
inline void exclusive_acquired(const SharedLockKind &k, ThreadState *t, const SharedLock *l,
			       unsigned flags, const char *file, int line)
{
	held_acquired(t, &l->lo, k.type, kExclusiveHold, flags, file, line);
}
inline void exclusive_released(const SharedLockKind &k, ThreadState *t, const SharedLock *l,
			       const char *file, int line)
{
	held_released(t, &l->lo, k.type, kExclusiveHold, file, line);
}
/* Does the current thread (t) hold l shared? Holds below the recorded ones count as yes, and
 * so do inline holds (their lock is not known: any of the kind may be one). */
inline bool holds_shared(const SharedLockKind &k, const ThreadState *t, const SharedLock *l)
{
	bool unrecorded;
	return t && (held_count(t, &l->lo, kSharedHold, &unrecorded) > 0 || unrecorded ||
		     (shared_count(k, t) & kCountInline));
}

/* ---- the out-of-line parts (shared_lock.cpp) ------------------------------------------ */

BSDSYNC_COLD bool shared_lock_bad(const SharedLockKind &k, const SharedLock *l, const char *op,
				  const char *file, int line);
/* shared_lock_bad, for an acquisition: its result (EINVAL). */
BSDSYNC_COLD int shared_lock_refuse(const SharedLockKind &k, const SharedLock *l, const char *op,
				    const char *file, int line);
int shared_lock_xlock_slow(const SharedLockKind &k, SharedLock *l, uintptr v, bool interruptible,
			   const char *op, const char *file, int line);
int shared_lock_slock_slow(const SharedLockKind &k, SharedLock *l, uintptr v, bool interruptible,
			   const char *op, const char *file, int line);
/* An acquisition while a lock-event sink is attached: ACQUIRING, then as
 * shared_lock_acquire_checked (the slow paths send CONTENDED and ACQUIRED), so that the
 * fast paths carry no event. The releases go to their slow paths, which send RELEASED. */
int shared_lock_with_events(const SharedLockKind &k, SharedLock *l, bool exclusive,
			    bool interruptible, const char *op, const char *file, int line);
/* A fast release whose record was not the thread's newest (or that has no record): the
 * removal out of line. */
void shared_lock_release_record(const SharedLockKind &k, ThreadState *t, const SharedLock *l,
				HoldMode mode, const char *file, int line);
/* An acquisition by a thread that holds a non-sleepable lock or has no state yet: the
 * may-sleep check (sleepable kinds), then the slow path does the whole acquisition. */
int shared_lock_acquire_checked(const SharedLockKind &k, SharedLock *l, bool exclusive,
				bool interruptible, const char *op, const char *file, int line);
void shared_lock_xunlock_slow(const SharedLockKind &k, SharedLock *l, const char *op,
			      const char *file, int line);
void shared_lock_sunlock_slow(const SharedLockKind &k, SharedLock *l, const char *op,
			      const char *file, int line);
int shared_lock_try_xlock(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
			  int line);
int shared_lock_try_slock(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
			  int line);
int shared_lock_try_upgrade(const SharedLockKind &k, SharedLock *l, const char *op,
			    const char *file, int line);
void shared_lock_downgrade(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
			   int line);
void shared_lock_init(const SharedLockKind &k, SharedLock *l, const char *name, unsigned lo_flags,
		      bool is_new, const bsdsync_lock_site *site);
void shared_lock_destroy(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
			 int line);
void shared_lock_assert(const SharedLockKind &k, const SharedLock *l, int what, const char *op,
			const char *file, int line);
/* Lock class hooks (sleep(9) drops and retakes the lock): how = 1 shared, 0 exclusive. */
bool shared_lock_class_unlock(const SharedLockKind &k, lock_object *lo, uintptr *how,
			      const char *file, int line);
void shared_lock_class_lock(const SharedLockKind &k, lock_object *lo, uintptr how, const char *file,
			    int line);
bool shared_lock_class_owned(const SharedLockKind &k, const lock_object *lo);

/* ---- the entry points, fast paths inline ---------------------------------------------- */

/* A live lock of this kind? One load and compare; the cold path says what is wrong. */
inline bool shared_lock_ok(const SharedLockKind &k, const SharedLock *l)
{
	unsigned flags = load_relaxed(&l->lo.lo_flags);
	return likely((flags & (LO_INITIALIZED | LO_CLASSMASK)) ==
		      (LO_INITIALIZED | (k.class_index << LO_CLASSSHIFT)));
}
inline bool shared_lock_live(const SharedLockKind &k, const SharedLock *l, const char *op,
			     const char *file, int line)
{
	if (shared_lock_ok(k, l))
		return true;
	return shared_lock_bad(k, l, op, file, line);
}

/*
 * The acquisitions send ACQUIRING, test once for interrupt context (the slow path reports
 * it and spins), then look the thread's record up once for everything: the sleepable kind's
 * may-sleep check (one test of the thread's non-sleepable count) and the held-lock record.
 * A thread that holds a non-sleepable lock (a report to make), or has no record yet (to
 * create), goes out of line at once (shared_lock_acquire_checked), so that the fast paths
 * make no call but tail calls.
 */
BSDSYNC_ALWAYS_INLINE int shared_lock_xlock(const SharedLockKind &k, SharedLock *l, bool interruptible,
			     const char *op, const char *file, int line)
{
	if (unlikely(!shared_lock_ok(k, l)))
		return shared_lock_refuse(k, l, op, file, line);
	if (unlikely(lock_events_on()))
		return shared_lock_with_events(k, l, true, interruptible, op, file, line);
	if (unlikely(bsdsync_in_interrupt()))
		return shared_lock_xlock_slow(k, l, load_relaxed(&l->word), interruptible, op, file,
					      line);
	/* A miss of the record cache takes the checked path too (it looks the record up). */
	ThreadState *t = current_record_cached_in_thread();
	if (unlikely(!t || (k.sleepable && t->held.nosleep > 0)))
		return shared_lock_acquire_checked(k, l, true, interruptible, op, file, line);
	uintptr v = lock_word::kUnlocked;
	/* Acquire: pairs with the release of the previous holder's unlock. */
	if (likely(cas_acquire(&l->word, &v, lock_word::self()))) {
		held_record(t, &l->lo, k.type, kExclusiveHold, !k.sleepable, file, line);
		return 0;
	}
	return shared_lock_xlock_slow(k, l, v, interruptible, op, file, line);
}

BSDSYNC_ALWAYS_INLINE int shared_lock_slock(const SharedLockKind &k, SharedLock *l, bool interruptible,
			     const char *op, const char *file, int line)
{
	if (unlikely(!shared_lock_ok(k, l)))
		return shared_lock_refuse(k, l, op, file, line);
	if (unlikely(lock_events_on()))
		return shared_lock_with_events(k, l, false, interruptible, op, file, line);
	if (unlikely(bsdsync_in_interrupt()))
		return shared_lock_slock_slow(k, l, load_relaxed(&l->word), interruptible, op, file,
					      line);
	/* A miss of the record cache takes the checked path too (it looks the record up). */
	ThreadState *t = current_record_cached_in_thread();
	if (unlikely(!t || (k.sleepable && t->held.nosleep > 0)))
		return shared_lock_acquire_checked(k, l, false, interruptible, op, file, line);
	uintptr v = load_relaxed(&l->word);
	/* Acquire: pairs with the release of the last writer's unlock or downgrade. Another
	 * reader's CAS in between only changes the count: retry while readable. */
	while (likely(lock_word::readable(v))) {
		if (likely(cas_acquire(&l->word, &v, v + lock_word::kOneSharer))) {
			held_record(t, &l->lo, k.type, kSharedHold, !k.sleepable, file, line);
			shared_count(k, t) += kCountRecorded;
			return 0;
		}
	}
	return shared_lock_slock_slow(k, l, v, interruptible, op, file, line);
}

BSDSYNC_ALWAYS_INLINE void shared_lock_xunlock(const SharedLockKind &k, SharedLock *l,
					    const char *op, const char *file, int line)
{
	if (unlikely(!shared_lock_ok(k, l))) {
		shared_lock_bad(k, l, op, file, line);
		return;
	}
	if (unlikely(lock_events_on())) {
		shared_lock_xunlock_slow(k, l, op, file, line);	/* sends RELEASED */
		return;
	}
	uintptr v = lock_word::self();
	/* Release: the critical section cannot move below it; pairs with the acquire of the
	 * next owner. Fails (slow path) when recursed, waited on, or not ours. The bookkeeping
	 * after it only uses the lock's address as a key, never the lock's memory (which the
	 * next owner may already have freed). */
	if (likely(cas_release(&l->word, &v, lock_word::kUnlocked))) {
		ThreadState *t = current_record_cached();	/* a miss: looked up there */
		if (unlikely(!t || !held_pop_top_exact(t, &l->lo, kExclusiveHold, !k.sleepable)))
			shared_lock_release_record(k, t, l, kExclusiveHold, file, line);
		return;
	}
	shared_lock_xunlock_slow(k, l, op, file, line);
}

BSDSYNC_ALWAYS_INLINE void shared_lock_sunlock(const SharedLockKind &k, SharedLock *l,
					    const char *op, const char *file, int line)
{
	if (unlikely(!shared_lock_ok(k, l))) {
		shared_lock_bad(k, l, op, file, line);
		return;
	}
	if (unlikely(lock_events_on())) {
		shared_lock_sunlock_slow(k, l, op, file, line);	/* sends RELEASED */
		return;
	}
	ThreadState *t = current_record_cached();	/* a miss: the slow path */
	uintptr v = load_relaxed(&l->word);
	/* Not the last reader: one fewer. The last one without waiters: unlocked. Anything else
	 * (waiters to wake, a spinning writer's bit to clear, a hold that is not the thread's
	 * newest record, or no hold at all) is the slow path. Another reader's CAS in between:
	 * retry. The record goes first (as the hold it stands for is ending), and comes back if
	 * the fast path does not release. */
	if (likely(t && held_pop_top_exact(t, &l->lo, kSharedHold, !k.sleepable))) {
		while (likely(v & lock_word::kShared)) {
			uintptr nv;
			if (lock_word::sharers(v) > 1)
				nv = v - lock_word::kOneSharer;
			else if (v == (lock_word::kUnlocked | lock_word::kOneSharer))
				nv = lock_word::kUnlocked;
			else
				break;
			/* Release: pairs with the acquire of the next writer. */
			if (likely(cas_release(&l->word, &v, nv))) {
				shared_count(k, t) -= kCountRecorded;
				return;
			}
		}
		held_unpop(t);	/* the slow path removes it */
	}
	shared_lock_sunlock_slow(k, l, op, file, line);
}

inline void shared_lock_unlock(const SharedLockKind &k, SharedLock *l, const char *op,
			       const char *file, int line)
{
	if (lock_word::owner_of(load_relaxed(&l->word)) == lock_word::self())
		shared_lock_xunlock(k, l, op, file, line);
	else
		shared_lock_sunlock(k, l, op, file, line);
}

inline bool shared_lock_xowned(const SharedLock *l)
{
	return lock_word::owner_of(load_relaxed(&l->word)) == lock_word::self();
}

inline thread *shared_lock_xholder(const SharedLock *l)
{
	uintptr v = load_relaxed(&l->word);
	return v == lock_word::kDestroyed ? nullptr : (thread *)lock_word::owner_of(v);
}

inline bool shared_lock_recursed(const SharedLock *l)
{
	return shared_lock_xowned(l) && (load_relaxed(&l->word) & lock_word::kRecursed);
}

} // namespace bsdsync::fbsd

#endif
