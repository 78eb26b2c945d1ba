// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The core's blocking tail (module/core/block.h), tested through its block hooks: a hook
 * registered by the test runs in the blocking thread after it is queued and its interlock
 * is gone (and after the FreeBSD personality's Giant hook, registered first, dropped Giant
 * for a sleep), and again after the wakeup, with what it returned, before the interlock
 * and Giant come back. A lock wait (a mutex) is a BlockKind::Lock that keeps Giant.
 */
#include <kunit/test.h>
#include <linux/sched.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>

#include "harness_freebsd.h"

/* core/block.h's struct bsdsync_block_hook, in C (the kind is an unsigned char). */
enum { BH_KIND_LOCK = 0, BH_KIND_SLEEP = 1 };
struct bsdsync_block_hook {
	const char *name;
	unsigned long (*before_block)(unsigned char kind, const char *file, int line);
	void (*after_wake)(unsigned long saved, unsigned char kind, const char *file, int line);
};
int bsdsync_block_hook_register(const struct bsdsync_block_hook *hook);
void bsdsync_block_hook_unregister(const struct bsdsync_block_hook *hook);

#define BH_TOKEN 0x5a5aUL

/* What the hook saw, in the watched thread only (other threads may block meanwhile). */
static struct bh_record {
	struct task_struct *watched;
	struct mtx *interlock;	/* the lock the watched thread blocks with, or on */
	int before;		/* before_block calls */
	int after;		/* after_wake calls */
	int kind_before;
	int kind_after;
	int interlock_owned_before;
	int interlock_owned_after;
	int giant_owned_before;
	int giant_owned_after;
	unsigned long saved_after;
	const char *file_before;
} bh;

static unsigned long bh_before(unsigned char kind, const char *file, int line)
{
	if (current != READ_ONCE(bh.watched))
		return 0;
	bh.kind_before = kind;
	bh.interlock_owned_before = mtx_owned(bh.interlock);
	bh.giant_owned_before = mtx_owned(&Giant);
	bh.file_before = file;
	WRITE_ONCE(bh.before, bh.before + 1);
	return BH_TOKEN;
}

static void bh_after(unsigned long saved, unsigned char kind, const char *file, int line)
{
	if (current != READ_ONCE(bh.watched))
		return;
	bh.saved_after = saved;
	bh.kind_after = kind;
	bh.interlock_owned_after = mtx_owned(bh.interlock);
	bh.giant_owned_after = mtx_owned(&Giant);
	WRITE_ONCE(bh.after, bh.after + 1);
}

static const struct bsdsync_block_hook bh_hook = {
	.name = "kunit",
	.before_block = bh_before,
	.after_wake = bh_after,
};

struct bh_sleeper {
	struct mtx m;
	int chan;
	int error;
	int done;
	int m_owned_after;
	int giant_depth_after;
};

/* Holds Giant twice and m, msleeps on chan with m as interlock. */
static void bh_sleeper_main(void *arg)
{
	struct bh_sleeper *s = arg;

	WRITE_ONCE(bh.watched, current);
	mtx_lock(&Giant);
	mtx_lock(&Giant);
	mtx_lock(&s->m);
	s->error = msleep(&s->chan, &s->m, 0, "bhook", 0);
	s->m_owned_after = mtx_owned(&s->m);
	if (s->m_owned_after)
		mtx_unlock(&s->m);
	while (mtx_owned(&Giant) && s->giant_depth_after < 16) {
		mtx_unlock(&Giant);
		s->giant_depth_after++;
	}
	WRITE_ONCE(bh.watched, NULL);
	WRITE_ONCE(s->done, 1);
}

