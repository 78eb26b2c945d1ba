/*
 * FreeBSD rmlock(9) (read-mostly locks, with or without RM_SLEEPABLE) and the sleepable
 * read-mostly rms_* locks, on one per-CPU reader machinery.
 *
 * The idea is FreeBSD's: each CPU holds a read token per lock. A reader on a CPU that has
 * the token only counts itself in that CPU's slot; a writer takes every token back, makes
 * sure every CPU has seen that, and waits for the readers it found. The read path thus
 * writes nothing but its own CPU's slot (no shared cache line, no atomic instruction, no
 * fence); the writer pays. As Linux's percpu_rw_semaphore does with rcu_sync, the writer's
 * cost is amortised: after a write, a CPU gets its token again only once the lock has had
 * no write release for kCalmTicks ticks and that CPU has then done kCalmReads central reads
 * (a writer-free interval in time and in reader activity: a system stalled by preemption
 * does not look calm); meanwhile readers count centrally with one atomic instruction each
 * way (like an rw_semaphore), and writers need no grace period.
 *
 * State (include/bsdsync/freebsd/rmlock.h):
 *   rm_lock     the writer word, changed only with atomic instructions:
 *                 0                        free
 *                 WAITERS                  free; woken waiters are on their way back
 *                 writer [| DRAINING] [| WAITERS]
 *                                          owned by a writer; DRAINING while it waits
 *                                          for readers (set only when it has to wait)
 *                 DESTROYED
 *               WAITERS: threads may be queued on the lock's turnstile chain (readers on
 *               SharedLockers, writers on ExclusiveLockers); set under the chain Guard,
 *               with a CAS, only while a writer owns the word.
 *   rm_readers  the central read count (atomic add/subtract), + DRAIN_WAIT while the
 *               writer sleeps on WaitQueueId::Drainers until the count reaches zero.
 *   per CPU     {readers, token, calm}: holds counted on that CPU while it had its token;
 *               calm = rm_wtick's low 16 bits << 16 | central reads still needed before a
 *               grant (a heuristic only: no ordering depends on it).
 *   rm_tokens   a hint: nonzero if some CPU may have its token (set before any grant).
 *   rm_wtick    the tick count at the last write release.
 *
 * Invariant: the number of read holds = rm_readers (without DRAIN_WAIT) + the sum of every
 * CPU's readers. A reader may leave on another CPU than it entered (it is not pinned,
 * unlike FreeBSD's), or centrally after entering on a CPU: one count may be negative; only
 * the sum means anything.
 *
 * Transitions.
 *   Read lock, fast path (preemption off, inline %gs-relative instructions):
 *       if (this CPU's token) { this CPU's readers++; done }
 *   Read lock, no token: if the lock is calm (no write release for kCalmTicks, then
 *   kCalmReads central reads on this CPU) and free, "grant": rm_tokens = 1; token = 1; full
 *   fence; if rm_lock is still free, count on this CPU, else token = 0 and go on
 *   (preemption off throughout). Otherwise central:
 *       rm_readers++ (fully ordered); if rm_lock is free: done.
 *   A writer is there: the thread's own (a read inside its write: reported, counted), or a
 *   recursion (the thread already reads the lock: its outer hold keeps that writer from
 *   finishing its drain, so the reader stays counted and enters, as FreeBSD lets a reader
 *   with a tracker past a waiting writer), or else rm_readers-- (back out; it may wake the
 *   drainer, below), spin while the writer runs (as rw_semaphore's optimistic spinning),
 *   then queue: under the chain, set WAITERS with a CAS if the writer still owns the word,
 *   enqueue on SharedLockers, block, and retry from the start when woken. A reader that may
 *   not block (interrupt or atomic context) is reported and not taken instead of queueing
 *   (it cannot spin either: the writer may be waiting for a grace period, which waits for
 *   the reader's CPU to leave its atomic section). FreeBSD's rm_rlock/rms_rlock return
 *   nothing, so the caller's unlock follows: the refusal is marked (the tracker's
 *   BSDSYNC_RMPF_REFUSED; an rms placeholder record in the thread's stack) and that unlock
 *   ends it with no second report.
 *   Read unlock: the fast path's readers-- if this CPU has its token, else rm_readers--;
 *   a decrement that takes rm_readers from DRAIN_WAIT + 1 to DRAIN_WAIT wakes the drainer
 *   (touching only the chain after the decrement: the writer may then release and
 *   destroy the lock at once).
 *   Write lock: (1) CAS rm_lock free -> me (keeping WAITERS), or spin while the owner runs,
 *   or queue on ExclusiveLockers (as the readers). (2) If rm_tokens: rm_tokens = 0, full
 *   fence, clear every CPU's token that is set; if one was, bsdsync_synchronize_cpus() (an
 *   expedited RCU grace period); then add every CPU's readers to rm_readers and zero them.
 *   (3) Read rm_readers (fully ordered after step 1): zero -> done. Else set DRAINING,
 *   poll a while, then under the chain add DRAIN_WAIT (if the count was zero, take it off:
 *   done), enqueue on WaitQueueId::Drainers, block; when woken take DRAIN_WAIT off and look again.
 *   Clear DRAINING.
 *   The inline rm_wlock of a driver built for production (<sys/rmlock.h>, non-sleepable
 *   rm, no lock-event sink, thread context): (1) as one CAS of a free word 0 -> me |
 *   UNRECORDED (fully ordered), then rm_tokens and rm_readers loaded: both zero, done
 *   (nothing to take back, no reader: the handshakes (b) and (c) as below, the CAS being
 *   the writer's); else fbsd_rm_wlock_drain does (2) and (3) with the word already taken.
 *   Such a hold has no held-locks record and sent no event: its releases skip both.
 *   Write unlock: rm_wtick = now; CAS me [| UNRECORDED] -> 0 (inline in the production
 *   build for an UNRECORDED hold, else the module's). If that fails (WAITERS), under the chain:
 *   leave the lock free (WAITERS kept only if more writers stay queued) and wake the first
 *   queued writer and every queued reader, who retry like any arrival. No hand-off: a lock
 *   handed to a thread that is not running yet is a convoy (the sx/rw fix, 2dbc1a5).
 *
 * The memory-ordering argument.
 *   (a) Fast readers vs. the writer. A fast section (token check + count update,
 *   preemption disabled) is an RCU-sched read-side section; since Linux 4.20 a grace
 *   period also waits for those. For every fast section, either it ended before the grace
 *   period of step 2 ended, and then its count update is visible to the sum (the grace
 *   period orders it before), or it began after the grace period began, and then it sees
 *   its token cleared and goes central. Hence after step 2 no CPU count changes until a
 *   token is granted again, which needs rm_lock free: step 2 reads and zeroes the counts
 *   without a lock. If step 2 clears no token, every token was cleared by an earlier writer
 *   whose grace period ended before that writer released the lock, so there is nothing to
 *   wait for; if rm_tokens is zero, no grant completed since the last writer zeroed the
 *   counts (a grant whose store of 1 came before that writer's store of 0 either saw the
 *   writer and took its token back, or had its token seen and cleared by the writer,
 *   whose grace period then waited for its count: (b)), so the counts are all zero.
 *   (b) Grants vs. the writer: a store-fence-load handshake on both sides. The granter
 *   stores rm_tokens and the token, fence, loads rm_lock; the writer's CAS on rm_lock is a
 *   full barrier before its loads of rm_tokens and the tokens. So either the writer sees
 *   the token (and clears it, and its grace period waits for the granter's section), or
 *   the granter sees the writer (and takes the token back before any reader used it: the
 *   grant runs with preemption off and interrupt-context readers never use tokens).
 *   (c) Central readers vs. the writer: the same handshake. The reader's increment of
 *   rm_readers and the writer's CAS of rm_lock are fully ordered before their loads of
 *   rm_lock and rm_readers respectively (seq_cst, lock xadd / lock cmpxchg on x86), so
 *   either the writer sees the reader's count (and waits for it) or the reader sees the
 *   writer (and backs out).
 *   (d) Critical sections: a reader's section is ordered after an earlier writer's by the
 *   writer's release (CAS release, or the release store under the chain) and the reader's
 *   acquire (the seq_cst load of rm_lock, or the token it was granted after loading rm_lock
 *   free, read in the fast path by an x86 load); before a later writer's by that writer's
 *   grace period (fast unlock) or by the fully ordered decrement it reads (central unlock).
 *   (e) No lost wakeup: WAITERS is set under the chain with a CAS that fails once the
 *   writer has released, so a releasing writer that sees no WAITERS has no queued waiter
 *   to miss, and one that sees it takes the chain after the waiter enqueued. DRAIN_WAIT is
 *   added under the chain before the drainer enqueues; the reader that takes the count to
 *   zero takes the chain after its decrement, so it finds the drainer queued.
 *
 * Cost. A fast read is one preempt count increment, one load, one add, one decrement, all
 * %gs-relative. A central read is one atomic add and one load, its unlock one atomic
 * subtract. An uncontended writer is one CAS (plus a grace period only if tokens had been
 * granted, i.e. after a calm interval) and one CAS to release. Measured in the QEMU (TCG)
 * guest on the KASAN+lockdep test kernel, 2 vCPUs, HZ=250: synchronize_rcu() 16.5-17 ms,
 * synchronize_rcu_expedited() 160-180 us, so kCalmTicks (8 ms at HZ=250) exceeds a grace
 * period's cost, as rcu_sync's interval does. The alternative to tokens, a full fence on
 * every read lock (count++; smp_mb; check the writer), is what the central path costs;
 * readers get tokens whenever writers leave them alone for a few ticks.
 *
 * Recursion: readers recurse with RM_RECURSE (without it, reported, then allowed); a
 * thread that already reads is let in past a draining writer (FreeBSD does the same), so
 * recursion never deadlocks behind a waiting writer. rms has no flag: its readers may
 * always recurse, also past a waiting writer (FreeBSD's would deadlock there). Writers
 * never recurse (reported; the extra holds are counted so the unlocks stay balanced).
 *
 * Priority propagation: a thread queued behind the writer of a non-sleepable rm lends its
 * priority to that writer (block_options(): the blocking tail's lend_owner, core/block.h);
 * the writer's slow release ends the lending, and a
 * writer that takes the word with WAITERS set inherits the queued threads' (prio_claim).
 *
 * Giant: the waits of a sleepable rm (FreeBSD: its sx) and of rms (FreeBSD: msleep) -- a
 * reader or writer spinning on or queued behind a writer, a writer blocked for readers to
 * leave -- release Giant in full first and take it back once the lock is acquired
 * (GiantSave): Giant -> sleepable and sleepable -> Giant are both legal orders. The waits of
 * a non-sleepable rm keep it, as FreeBSD's (a mutex, a turnstile) do.
 *
 * Per-thread bookkeeping (core/thread.h): a thread's rm read holds are its trackers, on a
 * list in the FreeBSD slot of its thread record (lock_class.h ThreadSlot, newest first),
 * which rm_assert, rm_sleep and the recursion check read; every hold, rm or rms, read or
 * write, is also in its held-locks stack (core/thread.h). Read and
 * write holds of a non-sleepable rm, and read holds of a sleepable one (FreeBSD's readers
 * may never sleep), are recorded as non-sleepable locks, so that sleeping with them held
 * is reported. The writer of a sleepable rm and the holders of rms may sleep. rm_rlock's
 * fast path does all of that inline for a thread that does not read the lock yet (push on
 * the tracker list, push on the non-sleepable record); recursion, a thread without state
 * and the misuse checks go through rm_rlock_slow.
 *
 * The production build of a driver (<sys/rmlock.h>, BSDSYNC_INLINE_LOCKS) takes the common
 * case without a call: no sink attached, thread context, a live non-sleepable rm, the
 * thread's record in this CPU's cache and its tracker list empty (so no recursion and no
 * tracker reuse to check), this CPU's token: the same preemption-disabled count as
 * read_enter's fast path, then the tracker pushed on the list, flagged BSDSYNC_RMPF_INLINE
 * (no held-locks record, no event). Its rm_runlock undoes that inline when the tracker is
 * the list's head and the CPU has its token; otherwise fbsd_rm_runlock does it (unlinks the
 * tracker, removes no record, read_exit), so a writer that took the tokens meanwhile finds
 * the hold in the sum of the CPU counts and waits for it as for any other.
 */
