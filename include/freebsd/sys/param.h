/*
 * <sys/param.h> for ported FreeBSD drivers: the sleep priority word, hz, nitems, howmany,
 * roundup2 and the other rounding macros.
 * Priorities (PRIBIO, PSOCK, ...) are FreeBSD scheduler values; bsdsync keeps Linux
 * scheduling and only masks them out (PRIMASK), as the man page allows.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_PARAM_H_
#define _BSDSYNC_FREEBSD_SYS_PARAM_H_

#include <sys/types.h>
#ifdef __KERNEL__
#include <linux/math.h>		/* roundup, rounddown: Linux's, unguarded there */
#endif
#include <sys/errno.h>
#include <sys/time.h>
#include <bsdsync/freebsd/sleep.h>

#define PRIMASK		BSDSYNC_PRIMASK
#define PCATCH		BSDSYNC_PCATCH
#define PDROP		BSDSYNC_PDROP
#define PNOLOCK		BSDSYNC_PNOLOCK

/* sys/priority.h (FreeBSD 13) */
#define PRI_MIN_KERN	48
#define PSWP		(PRI_MIN_KERN + 0)
#define PVM		(PRI_MIN_KERN + 4)
#define PINOD		(PRI_MIN_KERN + 8)
#define PRIBIO		(PRI_MIN_KERN + 12)
#define PVFS		(PRI_MIN_KERN + 16)
#define PZERO		(PRI_MIN_KERN + 20)
#define PSOCK		(PRI_MIN_KERN + 24)
#define PWAIT		(PRI_MIN_KERN + 28)
#define PLOCK		(PRI_MIN_KERN + 32)
#define PPAUSE		(PRI_MIN_KERN + 36)
#define PUSER		120

/* The kernel's clock rate (Linux HZ). */
#define hz		fbsd_hz

/* MIN and MAX, spelled token for token as Linux's <linux/minmax.h> spells them (Debian 6.1
 * and 6.12 alike), helpers included: Linux defines them without a guard, and an identical
 * redefinition is legal, so the two headers may come in either order. */
#define __cmp_op_min <
#define __cmp_op_max >
#define __cmp(op, x, y)	((x) __cmp_op_##op (y) ? (x) : (y))
#define MIN(a, b) __cmp(min, a, b)
#define MAX(a, b) __cmp(max, a, b)
#ifndef nitems
#define nitems(x) (sizeof((x)) / sizeof((x)[0]))
#endif

/* Rounding (FreeBSD's; roundup and rounddown are Linux's, the same results). */
#define howmany(x, y)	(((x) + ((y) - 1)) / (y))
#ifndef roundup
#define roundup(x, y)	((((x) + ((y) - 1)) / (y)) * (y))
#endif
#ifndef rounddown
#define rounddown(x, y)	(((x) / (y)) * (y))
#endif
#define roundup2(x, y)	(((x) + ((y) - 1)) & (~((__typeof(x))(y) - 1)))
#define rounddown2(x, y) ((x) & (~((__typeof(x))(y) - 1)))
#define powerof2(x)	((((x) - 1) & (x)) == 0)

#define NBBY		8		/* bits per byte */

#endif
