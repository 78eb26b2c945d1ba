/*
 * The shared/exclusive lock of sx(9) and rwlock(9): one implementation, parameterised by a
 * SharedLockKind (shared_lock.h).
 *
 * The word (sx_lock / rw_lock, include/bsdsync/freebsd/sx.h) is either
 *   SHARED | n << 5 | waiter bits       n shared holds (n = 0: free), or
 *   owner | UNRECORDED? | RECURSED? | waiter bits   held exclusively by `owner`,
 * with SHARED_WAITERS / EXCLUSIVE_WAITERS saying that threads may be queued on the lock's
 * channel of its wait table (WaitQueueId::SharedLockers / ExclusiveLockers). UNLOCKED is
 * SHARED with no holds and no bits; a free word may carry bits (FREE|bits below) while woken
 * waiters have not yet come back for the lock. Transitions:
 *
 *   UNLOCKED            -> owner             xlock fast path: one CAS, acquire
 *   owner               -> UNLOCKED          xunlock fast path: one CAS, release
 *   UNLOCKED            -> owner|UNRECORDED  the inline sx_xlock/rw_wlock of a driver built
 *                                            for production (<sys/sx.h>, <sys/rwlock.h>):
 *                                            one CAS, acquire, no held-locks record and no
 *                                            event. The bit stays with the exclusive hold
 *                                            (recursion and waiter bits come and go beside
 *                                            it) and tells xunlock_slow and downgrade that
 *                                            there is no exclusive record to remove nor
 *                                            RELEASED to send; every release, downgrade or
 *                                            new owner drops it
 *   owner|UNRECORDED    -> UNLOCKED          the inline xunlock: one CAS, release (any other
 *                                            word fails it into the module's xunlock)
 *   FREE|bits           -> owner|bits        xlock slow path or try_xlock: the new owner
 *                                            keeps the bits and so the duty to wake (rw:
 *                                            and inherits the queued threads' priority)
 *   SHARED|n|bits       -> SHARED|n+1|bits   slock: one CAS, acquire, only while no writer
 *                                            waits or spins (EXCLUSIVE_WAITERS and
 *                                            WRITE_SPINNER clear), or by a thread already
 *                                            holding a shared lock of the kind, or a
 *                                            try_slock, or an interrupt (which cannot
 *                                            wait: lock_in_interrupt); n = 0 included
 *   SHARED|n            -> SHARED|n+1        the inline rw_rlock/sx_slock of a driver built
 *                                            for production (<sys/lock.h>): one CAS,
 *                                            acquire, only with no waiter or spinner bit,
 *                                            and only while the per-CPU record cache holds
 *                                            the thread's record, whose count for the kind
 *                                            it then bumps (no held-locks record, no event:
 *                                            shared_lock.h, "per-thread bookkeeping", says
 *                                            how the count keeps the rule below true)
 *   SHARED|n+1|bits     -> SHARED|n|bits     sunlock fast path, n >= 1: one CAS, release
 *                                            (the inline rw_runlock/sx_sunlock too, with no
 *                                            bits when n = 0, for a thread whose holds of
 *                                            the kind are all inline ones; any other case
 *                                            is the module's, whose release takes an inline
 *                                            hold off the count when the thread has no
 *                                            record of the lock)
 *   SHARED|1[|SPINNER]  -> UNLOCKED[|SPINNER] last sunlock without waiters: one CAS,
 *                                            release; a spinning writer's bit stays, so
 *                                            the free lock is that writer's to take (new
 *                                            readers keep out: FreeBSD __rw_runlock_try)
 *   SHARED|n|bits       -> ...|WRITE_SPINNER a writer finding the lock read-held (n >= 1)
 *                                            sets it by CAS and spins a bounded while for
 *                                            the readers to leave (FreeBSD
 *                                            RW_LOCK_WRITE_SPINNER), new readers keeping out;
 *                                            it clears it by CAS if it stops with readers
 *                                            still in. Only ever in shared mode: with holds,
 *                                            or on the free word the last reader left, until
 *                                            a writer takes it (UNLOCKED|bits counts as free
 *                                            for the xlock slow path, which drops the bit);
 *                                            a release with waiters and try_upgrade drop it
 *   owner               -> owner|RECURSED    exclusive recursion (lo_data counts); only the
 *                                            owner writes it, the unlock CAS then fails into
 *                                            the slow path, which counts down. An interrupt
 *                                            that takes (either mode) the lock its
 *                                            interrupted thread owns recurses the same way,
 *                                            on the owner's CPU, and counts down before it
 *                                            returns (lock_in_interrupt)
 *   held | WAITERS bit  set by a thread about to queue, under the chain Guard of the lock,
 *                       before it queues: from then on the holder's release CAS fails and
 *                       its slow path takes the same Guard and finds the waiter (no lost
 *                       wakeup). A reader may also queue on FREE|EXCLUSIVE_WAITERS: a woken
 *                       writer is on its way, and will own the bits and wake it.
 *   SHARED|1|bits or    -> release with waiters, under the Guard, by the last holder (store
 *   owner|bits             or CAS, release): the lock is left free, never handed to a thread
 *                          that is not running (that made a convoy: one sleep and wakeup per
 *                          ownership change). If a writer is queued (writers preferred, as
 *                          FreeBSD): FREE|EXCLUSIVE_WAITERS|SHARED_WAITERS? and the best
 *                          writer is woken; EXCLUSIVE_WAITERS stays set even if it was the
 *                          last queued writer, so arriving readers do not pass it before it
 *                          runs (an arriving writer may take the lock: it is running). Else
 *                          UNLOCKED and every queued reader is woken. The woken threads
 *                          retry the acquisition like any arrival (spinning, queueing again).
 *   owner|bits          -> SHARED|1+m|EXCL?  downgrade, under the Guard: the m queued readers
 *                                            are counted in and woken holding it (no
 *                                            convoy: the downgrader keeps running, holding it
 *                                            beside them); a queued writer keeps its bit
 *   SHARED|1|bits       -> owner|bits        try_upgrade of the sole shared hold: one CAS
 *   UNLOCKED            -> DESTROYED         destroy
 *
 * Invariants, kept under the Guard: in shared or free mode SHARED_WAITERS implies
 * EXCLUSIVE_WAITERS (readers only wait behind a writer, queued or woken and on its way);
 * EXCLUSIVE_WAITERS on a free or shared word with no writer queued means a woken writer has
 * not yet acquired or queued again: it will, and then owns (or has re-set) the bits. A waiter
 * that gives up (a signal for the _sig forms) recomputes the bits from the queues under the
 * chain lock it unlinks itself with (its bit still set, no holder can finish a release
 * meanwhile) and, if no writer is queued any more in front of queued readers of a free or
 * shared-mode lock, clears the bits and wakes those readers to retry.
 *
 * Writer starvation (FreeBSD __sx_can_read / __rw_can_read): a new reader waits while a
 * writer waits, unless the thread already holds a shared lock of the same kind (the per-thread
 * count, which has the inline holds too), which would otherwise deadlock on its own
 * recursion. The inline read path never passes a waiting writer itself (it falls back on any
 * waiter bit), so this decision is always the module's, made with the whole count.
 *
 * Every release ends with one store or CAS to the word and touches the lock no more: the woken
 * threads' Waiter records are on their own stacks, the chain lock is in the wait table, and the
 * channel is only used as a key. The next owner may free the lock at once.
 *
 * Readers and writers spin while the exclusive owner runs on a CPU (adaptive), then queue; a
 * writer also spins a bounded while on a read-held lock, and a reader a bounded while on a
 * spinning writer. An sx wait releases Giant in full before it first spins or blocks and
 * takes it back only once the wait is over, the lock acquired (FreeBSD GIANT_SAVE and
 * GIANT_RESTORE in _sx_xlock_hard/_sx_slock_hard): a waiter that kept Giant while it spun on
 * a running owner that wants Giant would burn both CPUs. rw waits keep Giant, as FreeBSD's
 * turnstile waits do. A thread that may not block (interrupt or atomic context: a spin mutex
 * held, a critical section; core/thread.h may_block) is reported once and spins for the lock
 * instead of queueing (it sets no waiter bit).
 */
