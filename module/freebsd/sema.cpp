/*
 * FreeBSD sema(9): a counting semaphore without owner; post and wait may run in different
 * threads; the value never goes negative.
 *
 * FreeBSD builds it from a mutex, a condvar and two counters, so a woken waiter at once
 * contends on the mutex its poster may still hold. Here one word (struct sema.sema_word,
 * include/bsdsync/freebsd/sema.h) holds the value and a waiters bit, and waiters sleep on the
 * semaphore's own address in the sleep-queue table (core/waitq.h) through sleep_on(), like
 * every sleep (context checks, Giant dropped, the witness-style check of held locks).
 *
 *   word = value << 3 | LIVE | DESTROYED | WAITERS
 *
 *   LIVE, no WAITERS  -> value + 1        sema_post fast path: one CAS, release
 *   LIVE, value > 0   -> value - 1        sema_wait/timedwait/trywait fast path: one CAS,
 *                                         acquire (WAITERS kept)
 *   LIVE, value 0     -> | WAITERS        a waiter, under the semaphore's chain lock, just
 *                                         before it queues: from then a post fails its fast
 *                                         CAS, takes the chain lock and finds it queued
 *   WAITERS           -> WAITERS only if  sema_post slow path, under the chain lock: the
 *                        more are queued  first waiter is unlinked and woken with the unit
 *                                         handed over (the value does not change)
 *   WAITERS, nobody   -> value + 1        sema_post slow path: the last waiter left (timed
 *   queued                                out); the stale bit is cleared
 *   LIVE, no waiters  -> DESTROYED        sema_destroy, under the chain lock
 *
 * WAITERS is set only under the chain lock with the value at 0 and cleared only under it
 * when no waiter is left queued: while a thread is queued, every post goes through the chain
 * lock. A stale WAITERS (the last waiter timed out) costs the next post the slow path, which
 * clears it.
 *
 * A post that finds a thread queued hands its unit to that thread (the first of the best
 * priority, as cv_signal would pick): the woken waiter returns without touching the word
 * again, and a sema_trywait racing with the post cannot take the unit from under a thread
 * that was already waiting. That is one of the orders FreeBSD allows (its woken waiter may
 * get the mutex first); FreeBSD also allows the other, a trywait taking the unit first. A
 * wait that times out as the post comes either was unlinked by the post (and has the unit,
 * returning 0) or unlinked itself first (and the post raised the value instead).
 * sema_waiters counts queued threads; the wait queue keeps it under the chain lock.
 *
 * A zeroed, never initialised semaphore has no LIVE bit and a destroyed one only DESTROYED:
 * both fail every fast path into a slow path that reports the misuse.
 */
#include "freebsd/sleep.h"
#include <bsdsync/freebsd/sema.h>
#include "core/waitq.h"

using namespace bsdsync;
using namespace bsdsync::fbsd;

