// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sx(9), as a ported FreeBSD driver uses it. One case per documented behaviour; misuse cases
 * check the report and that the kernel and the lock go on.
 *
 * What sx shares with rw(9) (one lock core) is written once in shared_lock_cases.c and run
 * here through sx_ops; what only sx does (the _sig waits, Giant dropped while blocked, held
 * across a sleep, SX_NOADAPTIVE, a sleepable lock after a mutex) is written here.
 */
#include <linux/cpumask.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/sx.h>
#include <sys/rwlock.h>
#include <sys/condvar.h>
#include <sys/errno.h>
#include <sys/kernel.h>

#include "shared_lock_cases.h"

/* ---- sx through the shared cases' eyes --------------------------------------------------- */

#define SX(l) ((struct sx *)(l))

static void sxo_init_flags(void *l, const char *name, int opts)
{
	sx_init_flags(SX(l), name, opts);
}

static void sxo_destroy(void *l) { sx_destroy(SX(l)); }
static void sxo_slock(void *l) { sx_slock(SX(l)); }
static void sxo_sunlock(void *l) { sx_sunlock(SX(l)); }
static void sxo_xlock(void *l) { sx_xlock(SX(l)); }
static void sxo_xunlock(void *l) { sx_xunlock(SX(l)); }
static void sxo_unlock(void *l) { sx_unlock(SX(l)); }
static int sxo_try_slock(void *l) { return sx_try_slock(SX(l)); }
static int sxo_try_xlock(void *l) { return sx_try_xlock(SX(l)); }
static int sxo_try_upgrade(void *l) { return sx_try_upgrade(SX(l)); }
static void sxo_downgrade(void *l) { sx_downgrade(SX(l)); }
static int sxo_slock_sig(void *l) { return sx_slock_sig(SX(l)); }
static int sxo_xlock_sig(void *l) { return sx_xlock_sig(SX(l)); }
static int sxo_xlocked(void *l) { return sx_xlocked(SX(l)); }
static struct thread *sxo_xholder(void *l) { return sx_xholder(SX(l)); }
static int sxo_recursed(void *l) { return sx_recursed(SX(l)); }
static int sxo_initialized(void *l) { return sx_initialized(SX(l)); }
static struct lock_object *sxo_lock_object(void *l) { return &(SX(l))->lock_object; }
static void sxo_assert(void *l, int what) { sx_assert(SX(l), what); }
static unsigned long sxo_word(void *l) { return READ_ONCE((SX(l))->sx_lock); }
static volatile unsigned long *sxo_wordp(void *l) { return &(SX(l))->sx_lock; }

static int sxo_sleep(void *chan, void *l, int pri, const char *wmesg, int timo)
{
	return sx_sleep(chan, SX(l), pri, wmesg, timo);
}

static int sxo_cv_timedwait(struct cv *cv, void *l, int timo)
{
	return cv_timedwait(cv, SX(l), timo);
}

static const struct slc_ops sx_ops = {
	.name = "sx",
	.size = sizeof(struct sx),
	.class_index = BSDSYNC_CLASS_SX,
	.sleepable = true,
	.o_dupok = SX_DUPOK, .o_noprofile = SX_NOPROFILE, .o_quiet = SX_QUIET,
	.o_recurse = SX_RECURSE, .o_nowitness = SX_NOWITNESS, .o_new = SX_NEW,
	.w_unlocked = SX_LOCK_UNLOCKED, .w_destroyed = SX_LOCK_DESTROYED,
	.w_shared = SX_LOCK_SHARED, .w_one_sharer = SX_ONE_SHARER,
	.w_xwaiters = SX_LOCK_EXCLUSIVE_WAITERS, .w_sharers_shift = SX_SHARERS_SHIFT,
	.w_spinner = SX_LOCK_WRITE_SPINNER,
	.a_locked = SA_LOCKED, .a_slocked = SA_SLOCKED, .a_xlocked = SA_XLOCKED,
	.a_unlocked = SA_UNLOCKED, .a_recursed = SA_RECURSED, .a_notrecursed = SA_NOTRECURSED,
	.init_flags = sxo_init_flags, .destroy = sxo_destroy,
	.slock = sxo_slock, .sunlock = sxo_sunlock, .xlock = sxo_xlock, .xunlock = sxo_xunlock,
	.unlock = sxo_unlock, .try_slock = sxo_try_slock, .try_xlock = sxo_try_xlock,
	.try_upgrade = sxo_try_upgrade, .downgrade = sxo_downgrade,
	.slock_sig = sxo_slock_sig, .xlock_sig = sxo_xlock_sig,
	.xlocked = sxo_xlocked, .xholder = sxo_xholder, .recursed = sxo_recursed,
	.initialized = sxo_initialized, .lock_object = sxo_lock_object, .assert = sxo_assert,
	.sleep = sxo_sleep, .cv_wait_ticks = sxo_cv_timedwait, .word = sxo_word,
	.wordp = sxo_wordp,
};

