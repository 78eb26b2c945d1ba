/*
 * Wait queues: the one blocking mechanism of bsdsync. Every primitive that blocks a thread
 * (mutex turnstiles, sleep(9), condvar(9), sema(9), and the shared locks) queues it here.
 *
 * A WaitTable hashes a wait channel (any address: a lock, a cv, a sleep channel) to one of
 * its chains. A chain is a spin lock and a list of Waiter records. A Waiter lives on the
 * stack of the blocked thread and names its channel and its queue (FreeBSD's sleep queues
 * and turnstiles have an exclusive and a shared queue per channel).
 *
 * The protocol, and why no wakeup is lost:
 *  - The waiter takes the chain lock, checks the condition it waits for (the lock word), or
 *    for sleep(9) still holds its interlock, enqueues itself and releases the chain lock.
 *    Only then does sleep(9) release the interlock: a waker, who must hold the interlock
 *    to change the condition, finds the waiter queued. Then bsdsync_block() sleeps until
 *    the `woken` flag is set (at once if the wakeup already came).
 *  - A waker takes the chain lock, unlinks the waiter, and, still under the chain lock,
 *    takes a task reference and stores woken = 1 (release); then it wakes the task, under
 *    the chain lock or, with a WakeList, once it has released it. The store is the waker's
 *    last access to the Waiter: the waiter may return and reuse its stack at once.
 *  - A waiter that stops waiting for another reason (timeout, signal) takes the chain lock:
 *    if it is still linked, it unlinks itself and reports the timeout or signal; if a waker
 *    already unlinked it, woken is set (under the same lock) and the wakeup wins.
 * Chain locks are IrqSpinBits (core/spinbit.h), held with interrupts disabled: wakeup() may be
 * called from interrupts.
 * Lock order between tables: a sleep-queue chain may be held while taking a turnstile chain,
 * never the reverse. (sleep(9) queues under its chain and releases its interlock only after
 * dropping it, so today no path holds two chains at once.)
 */
#ifndef BSDSYNC_CORE_WAITQ_H
#define BSDSYNC_CORE_WAITQ_H

#include "core/base.h"
#include "core/spinbit.h"

namespace bsdsync {

/* Which of a channel's queues a waiter is on (FreeBSD's sleep queues and turnstiles have an
 * exclusive and a shared queue per channel). */
enum class WaitQueueId : unsigned char {
	Sleepers = 0,		/* sleep(9), condvar(9) and sema(9) waiters */
	ExclusiveLockers = 1,	/* threads waiting to take a lock exclusively */
	SharedLockers = 2,	/* threads waiting to take a lock shared */
	Drainers = 3,		/* threads waiting for all activity on a lock to end: an rm
				   writer waiting for its readers to leave, lockmgr LK_DRAIN;
				   they hold no place in the lock's own queues, so they delay
				   neither readers nor writers */
};

/* A blocked (or blocking) thread, on its own stack. Locking key: (c) the chain lock of its
 * channel while it is linked (enqueue sets them under it; the waiter reads them again only
 * after it is unlinked); (w) written by the waker under the chain lock with a release store,
 * read by the waiter with an acquire load, no lock (see the protocol above). */
struct Waiter {
	Waiter *next;		/* (c) */
	Waiter *prev;		/* (c) */
	const void *channel;	/* (c) */
	thread *td;		/* (c) the waiting thread */
	int *count;		/* (c) decremented (under the chain lock) when unlinked; may be
				   null */
	int woken;		/* (w) set by the waker, release; read by the waiter, acquire */
	WaitQueueId queue;	/* (c) */
};

/*
 * Wakeups deferred until the chain lock is released (Linux's wake_q idea). A wake with a
 * WakeList unlinks the waiter and stores its `woken` under the chain lock, exactly as an
 * immediate wake does (so a timeout or a signal racing with it sees it woken), holds a
 * reference on its task and records the task; the task itself is woken when the list is
 * destroyed or wake() is called, after the Guard is gone: declare the WakeList before the
 * Guard. The woken thread then never finds its waker still holding the chain with
 * interrupts off, and the waker's critical section does not contain the remote wakeup
 * (an IPI to an idle CPU). A waiter may see `woken` and return before its task is woken:
 * the task then gets one spurious wakeup, which bsdsync_block() and every Linux sleep
 * loop tolerate. More than kMax waiters at once: the rest are woken under the lock.
 */
class WakeList {
	/* Locking key: the waker's own, on its stack: one thread only. */
public:
	enum : int { kMax = 8 };
	WakeList() : n_(0) {}
	~WakeList() { wake(); }
	WakeList(const WakeList &) = delete;
	WakeList &operator=(const WakeList &) = delete;
	void wake();

private:
	friend class WaitTable;
	thread *td_[kMax];
	int n_;
};

class WaitTable {
public:
	enum : unsigned { kChains = 256 };	/* not an inline variable: see -fno-weak in Kbuild */

