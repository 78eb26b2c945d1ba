// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * rmlock(9) read-mostly locks (rm_*, with and without RM_SLEEPABLE) and the sleepable
 * read-mostly rms_* locks, as a ported FreeBSD driver uses them. One case per documented
 * behaviour (bsd-api-reference.md sections 7 and 16); misuse cases check the report and
 * that the kernel and the lock go on.
 *
 * How the cases know a thread is blocked without racing it: a blocked writer is visible in
 * the lock state (it owns the writer word, DRAINING, while readers remain); a blocked reader
 * is only ever observed through what it may not do yet (it has not entered). No case
 * asserts on timing.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
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
#include <sys/rmlock.h>
#include <sys/proc.h>
#include <sys/kernel.h>

#define RT_MAX_CPUS 8

/* Bound the calling kthread to the i-th online CPU. */
static void rt_bind_nth(int i)
{
	set_cpus_allowed_ptr(current, cpumask_of(cpumask_nth(i % num_online_cpus(),
							     cpu_online_mask)));
}

static int rt_ncpus(void)
{
	return min_t(int, num_online_cpus(), RT_MAX_CPUS);
}

/* A writer that is blocked in rm_wlock/rms_wlock owns the writer word, DRAINING. */
static bool rt_writer_draining(const struct bsdsync_rm_state *st)
{
	unsigned long w = READ_ONCE(st->rm_lock);

	return w != BSDSYNC_RM_DESTROYED && (w & BSDSYNC_RM_DRAINING);
}

/* ---- readers on every CPU at once --------------------------------------------------------- */

struct every_cpu {
	struct rmlock rm;
	struct rmslock rms;
	bool use_rms;
	atomic_t inside;	/* readers inside the read section now */
	int max_inside;		/* the most seen at once by any reader */
	int central_seen;	/* rm_readers seen by the last reader in (per-CPU counting: 0) */
	int release;
	int ncpus;
};

struct every_cpu_arg {
	struct every_cpu *e;
	int idx;
};

static void every_cpu_reader(void *arg)
{
	struct every_cpu_arg *a = arg;
	struct every_cpu *e = a->e;
	struct rm_priotracker tr;
	unsigned long deadline = jiffies + 30 * HZ;
	int n;

	rt_bind_nth(a->idx);
	if (e->use_rms)
		rms_rlock(&e->rms);
	else
		rm_rlock(&e->rm, &tr);
	n = atomic_inc_return(&e->inside);
	/* Stay inside until every reader is in (bounded), then until told to leave. */
	while (atomic_read(&e->inside) < e->ncpus && time_before(jiffies, deadline))
		usleep_range(200, 500);
	n = atomic_read(&e->inside);
	if (n > READ_ONCE(e->max_inside))
		WRITE_ONCE(e->max_inside, n);
	if (!e->use_rms && n == e->ncpus)
		WRITE_ONCE(e->central_seen, (int)READ_ONCE(e->rm.rm_state.rm_readers));
	while (!READ_ONCE(e->release) && time_before(jiffies, deadline))
		usleep_range(200, 500);
	atomic_dec(&e->inside);
	if (e->use_rms)
		rms_runlock(&e->rms);
	else
		rm_runlock(&e->rm, &tr);
}

/* Take and drop a read hold once on every CPU, so every CPU has its read token. */
static void warm_reader(void *arg)
{
	struct every_cpu_arg *a = arg;
	struct rm_priotracker tr;

	rt_bind_nth(a->idx);
	if (a->e->use_rms) {
		rms_rlock(&a->e->rms);
		rms_runlock(&a->e->rms);
	} else {
		rm_rlock(&a->e->rm, &tr);
		rm_runlock(&a->e->rm, &tr);
	}
}

static void run_every_cpu(struct kunit *test, bool use_rms)
{
	struct every_cpu *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	struct every_cpu_arg *args = kunit_kcalloc(test, RT_MAX_CPUS, sizeof(*args), GFP_KERNEL);
	struct bt_thread *t = kunit_kcalloc(test, RT_MAX_CPUS, sizeof(*t), GFP_KERNEL);
	int n = rt_ncpus();

	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_ASSERT_NOT_NULL(test, args);
	KUNIT_ASSERT_NOT_NULL(test, t);
	e->use_rms = use_rms;
	e->ncpus = n;
	if (use_rms)
		rms_init(&e->rms, "rms every cpu");
	else
		rm_init(&e->rm, "rm every cpu");
	for (int i = 0; i < n; i++)
		args[i] = (struct every_cpu_arg){ e, i };
	bt_start_n(test, t, n, warm_reader, args, sizeof(args[0]), "rm_warm");
	bt_join_n(t, n);
	bt_start_n(test, t, n, every_cpu_reader, args, sizeof(args[0]), "rm_reader");
	BT_WAIT_UNTIL(test, READ_ONCE(e->max_inside) == n);
	WRITE_ONCE(e->release, 1);
	bt_join_n(t, n);
	KUNIT_EXPECT_EQ(test, READ_ONCE(e->max_inside), n);
	if (!use_rms) {
		/* With their tokens, readers count on their own CPU only. */
		KUNIT_EXPECT_EQ(test, e->central_seen, 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(e->rm.rm_state.rm_readers), 0L);
		rm_destroy(&e->rm);
	} else {
		rms_destroy(&e->rms);
	}
}

static void rm_readers_on_every_cpu_hold_it_at_once(struct kunit *test)
{
	run_every_cpu(test, false);
}

static void rms_readers_on_every_cpu_hold_it_at_once(struct kunit *test)
{
	run_every_cpu(test, true);
}

/* ---- a writer excludes readers on every CPU (stress, held flag) ------------------------ */

#define STRESS_WRITES 150

struct stress {
	struct rmlock rm;
	struct rmslock rms;
	bool use_rms;
	bool reader_sleeps;	/* rms: readers sleep inside now and then */
	atomic_t readers_inside;
	int writer_inside;
	int violations;		/* a reader saw the writer inside, or the writer saw readers */
	int stop;
	unsigned long reads[RT_MAX_CPUS];
	unsigned long writes;
	unsigned long data[4];	/* written by the writer only, all equal when it leaves */
	int torn;
	bool recurse;		/* rm with RM_RECURSE: readers take a second hold now and then */
	int writers;		/* writer threads (0: one) */
	int burst;		/* writes back to back before a pause (0: pause after each) */
	atomic_t writers_left;
};

struct stress_arg {
	struct stress *s;
	int idx;
};

static void stress_reader(void *arg)
{
	struct stress_arg *a = arg;
	struct stress *s = a->s;
	struct rm_priotracker tr;
	unsigned long i = 0;

	rt_bind_nth(a->idx);
	while (!READ_ONCE(s->stop)) {
		if (s->use_rms)
			rms_rlock(&s->rms);
		else
			rm_rlock(&s->rm, &tr);
		atomic_inc(&s->readers_inside);
		if (READ_ONCE(s->writer_inside))
			WRITE_ONCE(s->violations, s->violations + 1);
		if (READ_ONCE(s->data[0]) != READ_ONCE(s->data[3]))
			WRITE_ONCE(s->torn, s->torn + 1);
		if (s->recurse && (i & 7) == 0) {
			struct rm_priotracker tr2;

			/* Past a writer that may be draining for our outer hold. */
			rm_rlock(&s->rm, &tr2);
			if (READ_ONCE(s->writer_inside))
				WRITE_ONCE(s->violations, s->violations + 1);
			rm_runlock(&s->rm, &tr2);
		}
		if (s->reader_sleeps && (i & 15) == 0)
			usleep_range(50, 100);
		else
			for (int j = 0; j < 64; j++)
				cpu_relax();	/* stay a while: a writer that got in would see us */
		atomic_dec(&s->readers_inside);
		if (s->use_rms)
			rms_runlock(&s->rms);
		else
			rm_runlock(&s->rm, &tr);
		s->reads[a->idx]++;
		if ((++i & 63) == 0)
			cond_resched();
	}
}

static void stress_writer(void *arg)
{
	struct stress *s = arg;
	int writes = STRESS_WRITES / (s->writers ? s->writers : 1);

	for (int i = 0; i < writes; i++) {
		if (s->use_rms)
			rms_wlock(&s->rms);
		else
			rm_wlock(&s->rm);
		if (READ_ONCE(s->writer_inside))
			s->violations++;	/* another writer is inside */
		WRITE_ONCE(s->writer_inside, 1);
		if (atomic_read(&s->readers_inside))
			s->violations++;
		for (int j = 0; j < 4; j++)
			WRITE_ONCE(s->data[j], s->data[j] + 1);
		if (atomic_read(&s->readers_inside))
			s->violations++;
		WRITE_ONCE(s->writer_inside, 0);
		s->writes++;
		if (s->use_rms)
			rms_wunlock(&s->rms);
		else
			rm_wunlock(&s->rm);
		if (!s->burst)
			usleep_range(100, 300);	/* readers count centrally after a writer */
		else if ((i + 1) % s->burst == 0)
			msleep(5 * 1000 / HZ + 5);	/* calm: CPUs get their read tokens back */
	}
	if (atomic_dec_and_test(&s->writers_left))
		WRITE_ONCE(s->stop, 1);
}

static void run_stress_mode(struct kunit *test, bool use_rms, int rm_opts, int writers,
			    int burst)
{
	struct stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct stress_arg *args = kunit_kcalloc(test, RT_MAX_CPUS, sizeof(*args), GFP_KERNEL);
	struct bt_thread *readers = kunit_kcalloc(test, RT_MAX_CPUS, sizeof(*readers), GFP_KERNEL);
	struct bt_thread writer[2];
	int n = rt_ncpus();

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, args);
	KUNIT_ASSERT_NOT_NULL(test, readers);
	KUNIT_ASSERT_TRUE(test, writers >= 1 && writers <= 2);
	s->use_rms = use_rms;
	s->reader_sleeps = use_rms;
	s->writers = writers;
	s->recurse = !use_rms && (rm_opts & RM_RECURSE);
	s->burst = burst;
	atomic_set(&s->writers_left, writers);
	if (use_rms)
		rms_init(&s->rms, "rms stress");
	else
		rm_init_flags(&s->rm, "rm stress", rm_opts);
	for (int i = 0; i < n; i++)
		args[i] = (struct stress_arg){ s, i };
	bt_start_n(test, readers, n, stress_reader, args, sizeof(args[0]), "rm_sreader");
	for (int i = 0; i < writers; i++)
		bt_start(test, &writer[i], stress_writer, s, "rm_swriter");
	for (int i = 0; i < writers; i++)
		bt_join(&writer[i]);
	bt_join_n(readers, n);
	KUNIT_EXPECT_EQ(test, s->violations, 0);
	KUNIT_EXPECT_EQ(test, s->torn, 0);
	KUNIT_EXPECT_EQ(test, s->writes, (unsigned long)(STRESS_WRITES / writers * writers));
	KUNIT_EXPECT_EQ(test, s->data[0], (unsigned long)(STRESS_WRITES / writers * writers));
	for (int i = 0; i < n; i++)
		KUNIT_EXPECT_GT(test, s->reads[i], 0UL);
	if (use_rms) {
		rms_destroy(&s->rms);
	} else {
		rm_assert(&s->rm, RA_UNLOCKED);
		rm_destroy(&s->rm);
	}
}

