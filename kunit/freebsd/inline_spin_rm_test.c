// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Spin mutexes and rmlock(9) read holds as a driver built for production sees them (kunit/
 * Kbuild compiles this file with -DBSDSYNC_NO_INVARIANTS): mtx_lock_spin/mtx_unlock_spin are
 * inline in <sys/mutex.h> (the interrupt state, this CPU's spin depth, one CAS), and so are
 * rm_rlock/rm_runlock in <sys/rmlock.h> (this CPU's read count, the tracker on the thread's
 * list) and rm_wlock/rm_wunlock (one CAS of the writer word each, the word marked
 * UNRECORDED); every other case (recursion, contention, a writer, readers to drain, misuse,
 * a lock-event sink) calls the module.
 *
 * The calls the macros make are counted, as in inline_locks_test.c: the module's functions
 * are renamed for this file to counting wrappers that call the real ones through asm labels,
 * so a case can check that the uncontended paths make no call.
 */
#define fbsd_mtx_lock_spin_flags	si_counted_lock_spin
#define fbsd_mtx_unlock_spin_flags	si_counted_unlock_spin
#define fbsd_mtx_lock_spin_hard		si_counted_lock_spin_hard
#define fbsd_rm_rlock			ri_counted_rlock
#define fbsd_rm_runlock			ri_counted_runlock
#define fbsd_rm_wlock			ri_counted_wlock
#define fbsd_rm_wlock_drain		ri_counted_wlock_drain
#define fbsd_rm_wunlock			ri_counted_wunlock
#define fbsd_rm_rlock_backout		ri_counted_rlock_backout
#define fbsd_rm_wake_drainer		ri_counted_wake_drainer

#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/irqflags.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/rmlock.h>
#include <sys/proc.h>
#include <sys/kernel.h>
#include <bsdsync/lock_events.h>
#include <bsdsync/testing.h>

#include "harness_freebsd.h"

#ifdef INVARIANTS
#error "inline_spin_rm_test.c must be built as the production build (-DBSDSYNC_NO_INVARIANTS)"
#endif

void si_real_lock_spin(struct mtx *m, int opts, const char *file, int line)
	__asm__("fbsd_mtx_lock_spin_flags");
void si_real_unlock_spin(struct mtx *m, int opts, const char *file, int line)
	__asm__("fbsd_mtx_unlock_spin_flags");
void si_real_lock_spin_hard(struct mtx *m, int opts, const char *file, int line)
	__asm__("fbsd_mtx_lock_spin_hard");
int ri_real_rlock(struct rmlock *rm, struct rm_priotracker *tr, int trylock, const char *file,
		  int line) __asm__("fbsd_rm_rlock");
void ri_real_runlock(struct rmlock *rm, struct rm_priotracker *tr, const char *file, int line)
	__asm__("fbsd_rm_runlock");
void ri_real_wlock(struct rmlock *rm, const char *file, int line) __asm__("fbsd_rm_wlock");
void ri_real_wlock_drain(struct rmlock *rm, const char *file, int line)
	__asm__("fbsd_rm_wlock_drain");
void ri_real_wunlock(struct rmlock *rm, const char *file, int line) __asm__("fbsd_rm_wunlock");
void ri_real_rlock_backout(struct rmlock *rm, struct rm_priotracker *tr, const char *file,
			   int line) __asm__("fbsd_rm_rlock_backout");
void ri_real_wake_drainer(struct rmlock *rm) __asm__("fbsd_rm_wake_drainer");

/* Calls the spin macros made into bsdsync.ko, from any thread of this file. */
static atomic_t si_lock_calls, si_unlock_calls;

void fbsd_mtx_lock_spin_flags(struct mtx *m, int opts, const char *file, int line)
{
	atomic_inc(&si_lock_calls);
	si_real_lock_spin(m, opts, file, line);
}

void fbsd_mtx_unlock_spin_flags(struct mtx *m, int opts, const char *file, int line)
{
	atomic_inc(&si_unlock_calls);
	si_real_unlock_spin(m, opts, file, line);
}

void fbsd_mtx_lock_spin_hard(struct mtx *m, int opts, const char *file, int line)
{
	atomic_inc(&si_lock_calls);
	si_real_lock_spin_hard(m, opts, file, line);
}

static void si_reset_calls(void)
{
	atomic_set(&si_lock_calls, 0);
	atomic_set(&si_unlock_calls, 0);
}

static unsigned long si_word(const struct mtx *m)
{
	return READ_ONCE(m->mtx_lock);
}

/* ---- spin mutexes ------------------------------------------------------------------------ */

static void spin_inline_lock_and_unlock_call_nothing(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "si_plain", NULL, MTX_SPIN);
	si_reset_calls();
	KUNIT_ASSERT_FALSE(test, irqs_disabled());
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_spin(&m);
		KUNIT_EXPECT_TRUE(test, irqs_disabled());
		KUNIT_EXPECT_TRUE(test, in_atomic());
		KUNIT_EXPECT_EQ(test, si_word(&m), (unsigned long)current | MTX_UNRECORDED_SPIN);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
		mtx_assert(&m, MA_OWNED | MA_NOTRECURSED);
		mtx_unlock_spin(&m);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&si_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&si_unlock_calls), 0);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, in_atomic());
	KUNIT_EXPECT_EQ(test, si_word(&m), MTX_UNOWNED);
	mtx_destroy(&m);
}

/* Released in any order, inline holds and holds the module took (a checked-build caller: the
 * real functions) mixed: interrupts come back only at the outermost release, whichever it is. */
