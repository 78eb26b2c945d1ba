// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * callout(9): callout_init, callout_init_mtx/_rw, callout_reset, callout_schedule,
 * callout_stop, callout_drain, callout_async_drain, callout_pending/_active/_deactivate,
 * CALLOUT_RETURNUNLOCKED and CALLOUT_SHAREDLOCK, as a ported FreeBSD driver uses them. One
 * case per documented behaviour of callout(9); the race cases check the lock association
 * (a callout_stop or callout_reset made with the callout's lock held cancels a handler that
 * has not started) and the misuse cases check the one report.
 *
 * "The handler was taken off the queue and waits for the lock the test holds" is observed
 * as: the test holds the lock, the callout was reset, and it is no longer pending (only the
 * callout thread clears PENDING without the lock, and it can then only wait for the lock).
 */
#include <linux/completion.h>
#include <linux/preempt.h>
#include <linux/random.h>
#include <linux/sched.h>

#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/rmlock.h>
#include <sys/sx.h>
#include <sys/proc.h>
#include <sys/callout.h>

#define FAR_TICKS (600 * hz)	/* a callout that never fires during a case */

struct co_state {
	struct callout c;
	struct mtx m;
	struct rwlock rw;
	int ran;		/* handler runs */
	int mtx_owned;		/* mtx_owned() inside the handler */
	int in_irq;		/* in_interrupt() inside the handler */
	int is_kthread;
	int pending_inside, active_inside;
	int again;		/* reschedule from inside until ran == again */
	int unlock_inside;	/* CALLOUT_RETURNUNLOCKED: the handler unlocks */
	int block;		/* the handler waits for `release` */
	int started, finished;
	struct completion release;
	int drain_called;
	void *drain_arg;
	int finished_at_drain;	/* `finished` when callout_drain returned */
	int drain_result;
	unsigned long reports_inside;
};

static void co_handler(void *arg)
{
	struct co_state *s = arg;

	WRITE_ONCE(s->started, 1);
	s->mtx_owned = mtx_owned(&s->m);
	s->in_irq = in_interrupt() ? 1 : 0;
	s->is_kthread = (current->flags & PF_KTHREAD) != 0;
	s->pending_inside = READ_ONCE(s->c.c_iflags) & CALLOUT_PENDING;
	s->active_inside = callout_active(&s->c) != 0;
	if (s->block)
		wait_for_completion(&s->release);
	s->ran++;
	if (s->again && s->ran < s->again)
		callout_reset(&s->c, 1, co_handler, s);
	if (s->unlock_inside)
		mtx_unlock(&s->m);
	WRITE_ONCE(s->finished, 1);
}

static void co_init(struct co_state *s)
{
	memset(s, 0, sizeof(*s));
	mtx_init(&s->m, "co_test", NULL, MTX_DEF);
	init_completion(&s->release);
}

static void co_fini(struct co_state *s)
{
	mtx_destroy(&s->m);
}

static void callout_handler_runs_with_its_mtx_held_in_a_kernel_thread(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	callout_init_mtx(&s.c, &s.m, 0);
	mtx_lock(&s.m);
	KUNIT_EXPECT_EQ(test, callout_reset(&s.c, 1, co_handler, &s), 0);
	mtx_unlock(&s.m);
	BT_WAIT_UNTIL(test, READ_ONCE(s.finished));
	KUNIT_EXPECT_EQ(test, s.ran, 1);
	KUNIT_EXPECT_EQ(test, s.mtx_owned, 1);
	KUNIT_EXPECT_EQ(test, s.in_irq, 0);
	KUNIT_EXPECT_EQ(test, s.is_kthread, 1);
	/* And the thread released it after the handler: `finished` is set inside the handler,
	 * before that release, so wait for the callout to be over (drain) before looking. */
	callout_drain(&s.c);
	KUNIT_EXPECT_TRUE(test, mtx_trylock(&s.m));
	mtx_unlock(&s.m);
	co_fini(&s);
}

