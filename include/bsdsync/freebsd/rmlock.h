/*
 * bsdsync C ABI: FreeBSD rmlock(9), read-mostly locks (struct rmlock with a caller-provided
 * struct rm_priotracker per read hold), and the sleepable read-mostly locks (struct
 * rmslock, rms_*). Both are built on one per-CPU reader machinery, described in
 * module/freebsd/rm.cpp.
 *
 * State of one lock (struct bsdsync_rm_state):
 *
 *   rm_lock      the writer word: the writing thread (a task_struct pointer, 16-byte
 *                aligned at least) | BSDSYNC_RM_DRAINING while that writer waits for
 *                readers to leave (set only once it has to wait), | BSDSYNC_RM_WAITERS
 *                while threads may be queued behind it, | BSDSYNC_RM_UNRECORDED if the
 *                write hold was taken by the inline rm_wlock of a driver built for
 *                production (<sys/rmlock.h>: no held-locks record, no lock event; only
 *                that acquisition sets the bit, and the hold's release clears it); 0 or
 *                BSDSYNC_RM_WAITERS alone when no writer owns the lock;
 *                BSDSYNC_RM_DESTROYED after destroy.
 *   rm_readers   read holds counted centrally (by readers of CPUs without their token),
 *                updated with atomic instructions; + BSDSYNC_RM_DRAIN_WAIT while the
 *                draining writer sleeps until it reaches zero.
 *   rm_pcpu      a Linux per-CPU area of struct bsdsync_rm_cpu, one per CPU: the read
 *                token (FreeBSD: the CPU is not in rm_writecpus) and the read holds
 *                counted on that CPU. If the allocation failed, or after destroy, a
 *                shared area that reads zero on every CPU and is never written (never
 *                NULL once initialised: no token, so every reader takes the correct,
 *                slower, central path).
 *   rm_wtick     the tick count (low bits) at the last write release: CPUs get their
 *                tokens back only a few ticks later, and after a number of central reads
 *                on that CPU (module/freebsd/rm.cpp).
 *   rm_tokens    nonzero when some CPU may hold its token (a writer then revokes them).
 *
 * The number of read holds is rm_readers (without DRAIN_WAIT) + the sum of every CPU's
 * readers; a per-CPU count or rm_readers may be negative (a reader that moved to another
 * CPU before it unlocked).
 */
#ifndef _BSDSYNC_FREEBSD_RMLOCK_H_
#define _BSDSYNC_FREEBSD_RMLOCK_H_

#include <bsdsync/freebsd/lock.h>

BSDSYNC_FREEBSD_ABI_BEGIN

struct bsdsync_rm_cpu {
	long readers;		/* read holds taken minus left on this CPU while it had the token */
	int token;		/* 1: readers on this CPU may use the fast path */
	unsigned int calm;	/* rm_wtick's low 16 bits << 16 | central reads still needed
				   on this CPU before it gets its token back */
};
BSDSYNC_ABI_SIZE(struct bsdsync_rm_cpu, 16);

struct bsdsync_rm_state {
	volatile unsigned long rm_lock;
	long rm_readers;
	struct bsdsync_rm_cpu *rm_pcpu;		/* __percpu */
	unsigned int rm_wtick;
	int rm_tokens;
};
BSDSYNC_ABI_SIZE(struct bsdsync_rm_state, 32);
BSDSYNC_ABI_OFFSET(struct bsdsync_rm_state, rm_lock, 0);

#define BSDSYNC_RM_DRAINING	0x1UL
#define BSDSYNC_RM_WAITERS	0x2UL
#define BSDSYNC_RM_DESTROYED	0x4UL
#define BSDSYNC_RM_UNRECORDED	0x8UL
#define BSDSYNC_RM_FLAGMASK	0xfUL
#define BSDSYNC_RM_DRAIN_WAIT	(1L << 48)
/* Ticks without a write release before the lock is calm and CPUs may get their read tokens
 * back (module/freebsd/rm.cpp; the production build's inline rm_rlock reads it too). */
#define BSDSYNC_RM_CALM_TICKS	2u

/* rm_init_flags options (FreeBSD values). */
#define RM_NOWITNESS	0x00000001
#define RM_RECURSE	0x00000002
#define RM_SLEEPABLE	0x00000004
#define RM_NEW		0x00000008

/* rm_assert (FreeBSD values, aliases of LA_*). */
#define RA_LOCKED	LA_LOCKED
#define RA_RLOCKED	LA_SLOCKED
#define RA_WLOCKED	LA_XLOCKED
#define RA_UNLOCKED	LA_UNLOCKED
#define RA_RECURSED	LA_RECURSED
#define RA_NOTRECURSED	LA_NOTRECURSED

struct rmlock {
	struct lock_object lock_object;		/* lo_data: write recursions (misuse only) */
	struct bsdsync_rm_state rm_state;
};
/* bsdsync's size (README, "Sizes"; FreeBSD's differs, its reader state is elsewhere). */
BSDSYNC_ABI_SIZE(struct rmlock, 56);
BSDSYNC_ABI_OFFSET(struct rmlock, lock_object, 0);
BSDSYNC_ABI_OFFSET(struct rmlock, rm_state, 24);

/*
 * One read hold. The caller provides it (usually on its stack) to rm_rlock and passes the
 * same one to rm_runlock; it must live until then. The fields are bsdsync's: the thread's
 * read holds form a list through rmp_next (newest first), which rm_assert, rm_sleep and the
 * checks of sleeping and exiting with locks held use.
 */
