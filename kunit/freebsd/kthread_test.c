// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * kthread(9)/kproc(9): kthread_add, kproc_create, kproc_kthread_add run the function in a
 * new kernel thread named by the format; kthread_exit/kproc_exit end it (nothing after them
 * runs); returning from the function ends it too. The thread's end is observed on its task
 * struct (exit_state), which the thread pins for the test before it exits. This file includes
 * <sys/kthread.h> before <linux/kthread.h>: the kthread_exit names of both compile.
 */
/* FreeBSD's header first, Linux's kthread_exit(long) declaration after it (harness.h):
 * both must compile. */
#include <sys/kthread.h>
#include <linux/completion.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/proc.h>
#include <sys/kthread.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/kernel.h>

struct kt_state {
	struct task_struct *task;	/* pinned by the thread for the test */
	struct thread *td_inside;	/* curthread inside */
	char comm[TASK_COMM_LEN];
	int how;			/* 0: kthread_exit, 1: kproc_exit, 2: return */
	int ran;
	int after_exit;			/* set after kthread_exit: must stay 0 */
};

static void kt_fn(void *arg)
{
	struct kt_state *s = arg;

	get_task_struct(current);
	s->task = current;
	s->td_inside = curthread;
	get_task_comm(s->comm, current);
	WRITE_ONCE(s->ran, 1);
	if (s->how == 0)
		kthread_exit();
	else if (s->how == 1)
		kproc_exit(0);
	else
		return;
	WRITE_ONCE(s->after_exit, 1);
}

static void kt_expect_ended(struct kunit *test, struct kt_state *s)
{
	BT_WAIT_UNTIL(test, READ_ONCE(s->ran));
	BT_WAIT_UNTIL(test, READ_ONCE(s->task) && READ_ONCE(s->task->exit_state) != 0);
	KUNIT_EXPECT_EQ(test, s->after_exit, 0);
	if (s->task)
		put_task_struct(s->task);
}

static void kthread_add_runs_the_function_and_kthread_exit_ends_it(struct kunit *test)
{
	struct kt_state s = { .how = 0 };
	struct thread *td = NULL;

	KUNIT_ASSERT_EQ(test, kthread_add(kt_fn, &s, NULL, &td, 0, 0, "kt_add%d", 7), 0);
	kt_expect_ended(test, &s);
	KUNIT_EXPECT_PTR_EQ(test, (void *)td, (void *)s.td_inside);
	KUNIT_EXPECT_STREQ(test, s.comm, "kt_add7");
}

static void kproc_create_runs_the_function_and_kproc_exit_ends_it(struct kunit *test)
{
	struct kt_state s = { .how = 1 };
	struct proc *p = NULL;

	KUNIT_ASSERT_EQ(test, kproc_create(kt_fn, &s, &p, 0, 0, "kt_proc%s", "x"), 0);
	kt_expect_ended(test, &s);
	KUNIT_EXPECT_PTR_EQ(test, (void *)p, (void *)s.td_inside);
	KUNIT_EXPECT_STREQ(test, s.comm, "kt_procx");
}

static void kthread_function_returning_ends_the_thread(struct kunit *test)
{
	struct kt_state s = { .how = 2 };
	struct proc *p = NULL;
	struct thread *td = NULL;

	KUNIT_ASSERT_EQ(test, kproc_kthread_add(kt_fn, &s, &p, &td, 0, 0, "proc", "kt_ret"), 0);
	kt_expect_ended(test, &s);
	KUNIT_EXPECT_PTR_EQ(test, (void *)td, (void *)s.td_inside);
	KUNIT_EXPECT_NOT_NULL(test, (void *)p);
	KUNIT_EXPECT_STREQ(test, s.comm, "kt_ret");
}

/*
 * FreeBSD's unload protocol: the module tells its thread to stop and sleeps on the thread
 * pointer; kthread_exit (wakeup(td)), kproc_exit (wakeup(p): the same pointer here) and a
 * return from the function wake it. The sleep holds the mutex the thread needs before it can
 * exit, so the wakeup cannot come before the sleeper is queued. The timeout is only a
 * liveness bound: a sleep that ends by it is the failure.
 */
struct kt_join {
	struct mtx m;
	int stop;
	int how;			/* as kt_state.how */
};

static void kt_join_fn(void *arg)
{
	struct kt_join *j = arg;
	int how = j->how;

	mtx_lock(&j->m);
	while (!j->stop)
		msleep(&j->stop, &j->m, 0, "ktstop", 0);
	mtx_unlock(&j->m);
	if (how == 0)
		kthread_exit();
	else if (how == 1)
		kproc_exit(0);
}

static void kt_join_case(struct kunit *test, int how)
{
	struct kt_join *j = kunit_kzalloc(test, sizeof(*j), GFP_KERNEL);
	struct thread *td = NULL;
	int error;

	KUNIT_ASSERT_NOT_NULL(test, j);
	j->how = how;
	mtx_init(&j->m, "kt join", NULL, MTX_DEF);
	KUNIT_ASSERT_EQ(test, kthread_add(kt_join_fn, j, NULL, &td, 0, 0, "kt_join%d", how), 0);
	mtx_lock(&j->m);
	j->stop = 1;
	wakeup(&j->stop);
	error = msleep(td, &j->m, 0, "ktjoin", 30 * hz);
	mtx_unlock(&j->m);
	KUNIT_EXPECT_EQ_MSG(test, error, 0,
			    "the thread's end did not wake the sleeper on its thread pointer (%s)",
			    how == 0 ? "kthread_exit" : how == 1 ? "kproc_exit" : "return");
	mtx_destroy(&j->m);
}

static void kthread_exit_wakes_the_module_sleeping_on_the_thread(struct kunit *test)
{
	kt_join_case(test, 0);
}

static void kproc_exit_wakes_the_module_sleeping_on_the_process(struct kunit *test)
{
	kt_join_case(test, 1);
}

static void kthread_function_return_wakes_the_module_sleeping_on_the_thread(struct kunit *test)
{
	kt_join_case(test, 2);
}

static struct kunit_case kthread_cases[] = {
	KUNIT_CASE(kthread_exit_wakes_the_module_sleeping_on_the_thread),
	KUNIT_CASE(kproc_exit_wakes_the_module_sleeping_on_the_process),
	KUNIT_CASE(kthread_function_return_wakes_the_module_sleeping_on_the_thread),
	KUNIT_CASE(kthread_add_runs_the_function_and_kthread_exit_ends_it),
	KUNIT_CASE(kproc_create_runs_the_function_and_kproc_exit_ends_it),
	KUNIT_CASE(kthread_function_returning_ends_the_thread),
	{}
};

static struct kunit_suite kthread_suite = {
	.name = "freebsd_kthread",
	.test_cases = kthread_cases,
};

kunit_test_suites(&kthread_suite);
