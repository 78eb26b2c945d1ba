// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly's LWKT messages and ports (msgport(9), bsd-api-reference.md section 29), spin,
 * serializer, reply-only, put-only and panic ports: an asynchronous send is queued on the
 * target and its reply queued on the reply port (DONE | REPLY as the sender sees it); a
 * synchronous lwkt_domsg waits and its reply is not queued; a put handler that completes
 * at once; reply functions; abort of a queued message and on a signal; lwkt_dropmsg;
 * serializer ports under their serializer; a panic port's misuse reported; round trips
 * between several threads and ports, synchronous and asynchronous; a waiter for a reply
 * marks nothing on its message (a synchronous one is counted on the reply port, an
 * asynchronous one sets the port's WAITING), several waiters sharing one reply port each
 * woken by their reply; the port's spinlock free after each operation and seen by a lock
 * event sink. Thread ports: a thread's
 * own port (lwkt_thread_port) as the reply port of lwkt_domsg and lwkt_sendmsg, requests
 * and replies on the same thread port between several threads in a ring, abort of a message
 * queued on a thread port, receive by a thread that does not own the port reported, the port
 * of a thread that has no record reported, messages left on a thread's port at its exit
 * reported.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

#include "harness.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/serialize.h>
#include <sys/thread.h>
#include <sys/msgport.h>
#include <sys/msgport2.h>

struct req_msg {
	struct lwkt_msg msg;	/* first */
	int value;
};

#define FLAGS(m)	READ_ONCE((m)->ms_flags)

/* ---- a service thread: replies to n messages of its port with value * 2 ------------------- */

struct service {
	struct lwkt_port *port;
	int n;
	int error;		/* the reply's error */
	int served;
};

static void service_main(void *arg)
{
	struct service *s = arg;
	int i;

	for (i = 0; i < s->n; i++) {
		struct req_msg *r = lwkt_waitport(s->port, 0);

		if (!r)
			break;
		r->msg.u.ms_result = r->value * 2;
		lwkt_replymsg(&r->msg, s->error);
		WRITE_ONCE(s->served, s->served + 1);
	}
}

static void sendmsg_is_queued_and_its_reply_queued_on_the_reply_port(struct kunit *test)
{
	struct lwkt_port target, rport;
	struct service s = { .port = &target, .n = 1, .error = 7 };
	struct req_msg r = { .value = 21 };
	struct bt_thread t;
	struct req_msg *got;

	lwkt_initport_spin(&target, NULL, 0);
	lwkt_initport_spin(&rport, current, 0);
	lwkt_initmsg(&r.msg, &rport, 0);
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & MSGF_DONE, MSGF_DONE);	/* unsent: done */
	lwkt_sendmsg(&target, &r.msg);
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & (MSGF_DONE | MSGF_QUEUED), MSGF_QUEUED);
	KUNIT_EXPECT_PTR_EQ(test, (void *)r.msg.ms_target_port, (void *)&target);
	bt_start(test, &t, service_main, &s, "dfly-svc");
	got = lwkt_waitport(&rport, 0);
	bt_join(&t);
	KUNIT_EXPECT_PTR_EQ(test, (void *)got, (void *)&r);
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED),
			MSGF_DONE | MSGF_REPLY);
	KUNIT_EXPECT_EQ(test, r.msg.ms_error, 7);
	KUNIT_EXPECT_EQ(test, r.msg.u.ms_result, 42);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&r.msg, 0), 7);	/* done: at once */
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));
}

static void domsg_waits_for_the_reply_which_is_not_queued(struct kunit *test)
{
	struct lwkt_port target, rport;
	struct service s = { .port = &target, .n = 1, .error = 0 };
	struct req_msg r = { .value = 5 };
	struct bt_thread t;

	lwkt_initport_spin(&target, NULL, 0);
	lwkt_initport_spin(&rport, current, 0);
	lwkt_initmsg(&r.msg, &rport, 0);
	bt_start(test, &t, service_main, &s, "dfly-svc");
	KUNIT_EXPECT_EQ(test, lwkt_domsg(&target, &r.msg, 0), 0);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, r.msg.u.ms_result, 10);
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED),
			MSGF_DONE | MSGF_REPLY);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));
	KUNIT_EXPECT_EQ(test, lwkt_checkmsg(&r.msg), MSGF_DONE);
}

/* ---- put-only and reply-only ports ---------------------------------------------------------- */

static int putonly_now(struct lwkt_port *port, struct lwkt_msg *msg)
{
	struct req_msg *r = (struct req_msg *)msg;

	r->msg.u.ms_result = r->value + 1;
	return r->value == 0 ? EINVAL : 0;	/* completed in the sender's context */
}