#include "freebsd/shared_lock.h"
#include "core/adaptive.h"
#include "core/prio.h"
#include "freebsd/sleep.h"

namespace bsdsync::fbsd {

using namespace lock_word;

namespace {

inline ReportSubject subj(const SharedLock *l) { return subject_of(&l->lo); }

/* One more recursion level of the owner's hold: its unlock CAS now fails into unrecurse. */
inline void recursion_add(SharedLock *l)
{
	l->lo.lo_data++;
	fetch_or_relaxed(&l->word, kRecursed);
}

/* The exclusive owner takes it once more: reported on a non-recursive lock, then recursed
 * anyway, so the caller's unlocks stay balanced (as mtx does). */
void recurse(const SharedLockKind &k, SharedLock *l, const char *op, const char *file, int line)
{
	if (!(l->lo.lo_flags & LO_RECURSABLE))
		report(BSDSYNC_RULE_RECURSION, subj(l), file, line,
		       "%s: recursed on a non-recursive %s lock", op, k.name);
	recursion_add(l);
	lock_event_acquired(&l->lo, k.type, kExclusiveHold, BSDSYNC_LE_RECURSE, file, line);
}

bool unrecurse(SharedLock *l)
{
	if (!(load_relaxed(&l->word) & kRecursed))
		return false;
	if (--l->lo.lo_data == 0)
		fetch_and_relaxed(&l->word, ~kRecursed);
	return true;
}

/*
 * Under g, the last holder leaving (its store or CAS of the returned word is the release):
 * the word the lock is left with, and whom to wake. The lock is never handed to a sleeping
 * thread: it is left free and the woken threads compete for it again, like any arrival.
 * A queued writer is preferred (FreeBSD): the best one is woken (*writer, still queued: take
 * it after the store succeeds) and EXCLUSIVE_WAITERS stays set until it has run, so that
 * arriving readers do not pass it (an arriving writer may take the lock: no convoy);
 * SHARED_WAITERS stays while readers are queued. Else every queued reader is woken (*readers)
 * and the word is plain UNLOCKED.
 */
uintptr release_word(const SharedLockKind &k, SharedLock *l, WaitTable::Guard &g,
		     Waiter **writer, bool *readers)
{
	WaitTable &t = *k.table;
	bool queued_readers = t.has_waiters(g, l, WaitQueueId::SharedLockers);
	*writer = t.peek_one(g, l, WaitQueueId::ExclusiveLockers);
	*readers = !*writer && queued_readers;
	if (*writer)
		return kUnlocked | kExclusiveWaiters | (queued_readers ? kSharedWaiters : 0);
	return kUnlocked;
}

/* After the word from release_word() is stored: wake whom it chose, once the chain is
 * released (`later` is declared before the Guard). */
void wake_released(const SharedLockKind &k, SharedLock *l, WaitTable::Guard &g, Waiter *writer,
		   bool readers, WakeList &later)
{
	WaitTable &t = *k.table;
	if (writer) {
		/* The chain is still held: take_one picks a queued writer (the best one by the
		 * priorities now, as peek_one did). */
		t.wake_taken(g, t.take_one(g, l, WaitQueueId::ExclusiveLockers), later);
	} else if (readers) {
		t.wake_all(g, l, WaitQueueId::SharedLockers, later);
	}
}

/*
 * A waiter gave up (a signal for the _sig forms), under the chain Guard g it unlinked itself
 * with: its bit may now claim waiters that are gone. Recompute the bits from the queues; if
 * no writer waits any more in front of queued readers of a free or shared-mode lock, clear
 * the bits and wake those readers to retry. Safe against unlock-then-free: our bit is still
 * set, so no holder can finish a release without this Guard.
 */
struct SettleArgs {
	const SharedLockKind *k;
	SharedLock *l;
};

void settle(WaitTable::Guard &g, void *arg)
{
	const SharedLockKind &k = *static_cast<SettleArgs *>(arg)->k;
	SharedLock *l = static_cast<SettleArgs *>(arg)->l;
	WaitTable &t = *k.table;
	uintptr v = load_relaxed(&l->word);
	for (;;) {
		if (v == kDestroyed)
			return;
		bool writers = t.has_waiters(g, l, WaitQueueId::ExclusiveLockers);
		bool readers = t.has_waiters(g, l, WaitQueueId::SharedLockers);
		if ((v & kShared) && !writers && readers) {
			if ((v & kWaiters) == 0 || cas_relaxed(&l->word, &v, v & ~kWaiters)) {
				t.wake_all(g, l, WaitQueueId::SharedLockers);
				return;
			}
			continue;
		}
		uintptr nv = (v & ~kWaiters) | (writers ? kExclusiveWaiters : 0) |
			     (readers ? kSharedWaiters : 0);
		if (nv == v || cas_relaxed(&l->word, &v, nv))
			return;
	}
}

/* The owner a thread blocked on an rw lock lends its priority to: the writer, if one holds
 * it (core/prio.h; read in RCU sections). Read holds have no owner to lend to (FreeBSD). */
thread *prio_writer(const void *lock)
{
	return (thread *)owner_of(load_relaxed(&static_cast<const SharedLock *>(lock)->word));
}

/* Priority propagation is for locks on turnstiles (rw), not sleep queues (sx), as FreeBSD. */
inline bool propagates(const SharedLockKind &k) { return k.table == &turnstiles; }

/* block()'s results besides 0 and the errors: woken to compete for the lock again. */
constexpr int kRetry = -1;
/* The `woken` token of readers that shared_lock_downgrade counted in as shared holders. */
constexpr int kGranted = 2;

/*
 * Queue on the lock (chain held by g, our bit set) and block; an sx waiter's Giant is already
 * released (the caller's GiantSave). Returns kRetry when woken by a release (the lock was
 * left free: compete for it again), 0 when a downgrade let us in (a reader, already counted
 * in the word), or the error of a signal (EINTR/ERESTART).
 */
int block(const SharedLockKind &k, SharedLock *l, WaitTable::Guard &g, WaitQueueId queue,
	  bool interruptible, const char *file, int line)
{
	Waiter w;
	SettleArgs settle_args{ &k, l };
	/* The blocking tail (core/block.h). sx is a sleep (its Giant is already gone), rw a
	 * lock wait that keeps Giant and lends to the writer. */
	BlockOptions o;
	o.kind = k.drop_giant ? BlockKind::Sleep : BlockKind::Lock;
	o.state = interruptible ? BSDSYNC_BLOCK_INTERRUPTIBLE : k.block_state;
	if (propagates(k)) {
		o.lend_key = l;
		o.lend_owner = prio_writer;
	}
	o.leave = settle;
	o.leave_arg = &settle_args;
	o.file = file;
	o.line = line;
	int r = block_on(*k.table, g, w, l, queue, o);
	int error = kRetry;
	if (r == BSDSYNC_WOKEN) {
		/* A downgrade counted us in before its release store of w.woken, which our
		 * acquire load of it (in wait) orders before this point. */
		if (load_relaxed(&w.woken) == kGranted) {
			shared_acquired(k, current_record(), l, 0, file, line);
			error = 0;
		}
	} else {
		error = block_errno(static_cast<bsdsync_block_result>(r));	/* settled in wait() */
	}
	return error;
}

BSDSYNC_COLD void report_destroyed_while_waiting(SharedLock *l, const char *op,
						 const char *file, int line);

/*
 * Take the lock by spinning, for a caller that cannot block (interrupt or atomic context,
 * reported already): 0, or EINVAL if it was destroyed meanwhile (reported). A reader passes
 * waiting writers (it cannot wait behind them). The caller records the hold.
 */
int spin_acquire(SharedLock *l, uintptr v, bool exclusive, const char *op, const char *file,
		 int line)
{
	SpinCount spins;
	for (;;) {
		if (v == kDestroyed) {
			report_destroyed_while_waiting(l, op, file, line);
			return BSDSYNC_EINVAL;
		}
		if (exclusive ? writable(v) : (v & kShared) != 0) {
			/* Acquire: pairs with the release of the last holder's unlock or
			 * downgrade. */
			if (cas_acquire(&l->word, &v,
					exclusive ? self() | (v & kWaiters) : v + kOneSharer))
				return 0;
			continue;
		}
		bsdsync_cpu_relax();
		spins.tick();
		v = load_relaxed(&l->word);
	}
}

/*
 * A thread in atomic context (a spin mutex held, a critical section, ...) must not block:
 * report once (core/thread.h may_block) and spin for the lock instead. False if it may block.
 */
bool spin_if_atomic(const SharedLockKind &k, SharedLock *l, uintptr v, bool exclusive,
		    const char *op, const char *file, int line, int *error)
{
	if (likely(may_block(subj(l), nullptr, op, "spinning for it instead", file, line)))
		return false;
	*error = spin_acquire(l, v, exclusive, op, file, line);
	if (*error == 0) {
		if (exclusive)
			exclusive_acquired(k, current_record(), l, 0, file, line);
		else
			shared_acquired(k, current_record(), l, 0, file, line);
	}
	return true;
}

/*
 * In interrupt context (curthread is the interrupted thread): does the interrupted thread hold
 * l shared? Read from its held-locks stack, which only it writes, and it is off this CPU's
 * stack until the interrupt returns (holds below the recorded ones count as yes). Not seen: a
 * hold whose CAS is done and whose record is not written yet (the few instructions between
 * the two in the acquisitions).
 */
bool interrupted_holds_shared(const SharedLockKind &k, const SharedLock *l)
{
	return holds_shared(k, current_record_if_any_in_thread(), l);
}

/*
 * Interrupt context cannot block: report, then take the lock by spinning (the caller still
 * gets exclusion). Unless the interrupted thread holds it, which it cannot release until this
 * interrupt returns:
 *  - exclusively: the interrupt gets a recursion level of the owner's hold, in either mode
 *    (the owner is off this CPU's stack: the interrupt has exclusion). Its xunlock or
 *    sunlock only counts it down (unrecurse; shared_lock_sunlock_slow knows this case). Without it,
 *    its xunlock's CAS, which expects `self()`, would release the owner's hold.
 *  - shared, and an exclusive hold is asked for: it can never be granted (spinning would
 *    lock the CPU up); the interrupt gets one more shared hold instead, which keeps writers
 *    out but not other readers (the report says so), and its xunlock (or unlock) gives that
 *    hold back (shared_lock_xunlock_slow knows this case).
 * Either way the interrupted thread's hold is as it was once the interrupt has unlocked.
 */
BSDSYNC_COLD int lock_in_interrupt(const SharedLockKind &k, SharedLock *l, bool exclusive,
				   const char *op, const char *file, int line)
{
	uintptr v = load_relaxed(&l->word);
	if (owner_of(v) == self()) {
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, subj(l), file, line,
		       "%s in an interrupt that interrupted the lock's owner (counted as a "
		       "recursion of the owner's hold)", op);
		recursion_add(l);
		lock_event_acquired(&l->lo, k.type, kExclusiveHold, BSDSYNC_LE_RECURSE, file, line);
		return 0;
	}
	if (exclusive && sharers(v) > 0 && interrupted_holds_shared(k, l)) {
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, subj(l), file, line,
		       "%s in an interrupt that interrupted a thread holding it shared: it can "
		       "never be granted; taken shared instead (no exclusion from readers)", op);
		exclusive = false;
	} else {
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, subj(l), file, line,
		       "%s in interrupt context (%s locks may block)", op, k.name);
	}
	int error = spin_acquire(l, v, exclusive, op, file, line);
	if (error == 0)	/* no thread record in an interrupt: the event only */
		held_acquired(nullptr, &l->lo, k.type, exclusive ? kExclusiveHold : kSharedHold, 0,
			      file, line);
	return error;
}

