/*
 * FreeBSD sema(9): a counting semaphore built, as in FreeBSD, from a mutex, a condvar and
 * two counters (struct sema in include/bsdsync/fbsd_sleep.h). No owner; post and wait may
 * run in different threads; the value never goes negative.
 */
#include "freebsd/sleep.h"

using namespace bsdsync;

namespace {
ReportSubject sema_subject(const struct sema *s)
{
	return ReportSubject{ "semaphore", s->sema_cv.cv_description, s, s->sema_mtx.lock_object.lo_site };
}
} // namespace

extern "C" {

void fbsd_sema_init(struct sema *sema, int value, const char *description,
		    const struct bsdsync_lock_site *site)
{
	if (value < 0) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "semaphore", description, sema, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "sema_init with negative value %d (using 0)", value);
		value = 0;
	}
	fbsd_mtx_init(&sema->sema_mtx, "sema backing lock", nullptr,
		      MTX_DEF | MTX_NOWITNESS | MTX_QUIET | MTX_NEW, site);
	fbsd_cv_init(&sema->sema_cv, description);
	sema->sema_waiters = 0;
	sema->sema_value = value;
}

void fbsd_sema_destroy(struct sema *sema)
{
	fbsd_mtx_lock_flags(&sema->sema_mtx, 0, __FILE__, __LINE__);
	int waiters = sema->sema_waiters;
	fbsd_mtx_unlock_flags(&sema->sema_mtx, 0, __FILE__, __LINE__);
	if (waiters != 0) {
		report(BSDSYNC_RULE_DESTROY_WAITERS, sema_subject(sema), nullptr, 0,
		       "sema_destroy while %d threads wait on it", waiters);
		return;
	}
	fbsd_cv_destroy(&sema->sema_cv);
	fbsd_mtx_destroy(&sema->sema_mtx, __FILE__, __LINE__);
}

void fbsd_sema_post(struct sema *sema, const char *file, int line)
{
	fbsd_mtx_lock_flags(&sema->sema_mtx, 0, file, line);
	sema->sema_value++;
	if (sema->sema_waiters && sema->sema_value > 0)
		fbsd_cv_signal(&sema->sema_cv);
	fbsd_mtx_unlock_flags(&sema->sema_mtx, 0, file, line);
}

void fbsd_sema_wait(struct sema *sema, const char *file, int line)
{
	fbsd_mtx_lock_flags(&sema->sema_mtx, 0, file, line);
	while (sema->sema_value == 0) {
		sema->sema_waiters++;
		int refused = fbsd::cv_sleep(&sema->sema_cv, &sema->sema_mtx.lock_object, false,
					     false, 0, 0, 0, "sema_wait", file, line);
		sema->sema_waiters--;
		if (refused) {
			/* The caller may not sleep here (reported once by the sleep): waiting
			 * again would only repeat the report while holding sema_mtx, so no post
			 * could ever get in. Return without the unit. */
			fbsd_mtx_unlock_flags(&sema->sema_mtx, 0, file, line);
			return;
		}
	}
	sema->sema_value--;
	fbsd_mtx_unlock_flags(&sema->sema_mtx, 0, file, line);
}

int fbsd_sema_timedwait(struct sema *sema, int timo, const char *file, int line)
{
	int error = 0;

	fbsd_mtx_lock_flags(&sema->sema_mtx, 0, file, line);
	/* As FreeBSD: each wait gets the full timeout; a post stolen by another thread sends
	 * us back to wait. */
	while (sema->sema_value == 0 && error == 0) {
		sema->sema_waiters++;
		error = fbsd_cv_timedwait_sbt(&sema->sema_cv, &sema->sema_mtx.lock_object,
					      fbsd_tick_sbt * timo, 0, BSDSYNC_C_HARDCLOCK, file,
					      line);
		sema->sema_waiters--;
	}
	if (sema->sema_value > 0) {
		sema->sema_value--;
		error = 0;
	}
	fbsd_mtx_unlock_flags(&sema->sema_mtx, 0, file, line);
	return error;
}

int fbsd_sema_trywait(struct sema *sema, const char *file, int line)
{
	int got = 0;
	fbsd_mtx_lock_flags(&sema->sema_mtx, 0, file, line);
	if (sema->sema_value > 0) {
		sema->sema_value--;
		got = 1;
	}
	fbsd_mtx_unlock_flags(&sema->sema_mtx, 0, file, line);
	return got;
}

int fbsd_sema_value(struct sema *sema)
{
	fbsd_mtx_lock_flags(&sema->sema_mtx, 0, __FILE__, __LINE__);
	int v = sema->sema_value;
	fbsd_mtx_unlock_flags(&sema->sema_mtx, 0, __FILE__, __LINE__);
	return v;
}

} // extern "C"
