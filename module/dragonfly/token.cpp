/*
 * DragonFly's LWKT serializing tokens, token(9): lwkt_gettoken, lwkt_gettoken_shared,
 * lwkt_trytoken, lwkt_reltoken, pool tokens, lwkt_token_swap, lwkt_cnttoken, the held/assert
 * checks; and the MP lock's token (mp_token, <sys/mplock2.h>).
 *
 * The contract (bsd-api-reference.md section 23): a token is held only while its holder
 * runs. Whenever the holder blocks, for any reason (bsdsync's own tsleep, or anything in
 * Linux: msleep, mutex_lock, wait_event, kmalloc(GFP_KERNEL), a page fault), ALL its tokens
 * are released, and they are ALL held again before it runs its own code; preemption keeps
 * them. So tokens never deadlock whatever the order they are taken in, and they serialise
 * only between blocking points.
 *
 * ---- The token word (include/bsdsync/dragonfly/token.h) --------------------------------
 * t_count: TOK_EXCLUSIVE (bit 0) or a count of shared holders in units of TOK_INCR (each
 * holding thread counts once), and TOK_EXCLREQ (bit 1): an exclusive request that must wait
 * (lwkt_gettoken, or a thread retaking an exclusive claim) is pending. Transitions, all on
 * t_count:
 *   take exclusive   0 or EXCLREQ -> TOK_EXCLUSIVE (EXCLREQ cleared, as DragonFly)
 *                                                              CAS, acquire; then t_ref = owner
 *   refused exclusive (a blocking request on a held word)  |= TOK_EXCLREQ    fetch_or, relaxed
 *   take shared      v (no TOK_EXCLUSIVE; and no TOK_EXCLREQ when the requester has no
 *                    other token reference) -> v + TOK_INCR    CAS, acquire
 *   give exclusive   t_ref = null; -TOK_EXCLUSIVE              fetch_sub, seq_cst
 *   give shared      -TOK_INCR                                 fetch_sub, seq_cst
 *   downgrade        TOK_EXCLUSIVE -> TOK_INCR (exclusive ref released, shared refs left)
 *                                                              fetch_add, seq_cst
 * Each take's acquire pairs with the give (release half of the seq_cst RMW) of the previous
 * holder. The gives are seq_cst also for the waiter handshake below; they and downgrade keep
 * a pending TOK_EXCLREQ (RMWs, since a waiter may set it meanwhile).
 * Exclusive priority (DragonFly's lwkt_token.c): new shared requests wait while an exclusive
 * one is pending, but only from a thread whose reference to this token is its only one
 * (DragonFly: "due to the token's no-deadlock guarantee ... we can only give exclusive
 * requests priority over shared requests in situations where the thread holds only one
 * token"). A stream of such shared holders therefore drains, and the exclusive waiter is
 * granted (waiters are granted in list order). EXCLREQ is set only by a request that still
 * wants the token exclusively, so the take that ends that request clears it; until then
 * it stays (a non-blocking take, lwkt_trytoken, ignores it and clears it on success, as
 * DragonFly's).
 *
 * ---- A thread's references (dragonfly.h TokenThread) ------------------------------------
 * A stack of references (token | shared bit), newest last, at most LWKT_MAXTOKENS. What the
 * thread claims on a token is one unit: exclusive if any of its references to it is
 * exclusive, else shared. A second reference to a token already claimed is recursion: the
 * stack grows, the word does not change (DragonFly: exclusive on exclusive, shared on
 * exclusive, shared on shared). Exclusive on a token the thread holds only shared is
 * DragonFly's documented misuse (it livelocks there): reported once, and taken as a shared
 * reference, so the kernel goes on. lwkt_reltoken removes the newest reference to the token
 * (out of order: reported, done anyway) and changes the word only when the claim changes.
 *
 * ---- Release at a block, retake before running -------------------------------------------
 * A thread registers its scheduler switch hook (platform.h, preempt notifiers) at its first
 * token reference and keeps it across its token sections until it BLOCKS holding none:
 * its switch-out then detaches the hook (switch_hook.c bsdsync_switch_hook_detach: unlinked
 * without disturbing the scheduler's walk of the list, the module reference dropped by the
 * per-CPU irq_work right after), and its next token registers it again. So an uncontended
 * get/release that does not block keeps the fast paths (registering costs more than the
 * whole get/release: a module reference and the notifier list), a thread that blocks
 * between token sections pays one registration per section and one irq_work per block,
 * and a thread that stopped taking tokens holds no module reference once it has blocked:
 * rmmod works while threads that used tokens (a kworker, a user thread after an ioctl, a
 * sleeping kthread) still live. The thread's exit unregisters a hook still there
 * (token_thread_exiting, from the core's exit hook). Its status (TokenThread::status):
 *   kHeld      every claim is taken (or there is none): the thread may run its code.
 *   kReleased  it blocked: its switch-out hook gave every claim (atomics only: runqueue lock
 *              held), and deferred a grant pass (irq_work) if there are token waiters.
 *   kWaiting   a switch-in that could not retake its claims: on the waiter list, blocked in
 *              the private wait state; holds nothing. A grant takes its claims for it.
 *   kRetry     its own lwkt_gettoken waits (block_for_tokens): on the waiter list, blocked
 *              in the private wait state; holds nothing. A grant pass that finds all its
 *              claims free wakes it (kSelf) to take them itself.
 *   kSelf      the thread itself is giving up its claims to wait for a token, or taking
 *              them again (block_for_tokens); the hooks leave it alone.
 * switch_out(blocking): kHeld and blocking -> give every claim, kReleased. A preemption
 *   (not blocking) changes nothing: tokens stay held.
 * switch_in: kReleased -> take every claim, all or nothing (a partial take is rolled back:
 *   keeping some livelocks A,B/B,A orders). Failing, the thread becomes a token waiter
 *   (below) and bsdsync_switch_in_wait() makes the scheduler dequeue it at once in the
 *   private wait state, so it never returns from schedule() without its tokens.
 * lwkt_gettoken that finds the token taken spins (spin_for), as the core's adaptive locks
 *   do: while t_ref names a thread that runs on a CPU, the core's adaptive spin on t_ref
 *   (core/adaptive.h: one spinner polls the word, the others the spinner gate), taking the
 *   token when t_ref changes; when no running holder is known (shared holders, interrupt
 *   code, the instant between a take and its t_ref store), kSpins pauses. It blocks when
 *   the holder stops running (it blocked, so its tokens went and a look finds the token
 *   free or taken by another; or it was preempted, maybe on this CPU, where only our
 *   blocking lets it run), when it must reschedule, when it has watched one running holder
 *   for dfly_lwkt_token_spin_ns (200 us; below, in the limits: a holder spinning for what
 *   we hold), or when the pauses run out:
 *   block_for_tokens pushes the reference, gives every other claim (it blocks: DragonFly
 *   releases them too), and becomes a retry waiter in thread context.
 * Becoming a token waiter, under the waiter list lock: nwaiting += 1, full fence, try to
 *   take every claim once more (all or nothing); got them: nwaiting -= 1, kHeld; else link
 *   on the list and wait in the private state: a switch-in as kWaiting until status ==
 *   kHeld; block_for_tokens as kRetry until status == kSelf, then it spins as above while
 *   the token's holder runs, and becomes a waiter again (at the list's head: a woken
 *   waiter that lost the token to a running thread keeps its turn), which takes its claims
 *   or links it again.
 * The grant pass (after any give, when nwaiting != 0: in lwkt_reltoken, in the switch-in
 *   hook's thread context paths, and from the irq_work a switch-out deferred): under the
 *   lock, for each waiter in list order: a kWaiting one, take all its claims in its name
 *   (t_ref = it), all or nothing; on success unlink it, nwaiting -= 1, store kHeld
 *   (release) and wake it. A kRetry one, if all its claims could be taken now (a look at
 *   the words) and no retry waiter for the same token (its newest reference's) was woken
 *   by this pass: unlink it, nwaiting -= 1, store kSelf (release) and wake it. Wakes come
 *   after the lock, holding a task reference (once it sees its status it may run and exit).
 *   Why the two: a switch-in waiter must not run before it holds its tokens, so it is
 *   granted them; a thread-context waiter is not granted the token while it sleeps: with a
 *   grant per release every contender that came while the token was owned by a woken
 *   sleeper saw a holder not running and blocked too, and every release went to a sleeper
 *   (a convoy: the bench's dfly_token long section at 4 threads on 2 vCPUs ran at 0.02-0.06
 *   of Linux's mutex). Woken to try, it competes with running threads as a Linux mutex's
 *   woken waiter does, and one woken per token per pass is no thundering herd.
 *
 * No lost wake-up: a giver's give is a seq_cst RMW followed by its read of nwaiting; a
 * waiter's nwaiting increment is followed by a full fence and then its takes. So either the
 * giver reads nwaiting != 0 and runs a grant pass (which takes the lock, so it runs after
 * the waiter has linked itself or given up waiting), or the waiter's take sees the token
 * given. A kWaiting waiter is woken only by a grant, with its status already kHeld; a
 * kRetry one only by a pass, with its status already kSelf; each wait loops until it reads
 * that (bsdsync_switch_wait sets its state before reading). A kRetry waiter the pass
 * leaves linked (a claim taken, or another retry waiter woken for its token) has a give
 * still to come that runs a pass: the holder's, or that of whoever takes the token the
 * woken one found free (the woken one included, once it has it).
 * Never running without tokens: a thread's own code runs only in kHeld (gettoken returns
 * after block_for_tokens only in kHeld; a switch-in that cannot take every claim dequeues
 * the thread before it returns to its code, with interrupts off until then, and only a
 * grant, which sets kHeld first, wakes it). Switch-out gives claims only when the thread
 * blocks, in kHeld; a thread in kSelf or kWaiting holds none, so its hooks do nothing.
 * Claims and the stack agree at every point where the thread could block: pushes follow
 * the successful take, pops precede the give, and nothing between them blocks.
 *
 * The uncontended get and release (dfly_lwkt_gettoken / dfly_lwkt_reltoken below): a thread
 * with its hook registered, no event sink, a free word: the CAS, then the push; the release
 * of its newest (only) exclusive reference: the pop, then the give, then nwaiting read. A
 * driver's production build does the same inline (<sys/thread.h>), reaching the running
 * thread's TokenThread through the platform's per-CPU switch-hook cookie (switch_hook.c:
 * set while a hooked thread runs, at registration and switch-in; NULL otherwise), and calls
 * dfly_lwkt_token_grant when it reads nwaiting != 0: the same steps in the same order, so
 * every argument here holds for them (they run in the thread's own code, in kHeld).
 *
 * Why a re-registration after a block costs one module reference (an atomic) instead of one
 * per thread record for good: a thread that stopped taking tokens must not keep bsdsync
 * loaded (above); Linux's rmmod refuses while a reference is held, and only a switch-out can
 * unlink a thread's notifier safely, so the reference is dropped at the block that detaches
 * the hook and taken again by the next section. A thread that does not block between its
 * sections (the usual uncontended case) keeps the hook and pays nothing.
 *
 * bsdsync's own blocking (tsleep, and every primitive's wait through the core's blocking
 * tail) ends in schedule() like any Linux sleep, so the switch hook covers it too: tokens use
 * no block hook of the core (core/block.h).
 *
 * Limits and differences from DragonFly:
 *  - Tokens are released when the thread BLOCKS in Linux's sense (leaves the runqueue).
 *    tsleep_interlock() keeps them until the paired tsleep() blocks, as in DragonFly.
 *  - The switch-in that makes a thread wait returns to the scheduler with interrupts off
 *    (platform switch_hook.c says why): the rest of finish_task_switch() then runs with them
 *    off (an mm or task put there only takes irqsave locks).
 *  - PREEMPT_RT: built and smoke-tested, not measured further; a grant pass from the
 *    irq_work may drop the last reference of a task in hard interrupt context.
 *  - Waiters: one list for every token (a grant pass looks at each waiter); fairness is the
 *    list order for waiters, but a running thread (a spinner included) may take a free
 *    token ahead of a waiter, and ahead of a retry waiter woken for it (which then waits
 *    again at the list's head), as with Linux's mutex before its hand-off.
 *    Exclusive requests have priority over new shared ones (TOK_EXCLREQ) as in DragonFly,
 *    only for a shared requester with no other token reference.
 *  - The spin on a running holder is bounded in time (dfly_lwkt_token_spin_ns per holder
 *    watched), not only by t_ref changing, the holder stopping or the spinner having to
 *    reschedule: a holder may itself spin for something the spinner holds (a DragonFly
 *    mtx, lockmgr or serializer exclusive request spins while its owner runs:
 *    module/dragonfly/sleep_lock.h spin_on_owner, mtx.cpp's first linked waiter;
 *    a Linux mutex's optimistic spin), an order DragonFly allows (the holder that blocks
 *    on that lock gives its tokens). Both spinning, nothing else runnable on their CPUs,
 *    need_resched stays clear and only an outside wake-up ended it (1-12 ms in the test
 *    guest; up to the soft-lockup watchdog's, every 4 s, on a quiet machine). The spinner
 *    blocks at the bound; the holder's spin on it ends because it stopped running; the
 *    holder blocks and gives its tokens, and the waiter is woken to take them. Only the
 *    token side needs the bound: any such cycle that DragonFly allows has a token waiter
 *    in it (a cycle of blocking locks alone is a deadlock there too), so the sleep locks'
 *    spins stay unbounded, as Linux's mutex's is. A holder that merely runs a section
 *    longer than the bound costs the waiter a block and a wake-up.
 *  - A token waiter shows as "R" in /proc, is ignored by the hung-task detector and the
 *    freezer, and a fatal signal does not wake it until it is granted its tokens.
 *  - Interrupt context. DragonFly runs interrupts as threads: an interrupt thread may block
 *    for a token like any thread, and only "hard" code (IPIs, fast interrupts,
 *    lwkt_gettoken_hard sections) is limited to non-blocking takes (KASSERT). A Linux hard
 *    or soft interrupt has no thread to block or to keep a reference stack, so here:
 *    lwkt_trytoken works (exclusive; t_ref is this CPU's interrupt owner, irq_owner(); not
 *    recursive: a second try of a token the CPU's interrupt code holds fails), and the
 *    interrupt must lwkt_reltoken it before it returns (not checked: nothing runs at its
 *    end); the release grants waiters at once (waiters_lock keeps interrupts off).
 *    lwkt_gettoken / _shared there is the misuse: one report; a free token is taken
 *    exclusively anyway (the code goes on as written), a held one is not taken (it may be
 *    held by the very thread the interrupt stopped) and its lwkt_reltoken is then silent
 *    (irq_refused). LWKT_TOKEN_HELD_* there ask about the interrupt's own holds.
 *    No lock events for interrupt holds. Holding a DragonFly spinlock or in a critical
 *    section, a taken token is spun for (the context check reports it once).
 *  - More than LWKT_MAXTOKENS references: reported, not taken (DragonFly panics).
 *  - Checkers: tokens are not in the core's held-locks stack (they are not held across a
 *    block, and holding one is not a non-sleepable hold: the may-sleep check never names
 *    one); lock events are sent at lwkt_gettoken (ACQUIRED, CONTENDED) and lwkt_reltoken
 *    (RELEASED) with BSDSYNC_LW_NOWITNESS (DragonFly exempts tokens from order checks).
 *  - A thread that exits holding tokens is reported; they are released at its exit.
 *  - rmmod refuses while a thread holds a token reference, or took one and has not blocked
 *    since (its switch hook holds a module reference; see above).
 */