static void putport_that_completes_at_once_gives_its_error_back(struct kunit *test)
{
	struct lwkt_port target, rport;
	struct req_msg r = { .value = 3 };
	struct req_msg *got;

	lwkt_initport_putonly(&target, putonly_now);
	lwkt_initport_spin(&rport, current, 0);
	lwkt_initmsg(&r.msg, &rport, 0);
	KUNIT_EXPECT_EQ(test, lwkt_domsg(&target, &r.msg, 0), 0);
	KUNIT_EXPECT_EQ(test, r.msg.u.ms_result, 4);
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & (MSGF_DONE | MSGF_REPLY), MSGF_DONE | MSGF_REPLY);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));
	/* Asynchronous: the immediate completion is replied, so queued on the reply port. */
	r.value = 0;
	lwkt_sendmsg(&target, &r.msg);
	got = lwkt_getport(&rport);
	KUNIT_EXPECT_PTR_EQ(test, (void *)got, (void *)&r);
	KUNIT_EXPECT_EQ(test, r.msg.ms_error, EINVAL);
}

static atomic_t rport_calls;

static void count_reply(struct lwkt_port *port, struct lwkt_msg *msg)
{
	atomic_inc(&rport_calls);
	msg->ms_flags |= MSGF_DONE;
}

static void replyonly_ports_complete_or_call_their_function(struct kunit *test)
{
	struct lwkt_port target, rnull, rfn;
	struct service s = { .port = &target, .n = 2, .error = 9 };
	struct req_msg a = { .value = 1 }, b = { .value = 2 };
	struct bt_thread t;

	lwkt_initport_spin(&target, NULL, 0);
	lwkt_initport_replyonly_null(&rnull);
	lwkt_initport_replyonly(&rfn, count_reply);
	atomic_set(&rport_calls, 0);
	lwkt_initmsg(&a.msg, &rnull, 0);
	lwkt_initmsg(&b.msg, &rfn, 0);
	lwkt_sendmsg(&target, &a.msg);
	lwkt_sendmsg(&target, &b.msg);
	bt_start(test, &t, service_main, &s, "dfly-svc");
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, FLAGS(&a.msg) & (MSGF_DONE | MSGF_REPLY), MSGF_DONE | MSGF_REPLY);
	KUNIT_EXPECT_EQ(test, a.msg.ms_error, 9);
	KUNIT_EXPECT_EQ(test, atomic_read(&rport_calls), 1);
	KUNIT_EXPECT_EQ(test, FLAGS(&b.msg) & MSGF_REPLY, MSGF_REPLY);
	KUNIT_EXPECT_EQ(test, b.msg.u.ms_result, 4);
}

/* ---- abort, drop ---------------------------------------------------------------------------- */

static void abort_replies_enolck(struct lwkt_msg *msg)
{
	lwkt_replymsg(msg, ENOLCK);
}

static void aborted_queued_message_is_not_received_and_replied_by_its_abortfn(struct kunit *test)
{
	struct lwkt_port target, rport;
	struct req_msg r = { .value = 1 };

	lwkt_initport_spin(&target, NULL, 0);
	lwkt_initport_spin(&rport, current, 0);
	lwkt_initmsg_abortable(&r.msg, &rport, 0, abort_replies_enolck);
	lwkt_sendmsg(&target, &r.msg);
	lwkt_abortmsg(&r.msg);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&target));
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&r.msg, 0), ENOLCK);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));	/* waitmsg took the reply off */
	/* Done: a second abort does nothing. */
	lwkt_abortmsg(&r.msg);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));
}

struct sig_sender {
	struct lwkt_port *target;
	struct lwkt_port rport;
	struct req_msg r;
	int waiting;
	int error;
	int done;
};

static void sig_sender_main(void *arg)
{
	struct sig_sender *s = arg;

	allow_signal(SIGUSR1);
	lwkt_initport_spin(&s->rport, current, 0);
	lwkt_initmsg_abortable(&s->r.msg, &s->rport, 0, abort_replies_enolck);
	lwkt_sendmsg(s->target, &s->r.msg);
	WRITE_ONCE(s->waiting, 1);
	s->error = lwkt_waitmsg(&s->r.msg, PCATCH);
	flush_signals(current);
	WRITE_ONCE(s->done, 1);
}

static void signal_in_waitmsg_aborts_the_message(struct kunit *test)
{
	struct lwkt_port target;
	struct sig_sender *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lwkt_initport_spin(&target, NULL, 0);
	s->target = &target;
	bt_start(test, &t, sig_sender_main, s, "dfly-msig");
	/* Asleep for the asynchronous reply: the reply port marked WAITING, as DragonFly. */
	BT_WAIT_UNTIL(test, READ_ONCE(s->waiting) && (READ_ONCE(s->rport.mp_flags) & MSGPORTF_WAITING));
	send_sig(SIGUSR1, t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	BT_RESCUE(READ_ONCE(s->done), lwkt_replymsg(&s->r.msg, 0));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->error, ENOLCK);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&target));
}

