/*
 * The FreeBSD part of the KUnit harness (kunit/core/harness.h is the neutral part): helpers
 * that take FreeBSD locks or use FreeBSD's clock.
 */
#ifndef BSDSYNC_KUNIT_HARNESS_FREEBSD_H
#define BSDSYNC_KUNIT_HARNESS_FREEBSD_H

#include "harness.h"

#include <sys/types.h>
#include <sys/mutex.h>

/* The shortest sleep a timeout of `timo` ticks allows: timo * tick_sbt, in ns. */
u64 bt_ticks_ns(int timo);

/* Take m once *count >= n; returns with m held, or false with m not held. */
bool bt_lock_when(struct mtx *m, const int *count, int n);
/* Wait (bounded) until the sleepers that bumped *count (under m, right before sleeping with
 * m as interlock) are queued, and hold m. If the wait failed (already reported), take m
 * anyway so the case can wake and join its threads. */
void bt_hold_when_queued(struct kunit *test, struct mtx *m, const int *count, int n);

/*
 * A contended acquisition of a blocking lock in atomic context (misuse: a sleeping lock where
 * the thread may not sleep), checked the same way for every lock type. An owner thread on one
 * CPU takes the lock and sleeps (not running, so a waiter cannot spin on it) until the test
 * lets it release; a locker thread on another CPU enters the atomic section (`mode`), calls
 * `acquire` (1: taken), releases what it got, and leaves. Checked: exactly one report of
 * BSDSYNC_RULE_SLEEP_ATOMIC and no sleep inside; taken as `expect_taken` says, and then only
 * after the owner's release; the locker stays on its CPU; once out of the section its
 * preempt count is 0 with interrupts on, and it sleeps again without any report.
 */
enum bt_atomic_mode { BT_ATOMIC_SPIN_MUTEX, BT_ATOMIC_CRITICAL };
struct bt_atomic_lock {
	const char *what;		/* the operation, for messages */
	void *ctx;			/* passed to every callback */
	void (*owner_lock)(void *ctx);
	void (*owner_unlock)(void *ctx);
	int (*acquire)(void *ctx);	/* the contended acquisition: 1 if it took the lock */
	void (*release)(void *ctx);	/* undoes a successful acquire */
	bool expect_taken;
};
void bt_contended_in_atomic(struct kunit *test, const struct bt_atomic_lock *l,
			    enum bt_atomic_mode mode);

#endif
