// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly's serializer as a ported (network) driver uses it (bsd-api-reference.md section
 * 27): enter/exit exclude, a contended enter sleeps until the exit, try returns 1 on success,
 * adaptive_enter, the handler gate (disable/enable/call/try, checked before and after
 * entering), ASSERT_SERIALIZED / ASSERT_NOT_SERIALIZED, the serializer kept across tsleep,
 * zsleep; misuse reports; a stress of enter/exit, adaptive_enter and handler calls.
 */
#include <linux/atomic.h>
#include <linux/random.h>
#include <linux/sched.h>

#include "harness.h"
#include <bsdsync/lock_events.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/serialize.h>

#define WORD(s)		((unsigned int)READ_ONCE((s)->interlock))

struct enterer {
	struct lwkt_serialize *s;
	int adaptive;
	int done;
	int held_inside;
	struct completion release;
};

static void enterer_main(void *arg)
{
	struct enterer *e = arg;

	if (e->adaptive)
		lwkt_serialize_adaptive_enter(e->s);
	else
		lwkt_serialize_enter(e->s);
	e->held_inside = IS_SERIALIZED(e->s);
	WRITE_ONCE(e->done, 1);
	wait_for_completion(&e->release);
	lwkt_serialize_exit(e->s);
}

static void enterer_start(struct kunit *test, struct bt_thread *t, struct enterer *e,
			  struct lwkt_serialize *s, int adaptive)
{
	memset(e, 0, sizeof(*e));
	e->s = s;
	e->adaptive = adaptive;
	init_completion(&e->release);
	bt_start(test, t, enterer_main, e, "dfly-slz");
}

static void enter_excludes_and_a_contended_enter_sleeps_until_exit(struct kunit *test)
{
	struct lwkt_serialize s;
	struct bt_thread t;
	struct enterer e;

	lwkt_serialize_init(&s);
	lwkt_serialize_enter(&s);
	KUNIT_EXPECT_TRUE(test, IS_SERIALIZED(&s));
	enterer_start(test, &t, &e, &s, 0);
	BT_WAIT_UNTIL(test, WORD(&s) & BSDSYNC_DFLY_SLZ_WAITERS);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(e.done));
	lwkt_serialize_exit(&s);
	KUNIT_EXPECT_FALSE(test, IS_SERIALIZED(&s));
	BT_WAIT_UNTIL(test, READ_ONCE(e.done));
	KUNIT_EXPECT_TRUE(test, e.held_inside);
	KUNIT_EXPECT_EQ(test, lwkt_serialize_try(&s), 0);
	complete(&e.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, WORD(&s), 0U);
}

static void try_returns_one_when_it_gets_the_serializer(struct kunit *test)
{
	struct lwkt_serialize s = LWKT_SERIALIZE_INITIALIZER;
	struct bt_thread t;
	struct enterer e;

	KUNIT_EXPECT_EQ(test, lwkt_serialize_try(&s), 1);
	KUNIT_EXPECT_TRUE(test, IS_SERIALIZED(&s));
	lwkt_serialize_exit(&s);
	enterer_start(test, &t, &e, &s, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(e.done));
	KUNIT_EXPECT_EQ(test, lwkt_serialize_try(&s), 0);
	complete(&e.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, lwkt_serialize_try(&s), 1);
	lwkt_serialize_exit(&s);
}

static void adaptive_enter_gets_it_after_the_holder_exits(struct kunit *test)
{
	struct lwkt_serialize s;
	struct bt_thread t;
	struct enterer e;

	lwkt_serialize_init(&s);
	lwkt_serialize_adaptive_enter(&s);
	KUNIT_EXPECT_TRUE(test, IS_SERIALIZED(&s));
	enterer_start(test, &t, &e, &s, 1);
	BT_WAIT_UNTIL(test, WORD(&s) & BSDSYNC_DFLY_SLZ_WAITERS);	/* it spun, then slept */
	lwkt_serialize_exit(&s);
	BT_WAIT_UNTIL(test, READ_ONCE(e.done));
	KUNIT_EXPECT_TRUE(test, e.held_inside);
	complete(&e.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, WORD(&s), 0U);
}

/* ---- the handler gate ----------------------------------------------------------------------- */

struct handler_seen {
	struct lwkt_serialize *s;
	atomic_t calls;
	int serialized;
	void *frame;
};

static void handler(void *arg, void *frame)
{
	struct handler_seen *h = arg;

	h->serialized = IS_SERIALIZED(h->s);
	h->frame = frame;
	atomic_inc(&h->calls);
}

