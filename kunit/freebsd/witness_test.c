// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The lock-order checker (module/core/witness.h) through real FreeBSD locks, as witness(4)
 * behaves: a reversal between two mtx classes reported once with both sites, a three-lock
 * cycle, sx against mtx, spin mutexes (the per-CPU spin record), MTX_DUPOK, MTX_NOWITNESS,
 * try-locks, Giant with sleepable locks, and the DOT graph of what was taken. Each case starts
 * with witness on and an empty graph, and puts witness back as it was.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/sx.h>
#include <sys/lockmgr.h>
#include <sys/rmlock.h>
#include <bsdsync/report.h>
#include <bsdsync/testing.h>

#include "harness.h"

#define TEXT_BYTES 8192

static char *text(struct kunit *test, unsigned long (*get)(char *, unsigned long))
{
	char *buf = kunit_kzalloc(test, TEXT_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_LT(test, get(buf, TEXT_BYTES), (unsigned long)TEXT_BYTES);
	return buf;
}

/* How many lines of `t` contain `what`. */
static int lines_with(const char *t, const char *what)
{
	int n = 0;

	while (*t) {
		const char *end = strchr(t, '\n');
		size_t len = end ? (size_t)(end - t) : strlen(t);

		n += strnstr(t, what, len) != NULL;
		t += len + (end != NULL);
	}
	return n;
}

static void mtx_pair(struct mtx *a, struct mtx *b)
{
	mtx_lock(a);
	mtx_lock(b);
	mtx_unlock(b);
	mtx_unlock(a);
}

static void witness_reports_an_mtx_reversal_once_with_both_sites(struct kunit *test)
{
	struct mtx a, b;
	char *rev;

	mtx_init(&a, "wt-fa", NULL, MTX_DEF);
	mtx_init(&b, "wt-fb", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, mtx_pair(&a, &b));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, mtx_pair(&b, &a));
	BT_EXPECT_NO_REPORT(test, mtx_pair(&b, &a));
	BT_EXPECT_NO_REPORT(test, mtx_pair(&b, &a));
	rev = text(test, bsdsync_test_witness_reversals);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "reversal: sleep mutex: wt-fb held at "), 1,
			    "%s", rev);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "then sleep mutex: wt-fa at "), 1, "%s", rev);
	/* Every site is this file's (as a tail of its path). */
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "witness_test.c:"), 1, "%s", rev);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

static void witness_finds_a_three_mtx_cycle(struct kunit *test)
{
	struct mtx a, b, c;

	mtx_init(&a, "wt-fa", NULL, MTX_DEF);
	mtx_init(&b, "wt-fb", NULL, MTX_DEF);
	mtx_init(&c, "wt-fc", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, mtx_pair(&a, &b));
	BT_EXPECT_NO_REPORT(test, mtx_pair(&b, &c));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, mtx_pair(&c, &a));
	mtx_destroy(&c);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

static void witness_reports_an_sx_taken_after_an_mtx_against_the_order(struct kunit *test)
{
	struct mtx m;
	struct sx s;
	unsigned long order, nonsleep, total;

	mtx_init(&m, "wt-fm", NULL, MTX_DEF);
	sx_init(&s, "wt-fs");
	/* sx then mtx: the usual order. */
	BT_EXPECT_NO_REPORT(test, ({ sx_xlock(&s); mtx_lock(&m); mtx_unlock(&m); sx_xunlock(&s); }));
	/* mtx then sx: the reversal, and (as FreeBSD's witness also says) a sleepable lock
	 * taken with a non-sleepable one held. */
	order = bsdsync_report_count(BSDSYNC_RULE_LOCK_ORDER);
	nonsleep = bsdsync_report_count(BSDSYNC_RULE_SLEEP_NONSLEEPABLE);
	total = bsdsync_report_total();
	mtx_lock(&m);
	sx_xlock(&s);
	sx_xunlock(&s);
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_LOCK_ORDER) - order, 1UL);
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_SLEEP_NONSLEEPABLE) - nonsleep, 1UL);
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - total, 2UL);
	sx_destroy(&s);
	mtx_destroy(&m);
}

