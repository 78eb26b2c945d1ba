/*
 * DragonFly's LWKT messages and ports, msgport(9) (bsd-api-reference.md section 29), over
 * DragonFly's own primitives here: spinlock (spin ports), serializer (serializer ports),
 * ssleep / zsleep / wakeup (waiting for a message or a reply). Nothing here blocks any
 * other way, so every wait goes through the core's blocking tail (sleep.cpp).
 *
 * A message's life as its sender sees it (MSGF_* in ms_flags):
 *   lwkt_initmsg         DONE (an unsent message is done), reply port set
 *   lwkt_sendmsg         DONE, REPLY, SYNC cleared; the target's put handler either queues
 *                        it (QUEUED, returns EASYNC: the reply comes later, queued on the
 *                        reply port) or completes it at once (its error is replied now)
 *   lwkt_domsg           as sendmsg with SYNC set: a reply then only stores the error and
 *                        sets DONE | REPLY (not queued), and the sender waits for DONE in
 *                        lwkt_waitmsg; a put handler that completes at once gives its error
 *                        back directly (DONE | REPLY set)
 *   lwkt_replymsg        ms_error, then the reply port's handler: SYNC -> DONE | REPLY and
 *                        the waiter woken; else queued on the reply port with
 *                        REPLY | DONE | QUEUED (the sender gets it with lwkt_waitport/
 *                        getport, or lwkt_waitmsg takes it off)
 *   lwkt_abortmsg        an ABORTABLE message not yet DONE: taken off the target's queue if
 *                        still there, then its abort function (which replies, typically)
 * lwkt_waitmsg with PCATCH: a signal aborts the message (lwkt_abortmsg) and the wait goes on
 * without PCATCH until the reply comes, as DragonFly does: the message is the sender's and
 * must not be reused while a receiver has it.
 *
 * Memory order: ms_flags is changed with atomic read-modify-writes; the flag that ends a
 * phase is set with release (DONE after ms_error and the results; QUEUED after the message
 * is linked) and tested with acquire where it is read without the port's lock (the DONE
 * look of lwkt_waitmsg before it takes the lock). Everything else about a queue (links,
 * MSGPORTF_WAITING) changes under the port's lock: its spinlock, or the serializer the
 * caller holds (reported if not). A waiter sets WAITING and sleeps with the lock as
 * interlock (ssleep / zsleep: queued before the lock goes), a waker changes the state and
 * reads WAITING under the same lock: no lost wakeup.
 *
 * Thread ports (lwkt_initport_thread, and each thread's own port: lwkt_thread_port): the
 * queue of a spin port (DragonFly's thread port relies on the owner's CPU and a critical
 * section; on Linux any CPU may put, so the port's spinlock guards the queue), owned by one
 * thread (mpu_td). Anyone may put to it or reply to it; only the owner may take from it or
 * wait on it (lwkt_getport, lwkt_waitport, lwkt_waitmsg of a message whose reply port it is,
 * lwkt_dropmsg): another thread doing so is reported (DragonFly KKASSERTs) and gets nothing
 * (NULL, EINVAL; lwkt_dropmsg ENOENT), the port untouched.
 * A thread's own port (DragonFly's td_msgport, which every thread has) is allocated on first
 * use and hangs off the DragonFly slot of the thread record: created by the thread itself
 * (lwkt_thread_port(curthread)), or by another thread for it once it has a record (a
 * compare-and-swap decides; the loser frees its copy). A thread that never used bsdsync has
 * no record yet, so no port another thread could find: lwkt_thread_port(td) reports it and
 * returns NULL (the thread must make its port first, as a service thread does before it
 * publishes itself). The port is freed at the thread's exit (messages still queued on it are
 * reported: their senders would wait for a reply that never comes).
 *
 * Not here yet: IPI forwarding (mp_cpuid is recorded, all CPUs share the queue), priority
 * messages (MSGF_PRIORITY is kept as a flag, the queue is FIFO).
 */