static void handler_runs_serialized_only_while_enabled(struct kunit *test)
{
	struct lwkt_serialize s;
	struct handler_seen h = { .s = &s };
	int frame;

	lwkt_serialize_init(&s);
	lwkt_serialize_handler_call(&s, handler, &h, &frame);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.calls), 1);
	KUNIT_EXPECT_TRUE(test, h.serialized);
	KUNIT_EXPECT_PTR_EQ(test, h.frame, (void *)&frame);
	KUNIT_EXPECT_FALSE(test, IS_SERIALIZED(&s));
	KUNIT_EXPECT_EQ(test, lwkt_serialize_handler_try(&s, handler, &h, &frame), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.calls), 2);

	lwkt_serialize_handler_disable(&s);
	lwkt_serialize_handler_disable(&s);	/* not stackable */
	lwkt_serialize_handler_call(&s, handler, &h, &frame);
	KUNIT_EXPECT_EQ(test, lwkt_serialize_handler_try(&s, handler, &h, &frame), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.calls), 2);
	/* The gate is not the lock: the serializer still works. */
	lwkt_serialize_enter(&s);
	KUNIT_EXPECT_TRUE(test, IS_SERIALIZED(&s));
	lwkt_serialize_exit(&s);
	lwkt_serialize_handler_enable(&s);
	lwkt_serialize_handler_call(&s, handler, &h, &frame);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.calls), 3);
	KUNIT_EXPECT_EQ(test, WORD(&s), 0U);
}

/* handler_try on a busy serializer: 1, the handler not run. */
static void handler_try_on_a_busy_serializer_does_not_run_it(struct kunit *test)
{
	struct lwkt_serialize s;
	struct handler_seen h = { .s = &s };
	struct bt_thread t;
	struct enterer e;

	lwkt_serialize_init(&s);
	enterer_start(test, &t, &e, &s, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(e.done));
	KUNIT_EXPECT_EQ(test, lwkt_serialize_handler_try(&s, handler, &h, NULL), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.calls), 0);
	complete(&e.release);
	bt_join(&t);
}

/* A disable that comes while handler_call waits for the serializer wins: checked again
 * once entered. */
struct late_call {
	struct lwkt_serialize *s;
	struct handler_seen *h;
	int done;
};

static void late_call_main(void *arg)
{
	struct late_call *c = arg;

	lwkt_serialize_handler_call(c->s, handler, c->h, NULL);
	WRITE_ONCE(c->done, 1);
}

static void handler_disabled_while_waiting_is_not_run(struct kunit *test)
{
	struct lwkt_serialize s;
	struct handler_seen h = { .s = &s };
	struct late_call c = { .s = &s, .h = &h };
	struct bt_thread t;

	lwkt_serialize_init(&s);
	lwkt_serialize_enter(&s);
	bt_start(test, &t, late_call_main, &c, "dfly-slzh");
	BT_WAIT_UNTIL(test, WORD(&s) & BSDSYNC_DFLY_SLZ_WAITERS);
	lwkt_serialize_handler_disable(&s);
	lwkt_serialize_exit(&s);
	BT_WAIT_UNTIL(test, READ_ONCE(c.done));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.calls), 0);
	KUNIT_EXPECT_EQ(test, WORD(&s), BSDSYNC_DFLY_SLZ_DISABLED);
}

/* ---- held across blocking; zsleep ----------------------------------------------------------- */

static void tsleep_keeps_the_serializer(struct kunit *test)
{
	struct lwkt_serialize s;
	int chan;

	lwkt_serialize_init(&s);
	lwkt_serialize_enter(&s);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, tsleep(&chan, 0, "slzheld", 1),
						  EWOULDBLOCK));
	KUNIT_EXPECT_TRUE(test, IS_SERIALIZED(&s));
	lwkt_serialize_exit(&s);
}

struct zs {
	struct lwkt_serialize s;
	int chan;
	int asleep;
	int error;
	int held_after;
	int done;
};

static void zsleeper_main(void *arg)
{
	struct zs *z = arg;

	lwkt_serialize_enter(&z->s);
	WRITE_ONCE(z->asleep, 1);
	z->error = zsleep(&z->chan, &z->s, 0, "zsleep", 30 * hz);
	z->held_after = IS_SERIALIZED(&z->s);
	lwkt_serialize_exit(&z->s);
	WRITE_ONCE(z->done, 1);
}

