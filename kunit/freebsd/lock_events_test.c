// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The core's lock events and held-locks stack (module/core/lock_events.h, core/thread.h),
 * driven through the FreeBSD primitives: a sink attached by the test sees every event the
 * watched thread causes (ACQUIRING before a blocking acquisition, CONTENDED when it finds
 * the lock held, ACQUIRED, RELEASED) with the lock, its type, the mode and the caller's
 * site; bsdsync_held_locks() shows the thread's holds, oldest first, with theirs.
 */
#include <kunit/test.h>
#include <linux/sched.h>
#include <linux/string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/sx.h>
#include <sys/rwlock.h>
#include <sys/lockmgr.h>
#include <sys/rmlock.h>
#include <bsdsync/lock_events.h>

#include "harness.h"

#define LE_MAX 64

/* What the sink saw from the watched thread (only it appends: no lock needed). */
static struct le_record {
	struct task_struct *watched;
	int n;
	struct bsdsync_lock_event ev[LE_MAX];
	int others;	/* events of other threads (not kept) */
} le;

static void le_event(const struct bsdsync_lock_event *e)
{
	if (current != READ_ONCE(le.watched)) {
		WRITE_ONCE(le.others, le.others + 1);
		return;
	}
	if (le.n < LE_MAX)
		le.ev[le.n] = *e;
	/* Release: a reader of n (le_hold_until_contended) sees the entries below it. */
	smp_store_release(&le.n, le.n + 1);
}

static const struct bsdsync_lock_event_sink le_sink = { "kunit", le_event };

static void le_watch(struct kunit *test)
{
	memset(&le, 0, sizeof(le));
	WRITE_ONCE(le.watched, current);
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&le_sink), 0);
}

static void le_unwatch(void)
{
	bsdsync_lock_events_detach(&le_sink);
	WRITE_ONCE(le.watched, NULL);
}

/* Event i is (kind, lock, flags, type name, line); the file is this one. */
#define LE_EXPECT(test, i, k, l, fl, tname, ln)						\
	do {										\
		const struct bsdsync_lock_event *__e = &le.ev[i];			\
		KUNIT_ASSERT_GT(test, le.n, (i));					\
		KUNIT_EXPECT_EQ_MSG(test, (int)__e->kind, (int)(k), "event %d kind", i);\
		KUNIT_EXPECT_PTR_EQ(test, __e->lock, (const void *)(l));		\
		KUNIT_EXPECT_EQ_MSG(test, (int)__e->flags, (int)(fl), "event %d flags", i);\
		KUNIT_EXPECT_STREQ(test, __e->type->name, tname);			\
		KUNIT_EXPECT_STREQ(test, __e->file, __FILE__);				\
		KUNIT_EXPECT_EQ_MSG(test, __e->line, (ln), "event %d line", i);		\
	} while (0)

static void lock_events_mtx_lock_sends_acquiring_acquired_and_released_with_site(
	struct kunit *test)
{
	struct mtx m;
	int l1, l2;

	mtx_init(&m, "le mtx", NULL, MTX_DEF);
	le_watch(test);
	l1 = __LINE__; mtx_lock(&m);
	l2 = __LINE__; mtx_unlock(&m);
	le_unwatch();
	KUNIT_EXPECT_EQ(test, le.n, 3);
	LE_EXPECT(test, 0, BSDSYNC_LE_ACQUIRING, &m, 0, "sleep mutex", l1);
	LE_EXPECT(test, 1, BSDSYNC_LE_ACQUIRED, &m, 0, "sleep mutex", l1);
	LE_EXPECT(test, 2, BSDSYNC_LE_RELEASED, &m, 0, "sleep mutex", l2);
	mtx_destroy(&m);
}

