/*
 * FreeBSD callout(9) on a kernel thread.
 *
 * One queue and one thread ("bsdsync_callout") run every callout, whatever CPU the driver
 * named: the thread sleeps until the earliest pending callout is due (bsdsync's own timed
 * block: an hrtimer in the platform), takes it off the queue, takes the callout's lock if it
 * has one, and runs the handler, in thread context. So a handler may take sleep mutexes and
 * rw locks as in FreeBSD, where callouts run in the softclock thread; nothing runs in hard
 * or soft interrupt context. A handler that blocks delays the callouts after it, as it does
 * in FreeBSD's per-CPU softclock thread.
 *
 * The queue's lock is the sleep-queue chain lock of &callout_queue (WaitTable::Guard:
 * interrupts off, so callout_reset/stop may be called from any context that FreeBSD allows,
 * spin mutexes held included). Under it: the pending list (sorted by due time, FIFO among
 * equals; insertion walks the list: fine for a driver's handful of callouts, a timer wheel
 * would be the next step), every callout's c_iflags, c_time, c_func, c_arg, and the state
 * of the handler being run (`running`, `cancel`, `draining`, `drain_fn`, FreeBSD's
 * cc_exec_*). The worker waits on (&callout_queue, Sleepers) and callout_drain() on
 * (&callout_queue, Drainers) (core/waitq.h's WaitQueueId): both queue under the same lock
 * that guards what they wait for, so no wakeup is lost.
 *
 * The lock association (FreeBSD's cc_exec_cancel): when the worker takes a callout off the
 * queue, `cancel` is false; the worker then takes the callout's lock and, under the queue's
 * lock, looks at `cancel`: set means a callout_stop() or callout_reset() made with the lock
 * held meanwhile cancelled this run, and the handler is skipped; otherwise the worker sets
 * it (from then on the run cannot be cancelled) and calls the handler. A caller holding the
 * lock therefore sees either the handler not started (and cancels it: callout_stop returns
 * 1), or the handler finished with the lock (it holds the lock).
 *
 * After the handler the worker never touches the callout again (a handler may free it, or
 * its lock with CALLOUT_RETURNUNLOCKED): only the queue's state.
 */
#include <bsdsync/freebsd/callout.h>
#include <bsdsync/freebsd/sleep.h>
#include <bsdsync/freebsd/rwlock.h>
#include <bsdsync/freebsd/rmlock.h>
#include "freebsd/lock_class.h"
#include "freebsd/services.h"
#include "core/block.h"
#include "core/thread.h"
#include "core/waitq.h"