static void zsleep_exits_the_serializer_and_enters_it_again(struct kunit *test)
{
	struct zs *z = kunit_kzalloc(test, sizeof(*z), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, z);
	lwkt_serialize_init(&z->s);
	bt_start(test, &t, zsleeper_main, z, "dfly-zs");
	BT_WAIT_UNTIL(test, READ_ONCE(z->asleep) && WORD(&z->s) == 0);
	lwkt_serialize_enter(&z->s);
	wakeup(&z->chan);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(z->done));
	lwkt_serialize_exit(&z->s);
	BT_WAIT_UNTIL(test, READ_ONCE(z->done));
	BT_RESCUE(READ_ONCE(z->done), wakeup(&z->chan));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, z->error, 0);
	KUNIT_EXPECT_TRUE(test, z->held_after);
	KUNIT_EXPECT_EQ(test, WORD(&z->s), 0U);
}

/* ---- assertions and misuse ------------------------------------------------------------------ */

static void serializer_assertions_report_when_wrong(struct kunit *test)
{
	struct lwkt_serialize s;

	lwkt_serialize_init(&s);
	BT_EXPECT_NO_REPORT(test, ASSERT_NOT_SERIALIZED(&s));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, ASSERT_SERIALIZED(&s));
	lwkt_serialize_enter(&s);
	BT_EXPECT_NO_REPORT(test, ASSERT_SERIALIZED(&s));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, ASSERT_NOT_SERIALIZED(&s));
	lwkt_serialize_exit(&s);
}

static void recursive_enter_is_reported_and_exits_stay_balanced(struct kunit *test)
{
	struct lwkt_serialize s;

	lwkt_serialize_init(&s);
	lwkt_serialize_enter(&s);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, lwkt_serialize_enter(&s));
	BT_EXPECT_NO_REPORT(test, lwkt_serialize_exit(&s));
	KUNIT_EXPECT_TRUE(test, IS_SERIALIZED(&s));
	BT_EXPECT_NO_REPORT(test, lwkt_serialize_exit(&s));
	KUNIT_EXPECT_EQ(test, WORD(&s), 0U);
}

static void exit_by_a_thread_not_holding_it_is_reported(struct kunit *test)
{
	struct lwkt_serialize s;
	struct bt_thread t;
	struct enterer e;

	lwkt_serialize_init(&s);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lwkt_serialize_exit(&s));
	enterer_start(test, &t, &e, &s, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(e.done));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lwkt_serialize_exit(&s));
	KUNIT_EXPECT_TRUE(test, WORD(&s) & BSDSYNC_DFLY_SLZ_HELD);
	complete(&e.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, WORD(&s), 0U);
}

/* zsleep by a thread that does not hold the serializer (free, or held by another thread):
 * one report, EINVAL, no sleep, the serializer as it was. */
static void misuse_zsleep_with_a_serializer_not_held_is_reported_and_does_not_sleep(
	struct kunit *test)
{
	struct lwkt_serialize s;
	struct bt_thread t;
	struct enterer e;
	int chan, error = -1;

