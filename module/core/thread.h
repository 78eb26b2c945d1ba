/*
 * Per-thread state: what FreeBSD keeps in struct thread for its locks (td_rw_rlocks,
 * td_sx_slocks, the rm read trackers, witness's list of held non-sleepable locks), here in a
 * record per Linux task (module/platform/thread.c finds it by task pointer).
 *
 * Only the owning thread touches its ThreadState, so every field is plain, except `prio`
 * (priority propagation: other threads lend priority through it, under its lock). Interrupt
 * handlers have none (td_self() returns null there; locks that use it are not allowed in
 * interrupt context anyway and say so in their own reports).
 *
 * Non-sleepable locks (FreeBSD: a class without LC_SLEEPABLE: sleep mutexes, rw, rm without
 * RM_SLEEPABLE) are recorded while held, newest last, so that sleeping, or taking a lock that
 * may sleep (sx, lockmgr, sleepable rm), with one held is reported naming it (FreeBSD's
 * witness: "sleeping with non-sleepable locks held"). The first kHeldTrack are remembered;
 * deeper nesting is only counted.
 */
#ifndef BSDSYNC_CORE_THREAD_H
#define BSDSYNC_CORE_THREAD_H

#include <bsdsync/freebsd/lock.h>
#include "core/base.h"
#include "core/diag.h"
#include "core/prio.h"

namespace bsdsync {

/* PENDING (issue 10): FreeBSD's lock_object lives in bsdsync::fbsd now; this record stops
 * naming it when it becomes the generic held-locks stack. */
using fbsd::lock_object;

struct ThreadState {
	enum : int { kHeldTrack = 12, kRmsTrack = 8 };