#include <bsdsync/freebsd/rmlock.h>
#include <bsdsync/inline_abi.h>
#include "freebsd/lock_class.h"
#include "core/adaptive.h"
#include "core/prio.h"
#include "core/thread.h"
#include "core/waitq.h"

namespace bsdsync::fbsd {

namespace {

using RmState = bsdsync_rm_state;
using RmCpu = bsdsync_rm_cpu;

/* Where the inline rm_rlock finds the thread's tracker list (<bsdsync/inline_abi.h>). */
static_assert(__builtin_offsetof(struct bsdsync_td_record, state) +
			      __builtin_offsetof(ThreadState, personality) +
			      kThreadSlot * sizeof(PersonalitySlot) +
			      __builtin_offsetof(ThreadSlot, rm_trackers) ==
		      BSDSYNC_TD_RM_TRACKERS,
	      "include/bsdsync/inline_abi.h: BSDSYNC_TD_RM_TRACKERS");

constexpr unsigned kRmClass = BSDSYNC_CLASS_RM;
constexpr unsigned kRmSleepableClass = BSDSYNC_CLASS_RM_SLEEPABLE;
constexpr unsigned kRmsClass = BSDSYNC_CLASS_RMS;

inline uintptr writer_of(uintptr v) { return v & ~BSDSYNC_RM_FLAGMASK; }
constexpr uintptr kUnrecorded = BSDSYNC_RM_UNRECORDED;
inline uintptr self() { return (uintptr)curthread(); }

/* This CPU's slot: only while the caller cannot migrate (preemption or interrupts off). */
/* The platform's zero area: a lock without per-CPU memory of its own (state_init). */
inline RmCpu *no_cpus()
{
	static_assert(sizeof(RmCpu) <= BSDSYNC_PERCPU_ZERO_SIZE);
	return static_cast<RmCpu *>(bsdsync_percpu_zero_area);
}
inline bool has_cpus(const RmState *st) { return st->rm_pcpu != no_cpus(); }

inline RmCpu *this_cpu(const RmState *st)
{
	return static_cast<RmCpu *>(bsdsync_percpu_this(st->rm_pcpu));
}
inline RmCpu *cpu_slot(const RmState *st, int cpu)
{
	return static_cast<RmCpu *>(bsdsync_percpu_of(st->rm_pcpu, cpu));
}
/* Every possible CPU's slot (online or not: a reader may have counted itself on a CPU
 * that went offline since). */
#define for_each_cpu_slot(st, c)                                                      \
	for (int rm_cpu_ = bsdsync_cpu_next_possible(-1); rm_cpu_ >= 0;               \
	     rm_cpu_ = bsdsync_cpu_next_possible(rm_cpu_))                             \
		if (RmCpu *c = cpu_slot(st, rm_cpu_); true)

/* Non-sleepable locks block their waiters for a bounded time (the holders cannot sleep);
 * the others may keep them waiting for as long as a sleep lasts. */
inline bsdsync_block_state wait_state(bool unbounded)
{
	return unbounded ? BSDSYNC_BLOCK_IDLE : BSDSYNC_BLOCK_LOCK;
}

/* ---- the reader/writer machinery shared by rm and rms ---------------------------------- */

/* Fully ordered accesses for the two Dekker-style handshakes of the top comment (lock xadd,
 * lock cmpxchg and a plain mov on x86). */
template <typename T> inline T fetch_add_full(volatile T *p, T v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}
template <typename T> inline T load_full(const volatile T *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}
template <typename T> inline bool cas_full(volatile T *p, T *expected, T desired)
{
	return __atomic_compare_exchange_n(p, expected, desired, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_RELAXED);
}

constexpr uintptr kWaiters = BSDSYNC_RM_WAITERS;
constexpr long kDrainWait = BSDSYNC_RM_DRAIN_WAIT;
/* A writer waits this many ticks after the last write release before CPUs get their read
 * tokens back (at least one full tick: FreeBSD-free equivalent of rcu_sync's grace period). */
constexpr unsigned kCalmTicks = BSDSYNC_RM_CALM_TICKS;
/* ... and after this many central reads on a CPU with no write release in between (a
 * writer-free interval measured in reader activity too: a stalled system does not look
 * calm). */
constexpr unsigned kCalmReads = 64;
/* How long a writer polls the read count before it blocks (readers' sections are short). */
constexpr int kDrainSpins = 512;

/* No writer owns the lock (waiter bits may remain: woken waiters on their way). */
inline bool is_free(uintptr w) { return (w & ~kWaiters) == 0; }

enum Admit : unsigned {
	kAdmitRecursion = 1,	/* the thread already reads: let it past a DRAINING writer */
	kAdmitInterrupt = 2,	/* interrupt context: count centrally, never block */
};

struct ReadRequest {
	lock_object *lo;
	RmState *st;
	unsigned admit;		/* Admit */
	bool trylock;
	bool unbounded;		/* how long a writer may keep us waiting (wait_state) */
	const char *what;
	const char *file;
	int line;
};

void state_init(RmState *st, bool reuse_cpus)
{
	store_relaxed(&st->rm_lock, 0UL);
	store_relaxed(&st->rm_readers, 0L);
	store_relaxed(&st->rm_tokens, 0);
	/* Never written: calm already, the first reader on each CPU gets its token. */
	unsigned wtick = (unsigned)bsdsync_ticks() - kCalmTicks;
	store_relaxed(&st->rm_wtick, wtick);
	/* Every token starts revoked (FreeBSD: rm_writecpus = all_cpus): each CPU's first
	 * reader takes the slow path once. Without per-CPU memory of its own the lock points
	 * at the platform's zero area (never null, so the inline read path has no null
	 * check): every token reads 0 and is never granted (has_cpus), every reader counts
	 * centrally: slower, still correct. */
	if (!reuse_cpus || !st->rm_pcpu || !has_cpus(st))
		st->rm_pcpu = static_cast<RmCpu *>(bsdsync_percpu_alloc(
			sizeof(RmCpu), bsdsync_current_context() == BSDSYNC_CTX_THREAD));
	if (!st->rm_pcpu)
		st->rm_pcpu = no_cpus();
	if (has_cpus(st)) {
		for_each_cpu_slot(st, c) {
			store_relaxed(&c->readers, 0L);
			store_relaxed(&c->token, 0);
			store_relaxed(&c->calm, (wtick & 0xffff) << 16);
		}
	}
}

void state_destroy(RmState *st)
{
	store_release(&st->rm_lock, BSDSYNC_RM_DESTROYED);
	if (has_cpus(st))
		bsdsync_percpu_free(st->rm_pcpu);
	/* Not null: an inline reader that raced the destroy (misuse) reads a zero token and
	 * goes to the module, which reports it. */
	st->rm_pcpu = no_cpus();
}

/* The read holds, read without synchronising with readers in flight: exact when no
 * reader is entering or leaving, which is what destroy (a misuse check) needs. */
long holds_estimate(const RmState *st)
{
	long n = load_relaxed(&st->rm_readers);
	if (n >= kDrainWait / 2)
		n -= kDrainWait;
	if (has_cpus(st)) {
		for_each_cpu_slot(st, c)
			n += load_relaxed(&c->readers);
	}
	return n;
}

/*
 * Priority propagation (core/prio.h), as FreeBSD: a thread blocked behind the writer of a
 * non-sleepable rm lock (FreeBSD blocks it on the lock's mutex) lends its priority to that
 * writer; sleepable rm (an sx in FreeBSD) and rms do not propagate, nor does the writer
 * waiting for readers to drain (no single owner). The lending is keyed by the RmState.
 */
thread *prio_writer(const void *state)
{
	uintptr w = load_relaxed(&static_cast<const RmState *>(state)->rm_lock);
	return w == BSDSYNC_RM_DESTROYED ? nullptr : (thread *)writer_of(w);
}

/* How an rm wait blocks (core/block.h): a sleepable lock's (rm_sleepable, rms) is a sleep
 * (its Giant already gone: GiantSave); a non-sleepable one's a lock wait that keeps Giant
 * and, behind a writer (`lend_to` = st), lends to it. */
BlockOptions block_options(bool unbounded, RmState *lend_to, const char *file, int line)
{
	BlockOptions o;
	o.kind = unbounded ? BlockKind::Sleep : BlockKind::Lock;
	o.state = wait_state(unbounded);
	if (!unbounded && lend_to) {
		o.lend_key = lend_to;
		o.lend_owner = prio_writer;
	}
	o.file = file;
	o.line = line;
	return o;
}

/*
 * Queue on (lo, queue) behind the writer seen in w, unless the word has changed: set
 * WAITERS under the chain (so that the writer's release takes its slow path and finds us),
 * then block. Returns when woken or when there was nothing to wait for: the caller retries.
 */
void queue_behind_writer(lock_object *lo, RmState *st, WaitQueueId queue, bool unbounded,
			 const char *file, int line)
{
	WaitTable::Guard g(turnstiles, lo);
	uintptr w = load_relaxed(&st->rm_lock);
	if (is_free(w) || w == BSDSYNC_RM_DESTROYED)
		return;
	if (!(w & kWaiters) && !cas_relaxed(&st->rm_lock, &w, w | kWaiters))
		return;		/* changed meanwhile: look again */
	Waiter wt;
	block_on(turnstiles, g, wt, lo, queue, block_options(unbounded, st, file, line));
}

/* Spin while the writer in w runs and still owns the lock (like rw_semaphore's optimistic
 * spinning). True if the word changed. */
inline bool spin_on_writer(RmState *st, uintptr w)
{
	return adaptive_spin(&st->rm_lock, writer_of(w), ~BSDSYNC_RM_FLAGMASK);
}

/* The draining writer blocked on (lo, WaitQueueId::Drainers) with DRAIN_WAIT set in rm_readers; the
 * reader whose decrement took the count to zero wakes it. Only the chain is touched here:
 * the writer, once it sees zero, may release and destroy the lock at once. */
BSDSYNC_NOINLINE void wake_drainer(lock_object *lo)
{
	WakeList later;	/* the drainer is woken after the chain is released */
	WaitTable::Guard g(turnstiles, lo);
	if (Waiter *drainer = turnstiles.take_one(g, lo, WaitQueueId::Drainers))
		turnstiles.wake_taken(g, drainer, later);
}

/* Drop a central read hold. */
inline void central_exit(lock_object *lo, RmState *st)
{
	if (unlikely(fetch_add_full(&st->rm_readers, -1L) == kDrainWait + 1))
		wake_drainer(lo);
}

/* Calm: no write release for kCalmTicks (rcu_sync's "idle"): CPUs may get tokens again. */
inline bool calm(const RmState *st)
{
	return (unsigned)bsdsync_ticks() - load_relaxed(&st->rm_wtick) >= kCalmTicks;
}

/*
 * Give this CPU its read token (top comment, "grant") and count the reader on it. False if
 * a writer appeared: then nothing is counted and the token is taken back.
 */
bool grant_and_count(RmState *st)
{
	bool counted = false;
	bsdsync_preempt_disable_fast();
	RmCpu *c = this_cpu(st);
	unsigned calm = load_relaxed(&c->calm);
	unsigned since = load_relaxed(&st->rm_wtick) & 0xffff;
	if ((calm >> 16) != since) {
		/* The first calm read on this CPU since that write: start counting. */
		store_relaxed(&c->calm, since << 16 | kCalmReads);
	} else if (calm & 0xffff) {
		store_relaxed(&c->calm, calm - 1);
	} else if (!load_relaxed(&c->token)) {
		store_relaxed(&st->rm_tokens, 1);
		store_relaxed(&c->token, 1);
		full_fence();
		if (is_free(load_acquire(&st->rm_lock))) {
			store_relaxed(&c->readers, load_relaxed(&c->readers) + 1);
			counted = true;
		} else {
			store_relaxed(&c->token, 0);
		}
	} else {
		/* We moved to a CPU that has its token: count as the fast path does. */
		store_relaxed(&c->readers, load_relaxed(&c->readers) + 1);
		counted = true;
	}
	bsdsync_preempt_enable_fast();
	return counted;
}

enum class SlowRead { Taken, Refused, WriterReads, Destroyed };

BSDSYNC_NOINLINE bool read_slow(const ReadRequest &r)
{
	const uintptr me = self();
	RmState *st = r.st;
	const bool interrupt = r.admit & kAdmitInterrupt;
	SlowRead outcome;
	GiantSave giant(r.file, r.line);	/* taken back on return, the hold taken or not */

	for (;;) {
		uintptr w = load_acquire(&st->rm_lock);
		if (is_free(w) && !interrupt && has_cpus(st) && calm(st) && grant_and_count(st))
			return true;
		/* Central: count first, then look for a writer (fully ordered against the
		 * writer's claim of rm_lock followed by its read of the count). */
		fetch_add_full(&st->rm_readers, 1L);
		w = load_full(&st->rm_lock);
		if (likely(is_free(w)))
			return true;
		if (unlikely(w == BSDSYNC_RM_DESTROYED)) {
			central_exit(r.lo, st);
			outcome = SlowRead::Destroyed;
			break;
		}
		if (writer_of(w) == me) {
			/* FreeBSD: the write owner's try-read fails; its read is an assertion. */
			if (r.trylock || interrupt) {
				central_exit(r.lo, st);
				return false;
			}
			outcome = SlowRead::WriterReads;	/* counted, inside the write */
			break;
		}
		if (r.admit & kAdmitRecursion) {
			/* The thread's outer hold keeps any writer from finishing its drain, so
			 * this writer is still draining (DRAINING may not be set yet): it waits
			 * for this hold too, and the thread never waits for a writer that waits
			 * for it. */
			return true;
		}
		central_exit(r.lo, st);
		if (r.trylock || interrupt)
			return false;
		/* A sleepable lock's wait (spin or block) is made without Giant. */
		if (r.unbounded)
			giant.drop();
		if (spin_on_writer(st, w))
			continue;
		/* Atomic context (a spin mutex held, a critical section) cannot block, and
		 * cannot spin either: a writer revoking tokens waits for a grace period, which
		 * waits for this CPU to leave its atomic section. Reported once; not taken, as
		 * in interrupt context. */
		if (unlikely(!may_block(subject_of(r.lo), nullptr, r.what,
					"not taken (a writer holds it)", r.file, r.line)))
			return false;
		queue_behind_writer(r.lo, st, WaitQueueId::SharedLockers, r.unbounded, r.file,
				    r.line);
	}
	/* Reports are made with the chain released. */
	if (outcome == SlowRead::Destroyed) {
		report(BSDSYNC_RULE_DESTROYED, subject_of(r.lo), r.file, r.line,
		       "%s of a lock destroyed while we waited", r.what);
		return false;
	}
	report(BSDSYNC_RULE_RECURSION, subject_of(r.lo), r.file, r.line,
	       "%s of a lock the thread holds for writing (taken as a read inside the write)",
	       r.what);
	return true;
}

/* Take a read hold. Returns false if it was not taken (try-lock, or misuse reported). */
inline bool read_enter(const ReadRequest &r)
{
	RmCpu *pcpu = r.st->rm_pcpu;
	if (!(r.admit & kAdmitInterrupt) && likely(pcpu)) {
		bsdsync_preempt_disable_fast();
		/* The check and the count run in one preemption-disabled section, which a
		 * writer's grace period waits for (top comment). One %gs-relative load and one
		 * %gs-relative add; x86 orders the critical section after the load. */
		if (likely(bsdsync_this_cpu_read_int(&pcpu->token))) {
			bsdsync_this_cpu_add_long(&pcpu->readers, 1);
			bsdsync_preempt_enable_fast();
			return true;
		}
		bsdsync_preempt_enable_fast();
	}
	return read_slow(r);
}

/* Release a read hold (on whatever CPU the thread is on now). */
inline void read_exit(lock_object *lo, RmState *st, bool interrupt)
{
	RmCpu *pcpu = st->rm_pcpu;
	if (!interrupt && likely(pcpu)) {
		bsdsync_preempt_disable_fast();
		/* A writer that takes this CPU's token after this reads the count after its
		 * grace period, which orders this section (and the critical section before it)
		 * before the writer's. */
		if (likely(bsdsync_this_cpu_read_int(&pcpu->token))) {
			bsdsync_this_cpu_add_long(&pcpu->readers, -1);
			bsdsync_preempt_enable_fast();
			return;
		}
		bsdsync_preempt_enable_fast();
	}
	central_exit(lo, st);
}

/* Steps 2-5 of the write lock (top comment): the caller owns rm_lock. */
void drain_readers(lock_object *lo, RmState *st, bool unbounded, const char *file, int line)
{
	long moved = 0;
	if (load_full(&st->rm_tokens)) {	/* only a lock with CPUs of its own grants */
		store_relaxed(&st->rm_tokens, 0);
		full_fence();
		bool revoked = false;
		for_each_cpu_slot(st, c) {
			if (load_relaxed(&c->token)) {
				store_relaxed(&c->token, 0);
				revoked = true;
			}
		}
		/* After this, every fast section either is visible here or saw its token
		 * cleared: the counts are frozen until a token is granted again. */
		if (revoked)
			bsdsync_synchronize_cpus();
		for_each_cpu_slot(st, c) {
			moved += load_relaxed(&c->readers);
			store_relaxed(&c->readers, 0L);
		}
	}
	/* Fully ordered after the claim of rm_lock (the readers' handshake). */
	long n = moved ? fetch_add_full(&st->rm_readers, moved) + moved
		       : load_full(&st->rm_readers);
	if (likely(n == 0))
		return;		/* acquire: the seq_cst load/add */
	__atomic_fetch_or(&st->rm_lock, BSDSYNC_RM_DRAINING, __ATOMIC_RELAXED);
	SpinCount profiled;
	for (int spins = 0; n != 0 && spins < kDrainSpins; spins++) {
		bsdsync_cpu_relax();
		profiled.tick();
		n = load_acquire(&st->rm_readers);
	}
	/* A sleepable lock's writer blocks for its readers without Giant (rms: FreeBSD's
	 * msleep): a reader may be about to take Giant. Taken back once the readers are out. */
	GiantSave giant(file, line);
	if (n != 0 && unbounded)
		giant.drop();
	while (n != 0) {
		WaitTable::Guard g(turnstiles, lo);
		if (fetch_add_full(&st->rm_readers, kDrainWait) == 0) {
			fetch_add_full(&st->rm_readers, -kDrainWait);
			break;
		}
		Waiter wt;
		block_on(turnstiles, g, wt, lo, WaitQueueId::Drainers,
			 block_options(unbounded, nullptr, file, line));
		n = fetch_add_full(&st->rm_readers, -kDrainWait) - kDrainWait;
	}
	/* Acquire: the last reader's release (its decrement) happened before; fast readers
	 * were ordered by the grace period. Waiter bits may have been set meanwhile. */
	__atomic_fetch_and(&st->rm_lock, ~BSDSYNC_RM_DRAINING, __ATOMIC_ACQ_REL);
}

/* Take the write role and drain the readers. Returns false if the lock was destroyed
 * meanwhile (reported). */
BSDSYNC_NOINLINE bool write_enter_slow(lock_object *lo, RmState *st, bool unbounded,
				       const char *what, const char *file, int line)
{
	const uintptr me = self();
	GiantSave giant(file, line);	/* taken back on return, with the drain done */
	for (;;) {
		uintptr w = load_relaxed(&st->rm_lock);
		if (unlikely(w == BSDSYNC_RM_DESTROYED)) {
			report(BSDSYNC_RULE_DESTROYED, subject_of(lo), file, line,
			       "%s of a lock destroyed while we waited", what);
			return false;
		}
		if (is_free(w)) {
			/* From here no token is granted and no central reader stays. A free word
			 * with WAITERS keeps them: this writer's release wakes. */
			if (cas_full(&st->rm_lock, &w, me | (w & kWaiters))) {
				if ((w & kWaiters) && !unbounded)
					prio_claim(st, lo);	/* inherit the queued waiters' */
				break;
			}
			continue;
		}
		/* A sleepable lock's wait (spin or block) is made without Giant. */
		if (unbounded)
			giant.drop();
		if (spin_on_writer(st, w))
			continue;
		queue_behind_writer(lo, st, WaitQueueId::ExclusiveLockers, unbounded, file, line);
	}
	drain_readers(lo, st, unbounded, file, line);
	return true;
}

/* The uncontended write lock inline: one CAS, then (no token granted, no reader) done. */
inline bool write_enter(lock_object *lo, RmState *st, bool unbounded, const char *what,
			const char *file, int line)
{
	uintptr w = 0;
	if (unlikely(!cas_full(&st->rm_lock, &w, self())))
		return write_enter_slow(lo, st, unbounded, what, file, line);
	if (unlikely(load_full(&st->rm_tokens) || load_full(&st->rm_readers)))
		drain_readers(lo, st, unbounded, file, line);
	return true;
}

BSDSYNC_NOINLINE void write_exit_slow(lock_object *lo, RmState *st)
{
	/* Owned by us, so the word only changes under this Guard (waiter bits): stable. The
	 * lock is left free and the waiters retry (no hand-off to a thread that is not
	 * running yet: no convoy): the first queued writer and every queued reader. */
	WakeList later;	/* the tasks are woken after the chain is released */
	WaitTable::Guard g(turnstiles, lo);
	Waiter *writer = turnstiles.take_one(g, lo, WaitQueueId::ExclusiveLockers);
	bool more = turnstiles.has_waiters(g, lo, WaitQueueId::ExclusiveLockers);
	store_release(&st->rm_lock, more ? kWaiters : 0UL);
	if (writer)
		turnstiles.wake_taken(g, writer, later);
	turnstiles.wake_all(g, lo, WaitQueueId::SharedLockers, later);
	g.unlock();
	later.wake();
	/* What the waiters lent the writer ends (st is only a key there: it may be gone). */
	prio_released(st);
}

/* `unrecorded`: the hold's BSDSYNC_RM_UNRECORDED bit (a hold the inline rm_wlock took). */
void write_exit(lock_object *lo, RmState *st, uintptr unrecorded = 0)
{
	/* The calm interval starts now (readers stay central until it has passed). */
	store_relaxed(&st->rm_wtick, (unsigned)bsdsync_ticks());
	uintptr w = self() | unrecorded;
	if (likely(cas_release(&st->rm_lock, &w, 0UL)))
		return;
	write_exit_slow(lo, st);
}

/* A writer may block and waits for a grace period: thread context only (core/thread.h). */
/* A writer that read-locks the lock would wait for itself in the drain: reported, and the
 * write lock is not taken. True if `reads` (the thread's read holds of it) refuses it. */
bool writer_reads(const lock_object *lo, int reads, const char *what, const char *file, int line)
{
	if (likely(!reads))
		return false;
	report(BSDSYNC_RULE_RECURSION, subject_of(lo), file, line,
	       "%s by a thread that read-locks it: not taken (it would wait for itself)", what);
	return true;
}

bool writer_may_block(const lock_object *lo, const char *what, const char *file, int line)
{
	return may_block(subject_of(lo), nullptr, what, "not taken", file, line);
}

/* Is lo a live lock of one of the wanted classes? One load and compare on the fast
 * path; the cold path says what is wrong. Operations on a broken lock are reported and
 * not performed. */
BSDSYNC_COLD bool bad_lock(const lock_object *lo, const RmState *st, const char *kind,
			   const char *op, const char *file, int line)
{
	unsigned flags = load_relaxed(&lo->lo_flags);
	if (load_relaxed(&st->rm_lock) == BSDSYNC_RM_DESTROYED && !(flags & LO_INITIALIZED))
		report(BSDSYNC_RULE_DESTROYED, subject_of(lo), file, line, "%s of a destroyed %s",
		       op, kind);
	else if (!(flags & LO_INITIALIZED))
		report(BSDSYNC_RULE_UNINITIALIZED, subject_of(lo), file, line,
		       "%s of a %s never initialised", op, kind);
	else
		report(BSDSYNC_RULE_WRONG_CLASS, subject_of(lo), file, line, "%s on a %s, not a %s",
		       op, lock_class_of(lo) ? lock_class_of(lo)->name : "lock", kind);
	return false;
}

inline bool is_live(const lock_object *lo, const RmState *st, unsigned cls1, unsigned cls2,
		    const char *kind, const char *op, const char *file, int line)
{
	unsigned flags = load_relaxed(&lo->lo_flags);
	unsigned cls = (flags & LO_CLASSMASK) >> LO_CLASSSHIFT;
	if (likely((flags & LO_INITIALIZED) && (cls == cls1 || cls == cls2)))
		return true;
	return bad_lock(lo, st, kind, op, file, line);
}

/* Is st held (write owner, or any read hold)? */
bool held(const RmState *st)
{
	return !is_free(load_relaxed(&st->rm_lock)) || holds_estimate(st) != 0;
}

/* ---- rm: trackers ------------------------------------------------------------------------ */

inline lock_object *lo_of(rmlock *rm) { return &rm->lock_object; }
inline const lock_object *lo_of(const rmlock *rm) { return &rm->lock_object; }

inline bool rm_live(const rmlock *rm, const char *op, const char *file, int line)
{
	return is_live(lo_of(rm), &rm->rm_state, kRmClass, kRmSleepableClass, "rm lock", op,
		       file, line);
}

inline bool rm_sleepable(const rmlock *rm)
{
	unsigned flags = load_relaxed(&lo_of(rm)->lo_flags);
	return ((flags & LO_CLASSMASK) >> LO_CLASSSHIFT) == kRmSleepableClass;
}

inline rm_priotracker *trackers(const ThreadState *t)
{
	return static_cast<rm_priotracker *>(thread_slot(t)->rm_trackers);
}

/* Holds are recorded in the thread's held-locks stack under the lock's type (a sleepable
 * rm's readers are non-sleepable holds all the same: BSDSYNC_LT_READS_NOSLEEP). */
inline const LockType *rm_type(const rmlock *rm)
{
	unsigned flags = load_relaxed(&lo_of(rm)->lo_flags);
	return ((flags & LO_CLASSMASK) >> LO_CLASSSHIFT) == kRmSleepableClass
		       ? &lock_type_rm_sleepable
		       : &lock_type_rm;
}

/* How many read holds of rm the thread has (its trackers for rm). */
int rm_reads_held(const ThreadState *t, const rmlock *rm)
{
	int n = 0;
	for (rm_priotracker *p = t ? trackers(t) : nullptr; p; p = p->rmp_next)
		n += p->rmp_rmlock == rm;
	return n;
}

rm_priotracker *rm_find_tracker(const ThreadState *t, const rmlock *rm)
{
	for (rm_priotracker *p = t ? trackers(t) : nullptr; p; p = p->rmp_next)
		if (p->rmp_rmlock == rm)
			return p;
	return nullptr;
}

bool rm_unlink_tracker(ThreadState *t, rm_priotracker *tr)
{
	for (rm_priotracker **pp = reinterpret_cast<rm_priotracker **>(&thread_slot(t)->rm_trackers);
	     *pp;
	     pp = &(*pp)->rmp_next) {
		if (*pp == tr) {
			*pp = tr->rmp_next;
			return true;
		}
	}
	return false;
}

/* A read hold refused after a report (read_slow: interrupt or atomic context with a writer
 * in the way). FreeBSD's rm_rlock returns nothing, so the caller's rm_runlock follows: the
 * tracker is marked so that it ends quietly (the refusal was the one report). A try-lock's
 * caller knows it failed and unlocks nothing. */
int read_refused(rmlock *rm, rm_priotracker *tr, int trylock)
{
	if (!trylock) {
		tr->rmp_next = nullptr;
		tr->rmp_rmlock = rm;
		tr->rmp_thread = curthread();
		tr->rmp_flags = BSDSYNC_RMPF_REFUSED;
	}
	return 0;
}

/* rm_rlock in interrupt context: reported (use a threaded handler); taken only if no
 * writer is in the way, counted centrally (the per-CPU counts belong to threads). */
BSDSYNC_NOINLINE int rm_rlock_interrupt(rmlock *rm, rm_priotracker *tr, int trylock,
					const char *file, int line)
{
	if (!trylock)
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, subject_of(lo_of(rm)), file, line,
		       "rm_rlock in interrupt context (use a threaded handler): taken only if no "
		       "writer holds it");
	tr->rmp_next = nullptr;
	tr->rmp_rmlock = rm;
	tr->rmp_thread = curthread();
	tr->rmp_flags = BSDSYNC_RMPF_UNTRACKED;
	ReadRequest r{ lo_of(rm), &rm->rm_state, kAdmitInterrupt, true, false, "rm_rlock", file,
		       line };
	if (read_slow(r))
		return 1;
	tr->rmp_rmlock = nullptr;
	return read_refused(rm, tr, trylock);
}

} // namespace