static void witness_reports_a_spin_mutex_reversal(struct kunit *test)
{
	struct mtx a, b;

	mtx_init(&a, "wt-sa", NULL, MTX_SPIN);
	mtx_init(&b, "wt-sb", NULL, MTX_SPIN);
	BT_EXPECT_NO_REPORT(test, ({ mtx_lock_spin(&a); mtx_lock_spin(&b);
				     mtx_unlock_spin(&b); mtx_unlock_spin(&a); }));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER,
			 ({ mtx_lock_spin(&b); mtx_lock_spin(&a);
			    mtx_unlock_spin(&a); mtx_unlock_spin(&b); }));
	mtx_destroy(&b);
	mtx_destroy(&a);
}

static void witness_dupok_suppresses_the_duplicate_class_report(struct kunit *test)
{
	struct mtx d1, d2, o1, o2;
	char *rev;

	mtx_init(&d1, "wt-dup", NULL, MTX_DEF);
	mtx_init(&d2, "wt-dup", NULL, MTX_DEF);
	mtx_init(&o1, "wt-dupok", NULL, MTX_DEF | MTX_DUPOK);
	mtx_init(&o2, "wt-dupok", NULL, MTX_DEF | MTX_DUPOK);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, mtx_pair(&d1, &d2));
	BT_EXPECT_NO_REPORT(test, mtx_pair(&d2, &d1));
	BT_EXPECT_NO_REPORT(test, mtx_pair(&o1, &o2));
	BT_EXPECT_NO_REPORT(test, mtx_pair(&o2, &o1));
	rev = text(test, bsdsync_test_witness_reversals);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "duplicate: sleep mutex: wt-dup held"), 1, "%s",
			    rev);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "wt-dupok"), 0, "%s", rev);
	mtx_destroy(&o2);
	mtx_destroy(&o1);
	mtx_destroy(&d2);
	mtx_destroy(&d1);
}

static void witness_never_reports_nor_records_a_nowitness_lock(struct kunit *test)
{
	struct mtx n, a, b;
	char *dot;

	mtx_init(&n, "wt-nowitness", NULL, MTX_DEF | MTX_NOWITNESS);
	mtx_init(&a, "wt-fa", NULL, MTX_DEF);
	mtx_init(&b, "wt-fb", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, mtx_pair(&n, &a));
	BT_EXPECT_NO_REPORT(test, mtx_pair(&a, &n));
	/* With n between them, a and b are ordered as if n were not there. */
	BT_EXPECT_NO_REPORT(test, ({ mtx_lock(&a); mtx_lock(&n); mtx_lock(&b); mtx_unlock(&b);
				     mtx_unlock(&n); mtx_unlock(&a); }));
	dot = text(test, bsdsync_test_witness_dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "wt-nowitness"), 0, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test,
			    lines_with(dot, "\"sleep mutex: wt-fa\" -> \"sleep mutex: wt-fb\""),
			    1, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "->"), 1, "%s", dot);
	mtx_destroy(&b);
	mtx_destroy(&a);
	mtx_destroy(&n);
}

static void witness_dot_graph_has_exactly_the_orders_taken(struct kunit *test)
{
	struct mtx a, b;
	struct sx s;
	char *dot;

	mtx_init(&a, "wt-fa", NULL, MTX_DEF);
	mtx_init(&b, "wt-fb", NULL, MTX_DEF);
	sx_init(&s, "wt-fs");
	sx_slock(&s);
	mtx_pair(&a, &b);
	sx_sunlock(&s);
	mtx_pair(&a, &b);
	dot = text(test, bsdsync_test_witness_dot);
	/* s -> a, s -> b, a -> b; nothing else of this test's classes. */
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "\"sx: wt-fs\" -> \"sleep mutex: wt-fa\""), 1,
			    "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "\"sx: wt-fs\" -> \"sleep mutex: wt-fb\""), 1,
			    "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test,
			    lines_with(dot, "\"sleep mutex: wt-fa\" -> \"sleep mutex: wt-fb\""),
			    1, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, ": wt-f"), 3 + 3, "%s", dot);	/* + nodes */
	sx_destroy(&s);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