BSDSYNC_COLD void report_destroyed_while_waiting(SharedLock *l, const char *op,
						 const char *file, int line)
{
	report(BSDSYNC_RULE_DESTROYED, subj(l), file, line,
	       "%s of a lock destroyed while the thread waited for it", op);
}

inline bool may_spin(const SharedLock *l)
{
	return !(load_relaxed(&l->lo.lo_flags) & kNoAdaptive);
}

/* How long a writer spins on a read-held lock, and a reader on a spinning writer, before
 * queueing (FreeBSD rowner_loops / asx_loops): read holders cannot be seen running, so the
 * spin is bounded instead. */
constexpr unsigned kReadHeldSpins = 1000;

/*
 * A writer found the lock held shared: spin a bounded while for the readers to leave, with
 * WRITE_SPINNER set so that new readers keep out (FreeBSD RW_LOCK_WRITE_SPINNER; a thread
 * that already holds a shared lock of the kind still passes). Set only on a word with shared
 * holds; the last reader's release keeps it, so the free lock waits for this writer (the
 * caller's next look takes it: shared_lock_xlock_slow, which drops the bit); the spinner
 * clears it if it stops with readers still in. Returns the word last seen.
 */
uintptr spin_on_readers(SharedLock *l, uintptr v)
{
	if (!(v & kWriteSpinner) && !cas_relaxed(&l->word, &v, v | kWriteSpinner))
		return v;
	SpinCount spins;
	for (unsigned i = 0; i < kReadHeldSpins; i++) {
		bsdsync_cpu_relax();
		spins.tick();
		v = load_relaxed(&l->word);
		if (!(v & kShared) || sharers(v) == 0)
			return v;	/* free (the bit kept for us) or taken */
	}
	while ((v & kWriteSpinner) && sharers(v) > 0 &&
	       !cas_relaxed(&l->word, &v, v & ~kWriteSpinner)) {
	}
	return load_relaxed(&l->word);
}

