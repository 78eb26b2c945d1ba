// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * mutex(9), sx(9) and rwlock(9) as a driver built for production sees them (kunit/Kbuild
 * compiles this file with -DBSDSYNC_NO_INVARIANTS): mtx_lock/mtx_unlock of a sleep mutex,
 * sx_xlock/sx_xunlock and rw_wlock/rw_wunlock are inline in <sys/mutex.h>, <sys/sx.h> and
 * <sys/rwlock.h>, one compare-and-swap each with no call into bsdsync.ko, and every other
 * case (contention, recursion, misuse, a lock-event sink attached, a sleep with the lock as
 * interlock) calls the module, which finds the hold in the lock word (MTX_UNRECORDED,
 * BSDSYNC_SL_UNRECORDED) rather than in the thread's held-locks stack.
 *
 * The calls the macros make are counted: before any header, the module's two functions are
 * renamed for this file to counting wrappers (defined below, calling the real ones through
 * asm labels), so a case can say exactly how many times the macros called bsdsync.ko: the
 * check that the uncontended path has no call can fail.
 */
#define fbsd_mtx_lock_flags	mi_counted_lock_flags
#define fbsd_mtx_unlock_flags	mi_counted_unlock_flags
#define fbsd_sx_xlock_nosig	mi_counted_sx_xlock
#define fbsd_sx_xunlock		mi_counted_sx_xunlock
#define fbsd_rw_wlock		mi_counted_rw_wlock
#define fbsd_rw_wunlock		mi_counted_rw_wunlock
#define fbsd_sx_slock_nosig	mi_counted_sx_slock
#define fbsd_sx_sunlock		mi_counted_sx_sunlock
#define fbsd_rw_rlock		mi_counted_rw_rlock
#define fbsd_rw_runlock		mi_counted_rw_runlock
#define fbsd_lockmgr		mi_counted_lockmgr

#include <linux/sched.h>
#include <linux/slab.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/sx.h>
#include <sys/rwlock.h>
#include <sys/lockmgr.h>
#include <sys/proc.h>
#include <sys/kernel.h>
#include <bsdsync/lock_events.h>
#include <bsdsync/testing.h>

#include "harness_freebsd.h"

#ifdef INVARIANTS
#error "inline_locks_test.c must be built as the production build (-DBSDSYNC_NO_INVARIANTS)"
#endif

/* The real functions, under other names for this file (the renaming macros stay defined:
 * the mtx_* macros expand where they are used, below). */
void mi_real_lock_flags(struct mtx *m, int opts, const char *file, int line)
	__asm__("fbsd_mtx_lock_flags");
void mi_real_unlock_flags(struct mtx *m, int opts, const char *file, int line)
	__asm__("fbsd_mtx_unlock_flags");
void mi_real_sx_xlock(struct sx *sx, const char *file, int line) __asm__("fbsd_sx_xlock_nosig");
void mi_real_sx_xunlock(struct sx *sx, const char *file, int line) __asm__("fbsd_sx_xunlock");
void mi_real_rw_wlock(struct rwlock *rw, const char *file, int line) __asm__("fbsd_rw_wlock");
void mi_real_rw_wunlock(struct rwlock *rw, const char *file, int line) __asm__("fbsd_rw_wunlock");
void mi_real_sx_slock(struct sx *sx, const char *file, int line) __asm__("fbsd_sx_slock_nosig");
void mi_real_sx_sunlock(struct sx *sx, const char *file, int line) __asm__("fbsd_sx_sunlock");
void mi_real_rw_rlock(struct rwlock *rw, const char *file, int line) __asm__("fbsd_rw_rlock");
void mi_real_rw_runlock(struct rwlock *rw, const char *file, int line) __asm__("fbsd_rw_runlock");
int mi_real_lockmgr(struct lock *lk, unsigned int flags, const char *file, int line)
	__asm__("fbsd_lockmgr");

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

/* sx and rw count in the same two counters (a case uses one kind). */
void fbsd_sx_xlock_nosig(struct sx *sx, const char *file, int line)
{
	atomic_inc(&mi_lock_calls);
	mi_real_sx_xlock(sx, file, line);
}

void fbsd_sx_xunlock(struct sx *sx, const char *file, int line)
{
	atomic_inc(&mi_unlock_calls);
	mi_real_sx_xunlock(sx, file, line);
}

void fbsd_rw_wlock(struct rwlock *rw, const char *file, int line)
{
	atomic_inc(&mi_lock_calls);
	mi_real_rw_wlock(rw, file, line);
}

void fbsd_rw_wunlock(struct rwlock *rw, const char *file, int line)
{
	atomic_inc(&mi_unlock_calls);
	mi_real_rw_wunlock(rw, file, line);
}

/* The shared (read) entries count in their own two. */
static atomic_t mi_slock_calls, mi_sunlock_calls;

void fbsd_sx_slock_nosig(struct sx *sx, const char *file, int line)
{
	atomic_inc(&mi_slock_calls);
	mi_real_sx_slock(sx, file, line);
}

void fbsd_sx_sunlock(struct sx *sx, const char *file, int line)
{
	atomic_inc(&mi_sunlock_calls);
	mi_real_sx_sunlock(sx, file, line);
}

void fbsd_rw_rlock(struct rwlock *rw, const char *file, int line)
{
	atomic_inc(&mi_slock_calls);
	mi_real_rw_rlock(rw, file, line);
}

void fbsd_rw_runlock(struct rwlock *rw, const char *file, int line)
{
	atomic_inc(&mi_sunlock_calls);
	mi_real_rw_runlock(rw, file, line);
}

/* lockmgr's plain requests (lockmgr(lk, flags, NULL)). */
static atomic_t mi_lockmgr_calls;

int fbsd_lockmgr(struct lock *lk, unsigned int flags, const char *file, int line)
{
	atomic_inc(&mi_lockmgr_calls);
	return mi_real_lockmgr(lk, flags, file, line);
}

