// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sleep(9): tsleep, msleep, msleep_spin, mtx_sleep, pause, pause_sig, the _sbt forms and
 * wakeup, wakeup_one, wakeup_any, as a ported FreeBSD driver uses them. One case per
 * documented behaviour (bsd-api-reference.md sections 4, 9 and 16).
 *
 * This file uses Linux's msleep(ms) (<linux/delay.h>) and BSD's msleep(chan, mtx, pri,
 * wmesg, timo) (<sys/systm.h>) side by side, as a ported driver may.
 *
 * How the cases know a sleeper is queued without racing it: the sleeper bumps a counter
 * under its interlock right before msleep(); queueing and releasing the interlock are
 * atomic, so once the test thread holds the interlock and sees the count, the sleeper is
 * on the queue. Timeouts are checked only from below ("never early"): the elapsed time
 * must be at least the requested timeout; no case asserts an upper bound on time.
 * Assertions are never made in atomic context: values are recorded there and checked
 * after the spin mutex, critical section or interrupt is left.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/time.h>
#include <sys/callout.h>

/* ---- helpers ---------------------------------------------------------------------------- */

static bool st_lock_spin_when(struct mtx *m, const int *count, int n)
{
	mtx_lock_spin(m);
	if (READ_ONCE(*count) >= n)
		return true;
	mtx_unlock_spin(m);
	return false;
}

/* After a misuse: a valid timed msleep on m (held by the caller) still works. */
static void st_expect_msleep_works(struct kunit *test, struct mtx *m)
{
	int chan, error;

	BT_EXPECT_NO_REPORT(test, error = msleep(&chan, m, 0, "st_ok", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(m));
}

/* After a misuse: a valid timed tsleep still works. */
static void st_expect_tsleep_works(struct kunit *test)
{
	int chan, error;

	BT_EXPECT_NO_REPORT(test, error = tsleep(&chan, 0, "st_ok", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
}

/* ---- lost wakeups --------------------------------------------------------------------- */

#define PINGPONG_ROUNDS 100000
/* Of those, the rounds played with the two threads bound to two different CPUs, where every
 * handoff races a sleeper queueing on one CPU against its waker on the other. The rest run
 * with both threads on one CPU, interleaved by preemption. Split because a cross-CPU
 * handoff is about ten times slower under TCG emulation (an IPI per wakeup): 100,000
 * cross-CPU rounds take minutes there, long enough for the hung-task detector to flag the
 * thread that waits for the case. */
#define PINGPONG_CROSS_CPU_ROUNDS 15000

/*
 * Two threads pass a turn back and forth: each waits with msleep() on the turn's address
 * until it is its turn, flips it and wakes the other (one side with wakeup, the other with
 * wakeup_one). The sleeps have a long timeout only so that a lost wakeup fails the case
 * instead of hanging it: a timed-out sleep is a lost wakeup.
 */
struct pingpong {
	struct mtx m;
	int turn;
	int rounds;		/* rounds to play in this run */
	int played[2];		/* rounds each side completed */
	int lost;		/* msleeps that timed out: their wakeup was lost */
	int errors;		/* any other nonzero return */
	int unlocked;		/* returns without the mutex */
	int abort;
	int pong_cpu;		/* the CPU the pong side binds itself to */
};

static void pingpong_side(struct pingpong *p, int me)
{
	mtx_lock(&p->m);
	for (int i = 0; i < p->rounds && !p->abort; i++) {
		while (p->turn != me && !p->abort) {
			int error = msleep(&p->turn, &p->m, 0, "pingpong", 30 * hz);

			if (!mtx_owned(&p->m)) {
				p->unlocked++;
				mtx_lock(&p->m);
			}
			if (error == EWOULDBLOCK)
				p->lost++;
			else if (error != 0)
				p->errors++;
			if (p->lost || p->errors || p->unlocked)
				p->abort = 1;
		}
		if (p->abort)
			break;
		p->turn = !me;
		p->played[me]++;
		if (me)
			wakeup_one(&p->turn);
		else
			wakeup(&p->turn);
	}
	if (p->abort)
		wakeup(&p->turn);
	mtx_unlock(&p->m);
}

static void pingpong_pong(void *arg)
{
	struct pingpong *p = arg;

	set_cpus_allowed_ptr(current, cpumask_of(p->pong_cpu));
	pingpong_side(p, 1);
}

/* Play `rounds` rounds: the test thread on ping_cpu, a worker on pong_cpu. */
static void run_pingpong(struct kunit *test, int rounds, int ping_cpu, int pong_cpu)
{
	struct pingpong *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, p);
	mtx_init(&p->m, "pingpong", NULL, MTX_DEF);
	p->rounds = rounds;
	p->pong_cpu = pong_cpu;
	set_cpus_allowed_ptr(current, cpumask_of(ping_cpu));
	bt_start(test, &t, pingpong_pong, p, "bsd-pong");
	BT_EXPECT_NO_REPORT(test, pingpong_side(p, 0));
	bt_join(&t);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_EQ_MSG(test, p->lost, 0, "cpus %d/%d", ping_cpu, pong_cpu);
	KUNIT_EXPECT_EQ(test, p->errors, 0);
	KUNIT_EXPECT_EQ(test, p->unlocked, 0);
	KUNIT_EXPECT_EQ(test, p->played[0], rounds);
	KUNIT_EXPECT_EQ(test, p->played[1], rounds);
	mtx_destroy(&p->m);
}

static void msleep_wakeup_never_lost_in_100000_pingpong_rounds(struct kunit *test)
{
	int a = cpumask_first(cpu_online_mask);
	int b = cpumask_next(a, cpu_online_mask);

	if (b >= nr_cpu_ids)
		b = a;
	run_pingpong(test, PINGPONG_CROSS_CPU_ROUNDS, a, b);
	run_pingpong(test, PINGPONG_ROUNDS - PINGPONG_CROSS_CPU_ROUNDS, a, a);
}

/* ---- a set of sleepers on one channel --------------------------------------------------- */

#define NSLEEPERS 4

struct sleepers;
struct sleeper {
	struct sleepers *s;
	int id;
};

struct sleepers {
	struct mtx m;
	int chan;
	int queued;		/* sleepers that went to sleep (bumped under m) */
	int woken;		/* sleepers that returned (bumped under m) */
	int boosted;		/* id of a sleeper that raises its priority first, or -1 */
	int order[NSLEEPERS];	/* ids in the order they returned */
	int error[NSLEEPERS];
	int relocked[NSLEEPERS];
	struct sleeper arg[NSLEEPERS];
	struct bt_thread t[NSLEEPERS];
};

static void sleeper_main(void *p)
{
	struct sleeper *a = p;
	struct sleepers *s = a->s;
	int error, owned;

	if (a->id == s->boosted)
		set_user_nice(current, -10);
	mtx_lock(&s->m);
	s->queued++;
	/* The timeout only bounds a broken wakeup; a correct run never reaches it. */
	error = msleep(&s->chan, &s->m, 0, "sleeper", 60 * hz);
	owned = mtx_owned(&s->m);
	if (!owned)
		mtx_lock(&s->m);
	s->error[a->id] = error;
	s->relocked[a->id] = owned;
	if (s->woken < NSLEEPERS)
		s->order[s->woken] = a->id;
	s->woken++;
	mtx_unlock(&s->m);
}

/* Start the sleepers one by one, each queued before the next starts (queue order = id). */
static struct sleepers *start_sleepers(struct kunit *test, int boosted)
{
	struct sleepers *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	mtx_init(&s->m, "sleepers", NULL, MTX_DEF);
	s->boosted = boosted;
	for (int i = 0; i < NSLEEPERS; i++) {
		s->arg[i].s = s;
		s->arg[i].id = i;
		bt_start(test, &s->t[i], sleeper_main, &s->arg[i], "bsd-sleeper");
		bt_hold_when_queued(test, &s->m, &s->queued, i + 1);
		mtx_unlock(&s->m);
	}
	return s;
}

/* Wake whoever is left, join everyone, check every sleeper was woken (not timed out) and
 * came back with the mutex. */
static void finish_sleepers(struct kunit *test, struct sleepers *s)
{
	mtx_lock(&s->m);
	wakeup(&s->chan);
	mtx_unlock(&s->m);
	bt_join_n(s->t, NSLEEPERS);
	KUNIT_EXPECT_EQ(test, s->woken, NSLEEPERS);
	for (int i = 0; i < NSLEEPERS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, s->error[i], 0, "sleeper %d", i);
		KUNIT_EXPECT_TRUE_MSG(test, s->relocked[i], "sleeper %d", i);
	}
	mtx_destroy(&s->m);
}

/* The wakeup(9) macros, as functions to pass around. */
static void do_wakeup_one(const void *chan)
{
	wakeup_one(chan);
}

static void do_wakeup_any(const void *chan)
{
	wakeup_any(chan);
}

/* Wake one sleeper with `wake`, NSLEEPERS times; each call must wake exactly one. A second,
 * wrongly woken sleeper gets a grace period to show up (it can only make a pass fail). */
static void wake_one_at_a_time(struct kunit *test, struct sleepers *s,
			       void (*wake)(const void *chan))
{
	for (int k = 1; k <= NSLEEPERS; k++) {
		mtx_lock(&s->m);
		wake(&s->chan);
		mtx_unlock(&s->m);
		BT_WAIT_UNTIL(test, READ_ONCE(s->woken) >= k);
		msleep(20);	/* Linux msleep(ms) */
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(s->woken), k, "after %d wakeups", k);
	}
}

