/*
 * DragonFly spinlocks, spinlock(9): exclusive and shared, never recursive, held for a few
 * instructions. As in DragonFly, every acquire enters an implicit critical section (here:
 * preemption off, critical.cpp tells what that blocks) and every release leaves it;
 * interrupts stay ENABLED (unlike FreeBSD's MTX_SPIN): a spinlock an interrupt handler
 * also takes must not be taken there (DragonFly: FAST interrupts and IPIs take none).
 * Holding one, a thread must not block: the core's context check (core/thread.h may_block)
 * finds the hold in the thread's held-locks stack (type flag BSDSYNC_LT_PREEMPT_OFF) and
 * reports it by name, once; the blocking primitive then does not block.
 *
 * The word (counta, include/bsdsync/dragonfly/spinlock.h): COUNT (bits 0..14) holders,
 * UNRECORDED (bit 15) an exclusive hold a driver's production build took inline,
 * EXCLWAIT (bits 20..30) exclusive acquirers spinning, SHARED (bit 31) the holders are
 * shared (left set at the last shared release). Transitions:
 *   exclusive acquire   COUNT == 0 && EXCLWAIT == 0:   v -> 1 (SHARED cleared)   CAS, acquire
 *                       else wait (lock_exclusive_contested). In thread context the waiters
 *                       queue on the lock's spinner gate (core/adaptive.h): only its head
 *                       polls the word; the others poll the gate. The head (and every
 *                       waiter in interrupt context or on a gate held for another lock)
 *                       announces itself, EXCLWAIT += 1 (relaxed): a head only when the
 *                       holders are shared, when another acquirer took the word it saw
 *                       free, or after kHeadPatience polls (until then a releaser may take
 *                       it again); the others at once. Then, once COUNT == 0:
 *                       v -> (v - its EXCLWAIT, if added) & ~SHARED | 1           CAS, acquire
 *                       and a head leaves the gate.
 *   shared acquire      EXCLWAIT == 0 && (COUNT == 0 || SHARED):
 *                       v -> (v + 1) | SHARED                                     CAS, acquire
 *                       else spin (an exclusive holder, or an exclusive acquirer waits:
 *                       shared acquirers yield to it, so it cannot be starved; hence a
 *                       shared hold is not recursive either)
 *   release (either)    COUNT -= 1                                        fetch_sub, release
 *                       (dfly_spin_unlock of the thread's recorded exclusive hold: the low
 *                       16 bits 1 -> 0, a 16-bit store, release, as the inline release below)
 *   inline (driver's production build, <sys/spinlock2.h>, no sink attached):
 *                       acquire 0 -> 1 | UNRECORDED (CAS, acquire), or when the word was
 *                       not 0 the wait above (dfly_spin_lock_contested) ending in
 *                       v -> (v - its EXCLWAIT) & ~SHARED | 1 | UNRECORDED  (CAS, acquire),
 *                       still no record; release: the low
 *                       16 bits 1 | UNRECORDED -> 0 (a 16-bit store, release: only the
 *                       exclusive holder changes them; EXCLWAIT above may change
 *                       meanwhile, by RMWs of the whole word, as Linux's qspinlock
 *                       releases its locked byte); any other word calls in here.
 *   release of an UNRECORDED hold here (the driver's checked file, or a module call):
 *                       COUNT -= 1 and UNRECORDED cleared                 fetch_sub, release
 *                       (no record to look for: the hold never had one)
 * Every acquire's CAS (acquire) pairs with the release's fetch_sub or low-half store (release)
 * of the previous holder: the section's accesses stay between them. The gate publishes no
 * data (claimed and left relaxed): the word's CAS and release are the only pairing.
 * Holds are recorded in the thread's held-locks stack and sent as lock events (ACQUIRED,
 * RELEASED; CONTENDED when it must spin), in thread and interrupt context alike (interrupt
 * context: events only). A release the thread's record does not show is reported
 * (BSDSYNC_RULE_NOT_OWNER) and not done; an UNRECORDED hold has no record and no owner in
 * the word, so its release is done for whichever thread asks (as DragonFly's).
 */
#include "dragonfly/dragonfly.h"
#include "core/adaptive.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace {

constexpr unsigned kShared = BSDSYNC_DFLY_SPINLOCK_SHARED;
constexpr unsigned kExclWait = BSDSYNC_DFLY_SPINLOCK_EXCLWAIT;
constexpr unsigned kExclWaitMask = BSDSYNC_DFLY_SPINLOCK_EXCLWAIT_MASK;
constexpr unsigned kCount = BSDSYNC_DFLY_SPINLOCK_COUNT_MASK;
constexpr unsigned kUnrecorded = BSDSYNC_DFLY_SPINLOCK_UNRECORDED;
constexpr HoldMode kExcl = HoldMode::Exclusive;
constexpr HoldMode kSh = HoldMode::Shared;