/* ---- lock class hooks ------------------------------------------------------------------ */

/* rm_sleep: FreeBSD's unlock_rm/lock_rm. A write hold comes back as a write (how = 0); a
 * read hold as a read with the thread's own tracker (how = the tracker), as FreeBSD does,
 * which is why the hold may not be recursed. */
static bool rm_class_unlock(lock_object *lo, uintptr *how, const char *file, int line)
{
	rmlock *rm = reinterpret_cast<rmlock *>(lo);
	if (fbsd_rm_wowned(rm)) {
		if (lo->lo_data) {
			report(BSDSYNC_RULE_SLEEP_RECURSED, subject_of(lo), file, line,
			       "cannot sleep on a recursed rm lock");
			return false;
		}
		*how = 0;
		fbsd_rm_wunlock(rm, file, line);
		return true;
	}
	ThreadState *t = current_record_if_any();
	int n = rm_reads_held(t, rm);
	if (n == 0) {
		report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo), file, line,
		       "sleeping with an rm interlock the thread does not hold");
		return false;
	}
	if (n > 1) {
		report(BSDSYNC_RULE_SLEEP_RECURSED, subject_of(lo), file, line,
		       "cannot sleep on an rm lock read-locked %d times", n);
		return false;
	}
	rm_priotracker *tr = rm_find_tracker(t, rm);
	*how = (uintptr)tr;
	fbsd_rm_runlock(rm, tr, file, line);
	return true;
}