#include <bsdsync/dragonfly/msgport.h>
#include "dragonfly/dragonfly.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace {

constexpr int kDone = BSDSYNC_DFLY_MSGF_DONE;
constexpr int kReply = BSDSYNC_DFLY_MSGF_REPLY;
constexpr int kQueued = BSDSYNC_DFLY_MSGF_QUEUED;
constexpr int kSync = BSDSYNC_DFLY_MSGF_SYNC;
constexpr int kWaiting = BSDSYNC_DFLY_MSGF_WAITING;
constexpr int kAbortable = BSDSYNC_DFLY_MSGF_ABORTABLE;
constexpr int kPortWaiting = BSDSYNC_DFLY_MSGPORTF_WAITING;
constexpr int kPcatch = BSDSYNC_DFLY_PCATCH;

inline int flags_of(const lwkt_msg *m) { return __atomic_load_n(&m->ms_flags, __ATOMIC_ACQUIRE); }
inline void flags_set(lwkt_msg *m, int f) { __atomic_fetch_or(&m->ms_flags, f, __ATOMIC_RELEASE); }
inline void flags_clear(lwkt_msg *m, int f) { __atomic_fetch_and(&m->ms_flags, ~f, __ATOMIC_RELAXED); }

ReportSubject port_subject(const lwkt_port *port)
{
	return ReportSubject{ "LWKT message port", "lwkt_port", port, nullptr };
}

/* ---- the queue (under the port's lock) ------------------------------------------------------ */

void queue_init(lwkt_port *p)
{
	p->mp_msgq.tqh_first = nullptr;
	p->mp_msgq.tqh_last = &p->mp_msgq.tqh_first;
}

void push(lwkt_port *p, lwkt_msg *m, int flags)
{
	m->ms_node.tqe_next = nullptr;
	m->ms_node.tqe_prev = p->mp_msgq.tqh_last;
	*p->mp_msgq.tqh_last = m;
	p->mp_msgq.tqh_last = &m->ms_node.tqe_next;
	/* Release: the links (and, for a reply, ms_error) before QUEUED. */
	flags_set(m, flags | kQueued);
}

void pull(lwkt_port *p, lwkt_msg *m)
{
	if (m->ms_node.tqe_next)
		m->ms_node.tqe_next->ms_node.tqe_prev = m->ms_node.tqe_prev;
	else
		p->mp_msgq.tqh_last = m->ms_node.tqe_prev;
	*m->ms_node.tqe_prev = m->ms_node.tqe_next;
	m->ms_node.tqe_next = nullptr;
	m->ms_node.tqe_prev = nullptr;
	flags_clear(m, kQueued);
}

/* Is m on p's queue? (Under the lock.) */
bool on_queue(lwkt_port *p, lwkt_msg *m)
{
	for (lwkt_msg *q = p->mp_msgq.tqh_first; q; q = q->ms_node.tqe_next)
		if (q == m)
			return true;
	return false;
}

/* ---- the lock of a spin or serializer port -------------------------------------------------- */
/* One implementation of the queue handlers for both kinds: the kind decides how the queue
 * is locked and how a waiter sleeps with it as interlock. */

bool is_serializer_port(const lwkt_port *p);

void port_lock(lwkt_port *p, const char *what)
{
	if (is_serializer_port(p)) {
		/* The caller holds the serializer (DragonFly asserts it). */
		if (!dfly_lwkt_serialize_is_serialized(p->mp_u.serialize))
			report(BSDSYNC_RULE_ASSERTION, port_subject(p), nullptr, 0,
			       "%s on a serializer port without holding its serializer", what);
		return;
	}
	dfly_spin_lock(&p->mp_u.spin, __FILE__, __LINE__);
}

void port_unlock(lwkt_port *p)
{
	if (!is_serializer_port(p))
		dfly_spin_unlock(&p->mp_u.spin, __FILE__, __LINE__);
}