static void lock_events_try_lock_sends_acquired_with_try_and_no_acquiring(struct kunit *test)
{
	struct mtx m;
	struct sx sx;
	int l1, l2;

	mtx_init(&m, "le try", NULL, MTX_DEF);
	sx_init(&sx, "le sx try");
	le_watch(test);
	l1 = __LINE__; KUNIT_EXPECT_TRUE(test, mtx_trylock(&m));
	l2 = __LINE__; KUNIT_EXPECT_TRUE(test, sx_try_slock(&sx));
	le_unwatch();
	KUNIT_EXPECT_EQ(test, le.n, 2);
	LE_EXPECT(test, 0, BSDSYNC_LE_ACQUIRED, &m, BSDSYNC_LE_TRY, "sleep mutex", l1);
	LE_EXPECT(test, 1, BSDSYNC_LE_ACQUIRED, &sx, BSDSYNC_LE_TRY | BSDSYNC_LE_SHARED, "sx",
		  l2);
	sx_sunlock(&sx);
	mtx_unlock(&m);
	sx_destroy(&sx);
	mtx_destroy(&m);
}

struct le_holder {
	struct mtx *m;
	int go;
};

static void le_hold_until_contended(void *arg)
{
	struct le_holder *h = arg;
	int i;

	mtx_lock(h->m);
	WRITE_ONCE(h->go, 1);
	/* Until the watched thread says it found the mutex held. */
	for (i = 0; i < 60000; i++) {
		int n = smp_load_acquire(&le.n), j;
		bool seen = false;

		for (j = 0; j < n && j < LE_MAX; j++)
			seen |= le.ev[j].kind == BSDSYNC_LE_CONTENDED;
		if (seen)
			break;
		usleep_range(500, 1500);
	}
	mtx_unlock(h->m);
}

static void lock_events_contended_mtx_sends_contended_before_acquired(struct kunit *test)
{
	struct mtx m;
	struct le_holder h = { &m, 0 };
	struct bt_thread t;
	int l1;

	mtx_init(&m, "le contended", NULL, MTX_DEF);
	le_watch(test);
	bt_start(test, &t, le_hold_until_contended, &h, "le-holder");
	BT_WAIT_UNTIL(test, READ_ONCE(h.go));
	l1 = __LINE__; mtx_lock(&m);
	mtx_unlock(&m);
	bt_join(&t);
	le_unwatch();
	KUNIT_EXPECT_EQ(test, le.n, 4);
	LE_EXPECT(test, 0, BSDSYNC_LE_ACQUIRING, &m, 0, "sleep mutex", l1);
	LE_EXPECT(test, 1, BSDSYNC_LE_CONTENDED, &m, 0, "sleep mutex", l1);
	LE_EXPECT(test, 2, BSDSYNC_LE_ACQUIRED, &m, 0, "sleep mutex", l1);
	KUNIT_EXPECT_GT(test, le.others, 0);	/* the holder's own events */
	mtx_destroy(&m);
}

