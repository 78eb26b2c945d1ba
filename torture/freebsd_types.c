// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The FreeBSD personality's lock types for bsdsync_torture.ko (torture/torture.h), built
 * against FreeBSD's face (-I include/freebsd) as a ported driver is: the sleep mutex, the
 * spin mutex, a recursive sleep mutex (the writer recurses 1-3 levels), sx, rw, rm, rms,
 * lockmgr, and a sema(9) of count 1 used as a lock.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/sx.h>
#include <sys/rwlock.h>
#include <sys/rmlock.h>
#include <sys/lockmgr.h>
#include <sys/sema.h>

#include "torture.h"

static struct mtx tmtx;
static struct sx tsx;
static struct rwlock trw;
static struct rmlock trm;
static struct rmslock trms;
static struct lock tlk;
static struct sema tsema;

/* ---- mtx (MTX_DEF) ---- */
static void mtx_def_init(void) { mtx_init(&tmtx, "torture mtx", NULL, MTX_DEF); }
static void mtx_fini(void) { mtx_destroy(&tmtx); }
static void mtx_def_lock(struct torture_scratch *s) { mtx_lock(&tmtx); }
static void mtx_def_unlock(struct torture_scratch *s) { mtx_unlock(&tmtx); }

/* ---- mtx (MTX_SPIN) ---- */
static void mtx_spin_init(void) { mtx_init(&tmtx, "torture spin mtx", NULL, MTX_SPIN); }
static void mtx_spin_lock(struct torture_scratch *s) { mtx_lock_spin(&tmtx); }
static void mtx_spin_unlock(struct torture_scratch *s) { mtx_unlock_spin(&tmtx); }

/* ---- recursive mtx: 1 to 3 levels (the depth kept in the scratch) ---- */
static void mtx_recurse_init(void)
{
	mtx_init(&tmtx, "torture recursive mtx", NULL, MTX_DEF | MTX_RECURSE);
}
static void mtx_recurse_lock(struct torture_scratch *s)
{
	unsigned int depth = 1 + s->random % 3;

	s->bytes[0] = depth;
	while (depth--)
		mtx_lock(&tmtx);
}
static void mtx_recurse_unlock(struct torture_scratch *s)
{
	for (unsigned long long depth = s->bytes[0]; depth; depth--)
		mtx_unlock(&tmtx);
}

/* ---- sx ---- */
static void sx_t_init(void) { sx_init(&tsx, "torture sx"); }
static void sx_t_fini(void) { sx_destroy(&tsx); }
static void sx_t_xlock(struct torture_scratch *s) { sx_xlock(&tsx); }
static void sx_t_xunlock(struct torture_scratch *s) { sx_xunlock(&tsx); }
static void sx_t_slock(struct torture_scratch *s) { sx_slock(&tsx); }
static void sx_t_sunlock(struct torture_scratch *s) { sx_sunlock(&tsx); }

/* ---- rw ---- */
static void rw_t_init(void) { rw_init(&trw, "torture rw"); }
static void rw_t_fini(void) { rw_destroy(&trw); }
static void rw_t_wlock(struct torture_scratch *s) { rw_wlock(&trw); }
static void rw_t_wunlock(struct torture_scratch *s) { rw_wunlock(&trw); }
static void rw_t_rlock(struct torture_scratch *s) { rw_rlock(&trw); }
static void rw_t_runlock(struct torture_scratch *s) { rw_runlock(&trw); }

/* ---- rm (the reader's tracker in its scratch) ---- */
_Static_assert(sizeof(struct rm_priotracker) <= TORTURE_SCRATCH_BYTES,
	       "torture.h: grow TORTURE_SCRATCH_BYTES");
static void rm_t_init(void) { rm_init(&trm, "torture rm"); }
static void rm_t_fini(void) { rm_destroy(&trm); }
static void rm_t_wlock(struct torture_scratch *s) { rm_wlock(&trm); }
static void rm_t_wunlock(struct torture_scratch *s) { rm_wunlock(&trm); }
static void rm_t_rlock(struct torture_scratch *s)
{
	rm_rlock(&trm, (struct rm_priotracker *)s->bytes);
}
static void rm_t_runlock(struct torture_scratch *s)
{
	rm_runlock(&trm, (struct rm_priotracker *)s->bytes);
}

