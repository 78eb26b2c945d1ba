/*
 * Shared scaffolding of the bsdsync KUnit suites: worker kthreads, and checks that a
 * misuse report was made. Every suite includes this instead of writing its own. It includes
 * no personality header (the neutral ABI only: kunit/core builds without any personality's
 * include path); a personality's own helpers are in its folder (kunit/freebsd/
 * harness_freebsd.h).
 */
#ifndef BSDSYNC_KUNIT_HARNESS_H
#define BSDSYNC_KUNIT_HARNESS_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include <bsdsync/lock_events.h>
#include <bsdsync/report.h>
#include <bsdsync/testing.h>

/* A worker kthread running fn(arg) once. */
struct bt_thread {
	struct task_struct *task;
	void (*fn)(void *arg);
	void *arg;
	struct completion done;
};

/* Start a worker (returns 0, or fails the test). */
int bt_start(struct kunit *test, struct bt_thread *t, void (*fn)(void *), void *arg,
	     const char *name);
/* Wait until the worker has returned from fn, and release it. */
void bt_join(struct bt_thread *t);
/* Start n workers on the same fn with args[i] (arg stride `size` bytes from `args`). */
void bt_start_n(struct kunit *test, struct bt_thread *t, int n, void (*fn)(void *),
		void *args, size_t size, const char *name);
void bt_join_n(struct bt_thread *t, int n);

/* Poll (sleeping 1 ms between looks) until cond is true; fail the test after ~60 s of
 * guest time so a broken primitive ends the test instead of hanging the run. This is a
 * liveness bound, not a timing assertion. */