static void callout_pending_and_active_follow_reset_run_and_stop(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	callout_init(&s.c, 1);
	KUNIT_EXPECT_FALSE(test, callout_pending(&s.c));
	KUNIT_EXPECT_FALSE(test, callout_active(&s.c));
	callout_reset(&s.c, 1, co_handler, &s);
	BT_WAIT_UNTIL(test, READ_ONCE(s.finished));
	/* Inside the handler: no longer pending, still active (until deactivated). */
	KUNIT_EXPECT_EQ(test, s.pending_inside, 0);
	KUNIT_EXPECT_EQ(test, s.active_inside, 1);
	KUNIT_EXPECT_TRUE(test, callout_active(&s.c));
	callout_deactivate(&s.c);
	KUNIT_EXPECT_FALSE(test, callout_active(&s.c));
	callout_reset(&s.c, FAR_TICKS, co_handler, &s);
	KUNIT_EXPECT_TRUE(test, callout_pending(&s.c));
	KUNIT_EXPECT_TRUE(test, callout_active(&s.c));
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), 1);
	KUNIT_EXPECT_FALSE(test, callout_pending(&s.c));
	KUNIT_EXPECT_FALSE(test, callout_active(&s.c));
	co_fini(&s);
}

static void callout_reset_returns_1_when_it_replaced_a_pending_run(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	callout_init(&s.c, 1);
	KUNIT_EXPECT_EQ(test, callout_reset(&s.c, FAR_TICKS, co_handler, &s), 0);
	KUNIT_EXPECT_EQ(test, callout_reset(&s.c, FAR_TICKS, co_handler, &s), 1);
	KUNIT_EXPECT_EQ(test, callout_schedule(&s.c, FAR_TICKS), 1);
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), 1);
	KUNIT_EXPECT_EQ(test, callout_reset_sbt(&s.c, SBT_1S * 600, 0, co_handler, &s, 0), 0);
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), 1);
	KUNIT_EXPECT_EQ(test, s.ran, 0);
	co_fini(&s);
}

static void callout_stop_returns_1_if_pending_and_minus_1_if_idle(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	callout_init_mtx(&s.c, &s.m, 0);
	mtx_lock(&s.m);
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), -1);
	callout_reset(&s.c, FAR_TICKS, co_handler, &s);
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), 1);
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), -1);
	mtx_unlock(&s.m);
	KUNIT_EXPECT_EQ(test, callout_drain(&s.c), -1);
	KUNIT_EXPECT_EQ(test, s.ran, 0);
	co_fini(&s);
}

static void callout_stop_returns_0_while_an_unlocked_handler_runs(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	s.block = 1;
	callout_init(&s.c, 1);
	callout_reset(&s.c, 1, co_handler, &s);
	BT_WAIT_UNTIL(test, READ_ONCE(s.started));
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), 0);
	complete(&s.release);
	callout_drain(&s.c);
	KUNIT_EXPECT_EQ(test, s.ran, 1);
	co_fini(&s);
}

static void co_drainer(void *arg)
{
	struct co_state *s = arg;

	s->drain_result = callout_drain(&s->c);
	s->finished_at_drain = READ_ONCE(s->finished);
}

static void callout_drain_waits_for_the_running_handler(struct kunit *test)
{
	struct co_state s;
	struct bt_thread t;

	co_init(&s);
	s.block = 1;
	callout_init(&s.c, 1);
	callout_reset(&s.c, 1, co_handler, &s);
	BT_WAIT_UNTIL(test, READ_ONCE(s.started));
	bt_start(test, &t, co_drainer, &s, "co_drainer");
	/* The drainer blocks (in callout_drain: nothing else in it can). */
	BT_WAIT_UNTIL(test, READ_ONCE(t.task->__state) != TASK_RUNNING &&
			    !completion_done(&t.done));
	KUNIT_EXPECT_FALSE(test, completion_done(&t.done));
	complete(&s.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s.finished_at_drain, 1);
	KUNIT_EXPECT_EQ(test, s.ran, 1);
	co_fini(&s);
}

static void callout_reset_inside_the_handler_reschedules_it(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	s.again = 3;
	callout_init_mtx(&s.c, &s.m, 0);
	mtx_lock(&s.m);
	callout_reset(&s.c, 1, co_handler, &s);
	mtx_unlock(&s.m);
	BT_WAIT_UNTIL(test, READ_ONCE(s.ran) >= 3);
	callout_drain(&s.c);
	KUNIT_EXPECT_EQ(test, s.ran, 3);
	KUNIT_EXPECT_FALSE(test, callout_pending(&s.c));
	co_fini(&s);
}

