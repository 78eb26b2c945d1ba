// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * mutex(9) as a driver built for production sees it (kunit/Kbuild compiles this file with
 * -DBSDSYNC_NO_INVARIANTS): mtx_lock and mtx_unlock of a sleep mutex are inline in
 * <sys/mutex.h>, one compare-and-swap each with no call into bsdsync.ko, and every other case
 * (contention, recursion, misuse, a lock-event sink attached) calls the module, which finds
 * the hold in the lock word (MTX_UNRECORDED) rather than in the thread's held-locks stack.
 *
 * The calls the macros make are counted: before any header, the module's two functions are
 * renamed for this file to counting wrappers (defined below, calling the real ones through
 * asm labels), so a case can say exactly how many times the macros called bsdsync.ko: the
 * check that the uncontended path has no call can fail.
 */
#define fbsd_mtx_lock_flags	mi_counted_lock_flags
#define fbsd_mtx_unlock_flags	mi_counted_unlock_flags

#include <linux/sched.h>
#include <linux/slab.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/proc.h>
#include <sys/kernel.h>
#include <bsdsync/lock_events.h>

#include "harness_freebsd.h"

#ifdef INVARIANTS
#error "mtx_inline_test.c must be built as the production build (-DBSDSYNC_NO_INVARIANTS)"
#endif

/* The real functions, under other names for this file (the renaming macros stay defined:
 * the mtx_* macros expand where they are used, below). */
void mi_real_lock_flags(struct mtx *m, int opts, const char *file, int line)
	__asm__("fbsd_mtx_lock_flags");
void mi_real_unlock_flags(struct mtx *m, int opts, const char *file, int line)
	__asm__("fbsd_mtx_unlock_flags");

/* Calls the macros made into bsdsync.ko, from any thread of this file. */
static atomic_t mi_lock_calls, mi_unlock_calls;

void fbsd_mtx_lock_flags(struct mtx *m, int opts, const char *file, int line)
{
	atomic_inc(&mi_lock_calls);
	mi_real_lock_flags(m, opts, file, line);
}

void fbsd_mtx_unlock_flags(struct mtx *m, int opts, const char *file, int line)
{
	atomic_inc(&mi_unlock_calls);
	mi_real_unlock_flags(m, opts, file, line);
}

static void mi_reset_calls(void)
{
	atomic_set(&mi_lock_calls, 0);
	atomic_set(&mi_unlock_calls, 0);
}

/* The word of a hold the inline path took: the owner, and no record of it anywhere. */
static unsigned long mi_inline_word(void)
{
	return (unsigned long)current | MTX_UNRECORDED;
}

static unsigned long mi_word(const struct mtx *m)
{
	return READ_ONCE(m->mtx_lock);
}

/* How many holds the calling thread's held-locks stack records. */
static int mi_depth(void)
{
	struct bsdsync_held_lock h[1];

	return bsdsync_held_locks(h, 0);
}

static void mtx_inline_lock_and_unlock_call_nothing(struct kunit *test)
{
	struct mtx m;
	int depth = mi_depth();

	mtx_init(&m, "mi_plain", NULL, MTX_DEF);
	mi_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock(&m);
		KUNIT_EXPECT_EQ(test, mi_word(&m), mi_inline_word());
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		KUNIT_EXPECT_PTR_EQ(test, (void *)mtx_owner(&m), (void *)current);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		mtx_assert(&m, MA_OWNED | MA_NOTRECURSED);
		mtx_unlock(&m);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_destroy(&m);
}

/* Recursion goes to the module (the word is not free), and so does the unlock of a level. */
static void mtx_inline_recursion_falls_back_and_unwinds(struct kunit *test)
{
	struct mtx m;
	int depth = mi_depth();

	mtx_init(&m, "mi_recurse", NULL, MTX_DEF | MTX_RECURSE);
	mi_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock(&m);
		mtx_lock(&m);
		mtx_lock(&m);
		KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
		mtx_unlock(&m);
		mtx_unlock(&m);
		KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
		KUNIT_EXPECT_EQ(test, mi_word(&m), mi_inline_word());
		mtx_unlock(&m);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_lock_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_unlock_calls), 2);
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	mtx_destroy(&m);
}

/* ---- contention --------------------------------------------------------------------------- */

#define MI_THREADS 4
#define MI_ROUNDS 20000