static void spin_inline_and_module_holds_release_in_any_order(struct kunit *test)
{
	struct mtx a, b, c;

	mtx_init(&a, "si_ooo_a", NULL, MTX_SPIN);
	mtx_init(&b, "si_ooo_b", NULL, MTX_SPIN);
	mtx_init(&c, "si_ooo_c", NULL, MTX_SPIN);
	BT_EXPECT_NO_REPORT(test, {
		/* inline a, module b, inline c; release a, b, c */
		mtx_lock_spin(&a);
		si_real_lock_spin(&b, 0, __FILE__, __LINE__);
		mtx_lock_spin(&c);
		mtx_unlock_spin(&a);
		KUNIT_EXPECT_TRUE(test, irqs_disabled());
		KUNIT_EXPECT_FALSE(test, mtx_owned(&a));
		si_real_unlock_spin(&b, 0, __FILE__, __LINE__);
		KUNIT_EXPECT_TRUE(test, irqs_disabled());
		KUNIT_EXPECT_TRUE(test, mtx_owned(&c));
		mtx_unlock_spin(&c);
		KUNIT_EXPECT_FALSE(test, irqs_disabled());
		/* module a, inline b; release a (module) first, then b */
		si_real_lock_spin(&a, 0, __FILE__, __LINE__);
		mtx_lock_spin(&b);
		si_real_unlock_spin(&a, 0, __FILE__, __LINE__);
		KUNIT_EXPECT_TRUE(test, irqs_disabled());
		mtx_unlock_spin(&b);
		KUNIT_EXPECT_FALSE(test, irqs_disabled());
		/* inline a, module b; release a (inline) first, then b */
		mtx_lock_spin(&a);
		si_real_lock_spin(&b, 0, __FILE__, __LINE__);
		mtx_unlock_spin(&a);
		KUNIT_EXPECT_TRUE(test, irqs_disabled());
		si_real_unlock_spin(&b, 0, __FILE__, __LINE__);
		KUNIT_EXPECT_FALSE(test, irqs_disabled());
	});
	KUNIT_EXPECT_FALSE(test, in_atomic());
	mtx_destroy(&a);
	mtx_destroy(&b);
	mtx_destroy(&c);
}

/* The outermost exit restores the state of the outermost enter: interrupts stay off for a
 * caller that had them off, also right after a section entered with them on. */
static void spin_inline_keeps_interrupts_off_if_caller_had_them_off(struct kunit *test)
{
	struct mtx a;
	unsigned long flags;

	mtx_init(&a, "si_irqs_off", NULL, MTX_SPIN);
	mtx_lock_spin(&a);
	mtx_unlock_spin(&a);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	local_irq_save(flags);
	mtx_lock_spin(&a);
	mtx_unlock_spin(&a);
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	local_irq_restore(flags);
	/* And on again for the next one. */
	mtx_lock_spin(&a);
	mtx_unlock_spin(&a);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	mtx_destroy(&a);
}

static void spin_inline_recursion_falls_back_and_unwinds(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "si_recurse", NULL, MTX_SPIN | MTX_RECURSE);
	si_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_spin(&m);
		mtx_lock_spin(&m);
		KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
		mtx_lock_spin(&m);
		mtx_unlock_spin(&m);
		mtx_unlock_spin(&m);
		KUNIT_EXPECT_TRUE(test, irqs_disabled());
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
		mtx_unlock_spin(&m);
	});
	/* The two recursions went through the module, and their releases; the outer hold did
	 * not. */
	KUNIT_EXPECT_EQ(test, atomic_read(&si_lock_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&si_unlock_calls), 2);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, in_atomic());
	KUNIT_EXPECT_EQ(test, si_word(&m), MTX_UNOWNED);
	mtx_destroy(&m);
}

static void misuse_spin_inline_recursion_without_mtx_recurse_is_reported_once(struct kunit *test)
{
	struct mtx m;
	struct bt_probe probe;

	mtx_init(&m, "si_norecurse", NULL, MTX_SPIN);
	mtx_lock_spin(&m);
	bt_probe_begin(&probe, BSDSYNC_RULE_RECURSION);
	mtx_lock_spin(&m);
	bt_probe_end(&probe);
	mtx_unlock_spin(&m);
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	mtx_unlock_spin(&m);
	bt_expect_one_report_no_sleep(test, &probe, "mtx_lock_spin recursion");
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	mtx_destroy(&m);
}

/* The spin record keeps the depth of inline holds: sleeping with one held is reported (the
 * sleep is refused, as with any spin mutex held). */
static void misuse_sleep_with_an_inline_spin_mutex_held_is_reported_once(struct kunit *test)
{
	struct mtx m;
	struct bt_probe probe;
	int chan, error;

	mtx_init(&m, "si_sleep", NULL, MTX_SPIN);
	mtx_lock_spin(&m);
	bt_probe_begin(&probe, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = tsleep(&chan, 0, "si_sleep", 1);
	bt_probe_end(&probe);
	mtx_unlock_spin(&m);
	bt_expect_one_report_no_sleep(test, &probe, "tsleep with an inline spin mutex held");
	KUNIT_EXPECT_NE(test, error, 0);
	mtx_destroy(&m);
}

/* Misuse of the other class through the spin macros and of a spin mutex through the sleep
 * ones: the inline paths leave both to the module, one report each. */
static void misuse_inline_spin_ops_on_a_sleep_mutex_are_reported_once(struct kunit *test)
{
	struct mtx s, d;

	mtx_init(&s, "si_spin", NULL, MTX_SPIN);
	mtx_init(&d, "si_def", NULL, MTX_DEF);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS, mtx_lock_spin(&d));
	KUNIT_EXPECT_EQ(test, si_word(&d), MTX_UNOWNED);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	/* A sleep mutex held inline (curthread | MTX_UNRECORDED) is not released by the inline
	 * mtx_unlock_spin. */
	mtx_lock(&d);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS, mtx_unlock_spin(&d));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&d));
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	mtx_unlock(&d);
	/* And the reverse. */
	mtx_lock_spin(&s);
	{
		unsigned long before = bsdsync_report_count(BSDSYNC_RULE_WRONG_CLASS);

		mtx_unlock(&s);
		KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_WRONG_CLASS) - before,
				1UL);
	}
	KUNIT_EXPECT_TRUE(test, mtx_owned(&s));
	mtx_unlock_spin(&s);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	mtx_destroy(&s);
	mtx_destroy(&d);
}