#include "dragonfly/dragonfly.h"
#include "core/adaptive.h"
#include "core/lock_type.h"
#include "core/spinbit.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace bsdsync::dfly {

constexpr int kPoolTokens = 1024;	/* a power of two */
/* Zeroed: free, unnamed ("pool token" in reports). */
constinit lwkt_token token_pool[kPoolTokens];

namespace {

bool is_pool_token(const lwkt_token *tok)
{
	return tok >= token_pool && tok < token_pool + kPoolTokens;
}

void describe_token(const void *lock, const char **name, const bsdsync_lock_site **site,
		    unsigned *witness_flags)
{
	const lwkt_token *tok = static_cast<const lwkt_token *>(lock);
	*name = tok->t_desc ? tok->t_desc : is_pool_token(tok) ? "pool token" : "(unnamed)";
	*site = nullptr;
	if (witness_flags)
		*witness_flags = BSDSYNC_LW_NOWITNESS;	/* DragonFly: no order checks */
}

} // namespace

/* Sleepable (released at a block, never a non-sleepable hold), shared, recursive; taking one
 * may block. */
constinit const LockType token_type = {
	"LWKT token",
	BSDSYNC_LT_SLEEPABLE | BSDSYNC_LT_SHARED | BSDSYNC_LT_RECURSABLE | BSDSYNC_LT_MAY_SLEEP,
	describe_token
};

} // namespace bsdsync::dfly

