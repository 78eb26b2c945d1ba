// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Per-thread scheduler switch hooks (platform.h, "per-thread scheduler switch hooks"), over
 * Linux's preempt notifiers. Facts this relies on (the shared docs' notes on tokens, measured
 * on Debian's 6.1 and 6.12):
 *
 *  - preempt_notifier_inc() turns the scheduler's static key on; register() warns unless it
 *    is on: inc at start. A thread with no notifier registered costs a switch about 5
 *    instructions; so a thread registers only while it needs the hook.
 *  - The key is never decremented: once bsdsync has been loaded it stays on until reboot
 *    (each load adds one to its count; only the first one patches the kernel). Turning it
 *    off at unload patches __schedule() while every CPU runs it; that is safe on hardware
 *    (KVM does it per VM), but under QEMU's multi-threaded TCG, where all our tests run, a
 *    CPU executing __schedule() during the patch took the patcher's int3 as a fatal trap
 *    twice (once from a test's perf event, once at rmmod bsdsync, in a CI run). What
 *    staying on costs after unload: each context switch walks the (empty) notifier list of
 *    both threads, a few instructions.
 *  - sched_out(notifier, next) runs in prepare_task_switch(): runqueue lock held, interrupts
 *    off. sched_in(notifier, cpu) runs in finish_task_switch() after the runqueue lock is
 *    released: interrupts on, preempt count 1.
 *  - unregister() is a bare hlist delete on the thread's own list: never from inside a
 *    callback (the scheduler is walking that list, and hlist_del() poisons the node's next
 *    pointer, which the walk reads after the callback), and with preemption off (a
 *    preemption in the middle of the delete would walk a half-deleted list).
 *  - Detaching from inside sched_out (bsdsync_switch_hook_detach): the scheduler walks the
 *    list with hlist_for_each_entry() in fire_sched_out_preempt_notifiers() (6.1, 6.12),
 *    reading the node's next pointer after the callback returns. __hlist_del() unlinks the
 *    node and leaves its next pointer as it was, so the walk goes on to the right node;
 *    the node's memory is the thread record's (kept until the task is freed). Nothing else
 *    walks or changes the list meanwhile: only its own thread does, and it is in the
 *    scheduler (runqueue lock held, interrupts off). The module reference the registration
 *    held cannot be dropped there (module text would run after the last reference went):
 *    it is owed, and the per-CPU irq_work puts it; stop()'s irq_work_sync() waits for that
 *    handler to return before the module text goes. Re-check the walk on every new
 *    kernel.
 *  - Telling a block from a preemption in sched_out (switch_out_blocks below): on 6.1 a
 *    blocking task was dequeued before the notifier fires (on_rq == 0); on 6.12 EEVDF's
 *    delayed dequeue leaves some blocking tasks queued (on_rq == 1, se.sched_delayed), and
 *    task_is_runnable() is the test. Preemption (preempt_schedule*, SM_PREEMPT) never
 *    dequeues. Re-check this on every new kernel (proxy execution keeps blocked tasks on the
 *    runqueue).
 *  - The private wait state is TASK_NOLOAD alone (0x400): no wake_up_state/try_to_wake_up
 *    caller in 6.1 or 6.12's core passes a mask with that bit only, signals do not wake it
 *    (signal_pending_state() needs INTERRUPTIBLE or WAKEKILL), the hung-task detector and
 *    the load average ignore it. bsdsync_switch_wake() wakes it with
 *    default_wake_function(..., TASK_NOLOAD) (try_to_wake_up with that mask).
 *  - A switch_in that makes its thread wait sets that state and TIF_NEED_RESCHED: schedule()
 *    loops while need_resched(), and its next __schedule() (not a preemption: SM_NONE)
 *    dequeues the thread. Interrupts stay off from there: under full preemption an
 *    interrupt between sched_preempt_enable_no_resched() and the next preempt_disable()
 *    would enter __schedule() as a preemption, which ignores the state and could run the
 *    thread again without what it waits for. (The rest of finish_task_switch() and
 *    __schedule()'s balance callbacks only take irqsave locks.)
 *  - Deferred work goes through a per-CPU irq_work (hard interrupt context even on RT:
 *    IRQ_WORK_INIT_HARD), synced at stop.
 *  - The callbacks are module text: a registered notifier holds a module reference.
 *  - bsdsync_switch_cookie (per CPU, exported): the running thread's state + the ops'
 *    cookie_offset while that thread has a registered hook, NULL otherwise. Written only on
 *    its own CPU: by sched_out (NULL, before the callback: a detach there leaves it NULL),
 *    sched_in (before the callback) and the thread's own register/unregister (preemption
 *    off). So a thread in its own code that reads it (one %gs load, in thread context)
 *    reads its own cookie or NULL: every switch between two threads passes through the
 *    sched_out of the first (if hooked: NULL) and the sched_in of the second (if hooked:
 *    its own), and an interrupt does not write it. Which CPU it read it on does not matter
 *    once read: the cookie is the thread's own.
 *
 * Locking key: a record's switch_hook area is changed only by its own thread (register,
 * unregister, the exit hook) with preemption off; the scheduler reads the notifier from
 * that thread's context. `ops` is set at start, before any registration.
 */
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/version.h>
#include <linux/wait.h>