int port_sleep(lwkt_port *p, const void *ident, int flags, const char *wmesg)
{
	if (is_serializer_port(p))
		return dfly_zsleep(ident, p->mp_u.serialize, flags, wmesg, 0, __FILE__, __LINE__);
	return dfly_ssleep(ident, &p->mp_u.spin, flags, wmesg, 0, __FILE__, __LINE__);
}

/* ---- the queue handlers --------------------------------------------------------------------- */

int queue_putport(lwkt_port *p, lwkt_msg *m)
{
	port_lock(p, "lwkt_putport");
	m->ms_target_port = p;
	push(p, m, 0);
	if (p->mp_flags & kPortWaiting) {
		p->mp_flags &= ~kPortWaiting;
		dfly_wakeup(p);
	}
	port_unlock(p);
	return BSDSYNC_DFLY_EASYNC;
}

void *queue_getport(lwkt_port *p)
{
	port_lock(p, "lwkt_getport");
	lwkt_msg *m = p->mp_msgq.tqh_first;
	if (m)
		pull(p, m);
	port_unlock(p);
	return m;
}

void *queue_waitport(lwkt_port *p, int flags)
{
	port_lock(p, "lwkt_waitport");
	lwkt_msg *m;
	while (!(m = p->mp_msgq.tqh_first)) {
		p->mp_flags |= kPortWaiting;
		if (port_sleep(p, p, flags, "waitport")) {
			port_unlock(p);
			return nullptr;	/* a signal (PCATCH) */
		}
	}
	pull(p, m);
	port_unlock(p);
	return m;
}

void queue_replyport(lwkt_port *p, lwkt_msg *m)
{
	port_lock(p, "lwkt_replymsg");
	if (flags_of(m) & kSync) {
		/* Release: ms_error and the results before DONE (the waiter may look without
		 * the lock). */
		bool waiting = flags_of(m) & kWaiting;
		flags_clear(m, kWaiting);
		flags_set(m, kDone | kReply);
		if (waiting)
			dfly_wakeup(m);
	} else {
		push(p, m, kReply | kDone);
		if (p->mp_flags & kPortWaiting) {
			p->mp_flags &= ~kPortWaiting;
			dfly_wakeup(p);
		}
		if (flags_of(m) & kWaiting) {
			flags_clear(m, kWaiting);
			dfly_wakeup(m);
		}
	}
	port_unlock(p);
}

int queue_waitmsg(lwkt_msg *m, int flags)
{
	lwkt_port *p = m->ms_reply_port;
	if ((flags_of(m) & (kDone | kQueued)) == kDone)
		return m->ms_error;	/* a synchronous reply: nothing queued */
	port_lock(p, "lwkt_waitmsg");
	while (!(flags_of(m) & kDone)) {
		flags_set(m, kWaiting);
		if (port_sleep(p, m, flags, "waitmsg") && (flags & kPcatch)) {
			/* A signal: the message is aborted, and the reply still awaited. */
			port_unlock(p);
			dfly_lwkt_abortmsg(m);
			flags &= ~kPcatch;
			port_lock(p, "lwkt_waitmsg");
		}
	}
	if ((flags_of(m) & kQueued) && on_queue(p, m))
		pull(p, m);
	port_unlock(p);
	return m->ms_error;
}

int queue_dropmsg(lwkt_port *p, lwkt_msg *m)
{
	int error = BSDSYNC_ENOENT;
	port_lock(p, "lwkt_dropmsg");
	if ((flags_of(m) & kQueued) && m->ms_target_port == p && on_queue(p, m)) {
		pull(p, m);
		error = 0;
	}
	port_unlock(p);
	return error;
}

/* ---- thread ports: a spin port only its owner receives from -------------------------------- */

bool is_thread_port(const lwkt_port *p);