namespace {

constexpr long kExcl = BSDSYNC_DFLY_TOK_EXCLUSIVE;
constexpr long kIncr = BSDSYNC_DFLY_TOK_INCR;
constexpr long kExclReq = BSDSYNC_DFLY_TOK_EXCLREQ;
constexpr uintptr kRefShared = 1;
constexpr int kMaxRefs = TokenThread::kMaxRefs;
/* Pause instructions before a contended take blocks when no running holder is known (shared
 * holders, interrupt code); an exclusive holder that runs is spun on while it runs, for at
 * most dfly_lwkt_token_spin_ns (below). */
constexpr int kSpins = 1024;

/* TokenThread::status (see the top). kHeld is 0: a zeroed record holds nothing. */
enum : int { kHeld = 0, kReleased = 1, kWaiting = 2, kSelf = 3, kRetry = 4 };

enum class Claim { None, Shared, Exclusive };

/* The token waiters. Locking key: (l) waiters_lock, taken with interrupts off (the grant
 * pass runs from an irq_work too), never while a runqueue lock is held (the switch-out hook
 * does not take it) and never held across a wake-up. nwaiting is written under it and read
 * without it by givers (see the top: the handshake). */
IrqSpinBit waiters_lock;
TokenThread *waiters_head;	/* (l) */
TokenThread *waiters_tail;	/* (l) */
/* (l) waiters linked, or about to be. Exported: the inline release of a production build
 * (<sys/thread.h>) reads it after its give, as grant_if_waiters does. */
constexpr int &nwaiting = dfly_lwkt_nwaiting;

ReportSubject token_subject(const lwkt_token *tok)
{
	return lock_subject(&token_type, tok);
}

TokenThread *tokens_of(ThreadState *t)
{
	return &thread_slot(t)->tokens;
}

lwkt_token *ref_token(uintptr r)
{
	return reinterpret_cast<lwkt_token *>(r & ~kRefShared);
}

bool ref_shared(uintptr r)
{
	return r & kRefShared;
}

HoldMode mode_of(Claim c)
{
	return c == Claim::Shared ? HoldMode::Shared : HoldMode::Exclusive;
}

/* What the thread claims on tok. */
Claim claim_of(const TokenThread *s, const lwkt_token *tok)
{
	Claim c = Claim::None;
	for (int i = 0; i < s->nrefs; i++) {
		if (ref_token(s->refs[i]) != tok)
			continue;
		if (!ref_shared(s->refs[i]))
			return Claim::Exclusive;
		c = Claim::Shared;
	}
	return c;
}

/* Is refs[i] the oldest reference to its token (the one that stands for the claim)? */
bool first_ref(const TokenThread *s, int i)
{
	for (int j = 0; j < i; j++)
		if (ref_token(s->refs[j]) == ref_token(s->refs[i]))
			return false;
	return true;
}

/* `blocking`: a request that waits if refused (sets TOK_EXCLREQ when exclusive); `alone`:
 * the requester has no other token reference (a shared take then yields to TOK_EXCLREQ). */
bool take(lwkt_token *tok, Claim c, thread *owner, bool blocking = false, bool alone = false)
{
	long v = load_relaxed(&tok->t_count);
	if (c == Claim::Exclusive) {
		while (!(v & ~kExclReq)) {
			/* Acquire: pairs with the previous holder's give. EXCLREQ cleared. */
			if (cas_acquire(&tok->t_count, &v, kExcl)) {
				store_relaxed(&tok->t_ref, owner);
				return true;
			}
		}
		if (blocking && !(v & kExclReq))
			__atomic_fetch_or(&tok->t_count, kExclReq, __ATOMIC_RELAXED);
		return false;
	}
	while (!(v & kExcl) && !(alone && (v & kExclReq))) {
		/* Acquire: pairs with the previous exclusive holder's give. */
		if (cas_acquire(&tok->t_count, &v, v + kIncr))
			return true;
	}
	return false;
}

void give(lwkt_token *tok, Claim c)
{
	/* seq_cst: a release for the next holder, and ordered before the giver's read of
	 * nwaiting (the waiter handshake, see the top). */
	if (c == Claim::Exclusive) {
		store_relaxed(&tok->t_ref, static_cast<thread *>(nullptr));
		__atomic_fetch_sub(&tok->t_count, kExcl, __ATOMIC_SEQ_CST);
	} else {
		__atomic_fetch_sub(&tok->t_count, kIncr, __ATOMIC_SEQ_CST);
	}
}

/* The exclusive holder keeps a shared claim: while it holds TOK_EXCLUSIVE only a waiter's
 * TOK_EXCLREQ may change the word, which the add keeps. seq_cst as give(). */
void downgrade(lwkt_token *tok)
{
	store_relaxed(&tok->t_ref, static_cast<thread *>(nullptr));
	__atomic_fetch_add(&tok->t_count, kIncr - kExcl, __ATOMIC_SEQ_CST);
}

/* Take every claim of s in owner's name, all or nothing. */
bool take_all(TokenThread *s, thread *owner)
{
	for (int i = 0; i < s->nrefs; i++) {
		if (!first_ref(s, i))
			continue;
		lwkt_token *tok = ref_token(s->refs[i]);
		if (take(tok, claim_of(s, tok), owner, true, s->nrefs == 1))
			continue;
		__atomic_fetch_add(&tok->t_collisions, 1L, __ATOMIC_RELAXED);
		for (int j = 0; j < i; j++)
			if (first_ref(s, j))
				give(ref_token(s->refs[j]), claim_of(s, ref_token(s->refs[j])));
		return false;
	}
	return true;
}

/* Give every claim of s except that of refs[skip] (-1: none). True if it gave any. */
bool give_all(TokenThread *s, int skip)
{
	bool gave = false;
	for (int i = 0; i < s->nrefs; i++) {
		if (i == skip || !first_ref(s, i))
			continue;
		lwkt_token *tok = ref_token(s->refs[i]);
		give(tok, claim_of(s, tok));
		gave = true;
	}
	return gave;
}

/* Could take(tok, c, .., alone) succeed now? A look at the word, no change. */
bool could_take(const lwkt_token *tok, Claim c, bool alone)
{
	long v = load_relaxed(&tok->t_count);
	if (c == Claim::Exclusive)
		return !(v & ~kExclReq);
	return !(v & kExcl) && !(alone && (v & kExclReq));
}

/* Could take_all(s, ..) succeed now? */
bool could_take_all(const TokenThread *s)
{
	for (int i = 0; i < s->nrefs; i++) {
		if (!first_ref(s, i))
			continue;
		lwkt_token *tok = ref_token(s->refs[i]);
		if (!could_take(tok, claim_of(s, tok), s->nrefs == 1))
			return false;
	}
	return true;
}

/* The token a waiter blocked for: its newest reference's. */
lwkt_token *wanted(const TokenThread *s)
{
	return ref_token(s->refs[s->nrefs - 1]);
}

/* The grant pass (see the top). Any context but the switch-out hook's. */
BSDSYNC_NOINLINE void grant_pass()
{
	enum : int { kBatch = 8, kRetried = 16 };
	/* The tokens the retry waiters woken by this pass wait for: one woken retry waiter
	 * per token (no thundering herd; see the top). */
	const lwkt_token *retried[kRetried];
	int nretried = 0;
	for (;;) {
		thread *wake[kBatch];
		int n = 0;
		bool more = false;
		{
			IrqSpinGuard g(waiters_lock);
			TokenThread **link = &waiters_head, *prev = nullptr;
			while (TokenThread *w = *link) {
				if (n == kBatch) {
					more = true;
					break;
				}
				/* status is written under the lock while w is linked. */
				bool retry = load_relaxed(&w->status) == kRetry;
				bool go;
				if (retry) {
					go = could_take_all(w);
					for (int i = 0; go && i < nretried; i++)
						go = retried[i] != wanted(w);
				} else {
					go = take_all(w, w->td);
				}
				if (!go) {
					prev = w;
					link = &w->wait_next;
					continue;
				}
				*link = w->wait_next;
				if (waiters_tail == w)
					waiters_tail = prev;
				w->wait_next = nullptr;
				store_relaxed(&nwaiting, nwaiting - 1);
				thread *td = w->td;
				/* Held before the status says so: once it reads kHeld it may run
				 * on and exit before our wake. */
				bsdsync_thread_hold(td);
				wake[n++] = td;
				if (retry) {
					if (nretried < kRetried)
						retried[nretried++] = wanted(w);
					/* It tries again itself (block_for_tokens). */
					store_release(&w->status, static_cast<int>(kSelf));
					continue;
				}
				/* Release: pairs with the acquire load in the waiter's wait
				 * (bsdsync_switch_wait / _in_wait): it sees its claims taken. */
				store_release(&w->status, static_cast<int>(kHeld));
			}
		}
		for (int i = 0; i < n; i++) {
			bsdsync_switch_wake(wake[i]);
			bsdsync_thread_release(wake[i]);
		}
		if (!more)
			return;
	}
}

void grant_if_waiters()
{
	/* After a give (seq_cst): see the handshake at the top. */
	if (load_relaxed(&nwaiting))
		grant_pass();
}

/* Try every claim once more under the waiter lock and, failing, link s as a waiter with
 * status `linked` (kWaiting: granted; kRetry: woken to try again), at the head of the list
 * if `front` (a retry waiter that was woken and lost the token again keeps its turn).
 * True if it got them (kHeld). */
bool wait_or_take(TokenThread *s, int linked = kWaiting, bool front = false)
{
	IrqSpinGuard g(waiters_lock);
	store_relaxed(&nwaiting, nwaiting + 1);
	/* Pairs with the seq_cst give of a giver that then reads nwaiting. */
	full_fence();
	if (take_all(s, s->td)) {
		store_relaxed(&nwaiting, nwaiting - 1);
		store_relaxed(&s->status, static_cast<int>(kHeld));
		return true;
	}
	if (front) {
		s->wait_next = waiters_head;
		waiters_head = s;
		if (!waiters_tail)
			waiters_tail = s;
	} else {
		s->wait_next = nullptr;
		if (waiters_tail)
			waiters_tail->wait_next = s;
		else
			waiters_head = s;
		waiters_tail = s;
	}
	store_relaxed(&s->status, linked);
	return false;
}

/* ---- the switch hooks (platform.h bsdsync_switch_ops) ---------------------------------- */

void token_switch_out(void *state, int blocking)
{
	TokenThread *s = tokens_of(static_cast<ThreadState *>(state));
	/* Runqueue lock held, interrupts off: atomics only. A preemption keeps the tokens; a
	 * thread with no reference (its hook stays registered after its last release) has
	 * nothing to give and stays kHeld. nrefs is the thread's own: it is switching out,
	 * so it is not changing it. */
	if (!blocking || load_relaxed(&s->status) != kHeld)
		return;
	if (s->nrefs == 0) {
		/* Blocking with no reference: the hook goes (see the top), so a thread that
		 * stopped taking tokens does not keep bsdsync loaded. */
		if (s->hooked) {
			bsdsync_switch_hook_detach(state);
			s->hooked = 0;
		}
		return;
	}
	bool gave = give_all(s, -1);
	store_relaxed(&s->status, static_cast<int>(kReleased));
	/* No wake-up from here: the grant pass runs from this CPU's irq_work. */
	if (gave && load_relaxed(&nwaiting))
		bsdsync_switch_defer();
}

void token_switch_in(void *state)
{
	TokenThread *s = tokens_of(static_cast<ThreadState *>(state));
	if (load_relaxed(&s->status) != kReleased)
		return;		/* preempted (kHeld), or the thread's own wait (kSelf, kWaiting) */
	if (take_all(s, s->td)) {
		store_relaxed(&s->status, static_cast<int>(kHeld));
		return;
	}
	if (wait_or_take(s))
		return;
	/* Dequeued by the scheduler before returning to the thread's code; a grant (kHeld)
	 * that came already makes this return 0 and the thread runs. */
	bsdsync_switch_in_wait(&s->status, kHeld);
}

void token_deferred()
{
	grant_pass();
}

/* The platform's per-CPU cookie of a running hooked thread: its TokenThread (the C view,
 * bsdsync_dfly_token_thread, is what a production build's inline lwkt_gettoken and
 * lwkt_reltoken read through it). */
constexpr long kTokensInRecord =
	__builtin_offsetof(ThreadState, personality) + kThreadSlot * sizeof(PersonalitySlot) +
	__builtin_offsetof(ThreadSlot, tokens);

constinit const bsdsync_switch_ops token_switch_ops = {
	token_switch_out,
	token_switch_in,
	token_deferred,
	kTokensInRecord,
};

/* ---- the thread's side ------------------------------------------------------------------ */

void hook(TokenThread *s, ThreadState *t)
{
	if (s->hooked)
		return;
	s->td = curthread();
	bsdsync_switch_hook_register(t);
	s->hooked = 1;
}

void unhook(TokenThread *s, ThreadState *t)
{
	if (!s->hooked)
		return;
	bsdsync_switch_hook_unregister(t);
	s->hooked = 0;
}

void push(TokenThread *s, lwkt_token *tok, bool shared)
{
	s->refs[s->nrefs] = reinterpret_cast<uintptr>(tok) | (shared ? kRefShared : 0);
	s->nrefs++;
}

/* ---- interrupt context (hard or soft): no thread, so no reference stack ------------------ */
/* An interrupt's exclusive hold: t_ref is this CPU's interrupt owner, a value no thread
 * address has (the top 64 KiB of the address space, one per CPU); never dereferenced. */
constexpr uintptr kIrqOwnerBase = ~static_cast<uintptr>(0) - 0xffff;
thread *irq_owner()
{
	return reinterpret_cast<thread *>(kIrqOwnerBase + static_cast<uintptr>(bsdsync_cpu_id()));
}

/*
 * A contended request spins (see the top): while the token's exclusive holder is a thread
 * that runs, the core's adaptive spin on t_ref (one spinner polls it, the others the
 * spinner gate; it ends when t_ref changes, the holder stops running, we must reschedule,
 * or after dfly_lwkt_token_spin_ns on that holder); with no running holder known (shared
 * holders, interrupt code, the instant between a take and its t_ref store), a bounded
 * kSpins pauses. `take_it`: take the token
 * when it may be had (true: taken); else only report that it may be had (true: look). False:
 * block. Thread context; the adaptive spin only where the thread could block (a caller in a
 * critical section or under a spinlock gets the bounded spin).
 */
bool spin_for(lwkt_token *tok, Claim want, thread *me, bool alone, bool take_it)
{
	SpinCount spins;
	int budget = kSpins;
	bool adaptive = bsdsync_current_context() == BSDSYNC_CTX_THREAD;
	for (int i = 0;; i++) {
		thread *o = load_relaxed(&tok->t_ref);
		if (adaptive && o && o != me &&
		    reinterpret_cast<uintptr>(o) < kIrqOwnerBase) {
			/* The holder stopped running: it blocked (it gave its tokens, or it was
			 * granted them and waits for a CPU) or was preempted; or we must
			 * reschedule; or it ran dfly_lwkt_token_spin_ns (it may be spinning
			 * for something we hold: our blocking ends that spin, and its block
			 * gives us the token). Block, do not burn the CPU: block_for_tokens takes the
			 * token if it is free by then. */
			if (!adaptive_spin(reinterpret_cast<const volatile unsigned long *>(
						   &tok->t_ref),
					   reinterpret_cast<unsigned long>(o), ~0UL,
					   load_relaxed(&dfly_lwkt_token_spin_ns)))
				return false;
		} else {
			if (budget-- == 0)
				return false;
			bsdsync_cpu_relax();
			spins.tick();
			if (i & 15)
				continue;
		}
		if (take_it ? take(tok, want, me, true, alone) : could_take(tok, want, alone))
			return true;
	}
}

/*
 * The new reference (pushed, the newest, its token not taken) waits: give every other
 * claim, then until it holds them all: take them all at once under the waiter lock, or link
 * as a retry waiter (kRetry) and sleep until a give finds them all free and wakes it
 * (kSelf), spin while the token's holder runs, and try again. A woken retry waiter holds
 * nothing: running threads may take the token first (no hand-off to a sleeper, the convoy
 * of a grant per release; see the top). Thread context, may block.
 */
BSDSYNC_NOINLINE void block_for_tokens(TokenThread *s, Claim want)
{
	store_relaxed(&s->status, static_cast<int>(kSelf));	/* the hooks leave us alone */
	if (give_all(s, s->nrefs - 1))
		grant_if_waiters();
	lwkt_token *tok = wanted(s);
	for (bool again = false;; again = true) {
		if (wait_or_take(s, kRetry, again))
			return;
		/* Acquire: pairs with the grant pass's release store of kSelf. */
		bsdsync_switch_wait(&s->status, kSelf);
		spin_for(tok, want, s->td, s->nrefs == 1, false);
	}
}

/* ---- interrupt context: see irq_owner above ---------------------------------------------- */
/* The token lwkt_gettoken refused last in this CPU's interrupt context (reported there), so
 * that the matching lwkt_reltoken is not a second report. Only this CPU's interrupt code
 * touches its entry. CPUs beyond kIrqCpus keep none (their release is reported too). */
constexpr int kIrqCpus = 256;
constinit lwkt_token *irq_refused[kIrqCpus];

bool irq_take(lwkt_token *tok)
{
	return take(tok, Claim::Exclusive, irq_owner());
}

void irq_gettoken(lwkt_token *tok, const char *what, const char *file, int line)
{
	bool got = irq_take(tok);
	int cpu = bsdsync_cpu_id();
	if (!got && cpu < kIrqCpus)
		irq_refused[cpu] = tok;
	report(BSDSYNC_RULE_SLEEP_INTERRUPT, token_subject(tok), file, line,
	       "%s in interrupt context (an interrupt cannot block for a token; DragonFly runs "
	       "interrupts as threads): %s", what,
	       got ? "it was free: taken exclusively, release it before the handler returns"
		   : "it is held: not taken (lwkt_trytoken is the interrupt's way)");
}

void irq_reltoken(lwkt_token *tok, const char *file, int line)
{
	if (load_relaxed(&tok->t_ref) == irq_owner() && (load_relaxed(&tok->t_count) & kExcl)) {
		give(tok, Claim::Exclusive);
		grant_if_waiters();	/* waiters_lock keeps interrupts off: safe here */
		return;
	}
	int cpu = bsdsync_cpu_id();
	if (cpu < kIrqCpus && irq_refused[cpu] == tok) {
		irq_refused[cpu] = nullptr;	/* its lwkt_gettoken was the report */
		return;
	}
	report(BSDSYNC_RULE_NOT_OWNER, token_subject(tok), file, line,
	       "lwkt_reltoken in interrupt context of a token this CPU's interrupt code does "
	       "not hold: ignored");
}

BSDSYNC_NOINLINE void gettoken(lwkt_token *tok, bool shared, const char *what, const char *file,
			       int line)
{
	ThreadState *t = current_record();
	if (unlikely(!t)) {
		if (bsdsync_in_interrupt()) {
			irq_gettoken(tok, what, file, line);
			return;
		}
		report(BSDSYNC_RULE_BAD_ARGUMENT, token_subject(tok), file, line,
		       "%s without a thread record (out of memory): not taken", what);
		return;
	}
	TokenThread *s = tokens_of(t);
	if (unlikely(s->nrefs == kMaxRefs)) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, token_subject(tok), file, line,
		       "%s: more than %d token references held: not taken", what, kMaxRefs);
		return;
	}
	Claim have = claim_of(s, tok);
	if (unlikely(have == Claim::Shared && !shared)) {
		report(BSDSYNC_RULE_RECURSION, token_subject(tok), file, line,
		       "%s of a token this thread holds shared (exclusive after shared on one "
		       "token deadlocks on DragonFly): taken shared instead", what);
		shared = true;
	}
	if (have != Claim::None) {
		push(s, tok, shared);	/* recursion: the word stays */
		return;
	}
	hook(s, t);
	Claim want = shared ? Claim::Shared : Claim::Exclusive;
	thread *me = s->td;
	bool alone = s->nrefs == 0;	/* this reference will be its only one */
	if (likely(take(tok, want, me, true, alone))) {
		push(s, tok, shared);
		lock_event_acquired(tok, &token_type, mode_of(want), 0, file, line);
		return;
	}
	__atomic_fetch_add(&tok->t_collisions, 1L, __ATOMIC_RELAXED);
	lock_contended(tok, &token_type, mode_of(want), file, line);
	/* Spin (DragonFly does, then blocks): while the holder runs, or a bounded while. */
	if (spin_for(tok, want, me, alone, true)) {
		push(s, tok, shared);
		lock_event_acquired(tok, &token_type, mode_of(want), 0, file, line);
		return;
	}
	if (unlikely(!may_block(token_subject(tok), nullptr, what, "spins for it instead", file,
				line))) {
		SpinCount spins;
		while (!take(tok, want, me, true, alone)) {
			bsdsync_cpu_relax();
			spins.tick();
		}
		push(s, tok, shared);
	} else {
		/* A FreeBSD mutex or another non-sleepable lock held: reported, we block. */
		check_may_sleep_with_locks(nullptr, what, file, line);
		push(s, tok, shared);
		block_for_tokens(s, want);
	}
	lock_event_acquired(tok, &token_type, mode_of(want), 0, file, line);
}

