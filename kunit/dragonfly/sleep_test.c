// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly's tsleep family as a ported driver uses it (bsd-api-reference.md section 28):
 * tsleep times out with EWOULDBLOCK; wakeup wakes every sleeper of the ident, wakeup_one one
 * of them; PCATCH sleeps end on a signal with EINTR (fatal) or ERESTART; tsleep_interlock +
 * PINTERLOCKED lose no wakeup that comes between the two (a wakeup there makes the tsleep
 * return 0 at once), checked over 100,000 rounds against a waker on another CPU; ssleep
 * releases its spinlock while asleep and holds it again when it returns.
 */
#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

#include "harness.h"

#include <bsdsync/testing.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>

static void tsleep_times_out_with_ewouldblock(struct kunit *test)
{
	int chan;

	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, tsleep(&chan, 0, "timo", 2), EWOULDBLOCK));
	BT_EXPECT_NO_REPORT(test,
			    KUNIT_EXPECT_EQ(test, tsleep(&chan, PCATCH, "timo", 1), EWOULDBLOCK));
}

/* ---- wakeup, wakeup_one ------------------------------------------------------------------- */

#define SLEEPERS 3

struct sleepers {
	int chan;
	atomic_t asleep;	/* about to sleep: queued by tsleep_interlock */
	atomic_t woke;
	int error[SLEEPERS];
	int id_next;
};

static void sleeper_main(void *arg)
{
	struct sleepers *s = arg;
	int id = __atomic_fetch_add(&s->id_next, 1, __ATOMIC_RELAXED);

	/* Queued before it says so: a wakeup after the announcement finds it. */
	tsleep_interlock(&s->chan, 0);
	atomic_inc(&s->asleep);
	s->error[id] = tsleep(&s->chan, PINTERLOCKED, "sleepers", 30 * hz);
	atomic_inc(&s->woke);
}

static void wakeup_wakes_every_sleeper(struct kunit *test)
{
	struct sleepers *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[SLEEPERS];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	bt_start_n(test, t, SLEEPERS, sleeper_main, s, 0, "dfly-slp");
	BT_WAIT_UNTIL(test, atomic_read(&s->asleep) == SLEEPERS);
	wakeup(&s->chan);
	bt_join_n(t, SLEEPERS);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->woke), SLEEPERS);
	for (i = 0; i < SLEEPERS; i++)
		KUNIT_EXPECT_EQ(test, s->error[i], 0);
}

static void wakeup_one_wakes_one_sleeper(struct kunit *test)
{
	struct sleepers *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[SLEEPERS];
	int i, woke_after_one;

	KUNIT_ASSERT_NOT_NULL(test, s);
	bt_start_n(test, t, SLEEPERS, sleeper_main, s, 0, "dfly-one");
	BT_WAIT_UNTIL(test, atomic_read(&s->asleep) == SLEEPERS);
	wakeup_one(&s->chan);
	BT_WAIT_UNTIL(test, atomic_read(&s->woke) >= 1);
	/* Give a wrongly woken second sleeper time to show up: the others stay asleep until
	 * woken, so a second one here is a bug whatever the timing. */
	msleep(50);
	woke_after_one = atomic_read(&s->woke);
	for (i = 1; i < SLEEPERS; i++)
		wakeup_one(&s->chan);
	bt_join_n(t, SLEEPERS);
	KUNIT_EXPECT_EQ(test, woke_after_one, 1);
	for (i = 0; i < SLEEPERS; i++)
		KUNIT_EXPECT_EQ(test, s->error[i], 0);
}

/* A wakeup on another ident wakes nobody here (the sleepers then time out). */
static void wakeup_of_another_ident_wakes_nobody(struct kunit *test)
{
	int chan, other, error;

	tsleep_interlock(&chan, 0);
	wakeup(&other);
	error = tsleep(&chan, PINTERLOCKED, "other", 2);
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
}

/* ---- PCATCH --------------------------------------------------------------------------------- */

struct sig_sleeper {
	int chan;
	int kill;		/* SIGKILL (fatal) rather than SIGUSR1 */
	int pending_first;	/* the signal is pending before tsleep */
	int queued;
	int error;
	int done;
};

static void sig_sleeper_main(void *arg)
{
	struct sig_sleeper *s = arg;

	if (s->kill)
		kernel_sigaction(SIGKILL, SIG_DFL);	/* fatal, as for a user thread */
	else
		allow_signal(SIGUSR1);
	if (s->pending_first)
		send_sig(SIGUSR1, current, 1);
	tsleep_interlock(&s->chan, 0);
	WRITE_ONCE(s->queued, 1);
	s->error = tsleep(&s->chan, PCATCH | PINTERLOCKED, "sig", 30 * hz);
	flush_signals(current);
	if (s->kill)
		kernel_sigaction(SIGKILL, SIG_IGN);
	WRITE_ONCE(s->done, 1);
}

