// SPDX-License-Identifier: BSD-2-Clause
/*
 * Hand-off pairs (BENCH_HANDOFF): two threads pass a token back and forth, each side in
 * the idiom its system uses (bench.h describes the loop and what latency means).
 *
 *   cv     cv_wait/cv_signal under an MTX_DEF mutex  vs  a wait queue under a mutex
 *          (wait_event_cmd dropping the mutex across the sleep, wake_up under it)
 *   sleep  msleep/wakeup on a channel, interlocked by an MTX_DEF mutex  vs
 *          wait_event/wake_up with a lock-free condition. tsleep is msleep without the
 *          interlock, which loses a wakeup that lands between the check and the sleep;
 *          a FreeBSD driver hands off with msleep, so that is what is measured.
 *   sema   sema_wait/sema_post (one semaphore per direction)  vs  down/up on struct
 *          semaphore. Whether the taker blocks is told by a trywait first, on both sides.
 */
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/semaphore.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/sema.h>

#include "bench.h"

/* ---- cv: condvar under a mutex vs wait queue under a mutex ----------------------------- */

struct bsd_cv_state {
	struct mtx mtx;
	struct cv cv;
	int token;		/* which of the two holds it; under mtx */
};

static int bsd_cv_init(void *p)
{
	struct bsd_cv_state *s = p;

	mtx_init(&s->mtx, "bench cv", NULL, MTX_DEF);
	cv_init(&s->cv, "bench cv");
	s->token = 0;
	return 0;
}
static void bsd_cv_destroy(void *p)
{
	struct bsd_cv_state *s = p;

	cv_destroy(&s->cv);
	mtx_destroy(&s->mtx);
}
static __always_inline bool bsd_cv_take(void *p, int me)
{
	struct bsd_cv_state *s = p;
	bool blocked = false;

	mtx_lock(&s->mtx);
	while (s->token != me) {
		blocked = true;
		cv_wait(&s->cv, &s->mtx);
	}
	return blocked;
}
static __always_inline void bsd_cv_give(void *p, struct bench_chan *c, int to)
{
	struct bsd_cv_state *s = p;

	bench_stamp(c);
	s->token = to;
	cv_signal(&s->cv);
	mtx_unlock(&s->mtx);
}
BENCH_HANDOFF_WORKER(bsd_cv_worker, bsd_cv_take, bsd_cv_give)

struct linux_cv_state {
	struct mutex mutex;
	wait_queue_head_t wq;
	int token;		/* under mutex */
};

static int linux_cv_init(void *p)
{
	struct linux_cv_state *s = p;

	mutex_init(&s->mutex);
	init_waitqueue_head(&s->wq);
	s->token = 0;
	return 0;
}
static void linux_cv_destroy(void *p)
{
	mutex_destroy(&((struct linux_cv_state *)p)->mutex);
}
static __always_inline bool linux_cv_take(void *p, int me)
{
	struct linux_cv_state *s = p;

	mutex_lock(&s->mutex);
	if (s->token == me)
		return false;
	/* The condition is evaluated with the mutex held; it is dropped only to sleep. */
	wait_event_cmd(s->wq, READ_ONCE(s->token) == me, mutex_unlock(&s->mutex),
		       mutex_lock(&s->mutex));
	return true;
}
static __always_inline void linux_cv_give(void *p, struct bench_chan *c, int to)
{
	struct linux_cv_state *s = p;

	bench_stamp(c);
	s->token = to;
	wake_up(&s->wq);
	mutex_unlock(&s->mutex);
}
BENCH_HANDOFF_WORKER(linux_cv_worker, linux_cv_take, linux_cv_give)

const struct bench_pair bench_pair_cv = {
	.name = "cv",
	.kind = BENCH_HANDOFF,
	.impl = {
		{ "bsdsync", "cv_wait/cv_signal under mtx (MTX_DEF)", sizeof(struct bsd_cv_state),
		  bsd_cv_init, bsd_cv_destroy, bsd_cv_worker },
		{ "linux", "wait_event_cmd/wake_up under mutex", sizeof(struct linux_cv_state),
		  linux_cv_init, linux_cv_destroy, linux_cv_worker },
	},
};

/* ---- sleep: msleep/wakeup vs wait_event/wake_up --------------------------------------- */

struct bsd_sleep_state {
	struct mtx mtx;
	int token;		/* under mtx; its address is the wait channel */
};

