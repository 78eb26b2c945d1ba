// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The DragonFly personality's lock types for bsdsync_torture.ko (torture/torture.h), built
 * against DragonFly's face (-I include/dragonfly) as a ported driver is: the spinlock, the
 * LWKT token, lockmgr, mtx (each exclusive holders against shared ones) and the serializer
 * (exclusive only).
 *
 * The token is the odd one: it is held only while its holder runs (released whenever the
 * holder blocks, held again before it runs on), so its section must not block, or a second
 * holder would come in meanwhile by design: its entry does not set sleeps_in_section.
 * Instead its lock function sometimes blocks right after taking the token, before the
 * section starts: one tick in DragonFly's tsleep (the core's blocking tail drops and
 * retakes the token) or a Linux usleep_range (the scheduler hook does): the token must be
 * held again, exclusively or shared as taken, when the sleep returns, which the section's
 * occupancy check then sees.
 */
#include <sys/param.h>
#include <sys/systm.h>		/* tsleep; and <linux/delay.h>'s usleep_range */
#include <sys/thread.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/mutex2.h>
#include <sys/serialize.h>

#include "torture.h"

static struct spinlock tspin;
static struct lwkt_token ttok;
static struct lock tlk;
static mtx_t tmtx;
static struct lwkt_serialize tslz;
static int tchan;		/* the token holders' tsleep channel: nobody wakes it */

/* ---- spinlock ---- */
static void spin_t_init(void) { spin_init(&tspin, "torture spinlock"); }
static void spin_t_fini(void) { spin_uninit(&tspin); }
static void spin_t_lock(struct torture_scratch *s) { spin_lock(&tspin); }
static void spin_t_unlock(struct torture_scratch *s) { spin_unlock(&tspin); }
static void spin_t_lock_shared(struct torture_scratch *s) { spin_lock_shared(&tspin); }
static void spin_t_unlock_shared(struct torture_scratch *s) { spin_unlock_shared(&tspin); }

/* ---- LWKT token: exclusive writers, shared readers ---- */
/* Sometimes (1 in 16 each) block holding the token, before the section. */
static void token_t_block_sometimes(struct torture_scratch *s)
{
	switch (s->random % 32) {
	case 0:
		tsleep(&tchan, 0, "torttok", 1);	/* times out: EWOULDBLOCK */
		break;
	case 1:
		usleep_range(50, 100);			/* Linux's sleep */
		break;
	}
}
static void token_t_init(void) { lwkt_token_init(&ttok, "torture token"); }
static void token_t_fini(void) { lwkt_token_uninit(&ttok); }
static void token_t_lock(struct torture_scratch *s)
{
	lwkt_gettoken(&ttok);
	token_t_block_sometimes(s);
}
static void token_t_lock_shared(struct torture_scratch *s)
{
	lwkt_gettoken_shared(&ttok);
	token_t_block_sometimes(s);
}
static void token_t_unlock(struct torture_scratch *s) { lwkt_reltoken(&ttok); }

/* ---- lockmgr ---- */
static void lk_t_init(void) { lockinit(&tlk, "torture dfly lockmgr", 0, 0); }
static void lk_t_fini(void) { lockuninit(&tlk); }
static void lk_t_xlock(struct torture_scratch *s) { lockmgr(&tlk, LK_EXCLUSIVE); }
static void lk_t_slock(struct torture_scratch *s) { lockmgr(&tlk, LK_SHARED); }
static void lk_t_unlock(struct torture_scratch *s) { lockmgr(&tlk, LK_RELEASE); }

/* ---- mtx ---- */
static void mtx_t_init(void) { mtx_init(&tmtx, "torture dfly mtx"); }
static void mtx_t_fini(void) { mtx_uninit(&tmtx); }
static void mtx_t_xlock(struct torture_scratch *s) { mtx_lock_ex_quick(&tmtx); }
static void mtx_t_slock(struct torture_scratch *s) { mtx_lock_sh_quick(&tmtx); }
static void mtx_t_unlock(struct torture_scratch *s) { mtx_unlock(&tmtx); }

/* ---- serializer ---- */
static void slz_t_init(void) { lwkt_serialize_init(&tslz); }
static void slz_t_fini(void) { }
static void slz_t_enter(struct torture_scratch *s) { lwkt_serialize_enter(&tslz); }
static void slz_t_exit(struct torture_scratch *s) { lwkt_serialize_exit(&tslz); }

const struct torture_type torture_dragonfly_types[] = {
	{ .name = "dfly_spinlock", .init = spin_t_init, .destroy = spin_t_fini,
	  .excl_lock = spin_t_lock, .excl_unlock = spin_t_unlock,
	  .shared_lock = spin_t_lock_shared, .shared_unlock = spin_t_unlock_shared,
	  .atomic_section = 1 },
	{ .name = "dfly_token", .init = token_t_init, .destroy = token_t_fini,
	  .excl_lock = token_t_lock, .excl_unlock = token_t_unlock,
	  .shared_lock = token_t_lock_shared, .shared_unlock = token_t_unlock },
	{ .name = "dfly_lockmgr", .init = lk_t_init, .destroy = lk_t_fini,
	  .excl_lock = lk_t_xlock, .excl_unlock = lk_t_unlock,
	  .shared_lock = lk_t_slock, .shared_unlock = lk_t_unlock, .sleeps_in_section = 1 },
	{ .name = "dfly_mtx", .init = mtx_t_init, .destroy = mtx_t_fini,
	  .excl_lock = mtx_t_xlock, .excl_unlock = mtx_t_unlock,
	  .shared_lock = mtx_t_slock, .shared_unlock = mtx_t_unlock, .sleeps_in_section = 1 },
	{ .name = "dfly_serializer", .init = slz_t_init, .destroy = slz_t_fini,
	  .excl_lock = slz_t_enter, .excl_unlock = slz_t_exit, .sleeps_in_section = 1 },
	{ .name = NULL }
};