namespace bsdsync::fbsd {

namespace {

/* Locking key: (c) the queue's lock (the sleep-queue chain lock of &callout_queue, see the
 * top of this file); (w) written only when the worker starts and after it stopped
 * (personality init/exit, before and after every use of callouts), read locklessly. Of a
 * callout: c_links, c_time, c_precision,
 * c_func, c_arg, c_iflags (c); c_lock set at init; c_flags as <bsdsync/freebsd/callout.h>
 * says. */
struct CalloutQueue {
	callout *head;		/* (c) pending, earliest first */
	callout *tail;		/* (c) */
	callout *running;	/* (c) the callout whose handler the worker is running, or null */
	bool cancel;		/* (c) running's handler may no longer be cancelled (see top) */
	bool draining;		/* (c) callout_drain() waits for running to finish */
	bool stopping;		/* (c) module unload: the worker returns */
	callout_func_t *drain_fn;	/* (c) callout_async_drain()'s function for running */
	thread *worker;		/* (w) */
};

CalloutQueue callout_queue;

inline const void *queue_channel() { return &callout_queue; }

ReportSubject callout_subject(const callout *c)
{
	if (c->c_lock)
		return subject_of(c->c_lock);
	return ReportSubject{ "callout", "callout", c, nullptr };
}

void set_iflags(callout *c, short set, short clear)
{
	store_relaxed(&c->c_iflags, (short)((load_relaxed(&c->c_iflags) & ~clear) | set));
}
void clear_active(callout *c)
{
	__atomic_fetch_and(&c->c_flags, (short)~BSDSYNC_CALLOUT_ACTIVE, __ATOMIC_RELAXED);
}
void set_active(callout *c)
{
	__atomic_fetch_or(&c->c_flags, (short)BSDSYNC_CALLOUT_ACTIVE, __ATOMIC_RELAXED);
}

/* Pending list, queue lock held. */
void unlink(callout *c)
{
	callout *n = c->c_links.next, *p = c->c_links.prev;
	if (p)
		p->c_links.next = n;
	else
		callout_queue.head = n;
	if (n)
		n->c_links.prev = p;
	else
		callout_queue.tail = p;
	c->c_links.next = c->c_links.prev = nullptr;
	set_iflags(c, 0, BSDSYNC_CALLOUT_PENDING);
}

/* Insert in due-time order, after those due at the same time; true if it became the head. */
bool insert(callout *c)
{
	callout *p = callout_queue.tail;
	while (p && p->c_time > c->c_time)
		p = p->c_links.prev;
	c->c_links.prev = p;
	c->c_links.next = p ? p->c_links.next : callout_queue.head;
	if (c->c_links.next)
		c->c_links.next->c_links.prev = c;
	else
		callout_queue.tail = c;
	if (p)
		p->c_links.next = c;
	else
		callout_queue.head = c;
	set_iflags(c, BSDSYNC_CALLOUT_PENDING, 0);
	return p == nullptr;
}

/* The associated lock, taken and released the way the callout was initialised to. */
struct HeldLock {
	lock_object *lo;
	bool shared;
	rm_priotracker tracker;
};

void take_lock(HeldLock &h)
{
	switch (lock_class_index(h.lo)) {
	case BSDSYNC_CLASS_MTX_SPIN:
		fbsd_mtx_lock_spin_flags(reinterpret_cast<mtx *>(h.lo), 0, __FILE__, __LINE__);
		break;
	case BSDSYNC_CLASS_RW:
		if (h.shared)
			fbsd_rw_rlock(reinterpret_cast<rwlock *>(h.lo), __FILE__, __LINE__);
		else
			fbsd_rw_wlock(reinterpret_cast<rwlock *>(h.lo), __FILE__, __LINE__);
		break;
	case BSDSYNC_CLASS_RM:
		if (h.shared)
			fbsd_rm_rlock(reinterpret_cast<rmlock *>(h.lo), &h.tracker, 0, __FILE__,
				      __LINE__);
		else
			fbsd_rm_wlock(reinterpret_cast<rmlock *>(h.lo), __FILE__, __LINE__);
		break;
	default:	/* sleep mutex, Giant included */
		fbsd_mtx_lock_flags(reinterpret_cast<mtx *>(h.lo), 0, __FILE__, __LINE__);
		break;
	}
}

void release_lock(HeldLock &h)
{
	switch (lock_class_index(h.lo)) {
	case BSDSYNC_CLASS_MTX_SPIN:
		fbsd_mtx_unlock_spin_flags(reinterpret_cast<mtx *>(h.lo), 0, __FILE__, __LINE__);
		break;
	case BSDSYNC_CLASS_RW:
		if (h.shared)
			fbsd_rw_runlock(reinterpret_cast<rwlock *>(h.lo), __FILE__, __LINE__);
		else
			fbsd_rw_wunlock(reinterpret_cast<rwlock *>(h.lo), __FILE__, __LINE__);
		break;
	case BSDSYNC_CLASS_RM:
		if (h.shared)
			fbsd_rm_runlock(reinterpret_cast<rmlock *>(h.lo), &h.tracker, __FILE__,
					__LINE__);
		else
			fbsd_rm_wunlock(reinterpret_cast<rmlock *>(h.lo), __FILE__, __LINE__);
		break;
	default:
		fbsd_mtx_unlock_flags(reinterpret_cast<mtx *>(h.lo), 0, __FILE__, __LINE__);
		break;
	}
}

/* Run one callout taken off the queue (queue lock not held). */
void run_handler(callout_func_t *func, void *arg, lock_object *lo, short iflags)
{
	if (lo) {
		HeldLock h{ lo, (iflags & BSDSYNC_CALLOUT_SHAREDLOCK) != 0, {} };
		take_lock(h);
		bool cancelled;
		{
			WaitTable::Guard g(sleep_queues, queue_channel());
			cancelled = callout_queue.cancel;
			callout_queue.cancel = true;
		}
		if (cancelled) {
			release_lock(h);
			return;
		}
		func(arg);
		if (!(iflags & BSDSYNC_CALLOUT_RETURNUNLOCKED))
			release_lock(h);
	} else {
		func(arg);
	}
}

void callout_worker(void *)
{
	for (;;) {
		callout_func_t *func;
		void *arg;
		lock_object *lo;
		short iflags;
		{
			Waiter w;
			WaitTable::Guard g(sleep_queues, queue_channel());
			if (callout_queue.stopping)
				return;
			callout *c = callout_queue.head;
			u64 now = bsdsync_uptime_ns();
			if (!c || sbt_to_ns(c->c_time) > now) {
				u64 deadline = c ? sbt_to_ns(c->c_time) : 0;
				u64 slack = c ? sbt_to_ns(c->c_precision) : 0;
				BlockOptions o;
				o.kind = BlockKind::Sleep;
				o.state = BSDSYNC_BLOCK_IDLE;
				o.deadline_ns = deadline;
				o.slack_ns = slack;
				block_on(sleep_queues, g, w, queue_channel(), WaitQueueId::Sleepers,
					 o);
				continue;
			}
			unlink(c);
			callout_queue.running = c;
			callout_queue.cancel = false;
			func = c->c_func;
			arg = c->c_arg;
			lo = c->c_lock;
			iflags = load_relaxed(&c->c_iflags);
		}
		run_handler(func, arg, lo, iflags);
		callout_func_t *drain;
		{
			WakeList later;		/* drainers are woken after g is released */
			WaitTable::Guard g(sleep_queues, queue_channel());
			callout_queue.running = nullptr;
			drain = callout_queue.drain_fn;
			callout_queue.drain_fn = nullptr;
			if (callout_queue.draining) {
				callout_queue.draining = false;
				sleep_queues.wake_all(g, queue_channel(), WaitQueueId::Drainers,
						      later);
			}
		}
		/* callout_async_drain(): called like the handler, with its argument. */
		if (drain)
			drain(arg);
	}
}

/* When a callout set for `sbt` (flags C_*) from now is due, and how late it may be, in ns. */
void due_time(s64 sbt, s64 pr, int flags, u64 *when, u64 *slack)
{
	u64 now = bsdsync_uptime_ns();
	if (flags & BSDSYNC_C_ABSOLUTE) {
		*when = sbt_to_ns(sbt);
		if (*when < now)
			*when = now;
	} else {
		*when = now + sbt_to_ns(sbt);
	}
	*slack = pr > 0 ? sbt_to_ns(pr) : 0;
	if (sbt <= 0 || (flags & BSDSYNC_C_ABSOLUTE))
		return;
	/* Relative: sbt >> C_PRELGET(flags) at least, and by default FreeBSD's
	 * kern.timecounter.alloweddeviation (sbt >> 5, about 3%), so that timers due close
	 * together share one wakeup. Late, never early. */
	int prel = BSDSYNC_C_PRELGET(flags);
	u64 rel = sbt_to_ns(sbt >> (prel >= 0 ? prel : 5));
	if (rel > *slack)
		*slack = rel;
}

int reset(callout *c, s64 sbt, s64 pr, callout_func_t *func, void *arg, int flags)
{
	u64 when, slack;
	due_time(sbt, pr, flags, &when, &slack);
	int cancelled = 0;
	WakeList later;		/* the worker is woken after g is released */
	WaitTable::Guard g(sleep_queues, queue_channel());
	if (callout_queue.running == c) {
		/* Rescheduling a callout whose handler was taken off the queue: a caller
		 * holding the lock cancels that run if the handler has not started. */
		if (c->c_lock && !callout_queue.cancel) {
			callout_queue.cancel = true;
			cancelled = 1;
		}
		/* Being drained: not rescheduled. */
		if (callout_queue.draining || callout_queue.drain_fn)
			return cancelled;
	}
	if (load_relaxed(&c->c_iflags) & BSDSYNC_CALLOUT_PENDING) {
		unlink(c);
		cancelled = 1;
	}
	c->c_func = func;
	c->c_arg = arg;
	c->c_time = ns_to_sbt(when);
	c->c_precision = ns_to_sbt(slack);
	set_active(c);
	if (insert(c))
		sleep_queues.wake_one(g, queue_channel(), WaitQueueId::Sleepers, later);
	return cancelled;
}

bool lock_held(const lock_object *lo)
{
	const LockClass *cls = lock_class_of(lo);
	return cls && cls->owned(lo);
}

int stop(callout *c, int flags, callout_func_t *drain, const char *file, int line)
{
	bool use_lock = false;
	if (!(flags & BSDSYNC_CS_DRAIN) && c->c_lock) {
		/* Old FreeBSD code stops Giant callouts without Giant: only used if held. */
		if (c->c_lock == &fbsd_Giant.lock_object) {
			use_lock = giant_owned();
		} else {
			use_lock = true;
			if (!drain && !lock_held(c->c_lock))
				report(BSDSYNC_RULE_NOT_OWNER, subject_of(c->c_lock), file, line,
				       "callout_stop without the callout's lock held");
		}
	}
	if ((flags & BSDSYNC_CS_DRAIN) && c->c_lock && c->c_lock != &fbsd_Giant.lock_object &&
	    lock_held(c->c_lock)) {
		/* The handler may be waiting for that very lock: waiting would deadlock. */
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject_of(c->c_lock), file, line,
		       "callout_drain with the callout's own lock held (stopped, not drained)");
		flags &= ~BSDSYNC_CS_DRAIN;
		use_lock = true;
	}
	bool checked = false;
	for (;;) {
		Waiter w;
		WaitTable::Guard g(sleep_queues, queue_channel());
		int cancelled;
		if (callout_queue.running == c) {
			if (flags & BSDSYNC_CS_DRAIN) {
				if (callout_queue.worker == curthread()) {
					g.unlock();
					report(BSDSYNC_RULE_BAD_ARGUMENT, callout_subject(c), file, line,
					       "callout_drain from the callout's own handler");
					return 0;
				}
				if (!checked) {
					/* The context rules, once, before the first wait. */
					g.unlock();
					checked = true;
					if (!may_block(callout_subject(c), nullptr, "callout_drain",
						       "not waited for", file, line))
						return 0;
					check_may_sleep_with_locks(nullptr, "callout_drain", file,
								   line);
					continue;
				}
				callout_queue.draining = true;
				/* A sleep: Giant goes for the wait (the block hook, FreeBSD's
				 * DROP_GIANT), the handler may need it. */
				BlockOptions o;
				o.kind = BlockKind::Sleep;
				o.state = BSDSYNC_BLOCK_IDLE;
				o.file = file;
				o.line = line;
				block_on(sleep_queues, g, w, queue_channel(), WaitQueueId::Drainers,
					 o);
				continue;
			}
			clear_active(c);
			if (use_lock && !callout_queue.cancel && !drain) {
				/* The handler waits for the lock the caller holds: it will not
				 * run. */
				callout_queue.cancel = true;
				return 1;
			}
			if (drain)
				callout_queue.drain_fn = drain;
			cancelled = (flags & BSDSYNC_CS_EXECUTING) ? 1 : 0;
		} else {
			cancelled = 1;
		}
		clear_active(c);
		if (!(load_relaxed(&c->c_iflags) & BSDSYNC_CALLOUT_PENDING)) {
			if (callout_queue.running != c)
				cancelled = -1;
			return cancelled;
		}
		unlink(c);
		return cancelled;
	}
}

} // namespace