struct si_excl {
	struct mtx m;
	unsigned long counter;
	int inside, violations;
};

static void si_excl_worker(void *arg)
{
	struct si_excl *s = arg;

	for (int i = 0; i < 20000; i++) {
		mtx_lock_spin(&s->m);
		if (s->inside++)
			s->violations++;
		s->counter++;
		s->inside--;
		mtx_unlock_spin(&s->m);
	}
}

static void spin_inline_contention_falls_back_and_excludes(struct kunit *test)
{
	struct si_excl *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[3];

	KUNIT_ASSERT_NOT_NULL(test, s);
	mtx_init(&s->m, "si_excl", NULL, MTX_SPIN);
	for (int i = 0; i < 3; i++)
		bt_start(test, &t[i], si_excl_worker, s, "si_excl");
	bt_join_n(t, 3);
	KUNIT_EXPECT_EQ(test, s->counter, 3UL * 20000);
	KUNIT_EXPECT_EQ(test, s->violations, 0);
	KUNIT_EXPECT_EQ(test, si_word(&s->m), MTX_UNOWNED);
	mtx_destroy(&s->m);
}

static struct {
	struct task_struct *watched;
	int n;
	enum bsdsync_lock_event_kind kind[4];
} si_seen;

static void si_event(const struct bsdsync_lock_event *e)
{
	if (current != READ_ONCE(si_seen.watched))
		return;
	if (si_seen.n < 4)
		si_seen.kind[si_seen.n] = e->kind;
	si_seen.n++;
}

static const struct bsdsync_lock_event_sink si_sink = { "spin_inline", si_event };

/* While a sink is attached the spin macros call the module (a recorded hold, its events
 * sent); detached, they are inline again. (A sink cannot be attached while this thread holds
 * a spin mutex: attaching patches code and may sleep; another CPU's attach waits for this
 * one to let interrupts in, i.e. for the release.) */
static void spin_inline_goes_through_the_module_while_a_sink_is_attached(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "si_sink", NULL, MTX_SPIN);
	memset(&si_seen, 0, sizeof(si_seen));
	WRITE_ONCE(si_seen.watched, current);
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&si_sink), 0);
	si_reset_calls();
	mtx_lock_spin(&m);
	KUNIT_EXPECT_EQ(test, si_word(&m), (unsigned long)current);
	mtx_unlock_spin(&m);
	bsdsync_lock_events_detach(&si_sink);
	WRITE_ONCE(si_seen.watched, NULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&si_lock_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&si_unlock_calls), 1);
	KUNIT_EXPECT_EQ(test, si_seen.n, 3);	/* ACQUIRING, ACQUIRED, RELEASED */
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	si_reset_calls();
	mtx_lock_spin(&m);
	KUNIT_EXPECT_EQ(test, si_word(&m), (unsigned long)current | MTX_UNRECORDED_SPIN);
	mtx_unlock_spin(&m);
	KUNIT_EXPECT_EQ(test, atomic_read(&si_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, si_seen.n, 3);
	mtx_destroy(&m);
}

static void spin_inline_destroy_of_a_held_mutex_releases_it(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "si_destroy", NULL, MTX_SPIN);
	mtx_lock_spin(&m);
	BT_EXPECT_NO_REPORT(test, mtx_destroy(&m));
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, in_atomic());
	KUNIT_EXPECT_EQ(test, si_word(&m), MTX_DESTROYED);
}

/* msleep_spin with a hold taken inline as interlock: the module releases it (no record to
 * remove), sleeps, and takes it back (its own, recorded, hold: the inline unlock leaves that
 * to the module). */