	lwkt_serialize_init(&s);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 BT_EXPECT_NO_SLEEP(test, error = zsleep(&chan, &s, 0, "notheld", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_EQ(test, WORD(&s), 0U);
	enterer_start(test, &t, &e, &s, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(e.done));
	error = -1;
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 BT_EXPECT_NO_SLEEP(test, error = zsleep(&chan, &s, 0, "notheld", 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_TRUE(test, WORD(&s) & BSDSYNC_DFLY_SLZ_HELD);
	complete(&e.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, WORD(&s), 0U);
}

/* An enter made in interrupt context on a serializer another thread holds: reported once,
 * tried instead; not entered (a DragonFly interrupt thread would block). A handler_call
 * there: the same report, and the handler does not run unserialized. */
struct irq_slz {
	struct lwkt_serialize *s;
	struct handler_seen *h;
	int serialized;
};

static void irq_slz_enter(void *arg)
{
	struct irq_slz *x = arg;

	lwkt_serialize_enter(x->s);
	x->serialized = IS_SERIALIZED(x->s);
}

static void irq_slz_handler_call(void *arg)
{
	struct irq_slz *x = arg;

	lwkt_serialize_handler_call(x->s, handler, x->h, NULL);
}

static void misuse_serializer_enter_in_interrupt_context_is_reported_and_tried_instead(
	struct kunit *test)
{
	struct lwkt_serialize s;
	struct handler_seen h = { .s = &s };
	struct irq_slz x = { .s = &s, .h = &h, .serialized = -1 };
	struct bt_thread t;
	struct enterer e;
	struct bt_irq_result r;

	lwkt_serialize_init(&s);
	enterer_start(test, &t, &e, &s, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(e.done));
	bt_in_interrupt_on_this_thread(test, false, irq_slz_enter, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	KUNIT_EXPECT_EQ(test, x.serialized, 0);
	bt_in_interrupt_on_this_thread(test, true, irq_slz_handler_call, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.calls), 0);
	KUNIT_EXPECT_TRUE(test, WORD(&s) & BSDSYNC_DFLY_SLZ_HELD);
	complete(&e.release);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, WORD(&s), 0U);
}

/* ---- lock events ---------------------------------------------------------------------------- */

static void serializer_holds_are_lock_events_of_its_type(struct kunit *test)
{
	struct lwkt_serialize s;

	lwkt_serialize_init(&s);
	bt_events_start(test);
	lwkt_serialize_enter(&s);
	lwkt_serialize_exit(&s);
	bt_events_stop();
	KUNIT_ASSERT_EQ(test, bt_events.n, 3);
	KUNIT_EXPECT_EQ(test, bt_events.ev[0].kind, BSDSYNC_LE_ACQUIRING);
	KUNIT_EXPECT_EQ(test, bt_events.ev[1].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[2].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_PTR_EQ(test, bt_events.ev[1].lock, (const void *)&s);
	KUNIT_EXPECT_STREQ(test, bt_events.ev[1].type->name, "DragonFly serializer");
}

/* ---- stress --------------------------------------------------------------------------------- */

#define STRESS_THREADS 4
#define STRESS_ROUNDS 3000

struct stress {
	struct lwkt_serialize s;
	atomic_t inside;
	int bad;
	unsigned long count;	/* only changed serialized */
};

static void stress_body(void *arg, void *frame)
{
	struct stress *st = arg;

	if (atomic_inc_return(&st->inside) != 1 || !IS_SERIALIZED(&st->s))
		WRITE_ONCE(st->bad, 1);
	st->count++;
	atomic_dec(&st->inside);
}

static void stress_main(void *arg)
{
	struct stress *st = arg;
	int i;

	for (i = 0; i < STRESS_ROUNDS; i++) {
		switch (get_random_u32() % 4) {
		case 0:
			lwkt_serialize_enter(&st->s);
			stress_body(st, NULL);
			lwkt_serialize_exit(&st->s);
			break;
		case 1:
			lwkt_serialize_adaptive_enter(&st->s);
			stress_body(st, NULL);
			lwkt_serialize_exit(&st->s);
			break;
		case 2:
			lwkt_serialize_handler_call(&st->s, stress_body, st, NULL);
			break;
		case 3:
			if (lwkt_serialize_handler_try(&st->s, stress_body, st, NULL))
				lwkt_serialize_handler_call(&st->s, stress_body, st, NULL);
			break;
		}
		if ((i & 63) == 0)
			cond_resched();
	}
}

static void stress_of_enter_and_handlers_keeps_exclusion(struct kunit *test)
{
	struct stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct bt_thread t[STRESS_THREADS];

	KUNIT_ASSERT_NOT_NULL(test, st);
	lwkt_serialize_init(&st->s);
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, t, STRESS_THREADS, stress_main, st, 0, "dfly-slzst");
		bt_join_n(t, STRESS_THREADS);
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(st->bad), 0);
	KUNIT_EXPECT_EQ(test, st->count, (unsigned long)STRESS_THREADS * STRESS_ROUNDS);
	KUNIT_EXPECT_EQ(test, WORD(&st->s), 0U);
}

static struct kunit_case serialize_cases[] = {
	KUNIT_CASE(enter_excludes_and_a_contended_enter_sleeps_until_exit),
	KUNIT_CASE(try_returns_one_when_it_gets_the_serializer),
	KUNIT_CASE(adaptive_enter_gets_it_after_the_holder_exits),
	KUNIT_CASE(handler_runs_serialized_only_while_enabled),
	KUNIT_CASE(handler_try_on_a_busy_serializer_does_not_run_it),
	KUNIT_CASE(handler_disabled_while_waiting_is_not_run),
	KUNIT_CASE(tsleep_keeps_the_serializer),
	KUNIT_CASE(zsleep_exits_the_serializer_and_enters_it_again),
	KUNIT_CASE(serializer_assertions_report_when_wrong),
	KUNIT_CASE(recursive_enter_is_reported_and_exits_stay_balanced),
	KUNIT_CASE(exit_by_a_thread_not_holding_it_is_reported),
	KUNIT_CASE(misuse_zsleep_with_a_serializer_not_held_is_reported_and_does_not_sleep),
	KUNIT_CASE(misuse_serializer_enter_in_interrupt_context_is_reported_and_tried_instead),
	KUNIT_CASE(serializer_holds_are_lock_events_of_its_type),
	KUNIT_CASE(stress_of_enter_and_handlers_keeps_exclusion),
	{}
};

static struct kunit_suite serialize_suite = {
	.name = "dragonfly_serialize",
	.test_cases = serialize_cases,
};

kunit_test_suites(&serialize_suite);
