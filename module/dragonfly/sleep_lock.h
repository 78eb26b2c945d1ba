/*
 * The shared/exclusive sleep lock DragonFly's lockmgr (lockmgr.cpp), mtx (mtx.cpp) and
 * serializer (serialize.cpp, the exclusive side only) share: one set of transitions over a
 * lock word whose layout each of them keeps from DragonFly (lk_count: separate exclusive and
 * shared counts; mtx_lock: one count and an EXCLUSIVE bit; the serializer's interlock: a
 * HELD bit and a count beside its handler-disabled bit), given here as a Layout
 * (LockmgrLayout, MtxLayout, SlzLayout: the few functions that read and build a word). Waiting is the core's: the lock's channel on sleep_queues, the core's
 * blocking tail (core/block.h), which also drops the DragonFly tokens a waiter holds.
 *
 * Why not FreeBSD's engines (module/freebsd/shared_lock, lockmgr.cpp): their words are
 * FreeBSD's (owner pointer in the word, lock_object first), and DragonFly's semantics
 * differ: a shared request by the exclusive holder is one more EXCLUSIVE count (not a
 * deadlock nor a downgrade); mtx recurses in both modes without a flag; a pending upgrade
 * (UPREQ) makes the upgrader the next owner; LK_CANCEL_BEG fails cancelable waiters; mtx
 * requests may be aborted (ENOLCK). What both personalities share is below this file: the
 * wait queues, the blocking tail, the context check, the held-locks stack and the events.
 *
 * The word (W = the Layout's; "g" = the lock's sleep-queue chain lock, WaitTable::Guard):
 *   EXWAIT  exclusive requests may be queued (ExclusiveLockers); SHWAIT: shared ones
 *           (SharedLockers); UPREQ: a sharer waits (Drainers queue) to become the owner;
 *           CANCEL: LK_CANCEL_BEG in effect (lockmgr only; 0 in MtxLayout, as UPREQ).
 *
 *   free           -> X1                exclusive, no UPREQ: CAS, acquire (fast path, or
 *                                       under g keeping the bits: their duty comes along)
 *   Xn (mine)      -> Xn+1              recursion (and a shared request of the exclusive
 *                                       holder): atomic add; only the owner changes counts
 *   free or Sn     -> Sn+1              shared, when no EXWAIT/UPREQ, or the lock is free,
 *                                       or the thread already holds it shared (it would
 *                                       wait for itself): CAS, acquire
 *   held           -> held|bit          a waiter, under g, by CAS from the word it judged,
 *                                       right before it queues: from then on the release
 *                                       CAS that expects no bits fails into the slow path,
 *                                       which takes g and finds the waiter (no lost wakeup)
 *   X1 / S1        -> free              final release without bits: CAS, release; with bits,
 *                                       under g: bits cleared (and CANCEL: the final
 *                                       release ends a cancel), every queued waiter woken
 *                                       (they compete equally, as DragonFly's release
 *                                       lets them; the losers queue again)
 *   Sn+1           -> Sn                shared release: CAS, release; under g when it
 *                                       leaves the upgrader alone (UPREQ and n = 1): the
 *                                       upgrader is woken
 *   S1 (mine)      -> X1                upgrade by the sole sharer (CAS under g), or by the
 *                                       UPREQ holder once woken alone
 *   Sn (mine)      -> Sn|UPREQ          upgrade with other sharers: UPREQ, wait; a failed
 *                                       wait clears UPREQ and releases the share in one CAS
 *                                       under g and wakes the queues
 *   X1 (mine)      -> S1                downgrade, under g: SHWAIT cleared, shared waiters
 *                                       woken (exclusive ones stay queued with EXWAIT);
 *                                       mtx turns Xn into Sn (every count)
 *   S1 (mine)      -> X1                try_upgrade (mtx_upgrade_try): CAS, no wait; with
 *                                       other sharers it fails and the share stays
 *   Xn (mine)      -> Xn|CANCEL         cancel_beg, under g: every waiter woken (cancelable
 *                                       ones fail ENOLCK, the others queue again)
 * A Layout may also hand the lock, when a release frees it, to a queued request (mtx's
 * links, mtx.cpp: asynchronous ones and blocked exclusive requests): under g, the word goes
 * from the releaser's hold straight to X1, held by the request's thread or, for an
 * asynchronous one, by the anonymous owner (L::anon(), any thread may release it), and the
 * request is told once g is released (L::Deferred). lockmgr has none.
 *
 * Who spins: a plain exclusive request (spin_on_owner: no nowait, timeout, cancel,
 * abort or signal) while the lock is held exclusively by a running thread and no exclusive
 * request is queued; such a request after a release woke it and a running thread took the
 * lock first (lockmgr, serializer: their releases give the lock to no one), queued
 * requests or not; and, in mtx only, the first queued link of such a request while the
 * owner runs (mtx.cpp wait_spinning: the hand-off goes to it without a wake-up). Every
 * other waiter sleeps.
 *
 * A hold a driver's production build took inline (mtx, serializer, lockmgr's exclusive:
 * <sys/mutex2.h>, <sys/serialize.h>, <sys/lock.h>) is X1 with the Layout's UNRECORDED bit,
 * the owner field set, and no record. The engine never sees that bit: the exported functions
 * first call adopt_unrecorded(), which, in the owner's own thread only (owner == self: no
 * other thread may write the owner field while the hold lasts), records the hold (no event:
 * no sink saw its acquisition) and clears the bit (atomic AND: waiters may set theirs). Any
 * other thread's call meets an ordinary X1 held by another thread. (The inline release:
 * owner cleared, then one CAS from X1 | UNRECORDED to free, release; on failure the owner
 * is put back and the module called.)
 *
 * A shared hold a driver's production build took inline (lockmgr's LK_SHARED, mtx_lock_sh:
 * <sys/lock.h>, <sys/mutex2.h>) has no record either, and nothing in the word says whose
 * it is (a shared count has no owner). The thread counts it instead: ThreadSlot::
 * shared_counts[L::kCount] (BSDSYNC_DFLY_LK_COUNT, BSDSYNC_DFLY_MTX_COUNT), reached inline through the
 * module's per-CPU record cache (<bsdsync/inline_td.h>, the mechanism of FreeBSD's
 * td_lk_slocks / td_sx_slocks, kept the same way): the low part one per inline hold, above
 * it kCountRecorded per shared hold of the kind recorded here (count_recorded, beside every
 * shared held_record / held_acquired; shared_released, beside every shared release). The
 * inline release takes a hold off the low part only while the high part is zero (so it never
 * leaves a record behind); a release here takes the lock's record if the thread has one,
 * else one inline hold (shared_released).
 * Why count, when DragonFly keeps no per-thread count of shared holds: DragonFly's own
 * shared paths do not need one because they do not let a holder pass. Its lockmgr_shared
 * waits while the word is SHARED with EXREQ or UPREQ, whether or not the caller holds it
 * already (only TDF_DEADLKTREAT, a thread flag callers set by hand, lets it pass), and its
 * mtx shared request waits on EXCLUSIVE | EXWANTED: a recursive shared request behind a
 * waiting exclusive one deadlocks there. This engine lets the holder pass (the transition
 * "free or Sn -> Sn+1" above), reports an exclusive request by a sharer (EDEADLK), and
 * reports a release, upgrade, lksleep or mtxsleep without a hold: all judged from the
 * thread's holds. Without the count, an inline hold would make the production build differ
 * from the checked one where it matters: the recursive request deadlocked, the release or
 * upgrade of the inline hold through the module falsely reported (NOT_OWNER). With it:
 * may_hold_shared (records, or any inline hold of the kind) lets the thread pass waiters
 * and not be reported; holds_shared (records only) still decides the EDEADLK and
 * mtx_spinlock reports, which must not guess. What an inline shared hold still loses: an
 * exclusive request (or mtx_spinlock) by a thread holding the lock shared inline is not
 * reported and waits for itself, as in DragonFly; a release or upgrade of a lock the
 * thread does not hold, by a thread holding another lock of the kind inline, is not
 * reported (the count does not say which lock; as FreeBSD's inline read holds); and a
 * thread holding any lock of the kind inline passes a waiting exclusive request on any
 * other (as FreeBSD's td_rw_rlocks: writer preference, never a deadlock).
 *
 * The owner field (lk_lockholder / mtx_owner) is written by the exclusive holder only:
 * set after its acquiring CAS, cleared before its releasing CAS; a thread compares it with
 * itself only (its own writes), others read it as a hint (relaxed).
 *
 * A waiter that gives up (timeout, signal, LK_SLEEPFAIL, abort) leaves its bit set: a stale
 * bit only sends a release through g, which clears it. Waits have no lend of priority
 * (DragonFly's tsleep has none either).
 *
 * Holds: every hold the module takes is in the thread's held-locks stack with its lock
 * events (one record per shared acquisition, one per exclusive hold; recursions are events
 * with BSDSYNC_LE_RECURSE), a shared one also in the kind's count. A release the thread's
 * record does not show (nor, for a shared one, its inline count) is reported (NOT_OWNER)
 * and not done.
 */