/* More sleepers than a waker defers (WakeList, 8 tasks woken after the chain lock is
 * released; the rest are woken under it): one wakeup still wakes every one of them, each
 * returning 0 with its interlock held. */
#define NMANY 12

struct many_sleepers {
	struct mtx m;
	int chan;
	int queued;		/* under m, bumped right before msleep */
	int woken;		/* under m */
	int bad;		/* returns other than 0 with m held */
	struct bt_thread t[NMANY];
};

static void many_sleeper_main(void *p)
{
	struct many_sleepers *s = p;
	int error, owned;

	mtx_lock(&s->m);
	s->queued++;
	error = msleep(&s->chan, &s->m, 0, "many", 60 * hz);
	owned = mtx_owned(&s->m);
	if (!owned)
		mtx_lock(&s->m);
	if (error || !owned)
		s->bad++;
	s->woken++;
	mtx_unlock(&s->m);
}

static void wakeup_wakes_more_sleepers_than_it_defers(struct kunit *test)
{
	struct many_sleepers *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int woken_before;

	KUNIT_ASSERT_NOT_NULL(test, s);
	mtx_init(&s->m, "many_sleepers", NULL, MTX_DEF);
	for (int i = 0; i < NMANY; i++)
		bt_start(test, &s->t[i], many_sleeper_main, s, "bsd-many");
	/* All queued (each bumps the count under m just before msleep releases it). */
	bt_hold_when_queued(test, &s->m, &s->queued, NMANY);
	woken_before = s->woken;
	wakeup(&s->chan);
	mtx_unlock(&s->m);
	KUNIT_EXPECT_EQ(test, woken_before, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(s->woken) >= NMANY);
	BT_RESCUE(READ_ONCE(s->woken) >= NMANY, wakeup(&s->chan));
	bt_join_n(s->t, NMANY);
	KUNIT_EXPECT_EQ(test, s->woken, NMANY);
	KUNIT_EXPECT_EQ(test, s->bad, 0);
	mtx_destroy(&s->m);
}

static void wakeup_wakes_all_sleepers(struct kunit *test)
{
	struct sleepers *s = start_sleepers(test, -1);

	mtx_lock(&s->m);
	wakeup(&s->chan);
	mtx_unlock(&s->m);
	BT_WAIT_UNTIL(test, READ_ONCE(s->woken) >= NSLEEPERS);
	finish_sleepers(test, s);
}

static void wakeup_one_wakes_exactly_one_sleeper(struct kunit *test)
{
	struct sleepers *s = start_sleepers(test, -1);

	wake_one_at_a_time(test, s, do_wakeup_one);
	finish_sleepers(test, s);
}

static void wakeup_one_wakes_sleepers_in_queue_order(struct kunit *test)
{
	struct sleepers *s = start_sleepers(test, -1);

	wake_one_at_a_time(test, s, do_wakeup_one);
	for (int k = 0; k < NSLEEPERS; k++)
		KUNIT_EXPECT_EQ_MSG(test, s->order[k], k, "wakeup %d woke the wrong sleeper", k);
	finish_sleepers(test, s);
}

static void wakeup_one_prefers_higher_priority_sleeper(struct kunit *test)
{
	/* The last sleeper to queue runs at nice -10: wakeup_one wakes it first, then the
	 * others in queue order. */
	struct sleepers *s = start_sleepers(test, NSLEEPERS - 1);

	wake_one_at_a_time(test, s, do_wakeup_one);
	KUNIT_EXPECT_EQ(test, s->order[0], NSLEEPERS - 1);
	for (int k = 1; k < NSLEEPERS; k++)
		KUNIT_EXPECT_EQ(test, s->order[k], k - 1);
	finish_sleepers(test, s);
}

static void wakeup_any_wakes_one(struct kunit *test)
{
	struct sleepers *s = start_sleepers(test, -1);

	wake_one_at_a_time(test, s, do_wakeup_any);
	finish_sleepers(test, s);
}

static void wakeup_any_prefers_most_recent_sleeper(struct kunit *test)
{
	struct sleepers *s = start_sleepers(test, -1);

	wake_one_at_a_time(test, s, do_wakeup_any);
	for (int k = 0; k < NSLEEPERS; k++)
		KUNIT_EXPECT_EQ_MSG(test, s->order[k], NSLEEPERS - 1 - k,
				    "wakeup_any %d woke the wrong sleeper", k);
	finish_sleepers(test, s);
}

static void wakeup_without_sleepers_is_not_remembered(struct kunit *test)
{
	struct mtx m;
	int chan, error;

	mtx_init(&m, "nomemory", NULL, MTX_DEF);
	wakeup(&chan);
	wakeup_one(&chan);
	wakeup_any(&chan);
	mtx_lock(&m);
	error = msleep(&chan, &m, 0, "nomemory", 2);
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	mtx_destroy(&m);
}

/* Other channels: 1024 consecutive ints, so that some of them share the sleep-queue chain
 * of the test's channel whatever the hashing. */
#define OTHER_CHANNELS 1024

struct other_waker {
	int chan[OTHER_CHANNELS];
	int stop;
	int passes;
};

static void other_waker_main(void *arg)
{
	struct other_waker *w = arg;
	unsigned long deadline = jiffies + 60 * HZ;

	while (!READ_ONCE(w->stop) && time_before(jiffies, deadline)) {
		for (int i = 0; i < OTHER_CHANNELS; i++) {
			wakeup(&w->chan[i]);
			wakeup_one(&w->chan[i]);
			wakeup_any(&w->chan[i]);
		}
		WRITE_ONCE(w->passes, w->passes + 1);
		cond_resched();
	}
}

