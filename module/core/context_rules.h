/*
 * The context rules of locking(9) and DragonFly's, as data: one table, kept here once, that
 * says for what a thread holds (or the context it runs in) and what it wants to do, which rule
 * that breaks, if any, and when it is reported. Every check of these rules reads it:
 *   - may_block (core/thread.h), before a primitive blocks: the rows of what forbids blocking
 *     (interrupt, spin lock, critical section), column "sleep";
 *   - check_may_sleep_with_locks (core/thread.h), before a sleep or a sleepable acquisition:
 *     the row of a non-sleepable lock held;
 *   - context_check_acquire (below), at every blocking acquisition witness sees (its
 *     ACQUIRING event): the rows of a spin lock held or a critical section, FreeBSD's
 *     "acquiring blockable sleep lock with spinlock or critical section held".
 *
 * Rows (what the thread holds, or where it runs; the first that applies, top down):
 *   Interrupt     hard or soft interrupt context (no thread);
 *   Spin          a FreeBSD spin mutex (or a bare spinlock_enter) on this CPU, or a DragonFly
 *                 spinlock in the thread's held-locks stack;
 *   Critical      a critical section (FreeBSD or DragonFly), preemption or interrupts off,
 *                 an RCU read section, with no spin lock named;
 *   NonSleepable  a non-sleepable hold: sleep mutex (MTX_DEF), rw, rm, a sleepable rm held
 *                 shared;
 *   Giant         FreeBSD's Giant (a sleep mutex every sleep drops);
 *   Sleepable     sx, lockmgr, sleepable rm held exclusive, rms, DragonFly lockmgr and mtx;
 *   Token         a DragonFly token (released while its holder blocks);
 *   None          nothing of the above.
 * Columns (what it wants; a lock's column comes from its type, want_of()):
 *   Spin          a spin lock (FreeBSD spin mutex, DragonFly spinlock);
 *   Blockable     a lock that blocks boundedly and is not sleepable (sleep mutex, rw, rm);
 *   Sleepable     a lock that may sleep (sx, lockmgr, sleepable rm, rms, DragonFly lockmgr,
 *                 mtx, serializer);
 *   Unwitnessed   a lock that may block but is not witnessed (BSDSYNC_LW_NOWITNESS: DragonFly
 *                 tokens; a FreeBSD lock initialised NOWITNESS): FreeBSD's witness_checkorder
 *                 returns before its context check for those; DragonFly checks only at the
 *                 switch, so only a block is reported;
 *   Sleep         the sleep itself: msleep/tsleep family, cv_wait, sema_wait, a lock wait.
 * Each cell: the rule it breaks (kOk: none) and when that is reported: kAtAcquire at every
 * acquisition, contended or not (witness's ACQUIRING event for the Spin and Critical rows; the
 * primitive's acquisition path for the NonSleepable row: check_may_sleep_with_locks), or
 * kIfBlocks only when the operation actually blocks (may_block, check_may_sleep_with_locks on
 * the blocking path). Try-locks never block and are never checked (locking(9)).
 */
#ifndef BSDSYNC_CORE_CONTEXT_RULES_H
#define BSDSYNC_CORE_CONTEXT_RULES_H

#include "core/base.h"
#include "core/lock_type.h"

namespace bsdsync {

enum class CtxHeld : unsigned char {
	None, Interrupt, Spin, Critical, NonSleepable, Giant, Sleepable, Token, kCount
};
enum class CtxWant : unsigned char { Spin, Blockable, Sleepable, Unwitnessed, Sleep, kCount };
enum class CtxWhen : unsigned char { kAtAcquire, kIfBlocks };

struct CtxCell {
	int rule;		/* enum bsdsync_rule, or kCtxOk */
	CtxWhen when;
};
constexpr int kCtxOk = -1;

/* The table (context_rules.cpp). */
extern const CtxCell context_table[(int)CtxHeld::kCount][(int)CtxWant::kCount];
inline const CtxCell &context_rule(CtxHeld held, CtxWant want)
{
	return context_table[(int)held][(int)want];
}

/* A lock's column, from its type's BSDSYNC_LT_* flags and its BSDSYNC_LW_* flags. */
CtxWant want_of(const LockType *type, unsigned witness_flags);

/* What puts the caller in the Spin or Critical row, to name it in a report. */
struct CtxCulprit {
	CtxHeld row;		/* Spin or Critical (or None: neither) */
	const char *kind;	/* "spin mutex", "DragonFly spinlock", ... or null */
	const char *name;	/* the lock's name, or null (a bare spinlock_enter, a section) */
	const char *file;	/* where a lock in the held-locks stack was taken, or null */
	int line;
};
/* The Spin or Critical row of a thread context `ctx` (Spin: this CPU's spin nesting, less
 * `spin_interlock`, a spin mutex the operation itself releases, is not zero, or a DragonFly
 * spinlock is held; Critical: `ctx` is BSDSYNC_CTX_IRQS_OFF or _ATOMIC otherwise; else None).
 * Interrupts off or preemption off: the records looked at are stable. */
CtxCulprit context_culprit(int ctx, const void *spin_interlock);

/*
 * The acquisition check (witness's ACQUIRING event, core/witness.h): a lock of `type` about to
 * be acquired (not a try-lock, not a recursion) by a caller in context `ctx` (as it was
 * before the event machinery disabled preemption). Reports once if the table's cell for the
 * caller's row and the lock's column is kAtAcquire and breaks a rule, naming the lock, its
 * init site and what is held, and marks the acquisition (ThreadState::context_reported_acquire) so
 * that may_block stays quiet if the same acquisition then has to block. Returns whether it
 * reported. Thread context only (an interrupt has no record: its cells are kIfBlocks).
 */
bool context_check_acquire(const void *lock, const LockType *type, int ctx, const char *file,
			   int line);
/* The context (enum bsdsync_context) of a lock operation, read from inside a lock-event sink:
 * as it was before lock_event_emit disabled preemption for the sinks (one level less; none
 * on a kernel whose preempt_disable() does not count, where the count shows no level). */
int context_of_sink_caller();
/* The acquisition of `lock` is over (ACQUIRED): forget its mark. */
void context_acquired(const void *lock);

} // namespace bsdsync

#endif