#include "platform.h"

#ifndef CONFIG_PREEMPT_NOTIFIERS
#error "bsdsync needs CONFIG_PREEMPT_NOTIFIERS (selected by KVM; on in Debian's kernels)"
#endif

struct switch_hook {
	struct preempt_notifier notifier;
	int registered;
};
static_assert(sizeof(struct switch_hook) <= sizeof(((struct bsdsync_td_record *)0)->switch_hook),
	      "platform.h: grow bsdsync_td_record.switch_hook");

static const struct bsdsync_switch_ops *switch_ops;
DEFINE_PER_CPU(void *, bsdsync_switch_cookie);
/* Read by drivers' inline lock paths (the faces' production build). */
EXPORT_PER_CPU_SYMBOL(bsdsync_switch_cookie);
static DEFINE_PER_CPU(struct irq_work, switch_deferred_work);
/* Module references of hooks detached inside sched_out, to be put by the irq_work. */
static atomic_t switch_puts_owed = ATOMIC_INIT(0);

static struct bsdsync_td_record *record_of_state(const void *state)
{
	return (struct bsdsync_td_record *)((char *)state -
					    offsetof(struct bsdsync_td_record, state));
}

static struct switch_hook *hook_of_state(const void *state)
{
	return (struct switch_hook *)record_of_state(state)->switch_hook;
}

static void *state_of_notifier(struct preempt_notifier *n)
{
	struct switch_hook *h = container_of(n, struct switch_hook, notifier);
	struct bsdsync_td_record *r = (struct bsdsync_td_record *)((char *)h -
					offsetof(struct bsdsync_td_record, switch_hook));

	return r->state;
}

/* The one place that tells a block from a preemption (see the top). */
static bool switch_out_blocks(struct task_struct *prev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return !task_is_runnable(prev);
#else
	return !READ_ONCE(prev->on_rq);
#endif
}

static void *cookie_of_state(void *state)
{
	return (char *)state + switch_ops->cookie_offset;
}

static void switch_hook_sched_in(struct preempt_notifier *n, int cpu)
{
	void *state = state_of_notifier(n);

	this_cpu_write(bsdsync_switch_cookie, cookie_of_state(state));
	switch_ops->switch_in(state);
}

static void switch_hook_sched_out(struct preempt_notifier *n, struct task_struct *next)
{
	this_cpu_write(bsdsync_switch_cookie, NULL);
	switch_ops->switch_out(state_of_notifier(n), switch_out_blocks(current));
}

static struct preempt_ops switch_hook_ops = {
	.sched_in = switch_hook_sched_in,
	.sched_out = switch_hook_sched_out,
};

static void switch_deferred(struct irq_work *w)
{
	int owed = atomic_xchg(&switch_puts_owed, 0);

	switch_ops->deferred();
	/* Last: once the count reaches zero, rmmod may go on; it waits in stop() for this
	 * handler to return (irq_work_sync). */
	while (owed-- > 0)
		module_put(THIS_MODULE);
}

