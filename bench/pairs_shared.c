// SPDX-License-Identifier: BSD-2-Clause
/*
 * Shared/exclusive pairs (BENCH_SHARED): every thread takes one lock, shared for a read
 * (a read-only critical section) or exclusive for a write, by the measurement's read share.
 *
 *   rw   FreeBSD rw_rlock/rw_wlock, rw_runlock/rw_wunlock (rwlock(9): readers and writers
 *        spin on a running owner, then block on a turnstile)  vs  read_lock/write_lock,
 *        read_unlock/write_unlock on a rwlock_t (Linux's reader/writer spin lock: the
 *        counterpart a FreeBSD rw lock's "never held across a sleep" suggests; it never
 *        blocks and disables preemption while held).
 *   sx   FreeBSD sx_slock/sx_xlock, sx_sunlock/sx_xunlock (sx(9), may be held across
 *        sleeps)  vs  down_read/down_write, up_read/up_write on a struct rw_semaphore.
 *   lockmgr  FreeBSD lockmgr(LK_SHARED / LK_EXCLUSIVE / LK_RELEASE) on a struct lock
 *        (lock(9), the vnode lock)  vs  the same rw_semaphore calls.
 */
#include <linux/spinlock.h>
#include <linux/rwsem.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/rwlock.h>
#include <sys/sx.h>
#include <sys/lockmgr.h>

#include "bench.h"

/* ---- rw: rwlock(9) vs rwlock_t ---------------------------------------------------------- */

static int bsd_rw_init(void *p)
{
	rw_init((struct rwlock *)p, "bench rw");
	return 0;
}
static void bsd_rw_destroy(void *p) { rw_destroy((struct rwlock *)p); }
static __always_inline unsigned long bsd_rw_lock(void *p, bool write, void *scratch)
{
	if (write)
		rw_wlock((struct rwlock *)p);
	else
		rw_rlock((struct rwlock *)p);
	return 0;
}
static __always_inline void bsd_rw_unlock(void *p, bool write, void *scratch,
					 unsigned long how)
{
	if (write)
		rw_wunlock((struct rwlock *)p);
	else
		rw_runlock((struct rwlock *)p);
}
BENCH_SHARED_WORKER(bsd_rw_worker, bsd_rw_lock, bsd_rw_unlock)

static int linux_rwlock_init(void *p)
{
	rwlock_init((rwlock_t *)p);
	return 0;
}
static void linux_rwlock_destroy(void *p) { }
static __always_inline unsigned long linux_rwlock_lock(void *p, bool write, void *scratch)
{
	if (write)
		write_lock((rwlock_t *)p);
	else
		read_lock((rwlock_t *)p);
	return 0;
}
static __always_inline void linux_rwlock_unlock(void *p, bool write, void *scratch,
					 unsigned long how)
{
	if (write)
		write_unlock((rwlock_t *)p);
	else
		read_unlock((rwlock_t *)p);
}
BENCH_SHARED_WORKER(linux_rwlock_worker, linux_rwlock_lock, linux_rwlock_unlock)

const struct bench_pair bench_pair_rw = {
	.name = "rw",
	.kind = BENCH_SHARED,
	.impl = {
		{ "bsdsync", "rw_rlock/rw_wlock (rwlock(9))", sizeof(struct rwlock),
		  bsd_rw_init, bsd_rw_destroy, bsd_rw_worker },
		{ "linux", "read_lock/write_lock (rwlock_t)", sizeof(rwlock_t),
		  linux_rwlock_init, linux_rwlock_destroy, linux_rwlock_worker },
	},
};

/* ---- sx: sx(9) vs struct rw_semaphore ------------------------------------------------- */

static int bsd_sx_init(void *p)
{
	sx_init((struct sx *)p, "bench sx");
	return 0;
}
static void bsd_sx_destroy(void *p) { sx_destroy((struct sx *)p); }
static __always_inline unsigned long bsd_sx_lock(void *p, bool write, void *scratch)
{
	if (write)
		sx_xlock((struct sx *)p);
	else
		sx_slock((struct sx *)p);
	return 0;
}
static __always_inline void bsd_sx_unlock(void *p, bool write, void *scratch,
					 unsigned long how)
{
	if (write)
		sx_xunlock((struct sx *)p);
	else
		sx_sunlock((struct sx *)p);
}
BENCH_SHARED_WORKER(bsd_sx_worker, bsd_sx_lock, bsd_sx_unlock)

/* Shared with the rm_rwsem pair (pairs_rm.c): declared in bench.h. */
int linux_rwsem_init(void *p)
{
	init_rwsem((struct rw_semaphore *)p);
	return 0;
}
void linux_rwsem_destroy(void *p) { }
static __always_inline unsigned long linux_rwsem_lock(void *p, bool write, void *scratch)
{
	if (write)
		down_write((struct rw_semaphore *)p);
	else
		down_read((struct rw_semaphore *)p);
	return 0;
}
static __always_inline void linux_rwsem_unlock(void *p, bool write, void *scratch,
					 unsigned long how)
{
	if (write)
		up_write((struct rw_semaphore *)p);
	else
		up_read((struct rw_semaphore *)p);
}
BENCH_WORKER_ATTR(linux_rwsem_worker) int linux_rwsem_worker(struct bench_worker *w)
{
	return bench_shared_loop(w, linux_rwsem_lock, linux_rwsem_unlock);
}

const struct bench_pair bench_pair_sx = {
	.name = "sx",
	.kind = BENCH_SHARED,
	.impl = {
		{ "bsdsync", "sx_slock/sx_xlock (sx(9))", sizeof(struct sx),
		  bsd_sx_init, bsd_sx_destroy, bsd_sx_worker },
		{ "linux", "down_read/down_write (rw_semaphore)", sizeof(struct rw_semaphore),
		  linux_rwsem_init, linux_rwsem_destroy, linux_rwsem_worker },
	},
};

/* ---- lockmgr: lock(9) vs struct rw_semaphore ------------------------------------------- */

static int bsd_lockmgr_init(void *p)
{
	lockinit((struct lock *)p, PVFS, "bench lk", 0, 0);
	return 0;
}
static void bsd_lockmgr_destroy(void *p) { lockdestroy((struct lock *)p); }
static __always_inline unsigned long bsd_lockmgr_lock(void *p, bool write, void *scratch)
{
	lockmgr((struct lock *)p, write ? LK_EXCLUSIVE : LK_SHARED, NULL);
	return 0;
}
static __always_inline void bsd_lockmgr_unlock(void *p, bool write, void *scratch,
					       unsigned long how)
{
	lockmgr((struct lock *)p, LK_RELEASE, NULL);
}
BENCH_SHARED_WORKER(bsd_lockmgr_worker, bsd_lockmgr_lock, bsd_lockmgr_unlock)

const struct bench_pair bench_pair_lockmgr = {
	.name = "lockmgr",
	.kind = BENCH_SHARED,
	.impl = {
		{ "bsdsync", "lockmgr LK_SHARED/LK_EXCLUSIVE/LK_RELEASE (lock(9))",
		  sizeof(struct lock), bsd_lockmgr_init, bsd_lockmgr_destroy, bsd_lockmgr_worker },
		{ "linux", "down_read/down_write (rw_semaphore)", sizeof(struct rw_semaphore),
		  linux_rwsem_init, linux_rwsem_destroy, linux_rwsem_worker },
	},
};
