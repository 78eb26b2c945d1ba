/*
 * DragonFly's tsleep family, sleep(9): tsleep, tsleep_interlock + PINTERLOCKED, ssleep,
 * wakeup, wakeup_one, wakeup_domain, wakeup_domain_one. Over the core's sleep queues and
 * blocking tail (core/waitq.h, core/block.h), the ones FreeBSD's sleep(9) uses.
 *
 * No lost wakeups without passing a lock (DragonFly's design): tsleep_interlock(ident)
 * queues the thread on ident at once (its Waiter lives in the thread record's DragonFly
 * slot, dragonfly.h ThreadSlot) and returns; the thread runs on (typically releasing the
 * lock that guards the condition) and then calls tsleep(ident, PINTERLOCKED): a wakeup in
 * between has already unlinked the Waiter and set its `woken` under the chain lock, so the
 * wait returns at once (0). Without PINTERLOCKED, tsleep queues itself first (block_on).
 * A waker ordered with the sleeper only through the condition itself (no common lock): the
 * sleeper's enqueue is followed by a full fence (tsleep_interlock), the waker's condition
 * store by one (wakeup, before its lockless look at the chain, WaitTable::maybe_waiters):
 * either the sleeper sees the condition, or the waker sees the sleeper queued.
 *
 * Pairs: tsleep_interlock's queue entry is taken off by a wakeup (woken), by the tsleep it
 * was meant for, by the next tsleep_interlock or plain tsleep (the thread waits on one
 * ident at a time, as in DragonFly), or by a refused tsleep.
 *
 * Critical sections: DragonFly gives them up for the sleep and takes them back after
 * (crit_enter(9)); so does tsleep here (ThreadSlot::crit_depth levels of preemption), but
 * not in a hard code section (crit_enter_hard, lwkt_gettoken_hard): reported, EWOULDBLOCK. A
 * DragonFly spinlock held (or any other atomic context) is reported once by the context
 * check (core/thread.h may_block), and tsleep returns EWOULDBLOCK without sleeping.
 *
 * Results: 0 (woken, or PINTERLOCKED with the entry already gone), EWOULDBLOCK (timo ticks
 * passed), EINTR (fatal signal) / ERESTART (other signal) with PCATCH, whose pending signal
 * ends the sleep before it starts. Priorities are ignored. Tokens: token.cpp (a sleep here
 * is a block like any other). The interlocked forms of the other locks are beside their
 * lock, over the two entry points here: lksleep in lockmgr.cpp, mtxsleep in mtx.cpp, zsleep
 * in serialize.cpp.
 *
 * Wakeup domains (PDOMAIN_*): a sleeper's domain is flags & PDOMAIN_MASK; wakeup() wakes
 * domain 0 only, wakeup_domain(ident, d) the sleepers of domain d. Each (ident, domain) is
 * its own wait channel: domain_key(ident, d) = ident XOR (d << 32). A domain (bits 16..31)
 * lands in bits 48..63, so for d != 0 the key is a non-canonical address: no real ident
 * (every ident is a canonical address) and no other (ident, domain) pair has the same key
 * (two canonical idents that differ only in bits 48..63 do not exist). Domain 0's key is
 * the ident itself.
 * A thread that exits between tsleep_interlock and tsleep: DragonFly removes its entry at
 * exit, and so does the personality's thread-exit hook here (sleep_thread_exiting, run by
 * the core in the exiting thread, core/thread.h td_exit_hook): the entry lives in the
 * thread record, which is zeroed and recycled when the task is freed, so it must not stay
 * linked on a sleep queue past the exit.
 */
#include "dragonfly/dragonfly.h"
#include "core/block.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace {

/* The wait channel of (ident, the domain in flags): see the top. */
inline const void *domain_key(const volatile void *ident, int flags)
{
	uintptr domain = (unsigned)flags & BSDSYNC_DFLY_PDOMAIN_MASK;
	return reinterpret_cast<const void *>(reinterpret_cast<uintptr>(ident) ^ (domain << 32));
}

ReportSubject channel_subject(const volatile void *ident, const char *wmesg)
{
	return ReportSubject{ "wait channel", wmesg ? wmesg : "tsleep",
			      const_cast<const void *>(ident), nullptr };
}

