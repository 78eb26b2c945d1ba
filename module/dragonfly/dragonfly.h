/*
 * What the files of the DragonFly personality share: its lock types (registered at load,
 * personality.cpp) and its per-thread slot in the core's thread record. The tsleep family
 * sleeps on the core's sleep_queues (core/waitq.h), as FreeBSD's sleep(9) does.
 */
#ifndef BSDSYNC_DRAGONFLY_DRAGONFLY_H
#define BSDSYNC_DRAGONFLY_DRAGONFLY_H

#include <bsdsync/dragonfly/critical.h>
#include <bsdsync/dragonfly/spinlock.h>
#include <bsdsync/dragonfly/sleep.h>
#include <bsdsync/dragonfly/token.h>
#include <bsdsync/inline_abi.h>
#include "core/thread.h"
#include "core/waitq.h"

namespace bsdsync::dfly {

struct lwkt_port;

/* Lock types (core/lock_type.h). */
extern const LockType spinlock_type;
extern const LockType lockmgr_type;	/* lockmgr.cpp */
extern const LockType mtx_type;		/* mtx.cpp */
extern const LockType serializer_type;	/* serialize.cpp */
int lock_types_register();
void lock_types_unregister();

/* How a DragonFly spinlock is named in reports. */
ReportSubject spinlock_subject(const dfly_spinlock *spin);

/*
 * A thread's LWKT tokens (token.cpp has the design): the stack of its token references,
 * newest last, and where it stands with them. Locking key: (o) only the thread itself, or
 * its own switch hooks (which run in its context); (w) while the thread is a token waiter
 * (status kWaiting or kRetry, linked: it does not touch them), the granter under the waiter
 * list's lock (it takes a kWaiting one's claims, only reads a kRetry one's); (a) atomics:
 * read by the thread and its hooks, written by it, under the waiter list's lock while it is
 * linked, or, once, by the granter that ends its wait.
 */
struct TokenThread {
	enum : int { kMaxRefs = BSDSYNC_DFLY_LWKT_MAXTOKENS };
	int status;			/* (a) token.cpp kHeld... */
	int nrefs;			/* (o, w) references on the stack */
	int hooked;			/* (o) the switch hook is registered (its switch-out
				   detaches it when the thread blocks holding none) */
	thread *td;			/* (o, w) the thread, for the granter's wake */
	TokenThread *wait_next;		/* (w) next token waiter */
	uintptr refs[kMaxRefs];		/* (o, w) token address | 1 for a shared reference */
};
/* The C view a production build's inline token paths use (include/bsdsync/dragonfly/token.h). */
static_assert(sizeof(TokenThread) == sizeof(bsdsync_dfly_token_thread));
static_assert(__builtin_offsetof(TokenThread, nrefs) ==
	      __builtin_offsetof(bsdsync_dfly_token_thread, nrefs));
static_assert(__builtin_offsetof(TokenThread, td) ==
	      __builtin_offsetof(bsdsync_dfly_token_thread, td));
static_assert(__builtin_offsetof(TokenThread, refs) ==
	      __builtin_offsetof(bsdsync_dfly_token_thread, refs));

/*
 * DragonFly's per-thread state, in the core thread record's personality slot 1. Only its
 * own thread touches it, except `interlock` while linked on a sleep queue (its chain lock,
 * core/waitq.h), and `tokens` as its key says.
 */
struct ThreadSlot {
	/* tsleep_interlock()'s queue entry: it stays queued while the thread runs on, until
	 * tsleep(PINTERLOCKED) blocks on it, a wakeup unlinks it, or another tsleep replaces
	 * it. Valid while `interlocked` is set. */
	Waiter interlock;
	const void *interlock_ident;	/* what it was queued on */
	int interlocked;
	/* crit_enter() depth of this thread (DragonFly's td_critcount, without spinlocks), and
	 * the ids of the innermost kCritIds sections (crit_enter_id; null for crit_enter). */
	int crit_depth;
	/* Of them, hard code sections (crit_enter_hard, lwkt_gettoken_hard: DragonFly's
	 * gd_intr_nesting_level): tsleep is refused inside one (critical.cpp). */
	int crit_hard;
	enum : int { kCritIds = 4 };
	const char *crit_id[kCritIds];
	TokenThread tokens;
	/* The thread's own message port (msgport.cpp), or null until first asked for: set once
	 * by compare-and-swap (by the thread or another), taken away at the thread's exit. */
	struct lwkt_port *msgport;
	/* Its shared lockmgr and mtx holds (BSDSYNC_DFLY_LK_COUNT, _MTX_COUNT), as FreeBSD's
	 * are counted in HeldLocks::counts and in their layout (<bsdsync/inline_td.h>): the
	 * inline paths of a driver built for production reach them at BSDSYNC_TD_DFLY_COUNTS
	 * (sleep_lock.h). Here, last, so that they move nothing FreeBSD's paths or the other
	 * fields use. */
	int shared_counts[2];
};
constexpr int kThreadSlot = 1;	/* core/thread.h: [1] is DragonFly's */
inline ThreadSlot *thread_slot(ThreadState *t) { return personality_slot<ThreadSlot>(t, kThreadSlot); }
static_assert(__builtin_offsetof(ThreadState, personality) + kThreadSlot * sizeof(PersonalitySlot) +
		      __builtin_offsetof(ThreadSlot, shared_counts) ==
		      BSDSYNC_TD_DFLY_COUNTS,
	      "include/bsdsync/inline_abi.h: BSDSYNC_TD_DFLY_COUNTS");

/* The thread-exit hook's parts (personality.cpp installs thread_exiting as the core's
 * td_exit_hook[kThreadSlot]): sleep.cpp drops a pending tsleep_interlock() entry. */
void sleep_thread_exiting(ThreadState *t);
/* token.cpp: tokens still held are reported and released, the switch hook unregistered. */
void token_thread_exiting(ThreadState *t);

/* msgport.cpp: the thread's own port freed (messages still queued on it reported). */
void msgport_thread_exiting(ThreadState *t);

/* Tokens at load / unload (personality.cpp): their lock type and the switch hooks. */
int tokens_start();
void tokens_stop();

} // namespace bsdsync::dfly

#endif