static void rm_class_lock(lock_object *lo, uintptr how, const char *file, int line)
{
	rmlock *rm = reinterpret_cast<rmlock *>(lo);
	if (how == 0)
		fbsd_rm_wlock(rm, file, line);
	else
		fbsd_rm_rlock(rm, reinterpret_cast<rm_priotracker *>(how), 0, file, line);
}

static bool rm_class_owned(const lock_object *lo)
{
	const rmlock *rm = reinterpret_cast<const rmlock *>(lo);
	return fbsd_rm_wowned(rm) || rm_reads_held(current_record_if_any(), rm) > 0;
}

/* rms has no lock class in FreeBSD and cannot be a sleep interlock: this one names it in
 * reports and refuses the sleep. */
static bool rms_class_unlock(lock_object *lo, uintptr *, const char *file, int line)
{
	report(BSDSYNC_RULE_WRONG_CLASS, subject_of(lo), file, line,
	       "an rms lock cannot be the interlock of a sleep");
	return false;
}

static void rms_class_lock(lock_object *, uintptr, const char *, int) {}

static bool rms_class_owned(const lock_object *lo)
{
	return fbsd_rms_owned_any(reinterpret_cast<const rmslock *>(lo));
}

constinit const LockClass lock_class_rm = {
	"rm", LC_SLEEPLOCK | LC_RECURSABLE, &lock_type_rm,
	rm_class_unlock, rm_class_lock, rm_class_owned,
};
constinit const LockClass lock_class_rm_sleepable = {
	"sleepable rm", LC_SLEEPLOCK | LC_SLEEPABLE | LC_RECURSABLE, &lock_type_rm_sleepable,
	rm_class_unlock, rm_class_lock, rm_class_owned,
};
constinit const LockClass lock_class_rms = {
	"rms", LC_SLEEPLOCK | LC_SLEEPABLE | LC_RECURSABLE, &lock_type_rms,
	rms_class_unlock, rms_class_lock, rms_class_owned,
};

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

