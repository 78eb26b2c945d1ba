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
#include <sys/rwlock.h>
#include <bsdsync/report.h>
#include <bsdsync/testing.h>

#include "harness_freebsd.h"

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

/* ---- the context rules at acquisitions (core/context_rules.h), one case per cell ---------
 * witness_checkorder's "acquiring blockable sleep lock with spinlock or critical section
 * held": reported at every acquisition of a lock that may block, contended or not, once.
 * The locks of these cases, one of each kind. */
struct ctx_locks {
	struct mtx spin, spin2, m;
	struct sx sx;
	struct rwlock rw;
	struct rmlock rm;
	struct lock lk;
};

static struct ctx_locks *ctx_locks_init(struct kunit *test)
{
	struct ctx_locks *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, l);
	mtx_init(&l->spin, "ctx-spin", NULL, MTX_SPIN);
	mtx_init(&l->spin2, "ctx-spin2", NULL, MTX_SPIN);
	mtx_init(&l->m, "ctx-mtx", NULL, MTX_DEF);
	sx_init(&l->sx, "ctx-sx");
	rw_init(&l->rw, "ctx-rw");
	rm_init(&l->rm, "ctx-rm");
	lockinit(&l->lk, PVFS, "ctx-lk", 0, 0);
	return l;
}

static void ctx_locks_destroy(struct ctx_locks *l)
{
	lockdestroy(&l->lk);
	rm_destroy(&l->rm);
	rw_destroy(&l->rw);
	sx_destroy(&l->sx);
	mtx_destroy(&l->m);
	mtx_destroy(&l->spin2);
	mtx_destroy(&l->spin);
}

enum ctx_section { CTX_SPIN_MUTEX, CTX_CRITICAL };

static void ctx_enter(struct ctx_locks *l, enum ctx_section how)
{
	if (how == CTX_SPIN_MUTEX)
		mtx_lock_spin(&l->spin);
	else
		critical_enter();
}

static void ctx_exit(struct ctx_locks *l, enum ctx_section how)
{
	if (how == CTX_SPIN_MUTEX)
		mtx_unlock_spin(&l->spin);
	else
		critical_exit();
}

/* Nothing is asserted inside an atomic section (KUnit may allocate on a failure): each
 * operation there is probed (harness.h bt_probe) and checked after. */
#define CTX_PROBE(p, rule, stmt)			\
	do {						\
		bt_probe_begin((p), (rule));		\
		stmt;					\
		bt_probe_end((p));			\
	} while (0)

static void ctx_expect_quiet(struct kunit *test, const struct bt_probe *p, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, p->total_after - p->total_before, 0UL, "%s: reported", what);
}

/* Blockable, not sleepable (sleep mutex, rw both modes, rm read): one report each,
 * uncontended; the release is quiet. */
static void ctx_blockable_in(struct kunit *test, enum ctx_section how)
{
	struct ctx_locks *l = ctx_locks_init(test);
	struct rm_priotracker tr;
	struct bt_probe p[8];
	const int r = BSDSYNC_RULE_SLEEP_ATOMIC;

	ctx_enter(l, how);
	CTX_PROBE(&p[0], r, mtx_lock(&l->m));
	CTX_PROBE(&p[1], r, mtx_unlock(&l->m));
	CTX_PROBE(&p[2], r, rw_wlock(&l->rw));
	CTX_PROBE(&p[3], r, rw_wunlock(&l->rw));
	CTX_PROBE(&p[4], r, rw_rlock(&l->rw));
	CTX_PROBE(&p[5], r, rw_runlock(&l->rw));
	CTX_PROBE(&p[6], r, rm_rlock(&l->rm, &tr));
	CTX_PROBE(&p[7], r, rm_runlock(&l->rm, &tr));
	ctx_exit(l, how);
	KUNIT_EXPECT_EQ(test, preempt_count(), 0);
	bt_expect_one_report_no_sleep(test, &p[0], "mtx_lock");
	ctx_expect_quiet(test, &p[1], "mtx_unlock");
	bt_expect_one_report_no_sleep(test, &p[2], "rw_wlock");
	ctx_expect_quiet(test, &p[3], "rw_wunlock");
	bt_expect_one_report_no_sleep(test, &p[4], "rw_rlock");
	ctx_expect_quiet(test, &p[5], "rw_runlock");
	bt_expect_one_report_no_sleep(test, &p[6], "rm_rlock");
	ctx_expect_quiet(test, &p[7], "rm_runlock");
	ctx_locks_destroy(l);
}

