/*
 * FreeBSD lock(9): the lockmgr lock. A sleepable shared/exclusive lock with recursion,
 * upgrade, downgrade, disown (LK_KERNPROC), drain, an optional interlock of any class that
 * is released on every path, and per-call sleep options (LK_NOWAIT, LK_SLEEPFAIL,
 * LK_TIMELOCK, PCATCH in the priority).
 *
 * The word (struct lock.lk_lock, include/bsdsync/freebsd/lockmgr.h) has FreeBSD's encoding:
 *   LK_SHARE | n << 5        n sharers (n = 0: LK_UNLOCKED, free)
 *   owner                    held exclusively by the thread `owner` (LK_SHARE clear)
 *   LK_KERNPROC              held exclusively, disowned: any thread may release it
 *   LK_DESTROYED             lockdestroy() ran
 * plus the flag bits SHARED_WAITERS, EXCLUSIVE_WAITERS, DRAIN_WAITING (any of them makes
 * the final release take the slow path) and WRITER_RECURSED (depth-1 in lk_recurse).
 *
 * Transitions (x = the word; "g" = the lock's sleep-queue chain lock, WaitTable::Guard):
 *
 *   UNLOCKED       -> me                 exclusive fast path: one CAS, acquire
 *   me             -> UNLOCKED           exclusive release fast path: one CAS, release
 *   SHARE|n|bits   -> SHARE|n+1|bits     shared fast path: one CAS, acquire; allowed
 *                                        unless EXCLUSIVE_WAITERS (writers first), except
 *                                        in the slow path for a thread that already holds
 *                                        shared lockmgr locks (its held-locks stack)
 *                                        and did not pass LK_NODDLKTREAT
 *   SHARE|n|bits   -> SHARE|n-1|bits     shared release fast path, n > 1 or no bits: one CAS
 *   SHARE|n        -> SHARE|n+1 and back the inline LK_SHARED / LK_RELEASE of a driver built
 *                                        for production (<sys/lockmgr.h>): the same CASes,
 *                                        no EXCLUSIVE_WAITERS (no LK_NOSHARE lock), the
 *                                        hold counted in the thread's record instead of
 *                                        recorded (the count's rules: "the thread's
 *                                        holds" below)
 *   UNLOCKED       -> me and back        the inline LK_EXCLUSIVE / LK_RELEASE of a driver
 *                                        built for production: the same CASes, the hold
 *                                        counted in the thread's record (BSDSYNC_LK_XCOUNT)
 *                                        instead of recorded; the word is the same as a
 *                                        recorded hold's, the count tells them apart ("the
 *                                        thread's holds" below has the argument). Every
 *                                        other transition of such a hold is the module's
 *                                        and starts from the word, as for any hold
 *   me             -> me|RECURSED        LK_CANRECURSE recursion; only the owner writes
 *   SHARE|1|bits   -> me|bits            LK_UPGRADE/LK_TRYUPGRADE by the sole sharer: CAS
 *   me|bits        -> SHARE|1|bits'      LK_DOWNGRADE; if no writer waits, the shared
 *                                        waiters are woken at once (bits' lose SHARED)
 *   me|bits        -> KERNPROC|bits      lockmgr_disown
 *   x held         -> x|WAITERS bit      a waiter, under g, right before it queues on the
 *                                        lock's shared or exclusive queue: from then on the
 *                                        final release fails its CAS and takes g
 *   free|bits      -> me|bits            an exclusive waiter finds the lock free but bits
 *                                        set (a release just woke the queue): it claims it
 *                                        and keeps the bits (their duty comes with it)
 *   held|bits      -> free|bits'         final release slow path, under g: the queued
 *                                        counts decide (FreeBSD's policy): exclusive
 *                                        waiters first (all woken: they race, losers queue
 *                                        again; SHARED stays if sharers still wait); if
 *                                        only LK_SLEEPFAIL writers wait (they will not take
 *                                        the lock), both queues; else the shared queue
 *   x              -> x|DRAIN_WAITING    a LK_DRAIN caller, under g, before it queues on
 *                                        the drain queue: every final release and every
 *                                        thread that leaves a slow path without the lock
 *                                        wakes it to look again
 *   free           -> me                 LK_DRAIN, under g, once no thread that queued on
 *                                        the lock is still on its way (lk_pending == 0):
 *                                        an ordinary exclusive hold, released by LK_RELEASE
 *                                        like any other; the lock stays usable (FreeBSD's
 *                                        kern_lock.c: nothing retires a drained lock, the
 *                                        man page's "decommissioned" is 4.4BSD's)
 *   UNLOCKED       -> DESTROYED          lockdestroy()
 *
 * The queued counts (lk_exwaiters, lk_exslpfail, lk_shwaiters) are exact: WaitTable keeps
 * them under g as waiters queue, are woken, time out or are interrupted. A waiter that gives
 * up (timeout, signal, LK_SLEEPFAIL) settles the bits again under g and wakes whoever can
 * run now, so no thread sleeps on a lock nobody will release.
 *
 * Lifetime (prior-art.md bug 1): a release whose store frees the lock touches it afterwards
 * only to wake the threads it found queued, under g; while they are queued the lock cannot
 * legitimately be freed (lockdestroy reports threads in lockmgr; LK_DRAIN waits for them).
 * A release that finds no one queued makes its store the last access.
 *
 * The fast paths (fbsd_lockmgr_args, before the general path): a plain LK_SHARED,
 * LK_EXCLUSIVE or LK_RELEASE (flags exactly the operation) on a live lock, outside interrupt
 * context, by a thread that holds no non-sleepable lock, is the one CAS of its transition
 * above plus the per-thread counts; anything else, or a failed CAS, is the general path
 * from the start (the fast paths change nothing before their CAS succeeds).
 *
 * Blocking: with LK_ADAPTIVE, first spin while an exclusive owner runs on a CPU
 * (core/adaptive.h adaptive_spin). Then a WaitTable wait on sleep_queues (channel = the lock,
 * the shared or exclusive queue; the Drainers queue for LK_DRAIN) with the deadline (LK_TIMELOCK:
 * the lock's or the call's timo, per sleep, as FreeBSD) and the interruptible state (PCATCH in
 * prio), through the core's blocking tail (core/block.h: a BlockKind::Sleep, so Giant's
 * block hook drops Giant and restores it around the block); the LK_INTERLOCK interlock is
 * released by the tail once queued, never taken back.
 */
#include <bsdsync/freebsd/lockmgr.h>
#include "freebsd/lock_class.h"
#include "freebsd/sleep.h"
#include "core/adaptive.h"
#include "core/thread.h"
#include "core/waitq.h"

