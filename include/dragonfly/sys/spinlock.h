/*
 * <sys/spinlock.h> for drivers ported from DragonFly BSD: struct spinlock and its static
 * initialiser. The operations are in <sys/spinlock2.h>.
 *
 * Linux's spinlock_t is `struct spinlock` too, and a ported file is a Linux module that may
 * include Linux headers before or after this one. C has one tag namespace, so here, after
 * Linux's <linux/spinlock.h> (included first), `spinlock` is a macro for dfly_spinlock:
 * DragonFly's `struct spinlock` names bsdsync's struct dfly_spinlock, and Linux code keeps
 * spinlock_t (a typedef, made before the macro). The one cost: an identifier named
 * `spinlock` (a member of a Linux struct, say) is renamed too in the code that follows;
 * such a member declared in a Linux header included before this one must then be reached
 * as `dfly_spinlock` ... or the Linux header included after (docs/porting.md).
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_SPINLOCK_H_
#define _BSDSYNC_DRAGONFLY_SYS_SPINLOCK_H_

#include <sys/types.h>
#ifdef __KERNEL__
#include <linux/spinlock.h>
#endif
#include <bsdsync/dragonfly/spinlock.h>

#define spinlock		dfly_spinlock

#define SPINLOCK_SHARED		BSDSYNC_DFLY_SPINLOCK_SHARED
#define SPINLOCK_EXCLWAIT	BSDSYNC_DFLY_SPINLOCK_EXCLWAIT

/* Static initialisation: SPINLOCK_INITIALIZER(&lock, "name") as DragonFly spells it. */
#define SPINLOCK_INITIALIZER(head, d)	{ .counta = 0, .countb = 0, .descr = (d) }

#endif
