/*
 * The shared/exclusive lock behind sx(9) and rwlock(9): one lock word, one set of fast and
 * slow paths (shared_lock.cpp explains the word and every transition). What differs between
 * the two is a SharedLockKind: where waiters block (sx: sleep queues, rw: turnstiles),
 * whether the lock may be held across a sleep (sx) or is recorded as non-sleepable while held
 * (rw), how a plain wait blocks, whether Giant is dropped while waiting, and which per-thread
 * shared-hold counter lets a thread that already holds a shared lock of the kind pass waiting
 * writers (FreeBSD td_sx_slocks / td_rw_rlocks).
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
	int ThreadState::*shared_holds;	/* sx_slocks / rw_rlocks */
};

extern const SharedLockKind sx_kind;
extern const SharedLockKind rw_kind;

namespace sl {

constexpr uintptr kShared = BSDSYNC_SL_SHARED;
constexpr uintptr kSharedWaiters = BSDSYNC_SL_SHARED_WAITERS;
constexpr uintptr kExclusiveWaiters = BSDSYNC_SL_EXCLUSIVE_WAITERS;
constexpr uintptr kWaiters = kSharedWaiters | kExclusiveWaiters;
constexpr uintptr kWriteSpinner = BSDSYNC_SL_WRITE_SPINNER;
constexpr uintptr kRecursed = BSDSYNC_SL_RECURSED;
constexpr uintptr kFlagMask = BSDSYNC_SL_FLAGMASK;
constexpr uintptr kOneSharer = BSDSYNC_SL_ONE_SHARER;
constexpr uintptr kUnlocked = BSDSYNC_SL_UNLOCKED;
constexpr uintptr kDestroyed = BSDSYNC_SL_DESTROYED;
/* lo_flags class bit: SX_NOADAPTIVE, never spin on the owner. */
constexpr unsigned kNoAdaptive = 0x0001;

inline uintptr owner_of(uintptr v) { return (v & kShared) ? 0 : v & ~kFlagMask; }
inline uintptr sharers(uintptr v) { return (v & kShared) ? v >> BSDSYNC_SL_SHARERS_SHIFT : 0; }
inline uintptr self() { return (uintptr)curthread(); }
/* A new reader may enter: shared mode, no writer queued or spinning (writers are not
 * starved). */
inline bool readable(uintptr v)
{
	return (v & (kShared | kExclusiveWaiters | kWriteSpinner)) == kShared;
}

} // namespace sl

/* ---- per-thread bookkeeping (never touches the lock) ---------------------------------- */

inline void shared_acquired(const SharedLockKind &k, const lock_object *lo)
{
	if (ThreadState *t = td_self()) {
		t->*k.shared_holds += 1;
		if (!k.sleepable)
			nosleep_push(t, lo);
	}
}
inline void shared_released(const SharedLockKind &k, ThreadState *t, const lock_object *lo)
{
	if (t) {
		t->*k.shared_holds -= 1;
		if (!k.sleepable)
			nosleep_pop(t, lo);
	}
}
inline void exclusive_acquired(const SharedLockKind &k, const lock_object *lo)
{
	if (!k.sleepable)
		if (ThreadState *t = td_self())
			nosleep_push(t, lo);
}
inline void exclusive_released(const SharedLockKind &k, const lock_object *lo)
{
	if (!k.sleepable)
		if (ThreadState *t = td_peek())
			nosleep_pop(t, lo);
}

/* ---- the out-of-line parts (shared_lock.cpp) ------------------------------------------ */

BSDSYNC_COLD bool sl_bad(const SharedLockKind &k, const SharedLock *l, const char *op,
			 const char *file, int line);
/* sl_bad, for an acquisition: its result (EINVAL). */
BSDSYNC_COLD int sl_refuse(const SharedLockKind &k, const SharedLock *l, const char *op,
			   const char *file, int line);
int sl_xlock_slow(const SharedLockKind &k, SharedLock *l, uintptr v, bool interruptible,
		  const char *op, const char *file, int line);
int sl_slock_slow(const SharedLockKind &k, SharedLock *l, uintptr v, bool interruptible,
		  const char *op, const char *file, int line);
/* An acquisition by a thread that holds a non-sleepable lock or has no state yet: the
 * may-sleep check (sleepable kinds), then the slow path does the whole acquisition. */
int sl_lock_checked(const SharedLockKind &k, SharedLock *l, bool exclusive, bool interruptible,
		    const char *op, const char *file, int line);
void sl_xunlock_slow(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
		     int line);
void sl_sunlock_slow(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
		     int line);
int sl_try_xlock(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
		 int line);
int sl_try_slock(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
		 int line);
int sl_try_upgrade(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
		   int line);
void sl_downgrade(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
		  int line);
void sl_init(const SharedLockKind &k, SharedLock *l, const char *name, unsigned lo_flags,
	     bool is_new, const bsdsync_lock_site *site);
void sl_destroy(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
		int line);
void sl_assert(const SharedLockKind &k, const SharedLock *l, int what, const char *op,
	       const char *file, int line);
/* Lock class hooks (sleep(9) drops and retakes the lock): how = 1 shared, 0 exclusive. */
bool sl_class_unlock(const SharedLockKind &k, lock_object *lo, uintptr *how, const char *file,
		     int line);
void sl_class_lock(const SharedLockKind &k, lock_object *lo, uintptr how, const char *file,
		   int line);
bool sl_class_owned(const SharedLockKind &k, const lock_object *lo);

/* ---- the entry points, fast paths inline ---------------------------------------------- */

