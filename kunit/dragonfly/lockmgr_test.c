// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly's lockmgr as a ported driver uses it (bsd-api-reference.md section 25, modern
 * kern_lock.c): lockinit without priority, lockmgr(lkp, flags) without interlock, the
 * operation codes, LK_NOWAIT / LK_SLEEPFAIL / LK_TIMELOCK / LK_PCATCH / LK_CANRECURSE,
 * LK_CANCEL_BEG/END failing LK_CANCELABLE requests with ENOLCK, a shared request by the
 * exclusive holder adding an exclusive count, upgrades (the upgrader comes first;
 * EXCLUPGRADE fails when another upgrade is pending), downgrade, lockstatus / lockowned /
 * lockinuse / lockmgr_try, LOCK_SYSINIT, lksleep; the misuse reports; lock events; and a
 * stress of every operation by several threads.
 */
#include <linux/atomic.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

#include "harness.h"
#include <bsdsync/lock_events.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>
#include <sys/thread.h>

#define WORD(lk)	((unsigned long long)READ_ONCE((lk)->lk_count))
#define XCOUNT(lk)	((unsigned)(WORD(lk) & LKC_XMASK))
#define SCOUNT(lk)	((unsigned)(WORD(lk) >> 32))
#define HOLDER(lk)	((void *)READ_ONCE((lk)->lk_lockholder))

/* ---- a worker that makes one request, then holds what it got until told ----------------- */

struct req {
	struct lock *lk;
	unsigned int flags;
	int result;
	int done;
	int keep;			/* hold what it got until `release` */
	struct completion release;
	int after_release;		/* LK_RELEASE's result */
};

static void req_main(void *arg)
{
	struct req *r = arg;

	r->result = lockmgr(r->lk, r->flags);
	WRITE_ONCE(r->done, 1);
	if (r->keep) {
		wait_for_completion(&r->release);
		if (r->result == 0)
			r->after_release = lockmgr(r->lk, LK_RELEASE);
	}
}

static void req_start(struct kunit *test, struct bt_thread *t, struct req *r, struct lock *lk,
		      unsigned int flags, int keep)
{
	memset(r, 0, sizeof(*r));
	r->lk = lk;
	r->flags = flags;
	r->keep = keep;
	init_completion(&r->release);
	bt_start(test, t, req_main, r, "dfly-lk");
}

static void req_end(struct bt_thread *t, struct req *r)
{
	complete(&r->release);
	bt_join(t);
}

/* ---- exclusion ------------------------------------------------------------------------------ */

static void exclusive_hold_excludes_every_other_request(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct req r;

	lockinit(&lk, "excl", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	KUNIT_EXPECT_PTR_EQ(test, HOLDER(&lk), (void *)current);
	req_start(test, &t, &r, &lk, LK_EXCLUSIVE | LK_NOWAIT, 0);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, r.result, EBUSY);
	req_start(test, &t, &r, &lk, LK_SHARED | LK_NOWAIT, 0);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, r.result, EBUSY);
	/* A blocking request waits for the release, then holds it. */
	req_start(test, &t, &r, &lk, LK_EXCLUSIVE, 1);
	BT_WAIT_UNTIL(test, WORD(&lk) & LKC_EXREQ);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLOTHER);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, r.after_release, 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), 0);
	KUNIT_EXPECT_EQ(test, WORD(&lk), 0ULL);
	lockuninit(&lk);
}

static void shared_holders_are_many_and_exclude_an_exclusive_one(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t[2], tx;
	struct req r[2], rx;

	lockinit(&lk, "shared", 0, 0);
	req_start(test, &t[0], &r[0], &lk, LK_SHARED, 1);
	req_start(test, &t[1], &r[1], &lk, LK_SHARED, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r[0].done) && READ_ONCE(r[1].done));
	KUNIT_EXPECT_EQ(test, r[0].result, 0);
	KUNIT_EXPECT_EQ(test, r[1].result, 0);
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 2U);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), LK_SHARED);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT), EBUSY);
	req_start(test, &tx, &rx, &lk, LK_EXCLUSIVE, 1);
	BT_WAIT_UNTIL(test, WORD(&lk) & LKC_EXREQ);
	/* A writer waits: a new reader waits behind it (writers are not starved). */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT), EBUSY);
	req_end(&t[0], &r[0]);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(rx.done));
	req_end(&t[1], &r[1]);
	BT_WAIT_UNTIL(test, READ_ONCE(rx.done));
	KUNIT_EXPECT_EQ(test, rx.result, 0);
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	req_end(&tx, &rx);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* ---- recursion ------------------------------------------------------------------------------ */

