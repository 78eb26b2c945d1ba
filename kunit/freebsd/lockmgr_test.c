// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * lock(9), the lockmgr lock, as a ported FreeBSD driver uses it: one case per documented
 * behaviour of share/man/man9/lock.9 and sys/kern/kern_lock.c (the code wins where they
 * differ); misuse cases check the report and that the lock goes on.
 *
 * Threads wait for each other through the lock's own queued counts (lk_shwaiters,
 * lk_exwaiters, lk_exslpfail: a thread is counted once it is queued) and flags; no case
 * asserts on timings.
 */
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/lockmgr.h>
#include <sys/condvar.h>
#include <sys/proc.h>

/* ---- helpers -------------------------------------------------------------------------- */

/* Bounded wait inside a worker thread (KUnit cannot be called there): ~60 s. */
static bool lk_wait_flag(const int *flag)
{
	unsigned long deadline = jiffies + 60 * HZ;

	while (!READ_ONCE(*flag)) {
		if (time_after(jiffies, deadline))
			return false;
		usleep_range(200, 500);
	}
	return true;
}

static int lk_queued_ex(const struct lock *lk)
{
	return READ_ONCE(lk->lk_exwaiters) + READ_ONCE(lk->lk_exslpfail);
}

static int lk_queued_sh(const struct lock *lk)
{
	return READ_ONCE(lk->lk_shwaiters);
}

/*
 * A worker that makes one lockmgr request, records the result and what it saw, and (if it
 * got the lock) holds it until told to release.
 */
struct lk_req {
	struct lock *lk;
	unsigned int flags;
	struct mtx *ilk;	/* taken by the worker before the request if set */
	int prio;		/* lockmgr_args prio (0: the lock's) */
	int timo;		/* lockmgr_args timo (0: the lock's) */
	int sig;		/* allow this signal (SIGUSR1 or SIGKILL) */
	int error;
	int status;		/* lockstatus right after the request */
	int ilk_owned;		/* the interlock still owned after the request */
	int got;		/* the request returned */
	int release;		/* set by the case: release now */
	int done;
	int order;		/* global sequence number when it got the lock */
	struct bt_thread t;
};

static atomic_t lk_seq;

static void lk_req_main(void *arg)
{
	struct lk_req *r = arg;

	if (r->sig == SIGKILL)
		kernel_sigaction(SIGKILL, SIG_DFL);
	else if (r->sig)
		allow_signal(r->sig);
	if (r->ilk)
		mtx_lock(r->ilk);
	r->error = lockmgr_args(r->lk, r->flags, r->ilk, LK_WMESG_DEFAULT, r->prio, r->timo);
	r->order = atomic_inc_return(&lk_seq);
	r->status = lockstatus(r->lk);
	if (r->ilk) {
		r->ilk_owned = mtx_owned(r->ilk);
		if (r->ilk_owned)
			mtx_unlock(r->ilk);
	}
	WRITE_ONCE(r->got, 1);
	if (r->error == 0 && (r->flags & LK_TYPE_MASK) != LK_RELEASE) {
		lk_wait_flag(&r->release);
		lockmgr(r->lk, LK_RELEASE, NULL);
	}
	if (r->sig == SIGKILL) {
		flush_signals(current);
		kernel_sigaction(SIGKILL, SIG_IGN);
	} else if (r->sig) {
		flush_signals(current);
	}
	WRITE_ONCE(r->done, 1);
}

static void lk_req_start(struct kunit *test, struct lk_req *r, struct lock *lk,
			 unsigned int flags)
{
	r->lk = lk;
	r->flags = flags;
	r->got = r->release = r->done = r->error = 0;
	bt_start(test, &r->t, lk_req_main, r, "bsd-lkreq");
}

/* Start a request and wait until it returned (it holds the lock if error == 0). */
static void lk_req_hold(struct kunit *test, struct lk_req *r, struct lock *lk,
			unsigned int flags)
{
	lk_req_start(test, r, lk, flags);
	BT_WAIT_UNTIL(test, READ_ONCE(r->got));
}

static void lk_req_finish(struct lk_req *r)
{
	WRITE_ONCE(r->release, 1);
	bt_join(&r->t);
}

/* ---- shared and exclusive -------------------------------------------------------------- */

#define SH_THREADS 4

struct sh_ctx {
	struct lock lk;
	int inside;
	int max_inside;
	int all_in;
	int failed;
};

static void sh_worker(void *arg)
{
	struct sh_ctx *c = arg;
	int n;

	if (lockmgr(&c->lk, LK_SHARED, NULL)) {
		WRITE_ONCE(c->failed, 1);
		return;
	}
	n = __atomic_add_fetch(&c->inside, 1, __ATOMIC_SEQ_CST);
	if (n == SH_THREADS) {
		/* Nobody releases before all_in: all of them hold it right now. */
		WRITE_ONCE(c->max_inside, n);
		WRITE_ONCE(c->all_in, 1);
	}
	/* Every holder stays until all of them are inside at once. */
	lk_wait_flag(&c->all_in);
	lockmgr(&c->lk, LK_RELEASE, NULL);
}

static void lockmgr_shared_holders_hold_it_at_the_same_time(struct kunit *test)
{
	struct sh_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread t[SH_THREADS];

	lockinit(&c->lk, PVFS, "shared", 0, 0);
	for (int i = 0; i < SH_THREADS; i++)
		bt_start(test, &t[i], sh_worker, c, "bsd-lksh");
	bt_join_n(t, SH_THREADS);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(c->all_in));
	KUNIT_EXPECT_EQ(test, c->max_inside, SH_THREADS);
	KUNIT_EXPECT_FALSE(test, c->failed);
	KUNIT_EXPECT_EQ(test, lockstatus(&c->lk), 0);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&c->lk));
}

#define MX_READERS 3
#define MX_WRITERS 3
#define MX_ROUNDS 20000

struct mx_ctx {
	struct lock lk;
	int writer_in;		/* set inside an exclusive section */
	int readers_in;
	unsigned long counter;	/* plain, written only under the exclusive lock */
	int violations;
	int errors;
};

static void mx_writer(void *arg)
{
	struct mx_ctx *c = arg;

	for (int i = 0; i < MX_ROUNDS; i++) {
		/* Every way in: plain, via upgrade of a shared hold, and by downgrade. */
		if (i % 3 == 1) {
			if (lockmgr(&c->lk, LK_SHARED, NULL) ||
			    lockmgr(&c->lk, LK_UPGRADE, NULL)) {
				c->errors++;
				continue;
			}
		} else if (lockmgr(&c->lk, LK_EXCLUSIVE, NULL)) {
			c->errors++;
			continue;
		}
		if (READ_ONCE(c->writer_in) || READ_ONCE(c->readers_in))
			c->violations++;
		WRITE_ONCE(c->writer_in, 1);
		c->counter++;
		if ((i & 127) == 0)
			usleep_range(10, 50);	/* sleeping with it held: others queue */
		else if ((i & 15) == 0)
			cpu_relax();
		WRITE_ONCE(c->writer_in, 0);
		if (i % 3 == 2) {
			lockmgr(&c->lk, LK_DOWNGRADE, NULL);
			if (READ_ONCE(c->writer_in))
				c->violations++;
		}
		lockmgr(&c->lk, LK_RELEASE, NULL);
		if ((i & 63) == 0)
			cond_resched();
	}
}

static void mx_reader(void *arg)
{
	struct mx_ctx *c = arg;

	for (int i = 0; i < MX_ROUNDS; i++) {
		if (lockmgr(&c->lk, LK_SHARED, NULL)) {
			__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_add_fetch(&c->readers_in, 1, __ATOMIC_SEQ_CST);
		if (READ_ONCE(c->writer_in))
			__atomic_add_fetch(&c->violations, 1, __ATOMIC_RELAXED);
		if ((i & 127) == 0)
			usleep_range(10, 50);
		if (READ_ONCE(c->writer_in))
			__atomic_add_fetch(&c->violations, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&c->readers_in, 1, __ATOMIC_SEQ_CST);
		lockmgr(&c->lk, LK_RELEASE, NULL);
		if ((i & 63) == 0)
			cond_resched();
	}
}

static void lockmgr_exclusive_excludes_everyone_under_stress(struct kunit *test)
{
	struct mx_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread w[MX_WRITERS], r[MX_READERS];

	lockinit(&c->lk, PVFS, "stress", 0, 0);
	for (int i = 0; i < MX_WRITERS; i++)
		bt_start(test, &w[i], mx_writer, c, "bsd-lkwr");
	for (int i = 0; i < MX_READERS; i++)
		bt_start(test, &r[i], mx_reader, c, "bsd-lkrd");
	bt_join_n(w, MX_WRITERS);
	bt_join_n(r, MX_READERS);
	KUNIT_EXPECT_EQ(test, c->violations, 0);
	KUNIT_EXPECT_EQ(test, c->errors, 0);
	KUNIT_EXPECT_EQ(test, c->counter, (unsigned long)MX_WRITERS * MX_ROUNDS);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->lk.lk_lock), LK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->lk.lk_pending), 0);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&c->lk));
}