static int run_sig_sleeper(struct kunit *test, int kill, int pending_first)
{
	struct sig_sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_EXPECT_NOT_NULL(test, s);
	if (!s)
		return -1;
	s->kill = kill;
	s->pending_first = pending_first;
	bt_start(test, &t, sig_sleeper_main, s, "dfly-sig");
	BT_WAIT_UNTIL(test, READ_ONCE(s->queued));
	if (!pending_first)
		send_sig(kill ? SIGKILL : SIGUSR1, t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));	/* the signal alone ends the sleep */
	BT_RESCUE(READ_ONCE(s->done), wakeup(&s->chan));
	bt_join(&t);
	return s->error;
}

static void tsleep_pcatch_ends_with_erestart_on_a_signal(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, run_sig_sleeper(test, 0, 0), ERESTART);
}

static void tsleep_pcatch_ends_with_eintr_on_a_fatal_signal(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, run_sig_sleeper(test, 1, 0), EINTR);
}

static void tsleep_pcatch_with_a_pending_signal_does_not_sleep(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, run_sig_sleeper(test, 0, 1), ERESTART);
}

/* ---- tsleep_interlock + PINTERLOCKED ------------------------------------------------------ */

/* The wakeup comes between tsleep_interlock and tsleep: tsleep returns 0 at once. */
static void wakeup_after_tsleep_interlock_makes_tsleep_return_at_once(struct kunit *test)
{
	int chan, error = -1;

	BT_EXPECT_NO_SLEEP(test, {
		tsleep_interlock(&chan, 0);
		wakeup(&chan);
		error = tsleep(&chan, PINTERLOCKED, "interlocked", 0);
	});
	KUNIT_EXPECT_EQ(test, error, 0);
}

/*
 * The lost-wakeup window, 100,000 rounds. The sleeper, each round r: tsleep_interlock(chan);
 * tell the waker it may go (ready = r); tsleep(chan, PINTERLOCKED). The waker: wait for
 * ready == r, set done = r, wakeup(chan), then woken = r. On odd rounds the wakeup falls
 * anywhere from before the sleeper's tsleep to after it blocks; on even rounds the sleeper
 * waits for woken == r first, so the wakeup is certain to come between tsleep_interlock and
 * tsleep (the window a plain tsleep would lose). Every tsleep must return 0, and only after
 * the round's wakeup (done == r); a lost wakeup leaves the sleeper asleep until its
 * timeout (10 s: EWOULDBLOCK, counted, and the run stops).
 */
#define IL_ROUNDS 100000

struct il_race {
	int chan;
	int ready;
	int done;
	int woken;
	int stop;
	int lost;		/* rounds whose tsleep timed out */
	int early;		/* tsleep returned 0 before the round's wakeup */
	int rounds;		/* rounds completed */
};

static void il_sleeper(void *arg)
{
	struct il_race *r = arg;
	int round;

	for (round = 1; round <= IL_ROUNDS && !READ_ONCE(r->stop); round++) {
		int error;

		tsleep_interlock(&r->chan, 0);
		smp_store_release(&r->ready, round);
		if (!(round & 1))
			while (smp_load_acquire(&r->woken) != round && !READ_ONCE(r->stop))
				cpu_relax();
		error = tsleep(&r->chan, PINTERLOCKED, "ilrace", 10 * hz);
		if (error) {
			r->lost++;
			WRITE_ONCE(r->stop, 1);
			break;
		}
		if (smp_load_acquire(&r->done) != round)
			r->early++;
		r->rounds++;
		if ((round & 1023) == 0)
			cond_resched();
	}
	WRITE_ONCE(r->stop, 1);
}

static void il_waker(void *arg)
{
	struct il_race *r = arg;
	int round;

	for (round = 1; round <= IL_ROUNDS; round++) {
		while (smp_load_acquire(&r->ready) != round) {
			if (READ_ONCE(r->stop))
				return;
			cpu_relax();
		}
		smp_store_release(&r->done, round);
		wakeup(&r->chan);
		smp_store_release(&r->woken, round);
		if ((round & 1023) == 0)
			cond_resched();
	}
}