static void mi_reset_calls(void)
{
	atomic_set(&mi_lockmgr_calls, 0);
	atomic_set(&mi_lock_calls, 0);
	atomic_set(&mi_unlock_calls, 0);
	atomic_set(&mi_slock_calls, 0);
	atomic_set(&mi_sunlock_calls, 0);
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

static void
misuse_inline_use_of_destroyed_or_uninitialised_mutex_is_reported_once(struct kunit *test)
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
	int go;		/* the test thread took m inline: the signaller may start */
	int waiting;
	int signalled;
};

static void mi_signaller(void *arg)
{
	struct mi_cv *c = arg;

	/* Not before the test thread's mtx_lock: a held mutex would send that into the
	 * module (contended), and the inline path would not be the one tested. */
	while (!smp_load_acquire(&c->go))
		msleep(1);
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
		smp_store_release(&c->go, 1);
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

/* The inline paths run only while no lock-event sink is attached: on lockdep kernels the
 * lockdep sink is detached for these suites (and attached again after them). */
static int mi_lockdep_was;

static int mi_suite_init(struct kunit_suite *suite)
{
	mi_lockdep_was = bsdsync_test_lockdep(0);
	return 0;
}

static void mi_suite_exit(struct kunit_suite *suite)
{
	bsdsync_test_lockdep(mi_lockdep_was);
}

static struct kunit_suite mtx_inline_suite = {
	.name = "freebsd_mtx_inline",
	.suite_init = mi_suite_init,
	.suite_exit = mi_suite_exit,
	.test_cases = mtx_inline_cases,
};

/* ---- sx and rw: the exclusive paths, one set of cases over both kinds --------------------- */

/* One kind's operations, through its macros (so the inline paths are what runs). */
struct xl_ops {
	const char *name;
	void (*init)(void *l, const char *name, int recurse);
	void (*destroy)(void *l);
	void (*xlock)(void *l);
	void (*xunlock)(void *l);
	void (*slock)(void *l);
	void (*sunlock)(void *l);
	void (*downgrade)(void *l);
	int (*recursed)(void *l);
	int (*xowned)(void *l);
	int (*sleep)(void *chan, void *l, int timo);
	unsigned long (*word)(void *l);
	/* the module's own entries, as a checked-build driver calls them */
	void (*mslock)(void *l);
	void (*msunlock)(void *l);
	void (*unlock)(void *l);	/* sx_unlock / rw_unlock: always the module */
	void (*assert_slocked)(void *l);
	int nosleep;			/* a read hold is non-sleepable (rw) */
};

static void sx_op_init(void *l, const char *name, int recurse)
{
	sx_init_flags((struct sx *)l, name, recurse ? SX_RECURSE : 0);
}
static void sx_op_destroy(void *l) { sx_destroy((struct sx *)l); }
static void sx_op_xlock(void *l) { sx_xlock((struct sx *)l); }
static void sx_op_xunlock(void *l) { sx_xunlock((struct sx *)l); }
static void sx_op_slock(void *l) { sx_slock((struct sx *)l); }
static void sx_op_sunlock(void *l) { sx_sunlock((struct sx *)l); }
static void sx_op_downgrade(void *l) { sx_downgrade((struct sx *)l); }
static int sx_op_recursed(void *l) { return sx_recursed((struct sx *)l); }
static int sx_op_xowned(void *l) { return sx_xlocked((struct sx *)l); }
static int sx_op_sleep(void *chan, void *l, int timo)
{
	return sx_sleep(chan, (struct sx *)l, 0, "xl_slp", timo);
}
static unsigned long sx_op_word(void *l) { return READ_ONCE(((struct sx *)l)->sx_lock); }
static void sx_op_mslock(void *l) { mi_real_sx_slock(l, __FILE__, __LINE__); }
static void sx_op_msunlock(void *l) { mi_real_sx_sunlock(l, __FILE__, __LINE__); }
static void sx_op_unlock(void *l) { sx_unlock((struct sx *)l); }
static void sx_op_assert_slocked(void *l) { sx_assert((struct sx *)l, SA_SLOCKED); }

static const struct xl_ops xl_sx = {
	"sx", sx_op_init, sx_op_destroy, sx_op_xlock, sx_op_xunlock, sx_op_slock, sx_op_sunlock,
	sx_op_downgrade, sx_op_recursed, sx_op_xowned, sx_op_sleep, sx_op_word,
	sx_op_mslock, sx_op_msunlock, sx_op_unlock, sx_op_assert_slocked, 0,
};

static void rw_op_init(void *l, const char *name, int recurse)
{
	rw_init_flags((struct rwlock *)l, name, recurse ? RW_RECURSE : 0);
}
static void rw_op_destroy(void *l) { rw_destroy((struct rwlock *)l); }
static void rw_op_xlock(void *l) { rw_wlock((struct rwlock *)l); }
static void rw_op_xunlock(void *l) { rw_wunlock((struct rwlock *)l); }
static void rw_op_slock(void *l) { rw_rlock((struct rwlock *)l); }
static void rw_op_sunlock(void *l) { rw_runlock((struct rwlock *)l); }
static void rw_op_downgrade(void *l) { rw_downgrade((struct rwlock *)l); }
static int rw_op_recursed(void *l) { return rw_recursed((struct rwlock *)l); }
static int rw_op_xowned(void *l) { return rw_wowned((struct rwlock *)l); }
static int rw_op_sleep(void *chan, void *l, int timo)
{
	return rw_sleep(chan, (struct rwlock *)l, 0, "xl_slp", timo);
}
static unsigned long rw_op_word(void *l) { return READ_ONCE(((struct rwlock *)l)->rw_lock); }
static void rw_op_mslock(void *l) { mi_real_rw_rlock(l, __FILE__, __LINE__); }
static void rw_op_msunlock(void *l) { mi_real_rw_runlock(l, __FILE__, __LINE__); }
static void rw_op_unlock(void *l) { rw_unlock((struct rwlock *)l); }
static void rw_op_assert_slocked(void *l) { rw_assert((struct rwlock *)l, RA_RLOCKED); }

static const struct xl_ops xl_rw = {
	"rw", rw_op_init, rw_op_destroy, rw_op_xlock, rw_op_xunlock, rw_op_slock, rw_op_sunlock,
	rw_op_downgrade, rw_op_recursed, rw_op_xowned, rw_op_sleep, rw_op_word,
	rw_op_mslock, rw_op_msunlock, rw_op_unlock, rw_op_assert_slocked, 1,
};

/* struct sx and struct rwlock: the same 32 bytes (one implementation in the module). */
union xl_lock {
	struct sx sx;
	struct rwlock rw;
};

static const struct xl_ops *const xl_kinds[] = { &xl_sx, &xl_rw };

static void xl_kind_desc(const struct xl_ops *const *o, char *desc)
{
	strscpy(desc, (*o)->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(xl_kind, xl_kinds, xl_kind_desc);

/* The case's kind: its parameter, an element of xl_kinds. */
static const struct xl_ops *xl_ops_of(struct kunit *test)
{
	return *(const struct xl_ops *const *)test->param_value;
}

static unsigned long xl_inline_word(void)
{
	return (unsigned long)current | BSDSYNC_SL_UNRECORDED;
}

static void xlock_and_xunlock_call_nothing(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l;
	int depth = mi_depth();

	o->init(&l, "xl_plain", 0);
	mi_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		o->xlock(&l);
		KUNIT_EXPECT_EQ(test, o->word(&l), xl_inline_word());
		KUNIT_EXPECT_TRUE(test, o->xowned(&l));
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		o->xunlock(&l);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	o->destroy(&l);
}

static void xlock_recursion_falls_back_and_unwinds(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l;
	int depth = mi_depth();

	o->init(&l, "xl_recurse", 1);
	mi_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		o->xlock(&l);
		o->xlock(&l);
		KUNIT_EXPECT_TRUE(test, o->recursed(&l));
		o->xunlock(&l);
		KUNIT_EXPECT_EQ(test, o->word(&l), xl_inline_word());
		o->xunlock(&l);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_lock_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_unlock_calls), 1);
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	o->destroy(&l);
}

#define XL_THREADS 4
#define XL_ROUNDS 10000

struct xl_shared {
	const struct xl_ops *o;
	union xl_lock l;
	unsigned long counter;	/* written under the exclusive lock */
	int writing;		/* set inside an exclusive section */
	int violations;		/* a reader or writer saw another writer inside */
	int depth_changes;
};

/* Threads 0 and 1 write (inline xlock), 2 and 3 mostly read (the module's shared path): the
 * inline writers' holds meet readers, waiter bits and the module's wake-ups. */
struct xl_worker_arg {
	struct xl_shared *s;
	int id;
};

static void xl_worker(void *arg)
{
	struct xl_worker_arg *a = arg;
	struct xl_shared *s = a->s;
	const struct xl_ops *o = s->o;
	int depth = mi_depth();

	for (int i = 0; i < XL_ROUNDS; i++) {
		if (a->id < 2 || (i & 7) == 0) {
			o->xlock(&s->l);
			if (READ_ONCE(s->writing))
				s->violations++;
			WRITE_ONCE(s->writing, 1);
			s->counter++;
			WRITE_ONCE(s->writing, 0);
			o->xunlock(&s->l);
		} else {
			o->slock(&s->l);
			if (READ_ONCE(s->writing))
				WRITE_ONCE(s->violations, s->violations + 1);
			o->sunlock(&s->l);
		}
		if (mi_depth() != depth)
			WRITE_ONCE(s->depth_changes, s->depth_changes + 1);
		if ((i & 255) == 0)
			cond_resched();
	}
}

static void xlock_contention_falls_back_and_excludes(struct kunit *test)
{
	struct xl_shared *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct xl_worker_arg args[XL_THREADS];
	struct bt_thread t[XL_THREADS];
	unsigned long writes = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->o = xl_ops_of(test);
	s->o->init(&s->l, "xl_exclusion", 0);
	for (int i = 0; i < XL_THREADS; i++) {
		args[i].s = s;
		args[i].id = i;
		writes += i < 2 ? XL_ROUNDS : (XL_ROUNDS + 7) / 8;
	}
	BT_EXPECT_NO_REPORT(test, {
		for (int i = 0; i < XL_THREADS; i++)
			bt_start(test, &t[i], xl_worker, &args[i], "xl_worker");
		bt_join_n(t, XL_THREADS);
	});
	KUNIT_EXPECT_EQ(test, s->counter, writes);
	KUNIT_EXPECT_EQ(test, s->violations, 0);
	KUNIT_EXPECT_EQ(test, s->depth_changes, 0);
	KUNIT_EXPECT_EQ(test, s->o->word(&s->l), BSDSYNC_SL_UNLOCKED);
	s->o->destroy(&s->l);
}

/* Downgrade of a hold taken inline: no exclusive record to remove, a shared one made (its
 * sunlock removes it). */
static void xlock_inline_hold_downgrades_to_a_recorded_shared_hold(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l;
	int depth = mi_depth();

	o->init(&l, "xl_downgrade", 0);
	BT_EXPECT_NO_REPORT(test, {
		o->xlock(&l);
		o->downgrade(&l);
		KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED + BSDSYNC_SL_ONE_SHARER);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		o->sunlock(&l);
	});
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	o->destroy(&l);
}

