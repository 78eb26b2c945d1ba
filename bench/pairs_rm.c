// SPDX-License-Identifier: BSD-2-Clause
/*
 * Read-mostly pairs (BENCH_SHARED, like pairs_shared.c): FreeBSD rmlock(9) against the two
 * Linux counterparts a port could choose.
 *
 *   rm        rm_rlock/rm_runlock (with a struct rm_priotracker on the reader's stack),
 *             rm_wlock/rm_wunlock on a default (non-sleepable) rmlock  vs
 *             percpu_down_read/percpu_up_read, percpu_down_write/percpu_up_write on a
 *             struct percpu_rw_semaphore: both make readers touch only their CPU's state
 *             and make the writer pay (an expedited grace period / an RCU sync).
 *   rm_rwsem  the same rmlock  vs  down_read/down_write on a struct rw_semaphore (one shared
 *             word: cheap writes, readers contend on its cache line).
 */
#include <linux/rwsem.h>
#include <linux/percpu-rwsem.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/rmlock.h>

#include "bench.h"

static_assert(sizeof(struct rm_priotracker) <= sizeof(struct bench_scratch),
	      "the tracker lives in the loop's scratch space");

/* ---- rm(9) --------------------------------------------------------------------------- */

static int bsd_rm_init(void *p)
{
	rm_init((struct rmlock *)p, "bench rm");
	return 0;
}
static void bsd_rm_destroy(void *p) { rm_destroy((struct rmlock *)p); }
static __always_inline unsigned long bsd_rm_lock(void *p, bool write, void *scratch)
{
	if (write)
		rm_wlock((struct rmlock *)p);
	else
		rm_rlock((struct rmlock *)p, (struct rm_priotracker *)scratch);
	return 0;
}
static __always_inline void bsd_rm_unlock(void *p, bool write, void *scratch,
					  unsigned long how)
{
	if (write)
		rm_wunlock((struct rmlock *)p);
	else
		rm_runlock((struct rmlock *)p, (struct rm_priotracker *)scratch);
}
BENCH_SHARED_WORKER(bsd_rm_worker, bsd_rm_lock, bsd_rm_unlock)

/* ---- struct percpu_rw_semaphore -------------------------------------------------------- */

static int linux_percpu_rwsem_init(void *p)
{
	return percpu_init_rwsem((struct percpu_rw_semaphore *)p);
}
static void linux_percpu_rwsem_destroy(void *p)
{
	percpu_free_rwsem((struct percpu_rw_semaphore *)p);
}
static __always_inline unsigned long linux_percpu_rwsem_lock(void *p, bool write,
							     void *scratch)
{
	if (write)
		percpu_down_write((struct percpu_rw_semaphore *)p);
	else
		percpu_down_read((struct percpu_rw_semaphore *)p);
	return 0;
}
static __always_inline void linux_percpu_rwsem_unlock(void *p, bool write, void *scratch,
						      unsigned long how)
{
	if (write)
		percpu_up_write((struct percpu_rw_semaphore *)p);
	else
		percpu_up_read((struct percpu_rw_semaphore *)p);
}
BENCH_SHARED_WORKER(linux_percpu_rwsem_worker, linux_percpu_rwsem_lock,
		    linux_percpu_rwsem_unlock)

const struct bench_pair bench_pair_rm = {
	.name = "rm",
	.kind = BENCH_SHARED,
	.impl = {
		{ "bsdsync", "rm_rlock/rm_wlock (rmlock(9))", sizeof(struct rmlock),
		  bsd_rm_init, bsd_rm_destroy, bsd_rm_worker },
		{ "linux", "percpu_down_read/percpu_down_write (percpu_rw_semaphore)",
		  sizeof(struct percpu_rw_semaphore), linux_percpu_rwsem_init,
		  linux_percpu_rwsem_destroy, linux_percpu_rwsem_worker },
	},
};

/* ---- rmlock vs struct rw_semaphore (whose side is the sx pair's, pairs_shared.c) ------- */

const struct bench_pair bench_pair_rm_rwsem = {
	.name = "rm_rwsem",
	.kind = BENCH_SHARED,
	.impl = {
		{ "bsdsync", "rm_rlock/rm_wlock (rmlock(9))", sizeof(struct rmlock),
		  bsd_rm_init, bsd_rm_destroy, bsd_rm_worker },
		{ "linux", "down_read/down_write (rw_semaphore)", sizeof(struct rw_semaphore),
		  linux_rwsem_init, linux_rwsem_destroy, linux_rwsem_worker },
	},
};
