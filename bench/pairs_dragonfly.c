// SPDX-License-Identifier: BSD-2-Clause
/*
 * DragonFly pairs, built against bsdsync's DragonFly face (include/dragonfly, Kbuild's
 * per-file flags) after the Linux headers bench.h includes, as a ported DragonFly driver
 * that also uses Linux would:
 *
 *   dfly_token  lwkt_gettoken/lwkt_reltoken on an LWKT token (exclusive)  vs
 *               mutex_lock/mutex_unlock: what a DragonFly driver serialises with, against
 *               what a Linux driver would (a token is released if its holder blocks; a
 *               mutex is not: the sections here never block)
 *   dfly_spin   DragonFly spin_lock/spin_unlock (interrupts stay enabled)  vs
 *               spin_lock/spin_unlock on a spinlock_t (the same contract on Linux)
 */
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>

#include "bench.h"

/* ---- dfly_token: LWKT token vs struct mutex -------------------------------------------- */

static int dfly_token_init(void *p)
{
	lwkt_token_init((struct lwkt_token *)p, "bench token");
	return 0;
}
static void dfly_token_destroy(void *p) { lwkt_token_uninit((struct lwkt_token *)p); }
static __always_inline unsigned long bench_token_lock(void *p)
{
	lwkt_gettoken((struct lwkt_token *)p);
	return 0;
}
static __always_inline void bench_token_unlock(void *p, unsigned long how)
{
	lwkt_reltoken((struct lwkt_token *)p);
}
BENCH_LOCK_WORKER(dfly_token_worker, bench_token_lock, bench_token_unlock)

static int dfly_linux_mutex_init(void *p)
{
	mutex_init((struct mutex *)p);
	return 0;
}
static void dfly_linux_mutex_destroy(void *p) { mutex_destroy((struct mutex *)p); }
static __always_inline unsigned long dfly_linux_mutex_lock(void *p)
{
	mutex_lock((struct mutex *)p);
	return 0;
}
static __always_inline void dfly_linux_mutex_unlock(void *p, unsigned long how)
{
	mutex_unlock((struct mutex *)p);
}
BENCH_LOCK_WORKER(dfly_linux_mutex_worker, dfly_linux_mutex_lock, dfly_linux_mutex_unlock)

const struct bench_pair bench_pair_dfly_token = {
	.name = "dfly_token",
	.kind = BENCH_LOCK,
	.impl = {
		{ "bsdsync", "lwkt_gettoken/lwkt_reltoken (DragonFly LWKT token)",
		  sizeof(struct lwkt_token), dfly_token_init, dfly_token_destroy,
		  dfly_token_worker },
		{ "linux", "mutex_lock/mutex_unlock", sizeof(struct mutex),
		  dfly_linux_mutex_init, dfly_linux_mutex_destroy, dfly_linux_mutex_worker },
	},
};

/* ---- dfly_spin: DragonFly spinlock vs spinlock_t ---------------------------------------- */

static int dfly_spin_init(void *p)
{
	spin_init((struct spinlock *)p, "bench spin");
	return 0;
}
static void dfly_spin_destroy(void *p) { spin_uninit((struct spinlock *)p); }
static __always_inline unsigned long bench_dspin_lock(void *p)
{
	spin_lock((struct spinlock *)p);
	return 0;
}
static __always_inline void bench_dspin_unlock(void *p, unsigned long how)
{
	spin_unlock((struct spinlock *)p);
}
BENCH_LOCK_WORKER(dfly_spin_worker, bench_dspin_lock, bench_dspin_unlock)

static int linux_spin_init(void *p)
{
	spin_lock_init((spinlock_t *)p);
	return 0;
}
static void linux_spin_destroy(void *p) { }
static __always_inline unsigned long linux_spin_lock(void *p)
{
	spin_lock((spinlock_t *)p);
	return 0;
}
static __always_inline void linux_spin_unlock(void *p, unsigned long how)
{
	spin_unlock((spinlock_t *)p);
}
BENCH_LOCK_WORKER(linux_spin_worker, linux_spin_lock, linux_spin_unlock)

const struct bench_pair bench_pair_dfly_spin = {
	.name = "dfly_spin",
	.kind = BENCH_LOCK,
	.impl = {
		{ "bsdsync", "spin_lock/spin_unlock (DragonFly spinlock)", sizeof(struct spinlock),
		  dfly_spin_init, dfly_spin_destroy, dfly_spin_worker },
		{ "linux", "spin_lock/spin_unlock (spinlock_t)", sizeof(spinlock_t),
		  linux_spin_init, linux_spin_destroy, linux_spin_worker },
	},
};
