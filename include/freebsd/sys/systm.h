/*
 * <sys/systm.h> for ported FreeBSD drivers: sleep(9), wakeup(9), pause(9),
 * critical_enter(9).
 *
 * Linux has its own msleep(unsigned int ms) in <linux/delay.h>, and a ported driver may
 * include both. msleep here is a dispatcher on the number of arguments: five arguments
 * are BSD's msleep(chan, mtx, pri, wmesg, timo); one argument names Linux's function
 * (the name inside its own macro expansion is not expanded again). Both headers may be
 * included in either order.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_SYSTM_H_
#define _BSDSYNC_FREEBSD_SYS_SYSTM_H_

#include <sys/types.h>
#include <sys/param.h>
#include <sys/callout.h>
#include <sys/_lock.h>
#include <bsdsync/fbsd_sleep.h>

#define __BSDSYNC_ARG6(a1, a2, a3, a4, a5, a6, ...) a6

#define _sleep(chan, lock, pri, wmesg, sbt, pr, flags)				\
	fbsd_sleep((chan), (lock), (pri), (wmesg), (sbt), (pr), (flags), LOCK_FILE, LOCK_LINE)

#define tsleep(chan, pri, wmesg, timo)						\
	_sleep((chan), NULL, (pri), (wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)
#define tsleep_sbt(chan, pri, wmesg, bt, pr, flags)				\
	_sleep((chan), NULL, (pri), (wmesg), (bt), (pr), (flags))

#define __bsd_msleep(chan, mtx, pri, wmesg, timo)				\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)
#define msleep(...)								\
	__BSDSYNC_ARG6(__VA_ARGS__, __bsd_msleep, msleep, msleep, msleep, msleep)(__VA_ARGS__)
#define msleep_sbt(chan, mtx, pri, wmesg, bt, pr, flags)			\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg), (bt), (pr), (flags))

#define msleep_spin_sbt(chan, mtx, wmesg, bt, pr, flags)			\
	fbsd_msleep_spin_sbt((chan), (mtx), (wmesg), (bt), (pr), (flags), LOCK_FILE, LOCK_LINE)
#define msleep_spin(chan, mtx, wmesg, timo)					\
	msleep_spin_sbt((chan), (mtx), (wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)

#define pause_sbt(wmesg, sbt, pr, flags)	fbsd_pause_sbt((wmesg), (sbt), (pr), (flags))
#define pause(wmesg, timo)	pause_sbt((wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)
#define pause_sig(wmesg, timo)	pause_sbt((wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK | C_CATCH)

#define wakeup(chan)		fbsd_wakeup((chan))
#define wakeup_one(chan)	fbsd_wakeup_one((chan))
#define wakeup_any(chan)	fbsd_wakeup_any((chan))

#define critical_enter()	fbsd_critical_enter()
#define critical_exit()		fbsd_critical_exit()

#endif
