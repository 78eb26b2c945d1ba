/*
 * FreeBSD mutex(9): MTX_DEF sleep mutexes and MTX_SPIN spin mutexes on one lock word.
 *
 * The word (struct mtx.mtx_lock, see include/bsdsync/freebsd/mutex.h) is the owner thread
 * pointer | MTX_RECURSED | MTX_CONTESTED | MTX_DESTROYED | MTX_UNRECORDED. Transitions:
 *
 *   0                  -> owner              lock fast path: one CAS, acquire
 *   0                  -> owner|UNRECORDED   the inline mtx_lock of a driver built for
 *                                            production (<sys/mutex.h>): one CAS, acquire,
 *                                            no held-locks record and no event. The bit
 *                                            stays with the hold (recursion and CONTESTED
 *                                            are ORed in and out beside it) and tells this
 *                                            file's releases that there is no record to
 *                                            remove nor RELEASED to send; every transition
 *                                            to a new owner or to free drops it
 *   owner|UNRECORDED   -> 0                  the inline mtx_unlock: one CAS, release (any
 *                                            other word fails it into fbsd_mtx_unlock_flags)
 *   0                  -> owner|UNRECORDED_SPIN
 *                                            the inline mtx_lock_spin (<sys/mutex.h>), after
 *                                            its unnamed spinlock_enter (core/spin.h): one
 *                                            CAS, acquire; a failure goes on in
 *                                            fbsd_mtx_lock_spin_hard. UNRECORDED_SPIN is
 *                                            UNRECORDED|DESTROYED: no live word has
 *                                            DESTROYED with an owner, no sleep mutex both
 *   owner|UNRECORDED_SPIN -> 0               the inline mtx_unlock_spin: a compare, then a
 *                                            store, release (only the owner writes a held
 *                                            spin mutex's word); the module releases it the
 *                                            same way when recursion brings it there, with
 *                                            no RELEASED event (the hold had no ACQUIRED)
 *   owner              -> 0                  unlock fast path: one CAS, release (MTX_SPIN:
 *                                            a store; nobody else writes a held spin
 *                                            mutex's word)
 *   owner[|CONTESTED]  -> 0 or CONTESTED     misuse: the lock CAS took a mutex of the wrong
 *                                            class or never initialised (the class is
 *                                            checked after the CAS); given back at once,
 *                                            waking a waiter that queued meanwhile
 *   owner              -> owner|RECURSED     recursion: only the owner writes lo_data and
 *                                            the bit, so the unlock CAS fails into the slow
 *                                            path, which counts down. An interrupt that
 *                                            takes the mutex its interrupted thread owns
 *                                            (reported) recurses the same way, on the
 *                                            owner's CPU, and counts down before it returns
 *   owner[|CONTESTED]  -> owner|CONTESTED    a waiter, under its turnstile chain lock, just
 *                                            before it queues: the owner's unlock CAS then
 *                                            fails and it must look at the queue
 *   owner|CONTESTED    -> 0 or CONTESTED     unlock slow path, under the chain lock: one
 *                                            waiter is unlinked and woken; CONTESTED stays
 *                                            while others remain queued
 *   CONTESTED          -> new|CONTESTED      an acquirer takes a contested free mutex and
 *                                            inherits the duty to wake the rest
 *   0 (or owned once   -> DESTROYED          mtx_destroy
 *      by the caller)
 *
 * Every release ends with one store or CAS to the word and touches the mutex no more: the
 * next owner may free it at once (the unlock-then-free pattern, prior-art.md bug 1).
 *
 * MTX_DEF spins while the owner runs on a CPU (adaptive) and otherwise blocks on the
 * mutex's turnstile queue, lending its priority to the owner while it waits (core/prio.cpp);
 * the release of a contested mutex ends that lending, and a thread that takes a CONTESTED
 * mutex inherits the priority of the threads still queued (prio_claim). A caller that may not
 * block (an interrupt, a spin mutex held, a critical section: core/thread.h may_block) is
 * reported once and spins for the mutex instead of queueing; a locker that finds the word
 * DESTROYED while it waits is reported and does not take it.
 *
 * MTX_SPIN: every acquisition, recursions included, is one spinlock_enter() naming the mutex
 * (interrupts and preemption off, nested by a per-CPU count whose record says which spin
 * mutexes the CPU holds, core/spin.h), every release one spinlock_exit(); a waiter busy-waits
 * on plain loads with interrupts let in between attempts, and tries the CAS only when it saw
 * the word free. MTX_SPIN never sets CONTESTED (nobody queues).
 *
 * Fast paths (stock kernels): lock = %gs reads of current and the preempt count, one CAS,
 * then the class check (after the CAS, so that a contended word's cache line is fetched
 * once, for writing) and the held-lock record (thread record for MTX_DEF, per-CPU for
 * MTX_SPIN); unlock = class check, the record, one CAS or store. No calls. The interrupt flag and preempt count of MTX_SPIN are flipped inline where the
 * kernel does the same (bsdsync_irq_inline), else through the kernel's functions.
 */
#include "freebsd/lock_class.h"
#include "core/adaptive.h"
#include "core/prio.h"
#include "core/thread.h"
#include "core/waitq.h"