struct mi_shared {
	struct mtx m;
	unsigned long counter;	/* plain, protected only by m */
	int held;		/* set inside the critical section: nobody else may see it set */
	int violations;
	int depth_changes;	/* held-locks stack depth after a round differs from before */
};

static void mi_worker(void *arg)
{
	struct mi_shared *s = arg;
	int depth = mi_depth();

	for (int i = 0; i < MI_ROUNDS; i++) {
		mtx_lock(&s->m);
		if (READ_ONCE(s->held))
			s->violations++;
		WRITE_ONCE(s->held, 1);
		s->counter++;
		if ((i & 63) == 0)
			cpu_relax();
		WRITE_ONCE(s->held, 0);
		mtx_unlock(&s->m);
		if (mi_depth() != depth)
			WRITE_ONCE(s->depth_changes, s->depth_changes + 1);
		if ((i & 255) == 0)
			cond_resched();
	}
}

/* Contended locks and contested unlocks go to the module: exclusion holds, whichever path
 * took each hold, and no record is left behind in any thread. */
static void mtx_inline_contention_falls_back_and_excludes(struct kunit *test)
{
	struct mi_shared *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[MI_THREADS];

	KUNIT_ASSERT_NOT_NULL(test, s);
	mtx_init(&s->m, "mi_exclusion", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, {
		for (int i = 0; i < MI_THREADS; i++)
			bt_start(test, &t[i], mi_worker, s, "mi_worker");
		bt_join_n(t, MI_THREADS);
	});
	KUNIT_EXPECT_EQ(test, s->counter, (unsigned long)MI_THREADS * MI_ROUNDS);
	KUNIT_EXPECT_EQ(test, s->violations, 0);
	KUNIT_EXPECT_EQ(test, s->depth_changes, 0);
	KUNIT_EXPECT_EQ(test, mi_word(&s->m), MTX_UNOWNED);
	mtx_destroy(&s->m);
}

struct mi_blocker {
	struct mtx m;
	int locked;
	int release;
	int waiter_got_it;
};

static void mi_holder(void *arg)
{
	struct mi_blocker *b = arg;

	mtx_lock(&b->m);
	smp_store_release(&b->locked, 1);
	while (!smp_load_acquire(&b->release))
		msleep(1);
	mtx_unlock(&b->m);	/* contested: the module wakes the waiter */
}

static void mi_waiter(void *arg)
{
	struct mi_blocker *b = arg;

	mtx_lock(&b->m);
	WRITE_ONCE(b->waiter_got_it, 1);
	mtx_unlock(&b->m);
}

/* A hold taken inline, waited on (CONTESTED) and released: the waiter queued in the module
 * is woken by the inline holder's unlock, which fell back to the module. */
static void mtx_inline_contested_unlock_wakes_the_waiter(struct kunit *test)
{
	struct mi_blocker *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct bt_thread holder, waiter;

	KUNIT_ASSERT_NOT_NULL(test, b);
	mtx_init(&b->m, "mi_contested", NULL, MTX_DEF);
	bt_start(test, &holder, mi_holder, b, "mi_holder");
	BT_WAIT_UNTIL(test, smp_load_acquire(&b->locked));
	/* The holder sleeps: the waiter cannot spin on it, it queues and sets CONTESTED. */
	bt_start(test, &waiter, mi_waiter, b, "mi_waiter");
	BT_WAIT_UNTIL(test, mi_word(&b->m) & MTX_CONTESTED);
	KUNIT_EXPECT_EQ(test, mi_word(&b->m) & MTX_UNRECORDED, MTX_UNRECORDED);
	smp_store_release(&b->release, 1);
	bt_join(&holder);
	bt_join(&waiter);
	KUNIT_EXPECT_EQ(test, READ_ONCE(b->waiter_got_it), 1);
	KUNIT_EXPECT_EQ(test, mi_word(&b->m), MTX_UNOWNED);
	mtx_destroy(&b->m);
}

/* ---- misuse, judged from the word ------------------------------------------------------- */

static void misuse_inline_recursion_on_non_recursive_mutex_is_reported_once(struct kunit *test)
{
	struct mtx m;
	int depth = mi_depth();

	mtx_init(&m, "mi_norecurse", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, mtx_lock(&m));
	/* Recursed anyway (the caller's unlocks stay balanced). */
	BT_EXPECT_NO_REPORT(test, { mtx_unlock(&m); mtx_unlock(&m); });
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	mtx_destroy(&m);
}