static void spin_inline_hold_as_msleep_spin_interlock_works(struct kunit *test)
{
	struct mtx m;
	int chan, error;

	mtx_init(&m, "si_msleep", NULL, MTX_SPIN);
	mtx_lock_spin(&m);
	BT_EXPECT_NO_REPORT(test, error = msleep_spin(&chan, &m, "si_msleep", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	si_reset_calls();
	mtx_unlock_spin(&m);
	KUNIT_EXPECT_EQ(test, atomic_read(&si_unlock_calls), 1);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, in_atomic());
	mtx_destroy(&m);
}

static struct kunit_case spin_inline_cases[] = {
	KUNIT_CASE(spin_inline_hold_as_msleep_spin_interlock_works),
	KUNIT_CASE(spin_inline_lock_and_unlock_call_nothing),
	KUNIT_CASE(spin_inline_and_module_holds_release_in_any_order),
	KUNIT_CASE(spin_inline_keeps_interrupts_off_if_caller_had_them_off),
	KUNIT_CASE(spin_inline_recursion_falls_back_and_unwinds),
	KUNIT_CASE(misuse_spin_inline_recursion_without_mtx_recurse_is_reported_once),
	KUNIT_CASE(misuse_sleep_with_an_inline_spin_mutex_held_is_reported_once),
	KUNIT_CASE(misuse_inline_spin_ops_on_a_sleep_mutex_are_reported_once),
	KUNIT_CASE(spin_inline_contention_falls_back_and_excludes),
	KUNIT_CASE(spin_inline_goes_through_the_module_while_a_sink_is_attached),
	KUNIT_CASE(spin_inline_destroy_of_a_held_mutex_releases_it),
	{}
};

/* The inline paths run only while no lock-event sink is attached: on lockdep kernels the
 * lockdep sink is detached for these suites (and attached again after them). */
static int si_lockdep_was;

static int si_suite_init(struct kunit_suite *suite)
{
	si_lockdep_was = bsdsync_test_lockdep(0);
	return 0;
}

static void si_suite_exit(struct kunit_suite *suite)
{
	bsdsync_test_lockdep(si_lockdep_was);
}

static struct kunit_suite spin_inline_suite = {
	.name = "freebsd_spin_inline",
	.suite_init = si_suite_init,
	.suite_exit = si_suite_exit,
	.test_cases = spin_inline_cases,
};

/* ---- rmlock(9) read holds ------------------------------------------------------------------ */

static atomic_t ri_lock_calls, ri_unlock_calls;

int fbsd_rm_rlock(struct rmlock *rm, struct rm_priotracker *tr, int trylock, const char *file,
		  int line)
{
	atomic_inc(&ri_lock_calls);
	return ri_real_rlock(rm, tr, trylock, file, line);
}

void fbsd_rm_runlock(struct rmlock *rm, struct rm_priotracker *tr, const char *file, int line)
{
	atomic_inc(&ri_unlock_calls);
	ri_real_runlock(rm, tr, file, line);
}

/* The write side: rm_wlock's calls (fbsd_rm_wlock, and the inline path's continuation
 * fbsd_rm_wlock_drain, counted apart) and rm_wunlock's. */
static atomic_t ri_wlock_calls, ri_drain_calls, ri_wunlock_calls;

void fbsd_rm_wlock(struct rmlock *rm, const char *file, int line)
{
	atomic_inc(&ri_wlock_calls);
	ri_real_wlock(rm, file, line);
}

void fbsd_rm_wlock_drain(struct rmlock *rm, const char *file, int line)
{
	atomic_inc(&ri_drain_calls);
	ri_real_wlock_drain(rm, file, line);
}

void fbsd_rm_wunlock(struct rmlock *rm, const char *file, int line)
{
	atomic_inc(&ri_wunlock_calls);
	ri_real_wunlock(rm, file, line);
}

/* The inline central read's calls: its back-out (a writer) and its drainer wake-up. */
static atomic_t ri_backout_calls, ri_wake_calls;

void fbsd_rm_rlock_backout(struct rmlock *rm, struct rm_priotracker *tr, const char *file,
			   int line)
{
	atomic_inc(&ri_backout_calls);
	ri_real_rlock_backout(rm, tr, file, line);
}

void fbsd_rm_wake_drainer(struct rmlock *rm)
{
	atomic_inc(&ri_wake_calls);
	ri_real_wake_drainer(rm);
}

static void ri_reset_calls(void)
{
	atomic_set(&ri_backout_calls, 0);
	atomic_set(&ri_wake_calls, 0);
	atomic_set(&ri_lock_calls, 0);
	atomic_set(&ri_unlock_calls, 0);
	atomic_set(&ri_wlock_calls, 0);
	atomic_set(&ri_drain_calls, 0);
	atomic_set(&ri_wunlock_calls, 0);
}

#define RI_WRITE_INLINE	((unsigned long)current | BSDSYNC_RM_UNRECORDED)

/* How many holds the calling thread's held-locks stack records. */
static int ri_depth(void)
{
	struct bsdsync_held_lock h[1];

	return bsdsync_held_locks(h, 0);
}

/*
 * A read hold taken inline: the calling thread's record is in this CPU's cache and the CPU
 * has its token after a first read (which goes through the module: it creates the record,
 * grants the token). Another thread that runs bsdsync code on this CPU in between, or a
 * migration, sends one attempt through the module: a few attempts, the thread bound to its
 * CPU. True if the hold in *tr was taken inline (the caller releases it either way).
 */
static bool ri_rlock_inline(struct rmlock *rm, struct rm_priotracker *tr)
{
	for (int i = 0; i < 20; i++) {
		rm_rlock(rm, tr);
		if (tr->rmp_flags == BSDSYNC_RMPF_INLINE)
			return true;
		rm_runlock(rm, tr);
	}
	rm_rlock(rm, tr);
	return false;
}

static bool rt_writer_draining_(const struct bsdsync_rm_state *st)
{
	unsigned long w = READ_ONCE(st->rm_lock);

	return w != BSDSYNC_RM_DESTROYED && (w & BSDSYNC_RM_DRAINING);
}

static void ri_bind_here(void)
{
	set_cpus_allowed_ptr(current, cpumask_of(raw_smp_processor_id()));
}

static void rm_inline_read_calls_nothing(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;
	int depth = ri_depth(), calls = -1;

	ri_bind_here();
	rm_init(&rm, "ri_plain");
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_ASSERT_TRUE(test, ri_rlock_inline(&rm, &tr));
		rm_runlock(&rm, &tr);
		/* Once inline, a read and its release make no call (a few tries: see above). */
		for (int i = 0; i < 20 && calls != 0; i++) {
			ri_reset_calls();
			rm_rlock(&rm, &tr);
			KUNIT_EXPECT_EQ(test, ri_depth(), depth);
			rm_runlock(&rm, &tr);
			calls = atomic_read(&ri_lock_calls) + atomic_read(&ri_unlock_calls);
		}
	});
	KUNIT_EXPECT_EQ(test, calls, 0);
	KUNIT_EXPECT_PTR_EQ(test, (void *)tr.rmp_rmlock, NULL);
	KUNIT_EXPECT_FALSE(test, in_atomic());
	rm_destroy(&rm);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* The reader's CPU has its token (true while the caller is bound to it). */
static bool ri_cpu_has_token(struct rmlock *rm)
{
	return READ_ONCE(per_cpu_ptr((struct bsdsync_rm_cpu __percpu *)rm->rm_state.rm_pcpu,
				     raw_smp_processor_id())->token);
}

/* A read hold counted centrally by the inline rm_rlock: right after a write (no token, the
 * calm interval running), no call, rm_readers 1. A few tries: a tick boundary may end the
 * interval in between. True if the hold in *tr is such a one (the caller releases it). */