static void run_stress(struct kunit *test, bool use_rms, int rm_opts)
{
	run_stress_mode(test, use_rms, rm_opts, 1, 0);
}

/*
 * Two writers in bursts of back-to-back writes, with pauses longer than the calm interval
 * in between: readers on every CPU go from their per-CPU tokens to the central count at
 * each burst's first write (tokens revoked, grace period) and back to tokens in the pause;
 * writers within a burst find no token to revoke. Exclusion and the data must hold
 * throughout.
 */
static void rm_writer_bursts_and_calm_intervals_exclude_readers_under_stress(struct kunit *test)
{
	run_stress_mode(test, false, RM_RECURSE, 2, 10);
}

static void rm_sleepable_writer_bursts_exclude_readers_under_stress(struct kunit *test)
{
	run_stress_mode(test, false, RM_SLEEPABLE, 2, 10);
}

static void rms_writer_bursts_exclude_sleeping_readers_under_stress(struct kunit *test)
{
	run_stress_mode(test, true, 0, 2, 10);
}

static void rm_wlock_excludes_readers_on_every_cpu_under_stress(struct kunit *test)
{
	run_stress(test, false, 0);
}

static void rm_sleepable_wlock_excludes_readers_on_every_cpu_under_stress(struct kunit *test)
{
	run_stress(test, false, RM_SLEEPABLE);
}

static void rms_wlock_excludes_sleeping_readers_under_stress(struct kunit *test)
{
	run_stress(test, true, 0);
}

/* Writers against writers: the write lock is a mutual exclusion among them too. */
struct writers {
	struct rmlock rm;
	unsigned long counter;
	int inside;
	int violations;
};

static void writers_worker(void *arg)
{
	struct writers *w = arg;

	for (int i = 0; i < 200; i++) {
		rm_wlock(&w->rm);
		if (READ_ONCE(w->inside))
			w->violations++;
		WRITE_ONCE(w->inside, 1);
		w->counter++;
		WRITE_ONCE(w->inside, 0);
		rm_wunlock(&w->rm);
	}
}

static void rm_wlock_excludes_other_writers(struct kunit *test)
{
	struct writers *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t[3];

	KUNIT_ASSERT_NOT_NULL(test, w);
	rm_init(&w->rm, "rm writers");
	for (int i = 0; i < 3; i++)
		bt_start(test, &t[i], writers_worker, w, "rm_writer");
	bt_join_n(t, 3);
	KUNIT_EXPECT_EQ(test, w->counter, 600UL);
	KUNIT_EXPECT_EQ(test, w->violations, 0);
	rm_destroy(&w->rm);
}

/* ---- the writer waits for every reader ------------------------------------------------- */

struct drain {
	struct rmlock rm;
	atomic_t inside;
	int release_upto;	/* readers with idx < release_upto leave */
	int writer_in;
	int inside_when_writer_got_in;
	int ncpus;
};

struct drain_arg {
	struct drain *d;
	int idx;
};

static void drain_reader(void *arg)
{
	struct drain_arg *a = arg;
	struct drain *d = a->d;
	struct rm_priotracker tr;
	unsigned long deadline = jiffies + 60 * HZ;

	rt_bind_nth(a->idx);
	rm_rlock(&d->rm, &tr);
	atomic_inc(&d->inside);
	while (READ_ONCE(d->release_upto) <= a->idx && time_before(jiffies, deadline))
		usleep_range(200, 500);
	atomic_dec(&d->inside);
	rm_runlock(&d->rm, &tr);
}

static void drain_writer(void *arg)
{
	struct drain *d = arg;

	rm_wlock(&d->rm);
	WRITE_ONCE(d->inside_when_writer_got_in, atomic_read(&d->inside));
	WRITE_ONCE(d->writer_in, 1);
	rm_wunlock(&d->rm);
}

static void rm_wlock_waits_until_every_reader_has_left(struct kunit *test)
{
	struct drain *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	struct drain_arg *args = kunit_kcalloc(test, RT_MAX_CPUS, sizeof(*args), GFP_KERNEL);
	struct bt_thread *readers = kunit_kcalloc(test, RT_MAX_CPUS, sizeof(*readers), GFP_KERNEL);
	struct bt_thread writer;
	int n = rt_ncpus();

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_NOT_NULL(test, args);
	KUNIT_ASSERT_NOT_NULL(test, readers);
	rm_init(&d->rm, "rm drain");
	for (int i = 0; i < n; i++)
		args[i] = (struct drain_arg){ d, i };
	bt_start_n(test, readers, n, drain_reader, args, sizeof(args[0]), "rm_dreader");
	BT_WAIT_UNTIL(test, atomic_read(&d->inside) == n);
	bt_start(test, &writer, drain_writer, d, "rm_dwriter");
	BT_WAIT_UNTIL(test, rt_writer_draining(&d->rm.rm_state));
	/* Release the readers one at a time: the writer stays out while any remains. */
	for (int i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, READ_ONCE(d->writer_in), 0);
		WRITE_ONCE(d->release_upto, i + 1);
		BT_WAIT_UNTIL(test, atomic_read(&d->inside) == n - i - 1);
	}
	BT_WAIT_UNTIL(test, READ_ONCE(d->writer_in));
	bt_join(&writer);
	bt_join_n(readers, n);
	KUNIT_EXPECT_EQ(test, d->inside_when_writer_got_in, 0);
	rm_destroy(&d->rm);
}

/* New readers wait while a writer holds it, and all get in once it leaves. */
struct blocked {
	struct rmlock rm;
	atomic_t entered;
};

static void blocked_reader(void *arg)
{
	struct blocked *b = arg;
	struct rm_priotracker tr;

	rm_rlock(&b->rm, &tr);
	atomic_inc(&b->entered);
	rm_runlock(&b->rm, &tr);
}

static void rm_rlock_waits_for_the_writer_then_all_readers_get_in(struct kunit *test)
{
	struct blocked *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct bt_thread t[4];

	KUNIT_ASSERT_NOT_NULL(test, b);
	rm_init(&b->rm, "rm blocked readers");
	rm_wlock(&b->rm);
	for (int i = 0; i < 4; i++)
		bt_start(test, &t[i], blocked_reader, b, "rm_breader");
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->entered), 0);
	rm_wunlock(&b->rm);
	BT_WAIT_UNTIL(test, atomic_read(&b->entered) == 4);
	bt_join_n(t, 4);
	rm_destroy(&b->rm);
}

/* ---- after a writer: central readers, then tokens back; no hand-off on release ---------- */

/* Every read hold of the lock: the central count plus every CPU's. */
static long rt_holds(const struct bsdsync_rm_state *st)
{
	long n = READ_ONCE(st->rm_readers);
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(st->rm_pcpu, cpu)->readers);
	return n;
}

static bool rt_any_token(const struct bsdsync_rm_state *st)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (READ_ONCE(per_cpu_ptr(st->rm_pcpu, cpu)->token))
			return true;
	return false;
}

/* Take a read hold and say whether it was counted on a CPU (the token path). */
static bool rt_read_counted_per_cpu(struct rmlock *rm)
{
	struct rm_priotracker tr;
	long central;

	rm_rlock(rm, &tr);
	central = READ_ONCE(rm->rm_state.rm_readers);
	rm_runlock(rm, &tr);
	return central == 0;
}

/*
 * After a write, readers count somewhere (centrally until the lock has been calm for a
 * while) and every hold is counted exactly once; once writers stop, CPUs get their read
 * tokens back; the next writer takes every token back before it owns the lock.
 */
static void rm_read_tokens_come_back_after_writers_stop(struct kunit *test)
{
	struct rmlock *rm = kunit_kzalloc(test, sizeof(*rm), GFP_KERNEL);
	struct rm_priotracker tr;

	KUNIT_ASSERT_NOT_NULL(test, rm);
	rm_init(rm, "rm tokens back");
	for (int i = 0; i < 3; i++) {
		rm_wlock(rm);
		rm_wunlock(rm);
	}
	rm_rlock(rm, &tr);
	KUNIT_EXPECT_EQ(test, rt_holds(&rm->rm_state), 1L);
	rm_runlock(rm, &tr);
	KUNIT_EXPECT_EQ(test, rt_holds(&rm->rm_state), 0L);
	BT_WAIT_UNTIL(test, rt_read_counted_per_cpu(rm));
	KUNIT_EXPECT_TRUE(test, rt_any_token(&rm->rm_state));
	rm_rlock(rm, &tr);
	KUNIT_EXPECT_EQ(test, rt_holds(&rm->rm_state), 1L);
	rm_runlock(rm, &tr);
	rm_wlock(rm);
	KUNIT_EXPECT_FALSE(test, rt_any_token(&rm->rm_state));
	KUNIT_EXPECT_EQ(test, rt_holds(&rm->rm_state), 0L);
	rm_wunlock(rm);
	BT_EXPECT_NO_REPORT(test, rm_destroy(rm));
}

struct queued {
	struct rmlock rm;
	atomic_t readers_in;
	atomic_t writers_in;
	int writer_inside;
	int violations;
};

static void queued_writer(void *arg)
{
	struct queued *q = arg;

	rm_wlock(&q->rm);
	if (READ_ONCE(q->writer_inside))
		WRITE_ONCE(q->violations, q->violations + 1);
	WRITE_ONCE(q->writer_inside, 1);
	usleep_range(100, 200);
	WRITE_ONCE(q->writer_inside, 0);
	atomic_inc(&q->writers_in);
	rm_wunlock(&q->rm);
}

static void queued_reader(void *arg)
{
	struct queued *q = arg;
	struct rm_priotracker tr;

	rm_rlock(&q->rm, &tr);
	if (READ_ONCE(q->writer_inside))
		WRITE_ONCE(q->violations, q->violations + 1);
	atomic_inc(&q->readers_in);
	rm_runlock(&q->rm, &tr);
}

/*
 * Writers and readers queued behind a writer: its release leaves the lock free and wakes
 * them (no hand-off); every one of them gets in, one writer at a time and no reader with
 * a writer inside, and the word ends free with no waiter bit left.
 */
static void rm_release_with_queued_writers_and_readers_lets_all_in(struct kunit *test)
{
	struct queued *q = kunit_kzalloc(test, sizeof(*q), GFP_KERNEL);
	struct bt_thread t[5];

	KUNIT_ASSERT_NOT_NULL(test, q);
	rm_init(&q->rm, "rm queued");
	rm_wlock(&q->rm);
	bt_start(test, &t[0], queued_writer, q, "rm_qwriter");
	bt_start(test, &t[1], queued_writer, q, "rm_qwriter");
	for (int i = 2; i < 5; i++)
		bt_start(test, &t[i], queued_reader, q, "rm_qreader");
	/* They spin while we run, then queue (we sleep here): the waiter bit appears. */
	BT_WAIT_UNTIL(test, READ_ONCE(q->rm.rm_state.rm_lock) & BSDSYNC_RM_WAITERS);
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&q->readers_in), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&q->writers_in), 0);
	rm_wunlock(&q->rm);
	BT_WAIT_UNTIL(test, atomic_read(&q->readers_in) == 3 && atomic_read(&q->writers_in) == 2);
	bt_join_n(t, 5);
	KUNIT_EXPECT_EQ(test, q->violations, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(q->rm.rm_state.rm_lock), 0UL);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&q->rm));
}

