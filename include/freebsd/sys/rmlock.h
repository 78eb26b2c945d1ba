/*
 * <sys/rmlock.h> for ported FreeBSD drivers: rmlock(9) read-mostly locks and the sleepable
 * read-mostly rms_* locks.
 *
 * The checked build (the default): every operation calls into bsdsync.ko with the caller's
 * file and line, as FreeBSD modules do (LOCK_DEBUG); rm_init and rms_init record their call
 * site once (a static record per site). rm_assert always checks (modules get
 * INVARIANT_SUPPORT), and so do rms_rowned and rms_owned_any, which FreeBSD only has under
 * INVARIANTS.
 *
 * The production build (BSDSYNC_INLINE_LOCKS, <sys/lock.h>; RMLOCK_NOINLINE keeps the
 * calls), as FreeBSD's _rm_rlock fast path (a count on this CPU, the tracker queued, no
 * atomic instruction): rm_rlock and rm_runlock of a read hold are inline, no call at all in
 * the common case, and so are rm_wlock and rm_wunlock of an uncontended writer:
 *   rm_rlock    while no lock-event sink is attached, in thread context, on a live
 *               non-sleepable rm lock (lo_flags: one compare; its per-CPU area, never
 *               NULL on a live lock):
 *               preempt_disable, this CPU's token read first, then, for a thread
 *               whose record is in this CPU's cache (<bsdsync/inline_abi.h>: one
 *               %gs-relative load and one compare) and that reads no rm lock yet (its
 *               tracker list empty: nothing to check for recursion or a reused tracker),
 *               this CPU's read count incremented (%gs-relative, as the module's own fast
 *               path: a writer's grace period waits for the section, rm.cpp's top
 *               comment), preempt_enable; then the tracker
 *               filled (BSDSYNC_RMPF_INLINE) and put on the thread's list, where rm_assert,
 *               rm_sleep, rm_wlock's check and the module's recursion check find it.
 *               No token (a writer took them back): within the calm interval after the
 *               last write release (rm_wtick, BSDSYNC_RM_CALM_TICKS), the same thread
 *               conditions, then the module's central read, inline: rm_readers + 1 and the
 *               writer word, fully ordered; no writer, the tracker as above; a writer:
 *               fbsd_rm_rlock_backout. Past the interval the read is the module's (its
 *               central reads count towards the CPU's token).
 *   rm_runlock  for such a tracker of this lock at the head of the thread's list: the
 *               tracker off the list, then on a CPU that has its token the count
 *               decremented the same way, else rm_readers - 1, fully ordered (the holds
 *               only ever mean their sum, rm.cpp), and fbsd_rm_wake_drainer if that was
 *               the hold a sleeping writer waited for. Otherwise fbsd_rm_runlock (another
 *               lock's tracker, not the newest hold, a module hold).
 *   rm_wlock    under the same first conditions: one CAS of the free writer word (0) to
 *               curthread | BSDSYNC_RM_UNRECORDED, fully ordered, then rm_tokens and
 *               rm_readers loaded: both zero (no CPU may have its token, no central
 *               reader), done; else fbsd_rm_wlock_drain takes the tokens back and waits
 *               for the readers, as the module's own write lock does after its CAS.
 *   rm_wunlock  rm_wtick = ticks (the calm interval, rm.cpp), then one CAS of that word
 *               back to 0, release; any other word (waiters to wake, the module's hold,
 *               a recursion, misuse) calls fbsd_rm_wunlock.
 * Anything else calls the module (recursion, a sleepable rm, a writer, misuse, a sink). What
 * the production build loses, for holds taken inline (as for mutexes, <sys/mutex.h>): they
 * are not in the thread's held-locks stack, so sleeping with one held, or exiting with one,
 * is not reported, and witness and bsdsync_held_locks() do not see them.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_RMLOCK_H_
#define _BSDSYNC_FREEBSD_SYS_RMLOCK_H_

#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/_lock.h>
#include <sys/_rmlock.h>
#include <sys/kernel.h>
#include <bsdsync/freebsd/sleep.h>

#define rm_init_flags(rm, name, opts)						\
	fbsd_rm_init_flags((rm), (name), (opts), BSDSYNC_SITE())
#define rm_init(rm, name)	rm_init_flags((rm), (name), 0)
#define rm_destroy(rm)		fbsd_rm_destroy((rm), LOCK_FILE, LOCK_LINE)
#if BSDSYNC_INLINE_LOCKS && !defined(RMLOCK_NOINLINE)
#define BSDSYNC_RM_INLINE 1
#include <bsdsync/inline_abi.h>

#define __bsd_rm_trackers(r)	((struct rm_priotracker **)((r) + BSDSYNC_TD_RM_TRACKERS))

/* This CPU's copy of the token of the per-CPU area `pcpu` (an address as this_cpu_read
 * takes it); the caller cannot migrate. */