namespace bsdsync::fbsd {

namespace {

constexpr unsigned kClass = BSDSYNC_CLASS_LOCKMGR << LO_CLASSSHIFT;
constexpr uintptr kWaitBits = LK_ALL_WAITERS | LK_DRAIN_WAITING;

inline uintptr self() { return (uintptr)curthread(); }
inline lock_object *lo_of(lock *lk) { return &lk->lock_object; }
inline const lock_object *lo_of(const lock *lk) { return &lk->lock_object; }
inline uintptr holder(uintptr x) { return LK_HOLDER(x); }
inline bool is_shared_mode(uintptr x) { return x & LK_SHARE; }
inline uintptr sharers(uintptr x) { return LK_SHARERS(x); }
inline bool is_free(uintptr x) { return (x & LK_SHARE) && LK_SHARERS(x) == 0; }
inline bool xlocked_by(uintptr x, uintptr td) { return !(x & LK_SHARE) && holder(x) == td; }
inline ReportSubject subject(const lock *lk) { return subject_of(lo_of(lk)); }

/* ---- the thread's holds (core/thread.h; FreeBSD td_lk_slocks and witness) -------------- */
/* Every hold is recorded in the thread's held-locks stack with its lock events: one record
 * per shared acquisition, one per exclusive hold (recursions are events only). A disowned
 * (LK_KERNPROC) hold is no thread's: its record goes at lockmgr_disown. */

constexpr const LockType *kType = &lock_type_lockmgr;
constexpr HoldMode kSharedHold = HoldMode::Shared;
constexpr HoldMode kExclusiveHold = HoldMode::Exclusive;

/*
 * Beside the records, the thread's count of its shared lockmgr holds (FreeBSD td_lk_slocks;
 * HeldLocks::counts[BSDSYNC_LK_COUNT]), kept as sx and rw keep theirs (freebsd/shared_lock.h,
 * "per-thread bookkeeping"): kCountRecorded per hold recorded here, one per hold the inline
 * LK_SHARED of a driver built for production took (<sys/lockmgr.h>: no record, no event).
 * The inline LK_RELEASE only takes an inline hold while no recorded one exists, so a shared
 * release here takes lk's record if the thread has one, else one inline hold.
 */
constexpr int kCountRecorded = BSDSYNC_LK_COUNT_RECORDED;
static_assert(kCountRecorded == BSDSYNC_TD_COUNT_RECORDED, "core's held_pop_counted");
constexpr int kCountInline = BSDSYNC_LK_COUNT_RECORDED - 1;
inline int &lk_count(ThreadState *t) { return t->held.counts[BSDSYNC_LK_COUNT]; }

/*
 * And the count of its exclusive lockmgr holds (HeldLocks::counts[BSDSYNC_LK_XCOUNT], the
 * same layout): kCountRecorded per exclusive hold the module recorded (or only counted,
 * below the recorded ones), one per hold the inline LK_EXCLUSIVE of a driver built for
 * production took (<sys/lockmgr.h>: no record, no event). An exclusive word is the bare
 * owner, the same whoever took the hold, so this count is what tells them apart:
 *   - the inline LK_RELEASE takes a hold only while the recorded part is 0 (then no
 *     exclusive lockmgr hold of the thread has a record, so it leaves none stale), and
 *     only the word curthread (no waiter, drain or recursion bit: those are the module's);
 *   - the module's exclusive release (xheld_released) takes lk's record if it has one;
 *     without one, an inline hold if the inline part is nonzero (no event: none was sent
 *     for it); else it is a hold below the recorded ones or one taken before the thread
 *     had a record (held_released's own fallback).
 * A recursion is no new hold (the word's WRITER_RECURSED and lk_recurse), downgrade and
 * disown end the exclusive hold here, upgrade and drain begin one here. The rest needs no
 * record: ownership is in the word for every check (lockstatus, lockmgr_assert, the class
 * hooks of sleep(9) interlocks, drain's self-deadlock check, disown), and a contended
 * waiter sets a bit in the word, which fails the inline release's CAS.
 */
inline int &lk_xcount(ThreadState *t) { return t->held.counts[BSDSYNC_LK_XCOUNT]; }
static_assert(BSDSYNC_LK_XCOUNT < HeldLocks::kCounts && BSDSYNC_LK_XCOUNT != BSDSYNC_LK_COUNT,
	      "the exclusive count's slot");

/* An exclusive hold of the thread ends (not a recursion, not a disowned hold). */
inline void xheld_released(ThreadState *t, lock *lk, const char *file, int line)
{
	if (likely(t)) {
		int &c = lk_xcount(t);
		if (unlikely(c & kCountInline) &&
		    (c < kCountRecorded || held_count(t, lo_of(lk), kExclusiveHold, nullptr) == 0)) {
			c--;
			return;	/* an inline hold: no record, no event */
		}
		if (c >= kCountRecorded)
			c -= kCountRecorded;
	}
	held_released(t, lo_of(lk), kType, kExclusiveHold, file, line);
}

/* A shared hold of the thread ends (see shared_released in freebsd/shared_lock.h). */
inline bool shared_released(ThreadState *t, lock *lk, const char *file, int line)
{
	if (likely(t)) {
		switch (held_pop_counted(t, &lk_count(t), lo_of(lk), kType, kSharedHold)) {
		case CountedHold::Recorded:
			break;
		case CountedHold::Inline:
			return true;	/* no event (none was sent for it) */
		case CountedHold::None:
			lock_event_released(lo_of(lk), kType, kSharedHold, 0, file, line);
			return false;
		}
	}
	lock_event_released(lo_of(lk), kType, kSharedHold, 0, file, line);
	return true;
}
inline void note_acquired(lock *lk, HoldMode mode, unsigned flags, const char *file, int line)
{
	ThreadState *t = current_record();
	if (likely(t))
		(mode == kSharedHold ? lk_count(t) : lk_xcount(t)) += kCountRecorded;
	held_acquired(t, lo_of(lk), kType, mode, flags, file, line);
}
inline void note_released(lock *lk, HoldMode mode, const char *file, int line)
{
	if (mode == kSharedHold)
		shared_released(current_record_if_any(), lk, file, line);
	else
		xheld_released(current_record_if_any(), lk, file, line);
}
/* May the current thread hold lk shared? (Unknown without a record -- in interrupt context,
 * or if it could not be allocated -- or below the recorded holds, or with inline holds,
 * whose locks are not known: yes.) */
inline bool may_hold_shared(const lock *lk)
{
	ThreadState *t = current_record();
	bool unrecorded;
	return !t || held_count(t, lo_of(lk), kSharedHold, &unrecorded) > 0 || unrecorded ||
	       (lk_count(t) & kCountInline);
}
/* Does it hold any shared lockmgr lock (FreeBSD td_lk_slocks > 0)? The count has them all,
 * inline ones included; held_any the ones below the recorded holds of a deep stack. */
inline bool holds_shared_locks()
{
	ThreadState *t = current_record_if_any();
	return t && (lk_count(t) != 0 || held_any(t, kType, kSharedHold));
}

/* ---- one call ------------------------------------------------------------------------- */

struct Request {
	lock *lk;
	unsigned flags;
	lock_object *ilk;	/* the LK_INTERLOCK interlock while still held, else null */
	int prio;
	int timo;
	const char *what;	/* "lockmgr(LK_SHARED)" ... for reports */
	const char *file;
	int line;
	bool pending;		/* counted in lk_pending (it queued at least once) */
};

/* Release the interlock (if still held) through its class, as FreeBSD's lc_unlock. */
void release_interlock(Request &r)
{
	lock_object *ilk = r.ilk;
	if (!ilk)
		return;
	r.ilk = nullptr;
	const LockClass *cls = lock_class_of(ilk);
	if (!cls || !(load_relaxed(&ilk->lo_flags) & LO_INITIALIZED)) {
		report(cls ? BSDSYNC_RULE_DESTROYED : BSDSYNC_RULE_UNINITIALIZED, subject_of(ilk),
		       r.file, r.line, "%s: LK_INTERLOCK with an interlock that is %s", r.what,
		       cls ? "destroyed" : "not initialised");
		return;
	}
	uintptr how;
	cls->unlock(ilk, &how, r.file, r.line);	/* reports itself if it cannot */
}

/* Can the caller block here? Reports and returns false in interrupt or atomic context
 * (core/thread.h may_block). */
bool may_block(const Request &r)
{
	return bsdsync::may_block(subject(r.lk), nullptr, r.what, "failed with EBUSY instead",
				  r.file, r.line);
}

/* ---- waking: whom a change of the word lets run -------------------------------------- */

struct Plan {
	uintptr bits;		/* the waiter bits the word gets */
	bool wake_ex, wake_sh, wake_drain;
};

/* The lock becomes free. Chain held. */
Plan plan_free(const lock *lk, uintptr x)
{
	Plan p{};
	int ex = load_relaxed(&lk->lk_exwaiters), exf = load_relaxed(&lk->lk_exslpfail);
	int sh = load_relaxed(&lk->lk_shwaiters);
	if (ex > 0) {
		/* Writers first (FreeBSD): all of them race for it, the losers queue again. */
		p.wake_ex = true;
		p.bits = sh > 0 ? LK_SHARED_WAITERS : 0;
	} else if (exf > 0) {
		/* Only LK_SLEEPFAIL writers: they return ENOLCK without taking the lock, so the
		 * readers must not be left asleep behind them. */
		p.wake_ex = p.wake_sh = true;
	} else if (sh > 0) {
		p.wake_sh = true;
	}
	p.wake_drain = x & LK_DRAIN_WAITING;
	return p;
}

/* The lock stays (or becomes) held in the mode x says. Chain held. */
Plan plan_held(const lock *lk, uintptr x)
{
	Plan p{};
	bool ex = load_relaxed(&lk->lk_exwaiters) + load_relaxed(&lk->lk_exslpfail) > 0;
	bool sh = load_relaxed(&lk->lk_shwaiters) > 0;
	if (ex)
		p.bits |= LK_EXCLUSIVE_WAITERS;
	if (sh) {
		/* Shared mode and no writer queued: the readers can join now. */
		if (is_shared_mode(x) && !ex)
			p.wake_sh = true;
		else
			p.bits |= LK_SHARED_WAITERS;
	}
	p.bits |= x & LK_DRAIN_WAITING;
	return p;
}

void carry_out(WaitTable::Guard &g, lock *lk, const Plan &p)
{
	if (p.wake_ex)
		sleep_queues.wake_all(g, lk, WaitQueueId::ExclusiveLockers);
	if (p.wake_sh)
		sleep_queues.wake_all(g, lk, WaitQueueId::SharedLockers);
	if (p.wake_drain)
		sleep_queues.wake_all(g, lk, WaitQueueId::Drainers);
}

/* The same, for a releaser: the tasks are woken once the chain is released (declare the
 * WakeList before the Guard), so they do not find the releaser still holding it. */
void carry_out(WaitTable::Guard &g, lock *lk, const Plan &p, WakeList &later)
{
	if (p.wake_ex)
		sleep_queues.wake_all(g, lk, WaitQueueId::ExclusiveLockers, later);
	if (p.wake_sh)
		sleep_queues.wake_all(g, lk, WaitQueueId::SharedLockers, later);
	if (p.wake_drain)
		sleep_queues.wake_all(g, lk, WaitQueueId::Drainers, later);
}

/* Make the waiter bits match the queues again and wake whoever can run now (a waiter gave
 * up; a LK_DRAIN caller is always woken to look again). Chain held. */
void settle(WaitTable::Guard &g, lock *lk)
{
	uintptr x = load_relaxed(&lk->lk_lock);
	Plan p;
	for (;;) {
		if (x == LK_DESTROYED)
			return;
		uintptr base = x & ~kWaitBits;
		p = is_free(x) ? plan_free(lk, x) : plan_held(lk, x);
		if (x & LK_DRAIN_WAITING) {
			p.wake_drain = true;
			p.bits &= ~LK_DRAIN_WAITING;
		}
		if (cas_release(&lk->lk_lock, &x, base | p.bits))
			break;
	}
	carry_out(g, lk, p);
}

/* ---- waiters' bookkeeping (what LK_DRAIN waits for) ----------------------------------- */

/*
 * lk_pending counts the threads that queued on the lock during their call and have not
 * returned yet: queued, or woken and on their way back to the word. It goes up under the
 * chain lock at the first queueing of a call. A thread that leaves without the lock
 * decrements it under the chain lock too (and settles the bits: it may have been the
 * reason for one, or the one who was to take a free lock); one that leaves holding the lock
 * need not: its release wakes a drainer. Calls that never queue never touch it.
 */
void leave_slow_path(Request &r, int error)
{
	if (!r.pending)
		return;
	r.pending = false;
	lock *lk = r.lk;
	if (error == 0) {
		__atomic_sub_fetch(&lk->lk_pending, 1, __ATOMIC_RELEASE);
		return;
	}
	WaitTable::Guard g(sleep_queues, lk);
	__atomic_sub_fetch(&lk->lk_pending, 1, __ATOMIC_RELEASE);
	settle(g, lk);
}

/* The lock was destroyed while the thread waited for it. */
BSDSYNC_COLD int gone(const Request &r)
{
	report(BSDSYNC_RULE_DESTROYED, subject(r.lk), r.file, r.line,
	       "%s: the lock was destroyed while this thread waited for it", r.what);
	return BSDSYNC_EINVAL;
}

/*
 * Queue on (lk, q) -- g held, the waiter bit already set --, release g, the interlock and
 * Giant, block, take Giant back (all in block_on). FreeBSD sleeplk(): 0 when woken (the
 * caller retries), ENOLCK when woken under LK_SLEEPFAIL, EWOULDBLOCK on the LK_TIMELOCK timeout, EINTR or
 * ERESTART on a signal (PCATCH).
 */
int sleep_on_lock(Request &r, WaitTable::Guard &g, WaitQueueId q)
{
	lock *lk = r.lk;
	bool drain = q == WaitQueueId::Drainers;
	int *count = nullptr;
	if (q == WaitQueueId::SharedLockers)
		count = &lk->lk_shwaiters;
	else if (q == WaitQueueId::ExclusiveLockers)
		count = (r.flags & LK_SLEEPFAIL) ? &lk->lk_exslpfail : &lk->lk_exwaiters;

	if (!drain && !r.pending) {
		r.pending = true;
		__atomic_add_fetch(&lk->lk_pending, 1, __ATOMIC_RELAXED);	/* chain held */
	}
	/* The blocking tail (core/block.h): queued first, then the interlock goes, then
	 * Giant (a sleep), the wait, Giant back. */
	BlockOptions o;
	o.kind = BlockKind::Sleep;
	/* LK_DRAIN sleeps uninterruptibly and without timeout (FreeBSD sleepq_wait). */
	if (!drain && (r.flags & LK_TIMELOCK) && r.timo > 0)
		o.deadline_ns = bsdsync_uptime_ns() + sbt_to_ns(fbsd_tick_sbt * r.timo);
	o.state = (!drain && (r.prio & BSDSYNC_PCATCH)) ? BSDSYNC_BLOCK_INTERRUPTIBLE
							: BSDSYNC_BLOCK_IDLE;
	o.count = count;
	o.drop_interlock = [](void *arg) {
		release_interlock(*static_cast<Request *>(arg));
		return true;	/* a bad interlock is reported, and the sleep goes on */
	};
	o.interlock_arg = &r;
	o.file = r.file;
	o.line = r.line;
	Waiter w;
	int error = block_errno(static_cast<bsdsync_block_result>(
		block_on(sleep_queues, g, w, lk, q, o)));

	if (error == 0 && !drain && (r.flags & LK_SLEEPFAIL))
		error = BSDSYNC_ENOLCK;
	return error;
}

/*
 * LK_ADAPTIVE (a per-call attribute, as FreeBSD's vfs uses it): while an exclusive owner
 * runs on a CPU it will release soon, so spin instead of sleeping. Never with LK_SLEEPFAIL
 * (it must sleep to fail) or with Giant held (the owner may want it); the interlock goes
 * first, as in FreeBSD (the owner may be spinning on it). True if the word changed.
 */
bool adaptive_spin(Request &r, uintptr x)
{
	if (!(r.flags & LK_ADAPTIVE) || (r.flags & LK_SLEEPFAIL) || is_shared_mode(x))
		return false;
	uintptr h = holder(x);
	if (h == LK_KERNPROC || h == LK_DESTROYED || giant_owned())
		return false;
	release_interlock(r);
	return bsdsync::adaptive_spin(&r.lk->lk_lock, h, ~LK_FLAGMASK);
}

/* ---- shared --------------------------------------------------------------------------- */

/* FreeBSD LK_CAN_SHARE: shared mode and no writer waiting; in the slow path also while
 * writers wait if the thread already holds shared lockmgr locks (it might hold the very
 * lock a writer waits for: queueing behind the writer would deadlock). */
inline bool can_share(uintptr x, unsigned flags, bool slow)
{
	if (!(x & LK_SHARE))
		return false;
	if (!(x & LK_EXCLUSIVE_WAITERS))
		return true;
	return slow && !(flags & LK_NODDLKTREAT) && holds_shared_locks();
}

/* take_or_sleep()'s result when the caller must look at the word again (it changed before
 * we queued, or we were woken); 0 is "taken", any other value an error of the sleep. */
constexpr int kSleepRetry = -1;

/*
 * The end of both slow loops, under the chain Guard of lk: take the lock if the word is now
 * `available` (CAS to granted(word), acquire: pairs with the release of the last holder),
 * otherwise set `waiter_bit` (so that the holders' release finds us) and sleep on `q`.
 * Returns 0 (taken), kSleepRetry, or sleep_on_lock()'s error.
 */
template <typename Available, typename Granted>
int take_or_sleep(Request &r, WaitQueueId q, uintptr waiter_bit, Available available,
		  Granted granted)
{
	lock *lk = r.lk;
	WaitTable::Guard g(sleep_queues, lk);
	uintptr x = load_relaxed(&lk->lk_lock);
	if (available(x))
		return cas_acquire(&lk->lk_lock, &x, granted(x)) ? 0 : kSleepRetry;
	if (x == LK_DESTROYED)
		return kSleepRetry;
	if (!(x & waiter_bit) && !cas_relaxed(&lk->lk_lock, &x, x | waiter_bit))
		return kSleepRetry;
	int error = sleep_on_lock(r, g, q);
	return error ? error : kSleepRetry;
}

BSDSYNC_NOINLINE int slock_slow(Request &r)
{
	lock *lk = r.lk;
	const uintptr me = self();
	int error = 0;
	bool contended = false;

	for (;;) {
		uintptr x = load_relaxed(&lk->lk_lock);
		bool got = false;
		while (can_share(x, r.flags, true)) {
			if (cas_acquire(&lk->lk_lock, &x, x + LK_ONE_SHARER)) {
				got = true;
				break;
			}
		}
		if (got)
			break;
		if (unlikely(x == LK_DESTROYED)) {
			error = gone(r);
			break;
		}
		if (xlocked_by(x, me)) {
			/* Shared request by the exclusive holder: refused (FreeBSD EDEADLK). */
			error = BSDSYNC_EDEADLK;
			break;
		}
		if ((r.flags & LK_NOWAIT) || !may_block(r)) {
			error = BSDSYNC_EBUSY;
			break;
		}
		if (!contended) {
			contended = true;
			lock_contended(lo_of(lk), kType, kSharedHold, r.file, r.line);
		}
		if (adaptive_spin(r, x))
			continue;

		/* Released meanwhile (a free word never keeps a writer bit for long: take it
		 * rather than sleep on a lock nobody holds). */
		auto available = [&r](uintptr w) {
			return can_share(w, r.flags, true) || is_free(w);
		};
		int e = take_or_sleep(r, WaitQueueId::SharedLockers, LK_SHARED_WAITERS, available,
				      [](uintptr w) { return w + LK_ONE_SHARER; });
		if (e != kSleepRetry) {
			error = e;
			break;
		}
	}
	leave_slow_path(r, error);
	if (error)
		return error;
	note_acquired(lk, kSharedHold, (r.flags & LK_NOWAIT) ? BSDSYNC_LE_TRY : 0, r.file, r.line);
	return 0;
}

int slock(Request &r)
{
	lock *lk = r.lk;
	uintptr x = load_relaxed(&lk->lk_lock);
	/* Fast path: one CAS (acquire: pairs with the release of the last writer). */
	if (likely(can_share(x, r.flags, false)) &&
	    likely(cas_acquire(&lk->lk_lock, &x, x + LK_ONE_SHARER))) {
		note_acquired(lk, kSharedHold, (r.flags & LK_NOWAIT) ? BSDSYNC_LE_TRY : 0, r.file,
			      r.line);
		return 0;
	}
	return slock_slow(r);
}

/* Drop one shared hold (the caller's; checked by the caller). */
BSDSYNC_NOINLINE void sunlock_slow(lock *lk)
{
	WakeList later;
	WaitTable::Guard g(sleep_queues, lk);
	uintptr x = load_relaxed(&lk->lk_lock);
	Plan p{};
	for (;;) {
		if (sharers(x) > 1) {
			if (cas_release(&lk->lk_lock, &x, x - LK_ONE_SHARER))
				return;
			continue;
		}
		/* The last sharer: the lock becomes free; the counts say whom to wake. */
		p = plan_free(lk, x);
		if (cas_release(&lk->lk_lock, &x, LK_UNLOCKED | p.bits))
			break;
	}
	carry_out(g, lk, p, later);
}

void sunlock(lock *lk)
{
	uintptr x = load_relaxed(&lk->lk_lock);
	/* Fast path: one CAS, release (pairs with the next writer's acquire). */
	while (sharers(x) > 1 || !(x & kWaitBits)) {
		if (cas_release(&lk->lk_lock, &x, x - LK_ONE_SHARER))
			return;
	}
	sunlock_slow(lk);
}

/* ---- exclusive ------------------------------------------------------------------------ */

BSDSYNC_NOINLINE int xlock_slow(Request &r)
{
	lock *lk = r.lk;
	const uintptr me = self();
	uintptr x = load_relaxed(&lk->lk_lock);

	if (xlocked_by(x, me)) {
		if ((r.flags & LK_CANRECURSE) ||
		    (load_relaxed(&lk->lock_object.lo_flags) & LO_RECURSABLE)) {
			lk->lock_object.lo_data++;
			fetch_or_relaxed(&lk->lk_lock, LK_WRITER_RECURSED);
			lock_event_acquired(lo_of(lk), kType, kExclusiveHold, BSDSYNC_LE_RECURSE,
					    r.file, r.line);
			return 0;
		}
		if (r.flags & LK_NOWAIT)
			return BSDSYNC_EBUSY;	/* FreeBSD: a try never panics */
		/* FreeBSD panics; refusing keeps the caller's single hold intact. */
		report(BSDSYNC_RULE_RECURSION, subject(lk), r.file, r.line,
		       "%s: recursed on a non-recursive lockmgr lock (no LK_CANRECURSE): "
		       "refused with EDEADLK", r.what);
		return BSDSYNC_EDEADLK;
	}

	int error = 0;
	bool contended = false;
	for (;;) {
		x = LK_UNLOCKED;
		if (cas_acquire(&lk->lk_lock, &x, me))
			break;
		if (unlikely(x == LK_DESTROYED)) {
			error = gone(r);
			break;
		}
		if ((r.flags & LK_NOWAIT) || !may_block(r)) {
			error = BSDSYNC_EBUSY;
			break;
		}
		if (!contended) {
			contended = true;
			lock_contended(lo_of(lk), kType, kExclusiveHold, r.file, r.line);
		}
		if (adaptive_spin(r, x))
			continue;

		/* Free, maybe with waiter bits (their duty comes with the lock). */
		int e = take_or_sleep(r, WaitQueueId::ExclusiveLockers, LK_EXCLUSIVE_WAITERS,
				      [](uintptr w) { return is_free(w); },
				      [me](uintptr w) { return me | (w & kWaitBits); });
		if (e != kSleepRetry) {
			error = e;
			break;
		}
	}
	leave_slow_path(r, error);
	if (!error)
		note_acquired(lk, kExclusiveHold, (r.flags & LK_NOWAIT) ? BSDSYNC_LE_TRY : 0,
			      r.file, r.line);
	return error;
}

int xlock(Request &r)
{
	uintptr x = LK_UNLOCKED;
	/* Fast path: one CAS (acquire: pairs with the release of the previous holder). */
	if (likely(cas_acquire(&r.lk->lk_lock, &x, self()))) {
		note_acquired(r.lk, kExclusiveHold, (r.flags & LK_NOWAIT) ? BSDSYNC_LE_TRY : 0,
			      r.file, r.line);
		return 0;
	}
	return xlock_slow(r);
}

/* Final release of an exclusive hold with waiter bits set. */
BSDSYNC_NOINLINE void xunlock_slow(lock *lk)
{
	WakeList later;
	WaitTable::Guard g(sleep_queues, lk);
	/* Only the chain holder changes bits of an exclusively held word: x is stable. */
	uintptr x = load_relaxed(&lk->lk_lock);
	Plan p = plan_free(lk, x);
	store_release(&lk->lk_lock, LK_UNLOCKED | p.bits);
	carry_out(g, lk, p, later);
}

/* ---- the operations ------------------------------------------------------------------- */

BSDSYNC_COLD int not_holder(const Request &r, uintptr x, const char *what)
{
	const char *state = is_free(x) ? "it is unlocked"
			    : is_shared_mode(x) ? "it is share-locked and this thread holds no "
						  "shared lockmgr lock"
			    : "another thread holds it exclusively";
	report(BSDSYNC_RULE_NOT_OWNER, subject(r.lk), r.file, r.line, "%s %s: %s", r.what, what,
	       state);
	return BSDSYNC_EINVAL;
}

int release(Request &r)
{
	lock *lk = r.lk;
	const uintptr me = self();
	uintptr x = load_relaxed(&lk->lk_lock);

	if (is_shared_mode(x)) {
		/* One look-up of the thread's record for the check and the record. */
		ThreadState *t = current_record();
		if (sharers(x) == 0 || !shared_released(t, lk, r.file, r.line))
			return not_holder(r, x, "of a lock the thread does not hold");
		sunlock(lk);
		return 0;
	}
	uintptr h = holder(x);
	if (h != me && h != LK_KERNPROC)
		return not_holder(r, x, "of a lock the thread does not hold");
	if (h == me && (x & LK_WRITER_RECURSED)) {
		lock_event_released(lo_of(lk), kType, kExclusiveHold, BSDSYNC_LE_RECURSE, r.file,
				    r.line);
		if (--lk->lock_object.lo_data == 0)
			fetch_and_relaxed(&lk->lk_lock, ~LK_WRITER_RECURSED);
		return 0;
	}
	if (h == me)
		note_released(lk, kExclusiveHold, r.file, r.line);
	else	/* disowned: no thread's record */
		lock_event_released(lo_of(lk), kType, kExclusiveHold, 0, r.file, r.line);
	/* Fast path (also for a disowned hold): one CAS, release. */
	if (x == h && cas_release(&lk->lk_lock, &x, LK_UNLOCKED))
		return 0;
	xunlock_slow(lk);
	return 0;
}

int upgrade(Request &r, bool try_only)
{
	lock *lk = r.lk;
	const uintptr me = self();
	uintptr x = load_relaxed(&lk->lk_lock);

	if (!is_shared_mode(x) || sharers(x) == 0 || !may_hold_shared(lk)) {
		if (xlocked_by(x, me))
			report(BSDSYNC_RULE_NOT_OWNER, subject(lk), r.file, r.line,
			       "%s of a lock the thread holds exclusively", r.what);
		else
			not_holder(r, x, "of a lock the thread does not hold shared");
		return BSDSYNC_EINVAL;
	}
	/* The sole sharer (the caller) becomes the owner, waiter bits kept: one CAS. */
	while (sharers(x) == 1) {
		if (cas_acquire(&lk->lk_lock, &x, me | (x & kWaitBits))) {
			/* FreeBSD WITNESS_UPGRADE: the shared hold is now the exclusive one. */
			note_released(lk, kSharedHold, r.file, r.line);
			note_acquired(lk, kExclusiveHold, BSDSYNC_LE_TRY, r.file, r.line);
			return 0;
		}
	}
	if (try_only)
		return BSDSYNC_EBUSY;	/* and the shared hold is kept */
	/* Others share it: give up the shared hold and queue as a writer (FreeBSD). Anyone
	 * may get in between; on failure the caller holds nothing. */
	note_released(lk, kSharedHold, r.file, r.line);
	sunlock(lk);
	return xlock(r);
}

int downgrade(Request &r)
{
	lock *lk = r.lk;
	const uintptr me = self();
	uintptr x = load_relaxed(&lk->lk_lock);

	if (!xlocked_by(x, me)) {
		report(BSDSYNC_RULE_NOT_OWNER, subject(lk), r.file, r.line, "%s of a lock %s", r.what,
		       holder(x) == LK_KERNPROC && !is_shared_mode(x)
			       ? "that is disowned (LK_KERNPROC): no thread can hold it shared"
			       : "the thread does not hold exclusively");
		return BSDSYNC_EINVAL;
	}
	if (x & LK_WRITER_RECURSED) {
		report(BSDSYNC_RULE_RECURSED_OP, subject(lk), r.file, r.line,
		       "%s of a recursed lock (depth %u): refused", r.what,
		       lk->lock_object.lo_data + 1);
		return BSDSYNC_EINVAL;
	}
	/* FreeBSD WITNESS_DOWNGRADE: the exclusive hold is now a shared one. */
	note_released(lk, kExclusiveHold, r.file, r.line);
	note_acquired(lk, kSharedHold, 0, r.file, r.line);
	/* No waiter: one CAS, release (the exclusive section is published to later sharers). */
	if (x == me && cas_release(&lk->lk_lock, &x, LK_SHARERS_LOCK(1)))
		return 0;
	/* Waiters: if no writer waits, the queued readers share it with us at once. */
	WakeList later;
	WaitTable::Guard g(sleep_queues, lk);
	x = load_relaxed(&lk->lk_lock);
	Plan p = plan_held(lk, LK_SHARERS_LOCK(1));
	store_release(&lk->lk_lock, LK_SHARERS_LOCK(1) | p.bits | (x & LK_DRAIN_WAITING));
	carry_out(g, lk, p, later);
	return 0;
}

int drain(Request &r)
{
	lock *lk = r.lk;
	const uintptr me = self();
	uintptr x = load_relaxed(&lk->lk_lock);

	if (xlocked_by(x, me)) {
		report(BSDSYNC_RULE_RECURSION, subject(lk), r.file, r.line,
		       "%s of a lock the thread holds: it would wait for itself; refused with "
		       "EDEADLK", r.what);
		return BSDSYNC_EDEADLK;
	}
	int error = 0;
	bool context_checked = false;
	/* Everything under the chain: lk_pending only drops under it for threads that
	 * leave without the lock, and a holder's release sees DRAIN_WAITING. */
	for (;;) {
		WaitTable::Guard g(sleep_queues, lk);
		x = load_relaxed(&lk->lk_lock);
		if (unlikely(x == LK_DESTROYED)) {
			g.unlock();
			error = gone(r);
			break;
		}
		if (is_free(x) && load_relaxed(&lk->lk_pending) == 0) {
			/* Idle: nobody holds it, nobody is queued or on the way. Another drainer's
			 * bit stays: our final release wakes it to drain in turn. */
			if (cas_acquire(&lk->lk_lock, &x, me | (x & LK_DRAIN_WAITING)))
				break;
			continue;
		}
		if (r.flags & LK_NOWAIT) {
			error = BSDSYNC_EBUSY;
			break;
		}
		if (!context_checked) {
			/* Not under the chain lock: it holds interrupts off. */
			g.unlock();
			context_checked = true;
			if (!may_block(r)) {
				error = BSDSYNC_EBUSY;
				break;
			}
			continue;
		}
		if (!(x & LK_DRAIN_WAITING) &&
		    !cas_relaxed(&lk->lk_lock, &x, x | LK_DRAIN_WAITING))
			continue;
		sleep_on_lock(r, g, WaitQueueId::Drainers);
	}
	if (!error)	/* drained: held exclusively (FreeBSD: the caller releases it) */
		note_acquired(lk, kExclusiveHold, 0, r.file, r.line);
	return error;
}

BSDSYNC_COLD int not_live(Request &r, unsigned flags)
{
	lock *lk = r.lk;
	if ((flags & LO_CLASSMASK) == kClass)
		report(BSDSYNC_RULE_DESTROYED, subject(lk), r.file, r.line,
		       "%s of a destroyed lockmgr lock", r.what);
	else if (!(flags & LO_INITIALIZED))
		report(BSDSYNC_RULE_UNINITIALIZED, subject(lk), r.file, r.line,
		       "%s of a lock never passed to lockinit", r.what);
	else
		report(BSDSYNC_RULE_WRONG_CLASS, subject(lk), r.file, r.line,
		       "%s of a lock that is not a lockmgr lock", r.what);
	return BSDSYNC_EINVAL;
}

const char *op_name(unsigned op)
{
	switch (op) {
	case LK_SHARED: return "lockmgr(LK_SHARED)";
	case LK_EXCLUSIVE: return "lockmgr(LK_EXCLUSIVE)";
	case LK_UPGRADE: return "lockmgr(LK_UPGRADE)";
	case LK_TRYUPGRADE: return "lockmgr(LK_TRYUPGRADE)";
	case LK_DOWNGRADE: return "lockmgr(LK_DOWNGRADE)";
	case LK_RELEASE: return "lockmgr(LK_RELEASE)";
	case LK_DRAIN: return "lockmgr(LK_DRAIN)";
	default: return "lockmgr";
	}
}

/* lockmgr_assert's check, shared by lockallow*()/lockdisable*(); true if it held. */
bool check_assert(const lock *lk, int what, const char *fn, const char *file, int line);

int dispatch(Request &r, unsigned op)
{
	switch (op) {
	case LK_SHARED:
		return slock(r);
	case LK_EXCLUSIVE:
		return xlock(r);
	case LK_RELEASE:
		return release(r);
	case LK_UPGRADE:
		return upgrade(r, false);
	case LK_TRYUPGRADE:
		return upgrade(r, true);
	case LK_DOWNGRADE:
		return downgrade(r);
	case LK_DRAIN:
		return drain(r);
	default:
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject(r.lk), r.file, r.line,
		       "lockmgr: unknown or multiple operations 0x%x%s", op,
		       op == LK_EXCLOTHER ? " (LK_EXCLOTHER is a lockstatus result)" : "");
		return BSDSYNC_EINVAL;
	}
}

bool check_assert(const lock *lk, int what, const char *fn, const char *file, int line)
{
	uintptr x = load_relaxed(&lk->lk_lock);
	const uintptr me = self();
	bool mine_x = !is_shared_mode(x) && x != LK_DESTROYED &&
		      (holder(x) == me || holder(x) == LK_KERNPROC);
	bool slocked = is_shared_mode(x) && sharers(x) > 0 && may_hold_shared(lk);
	bool recursed = mine_x && (x & LK_WRITER_RECURSED);
	int rec = what & (KA_RECURSED | KA_NOTRECURSED);
	const char *fail = nullptr;

	if (rec == (KA_RECURSED | KA_NOTRECURSED)) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject(lk), file, line,
		       "%s: KA_RECURSED and KA_NOTRECURSED together", fn);
		return false;
	}
	switch (what & ~(KA_RECURSED | KA_NOTRECURSED)) {
	case KA_SLOCKED:
		if (!slocked)
			fail = "not share-locked by this thread";
		break;
	case KA_LOCKED:
		if (!slocked && !mine_x)
			fail = "not locked by this thread";
		break;
	case KA_XLOCKED:
		if (!mine_x)
			fail = "not exclusively locked by this thread";
		break;
	case KA_UNLOCKED:
		if (rec) {
			report(BSDSYNC_RULE_BAD_ARGUMENT, subject(lk), file, line,
			       "%s: KA_UNLOCKED with a recursion flag", fn);
			return false;
		}
		if (mine_x)
			fail = "exclusively locked by this thread";
		break;
	default:
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject(lk), file, line,
		       "%s: unknown assertion 0x%x", fn, what);
		return false;
	}
	/* Recursion is only defined for an exclusive hold (FreeBSD). */
	if (!fail && mine_x) {
		if (recursed && (what & KA_NOTRECURSED))
			fail = "recursed";
		else if (!recursed && (what & KA_RECURSED))
			fail = "not recursed";
	}
	if (fail) {
		report(BSDSYNC_RULE_ASSERTION, subject(lk), file, line, "%s: lock %s", fn, fail);
		return false;
	}
	return true;
}

} // namespace

