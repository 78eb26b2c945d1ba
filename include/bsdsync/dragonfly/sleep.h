/*
 * bsdsync C ABI: DragonFly's tsleep family, sleep(9): tsleep, tsleep_interlock with
 * PINTERLOCKED, ssleep, wakeup, wakeup_one; hz.
 *
 * Flags are DragonFly's (<sys/param.h>): priorities are ignored; PCATCH 0x100,
 * PUSRFLAG1 0x200 (FreeBSD's PDROP bit: DragonFly has no PDROP), PINTERLOCKED 0x400.
 * Error numbers: <bsdsync/errno.h> (Linux's values for the BSD names): 0 woken,
 * EWOULDBLOCK on timeout, EINTR (fatal signal) or ERESTART (another signal) with PCATCH.
 */
#ifndef _BSDSYNC_DRAGONFLY_SLEEP_H_
#define _BSDSYNC_DRAGONFLY_SLEEP_H_

#include <bsdsync/types.h>
#include <bsdsync/errno.h>
#include <bsdsync/dragonfly/spinlock.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

#define BSDSYNC_DFLY_PCATCH		0x00000100
#define BSDSYNC_DFLY_PUSRFLAG1		0x00000200
#define BSDSYNC_DFLY_PINTERLOCKED	0x00000400
#define BSDSYNC_DFLY_PWAKEUP_CPUMASK	0x00003FFF
#define BSDSYNC_DFLY_PWAKEUP_MYCPU	0x00004000
#define BSDSYNC_DFLY_PWAKEUP_ONE	0x00008000
#define BSDSYNC_DFLY_PDOMAIN_MASK	0xFFFF0000

/* The clock tick rate (this kernel's HZ): tsleep's timo counts these. */
extern const int dfly_hz;

int dfly_tsleep(const volatile void *ident, int flags, const char *wmesg, int timo,
		const char *file, int line);
void dfly_tsleep_interlock(const volatile void *ident, int flags, const char *file, int line);
int dfly_ssleep(const volatile void *ident, struct dfly_spinlock *spin, int flags,
		const char *wmesg, int timo, const char *file, int line);
void dfly_wakeup(const volatile void *ident);
void dfly_wakeup_one(const volatile void *ident);
void dfly_wakeup_domain(const volatile void *ident, int domain);
void dfly_wakeup_domain_one(const volatile void *ident, int domain);

BSDSYNC_DRAGONFLY_ABI_END

#endif