namespace {

constexpr uintptr kWaiters = 1;
constexpr uintptr kDestroyed = 2;
constexpr uintptr kLive = 4;
constexpr uintptr kUnit = 8;		/* value 1 */
constexpr int kValueShift = 3;
constexpr uintptr kStateMask = kLive | kDestroyed;
constexpr int kHandedOver = 2;		/* wake token: the post gave its unit to the waiter */

ReportSubject sema_subject(const struct sema *s)
{
	return ReportSubject{ "semaphore", s->sema_description, s, s->sema_site };
}

/* Is the word that of a live semaphore? Reports (once per call) if not. */
BSDSYNC_COLD bool report_dead(const struct sema *s, uintptr v, const char *op, const char *file,
			      int line)
{
	if (v & kDestroyed)
		report(BSDSYNC_RULE_DESTROYED, sema_subject(s), file, line,
		       "%s of a destroyed semaphore", op);
	else
		report(BSDSYNC_RULE_UNINITIALIZED,
		       ReportSubject{ "semaphore", nullptr, s, nullptr }, file, line,
		       "%s of a semaphore never passed to sema_init", op);
	return false;
}

inline bool live(const struct sema *s, uintptr v, const char *op, const char *file, int line)
{
	if (likely((v & kStateMask) == kLive))
		return true;
	return report_dead(s, v, op, file, line);
}

/* Take one unit if there is one. *v: the word last seen (updated). */
inline bool take_unit(struct sema *s, uintptr *v)
{
	while ((*v & kStateMask) == kLive && *v >= kUnit) {
		if (cas_acquire(&s->sema_word, v, *v - kUnit))
			return true;
	}
	return false;
}

struct QueueCheck {
	struct sema *s;
	bool got;	/* a unit was taken under the chain lock: no sleep */
	bool dead;	/* destroyed (or never initialised): no sleep */
};

/* sleep_on()'s queue_if, under the semaphore's chain lock: take a unit if one is there,
 * else announce the waiter that is about to queue. */
bool queue_unless_available(void *arg)
{
	QueueCheck *q = static_cast<QueueCheck *>(arg);
	struct sema *s = q->s;
	uintptr v = load_relaxed(&s->sema_word);

	for (;;) {
		if ((v & kStateMask) != kLive) {
			q->dead = true;
			return false;
		}
		if (v >= kUnit) {
			if (cas_acquire(&s->sema_word, &v, v - kUnit)) {
				q->got = true;
				return false;
			}
			continue;
		}
		if ((v & kWaiters) || cas_relaxed(&s->sema_word, &v, v | kWaiters))
			return true;
	}
}

/*
 * The waits' slow path: queue on the semaphore and sleep until a post wakes us, then try
 * again. timo < 0: sema_wait (no timeout); otherwise sema_timedwait's ticks (each sleep gets
 * the full timeout, as in FreeBSD: a unit taken by another thread sends us back to wait).
 * Returns 0 with a unit taken, else the sleep's error (EWOULDBLOCK: timed out, or refused as
 * misuse after its report), or EINVAL for a semaphore that is not live.
 */
BSDSYNC_NOINLINE int wait_slow(struct sema *s, int timo, const char *what, const char *file,
			       int line)
{
	uintptr v = load_relaxed(&s->sema_word);
	if (!live(s, v, what, file, line))
		return BSDSYNC_EINVAL;

	QueueCheck q{ s, false, false };
	int token = 0;
	SleepRequest r{};
	r.channel = s;
	r.no_lock_ok = true;		/* the word, checked under the chain lock, is the interlock */
	r.waiters = &s->sema_waiters;
	r.queue_if = queue_unless_available;
	r.queue_arg = &q;
	r.woken_token = &token;
	r.what = what;
	r.file = file;
	r.line = line;
	if (timo >= 0) {
		s64 sbt = fbsd_tick_sbt * timo;
		r.sbt = sbt > 0 ? sbt : 1;
		r.flags = BSDSYNC_C_HARDCLOCK;
	}

	int error;
	for (;;) {
		if (take_unit(s, &v))
			return 0;
		error = sleep_on(r);
		if (q.got || token == kHandedOver)
			return 0;
		if (q.dead) {
			report_dead(s, load_relaxed(&s->sema_word), what, file, line);
			return BSDSYNC_EINVAL;
		}
		if (error)
			break;
		v = load_relaxed(&s->sema_word);
	}
	/* sema_wait refused (the caller may not sleep, reported once by the sleep): waiting
	 * again would only repeat the report; return without the unit. sema_timedwait timed
	 * out: as FreeBSD, a unit posted meanwhile is still taken, and the wait succeeds. */
	if (timo >= 0) {
		v = load_relaxed(&s->sema_word);
		if (take_unit(s, &v))
			return 0;
	}
	return error;
}

BSDSYNC_NOINLINE void post_slow(struct sema *s, uintptr v, const char *file, int line)
{
	if (!live(s, v, "sema_post", file, line))
		return;
	WakeList later;		/* before g: the waiter is woken once g is released */
	WaitTable::Guard g(sleep_queues, s);
	Waiter *w = sleep_queues.take_one(g, s, WaitQueueId::Sleepers);
	bool more = w && sleep_queues.has_waiters(g, s, WaitQueueId::Sleepers);
	v = load_relaxed(&s->sema_word);
	for (;;) {
		if ((v & kStateMask) != kLive) {
			/* Destroyed under us (refused while anybody is queued, so w is null). */
			g.unlock();
			report_dead(s, v, "sema_post", file, line);
			return;
		}
		/* The unit goes to w if there is one, else into the value. */
		uintptr nv = ((v & ~kWaiters) + (w ? 0 : kUnit)) | (more ? kWaiters : 0);
		if (nv == v || cas_release(&s->sema_word, &v, nv))
			break;
	}
	/* The woken waiter's acquire of `woken` pairs with the release in the wake: what the
	 * poster wrote before sema_post is visible to it, as with the CAS of a fast path. Its
	 * task is woken once the chain lock is released and interrupts are back on. */
	if (w)
		sleep_queues.wake_taken(g, w, later, kHandedOver);
}

} // namespace

