/*
 * FreeBSD condvar(9). A cv is a sleep channel (its own address) whose waiters are counted
 * in cv_waiters; waiting is sleep_on() with the cv's lock as interlock, so the lock can be
 * of any class (mutex, sx, rw, ...), is released atomically with queueing and taken back
 * in the mode it was held.
 *
 * cv_waiters changes only under the sleep-queue chain lock of the cv (a waiter's queueing,
 * its wakeup, or its timeout), so cv_signal/cv_broadcast may skip the chain when it reads 0
 * (callers hold the cv's lock, as FreeBSD requires for that shortcut to be safe). A woken
 * waiter never touches the cv again, and cv_destroy looks at the queue under the chain lock:
 * cv_broadcast(); cv_destroy(); free() is safe (prior-art.md, SPL bug 3).
 */
#include "freebsd/sleep.h"
#include "core/waitq.h"

namespace bsdsync::fbsd {
namespace {

/* cv_waiters of a destroyed cv: any later use is reported. */
constexpr int kDestroyed = -0x7eadbeef;

bool live(const cv *c, const char *op, const char *file, int line)
{
	if (likely(load_relaxed(&c->cv_waiters) != kDestroyed))
		return true;
	report(BSDSYNC_RULE_DESTROYED, ReportSubject{ "condvar", c->cv_description, c, nullptr },
	       file, line, "%s of a destroyed condvar", op);
	return false;
}

} // namespace

int cv_sleep(cv *c, lock_object *lock, bool catch_signals, bool unlock, s64 sbt, s64 pr,
	     int flags, const char *what, const char *file, int line)
{
	if (!live(c, what, file, line))
		return BSDSYNC_EINVAL;
	SleepRequest r{};
	r.channel = c;
	r.interlock = lock;
	r.catch_signals = catch_signals;
	r.drop = unlock;
	r.sbt = sbt;
	r.precision = pr;
	r.flags = flags;
	r.waiters = &c->cv_waiters;
	r.what = what;
	r.file = file;
	r.line = line;
	if (!lock) {
		report(BSDSYNC_RULE_BAD_ARGUMENT,
		       ReportSubject{ "condvar", c->cv_description, c, nullptr }, file, line,
		       "%s without a lock", what);
		return BSDSYNC_EINVAL;
	}
	if (unlock && lock == &fbsd_Giant.lock_object) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, subject_of(lock), file, line,
		       "cv_wait_unlock cannot use Giant");
		return BSDSYNC_EINVAL;
	}
	return sleep_on(r);
}

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

extern "C" {

void fbsd_cv_init(struct cv *cvp, const char *desc)
{
	cvp->cv_description = desc;
	store_relaxed(&cvp->cv_waiters, 0);
}

void fbsd_cv_destroy(struct cv *cvp)
{
	WaitTable::Guard g(sleep_queues, cvp);
	if (load_relaxed(&cvp->cv_waiters) == kDestroyed) {
		g.unlock();
		report(BSDSYNC_RULE_DESTROYED,
		       ReportSubject{ "condvar", cvp->cv_description, cvp, nullptr }, nullptr, 0,
		       "cv_destroy of a destroyed condvar");
		return;
	}
	if (sleep_queues.has_waiters(g, cvp, WaitQueueId::Sleepers)) {
		g.unlock();
		report(BSDSYNC_RULE_DESTROY_WAITERS,
		       ReportSubject{ "condvar", cvp->cv_description, cvp, nullptr }, nullptr, 0,
		       "cv_destroy while threads wait on it");
		return;
	}
	store_relaxed(&cvp->cv_waiters, kDestroyed);
}

void fbsd_cv_wait(struct cv *cvp, struct lock_object *lock, const char *file, int line)
{
	cv_sleep(cvp, lock, false, false, 0, 0, 0, "cv_wait", file, line);
}

int fbsd_cv_wait_sig(struct cv *cvp, struct lock_object *lock, const char *file, int line)
{
	return cv_sleep(cvp, lock, true, false, 0, 0, 0, "cv_wait_sig", file, line);
}

void fbsd_cv_wait_unlock(struct cv *cvp, struct lock_object *lock, const char *file, int line)
{
	cv_sleep(cvp, lock, false, true, 0, 0, 0, "cv_wait_unlock", file, line);
}

int fbsd_cv_timedwait_sbt(struct cv *cvp, struct lock_object *lock, bsdsync_sbintime_t sbt,
			  bsdsync_sbintime_t pr, int flags, const char *file, int line)
{
	return cv_sleep(cvp, lock, false, false, sbt > 0 ? sbt : 1, pr, flags, "cv_timedwait",
			file, line);
}

int fbsd_cv_timedwait_sig_sbt(struct cv *cvp, struct lock_object *lock,
			      bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags,
			      const char *file, int line)
{
	return cv_sleep(cvp, lock, true, false, sbt > 0 ? sbt : 1, pr, flags,
			"cv_timedwait_sig", file, line);
}

void fbsd_cv_signal(struct cv *cvp)
{
	int n = load_relaxed(&cvp->cv_waiters);
	if (n == 0)
		return;
	if (n == kDestroyed) {
		live(cvp, "cv_signal", nullptr, 0);
		return;
	}
	WakeList later;		/* the task is woken after g is released */
	WaitTable::Guard g(sleep_queues, cvp);
	sleep_queues.wake_one(g, cvp, WaitQueueId::Sleepers, later);
}

void fbsd_cv_broadcastpri(struct cv *cvp, int pri)
{
	/* pri: FreeBSD raises the woken threads to at least this priority. BSD priorities do
	 * not map onto Linux scheduling classes; the threads keep their own. */
	(void)pri;
	int n = load_relaxed(&cvp->cv_waiters);
	if (n == 0)
		return;
	if (n == kDestroyed) {
		live(cvp, "cv_broadcast", nullptr, 0);
		return;
	}
	WakeList later;		/* the tasks are woken after g is released */
	WaitTable::Guard g(sleep_queues, cvp);
	sleep_queues.wake_all(g, cvp, WaitQueueId::Sleepers, later);
}

} // extern "C"