/*
 * Every modifier at once: tries, timed waits (one tick), LK_SLEEPFAIL waits, try-upgrades,
 * upgrades and downgrades, from threads that also hold shared locks of a second lock (the
 * deadlock-avoidance exception). Waiters give up in every way while others come and go:
 * nobody may be left asleep (the case would hang), the exclusion must hold, and at the end
 * the word, the queued counts and the pending count are all back to zero.
 */
#define MIX_THREADS 6
#define MIX_ROUNDS 3000

struct mix_ctx {
	struct lock lk;
	struct lock other;
	int writer_in;
	int readers_in;
	int violations;
	int unexpected;
	int acquired;
	int failed;
	int started;
	int go;
};

static void mix_check_shared(struct mix_ctx *c, unsigned int seed)
{
	__atomic_add_fetch(&c->readers_in, 1, __ATOMIC_SEQ_CST);
	if (READ_ONCE(c->writer_in))
		__atomic_add_fetch(&c->violations, 1, __ATOMIC_RELAXED);
	if (((seed >> 20) & 7) == 0)
		usleep_range(20, 100);
	if (READ_ONCE(c->writer_in))
		__atomic_add_fetch(&c->violations, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&c->readers_in, 1, __ATOMIC_SEQ_CST);
}

static void mix_check_exclusive(struct mix_ctx *c, unsigned int seed)
{
	if (__atomic_exchange_n(&c->writer_in, 1, __ATOMIC_SEQ_CST) || READ_ONCE(c->readers_in))
		__atomic_add_fetch(&c->violations, 1, __ATOMIC_RELAXED);
	/* Sometimes sleep holding it (lockmgr is sleepable): the others must queue. */
	if (((seed >> 20) & 7) == 0)
		usleep_range(20, 100);
	else
		cpu_relax();
	if (READ_ONCE(c->readers_in))
		__atomic_add_fetch(&c->violations, 1, __ATOMIC_RELAXED);
	WRITE_ONCE(c->writer_in, 0);
}

static void mix_worker(void *arg)
{
	struct mix_ctx *c = arg;
	unsigned int seed = (unsigned int)(unsigned long)current;

	__atomic_add_fetch(&c->started, 1, __ATOMIC_SEQ_CST);
	lk_wait_flag(&c->go);
	for (int i = 0; i < MIX_ROUNDS; i++) {
		unsigned int op, flags = 0;
		int error;
		bool other = false;

		seed = seed * 1103515245 + 12345;
		op = (seed >> 16) % 8;
		if ((seed >> 8) & 1)
			flags |= LK_SLEEPFAIL;
		if ((seed >> 9) & 1)
			flags |= LK_TIMELOCK;
		if (((seed >> 10) & 7) == 0)
			flags |= LK_NOWAIT;
		if ((seed >> 24) & 1)
			flags |= LK_ADAPTIVE;
		if (((seed >> 13) & 3) == 0) {
			other = lockmgr(&c->other, LK_SHARED, NULL) == 0;
			if (!other)
				__atomic_add_fetch(&c->unexpected, 1, __ATOMIC_RELAXED);
		}
		if (op < 3) {
			error = lockmgr_args(&c->lk, LK_SHARED | flags, NULL, NULL, 0, 1);
			if (!error) {
				mix_check_shared(c, seed);
				if (op == 1) {
					/* Refused, it keeps its shared hold. */
					error = lockmgr(&c->lk, LK_TRYUPGRADE, NULL);
					if (!error)
						mix_check_exclusive(c, seed);
					else if (error != EBUSY)
						__atomic_add_fetch(&c->unexpected, 1, __ATOMIC_RELAXED);
					error = 0;
				} else if (op == 2) {
					error = lockmgr_args(&c->lk, LK_UPGRADE | flags, NULL, NULL, 0, 1);
					if (!error)
						mix_check_exclusive(c, seed);
				}
			}
		} else {
			error = lockmgr_args(&c->lk, LK_EXCLUSIVE | flags, NULL, NULL, 0, 1);
			if (!error) {
				mix_check_exclusive(c, seed);
				if (op == 4) {
					lockmgr(&c->lk, LK_DOWNGRADE, NULL);
					mix_check_shared(c, seed);
				}
			}
		}
		if (error == 0) {
			__atomic_add_fetch(&c->acquired, 1, __ATOMIC_RELAXED);
			lockmgr(&c->lk, LK_RELEASE, NULL);
		} else if (error == EBUSY || error == ENOLCK || error == EWOULDBLOCK) {
			__atomic_add_fetch(&c->failed, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&c->unexpected, 1, __ATOMIC_RELAXED);
		}
		if (other)
			lockmgr(&c->other, LK_RELEASE, NULL);
		if ((i & 31) == 0)
			cond_resched();
	}
}

static void lockmgr_every_modifier_under_stress_leaves_no_one_behind(struct kunit *test)
{
	struct mix_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread t[MIX_THREADS];

	lockinit(&c->lk, PVFS, "mix", 1, 0);
	lockinit(&c->other, PVFS, "mix other", 0, 0);
	for (int i = 0; i < MIX_THREADS; i++)
		bt_start(test, &t[i], mix_worker, c, "bsd-lkmix");
	BT_WAIT_UNTIL(test, READ_ONCE(c->started) == MIX_THREADS);
	WRITE_ONCE(c->go, 1);
	bt_join_n(t, MIX_THREADS);
	KUNIT_EXPECT_EQ(test, c->violations, 0);
	KUNIT_EXPECT_EQ(test, c->unexpected, 0);
	KUNIT_EXPECT_GT(test, c->acquired, 0);
	kunit_info(test, "acquired %d, failed as asked %d", c->acquired, c->failed);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->lk.lk_lock), LK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, lk_queued_ex(&c->lk) + lk_queued_sh(&c->lk), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->lk.lk_pending), 0);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&c->lk));
	BT_EXPECT_NO_REPORT(test, lockdestroy(&c->other));
}

/* The release then free pattern (prior-art.md bug 1): the waiter that gets the lock frees
 * it at once; the releaser must not touch it afterwards (KASAN would see it). */
struct uaf_ctx {
	struct lock *lk;
	int error;
};

static void uaf_waiter(void *arg)
{
	struct uaf_ctx *c = arg;
	struct lock *lk = c->lk;

	c->error = lockmgr(lk, LK_EXCLUSIVE, NULL);
	if (c->error == 0) {
		lockmgr(lk, LK_RELEASE, NULL);
		lockdestroy(lk);
		kfree(lk);
	}
}

static void lockmgr_release_then_free_by_the_next_owner_is_safe(struct kunit *test)
{
	for (int i = 0; i < 200; i++) {
		struct lock *lk = kzalloc(sizeof(*lk), GFP_KERNEL);
		struct uaf_ctx c = { .lk = lk };
		struct bt_thread t;

		KUNIT_ASSERT_NOT_NULL(test, lk);
		lockinit(lk, PVFS, "freed", 0, 0);
		lockmgr(lk, i & 1 ? LK_SHARED : LK_EXCLUSIVE, NULL);
		bt_start(test, &t, uaf_waiter, &c, "bsd-lkuaf");
		BT_WAIT_UNTIL(test, lk_queued_ex(lk) == 1);
		lockmgr(lk, LK_RELEASE, NULL);
		bt_join(&t);
		KUNIT_EXPECT_EQ(test, c.error, 0);
	}
}

static void lockmgr_exclusive_blocks_until_the_holder_releases(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {}, w = {};

	lockinit(&lk, PVFS, "blocks", 0, 0);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w.got));
	KUNIT_EXPECT_TRUE(test, lockmgr_waiters(&lk) != 0);
	lk_req_finish(&h);
	BT_WAIT_UNTIL(test, READ_ONCE(w.got));
	KUNIT_EXPECT_EQ(test, w.error, 0);
	KUNIT_EXPECT_EQ(test, w.status, LK_EXCLUSIVE);
	lk_req_finish(&w);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockmgr_nowait_returns_ebusy_instead_of_sleeping(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "nowait", 0, 0);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	BT_EXPECT_NO_SLEEP(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT, NULL), EBUSY));
	BT_EXPECT_NO_SLEEP(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT, NULL), EBUSY));
	BT_EXPECT_NO_SLEEP(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DRAIN | LK_NOWAIT, NULL), EBUSY));
	lk_req_finish(&h);

	/* Held shared by another thread: a shared try succeeds, an exclusive one fails. */
	lk_req_hold(test, &h, &lk, LK_SHARED);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT, NULL), EBUSY);
	lk_req_finish(&h);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT, NULL), 0);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&lk);
}

static void lockmgr_shared_request_by_the_exclusive_holder_returns_edeadlk(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "edeadlk", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), EDEADLK));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), 0);
	lockdestroy(&lk);
}