/* A reader found a writer spinning on the readers: it will soon own the lock or stop. */
uintptr spin_on_spinner(SharedLock *l, uintptr v)
{
	SpinCount spins;
	for (unsigned i = 0; i < kReadHeldSpins && (v & kShared) && (v & kWriteSpinner); i++) {
		bsdsync_cpu_relax();
		spins.tick();
		v = load_relaxed(&l->word);
	}
	return v;
}

/* wait_for_lock()'s result besides block()'s: woken by a release (block()'s kRetry), as
 * opposed to kRetry, the word changed before we queued. */
constexpr int kWoken = -2;

/*
 * The part of both slow loops between a failed attempt on word v and the queueing: a
 * destroyed lock is reported (EINVAL); an sx waiter lets Giant go (it spins or blocks from
 * here); an exclusive owner running on a CPU is spun on (kRetry, v reloaded). 0: go on.
 */
int before_waiting(const SharedLockKind &k, SharedLock *l, uintptr &v, GiantSave &giant,
		   const char *op, const char *file, int line)
{
	if (unlikely(v == kDestroyed)) {
		report_destroyed_while_waiting(l, op, file, line);
		return BSDSYNC_EINVAL;
	}
	/* From here the thread spins or blocks: not with Giant (sx). */
	if (k.drop_giant)
		giant.drop();
	/* Adaptive: an exclusive owner running on a CPU will release soon. */
	uintptr owner = owner_of(v);
	if (owner && may_spin(l) && adaptive_spin(&l->word, owner, ~kOwnerFlags)) {
		v = load_relaxed(&l->word);
		return kRetry;
	}
	return 0;
}

/*
 * Queue on `queue` and block, unless the word (read again under the chain Guard) is
 * destroyed or now `available` (then kRetry, v the word seen). `waiter_bit` is set before
 * queueing, under the Guard: the holders' release CAS now fails and their slow path takes
 * this Guard and wakes us. Returns kWoken (v reloaded), or block()'s 0 or error.
 */