/* How many polls the gate's head makes before it announces itself (EXCLWAIT) while the word
 * stays held exclusively: until then a releaser may take the lock again (its next inline CAS
 * from 0 succeeds) and keep its data in its own cache, as FreeBSD's spin mutexes always allow
 * (and Linux's spinlock_t in a guest whose CPUs show the hypervisor bit: virt_spin_lock, a
 * test-and-set lock; on bare metal its qspinlock allows it until the first waiter sets its
 * pending bit). After them, or at once when the holders are shared, or when another
 * acquirer took the word the head saw free, no new holder enters but the interrupt-context
 * and gate-collision acquirers that poll the word beside the head: the bound on how long an
 * exclusive waiter can be passed over. */
constexpr unsigned kHeadPatience = 64;

/* Entered in the implicit critical section, `v` the word the caller's CAS saw; `held`: the
 * low half the hold will have (1, or 1 | UNRECORDED for dfly_spin_lock_contested). Thread
 * context: the waiters queue on the lock's spinner gate (core/adaptive.h
 * adaptive_gate_enter), and only the gate's head polls the word and announces itself;
 * interrupt context and gate collisions poll the word and announce at once, as every waiter
 * used to. */
BSDSYNC_NOINLINE void lock_exclusive_contested(dfly_spinlock *s, unsigned v, unsigned held,
					       const char *file, int line)
{
	/* Free but for a cached SHARED bit (or freed meanwhile): no wait, no gate. Acquire:
	 * pairs with the previous holder's release. */
	if ((v & (kCount | kExclWaitMask)) == 0 && cas_acquire(&s->counta, &v, held))
		return;
	lock_contended(s, &spinlock_type, kExcl, file, line);
	SpinCount spins;
	const auto *key = reinterpret_cast<const volatile unsigned long *>(&s->counta);
	/* A gate waiter never waits on a preempted head: the head entered the critical section
	 * before the gate (preemption off, like its waiters) and leaves the gate as soon as it
	 * has the lock, so only interrupts on its CPU delay it, and interrupt context never
	 * waits on a gate (the head it would wait for may be the thread it interrupted). */
	bool head = !bsdsync_in_interrupt() && adaptive_gate_enter(key, spins.counter());
	unsigned patience = 0;	/* polls left before announcing: only a head waits */
	if (head) {
		v = load_relaxed(&s->counta);	/* the word again: it moved while we queued */
		patience = kHeadPatience;
	}
	unsigned wait = 0;	/* the EXCLWAIT unit this waiter added: 0 or kExclWait */
	for (;;) {
		if ((v & kCount) == 0) {
			/* Acquire: pairs with the previous holder's release (fetch_sub, or the
			 * low-half store of an exclusive hold). */
			if (cas_acquire(&s->counta, &v, ((v - wait) & ~kShared) | held))
				break;
			patience = 0;	/* another acquirer took it first: announce */
			continue;	/* v reloaded by the failed CAS */
		}
		if (!wait && (patience == 0 || (v & kShared))) {
			/* Announce: from now on no new shared or inline holder enters. */
			v = __atomic_add_fetch(&s->counta, kExclWait, __ATOMIC_RELAXED);
			wait = kExclWait;
			continue;
		}
		if (patience)
			patience--;
		bsdsync_cpu_relax();
		spins.tick();
		v = load_relaxed(&s->counta);
	}
	if (head)
		adaptive_gate_leave(key);
}

/* COUNT and UNRECORDED: the low half of counta (x86-64, little endian). */
BSDSYNC_ALWAYS_INLINE volatile unsigned short *low_half(dfly_spinlock *s)
{
	return reinterpret_cast<volatile unsigned short *>(&s->counta);
}

/* The implicit critical section: the preempt count by one %gs-relative instruction where
 * the kernel's own preempt_disable is just that (platform.h bsdsync_irq_inline: not under
 * the debug options that trace preemption changes), else the platform's calls. */
BSDSYNC_ALWAYS_INLINE void preempt_off()
{
	if (likely(bsdsync_irq_inline))
		bsdsync_preempt_disable_fast();
	else
		bsdsync_preempt_disable();
}
BSDSYNC_ALWAYS_INLINE void preempt_on()
{
	if (likely(bsdsync_irq_inline))
		bsdsync_preempt_enable_fast();
	else
		bsdsync_preempt_enable();
}