static int bsd_sleep_init(void *p)
{
	struct bsd_sleep_state *s = p;

	mtx_init(&s->mtx, "bench sleep", NULL, MTX_DEF);
	s->token = 0;
	return 0;
}
static void bsd_sleep_destroy(void *p)
{
	mtx_destroy(&((struct bsd_sleep_state *)p)->mtx);
}
static __always_inline bool bsd_sleep_take(void *p, int me)
{
	struct bsd_sleep_state *s = p;
	bool blocked = false;

	mtx_lock(&s->mtx);
	while (s->token != me) {
		blocked = true;
		msleep(&s->token, &s->mtx, PWAIT, "benchtok", 0);
	}
	return blocked;
}
static __always_inline void bsd_sleep_give(void *p, struct bench_chan *c, int to)
{
	struct bsd_sleep_state *s = p;

	bench_stamp(c);
	s->token = to;
	wakeup(&s->token);
	mtx_unlock(&s->mtx);
}
BENCH_HANDOFF_WORKER(bsd_sleep_worker, bsd_sleep_take, bsd_sleep_give)

struct linux_sleep_state {
	wait_queue_head_t wq;
	int token;
};

static int linux_sleep_init(void *p)
{
	struct linux_sleep_state *s = p;

	init_waitqueue_head(&s->wq);
	s->token = 0;
	return 0;
}
static void linux_sleep_destroy(void *p) { }
static __always_inline bool linux_sleep_take(void *p, int me)
{
	struct linux_sleep_state *s = p;

	/* Acquire: pairs with the giver's release store, so the data the giver wrote (the
	 * time stamp, the critical section's) is seen. */
	if (smp_load_acquire(&s->token) == me)
		return false;
	wait_event(s->wq, smp_load_acquire(&s->token) == me);
	return true;
}
static __always_inline void linux_sleep_give(void *p, struct bench_chan *c, int to)
{
	struct linux_sleep_state *s = p;

	bench_stamp(c);
	smp_store_release(&s->token, to);
	wake_up(&s->wq);
}
BENCH_HANDOFF_WORKER(linux_sleep_worker, linux_sleep_take, linux_sleep_give)

const struct bench_pair bench_pair_sleep = {
	.name = "sleep",
	.kind = BENCH_HANDOFF,
	.impl = {
		{ "bsdsync", "msleep/wakeup (mtx interlock)", sizeof(struct bsd_sleep_state),
		  bsd_sleep_init, bsd_sleep_destroy, bsd_sleep_worker },
		{ "linux", "wait_event/wake_up", sizeof(struct linux_sleep_state),
		  linux_sleep_init, linux_sleep_destroy, linux_sleep_worker },
	},
};

/* ---- sema: sema(9) vs struct semaphore ------------------------------------------------ */

/* One semaphore per direction: s[me] counts the token for thread `me`. A lone thread uses
 * s[0] for both. */
struct bsd_sema_state {
	struct sema s[2];
};

static int bsd_sema_init(void *p)
{
	struct bsd_sema_state *s = p;

	sema_init(&s->s[0], 1, "bench sema0");
	sema_init(&s->s[1], 0, "bench sema1");
	return 0;
}
static void bsd_sema_destroy(void *p)
{
	struct bsd_sema_state *s = p;

	sema_destroy(&s->s[0]);
	sema_destroy(&s->s[1]);
}
static __always_inline bool bsd_sema_take(void *p, int me)
{
	struct bsd_sema_state *s = p;

	if (sema_trywait(&s->s[me]))
		return false;
	sema_wait(&s->s[me]);
	return true;
}
static __always_inline void bsd_sema_give(void *p, struct bench_chan *c, int to)
{
	struct bsd_sema_state *s = p;

	bench_stamp(c);
	sema_post(&s->s[to]);
}
BENCH_HANDOFF_WORKER(bsd_sema_worker, bsd_sema_take, bsd_sema_give)

struct linux_sema_state {
	struct semaphore s[2];
};

static int linux_sema_init(void *p)
{
	struct linux_sema_state *s = p;

	sema_init(&s->s[0], 1);		/* two arguments: Linux's sema_init */
	sema_init(&s->s[1], 0);
	return 0;
}
static void linux_sema_destroy(void *p) { }
static __always_inline bool linux_sema_take(void *p, int me)
{
	struct linux_sema_state *s = p;

	if (!down_trylock(&s->s[me]))
		return false;
	down(&s->s[me]);
	return true;
}
static __always_inline void linux_sema_give(void *p, struct bench_chan *c, int to)
{
	struct linux_sema_state *s = p;

	bench_stamp(c);
	up(&s->s[to]);
}
BENCH_HANDOFF_WORKER(linux_sema_worker, linux_sema_take, linux_sema_give)

const struct bench_pair bench_pair_sema = {
	.name = "sema",
	.kind = BENCH_HANDOFF,
	.impl = {
		{ "bsdsync", "sema_wait/sema_post", sizeof(struct bsd_sema_state),
		  bsd_sema_init, bsd_sema_destroy, bsd_sema_worker },
		{ "linux", "down/up (struct semaphore)", sizeof(struct linux_sema_state),
		  linux_sema_init, linux_sema_destroy, linux_sema_worker },
	},
};