template <typename Available>
int wait_for_lock(const SharedLockKind &k, SharedLock *l, uintptr &v, WaitQueueId queue,
		  uintptr waiter_bit, Available available, bool interruptible, const char *file,
		  int line)
{
	WaitTable::Guard g(*k.table, l);
	v = load_relaxed(&l->word);
	if (v == kDestroyed || available(v))
		return kRetry;	/* released meanwhile: retry (g unlocks) */
	if (!(v & waiter_bit) && !cas_relaxed(&l->word, &v, v | waiter_bit))
		return kRetry;
	int error = block(k, l, g, queue, interruptible, file, line);
	if (error != kRetry)
		return error;
	v = load_relaxed(&l->word);
	return kWoken;
}

} // namespace

bool shared_lock_bad(const SharedLockKind &k, const SharedLock *l, const char *op, const char *file,
		     int line)
{
	unsigned flags = load_relaxed(&l->lo.lo_flags);
	if (load_relaxed(&l->word) == kDestroyed &&
	    ((flags & LO_CLASSMASK) >> LO_CLASSSHIFT) == k.class_index)
		report(BSDSYNC_RULE_DESTROYED, subj(l), file, line, "%s of a destroyed %s lock", op,
		       k.name);
	else if (!(flags & LO_INITIALIZED))
		report(BSDSYNC_RULE_UNINITIALIZED, subj(l), file, line,
		       "%s of a lock never initialised", op);
	else
		report(BSDSYNC_RULE_WRONG_CLASS, subj(l), file, line, "%s of a lock that is not %s",
		       op, k.name);
	return false;
}

int shared_lock_refuse(const SharedLockKind &k, const SharedLock *l, const char *op,
		       const char *file, int line)
{
	shared_lock_bad(k, l, op, file, line);
	return BSDSYNC_EINVAL;
}

int shared_lock_xlock_slow(const SharedLockKind &k, SharedLock *l, uintptr v, bool interruptible,
			   const char *op, const char *file, int line)
{
	const uintptr me = self();

	if (unlikely(bsdsync_in_interrupt()))
		return lock_in_interrupt(k, l, true, op, file, line);
	if (owner_of(v) == me) {
		recurse(k, l, op, file, line);
		return 0;
	}
	bool spun_on_readers = false;
	bool contended = false;
	GiantSave giant(file, line);	/* taken back on return: acquired, or an error */
	for (;;) {
		if (writable(v)) {
			/* Free, maybe with waiter bits: the new owner keeps them and wakes the
			 * waiters when it releases (a woken writer competes like any arrival).
			 * A spinning writer's bit (the last reader left it: spin_on_readers)
			 * goes: the lock is a writer's now. */
			/* Acquire: pairs with the release of the previous holder's unlock. */
			if (cas_acquire(&l->word, &v, me | (v & kWaiters))) {
				exclusive_acquired(k, current_record(), l, 0, file, line);
				if ((v & kWaiters) && propagates(k))
					prio_claim(l, l);	/* inherit the queued waiters' */
				return 0;
			}
			continue;
		}
		if (!contended) {
			contended = true;
			lock_contended(&l->lo, k.type, kExclusiveHold, file, line);
		}
		if (int go = before_waiting(k, l, v, giant, op, file, line)) {
			if (go == kRetry)
				continue;
			return go;
		}
		/* Read-held: a bounded spin, once per attempt (again after each wakeup). */
		if (sharers(v) > 0 && !spun_on_readers && may_spin(l)) {
			spun_on_readers = true;
			v = spin_on_readers(l, v);
			continue;
		}

		int spun;
		if (unlikely(spin_if_atomic(k, l, v, true, op, file, line, &spun)))
			return spun;

		int error = wait_for_lock(k, l, v, WaitQueueId::ExclusiveLockers, kExclusiveWaiters,
					  [](uintptr w) { return writable(w); },
					  interruptible, file, line);
		if (error == kWoken)
			spun_on_readers = false;
		else if (error != kRetry)
			return error;
	}
}

int shared_lock_slock_slow(const SharedLockKind &k, SharedLock *l, uintptr v, bool interruptible,
			   const char *op, const char *file, int line)
{
	const uintptr me = self();

	if (unlikely(bsdsync_in_interrupt()))
		return lock_in_interrupt(k, l, false, op, file, line);
	if (unlikely(owner_of(v) == me)) {
		report(BSDSYNC_RULE_RECURSION, subj(l), file, line,
		       "%s of a %s lock the thread holds exclusively (would deadlock): not taken",
		       op, k.name);
		return BSDSYNC_EDEADLK;
	}
	/* A thread that already holds a shared lock of this kind passes waiting writers: it
	 * may be recursing, and waiting behind a writer that waits for it would deadlock
	 * (FreeBSD: td_rw_rlocks / td_sx_slocks nonzero). The count has every such hold,
	 * recorded or taken inline (shared_lock.h); held_any adds the ones below the recorded
	 * holds of a deep stack. */
	ThreadState *t = current_record();
	const bool passes = t && (shared_count(k, t) != 0 || held_any(t, k.type, kSharedHold));
	const uintptr stops = passes ? 0 : kExclusiveWaiters | kWriteSpinner;
	bool contended = false;
	GiantSave giant(file, line);	/* taken back on return: acquired, or an error */
	for (;;) {
		if ((v & kShared) && !(v & stops)) {
			/* Acquire: pairs with the release of the last writer's unlock or
			 * downgrade. */
			if (cas_acquire(&l->word, &v, v + kOneSharer)) {
				shared_acquired(k, t, l, 0, file, line);
				return 0;
			}
			continue;
		}
		if (!contended) {
			contended = true;
			lock_contended(&l->lo, k.type, kSharedHold, file, line);
		}
		if (int go = before_waiting(k, l, v, giant, op, file, line)) {
			if (go == kRetry)
				continue;
			return go;
		}
		if ((v & kShared) && (v & kWriteSpinner) && !(v & kExclusiveWaiters)) {
			uintptr was = v;
			v = spin_on_spinner(l, v);
			if (v != was)
				continue;
		}

		int spun;
		if (unlikely(spin_if_atomic(k, l, v, false, op, file, line, &spun)))
			return spun;

		int error = wait_for_lock(k, l, v, WaitQueueId::SharedLockers, kSharedWaiters,
					  [stops](uintptr w) { return (w & kShared) && !(w & stops); },
					  interruptible, file, line);
		if (error != kWoken && error != kRetry)
			return error;
	}
}

