/*
 * The thread record: what FreeBSD keeps in struct thread for its locks (witness's list of
 * held locks, td_rw_rlocks, td_sx_slocks, td_lk_slocks, the rm read trackers), and what
 * DragonFly keeps in its thread for tokens, here in one record per Linux task
 * (module/platform/thread.c finds it by task pointer). Personality-neutral: a stack of the
 * locks the thread holds, and fixed-size slots a personality keeps its own per-thread state
 * in.
 *
 * The held-locks stack records every lock the thread holds in thread context, oldest first:
 * the lock's identity (its address), its type (core/lock_type.h), the mode, and where it was
 * acquired. Exclusive holds are recorded once (a recursion is the lock's own count); every
 * shared acquisition is an entry (a thread may read-lock the same lock twice). Spin locks are
 * not here (they are per CPU, interrupts off: core/spin.h), nor holds taken in interrupt
 * context (which has no thread record). The first kTrack holds are recorded; deeper nesting
 * is only counted (`depth`, and `nosleep` for non-sleepable types), so a query about a lock
 * below the recorded ones answers conservatively (say so at each query).
 * `nosleep` counts the non-sleepable holds (types without BSDSYNC_LT_SLEEPABLE): sleeping, or
 * taking a lock that may sleep, with one held is reported naming it (FreeBSD's witness:
 * "sleeping with non-sleepable locks held"); the fast paths test only that count.
 *
 * Locking key: only the owning thread touches its record, so every field is plain, except
 * `prio` (priority propagation: other threads lend priority through it, under its own spin
 * bit, core/prio.h). Interrupt handlers have none (current_record() returns null there).
 */
#ifndef BSDSYNC_CORE_THREAD_H
#define BSDSYNC_CORE_THREAD_H

#include <bsdsync/inline_abi.h>
#include "core/base.h"
#include "core/diag.h"
#include "core/lock_events.h"
#include "core/lock_profile.h"
#include "core/prio.h"