/* ---- concurrency, adaptive spinning ----------------------------------------------------- */

SLC_CASE(sx_all_readers_hold_the_lock_at_once, slc_all_readers_hold_the_lock_at_once, sx_ops)
SLC_CASE(sx_writers_exclude_readers_and_writers_under_stress,
	 slc_writers_exclude_readers_and_writers_under_stress, sx_ops)
SLC_CASE(sx_writer_gets_in_while_readers_keep_arriving,
	 slc_writer_gets_in_while_readers_keep_arriving, sx_ops)
SLC_CASE(sx_unlock_then_free_by_next_owner_is_safe, slc_unlock_then_free_by_next_owner_is_safe,
	 sx_ops)
SLC_CASE(sx_waiter_spins_while_the_exclusive_owner_runs,
	 slc_waiter_spins_while_the_exclusive_owner_runs, sx_ops)

static void sx_noadaptive_waiter_blocks_instead_of_spinning(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	/* At least one round in which it blocked. */
	KUNIT_EXPECT_GE(test, slc_spin_rounds(test, &sx_ops, SX_NOADAPTIVE, 5, true), 1);
}

/* ---- try, upgrade, downgrade; writer preference and reader recursion -------------------- */

SLC_CASE(sx_try_xlock_and_try_slock_in_every_holder_state,
	 slc_try_xlock_and_try_slock_in_every_holder_state, sx_ops)
SLC_CASE(sx_try_xlock_recurses_on_sx_recurse_lock, slc_try_xlock_recurses_on_a_recurse_lock,
	 sx_ops)
SLC_CASE(sx_try_upgrade_succeeds_for_the_sole_reader,
	 slc_try_upgrade_succeeds_for_the_sole_reader, sx_ops)
SLC_CASE(sx_try_upgrade_fails_while_another_reader_holds_it,
	 slc_try_upgrade_fails_while_another_reader_holds_it, sx_ops)
SLC_CASE(sx_downgrade_lets_waiting_readers_in_at_once,
	 slc_downgrade_lets_waiting_readers_in_at_once, sx_ops)
SLC_CASE(sx_downgrade_without_waiters_leaves_one_shared_hold,
	 slc_downgrade_without_waiters_leaves_one_shared_hold, sx_ops)
SLC_CASE(sx_new_reader_waits_behind_a_waiting_writer,
	 slc_new_reader_waits_behind_a_waiting_writer, sx_ops)
SLC_CASE(sx_last_reader_leaves_the_lock_to_the_spinning_writer,
	 slc_last_reader_leaves_the_lock_to_the_spinning_writer, sx_ops)
SLC_CASE(sx_reader_recursion_with_a_writer_waiting_does_not_deadlock,
	 slc_reader_recursion_with_a_writer_waiting_does_not_deadlock, sx_ops)

/* ---- signals (sx_xlock_sig, sx_slock_sig) ------------------------------------------------- */

/* A _sig waiter queued behind a holder gets `sig`: it fails with EINTR (SIGKILL) or ERESTART
 * and leaves the lock sound. */