namespace bsdsync::fbsd {

namespace {

constexpr unsigned kSleepClass = BSDSYNC_CLASS_MTX_SLEEP << LO_CLASSSHIFT;
constexpr unsigned kSpinClass = BSDSYNC_CLASS_MTX_SPIN << LO_CLASSSHIFT;


inline uintptr owner_of(uintptr v) { return v & ~MTX_FLAGMASK; }
inline uintptr self() { return (uintptr)curthread(); }
inline lock_object *lo_of(mtx *m) { return &m->lock_object; }
inline const lock_object *lo_of(const mtx *m) { return &m->lock_object; }

/* A sleep mutex hold is recorded in the thread's held-locks stack (a non-sleepable type:
 * sleeping or taking a sleepable lock meanwhile is reported, core/thread.h), with the
 * ACQUIRED/RELEASED lock events. Only first acquisitions and final releases are recorded;
 * recursions are events only (recurse, unrecurse). Spin mutexes are recorded per CPU by
 * spinlock_enter (core/spin.h) and send their events here too. */
constexpr const LockType *kSleepType = &lock_type_mtx_sleep;
constexpr const LockType *kSpinType = &lock_type_mtx_spin;
constexpr HoldMode kExcl = HoldMode::Exclusive;

BSDSYNC_NOINLINE void held_push(mtx *m, unsigned flags, const char *file, int line)
{
	held_acquired(current_record(), lo_of(m), kSleepType, kExcl, flags, file, line);
}
inline void held_pop(mtx *m, const char *file, int line)
{
	held_released(current_record_if_any(), lo_of(m), kSleepType, kExcl, file, line);
}
inline const LockType *type_of(const mtx *m)
{
	return (load_relaxed(&m->lock_object.lo_flags) & LO_CLASSMASK) == kSpinClass ? kSpinType
										  : kSleepType;
}

/*
 * Is m a live mutex of the wanted class? One load and compare on the fast path; the cold
 * path says what is wrong. Operations on a broken mutex are reported and not performed.
 */
BSDSYNC_COLD bool bad_class(const mtx *m, unsigned want, const char *op, const char *file,
			    int line)
{
	const lock_object *lo = lo_of(m);
	unsigned flags = load_relaxed(&lo->lo_flags);

	if (load_relaxed(&m->mtx_lock) == MTX_DESTROYED)
		report(BSDSYNC_RULE_DESTROYED, subject_of(lo), file, line, "%s of destroyed mutex",
		       op);
	else if (!(flags & LO_INITIALIZED))
		report(BSDSYNC_RULE_UNINITIALIZED, subject_of(lo), file, line,
		       "%s of a mutex never passed to mtx_init", op);
	else
		report(BSDSYNC_RULE_WRONG_CLASS, subject_of(lo), file, line, "%s of a %s", op,
		       (flags & LO_CLASSMASK) == kSpinClass ? "spin mutex (use the _spin form)"
							     : "sleep mutex (not a spin mutex)");
	return false;
}

inline bool class_ok(const mtx *m, unsigned want)
{
	unsigned flags = load_relaxed(&m->lock_object.lo_flags);
	return (flags & (LO_INITIALIZED | LO_CLASSMASK)) == (LO_INITIALIZED | want);
}

inline bool is_class(const mtx *m, unsigned want, const char *op, const char *file, int line)
{
	if (likely(class_ok(m, want)))
		return true;
	return bad_class(m, want, op, file, line);
}

/* One more recursion level of the owner's hold: its unlock CAS now fails into unrecurse. */
inline void recursion_add(mtx *m)
{
	m->lock_object.lo_data++;
	fetch_or_relaxed(&m->mtx_lock, MTX_RECURSED);
}

/* The owner takes the mutex once more. A non-recursive mutex is reported, then recursed
 * anyway: the caller's unlock calls stay balanced and the outer hold is not released early. */
void recurse(mtx *m, int opts, const char *file, int line)
{
	lock_object *lo = lo_of(m);
	if (!(lo->lo_flags & LO_RECURSABLE) && !(opts & MTX_RECURSE))
		report(BSDSYNC_RULE_RECURSION, subject_of(lo), file, line,
		       "recursed on non-recursive mutex");
	recursion_add(m);
	lock_event_acquired(lo, type_of(m), kExcl, BSDSYNC_LE_RECURSE, file, line);
}

/* The owner releases one recursion level. Returns false if it was not recursed. */
bool unrecurse(mtx *m, const char *file, int line)
{
	if (!(load_relaxed(&m->mtx_lock) & MTX_RECURSED))
		return false;
	lock_event_released(lo_of(m), type_of(m), kExcl, BSDSYNC_LE_RECURSE, file, line);
	if (--m->lock_object.lo_data == 0)
		fetch_and_relaxed(&m->mtx_lock, ~MTX_RECURSED);
	return true;
}

/* The owner a blocked thread lends its priority to (core/prio.h): read in RCU sections. */
thread *prio_owner(const void *lock)
{
	return (thread *)owner_of(load_relaxed(&static_cast<const mtx *>(lock)->mtx_lock));
}

BSDSYNC_COLD void report_destroyed_while_waiting(mtx *m, const char *file, int line)
{
	report(BSDSYNC_RULE_DESTROYED, subject_of(lo_of(m)), file, line,
	       "mtx_lock of a mutex destroyed while we waited: not taken");
}

/*
 * Take m by spinning, for a caller that cannot block (interrupt or atomic context, reported
 * already): wait on plain loads until the word is free, then CAS it, as mtx_lock_spin does.
 * False if m was destroyed meanwhile (reported once; not taken). MTX_DESTROYED has no owner
 * bits, so it is tested before "free": a CAS from it would take a dead mutex.
 */
bool spin_acquire(mtx *m, uintptr v, const char *file, int line)
{
	const uintptr me = self();
	SpinCount spins;
	for (;;) {
		if (unlikely(v == MTX_DESTROYED)) {
			report_destroyed_while_waiting(m, file, line);
			return false;
		}
		if (owner_of(v) == 0) {
			if (cas_acquire(&m->mtx_lock, &v, me | (v & MTX_CONTESTED)))
				return true;
			continue;
		}
		bsdsync_cpu_relax();
		spins.tick();
		v = load_relaxed(&m->mtx_lock);
	}
}

BSDSYNC_NOINLINE void lock_sleep_slow(mtx *m, uintptr v, int opts, const char *file, int line)
{
	const uintptr me = self();

	if (unlikely(bsdsync_in_interrupt())) {
		/* FreeBSD takes sleep mutexes in interrupt threads, which are hard or soft
		 * interrupt context here and cannot block: report, then take the mutex by
		 * spinning so the caller still gets exclusion. `me` is the interrupted thread:
		 * if it holds the mutex, it cannot release it until this interrupt returns, and
		 * this interrupt's mtx_unlock would release the owner's hold (its CAS expects
		 * `me`). So the interrupt gets a recursion level instead: the owner is off
		 * this CPU's stack until it returns, so the interrupt has exclusion, and its
		 * unlock, finding RECURSED, only counts it down (unrecurse). Interrupts nest,
		 * so the levels are undone in order, and the interrupt's +1 and -1 of lo_data
		 * cancel out before the owner resumes, even in the middle of its own update. */
		if (owner_of(v) == me) {
			report(BSDSYNC_RULE_SLEEP_INTERRUPT, subject_of(lo_of(m)), file, line,
			       "sleep mutex taken in an interrupt that interrupted its owner "
			       "(counted as a recursion of the owner's hold)");
			recursion_add(m);
			return;
		}
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, subject_of(lo_of(m)), file, line,
		       "sleep mutex taken in interrupt context (use a spin mutex, or a threaded "
		       "handler)");
		if (spin_acquire(m, v, file, line))
			held_push(m, 0, file, line);	/* no thread record here: the event */
		return;
	}