/* The lock as the interlock of a sleep: released and taken back through the module (then
 * recorded), and the inline xunlock after it leaves that to the module too. */
static void xlock_inline_hold_as_sleep_interlock_works(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l;
	int depth = mi_depth();
	int error;

	o->init(&l, "xl_sleep", 0);
	BT_EXPECT_NO_REPORT(test, {
		o->xlock(&l);
		error = o->sleep(&l, &l, 1);
		KUNIT_EXPECT_TRUE(test, o->xowned(&l));
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		o->xunlock(&l);
	});
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	o->destroy(&l);
}

static void xlock_inline_hold_released_with_a_sink_attached_is_quiet(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l;
	int depth = mi_depth();

	o->init(&l, "xl_sink", 0);
	o->xlock(&l);
	memset(&mi_seen, 0, sizeof(mi_seen));
	WRITE_ONCE(mi_seen.watched, current);
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&mi_sink), 0);
	BT_EXPECT_NO_REPORT(test, o->xunlock(&l));
	bsdsync_lock_events_detach(&mi_sink);
	WRITE_ONCE(mi_seen.watched, NULL);
	KUNIT_EXPECT_EQ(test, mi_seen.n, 0);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	o->destroy(&l);
}

static void misuse_xlock_inline_recursion_and_non_owner_unlock_are_reported_once(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l;
	int depth = mi_depth();

	o->init(&l, "xl_misuse", 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, o->xunlock(&l));	/* not held */
	o->xlock(&l);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, o->xlock(&l));
	BT_EXPECT_NO_REPORT(test, { o->xunlock(&l); o->xunlock(&l); });
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	o->destroy(&l);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, o->xlock(&l));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, o->xunlock(&l));
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_DESTROYED);
}


