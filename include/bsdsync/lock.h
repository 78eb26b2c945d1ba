/*
 * bsdsync C ABI: the lock object every FreeBSD-personality lock starts with, its flags, the
 * assertion flags, the init-site records and the misuse report rules.
 * Plain C and C++, no Linux header.
 */
#ifndef _BSDSYNC_LOCK_H_
#define _BSDSYNC_LOCK_H_

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
#define BSDSYNC_SITE()                                                                        \
	({                                                                                      \
		static const struct bsdsync_lock_site __bsdsync_site = { __FILE__, __LINE__ }; \
		&__bsdsync_site;                                                                \
	})

/* FreeBSD <sys/_lock.h>, same field order and size (24 bytes + the site pointer that takes
 * the place of lo_witness). */
struct lock_object {
	const char *lo_name;		/* the lock's name; the pointer is stored, not copied */
	unsigned int lo_flags;		/* LO_* | class index << LO_CLASSSHIFT */
	unsigned int lo_data;		/* class-specific: the recursion count of mtx */
	const struct bsdsync_lock_site *lo_site;	/* where it was initialised */
};

/* lock_class flags (FreeBSD values). */
#define LC_SLEEPLOCK	0x00000001
#define LC_SPINLOCK	0x00000002
#define LC_SLEEPABLE	0x00000004
#define LC_RECURSABLE	0x00000008
#define LC_UPGRADABLE	0x00000010

/* lock_object flags (FreeBSD values). */
#define LO_CLASSFLAGS	0x0000ffff
#define LO_INITIALIZED	0x00010000
#define LO_WITNESS	0x00020000
#define LO_QUIET	0x00040000
#define LO_RECURSABLE	0x00080000
#define LO_SLEEPABLE	0x00100000
#define LO_UPGRADABLE	0x00200000
#define LO_DUPOK	0x00400000
#define LO_IS_VNODE	0x00800000
#define LO_CLASSMASK	0x0f000000
#define LO_NOPROFILE	0x10000000
#define LO_NEW		0x20000000
#define LO_CLASSSHIFT	24

/* Class indexes stored in LO_CLASSMASK. 0 means "not a live lock" (never initialised, or
 * destroyed). */
#define BSDSYNC_CLASS_NONE		0
#define BSDSYNC_CLASS_MTX_SLEEP		1
#define BSDSYNC_CLASS_MTX_SPIN		2
#define BSDSYNC_CLASS_SX		3
#define BSDSYNC_CLASS_RW		4
#define BSDSYNC_CLASS_RM		5
#define BSDSYNC_CLASS_RM_SLEEPABLE	6
#define BSDSYNC_CLASS_LOCKMGR		7
#define BSDSYNC_CLASS_RMS		8	/* rms_*: FreeBSD has no lock class for it */

/* Per-operation flags (FreeBSD LOP_*). */
#define LOP_NEWORDER	0x00000001
#define LOP_QUIET	0x00000002
#define LOP_TRYLOCK	0x00000004
#define LOP_EXCLUSIVE	0x00000008
#define LOP_DUPOK	0x00000010
#define LOP_NOSLEEP	0x00000020

/* Generic assertion flags (FreeBSD LA_*). */
#define LA_MASKASSERT	0x000000ff
#define LA_UNLOCKED	0x00000000
#define LA_LOCKED	0x00000001
#define LA_SLOCKED	0x00000002
#define LA_XLOCKED	0x00000004
#define LA_RECURSED	0x00000008
#define LA_NOTRECURSED	0x00000010

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
