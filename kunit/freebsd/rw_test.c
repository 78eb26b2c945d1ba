// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * rw(9), as a ported FreeBSD driver uses it. One case per documented behaviour; misuse cases
 * check the report and that the kernel and the lock go on.
 *
 * What rw shares with sx(9) (one lock core) is written once in shared_lock_cases.c and run
 * here through rw_ops; what only rw does (waits ignore signals, may be taken under a mutex
 * but never held across a sleep, padalign, next to Linux's rwlock_t) is written here.
 */
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/spinlock.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/rwlock.h>
#include <sys/sx.h>
#include <sys/condvar.h>
#include <sys/errno.h>
#include <sys/kernel.h>

#include "shared_lock_cases.h"

/* ---- rw through the shared cases' eyes (shared = read, exclusive = write) ---------------- */

#define RW(l) ((struct rwlock *)(l))

static void rwo_init_flags(void *l, const char *name, int opts)
{
	rw_init_flags(RW(l), name, opts);
}

static void rwo_destroy(void *l) { rw_destroy(RW(l)); }
static void rwo_rlock(void *l) { rw_rlock(RW(l)); }
static void rwo_runlock(void *l) { rw_runlock(RW(l)); }
static void rwo_wlock(void *l) { rw_wlock(RW(l)); }
static void rwo_wunlock(void *l) { rw_wunlock(RW(l)); }
static void rwo_unlock(void *l) { rw_unlock(RW(l)); }
static int rwo_try_rlock(void *l) { return rw_try_rlock(RW(l)); }
static int rwo_try_wlock(void *l) { return rw_try_wlock(RW(l)); }
static int rwo_try_upgrade(void *l) { return rw_try_upgrade(RW(l)); }
static void rwo_downgrade(void *l) { rw_downgrade(RW(l)); }
static int rwo_wowned(void *l) { return rw_wowned(RW(l)); }
static struct thread *rwo_wowner(void *l) { return rw_wowner(RW(l)); }
static int rwo_recursed(void *l) { return rw_recursed(RW(l)); }
static int rwo_initialized(void *l) { return rw_initialized(RW(l)); }
static struct lock_object *rwo_lock_object(void *l) { return &RW(l)->lock_object; }
static void rwo_assert(void *l, int what) { rw_assert(RW(l), what); }
static unsigned long rwo_word(void *l) { return READ_ONCE(RW(l)->rw_lock); }
static volatile unsigned long *rwo_wordp(void *l) { return &RW(l)->rw_lock; }

static int rwo_sleep(void *chan, void *l, int pri, const char *wmesg, int timo)
{
	return rw_sleep(chan, RW(l), pri, wmesg, timo);
}

static int rwo_cv_timedwait(struct cv *cv, void *l, int timo)
{
	return cv_timedwait(cv, RW(l), timo);
}

static const struct slc_ops rw_ops = {
	.name = "rw",
	.size = sizeof(struct rwlock),
	.class_index = BSDSYNC_CLASS_RW,
	.sleepable = false,
	.o_dupok = RW_DUPOK, .o_noprofile = RW_NOPROFILE, .o_quiet = RW_QUIET,
	.o_recurse = RW_RECURSE, .o_nowitness = RW_NOWITNESS, .o_new = RW_NEW,
	.w_unlocked = RW_UNLOCKED, .w_destroyed = RW_DESTROYED,
	.w_shared = RW_LOCK_READ, .w_one_sharer = RW_ONE_READER,
	.w_xwaiters = RW_LOCK_WRITE_WAITERS, .w_sharers_shift = RW_READERS_SHIFT,
	.w_spinner = RW_LOCK_WRITE_SPINNER,
	.a_locked = RA_LOCKED, .a_slocked = RA_RLOCKED, .a_xlocked = RA_WLOCKED,
	.a_unlocked = RA_UNLOCKED, .a_recursed = RA_RECURSED, .a_notrecursed = RA_NOTRECURSED,
	.init_flags = rwo_init_flags, .destroy = rwo_destroy,
	.slock = rwo_rlock, .sunlock = rwo_runlock, .xlock = rwo_wlock, .xunlock = rwo_wunlock,
	.unlock = rwo_unlock, .try_slock = rwo_try_rlock, .try_xlock = rwo_try_wlock,
	.try_upgrade = rwo_try_upgrade, .downgrade = rwo_downgrade,
	.slock_sig = NULL, .xlock_sig = NULL,	/* rw has no _sig forms */
	.xlocked = rwo_wowned, .xholder = rwo_wowner, .recursed = rwo_recursed,
	.initialized = rwo_initialized, .lock_object = rwo_lock_object, .assert = rwo_assert,
	.sleep = rwo_sleep, .cv_wait_ticks = rwo_cv_timedwait, .word = rwo_word,
	.wordp = rwo_wordp,
};

/* ---- concurrency, adaptive spinning ----------------------------------------------------- */

SLC_CASE(rw_waiter_spins_while_the_exclusive_owner_runs,
	 slc_waiter_spins_while_the_exclusive_owner_runs, rw_ops)
SLC_CASE(rw_all_readers_hold_the_lock_at_once, slc_all_readers_hold_the_lock_at_once, rw_ops)
SLC_CASE(rw_writers_exclude_readers_and_writers_under_stress,
	 slc_writers_exclude_readers_and_writers_under_stress, rw_ops)
SLC_CASE(rw_writer_gets_in_while_readers_keep_arriving,
	 slc_writer_gets_in_while_readers_keep_arriving, rw_ops)
SLC_CASE(rw_unlock_then_free_by_next_owner_is_safe, slc_unlock_then_free_by_next_owner_is_safe,
	 rw_ops)

/* ---- try, upgrade, downgrade; writer preference and reader recursion -------------------- */

SLC_CASE(rw_try_wlock_and_try_rlock_in_every_holder_state,
	 slc_try_xlock_and_try_slock_in_every_holder_state, rw_ops)
SLC_CASE(rw_try_wlock_recurses_on_rw_recurse_lock, slc_try_xlock_recurses_on_a_recurse_lock,
	 rw_ops)
SLC_CASE(rw_try_upgrade_succeeds_for_the_sole_reader,
	 slc_try_upgrade_succeeds_for_the_sole_reader, rw_ops)
SLC_CASE(rw_try_upgrade_fails_while_another_reader_holds_it,
	 slc_try_upgrade_fails_while_another_reader_holds_it, rw_ops)
SLC_CASE(rw_downgrade_lets_waiting_readers_in_at_once,
	 slc_downgrade_lets_waiting_readers_in_at_once, rw_ops)
SLC_CASE(rw_downgrade_without_waiters_leaves_one_shared_hold,
	 slc_downgrade_without_waiters_leaves_one_shared_hold, rw_ops)
SLC_CASE(rw_new_reader_waits_behind_a_waiting_writer,
	 slc_new_reader_waits_behind_a_waiting_writer, rw_ops)
SLC_CASE(rw_last_reader_leaves_the_lock_to_the_spinning_writer,
	 slc_last_reader_leaves_the_lock_to_the_spinning_writer, rw_ops)
SLC_CASE(rw_reader_recursion_with_a_writer_waiting_does_not_deadlock,
	 slc_reader_recursion_with_a_writer_waiting_does_not_deadlock, rw_ops)

/* ---- rw_sleep ---------------------------------------------------------------------------- */

SLC_CASE(rw_sleep_retakes_an_exclusive_lock_exclusive,
	 slc_sleep_retakes_an_exclusive_lock_exclusive, rw_ops)
SLC_CASE(rw_sleep_retakes_a_shared_lock_shared, slc_sleep_retakes_a_shared_lock_shared, rw_ops)
SLC_CASE(rw_sleep_timeout_returns_ewouldblock_with_lock_retaken,
	 slc_sleep_timeout_returns_ewouldblock_with_lock_retaken, rw_ops)
SLC_CASE(rw_sleep_pdrop_returns_with_lock_released, slc_sleep_pdrop_returns_with_lock_released,
	 rw_ops)
SLC_CASE(rw_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken,
	 slc_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken, rw_ops)

/* ---- recursion, ownership, assertions, SYSINIT, condvar --------------------------------- */

SLC_CASE(rw_recurse_allows_exclusive_recursion, slc_recurse_allows_exclusive_recursion, rw_ops)
SLC_CASE(rw_shared_recursion_always_allowed, slc_shared_recursion_always_allowed, rw_ops)
SLC_CASE(rw_wowner_and_wowned_name_the_writer, slc_xholder_and_xlocked_name_the_exclusive_owner,
	 rw_ops)
SLC_CASE(rw_unlock_releases_either_mode, slc_unlock_releases_either_mode, rw_ops)
SLC_CASE(rw_assert_every_flag_passes_when_true, slc_assert_every_flag_passes_when_true, rw_ops)
SLC_CASE(rw_init_flags_options_are_recorded, slc_init_flags_options_are_recorded, rw_ops)

static struct rwlock sysinit_rw, sysinit_rw_flags;
RW_SYSINIT(kunit_rw, &sysinit_rw, "sysinit rw");
RW_SYSINIT_FLAGS(kunit_rw_flags, &sysinit_rw_flags, "sysinit rw flags", RW_RECURSE);

static void rw_sysinit_initialises_the_lock_at_module_load(struct kunit *test)
{
	slc_sysinit_initialises_the_lock_at_module_load(test, &rw_ops, &sysinit_rw, "sysinit rw",
							&sysinit_rw_flags);
}

SLC_CASE(rw_interlock_of_condvar_retaken_in_its_mode, slc_interlock_of_condvar_retaken_in_its_mode,
	 rw_ops)

/* ---- what only rw does ------------------------------------------------------------------- */

static void rw_waits_ignore_signals(struct kunit *test)
{
	struct rwlock *rw = slc_alloc(test, &rw_ops);
	struct slc_actor *a = slc_actors(test, 1);

	rw_init(rw, "signals");
	rw_wlock(rw);
	slc_actor_init(a, &rw_ops, rw, SLC_SLOCK, NULL);
	a->sig = 1;
	slc_actor_start_queued(test, a);
	send_sig(SIGUSR1, a->t.task, 1);
	/* Still waiting: the signal stays pending and the reader gets in after the writer. */
	rw_wunlock(rw);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	slc_actor_finish(a);
	KUNIT_EXPECT_EQ(test, a->error, 0);
	KUNIT_EXPECT_TRUE(test, a->pending_after);
	rw_destroy(rw);
}

static void rw_taken_while_holding_a_mutex_is_allowed(struct kunit *test)
{
	struct rwlock rw = {};
	struct mtx m;

	rw_init(&rw, "under mtx");
	mtx_init(&m, "outer", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_NO_REPORT(test, {
		rw_wlock(&rw);
		rw_wunlock(&rw);
		rw_rlock(&rw);
		rw_runlock(&rw);
	});
	mtx_unlock(&m);
	mtx_destroy(&m);
	rw_destroy(&rw);
}

static void rw_padalign_works_with_the_same_api(struct kunit *test)
{
	struct rwlock_padalign *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, sizeof(*p) % 64, (size_t)0);
	rw_init(p, "padalign");
	rw_wlock(p);
	KUNIT_EXPECT_TRUE(test, rw_wowned(p));
	KUNIT_EXPECT_PTR_EQ(test, rw_owner(p), curthread);
	rw_assert(p, RA_WLOCKED);
	rw_wunlock(p);
	rw_rlock(p);
	KUNIT_EXPECT_NULL(test, rw_owner(p));
	rw_runlock(p);
	rw_destroy(p);
}

static DEFINE_RWLOCK(linux_rwlock);

static void rw_and_linux_rwlock_t_in_one_file(struct kunit *test)
{
	struct rwlock rw = {};
	rwlock_t mine;

	/* Linux's rwlock_t API next to FreeBSD's struct rwlock: no name in common. */
	rwlock_init(&mine);
	rw_init(&rw, "bsd");
	read_lock(&linux_rwlock);
	rw_rlock(&rw);
	write_lock(&mine);
	rw_runlock(&rw);
	write_unlock(&mine);
	read_unlock(&linux_rwlock);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static struct kunit_case rw_cases[] = {
	KUNIT_CASE(rw_waiter_spins_while_the_exclusive_owner_runs),
	KUNIT_CASE(rw_all_readers_hold_the_lock_at_once),
	KUNIT_CASE(rw_writers_exclude_readers_and_writers_under_stress),
	KUNIT_CASE(rw_writer_gets_in_while_readers_keep_arriving),
	KUNIT_CASE(rw_unlock_then_free_by_next_owner_is_safe),
	KUNIT_CASE(rw_try_wlock_and_try_rlock_in_every_holder_state),
	KUNIT_CASE(rw_try_wlock_recurses_on_rw_recurse_lock),
	KUNIT_CASE(rw_try_upgrade_succeeds_for_the_sole_reader),
	KUNIT_CASE(rw_try_upgrade_fails_while_another_reader_holds_it),
	KUNIT_CASE(rw_downgrade_lets_waiting_readers_in_at_once),
	KUNIT_CASE(rw_downgrade_without_waiters_leaves_one_shared_hold),
	KUNIT_CASE(rw_new_reader_waits_behind_a_waiting_writer),
	KUNIT_CASE(rw_last_reader_leaves_the_lock_to_the_spinning_writer),
	KUNIT_CASE(rw_reader_recursion_with_a_writer_waiting_does_not_deadlock),
	KUNIT_CASE(rw_sleep_retakes_an_exclusive_lock_exclusive),
	KUNIT_CASE(rw_sleep_retakes_a_shared_lock_shared),
	KUNIT_CASE(rw_sleep_timeout_returns_ewouldblock_with_lock_retaken),
	KUNIT_CASE(rw_sleep_pdrop_returns_with_lock_released),
	KUNIT_CASE(rw_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken),
	KUNIT_CASE(rw_recurse_allows_exclusive_recursion),
	KUNIT_CASE(rw_shared_recursion_always_allowed),
	KUNIT_CASE(rw_wowner_and_wowned_name_the_writer),
	KUNIT_CASE(rw_unlock_releases_either_mode),
	KUNIT_CASE(rw_assert_every_flag_passes_when_true),
	KUNIT_CASE(rw_init_flags_options_are_recorded),
	KUNIT_CASE(rw_sysinit_initialises_the_lock_at_module_load),
	KUNIT_CASE(rw_interlock_of_condvar_retaken_in_its_mode),
	KUNIT_CASE(rw_waits_ignore_signals),
	KUNIT_CASE(rw_taken_while_holding_a_mutex_is_allowed),
	KUNIT_CASE(rw_padalign_works_with_the_same_api),
	KUNIT_CASE(rw_and_linux_rwlock_t_in_one_file),
	{}
};

static struct kunit_suite rw_suite = {
	.name = "freebsd_rw",
	.test_cases = rw_cases,
};

/* ==== misuse ============================================================================ */

SLC_CASE(rw_in_interrupt_context_reported, slc_in_interrupt_context_reported, rw_ops)
SLC_CASE(rw_hard_interrupt_on_the_writer_leaves_its_hold,
	 slc_hard_interrupt_on_the_exclusive_owner_leaves_its_hold, rw_ops)
SLC_CASE(rw_soft_interrupt_on_the_writer_leaves_its_hold,
	 slc_soft_interrupt_on_the_exclusive_owner_leaves_its_hold, rw_ops)
SLC_CASE(rw_interrupt_on_a_reader_wanting_to_write_leaves_its_hold,
	 slc_interrupt_on_a_shared_holder_wanting_it_exclusively_leaves_the_hold, rw_ops)
SLC_CASE(rw_contended_xlock_in_atomic_context_spins_and_reports_once,
	 slc_contended_xlock_in_atomic_context_spins_and_reports_once, rw_ops)
SLC_CASE(rw_contended_slock_in_atomic_context_spins_and_reports_once,
	 slc_contended_slock_in_atomic_context_spins_and_reports_once, rw_ops)
SLC_CASE(rw_recursion_on_non_recursive_lock_reported,
	 slc_recursion_on_non_recursive_lock_reported, rw_ops)
SLC_CASE(rw_rlock_of_a_lock_held_for_writing_by_the_caller_reported,
	 slc_slock_of_a_lock_held_exclusively_by_the_caller_reported, rw_ops)
SLC_CASE(rw_downgrade_of_recursed_lock_reported, slc_downgrade_of_recursed_lock_reported, rw_ops)
SLC_CASE(rw_downgrade_and_upgrade_without_the_right_hold_reported,
	 slc_downgrade_and_upgrade_without_the_right_hold_reported, rw_ops)
SLC_CASE(rw_unlock_of_unheld_lock_reported, slc_unlock_of_unheld_lock_reported, rw_ops)
SLC_CASE(rw_unlock_by_a_non_owner_reported, slc_unlock_by_a_non_owner_reported, rw_ops)
SLC_CASE(rw_destroy_while_held_reported, slc_destroy_while_held_reported, rw_ops)
SLC_CASE(rw_use_after_destroy_reported, slc_use_after_destroy_reported, rw_ops)
SLC_CASE(rw_double_init_reported, slc_double_init_reported, rw_ops)
SLC_CASE(rw_unknown_init_option_reported, slc_unknown_init_option_reported, rw_ops)
SLC_CASE(rw_sleep_on_recursed_lock_reported, slc_sleep_on_recursed_lock_reported, rw_ops)
SLC_CASE(rw_assert_every_flag_fails_when_false, slc_assert_every_flag_fails_when_false, rw_ops)

static void rw_held_across_a_sleep_reported(struct kunit *test)
{
	struct rwlock rw = {};
	int chan;

	rw_init(&rw, "across sleep");
	rw_rlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 KUNIT_EXPECT_EQ(test, pause("rwheld", 1), EWOULDBLOCK));
	rw_runlock(&rw);
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 KUNIT_EXPECT_EQ(test, tsleep(&chan, 0, "rwheld", 1), EWOULDBLOCK));
	rw_wunlock(&rw);
	/* Released: sleeping is fine again, the record is gone. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, pause("rwfree", 1), EWOULDBLOCK));
	rw_destroy(&rw);
}

static void rw_sleep_with_another_rw_held_reported(struct kunit *test)
{
	struct rwlock a = {}, b = {};
	int chan;

	rw_init(&a, "interlock");
	rw_init(&b, "other");
	rw_rlock(&b);
	rw_wlock(&a);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 KUNIT_EXPECT_EQ(test, rw_sleep(&chan, &a, 0, "two", 1), EWOULDBLOCK));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&a));
	rw_wunlock(&a);
	rw_runlock(&b);
	rw_destroy(&a);
	rw_destroy(&b);
}

static void sx_taken_while_holding_an_rw_lock_reported(struct kunit *test)
{
	struct rwlock rw = {};
	struct sx sx = {};

	rw_init(&rw, "held rw");
	sx_init(&sx, "wanted sx");
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_xlock(&sx));
	sx_xunlock(&sx);
	rw_wunlock(&rw);
	rw_rlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_slock(&sx));
	sx_sunlock(&sx);
	rw_runlock(&rw);
	BT_EXPECT_NO_REPORT(test, sx_xlock(&sx));
	sx_xunlock(&sx);
	sx_destroy(&sx);
	rw_destroy(&rw);
}

static struct kunit_case rw_misuse_cases[] = {
	KUNIT_CASE(rw_in_interrupt_context_reported),
	KUNIT_CASE(rw_hard_interrupt_on_the_writer_leaves_its_hold),
	KUNIT_CASE(rw_soft_interrupt_on_the_writer_leaves_its_hold),
	KUNIT_CASE(rw_interrupt_on_a_reader_wanting_to_write_leaves_its_hold),
	KUNIT_CASE(rw_contended_xlock_in_atomic_context_spins_and_reports_once),
	KUNIT_CASE(rw_contended_slock_in_atomic_context_spins_and_reports_once),
	KUNIT_CASE(rw_held_across_a_sleep_reported),
	KUNIT_CASE(rw_sleep_with_another_rw_held_reported),
	KUNIT_CASE(sx_taken_while_holding_an_rw_lock_reported),
	KUNIT_CASE(rw_recursion_on_non_recursive_lock_reported),
	KUNIT_CASE(rw_rlock_of_a_lock_held_for_writing_by_the_caller_reported),
	KUNIT_CASE(rw_downgrade_of_recursed_lock_reported),
	KUNIT_CASE(rw_downgrade_and_upgrade_without_the_right_hold_reported),
	KUNIT_CASE(rw_unlock_of_unheld_lock_reported),
	KUNIT_CASE(rw_unlock_by_a_non_owner_reported),
	KUNIT_CASE(rw_destroy_while_held_reported),
	KUNIT_CASE(rw_use_after_destroy_reported),
	KUNIT_CASE(rw_double_init_reported),
	KUNIT_CASE(rw_unknown_init_option_reported),
	KUNIT_CASE(rw_sleep_on_recursed_lock_reported),
	KUNIT_CASE(rw_assert_every_flag_fails_when_false),
	{}
};

static struct kunit_suite rw_misuse_suite = {
	.name = "freebsd_rw_misuse",
	.test_cases = rw_misuse_cases,
};

kunit_test_suites(&rw_suite, &rw_misuse_suite);
