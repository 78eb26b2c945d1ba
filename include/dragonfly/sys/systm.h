/*
 * <sys/systm.h> for drivers ported from DragonFly BSD: the tsleep family (sleep(9)):
 * tsleep, tsleep_interlock, ssleep, wakeup, wakeup_one.
 *
 * Linux has ssleep(unsigned int seconds) in <linux/delay.h> (included first here):
 * DragonFly's ssleep takes five arguments, and the macro dispatches on their number (one
 * names Linux's function, which is not expanded again inside its own macro).
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_SYSTM_H_
#define _BSDSYNC_DRAGONFLY_SYS_SYSTM_H_

#include <sys/types.h>
#include <sys/param.h>
#ifdef __KERNEL__
#include <linux/delay.h>
#endif
#include <bsdsync/dragonfly/sleep.h>

#define tsleep(ident, flags, wmesg, timo)					\
	dfly_tsleep((ident), (flags), (wmesg), (timo), __FILE__, __LINE__)
#define tsleep_interlock(ident, flags)						\
	dfly_tsleep_interlock((ident), (flags), __FILE__, __LINE__)
#define wakeup(ident)		dfly_wakeup((ident))
#define wakeup_one(ident)	dfly_wakeup_one((ident))
/* Wake the sleepers of one domain (tsleep's flags & PDOMAIN_MASK; wakeup is domain 0's). */
#define wakeup_domain(ident, domain)	dfly_wakeup_domain((ident), (domain))
#define wakeup_domain_one(ident, domain) dfly_wakeup_domain_one((ident), (domain))

#define __BSDSYNC_DFLY_ARG6(a1, a2, a3, a4, a5, a6, ...) a6
#define __dfly_ssleep(ident, spin, flags, wmesg, timo)				\
	dfly_ssleep((ident), (spin), (flags), (wmesg), (timo), __FILE__, __LINE__)
#define ssleep(...)								\
	__BSDSYNC_DFLY_ARG6(__VA_ARGS__, __dfly_ssleep, ssleep, ssleep, ssleep, ssleep)(__VA_ARGS__)

#endif