static void sx_run_sig_case(struct kunit *test, int op, int sig, int holder_shared)
{
	struct sx *sx = slc_alloc(test, &sx_ops);
	struct slc_actor *a = slc_actors(test, 1);

	sx_init(sx, "sig");
	if (holder_shared)
		sx_slock(sx);
	else
		sx_xlock(sx);
	slc_actor_init(a, &sx_ops, sx, op, NULL);
	a->sig = sig == SIGKILL ? 2 : 1;
	slc_actor_start_queued(test, a);
	send_sig(sig, a->t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(a->done));
	if (!READ_ONCE(a->done))
		holder_shared ? sx_sunlock(sx) : sx_xunlock(sx);
	slc_actor_finish(a);
	KUNIT_EXPECT_EQ(test, a->error, sig == SIGKILL ? EINTR : ERESTART);
	KUNIT_EXPECT_FALSE(test, a->entered);
	/* The holder still holds it, and the lock is sound after the waiter left. */
	if (holder_shared) {
		sx_assert(sx, SA_SLOCKED);
		sx_sunlock(sx);
	} else {
		sx_assert(sx, SA_XLOCKED);
		sx_xunlock(sx);
	}
	KUNIT_EXPECT_EQ(test, sx->sx_lock, SX_LOCK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, sx_try_xlock(sx), 1);
	sx_xunlock(sx);
	sx_destroy(sx);
}

static void sx_xlock_sig_returns_erestart_on_signal(struct kunit *test)
{
	sx_run_sig_case(test, SLC_XLOCK_SIG, SIGUSR1, 0);
}

static void sx_xlock_sig_returns_eintr_on_sigkill(struct kunit *test)
{
	sx_run_sig_case(test, SLC_XLOCK_SIG, SIGKILL, 1);
}

static void sx_slock_sig_returns_erestart_on_signal(struct kunit *test)
{
	sx_run_sig_case(test, SLC_SLOCK_SIG, SIGUSR1, 0);
}

static void sx_slock_sig_returns_eintr_on_sigkill(struct kunit *test)
{
	sx_run_sig_case(test, SLC_SLOCK_SIG, SIGKILL, 0);
}

/* An actor doing `op` with SIGUSR1 already pending when it starts. */
static struct slc_actor *sx_start_with_signal_pending(struct kunit *test, struct sx *sx, int op)
{
	struct slc_actor *a = slc_actors(test, 1);

	slc_actor_init(a, &sx_ops, sx, op, NULL);
	a->sig = 1;
	a->signal_self = 1;
	slc_actor_start(test, a);
	return a;
}

static void sx_xlock_sig_with_signal_pending_fails_without_waiting(struct kunit *test)
{
	struct sx *sx = slc_alloc(test, &sx_ops);
	struct slc_actor *a;

	sx_init(sx, "pending");
	sx_xlock(sx);
	a = sx_start_with_signal_pending(test, sx, SLC_XLOCK_SIG);
	BT_WAIT_UNTIL(test, READ_ONCE(a->done));
	if (!READ_ONCE(a->done))
		sx_xunlock(sx);
	slc_actor_finish(a);
	KUNIT_EXPECT_EQ(test, a->error, ERESTART);
	if (sx_xlocked(sx))
		sx_xunlock(sx);
	sx_destroy(sx);
}

static void sx_sig_on_a_free_lock_takes_it_despite_a_pending_signal(struct kunit *test)
{
	struct sx *sx = slc_alloc(test, &sx_ops);
	struct slc_actor *a;

	sx_init(sx, "pending free");
	a = sx_start_with_signal_pending(test, sx, SLC_SLOCK_SIG);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	slc_actor_finish(a);
	KUNIT_EXPECT_EQ(test, a->error, 0);
	sx_destroy(sx);
}

