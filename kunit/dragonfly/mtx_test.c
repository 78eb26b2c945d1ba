// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly's mtx as a ported driver uses it (bsd-api-reference.md section 26, modern
 * mutex2.h): shared and exclusive, recursive in both modes, try forms returning 0 or EAGAIN,
 * mtx_upgrade_try (0 or EDEADLK, the share kept), mtx_downgrade, mtx_unlock for every mode,
 * mtx_lock_temp_release/restore, the queries, timeouts and PCATCH, links (abort: ENOLCK;
 * asynchronous: EINPROGRESS, then the callback holding the lock), mtxsleep; misuse reports;
 * lock events; a stress of every operation by several threads.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

#include "harness.h"
#include <bsdsync/lock_events.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/mutex.h>
#include <sys/mutex2.h>

#define WORD(m)		((unsigned int)READ_ONCE((m)->mtx_lock))
#define OWNER(m)	((void *)READ_ONCE((m)->mtx_owner))

/* ---- a worker that makes one request, then holds what it got until told ----------------- */

enum { REQ_EX, REQ_SH, REQ_EX_TRY, REQ_SH_TRY, REQ_EX_LINK, REQ_EX_TIMO };

struct req {
	mtx_t *m;
	int kind;
	mtx_link_t link;
	int result;
	int done;
	int keep;
	struct completion release;
};

static void req_main(void *arg)
{
	struct req *r = arg;

	switch (r->kind) {
	case REQ_EX: r->result = mtx_lock_ex(r->m, 0, 0); break;
	case REQ_SH: r->result = mtx_lock_sh(r->m, 0, 0); break;
	case REQ_EX_TRY: r->result = mtx_lock_ex_try(r->m); break;
	case REQ_SH_TRY: r->result = mtx_lock_sh_try(r->m); break;
	case REQ_EX_LINK: r->result = mtx_lock_ex_link(r->m, &r->link, 0, 0); break;
	case REQ_EX_TIMO: r->result = mtx_lock_ex(r->m, 0, 2); break;
	}
	WRITE_ONCE(r->done, 1);
	if (r->keep) {
		wait_for_completion(&r->release);
		if (r->result == 0)
			mtx_unlock(r->m);
	}
}

static void req_start(struct kunit *test, struct bt_thread *t, struct req *r, mtx_t *m,
		      int kind, int keep)
{
	memset(r, 0, sizeof(*r));
	r->m = m;
	r->kind = kind;
	r->keep = keep;
	mtx_link_init(&r->link);
	init_completion(&r->release);
	bt_start(test, t, req_main, r, "dfly-mtx");
}

static void req_end(struct bt_thread *t, struct req *r)
{
	complete(&r->release);
	bt_join(t);
}

/* ---- exclusion and recursion ---------------------------------------------------------------- */

static void mtx_lock_ex_excludes_others_who_wait_for_the_unlock(struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "excl");
	mtx_lock(&m);
	KUNIT_EXPECT_PTR_EQ(test, OWNER(&m), (void *)current);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	req_start(test, &t, &r, &m, REQ_EX_TRY, 0);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, r.result, EAGAIN);
	req_start(test, &t, &r, &m, REQ_SH_TRY, 0);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, r.result, EAGAIN);
	req_start(test, &t, &r, &m, REQ_EX, 1);
	BT_WAIT_UNTIL(test, WORD(&m) & MTX_EXWANTED);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(r.done));
	mtx_unlock(&m);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, 0);
	KUNIT_EXPECT_PTR_EQ(test, OWNER(&m), (void *)t.task);
	KUNIT_EXPECT_TRUE(test, mtx_notowned(&m));
	req_end(&t, &r);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
	mtx_uninit(&m);
}

static void both_modes_recurse_without_any_flag(struct kunit *test)
{
	mtx_t m;

	mtx_init(&m, "recurse");
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, mtx_lock_ex(&m, 0, 0), 0);
		KUNIT_EXPECT_EQ(test, mtx_lock_ex(&m, 0, 0), 0);
		/* The exclusive holder's shared request: one more exclusive count. */
		KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, 0, 0), 0);
		KUNIT_EXPECT_EQ(test, mtx_lock_ex_try(&m), 0);
	});
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 4);
	KUNIT_EXPECT_TRUE(test, mtx_islocked_ex(&m));
	mtx_unlock_ex(&m);
	mtx_unlock(&m);
	mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, 0, 0), 0);
		KUNIT_EXPECT_EQ(test, mtx_lock_sh_quick(&m), 0);
		KUNIT_EXPECT_EQ(test, mtx_lock_sh_try(&m), 0);
	});
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 3);
	KUNIT_EXPECT_FALSE(test, mtx_islocked_ex(&m));
	KUNIT_EXPECT_TRUE(test, mtx_notlocked_ex(&m));
	mtx_unlock_sh(&m);
	mtx_unlock(&m);
	mtx_unlock_sh(&m);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

static void shared_holders_are_many_and_exclude_an_exclusive_one(struct kunit *test)
{
	mtx_t m;
	struct bt_thread t, tx;
	struct req r, rx;

	mtx_init(&m, "shared");
	KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, 0, 0), 0);
	req_start(test, &t, &r, &m, REQ_SH, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, 0);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 2);
	KUNIT_EXPECT_EQ(test, mtx_lock_ex_try(&m), EAGAIN);
	KUNIT_EXPECT_TRUE(test, mtx_islocked(&m));
	req_start(test, &tx, &rx, &m, REQ_EX, 1);
	BT_WAIT_UNTIL(test, WORD(&m) & MTX_EXWANTED);
	mtx_unlock(&m);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(rx.done));
	req_end(&t, &r);
	BT_WAIT_UNTIL(test, READ_ONCE(rx.done));
	KUNIT_EXPECT_EQ(test, rx.result, 0);
	req_end(&tx, &rx);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