/* A reader may leave on another CPU than the one it entered on. */
static void rm_runlock_on_another_cpu_than_rlock(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;
	int cpu0 = cpumask_nth(0, cpu_online_mask), cpu1 = cpumask_nth(1, cpu_online_mask);

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	rm_init(&rm, "rm migrate");
	/* Give both CPUs their read token. */
	set_cpus_allowed_ptr(current, cpumask_of(cpu1));
	rm_rlock(&rm, &tr);
	rm_runlock(&rm, &tr);
	set_cpus_allowed_ptr(current, cpumask_of(cpu0));
	rm_rlock(&rm, &tr);
	set_cpus_allowed_ptr(current, cpumask_of(cpu1));
	BT_EXPECT_NO_REPORT(test, rm_runlock(&rm, &tr));
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	/* +1 on one CPU, -1 on the other: nothing is held, and a writer gets in. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_readers), 0L);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	rm_wlock(&rm);
	KUNIT_EXPECT_TRUE(test, rm_wowned(&rm));
	rm_wunlock(&rm);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&rm));
}

/* ---- try-lock ---------------------------------------------------------------------------- */

struct try_ctx {
	struct rmlock *rm;
	int result;
};

static void try_from_thread(void *arg)
{
	struct try_ctx *c = arg;
	struct rm_priotracker tr;

	c->result = rm_try_rlock(c->rm, &tr);
	if (c->result)
		rm_runlock(c->rm, &tr);
}

static int try_elsewhere(struct kunit *test, struct rmlock *rm)
{
	struct try_ctx c = { .rm = rm, .result = -1 };
	struct bt_thread t;

	bt_start(test, &t, try_from_thread, &c, "rm_try");
	bt_join(&t);
	return c.result;
}

static void rm_try_rlock_fails_while_a_writer_holds_it_and_succeeds_otherwise(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init(&rm, "rm try");
	KUNIT_EXPECT_EQ(test, try_elsewhere(test, &rm), 1);	/* free */
	rm_rlock(&rm, &tr);
	KUNIT_EXPECT_EQ(test, try_elsewhere(test, &rm), 1);	/* read-held */
	rm_runlock(&rm, &tr);
	rm_wlock(&rm);
	KUNIT_EXPECT_EQ(test, try_elsewhere(test, &rm), 0);	/* write-held */
	/* The writer's own try-read fails too, as in FreeBSD. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, rm_try_rlock(&rm, &tr), 0));
	rm_wunlock(&rm);
	KUNIT_EXPECT_EQ(test, try_elsewhere(test, &rm), 1);	/* released */
	KUNIT_EXPECT_EQ(test, rm_try_rlock(&rm, &tr), 1);
	rm_runlock(&rm, &tr);
	rm_destroy(&rm);
}

/* ---- recursion ----------------------------------------------------------------------------- */

static void rm_recurse_allows_read_recursion(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker t1, t2, t3;

	rm_init_flags(&rm, "rm recurse", RM_RECURSE);
	BT_EXPECT_NO_REPORT(test, {
		rm_rlock(&rm, &t1);
		rm_rlock(&rm, &t2);
		KUNIT_EXPECT_EQ(test, rm_try_rlock(&rm, &t3), 1);
		rm_assert(&rm, RA_RLOCKED | RA_RECURSED);
		rm_runlock(&rm, &t3);
		rm_runlock(&rm, &t2);
		rm_assert(&rm, RA_RLOCKED | RA_NOTRECURSED);
		rm_runlock(&rm, &t1);
		rm_assert(&rm, RA_UNLOCKED);
	});
	rm_destroy(&rm);
}

struct recurse_wait {
	struct rmlock rm;
	struct rm_priotracker outer;
	int recursed;		/* the nested rm_rlock returned */
	int writer_in;
	int try_other;		/* another thread's rm_try_rlock while the writer waits */
};

static void recurse_writer(void *arg)
{
	struct recurse_wait *r = arg;

	rm_wlock(&r->rm);
	WRITE_ONCE(r->writer_in, 1);
	rm_wunlock(&r->rm);
}

static void recurse_try_other(void *arg)
{
	struct recurse_wait *r = arg;
	struct rm_priotracker tr;

	r->try_other = rm_try_rlock(&r->rm, &tr);
	if (r->try_other)
		rm_runlock(&r->rm, &tr);
}

static void rm_recurse_read_recursion_passes_a_waiting_writer(struct kunit *test)
{
	struct recurse_wait *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct rm_priotracker inner;
	struct bt_thread w, other;

	KUNIT_ASSERT_NOT_NULL(test, r);
	rm_init_flags(&r->rm, "rm recurse writer", RM_RECURSE);
	rm_rlock(&r->rm, &r->outer);
	bt_start(test, &w, recurse_writer, r, "rm_rwriter");
	BT_WAIT_UNTIL(test, rt_writer_draining(&r->rm.rm_state));
	/* A new reader is refused while the writer waits... */
	bt_start(test, &other, recurse_try_other, r, "rm_rother");
	bt_join(&other);
	KUNIT_EXPECT_EQ(test, r->try_other, 0);
	/* ...but this thread, which already reads, recurses past it (FreeBSD allows it). */
	BT_EXPECT_NO_REPORT(test, rm_rlock(&r->rm, &inner));
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->writer_in), 0);
	rm_assert(&r->rm, RA_RLOCKED | RA_RECURSED);
	rm_runlock(&r->rm, &inner);
	/* With RM_RECURSE a try-read of a thread that already reads succeeds too. */
	KUNIT_EXPECT_EQ(test, rm_try_rlock(&r->rm, &inner), 1);
	rm_runlock(&r->rm, &inner);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->writer_in), 0);
	rm_runlock(&r->rm, &r->outer);
	BT_WAIT_UNTIL(test, READ_ONCE(r->writer_in));
	bt_join(&w);
	rm_destroy(&r->rm);
}

/* ---- rm_wowned, rm_assert ------------------------------------------------------------------ */

struct owned_ctx {
	struct rmlock *rm;
	int wowned;
};

static void owned_elsewhere(void *arg)
{
	struct owned_ctx *c = arg;

	c->wowned = rm_wowned(c->rm);
}

static void rm_wowned_is_true_only_for_the_writer(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;
	struct owned_ctx c = { .rm = &rm };
	struct bt_thread t;

	rm_init(&rm, "rm wowned");
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	rm_rlock(&rm, &tr);
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	rm_runlock(&rm, &tr);
	rm_wlock(&rm);
	KUNIT_EXPECT_TRUE(test, rm_wowned(&rm));
	bt_start(test, &t, owned_elsewhere, &c, "rm_owned");
	bt_join(&t);
	KUNIT_EXPECT_FALSE(test, c.wowned);
	rm_wunlock(&rm);
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	rm_destroy(&rm);
}

static void rm_assert_passes_for_every_flag_that_holds(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker t1, t2;

	rm_init_flags(&rm, "rm assert", RM_RECURSE);
	BT_EXPECT_NO_REPORT(test, {
		rm_assert(&rm, RA_UNLOCKED);
		rm_rlock(&rm, &t1);
		rm_assert(&rm, RA_LOCKED);
		rm_assert(&rm, RA_LOCKED | RA_NOTRECURSED);
		rm_assert(&rm, RA_RLOCKED);
		rm_assert(&rm, RA_RLOCKED | RA_NOTRECURSED);
		rm_rlock(&rm, &t2);
		rm_assert(&rm, RA_LOCKED | RA_RECURSED);
		rm_assert(&rm, RA_RLOCKED | RA_RECURSED);
		rm_runlock(&rm, &t2);
		rm_runlock(&rm, &t1);
		rm_wlock(&rm);
		rm_assert(&rm, RA_WLOCKED);
		rm_assert(&rm, RA_LOCKED);
		rm_assert(&rm, RA_LOCKED | RA_NOTRECURSED);
		rm_wunlock(&rm);
		rm_assert(&rm, RA_UNLOCKED);
	});
	rm_destroy(&rm);
}

static void rm_assert_reports_every_flag_that_fails(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker t1, t2;

	rm_init_flags(&rm, "rm assert fail", RM_RECURSE);
	/* Unlocked. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_LOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_RLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_WLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_LOCKED | RA_RECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION,
			 rm_assert(&rm, RA_RLOCKED | RA_NOTRECURSED));
	/* Read once. */
	rm_rlock(&rm, &t1);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_UNLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_WLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_RLOCKED | RA_RECURSED));
	/* Read twice. */
	rm_rlock(&rm, &t2);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION,
			 rm_assert(&rm, RA_LOCKED | RA_NOTRECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION,
			 rm_assert(&rm, RA_RLOCKED | RA_NOTRECURSED));
	rm_runlock(&rm, &t2);
	rm_runlock(&rm, &t1);
	/* Written. */
	rm_wlock(&rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_UNLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_RLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_LOCKED | RA_RECURSED));
	rm_wunlock(&rm);
	/* Not a flag combination rm_assert knows. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 rm_assert(&rm, RA_WLOCKED | RA_RECURSED));
	rm_destroy(&rm);
}

struct assert_other {
	struct rmlock *rm;
	int started, release;
};

static void read_until_told(void *arg)
{
	struct assert_other *a = arg;
	struct rm_priotracker tr;
	unsigned long deadline = jiffies + 60 * HZ;

	rm_rlock(a->rm, &tr);
	WRITE_ONCE(a->started, 1);
	while (!READ_ONCE(a->release) && time_before(jiffies, deadline))
		usleep_range(200, 500);
	rm_runlock(a->rm, &tr);
}

/* rm_assert speaks of the calling thread: another thread's read hold does not count. */
static void rm_assert_rlocked_fails_for_another_threads_read_hold(struct kunit *test)
{
	struct rmlock rm;
	struct assert_other a = { .rm = &rm };
	struct bt_thread t;

	rm_init(&rm, "rm assert other");
	bt_start(test, &t, read_until_told, &a, "rm_areader");
	BT_WAIT_UNTIL(test, READ_ONCE(a.started));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_RLOCKED));
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	WRITE_ONCE(a.release, 1);
	bt_join(&t);
	rm_destroy(&rm);
}

/* ---- rm_init_flags options ------------------------------------------------------------- */

static void rm_init_flags_options_set_the_lock_object_flags(struct kunit *test)
{
	struct rmlock rm;

	rm_init(&rm, "rm plain");
	KUNIT_EXPECT_TRUE(test, lock_initialized(&rm.lock_object));
	KUNIT_EXPECT_EQ(test, LOCK_CLASS_INDEX(&rm.lock_object), BSDSYNC_CLASS_RM);
	KUNIT_EXPECT_TRUE(test, rm.lock_object.lo_flags & LO_WITNESS);
	KUNIT_EXPECT_FALSE(test, rm.lock_object.lo_flags & (LO_RECURSABLE | LO_SLEEPABLE));
	KUNIT_EXPECT_STREQ(test, rm.lock_object.lo_name, "rm plain");
	rm_destroy(&rm);
	KUNIT_EXPECT_FALSE(test, lock_initialized(&rm.lock_object));

	rm_init_flags(&rm, "rm flags", RM_NOWITNESS | RM_RECURSE | RM_SLEEPABLE);
	KUNIT_EXPECT_EQ(test, LOCK_CLASS_INDEX(&rm.lock_object), BSDSYNC_CLASS_RM_SLEEPABLE);
	KUNIT_EXPECT_FALSE(test, rm.lock_object.lo_flags & LO_WITNESS);
	KUNIT_EXPECT_TRUE(test, rm.lock_object.lo_flags & LO_RECURSABLE);
	KUNIT_EXPECT_TRUE(test, rm.lock_object.lo_flags & LO_SLEEPABLE);
	rm_destroy(&rm);
}