int trytoken(lwkt_token *tok, const char *file, int line)
{
	ThreadState *t = current_record();
	if (unlikely(!t)) {
		/* Interrupt context: a non-blocking take is what DragonFly allows in hard code
		 * sections; held by this CPU's interrupt owner, not recursive. */
		return bsdsync_in_interrupt() && irq_take(tok);
	}
	TokenThread *s = tokens_of(t);
	if (unlikely(s->nrefs == kMaxRefs))
		return 0;
	Claim have = claim_of(s, tok);
	if (have == Claim::Exclusive) {
		push(s, tok, false);
		return 1;
	}
	if (have == Claim::Shared)
		return 0;	/* cannot be had exclusively while we hold it shared */
	hook(s, t);
	if (!take(tok, Claim::Exclusive, s->td))
		return 0;	/* the hook stays (see the top) */
	push(s, tok, false);
	lock_event_acquired(tok, &token_type, HoldMode::Exclusive, BSDSYNC_LE_TRY, file, line);
	return 1;
}

BSDSYNC_NOINLINE void reltoken(lwkt_token *tok, const char *file, int line)
{
	if (unlikely(bsdsync_in_interrupt())) {
		irq_reltoken(tok, file, line);
		return;
	}
	ThreadState *t = current_record_if_any();
	TokenThread *s = t ? tokens_of(t) : nullptr;
	int i = s ? s->nrefs - 1 : -1;
	while (i >= 0 && ref_token(s->refs[i]) != tok)
		i--;
	if (unlikely(i < 0)) {
		report(BSDSYNC_RULE_NOT_OWNER, token_subject(tok), file, line,
		       "lwkt_reltoken of a token this thread does not hold");
		return;
	}
	if (unlikely(i != s->nrefs - 1))
		report(BSDSYNC_RULE_BAD_ARGUMENT, token_subject(tok), file, line,
		       "lwkt_reltoken out of order (tokens are released newest first; "
		       "lwkt_token_swap exchanges the two newest): released anyway");
	Claim before = claim_of(s, tok);
	for (int j = i; j + 1 < s->nrefs; j++)
		s->refs[j] = s->refs[j + 1];
	s->nrefs--;
	Claim after = claim_of(s, tok);
	bool gave = false;
	if (after != before) {
		lock_event_released(tok, &token_type, mode_of(before), 0, file, line);
		if (after == Claim::None)
			give(tok, before);
		else
			downgrade(tok);		/* exclusive -> shared */
		gave = true;
	}
	/* The switch hook stays registered with no reference left (see the top: it goes at
	 * the thread's exit). */
	if (gave)
		grant_if_waiters();
}