static void shared_request_of_the_exclusive_holder_adds_an_exclusive_count(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "shonex", 0, LK_CANRECURSE);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0));
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 2U);
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 0U);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	KUNIT_EXPECT_TRUE(test, lockowned(&lk));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

static void recursion_needs_lk_canrecurse(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "norecurse", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	/* Per call: allowed; without it and with LK_NOWAIT: EBUSY. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_CANRECURSE), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_CANRECURSE), 0);
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 3U);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT), EBUSY);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT), EBUSY);
	/* Without either: DragonFly panics "locking against myself"; reported, recursed. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0));
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 4U);
	while (XCOUNT(&lk) > 0 && lockowned(&lk))
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* ---- upgrade, downgrade --------------------------------------------------------------------- */

static void upgrade_of_the_sole_sharer_is_immediate(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "up1", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0);
	BT_EXPECT_NO_SLEEP(test, KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE), 0));
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 0U);
	KUNIT_EXPECT_PTR_EQ(test, HOLDER(&lk), (void *)current);
	/* Already exclusive: nothing to do. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUPGRADE), 0);
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

struct upgrader {
	struct lock *lk;
	unsigned int op;
	int got_shared;
	int result;
	int done;
	struct completion go, release;
};

static void upgrader_main(void *arg)
{
	struct upgrader *u = arg;

	lockmgr(u->lk, LK_SHARED);
	WRITE_ONCE(u->got_shared, 1);
	wait_for_completion(&u->go);
	u->result = lockmgr(u->lk, u->op);
	WRITE_ONCE(u->done, 1);
	wait_for_completion(&u->release);
	if (u->result == 0)
		lockmgr(u->lk, LK_RELEASE);
}

static void upgrader_start(struct kunit *test, struct bt_thread *t, struct upgrader *u,
			   struct lock *lk, unsigned int op)
{
	memset(u, 0, sizeof(*u));
	u->lk = lk;
	u->op = op;
	init_completion(&u->go);
	init_completion(&u->release);
	bt_start(test, t, upgrader_main, u, "dfly-up");
	BT_WAIT_UNTIL(test, READ_ONCE(u->got_shared));
}

/* The upgrader waits for the other sharers and is the next owner: an exclusive request
 * queued meanwhile comes after it; new shared requests wait. */
static void upgrade_waits_for_other_sharers_and_comes_first(struct kunit *test)
{
	struct lock lk;
	struct bt_thread tu, tx;
	struct upgrader u;
	struct req rx;

	lockinit(&lk, "upwait", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0);
	upgrader_start(test, &tu, &u, &lk, LK_UPGRADE);
	complete(&u.go);
	BT_WAIT_UNTIL(test, WORD(&lk) & LKC_UPREQ);
	req_start(test, &tx, &rx, &lk, LK_EXCLUSIVE, 1);
	BT_WAIT_UNTIL(test, WORD(&lk) & LKC_EXREQ);
	KUNIT_EXPECT_EQ(test, lockmgr_exclpending(&lk), 1);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(u.done));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);	/* the other sharer goes */
	BT_WAIT_UNTIL(test, READ_ONCE(u.done));
	KUNIT_EXPECT_EQ(test, u.result, 0);
	KUNIT_EXPECT_PTR_EQ(test, HOLDER(&lk), (void *)tu.task);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(rx.done));
	complete(&u.release);
	bt_join(&tu);
	BT_WAIT_UNTIL(test, READ_ONCE(rx.done));
	KUNIT_EXPECT_EQ(test, rx.result, 0);
	req_end(&tx, &rx);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* Another upgrade pending: LK_EXCLUPGRADE fails with EBUSY and its share is gone (then the
 * pending upgrader, alone, gets the lock). */
static void exclupgrade_fails_when_another_upgrade_is_pending(struct kunit *test)
{
	struct lock lk;
	struct bt_thread tu;
	struct upgrader u;

	lockinit(&lk, "exclup", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0);
	upgrader_start(test, &tu, &u, &lk, LK_UPGRADE);
	complete(&u.go);
	BT_WAIT_UNTIL(test, WORD(&lk) & LKC_UPREQ);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUPGRADE), EBUSY);
	BT_WAIT_UNTIL(test, READ_ONCE(u.done));
	KUNIT_EXPECT_EQ(test, u.result, 0);
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLOTHER);
	complete(&u.release);
	bt_join(&tu);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* LK_UPGRADE | LK_NOWAIT with another sharer: EBUSY, the share released. */
