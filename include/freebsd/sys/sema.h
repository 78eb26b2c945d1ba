/*
 * <sys/sema.h> for ported FreeBSD drivers: sema(9).
 * Linux's <linux/semaphore.h> has sema_init(sem, val) with two arguments; this sema_init
 * dispatches on the count: three arguments are FreeBSD's, two name Linux's function.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_SEMA_H_
#define _BSDSYNC_FREEBSD_SYS_SEMA_H_

#include <sys/types.h>
#include <sys/_lock.h>
#include <sys/_mutex.h>
#include <sys/condvar.h>
#include <bsdsync/freebsd/sema.h>

#define __BSDSYNC_ARG4(a1, a2, a3, a4, ...) a4
#define __bsd_sema_init(sema, value, desc)					\
	fbsd_sema_init((sema), (value), (desc), BSDSYNC_SITE())
#define sema_init(...)								\
	__BSDSYNC_ARG4(__VA_ARGS__, __bsd_sema_init, sema_init, sema_init)(__VA_ARGS__)
#define sema_destroy(sema)	fbsd_sema_destroy((sema))
#define sema_post(sema)		fbsd_sema_post((sema), LOCK_FILE, LOCK_LINE)
#define sema_wait(sema)		fbsd_sema_wait((sema), LOCK_FILE, LOCK_LINE)
#define sema_timedwait(sema, timo) fbsd_sema_timedwait((sema), (timo), LOCK_FILE, LOCK_LINE)
#define sema_trywait(sema)	fbsd_sema_trywait((sema), LOCK_FILE, LOCK_LINE)
#define sema_value(sema)	fbsd_sema_value((sema))

#endif