struct rm_priotracker {
	struct rm_priotracker *rmp_next;
	struct rmlock *rmp_rmlock;
	struct thread *rmp_thread;
	int rmp_flags;		/* BSDSYNC_RMPF_* */
};
BSDSYNC_ABI_SIZE(struct rm_priotracker, 32);
BSDSYNC_ABI_OFFSET(struct rm_priotracker, rmp_next, 0);
BSDSYNC_ABI_OFFSET(struct rm_priotracker, rmp_rmlock, 8);
BSDSYNC_ABI_OFFSET(struct rm_priotracker, rmp_thread, 16);
BSDSYNC_ABI_OFFSET(struct rm_priotracker, rmp_flags, 24);
/* The hold is on no thread's list (taken in interrupt context, or by a thread without
 * state): rm_runlock does not look for it there. */
#define BSDSYNC_RMPF_UNTRACKED	0x1
/* The read lock was refused and the refusal reported (rm_rlock where the thread may not wait
 * for the writer holding it: interrupt or atomic context). rm_rlock returns nothing, so the
 * caller goes on to rm_runlock: that only forgets the tracker, with no second report. */
#define BSDSYNC_RMPF_REFUSED	0x2
/* The read hold was taken by the inline rm_rlock of a driver built for production
 * (<sys/rmlock.h>): counted on a CPU that had its token, the tracker on the thread's list
 * (rm_assert, rm_sleep and the recursion check find it), but no held-locks record and no
 * lock event: its release, inline or the module's, removes none and sends none. */
#define BSDSYNC_RMPF_INLINE	0x4

/* Sleepable read-mostly lock: readers and writers may sleep. */
struct rmslock {
	struct lock_object lock_object;		/* lo_data: write recursions (misuse only) */
	struct bsdsync_rm_state rms_state;
};
BSDSYNC_ABI_SIZE(struct rmslock, 56);
BSDSYNC_ABI_OFFSET(struct rmslock, lock_object, 0);
BSDSYNC_ABI_OFFSET(struct rmslock, rms_state, 24);

void fbsd_rm_init_flags(struct rmlock *rm, const char *name, int opts,
			const struct bsdsync_lock_site *site);
void fbsd_rm_destroy(struct rmlock *rm, const char *file, int line);
int fbsd_rm_rlock(struct rmlock *rm, struct rm_priotracker *tracker, int trylock,
		  const char *file, int line);
void fbsd_rm_runlock(struct rmlock *rm, struct rm_priotracker *tracker, const char *file,
		     int line);
void fbsd_rm_wlock(struct rmlock *rm, const char *file, int line);
/* The production build's inline rm_wlock, after its CAS took the word (owner | UNRECORDED)
 * and found a CPU token or a central reader: the rest of the write lock (the checks, the
 * tokens taken back, the readers drained), or the word given back if the lock may not be
 * taken (reported). */
void fbsd_rm_wlock_drain(struct rmlock *rm, const char *file, int line);
/* The production build's inline rm_rlock counted itself centrally (rm_readers) and then
 * found a writer: the count dropped again (waking a draining writer if it was the last),
 * then fbsd_rm_rlock. */
void fbsd_rm_rlock_backout(struct rmlock *rm, struct rm_priotracker *tracker, const char *file,
			   int line);
/* The production build's inline rm_runlock dropped the last central read hold a draining
 * writer sleeps for (rm_readers reached BSDSYNC_RM_DRAIN_WAIT): wake it. rm is only a key
 * here (the writer may already have released and destroyed the lock). */
void fbsd_rm_wake_drainer(struct rmlock *rm);
void fbsd_rm_wunlock(struct rmlock *rm, const char *file, int line);
int fbsd_rm_wowned(const struct rmlock *rm);
void fbsd_rm_assert(const struct rmlock *rm, int what, const char *file, int line);

/* RM_SYSINIT: FreeBSD's struct rm_args, plus the site of the RM_SYSINIT line. */
struct rm_args {
	struct rmlock *ra_rm;
	const char *ra_desc;
	int ra_flags;
	const struct bsdsync_lock_site *ra_site;
};
BSDSYNC_ABI_SIZE(struct rm_args, 32);
void fbsd_rm_sysinit(const void *arg);		/* rm_init_flags from a struct rm_args */
void fbsd_rm_sysuninit(const void *arg);	/* rm_destroy of a struct rmlock * */

void fbsd_rms_init(struct rmslock *rms, const char *name, const struct bsdsync_lock_site *site);
void fbsd_rms_destroy(struct rmslock *rms, const char *file, int line);
void fbsd_rms_rlock(struct rmslock *rms, const char *file, int line);
int fbsd_rms_try_rlock(struct rmslock *rms, const char *file, int line);
void fbsd_rms_runlock(struct rmslock *rms, const char *file, int line);
void fbsd_rms_wlock(struct rmslock *rms, const char *file, int line);
void fbsd_rms_wunlock(struct rmslock *rms, const char *file, int line);
void fbsd_rms_unlock(struct rmslock *rms, const char *file, int line);
int fbsd_rms_wowned(const struct rmslock *rms);
int fbsd_rms_rowned(const struct rmslock *rms);
int fbsd_rms_owned_any(const struct rmslock *rms);

BSDSYNC_FREEBSD_ABI_END

#endif