static void tsleep_interlock_loses_no_wakeup(struct kunit *test)
{
	struct il_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread t[2];

	KUNIT_ASSERT_NOT_NULL(test, r);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs (the threads spin for each other)");
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t[0], il_sleeper, r, "dfly-ils");
		bt_start(test, &t[1], il_waker, r, "dfly-ilw");
		bt_join(&t[0]);
		bt_join(&t[1]);
	});
	KUNIT_EXPECT_EQ(test, r->lost, 0);
	KUNIT_EXPECT_EQ(test, r->early, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->done), IL_ROUNDS);
	KUNIT_EXPECT_EQ(test, r->rounds, IL_ROUNDS);
}

/*
 * A thread that exits between tsleep_interlock and tsleep (DragonFly takes its entry off the
 * queue at exit): its entry lives in its thread record, which is zeroed and recycled when the
 * task is freed. The entry must be gone from the queue once the thread has exited (looked at
 * before the task is freed: the round is repeated until it was seen then), and the queue must
 * serve later sleepers and wakeups of the same ident after the record was zeroed.
 */
struct exit_il {
	int ident;
	struct completion queued;
	atomic_t asleep;
	int error;
};

static int exit_il_main(void *arg)
{
	struct exit_il *e = arg;

	tsleep_interlock(&e->ident, 0);
	complete(&e->queued);
	return 0;	/* exits with its entry queued */
}

static void exit_il_sleeper(void *arg)
{
	struct exit_il *e = arg;

	tsleep_interlock(&e->ident, 0);
	atomic_inc(&e->asleep);
	e->error = tsleep(&e->ident, PINTERLOCKED, "exit-il", 30 * hz);
}

static void a_thread_exiting_after_tsleep_interlock_leaves_no_queue_entry(struct kunit *test)
{
	struct exit_il *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	struct task_struct *task;
	int tries, seen = 0, round;

	KUNIT_ASSERT_NOT_NULL(test, e);
	for (tries = 0; tries < 5 && !seen; tries++) {
		int waiters;

		init_completion(&e->queued);
		task = kthread_create(exit_il_main, e, "dfly-exil");
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		get_task_struct(task);
		wake_up_process(task);
		wait_for_completion(&e->queued);
		/* exit_state is set after the exit hook (sched_process_exit) ran. */
		BT_WAIT_UNTIL(test, READ_ONCE(task->exit_state) != 0);
		waiters = bsdsync_test_waiters(&e->ident);
		/* Still bound: the count was read before the record was zeroed. */
		if (bsdsync_thread_has_record((const struct thread *)task)) {
			seen = 1;
			KUNIT_EXPECT_EQ_MSG(test, waiters, 0,
					    "the exited thread is still queued on its ident");
		}
		/* The record is zeroed when the task struct is freed (our reference does not
		 * delay that: it follows the last switch away and the reaping). */
		BT_WAIT_UNTIL(test, !bsdsync_thread_has_record((const struct thread *)task));
		put_task_struct(task);
		wakeup(&e->ident);
	}
	KUNIT_EXPECT_TRUE_MSG(test, seen, "never looked before the task was freed");
	/* The same queue goes on working for other threads. */
	for (round = 0; round < 20; round++) {
		struct bt_thread t;

		atomic_set(&e->asleep, 0);
		e->error = -1;
		bt_start(test, &t, exit_il_sleeper, e, "dfly-exil2");
		BT_WAIT_UNTIL(test, atomic_read(&e->asleep) == 1);
		wakeup(&e->ident);
		bt_join(&t);
		KUNIT_EXPECT_EQ(test, e->error, 0);
		KUNIT_EXPECT_EQ(test, bsdsync_test_waiters(&e->ident), 0);
	}
}

/* ---- ssleep --------------------------------------------------------------------------------- */

struct ssleep_case {
	struct spinlock s;
	int cond;
	int error;
	int held_after;
	int queued;
};

static void ssleep_main(void *arg)
{
	struct ssleep_case *c = arg;

	spin_lock(&c->s);
	WRITE_ONCE(c->queued, 1);
	while (!c->cond) {
		c->error = ssleep(&c->cond, &c->s, 0, "ssleep", 30 * hz);
		if (c->error)
			break;
	}
	c->held_after = spin_held(&c->s);
	spin_unlock(&c->s);
}

/* The waker takes the spinlock (so the sleeper has released it), sets the condition and
 * wakes: the sleeper returns 0 holding the spinlock again. */
