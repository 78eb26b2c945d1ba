/*
 * bsdsync C ABI: FreeBSD sleep(9), condvar(9), critical_enter(9), time units and error
 * numbers. sema(9) is in sema.h, seen only through <sys/sema.h> as in FreeBSD.
 *
 * Error numbers: <bsdsync/errno.h> (shared with DragonFly).
 */
#ifndef _BSDSYNC_FREEBSD_SLEEP_H_
#define _BSDSYNC_FREEBSD_SLEEP_H_

#include <bsdsync/freebsd/lock.h>
#include <bsdsync/freebsd/mutex.h>

#include <bsdsync/errno.h>

BSDSYNC_FREEBSD_ABI_BEGIN

/* Priority word flags (FreeBSD <sys/param.h>). */
#define BSDSYNC_PRIMASK	0x0ff
#define BSDSYNC_PCATCH	0x100
#define BSDSYNC_PDROP	0x200
#define BSDSYNC_PNOLOCK	0x400

/* Callout flags accepted by the _sbt forms (FreeBSD <sys/callout.h>). */
#define BSDSYNC_C_DIRECT_EXEC	0x0001
#define BSDSYNC_C_PRELBITS	7
#define BSDSYNC_C_PRELRANGE	((1 << BSDSYNC_C_PRELBITS) - 1)
#define BSDSYNC_C_PREL(x)	(((x) + 1) << 1)
#define BSDSYNC_C_PRELGET(x)	(int)((((x) >> 1) & BSDSYNC_C_PRELRANGE) - 1)
#define BSDSYNC_C_HARDCLOCK	0x0100
#define BSDSYNC_C_ABSOLUTE	0x0200
#define BSDSYNC_C_PRECALC	0x0400
#define BSDSYNC_C_CATCH		0x0800

#define BSDSYNC_SBT_1S	((bsdsync_sbintime_t)1 << 32)
#define BSDSYNC_SBT_1MS	(BSDSYNC_SBT_1S / 1000)
#define BSDSYNC_SBT_1US	(BSDSYNC_SBT_1S / 1000000)
#define BSDSYNC_SBT_1NS	(BSDSYNC_SBT_1S / 1000000000)

/* One clock tick as sbintime (SBT_1S / hz) and hz itself. */
extern const bsdsync_sbintime_t fbsd_tick_sbt;
extern const int fbsd_hz;
/* Monotonic time since boot, as sbintime. */
bsdsync_sbintime_t fbsd_sbinuptime(void);

int fbsd_sleep(const void *chan, struct lock_object *lock, int pri, const char *wmesg,
	       bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags,
	       const char *file, int line);
int fbsd_msleep_spin_sbt(const void *chan, struct mtx *mtx, const char *wmesg,
			 bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags,
			 const char *file, int line);
int fbsd_pause_sbt(const char *wmesg, bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr,
		   int flags);
void fbsd_wakeup(const void *chan);
void fbsd_wakeup_one(const void *chan);
void fbsd_wakeup_any(const void *chan);

/* condvar(9) */
struct cv {
	const char *cv_description;
	int cv_waiters;		/* threads queued on the cv; a hint read without the lock */
};
/* FreeBSD's layout on amd64 (cv_wmesg reads cv_description). */
BSDSYNC_ABI_SIZE(struct cv, 16);
BSDSYNC_ABI_OFFSET(struct cv, cv_description, 0);
BSDSYNC_ABI_OFFSET(struct cv, cv_waiters, 8);
void fbsd_cv_init(struct cv *cvp, const char *desc);
void fbsd_cv_destroy(struct cv *cvp);
void fbsd_cv_wait(struct cv *cvp, struct lock_object *lock, const char *file, int line);
int fbsd_cv_wait_sig(struct cv *cvp, struct lock_object *lock, const char *file, int line);
void fbsd_cv_wait_unlock(struct cv *cvp, struct lock_object *lock, const char *file, int line);
int fbsd_cv_timedwait_sbt(struct cv *cvp, struct lock_object *lock, bsdsync_sbintime_t sbt,
			  bsdsync_sbintime_t pr, int flags, const char *file, int line);
int fbsd_cv_timedwait_sig_sbt(struct cv *cvp, struct lock_object *lock,
			      bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags,
			      const char *file, int line);
void fbsd_cv_signal(struct cv *cvp);
void fbsd_cv_broadcastpri(struct cv *cvp, int pri);

/* critical_enter(9) */
void fbsd_critical_enter(void);
void fbsd_critical_exit(void);

BSDSYNC_FREEBSD_ABI_END

#endif