static void failed_upgrade_releases_the_shared_hold(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct req r;

	lockinit(&lk, "upfail", 0, 0);
	req_start(test, &t, &r, &lk, LK_SHARED, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0);
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 2U);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE | LK_NOWAIT), EBUSY);
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 1U);
	KUNIT_EXPECT_EQ(test, WORD(&lk) & LKC_UPREQ, 0ULL);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

static void downgrade_keeps_a_shared_hold_and_admits_waiting_sharers(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct req r;

	lockinit(&lk, "down", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	req_start(test, &t, &r, &lk, LK_SHARED, 1);
	BT_WAIT_UNTIL(test, WORD(&lk) & LKC_SHREQ);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, 0);
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 2U);
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 0U);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), LK_SHARED);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* ---- per-call options ----------------------------------------------------------------------- */

static void sleepfail_fails_with_enolck_after_waiting(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct req r;

	lockinit(&lk, "slpfail", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	req_start(test, &t, &r, &lk, LK_EXCLUSIVE | LK_SLEEPFAIL, 1);
	BT_WAIT_UNTIL(test, WORD(&lk) & LKC_EXREQ);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, ENOLCK);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
	req_end(&t, &r);
	/* Not contended: no wait, no failure. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_SLEEPFAIL), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
}

static void timelock_waits_lk_timo_ticks_then_fails(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct req r;

	lockinit(&lk, "timo", 2, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0);
	req_start(test, &t, &r, &lk, LK_EXCLUSIVE | LK_TIMELOCK, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, EWOULDBLOCK);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 1U);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

struct sig_req {
	struct lock *lk;
	int queued_hint;
	int result;
	int done;
};

static void sig_req_main(void *arg)
{
	struct sig_req *s = arg;

	allow_signal(SIGUSR1);
	s->result = lockmgr(s->lk, LK_EXCLUSIVE | LK_PCATCH);
	flush_signals(current);
	WRITE_ONCE(s->done, 1);
}

static void pcatch_wait_ends_on_a_signal(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct sig_req s = { .lk = &lk };

	lockinit(&lk, "pcatch", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	bt_start(test, &t, sig_req_main, &s, "dfly-lksig");
	BT_WAIT_UNTIL(test, WORD(&lk) & LKC_EXREQ);
	send_sig(SIGUSR1, t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s.done));
	KUNIT_EXPECT_EQ(test, s.result, ERESTART);
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	BT_RESCUE(READ_ONCE(s.done), send_sig(SIGUSR1, t.task, 1));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* LK_CANCEL_BEG: cancelable requests, waiting or new, fail with ENOLCK; others keep
 * waiting and get the lock; LK_CANCEL_END (or the final release) ends it. */
static void cancel_beg_fails_cancelable_requests_with_enolck(struct kunit *test)
{
	struct lock lk;
	struct bt_thread tc, tn, tx;
	struct req rc, rn, rx;

	lockinit(&lk, "cancel", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	req_start(test, &tc, &rc, &lk, LK_EXCLUSIVE | LK_CANCELABLE, 1);
	req_start(test, &tn, &rn, &lk, LK_SHARED, 1);
	BT_WAIT_UNTIL(test, (WORD(&lk) & (LKC_EXREQ | LKC_SHREQ)) == (LKC_EXREQ | LKC_SHREQ));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_CANCEL_BEG), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(rc.done));
	KUNIT_EXPECT_EQ(test, rc.result, ENOLCK);
	/* A new cancelable request fails at once. */
	req_start(test, &tx, &rx, &lk, LK_SHARED | LK_CANCELABLE, 0);
	bt_join(&tx);
	KUNIT_EXPECT_EQ(test, rx.result, ENOLCK);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(rn.done));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_CANCEL_END), 0);
	KUNIT_EXPECT_EQ(test, WORD(&lk) & LKC_CANCEL, 0ULL);
	/* Ended: a cancelable request is an ordinary one again. */
	req_start(test, &tx, &rx, &lk, LK_SHARED | LK_CANCELABLE | LK_NOWAIT, 0);
	bt_join(&tx);
	KUNIT_EXPECT_EQ(test, rx.result, EBUSY);
	/* Cancel again; the final release ends it. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_CANCEL_BEG), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(rn.done));
	KUNIT_EXPECT_EQ(test, rn.result, 0);
	KUNIT_EXPECT_EQ(test, WORD(&lk) & LKC_CANCEL, 0ULL);
	req_end(&tn, &rn);
	req_end(&tc, &rc);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* ---- queries -------------------------------------------------------------------------------- */

