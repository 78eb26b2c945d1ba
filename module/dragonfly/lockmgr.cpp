/*
 * DragonFly lock(9), the lockmgr lock, as modern DragonFly's kern_lock.c behaves (the 2006
 * man page is obsolete: bsd-api-reference.md section 25 and 40): lockmgr(lkp, flags) with
 * an operation code (LK_SHARED, LK_EXCLUSIVE, LK_UPGRADE, LK_EXCLUPGRADE, LK_DOWNGRADE,
 * LK_RELEASE, LK_CANCEL_BEG, LK_CANCEL_END) and the flags LK_NOWAIT, LK_SLEEPFAIL,
 * LK_CANRECURSE, LK_CANCELABLE, LK_TIMELOCK (lk_timo ticks per call), LK_PCATCH; lockinit's
 * LK_EXTFLG_MASK flags hold for every call.
 *
 * The transitions are the DragonFly sleep lock's (sleep_lock.h, shared with mtx), over the
 * word lk_count in DragonFly's layout (include/bsdsync/dragonfly/lock.h). What is lockmgr's:
 *  - a shared request by the exclusive holder is one more exclusive count (DragonFly
 *    removed the old downgrade); like an exclusive recursion it needs LK_CANRECURSE, else
 *    EBUSY with LK_NOWAIT, else DragonFly panics "locking against myself": here that is
 *    reported (BSDSYNC_RULE_RECURSION) and the recursion done, so the caller's releases
 *    stay balanced;
 *  - LK_UPGRADE / LK_EXCLUPGRADE: already exclusive: 0; the sole sharer: at once; another
 *    upgrade pending: the share is released and EXCLUPGRADE (or NOWAIT) fails EBUSY while
 *    UPGRADE waits as an exclusive request; else UPREQ makes the caller the next owner.
 *    Every error releases the share;
 *  - LK_DOWNGRADE: exactly one exclusive count (a recursed hold is reported);
 *  - LK_CANCEL_BEG / END by the exclusive holder: LK_CANCELABLE requests, waiting or new,
 *    fail with ENOLCK until CANCEL_END or the final release;
 *  - LK_SLEEPFAIL: ENOLCK after any wait; LK_TIMELOCK: EWOULDBLOCK after lk_timo ticks;
 *    LK_PCATCH: EINTR / ERESTART on a signal (core/block.h block_errno).
 *  - lockmgr_kernproc: the exclusive holder disowns the lock (lk_lockholder = LK_KERNTHREAD,
 *    every count kept): the hold leaves its held-locks stack (a RELEASED event, so its exit
 *    or its later blocking does not count it), and any thread may LK_RELEASE it (the
 *    engine's anonymous owner: no record, a RELEASED event). lockstatus says LK_EXCLOTHER
 *    (LK_EXCLUSIVE with td NULL), lockowned false. Already disowned: nothing; a thread
 *    that does not hold it exclusively: reported, nothing done (DragonFly asserts).
 * Misuse (releasing a lock not held, downgrading another's, a bad operation code) is
 * reported once, naming the lock and lockinit's site; the call returns EINVAL and changes
 * nothing. lockuninit of a held or waited-on lock is reported.
 */
#include <bsdsync/dragonfly/lock.h>
#include "dragonfly/sleep_lock.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace bsdsync::dfly {

namespace {

void describe_lockmgr(const void *lock, const char **name, const bsdsync_lock_site **site,
		      unsigned *witness_flags)
{
	const struct lock *lk = static_cast<const struct lock *>(lock);
	*name = lk->lk_wmesg ? lk->lk_wmesg : "(lockinit without a name)";
	*site = lk->lk_site;
	if (witness_flags)
		*witness_flags = 0;
}

} // namespace

/* Sleepable, shared or exclusive, recursive (LK_CANRECURSE), may sleep to take. */
constinit const LockType lockmgr_type = {
	"DragonFly lockmgr",
	BSDSYNC_LT_SLEEPABLE | BSDSYNC_LT_SHARED | BSDSYNC_LT_MAY_SLEEP | BSDSYNC_LT_RECURSABLE,
	describe_lockmgr
};

} // namespace bsdsync::dfly