/* ---- upgrade, downgrade, temporary release -------------------------------------------------- */

static void upgrade_try_succeeds_for_the_sole_sharer_else_edeadlk(struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "upgrade");
	KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, mtx_upgrade_try(&m), 0);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_EQ(test, mtx_upgrade_try(&m), 0);	/* already exclusive */
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, 0, 0), 0);
	req_start(test, &t, &r, &m, REQ_SH, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, mtx_upgrade_try(&m), EDEADLK);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 2);	/* the share is kept */
	KUNIT_EXPECT_FALSE(test, mtx_islocked_ex(&m));
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, mtx_upgrade_try(&m), 0);
	mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

static void downgrade_turns_every_exclusive_count_into_a_shared_one(struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "downgrade");
	mtx_lock(&m);
	mtx_lock(&m);
	req_start(test, &t, &r, &m, REQ_SH, 1);
	BT_WAIT_UNTIL(test, WORD(&m) & MTX_SHWANTED);
	BT_EXPECT_NO_REPORT(test, mtx_downgrade(&m));
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, 0);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 3);
	KUNIT_EXPECT_FALSE(test, mtx_islocked_ex(&m));
	KUNIT_EXPECT_PTR_EQ(test, OWNER(&m), NULL);
	BT_EXPECT_NO_REPORT(test, mtx_downgrade(&m));	/* shared: a no-op */
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 3);
	mtx_unlock(&m);
	mtx_unlock(&m);
	req_end(&t, &r);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

static void temp_release_frees_the_hold_and_restore_takes_it_back(struct kunit *test)
{
	mtx_t m;
	mtx_state_t st;
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "temp");
	mtx_lock(&m);
	st = mtx_lock_temp_release(&m);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
	req_start(test, &t, &r, &m, REQ_EX_TRY, 1);	/* another thread can take it now */
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, 0);
	req_end(&t, &r);
	mtx_lock_temp_restore(&m, st);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, 0, 0), 0);
	st = mtx_lock_temp_release(&m);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
	mtx_lock_temp_restore(&m, st);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 1);
	KUNIT_EXPECT_FALSE(test, mtx_islocked_ex(&m));
	mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

/* ---- timeouts, signals ---------------------------------------------------------------------- */

static void lock_ex_with_a_timeout_fails_with_ewouldblock(struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "timo");
	KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, 0, 0), 0);
	req_start(test, &t, &r, &m, REQ_EX_TIMO, 0);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, r.result, EWOULDBLOCK);
	mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

struct sig_req {
	mtx_t *m;
	int result;
	int done;
};

static void sig_req_main(void *arg)
{
	struct sig_req *s = arg;

	allow_signal(SIGUSR1);
	s->result = mtx_lock_ex(s->m, PCATCH, 0);
	flush_signals(current);
	WRITE_ONCE(s->done, 1);
}

static void pcatch_wait_ends_on_a_signal(struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct sig_req s = { .m = &m };

	mtx_init(&m, "pcatch");
	mtx_lock(&m);
	bt_start(test, &t, sig_req_main, &s, "dfly-mtxsig");
	BT_WAIT_UNTIL(test, WORD(&m) & MTX_EXWANTED);
	send_sig(SIGUSR1, t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s.done));
	KUNIT_EXPECT_EQ(test, s.result, ERESTART);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	BT_RESCUE(READ_ONCE(s.done), send_sig(SIGUSR1, t.task, 1));
	bt_join(&t);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

/* ---- links ---------------------------------------------------------------------------------- */

static void aborted_link_request_fails_with_enolck(struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "abort");
	mtx_lock(&m);
	req_start(test, &t, &r, &m, REQ_EX_LINK, 1);
	BT_WAIT_UNTIL(test, WORD(&m) & MTX_EXWANTED);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r.link.state), MTX_LINK_LINKED_EX);
	mtx_abort_link(&m, &r.link);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, ENOLCK);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r.link.state), MTX_LINK_ABORTED);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	req_end(&t, &r);
	/* A link that got the lock: abort does nothing. */
	mtx_unlock(&m);
	req_start(test, &t, &r, &m, REQ_EX_LINK, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, r.result, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r.link.state), MTX_LINK_ACQUIRED);
	mtx_abort_link(&m, &r.link);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r.link.state), MTX_LINK_ACQUIRED);
	req_end(&t, &r);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

struct async_seen {
	mtx_t *m;
	atomic_t calls;
	int error;
	int owner_anon;
	int locked_ex;
	int unlock_in_callback;
};

static void async_cb(mtx_link_t *link, void *arg, int error)
{
	struct async_seen *a = arg;

	a->error = error;
	a->owner_anon = OWNER(a->m) == MTX_OWNER_ANON;
	a->locked_ex = mtx_islocked_ex(a->m);
	if (error == 0 && a->unlock_in_callback)
		mtx_unlock(a->m);
	atomic_inc(&a->calls);
}

/* A free mutex: taken at once, no callback. A held one: EINPROGRESS; the unlock that frees it
 * hands it to the link (owner MTX_OWNER_ANON) and calls back with 0; any thread may unlock. */