static void lockstatus_lockowned_lockinuse_lockmgr_try_tell_the_state(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct req r;

	lockinit(&lk, "queries", 0, 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), 0);
	KUNIT_EXPECT_EQ(test, lockowned(&lk), 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
	KUNIT_EXPECT_TRUE(test, lockmgr_try(&lk, LK_EXCLUSIVE));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockowned(&lk), 1);
	KUNIT_EXPECT_EQ(test, lockmgr_anyexcl(&lk), 1);
	KUNIT_EXPECT_EQ(test, lockmgr_oneexcl(&lk), 1);
	req_start(test, &t, &r, &lk, LK_SHARED | LK_NOWAIT, 0);	/* lockmgr_try's failure */
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, r.result, EBUSY);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	req_start(test, &t, &r, &lk, LK_EXCLUSIVE, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLOTHER);
	KUNIT_EXPECT_EQ(test, lockowned(&lk), 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 1);
	KUNIT_EXPECT_FALSE(test, lockmgr_try(&lk, LK_SHARED));
	req_end(&t, &r);
	KUNIT_EXPECT_TRUE(test, lockmgr_try(&lk, LK_SHARED));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_SHARED);
	KUNIT_EXPECT_EQ(test, lockowned(&lk), 1);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
}

static struct lock sysinit_lock;
LOCK_SYSINIT(kunit_dfly_lock, &sysinit_lock, "sysinit lockmgr", LK_CANRECURSE);

static void lock_sysinit_initialises_the_lock_at_load(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, sysinit_lock.lk_wmesg, "sysinit lockmgr");
	KUNIT_EXPECT_EQ(test, sysinit_lock.lk_flags, (unsigned int)LK_CANRECURSE);
	KUNIT_EXPECT_EQ(test, lockmgr(&sysinit_lock, LK_EXCLUSIVE), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&sysinit_lock, LK_EXCLUSIVE), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&sysinit_lock, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&sysinit_lock, LK_RELEASE), 0);
}

/* ---- lksleep -------------------------------------------------------------------------------- */

struct lks {
	struct lock lk;
	int chan;
	int asleep;
	int error;
	int held_after;
	int done;
};

static void lksleeper_main(void *arg)
{
	struct lks *s = arg;

	lockmgr(&s->lk, LK_SHARED);
	WRITE_ONCE(s->asleep, 1);
	s->error = lksleep(&s->chan, &s->lk, 0, "lksleep", 30 * hz);
	s->held_after = lockstatus(&s->lk, current);
	lockmgr(&s->lk, LK_RELEASE);
	WRITE_ONCE(s->done, 1);
}

/* The lock is free while the sleeper sleeps (another thread takes it and wakes it), and
 * held again, exclusively, when lksleep returns (even though it was held shared). */
static void lksleep_releases_the_lock_and_takes_it_back_exclusively(struct kunit *test)
{
	struct lks *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lockinit(&s->lk, "lksleep", 0, 0);
	bt_start(test, &t, lksleeper_main, s, "dfly-lks");
	BT_WAIT_UNTIL(test, READ_ONCE(s->asleep) && !lockinuse(&s->lk));
	KUNIT_EXPECT_EQ(test, lockmgr(&s->lk, LK_EXCLUSIVE), 0);
	wakeup(&s->chan);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(s->done));
	KUNIT_EXPECT_EQ(test, lockmgr(&s->lk, LK_RELEASE), 0);
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	BT_RESCUE(READ_ONCE(s->done), wakeup(&s->chan));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_EQ(test, s->held_after, LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockinuse(&s->lk), 0);
}

/* ---- misuse --------------------------------------------------------------------------------- */