int bsdsync_switch_hooks_start(const struct bsdsync_switch_ops *ops)
{
	int cpu;

	/* Hard interrupt context on RT kernels too. */
	for_each_possible_cpu(cpu)
		*per_cpu_ptr(&switch_deferred_work, cpu) = IRQ_WORK_INIT_HARD(switch_deferred);
	switch_ops = ops;
	preempt_notifier_inc();
	return 0;
}

void bsdsync_switch_hooks_stop(void)
{
	int cpu;

	/* No thread is registered (each held a module reference): no new deferral. */
	for_each_possible_cpu(cpu)
		irq_work_sync(per_cpu_ptr(&switch_deferred_work, cpu));
	/* No preempt_notifier_dec(): the key stays on (top of the file). */
}

void bsdsync_switch_hook_register(void *state)
{
	struct switch_hook *h = hook_of_state(state);

	if (h->registered)
		return;
	/* The reference first: the scheduler may call module text as soon as it is linked. We
	 * run module code, so the module is live (__module_get needs no check). */
	__module_get(THIS_MODULE);
	preempt_notifier_init(&h->notifier, &switch_hook_ops);
	preempt_disable();
	preempt_notifier_register(&h->notifier);
	h->registered = 1;
	this_cpu_write(bsdsync_switch_cookie, cookie_of_state(state));
	preempt_enable();
}

void bsdsync_switch_hook_unregister(void *state)
{
	struct switch_hook *h = hook_of_state(state);

	if (!h->registered)
		return;
	preempt_disable();
	preempt_notifier_unregister(&h->notifier);
	h->registered = 0;
	this_cpu_write(bsdsync_switch_cookie, NULL);	/* the caller is the thread itself */
	preempt_enable();
	module_put(THIS_MODULE);
}

void bsdsync_switch_hook_detach(void *state)
{
	struct switch_hook *h = hook_of_state(state);

	if (!h->registered)
		return;
	/* Not hlist_del(): the scheduler's walk reads this node's next pointer after we
	 * return (see the top). */
	__hlist_del(&h->notifier.link);
	h->notifier.link.pprev = NULL;
	h->registered = 0;
	atomic_inc(&switch_puts_owed);
	irq_work_queue(raw_cpu_ptr(&switch_deferred_work));
}

int bsdsync_switch_hook_registered(const void *state)
{
	return hook_of_state(state)->registered;
}

void bsdsync_switch_defer(void)
{
	/* this_cpu_ptr with interrupts possibly on: any CPU's work will do (it only runs the
	 * personality's grant pass, which is not per CPU). */
	irq_work_queue(raw_cpu_ptr(&switch_deferred_work));
}

void bsdsync_switch_wait(const int *word, int value)
{
	for (;;) {
		/* set_current_state() is a full barrier: the load below is not reordered before
		 * the state store, so a waker that stores *word (release) and then wakes either
		 * is seen here or finds the state set and wakes us. */
		set_current_state(TASK_NOLOAD);
		if (smp_load_acquire(word) == value)
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

int bsdsync_switch_in_wait(const int *word, int value)
{
	set_current_state(TASK_NOLOAD);		/* full barrier, as in bsdsync_switch_wait */
	if (smp_load_acquire(word) == value) {
		__set_current_state(TASK_RUNNING);
		return 0;
	}
	set_tsk_need_resched(current);
	/* Until the scheduler has dequeued us: see the top. */
	local_irq_disable();
	return 1;
}

void bsdsync_switch_wake(struct thread *td)
{
	struct wait_queue_entry w = { .private = td };

	default_wake_function(&w, TASK_NOLOAD, 0, NULL);
}

void bsdsync_switch_hook_forget(struct bsdsync_td_record *r)
{
	struct switch_hook *h = (struct switch_hook *)r->switch_hook;

	/* The task is being freed: its notifier list goes with it (nothing to unlink); the
	 * thread-exit hook normally unregistered already. Only the module reference is left. */
	if (h->registered)
		module_put(THIS_MODULE);
	memset(r->switch_hook, 0, sizeof(r->switch_hook));
}