/* ---- rm: the C ABI ----------------------------------------------------------------------- */

extern "C" void fbsd_rm_init_flags(struct rmlock *rm, const char *name, int opts,
				   const struct bsdsync_lock_site *site)
{
	lock_object *lo = lo_of(rm);
	unsigned cls = (opts & RM_SLEEPABLE) ? kRmSleepableClass : kRmClass;
	unsigned old = load_relaxed(&lo->lo_flags);
	unsigned old_cls = (old & LO_CLASSMASK) >> LO_CLASSSHIFT;
	/* Only memory that says it is a live rm lock may be trusted to hold our per-CPU
	 * pointer; anything else is initialised from scratch. */
	bool ours = (old & LO_INITIALIZED) && (old_cls == kRmClass || old_cls == kRmSleepableClass);

	if (!(opts & RM_NEW) && (old & LO_INITIALIZED)) {
		report(BSDSYNC_RULE_DOUBLE_INIT, ReportSubject{ "rm", name, rm, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "rm_init of a live rm lock \"%s\" (pass RM_NEW for fresh memory)",
		       lo->lo_name ? lo->lo_name : "");
		/* Re-initialising a held lock would corrupt its holders: keep it. */
		if (ours && held(&rm->rm_state))
			return;
	}
	unsigned flags = 0;
	if (opts & RM_RECURSE)
		flags |= LO_RECURSABLE;
	if (!(opts & RM_NOWITNESS))
		flags |= LO_WITNESS;
	if (opts & RM_NEW)
		flags |= LO_NEW;
	if (opts & RM_SLEEPABLE)
		flags |= LO_SLEEPABLE;
	state_init(&rm->rm_state, ours && !(opts & RM_NEW));
	lock_init(lo, cls, name, flags, site);
}

extern "C" void fbsd_rm_destroy(struct rmlock *rm, const char *file, int line)
{
	lock_object *lo = lo_of(rm);
	if (!rm_live(rm, "rm_destroy", file, line))
		return;
	uintptr w = load_relaxed(&rm->rm_state.rm_lock);
	long readers = holds_estimate(&rm->rm_state);
	if (!is_free(w) || readers != 0) {
		int mine = rm_reads_held(current_record_if_any(), rm);
		if (!is_free(w))
			report(BSDSYNC_RULE_DESTROY_HELD, subject_of(lo), file, line,
			       "rm_destroy of a lock held for writing by %s",
			       writer_of(w) == self() ? "the caller" : "another thread");
		else
			report(BSDSYNC_RULE_DESTROY_HELD, subject_of(lo), file, line,
			       "rm_destroy of a lock with %ld read hold(s), %d of them the caller's",
			       readers, mine);
		return;
	}
	state_destroy(&rm->rm_state);
	lock_destroy(lo);
}

/* rm_rlock in thread context, every case: recursion, misuse, a thread without state,
 * the slow read path. */
static BSDSYNC_NOINLINE int rm_rlock_slow(struct rmlock *rm, struct rm_priotracker *tr,
					  int trylock, ThreadState *t, const char *file, int line)
{
	const char *what = trylock ? "rm_try_rlock" : "rm_rlock";
	lock_object *lo = lo_of(rm);
	int mine = 0;
	if (!t)
		t = current_record();
	for (rm_priotracker *p = t ? trackers(t) : nullptr; p; p = p->rmp_next) {
		if (unlikely(p == tr)) {
			report(BSDSYNC_RULE_BAD_ARGUMENT, subject_of(lo), file, line,
			       "%s with a tracker that already holds a read lock: not taken", what);
			return 0;
		}
		mine += p->rmp_rmlock == rm;
	}
	unsigned admit = 0;
	if (mine) {
		if (lo->lo_flags & LO_RECURSABLE) {
			admit |= kAdmitRecursion;
		} else if (!trylock) {
			/* FreeBSD asserts; taken anyway, as a recursion, so that it cannot
			 * deadlock behind a writer waiting for the outer hold. */
			report(BSDSYNC_RULE_RECURSION, subject_of(lo), file, line,
			       "rm_rlock recursed on an rm lock without RM_RECURSE");
			admit |= kAdmitRecursion;
		}
	}
	bool sleepable = rm_sleepable(rm);
	/* A sleepable rm's reader may wait for a writer that sleeps (only a thread holding a
	 * non-sleepable lock can be reported: skip the call otherwise). */
	if (sleepable && !trylock && !mine && (!t || t->held.nosleep > 0))
		check_may_sleep_with_locks(nullptr, "rm_rlock of a sleepable rm lock", file, line);

	ReadRequest r{ lo, &rm->rm_state, admit, trylock != 0, sleepable, what, file, line };
	if (!read_enter(r))
		return read_refused(rm, tr, trylock);
	tr->rmp_rmlock = rm;
	tr->rmp_thread = curthread();
	if (likely(t)) {
		tr->rmp_flags = 0;
		tr->rmp_next = trackers(t);
		thread_slot(t)->rm_trackers = tr;
	} else {
		tr->rmp_flags = BSDSYNC_RMPF_UNTRACKED;
		tr->rmp_next = nullptr;
	}
	/* Readers never sleep, sleepable rm or not (FreeBSD THREAD_NO_SLEEPING): a
	 * non-sleepable hold (rm_type). */
	held_acquired(t, lo, rm_type(rm), HoldMode::Shared, trylock ? BSDSYNC_LE_TRY : 0, file,
		      line);
	return 1;
}

/* Record a read hold taken by a thread that did not read rm yet (the common case). */
static inline void track_first_read(ThreadState *t, struct rmlock *rm, struct rm_priotracker *tr,
				    struct rm_priotracker *head, int trylock, const char *file,
				    int line)
{
	tr->rmp_rmlock = rm;
	tr->rmp_thread = curthread();
	tr->rmp_flags = 0;
	tr->rmp_next = head;
	thread_slot(t)->rm_trackers = tr;
	/* Readers never sleep, sleepable rm or not (FreeBSD THREAD_NO_SLEEPING). No event:
	 * the fast and central paths run only with no lock-event sink attached. */
	held_record(t, lo_of(rm), rm_type(rm), HoldMode::Shared, true, file, line);
}

/* The fast path's conditions hold but this CPU has no token: the central count (inline
 * here while a writer was here lately and no CPU may get its token back), or read_slow. */
static BSDSYNC_NOINLINE int rm_rlock_central(struct rmlock *rm, struct rm_priotracker *tr,
					     int trylock, ThreadState *t, const char *file,
					     int line)
{
	/* Called with preemption disabled by the fast path (so that it ends in a tail
	 * call). */
	bsdsync_preempt_enable_fast();
	RmState *st = &rm->rm_state;
	if (!calm(st)) {
		fetch_add_full(&st->rm_readers, 1L);
		if (likely(is_free(load_full(&st->rm_lock)))) {
			track_first_read(t, rm, tr, trackers(t), trylock, file, line);
			return 1;
		}
		central_exit(lo_of(rm), st);
	}
	ReadRequest r{ lo_of(rm), st, 0, trylock != 0, rm_sleepable(rm),
		       trylock ? "rm_try_rlock" : "rm_rlock", file, line };
	if (!read_slow(r))
		return read_refused(rm, tr, trylock);
	track_first_read(t, rm, tr, trackers(t), trylock, file, line);
	return 1;
}

/* rm_rlock while a lock-event sink is attached: ACQUIRING, then the slow path does the
 * whole acquisition and sends ACQUIRED, so that the fast path carries no event. */
static BSDSYNC_NOINLINE int rm_rlock_events(struct rmlock *rm, struct rm_priotracker *tr,
					    int trylock, const char *file, int line)
{
	if (!trylock)
		lock_acquiring(lo_of(rm), rm_type(rm), HoldMode::Shared, file, line);
	if (unlikely(bsdsync_in_interrupt()))
		return rm_rlock_interrupt(rm, tr, trylock, file, line);
	return rm_rlock_slow(rm, tr, trylock, nullptr, file, line);
}

/* Tail ends of the fast paths (so that they need no saved registers). */
static BSDSYNC_NOINLINE int resched_return_1()
{
	bsdsync_preempt_resched();
	return 1;
}
static BSDSYNC_COLD int rm_rlock_not_live(struct rmlock *rm, int trylock, const char *file,
					  int line)
{
	return rm_live(rm, trylock ? "rm_try_rlock" : "rm_rlock", file, line);
}

extern "C" int fbsd_rm_rlock(struct rmlock *rm, struct rm_priotracker *tr, int trylock,
			     const char *file, int line)
{
	unsigned flags = load_relaxed(&rm->lock_object.lo_flags);
	unsigned cls = (flags & LO_CLASSMASK) >> LO_CLASSSHIFT;
	if (unlikely(!(flags & LO_INITIALIZED) || (cls != kRmClass && cls != kRmSleepableClass)))
		return rm_rlock_not_live(rm, trylock, file, line);
	if (unlikely(lock_events_on()))
		return rm_rlock_events(rm, tr, trylock, file, line);
	if (unlikely(bsdsync_in_interrupt()))
		return rm_rlock_interrupt(rm, tr, trylock, file, line);

	/* The fast path: a thread with state, not yet reading rm (no recursion to check),
	 * that could not be reported for taking a sleepable rm with a non-sleepable lock
	 * held, on a CPU with its token. The central count is rm_rlock_central's; everything
	 * else rm_rlock_slow's. */
	ThreadState *t = own_record_cached(curthread());	/* a miss: rm_rlock_slow looks */
	RmCpu *pcpu = rm->rm_state.rm_pcpu;
	if (unlikely(!t || !pcpu))
		return rm_rlock_slow(rm, tr, trylock, t, file, line);
	rm_priotracker *head = trackers(t);
	for (rm_priotracker *p = head; p; p = p->rmp_next) {
		if (p == tr || p->rmp_rmlock == rm)
			return rm_rlock_slow(rm, tr, trylock, t, file, line);
	}
	if (unlikely(t->held.nosleep > 0) && cls == kRmSleepableClass)
		return rm_rlock_slow(rm, tr, trylock, t, file, line);
	bsdsync_preempt_disable_fast();
	if (unlikely(!bsdsync_this_cpu_read_int(&pcpu->token)))
		return rm_rlock_central(rm, tr, trylock, t, file, line);
	bsdsync_this_cpu_add_long(&pcpu->readers, 1);
	track_first_read(t, rm, tr, head, trylock, file, line);
	if (bsdsync_preempt_enable_fast_test())
		return resched_return_1();
	return 1;
}

static BSDSYNC_COLD void runlock_not_owner(const lock_object *lo, const char *msg,
					   const char *file, int line)
{
	report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo), file, line, "%s", msg);
}

