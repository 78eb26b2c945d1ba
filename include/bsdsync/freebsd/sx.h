/*
 * bsdsync C ABI: FreeBSD sx(9) and rwlock(9), the two shared/exclusive locks. They share one
 * lock word encoding and one implementation (module/freebsd/shared_lock.cpp); they differ in
 * where they block (sx: sleep queues, rw: turnstiles), whether they may be held across a sleep
 * (sx yes, rw no), the _sig variants (sx only) and the Giant drop while blocking (sx only).
 *
 * The lock word (sx_lock / rw_lock), FreeBSD's values:
 *
 *   SHARED           0x01  shared mode: bits 5.. count the shared holds (0 = unlocked)
 *   SHARED_WAITERS   0x02  threads may be queued to take it shared
 *   EXCLUSIVE_WAITERS 0x04 threads may be queued to take it exclusively
 *   WRITE_SPINNER    0x08  a writer spins a bounded while for the readers to leave: new
 *                          readers keep out (FreeBSD's RW_LOCK_WRITE_SPINNER)
 *   RECURSED         0x10  exclusive owner holds it more than once (depth-1 in lo_data)
 *   UNRECORDED       0x20  exclusive mode only (in shared mode it is the count's low bit):
 *                          the hold was taken by the inline sx_xlock/rw_wlock of a driver
 *                          built for production (<sys/sx.h>, <sys/rwlock.h>), with no
 *                          held-locks record and no lock event; the owner's only
 *   otherwise              the exclusive owner's thread pointer (at least 64-byte aligned)
 *
 *   UNLOCKED   = SHARED with 0 holds (0x01)
 *   DESTROYED  = SHARED_WAITERS | EXCLUSIVE_WAITERS without SHARED or owner (0x06)
 *
 * sizeof(struct sx) and sizeof(struct rwlock) are 32 bytes, as in FreeBSD.
 */
#ifndef _BSDSYNC_FREEBSD_SX_H_
#define _BSDSYNC_FREEBSD_SX_H_

#include <bsdsync/freebsd/lock.h>

BSDSYNC_FREEBSD_ABI_BEGIN

#define BSDSYNC_SL_SHARED		0x01UL
#define BSDSYNC_SL_SHARED_WAITERS	0x02UL
#define BSDSYNC_SL_EXCLUSIVE_WAITERS	0x04UL
#define BSDSYNC_SL_WRITE_SPINNER	0x08UL
#define BSDSYNC_SL_RECURSED		0x10UL
#define BSDSYNC_SL_FLAGMASK		0x1fUL
#define BSDSYNC_SL_UNRECORDED		0x20UL	/* exclusive mode only */
#define BSDSYNC_SL_SHARERS_SHIFT	5
#define BSDSYNC_SL_ONE_SHARER		(1UL << BSDSYNC_SL_SHARERS_SHIFT)
#define BSDSYNC_SL_UNLOCKED		BSDSYNC_SL_SHARED
#define BSDSYNC_SL_DESTROYED		(BSDSYNC_SL_SHARED_WAITERS | BSDSYNC_SL_EXCLUSIVE_WAITERS)

/*
 * The per-thread shared-hold counts (FreeBSD td_rw_rlocks, td_sx_slocks), one int per kind
 * in the thread's record (<bsdsync/types.h> BSDSYNC_TD_COUNTS_OFFSET, index _COUNT_RW or
 * _COUNT_SX): the low 16 bits count the shared holds the inline rw_rlock/sx_slock of drivers
 * built for production took (no held-locks record, no event), the bits above count, in units
 * of BSDSYNC_SL_COUNT_RECORDED, the thread's shared holds the module recorded. rw's count is
 * next to the record's non-sleepable count, which its inline holds bump too (an rw read hold
 * is non-sleepable). <sys/lock.h> and module/freebsd/shared_lock.h explain the rules.
 */
#define BSDSYNC_SL_COUNT_RW		0
#define BSDSYNC_SL_COUNT_SX		1
#define BSDSYNC_SL_COUNT_RECORDED	0x10000

struct sx {
	struct lock_object lock_object;
	volatile unsigned long sx_lock;
};
/* FreeBSD's size and word offset on amd64 (the inline fast paths use sx_lock). */
BSDSYNC_ABI_SIZE(struct sx, 32);
BSDSYNC_ABI_OFFSET(struct sx, lock_object, 0);
BSDSYNC_ABI_OFFSET(struct sx, sx_lock, 24);