static void lock_events_shared_holds_carry_the_shared_flag_for_every_type(struct kunit *test)
{
	struct sx sx;
	struct rwlock rw;
	struct lock lk;
	struct rmlock rm;
	struct rmslock rms;
	struct rm_priotracker tr;
	int l[5];

	sx_init(&sx, "le sx");
	rw_init(&rw, "le rw");
	lockinit(&lk, PVFS, "le lk", 0, 0);
	rm_init(&rm, "le rm");
	rms_init(&rms, "le rms");
	le_watch(test);
	l[0] = __LINE__; sx_slock(&sx);
	l[1] = __LINE__; rw_rlock(&rw);
	l[2] = __LINE__; lockmgr(&lk, LK_SHARED, NULL);
	l[3] = __LINE__; rm_rlock(&rm, &tr);
	l[4] = __LINE__; rms_rlock(&rms);
	rms_runlock(&rms);
	rm_runlock(&rm, &tr);
	lockmgr(&lk, LK_RELEASE, NULL);
	rw_runlock(&rw);
	sx_sunlock(&sx);
	le_unwatch();
	KUNIT_EXPECT_EQ(test, le.n, 15);
	LE_EXPECT(test, 0, BSDSYNC_LE_ACQUIRING, &sx, BSDSYNC_LE_SHARED, "sx", l[0]);
	LE_EXPECT(test, 1, BSDSYNC_LE_ACQUIRED, &sx, BSDSYNC_LE_SHARED, "sx", l[0]);
	LE_EXPECT(test, 2, BSDSYNC_LE_ACQUIRING, &rw, BSDSYNC_LE_SHARED, "rw", l[1]);
	LE_EXPECT(test, 3, BSDSYNC_LE_ACQUIRED, &rw, BSDSYNC_LE_SHARED, "rw", l[1]);
	LE_EXPECT(test, 4, BSDSYNC_LE_ACQUIRING, &lk, BSDSYNC_LE_SHARED, "lockmgr", l[2]);
	LE_EXPECT(test, 5, BSDSYNC_LE_ACQUIRED, &lk, BSDSYNC_LE_SHARED, "lockmgr", l[2]);
	LE_EXPECT(test, 6, BSDSYNC_LE_ACQUIRING, &rm, BSDSYNC_LE_SHARED, "rm", l[3]);
	LE_EXPECT(test, 7, BSDSYNC_LE_ACQUIRED, &rm, BSDSYNC_LE_SHARED, "rm", l[3]);
	LE_EXPECT(test, 8, BSDSYNC_LE_ACQUIRING, &rms, BSDSYNC_LE_SHARED, "rms", l[4]);
	LE_EXPECT(test, 9, BSDSYNC_LE_ACQUIRED, &rms, BSDSYNC_LE_SHARED, "rms", l[4]);
	/* Then the releases, newest first. */
	KUNIT_EXPECT_EQ(test, (int)le.ev[10].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_PTR_EQ(test, le.ev[10].lock, (const void *)&rms);
	KUNIT_EXPECT_PTR_EQ(test, le.ev[14].lock, (const void *)&sx);
	KUNIT_EXPECT_EQ(test, (int)le.ev[14].flags, BSDSYNC_LE_SHARED);
	rms_destroy(&rms);
	rm_destroy(&rm);
	lockdestroy(&lk);
	rw_destroy(&rw);
	sx_destroy(&sx);
}

static void lock_events_recursion_is_flagged_on_acquire_and_release(struct kunit *test)
{
	struct mtx m;
	int l1, l2;

	mtx_init(&m, "le recurse", NULL, MTX_DEF | MTX_RECURSE);
	mtx_lock(&m);
	le_watch(test);
	l1 = __LINE__; mtx_lock(&m);
	l2 = __LINE__; mtx_unlock(&m);
	le_unwatch();
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, le.n, 3);
	LE_EXPECT(test, 0, BSDSYNC_LE_ACQUIRING, &m, 0, "sleep mutex", l1);
	LE_EXPECT(test, 1, BSDSYNC_LE_ACQUIRED, &m, BSDSYNC_LE_RECURSE, "sleep mutex", l1);
	LE_EXPECT(test, 2, BSDSYNC_LE_RELEASED, &m, BSDSYNC_LE_RECURSE, "sleep mutex", l2);
	mtx_destroy(&m);
}