/* The read unlock's tails (so that the fast path needs no saved registers). */
static BSDSYNC_NOINLINE void rm_runlock_central(struct rmlock *rm)
{
	central_exit(lo_of(rm), &rm->rm_state);
}
static BSDSYNC_NOINLINE void rm_runlock_central_preempt_off(struct rmlock *rm)
{
	bsdsync_preempt_enable_fast();
	central_exit(lo_of(rm), &rm->rm_state);
}
static BSDSYNC_COLD void rm_runlock_not_live(struct rmlock *rm, const char *file, int line)
{
	rm_live(rm, "rm_runlock", file, line);
}
/* The read unlock's record when it is not the thread's newest (removed here), or RELEASED
 * to send (`popped`: the fast path removed the record already: only the event). */
static BSDSYNC_NOINLINE void rm_runlock_record(ThreadState *t, struct rmlock *rm, bool popped,
					       const char *file, int line)
{
	if (popped)
		lock_event_released(lo_of(rm), rm_type(rm), HoldMode::Shared, 0, file, line);
	else
		held_released(t, lo_of(rm), rm_type(rm), HoldMode::Shared, file, line);
}

static BSDSYNC_NOINLINE void rm_runlock_untracked(struct rmlock *rm, struct rm_priotracker *tr)
{
	tr->rmp_rmlock = nullptr;
	if (tr->rmp_flags & BSDSYNC_RMPF_REFUSED) {
		tr->rmp_flags = 0;	/* the refused read (read_refused): nothing to release */
		return;
	}
	read_exit(lo_of(rm), &rm->rm_state, bsdsync_in_interrupt());
}