static void wakeup_of_other_channels_does_not_end_sleep(struct kunit *test)
{
	struct other_waker *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;
	int chan, error;

	KUNIT_ASSERT_NOT_NULL(test, w);
	bt_start(test, &t, other_waker_main, w, "bsd-otherwake");
	BT_WAIT_UNTIL(test, READ_ONCE(w->passes) >= 1);
	error = tsleep(&chan, 0, "otherchan", hz / 5);
	WRITE_ONCE(w->stop, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
}

/* ---- timeouts ------------------------------------------------------------------------- */

static void tsleep_timeout_returns_ewouldblock_never_early(struct kunit *test)
{
	static const int timos[] = { 1, 2, 5, 13 };
	int chan;

	for (int i = 0; i < ARRAY_SIZE(timos); i++) {
		/* Both ways of blocking: uninterruptible, and interruptible (PCATCH). */
		for (int pri = 0; pri <= PCATCH; pri += PCATCH) {
			u64 start = ktime_get_ns(), elapsed;
			int error = tsleep(&chan, pri, "timeout", timos[i]);

			elapsed = ktime_get_ns() - start;
			KUNIT_EXPECT_EQ_MSG(test, error, EWOULDBLOCK, "timo %d pri %#x", timos[i], pri);
			KUNIT_EXPECT_GE_MSG(test, elapsed, bt_ticks_ns(timos[i]),
					    "tsleep(timo %d, pri %#x) returned early", timos[i], pri);
		}
	}
}

static void msleep_timeout_returns_ewouldblock_never_early(struct kunit *test)
{
	struct mtx m;
	int chan, error;
	u64 start, elapsed;

	mtx_init(&m, "timeout", NULL, MTX_DEF);
	mtx_lock(&m);
	start = ktime_get_ns();
	error = msleep(&chan, &m, PZERO, "timeout", 3);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, elapsed, bt_ticks_ns(3));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void tsleep_sbt_relative_timeout_never_early(struct kunit *test)
{
	int chan, error;
	u64 start, elapsed;

	/* With an allowed lateness (pr) and with a relative precision (C_PREL): neither may
	 * make the sleep shorter. */
	start = ktime_get_ns();
	error = tsleep_sbt(&chan, 0, "sbt", 15 * SBT_1MS, 5 * SBT_1MS, 0);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, elapsed, sbttons(15 * SBT_1MS));

	start = ktime_get_ns();
	error = tsleep_sbt(&chan, 0, "sbt", 15 * SBT_1MS, 0, C_PREL(2));
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, elapsed, sbttons(15 * SBT_1MS));
}

static void tsleep_sbt_absolute_deadline(struct kunit *test)
{
	int chan, error;
	sbintime_t deadline;
	u64 now;

	deadline = sbinuptime() + 20 * SBT_1MS;
	error = tsleep_sbt(&chan, 0, "absolute", deadline, 0, C_ABSOLUTE);
	now = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE_MSG(test, now, sbttons(deadline), "woke before the absolute deadline");

	/* A deadline already past times out (at once; not measured). */
	error = tsleep_sbt(&chan, 0, "absolute", sbinuptime() - SBT_1MS, 0, C_ABSOLUTE);
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
}

static void pause_sleeps_full_timeout(struct kunit *test)
{
	u64 start, elapsed;
	int error;

	start = ktime_get_ns();
	error = pause("pause", 3);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, elapsed, bt_ticks_ns(3));
}

static void pause_zero_sleeps_one_tick(struct kunit *test)
{
	u64 start, elapsed;
	int error;

	start = ktime_get_ns();
	error = pause("pause0", 0);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, elapsed, bt_ticks_ns(1));
}

/* sbintime conversions of <sys/time.h>, used to build _sbt timeouts: exact to within their
 * resolution, also beyond one second (FreeBSD 13's versions split off whole seconds). */
static void sbt_conversions_exact_beyond_one_second(struct kunit *test)
{
	static const s64 ms[] = { 1, 999, 1000, 1001, 1500, 2000, 30000 };

	for (int i = 0; i < ARRAY_SIZE(ms); i++) {
		s64 want = ms[i] / 1000 * SBT_1S + (ms[i] % 1000) * SBT_1S / 1000;
		s64 d;

		d = mstosbt(ms[i]) - want;
		KUNIT_EXPECT_TRUE_MSG(test, d >= -2 && d <= 2, "mstosbt(%lld) off by %lld", ms[i], d);
		d = ustosbt(ms[i] * 1000) - want;
		KUNIT_EXPECT_TRUE_MSG(test, d >= -2 && d <= 2, "ustosbt(%lld) off by %lld",
				      ms[i] * 1000, d);
		d = nstosbt(ms[i] * 1000000) - want;
		KUNIT_EXPECT_TRUE_MSG(test, d >= -2 && d <= 2, "nstosbt(%lld) off by %lld",
				      ms[i] * 1000000, d);
		KUNIT_EXPECT_EQ_MSG(test, sbttoms(mstosbt(ms[i]) + 2), ms[i], "sbttoms");
		d = sbttons(want) - ms[i] * 1000000;
		KUNIT_EXPECT_TRUE_MSG(test, d >= -1 && d <= 1, "sbttons of %lld ms off by %lld",
				      ms[i], d);
		d = sbttous(want) - ms[i] * 1000;
		KUNIT_EXPECT_TRUE_MSG(test, d >= -1 && d <= 1, "sbttous of %lld ms off by %lld",
				      ms[i], d);
	}
}

/* ---- the interlock -------------------------------------------------------------------- */

struct one_sleeper {
	struct mtx m;
	int chan;
	int queued;
	int done;
	int error;
	int relocked;	/* owned the mutex when msleep returned */
	int pri;
	int use_mtx_sleep;
	int pending_after;	/* a signal was still pending when the sleep returned */
	u64 elapsed;
};

static void one_sleeper_main(void *arg)
{
	struct one_sleeper *o = arg;
	int error;

	mtx_lock(&o->m);
	o->queued++;
	if (o->use_mtx_sleep)
		error = mtx_sleep(&o->chan, &o->m, o->pri, "mtx_sleep", 60 * hz);
	else
		error = msleep(&o->chan, &o->m, o->pri, "one", 60 * hz);
	o->relocked = mtx_owned(&o->m);
	o->error = error;
	if (o->relocked)
		mtx_unlock(&o->m);
	WRITE_ONCE(o->done, 1);
}

static void msleep_returns_with_mutex_relocked(struct kunit *test)
{
	struct one_sleeper *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t;
	int done_while_held;

	KUNIT_ASSERT_NOT_NULL(test, o);
	mtx_init(&o->m, "relock", NULL, MTX_DEF);

	/* Timed out: the mutex is held again, not recursed. */
	mtx_lock(&o->m);
	KUNIT_EXPECT_EQ(test, msleep(&o->chan, &o->m, 0, "relock", 1), EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&o->m));
	KUNIT_EXPECT_FALSE(test, mtx_recursed(&o->m));
	KUNIT_EXPECT_PTR_EQ(test, mtx_owner(&o->m), curthread);
	mtx_unlock(&o->m);

	/* Woken: the sleeper released the mutex while asleep (the test could take it) and
	 * cannot return before the test lets it go. */
	bt_start(test, &t, one_sleeper_main, o, "bsd-relock");
	bt_hold_when_queued(test, &o->m, &o->queued, 1);
	wakeup(&o->chan);
	done_while_held = READ_ONCE(o->done);
	mtx_unlock(&o->m);
	BT_WAIT_UNTIL(test, READ_ONCE(o->done));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, done_while_held, 0);
	KUNIT_EXPECT_EQ(test, o->error, 0);
	KUNIT_EXPECT_TRUE(test, o->relocked);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&o->m));
	mtx_destroy(&o->m);
}

static void pdrop_returns_with_mutex_unlocked(struct kunit *test)
{
	struct one_sleeper *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, o);
	mtx_init(&o->m, "pdrop", NULL, MTX_DEF);

	/* Timed out with PDROP: not held, and free. */
	mtx_lock(&o->m);
	KUNIT_EXPECT_EQ(test, msleep(&o->chan, &o->m, PDROP, "pdrop", 1), EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&o->m));
	KUNIT_EXPECT_TRUE(test, mtx_trylock(&o->m));
	mtx_unlock(&o->m);

	/* Woken with PDROP: the sleeper returns while the test still holds the mutex, which
	 * proves it never tried to take it back. */
	o->pri = PDROP;
	bt_start(test, &t, one_sleeper_main, o, "bsd-pdrop");
	bt_hold_when_queued(test, &o->m, &o->queued, 1);
	wakeup(&o->chan);
	BT_WAIT_UNTIL(test, READ_ONCE(o->done));
	mtx_unlock(&o->m);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, o->error, 0);
	KUNIT_EXPECT_FALSE(test, o->relocked);
	mtx_destroy(&o->m);
}