/* ---- the inline read paths (rw_rlock/rw_runlock, sx_slock/sx_sunlock) -------------------- */

/* The calling thread's record is in this CPU's cache slot (the inline read paths need it):
 * one read hold taken and released through the module (which creates the record and fills
 * the slot). The cases check the call counts only right after this, on an otherwise idle
 * guest (another bsdsync thread running in between would refill the slot: a fallback call,
 * which they would count). */
static void sl_warm(const struct xl_ops *o, void *l)
{
	o->mslock(l);
	o->msunlock(l);
	mi_reset_calls();
}

#define SL_ONE (BSDSYNC_SL_UNLOCKED + BSDSYNC_SL_ONE_SHARER)

static void slock_and_sunlock_call_nothing_and_count_the_hold(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l;
	int depth = mi_depth();

	o->init(&l, "sl_plain", 0);
	sl_warm(o, &l);
	BT_EXPECT_NO_REPORT(test, {
		o->slock(&l);
		o->slock(&l);
		KUNIT_EXPECT_EQ(test, o->word(&l), SL_ONE + BSDSYNC_SL_ONE_SHARER);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);	/* no record */
		o->sunlock(&l);
		o->sunlock(&l);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_slock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_sunlock_calls), 0);
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	o->destroy(&l);
}

/* The recursion rule. A thread holding an inline read hold reads the lock again while a
 * writer waits (EXCLUSIVE_WAITERS set): the inline path must fall back (a writer waits), and
 * the module must let it pass the writer, which it only can if it knows about the inline
 * hold (the count). Without it: the reader waits for the writer, which waits for the reader.
 * The reader is a worker, so that the case fails (timed out) rather than hangs there. */
struct sl_rec {
	const struct xl_ops *o;
	union xl_lock l;
	int held, go, second, release, done, writer_in;
	int depth_before, depth_with_second, depth_after;
};

static void sl_rec_reader(void *arg)
{
	struct sl_rec *r = arg;

	r->o->mslock(&r->l);		/* the record cache: this thread's (sl_warm) */
	r->o->msunlock(&r->l);
	r->depth_before = mi_depth();
	r->o->slock(&r->l);		/* inline: no writer yet */
	WRITE_ONCE(r->held, 1);
	while (!READ_ONCE(r->go))
		usleep_range(500, 1500);
	r->o->slock(&r->l);		/* a writer waits: the module, which must let it pass */
	r->depth_with_second = mi_depth();
	WRITE_ONCE(r->second, 1);
	while (!READ_ONCE(r->release))
		usleep_range(500, 1500);
	r->o->sunlock(&r->l);		/* a recorded hold: the module */
	r->o->sunlock(&r->l);		/* the inline one, last, waiters to wake: the module */
	r->depth_after = mi_depth();
	WRITE_ONCE(r->done, 1);
}

static void sl_rec_writer(void *arg)
{
	struct sl_rec *r = arg;

	r->o->xlock(&r->l);
	WRITE_ONCE(r->writer_in, 1);
	r->o->xunlock(&r->l);
}

static void recursive_inline_reader_passes_a_waiting_writer(struct kunit *test)
{
	struct sl_rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread reader, writer;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->o = xl_ops_of(test);
	r->o->init(&r->l, "sl_recursive", 0);
	mi_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &reader, sl_rec_reader, r, "sl_reader");
		BT_WAIT_UNTIL(test, READ_ONCE(r->held));
		bt_start(test, &writer, sl_rec_writer, r, "sl_writer");
		BT_WAIT_UNTIL(test, r->o->word(&r->l) & BSDSYNC_SL_EXCLUSIVE_WAITERS);
		WRITE_ONCE(r->go, 1);
		BT_WAIT_UNTIL(test, READ_ONCE(r->second));
		KUNIT_EXPECT_FALSE(test, READ_ONCE(r->writer_in));
		WRITE_ONCE(r->release, 1);
		bt_join(&reader);
		bt_join(&writer);
	});
	KUNIT_EXPECT_TRUE(test, r->writer_in);
	KUNIT_EXPECT_EQ(test, r->depth_with_second, r->depth_before + 1);
	KUNIT_EXPECT_EQ(test, r->depth_after, r->depth_before);
	/* the second read fell back (writer waiting), so did both releases */
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_slock_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_sunlock_calls), 2);
	KUNIT_EXPECT_EQ(test, r->o->word(&r->l), BSDSYNC_SL_UNLOCKED);
	r->o->destroy(&r->l);
}

/* Holds taken on one path and released on the other: an inline hold released by the module
 * (sx_unlock/rw_unlock, and the slow sunlock), a module hold released through the inline
 * macro (refused while the thread has a recorded hold of the kind: the module takes the
 * record, never the inline path leaving it stale). */