static bool ri_rlock_central(struct rmlock *rm, struct rm_priotracker *tr)
{
	for (int i = 0; i < 5; i++) {
		rm_wlock(rm);
		rm_wunlock(rm);
		ri_reset_calls();
		rm_rlock(rm, tr);
		if (atomic_read(&ri_lock_calls) == 0 && READ_ONCE(rm->rm_state.rm_readers) == 1)
			return true;
		rm_runlock(rm, tr);
	}
	rm_rlock(rm, tr);
	return false;
}

/* A read right after a write: the writer took every CPU's token, so the inline rm_rlock
 * counts the read centrally (rm_readers), still inline, no call (within the calm interval
 * the module would do no more); its release drops the central count, no call. Past the
 * interval the reads go through the module, whose central reads give the CPU its token
 * back, and the reads are counted on the CPU again. */
static void rm_inline_read_after_a_write_counts_centrally_then_gets_the_token_back(
	struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;
	int depth = ri_depth();
	bool token_again = false, central = false;

	ri_bind_here();
	rm_init(&rm, "ri_after_write");
	KUNIT_ASSERT_TRUE(test, ri_rlock_inline(&rm, &tr));
	rm_runlock(&rm, &tr);
	BT_EXPECT_NO_REPORT(test, {
		central = ri_rlock_central(&rm, &tr);
		KUNIT_EXPECT_EQ(test, tr.rmp_flags, BSDSYNC_RMPF_INLINE);
		KUNIT_EXPECT_FALSE(test, ri_cpu_has_token(&rm));
		rm_assert(&rm, RA_RLOCKED);
		ri_reset_calls();
		rm_runlock(&rm, &tr);
		KUNIT_EXPECT_EQ(test, atomic_read(&ri_unlock_calls), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_readers), 0L);
		rm_assert(&rm, RA_UNLOCKED);
		/* calm again after a few ticks and central reads */
		for (int i = 0; i < 500 && !token_again; i++) {
			rm_rlock(&rm, &tr);
			rm_runlock(&rm, &tr);
			token_again = ri_cpu_has_token(&rm);
			usleep_range(500, 1000);
		}
	});
	KUNIT_EXPECT_TRUE(test, central);
	KUNIT_EXPECT_TRUE(test, token_again);
	KUNIT_EXPECT_EQ(test, ri_depth(), depth);
	KUNIT_EXPECT_FALSE(test, in_atomic());
	rm_destroy(&rm);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* rm_assert, rm_wowned and rm_wlock's self-deadlock check find a hold taken inline (its
 * tracker is on the thread's list). */
static void rm_assert_sees_an_inline_read_hold(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	ri_bind_here();
	rm_init(&rm, "ri_assert");
	KUNIT_ASSERT_TRUE(test, ri_rlock_inline(&rm, &tr));
	BT_EXPECT_NO_REPORT(test, {
		rm_assert(&rm, RA_RLOCKED);
		rm_assert(&rm, RA_LOCKED | RA_NOTRECURSED);
	});
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_UNLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rm_assert(&rm, RA_WLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_wlock(&rm));
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	rm_runlock(&rm, &tr);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	rm_destroy(&rm);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* A second read while the thread holds one goes through the module, which finds the inline
 * hold: RM_RECURSE lets it in (reported without it), and both unwind. */
static void rm_inline_read_recursion_goes_through_the_module(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker t1, t2;

	ri_bind_here();
	rm_init_flags(&rm, "ri_recurse", RM_RECURSE);
	KUNIT_ASSERT_TRUE(test, ri_rlock_inline(&rm, &t1));
	ri_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		rm_rlock(&rm, &t2);
		rm_assert(&rm, RA_RLOCKED | RA_RECURSED);
		rm_runlock(&rm, &t2);
		rm_assert(&rm, RA_RLOCKED | RA_NOTRECURSED);
		rm_runlock(&rm, &t1);
		rm_assert(&rm, RA_UNLOCKED);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_lock_calls), 1);
	rm_destroy(&rm);

	rm_init(&rm, "ri_norecurse");
	KUNIT_ASSERT_TRUE(test, ri_rlock_inline(&rm, &t1));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_rlock(&rm, &t2));
	rm_runlock(&rm, &t2);
	rm_runlock(&rm, &t1);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	rm_destroy(&rm);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

struct ri_writer {
	struct rmlock rm;
	int reader_in, reader_inline, release, writer_in, writer_saw_reader;
};

static void ri_reader(void *arg)
{
	struct ri_writer *w = arg;
	struct rm_priotracker tr;

	ri_bind_here();
	WRITE_ONCE(w->reader_inline, ri_rlock_inline(&w->rm, &tr));
	WRITE_ONCE(w->reader_in, 1);
	while (!READ_ONCE(w->release))
		usleep_range(500, 1500);
	/* Still inside: a writer that got in before the release sees 1. */
	WRITE_ONCE(w->reader_in, 0);
	rm_runlock(&w->rm, &tr);
}

static void ri_writer_main(void *arg)
{
	struct ri_writer *w = arg;

	rm_wlock(&w->rm);
	WRITE_ONCE(w->writer_saw_reader, READ_ONCE(w->reader_in));
	WRITE_ONCE(w->writer_in, 1);
	rm_wunlock(&w->rm);
}

/* A writer waits for a reader whose hold was taken inline (counted on its CPU): it takes
 * the tokens back, finds the count, and drains; the reader's release (no token any more:
 * through the module, centrally) lets it in. */
static void rm_writer_waits_for_a_reader_that_took_the_inline_path(struct kunit *test)
{
	struct ri_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread r, wr;

	KUNIT_ASSERT_NOT_NULL(test, w);
	rm_init(&w->rm, "ri_writer");
	bt_start(test, &r, ri_reader, w, "ri_reader");
	BT_WAIT_UNTIL(test, READ_ONCE(w->reader_in));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->reader_inline));
	bt_start(test, &wr, ri_writer_main, w, "ri_writer");
	BT_WAIT_UNTIL(test, rt_writer_draining_(&w->rm.rm_state));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w->writer_in));
	WRITE_ONCE(w->release, 1);
	bt_join(&r);
	bt_join(&wr);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->writer_in));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w->writer_saw_reader));
	BT_EXPECT_NO_REPORT(test, rm_assert(&w->rm, RA_UNLOCKED));
	rm_destroy(&w->rm);
}