static void async_link_is_handed_the_lock_and_called_back(struct kunit *test)
{
	mtx_t m;
	mtx_link_t link;
	struct async_seen a = { .m = &m };
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "async");
	mtx_link_init_async(&link, async_cb, &a);
	KUNIT_EXPECT_EQ(test, mtx_lock_ex_link(&m, &link, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.calls), 0);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);

	KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, 0, 0), 0);
	BT_EXPECT_NO_SLEEP(test,
			   KUNIT_EXPECT_EQ(test, mtx_lock_ex_link(&m, &link, 0, 0), EINPROGRESS));
	KUNIT_EXPECT_EQ(test, READ_ONCE(link.state), MTX_LINK_LINKED_EX);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.calls), 0);
	mtx_unlock(&m);		/* the shared hold goes: handed to the link */
	KUNIT_EXPECT_EQ(test, atomic_read(&a.calls), 1);
	KUNIT_EXPECT_EQ(test, a.error, 0);
	KUNIT_EXPECT_TRUE(test, a.owner_anon);
	KUNIT_EXPECT_TRUE(test, a.locked_ex);
	KUNIT_EXPECT_EQ(test, READ_ONCE(link.state), MTX_LINK_ACQUIRED);
	KUNIT_EXPECT_TRUE(test, mtx_notowned(&m));
	BT_EXPECT_NO_REPORT(test, mtx_unlock(&m));	/* anonymous: anyone may */
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));

	/* The callback itself releases it (the usual pattern), called by the thread whose
	 * exclusive release frees the mutex. */
	a.unlock_in_callback = 1;
	req_start(test, &t, &r, &m, REQ_EX, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, mtx_lock_ex_link(&m, &link, 0, 0), EINPROGRESS);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.calls), 2);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
	/* The exclusive holder's own asynchronous request: a recursion, at once. */
	a.unlock_in_callback = 0;
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, mtx_lock_ex_link(&m, &link, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 2);
	mtx_unlock(&m);
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.calls), 2);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

static void aborted_async_link_is_called_back_with_enolck(struct kunit *test)
{
	mtx_t m;
	mtx_link_t link;
	struct async_seen a = { .m = &m };
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "async abort");
	mtx_link_init_async(&link, async_cb, &a);
	req_start(test, &t, &r, &m, REQ_EX, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	KUNIT_EXPECT_EQ(test, mtx_lock_ex_link(&m, &link, 0, 0), EINPROGRESS);
	mtx_abort_link(&m, &link);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.calls), 1);
	KUNIT_EXPECT_EQ(test, a.error, ENOLCK);
	KUNIT_EXPECT_EQ(test, READ_ONCE(link.state), MTX_LINK_ABORTED);
	KUNIT_EXPECT_PTR_EQ(test, (void *)m.mtx_exlink, NULL);
	req_end(&t, &r);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.calls), 1);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

/* ---- mtxsleep ------------------------------------------------------------------------------- */

struct mslp {
	mtx_t m;
	int chan;
	int asleep;
	int error;
	int owned_after;
	int done;
};

static void msleeper_main(void *arg)
{
	struct mslp *s = arg;

	mtx_lock_sh(&s->m, 0, 0);
	WRITE_ONCE(s->asleep, 1);
	s->error = mtxsleep(&s->chan, &s->m, 0, "mtxsleep", 30 * hz);
	s->owned_after = mtx_owned(&s->m);
	mtx_unlock(&s->m);
	WRITE_ONCE(s->done, 1);
}

static void mtxsleep_releases_the_mutex_and_takes_it_back_exclusively(struct kunit *test)
{
	struct mslp *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	mtx_init(&s->m, "mtxsleep");
	bt_start(test, &t, msleeper_main, s, "dfly-mslp");
	BT_WAIT_UNTIL(test, READ_ONCE(s->asleep) && mtx_notlocked(&s->m));
	mtx_lock(&s->m);
	wakeup(&s->chan);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(s->done));
	mtx_unlock(&s->m);
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	BT_RESCUE(READ_ONCE(s->done), wakeup(&s->chan));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->owned_after);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&s->m));
}

/* ---- misuse --------------------------------------------------------------------------------- */

static void unlock_of_a_mutex_not_held_is_reported(struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "notheld");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&m));
	req_start(test, &t, &r, &m, REQ_EX, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&m));
	KUNIT_EXPECT_TRUE(test, mtx_islocked_ex(&m));
	req_end(&t, &r);
	req_start(test, &t, &r, &m, REQ_SH, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&m));
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 1);
	req_end(&t, &r);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_downgrade(&m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, mtx_upgrade_try(&m), EINVAL));
	mtx_lock(&m);
	mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

static void mtx_uninit_of_a_held_mutex_is_reported(struct kunit *test)
{
	mtx_t m;

	mtx_init(&m, "uninit held");
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, mtx_uninit(&m));
	mtx_unlock(&m);
	BT_EXPECT_NO_REPORT(test, mtx_uninit(&m));
}

/* mtxsleep by a thread that does not hold the mutex: one report, EINVAL, no sleep, the
 * mutex as it was. Made by a thread of its own, so that a wrong mtxsleep (one that sleeps
 * and then waits for the mutex another thread holds) ends the case instead of hanging it. */
struct mslp_misuser {
	mtx_t *m;
	int chan;
	int result;
	unsigned long reports, total, slept;
	int done;
};

