// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The lock-order checker (module/core/witness.h) driven directly, with lock types of the
 * test's own (include/bsdsync/testing.h): a "lock" is a struct wlock whose describe() gives
 * its name, init site and witness flags; taking it is what a primitive does (ACQUIRING, then
 * the hold and its ACQUIRED event), and a try-lock is the hold alone with BSDSYNC_LE_TRY.
 * Each case starts with witness on and an empty graph, and puts witness back as it was.
 */
#include <kunit/test.h>
#include <linux/string.h>
#include <linux/slab.h>

#include <bsdsync/report.h>
#include <bsdsync/testing.h>

#include "harness.h"

struct wlock {
	const char *name;
	unsigned int wflags;		/* BSDSYNC_LW_* */
	struct bsdsync_lock_site site;
};

static void describe_wlock(const void *lock, const char **name,
			   const struct bsdsync_lock_site **site, unsigned int *witness_flags)
{
	const struct wlock *l = lock;

	*name = l->name;
	*site = &l->site;
	if (witness_flags)
		*witness_flags = l->wflags;
}

/* Like a sleep mutex (non-sleepable), and like an sx (sleepable). */
static const struct bsdsync_lock_type wt_mutex = { "wt mutex", BSDSYNC_LT_RECURSABLE,
						   describe_wlock };
static const struct bsdsync_lock_type wt_sx = {
	"wt sx", BSDSYNC_LT_SLEEPABLE | BSDSYNC_LT_MAY_SLEEP | BSDSYNC_LT_SHARED, describe_wlock
};

#define WLOCK(n, f) { .name = (n), .wflags = (f), .site = { "init-" n ".c", __LINE__ } }

static void wt_lock(struct wlock *l, const struct bsdsync_lock_type *type, const char *file,
		    int line)
{
	bsdsync_test_acquiring(l, type, 0, file, line);
	bsdsync_test_hold(l, type, 0, 0, file, line);
}

static void wt_trylock(struct wlock *l, const struct bsdsync_lock_type *type, const char *file,
		       int line)
{
	bsdsync_test_hold(l, type, 0, BSDSYNC_LE_TRY, file, line);
}

static void wt_unlock(struct wlock *l, const struct bsdsync_lock_type *type)
{
	bsdsync_test_release(l, type, 0, __FILE__, __LINE__);
}

/* a then b, released in reverse. */
static void wt_pair(struct wlock *a, const struct bsdsync_lock_type *ta, const char *fa,
		    struct wlock *b, const struct bsdsync_lock_type *tb, const char *fb)
{
	wt_lock(a, ta, fa, 1);
	wt_lock(b, tb, fb, 2);
	wt_unlock(b, tb);
	wt_unlock(a, ta);
}

#define TEXT_BYTES 8192

static char *wt_dot(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, TEXT_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_LT(test, bsdsync_test_witness_dot(buf, TEXT_BYTES), (unsigned long)TEXT_BYTES);
	return buf;
}

static char *wt_reversals(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, TEXT_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_LT(test, bsdsync_test_witness_reversals(buf, TEXT_BYTES),
			(unsigned long)TEXT_BYTES);
	return buf;
}

/* How many lines of `text` contain `what`. */
static int lines_with(const char *text, const char *what)
{
	int n = 0;
	const char *p = text;

	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *hit = strnstr(p, what, len);

		n += hit != NULL;
		p += len + (end != NULL);
	}
	return n;
}

static void core_witness_reports_a_reversal_once_per_pair_naming_both_locks_and_sites(
	struct kunit *test)
{
	struct wlock a = WLOCK("wt-a", 0), b = WLOCK("wt-b", 0);
	char *rev;

	BT_EXPECT_NO_REPORT(test, wt_pair(&a, &wt_mutex, "take-a.c", &b, &wt_mutex, "take-b.c"));
	/* The other order: one report (at ACQUIRING; the ACQUIRED that follows is silent). */
	wt_lock(&b, &wt_mutex, "hold-b.c", 3);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, wt_lock(&a, &wt_mutex, "rev-a.c", 4));
	wt_unlock(&a, &wt_mutex);
	wt_unlock(&b, &wt_mutex);
	/* The second and third time: nothing new. */
	BT_EXPECT_NO_REPORT(test, wt_pair(&b, &wt_mutex, "hold-b.c", &a, &wt_mutex, "rev-a.c"));
	BT_EXPECT_NO_REPORT(test, wt_pair(&b, &wt_mutex, "hold-b.c", &a, &wt_mutex, "rev-a.c"));
	rev = wt_reversals(test);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "reversal: "), 1, "%s", rev);
	/* Both classes, where the held one was taken, where the reversed acquisition was,
	 * and both sites of the order first recorded. */
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "wt mutex: wt-b held at hold-b.c:3, then "
					      "wt mutex: wt-a at rev-a.c:4; established at "
					      "take-a.c:1 then take-b.c:2"), 1, "%s", rev);
}

