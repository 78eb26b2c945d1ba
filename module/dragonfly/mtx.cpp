/*
 * DragonFly mutex(9), mtx_t: a compact lockmgr, shared or exclusive, recursive in both modes
 * without any flag, held across blocking (bsd-api-reference.md section 26). The transitions
 * are the DragonFly sleep lock's (sleep_lock.h, shared with lockmgr), over DragonFly's word
 * mtx_lock (include/bsdsync/dragonfly/mutex.h: one count and an EXCLUSIVE bit). What is
 * mtx's:
 *  - every recursion is allowed; a shared request by the exclusive holder is one more
 *    exclusive count (as lockmgr's);
 *  - mtx_lock_ex / _sh(flags, to): PCATCH in flags (EINTR / ERESTART), `to` ticks
 *    (EWOULDBLOCK); the try forms return 0 or EAGAIN (the opposite polarity to FreeBSD);
 *  - mtx_upgrade_try: the sole sharer becomes the owner, else EDEADLK and the share is
 *    kept; mtx_downgrade: every exclusive count becomes a shared hold (a no-op on a shared
 *    hold);
 *  - links: a request through an mtx_link_t may be aborted by another thread
 *    (mtx_abort_link: a waiting request fails with ENOLCK); with mtx_link_init_async the
 *    request never blocks: if the lock is not free it queues the link (mtx_exlink, FIFO,
 *    EXWANTED set) and returns EINPROGRESS; the release that frees the lock hands it to the
 *    first queued link, held exclusively by MTX_OWNER_ANON (any thread may release it: the
 *    callback typically runs elsewhere), and calls link->callback(link, arg, 0) once its
 *    chain lock is released; an aborted queued link gets callback(link, arg, ENOLCK).
 *    Asynchronous links ask for exclusive holds only (as DragonFly's async requests).
 *  - mtx_spinlock / mtx_spinlock_try / mtx_spinunlock: DragonFly's spinning exclusive
 *    form: a critical section (here: preemption off, as a DragonFly spinlock's) for as long
 *    as it is held, then the exclusive hold taken by spinning (never sleeping), recursive;
 *    the try form returns 0 or EAGAIN and leaves no section on failure. Blocking while
 *    holding one is refused by the context check (preemption is off). A thread that holds
 *    the mutex shared and asks for it by mtx_spinlock would spin forever (DragonFly does):
 *    reported, and given one more shared hold instead (its mtx_spinunlock releases it).
 *  - hand-off, as DragonFly's mtx_unlock / mtx_chain_link: an exclusive request that must
 *    wait (mtx_lock_ex's own link on its stack, or an mtx_lock_ex_link link) is queued on
 *    mtx_exlink with the asynchronous ones, FIFO, and the release that frees the mutex hands
 *    it to the first link: held at once in that thread's name (mtx_owner, the count 1), the
 *    thread woken by its link's address (lock_ex_handoff) if it sleeps. A newcomer cannot
 *    take it in between. Shared requests still wait on the engine's queue and are woken
 *    together (DragonFly's shared waiters get a mass wake-up too).
 *  - before it links, a plain exclusive request (no timeout, abort, signal) spins while an
 *    exclusive owner runs and nobody is linked (sleep_lock.h spin_on_owner, the
 *    core's adaptive spin on mtx_owner). DragonFly does not: there a linked waiter is woken
 *    by a cheap LWKT switch, here by a Linux wake-up, and a request that always linked made
 *    every contended take a sleep and a hand-off (a convoy: 0.003 of Linux's mutex in the
 *    bench). The spinner only takes a free mutex, which it is only when no link waits: the
 *    hand-off order of linked waiters is unchanged.
 *  - once linked, the same plain request, if its link is the first of mtx_exlink (the
 *    head), still does not sleep while the owner runs: it spins on mtx_owner until the
 *    release hands it the mutex (wait_spinning), and sleeps only when the owner stops
 *    running. Without it the spin above ended for good once one request had linked: the
 *    releaser came back, found the mutex handed over (EXWANTED, a link), linked and slept,
 *    and every acquisition was a sleep and a wake-up again. The grant wakes a link only if
 *    its waiter published that it sleeps (kLinkSleeping, in the link's state word, changed
 *    by atomic read-modify-writes on both sides: no lost wake-up); the grant also makes the
 *    next link the head and wakes it if it sleeps, so the next waiter spins during the new
 *    owner's section, the wake-up off the hand-off's path. Only the head spins; the links
 *    behind it sleep. Links that may end otherwise (a timeout, PCATCH, mtx_lock_ex_link's
 *    abortable links) and asynchronous ones wait and are granted as before. The hand-off
 *    itself (who gets the mutex, in which order) is unchanged: only how the head waits.
 * Differences from DragonFly: none known beyond the engine's (sleep_lock.h).
 */