	if (owner_of(v) == me) {
		recurse(m, opts, file, line);
		return;
	}

	bool contended = false;
	for (;;) {
		/* Before "free": MTX_DESTROYED has no owner bits (a CAS from it would take a
		 * dead mutex and leave a held record nobody can pop). Not taken. */
		if (unlikely(v == MTX_DESTROYED)) {
			report_destroyed_while_waiting(m, file, line);
			return;
		}
		if (owner_of(v) == 0) {
			/* Free; maybe CONTESTED, which the new owner keeps: it must wake the
			 * threads still queued when it releases. */
			if (cas_acquire(&m->mtx_lock, &v, me | (v & MTX_CONTESTED))) {
				held_push(m, 0, file, line);
				if (v & MTX_CONTESTED)
					prio_claim(m, m);	/* inherit the queued waiters' */
				return;
			}
			continue;
		}
		if (!contended) {
			contended = true;
			lock_contended(lo_of(m), kSleepType, kExcl, file, line);
		}
		/* Adaptive: while the owner runs, it will release soon; spinning is cheaper than
		 * two context switches. */
		if (adaptive_spin(&m->mtx_lock, owner_of(v), ~MTX_FLAGMASK)) {
			v = load_relaxed(&m->mtx_lock);
			continue;
		}

		/* Atomic context (a spin mutex held, a critical section, ...) cannot block:
		 * report once, then spin for the mutex as the interrupt path does. */
		if (unlikely(!may_block(subject_of(lo_of(m)), nullptr, "mtx_lock",
					"spinning for it instead", file, line))) {
			if (spin_acquire(m, v, file, line))
				held_push(m, 0, file, line);
			return;
		}

		WaitTable::Guard g(turnstiles, m);
		v = load_relaxed(&m->mtx_lock);
		if (owner_of(v) == 0 || v == MTX_DESTROYED)
			continue;	/* released or destroyed meanwhile: look again (g unlocks) */
		/* Set CONTESTED under the chain lock, before queueing: from here the owner's
		 * unlock CAS fails and its slow path takes this chain lock and finds us. */
		if (!(v & MTX_CONTESTED) && !cas_relaxed(&m->mtx_lock, &v, v | MTX_CONTESTED))
			continue;
		/* The blocking tail (core/block.h): a lock wait, keeping Giant, lending our
		 * priority to the owner until its release. */
		Waiter w;
		BlockOptions o;
		o.lend_key = m;
		o.lend_owner = prio_owner;
		o.file = file;
		o.line = line;
		block_on(turnstiles, g, w, m, WaitQueueId::ExclusiveLockers, o);
		v = load_relaxed(&m->mtx_lock);
	}
}

void release_contested(mtx *m);

BSDSYNC_NOINLINE void unlock_sleep_slow(mtx *m, uintptr v, const char *file, int line)
{
	if (owner_of(v) != self()) {
		report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo_of(m)), file, line,
		       owner_of(v) ? "mtx_unlock of a mutex owned by another thread"
				   : "mtx_unlock of an unlocked mutex");
		return;
	}
	if (unrecurse(m, file, line))
		return;
	/* A hold taken inline (UNRECORDED, set by its acquisition and written by no one else
	 * while we own it) has no record, and the sinks never saw it acquired. */
	if (!(v & MTX_UNRECORDED))
		held_pop(m, file, line);
	release_contested(m);
}

/* The release of a mutex whose word may have CONTESTED set: wake one queued waiter. */
void release_contested(mtx *m)
{
	WaitTable::Guard g(turnstiles, m);
	Waiter *next = turnstiles.take_one(g, m, WaitQueueId::ExclusiveLockers);
	bool more = turnstiles.has_waiters(g, m, WaitQueueId::ExclusiveLockers);
	/* The release store is the last access to *m: pairs with the acquire CAS of the next
	 * owner (the woken waiter, or a thread that gets there first). */
	store_release(&m->mtx_lock, more ? MTX_CONTESTED : MTX_UNOWNED);
	if (next)
		turnstiles.wake_taken(g, next);
	g.unlock();
	/* What the waiters lent us through m ends (m is only a key there: it may be gone). */
	prio_released(m);
}