BSDSYNC_NOINLINE int shared_lock_with_events(const SharedLockKind &k, SharedLock *l,
					     bool exclusive, bool interruptible, const char *op,
					     const char *file, int line)
{
	lock_acquiring(&l->lo, k.type, exclusive ? kExclusiveHold : kSharedHold, file, line);
	return shared_lock_acquire_checked(k, l, exclusive, interruptible, op, file, line);
}

BSDSYNC_NOINLINE void shared_lock_release_record(const SharedLockKind &k, ThreadState *t,
						 const SharedLock *l, HoldMode mode,
						 const char *file, int line)
{
	if (!t)
		t = current_record_if_any();	/* the fast path's record cache missed */
	held_released(t, &l->lo, k.type, mode, file, line);
}

int shared_lock_acquire_checked(const SharedLockKind &k, SharedLock *l, bool exclusive,
				bool interruptible, const char *op, const char *file, int line)
{
	if (k.sleepable)
		check_may_sleep_with_locks(nullptr, op, file, line);
	uintptr v = load_relaxed(&l->word);
	return exclusive ? shared_lock_xlock_slow(k, l, v, interruptible, op, file, line)
			 : shared_lock_slock_slow(k, l, v, interruptible, op, file, line);
}

void shared_lock_xunlock_slow(const SharedLockKind &k, SharedLock *l, const char *op,
			      const char *file, int line)
{
	uintptr v = load_relaxed(&l->word);
	if (unlikely(bsdsync_in_interrupt()) && sharers(v) > 0 && interrupted_holds_shared(k, l)) {
		/* The pair of an exclusive acquisition that lock_in_interrupt turned into a
		 * shared hold (and reported): give that hold back. (An interrupt's xunlock
		 * without that acquisition, a misuse, cannot be told apart from it here.) */
		shared_lock_sunlock_slow(k, l, op, file, line);
		return;
	}
	if (owner_of(v) != self()) {
		report(BSDSYNC_RULE_NOT_OWNER, subj(l), file, line, "%s of a %s lock %s", op,
		       k.name, owner_of(v) ? "held exclusively by another thread"
			       : sharers(v) ? "held shared, not exclusively" : "that is not held");
		return;
	}
	if (unrecurse(l)) {
		lock_event_released(&l->lo, k.type, kExclusiveHold, BSDSYNC_LE_RECURSE, file, line);
		return;
	}
	/* A hold taken inline (UNRECORDED: set by its acquisition, written by no one else while
	 * we own it) has no record, and the sinks never saw it acquired. */
	if (!(v & kUnrecorded))
		exclusive_released(k, current_record_if_any(), l, file, line);

	/* Owned by us, so the word only changes under this Guard (waiter bits): stable. */
	WakeList later;
	WaitTable::Guard g(*k.table, l);
	Waiter *writer;
	bool readers;
	uintptr nv = release_word(k, l, g, &writer, &readers);
	/* The last access to the lock: pairs with the acquire of whoever holds it next. */
	store_release(&l->word, nv);
	wake_released(k, l, g, writer, readers, later);
	g.unlock();
	later.wake();
	/* What the waiters lent the writer through l ends (l is only a key there). */
	if (propagates(k))
		prio_released(l);
}

void shared_lock_sunlock_slow(const SharedLockKind &k, SharedLock *l, const char *op,
			      const char *file, int line)
{
	uintptr v = load_relaxed(&l->word);
	ThreadState *t = current_record();
	if (unlikely(!t && owner_of(v) == self() && bsdsync_in_interrupt()) && unrecurse(l)) {
		/* an interrupt's shared acquisition that recursed its owner's hold */
		lock_event_released(&l->lo, k.type, kExclusiveHold, BSDSYNC_LE_RECURSE, file, line);
		return;
	}
	if (!(v & kShared) || sharers(v) == 0) {
		report(BSDSYNC_RULE_NOT_OWNER, subj(l), file, line, "%s of a %s lock %s", op,
		       k.name, owner_of(v) == self() ? "the thread holds exclusively"
			       : owner_of(v) ? "held exclusively by another thread"
					     : "that is not held");
		return;
	}
	if (t && !holds_shared(k, t, l)) {
		report(BSDSYNC_RULE_NOT_OWNER, subj(l), file, line,
		       "%s of a %s lock the thread does not hold shared", op, k.name);
		return;
	}
	/* The record goes and RELEASED is sent before the store that releases the hold (core/
	 * lock_events.h): after it the next owner may free the lock, and a sink may read it. */
	shared_released(k, t, l, file, line);
	for (;;) {
		if (sharers(v) > 1 || (v & ~kWriteSpinner) == (kUnlocked | kOneSharer)) {
			/* Not the last, or the last without waiters (the fast path's cases). The
			 * last keeps a spinning writer's bit, as FreeBSD's __rw_runlock_try and
			 * _sx_sunlock_try do: the free lock stays closed to new readers until
			 * that writer, which is polling for this, takes it (spin_on_readers).
			 * Clearing it let a reader that just left come straight back in, so the
			 * writer spun out its bound and queued. */
			uintptr nv = v - kOneSharer;
			/* Release: the reader's section ends; pairs with the acquire of the
			 * next writer. */
			if (cas_release(&l->word, &v, nv))
				break;
			continue;
		}
		/* The last shared hold, waiter bits set: release and wake under the Guard.
		 * Readers passing the waiting writer (see shared_lock_slock_slow) may still
		 * change the count, so CAS, and re-decide on failure. */
		WakeList later;
		WaitTable::Guard g(*k.table, l);
		v = load_relaxed(&l->word);
		bool done = false;
		while (!done && sharers(v) == 1) {
			Waiter *writer;
			bool readers;
			uintptr nv = release_word(k, l, g, &writer, &readers);
			/* Release: pairs with the acquire of the writer or readers it wakes
			 * (their retry). */
			if (cas_release(&l->word, &v, nv)) {
				wake_released(k, l, g, writer, readers, later);
				done = true;
			}
		}
		if (done)
			break;
	}
}