static void release_of_a_lock_not_held_is_reported(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct req r;

	lockinit(&lk, "notheld", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), EINVAL));
	/* Held exclusively by another thread. */
	req_start(test, &t, &r, &lk, LK_EXCLUSIVE, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), EINVAL));
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	req_end(&t, &r);
	/* Held shared by another thread only. */
	req_start(test, &t, &r, &lk, LK_SHARED, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), EINVAL));
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 1U);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, r.after_release, 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
	/* The lock goes on. */
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
}

static void downgrade_of_a_recursed_or_foreign_hold_is_reported(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "baddown", 0, LK_CANRECURSE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE), EINVAL));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSED_OP,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE), EINVAL));
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 2U);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE), EINVAL));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_CANCEL_BEG), EINVAL));
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

static void exclusive_request_by_a_sharer_is_reported_not_deadlocked(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "selfdead", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT), EBUSY);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), EDEADLK));
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 1U);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* Holding a DragonFly spinlock, a request that would wait is reported once and fails
 * instead of sleeping. */
static void contended_lockmgr_holding_a_spinlock_is_reported_and_fails(struct kunit *test)
{
	struct lock lk;
	struct spinlock s;
	struct bt_thread t;
	struct req r;
	struct bt_probe p;
	int error;

	lockinit(&lk, "spinheld", 0, 0);
	spin_init(&s, "held across lockmgr");
	req_start(test, &t, &r, &lk, LK_EXCLUSIVE, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	spin_lock(&s);
	error = lockmgr(&lk, LK_SHARED);
	spin_unlock(&s);
	bt_probe_end(&p);
	bt_expect_one_report_no_sleep(test, &p, "lockmgr holding a DragonFly spinlock");
	KUNIT_EXPECT_EQ(test, error, EBUSY);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

static void lockuninit_of_a_held_lock_is_reported(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "uninit held", 0, 0);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, lockuninit(&lk));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	BT_EXPECT_NO_REPORT(test, lockuninit(&lk));
}

/* A lock lockinit never initialised (all zero): every request is reported and refused
 * (EINVAL), the word stays zero (DragonFly would use the garbage). */
static void misuse_lockmgr_on_a_lock_never_initialised_is_reported_and_refused(
	struct kunit *test)
{
	struct lock lk;

	memset(&lk, 0, sizeof(lk));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), EINVAL));
	KUNIT_EXPECT_EQ(test, WORD(&lk), 0ULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), EINVAL));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), EINVAL));
	KUNIT_EXPECT_EQ(test, WORD(&lk), 0ULL);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* DragonFly's lockmgr panics on an operation it does not know (LK_WAITUPGRADE is defined
 * but not an operation); here: reported, EINVAL, the lock unchanged. */
static void misuse_lockmgr_with_an_unknown_operation_is_reported_and_refused(
	struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "unknown op", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, 0), EINVAL));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_WAITUPGRADE), EINVAL));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_TYPE_MASK), EINVAL));
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	KUNIT_EXPECT_PTR_EQ(test, HOLDER(&lk), (void *)curthread);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* lksleep by a thread that does not hold the lock: one report, EINVAL, no sleep, the lock
 * as it was. Made by a thread of its own, so that a wrong lksleep (one that sleeps and then
 * waits for the lock another thread holds) ends the case instead of hanging it. */
struct lks_misuser {
	struct lock *lk;
	int chan;
	int result;
	unsigned long reports, total, slept;
	int done;
};

static void lks_misuser_main(void *arg)
{
	struct lks_misuser *m = arg;
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_NOT_OWNER);
	unsigned long total = bsdsync_report_total();
	unsigned long nv = current->nvcsw;

	m->result = lksleep(&m->chan, m->lk, 0, "notheld", 1);
	m->slept = current->nvcsw - nv;
	m->reports = bsdsync_report_count(BSDSYNC_RULE_NOT_OWNER) - before;
	m->total = bsdsync_report_total() - total;
	if (lockstatus(m->lk, curthread) == LK_EXCLUSIVE)	/* a wrong lksleep took it */
		lockmgr(m->lk, LK_RELEASE);
	WRITE_ONCE(m->done, 1);
}

static void lks_misuse(struct kunit *test, struct lock *lk, struct completion *release,
		       const char *what)
{
	struct lks_misuser m = { .lk = lk, .result = -1 };
	struct bt_thread t;

	bt_start(test, &t, lks_misuser_main, &m, "dfly-lks-bad");
	BT_WAIT_UNTIL(test, READ_ONCE(m.done));
	if (!READ_ONCE(m.done) && release) {
		/* Stuck waiting for the lock: let the holder go (then it ends). */
		complete(release);
		BT_WAIT_UNTIL(test, READ_ONCE(m.done));
	}
	bt_join(&t);
	KUNIT_EXPECT_EQ_MSG(test, m.result, EINVAL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, m.reports, 1UL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, m.total, 1UL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, m.slept, 0UL, "%s", what);
}