static void mtx_sleep_same_as_msleep(struct kunit *test)
{
	struct one_sleeper *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t;
	u64 start, elapsed;
	int error;

	KUNIT_ASSERT_NOT_NULL(test, o);
	mtx_init(&o->m, "mtx_sleep", NULL, MTX_DEF);

	mtx_lock(&o->m);
	start = ktime_get_ns();
	error = mtx_sleep(&o->chan, &o->m, 0, "mtx_sleep", 2);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, elapsed, bt_ticks_ns(2));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&o->m));
	KUNIT_EXPECT_EQ(test, mtx_sleep(&o->chan, &o->m, PDROP, "mtx_sleep", 1), EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&o->m));

	o->use_mtx_sleep = 1;
	bt_start(test, &t, one_sleeper_main, o, "bsd-mtx_sleep");
	bt_hold_when_queued(test, &o->m, &o->queued, 1);
	wakeup_one(&o->chan);
	mtx_unlock(&o->m);
	BT_WAIT_UNTIL(test, READ_ONCE(o->done));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, o->error, 0);
	KUNIT_EXPECT_TRUE(test, o->relocked);
	mtx_destroy(&o->m);
}

/* ---- signals -------------------------------------------------------------------------- */

struct sig_sleeper {
	struct mtx m;
	int chan;
	int queued;
	int started;
	int done;
	int error;
	int relocked;
	int pending_after;
	int kind;
	u64 elapsed;
};

enum {
	SIG_MSLEEP_PCATCH,	/* msleep(PCATCH), untimed */
	SIG_MSLEEP_PCATCH_KILL,	/* the same, but SIGKILL is the signal */
	SIG_MSLEEP_TIMED,	/* msleep without PCATCH, hz/5 ticks */
	SIG_PAUSE_SIG,		/* pause_sig, long */
	SIG_TSLEEP_PENDING,	/* tsleep(PCATCH) with a signal already pending */
	SIG_PAUSE_PENDING,	/* pause (no C_CATCH) with a signal already pending */
};

static void sig_sleeper_main(void *arg)
{
	struct sig_sleeper *s = arg;
	u64 start;

	if (s->kind == SIG_MSLEEP_PCATCH_KILL) {
		/*
		 * allow_signal(SIGKILL) is not enough for a kthread: with the SIG_KTHREAD
		 * handler SIGKILL stays a shared pending signal and fatal_signal_pending() is
		 * false. With the default action it is fatal, as for a user thread.
		 */
		kernel_sigaction(SIGKILL, SIG_DFL);
	} else {
		allow_signal(SIGUSR1);
	}
	if (s->kind == SIG_TSLEEP_PENDING || s->kind == SIG_PAUSE_PENDING)
		send_sig(SIGUSR1, current, 1);

	start = ktime_get_ns();
	switch (s->kind) {
	case SIG_MSLEEP_PCATCH:
	case SIG_MSLEEP_PCATCH_KILL:
	case SIG_MSLEEP_TIMED:
		mtx_lock(&s->m);
		s->queued++;
		s->error = msleep(&s->chan, &s->m, s->kind == SIG_MSLEEP_TIMED ? 0 : PCATCH,
				  "sig", s->kind == SIG_MSLEEP_TIMED ? hz / 5 : 30 * hz);
		s->relocked = mtx_owned(&s->m);
		if (s->relocked)
			mtx_unlock(&s->m);
		break;
	case SIG_PAUSE_SIG:
		WRITE_ONCE(s->started, 1);
		s->error = pause_sig("pause_sig", 30 * hz);
		break;
	case SIG_TSLEEP_PENDING:
		s->error = tsleep(&s->chan, PCATCH, "pending", 30 * hz);
		break;
	case SIG_PAUSE_PENDING:
		s->error = pause("pending", hz / 10);
		break;
	}
	s->elapsed = ktime_get_ns() - start;
	s->pending_after = signal_pending(current);
	flush_signals(current);
	if (s->kind == SIG_MSLEEP_PCATCH_KILL)
		kernel_sigaction(SIGKILL, SIG_IGN);
	WRITE_ONCE(s->done, 1);
}

/* Run a signal case: start the sleeper; for the kinds that take a signal while asleep,
 * send `sig` once it is queued (or started, for pause_sig). */
static struct sig_sleeper *run_sig_sleeper(struct kunit *test, int kind, int sig)
{
	struct sig_sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	mtx_init(&s->m, "sig", NULL, MTX_DEF);
	s->kind = kind;
	bt_start(test, &t, sig_sleeper_main, s, "bsd-sig");
	switch (kind) {
	case SIG_MSLEEP_PCATCH:
	case SIG_MSLEEP_PCATCH_KILL:
	case SIG_MSLEEP_TIMED:
		bt_hold_when_queued(test, &s->m, &s->queued, 1);
		mtx_unlock(&s->m);
		send_sig(sig, t.task, 1);
		break;
	case SIG_PAUSE_SIG:
		/* A signal that arrives before pause_sig blocks stays pending and ends it as
		 * well: no need to know when it is asleep. */
		BT_WAIT_UNTIL(test, READ_ONCE(s->started));
		send_sig(sig, t.task, 1);
		break;
	default:
		break;
	}
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	if (!READ_ONCE(s->done)) {
		mtx_lock(&s->m);
		wakeup(&s->chan);
		mtx_unlock(&s->m);
	}
	bt_join(&t);
	mtx_destroy(&s->m);
	return s;
}

static void pcatch_sleep_returns_erestart_on_signal(struct kunit *test)
{
	struct sig_sleeper *s = run_sig_sleeper(test, SIG_MSLEEP_PCATCH, SIGUSR1);

	KUNIT_EXPECT_EQ(test, s->error, ERESTART);
	KUNIT_EXPECT_TRUE(test, s->relocked);
	KUNIT_EXPECT_TRUE(test, s->pending_after);
}

static void pcatch_sleep_returns_eintr_on_sigkill(struct kunit *test)
{
	struct sig_sleeper *s = run_sig_sleeper(test, SIG_MSLEEP_PCATCH_KILL, SIGKILL);

	KUNIT_EXPECT_EQ(test, s->error, EINTR);
	KUNIT_EXPECT_TRUE(test, s->relocked);
}

static void pcatch_sleep_with_signal_pending_returns_erestart(struct kunit *test)
{
	struct sig_sleeper *s = run_sig_sleeper(test, SIG_TSLEEP_PENDING, 0);

	KUNIT_EXPECT_EQ(test, s->error, ERESTART);
}

static void sleep_without_pcatch_ignores_signals(struct kunit *test)
{
	struct sig_sleeper *s = run_sig_sleeper(test, SIG_MSLEEP_TIMED, SIGUSR1);

	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, s->elapsed, bt_ticks_ns(hz / 5));
	KUNIT_EXPECT_TRUE(test, s->relocked);
	KUNIT_EXPECT_TRUE_MSG(test, s->pending_after, "the signal was consumed");
}

static void pause_ignores_signals(struct kunit *test)
{
	struct sig_sleeper *s = run_sig_sleeper(test, SIG_PAUSE_PENDING, 0);

	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, s->elapsed, bt_ticks_ns(hz / 10));
	KUNIT_EXPECT_TRUE(test, s->pending_after);
}

static void pause_sig_interrupted_by_signal(struct kunit *test)
{
	struct sig_sleeper *s = run_sig_sleeper(test, SIG_PAUSE_SIG, SIGUSR1);

	KUNIT_EXPECT_EQ(test, s->error, ERESTART);
}

