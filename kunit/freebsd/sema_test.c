// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sema(9): sema_init, sema_destroy, sema_post, sema_wait, sema_timedwait, sema_trywait and
 * sema_value, as a ported FreeBSD driver uses them (bsd-api-reference.md section 11): a
 * counting semaphore without owner whose value never goes negative.
 *
 * The cases read sema_waiters to know that a waiter is queued: the sleep queue counts a
 * waiter in it under its chain lock, once the waiter has announced itself in the
 * semaphore's word, so a post made after the count is seen finds the waiter.
 * Timeouts are checked only from below (never early).
 */
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/semaphore.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/sema.h>
#include <sys/proc.h>
#include <sys/time.h>

/* ---- helpers ---------------------------------------------------------------------------- */

static u64 sm_ticks_ns(int timo)
{
	sbintime_t sbt = tick_sbt * timo;
	u64 s = (u64)sbt >> 32, frac = (u64)sbt & 0xffffffffULL;

	return s * NSEC_PER_SEC + ((frac * NSEC_PER_SEC) >> 32);
}

/* Wait (bounded; a failure is reported) until n threads are queued on s. */
static void sm_wait_until_waiting(struct kunit *test, struct sema *s, int n)
{
	BT_WAIT_UNTIL(test, READ_ONCE(s->sema_waiters) >= n);
}

/* ---- value ------------------------------------------------------------------------------- */

static void sema_init_sets_initial_value(struct kunit *test)
{
	struct sema s;

	BT_EXPECT_NO_REPORT(test, sema_init(&s, 3, "sema_three"));
	KUNIT_EXPECT_EQ(test, sema_value(&s), 3);
	BT_EXPECT_NO_REPORT(test, sema_destroy(&s));

	sema_init(&s, 0, "sema_zero");
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	sema_destroy(&s);
}

static void sema_value_tracks_posts_and_waits(struct kunit *test)
{
	struct sema s;

	sema_init(&s, 0, "sema_value");
	for (int i = 1; i <= 5; i++) {
		sema_post(&s);
		KUNIT_EXPECT_EQ(test, sema_value(&s), i);
	}
	sema_wait(&s);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 4);
	KUNIT_EXPECT_EQ(test, sema_timedwait(&s, 1), 0);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 3);
	KUNIT_EXPECT_NE(test, sema_trywait(&s), 0);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 2);
	sema_wait(&s);
	sema_wait(&s);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	/* Never negative: a timed-out wait takes nothing. */
	KUNIT_EXPECT_EQ(test, sema_timedwait(&s, 1), EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	sema_destroy(&s);
}

static void sema_trywait_fails_at_zero(struct kunit *test)
{
	struct sema s;
	unsigned long nv;

	sema_init(&s, 0, "sema_try");
	nv = current->nvcsw;
	KUNIT_EXPECT_EQ(test, sema_trywait(&s), 0);
	KUNIT_EXPECT_EQ(test, current->nvcsw, nv);	/* it did not block */
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	sema_post(&s);
	KUNIT_EXPECT_NE(test, sema_trywait(&s), 0);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	KUNIT_EXPECT_EQ(test, sema_trywait(&s), 0);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	sema_destroy(&s);
}

/* ---- blocking ------------------------------------------------------------------------------ */

#define NSEMWAITERS 4

enum sw_how {
	SW_WAIT,
	SW_TIMEDWAIT,		/* sema_timedwait, 60 s: a correct run never times out */
};

struct sem_waiters {
	struct sema s;
	enum sw_how how;
	int signals;		/* send SIGUSR1 to itself before waiting */
	int done;		/* waiters that returned */
	int errors;		/* waits that returned nonzero */
	int pending_after;
	struct bt_thread t[NSEMWAITERS];
};

static void sem_waiter_main(void *arg)
{
	struct sem_waiters *w = arg;
	int error = 0;

	if (w->signals) {
		allow_signal(SIGUSR1);
		send_sig(SIGUSR1, current, 1);
	}
	if (w->how == SW_WAIT)
		sema_wait(&w->s);
	else
		error = sema_timedwait(&w->s, 60 * hz);
	if (w->signals) {
		w->pending_after = signal_pending(current);
		flush_signals(current);
	}
	if (error)
		__atomic_fetch_add(&w->errors, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&w->done, 1, __ATOMIC_RELEASE);
}