static void mslp_misuser_main(void *arg)
{
	struct mslp_misuser *x = arg;
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_NOT_OWNER);
	unsigned long total = bsdsync_report_total();
	unsigned long nv = current->nvcsw;

	x->result = mtxsleep(&x->chan, x->m, 0, "notheld", 1);
	x->slept = current->nvcsw - nv;
	x->reports = bsdsync_report_count(BSDSYNC_RULE_NOT_OWNER) - before;
	x->total = bsdsync_report_total() - total;
	if (mtx_owned(x->m))	/* a wrong mtxsleep took it */
		mtx_unlock(x->m);
	WRITE_ONCE(x->done, 1);
}

static void mslp_misuse(struct kunit *test, mtx_t *m, struct completion *release,
			const char *what)
{
	struct mslp_misuser x = { .m = m, .result = -1 };
	struct bt_thread t;

	bt_start(test, &t, mslp_misuser_main, &x, "dfly-mslp-bad");
	BT_WAIT_UNTIL(test, READ_ONCE(x.done));
	if (!READ_ONCE(x.done) && release) {
		/* Stuck waiting for the lock: let the holder go (then it ends). */
		complete(release);
		BT_WAIT_UNTIL(test, READ_ONCE(x.done));
	}
	bt_join(&t);
	KUNIT_EXPECT_EQ_MSG(test, x.result, EINVAL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, x.reports, 1UL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, x.total, 1UL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, x.slept, 0UL, "%s", what);
}

static void misuse_mtxsleep_with_a_mutex_not_held_is_reported_and_does_not_sleep(
	struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct req r;

	mtx_init(&m, "mtxsleep notheld");
	mslp_misuse(test, &m, NULL, "free mutex");
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
	req_start(test, &t, &r, &m, REQ_EX, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	mslp_misuse(test, &m, &r.release, "held exclusively by another thread");
	KUNIT_EXPECT_TRUE(test, mtx_islocked_ex(&m));
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 1);
	req_end(&t, &r);
	req_start(test, &t, &r, &m, REQ_SH, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	mslp_misuse(test, &m, &r.release, "held shared by another thread");
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 1);
	req_end(&t, &r);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

/* A blocking request made in interrupt context (a DragonFly interrupt thread may block, a
 * Linux interrupt may not): reported once, tried instead, EAGAIN on a mutex another thread
 * holds; nothing taken. */
struct irq_mtx {
	mtx_t *m;
	int shared;
	int result;
};

static void irq_mtx_lock(void *arg)
{
	struct irq_mtx *x = arg;

	x->result = x->shared ? mtx_lock_sh(x->m, 0, 0) : mtx_lock_ex(x->m, 0, 0);
	if (x->result == 0)
		mtx_unlock(x->m);
}

static void misuse_mtx_lock_in_interrupt_context_is_reported_and_tried_instead(
	struct kunit *test)
{
	mtx_t m;
	struct bt_thread t;
	struct req r;
	struct irq_mtx x = { .m = &m, .result = -1 };
	struct bt_irq_result res;

	mtx_init(&m, "irq mtx");
	req_start(test, &t, &r, &m, REQ_EX, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(r.done));
	bt_in_interrupt_on_this_thread(test, false, irq_mtx_lock, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &res);
	KUNIT_EXPECT_EQ(test, res.reports, 1UL);
	KUNIT_EXPECT_EQ(test, res.total, 1UL);
	KUNIT_EXPECT_EQ(test, x.result, EAGAIN);
	x.shared = 1;
	x.result = -1;
	bt_in_interrupt_on_this_thread(test, true, irq_mtx_lock, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &res);
	KUNIT_EXPECT_EQ(test, res.reports, 1UL);
	KUNIT_EXPECT_EQ(test, res.total, 1UL);
	KUNIT_EXPECT_EQ(test, x.result, EAGAIN);
	KUNIT_EXPECT_TRUE(test, mtx_islocked_ex(&m));
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 1);
	req_end(&t, &r);
	KUNIT_EXPECT_TRUE(test, mtx_notlocked(&m));
}

/* ---- lock events ---------------------------------------------------------------------------- */

static void mtx_holds_are_lock_events_of_its_type(struct kunit *test)
{
	mtx_t m;

	mtx_init(&m, "events");
	bt_events_start(test);
	mtx_lock(&m);			/* ACQUIRING, ACQUIRED */
	mtx_unlock(&m);			/* RELEASED */
	mtx_lock_sh_try(&m);		/* ACQUIRED shared, try */
	mtx_unlock(&m);			/* RELEASED shared */
	bt_events_stop();

	KUNIT_ASSERT_EQ(test, bt_events.n, 5);
	KUNIT_EXPECT_EQ(test, bt_events.ev[0].kind, BSDSYNC_LE_ACQUIRING);
	KUNIT_EXPECT_EQ(test, bt_events.ev[1].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[2].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[3].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[3].flags, BSDSYNC_LE_SHARED | BSDSYNC_LE_TRY);
	KUNIT_EXPECT_EQ(test, bt_events.ev[4].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_PTR_EQ(test, bt_events.ev[1].lock, (const void *)&m);
	KUNIT_EXPECT_STREQ(test, bt_events.ev[1].type->name, "DragonFly mtx");
}

/* ---- stress --------------------------------------------------------------------------------- */

#define STRESS_THREADS 4
#define STRESS_ROUNDS 3000

struct stress {
	mtx_t m;
	struct bt_excl x;
	atomic_t errors;
};

static void stress_in_exclusive(struct stress *s)
{
	bt_excl_exclusive(&s->x, mtx_owned(&s->m));
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
		unsigned int pick = get_random_u32() % 5;

		switch (pick) {
		case 0:
			mtx_lock(&s->m);
			stress_in_exclusive(s);
			mtx_lock_sh(&s->m, 0, 0);	/* recursion */
			stress_in_exclusive(s);
			mtx_unlock(&s->m);
			mtx_unlock(&s->m);
			break;
		case 1:
			if (mtx_lock_sh(&s->m, 0, 0)) {
				atomic_inc(&s->errors);
				break;
			}
			stress_in_shared(s);
			mtx_lock_sh(&s->m, 0, 0);	/* recursion, even with writers waiting */
			stress_in_shared(s);
			mtx_unlock(&s->m);
			mtx_unlock(&s->m);
			break;
		case 2:
			mtx_lock_sh(&s->m, 0, 0);
			stress_in_shared(s);
			if (mtx_upgrade_try(&s->m) == 0)
				stress_in_exclusive(s);
			else
				stress_in_shared(s);
			mtx_unlock(&s->m);
			break;
		case 3:
			mtx_lock(&s->m);
			stress_in_exclusive(s);
			mtx_downgrade(&s->m);
			stress_in_shared(s);
			mtx_unlock(&s->m);
			break;
		case 4:
			if (mtx_lock_ex_try(&s->m) == 0) {
				stress_in_exclusive(s);
				mtx_unlock(&s->m);
			}
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
	mtx_init(&s->m, "stress");
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, t, STRESS_THREADS, stress_main, s, 0, "dfly-mtxst");
		bt_join_n(t, STRESS_THREADS);
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->x.bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->errors), 0);
	KUNIT_EXPECT_EQ(test, WORD(&s->m), 0U);
}