	/* Locking key: (l) the chain's own lock, taken through a Guard (interrupts off). */
	struct alignas(BSDSYNC_CACHELINE) Chain {
		IrqSpinBit lock;	/* guards head, tail, queued and every linked Waiter */
		Waiter *head;		/* (l) */
		Waiter *tail;		/* (l) */
		int queued;		/* (l) waiters linked; written under lock, read without it
					   by maybe_waiters() (a hint: see there) */
	};

	/* Holds the chain of one channel locked, interrupts off. */
	class Guard {
	public:
		/* Inline: every block and wake takes a chain, and the fast paths of the
		 * primitives end here when they must. */
		Guard(WaitTable &table, const void *channel)
			: chain_(chain_of(table, channel)), flags_(bsdsync_irq_save())
		{
			/* The chain's IrqSpinBit (core/spinbit.h): its acquire pairs with the
			 * release in unlock() of the previous holder. */
			chain_->lock.acquire();
		}
		~Guard() { if (chain_) unlock(); }
		void unlock()
		{
			chain_->lock.release();
			bsdsync_irq_restore(flags_);
			chain_ = nullptr;
		}
		Guard(const Guard &) = delete;
		Guard &operator=(const Guard &) = delete;

	private:
		friend class WaitTable;
		Chain *chain_;
		unsigned long flags_;
	};

	/* Queue the current thread on (channel, queue), at the tail. The
	 * chain of `channel` must be held by g. `count` (optional) is incremented now and
	 * decremented when the waiter is unlinked. */
	void enqueue(Guard &g, Waiter &w, const void *channel, WaitQueueId queue, int *count);

	/*
	 * Block a waiter queued by enqueue() (its chain no longer held) until woken, a signal
	 * (BLOCK_INTERRUPTIBLE) or the deadline (monotonic ns, 0 = none). Returns BSDSYNC_WOKEN
	 * if a waker unlinked it, otherwise the reason, and then it is no longer queued either.
	 */
	bsdsync_block_result wait(Waiter &w, bsdsync_block_state state, u64 deadline_ns,
				  u64 slack_ns) { return wait(w, state, deadline_ns, slack_ns, nullptr, nullptr); }
	/* As wait(); a waiter that gives up (not woken) runs leave(g, arg) under its chain lock
	 * right after unlinking itself. A lock waiter fixes the lock word's waiter bits there:
	 * while that chain lock is held, no holder can finish releasing (and freeing) the lock. */
	using LeaveFn = void (*)(Guard &g, void *arg);
	bsdsync_block_result wait(Waiter &w, bsdsync_block_state state, u64 deadline_ns,
				  u64 slack_ns, LeaveFn leave, void *arg);

	/* Take a queued waiter of the current thread off its queue without blocking (a sleep
	 * that is abandoned after queueing). */
	void cancel(Waiter &w);