static struct sem_waiters *start_sem_waiters(struct kunit *test, enum sw_how how, int n,
					     int signals)
{
	struct sem_waiters *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	sema_init(&w->s, 0, "sema_waiters");
	w->how = how;
	w->signals = signals;
	for (int i = 0; i < n; i++) {
		bt_start(test, &w->t[i], sem_waiter_main, w, "bsd-semwaiter");
		sm_wait_until_waiting(test, &w->s, i + 1);
	}
	return w;
}

static void finish_sem_waiters(struct kunit *test, struct sem_waiters *w, int n)
{
	/* Whoever still waits gets a post (only after a failure). */
	for (int i = READ_ONCE(w->done); i < n; i++)
		sema_post(&w->s);
	bt_join_n(w->t, n);
	KUNIT_EXPECT_EQ(test, w->done, n);
	KUNIT_EXPECT_EQ(test, w->errors, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->s.sema_waiters), 0);
	BT_EXPECT_NO_REPORT(test, sema_destroy(&w->s));
}

static void sema_wait_blocks_until_post(struct kunit *test)
{
	struct sem_waiters *w = start_sem_waiters(test, SW_WAIT, 1, 0);
	int done_before_post;

	/* The waiter is queued (counted in sema_waiters) and has not returned. */
	done_before_post = READ_ONCE(w->done);
	KUNIT_EXPECT_EQ(test, done_before_post, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->s.sema_waiters), 1);
	sema_post(&w->s);
	BT_WAIT_UNTIL(test, READ_ONCE(w->done) >= 1);
	KUNIT_EXPECT_EQ(test, sema_value(&w->s), 0);
	finish_sem_waiters(test, w, 1);
}

static void sema_post_wakes_one_waiter_per_post(struct kunit *test)
{
	struct sem_waiters *w = start_sem_waiters(test, SW_WAIT, NSEMWAITERS, 0);

	for (int k = 1; k <= NSEMWAITERS; k++) {
		int waiting, value;

		sema_post(&w->s);
		BT_WAIT_UNTIL(test, READ_ONCE(w->done) >= k);
		msleep(20);	/* Linux msleep: a second, wrongly woken waiter may show up */
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(w->done), k, "after %d posts", k);
		waiting = READ_ONCE(w->s.sema_waiters);
		value = sema_value(&w->s);
		KUNIT_EXPECT_EQ_MSG(test, waiting, NSEMWAITERS - k, "after %d posts", k);
		KUNIT_EXPECT_EQ_MSG(test, value, 0, "after %d posts", k);
	}
	finish_sem_waiters(test, w, NSEMWAITERS);
}

static void sema_timedwait_returns_ewouldblock_never_early(struct kunit *test)
{
	static const int timos[] = { 1, 2, 5 };
	struct sema s;

	sema_init(&s, 0, "sema_timeout");
	for (int i = 0; i < ARRAY_SIZE(timos); i++) {
		u64 start, elapsed;
		int error;

		start = ktime_get_ns();
		error = sema_timedwait(&s, timos[i]);
		elapsed = ktime_get_ns() - start;
		KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
		KUNIT_EXPECT_GE_MSG(test, elapsed, sm_ticks_ns(timos[i]),
				    "sema_timedwait(%d) returned early", timos[i]);
		KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	}
	KUNIT_EXPECT_EQ(test, s.sema_waiters, 0);
	sema_destroy(&s);
}

static void sema_timedwait_returns_zero_when_posted(struct kunit *test)
{
	struct sem_waiters *w;
	struct sema s;

	/* Available at once. */
	sema_init(&s, 1, "sema_avail");
	KUNIT_EXPECT_EQ(test, sema_timedwait(&s, 1), 0);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	sema_destroy(&s);

	/* Posted while waiting. */
	w = start_sem_waiters(test, SW_TIMEDWAIT, 1, 0);
	sema_post(&w->s);
	BT_WAIT_UNTIL(test, READ_ONCE(w->done) >= 1);
	KUNIT_EXPECT_EQ(test, sema_value(&w->s), 0);
	finish_sem_waiters(test, w, 1);
}

struct sig_sema {
	struct sema s;
	int done;
	int error;
	int pending_after;
	u64 elapsed;
};

