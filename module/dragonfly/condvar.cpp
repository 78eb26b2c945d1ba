/*
 * DragonFly's condition variables (kern_condvar.c), for code ported from FreeBSD: a waiter
 * queues itself on the cv (tsleep_interlock) and counts itself in cv_waiters, both under
 * cv_lock, then releases its lockmgr interlock (if any), sleeps (tsleep, PINTERLOCKED: a
 * signal between the release and the sleep is not lost: it finds the waiter queued), and
 * takes the lock back EXCLUSIVELY, as DragonFly does. cv_signal wakes one waiter
 * (wakeup_one) and cv_broadcast all of them, both only if cv_waiters says someone waits,
 * under cv_lock. A waiter that times out or is interrupted leaves its count behind (as in
 * DragonFly): a later signal then spends itself on nobody, which a cv user tolerates (it
 * re-checks its condition under its lock anyway).
 * Everything blocking is sleep.cpp's tsleep (so the core's blocking tail and its hooks);
 * nothing here sleeps on its own.
 */
#include <bsdsync/dragonfly/condvar.h>
#include "dragonfly/dragonfly.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

extern "C" {

void dfly_cv_init(struct cv *c, const char *desc)
{
	c->cv_lock.counta = 0;
	c->cv_lock.countb = 0;
	c->cv_lock.descr = desc;
	c->cv_waiters = 0;
	c->cv_desc = desc;
}

void dfly_cv_destroy(struct cv *c, const char *file, int line)
{
	(void)c;	/* spin_uninit: nothing to undo, as in DragonFly */
	(void)file;
	(void)line;
}

int dfly_cv_timedwait(struct cv *c, struct lock *lk, int timo, int wakesig, const char *file,
		      int line)
{
	int flags = wakesig ? BSDSYNC_DFLY_PCATCH : 0;
	dfly_spin_lock(&c->cv_lock, file, line);
	dfly_tsleep_interlock(c, flags, file, line);
	c->cv_waiters++;
	dfly_spin_unlock(&c->cv_lock, file, line);
	if (lk)
		dfly_lockmgr(lk, BSDSYNC_DFLY_LK_RELEASE, file, line);
	int error = dfly_tsleep(c, flags | BSDSYNC_DFLY_PINTERLOCKED, c->cv_desc, timo, file,
				line);
	if (lk)
		dfly_lockmgr(lk, BSDSYNC_DFLY_LK_EXCLUSIVE, file, line);
	return error;
}

void dfly_cv_signal(struct cv *c, int broadcast)
{
	dfly_spin_lock(&c->cv_lock, __FILE__, __LINE__);
	if (c->cv_waiters > 0) {
		if (broadcast) {
			c->cv_waiters = 0;
			dfly_wakeup(c);
		} else {
			c->cv_waiters--;
			dfly_wakeup_one(c);
		}
	}
	dfly_spin_unlock(&c->cv_lock, __FILE__, __LINE__);
}

int dfly_cv_has_waiters(struct cv *c)
{
	return load_relaxed(&c->cv_waiters) != 0;
}

} // extern "C"
