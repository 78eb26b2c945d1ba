#include "core/block.h"
#include <bsdsync/errno.h>

namespace bsdsync {

namespace {

/*
 * The hook table. Locking key: written only by block_hook_register/unregister, which run at
 * a personality's init and exit (no concurrent writers: the module init/exit and KUnit
 * cases, serialised); read locklessly by blocking threads. A slot is filled before the
 * count that covers it is published (release store in register, pairs with the acquire
 * load in run_before).
 */
const BlockHook *hooks[kMaxBlockHooks];
int nhooks;

struct SavedHooks {
	const BlockHook *hook[kMaxBlockHooks];
	unsigned long saved[kMaxBlockHooks];
	int n;
};

void run_before(SavedHooks &s, const BlockOptions &o)
{
	s.n = load_acquire(&nhooks);	/* pairs with the release in block_hook_register */
	for (int i = 0; i < s.n; i++) {
		const BlockHook *h = load_relaxed(&hooks[i]);
		s.hook[i] = h;
		s.saved[i] = h ? h->before_block(o.kind, o.file, o.line) : 0;
	}
}

/* The hooks that ran before, in reverse: what was dropped last comes back first. */
void run_after(const SavedHooks &s, const BlockOptions &o)
{
	for (int i = s.n - 1; i >= 0; i--)
		if (s.saved[i])
			s.hook[i]->after_wake(s.saved[i], o.kind, o.file, o.line);
}

} // namespace

bool block_hook_register(const BlockHook *hook)
{
	int n = load_relaxed(&nhooks);
	if (n == kMaxBlockHooks)
		return false;
	store_relaxed(&hooks[n], hook);
	store_release(&nhooks, n + 1);	/* pairs with the acquire in run_before */
	return true;
}

void block_hook_unregister(const BlockHook *hook)
{
	int n = load_relaxed(&nhooks);
	for (int i = 0; i < n; i++) {
		if (load_relaxed(&hooks[i]) != hook)
			continue;
		for (int j = i; j + 1 < n; j++)
			store_relaxed(&hooks[j], load_relaxed(&hooks[j + 1]));
		store_relaxed(&hooks[n - 1], static_cast<const BlockHook *>(nullptr));
		store_release(&nhooks, n - 1);
		return;
	}
}

int block_on(WaitTable &t, WaitTable::Guard &g, Waiter &w, const void *channel,
	     WaitQueueId queue, const BlockOptions &o)
{
	t.enqueue(g, w, channel, queue, o.count);
	g.unlock();
	return block_queued(t, w, o);
}

int block_queued(WaitTable &t, Waiter &w, const BlockOptions &o)
{
	/* Queued: a waker from now on finds us. Only now may the interlock go. */
	if (o.drop_interlock && !o.drop_interlock(o.interlock_arg)) {
		t.cancel(w);
		return kBlockCancelled;
	}
	SavedHooks s;
	run_before(s, o);
	bsdsync_block_result r;
	if (o.lend_owner) {
		/* Queued first: the owner's release still wakes us while we lend to it, and
		 * the lending ends with that release (core/prio.h). */
		PrioBlock lend(o.lend_key, o.lend_owner, w);
		r = t.wait(w, o.state, o.deadline_ns, o.slack_ns, o.leave, o.leave_arg);
	} else {
		r = t.wait(w, o.state, o.deadline_ns, o.slack_ns, o.leave, o.leave_arg);
	}
	run_after(s, o);
	return r;
}

int block_errno(bsdsync_block_result res)
{
	switch (res) {
	case BSDSYNC_WOKEN:
		return 0;
	case BSDSYNC_TIMED_OUT:
		return BSDSYNC_EWOULDBLOCK;
	case BSDSYNC_SIGNALLED_FATAL:
		return BSDSYNC_EINTR;
	default:
		return BSDSYNC_ERESTART;
	}
}

} // namespace bsdsync

using namespace bsdsync;

static_assert(sizeof(BlockKind) == 1, "a C hook takes the kind as an unsigned char");

extern "C" int bsdsync_block_hook_register(const bsdsync_block_hook *hook)
{
	return block_hook_register(hook) ? 0 : -1;
}

extern "C" void bsdsync_block_hook_unregister(const bsdsync_block_hook *hook)
{
	block_hook_unregister(hook);
}