	int nosleep_count;				/* non-sleepable locks held */
	const lock_object *nosleep_held[kHeldTrack];	/* the first ones, newest last */
	int rw_rlocks;		/* FreeBSD td_rw_rlocks: rw read locks held */
	int sx_slocks;		/* FreeBSD td_sx_slocks: sx shared locks held */
	void *rm_trackers;	/* rm(9): the thread's active read trackers (freebsd/rm.cpp) */
	int rm_rlocks;		/* rm read locks held (any kind) */
	int lockmgr_shared;	/* lockmgr shared locks held (for the same reader exception) */
	/* rms(9) read holds (no tracker to carry them): the first kRmsTrack, newest last,
	 * and how many more are only counted (freebsd/rm.cpp). */
	const void *rms_held[kRmsTrack];
	int rms_held_count;
	int rms_untracked;
	/* Priority propagation (core/prio.h): the one part other threads look at, under its
	 * own lock. Lenders find it through the owner's task pointer. */
	PrioState prio;		/* last: the exit hook zeroes what is before it */
};
static_assert(sizeof(ThreadState) <= BSDSYNC_TD_STATE_BYTES, "grow BSDSYNC_TD_STATE_BYTES");

/* td_self()/td_peek() for a caller that already checked it is not in interrupt context and
 * read `me` = curthread() (the lock fast paths test both once for their own reasons: no
 * second look at either). */
inline ThreadState *td_peek_of(thread *me)
{
	return static_cast<ThreadState *>(bsdsync_td_find(me));
}
inline ThreadState *td_self_of(thread *me)
{
	ThreadState *s = td_peek_of(me);
	if (unlikely(!s))
		s = static_cast<ThreadState *>(bsdsync_td_create());
	return s;
}
inline ThreadState *td_peek_in_thread()
{
	return td_peek_of(curthread());
}

/* The current thread's state, created on first use; null in interrupt context (or if the
 * first allocation failed: then the thread goes untracked, and checks that need the state
 * are skipped rather than guessed). Inline: a hash and one or two loads once the record
 * exists. */
inline ThreadState *td_self()
{
	if (unlikely(bsdsync_in_interrupt()))
		return nullptr;
	return td_self_of(curthread());
}
/* The current thread's state if it has one (never allocates). */
inline ThreadState *td_peek()
{
	if (unlikely(bsdsync_in_interrupt()))
		return nullptr;
	return td_peek_in_thread();
}

/* A non-sleepable lock was taken (first acquisition, not a recursion) / released. */
inline void nosleep_push(ThreadState *t, const lock_object *lo)
{
	if (t->nosleep_count < ThreadState::kHeldTrack)
		t->nosleep_held[t->nosleep_count] = lo;
	t->nosleep_count++;
}
/* Drop lo's record if it is the newest tracked one (the usual order); false (and nothing
 * changed) otherwise. Lets a release drop the record before the store that frees the lock. */
inline bool nosleep_pop_top(ThreadState *t, const lock_object *lo)
{
	int n = t->nosleep_count;
	if (likely(n > 0 && n <= ThreadState::kHeldTrack && t->nosleep_held[n - 1] == lo)) {
		t->nosleep_count = n - 1;
		return true;
	}
	return false;
}
void nosleep_pop_slow(ThreadState *t, const lock_object *lo);
inline void nosleep_pop(ThreadState *t, const lock_object *lo)
{
	if (likely(nosleep_pop_top(t, lo)))
		return;
	nosleep_pop_slow(t, lo);
}

/* The newest non-sleepable lock the current thread holds other than `except1`/`except2`
 * (an interlock the sleep releases, and Giant, which every sleep drops), or null. Counted
 * but untracked locks (deeper than kHeldTrack) are returned as `untracked` = true. */
const lock_object *nosleep_held_other(const lock_object *except1, const lock_object *except2,
				      bool *untracked);

/*
 * The check before sleeping or before taking a lock that may sleep: reports
 * BSDSYNC_RULE_SLEEP_NONSLEEPABLE once, naming the newest non-sleepable lock held (other
 * than `interlock` and Giant), if there is one. `what` names the operation ("msleep",
 * "sx_xlock", ...). Returns true if it reported. The caller goes on (as FreeBSD with
 * witness does): the thread holding the mutex blocks others longer, nothing is corrupted.
 * It can only report for a thread whose state has nosleep_count > 0: a fast path that has
 * the state at hand tests that inline and calls this only then (sx, lockmgr).
 */
bool check_may_sleep_with_locks(const lock_object *interlock, const char *what,
				const char *file, int line);

/*
 * The context rule of blocking (architecture.md, "Contexts"), kept here once: every path that
 * may block (sleep(9) and cv/sema through it, lockmgr, the contended sleep mutex, sx, rw, rm
 * and rms) calls this before it queues. True if the current thread may block. Otherwise it
 * reports once and returns false, and the caller must not block: it spins for the lock, fails
 * or does not take it, as `instead` says in the report. BSDSYNC_RULE_SLEEP_INTERRUPT in a hard
 * or soft interrupt; BSDSYNC_RULE_SLEEP_ATOMIC with a spin mutex held (named in the text), in
 * a critical section, with preemption or interrupts off, or in an RCU read section. Blocking
 * there would not only be slow: Linux resets the preempt count ("scheduling while atomic"),
 * the thread resumes on another CPU, and the first CPU's spin record keeps its count and saved
 * interrupt state (its interrupts never come back on).
 * `subject` names the lock or wait channel, `what` the operation ("mtx_lock", ...).
 * `spin_interlock`: a spin mutex the caller holds and the sleep itself releases
 * (msleep_spin), or null; the context is then judged as it will be without it.
 */
bool may_block(const ReportSubject &subject, const void *spin_interlock, const char *what,
	       const char *instead, const char *file, int line);

/* Set by the personality at load: Giant's lock object (excepted from the check, since every
 * sleep drops Giant) and how to name a lock in a report. */
extern const lock_object *(*td_giant_object)();
extern ReportSubject (*td_subject_of)(const lock_object *);

} // namespace bsdsync

#endif