static void sx_interrupted_writer_lets_readers_queued_behind_it_in(struct kunit *test)
{
	struct sx *sx = slc_alloc(test, &sx_ops);
	struct slc_actor *w = slc_actors(test, 1);
	struct slc_actor *r = slc_actors(test, 1);

	sx_init(sx, "settle");
	sx_slock(sx);
	slc_actor_init(w, &sx_ops, sx, SLC_XLOCK_SIG, NULL);
	w->sig = 1;
	slc_actor_start_queued(test, w);
	slc_actor_queue(test, r, &sx_ops, sx, SLC_SLOCK, NULL);
	send_sig(SIGUSR1, w->t.task, 1);
	/* No writer waits any more: the reader joins us at once. */
	BT_WAIT_UNTIL(test, READ_ONCE(r->entered));
	KUNIT_EXPECT_EQ(test, sx->sx_lock, SX_LOCK_SHARED | 2 * SX_ONE_SHARER);
	sx_sunlock(sx);
	slc_actor_finish(r);
	slc_actor_finish(w);
	KUNIT_EXPECT_EQ(test, w->error, ERESTART);
	KUNIT_EXPECT_EQ(test, sx->sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(sx);
}

/* ---- sx_sleep ---------------------------------------------------------------------------- */

SLC_CASE(sx_sleep_retakes_an_exclusive_lock_exclusive,
	 slc_sleep_retakes_an_exclusive_lock_exclusive, sx_ops)
SLC_CASE(sx_sleep_retakes_a_shared_lock_shared, slc_sleep_retakes_a_shared_lock_shared, sx_ops)
SLC_CASE(sx_sleep_timeout_returns_ewouldblock_with_lock_retaken,
	 slc_sleep_timeout_returns_ewouldblock_with_lock_retaken, sx_ops)
SLC_CASE(sx_sleep_pdrop_returns_with_lock_released, slc_sleep_pdrop_returns_with_lock_released,
	 sx_ops)
SLC_CASE(sx_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken,
	 slc_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken, sx_ops)

/* ---- recursion, ownership, assertions, Giant, SYSINIT ---------------------------------- */

SLC_CASE(sx_recurse_allows_exclusive_recursion, slc_recurse_allows_exclusive_recursion, sx_ops)
SLC_CASE(sx_shared_recursion_always_allowed, slc_shared_recursion_always_allowed, sx_ops)
SLC_CASE(sx_xholder_and_xlocked_name_the_exclusive_owner,
	 slc_xholder_and_xlocked_name_the_exclusive_owner, sx_ops)
SLC_CASE(sx_unlock_releases_either_mode, slc_unlock_releases_either_mode, sx_ops)

static void sx_assert_every_flag_passes_when_true(struct kunit *test)
{
	struct sx *sx = slc_alloc(test, &sx_ops);

	slc_assert_every_flag_passes_when_true(test, &sx_ops);
	/* The old names are the same values. */
	sx_init(sx, "assert old names");
	BT_EXPECT_NO_REPORT(test, sx_assert(sx, SX_UNLOCKED));
	sx_destroy(sx);
}

static void sx_may_be_held_across_a_sleep(struct kunit *test)
{
	struct sx *sx = slc_alloc(test, &sx_ops);
	int chan;

	sx_init(sx, "across sleep");
	sx_xlock(sx);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, tsleep(&chan, 0, "hold", 1), EWOULDBLOCK));
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, pause("hold", 1), EWOULDBLOCK));
	sx_xunlock(sx);
	sx_slock(sx);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, pause("hold", 1), EWOULDBLOCK));
	sx_sunlock(sx);
	sx_destroy(sx);
}

static void sx_waiter_drops_giant_while_blocked_and_restores_its_depth(struct kunit *test)
{
	struct sx *sx = slc_alloc(test, &sx_ops);
	struct slc_actor *a = slc_actors(test, 1);
	int got_giant = 0;

	sx_init(sx, "giant");
	sx_xlock(sx);
	slc_actor_init(a, &sx_ops, sx, SLC_XLOCK, NULL);
	a->giant_depth = 2;
	slc_actor_start_queued(test, a);
	/* The waiter released Giant while it blocked on the sx. */
	got_giant = mtx_trylock(&Giant);
	if (got_giant)
		mtx_unlock(&Giant);
	KUNIT_EXPECT_TRUE(test, got_giant);
	sx_xunlock(sx);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	slc_actor_finish(a);
	KUNIT_EXPECT_TRUE(test, a->giant_recursed_after);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	sx_destroy(sx);
}

