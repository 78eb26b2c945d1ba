/*
 * Priority propagation (FreeBSD turnstile priority lending, bsd-api-reference.md sections 2.4
 * and 15) for the locks whose waiters know one owner: sleep mutexes (MTX_DEF), rw locks held
 * for writing (readers and writers blocked on a write-locked rw lend to the writer), and
 * non-sleepable rm locks held for writing. sx, lockmgr, sleepable rm, rms, sleep(9),
 * condvar(9), and rw/rm read holds do not propagate, as in FreeBSD (no single owner, or a
 * sleep queue rather than a turnstile).
 *
 * What a FreeBSD user gets: a thread blocked on such a lock lends its priority to the owner,
 * and on along the chain of owners (the owner is itself blocked on another such lock, ...;
 * at most kMaxDepth hops, like propagate_priority), until the owner releases the lock; then
 * the owner drops back to what the waiters of the other contested locks it still holds
 * justify, or to its own attributes exactly (policy, rt_priority, nice, reset-on-fork). The
 * next owner, if threads are still queued when it takes the lock, inherits their priority
 * (FreeBSD turnstile_claim). Waiters are woken in the order of their priorities at the wake.
 *
 * Linux interfaces, and why. Linux's own priority inheritance (rt_mutex_setprio(), which
 * changes only the effective p->prio and keeps the normal attributes) is internal to the
 * scheduler and not exported. A module can reach, exported GPL:
 *   - sched_setattr_nocheck(): sets a task's normal policy and priority as sched_setattr(2)
 *     does, without permission checks; the only exported call that sets any task to any
 *     FIFO priority or nice value (sched_set_fifo*()/sched_set_normal() are fixed values,
 *     sched_setscheduler_nocheck() is not exported to modules by the 6.1 and 6.12 kernels).
 *     It may sleep (6.1's __sched_setscheduler takes cpuset_lock(), a mutex, when a deadline
 *     policy is involved, and runs rt_mutex_adjust_pi with pi = true), so it is only called
 *     in sleepable context: never under a chain Guard, a spin mutex, with interrupts or
 *     preemption off.
 *   - task references (get_task_struct under RCU) to name a lock's owner from its word,
 *     like the adaptive spin does (platform.h bsdsync_thread_hold_owner).
 *   - a high-priority workqueue (system_highpri_wq) for restores that cannot run where
 *     the release happened.
 * All of it is in module/platform/sched.c behind bsdsync_sched_get/set and friends.
 *
 * Priorities as keys (lower is better), Linux's normal_prio numbering: FIFO/RR p -> 99 - p,
 * NORMAL/BATCH nice n -> 120 + n, IDLE -> 140, DEADLINE -> -1 (never boosted; it lends as
 * FIFO 99). A boost sets the owner to the lender's key: FIFO for an RT key, NORMAL with the
 * lender's nice for a CFS key (CFS nice values are lent too, as FreeBSD lends timeshare
 * priorities).
 *
 * Bookkeeping (PrioState in each thread's state, core/prio.h, under its own state_lock, an
 * IrqSpinBit; core/prio.h gives the locking key of each field):
 *  - base: the owner's own attributes, read at its first boost (active = 1);
 *  - lent[]: per contested lock the owner holds, the best key lent through it: the best key
 *    of the threads queued on that lock's turnstile queues (the lender's key is its normal
 *    attributes, a boost included), kept up to date by the lenders' records, the claim and
 *    the stale lenders' recomputation below;
 *  - blocked_on/blocked_owner/blocked_waiter: the lock the thread is blocked on, how to read
 *    its owner, and the thread's Waiter queued for it; set together by PrioBlock (after
 *    the enqueue, before the wait) and cleared together after the wait, so that a lender
 *    can walk on to that lock's owner and see whether this wait is already over.
 *
 * The lender (PrioBlock, sleepable: after WaitTable::enqueue, before WaitTable::wait) walks
 * the chain with the states locked hand over hand (the previous hop's state_lock stays held
 * while the next owner is named and recorded, so the lock it is blocked on cannot be freed
 * and its Waiter cannot go under the walk: its thread has not yet cleared blocked_on),
 * recording its key in each owner's lent[] and taking a task reference of each; then, all
 * locks dropped, it applies the new attributes to each. A lender that finds the owner gone
 * (the word no longer names it, re-read after recording, with a full fence between) takes
 * its record back: the owner's release stores the word, wakes, then a full fence, then
 * reads `active`: either the lender sees the release, or the owner sees `active` and
 * removes the record itself (the two full fences pair).
 *
 * A stale lender: one whose record at some hop lands through a wait that is already over
 * (the hop's Waiter is woken: at hop 0 our own, at hop n > 0 the previous hop's owner's,
 * its blocked_waiter) while the word names that hop's owner: it released the lock
 * (contested: the wait was queued), which woke that waiter and forgot the lock's record,
 * then took the lock again (or another owner's release woke it, and this owner took the
 * lock after), maybe by the uncontested fast path, whose release never forgets anything:
 * without this the record would stay until its next contested release of that lock, maybe
 * never. The same pair of full fences decides: the release stores
 * `woken` (under the chain lock) before its fence, the lender reads it after its own.
 * Other waiters may have queued and recorded since: the stale lender must take back its
 * own part only, and lends no further down the chain. A key per lock cannot be split into
 * its lenders, so the lender recomputes it from the queues: under the lock's chain Guard
 * (queueing and waking happen under it, and the woken waiter is no longer queued), the
 * best key of the threads still queued on the waiter's channel, then under the owner's
 * state_lock, if the record for that lock still exists, it becomes that key (or goes, if
 * none is queued). A record that went to the overflow value cannot be recomputed: it stays
 * (an over-boost).
 *
 * Claiming (FreeBSD turnstile_claim): a thread that takes a lock exclusively from a word
 * with waiter bits set (it barged past a woken waiter, or it is the woken writer of an rw
 * lock and readers stay queued) inherits the best key of the threads still queued, read
 * under the chain Guard, recorded under its own state_lock, then applied. Every waiter
 * queued before that Guard is counted; every one that queues after it reads the word after
 * the claimer's acquire (the chain lock orders them) and lends to it itself.
 *
 * Lock order: a turnstile chain Guard before a PrioState state_lock (the claim and the
 * stale lender's recomputation); nothing that holds a state_lock takes a chain Guard.
 * Between state_locks there is no order: the walk holds at most two (the previous hop's
 * and the next one's) and takes the second with a bounded try, backing off (the walk
 * stops) rather than deadlocking. pending_lock is taken with no chain Guard or state_lock
 * held.
 * Every state_lock and pending_lock acquire pairs with the release of its previous holder
 * (core/spinbit.h); nothing else orders through them.
 *
 * Applying: compute the wanted attributes from the record under the lock (with its `gen`),
 * set them unlocked, and check `gen` again: a change meanwhile (another lender, a release)
 * makes it compute and set again, so the last set always follows the last record (an
 * applier that saw changes for kApplyRounds rounds hands the record to the deferred worker,
 * below, which applies it again). Appliers
 * never wait for each other (a low-priority one preempted inside sched_setattr would
 * otherwise hold up a high-priority lender's boost); `inflight` counts those between
 * compute and check, and the record is only marked unboosted (base no longer saved) when
 * none is in flight, so a late set of an old value is always followed by a set of the latest.
 *
 * Restoring happens in the owner's release, after the word store and the wake (the woken
 * waiter, of the best priority, runs as soon as the owner drops). If the release happens
 * where sleeping is not allowed (a spin mutex held, a critical section, interrupts or
 * preemption off; msleep releases its interlock outside any chain lock, so it restores at
 * once), the record is updated at once and the restore is deferred to a kworker of
 * system_highpri_wq (nice -20): the owner keeps the boost until that worker runs (bounded
 * by the CPU a nice -20 task gets beside the boosted owner; RT throttling leaves it 5% at
 * worst), or until the owner's next sleepable release or block, which applies the record
 * too.
 *
 * Limits:
 *  - The boost is the task's normal policy: sched_getscheduler(2) and ps show it while it
 *    lasts; a sched_setattr() from elsewhere during a boost is overwritten by the restore.
 *  - Waiters are woken in the order of their priorities at the wake (core/waitq.h), but a
 *    lending already recorded is not lowered when a waiter's own priority drops while it
 *    waits (only its owner's release, or a stale lender's recomputation, refreshes it).
 *  - More than kTrack contested locks lent through at once: the extra lendings are merged
 *    into one value kept until no tracked lending is left (an over-boost, never an
 *    under-restore).
 *  - A walk stops at kMaxDepth hops, at an owner without a state, or at contention on a
 *    state's lock it cannot get soon (only possible with a lock cycle: a deadlock anyway).
 *  - sched_setattr_nocheck() can fail (e.g. RT group scheduling without RT runtime): the
 *    boost is then not applied; failures are counted in prio_set_failures (for a debugger).
 *  - Only threads in sleepable context lend (a lock taken in interrupt context, or with a
 *    spin mutex held, is already a reported misuse), and only to owners that have a thread
 *    state (every mtx, rw and rm writer has one, unless its first allocation failed).
 *  - A thread that exits holding a lock (reported, EXIT_HELD) leaves its task pointer in the
 *    lock word; a later waiter would lend to freed memory, as its adaptive spin would look
 *    at it. Releasing before exit is the contract, as in FreeBSD.
 */
