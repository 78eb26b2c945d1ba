/*
 * <sys/mutex.h> for ported FreeBSD drivers: mutex(9), mtx_pool(9), Giant.
 *
 * The checked build (the default, INVARIANTS): every operation calls into bsdsync.ko with
 * the caller's file and line, as FreeBSD modules with LOCK_DEBUG do; mtx_init records its
 * call site once (a static record per site).
 *
 * The production build (BSDSYNC_INLINE_LOCKS, <sys/lock.h>: a driver built with
 * -DBSDSYNC_NO_INVARIANTS; MUTEX_NOINLINE keeps the calls), as FreeBSD's own __mtx_lock and
 * __mtx_unlock: mtx_lock and mtx_unlock of a sleep mutex are inline, no call at all when the
 * mutex is free:
 *   mtx_lock    while no lock-event sink is attached (the module's static key, patched
 *               into this code too), in thread context, on a live sleep mutex (lo_flags:
 *               LO_INITIALIZED and the class, one compare), one CAS of the word from 0 to
 *               curthread | MTX_UNRECORDED, acquire (pairs with the release of whichever
 *               unlock freed the word);
 *   mtx_unlock  one CAS from curthread | MTX_UNRECORDED to 0, release (pairs with the next
 *               owner's acquire CAS). Only a hold taken inline has that word, so the CAS
 *               alone proves the class and the owner: a sink attached since then never saw
 *               the acquisition and is not told of the release either.
 * Any failure calls the module's function, which does everything the checked build does:
 * contention (waiters set MTX_CONTESTED, so the owner's inline unlock fails into the
 * module's wake-up), recursion (MTX_RECURSED), trylock, and the misuse reports, judged from
 * the word as FreeBSD does (recursion on a non-recursive mutex, unlock by a non-owner or of
 * an unlocked mutex, a destroyed, uninitialised or spin mutex, a sleep mutex in interrupt
 * context: each still one report). The module keeps MTX_UNRECORDED while the hold lasts
 * (recursion, contested bit) and, finding it, has no held-locks record to remove nor
 * RELEASED event to send; a hold the module takes (contended, or a sleep taking its
 * interlock back) is recorded as in the checked build and released through the module.
 *
 * What the production build loses, for holds taken inline (FreeBSD without WITNESS loses
 * the same): they are not in the thread's held-locks stack, so sleeping or taking a sleepable
 * lock with one held is not reported, a thread exiting with one held is not reported, and
 * witness, lock profiling and bsdsync_held_locks() see only holds taken while a sink is
 * attached (attach them before the driver locks, e.g. witness=1 at load). KASSERT and
 * MPASS are compiled out (<sys/systm.h>).
 *
 * Spin mutexes, in the production build, as FreeBSD's spinlock_enter and __mtx_lock_spin:
 *   mtx_lock_spin    while no lock-event sink is attached, on a live spin mutex (one
 *                    compare of lo_flags): the kernel's local_irq_save and preempt_disable,
 *                    then this CPU's spin record (core/spin.h, <bsdsync/inline_abi.h>): one
 *                    increment of the depth and one OR of the saved interrupt state (0 at
 *                    depth 0, so the outermost enter's state is what it holds), then one CAS
 *                    of the word from 0 to curthread | MTX_UNRECORDED_SPIN, acquire (pairs
 *                    with the release store of whichever unlock freed it). A failed CAS
 *                    calls fbsd_mtx_lock_spin_hard with the section entered (recursion,
 *                    waiting); a sink or a bad class, fbsd_mtx_lock_spin_flags (no section
 *                    entered). Any context: spin mutexes are for interrupt handlers too.
 *   mtx_unlock_spin  if the word is curthread | MTX_UNRECORDED_SPIN (only a hold this
 *                    mtx_lock_spin took, not recursed: no other word has those bits, so the
 *                    compare proves the class and the owner), a release store of 0 (pairs
 *                    with the next owner's CAS; only the owner writes a held spin mutex's
 *                    word), one decrement of the depth and, at depth 0, the saved state
 *                    taken (and zeroed) and given to local_irq_restore; preempt_enable.
 *                    Any other word calls fbsd_mtx_unlock_spin_flags.
 * So spin mutexes are still released in any order (the depth counts, the outermost exit
 * restores), recursion still needs MTX_RECURSE (the module's), and sleeping with one held is
 * still reported (the depth is the CPU's spin record, and interrupts are off); what is lost,
 * for holds taken inline: the report names no spin mutex ("inside spinlock_enter()"), and
 * witness does not see them (sinks attached later see neither acquisition nor release).
 * mtx_trylock, mtx_trylock_spin and the other operations are calls in both builds.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_MUTEX_H_
#define _BSDSYNC_FREEBSD_SYS_MUTEX_H_

#include <sys/types.h>
#include <sys/lock.h>
#include <sys/_mutex.h>
#include <sys/pcpu.h>
#include <sys/kernel.h>

/* The struct mtx behind m (a struct mtx or struct mtx_padalign): naming the member
 * mtx_lock rejects any other type at compile time, as FreeBSD's mtxlock2mtx does. */