BSDSYNC_NOINLINE void lock_shared_contested(dfly_spinlock *s, unsigned v, const char *file,
					    int line)
{
	lock_contended(s, &spinlock_type, kSh, file, line);
	SpinCount spins;
	for (;;) {
		if (!(v & kExclWaitMask) && ((v & kCount) == 0 || (v & kShared))) {
			/* Acquire: pairs with the previous exclusive holder's release. */
			if (cas_acquire(&s->counta, &v, (v + 1u) | kShared))
				return;
			continue;
		}
		bsdsync_cpu_relax();
		spins.tick();
		v = load_relaxed(&s->counta);
	}
}

/* The release both modes share. `expect_shared`: which hold the caller releases. False
 * (reported, nothing changed) if the thread's record shows no such hold, or the word shows
 * no holder of that kind. */
bool release(dfly_spinlock *s, HoldMode mode, const char *what, const char *file, int line)
{
	unsigned v = load_relaxed(&s->counta);
	bool word_ok = (v & kCount) != 0 && (mode == kSh) == ((v & kShared) != 0);
	if (unlikely(!word_ok)) {
		report(BSDSYNC_RULE_NOT_OWNER, spinlock_subject(s), file, line,
		       "%s of a spinlock not held %s (word 0x%x)", what,
		       mode == kSh ? "shared" : "exclusively", v);
		return false;
	}
	if (v & kUnrecorded) {
		/* An exclusive hold a driver took inline (word_ok: not shared): no record, and
		 * no sink saw its acquisition, so none is told of its release. Release: pairs
		 * with the next acquirer's CAS (acquire). Only the holder clears the bit. */
		__atomic_fetch_sub(&s->counta, 1u | kUnrecorded, __ATOMIC_RELEASE);
		preempt_on();
		return true;
	}
	/* current_record(), as the acquire paths: a thread without a record holds nothing
	 * (held_released trusts a null record: only interrupt context has none). */
	if (unlikely(!held_released(current_record(), s, &spinlock_type, mode, file, line))) {
		report(BSDSYNC_RULE_NOT_OWNER, spinlock_subject(s), file, line,
		       "%s of a spinlock this thread does not hold %s", what,
		       mode == kSh ? "shared" : "exclusively");
		return false;
	}
	/* Release: pairs with the next acquirer's CAS (acquire). */
	__atomic_fetch_sub(&s->counta, 1u, __ATOMIC_RELEASE);
	preempt_on();	/* the implicit critical section ends */
	return true;
}

/* The record of a new exclusive hold: inline when the thread's record is in the per-CPU
 * cache and no event sink listens (held_acquired sends ACQUIRED, and looks the record up,
 * otherwise). */
BSDSYNC_ALWAYS_INLINE void record_exclusive(dfly_spinlock *s, const char *file, int line)
{
	ThreadState *t = current_record_cached();
	if (likely(t) && likely(!lock_events_on()))
		held_record(t, s, &spinlock_type, kExcl, true, file, line);
	else
		held_acquired(current_record(), s, &spinlock_type, kExcl, 0, file, line);
}

/* dfly_spin_lock's paths other than the inline one, out of line so that the inline one
 * needs no stack frame: the preempt count through the platform's calls, a contended word,
 * or a record to look up (or events to send). `from`: how far the caller got. */
enum class LockFrom { Start, Contended, Taken };
BSDSYNC_NOINLINE void spin_lock_slow(dfly_spinlock *s, LockFrom from, const char *file,
				     int line)
{
	unsigned v = 0;
	if (from == LockFrom::Start) {
		preempt_off();	/* the implicit critical section */
		/* Acquire: pairs with the previous holder's release. */
		if (!cas_acquire(&s->counta, &v, 1u))
			from = LockFrom::Contended;
	}
	if (from == LockFrom::Contended) {
		if (v == 0)	/* from dfly_spin_lock's inline path: its CAS saw no 0 */
			v = load_relaxed(&s->counta);
		lock_exclusive_contested(s, v, 1u, file, line);
	}
	record_exclusive(s, file, line);
}

} // namespace

