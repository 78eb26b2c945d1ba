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
 * Who writes ms_flags, and the fast path that relies on it. A message has one owner at a
 * time, and only its owner writes ms_flags, by a plain load and a plain store (release),
 * no atomic read-modify-write: the sender until the send (initmsg, sendmsg's and domsg's
 * clearing), the target port while it is queued there (push sets QUEUED, pull clears it,
 * both under the target port's lock, and lwkt_dropmsg/abortmsg's pull under the same lock),
 * the receiver that took it until its reply, the reply port's handler (under the reply
 * port's lock: DONE | REPLY, or queued with QUEUED | REPLY | DONE), then the sender again
 * (lwkt_waitmsg's pull under the reply port's lock, or once it saw DONE). Ownership passes
 * through the port's lock (push and pull under the same one), program order (a receiver
 * replies after its pull), or DONE (stored with release after ms_error and the results,
 * read with acquire: lwkt_waitmsg's and lwkt_checkmsg's look without the lock). Others only
 * read (a driver changes its own MSGF_USER* bits only while it owns the message, as it must
 * with DragonFly's own plain updates). So the waiting sender marks nothing on the message (DragonFly sets MSGF_WAITING
 * with an atomic, racing the receiver's pull, which therefore clears QUEUED with an atomic
 * too; bsdsync never sets MSGF_WAITING): an asynchronous message's waiter sets the reply
 * port's MSGPORTF_WAITING and sleeps on the port, as a lwkt_waitport caller does (the
 * queued reply wakes both); a synchronous message's waiter is counted in the reply port's
 * mp_msgwaiters and sleeps on the message, which its reply wakes if the count is not zero.
 * Everything else about a queue (links, mp_flags, mp_msgwaiters) changes under the port's
 * lock: its spinlock, or the serializer the caller holds (reported if not). A waiter sets
 * its mark and sleeps with the lock as interlock (ssleep / zsleep: queued before the lock
 * goes), a waker changes the state and reads the mark under the same lock: no lost wakeup.
 *
 * A spin (or thread) port's spinlock is taken inline here, as a driver's production build
 * takes a DragonFly spinlock (<sys/spinlock2.h>): preemption off and one CAS of the free word
 * to 1 | UNRECORDED, released by one 16-bit store, while no lock-event sink is attached and
 * the preempt count is one instruction (else dfly_spin_lock, recorded and sent as events).
 * Such a hold is not in the held-locks stack: it lasts a few instructions of this file and
 * never spans a block (ssleep releases it, and takes it back recorded). The kind of a port
 * is fixed in its handlers (the queue handlers are instantiated per kind), and lwkt_sendmsg
 * calls a spin or thread port's put handler directly. So an uncontended send to a spin port
 * and its lwkt_getport are one CAS each, the two atomics of the hand-off (DragonFly's own
 * path adds an atomic QUEUED update on each side), and no wakeup unless MSGPORTF_WAITING is
 * set.
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
constexpr int kAbortable = BSDSYNC_DFLY_MSGF_ABORTABLE;
constexpr int kPortWaiting = BSDSYNC_DFLY_MSGPORTF_WAITING;
constexpr int kPcatch = BSDSYNC_DFLY_PCATCH;
constexpr unsigned kSpinInline = 1u | BSDSYNC_DFLY_SPINLOCK_UNRECORDED;

/* ms_flags (see the top): read with acquire where the reader may not own the message (the
 * DONE look), written by its one owner of the moment with a plain store, release. */
BSDSYNC_ALWAYS_INLINE int flags_of(const lwkt_msg *m)
{
	return __atomic_load_n(&m->ms_flags, __ATOMIC_ACQUIRE);
}
BSDSYNC_ALWAYS_INLINE int flags_mine(const lwkt_msg *m)
{
	return __atomic_load_n(&m->ms_flags, __ATOMIC_RELAXED);
}
BSDSYNC_ALWAYS_INLINE void flags_store(lwkt_msg *m, int f)
{
	__atomic_store_n(&m->ms_flags, f, __ATOMIC_RELEASE);
}

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

/* Links m at the tail and stores its flags `flags` | QUEUED: one store, release, the links
 * (and, for a reply, ms_error and the results) before QUEUED (and DONE). */
BSDSYNC_ALWAYS_INLINE void push_as(lwkt_port *p, lwkt_msg *m, int flags)
{
	m->ms_node.tqe_next = nullptr;
	m->ms_node.tqe_prev = p->mp_msgq.tqh_last;
	*p->mp_msgq.tqh_last = m;
	p->mp_msgq.tqh_last = &m->ms_node.tqe_next;
	flags_store(m, flags | kQueued);
}