static void callout_drain_stops_a_handler_that_reschedules_itself(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	s.again = INT_MAX;
	callout_init(&s.c, 1);
	callout_reset(&s.c, 1, co_handler, &s);
	BT_WAIT_UNTIL(test, READ_ONCE(s.ran) >= 2);
	callout_drain(&s.c);
	KUNIT_EXPECT_FALSE(test, callout_pending(&s.c));
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), -1);
	co_fini(&s);
}

/* Hold the mtx with the callout taken off the queue, its handler waiting for the mtx. */
static void co_hold_with_handler_waiting(struct kunit *test, struct co_state *s)
{
	mtx_lock(&s->m);
	callout_reset(&s->c, 1, co_handler, s);
	BT_WAIT_UNTIL(test, !(READ_ONCE(s->c.c_iflags) & CALLOUT_PENDING));
}

static void callout_stop_with_the_mtx_held_cancels_a_handler_not_started(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	callout_init_mtx(&s.c, &s.m, 0);
	co_hold_with_handler_waiting(test, &s);
	KUNIT_EXPECT_EQ(test, callout_stop(&s.c), 1);
	mtx_unlock(&s.m);
	callout_drain(&s.c);
	KUNIT_EXPECT_EQ(test, s.ran, 0);
	KUNIT_EXPECT_EQ(test, s.started, 0);
	co_fini(&s);
}

static void callout_reset_with_the_mtx_held_replaces_a_handler_not_started(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	callout_init_mtx(&s.c, &s.m, 0);
	co_hold_with_handler_waiting(test, &s);
	KUNIT_EXPECT_EQ(test, callout_reset(&s.c, 1, co_handler, &s), 1);
	mtx_unlock(&s.m);
	/* Until the rescheduled run is over (a first run that was not cancelled would end
	 * with the second still pending). */
	BT_WAIT_UNTIL(test, READ_ONCE(s.finished) &&
			    !(READ_ONCE(s.c.c_iflags) & CALLOUT_PENDING));
	callout_drain(&s.c);
	/* The first run was cancelled, the second one ran: once. */
	KUNIT_EXPECT_EQ(test, s.ran, 1);
	co_fini(&s);
}

static void callout_returnunlocked_handler_releases_the_mtx_itself(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	s.unlock_inside = 1;
	callout_init_mtx(&s.c, &s.m, CALLOUT_RETURNUNLOCKED);
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock(&s.m);
		callout_reset(&s.c, 1, co_handler, &s);
		mtx_unlock(&s.m);
		BT_WAIT_UNTIL(test, READ_ONCE(s.finished));
		callout_drain(&s.c);
	});
	KUNIT_EXPECT_EQ(test, s.mtx_owned, 1);
	KUNIT_EXPECT_TRUE(test, mtx_trylock(&s.m));
	mtx_unlock(&s.m);
	co_fini(&s);
}

static void co_rw_handler(void *arg)
{
	struct co_state *s = arg;

	s->mtx_owned = rw_wowned(&s->rw);
	rw_assert(&s->rw, RA_RLOCKED);
	s->ran++;
	WRITE_ONCE(s->finished, 1);
}

static void callout_sharedlock_handler_runs_with_the_rw_read_locked(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	rw_init(&s.rw, "co_rw");
	callout_init_rw(&s.c, &s.rw, CALLOUT_SHAREDLOCK);
	BT_EXPECT_NO_REPORT(test, {
		rw_wlock(&s.rw);
		callout_reset(&s.c, 1, co_rw_handler, &s);
		rw_wunlock(&s.rw);
		BT_WAIT_UNTIL(test, READ_ONCE(s.finished));
		callout_drain(&s.c);
	});
	KUNIT_EXPECT_EQ(test, s.mtx_owned, 0);
	KUNIT_EXPECT_EQ(test, s.ran, 1);
	rw_destroy(&s.rw);
	co_fini(&s);
}

static void co_giant_handler(void *arg)
{
	struct co_state *s = arg;

	s->mtx_owned = mtx_owned(&Giant);
	s->ran++;
	WRITE_ONCE(s->finished, 1);
}