lwkt_token *pool_lookup(const void *ptr)
{
	uintptr a = reinterpret_cast<uintptr>(ptr);
	/* Objects of one cache line share a token; then mix. */
	a = (a >> 6) ^ (a >> 16) ^ (a >> 26);
	return &token_pool[a & (kPoolTokens - 1)];
}

const TokenThread *tokens_of_thread(thread *td)
{
	if (!td || td == curthread()) {
		ThreadState *t = current_record_if_any();
		return t ? tokens_of(t) : nullptr;
	}
	ThreadState *t = static_cast<ThreadState *>(bsdsync_td_find(td));
	return t ? tokens_of(t) : nullptr;
}

} // namespace

namespace bsdsync::dfly {

void token_thread_exiting(ThreadState *t)
{
	TokenThread *s = tokens_of(t);
	bool gave = false;
	if (s->nrefs > 0) {
		lwkt_token *newest = ref_token(s->refs[s->nrefs - 1]);
		ReportSubject subject{ token_type.name, "(not read: it may be gone)", newest,
				       nullptr };
		report(BSDSYNC_RULE_EXIT_HELD, subject, nullptr, 0,
		       "thread exited holding %d token reference(s) (this one newest): released",
		       s->nrefs);
		if (load_relaxed(&s->status) == kHeld)
			gave = give_all(s, -1);
		s->nrefs = 0;
	}
	store_relaxed(&s->status, static_cast<int>(kHeld));
	unhook(s, t);
	if (gave)
		grant_if_waiters();
}

int tokens_start()
{
	if (!lock_type_register(&token_type))
		return BSDSYNC_ERR_NOMEM;
	int error = bsdsync_switch_hooks_start(&token_switch_ops);
	if (error)
		lock_type_unregister(&token_type);
	return error;
}

void tokens_stop()
{
	bsdsync_switch_hooks_stop();
	lock_type_unregister(&token_type);
}

} // namespace bsdsync::dfly