/* ---- spin mutexes ------------------------------------------------------------------- */
/* Every acquisition of a spin mutex, recursions included, is one spinlock_enter() naming the
 * mutex, and every release one spinlock_exit(): this CPU's record (core/spin.h) says which
 * spin mutexes it holds, for the reports of sleep(9). */

/* Busy-wait iterations between two looks at the clock for the "held too long" report. */
constexpr unsigned kSpinClockEvery = 1024;

/* Entered with spinlock_enter() done (spin_rec: this CPU's spin record, core/spin.h) and
 * the word v seen held. */
BSDSYNC_NOINLINE void lock_spin_slow(mtx *m, uintptr v, bsdsync_spin_cpu *spin_rec,
				     int opts, const char *file, int line)
{
	const uintptr me = self();

	if (owner_of(v) == me) {
		recurse(m, opts, file, line);
		return;
	}
	u64 start = 0;
	unsigned spins = 0;
	SpinCount profiled;	/* lock profiling's count (`spins` paces the clock reads) */
	bool reported = false;
	lock_contended(lo_of(m), kSpinType, kExcl, file, line);
	for (;;) {
		/* Let interrupts in while waiting (FreeBSD does the same): the owner may be
		 * waiting for one of them on this CPU. Nested spin mutexes keep them off. Wait
		 * on plain loads (no bus-locked write while the mutex is held), and only try
		 * the CAS once it was seen free. */
		bsdsync_spinlock_exit_fast(spin_rec, m);
		while (owner_of(load_relaxed(&m->mtx_lock)) != 0) {
			bsdsync_cpu_relax();
			profiled.tick();
			if (likely(++spins % kSpinClockEvery != 0) || reported)
				continue;
			if (start == 0) {
				start = bsdsync_uptime_ns();
			} else if (u64 limit = bsdsync_param_spin_warn_ns();
				   bsdsync_uptime_ns() - start > limit) {
				/* Once per wait (the parameter spin_warn_ms, module.c). */
				reported = true;
				report(BSDSYNC_RULE_SPIN_TOO_LONG, subject_of(lo_of(m)), file, line,
				       "spin mutex held by another thread for over %llu ms",
				       (unsigned long long)(limit / 1000000));
			}
		}
		spin_rec = bsdsync_spinlock_enter_fast(m);
		v = load_relaxed(&m->mtx_lock);
		if (v == MTX_DESTROYED) {
			report(BSDSYNC_RULE_DESTROYED, subject_of(lo_of(m)), file, line,
			       "mtx_lock_spin of a mutex destroyed while we waited");
			bsdsync_spinlock_exit_fast(spin_rec, m);
			return;
		}
		if (owner_of(v) == 0 && cas_acquire(&m->mtx_lock, &v, me | (v & MTX_FLAGMASK))) {
			lock_event_acquired(lo_of(m), kSpinType, kExcl, 0, file, line);
			return;
		}
	}
}

} // namespace

/* ---- lock class hooks ------------------------------------------------------------------ */

static bool mtx_class_unlock(lock_object *lo, uintptr *how, const char *file, int line)
{
	mtx *m = reinterpret_cast<mtx *>(lo);
	uintptr v = load_relaxed(&m->mtx_lock);
	if (owner_of(v) != self()) {
		report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo), file, line,
		       "sleeping with an interlock the thread does not hold");
		return false;
	}
	if (v & MTX_RECURSED) {
		report(BSDSYNC_RULE_SLEEP_RECURSED, subject_of(lo), file, line,
		       "cannot sleep on a recursed mutex (recursion depth %u)", lo->lo_data + 1);
		return false;
	}
	*how = 0;
	fbsd_mtx_unlock_flags(m, 0, file, line);
	return true;
}

static void mtx_class_lock(lock_object *lo, uintptr, const char *file, int line)
{
	fbsd_mtx_lock_flags(reinterpret_cast<mtx *>(lo), 0, file, line);
}

static bool mtx_class_owned(const lock_object *lo)
{
	return owner_of(load_relaxed(&reinterpret_cast<const mtx *>(lo)->mtx_lock)) == self();
}

/* Spin mutexes cannot be the interlock of sleep(9) or cv(9): msleep_spin() handles them
 * itself (FreeBSD's hooks panic "spin locks can only use msleep_spin"). */
static bool spin_class_unlock(lock_object *lo, uintptr *, const char *file, int line)
{
	report(BSDSYNC_RULE_WRONG_CLASS, subject_of(lo), file, line,
	       "spin mutexes can only be the interlock of msleep_spin");
	return false;
}

static void spin_class_lock(lock_object *, uintptr, const char *, int) {}

constinit const LockClass lock_class_mtx_sleep = {
	"sleep mutex", LC_SLEEPLOCK | LC_RECURSABLE, &lock_type_mtx_sleep,
	mtx_class_unlock, mtx_class_lock, mtx_class_owned,
};
constinit const LockClass lock_class_mtx_spin = {
	"spin mutex", LC_SPINLOCK | LC_RECURSABLE, &lock_type_mtx_spin,
	spin_class_unlock, spin_class_lock, mtx_class_owned,
};

/* ---- Giant --------------------------------------------------------------------------- */

bool giant_owned()
{
	return owner_of(load_relaxed(&fbsd_Giant.mtx_lock)) == self();
}

unsigned giant_drop(const char *file, int line)
{
	if (!giant_owned())
		return 0;
	unsigned depth = fbsd_Giant.lock_object.lo_data + 1;
	fbsd_Giant.lock_object.lo_data = 0;
	fetch_and_relaxed(&fbsd_Giant.mtx_lock, ~MTX_RECURSED);
	fbsd_mtx_unlock_flags(&fbsd_Giant, 0, file, line);
	return depth;
}

