/*
 * Lock profiling (FreeBSD's LOCK_PROFILING(9)): a lock-event sink (core/lock_events.h) that
 * keeps, per lock class, how often locks are taken, how often and how long threads waited
 * for them, and how long they were held. Personality-neutral: a lock is known by its LockType
 * and what describe() says of it. Off by default (the module parameter `lock_prof` or
 * debugfs bsdsync/lock_prof/enable turn it on); while it is off no sink is attached and the
 * lock fast paths are untouched.
 *
 * A class is (type, name given at init, init site): the locks of one init call site with one
 * name. (FreeBSD keys its records by the acquisition point, file:line of the lock call, and
 * the lock's name; bsdsync keys by where the lock was made, which names a driver's lock
 * whatever path takes it.)
 *
 * What is measured, from the events of the thread that takes and releases the lock:
 *  - acquisitions: every ACQUIRED that is not a recursion (FreeBSD counts non-recursive
 *    acquisitions), try-locks included, in any context;
 *  - contentions (cnt_hold): every CONTENDED event: a thread found a lock of the class held
 *    and is about to spin or wait;
 *  - contended acquisitions (cnt_lock) and wait time: a thread with a thread record that sent
 *    CONTENDED for a lock and then ACQUIRED for the same lock waited from the first event to
 *    the second (spinning or blocked); ACQUIRING clears the pending wait, so an attempt that
 *    gave up (a timeout, LK_NOWAIT after the contention) is not carried to a later
 *    acquisition;
 *  - hold time: ACQUIRED -> RELEASED of the same lock and mode by the same thread, from a
 *    small per-thread table (ProfileThread::kHolds entries; the release takes the newest
 *    entry of that lock and mode).
 * Not measured: wait and hold times in interrupt context (no thread record: the acquisition
 * and contention are still counted); holds released by another thread than the one that
 * took them (lockmgr's LK_KERNPROC, a sema used as a lock: their entry ages out); holds
 * beyond kHolds at once per thread (the oldest entry is dropped).
 *  - spin iterations (spins): every pass of a spin loop an acquisition makes while the lock
 *    is held by another (a spin lock's wait, the adaptive spin of a blocking lock on a
 *    running owner, a writer's wait for readers to drain, a token's or serializer's spin
 *    before blocking), counted by that loop's SpinCount into the thread's pending count
 *    (ProfileThread::spins) and charged to the class at the thread's next ACQUIRED (some
 *    loops run before their ACQUIRING: lwkt_serialize_adaptive_enter polls first). Not
 *    counted: spins in interrupt context (no thread record: a scratch count). Spins of an
 *    attempt that gave up (a timeout, LK_SLEEPFAIL) are charged to the thread's next
 *    acquisition, whatever its lock (rare, and never more than that attempt's spins).
 *
 * Times: the platform's monotonic clock (bsdsync_uptime_ns), in ns; the stats table shows
 * them in microseconds as FreeBSD's debug.lock.prof.stats does.
 *
 * Limits (fixed tables, nothing is allocated on the event path): kClasses classes; when the
 * table is full, locks of new classes are not profiled and `rejected` counts them (FreeBSD's
 * debug.lock.prof.rejected).
 *
 * Locking key: the class table is under one IrqSpinBit (`profile_lock`, interrupts off while
 * held), taken by the sink in any context and by the readers and reset in thread context;
 * never a bsdsync lock, so the sink cannot recurse into lock events. A ProfileThread is
 * touched only by its own thread: inside the sink (preemption off), and its `spins` by its
 * spin loops too (relaxed atomics, so a test may read the count while it grows).
 * `generation` (under profile_lock; read by the sink under it) is bumped by every reset and
 * enable, so a hold recorded before one is not charged to a class of the new table.
 * Enabling, disabling and reset are thread context and serialised by their callers (module
 * init/exit, the debugfs files' mutex, the KUnit entry).
 */
#ifndef BSDSYNC_CORE_LOCK_PROFILE_H
#define BSDSYNC_CORE_LOCK_PROFILE_H

#include "core/base.h"

namespace bsdsync {

namespace profile_limits {
constexpr int kClasses = 256;
constexpr int kNameBytes = 32;
} // namespace profile_limits

/* The per-thread part, in the thread record (core/thread.h ThreadState::profile). Touched
 * only by its thread: in the sink (preemption off), and `spins` also by its spin loops. */
struct ProfileThread {
	enum : int { kHolds = 8 };
	struct Hold {
		const void *lock;	/* null: free */
		u64 since;		/* ACQUIRED time */
		unsigned generation;	/* the table's generation at ACQUIRED */
		short cls;		/* class index in that generation */
		unsigned char shared;	/* the hold's mode */
		unsigned char pad;
	};
	const void *waiting;		/* the lock of the last CONTENDED, until its ACQUIRED */
	unsigned long spins;		/* spin iterations of the acquisition under way (relaxed
					   atomics only: a test reads it while it grows) */
	u64 wait_since;
	int nholds;
	Hold hold[kHolds];		/* oldest first */
};

/* One class's numbers (times in ns). */
struct ProfileStats {
	u64 acquisitions;	/* count */
	u64 contentions;	/* cnt_hold: CONTENDED events */
	u64 contended;		/* cnt_lock: acquisitions that waited */
	u64 wait_total, wait_max;
	u64 holds;		/* holds measured */
	u64 hold_total, hold_max;
	u64 spins;		/* spin iterations of its acquisitions */
};

/* Where a spin loop counts (SpinCount): the calling thread's pending count while profiling
 * is on and the thread has a record, else `scratch`. Any context. */
unsigned long *lock_profile_spin_counter(unsigned long *scratch);

/*
 * The spin count of one spin loop of a lock acquisition: construct it before the loop (a
 * no-op test of the lock-event switch while nothing consumes events), tick() once per pass
 * that found the lock held. Not copyable (it points into itself).
 */
class SpinCount {
public:
	SpinCount() : ctr_(&scratch_)
	{
		if (unlikely(bsdsync_lock_events_on()))
			ctr_ = lock_profile_spin_counter(&scratch_);
	}
	SpinCount(const SpinCount &) = delete;
	SpinCount &operator=(const SpinCount &) = delete;
	void tick() { store_relaxed(ctr_, load_relaxed(ctr_) + 1); }
	/* For a platform loop that counts by itself (bsdsync_spin_while_owner_runs). */
	unsigned long *counter() { return ctr_; }

private:
	unsigned long scratch_ = 0;
	unsigned long *ctr_;
};

/* Attach (true) or detach the sink; returns whether it was on. Enabling starts a new
 * generation (holds taken while off are not measured). Thread context. */
bool lock_profile_set(bool on);
bool lock_profile_on();
/* Forget every class. Thread context. */
void lock_profile_reset();
/* The stats table (FreeBSD's debug.lock.prof.stats columns, a header line, one line per
 * class) into buf (NUL-terminated, truncated to len): the length the whole text needs, as
 * snprintf. Thread context. */
unsigned long lock_profile_stats(char *buf, unsigned long len);
/* The numbers of the first class of type `type_name` and lock name `name` (any init site):
 * true if there is one. Thread context (tests). */
bool lock_profile_class(const char *type_name, const char *name, ProfileStats *out);

} // namespace bsdsync

#endif