static void lock_events_spin_mutex_and_exclusive_holds_of_every_type(struct kunit *test)
{
	struct mtx s;
	struct sx sx;
	struct rwlock rw;
	struct lock lk;
	int l[4];

	mtx_init(&s, "le spin", NULL, MTX_SPIN);
	sx_init(&sx, "le sx x");
	rw_init(&rw, "le rw x");
	lockinit(&lk, PVFS, "le lk x", 0, 0);
	le_watch(test);
	l[0] = __LINE__; mtx_lock_spin(&s);
	mtx_unlock_spin(&s);
	l[1] = __LINE__; sx_xlock(&sx);
	sx_xunlock(&sx);
	l[2] = __LINE__; rw_wlock(&rw);
	rw_wunlock(&rw);
	l[3] = __LINE__; lockmgr(&lk, LK_EXCLUSIVE, NULL);
	lockmgr(&lk, LK_RELEASE, NULL);
	le_unwatch();
	KUNIT_EXPECT_EQ(test, le.n, 12);
	LE_EXPECT(test, 1, BSDSYNC_LE_ACQUIRED, &s, 0, "spin mutex", l[0]);
	KUNIT_EXPECT_EQ(test, (int)le.ev[2].kind, BSDSYNC_LE_RELEASED);
	LE_EXPECT(test, 4, BSDSYNC_LE_ACQUIRED, &sx, 0, "sx", l[1]);
	LE_EXPECT(test, 7, BSDSYNC_LE_ACQUIRED, &rw, 0, "rw", l[2]);
	LE_EXPECT(test, 10, BSDSYNC_LE_ACQUIRED, &lk, 0, "lockmgr", l[3]);
	KUNIT_EXPECT_EQ(test, (int)le.ev[11].kind, BSDSYNC_LE_RELEASED);
	lockdestroy(&lk);
	rw_destroy(&rw);
	sx_destroy(&sx);
	mtx_destroy(&s);
}

static void lock_events_stop_once_the_sink_is_detached(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "le detach", NULL, MTX_DEF);
	le_watch(test);
	mtx_lock(&m);
	le_unwatch();
	WRITE_ONCE(le.watched, current);	/* would record, if it were still called */
	mtx_unlock(&m);
	mtx_lock(&m);
	mtx_unlock(&m);
	WRITE_ONCE(le.watched, NULL);
	KUNIT_EXPECT_EQ(test, le.n, 2);
	mtx_destroy(&m);
}

static void noop_event(const struct bsdsync_lock_event *e) { }

static void lock_events_attach_refuses_more_sinks_than_it_has_room_for(struct kunit *test)
{
	struct bsdsync_lock_event_sink sinks[BSDSYNC_LOCK_EVENT_SINKS + 1];
	int i, n;

	for (i = 0; i <= BSDSYNC_LOCK_EVENT_SINKS; i++) {
		sinks[i].name = "extra";
		sinks[i].event = noop_event;
	}
	/* The free slots (the module's own sinks may hold some: lockdep on a lockdep kernel)
	 * are taken first, then every attach is refused. */
	for (i = 0; i <= BSDSYNC_LOCK_EVENT_SINKS; i++)
		if (bsdsync_lock_events_attach(&sinks[i]) != 0)
			break;
	n = i;
	KUNIT_EXPECT_GE(test, n, 1);
	KUNIT_EXPECT_LE(test, n, BSDSYNC_LOCK_EVENT_SINKS);
	KUNIT_EXPECT_EQ(test, bsdsync_lock_events_attach(&sinks[BSDSYNC_LOCK_EVENT_SINKS]), -EBUSY);
	for (i = 0; i < n; i++)
		bsdsync_lock_events_detach(&sinks[i]);
}

/* ---- the held-locks stack ---------------------------------------------------------- */

static void held_expect(struct kunit *test, const struct bsdsync_held_lock *h, const void *lock,
			const char *type, int shared, int line)
{
	KUNIT_EXPECT_PTR_EQ(test, h->lock, lock);
	KUNIT_EXPECT_STREQ(test, h->type->name, type);
	KUNIT_EXPECT_EQ(test, h->shared, shared);
	KUNIT_EXPECT_STREQ(test, h->file, __FILE__);
	KUNIT_EXPECT_EQ(test, h->line, line);
}

static void held_locks_record_every_hold_oldest_first_with_type_mode_and_site(
	struct kunit *test)
{
	struct mtx m;
	struct sx sx;
	struct rwlock rw;
	struct lock lk;
	struct rmlock rm;
	struct rmslock rms;
	struct rm_priotracker tr;
	struct bsdsync_held_lock h[8];
	int base = bsdsync_held_locks(h, 0), l[7];

