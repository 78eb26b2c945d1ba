/*
 * bsdsync C ABI: FreeBSD rwlock(9). The lock word is the one of sx (include/bsdsync/freebsd/sx.h
 * explains it), under rwlock(9)'s names.
 */
#ifndef _BSDSYNC_FREEBSD_RWLOCK_H_
#define _BSDSYNC_FREEBSD_RWLOCK_H_

#include <bsdsync/freebsd/lock.h>
#include <bsdsync/freebsd/sx.h>

BSDSYNC_FREEBSD_ABI_BEGIN

struct rwlock {
	struct lock_object lock_object;
	volatile unsigned long rw_lock;
};
/* FreeBSD's size and word offset on amd64 (the inline fast paths use rw_lock). */
BSDSYNC_ABI_SIZE(struct rwlock, 32);
BSDSYNC_ABI_OFFSET(struct rwlock, lock_object, 0);
BSDSYNC_ABI_OFFSET(struct rwlock, rw_lock, 24);

/* rw_init_flags options (FreeBSD values). */
#define RW_DUPOK	0x01
#define RW_NOPROFILE	0x02
#define RW_NOWITNESS	0x04
#define RW_QUIET	0x08
#define RW_RECURSE	0x10
#define RW_NEW		0x20

/* Lock word names of <sys/rwlock.h>. */
#define RW_LOCK_READ			BSDSYNC_SL_SHARED
#define RW_LOCK_READ_WAITERS		BSDSYNC_SL_SHARED_WAITERS
#define RW_LOCK_WRITE_WAITERS		BSDSYNC_SL_EXCLUSIVE_WAITERS
#define RW_LOCK_WRITE_SPINNER		BSDSYNC_SL_WRITE_SPINNER
#define RW_LOCK_WRITER_RECURSED		BSDSYNC_SL_RECURSED
#define RW_LOCK_FLAGMASK		BSDSYNC_SL_FLAGMASK
#define RW_LOCK_WAITERS			(RW_LOCK_READ_WAITERS | RW_LOCK_WRITE_WAITERS)
#define RW_READERS_SHIFT		BSDSYNC_SL_SHARERS_SHIFT
#define RW_ONE_READER			BSDSYNC_SL_ONE_SHARER
#define RW_UNLOCKED			BSDSYNC_SL_UNLOCKED
#define RW_DESTROYED			BSDSYNC_SL_DESTROYED

/* rw_assert (aliases of LA_*). */
#define RA_LOCKED	LA_LOCKED
#define RA_RLOCKED	LA_SLOCKED
#define RA_WLOCKED	LA_XLOCKED
#define RA_UNLOCKED	LA_UNLOCKED
#define RA_RECURSED	LA_RECURSED
#define RA_NOTRECURSED	LA_NOTRECURSED

void fbsd_rw_init_flags(struct rwlock *rw, const char *name, int opts,
			const struct bsdsync_lock_site *site);
void fbsd_rw_destroy(struct rwlock *rw, const char *file, int line);
void fbsd_rw_wlock(struct rwlock *rw, const char *file, int line);
void fbsd_rw_rlock(struct rwlock *rw, const char *file, int line);
int fbsd_rw_try_wlock(struct rwlock *rw, const char *file, int line);
int fbsd_rw_try_rlock(struct rwlock *rw, const char *file, int line);
void fbsd_rw_wunlock(struct rwlock *rw, const char *file, int line);
void fbsd_rw_runlock(struct rwlock *rw, const char *file, int line);
void fbsd_rw_unlock(struct rwlock *rw, const char *file, int line);
int fbsd_rw_try_upgrade(struct rwlock *rw, const char *file, int line);
void fbsd_rw_downgrade(struct rwlock *rw, const char *file, int line);
struct thread *fbsd_rw_wowner(const struct rwlock *rw);
int fbsd_rw_wowned(const struct rwlock *rw);
int fbsd_rw_recursed(const struct rwlock *rw);
void fbsd_rw_assert(const struct rwlock *rw, int what, const char *file, int line);

/* RW_SYSINIT: FreeBSD's struct rw_args, plus the site of the RW_SYSINIT line. */
struct rw_args {
	void *ra_rw;		/* a struct rwlock or struct rwlock_padalign */
	const char *ra_desc;
	int ra_flags;
	const struct bsdsync_lock_site *ra_site;
};
BSDSYNC_ABI_SIZE(struct rw_args, 32);
void fbsd_rw_sysinit(const void *arg);
void fbsd_rw_sysuninit(const void *arg);

BSDSYNC_FREEBSD_ABI_END

#endif