static void misuse_lksleep_with_a_lock_not_held_is_reported_and_does_not_sleep(
	struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	struct req r;

	lockinit(&lk, "lksleep notheld", 0, 0);
	lks_misuse(test, &lk, NULL, "free lock");
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
	/* Held by another thread: lockowned() is true for any sharer, but the caller holds
	 * nothing to release. */
	req_start(test, &t, &r, &lk, LK_SHARED, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	lks_misuse(test, &lk, &r.release, "held shared by another thread");
	KUNIT_EXPECT_EQ(test, SCOUNT(&lk), 1U);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, r.after_release, 0);
	req_start(test, &t, &r, &lk, LK_EXCLUSIVE, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	lks_misuse(test, &lk, &r.release, "held exclusively by another thread");
	KUNIT_EXPECT_EQ(test, XCOUNT(&lk), 1U);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, r.after_release, 0);
	KUNIT_EXPECT_EQ(test, lockinuse(&lk), 0);
}

/* ---- lock events ---------------------------------------------------------------------------- */

static void lockmgr_holds_are_lock_events_of_its_type(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "events", 0, LK_CANRECURSE);
	bt_events_start(test);
	lockmgr(&lk, LK_EXCLUSIVE);	/* ACQUIRING, ACQUIRED */
	lockmgr(&lk, LK_SHARED);	/* ACQUIRED | RECURSE (an exclusive count) */
	lockmgr(&lk, LK_RELEASE);	/* RELEASED | RECURSE */
	lockmgr(&lk, LK_DOWNGRADE);	/* RELEASED, ACQUIRED shared */
	lockmgr(&lk, LK_RELEASE);	/* RELEASED shared */
	bt_events_stop();

	KUNIT_ASSERT_EQ(test, bt_events.n, 7);
	KUNIT_EXPECT_EQ(test, bt_events.ev[0].kind, BSDSYNC_LE_ACQUIRING);
	KUNIT_EXPECT_EQ(test, bt_events.ev[1].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[1].flags, 0);
	KUNIT_EXPECT_EQ(test, bt_events.ev[2].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[2].flags, BSDSYNC_LE_RECURSE);
	KUNIT_EXPECT_EQ(test, bt_events.ev[3].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[3].flags, BSDSYNC_LE_RECURSE);
	KUNIT_EXPECT_EQ(test, bt_events.ev[4].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[5].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[5].flags, BSDSYNC_LE_SHARED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[6].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[6].flags, BSDSYNC_LE_SHARED);
	KUNIT_EXPECT_PTR_EQ(test, bt_events.ev[1].lock, (const void *)&lk);
	KUNIT_EXPECT_STREQ(test, bt_events.ev[1].type->name, "DragonFly lockmgr");
	KUNIT_EXPECT_TRUE(test, bt_events.ev[1].type->flags & BSDSYNC_LT_SLEEPABLE);
}

/* ---- stress --------------------------------------------------------------------------------- */

#define STRESS_THREADS 4
#define STRESS_ROUNDS 3000

struct stress {
	struct lock lk;
	struct bt_excl x;
	atomic_t errors;
};

static void stress_in_exclusive(struct stress *s)
{
	bt_excl_exclusive(&s->x, HOLDER(&s->lk) == (void *)current);
}

static void stress_in_shared(struct stress *s)
{
	bt_excl_shared(&s->x);
}