static void inline_and_module_read_holds_release_on_either_path(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l, m;
	int depth = mi_depth();

	o->init(&l, "sl_mix_l", 0);
	o->init(&m, "sl_mix_m", 0);
	sl_warm(o, &l);
	BT_EXPECT_NO_REPORT(test, {
		/* inline hold, module release */
		o->slock(&l);
		o->unlock(&l);
		KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
		o->slock(&l);
		o->msunlock(&l);
		KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		/* module hold, inline macro: the module releases it (its record goes) */
		o->mslock(&l);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		mi_reset_calls();
		o->sunlock(&l);
		KUNIT_EXPECT_EQ(test, atomic_read(&mi_sunlock_calls), 1);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		/* both kinds at once, on two locks, released in the order that would leave a
		 * stale record if the inline path took the recorded lock's hold off the count */
		sl_warm(o, &l);
		o->slock(&m);			/* inline */
		o->mslock(&l);			/* recorded */
		o->sunlock(&l);			/* the module: l's record goes */
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		o->sunlock(&m);			/* inline again (or the module: both fine) */
	});
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	KUNIT_EXPECT_EQ(test, o->word(&m), BSDSYNC_SL_UNLOCKED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	/* Nothing is left counted: an unlock of a lock not held is the module's report. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, o->sunlock(&l));
	o->destroy(&l);
	o->destroy(&m);
}

/* A reader arriving while a writer waits falls back to the module and waits behind the
 * writer (writers are not starved), then gets in. */
struct sl_wait {
	const struct xl_ops *o;
	union xl_lock l;
	int writer_in, writer_out, reader_in, reader_saw_writer_out;
};

static void sl_wait_writer(void *arg)
{
	struct sl_wait *w = arg;

	w->o->xlock(&w->l);
	WRITE_ONCE(w->writer_in, 1);
	WRITE_ONCE(w->writer_out, 1);
	w->o->xunlock(&w->l);
}

static void sl_wait_reader(void *arg)
{
	struct sl_wait *w = arg;

	w->o->slock(&w->l);
	w->reader_saw_writer_out = READ_ONCE(w->writer_out);
	WRITE_ONCE(w->reader_in, 1);
	w->o->sunlock(&w->l);
}

static void slock_with_a_writer_waiting_falls_back_and_waits(struct kunit *test)
{
	struct sl_wait *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread writer, reader;

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->o = xl_ops_of(test);
	w->o->init(&w->l, "sl_wait", 0);
	BT_EXPECT_NO_REPORT(test, {
		w->o->mslock(&w->l);		/* a reader the writer waits for */
		bt_start(test, &writer, sl_wait_writer, w, "sl_writer");
		BT_WAIT_UNTIL(test, w->o->word(&w->l) & BSDSYNC_SL_EXCLUSIVE_WAITERS);
		mi_reset_calls();
		bt_start(test, &reader, sl_wait_reader, w, "sl_reader");
		BT_WAIT_UNTIL(test, atomic_read(&mi_slock_calls) == 1);
		KUNIT_EXPECT_FALSE(test, READ_ONCE(w->reader_in));
		w->o->msunlock(&w->l);
		bt_join(&writer);
		bt_join(&reader);
	});
	KUNIT_EXPECT_TRUE(test, w->writer_in);
	KUNIT_EXPECT_TRUE(test, w->reader_saw_writer_out);
	KUNIT_EXPECT_EQ(test, w->o->word(&w->l), BSDSYNC_SL_UNLOCKED);
	w->o->destroy(&w->l);
}

/* What the module sees of an inline read hold: the assertion passes; for rw (a non-sleepable
 * hold) a sleep, or taking an sx in the module (sx_xlock_sig: the inline sx_xlock does not
 * check), is reported once (without the lock's name), while the same
 * lock as the sleep's interlock is not; for sx none of that is a misuse. */
static void module_checks_see_inline_read_holds(struct kunit *test)
{
	const struct xl_ops *o = xl_ops_of(test);
	union xl_lock l;
	struct sx other;
	int depth = mi_depth();
	int error;

	o->init(&l, "sl_seen", 0);
	sx_init(&other, "sl_other");
	sl_warm(o, &l);
	o->slock(&l);
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_slock_calls), 0);
	BT_EXPECT_NO_REPORT(test, o->assert_slocked(&l));
	if (o->nosleep) {
		BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, pause("sl_pause", 1));
		BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
				 { (void)sx_xlock_sig(&other); sx_xunlock(&other); });
	} else {
		BT_EXPECT_NO_REPORT(test, pause("sl_pause", 1));
		BT_EXPECT_NO_REPORT(test, { (void)sx_xlock_sig(&other); sx_xunlock(&other); });
	}
	/* As the interlock of a sleep: released and taken back by the module (recorded). */
	BT_EXPECT_NO_REPORT(test, error = o->sleep(&l, &l, 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
	BT_EXPECT_NO_REPORT(test, o->sunlock(&l));
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	KUNIT_EXPECT_EQ(test, o->word(&l), BSDSYNC_SL_UNLOCKED);
	/* and nothing is left counted: a sleep is quiet again */
	BT_EXPECT_NO_REPORT(test, pause("sl_pause", 1));
	sx_destroy(&other);
	o->destroy(&l);
}

static struct kunit_case shared_inline_cases[] = {
	KUNIT_CASE_PARAM(xlock_and_xunlock_call_nothing, xl_kind_gen_params),
	KUNIT_CASE_PARAM(xlock_recursion_falls_back_and_unwinds, xl_kind_gen_params),
	KUNIT_CASE_PARAM(xlock_contention_falls_back_and_excludes, xl_kind_gen_params),
	KUNIT_CASE_PARAM(xlock_inline_hold_downgrades_to_a_recorded_shared_hold,
			 xl_kind_gen_params),
	KUNIT_CASE_PARAM(xlock_inline_hold_as_sleep_interlock_works,
			 xl_kind_gen_params),
	KUNIT_CASE_PARAM(xlock_inline_hold_released_with_a_sink_attached_is_quiet,
			 xl_kind_gen_params),
	KUNIT_CASE_PARAM(misuse_xlock_inline_recursion_and_non_owner_unlock_are_reported_once,
			 xl_kind_gen_params),
	KUNIT_CASE_PARAM(slock_and_sunlock_call_nothing_and_count_the_hold, xl_kind_gen_params),
	KUNIT_CASE_PARAM(recursive_inline_reader_passes_a_waiting_writer, xl_kind_gen_params),
	KUNIT_CASE_PARAM(inline_and_module_read_holds_release_on_either_path,
			 xl_kind_gen_params),
	KUNIT_CASE_PARAM(slock_with_a_writer_waiting_falls_back_and_waits, xl_kind_gen_params),
	KUNIT_CASE_PARAM(module_checks_see_inline_read_holds, xl_kind_gen_params),
	{}
};

static struct kunit_suite shared_inline_suite = {
	.name = "freebsd_sx_rw_inline",
	.suite_init = mi_suite_init,
	.suite_exit = mi_suite_exit,
	.test_cases = shared_inline_cases,
};

/* ---- lockmgr: the inline LK_SHARED and LK_RELEASE of a shared hold ------------------------ */

static void lk_warm(struct lock *lk)
{
	mi_real_lockmgr(lk, LK_SHARED, __FILE__, __LINE__);
	mi_real_lockmgr(lk, LK_RELEASE, __FILE__, __LINE__);
	mi_reset_calls();
}

static void lockmgr_shared_and_release_call_nothing(struct kunit *test)
{
	struct lock lk;
	int depth = mi_depth();

	lockinit(&lk, 0, "lk_plain", 0, 0);
	lk_warm(&lk);
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_SHARERS_LOCK(2));
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		lockmgr_assert(&lk, KA_SLOCKED);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_lockmgr_calls), 0);
	KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);
	lockdestroy(&lk);
}