extern "C" {

void fbsd_sema_init(struct sema *sema, int value, const char *description,
		    const struct bsdsync_lock_site *site)
{
	if (value < 0) {
		report(BSDSYNC_RULE_BAD_ARGUMENT,
		       ReportSubject{ "semaphore", description, sema, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "sema_init with negative value %d (using 0)", value);
		value = 0;
	}
	sema->sema_description = description;
	sema->sema_site = site;
	store_relaxed(&sema->sema_waiters, 0);
	store_release(&sema->sema_word, ((uintptr)value << kValueShift) | kLive);
}

void fbsd_sema_destroy(struct sema *sema)
{
	WaitTable::Guard g(sleep_queues, sema);
	uintptr v = load_relaxed(&sema->sema_word);
	if ((v & kStateMask) != kLive) {
		g.unlock();
		report_dead(sema, v, "sema_destroy", nullptr, 0);
		return;
	}
	int waiters = sleep_queues.count(g, sema, WaitQueueId::Sleepers);
	if (waiters != 0) {
		g.unlock();
		report(BSDSYNC_RULE_DESTROY_WAITERS, sema_subject(sema), nullptr, 0,
		       "sema_destroy while %d threads wait on it", waiters);
		return;
	}
	/* Nobody is queued (the chain lock keeps it so): a thread still in sema_post's or
	 * sema_wait's slow path is using a semaphore being destroyed, and is reported. */
	store_relaxed(&sema->sema_word, kDestroyed);
}

void fbsd_sema_post(struct sema *sema, const char *file, int line)
{
	uintptr v = load_relaxed(&sema->sema_word);
	if (likely((v & (kStateMask | kWaiters)) == kLive) &&
	    likely(cas_release(&sema->sema_word, &v, v + kUnit)))
		return;
	post_slow(sema, v, file, line);
}

void fbsd_sema_wait(struct sema *sema, const char *file, int line)
{
	uintptr v = load_relaxed(&sema->sema_word);
	if (likely((v & kStateMask) == kLive && v >= kUnit) &&
	    likely(cas_acquire(&sema->sema_word, &v, v - kUnit)))
		return;
	wait_slow(sema, -1, "sema_wait", file, line);
}

int fbsd_sema_timedwait(struct sema *sema, int timo, const char *file, int line)
{
	uintptr v = load_relaxed(&sema->sema_word);
	if (likely((v & kStateMask) == kLive && v >= kUnit) &&
	    likely(cas_acquire(&sema->sema_word, &v, v - kUnit)))
		return 0;
	return wait_slow(sema, timo > 0 ? timo : 0, "sema_timedwait", file, line);
}

int fbsd_sema_trywait(struct sema *sema, const char *file, int line)
{
	uintptr v = load_relaxed(&sema->sema_word);
	if (take_unit(sema, &v))
		return 1;
	if ((v & kStateMask) != kLive)
		report_dead(sema, v, "sema_trywait", file, line);
	return 0;
}

int fbsd_sema_value(struct sema *sema)
{
	uintptr v = load_relaxed(&sema->sema_word);
	if (!live(sema, v, "sema_value", nullptr, 0))
		return 0;
	return (int)(v >> kValueShift);
}

} // extern "C"