static void lockmgr_slock_xlock_unlock_and_lock_flags_kpi(struct kunit *test)
{
	struct lock lk;
	struct mtx m;

	lockinit(&lk, PVFS, "kpi", 0, 0);
	mtx_init(&m, "kpi ilk", NULL, MTX_DEF);
	KUNIT_EXPECT_EQ(test, lockmgr_slock(&lk, 0, __FILE__, __LINE__), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_SHARED);
	KUNIT_EXPECT_EQ(test, lockmgr_unlock(&lk), 0);
	KUNIT_EXPECT_EQ(test, lockmgr_xlock(&lk, 0, __FILE__, __LINE__), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockmgr_unlock(&lk), 0);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr_lock_flags(&lk, LK_EXCLUSIVE | LK_INTERLOCK, &m.lock_object,
						 __FILE__, __LINE__), 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	KUNIT_EXPECT_EQ(test, lockmgr_unlock(&lk), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	mtx_destroy(&m);
	lockdestroy(&lk);
}

/* ---- upgrade and downgrade -------------------------------------------------------------- */

static void lockmgr_upgrade_by_the_sole_sharer_is_atomic(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "upgrade", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
	BT_EXPECT_NO_SLEEP(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE, NULL), 0));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, LK_HOLDER(READ_ONCE(lk.lk_lock)), (unsigned long)curthread);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockmgr_tryupgrade_succeeds_only_for_the_sole_sharer(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "tryupgrade", 0, 0);
	lk_req_hold(test, &h, &lk, LK_SHARED);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
	/* Two sharers: refused, and the shared hold is kept. */
	BT_EXPECT_NO_SLEEP(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_TRYUPGRADE, NULL), EBUSY));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_SHARED);
	KUNIT_EXPECT_EQ(test, LK_SHARERS(READ_ONCE(lk.lk_lock)), 2UL);
	lk_req_finish(&h);
	/* Now the sole sharer. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_TRYUPGRADE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&lk);
}

static void lockmgr_upgrade_with_other_sharers_drops_the_shared_lock_first(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "upgrade drops", 0, 0);
	lk_req_hold(test, &h, &lk, LK_SHARED);

	/* LK_UPGRADE|LK_NOWAIT: the shared hold is gone, the exclusive one not granted. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE | LK_NOWAIT, NULL), EBUSY);
	KUNIT_EXPECT_EQ(test, LK_SHARERS(READ_ONCE(lk.lk_lock)), 1UL);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_SHARED);	/* h's hold only */

	lk_req_finish(&h);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

struct up_ctx {
	struct lock *lk;
	int shared_ok;
	int error;
	int status;
	int got;
	int release;
};

static void upgrader_main(void *arg)
{
	struct up_ctx *c = arg;

	c->shared_ok = lockmgr(c->lk, LK_SHARED, NULL) == 0;
	WRITE_ONCE(c->got, 1);
	lk_wait_flag(&c->release);
	c->error = lockmgr(c->lk, LK_UPGRADE, NULL);
	c->status = lockstatus(c->lk);
	if (c->error == 0)
		lockmgr(c->lk, LK_RELEASE, NULL);
	WRITE_ONCE(c->got, 2);
}

static void lockmgr_blocking_upgrade_queues_as_a_writer_without_its_shared_hold(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};
	struct up_ctx c = {};
	struct bt_thread t;

	lockinit(&lk, PVFS, "upgrade waits", 0, 0);
	lk_req_hold(test, &h, &lk, LK_SHARED);
	c.lk = &lk;
	bt_start(test, &t, upgrader_main, &c, "bsd-lkup");
	BT_WAIT_UNTIL(test, READ_ONCE(c.got) == 1);
	KUNIT_EXPECT_EQ(test, LK_SHARERS(READ_ONCE(lk.lk_lock)), 2UL);
	WRITE_ONCE(c.release, 1);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	/* Queued for the exclusive lock, its shared hold already released. */
	KUNIT_EXPECT_EQ(test, LK_SHARERS(READ_ONCE(lk.lk_lock)), 1UL);
	lk_req_finish(&h);
	bt_join(&t);
	KUNIT_EXPECT_TRUE(test, c.shared_ok);
	KUNIT_EXPECT_EQ(test, c.error, 0);
	KUNIT_EXPECT_EQ(test, c.status, LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockmgr_downgrade_lets_waiting_sharers_in_at_once(struct kunit *test)
{
	struct lock lk;
	struct lk_req s[2] = {};

	lockinit(&lk, PVFS, "downgrade", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	lk_req_start(test, &s[0], &lk, LK_SHARED);
	lk_req_start(test, &s[1], &lk, LK_SHARED);
	BT_WAIT_UNTIL(test, lk_queued_sh(&lk) == 2);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_SHARED);
	/* The waiting readers get in while we still hold our (now shared) lock. */
	BT_WAIT_UNTIL(test, READ_ONCE(s[0].got) && READ_ONCE(s[1].got));
	KUNIT_EXPECT_EQ(test, s[0].error, 0);
	KUNIT_EXPECT_EQ(test, s[1].error, 0);
	KUNIT_EXPECT_EQ(test, LK_SHARERS(READ_ONCE(lk.lk_lock)), 3UL);
	lockmgr(&lk, LK_RELEASE, NULL);
	lk_req_finish(&s[0]);
	lk_req_finish(&s[1]);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockmgr_downgrade_keeps_readers_waiting_behind_a_queued_writer(struct kunit *test)
{
	struct lock lk;
	struct lk_req w = {}, s = {};

	lockinit(&lk, PVFS, "downgrade writer", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	lk_req_start(test, &s, &lk, LK_SHARED);
	BT_WAIT_UNTIL(test, lk_queued_sh(&lk) == 1);
	lockmgr(&lk, LK_DOWNGRADE, NULL);
	/* Writers first: the reader stays queued while a writer waits for us. */
	KUNIT_EXPECT_EQ(test, lk_queued_sh(&lk), 1);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(s.got));
	lockmgr(&lk, LK_RELEASE, NULL);
	BT_WAIT_UNTIL(test, READ_ONCE(w.got));
	lk_req_finish(&w);
	BT_WAIT_UNTIL(test, READ_ONCE(s.got));
	KUNIT_EXPECT_TRUE(test, s.order > w.order);
	lk_req_finish(&s);
	lockdestroy(&lk);
}

/* ---- release order and the writer-starvation rule ------------------------------------ */

static void lockmgr_release_prefers_exclusive_waiters(struct kunit *test)
{
	struct lock lk;
	struct lk_req s = {}, w = {};

	lockinit(&lk, PVFS, "writers first", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	lk_req_start(test, &s, &lk, LK_SHARED);
	BT_WAIT_UNTIL(test, lk_queued_sh(&lk) == 1);
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	lockmgr(&lk, LK_RELEASE, NULL);
	BT_WAIT_UNTIL(test, READ_ONCE(w.got));
	KUNIT_EXPECT_EQ(test, w.error, 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(s.got));
	lk_req_finish(&w);
	BT_WAIT_UNTIL(test, READ_ONCE(s.got));
	KUNIT_EXPECT_EQ(test, s.error, 0);
	KUNIT_EXPECT_TRUE(test, s.order > w.order);
	lk_req_finish(&s);
	lockdestroy(&lk);
}

static void lockmgr_new_sharers_wait_for_a_queued_writer_unless_they_hold_shared_locks(struct kunit *test)
{
	struct lock lk, other;
	struct lk_req w = {}, h = {};

	lockinit(&lk, PVFS, "starvation", 0, 0);
	lockinit(&other, PVFS, "other", 0, 0);
	lk_req_hold(test, &h, &lk, LK_SHARED);
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	/* This thread holds no shared lockmgr lock: it must wait behind the writer. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT, NULL), EBUSY);
	/* Holding some shared lockmgr lock, it may join the readers (deadlock avoidance)... */
	KUNIT_EXPECT_EQ(test, lockmgr(&other, LK_SHARED, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
	KUNIT_EXPECT_EQ(test, LK_SHARERS(READ_ONCE(lk.lk_lock)), 2UL);
	/* ...unless it passes LK_NODDLKTREAT. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT | LK_NODDLKTREAT, NULL), EBUSY);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr(&other, LK_RELEASE, NULL);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w.got));
	lk_req_finish(&h);
	BT_WAIT_UNTIL(test, READ_ONCE(w.got));
	KUNIT_EXPECT_EQ(test, w.error, 0);
	lk_req_finish(&w);
	lockdestroy(&other);
	lockdestroy(&lk);
}

/* ---- LK_DRAIN ------------------------------------------------------------------------- */

struct drain_ctx {
	struct lock *lk;
	int error;
	int status;
	int got;
	int order;
	int release;
};

static void drainer_main(void *arg)
{
	struct drain_ctx *c = arg;

	c->error = lockmgr(c->lk, LK_DRAIN, NULL);
	c->order = atomic_inc_return(&lk_seq);
	c->status = lockstatus(c->lk);
	WRITE_ONCE(c->got, 1);
	lk_wait_flag(&c->release);
	if (c->error == 0)
		lockmgr(c->lk, LK_RELEASE, NULL);
}

static void lockmgr_drain_waits_for_holders_and_waiters_then_holds_it(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {}, s = {}, x = {};
	struct drain_ctx d = {};
	struct bt_thread t;

	lockinit(&lk, PVFS, "drain", 0, 0);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	lk_req_start(test, &s, &lk, LK_SHARED);
	lk_req_start(test, &x, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_sh(&lk) == 1 && lk_queued_ex(&lk) == 1);
	d.lk = &lk;
	bt_start(test, &t, drainer_main, &d, "bsd-lkdrain");
	BT_WAIT_UNTIL(test, READ_ONCE(lk.lk_lock) & LK_DRAIN_WAITING);
	/* The drainer does not hold back the waiters: they all get their turn first. */
	lk_req_finish(&h);
	BT_WAIT_UNTIL(test, READ_ONCE(x.got));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(d.got));
	lk_req_finish(&x);
	BT_WAIT_UNTIL(test, READ_ONCE(s.got));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(d.got));
	lk_req_finish(&s);
	BT_WAIT_UNTIL(test, READ_ONCE(d.got));
	KUNIT_EXPECT_EQ(test, d.error, 0);
	KUNIT_EXPECT_EQ(test, d.status, LK_EXCLUSIVE);
	KUNIT_EXPECT_TRUE(test, d.order > x.order && d.order > s.order);
	KUNIT_EXPECT_EQ(test, h.error, 0);
	KUNIT_EXPECT_EQ(test, x.error, 0);
	KUNIT_EXPECT_EQ(test, s.error, 0);
	WRITE_ONCE(d.release, 1);
	bt_join(&t);
	/* Released by the drainer: an ordinary exclusive release (FreeBSD's kern_lock.c; the
	 * man page's "decommissioned" is 4.4BSD's), the lock free again. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&lk));
}

static void lockmgr_drain_waits_for_a_shared_holder_and_the_waiters_queued_behind_it(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {}, x = {};
	struct drain_ctx d = {};
	struct bt_thread t;

	lockinit(&lk, PVFS, "drain shared", 0, 0);
	lk_req_hold(test, &h, &lk, LK_SHARED);
	lk_req_start(test, &x, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	d.lk = &lk;
	bt_start(test, &t, drainer_main, &d, "bsd-lkdrain");
	BT_WAIT_UNTIL(test, READ_ONCE(lk.lk_lock) & LK_DRAIN_WAITING);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(d.got));
	/* The shared holder leaves: the queued writer goes first, the drainer still waits. */
	lk_req_finish(&h);
	BT_WAIT_UNTIL(test, READ_ONCE(x.got));
	KUNIT_EXPECT_EQ(test, x.error, 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(d.got));
	lk_req_finish(&x);
	BT_WAIT_UNTIL(test, READ_ONCE(d.got));
	KUNIT_EXPECT_EQ(test, d.error, 0);
	KUNIT_EXPECT_EQ(test, d.status, LK_EXCLUSIVE);
	KUNIT_EXPECT_TRUE(test, d.order > x.order);
	WRITE_ONCE(d.release, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&lk));
}

/* After LK_DRAIN and LK_RELEASE the lock is an ordinary free lock (FreeBSD's code: nothing
 * retires it): every request works again, a second drain included, with no report. */
static void lockmgr_drained_lock_is_usable_again_after_its_release(struct kunit *test)
{
	struct lock lk;
	struct lk_req w = {};

	lockinit(&lk, PVFS, "drain reuse", 0, 0);
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DRAIN, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DRAIN, NULL), 0);
		/* The drained hold is an ordinary exclusive hold: downgrade, release. */
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_SHARED);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	});
	/* Another thread takes it after a drain and release, too. */
	KUNIT_ASSERT_EQ(test, lockmgr(&lk, LK_DRAIN, NULL), 0);
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(w.got));
	KUNIT_EXPECT_EQ(test, w.error, 0);
	KUNIT_EXPECT_EQ(test, w.status, LK_EXCLUSIVE);
	lk_req_finish(&w);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&lk));
}