/* ---- Giant ---------------------------------------------------------------------------- */

struct giant_sleeper {
	struct mtx m;
	int chan;
	int queued;
	int done;
	int error;
	int mode;		/* 0: msleep on m; 1: msleep on Giant; 2: tsleep, no interlock */
	int depth;		/* Giant recursion depth to hold */
	int giant_owned_after;
	int giant_recursed_after;
	int depth_after;	/* unlocks needed to release Giant after the sleep */
	int m_owned_after;
};

static void giant_sleeper_main(void *arg)
{
	struct giant_sleeper *g = arg;

	for (int i = 0; i < g->depth; i++)
		mtx_lock(&Giant);
	switch (g->mode) {
	case 0:
		mtx_lock(&g->m);
		g->queued++;
		g->error = msleep(&g->chan, &g->m, 0, "giant", 60 * hz);
		break;
	case 1:
		g->queued++;
		g->error = msleep(&g->chan, &Giant, 0, "giant", 60 * hz);
		break;
	default:
		WRITE_ONCE(g->queued, 1);
		g->error = tsleep(&g->chan, 0, "giant", 0);
		break;
	}
	g->m_owned_after = g->mode == 0 && mtx_owned(&g->m);
	if (g->m_owned_after)
		mtx_unlock(&g->m);
	g->giant_owned_after = mtx_owned(&Giant);
	g->giant_recursed_after = mtx_recursed(&Giant);
	while (mtx_owned(&Giant) && g->depth_after < 16) {
		mtx_unlock(&Giant);
		g->depth_after++;
	}
	WRITE_ONCE(g->done, 1);
}

/* The sleeper holds Giant `depth` times. Giant must be free while it sleeps: the test
 * takes it (trylock, so a Giant that is not dropped fails the wait instead of hanging),
 * wakes the sleeper while holding it, and the sleeper comes back with the same depth. */
static void run_giant_sleeper(struct kunit *test, int mode, int depth)
{
	struct giant_sleeper *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	struct bt_thread t;
	unsigned long reports = bsdsync_report_total();
	int done_while_held;

	KUNIT_ASSERT_NOT_NULL(test, g);
	mtx_init(&g->m, "giant_interlock", NULL, MTX_DEF);
	g->mode = mode;
	g->depth = depth;
	bt_start(test, &t, giant_sleeper_main, g, "bsd-giant");
	/* queued is bumped under Giant (and m); once the sleeper is queued it lets Giant go. */
	BT_WAIT_UNTIL(test, READ_ONCE(g->queued) && mtx_trylock(&Giant));
	if (!mtx_owned(&Giant))
		mtx_lock(&Giant);
	if (mode == 0)
		mtx_lock(&g->m);
	wakeup(&g->chan);
	if (mode == 0)
		mtx_unlock(&g->m);
	done_while_held = READ_ONCE(g->done);
	mtx_unlock(&Giant);
	BT_WAIT_UNTIL(test, READ_ONCE(g->done));
	/* After a failure only: the untimed tsleep (mode 2) must still end, or the join
	 * would hang the whole run (KUnit cannot stop a stuck case). */
	while (!READ_ONCE(g->done)) {
		wakeup(&g->chan);
		msleep(10);
	}
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, done_while_held, 0);
	KUNIT_EXPECT_EQ(test, g->error, 0);
	KUNIT_EXPECT_TRUE(test, g->giant_owned_after);
	KUNIT_EXPECT_EQ(test, g->giant_recursed_after, depth > 1);
	KUNIT_EXPECT_EQ(test, g->depth_after, depth);
	if (mode == 0)
		KUNIT_EXPECT_TRUE(test, g->m_owned_after);
	KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - reports, 0UL, "unexpected report");
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	mtx_destroy(&g->m);
}

static void giant_dropped_during_sleep_and_restored_with_recursion_depth(struct kunit *test)
{
	run_giant_sleeper(test, 0, 3);
}

static void msleep_on_giant_restores_recursion_depth(struct kunit *test)
{
	run_giant_sleeper(test, 1, 2);
}

static void untimed_tsleep_with_giant_held_is_allowed(struct kunit *test)
{
	/* Giant counts as the interlock of an untimed tsleep: no SLEEP_NO_LOCK report. */
	run_giant_sleeper(test, 2, 1);
}

/* ---- untimed sleeps without an interlock -------------------------------------------------- */

struct waker {
	const void *chan;
	int stop;
};

/* Wakes chan every millisecond or so until told to stop (bounded): for sleeps whose
 * queueing the test cannot observe. */
static void waker_main(void *arg)
{
	struct waker *w = arg;
	unsigned long deadline = jiffies + 60 * HZ;

	while (!READ_ONCE(w->stop) && time_before(jiffies, deadline)) {
		wakeup(w->chan);
		usleep_range(500, 1500);
	}
}

static void untimed_tsleep_with_pnolock_is_allowed(struct kunit *test)
{
	struct waker w = { 0 };
	struct bt_thread t;
	int chan, error;

	w.chan = &chan;
	bt_start(test, &t, waker_main, &w, "bsd-waker");
	BT_EXPECT_NO_REPORT(test, error = tsleep(&chan, PNOLOCK, "pnolock", 0));
	WRITE_ONCE(w.stop, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, error, 0);
}

/* ---- msleep_spin ---------------------------------------------------------------------- */

struct spin_sleeper {
	struct mtx s;
	int chan;
	int queued;
	int flag;	/* the condition, set under s */
	int done;
	int error;
	int relocked;
	int irqs_off_after;
};

static void spin_sleeper_main(void *arg)
{
	struct spin_sleeper *p = arg;
	int error = 0;

	mtx_lock_spin(&p->s);
	p->queued++;
	while (!p->flag && error == 0)
		error = msleep_spin(&p->chan, &p->s, "spin", 60 * hz);
	p->relocked = mtx_owned(&p->s);
	p->irqs_off_after = irqs_disabled();
	p->error = error;
	if (p->relocked)
		mtx_unlock_spin(&p->s);
	WRITE_ONCE(p->done, 1);
}

static void msleep_spin_relocks_spin_mutex(struct kunit *test)
{
	struct spin_sleeper *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct bt_thread t;
	int error, owned, irqs_off;
	unsigned long reports = bsdsync_report_total();

	KUNIT_ASSERT_NOT_NULL(test, p);
	mtx_init(&p->s, "msleep_spin", NULL, MTX_SPIN);

	/* Timed out: the spin mutex is held again (interrupts still off). */
	mtx_lock_spin(&p->s);
	error = msleep_spin(&p->chan, &p->s, "spin", 2);
	owned = mtx_owned(&p->s);
	irqs_off = irqs_disabled();
	mtx_unlock_spin(&p->s);
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_TRUE(test, irqs_off);

	/* Woken: the sleeper let the spin mutex go while asleep. */
	bt_start(test, &t, spin_sleeper_main, p, "bsd-spin");
	BT_WAIT_UNTIL(test, st_lock_spin_when(&p->s, &p->queued, 1));
	if (!mtx_owned(&p->s))
		mtx_lock_spin(&p->s);
	p->flag = 1;
	wakeup(&p->chan);
	mtx_unlock_spin(&p->s);
	BT_WAIT_UNTIL(test, READ_ONCE(p->done));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, p->error, 0);
	KUNIT_EXPECT_TRUE(test, p->relocked);
	KUNIT_EXPECT_TRUE(test, p->irqs_off_after);
	KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - reports, 0UL, "unexpected report");
	mtx_destroy(&p->s);
}

/* wakeup() may be called from a hard interrupt handler; the sleeper uses a spin mutex, the
 * only lock an interrupt filter may take. */
struct irq_waker {
	struct hrtimer timer;
	struct spin_sleeper *p;
	int fired;
};