/* A live lock of this kind? One load and compare; the cold path says what is wrong. */
inline bool sl_ok(const SharedLockKind &k, const SharedLock *l)
{
	unsigned flags = load_relaxed(&l->lo.lo_flags);
	return likely((flags & (LO_INITIALIZED | LO_CLASSMASK)) ==
		      (LO_INITIALIZED | (k.class_index << LO_CLASSSHIFT)));
}
inline bool sl_live(const SharedLockKind &k, const SharedLock *l, const char *op,
		    const char *file, int line)
{
	if (sl_ok(k, l))
		return true;
	return sl_bad(k, l, op, file, line);
}

/*
 * The acquisitions test once for interrupt context (the slow path reports it and spins),
 * then look the thread's state up once for everything: the sleepable kind's may-sleep check
 * (one test of the thread's non-sleepable count), the shared-hold counter and the
 * non-sleepable record. A thread that holds a non-sleepable lock (a report to make), or has
 * no state yet (to create), goes out of line at once (sl_lock_checked), so that the fast
 * paths make no call but tail calls.
 */
inline int sl_xlock(const SharedLockKind &k, SharedLock *l, bool interruptible, const char *op,
		    const char *file, int line)
{
	if (unlikely(!sl_ok(k, l)))
		return sl_refuse(k, l, op, file, line);
	if (unlikely(bsdsync_in_interrupt()))
		return sl_xlock_slow(k, l, load_relaxed(&l->word), interruptible, op, file, line);
	ThreadState *t = td_peek_in_thread();
	if (unlikely(!t || (k.sleepable && t->nosleep_count > 0)))
		return sl_lock_checked(k, l, true, interruptible, op, file, line);
	uintptr v = sl::kUnlocked;
	/* Acquire: pairs with the release of the previous holder's unlock. */
	if (likely(cas_acquire(&l->word, &v, sl::self()))) {
		if (!k.sleepable)
			nosleep_push(t, &l->lo);
		return 0;
	}
	return sl_xlock_slow(k, l, v, interruptible, op, file, line);
}

inline int sl_slock(const SharedLockKind &k, SharedLock *l, bool interruptible, const char *op,
		    const char *file, int line)
{
	if (unlikely(!sl_ok(k, l)))
		return sl_refuse(k, l, op, file, line);
	if (unlikely(bsdsync_in_interrupt()))
		return sl_slock_slow(k, l, load_relaxed(&l->word), interruptible, op, file, line);
	ThreadState *t = td_peek_in_thread();
	if (unlikely(!t || (k.sleepable && t->nosleep_count > 0)))
		return sl_lock_checked(k, l, false, interruptible, op, file, line);
	uintptr v = load_relaxed(&l->word);
	/* Acquire: pairs with the release of the last writer's unlock or downgrade. Another
	 * reader's CAS in between only changes the count: retry while readable. */
	while (likely(sl::readable(v))) {
		if (likely(cas_acquire(&l->word, &v, v + sl::kOneSharer))) {
			t->*k.shared_holds += 1;
			if (!k.sleepable)
				nosleep_push(t, &l->lo);
			return 0;
		}
	}
	return sl_slock_slow(k, l, v, interruptible, op, file, line);
}

__attribute__((always_inline)) inline void sl_xunlock(const SharedLockKind &k, SharedLock *l,
						     const char *op, const char *file, int line)
{
	if (unlikely(!sl_ok(k, l))) {
		sl_bad(k, l, op, file, line);
		return;
	}
	uintptr v = sl::self();
	/* Release: the critical section cannot move below it; pairs with the acquire of the
	 * next owner. Fails (slow path) when recursed, waited on, or not ours. The bookkeeping
	 * after it only uses the lock's address as a key, never the lock's memory (which the
	 * next owner may already have freed). */
	if (likely(cas_release(&l->word, &v, sl::kUnlocked))) {
		exclusive_released(k, &l->lo);
		return;
	}
	sl_xunlock_slow(k, l, op, file, line);
}

__attribute__((always_inline)) inline void sl_sunlock(const SharedLockKind &k, SharedLock *l,
						     const char *op, const char *file, int line)
{
	if (unlikely(!sl_ok(k, l))) {
		sl_bad(k, l, op, file, line);
		return;
	}
	ThreadState *t = td_peek();
	uintptr v = load_relaxed(&l->word);
	/* Not the last reader: one fewer. The last one without waiters: unlocked. Anything else
	 * (waiters to wake, a spinning writer's bit to clear, a thread holding no shared lock)
	 * is the slow path. Another reader's CAS in between: retry. */
	if (likely(t && t->*k.shared_holds > 0)) {
		while (likely(v & sl::kShared)) {
			uintptr nv;
			if (sl::sharers(v) > 1)
				nv = v - sl::kOneSharer;
			else if (v == (sl::kUnlocked | sl::kOneSharer))
				nv = sl::kUnlocked;
			else
				break;
			/* Release: pairs with the acquire of the next writer. */
			if (likely(cas_release(&l->word, &v, nv))) {
				shared_released(k, t, &l->lo);
				return;
			}
		}
	}
	sl_sunlock_slow(k, l, op, file, line);
}

inline void sl_unlock(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
		      int line)
{
	if (sl::owner_of(load_relaxed(&l->word)) == sl::self())
		sl_xunlock(k, l, op, file, line);
	else
		sl_sunlock(k, l, op, file, line);
}

inline bool sl_xowned(const SharedLock *l)
{
	return sl::owner_of(load_relaxed(&l->word)) == sl::self();
}

inline thread *sl_xholder(const SharedLock *l)
{
	uintptr v = load_relaxed(&l->word);
	return v == sl::kDestroyed ? nullptr : (thread *)sl::owner_of(v);
}

inline bool sl_recursed(const SharedLock *l)
{
	return sl_xowned(l) && (load_relaxed(&l->word) & sl::kRecursed);
}

} // namespace bsdsync::fbsd

#endif