static void dropmsg_takes_a_queued_message_back(struct kunit *test)
{
	struct lwkt_port target, rport;
	struct req_msg r = { .value = 1 };

	lwkt_initport_spin(&target, NULL, 0);
	lwkt_initport_spin(&rport, current, 0);
	lwkt_initmsg(&r.msg, &rport, MSGF_DROPABLE);
	lwkt_sendmsg(&target, &r.msg);
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&r.msg), 0);
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & MSGF_QUEUED, 0);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&target));
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&r.msg), ENOENT);
}

/* ---- serializer ports ----------------------------------------------------------------------- */

struct slz_service {
	struct lwkt_serialize slz;
	struct lwkt_port port;
	int got_value;
	int done;
};

static void slz_service_main(void *arg)
{
	struct slz_service *s = arg;
	struct req_msg *r;

	lwkt_serialize_enter(&s->slz);
	r = lwkt_waitport(&s->port, 0);	/* zsleep: the serializer is free meanwhile */
	s->got_value = r ? r->value : -1;
	if (r)
		lwkt_replymsg(&r->msg, 0);
	lwkt_serialize_exit(&s->slz);
	WRITE_ONCE(s->done, 1);
}

static void serializer_port_works_under_its_serializer(struct kunit *test)
{
	struct slz_service *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct lwkt_port rport;
	struct req_msg r = { .value = 77 };
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lwkt_serialize_init(&s->slz);
	lwkt_initport_serialize(&s->port, &s->slz);
	lwkt_initport_replyonly_null(&rport);
	lwkt_initmsg(&r.msg, &rport, 0);
	bt_start(test, &t, slz_service_main, s, "dfly-slzp");
	BT_WAIT_UNTIL(test, READ_ONCE(s->port.mp_flags) & MSGPORTF_WAITING);
	BT_EXPECT_NO_REPORT(test, {
		lwkt_serialize_enter(&s->slz);
		lwkt_sendmsg(&s->port, &r.msg);
		lwkt_serialize_exit(&s->slz);
	});
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	BT_RESCUE(READ_ONCE(s->done), {
		lwkt_serialize_enter(&s->slz);
		wakeup(&s->port);
		lwkt_serialize_exit(&s->slz);
	});
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->got_value, 77);
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & MSGF_DONE, MSGF_DONE);
	/* Without the serializer: reported (DragonFly asserts). */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, lwkt_getport(&s->port));
}

/* ---- misuse --------------------------------------------------------------------------------- */

static void panic_port_reports_every_operation(struct kunit *test)
{
	struct lwkt_port p, rport;
	struct req_msg r = { .value = 1 };

	lwkt_initport_panic(&p);
	lwkt_initport_replyonly_null(&rport);
	lwkt_initmsg(&r.msg, &rport, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 KUNIT_EXPECT_EQ(test, lwkt_domsg(&p, &r.msg, 0), EINVAL));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, KUNIT_EXPECT_NULL(test, lwkt_getport(&p)));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 KUNIT_EXPECT_NULL(test, lwkt_getport(&rport)));
}

/* A reply-only port cannot be waited on (DragonFly: lwkt_panic_waitmsg): lwkt_waitmsg of a
 * message whose reply port is one is reported once and returns EINVAL without waiting; the
 * message is unchanged. */
static void misuse_waitmsg_on_a_reply_only_port_is_reported_and_does_not_wait(
	struct kunit *test)
{
	struct lwkt_port rport;
	struct req_msg r = { .value = 1 };
	int error = -1, flags;

	lwkt_initport_replyonly_null(&rport);
	lwkt_initmsg(&r.msg, &rport, 0);
	r.msg.ms_flags &= ~MSGF_DONE;	/* as if sent and not replied yet */
	flags = r.msg.ms_flags;
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 BT_EXPECT_NO_SLEEP(test, error = lwkt_waitmsg(&r.msg, 0)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_EQ(test, r.msg.ms_flags, flags);
}

static int putonly_puts;

static int count_put(struct lwkt_port *port, struct lwkt_msg *msg)
{
	putonly_puts++;
	return EASYNC;
}

/* A put-only port takes no reply (DragonFly: lwkt_panic_replyport): lwkt_replymsg to it is
 * reported once; the message is not completed and the port's function is not called. */
static void misuse_reply_to_a_put_only_port_is_reported_and_not_delivered(struct kunit *test)
{
	struct lwkt_port pport;
	struct req_msg r = { .value = 1 };
	int flags;

	putonly_puts = 0;
	lwkt_initport_putonly(&pport, count_put);
	lwkt_initmsg(&r.msg, &pport, 0);
	r.msg.ms_flags &= ~MSGF_DONE;
	flags = r.msg.ms_flags;
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, lwkt_replymsg(&r.msg, 0));
	KUNIT_EXPECT_EQ(test, r.msg.ms_flags, flags);
	KUNIT_EXPECT_FALSE(test, lwkt_checkmsg(&r.msg));
	KUNIT_EXPECT_EQ(test, putonly_puts, 0);
}

/* ---- round trips ---------------------------------------------------------------------------- */

