/*
 * <sys/param.h> for drivers ported from DragonFly BSD: the tsleep flags and hz.
 * DragonFly's flags, not FreeBSD's: priorities are ignored (there is no PRIMASK), PCATCH
 * 0x100, PUSRFLAG1 0x200 (FreeBSD's PDROP bit: DragonFly has no PDROP), PINTERLOCKED
 * 0x400, and the wakeup-domain bits (PDOMAIN_*: a sleeper's domain; wakeup_domain wakes it).
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_PARAM_H_
#define _BSDSYNC_DRAGONFLY_SYS_PARAM_H_

#include <sys/types.h>
#include <sys/errno.h>
#include <bsdsync/dragonfly/sleep.h>

#define PCATCH			BSDSYNC_DFLY_PCATCH
#define PUSRFLAG1		BSDSYNC_DFLY_PUSRFLAG1
#define PINTERLOCKED		BSDSYNC_DFLY_PINTERLOCKED
#define PWAKEUP_CPUMASK		BSDSYNC_DFLY_PWAKEUP_CPUMASK
#define PWAKEUP_MYCPU		BSDSYNC_DFLY_PWAKEUP_MYCPU
#define PWAKEUP_ONE		BSDSYNC_DFLY_PWAKEUP_ONE
#define PDOMAIN_MASK		BSDSYNC_DFLY_PDOMAIN_MASK
#define PDOMAIN_UMTX		0x00010000
#define PDOMAIN_XLOCK		0x00020000

/* The clock tick rate: tsleep's timo counts these. */
#define hz			dfly_hz

#endif