struct mi_owner {
	struct mtx *m;
	int locked;
	int release;
};

static void mi_owner_thread(void *arg)
{
	struct mi_owner *o = arg;

	mtx_lock(o->m);
	smp_store_release(&o->locked, 1);
	while (!smp_load_acquire(&o->release))
		msleep(1);
	mtx_unlock(o->m);
}

static void misuse_inline_unlock_by_non_owner_is_reported_once(struct kunit *test)
{
	struct mtx m;
	struct mi_owner o = { &m };
	struct bt_thread t;

	mtx_init(&m, "mi_nonowner", NULL, MTX_DEF);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&m));	/* unlocked */
	bt_start(test, &t, mi_owner_thread, &o, "mi_owner");
	BT_WAIT_UNTIL(test, smp_load_acquire(&o.locked));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&m));	/* another's */
	KUNIT_EXPECT_EQ(test, mi_word(&m) & ~MTX_FLAGMASK, (unsigned long)t.task);
	smp_store_release(&o.release, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);
	mtx_destroy(&m);
}

static void misuse_inline_use_of_destroyed_or_uninitialised_mutex_is_reported_once(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "mi_destroyed", NULL, MTX_DEF);
	mtx_destroy(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, mtx_lock(&m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, mtx_unlock(&m));
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_DESTROYED);

	memset(&m, 0, sizeof(m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED, mtx_lock(&m));
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);
}

static void misuse_inline_sleep_ops_on_a_spin_mutex_are_reported_once(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "mi_spin", NULL, MTX_SPIN);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS, mtx_lock(&m));
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);
	mtx_lock_spin(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS, mtx_unlock(&m));
	mtx_unlock_spin(&m);
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_EQ(test, preempt_count(), 0);
	mtx_destroy(&m);
}

/* ---- holds without a record, released through the module ------------------------------- */

#define MI_EVENTS 16
static struct {
	struct task_struct *watched;
	int n;
	struct bsdsync_lock_event ev[MI_EVENTS];
} mi_seen;

static void mi_event(const struct bsdsync_lock_event *e)
{
	if (current != READ_ONCE(mi_seen.watched))
		return;
	if (mi_seen.n < MI_EVENTS)
		mi_seen.ev[mi_seen.n] = *e;
	mi_seen.n++;
}

static const struct bsdsync_lock_event_sink mi_sink = { "mtx_inline", mi_event };

/* A sink attached while a hold taken inline is held: its release, through the module, sends
 * no RELEASED (the sink never saw the acquisition) and finds no record to remove; the next
 * acquisition, with the sink on, is the module's, recorded and sent. */
static void mtx_inline_hold_released_with_a_sink_attached_is_quiet(struct kunit *test)
{
	struct mtx m;
	int depth = mi_depth();

	mtx_init(&m, "mi_sink", NULL, MTX_DEF);
	mtx_lock(&m);
	memset(&mi_seen, 0, sizeof(mi_seen));
	WRITE_ONCE(mi_seen.watched, current);
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&mi_sink), 0);
	mi_reset_calls();
	BT_EXPECT_NO_REPORT(test, mtx_unlock(&m));
	KUNIT_EXPECT_EQ(test, mi_seen.n, 0);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);

	/* With the sink on, mtx_lock is the module's: recorded and sent. */
	BT_EXPECT_NO_REPORT(test, mtx_lock(&m));
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_lock_calls), 1);
	KUNIT_EXPECT_EQ(test, mi_word(&m), (unsigned long)current);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
	bsdsync_lock_events_detach(&mi_sink);
	WRITE_ONCE(mi_seen.watched, NULL);
	/* Taken by the module, released after the sink left: the word says recorded, so the
	 * inline unlock leaves it to the module, which removes the record. */
	BT_EXPECT_NO_REPORT(test, mtx_unlock(&m));
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_UNOWNED);
	KUNIT_EXPECT_EQ(test, mi_seen.n, 2);	/* ACQUIRING, ACQUIRED */
	if (mi_seen.n >= 2)
		KUNIT_EXPECT_EQ(test, mi_seen.ev[1].kind, BSDSYNC_LE_ACQUIRED);
	mtx_destroy(&m);
}

struct mi_cv {
	struct mtx m;
	struct cv cv;
	int waiting;
	int signalled;
};