#ifndef BSDSYNC_DRAGONFLY_SLEEP_LOCK_H
#define BSDSYNC_DRAGONFLY_SLEEP_LOCK_H

#include <bsdsync/inline_abi.h>
#include "dragonfly/dragonfly.h"
#include "core/adaptive.h"
#include "core/block.h"

namespace bsdsync::dfly {

/* One lock, as the engine sees it. */
template <class L> struct SleepLock {
	volatile typename L::Word *word;
	void *volatile *owner;		/* lk_lockholder / mtx_owner */
	const void *id;			/* the lock: wait channel, held-record key */
	const LockType *type;
	ReportSubject subject() const { return lock_subject(type, id); }
};

/* One call. */
struct SleepRequest {
	const char *what;		/* "lockmgr(LK_EXCLUSIVE)", "mtx_lock_ex" ... */
	bool nowait;			/* fail with EBUSY instead of waiting */
	bool sleepfail;			/* after a wait, fail with ENOLCK (lockmgr LK_SLEEPFAIL) */
	bool cancelable;		/* fails with ENOLCK under CANCEL (LK_CANCELABLE) */
	bool recurse_ok;		/* exclusive recursion allowed (else reported, done anyway) */
	bool interruptible;		/* a signal ends the wait (LK_PCATCH, PCATCH) */
	bool is_try;			/* a try-lock: no ACQUIRING, events say TRY */
	int busy;			/* the error of a refused nowait request (EBUSY, EAGAIN) */
	u64 deadline_ns;		/* 0: none */
	/* An abort (mtx_abort_link): *aborted == aborted_state makes a waiting request fail
	 * with ENOLCK. Set under g by the aborter, which then wakes the queues. Null: not
	 * abortable. */
	const volatile int *aborted;
	int aborted_state;
	const char *file;
	int line;
};

namespace sleep_lock {

inline void *self() { return (void *)curthread(); }
constexpr HoldMode kX = HoldMode::Exclusive;
constexpr HoldMode kS = HoldMode::Shared;

template <class L> inline unsigned try_flag(const SleepRequest &r)
{
	return r.is_try ? BSDSYNC_LE_TRY : 0;
}

/* Does the thread (t) hold the lock shared, by its records? (Holds below the recorded ones,
 * whose locks are not known, count as yes; inline holds do not: may_hold_shared.) */
inline bool holds_shared(const ThreadState *t, const void *id)
{
	bool unrecorded = false;
	return t && (held_count(t, id, kS, &unrecorded) > 0 || unrecorded);
}

/* ---- the thread's count of its shared holds of the kind (see the top comment) ---------- */
constexpr int kCountRecorded = BSDSYNC_TD_COUNT_RECORDED;
constexpr int kCountInline = BSDSYNC_TD_COUNT_RECORDED - 1;	/* mask of the inline part */

/* L::kCount: the index in the thread's DragonFly counts (ThreadSlot::shared_counts,
 * dragonfly.h; <bsdsync/inline_td.h>), or -1 for a kind without shared holds (the
 * serializer). */
template <class L> inline int *shared_count(ThreadState *t)
{
	if constexpr (L::kCount >= 0)
		return &thread_slot(t)->shared_counts[L::kCount];
	else
		return nullptr;
}
template <class L> inline int inline_shared_holds(const ThreadState *t)
{
	if constexpr (L::kCount >= 0)
		return shared_count<L>(const_cast<ThreadState *>(t))[0] & kCountInline;
	else
		return 0;
}

/* May the thread (t) hold the lock shared: by its records, or by an inline hold (whose
 * lock is not known: any of the kind may be one)? */
template <class L> inline bool may_hold_shared(const ThreadState *t, const void *id)
{
	return t && (holds_shared(t, id) || inline_shared_holds<L>(t));
}

/* A shared hold the module records (with held_record or held_acquired): counted. */
template <class L> inline void count_recorded(ThreadState *t, int n)
{
	if (int *c = t ? shared_count<L>(t) : nullptr)
		*c += n * kCountRecorded;
}

/* A shared hold of the thread ends: its record of the lock if it has one (RELEASED), else
 * one of its inline holds (no event: no sink saw it acquired). False if it has neither (it
 * does not hold the lock shared); t null (interrupt context): the event only, true. The
 * count's bookkeeping is core's held_pop_counted, as for FreeBSD's read holds. */
template <class L> inline bool shared_released(ThreadState *t, const void *id,
					       const LockType *type, const char *file, int line)
{
	if (likely(t)) {
		switch (held_pop_counted(t, shared_count<L>(t), id, type, kS)) {
		case CountedHold::Recorded:
			break;
		case CountedHold::Inline:
			return true;
		case CountedHold::None:
			lock_event_released(id, type, kS, 0, file, line);
			return false;
		}
	}
	lock_event_released(id, type, kS, 0, file, line);
	return true;
}

/* Wait once on (lock, queue); the chain is held by g (released here). */
inline int wait_once(const void *id, WaitTable::Guard &g, WaitQueueId q, const SleepRequest &r)
{
	Waiter w;
	BlockOptions o;
	o.kind = BlockKind::Sleep;
	o.state = r.interruptible ? BSDSYNC_BLOCK_INTERRUPTIBLE : BSDSYNC_BLOCK_IDLE;
	o.deadline_ns = r.deadline_ns;
	o.file = r.file;
	o.line = r.line;
	return block_on(sleep_queues, g, w, id, q, o);
}

/* Wake every queued waiter of the lock (under g); the caller cleared the bits. */
inline void wake_everyone(WaitTable::Guard &g, const void *id, WakeList &later)
{
	sleep_queues.wake_all(g, id, WaitQueueId::ExclusiveLockers, later);
	sleep_queues.wake_all(g, id, WaitQueueId::SharedLockers, later);
	sleep_queues.wake_all(g, id, WaitQueueId::Drainers, later);
}

/* The request must not wait: in interrupt context, or with a lock held that forbids
 * sleeping (a DragonFly spinlock: reported once, by core/thread.h), or in atomic context.
 * Then it fails instead, as LK_NOWAIT would. Called once per request that may wait, before
 * any chain lock is held (the context check would see interrupts off). */
inline void check_may_wait(const ReportSubject &subject, SleepRequest &r)
{
	if (r.nowait)
		return;
	if (!may_block(subject, nullptr, r.what, "failed instead (as with LK_NOWAIT)", r.file,
		       r.line)) {
		r.nowait = true;
		return;
	}
	if (check_may_sleep_with_locks(nullptr, r.what, r.file, r.line))
		r.nowait = true;
}

/* The exclusive holder takes it once more. */
template <class L> int recurse(const SleepLock<L> &s, SleepRequest &r)
{
	if (!r.recurse_ok) {
		if (r.nowait)
			return r.busy;
		report(BSDSYNC_RULE_RECURSION, s.subject(), r.file, r.line,
		       "%s: locking against myself (a non-recursive hold; recursed anyway)",
		       r.what);
	}
	/* Only the owner changes the count while it holds it; waiters may set bits. */
	__atomic_fetch_add(s.word, (typename L::Word)1, __ATOMIC_RELAXED);
	lock_event_acquired(s.id, s.type, kX, BSDSYNC_LE_RECURSE | try_flag<L>(r), r.file,
			    r.line);
	return 0;
}

/* The calling thread's inline hold (X1 | `unrecorded`, owner == self), if it has one, made
 * an ordinary recorded hold: see the top comment. No event (no sink saw the acquisition;
 * the release sends RELEASED, which the sinks ignore for a lock they never saw taken). */
template <class L> inline void adopt_unrecorded(const SleepLock<L> &s,
						 typename L::Word unrecorded, const char *file,
						 int line)
{
	if (likely(!(load_relaxed(s.word) & unrecorded)) || load_relaxed(s.owner) != self())
		return;
	if (ThreadState *t = current_record())
		held_record(t, s.id, s.type, kX, held_type_nosleep(s.type, kX), file, line);
	__atomic_fetch_and(s.word, (typename L::Word)~unrecorded, __ATOMIC_RELAXED);
}

/* A new exclusive hold: the owner field and the record. */
template <class L> inline int got_exclusive(const SleepLock<L> &s, ThreadState *t,
					    const SleepRequest &r)
{
	store_relaxed(s.owner, self());
	held_acquired(t, s.id, s.type, kX, try_flag<L>(r), r.file, r.line);
	return 0;
}

/*
 * The waiting part of lock_exclusive and lock_shared, one loop for both: under the wait-table
 * guard, take the lock when enter(v) allows it (a CAS to next(v)), else set wait_bit and
 * sleep on `queue` until woken, as the request says (cancel and abort: ENOLCK; nowait: its
 * busy value; sleepfail: ENOLCK after a sleep; a signal or timeout: its errno). *taken is set
 * when the lock was taken (the caller records the hold, outside the guard).
 */
/* Below: a plain exclusive request's spin while the owner runs (woken: after a wake-up). */
template <class L>
bool spin_on_owner(const SleepLock<L> &s, const SleepRequest &r, bool woken = false);

template <class L, class Enter, class Next>
int wait_to_take(const SleepLock<L> &s, SleepRequest &r, HoldMode mode, Enter enter, Next next,
		 typename L::Word wait_bit, WaitQueueId queue, bool *taken, bool contended = false)
{
	using W = typename L::Word;
	for (bool woken = false;; woken = true) {
		/* Woken by a release, which lets whoever comes take the lock: if a running
		 * thread took it first, an exclusive request spins while that owner runs
		 * before it queues again, as a new one does (spin_on_owner), rather
		 * than sleeping again at once; otherwise, once a waiter had slept, every
		 * release woke it and it slept again (a convoy of wake-ups). Outside the
		 * Guard: a spin takes no queue lock. */
		if (woken && mode == kX)
			spin_on_owner(s, r, true);
		WaitTable::Guard g(sleep_queues, s.id);
		W v = load_relaxed(s.word);
		for (;;) {
			if (r.cancelable && (v & L::kCancel))
				return BSDSYNC_ENOLCK;
			if (r.aborted && load_relaxed(r.aborted) == r.aborted_state)
				return BSDSYNC_ENOLCK;
			if (enter(v)) {
				/* Acquire: pairs with the releasing CAS of the previous holder. */
				if (cas_acquire(s.word, &v, next(v))) {
					*taken = true;
					return 0;
				}
				continue;
			}
			if (r.nowait)
				return r.busy;
			if (v & wait_bit)
				break;
			if (cas_relaxed(s.word, &v, v | wait_bit))
				break;
		}
		if (!contended) {
			lock_contended(s.id, s.type, mode, r.file, r.line);
			contended = true;
		}
		int res = wait_once(s.id, g, queue, r);
		if (res != BSDSYNC_WOKEN)
			return block_errno(static_cast<bsdsync_block_result>(res));
		if (r.sleepfail)
			return BSDSYNC_ENOLCK;
	}
}

/*
 * Before an exclusive request waits: spin while the lock is held exclusively by a thread that
 * runs (its owner field: `current` while held, cleared by every release) and no exclusive
 * request waits (core/adaptive.h's spin on the owner field). A Linux wake-up costs what an
 * LWKT switch does not: without it every contended take was a sleep and a wake-up (a
 * convoy; the bench's dfly_mtx_ex was 0.003 of Linux's mutex). Returns when the lock is
 * free or held otherwise, its owner stops running, a waiter queues, or this thread must
 * reschedule: the caller then takes it or waits as before (the order of queued waiters is
 * unchanged: the spinner only takes a lock no waiter was given). A woken waiter (woken: a
 * release woke it, and a running thread took the lock first: wait_to_take) spins too, even
 * with other waiters queued: it was one of them, and a release here gives the lock to no
 * one (whoever comes takes it). True if it spun (it sent CONTENDED first, unless woken: it
 * sent it when it queued). Only a plain request spins: one that may not wait, or has a timeout, or
 * may be cancelled, aborted or interrupted by a signal waits as before, so those end when
 * they say (a spin lasts as long as the owner runs). Thread context.
 */
template <class L> bool spin_on_owner(const SleepLock<L> &s, const SleepRequest &r,
					      bool woken)
{
	if (r.nowait || r.deadline_ns || r.cancelable || r.aborted || r.interruptible)
		return false;
	for (bool spun = false;; spun = true) {
		typename L::Word v = load_relaxed(s.word);
		void *o = load_relaxed(s.owner);
		if (!L::xcount(v) || (!woken && (v & L::kExWait)) || o == nullptr ||
		    o == L::anon() || o == self())
			return spun;
		if (!spun && !woken)	/* a woken waiter sent CONTENDED when it queued */
			lock_contended(s.id, s.type, kX, r.file, r.line);
		if (!adaptive_spin(reinterpret_cast<const volatile unsigned long *>(s.owner),
				   reinterpret_cast<unsigned long>(o), ~0UL))
			return true;
	}
}

template <class L> int lock_exclusive(const SleepLock<L> &s, SleepRequest &r)
{
	using W = typename L::Word;
	W v = load_relaxed(s.word);
	if (L::xcount(v) && load_relaxed(s.owner) == self())
		return recurse(s, r);
	ThreadState *t = current_record();
	if (unlikely(holds_shared(t, s.id))) {
		/* It would wait for its own shared hold to go. */
		if (r.nowait)
			return r.busy;
		report(BSDSYNC_RULE_RECURSION, s.subject(), r.file, r.line,
		       "%s while holding it shared: it would wait for itself (EDEADLK)", r.what);
		return BSDSYNC_EDEADLK;
	}
	if (!r.is_try)
		lock_acquiring(s.id, s.type, kX, r.file, r.line);
	/* Fast path: free and no upgrade pending. Acquire: pairs with the previous holder's
	 * releasing CAS. */
	while (L::is_free(v) && !(v & L::kUpReq) && !(r.cancelable && (v & L::kCancel)))
		if (cas_acquire(s.word, &v, L::make_exclusive(v)))
			return got_exclusive(s, t, r);
	check_may_wait(s.subject(), r);
	bool spun = spin_on_owner(s, r, false);
	bool taken = false;
	int err = wait_to_take(
		s, r, kX, [](W w) { return L::is_free(w) && !(w & L::kUpReq); },
		[](W w) { return L::make_exclusive(w); }, L::kExWait, WaitQueueId::ExclusiveLockers,
		&taken, spun);
	return taken ? got_exclusive(s, t, r) : err;
}

/* May a shared request enter on v? (holder: the thread holds it shared already.) */
template <class L> inline bool shareable(typename L::Word v, bool holder)
{
	if (L::xcount(v))
		return false;
	return L::scount(v) == 0 || holder || !(v & (L::kExWait | L::kUpReq));
}

template <class L> int lock_shared(const SleepLock<L> &s, SleepRequest &r)
{
	using W = typename L::Word;
	W v = load_relaxed(s.word);
	if (L::xcount(v) && load_relaxed(s.owner) == self())
		return recurse(s, r);	/* DragonFly: one more exclusive count */
	ThreadState *t = current_record();
	bool holder = may_hold_shared<L>(t, s.id);
	if (!r.is_try)
		lock_acquiring(s.id, s.type, kS, r.file, r.line);
	/* Acquire: pairs with the last exclusive holder's releasing CAS (or downgrade). */
	while (shareable<L>(v, holder) && !(r.cancelable && (v & L::kCancel)))
		if (cas_acquire(s.word, &v, L::add_shared(v)))
			goto got;
	check_may_wait(s.subject(), r);
	{
		bool taken = false;
		int err = wait_to_take(
			s, r, kS, [holder](W w) { return shareable<L>(w, holder); },
			[](W w) { return L::add_shared(w); }, L::kShWait, WaitQueueId::SharedLockers,
			&taken);
		if (!taken)
			return err;
	}
got:
	count_recorded<L>(t, 1);
	held_acquired(t, s.id, s.type, kS, try_flag<L>(r), r.file, r.line);
	return 0;
}

/* The release of one shared count under g: the new word, and whom it wakes. */
template <class L> void release_shared_locked(const SleepLock<L> &s, WaitTable::Guard &g,
					      WakeList &later, typename L::Deferred &done,
					      typename L::Word clear)
{
	using W = typename L::Word;
	W v = load_relaxed(s.word);
	for (;;) {
		W nv = L::sub_shared(v) & ~clear;
		bool everyone = false, upgrader = false;
		if (L::scount(nv) == 0 && L::async_pending(s)) {
			/* Handed to the first asynchronous request, bits kept. Release:
			 * pairs with the acquire of the next holder. */
			if (cas_release(s.word, &v, L::make_exclusive(nv))) {
				L::async_granted(s, done);
				return;
			}
			continue;
		}
		if (L::scount(nv) == 0) {
			nv &= ~(L::kExWait | L::kShWait);
			everyone = true;
		} else if (L::scount(nv) == 1 && (nv & L::kUpReq)) {
			upgrader = true;
		} else if (clear & L::kUpReq) {
			/* A failed upgrade: the requests UPREQ held back may go now. */
			nv &= ~(L::kExWait | L::kShWait);
			everyone = true;
		}
		/* Release: pairs with the acquire of the next holder. */
		if (cas_release(s.word, &v, nv)) {
			if (everyone)
				wake_everyone(g, s.id, later);
			else if (upgrader)
				sleep_queues.wake_all(g, s.id, WaitQueueId::Drainers, later);
			return;
		}
	}
}

/* The final release of an exclusive hold whose record and owner field are gone: the word
 * (v: last seen) freed, or handed to an asynchronous request, and the waiters woken. Out of
 * line: the uncontended paths (below) come here only when the word has bits, or their one
 * CAS failed. The lock by its address only (L::of rebuilds the rest): a fast path that
 * passes a SleepLock by reference gives itself a stack frame. */
template <class L> BSDSYNC_NOINLINE void release_exclusive_word(const void *id,
								 typename L::Word v)
{
	SleepLock<L> s = L::of(id);
	/* Release: pairs with the next holder's acquire. The last access to the lock when no
	 * bit is set. */
	while (!(v & (L::kExWait | L::kShWait | L::kCancel)))
		if (cas_release(s.word, &v, L::free_exclusive(v)))
			return;
	typename L::Deferred done;	/* runs last: after g and the wakeups */
	WakeList later;
	WaitTable::Guard g(sleep_queues, s.id);
	v = load_relaxed(s.word);
	if (L::async_pending(s)) {
		/* Handed over, bits kept (no other thread changes a held word's count; bits
		 * only change under g). */
		while (!cas_release(s.word, &v, L::make_exclusive(L::free_exclusive(v))))
			;
		L::async_granted(s, done);
		return;
	}
	while (!cas_release(s.word, &v,
			    L::free_exclusive(v) & ~(L::kExWait | L::kShWait | L::kCancel)))
		;
	wake_everyone(g, s.id, later);
}

/* Does the shared release v -> sub_shared(v) leave someone to wake (under g)? */
template <class L> BSDSYNC_ALWAYS_INLINE bool shared_release_wakes(typename L::Word v)
{
	typename L::Word nv = L::sub_shared(v);
	return L::scount(nv) == 0 ? (v & (L::kExWait | L::kShWait | L::kUpReq))
				  : (L::scount(nv) == 1 && (v & L::kUpReq));
}

/* The release of one shared count whose record is gone (v: the word last seen). Out of
 * line, as release_exclusive_word. */
template <class L> BSDSYNC_NOINLINE void release_shared_word(const void *id,
							      typename L::Word v)
{
	SleepLock<L> s = L::of(id);
	/* Release: pairs with the acquire of the next exclusive holder. */
	while (!shared_release_wakes<L>(v))
		if (cas_release(s.word, &v, L::sub_shared(v)))
			return;
	typename L::Deferred done;
	WakeList later;
	WaitTable::Guard g(sleep_queues, s.id);
	release_shared_locked(s, g, later, done, 0);
}

/* Release one hold, whichever the thread has (exclusive if it owns it). 0, or EINVAL
 * (reported: not held by the caller). `anyone`: an exclusive hold may be released by any
 * thread (mtx's anonymous owner of an asynchronous grant). */
template <class L> int release(const SleepLock<L> &s, const char *what, const char *file,
			       int line)
{
	using W = typename L::Word;
	W v = load_relaxed(s.word);
	if (L::xcount(v)) {
		void *owner = load_relaxed(s.owner);
		bool anonymous = L::anon() && owner == L::anon();
		if (unlikely(owner != self() && !anonymous)) {
			report(BSDSYNC_RULE_NOT_OWNER, s.subject(), file, line,
			       "%s of a lock held exclusively by another thread", what);
			return BSDSYNC_EINVAL;
		}
		if (L::xcount(v) > 1) {
			lock_event_released(s.id, s.type, kX, BSDSYNC_LE_RECURSE, file, line);
			__atomic_fetch_sub(s.word, (W)1, __ATOMIC_RELAXED);
			return 0;
		}
		if (anonymous)	/* no thread's hold: no record */
			lock_event_released(s.id, s.type, kX, 0, file, line);
		else
			held_released(current_record_if_any(), s.id, s.type, kX, file, line);
		store_relaxed(s.owner, (void *)nullptr);
		release_exclusive_word<L>(s.id, v);
		return 0;
	}
	if (L::scount(v) == 0) {
		report(BSDSYNC_RULE_NOT_OWNER, s.subject(), file, line, "%s of an unlocked lock",
		       what);
		return BSDSYNC_EINVAL;
	}
	/* current_record(), not _if_any: a thread with no record yet holds nothing, and
	 * must be told so rather than release another thread's share. */
	if (unlikely(!shared_released<L>(current_record(), s.id, s.type, file, line))) {
		report(BSDSYNC_RULE_NOT_OWNER, s.subject(), file, line,
		       "%s of a shared hold this thread does not have", what);
		return BSDSYNC_EINVAL;
	}
	release_shared_word<L>(s.id, v);
	return 0;
}

/* The thread's shared hold (recorded or inline) becomes exclusive: its records and events. */
template <class L> inline void shared_became_exclusive(ThreadState *t, const void *id,
							const LockType *type, const char *file,
							int line)
{
	shared_released<L>(t, id, type, file, line);
	held_acquired(t, id, type, kX, 0, file, line);
}

/* Upgrade the caller's shared hold. `exclupgrade`: fail (EBUSY) if another upgrade is
 * pending, instead of releasing and waiting as an exclusive request. Errors release the
 * shared hold (DragonFly). */
template <class L> int upgrade(const SleepLock<L> &s, SleepRequest &r, bool exclupgrade)
{
	using W = typename L::Word;
	W v = load_relaxed(s.word);
	if (L::xcount(v) && load_relaxed(s.owner) == self())
		return 0;	/* already exclusive: nothing to do */
	ThreadState *t = current_record();
	if (!L::scount(v) || (t && !may_hold_shared<L>(t, s.id))) {
		report(BSDSYNC_RULE_NOT_OWNER, s.subject(), r.file, r.line,
		       "%s without a shared hold", r.what);
		return BSDSYNC_EINVAL;
	}
	check_may_wait(s.subject(), r);
	bool queued = false;	/* UPREQ is ours */
	for (;;) {
		int error = 0;
		{
			typename L::Deferred done;
			WakeList later;
			WaitTable::Guard g(sleep_queues, s.id);
			v = load_relaxed(s.word);
			for (;;) {
				if (L::scount(v) == 1 && (queued || !(v & L::kUpReq))) {
					W nv = L::make_exclusive(L::sub_shared(v)) & ~L::kUpReq;
					if (cas_acquire(s.word, &v, nv)) {
						store_relaxed(s.owner, self());
						g.unlock();
						shared_became_exclusive<L>(t, s.id, s.type,
									   r.file, r.line);
						return 0;
					}
					continue;
				}
				if (!queued && (v & L::kUpReq)) {
					error = exclupgrade || r.nowait ? r.busy : -1;
				} else if (r.nowait) {
					error = r.busy;
				} else if (r.cancelable && (v & L::kCancel)) {
					error = BSDSYNC_ENOLCK;
				} else if (!queued) {
					if (!cas_relaxed(s.word, &v, v | L::kUpReq))
						continue;
					queued = true;
				}
				break;
			}
			if (error)
				release_shared_locked(s, g, later, done,
						      queued ? L::kUpReq : 0);
		}
		/* The share went with the error (its record after the chain lock: the
		 * events may take locks). */
		if (error)
			shared_released<L>(t, s.id, s.type, r.file, r.line);
		if (error == -1)	/* another upgrade first: an exclusive request */
			return lock_exclusive(s, r);
		if (error)
			return error;
		int res;
		{
			WaitTable::Guard g(sleep_queues, s.id);
			v = load_relaxed(s.word);
			if (L::scount(v) == 1)
				continue;	/* alone already: take it above */
			res = wait_once(s.id, g, WaitQueueId::Drainers, r);
		}
		if (res != BSDSYNC_WOKEN || r.sleepfail) {
			error = res != BSDSYNC_WOKEN
					? block_errno(static_cast<bsdsync_block_result>(res))
					: BSDSYNC_ENOLCK;
			shared_released<L>(t, s.id, s.type, r.file, r.line);
			typename L::Deferred done;
			WakeList later;
			WaitTable::Guard g(sleep_queues, s.id);
			release_shared_locked(s, g, later, done, L::kUpReq);
			return error;
		}
	}
}

/* Upgrade without waiting and without losing the share: the sole sharer becomes the
 * owner (0), else `busy` and the share is kept (mtx_upgrade_try: EDEADLK). */
template <class L> int try_upgrade(const SleepLock<L> &s, int busy, const char *what,
				   const char *file, int line)
{
	using W = typename L::Word;
	W v = load_relaxed(s.word);
	if (L::xcount(v)) {
		if (load_relaxed(s.owner) == self())
			return 0;
		report(BSDSYNC_RULE_NOT_OWNER, s.subject(), file, line,
		       "%s of a lock another thread holds exclusively", what);
		return BSDSYNC_EINVAL;
	}
	ThreadState *t = current_record();
	if (!L::scount(v) || (t && !may_hold_shared<L>(t, s.id))) {
		report(BSDSYNC_RULE_NOT_OWNER, s.subject(), file, line, "%s without a shared hold",
		       what);
		return BSDSYNC_EINVAL;
	}
	while (L::scount(v) == 1 && !(v & L::kUpReq)) {
		/* Acquire: the exclusive section starts here. */
		if (cas_acquire(s.word, &v, L::make_exclusive(L::sub_shared(v)))) {
			store_relaxed(s.owner, self());
			shared_became_exclusive<L>(t, s.id, s.type, file, line);
			return 0;
		}
	}
	return busy;
}

/* The exclusive holder keeps it shared: its one count (lockmgr), or every count as as many
 * shared holds (`whole_count`: mtx). */
template <class L> int downgrade(const SleepLock<L> &s, bool whole_count, const char *what,
				 const char *file, int line)
{
	using W = typename L::Word;
	W v = load_relaxed(s.word);
	if (!L::xcount(v) || load_relaxed(s.owner) != self()) {
		report(BSDSYNC_RULE_NOT_OWNER, s.subject(), file, line,
		       "%s of a lock the caller does not hold exclusively", what);
		return BSDSYNC_EINVAL;
	}
	unsigned n = (unsigned)L::xcount(v);
	if (n > 1 && !whole_count) {
		report(BSDSYNC_RULE_RECURSED_OP, s.subject(), file, line,
		       "%s of a recursed exclusive hold (%u levels)", what,
		       (unsigned)L::xcount(v));
		return BSDSYNC_EINVAL;
	}
	ThreadState *t = current_record_if_any();
	for (unsigned i = n; i > 1; i--)
		lock_event_released(s.id, s.type, kX, BSDSYNC_LE_RECURSE, file, line);
	held_released(t, s.id, s.type, kX, file, line);
	count_recorded<L>(t, (int)n);
	for (unsigned i = 0; i < n; i++)
		held_acquired(t, s.id, s.type, kS, 0, file, line);
	store_relaxed(s.owner, (void *)nullptr);
	WakeList later;
	WaitTable::Guard g(sleep_queues, s.id);
	v = load_relaxed(s.word);
	/* Release: the exclusive section ends; pairs with the acquire of the sharers. */
	while (!cas_release(s.word, &v, L::exclusive_to_shared(v) & ~(L::kShWait | L::kCancel)))
		;
	if (v & L::kShWait)
		sleep_queues.wake_all(g, s.id, WaitQueueId::SharedLockers, later);
	return 0;
}

/* ---- the uncontended paths ----------------------------------------------------------
 * Inline in the exported functions (lockmgr.cpp, mtx.cpp, serialize.cpp), as FreeBSD's
 * fast paths are: taken only while no lock-event sink is attached (the engine above sends
 * the events) and when the per-CPU cache has the thread's record (current_record_cached:
 * null in interrupt context too, where the engine reports or tries). `nosleep` is
 * held_type_nosleep's answer for the lock's type and mode (a constant: false for the three
 * sleepable types). Anything they do not handle (contention, recursion, bits, a record that
 * is not the newest, misuse) returns false having changed nothing, and the caller takes
 * the engine's path, which decides as before. */

/* Exclusive, from the free word 0 (no bit: no upgrade pending, no cancel, no waiter) to
 * X1: one CAS. The word was free, so the thread held it in no mode: no recursion and no
 * shared hold to look for in its stack. */
template <class L> BSDSYNC_ALWAYS_INLINE bool fast_xlock(const SleepLock<L> &s, bool nosleep,
							 const char *file, int line)
{
	if (unlikely(lock_events_on()))
		return false;
	ThreadState *t = current_record_cached();
	if (unlikely(!t))
		return false;
	typename L::Word v = 0;
	/* Acquire: pairs with the previous holder's releasing CAS. */
	if (unlikely(!cas_acquire(s.word, &v, L::make_exclusive(0))))
		return false;
	store_relaxed(s.owner, self());
	held_record(t, s.id, s.type, kX, nosleep, file, line);
	return true;
}

/* Shared, from the free word (one CAS), or, if that CAS shows other sharers and no
 * exclusive count, waiter, upgrade or cancel bit, a second CAS adding one (shareable()
 * says yes there whether or not the thread holds it shared already: no stack walk). */
template <class L> BSDSYNC_ALWAYS_INLINE bool fast_slock(const SleepLock<L> &s, bool nosleep,
							 const char *file, int line)
{
	if (unlikely(lock_events_on()))
		return false;
	ThreadState *t = current_record_cached();
	if (unlikely(!t))
		return false;
	typename L::Word v = 0;
	/* Acquire (both): pairs with the last exclusive holder's releasing CAS. */
	if (unlikely(!cas_acquire(s.word, &v, L::add_shared(0)))) {
		if (L::xcount(v) || (v & (L::kExWait | L::kShWait | L::kUpReq | L::kCancel)) ||
		    !cas_acquire(s.word, &v, L::add_shared(v)))
			return false;
	}
	count_recorded<L>(t, 1);
	held_record(t, s.id, s.type, kS, nosleep, file, line);
	return true;
}

/* Release of the thread's newest hold of the lock: an exclusive single hold it owns, or
 * one shared count. The record is popped (held_pop_top_exact), the owner field cleared,
 * then one CAS when no bit asks for a wakeup; if bits are set or the CAS fails, the word's
 * release goes on out of line (release_exclusive_word / release_shared_word: the record is
 * gone already, as in release()). */
template <class L> BSDSYNC_ALWAYS_INLINE bool fast_release(const SleepLock<L> &s, bool nosleep)
{
	using W = typename L::Word;
	if (unlikely(lock_events_on()))
		return false;
	ThreadState *t = current_record_cached();
	if (unlikely(!t))
		return false;
	W v = load_relaxed(s.word);
	if (L::xcount(v) == 1) {
		if (unlikely(load_relaxed(s.owner) != self()) ||
		    unlikely(!held_pop_top_exact(t, s.id, kX, nosleep)))
			return false;
		store_relaxed(s.owner, (void *)nullptr);
		/* Release: pairs with the next holder's acquire. */
		if (likely(!(v & (L::kExWait | L::kShWait | L::kCancel))) &&
		    likely(cas_release(s.word, &v, L::free_exclusive(v))))
			return true;
		release_exclusive_word<L>(s.id, v);
		return true;
	}
	if (L::xcount(v) || !L::scount(v) || unlikely(!held_pop_top_exact(t, s.id, kS, nosleep)))
		return false;
	count_recorded<L>(t, -1);
	/* Release: pairs with the acquire of the next exclusive holder. */
	if (likely(!shared_release_wakes<L>(v)) && likely(cas_release(s.word, &v, L::sub_shared(v))))
		return true;
	release_shared_word<L>(s.id, v);
	return true;
}

} // namespace sleep_lock
} // namespace bsdsync::dfly

#endif