/* Waiters that give up (timeout, LK_SLEEPFAIL) while a drain waits must wake the drainer
 * as they leave; all of them finish with their own result, none sees a drained lock. */
#define DRAIN_MIX 6

static void lockmgr_drain_waits_for_waiters_that_give_up_too(struct kunit *test)
{
	static const unsigned int req[DRAIN_MIX] = {
		LK_EXCLUSIVE, LK_SHARED, LK_EXCLUSIVE | LK_SLEEPFAIL, LK_SHARED | LK_TIMELOCK,
		LK_EXCLUSIVE | LK_TIMELOCK, LK_SHARED | LK_SLEEPFAIL,
	};
	struct lock lk;
	struct lk_req h = {}, w[DRAIN_MIX] = {};
	struct drain_ctx d = {};
	struct bt_thread t;
	unsigned long reports = bsdsync_report_total();

	lockinit(&lk, PVFS, "drain mix", 1, 0);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	for (int i = 0; i < DRAIN_MIX; i++) {
		lk_req_start(test, &w[i], &lk, req[i]);
		WRITE_ONCE(w[i].release, 1);	/* whoever gets it releases it at once */
	}
	/* The timed ones may already be gone; the others are queued. */
	BT_WAIT_UNTIL(test, READ_ONCE(lk.lk_pending) >= 4);
	d.lk = &lk;
	bt_start(test, &t, drainer_main, &d, "bsd-lkdrain");
	BT_WAIT_UNTIL(test, READ_ONCE(lk.lk_lock) & LK_DRAIN_WAITING);
	lk_req_finish(&h);
	BT_WAIT_UNTIL(test, READ_ONCE(d.got));
	for (int i = 0; i < DRAIN_MIX; i++) {
		bt_join(&w[i].t);
		KUNIT_EXPECT_TRUE_MSG(test, w[i].error == 0 || w[i].error == ENOLCK ||
				      w[i].error == EWOULDBLOCK, "request %d: %d", i, w[i].error);
		if (w[i].error == 0)
			KUNIT_EXPECT_LT(test, w[i].order, d.order);
	}
	KUNIT_EXPECT_EQ(test, w[0].error, 0);
	KUNIT_EXPECT_EQ(test, w[1].error, 0);
	KUNIT_EXPECT_EQ(test, d.error, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_pending), 0);
	WRITE_ONCE(d.release, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - reports, 0UL);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&lk));
}

static void lockmgr_drain_of_an_idle_lock_takes_it_at_once(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "drain idle", 0, 0);
	BT_EXPECT_NO_SLEEP(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DRAIN, NULL), 0));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&lk));
}

/* ---- LK_SLEEPFAIL, LK_TIMELOCK, PCATCH and LK_INTERLOCK ----------------------------- */

static void lockmgr_sleepfail_returns_enolck_after_the_sleep(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {}, w = {}, s = {};

	lockinit(&lk, PVFS, "sleepfail", 0, 0);
	/* Free: no sleep, so LK_SLEEPFAIL does not fail. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_SLEEPFAIL, NULL), 0);
	lockmgr(&lk, LK_RELEASE, NULL);

	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE | LK_SLEEPFAIL);
	lk_req_start(test, &s, &lk, LK_SHARED | LK_SLEEPFAIL);
	BT_WAIT_UNTIL(test, READ_ONCE(lk.lk_exslpfail) == 1 && lk_queued_sh(&lk) == 1);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w.got));
	lk_req_finish(&h);
	/* Only LK_SLEEPFAIL writers queued: both queues are woken, both fail. */
	BT_WAIT_UNTIL(test, READ_ONCE(w.got) && READ_ONCE(s.got));
	KUNIT_EXPECT_EQ(test, w.error, ENOLCK);
	KUNIT_EXPECT_EQ(test, s.error, ENOLCK);
	KUNIT_EXPECT_EQ(test, w.status, 0);
	lk_req_finish(&w);
	lk_req_finish(&s);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockmgr_timelock_times_out_with_ewouldblock(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {}, w = {}, a = {};

	lockinit(&lk, PVFS, "timelock", hz / 20 + 1, 0);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	/* The lock's timo (lockinit), LK_TIMELOCK per call. */
	lk_req_hold(test, &w, &lk, LK_EXCLUSIVE | LK_TIMELOCK);
	KUNIT_EXPECT_EQ(test, w.error, EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, w.status, LK_EXCLOTHER);
	bt_join(&w.t);
	/* The call's timo (lockmgr_args), shared request. */
	a.timo = hz / 20 + 1;
	lk_req_hold(test, &a, &lk, LK_SHARED | LK_TIMELOCK);
	KUNIT_EXPECT_EQ(test, a.error, EWOULDBLOCK);
	bt_join(&a.t);
	KUNIT_EXPECT_EQ(test, lk_queued_ex(&lk) + lk_queued_sh(&lk), 0);
	/* Nothing left behind: the holder's release is the fast one. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock) & LK_FLAGMASK, 0UL);
	lk_req_finish(&h);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockmgr_pcatch_sleep_is_interrupted_by_a_signal(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {}, w = {}, k = {}, d = {};

	lockinit(&lk, PVFS, "pcatch", 0, 0);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);

	w.prio = PVFS | PCATCH;
	w.sig = SIGUSR1;
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	send_sig(SIGUSR1, w.t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(w.got));
	KUNIT_EXPECT_EQ(test, w.error, ERESTART);
	bt_join(&w.t);

	/* A fatal signal: EINTR. PCATCH from lockinit's prio this time. */
	lk.lk_pri = PVFS | PCATCH;
	k.sig = SIGKILL;
	lk_req_start(test, &k, &lk, LK_SHARED);
	BT_WAIT_UNTIL(test, lk_queued_sh(&lk) == 1);
	send_sig(SIGKILL, k.t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(k.got));
	KUNIT_EXPECT_EQ(test, k.error, EINTR);
	bt_join(&k.t);

	/* Without PCATCH the signal does not end the wait. */
	lk.lk_pri = PVFS;
	d.sig = SIGUSR1;
	lk_req_start(test, &d, &lk, LK_EXCLUSIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	send_sig(SIGUSR1, d.t.task, 1);
	KUNIT_EXPECT_EQ(test, lk_queued_ex(&lk), 1);
	lk_req_finish(&h);
	BT_WAIT_UNTIL(test, READ_ONCE(d.got));
	KUNIT_EXPECT_EQ(test, d.error, 0);
	lk_req_finish(&d);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockmgr_interlock_is_released_on_success(struct kunit *test)
{
	struct lock lk;
	struct mtx m;

	lockinit(&lk, PVFS, "ilk ok", 0, 0);
	mtx_init(&m, "ilk", NULL, MTX_DEF);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_INTERLOCK, &m), 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE | LK_INTERLOCK, &m), 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_INTERLOCK, &m), 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE | LK_INTERLOCK, &m), 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE | LK_INTERLOCK, &m), 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&m);
	lockdestroy(&lk);
}