void giant_pickup(unsigned depth, const char *file, int line)
{
	if (depth == 0)
		return;
	fbsd_mtx_lock_flags(&fbsd_Giant, 0, file, line);
	if (depth > 1) {
		fbsd_Giant.lock_object.lo_data = depth - 1;
		fetch_or_relaxed(&fbsd_Giant.mtx_lock, MTX_RECURSED);
	}
}

/* Giant for the blocking tail (lock_class.h): a sleep drops it in full, a lock wait keeps it. */
constinit const BlockHook giant_block_hook = {
	"Giant",
	[](BlockKind kind, const char *file, int line) -> unsigned long {
		if (kind != BlockKind::Sleep || !giant_owned())
			return 0;
		return giant_drop(file, line);
	},
	[](unsigned long depth, BlockKind, const char *file, int line) {
		giant_pickup(static_cast<unsigned>(depth), file, line);
	},
};

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

constinit struct mtx fbsd_Giant;

/* ---- the C ABI -------------------------------------------------------------------------- */

extern "C" void fbsd_mtx_init(struct mtx *m, const char *name, const char *type, int opts,
			      const struct bsdsync_lock_site *site)
{
	lock_object *lo = lo_of(m);
	unsigned cls = (opts & MTX_SPIN) ? BSDSYNC_CLASS_MTX_SPIN : BSDSYNC_CLASS_MTX_SLEEP;

	if (!(opts & MTX_NEW) && (load_relaxed(&lo->lo_flags) & LO_INITIALIZED)) {
		uintptr v = load_relaxed(&m->mtx_lock);
		report(BSDSYNC_RULE_DOUBLE_INIT, ReportSubject{ "mutex", name, m, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "mtx_init of a live mutex \"%s\" (pass MTX_NEW for fresh memory)",
		       lo->lo_name ? lo->lo_name : "");
		/* Re-initialising a held or waited-on mutex would corrupt its holders: keep it. */
		if (v != MTX_UNOWNED)
			return;
	}
	unsigned flags = 0;
	if (opts & MTX_RECURSE)
		flags |= LO_RECURSABLE;
	if (!(opts & MTX_NOWITNESS))
		flags |= LO_WITNESS;
	if (opts & MTX_DUPOK)
		flags |= LO_DUPOK;
	if (opts & MTX_NOPROFILE)
		flags |= LO_NOPROFILE;
	if (opts & MTX_QUIET)
		flags |= LO_QUIET;
	if (opts & MTX_NEW)
		flags |= LO_NEW;
	(void)type;	/* FreeBSD's witness class name; kept by the order checker when it lands */
	store_relaxed(&m->mtx_lock, MTX_UNOWNED);
	lock_init(lo, cls, name, flags, site);
}

extern "C" void fbsd_mtx_destroy(struct mtx *m, const char *file, int line)
{
	lock_object *lo = lo_of(m);
	uintptr v = load_relaxed(&m->mtx_lock);
	unsigned flags = load_relaxed(&lo->lo_flags);
	bool spin = (flags & LO_CLASSMASK) == kSpinClass;

	if (!(flags & LO_INITIALIZED)) {
		report(v == MTX_DESTROYED ? BSDSYNC_RULE_DESTROYED : BSDSYNC_RULE_UNINITIALIZED,
		       subject_of(lo), file, line,
		       v == MTX_DESTROYED ? "mtx_destroy of a destroyed mutex"
					  : "mtx_destroy of a mutex never initialised");
		return;
	}
	if (owner_of(v) == self()) {
		/* Owned once and uncontested: FreeBSD releases it silently. */
		if (v & (MTX_RECURSED | MTX_CONTESTED)) {
			report(BSDSYNC_RULE_DESTROY_HELD, subject_of(lo), file, line,
			       "mtx_destroy of a mutex that is %s",
			       (v & MTX_RECURSED) ? "recursed" : "waited on by other threads");
			return;
		}
		if (spin) {
			bsdsync_spin_cpu *spin_rec = bsdsync_spin_cpu_this();
			if (!(v & MTX_UNRECORDED))	/* taken inline: no event */
				lock_event_released(lo, kSpinType, kExcl, 0, file, line);
			store_release(&m->mtx_lock, MTX_DESTROYED);
			lock_destroy(lo);
			bsdsync_spinlock_exit_fast(spin_rec, m);
			return;
		}
		if (!(v & MTX_UNRECORDED))	/* taken inline: no record, no event */
			held_pop(m, file, line);
	} else if (v != MTX_UNOWNED) {
		report(BSDSYNC_RULE_DESTROY_HELD, subject_of(lo), file, line,
		       "mtx_destroy of a mutex %s", owner_of(v) ? "held by another thread"
								: "that threads are waiting for");
		return;
	}
	store_release(&m->mtx_lock, MTX_DESTROYED);
	lock_destroy(lo);
}

/* mtx_lock's CAS took a mutex that is not a live sleep mutex (never initialised, or a spin
 * mutex): give it back at once (waking whoever queued meanwhile), then report. */
BSDSYNC_COLD static void lock_undo_bad_class(mtx *m, const char *file, int line)
{
	uintptr v = self();
	if (!cas_release(&m->mtx_lock, &v, MTX_UNOWNED))
		release_contested(m);
	bad_class(m, kSleepClass, "mtx_lock", file, line);
}

/* mtx_lock and mtx_unlock while a lock-event sink is attached: the slow paths do the whole
 * operation and send every event (as FreeBSD's __mtx_lock goes to _mtx_lock_flags when
 * lockstat or witness is on), so that the fast paths carry no call and no event at all. */
static BSDSYNC_NOINLINE void lock_sleep_events(mtx *m, int opts, const char *file, int line)
{
	lock_acquiring(lo_of(m), kSleepType, kExcl, file, line);
	if (unlikely(!class_ok(m, kSleepClass))) {
		bad_class(m, kSleepClass, "mtx_lock", file, line);
		return;
	}
	lock_sleep_slow(m, load_relaxed(&m->mtx_lock), opts, file, line);
}

static BSDSYNC_NOINLINE void unlock_sleep_events(mtx *m, const char *file, int line)
{
	/* unlock_sleep_slow releases through the turnstile chain, contested or not. */
	unlock_sleep_slow(m, load_relaxed(&m->mtx_lock), file, line);
}

/* A release whose record was not the thread's newest (or that had no record): the slow
 * removal, out of line. */
static BSDSYNC_NOINLINE void unlock_sleep_record(ThreadState *t, mtx *m, const char *file, int line)
{
	held_released(t, lo_of(m), kSleepType, kExcl, file, line);
}

extern "C" void fbsd_mtx_lock_flags(struct mtx *m, int opts, const char *file, int line)
{
	if (unlikely(lock_events_on())) {
		lock_sleep_events(m, opts, file, line);
		return;
	}
	if (likely(!bsdsync_in_interrupt())) {
		thread *me = curthread();
		uintptr v = MTX_UNOWNED;
		/* Acquire: the critical section cannot move above the CAS. Pairs with the
		 * release in the unlock paths. The CAS comes before the class check: when the
		 * word's cache line is on another CPU, it is fetched once, for writing, rather
		 * than read for lo_flags and then upgraded. A CAS that took a mutex of the wrong
		 * class is undone. */
		if (likely(cas_acquire(&m->mtx_lock, &v, (uintptr)me))) {
			if (unlikely(!class_ok(m, kSleepClass))) {
				lock_undo_bad_class(m, file, line);
				return;
			}
			ThreadState *t = own_record_cached(me);
			if (likely(t))
				held_record(t, lo_of(m), kSleepType, kExcl, true, file, line);
			else
				held_push(m, 0, file, line);	/* finds (or creates) the record */
			return;
		}
	}
	if (unlikely(!class_ok(m, kSleepClass))) {
		bad_class(m, kSleepClass, "mtx_lock", file, line);	/* a tail call: no frame here */
		return;
	}
	lock_sleep_slow(m, load_relaxed(&m->mtx_lock), opts, file, line);
}

/* The release of fbsd_mtx_unlock_flags with the thread's record `t` (null: none, or in
 * interrupt context). */
static BSDSYNC_ALWAYS_INLINE void unlock_sleep_with(struct mtx *m, thread *me, ThreadState *t,
						    const char *file, int line)
{
	/* Drop the held record first, so that the mutex is free no longer than it must be
	 * before our next acquisition: a spinning waiter then finds it free only when we
	 * really let go (fewer cache-line transfers of the word under contention). */
	bool popped = t && held_pop_top_exact(t, lo_of(m), kExcl, true);
	uintptr v = (uintptr)me;
	if (likely(cas_release(&m->mtx_lock, &v, MTX_UNOWNED))) {
		/* The record names the lock by address only: it may be freed by now. */
		if (unlikely(!popped) && t)
			unlock_sleep_record(t, m, file, line);
		return;
	}
	if (popped)
		held_unpop(t);	/* the slow path pops it */
	unlock_sleep_slow(m, v, file, line);
}

/* The per-CPU record cache missed (the first release after a switch from another thread
 * that locked on this CPU): look the record up, out of line. */
static BSDSYNC_NOINLINE void unlock_sleep_uncached(struct mtx *m, const char *file, int line)
{
	thread *me = curthread();
	unlock_sleep_with(m, me, own_record_if_any(me), file, line);
}

extern "C" void fbsd_mtx_unlock_flags(struct mtx *m, int opts, const char *file, int line)
{
	if (unlikely(!class_ok(m, kSleepClass))) {
		bad_class(m, kSleepClass, "mtx_unlock", file, line);	/* a tail call: no frame here */
		return;
	}
	if (unlikely(lock_events_on())) {
		unlock_sleep_events(m, file, line);
		return;
	}
	thread *me = curthread();
	ThreadState *t = nullptr;
	if (likely(!bsdsync_in_interrupt())) {
		t = own_record_cached(me);
		if (unlikely(!t)) {
			unlock_sleep_uncached(m, file, line);
			return;
		}
	}
	unlock_sleep_with(m, me, t, file, line);
}

extern "C" int fbsd_mtx_trylock_flags(struct mtx *m, int opts, const char *file, int line)
{
	if (unlikely(!is_class(m, kSleepClass, "mtx_trylock", file, line)))
		return 0;
	uintptr v = MTX_UNOWNED;
	const uintptr me = self();
	if (likely(cas_acquire(&m->mtx_lock, &v, me))) {
		held_push(m, BSDSYNC_LE_TRY, file, line);
		return 1;
	}
	/* Free but CONTESTED (threads still queued after a hand-off): take it, and the duty
	 * to wake them, like any acquirer. Fails only while another thread owns it. */
	while (owner_of(v) == 0 && v != MTX_DESTROYED) {
		if (cas_acquire(&m->mtx_lock, &v, me | (v & MTX_CONTESTED))) {
			held_push(m, BSDSYNC_LE_TRY, file, line);
			if (v & MTX_CONTESTED)
				prio_claim(m, m);
			return 1;
		}
	}
	/* Modern FreeBSD: a try-lock recurses on a recursable mutex the caller owns
	 * (bsd-api-reference.md section 40, item 1). */
	if (owner_of(v) == me &&
	    ((m->lock_object.lo_flags & LO_RECURSABLE) || (opts & MTX_RECURSE))) {
		recurse(m, opts, file, line);
		return 1;
	}
	return 0;
}

namespace {

BSDSYNC_COLD void unlock_spin_not_owner(mtx *m, uintptr v, const char *file, int line)
{
	/* Not ours: no spinlock_enter of ours to undo, nothing to release. */
	report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo_of(m)), file, line,
	       owner_of(v) ? "mtx_unlock_spin of a spin mutex owned by another thread"
			   : "mtx_unlock_spin of an unlocked spin mutex");
}

