/*
 * bsdsync C ABI: FreeBSD mutex(9) and mtx_pool(9).
 *
 * The lock word (mtx_lock) holds the owning thread (a task_struct pointer, at least 64-byte
 * aligned) in its upper bits and three flag bits below it, as in FreeBSD:
 *
 *   MTX_UNOWNED    0x0   free
 *   MTX_RECURSED   0x1   the owner holds it more than once; depth-1 is in lock_object.lo_data
 *   MTX_CONTESTED  0x2   threads may be queued on the mutex's turnstile: release slowly
 *   MTX_DESTROYED  0x4   mtx_destroy() ran; every later operation is reported
 *   MTX_UNRECORDED 0x8   the hold was taken by the inline mtx_lock of a driver built for
 *                        production (<sys/mutex.h>): no held-locks record, no lock event.
 *                        Set only by that CAS (never by bsdsync.ko), kept while the hold
 *                        lasts, gone with it; its inline unlock expects it, so a hold the
 *                        module took is always released by the module
 *   MTX_UNRECORDED_SPIN (MTX_UNRECORDED | MTX_DESTROYED, with an owner)
 *                        the same for a spin mutex taken by the inline mtx_lock_spin: that
 *                        hold is not named in the CPU's spin record either (only counted).
 *                        A live mutex never has MTX_DESTROYED with an owner, and no sleep
 *                        mutex word has both bits, so the inline mtx_unlock_spin's compare
 *                        alone proves the class
 *
 * sizeof(struct mtx) is 32 bytes, as in FreeBSD without debug options.
 */
#ifndef _BSDSYNC_FREEBSD_MUTEX_H_
#define _BSDSYNC_FREEBSD_MUTEX_H_

#include <bsdsync/freebsd/lock.h>

BSDSYNC_FREEBSD_ABI_BEGIN

struct mtx {
	struct lock_object lock_object;
	volatile unsigned long mtx_lock;
};
/* FreeBSD's size and word offset on amd64 (the inline fast paths use mtx_lock). */
BSDSYNC_ABI_SIZE(struct mtx, 32);
BSDSYNC_ABI_OFFSET(struct mtx, lock_object, 0);
BSDSYNC_ABI_OFFSET(struct mtx, mtx_lock, 24);

/* mtx_init options (FreeBSD values). */
#define MTX_DEF		0x00000000
#define MTX_SPIN	0x00000001
#define MTX_RECURSE	0x00000004
#define MTX_NOWITNESS	0x00000008
#define MTX_NOPROFILE	0x00000020
#define MTX_NEW		0x00000040
#define MTX_QUIET	LOP_QUIET
#define MTX_DUPOK	LOP_DUPOK

/* Lock word bits. */
#define MTX_UNOWNED	0x00000000UL
#define MTX_RECURSED	0x00000001UL
#define MTX_CONTESTED	0x00000002UL
#define MTX_DESTROYED	0x00000004UL
#define MTX_UNRECORDED	0x00000008UL
#define MTX_FLAGMASK	(MTX_RECURSED | MTX_CONTESTED | MTX_DESTROYED | MTX_UNRECORDED)
#define MTX_UNRECORDED_SPIN	(MTX_UNRECORDED | MTX_DESTROYED)

/* mtx_assert (modern FreeBSD values, aliases of LA_*). */
#define MA_OWNED	LA_XLOCKED
#define MA_NOTOWNED	LA_UNLOCKED
#define MA_RECURSED	LA_RECURSED
#define MA_NOTRECURSED	LA_NOTRECURSED

void fbsd_mtx_init(struct mtx *m, const char *name, const char *type, int opts,
		   const struct bsdsync_lock_site *site);
void fbsd_mtx_destroy(struct mtx *m, const char *file, int line);
void fbsd_mtx_lock_flags(struct mtx *m, int opts, const char *file, int line);
void fbsd_mtx_unlock_flags(struct mtx *m, int opts, const char *file, int line);
int fbsd_mtx_trylock_flags(struct mtx *m, int opts, const char *file, int line);
void fbsd_mtx_lock_spin_flags(struct mtx *m, int opts, const char *file, int line);
void fbsd_mtx_unlock_spin_flags(struct mtx *m, int opts, const char *file, int line);
/* The inline mtx_lock_spin's CAS failed after its spinlock_enter: the module goes on from
 * there (recursion, waiting). */
void fbsd_mtx_lock_spin_hard(struct mtx *m, int opts, const char *file, int line);
int fbsd_mtx_trylock_spin_flags(struct mtx *m, int opts, const char *file, int line);
void fbsd_mtx_assert(const struct mtx *m, int what, const char *file, int line);
int fbsd_mtx_owned(const struct mtx *m);
int fbsd_mtx_recursed(const struct mtx *m);
struct thread *fbsd_mtx_owner(const struct mtx *m);
void fbsd_mtx_spin_wait_unlocked(struct mtx *m);

/* MTX_SYSINIT: FreeBSD's struct mtx_args, plus the site of the MTX_SYSINIT line. */
struct mtx_args {
	void *ma_mtx;
	const char *ma_desc;
	int ma_opts;
	const struct bsdsync_lock_site *ma_site;
};
BSDSYNC_ABI_SIZE(struct mtx_args, 32);
void fbsd_mtx_sysinit(const void *arg);		/* mtx_init from a struct mtx_args */
void fbsd_mtx_sysuninit(const void *arg);	/* mtx_destroy of a struct mtx * */

/* Giant: MTX_DEF | MTX_RECURSE, created at module load. */
extern struct mtx fbsd_Giant;
/* DROP_GIANT/PICKUP_GIANT: release every recursion level of Giant held by the caller
 * (returns how many) and take them back. */
unsigned int fbsd_drop_giant(const char *file, int line);
void fbsd_pickup_giant(unsigned int depth, const char *file, int line);

struct mtx_pool;
struct mtx_pool *fbsd_mtx_pool_create(const char *mtx_name, int pool_size, int opts);
void fbsd_mtx_pool_destroy(struct mtx_pool **poolp);
struct mtx *fbsd_mtx_pool_find(struct mtx_pool *pool, void *ptr);
struct mtx *fbsd_mtx_pool_alloc(struct mtx_pool *pool);
extern struct mtx_pool *fbsd_mtxpool_sleep;

BSDSYNC_FREEBSD_ABI_END

#endif