#define SENDERS 3
#define SERVICES 2
#define TRIPS 2000

struct trips {
	struct lwkt_port target;
	struct service svc[SERVICES];
	atomic_t bad;
	int id_next;
};

static void sender_main(void *arg)
{
	struct trips *tr = arg;
	int id = __atomic_fetch_add(&tr->id_next, 1, __ATOMIC_RELAXED);
	struct lwkt_port rport;
	struct req_msg r;
	int i;

	lwkt_initport_spin(&rport, current, 0);
	for (i = 0; i < TRIPS; i++) {
		r.value = id * 100000 + i;
		lwkt_initmsg(&r.msg, &rport, 0);
		if (i & 1) {
			if (lwkt_domsg(&tr->target, &r.msg, 0) != 0)
				atomic_inc(&tr->bad);
		} else {
			lwkt_sendmsg(&tr->target, &r.msg);
			if (lwkt_waitport(&rport, 0) != &r || r.msg.ms_error != 0)
				atomic_inc(&tr->bad);
		}
		if (r.msg.u.ms_result != r.value * 2)
			atomic_inc(&tr->bad);
	}
}

/*
 * SERVICES service threads on `target` serve `total` messages between them while `nsenders`
 * senders run sender(arg) (no report); every message is served once, and no sender counted
 * a bad reply (*bad).
 */
static void serve_while_senders_run(struct kunit *test, struct lwkt_port *target,
				    struct service *svc, int total, int nsenders,
				    void (*sender)(void *), void *arg, const atomic_t *bad)
{
	struct bt_thread *snd = kunit_kcalloc(test, nsenders, sizeof(*snd), GFP_KERNEL);
	struct bt_thread svt[SERVICES];
	int i, served = 0;

	KUNIT_ASSERT_NOT_NULL(test, snd);
	for (i = 0; i < SERVICES; i++) {
		svc[i].port = target;
		svc[i].n = total / SERVICES;
		bt_start(test, &svt[i], service_main, &svc[i], "dfly-svcs");
	}
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, snd, nsenders, sender, arg, 0, "dfly-snd");
		bt_join_n(snd, nsenders);
	});
	bt_join_n(svt, SERVICES);
	for (i = 0; i < SERVICES; i++)
		served += svc[i].served;
	KUNIT_EXPECT_EQ(test, atomic_read(bad), 0);
	KUNIT_EXPECT_EQ(test, served, total);
}

static void round_trips_between_threads_and_ports(struct kunit *test)
{
	struct trips *tr = kunit_kzalloc(test, sizeof(*tr), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tr);
	lwkt_initport_spin(&tr->target, NULL, 0);
	serve_while_senders_run(test, &tr->target, tr->svc, SENDERS * TRIPS, SENDERS, sender_main,
				tr, &tr->bad);
}

/* ---- waiting for a reply: what the waiter marks (nothing on the message) ---------------- */

struct waiter {
	struct lwkt_port *target;
	struct lwkt_port *rport;
	struct req_msg r;
	int sync;		/* lwkt_domsg, else lwkt_sendmsg + lwkt_waitmsg */
	int error;
	int done;
};

static void waiter_main(void *arg)
{
	struct waiter *w = arg;

	lwkt_initmsg(&w->r.msg, w->rport, 0);
	if (w->sync) {
		w->error = lwkt_domsg(w->target, &w->r.msg, 0);
	} else {
		lwkt_sendmsg(w->target, &w->r.msg);
		w->error = lwkt_waitmsg(&w->r.msg, 0);
	}
	WRITE_ONCE(w->done, 1);
}

/* Receive the one message of `target` and reply to it with value * 2 and `error`. */
static struct req_msg *serve_one(struct lwkt_port *target, int error)
{
	struct req_msg *r = lwkt_getport(target);

	if (r) {
		r->msg.u.ms_result = r->value * 2;
		lwkt_replymsg(&r->msg, error);
	}
	return r;
}

static void domsg_sleeper_is_counted_on_the_reply_port_and_woken_by_the_reply(struct kunit *test)
{
	struct lwkt_port target, rport;
	struct waiter *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, w);
	lwkt_initport_spin(&target, NULL, 0);
	lwkt_initport_spin(&rport, NULL, 0);
	w->target = &target;
	w->rport = &rport;
	w->sync = 1;
	w->r.value = 8;
	bt_start(test, &t, waiter_main, w, "dfly-dosl");
	/* Asleep in lwkt_waitmsg: counted on the reply port, the message unmarked (a receiver
	 * may change its flags meanwhile). */
	BT_WAIT_UNTIL(test, READ_ONCE(rport.mp_msgwaiters) == 1);
	KUNIT_EXPECT_EQ(test, FLAGS(&w->r.msg) & (MSGF_WAITING | MSGF_DONE | MSGF_QUEUED |
						  MSGF_SYNC), MSGF_QUEUED | MSGF_SYNC);
	KUNIT_EXPECT_PTR_EQ(test, (void *)serve_one(&target, 3), (void *)&w->r);
	BT_WAIT_UNTIL(test, READ_ONCE(w->done));
	BT_RESCUE(READ_ONCE(w->done), lwkt_replymsg(&w->r.msg, 0));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, w->error, 3);
	KUNIT_EXPECT_EQ(test, w->r.msg.u.ms_result, 16);
	KUNIT_EXPECT_EQ(test, FLAGS(&w->r.msg) & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED |
						  MSGF_WAITING), MSGF_DONE | MSGF_REPLY);
	KUNIT_EXPECT_EQ(test, rport.mp_msgwaiters, 0);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));	/* a synchronous reply is not queued */
}