namespace bsdsync {

/* One hold: 32 bytes. */
struct HeldLock {
	enum : unsigned char {
		kNoSleep = 0x1,		/* a non-sleepable type: counted in `nosleep` */
		/* A hold that is not one: a refused acquisition whose release must be quiet
		 * (rms in atomic context, freebsd/rm.cpp). Queries for holds skip it. */
		kPlaceholder = 0x2,
		/* The interlock of an acquisition in progress that releases it (FreeBSD's
		 * lockmgr LK_INTERLOCK): the lock-order checker (core/witness.h) skips it, as
		 * FreeBSD's WITNESS_CHECKORDER skips its interlock argument. */
		kInterlock = 0x4,
	};
	const void *lock;		/* identity; null: an entry lost to an out-of-order release
					   while deeper holds were only counted */
	const LockType *type;
	const char *file;		/* where it was acquired */
	int line;
	HoldMode mode;
	unsigned char flags;		/* k* */
	unsigned short pad;		/* zero: line, mode, flags and this are one store */
};
static_assert(sizeof(HeldLock) == 32 && __builtin_offsetof(HeldLock, mode) == 28 &&
	      __builtin_offsetof(HeldLock, flags) == 29 && __builtin_offsetof(HeldLock, pad) == 30,
	      "held_record writes line, mode, flags and pad as one word");

struct HeldLocks {
	enum : int { kTrack = 16, kCounts = 4 };
	int depth;			/* holds, recorded or only counted */
	int nosleep;			/* of them, of non-sleepable types; plus the non-sleepable
					   holds an inline path counted in `counts` (no entry) */
	/* Per-kind shared-hold counts a personality keeps for the inline read paths of drivers
	 * built for production, which reach them through the per-CPU record cache (the offsets
	 * are ABI: <bsdsync/types.h>); the index and the meaning of the bits are the
	 * personality's (FreeBSD: module/freebsd/shared_lock.h; DragonFly keeps its own two in
	 * its personality slot, module/dragonfly/dragonfly.h). The core never reads them. */
	int counts[kCounts];
	HeldLock entry[kTrack];		/* the first min(depth, kTrack), oldest first */
};

/*
 * Slots a personality keeps per-thread state in (FreeBSD: the rm read trackers' list),
 * zeroed with the rest of the record when a thread's record is recycled. Each personality
 * checks its own layout fits with static_assert(sizeof(X) <= kPersonalitySlotBytes).
 */
constexpr int kPersonalitySlots = 2;
constexpr int kPersonalitySlotBytes = 408;	/* DragonFly: tokens, own port, hard sections,
						   shared-hold counts */
struct PersonalitySlot {
	alignas(8) unsigned char bytes[kPersonalitySlotBytes];
};

struct ThreadState {
	HeldLocks held;
	PersonalitySlot personality[kPersonalitySlots];	/* [0]: FreeBSD, [1]: DragonFly */
	ProfileThread profile;	/* lock profiling's pending wait, hold times and spins
				   (core/lock_profile.h); touched only by this thread */
	/* One report per acquisition in a context that forbids it (core/context_rules.h):
	 * the lock whose acquisition in progress the acquisition check (witness's ACQUIRING)
	 * reported, so that may_block stays quiet if it then has to block; and the lock
	 * may_block reported for, so that an acquisition whose path judges blocking before its
	 * ACQUIRING (DragonFly's mtx, rm_wlock) is not reported again there. Both are
	 * forgotten when the lock is acquired (ACQUIRED) or when the other check consumes
	 * them. */
	const void *context_reported_acquire;
	const void *context_reported_block;
	/* Priority propagation (core/prio.h): the one part other threads look at, under its
	 * own lock. Lenders find it through the owner's task pointer. */
	PrioState prio;		/* last: the release hook zeroes what is before it */
};
static_assert(sizeof(ThreadState) <= BSDSYNC_TD_STATE_BYTES, "grow BSDSYNC_TD_STATE_BYTES");
static_assert(__builtin_offsetof(ThreadState, held.nosleep) == BSDSYNC_TD_NOSLEEP_OFFSET &&
		      __builtin_offsetof(ThreadState, held.counts) == BSDSYNC_TD_COUNTS_OFFSET,
	      "<bsdsync/types.h>: the inline paths' view of the record");

/* A personality's slot, as its own type. */
template <typename T> inline T *personality_slot(ThreadState *t, int index)
{
	static_assert(sizeof(T) <= kPersonalitySlotBytes, "a personality slot is too small");
	return reinterpret_cast<T *>(t->personality[index].bytes);
}
template <typename T> inline const T *personality_slot(const ThreadState *t, int index)
{
	static_assert(sizeof(T) <= kPersonalitySlotBytes, "a personality slot is too small");
	return reinterpret_cast<const T *>(t->personality[index].bytes);
}

/* current_record()/current_record_if_any() for a caller that already checked it is not in
 * interrupt context and read `me` = curthread() (the lock fast paths test both once for
 * their own reasons: no second look at either). Through the platform's per-CPU cache of the
 * last record found (platform.h bsdsync_td_find_current): a load and a compare when it
 * hits. */
inline ThreadState *own_record_if_any(thread *me)
{
	return static_cast<ThreadState *>(bsdsync_td_find_current(me));
}
/* The cache alone: null when the slot does not hold the caller's record, even if it has
 * one. For fast paths whose miss path is out of line and looks again (own_record_if_any);
 * a call in the middle of a fast path would give it a frame on every path. */
inline ThreadState *own_record_cached(thread *me)
{
	return static_cast<ThreadState *>(bsdsync_td_find_current_cached(me));
}
/* The calling thread's record (`me` is curthread()), created on first use (the creation
 * path finds an existing record first and refills the cache). */
inline ThreadState *own_record(thread *me)
{
	ThreadState *s = own_record_cached(me);
	if (unlikely(!s))
		s = static_cast<ThreadState *>(bsdsync_td_create());
	return s;
}
inline ThreadState *current_record_if_any_in_thread()
{
	return own_record_if_any(curthread());
}

/* The current thread's state, created on first use; null in interrupt context (or if the
 * first allocation failed: then the thread goes untracked, and checks that need the state
 * are skipped rather than guessed). Inline: a hash and one or two loads once the record
 * exists. */
inline ThreadState *current_record()
{
	if (unlikely(bsdsync_in_interrupt()))
		return nullptr;
	return own_record(curthread());
}
/* The current thread's state if it has one (never allocates). */
inline ThreadState *current_record_if_any()
{
	if (unlikely(bsdsync_in_interrupt()))
		return nullptr;
	return current_record_if_any_in_thread();
}
/* current_record_if_any() and current_record_if_any_in_thread() from the per-CPU cache
 * alone (own_record_cached): null on a miss too, for fast paths whose null path is out of
 * line and looks the record up again. */
inline ThreadState *current_record_cached_in_thread()
{
	return own_record_cached(curthread());
}
inline ThreadState *current_record_cached()
{
	if (unlikely(bsdsync_in_interrupt()))
		return nullptr;
	return current_record_cached_in_thread();
}

/* ---- the held-locks stack ------------------------------------------------------------ */

/* Is a hold of `type` in `mode` non-sleepable (its holder may not sleep)? */
inline bool held_type_nosleep(const LockType *type, HoldMode mode)
{
	return !(type->flags & BSDSYNC_LT_SLEEPABLE) ||
	       (mode == HoldMode::Shared && (type->flags & BSDSYNC_LT_READS_NOSLEEP));
}

/* Record a hold in a thread's stack, no event: the fast paths' bookkeeping (they run only
 * while no lock-event sink is attached, lock_events.h). `nosleep` is held_type_nosleep's
 * answer, a constant at the call site. The entry is filled with four stores (line, mode,
 * flags and padding are one 8-byte word). */
BSDSYNC_ALWAYS_INLINE void held_record(ThreadState *t, const void *lock, const LockType *type,
				       HoldMode mode, bool nosleep, const char *file, int line)
{
	HeldLocks &h = t->held;
	int n = h.depth;
	if (likely(n < HeldLocks::kTrack)) {
		/* One pointer for the four stores (indexing each field from `entry` made the
		 * compiler compute the offset twice). */
		HeldLock *e = h.entry + n;
		e->lock = lock;
		e->type = type;
		e->file = file;
		/* line, mode, flags, pad: one 8-byte store (x86-64: little endian). */
		u64 word = (u64)(unsigned)line | (u64)(unsigned char)mode << 32 |
			   (u64)(nosleep ? HeldLock::kNoSleep : 0) << 40;
		__builtin_memcpy(&e->line, &word, sizeof(word));
	}
	h.depth = n + 1;
	h.nosleep += nosleep;
}

/* A hold begins (a first exclusive acquisition, or any shared one): record it (t may be null:
 * interrupt context, or a thread whose record could not be made: then only the event) and
 * tell the lock-event sinks (ACQUIRED). `flags`: BSDSYNC_LE_TRY for a try-lock. */
inline void held_acquired(ThreadState *t, const void *lock, const LockType *type, HoldMode mode,
			  unsigned flags, const char *file, int line)
{
	if (likely(t))
		held_record(t, lock, type, mode, held_type_nosleep(type, mode), file, line);
	lock_event_acquired(lock, type, mode, flags, file, line);
}

/* Remove the newest record of (lock, mode) when it is the newest hold (the usual order):
 * true, or false with nothing changed. */
inline bool held_pop_top(ThreadState *t, const void *lock, HoldMode mode)
{
	HeldLocks &h = t->held;
	int n = h.depth;
	if (likely(n > 0 && n <= HeldLocks::kTrack)) {
		HeldLock &e = h.entry[n - 1];
		if (likely(e.lock == lock && e.mode == mode && !(e.flags & HeldLock::kPlaceholder))) {
			h.depth = n - 1;
			h.nosleep -= e.flags & HeldLock::kNoSleep;
			return true;
		}
	}
	return false;
}

/* held_pop_top for a fast path that knows its hold's kNoSleep flag (a constant there) and
 * expects no placeholder or interlock entry: mode and flags checked with one 16-bit compare,
 * no flag to read back. An entry that differs in any flag fails it, and the caller's
 * general release (held_released) removes it. */
BSDSYNC_ALWAYS_INLINE bool held_pop_top_exact(ThreadState *t, const void *lock, HoldMode mode,
					      bool nosleep)
{
	HeldLocks &h = t->held;
	int n = h.depth;
	if (likely(n > 0 && n <= HeldLocks::kTrack)) {
		HeldLock &e = h.entry[n - 1];
		unsigned short mf;	/* mode, then flags (little endian) */
		__builtin_memcpy(&mf, &e.mode, sizeof(mf));
		const unsigned short want =
			(unsigned char)mode | (unsigned short)(nosleep ? HeldLock::kNoSleep : 0) << 8;
		if (likely(e.lock == lock && mf == want)) {
			h.depth = n - 1;
			h.nosleep -= nosleep;
			return true;
		}
	}
	return false;
}

/* The out-of-order (or below the recorded ones) removal. False if the thread has no record
 * of (lock, mode) and no unrecorded hold it could be: it does not hold it. */
bool held_pop_slow(ThreadState *t, const void *lock, const LockType *type, HoldMode mode);

/* A hold ends: remove its record (t may be null, as for held_acquired) and tell the sinks
 * (RELEASED); before the store that releases the lock. False if the thread has a record
 * and no hold of (lock, mode) in it: it does not hold it (the event is still sent: the
 * caller releases the lock anyway, or reports and does not). */
inline bool held_released(ThreadState *t, const void *lock, const LockType *type, HoldMode mode,
			  const char *file, int line)
{
	bool found = !t || likely(held_pop_top(t, lock, mode)) ||
		     held_pop_slow(t, lock, type, mode);
	lock_event_released(lock, type, mode, 0, file, line);
	return found;
}

/*
 * The holds of a kind that drivers built for production also take inline count them in the
 * thread's record (<bsdsync/inline_abi.h>, BSDSYNC_TD_COUNT_RECORDED: one unit per hold the
 * module recorded, 1 per hold an inline path took, no record, no event): FreeBSD's sx, rw
 * and lockmgr read holds, DragonFly's lockmgr and mtx shared holds. One such hold of `lock`
 * ends (t not null): its record if the thread has one (Recorded: the count loses a recorded
 * unit, or an inline one when the record found was below the recorded ones, which may be an
 * inline hold), else one of its inline holds (Inline), else None (it does not hold it). No
 * event: the caller sends RELEASED for a Recorded hold only (no sink saw an inline one
 * acquired). `count` null: a kind nobody takes inline.
 */
enum class CountedHold { Recorded, Inline, None };
inline CountedHold held_pop_counted(ThreadState *t, int *count, const void *lock,
				    const LockType *type, HoldMode mode)
{
	constexpr int kRecorded = BSDSYNC_TD_COUNT_RECORDED;
	constexpr int kInline = BSDSYNC_TD_COUNT_RECORDED - 1;	/* mask of the inline part */
	if (likely(held_pop_top(t, lock, mode)) || held_pop_slow(t, lock, type, mode)) {
		if (count)
			*count -= *count >= kRecorded ? kRecorded : (*count & kInline) ? 1 : 0;
		return CountedHold::Recorded;
	}
	if (count && (*count & kInline)) {
		--*count;
		return CountedHold::Inline;
	}
	return CountedHold::None;
}

/* Put back the record held_pop_top just removed (a release that turned out not to happen on
 * the fast path: its slow path removes it again). No event. held_pop_top left the entry as
 * it was: only the counts move back. */
inline void held_unpop(ThreadState *t)
{
	HeldLocks &h = t->held;
	h.nosleep += h.entry[h.depth].flags & HeldLock::kNoSleep;
	h.depth++;
}

/* How many holds of `lock` in `mode` the thread has recorded (placeholders not counted);
 * *unrecorded (if given) says whether holds below the recorded ones exist (whose locks are
 * unknown). */
int held_count(const ThreadState *t, const void *lock, HoldMode mode, bool *unrecorded);
/* Whether the thread holds any lock of `type` in `mode` (FreeBSD's td_rw_rlocks > 0 and
 * friends). With holds below the recorded ones, true (they may be of that type). */
bool held_any(const ThreadState *t, const LockType *type, HoldMode mode);
/* Record a placeholder (HeldLock::kPlaceholder) for `lock`: the release that matches a
 * refused acquisition finds it (held_take_placeholder) and stays quiet. Not counted as a
 * hold by any query; dropped if the stack is full. */
void held_placeholder(ThreadState *t, const void *lock, const LockType *type, HoldMode mode);
bool held_take_placeholder(ThreadState *t, const void *lock, HoldMode mode);
/* Mark (on) or unmark the thread's recorded holds of `lock` as HeldLock::kInterlock. */
void held_mark_interlock(ThreadState *t, const void *lock, bool on);

/* The newest non-sleepable hold of the current thread other than `except1`/`except2` (an
 * interlock the sleep releases, and a lock every sleep drops, FreeBSD's Giant), or null.
 * Unrecorded non-sleepable holds (deeper than kTrack) make *unrecorded true. */
const HeldLock *held_nosleep_other(const void *except1, const void *except2, bool *unrecorded);

/*
 * The check before sleeping or before taking a lock that may sleep (the context table's
 * row NonSleepable, core/context_rules.h): reports BSDSYNC_RULE_SLEEP_NONSLEEPABLE once,
 * naming the newest non-sleepable lock held (other than `interlock` and Giant), if there is
 * one. `what` names the operation ("msleep",
 * "sx_xlock", ...). Returns true if it reported. The caller goes on (as FreeBSD with
 * witness does): the thread holding the mutex blocks others longer, nothing is corrupted.
 * It can only report for a thread whose record has held.nosleep > 0: a fast path that has
 * the state at hand tests that inline and calls this only then (sx, lockmgr).
 */
bool check_may_sleep_with_locks(const void *interlock, const char *what, const char *file,
				int line);

/*
 * The context rule of blocking (the context table's column Sleep, core/context_rules.h;
 * architecture.md, "Contexts"), kept here once: every path that may block (sleep(9) and
 * cv/sema through it, lockmgr, the contended sleep mutex, sx, rw, rm and rms) calls this
 * before it queues. True if the current thread may block. Otherwise it
 * reports once and returns false, and the caller must not block: it spins for the lock, fails
 * or does not take it, as `instead` says in the report. BSDSYNC_RULE_SLEEP_INTERRUPT in a hard
 * or soft interrupt; BSDSYNC_RULE_SLEEP_ATOMIC with a spin mutex held (named in the text), in
 * a critical section, with preemption or interrupts off, or in an RCU read section. Blocking
 * there would not only be slow: Linux resets the preempt count ("scheduling while atomic"),
 * the thread resumes on another CPU, and the first CPU's spin record keeps its count and saved
 * interrupt state (its interrupts never come back on).
 * `subject` names the lock or wait channel, `what` the operation ("mtx_lock", ...).
 * `spin_interlock`: a spin mutex the caller holds and the sleep itself releases
 * (msleep_spin), or null; the context is then judged as it will be without it.
 * One report per acquisition: if witness's acquisition check already reported this lock's
 * acquisition in progress (ThreadState::context_reported_acquire, subject.addr the lock),
 * it returns false without a second report.
 */
bool may_block(const ReportSubject &subject, const void *spin_interlock, const char *what,
	       const char *instead, const char *file, int line);

/* Set by a personality at load: a lock every sleep drops (FreeBSD's Giant), excepted from
 * the check, or null; and how to name a spin lock recorded in the per-CPU spin record
 * (core/spin.h), which keeps only its address. */
extern const void *(*td_sleep_drops_lock)();
extern ReportSubject (*spin_lock_subject)(const void *lock);

/*
 * A personality's thread-exit hook, per personality slot: set at its init (before any of its
 * threads exits), cleared at its exit. bsdsync_td_exiting() runs each one that is set, in the
 * exiting thread, with that thread's own record (never for a thread without a record, never
 * current_record(): the record passed is the one the platform found), before it reports the
 * locks still held. It runs in the sched_process_exit tracepoint: preemption off, interrupts
 * on; it may take wait-queue chain locks (IrqSpinBit, interrupts off inside) but must not
 * sleep, and must leave the slot consistent for the rest of the exit path (which may still
 * lock). DragonFly takes a pending tsleep_interlock() entry off its queue there: the entry
 * lives in the record, which is zeroed and recycled when the task is freed.
 */
extern void (*td_exit_hook[kPersonalitySlots])(ThreadState *t);

} // namespace bsdsync

#endif