static void sig_sema_main(void *arg)
{
	struct sig_sema *g = arg;
	u64 start;

	allow_signal(SIGUSR1);
	send_sig(SIGUSR1, current, 1);
	start = ktime_get_ns();
	g->error = sema_timedwait(&g->s, hz / 10);
	g->elapsed = ktime_get_ns() - start;
	g->pending_after = signal_pending(current);
	flush_signals(current);
	WRITE_ONCE(g->done, 1);
}

static void sema_timedwait_ignores_signals(struct kunit *test)
{
	struct sig_sema *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, g);
	sema_init(&g->s, 0, "sema_sig");
	bt_start(test, &t, sig_sema_main, g, "bsd-semsig");
	BT_WAIT_UNTIL(test, READ_ONCE(g->done));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, g->error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, g->elapsed, sm_ticks_ns(hz / 10));
	KUNIT_EXPECT_TRUE(test, g->pending_after);
	KUNIT_EXPECT_EQ(test, sema_value(&g->s), 0);
	sema_destroy(&g->s);
}

static void sema_wait_ignores_signals(struct kunit *test)
{
	/* The waiter has a signal pending and still waits: the test finds it counted as a
	 * waiter, not returned, and only a post ends the wait. */
	struct sem_waiters *w = start_sem_waiters(test, SW_WAIT, 1, 1);
	int done_before_post;

	msleep(50);	/* Linux msleep: give a wrong, signal-interrupted return time to show */
	done_before_post = READ_ONCE(w->done);
	KUNIT_EXPECT_EQ(test, done_before_post, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->s.sema_waiters), 1);
	sema_post(&w->s);
	BT_WAIT_UNTIL(test, READ_ONCE(w->done) >= 1);
	KUNIT_EXPECT_TRUE(test, w->pending_after);
	finish_sem_waiters(test, w, 1);
}

/* ---- producers and consumers ---------------------------------------------------------------- */

#define PC_PRODUCERS 3
#define PC_CONSUMERS 3
#define PC_POSTS 2000		/* per producer */
#define PC_TAKES (PC_PRODUCERS * PC_POSTS / PC_CONSUMERS)	/* per consumer */

struct pc {
	struct sema s;
	int posted;		/* total posts made */
	int taken;		/* total units taken */
	int errors;		/* timedwait timeouts (a lost post) */
	int done;		/* threads finished */
	struct pc_arg {
		struct pc *pc;
		int id;
		int taken;
	} arg[PC_PRODUCERS + PC_CONSUMERS];
	struct bt_thread t[PC_PRODUCERS + PC_CONSUMERS];
};

static void pc_producer(void *p)
{
	struct pc_arg *a = p;

	for (int i = 0; i < PC_POSTS; i++) {
		sema_post(&a->pc->s);
		__atomic_fetch_add(&a->pc->posted, 1, __ATOMIC_RELAXED);
		if ((i & 31) == 0)
			cond_resched();
	}
	__atomic_fetch_add(&a->pc->done, 1, __ATOMIC_RELEASE);
}