/* Sleepable (sx both modes, lockmgr both modes): one report each, uncontended. */
static void ctx_sleepable_in(struct kunit *test, enum ctx_section how)
{
	struct ctx_locks *l = ctx_locks_init(test);
	struct bt_probe p[8];
	int err[2];
	const int r = BSDSYNC_RULE_SLEEP_ATOMIC;

	ctx_enter(l, how);
	CTX_PROBE(&p[0], r, sx_xlock(&l->sx));
	CTX_PROBE(&p[1], r, sx_xunlock(&l->sx));
	CTX_PROBE(&p[2], r, sx_slock(&l->sx));
	CTX_PROBE(&p[3], r, sx_sunlock(&l->sx));
	CTX_PROBE(&p[4], r, err[0] = lockmgr(&l->lk, LK_EXCLUSIVE, NULL));
	CTX_PROBE(&p[5], r, lockmgr(&l->lk, LK_RELEASE, NULL));
	CTX_PROBE(&p[6], r, err[1] = lockmgr(&l->lk, LK_SHARED, NULL));
	CTX_PROBE(&p[7], r, lockmgr(&l->lk, LK_RELEASE, NULL));
	ctx_exit(l, how);
	KUNIT_EXPECT_EQ(test, preempt_count(), 0);
	bt_expect_one_report_no_sleep(test, &p[0], "sx_xlock");
	ctx_expect_quiet(test, &p[1], "sx_xunlock");
	bt_expect_one_report_no_sleep(test, &p[2], "sx_slock");
	ctx_expect_quiet(test, &p[3], "sx_sunlock");
	bt_expect_one_report_no_sleep(test, &p[4], "lockmgr LK_EXCLUSIVE");
	ctx_expect_quiet(test, &p[5], "lockmgr LK_RELEASE");
	bt_expect_one_report_no_sleep(test, &p[6], "lockmgr LK_SHARED");
	ctx_expect_quiet(test, &p[7], "lockmgr LK_RELEASE");
	KUNIT_EXPECT_EQ(test, err[0], 0);
	KUNIT_EXPECT_EQ(test, err[1], 0);
	ctx_locks_destroy(l);
}

static void context_blockable_lock_under_a_spin_mutex_is_reported_uncontended(struct kunit *test)
{
	ctx_blockable_in(test, CTX_SPIN_MUTEX);
}

static void context_blockable_lock_in_a_critical_section_is_reported_uncontended(
	struct kunit *test)
{
	ctx_blockable_in(test, CTX_CRITICAL);
}

static void context_sleepable_lock_under_a_spin_mutex_is_reported_uncontended(struct kunit *test)
{
	ctx_sleepable_in(test, CTX_SPIN_MUTEX);
}

static void context_sleepable_lock_in_a_critical_section_is_reported_uncontended(
	struct kunit *test)
{
	ctx_sleepable_in(test, CTX_CRITICAL);
}

/* Spin x Spin, Critical x Spin: allowed (their order is the graph's). */
static void context_spin_mutex_under_a_spin_mutex_or_in_a_critical_section_is_allowed(
	struct kunit *test)
{
	struct ctx_locks *l = ctx_locks_init(test);

	BT_EXPECT_NO_REPORT(test, ({ mtx_lock_spin(&l->spin); mtx_lock_spin(&l->spin2);
				     mtx_unlock_spin(&l->spin2); mtx_unlock_spin(&l->spin); }));
	BT_EXPECT_NO_REPORT(test, ({ critical_enter(); mtx_lock_spin(&l->spin);
				     mtx_unlock_spin(&l->spin); critical_exit(); }));
	ctx_locks_destroy(l);
}

/* Critical x Unwitnessed: a NOWITNESS lock is not checked at its acquisition (FreeBSD's
 * witness_checkorder returns first); only a block would be reported. */
static void context_nowitness_lock_in_a_critical_section_is_not_reported_uncontended(
	struct kunit *test)
{
	struct mtx m;
	struct sx s;

	mtx_init(&m, "ctx-nowitness", NULL, MTX_DEF | MTX_NOWITNESS);
	sx_init_flags(&s, "ctx-nowitness-sx", SX_NOWITNESS);
	BT_EXPECT_NO_REPORT(test, ({
		critical_enter();
		mtx_lock(&m);
		mtx_unlock(&m);
		sx_xlock(&s);
		sx_xunlock(&s);
		critical_exit();
	}));
	sx_destroy(&s);
	mtx_destroy(&m);
}