static void lockmgr_interlock_is_released_on_nowait_and_edeadlk_failures(struct kunit *test)
{
	struct lock lk;
	struct mtx m;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "ilk fail", 0, 0);
	mtx_init(&m, "ilk", NULL, MTX_DEF);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT | LK_INTERLOCK, &m), EBUSY);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT | LK_INTERLOCK, &m), EBUSY);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	lk_req_finish(&h);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_INTERLOCK, &m), EDEADLK);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	lockmgr(&lk, LK_RELEASE, NULL);
	mtx_destroy(&m);
	lockdestroy(&lk);
}

static void lockmgr_interlock_is_released_before_sleeping_and_on_sleepfail(struct kunit *test)
{
	struct lock lk;
	struct mtx m;
	struct lk_req h = {}, w = {};

	lockinit(&lk, PVFS, "ilk sleep", 0, 0);
	mtx_init(&m, "ilk", NULL, MTX_DEF);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	w.ilk = &m;
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE | LK_SLEEPFAIL | LK_INTERLOCK);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	/* Asleep: the interlock is free for others. */
	BT_WAIT_UNTIL(test, mtx_trylock(&m));
	mtx_unlock(&m);
	lk_req_finish(&h);
	BT_WAIT_UNTIL(test, READ_ONCE(w.got));
	KUNIT_EXPECT_EQ(test, w.error, ENOLCK);
	KUNIT_EXPECT_FALSE(test, w.ilk_owned);
	bt_join(&w.t);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&m);
	lockdestroy(&lk);
}

static void lockmgr_interlock_is_released_on_timeout_and_signal(struct kunit *test)
{
	struct lock lk;
	struct mtx m;
	struct lk_req h = {}, t = {}, s = {};

	lockinit(&lk, PVFS, "ilk timeout", hz / 20 + 1, 0);
	mtx_init(&m, "ilk", NULL, MTX_DEF);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	t.ilk = &m;
	lk_req_hold(test, &t, &lk, LK_EXCLUSIVE | LK_TIMELOCK | LK_INTERLOCK);
	KUNIT_EXPECT_EQ(test, t.error, EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, t.ilk_owned);
	bt_join(&t.t);

	s.ilk = &m;
	s.prio = PVFS | PCATCH;
	s.sig = SIGUSR1;
	lk_req_start(test, &s, &lk, LK_SHARED | LK_INTERLOCK);
	BT_WAIT_UNTIL(test, lk_queued_sh(&lk) == 1);
	send_sig(SIGUSR1, s.t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s.got));
	KUNIT_EXPECT_EQ(test, s.error, ERESTART);
	KUNIT_EXPECT_FALSE(test, s.ilk_owned);
	bt_join(&s.t);
	lk_req_finish(&h);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&m);
	lockdestroy(&lk);
}

static void lockmgr_interlock_may_be_another_lockmgr_lock(struct kunit *test)
{
	struct lock lk, ilk;

	lockinit(&lk, PVFS, "outer", 0, 0);
	lockinit(&ilk, PVFS, "lockmgr interlock", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&ilk, LK_EXCLUSIVE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr_lock_flags(&lk, LK_EXCLUSIVE | LK_INTERLOCK,
						 &ilk.lock_object, __FILE__, __LINE__), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&ilk), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&ilk);
	lockdestroy(&lk);
}

/* ---- recursion, disown, NOSHARE, Giant ----------------------------------------------- */

static void lockmgr_canrecurse_allows_recursion_and_lockmgr_recursed_reports_it(struct kunit *test)
{
	struct lock lk, once;

	lockinit(&lk, PVFS, "recursive", 0, LK_CANRECURSE);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	KUNIT_EXPECT_FALSE(test, lockmgr_recursed(&lk));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT, NULL), 0);
	KUNIT_EXPECT_TRUE(test, lockmgr_recursed(&lk));
	KUNIT_EXPECT_EQ(test, lk.lk_recurse, 2U);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_FALSE(test, lockmgr_recursed(&lk));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);

	/* Per call on a non-recursive lock. */
	lockinit(&once, PVFS, "per call", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&once, LK_EXCLUSIVE, NULL), 0);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test,
			    lockmgr(&once, LK_EXCLUSIVE | LK_CANRECURSE, NULL), 0));
	KUNIT_EXPECT_TRUE(test, lockmgr_recursed(&once));
	/* A try without LK_CANRECURSE fails quietly (FreeBSD). */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test,
			    lockmgr(&once, LK_EXCLUSIVE | LK_NOWAIT, NULL), EBUSY));
	lockmgr(&once, LK_RELEASE, NULL);
	lockmgr(&once, LK_RELEASE, NULL);
	lockdestroy(&once);
}

static void lockallowrecurse_and_lockdisableshare_change_the_lock(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "toggles", 0, 0);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	lockallowrecurse(&lk);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdisablerecurse(&lk);
	lockdisableshare(&lk);
	lockmgr(&lk, LK_RELEASE, NULL);
	lk_req_hold(test, &h, &lk, LK_SHARED);
	KUNIT_EXPECT_EQ(test, h.status, LK_EXCLUSIVE);	/* shared became exclusive */
	lk_req_finish(&h);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	lockallowshare(&lk);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_SHARED);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&lk);
}

static void lockmgr_noshare_makes_shared_requests_exclusive(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "noshare", 0, LK_NOSHARE);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	/* Upgrade and downgrade are no-ops that assert the exclusive hold. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE, NULL), 0));
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE, NULL), 0));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lk_req_hold(test, &h, &lk, LK_SHARED | LK_NOWAIT);
	KUNIT_EXPECT_EQ(test, h.error, EBUSY);
	bt_join(&h.t);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockmgr_disown_lets_another_thread_release_it(struct kunit *test)
{
	struct lock lk;
	struct lk_req r = {};

	lockinit(&lk, PVFS, "disown", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	BT_EXPECT_NO_REPORT(test, lockmgr_disown(&lk));
	KUNIT_EXPECT_TRUE(test, lockmgr_disowned(&lk));
	KUNIT_EXPECT_EQ(test, LK_HOLDER(READ_ONCE(lk.lk_lock)), LK_KERNPROC);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	BT_EXPECT_NO_REPORT(test, lockmgr_disown(&lk));	/* already disowned: nothing */
	/* Any thread may release a disowned lock. */
	lk_req_hold(test, &r, &lk, LK_RELEASE);
	KUNIT_EXPECT_EQ(test, r.error, 0);
	KUNIT_EXPECT_EQ(test, r.status, 0);
	bt_join(&r.t);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void lockstatus_reports_every_state(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "status", 0, 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), 0);
	lockmgr(&lk, LK_SHARED, NULL);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_SHARED);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lockmgr_disown(&lk);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lockmgr(&lk, LK_RELEASE, NULL);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLOTHER);
	lk_req_finish(&h);
	memset(&h, 0, sizeof(h));
	lk_req_hold(test, &h, &lk, LK_SHARED);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_SHARED);
	lk_req_finish(&h);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), 0);
	lockdestroy(&lk);
}

static void lockmgr_assert_passes_for_every_flag_when_true(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "assert ok", 0, LK_CANRECURSE);
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_UNLOCKED));
	lockmgr(&lk, LK_SHARED, NULL);
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_SLOCKED));
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_SLOCKED | KA_NOTRECURSED));
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_LOCKED));
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_LOCKED | KA_NOTRECURSED));
	lockmgr(&lk, LK_UPGRADE, NULL);
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_XLOCKED));
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_XLOCKED | KA_NOTRECURSED));
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_LOCKED));
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_XLOCKED | KA_RECURSED));
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_LOCKED | KA_RECURSED));
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr_disown(&lk);
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_XLOCKED));	/* KERNPROC counts */
	lockmgr(&lk, LK_RELEASE, NULL);
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_UNLOCKED));
	lockdestroy(&lk);
}

static void lockmgr_assert_reports_every_flag_when_false(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "assert fails", 0, LK_CANRECURSE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_LOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_SLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_XLOCKED));
	lockmgr(&lk, LK_SHARED, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_XLOCKED));
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_UNLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_SLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_XLOCKED | KA_RECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_LOCKED | KA_RECURSED));
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_XLOCKED | KA_NOTRECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_LOCKED | KA_NOTRECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 lockmgr_assert(&lk, KA_XLOCKED | KA_RECURSED | KA_NOTRECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, lockmgr_assert(&lk, 0x40));
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr(&lk, LK_RELEASE, NULL);
	/* Held by another thread: not ours. */
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_XLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lockmgr_assert(&lk, KA_LOCKED));
	BT_EXPECT_NO_REPORT(test, lockmgr_assert(&lk, KA_UNLOCKED));
	lk_req_finish(&h);
	lockdestroy(&lk);
}