static void callout_init_not_mpsafe_runs_the_handler_with_giant(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	callout_init(&s.c, 0);
	mtx_lock(&Giant);
	callout_reset(&s.c, 1, co_giant_handler, &s);
	mtx_unlock(&Giant);
	BT_WAIT_UNTIL(test, READ_ONCE(s.finished));
	callout_drain(&s.c);
	KUNIT_EXPECT_EQ(test, s.mtx_owned, 1);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	co_fini(&s);
}

struct co_rm_state {
	struct callout c;
	struct rmlock rm;
	int wowned;
	int finished;
};

static void co_rm_handler(void *arg)
{
	struct co_rm_state *s = arg;

	s->wowned = rm_wowned(&s->rm);
	WRITE_ONCE(s->finished, 1);
}

static void callout_init_rm_runs_the_handler_with_the_rm_write_locked(struct kunit *test)
{
	struct co_rm_state s;

	memset(&s, 0, sizeof(s));
	rm_init(&s.rm, "co_rm");
	callout_init_rm(&s.c, &s.rm, 0);
	BT_EXPECT_NO_REPORT(test, {
		rm_wlock(&s.rm);
		callout_reset(&s.c, 1, co_rm_handler, &s);
		rm_wunlock(&s.rm);
		BT_WAIT_UNTIL(test, READ_ONCE(s.finished));
		callout_drain(&s.c);
	});
	KUNIT_EXPECT_EQ(test, s.wowned, 1);
	rm_destroy(&s.rm);
}

static void co_drain_fn(void *arg)
{
	struct co_state *s = arg;

	s->drain_arg = arg;
	s->finished_at_drain = READ_ONCE(s->finished);
	WRITE_ONCE(s->drain_called, s->drain_called + 1);
}

static void callout_async_drain_calls_drain_after_the_running_handler(struct kunit *test)
{
	struct co_state s;

	co_init(&s);
	s.block = 1;
	callout_init(&s.c, 1);
	callout_reset(&s.c, 1, co_handler, &s);
	BT_WAIT_UNTIL(test, READ_ONCE(s.started));
	KUNIT_EXPECT_EQ(test, callout_async_drain(&s.c, co_drain_fn), 0);
	/* Not rescheduled while being drained. */
	KUNIT_EXPECT_EQ(test, callout_reset(&s.c, 1, co_handler, &s), 0);
	KUNIT_EXPECT_FALSE(test, callout_pending(&s.c));
	KUNIT_EXPECT_EQ(test, READ_ONCE(s.drain_called), 0);
	complete(&s.release);
	BT_WAIT_UNTIL(test, READ_ONCE(s.drain_called));
	KUNIT_EXPECT_EQ(test, s.finished_at_drain, 1);
	KUNIT_EXPECT_PTR_EQ(test, s.drain_arg, (void *)&s);
	/* Not running: nothing to drain, the function is not called. */
	KUNIT_EXPECT_EQ(test, callout_async_drain(&s.c, co_drain_fn), -1);
	callout_drain(&s.c);
	KUNIT_EXPECT_EQ(test, s.drain_called, 1);
	KUNIT_EXPECT_EQ(test, s.ran, 1);
	co_fini(&s);
}

/* ---- many threads resetting and stopping callouts under their mutex ------------------- */

#define CO_STRESS_THREADS 4
#define CO_STRESS_CALLOUTS 3
#define CO_STRESS_ROUNDS 1000

struct co_stress {
	struct mtx m;
	struct callout c[CO_STRESS_CALLOUTS];
	int armed[CO_STRESS_CALLOUTS];	/* under m: reset and not stopped since */
	int runs;			/* under m */
	int violations;			/* under m: a handler ran after a stop */
};

struct co_stress_arg {
	struct co_stress *st;
	int idx;
};

static void co_stress_handler(void *arg)
{
	struct co_stress_arg *a = arg;
	struct co_stress *st = a->st;

	if (!mtx_owned(&st->m) || !st->armed[a->idx])
		st->violations++;
	st->armed[a->idx] = 0;
	st->runs++;
}

static struct co_stress_arg co_stress_args[CO_STRESS_CALLOUTS];