#include <bsdsync/dragonfly/mutex.h>
#include "dragonfly/sleep_lock.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace bsdsync::dfly {

namespace {

void describe_mtx(const void *lock, const char **name, const bsdsync_lock_site **site,
		  unsigned *witness_flags)
{
	const struct mtx *m = static_cast<const struct mtx *>(lock);
	*name = m->mtx_ident ? m->mtx_ident : "(mtx_init without a name)";
	*site = m->mtx_site;
	if (witness_flags)
		*witness_flags = 0;
}

} // namespace

/* Sleepable, shared or exclusive, recursive, may sleep to take. */
constinit const LockType mtx_type = {
	"DragonFly mtx",
	BSDSYNC_LT_SLEEPABLE | BSDSYNC_LT_SHARED | BSDSYNC_LT_MAY_SLEEP | BSDSYNC_LT_RECURSABLE,
	describe_mtx
};

} // namespace bsdsync::dfly

namespace {

constexpr unsigned kExcl = BSDSYNC_DFLY_MTX_EXCLUSIVE;
constexpr unsigned kMask = BSDSYNC_DFLY_MTX_MASK;
constexpr unsigned kUnrecorded = BSDSYNC_DFLY_MTX_UNRECORDED;

/* The callback of a blocked exclusive request's link (mtx_lock_ex's own, on its stack, or an
 * mtx_lock_ex_link link without a callback): never called, its address marks the link as
 * synchronous. Such a link is queued like an asynchronous one and handed the lock the same
 * way, owned by its thread; the releaser then only wakes it by the link's ADDRESS (the
 * waiter may see the new state first and return: its link, on its stack, is gone). */
void sync_link(struct mtx_link *, void *, int) {}

/*
 * A plain blocked request's link (mtx_lock_ex / _quick / mtx_lock on their own stack link:
 * no timeout, no PCATCH, no abort: nobody but its waiter and the chain lock's holders sees
 * it) carries bits of its own beside LINKED_EX in its state (see lock_ex_handoff and the
 * top comment):
 *   kLinkSpins     set at link time: the waiter spins as the head and publishes its sleeps
 *                  (the other synchronous links sleep always and are always woken);
 *   kLinkHead      the first link of mtx_exlink: set under g by whoever makes it first
 *                  (its linker, the grant or the unlink of the link before it);
 *   kLinkSleeping  the waiter sleeps or is about to: set by the waiter (CAS, after its
 *                  tsleep_interlock is armed), cleared by the promotion that wakes it or by
 *                  the waiter once it runs again. A grant replaces the whole state (exchange)
 *                  and wakes the waiter only if the old state had it.
 */
constexpr int kLinkSpins = 0x2000;
constexpr int kLinkHead = 0x4000;
constexpr int kLinkSleeping = 0x8000;

/* Under the chain lock of m: the first link, if it is a plain one not yet told it is the
 * head, becomes the head; returned if its waiter sleeps (the caller wakes it by address once
 * the chain lock is released; the waiter spins then, during the new owner's section). The CAS
 * is ordered with the waiter's CAS that publishes kLinkSleeping (one location): either the
 * waiter's came first and we see the bit (and wake it; its tsleep_interlock was armed before
 * its CAS), or ours did and the waiter's CAS fails, so it looks again and sees kLinkHead. */
struct mtx_link *promote_head_locked(struct mtx *m)
{
	struct mtx_link *h = m->mtx_exlink;
	if (!h)
		return nullptr;
	int st = load_relaxed(&h->state);
	while ((st & kLinkSpins) && !(st & kLinkHead)) {
		if (__atomic_compare_exchange_n(&h->state, &st, (st | kLinkHead) & ~kLinkSleeping,
						false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			return (st & kLinkSleeping) ? h : nullptr;
	}
	return nullptr;
}

/* Tell a link it was granted (0) or aborted (ENOLCK), after the chain lock: callback and
 * argument copied under it (a synchronous waiter's link may be gone by now). `wake`: a
 * synchronous waiter needs the wake-up (false: a plain link's waiter that was spinning). */
void tell_link(struct mtx *m, struct mtx_link *link, void (*cb)(struct mtx_link *, void *, int),
	       void *arg, int error, bool wake = true)
{
	if (cb == &sync_link) {
		if (wake)
			dfly_wakeup(link);	/* the address only */
		return;
	}
	if (error == 0)
		lock_event_acquired(m, &mtx_type, HoldMode::Exclusive, 0, nullptr, 0);
	cb(link, arg, error);
}

/* The link a release granted the lock to, told once the release's chain lock is released
 * (the event too: sinks may take locks). */
struct Granted {
	struct mtx *m = nullptr;
	struct mtx_link *link = nullptr;
	void (*cb)(struct mtx_link *, void *, int) = nullptr;
	void *arg = nullptr;
	bool wake = true;			/* the granted waiter sleeps (tell_link) */
	struct mtx_link *promoted = nullptr;	/* the new head, asleep: woken after */
	Granted() = default;
	Granted(const Granted &) = delete;
	Granted &operator=(const Granted &) = delete;
	~Granted()
	{
		if (link)
			tell_link(m, link, cb, arg, 0, wake);
		/* After the grant's: off the new owner's path (the address only). */
		if (promoted)
			dfly_wakeup(promoted);
	}
};

struct MtxLayout {
	using Word = unsigned int;
	static constexpr Word kExWait = BSDSYNC_DFLY_MTX_EXWANTED;
	static constexpr Word kShWait = BSDSYNC_DFLY_MTX_SHWANTED;
	static constexpr Word kUpReq = 0;	/* mtx upgrades never wait */
	static constexpr Word kCancel = 0;
	static constexpr int kCount = BSDSYNC_DFLY_MTX_COUNT;	/* the thread's shared holds */
	static Word xcount(Word v) { return (v & kExcl) ? v & kMask : 0; }
	static Word scount(Word v) { return (v & kExcl) ? 0 : v & kMask; }
	static bool is_free(Word v) { return !(v & kMask); }
	static Word make_exclusive(Word v) { return (v & ~kMask) | kExcl | 1; }
	static Word free_exclusive(Word v) { return v & ~(kExcl | kMask); }
	static Word add_shared(Word v) { return v + 1; }
	static Word sub_shared(Word v) { return v - 1; }
	static Word exclusive_to_shared(Word v) { return v & ~kExcl; }
	using Deferred = Granted;
	static void *anon() { return BSDSYNC_DFLY_MTX_OWNER_ANON; }
	/* Under the chain lock. */
	static bool async_pending(const SleepLock<MtxLayout> &s)
	{
		return static_cast<const struct mtx *>(s.id)->mtx_exlink != nullptr;
	}
	static void async_granted(const SleepLock<MtxLayout> &s, Granted &done)
	{
		struct mtx *m = static_cast<struct mtx *>(const_cast<void *>(s.id));
		struct mtx_link *l = m->mtx_exlink;
		m->mtx_exlink = l->next;
		if (l->next)
			l->next->prev = nullptr;
		l->next = l->prev = nullptr;
		done.m = m;
		done.link = l;
		done.cb = l->callback;
		done.arg = l->arg;
		/* The next link becomes the head: a plain one spins from now on, during
		 * the section of the owner made here (woken after g if it slept). */
		done.promoted = promote_head_locked(m);
		/* A blocked request is handed the lock in its thread's name (DragonFly's
		 * mtx_chain_link); an asynchronous one is held by nobody. */
		store_relaxed(&m->mtx_owner,
			      done.cb == &sync_link ? static_cast<void *>(l->owner) : anon());
		/* Release, last: the waiter that reads it (acquire) owns the lock and may
		 * return at once. An exchange: a plain link's old state says whether its
		 * waiter sleeps (kLinkSleeping, published by the waiter's CAS on this same
		 * location after its tsleep_interlock: either we see it and wake the waiter,
		 * or its CAS fails on ACQUIRED and it never sleeps). */
		int old = __atomic_exchange_n(&l->state, BSDSYNC_DFLY_MTX_LINK_ACQUIRED,
					      __ATOMIC_SEQ_CST);
		done.wake = !(old & kLinkSpins) || (old & kLinkSleeping);
	}
	/* The lock at `id` (sleep_lock.h's out-of-line tails). */
	static SleepLock<MtxLayout> of(const void *id);
};
using L = MtxLayout;

SleepLock<L> engine(struct mtx *m)
{
	return SleepLock<L>{ &m->mtx_lock, &m->mtx_owner, m, &mtx_type };
}

SleepLock<L> L::of(const void *id)
{
	return engine(static_cast<struct mtx *>(const_cast<void *>(id)));
}

/* The caller's inline hold (<sys/mutex2.h>'s production build), recorded before anything
 * else looks at the mutex (sleep_lock.h adopt_unrecorded); every exported function that may
 * act on the caller's own hold calls it first, the fast paths excepted (the word of such a
 * hold fails their CAS, and their slow paths adopt). */
void adopt(struct mtx *m, const char *file, int line)
{
	sleep_lock::adopt_unrecorded(engine(m), kUnrecorded, file, line);
}

SleepRequest request(const char *what, int flags, int to, const char *file, int line)
{
	SleepRequest r{};
	r.what = what;
	r.recurse_ok = true;
	r.interruptible = flags & BSDSYNC_DFLY_PCATCH;
	r.busy = BSDSYNC_EAGAIN;
	if (to > 0)
		r.deadline_ns = bsdsync_uptime_ns() + (u64)to * (1000000000ULL / BSDSYNC_HZ);
	r.file = file;
	r.line = line;
	if (unlikely(bsdsync_in_interrupt())) {
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, ReportSubject{ "DragonFly mtx", what, nullptr,
								    nullptr },
		       file, line, "%s in interrupt context: tried instead (EAGAIN)", what);
		r.nowait = true;
	}
	return r;
}

/*
 * Under the chain lock `g` of m: take m if it is free (freed meanwhile; its waiter bits are
 * kept, their duty comes along) and return true with `g` released; otherwise set EXWAIT
 * and append `link` to mtx_exlink (FIFO: the release hands m to the first link), in state
 * LINKED_EX (with `spins`, a plain link: kLinkSpins, and kLinkHead if it is the first), and
 * return false. The CAS that takes m is an acquire: it pairs with the releasing CAS of the
 * previous holder.
 */
bool take_or_link_locked(WaitTable::Guard &g, struct mtx *m, struct mtx_link *link,
			 bool spins = false)
{
	unsigned v = load_relaxed(&m->mtx_lock);
	for (;;) {
		if (L::is_free(v)) {
			if (cas_acquire(&m->mtx_lock, &v, L::make_exclusive(v))) {
				g.unlock();
				return true;
			}
			continue;
		}
		if (cas_relaxed(&m->mtx_lock, &v, v | L::kExWait))
			break;
	}
	link->next = nullptr;
	link->prev = nullptr;
	int state = BSDSYNC_DFLY_MTX_LINK_LINKED_EX;
	if (!m->mtx_exlink) {
		m->mtx_exlink = link;
		if (spins)
			state |= kLinkHead;
	} else {
		struct mtx_link *last = m->mtx_exlink;
		while (last->next)
			last = last->next;
		last->next = link;
		link->prev = last;
	}
	store_relaxed(&link->state, spins ? state | kLinkSpins : state);
	return false;
}

/* Queue an asynchronous exclusive link, or take the lock at once. Returns 0 (held now: no
 * callback), or EINPROGRESS (queued). */
int lock_ex_async(struct mtx *m, struct mtx_link *link, const char *file, int line)
{
	SleepLock<L> s = engine(m);
	SleepRequest r = request("mtx_lock_ex_link (async)", 0, 0, file, line);
	r.nowait = true;
	if (sleep_lock::lock_exclusive(s, r) == 0)
		return 0;
	/* Not free: queue it under the chain lock, where a release looks for it. */
	{
		WaitTable::Guard g(sleep_queues, m);
		if (take_or_link_locked(g, m, link))
			return sleep_lock::got_exclusive(s, current_record(), r);
	}
	lock_contended(m, &mtx_type, HoldMode::Exclusive, file, line);
	return BSDSYNC_EINPROGRESS;
}

/* Take a queued link off mtx_exlink (a timeout, a signal, an abort), under the chain lock.
 * If it was the first, the next becomes the head: returned if its waiter sleeps (the caller
 * wakes it once the chain lock is released: promote_head_locked). */
struct mtx_link *unlink_locked(struct mtx *m, struct mtx_link *link)
{
	bool first = !link->prev;
	if (link->prev)
		link->prev->next = link->next;
	else
		m->mtx_exlink = link->next;
	if (link->next)
		link->next->prev = link->prev;
	link->next = link->prev = nullptr;
	return first ? promote_head_locked(m) : nullptr;
}

/* A plain request may spin as the head: it ends only with the grant (no timeout, signal,
 * abort or cancel to notice), as the spin before linking (sleep_lock.h
 * spin_on_owner). */
bool plain(const SleepRequest &r)
{
	return !(r.nowait || r.deadline_ns || r.cancelable || r.aborted || r.interruptible);
}

/*
 * The wait of a plain request's link (kLinkSpins) until the release hands it the mutex. As the
 * head (kLinkHead) it does not sleep while the owner runs: it spins on mtx_owner while that
 * holds the owner it saw and the owner runs (platform bsdsync_spin_while_owner_runs, the
 * spins counted as the spin before linking counts them); the field changes at the release
 * (cleared, then, under g, set to this thread by the grant, then the state ACQUIRED):
 *  - mtx_owner == self: the grant is under way (under the chain lock, interrupts off):
 *    look at the state again;
 *  - mtx_owner null, the word still exclusive: the owner it saw is releasing: spin while the
 *    field stays null and that thread runs (it is inside its release until the grant sets
 *    the field, as every release of a lock with a link hands it to the head: it cannot have
 *    exited, so the platform may look at it; a downgrade also clears the field, and this
 *    spin then lasts while the sharer runs, as every spin on a running owner);
 *  - the owner is not on a CPU but about to be (runnable or being woken: platform
 *    bsdsync_owner_about_to_run): keep looking. This is the convoy's way back: a grant to a
 *    head that slept wakes it, and the next request, linking as the new head while that
 *    owner is not on its CPU yet, slept too, and so on at every hand-off (each one a Linux
 *    wake-up, as before the head spun). Waiting for a runnable owner ends when this thread
 *    must reschedule (a woken owner queued on this CPU preempts it);
 *  - anything else (the anonymous owner of an asynchronous grant, a shared hold, an owner
 *    that sleeps, or this thread must reschedule): sleep.
 * Not the head: sleep (only one waiter spins; the grant that makes it the head wakes it).
 * To sleep, the waiter publishes kLinkSleeping by a CAS from the state it judged, its
 * tsleep_interlock armed before (by lock_ex_handoff, then again after every sleep): a grant
 * or promotion after the CAS sees the bit and wakes the link's address; one before it made
 * the CAS fail (the state changed), and the waiter looks again. Only tsleep's refusal (a hard
 * critical section) ends it otherwise: the link is taken off, as a timeout's.
 */
int wait_spinning(struct mtx *m, struct mtx_link *link, const SleepLock<L> &s, ThreadState *t,
		  const SleepRequest &r)
{
	SpinCount spins;
	void *seen = nullptr;	/* the last owner seen running */
	for (;;) {
		/* Acquire: pairs with async_granted's exchange (release side). */
		int st = __atomic_load_n(&link->state, __ATOMIC_ACQUIRE);
		if (st == BSDSYNC_DFLY_MTX_LINK_ACQUIRED)
			return sleep_lock::got_exclusive(s, t, r);
		if (st & kLinkHead) {
			void *o = load_relaxed(&m->mtx_owner);
			const volatile unsigned long *w =
				reinterpret_cast<const volatile unsigned long *>(&m->mtx_owner);
			if (o == sleep_lock::self()) {
				bsdsync_cpu_relax();
				spins.tick();
				continue;
			}
			if (o && o != L::anon()) {
				seen = o;
				unsigned long ob = reinterpret_cast<unsigned long>(o);
				if (bsdsync_spin_while_owner_runs(w, ob, ~0UL, ob, spins.counter(), 0))
					continue;
				/* Not on a CPU, but about to be (see above): look again. */
				if (bsdsync_owner_about_to_run(w, ob)) {
					bsdsync_cpu_relax();
					spins.tick();
					continue;
				}
			} else if (!o && seen && L::xcount(load_relaxed(&m->mtx_lock))) {
				if (bsdsync_spin_while_owner_runs(w, 0UL, ~0UL,
								  reinterpret_cast<unsigned long>(seen),
								  spins.counter(), 0))
					continue;
			}
		}
		/* Sleeping from now on (see above). Full barrier both ways: ordered with the
		 * grant's exchange and the promotion's CAS of the same state. */
		if (!(st & kLinkSleeping) &&
		    !__atomic_compare_exchange_n(&link->state, &st, st | kLinkSleeping, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			continue;
		int error = dfly_tsleep(link, BSDSYNC_DFLY_PINTERLOCKED,
					m->mtx_ident ? m->mtx_ident : "mtx", 0, r.file, r.line);
		if (error) {
			struct mtx_link *wake = nullptr;
			bool unlinked = false;
			{
				WaitTable::Guard g(sleep_queues, m);
				if (load_relaxed(&link->state) & BSDSYNC_DFLY_MTX_LINK_LINKED) {
					wake = unlink_locked(m, link);
					store_relaxed(&link->state, BSDSYNC_DFLY_MTX_LINK_IDLE);
					unlinked = true;
				}
			}
			if (wake)
				dfly_wakeup(wake);
			if (unlinked)
				return error;
			continue;	/* granted meanwhile */
		}
		/* Running again: a grant or promotion that sees no bit from here on knows it
		 * need not wake (the interlock is armed again before the next CAS). No-op on
		 * ACQUIRED. */
		__atomic_fetch_and(&link->state, ~kLinkSleeping, __ATOMIC_RELAXED);
		dfly_tsleep_interlock(link, 0, r.file, r.line);
	}
}

/*
 * An exclusive request that must wait: queued as a link at the tail of mtx_exlink (FIFO), and
 * the release that frees the lock hands it over to the first link (async_granted), as
 * DragonFly's mtx_unlock chains it (mtx_chain_link). The waiter sleeps on its link's address
 * with tsleep_interlock armed BEFORE it looks at the state (the releaser stores the state,
 * then wakes): no lost wake-up. A timeout or a signal unlinks it under the chain lock unless
 * the lock was handed to it meanwhile (then it has it: 0, as DragonFly). An abort
 * (mtx_abort_link) unlinks it and wakes it: ENOLCK.
 */
int lock_ex_handoff(struct mtx *m, struct mtx_link *link, SleepRequest &r, int flags, int to)
{
	SleepLock<L> s = engine(m);
	unsigned v = load_relaxed(&m->mtx_lock);
	ThreadState *t = current_record();
	if ((L::xcount(v) && load_relaxed(&m->mtx_owner) == sleep_lock::self()) ||
	    sleep_lock::holds_shared(t, m))
		return sleep_lock::lock_exclusive(s, r);	/* recursion, or EDEADLK */
	sleep_lock::check_may_wait(s.subject(), r);
	if (r.nowait)
		return sleep_lock::lock_exclusive(s, r);	/* may not wait: a try */
	lock_acquiring(m, &mtx_type, HoldMode::Exclusive, r.file, r.line);
	bool contended = sleep_lock::spin_on_owner(s, r);
	bool spins = plain(r);
	link->owner = static_cast<struct thread *>(sleep_lock::self());
	link->callback = &sync_link;
	/* Armed before the link is visible to a releaser (sleep.cpp). */
	dfly_tsleep_interlock(link, 0, r.file, r.line);
	{
		WaitTable::Guard g(sleep_queues, m);
		if (load_relaxed(&link->state) == BSDSYNC_DFLY_MTX_LINK_ABORTED)
			return BSDSYNC_ENOLCK;	/* aborted before it queued */
		if (take_or_link_locked(g, m, link, spins))
			return sleep_lock::got_exclusive(s, t, r);
	}
	if (!contended)
		lock_contended(m, &mtx_type, HoldMode::Exclusive, r.file, r.line);
	if (spins)
		return wait_spinning(m, link, s, t, r);
	u64 deadline = to > 0 ? r.deadline_ns : 0;
	for (;;) {
		/* Acquire: pairs with async_granted's release store of the state. */
		int st = __atomic_load_n(&link->state, __ATOMIC_ACQUIRE);
		if (st == BSDSYNC_DFLY_MTX_LINK_ACQUIRED)
			return sleep_lock::got_exclusive(s, t, r);
		if (st == BSDSYNC_DFLY_MTX_LINK_ABORTED)
			return BSDSYNC_ENOLCK;
		int timo = 0;
		if (deadline) {
			u64 now = bsdsync_uptime_ns();
			u64 tick = 1000000000ULL / BSDSYNC_HZ;
			timo = now >= deadline ? 1 : (int)((deadline - now + tick - 1) / tick);
		}
		int error = dfly_tsleep(link, BSDSYNC_DFLY_PINTERLOCKED | (flags & BSDSYNC_DFLY_PCATCH),
					m->mtx_ident ? m->mtx_ident : "mtx", timo, r.file, r.line);
		if (error) {
			struct mtx_link *wake = nullptr;
			bool unlinked = false;
			{
				WaitTable::Guard g(sleep_queues, m);
				if (load_relaxed(&link->state) == BSDSYNC_DFLY_MTX_LINK_LINKED_EX) {
					wake = unlink_locked(m, link);
					store_relaxed(&link->state, BSDSYNC_DFLY_MTX_LINK_IDLE);
					unlinked = true;
				}
			}
			if (wake)	/* the new head (the address only) */
				dfly_wakeup(wake);
			if (unlinked)
				return error;
			/* Granted or aborted meanwhile: the state says which. */
		}
		dfly_tsleep_interlock(link, 0, r.file, r.line);
	}
}

int lock_link(struct mtx *m, struct mtx_link *link, bool exclusive, int flags, int to,
	      const char *file, int line)
{
	adopt(m, file, line);
	link->owner = curthread();
	if (exclusive && link->callback)
		return lock_ex_async(m, link, file, line);
	SleepLock<L> s = engine(m);
	SleepRequest r = request(exclusive ? "mtx_lock_ex_link" : "mtx_lock_sh_link", flags, to,
				 file, line);
	r.aborted = &link->state;
	r.aborted_state = BSDSYNC_DFLY_MTX_LINK_ABORTED;
	/* Pending from now on: an abort (under the chain lock) finds it so. */
	store_relaxed(&link->state, exclusive ? BSDSYNC_DFLY_MTX_LINK_LINKED_EX
					      : BSDSYNC_DFLY_MTX_LINK_LINKED_SH);
	int error;
	if (exclusive) {
		error = lock_ex_handoff(m, link, r, flags, to);
		link->callback = nullptr;	/* mtx_link_init's: the link may be used again */
	} else {
		error = sleep_lock::lock_shared(s, r);
	}
	if (error == 0) {
		store_relaxed(&link->state, BSDSYNC_DFLY_MTX_LINK_ACQUIRED);
	} else if (error != BSDSYNC_ENOLCK) {
		store_relaxed(&link->state, BSDSYNC_DFLY_MTX_LINK_IDLE);
	}
	return error;
}

/* The engine's paths of the exported functions, out of line: the uncontended paths inline
 * there then need no stack frame. */
BSDSYNC_NOINLINE int mtx_lock_ex_slow(struct mtx *m, int flags, int to, const char *file,
				      int line)
{
	adopt(m, file, line);
	SleepRequest r = request("mtx_lock_ex", flags, to, file, line);
	struct mtx_link link = {};	/* DragonFly's _mtx_lock_ex: a link on the stack */
	return lock_ex_handoff(m, &link, r, flags, to);
}

BSDSYNC_NOINLINE int mtx_lock_sh_slow(struct mtx *m, int flags, int to, const char *file,
				      int line)
{
	adopt(m, file, line);
	SleepRequest r = request("mtx_lock_sh", flags, to, file, line);
	return sleep_lock::lock_shared(engine(m), r);
}

BSDSYNC_NOINLINE void mtx_unlock_slow(struct mtx *m, const char *file, int line)
{
	adopt(m, file, line);
	sleep_lock::release(engine(m), "mtx_unlock", file, line);
}

} // namespace

extern "C" {

void dfly_mtx_init(struct mtx *m, const char *ident, const bsdsync_lock_site *site)
{
	store_relaxed(&m->mtx_lock, 0u);
	m->mtx_reserved01 = 0;
	store_relaxed(&m->mtx_owner, (void *)nullptr);
	m->mtx_exlink = nullptr;
	m->mtx_shlink = nullptr;
	m->mtx_ident = ident;
	m->mtx_site = site;
}

void dfly_mtx_uninit(struct mtx *m, const char *file, int line)
{
	/* Empty in DragonFly; here a held mutex is reported. */
	unsigned v = load_relaxed(&m->mtx_lock);
	if (v & kMask)
		report(BSDSYNC_RULE_DESTROY_HELD, lock_subject(&mtx_type, m), file, line,
		       "mtx_uninit of a mutex that is held (word 0x%x)", v);
}

int dfly_mtx_lock_ex(struct mtx *m, int flags, int to, const char *file, int line)
{
	/* Uncontended (sleep_lock.h fast_xlock; flags and `to` change nothing there): inline. A
	 * mtx hold may sleep: nosleep is false. */
	if (likely(sleep_lock::fast_xlock(engine(m), false, file, line)))
		return 0;
	return mtx_lock_ex_slow(m, flags, to, file, line);
}

int dfly_mtx_lock_sh(struct mtx *m, int flags, int to, const char *file, int line)
{
	/* Uncontended (sleep_lock.h fast_slock; flags and `to` change nothing there): inline. A
	 * mtx hold may sleep: nosleep is false. */
	if (likely(sleep_lock::fast_slock(engine(m), false, file, line)))
		return 0;
	return mtx_lock_sh_slow(m, flags, to, file, line);
}

int dfly_mtx_lock_ex_link(struct mtx *m, struct mtx_link *link, int flags, int to,
			  const char *file, int line)
{
	return lock_link(m, link, true, flags, to, file, line);
}

int dfly_mtx_lock_sh_link(struct mtx *m, struct mtx_link *link, int flags, int to,
			  const char *file, int line)
{
	return lock_link(m, link, false, flags, to, file, line);
}

int dfly_mtx_lock_ex_try(struct mtx *m, const char *file, int line)
{
	adopt(m, file, line);
	SleepRequest r = request("mtx_lock_ex_try", 0, 0, file, line);
	r.nowait = true;
	r.is_try = true;
	return sleep_lock::lock_exclusive(engine(m), r);
}

int dfly_mtx_lock_sh_try(struct mtx *m, const char *file, int line)
{
	adopt(m, file, line);
	SleepRequest r = request("mtx_lock_sh_try", 0, 0, file, line);
	r.nowait = true;
	r.is_try = true;
	return sleep_lock::lock_shared(engine(m), r);
}

/* Abort a pending request: a waiting one fails with ENOLCK (a blocked exclusive one is
 * unlinked and woken); a queued asynchronous one is unlinked and its callback gets ENOLCK.
 * An idle or granted link: nothing happens. */
void dfly_mtx_abort_link(struct mtx *m, struct mtx_link *link)
{
	struct mtx_link *told = nullptr, *head = nullptr;
	void (*cb)(struct mtx_link *, void *, int) = nullptr;
	void *arg = nullptr;
	{
		WakeList later;
		WaitTable::Guard g(sleep_queues, m);
		int state = load_relaxed(&link->state);
		if (!(state & BSDSYNC_DFLY_MTX_LINK_LINKED))
			return;
		bool on_exlink = link->callback && state == BSDSYNC_DFLY_MTX_LINK_LINKED_EX;
		if (on_exlink) {
			bool queued = false;
			for (struct mtx_link *l = m->mtx_exlink; l; l = l->next)
				queued |= l == link;
			if (queued) {
				head = unlink_locked(m, link);
				told = link;
				cb = link->callback;	/* under g: see tell_link */
				arg = link->arg;
			}
		}
		/* Release, and the last look at the link: a blocked request's waiter that
		 * reads it may return at once, its link gone with its stack. */
		__atomic_store_n(&link->state, BSDSYNC_DFLY_MTX_LINK_ABORTED, __ATOMIC_RELEASE);
		if (!on_exlink) {
			/* The waiter looks again (others queue again). */
			sleep_queues.wake_all(g, m, WaitQueueId::ExclusiveLockers, later);
			sleep_queues.wake_all(g, m, WaitQueueId::SharedLockers, later);
		}
	}
	if (told)
		tell_link(m, told, cb, arg, BSDSYNC_ENOLCK);
	if (head)	/* the new head (the address only) */
		dfly_wakeup(head);
}

int dfly_mtx_upgrade_try(struct mtx *m, const char *file, int line)
{
	adopt(m, file, line);
	return sleep_lock::try_upgrade(engine(m), BSDSYNC_EDEADLK, "mtx_upgrade_try", file,
				       line);
}

void dfly_mtx_downgrade(struct mtx *m, const char *file, int line)
{
	adopt(m, file, line);
	unsigned v = load_relaxed(&m->mtx_lock);
	if (!(v & kExcl) && (v & kMask))
		return;		/* already shared: a no-op (DragonFly) */
	sleep_lock::downgrade(engine(m), true, "mtx_downgrade", file, line);
}

void dfly_mtx_unlock(struct mtx *m, const char *file, int line)
{
	/* The thread's newest plain hold (sleep_lock.h fast_release): inline. */
	if (likely(sleep_lock::fast_release(engine(m), false)))
		return;
	mtx_unlock_slow(m, file, line);
}

void dfly_mtx_spinlock(struct mtx *m, const char *file, int line)
{
	adopt(m, file, line);
	bsdsync_preempt_disable();	/* DragonFly: ++td_critcount, ++gd_spinlocks */
	SleepRequest r = request("mtx_spinlock", 0, 0, file, line);
	r.nowait = true;
	r.is_try = true;
	SleepLock<L> s = engine(m);
	if (unlikely(sleep_lock::holds_shared(current_record_if_any(), m))) {
		report(BSDSYNC_RULE_RECURSION, s.subject(), file, line,
		       "mtx_spinlock of a mutex this thread holds shared (it would spin forever): "
		       "one more shared hold instead");
		/* A sharer always gets one more share; mtx_spinunlock releases it and leaves
		 * the section, so the caller's calls stay balanced. */
		SleepRequest sh = request("mtx_spinlock", 0, 0, file, line);
		sh.nowait = true;
		sleep_lock::lock_shared(s, sh);
		return;
	}
	/* Spins, never sleeps (the request is a try); acquire as every take of the engine. */
	SpinCount spins;
	while (sleep_lock::lock_exclusive(s, r) != 0) {
		bsdsync_cpu_relax();
		spins.tick();
	}
}

int dfly_mtx_spinlock_try(struct mtx *m, const char *file, int line)
{
	adopt(m, file, line);
	bsdsync_preempt_disable();
	SleepRequest r = request("mtx_spinlock_try", 0, 0, file, line);
	r.nowait = true;
	r.is_try = true;
	if (sleep_lock::lock_exclusive(engine(m), r) != 0) {
		bsdsync_preempt_enable();
		return BSDSYNC_EAGAIN;
	}
	return 0;
}

void dfly_mtx_spinunlock(struct mtx *m, const char *file, int line)
{
	dfly_mtx_unlock(m, file, line);
	bsdsync_preempt_enable();
}

int dfly_mtx_owned(struct mtx *m)
{
	return (load_relaxed(&m->mtx_lock) & kExcl) &&
	       load_relaxed(&m->mtx_owner) == sleep_lock::self();
}

int dfly_mtxsleep(const volatile void *ident, struct mtx *m, int flags, const char *wmesg,
		  int timo, const char *file, int line)
{
	/* The caller's own hold (DragonFly's mtxsleep takes either mode): the exclusive
	 * owner, or a share its record shows or its inline count may be (current_record(): a
	 * thread without one holds nothing; null only in interrupt context or out of memory:
	 * trusted). A mutex
	 * another thread holds is not enough: the caller would sleep, then wait for it. */
	unsigned v = load_relaxed(&m->mtx_lock);
	ThreadState *t = current_record();
	bool mine = (v & kExcl) ? load_relaxed(&m->mtx_owner) == sleep_lock::self()
				: (v & kMask) && (!t || sleep_lock::may_hold_shared<L>(t, m));
	if (!mine) {
		report(BSDSYNC_RULE_NOT_OWNER, lock_subject(&mtx_type, m), file, line,
		       "mtxsleep with a mutex the caller does not hold");
		return BSDSYNC_EINVAL;
	}
	/* Queued before the release: a wakeup after it finds the sleeper (sleep.cpp). */
	dfly_tsleep_interlock(ident, flags, file, line);
	dfly_mtx_unlock(m, file, line);
	int error = dfly_tsleep(ident, flags | BSDSYNC_DFLY_PINTERLOCKED, wmesg, timo, file,
				line);
	dfly_mtx_lock_ex(m, 0, 0, file, line);
	return error;
}

} // extern "C"