static void waitmsg_of_a_sent_message_sleeps_on_the_reply_port_until_its_reply(struct kunit *test)
{
	struct lwkt_port target, rport;
	struct waiter *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, w);
	lwkt_initport_spin(&target, NULL, 0);
	lwkt_initport_spin(&rport, NULL, 0);
	w->target = &target;
	w->rport = &rport;
	w->r.value = 4;
	bt_start(test, &t, waiter_main, w, "dfly-wmsl");
	/* Asleep for an asynchronous reply: the reply port WAITING, as DragonFly. */
	BT_WAIT_UNTIL(test, READ_ONCE(rport.mp_flags) & MSGPORTF_WAITING);
	KUNIT_EXPECT_EQ(test, FLAGS(&w->r.msg) & (MSGF_WAITING | MSGF_DONE | MSGF_QUEUED),
			MSGF_QUEUED);
	KUNIT_EXPECT_EQ(test, rport.mp_msgwaiters, 0);
	KUNIT_EXPECT_PTR_EQ(test, (void *)serve_one(&target, 5), (void *)&w->r);
	BT_WAIT_UNTIL(test, READ_ONCE(w->done));
	BT_RESCUE(READ_ONCE(w->done), lwkt_replymsg(&w->r.msg, 0));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, w->error, 5);
	KUNIT_EXPECT_EQ(test, w->r.msg.u.ms_result, 8);
	KUNIT_EXPECT_EQ(test, FLAGS(&w->r.msg) & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED),
			MSGF_DONE | MSGF_REPLY);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));	/* lwkt_waitmsg took the reply off */
}

/* Several senders share one reply port, each waiting in lwkt_waitmsg for its own message,
 * synchronous and asynchronous alternately, while services pull and reply concurrently: the
 * receivers' flag stores race the waiters' sleeps; a lost wakeup hangs a sender. */
#define SHARED_SENDERS 4
#define SHARED_TRIPS 1500

struct shared_rport {
	struct lwkt_port target;
	struct lwkt_port rport;
	struct service svc[SERVICES];
	atomic_t bad;
	int id_next;
};

static void shared_sender_main(void *arg)
{
	struct shared_rport *sr = arg;
	int id = __atomic_fetch_add(&sr->id_next, 1, __ATOMIC_RELAXED);
	struct req_msg r;
	int i;

	for (i = 0; i < SHARED_TRIPS; i++) {
		r.value = id * 100000 + i;
		lwkt_initmsg(&r.msg, &sr->rport, 0);
		if ((i + id) & 1) {
			if (lwkt_domsg(&sr->target, &r.msg, 0) != 0)
				atomic_inc(&sr->bad);
		} else {
			lwkt_sendmsg(&sr->target, &r.msg);
			if (lwkt_waitmsg(&r.msg, 0) != 0)
				atomic_inc(&sr->bad);
		}
		if (r.msg.u.ms_result != r.value * 2 ||
		    (FLAGS(&r.msg) & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED)) != (MSGF_DONE | MSGF_REPLY))
			atomic_inc(&sr->bad);
	}
}

static void waiters_sharing_a_reply_port_are_each_woken_by_their_reply(struct kunit *test)
{
	struct shared_rport *sr = kunit_kzalloc(test, sizeof(*sr), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sr);
	lwkt_initport_spin(&sr->target, NULL, 0);
	lwkt_initport_spin(&sr->rport, NULL, 0);
	serve_while_senders_run(test, &sr->target, sr->svc, SHARED_SENDERS * SHARED_TRIPS,
				SHARED_SENDERS, shared_sender_main, sr, &sr->bad);
	KUNIT_EXPECT_EQ(test, sr->rport.mp_msgwaiters, 0);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&sr->rport));
	KUNIT_EXPECT_NULL(test, lwkt_getport(&sr->target));
}

/* The port's spinlock, taken inside the module: free after every operation, the implicit
 * critical section left; with a lock-event sink attached, taken as a recorded hold whose
 * events name it (the inline hold is for when nobody listens). */