/* Consumer 0 uses sema_wait, 1 sema_timedwait, 2 sema_trywait falling back to sema_wait. */
static void pc_consumer(void *p)
{
	struct pc_arg *a = p;
	struct pc *pc = a->pc;

	for (int i = 0; i < PC_TAKES; i++) {
		switch (a->id % 3) {
		case 0:
			sema_wait(&pc->s);
			break;
		case 1:
			while (sema_timedwait(&pc->s, 30 * hz) != 0)
				__atomic_fetch_add(&pc->errors, 1, __ATOMIC_RELAXED);
			break;
		default:
			if (!sema_trywait(&pc->s))
				sema_wait(&pc->s);
			break;
		}
		a->taken++;
		__atomic_fetch_add(&pc->taken, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&pc->done, 1, __ATOMIC_RELEASE);
}

static void sema_producer_consumer_counts_exact(struct kunit *test)
{
	struct pc *pc = kunit_kzalloc(test, sizeof(*pc), GFP_KERNEL);
	const int n = PC_PRODUCERS + PC_CONSUMERS;
	int rescued = 0;

	KUNIT_ASSERT_NOT_NULL(test, pc);
	sema_init(&pc->s, 0, "sema_pc");
	for (int i = 0; i < n; i++) {
		pc->arg[i].pc = pc;
		pc->arg[i].id = i < PC_PRODUCERS ? i : i - PC_PRODUCERS;
	}
	/* Consumers first, so that most of them block and are woken by posts. */
	for (int i = PC_PRODUCERS; i < n; i++)
		bt_start(test, &pc->t[i], pc_consumer, &pc->arg[i], "bsd-consumer");
	for (int i = 0; i < PC_PRODUCERS; i++)
		bt_start(test, &pc->t[i], pc_producer, &pc->arg[i], "bsd-producer");

	/* Liveness by progress: fail if nothing is taken for 60 s, then rescue the consumers
	 * (a lost post would leave them blocked) so the case can end. */
	while (READ_ONCE(pc->done) < n) {
		int before = READ_ONCE(pc->taken);

		BT_WAIT_UNTIL(test, READ_ONCE(pc->taken) != before || READ_ONCE(pc->done) >= n);
		if (READ_ONCE(pc->taken) == before && READ_ONCE(pc->done) < n) {
			for (int i = 0; i < PC_CONSUMERS * PC_TAKES; i++)
				sema_post(&pc->s);
			rescued = 1;
			break;
		}
	}
	bt_join_n(pc->t, n);
	KUNIT_EXPECT_EQ(test, rescued, 0);
	KUNIT_EXPECT_EQ(test, pc->posted, PC_PRODUCERS * PC_POSTS);
	KUNIT_EXPECT_EQ(test, pc->taken, PC_CONSUMERS * PC_TAKES);
	for (int i = PC_PRODUCERS; i < n; i++)
		KUNIT_EXPECT_EQ(test, pc->arg[i].taken, PC_TAKES);
	KUNIT_EXPECT_EQ(test, pc->errors, 0);
	if (!rescued) {
		/* Every post was taken exactly once: nothing left, nobody waiting. */
		KUNIT_EXPECT_EQ(test, sema_value(&pc->s), 0);
		KUNIT_EXPECT_EQ(test, sema_trywait(&pc->s), 0);
	}
	KUNIT_EXPECT_EQ(test, pc->s.sema_waiters, 0);
	sema_destroy(&pc->s);
}

/* ---- a pool of K units shared by more threads -------------------------------------------- */

#define POOL_UNITS 2
#define POOL_THREADS 6
#define POOL_ROUNDS 1500

struct pool {
	struct sema s;
	int inside;		/* threads holding a unit now */
	int max_inside;
	int overruns;		/* times more than POOL_UNITS were held at once */
	int errors;		/* timedwait timeouts (a lost post) */
	int done;
	long long rounds;	/* units taken, all threads */
	struct bt_thread t[POOL_THREADS];
	struct pool_arg {
		struct pool *p;
		int id;
	} arg[POOL_THREADS];
};

/* Take a unit (each thread its own way, switching as it goes: wait, timedwait, trywait
 * then wait), hold it a moment, give it back. */
static void pool_main(void *arg)
{
	struct pool_arg *a = arg;
	struct pool *p = a->p;

	for (int i = 0; i < POOL_ROUNDS; i++) {
		int in;

		switch ((a->id + i) % 3) {
		case 0:
			sema_wait(&p->s);
			break;
		case 1:
			while (sema_timedwait(&p->s, 30 * hz) != 0)
				__atomic_fetch_add(&p->errors, 1, __ATOMIC_RELAXED);
			break;
		default:
			if (!sema_trywait(&p->s))
				sema_wait(&p->s);
			break;
		}
		in = __atomic_add_fetch(&p->inside, 1, __ATOMIC_RELAXED);
		if (in > POOL_UNITS)
			__atomic_fetch_add(&p->overruns, 1, __ATOMIC_RELAXED);
		for (int m = READ_ONCE(p->max_inside); in > m;
		     m = READ_ONCE(p->max_inside))
			if (__atomic_compare_exchange_n(&p->max_inside, &m, in, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		if (i % 7 == 0)
			cpu_relax();
		__atomic_fetch_add(&p->rounds, 1, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&p->inside, 1, __ATOMIC_RELAXED);
		sema_post(&p->s);
		if ((i & 15) == 0)
			cond_resched();
	}
	__atomic_fetch_add(&p->done, 1, __ATOMIC_RELEASE);
}

/* Multi-threaded stress: a semaphore of POOL_UNITS units used as a resource pool by more
 * threads than units, every wait form mixed. Never more than POOL_UNITS holders at once,
 * no unit lost or made up (the value ends where it began), nobody left queued. */
static void sema_pool_stress_never_exceeds_units(struct kunit *test)
{
	struct pool *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	int rescued = 0;

	KUNIT_ASSERT_NOT_NULL(test, p);
	sema_init(&p->s, POOL_UNITS, "sema_pool");
	for (int i = 0; i < POOL_THREADS; i++) {
		p->arg[i].p = p;
		p->arg[i].id = i;
		bt_start(test, &p->t[i], pool_main, &p->arg[i], "bsd-sempool");
	}
	/* Liveness by progress (a lost post would stop every thread): fail after 60 s
	 * without a round, then rescue with posts so the case ends. */
	while (READ_ONCE(p->done) < POOL_THREADS) {
		long long before = READ_ONCE(p->rounds);

		BT_WAIT_UNTIL(test, READ_ONCE(p->rounds) != before ||
				    READ_ONCE(p->done) >= POOL_THREADS);
		if (READ_ONCE(p->rounds) == before && READ_ONCE(p->done) < POOL_THREADS) {
			rescued = 1;
			BT_RESCUE(READ_ONCE(p->done) >= POOL_THREADS, sema_post(&p->s));
			break;
		}
	}
	bt_join_n(p->t, POOL_THREADS);
	KUNIT_EXPECT_EQ(test, rescued, 0);
	KUNIT_EXPECT_EQ(test, p->rounds, (long long)POOL_THREADS * POOL_ROUNDS);
	KUNIT_EXPECT_EQ(test, p->overruns, 0);
	KUNIT_EXPECT_LE(test, p->max_inside, POOL_UNITS);
	KUNIT_EXPECT_EQ(test, p->errors, 0);
	if (!rescued)
		KUNIT_EXPECT_EQ(test, sema_value(&p->s), POOL_UNITS);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p->s.sema_waiters), 0);
	BT_EXPECT_NO_REPORT(test, sema_destroy(&p->s));
}

/* ---- timed waits racing posts --------------------------------------------------------------- */

#define RACE_ROUNDS 300

struct tw_race {
	struct sema s;
	int round;		/* the round the poster may start (set by the waiter) */
	int posted;		/* rounds the poster finished */
	int got;		/* timedwaits that returned 0 */
	int timeouts;		/* timedwaits that returned EWOULDBLOCK */
	int odd;		/* timedwaits that returned anything else */
	int stop;
};

static void tw_poster(void *arg)
{
	struct tw_race *r = arg;

	for (int i = 1; i <= RACE_ROUNDS; i++) {
		while (READ_ONCE(r->round) < i && !READ_ONCE(r->stop))
			cond_resched();
		if (READ_ONCE(r->stop))
			break;
		/* Vary where in the waiter's one-tick wait the post lands. */
		if (i % 3 == 1)
			udelay(i % 4000);
		sema_post(&r->s);
		smp_store_release(&r->posted, i);
	}
}

/* A one-tick sema_timedwait against a post made at about the same time, many times: a
 * post that lands as the wait times out is either taken by that wait (0) or left in the
 * value (EWOULDBLOCK), never lost and never taken twice; nobody is left queued. */
static void sema_timedwait_racing_post_loses_no_unit(struct kunit *test)
{
	struct tw_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, r);
	sema_init(&r->s, 0, "sema_tw_race");
	bt_start(test, &t, tw_poster, r, "bsd-semposter");
	for (int i = 1; i <= RACE_ROUNDS; i++) {
		int error;

		smp_store_release(&r->round, i);
		error = sema_timedwait(&r->s, 1);
		if (error == 0)
			r->got++;
		else if (error == EWOULDBLOCK)
			r->timeouts++;
		else
			r->odd++;
		/* This round's post is done before the next round starts. */
		BT_WAIT_UNTIL(test, smp_load_acquire(&r->posted) >= i);
		if (smp_load_acquire(&r->posted) < i)
			break;
	}
	WRITE_ONCE(r->stop, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, r->odd, 0);
	KUNIT_EXPECT_EQ(test, r->got + r->timeouts, RACE_ROUNDS);
	/* Units posted = units taken by the waits + units left. */
	KUNIT_EXPECT_EQ(test, r->got + sema_value(&r->s), RACE_ROUNDS);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->s.sema_waiters), 0);
	BT_EXPECT_NO_REPORT(test, sema_destroy(&r->s));
}