/* ---- lock class hooks: a lockmgr lock as the interlock of sleep(9) and condvar(9) ---- */

static bool lockmgr_class_unlock(lock_object *lo, uintptr *how, const char *file, int line)
{
	lock *lk = reinterpret_cast<lock *>(lo);
	uintptr x = load_relaxed(&lk->lk_lock);
	if (xlocked_by(x, self())) {
		if (x & LK_WRITER_RECURSED) {
			report(BSDSYNC_RULE_SLEEP_RECURSED, subject_of(lo), file, line,
			       "cannot sleep on a recursed lockmgr lock (depth %u)",
			       lo->lo_data + 1);
			return false;
		}
		*how = 0;
	} else if (is_shared_mode(x) && sharers(x) > 0 && may_hold_shared(lk)) {
		*how = 1;
	} else {
		report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo), file, line,
		       "sleeping with a lockmgr interlock the thread does not hold");
		return false;
	}
	fbsd_lockmgr_args(lk, LK_RELEASE, nullptr, LK_WMESG_DEFAULT, LK_PRIO_DEFAULT,
			  LK_TIMO_DEFAULT, file, line);
	return true;
}

static void lockmgr_class_lock(lock_object *lo, uintptr how, const char *file, int line)
{
	fbsd_lockmgr_args(reinterpret_cast<lock *>(lo), how ? LK_SHARED : LK_EXCLUSIVE, nullptr,
			  LK_WMESG_DEFAULT, LK_PRIO_DEFAULT, LK_TIMO_DEFAULT, file, line);
}