struct giant_ctx {
	struct lock *lk;
	int error;
	int giant_depth_ok;
	int got;
};

static void giant_waiter_main(void *arg)
{
	struct giant_ctx *c = arg;

	mtx_lock(&Giant);
	mtx_lock(&Giant);
	c->error = lockmgr(c->lk, LK_EXCLUSIVE, NULL);
	c->giant_depth_ok = mtx_owned(&Giant) && mtx_recursed(&Giant);
	if (c->error == 0)
		lockmgr(c->lk, LK_RELEASE, NULL);
	mtx_unlock(&Giant);
	mtx_unlock(&Giant);
	WRITE_ONCE(c->got, 1);
}

static void lockmgr_drops_giant_while_blocked_and_restores_its_depth(struct kunit *test)
{
	struct lock lk;
	struct giant_ctx c = {};
	struct bt_thread t;

	lockinit(&lk, PVFS, "giant", 0, 0);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	c.lk = &lk;
	bt_start(test, &t, giant_waiter_main, &c, "bsd-lkgiant");
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	/* Blocked in lockmgr: Giant is free for others. */
	BT_WAIT_UNTIL(test, mtx_trylock(&Giant));
	mtx_unlock(&Giant);
	lockmgr(&lk, LK_RELEASE, NULL);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, c.error, 0);
	KUNIT_EXPECT_TRUE(test, c.giant_depth_ok);
	lockdestroy(&lk);
}

/* ---- lockmgr as the interlock of sleep(9) ------------------------------------------- */

struct lksleep_ctx {
	struct lock lk;
	int chan;
	unsigned int mode;	/* LK_EXCLUSIVE or LK_SHARED */
	int holding;		/* set while it holds the lock, before it sleeps */
	int error;
	int status_after;
	int done;
};

static void lksleeper_main(void *arg)
{
	struct lksleep_ctx *c = arg;

	lockmgr(&c->lk, c->mode, NULL);
	WRITE_ONCE(c->holding, 1);
	c->error = _sleep(&c->chan, &c->lk.lock_object, PVFS, "lksleep", 0, 0, 0);
	c->status_after = lockstatus(&c->lk);
	lockmgr(&c->lk, LK_RELEASE, NULL);
	WRITE_ONCE(c->done, 1);
}

static void lockmgr_is_the_interlock_of_msleep_in_the_mode_it_was_held(struct kunit *test)
{
	struct lksleep_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread t;
	unsigned int modes[2] = { LK_EXCLUSIVE, LK_SHARED };

	lockinit(&c->lk, PVFS, "sleep interlock", 0, 0);
	for (int i = 0; i < 2; i++) {
		c->mode = modes[i];
		c->done = 0;
		c->holding = 0;
		bt_start(test, &t, lksleeper_main, c, "bsd-lkslp");
		BT_WAIT_UNTIL(test, READ_ONCE(c->holding));
		/* Asleep: the lock was dropped, so we can take it exclusively, and wake it under
		 * the lock (no lost wakeup: it queued before dropping it). */
		BT_WAIT_UNTIL(test, lockmgr(&c->lk, LK_EXCLUSIVE | LK_NOWAIT, NULL) == 0);
		wakeup(&c->chan);
		lockmgr(&c->lk, LK_RELEASE, NULL);
		bt_join(&t);
		KUNIT_EXPECT_EQ(test, c->error, 0);
		KUNIT_EXPECT_EQ(test, c->status_after, i == 0 ? LK_EXCLUSIVE : LK_SHARED);
	}
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&c->lk);
}

struct lkcv_ctx {
	struct lock lk;
	struct cv cv;
	int ready;
	int holding;
	int status_after;
};

static void lkcv_waiter(void *arg)
{
	struct lkcv_ctx *c = arg;

	lockmgr(&c->lk, LK_SHARED, NULL);
	WRITE_ONCE(c->holding, 1);
	while (!c->ready)
		cv_wait(&c->cv, &c->lk);
	c->status_after = lockstatus(&c->lk);
	lockmgr(&c->lk, LK_RELEASE, NULL);
}

static void lockmgr_is_the_lock_of_cv_wait(struct kunit *test)
{
	struct lkcv_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread t;

	lockinit(&c->lk, PVFS, "cv lock", 0, 0);
	cv_init(&c->cv, "lkcv");
	bt_start(test, &t, lkcv_waiter, c, "bsd-lkcv");
	BT_WAIT_UNTIL(test, READ_ONCE(c->holding));
	/* Exclusive succeeds only once the waiter's shared hold was dropped by cv_wait. */
	KUNIT_EXPECT_EQ(test, lockmgr(&c->lk, LK_EXCLUSIVE, NULL), 0);
	c->ready = 1;
	cv_signal(&c->cv);
	lockmgr(&c->lk, LK_RELEASE, NULL);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, c->status_after, LK_SHARED);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->lk.lk_lock), LK_UNLOCKED);
	cv_destroy(&c->cv);
	lockdestroy(&c->lk);
}

static void lockmgr_printinfo_describes_every_state(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "printinfo", 0, 0);
	BT_EXPECT_NO_REPORT(test, lockmgr_printinfo(&lk));
	lockmgr(&lk, LK_SHARED, NULL);
	BT_EXPECT_NO_REPORT(test, lockmgr_printinfo(&lk));
	lockmgr(&lk, LK_UPGRADE, NULL);
	BT_EXPECT_NO_REPORT(test, lockmgr_printinfo(&lk));
	lockmgr_disown(&lk);
	BT_EXPECT_NO_REPORT(test, lockmgr_printinfo(&lk));
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&lk);
}

static void lockmgr_layout_matches_freebsd_members(struct kunit *test)
{
	struct lock lk;

	KUNIT_EXPECT_EQ(test, offsetof(struct lock, lock_object), (size_t)0);
	KUNIT_EXPECT_EQ(test, sizeof(struct lock), (size_t)56);
	lockinit(&lk, PRIBIO | PCATCH, "layout", 7, LK_CANRECURSE | LK_NOWITNESS);
	KUNIT_EXPECT_EQ(test, lk.lk_pri, PRIBIO | PCATCH);
	KUNIT_EXPECT_EQ(test, lk.lk_timo, 7);
	KUNIT_EXPECT_STREQ(test, lk.lock_object.lo_name, "layout");
	KUNIT_EXPECT_TRUE(test, (lk.lock_object.lo_flags & LO_RECURSABLE) != 0);
	KUNIT_EXPECT_TRUE(test, (lk.lock_object.lo_flags & LO_WITNESS) == 0);
	KUNIT_EXPECT_TRUE(test, (lk.lock_object.lo_flags & LO_DUPOK) != 0);	/* no LK_NODUP */
	KUNIT_EXPECT_TRUE(test, (lk.lock_object.lo_flags & LO_SLEEPABLE) != 0);
	KUNIT_EXPECT_EQ(test, (int)LOCK_CLASS_INDEX(&lk.lock_object), BSDSYNC_CLASS_LOCKMGR);
	lockdestroy(&lk);
}

static void lockmgr_rw_releases_its_interlock_through_the_lock_class(struct kunit *test)
{
	struct lock lk;
	struct mtx m;

	/* struct rwlock starts with its lock_object like every FreeBSD lock; the interlock is
	 * released through its class hook, whatever its class: a mutex stands in here. */
	lockinit(&lk, PVFS, "rw interlock", 0, 0);
	mtx_init(&m, "stand-in", NULL, MTX_DEF);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr_rw(&lk, LK_EXCLUSIVE | LK_INTERLOCK, (struct rwlock *)&m), 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, lockmgr_args_rw(&lk, LK_RELEASE | LK_INTERLOCK, (struct rwlock *)&m,
					      "rw", PVFS, 0), 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	KUNIT_EXPECT_EQ(test, lockmgr_rw(&lk, LK_SHARED | LK_RETRY, NULL), 0);
	lockmgr(&lk, LK_RELEASE, NULL);
	mtx_destroy(&m);
	lockdestroy(&lk);
}

static void lockmgr_may_be_held_across_a_sleep(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "sleepable", 0, 0);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_NO_REPORT(test, pause("lkheld", 1));
	lockmgr(&lk, LK_DOWNGRADE, NULL);
	BT_EXPECT_NO_REPORT(test, pause("lkheld", 1));
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&lk);
}

static void lockmgr_adaptive_request_waits_for_a_sleeping_owner(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {}, w = {};

	lockinit(&lk, PVFS, "adaptive", 0, 0);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);	/* asleep in lk_wait_flag: not on a CPU */
	lk_req_start(test, &w, &lk, LK_EXCLUSIVE | LK_ADAPTIVE);
	BT_WAIT_UNTIL(test, lk_queued_ex(&lk) == 1);
	lk_req_finish(&h);
	BT_WAIT_UNTIL(test, READ_ONCE(w.got));
	KUNIT_EXPECT_EQ(test, w.error, 0);
	lk_req_finish(&w);
	lockdestroy(&lk);
}