static void witness_does_not_report_a_trylock_against_the_order(struct kunit *test)
{
	struct mtx a, b;
	char *dot;

	mtx_init(&a, "wt-fa", NULL, MTX_DEF);
	mtx_init(&b, "wt-fb", NULL, MTX_DEF);
	mtx_pair(&a, &b);
	mtx_lock(&b);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_TRUE(test, mtx_trylock(&a)));
	mtx_unlock(&a);
	mtx_unlock(&b);
	/* The order taken with mtx_lock is there; the try-lock's is not. */
	dot = text(test, bsdsync_test_witness_dot);
	KUNIT_EXPECT_EQ_MSG(test,
			    lines_with(dot, "\"sleep mutex: wt-fa\" -> \"sleep mutex: wt-fb\""),
			    1, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test,
			    lines_with(dot, "\"sleep mutex: wt-fb\" -> \"sleep mutex: wt-fa\""),
			    0, "%s", dot);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

static void witness_exempts_giant_with_sleepable_locks(struct kunit *test)
{
	struct sx s;
	struct mtx m;

	sx_init(&s, "wt-fs");
	mtx_init(&m, "wt-fm", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, ({ mtx_lock(&Giant); sx_xlock(&s); sx_xunlock(&s);
				     mtx_unlock(&Giant); }));
	BT_EXPECT_NO_REPORT(test, ({ sx_xlock(&s); mtx_lock(&Giant); mtx_unlock(&Giant);
				     sx_xunlock(&s); }));
	/* Against a sleep mutex, Giant is ordered like any lock. */
	BT_EXPECT_NO_REPORT(test, mtx_pair(&Giant, &m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, mtx_pair(&m, &Giant));
	mtx_destroy(&m);
	sx_destroy(&s);
}

/* FreeBSD's vnode pattern: the interlock (VI_LOCK) taken, then the vnode lock with
 * LK_INTERLOCK (which releases it); elsewhere the interlock taken with the vnode lock held.
 * witness(4) skips the interlock of a lockmgr request (WITNESS_CHECKORDER's interlock), so
 * neither order is a reversal of the other. */
static void witness_skips_the_interlock_of_a_lockmgr_request(struct kunit *test)
{
	struct lock lk;
	struct mtx ilk;
	char *dot;

	lockinit(&lk, PVFS, "wt-vnode", 0, 0);
	mtx_init(&ilk, "wt-vnode interlock", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, ({
		mtx_lock(&ilk);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_INTERLOCK, &ilk), 0);
		mtx_lock(&ilk);
		mtx_unlock(&ilk);
		lockmgr(&lk, LK_RELEASE, NULL);
		mtx_lock(&ilk);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_INTERLOCK, &ilk), 0);
		lockmgr(&lk, LK_RELEASE, NULL);
	}));
	dot = text(test, bsdsync_test_witness_dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "\"lockmgr: wt-vnode\" -> "), 1, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "interlock\" -> "), 0, "%s", dot);
	mtx_destroy(&ilk);
	lockdestroy(&lk);
}