#define BT_WAIT_UNTIL(test, cond)							\
	do {										\
		unsigned long __deadline = jiffies + 60 * HZ;				\
		while (!(cond)) {							\
			if (time_after(jiffies, __deadline)) {				\
				KUNIT_FAIL(test, "timed out waiting for: %s", #cond);	\
				break;							\
			}								\
			usleep_range(500, 1500);					\
		}									\
	} while (0)

/* stmt must make exactly one report of `rule`, and no report of any other rule. The holds
 * stmt takes are not given to Linux lockdep (bsdsync_test_lockdep_quiet): a misuse is
 * bsdsync's one report, not also lockdep's. */
#define BT_EXPECT_REPORT(test, rule, stmt)						\
	do {										\
		unsigned long __before = bsdsync_report_count(rule);			\
		unsigned long __total = bsdsync_report_total();				\
		int __quiet = bsdsync_test_lockdep_quiet(1);				\
		stmt;									\
		bsdsync_test_lockdep_quiet(__quiet);					\
		KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_count(rule) - __before, 1UL,	\
				    "expected one report of rule %d from: %s", rule, #stmt);\
		KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - __total, 1UL,	\
				    "expected no other report from: %s", #stmt);	\
	} while (0)

/* stmt must make no report at all. */
#define BT_EXPECT_NO_REPORT(test, stmt)							\
	do {										\
		unsigned long __total = bsdsync_report_total();				\
		stmt;									\
		KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - __total, 0UL,	\
				    "unexpected misuse report from: %s", #stmt);	\
	} while (0)

/* Joining threads that may still wait after a failure: KUnit cannot stop a case whose
 * thread hangs (its timeout ends in kthread_stop(), which waits too), so keep waking them
 * (bounded) before joining. Only does anything after a failure was already reported. */
#define BT_RESCUE(cond, wake)								\
	do {										\
		unsigned long __deadline = jiffies + 60 * HZ;				\
		while (!(cond) && time_before(jiffies, __deadline)) {			\
			wake;								\
			msleep(10);							\
		}									\
	} while (0)

/*
 * Report and sleep probe for misuse made in atomic context (spin mutex held, critical
 * section, interrupts off), where KUnit itself must not be called: take the counts before
 * and after, check afterwards. `nvcsw` counts voluntary context switches: a call that
 * blocked at all increments it.
 */
struct bt_probe {
	enum bsdsync_rule rule;
	unsigned long rule_before, total_before, nvcsw_before;
	unsigned long rule_after, total_after, nvcsw_after;
};
void bt_probe_begin(struct bt_probe *p, enum bsdsync_rule rule);
void bt_probe_end(struct bt_probe *p);
/* Exactly one report of p->rule, none of another rule, and no sleep in between. */
void bt_expect_one_report_no_sleep(struct kunit *test, const struct bt_probe *p,
				   const char *what);

/*
 * Run fn(arg) once in an interrupt that comes on top of the calling thread, on its CPU: a hard
 * interrupt (an hrtimer pinned to the CPU) or, with `soft`, a soft one (a tasklet: always run
 * at the next interrupt exit, never deferred to ksoftirqd). The caller busy-waits for it with
 * interrupts on and preemption off, so that fn finds the caller as `current` holding what it
 * holds. Records what fn made: counts of `rule` and of every report (fn must not call KUnit:
 * check afterwards). Fails the test if fn did not run on top of the caller, or did not end
 * within the liveness bound (~60 s).
 */
struct bt_irq_result {
	unsigned long reports;	/* of the rule */
	unsigned long total;	/* every rule */
};
void bt_in_interrupt_on_this_thread(struct kunit *test, bool soft, void (*fn)(void *arg),
				    void *arg, enum bsdsync_rule rule, struct bt_irq_result *r);

/* stmt must return without blocking (no voluntary context switch). Not for atomic context. */
#define BT_EXPECT_NO_SLEEP(test, stmt)							\
	do {										\
		unsigned long __nv = current->nvcsw;					\
		stmt;									\
		KUNIT_EXPECT_EQ_MSG(test, current->nvcsw, __nv, "slept in: %s", #stmt);	\
	} while (0)

/*
 * Linux lockdep's view of the calling thread (kernels with CONFIG_LOCKDEP; module/platform/
 * lockdep.c gives it bsdsync's locks): how many holds it has of locks whose lockdep class is
 * named `name`, and of the newest such hold, its read mode (0 exclusive, 1 shared, 2
 * recursive read), whether it was a try-lock and whether interrupts were off when it was
 * taken (read, trylock and irqs_off may be null). 0 and nothing filled on other kernels.
 */
int bt_lockdep_holds(const char *name, int *read, int *trylock, int *irqs_off);
/* Skip the case on kernels without lockdep's lock proving. */
#define BT_NEED_LOCKDEP(test)								\
	do {										\
		if (!IS_ENABLED(CONFIG_PROVE_LOCKING))					\
			kunit_skip(test, "no lockdep in this kernel");			\
		if (!debug_locks)							\
			kunit_skip(test, "lockdep is off (an earlier lockdep report)");	\
	} while (0)

/*
 * The exclusion check of a reader/writer stress case: a worker calls bt_excl_exclusive while
 * it holds the lock exclusively (`owned`: the lock's own owner test, answered by the caller),
 * bt_excl_shared while it holds it shared. `bad` is set when a writer found anyone else
 * inside, a reader found a writer inside, or the owner test said no.
 */
struct bt_excl {
	atomic_t readers;
	atomic_t writers;
	int bad;
};
static inline void bt_excl_exclusive(struct bt_excl *x, bool owned)
{
	if (atomic_inc_return(&x->writers) != 1 || atomic_read(&x->readers) != 0 || !owned)
		WRITE_ONCE(x->bad, 1);
	cpu_relax();
	atomic_dec(&x->writers);
}
static inline void bt_excl_shared(struct bt_excl *x)
{
	atomic_inc(&x->readers);
	if (atomic_read(&x->writers) != 0)
		WRITE_ONCE(x->bad, 1);
	cpu_relax();
	atomic_dec(&x->readers);
}

/*
 * The lock events of one thread, recorded by a harness sink: bt_events_start(test) clears
 * the record and watches the calling thread (fails the test if no sink slot is free),
 * bt_events_stop() detaches. `n` counts every event seen; the first BT_EVENTS_MAX are kept.
 */
#define BT_EVENTS_MAX 16
struct bt_events {
	struct task_struct *watched;
	int n;
	struct bsdsync_lock_event ev[BT_EVENTS_MAX];
};
extern struct bt_events bt_events;
void bt_events_start(struct kunit *test);
void bt_events_stop(void);

/* A lock-profiling suite's .init / .exit: each case starts with profiling on and an empty
 * table, and puts profiling back as it was. */
int bt_lock_prof_case_init(struct kunit *test);
void bt_lock_prof_case_exit(struct kunit *test);

/*
 * Lock profiling's spin count, scripted with two threads: this thread (A) takes `lock` and
 * stays on its CPU (where an adaptive spinner sees it run); a worker (B) publishes its
 * pending spin count (bsdsync_test_lock_prof_spin_counter) and contends; A releases once it
 * has seen that count move, then B takes `after` uncontended. A round where B gave up
 * spinning for good (gave_up(lock), may be null: it queued) is played again, up to 20.
 * Expects: B's spins charged to the class of `lock` (at least what A saw), at least one
 * contended acquisition, none charged to `after`'s class. Waits are bounded by about 2 s
 * of guest time per round (a liveness bound for a count that never moves, not a timing
 * assertion). Skipped with fewer than two CPUs. Profiling must be on with an empty table.
 */
struct bt_spin_script {
	void (*lock)(void *l);
	void (*unlock)(void *l);
	bool (*gave_up)(void *l);
	void *l, *after;
	const char *type, *name, *after_name;	/* the classes (type and lock names) */
	/* the script's own */
	const unsigned long *counter;
	int go;
};
void bt_expect_spins_counted(struct kunit *test, struct bt_spin_script *s);

#endif