static void co_stress_worker(void *arg)
{
	struct co_stress *st = arg;

	for (int i = 0; i < CO_STRESS_ROUNDS; i++) {
		int k = get_random_u32() % CO_STRESS_CALLOUTS;

		mtx_lock(&st->m);
		if (get_random_u32() & 1) {
			callout_reset(&st->c[k], get_random_u32() % 2, co_stress_handler,
				      &co_stress_args[k]);
			st->armed[k] = 1;
		} else {
			callout_stop(&st->c[k]);
			st->armed[k] = 0;
		}
		mtx_unlock(&st->m);
		/* Often long enough for a reset callout to come due: the handler then races
		 * the next reset or stop. */
		if (get_random_u32() & 1)
			usleep_range(200, 1500);
	}
}

static void callout_reset_and_stop_race_the_handler_from_many_threads(struct kunit *test)
{
	struct co_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct bt_thread t[CO_STRESS_THREADS];

	KUNIT_ASSERT_NOT_NULL(test, st);
	mtx_init(&st->m, "co_stress", NULL, MTX_DEF);
	for (int k = 0; k < CO_STRESS_CALLOUTS; k++) {
		callout_init_mtx(&st->c[k], &st->m, 0);
		co_stress_args[k].st = st;
		co_stress_args[k].idx = k;
	}
	for (int i = 0; i < CO_STRESS_THREADS; i++) {
		bt_start(test, &t[i], co_stress_worker, st, "co_stress");
	}
	bt_join_n(t, CO_STRESS_THREADS);
	for (int k = 0; k < CO_STRESS_CALLOUTS; k++)
		callout_drain(&st->c[k]);
	KUNIT_EXPECT_EQ(test, st->violations, 0);
	/* The race was run: handlers did run between the resets and stops. */
	KUNIT_EXPECT_GT(test, st->runs, 0);
	kunit_info(test, "%d handler runs", st->runs);
	mtx_destroy(&st->m);
}

/* ---- misuse ---------------------------------------------------------------------------- */

static void callout_stop_without_its_mtx_reported_not_owner(struct kunit *test)
{
	struct co_state s;
	int r = 0;

	co_init(&s);
	callout_init_mtx(&s.c, &s.m, 0);
	mtx_lock(&s.m);
	callout_reset(&s.c, FAR_TICKS, co_handler, &s);
	mtx_unlock(&s.m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, r = callout_stop(&s.c));
	KUNIT_EXPECT_EQ(test, r, 1);
	KUNIT_EXPECT_FALSE(test, callout_pending(&s.c));
	co_fini(&s);
}

static void callout_drain_with_its_own_mtx_held_reported_and_stops(struct kunit *test)
{
	struct co_state s;
	int r = 0;

	co_init(&s);
	callout_init_mtx(&s.c, &s.m, 0);
	mtx_lock(&s.m);
	callout_reset(&s.c, FAR_TICKS, co_handler, &s);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, r = callout_drain(&s.c));
	mtx_unlock(&s.m);
	KUNIT_EXPECT_EQ(test, r, 1);
	KUNIT_EXPECT_FALSE(test, callout_pending(&s.c));
	co_fini(&s);
}

static void callout_init_with_an_sx_lock_reported_wrong_class(struct kunit *test)
{
	struct callout c;
	struct sx sx;

	sx_init(&sx, "co_sx");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS,
			 _callout_init_lock(&c, &sx.lock_object, 0));
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.c_lock, NULL);
	sx_destroy(&sx);
}

static void callout_init_with_unknown_flags_reported_and_ignored(struct kunit *test)
{
	struct callout c;
	struct mtx m;

	mtx_init(&m, "co_flags", NULL, MTX_DEF);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 _callout_init_lock(&c, &m.lock_object, CALLOUT_RETURNUNLOCKED | 0x4000));
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.c_lock, (void *)&m.lock_object);
	KUNIT_EXPECT_EQ(test, c.c_iflags & 0x4000, 0);
	KUNIT_EXPECT_NE(test, c.c_iflags & CALLOUT_RETURNUNLOCKED, 0);
	mtx_destroy(&m);
}

static void callout_sharedlock_with_a_mutex_reported_and_taken_exclusively(struct kunit *test)
{
	struct callout c;
	struct mtx m;

	mtx_init(&m, "co_shared_mtx", NULL, MTX_DEF);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 _callout_init_lock(&c, &m.lock_object, CALLOUT_SHAREDLOCK));
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.c_lock, (void *)&m.lock_object);
	KUNIT_EXPECT_EQ(test, c.c_iflags & CALLOUT_SHAREDLOCK, 0);
	mtx_destroy(&m);
}

