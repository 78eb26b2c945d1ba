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

#define BENCH_MTX_LOCK_NAME "bench mtx checked"
#include "mtx_impl.h"

const struct bench_pair bench_pair_mtx_checked = {
	.name = "mtx_checked",
	.kind = BENCH_LOCK,
	.impl = {
		{ "bsdsync", "mtx_lock/mtx_unlock (MTX_DEF), checked build", sizeof(struct mtx),
		  bsd_mtx_init, bsd_mtx_destroy, bsd_mtx_worker },
		{ "linux", "mutex_lock/mutex_unlock", sizeof(struct mutex),
		  linux_mutex_init, linux_mutex_destroy, linux_mutex_worker },
	},
};