static bool lockmgr_class_owned(const lock_object *lo)
{
	uintptr x = load_relaxed(&reinterpret_cast<const lock *>(lo)->lk_lock);
	return xlocked_by(x, self()) || (is_shared_mode(x) && sharers(x) > 0 && may_hold_shared(reinterpret_cast<const lock *>(lo)));
}

constinit const LockClass lock_class_lockmgr = {
	"lockmgr", LC_SLEEPLOCK | LC_SLEEPABLE | LC_RECURSABLE | LC_UPGRADABLE, &lock_type_lockmgr,
	lockmgr_class_unlock, lockmgr_class_lock, lockmgr_class_owned,
};

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

/* ---- the C ABI -------------------------------------------------------------------------- */

extern "C" void fbsd_lockinit(struct lock *lk, int prio, const char *wmesg, int timo, int flags,
			      const struct bsdsync_lock_site *site)
{
	lock_object *lo = lo_of(lk);
	if (flags & ~LK_INIT_MASK) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "lockmgr", wmesg, lk, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "lockinit: flags 0x%x are not lockinit flags (ignored)",
		       flags & ~LK_INIT_MASK);
		flags &= LK_INIT_MASK;
	}
	if (!(flags & LK_NEW) && (load_relaxed(&lo->lo_flags) & LO_INITIALIZED)) {
		uintptr x = load_relaxed(&lk->lk_lock);
		report(BSDSYNC_RULE_DOUBLE_INIT, ReportSubject{ "lockmgr", wmesg, lk, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "lockinit of a live lock \"%s\" (pass LK_NEW for fresh memory)",
		       lo->lo_name ? lo->lo_name : "");
		/* Re-initialising a held or waited-on lock would corrupt its holders: keep it. */
		if (x != LK_UNLOCKED || load_relaxed(&lk->lk_pending) != 0)
			return;
	}
	unsigned iflags = LO_SLEEPABLE | LO_UPGRADABLE;
	if (flags & LK_CANRECURSE)
		iflags |= LO_RECURSABLE;
	if (!(flags & LK_NODUP))
		iflags |= LO_DUPOK;
	if (flags & LK_NOPROFILE)
		iflags |= LO_NOPROFILE;
	if (!(flags & LK_NOWITNESS))
		iflags |= LO_WITNESS;
	if (flags & LK_QUIET)
		iflags |= LO_QUIET;
	if (flags & LK_IS_VNODE)
		iflags |= LO_IS_VNODE;
	if (flags & LK_NEW)
		iflags |= LO_NEW;
	iflags |= flags & LK_NOSHARE;
	lk->lk_exslpfail = 0;
	lk->lk_exwaiters = 0;
	lk->lk_shwaiters = 0;
	lk->lk_pending = 0;
	lk->lk_timo = timo;
	lk->lk_pri = prio;
	store_relaxed(&lk->lk_lock, LK_UNLOCKED);
	lock_init(lo, BSDSYNC_CLASS_LOCKMGR, wmesg, iflags, site);
}