static void callout_init_with_a_destroyed_mutex_reported_destroyed(struct kunit *test)
{
	struct callout c;
	struct mtx m;

	mtx_init(&m, "co_destroyed", NULL, MTX_DEF);
	mtx_destroy(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, callout_init_mtx(&c, &m, 0));
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.c_lock, NULL);
}

/* The handler drains its own callout: it would wait for itself. Reported, returns 0. */
struct co_self_drain {
	struct callout c;
	unsigned long reports, total;
	int ret;
	int done;
};

static void co_self_drain_handler(void *arg)
{
	struct co_self_drain *d = arg;
	unsigned long r = bsdsync_report_count(BSDSYNC_RULE_BAD_ARGUMENT);
	unsigned long t = bsdsync_report_total();

	d->ret = callout_drain(&d->c);
	d->reports = bsdsync_report_count(BSDSYNC_RULE_BAD_ARGUMENT) - r;
	d->total = bsdsync_report_total() - t;
	smp_store_release(&d->done, 1);
}

static void callout_drain_from_its_own_handler_reported_not_waited(struct kunit *test)
{
	struct co_self_drain *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	callout_init(&d->c, 1);
	callout_reset(&d->c, 1, co_self_drain_handler, d);
	BT_WAIT_UNTIL(test, smp_load_acquire(&d->done));
	KUNIT_EXPECT_EQ(test, d->reports, 1UL);
	KUNIT_EXPECT_EQ(test, d->total, 1UL);
	KUNIT_EXPECT_EQ(test, d->ret, 0);
	/* From outside, once it has returned: nothing to wait for. */
	BT_EXPECT_NO_REPORT(test, callout_drain(&d->c));
}

static struct kunit_case callout_cases[] = {
	KUNIT_CASE(callout_handler_runs_with_its_mtx_held_in_a_kernel_thread),
	KUNIT_CASE(callout_pending_and_active_follow_reset_run_and_stop),
	KUNIT_CASE(callout_reset_returns_1_when_it_replaced_a_pending_run),
	KUNIT_CASE(callout_stop_returns_1_if_pending_and_minus_1_if_idle),
	KUNIT_CASE(callout_stop_returns_0_while_an_unlocked_handler_runs),
	KUNIT_CASE(callout_drain_waits_for_the_running_handler),
	KUNIT_CASE(callout_reset_inside_the_handler_reschedules_it),
	KUNIT_CASE(callout_drain_stops_a_handler_that_reschedules_itself),
	KUNIT_CASE(callout_stop_with_the_mtx_held_cancels_a_handler_not_started),
	KUNIT_CASE(callout_reset_with_the_mtx_held_replaces_a_handler_not_started),
	KUNIT_CASE(callout_returnunlocked_handler_releases_the_mtx_itself),
	KUNIT_CASE(callout_sharedlock_handler_runs_with_the_rw_read_locked),
	KUNIT_CASE(callout_init_not_mpsafe_runs_the_handler_with_giant),
	KUNIT_CASE(callout_init_rm_runs_the_handler_with_the_rm_write_locked),
	KUNIT_CASE(callout_async_drain_calls_drain_after_the_running_handler),
	KUNIT_CASE(callout_reset_and_stop_race_the_handler_from_many_threads),
	{}
};

static struct kunit_case callout_misuse_cases[] = {
	KUNIT_CASE(callout_stop_without_its_mtx_reported_not_owner),
	KUNIT_CASE(callout_drain_with_its_own_mtx_held_reported_and_stops),
	KUNIT_CASE(callout_init_with_an_sx_lock_reported_wrong_class),
	KUNIT_CASE(callout_init_with_unknown_flags_reported_and_ignored),
	KUNIT_CASE(callout_sharedlock_with_a_mutex_reported_and_taken_exclusively),
	KUNIT_CASE(callout_init_with_a_destroyed_mutex_reported_destroyed),
	KUNIT_CASE(callout_drain_from_its_own_handler_reported_not_waited),
	{}
};

static struct kunit_suite callout_suite = {
	.name = "freebsd_callout",
	.test_cases = callout_cases,
};

static struct kunit_suite callout_misuse_suite = {
	.name = "freebsd_callout_misuse",
	.test_cases = callout_misuse_cases,
};

kunit_test_suites(&callout_suite, &callout_misuse_suite);