int callout_start()
{
	return bsdsync_kthread_spawn(callout_worker, nullptr, nullptr, "bsdsync_callout", 1,
				     &callout_queue.worker);
}

void callout_stop_thread()
{
	{
		WakeList later;
		WaitTable::Guard g(sleep_queues, queue_channel());
		callout_queue.stopping = true;
		sleep_queues.wake_one(g, queue_channel(), WaitQueueId::Sleepers, later);
	}
	bsdsync_kthread_join(callout_queue.worker);
	callout_queue.worker = nullptr;
}

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

extern "C" {

void fbsd_callout_init(struct callout *c, int mpsafe)
{
	__builtin_memset(c, 0, sizeof(*c));
	c->c_lock = mpsafe ? nullptr : &fbsd_Giant.lock_object;
	c->c_cpu = -1;
}

void fbsd_callout_init_lock(struct callout *c, struct lock_object *lock, int flags,
			    const char *file, int line)
{
	__builtin_memset(c, 0, sizeof(*c));
	c->c_cpu = -1;
	if (flags & ~(BSDSYNC_CALLOUT_RETURNUNLOCKED | BSDSYNC_CALLOUT_SHAREDLOCK)) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "callout", "callout", c, nullptr },
		       file, line, "callout_init_lock: bad flags %#x", flags);
		flags &= BSDSYNC_CALLOUT_RETURNUNLOCKED | BSDSYNC_CALLOUT_SHAREDLOCK;
	}
	if (lock) {
		const LockClass *cls = lock_class_of(lock);
		if (!cls || !(load_relaxed(&lock->lo_flags) & LO_INITIALIZED)) {
			report(cls ? BSDSYNC_RULE_DESTROYED : BSDSYNC_RULE_UNINITIALIZED,
			       subject_of(lock), file, line, "callout_init_lock with a lock that is %s",
			       cls ? "destroyed" : "not initialised");
			lock = nullptr;
		} else if (cls->flags & LC_SLEEPABLE) {
			/* A handler must not sleep: sx, lockmgr, sleepable rm are refused. */
			report(BSDSYNC_RULE_WRONG_CLASS, subject_of(lock), file, line,
			       "callout_init_lock: a callout cannot use a sleepable lock");
			lock = nullptr;
		} else if ((flags & BSDSYNC_CALLOUT_SHAREDLOCK) &&
			   lock_class_index(lock) != BSDSYNC_CLASS_RW &&
			   lock_class_index(lock) != BSDSYNC_CLASS_RM) {
			report(BSDSYNC_RULE_BAD_ARGUMENT, subject_of(lock), file, line,
			       "CALLOUT_SHAREDLOCK with a lock that has no shared mode");
			flags &= ~BSDSYNC_CALLOUT_SHAREDLOCK;
		}
	}
	c->c_lock = lock;
	c->c_iflags = (short)flags;
}