/* sx_init_flags options (FreeBSD values). */
#define SX_DUPOK	0x01
#define SX_NOPROFILE	0x02
#define SX_NOWITNESS	0x04
#define SX_QUIET	0x08
#define SX_NOADAPTIVE	0x10	/* older FreeBSD; accepted: bsdsync then never spins */
#define SX_RECURSE	0x20
#define SX_NEW		0x40

/* Lock word names of <sys/sx.h>. */
#define SX_LOCK_SHARED			BSDSYNC_SL_SHARED
#define SX_LOCK_SHARED_WAITERS		BSDSYNC_SL_SHARED_WAITERS
#define SX_LOCK_EXCLUSIVE_WAITERS	BSDSYNC_SL_EXCLUSIVE_WAITERS
#define SX_LOCK_WRITE_SPINNER		BSDSYNC_SL_WRITE_SPINNER
#define SX_LOCK_RECURSED		BSDSYNC_SL_RECURSED
#define SX_LOCK_FLAGMASK		BSDSYNC_SL_FLAGMASK
#define SX_SHARERS_SHIFT		BSDSYNC_SL_SHARERS_SHIFT
#define SX_ONE_SHARER			BSDSYNC_SL_ONE_SHARER
#define SX_LOCK_UNLOCKED		BSDSYNC_SL_UNLOCKED
#define SX_LOCK_DESTROYED		BSDSYNC_SL_DESTROYED

/* sx_assert (aliases of LA_*), and the old names. */
#define SA_LOCKED	LA_LOCKED
#define SA_SLOCKED	LA_SLOCKED
#define SA_XLOCKED	LA_XLOCKED
#define SA_UNLOCKED	LA_UNLOCKED
#define SA_RECURSED	LA_RECURSED
#define SA_NOTRECURSED	LA_NOTRECURSED
#define SX_LOCKED	LA_LOCKED
#define SX_SLOCKED	LA_SLOCKED
#define SX_XLOCKED	LA_XLOCKED
#define SX_UNLOCKED	LA_UNLOCKED
#define SX_RECURSED	LA_RECURSED
#define SX_NOTRECURSED	LA_NOTRECURSED

void fbsd_sx_init_flags(struct sx *sx, const char *description, int opts,
			const struct bsdsync_lock_site *site);
void fbsd_sx_destroy(struct sx *sx, const char *file, int line);
/* The blocking forms return 0, or (interruptible) EINTR/ERESTART after a signal. */
int fbsd_sx_xlock(struct sx *sx, int interruptible, const char *file, int line);
int fbsd_sx_slock(struct sx *sx, int interruptible, const char *file, int line);
/* sx_xlock/sx_slock: fbsd_sx_xlock/_slock(sx, 0, ...) with the flag known inside (the fast
 * path carries no choice of operation name). */
void fbsd_sx_xlock_nosig(struct sx *sx, const char *file, int line);
void fbsd_sx_slock_nosig(struct sx *sx, const char *file, int line);
int fbsd_sx_try_xlock(struct sx *sx, const char *file, int line);
int fbsd_sx_try_slock(struct sx *sx, const char *file, int line);
void fbsd_sx_xunlock(struct sx *sx, const char *file, int line);
void fbsd_sx_sunlock(struct sx *sx, const char *file, int line);
void fbsd_sx_unlock(struct sx *sx, const char *file, int line);
int fbsd_sx_try_upgrade(struct sx *sx, const char *file, int line);
void fbsd_sx_downgrade(struct sx *sx, const char *file, int line);
struct thread *fbsd_sx_xholder(const struct sx *sx);
int fbsd_sx_xlocked(const struct sx *sx);
int fbsd_sx_recursed(const struct sx *sx);
void fbsd_sx_assert(const struct sx *sx, int what, const char *file, int line);

/* SX_SYSINIT: FreeBSD's struct sx_args, plus the site of the SX_SYSINIT line. */
struct sx_args {
	struct sx *sa_sx;
	const char *sa_desc;
	int sa_flags;
	const struct bsdsync_lock_site *sa_site;
};
BSDSYNC_ABI_SIZE(struct sx_args, 32);
void fbsd_sx_sysinit(const void *arg);		/* sx_init_flags from a struct sx_args */
void fbsd_sx_sysuninit(const void *arg);	/* sx_destroy of a struct sx * */

BSDSYNC_FREEBSD_ABI_END

#endif