static enum hrtimer_restart irq_waker_fire(struct hrtimer *timer)
{
	struct irq_waker *w = container_of(timer, struct irq_waker, timer);

	mtx_lock_spin(&w->p->s);
	w->p->flag = 1;
	wakeup(&w->p->chan);
	mtx_unlock_spin(&w->p->s);
	WRITE_ONCE(w->fired, 1);
	return HRTIMER_NORESTART;
}

static void wakeup_from_hard_interrupt_wakes_sleeper(struct kunit *test)
{
	struct spin_sleeper *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct irq_waker *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;
	unsigned long reports = bsdsync_report_total();

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, w);
	mtx_init(&p->s, "irq_wakeup", NULL, MTX_SPIN);
	w->p = p;
	bt_start(test, &t, spin_sleeper_main, p, "bsd-irqsleep");
	BT_WAIT_UNTIL(test, st_lock_spin_when(&p->s, &p->queued, 1));
	if (mtx_owned(&p->s))
		mtx_unlock_spin(&p->s);
	hrtimer_init(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	w->timer.function = irq_waker_fire;
	hrtimer_start(&w->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	BT_WAIT_UNTIL(test, READ_ONCE(w->fired));
	hrtimer_cancel(&w->timer);
	BT_WAIT_UNTIL(test, READ_ONCE(p->done));
	if (!READ_ONCE(p->done)) {
		mtx_lock_spin(&p->s);
		p->flag = 1;
		wakeup(&p->chan);
		mtx_unlock_spin(&p->s);
	}
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, p->error, 0);
	KUNIT_EXPECT_TRUE(test, p->relocked);
	KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - reports, 0UL, "unexpected report");
	mtx_destroy(&p->s);
}

/* ---- both msleeps in one file --------------------------------------------------------- */

static void linux_msleep_and_bsd_msleep_in_one_file(struct kunit *test)
{
	struct mtx m;
	int chan, error;
	u64 start, elapsed;

	/* One argument: Linux's msleep(ms). */
	start = ktime_get_ns();
	msleep(10);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_GE(test, elapsed, 10ULL * NSEC_PER_MSEC);

	/* Five arguments: FreeBSD's msleep(chan, mtx, pri, wmesg, timo). */
	mtx_init(&m, "two_msleeps", NULL, MTX_DEF);
	mtx_lock(&m);
	start = ktime_get_ns();
	error = msleep(&chan, &m, 0, "bsd", 2);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, elapsed, bt_ticks_ns(2));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	mtx_destroy(&m);
}

/* ---- report sites of rarer misuse (docs/misuse.md) ------------------------------------- */

static void misuse_msleep_spin_with_a_spin_mutex_not_held_is_reported_and_does_not_sleep(struct kunit *test)
{
	struct mtx m;
	int chan, error = -1;

	mtx_init(&m, "msleep_spin not held", NULL, MTX_SPIN);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 BT_EXPECT_NO_SLEEP(test, error = msleep_spin(&chan, &m, "nothold", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_EQ(test, READ_ONCE(m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&m);
}

static struct kunit_case sleep_cases[] = {
	KUNIT_CASE(msleep_wakeup_never_lost_in_100000_pingpong_rounds),
	KUNIT_CASE(wakeup_wakes_all_sleepers),
	KUNIT_CASE(wakeup_wakes_more_sleepers_than_it_defers),
	KUNIT_CASE(wakeup_one_wakes_exactly_one_sleeper),
	KUNIT_CASE(wakeup_one_wakes_sleepers_in_queue_order),
	KUNIT_CASE(wakeup_one_prefers_higher_priority_sleeper),
	KUNIT_CASE(wakeup_any_wakes_one),
	KUNIT_CASE(wakeup_any_prefers_most_recent_sleeper),
	KUNIT_CASE(wakeup_without_sleepers_is_not_remembered),
	KUNIT_CASE(wakeup_of_other_channels_does_not_end_sleep),
	KUNIT_CASE(wakeup_from_hard_interrupt_wakes_sleeper),
	KUNIT_CASE(tsleep_timeout_returns_ewouldblock_never_early),
	KUNIT_CASE(msleep_timeout_returns_ewouldblock_never_early),
	KUNIT_CASE(tsleep_sbt_relative_timeout_never_early),
	KUNIT_CASE(tsleep_sbt_absolute_deadline),
	KUNIT_CASE(pause_sleeps_full_timeout),
	KUNIT_CASE(pause_zero_sleeps_one_tick),
	KUNIT_CASE(sbt_conversions_exact_beyond_one_second),
	KUNIT_CASE(msleep_returns_with_mutex_relocked),
	KUNIT_CASE(pdrop_returns_with_mutex_unlocked),
	KUNIT_CASE(mtx_sleep_same_as_msleep),
	KUNIT_CASE(pcatch_sleep_returns_erestart_on_signal),
	KUNIT_CASE(pcatch_sleep_returns_eintr_on_sigkill),
	KUNIT_CASE(pcatch_sleep_with_signal_pending_returns_erestart),
	KUNIT_CASE(sleep_without_pcatch_ignores_signals),
	KUNIT_CASE(pause_ignores_signals),
	KUNIT_CASE(pause_sig_interrupted_by_signal),
	KUNIT_CASE(giant_dropped_during_sleep_and_restored_with_recursion_depth),
	KUNIT_CASE(msleep_on_giant_restores_recursion_depth),
	KUNIT_CASE(untimed_tsleep_with_giant_held_is_allowed),
	KUNIT_CASE(untimed_tsleep_with_pnolock_is_allowed),
	KUNIT_CASE(msleep_spin_relocks_spin_mutex),
	KUNIT_CASE(linux_msleep_and_bsd_msleep_in_one_file),
	{}
};

static struct kunit_suite sleep_suite = {
	.name = "freebsd_sleep",
	.test_cases = sleep_cases,
};

/* ==== misuse ============================================================================ */

static void tsleep_holding_spin_mutex_reported_sleep_atomic(struct kunit *test)
{
	struct mtx s;
	struct bt_probe p;
	int chan, error, owned;

	mtx_init(&s, "held_spin", NULL, MTX_SPIN);
	mtx_lock_spin(&s);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = tsleep(&chan, 0, "atomic", 1);
	bt_probe_end(&p);
	owned = mtx_owned(&s);
	mtx_unlock_spin(&s);
	bt_expect_one_report_no_sleep(test, &p, "tsleep holding a spin mutex");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&s));
	st_expect_tsleep_works(test);
	mtx_destroy(&s);
}

static void pause_holding_spin_mutex_reported_sleep_atomic(struct kunit *test)
{
	struct mtx s;
	struct bt_probe p;
	int error, owned;

	mtx_init(&s, "held_spin", NULL, MTX_SPIN);
	mtx_lock_spin(&s);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = pause("atomic", 1);
	bt_probe_end(&p);
	owned = mtx_owned(&s);
	mtx_unlock_spin(&s);
	bt_expect_one_report_no_sleep(test, &p, "pause holding a spin mutex");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned);
	st_expect_tsleep_works(test);
	mtx_destroy(&s);
}

static void msleep_spin_holding_another_spin_mutex_reported_sleep_atomic(struct kunit *test)
{
	struct mtx a, b;
	struct bt_probe p;
	int chan, error, owned_a, owned_b;

	mtx_init(&a, "outer_spin", NULL, MTX_SPIN);
	mtx_init(&b, "interlock_spin", NULL, MTX_SPIN);
	mtx_lock_spin(&a);
	mtx_lock_spin(&b);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = msleep_spin(&chan, &b, "atomic", 1);
	bt_probe_end(&p);
	owned_a = mtx_owned(&a);
	owned_b = mtx_owned(&b);
	mtx_unlock_spin(&b);
	mtx_unlock_spin(&a);
	bt_expect_one_report_no_sleep(test, &p, "msleep_spin holding another spin mutex");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned_a);
	KUNIT_EXPECT_TRUE(test, owned_b);

	/* Holding only its interlock, msleep_spin is fine again. */
	mtx_lock_spin(&b);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = msleep_spin(&chan, &b, "ok", 1);
	bt_probe_end(&p);
	mtx_unlock_spin(&b);
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, p.total_after - p.total_before, 0UL);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