static void core_witness_finds_a_three_lock_cycle(struct kunit *test)
{
	struct wlock a = WLOCK("wt-a", 0), b = WLOCK("wt-b", 0), c = WLOCK("wt-c", 0);
	char *rev;

	BT_EXPECT_NO_REPORT(test, wt_pair(&a, &wt_mutex, "ab-a.c", &b, &wt_mutex, "ab-b.c"));
	BT_EXPECT_NO_REPORT(test, wt_pair(&b, &wt_mutex, "bc-b.c", &c, &wt_mutex, "bc-c.c"));
	/* No edge C -> A nor A -> C exists: only the path A -> B -> C says C before A is wrong. */
	wt_lock(&c, &wt_mutex, "ca-c.c", 5);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, wt_lock(&a, &wt_mutex, "ca-a.c", 6));
	wt_unlock(&a, &wt_mutex);
	wt_unlock(&c, &wt_mutex);
	rev = wt_reversals(test);
	/* The first edge of the path A -> B -> C: where B was taken holding A. */
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "wt mutex: wt-c held at ca-c.c:5, then "
					      "wt mutex: wt-a at ca-a.c:6; established at "
					      "ab-a.c:1 then ab-b.c:2"), 1, "%s", rev);
}

static void core_witness_reports_a_sleepable_lock_after_a_mutex_reversed(struct kunit *test)
{
	struct wlock m = WLOCK("wt-m", 0), s = WLOCK("wt-s", 0);

	/* mtx then sx is recorded (witness checks order, not sleepability); sx then mtx is the
	 * reversal. */
	BT_EXPECT_NO_REPORT(test, wt_pair(&s, &wt_sx, "s.c", &m, &wt_mutex, "m.c"));
	wt_lock(&m, &wt_mutex, "m.c", 7);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, wt_lock(&s, &wt_sx, "s.c", 8));
	wt_unlock(&s, &wt_sx);
	wt_unlock(&m, &wt_mutex);
}

static void core_witness_reports_a_duplicate_class_unless_dupok(struct kunit *test)
{
	struct wlock d1 = WLOCK("wt-dup", 0), d2 = WLOCK("wt-dup", 0);
	struct wlock o1 = WLOCK("wt-ok", BSDSYNC_LW_DUPOK), o2 = WLOCK("wt-ok", BSDSYNC_LW_DUPOK);
	char *rev;

	wt_lock(&d1, &wt_mutex, "d1.c", 1);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, wt_lock(&d2, &wt_mutex, "d2.c", 2));
	wt_unlock(&d2, &wt_mutex);
	wt_unlock(&d1, &wt_mutex);
	/* Once per class. */
	BT_EXPECT_NO_REPORT(test, wt_pair(&d2, &wt_mutex, "d2.c", &d1, &wt_mutex, "d1.c"));
	BT_EXPECT_NO_REPORT(test, wt_pair(&o1, &wt_mutex, "o1.c", &o2, &wt_mutex, "o2.c"));
	rev = wt_reversals(test);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "duplicate: wt mutex: wt-dup"), 1, "%s", rev);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(rev, "wt-ok"), 0, "%s", rev);
	/* Same name, another type: another class, an order like any other. */
	BT_EXPECT_NO_REPORT(test, wt_pair(&d1, &wt_mutex, "d1.c", &d2, &wt_sx, "d2.c"));
}