/*
 * Giant and a running sx owner that wants Giant (FreeBSD _sx_xlock_hard/_sx_slock_hard:
 * GIANT_SAVE before the adaptive spin, GIANT_RESTORE once acquired). The owner, busy on one
 * CPU (never sleeping, so that the waiter keeps spinning on it), holds the sx and tries for
 * Giant; the waiter, on the other CPU, holds Giant twice and spins for the sx. Giant must be
 * free while the waiter is still spinning: before it has queued (no waiter bit on the word,
 * which only the waiter can set while the owner holds the sx) or blocked. A waiter that kept
 * Giant across the spin burns both CPUs until the scheduler happens to stop it, and frees
 * Giant only once queued; the owner tries (bounded) instead of blocking so that such a
 * waiter fails the case instead of hanging it.
 */
struct sx_giant_spin {
	struct sx sx;
	int shared;			/* the waiter asks for a shared hold */
	struct task_struct *waiter;
	int owner_in, waiter_started;
	unsigned long waiter_nvcsw;	/* its voluntary switches before the sx call */
	unsigned long waiter_nvcsw_at_giant;	/* ... when the owner got Giant */
	unsigned long word_at_giant;		/* the sx word then */
	int owner_got_giant, waiter_in, waiter_depth_ok;
};

static void sx_giant_spin_owner(void *arg)
{
	struct sx_giant_spin *s = arg;
	unsigned long deadline = jiffies + 10 * HZ;

	set_cpus_allowed_ptr(current, cpumask_of(0));
	sx_xlock(&s->sx);
	WRITE_ONCE(s->owner_in, 1);
	/* Acquire: pairs with the waiter's release store (s->waiter is set). */
	while (!smp_load_acquire(&s->waiter_started) && time_before(jiffies, deadline))
		cpu_relax();
	deadline = jiffies + 10 * HZ;
	while (time_before(jiffies, deadline)) {
		if (s->waiter_started && mtx_trylock(&Giant)) {
			s->word_at_giant = READ_ONCE(s->sx.sx_lock);
			s->waiter_nvcsw_at_giant = READ_ONCE(s->waiter->nvcsw);
			WRITE_ONCE(s->owner_got_giant, 1);
			mtx_unlock(&Giant);
			break;
		}
		cpu_relax();
	}
	sx_xunlock(&s->sx);
}

static void sx_giant_spin_waiter(void *arg)
{
	struct sx_giant_spin *s = arg;

	set_cpus_allowed_ptr(current, cpumask_of(1));
	mtx_lock(&Giant);
	mtx_lock(&Giant);
	s->waiter = current;
	s->waiter_nvcsw = current->nvcsw;
	smp_store_release(&s->waiter_started, 1);
	if (s->shared)
		sx_slock(&s->sx);
	else
		sx_xlock(&s->sx);
	s->waiter_depth_ok = mtx_owned(&Giant) && mtx_recursed(&Giant);
	WRITE_ONCE(s->waiter_in, 1);
	if (s->shared)
		sx_sunlock(&s->sx);
	else
		sx_xunlock(&s->sx);
	mtx_unlock(&Giant);
	mtx_unlock(&Giant);
}

static void sx_run_giant_spin(struct kunit *test, int shared)
{
	struct sx_giant_spin *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread o, w;
	int spun_without_giant = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	/* One round showing it is proof; the others guard against a round spoiled by the
	 * scheduler (the owner preempted: the waiter then rightly blocks). */
	for (int round = 0; round < 5 && !spun_without_giant; round++) {
		memset(s, 0, sizeof(*s));
		s->shared = shared;
		sx_init(&s->sx, "giant spin");
		bt_start(test, &o, sx_giant_spin_owner, s, "bsd-sxg-o");
		BT_WAIT_UNTIL(test, READ_ONCE(s->owner_in));
		bt_start(test, &w, sx_giant_spin_waiter, s, "bsd-sxg-w");
		bt_join(&o);
		bt_join(&w);
		sx_destroy(&s->sx);
		KUNIT_EXPECT_TRUE(test, s->waiter_in);
		KUNIT_EXPECT_TRUE_MSG(test, s->waiter_depth_ok,
				      "Giant not back at depth 2 after the sx was acquired");
		spun_without_giant = s->owner_got_giant &&
				     !(s->word_at_giant & (SX_LOCK_SHARED_WAITERS |
							   SX_LOCK_EXCLUSIVE_WAITERS)) &&
				     s->waiter_nvcsw_at_giant == s->waiter_nvcsw;
	}
	KUNIT_EXPECT_TRUE_MSG(test, spun_without_giant,
			      "Giant was never free while the waiter spun on the running owner");
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
}