/* ---- mtx_spinlock: the spinning exclusive form ------------------------------------------- */

struct spin_other {
	mtx_t *m;
	atomic_t go, done;
	struct completion release;
	int got;
};

/* Holds the mutex (a sleeping exclusive hold) until told to release it. */
static void holder_main(void *arg)
{
	struct spin_other *o = arg;

	mtx_lock_ex_quick(o->m);
	atomic_set(&o->go, 1);
	wait_for_completion(&o->release);
	mtx_unlock(o->m);
}

static void spinlock_is_exclusive_recursive_and_a_critical_section(struct kunit *test)
{
	mtx_t m;
	struct spin_other o = { .m = &m };
	struct bt_thread t;
	bool atomic_inside, owned, ex, atomic_after_one;
	int refs, try_again;

	mtx_init(&m, "spin");
	mtx_spinlock(&m);
	try_again = mtx_spinlock_try(&m);	/* recursion */
	atomic_inside = !preemptible();
	owned = mtx_owned(&m);
	ex = mtx_islocked_ex(&m);
	refs = mtx_lockrefs(&m);
	mtx_spinunlock(&m);
	atomic_after_one = !preemptible();	/* one level left */
	mtx_spinunlock(&m);
	KUNIT_EXPECT_EQ(test, try_again, 0);
	KUNIT_EXPECT_TRUE(test, atomic_inside);
	KUNIT_EXPECT_TRUE(test, atomic_after_one);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_TRUE(test, ex);
	KUNIT_EXPECT_EQ(test, refs, 2);
	KUNIT_EXPECT_TRUE(test, preemptible());
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 0);
	/* Held by another thread: the try fails and leaves no critical section. */
	init_completion(&o.release);
	bt_start(test, &t, holder_main, &o, "dfly-mtxhold");
	BT_WAIT_UNTIL(test, atomic_read(&o.go));
	KUNIT_EXPECT_EQ(test, mtx_spinlock_try(&m), EAGAIN);
	KUNIT_EXPECT_TRUE(test, preemptible());
	complete(&o.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, mtx_spinlock_try(&m), 0);
	mtx_spinunlock(&m);
	mtx_uninit(&m);
}

static void spin_main(void *arg)
{
	struct spin_other *o = arg;

	atomic_set(&o->go, 1);
	mtx_spinlock(o->m);	/* spins while the test thread sleeps holding it */
	o->got = mtx_owned(o->m);
	mtx_spinunlock(o->m);
	atomic_set(&o->done, 1);
}

static void spinlock_spins_until_a_sleeping_holder_releases(struct kunit *test)
{
	mtx_t m;
	struct spin_other o = { .m = &m };
	struct bt_thread t;

	mtx_init(&m, "spin vs sleeper");
	mtx_lock_ex_quick(&m);
	bt_start(test, &t, spin_main, &o, "dfly-mtxspin");
	BT_WAIT_UNTIL(test, atomic_read(&o.go));
	msleep(20);	/* the holder blocks: the spinner keeps spinning (not a threshold) */
	KUNIT_EXPECT_EQ(test, atomic_read(&o.done), 0);
	mtx_unlock(&m);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, o.got, 1);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 0);
	mtx_uninit(&m);
}

static void tsleep_holding_an_mtx_spinlock_is_reported(struct kunit *test)
{
	mtx_t m;
	struct bt_probe p;
	int chan, error;

	mtx_init(&m, "spin held across tsleep");
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	mtx_spinlock(&m);
	error = tsleep(&chan, 0, "mtxspin", 1);
	mtx_spinunlock(&m);
	bt_probe_end(&p);
	bt_expect_one_report_no_sleep(test, &p, "tsleep holding mtx_spinlock");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, preemptible());
	mtx_uninit(&m);
}

