/*
 * Priority propagation for the locks that FreeBSD puts on turnstiles with a known owner:
 * sleep mutexes, rw locks held for writing, rm locks held for writing. See prio.cpp for the
 * design, the Linux interfaces used and the limits.
 *
 * The lock code calls three things, all on slow paths only:
 *  - PrioBlock, in a thread about to block on a lock (made only by the blocking tail,
 *    core/block.h, when its BlockOptions name an owner): constructed after the thread is
 *    queued on the turnstiles (WaitTable::enqueue, chain Guard released) and before
 *    WaitTable::wait; it records the lock the thread is blocked on and lends the thread's
 *    priority to the lock's owner and, transitively, to the owners that owner waits for.
 *    Destroyed after the wait.
 *  - prio_claim(lock, channel), by a thread that has just taken the lock exclusively from a
 *    word whose waiter bits were set (no chain Guard held): threads may still be queued (it
 *    barged past a woken waiter, or it is the woken writer and readers remain), and it
 *    inherits their priority (FreeBSD turnstile_claim).
 *  - prio_released(lock), by the owner after a release of a contested lock (after the word
 *    store and the wake, no chain Guard held): the lending made for that lock ends, and the
 *    owner drops back to what its other contested locks justify, or to its own attributes.
 */
#ifndef BSDSYNC_CORE_PRIO_H
#define BSDSYNC_CORE_PRIO_H

#include "core/base.h"
#include "core/spinbit.h"

namespace bsdsync {

/* Reads a lock's word and returns the single thread that owns it (exclusively), or null
 * (free, shared, destroyed). Called in RCU read-side sections: no sleeping, no locks. */
using PrioOwnerFn = thread *(*)(const void *lock);

struct Waiter;

/*
 * The cross-thread part of a ThreadState (core/thread.h). Locking key of each field, as
 * FreeBSD's subr_turnstile.c marks them:
 *   (s)  state_lock of this PrioState (core/spinbit.h: held only across plain stores and
 *        loads and RCU reference taking, interrupts off);
 *   (o)  written only by the thread that owns this state (and zeroed by prio_exiting(),
 *        once that thread will never run again);
 *   (p)  the deferred-restore list's lock (pending_lock, prio.cpp);
 *   (f)  also read without a lock, ordered by a full fence (prio.cpp, "lending").
 * Lenders walking a chain take the state_lock of one hop while holding the previous hop's
 * (bounded try, prio.cpp); a turnstile chain Guard may be held while taking it, never the
 * reverse.
 */
struct PrioState {
	enum : int { kTrack = 4 };
	struct Entry {
		const void *lock;	/* a contested lock this thread owns */
		int key;		/* the best priority lent through it (lower is better) */
	};

	IrqSpinBit state_lock;		/* the lock of the fields marked (s) */
	int active;			/* (s, f) lent to: base saved, attributes possibly
					   boosted; also read unlocked by its own thread: in
					   prio_released() after the full fence that pairs
					   with the lender's, and in PrioBlock */
	unsigned gen;			/* (s) bumped at every change of what is lent */
	int inflight;			/* (s) appliers between computing and re-checking */
	bsdsync_sched_attr base;	/* (s) the thread's own attributes, saved at the
					   first boost */
	Entry lent[kTrack];		/* (s) per contested lock owned, what is lent through it */
	int overflow;			/* (s) the best lending beyond kTrack locks, as key + 2
					   (0 = none: the state starts zeroed), kept until no
					   tracked lending is left (prio.cpp) */
	const void *blocked_on;		/* (s, o) the lock this thread is blocked on, or null */
	PrioOwnerFn blocked_owner;	/* (s, o) how to read that lock's owner */
	const Waiter *blocked_waiter;	/* (s, o) this thread's Waiter queued for that lock (on
					   its stack: alive while blocked_on is set, so while
					   a lender holds state_lock and reads it non-null) */
	thread *task;			/* (s) the thread itself, for the deferred restore; also
					   read under (p) while listed (prio.cpp) */
	PrioState *pending_next;	/* (p) next on the deferred-restore list */
	int pending;			/* (p) on the deferred-restore list */
};

class PrioBlock {
public:
	/* `w`: the blocked thread's Waiter, queued on the turnstiles (channel w.channel, which
	 * may differ from the key `lock`); published in blocked_waiter while blocked. A lending
	 * recorded through a wait that is already over (ours, or, further down the chain, the
	 * wait of an owner we lend through) is taken back by the lender itself: the owner that
	 * ended that wait may already have ended the lendings through that lock and taken it
	 * again (the word names it again; an uncontested release then never ends a lending),
	 * and would otherwise keep our boost; only our part is taken back (prio.cpp). */
	PrioBlock(const void *lock, PrioOwnerFn owner, const Waiter &w);
	~PrioBlock();
	PrioBlock(const PrioBlock &) = delete;
	PrioBlock &operator=(const PrioBlock &) = delete;

private:
	PrioState *st_;
};

/* The current thread has just taken `lock` (the key its waiters lend through) exclusively
 * from a word with waiter bits set: it inherits the best priority of the threads queued on
 * `channel` of the turnstiles (the ExclusiveLockers and SharedLockers queues). Takes that
 * chain's Guard: the caller holds none. */
void prio_claim(const void *lock, const void *channel);

void prio_released_slow(PrioState *st, const void *lock);
/* The current thread released `lock`, which was contested. */
void prio_released(const void *lock);

/* The thread is exiting: forget its lendings (it is not restored: it is gone), and zero the
 * part under its lock. */
void prio_exiting(PrioState *st);

} // namespace bsdsync

#endif