/* rm_runlock once the thread's record `t` is known (null: none, or interrupt context). */
static BSDSYNC_ALWAYS_INLINE void rm_runlock_with(struct rmlock *rm, struct rm_priotracker *tr,
						   lock_object *lo, ThreadState *t,
						   const char *file, int line)
{
	if (unlikely(!t || !rm_unlink_tracker(t, tr)))
		return runlock_not_owner(lo, "rm_runlock of a read hold of another thread", file,
					 line);
	/* A tracker released once cannot be released again. */
	tr->rmp_rmlock = nullptr;
	/* The record (the event only while a sink is attached, out of line); a hold the
	 * inline rm_rlock took has neither. */
	if (likely(!(tr->rmp_flags & BSDSYNC_RMPF_INLINE))) {
		bool popped = held_pop_top(t, lo, HoldMode::Shared);
		if (unlikely(!popped) || unlikely(lock_events_on()))
			rm_runlock_record(t, rm, popped, file, line);
	}
	/* read_exit, with tail calls. */
	RmCpu *pcpu = rm->rm_state.rm_pcpu;
	if (unlikely(!pcpu))
		return rm_runlock_central(rm);
	bsdsync_preempt_disable_fast();
	if (unlikely(!bsdsync_this_cpu_read_int(&pcpu->token)))
		return rm_runlock_central_preempt_off(rm);
	bsdsync_this_cpu_add_long(&pcpu->readers, -1);
	if (bsdsync_preempt_enable_fast_test())
		return bsdsync_preempt_resched();
}

/* The per-CPU record cache missed: look the record up, out of line. */
static BSDSYNC_NOINLINE void rm_runlock_uncached(struct rmlock *rm, struct rm_priotracker *tr,
						 const char *file, int line)
{
	rm_runlock_with(rm, tr, lo_of(rm), own_record_if_any(curthread()), file, line);
}

extern "C" void fbsd_rm_runlock(struct rmlock *rm, struct rm_priotracker *tr, const char *file,
				int line)
{
	unsigned flags = load_relaxed(&rm->lock_object.lo_flags);
	unsigned cls = (flags & LO_CLASSMASK) >> LO_CLASSSHIFT;
	if (unlikely(!(flags & LO_INITIALIZED) || (cls != kRmClass && cls != kRmSleepableClass)))
		return rm_runlock_not_live(rm, file, line);
	lock_object *lo = lo_of(rm);
	if (unlikely(tr->rmp_rmlock != rm))
		return runlock_not_owner(
			lo, "rm_runlock with a tracker that holds no read lock of this lock", file,
			line);
	if (unlikely(tr->rmp_flags & (BSDSYNC_RMPF_UNTRACKED | BSDSYNC_RMPF_REFUSED)))
		return rm_runlock_untracked(rm, tr);
	ThreadState *t = nullptr;
	if (likely(!bsdsync_in_interrupt())) {
		t = own_record_cached(curthread());
		if (unlikely(!t))
			return rm_runlock_uncached(rm, tr, file, line);
	}
	rm_runlock_with(rm, tr, lo, t, file, line);
}

extern "C" void fbsd_rm_wlock(struct rmlock *rm, const char *file, int line)
{
	if (unlikely(!rm_live(rm, "rm_wlock", file, line)))
		return;
	lock_object *lo = lo_of(rm);
	if (!writer_may_block(lo, "rm_wlock", file, line))
		return;
	bool sleepable = rm_sleepable(rm);
	lock_acquiring(lo, rm_type(rm), HoldMode::Exclusive, file, line);
	ThreadState *t = current_record();
	if (sleepable && (!t || t->held.nosleep > 0))
		check_may_sleep_with_locks(nullptr, "rm_wlock of a sleepable rm lock", file, line);
	uintptr w = load_relaxed(&rm->rm_state.rm_lock);
	if (writer_of(w) == self()) {
		/* Counted, so that the caller's unlocks stay balanced and the outer hold is
		 * not released early. */
		report(BSDSYNC_RULE_RECURSION, subject_of(lo), file, line,
		       "rm_wlock recursed (rm writers never recurse)");
		if (w & kUnrecorded) {
			/* The outer hold was the inline rm_wlock's: recorded now, and the bit
			 * cleared (ours while we own the word; waiter bits may change), so that
			 * no inline rm_wunlock ends it while lo_data counts. */
			held_acquired(t, lo, rm_type(rm), HoldMode::Exclusive, 0, file, line);
			__atomic_fetch_and(&rm->rm_state.rm_lock, ~kUnrecorded, __ATOMIC_RELAXED);
		}
		lo->lo_data++;
		lock_event_acquired(lo, rm_type(rm), HoldMode::Exclusive, BSDSYNC_LE_RECURSE, file,
				    line);
		return;
	}
	if (writer_reads(lo, rm_reads_held(t, rm), "rm_wlock", file, line))
		return;
	if (!write_enter(lo, &rm->rm_state, sleepable, "rm_wlock", file, line))
		return;
	held_acquired(t, lo, rm_type(rm), HoldMode::Exclusive, 0, file, line);
}

extern "C" void fbsd_rm_wunlock(struct rmlock *rm, const char *file, int line)
{
	if (unlikely(!rm_live(rm, "rm_wunlock", file, line)))
		return;
	lock_object *lo = lo_of(rm);
	uintptr w = load_relaxed(&rm->rm_state.rm_lock);
	if (writer_of(w) != self()) {
		report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo), file, line,
		       writer_of(w) ? "rm_wunlock of an rm lock another thread holds for writing"
				    : "rm_wunlock of an rm lock not held for writing");
		return;
	}
	if (lo->lo_data) {
		lo->lo_data--;
		lock_event_released(lo, rm_type(rm), HoldMode::Exclusive, BSDSYNC_LE_RECURSE, file,
				    line);
		return;
	}
	/* A hold the inline rm_wlock took (UNRECORDED: set by that acquisition, written by no
	 * one else while we own it) has no record, and the sinks never saw it acquired. */
	if (!(w & kUnrecorded))
		held_released(current_record_if_any(), lo, rm_type(rm), HoldMode::Exclusive,
			      file, line);
	write_exit(lo, &rm->rm_state, w & kUnrecorded);
}

/* The inline rm_rlock (<sys/rmlock.h>) counted itself centrally and found a writer: back
 * out (as read_slow does), then the module's read lock, which spins, queues or reports. */
extern "C" void fbsd_rm_rlock_backout(struct rmlock *rm, struct rm_priotracker *tr,
				      const char *file, int line)
{
	central_exit(lo_of(rm), &rm->rm_state);
	fbsd_rm_rlock(rm, tr, 0, file, line);
}

extern "C" void fbsd_rm_wake_drainer(struct rmlock *rm)
{
	wake_drainer(lo_of(rm));
}

/* The inline rm_wlock (<sys/rmlock.h>) took the free word (self | UNRECORDED) and then found
 * a CPU's token or a central reader: what fbsd_rm_wlock does after its CAS, and the checks
 * it makes before (the inline path made none: it only ever takes a free word). A thread
 * that reads the lock would wait for itself in the drain: reported, and the word given
 * back, as fbsd_rm_wlock refuses it; so is a drain where the thread may not block. */
extern "C" void fbsd_rm_wlock_drain(struct rmlock *rm, const char *file, int line)
{
	lock_object *lo = lo_of(rm);
	if (writer_reads(lo, rm_reads_held(current_record_if_any(), rm), "rm_wlock", file, line) ||
	    !writer_may_block(lo, "rm_wlock", file, line)) {
		write_exit(lo, &rm->rm_state, kUnrecorded);	/* the word given back */
		return;
	}
	drain_readers(lo, &rm->rm_state, rm_sleepable(rm), file, line);
}

extern "C" int fbsd_rm_wowned(const struct rmlock *rm)
{
	uintptr w = load_relaxed(&rm->rm_state.rm_lock);
	return w != BSDSYNC_RM_DESTROYED && !(w & BSDSYNC_RM_DRAINING) && writer_of(w) == self();
}

extern "C" void fbsd_rm_assert(const struct rmlock *rm, int what, const char *file, int line)
{
	const lock_object *lo = lo_of(rm);
	bool wowned = fbsd_rm_wowned(rm);
	int n = rm_reads_held(current_record_if_any(), rm);
	const char *fail = nullptr;

	switch (what) {
	case RA_LOCKED:
	case RA_LOCKED | RA_RECURSED:
	case RA_LOCKED | RA_NOTRECURSED:
	case RA_RLOCKED:
	case RA_RLOCKED | RA_RECURSED:
	case RA_RLOCKED | RA_NOTRECURSED:
		if (wowned) {
			/* Unlike other locks, rm writers never recurse. */
			if (what & RA_RLOCKED)
				fail = "held for writing, not reading";
			else if (what & RA_RECURSED)
				fail = "not recursed (held for writing)";
		} else if (n == 0) {
			fail = (what & RA_RLOCKED) ? "not read-locked by this thread"
						   : "not locked by this thread";
		} else if (n > 1 && (what & RA_NOTRECURSED)) {
			fail = "recursed";
		} else if (n == 1 && (what & RA_RECURSED)) {
			fail = "not recursed";
		}
		break;
	case RA_WLOCKED:
		if (!wowned)
			fail = "not held for writing by this thread";
		break;
	case RA_UNLOCKED:
		if (wowned)
			fail = "held for writing by this thread";
		else if (n)
			fail = "read-locked by this thread";
		break;
	default:
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject_of(lo), file, line,
		       "rm_assert: unknown assertion 0x%x", what);
		return;
	}
	if (fail)
		report(BSDSYNC_RULE_ASSERTION, subject_of(lo), file, line, "rm_assert: lock %s",
		       fail);
}

