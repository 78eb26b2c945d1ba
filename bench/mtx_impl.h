// SPDX-License-Identifier: BSD-2-Clause
/*
 * The mtx pair's two implementations (MTX_DEF vs struct mutex), included by the file that
 * defines a pair over them: pairs_lock.c (built as the production build: mtx_lock/mtx_unlock
 * inline) and pairs_checked.c (the default, checked build: every operation a call). The same
 * source in both, so that the two pairs differ only in the build flags. The including file
 * defines BENCH_MTX_LOCK_NAME (the mutexes' name) and includes <linux/mutex.h>,
 * <sys/mutex.h> and "bench.h" first.
 */
#ifndef BENCH_MTX_LOCK_NAME
#error "define BENCH_MTX_LOCK_NAME before including mtx_impl.h"
#endif

static int bsd_mtx_init(void *p)
{
	mtx_init((struct mtx *)p, BENCH_MTX_LOCK_NAME, NULL, MTX_DEF);
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
BENCH_LOCK_WORKER(bsd_mtx_worker, bsd_mtx_lock, bsd_mtx_unlock)

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