extern "C" void fbsd_lockdestroy(struct lock *lk, const char *file, int line)
{
	lock_object *lo = lo_of(lk);
	unsigned flags = load_relaxed(&lo->lo_flags);
	uintptr x = load_relaxed(&lk->lk_lock);

	if (!(flags & LO_INITIALIZED) || (flags & LO_CLASSMASK) != kClass) {
		bool destroyed = (flags & LO_CLASSMASK) == kClass;
		report(destroyed ? BSDSYNC_RULE_DESTROYED : BSDSYNC_RULE_UNINITIALIZED, subject(lk),
		       file, line, destroyed ? "lockdestroy of a destroyed lock"
					     : "lockdestroy of a lock never passed to lockinit");
		return;
	}
	if (x != LK_UNLOCKED || load_relaxed(&lk->lk_pending) != 0 ||
	    !cas_relaxed(&lk->lk_lock, &x, LK_DESTROYED)) {
		report(BSDSYNC_RULE_DESTROY_HELD, subject(lk), file, line,
		       "lockdestroy of a lock that is %s: not destroyed",
		       !is_shared_mode(x) ? "held exclusively"
		       : sharers(x) ? "share-locked" : "being waited for");
		return;
	}
	lock_destroy(lo);
}

namespace {

/*
 * The fast paths of the plain requests (flags exactly LK_SHARED, LK_EXCLUSIVE or LK_RELEASE:
 * no interlock, no sleep option, nothing to report), tried before the general path on a live
 * lock, outside interrupt context. Each is one CAS plus the thread's bookkeeping, and has no
 * effect unless it succeeds: on false the general path does the whole request from the start.
 * The acquisitions only go fast for a thread that has a state and holds no non-sleepable
 * lock (else the general path creates the state or reports the lock, once), so that they
 * make no call.
 */
BSDSYNC_ALWAYS_INLINE bool fast_slock(lock *lk, const char *file, int line)
{
	ThreadState *t = current_record_cached_in_thread();	/* a miss: the general path */
	if (unlikely(!t || t->held.nosleep > 0))
		return false;
	uintptr x = load_relaxed(&lk->lk_lock);
	/* can_share's fast case (shared mode, no writer waiting). Acquire: pairs with the
	 * release of the last writer. Another sharer's CAS in between: retry. */
	while (likely(can_share(x, LK_SHARED, false))) {
		if (likely(cas_acquire(&lk->lk_lock, &x, x + LK_ONE_SHARER))) {
			held_record(t, lo_of(lk), kType, kSharedHold, false, file, line);
			lk_count(t) += kCountRecorded;
			return true;
		}
	}
	return false;
}

BSDSYNC_ALWAYS_INLINE bool fast_xlock(lock *lk, const char *file, int line)
{
	ThreadState *t = current_record_cached_in_thread();	/* a miss: the general path */
	if (unlikely(!t || t->held.nosleep > 0))
		return false;
	uintptr x = LK_UNLOCKED;
	/* Acquire: pairs with the release of the previous holder. */
	if (likely(cas_acquire(&lk->lk_lock, &x, self()))) {
		held_record(t, lo_of(lk), kType, kExclusiveHold, false, file, line);
		lk_xcount(t) += kCountRecorded;
		return true;
	}
	return false;
}

/* The record goes first (the hold it stands for is ending), and comes back if the CAS
 * fails: then the general path does the whole release. Only a hold that is the thread's
 * newest record goes fast. */
BSDSYNC_ALWAYS_INLINE bool fast_release(lock *lk, const char *file, int line)
{
	uintptr x = load_relaxed(&lk->lk_lock);
	ThreadState *t = current_record_cached_in_thread();	/* a miss: the general path */
	if (unlikely(!t))
		return false;
	/* Our exclusive hold, not recursed, no waiter bits. Release: pairs with the acquire of
	 * the next holder. */
	if (x == self()) {
		if (unlikely(!held_pop_top_exact(t, lo_of(lk), kExclusiveHold, false)))
			return false;
		if (likely(cas_release(&lk->lk_lock, &x, LK_UNLOCKED))) {
			lk_xcount(t) -= kCountRecorded;
			return true;
		}
		held_unpop(t);
		return false;
	}
	/* A shared hold that is not the last with waiter bits, by a thread whose newest record
	 * it is. Another sharer's CAS in between: retry. */
	if (!is_shared_mode(x) || unlikely(!held_pop_top_exact(t, lo_of(lk), kSharedHold, false)))
		return false;
	while (likely(is_shared_mode(x)) &&
	       likely(sharers(x) > 1 || (sharers(x) == 1 && !(x & kWaitBits)))) {
		if (likely(cas_release(&lk->lk_lock, &x, x - LK_ONE_SHARER))) {
			lk_count(t) -= kCountRecorded;
			return true;
		}
	}
	held_unpop(t);
	return false;
}

/* The fast path of one plain request (flags exactly the operation), or false. */
/* ACQUIRING for a request that may wait (FreeBSD's WITNESS_CHECKORDER in __lockmgr_args). */
BSDSYNC_COLD void lockmgr_acquiring(lock *lk, unsigned int flags, const char *file, int line)
{
	unsigned op = flags & LK_TYPE_MASK;
	if (flags & LK_NOWAIT)
		return;
	if (op == LK_SHARED)
		lock_acquiring(lo_of(lk), kType, kSharedHold, file, line);
	else if (op == LK_EXCLUSIVE || op == LK_UPGRADE || op == LK_DRAIN)
		lock_acquiring(lo_of(lk), kType, kExclusiveHold, file, line);
}

__attribute__((always_inline)) inline bool lockmgr_fast(lock *lk, unsigned int flags,
							 const char *file, int line)
{
	/* With a lock-event sink attached the general path does everything and sends every
	 * event (lockmgr_general: ACQUIRING), so that the fast paths carry none. */
	if (unlikely(lock_events_on()))
		return false;
	unsigned lflags = load_relaxed(&lk->lock_object.lo_flags);
	if (unlikely((lflags & (LO_INITIALIZED | LO_CLASSMASK)) !=
		     (LO_INITIALIZED | kClass)) ||
	    unlikely(bsdsync_in_interrupt()))
		return false;
	switch (flags) {
	case LK_SHARED:
		return likely(!(lflags & LK_NOSHARE)) && fast_slock(lk, file, line);
	case LK_EXCLUSIVE:
		return fast_xlock(lk, file, line);
	case LK_RELEASE:
		return fast_release(lk, file, line);
	default:
		return false;
	}
}

/* Everything else: every operation and flag, checks and reports. */
BSDSYNC_NOINLINE int lockmgr_general(struct lock *lk, unsigned int flags,
				     struct lock_object *ilk, int prio, int timo,
				     const char *file, int line);

/* fbsd_lockmgr's way there: a jump from it (same first parameters), the call with the
 * defaults made here. */
BSDSYNC_NOINLINE int lockmgr_general_defaults(struct lock *lk, unsigned int flags,
					      const char *file, int line)
{
	return lockmgr_general(lk, flags, nullptr, LK_PRIO_DEFAULT, LK_TIMO_DEFAULT, file, line);
}

} // namespace

