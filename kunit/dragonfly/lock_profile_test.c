// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Lock profiling (module/core/lock_profile.h) through DragonFly's spinning primitives: the
 * spin iterations of a contended spinlock and of a contended LWKT token (which spins before
 * it blocks) are charged to the lock's class, none to the lock the contender takes next.
 * Each case starts with profiling on and an empty table, and puts profiling back as it was.
 */
#include <linux/cpumask.h>

#include "harness.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>

struct spinning_contender {
	bool token;				/* else a spinlock */
	struct spinlock *s, *s_after;
	struct lwkt_token *t, *t_after;
	const unsigned long *counter;		/* B's pending spin count */
	int go;					/* A holds the lock: contend */
};

static void contend_and_publish_spins(void *arg)
{
	struct spinning_contender *c = arg;

	WRITE_ONCE(c->counter, bsdsync_test_lock_prof_spin_counter());
	while (!READ_ONCE(c->go))
		usleep_range(100, 200);
	if (c->token) {
		lwkt_gettoken(c->t);
		lwkt_reltoken(c->t);
		lwkt_gettoken(c->t_after);
		lwkt_reltoken(c->t_after);
	} else {
		spin_lock(c->s);
		spin_unlock(c->s);
		spin_lock(c->s_after);
		spin_unlock(c->s_after);
	}
}

#define SPIN_ROUNDS 20

/* A holds the lock on its CPU until it has seen B's spin count move, then releases. */
static void spins_are_counted(struct kunit *test, struct spinning_contender *c,
			      const char *type, const char *name, const char *after_name)
{
	struct bt_thread b;
	struct bsdsync_test_lock_prof_numbers p = {};
	unsigned long seen = 0;
	int round;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs: a spinner and a running holder");
	for (round = 0; round < SPIN_ROUNDS && seen == 0; round++) {
		WRITE_ONCE(c->counter, NULL);
		WRITE_ONCE(c->go, 0);
		bt_start(test, &b, contend_and_publish_spins, c, "lp-dfly-spinner");
		if (c->token)
			lwkt_gettoken(c->t);
		else
			spin_lock(c->s);
		WRITE_ONCE(c->go, 1);
		seen = bt_hold_until_spun(&c->counter, NULL, NULL);
		if (c->token)
			lwkt_reltoken(c->t);
		else
			spin_unlock(c->s);
		bt_join(&b);
	}
	KUNIT_ASSERT_GT_MSG(test, seen, 0UL, "B's spin count never moved in %d rounds", round);
	KUNIT_ASSERT_EQ(test, bsdsync_test_lock_prof_class(type, name, &p), 1);
	kunit_info(test, "%s: B seen spinning %lu times before the release (round %d); class: %llu spins, %llu contended",
		   name, seen, round, p.spins, p.contended);
	KUNIT_EXPECT_GE(test, p.spins, (u64)seen);
	KUNIT_EXPECT_GE(test, p.contended, 1ULL);
	KUNIT_ASSERT_EQ(test, bsdsync_test_lock_prof_class(type, after_name, &p), 1);
	KUNIT_EXPECT_EQ(test, p.acquisitions, (u64)round);
	KUNIT_EXPECT_EQ(test, p.spins, 0ULL);
}

static void lock_profiling_counts_the_spins_of_a_spinlock(struct kunit *test)
{
	struct spinlock s, after;
	struct spinning_contender c = { .s = &s, .s_after = &after };

	spin_init(&s, "lp-dfly-spin");
	spin_init(&after, "lp-dfly-spin-after");
	spins_are_counted(test, &c, "DragonFly spinlock", "lp-dfly-spin", "lp-dfly-spin-after");
	spin_uninit(&after);
	spin_uninit(&s);
}

static void lock_profiling_counts_the_spins_of_a_token_before_it_blocks(struct kunit *test)
{
	struct lwkt_token t, after;
	struct spinning_contender c = { .token = true, .t = &t, .t_after = &after };

	lwkt_token_init(&t, "lp-dfly-token");
	lwkt_token_init(&after, "lp-dfly-token-after");
	spins_are_counted(test, &c, "LWKT token", "lp-dfly-token", "lp-dfly-token-after");
	lwkt_token_uninit(&after);
	lwkt_token_uninit(&t);
}

static int profile_was;

static int lock_profile_case_init(struct kunit *test)
{
	profile_was = bsdsync_test_lock_prof(1);
	bsdsync_test_lock_prof_reset();
	return 0;
}

static void lock_profile_case_exit(struct kunit *test)
{
	bsdsync_test_lock_prof(profile_was);
}

static struct kunit_case dfly_lock_profile_cases[] = {
	KUNIT_CASE(lock_profiling_counts_the_spins_of_a_spinlock),
	KUNIT_CASE(lock_profiling_counts_the_spins_of_a_token_before_it_blocks),
	{}
};

static struct kunit_suite dfly_lock_profile_suite = {
	.name = "dragonfly_lock_profile",
	.init = lock_profile_case_init,
	.exit = lock_profile_case_exit,
	.test_cases = dfly_lock_profile_cases,
};

kunit_test_suites(&dfly_lock_profile_suite);