static void rm_sizes_are_as_documented(struct kunit *test)
{
	/* README: 56 bytes plus a 16-byte slot per CPU; the caller's tracker 32. */
	KUNIT_EXPECT_EQ(test, sizeof(struct rmlock), (size_t)56);
	KUNIT_EXPECT_EQ(test, sizeof(struct bsdsync_rm_cpu), (size_t)16);
	KUNIT_EXPECT_EQ(test, sizeof(struct rm_priotracker), (size_t)32);
	KUNIT_EXPECT_EQ(test, sizeof(struct rmslock), (size_t)56);
}

static void rm_new_allows_init_over_stale_memory(struct kunit *test)
{
	struct rmlock *rm = kunit_kzalloc(test, sizeof(*rm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rm);
	/* Memory that looks like a live lock (a previous user never destroyed it). */
	rm->lock_object.lo_flags = LO_INITIALIZED | (BSDSYNC_CLASS_MTX_SLEEP << LO_CLASSSHIFT);
	BT_EXPECT_NO_REPORT(test, rm_init_flags(rm, "rm new", RM_NEW));
	rm_wlock(rm);
	rm_wunlock(rm);
	rm_destroy(rm);
}

/* ---- sleeping: RM_SLEEPABLE writers may, readers never ------------------------------------- */

static void rm_sleepable_writer_may_sleep_while_holding(struct kunit *test)
{
	struct rmlock rm;

	rm_init_flags(&rm, "rm sleepable writer", RM_SLEEPABLE);
	rm_wlock(&rm);
	BT_EXPECT_NO_REPORT(test, pause("rmsw", 1));
	rm_wunlock(&rm);
	rm_destroy(&rm);
}

/* ---- rm_sleep --------------------------------------------------------------------------- */

struct rsleep {
	struct rmlock rm;
	struct rm_priotracker tr;
	int chan;
	int reader;		/* the sleeper holds a read lock (else the write lock) */
	int pri;
	int timo;
	int error;
	int sleeping;		/* set right before rm_sleep */
	int done;
	int got_write_meanwhile;	/* the waker took the write lock during the sleep */
	int wowned_after, rlocked_after, unlocked_after;
};

static void rsleep_sleeper(void *arg)
{
	struct rsleep *s = arg;

	if (s->pri & PCATCH) {
		allow_signal(SIGUSR1);
		send_sig(SIGUSR1, current, 1);
	}
	if (s->reader)
		rm_rlock(&s->rm, &s->tr);
	else
		rm_wlock(&s->rm);
	WRITE_ONCE(s->sleeping, 1);
	s->error = rm_sleep(&s->chan, &s->rm, s->pri, "rmslp", s->timo);
	s->wowned_after = rm_wowned(&s->rm);
	{
		unsigned long before = bsdsync_report_total();

		/* The assertion that should hold: no report if it does. */
		if (s->pri & PDROP) {
			rm_assert(&s->rm, RA_UNLOCKED);
			s->unlocked_after = bsdsync_report_total() == before;
		} else if (s->reader) {
			rm_assert(&s->rm, RA_RLOCKED);
			s->rlocked_after = bsdsync_report_total() == before;
		}
	}
	if (!(s->pri & PDROP)) {
		if (s->reader)
			rm_runlock(&s->rm, &s->tr);
		else
			rm_wunlock(&s->rm);
	}
	if (s->pri & PCATCH)
		flush_signals(current);
	WRITE_ONCE(s->done, 1);
}

/* Start a sleeper; for a wakeup, take the write lock (possible only once the sleeper has
 * released its hold) and wake it while holding it. */
static void run_rm_sleep(struct kunit *test, struct rsleep *s, int opts, bool wake)
{
	struct bt_thread t;

	rm_init_flags(&s->rm, "rm sleep", opts);
	bt_start(test, &t, rsleep_sleeper, s, "rm_sleeper");
	BT_WAIT_UNTIL(test, READ_ONCE(s->sleeping));
	if (wake) {
		rm_wlock(&s->rm);
		s->got_write_meanwhile = !READ_ONCE(s->done);
		wakeup(&s->chan);
		rm_wunlock(&s->rm);
	}
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	BT_RESCUE(READ_ONCE(s->done), wakeup(&s->chan));
	bt_join(&t);
	rm_assert(&s->rm, RA_UNLOCKED);
	rm_destroy(&s->rm);
}

static void rm_sleep_write_held_releases_and_retakes_the_write_lock(struct kunit *test)
{
	struct rsleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	run_rm_sleep(test, s, 0, true);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->got_write_meanwhile);
	KUNIT_EXPECT_TRUE(test, s->wowned_after);
}

static void rm_sleep_read_held_releases_and_retakes_the_read_lock(struct kunit *test)
{
	struct rsleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->reader = 1;
	run_rm_sleep(test, s, 0, true);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->got_write_meanwhile);
	KUNIT_EXPECT_FALSE(test, s->wowned_after);
	KUNIT_EXPECT_TRUE(test, s->rlocked_after);
}

static void rm_sleep_on_sleepable_rm_write_held_retakes_it(struct kunit *test)
{
	struct rsleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	run_rm_sleep(test, s, RM_SLEEPABLE, true);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->got_write_meanwhile);
	KUNIT_EXPECT_TRUE(test, s->wowned_after);
}

static void rm_sleep_on_sleepable_rm_read_held_retakes_it(struct kunit *test)
{
	struct rsleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->reader = 1;
	run_rm_sleep(test, s, RM_SLEEPABLE, true);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->got_write_meanwhile);
	KUNIT_EXPECT_TRUE(test, s->rlocked_after);
}

static void rm_sleep_pdrop_returns_without_the_lock(struct kunit *test)
{
	struct rsleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->pri = PDROP;
	run_rm_sleep(test, s, 0, true);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_FALSE(test, s->wowned_after);
	KUNIT_EXPECT_TRUE(test, s->unlocked_after);
}

static void rm_sleep_pdrop_read_held_returns_without_the_lock(struct kunit *test)
{
	struct rsleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->pri = PDROP;
	s->reader = 1;
	run_rm_sleep(test, s, 0, true);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->unlocked_after);
}

static void rm_sleep_timeout_returns_ewouldblock_with_the_lock_held(struct kunit *test)
{
	struct rsleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->timo = 2;
	run_rm_sleep(test, s, 0, false);
	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, s->wowned_after);
}

static void rm_sleep_pcatch_returns_erestart_on_a_signal(struct kunit *test)
{
	struct rsleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->pri = PCATCH;
	s->reader = 1;
	run_rm_sleep(test, s, 0, false);
	KUNIT_EXPECT_EQ(test, s->error, ERESTART);
	KUNIT_EXPECT_TRUE(test, s->rlocked_after);
}

/* ---- RM_SYSINIT -------------------------------------------------------------------------- */

static struct rmlock sysinit_rm;
static struct rmlock sysinit_rm_flags;
RM_SYSINIT(kunit_rm, &sysinit_rm, "sysinit rm");
RM_SYSINIT_FLAGS(kunit_rm_flags, &sysinit_rm_flags, "sysinit rm flags",
		 RM_RECURSE | RM_SLEEPABLE);

static void rm_sysinit_initialises_the_lock_at_module_load(struct kunit *test)
{
	struct rm_priotracker t1, t2;

	KUNIT_EXPECT_TRUE(test, lock_initialized(&sysinit_rm.lock_object));
	KUNIT_EXPECT_STREQ(test, sysinit_rm.lock_object.lo_name, "sysinit rm");
	KUNIT_EXPECT_EQ(test, LOCK_CLASS_INDEX(&sysinit_rm.lock_object), BSDSYNC_CLASS_RM);
	KUNIT_EXPECT_TRUE(test, lock_initialized(&sysinit_rm_flags.lock_object));
	KUNIT_EXPECT_EQ(test, LOCK_CLASS_INDEX(&sysinit_rm_flags.lock_object),
			BSDSYNC_CLASS_RM_SLEEPABLE);
	BT_EXPECT_NO_REPORT(test, {
		rm_wlock(&sysinit_rm);
		rm_wunlock(&sysinit_rm);
		rm_rlock(&sysinit_rm_flags, &t1);
		rm_rlock(&sysinit_rm_flags, &t2);
		rm_runlock(&sysinit_rm_flags, &t2);
		rm_runlock(&sysinit_rm_flags, &t1);
	});
}

/* ---- rms ------------------------------------------------------------------------------------ */

static void rms_readers_may_sleep_while_holding(struct kunit *test)
{
	struct rmslock rms;
	struct mtx m;
	int chan;

	rms_init(&rms, "rms sleeping reader");
	mtx_init(&m, "rms interlock", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, {
		rms_rlock(&rms);
		pause("rmsr", 1);
		mtx_lock(&m);
		msleep(&chan, &m, 0, "rmsr", 1);
		mtx_unlock(&m);
		rms_runlock(&rms);
	});
	mtx_destroy(&m);
	rms_destroy(&rms);
}

static void rms_writer_may_sleep_while_holding(struct kunit *test)
{
	struct rmslock rms;

	rms_init(&rms, "rms sleeping writer");
	rms_wlock(&rms);
	BT_EXPECT_NO_REPORT(test, pause("rmsw", 1));
	rms_wunlock(&rms);
	rms_destroy(&rms);
}

struct rms_drain {
	struct rmslock rms;
	int reader_in, release, writer_in, reader_out;
};

static void rms_sleeping_reader(void *arg)
{
	struct rms_drain *d = arg;
	unsigned long deadline = jiffies + 60 * HZ;

	rms_rlock(&d->rms);
	WRITE_ONCE(d->reader_in, 1);
	while (!READ_ONCE(d->release) && time_before(jiffies, deadline))
		pause("rmsd", 1);	/* sleeps with the read lock held */
	WRITE_ONCE(d->reader_out, 1);
	rms_runlock(&d->rms);
}

static void rms_drain_writer(void *arg)
{
	struct rms_drain *d = arg;

	rms_wlock(&d->rms);
	WRITE_ONCE(d->writer_in, READ_ONCE(d->reader_out) ? 1 : -1);
	rms_wunlock(&d->rms);
}

static void rms_wlock_waits_for_sleeping_readers(struct kunit *test)
{
	struct rms_drain *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	struct bt_thread r, w;

	KUNIT_ASSERT_NOT_NULL(test, d);
	rms_init(&d->rms, "rms drain");
	bt_start(test, &r, rms_sleeping_reader, d, "rms_reader");
	BT_WAIT_UNTIL(test, READ_ONCE(d->reader_in));
	bt_start(test, &w, rms_drain_writer, d, "rms_writer");
	BT_WAIT_UNTIL(test, rt_writer_draining(&d->rms.rms_state));
	KUNIT_EXPECT_EQ(test, READ_ONCE(d->writer_in), 0);
	/* A new reader is refused while the writer waits. */
	KUNIT_EXPECT_EQ(test, rms_try_rlock(&d->rms), 0);
	WRITE_ONCE(d->release, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(d->writer_in));
	bt_join(&w);
	bt_join(&r);
	KUNIT_EXPECT_EQ(test, d->writer_in, 1);
	rms_destroy(&d->rms);
}