#define __bsd_mtx(m)								\
	((struct mtx *)((char *)&(m)->mtx_lock - __builtin_offsetof(struct mtx, mtx_lock)))

#define mtx_init(m, name, type, opts)						\
	fbsd_mtx_init(__bsd_mtx(m), (name), (type), (opts), BSDSYNC_SITE())
#define mtx_destroy(m)		fbsd_mtx_destroy(__bsd_mtx(m), LOCK_FILE, LOCK_LINE)

#if BSDSYNC_INLINE_LOCKS && !defined(MUTEX_NOINLINE)
#define BSDSYNC_MTX_INLINE 1
#include <linux/irqflags.h>
#include <bsdsync/inline_abi.h>
/* <sys/lock.h>'s __bsd_lock_xacquire/__bsd_lock_xrelease on the mutex word. */
static __always_inline void
__bsd_mtx_lock(struct mtx *m, int opts, const char *file, int line)
{
	if (!__bsd_lock_xacquire(&m->lock_object, &m->mtx_lock, BSDSYNC_CLASS_MTX_SLEEP,
				 MTX_UNOWNED, MTX_UNRECORDED))
		fbsd_mtx_lock_flags(m, opts, file, line);
}

static __always_inline void
__bsd_mtx_unlock(struct mtx *m, int opts, const char *file, int line)
{
	if (!__bsd_lock_xrelease(&m->mtx_lock, MTX_UNOWNED, MTX_UNRECORDED))
		fbsd_mtx_unlock_flags(m, opts, file, line);
}

/* The spin paths (top comment). bsdsync_cpu_area is bsdsync.ko's per-CPU variable
 * (exported); the offsets are <bsdsync/inline_abi.h>'s. */