struct lk_rec {
	struct lock lk;
	int held, go, second, release, done, writer_in, nowait_error;
	int depth_before, depth_with_second, depth_after;
};

static void lk_rec_reader(void *arg)
{
	struct lk_rec *r = arg;

	lk_warm(&r->lk);
	r->depth_before = mi_depth();
	lockmgr(&r->lk, LK_SHARED, NULL);	/* inline: no writer yet */
	WRITE_ONCE(r->held, 1);
	while (!READ_ONCE(r->go))
		usleep_range(500, 1500);
	lockmgr(&r->lk, LK_SHARED, NULL);	/* a writer waits: the module lets it pass */
	r->depth_with_second = mi_depth();
	WRITE_ONCE(r->second, 1);
	while (!READ_ONCE(r->release))
		usleep_range(500, 1500);
	lockmgr(&r->lk, LK_RELEASE, NULL);	/* the recorded hold: the module */
	lockmgr(&r->lk, LK_RELEASE, NULL);	/* the inline one, waiters to wake: the module */
	r->depth_after = mi_depth();
	WRITE_ONCE(r->done, 1);
}

static void lk_rec_writer(void *arg)
{
	struct lk_rec *r = arg;

	/* the shared holder makes this fail without waiting */
	r->nowait_error = lockmgr(&r->lk, LK_EXCLUSIVE | LK_NOWAIT, NULL);
	lockmgr(&r->lk, LK_EXCLUSIVE, NULL);
	WRITE_ONCE(r->writer_in, 1);
	lockmgr(&r->lk, LK_RELEASE, NULL);
}

static void lockmgr_recursive_inline_shared_passes_a_waiting_writer(struct kunit *test)
{
	struct lk_rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread reader, writer;

	KUNIT_ASSERT_NOT_NULL(test, r);
	lockinit(&r->lk, 0, "lk_recursive", 0, 0);
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &reader, lk_rec_reader, r, "lk_reader");
		BT_WAIT_UNTIL(test, READ_ONCE(r->held));
		bt_start(test, &writer, lk_rec_writer, r, "lk_writer");
		BT_WAIT_UNTIL(test, READ_ONCE(r->lk.lk_lock) & LK_EXCLUSIVE_WAITERS);
		WRITE_ONCE(r->go, 1);
		BT_WAIT_UNTIL(test, READ_ONCE(r->second));
		KUNIT_EXPECT_FALSE(test, READ_ONCE(r->writer_in));
		WRITE_ONCE(r->release, 1);
		bt_join(&reader);
		bt_join(&writer);
	});
	KUNIT_EXPECT_EQ(test, r->nowait_error, EBUSY);
	KUNIT_EXPECT_TRUE(test, r->writer_in);
	KUNIT_EXPECT_EQ(test, r->depth_with_second, r->depth_before + 1);
	KUNIT_EXPECT_EQ(test, r->depth_after, r->depth_before);
	KUNIT_EXPECT_EQ(test, r->lk.lk_lock, LK_UNLOCKED);
	lockdestroy(&r->lk);
}

/* The module's requests beside inline shared holds: a LK_NOWAIT shared hold (recorded;
 * the inline release leaves it to the module), LK_UPGRADE of an inline hold, LK_CANRECURSE
 * recursion, a LK_NOSHARE lock (its LK_SHARED is exclusive: never inline). */
