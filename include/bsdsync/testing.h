/*
 * bsdsync C ABI for the KUnit suites only (exported when the kernel has CONFIG_KUNIT): entry
 * points into the core's machinery, so that kunit/core/ tests it directly, with a lock type
 * of its own, without any personality. Not for drivers.
 * Plain C and C++, no Linux header, no personality.
 */
#ifndef _BSDSYNC_TESTING_H_
#define _BSDSYNC_TESTING_H_

#include <bsdsync/lock_events.h>

BSDSYNC_BEGIN_DECLS

/* The core's lock-type registry: the id (1..63), or 0 if full / unregister. */
int bsdsync_test_lock_type_register(const struct bsdsync_lock_type *type);
void bsdsync_test_lock_type_unregister(const struct bsdsync_lock_type *type);
const struct bsdsync_lock_type *bsdsync_test_lock_type_by_id(int id);

/* What a primitive does when a hold of `lock` begins / ends in the calling thread: the
 * held-locks stack's record and the ACQUIRED / RELEASED event. release returns 0 if the
 * thread has no such hold (nothing changed; the event is still sent). */
void bsdsync_test_hold(const void *lock, const struct bsdsync_lock_type *type, int shared,
		       int flags, const char *file, int line);
int bsdsync_test_release(const void *lock, const struct bsdsync_lock_type *type, int shared,
			 const char *file, int line);
/* What a primitive sends before a blocking acquisition's first attempt (ACQUIRING: the
 * lock-order check point); nothing is recorded. */
void bsdsync_test_acquiring(const void *lock, const struct bsdsync_lock_type *type, int shared,
			    const char *file, int line);
/* The lock-order checker (module/core/witness.h): turn it on (1) or off (0) with an empty
 * graph (reset: no class, order or reported pair); returns whether it was on. The graph as
 * Graphviz DOT and the reversals list, as snprintf (the length the whole text needs). */
int bsdsync_test_witness(int on);
/* Linux lockdep (module/platform/lockdep.c; kernels with CONFIG_LOCKDEP): while quiet (1), no
 * new bsdsync hold is given to lockdep (releases of holds given before still are), for cases
 * that make lock-order reversals on purpose; returns whether it was quiet. */
int bsdsync_test_lockdep_quiet(int on);
/* Attach (1) or detach (0) the lockdep sink (0 on kernels without lockdep), returning whether
 * it was attached: for cases about what runs while no lock-event sink is attached (the
 * inline lock paths). Thread context, between cases: holds given to lockdep before a detach
 * stay in its view until released with the sink back. */
int bsdsync_test_lockdep(int on);
unsigned long bsdsync_test_witness_dot(char *buf, unsigned long len);
unsigned long bsdsync_test_witness_reversals(char *buf, unsigned long len);
/*
 * Lock profiling (module/core/lock_profile.h): turn it on (1) or off (0), returning whether
 * it was on (the numbers are kept: reset forgets them); reset; one class's numbers (the
 * first class of that type name and lock name; times in ns): 1, or 0 if there is none; the
 * stats table, as snprintf.
 */
struct bsdsync_test_lock_prof_numbers {
	unsigned long long acquisitions;	/* count */
	unsigned long long contentions;		/* cnt_hold: CONTENDED events */
	unsigned long long contended;		/* cnt_lock: acquisitions that waited */
	unsigned long long wait_total_ns, wait_max_ns;
	unsigned long long holds;		/* holds timed */
	unsigned long long hold_total_ns, hold_max_ns;
	unsigned long long spins;		/* spin iterations */
};
int bsdsync_test_lock_prof(int on);
void bsdsync_test_lock_prof_reset(void);
int bsdsync_test_lock_prof_class(const char *type_name, const char *name,
				 struct bsdsync_test_lock_prof_numbers *out);
unsigned long bsdsync_test_lock_prof_stats(char *buf, unsigned long len);
/* The calling thread's count of spin iterations of the acquisition under way (its record is
 * made if it has none): another thread may watch it grow while this one spins (READ_ONCE). */
const unsigned long *bsdsync_test_lock_prof_spin_counter(void);
/* Keep stacks with witness's orders and reversals (the witness_stacks parameter): returns
 * whether it did. The text of debugfs bsdsync/witness/held, as snprintf. */
int bsdsync_test_witness_stacks(int on);
unsigned long bsdsync_test_witness_held(char *buf, unsigned long len);
/* The may-sleep check a sleepable acquisition or a sleep makes: 1 if it reported a
 * non-sleepable hold (other than `interlock`). */
int bsdsync_test_check_may_sleep(const void *interlock, const char *what, const char *file,
				 int line);

/*
 * The wait queues and the blocking tail: the calling thread queues on `channel` of the core's
 * sleep queues and blocks through the one blocking tail as a sleep (the block hooks run:
 * bsdsync_block_hook_register), interruptibly, until woken or timeout_ms (0: none). Returns
 * 0 if woken (and the waker's token in *token), else 1 (timed out), 2 or 3 (a signal).
 */
int bsdsync_test_sleep(const void *channel, unsigned int timeout_ms, int *token,
		       const char *file, int line);
/* Wake the best-priority, oldest sleeper on channel: 1 if there was one. */
int bsdsync_test_wake_one(const void *channel);
/* Wake every sleeper on channel, each with `token` (nonzero): how many. */
int bsdsync_test_wake_all(const void *channel, int token);
/* How many threads sleep on channel. */
int bsdsync_test_waiters(const void *channel);

/*
 * A minimal exclusive lock over the core's blocking tail, lending the waiters' priority to its
 * owner (core/prio.h) and handing the lock to the waiter its release wakes. Zero-initialised.
 */
struct bsdsync_test_lock {
	void *owner;		/* the owning thread, or NULL */
};
void bsdsync_test_lock_acquire(struct bsdsync_test_lock *l, const char *file, int line);
void bsdsync_test_lock_release(struct bsdsync_test_lock *l);
/* How many threads are queued for it. */
int bsdsync_test_lock_waiters(struct bsdsync_test_lock *l);

/*
 * The core's adaptive spin (module/core/adaptive.h): spin while (*word & mask) == owner and
 * the thread `owner` runs; 1 if the word changed, 0 if the caller should block. And the
 * spinner gate of `word`: take it as a head would (1, or 0 if held), leave it, and the word
 * its head polls (NULL: no head).
 */
int bsdsync_test_adaptive_spin(const volatile unsigned long *word, unsigned long owner,
			       unsigned long mask);
int bsdsync_test_spin_gate_claim(const volatile unsigned long *word);
void bsdsync_test_spin_gate_leave(const volatile unsigned long *word);
const volatile unsigned long *bsdsync_test_spin_gate_head(const volatile unsigned long *word);

BSDSYNC_END_DECLS

#endif