static void spinlock_of_a_mutex_held_shared_is_reported(struct kunit *test)
{
	mtx_t m;
	struct bt_probe p;
	bool atomic_inside;
	int refs;

	mtx_init(&m, "spin on shared");
	mtx_lock_sh_quick(&m);
	bt_probe_begin(&p, BSDSYNC_RULE_RECURSION);
	mtx_spinlock(&m);		/* DragonFly spins forever here */
	atomic_inside = !preemptible();
	refs = mtx_lockrefs(&m);
	mtx_spinunlock(&m);
	bt_probe_end(&p);
	bt_expect_one_report_no_sleep(test, &p, "mtx_spinlock of a mutex held shared");
	KUNIT_EXPECT_TRUE(test, atomic_inside);
	KUNIT_EXPECT_EQ(test, refs, 2);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 1);
	KUNIT_EXPECT_TRUE(test, preemptible());
	BT_EXPECT_NO_REPORT(test, mtx_unlock(&m));
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&m), 0);
	mtx_uninit(&m);
}

/* ---- hand-off: a release gives the mutex to the first blocked exclusive request ----------- */

struct handoff {
	mtx_t m;
	atomic_t order;		/* acquisitions so far */
	struct completion go[2];
	int got_at[2];
	int error[2];
	atomic_t started[2];
	int id_next;
};

static void handoff_waiter(void *arg)
{
	struct handoff *h = arg;
	int id = __atomic_fetch_add(&h->id_next, 1, __ATOMIC_RELAXED);

	atomic_set(&h->started[id], 1);
	h->error[id] = mtx_lock_ex(&h->m, 0, 0);	/* blocks: the test thread holds it */
	h->got_at[id] = atomic_inc_return(&h->order);
	wait_for_completion(&h->go[id]);
	mtx_unlock(&h->m);
}

static void release_hands_the_mutex_to_the_first_blocked_exclusive_request(struct kunit *test)
{
	struct handoff *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct bt_thread t[2];
	void *owner_after;
	int try_after, cpu;

	KUNIT_ASSERT_NOT_NULL(test, h);
	mtx_init(&h->m, "handoff");
	init_completion(&h->go[0]);
	init_completion(&h->go[1]);
	/* Everyone on this CPU: the waiters woken by the release cannot run before the
	 * checks below (preemption off), so what the release itself did is what they see. */
	migrate_disable();
	cpu = raw_smp_processor_id();
	mtx_lock_ex_quick(&h->m);
	/* Two exclusive requests block, in this order. */
	bt_start(test, &t[0], handoff_waiter, h, "dfly-mtx-ho");
	set_cpus_allowed_ptr(t[0].task, cpumask_of(cpu));
	BT_WAIT_UNTIL(test, atomic_read(&h->started[0]) &&
			    READ_ONCE(t[0].task->__state) != TASK_RUNNING);
	bt_start(test, &t[1], handoff_waiter, h, "dfly-mtx-ho");
	set_cpus_allowed_ptr(t[1].task, cpumask_of(cpu));
	BT_WAIT_UNTIL(test, atomic_read(&h->started[1]) &&
			    READ_ONCE(t[1].task->__state) != TASK_RUNNING);
	preempt_disable();
	mtx_unlock(&h->m);
	/* Handed over at the release (DragonFly's mtx_chain_link): owned by the first
	 * before it runs, not free for a newcomer. */
	owner_after = READ_ONCE(h->m.mtx_owner);
	try_after = mtx_lock_ex_try(&h->m);
	if (try_after == 0)
		mtx_unlock(&h->m);
	preempt_enable();
	migrate_enable();
	KUNIT_EXPECT_PTR_EQ(test, owner_after, (void *)t[0].task);
	KUNIT_EXPECT_EQ(test, try_after, EAGAIN);
	BT_WAIT_UNTIL(test, atomic_read(&h->order) == 1);
	complete(&h->go[0]);
	BT_WAIT_UNTIL(test, atomic_read(&h->order) == 2);
	complete(&h->go[1]);
	bt_join_n(t, 2);
	KUNIT_EXPECT_EQ(test, h->got_at[0], 1);
	KUNIT_EXPECT_EQ(test, h->got_at[1], 2);
	KUNIT_EXPECT_EQ(test, h->error[0], 0);
	KUNIT_EXPECT_EQ(test, h->error[1], 0);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&h->m), 0);
	KUNIT_EXPECT_PTR_EQ(test, (void *)READ_ONCE(h->m.mtx_exlink), NULL);
	mtx_uninit(&h->m);
}

/* ---- hand-off order with a spinning head, and a stress of the hand-off path ---------------- */

#define ORDER_WAITERS 3

struct order {
	mtx_t m;
	atomic_t order;			/* acquisitions so far */
	struct completion go[ORDER_WAITERS];
	int got_at[ORDER_WAITERS];
	int timeout_error;
};

struct order_arg {
	struct order *o;
	int id;
};

static void order_waiter(void *arg)
{
	struct order_arg *a = arg;
	struct order *o = a->o;

	mtx_lock_ex_quick(&o->m);	/* links: EXWANTED is set (below) */
	o->got_at[a->id] = atomic_inc_return(&o->order);
	wait_for_completion(&o->go[a->id]);
	mtx_unlock(&o->m);
}

static void order_timed_out(void *arg)
{
	struct order *o = arg;

	o->timeout_error = mtx_lock_ex(&o->m, 0, 1);
}

/* The links queued on m (the waiters are plain requests: none leaves before its grant). */
static int exlinks(mtx_t *m)
{
	struct mtx_link *l;
	int n = 0;

	for (l = READ_ONCE(m->mtx_exlink); l; l = READ_ONCE(l->next))
		n++;
	return n;
}

/* Three plain exclusive requests link in turn while the owner runs (the first, the head,
 * spins: module/dragonfly/mtx.cpp); the release hands the mutex to the first, a newcomer's
 * try at that moment fails, and each release hands it to the next in link order. */