static void lockmgr_inline_shared_holds_meet_the_module_requests(struct kunit *test)
{
	struct lock lk, rk, nk;
	int depth = mi_depth();

	lockinit(&lk, 0, "lk_mix", 0, 0);
	lockinit(&rk, 0, "lk_recurse", 0, LK_CANRECURSE);
	lockinit(&nk, 0, "lk_noshare", 0, LK_NOSHARE);
	lk_warm(&lk);
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);	/* inline */
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT, NULL), 0);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);	/* recorded first */
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);
		/* upgrade of an inline hold: the module's, exclusive and recorded after */
		lk_warm(&lk);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, (unsigned long)current);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		/* recursion */
		KUNIT_EXPECT_EQ(test, lockmgr(&rk, LK_EXCLUSIVE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&rk, LK_EXCLUSIVE, NULL), 0);
		KUNIT_EXPECT_TRUE(test, lockmgr_recursed(&rk));
		KUNIT_EXPECT_EQ(test, lockmgr(&rk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&rk, LK_RELEASE, NULL), 0);
		/* LK_NOSHARE */
		KUNIT_EXPECT_EQ(test, lockmgr(&nk, LK_SHARED, NULL), 0);
		KUNIT_EXPECT_EQ(test, nk.lk_lock, (unsigned long)current);
		KUNIT_EXPECT_EQ(test, lockmgr(&nk, LK_RELEASE, NULL), 0);
	});
	KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, rk.lk_lock, LK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, nk.lk_lock, LK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	/* nothing left counted: a release of a lock not held is the module's one report */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr(&lk, LK_RELEASE, NULL));
	lockdestroy(&lk);
	lockdestroy(&rk);
	lockdestroy(&nk);
}

/* ---- lockmgr: the inline LK_EXCLUSIVE and LK_RELEASE of an exclusive hold --------------- */

/* The calling thread's count of exclusive lockmgr holds (BSDSYNC_LK_XCOUNT: the inline
 * part in the low 16 bits), read through the record cache as the inline paths read it;
 * -1 if the cache does not hold our record (a module call refills it: lk_warm first). */
static int lk_xcount(void)
{
	char *r;
	int n = -1;

	preempt_disable();
	r = __bsd_td_cached();
	if (__bsd_td_mine(r))
		n = __bsd_td_counts(r)[BSDSYNC_LK_XCOUNT];
	preempt_enable();
	return n;
}

static void lockmgr_exclusive_and_release_call_nothing(struct kunit *test)
{
	struct lock lk;
	int depth = mi_depth();

	lockinit(&lk, 0, "lk_xplain", 0, 0);
	lk_warm(&lk);
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, (unsigned long)current);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		KUNIT_EXPECT_EQ(test, lk_xcount(), 1);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
		lockmgr_assert(&lk, KA_XLOCKED | KA_NOTRECURSED);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		lockmgr_assert(&lk, KA_UNLOCKED);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_lockmgr_calls), 0);
	KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, lk_xcount(), 0);
	lockdestroy(&lk);
}

/* An inline hold released by the module, a recorded hold released through the macro (the
 * module's: the count has a recorded hold), and a recorded hold of one lock beside an
 * inline hold of another: no record left behind, none missing, the counts back at 0. */
static void lockmgr_inline_and_module_exclusive_holds_release_on_either_path(struct kunit *test)
{
	struct lock lk, other;
	int depth = mi_depth();

	lockinit(&lk, 0, "lk_xmix", 0, 0);
	lockinit(&other, 0, "lk_xother", 0, 0);
	BT_EXPECT_NO_REPORT(test, {
		lk_warm(&lk);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);	/* inline */
		KUNIT_EXPECT_EQ(test, mi_real_lockmgr(&lk, LK_RELEASE, __FILE__, __LINE__), 0);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		KUNIT_EXPECT_EQ(test, lk_xcount(), 0);

		KUNIT_EXPECT_EQ(test, mi_real_lockmgr(&lk, LK_EXCLUSIVE, __FILE__, __LINE__), 0);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		KUNIT_EXPECT_EQ(test, lk_xcount(), BSDSYNC_LK_COUNT_RECORDED);
		mi_reset_calls();
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);	/* the module */
		KUNIT_EXPECT_EQ(test, atomic_read(&mi_lockmgr_calls), 1);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);

		KUNIT_EXPECT_EQ(test, mi_real_lockmgr(&other, LK_EXCLUSIVE, __FILE__, __LINE__), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);	/* inline */
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		KUNIT_EXPECT_EQ(test, lk_xcount(), BSDSYNC_LK_COUNT_RECORDED + 1);
		KUNIT_EXPECT_EQ(test, lockmgr(&other, LK_RELEASE, NULL), 0);	/* its record */
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		KUNIT_EXPECT_EQ(test, lk_xcount(), 1);
		KUNIT_EXPECT_EQ(test, other.lk_lock, LK_UNLOCKED);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);	/* inline again */
		KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	});
	lk_warm(&lk);
	KUNIT_EXPECT_EQ(test, lk_xcount(), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&mi_lockmgr_calls), 0);
	/* nothing counted: a release of a lock not held is the module's one report */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr(&lk, LK_RELEASE, NULL));
	lockdestroy(&lk);
	lockdestroy(&other);
}

/* The module's requests on an inline exclusive hold: recursion (LK_CANRECURSE lock, and
 * LK_EXCLUSIVE | LK_CANRECURSE), LK_NOWAIT recursion refused, downgrade to a recorded
 * shared hold and upgrade back, disown, and the hold as the interlock of a sleep. */