namespace {

/* lk_count: separate exclusive (low) and shared (high) counts. */
struct LockmgrLayout {
	using Word = unsigned long long;
	static constexpr Word kExWait = BSDSYNC_DFLY_LKC_EXREQ;
	static constexpr Word kShWait = BSDSYNC_DFLY_LKC_SHREQ;
	static constexpr Word kUpReq = BSDSYNC_DFLY_LKC_UPREQ;
	static constexpr Word kCancel = BSDSYNC_DFLY_LKC_CANCEL;
	static constexpr Word kShared = BSDSYNC_DFLY_LKC_SHARED;
	static constexpr Word kX = BSDSYNC_DFLY_LKC_XMASK;
	static constexpr Word kS = BSDSYNC_DFLY_LKC_SMASK;
	static constexpr Word kOne = BSDSYNC_DFLY_LKC_SCOUNT;
	static constexpr int kCount = BSDSYNC_DFLY_LK_COUNT;	/* the thread's shared holds */
	static Word xcount(Word v) { return v & kX; }
	static Word scount(Word v) { return v >> 32; }
	static bool is_free(Word v) { return !(v & (kX | kS)); }
	static Word make_exclusive(Word v) { return (v & ~(kX | kS | kShared)) | 1; }
	static Word free_exclusive(Word v) { return v & ~kX; }
	static Word add_shared(Word v) { return (v + kOne) | kShared; }
	static Word sub_shared(Word v)
	{
		v -= kOne;
		return (v & kS) ? v : v & ~kShared;
	}
	static Word exclusive_to_shared(Word v) { return ((v & ~kX) + kOne) | kShared; }
	/* No asynchronous requests. The anonymous owner: LK_KERNTHREAD, a lock its holder
	 * disowned (lockmgr_kernproc): any thread may release it. */
	struct Deferred {};
	static void *anon() { return BSDSYNC_DFLY_LK_KERNTHREAD; }
	static bool async_pending(const SleepLock<LockmgrLayout> &) { return false; }
	static void async_granted(const SleepLock<LockmgrLayout> &, Deferred &) {}
	/* The lock at `id` (sleep_lock.h's out-of-line tails). */
	static SleepLock<LockmgrLayout> of(const void *id);
};
using L = LockmgrLayout;

SleepLock<L> engine(struct lock *lk)
{
	return SleepLock<L>{ &lk->lk_count, &lk->lk_lockholder, lk, &lockmgr_type };
}

SleepLock<L> L::of(const void *id)
{
	return engine(static_cast<struct lock *>(const_cast<void *>(id)));
}

const char *op_name(unsigned op)
{
	switch (op) {
	case BSDSYNC_DFLY_LK_SHARED: return "lockmgr(LK_SHARED)";
	case BSDSYNC_DFLY_LK_EXCLUSIVE: return "lockmgr(LK_EXCLUSIVE)";
	case BSDSYNC_DFLY_LK_UPGRADE: return "lockmgr(LK_UPGRADE)";
	case BSDSYNC_DFLY_LK_EXCLUPGRADE: return "lockmgr(LK_EXCLUPGRADE)";
	case BSDSYNC_DFLY_LK_DOWNGRADE: return "lockmgr(LK_DOWNGRADE)";
	case BSDSYNC_DFLY_LK_RELEASE: return "lockmgr(LK_RELEASE)";
	case BSDSYNC_DFLY_LK_CANCEL_BEG: return "lockmgr(LK_CANCEL_BEG)";
	case BSDSYNC_DFLY_LK_CANCEL_END: return "lockmgr(LK_CANCEL_END)";
	default: return "lockmgr";
	}
}

bool live(struct lock *lk, const char *what, const char *file, int line)
{
	if (likely(lk->lk_wmesg || lk->lk_site))
		return true;
	report(BSDSYNC_RULE_UNINITIALIZED, lock_subject(&lockmgr_type, lk), file, line,
	       "%s on a lock lockinit never initialised", what);
	return false;
}

/* LK_CANCEL_BEG / END: the exclusive holder only. */
int cancel(struct lock *lk, bool begin, const char *what, const char *file, int line)
{
	SleepLock<L> s = engine(lk);
	L::Word v = load_relaxed(&lk->lk_count);
	if (!L::xcount(v) || load_relaxed(&lk->lk_lockholder) != sleep_lock::self()) {
		report(BSDSYNC_RULE_NOT_OWNER, s.subject(), file, line,
		       "%s by a thread that does not hold the lock exclusively", what);
		return BSDSYNC_EINVAL;
	}
	if (!begin) {
		fetch_and_relaxed(&lk->lk_count, ~L::kCancel);
		return 0;
	}
	WakeList later;
	WaitTable::Guard g(sleep_queues, lk);
	v = load_relaxed(&lk->lk_count);
	while (!cas_relaxed(&lk->lk_count, &v, (v | L::kCancel) & ~(L::kExWait | L::kShWait)))
		;
	/* Every waiter looks again: the cancelable ones fail, the others queue again. */
	sleep_queues.wake_all(g, lk, WaitQueueId::ExclusiveLockers, later);
	sleep_queues.wake_all(g, lk, WaitQueueId::SharedLockers, later);
	return 0;
}

} // namespace