/* A post made while a thread waits hands its unit to that thread: a sema_trywait right
 * after the post finds nothing (the value never showed the unit), and the waiter returns
 * with it. One unit, taken once. */
static void sema_post_hands_unit_to_queued_waiter(struct kunit *test)
{
	struct sem_waiters *w = start_sem_waiters(test, SW_WAIT, 1, 0);

	sema_post(&w->s);
	KUNIT_EXPECT_EQ(test, sema_trywait(&w->s), 0);
	KUNIT_EXPECT_EQ(test, sema_value(&w->s), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(w->done) >= 1);
	KUNIT_EXPECT_EQ(test, sema_value(&w->s), 0);
	/* With nobody queued any more, a post raises the value again. */
	sema_post(&w->s);
	KUNIT_EXPECT_EQ(test, sema_value(&w->s), 1);
	KUNIT_EXPECT_NE(test, sema_trywait(&w->s), 0);
	finish_sem_waiters(test, w, 1);
}

/* ---- both sema_inits in one file --------------------------------------------------------- */

static void linux_and_bsd_sema_init_in_one_file(struct kunit *test)
{
	struct semaphore ls;
	struct sema bs;

	/* Two arguments: Linux's sema_init(sem, val). */
	sema_init(&ls, 1);
	KUNIT_EXPECT_EQ(test, down_trylock(&ls), 0);
	KUNIT_EXPECT_NE(test, down_trylock(&ls), 0);
	up(&ls);

	/* Three arguments: FreeBSD's sema_init(sema, value, description). */
	sema_init(&bs, 2, "bsd_sema");
	KUNIT_EXPECT_EQ(test, sema_value(&bs), 2);
	sema_destroy(&bs);
}