extern "C" int fbsd_lockmgr_args(struct lock *lk, unsigned int flags, struct lock_object *ilk,
				 const char *wmesg, int prio, int timo, const char *file, int line)
{
	(void)wmesg;	/* Linux shows no wait message; the lock's name is in every report */
	/* With a lock-event sink attached, the interlock is marked for the request (the
	 * lock-order checker skips it, as FreeBSD's WITNESS_CHECKORDER does its interlock);
	 * the request releases it, and the mark goes with its record (a recursed interlock
	 * stays held: its mark is taken off here). */
	ThreadState *marked = nullptr;
	if (unlikely(lock_events_on()) && (flags & LK_INTERLOCK) && ilk &&
	    (marked = current_record_if_any()))
		held_mark_interlock(marked, ilk, true);
	int error = lockmgr_fast(lk, flags, file, line)
			    ? 0
			    : lockmgr_general(lk, flags, ilk, prio, timo, file, line);
	if (unlikely(marked))
		held_mark_interlock(marked, ilk, false);
	return error;
}

extern "C" int fbsd_lockmgr(struct lock *lk, unsigned int flags, const char *file, int line)
{
	if (lockmgr_fast(lk, flags, file, line))
		return 0;
	return lockmgr_general_defaults(lk, flags, file, line);
}