/* Take the thread's tsleep_interlock entry off its queue (if a wakeup has not already). */
void interlock_cancel(ThreadSlot *s)
{
	if (s->interlocked) {
		sleep_queues.cancel(s->interlock);
		s->interlocked = 0;
	}
}

/* Give up the thread's critical sections for a sleep (DragonFly does); returns how many. */
int crit_give_up(ThreadSlot *s)
{
	int n = s ? s->crit_depth : 0;
	for (int i = 0; i < n; i++)
		bsdsync_preempt_enable();
	return n;
}

void crit_take_back(int n)
{
	for (int i = 0; i < n; i++)
		bsdsync_preempt_disable();
}

int tsleep(const volatile void *ident_v, int flags, const char *wmesg, int timo,
	   const char *file, int line)
{
	const void *ident = const_cast<const void *>(ident_v);
	const char *what = wmesg ? wmesg : "tsleep";
	ThreadState *t = current_record();
	ThreadSlot *s = t ? thread_slot(t) : nullptr;
	if (unlikely(!ident)) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, channel_subject(ident, wmesg), file, line,
		       "tsleep on a NULL ident");
		return BSDSYNC_EINVAL;
	}
	if (unlikely(s && s->crit_hard)) {
		/* DragonFly: no sleep with interrupt nesting (a hard code section). */
		report(BSDSYNC_RULE_SLEEP_ATOMIC, channel_subject(ident, wmesg), file, line,
		       "%s in a hard code section (crit_enter_hard, lwkt_gettoken_hard): not "
		       "slept (EWOULDBLOCK)", what);
		interlock_cancel(s);
		return BSDSYNC_EWOULDBLOCK;
	}
	const void *key = domain_key(ident, flags);
	int crit = crit_give_up(s);
	if (!may_block(channel_subject(ident, wmesg), nullptr, what, "not slept (EWOULDBLOCK)",
		       file, line)) {
		if (s)
			interlock_cancel(s);
		crit_take_back(crit);
		return BSDSYNC_EWOULDBLOCK;
	}
	/* A FreeBSD mutex or another non-sleepable lock held: reported, the sleep goes on. */
	check_may_sleep_with_locks(nullptr, what, file, line);

	BlockOptions o;
	o.kind = BlockKind::Sleep;
	o.state = (flags & BSDSYNC_DFLY_PCATCH) ? BSDSYNC_BLOCK_INTERRUPTIBLE : BSDSYNC_BLOCK_IDLE;
	if (timo > 0)
		o.deadline_ns = bsdsync_uptime_ns() + (u64)timo * (1000000000ULL / BSDSYNC_HZ);
	o.file = file;
	o.line = line;

	int res;
	if (flags & BSDSYNC_DFLY_PINTERLOCKED) {
		/* The entry tsleep_interlock(ident) queued; gone (a wakeup took it, or it was
		 * for another ident): return at once, as DragonFly does. */
		if (!s || !s->interlocked || s->interlock_ident != key) {
			if (s)
				interlock_cancel(s);
			crit_take_back(crit);
			return 0;
		}
		res = block_queued(sleep_queues, s->interlock, o);
		s->interlocked = 0;
	} else {
		if (s)
			interlock_cancel(s);
		Waiter w;
		WaitTable::Guard g(sleep_queues, key);
		res = block_on(sleep_queues, g, w, key, WaitQueueId::Sleepers, o);
	}
	crit_take_back(crit);
	return block_errno(static_cast<bsdsync_block_result>(res));
}

void tsleep_interlock(const volatile void *ident_v, int flags, const char *file, int line)
{
	const void *ident = const_cast<const void *>(ident_v);
	ThreadState *t = current_record();
	if (unlikely(!t)) {
		/* Interrupt context (or no record could be made): nothing queued; the tsleep
		 * that follows returns at once (a spurious wakeup, which callers tolerate). */
		if (bsdsync_in_interrupt())
			report(BSDSYNC_RULE_SLEEP_INTERRUPT, channel_subject(ident, nullptr), file,
			       line, "tsleep_interlock in interrupt context: nothing queued");
		return;
	}
	ThreadSlot *s = thread_slot(t);
	interlock_cancel(s);	/* one ident at a time */
	const void *key = domain_key(ident, flags);
	{
		WaitTable::Guard g(sleep_queues, key);
		sleep_queues.enqueue(g, s->interlock, key, WaitQueueId::Sleepers, nullptr);
	}
	s->interlock_ident = key;
	s->interlocked = 1;
	/* Queued before the caller looks at its condition again: pairs with the fence in
	 * wakeup() (see the top: a waker with no lock in common with the sleeper). */
	full_fence();
}

