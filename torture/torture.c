// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * bsdsync_torture.ko: a stress test of bsdsync's locks in the spirit of Linux's locktorture
 * (our own code). For each lock type of the tables (torture/torture.h: every FreeBSD
 * primitive, DragonFly's locks, and a deliberately broken control type), in turn:
 * `nwriters` writer threads take the lock exclusively and `nreaders` reader threads take it
 * shared (types that have a shared mode), for `duration` seconds. Inside a section each
 * thread checks the section's occupancy: a writer must be alone, a reader must see no
 * writer; a violation is an error. Sections last a random few microseconds (and, for types
 * whose holder may sleep, sometimes a millisecond's sleep); between sections each thread
 * waits a random moment, sometimes sleeping. Every `stutter` ms of running, all threads
 * pause for `stutter` ms (0: never). A statistics line every `stat_interval` seconds, and a
 * final line per type:
 *
 *   bsdsync_torture: RESULT <type> SUCCESS|FAILURE (writes W, reads R, errors E)[ expected]
 *
 * FAILURE when there was an error, or when no write section ran at all (no progress).
 * The control type "broken" (a lock that sometimes lets a second writer in) must end in
 * FAILURE: its line says "expected", and scripts/test.sh counts that as a pass.
 *
 * The whole run happens in module init (insmod returns when it is over; its result is 0
 * whatever the outcome: the RESULT lines say it), then rmmod. Module parameters: type
 * ("all", or names separated by commas), duration, nwriters, nreaders, stutter,
 * stat_interval.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "torture.h"

static char *type = "all";
module_param(type, charp, 0444);
MODULE_PARM_DESC(type, "lock types to torture: all, or names separated by commas");
static int duration = 10;
module_param(duration, int, 0444);
MODULE_PARM_DESC(duration, "seconds per type");
static int nwriters = 2;
module_param(nwriters, int, 0444);
MODULE_PARM_DESC(nwriters, "writer threads (exclusive holders)");
static int nreaders = 2;
module_param(nreaders, int, 0444);
MODULE_PARM_DESC(nreaders, "reader threads (shared holders; types with a shared mode)");
static int stutter = 500;
module_param(stutter, int, 0444);
MODULE_PARM_DESC(stutter, "ms of running between pauses of every thread, and of each pause (0: none)");
static int stat_interval = 5;
module_param(stat_interval, int, 0444);
MODULE_PARM_DESC(stat_interval, "seconds between statistics lines (0: none)");

#define MAX_THREADS 64
#define ERRORS_SHOWN 3

/* ---- the broken control type: a test-and-set lock that, when it finds the lock held,
 * sometimes goes in anyway (every fourth time): exclusion fails under contention, which the
 * harness must see. ---- */
static atomic_t broken_word;
static atomic_t broken_count;

static void broken_init(void)
{
	atomic_set(&broken_word, 0);
	atomic_set(&broken_count, 0);
}
static void broken_fini(void) { }
static void broken_lock(struct torture_scratch *s)
{
	while (atomic_cmpxchg(&broken_word, 0, 1) != 0) {
		if (atomic_inc_return(&broken_count) % 4 == 0) {
			s->bytes[0] = 1;	/* went in without the lock: unlock leaves it */
			return;
		}
		cpu_relax();
	}
	s->bytes[0] = 0;
}
static void broken_unlock(struct torture_scratch *s)
{
	if (!s->bytes[0])
		atomic_set_release(&broken_word, 0);
}

static const struct torture_type torture_control_types[] = {
	{ .name = "broken", .init = broken_init, .destroy = broken_fini,
	  .excl_lock = broken_lock, .excl_unlock = broken_unlock, .atomic_section = 0,
	  .expect_failure = 1 },
	{ .name = NULL }
};

static const struct torture_type *const torture_tables[] = {
	torture_freebsd_types, torture_dragonfly_types, torture_control_types,
};

/* ---- one run ---- */
struct run {
	const struct torture_type *t;
	atomic_t writers_in, readers_in;	/* the section's occupancy */
	atomic_long_t writes, reads, errors;
	int paused;				/* stutter: all threads wait */
};

struct worker {
	struct run *run;
	struct task_struct *task;
	bool writer;
	unsigned int seed;
	struct torture_scratch scratch;
};

static unsigned int next_random(unsigned int *seed)
{
	/* xorshift32: cheap and good enough to vary delays. */
	unsigned int x = *seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *seed = x;
}

static void violation(struct run *r, const char *who, int writers, int readers)
{
	long n = atomic_long_inc_return(&r->errors);

	if (n <= ERRORS_SHOWN)
		pr_err("bsdsync_torture: %s: exclusion violated: a %s in the section with %d writer(s) and %d reader(s)\n",
		       r->t->name, who, writers, readers);
}

/* Inside a section: a few microseconds busy, or (sleepable types, 1 in 64) a sleep. */
static void section_delay(struct worker *w)
{
	unsigned int x = next_random(&w->seed);

	if (w->run->t->sleeps_in_section && x % 64 == 0)
		usleep_range(500, 1000);
	else
		udelay(x % 8);
}

/* Between sections: a moment busy, sometimes a sleep (never inside a section). */
static void between_delay(struct worker *w)
{
	unsigned int x = next_random(&w->seed);

	if (x % 32 == 0)
		usleep_range(50, 200);
	else
		udelay(x % 4);
	cond_resched();
}

static int worker_fn(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	const struct torture_type *t = r->t;

	while (!kthread_should_stop()) {
		if (READ_ONCE(r->paused)) {
			msleep(1);
			continue;
		}
		w->scratch.random = next_random(&w->seed);
		if (w->writer) {
			int writers, readers;

			t->excl_lock(&w->scratch);
			writers = atomic_inc_return(&r->writers_in);
			readers = atomic_read(&r->readers_in);
			if (writers != 1 || readers != 0)
				violation(r, "writer", writers, readers);
			section_delay(w);
			atomic_dec(&r->writers_in);
			t->excl_unlock(&w->scratch);
			atomic_long_inc(&r->writes);
		} else if (t->shared_lock) {
			int writers;

			t->shared_lock(&w->scratch);
			atomic_inc(&r->readers_in);
			writers = atomic_read(&r->writers_in);
			if (writers != 0)
				violation(r, "reader", writers, atomic_read(&r->readers_in));
			section_delay(w);
			atomic_dec(&r->readers_in);
			t->shared_unlock(&w->scratch);
			atomic_long_inc(&r->reads);
		} else {
			/* No shared mode: the reader idles. */
			msleep(10);
			continue;
		}
		between_delay(w);
	}
	return 0;
}

static void stats_line(struct run *r, const char *what)
{
	pr_info("bsdsync_torture: %s %s: writes %ld, reads %ld, errors %ld\n", r->t->name, what,
		atomic_long_read(&r->writes), atomic_long_read(&r->reads),
		atomic_long_read(&r->errors));
}

/* Torture one type; true if the outcome is the expected one. */
static bool torture_one(const struct torture_type *t)
{
	struct run *r = kzalloc(sizeof(*r), GFP_KERNEL);
	struct worker *w;
	int n = 0, nthreads = nwriters + nreaders;
	unsigned long end, next_stat, next_stutter;
	long errors, writes;
	bool failed, ok;

	w = kcalloc(nthreads, sizeof(*w), GFP_KERNEL);
	if (!r || !w) {
		kfree(r);
		kfree(w);
		pr_err("bsdsync_torture: RESULT %s FAILURE (no memory)\n", t->name);
		return false;
	}
	r->t = t;
	t->init();
	pr_info("bsdsync_torture: %s: %d writer(s), %d reader(s), %d s, stutter %d ms\n",
		t->name, nwriters, t->shared_lock ? nreaders : 0, duration, stutter);
	for (n = 0; n < nthreads; n++) {
		w[n].run = r;
		w[n].writer = n < nwriters;
		w[n].seed = 2463534242u + 7919u * n;
		w[n].task = kthread_run(worker_fn, &w[n], "bsdsync_torture/%d", n);
		if (IS_ERR(w[n].task)) {
			pr_err("bsdsync_torture: %s: cannot start thread %d\n", t->name, n);
			w[n].task = NULL;
			break;
		}
	}
	end = jiffies + duration * HZ;
	next_stat = jiffies + stat_interval * HZ;
	next_stutter = jiffies + msecs_to_jiffies(stutter);
	while (time_before(jiffies, end)) {
		msleep(20);
		if (stutter && time_after_eq(jiffies, next_stutter)) {
			WRITE_ONCE(r->paused, !r->paused);
			next_stutter = jiffies + msecs_to_jiffies(stutter);
		}
		if (stat_interval && time_after_eq(jiffies, next_stat)) {
			stats_line(r, "running");
			next_stat = jiffies + stat_interval * HZ;
		}
	}
	WRITE_ONCE(r->paused, 0);
	while (n-- > 0)
		if (w[n].task)
			kthread_stop(w[n].task);
	t->destroy();
	errors = atomic_long_read(&r->errors);
	writes = atomic_long_read(&r->writes);
	failed = errors || writes == 0;
	ok = failed == !!t->expect_failure;
	pr_info("bsdsync_torture: RESULT %s %s (writes %ld, reads %ld, errors %ld)%s\n", t->name,
		failed ? "FAILURE" : "SUCCESS", writes, atomic_long_read(&r->reads), errors,
		t->expect_failure ? (failed ? " expected: the broken control type"
				     : " UNEXPECTED: the broken control type was not caught") : "");
	kfree(w);
	kfree(r);
	return ok;
}

/* Is `name` one of the comma-separated names of `list` ("all": every type)? */
static bool selected(const char *list, const char *name)
{
	size_t len = strlen(name);

	if (!strcmp(list, "all"))
		return true;
	while (*list) {
		const char *end = strchrnul(list, ',');

		if ((size_t)(end - list) == len && !strncmp(list, name, len))
			return true;
		list = *end ? end + 1 : end;
	}
	return false;
}

static int __init torture_init(void)
{
	int types = 0, unexpected = 0;

	if (duration < 1 || nwriters < 1 || nreaders < 0 || nwriters + nreaders > MAX_THREADS ||
	    stutter < 0 || stat_interval < 0) {
		pr_err("bsdsync_torture: bad parameters\n");
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(torture_tables); i++) {
		for (const struct torture_type *t = torture_tables[i]; t->name; t++) {
			if (!selected(type, t->name))
				continue;
			types++;
			unexpected += !torture_one(t);
		}
	}
	pr_info("bsdsync_torture: done: %d type(s), %d unexpected outcome(s)\n", types,
		unexpected);
	if (!types)
		pr_err("bsdsync_torture: no type matches \"%s\"\n", type);
	return 0;
}

static void __exit torture_exit(void)
{
}

module_init(torture_init);
module_exit(torture_exit);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("bsdsync lock torture: writers and readers against every bsdsync lock type");