static void spin_port_lock_is_free_after_each_operation_and_seen_by_a_sink(struct kunit *test)
{
	struct lwkt_port target, rport;
	struct req_msg r = { .value = 1 };
	int pc = preempt_count();
	int i, acquired = 0, released = 0;

	lwkt_initport_spin(&target, NULL, 0);
	lwkt_initport_spin(&rport, NULL, 0);
	lwkt_initmsg(&r.msg, &rport, 0);
	BT_EXPECT_NO_REPORT(test, {
		lwkt_sendmsg(&target, &r.msg);
		KUNIT_EXPECT_EQ(test, target.mp_u.spin.counta, 0u);
		KUNIT_EXPECT_EQ(test, preempt_count(), pc);
		KUNIT_EXPECT_PTR_EQ(test, (void *)serve_one(&target, 0), (void *)&r);
		KUNIT_EXPECT_EQ(test, target.mp_u.spin.counta, 0u);
		KUNIT_EXPECT_EQ(test, rport.mp_u.spin.counta, 0u);
		KUNIT_EXPECT_EQ(test, preempt_count(), pc);
		KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&r.msg, 0), 0);
		KUNIT_EXPECT_EQ(test, rport.mp_u.spin.counta, 0u);
		KUNIT_EXPECT_EQ(test, preempt_count(), pc);
	});
	lwkt_initmsg(&r.msg, &rport, 0);
	bt_events_start(test);
	lwkt_sendmsg(&target, &r.msg);
	lwkt_getport(&target);
	bt_events_stop();
	for (i = 0; i < bt_events.n && i < BT_EVENTS_MAX; i++) {
		if (bt_events.ev[i].lock != (const void *)&target.mp_u.spin)
			continue;
		acquired += bt_events.ev[i].kind == BSDSYNC_LE_ACQUIRED;
		released += bt_events.ev[i].kind == BSDSYNC_LE_RELEASED;
	}
	KUNIT_EXPECT_EQ(test, acquired, 2);	/* the put and the get */
	KUNIT_EXPECT_EQ(test, released, 2);
	KUNIT_EXPECT_EQ(test, target.mp_u.spin.counta, 0u);
	KUNIT_EXPECT_EQ(test, preempt_count(), pc);
}

/* ---- thread ports ------------------------------------------------------------------------- */

/* A service on its own thread port: publishes the port, then serves n messages. */
struct tsvc {
	struct lwkt_port *port;	/* published by the service */
	int n;
	int served;
	int bad_owner;		/* the port's owner is not the service thread */
};

static void tsvc_main(void *arg)
{
	struct tsvc *s = arg;
	struct lwkt_port *port = lwkt_thread_port(curthread);
	int i;

	if (port && port->mpu_td != (void *)curthread)
		s->bad_owner = 1;
	smp_store_release(&s->port, port);
	if (!port)
		return;
	for (i = 0; i < s->n; i++) {
		struct req_msg *r = lwkt_waitport(port, 0);

		if (!r)
			break;
		r->msg.u.ms_result = r->value * 2;
		lwkt_replymsg(&r->msg, 0);
		WRITE_ONCE(s->served, s->served + 1);
	}
}

static void thread_port_replies_reach_the_sender_s_own_port(struct kunit *test)
{
	struct tsvc s = { .n = 2 };
	struct lwkt_port *mine = lwkt_thread_port(curthread);
	struct req_msg a = { .value = 4 }, b = { .value = 9 };
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, mine);
	/* The same port every time it is asked for, by its thread or another. */
	KUNIT_EXPECT_PTR_EQ(test, (void *)lwkt_thread_port(curthread), (void *)mine);
	KUNIT_EXPECT_PTR_EQ(test, (void *)lwkt_thread_port(NULL), (void *)mine);
	bt_start(test, &t, tsvc_main, &s, "dfly-tsvc");
	BT_WAIT_UNTIL(test, smp_load_acquire(&s.port) != NULL);
	KUNIT_ASSERT_NOT_NULL(test, s.port);
	KUNIT_EXPECT_EQ(test, s.bad_owner, 0);
	KUNIT_EXPECT_PTR_EQ(test, (void *)lwkt_thread_port((struct thread *)t.task),
			    (void *)s.port);
	/* Synchronous, replying to our own thread port: the reply is not queued. */
	lwkt_initmsg(&a.msg, mine, 0);
	KUNIT_EXPECT_EQ(test, lwkt_domsg(s.port, &a.msg, 0), 0);
	KUNIT_EXPECT_EQ(test, a.msg.u.ms_result, 8);
	KUNIT_EXPECT_EQ(test, FLAGS(&a.msg) & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED),
			MSGF_DONE | MSGF_REPLY);
	KUNIT_EXPECT_NULL(test, lwkt_getport(mine));
	/* Asynchronous: the reply is queued on our thread port. */
	lwkt_initmsg(&b.msg, mine, 0);
	lwkt_sendmsg(s.port, &b.msg);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(mine, 0), (void *)&b);
	KUNIT_EXPECT_EQ(test, b.msg.u.ms_result, 18);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&b.msg, 0), 0);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s.served, 2);
}

