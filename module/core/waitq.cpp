#include "core/waitq.h"

namespace bsdsync {

constinit WaitTable sleep_queues;
constinit WaitTable turnstiles;

static_assert(WaitTable::kChains == 256, "chain_of shifts for 256 chains");

void WaitTable::enqueue(Guard &g, Waiter &w, const void *channel, WaitQueueId queue,
			int *count)
{
	Chain *c = g.chain_;
	w.channel = channel;
	w.queue = queue;
	w.td = curthread();
	w.count = count;
	w.woken = 0;
	w.next = nullptr;
	w.prev = c->tail;
	if (c->tail)
		c->tail->next = &w;
	else
		c->head = &w;
	c->tail = &w;
	store_relaxed(&c->queued, c->queued + 1);
	if (count)
		store_relaxed(count, *count + 1);	/* read locklessly as a hint */
}

void WaitTable::unlink(Chain *c, Waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		c->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		c->tail = w->prev;
	store_relaxed(&c->queued, c->queued - 1);
	if (w->count)
		store_relaxed(w->count, *w->count - 1);
}

void WaitTable::wake(Waiter *w, int token, WakeList *later)
{
	thread *td = w->td;

	/* Once woken is stored the waiter may run, return and exit: hold the task so the wake
	 * below never touches a freed task, and touch nothing of *w after the store. */
	bsdsync_thread_hold(td);
	store_release(&w->woken, token);
	if (later && later->n_ < WakeList::kMax) {
		later->td_[later->n_++] = td;
		return;
	}
	bsdsync_wake(td);
	bsdsync_thread_release(td);
}

void WakeList::wake()
{
	for (int i = 0; i < n_; i++) {
		bsdsync_wake(td_[i]);
		bsdsync_thread_release(td_[i]);
	}
	n_ = 0;
}

bsdsync_block_result WaitTable::wait(Waiter &w, bsdsync_block_state state, u64 deadline_ns,
				     u64 slack_ns, LeaveFn leave, void *arg)
{
	WaitTable &table = *this;
	const void *channel = w.channel;

	bsdsync_block_result r = bsdsync_block(&w.woken, state, deadline_ns, slack_ns);
	if (r == BSDSYNC_WOKEN)
		return r;

	Guard again(table, channel);
	/* The waker sets woken under this chain lock, so this read is exact. */
	if (load_relaxed(&w.woken))
		return BSDSYNC_WOKEN;
	unlink(again.chain_, &w);
	if (leave)
		leave(again, arg);
	return r;
}

void WaitTable::cancel(Waiter &w)
{
	Guard g(*this, w.channel);
	if (!load_relaxed(&w.woken))
		unlink(g.chain_, &w);
}

Waiter *WaitTable::best(Chain *c, const void *channel, WaitQueueId queue)
{
	Waiter *found = nullptr;
	int found_prio = 0;
	/* The priorities now (the waiters' tasks are alive while linked). Strictly better
	 * priority only: among equals the first queued wins (FIFO). */
	for (Waiter *w = c->head; w; w = w->next) {
		if (w->channel != channel || w->queue != queue)
			continue;
		int prio = bsdsync_thread_prio(w->td);
		if (!found || prio < found_prio) {
			found = w;
			found_prio = prio;
		}
	}
	return found;
}

bool WaitTable::wake_one(Guard &g, const void *channel, WaitQueueId queue)
{
	Waiter *w = take_one(g, channel, queue);
	if (!w)
		return false;
	wake(w);
	return true;
}

bool WaitTable::wake_one(Guard &g, const void *channel, WaitQueueId queue, WakeList &later)
{
	Waiter *w = take_one(g, channel, queue);
	if (!w)
		return false;
	wake(w, 1, &later);
	return true;
}

Waiter *WaitTable::take_one(Guard &g, const void *channel, WaitQueueId queue)
{
	Waiter *w = best(g.chain_, channel, queue);
	if (w)
		unlink(g.chain_, w);
	return w;
}

void WaitTable::wake_taken(Guard &, Waiter *w, int token)
{
	wake(w, token);
}

void WaitTable::wake_taken(Guard &, Waiter *w, WakeList &later, int token)
{
	wake(w, token, &later);
}

bool WaitTable::wake_newest(Guard &g, const void *channel, WaitQueueId queue)
{
	return wake_newest(g, channel, queue, nullptr);
}

bool WaitTable::wake_newest(Guard &g, const void *channel, WaitQueueId queue, WakeList &later)
{
	return wake_newest(g, channel, queue, &later);
}

bool WaitTable::wake_newest(Guard &g, const void *channel, WaitQueueId queue, WakeList *later)
{
	for (Waiter *w = g.chain_->tail; w; w = w->prev) {
		if (w->channel == channel && w->queue == queue) {
			unlink(g.chain_, w);
			wake(w, 1, later);
			return true;
		}
	}
	return false;
}

int WaitTable::wake_all(Guard &g, const void *channel, WaitQueueId queue, int token)
{
	return wake_all(g, channel, queue, token, nullptr);
}

int WaitTable::wake_all(Guard &g, const void *channel, WaitQueueId queue, WakeList &later)
{
	return wake_all(g, channel, queue, 1, &later);
}

int WaitTable::wake_all(Guard &g, const void *channel, WaitQueueId queue, int token,
			WakeList *later)
{
	int n = 0;
	Waiter *w = g.chain_->head;
	while (w) {
		/* Read the link before waking: after wake() the record may be gone. */
		Waiter *next = w->next;
		if (w->channel == channel && w->queue == queue) {
			unlink(g.chain_, w);
			wake(w, token, later);
			n++;
		}
		w = next;
	}
	return n;
}

bool WaitTable::has_waiters(Guard &g, const void *channel, WaitQueueId queue) const
{
	for (Waiter *w = g.chain_->head; w; w = w->next)
		if (w->channel == channel && w->queue == queue)
			return true;
	return false;
}

Waiter *WaitTable::peek_one(Guard &g, const void *channel, WaitQueueId queue) const
{
	return best(g.chain_, channel, queue);
}

int WaitTable::best_lock_waiter(Guard &g, const void *channel, int (*key)(const thread *td),
				int none) const
{
	int best = none;
	for (Waiter *w = g.chain_->head; w; w = w->next) {
		if (w->channel != channel || (w->queue != WaitQueueId::ExclusiveLockers &&
					      w->queue != WaitQueueId::SharedLockers))
			continue;
		int k = key(w->td);
		if (k < best)
			best = k;
	}
	return best;
}

int WaitTable::count(Guard &g, const void *channel, WaitQueueId queue) const
{
	int n = 0;
	for (Waiter *w = g.chain_->head; w; w = w->next)
		if (w->channel == channel && w->queue == queue)
			n++;
	return n;
}

} // namespace bsdsync