/* The caller owns the thread port p; else reported (once per call) and false. */
bool owner_check(lwkt_port *p, const char *what)
{
	if (p->mpu_td == curthread())
		return true;
	report(BSDSYNC_RULE_NOT_OWNER, port_subject(p), nullptr, 0,
	       "%s on a thread port by a thread that does not own it: nothing done", what);
	return false;
}

void *thread_getport(lwkt_port *p)
{
	return owner_check(p, "lwkt_getport") ? queue_getport(p) : nullptr;
}

void *thread_waitport(lwkt_port *p, int flags)
{
	return owner_check(p, "lwkt_waitport") ? queue_waitport(p, flags) : nullptr;
}

int thread_waitmsg(lwkt_msg *m, int flags)
{
	/* DragonFly looks at the owner only when it has to wait or unqueue; a done message
	 * that is not queued needs neither. */
	if ((flags_of(m) & (kDone | kQueued)) == kDone)
		return m->ms_error;
	if (!owner_check(m->ms_reply_port, "lwkt_waitmsg"))
		return BSDSYNC_EINVAL;
	return queue_waitmsg(m, flags);
}

int thread_dropmsg(lwkt_port *p, lwkt_msg *m)
{
	return owner_check(p, "lwkt_dropmsg") ? queue_dropmsg(p, m) : BSDSYNC_ENOENT;
}

bool is_thread_port(const lwkt_port *p)
{
	return p->mp_getport == thread_getport;
}

/* ---- the other kinds ------------------------------------------------------------------------ */

void *panic_getport(lwkt_port *p)
{
	report(BSDSYNC_RULE_BAD_ARGUMENT, port_subject(p), nullptr, 0,
	       "lwkt_getport/waitport on a port that takes no messages");
	return nullptr;
}

void *panic_waitport(lwkt_port *p, int)
{
	return panic_getport(p);
}

int panic_putport(lwkt_port *p, lwkt_msg *)
{
	report(BSDSYNC_RULE_BAD_ARGUMENT, port_subject(p), nullptr, 0,
	       "a message sent to a port that takes none (reply-only or panic port)");
	return BSDSYNC_EINVAL;
}

int panic_waitmsg(lwkt_msg *m, int)
{
	report(BSDSYNC_RULE_BAD_ARGUMENT, port_subject(m->ms_reply_port), nullptr, 0,
	       "lwkt_waitmsg on a message whose reply port cannot be waited on");
	return BSDSYNC_EINVAL;
}

void panic_replyport(lwkt_port *p, lwkt_msg *)
{
	report(BSDSYNC_RULE_BAD_ARGUMENT, port_subject(p), nullptr, 0,
	       "a reply sent to a port that takes none (put-only or panic port)");
}

int panic_dropmsg(lwkt_port *, lwkt_msg *)
{
	return BSDSYNC_ENOENT;
}

/* Reply-only, null: the reply completes the message, nothing else. */
void null_replyport(lwkt_port *, lwkt_msg *m)
{
	flags_set(m, kDone | kReply);
}

void fn_replyport(lwkt_port *p, lwkt_msg *m)
{
	flags_set(m, kReply);
	p->mp_rportfn(p, m);
}

int fn_putport(lwkt_port *p, lwkt_msg *m)
{
	m->ms_target_port = p;
	return p->mp_pportfn(p, m);
}

bool is_serializer_port(const lwkt_port *p)
{
	return p->mp_putport == queue_putport && p->mpu_td == (void *)&is_serializer_port;
}

void init(lwkt_port *p, void *(*get)(lwkt_port *), int (*put)(lwkt_port *, lwkt_msg *),
	  int (*waitmsg)(lwkt_msg *, int), void *(*waitport)(lwkt_port *, int),
	  void (*reply)(lwkt_port *, lwkt_msg *), int (*drop)(lwkt_port *, lwkt_msg *))
{
	queue_init(p);
	p->mp_flags = 0;
	p->mp_cpuid = -1;
	p->mp_u.data = nullptr;
	p->mpu_td = nullptr;
	p->mp_getport = get;
	p->mp_putport = put;
	p->mp_waitmsg = waitmsg;
	p->mp_waitport = waitport;
	p->mp_replyport = reply;
	p->mp_dropmsg = drop;
	p->mp_rportfn = nullptr;
	p->mp_pportfn = nullptr;
}

