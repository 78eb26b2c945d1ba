/*
 * The one sleep routine behind sleep(9), msleep_spin(9), pause(9) and condvar(9): queue on
 * a channel of the sleep-queue table, release the interlock (any lock class, or a spin
 * mutex for msleep_spin) and Giant, block, then take Giant and the interlock back.
 */
#ifndef BSDSYNC_FREEBSD_SLEEP_H
#define BSDSYNC_FREEBSD_SLEEP_H

#include <bsdsync/freebsd/sleep.h>
#include "freebsd/lock_class.h"
#include "core/block.h"

namespace bsdsync::fbsd {

struct SleepRequest {
	const void *channel;
	lock_object *interlock;	/* null for tsleep/pause */
	bool interlock_is_spin;	/* msleep_spin: a spin mutex held with interrupts off */
	bool catch_signals;	/* PCATCH / C_CATCH */
	bool drop;		/* PDROP, or cv_wait_unlock: do not take the interlock back */
	bool no_lock_ok;	/* PNOLOCK, or a private channel (pause) */
	s64 sbt;		/* timeout; 0 = none */
	s64 precision;
	int flags;		/* C_* */
	int *waiters;		/* cv_waiters, maintained under the chain lock */
	/* Optional (sema(9), which has no interlock): run under the channel's chain lock just
	 * before queueing, to check the condition and announce the waiter; false means do not
	 * sleep, and sleep_on() returns 0 without blocking. */
	bool (*queue_if)(void *arg);
	void *queue_arg;
	/* Optional: receives the waker's token (WaitTable::wake_taken) when the sleep ended
	 * by a wakeup, else 0. */
	int *woken_token;
	const char *what;	/* "msleep", "cv_wait", ... for reports */
	const char *file;
	int line;
};

/* block_errno (core/block.h): a wait's result as an errno, shared with DragonFly. */

/* Returns 0 (woken), EWOULDBLOCK (timed out, or the sleep was refused as misuse after a
 * report), EINTR (fatal signal) or ERESTART (other signal), in Linux numbering. */
int sleep_on(const SleepRequest &r);

/* The condvar wait behind every cv_*wait* (and sema): sleep on cv c with `lock` as
 * interlock. Returns sleep_on()'s result; an untimed, uninterruptible wait returns nonzero
 * only when the sleep was refused as misuse (after its report). */
int cv_sleep(cv *c, lock_object *lock, bool catch_signals, bool unlock, s64 sbt, s64 pr,
	     int flags, const char *what, const char *file, int line);

} // namespace bsdsync::fbsd

#endif
