// SPDX-License-Identifier: BSD-2-Clause
/*
 * DragonFly pairs, built against bsdsync's DragonFly face (include/dragonfly, Kbuild's
 * per-file flags) after the Linux headers bench.h includes, as a ported DragonFly driver
 * that also uses Linux would, built for production (-DBSDSYNC_NO_INVARIANTS: spin_lock,
 * mtx_lock_ex_quick/mtx_unlock, lwkt_serialize_enter/exit, lockmgr LK_EXCLUSIVE/LK_RELEASE
 * and lwkt_gettoken/lwkt_reltoken inline, <sys/_inline_locks.h>):
 *
 *   dfly_token  lwkt_gettoken/lwkt_reltoken on an LWKT token (exclusive)  vs
 *               mutex_lock/mutex_unlock: what a DragonFly driver serialises with, against
 *               what a Linux driver would (a token is released if its holder blocks; a
 *               mutex is not: the sections here never block)
 *   dfly_spin   DragonFly spin_lock/spin_unlock (interrupts stay enabled)  vs
 *               spin_lock/spin_unlock on a spinlock_t (the same contract on Linux)
 *   dfly_lockmgr  DragonFly lockmgr LK_SHARED/LK_EXCLUSIVE/LK_RELEASE  vs  rw_semaphore
 *   dfly_mtx    DragonFly mtx shared/exclusive (mtx_lock_sh_quick/ex_quick, mtx_unlock)  vs
 *               rw_semaphore; dfly_mtx_ex: its exclusive side alone  vs  struct mutex
 *   dfly_serializer  lwkt_serialize_enter/exit  vs  struct mutex
 *   dfly_msg    (hand-off) a message sent between two threads' spin ports  vs  a completion
 *               per direction
 */
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/rwsem.h>
#include <linux/completion.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/mutex2.h>
#include <sys/serialize.h>
#include <sys/msgport.h>
#include <sys/msgport2.h>

#include "bench.h"

/* ---- dfly_token: LWKT token vs struct mutex -------------------------------------------- */

static int bench_token_init(void *p)
{
	lwkt_token_init((struct lwkt_token *)p, "bench token");
	return 0;
}
static void bench_token_destroy(void *p) { lwkt_token_uninit((struct lwkt_token *)p); }
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
		  sizeof(struct lwkt_token), bench_token_init, bench_token_destroy,
		  dfly_token_worker },
		{ "linux", "mutex_lock/mutex_unlock", sizeof(struct mutex),
		  dfly_linux_mutex_init, dfly_linux_mutex_destroy, dfly_linux_mutex_worker },
	},
};

/* ---- dfly_spin: DragonFly spinlock vs spinlock_t ---------------------------------------- */

static int bench_dspin_init(void *p)
{
	spin_init((struct spinlock *)p, "bench spin");
	return 0;
}
static void bench_dspin_destroy(void *p) { spin_uninit((struct spinlock *)p); }
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
		  bench_dspin_init, bench_dspin_destroy, dfly_spin_worker },
		{ "linux", "spin_lock/spin_unlock (spinlock_t)", sizeof(spinlock_t),
		  linux_spin_init, linux_spin_destroy, linux_spin_worker },
	},
};

/* ---- dfly_lockmgr: DragonFly lockmgr vs rw_semaphore ------------------------------------ */

static int bench_dlk_init(void *p)
{
	lockinit((struct lock *)p, "bench lockmgr", 0, 0);
	return 0;
}
static void bench_dlk_destroy(void *p) { lockuninit((struct lock *)p); }
static __always_inline unsigned long bench_dlk_lock(void *p, bool write, void *scratch)
{
	lockmgr((struct lock *)p, write ? LK_EXCLUSIVE : LK_SHARED);
	return 0;
}
static __always_inline void bench_dlk_unlock(void *p, bool write, void *scratch,
					     unsigned long how)
{
	lockmgr((struct lock *)p, LK_RELEASE);
}
BENCH_SHARED_WORKER(dfly_lockmgr_worker, bench_dlk_lock, bench_dlk_unlock)

