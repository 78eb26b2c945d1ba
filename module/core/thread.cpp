#include "core/thread.h"
#include "core/diag.h"

namespace bsdsync {

/* Hooks filled in by the personalities (the FreeBSD one knows what a lock class is and
 * which lock is Giant), so that this generic code names locks the way they report them. */
const lock_object *(*td_giant_object)() = nullptr;
ReportSubject (*td_subject_of)(const lock_object *) = nullptr;

void nosleep_pop_slow(ThreadState *t, const lock_object *lo)
{
	int n = t->nosleep_count;
	if (n <= 0)
		return;		/* the release of a lock taken before the state existed */
	int tracked = n < ThreadState::kHeldTrack ? n : ThreadState::kHeldTrack;
	for (int i = tracked - 1; i >= 0; i--) {
		if (t->nosleep_held[i] != lo)
			continue;
		/* Released out of order: close the gap. If untracked ones remain, the slot at
		 * the end is unknown; it stays empty (null) rather than wrong. */
		for (int j = i; j + 1 < tracked; j++)
			t->nosleep_held[j] = t->nosleep_held[j + 1];
		t->nosleep_held[tracked - 1] = nullptr;
		t->nosleep_count = n - 1;
		return;
	}
	/* Not tracked: one of the deeper ones. */
	t->nosleep_count = n - 1;
}

const lock_object *nosleep_held_other(const lock_object *except1, const lock_object *except2,
				      bool *untracked)
{
	ThreadState *t = td_peek();
	*untracked = false;
	if (!t || t->nosleep_count <= 0)
		return nullptr;
	int n = t->nosleep_count;
	int tracked = n < ThreadState::kHeldTrack ? n : ThreadState::kHeldTrack;
	int excepted = 0;
	for (int i = tracked - 1; i >= 0; i--) {
		const lock_object *lo = t->nosleep_held[i];
		if (lo && lo != except1 && lo != except2)
			return lo;
		if (lo)
			excepted++;
	}
	*untracked = n - excepted > 0;
	return nullptr;
}

bool check_may_sleep_with_locks(const lock_object *interlock, const char *what,
				const char *file, int line)
{
	bool untracked;
	const lock_object *giant = td_giant_object ? td_giant_object() : nullptr;
	const lock_object *held = nosleep_held_other(interlock, giant, &untracked);
	if (held) {
		ReportSubject s = td_subject_of ? td_subject_of(held)
						: ReportSubject{ "lock", held->lo_name, held, held->lo_site };
		report(BSDSYNC_RULE_SLEEP_NONSLEEPABLE, s, file, line,
		       "%s with this non-sleepable lock held", what);
		return true;
	}
	if (untracked) {
		report(BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
		       ReportSubject{ "lock", "(nested too deep to name)", nullptr, nullptr }, file,
		       line, "%s with a non-sleepable lock held", what);
		return true;
	}
	return false;
}

bool may_block(const ReportSubject &subject, const void *spin_interlock, const char *what,
	       const char *instead, const char *file, int line)
{
	bsdsync_context ctx = spin_interlock ? bsdsync_context_without_spin()
					     : bsdsync_current_context();
	/* With interrupts on (a thread context), this CPU holds no spin mutex: 0 here. */
	int spins = bsdsync_spin_nesting();
	int allowed = spin_interlock ? 1 : 0;
	if (likely(ctx == BSDSYNC_CTX_THREAD && spins <= allowed))
		return true;
	if (ctx == BSDSYNC_CTX_HARDIRQ || ctx == BSDSYNC_CTX_SOFTIRQ) {
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, subject, file, line,
		       "%s in interrupt context: %s", what, instead);
		return false;
	}
	/* A spin mutex held (other than the interlock): name the newest one. Interrupts are
	 * off while one is held, so this CPU's record is stable. Each entry names a lock by
	 * its lock_object, which comes first in every spin lock. */
	if (spins > allowed) {
		const bsdsync_spin_held *h = bsdsync_cpu_spin_held();
		const lock_object *held = nullptr;
		for (int i = 0; i < h->count && i < BSDSYNC_SPIN_TRACK; i++)
			if (h->lock[i] && h->lock[i] != spin_interlock)
				held = static_cast<const lock_object *>(h->lock[i]);
		/* Every level tracked and none names a lock: a bare spinlock_enter(). */
		if (!held && h->count <= BSDSYNC_SPIN_TRACK) {
			report(BSDSYNC_RULE_SLEEP_ATOMIC, subject, file, line,
			       "%s inside spinlock_enter(): %s", what, instead);
			return false;
		}
		const char *name = held && held->lo_name ? held->lo_name : "(untracked)";
		report(BSDSYNC_RULE_SLEEP_ATOMIC, subject, file, line,
		       "%s while holding spin mutex \"%s\": %s", what, name, instead);
		return false;
	}
	report(BSDSYNC_RULE_SLEEP_ATOMIC, subject, file, line,
	       "%s in a critical section, an RCU read section, or with %s disabled: %s", what,
	       ctx == BSDSYNC_CTX_IRQS_OFF ? "interrupts" : "preemption", instead);
	return false;
}

} // namespace bsdsync

using namespace bsdsync;

extern "C" void bsdsync_td_exiting(void *state)
{
	ThreadState *t = static_cast<ThreadState *>(state);
	if (t->nosleep_count > 0) {
		/* Named by address only: the lock may live in a stack frame that is gone, or in
		 * memory freed since (the thread can no longer release it), so it is not read. */
		const lock_object *lo = t->nosleep_held[0];
		ReportSubject s{ "lock", lo ? "(not read: it may be gone)" : "(untracked)", lo,
				 nullptr };
		report(BSDSYNC_RULE_EXIT_HELD, s, nullptr, 0,
		       "thread exited holding %d non-sleepable lock(s), this one first",
		       t->nosleep_count);
	} else if (t->rw_rlocks || t->sx_slocks || t->rm_rlocks || t->lockmgr_shared) {
		report(BSDSYNC_RULE_EXIT_HELD, ReportSubject{ "lock", "(shared)", nullptr, nullptr },
		       nullptr, 0, "thread exited holding shared locks (rw %d, sx %d, rm %d, lockmgr %d)",
		       t->rw_rlocks, t->sx_slocks, t->rm_rlocks, t->lockmgr_shared);
	}
	/* The state itself stays: the rest of the exit path may still lock (a driver's
	 * release() from the final fput), and a lock still held is still held. */
}

extern "C" void bsdsync_td_released(void *state)
{
	ThreadState *t = static_cast<ThreadState *>(state);
	/* Zero the state for the record's next thread. The priority part is zeroed under its
	 * own lock (other threads may be looking at it), the rest was only its thread's, which
	 * will never run again. */
	prio_exiting(&t->prio);
	__builtin_memset(static_cast<void *>(t), 0, __builtin_offsetof(ThreadState, prio));
}