/* ---- misuse ----------------------------------------------------------------------------- */

static void misuse_recursion_without_canrecurse_is_reported_and_refused(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "no recursion", 0, 0);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), EDEADLK));
	KUNIT_EXPECT_FALSE(test, lockmgr_recursed(&lk));
	/* The single hold is intact: one release frees it. */
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void misuse_release_of_an_unlocked_lock_is_reported(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "unlocked", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), EINVAL));
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void misuse_release_by_a_non_owner_is_reported_and_ignored(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "non owner", 0, 0);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr(&lk, LK_RELEASE, NULL));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLOTHER);
	lk_req_finish(&h);
	memset(&h, 0, sizeof(h));
	/* Shared by another thread; this one holds no shared lockmgr lock. */
	lk_req_hold(test, &h, &lk, LK_SHARED);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr(&lk, LK_RELEASE, NULL));
	KUNIT_EXPECT_EQ(test, LK_SHARERS(READ_ONCE(lk.lk_lock)), 1UL);
	lk_req_finish(&h);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void misuse_downgrade_of_a_recursed_lock_is_reported_and_refused(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "downgrade recursed", 0, LK_CANRECURSE);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSED_OP, lockmgr(&lk, LK_DOWNGRADE, NULL));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	KUNIT_EXPECT_TRUE(test, lockmgr_recursed(&lk));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSED_OP, lockmgr_disown(&lk));
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&lk);
}

static void misuse_upgrade_downgrade_disown_without_the_right_hold_are_reported(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "wrong hold", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE, NULL), EINVAL));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE, NULL), EINVAL));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr_disown(&lk));
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_TRYUPGRADE, NULL), EINVAL));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&lk);
}

static void misuse_destroy_while_held_is_reported_and_not_done(struct kunit *test)
{
	struct lock lk;
	struct lk_req h = {};

	lockinit(&lk, PVFS, "destroy held", 0, 0);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, lockdestroy(&lk));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	lockmgr(&lk, LK_RELEASE, NULL);
	lk_req_hold(test, &h, &lk, LK_SHARED);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, lockdestroy(&lk));
	lk_req_finish(&h);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&lk));
}

static void misuse_use_after_destroy_is_reported(struct kunit *test)
{
	struct lock lk;
	struct mtx m;

	lockinit(&lk, PVFS, "destroyed", 0, 0);
	mtx_init(&m, "ilk", NULL, MTX_DEF);
	lockdestroy(&lk);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), EINVAL));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, lockmgr(&lk, LK_SHARED, NULL));
	/* Even refused, the interlock is released. */
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 lockmgr(&lk, LK_EXCLUSIVE | LK_INTERLOCK, &m));
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, lockmgr_disown(&lk));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, lockdestroy(&lk));
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_DESTROYED);
	mtx_destroy(&m);
}

/* lockdestroy of a lock its drainer still holds: FreeBSD asserts it unlocked. Reported,
 * not destroyed; the drainer's hold goes on (an ordinary exclusive hold), and lockdestroy
 * after its release is silent. */
static void misuse_lockdestroy_of_a_drained_lock_still_held_is_reported(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "drained", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DRAIN, NULL), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, lockdestroy(&lk));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0));
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_UNLOCKED);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&lk));
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_lock), LK_DESTROYED);
}

static void misuse_drain_by_the_holder_is_reported(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "drain held", 0, 0);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DRAIN, NULL), EDEADLK));
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&lk);
}

static void misuse_lockmgr_taken_while_holding_a_mutex_is_reported(struct kunit *test)
{
	struct lock lk;
	struct mtx m;

	lockinit(&lk, PVFS, "after mutex", 0, 0);
	mtx_init(&m, "held mutex", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, lockmgr(&lk, LK_EXCLUSIVE, NULL));
	lockmgr(&lk, LK_RELEASE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, lockmgr(&lk, LK_SHARED, NULL));
	lockmgr(&lk, LK_RELEASE, NULL);
	/* A try never sleeps, and the interlock is released before any sleep: no report. */
	BT_EXPECT_NO_REPORT(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT, NULL));
	lockmgr(&lk, LK_RELEASE, NULL);
	BT_EXPECT_NO_REPORT(test, lockmgr(&lk, LK_EXCLUSIVE | LK_INTERLOCK, &m));
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	lockmgr(&lk, LK_RELEASE, NULL);
	mtx_destroy(&m);
	lockdestroy(&lk);
}

static void misuse_uninitialised_and_double_init_are_reported(struct kunit *test)
{
	struct lock lk;

	memset(&lk, 0, sizeof(lk));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), EINVAL));
	lockinit(&lk, PVFS, "double init", 0, 0);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DOUBLE_INIT, lockinit(&lk, PVFS, "again", 0, 0));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	KUNIT_EXPECT_STREQ(test, lk.lock_object.lo_name, "double init");
	lockmgr(&lk, LK_RELEASE, NULL);
	BT_EXPECT_NO_REPORT(test, lockinit(&lk, PVFS, "fresh", 0, LK_NEW));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 lockmgr(&lk, LK_SHARED | LK_EXCLUSIVE, NULL));
	lockdestroy(&lk);
}

static void misuse_sleeping_on_a_recursed_lockmgr_interlock_is_reported(struct kunit *test)
{
	struct lock lk;
	int chan;

	lockinit(&lk, PVFS, "recursed interlock", 0, LK_CANRECURSE);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_RECURSED,
			 _sleep(&chan, &lk.lock_object, PVFS, "rec", 0, 0, 0));
	KUNIT_EXPECT_TRUE(test, lockmgr_recursed(&lk));
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockdestroy(&lk);
}

struct lk_irq_ctx {
	struct hrtimer timer;
	struct lock lk;
	unsigned long reports;
	int error;
	int ran;
};

static enum hrtimer_restart lockmgr_in_hardirq(struct hrtimer *timer)
{
	struct lk_irq_ctx *c = container_of(timer, struct lk_irq_ctx, timer);
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT);

	/* Held (by the test thread): it can only be tried, never slept on. */
	c->error = lockmgr(&c->lk, LK_EXCLUSIVE, NULL);
	c->reports = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT) - before;
	smp_store_release(&c->ran, 1);
	return HRTIMER_NORESTART;
}

static void misuse_lockmgr_in_interrupt_context_is_reported_and_only_tried(struct kunit *test)
{
	struct lk_irq_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct lk_req h = {};

	lockinit(&c->lk, PVFS, "irq lockmgr", 0, 0);
	lk_req_hold(test, &h, &c->lk, LK_EXCLUSIVE);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = lockmgr_in_hardirq;
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	BT_WAIT_UNTIL(test, smp_load_acquire(&c->ran));
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_EQ(test, c->reports, 1UL);
	KUNIT_EXPECT_EQ(test, c->error, EBUSY);
	lk_req_finish(&h);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->lk.lk_lock), LK_UNLOCKED);
	lockdestroy(&c->lk);
}

static void misuse_lockmgr_that_would_sleep_under_a_spin_mutex_is_reported(struct kunit *test)
{
	struct lock lk;
	struct mtx s;
	struct lk_req h = {};
	struct bt_probe p;
	int error;

	lockinit(&lk, PVFS, "under spin", 0, 0);
	mtx_init(&s, "spin", NULL, MTX_SPIN);
	lk_req_hold(test, &h, &lk, LK_EXCLUSIVE);
	mtx_lock_spin(&s);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = lockmgr(&lk, LK_EXCLUSIVE, NULL);
	bt_probe_end(&p);
	mtx_unlock_spin(&s);
	bt_expect_one_report_no_sleep(test, &p, "lockmgr under a spin mutex");
	KUNIT_EXPECT_EQ(test, error, EBUSY);
	lk_req_finish(&h);
	mtx_destroy(&s);
	lockdestroy(&lk);
}

/* ---- report sites of rarer misuse (docs/misuse.md) ------------------------------------- */

static void misuse_downgrade_of_a_disowned_lock_is_reported_and_refused(struct kunit *test)
{
	struct lock lk;
	int error = -1;

	lockinit(&lk, PVFS, "disowned", 0, 0);
	KUNIT_ASSERT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	lockmgr_disown(&lk);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, error = lockmgr(&lk, LK_DOWNGRADE, NULL));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	/* Still held exclusively by nobody: any thread may release it. */
	KUNIT_EXPECT_TRUE(test, lockmgr_disowned(&lk));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), 0);
	lockdestroy(&lk);
}

static void misuse_lockmgr_on_a_lock_of_another_class_is_reported_and_refused(struct kunit *test)
{
	union {
		struct lock lk;
		struct mtx m;
	} *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	int error = -1;

	KUNIT_ASSERT_NOT_NULL(test, u);
	mtx_init(&u->m, "not a lockmgr lock", NULL, MTX_DEF);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS,
			 error = lockmgr(&u->lk, LK_EXCLUSIVE, NULL));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_EQ(test, u->m.mtx_lock, MTX_UNOWNED);	/* the mutex untouched */
	mtx_destroy(&u->m);
}

static void misuse_lockmgr_assert_unlocked_with_a_recursion_flag_is_reported(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, PVFS, "assert unlocked recursed", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 lockmgr_assert(&lk, KA_UNLOCKED | KA_RECURSED));
	lockdestroy(&lk);
}

