// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * taskqueue(9): TASK_INIT, taskqueue_create(_fast), taskqueue_start_threads,
 * taskqueue_enqueue (coalescing into ta_pending), taskqueue_drain, taskqueue_drain_all,
 * taskqueue_cancel, taskqueue_free, taskqueue_member, the global queues, and the timeout
 * tasks (TIMEOUT_TASK_INIT, taskqueue_enqueue_timeout, _cancel_timeout, _drain_timeout), as
 * a ported FreeBSD driver uses them. One case per documented behaviour.
 *
 * A queue with one thread is held busy by a "blocker" task that waits for a completion, so
 * that tasks enqueued meanwhile stay queued: what happens to them is then deterministic.
 */
#include <linux/completion.h>
#include <linux/sched.h>

#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/malloc.h>
#include <sys/taskqueue.h>

struct tq_state {
	struct taskqueue *tq;
	struct task blocker, t;
	struct completion release;
	int blocker_started;
	int runs;		/* runs of t */
	int pending_sum;	/* sum of the pending counts t's handler was given */
	int last_pending;
	int member;		/* taskqueue_member(tq, curthread) inside */
	int t_started, t_finished;
	int block_t;		/* t waits for release too */
	int finished_at_drain;
};

static void tq_blocker_fn(void *ctx, int pending)
{
	struct tq_state *s = ctx;

	WRITE_ONCE(s->blocker_started, 1);
	wait_for_completion(&s->release);
}

static void tq_task_fn(void *ctx, int pending)
{
	struct tq_state *s = ctx;

	WRITE_ONCE(s->t_started, 1);
	s->member = taskqueue_member(s->tq, curthread);
	if (s->block_t)
		wait_for_completion(&s->release);
	s->last_pending = pending;
	s->pending_sum += pending;
	s->runs++;
	WRITE_ONCE(s->t_finished, 1);
}

static void tq_setup(struct kunit *test, struct tq_state *s, int fast)
{
	memset(s, 0, sizeof(*s));
	init_completion(&s->release);
	s->tq = fast ? taskqueue_create_fast("tq_test", M_WAITOK, taskqueue_thread_enqueue, &s->tq)
		     : taskqueue_create("tq_test", M_WAITOK, taskqueue_thread_enqueue, &s->tq);
	KUNIT_ASSERT_NOT_NULL(test, s->tq);
	KUNIT_ASSERT_EQ(test, taskqueue_start_threads(&s->tq, 1, PWAIT, "tq_test %d", 1), 0);
	TASK_INIT(&s->blocker, 0, tq_blocker_fn, s);
	TASK_INIT(&s->t, 0, tq_task_fn, s);
}

/* The queue's one thread is inside the blocker. */
static void tq_block(struct kunit *test, struct tq_state *s)
{
	KUNIT_EXPECT_EQ(test, taskqueue_enqueue(s->tq, &s->blocker), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(s->blocker_started));
}

static void taskqueue_enqueue_while_queued_coalesces_into_one_run(struct kunit *test)
{
	struct tq_state s;

	tq_setup(test, &s, 0);
	tq_block(test, &s);
	for (int i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, taskqueue_enqueue(s.tq, &s.t), 0);
	KUNIT_EXPECT_EQ(test, s.t.ta_pending, 3);
	complete(&s.release);
	taskqueue_drain(s.tq, &s.t);
	KUNIT_EXPECT_EQ(test, s.runs, 1);
	KUNIT_EXPECT_EQ(test, s.last_pending, 3);
	KUNIT_EXPECT_EQ(test, s.member, 1);
	KUNIT_EXPECT_EQ(test, s.t.ta_pending, 0);
	taskqueue_free(s.tq);
}

static void taskqueue_runs_higher_priority_tasks_first(struct kunit *test)
{
	struct tq_state s;
	struct task lo, hi;

	tq_setup(test, &s, 0);
	TASK_INIT(&lo, 0, tq_task_fn, &s);
	TASK_INIT(&hi, 5, tq_task_fn, &s);
	tq_block(test, &s);
	taskqueue_enqueue(s.tq, &lo);
	taskqueue_enqueue(s.tq, &hi);
	/* hi first, lo behind it (the queue is FreeBSD's STAILQ through ta_link). */
	KUNIT_EXPECT_PTR_EQ(test, (void *)hi.ta_link.stqe_next, (void *)&lo);
	KUNIT_EXPECT_PTR_EQ(test, (void *)lo.ta_link.stqe_next, NULL);
	KUNIT_EXPECT_EQ(test, taskqueue_cancel(s.tq, &lo, NULL), 0);
	complete(&s.release);
	taskqueue_drain_all(s.tq);
	KUNIT_EXPECT_EQ(test, s.runs, 1);
	taskqueue_free(s.tq);
}

