/*
 * The blocking tail: the one way a thread of any personality blocks in bsdsync. Every
 * primitive's slow path ends here once it has decided to wait (mutex and rw turnstiles,
 * rm, sx, lockmgr, sleep(9) and all that sleeps through it: condvar(9), sema(9)):
 *
 *   1. queue the thread on (channel, queue) of a wait table, its chain still held by the
 *      caller's Guard (the caller checked the lock word or still holds its interlock under
 *      that Guard: no wakeup can be lost, core/waitq.h), then release the chain;
 *   2. drop the interlock, if the caller has one (msleep's mutex, lockmgr's LK_INTERLOCK):
 *      only now, queued, may a waker change the condition;
 *   3. run the block hooks' before_block(), in registration order: each drops what a
 *      thread must not keep while it blocks (FreeBSD: Giant, in full, for a sleep; later
 *      DragonFly: its tokens);
 *   4. lend the thread's priority to the lock's owner, or not (BlockOptions::lend_owner:
 *      FreeBSD lends on turnstiles with one owner only; core/prio.h), and wait
 *      (WaitTable::wait);
 *   5. run the hooks' after_wake() in reverse order, each given what its before_block()
 *      returned (Giant comes back at its depth).
 * Taking the interlock back is the caller's (after the hooks: FreeBSD's msleep retakes
 * Giant before its interlock), as is reading its Waiter's `woken` token.
 *
 * Cost: slow paths only; the hooks are one acquire load of the count when none is
 * registered, and personality-neutral (a hook decides from the BlockKind what to drop).
 */
#ifndef BSDSYNC_CORE_BLOCK_H
#define BSDSYNC_CORE_BLOCK_H

#include "core/base.h"
#include "core/prio.h"
#include "core/waitq.h"

namespace bsdsync {

/* What kind of wait a block is; the hooks decide from it what to drop. */
enum class BlockKind : unsigned char {
	/* A wait for a lock whose one owner runs towards its release (FreeBSD's turnstile
	 * locks: mtx, rw, non-sleepable rm). The thread keeps what it holds (Giant too). */
	Lock = 0,
	/* A sleep: unbounded (sleep(9), condvar(9), sema(9), sx, lockmgr, sleepable rm and
	 * rms). A thread drops what a sleeper must not hold (Giant). */
	Sleep = 1,
};

} // namespace bsdsync

/*
 * One hook (C layout: a KUnit case registers one, platform.h; BlockKind is passed as an
 * unsigned char). Registered once (a personality's init), before any thread blocks;
 * unregistered at its exit, when no thread can be between the two calls. Both run in the
 * blocking thread, sleepable, no chain held. `file`/`line`: the caller of the primitive.
 */
/* Locking key: constant while registered (the registering personality owns it and keeps it
 * alive until it is unregistered); the table of registered hooks: core/block.cpp. */
struct bsdsync_block_hook {
	const char *name;
	/* Drop what must go; returns what after_wake() needs to take it back (0: nothing). */
	unsigned long (*before_block)(bsdsync::BlockKind kind, const char *file, int line);
	/* Take back what before_block() dropped (only called when that was nonzero). */
	void (*after_wake)(unsigned long saved, bsdsync::BlockKind kind, const char *file,
			   int line);
};

namespace bsdsync {

using BlockHook = ::bsdsync_block_hook;

/* Register / unregister a hook (at most kMaxBlockHooks). False if the table is full.
 * Hooks run in registration order before the block, in reverse order after the wake. */
enum : int { kMaxBlockHooks = 4 };
bool block_hook_register(const BlockHook *hook);
void block_hook_unregister(const BlockHook *hook);

/* One block's options: the caller's, on its stack, read by block_on in the same thread; no
 * lock. */
struct BlockOptions {
	BlockKind kind = BlockKind::Lock;
	bsdsync_block_state state = BSDSYNC_BLOCK_LOCK;
	u64 deadline_ns = 0;		/* monotonic; 0: none */
	u64 slack_ns = 0;		/* allowed lateness */
	int *count = nullptr;		/* WaitTable::enqueue's waiter count, or null */
	/* Lend priority to the owner of lend_key read by lend_owner (core/prio.h), or not
	 * (null): the one place the choice is made. */
	const void *lend_key = nullptr;
	PrioOwnerFn lend_owner = nullptr;
	/* A waiter that gives up (timeout, signal) settles the lock word here, under its chain
	 * (WaitTable::wait). */
	WaitTable::LeaveFn leave = nullptr;
	void *leave_arg = nullptr;
	/* Step 2: drop the caller's interlock; false if it could not (reported by the caller):
	 * the waiter is then taken off the queue and block_on returns kBlockCancelled. */
	bool (*drop_interlock)(void *arg) = nullptr;
	void *interlock_arg = nullptr;
	const char *file = nullptr;
	int line = 0;
};

/* block_on's result when drop_interlock failed (not a bsdsync_block_result of the wait). */
constexpr int kBlockCancelled = -1;

/*
 * The tail: queue w on (channel, queue) of t (chain held by g, released here), then steps 2
 * to 5 above. Returns BSDSYNC_WOKEN if a waker unlinked it, the reason it stopped waiting
 * otherwise (no longer queued then), or kBlockCancelled. Sleepable context: the caller
 * checked the context rules (core/thread.h may_block, check_may_sleep_with_locks).
 */
BSDSYNC_NOINLINE int block_on(WaitTable &t, WaitTable::Guard &g, Waiter &w,
			      const void *channel, WaitQueueId queue, const BlockOptions &o);

/*
 * Steps 2 to 5 for a waiter its thread queued earlier (WaitTable::enqueue) and whose chain
 * it no longer holds: DragonFly's tsleep_interlock() queues the thread, which runs on and
 * later blocks in tsleep(PINTERLOCKED); a wakeup in between already unlinked it and set
 * `woken`, and the wait then returns at once (BSDSYNC_WOKEN). block_on is enqueue + this.
 */
BSDSYNC_NOINLINE int block_queued(WaitTable &t, Waiter &w, const BlockOptions &o);

/* The errno of a wait's result, the BSDs' sleep convention in Linux numbering
 * (<bsdsync/errno.h>): 0 (woken), EWOULDBLOCK (timed out), EINTR (fatal signal), ERESTART
 * (other signal). Shared by every blocking primitive of every personality that reports
 * signals (FreeBSD sleep(9), the _sig forms of sx and lockmgr; DragonFly's tsleep). */
int block_errno(bsdsync_block_result res);

} // namespace bsdsync

#endif