int fbsd_callout_reset_sbt_on(struct callout *c, bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr,
			      callout_func_t *func, void *arg, int cpu, int flags)
{
	(void)cpu;
	return reset(c, sbt, pr, func, arg, flags);
}

int fbsd_callout_reset_on(struct callout *c, int ticks, callout_func_t *func, void *arg,
			  int cpu)
{
	(void)cpu;
	/* As FreeBSD: zero or negative ticks mean one. */
	if (ticks <= 0)
		ticks = 1;
	return reset(c, fbsd_tick_sbt * ticks, 0, func, arg, BSDSYNC_C_HARDCLOCK);
}

int fbsd_callout_schedule_on(struct callout *c, int ticks, int cpu)
{
	return fbsd_callout_reset_on(c, ticks, c->c_func, c->c_arg, cpu);
}

int fbsd_callout_schedule_sbt_on(struct callout *c, bsdsync_sbintime_t sbt,
				 bsdsync_sbintime_t pr, int cpu, int flags)
{
	(void)cpu;
	return reset(c, sbt, pr, c->c_func, c->c_arg, flags);
}

int fbsd_callout_stop_safe(struct callout *c, int flags, callout_func_t *drain,
			   const char *file, int line)
{
	return stop(c, flags, drain, file, line);
}

} // extern "C"