/* rm_sleep with a read hold taken inline as interlock: released (through the module, which
 * finds the tracker on the list) and taken back as a read with the same tracker. */
static void rm_sleep_with_an_inline_read_hold_works(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;
	int chan, error;

	ri_bind_here();
	rm_init(&rm, "ri_sleep");
	KUNIT_ASSERT_TRUE(test, ri_rlock_inline(&rm, &tr));
	BT_EXPECT_NO_REPORT(test, error = rm_sleep(&chan, &rm, 0, "ri_sleep", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_RLOCKED | RA_NOTRECURSED));
	KUNIT_EXPECT_PTR_EQ(test, (void *)tr.rmp_rmlock, (void *)&rm);
	rm_runlock(&rm, &tr);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	rm_destroy(&rm);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* A sleepable rm's reads are the module's (not inline), and work. */
static void rm_sleepable_reads_go_through_the_module(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init_flags(&rm, "ri_sleepable", RM_SLEEPABLE);
	ri_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		rm_rlock(&rm, &tr);
		rm_assert(&rm, RA_RLOCKED);
		rm_runlock(&rm, &tr);
		rm_wlock(&rm);
		rm_wunlock(&rm);
		rm_rlock(&rm, &tr);
		rm_runlock(&rm, &tr);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_lock_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_unlock_calls), 2);
	KUNIT_EXPECT_NE(test, tr.rmp_flags, BSDSYNC_RMPF_INLINE);
	rm_destroy(&rm);
}


/* ---- rmlock(9) write holds ----------------------------------------------------------------- */

/* An uncontended write lock and unlock, no CPU with its token and no reader: one CAS each,
 * no call; the word says whose hold it is (UNRECORDED: no held-locks record), rm_wowned and
 * rm_assert see it, and the unlock starts the calm interval (rm_wtick). */
static void rm_inline_write_lock_and_unlock_call_nothing(struct kunit *test)
{
	struct rmlock rm;
	int depth = ri_depth();
	unsigned int before = 0, after = 0;

	rm_init(&rm, "ri_write");
	WRITE_ONCE(rm.rm_state.rm_wtick, (unsigned int)jiffies - 1000);
	ri_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		rm_wlock(&rm);
		KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), RI_WRITE_INLINE);
		KUNIT_EXPECT_TRUE(test, rm_wowned(&rm));
		rm_assert(&rm, RA_WLOCKED);
		KUNIT_EXPECT_EQ(test, ri_depth(), depth);
		before = (unsigned int)jiffies;
		rm_wunlock(&rm);
		after = (unsigned int)jiffies;
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_wlock_calls) + atomic_read(&ri_drain_calls) +
			      atomic_read(&ri_wunlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), 0UL);
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	/* The tick the unlock stored lies between the ticks read around it (no bound on how
	 * long the guest took: a check against "now" failed once under a loaded host). */
	KUNIT_EXPECT_GE(test, (int)(READ_ONCE(rm.rm_state.rm_wtick) - before), 0);
	KUNIT_EXPECT_GE(test, (int)(after - READ_ONCE(rm.rm_state.rm_wtick)), 0);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	rm_destroy(&rm);
}

/* After the CAS, a CPU's token or a central reader sends the inline write lock to the
 * module (fbsd_rm_wlock_drain), which takes the tokens back and waits for the readers:
 * the reader here holds its read inline (counted on its CPU), the writer waits for it. */
static void rm_inline_write_lock_takes_the_tokens_back_and_drains(struct kunit *test)
{
	struct ri_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread r, wr;

	KUNIT_ASSERT_NOT_NULL(test, w);
	rm_init(&w->rm, "ri_write_drain");
	ri_reset_calls();
	bt_start(test, &r, ri_reader, w, "ri_reader");
	BT_WAIT_UNTIL(test, READ_ONCE(w->reader_in));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->reader_inline));
	bt_start(test, &wr, ri_writer_main, w, "ri_writer");
	BT_WAIT_UNTIL(test, rt_writer_draining_(&w->rm.rm_state));
	/* The writer owns the word, inline, and drains. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->rm.rm_state.rm_lock) & BSDSYNC_RM_UNRECORDED,
			BSDSYNC_RM_UNRECORDED);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w->writer_in));
	WRITE_ONCE(w->release, 1);
	bt_join(&r);
	bt_join(&wr);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->writer_in));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w->writer_saw_reader));
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_drain_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_wlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->rm.rm_state.rm_lock), 0UL);
	BT_EXPECT_NO_REPORT(test, rm_assert(&w->rm, RA_UNLOCKED));
	rm_destroy(&w->rm);
}

/* A write lock while the thread reads the lock, the read counted centrally (right after a
 * write, no token): the inline CAS succeeds, the module finds the thread's own read, reports
 * it once and gives the word back, as fbsd_rm_wlock does. */
static void misuse_inline_rm_wlock_while_reading_it_centrally_is_reported_and_not_taken(
	struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;

	rm_init(&rm, "ri_write_read");
	rm_wlock(&rm);
	rm_wunlock(&rm);
	rm_rlock(&rm, &tr);	/* central: the writer just took the tokens (none granted) */
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_readers), 1L);
	ri_reset_calls();
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_wlock(&rm));
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_drain_calls), 1);
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), 0UL);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_RLOCKED | RA_NOTRECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rm_wunlock(&rm));
	rm_runlock(&rm, &tr);
	BT_EXPECT_NO_REPORT(test, rm_assert(&rm, RA_UNLOCKED));
	rm_destroy(&rm);
}

