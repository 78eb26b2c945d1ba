/*
 * FreeBSD sleep(9): tsleep, msleep, msleep_spin, pause, wakeup, wakeup_one, wakeup_any and
 * the _sbt forms; the shared sleep routine used by condvar(9).
 *
 * No lost wakeups: the sleeper is queued on its channel while it still holds the interlock,
 * and a waker must hold the interlock to change the condition it then announces; so the
 * wakeup either comes after the sleeper is queued (and finds it), or before the sleeper
 * checked the condition under the interlock.
 */
#include "freebsd/sleep.h"
#include "core/thread.h"
#include "core/waitq.h"
#include "core/block.h"

namespace bsdsync::fbsd {

namespace {

ReportSubject channel_subject(const SleepRequest &r)
{
	if (r.interlock)
		return subject_of(r.interlock);
	return ReportSubject{ "wait channel", r.what, r.channel, nullptr };
}

/* The context rules of sleeping (locking(9), core/thread.h may_block); reports and returns
 * false if the thread must not sleep here. msleep_spin callers hold exactly their interlock
 * spin mutex, and are judged by the context they will sleep in once it is released. */
bool may_sleep(const SleepRequest &r)
{
	return may_block(channel_subject(r), r.interlock_is_spin ? r.interlock : nullptr, r.what,
			 "not slept (EWOULDBLOCK)", r.file, r.line);
}

/* giant_owned() without the call: Giant's word names the current thread. */
inline bool giant_held_inline()
{
	return (load_relaxed(&fbsd_Giant.mtx_lock) & ~(uintptr)MTX_FLAGMASK) ==
	       (uintptr)curthread();
}

} // namespace

int sleep_on(const SleepRequest &r)
{
	if (r.woken_token)
		*r.woken_token = 0;
	if (r.channel == nullptr) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, channel_subject(r), r.file, r.line,
		       "%s on a NULL channel", r.what);
		return BSDSYNC_EINVAL;
	}
	lock_object *lock = r.interlock;
	const LockClass *cls = nullptr;
	bool is_giant = lock == &fbsd_Giant.lock_object;
	if (lock) {
		cls = lock_class_of(lock);
		if (!cls || !(load_relaxed(&lock->lo_flags) & LO_INITIALIZED)) {
			/* lock_destroy() keeps the class: a class without LO_INITIALIZED is a
			 * destroyed lock, no class at all is one never initialised. */
			report(cls ? BSDSYNC_RULE_DESTROYED : BSDSYNC_RULE_UNINITIALIZED,
			       subject_of(lock), r.file, r.line, "%s with an interlock that is %s",
			       r.what, cls ? "destroyed" : "not initialised");
			return BSDSYNC_EINVAL;
		}
		if ((cls->flags & LC_SPINLOCK) && !r.interlock_is_spin) {
			report(BSDSYNC_RULE_WRONG_CLASS, subject_of(lock), r.file, r.line,
			       "%s: spin mutexes can only be the interlock of msleep_spin", r.what);
			return BSDSYNC_EINVAL;
		}
		if (r.drop && is_giant) {
			report(BSDSYNC_RULE_BAD_ARGUMENT, subject_of(lock), r.file, r.line,
			       "PDROP requires a non-Giant lock");
			return BSDSYNC_EINVAL;
		}
		if (is_giant && !giant_owned()) {
			report(BSDSYNC_RULE_NOT_OWNER, subject_of(lock), r.file, r.line,
			       "%s with Giant as interlock, not held", r.what);
			return BSDSYNC_EINVAL;
		}
	}
	if (!may_sleep(r))
		return BSDSYNC_EWOULDBLOCK;
	/* Sleeping with a sleep mutex (other than the interlock and Giant) or a rw lock held:
	 * reported, and the sleep goes on as under FreeBSD's witness. */
	check_may_sleep_with_locks(lock, r.what, r.file, r.line);
	if (!lock && r.sbt == 0 && !r.no_lock_ok && !giant_held_inline()) {
		/* FreeBSD asserts "sleeping without a lock" here; nothing can be wrong with the
		 * sleep itself, so report and sleep as a kernel without INVARIANTS would. */
		report(BSDSYNC_RULE_SLEEP_NO_LOCK, channel_subject(r), r.file, r.line,
		       "%s without interlock, timeout or PNOLOCK: a wakeup may be lost", r.what);
	}

	u64 deadline = 0, slack = 0;
	if (r.sbt != 0) {
		u64 now = bsdsync_uptime_ns();
		if (r.flags & BSDSYNC_C_ABSOLUTE)
			deadline = sbt_to_ns(r.sbt);
		else
			deadline = now + (r.sbt > 0 ? sbt_to_ns(r.sbt) : 0);
		if (deadline == 0)
			deadline = 1;	/* an absolute time in the past: time out at once */
		/* Allowed lateness, never earliness: pr, or sbt >> C_PRELGET(flags). */
		slack = r.precision > 0 ? sbt_to_ns(r.precision) : 0;
		int prel = BSDSYNC_C_PRELGET(r.flags);
		if (prel >= 0 && r.sbt > 0 && !(r.flags & BSDSYNC_C_ABSOLUTE)) {
			u64 rel = sbt_to_ns(r.sbt >> prel);
			if (rel > slack)
				slack = rel;
		}
	}

	/* The blocking tail (core/block.h): queue first, while the interlock is still held (no
	 * wakeup can be lost), then drop the interlock, then Giant (entirely, the interlock
	 * case included; it comes back at its depth before the interlock does), and wait. */
	struct Interlock {
		const SleepRequest *r;
		lock_object *lock;
		const LockClass *cls;
		uintptr how;	/* the mode to take the interlock back in (lc_unlock's result) */
		bool released;
	} il{ &r, lock, cls, 0, false };
	BlockOptions o;
	o.kind = BlockKind::Sleep;
	o.state = r.catch_signals ? BSDSYNC_BLOCK_INTERRUPTIBLE : BSDSYNC_BLOCK_IDLE;
	o.deadline_ns = deadline;
	o.slack_ns = slack;
	o.count = r.waiters;
	if (lock && !is_giant) {
		/* False when the class refused (reported): the tail takes us off the queue. */
		o.drop_interlock = [](void *arg) {
			Interlock &i = *static_cast<Interlock *>(arg);
			if (i.r->interlock_is_spin) {
				fbsd_mtx_unlock_spin_flags(reinterpret_cast<mtx *>(i.lock), 0,
							   i.r->file, i.r->line);
				i.released = true;
			} else {
				i.released = i.cls->unlock(i.lock, &i.how, i.r->file, i.r->line);
			}
			return i.released;
		};
		o.interlock_arg = &il;
	}
	o.file = r.file;
	o.line = r.line;
	Waiter w;
	int res;
	{
		WaitTable::Guard g(sleep_queues, r.channel);
		if (r.queue_if && !r.queue_if(r.queue_arg))
			return 0;
		res = block_on(sleep_queues, g, w, r.channel, WaitQueueId::Sleepers, o);
	}
	if (res == kBlockCancelled)
		return BSDSYNC_EINVAL;
	int error = block_errno(static_cast<bsdsync_block_result>(res));
	if (r.woken_token)
		*r.woken_token = error == 0 ? load_relaxed(&w.woken) : 0;

	bool released = il.released;
	uintptr how = il.how;
	if (released && !r.drop) {
		if (r.interlock_is_spin)
			fbsd_mtx_lock_spin_flags(reinterpret_cast<mtx *>(lock), 0, r.file, r.line);
		else
			cls->lock(lock, how, r.file, r.line);
	}
	return error;
}

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