static void core_witness_never_checks_nor_records_a_nowitness_lock(struct kunit *test)
{
	struct wlock n = WLOCK("wt-nw", BSDSYNC_LW_NOWITNESS), a = WLOCK("wt-a", 0);
	struct wlock n2 = WLOCK("wt-nw", BSDSYNC_LW_NOWITNESS), b = WLOCK("wt-b", 0);
	char *dot;

	BT_EXPECT_NO_REPORT(test, wt_pair(&n, &wt_mutex, "n.c", &a, &wt_mutex, "a.c"));
	BT_EXPECT_NO_REPORT(test, wt_pair(&a, &wt_mutex, "a.c", &n, &wt_mutex, "n.c"));
	BT_EXPECT_NO_REPORT(test, wt_pair(&n, &wt_mutex, "n.c", &n2, &wt_mutex, "n.c"));
	/* a, n, b nested: only a -> b. */
	wt_lock(&a, &wt_mutex, "a.c", 1);
	wt_lock(&n, &wt_mutex, "n.c", 2);
	wt_lock(&b, &wt_mutex, "b.c", 3);
	wt_unlock(&b, &wt_mutex);
	wt_unlock(&n, &wt_mutex);
	wt_unlock(&a, &wt_mutex);
	dot = wt_dot(test);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "wt-nw"), 0, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "->"), 1, "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "\"wt mutex: wt-a\" -> \"wt mutex: wt-b\""), 1,
			    "%s", dot);
}

static void core_witness_dot_graph_has_exactly_the_orders_taken(struct kunit *test)
{
	struct wlock a = WLOCK("wt-a", 0), b = WLOCK("wt-b", 0), c = WLOCK("wt-c", 0);
	struct wlock s = WLOCK("wt-s", 0);
	char *dot;

	/* A, B, C nested: A -> B, A -> C, B -> C; then S after B; then A -> B again. */
	wt_lock(&a, &wt_mutex, "a.c", 1);
	wt_lock(&b, &wt_mutex, "b.c", 2);
	wt_lock(&c, &wt_mutex, "c.c", 3);
	wt_unlock(&c, &wt_mutex);
	wt_unlock(&b, &wt_mutex);
	wt_unlock(&a, &wt_mutex);
	wt_pair(&b, &wt_mutex, "b.c", &s, &wt_sx, "s.c");
	wt_pair(&a, &wt_mutex, "a.c", &b, &wt_mutex, "b.c");
	dot = wt_dot(test);
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(dot, "digraph witness {\n", 18), "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "->"), 4, "%s", dot);
	KUNIT_EXPECT_EQ(test, lines_with(dot, "\"wt mutex: wt-a\" -> \"wt mutex: wt-b\""), 1);
	KUNIT_EXPECT_EQ(test, lines_with(dot, "\"wt mutex: wt-a\" -> \"wt mutex: wt-c\""), 1);
	KUNIT_EXPECT_EQ(test, lines_with(dot, "\"wt mutex: wt-b\" -> \"wt mutex: wt-c\""), 1);
	KUNIT_EXPECT_EQ(test, lines_with(dot, "\"wt mutex: wt-b\" -> \"wt sx: wt-s\""), 1);
	/* One node line per class. */
	KUNIT_EXPECT_EQ(test, lines_with(dot, "\t\"wt mutex: wt-a\";"), 1);
	KUNIT_EXPECT_EQ(test, lines_with(dot, "\t\"wt sx: wt-s\";"), 1);
}

static void core_witness_does_not_report_a_trylock_against_the_order(struct kunit *test)
{
	struct wlock a = WLOCK("wt-a", 0), b = WLOCK("wt-b", 0), c = WLOCK("wt-c", 0);
	char *dot;

	wt_pair(&a, &wt_mutex, "a.c", &b, &wt_mutex, "b.c");
	wt_lock(&b, &wt_mutex, "b.c", 1);
	BT_EXPECT_NO_REPORT(test, wt_trylock(&a, &wt_mutex, "try-a.c", 2));
	/* ... and records no order, but the try-locked hold counts for what comes next. */
	wt_lock(&c, &wt_mutex, "c.c", 3);
	wt_unlock(&c, &wt_mutex);
	wt_unlock(&a, &wt_mutex);
	wt_unlock(&b, &wt_mutex);
	dot = wt_dot(test);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "\"wt mutex: wt-b\" -> \"wt mutex: wt-a\""), 0,
			    "%s", dot);
	KUNIT_EXPECT_EQ_MSG(test, lines_with(dot, "\"wt mutex: wt-a\" -> \"wt mutex: wt-c\""), 1,
			    "%s", dot);
}

static void core_witness_exempts_giant_and_sleepable_locks_in_either_order(struct kunit *test)
{
	struct wlock g = WLOCK("wt-giant", BSDSYNC_LW_GIANT), s = WLOCK("wt-s", 0);
	struct wlock m = WLOCK("wt-m", 0);

	BT_EXPECT_NO_REPORT(test, wt_pair(&g, &wt_mutex, "g.c", &s, &wt_sx, "s.c"));
	BT_EXPECT_NO_REPORT(test, wt_pair(&s, &wt_sx, "s.c", &g, &wt_mutex, "g.c"));
	/* Against a non-sleepable lock Giant is ordered like any lock. */
	BT_EXPECT_NO_REPORT(test, wt_pair(&g, &wt_mutex, "g.c", &m, &wt_mutex, "m.c"));
	wt_lock(&m, &wt_mutex, "m.c", 1);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, wt_lock(&g, &wt_mutex, "g.c", 2));
	wt_unlock(&g, &wt_mutex);
	wt_unlock(&m, &wt_mutex);
}