BSDSYNC_ALWAYS_INLINE void push(lwkt_port *p, lwkt_msg *m, int flags)
{
	push_as(p, m, flags_mine(m) | flags);
}

BSDSYNC_ALWAYS_INLINE void pull(lwkt_port *p, lwkt_msg *m)
{
	if (m->ms_node.tqe_next)
		m->ms_node.tqe_next->ms_node.tqe_prev = m->ms_node.tqe_prev;
	else
		p->mp_msgq.tqh_last = m->ms_node.tqe_prev;
	*m->ms_node.tqe_prev = m->ms_node.tqe_next;
	/* The links stay stale, as DragonFly's TAILQ_REMOVE leaves them (QUEUED tells). A plain
	 * store: nobody else writes ms_flags while the message is queued (the top). */
	flags_store(m, flags_mine(m) & ~kQueued);
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
/* One implementation of the queue handlers for both kinds (kSlz: a serializer port), the
 * kind fixed per handler (no test at run time): the kind decides how the queue is locked
 * and how a waiter sleeps with it as interlock. */

BSDSYNC_NOINLINE void serializer_not_held(lwkt_port *p, const char *what)
{
	report(BSDSYNC_RULE_ASSERTION, port_subject(p), nullptr, 0,
	       "%s on a serializer port without holding its serializer", what);
}

/* A spin port's spinlock, taken as a driver's production build takes a DragonFly spinlock
 * (<sys/spinlock2.h>): while no lock-event sink is attached and the preempt count is one
 * instruction, preemption off and one CAS 0 -> 1 | UNRECORDED (acquire: pairs with the
 * release store or fetch_sub of whichever unlock freed the word), not recorded in the
 * held-locks stack (held here for a few instructions of this file, never across a block:
 * ssleep releases it, see the top); anything else (held, a sink attached, the preempt
 * count through calls) the module's recorded dfly_spin_lock. */
BSDSYNC_ALWAYS_INLINE void spin_port_lock(lwkt_port *p)
{
	if (likely(bsdsync_irq_inline) && likely(!lock_events_on())) {
		bsdsync_preempt_disable_fast();	/* the implicit critical section */
		unsigned v = 0;
		if (likely(cas_acquire(&p->mp_u.spin.counta, &v, kSpinInline)))
			return;
		bsdsync_preempt_enable_fast();	/* dfly_spin_lock enters its own */
	}
	dfly_spin_lock(&p->mp_u.spin, __FILE__, __LINE__);
}

/* Its release: the low 16 bits 1 | UNRECORDED (the inline hold above, only its holder
 * changes them; exclusive acquirers spinning may add EXCLWAIT above by RMWs of the whole
 * word) -> 0 by one 16-bit store, release (pairs with the next acquirer's CAS), as
 * <sys/spinlock2.h>'s spin_unlock; a recorded hold (taken by dfly_spin_lock above, or
 * again by ssleep after its sleep) the module's dfly_spin_unlock. */
BSDSYNC_ALWAYS_INLINE void spin_port_unlock(lwkt_port *p)
{
	volatile unsigned short *low = (volatile unsigned short *)&p->mp_u.spin.counta;
	if (likely(__atomic_load_n(low, __ATOMIC_RELAXED) == kSpinInline)) {
		__atomic_store_n(low, (unsigned short)0, __ATOMIC_RELEASE);
		/* Only spin_port_lock makes an inline hold of a port's lock (a driver does not
		 * take it), and only where bsdsync_irq_inline holds: the fast preempt count. */
		bsdsync_preempt_enable_fast();
		return;
	}
	dfly_spin_unlock(&p->mp_u.spin, __FILE__, __LINE__);
}

template <bool kSlz> BSDSYNC_ALWAYS_INLINE void port_lock(lwkt_port *p, const char *what)
{
	if (kSlz) {
		/* The caller holds the serializer (DragonFly asserts it). */
		if (!dfly_lwkt_serialize_is_serialized(p->mp_u.serialize))
			serializer_not_held(p, what);
		return;
	}
	spin_port_lock(p);
}

template <bool kSlz> BSDSYNC_ALWAYS_INLINE void port_unlock(lwkt_port *p)
{
	if (!kSlz)
		spin_port_unlock(p);
}

template <bool kSlz> int port_sleep(lwkt_port *p, const void *ident, int flags, const char *wmesg)
{
	if (kSlz)
		return dfly_zsleep(ident, p->mp_u.serialize, flags, wmesg, 0, __FILE__, __LINE__);
	return dfly_ssleep(ident, &p->mp_u.spin, flags, wmesg, 0, __FILE__, __LINE__);
}

/* ---- the queue handlers --------------------------------------------------------------------- */

/* The put, with the message's new flags (QUEUED added): lwkt_sendmsg folds its own store
 * into this one for a spin or thread port (it calls this inline). */
template <bool kSlz> BSDSYNC_ALWAYS_INLINE void put_as(lwkt_port *p, lwkt_msg *m, int flags)
{
	port_lock<kSlz>(p, "lwkt_putport");
	m->ms_target_port = p;
	push_as(p, m, flags);
	if (unlikely(p->mp_flags & kPortWaiting)) {
		p->mp_flags &= ~kPortWaiting;
		dfly_wakeup(p);
	}
	port_unlock<kSlz>(p);
}

template <bool kSlz> int queue_putport(lwkt_port *p, lwkt_msg *m)
{
	put_as<kSlz>(p, m, flags_mine(m));
	return BSDSYNC_DFLY_EASYNC;
}

template <bool kSlz> BSDSYNC_ALWAYS_INLINE void *getport_inline(lwkt_port *p)
{
	port_lock<kSlz>(p, "lwkt_getport");
	lwkt_msg *m = p->mp_msgq.tqh_first;
	if (m)
		pull(p, m);
	port_unlock<kSlz>(p);
	return m;
}

template <bool kSlz> void *queue_getport(lwkt_port *p)
{
	return getport_inline<kSlz>(p);
}

template <bool kSlz> void *queue_waitport(lwkt_port *p, int flags)
{
	port_lock<kSlz>(p, "lwkt_waitport");
	lwkt_msg *m;
	while (!(m = p->mp_msgq.tqh_first)) {
		p->mp_flags |= kPortWaiting;
		if (port_sleep<kSlz>(p, p, flags, "waitport")) {
			port_unlock<kSlz>(p);
			return nullptr;	/* a signal (PCATCH) */
		}
	}
	pull(p, m);
	port_unlock<kSlz>(p);
	return m;
}

template <bool kSlz> void queue_replyport(lwkt_port *p, lwkt_msg *m)
{
	port_lock<kSlz>(p, "lwkt_replymsg");
	int f = flags_mine(m);
	if (f & kSync) {
		/* Not queued. One store, release: ms_error and the results before DONE (the
		 * sender may look without the lock, and then own the message again). Its
		 * waiter, if any, is counted here and sleeps on the message. */
		flags_store(m, f | kDone | kReply);
		if (p->mp_msgwaiters)
			dfly_wakeup(m);
	} else {
		push(p, m, kReply | kDone);
		/* lwkt_waitport's and lwkt_waitmsg's waiters alike (both sleep on the port). */
		if (p->mp_flags & kPortWaiting) {
			p->mp_flags &= ~kPortWaiting;
			dfly_wakeup(p);
		}
	}
	port_unlock<kSlz>(p);
}

template <bool kSlz> int queue_dropmsg(lwkt_port *p, lwkt_msg *m);

template <bool kSlz> int queue_waitmsg(lwkt_msg *m, int flags)
{
	lwkt_port *p = m->ms_reply_port;
	if ((flags_of(m) & (kDone | kQueued)) == kDone)
		return m->ms_error;	/* a synchronous reply: nothing queued */
	port_lock<kSlz>(p, "lwkt_waitmsg");
	while (!(flags_of(m) & kDone)) {
		/* Nothing marked on the message: a receiver may change its flags meanwhile
		 * (QUEUED, under the target port's lock). SYNC is the sender's (set before the
		 * send): its reply is not queued and wakes the message's sleepers when this port
		 * counts any; an asynchronous reply is queued here and wakes the port's, as
		 * DragonFly waits for either. */
		int error;
		if (flags_mine(m) & kSync) {
			p->mp_msgwaiters++;
			error = port_sleep<kSlz>(p, m, flags, "waitmsg");
			p->mp_msgwaiters--;
		} else {
			p->mp_flags |= kPortWaiting;
			error = port_sleep<kSlz>(p, p, flags, "waitmsg");
		}
		if (error && (flags & kPcatch)) {
			/* A signal: the message is aborted, and the reply still awaited. */
			port_unlock<kSlz>(p);
			dfly_lwkt_abortmsg(m);
			flags &= ~kPcatch;
			port_lock<kSlz>(p, "lwkt_waitmsg");
		}
	}
	if ((flags_mine(m) & kQueued) && on_queue(p, m))
		pull(p, m);
	port_unlock<kSlz>(p);
	return m->ms_error;
}

template <bool kSlz> int queue_dropmsg(lwkt_port *p, lwkt_msg *m)
{
	int error = BSDSYNC_ENOENT;
	port_lock<kSlz>(p, "lwkt_dropmsg");
	if ((flags_mine(m) & kQueued) && m->ms_target_port == p && on_queue(p, m)) {
		pull(p, m);
		error = 0;
	}
	port_unlock<kSlz>(p);
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
	return owner_check(p, "lwkt_getport") ? queue_getport<false>(p) : nullptr;
}

void *thread_waitport(lwkt_port *p, int flags)
{
	return owner_check(p, "lwkt_waitport") ? queue_waitport<false>(p, flags) : nullptr;
}

int thread_waitmsg(lwkt_msg *m, int flags)
{
	/* DragonFly looks at the owner only when it has to wait or unqueue; a done message
	 * that is not queued needs neither. */
	if ((flags_of(m) & (kDone | kQueued)) == kDone)
		return m->ms_error;
	if (!owner_check(m->ms_reply_port, "lwkt_waitmsg"))
		return BSDSYNC_EINVAL;
	return queue_waitmsg<false>(m, flags);
}

int thread_dropmsg(lwkt_port *p, lwkt_msg *m)
{
	return owner_check(p, "lwkt_dropmsg") ? queue_dropmsg<false>(p, m) : BSDSYNC_ENOENT;
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
	flags_store(m, flags_mine(m) | kDone | kReply);
}

void fn_replyport(lwkt_port *p, lwkt_msg *m)
{
	flags_store(m, flags_mine(m) | kReply);
	p->mp_rportfn(p, m);
}

int fn_putport(lwkt_port *p, lwkt_msg *m)
{
	m->ms_target_port = p;
	return p->mp_pportfn(p, m);
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
	p->mp_msgwaiters = 0;
}

void init_thread_port(lwkt_port *p, thread *td)
{
	init(p, thread_getport, queue_putport<false>, thread_waitmsg, thread_waitport,
	     queue_replyport<false>, thread_dropmsg);
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
	init(p, queue_getport<false>, queue_putport<false>, queue_waitmsg<false>,
	     queue_waitport<false>, queue_replyport<false>, queue_dropmsg<false>);
	p->mp_u.spin.counta = 0;
	p->mp_u.spin.countb = 0;
	p->mp_u.spin.descr = "lwkt spin port";
	p->mpu_td = td;
	p->mp_cpuid = fixed_cpuid ? bsdsync_cpu_id() : -1;
}

void dfly_lwkt_initport_serialize(lwkt_port *p, struct lwkt_serialize *slz)
{
	init(p, queue_getport<true>, queue_putport<true>, queue_waitmsg<true>,
	     queue_waitport<true>, queue_replyport<true>, queue_dropmsg<true>);
	p->mp_u.serialize = slz;
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
	/* The sender's own message (done, on no queue): a plain store. */
	int flags = flags_mine(m) & ~(kDone | kReply | kSync);
	if (likely(p->mp_putport == queue_putport<false>)) {
		/* A spin or thread port's put, inline, the store above folded into its own (no
		 * one else sees the message before it is linked, under the port's lock). */
		put_as<false>(p, m, flags);
		return;
	}
	flags_store(m, flags);
	int error = p->mp_putport(p, m);
	if (error != BSDSYNC_DFLY_EASYNC)
		dfly_lwkt_replymsg(m, error);	/* done at once: the reply is queued */
}

int dfly_lwkt_domsg(lwkt_port *p, lwkt_msg *m, int flags)
{
	flags_store(m, (flags_mine(m) & ~(kDone | kReply)) | kSync);
	int error = p->mp_putport(p, m);
	if (error == BSDSYNC_DFLY_EASYNC)
		return m->ms_reply_port->mp_waitmsg(m, flags);
	m->ms_error = error;
	flags_store(m, flags_mine(m) | kDone | kReply);	/* release: ms_error first */
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
		queue_dropmsg<false>(p, m);	/* the sender, not the owner: no owner check */
	else if (p && p->mp_dropmsg)
		p->mp_dropmsg(p, m);
	if (m->ms_abortfn)
		m->ms_abortfn(m);
}

void *dfly_lwkt_getport(lwkt_port *p)
{
	/* A spin port's, inline (a direct call from the driver: no indirect branch). */
	if (likely(p->mp_getport == queue_getport<false>))
		return getport_inline<false>(p);
	return p->mp_getport(p);
}

int dfly_lwkt_dropmsg(lwkt_msg *m)
{
	lwkt_port *p = m->ms_target_port;
	if (!p)
		return BSDSYNC_ENOENT;
	return p->mp_dropmsg(p, m);
}

} // extern "C"