static void linked_waiters_get_the_mutex_in_link_order_while_the_head_spins(struct kunit *test)
{
	struct order *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct order_arg a[ORDER_WAITERS];
	struct bt_thread t[ORDER_WAITERS], c;
	void *owner_after;
	int i, try_after;
	u64 end;

	KUNIT_ASSERT_NOT_NULL(test, o);
	mtx_init(&o->m, "order");
	for (i = 0; i < ORDER_WAITERS; i++)
		init_completion(&o->go[i]);
	mtx_lock_ex_quick(&o->m);
	/* EXWANTED left by a request that timed out: every waiter below links at once. */
	bt_start(test, &c, order_timed_out, o, "dfly-mtx-to");
	bt_join(&c);
	KUNIT_ASSERT_EQ(test, o->timeout_error, EWOULDBLOCK);
	for (i = 0; i < ORDER_WAITERS; i++) {
		a[i].o = o;
		a[i].id = i;
		bt_start(test, &t[i], order_waiter, &a[i], "dfly-mtx-ord");
		/* Busy, not sleeping: the owner runs, so the head keeps spinning. */
		end = ktime_get_ns() + 60 * NSEC_PER_SEC;
		while (exlinks(&o->m) < i + 1 && ktime_get_ns() < end)
			cpu_relax();
		KUNIT_ASSERT_EQ(test, exlinks(&o->m), i + 1);
	}
	mtx_unlock(&o->m);
	/* Handed over at the release: owned by the first before it runs; not free for a
	 * newcomer (the first holds it until go[0]). */
	owner_after = READ_ONCE(o->m.mtx_owner);
	try_after = mtx_lock_ex_try(&o->m);
	if (try_after == 0)
		mtx_unlock(&o->m);
	KUNIT_EXPECT_PTR_EQ(test, owner_after, (void *)t[0].task);
	KUNIT_EXPECT_EQ(test, try_after, EAGAIN);
	for (i = 0; i < ORDER_WAITERS; i++) {
		BT_WAIT_UNTIL(test, atomic_read(&o->order) == i + 1);
		KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(o->m.mtx_owner), (void *)t[i].task);
		complete(&o->go[i]);
	}
	bt_join_n(t, ORDER_WAITERS);
	for (i = 0; i < ORDER_WAITERS; i++)
		KUNIT_EXPECT_EQ(test, o->got_at[i], i + 1);
	KUNIT_EXPECT_PTR_EQ(test, (void *)READ_ONCE(o->m.mtx_exlink), NULL);
	KUNIT_EXPECT_EQ(test, mtx_lockrefs(&o->m), 0);
	mtx_uninit(&o->m);
}

#define HSTRESS_PLAIN 3
#define HSTRESS_ROUNDS 2000

struct hstress {
	mtx_t m;
	unsigned long counter;		/* under m only: a lost update shows */
	atomic_t sections, timeouts, aborts, bad, running;
	mtx_link_t link;		/* the abortable request's */
	mtx_link_t alink;		/* the asynchronous request's */
	int async_done;
	int stop;
};

static void hstress_section(struct hstress *h, bool owned)
{
	unsigned long v = READ_ONCE(h->counter);

	if (owned && !mtx_owned(&h->m))
		atomic_inc(&h->bad);
	cpu_relax();
	WRITE_ONCE(h->counter, v + 1);
	atomic_inc(&h->sections);
}

static void hstress_plain(void *arg)
{
	struct hstress *h = arg;
	int i;

	for (i = 0; i < HSTRESS_ROUNDS; i++) {
		mtx_lock_ex_quick(&h->m);
		hstress_section(h, true);
		mtx_unlock(&h->m);
		if ((i & 127) == 0)
			cond_resched();
	}
	atomic_dec(&h->running);
}

static void hstress_timeout(void *arg)
{
	struct hstress *h = arg;
	int i, e;

	for (i = 0; i < HSTRESS_ROUNDS / 4; i++) {
		e = mtx_lock_ex(&h->m, 0, 1);
		if (e == 0) {
			hstress_section(h, true);
			mtx_unlock(&h->m);
		} else if (e == EWOULDBLOCK) {
			atomic_inc(&h->timeouts);
		} else {
			atomic_inc(&h->bad);
		}
	}
	atomic_dec(&h->running);
}

static void hstress_link(void *arg)
{
	struct hstress *h = arg;
	int i, e;

	for (i = 0; i < HSTRESS_ROUNDS / 4; i++) {
		e = mtx_lock_ex_link(&h->m, &h->link, 0, 0);
		if (e == 0) {
			hstress_section(h, true);
			mtx_unlock(&h->m);
		} else if (e == ENOLCK) {
			atomic_inc(&h->aborts);
		} else {
			atomic_inc(&h->bad);
		}
	}
	atomic_dec(&h->running);
}

/* Aborts the link request while the others run (an idle or granted link: nothing). */
static void hstress_aborter(void *arg)
{
	struct hstress *h = arg;

	while (!READ_ONCE(h->stop)) {
		mtx_abort_link(&h->m, &h->link);
		udelay(get_random_u32() % 20);
		if ((get_random_u32() & 15) == 0)
			cond_resched();
	}
}

/* The asynchronous request's section: in the releaser's thread, held by nobody. */
static void hstress_async_cb(mtx_link_t *link, void *arg, int error)
{
	struct hstress *h = arg;

	if (error == 0) {
		hstress_section(h, false);
		mtx_unlock(&h->m);
	} else {
		atomic_inc(&h->bad);
	}
	smp_store_release(&h->async_done, 1);
}