struct tq_drainer {
	struct tq_state *s;
	int all;
};

static void tq_drainer_fn(void *arg)
{
	struct tq_drainer *d = arg;

	if (d->all)
		taskqueue_drain_all(d->s->tq);
	else
		taskqueue_drain(d->s->tq, &d->s->t);
	d->s->finished_at_drain = READ_ONCE(d->s->t_finished);
}

static void tq_drain_case(struct kunit *test, int all)
{
	struct tq_state s;
	struct tq_drainer d = { &s, all };
	struct bt_thread t;

	tq_setup(test, &s, 0);
	s.block_t = 1;
	taskqueue_enqueue(s.tq, &s.t);
	BT_WAIT_UNTIL(test, READ_ONCE(s.t_started));
	bt_start(test, &t, tq_drainer_fn, &d, "tq_drainer");
	BT_WAIT_UNTIL(test, READ_ONCE(t.task->__state) != TASK_RUNNING &&
			    !completion_done(&t.done));
	KUNIT_EXPECT_FALSE(test, completion_done(&t.done));
	complete(&s.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s.finished_at_drain, 1);
	taskqueue_free(s.tq);
}

static void taskqueue_drain_waits_for_the_running_task(struct kunit *test)
{
	tq_drain_case(test, 0);
}

static void taskqueue_drain_all_waits_for_running_and_queued_tasks(struct kunit *test)
{
	tq_drain_case(test, 1);
}

static void taskqueue_cancel_of_a_queued_task_returns_0_and_its_pending_count(struct kunit *test)
{
	struct tq_state s;
	unsigned int pending = 99;

	tq_setup(test, &s, 0);
	tq_block(test, &s);
	taskqueue_enqueue(s.tq, &s.t);
	taskqueue_enqueue(s.tq, &s.t);
	KUNIT_EXPECT_EQ(test, taskqueue_cancel(s.tq, &s.t, &pending), 0);
	KUNIT_EXPECT_EQ(test, pending, 2U);
	complete(&s.release);
	taskqueue_drain_all(s.tq);
	KUNIT_EXPECT_EQ(test, s.runs, 0);
	taskqueue_free(s.tq);
}

static void taskqueue_cancel_of_a_running_task_returns_ebusy(struct kunit *test)
{
	struct tq_state s;
	unsigned int pending = 99;

	tq_setup(test, &s, 0);
	s.block_t = 1;
	taskqueue_enqueue(s.tq, &s.t);
	BT_WAIT_UNTIL(test, READ_ONCE(s.t_started));
	KUNIT_EXPECT_EQ(test, taskqueue_cancel(s.tq, &s.t, &pending), EBUSY);
	KUNIT_EXPECT_EQ(test, pending, 0U);
	complete(&s.release);
	taskqueue_drain(s.tq, &s.t);
	KUNIT_EXPECT_EQ(test, s.runs, 1);
	taskqueue_free(s.tq);
}

static void tq_free_fn(void *arg)
{
	struct tq_state *s = arg;

	taskqueue_free(s->tq);
}

static void taskqueue_free_runs_the_queued_tasks_and_waits_for_them(struct kunit *test)
{
	struct tq_state s;
	struct bt_thread t;

	tq_setup(test, &s, 0);
	tq_block(test, &s);
	taskqueue_enqueue(s.tq, &s.t);
	bt_start(test, &t, tq_free_fn, &s, "tq_free");
	BT_WAIT_UNTIL(test, READ_ONCE(t.task->__state) != TASK_RUNNING &&
			    !completion_done(&t.done));
	KUNIT_EXPECT_FALSE(test, completion_done(&t.done));
	complete(&s.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s.runs, 1);
}

static void taskqueue_fast_queue_runs_tasks_enqueued_with_a_spin_mutex_held(struct kunit *test)
{
	struct tq_state s;
	struct mtx sp;

	tq_setup(test, &s, 1);
	mtx_init(&sp, "tq_spin", NULL, MTX_SPIN);
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_spin(&sp);
		taskqueue_enqueue(s.tq, &s.t);
		mtx_unlock_spin(&sp);
		taskqueue_drain(s.tq, &s.t);
	});
	KUNIT_EXPECT_EQ(test, s.runs, 1);
	mtx_destroy(&sp);
	taskqueue_free(s.tq);
}