/* FreeBSD's struct rmslock has no lock_object: witness never sees an rms. */
static void witness_does_not_see_rms_locks(struct kunit *test)
{
	struct rmslock a1, a2, b;
	struct mtx m;
	char *dot;

	rms_init(&a1, "wt-rms-a");
	rms_init(&a2, "wt-rms-a");
	rms_init(&b, "wt-rms-b");
	mtx_init(&m, "wt-fm", NULL, MTX_DEF);
	/* Two of one name; a before b and b before a; an rms before a mutex. */
	BT_EXPECT_NO_REPORT(test, ({ rms_rlock(&a1); rms_rlock(&a2); rms_runlock(&a2);
				     rms_runlock(&a1); }));
	BT_EXPECT_NO_REPORT(test, ({ rms_wlock(&a1); rms_wlock(&b); rms_wunlock(&b);
				     rms_wunlock(&a1); }));
	BT_EXPECT_NO_REPORT(test, ({ rms_wlock(&b); rms_wlock(&a1); rms_wunlock(&a1);
				     rms_wunlock(&b); }));
	BT_EXPECT_NO_REPORT(test, ({ rms_rlock(&b); mtx_lock(&m); mtx_unlock(&m);
				     rms_runlock(&b); }));
	dot = text(test, bsdsync_test_witness_dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "wt-rms"), 0, "%s", dot);
	mtx_destroy(&m);
	rms_destroy(&b);
	rms_destroy(&a2);
	rms_destroy(&a1);
}

struct concurrent {
	struct mtx *a, *b, *sa, *sb;
	char *buf;		/* the reader's */
};

#define ROUNDS 2000

static void concurrent_orders(void *arg)
{
	struct concurrent *c = arg;

	for (int i = 0; i < ROUNDS; i++) {
		mtx_pair(c->a, c->b);
		mtx_lock_spin(c->sa);
		mtx_lock_spin(c->sb);
		mtx_unlock_spin(c->sb);
		mtx_unlock_spin(c->sa);
	}
}

static void concurrent_reader(void *arg)
{
	struct concurrent *c = arg;

	for (int i = 0; i < ROUNDS / 20; i++) {
		bsdsync_test_witness_dot(c->buf, TEXT_BYTES);
		bsdsync_test_witness_reversals(c->buf, TEXT_BYTES);
	}
}

static void witness_records_orders_taken_by_threads_at_once(struct kunit *test)
{
	struct mtx a, b, sa, sb;
	struct concurrent c = { &a, &b, &sa, &sb, kunit_kzalloc(test, TEXT_BYTES, GFP_KERNEL) };
	struct bt_thread t[3];
	unsigned long total = bsdsync_report_total();
	char *dot;

	KUNIT_ASSERT_NOT_NULL(test, c.buf);
	mtx_init(&a, "wt-fa", NULL, MTX_DEF);
	mtx_init(&b, "wt-fb", NULL, MTX_DEF);
	mtx_init(&sa, "wt-sa", NULL, MTX_SPIN);
	mtx_init(&sb, "wt-sb", NULL, MTX_SPIN);
	bt_start(test, &t[0], concurrent_orders, &c, "wt-orders0");
	bt_start(test, &t[1], concurrent_orders, &c, "wt-orders1");
	bt_start(test, &t[2], concurrent_reader, &c, "wt-reader");
	bt_join_n(t, 3);
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - total, 0UL);
	dot = text(test, bsdsync_test_witness_dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, ": wt-fa\" -> "), 1, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, ": wt-sa\" -> "), 1, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "wt-fb\" -> "), 0, "%s", dot);
	mtx_destroy(&sb);
	mtx_destroy(&sa);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

/* WITNESS_CHECKORDER: the reversal is reported as an acquisition would, and nothing is
 * acquired nor recorded. */
static void witness_checkorder_reports_a_reversal_without_acquiring(struct kunit *test)
{
	struct mtx a, b;
	char *dot;

	mtx_init(&a, "wt-co-a", NULL, MTX_DEF);
	mtx_init(&b, "wt-co-b", NULL, MTX_DEF);
	mtx_pair(&a, &b);
	mtx_lock(&b);
	/* A try-lock is never checked. */
	BT_EXPECT_NO_REPORT(test, WITNESS_CHECKORDER(&a.lock_object, LOP_EXCLUSIVE | LOP_TRYLOCK,
						     __FILE__, __LINE__, NULL));
	/* The interlock named is skipped. */
	BT_EXPECT_NO_REPORT(test, WITNESS_CHECKORDER(&a.lock_object, LOP_EXCLUSIVE, __FILE__,
						     __LINE__, &b.lock_object));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER,
			 WITNESS_CHECKORDER(&a.lock_object, LOP_EXCLUSIVE, __FILE__, __LINE__,
					    NULL));
	KUNIT_EXPECT_FALSE(test, mtx_owned(&a));
	mtx_unlock(&b);
	dot = text(test, bsdsync_test_witness_dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "\"sleep mutex: wt-co-b\" -> "), 0, "%s", dot);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