/*
 * Giant: every wait of a sleepable rm lock or an rms lock releases it (FreeBSD: the
 * sleepable rm waits in sx_xlock, rms in msleep, and both drop Giant), and takes it back
 * once the lock is acquired. The waiter holds Giant twice and waits behind the holder
 * (for GW_RMS_WLOCK, a writer waiting for a reader to leave); the holder then wants Giant.
 * A waiter that kept Giant would deadlock with it: the holder tries (bounded, sleeping in
 * between) instead of blocking, so that such a waiter fails the case instead of hanging it.
 */
enum { GW_RMS_RLOCK, GW_RMS_WLOCK, GW_RM_RLOCK, GW_RM_WLOCK };

struct giant_wait {
	struct rmlock rm;		/* RM_SLEEPABLE */
	struct rmslock rms;
	int op;				/* what the waiter does (GW_*) */
	int holder_in, waiter_started, holder_got_giant, waiter_in, waiter_depth_ok;
};

static void giant_wait_holder(void *arg)
{
	struct giant_wait *g = arg;
	unsigned long deadline = jiffies + 60 * HZ;

	if (g->op == GW_RMS_WLOCK)
		rms_rlock(&g->rms);
	else if (g->op == GW_RMS_RLOCK)
		rms_wlock(&g->rms);
	else
		rm_wlock(&g->rm);
	WRITE_ONCE(g->holder_in, 1);
	while (!READ_ONCE(g->waiter_started) && time_before(jiffies, deadline))
		msleep(1);
	/* Sleeping between tries: the waiter blocks, it does not spin on us. */
	deadline = jiffies + 60 * HZ;
	while (time_before(jiffies, deadline)) {
		if (mtx_trylock(&Giant)) {
			WRITE_ONCE(g->holder_got_giant, 1);
			mtx_unlock(&Giant);
			break;
		}
		msleep(1);
	}
	if (g->op == GW_RMS_WLOCK)
		rms_runlock(&g->rms);
	else if (g->op == GW_RMS_RLOCK)
		rms_wunlock(&g->rms);
	else
		rm_wunlock(&g->rm);
}

static void giant_wait_waiter(void *arg)
{
	struct giant_wait *g = arg;
	struct rm_priotracker tr;

	mtx_lock(&Giant);
	mtx_lock(&Giant);
	WRITE_ONCE(g->waiter_started, 1);
	switch (g->op) {
	case GW_RMS_RLOCK:
		rms_rlock(&g->rms);
		break;
	case GW_RMS_WLOCK:
		rms_wlock(&g->rms);
		break;
	case GW_RM_RLOCK:
		rm_rlock(&g->rm, &tr);
		break;
	case GW_RM_WLOCK:
		rm_wlock(&g->rm);
		break;
	}
	g->waiter_depth_ok = mtx_owned(&Giant) && mtx_recursed(&Giant);
	WRITE_ONCE(g->waiter_in, 1);
	switch (g->op) {
	case GW_RMS_RLOCK:
		rms_runlock(&g->rms);
		break;
	case GW_RMS_WLOCK:
		rms_wunlock(&g->rms);
		break;
	case GW_RM_RLOCK:
		rm_runlock(&g->rm, &tr);
		break;
	case GW_RM_WLOCK:
		rm_wunlock(&g->rm);
		break;
	}
	mtx_unlock(&Giant);
	mtx_unlock(&Giant);
}

static void run_giant_wait(struct kunit *test, int op)
{
	struct giant_wait *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	unsigned long reports = bsdsync_report_total();
	struct bt_thread h, w;

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->op = op;
	rms_init(&g->rms, "giant rms");
	rm_init_flags(&g->rm, "giant rm", RM_SLEEPABLE);
	bt_start(test, &h, giant_wait_holder, g, "bsd-rmg-h");
	BT_WAIT_UNTIL(test, READ_ONCE(g->holder_in));
	bt_start(test, &w, giant_wait_waiter, g, "bsd-rmg-w");
	bt_join(&h);
	bt_join(&w);
	KUNIT_EXPECT_TRUE_MSG(test, g->holder_got_giant,
			      "the waiter kept Giant while it waited: the holder never got it");
	KUNIT_EXPECT_TRUE(test, g->waiter_in);
	KUNIT_EXPECT_TRUE_MSG(test, g->waiter_depth_ok,
			      "Giant not back at depth 2 once the lock was acquired");
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - reports, 0UL);
	rm_destroy(&g->rm);
	rms_destroy(&g->rms);
}

static void rms_rlock_behind_a_writer_that_wants_giant_releases_giant(struct kunit *test)
{
	run_giant_wait(test, GW_RMS_RLOCK);
}

static void rms_wlock_waiting_for_a_reader_that_wants_giant_releases_giant(struct kunit *test)
{
	run_giant_wait(test, GW_RMS_WLOCK);
}

static void rm_sleepable_rlock_behind_a_writer_that_wants_giant_releases_giant(struct kunit *test)
{
	run_giant_wait(test, GW_RM_RLOCK);
}

static void rm_sleepable_wlock_behind_a_writer_that_wants_giant_releases_giant(struct kunit *test)
{
	run_giant_wait(test, GW_RM_WLOCK);
}

struct rms_try {
	struct rmslock *rms;
	int result;
};

static void rms_try_thread(void *arg)
{
	struct rms_try *c = arg;

	c->result = rms_try_rlock(c->rms);
	if (c->result)
		rms_runlock(c->rms);
}

static int rms_try_elsewhere(struct kunit *test, struct rmslock *rms)
{
	struct rms_try c = { .rms = rms, .result = -1 };
	struct bt_thread t;

	bt_start(test, &t, rms_try_thread, &c, "rms_try");
	bt_join(&t);
	return c.result;
}

static void rms_try_rlock_fails_while_a_writer_holds_it(struct kunit *test)
{
	struct rmslock rms;

	rms_init(&rms, "rms try");
	KUNIT_EXPECT_EQ(test, rms_try_elsewhere(test, &rms), 1);
	rms_rlock(&rms);
	KUNIT_EXPECT_EQ(test, rms_try_elsewhere(test, &rms), 1);
	rms_runlock(&rms);
	rms_wlock(&rms);
	KUNIT_EXPECT_EQ(test, rms_try_elsewhere(test, &rms), 0);
	KUNIT_EXPECT_EQ(test, rms_try_rlock(&rms), 0);
	rms_wunlock(&rms);
	KUNIT_EXPECT_EQ(test, rms_try_elsewhere(test, &rms), 1);
	rms_destroy(&rms);
}

static void rms_unlock_releases_the_mode_it_is_held_in(struct kunit *test)
{
	struct rmslock rms;

	rms_init(&rms, "rms unlock");
	BT_EXPECT_NO_REPORT(test, {
		rms_wlock(&rms);
		KUNIT_EXPECT_TRUE(test, rms_wowned(&rms));
		rms_unlock(&rms);
		KUNIT_EXPECT_FALSE(test, rms_wowned(&rms));
		rms_rlock(&rms);
		KUNIT_EXPECT_TRUE(test, rms_rowned(&rms));
		rms_unlock(&rms);
		KUNIT_EXPECT_FALSE(test, rms_rowned(&rms));
	});
	KUNIT_EXPECT_EQ(test, rms_try_elsewhere(test, &rms), 1);
	rms_wlock(&rms);	/* nothing left held: the writer gets in */
	rms_wunlock(&rms);
	rms_destroy(&rms);
}

struct rms_owned_ctx {
	struct rmslock *rms;
	int wowned, rowned, any;
};

static void rms_owned_thread(void *arg)
{
	struct rms_owned_ctx *c = arg;

	c->wowned = rms_wowned(c->rms);
	c->rowned = rms_rowned(c->rms);
	c->any = rms_owned_any(c->rms);
}

static void rms_wowned_rowned_owned_any_speak_of_the_caller(struct kunit *test)
{
	struct rmslock rms;
	struct rms_owned_ctx c = { .rms = &rms };
	struct bt_thread t;

	rms_init(&rms, "rms owned");
	KUNIT_EXPECT_FALSE(test, rms_owned_any(&rms));
	rms_rlock(&rms);
	KUNIT_EXPECT_TRUE(test, rms_rowned(&rms));
	KUNIT_EXPECT_FALSE(test, rms_wowned(&rms));
	KUNIT_EXPECT_TRUE(test, rms_owned_any(&rms));
	bt_start(test, &t, rms_owned_thread, &c, "rms_owned");
	bt_join(&t);
	KUNIT_EXPECT_FALSE(test, c.rowned);
	KUNIT_EXPECT_FALSE(test, c.any);
	rms_runlock(&rms);
	rms_wlock(&rms);
	KUNIT_EXPECT_TRUE(test, rms_wowned(&rms));
	KUNIT_EXPECT_FALSE(test, rms_rowned(&rms));
	KUNIT_EXPECT_TRUE(test, rms_owned_any(&rms));
	bt_start(test, &t, rms_owned_thread, &c, "rms_owned");
	bt_join(&t);
	KUNIT_EXPECT_FALSE(test, c.wowned);
	KUNIT_EXPECT_FALSE(test, c.any);
	rms_wunlock(&rms);
	rms_destroy(&rms);
}

struct rms_recurse {
	struct rmslock rms;
	int writer_in;
};

static void rms_recurse_writer(void *arg)
{
	struct rms_recurse *r = arg;

	rms_wlock(&r->rms);
	WRITE_ONCE(r->writer_in, 1);
	rms_wunlock(&r->rms);
}

static void rms_reader_recursion_passes_a_waiting_writer(struct kunit *test)
{
	struct rms_recurse *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread w;

	KUNIT_ASSERT_NOT_NULL(test, r);
	rms_init(&r->rms, "rms recurse");
	rms_rlock(&r->rms);
	bt_start(test, &w, rms_recurse_writer, r, "rms_rwriter");
	BT_WAIT_UNTIL(test, rt_writer_draining(&r->rms.rms_state));
	BT_EXPECT_NO_REPORT(test, rms_rlock(&r->rms));
	rms_runlock(&r->rms);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->writer_in), 0);
	rms_runlock(&r->rms);
	BT_WAIT_UNTIL(test, READ_ONCE(r->writer_in));
	bt_join(&w);
	rms_destroy(&r->rms);
}



/* A thread may read-hold more rms locks than it tracks by name (8): the rest are counted,
 * and every unlock still balances. */
static void rms_many_read_holds_at_once_balance(struct kunit *test)
{
	struct rmslock *rms = kunit_kcalloc(test, 12, sizeof(*rms), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rms);
	for (int i = 0; i < 12; i++)
		rms_init(&rms[i], "rms many");
	BT_EXPECT_NO_REPORT(test, {
		for (int i = 0; i < 12; i++)
			rms_rlock(&rms[i]);
		for (int i = 0; i < 12; i++)
			rms_runlock(&rms[(i * 5) % 12]);	/* in another order */
	});
	for (int i = 0; i < 12; i++) {
		KUNIT_EXPECT_EQ(test, rms_try_elsewhere(test, &rms[i]), 1);
		rms_wlock(&rms[i]);
		rms_wunlock(&rms[i]);
		BT_EXPECT_NO_REPORT(test, rms_destroy(&rms[i]));
	}
}