static void stress_main(void *arg)
{
	struct stress *s = arg;
	int i;

	for (i = 0; i < STRESS_ROUNDS; i++) {
		unsigned int pick = get_random_u32() % 6;

		switch (pick) {
		case 0:
		case 1:
			if (lockmgr(&s->lk, LK_EXCLUSIVE)) {
				atomic_inc(&s->errors);
				break;
			}
			stress_in_exclusive(s);
			if (pick == 1) {	/* and a shared request: one more count */
				lockmgr(&s->lk, LK_SHARED);
				stress_in_exclusive(s);
				lockmgr(&s->lk, LK_RELEASE);
			}
			lockmgr(&s->lk, LK_RELEASE);
			break;
		case 2:
		case 3:
			if (lockmgr(&s->lk, LK_SHARED)) {
				atomic_inc(&s->errors);
				break;
			}
			stress_in_shared(s);
			lockmgr(&s->lk, LK_RELEASE);
			break;
		case 4:		/* upgrade (may lose the share to another upgrader) */
			if (lockmgr(&s->lk, LK_SHARED)) {
				atomic_inc(&s->errors);
				break;
			}
			stress_in_shared(s);
			if (lockmgr(&s->lk, LK_UPGRADE) == 0) {
				stress_in_exclusive(s);
				lockmgr(&s->lk, LK_RELEASE);
			} else {
				atomic_inc(&s->errors);
			}
			break;
		case 5:		/* exclusive, downgrade */
			if (lockmgr(&s->lk, LK_EXCLUSIVE)) {
				atomic_inc(&s->errors);
				break;
			}
			stress_in_exclusive(s);
			lockmgr(&s->lk, LK_DOWNGRADE);
			stress_in_shared(s);
			lockmgr(&s->lk, LK_RELEASE);
			break;
		}
		if ((i & 63) == 0)
			cond_resched();
	}
}

static void stress_of_every_operation_keeps_exclusion(struct kunit *test)
{
	struct stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[STRESS_THREADS];

	KUNIT_ASSERT_NOT_NULL(test, s);
	lockinit(&s->lk, "stress", 0, LK_CANRECURSE);
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, t, STRESS_THREADS, stress_main, s, 0, "dfly-lkst");
		bt_join_n(t, STRESS_THREADS);
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->x.bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->errors), 0);
	KUNIT_EXPECT_EQ(test, WORD(&s->lk), 0ULL);
}

/* ---- tokens ---------------------------------------------------------------------------------- */

struct tokwait {
	struct lock lk;
	struct lwkt_token tok;
	int holding;
	int got;
	int tok_after;
};

static void tok_waiter_main(void *arg)
{
	struct tokwait *w = arg;

	lwkt_gettoken(&w->tok);
	WRITE_ONCE(w->holding, 1);
	w->got = lockmgr(&w->lk, LK_EXCLUSIVE);		/* waits: the test thread holds it */
	w->tok_after = LWKT_TOKEN_HELD_EXCL(&w->tok);
	if (w->got == 0)
		lockmgr(&w->lk, LK_RELEASE);
	lwkt_reltoken(&w->tok);
}

/* A thread waiting for a lockmgr lock holds no token meanwhile (a wait is a block like any
 * other), and holds it again when lockmgr returns. */
static void tokens_are_released_while_waiting_for_the_lock(struct kunit *test)
{
	struct tokwait *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, w);
	lockinit(&w->lk, "tokwait", 0, 0);
	lwkt_token_init(&w->tok, "tokwait");
	KUNIT_EXPECT_EQ(test, lockmgr(&w->lk, LK_EXCLUSIVE), 0);
	bt_start(test, &t, tok_waiter_main, w, "dfly-lktok");
	BT_WAIT_UNTIL(test, READ_ONCE(w->holding) && (WORD(&w->lk) & LKC_EXREQ));
	BT_WAIT_UNTIL(test, lwkt_trytoken(&w->tok));	/* free while it waits */
	KUNIT_EXPECT_TRUE(test, LWKT_TOKEN_HELD_EXCL(&w->tok));
	lwkt_reltoken(&w->tok);
	KUNIT_EXPECT_EQ(test, lockmgr(&w->lk, LK_RELEASE), 0);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, w->got, 0);
	KUNIT_EXPECT_TRUE(test, w->tok_after);
	KUNIT_EXPECT_EQ(test, lockinuse(&w->lk), 0);
}

/* ---- lockmgr_kernproc: a lock disowned to LK_KERNTHREAD ---------------------------------- */

static void disown_main(void *arg)
{
	struct lock *lk = arg;

	lockmgr(lk, LK_EXCLUSIVE);
	lockmgr(lk, LK_EXCLUSIVE);	/* recursed (LK_CANRECURSE): both counts go along */
	lockmgr_kernproc(lk);
	lockmgr_kernproc(lk);		/* already disowned: nothing */
}