static void tsleep_with_interrupts_disabled_reported_sleep_atomic(struct kunit *test)
{
	struct bt_probe p;
	int chan, error, irqs_off;
	unsigned long flags;

	local_irq_save(flags);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = tsleep(&chan, 0, "irqs_off", 1);
	bt_probe_end(&p);
	irqs_off = irqs_disabled();
	local_irq_restore(flags);
	bt_expect_one_report_no_sleep(test, &p, "tsleep with interrupts disabled");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, irqs_off);
	st_expect_tsleep_works(test);
}

static void msleep_spin_with_interrupts_disabled_reported_sleep_atomic(struct kunit *test)
{
	struct mtx s;
	struct bt_probe p;
	int chan, error, owned, irqs_off;
	unsigned long flags;

	/* Interrupts were off before the spin mutex was taken: releasing it for the sleep
	 * would leave them off, so the sleep is refused. */
	mtx_init(&s, "irqs_off_interlock", NULL, MTX_SPIN);
	local_irq_save(flags);
	mtx_lock_spin(&s);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = msleep_spin(&chan, &s, "irqs_off", 1);
	bt_probe_end(&p);
	owned = mtx_owned(&s);
	mtx_unlock_spin(&s);
	irqs_off = irqs_disabled();
	local_irq_restore(flags);
	bt_expect_one_report_no_sleep(test, &p, "msleep_spin with interrupts disabled");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_TRUE(test, irqs_off);
	mtx_destroy(&s);
}

static void msleep_on_recursed_mutex_reported_sleep_recursed(struct kunit *test)
{
	struct mtx m;
	int chan, error;

	mtx_init(&m, "recursed", NULL, MTX_DEF | MTX_RECURSE);
	mtx_lock(&m);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_RECURSED,
			 BT_EXPECT_NO_SLEEP(test, error = msleep(&chan, &m, 0, "recursed", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
	mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
	st_expect_msleep_works(test, &m);
	mtx_unlock(&m);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_destroy(&m);
}

static void msleep_spin_on_recursed_spin_mutex_reported_sleep_recursed(struct kunit *test)
{
	struct mtx s;
	struct bt_probe p;
	int chan, error, owned, recursed;

	mtx_init(&s, "recursed_spin", NULL, MTX_SPIN | MTX_RECURSE);
	mtx_lock_spin(&s);
	mtx_lock_spin(&s);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_RECURSED);
	error = msleep_spin(&chan, &s, "recursed", 1);
	bt_probe_end(&p);
	owned = mtx_owned(&s);
	recursed = mtx_recursed(&s);
	mtx_unlock_spin(&s);
	mtx_unlock_spin(&s);
	bt_expect_one_report_no_sleep(test, &p, "msleep_spin on a recursed spin mutex");
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_TRUE(test, recursed);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&s));
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	mtx_destroy(&s);
}