/* ---- locking(9): what may be taken while holding what ------------------------------------- */

static void rm_may_be_taken_while_holding_a_mutex(struct kunit *test)
{
	struct mtx m;
	struct rmlock rm, srm;
	struct rm_priotracker tr;

	mtx_init(&m, "mutex before rm", NULL, MTX_DEF);
	rm_init(&rm, "rm after mutex");
	rm_init_flags(&srm, "sleepable rm after mutex", RM_SLEEPABLE);
	mtx_lock(&m);
	BT_EXPECT_NO_REPORT(test, {
		rm_rlock(&rm, &tr);
		rm_runlock(&rm, &tr);
		rm_wlock(&rm);
		rm_wunlock(&rm);
	});
	/* A sleepable rm may wait for a writer that sleeps: not under a mutex. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, rm_rlock(&srm, &tr));
	rm_runlock(&srm, &tr);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, rm_wlock(&srm));
	rm_wunlock(&srm);
	mtx_unlock(&m);
	/* A sleepable rm writer may take a mutex, and may sleep (locking(9): ok-2). */
	BT_EXPECT_NO_REPORT(test, {
		rm_wlock(&srm);
		mtx_lock(&m);
		mtx_unlock(&m);
		pause("srmw", 1);
		rm_wunlock(&srm);
	});
	rm_destroy(&rm);
	rm_destroy(&srm);
	mtx_destroy(&m);
}

/* ---- a release is the last touch of the lock (prior-art.md, bug 1) --------------------- */

struct uaf {
	struct rmlock *rm;
	struct rm_priotracker tr;
	int reading;
	int done;
};

static void uaf_reader(void *arg)
{
	struct uaf *u = arg;

	rm_rlock(u->rm, &u->tr);
	WRITE_ONCE(u->reading, 1);
	/* Leave once the writer waits for us; it frees the lock right after. */
	while (!rt_writer_draining(&u->rm->rm_state))
		cpu_relax();
	rm_runlock(u->rm, &u->tr);
	WRITE_ONCE(u->done, 1);
}

static void rm_runlock_then_destroy_and_free_by_the_writer_is_safe(struct kunit *test)
{
	struct uaf *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, u);
	for (int i = 0; i < 50; i++) {
		u->rm = kzalloc(sizeof(*u->rm), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, u->rm);
		rm_init(u->rm, "rm freed after unlock");
		u->reading = u->done = 0;
		bt_start(test, &t, uaf_reader, u, "rm_uaf");
		BT_WAIT_UNTIL(test, READ_ONCE(u->reading));
		rm_wlock(u->rm);	/* gets in when the reader has left */
		rm_wunlock(u->rm);
		rm_destroy(u->rm);
		kfree(u->rm);		/* KASAN: the reader must not touch it any more */
		bt_join(&t);
		KUNIT_EXPECT_TRUE(test, READ_ONCE(u->done));
	}
}

/* ---- misuse ------------------------------------------------------------------------------- */

static void misuse_sleeping_with_an_rm_read_lock_held_is_reported(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init(&rm, "rm held sleeping");
	rm_rlock(&rm, &tr);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, pause("rmbad", 1));
	rm_runlock(&rm, &tr);
	BT_EXPECT_NO_REPORT(test, pause("rmok", 1));
	rm_destroy(&rm);
}

static void misuse_sleeping_with_an_rm_write_lock_held_is_reported(struct kunit *test)
{
	struct rmlock rm;

	rm_init(&rm, "rm wheld sleeping");
	rm_wlock(&rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, pause("rmbad", 1));
	rm_wunlock(&rm);
	rm_destroy(&rm);
}

static void misuse_sleeping_with_a_sleepable_rm_read_lock_held_is_reported(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init_flags(&rm, "srm held sleeping", RM_SLEEPABLE);
	rm_rlock(&rm, &tr);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, pause("rmbad", 1));
	rm_runlock(&rm, &tr);
	rm_destroy(&rm);
}

static void misuse_sleepable_lock_taken_with_an_rm_held_is_reported(struct kunit *test)
{
	struct rmlock rm, srm;
	struct rmslock rms;
	struct rm_priotracker tr;

	rm_init(&rm, "rm then sleepable");
	rm_init_flags(&srm, "sleepable rm", RM_SLEEPABLE);
	rms_init(&rms, "rms after rm");
	rm_rlock(&rm, &tr);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, rms_rlock(&rms));
	rms_runlock(&rms);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, rm_wlock(&srm));
	rm_wunlock(&srm);
	/* A try-lock never waits: always allowed. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, rms_try_rlock(&rms), 1));
	rms_runlock(&rms);
	rm_runlock(&rm, &tr);
	rm_destroy(&rm);
	rm_destroy(&srm);
	rms_destroy(&rms);
}

static void misuse_read_recursion_without_rm_recurse_is_reported_once(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker t1, t2, t3;

	rm_init(&rm, "rm norecurse");
	rm_rlock(&rm, &t1);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_rlock(&rm, &t2));
	/* FreeBSD checks only blocking read locks: a try-read recursion is silent. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, rm_try_rlock(&rm, &t3), 1));
	rm_runlock(&rm, &t3);
	rm_runlock(&rm, &t2);
	rm_runlock(&rm, &t1);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	rm_destroy(&rm);
}

static void misuse_write_recursion_is_reported_and_counted(struct kunit *test)
{
	struct rmlock rm;

	rm_init_flags(&rm, "rm wrecurse", RM_RECURSE);
	rm_wlock(&rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_wlock(&rm));
	rm_wunlock(&rm);
	KUNIT_EXPECT_TRUE(test, rm_wowned(&rm));	/* the outer hold stays */
	rm_wunlock(&rm);
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	KUNIT_EXPECT_EQ(test, try_elsewhere(test, &rm), 1);
	rm_destroy(&rm);
}

static void misuse_rm_wlock_while_reading_it_is_reported_and_not_taken(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init(&rm, "rm upgrade");
	rm_rlock(&rm, &tr);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_wlock(&rm));
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rm_wunlock(&rm));
	rm_runlock(&rm, &tr);
	rm_destroy(&rm);
}

static void misuse_rm_rlock_by_the_writer_is_reported_and_taken_inside(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init(&rm, "rm read in write");
	rm_wlock(&rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_rlock(&rm, &tr));
	BT_EXPECT_NO_REPORT(test, rm_runlock(&rm, &tr));
	rm_wunlock(&rm);
	KUNIT_EXPECT_EQ(test, try_elsewhere(test, &rm), 1);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&rm));
}

static void misuse_unlock_of_a_lock_not_held_is_reported(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr = {};

	rm_init(&rm, "rm not held");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rm_runlock(&rm, &tr));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rm_wunlock(&rm));
	rm_rlock(&rm, &tr);
	rm_runlock(&rm, &tr);
	/* The same tracker twice. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rm_runlock(&rm, &tr));
	BT_EXPECT_NO_REPORT(test, rm_destroy(&rm));
}

struct holder {
	struct rmlock *rm;
	struct rm_priotracker tr;
	int write;
	int started, release;
};

static void hold_until_told(void *arg)
{
	struct holder *h = arg;
	unsigned long deadline = jiffies + 60 * HZ;

	if (h->write)
		rm_wlock(h->rm);
	else
		rm_rlock(h->rm, &h->tr);
	WRITE_ONCE(h->started, 1);
	while (!READ_ONCE(h->release) && time_before(jiffies, deadline))
		usleep_range(200, 500);
	if (h->write)
		rm_wunlock(h->rm);
	else
		rm_runlock(h->rm, &h->tr);
}

static void misuse_unlock_of_another_threads_hold_is_reported(struct kunit *test)
{
	struct rmlock rm;
	struct holder h = { .rm = &rm };
	struct bt_thread t;

	rm_init(&rm, "rm other");
	bt_start(test, &t, hold_until_told, &h, "rm_holder");
	BT_WAIT_UNTIL(test, READ_ONCE(h.started));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rm_runlock(&rm, &h.tr));
	WRITE_ONCE(h.release, 1);
	bt_join(&t);
	h = (struct holder){ .rm = &rm, .write = 1 };
	bt_start(test, &t, hold_until_told, &h, "rm_holder");
	BT_WAIT_UNTIL(test, READ_ONCE(h.started));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rm_wunlock(&rm));
	WRITE_ONCE(h.release, 1);
	bt_join(&t);
	rm_destroy(&rm);
}

static void misuse_destroy_while_held_is_reported_and_keeps_the_lock(struct kunit *test)
{
	struct rmlock rm;
	struct holder h = { .rm = &rm };
	struct bt_thread t;

	rm_init(&rm, "rm destroy held");
	bt_start(test, &t, hold_until_told, &h, "rm_holder");
	BT_WAIT_UNTIL(test, READ_ONCE(h.started));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, rm_destroy(&rm));
	KUNIT_EXPECT_TRUE(test, lock_initialized(&rm.lock_object));
	WRITE_ONCE(h.release, 1);
	bt_join(&t);
	rm_wlock(&rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, rm_destroy(&rm));
	rm_wunlock(&rm);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&rm));
}

static void misuse_use_after_destroy_is_reported(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init(&rm, "rm destroyed");
	rm_destroy(&rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rm_rlock(&rm, &tr));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 KUNIT_EXPECT_EQ(test, rm_try_rlock(&rm, &tr), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rm_wlock(&rm));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rm_wunlock(&rm));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rm_runlock(&rm, &tr));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rm_destroy(&rm));
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
}

static void misuse_uninitialised_and_double_init_are_reported(struct kunit *test)
{
	struct rmlock *rm = kunit_kzalloc(test, sizeof(*rm), GFP_KERNEL);
	struct rm_priotracker tr;

	KUNIT_ASSERT_NOT_NULL(test, rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED, rm_wlock(rm));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED, rm_rlock(rm, &tr));
	rm_init(rm, "rm double");
	rm_rlock(rm, &tr);
	/* Re-initialising a held lock is reported and does not touch it. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DOUBLE_INIT, rm_init(rm, "rm double"));
	BT_EXPECT_NO_REPORT(test, rm_runlock(rm, &tr));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DOUBLE_INIT, rm_init(rm, "rm double again"));
	BT_EXPECT_NO_REPORT(test, {
		rm_wlock(rm);
		rm_wunlock(rm);
		rm_destroy(rm);
	});
}

static void misuse_tracker_reused_while_it_holds_a_lock_is_reported(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init_flags(&rm, "rm tracker reuse", RM_RECURSE);
	rm_rlock(&rm, &tr);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, rm_rlock(&rm, &tr));
	BT_EXPECT_NO_REPORT(test, rm_runlock(&rm, &tr));
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	rm_destroy(&rm);
}

static void misuse_rm_sleep_with_a_recursed_or_missing_hold_is_refused(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker t1, t2;
	int chan, error;

	rm_init_flags(&rm, "rm sleep recursed", RM_RECURSE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 error = rm_sleep(&chan, &rm, 0, "rmnot", 1));
	KUNIT_EXPECT_NE(test, error, 0);
	rm_rlock(&rm, &t1);
	rm_rlock(&rm, &t2);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_RECURSED,
			 error = rm_sleep(&chan, &rm, 0, "rmrec", 1));
	KUNIT_EXPECT_NE(test, error, 0);
	rm_assert(&rm, RA_RLOCKED | RA_RECURSED);	/* still held twice */
	rm_runlock(&rm, &t2);
	rm_runlock(&rm, &t1);
	rm_destroy(&rm);
}