static void sx_xlock_spinning_on_a_running_owner_releases_giant(struct kunit *test)
{
	sx_run_giant_spin(test, 0);
}

static void sx_slock_spinning_on_a_running_owner_releases_giant(struct kunit *test)
{
	sx_run_giant_spin(test, 1);
}

SLC_CASE(sx_init_flags_options_are_recorded, slc_init_flags_options_are_recorded, sx_ops)

static struct sx sysinit_sx, sysinit_sx_flags;
SX_SYSINIT(kunit_sx, &sysinit_sx, "sysinit sx");
SX_SYSINIT_FLAGS(kunit_sx_flags, &sysinit_sx_flags, "sysinit sx flags", SX_RECURSE);

static void sx_sysinit_initialises_the_lock_at_module_load(struct kunit *test)
{
	slc_sysinit_initialises_the_lock_at_module_load(test, &sx_ops, &sysinit_sx, "sysinit sx",
							&sysinit_sx_flags);
}

SLC_CASE(sx_interlock_of_condvar_retaken_in_its_mode, slc_interlock_of_condvar_retaken_in_its_mode,
	 sx_ops)

/* ---- report sites of rarer misuse (docs/misuse.md) ------------------------------------- */

static void misuse_sx_xlock_of_a_zeroed_lock_is_reported_as_uninitialised(struct kunit *test)
{
	struct sx *sx = kunit_kzalloc(test, sizeof(*sx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED, sx_xlock(sx));
	KUNIT_EXPECT_EQ(test, READ_ONCE(sx->sx_lock), 0UL);
}

static void misuse_sx_xlock_of_an_rw_lock_is_reported_as_the_wrong_class(struct kunit *test)
{
	union {
		struct sx sx;
		struct rwlock rw;
	} *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, u);
	rw_init(&u->rw, "not an sx");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS, sx_xlock(&u->sx));
	KUNIT_EXPECT_FALSE(test, rw_wowned(&u->rw));
	rw_wlock(&u->rw);	/* untouched: free */
	rw_wunlock(&u->rw);
	rw_destroy(&u->rw);
}

