// SPDX-License-Identifier: BSD-2-Clause
/*
 * The sizes table (README "Sizes"): each bsdsync lock type next to its Linux counterpart,
 * as sizeof() gives them in this build (the stock kernel's configuration: no lock
 * debugging, which would grow the Linux types).
 */
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/rwsem.h>
#include <linux/wait.h>
#include <linux/semaphore.h>
#include <linux/percpu-rwsem.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/sx.h>
#include <sys/condvar.h>
#include <sys/sema.h>
#include <sys/rmlock.h>
#include <sys/lockmgr.h>

#include "bench.h"

#define ROW(bsd, lnx) { #bsd, sizeof(bsd), 0, #lnx, sizeof(lnx), 0 }

const struct bench_size bench_sizes[] = {
	ROW(struct mtx, struct mutex),
	ROW(struct mtx, raw_spinlock_t),	/* MTX_SPIN: the same struct mtx */
	ROW(struct mtx_padalign, struct mutex),
	ROW(struct rwlock, rwlock_t),
	ROW(struct rwlock_padalign, rwlock_t),
	ROW(struct sx, struct rw_semaphore),
	ROW(struct cv, wait_queue_head_t),
	ROW(struct sema, struct semaphore),
	ROW(struct lock, struct rw_semaphore),	/* lockmgr */
	/* Both allocate per-CPU state besides the structure. */
	{ "struct rmlock", sizeof(struct rmlock), sizeof(struct bsdsync_rm_cpu),
	  "struct percpu_rw_semaphore", sizeof(struct percpu_rw_semaphore), sizeof(unsigned int) },
	{ "struct rmlock", sizeof(struct rmlock), sizeof(struct bsdsync_rm_cpu),
	  "struct rw_semaphore", sizeof(struct rw_semaphore), 0 },
	/* One per read hold, on the reader's stack; Linux's readers need nothing. */
	{ "struct rm_priotracker", sizeof(struct rm_priotracker), 0, "-", 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0 },
};