int shared_lock_try_xlock(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
			  int line)
{
	if (unlikely(!shared_lock_live(k, l, op, file, line)))
		return 0;
	/* Free, maybe with waiter bits (woken waiters not yet back): kept, as in
	 * shared_lock_xlock_slow. */
	uintptr v = load_relaxed(&l->word);
	while ((v & ~kWaiters) == kUnlocked) {
		/* Acquire: pairs with the release of the previous holder's unlock. */
		if (cas_acquire(&l->word, &v, self() | (v & kWaiters))) {
			exclusive_acquired(k, current_record(), l, BSDSYNC_LE_TRY, file, line);
			if ((v & kWaiters) && propagates(k))
				prio_claim(l, l);
			return 1;
		}
	}
	/* Modern FreeBSD: recurses on a recursive lock the caller holds exclusively. */
	if (owner_of(v) == self() && (l->lo.lo_flags & LO_RECURSABLE)) {
		recurse(k, l, op, file, line);
		return 1;
	}
	return 0;
}

int shared_lock_try_slock(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
			  int line)
{
	if (unlikely(!shared_lock_live(k, l, op, file, line)))
		return 0;
	/* Any shared-mode lock, waiting writers or not (FreeBSD: a try never waits, so it cannot
	 * starve anyone). */
	uintptr v = load_relaxed(&l->word);
	while (v & kShared) {
		/* Acquire: pairs with the release of the last writer's unlock or downgrade. */
		if (cas_acquire(&l->word, &v, v + kOneSharer)) {
			shared_acquired(k, current_record(), l, BSDSYNC_LE_TRY, file, line);
			return 1;
		}
	}
	return 0;
}

int shared_lock_try_upgrade(const SharedLockKind &k, SharedLock *l, const char *op,
			    const char *file, int line)
{
	if (unlikely(!shared_lock_live(k, l, op, file, line)))
		return 0;
	uintptr v = load_relaxed(&l->word);
	ThreadState *t = current_record();
	if (!(v & kShared) || sharers(v) == 0 || (t && !holds_shared(k, t, l))) {
		report(BSDSYNC_RULE_NOT_OWNER, subj(l), file, line,
		       "%s of a %s lock the thread does not hold shared", op, k.name);
		return 0;
	}
	/* Only the sole shared hold becomes the owner; the waiter bits stay as they are. */
	while (sharers(v) == 1) {
		/* Acquire: the other readers' sections are over; pairs with their release. */
		if (cas_acquire(&l->word, &v, self() | (v & kWaiters))) {
			/* FreeBSD WITNESS_UPGRADE: the shared hold is now the exclusive one. */
			shared_released(k, t, l, file, line);
			exclusive_acquired(k, t, l, BSDSYNC_LE_TRY, file, line);
			if ((v & kWaiters) && propagates(k))
				prio_claim(l, l);
			return 1;
		}
	}
	return 0;
}

void shared_lock_downgrade(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
			   int line)
{
	if (unlikely(!shared_lock_live(k, l, op, file, line)))
		return;
	uintptr v = load_relaxed(&l->word);
	if (owner_of(v) != self()) {
		report(BSDSYNC_RULE_NOT_OWNER, subj(l), file, line,
		       "%s of a %s lock the thread does not hold exclusively", op, k.name);
		return;
	}
	if (v & kRecursed) {
		report(BSDSYNC_RULE_RECURSED_OP, subj(l), file, line,
		       "%s of a recursed %s lock: it stays held exclusively", op, k.name);
		return;
	}
	/* FreeBSD WITNESS_DOWNGRADE: the exclusive hold is now a shared one. */
	ThreadState *td = current_record();
	/* A hold taken inline (UNRECORDED) has no exclusive record; the shared hold it becomes
	 * is recorded either way (its sunlock is the module's). */
	if (!(v & kUnrecorded))
		exclusive_released(k, td, l, file, line);
	shared_acquired(k, td, l, 0, file, line);
	uintptr expect = self() | (v & kUnrecorded);
	/* Release: our exclusive section is over for the readers that now enter. */
	if (cas_release(&l->word, &expect, kUnlocked + kOneSharer))
		return;
	/* Waiters: every queued reader gets in now, beside us; a queued writer keeps its bit
	 * and waits for all of us. The word only changes under this Guard while we own it. */
	WaitTable &t = *k.table;
	WaitTable::Guard g(t, l);
	uintptr n = (uintptr)t.count(g, l, WaitQueueId::SharedLockers);
	uintptr nv = (kShared + (1 + n) * kOneSharer) |
		     (t.has_waiters(g, l, WaitQueueId::ExclusiveLockers) ? kExclusiveWaiters : 0);
	/* Release: the exclusive section is published to the readers counted in, whose
	 * acquire of `woken` (wait()) comes after the wake below, and to later readers
	 * through their acquire CAS. */
	store_release(&l->word, nv);
	/* Counted in above: they return holding it, they do not compete (kGranted). This is
	 * no convoy: the downgrader keeps running and holding it shared beside them. */
	t.wake_all(g, l, WaitQueueId::SharedLockers, kGranted);
	g.unlock();
	/* No longer the writer: readers have no one to lend to. */
	if (propagates(k))
		prio_released(l);
}

