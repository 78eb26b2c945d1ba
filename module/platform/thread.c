// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Per-thread storage for the core (FreeBSD keeps such state in struct thread: td_rw_rlocks,
 * td_sx_slocks, the locks a thread may not sleep with, ...). Linux has no slot in
 * task_struct for a module, so bsdsync keeps its own records, found by task pointer:
 *
 *  - td_table hashes a task pointer to a chain of records. A record is created the first
 *    time a thread needs one and pushed on its chain with a CAS; records are never unlinked
 *    while the module is loaded, so lookups walk the chains with plain acquire loads and no
 *    lock or RCU section (cheap enough for lock fast paths).
 *  - When a task exits (the sched_process_exit tracepoint, which every task passes in
 *    do_exit), the core is told (it reports locks still held, and zeroes the state), and the
 *    record is released (task = NULL) for reuse by a later thread of the same chain. A task
 *    struct freed and reallocated at the same address therefore never inherits state.
 *  - Only the owning thread reads or writes its record's state (except its priority part,
 *    under its own lock: module/core/prio.h). Interrupt handlers do not get one (they run
 *    on the interrupted thread's task): lookups return NULL there.
 *  - At module unload the tracepoint probe is removed and every record is freed.
 */
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "platform.h"

/* The table and its lookup are in platform.h: the core's fast paths inline them. */
#define td_record bsdsync_td_record
struct td_record *bsdsync_td_table[1 << BSDSYNC_TD_BITS];
static struct tracepoint *td_exit_tp;

static struct td_record **td_chain(const struct task_struct *t)
{
	return &bsdsync_td_table[bsdsync_td_hash((const struct thread *)t)];
}

static struct td_record *td_find(struct task_struct *t)
{
	void *state = bsdsync_td_find((const struct thread *)t);

	return state ? container_of(state, struct td_record, state) : NULL;
}

static struct td_record *td_create(struct task_struct *me)
{
	struct td_record **chain = td_chain(me), *r, *head;
	struct thread *td = (struct thread *)me;

	/* A record released by an exited thread of this chain: claim it. */
	for (r = smp_load_acquire(chain); r; r = r->next)
		if (!READ_ONCE(r->task) && cmpxchg(&r->task, NULL, td) == NULL)
			return r;
	/* The caller may hold spin locks or have interrupts off. */
	r = kzalloc(sizeof(*r), GFP_ATOMIC | __GFP_NOWARN);
	if (!r)
		return NULL;
	r->task = td;
	head = READ_ONCE(*chain);
	do {
		r->next = head;
	} while (!try_cmpxchg_release(chain, &head, r));
	return r;
}

void *bsdsync_td_create(void)
{
	struct task_struct *me = current;
	struct td_record *r;

	if (unlikely(in_nmi() || in_hardirq() || in_serving_softirq()))
		return NULL;
	r = td_find(me);
	if (!r)
		r = td_create(me);
	return r ? r->state : NULL;
}

static void td_exit_probe(void *data, struct task_struct *p)
{
	struct td_record *r = td_find(p);

	if (!r)
		return;
	/* The core zeroes the state: other threads may look at its priority part, under a
	 * lock inside it that a plain memset would clobber. */
	bsdsync_td_exiting(r->state);
	smp_store_release(&r->task, (struct thread *)NULL);
}

static void td_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		*(struct tracepoint **)priv = tp;
}

int bsdsync_td_start(void)
{
	int error;

	for_each_kernel_tracepoint(td_find_tracepoint, &td_exit_tp);
	if (!td_exit_tp) {
		pr_err("bsdsync: the sched_process_exit tracepoint is missing (CONFIG_TRACEPOINTS)\n");
		return -ENOENT;
	}
	error = tracepoint_probe_register(td_exit_tp, (void *)td_exit_probe, NULL);
	if (error)
		pr_err("bsdsync: cannot hook thread exit (%d)\n", error);
	return error;
}

void bsdsync_td_stop(void)
{
	unsigned int i;

	tracepoint_probe_unregister(td_exit_tp, (void *)td_exit_probe, NULL);
	tracepoint_synchronize_unregister();
	for (i = 0; i < ARRAY_SIZE(bsdsync_td_table); i++) {
		struct td_record *r = bsdsync_td_table[i], *next;

		bsdsync_td_table[i] = NULL;
		for (; r; r = next) {
			next = r->next;
			kfree(r);
		}
	}
}