static void misuse_sx_sleep_with_an_sx_not_held_is_reported_and_does_not_sleep(struct kunit *test)
{
	struct sx sx;
	int chan, error = -1;

	sx_init(&sx, "sx interlock not held");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 BT_EXPECT_NO_SLEEP(test, error = sx_sleep(&chan, &sx, 0, "nothold", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	sx_destroy(&sx);
}

static struct kunit_case sx_cases[] = {
	KUNIT_CASE(sx_waiter_spins_while_the_exclusive_owner_runs),
	KUNIT_CASE(sx_noadaptive_waiter_blocks_instead_of_spinning),
	KUNIT_CASE(sx_all_readers_hold_the_lock_at_once),
	KUNIT_CASE(sx_writers_exclude_readers_and_writers_under_stress),
	KUNIT_CASE(sx_writer_gets_in_while_readers_keep_arriving),
	KUNIT_CASE(sx_unlock_then_free_by_next_owner_is_safe),
	KUNIT_CASE(sx_try_xlock_and_try_slock_in_every_holder_state),
	KUNIT_CASE(sx_try_xlock_recurses_on_sx_recurse_lock),
	KUNIT_CASE(sx_try_upgrade_succeeds_for_the_sole_reader),
	KUNIT_CASE(sx_try_upgrade_fails_while_another_reader_holds_it),
	KUNIT_CASE(sx_downgrade_lets_waiting_readers_in_at_once),
	KUNIT_CASE(sx_downgrade_without_waiters_leaves_one_shared_hold),
	KUNIT_CASE(sx_new_reader_waits_behind_a_waiting_writer),
	KUNIT_CASE(sx_last_reader_leaves_the_lock_to_the_spinning_writer),
	KUNIT_CASE(sx_reader_recursion_with_a_writer_waiting_does_not_deadlock),
	KUNIT_CASE(sx_xlock_sig_returns_erestart_on_signal),
	KUNIT_CASE(sx_xlock_sig_returns_eintr_on_sigkill),
	KUNIT_CASE(sx_slock_sig_returns_erestart_on_signal),
	KUNIT_CASE(sx_slock_sig_returns_eintr_on_sigkill),
	KUNIT_CASE(sx_xlock_sig_with_signal_pending_fails_without_waiting),
	KUNIT_CASE(sx_sig_on_a_free_lock_takes_it_despite_a_pending_signal),
	KUNIT_CASE(sx_interrupted_writer_lets_readers_queued_behind_it_in),
	KUNIT_CASE(sx_sleep_retakes_an_exclusive_lock_exclusive),
	KUNIT_CASE(sx_sleep_retakes_a_shared_lock_shared),
	KUNIT_CASE(sx_sleep_timeout_returns_ewouldblock_with_lock_retaken),
	KUNIT_CASE(sx_sleep_pdrop_returns_with_lock_released),
	KUNIT_CASE(sx_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken),
	KUNIT_CASE(sx_recurse_allows_exclusive_recursion),
	KUNIT_CASE(sx_shared_recursion_always_allowed),
	KUNIT_CASE(sx_xholder_and_xlocked_name_the_exclusive_owner),
	KUNIT_CASE(sx_unlock_releases_either_mode),
	KUNIT_CASE(sx_assert_every_flag_passes_when_true),
	KUNIT_CASE(sx_may_be_held_across_a_sleep),
	KUNIT_CASE(sx_waiter_drops_giant_while_blocked_and_restores_its_depth),
	KUNIT_CASE(sx_xlock_spinning_on_a_running_owner_releases_giant),
	KUNIT_CASE(sx_slock_spinning_on_a_running_owner_releases_giant),
	KUNIT_CASE(sx_init_flags_options_are_recorded),
	KUNIT_CASE(sx_sysinit_initialises_the_lock_at_module_load),
	KUNIT_CASE(sx_interlock_of_condvar_retaken_in_its_mode),
	{}
};

static struct kunit_suite sx_suite = {
	.name = "freebsd_sx",
	.test_cases = sx_cases,
};

/* ==== misuse ============================================================================ */

static void sx_taken_while_holding_a_mutex_reported(struct kunit *test)
{
	struct sx *sx = slc_alloc(test, &sx_ops);
	struct mtx m;

	sx_init(sx, "after mtx");
	mtx_init(&m, "held mtx", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_xlock(sx));
	sx_xunlock(sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_slock(sx));
	sx_sunlock(sx);
	/* A try never sleeps: allowed. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, sx_try_xlock(sx), 1));
	sx_xunlock(sx);
	mtx_unlock(&m);
	BT_EXPECT_NO_REPORT(test, sx_xlock(sx));
	sx_xunlock(sx);
	mtx_destroy(&m);
	sx_destroy(sx);
}

SLC_CASE(sx_in_interrupt_context_reported, slc_in_interrupt_context_reported, sx_ops)
SLC_CASE(sx_hard_interrupt_on_the_exclusive_owner_leaves_its_hold,
	 slc_hard_interrupt_on_the_exclusive_owner_leaves_its_hold, sx_ops)
SLC_CASE(sx_soft_interrupt_on_the_exclusive_owner_leaves_its_hold,
	 slc_soft_interrupt_on_the_exclusive_owner_leaves_its_hold, sx_ops)
SLC_CASE(sx_interrupt_on_a_shared_holder_wanting_it_exclusively_leaves_the_hold,
	 slc_interrupt_on_a_shared_holder_wanting_it_exclusively_leaves_the_hold, sx_ops)
SLC_CASE(sx_contended_xlock_in_atomic_context_spins_and_reports_once,
	 slc_contended_xlock_in_atomic_context_spins_and_reports_once, sx_ops)
SLC_CASE(sx_contended_slock_in_atomic_context_spins_and_reports_once,
	 slc_contended_slock_in_atomic_context_spins_and_reports_once, sx_ops)
SLC_CASE(sx_recursion_on_non_recursive_lock_reported,
	 slc_recursion_on_non_recursive_lock_reported, sx_ops)
SLC_CASE(sx_slock_of_a_lock_held_exclusively_by_the_caller_reported,
	 slc_slock_of_a_lock_held_exclusively_by_the_caller_reported, sx_ops)
SLC_CASE(sx_downgrade_of_recursed_lock_reported, slc_downgrade_of_recursed_lock_reported, sx_ops)
SLC_CASE(sx_downgrade_and_upgrade_without_the_right_hold_reported,
	 slc_downgrade_and_upgrade_without_the_right_hold_reported, sx_ops)
SLC_CASE(sx_unlock_of_unheld_lock_reported, slc_unlock_of_unheld_lock_reported, sx_ops)
SLC_CASE(sx_unlock_by_a_non_owner_reported, slc_unlock_by_a_non_owner_reported, sx_ops)
SLC_CASE(sx_destroy_while_held_reported, slc_destroy_while_held_reported, sx_ops)
SLC_CASE(sx_use_after_destroy_reported, slc_use_after_destroy_reported, sx_ops)
SLC_CASE(sx_double_init_reported, slc_double_init_reported, sx_ops)
SLC_CASE(sx_unknown_init_option_reported, slc_unknown_init_option_reported, sx_ops)
SLC_CASE(sx_sleep_on_recursed_lock_reported, slc_sleep_on_recursed_lock_reported, sx_ops)
SLC_CASE(sx_assert_every_flag_fails_when_false, slc_assert_every_flag_fails_when_false, sx_ops)

static struct kunit_case sx_misuse_cases[] = {
	KUNIT_CASE(sx_in_interrupt_context_reported),
	KUNIT_CASE(sx_hard_interrupt_on_the_exclusive_owner_leaves_its_hold),
	KUNIT_CASE(sx_soft_interrupt_on_the_exclusive_owner_leaves_its_hold),
	KUNIT_CASE(sx_interrupt_on_a_shared_holder_wanting_it_exclusively_leaves_the_hold),
	KUNIT_CASE(sx_contended_xlock_in_atomic_context_spins_and_reports_once),
	KUNIT_CASE(sx_contended_slock_in_atomic_context_spins_and_reports_once),
	KUNIT_CASE(sx_taken_while_holding_a_mutex_reported),
	KUNIT_CASE(sx_recursion_on_non_recursive_lock_reported),
	KUNIT_CASE(sx_slock_of_a_lock_held_exclusively_by_the_caller_reported),
	KUNIT_CASE(sx_downgrade_of_recursed_lock_reported),
	KUNIT_CASE(sx_downgrade_and_upgrade_without_the_right_hold_reported),
	KUNIT_CASE(sx_unlock_of_unheld_lock_reported),
	KUNIT_CASE(sx_unlock_by_a_non_owner_reported),
	KUNIT_CASE(sx_destroy_while_held_reported),
	KUNIT_CASE(sx_use_after_destroy_reported),
	KUNIT_CASE(sx_double_init_reported),
	KUNIT_CASE(sx_unknown_init_option_reported),
	KUNIT_CASE(sx_sleep_on_recursed_lock_reported),
	KUNIT_CASE(sx_assert_every_flag_fails_when_false),
	KUNIT_CASE(misuse_sx_xlock_of_a_zeroed_lock_is_reported_as_uninitialised),
	KUNIT_CASE(misuse_sx_xlock_of_an_rw_lock_is_reported_as_the_wrong_class),
	KUNIT_CASE(misuse_sx_sleep_with_an_sx_not_held_is_reported_and_does_not_sleep),
	{}
};

static struct kunit_suite sx_misuse_suite = {
	.name = "freebsd_sx_misuse",
	.test_cases = sx_misuse_cases,
};

kunit_test_suites(&sx_suite, &sx_misuse_suite);