namespace {

int lockmgr_general(struct lock *lk, unsigned int flags, struct lock_object *ilk, int prio,
		    int timo, const char *file, int line)
{
	unsigned op = flags & LK_TYPE_MASK;
	Request r{ lk, flags, (flags & LK_INTERLOCK) ? ilk : nullptr,
		   prio == LK_PRIO_DEFAULT ? lk->lk_pri : prio,
		   timo == LK_TIMO_DEFAULT ? lk->lk_timo : timo, op_name(op), file, line, false };
	unsigned lflags = load_relaxed(&lk->lock_object.lo_flags);

	if (unlikely((lflags & (LO_INITIALIZED | LO_CLASSMASK)) !=
		     (LO_INITIALIZED | kClass))) {
		int error = not_live(r, lflags);
		release_interlock(r);
		return error;
	}
	if (unlikely((flags & LK_INTERLOCK) && !ilk)) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject(lk), file, line,
		       "%s: LK_INTERLOCK without an interlock", r.what);
	}
	if (unlikely(flags & ~LK_TOTAL_MASK) ||
	    unlikely((flags & (LK_NOWAIT | LK_SLEEPFAIL)) && (op == LK_DOWNGRADE || op == LK_RELEASE)))
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject(lk), file, line,
		       "%s: invalid flags 0x%x for this operation (ignored)", r.what, flags);

	if (unlikely(lflags & LK_NOSHARE)) {
		/* Exclusive-only lock: shared requests are exclusive; upgrade and downgrade
		 * only assert that it is held exclusively, once. */
		switch (op) {
		case LK_SHARED:
			op = LK_EXCLUSIVE;
			r.what = op_name(op);
			break;
		case LK_UPGRADE:
		case LK_TRYUPGRADE:
		case LK_DOWNGRADE:
			check_assert(lk, KA_XLOCKED | KA_NOTRECURSED, r.what, file, line);
			release_interlock(r);
			return 0;
		}
	}
	/* Acquisitions that may sleep: a lock that may sleep taken with a non-sleepable lock
	 * held is reported (FreeBSD witness), the interlock excepted as it goes before any
	 * sleep; in interrupt context the request can only be tried. */
	if (!(flags & LK_NOWAIT) && (op == LK_SHARED || op == LK_EXCLUSIVE || op == LK_UPGRADE ||
				     op == LK_DRAIN)) {
		if (unlikely(bsdsync_in_interrupt())) {
			report(BSDSYNC_RULE_SLEEP_INTERRUPT, subject(lk), file, line,
			       "%s in interrupt context: tried (LK_NOWAIT) instead", r.what);
			r.flags |= LK_NOWAIT;
		} else {
			check_may_sleep_with_locks(r.ilk, r.what, file, line);
		}
	}
	if (unlikely(lock_events_on()))
		lockmgr_acquiring(lk, (r.flags & ~LK_TYPE_MASK) | op, file, line);
	int error = dispatch(r, op);
	/* LK_INTERLOCK: released on every path, success and error alike (if a sleep did not
	 * release it already). */
	release_interlock(r);
	return error;
}

} // namespace