/* A second rm_wlock on an inline write hold: the module reports it once, records the outer
 * hold and clears UNRECORDED, so the first rm_wunlock (the module's now) ends only the inner
 * one and the second releases the lock. */
static void misuse_inline_rm_write_recursion_is_reported_once_and_unwinds(struct kunit *test)
{
	struct rmlock rm;
	int depth = ri_depth();

	rm_init(&rm, "ri_write_recurse");
	rm_wlock(&rm);
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), RI_WRITE_INLINE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rm_wlock(&rm));
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), (unsigned long)current);
	KUNIT_EXPECT_EQ(test, ri_depth(), depth + 1);
	BT_EXPECT_NO_REPORT(test, rm_wunlock(&rm));
	KUNIT_EXPECT_TRUE(test, rm_wowned(&rm));	/* the outer hold stays */
	BT_EXPECT_NO_REPORT(test, rm_wunlock(&rm));
	KUNIT_EXPECT_FALSE(test, rm_wowned(&rm));
	KUNIT_EXPECT_EQ(test, ri_depth(), depth);
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), 0UL);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&rm));
}

static void ri_wunlock_elsewhere(void *arg)
{
	rm_wunlock((struct rmlock *)arg);
}

/* rm_wunlock of an inline write hold by another thread: its CAS fails (not its word), the
 * module reports it once and leaves the hold; destroying the held lock is reported too. */
static void misuse_inline_rm_write_hold_unlocked_by_another_thread_is_reported_once(
	struct kunit *test)
{
	struct rmlock rm;
	struct bt_thread t;

	rm_init(&rm, "ri_write_owner");
	rm_wlock(&rm);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, {
		bt_start(test, &t, ri_wunlock_elsewhere, &rm, "ri_wunlock");
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), RI_WRITE_INLINE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, rm_destroy(&rm));
	BT_EXPECT_NO_REPORT(test, rm_wunlock(&rm));
	BT_EXPECT_NO_REPORT(test, rm_destroy(&rm));
}

/* rm_sleep with an inline write hold as interlock: released through the module (no record
 * to pop) and taken back as a write (the module's, recorded). */
static void rm_sleep_with_an_inline_write_hold_works(struct kunit *test)
{
	struct rmlock rm;
	int chan, error;

	rm_init(&rm, "ri_write_sleep");
	rm_wlock(&rm);
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), RI_WRITE_INLINE);
	BT_EXPECT_NO_REPORT(test, error = rm_sleep(&chan, &rm, 0, "ri_wsleep", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, rm_wowned(&rm));
	BT_EXPECT_NO_REPORT(test, rm_wunlock(&rm));
	KUNIT_EXPECT_EQ(test, READ_ONCE(rm.rm_state.rm_lock), 0UL);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&rm));
}

struct ri_wstress {
	struct rmlock rm;
	long a, b;	/* a writer keeps a == b; readers must never see them differ */
	int stop, torn;
};

static void ri_wstress_main(void *arg)
{
	struct ri_wstress *s = arg;
	unsigned int n = 0;

	while (!READ_ONCE(s->stop)) {
		struct rm_priotracker tr;

		if (++n % 4 == 0) {
			rm_wlock(&s->rm);
			WRITE_ONCE(s->a, s->a + 1);
			WRITE_ONCE(s->b, s->b + 1);
			rm_wunlock(&s->rm);
		} else {
			rm_rlock(&s->rm, &tr);
			if (READ_ONCE(s->a) != READ_ONCE(s->b))
				WRITE_ONCE(s->torn, 1);
			rm_runlock(&s->rm, &tr);
		}
		if (n % 64 == 0)
			cond_resched();
	}
}

/* Inline writers and readers (inline, central, after a grant) on every CPU: no reader sees
 * a writer's section half done, and the lock ends free. */
static void rm_inline_writers_and_readers_exclude_each_other_under_stress(struct kunit *test)
{
	struct ri_wstress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[4];

	KUNIT_ASSERT_NOT_NULL(test, s);
	rm_init(&s->rm, "ri_wstress");
	BT_EXPECT_NO_REPORT(test, {
		for (int i = 0; i < 4; i++)
			bt_start(test, &t[i], ri_wstress_main, s, "ri_wstress");
		msleep(1500);
		WRITE_ONCE(s->stop, 1);
		for (int i = 0; i < 4; i++)
			bt_join(&t[i]);
	});
	KUNIT_EXPECT_FALSE(test, READ_ONCE(s->torn));
	KUNIT_EXPECT_GT(test, READ_ONCE(s->a), 0L);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->a), READ_ONCE(s->b));
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->rm.rm_state.rm_lock), 0UL);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&s->rm));
}


/* The inline rm_rlock reads the lock's per-CPU token with no null check: a live lock always
 * has an area, and a destroyed one keeps a zero area (token 0 on every CPU), so a reader
 * that races a destroy (misuse) goes to the module, which reports it, instead of counting
 * through a NULL area. */
static void rm_destroyed_lock_keeps_a_zero_per_cpu_area_for_racing_readers(struct kunit *test)
{
	struct rmlock rm;
	struct rm_priotracker tr;
	int cpu;

	rm_init(&rm, "ri_destroyed");
	KUNIT_ASSERT_NOT_NULL(test, (void *)rm.rm_state.rm_pcpu);
	rm_destroy(&rm);
	KUNIT_ASSERT_NOT_NULL(test, (void *)rm.rm_state.rm_pcpu);
	for_each_possible_cpu(cpu) {
		struct bsdsync_rm_cpu *c = per_cpu_ptr((struct bsdsync_rm_cpu __percpu *)
						       rm.rm_state.rm_pcpu, cpu);

		KUNIT_EXPECT_EQ(test, READ_ONCE(c->token), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(c->readers), 0L);
	}
	ri_reset_calls();
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rm_rlock(&rm, &tr));
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_lock_calls), 1);
}


struct ri_central {
	struct rmlock rm;
	int writer_in, writer_out, reader_in;
};