	KUNIT_ASSERT_EQ(test, base, 0);
	mtx_init(&m, "held m", NULL, MTX_DEF);
	sx_init(&sx, "held sx");
	rw_init_flags(&rw, "held rw", RW_RECURSE);
	lockinit(&lk, PVFS, "held lk", 0, 0);
	rm_init(&rm, "held rm");
	rms_init(&rms, "held rms");
	l[0] = __LINE__; sx_xlock(&sx);
	l[1] = __LINE__; rms_rlock(&rms);
	l[2] = __LINE__; lockmgr(&lk, LK_SHARED, NULL);
	l[3] = __LINE__; mtx_lock(&m);
	l[4] = __LINE__; rw_rlock(&rw);
	l[5] = __LINE__; rw_rlock(&rw);
	l[6] = __LINE__; rm_rlock(&rm, &tr);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 8), 7);
	held_expect(test, &h[0], &sx, "sx", 0, l[0]);
	held_expect(test, &h[1], &rms, "rms", 1, l[1]);
	held_expect(test, &h[2], &lk, "lockmgr", 1, l[2]);
	held_expect(test, &h[3], &m, "sleep mutex", 0, l[3]);
	held_expect(test, &h[4], &rw, "rw", 1, l[4]);
	held_expect(test, &h[5], &rw, "rw", 1, l[5]);
	held_expect(test, &h[6], &rm, "rm", 1, l[6]);
	rm_runlock(&rm, &tr);
	rw_runlock(&rw);
	rw_runlock(&rw);
	mtx_unlock(&m);
	lockmgr(&lk, LK_RELEASE, NULL);
	rms_runlock(&rms);
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 8), 0);
	rms_destroy(&rms);
	rm_destroy(&rm);
	lockdestroy(&lk);
	rw_destroy(&rw);
	sx_destroy(&sx);
	mtx_destroy(&m);
}

static void held_locks_out_of_order_release_removes_only_that_hold(struct kunit *test)
{
	struct mtx a, b, c;
	struct bsdsync_held_lock h[4];
	int la, lc;

	mtx_init(&a, "held a", NULL, MTX_DEF);
	mtx_init(&b, "held b", NULL, MTX_DEF);
	mtx_init(&c, "held c", NULL, MTX_DEF);
	la = __LINE__; mtx_lock(&a);
	mtx_lock(&b);
	lc = __LINE__; mtx_lock(&c);
	mtx_unlock(&b);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 2);
	held_expect(test, &h[0], &a, "sleep mutex", 0, la);
	held_expect(test, &h[1], &c, "sleep mutex", 0, lc);
	mtx_unlock(&a);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 1);
	held_expect(test, &h[0], &c, "sleep mutex", 0, lc);
	mtx_unlock(&c);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 0);
	mtx_destroy(&c);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

static void held_locks_upgrade_downgrade_and_disown_change_the_record(struct kunit *test)
{
	struct rwlock rw;
	struct sx sx;
	struct lock lk;
	struct bsdsync_held_lock h[4];
	int l1, l2, l3;

	rw_init(&rw, "held up rw");
	sx_init(&sx, "held up sx");
	lockinit(&lk, PVFS, "held disown", 0, 0);
	rw_rlock(&rw);
	l1 = __LINE__; KUNIT_EXPECT_TRUE(test, rw_try_upgrade(&rw));
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 1);
	held_expect(test, &h[0], &rw, "rw", 0, l1);
	l2 = __LINE__; rw_downgrade(&rw);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 1);
	held_expect(test, &h[0], &rw, "rw", 1, l2);
	rw_runlock(&rw);
	sx_xlock(&sx);
	l3 = __LINE__; sx_downgrade(&sx);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 1);
	held_expect(test, &h[0], &sx, "sx", 1, l3);
	sx_sunlock(&sx);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 1);
	lockmgr_disown(&lk);	/* LK_KERNPROC: no thread's hold any more */
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 0);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, bsdsync_held_locks(h, 4), 0);
	lockdestroy(&lk);
	sx_destroy(&sx);
	rw_destroy(&rw);
}

