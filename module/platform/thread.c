// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Per-thread storage for the core (a BSD kernel keeps such state in its struct thread: the
 * read locks a thread holds, the locks it may not sleep with, ...). Linux has no slot in
 * task_struct for a module, so bsdsync keeps its own records, found by task pointer:
 *
 *  - td_table hashes a task pointer to a chain of records. A record is created the first
 *    time a thread needs one and pushed on its chain with a CAS; records are never unlinked
 *    while the module is loaded, so lookups walk the chains with plain acquire loads and no
 *    lock or RCU section (cheap enough for lock fast paths).
 *  - A record lives as long as its task struct, not as long as the task runs code of its
 *    own: do_exit() goes on after the sched_process_exit tracepoint, and drivers still run
 *    in the exiting task (exit_files() closes its descriptors; the final fput of a file
 *    runs the driver's release() from exit_task_work(); it may take a softc mutex, block,
 *    lend priority). So:
 *      - at sched_process_exit (in the exiting task) the core only reports the locks the
 *        task still holds (the report names the task and shows its stack); the record
 *        stays bound, and a lock taken later in do_exit() uses it;
 *      - at sched_process_free the core zeroes the state and the record is released
 *        (task = NULL) for reuse by a later thread of the same chain. That tracepoint runs
 *        in delayed_put_task_struct(), the RCU callback queued once the task has been
 *        reaped AND has switched away for the last time (task_struct.rcu_users: one
 *        reference each), so the task can no longer run, and before the struct's last
 *        put_task_struct(), so no new task can have been allocated at its address yet. A
 *        record is thus never inherited by another task, whatever the exiting task did
 *        after sched_process_exit. (Releasing at exit, as before, let a lock taken in the
 *        exit path create a record bound to the dying task that nothing ever released,
 *        which the next task allocated at that address inherited: kunit/thread_test.c.)
 *    The probe of sched_process_free runs in an RCU callback (softirq context, or an rcuo
 *    kthread), never in the task it names; it only zeroes and releases.
 *  - The probes' prototypes are those of the kernel's tracepoints, checked at compile time
 *    against <trace/events/sched.h> (under kCFI a tracepoint calls its probes through a
 *    type-checked indirect call: a probe of another prototype would trap). Linux 6.16 added
 *    a group_dead argument to sched_process_exit.
 *  - Only the owning thread reads or writes its record's state (except its priority part,
 *    under its own lock: module/core/prio.h). Interrupt handlers do not get one (they run
 *    on the interrupted thread's task): lookups return NULL there.
 *  - At module unload the tracepoint probes are removed and every record is freed.
 */
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/version.h>
#include <trace/events/sched.h>

#include "platform.h"

DECLARE_PER_CPU(struct bsdsync_cpu_area, bsdsync_cpu_area);	/* platform.c */

/* The table and its lookup are in platform.h: the core's fast paths inline them. */
#define td_record bsdsync_td_record
struct td_record *bsdsync_td_table[1 << BSDSYNC_TD_BITS];
struct td_record bsdsync_td_none;	/* what an empty per-CPU cache slot points to */
static struct tracepoint *td_exit_tp, *td_free_tp;

static void td_cache(struct td_record *r)
{
	this_cpu_write(bsdsync_cpu_area.last_td, r);
}

static void td_cache_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		per_cpu_ptr(&bsdsync_cpu_area, cpu)->last_td = &bsdsync_td_none;
}

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

	/* A record released by a freed task of this chain: claim it. */
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
	if (!r)
		return NULL;
	td_cache(r);
	return r->state;
}

void *bsdsync_td_find_current_slow(const struct thread *me)
{
	struct td_record *r = td_find((struct task_struct *)me);

	if (!r)
		return NULL;
	td_cache(r);
	return r->state;
}

int bsdsync_thread_has_record(const struct thread *td)
{
	return bsdsync_td_find(td) != NULL;
}

/* sched_process_exit, in the exiting task (p == current): report what it still holds. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
static void td_exit_probe(void *data, struct task_struct *p, bool group_dead)
#else
static void td_exit_probe(void *data, struct task_struct *p)
#endif
{
	struct td_record *r = td_find(p);

	if (r) {
		bsdsync_td_exiting(r->state);
		/* What it still holds is bsdsync's report (above), not also lockdep's. */
		bsdsync_lockdep_exiting();
	}
}

/* sched_process_free, from an RCU callback: the task will never run again and its struct
 * is about to be put. Zero the state, then release the record (the release store orders
 * the zeroing before a claim by td_create()'s cmpxchg). */
static void td_free_probe(void *data, struct task_struct *p)
{
	struct td_record *r = td_find(p);

	if (!r)
		return;
	/* The core zeroes the state: other threads may look at its priority part, under a
	 * lock inside it that a plain memset would clobber. */
	bsdsync_td_released(r->state);
	bsdsync_switch_hook_forget(r);
	smp_store_release(&r->task, (struct thread *)NULL);
}

/* The probes' types are the ones the kernel's tracepoints call (kCFI; see the top). */
static_assert(__builtin_types_compatible_p(typeof(register_trace_sched_process_exit),
					   int(typeof(&td_exit_probe), void *)),
	      "td_exit_probe does not match this kernel's sched_process_exit tracepoint");
static_assert(__builtin_types_compatible_p(typeof(register_trace_sched_process_free),
					   int(typeof(&td_free_probe), void *)),
	      "td_free_probe does not match this kernel's sched_process_free tracepoint");

static void td_find_tracepoints(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		td_exit_tp = tp;
	else if (!strcmp(tp->name, "sched_process_free"))
		td_free_tp = tp;
}

int bsdsync_td_start(void)
{
	int error;

	td_cache_reset();
	for_each_kernel_tracepoint(td_find_tracepoints, NULL);
	if (!td_exit_tp || !td_free_tp) {
		pr_err("bsdsync: the sched_process_exit/free tracepoints are missing (CONFIG_TRACEPOINTS)\n");
		return -ENOENT;
	}
	error = tracepoint_probe_register(td_free_tp, (void *)td_free_probe, NULL);
	if (error)
		goto fail;
	error = tracepoint_probe_register(td_exit_tp, (void *)td_exit_probe, NULL);
	if (!error)
		return 0;
	tracepoint_probe_unregister(td_free_tp, (void *)td_free_probe, NULL);
	tracepoint_synchronize_unregister();
fail:
	pr_err("bsdsync: cannot hook thread exit (%d)\n", error);
	return error;
}

void bsdsync_td_stop(void)
{
	unsigned int i;

	tracepoint_probe_unregister(td_exit_tp, (void *)td_exit_probe, NULL);
	tracepoint_probe_unregister(td_free_tp, (void *)td_free_probe, NULL);
	/* No probe runs past this (an RCU callback's probe included: it is called inside
	 * the tracepoint's own RCU-sched read section). */
	tracepoint_synchronize_unregister();
	td_cache_reset();
	for (i = 0; i < ARRAY_SIZE(bsdsync_td_table); i++) {
		struct td_record *r = bsdsync_td_table[i], *next;

		bsdsync_td_table[i] = NULL;
		for (; r; r = next) {
			next = r->next;
			kfree(r);
		}
	}
}