static void tq_enqueue_fast_in_irq(void *arg)
{
	struct tq_state *s = arg;

	taskqueue_enqueue(taskqueue_fast, &s->t);
}

static void taskqueue_global_queues_run_tasks(struct kunit *test)
{
	struct tq_state s;
	struct bt_irq_result r;

	memset(&s, 0, sizeof(s));
	TASK_INIT(&s.t, 0, tq_task_fn, &s);
	s.tq = taskqueue_thread;
	taskqueue_enqueue(taskqueue_thread, &s.t);
	taskqueue_drain(taskqueue_thread, &s.t);
	KUNIT_EXPECT_EQ(test, s.runs, 1);
	KUNIT_EXPECT_EQ(test, s.member, 1);
	s.tq = taskqueue_swi;
	taskqueue_enqueue(taskqueue_swi, &s.t);
	taskqueue_drain(taskqueue_swi, &s.t);
	KUNIT_EXPECT_EQ(test, s.runs, 2);
	/* taskqueue_fast takes enqueues from a hard interrupt. */
	s.tq = taskqueue_fast;
	bt_in_interrupt_on_this_thread(test, false, tq_enqueue_fast_in_irq, &s,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.total, 0UL);
	BT_WAIT_UNTIL(test, READ_ONCE(s.runs) == 3);
	taskqueue_drain(taskqueue_fast, &s.t);
}

/* ---- timeout tasks -------------------------------------------------------------------- */

static void tq_timeout_case(struct kunit *test, int fast)
{
	struct tq_state s;
	struct timeout_task tt;

	tq_setup(test, &s, fast);
	TIMEOUT_TASK_INIT(s.tq, &tt, 0, tq_task_fn, &s);
	KUNIT_EXPECT_EQ(test, taskqueue_enqueue_timeout(s.tq, &tt, 1), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(s.t_finished));
	taskqueue_drain_timeout(s.tq, &tt);
	KUNIT_EXPECT_EQ(test, s.runs, 1);
	KUNIT_EXPECT_EQ(test, s.last_pending, 1);
	taskqueue_free(s.tq);
}

static void taskqueue_enqueue_timeout_runs_the_task_once_later(struct kunit *test)
{
	tq_timeout_case(test, 0);
}

/* The callout takes the queue's spin mutex and the enqueue releases it. */
static void taskqueue_enqueue_timeout_on_a_fast_queue_runs_the_task(struct kunit *test)
{
	BT_EXPECT_NO_REPORT(test, tq_timeout_case(test, 1));
}

static void taskqueue_cancel_timeout_of_an_armed_task_counts_it_pending(struct kunit *test)
{
	struct tq_state s;
	struct timeout_task tt;
	unsigned int pending = 99;

	tq_setup(test, &s, 0);
	TIMEOUT_TASK_INIT(s.tq, &tt, 0, tq_task_fn, &s);
	KUNIT_EXPECT_EQ(test, taskqueue_enqueue_timeout(s.tq, &tt, 600 * hz), 0);
	/* Armed already: counted as one more, and moved. */
	KUNIT_EXPECT_EQ(test, taskqueue_enqueue_timeout(s.tq, &tt, 600 * hz), 1);
	/* Negative: an armed timeout is left alone. */
	KUNIT_EXPECT_EQ(test, taskqueue_enqueue_timeout(s.tq, &tt, -1), 1);
	KUNIT_EXPECT_EQ(test, taskqueue_cancel_timeout(s.tq, &tt, &pending), 0);
	KUNIT_EXPECT_EQ(test, pending, 1U);
	taskqueue_drain_timeout(s.tq, &tt);
	KUNIT_EXPECT_EQ(test, s.runs, 0);
	taskqueue_free(s.tq);
}

static void taskqueue_drain_timeout_waits_for_the_task_it_enqueued(struct kunit *test)
{
	struct tq_state s;
	struct timeout_task tt;

	tq_setup(test, &s, 0);
	s.block_t = 1;
	TIMEOUT_TASK_INIT(s.tq, &tt, 0, tq_task_fn, &s);
	taskqueue_enqueue_timeout(s.tq, &tt, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s.t_started));
	complete(&s.release);
	taskqueue_drain_timeout(s.tq, &tt);
	KUNIT_EXPECT_EQ(test, s.t_finished, 1);
	taskqueue_free(s.tq);
}

/* ---- many threads enqueueing and draining ------------------------------------------- */

#define TQ_STRESS_THREADS 4
#define TQ_STRESS_TASKS 3
#define TQ_STRESS_ROUNDS 500