static struct kunit_case sema_cases[] = {
	KUNIT_CASE(sema_init_sets_initial_value),
	KUNIT_CASE(sema_value_tracks_posts_and_waits),
	KUNIT_CASE(sema_trywait_fails_at_zero),
	KUNIT_CASE(sema_wait_blocks_until_post),
	KUNIT_CASE(sema_post_wakes_one_waiter_per_post),
	KUNIT_CASE(sema_timedwait_returns_ewouldblock_never_early),
	KUNIT_CASE(sema_timedwait_returns_zero_when_posted),
	KUNIT_CASE(sema_timedwait_ignores_signals),
	KUNIT_CASE(sema_wait_ignores_signals),
	KUNIT_CASE(sema_producer_consumer_counts_exact),
	KUNIT_CASE(sema_pool_stress_never_exceeds_units),
	KUNIT_CASE(sema_timedwait_racing_post_loses_no_unit),
	KUNIT_CASE(sema_post_hands_unit_to_queued_waiter),
	KUNIT_CASE(linux_and_bsd_sema_init_in_one_file),
	{}
};

static struct kunit_suite sema_suite = {
	.name = "freebsd_sema",
	.test_cases = sema_cases,
};

/* ==== misuse ============================================================================ */

static void sema_destroy_with_waiters_reported_destroy_waiters(struct kunit *test)
{
	struct sem_waiters *w = start_sem_waiters(test, SW_WAIT, 1, 0);

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_WAITERS, sema_destroy(&w->s));
	/* Refused: the semaphore still works and its waiter gets the next post. */
	BT_EXPECT_NO_REPORT(test, sema_post(&w->s));
	BT_WAIT_UNTIL(test, READ_ONCE(w->done) >= 1);
	KUNIT_EXPECT_EQ(test, sema_value(&w->s), 0);
	finish_sem_waiters(test, w, 1);
}

/* Two waiters: refused with one report; both stay queued and each later post ends one
 * wait; once nobody waits, the destroy goes through. */
static void sema_destroy_with_two_waiters_refused_then_allowed(struct kunit *test)
{
	struct sem_waiters *w = start_sem_waiters(test, SW_TIMEDWAIT, 2, 0);

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_WAITERS, sema_destroy(&w->s));
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->s.sema_waiters), 2);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->done), 0);
	sema_post(&w->s);
	BT_WAIT_UNTIL(test, READ_ONCE(w->done) >= 1);
	/* One still queued: still refused. */
	sm_wait_until_waiting(test, &w->s, 1);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_WAITERS, sema_destroy(&w->s));
	sema_post(&w->s);
	BT_WAIT_UNTIL(test, READ_ONCE(w->done) >= 2);
	finish_sem_waiters(test, w, 2);	/* destroys, expecting no report */
}