extern "C" {

void dfly_lockinit(struct lock *lk, const char *wmesg, int timo, int flags,
		   const bsdsync_lock_site *site)
{
	lk->lk_flags = (unsigned)flags & BSDSYNC_DFLY_LK_EXTFLG_MASK;
	lk->lk_timo = timo;
	store_relaxed(&lk->lk_count, 0ULL);
	lk->lk_wmesg = wmesg;
	store_relaxed(&lk->lk_lockholder, (void *)nullptr);
	lk->lk_site = site;
}

void dfly_lockreinit(struct lock *lk, const char *wmesg, int timo, int flags,
		     const bsdsync_lock_site *site)
{
	lk->lk_flags = (unsigned)flags & BSDSYNC_DFLY_LK_EXTFLG_MASK;
	lk->lk_timo = timo;
	lk->lk_wmesg = wmesg;
	lk->lk_site = site;
}

void dfly_lockuninit(struct lock *lk, const char *file, int line)
{
	L::Word v = load_relaxed(&lk->lk_count);
	if (v & (L::kX | L::kS | L::kExWait | L::kShWait | L::kUpReq)) {
		bool queued;
		{
			WaitTable::Guard g(sleep_queues, lk);
			queued = sleep_queues.has_waiters(g, lk, WaitQueueId::ExclusiveLockers) ||
				 sleep_queues.has_waiters(g, lk, WaitQueueId::SharedLockers) ||
				 sleep_queues.has_waiters(g, lk, WaitQueueId::Drainers);
		}
		if (queued || (v & (L::kX | L::kS)))
			report(BSDSYNC_RULE_DESTROY_HELD, lock_subject(&lockmgr_type, lk), file,
			       line, "lockuninit of a lock that is %s (count 0x%llx)",
			       queued ? "waited on" : "held", v);
	}
}

} // extern "C"