	/* Wake the first queued waiter of the best priority on (channel, queue): the priorities
	 * the waiters have now, not when they queued (FreeBSD sleepq_signal and turnstiles
	 * compare td_priority at wake time; a waiter may have queued while boosted, or been
	 * boosted since). Returns true if one was woken. Chain held by g. With a WakeList, the
	 * task is woken when the list is. */
	bool wake_one(Guard &g, const void *channel, WaitQueueId queue);
	bool wake_one(Guard &g, const void *channel, WaitQueueId queue, WakeList &later);
	/* Unlink the waiter wake_one() would wake, without waking it yet (a lock release
	 * updates its lock word in between). Chain held by g; returns null if none. */
	Waiter *take_one(Guard &g, const void *channel, WaitQueueId queue);
	/* Wake a waiter returned by take_one(), before g is released. `token` (nonzero) is
	 * stored in its `woken`, as with wake_all() (sema(9) hands its unit over this way). */
	void wake_taken(Guard &g, Waiter *w, int token = 1);
	void wake_taken(Guard &g, Waiter *w, WakeList &later, int token = 1);
	/* Wake the most recently queued waiter (FreeBSD wakeup_any: unfair, fast). */
	bool wake_newest(Guard &g, const void *channel, WaitQueueId queue);
	bool wake_newest(Guard &g, const void *channel, WaitQueueId queue, WakeList &later);
	/* Wake every waiter on (channel, queue); returns how many. */
	int wake_all(Guard &g, const void *channel, WaitQueueId queue) {
		return wake_all(g, channel, queue, 1);
	}
	/* As wake_all, storing `token` (nonzero) in each waiter's `woken` instead of 1: the
	 * waiter reads it after wait() returns BSDSYNC_WOKEN to learn why it was woken (a lock
	 * downgrade that already counted it in as a shared holder, rather than a wakeup that
	 * only lets it retry). */
	int wake_all(Guard &g, const void *channel, WaitQueueId queue, int token);
	int wake_all(Guard &g, const void *channel, WaitQueueId queue, WakeList &later);
	/*
	 * Without the chain lock: false if no thread at all is queued on the chain of
	 * `channel`, true if one may be (any channel of the chain, any queue). Only for a
	 * waker that is ordered after every waiter it must find: a sleeper queues before it
	 * releases its interlock, and a waker that changed the condition under that interlock
	 * reads this after taking it, so it sees the waiter queued (wakeup(9) skips the chain
	 * lock on an empty chain, as cv_signal skips it on cv_waiters == 0). A waiter that
	 * queues later than this read checked the condition after the waker changed it.
	 */
	bool maybe_waiters(const void *channel) const
	{
		return load_relaxed(&chain_of(*this, channel)->queued) != 0;
	}
	/* Is any thread queued on (channel, queue)? */
	bool has_waiters(Guard &g, const void *channel, WaitQueueId queue) const;
	/* The waiter take_one() would take, left queued (a lock release that hands the lock to
	 * it must first install it as owner with a CAS that may fail). Chain held by g. The
	 * priorities are read again by each call: a waiter's may change in between (a boost
	 * lent to it as the owner of another lock). */
	Waiter *peek_one(Guard &g, const void *channel, WaitQueueId queue) const;
	/* The best (lowest) key(td) among the threads queued on channel's lock queues
	 * (ExclusiveLockers and SharedLockers), or `none` if there are none. Chain held by g (a linked
	 * waiter's task is alive: it is blocked, or about to block, in wait()). */
	int best_lock_waiter(Guard &g, const void *channel, int (*key)(const thread *td),
			     int none) const;
	/* How many threads are queued on (channel, queue) (a release that hands a shared lock
	 * to every waiting reader counts them into the lock word first). Chain held by g. */
	int count(Guard &g, const void *channel, WaitQueueId queue) const;

	Chain chains_[kChains];

private:
	static Chain *chain_of(WaitTable &t, const void *channel)
	{
		/* Fibonacci hashing of the address; the low bits of lock addresses are mostly
		 * zero. */
		uintptr h = (uintptr)channel * 0x9E3779B97F4A7C15ULL;
		return &t.chains_[h >> (64 - 8)];
	}
	static const Chain *chain_of(const WaitTable &t, const void *channel)
	{
		return chain_of(const_cast<WaitTable &>(t), channel);
	}
	static void unlink(Chain *c, Waiter *w);
	static void wake(Waiter *w, int token = 1, WakeList *later = nullptr);
	int wake_all(Guard &g, const void *channel, WaitQueueId queue, int token,
		     WakeList *later);
	bool wake_newest(Guard &g, const void *channel, WaitQueueId queue, WakeList *later);
	static Waiter *best(Chain *c, const void *channel, WaitQueueId queue);
};

/* The two tables, as in FreeBSD: sleep queues for sleep(9), cv, sema, sx, lockmgr;
 * turnstiles for mutexes, rw and rm locks. A channel address can be in both at once (a
 * driver may tsleep() on the address of its mutex) without the waits mixing. */
extern WaitTable sleep_queues;
extern WaitTable turnstiles;

} // namespace bsdsync

#endif
