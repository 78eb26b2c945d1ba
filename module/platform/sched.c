// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Scheduling attributes for priority propagation (module/core/prio.cpp explains the
 * design). Linux's own priority inheritance (rt_mutex_setprio() changing p->prio) is not
 * reachable from a module; what is exported (GPL) is sched_setattr_nocheck(), which sets a
 * task's normal policy and priority as sched_setattr(2) would, without the permission
 * checks. It may sleep (it can take cpuset_lock() for deadline tasks, and rt_mutex_adjust_pi
 * runs with pi=true), so the core calls bsdsync_sched_set() only in sleepable context.
 * Everything else here is plain reads and reference counting.
 */
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/task.h>
#include <linux/workqueue.h>
#include <uapi/linux/sched.h>
#include <uapi/linux/sched/types.h>

#include "platform.h"

static_assert(BSDSYNC_SCHED_NORMAL == SCHED_NORMAL && BSDSYNC_SCHED_FIFO == SCHED_FIFO &&
	      BSDSYNC_SCHED_RR == SCHED_RR && BSDSYNC_SCHED_BATCH == SCHED_BATCH &&
	      BSDSYNC_SCHED_IDLE == SCHED_IDLE && BSDSYNC_SCHED_DEADLINE == SCHED_DEADLINE,
	      "policy numbers");

void bsdsync_sched_get(const struct thread *td, struct bsdsync_sched_attr *a)
{
	const struct task_struct *p = (const struct task_struct *)td;
	int policy = READ_ONCE(p->policy);

	a->policy = policy;
	a->rt_priority = (policy == SCHED_FIFO || policy == SCHED_RR) ? READ_ONCE(p->rt_priority)
								       : 0;
	a->nice = (policy == SCHED_NORMAL || policy == SCHED_BATCH || policy == SCHED_IDLE)
			  ? PRIO_TO_NICE(READ_ONCE(p->static_prio)) : 0;
	/* A bit-field beside others the scheduler writes all the time (in_iowait, ...): an
	 * intentionally racy snapshot of the one bit, which only sched_setattr changes. */
	a->reset_on_fork = data_race((int)p->sched_reset_on_fork);
}

int bsdsync_sched_set(struct thread *td, const struct bsdsync_sched_attr *a)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = a->policy,
		.sched_flags = a->reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0,
		.sched_nice = a->nice,
		.sched_priority = a->rt_priority,
	};

	might_sleep();
	return sched_setattr_nocheck((struct task_struct *)td, &attr);
}

struct thread *bsdsync_thread_hold_owner(struct thread *(*owner)(const void *lock),
					 const void *lock)
{
	struct task_struct *p;

	rcu_read_lock();
	p = (struct task_struct *)owner(lock);
	if (p)
		get_task_struct(p);
	rcu_read_unlock();
	return (struct thread *)p;
}

int bsdsync_thread_exiting(const struct thread *td)
{
	return (READ_ONCE(((const struct task_struct *)td)->flags) & PF_EXITING) != 0;
}

static void prio_work_fn(struct work_struct *work)
{
	bsdsync_prio_deferred();
}
static DECLARE_WORK(prio_work, prio_work_fn);

void bsdsync_prio_kick(void)
{
	/* The highpri pool's workers run at nice -20: a deferred restore waits for them, not
	 * for the normal pool. */
	queue_work(system_highpri_wq, &prio_work);
}

void bsdsync_prio_flush(void)
{
	flush_work(&prio_work);
}
