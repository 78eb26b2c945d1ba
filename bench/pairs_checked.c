// SPDX-License-Identifier: BSD-2-Clause
/*
 * The price of the checks: the other FreeBSD pair files are built the way a driver is built
 * for production (bench/Kbuild: -DBSDSYNC_NO_INVARIANTS, so mtx_lock/mtx_unlock are inline
 * in <sys/mutex.h>); this one the way a driver is by default (INVARIANTS: every operation a
 * call into bsdsync.ko, recorded in the thread's held-locks stack).
 *
 *   mtx_checked   mtx_lock/mtx_unlock (MTX_DEF), checked build  vs  mutex_lock/mutex_unlock
 */
#include <linux/mutex.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>

#include "bench.h"

#if BSDSYNC_INLINE_LOCKS
#error "pairs_checked.c measures the checked build: build it without BSDSYNC_NO_INVARIANTS"
#endif

static int bsd_mtx_init(void *p)
{
	mtx_init((struct mtx *)p, "bench mtx checked", NULL, MTX_DEF);
	return 0;
}
static void bsd_mtx_destroy(void *p) { mtx_destroy((struct mtx *)p); }
static __always_inline unsigned long bsd_mtx_lock(void *p)
{
	mtx_lock((struct mtx *)p);
	return 0;
}
static __always_inline void bsd_mtx_unlock(void *p, unsigned long how)
{
	mtx_unlock((struct mtx *)p);
}
BENCH_LOCK_WORKER(bsd_mtx_checked_worker, bsd_mtx_lock, bsd_mtx_unlock)

static int linux_mutex_init(void *p)
{
	mutex_init((struct mutex *)p);
	return 0;
}
static void linux_mutex_destroy(void *p) { mutex_destroy((struct mutex *)p); }
static __always_inline unsigned long linux_mutex_lock(void *p)
{
	mutex_lock((struct mutex *)p);
	return 0;
}
static __always_inline void linux_mutex_unlock(void *p, unsigned long how)
{
	mutex_unlock((struct mutex *)p);
}
BENCH_LOCK_WORKER(linux_mutex_worker, linux_mutex_lock, linux_mutex_unlock)

const struct bench_pair bench_pair_mtx_checked = {
	.name = "mtx_checked",
	.kind = BENCH_LOCK,
	.impl = {
		{ "bsdsync", "mtx_lock/mtx_unlock (MTX_DEF), checked build", sizeof(struct mtx),
		  bsd_mtx_init, bsd_mtx_destroy, bsd_mtx_checked_worker },
		{ "linux", "mutex_lock/mutex_unlock", sizeof(struct mutex),
		  linux_mutex_init, linux_mutex_destroy, linux_mutex_worker },
	},
};
