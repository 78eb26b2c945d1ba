/*
 * The context-rule table and the acquisition check (core/context_rules.h has the rows, the
 * columns and who reads it).
 */
#include "core/context_rules.h"
#include "core/spin.h"
#include "core/thread.h"

namespace bsdsync {

namespace {
constexpr CtxCell ok{ kCtxOk, CtxWhen::kIfBlocks };
constexpr CtxCell at_acquire(int rule) { return CtxCell{ rule, CtxWhen::kAtAcquire }; }
constexpr CtxCell if_blocks(int rule) { return CtxCell{ rule, CtxWhen::kIfBlocks }; }
constexpr int kAtomic = BSDSYNC_RULE_SLEEP_ATOMIC;
constexpr int kIntr = BSDSYNC_RULE_SLEEP_INTERRUPT;
constexpr int kNonSleep = BSDSYNC_RULE_SLEEP_NONSLEEPABLE;
} // namespace

/*
 * locking(9)'s interaction and context tables, with witness's and DragonFly's rules. Notes:
 *  - Interrupt x Blockable: the sleep mutex reports at every acquisition in an interrupt by
 *    itself (freebsd/mtx.cpp: FreeBSD takes them in interrupt threads, which are hard or soft
 *    interrupt context here); rw, rm, sx and lockmgr when they would block.
 *  - Spin and Critical x Blockable/Sleepable: witness_checkorder's "acquiring blockable sleep
 *    lock with spinlock or critical section held", contended or not (with witness on: it is
 *    a witness check in FreeBSD too). DragonFly's lockmgr and mtx in a DragonFly critical
 *    section are reported as well: DragonFly gives the section up when a thread blocks,
 *    bsdsync only for tsleep (a lock wait in a section would be "scheduling while atomic").
 *  - x Unwitnessed (tokens): reported only when it would block (DragonFly's lwkt_switch
 *    assert "still holding exclusive spinlocks"; an uncontended token in a spinlock is
 *    legal DragonFly).
 *  - Spin and Critical x Sleep: a DragonFly tsleep gives its thread's critical sections up
 *    before it is judged (dragonfly/sleep.cpp), a FreeBSD msleep_spin its interlock.
 *  - NonSleepable x Sleepable: the sx, lockmgr and sleepable rm acquisition paths call
 *    check_may_sleep_with_locks at every acquisition (checked build); a token only when it
 *    blocks. x Sleep: the interlock the sleep releases and Giant are exempt.
 *  - Giant, Sleepable, Token rows: everything allowed (Giant and tokens are dropped across a
 *    sleep; a spin lock may be taken under anything).
 *  - Spin x Spin: allowed; their order is witness's graph's (spin locks are in it).
 */
constinit const CtxCell context_table[(int)CtxHeld::kCount][(int)CtxWant::kCount] = {
	/*                     Spin  Blockable            Sleepable            Unwitnessed
	 *                     Sleep */
	/* None         */ { ok, ok, ok, ok, ok },
	/* Interrupt    */ { ok, if_blocks(kIntr), if_blocks(kIntr), if_blocks(kIntr),
			     if_blocks(kIntr) },
	/* Spin         */ { ok, at_acquire(kAtomic), at_acquire(kAtomic), if_blocks(kAtomic),
			     if_blocks(kAtomic) },
	/* Critical     */ { ok, at_acquire(kAtomic), at_acquire(kAtomic), if_blocks(kAtomic),
			     if_blocks(kAtomic) },
	/* NonSleepable */ { ok, ok, at_acquire(kNonSleep), if_blocks(kNonSleep),
			     if_blocks(kNonSleep) },
	/* Giant        */ { ok, ok, ok, ok, ok },
	/* Sleepable    */ { ok, ok, ok, ok, ok },
	/* Token        */ { ok, ok, ok, ok, ok },
};

CtxWant want_of(const LockType *type, unsigned witness_flags)
{
	if (type->flags & (BSDSYNC_LT_SPIN | BSDSYNC_LT_PREEMPT_OFF))
		return CtxWant::Spin;
	if (witness_flags & BSDSYNC_LW_NOWITNESS)
		return CtxWant::Unwitnessed;
	return type->flags & BSDSYNC_LT_MAY_SLEEP ? CtxWant::Sleepable : CtxWant::Blockable;
}

CtxCulprit context_culprit(int ctx, const void *spin_interlock)
{
	CtxCulprit c{ CtxHeld::None, nullptr, nullptr, nullptr, 0 };
	/* A spin lock held (other than the interlock): the newest one. Interrupts are off while
	 * one is held, so this CPU's record is stable. The record keeps addresses; the
	 * personality that took them names them (spin_lock_subject). */
	int spins = bsdsync_spin_nesting() - (spin_interlock ? 1 : 0);
	if (spins > 0) {
		c.row = CtxHeld::Spin;
		const bsdsync_spin_held *h = bsdsync_cpu_spin_held();
		const void *held = nullptr;
		for (int i = 0; i < h->count && i < BSDSYNC_SPIN_TRACK; i++)
			if (h->lock[i] && h->lock[i] != spin_interlock)
				held = h->lock[i];
		/* Every level tracked and none names a lock: a bare spinlock_enter(). */
		if (!held && h->count <= BSDSYNC_SPIN_TRACK)
			return c;
		c.kind = "spin mutex";
		c.name = held && spin_lock_subject ? spin_lock_subject(held).name : "(untracked)";
		return c;
	}
	/* Judged without the interlock, `ctx` may be a thread's (msleep_spin). */
	if (ctx != BSDSYNC_CTX_IRQS_OFF && ctx != BSDSYNC_CTX_ATOMIC)
		return c;
	c.row = CtxHeld::Critical;
	/* Preemption off with interrupts on: a lock held that way (a DragonFly spinlock,
	 * BSDSYNC_LT_PREEMPT_OFF: recorded in the thread's held-locks stack) is named, the
	 * newest first; otherwise a bare critical section (or the kernel's own). */
	if (ctx == BSDSYNC_CTX_ATOMIC) {
		if (const ThreadState *t = current_record_if_any()) {
			const HeldLocks &h = t->held;
			int n = h.depth < HeldLocks::kTrack ? h.depth : HeldLocks::kTrack;
			for (int i = n - 1; i >= 0; i--) {
				const HeldLock &e = h.entry[i];
				if (!e.lock || (e.flags & HeldLock::kPlaceholder) ||
				    !(e.type->flags & BSDSYNC_LT_PREEMPT_OFF))
					continue;
				c.row = CtxHeld::Spin;
				c.kind = e.type->name;
				c.name = lock_subject(e.type, e.lock).name;
				c.file = e.file ? e.file : "?";
				c.line = e.line;
				return c;
			}
		}
	}
	return c;
}

int context_of_sink_caller()
{
	unsigned int pc;

	/* The preempt count without x86's inverted PREEMPT_NEED_RESCHED bit (bit 31). */
	__asm__ __volatile__("movl %%gs:" BSDSYNC_PCPU_PREEMPT "(%%rip), %0" : "=r"(pc));
	int less = (pc & 0x7fffffffu) ? 1 : 0;
	return bsdsync_context_restoring(bsdsync_irqs_disabled() ? 0 : BSDSYNC_IRQ_FLAGS_ENABLED,
					 less);
}

bool context_check_acquire(const void *lock, const LockType *type, int ctx, const char *file,
			   int line)
{
	CtxCulprit c = context_culprit(ctx, nullptr);
	if (c.row == CtxHeld::None)
		return false;
	ReportSubject subject = lock_subject(type, lock);
	unsigned wf = 0;
	if (type->describe)
		type->describe(lock, &subject.name, &subject.site, &wf);
	const CtxCell &cell = context_rule(c.row, want_of(type, wf));
	if (cell.rule == kCtxOk || cell.when != CtxWhen::kAtAcquire)
		return false;
	/* Made if the thread has none yet (its first lock operation may be this one, under a
	 * spin mutex, which keeps no thread record): the mark needs it. Only if it cannot be
	 * made (out of memory) is the acquisition left to the blocking path. */
	ThreadState *t = current_record();
	if (!t)
		return false;
	/* may_block reported this acquisition just now (a path that judges blocking before its
	 * ACQUIRING). A mark of another lock is stale (a sleep's, or a refused acquisition's):
	 * dropped here, so that it cannot silence a later acquisition of that address. */
	bool reported = t->context_reported_block == lock;
	t->context_reported_block = nullptr;
	if (reported)
		return false;
	t->context_reported_acquire = lock;
	if (c.file)
		report((bsdsync_rule)cell.rule, subject, file, line,
		       "acquiring blockable sleep lock with %s \"%s\" held (taken at %s:%d)",
		       c.kind, c.name, c.file, c.line);
	else if (c.kind)
		report((bsdsync_rule)cell.rule, subject, file, line,
		       "acquiring blockable sleep lock with %s \"%s\" held", c.kind, c.name);
	else
		report((bsdsync_rule)cell.rule, subject, file, line,
		       "acquiring blockable sleep lock %s",
		       c.row == CtxHeld::Spin
			       ? "inside spinlock_enter()"
			       : "in a critical section, an RCU read section, or with preemption "
				 "or interrupts disabled");
	return true;
}

void context_acquired(const void *lock)
{
	ThreadState *t = current_record_if_any();
	if (!t)
		return;
	if (t->context_reported_acquire == lock)
		t->context_reported_acquire = nullptr;
	if (t->context_reported_block == lock)
		t->context_reported_block = nullptr;
}

} // namespace bsdsync