static void ssleep_releases_its_spinlock_and_holds_it_again(struct kunit *test)
{
	struct ssleep_case *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, c);
	spin_init(&c->s, "ssleep");
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, ssleep_main, c, "dfly-ssl");
		BT_WAIT_UNTIL(test, READ_ONCE(c->queued));
		spin_lock(&c->s);	/* only once the sleeper released it */
		c->cond = 1;
		spin_unlock(&c->s);
		wakeup(&c->cond);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, c->error, 0);
	KUNIT_EXPECT_TRUE(test, c->held_after);
	KUNIT_EXPECT_FALSE(test, spin_held(&c->s));
}

static void ssleep_without_the_spinlock_is_reported(struct kunit *test)
{
	struct spinlock s;
	int chan;

	spin_init(&s, "not held");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, ssleep(&chan, &s, 0, "bad", 1), EINVAL));
	KUNIT_EXPECT_FALSE(test, spin_held(&s));
}

/* DragonFly's tsleep has no check of a NULL ident (it sleeps on the hash of 0); here it is
 * reported once and not slept: EINVAL at once, even with no timeout. */
static void misuse_tsleep_on_a_null_ident_is_reported_and_does_not_sleep(struct kunit *test)
{
	int error = -1;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 BT_EXPECT_NO_SLEEP(test, error = tsleep(NULL, 0, "null", 0)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
}

/* tsleep_interlock made by an interrupt on top of a thread that has itself called
 * tsleep_interlock: the interrupt's is reported and queues nothing; the thread's interlock
 * is untouched (a wakeup of its ident still makes its tsleep return 0 at once). */
struct il_irq {
	int chan;
};

static void irq_tsleep_interlock(void *arg)
{
	tsleep_interlock(&((struct il_irq *)arg)->chan, 0);
}

static void misuse_tsleep_interlock_in_interrupt_context_is_reported_and_queues_nothing(
	struct kunit *test)
{
	struct il_irq x = { 0 };
	struct bt_irq_result r;
	int chan, error = -1;

	tsleep_interlock(&chan, 0);
	bt_in_interrupt_on_this_thread(test, false, irq_tsleep_interlock, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	BT_EXPECT_NO_REPORT(test, BT_EXPECT_NO_SLEEP(test, {
		wakeup(&chan);
		error = tsleep(&chan, PINTERLOCKED, "interlocked", 0);
	}));
	KUNIT_EXPECT_EQ(test, error, 0);
	/* The same from a soft interrupt. */
	tsleep_interlock(&chan, 0);
	bt_in_interrupt_on_this_thread(test, true, irq_tsleep_interlock, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	error = -1;
	BT_EXPECT_NO_REPORT(test, BT_EXPECT_NO_SLEEP(test, {
		wakeup(&chan);
		error = tsleep(&chan, PINTERLOCKED, "interlocked", 0);
	}));
	KUNIT_EXPECT_EQ(test, error, 0);
}

/* Linux's ssleep(seconds) is still there beside DragonFly's: one argument is Linux's. */
static void linux_ssleep_is_still_linux(struct kunit *test)
{
	unsigned long start = jiffies;

	ssleep(0);
	KUNIT_EXPECT_TRUE(test, time_before(jiffies, start + 10 * HZ));
}

/* ---- wakeup domains ------------------------------------------------------------------------ */

/* tsleep_interlock queues the caller; the tsleep(PINTERLOCKED) that follows returns 0 at once
 * if a wakeup took the entry off meanwhile, and otherwise sleeps its one tick (EWOULDBLOCK):
 * so one thread can tell, without timing, whether a wakeup reached it. */
static int woken_by(struct kunit *test, int *chan, int sleep_domain, void (*wake)(int *, int),
		    int wake_domain)
{
	int error;

	tsleep_interlock(chan, sleep_domain);
	wake(chan, wake_domain);
	BT_EXPECT_NO_REPORT(test, error = tsleep(chan, sleep_domain | PINTERLOCKED, "dom", 1));
	return error;
}

static void wake_plain(int *chan, int domain) { wakeup(chan); }
static void wake_plain_one(int *chan, int domain) { wakeup_one(chan); }
static void wake_domain(int *chan, int domain) { wakeup_domain(chan, domain); }
static void wake_domain_one(int *chan, int domain) { wakeup_domain_one(chan, domain); }

static void wakeup_wakes_only_domain_zero_sleepers(struct kunit *test)
{
	int chan;

	KUNIT_EXPECT_EQ(test, woken_by(test, &chan, 0, wake_plain, 0), 0);
	KUNIT_EXPECT_EQ(test, woken_by(test, &chan, PDOMAIN_UMTX, wake_plain, 0), EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, woken_by(test, &chan, PDOMAIN_UMTX, wake_plain_one, 0),
			EWOULDBLOCK);
}

static void wakeup_domain_wakes_only_that_domains_sleepers(struct kunit *test)
{
	int chan;

	KUNIT_EXPECT_EQ(test, woken_by(test, &chan, PDOMAIN_UMTX, wake_domain, PDOMAIN_UMTX), 0);
	KUNIT_EXPECT_EQ(test, woken_by(test, &chan, PDOMAIN_XLOCK, wake_domain, PDOMAIN_UMTX),
			EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, woken_by(test, &chan, 0, wake_domain, PDOMAIN_UMTX), EWOULDBLOCK);
	/* Domain 0 is wakeup()'s. */
	KUNIT_EXPECT_EQ(test, woken_by(test, &chan, 0, wake_domain, 0), 0);
	KUNIT_EXPECT_EQ(test, woken_by(test, &chan, PDOMAIN_XLOCK, wake_domain_one,
				       PDOMAIN_XLOCK | PWAKEUP_ONE), 0);
}

struct dom_sleepers {
	int chan;
	atomic_t asleep;
	atomic_t woke;
	atomic_t errors;	/* tsleeps that did not end woken (0) */
};

static void dom_sleeper_main(void *arg)
{
	struct dom_sleepers *s = arg;

	tsleep_interlock(&s->chan, PDOMAIN_UMTX);
	atomic_inc(&s->asleep);
	if (tsleep(&s->chan, PDOMAIN_UMTX | PINTERLOCKED, "domone", 30 * hz))
		atomic_inc(&s->errors);
	atomic_inc(&s->woke);
}

static void wakeup_domain_one_wakes_one_sleeper_of_the_domain(struct kunit *test)
{
	struct dom_sleepers *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[SLEEPERS];

	KUNIT_ASSERT_NOT_NULL(test, s);
	bt_start_n(test, t, SLEEPERS, dom_sleeper_main, s, 0, "dfly-dom");
	BT_WAIT_UNTIL(test, atomic_read(&s->asleep) == SLEEPERS);
	wakeup(&s->chan);			/* domain 0: none of them */
	wakeup_domain_one(&s->chan, PDOMAIN_UMTX);
	BT_WAIT_UNTIL(test, atomic_read(&s->woke) == 1);
	wakeup_domain(&s->chan, PDOMAIN_UMTX);
	BT_WAIT_UNTIL(test, atomic_read(&s->woke) == SLEEPERS);
	BT_RESCUE(atomic_read(&s->woke) == SLEEPERS, wakeup_domain(&s->chan, PDOMAIN_UMTX));
	bt_join_n(t, SLEEPERS);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->errors), 0);
}

static struct kunit_case sleep_cases[] = {
	KUNIT_CASE(tsleep_times_out_with_ewouldblock),
	KUNIT_CASE(wakeup_wakes_every_sleeper),
	KUNIT_CASE(wakeup_one_wakes_one_sleeper),
	KUNIT_CASE(wakeup_of_another_ident_wakes_nobody),
	KUNIT_CASE(tsleep_pcatch_ends_with_erestart_on_a_signal),
	KUNIT_CASE(tsleep_pcatch_ends_with_eintr_on_a_fatal_signal),
	KUNIT_CASE(tsleep_pcatch_with_a_pending_signal_does_not_sleep),
	KUNIT_CASE(wakeup_after_tsleep_interlock_makes_tsleep_return_at_once),
	KUNIT_CASE(tsleep_interlock_loses_no_wakeup),
	KUNIT_CASE(a_thread_exiting_after_tsleep_interlock_leaves_no_queue_entry),
	KUNIT_CASE(ssleep_releases_its_spinlock_and_holds_it_again),
	KUNIT_CASE(ssleep_without_the_spinlock_is_reported),
	KUNIT_CASE(linux_ssleep_is_still_linux),
	KUNIT_CASE(wakeup_wakes_only_domain_zero_sleepers),
	KUNIT_CASE(wakeup_domain_wakes_only_that_domains_sleepers),
	KUNIT_CASE(wakeup_domain_one_wakes_one_sleeper_of_the_domain),
	KUNIT_CASE(misuse_tsleep_on_a_null_ident_is_reported_and_does_not_sleep),
	KUNIT_CASE(misuse_tsleep_interlock_in_interrupt_context_is_reported_and_queues_nothing),
	{}
};

static struct kunit_suite sleep_suite = {
	.name = "dragonfly_sleep",
	.test_cases = sleep_cases,
};

kunit_test_suites(&sleep_suite);