static void lockmgr_inline_exclusive_hold_meets_the_module_requests(struct kunit *test)
{
	struct lock lk, rk;
	int depth = mi_depth();
	int error = 0;

	lockinit(&lk, 0, "lk_xreq", 0, 0);
	lockinit(&rk, 0, "lk_xrecurse", 0, LK_CANRECURSE);
	BT_EXPECT_NO_REPORT(test, {
		lk_warm(&rk);
		KUNIT_EXPECT_EQ(test, lockmgr(&rk, LK_EXCLUSIVE, NULL), 0);	/* inline */
		KUNIT_EXPECT_EQ(test, lockmgr(&rk, LK_EXCLUSIVE, NULL), 0);	/* recursion */
		KUNIT_EXPECT_TRUE(test, lockmgr_recursed(&rk));
		lockmgr_assert(&rk, KA_XLOCKED | KA_RECURSED);
		KUNIT_EXPECT_EQ(test, lockmgr(&rk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, rk.lk_lock, (unsigned long)current);
		KUNIT_EXPECT_EQ(test, lockmgr(&rk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, rk.lk_lock, LK_UNLOCKED);

		lk_warm(&lk);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_CANRECURSE, NULL), 0);
		KUNIT_EXPECT_TRUE(test, lockmgr_recursed(&lk));
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT, NULL), EBUSY);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, (unsigned long)current);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);

		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_SHARERS_LOCK(1));
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		lockmgr_assert(&lk, KA_SLOCKED);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, (unsigned long)current);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);

		lk_warm(&lk);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
		lockmgr_disown(&lk);
		KUNIT_EXPECT_TRUE(test, lockmgr_disowned(&lk));
		KUNIT_EXPECT_EQ(test, lockstatus(&lk), LK_EXCLUSIVE);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);

		lk_warm(&lk);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
		error = _sleep(&lk, &lk.lock_object, 0, "lk_xsleep", fbsd_tick_sbt, 0, C_HARDCLOCK);
		KUNIT_EXPECT_EQ(test, lk.lk_lock, (unsigned long)current);
		KUNIT_EXPECT_EQ(test, mi_depth(), depth + 1);	/* taken back by the module */
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE, NULL), 0);
	});
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	lk_warm(&lk);
	KUNIT_EXPECT_EQ(test, lk_xcount(), 0);
	lockdestroy(&lk);
	lockdestroy(&rk);
}

struct lk_xw {
	struct lock lk;
	int waiter_in, nowait_error;
};

static void lk_xw_waiter(void *arg)
{
	struct lk_xw *r = arg;

	r->nowait_error = lockmgr(&r->lk, LK_EXCLUSIVE | LK_NOWAIT, NULL);
	lockmgr(&r->lk, LK_EXCLUSIVE, NULL);
	WRITE_ONCE(r->waiter_in, 1);
	lockmgr(&r->lk, LK_RELEASE, NULL);
}

/* A waiter's bit in the word fails the inline release's CAS: the module releases the
 * inline hold and wakes the waiter. */
static void lockmgr_inline_exclusive_release_wakes_a_waiter(struct kunit *test)
{
	struct lk_xw *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread waiter;
	int depth = mi_depth();

	KUNIT_ASSERT_NOT_NULL(test, r);
	lockinit(&r->lk, 0, "lk_xwait", 0, 0);
	lk_warm(&r->lk);
	KUNIT_EXPECT_EQ(test, lockmgr(&r->lk, LK_EXCLUSIVE, NULL), 0);
	KUNIT_EXPECT_EQ(test, lk_xcount(), 1);
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &waiter, lk_xw_waiter, r, "lk_xwaiter");
		BT_WAIT_UNTIL(test, READ_ONCE(r->lk.lk_lock) & LK_EXCLUSIVE_WAITERS);
		KUNIT_EXPECT_FALSE(test, READ_ONCE(r->waiter_in));
		KUNIT_EXPECT_EQ(test, lockmgr(&r->lk, LK_RELEASE, NULL), 0);
		bt_join(&waiter);
	});
	KUNIT_EXPECT_EQ(test, r->nowait_error, EBUSY);
	KUNIT_EXPECT_TRUE(test, r->waiter_in);
	KUNIT_EXPECT_EQ(test, r->lk.lk_lock, LK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	lk_warm(&r->lk);
	KUNIT_EXPECT_EQ(test, lk_xcount(), 0);
	lockdestroy(&r->lk);
}

/* A sink attached while an inline exclusive hold is held: its release through the module
 * sends no RELEASED (the sink never saw the acquisition) and finds no record to remove. */
static void lockmgr_inline_exclusive_hold_released_with_a_sink_attached_is_quiet(
	struct kunit *test)
{
	struct lock lk;
	int depth = mi_depth();

	lockinit(&lk, 0, "lk_xsink", 0, 0);
	lk_warm(&lk);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE, NULL), 0);
	memset(&mi_seen, 0, sizeof(mi_seen));
	WRITE_ONCE(mi_seen.watched, current);
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&mi_sink), 0);
	BT_EXPECT_NO_REPORT(test, mi_real_lockmgr(&lk, LK_RELEASE, __FILE__, __LINE__));
	bsdsync_lock_events_detach(&mi_sink);
	WRITE_ONCE(mi_seen.watched, NULL);
	KUNIT_EXPECT_EQ(test, mi_seen.n, 0);
	KUNIT_EXPECT_EQ(test, mi_depth(), depth);
	KUNIT_EXPECT_EQ(test, lk.lk_lock, LK_UNLOCKED);
	lk_warm(&lk);
	KUNIT_EXPECT_EQ(test, lk_xcount(), 0);
	lockdestroy(&lk);
}

static struct kunit_case lockmgr_inline_cases[] = {
	KUNIT_CASE(lockmgr_shared_and_release_call_nothing),
	KUNIT_CASE(lockmgr_recursive_inline_shared_passes_a_waiting_writer),
	KUNIT_CASE(lockmgr_inline_shared_holds_meet_the_module_requests),
	KUNIT_CASE(lockmgr_exclusive_and_release_call_nothing),
	KUNIT_CASE(lockmgr_inline_and_module_exclusive_holds_release_on_either_path),
	KUNIT_CASE(lockmgr_inline_exclusive_hold_meets_the_module_requests),
	KUNIT_CASE(lockmgr_inline_exclusive_release_wakes_a_waiter),
	KUNIT_CASE(lockmgr_inline_exclusive_hold_released_with_a_sink_attached_is_quiet),
	{}
};

static struct kunit_suite lockmgr_inline_suite = {
	.name = "freebsd_lockmgr_inline",
	.suite_init = mi_suite_init,
	.suite_exit = mi_suite_exit,
	.test_cases = lockmgr_inline_cases,
};
kunit_test_suites(&mtx_inline_suite, &shared_inline_suite, &lockmgr_inline_suite);