/* More classes than witness has room for (512): the ones beyond are not recorded, said once
 * in the log; the graph keeps what it has and goes on checking it. */
#define MANY 600

static void core_witness_stops_recording_classes_when_full_and_keeps_checking(
	struct kunit *test)
{
	struct wlock *locks = kunit_kcalloc(test, MANY, sizeof(*locks), GFP_KERNEL);
	char (*names)[16] = kunit_kcalloc(test, MANY, 16, GFP_KERNEL);
	struct wlock base = WLOCK("wt-base", 0);
	size_t big = 256 * 1024;
	char *dot = kunit_kzalloc(test, big, GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, locks);
	KUNIT_ASSERT_NOT_NULL(test, names);
	KUNIT_ASSERT_NOT_NULL(test, dot);
	for (i = 0; i < MANY; i++) {
		snprintf(names[i], 16, "wt-many-%d", i);
		locks[i].name = names[i];
	}
	BT_EXPECT_NO_REPORT(test, ({
		wt_lock(&base, &wt_mutex, "base.c", 1);
		for (i = 0; i < MANY; i++) {
			wt_lock(&locks[i], &wt_mutex, "many.c", i);
			wt_unlock(&locks[i], &wt_mutex);
		}
		wt_unlock(&base, &wt_mutex);
	}));
	KUNIT_ASSERT_LT(test, bsdsync_test_witness_dot(dot, big), (unsigned long)big);
	/* 512 classes: wt-base and the first 511; an edge to each of those. */
	KUNIT_EXPECT_EQ(test, lines_with(dot, "->"), 511);
	KUNIT_EXPECT_EQ(test, lines_with(dot, "\t\"wt mutex: wt-many-510\";"), 1);
	KUNIT_EXPECT_EQ(test, lines_with(dot, "wt-many-511\""), 0);
	/* Unrecorded classes are not checked; recorded ones still are. */
	BT_EXPECT_NO_REPORT(test, wt_pair(&locks[MANY - 1], &wt_mutex, "l.c", &base, &wt_mutex,
					  "b.c"));
	wt_lock(&locks[3], &wt_mutex, "l.c", 2);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_LOCK_ORDER, wt_lock(&base, &wt_mutex, "b.c", 3));
	wt_unlock(&base, &wt_mutex);
	wt_unlock(&locks[3], &wt_mutex);
}

static int witness_was, lockdep_was_quiet;

static int core_witness_init(struct kunit *test)
{
	/* The cases make reversals on purpose: not for Linux lockdep to report. */
	lockdep_was_quiet = bsdsync_test_lockdep_quiet(1);
	witness_was = bsdsync_test_witness(1);
	return 0;
}

static void core_witness_exit(struct kunit *test)
{
	bsdsync_test_witness(witness_was);
	bsdsync_test_lockdep_quiet(lockdep_was_quiet);
}

static struct kunit_case core_witness_cases[] = {
	KUNIT_CASE(core_witness_reports_a_reversal_once_per_pair_naming_both_locks_and_sites),
	KUNIT_CASE(core_witness_finds_a_three_lock_cycle),
	KUNIT_CASE(core_witness_reports_a_sleepable_lock_after_a_mutex_reversed),
	KUNIT_CASE(core_witness_reports_a_duplicate_class_unless_dupok),
	KUNIT_CASE(core_witness_never_checks_nor_records_a_nowitness_lock),
	KUNIT_CASE(core_witness_dot_graph_has_exactly_the_orders_taken),
	KUNIT_CASE(core_witness_does_not_report_a_trylock_against_the_order),
	KUNIT_CASE(core_witness_exempts_giant_and_sleepable_locks_in_either_order),
	KUNIT_CASE(core_witness_stops_recording_classes_when_full_and_keeps_checking),
	{}
};

static struct kunit_suite core_witness_suite = {
	.name = "bsdsync_core_witness",
	.init = core_witness_init,
	.exit = core_witness_exit,
	.test_cases = core_witness_cases,
};

kunit_test_suites(&core_witness_suite);