/* Try-locks never block: allowed anywhere (locking(9)). */
static void context_try_locks_under_a_spin_mutex_are_allowed(struct kunit *test)
{
	struct ctx_locks *l = ctx_locks_init(test);

	int got[3];

	BT_EXPECT_NO_REPORT(test, ({
		mtx_lock_spin(&l->spin);
		got[0] = mtx_trylock(&l->m);
		if (got[0])
			mtx_unlock(&l->m);
		got[1] = sx_try_xlock(&l->sx);
		if (got[1])
			sx_xunlock(&l->sx);
		got[2] = rw_try_wlock(&l->rw);
		if (got[2])
			rw_wunlock(&l->rw);
		mtx_unlock_spin(&l->spin);
	}));
	KUNIT_EXPECT_EQ(test, got[0], 1);
	KUNIT_EXPECT_EQ(test, got[1], 1);
	KUNIT_EXPECT_EQ(test, got[2], 1);
	ctx_locks_destroy(l);
}

/* NonSleepable x Blockable allowed; x Sleepable reported once (the primitive's check at
 * every acquisition); x Sleep reported once (not the interlock). */
static void context_sleepable_lock_or_sleep_under_a_sleep_mutex_is_reported_once(
	struct kunit *test)
{
	struct ctx_locks *l = ctx_locks_init(test);
	int chan;

	mtx_lock(&l->m);
	BT_EXPECT_NO_REPORT(test, ({ rw_wlock(&l->rw); rw_wunlock(&l->rw); }));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_xlock(&l->sx));
	BT_EXPECT_NO_REPORT(test, sx_xunlock(&l->sx));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, pause("ctx", 1));
	BT_EXPECT_NO_REPORT(test, msleep(&chan, &l->m, 0, "ctx", 1));
	mtx_unlock(&l->m);
	ctx_locks_destroy(l);
}

/* Giant: dropped across every sleep, exempt from the sleep rules. */
static void context_giant_held_allows_sleepable_locks_and_sleeping(struct kunit *test)
{
	struct ctx_locks *l = ctx_locks_init(test);

	BT_EXPECT_NO_REPORT(test, ({
		mtx_lock(&Giant);
		sx_xlock(&l->sx);
		sx_xunlock(&l->sx);
		pause("ctx", 1);
		mtx_unlock(&Giant);
	}));
	ctx_locks_destroy(l);
}

/* Sleepable row: everything allowed. */
static void context_sx_held_allows_every_lock_and_sleeping(struct kunit *test)
{
	struct ctx_locks *l = ctx_locks_init(test);

	BT_EXPECT_NO_REPORT(test, ({
		sx_xlock(&l->sx);
		mtx_lock(&l->m);
		mtx_unlock(&l->m);
		lockmgr(&l->lk, LK_EXCLUSIVE, NULL);
		lockmgr(&l->lk, LK_RELEASE, NULL);
		mtx_lock_spin(&l->spin);
		mtx_unlock_spin(&l->spin);
		pause("ctx", 1);
		sx_xunlock(&l->sx);
	}));
	ctx_locks_destroy(l);
}

/* Spin x Sleep, Critical x Sleep: reported once, not slept. */
static void context_sleep_under_a_spin_mutex_or_in_a_critical_section_is_reported_once(
	struct kunit *test)
{
	struct ctx_locks *l = ctx_locks_init(test);
	struct bt_probe p[2];

	mtx_lock_spin(&l->spin);
	CTX_PROBE(&p[0], BSDSYNC_RULE_SLEEP_ATOMIC, pause("ctx", 1));
	mtx_unlock_spin(&l->spin);
	critical_enter();
	CTX_PROBE(&p[1], BSDSYNC_RULE_SLEEP_ATOMIC, pause("ctx", 1));
	critical_exit();
	bt_expect_one_report_no_sleep(test, &p[0], "pause under a spin mutex");
	bt_expect_one_report_no_sleep(test, &p[1], "pause in a critical section");
	ctx_locks_destroy(l);
}

/* Contended in atomic context with witness on: still exactly one report per acquisition
 * (the acquisition's, at ACQUIRING; the blocking path stays quiet), the lock spun for.
 * Not lockmgr, which refuses (EBUSY) when it would block: with the report now made before
 * the attempt (a slow console under TCG), the owner may have let go by then, and whether it
 * is refused or taken is the scheduler's business (the next case holds it for as long as
 * it must). */
static void ctx_mtx_lock(void *m) { mtx_lock((struct mtx *)m); }
static void ctx_mtx_unlock(void *m) { mtx_unlock((struct mtx *)m); }
static int ctx_mtx_take(void *m) { mtx_lock((struct mtx *)m); return 1; }
static void ctx_sx_lock(void *s) { sx_xlock((struct sx *)s); }
static void ctx_sx_unlock(void *s) { sx_xunlock((struct sx *)s); }
static int ctx_sx_take(void *s) { sx_xlock((struct sx *)s); return 1; }
static void ctx_rw_lock(void *r) { rw_wlock((struct rwlock *)r); }
static void ctx_rw_unlock(void *r) { rw_wunlock((struct rwlock *)r); }
static int ctx_rw_take(void *r) { rw_wlock((struct rwlock *)r); return 1; }