static __always_inline int
__bsd_rm_token(struct bsdsync_rm_cpu *pcpu)
{
	int v;

	__asm__ __volatile__("movl %%gs:%c2(%1), %0"
			     : "=r"(v)
			     : "r"(pcpu), "i"(__builtin_offsetof(struct bsdsync_rm_cpu, token))
			     : "memory");
	return v;
}

static __always_inline void
__bsd_rm_count(struct bsdsync_rm_cpu *pcpu, long v)
{
	__asm__ __volatile__("addq %1, %%gs:%c2(%0)"
			     : : "r"(pcpu), "er"(v),
				 "i"(__builtin_offsetof(struct bsdsync_rm_cpu, readers))
			     : "memory");
}

/* Linux's tick count, the symbol every module may read, declared here under another name:
 * <linux/jiffies.h> would bring HZ and the time names a FreeBSD face defines its own way. */
extern volatile unsigned long __bsd_jiffies __asm__("jiffies");

static __always_inline void
__bsd_rm_rlock(struct rmlock *rm, struct rm_priotracker *tr, const char *file, int line)
{
	struct bsdsync_rm_cpu *pcpu;
	unsigned int lf = __atomic_load_n(&rm->lock_object.lo_flags, __ATOMIC_RELAXED);
	char *r;

	/* Only what makes pcpu safe to read comes before the token: a live non-sleepable rm
	 * lock (a lock never initialised may hold any pointer there). A live lock's per-CPU
	 * area is never NULL (without one of its own: a zero area, whose token is 0). */
	if (__predict_false(static_branch_unlikely(&bsdsync_lock_events_key) || !in_task() ||
			    (lf & (LO_INITIALIZED | LO_CLASSMASK)) !=
				    (LO_INITIALIZED | BSDSYNC_CLASS_RM << LO_CLASSSHIFT)))
		goto call;
	pcpu = rm->rm_state.rm_pcpu;
	/* The token check and the count in one preemption-disabled section, which a writer's
	 * grace period waits for (rm.cpp's top comment, (a)); x86 orders the critical section
	 * after the token's load. The token first: a read after a write (the writer took the
	 * tokens, this CPU has not got its own back yet) is the module's, and goes there with
	 * no look at the thread's record. */
	preempt_disable();
	if (__predict_false(!__bsd_rm_token(pcpu)))
		goto enable_central;
	r = __bsd_td_cached();
	if (__predict_false(!__bsd_td_mine(r) || *__bsd_rm_trackers(r)))
		goto enable_call;
	__bsd_rm_count(pcpu, 1);
	preempt_enable();
track:
	/* The thread's own list (empty: see above); no other thread or CPU touches it. */
	tr->rmp_next = 0;
	tr->rmp_rmlock = rm;
	tr->rmp_thread = (struct thread *)current;
	tr->rmp_flags = BSDSYNC_RMPF_INLINE;
	*__bsd_rm_trackers(r) = tr;
	return;
enable_central:
	preempt_enable();
	/* No token: a writer took them back. Within the calm interval after its release the
	 * module's read is central and nothing else (rm.cpp read_slow): the same here, the
	 * count first, then the writer word, both fully ordered (the handshake (c) with a
	 * writer's CAS and its read of the count). Past the interval the module's reads count
	 * towards giving the CPU its token back: those are the module's. */
	if (__predict_false((unsigned int)__bsd_jiffies -
				    __atomic_load_n(&rm->rm_state.rm_wtick, __ATOMIC_RELAXED) >=
			    BSDSYNC_RM_CALM_TICKS))
		goto call;
	r = __bsd_td_cached();
	if (__predict_false(!__bsd_td_mine(r) || *__bsd_rm_trackers(r)))
		goto call;
	__atomic_fetch_add(&rm->rm_state.rm_readers, 1, __ATOMIC_SEQ_CST);
	if (__predict_true(!(__atomic_load_n(&rm->rm_state.rm_lock, __ATOMIC_SEQ_CST) &
			     ~BSDSYNC_RM_WAITERS)))
		goto track;
	fbsd_rm_rlock_backout(rm, tr, file, line);	/* a writer: the module's */
	return;
enable_call:
	preempt_enable();
call:
	fbsd_rm_rlock(rm, tr, 0, file, line);
}