extern "C" {

/* Inline: the preempt count by one instruction, one CAS from the free word, the record from
 * the per-CPU cache; anything else in spin_lock_slow (a tail call). */
void dfly_spin_lock(struct dfly_spinlock *s, const char *file, int line)
{
	if (likely(bsdsync_irq_inline)) {
		bsdsync_preempt_disable_fast();	/* the implicit critical section */
		unsigned v = 0;
		/* Acquire: pairs with the previous holder's release fetch_sub. */
		if (likely(cas_acquire(&s->counta, &v, 1u))) {
			ThreadState *t = current_record_cached();
			if (likely(t) && likely(!lock_events_on())) {
				held_record(t, s, &spinlock_type, kExcl, true, file, line);
				return;
			}
			spin_lock_slow(s, LockFrom::Taken, file, line);
			return;
		}
		spin_lock_slow(s, LockFrom::Contended, file, line);
		return;
	}
	spin_lock_slow(s, LockFrom::Start, file, line);
}

/* The inline spin_lock's (<sys/spinlock2.h>) contended path: its CAS from 0 failed, seeing
 * `v`; preemption is off already (its implicit critical section), so no second CAS and no
 * enable/disable pair before the wait. The hold is the inline one's, UNRECORDED (no record:
 * its release is the inline 16-bit store, no call), while no sink listens: a driver's
 * production build then records none of its spin_lock holds, contended or not; with a
 * sink, recorded and sent as the module's own. */
void dfly_spin_lock_contested(struct dfly_spinlock *s, unsigned int v, const char *file,
			      int line)
{
	if (likely(!lock_events_on())) {
		lock_exclusive_contested(s, v, 1u | kUnrecorded, file, line);
		return;
	}
	lock_exclusive_contested(s, v, 1u, file, line);
	record_exclusive(s, file, line);
}

void dfly_spin_lock_shared(struct dfly_spinlock *s, const char *file, int line)
{
	bsdsync_preempt_disable();
	unsigned v = kShared;	/* the usual state: SHARED cached, no holder */
	if (unlikely(!cas_acquire(&s->counta, &v, kShared | 1u))) {
		/* Acquire in both: pairs with the previous exclusive holder's release. */
		if (!(v & kExclWaitMask) && ((v & kCount) == 0 || (v & kShared)) &&
		    cas_acquire(&s->counta, &v, (v + 1u) | kShared))
			;
		else
			lock_shared_contested(s, v, file, line);
	}
	held_acquired(current_record(), s, &spinlock_type, kSh, 0, file, line);
}

int dfly_spin_trylock(struct dfly_spinlock *s, const char *file, int line)
{
	bsdsync_preempt_disable();
	unsigned v = load_relaxed(&s->counta);
	/* Free (SHARED may be cached) and no exclusive acquirer waiting. Acquire: pairs with
	 * the previous holder's release. */
	if ((v & (kCount | kExclWaitMask)) == 0 && cas_acquire(&s->counta, &v, 1u)) {
		held_acquired(current_record(), s, &spinlock_type, kExcl, BSDSYNC_LE_TRY, file,
			      line);
		return 1;
	}
	bsdsync_preempt_enable();
	return 0;
}

void dfly_spin_unlock(struct dfly_spinlock *s, const char *file, int line)
{
	/* The usual case inline: held exclusively by the caller (one holder, not shared),
	 * its newest record, no event sink. Anything else: release()'s checks and reports. */
	ThreadState *t = current_record_cached();
	unsigned v = load_relaxed(&s->counta);	/* one load: held, not shared */
	if (likely(t) && likely(!lock_events_on()) && likely(v & kCount) && !(v & kShared) &&
	    likely(held_pop_top_exact(t, s, kExcl, true))) {
		/* The low half is exactly 1 (a recorded exclusive hold: only its holder changes
		 * it; waiters add and remove EXCLWAIT above by RMWs of the whole word): one
		 * 16-bit store of 0, as the inline release. Release: pairs with the next
		 * acquirer's CAS (acquire). */
		__atomic_store_n(low_half(s), static_cast<unsigned short>(0), __ATOMIC_RELEASE);
		preempt_on();	/* the implicit critical section ends */
		return;
	}
	release(s, kExcl, "spin_unlock", file, line);
}

void dfly_spin_unlock_shared(struct dfly_spinlock *s, const char *file, int line)
{
	release(s, kSh, "spin_unlock_shared", file, line);
}

void dfly_spin_unlock_any(struct dfly_spinlock *s, const char *file, int line)
{
	/* The holder's own hold: the SHARED bit cannot change under it. */
	bool shared = load_relaxed(&s->counta) & kShared;
	release(s, shared ? kSh : kExcl, "spin_unlock_any", file, line);
}

} // extern "C"

/* ---- spin_pool_lock(9) ------------------------------------------------------------------ */

namespace {

constexpr unsigned kPoolSize = 256;	/* a power of two */
/* Zeroed: unlocked, unnamed (reports say "a pool spinlock"). */
dfly_spinlock spin_pool[kPoolSize];

dfly_spinlock *pool_lock_of(const void *chan)
{
	uintptr a = reinterpret_cast<uintptr>(chan);
	/* Drop the low bits objects of one cache line share, then mix. */
	a = (a >> 6) ^ (a >> 14);
	return &spin_pool[a & (kPoolSize - 1)];
}

} // namespace

extern "C" {

void dfly_spin_pool_lock(const void *chan, const char *file, int line)
{
	dfly_spin_lock(pool_lock_of(chan), file, line);
}

void dfly_spin_pool_unlock(const void *chan, const char *file, int line)
{
	dfly_spin_unlock(pool_lock_of(chan), file, line);
}

} // extern "C"
