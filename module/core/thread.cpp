#include "core/thread.h"
#include "core/context_rules.h"
#include "core/diag.h"
#include "core/lock_type.h"

namespace bsdsync {

/* Filled in by the personalities (core/thread.h). */
const void *(*td_sleep_drops_lock)() = nullptr;
ReportSubject (*spin_lock_subject)(const void *lock) = nullptr;
void (*td_exit_hook[kPersonalitySlots])(ThreadState *t) = {};

namespace {
inline int recorded(const HeldLocks &h)
{
	return h.depth < HeldLocks::kTrack ? h.depth : HeldLocks::kTrack;
}
inline bool is_hold(const HeldLock &e, const void *lock, HoldMode mode)
{
	return e.lock == lock && e.mode == mode && !(e.flags & HeldLock::kPlaceholder);
}
/* Remove recorded entry i (not the newest), closing the gap. With unrecorded holds below,
 * the last recorded slot's successor is unknown: it becomes a lost entry (null lock). */
void remove_entry(HeldLocks &h, int i)
{
	int n = recorded(h);
	h.nosleep -= h.entry[i].flags & HeldLock::kNoSleep;
	for (int j = i; j + 1 < n; j++)
		h.entry[j] = h.entry[j + 1];
	if (h.depth > HeldLocks::kTrack)
		h.entry[n - 1] = HeldLock{};
	h.depth--;
}
} // namespace

bool held_pop_slow(ThreadState *t, const void *lock, const LockType *type, HoldMode mode)
{
	HeldLocks &h = t->held;
	for (int i = recorded(h) - 1; i >= 0; i--) {
		if (is_hold(h.entry[i], lock, mode)) {
			remove_entry(h, i);
			return true;
		}
	}
	/* Not recorded: one of the holds only counted (below the recorded ones), or the hold
	 * a lost entry stands for. */
	bool found = false;
	if (h.depth > HeldLocks::kTrack) {
		h.depth--;
		found = true;
	} else {
		for (int i = recorded(h) - 1; i >= 0 && !found; i--)
			if (!h.entry[i].lock) {
				remove_entry(h, i);
				found = true;
			}
	}
	if (found && held_type_nosleep(type, mode) && h.nosleep > 0)
		h.nosleep--;
	return found;
}

int held_count(const ThreadState *t, const void *lock, HoldMode mode, bool *unrecorded)
{
	const HeldLocks &h = t->held;
	int n = 0, lost = 0;
	for (int i = recorded(h) - 1; i >= 0; i--) {
		n += is_hold(h.entry[i], lock, mode);
		lost += !h.entry[i].lock;
	}
	if (unrecorded)
		*unrecorded = h.depth > HeldLocks::kTrack || lost;
	return n;
}

bool held_any(const ThreadState *t, const LockType *type, HoldMode mode)
{
	const HeldLocks &h = t->held;
	if (h.depth > HeldLocks::kTrack)
		return true;
	for (int i = recorded(h) - 1; i >= 0; i--) {
		const HeldLock &e = h.entry[i];
		if (!e.lock || (e.type == type && e.mode == mode && !(e.flags & HeldLock::kPlaceholder)))
			return true;
	}
	return false;
}

void held_placeholder(ThreadState *t, const void *lock, const LockType *type, HoldMode mode)
{
	HeldLocks &h = t->held;
	if (h.depth >= HeldLocks::kTrack)
		return;
	h.entry[h.depth] = HeldLock{ lock, type, nullptr, 0, mode, HeldLock::kPlaceholder, 0 };
	h.depth++;
}

bool held_take_placeholder(ThreadState *t, const void *lock, HoldMode mode)
{
	HeldLocks &h = t->held;
	for (int i = recorded(h) - 1; i >= 0; i--) {
		const HeldLock &e = h.entry[i];
		if (e.lock == lock && e.mode == mode && (e.flags & HeldLock::kPlaceholder)) {
			remove_entry(h, i);
			return true;
		}
	}
	return false;
}

void held_mark_interlock(ThreadState *t, const void *lock, bool on)
{
	HeldLocks &h = t->held;
	for (int i = recorded(h) - 1; i >= 0; i--) {
		HeldLock &e = h.entry[i];
		if (e.lock == lock && !(e.flags & HeldLock::kPlaceholder))
			e.flags = on ? e.flags | HeldLock::kInterlock
				     : e.flags & ~HeldLock::kInterlock;
	}
}

const HeldLock *held_nosleep_other(const void *except1, const void *except2, bool *unrecorded)
{
	ThreadState *t = current_record_if_any();
	*unrecorded = false;
	if (!t || t->held.nosleep <= 0)
		return nullptr;
	const HeldLocks &h = t->held;
	int seen = 0;
	bool except1_seen = false;
	for (int i = recorded(h) - 1; i >= 0; i--) {
		const HeldLock &e = h.entry[i];
		if (e.lock && e.lock == except1)
			except1_seen = true;
		if (!(e.flags & HeldLock::kNoSleep))
			continue;
		if (e.lock != except1 && e.lock != except2)
			return &e;
		seen++;
	}
	/* An interlock with no record may be one of the unrecorded non-sleepable holds (an
	 * inline read hold, counted without an entry: FreeBSD <sys/lock.h>): not counted against
	 * the thread (at worst a missed report, never a false one). */
	*unrecorded = h.nosleep - seen - (except1 && !except1_seen ? 1 : 0) > 0;
	return nullptr;
}

bool check_may_sleep_with_locks(const void *interlock, const char *what, const char *file,
				int line)
{
	bool unrecorded;
	const void *drops = td_sleep_drops_lock ? td_sleep_drops_lock() : nullptr;
	const HeldLock *held = held_nosleep_other(interlock, drops, &unrecorded);
	if (!held && !unrecorded)
		return false;
	/* The table's NonSleepable row (core/context_rules.h): its Sleep and Sleepable cells
	 * are the one rule this check reports. */
	const CtxCell &cell = context_rule(CtxHeld::NonSleepable, CtxWant::Sleep);
	if (cell.rule == kCtxOk)
		return false;
	if (held) {
		report((bsdsync_rule)cell.rule, lock_subject(held->type, held->lock), file, line,
		       "%s with this non-sleepable lock held (taken at %s:%d)", what,
		       held->file ? held->file : "?", held->line);
		return true;
	}
	/* unrecorded: a hold counted without an entry (FreeBSD <sys/lock.h>'s inline read
	 * paths) or nested beyond what the stack records. */
	report((bsdsync_rule)cell.rule,
	       ReportSubject{ "lock", "(taken inline, or nested too deep: not named)", nullptr,
			      nullptr },
	       file, line, "%s with a non-sleepable lock held", what);
	return true;
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
	/* The row of the context rules (core/context_rules.h), column Sleep. */
	CtxCulprit c{ CtxHeld::Interrupt, nullptr, nullptr, nullptr, 0 };
	if (ctx != BSDSYNC_CTX_HARDIRQ && ctx != BSDSYNC_CTX_SOFTIRQ)
		c = context_culprit(ctx, spin_interlock);
	const CtxCell &cell = context_rule(c.row, CtxWant::Sleep);
	if (cell.rule == kCtxOk)
		return true;
	/* The acquisition this block belongs to was reported already, at its start (witness's
	 * ACQUIRING, context_check_acquire): one report per acquisition. Still no block. */
	if (c.row != CtxHeld::Interrupt && subject.addr) {
		if (ThreadState *t = current_record_if_any()) {
			if (t->context_reported_acquire == subject.addr) {
				t->context_reported_acquire = nullptr;
				return false;
			}
			/* And the other way: an ACQUIRING that follows is not reported again
			 * (only witness's sink reads this mark: none while no sink is on). */
			if (lock_events_on())
				t->context_reported_block = subject.addr;
		}
	}
	bsdsync_rule rule = (bsdsync_rule)cell.rule;
	if (c.row == CtxHeld::Interrupt)
		report(rule, subject, file, line, "%s in interrupt context: %s", what, instead);
	else if (c.file)
		report(rule, subject, file, line, "%s holding %s \"%s\" (taken at %s:%d): %s", what,
		       c.kind, c.name, c.file, c.line, instead);
	else if (c.kind)
		report(rule, subject, file, line, "%s while holding %s \"%s\": %s", what, c.kind,
		       c.name, instead);
	else if (c.row == CtxHeld::Spin)
		report(rule, subject, file, line, "%s inside spinlock_enter(): %s", what, instead);
	else
		report(rule, subject, file, line,
		       "%s in a critical section, an RCU read section, or with %s disabled: %s",
		       what, ctx == BSDSYNC_CTX_IRQS_OFF ? "interrupts" : "preemption", instead);
	return false;
}

} // namespace bsdsync

