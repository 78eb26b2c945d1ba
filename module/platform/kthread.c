// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Kernel threads for the services of the personalities (the kernel threads a BSD driver
 * creates, the threads that run timed callbacks and task queues), and the string formatting
 * their names need.
 *
 * A thread runs fn(arg) and exits when fn returns (or calls bsdsync_kthread_exit()). A
 * joinable thread keeps a reference on its task, so bsdsync_kthread_join() may be called
 * whether or not the thread already returned: kthread_stop() waits for the thread's exit
 * (its `exited` completion), and the module code it ran is then no longer in use. A thread
 * must have been told to return by its own protocol before it is joined: join does not
 * interrupt it (fn never looks at kthread_should_stop()).
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "platform.h"

struct kthread_start {
	void (*fn)(void *);
	void *arg;
	void (*done)(void);
};

static int kthread_main(void *p)
{
	struct kthread_start s = *(struct kthread_start *)p;

	kfree(p);
	s.fn(s.arg);
	if (s.done)
		s.done();
	return 0;
}

int bsdsync_kthread_spawn(void (*fn)(void *), void *arg, void (*done)(void), const char *name,
			  int joinable, struct thread **tdp)
{
	struct kthread_start *s = kmalloc(sizeof(*s), GFP_KERNEL);
	struct task_struct *t;

	if (!s)
		return ENOMEM;
	s->fn = fn;
	s->arg = arg;
	s->done = done;
	t = kthread_create(kthread_main, s, "%s", name);
	if (IS_ERR(t)) {
		kfree(s);
		return (int)-PTR_ERR(t);
	}
	if (joinable)
		get_task_struct(t);
	if (tdp)
		*tdp = (struct thread *)t;
	wake_up_process(t);
	return 0;
}

void bsdsync_kthread_join(struct thread *td)
{
	struct task_struct *t = (struct task_struct *)td;

	kthread_stop(t);
	put_task_struct(t);
}

int bsdsync_current_is_kthread(void)
{
	return (current->flags & PF_KTHREAD) != 0;
}

void bsdsync_kthread_exit(void)
{
	if (current->flags & PF_KTHREAD)
		kthread_complete_and_exit(NULL, 0);
}

int bsdsync_vsnprintf(char *buf, unsigned long size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}