static void waitmsg_on_a_thread_port_takes_the_queued_reply(struct kunit *test)
{
	struct lwkt_port port;
	struct tsvc s = { .n = 1 };
	struct req_msg r = { .value = 1 };
	struct bt_thread t;

	lwkt_initport_thread(&port, curthread);
	bt_start(test, &t, tsvc_main, &s, "dfly-tsvc");
	BT_WAIT_UNTIL(test, smp_load_acquire(&s.port) != NULL);
	KUNIT_ASSERT_NOT_NULL(test, s.port);
	lwkt_initmsg(&r.msg, &port, 0);
	lwkt_sendmsg(s.port, &r.msg);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&r.msg, 0), 0);	/* waits, then unqueues */
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & MSGF_QUEUED, 0);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));
	KUNIT_EXPECT_EQ(test, r.msg.u.ms_result, 2);
	bt_join(&t);
}

/* A ring of threads: each sends RING_TRIPS requests to the next thread's own port, one at a
 * time, and serves the previous thread's requests; requests and replies arrive on the same
 * thread port (MSGF_REPLY tells them apart). */
#define RING 3
#define RING_TRIPS 1000

struct ring {
	struct lwkt_port *port[RING];
	atomic_t ready;
	atomic_t bad;
	int id_next;
};

static void ring_main(void *arg)
{
	struct ring *rg = arg;
	int id = __atomic_fetch_add(&rg->id_next, 1, __ATOMIC_RELAXED);
	struct lwkt_port *mine = lwkt_thread_port(curthread), *next;
	struct req_msg r;
	int sent = 0, replies = 0, served = 0;

	smp_store_release(&rg->port[id], mine);
	atomic_inc(&rg->ready);
	while (atomic_read(&rg->ready) < RING)
		usleep_range(100, 200);
	next = smp_load_acquire(&rg->port[(id + 1) % RING]);
	if (!mine || !next) {
		atomic_inc(&rg->bad);
		return;
	}
	r.value = id * 100000;
	lwkt_initmsg(&r.msg, mine, 0);
	lwkt_sendmsg(next, &r.msg);
	sent = 1;
	while (replies < RING_TRIPS || served < RING_TRIPS) {
		struct req_msg *m = lwkt_waitport(mine, 0);

		if (!m) {
			atomic_inc(&rg->bad);
			return;
		}
		if (FLAGS(&m->msg) & MSGF_REPLY) {
			if (m != &r || r.msg.u.ms_result != r.value * 2)
				atomic_inc(&rg->bad);
			replies++;
			if (sent < RING_TRIPS) {
				r.value = id * 100000 + sent;
				lwkt_initmsg(&r.msg, mine, 0);
				lwkt_sendmsg(next, &r.msg);
				sent++;
			}
		} else {
			m->msg.u.ms_result = m->value * 2;
			lwkt_replymsg(&m->msg, 0);
			served++;
		}
	}
}

static void messages_between_several_threads_own_ports(struct kunit *test)
{
	struct ring *rg = kunit_kzalloc(test, sizeof(*rg), GFP_KERNEL);
	struct bt_thread t[RING];

	KUNIT_ASSERT_NOT_NULL(test, rg);
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, t, RING, ring_main, rg, 0, "dfly-ring");
		bt_join_n(t, RING);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&rg->bad), 0);
}

/* A thread that owns a port and waits until told to go. */
struct owner {
	struct lwkt_port port;
	struct completion go;
	atomic_t ready;
};

static void owner_main(void *arg)
{
	struct owner *o = arg;

	lwkt_initport_thread(&o->port, curthread);
	atomic_set(&o->ready, 1);
	wait_for_completion(&o->go);
}

static void receive_on_a_thread_port_by_a_non_owner_is_reported(struct kunit *test)
{
	struct owner *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct lwkt_port rport;
	struct req_msg r = { .value = 1 }, q = { .value = 2 };
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, o);
	init_completion(&o->go);
	bt_start(test, &t, owner_main, o, "dfly-owner");
	BT_WAIT_UNTIL(test, atomic_read(&o->ready));
	/* Anyone may put. */
	lwkt_initport_spin(&rport, curthread, 0);
	lwkt_initmsg(&r.msg, &rport, 0);
	BT_EXPECT_NO_REPORT(test, lwkt_sendmsg(&o->port, &r.msg));
	/* Only the owner receives: each misuse one report, nothing taken. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_NULL(test, lwkt_getport(&o->port)));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_NULL(test, lwkt_waitport(&o->port, 0)));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&r.msg), ENOENT));
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & MSGF_QUEUED, MSGF_QUEUED);
	/* Waiting for a reply on a port another thread owns. */
	lwkt_initmsg(&q.msg, &o->port, 0);
	lwkt_sendmsg(&rport, &q.msg);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&q.msg, 0), EINVAL));
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&rport), (void *)&q);
	/* Reply by anyone: queued on the owner's port. */
	BT_EXPECT_NO_REPORT(test, lwkt_replymsg(&q.msg, 0));
	complete(&o->go);
	bt_join(&t);
}