static __always_inline void
__bsd_rm_runlock(struct rmlock *rm, struct rm_priotracker *tr, const char *file, int line)
{
	struct bsdsync_rm_cpu *pcpu = rm->rm_state.rm_pcpu;
	char *r;

	/* An inline hold of rm (so rm is live and has its per-CPU area: rm_destroy refuses a
	 * held lock), the thread's newest. */
	if (__predict_false(tr->rmp_rmlock != rm || tr->rmp_flags != BSDSYNC_RMPF_INLINE))
		goto call;
	r = __bsd_td_cached();
	if (__predict_false(!__bsd_td_mine(r) || *__bsd_rm_trackers(r) != tr))
		goto call;
	/* A writer that takes this CPU's token after this section reads the count after its
	 * grace period, which orders the section (and the critical section before it) before
	 * the writer's. */
	preempt_disable();
	if (__predict_false(!__bsd_rm_token(pcpu)))
		goto enable_central;
	__bsd_rm_count(pcpu, -1);
	preempt_enable();
	/* The list was empty under it when it was taken inline, and only the thread's own
	 * newer holds (gone: it is the head) were pushed since. */
	*__bsd_rm_trackers(r) = 0;
	tr->rmp_rmlock = 0;
	return;
enable_central:
	preempt_enable();
	*__bsd_rm_trackers(r) = 0;
	tr->rmp_rmlock = 0;
	/* No token (a writer took it since, or the hold was counted centrally): the central
	 * count, fully ordered (a writer draining reads it); only a count the holds sum to,
	 * so either way is right (rm.cpp). The last hold a sleeping drainer waits for wakes
	 * it, through the chain only: the writer may release and destroy the lock at once. */
	if (__predict_false(__atomic_sub_fetch(&rm->rm_state.rm_readers, 1, __ATOMIC_SEQ_CST) ==
			    BSDSYNC_RM_DRAIN_WAIT))
		fbsd_rm_wake_drainer(rm);
	return;
call:
	fbsd_rm_runlock(rm, tr, file, line);
}



static __always_inline void __bsd_rm_wlock(struct rmlock *rm, const char *file, int line)
{
	/* Fully ordered (x86: lock cmpxchg), so the loads below come after the word is ours:
	 * rm.cpp's handshakes (b) with a granter and (c) with a central reader. */
	if (__predict_true(__bsd_lock_xacquire_order(&rm->lock_object, &rm->rm_state.rm_lock,
						     BSDSYNC_CLASS_RM, 0,
						     BSDSYNC_RM_UNRECORDED, __ATOMIC_SEQ_CST))) {
		if (__predict_false(__atomic_load_n(&rm->rm_state.rm_tokens, __ATOMIC_SEQ_CST) |
				    __atomic_load_n(&rm->rm_state.rm_readers, __ATOMIC_SEQ_CST)))
			fbsd_rm_wlock_drain(rm, file, line);
		return;
	}
	fbsd_rm_wlock(rm, file, line);
}

