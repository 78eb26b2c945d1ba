/* <sys/condvar.h> for ported FreeBSD drivers: condvar(9). `lock` is any lock with a
 * lock_object member (a sleep mutex, sx, rw, ...), held by the caller. */
#ifndef _BSDSYNC_FREEBSD_SYS_CONDVAR_H_
#define _BSDSYNC_FREEBSD_SYS_CONDVAR_H_

#include <sys/types.h>
#include <sys/_lock.h>
#include <sys/callout.h>
#include <bsdsync/freebsd/sleep.h>

#define cv_init(cvp, desc)	fbsd_cv_init((cvp), (desc))
#define cv_destroy(cvp)		fbsd_cv_destroy((cvp))
#define cv_wait(cvp, lock)	fbsd_cv_wait((cvp), &(lock)->lock_object, LOCK_FILE, LOCK_LINE)
#define cv_wait_sig(cvp, lock)	fbsd_cv_wait_sig((cvp), &(lock)->lock_object, LOCK_FILE, LOCK_LINE)
#define cv_wait_unlock(cvp, lock)						\
	fbsd_cv_wait_unlock((cvp), &(lock)->lock_object, LOCK_FILE, LOCK_LINE)
#define cv_timedwait_sbt(cvp, lock, sbt, pr, flags)				\
	fbsd_cv_timedwait_sbt((cvp), &(lock)->lock_object, (sbt), (pr), (flags), LOCK_FILE, LOCK_LINE)
#define cv_timedwait(cvp, lock, timo)						\
	cv_timedwait_sbt((cvp), (lock), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)
#define cv_timedwait_sig_sbt(cvp, lock, sbt, pr, flags)				\
	fbsd_cv_timedwait_sig_sbt((cvp), &(lock)->lock_object, (sbt), (pr), (flags), LOCK_FILE, LOCK_LINE)
#define cv_timedwait_sig(cvp, lock, timo)					\
	cv_timedwait_sig_sbt((cvp), (lock), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)
#define cv_signal(cvp)		fbsd_cv_signal((cvp))
#define cv_broadcast(cvp)	fbsd_cv_broadcastpri((cvp), 0)
#define cv_broadcastpri(cvp, pri) fbsd_cv_broadcastpri((cvp), (pri))
#define cv_wmesg(cvp)		((cvp)->cv_description)

#endif