static void aborted_message_on_a_thread_port_is_not_received(struct kunit *test)
{
	struct owner *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct lwkt_port rport;
	struct req_msg r = { .value = 1 };
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, o);
	init_completion(&o->go);
	bt_start(test, &t, owner_main, o, "dfly-owner");
	BT_WAIT_UNTIL(test, atomic_read(&o->ready));
	lwkt_initport_thread(&rport, curthread);
	lwkt_initmsg_abortable(&r.msg, &rport, 0, abort_replies_enolck);
	lwkt_sendmsg(&o->port, &r.msg);
	KUNIT_EXPECT_EQ(test, FLAGS(&r.msg) & MSGF_QUEUED, MSGF_QUEUED);
	/* The sender aborts a message queued on a port another thread owns. */
	BT_EXPECT_NO_REPORT(test, lwkt_abortmsg(&r.msg));
	KUNIT_EXPECT_NULL(test, READ_ONCE(o->port.mp_msgq.tqh_first));
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&r.msg, 0), ENOLCK);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));
	complete(&o->go);
	bt_join(&t);
}

static void parked_main(void *arg)
{
	wait_for_completion(arg);
}

static void thread_port_of_a_thread_without_record_is_reported(struct kunit *test)
{
	DECLARE_COMPLETION_ONSTACK(go);
	struct bt_thread t;

	bt_start(test, &t, parked_main, &go, "dfly-parked");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 KUNIT_EXPECT_NULL(test, lwkt_thread_port((struct thread *)t.task)));
	complete(&go);
	bt_join(&t);
}

static void self_send_main(void *arg)
{
	struct req_msg *r = arg;
	struct lwkt_port *mine = lwkt_thread_port(curthread);

	lwkt_initmsg(&r->msg, mine, 0);
	lwkt_sendmsg(mine, &r->msg);	/* left on the port */
}

static void exit_with_messages_on_the_thread_port_is_reported(struct kunit *test)
{
	struct req_msg r = { .value = 1 };
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD);
	unsigned long total = bsdsync_report_total();
	struct task_struct *task;
	struct bt_thread t;

	bt_start(test, &t, self_send_main, &r, "dfly-selfsend");
	task = t.task;
	get_task_struct(task);
	bt_join(&t);
	/* exit_state is set after the exit hook (sched_process_exit) ran. */
	BT_WAIT_UNTIL(test, READ_ONCE(task->exit_state) != 0);
	put_task_struct(task);
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD) - before, 1UL);
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - total, 1UL);
}

static struct kunit_case msgport_cases[] = {
	KUNIT_CASE(sendmsg_is_queued_and_its_reply_queued_on_the_reply_port),
	KUNIT_CASE(domsg_waits_for_the_reply_which_is_not_queued),
	KUNIT_CASE(putport_that_completes_at_once_gives_its_error_back),
	KUNIT_CASE(replyonly_ports_complete_or_call_their_function),
	KUNIT_CASE(aborted_queued_message_is_not_received_and_replied_by_its_abortfn),
	KUNIT_CASE(signal_in_waitmsg_aborts_the_message),
	KUNIT_CASE(dropmsg_takes_a_queued_message_back),
	KUNIT_CASE(serializer_port_works_under_its_serializer),
	KUNIT_CASE(panic_port_reports_every_operation),
	KUNIT_CASE(misuse_waitmsg_on_a_reply_only_port_is_reported_and_does_not_wait),
	KUNIT_CASE(misuse_reply_to_a_put_only_port_is_reported_and_not_delivered),
	KUNIT_CASE(round_trips_between_threads_and_ports),
	KUNIT_CASE(domsg_sleeper_is_counted_on_the_reply_port_and_woken_by_the_reply),
	KUNIT_CASE(waitmsg_of_a_sent_message_sleeps_on_the_reply_port_until_its_reply),
	KUNIT_CASE(waiters_sharing_a_reply_port_are_each_woken_by_their_reply),
	KUNIT_CASE(spin_port_lock_is_free_after_each_operation_and_seen_by_a_sink),
	KUNIT_CASE(thread_port_replies_reach_the_sender_s_own_port),
	KUNIT_CASE(waitmsg_on_a_thread_port_takes_the_queued_reply),
	KUNIT_CASE(messages_between_several_threads_own_ports),
	KUNIT_CASE(aborted_message_on_a_thread_port_is_not_received),
	KUNIT_CASE(receive_on_a_thread_port_by_a_non_owner_is_reported),
	KUNIT_CASE(thread_port_of_a_thread_without_record_is_reported),
	KUNIT_CASE(exit_with_messages_on_the_thread_port_is_reported),
	{}
};

static struct kunit_suite msgport_suite = {
	.name = "dragonfly_msgport",
	.test_cases = msgport_cases,
};

kunit_test_suites(&msgport_suite);
