/*
 * The behaviour sx(9) and rw(9) have in common (both are built on one lock core,
 * module/freebsd/shared_lock.{h,cpp}), written once. sx_test.c and rw_test.c each describe
 * their lock in a struct slc_ops (its operations, written with the FreeBSD macros, its
 * init options and its lock word values) and keep one thin, behaviour-named KUnit case per
 * documented behaviour, calling the slc_* body below with their ops. What only one of the
 * two locks does (sx: _sig waits, Giant drop, held across a sleep; rw: non-sleepable,
 * waits ignore signals) stays in that lock's file, using the actor and helpers from here.
 */
#ifndef BSDSYNC_KUNIT_SHARED_LOCK_CASES_H
#define BSDSYNC_KUNIT_SHARED_LOCK_CASES_H

#include "harness_freebsd.h"

struct cv;
struct thread;
struct lock_object;

/* One lock type, seen through its FreeBSD API. `l` is a lock of that type (ops->size bytes). */
struct slc_ops {
	const char *name;	/* "sx" or "rw" */
	size_t size;		/* sizeof the lock structure */
	int class_index;	/* BSDSYNC_CLASS_* */
	bool sleepable;		/* LO_SLEEPABLE: may be held across a sleep */

	/* init options */
	int o_dupok, o_noprofile, o_quiet, o_recurse, o_nowitness, o_new;

	/* lock word values */
	unsigned long w_unlocked, w_destroyed, w_shared, w_one_sharer, w_xwaiters, w_spinner;
	int w_sharers_shift;

	/* assert flags */
	int a_locked, a_slocked, a_xlocked, a_unlocked, a_recursed, a_notrecursed;

	void (*init_flags)(void *l, const char *name, int opts);
	void (*destroy)(void *l);
	void (*slock)(void *l);
	void (*sunlock)(void *l);
	void (*xlock)(void *l);
	void (*xunlock)(void *l);
	void (*unlock)(void *l);
	int (*try_slock)(void *l);
	int (*try_xlock)(void *l);
	int (*try_upgrade)(void *l);
	void (*downgrade)(void *l);
	int (*slock_sig)(void *l);	/* NULL: the lock has no _sig forms */
	int (*xlock_sig)(void *l);
	int (*xlocked)(void *l);	/* sx_xlocked / rw_wowned */
	struct thread *(*xholder)(void *l);	/* sx_xholder / rw_wowner */
	int (*recursed)(void *l);
	int (*initialized)(void *l);
	struct lock_object *(*lock_object)(void *l);
	void (*assert)(void *l, int what);
	int (*sleep)(void *chan, void *l, int pri, const char *wmesg, int timo);
	int (*cv_wait_ticks)(struct cv *cv, void *l, int timo);
	unsigned long (*word)(void *l);	/* the lock word (sx_lock / rw_lock) */
	volatile unsigned long *(*wordp)(void *l);	/* where it is (a test plays a writer) */
};

/* A zeroed lock of this type, freed with the test (fails the test if out of memory). */
void *slc_alloc(struct kunit *test, const struct slc_ops *ops);

/* ---- an actor: a thread doing one operation, holding the result until told --------------- */

enum slc_op { SLC_XLOCK, SLC_SLOCK, SLC_XLOCK_SIG, SLC_SLOCK_SIG };

struct slc_actor {
	const struct slc_ops *ops;
	void *lock;
	int op;
	int sig;		/* 1: SIGUSR1 is allowed; 2: SIGKILL is fatal to it */
	int signal_self;	/* send itself SIGUSR1 before the operation */
	int giant_depth;	/* hold Giant this deep around the operation */
	atomic_t *order;	/* entry order among actors */
	int started, entered, done;
	int error, seq;
	int giant_recursed_after;	/* Giant still recursed after the operation */
	int pending_after;		/* a signal was still pending after it */
	struct completion release;
	struct bt_thread t;
};

void slc_actor_init(struct slc_actor *a, const struct slc_ops *ops, void *lock, int op,
		    atomic_t *order);
void slc_actor_start(struct kunit *test, struct slc_actor *a);
/* The actor is blocked (asleep) after it started: queued on the lock. */
bool slc_actor_blocked(struct slc_actor *a);
/* Let it release what it got, and join it. */
void slc_actor_finish(struct slc_actor *a);
/* init + start + wait until it holds the lock. */
void slc_actor_hold(struct kunit *test, struct slc_actor *a, const struct slc_ops *ops,
		    void *lock, int op);
/* start + wait until it is queued on the lock. */
void slc_actor_start_queued(struct kunit *test, struct slc_actor *a);
/* init + start + wait until it is queued on the lock. */
void slc_actor_queue(struct kunit *test, struct slc_actor *a, const struct slc_ops *ops,
		     void *lock, int op, atomic_t *order);