static void misuse_msleep_on_a_lockmgr_interlock_not_held_is_reported(struct kunit *test)
{
	struct lock lk;
	int chan, error = -1;

	lockinit(&lk, PVFS, "interlock not held", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 BT_EXPECT_NO_SLEEP(test, error = msleep(&chan, &lk, 0, "nothold", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), 0);
	lockdestroy(&lk);
}

static void misuse_lockinit_with_request_flags_is_reported_and_ignores_them(struct kunit *test)
{
	struct lock lk;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 lockinit(&lk, PVFS, "init flags", 0, LK_CANRECURSE | LK_NOWAIT));
	/* The lockinit flag stays: LK_CANRECURSE. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	lockdestroy(&lk);
}

static void misuse_lk_interlock_without_an_interlock_is_reported_and_the_request_done(struct kunit *test)
{
	struct lock lk;
	int error = -1;

	lockinit(&lk, PVFS, "no interlock", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 error = lockmgr(&lk, LK_EXCLUSIVE | LK_INTERLOCK, NULL));
	KUNIT_EXPECT_EQ(test, error, 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	lockdestroy(&lk);
}

static void misuse_flags_invalid_for_the_operation_are_reported_and_ignored(struct kunit *test)
{
	struct lock lk;
	int error = -1;

	lockinit(&lk, PVFS, "bad op flags", 0, 0);
	KUNIT_ASSERT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 error = lockmgr(&lk, LK_RELEASE | LK_NOWAIT, NULL));
	KUNIT_EXPECT_EQ(test, error, 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), 0);
	lockdestroy(&lk);
}

static struct kunit_case lockmgr_cases[] = {
	KUNIT_CASE(lockmgr_shared_holders_hold_it_at_the_same_time),
	KUNIT_CASE(lockmgr_exclusive_excludes_everyone_under_stress),
	KUNIT_CASE(lockmgr_every_modifier_under_stress_leaves_no_one_behind),
	KUNIT_CASE(lockmgr_release_then_free_by_the_next_owner_is_safe),
	KUNIT_CASE(lockmgr_exclusive_blocks_until_the_holder_releases),
	KUNIT_CASE(lockmgr_nowait_returns_ebusy_instead_of_sleeping),
	KUNIT_CASE(lockmgr_shared_request_by_the_exclusive_holder_returns_edeadlk),
	KUNIT_CASE(lockmgr_slock_xlock_unlock_and_lock_flags_kpi),
	KUNIT_CASE(lockmgr_upgrade_by_the_sole_sharer_is_atomic),
	KUNIT_CASE(lockmgr_tryupgrade_succeeds_only_for_the_sole_sharer),
	KUNIT_CASE(lockmgr_upgrade_with_other_sharers_drops_the_shared_lock_first),
	KUNIT_CASE(lockmgr_blocking_upgrade_queues_as_a_writer_without_its_shared_hold),
	KUNIT_CASE(lockmgr_downgrade_lets_waiting_sharers_in_at_once),
	KUNIT_CASE(lockmgr_downgrade_keeps_readers_waiting_behind_a_queued_writer),
	KUNIT_CASE(lockmgr_release_prefers_exclusive_waiters),
	KUNIT_CASE(lockmgr_new_sharers_wait_for_a_queued_writer_unless_they_hold_shared_locks),
	KUNIT_CASE(lockmgr_drain_waits_for_holders_and_waiters_then_holds_it),
	KUNIT_CASE(lockmgr_drain_waits_for_a_shared_holder_and_the_waiters_queued_behind_it),
	KUNIT_CASE(lockmgr_drained_lock_is_usable_again_after_its_release),
	KUNIT_CASE(lockmgr_drain_waits_for_waiters_that_give_up_too),
	KUNIT_CASE(lockmgr_drain_of_an_idle_lock_takes_it_at_once),
	KUNIT_CASE(lockmgr_sleepfail_returns_enolck_after_the_sleep),
	KUNIT_CASE(lockmgr_timelock_times_out_with_ewouldblock),
	KUNIT_CASE(lockmgr_pcatch_sleep_is_interrupted_by_a_signal),
	KUNIT_CASE(lockmgr_interlock_is_released_on_success),
	KUNIT_CASE(lockmgr_interlock_is_released_on_nowait_and_edeadlk_failures),
	KUNIT_CASE(lockmgr_interlock_is_released_before_sleeping_and_on_sleepfail),
	KUNIT_CASE(lockmgr_interlock_is_released_on_timeout_and_signal),
	KUNIT_CASE(lockmgr_interlock_may_be_another_lockmgr_lock),
	KUNIT_CASE(lockmgr_canrecurse_allows_recursion_and_lockmgr_recursed_reports_it),
	KUNIT_CASE(lockallowrecurse_and_lockdisableshare_change_the_lock),
	KUNIT_CASE(lockmgr_noshare_makes_shared_requests_exclusive),
	KUNIT_CASE(lockmgr_disown_lets_another_thread_release_it),
	KUNIT_CASE(lockstatus_reports_every_state),
	KUNIT_CASE(lockmgr_assert_passes_for_every_flag_when_true),
	KUNIT_CASE(lockmgr_assert_reports_every_flag_when_false),
	KUNIT_CASE(lockmgr_drops_giant_while_blocked_and_restores_its_depth),
	KUNIT_CASE(lockmgr_is_the_interlock_of_msleep_in_the_mode_it_was_held),
	KUNIT_CASE(lockmgr_is_the_lock_of_cv_wait),
	KUNIT_CASE(lockmgr_printinfo_describes_every_state),
	KUNIT_CASE(lockmgr_layout_matches_freebsd_members),
	KUNIT_CASE(lockmgr_rw_releases_its_interlock_through_the_lock_class),
	KUNIT_CASE(lockmgr_may_be_held_across_a_sleep),
	KUNIT_CASE(lockmgr_adaptive_request_waits_for_a_sleeping_owner),
	{}
};

/* Arguments FreeBSD's lockmgr would assert on: one report each, and the request is done as
 * if they were right (the stray flag ignored). */
static void misuse_bad_lockmgr_arguments_are_reported_and_ignored(struct kunit *test)
{
	struct lock lk;
	int error = -1;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 lockinit(&lk, PVFS, "lk bad args", 0, 0x10000));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 error = lockmgr(&lk, LK_EXCLUSIVE | LK_INTERLOCK, NULL));
	KUNIT_EXPECT_EQ(test, error, 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 error = lockmgr(&lk, LK_RELEASE | LK_NOWAIT, NULL));
	KUNIT_EXPECT_EQ(test, error, 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk), 0);
	BT_EXPECT_NO_REPORT(test, lockdestroy(&lk));
}

static struct kunit_case lockmgr_misuse_cases[] = {
	KUNIT_CASE(misuse_bad_lockmgr_arguments_are_reported_and_ignored),
	KUNIT_CASE(misuse_recursion_without_canrecurse_is_reported_and_refused),
	KUNIT_CASE(misuse_release_of_an_unlocked_lock_is_reported),
	KUNIT_CASE(misuse_release_by_a_non_owner_is_reported_and_ignored),
	KUNIT_CASE(misuse_downgrade_of_a_recursed_lock_is_reported_and_refused),
	KUNIT_CASE(misuse_upgrade_downgrade_disown_without_the_right_hold_are_reported),
	KUNIT_CASE(misuse_destroy_while_held_is_reported_and_not_done),
	KUNIT_CASE(misuse_use_after_destroy_is_reported),
	KUNIT_CASE(misuse_lockdestroy_of_a_drained_lock_still_held_is_reported),
	KUNIT_CASE(misuse_drain_by_the_holder_is_reported),
	KUNIT_CASE(misuse_lockmgr_taken_while_holding_a_mutex_is_reported),
	KUNIT_CASE(misuse_uninitialised_and_double_init_are_reported),
	KUNIT_CASE(misuse_sleeping_on_a_recursed_lockmgr_interlock_is_reported),
	KUNIT_CASE(misuse_lockmgr_in_interrupt_context_is_reported_and_only_tried),
	KUNIT_CASE(misuse_lockmgr_that_would_sleep_under_a_spin_mutex_is_reported),
	KUNIT_CASE(misuse_downgrade_of_a_disowned_lock_is_reported_and_refused),
	KUNIT_CASE(misuse_lockmgr_on_a_lock_of_another_class_is_reported_and_refused),
	KUNIT_CASE(misuse_lockmgr_assert_unlocked_with_a_recursion_flag_is_reported),
	KUNIT_CASE(misuse_msleep_on_a_lockmgr_interlock_not_held_is_reported),
	KUNIT_CASE(misuse_lockinit_with_request_flags_is_reported_and_ignores_them),
	KUNIT_CASE(misuse_lk_interlock_without_an_interlock_is_reported_and_the_request_done),
	KUNIT_CASE(misuse_flags_invalid_for_the_operation_are_reported_and_ignored),
	{}
};

static struct kunit_suite lockmgr_suite = {
	.name = "freebsd_lockmgr",
	.test_cases = lockmgr_cases,
};

static struct kunit_suite lockmgr_misuse_suite = {
	.name = "freebsd_lockmgr_misuse",
	.test_cases = lockmgr_misuse_cases,
};

kunit_test_suites(&lockmgr_suite, &lockmgr_misuse_suite);
