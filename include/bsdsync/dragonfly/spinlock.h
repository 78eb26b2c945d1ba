/*
 * bsdsync C ABI: DragonFly spinlocks, spinlock(9) (<sys/spinlock.h>, <sys/spinlock2.h>).
 *
 * The C struct tag is dfly_spinlock: Linux's spinlock_t is `struct spinlock`, which every
 * Linux module sees, so DragonFly's own tag cannot be that one in C. The face
 * (include/dragonfly/sys/spinlock.h) makes DragonFly's spelling, `struct spinlock`, name
 * this struct. The C++ module names it bsdsync::dfly::dfly_spinlock.
 *
 * The word `counta` (DragonFly's name and place), as bsdsync uses it
 * (module/dragonfly/spinlock.cpp has the transitions):
 *   bits 0..14  SPINLOCK_COUNT_MASK: holders. 1 for an exclusive holder; n shared holders
 *               when SPINLOCK_SHARED is set (at most one per CPU and nesting level: a
 *               shared hold keeps preemption off).
 *   bit 15      UNRECORDED (bsdsync's): the exclusive hold was taken inline by a driver's
 *               production build (<sys/spinlock2.h>): the low 16 bits are exactly
 *               1 | UNRECORDED (EXCLWAIT units may come above); no held-locks record of it
 *               exists. Set by that CAS, or by the module's wait when that CAS found the
 *               word held (dfly_spin_lock_contested, no sink attached); cleared by the
 *               release of that hold (inline:
 *               a 16-bit store of 0 to the low half, which only the exclusive holder may
 *               change; or the module's fetch_sub).
 *   bits 16..19 unused (0).
 *   bits 20..30 SPINLOCK_EXCLWAIT units: exclusive acquirers spinning on it. While any is
 *               there, no new shared holder enters (the exclusive one cannot be starved).
 *   bit 31      SPINLOCK_SHARED: the holders are shared. Left set when the last shared
 *               holder leaves (DragonFly caches it: the next shared acquire is one atomic
 *               add); an exclusive acquire clears it.
 * `countb` is unused (DragonFly's update counter for spin_access_start/end: later).
 * `descr` names the lock in reports.
 */
#ifndef _BSDSYNC_DRAGONFLY_SPINLOCK_H_
#define _BSDSYNC_DRAGONFLY_SPINLOCK_H_

#include <bsdsync/types.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

#define BSDSYNC_DFLY_SPINLOCK_SHARED		0x80000000u
#define BSDSYNC_DFLY_SPINLOCK_EXCLWAIT		0x00100000u
#define BSDSYNC_DFLY_SPINLOCK_EXCLWAIT_MASK	0x7ff00000u
#define BSDSYNC_DFLY_SPINLOCK_UNRECORDED	0x00008000u
#define BSDSYNC_DFLY_SPINLOCK_COUNT_MASK	0x00007fffu

struct dfly_spinlock {
	volatile unsigned int counta;	/* the word above */
	volatile unsigned int countb;	/* unused here */
	const char *descr;		/* the name given to spin_init */
};
/* DragonFly's layout on amd64 (sys/sys/spinlock.h). */
BSDSYNC_ABI_SIZE(struct dfly_spinlock, 16);
BSDSYNC_ABI_OFFSET(struct dfly_spinlock, counta, 0);
BSDSYNC_ABI_OFFSET(struct dfly_spinlock, descr, 8);

/* file/line: the caller, for reports and lock events. trylock returns 1 if it got it. */
void dfly_spin_lock(struct dfly_spinlock *spin, const char *file, int line);
/* <sys/spinlock2.h>'s inline spin_lock when its CAS from 0 failed (seeing `v`), called in
 * the critical section it entered. */
void dfly_spin_lock_contested(struct dfly_spinlock *spin, unsigned int v, const char *file,
			      int line);
void dfly_spin_lock_shared(struct dfly_spinlock *spin, const char *file, int line);
int dfly_spin_trylock(struct dfly_spinlock *spin, const char *file, int line);
void dfly_spin_unlock(struct dfly_spinlock *spin, const char *file, int line);
void dfly_spin_unlock_shared(struct dfly_spinlock *spin, const char *file, int line);
/* Releases whichever hold (shared or exclusive) the word shows. */
void dfly_spin_unlock_any(struct dfly_spinlock *spin, const char *file, int line);
/* spin_pool_lock(9): one of a pool of spinlocks, chosen by the address `chan`. */
void dfly_spin_pool_lock(const void *chan, const char *file, int line);
void dfly_spin_pool_unlock(const void *chan, const char *file, int line);

BSDSYNC_DRAGONFLY_ABI_END

#endif