/* RM_SYSINIT's init and uninit functions, run by the SYSINIT notifier. */
extern "C" void fbsd_rm_sysinit(const void *arg)
{
	auto *args = static_cast<const struct rm_args *>(arg);
	fbsd_rm_init_flags(args->ra_rm, args->ra_desc, args->ra_flags, args->ra_site);
}

extern "C" void fbsd_rm_sysuninit(const void *arg)
{
	fbsd_rm_destroy(static_cast<struct rmlock *>(const_cast<void *>(arg)), "RM_SYSINIT", 0);
}

/* ---- rms: the C ABI ---------------------------------------------------------------------- */

namespace {

inline lock_object *lo_of(rmslock *rms) { return &rms->lock_object; }
inline const lock_object *lo_of(const rmslock *rms) { return &rms->lock_object; }

inline bool rms_live(const rmslock *rms, const char *op, const char *file, int line)
{
	return is_live(lo_of(rms), &rms->rms_state, kRmsClass, kRmsClass, "rms lock", op, file,
		       line);
}

constexpr const LockType *kRmsType = &lock_type_rms;

/* The thread's recorded read holds of rms (its held-locks stack). */
int rms_reads_held(const ThreadState *t, const rmslock *rms)
{
	return t ? held_count(t, lo_of(rms), HoldMode::Shared, nullptr) : 0;
}

/*
 * A refused rms_rlock (read_slow reported it: atomic context with a writer in the way) is
 * kept as a placeholder record (HeldLock::kPlaceholder), which no query counts as a hold
 * (rms_reads_held, rms_rowned): rms_rlock returns nothing, so the caller's rms_runlock
 * follows, and it only removes the placeholder, with no second report. Not kept if the
 * stack is full (that runlock is then reported as not holding it).
 */
enum class RmsUnrecord { NotHeld, Held, Refused };

/* Remove the placeholder of a refused read, or the newest read hold of rms; NotHeld if the
 * thread has neither (as far as it can tell). */
RmsUnrecord rms_unrecord(ThreadState *t, const rmslock *rms, const char *file, int line)
{
	if (held_take_placeholder(t, lo_of(rms), HoldMode::Shared))
		return RmsUnrecord::Refused;
	if (held_released(t, lo_of(rms), kRmsType, HoldMode::Shared, file, line))
		return RmsUnrecord::Held;
	return RmsUnrecord::NotHeld;
}

int rms_read(rmslock *rms, bool trylock, const char *what, const char *file, int line)
{
	if (unlikely(!rms_live(rms, what, file, line)))
		return 0;
	lock_object *lo = lo_of(rms);
	if (unlikely(bsdsync_in_interrupt())) {
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, subject_of(lo), file, line,
		       "%s in interrupt context: not taken", what);
		return 0;
	}
	if (!trylock)
		lock_acquiring(lo, kRmsType, HoldMode::Shared, file, line);
	ThreadState *t = current_record();
	int mine = rms_reads_held(t, rms);
	if (!trylock && !mine)
		check_may_sleep_with_locks(nullptr, what, file, line);
	ReadRequest r{ lo, &rms->rms_state, mine ? kAdmitRecursion : 0u, trylock, true, what, file,
		       line };
	if (!read_enter(r)) {
		/* Not for a lock destroyed meanwhile (reported): its runlock is reported too. */
		if (!trylock && t && load_relaxed(&rms->rms_state.rm_lock) != BSDSYNC_RM_DESTROYED)
			held_placeholder(t, lo, kRmsType, HoldMode::Shared);
		return 0;
	}
	held_acquired(t, lo, kRmsType, HoldMode::Shared, trylock ? BSDSYNC_LE_TRY : 0, file, line);
	return 1;
}

} // namespace

extern "C" void fbsd_rms_init(struct rmslock *rms, const char *name,
			      const struct bsdsync_lock_site *site)
{
	/* FreeBSD's rms_init always initialises (its mutex with MTX_NEW): there is no double
	 * init check, and the memory is never trusted to hold a per-CPU area of ours. */
	rms->rms_state.rm_pcpu = nullptr;
	state_init(&rms->rms_state, false);
	/* No LO_WITNESS: FreeBSD's struct rmslock has no lock_object, witness never sees it
	 * (the lock-order checker, core/witness.h, skips it as NOWITNESS). */
	lock_init(lo_of(rms), kRmsClass, name, LO_SLEEPABLE | LO_NEW, site);
}

extern "C" void fbsd_rms_destroy(struct rmslock *rms, const char *file, int line)
{
	lock_object *lo = lo_of(rms);
	if (!rms_live(rms, "rms_destroy", file, line))
		return;
	uintptr w = load_relaxed(&rms->rms_state.rm_lock);
	long readers = holds_estimate(&rms->rms_state);
	if (!is_free(w) || readers != 0) {
		if (!is_free(w))
			report(BSDSYNC_RULE_DESTROY_HELD, subject_of(lo), file, line,
			       "rms_destroy of a lock held for writing by %s",
			       writer_of(w) == self() ? "the caller" : "another thread");
		else
			report(BSDSYNC_RULE_DESTROY_HELD, subject_of(lo), file, line,
			       "rms_destroy of a lock with %ld read hold(s)", readers);
		return;
	}
	state_destroy(&rms->rms_state);
	lock_destroy(lo);
}

extern "C" void fbsd_rms_rlock(struct rmslock *rms, const char *file, int line)
{
	rms_read(rms, false, "rms_rlock", file, line);
}

extern "C" int fbsd_rms_try_rlock(struct rmslock *rms, const char *file, int line)
{
	return rms_read(rms, true, "rms_try_rlock", file, line);
}

extern "C" void fbsd_rms_runlock(struct rmslock *rms, const char *file, int line)
{
	if (unlikely(!rms_live(rms, "rms_runlock", file, line)))
		return;
	lock_object *lo = lo_of(rms);
	if (unlikely(bsdsync_in_interrupt())) {
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, subject_of(lo), file, line,
		       "rms_runlock in interrupt context: ignored");
		return;
	}
	ThreadState *t = current_record();
	RmsUnrecord held = t ? rms_unrecord(t, rms, file, line) : RmsUnrecord::Held;
	if (held == RmsUnrecord::NotHeld) {
		report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo), file, line,
		       "rms_runlock by a thread that does not read-lock it");
		return;
	}
	if (held == RmsUnrecord::Refused)
		return;		/* the refused read's end: reported at the rms_rlock */
	read_exit(lo, &rms->rms_state, false);
}

extern "C" void fbsd_rms_wlock(struct rmslock *rms, const char *file, int line)
{
	if (unlikely(!rms_live(rms, "rms_wlock", file, line)))
		return;
	lock_object *lo = lo_of(rms);
	if (!writer_may_block(lo, "rms_wlock", file, line))
		return;
	lock_acquiring(lo, kRmsType, HoldMode::Exclusive, file, line);
	check_may_sleep_with_locks(nullptr, "rms_wlock", file, line);
	if (writer_of(load_relaxed(&rms->rms_state.rm_lock)) == self()) {
		report(BSDSYNC_RULE_RECURSION, subject_of(lo), file, line,
		       "rms_wlock recursed (writers never recurse)");
		lo->lo_data++;
		lock_event_acquired(lo, kRmsType, HoldMode::Exclusive, BSDSYNC_LE_RECURSE, file,
				    line);
		return;
	}
	if (writer_reads(lo, rms_reads_held(current_record(), rms), "rms_wlock", file, line))
		return;
	if (write_enter(lo, &rms->rms_state, true, "rms_wlock", file, line))
		held_acquired(current_record(), lo, kRmsType, HoldMode::Exclusive, 0, file, line);
}

extern "C" void fbsd_rms_wunlock(struct rmslock *rms, const char *file, int line)
{
	if (unlikely(!rms_live(rms, "rms_wunlock", file, line)))
		return;
	lock_object *lo = lo_of(rms);
	uintptr w = load_relaxed(&rms->rms_state.rm_lock);
	if (writer_of(w) != self()) {
		report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo), file, line,
		       writer_of(w) ? "rms_wunlock of an rms lock another thread holds for writing"
				    : "rms_wunlock of an rms lock not held for writing");
		return;
	}
	if (lo->lo_data) {
		lo->lo_data--;
		lock_event_released(lo, kRmsType, HoldMode::Exclusive, BSDSYNC_LE_RECURSE, file,
				    line);
		return;
	}
	held_released(current_record_if_any(), lo, kRmsType, HoldMode::Exclusive, file, line);
	write_exit(lo, &rms->rms_state);
}

extern "C" void fbsd_rms_unlock(struct rmslock *rms, const char *file, int line)
{
	if (fbsd_rms_wowned(rms))
		fbsd_rms_wunlock(rms, file, line);
	else
		fbsd_rms_runlock(rms, file, line);
}

extern "C" int fbsd_rms_wowned(const struct rmslock *rms)
{
	uintptr w = load_relaxed(&rms->rms_state.rm_lock);
	return w != BSDSYNC_RM_DESTROYED && !(w & BSDSYNC_RM_DRAINING) && writer_of(w) == self();
}

extern "C" int fbsd_rms_rowned(const struct rmslock *rms)
{
	return rms_reads_held(current_record_if_any(), rms) > 0;
}

extern "C" int fbsd_rms_owned_any(const struct rmslock *rms)
{
	return fbsd_rms_wowned(rms) || fbsd_rms_rowned(rms);
}