static void tsleep_on_null_channel_reported_bad_argument(struct kunit *test)
{
	struct mtx m;
	int error;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 BT_EXPECT_NO_SLEEP(test, error = tsleep(NULL, 0, "null", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);

	mtx_init(&m, "null_chan", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 BT_EXPECT_NO_SLEEP(test, error = msleep(NULL, &m, 0, "null", 0)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	st_expect_msleep_works(test, &m);
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void untimed_tsleep_without_interlock_reported_sleep_no_lock(struct kunit *test)
{
	struct waker w = { 0 };
	struct bt_thread t;
	int chan, error;

	/* Reported, then it really sleeps (as FreeBSD without INVARIANTS would): a second
	 * thread keeps waking the channel. */
	w.chan = &chan;
	bt_start(test, &t, waker_main, &w, "bsd-waker");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NO_LOCK,
			 error = tsleep(&chan, 0, "nolock", 0));
	WRITE_ONCE(w.stop, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, error, 0);
	st_expect_tsleep_works(test);
}

static void msleep_pdrop_with_giant_reported_bad_argument(struct kunit *test)
{
	int chan, error;

	mtx_lock(&Giant);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 BT_EXPECT_NO_SLEEP(test, error = msleep(&chan, &Giant, PDROP, "pdrop", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&Giant));
	KUNIT_EXPECT_FALSE(test, mtx_recursed(&Giant));
	st_expect_msleep_works(test, &Giant);
	mtx_unlock(&Giant);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
}

static void tsleep_pdrop_without_lock_reported_bad_argument(struct kunit *test)
{
	int chan, error;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 BT_EXPECT_NO_SLEEP(test, error = tsleep(&chan, PDROP, "pdrop", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	st_expect_tsleep_works(test);
}

static void msleep_with_unheld_mutex_reported_not_owner(struct kunit *test)
{
	struct mtx m;
	int chan, error;

	mtx_init(&m, "unheld", NULL, MTX_DEF);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 BT_EXPECT_NO_SLEEP(test, error = msleep(&chan, &m, 0, "unheld", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	KUNIT_EXPECT_PTR_EQ(test, mtx_owner(&m), (struct thread *)NULL);
	/* The refused sleeper left no trace on the channel: a later wakeup finds nobody and
	 * a later sleep times out normally. */
	wakeup_one(&chan);
	mtx_lock(&m);
	st_expect_msleep_works(test, &m);
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void msleep_on_giant_not_held_reported_not_owner(struct kunit *test)
{
	int chan, error;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 BT_EXPECT_NO_SLEEP(test, error = msleep(&chan, &Giant, 0, "giant", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
}

static void msleep_with_uninitialized_mutex_reported_uninitialized(struct kunit *test)
{
	struct mtx *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	int chan, error;

	KUNIT_ASSERT_NOT_NULL(test, m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED,
			 BT_EXPECT_NO_SLEEP(test, error = msleep(&chan, m, 0, "uninit", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
}

static void msleep_with_destroyed_mutex_reported_destroyed(struct kunit *test)
{
	struct mtx m;
	int chan, error;

	mtx_init(&m, "destroyed", NULL, MTX_DEF);
	mtx_destroy(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 BT_EXPECT_NO_SLEEP(test, error = msleep(&chan, &m, 0, "destroyed", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
}

static void msleep_with_spin_mutex_as_interlock_reported_wrong_class(struct kunit *test)
{
	struct mtx s;
	struct bt_probe p;
	int chan, error, owned;

	/* Spin mutexes can only be the interlock of msleep_spin. */
	mtx_init(&s, "spin_interlock", NULL, MTX_SPIN);
	mtx_lock_spin(&s);
	bt_probe_begin(&p, BSDSYNC_RULE_WRONG_CLASS);
	error = msleep(&chan, &s, 0, "wrong", 1);
	bt_probe_end(&p);
	owned = mtx_owned(&s);
	mtx_unlock_spin(&s);
	bt_expect_one_report_no_sleep(test, &p, "msleep with a spin mutex interlock");
	KUNIT_EXPECT_NE(test, error, 0);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&s));
	mtx_destroy(&s);
}

static void msleep_spin_with_sleep_mutex_reported_wrong_class(struct kunit *test)
{
	struct mtx m;
	int chan, error;

	mtx_init(&m, "sleep_interlock", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS,
			 BT_EXPECT_NO_SLEEP(test, error = msleep_spin(&chan, &m, "wrong", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	st_expect_msleep_works(test, &m);
	mtx_unlock(&m);
	mtx_destroy(&m);
}

/* msleep from a hard interrupt handler (an hrtimer in hard-irq mode). */
struct irq_sleeper {
	struct hrtimer timer;
	struct mtx m;
	int chan;
	int fired;
	int error;
	unsigned long rule_before, rule_after, total_before, total_after;
};

static enum hrtimer_restart irq_sleeper_fire(struct hrtimer *timer)
{
	struct irq_sleeper *s = container_of(timer, struct irq_sleeper, timer);

	s->rule_before = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT);
	s->total_before = bsdsync_report_total();
	s->error = msleep(&s->chan, &s->m, 0, "hardirq", 1);
	s->rule_after = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT);
	s->total_after = bsdsync_report_total();
	WRITE_ONCE(s->fired, 1);
	return HRTIMER_NORESTART;
}

static void msleep_in_hard_interrupt_reported_sleep_interrupt(struct kunit *test)
{
	struct irq_sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	mtx_init(&s->m, "irq_interlock", NULL, MTX_DEF);
	hrtimer_init(&s->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	s->timer.function = irq_sleeper_fire;
	hrtimer_start(&s->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	BT_WAIT_UNTIL(test, READ_ONCE(s->fired));
	hrtimer_cancel(&s->timer);
	KUNIT_EXPECT_EQ(test, s->rule_after - s->rule_before, 1UL);
	KUNIT_EXPECT_EQ(test, s->total_after - s->total_before, 1UL);
	KUNIT_EXPECT_NE(test, s->error, 0);
	KUNIT_EXPECT_PTR_EQ(test, mtx_owner(&s->m), (struct thread *)NULL);
	/* The mutex and sleeping still work in thread context. */
	mtx_lock(&s->m);
	st_expect_msleep_works(test, &s->m);
	mtx_unlock(&s->m);
	mtx_destroy(&s->m);
}

/* ---- sleeping with non-sleepable locks held (FreeBSD witness's rule) -------------------- */

static void pause_holding_a_sleep_mutex_reported_sleep_nonsleepable(struct kunit *test)
{
	struct mtx m;
	int error;

	mtx_init(&m, "held_across_pause", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, error = pause("nosleep", 1));
	/* Reported, and the sleep still happens (as under witness): nothing is corrupted. */
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	st_expect_tsleep_works(test);
	mtx_destroy(&m);
}

static void msleep_holding_another_sleep_mutex_reported_sleep_nonsleepable(struct kunit *test)
{
	struct mtx outer, interlock;
	int chan, error;

	mtx_init(&outer, "outer", NULL, MTX_DEF);
	mtx_init(&interlock, "interlock", NULL, MTX_DEF);
	mtx_lock(&outer);
	mtx_lock(&interlock);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 error = msleep(&chan, &interlock, 0, "nosleep", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&interlock));
	mtx_unlock(&interlock);
	mtx_unlock(&outer);
	mtx_destroy(&interlock);
	mtx_destroy(&outer);
}

static void msleep_holding_only_its_interlock_is_not_reported(struct kunit *test)
{
	struct mtx m;
	int chan, error;

	mtx_init(&m, "only_interlock", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_NO_REPORT(test, error = msleep(&chan, &m, 0, "ok", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void sleeping_with_giant_held_is_not_reported(struct kunit *test)
{
	int error;

	mtx_lock(&Giant);
	BT_EXPECT_NO_REPORT(test, error = pause("giant", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&Giant));
	mtx_unlock(&Giant);
}

static void mutexes_released_out_of_order_are_forgotten(struct kunit *test)
{
	struct mtx a, b, c;
	int error;

	mtx_init(&a, "a", NULL, MTX_DEF);
	mtx_init(&b, "b", NULL, MTX_DEF);
	mtx_init(&c, "c", NULL, MTX_DEF);
	mtx_lock(&a);
	mtx_lock(&b);
	mtx_lock(&c);
	mtx_unlock(&a);
	mtx_unlock(&c);
	mtx_unlock(&b);
	BT_EXPECT_NO_REPORT(test, error = pause("released", 1));
	/* And a recursed mutex is remembered until its last release. */
	mtx_init(&a, "recursed", NULL, MTX_DEF | MTX_RECURSE | MTX_NEW);
	mtx_lock(&a);
	mtx_lock(&a);
	mtx_unlock(&a);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, error = pause("recursed", 1));
	mtx_unlock(&a);
	BT_EXPECT_NO_REPORT(test, error = pause("released", 1));
	mtx_destroy(&a);
	mtx_destroy(&b);
	mtx_destroy(&c);
}

static void exit_holding_fn(void *arg)
{
	struct mtx *m = arg;

	mtx_lock(m);
}

static void thread_exit_holding_a_sleep_mutex_reported_exit_held(struct kunit *test)
{
	struct mtx *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD);
	unsigned long total = bsdsync_report_total();
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, m);
	mtx_init(m, "held_at_exit", NULL, MTX_DEF);
	bt_start(test, &t, exit_holding_fn, m, "exit_holding");
	bt_join(&t);
	/* The report comes from the thread's exit, right after it returned. */
	BT_WAIT_UNTIL(test, bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD) != before);
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD) - before, 1UL);
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - total, 1UL);
	/* The mutex stays owned by the dead thread (FreeBSD would have panicked); it is
	 * abandoned with the test's memory, never destroyed. */
	KUNIT_EXPECT_FALSE(test, mtx_owned(m));
}

static struct kunit_case sleep_misuse_cases[] = {
	KUNIT_CASE(tsleep_holding_spin_mutex_reported_sleep_atomic),
	KUNIT_CASE(pause_holding_spin_mutex_reported_sleep_atomic),
	KUNIT_CASE(msleep_spin_holding_another_spin_mutex_reported_sleep_atomic),
	KUNIT_CASE(tsleep_with_interrupts_disabled_reported_sleep_atomic),
	KUNIT_CASE(msleep_spin_with_interrupts_disabled_reported_sleep_atomic),
	KUNIT_CASE(msleep_on_recursed_mutex_reported_sleep_recursed),
	KUNIT_CASE(msleep_spin_on_recursed_spin_mutex_reported_sleep_recursed),
	KUNIT_CASE(tsleep_on_null_channel_reported_bad_argument),
	KUNIT_CASE(untimed_tsleep_without_interlock_reported_sleep_no_lock),
	KUNIT_CASE(msleep_pdrop_with_giant_reported_bad_argument),
	KUNIT_CASE(tsleep_pdrop_without_lock_reported_bad_argument),
	KUNIT_CASE(msleep_with_unheld_mutex_reported_not_owner),
	KUNIT_CASE(msleep_on_giant_not_held_reported_not_owner),
	KUNIT_CASE(msleep_with_uninitialized_mutex_reported_uninitialized),
	KUNIT_CASE(msleep_with_destroyed_mutex_reported_destroyed),
	KUNIT_CASE(msleep_with_spin_mutex_as_interlock_reported_wrong_class),
	KUNIT_CASE(msleep_spin_with_sleep_mutex_reported_wrong_class),
	KUNIT_CASE(msleep_in_hard_interrupt_reported_sleep_interrupt),
	KUNIT_CASE(pause_holding_a_sleep_mutex_reported_sleep_nonsleepable),
	KUNIT_CASE(msleep_holding_another_sleep_mutex_reported_sleep_nonsleepable),
	KUNIT_CASE(msleep_holding_only_its_interlock_is_not_reported),
	KUNIT_CASE(sleeping_with_giant_held_is_not_reported),
	KUNIT_CASE(mutexes_released_out_of_order_are_forgotten),
	KUNIT_CASE(thread_exit_holding_a_sleep_mutex_reported_exit_held),
	KUNIT_CASE(misuse_msleep_spin_with_a_spin_mutex_not_held_is_reported_and_does_not_sleep),
	{}
};

static struct kunit_suite sleep_misuse_suite = {
	.name = "freebsd_sleep_misuse",
	.test_cases = sleep_misuse_cases,
};

kunit_test_suites(&sleep_suite, &sleep_misuse_suite);