namespace {

/* Every request the uncontended paths of dfly_lockmgr leave. */
BSDSYNC_NOINLINE int lockmgr_slow(struct lock *lk, unsigned flags, const char *file, int line)
{
	unsigned op = flags & BSDSYNC_DFLY_LK_TYPE_MASK;
	const char *what = op_name(op);
	if (unlikely(!live(lk, what, file, line)))
		return BSDSYNC_EINVAL;
	flags |= lk->lk_flags & BSDSYNC_DFLY_LK_EXTFLG_MASK;
	SleepLock<L> s = engine(lk);
	/* The caller's inline hold (<sys/lock.h>'s production build), recorded before the
	 * engine looks at the word (sleep_lock.h adopt_unrecorded). */
	sleep_lock::adopt_unrecorded(s, BSDSYNC_DFLY_LKC_UNRECORDED, file, line);
	SleepRequest r{};
	r.what = what;
	r.nowait = flags & BSDSYNC_DFLY_LK_NOWAIT;
	r.sleepfail = flags & BSDSYNC_DFLY_LK_SLEEPFAIL;
	r.cancelable = flags & BSDSYNC_DFLY_LK_CANCELABLE;
	r.recurse_ok = flags & BSDSYNC_DFLY_LK_CANRECURSE;
	r.interruptible = flags & BSDSYNC_DFLY_LK_PCATCH;
	r.busy = BSDSYNC_EBUSY;
	if ((flags & BSDSYNC_DFLY_LK_TIMELOCK) && lk->lk_timo > 0)
		r.deadline_ns = bsdsync_uptime_ns() +
				(u64)lk->lk_timo * (1000000000ULL / BSDSYNC_HZ);
	r.file = file;
	r.line = line;
	if (unlikely(bsdsync_in_interrupt()) && !r.nowait &&
	    op != BSDSYNC_DFLY_LK_RELEASE && op != BSDSYNC_DFLY_LK_DOWNGRADE) {
		/* DragonFly panics; here the request is tried instead. */
		report(BSDSYNC_RULE_SLEEP_INTERRUPT, s.subject(), file, line,
		       "%s in interrupt context: tried (LK_NOWAIT) instead", what);
		r.nowait = true;
	}
	switch (op) {
	case BSDSYNC_DFLY_LK_SHARED:
		return sleep_lock::lock_shared(s, r);
	case BSDSYNC_DFLY_LK_EXCLUSIVE:
		return sleep_lock::lock_exclusive(s, r);
	case BSDSYNC_DFLY_LK_UPGRADE:
		return sleep_lock::upgrade(s, r, false);
	case BSDSYNC_DFLY_LK_EXCLUPGRADE:
		return sleep_lock::upgrade(s, r, true);
	case BSDSYNC_DFLY_LK_DOWNGRADE:
		return sleep_lock::downgrade(s, false, what, file, line);
	case BSDSYNC_DFLY_LK_RELEASE:
		return sleep_lock::release(s, what, file, line);
	case BSDSYNC_DFLY_LK_CANCEL_BEG:
		return cancel(lk, true, what, file, line);
	case BSDSYNC_DFLY_LK_CANCEL_END:
		return cancel(lk, false, what, file, line);
	default:
		report(BSDSYNC_RULE_BAD_ARGUMENT, s.subject(), file, line,
		       "lockmgr with an unknown operation 0x%x", op);
		return BSDSYNC_EINVAL;
	}
}

} // namespace