static void context_contended_acquisition_in_atomic_context_is_reported_once(struct kunit *test)
{
	struct ctx_locks *l = ctx_locks_init(test);
	struct bt_atomic_lock k[] = {
		{ "mtx_lock", &l->m, ctx_mtx_lock, ctx_mtx_unlock, ctx_mtx_take, ctx_mtx_unlock,
		  true },
		{ "sx_xlock", &l->sx, ctx_sx_lock, ctx_sx_unlock, ctx_sx_take, ctx_sx_unlock,
		  true },
		{ "rw_wlock", &l->rw, ctx_rw_lock, ctx_rw_unlock, ctx_rw_take, ctx_rw_unlock,
		  true },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(k); i++) {
		bt_contended_in_atomic(test, &k[i], BT_ATOMIC_SPIN_MUTEX);
		bt_contended_in_atomic(test, &k[i], BT_ATOMIC_CRITICAL);
	}
	ctx_locks_destroy(l);
}

/* lockmgr, held by another thread (deterministically: it keeps it until told), requested
 * under a spin mutex with witness on: one report (the acquisition's), refused with EBUSY. */
struct ctx_lk_holder {
	struct lock *lk;
	int held, release;
};

static void ctx_lk_hold(void *arg)
{
	struct ctx_lk_holder *h = arg;

	lockmgr(h->lk, LK_EXCLUSIVE, NULL);
	WRITE_ONCE(h->held, 1);
	while (!READ_ONCE(h->release))
		pause("ctxhold", 1);
	lockmgr(h->lk, LK_RELEASE, NULL);
}

static void context_held_lockmgr_requested_under_a_spin_mutex_is_reported_once_and_refused(
	struct kunit *test)
{
	struct ctx_locks *l = ctx_locks_init(test);
	struct ctx_lk_holder h = { .lk = &l->lk };
	struct bt_thread t;
	struct bt_probe p;
	int err;

	bt_start(test, &t, ctx_lk_hold, &h, "ctx_lk_holder");
	BT_WAIT_UNTIL(test, READ_ONCE(h.held));
	mtx_lock_spin(&l->spin);
	CTX_PROBE(&p, BSDSYNC_RULE_SLEEP_ATOMIC, err = lockmgr(&l->lk, LK_EXCLUSIVE, NULL));
	mtx_unlock_spin(&l->spin);
	WRITE_ONCE(h.release, 1);
	bt_join(&t);
	bt_expect_one_report_no_sleep(test, &p, "lockmgr held elsewhere, under a spin mutex");
	KUNIT_EXPECT_EQ(test, err, EBUSY);
	ctx_locks_destroy(l);
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
	KUNIT_CASE(context_blockable_lock_under_a_spin_mutex_is_reported_uncontended),
	KUNIT_CASE(context_blockable_lock_in_a_critical_section_is_reported_uncontended),
	KUNIT_CASE(context_sleepable_lock_under_a_spin_mutex_is_reported_uncontended),
	KUNIT_CASE(context_sleepable_lock_in_a_critical_section_is_reported_uncontended),
	KUNIT_CASE(context_spin_mutex_under_a_spin_mutex_or_in_a_critical_section_is_allowed),
	KUNIT_CASE(context_nowitness_lock_in_a_critical_section_is_not_reported_uncontended),
	KUNIT_CASE(context_try_locks_under_a_spin_mutex_are_allowed),
	KUNIT_CASE(context_sleepable_lock_or_sleep_under_a_sleep_mutex_is_reported_once),
	KUNIT_CASE(context_giant_held_allows_sleepable_locks_and_sleeping),
	KUNIT_CASE(context_sx_held_allows_every_lock_and_sleeping),
	KUNIT_CASE(context_sleep_under_a_spin_mutex_or_in_a_critical_section_is_reported_once),
	KUNIT_CASE(context_contended_acquisition_in_atomic_context_is_reported_once),
	KUNIT_CASE(context_held_lockmgr_requested_under_a_spin_mutex_is_reported_once_and_refused),
	{}
};

static struct kunit_suite witness_suite = {
	.name = "bsdsync_witness",
	.init = witness_case_init,
	.exit = witness_case_exit,
	.test_cases = witness_cases,
};

kunit_test_suites(&witness_suite);