void shared_lock_init(const SharedLockKind &k, SharedLock *l, const char *name, unsigned lo_flags,
		      bool is_new, const bsdsync_lock_site *site)
{
	lock_object *lo = &l->lo;
	if (!is_new && (load_relaxed(&lo->lo_flags) & LO_INITIALIZED)) {
		uintptr v = load_relaxed(&l->word);
		report(BSDSYNC_RULE_DOUBLE_INIT, ReportSubject{ k.name, name, l, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "%s_init of a live lock \"%s\" (pass %s_NEW for fresh memory)", k.name,
		       lo->lo_name ? lo->lo_name : "", k.class_index == BSDSYNC_CLASS_SX ? "SX" : "RW");
		/* Re-initialising a held or waited-on lock would corrupt its holders: keep it. */
		if (v != kUnlocked)
			return;
	}
	store_relaxed(&l->word, kUnlocked);
	lock_init(lo, k.class_index, name, lo_flags, site);
}

void shared_lock_destroy(const SharedLockKind &k, SharedLock *l, const char *op, const char *file,
			 int line)
{
	lock_object *lo = &l->lo;
	uintptr v = load_relaxed(&l->word);
	if (!(load_relaxed(&lo->lo_flags) & LO_INITIALIZED)) {
		report(v == kDestroyed ? BSDSYNC_RULE_DESTROYED : BSDSYNC_RULE_UNINITIALIZED,
		       subj(l), file, line, "%s of a %s lock %s", op, k.name,
		       v == kDestroyed ? "already destroyed" : "never initialised");
		return;
	}
	if (v != kUnlocked) {
		report(BSDSYNC_RULE_DESTROY_HELD, subj(l), file, line, "%s of a %s lock %s", op,
		       k.name, owner_of(v) == self() ? "the thread holds exclusively"
			       : owner_of(v) ? "held exclusively by another thread"
			       : sharers(v) ? "held shared" : "that threads wait for");
		return;
	}
	/* Release: pairs with the acquire load of a locker that finds kDestroyed (it reports and
	 * does not take the lock). */
	store_release(&l->word, kDestroyed);
	lock_destroy(lo);
}

/*
 * FreeBSD's _sx_assert/__rw_assert with witness: LOCKED/SLOCKED need the lock held (shared,
 * or exclusively by the caller; SLOCKED: shared only), and a shared hold must be the caller's
 * (in its held-locks stack); XLOCKED needs the
 * caller as owner; the recursion flags are checked on exclusive holds; UNLOCKED fails if the
 * caller holds it exclusively (shared holders are anonymous).
 */
void shared_lock_assert(const SharedLockKind &k, const SharedLock *l, int what, const char *op,
			const char *file, int line)
{
	uintptr v = load_relaxed(&l->word);
	bool mine = owner_of(v) == self();
	ThreadState *t = current_record();
	bool shared_mine = !t || holds_shared(k, t, l);
	const char *fail = nullptr;

	switch (what) {
	case LA_LOCKED:
	case LA_LOCKED | LA_RECURSED:
	case LA_LOCKED | LA_NOTRECURSED:
	case LA_SLOCKED:
	case LA_SLOCKED | LA_RECURSED:
	case LA_SLOCKED | LA_NOTRECURSED:
		if (v == kUnlocked || sharers(v) == 0) {
			if (!mine || (what & LA_SLOCKED))
				fail = (what & LA_SLOCKED) ? "not share-locked" : "not locked";
		} else if (!shared_mine) {
			fail = "share-locked, but not by this thread";
		}
		if (!fail && mine) {
			if ((v & kRecursed) && (what & LA_NOTRECURSED))
				fail = "recursed";
			else if (!(v & kRecursed) && (what & LA_RECURSED))
				fail = "not recursed";
		}
		break;
	case LA_XLOCKED:
	case LA_XLOCKED | LA_RECURSED:
	case LA_XLOCKED | LA_NOTRECURSED:
		if (!mine)
			fail = "not exclusively locked by this thread";
		else if ((v & kRecursed) && (what & LA_NOTRECURSED))
			fail = "recursed";
		else if (!(v & kRecursed) && (what & LA_RECURSED))
			fail = "not recursed";
		break;
	case LA_UNLOCKED:
		if (mine)
			fail = "exclusively locked by this thread";
		break;
	default:
		report(BSDSYNC_RULE_BAD_ARGUMENT, subj(l), file, line,
		       "%s: unknown assertion 0x%x", op, what);
		return;
	}
	if (fail)
		report(BSDSYNC_RULE_ASSERTION, subj(l), file, line, "%s failed: lock %s", op, fail);
}

bool shared_lock_class_unlock(const SharedLockKind &k, lock_object *lo, uintptr *how,
			      const char *file, int line)
{
	SharedLock *l = reinterpret_cast<SharedLock *>(lo);
	uintptr v = load_relaxed(&l->word);
	if (owner_of(v) == self()) {
		if (v & kRecursed) {
			report(BSDSYNC_RULE_SLEEP_RECURSED, subj(l), file, line,
			       "cannot sleep on a recursed %s lock (recursion depth %u)", k.name,
			       lo->lo_data + 1);
			return false;
		}
		*how = 0;
		shared_lock_xunlock(k, l, "sleep", file, line);
		return true;
	}
	ThreadState *t = current_record();
	if (sharers(v) > 0 && (!t || holds_shared(k, t, l))) {
		*how = 1;
		shared_lock_sunlock(k, l, "sleep", file, line);
		return true;
	}
	report(BSDSYNC_RULE_NOT_OWNER, subj(l), file, line,
	       "sleeping with a %s lock as interlock that the thread does not hold", k.name);
	return false;
}

void shared_lock_class_lock(const SharedLockKind &k, lock_object *lo, uintptr how, const char *file,
			    int line)
{
	/* Not through shared_lock_xlock/shared_lock_slock: the sleep already made the
	 * may-sleep check. */
	SharedLock *l = reinterpret_cast<SharedLock *>(lo);
	if (how)
		shared_lock_slock_slow(k, l, load_relaxed(&l->word), false, "sleep", file, line);
	else
		shared_lock_xlock_slow(k, l, load_relaxed(&l->word), false, "sleep", file, line);
}

bool shared_lock_class_owned(const SharedLockKind &k, const lock_object *lo)
{
	const SharedLock *l = reinterpret_cast<const SharedLock *>(lo);
	uintptr v = load_relaxed(&l->word);
	if (owner_of(v) == self())
		return true;
	return sharers(v) > 0 && holds_shared(k, current_record(), l);
}

} // namespace bsdsync::fbsd