static void block_hook_runs_after_a_sleeper_dropped_its_interlock_and_giant(struct kunit *test)
{
	struct bh_sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned long reports = bsdsync_report_total();
	struct bt_thread t;
	int after_while_asleep;

	KUNIT_ASSERT_NOT_NULL(test, s);
	memset(&bh, 0, sizeof(bh));
	mtx_init(&s->m, "bhook_interlock", NULL, MTX_DEF);
	bh.interlock = &s->m;
	KUNIT_ASSERT_EQ(test, bsdsync_block_hook_register(&bh_hook), 0);
	bt_start(test, &t, bh_sleeper_main, s, "bsd-bhook");
	BT_WAIT_UNTIL(test, READ_ONCE(bh.before) == 1);
	after_while_asleep = READ_ONCE(bh.after);
	/* The hook ran once the sleeper was queued: this wakeup finds it. */
	mtx_lock(&s->m);
	wakeup(&s->chan);
	mtx_unlock(&s->m);
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	bt_join(&t);
	bsdsync_block_hook_unregister(&bh_hook);

	KUNIT_EXPECT_EQ(test, after_while_asleep, 0);
	KUNIT_EXPECT_EQ(test, bh.before, 1);
	KUNIT_EXPECT_EQ(test, bh.after, 1);
	KUNIT_EXPECT_EQ(test, bh.kind_before, BH_KIND_SLEEP);
	KUNIT_EXPECT_EQ(test, bh.kind_after, BH_KIND_SLEEP);
	KUNIT_EXPECT_EQ(test, bh.saved_after, BH_TOKEN);
	/* Queued, then the interlock, then Giant (its hook runs first) went before ours. */
	KUNIT_EXPECT_FALSE(test, bh.interlock_owned_before);
	KUNIT_EXPECT_FALSE(test, bh.giant_owned_before);
	/* Ours runs first on the way back: neither Giant nor the interlock is back yet. */
	KUNIT_EXPECT_FALSE(test, bh.interlock_owned_after);
	KUNIT_EXPECT_FALSE(test, bh.giant_owned_after);
	KUNIT_EXPECT_NOT_NULL(test, bh.file_before);
	/* Then both came back, Giant at its depth. */
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->m_owned_after);
	KUNIT_EXPECT_EQ(test, s->giant_depth_after, 2);
	KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - reports, 0UL, "unexpected report");
	mtx_destroy(&s->m);
}

struct bh_locker {
	struct mtx *m;
	int done;
};

/* Holds Giant and blocks on m, owned by the test. */
static void bh_locker_main(void *arg)
{
	struct bh_locker *l = arg;

	WRITE_ONCE(bh.watched, current);
	mtx_lock(&Giant);
	mtx_lock(l->m);
	mtx_unlock(l->m);
	mtx_unlock(&Giant);
	WRITE_ONCE(bh.watched, NULL);
	WRITE_ONCE(l->done, 1);
}

static void block_hook_sees_a_mutex_wait_as_a_lock_wait_that_keeps_giant(struct kunit *test)
{
	struct mtx *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct bh_locker *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	unsigned long reports = bsdsync_report_total();
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, l);
	memset(&bh, 0, sizeof(bh));
	mtx_init(m, "bhook_mutex", NULL, MTX_DEF);
	bh.interlock = m;
	l->m = m;
	KUNIT_ASSERT_EQ(test, bsdsync_block_hook_register(&bh_hook), 0);
	mtx_lock(m);
	bt_start(test, &t, bh_locker_main, l, "bsd-bhook-mtx");
	/* The owner (this thread) sleeps in the wait below, so the locker stops spinning and
	 * blocks. */
	BT_WAIT_UNTIL(test, READ_ONCE(bh.before) == 1);
	mtx_unlock(m);
	BT_WAIT_UNTIL(test, READ_ONCE(l->done));
	bt_join(&t);
	bsdsync_block_hook_unregister(&bh_hook);

	KUNIT_EXPECT_EQ(test, bh.before, 1);
	KUNIT_EXPECT_EQ(test, bh.after, 1);
	KUNIT_EXPECT_EQ(test, bh.kind_before, BH_KIND_LOCK);
	KUNIT_EXPECT_EQ(test, bh.saved_after, BH_TOKEN);
	KUNIT_EXPECT_TRUE(test, bh.giant_owned_before);
	KUNIT_EXPECT_TRUE(test, bh.giant_owned_after);
	KUNIT_EXPECT_FALSE(test, bh.interlock_owned_after);	/* retried after the wake */
	KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - reports, 0UL, "unexpected report");
	mtx_destroy(m);
}

static struct kunit_case block_cases[] = {
	KUNIT_CASE(block_hook_runs_after_a_sleeper_dropped_its_interlock_and_giant),
	KUNIT_CASE(block_hook_sees_a_mutex_wait_as_a_lock_wait_that_keeps_giant),
	{}
};

static struct kunit_suite block_suite = {
	.name = "bsdsync_block_tail",
	.test_cases = block_cases,
};
kunit_test_suites(&block_suite);