struct held_reader {
	struct rwlock *rw;
	int holding;
	int release;
};

static void held_read_until_told(void *arg)
{
	struct held_reader *r = arg;

	rw_rlock(r->rw);
	WRITE_ONCE(r->holding, 1);
	while (!READ_ONCE(r->release))
		usleep_range(500, 1500);
	rw_runlock(r->rw);
}

/*
 * A thread that read-holds one rw lock and runlocks another that only a second thread
 * read-holds: before the held-locks stack, a per-thread count of rw read holds let the
 * fast path take the other thread's hold away (no report, the lock left free under its
 * reader). Now the release is checked against the thread's own holds of that lock.
 */
static void held_locks_runlock_of_a_lock_only_another_thread_reads_is_reported(
	struct kunit *test)
{
	struct rwlock mine, theirs;
	struct held_reader r = { &theirs, 0, 0 };
	struct bt_thread t;

	rw_init(&mine, "held mine");
	rw_init(&theirs, "held theirs");
	bt_start(test, &t, held_read_until_told, &r, "held-reader");
	BT_WAIT_UNTIL(test, READ_ONCE(r.holding));
	rw_rlock(&mine);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rw_runlock(&theirs));
	/* The other thread's read hold is intact: no writer can get in. */
	KUNIT_EXPECT_FALSE(test, rw_try_wlock(&theirs));
	rw_runlock(&mine);
	WRITE_ONCE(r.release, 1);
	bt_join(&t);
	KUNIT_EXPECT_TRUE(test, rw_try_wlock(&theirs));
	rw_wunlock(&theirs);
	rw_destroy(&theirs);
	rw_destroy(&mine);
}

/* Sleeping with a rw read lock held names the lock and where it was taken. */
static void held_locks_sleeping_with_a_read_lock_is_reported_once(struct kunit *test)
{
	struct rwlock rw;
	struct sx sx;

	rw_init(&rw, "held sleeper rw");
	sx_init(&sx, "held sleeper sx");
	rw_rlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_xlock(&sx));
	sx_xunlock(&sx);
	rw_runlock(&rw);
	/* Released: no report any more. */
	BT_EXPECT_NO_REPORT(test, sx_xlock(&sx));
	sx_xunlock(&sx);
	sx_destroy(&sx);
	rw_destroy(&rw);
}

static struct kunit_case lock_events_cases[] = {
	KUNIT_CASE(lock_events_mtx_lock_sends_acquiring_acquired_and_released_with_site),
	KUNIT_CASE(lock_events_try_lock_sends_acquired_with_try_and_no_acquiring),
	KUNIT_CASE(lock_events_contended_mtx_sends_contended_before_acquired),
	KUNIT_CASE(lock_events_shared_holds_carry_the_shared_flag_for_every_type),
	KUNIT_CASE(lock_events_recursion_is_flagged_on_acquire_and_release),
	KUNIT_CASE(lock_events_spin_mutex_and_exclusive_holds_of_every_type),
	KUNIT_CASE(lock_events_stop_once_the_sink_is_detached),
	KUNIT_CASE(lock_events_attach_refuses_more_sinks_than_it_has_room_for),
	KUNIT_CASE(held_locks_record_every_hold_oldest_first_with_type_mode_and_site),
	KUNIT_CASE(held_locks_out_of_order_release_removes_only_that_hold),
	KUNIT_CASE(held_locks_upgrade_downgrade_and_disown_change_the_record),
	KUNIT_CASE(held_locks_runlock_of_a_lock_only_another_thread_reads_is_reported),
	KUNIT_CASE(held_locks_sleeping_with_a_read_lock_is_reported_once),
	{}
};

static struct kunit_suite lock_events_suite = {
	.name = "bsdsync_lock_events",
	.test_cases = lock_events_cases,
};

kunit_test_suites(&lock_events_suite);