static void ri_central_writer(void *arg)
{
	struct ri_central *c = arg;

	rm_wlock(&c->rm);
	WRITE_ONCE(c->writer_in, 1);
	/* Until the reader has backed out into the module (or about 10 s). */
	for (int i = 0; i < 10000 && !atomic_read(&ri_backout_calls); i++)
		usleep_range(500, 1000);
	msleep(20);	/* the reader now waits in the module */
	WRITE_ONCE(c->writer_out, 1);
	rm_wunlock(&c->rm);
}

/* An inline central read that finds a writer after counting itself: it drops its count
 * (fbsd_rm_rlock_backout) and the module's rm_rlock waits for the writer; the read gets in
 * only after the write, and the counts end balanced. */
static void rm_inline_central_read_finding_a_writer_backs_out_and_waits(struct kunit *test)
{
	struct ri_central *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct rm_priotracker tr;
	struct bt_thread w;

	KUNIT_ASSERT_NOT_NULL(test, c);
	rm_init(&c->rm, "ri_central_backout");
	ri_reset_calls();
	bt_start(test, &w, ri_central_writer, c, "ri_central_w");
	BT_WAIT_UNTIL(test, READ_ONCE(c->writer_in));
	ri_bind_here();
	BT_EXPECT_NO_REPORT(test, {
		struct rmlock own;

		/* This thread's record in this CPU's cache (a module call refills it; the
		 * writer only sleeps meanwhile), and within the calm interval: the read is
		 * the inline central one. */
		rm_init(&own, "ri_central_own");
		rm_rlock(&own, &tr);
		rm_runlock(&own, &tr);
		rm_destroy(&own);
		WRITE_ONCE(c->rm.rm_state.rm_wtick, (unsigned int)jiffies);
		rm_rlock(&c->rm, &tr);
		KUNIT_EXPECT_TRUE(test, READ_ONCE(c->writer_out));
		rm_assert(&c->rm, RA_RLOCKED);
		rm_runlock(&c->rm, &tr);
	});
	bt_join(&w);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_backout_calls), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->rm.rm_state.rm_readers), 0L);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->rm.rm_state.rm_lock), 0UL);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&c->rm));
}

static void ri_central_drain_writer(void *arg)
{
	struct ri_central *c = arg;

	rm_wlock(&c->rm);
	WRITE_ONCE(c->writer_in, 1);
	rm_wunlock(&c->rm);
}

/* A read hold counted centrally inline, and a writer that drained past its spin and sleeps
 * (DRAIN_WAIT in rm_readers): the inline rm_runlock's decrement is the last, so it wakes the
 * writer (fbsd_rm_wake_drainer), which then gets in. */
static void rm_inline_central_read_release_wakes_a_sleeping_writer(struct kunit *test)
{
	struct ri_central *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct rm_priotracker tr;
	struct bt_thread w;

	KUNIT_ASSERT_NOT_NULL(test, c);
	ri_bind_here();
	rm_init(&c->rm, "ri_central_drain");
	KUNIT_ASSERT_TRUE(test, ri_rlock_central(&c->rm, &tr));
	bt_start(test, &w, ri_central_drain_writer, c, "ri_central_dw");
	BT_WAIT_UNTIL(test, READ_ONCE(c->rm.rm_state.rm_readers) >= BSDSYNC_RM_DRAIN_WAIT);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(c->writer_in));
	/* This thread's record back in this CPU's cache (the writer ran module code here
	 * perhaps; it sleeps now): a module call refills it. */
	BT_EXPECT_NO_REPORT(test, rm_assert(&c->rm, RA_RLOCKED));
	ri_reset_calls();
	BT_EXPECT_NO_REPORT(test, rm_runlock(&c->rm, &tr));
	bt_join(&w);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(c->writer_in));
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_wake_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ri_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->rm.rm_state.rm_readers), 0L);
	BT_EXPECT_NO_REPORT(test, rm_destroy(&c->rm));
}

static struct kunit_case rm_inline_cases[] = {
	KUNIT_CASE(rm_inline_read_calls_nothing),
	KUNIT_CASE(rm_inline_read_after_a_write_counts_centrally_then_gets_the_token_back),
	KUNIT_CASE(rm_assert_sees_an_inline_read_hold),
	KUNIT_CASE(rm_inline_read_recursion_goes_through_the_module),
	KUNIT_CASE(rm_writer_waits_for_a_reader_that_took_the_inline_path),
	KUNIT_CASE(rm_sleep_with_an_inline_read_hold_works),
	KUNIT_CASE(rm_sleepable_reads_go_through_the_module),
	KUNIT_CASE(rm_inline_write_lock_and_unlock_call_nothing),
	KUNIT_CASE(rm_inline_write_lock_takes_the_tokens_back_and_drains),
	KUNIT_CASE(misuse_inline_rm_wlock_while_reading_it_centrally_is_reported_and_not_taken),
	KUNIT_CASE(misuse_inline_rm_write_recursion_is_reported_once_and_unwinds),
	KUNIT_CASE(misuse_inline_rm_write_hold_unlocked_by_another_thread_is_reported_once),
	KUNIT_CASE(rm_sleep_with_an_inline_write_hold_works),
	KUNIT_CASE(rm_inline_writers_and_readers_exclude_each_other_under_stress),
	KUNIT_CASE(rm_destroyed_lock_keeps_a_zero_per_cpu_area_for_racing_readers),
	KUNIT_CASE(rm_inline_central_read_finding_a_writer_backs_out_and_waits),
	KUNIT_CASE(rm_inline_central_read_release_wakes_a_sleeping_writer),
	{}
};

static struct kunit_suite rm_inline_suite = {
	.name = "freebsd_rm_inline",
	.suite_init = si_suite_init,
	.suite_exit = si_suite_exit,
	.test_cases = rm_inline_cases,
};

kunit_test_suites(&spin_inline_suite, &rm_inline_suite);
