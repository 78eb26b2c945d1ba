/*
 * bsdsync C ABI: FreeBSD sema(9). Kept apart from sleep.h so that struct sema is
 * visible only where FreeBSD makes it visible, through <sys/sema.h>: a driver that defines
 * its own struct sema, or brings a different <sys/sema.h>, still compiles with <sys/param.h>,
 * <sys/systm.h> and <sys/condvar.h>.
 */
#ifndef _BSDSYNC_FREEBSD_SEMA_H_
#define _BSDSYNC_FREEBSD_SEMA_H_

#include <bsdsync/freebsd/lock.h>

BSDSYNC_FREEBSD_ABI_BEGIN

/* sema(9). FreeBSD builds it from a mutex, a cv and two counters; here one word holds the
 * value and a waiters bit, and waiters sleep on the semaphore's address in the sleep-queue
 * table (module/freebsd/sema.cpp). Drivers use only the functions below. */
struct sema {
	volatile unsigned long sema_word;	/* value << 3 | LIVE | DESTROYED | WAITERS */
	int sema_waiters;			/* threads queued: changed under the sleep-queue
						   chain lock of the semaphore, a hint elsewhere */
	const char *sema_description;
	const struct bsdsync_lock_site *sema_site;
};
/* bsdsync's size (README, "Sizes"). */
BSDSYNC_ABI_SIZE(struct sema, 32);
BSDSYNC_ABI_OFFSET(struct sema, sema_word, 0);
BSDSYNC_ABI_OFFSET(struct sema, sema_waiters, 8);
BSDSYNC_ABI_OFFSET(struct sema, sema_description, 16);
BSDSYNC_ABI_OFFSET(struct sema, sema_site, 24);
void fbsd_sema_init(struct sema *sema, int value, const char *description,
		    const struct bsdsync_lock_site *site);
void fbsd_sema_destroy(struct sema *sema);
void fbsd_sema_post(struct sema *sema, const char *file, int line);
void fbsd_sema_wait(struct sema *sema, const char *file, int line);
int fbsd_sema_timedwait(struct sema *sema, int timo, const char *file, int line);
int fbsd_sema_trywait(struct sema *sema, const char *file, int line);
int fbsd_sema_value(struct sema *sema);

BSDSYNC_FREEBSD_ABI_END

#endif