const struct bench_pair bench_pair_dfly_lockmgr = {
	.name = "dfly_lockmgr",
	.kind = BENCH_SHARED,
	.impl = {
		{ "bsdsync", "lockmgr LK_SHARED/LK_EXCLUSIVE/LK_RELEASE (DragonFly lock)",
		  sizeof(struct lock), bench_dlk_init, bench_dlk_destroy,
		  dfly_lockmgr_worker },
		{ "linux", "down_read/down_write (rw_semaphore)", sizeof(struct rw_semaphore),
		  linux_rwsem_init, linux_rwsem_destroy, linux_rwsem_worker },
	},
};

/* ---- dfly_mtx: DragonFly mtx shared/exclusive vs rw_semaphore; exclusive vs mutex -------- */

static int bench_dmtx_init(void *p)
{
	mtx_init((mtx_t *)p, "bench mtx");
	return 0;
}
static void bench_dmtx_destroy(void *p) { mtx_uninit((mtx_t *)p); }
static __always_inline unsigned long bench_dmtx_lock(void *p, bool write, void *scratch)
{
	if (write)
		mtx_lock_ex_quick((mtx_t *)p);
	else
		mtx_lock_sh_quick((mtx_t *)p);
	return 0;
}
static __always_inline void bench_dmtx_unlock(void *p, bool write, void *scratch,
					      unsigned long how)
{
	mtx_unlock((mtx_t *)p);
}
BENCH_SHARED_WORKER(dfly_mtx_worker, bench_dmtx_lock, bench_dmtx_unlock)

const struct bench_pair bench_pair_dfly_mtx = {
	.name = "dfly_mtx",
	.kind = BENCH_SHARED,
	.impl = {
		{ "bsdsync", "mtx_lock_sh_quick/mtx_lock_ex_quick/mtx_unlock (DragonFly mtx)",
		  sizeof(mtx_t), bench_dmtx_init, bench_dmtx_destroy, dfly_mtx_worker },
		{ "linux", "down_read/down_write (rw_semaphore)", sizeof(struct rw_semaphore),
		  linux_rwsem_init, linux_rwsem_destroy, linux_rwsem_worker },
	},
};

static __always_inline unsigned long bench_dmtx_ex_lock(void *p)
{
	mtx_lock_ex_quick((mtx_t *)p);
	return 0;
}
static __always_inline void bench_dmtx_ex_unlock(void *p, unsigned long how)
{
	mtx_unlock((mtx_t *)p);
}
BENCH_LOCK_WORKER(dfly_mtx_ex_worker, bench_dmtx_ex_lock, bench_dmtx_ex_unlock)

const struct bench_pair bench_pair_dfly_mtx_ex = {
	.name = "dfly_mtx_ex",
	.kind = BENCH_LOCK,
	.impl = {
		{ "bsdsync", "mtx_lock_ex_quick/mtx_unlock (DragonFly mtx)", sizeof(mtx_t),
		  bench_dmtx_init, bench_dmtx_destroy, dfly_mtx_ex_worker },
		{ "linux", "mutex_lock/mutex_unlock", sizeof(struct mutex),
		  dfly_linux_mutex_init, dfly_linux_mutex_destroy, dfly_linux_mutex_worker },
	},
};

/* ---- dfly_serializer: lwkt_serialize vs struct mutex ------------------------------------- */

static int dfly_slz_init(void *p)
{
	lwkt_serialize_init((lwkt_serialize_t)p);
	return 0;
}
static void dfly_slz_destroy(void *p) { }
static __always_inline unsigned long bench_slz_lock(void *p)
{
	lwkt_serialize_enter((lwkt_serialize_t)p);
	return 0;
}
static __always_inline void bench_slz_unlock(void *p, unsigned long how)
{
	lwkt_serialize_exit((lwkt_serialize_t)p);
}
BENCH_LOCK_WORKER(dfly_slz_worker, bench_slz_lock, bench_slz_unlock)