static int rlock_and_exit(void *arg)
{
	struct rmlock *rm = arg;
	struct rm_priotracker tr;

	rm_rlock(rm, &tr);
	return 0;
}

static void misuse_thread_exit_with_an_rm_read_lock_held_is_reported(struct kunit *test)
{
	struct rmlock *rm = kunit_kzalloc(test, sizeof(*rm), GFP_KERNEL);
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD);
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, rm);
	rm_init(rm, "rm exit held");
	task = kthread_create(rlock_and_exit, rm, "rm_exiter");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	get_task_struct(task);
	wake_up_process(task);
	/* The report is made by the exiting task (do_exit); wait until it is past it, so
	 * that its stack dump is not interleaved with the next case's output. */
	BT_WAIT_UNTIL(test, READ_ONCE(task->exit_state) != 0);
	put_task_struct(task);
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD) - before, 1UL);
	/* The dead thread's hold can never be released: take it off by hand to clean up. */
	rm->rm_state.rm_readers--;
	rm_destroy(rm);
}

struct irq_ctx {
	struct hrtimer timer;
	struct rmlock rm;
	struct rm_priotracker tr;
	int taken;
	unsigned long reports;
	int ran;
};

static enum hrtimer_restart rm_in_hardirq(struct hrtimer *timer)
{
	struct irq_ctx *c = container_of(timer, struct irq_ctx, timer);
	unsigned long before = bsdsync_report_total();

	rm_rlock(&c->rm, &c->tr);
	c->taken = rm_wowned(&c->rm) == 0;
	rm_runlock(&c->rm, &c->tr);
	c->reports = bsdsync_report_total() - before;
	smp_store_release(&c->ran, 1);
	return HRTIMER_NORESTART;
}

static void misuse_rm_rlock_in_interrupt_context_is_reported(struct kunit *test)
{
	struct irq_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned long before;

	KUNIT_ASSERT_NOT_NULL(test, c);
	rm_init(&c->rm, "rm irq");
	before = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = rm_in_hardirq;
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	BT_WAIT_UNTIL(test, smp_load_acquire(&c->ran));
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_EQ(test, c->reports, 1UL);
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT) - before, 1UL);
	/* Nothing left held: a writer gets in. */
	rm_wlock(&c->rm);
	rm_wunlock(&c->rm);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&c->rm));
}

struct irq_refused {
	struct irq_ctx c;
	struct completion held, release;
};

static enum hrtimer_restart rm_refused_in_hardirq(struct hrtimer *timer)
{
	struct irq_ctx *c = container_of(timer, struct irq_ctx, timer);
	unsigned long before = bsdsync_report_total();

	/* rm_rlock's result, which the FreeBSD macro drops; then the caller's unlock. */
	c->taken = fbsd_rm_rlock(&c->rm, &c->tr, 0, __FILE__, __LINE__);
	rm_runlock(&c->rm, &c->tr);
	c->reports = bsdsync_report_total() - before;
	smp_store_release(&c->ran, 1);
	return HRTIMER_NORESTART;
}

static void irq_refused_writer(void *arg)
{
	struct irq_refused *r = arg;

	rm_wlock(&r->c.rm);
	complete(&r->held);
	wait_for_completion(&r->release);
	rm_wunlock(&r->c.rm);
}

/*
 * rm_rlock in a hard interrupt while another thread write-holds the lock: the interrupt
 * cannot wait for the writer, so the read is refused with one report, and the handler's
 * rm_runlock (FreeBSD code cannot know the read was refused) makes no second one. The lock
 * goes on.
 */
static void misuse_rm_rlock_refused_in_interrupt_context_reported_once_runlock_quiet(
	struct kunit *test)
{
	struct irq_refused *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread writer;

	KUNIT_ASSERT_NOT_NULL(test, r);
	rm_init(&r->c.rm, "rm irq refused");
	init_completion(&r->held);
	init_completion(&r->release);
	bt_start(test, &writer, irq_refused_writer, r, "rm_irq_writer");
	wait_for_completion(&r->held);
	hrtimer_init(&r->c.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	r->c.timer.function = rm_refused_in_hardirq;
	hrtimer_start(&r->c.timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	BT_WAIT_UNTIL(test, smp_load_acquire(&r->c.ran));
	hrtimer_cancel(&r->c.timer);
	complete(&r->release);
	bt_join(&writer);
	KUNIT_EXPECT_FALSE(test, r->c.taken);
	KUNIT_EXPECT_EQ(test, r->c.reports, 1UL);
	KUNIT_EXPECT_NULL(test, r->c.tr.rmp_rmlock);
	rm_rlock(&r->c.rm, &r->c.tr);
	rm_runlock(&r->c.rm, &r->c.tr);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&r->c.rm));
}

static void misuse_rm_wlock_with_preemption_disabled_is_reported_and_not_taken(struct kunit *test)
{
	struct rmlock rm;
	struct bt_probe p;
	int owned;

	rm_init(&rm, "rm atomic writer");
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	preempt_disable();
	rm_wlock(&rm);
	owned = rm_wowned(&rm);
	preempt_enable();
	bt_probe_end(&p);
	bt_expect_one_report_no_sleep(test, &p, "rm_wlock with preemption disabled");
	KUNIT_EXPECT_FALSE(test, owned);
	rm_destroy(&rm);
}

/*
 * A read lock wanted while the writer sleeps, by a thread that may not block (a spin mutex
 * held, or inside critical_enter): reported once and not taken. It cannot spin either: a
 * writer may be waiting for a grace period, which waits for the reader's CPU to leave its
 * section. The thread's context is balanced after (harness.h bt_contended_in_atomic).
 */
struct rm_atomic {
	struct rmlock rm;
	struct rmslock rms;
	struct rm_priotracker tr;
};

static void rm_atomic_wlock(void *ctx) { rm_wlock(&((struct rm_atomic *)ctx)->rm); }
static void rm_atomic_wunlock(void *ctx) { rm_wunlock(&((struct rm_atomic *)ctx)->rm); }
static int rm_atomic_rlock(void *ctx)
{
	struct rm_atomic *a = ctx;

	/* rm_rlock's result, which the FreeBSD macro drops. */
	int taken = fbsd_rm_rlock(&a->rm, &a->tr, 0, __FILE__, __LINE__);

	/* FreeBSD code cannot know the read was refused and unlocks: that must end it with
	 * no second report (the probe counts both calls). */
	if (!taken)
		rm_runlock(&a->rm, &a->tr);
	return taken;
}
static void rm_atomic_runlock(void *ctx)
{
	struct rm_atomic *a = ctx;

	rm_runlock(&a->rm, &a->tr);
}
static void rms_atomic_wlock(void *ctx) { rms_wlock(&((struct rm_atomic *)ctx)->rms); }
static void rms_atomic_wunlock(void *ctx) { rms_wunlock(&((struct rm_atomic *)ctx)->rms); }
static int rms_atomic_rlock(void *ctx)
{
	struct rm_atomic *a = ctx;

	int taken;

	rms_rlock(&a->rms);
	taken = rms_rowned(&a->rms);
	if (!taken)
		rms_runlock(&a->rms);	/* as the caller would: no second report */
	return taken;
}
static void rms_atomic_runlock(void *ctx) { rms_runlock(&((struct rm_atomic *)ctx)->rms); }

static void misuse_contended_rm_rlock_in_atomic_context_is_reported_once_not_taken_runlock_quiet(
	struct kunit *test)
{
	struct rm_atomic *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_atomic_lock rm = {
		.what = "rm_rlock in atomic context",
		.owner_lock = rm_atomic_wlock,
		.owner_unlock = rm_atomic_wunlock,
		.acquire = rm_atomic_rlock,
		.release = rm_atomic_runlock,
		.expect_taken = false,
	};
	struct bt_atomic_lock rms = {
		.what = "rms_rlock in atomic context",
		.owner_lock = rms_atomic_wlock,
		.owner_unlock = rms_atomic_wunlock,
		.acquire = rms_atomic_rlock,
		.release = rms_atomic_runlock,
		.expect_taken = false,
	};

	KUNIT_ASSERT_NOT_NULL(test, a);
	rm.ctx = rms.ctx = a;
	rm_init(&a->rm, "rm atomic reader");
	rms_init(&a->rms, "rms atomic reader");
	bt_contended_in_atomic(test, &rm, BT_ATOMIC_SPIN_MUTEX);
	bt_contended_in_atomic(test, &rm, BT_ATOMIC_CRITICAL);
	bt_contended_in_atomic(test, &rms, BT_ATOMIC_SPIN_MUTEX);
	bt_contended_in_atomic(test, &rms, BT_ATOMIC_CRITICAL);
	/* Both locks go on: a read and a write each. */
	rm_rlock(&a->rm, &a->tr);
	rm_runlock(&a->rm, &a->tr);
	rm_wlock(&a->rm);
	rm_wunlock(&a->rm);
	rms_rlock(&a->rms);
	rms_runlock(&a->rms);
	rms_wlock(&a->rms);
	rms_wunlock(&a->rms);
	rm_destroy(&a->rm);
	rms_destroy(&a->rms);
}

static void misuse_rms_recursion_and_unlocks_not_held_are_reported(struct kunit *test)
{
	struct rmslock rms;

	rms_init(&rms, "rms misuse");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rms_runlock(&rms));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rms_wunlock(&rms));
	rms_wlock(&rms);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rms_wlock(&rms));
	rms_wunlock(&rms);
	KUNIT_EXPECT_TRUE(test, rms_wowned(&rms));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rms_rlock(&rms));
	rms_runlock(&rms);
	rms_wunlock(&rms);
	rms_rlock(&rms);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rms_wlock(&rms));
	KUNIT_EXPECT_FALSE(test, rms_wowned(&rms));
	rms_runlock(&rms);
	BT_EXPECT_NO_REPORT(test, rms_destroy(&rms));
}

static void misuse_rms_destroy_while_held_and_use_after_destroy_are_reported(struct kunit *test)
{
	struct rmslock rms;

	rms_init(&rms, "rms destroy");
	rms_rlock(&rms);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, rms_destroy(&rms));
	rms_runlock(&rms);
	rms_wlock(&rms);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, rms_destroy(&rms));
	rms_wunlock(&rms);
	BT_EXPECT_NO_REPORT(test, rms_destroy(&rms));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rms_rlock(&rms));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rms_wlock(&rms));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rms_destroy(&rms));
}

/* ---- report sites of rarer misuse (docs/misuse.md) ------------------------------------- */

static void misuse_rm_wlock_on_a_lock_of_another_class_is_reported_and_refused(struct kunit *test)
{
	union {
		struct rmlock rm;
		struct mtx m;
	} *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, u);
	mtx_init(&u->m, "not an rm lock", NULL, MTX_DEF);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS, rm_wlock(&u->rm));
	KUNIT_EXPECT_EQ(test, u->m.mtx_lock, MTX_UNOWNED);	/* the mutex untouched */
	mtx_destroy(&u->m);
}