static void hstress_async(void *arg)
{
	struct hstress *h = arg;
	int i, e;

	for (i = 0; i < HSTRESS_ROUNDS / 4; i++) {
		WRITE_ONCE(h->async_done, 0);
		e = mtx_lock_ex_link(&h->m, &h->alink, 0, 0);
		if (e == 0) {
			hstress_section(h, true);
			mtx_unlock(&h->m);
		} else if (e == EINPROGRESS) {
			while (!smp_load_acquire(&h->async_done))
				usleep_range(20, 50);
		} else {
			atomic_inc(&h->bad);
		}
	}
	atomic_dec(&h->running);
}

/* Plain exclusive requests (the head spins, the others sleep, each release hands over) mixed
 * with requests that time out, link requests that another thread aborts, and asynchronous
 * links: every section excludes the others (the counter loses no update), nobody is
 * reported, and the mutex ends free with no link. */
static void stress_of_the_hand_off_with_timeouts_aborts_and_async_links(struct kunit *test)
{
	struct hstress *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct bt_thread t[HSTRESS_PLAIN + 4];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	mtx_init(&h->m, "hstress");
	mtx_link_init(&h->link);
	mtx_link_init_async(&h->alink, hstress_async_cb, h);
	atomic_set(&h->running, HSTRESS_PLAIN + 3);
	BT_EXPECT_NO_REPORT(test, {
		for (i = 0; i < HSTRESS_PLAIN; i++)
			bt_start(test, &t[i], hstress_plain, h, "dfly-mtxho");
		bt_start(test, &t[i++], hstress_timeout, h, "dfly-mtxho-to");
		bt_start(test, &t[i++], hstress_link, h, "dfly-mtxho-ln");
		bt_start(test, &t[i++], hstress_async, h, "dfly-mtxho-as");
		bt_start(test, &t[i++], hstress_aborter, h, "dfly-mtxho-ab");
		BT_WAIT_UNTIL(test, atomic_read(&h->running) == 0);
		WRITE_ONCE(h->stop, 1);
		bt_join_n(t, HSTRESS_PLAIN + 4);
	});
	kunit_info(test, "%d sections, %d timeouts, %d aborts", atomic_read(&h->sections),
		   atomic_read(&h->timeouts), atomic_read(&h->aborts));
	KUNIT_EXPECT_EQ(test, atomic_read(&h->bad), 0);
	KUNIT_EXPECT_EQ(test, h->counter, (unsigned long)atomic_read(&h->sections));
	KUNIT_EXPECT_GE(test, atomic_read(&h->sections), HSTRESS_PLAIN * HSTRESS_ROUNDS);
	KUNIT_EXPECT_EQ(test, WORD(&h->m) & ~MTX_EXWANTED, 0U);
	KUNIT_EXPECT_PTR_EQ(test, (void *)READ_ONCE(h->m.mtx_exlink), NULL);
	mtx_uninit(&h->m);
}

static struct kunit_case mtx_cases[] = {
	KUNIT_CASE(mtx_lock_ex_excludes_others_who_wait_for_the_unlock),
	KUNIT_CASE(both_modes_recurse_without_any_flag),
	KUNIT_CASE(shared_holders_are_many_and_exclude_an_exclusive_one),
	KUNIT_CASE(upgrade_try_succeeds_for_the_sole_sharer_else_edeadlk),
	KUNIT_CASE(downgrade_turns_every_exclusive_count_into_a_shared_one),
	KUNIT_CASE(temp_release_frees_the_hold_and_restore_takes_it_back),
	KUNIT_CASE(lock_ex_with_a_timeout_fails_with_ewouldblock),
	KUNIT_CASE(pcatch_wait_ends_on_a_signal),
	KUNIT_CASE(aborted_link_request_fails_with_enolck),
	KUNIT_CASE(async_link_is_handed_the_lock_and_called_back),
	KUNIT_CASE(aborted_async_link_is_called_back_with_enolck),
	KUNIT_CASE(mtxsleep_releases_the_mutex_and_takes_it_back_exclusively),
	KUNIT_CASE(unlock_of_a_mutex_not_held_is_reported),
	KUNIT_CASE(mtx_uninit_of_a_held_mutex_is_reported),
	KUNIT_CASE(misuse_mtxsleep_with_a_mutex_not_held_is_reported_and_does_not_sleep),
	KUNIT_CASE(misuse_mtx_lock_in_interrupt_context_is_reported_and_tried_instead),
	KUNIT_CASE(mtx_holds_are_lock_events_of_its_type),
	KUNIT_CASE(stress_of_every_operation_keeps_exclusion),
	KUNIT_CASE(spinlock_is_exclusive_recursive_and_a_critical_section),
	KUNIT_CASE(spinlock_spins_until_a_sleeping_holder_releases),
	KUNIT_CASE(tsleep_holding_an_mtx_spinlock_is_reported),
	KUNIT_CASE(spinlock_of_a_mutex_held_shared_is_reported),
	KUNIT_CASE(release_hands_the_mutex_to_the_first_blocked_exclusive_request),
	KUNIT_CASE(linked_waiters_get_the_mutex_in_link_order_while_the_head_spins),
	KUNIT_CASE(stress_of_the_hand_off_with_timeouts_aborts_and_async_links),
	{}
};

static struct kunit_suite mtx_suite = {
	.name = "dragonfly_mtx",
	.test_cases = mtx_cases,
};

kunit_test_suites(&mtx_suite);