namespace {

enum class WakeHow { All, One, Newest };

/* The sleepers are unlinked and marked woken under the chain lock, and their tasks woken
 * after it is released (WakeList, declared first so it is destroyed last). */
BSDSYNC_NOINLINE void wakeup_slow(const void *chan, WakeHow how)
{
	WakeList later;
	WaitTable::Guard g(sleep_queues, chan);
	switch (how) {
	case WakeHow::All:
		sleep_queues.wake_all(g, chan, WaitQueueId::Sleepers, later);
		break;
	case WakeHow::One:
		sleep_queues.wake_one(g, chan, WaitQueueId::Sleepers, later);
		break;
	case WakeHow::Newest:
		sleep_queues.wake_newest(g, chan, WaitQueueId::Sleepers, later);
		break;
	}
}

} // namespace

extern "C" {

bsdsync_sbintime_t fbsd_sbinuptime(void)
{
	return ns_to_sbt(bsdsync_uptime_ns());
}

int fbsd_sleep(const void *chan, struct lock_object *lock, int pri, const char *wmesg,
	       bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags, const char *file,
	       int line)
{
	SleepRequest r{};
	r.channel = chan;
	r.interlock = lock;
	r.catch_signals = (pri & BSDSYNC_PCATCH) || (flags & BSDSYNC_C_CATCH);
	r.drop = pri & BSDSYNC_PDROP;
	r.no_lock_ok = pri & BSDSYNC_PNOLOCK;
	r.sbt = sbt;
	r.precision = pr;
	r.flags = flags;
	r.what = wmesg ? wmesg : "sleep";
	r.file = file;
	r.line = line;
	if (r.drop && !lock) {
		report(BSDSYNC_RULE_BAD_ARGUMENT,
		       ReportSubject{ "wait channel", r.what, chan, nullptr }, file, line,
		       "PDROP requires a lock");
		return BSDSYNC_EINVAL;
	}
	return sleep_on(r);
}

int fbsd_msleep_spin_sbt(const void *chan, struct mtx *m, const char *wmesg,
			 bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags,
			 const char *file, int line)
{
	SleepRequest r{};
	r.channel = chan;
	r.interlock = &m->lock_object;
	r.what = wmesg ? wmesg : "msleep_spin";
	r.file = file;
	r.line = line;
	r.sbt = sbt;
	r.precision = pr;
	r.flags = flags;

	lock_object *lo = &m->lock_object;
	uintptr v = load_relaxed(&m->mtx_lock);
	if (lock_class_index(lo) != BSDSYNC_CLASS_MTX_SPIN) {
		report(BSDSYNC_RULE_WRONG_CLASS, subject_of(lo), file, line,
		       "msleep_spin needs a spin mutex");
		return BSDSYNC_EINVAL;
	}
	if ((v & ~MTX_FLAGMASK) != (uintptr)curthread()) {
		report(BSDSYNC_RULE_NOT_OWNER, subject_of(lo), file, line,
		       "msleep_spin with a spin mutex the thread does not hold");
		return BSDSYNC_EINVAL;
	}
	if (v & MTX_RECURSED) {
		report(BSDSYNC_RULE_SLEEP_RECURSED, subject_of(lo), file, line,
		       "msleep_spin on a recursed spin mutex");
		return BSDSYNC_EINVAL;
	}
	r.interlock_is_spin = true;
	return sleep_on(r);
}

int fbsd_pause_sbt(const char *wmesg, bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags)
{
	/* A private channel: no wakeup() can end a pause, only the timeout or a signal. */
	int channel;
	SleepRequest r{};
	r.channel = &channel;
	r.catch_signals = flags & BSDSYNC_C_CATCH;
	r.no_lock_ok = true;
	r.sbt = sbt > 0 ? sbt : fbsd_tick_sbt;	/* 0 means one tick */
	r.precision = pr;
	r.flags = flags;
	r.what = wmesg ? wmesg : "pause";
	return sleep_on(r);
}

/* A wakeup on a channel whose chain has nobody queued returns without the chain lock
 * (WaitTable::maybe_waiters: the waker holds, or held after the sleeper, the interlock the
 * sleeper queued under; a wakeup that is not so ordered can be lost in FreeBSD too). That
 * test is all the exported functions do inline: no frame, no call, no atomic. */
void fbsd_wakeup(const void *chan)
{
	if (sleep_queues.maybe_waiters(chan))
		wakeup_slow(chan, WakeHow::All);
}

void fbsd_wakeup_one(const void *chan)
{
	if (sleep_queues.maybe_waiters(chan))
		wakeup_slow(chan, WakeHow::One);
}

void fbsd_wakeup_any(const void *chan)
{
	if (sleep_queues.maybe_waiters(chan))
		wakeup_slow(chan, WakeHow::Newest);
}

} // extern "C"