static void misuse_rm_sleep_on_a_recursed_write_hold_is_reported_and_does_not_sleep(struct kunit *test)
{
	struct rmlock rm;
	int chan, error = -1;

	rm_init(&rm, "rm sleep recursed");
	rm_wlock(&rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_wlock(&rm));	/* counted anyway */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_RECURSED,
			 BT_EXPECT_NO_SLEEP(test, error = rm_sleep(&chan, &rm, 0, "recursed", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_TRUE(test, rm_wowned(&rm));
	rm_wunlock(&rm);
	KUNIT_EXPECT_TRUE(test, rm_wowned(&rm));
	rm_wunlock(&rm);
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	rm_destroy(&rm);
}

static void misuse_rms_as_the_interlock_of_a_sleep_is_reported_and_does_not_sleep(struct kunit *test)
{
	struct rmslock rms;
	int chan, error = -1;

	rms_init(&rms, "rms interlock");
	rms_wlock(&rms);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS,
			 BT_EXPECT_NO_SLEEP(test, error = rm_sleep(&chan, &rms, 0, "rms", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	rms_wunlock(&rms);
	rms_destroy(&rms);
}

struct rms_irq {
	struct rmslock rms;
	int got;
};

static void rms_rlock_in_irq(void *arg)
{
	struct rms_irq *c = arg;

	c->got = rms_try_rlock(&c->rms) ? 1 : 0;
	rms_rlock(&c->rms);
}

static void rms_runlock_in_irq(void *arg)
{
	struct rms_irq *c = arg;

	rms_runlock(&c->rms);
}

static void misuse_rms_read_in_interrupt_context_is_reported_and_not_taken(struct kunit *test)
{
	struct rms_irq *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_irq_result r = {};

	KUNIT_ASSERT_NOT_NULL(test, c);
	rms_init(&c->rms, "rms in irq");
	c->got = -1;
	bt_in_interrupt_on_this_thread(test, false, rms_rlock_in_irq, c,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, c->got, 0);
	KUNIT_EXPECT_EQ(test, r.reports, 2UL);	/* rms_try_rlock and rms_rlock */
	KUNIT_EXPECT_EQ(test, r.total, 2UL);
	/* Nothing was taken: a writer gets it at once. */
	rms_wlock(&c->rms);
	rms_wunlock(&c->rms);
	/* A read unlock in an interrupt (of the interrupted thread's hold) is ignored. */
	rms_rlock(&c->rms);
	bt_in_interrupt_on_this_thread(test, false, rms_runlock_in_irq, c,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	BT_EXPECT_NO_REPORT(test, rms_runlock(&c->rms));	/* the thread's hold was kept */
	rms_destroy(&c->rms);
}

struct rms_writer {
	struct rmslock *rms;
	int locked, release;
};

static void rms_write_and_wait(void *arg)
{
	struct rms_writer *w = arg;

	rms_wlock(w->rms);
	smp_store_release(&w->locked, 1);
	while (!smp_load_acquire(&w->release))
		usleep_range(200, 1000);
	rms_wunlock(w->rms);
}

static void misuse_rms_wunlock_of_another_threads_write_hold_is_reported_and_ignored(struct kunit *test)
{
	struct rmslock rms;
	struct rms_writer w = { .rms = &rms };
	struct bt_thread t;

	rms_init(&rms, "rms other's");
	bt_start(test, &t, rms_write_and_wait, &w, "rms_writer");
	BT_WAIT_UNTIL(test, smp_load_acquire(&w.locked));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rms_wunlock(&rms));
	KUNIT_EXPECT_EQ(test, rms_try_rlock(&rms), 0);	/* still written by the other thread */
	smp_store_release(&w.release, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, rms_try_rlock(&rms), 1);
	rms_runlock(&rms);
	rms_destroy(&rms);
}

static struct kunit_case rm_cases[] = {
	KUNIT_CASE(rm_readers_on_every_cpu_hold_it_at_once),
	KUNIT_CASE(rm_wlock_excludes_readers_on_every_cpu_under_stress),
	KUNIT_CASE(rm_sleepable_wlock_excludes_readers_on_every_cpu_under_stress),
	KUNIT_CASE(rm_wlock_excludes_other_writers),
	KUNIT_CASE(rm_wlock_waits_until_every_reader_has_left),
	KUNIT_CASE(rm_rlock_waits_for_the_writer_then_all_readers_get_in),
	KUNIT_CASE(rm_runlock_on_another_cpu_than_rlock),
	KUNIT_CASE(rm_read_tokens_come_back_after_writers_stop),
	KUNIT_CASE(rm_release_with_queued_writers_and_readers_lets_all_in),
	KUNIT_CASE(rm_writer_bursts_and_calm_intervals_exclude_readers_under_stress),
	KUNIT_CASE(rm_sleepable_writer_bursts_exclude_readers_under_stress),
	KUNIT_CASE(rm_try_rlock_fails_while_a_writer_holds_it_and_succeeds_otherwise),
	KUNIT_CASE(rm_recurse_allows_read_recursion),
	KUNIT_CASE(rm_recurse_read_recursion_passes_a_waiting_writer),
	KUNIT_CASE(rm_wowned_is_true_only_for_the_writer),
	KUNIT_CASE(rm_assert_passes_for_every_flag_that_holds),
	KUNIT_CASE(rm_assert_reports_every_flag_that_fails),
	KUNIT_CASE(rm_assert_rlocked_fails_for_another_threads_read_hold),
	KUNIT_CASE(rm_init_flags_options_set_the_lock_object_flags),
	KUNIT_CASE(rm_sizes_are_as_documented),
	KUNIT_CASE(rm_new_allows_init_over_stale_memory),
	KUNIT_CASE(rm_sleepable_writer_may_sleep_while_holding),
	KUNIT_CASE(rm_sleep_write_held_releases_and_retakes_the_write_lock),
	KUNIT_CASE(rm_sleep_read_held_releases_and_retakes_the_read_lock),
	KUNIT_CASE(rm_sleep_on_sleepable_rm_write_held_retakes_it),
	KUNIT_CASE(rm_sleep_on_sleepable_rm_read_held_retakes_it),
	KUNIT_CASE(rm_sleep_pdrop_returns_without_the_lock),
	KUNIT_CASE(rm_sleep_pdrop_read_held_returns_without_the_lock),
	KUNIT_CASE(rm_sleep_timeout_returns_ewouldblock_with_the_lock_held),
	KUNIT_CASE(rm_sleep_pcatch_returns_erestart_on_a_signal),
	KUNIT_CASE(rm_sysinit_initialises_the_lock_at_module_load),
	KUNIT_CASE(rm_may_be_taken_while_holding_a_mutex),
	KUNIT_CASE(rm_runlock_then_destroy_and_free_by_the_writer_is_safe),
	KUNIT_CASE(rm_sleepable_rlock_behind_a_writer_that_wants_giant_releases_giant),
	KUNIT_CASE(rm_sleepable_wlock_behind_a_writer_that_wants_giant_releases_giant),
	{}
};

static struct kunit_case rms_cases[] = {
	KUNIT_CASE(rms_readers_on_every_cpu_hold_it_at_once),
	KUNIT_CASE(rms_wlock_excludes_sleeping_readers_under_stress),
	KUNIT_CASE(rms_writer_bursts_exclude_sleeping_readers_under_stress),
	KUNIT_CASE(rms_readers_may_sleep_while_holding),
	KUNIT_CASE(rms_writer_may_sleep_while_holding),
	KUNIT_CASE(rms_wlock_waits_for_sleeping_readers),
	KUNIT_CASE(rms_rlock_behind_a_writer_that_wants_giant_releases_giant),
	KUNIT_CASE(rms_wlock_waiting_for_a_reader_that_wants_giant_releases_giant),
	KUNIT_CASE(rms_try_rlock_fails_while_a_writer_holds_it),
	KUNIT_CASE(rms_unlock_releases_the_mode_it_is_held_in),
	KUNIT_CASE(rms_wowned_rowned_owned_any_speak_of_the_caller),
	KUNIT_CASE(rms_reader_recursion_passes_a_waiting_writer),
	KUNIT_CASE(rms_many_read_holds_at_once_balance),
	{}
};

static struct kunit_case rm_misuse_cases[] = {
	KUNIT_CASE(misuse_sleeping_with_an_rm_read_lock_held_is_reported),
	KUNIT_CASE(misuse_sleeping_with_an_rm_write_lock_held_is_reported),
	KUNIT_CASE(misuse_sleeping_with_a_sleepable_rm_read_lock_held_is_reported),
	KUNIT_CASE(misuse_sleepable_lock_taken_with_an_rm_held_is_reported),
	KUNIT_CASE(misuse_read_recursion_without_rm_recurse_is_reported_once),
	KUNIT_CASE(misuse_write_recursion_is_reported_and_counted),
	KUNIT_CASE(misuse_rm_wlock_while_reading_it_is_reported_and_not_taken),
	KUNIT_CASE(misuse_rm_rlock_by_the_writer_is_reported_and_taken_inside),
	KUNIT_CASE(misuse_unlock_of_a_lock_not_held_is_reported),
	KUNIT_CASE(misuse_unlock_of_another_threads_hold_is_reported),
	KUNIT_CASE(misuse_destroy_while_held_is_reported_and_keeps_the_lock),
	KUNIT_CASE(misuse_use_after_destroy_is_reported),
	KUNIT_CASE(misuse_uninitialised_and_double_init_are_reported),
	KUNIT_CASE(misuse_tracker_reused_while_it_holds_a_lock_is_reported),
	KUNIT_CASE(misuse_rm_sleep_with_a_recursed_or_missing_hold_is_refused),
	KUNIT_CASE(misuse_thread_exit_with_an_rm_read_lock_held_is_reported),
	KUNIT_CASE(misuse_rm_rlock_in_interrupt_context_is_reported),
	KUNIT_CASE(misuse_rm_rlock_refused_in_interrupt_context_reported_once_runlock_quiet),
	KUNIT_CASE(misuse_rm_wlock_with_preemption_disabled_is_reported_and_not_taken),
	KUNIT_CASE(misuse_contended_rm_rlock_in_atomic_context_is_reported_once_not_taken_runlock_quiet),
	KUNIT_CASE(misuse_rms_recursion_and_unlocks_not_held_are_reported),
	KUNIT_CASE(misuse_rms_destroy_while_held_and_use_after_destroy_are_reported),
	KUNIT_CASE(misuse_rm_wlock_on_a_lock_of_another_class_is_reported_and_refused),
	KUNIT_CASE(misuse_rm_sleep_on_a_recursed_write_hold_is_reported_and_does_not_sleep),
	KUNIT_CASE(misuse_rms_as_the_interlock_of_a_sleep_is_reported_and_does_not_sleep),
	KUNIT_CASE(misuse_rms_read_in_interrupt_context_is_reported_and_not_taken),
	KUNIT_CASE(misuse_rms_wunlock_of_another_threads_write_hold_is_reported_and_ignored),
	{}
};

static struct kunit_suite rm_suite = {
	.name = "freebsd_rm",
	.test_cases = rm_cases,
};

static struct kunit_suite rms_suite = {
	.name = "freebsd_rms",
	.test_cases = rms_cases,
};

static struct kunit_suite rm_misuse_suite = {
	.name = "freebsd_rm_misuse",
	.test_cases = rm_misuse_cases,
};

kunit_test_suites(&rm_suite, &rms_suite, &rm_misuse_suite);
