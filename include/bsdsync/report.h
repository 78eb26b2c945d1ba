/*
 * bsdsync C ABI shared by every personality: where a lock was initialised (the site record
 * every report and checker names) and the rules a misuse report can name, with the report
 * counters tests read. Plain C and C++, no Linux header, no personality.
 */
#ifndef _BSDSYNC_REPORT_H_
#define _BSDSYNC_REPORT_H_

#include <bsdsync/types.h>

BSDSYNC_BEGIN_DECLS

/*
 * Where a lock was initialised. The init macros (mtx_init, cv_init, ...) create one static
 * record per call site, so every report can name the site, and so a lock-order checker can
 * tell locks of different init sites apart.
 */
struct bsdsync_lock_site {
	const char *file;
	int line;
};
BSDSYNC_ABI_SIZE(struct bsdsync_lock_site, 16);
#define BSDSYNC_SITE()                                                                        \
	({                                                                                      \
		static const struct bsdsync_lock_site __bsdsync_site = { __FILE__, __LINE__ }; \
		&__bsdsync_site;                                                                \
	})

/*
 * The rules a misuse report can name. Every report is one message naming the lock, its init
 * site, the rule, and the caller; then a stack dump; then the kernel goes on. A counter per
 * rule lets tests check that a report was made.
 */
enum bsdsync_rule {
	BSDSYNC_RULE_NOT_OWNER = 0,	/* unlock (or downgrade...) of a lock the caller does not hold */
	BSDSYNC_RULE_RECURSION,		/* recursion on a non-recursive lock */
	BSDSYNC_RULE_DESTROY_HELD,	/* destroy of a lock that is held, recursed or waited on */
	BSDSYNC_RULE_DESTROYED,		/* use of a destroyed lock */
	BSDSYNC_RULE_UNINITIALIZED,	/* use of a lock that was never initialised */
	BSDSYNC_RULE_DOUBLE_INIT,	/* init of a lock that is already initialised */
	BSDSYNC_RULE_WRONG_CLASS,	/* e.g. mtx_lock on a spin mutex */
	BSDSYNC_RULE_SLEEP_ATOMIC,	/* sleeping with a spin mutex held, in a critical section,
					   or with interrupts or preemption disabled */
	BSDSYNC_RULE_SLEEP_INTERRUPT,	/* blocking or sleeping in interrupt context */
	BSDSYNC_RULE_SLEEP_RECURSED,	/* sleeping with a recursed interlock */
	BSDSYNC_RULE_SLEEP_NO_LOCK,	/* untimed sleep without an interlock (no PNOLOCK) */
	BSDSYNC_RULE_BAD_ARGUMENT,	/* NULL channel, PDROP with Giant, bad flags, ... */
	BSDSYNC_RULE_ASSERTION,		/* a *_assert() check failed */
	BSDSYNC_RULE_SPIN_TOO_LONG,	/* a spin mutex held "too long" */
	BSDSYNC_RULE_DESTROY_WAITERS,	/* destroy of a cv or sema that threads still wait on */
	BSDSYNC_RULE_SLEEP_NONSLEEPABLE,/* sleeping, or taking a lock that may sleep (sx, lockmgr,
					   sleepable rm), with a non-sleepable lock held (sleep
					   mutex, rw, rm): FreeBSD witness's "sleeping with
					   non-sleepable locks held" */
	BSDSYNC_RULE_RECURSED_OP,	/* an operation a recursed lock does not allow (downgrade,
					   upgrade of a recursed sx, ...) */
	BSDSYNC_RULE_EXIT_HELD,		/* a thread exited holding a lock */
	BSDSYNC_RULE_UNLOAD_REFUSED,	/* a module's MOD_QUIESCE or MOD_UNLOAD refused its
					   unload, which FreeBSD honours and Linux cannot */
	BSDSYNC_RULE_LOCK_ORDER,	/* a lock-order reversal, or a second lock of the same class
					   without DUPOK (core/witness.h; FreeBSD's witness) */
	BSDSYNC_RULE_COUNT
};

/* Number of reports made for `rule` since load (or since bsdsync_reports_reset). */
unsigned long bsdsync_report_count(enum bsdsync_rule rule);
unsigned long bsdsync_report_total(void);
/* Whether bsdsync keeps a thread record (its per-thread lock state) for `td`, for tests and
 * debuggers: one is created at the thread's first lock operation and released when its task
 * struct is freed, never earlier (a thread still locks in its exit path). */
int bsdsync_thread_has_record(const struct thread *td);

BSDSYNC_END_DECLS

#endif