enum class WakeHow { All, One };

BSDSYNC_NOINLINE void wakeup_slow(const void *ident, WakeHow how)
{
	WakeList later;		/* declared first: the tasks are woken after the Guard is gone */
	WaitTable::Guard g(sleep_queues, ident);
	if (how == WakeHow::All)
		sleep_queues.wake_all(g, ident, WaitQueueId::Sleepers, later);
	else
		sleep_queues.wake_one(g, ident, WaitQueueId::Sleepers, later);
}

inline void wakeup(const volatile void *ident_v, WakeHow how)
{
	const void *ident = const_cast<const void *>(ident_v);
	/* The condition the caller changed is visible before we look for sleepers: pairs
	 * with the fence at the end of tsleep_interlock(). */
	full_fence();
	if (sleep_queues.maybe_waiters(ident))
		wakeup_slow(ident, how);
}

} // namespace

namespace bsdsync::dfly {

/* The thread-exit hook's part for the tsleep family (personality.cpp): take a pending
 * tsleep_interlock() entry off its queue. `t` is the exiting thread's own record (the
 * platform found it; the thread runs this itself), so its slot is ours to change. The
 * chain lock is taken with interrupts off, as everywhere; the thread holds no chain here. */
void sleep_thread_exiting(ThreadState *t)
{
	interlock_cancel(thread_slot(t));
}

} // namespace bsdsync::dfly

extern "C" {

int dfly_tsleep(const volatile void *ident, int flags, const char *wmesg, int timo,
		const char *file, int line)
{
	return tsleep(ident, flags, wmesg, timo, file, line);
}

void dfly_tsleep_interlock(const volatile void *ident, int flags, const char *file, int line)
{
	tsleep_interlock(ident, flags, file, line);
}

/* DragonFly's ssleep: tsleep_interlock, release the spinlock, tsleep(PINTERLOCKED), take
 * the spinlock back (exclusive, as DragonFly). The spinlock must be held exclusively. */
int dfly_ssleep(const volatile void *ident, struct dfly_spinlock *spin, int flags,
		const char *wmesg, int timo, const char *file, int line)
{
	unsigned v = load_relaxed(&spin->counta);
	if ((v & BSDSYNC_DFLY_SPINLOCK_COUNT_MASK) == 0 || (v & BSDSYNC_DFLY_SPINLOCK_SHARED)) {
		report(BSDSYNC_RULE_NOT_OWNER, spinlock_subject(spin), file, line,
		       "ssleep with a spinlock not held exclusively (word 0x%x)", v);
		return BSDSYNC_EINVAL;
	}
	tsleep_interlock(ident, flags, file, line);
	dfly_spin_unlock(spin, file, line);
	int error = tsleep(ident, flags | BSDSYNC_DFLY_PINTERLOCKED, wmesg, timo, file, line);
	dfly_spin_lock(spin, file, line);
	return error;
}

void dfly_wakeup(const volatile void *ident)
{
	wakeup(ident, WakeHow::All);
}

void dfly_wakeup_one(const volatile void *ident)
{
	wakeup(ident, WakeHow::One);
}

/* `domain` may carry DragonFly's PWAKEUP_* bits too (CPU hints, PWAKEUP_ONE): only
 * PDOMAIN_MASK names the sleepers; PWAKEUP_ONE makes it wake one. */
void dfly_wakeup_domain(const volatile void *ident, int domain)
{
	wakeup(domain_key(ident, domain),
	       (domain & BSDSYNC_DFLY_PWAKEUP_ONE) ? WakeHow::One : WakeHow::All);
}

void dfly_wakeup_domain_one(const volatile void *ident, int domain)
{
	wakeup(domain_key(ident, domain), WakeHow::One);
}

} // extern "C"