void init_thread_port(lwkt_port *p, thread *td)
{
	init(p, thread_getport, queue_putport, thread_waitmsg, thread_waitport, queue_replyport,
	     thread_dropmsg);
	p->mp_u.spin.counta = 0;
	p->mp_u.spin.countb = 0;
	p->mp_u.spin.descr = "lwkt thread port";
	p->mpu_td = td;
}

} // namespace

namespace bsdsync::dfly {

/* The core's exit hook (personality.cpp): the thread's own port goes with it. */
void msgport_thread_exiting(ThreadState *t)
{
	/* Exchange: another thread may be making the port for this one (compare-and-swap in
	 * dfly_lwkt_thread_port); one made after this is not freed here (see the top). */
	lwkt_port *p = __atomic_exchange_n(&thread_slot(t)->msgport, nullptr, __ATOMIC_ACQ_REL);
	if (!p)
		return;
	/* The port's lock keeps a racing put from linking into the port as it goes; a put
	 * after this is a use after the thread's end, as in DragonFly. */
	dfly_spin_lock(&p->mp_u.spin, __FILE__, __LINE__);
	int queued = 0;
	for (lwkt_msg *q = p->mp_msgq.tqh_first; q; q = q->ms_node.tqe_next)
		queued++;
	dfly_spin_unlock(&p->mp_u.spin, __FILE__, __LINE__);
	if (queued)
		report(BSDSYNC_RULE_EXIT_HELD, port_subject(p), nullptr, 0,
		       "thread exited with %d message(s) still queued on its own port: they will "
		       "never be received", queued);
	bsdsync_free(p);
}

} // namespace bsdsync::dfly