extern "C" {

constinit lwkt_token dfly_mp_token = { 0, nullptr, 0, "mp_token" };

void dfly_lwkt_token_init(lwkt_token *tok, const char *desc)
{
	tok->t_count = 0;
	tok->t_ref = nullptr;
	tok->t_collisions = 0;
	tok->t_desc = desc;
}

void dfly_lwkt_token_uninit(lwkt_token *tok)
{
	/* Nothing to free (DragonFly's is empty too). */
}

/* The uncontended exclusive get inline: a thread context with its record in the per-CPU
 * cache and its switch hook registered already (its first token ever goes through gettoken),
 * no event sink, room for a reference, and a free token word: then the thread has no claim
 * on it (a running thread's claims are all taken, and a taken word is not 0), so this is a
 * new exclusive claim, no recursion to look for. Anything else: gettoken. */
void dfly_lwkt_gettoken(lwkt_token *tok, const char *file, int line)
{
	ThreadState *t = current_record_cached();
	if (likely(t) && likely(!lock_events_on())) {
		TokenThread *s = tokens_of(t);
		int n = s->nrefs;
		long v = 0;
		/* Acquire: pairs with the previous holder's give. */
		if (likely(s->hooked) && likely(n < kMaxRefs) &&
		    likely(cas_acquire(&tok->t_count, &v, kExcl))) {
			store_relaxed(&tok->t_ref, s->td);
			/* After the take, as push() (claims and stack agree at any block). */
			s->refs[n] = reinterpret_cast<uintptr>(tok);
			s->nrefs = n + 1;
			return;
		}
	}
	gettoken(tok, false, "lwkt_gettoken", file, line);
}

int dfly_lwkt_nwaiting;

/*
 * How long a contended take spins on one exclusive holder that keeps running, before it
 * blocks (0: as long as it runs). The holder may be spinning itself, for something this
 * thread holds (a DragonFly mtx, lockmgr or serializer it asks for spins while its owner
 * runs, as does a Linux mutex): with both spinning, only a reschedule forced from outside
 * ended it (see the top, limits). Measured in the 2-vCPU TCG test guest: the bench's long
 * section holds the token about 0.6 us (dfly_token long x1, 1.7M ops/s), a hand-off through
 * a sleep and a wake-up cost about 46 us (long x4 when contenders blocked, 21.5k ops/s at
 * 774ab67), and the mutual spin lasted 1-12 ms (until a wake-up from RCU or a kworker
 * landed on one of the CPUs; on a quiet machine, up to the soft-lockup watchdog's every
 * 4 s). 200 us is some 300 long sections and 4 hand-offs: a holder
 * that merely runs a section, even behind a queue of spinners, is still spun on; one that
 * runs longer costs the waiter 200 us of spinning before it blocks (natively several
 * thousand passes, and far more than a block and a wake-up: blocking then costs little
 * more); a mutual spin ends within 200 us. Read relaxed, by contended takes only; a tunable
 * like DragonFly's lwkt.token_* sysctls (tests change it).
 */
unsigned long long dfly_lwkt_token_spin_ns = 200 * 1000;

void dfly_lwkt_token_grant(void)
{
	grant_if_waiters();
}

void dfly_lwkt_gettoken_shared(lwkt_token *tok, const char *file, int line)
{
	gettoken(tok, true, "lwkt_gettoken_shared", file, line);
}

int dfly_lwkt_trytoken(lwkt_token *tok, const char *file, int line)
{
	return trytoken(tok, file, line);
}

/* The usual release inline: the newest reference is an exclusive one to tok and no older
 * one names tok (so the claim goes from exclusive to none: give it), no event sink.
 * Anything else (shared, recursion, out of order, misuse): reltoken. */
void dfly_lwkt_reltoken(lwkt_token *tok, const char *file, int line)
{
	ThreadState *t = current_record_cached();
	if (likely(t) && likely(!lock_events_on())) {
		TokenThread *s = tokens_of(t);
		int n = s->nrefs - 1;
		if (likely(n >= 0) && likely(s->refs[n] == reinterpret_cast<uintptr>(tok))) {
			int i = 0;
			while (i < n && ref_token(s->refs[i]) != tok)
				i++;
			if (likely(i == n)) {
				/* The pop before the give, as reltoken. */
				s->nrefs = n;
				give(tok, Claim::Exclusive);
				grant_if_waiters();
				return;
			}
		}
	}
	reltoken(tok, file, line);
}

int dfly_lwkt_cnttoken(lwkt_token *tok, struct thread *td)
{
	const TokenThread *s = tokens_of_thread(td);
	int n = 0;
	if (s) {
		int refs = load_relaxed(&s->nrefs);
		for (int i = 0; i < refs && i < kMaxRefs; i++)
			n += ref_token(load_relaxed(&s->refs[i])) == tok;
	}
	return n;
}

void dfly_lwkt_token_swap(const char *file, int line)
{
	ThreadState *t = current_record_if_any();
	TokenThread *s = t ? tokens_of(t) : nullptr;
	if (unlikely(!s || s->nrefs < 2)) {
		report(BSDSYNC_RULE_BAD_ARGUMENT,
		       ReportSubject{ token_type.name, "lwkt_token_swap", nullptr, nullptr }, file,
		       line, "lwkt_token_swap with fewer than two token references held");
		return;
	}
	uintptr top = s->refs[s->nrefs - 1];
	s->refs[s->nrefs - 1] = s->refs[s->nrefs - 2];
	s->refs[s->nrefs - 2] = top;
}

lwkt_token *dfly_lwkt_token_pool_lookup(const void *ptr)
{
	return pool_lookup(ptr);
}

lwkt_token *dfly_lwkt_getpooltoken(const void *ptr, const char *file, int line)
{
	lwkt_token *tok = pool_lookup(ptr);
	gettoken(tok, false, "lwkt_getpooltoken", file, line);
	return tok;
}

void dfly_lwkt_relpooltoken(const void *ptr, const char *file, int line)
{
	reltoken(pool_lookup(ptr), file, line);
}

int dfly_lwkt_token_held(lwkt_token *tok, int exclusive)
{
	if (bsdsync_in_interrupt())
		return load_relaxed(&tok->t_ref) == irq_owner() &&
		       (load_relaxed(&tok->t_count) & kExcl);
	const TokenThread *s = tokens_of_thread(nullptr);
	if (!s)
		return 0;
	Claim c = claim_of(s, tok);
	return exclusive ? c == Claim::Exclusive : c != Claim::None;
}

int dfly_lwkt_tokens_held(struct thread *td)
{
	const TokenThread *s = tokens_of_thread(td);
	return s ? load_relaxed(&s->nrefs) : 0;
}

void dfly_lwkt_token_assert(lwkt_token *tok, int exclusive, int crit, const char *file,
			    int line)
{
	if (!dfly_lwkt_token_held(tok, exclusive)) {
		report(BSDSYNC_RULE_ASSERTION, token_subject(tok), file, line,
		       "token not held%s", exclusive ? " exclusively" : "");
		return;
	}
	if (crit == 1 && dfly_crit_count() == 0)
		report(BSDSYNC_RULE_ASSERTION, token_subject(tok), file, line,
		       "token held, but not in a critical section");
	if (crit == 2 && dfly_crit_hard_count() == 0 && !bsdsync_in_interrupt())
		report(BSDSYNC_RULE_ASSERTION, token_subject(tok), file, line,
		       "token held, but not in a hard code section");
}

/* DragonFly's lwkt_gettoken_hard: the token, then a hard code section (critical.cpp);
 * lwkt_reltoken_hard undoes both. */
void dfly_lwkt_gettoken_hard(lwkt_token *tok, const char *file, int line)
{
	dfly_lwkt_gettoken(tok, file, line);
	dfly_crit_enter_hard();
}

void dfly_lwkt_reltoken_hard(lwkt_token *tok, const char *file, int line)
{
	dfly_lwkt_reltoken(tok, file, line);
	dfly_crit_exit_hard(file, line);
}

void dfly_lwkt_assert_no_tokens(struct thread *td, const char *file, int line)
{
	const TokenThread *s = tokens_of_thread(td);
	int n = s ? load_relaxed(&s->nrefs) : 0;
	if (n)
		report(BSDSYNC_RULE_ASSERTION,
		       ReportSubject{ token_type.name, ref_token(s->refs[n - 1])->t_desc
							       ? ref_token(s->refs[n - 1])->t_desc
							       : "(unnamed)",
				      ref_token(s->refs[n - 1]), nullptr },
		       file, line, "%d token reference(s) held", n);
}

} // extern "C"