/* ---- rms ---- */
static void rms_t_init(void) { rms_init(&trms, "torture rms"); }
static void rms_t_fini(void) { rms_destroy(&trms); }
static void rms_t_wlock(struct torture_scratch *s) { rms_wlock(&trms); }
static void rms_t_wunlock(struct torture_scratch *s) { rms_wunlock(&trms); }
static void rms_t_rlock(struct torture_scratch *s) { rms_rlock(&trms); }
static void rms_t_runlock(struct torture_scratch *s) { rms_runlock(&trms); }

/* ---- lockmgr ---- */
static void lk_t_init(void) { lockinit(&tlk, PVFS, "torture lockmgr", 0, 0); }
static void lk_t_fini(void) { lockdestroy(&tlk); }
static void lk_t_xlock(struct torture_scratch *s) { lockmgr(&tlk, LK_EXCLUSIVE, NULL); }
static void lk_t_slock(struct torture_scratch *s) { lockmgr(&tlk, LK_SHARED, NULL); }
static void lk_t_unlock(struct torture_scratch *s) { lockmgr(&tlk, LK_RELEASE, NULL); }

/* ---- sema(9) of count 1 as a lock ---- */
static void sema_t_init(void) { sema_init(&tsema, 1, "torture sema"); }
static void sema_t_fini(void) { sema_destroy(&tsema); }
static void sema_t_wait(struct torture_scratch *s) { sema_wait(&tsema); }
static void sema_t_post(struct torture_scratch *s) { sema_post(&tsema); }

const struct torture_type torture_freebsd_types[] = {
	{ .name = "mtx", .init = mtx_def_init, .destroy = mtx_fini,
	  .excl_lock = mtx_def_lock, .excl_unlock = mtx_def_unlock },
	{ .name = "mtx_spin", .init = mtx_spin_init, .destroy = mtx_fini,
	  .excl_lock = mtx_spin_lock, .excl_unlock = mtx_spin_unlock, .atomic_section = 1 },
	{ .name = "mtx_recurse", .init = mtx_recurse_init, .destroy = mtx_fini,
	  .excl_lock = mtx_recurse_lock, .excl_unlock = mtx_recurse_unlock },
	{ .name = "sx", .init = sx_t_init, .destroy = sx_t_fini,
	  .excl_lock = sx_t_xlock, .excl_unlock = sx_t_xunlock,
	  .shared_lock = sx_t_slock, .shared_unlock = sx_t_sunlock, .sleeps_in_section = 1 },
	{ .name = "rw", .init = rw_t_init, .destroy = rw_t_fini,
	  .excl_lock = rw_t_wlock, .excl_unlock = rw_t_wunlock,
	  .shared_lock = rw_t_rlock, .shared_unlock = rw_t_runlock },
	{ .name = "rm", .init = rm_t_init, .destroy = rm_t_fini,
	  .excl_lock = rm_t_wlock, .excl_unlock = rm_t_wunlock,
	  .shared_lock = rm_t_rlock, .shared_unlock = rm_t_runlock },
	{ .name = "rms", .init = rms_t_init, .destroy = rms_t_fini,
	  .excl_lock = rms_t_wlock, .excl_unlock = rms_t_wunlock,
	  .shared_lock = rms_t_rlock, .shared_unlock = rms_t_runlock, .sleeps_in_section = 1 },
	{ .name = "lockmgr", .init = lk_t_init, .destroy = lk_t_fini,
	  .excl_lock = lk_t_xlock, .excl_unlock = lk_t_unlock,
	  .shared_lock = lk_t_slock, .shared_unlock = lk_t_unlock, .sleeps_in_section = 1 },
	{ .name = "sema", .init = sema_t_init, .destroy = sema_t_fini,
	  .excl_lock = sema_t_wait, .excl_unlock = sema_t_post, .sleeps_in_section = 1 },
	{ .name = NULL }
};