using namespace bsdsync;

extern "C" void bsdsync_td_exiting(void *state)
{
	ThreadState *t = static_cast<ThreadState *>(state);
	/* The personalities' own per-thread state first (core/thread.h td_exit_hook): a queue
	 * entry in the record must not outlive the thread. */
	for (int i = 0; i < kPersonalitySlots; i++)
		if (void (*hook)(ThreadState *) = load_acquire(&td_exit_hook[i]))
			hook(t);
	const HeldLocks &h = t->held;
	const HeldLock *first = nullptr;
	int n = recorded(h);
	for (int i = 0; i < n && !first; i++)
		if (h.entry[i].lock && !(h.entry[i].flags & HeldLock::kPlaceholder))
			first = &h.entry[i];
	if (first) {
		/* Named by address, type and acquisition site only: the lock may live in a stack
		 * frame that is gone, or in memory freed since (the thread can no longer release
		 * it), so it is not read. */
		ReportSubject s{ first->type->name, "(not read: it may be gone)", first->lock,
				 nullptr };
		report(BSDSYNC_RULE_EXIT_HELD, s, first->file, first->line,
		       "thread exited holding %d lock(s) (%d non-sleepable), this one (%s) taken "
		       "first, at the site shown",
		       h.depth, h.nosleep, first->mode == HoldMode::Shared ? "shared" : "exclusive");
	} else if (h.depth > 0) {
		report(BSDSYNC_RULE_EXIT_HELD,
		       ReportSubject{ "lock", "(untracked)", nullptr, nullptr }, nullptr, 0,
		       "thread exited holding %d lock(s)", h.depth);
	}
	/* The state itself stays: the rest of the exit path may still lock (a driver's
	 * release() from the final fput), and a lock still held is still held. */
}

extern "C" int bsdsync_held_locks(bsdsync_held_lock *out, int max)
{
	ThreadState *t = current_record_if_any();
	if (!t)
		return 0;
	const HeldLocks &h = t->held;
	int n = 0, depth = h.depth;
	for (int i = 0; i < recorded(h); i++) {
		const HeldLock &e = h.entry[i];
		if (e.flags & HeldLock::kPlaceholder) {
			depth--;
			continue;
		}
		if (n < max)
			out[n] = bsdsync_held_lock{ e.lock, e.type, e.file, e.line,
						    e.mode == HoldMode::Shared };
		n++;
	}
	return depth;
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