#include "core/prio.h"
#include "core/thread.h"
#include "core/waitq.h"

/* KUnit only (platform.h): called in PrioBlock with stage 0 before the lending and 1 after,
 * to drive the stale-lender race deterministically. Null otherwise: one load on the
 * blocking path. */
using PrioLendHook = void (*)(const void *lock, int stage);
constinit PrioLendHook bsdsync_prio_lend_hook = nullptr;
/* KUnit only (platform.h): called by apply() in each round between computing the wanted
 * attributes and setting them (`last`: the last round); a nonzero return stands for a change of the record meanwhile
 * (gen is bumped), to drive apply() out of rounds deterministically. Null otherwise. */
using PrioApplyHook = int (*)(int round, int last);
constinit PrioApplyHook bsdsync_prio_apply_hook = nullptr;

namespace bsdsync {

namespace {

constexpr int kMaxDepth = 8;		/* hops along the chain of owners */
constexpr int kApplyRounds = 16;	/* recomputations while lendings keep changing */
constexpr int kTryLockSpins = 10000;	/* the hand-over-hand lock of a walk's next hop */

unsigned long prio_set_failures;

/* A walk's next hop: its state_lock, bounded (interrupts already off, the previous hop's
 * state_lock held; IrqSpinBit::try_acquire). Acquire and release pair with those of the
 * lock's other holders (core/spinbit.h). */
bool try_lock_state(PrioState *st) { return st->state_lock.try_acquire(kTryLockSpins); }
void unlock_state(PrioState *st) { st->state_lock.release(); }

int key_of(const bsdsync_sched_attr &a)
{
	switch (a.policy) {
	case BSDSYNC_SCHED_DEADLINE:
		return -1;
	case BSDSYNC_SCHED_FIFO:
	case BSDSYNC_SCHED_RR:
		return 99 - a.rt_priority;
	case BSDSYNC_SCHED_IDLE:
		return 140;
	default:
		return 120 + a.nice;
	}
}

/* The attributes a boost to `key` sets (key better than the base's). */
bsdsync_sched_attr attr_of_key(int key, const bsdsync_sched_attr &base)
{
	bsdsync_sched_attr a{};
	a.reset_on_fork = base.reset_on_fork;
	if (key < 100) {
		a.policy = BSDSYNC_SCHED_FIFO;
		a.rt_priority = 99 - (key < 0 ? 0 : key);
	} else {
		a.policy = BSDSYNC_SCHED_NORMAL;
		a.nice = key - 120;
	}
	return a;
}

bool same(const bsdsync_sched_attr &a, const bsdsync_sched_attr &b)
{
	return a.policy == b.policy && a.rt_priority == b.rt_priority && a.nice == b.nice &&
	       a.reset_on_fork == b.reset_on_fork;
}

bool sleepable() { return bsdsync_current_context() == BSDSYNC_CTX_THREAD; }

constexpr int kNoKey = 1000;

/* The key td lends: its normal attributes (a boost included); a deadline task lends as
 * FIFO 99. Plain reads: callable under a chain Guard on a queued waiter. */
int lend_key(const thread *td)
{
	bsdsync_sched_attr a;
	bsdsync_sched_get(td, &a);
	int key = key_of(a);
	return key < 0 ? 0 : key;
}

/* The best key lent to st, or kNoKey. st->state_lock held. */
int best_key(const PrioState *st)
{
	int best = st->overflow ? st->overflow - 2 : kNoKey;
	for (const PrioState::Entry &e : st->lent)
		if (e.lock && e.key < best)
			best = e.key;
	return best;
}

bool any_tracked(const PrioState *st)
{
	for (const PrioState::Entry &e : st->lent)
		if (e.lock)
			return true;
	return false;
}

/* Record `key` lent through `lock`. st->state_lock held. */
void record(PrioState *st, const void *lock, int key)
{
	PrioState::Entry *free_slot = nullptr;
	for (PrioState::Entry &e : st->lent) {
		if (e.lock == lock) {
			if (key < e.key)
				e.key = key;
			return;
		}
		if (!e.lock && !free_slot)
			free_slot = &e;
	}
	if (free_slot) {
		free_slot->lock = lock;
		free_slot->key = key;
	} else if (!st->overflow || key < st->overflow - 2) {
		st->overflow = key + 2;
	}
}

/* Start lending to o (its base saved) if nothing is lent to it yet. st->state_lock held. */
void activate(PrioState *st, thread *o)
{
	if (!st->active) {
		bsdsync_sched_get(o, &st->base);
		store_relaxed(&st->task, o);
		store_relaxed(&st->active, 1);
	}
}

/* Forget what was lent through `lock`. st->state_lock held. */
void forget(PrioState *st, const void *lock)
{
	for (PrioState::Entry &e : st->lent) {
		if (e.lock == lock) {
			e.lock = nullptr;
			e.key = 0;
		}
	}
	if (!any_tracked(st))
		st->overflow = 0;
}

void defer(PrioState *st);

/*
 * Bring td's attributes in line with its record st. Sleepable context only; no lock held.
 * If the record keeps changing for kApplyRounds rounds, the last set may be of an older
 * record than the latest (another applier's newer set may have landed before it): the
 * deferred worker applies again, so the last set still follows the last record.
 */
void apply(thread *td, PrioState *st)
{
	for (int round = 0; round < kApplyRounds; round++) {
		bsdsync_sched_attr want;
		unsigned gen;
		bool restore;
		int best;
		{
			IrqSpinGuard b(st->state_lock);
			/* Not boosted (and no set in flight: the attributes are the base), or
			 * the record went to another thread (td exited). */
			if (!st->active || load_relaxed(&st->task) != td)
				return;
			gen = st->gen;
			best = best_key(st);
			restore = best >= key_of(st->base);
			want = restore ? st->base : attr_of_key(best, st->base);
			st->inflight++;
		}
		if (PrioApplyHook hook = load_relaxed(&bsdsync_prio_apply_hook); unlikely(hook)) {
			if (hook(round, round == kApplyRounds - 1)) {
				IrqSpinGuard b(st->state_lock);
				st->gen++;
			}
		}
		bsdsync_sched_attr cur;
		bsdsync_sched_get(td, &cur);
		if (!same(cur, want) && bsdsync_sched_set(td, &want) != 0)
			__atomic_fetch_add(&prio_set_failures, 1UL, __ATOMIC_RELAXED);
		IrqSpinGuard b(st->state_lock);
		if (load_relaxed(&st->task) != td)
			return;		/* td exited meanwhile: the record was zeroed */
		st->inflight--;
		if (st->gen == gen) {
			/* Our set followed the latest record. Back to the base with nothing lent
			 * and no other set in flight (one computed from an older record would
			 * still land, then see `gen` changed and set the latest again): the
			 * attributes are the base, and the next boost saves them anew. */
			if (restore && best == kNoKey && st->inflight == 0)
				store_relaxed(&st->active, 0);
			return;
		}
	}
	/* Out of rounds with the record changed after our last compute: our set may be the
	 * stale one that landed last. Apply again later (the worker holds a reference to td
	 * and takes the record off the list if td exits first). */
	defer(st);
}

/* ---- deferred restores -------------------------------------------------------------- */

IrqSpinBit pending_lock;	/* (p): pending_head, and each listed state's pending* */
PrioState *pending_head;	/* (p) */

void defer(PrioState *st)
{
	{
		IrqSpinGuard b(pending_lock);
		if (st->pending)
			return;
		st->pending = 1;
		st->pending_next = pending_head;
		pending_head = st;
	}
	bsdsync_prio_kick();
}

/* ---- lending ------------------------------------------------------------------------ */

struct Hop {
	thread *td;		/* referenced */
	PrioState *st;
};

/*
 * A stale lender's part of o's record for `lock` (prio.cpp top comment): make the record the
 * best key of the threads still queued on `channel`, if the record still exists. Sleepable
 * or not; no Guard or state_lock held (this takes the Guard, then o's state_lock).
 */
void recompute(PrioState *ps, thread *o, const void *lock, const void *channel)
{
	WaitTable::Guard g(turnstiles, channel);
	int key = turnstiles.best_lock_waiter(g, channel, lend_key, kNoKey);
	IrqSpinGuard b(ps->state_lock);
	if (load_relaxed(&ps->task) != o)
		return;		/* o exited meanwhile: the record was zeroed */
	for (PrioState::Entry &e : ps->lent) {
		if (e.lock != lock)
			continue;
		if (key == kNoKey)
			forget(ps, lock);
		else
			e.key = key;
		ps->gen++;
		return;
	}
}

/*
 * Lend `key` from the current thread, blocked on `lock` (queued as w), to its owner and on
 * down the chain. Sleepable context.
 */
void lend(const void *lock, PrioOwnerFn owner, int key, const Waiter &w)
{
	thread *const me = curthread();
	Hop hops[kMaxDepth];
	int n = 0;
	/* The wait this hop lends through: ours at hop 0, then the wait of the previous hop's
	 * owner (its blocked_waiter, alive while `held` is held: it clears it under that
	 * state_lock before its Waiter goes). */
	const Waiter *waiter = &w;
	bool stale = false;		/* that wait was over when this hop's record landed */
	const void *stale_lock = nullptr;	/* then: the lock of the last hop ... */
	const void *stale_channel = nullptr;	/* ... and the channel of its queues */
	PrioState *held = nullptr;	/* the previous hop's state, its state_lock held */
	unsigned long flags = bsdsync_irq_save();

	thread *o = bsdsync_thread_hold_owner(owner, lock);
	while (o) {
		if (n == kMaxDepth || o == me) {
			bsdsync_thread_release(o);
			break;
		}
		ThreadState *ots = static_cast<ThreadState *>(bsdsync_td_find(o));
		if (!ots || !try_lock_state(&ots->prio)) {
			bsdsync_thread_release(o);
			break;
		}
		PrioState *ps = &ots->prio;
		/* Exiting: its record is zeroed under this state_lock, or about to be. */
		if (bsdsync_thread_exiting(o)) {
			unlock_state(ps);
			bsdsync_thread_release(o);
			break;
		}
		activate(ps, o);
		record(ps, lock, key);
		ps->gen++;
		/* Pairs with the full fence in prio_released() (after the release's word store
		 * and wake): either we see the owner's release in the word (and `woken` in the
		 * waiter it woke), or it sees `active` and forgets the record itself, taking
		 * this state_lock after we drop it. */
		full_fence();
		bool still = owner(lock) == o;
		/* Not the owner any more: every record of this lock in its state is stale (its
		 * release forgets them, or already did; a claim of a later acquisition records
		 * under this state_lock, after us). */
		if (!still) {
			forget(ps, lock);
		} else if (load_relaxed(&waiter->woken)) {
			/* The wait we lend through is over: the thread that ended it (o, or the
			 * owner before o) released the lock; its release stored `woken` before
			 * its full fence and reads `active` after it: either it forgets this
			 * record, or we see woken here and take our part back. o may have taken
			 * the lock again, by the uncontested fast path too, and would then keep
			 * our record (its next release may end no lending at all); others may
			 * have lent to it since, so only our part goes (recompute()). */
			stale = true;
			stale_lock = lock;
			stale_channel = waiter->channel;
		}
		hops[n++] = Hop{ o, ps };
		/* The lock of this hop, and its waiter, stay alive while `held` (that waiter's
		 * state) is held: dropped only now that this hop is done with them. */
		if (held)
			unlock_state(held);
		held = ps;
		if (!still || stale)
			break;
		lock = ps->blocked_on;
		owner = ps->blocked_owner;
		waiter = ps->blocked_waiter;
		o = lock ? bsdsync_thread_hold_owner(owner, lock) : nullptr;
	}
	if (held)
		unlock_state(held);
	bsdsync_irq_restore(flags);

	if (stale)
		recompute(hops[n - 1].st, hops[n - 1].td, stale_lock, stale_channel);
	for (int i = 0; i < n; i++) {
		apply(hops[i].td, hops[i].st);
		bsdsync_thread_release(hops[i].td);
	}
}

} // namespace

PrioBlock::PrioBlock(const void *lock, PrioOwnerFn owner, const Waiter &w) : st_(nullptr)
{
	if (!sleepable())
		return;
	ThreadState *t = current_record();
	if (!t)
		return;
	st_ = &t->prio;
	{
		IrqSpinGuard b(st_->state_lock);
		st_->blocked_on = lock;
		st_->blocked_owner = owner;
		st_->blocked_waiter = &w;
	}
	/* Our own deferred restore, if one is still due, first: we lend what we really have. */
	if (load_relaxed(&st_->active))
		apply(curthread(), st_);
	if (PrioLendHook hook = load_relaxed(&bsdsync_prio_lend_hook))
		hook(lock, 0);
	lend(lock, owner, lend_key(curthread()), w);
	if (PrioLendHook hook = load_relaxed(&bsdsync_prio_lend_hook))
		hook(lock, 1);
}

PrioBlock::~PrioBlock()
{
	if (!st_)
		return;
	IrqSpinGuard b(st_->state_lock);
	st_->blocked_on = nullptr;
	st_->blocked_owner = nullptr;
	st_->blocked_waiter = nullptr;
}

void prio_claim(const void *lock, const void *channel)
{
	/* An interrupt takes locks for the thread it interrupted (a reported misuse). */
	bsdsync_context ctx = bsdsync_current_context();
	if (ctx == BSDSYNC_CTX_HARDIRQ || ctx == BSDSYNC_CTX_SOFTIRQ)
		return;
	ThreadState *t = current_record();
	if (!t)
		return;
	PrioState *st = &t->prio;
	thread *const me = curthread();
	{
		WaitTable::Guard g(turnstiles, channel);
		int key = turnstiles.best_lock_waiter(g, channel, lend_key, kNoKey);
		if (key == kNoKey)
			return;		/* the woken waiters are not back yet: nobody to inherit */
		IrqSpinGuard b(st->state_lock);
		/* Not boosted and nothing better queued: nothing to inherit (the attributes
		 * are our own while nothing is lent). */
		if (!st->active && key >= lend_key(me))
			return;
		activate(st, me);
		record(st, lock, key);
		st->gen++;
	}
	if (sleepable())
		apply(me, st);
	else
		defer(st);	/* a trylock with a spin mutex held, in a critical section, ... */
}

void prio_released(const void *lock)
{
	ThreadState *t = current_record_if_any();
	if (!t)
		return;
	/* The release store of the word is before this fence; see lend(). */
	full_fence();
	if (likely(!load_relaxed(&t->prio.active)))
		return;
	prio_released_slow(&t->prio, lock);
}

void prio_released_slow(PrioState *st, const void *lock)
{
	{
		IrqSpinGuard b(st->state_lock);
		forget(st, lock);
		st->gen++;
	}
	if (sleepable())
		apply(curthread(), st);
	else
		defer(st);
}

void prio_exiting(PrioState *st)
{
	{
		IrqSpinGuard b(pending_lock);
		if (st->pending) {
			PrioState **pp = &pending_head;
			while (*pp && *pp != st)
				pp = &(*pp)->pending_next;
			if (*pp)
				*pp = st->pending_next;
			st->pending = 0;
			st->pending_next = nullptr;
		}
	}
	/* Not restored: the thread is going away. Lenders that look now see it exiting. */
	IrqSpinGuard b(st->state_lock);
	store_relaxed(&st->active, 0);
	st->gen++;
	st->inflight = 0;
	st->base = bsdsync_sched_attr{};
	for (PrioState::Entry &e : st->lent)
		e = PrioState::Entry{};
	st->overflow = 0;
	st->blocked_on = nullptr;
	st->blocked_owner = nullptr;
	st->blocked_waiter = nullptr;
	store_relaxed(&st->task, static_cast<thread *>(nullptr));
}

} // namespace bsdsync

using namespace bsdsync;

extern "C" void bsdsync_prio_deferred(void)
{
	for (;;) {
		PrioState *st;
		thread *td;
		{
			IrqSpinGuard b(pending_lock);
			st = pending_head;
			if (!st)
				return;
			pending_head = st->pending_next;
			st->pending_next = nullptr;
			st->pending = 0;
			/* Still listed, so its thread has not passed prio_exiting(): alive. */
			td = load_relaxed(&st->task);
			if (td)
				bsdsync_thread_hold(td);
		}
		if (td) {
			apply(td, st);
			bsdsync_thread_release(td);
		}
	}
}