/* Every operation on a destroyed semaphore is reported once and does nothing. */
static void sema_use_after_destroy_reported_destroyed(struct kunit *test)
{
	struct sema s;

	sema_init(&s, 1, "sema_destroyed");
	sema_destroy(&s);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, sema_post(&s));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, KUNIT_EXPECT_EQ(test, sema_trywait(&s), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 KUNIT_EXPECT_NE(test, sema_timedwait(&s, 1), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, BT_EXPECT_NO_SLEEP(test, sema_wait(&s)));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, KUNIT_EXPECT_EQ(test, sema_value(&s), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, sema_destroy(&s));
}

/* A zeroed semaphore never passed to sema_init is reported, not used as a value of 0. */
static void sema_uninitialised_reported_uninitialized(struct kunit *test)
{
	struct sema s;

	memset(&s, 0, sizeof(s));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED, sema_post(&s));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED,
			 BT_EXPECT_NO_SLEEP(test, sema_wait(&s)));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED,
			 KUNIT_EXPECT_EQ(test, sema_trywait(&s), 0));
	KUNIT_EXPECT_EQ(test, s.sema_word, 0UL);
}

static void sema_init_with_negative_value_reported_bad_argument(struct kunit *test)
{
	struct sema s;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, sema_init(&s, -3, "negative"));
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	KUNIT_EXPECT_EQ(test, sema_trywait(&s), 0);
	sema_post(&s);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 1);
	BT_EXPECT_NO_REPORT(test, sema_destroy(&s));
}

static void sema_timedwait_holding_spin_mutex_reported_sleep_atomic(struct kunit *test)
{
	struct mtx sp;
	struct sema s;
	struct bt_probe p;
	int error, owned;

	sema_init(&s, 0, "sema_atomic");
	mtx_init(&sp, "held_spin", NULL, MTX_SPIN);
	mtx_lock_spin(&sp);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = sema_timedwait(&s, 1);
	bt_probe_end(&p);
	owned = mtx_owned(&sp);
	mtx_unlock_spin(&sp);
	bt_expect_one_report_no_sleep(test, &p, "sema_timedwait holding a spin mutex");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_EQ(test, s.sema_waiters, 0);
	/* The semaphore goes on. */
	sema_post(&s);
	KUNIT_EXPECT_EQ(test, sema_timedwait(&s, 1), 0);
	BT_EXPECT_NO_REPORT(test, sema_destroy(&s));
	mtx_destroy(&sp);
}

/* sema_wait cannot return an error: refused once (one report), it returns without the unit
 * instead of retrying the refused sleep forever while holding the semaphore's mutex. */
static void sema_wait_holding_spin_mutex_reported_once_and_returns(struct kunit *test)
{
	struct mtx sp;
	struct sema s;
	struct bt_probe p;

	sema_init(&s, 0, "sema_wait_atomic");
	mtx_init(&sp, "held_spin", NULL, MTX_SPIN);
	mtx_lock_spin(&sp);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	sema_wait(&s);
	bt_probe_end(&p);
	mtx_unlock_spin(&sp);
	bt_expect_one_report_no_sleep(test, &p, "sema_wait holding a spin mutex");
	KUNIT_EXPECT_EQ(test, s.sema_waiters, 0);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	sema_post(&s);
	BT_EXPECT_NO_REPORT(test, sema_wait(&s));
	BT_EXPECT_NO_REPORT(test, sema_destroy(&s));
	mtx_destroy(&sp);
}

static struct kunit_case sema_misuse_cases[] = {
	KUNIT_CASE(sema_wait_holding_spin_mutex_reported_once_and_returns),
	KUNIT_CASE(sema_destroy_with_waiters_reported_destroy_waiters),
	KUNIT_CASE(sema_destroy_with_two_waiters_refused_then_allowed),
	KUNIT_CASE(sema_use_after_destroy_reported_destroyed),
	KUNIT_CASE(sema_uninitialised_reported_uninitialized),
	KUNIT_CASE(sema_init_with_negative_value_reported_bad_argument),
	KUNIT_CASE(sema_timedwait_holding_spin_mutex_reported_sleep_atomic),
	{}
};

static struct kunit_suite sema_misuse_suite = {
	.name = "freebsd_sema_misuse",
	.test_cases = sema_misuse_cases,
};

kunit_test_suites(&sema_suite, &sema_misuse_suite);