extern "C" {

/* The uncontended LK_SHARED / LK_EXCLUSIVE from a free word and the LK_RELEASE of the
 * newest plain hold inline (sleep_lock.h fast_*: the flags change nothing there: no wait,
 * no recursion, no cancel is possible); everything else, and a lock lockinit never
 * initialised, through lockmgr_slow. A lockmgr hold may sleep: nosleep is false. */
int dfly_lockmgr(struct lock *lk, unsigned flags, const char *file, int line)
{
	unsigned op = flags & BSDSYNC_DFLY_LK_TYPE_MASK;
	if (likely(lk->lk_wmesg || lk->lk_site)) {
		SleepLock<L> s = engine(lk);
		if (op == BSDSYNC_DFLY_LK_EXCLUSIVE) {
			if (likely(sleep_lock::fast_xlock(s, false, file, line)))
				return 0;
		} else if (op == BSDSYNC_DFLY_LK_SHARED) {
			if (likely(sleep_lock::fast_slock(s, false, file, line)))
				return 0;
		} else if (op == BSDSYNC_DFLY_LK_RELEASE) {
			if (likely(sleep_lock::fast_release(s, false)))
				return 0;
		}
	}
	return lockmgr_slow(lk, flags, file, line);
}

int dfly_lockstatus(struct lock *lk, const void *td)
{
	L::Word v = load_relaxed(&lk->lk_count);
	if (L::xcount(v)) {
		if (!td || load_relaxed(&lk->lk_lockholder) == td)
			return BSDSYNC_DFLY_LK_EXCLUSIVE;
		return BSDSYNC_DFLY_LK_EXCLOTHER;
	}
	return L::scount(v) ? BSDSYNC_DFLY_LK_SHARED : 0;
}

int dfly_lockowned(struct lock *lk)
{
	L::Word v = load_relaxed(&lk->lk_count);
	if (L::xcount(v))
		return load_relaxed(&lk->lk_lockholder) == sleep_lock::self();
	return L::scount(v) != 0;
}

void dfly_lockmgr_kernproc(struct lock *lk, const char *file, int line)
{
	sleep_lock::adopt_unrecorded(engine(lk), BSDSYNC_DFLY_LKC_UNRECORDED, file, line);
	L::Word v = load_relaxed(&lk->lk_count);
	void *owner = load_relaxed(&lk->lk_lockholder);
	if (L::xcount(v) && owner == L::anon())
		return;
	if (!L::xcount(v) || owner != sleep_lock::self()) {
		report(BSDSYNC_RULE_NOT_OWNER, lock_subject(&lockmgr_type, lk), file, line,
		       "lockmgr_kernproc of a lock the caller does not hold exclusively: nothing "
		       "done");
		return;
	}
	held_released(current_record_if_any(), lk, &lockmgr_type, HoldMode::Exclusive, file,
		      line);
	/* Only the owner writes the field while it holds the lock (sleep_lock.h): from now
	 * on a releaser compares it with LK_KERNTHREAD. */
	store_relaxed(&lk->lk_lockholder, L::anon());
}

int dfly_lksleep(const volatile void *ident, struct lock *lk, int flags, const char *wmesg,
		 int timo, const char *file, int line)
{
	/* Not lockowned(): it is true for any sharer, and a thread that holds nothing would
	 * then sleep and wait for the lock the others hold. The caller's own hold: the
	 * exclusive owner, or a share its record shows or its inline count may be
	 * (current_record(): a thread without one holds nothing; null only in interrupt
	 * context or out of memory: trusted). */
	L::Word v = load_relaxed(&lk->lk_count);
	ThreadState *t = current_record();
	bool mine = L::xcount(v) ? load_relaxed(&lk->lk_lockholder) == sleep_lock::self()
				 : L::scount(v) && (!t || sleep_lock::may_hold_shared<L>(t, lk));
	if (!mine) {
		report(BSDSYNC_RULE_NOT_OWNER, lock_subject(&lockmgr_type, lk), file, line,
		       "lksleep with a lock the caller does not hold");
		return BSDSYNC_EINVAL;
	}
	/* Queued before the release: a wakeup after it finds the sleeper (sleep.cpp). */
	dfly_tsleep_interlock(ident, flags, file, line);
	dfly_lockmgr(lk, BSDSYNC_DFLY_LK_RELEASE, file, line);
	int error = dfly_tsleep(ident, flags | BSDSYNC_DFLY_PINTERLOCKED, wmesg, timo, file,
				line);
	dfly_lockmgr(lk, BSDSYNC_DFLY_LK_EXCLUSIVE, file, line);
	return error;
}

void dfly_lock_sysinit(const void *arg)
{
	auto *a = static_cast<const struct dfly_lock_args *>(arg);
	dfly_lockinit(a->la_lock, a->la_desc, 0, (int)a->la_flags, a->la_site);
}

void dfly_lock_sysuninit(const void *arg)
{
	dfly_lockuninit(static_cast<struct lock *>(const_cast<void *>(arg)), "LOCK_SYSINIT", 0);
}

} // extern "C"