extern "C" void fbsd_lockmgr_disown(struct lock *lk, const char *file, int line)
{
	unsigned lflags = load_relaxed(&lk->lock_object.lo_flags);
	if (unlikely((lflags & (LO_INITIALIZED | LO_CLASSMASK)) !=
		     (LO_INITIALIZED | kClass))) {
		Request r{ lk, 0, nullptr, 0, 0, "lockmgr_disown", file, line, false };
		not_live(r, lflags);
		return;
	}
	uintptr x = load_relaxed(&lk->lk_lock);
	const uintptr me = self();
	if (!is_shared_mode(x) && holder(x) == LK_KERNPROC)
		return;		/* already disowned */
	if (!xlocked_by(x, me) || x == LK_DESTROYED) {
		report(BSDSYNC_RULE_NOT_OWNER, subject(lk), file, line,
		       "lockmgr_disown of a lock the thread does not hold exclusively");
		return;
	}
	if (x & LK_WRITER_RECURSED) {
		report(BSDSYNC_RULE_RECURSED_OP, subject(lk), file, line,
		       "lockmgr_disown of a recursed lock (depth %u): refused",
		       lk->lock_object.lo_data + 1);
		return;
	}
	/* No longer this thread's hold (FreeBSD: WITNESS_UNLOCK, td_locks--). Waiters may set
	 * bits meanwhile: keep them. Release: what the owner did so far is visible to whoever
	 * releases the lock for it. */
	note_released(lk, kExclusiveHold, file, line);
	while (!cas_release(&lk->lk_lock, &x, LK_KERNPROC | (x & kWaitBits)))
		;
}

extern "C" void fbsd_lockmgr_printinfo(const struct lock *lk)
{
	uintptr x = load_relaxed(&lk->lk_lock);
	const char *name = lk->lock_object.lo_name ? lk->lock_object.lo_name : "";
	if (x == LK_DESTROYED)
		bsdsync_print("lock type %s: DESTROYED", name);
	else if (is_free(x))
		bsdsync_print("lock type %s: UNLOCKED", name);
	else if (is_shared_mode(x))
		bsdsync_print("lock type %s: SHARED (count %lu)", name, (unsigned long)sharers(x));
	else if (holder(x) == LK_KERNPROC)
		bsdsync_print("lock type %s: EXCL by KERNPROC", name);
	else {
		const thread *td = reinterpret_cast<const thread *>(holder(x));
		bsdsync_print("lock type %s: EXCL by thread %p (tid %d, %s)%s", name, td,
			      bsdsync_thread_tid(td), bsdsync_thread_comm(td),
			      (x & LK_WRITER_RECURSED) ? " recursed" : "");
	}
	if (x != LK_DESTROYED) {
		if (x & LK_EXCLUSIVE_WAITERS)
			bsdsync_print(" with exclusive waiters pending");
		if (x & LK_SHARED_WAITERS)
			bsdsync_print(" with shared waiters pending");
		if (x & LK_DRAIN_WAITING)
			bsdsync_print(" with a drain pending");
	}
}

extern "C" int fbsd_lockstatus(const struct lock *lk)
{
	uintptr x = load_relaxed(&lk->lk_lock);
	if (x == LK_DESTROYED)
		return 0;
	if (!is_shared_mode(x))
		return (holder(x) == self() || holder(x) == LK_KERNPROC) ? LK_EXCLUSIVE : LK_EXCLOTHER;
	return sharers(x) ? LK_SHARED : 0;
}

extern "C" int fbsd_lockmgr_recursed(const struct lock *lk)
{
	uintptr x = load_relaxed(&lk->lk_lock);
	return x != LK_DESTROYED && !is_shared_mode(x) && (x & LK_WRITER_RECURSED) != 0;
}

extern "C" void fbsd_lockmgr_assert(const struct lock *lk, int what, const char *file, int line)
{
	check_assert(lk, what, "lockmgr_assert", file, line);
}

extern "C" void fbsd_lockallowshare(struct lock *lk, const char *file, int line)
{
	if (check_assert(lk, KA_XLOCKED, "lockallowshare", file, line))
		fetch_and_relaxed(&lk->lock_object.lo_flags, ~(unsigned)LK_NOSHARE);
}

extern "C" void fbsd_lockdisableshare(struct lock *lk, const char *file, int line)
{
	if (check_assert(lk, KA_XLOCKED, "lockdisableshare", file, line))
		fetch_or_relaxed(&lk->lock_object.lo_flags, (unsigned)LK_NOSHARE);
}

extern "C" void fbsd_lockallowrecurse(struct lock *lk, const char *file, int line)
{
	if (check_assert(lk, KA_XLOCKED, "lockallowrecurse", file, line))
		fetch_or_relaxed(&lk->lock_object.lo_flags, (unsigned)LO_RECURSABLE);
}

extern "C" void fbsd_lockdisablerecurse(struct lock *lk, const char *file, int line)
{
	if (check_assert(lk, KA_XLOCKED, "lockdisablerecurse", file, line))
		fetch_and_relaxed(&lk->lock_object.lo_flags, ~(unsigned)LO_RECURSABLE);
}