/* mtx_unlock_spin of a recursed spin mutex, or of one released out of order. */
BSDSYNC_NOINLINE void unlock_spin_other(mtx *m, uintptr v, bsdsync_spin_cpu *spin_rec,
				       const char *file, int line)
{
	if (!unrecurse(m, file, line)) {
		if (!(v & MTX_UNRECORDED))	/* taken inline: no ACQUIRED was sent */
			lock_event_released(lo_of(m), kSpinType, kExcl, 0, file, line);
		store_release(&m->mtx_lock, MTX_UNOWNED);
	}
	bsdsync_spinlock_exit_fast(spin_rec, m);
}

/*
 * The spin-mutex fast paths, in two copies: Inline flips the interrupt flag and the preempt
 * count with inline instructions (a stock kernel), !Inline calls the kernel's own functions
 * (Xen PV, debug kernels that trace those changes): bsdsync_irq_inline, tested once.
 */
/* mtx_lock_spin's CAS took a mutex that is not a live spin mutex: give it back (waking
 * whoever queued on a sleep mutex meanwhile), spinlock_exit, then report. */
BSDSYNC_COLD void lock_spin_undo_bad_class(mtx *m, bsdsync_spin_cpu *spin_rec, const char *file,
					   int line)
{
	uintptr v = self();
	if (!cas_release(&m->mtx_lock, &v, MTX_UNOWNED))
		release_contested(m);
	bsdsync_spinlock_exit_fast(spin_rec, m);
	bad_class(m, kSpinClass, "mtx_lock_spin", file, line);
}