/* A zeroed actor (array of n), freed with the test. */
struct slc_actor *slc_actors(struct kunit *test, int n);

/* try_xlock then try_slock from another thread: *x, *s = whether each succeeded. */
void slc_try_elsewhere(struct kunit *test, const struct slc_ops *ops, void *l, int *x, int *s);

/* Adaptive spinning: up to `tries` rounds of an owner busy on CPU 0 and a waiter on CPU 1,
 * lock initialised with `opts`; returns how many rounds had the waiter switch out
 * voluntarily, stopping at the first round whose outcome (blocked or not) is `stop_on`. */
int slc_spin_rounds(struct kunit *test, const struct slc_ops *ops, int opts, int tries,
		    int stop_on);

/* SYSINIT: `plain` was declared with <X>_SYSINIT(..., plain_name), `recursive` with
 * <X>_SYSINIT_FLAGS(..., <X>_RECURSE). */
void slc_sysinit_initialises_the_lock_at_module_load(struct kunit *test,
						     const struct slc_ops *ops, void *plain,
						     const char *plain_name, void *recursive);

/* A KUnit case `name` whose body is the shared `body` for the lock `ops`. */
#define SLC_CASE(name, body, ops)							\
	static void name(struct kunit *test)						\
	{										\
		body(test, &(ops));							\
	}

/* ---- the shared behaviours (one KUnit case each, per lock type) ------------------------- */

#define SLC_BEHAVIOURS(X)								\
	X(slc_waiter_spins_while_the_exclusive_owner_runs)				\
	X(slc_all_readers_hold_the_lock_at_once)					\
	X(slc_writers_exclude_readers_and_writers_under_stress)				\
	X(slc_writer_gets_in_while_readers_keep_arriving)				\
	X(slc_unlock_then_free_by_next_owner_is_safe)					\
	X(slc_try_xlock_and_try_slock_in_every_holder_state)				\
	X(slc_try_xlock_recurses_on_a_recurse_lock)					\
	X(slc_try_upgrade_succeeds_for_the_sole_reader)					\
	X(slc_try_upgrade_fails_while_another_reader_holds_it)				\
	X(slc_downgrade_lets_waiting_readers_in_at_once)				\
	X(slc_downgrade_without_waiters_leaves_one_shared_hold)				\
	X(slc_new_reader_waits_behind_a_waiting_writer)					\
	X(slc_last_reader_leaves_the_lock_to_the_spinning_writer)			\
	X(slc_reader_recursion_with_a_writer_waiting_does_not_deadlock)			\
	X(slc_sleep_retakes_an_exclusive_lock_exclusive)				\
	X(slc_sleep_retakes_a_shared_lock_shared)					\
	X(slc_sleep_timeout_returns_ewouldblock_with_lock_retaken)			\
	X(slc_sleep_pdrop_returns_with_lock_released)					\
	X(slc_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken)		\
	X(slc_recurse_allows_exclusive_recursion)					\
	X(slc_shared_recursion_always_allowed)						\
	X(slc_xholder_and_xlocked_name_the_exclusive_owner)				\
	X(slc_unlock_releases_either_mode)						\
	X(slc_assert_every_flag_passes_when_true)					\
	X(slc_init_flags_options_are_recorded)						\
	X(slc_interlock_of_condvar_retaken_in_its_mode)					\
	/* misuse */									\
	X(slc_in_interrupt_context_reported)						\
	X(slc_hard_interrupt_on_the_exclusive_owner_leaves_its_hold)			\
	X(slc_soft_interrupt_on_the_exclusive_owner_leaves_its_hold)			\
	X(slc_interrupt_on_a_shared_holder_wanting_it_exclusively_leaves_the_hold)	\
	X(slc_contended_xlock_in_atomic_context_spins_and_reports_once)		\
	X(slc_contended_slock_in_atomic_context_spins_and_reports_once)		\
	X(slc_recursion_on_non_recursive_lock_reported)					\
	X(slc_slock_of_a_lock_held_exclusively_by_the_caller_reported)			\
	X(slc_downgrade_of_recursed_lock_reported)					\
	X(slc_downgrade_and_upgrade_without_the_right_hold_reported)			\
	X(slc_unlock_of_unheld_lock_reported)						\
	X(slc_unlock_by_a_non_owner_reported)						\
	X(slc_destroy_while_held_reported)						\
	X(slc_use_after_destroy_reported)						\
	X(slc_double_init_reported)							\
	X(slc_unknown_init_option_reported)						\
	X(slc_sleep_on_recursed_lock_reported)						\
	X(slc_assert_every_flag_fails_when_false)

#define SLC_DECLARE(body) void body(struct kunit *test, const struct slc_ops *ops);
SLC_BEHAVIOURS(SLC_DECLARE)
#undef SLC_DECLARE

#endif
