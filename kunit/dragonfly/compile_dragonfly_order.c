// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Compile test, DragonFly order: DragonFly's headers first, then Linux's (whose inline
 * functions that take spinlock_t locks are parsed after the face's macros and must still
 * call Linux). bt_dragonfly_order_driver() returns 321 when every step worked.
 */
#include <sys/types.h>
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread2.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/mutex2.h>
#include <sys/serialize.h>
#include <sys/condvar.h>
#include <sys/msgport.h>
#include <sys/msgport2.h>
#include <machine/atomic.h>
#include <sys/thread.h>
#include <sys/mplock2.h>

#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/wait.h>
#include <linux/completion.h>
#include <linux/delay.h>

int bt_dragonfly_order_driver(void);

int bt_dragonfly_order_driver(void)
{
	struct spinlock s;
	spinlock_t l;
	struct completion c;
	struct lwkt_token tok;
	int r = 0, chan;

	spin_init(&s, "order");
	lwkt_token_init(&tok, "order");
	spin_lock_init(&l);
	init_completion(&c);
	complete(&c);				/* Linux inline code taking a spinlock_t */
	wait_for_completion(&c);
	spin_lock(&l);
	r += 1;
	spin_unlock(&l);
	crit_enter();
	spin_lock(&s);
	r += 20;
	spin_unlock(&s);
	crit_exit();
	lwkt_gettoken(&tok);
	get_mplock();
	if (tsleep(&chan, 0, "order", 1) == EWOULDBLOCK && MP_LOCK_HELD() &&
	    LWKT_TOKEN_HELD_EXCL(&tok))
		r += 300;
	rel_mplock();
	lwkt_reltoken(&tok);
	return r;
}