BSDSYNC_COLD void lock_spin_bad_class(mtx *m, bsdsync_spin_cpu *spin_rec, const char *file,
				      int line)
{
	bsdsync_spinlock_exit_fast(spin_rec, m);
	bad_class(m, kSpinClass, "mtx_lock_spin", file, line);
}

/* As in mtx_lock, the CAS comes before the class check (one fetch of the word's line). */
/* Events: the copy used while a lock-event sink is attached (lock_spin_events), which sends
 * ACQUIRING and ACQUIRED; the fast copies send none (lock_spin_slow sends CONTENDED and
 * ACQUIRED, only ever reached with events possible). */
template <bool Inline, bool Events = false> inline __attribute__((always_inline)) void
lock_spin(mtx *m, int opts, const char *file, int line)
{
	if (Events)
		lock_acquiring(lo_of(m), kSpinType, kExcl, file, line);
	bsdsync_spin_cpu *spin_rec = bsdsync_spinlock_enter_mode(m, Inline);
	uintptr v = MTX_UNOWNED;
	if (likely(cas_acquire(&m->mtx_lock, &v, self()))) {
		if (unlikely(!class_ok(m, kSpinClass)))
			lock_spin_undo_bad_class(m, spin_rec, file, line);
		else if (Events)
			lock_event_acquired(lo_of(m), kSpinType, kExcl, 0, file, line);
		return;
	}
	if (unlikely(!class_ok(m, kSpinClass))) {
		lock_spin_bad_class(m, spin_rec, file, line);
		return;
	}
	lock_spin_slow(m, v, spin_rec, opts, file, line);
}

template <bool Inline, bool Events = false> inline __attribute__((always_inline)) void
unlock_spin(mtx *m, const char *file, int line)
{
	uintptr v = load_relaxed(&m->mtx_lock);
	if (unlikely(owner_of(v) != self())) {
		unlock_spin_not_owner(m, v, file, line);
		return;
	}
	/* The owner holds interrupts off: this CPU's record is stable. */
	bsdsync_spin_cpu *spin_rec = bsdsync_spin_cpu_this();
	int n = spin_rec->held.count;
	/* Not recursed, and the newest one held on this CPU: the usual case. */
	if (unlikely((v & MTX_RECURSED) || n <= 0 || n > BSDSYNC_SPIN_TRACK ||
		     spin_rec->held.lock[n - 1] != m)) {
		unlock_spin_other(m, v, spin_rec, file, line);
		return;
	}
	if (Events)
		lock_event_released(lo_of(m), kSpinType, kExcl, 0, file, line);
	store_release(&m->mtx_lock, MTX_UNOWNED);
	/* This CPU's record: after the release is as good. The freed slot is left null
	 * (core/spin.h). */
	spin_rec->held.lock[n - 1] = nullptr;
	spin_rec->held.count = n - 1;
	bsdsync_spin_leave_mode(spin_rec, Inline);
}

BSDSYNC_NOINLINE void lock_spin_calls(mtx *m, int opts, const char *file, int line)
{
	lock_spin<false>(m, opts, file, line);
}

BSDSYNC_NOINLINE void unlock_spin_calls(mtx *m, const char *file, int line)
{
	unlock_spin<false>(m, file, line);
}

/* While a lock-event sink is attached (the kernel's own interrupt and preempt calls: this
 * path need not be fast). */
BSDSYNC_NOINLINE void lock_spin_events(mtx *m, int opts, const char *file, int line)
{
	lock_spin<false, true>(m, opts, file, line);
}