static void witness_save_and_restore_keep_the_acquisition_site(struct kunit *test)
{
	struct mtx m;
	int first_line, second_line;
	WITNESS_SAVE_DECL(saved);

	mtx_init(&m, "wt-save", NULL, MTX_DEF);
	KUNIT_EXPECT_STREQ(test, WITNESS_FILE(&m.lock_object), "?");
	KUNIT_EXPECT_EQ(test, WITNESS_LINE(&m.lock_object), 0);
	first_line = __LINE__ + 1;
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, WITNESS_LINE(&m.lock_object), first_line);
	KUNIT_EXPECT_NOT_NULL(test, strstr(WITNESS_FILE(&m.lock_object), "witness_test.c"));
	WITNESS_SAVE(&m.lock_object, saved);
	mtx_unlock(&m);
	second_line = __LINE__ + 1;
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, WITNESS_LINE(&m.lock_object), second_line);
	WITNESS_RESTORE(&m.lock_object, saved);
	KUNIT_EXPECT_EQ(test, WITNESS_LINE(&m.lock_object), first_line);
	mtx_unlock(&m);
	mtx_destroy(&m);
}

/* Not inlined, and no tail call (the store after it), so that its name is in the stacks. */
static int stack_helper_calls;

static noinline void witness_stack_first_order(struct mtx *a, struct mtx *b)
{
	mtx_pair(a, b);
	WRITE_ONCE(stack_helper_calls, stack_helper_calls + 1);
}

static noinline void witness_stack_reversal(struct mtx *a, struct mtx *b)
{
	mtx_pair(b, a);
	WRITE_ONCE(stack_helper_calls, stack_helper_calls + 1);
}

static void witness_keeps_the_stacks_of_an_order_and_its_reversal(struct kunit *test)
{
	struct mtx a, b;
	int stacks_were = bsdsync_test_witness_stacks(1);
	char *rev;

	mtx_init(&a, "wt-st-a", NULL, MTX_DEF);
	mtx_init(&b, "wt-st-b", NULL, MTX_DEF);
	witness_stack_first_order(&a, &b);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, witness_stack_reversal(&a, &b));
	rev = text(test, bsdsync_test_witness_reversals);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "stack: witness_stack_reversal+"), 1, "%s",
			    rev);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "established by: witness_stack_first_order+"),
			    1, "%s", rev);
	/* Without stacks: the orders, no stack lines. */
	bsdsync_test_witness(0);
	bsdsync_test_witness(1);
	bsdsync_test_witness_stacks(0);
	witness_stack_first_order(&a, &b);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, witness_stack_reversal(&a, &b));
	rev = text(test, bsdsync_test_witness_reversals);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "reversal: "), 1, "%s", rev);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "stack: "), 0, "%s", rev);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "established by: "), 0, "%s", rev);
	bsdsync_test_witness_stacks(stacks_were);
	mtx_destroy(&b);
	mtx_destroy(&a);
}

struct holder {
	struct mtx *m;
	struct sx *s;
	int state;		/* 1: holding; 2: may release */
};

static void hold_both(void *arg)
{
	struct holder *h = arg;

	sx_slock(h->s);
	mtx_lock(h->m);
	WRITE_ONCE(h->state, 1);
	while (READ_ONCE(h->state) != 2)
		msleep(1);
	mtx_unlock(h->m);
	sx_sunlock(h->s);
}

