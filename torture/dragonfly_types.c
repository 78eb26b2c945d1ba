// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The DragonFly personality's lock types for bsdsync_torture.ko (torture/torture.h), built
 * against DragonFly's face (-I include/dragonfly) as a ported driver is: the spinlock,
 * exclusive holders against shared ones. Tokens, lockmgr, mtx and the serializer join with
 * one entry each as they land.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>

#include "torture.h"

static struct spinlock tspin;

static void spin_t_init(void) { spin_init(&tspin, "torture spinlock"); }
static void spin_t_fini(void) { spin_uninit(&tspin); }
static void spin_t_lock(struct torture_scratch *s) { spin_lock(&tspin); }
static void spin_t_unlock(struct torture_scratch *s) { spin_unlock(&tspin); }
static void spin_t_lock_shared(struct torture_scratch *s) { spin_lock_shared(&tspin); }
static void spin_t_unlock_shared(struct torture_scratch *s) { spin_unlock_shared(&tspin); }

const struct torture_type torture_dragonfly_types[] = {
	{ .name = "dfly_spinlock", .init = spin_t_init, .destroy = spin_t_fini,
	  .excl_lock = spin_t_lock, .excl_unlock = spin_t_unlock,
	  .shared_lock = spin_t_lock_shared, .shared_unlock = spin_t_unlock_shared,
	  .atomic_section = 1 },
	{ .name = NULL }
};
