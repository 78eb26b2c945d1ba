// SPDX-License-Identifier: BSD-2-Clause
/*
 * Lock pairs (BENCH_LOCK): every thread takes one shared lock around a critical section.
 *
 *   mtx   FreeBSD mtx_lock/mtx_unlock on an MTX_DEF mutex  vs  mutex_lock/mutex_unlock
 *   spin  FreeBSD mtx_lock_spin/mtx_unlock_spin (MTX_SPIN) vs
 *         raw_spin_lock_irqsave/raw_spin_unlock_irqrestore on a raw_spinlock_t: a FreeBSD
 *         spin mutex blocks interrupts while held, so the Linux side does too.
 */
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>

#include "bench.h"

/* ---- mtx: MTX_DEF vs struct mutex ------------------------------------------------------ */

#define BENCH_MTX_LOCK_NAME "bench mtx"
#include "mtx_impl.h"

const struct bench_pair bench_pair_mtx = {
	.name = "mtx",
	.kind = BENCH_LOCK,
	.impl = {
		{ "bsdsync", "mtx_lock/mtx_unlock (MTX_DEF)", sizeof(struct mtx),
		  bsd_mtx_init, bsd_mtx_destroy, bsd_mtx_worker },
		{ "linux", "mutex_lock/mutex_unlock", sizeof(struct mutex),
		  linux_mutex_init, linux_mutex_destroy, linux_mutex_worker },
	},
};

/* ---- spin: MTX_SPIN vs raw_spinlock_t --------------------------------------------------- */

static int bsd_spin_init(void *p)
{
	mtx_init((struct mtx *)p, "bench spin", NULL, MTX_SPIN);
	return 0;
}
static __always_inline unsigned long bsd_spin_lock(void *p)
{
	mtx_lock_spin((struct mtx *)p);
	return 0;
}
static __always_inline void bsd_spin_unlock(void *p, unsigned long how)
{
	mtx_unlock_spin((struct mtx *)p);
}
BENCH_LOCK_WORKER(bsd_spin_worker, bsd_spin_lock, bsd_spin_unlock)

static int linux_raw_spin_init(void *p)
{
	raw_spin_lock_init((raw_spinlock_t *)p);
	return 0;
}
static void linux_raw_spin_destroy(void *p) { }
static __always_inline unsigned long linux_raw_spin_lock(void *p)
{
	unsigned long flags;

	raw_spin_lock_irqsave((raw_spinlock_t *)p, flags);
	return flags;
}
static __always_inline void linux_raw_spin_unlock(void *p, unsigned long flags)
{
	raw_spin_unlock_irqrestore((raw_spinlock_t *)p, flags);
}
BENCH_LOCK_WORKER(linux_raw_spin_worker, linux_raw_spin_lock, linux_raw_spin_unlock)

const struct bench_pair bench_pair_spin = {
	.name = "spin",
	.kind = BENCH_LOCK,
	.impl = {
		{ "bsdsync", "mtx_lock_spin/mtx_unlock_spin (MTX_SPIN)", sizeof(struct mtx),
		  bsd_spin_init, bsd_mtx_destroy, bsd_spin_worker },
		{ "linux", "raw_spin_lock_irqsave/raw_spin_unlock_irqrestore", sizeof(raw_spinlock_t),
		  linux_raw_spin_init, linux_raw_spin_destroy, linux_raw_spin_worker },
	},
};