static __always_inline void
__bsd_mtx_lock_spin(struct mtx *m, int opts, const char *file, int line)
{
	unsigned long flags, v = MTX_UNOWNED;
	unsigned int lf = __atomic_load_n(&m->lock_object.lo_flags, __ATOMIC_RELAXED);

	if (__predict_false(static_branch_unlikely(&bsdsync_lock_events_key) ||
			    (lf & (LO_INITIALIZED | LO_CLASSMASK)) !=
				    (LO_INITIALIZED | BSDSYNC_CLASS_MTX_SPIN << LO_CLASSSHIFT))) {
		fbsd_mtx_lock_spin_flags(m, opts, file, line);
		return;
	}
	local_irq_save(flags);
	preempt_disable();
	/* With interrupts off: this CPU's record, only its own thread writes it. */
	__asm__ __volatile__("incl %%gs:bsdsync_cpu_area+%c1(%%rip)\n\t"
			     "orq %0, %%gs:bsdsync_cpu_area+%c2(%%rip)"
			     : : "r"(flags), "i"(BSDSYNC_CPU_SPIN_DEPTH), "i"(BSDSYNC_CPU_SPIN_SAVED)
			     : "memory");
	if (__predict_false(!__atomic_compare_exchange_n(&m->mtx_lock, &v,
							  (unsigned long)current | MTX_UNRECORDED_SPIN,
							  0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		fbsd_mtx_lock_spin_hard(m, opts, file, line);
}

static __always_inline void
__bsd_mtx_unlock_spin(struct mtx *m, int opts, const char *file, int line)
{
	unsigned long saved;
	unsigned char outer, other;

	/* One compare with the word in memory (the owner's own hold: no other CPU writes it
	 * while it is ours, so a plain load is exact). */
	__asm__ __volatile__("cmpq %2, %1"
			     : "=@ccne"(other)
			     : "m"(m->mtx_lock), "r"((unsigned long)current | MTX_UNRECORDED_SPIN));
	if (__predict_false(other)) {
		fbsd_mtx_unlock_spin_flags(m, opts, file, line);
		return;
	}
	__atomic_store_n(&m->mtx_lock, MTX_UNOWNED, __ATOMIC_RELEASE);
	__asm__ __volatile__("decl %%gs:bsdsync_cpu_area+%c1(%%rip)"
			     : "=@ccz"(outer) : "i"(BSDSYNC_CPU_SPIN_DEPTH) : "memory");
	if (outer) {
		/* The outermost exit: the saved state goes back to 0 (core/spin.h). */
		__asm__ __volatile__("movq %%gs:bsdsync_cpu_area+%c1(%%rip), %0\n\t"
				     "movq $0, %%gs:bsdsync_cpu_area+%c1(%%rip)"
				     : "=&r"(saved) : "i"(BSDSYNC_CPU_SPIN_SAVED) : "memory");
		local_irq_restore(saved);
	}
	preempt_enable();
}

#define mtx_lock_flags(m, o)	__bsd_mtx_lock(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_unlock_flags(m, o)	__bsd_mtx_unlock(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_lock_spin_flags(m, o) __bsd_mtx_lock_spin(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_unlock_spin_flags(m, o) __bsd_mtx_unlock_spin(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#else
#define mtx_lock_flags(m, o)	fbsd_mtx_lock_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_unlock_flags(m, o)	fbsd_mtx_unlock_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_lock_spin_flags(m, o) fbsd_mtx_lock_spin_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_unlock_spin_flags(m, o) fbsd_mtx_unlock_spin_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#endif
#define mtx_trylock_flags(m, o)	fbsd_mtx_trylock_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_trylock_spin_flags(m, o) fbsd_mtx_trylock_spin_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)

#define mtx_lock(m)		mtx_lock_flags((m), 0)
#define mtx_unlock(m)		mtx_unlock_flags((m), 0)
#define mtx_trylock(m)		mtx_trylock_flags((m), 0)
#define mtx_lock_spin(m)	mtx_lock_spin_flags((m), 0)
#define mtx_unlock_spin(m)	mtx_unlock_spin_flags((m), 0)
#define mtx_trylock_spin(m)	mtx_trylock_spin_flags((m), 0)

#define mtx_initialized(m)	lock_initialized(&(m)->lock_object)
#define mtx_owned(m)		fbsd_mtx_owned(__bsd_mtx(m))
#define mtx_recursed(m)		fbsd_mtx_recursed(__bsd_mtx(m))
#define mtx_owner(m)		fbsd_mtx_owner(__bsd_mtx(m))
#define mtx_name(m)		((m)->lock_object.lo_name)
#define mtx_assert(m, what)	fbsd_mtx_assert(__bsd_mtx(m), (what), LOCK_FILE, LOCK_LINE)
#define mtx_spin_wait_unlocked(m) fbsd_mtx_spin_wait_unlocked(__bsd_mtx(m))

/* mtx_sleep: sleep(9) with a sleep mutex as interlock (in <sys/systm.h>'s terms). */
#define mtx_sleep(chan, mtx, pri, wmesg, timo)					\
	fbsd_sleep((chan), &(mtx)->lock_object, (pri), (wmesg),			\
		   fbsd_tick_sbt * (timo), 0, BSDSYNC_C_HARDCLOCK, LOCK_FILE, LOCK_LINE)

/* MTX_SYSINIT: the mutex is initialised when the driver's module loads (before its
 * module_init) and destroyed when it unloads (after its module_exit). */
#define MTX_SYSINIT(name, mtx, desc, opts)						\
	static const struct bsdsync_lock_site name##_mtx_site = { __FILE__, __LINE__ };	\
	static struct mtx_args name##_args = { (mtx), (desc), (opts), &name##_mtx_site };	\
	SYSINIT(name##_mtx_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_mtx_sysinit,	\
		&name##_args);								\
	SYSUNINIT(name##_mtx_sysuninit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_mtx_sysuninit, \
		  (mtx))

/* Giant */
#define Giant			fbsd_Giant
#define GIANT_REQUIRED		mtx_assert(&Giant, MA_OWNED)
#define DROP_GIANT()							\
	do {								\
		unsigned int _giantcnt = fbsd_drop_giant(LOCK_FILE, LOCK_LINE)
#define PARTIAL_PICKUP_GIANT()						\
		fbsd_pickup_giant(_giantcnt, LOCK_FILE, LOCK_LINE)
#define PICKUP_GIANT()							\
		PARTIAL_PICKUP_GIANT();					\
	} while (0)

/* mtx_pool(9) */
#define mtx_pool_create(name, size, opts)	fbsd_mtx_pool_create((name), (size), (opts))
#define mtx_pool_destroy(poolp)			fbsd_mtx_pool_destroy((poolp))
#define mtx_pool_find(pool, ptr)		fbsd_mtx_pool_find((pool), (void *)(ptr))
#define mtx_pool_alloc(pool)			fbsd_mtx_pool_alloc((pool))
#define mtx_pool_lock(pool, ptr)		mtx_lock(mtx_pool_find((pool), (ptr)))
#define mtx_pool_lock_spin(pool, ptr)		mtx_lock_spin(mtx_pool_find((pool), (ptr)))
#define mtx_pool_unlock(pool, ptr)		mtx_unlock(mtx_pool_find((pool), (ptr)))
#define mtx_pool_unlock_spin(pool, ptr)		mtx_unlock_spin(mtx_pool_find((pool), (ptr)))
#define mtxpool_sleep				fbsd_mtxpool_sleep

#endif