static void mi_signaller(void *arg)
{
	struct mi_cv *c = arg;

	mtx_lock(&c->m);
	while (!c->waiting) {
		mtx_unlock(&c->m);
		msleep(1);
		mtx_lock(&c->m);
	}
	c->signalled = 1;
	cv_signal(&c->cv);
	mtx_unlock(&c->m);
}

/* cv_wait and mtx_sleep with a mutex taken inline: the sleep releases it through the module
 * and takes it back there (recorded), and the inline unlock after it leaves that to the
 * module too. Nothing is left in the held-locks stack and nothing is reported. */
static void mtx_inline_interlock_of_cv_wait_and_mtx_sleep_works(struct kunit *test)
{
	struct mi_cv *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread t;
	int depth = mi_depth();
	int error;

	KUNIT_ASSERT_NOT_NULL(test, c);
	mtx_init(&c->m, "mi_cv", NULL, MTX_DEF);
	cv_init(&c->cv, "mi_cv");
	bt_start(test, &t, mi_signaller, c, "mi_signaller");
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock(&c->m);
		KUNIT_EXPECT_EQ(test, mi_word(&c->m) & MTX_UNRECORDED, MTX_UNRECORDED);
		c->waiting = 1;
		while (!c->signalled)
			cv_wait(&c->cv, &c->m);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&c->m));
		/* Taken back by the module: recorded. */
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		mtx_unlock(&c->m);
	});
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);

	BT_EXPECT_NO_REPORT(test, {
		mtx_lock(&c->m);
		error = mtx_sleep(c, &c->m, 0, "mi_slp", 1);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&c->m));
		mtx_unlock(&c->m);
	});
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	KUNIT_EXPECT_EQ(test, mi_word(&c->m), MTX_UNOWNED);
	cv_destroy(&c->cv);
	mtx_destroy(&c->m);
}

/* mtx_destroy of a mutex its caller took inline, once: released silently, nothing left. */
static void mtx_inline_destroy_of_a_mutex_owned_once_releases_it(struct kunit *test)
{
	struct mtx m;
	int depth = mi_depth();

	mtx_init(&m, "mi_destroy", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_NO_REPORT(test, mtx_destroy(&m));
	KUNIT_EXPECT_EQ(test, mi_word(&m), MTX_DESTROYED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
}

/* Giant taken inline: DROP_GIANT releases every level through the module, PICKUP_GIANT takes
 * them back (recorded), and the unlocks after it leave nothing behind. */
static void mtx_inline_giant_drop_and_pickup(struct kunit *test)
{
	int depth = mi_depth();

	BT_EXPECT_NO_REPORT(test, {
		mtx_lock(&Giant);
		mtx_lock(&Giant);
		DROP_GIANT();
		KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		PICKUP_GIANT();
		KUNIT_EXPECT_TRUE(test, mtx_recursed(&Giant));
		mtx_unlock(&Giant);
		mtx_unlock(&Giant);
	});
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
}

static struct kunit_case mtx_inline_cases[] = {
	KUNIT_CASE(mtx_inline_lock_and_unlock_call_nothing),
	KUNIT_CASE(mtx_inline_recursion_falls_back_and_unwinds),
	KUNIT_CASE(mtx_inline_contention_falls_back_and_excludes),
	KUNIT_CASE(mtx_inline_contested_unlock_wakes_the_waiter),
	KUNIT_CASE(misuse_inline_recursion_on_non_recursive_mutex_is_reported_once),
	KUNIT_CASE(misuse_inline_unlock_by_non_owner_is_reported_once),
	KUNIT_CASE(misuse_inline_use_of_destroyed_or_uninitialised_mutex_is_reported_once),
	KUNIT_CASE(misuse_inline_sleep_ops_on_a_spin_mutex_are_reported_once),
	KUNIT_CASE(mtx_inline_hold_released_with_a_sink_attached_is_quiet),
	KUNIT_CASE(mtx_inline_interlock_of_cv_wait_and_mtx_sleep_works),
	KUNIT_CASE(mtx_inline_destroy_of_a_mutex_owned_once_releases_it),
	KUNIT_CASE(mtx_inline_giant_drop_and_pickup),
	{}
};

static struct kunit_suite mtx_inline_suite = {
	.name = "freebsd_mtx_inline",
	.test_cases = mtx_inline_cases,
};
kunit_test_suites(&mtx_inline_suite);