struct tq_stress {
	struct taskqueue *tq;
	struct task t[TQ_STRESS_TASKS];
	atomic_t enqueued;
	atomic_t counted;	/* sum of the pending counts the handlers saw */
};

static void tq_stress_fn(void *ctx, int pending)
{
	struct tq_stress *st = ctx;

	atomic_add(pending, &st->counted);
}

static void tq_stress_worker(void *arg)
{
	struct tq_stress *st = arg;

	for (int i = 0; i < TQ_STRESS_ROUNDS; i++) {
		struct task *t = &st->t[i % TQ_STRESS_TASKS];

		taskqueue_enqueue(st->tq, t);
		atomic_inc(&st->enqueued);
		if ((i & 31) == 0)
			taskqueue_drain(st->tq, t);
	}
}

static void taskqueue_enqueue_and_drain_from_many_threads_lose_no_enqueue(struct kunit *test)
{
	struct tq_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct bt_thread t[TQ_STRESS_THREADS];

	KUNIT_ASSERT_NOT_NULL(test, st);
	st->tq = taskqueue_create("tq_stress", M_WAITOK, taskqueue_thread_enqueue, &st->tq);
	KUNIT_ASSERT_NOT_NULL(test, st->tq);
	KUNIT_ASSERT_EQ(test, taskqueue_start_threads(&st->tq, 2, PWAIT, "tq_stress"), 0);
	for (int k = 0; k < TQ_STRESS_TASKS; k++)
		TASK_INIT(&st->t[k], k, tq_stress_fn, st);
	for (int i = 0; i < TQ_STRESS_THREADS; i++)
		bt_start(test, &t[i], tq_stress_worker, st, "tq_stress");
	bt_join_n(t, TQ_STRESS_THREADS);
	taskqueue_drain_all(st->tq);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->counted), atomic_read(&st->enqueued));
	taskqueue_free(st->tq);
}

/* No thread count, or threads started twice: one report each, EINVAL, the queue goes on. */
static void taskqueue_start_threads_with_a_bad_count_or_twice_reported_einval(struct kunit *test)
{
	struct taskqueue *tq = taskqueue_create("tq_bad", M_WAITOK, taskqueue_thread_enqueue,
						&tq);
	int r = 0;

	KUNIT_ASSERT_NOT_NULL(test, tq);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 r = taskqueue_start_threads(&tq, 0, PWAIT, "tq_bad"));
	KUNIT_EXPECT_EQ(test, r, EINVAL);
	KUNIT_EXPECT_EQ(test, taskqueue_start_threads(&tq, 1, PWAIT, "tq_bad"), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 r = taskqueue_start_threads(&tq, 1, PWAIT, "tq_bad"));
	KUNIT_EXPECT_EQ(test, r, EINVAL);
	taskqueue_free(tq);
}

static struct kunit_case taskqueue_cases[] = {
	KUNIT_CASE(taskqueue_start_threads_with_a_bad_count_or_twice_reported_einval),
	KUNIT_CASE(taskqueue_enqueue_while_queued_coalesces_into_one_run),
	KUNIT_CASE(taskqueue_runs_higher_priority_tasks_first),
	KUNIT_CASE(taskqueue_drain_waits_for_the_running_task),
	KUNIT_CASE(taskqueue_drain_all_waits_for_running_and_queued_tasks),
	KUNIT_CASE(taskqueue_cancel_of_a_queued_task_returns_0_and_its_pending_count),
	KUNIT_CASE(taskqueue_cancel_of_a_running_task_returns_ebusy),
	KUNIT_CASE(taskqueue_free_runs_the_queued_tasks_and_waits_for_them),
	KUNIT_CASE(taskqueue_fast_queue_runs_tasks_enqueued_with_a_spin_mutex_held),
	KUNIT_CASE(taskqueue_global_queues_run_tasks),
	KUNIT_CASE(taskqueue_enqueue_timeout_runs_the_task_once_later),
	KUNIT_CASE(taskqueue_enqueue_timeout_on_a_fast_queue_runs_the_task),
	KUNIT_CASE(taskqueue_cancel_timeout_of_an_armed_task_counts_it_pending),
	KUNIT_CASE(taskqueue_drain_timeout_waits_for_the_task_it_enqueued),
	KUNIT_CASE(taskqueue_enqueue_and_drain_from_many_threads_lose_no_enqueue),
	{}
};

static struct kunit_suite taskqueue_suite = {
	.name = "freebsd_taskqueue",
	.test_cases = taskqueue_cases,
};

kunit_test_suites(&taskqueue_suite);