static void kernproc_disowns_the_lock_and_any_thread_releases_it(struct kunit *test)
{
	struct lock lk;
	struct bt_thread t;
	unsigned long exit_before = bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD);
	struct task_struct *task;

	lockinit(&lk, "disowned", 0, LK_CANRECURSE);
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, disown_main, &lk, "dfly-disown");
		task = t.task;
		get_task_struct(task);
		bt_join(&t);
		/* Its exit does not count the disowned hold (exit hook ran: exit_state). */
		BT_WAIT_UNTIL(test, READ_ONCE(task->exit_state) != 0);
		put_task_struct(task);
	});
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD) - exit_before, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, (void *)READ_ONCE(lk.lk_lockholder), (void *)LK_KERNTHREAD);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, curthread), LK_EXCLOTHER);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), LK_EXCLUSIVE);
	KUNIT_EXPECT_FALSE(test, lockowned(&lk));
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT), EBUSY);
	/* Another thread releases both counts. */
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), LK_EXCLUSIVE);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	});
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 0ULL);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, curthread), LK_EXCLUSIVE);
	lockmgr(&lk, LK_RELEASE);
	lockuninit(&lk);
}

static void kernproc_by_a_thread_not_holding_it_exclusively_is_reported(struct kunit *test)
{
	struct lock lk;

	lockinit(&lk, "kernproc misuse", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr_kernproc(&lk));
	lockmgr(&lk, LK_SHARED);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr_kernproc(&lk));
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), LK_SHARED);
	lockmgr(&lk, LK_RELEASE);
	lockuninit(&lk);
}

static struct kunit_case lockmgr_cases[] = {
	KUNIT_CASE(exclusive_hold_excludes_every_other_request),
	KUNIT_CASE(shared_holders_are_many_and_exclude_an_exclusive_one),
	KUNIT_CASE(shared_request_of_the_exclusive_holder_adds_an_exclusive_count),
	KUNIT_CASE(recursion_needs_lk_canrecurse),
	KUNIT_CASE(upgrade_of_the_sole_sharer_is_immediate),
	KUNIT_CASE(upgrade_waits_for_other_sharers_and_comes_first),
	KUNIT_CASE(exclupgrade_fails_when_another_upgrade_is_pending),
	KUNIT_CASE(failed_upgrade_releases_the_shared_hold),
	KUNIT_CASE(downgrade_keeps_a_shared_hold_and_admits_waiting_sharers),
	KUNIT_CASE(sleepfail_fails_with_enolck_after_waiting),
	KUNIT_CASE(timelock_waits_lk_timo_ticks_then_fails),
	KUNIT_CASE(pcatch_wait_ends_on_a_signal),
	KUNIT_CASE(cancel_beg_fails_cancelable_requests_with_enolck),
	KUNIT_CASE(lockstatus_lockowned_lockinuse_lockmgr_try_tell_the_state),
	KUNIT_CASE(lock_sysinit_initialises_the_lock_at_load),
	KUNIT_CASE(lksleep_releases_the_lock_and_takes_it_back_exclusively),
	KUNIT_CASE(release_of_a_lock_not_held_is_reported),
	KUNIT_CASE(downgrade_of_a_recursed_or_foreign_hold_is_reported),
	KUNIT_CASE(exclusive_request_by_a_sharer_is_reported_not_deadlocked),
	KUNIT_CASE(contended_lockmgr_holding_a_spinlock_is_reported_and_fails),
	KUNIT_CASE(lockuninit_of_a_held_lock_is_reported),
	KUNIT_CASE(misuse_lockmgr_on_a_lock_never_initialised_is_reported_and_refused),
	KUNIT_CASE(misuse_lockmgr_with_an_unknown_operation_is_reported_and_refused),
	KUNIT_CASE(misuse_lksleep_with_a_lock_not_held_is_reported_and_does_not_sleep),
	KUNIT_CASE(lockmgr_holds_are_lock_events_of_its_type),
	KUNIT_CASE(stress_of_every_operation_keeps_exclusion),
	KUNIT_CASE(tokens_are_released_while_waiting_for_the_lock),
	KUNIT_CASE(kernproc_disowns_the_lock_and_any_thread_releases_it),
	KUNIT_CASE(kernproc_by_a_thread_not_holding_it_exclusively_is_reported),
	{}
};

static struct kunit_suite lockmgr_suite = {
	.name = "dragonfly_lockmgr",
	.test_cases = lockmgr_cases,
};

kunit_test_suites(&lockmgr_suite);