/* debugfs bsdsync/witness/held: another thread's holds, with mode and site. */
static void witness_held_lists_the_locks_each_thread_holds(struct kunit *test)
{
	struct mtx m;
	struct sx s;
	struct holder h = { &m, &s, 0 };
	struct bt_thread t;
	char *held = kunit_kzalloc(test, TEXT_BYTES, GFP_KERNEL);
	char *who;

	KUNIT_ASSERT_NOT_NULL(test, held);
	mtx_init(&m, "wt-held-m", NULL, MTX_DEF);
	sx_init(&s, "wt-held-s");
	bt_start(test, &t, hold_both, &h, "wt-holder");
	BT_WAIT_UNTIL(test, READ_ONCE(h.state) == 1);
	KUNIT_EXPECT_LT(test, bsdsync_test_witness_held(held, TEXT_BYTES),
			(unsigned long)TEXT_BYTES);
	who = strstr(held, "wt-holder[");
	KUNIT_EXPECT_NOT_NULL_MSG(test, who, "%s", held);
	if (who) {
		char *end = strstr(who + 1, "]:\n");
		char *next = end ? strchr(end + 3, '[') : NULL;

		/* Its two holds follow its line (before any other thread's). */
		if (next)
			*next = '\0';
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(who, "\tsx "), "%s", who);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(who, " shared, acquired at "), "%s", who);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(who, "\tsleep mutex "), "%s", who);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(who, " exclusive, acquired at "), "%s",
					  who);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(who, "witness_test.c:"), "%s", who);
		/* What the file shows (an example for the README). */
		kunit_info(test, "witness/held:\n%s", who);
	}
	WRITE_ONCE(h.state, 2);
	bt_join(&t);
	/* Released: the thread is no longer listed with locks. */
	bsdsync_test_witness_held(held, TEXT_BYTES);
	KUNIT_EXPECT_NULL_MSG(test, strstr(held, "wt-holder["), "%s", held);
	sx_destroy(&s);
	mtx_destroy(&m);
}

static int witness_was, lockdep_was_quiet;

static int witness_case_init(struct kunit *test)
{
	/* The cases make reversals on purpose: not for Linux lockdep to report. */
	lockdep_was_quiet = bsdsync_test_lockdep_quiet(1);
	witness_was = bsdsync_test_witness(1);
	return 0;
}

static void witness_case_exit(struct kunit *test)
{
	bsdsync_test_witness(witness_was);
	bsdsync_test_lockdep_quiet(lockdep_was_quiet);
}

static struct kunit_case witness_cases[] = {
	KUNIT_CASE(witness_reports_an_mtx_reversal_once_with_both_sites),
	KUNIT_CASE(witness_finds_a_three_mtx_cycle),
	KUNIT_CASE(witness_reports_an_sx_taken_after_an_mtx_against_the_order),
	KUNIT_CASE(witness_reports_a_spin_mutex_reversal),
	KUNIT_CASE(witness_dupok_suppresses_the_duplicate_class_report),
	KUNIT_CASE(witness_never_reports_nor_records_a_nowitness_lock),
	KUNIT_CASE(witness_dot_graph_has_exactly_the_orders_taken),
	KUNIT_CASE(witness_does_not_report_a_trylock_against_the_order),
	KUNIT_CASE(witness_exempts_giant_with_sleepable_locks),
	KUNIT_CASE(witness_records_orders_taken_by_threads_at_once),
	KUNIT_CASE(witness_skips_the_interlock_of_a_lockmgr_request),
	KUNIT_CASE(witness_does_not_see_rms_locks),
	KUNIT_CASE(witness_checkorder_reports_a_reversal_without_acquiring),
	KUNIT_CASE(witness_save_and_restore_keep_the_acquisition_site),
	KUNIT_CASE(witness_keeps_the_stacks_of_an_order_and_its_reversal),
	KUNIT_CASE(witness_held_lists_the_locks_each_thread_holds),
	{}
};

static struct kunit_suite witness_suite = {
	.name = "bsdsync_witness",
	.init = witness_case_init,
	.exit = witness_case_exit,
	.test_cases = witness_cases,
};

kunit_test_suites(&witness_suite);