static __always_inline void __bsd_rm_wunlock(struct rmlock *rm, const char *file, int line)
{
	/* The calm interval starts now (rm.cpp): stored first, as the module does; only a
	 * heuristic reads it, so a misused unlock that then fails to release harms nothing. */
	__atomic_store_n(&rm->rm_state.rm_wtick, (unsigned int)__bsd_jiffies, __ATOMIC_RELAXED);
	if (!__bsd_lock_xrelease(&rm->rm_state.rm_lock, 0, BSDSYNC_RM_UNRECORDED))
		fbsd_rm_wunlock(rm, file, line);
}
#define rm_rlock(rm, tracker)	__bsd_rm_rlock((rm), (tracker), LOCK_FILE, LOCK_LINE)
#define rm_runlock(rm, tracker)	__bsd_rm_runlock((rm), (tracker), LOCK_FILE, LOCK_LINE)
#define rm_wlock(rm)		__bsd_rm_wlock((rm), LOCK_FILE, LOCK_LINE)
#define rm_wunlock(rm)		__bsd_rm_wunlock((rm), LOCK_FILE, LOCK_LINE)
#else
#define rm_wlock(rm)		fbsd_rm_wlock((rm), LOCK_FILE, LOCK_LINE)
#define rm_wunlock(rm)		fbsd_rm_wunlock((rm), LOCK_FILE, LOCK_LINE)
#define rm_rlock(rm, tracker)							\
	((void)fbsd_rm_rlock((rm), (tracker), 0, LOCK_FILE, LOCK_LINE))
#define rm_runlock(rm, tracker)	fbsd_rm_runlock((rm), (tracker), LOCK_FILE, LOCK_LINE)
#endif
#define rm_try_rlock(rm, tracker)						\
	fbsd_rm_rlock((rm), (tracker), 1, LOCK_FILE, LOCK_LINE)
#define rm_wowned(rm)		fbsd_rm_wowned((rm))
#define rm_assert(rm, what)	fbsd_rm_assert((rm), (what), LOCK_FILE, LOCK_LINE)

/* rm_sleep: sleep(9) with an rm lock as interlock, held for writing or (with exactly one
 * read hold) for reading; it is taken back in the same mode, with the same tracker. */
#define rm_sleep(chan, rm, pri, wmesg, timo)					\
	fbsd_sleep((chan), &(rm)->lock_object, (pri), (wmesg),			\
		   fbsd_tick_sbt * (timo), 0, BSDSYNC_C_HARDCLOCK, LOCK_FILE, LOCK_LINE)

/* RM_SYSINIT: the lock is initialised when the driver's module loads (before its
 * module_init) and destroyed when it unloads (after its module_exit). */
#define RM_SYSINIT_FLAGS(name, rm, desc, opts)					\
	static const struct bsdsync_lock_site name##_rm_site = { __FILE__, __LINE__ };	\
	static struct rm_args name##_args = { (rm), (desc), (opts), &name##_rm_site };	\
	SYSINIT(name##_rm_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_rm_sysinit,	\
		&name##_args);								\
	SYSUNINIT(name##_rm_sysuninit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_rm_sysuninit, \
		  (rm))
#define RM_SYSINIT(name, rm, desc)	RM_SYSINIT_FLAGS(name, rm, desc, 0)

/* Sleepable read-mostly locks. */
#define rms_init(rms, name)	fbsd_rms_init((rms), (name), BSDSYNC_SITE())
#define rms_destroy(rms)	fbsd_rms_destroy((rms), LOCK_FILE, LOCK_LINE)
#define rms_rlock(rms)		fbsd_rms_rlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_try_rlock(rms)	fbsd_rms_try_rlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_runlock(rms)	fbsd_rms_runlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_wlock(rms)		fbsd_rms_wlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_wunlock(rms)	fbsd_rms_wunlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_unlock(rms)		fbsd_rms_unlock((rms), LOCK_FILE, LOCK_LINE)
#define rms_wowned(rms)		fbsd_rms_wowned((rms))
#define rms_rowned(rms)		fbsd_rms_rowned((rms))
#define rms_owned_any(rms)	fbsd_rms_owned_any((rms))

#endif