BSDSYNC_NOINLINE void unlock_spin_events(mtx *m, const char *file, int line)
{
	unlock_spin<false, true>(m, file, line);
}

} // namespace

extern "C" void fbsd_mtx_lock_spin_flags(struct mtx *m, int opts, const char *file, int line)
{
	if (unlikely(lock_events_on()))
		lock_spin_events(m, opts, file, line);
	else if (likely(bsdsync_irq_inline))
		lock_spin<true>(m, opts, file, line);
	else
		lock_spin_calls(m, opts, file, line);
}

/* The inline mtx_lock_spin of a driver built for production (<sys/mutex.h>) checked the
 * class, made its unnamed spinlock_enter and found the word held: the rest is
 * lock_spin_slow's (recursion, or wait with interrupts let in: its first exit and enter
 * name the mutex in this CPU's record). The word is read again (a word seen free there is
 * simply tried again). */
extern "C" void fbsd_mtx_lock_spin_hard(struct mtx *m, int opts, const char *file, int line)
{
	lock_spin_slow(m, load_relaxed(&m->mtx_lock), bsdsync_spin_cpu_this(), opts, file, line);
}

extern "C" void fbsd_mtx_unlock_spin_flags(struct mtx *m, int opts, const char *file, int line)
{
	if (unlikely(!class_ok(m, kSpinClass))) {
		bad_class(m, kSpinClass, "mtx_unlock_spin", file, line);	/* a tail call: no frame here */
		return;
	}
	if (unlikely(lock_events_on()))
		unlock_spin_events(m, file, line);
	else if (likely(bsdsync_irq_inline))
		unlock_spin<true>(m, file, line);
	else
		unlock_spin_calls(m, file, line);
}

extern "C" int fbsd_mtx_trylock_spin_flags(struct mtx *m, int opts, const char *file, int line)
{
	if (unlikely(!is_class(m, kSpinClass, "mtx_trylock_spin", file, line)))
		return 0;
	if (unlikely(opts & MTX_RECURSE)) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject_of(lo_of(m)), file, line,
		       "mtx_trylock_spin does not take MTX_RECURSE");
		return 0;
	}
	bsdsync_spin_cpu *spin_rec = bsdsync_spinlock_enter_fast(m);
	uintptr v = MTX_UNOWNED;
	/* Never recurses, even on a recursable spin mutex the caller holds. */
	if (cas_acquire(&m->mtx_lock, &v, self())) {
		lock_event_acquired(lo_of(m), kSpinType, kExcl, BSDSYNC_LE_TRY, file, line);
		return 1;
	}
	bsdsync_spinlock_exit_fast(spin_rec, m);
	return 0;
}

extern "C" int fbsd_mtx_owned(const struct mtx *m)
{
	return owner_of(load_relaxed(&m->mtx_lock)) == self();
}

extern "C" int fbsd_mtx_recursed(const struct mtx *m)
{
	return fbsd_mtx_owned(m) && m->lock_object.lo_data != 0;
}

extern "C" struct thread *fbsd_mtx_owner(const struct mtx *m)
{
	uintptr v = load_relaxed(&m->mtx_lock);
	return v == MTX_DESTROYED ? nullptr : (struct thread *)owner_of(v);
}

extern "C" void fbsd_mtx_spin_wait_unlocked(struct mtx *m)
{
	while (owner_of(load_acquire(&m->mtx_lock)) != 0)
		bsdsync_cpu_relax();
}

extern "C" void fbsd_mtx_assert(const struct mtx *m, int what, const char *file, int line)
{
	const lock_object *lo = lo_of(m);
	bool owned = fbsd_mtx_owned(m);
	bool recursed = owned && lo->lo_data != 0;

	switch (what) {
	case MA_OWNED:
	case MA_OWNED | MA_RECURSED:
	case MA_OWNED | MA_NOTRECURSED:
		if (!owned)
			report(BSDSYNC_RULE_ASSERTION, subject_of(lo), file, line,
			       "mtx_assert: mutex not owned");
		else if (recursed && (what & MA_NOTRECURSED))
			report(BSDSYNC_RULE_ASSERTION, subject_of(lo), file, line,
			       "mtx_assert: mutex recursed");
		else if (!recursed && (what & MA_RECURSED))
			report(BSDSYNC_RULE_ASSERTION, subject_of(lo), file, line,
			       "mtx_assert: mutex not recursed");
		break;
	case MA_NOTOWNED:
		if (owned)
			report(BSDSYNC_RULE_ASSERTION, subject_of(lo), file, line,
			       "mtx_assert: mutex owned");
		break;
	default:
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject_of(lo), file, line,
		       "mtx_assert: unknown assertion 0x%x", what);
	}
}

/* DROP_GIANT()/PICKUP_GIANT() */
extern "C" unsigned int fbsd_drop_giant(const char *file, int line)
{
	return giant_drop(file, line);
}

extern "C" void fbsd_pickup_giant(unsigned int depth, const char *file, int line)
{
	giant_pickup(depth, file, line);
}

/* MTX_SYSINIT's init and uninit functions, run by the SYSINIT notifier. */
extern "C" void fbsd_mtx_sysinit(const void *arg)
{
	auto *args = static_cast<const struct mtx_args *>(arg);
	fbsd_mtx_init(static_cast<struct mtx *>(args->ma_mtx), args->ma_desc, nullptr,
		      args->ma_opts, args->ma_site);
}

extern "C" void fbsd_mtx_sysuninit(const void *arg)
{
	fbsd_mtx_destroy(static_cast<struct mtx *>(const_cast<void *>(arg)),
			 "MTX_SYSINIT", 0);
}