const struct bench_pair bench_pair_dfly_serializer = {
	.name = "dfly_serializer",
	.kind = BENCH_LOCK,
	.impl = {
		{ "bsdsync", "lwkt_serialize_enter/lwkt_serialize_exit (DragonFly serializer)",
		  sizeof(struct lwkt_serialize), dfly_slz_init, dfly_slz_destroy, dfly_slz_worker },
		{ "linux", "mutex_lock/mutex_unlock", sizeof(struct mutex),
		  dfly_linux_mutex_init, dfly_linux_mutex_destroy, dfly_linux_mutex_worker },
	},
};

/* ---- dfly_msg: a message passed between two threads' spin ports vs a completion pair ----- */

/* One port (and one completion) per direction, as the sema pair has one semaphore per
 * direction: give(to) sends the one message to `to`'s port, take(me) receives it from mine
 * (lwkt_getport first, to tell whether the taker blocked; then lwkt_waitport). A DragonFly
 * driver's service thread receives requests on its port the same way. */
struct dfly_msg_state {
	struct lwkt_port port[2];
	struct lwkt_msg msg;
};

static int bench_dmsg_init(void *p)
{
	struct dfly_msg_state *s = p;

	lwkt_initport_spin(&s->port[0], NULL, 0);
	lwkt_initport_spin(&s->port[1], NULL, 0);
	lwkt_initmsg(&s->msg, &s->port[0], 0);
	lwkt_sendmsg(&s->port[0], &s->msg);	/* thread 0 starts with it */
	return 0;
}
static void bench_dmsg_destroy(void *p)
{
	struct dfly_msg_state *s = p;

	/* The message ends on one of the ports: take it off, so nothing stays queued. */
	if (!lwkt_getport(&s->port[0]))
		lwkt_getport(&s->port[1]);
}
static __always_inline bool bench_dmsg_take(void *p, int me)
{
	struct dfly_msg_state *s = p;

	if (lwkt_getport(&s->port[me]))
		return false;
	lwkt_waitport(&s->port[me], 0);
	return true;
}
static __always_inline void bench_dmsg_give(void *p, struct bench_chan *c, int to)
{
	struct dfly_msg_state *s = p;

	bench_stamp(c);
	lwkt_sendmsg(&s->port[to], &s->msg);
}
BENCH_HANDOFF_WORKER(dfly_msg_worker, bench_dmsg_take, bench_dmsg_give)

struct linux_completion_state {
	struct completion done[2];
};

static int linux_completion_init(void *p)
{
	struct linux_completion_state *s = p;

	init_completion(&s->done[0]);
	init_completion(&s->done[1]);
	complete(&s->done[0]);	/* thread 0 starts with the token */
	return 0;
}
static void linux_completion_destroy(void *p) { }
static __always_inline bool linux_completion_take(void *p, int me)
{
	struct linux_completion_state *s = p;

	if (try_wait_for_completion(&s->done[me]))
		return false;
	wait_for_completion(&s->done[me]);
	return true;
}
static __always_inline void linux_completion_give(void *p, struct bench_chan *c, int to)
{
	struct linux_completion_state *s = p;

	bench_stamp(c);
	complete(&s->done[to]);
}
BENCH_HANDOFF_WORKER(linux_completion_worker, linux_completion_take, linux_completion_give)

const struct bench_pair bench_pair_dfly_msg = {
	.name = "dfly_msg",
	.kind = BENCH_HANDOFF,
	.impl = {
		{ "bsdsync", "lwkt_sendmsg/lwkt_waitport (DragonFly spin ports, one per direction)",
		  sizeof(struct dfly_msg_state), bench_dmsg_init, bench_dmsg_destroy,
		  dfly_msg_worker },
		{ "linux", "complete/wait_for_completion (one completion per direction)",
		  sizeof(struct linux_completion_state), linux_completion_init,
		  linux_completion_destroy, linux_completion_worker },
	},
};
