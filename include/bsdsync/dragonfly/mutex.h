/*
 * bsdsync C ABI: DragonFly mutex(9), mtx_t (<sys/mutex.h>, <sys/mutex2.h>), as modern
 * DragonFly has it (bsd-api-reference.md section 26): shared and exclusive, recursive in
 * both modes, held across blocking, try forms returning 0 or EAGAIN, non-blocking upgrade,
 * downgrade, and links: a request made through an mtx_link_t can be aborted (it fails with
 * ENOLCK) and, with mtx_link_init_async, does not block at all (the lock is handed over
 * later and the link's callback told). FreeBSD's struct mtx is another lock: in C a driver
 * sees only its own personality's `struct mtx`; exported functions are dfly_mtx_*.
 *
 * The word (mtx_lock) is DragonFly's:
 *   MTX_EXCLUSIVE  0x80000000  the count is one exclusive holder's (mtx_owner, or
 *                              MTX_OWNER_ANON: an asynchronous grant, any thread may
 *                              release it)
 *   MTX_SHWANTED   0x40000000  shared requests may be queued
 *   MTX_EXWANTED   0x20000000  exclusive requests (or asynchronous links) may be queued
 *   MTX_LINKSPIN   0x10000000  DragonFly's link spin bit, unused as such here (bsdsync
 *                              links are kept under a wait-queue chain lock); bsdsync's
 *                              UNRECORDED in that place: with MTX_EXCLUSIVE | 1, a hold a
 *                              driver's production build took inline (<sys/mutex2.h>),
 *                              not in the holder's held-locks stack yet (the module records
 *                              it, "adopts" it, at the owner's next call: sleep_lock.h)
 *   MTX_MASK       0x0FFFFFFF  the hold count (exclusive recursion, or shared holds)
 * mtx_exlink heads the queue of pending asynchronous exclusive links (next/prev, FIFO),
 * changed under the lock's sleep-queue chain lock. module/dragonfly/sleep_lock.h has the
 * transitions (shared with lockmgr), module/dragonfly/mtx.cpp the rest.
 */
#ifndef _BSDSYNC_DRAGONFLY_MUTEX_H_
#define _BSDSYNC_DRAGONFLY_MUTEX_H_

#include <bsdsync/types.h>
#include <bsdsync/errno.h>
#include <bsdsync/report.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

#define BSDSYNC_DFLY_MTX_EXCLUSIVE	0x80000000u
#define BSDSYNC_DFLY_MTX_SHWANTED	0x40000000u
#define BSDSYNC_DFLY_MTX_EXWANTED	0x20000000u
#define BSDSYNC_DFLY_MTX_LINKSPIN	0x10000000u
#define BSDSYNC_DFLY_MTX_UNRECORDED	BSDSYNC_DFLY_MTX_LINKSPIN
#define BSDSYNC_DFLY_MTX_MASK		0x0FFFFFFFu

#define BSDSYNC_DFLY_MTX_OWNER_ANON	((void *)-2)

/* The thread's count of its shared mtx holds, index BSDSYNC_DFLY_MTX_COUNT of its record's
 * DragonFly counts: as lockmgr's (<bsdsync/dragonfly/lock.h> BSDSYNC_DFLY_LK_COUNT). */
#define BSDSYNC_DFLY_MTX_COUNT		1

/* Link states. */
#define BSDSYNC_DFLY_MTX_LINK_IDLE		0
#define BSDSYNC_DFLY_MTX_LINK_LINKED		0x1000
#define BSDSYNC_DFLY_MTX_LINK_LINKED_SH		0x1001
#define BSDSYNC_DFLY_MTX_LINK_LINKED_EX		0x1002
#define BSDSYNC_DFLY_MTX_LINK_ACQUIRED		3
#define BSDSYNC_DFLY_MTX_LINK_CALLEDBACK	4
#define BSDSYNC_DFLY_MTX_LINK_ABORTED		5

struct mtx_link {
	struct mtx_link *next;
	struct mtx_link *prev;
	void *owner;			/* the requesting thread */
	volatile int state;		/* MTX_LINK_* */
	void (*callback)(struct mtx_link *link, void *arg, int error);	/* async: non-NULL */
	void *arg;
};

struct mtx {
	volatile unsigned int mtx_lock;	/* the word above */
	int mtx_reserved01;
	void *volatile mtx_owner;	/* the exclusive holder (a thread), or MTX_OWNER_ANON */
	struct mtx_link *mtx_exlink;	/* pending asynchronous exclusive links */
	struct mtx_link *mtx_shlink;	/* unused */
	const char *mtx_ident;		/* the name: reports, and the wait message */
	const struct bsdsync_lock_site *mtx_site;	/* bsdsync: mtx_init's call site */
} __attribute__((__aligned__(64)));	/* DragonFly's __cachealign */
BSDSYNC_ABI_SIZE(struct mtx, 64);
BSDSYNC_ABI_OFFSET(struct mtx, mtx_owner, 8);
BSDSYNC_ABI_OFFSET(struct mtx, mtx_ident, 32);

/* file/line: the caller. The acquisitions return 0, or the sleep's error (EINTR /
 * ERESTART with PCATCH in flags, EWOULDBLOCK after `to` ticks), ENOLCK for an aborted link;
 * the try forms 0 or EAGAIN; an asynchronous link request that must wait returns
 * EINPROGRESS and its callback gets 0 (holding the lock, owner MTX_OWNER_ANON) or ENOLCK
 * (aborted). */
void dfly_mtx_init(struct mtx *mtx, const char *ident, const struct bsdsync_lock_site *site);
void dfly_mtx_uninit(struct mtx *mtx, const char *file, int line);
int dfly_mtx_lock_ex(struct mtx *mtx, int flags, int to, const char *file, int line);
int dfly_mtx_lock_sh(struct mtx *mtx, int flags, int to, const char *file, int line);
int dfly_mtx_lock_ex_link(struct mtx *mtx, struct mtx_link *link, int flags, int to,
			  const char *file, int line);
int dfly_mtx_lock_sh_link(struct mtx *mtx, struct mtx_link *link, int flags, int to,
			  const char *file, int line);
int dfly_mtx_lock_ex_try(struct mtx *mtx, const char *file, int line);
int dfly_mtx_lock_sh_try(struct mtx *mtx, const char *file, int line);
void dfly_mtx_abort_link(struct mtx *mtx, struct mtx_link *link);
int dfly_mtx_upgrade_try(struct mtx *mtx, const char *file, int line);
void dfly_mtx_downgrade(struct mtx *mtx, const char *file, int line);
void dfly_mtx_unlock(struct mtx *mtx, const char *file, int line);
/* The spinning exclusive form: a critical section (preemption off) while held; recursive;
 * the try form 0 or EAGAIN. Released with dfly_mtx_spinunlock. */
void dfly_mtx_spinlock(struct mtx *mtx, const char *file, int line);
int dfly_mtx_spinlock_try(struct mtx *mtx, const char *file, int line);
void dfly_mtx_spinunlock(struct mtx *mtx, const char *file, int line);
/* Held exclusively by the calling thread (mtx_owned). */
int dfly_mtx_owned(struct mtx *mtx);
/* mtxsleep: queued (tsleep_interlock), the caller's hold released, asleep, then the mutex
 * taken back EXCLUSIVELY (as DragonFly's mtx_lock_ex_quick). */
int dfly_mtxsleep(const volatile void *ident, struct mtx *mtx, int flags, const char *wmesg,
		  int timo, const char *file, int line);

BSDSYNC_DRAGONFLY_ABI_END

#endif