extern "C" {

void dfly_lwkt_initport_thread(lwkt_port *p, thread *td)
{
	init_thread_port(p, td ? td : curthread());
}

lwkt_port *dfly_lwkt_thread_port(thread *td)
{
	thread *me = curthread();
	if (!td)
		td = me;
	ThreadState *t;
	if (td == me)
		t = bsdsync_in_interrupt() ? nullptr : own_record(me);
	else
		t = static_cast<ThreadState *>(bsdsync_td_find(td));
	if (!t) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "LWKT message port", "td_msgport",
								 td, nullptr },
		       nullptr, 0,
		       td == me ? "lwkt_thread_port in interrupt context (no thread): NULL"
				: "lwkt_thread_port of a thread that has not used bsdsync yet (it "
				  "has no record, so no port): NULL");
		return nullptr;
	}
	ThreadSlot *slot = thread_slot(t);
	lwkt_port *p = __atomic_load_n(&slot->msgport, __ATOMIC_ACQUIRE);
	if (p)
		return p;
	lwkt_port *fresh = static_cast<lwkt_port *>(bsdsync_alloc(sizeof(*fresh), 0));
	if (!fresh) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "LWKT message port", "td_msgport",
								 td, nullptr },
		       nullptr, 0, "lwkt_thread_port: out of memory for the port: NULL");
		return nullptr;
	}
	init_thread_port(fresh, td);
	/* Release: the initialised port before its pointer (pairs with the acquire above). */
	if (__atomic_compare_exchange_n(&slot->msgport, &p, fresh, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return fresh;
	bsdsync_free(fresh);	/* another thread made it first: p is its port */
	return p;
}

void dfly_lwkt_initport_spin(lwkt_port *p, void *td, int fixed_cpuid)
{
	init(p, queue_getport, queue_putport, queue_waitmsg, queue_waitport, queue_replyport,
	     queue_dropmsg);
	p->mp_u.spin.counta = 0;
	p->mp_u.spin.countb = 0;
	p->mp_u.spin.descr = "lwkt spin port";
	p->mpu_td = td;
	p->mp_cpuid = fixed_cpuid ? bsdsync_cpu_id() : -1;
}

void dfly_lwkt_initport_serialize(lwkt_port *p, struct lwkt_serialize *slz)
{
	init(p, queue_getport, queue_putport, queue_waitmsg, queue_waitport, queue_replyport,
	     queue_dropmsg);
	p->mp_u.serialize = slz;
	p->mpu_td = (void *)&is_serializer_port;	/* marks the kind */
}

void dfly_lwkt_initport_panic(lwkt_port *p)
{
	init(p, panic_getport, panic_putport, panic_waitmsg, panic_waitport, panic_replyport,
	     panic_dropmsg);
}

void dfly_lwkt_initport_replyonly_null(lwkt_port *p)
{
	init(p, panic_getport, panic_putport, panic_waitmsg, panic_waitport, null_replyport,
	     panic_dropmsg);
}

void dfly_lwkt_initport_replyonly(lwkt_port *p, void (*rportfn)(lwkt_port *, lwkt_msg *))
{
	init(p, panic_getport, panic_putport, panic_waitmsg, panic_waitport, fn_replyport,
	     panic_dropmsg);
	p->mp_rportfn = rportfn;
}

void dfly_lwkt_initport_putonly(lwkt_port *p, int (*pportfn)(lwkt_port *, lwkt_msg *))
{
	init(p, panic_getport, fn_putport, panic_waitmsg, panic_waitport, panic_replyport,
	     panic_dropmsg);
	p->mp_pportfn = pportfn;
}

void dfly_lwkt_replymsg(lwkt_msg *m, int error)
{
	m->ms_error = error;
	m->ms_reply_port->mp_replyport(m->ms_reply_port, m);
}

void dfly_lwkt_sendmsg(lwkt_port *p, lwkt_msg *m)
{
	flags_clear(m, kDone | kReply | kSync);
	int error = p->mp_putport(p, m);
	if (error != BSDSYNC_DFLY_EASYNC)
		dfly_lwkt_replymsg(m, error);	/* done at once: the reply is queued */
}

int dfly_lwkt_domsg(lwkt_port *p, lwkt_msg *m, int flags)
{
	flags_clear(m, kDone | kReply);
	flags_set(m, kSync);
	int error = p->mp_putport(p, m);
	if (error == BSDSYNC_DFLY_EASYNC)
		return m->ms_reply_port->mp_waitmsg(m, flags);
	m->ms_error = error;
	flags_set(m, kDone | kReply);
	return error;
}

int dfly_lwkt_forwardmsg(lwkt_port *p, lwkt_msg *m)
{
	int error = p->mp_putport(p, m);
	if (error != BSDSYNC_DFLY_EASYNC)
		dfly_lwkt_replymsg(m, error);
	return error;
}

void dfly_lwkt_abortmsg(lwkt_msg *m)
{
	if ((flags_of(m) & (kDone | kAbortable)) != kAbortable)
		return;
	lwkt_port *p = m->ms_target_port;
	/* Still queued: the receiver will not see it now. Then the abort function (it
	 * replies, typically). */
	if (p && is_thread_port(p))
		queue_dropmsg(p, m);	/* the sender, not the owner: no owner check */
	else if (p && p->mp_dropmsg)
		p->mp_dropmsg(p, m);
	if (m->ms_abortfn)
		m->ms_abortfn(m);
}

int dfly_lwkt_dropmsg(lwkt_msg *m)
{
	lwkt_port *p = m->ms_target_port;
	if (!p)
		return BSDSYNC_ENOENT;
	return p->mp_dropmsg(p, m);
}

} // extern "C"
