/*
 * <sys/taskqueue.h> for ported FreeBSD drivers: taskqueue(9).
 *
 * Differences from FreeBSD: the threads of taskqueue_start_threads() are Linux kernel
 * threads and keep Linux scheduling (pri is accepted and ignored); taskqueue_swi,
 * taskqueue_swi_giant and taskqueue_fast are served by kernel threads, not software
 * interrupts. TASKQUEUE_DEFINE* need <sys/kernel.h> (SYSINIT) and <sys/malloc.h>
 * (M_WAITOK), as in FreeBSD.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_TASKQUEUE_H_
#define _BSDSYNC_FREEBSD_SYS_TASKQUEUE_H_

#include <sys/types.h>
#include <sys/_task.h>
#include <sys/callout.h>

#define TASK_INITIALIZER(priority, func, context)				\
	{ .ta_pending = 0, .ta_priority = (priority), .ta_func = (func),	\
	  .ta_context = (context) }

#define TASK_INIT_FLAGS(task, priority, func, context, flags) do {		\
	(task)->ta_pending = 0;							\
	(task)->ta_priority = (priority);					\
	(task)->ta_flags = (flags);						\
	(task)->ta_func = (func);						\
	(task)->ta_context = (context);						\
} while (0)
#define TASK_INIT(task, priority, func, context)				\
	TASK_INIT_FLAGS(task, priority, func, context, 0)
#define NET_TASK_INIT(t, p, f, c)	TASK_INIT_FLAGS(t, p, f, c, TASK_NETWORK)

#define TIMEOUT_TASK_INIT(queue, timeout_task, priority, func, context)	\
	fbsd_timeout_task_init((queue), (timeout_task), (priority), (func), (context))

#define taskqueue_create(name, mflags, enqueue, context)			\
	fbsd_taskqueue_create((name), (mflags), (enqueue), (context), 0)
#define taskqueue_create_fast(name, mflags, enqueue, context)			\
	fbsd_taskqueue_create((name), (mflags), (enqueue), (context), 1)
#define taskqueue_start_threads		fbsd_taskqueue_start_threads
#define taskqueue_enqueue(queue, task)	fbsd_taskqueue_enqueue((queue), (task))
#define taskqueue_enqueue_fast(queue, task) fbsd_taskqueue_enqueue((queue), (task))
#define taskqueue_drain(queue, task)	fbsd_taskqueue_drain((queue), (task))
#define taskqueue_drain_all(queue)	fbsd_taskqueue_drain_all((queue))
#define taskqueue_cancel(queue, task, pendp) fbsd_taskqueue_cancel((queue), (task), (pendp))
#define taskqueue_free(queue)		fbsd_taskqueue_free((queue))
#define taskqueue_run(queue)		fbsd_taskqueue_run((queue))
#define taskqueue_block(queue)		fbsd_taskqueue_block((queue))
#define taskqueue_unblock(queue)	fbsd_taskqueue_unblock((queue))
#define taskqueue_member(queue, td)	fbsd_taskqueue_member((queue), (td))
#define taskqueue_thread_enqueue	fbsd_taskqueue_thread_enqueue
#define taskqueue_enqueue_timeout(queue, tt, ticks)				\
	fbsd_taskqueue_enqueue_timeout((queue), (tt), (ticks))
#define taskqueue_enqueue_timeout_sbt(queue, tt, sbt, pr, flags)		\
	fbsd_taskqueue_enqueue_timeout_sbt((queue), (tt), (sbt), (pr), (flags))
#define taskqueue_cancel_timeout(queue, tt, pendp)				\
	fbsd_taskqueue_cancel_timeout((queue), (tt), (pendp))
#define taskqueue_drain_timeout(queue, tt)	fbsd_taskqueue_drain_timeout((queue), (tt))

#define taskqueue_thread	fbsd_taskqueue_thread
#define taskqueue_swi		fbsd_taskqueue_swi
#define taskqueue_swi_giant	fbsd_taskqueue_swi_giant
#define taskqueue_fast		fbsd_taskqueue_fast

#define TASKQUEUE_DECLARE(name)	extern struct taskqueue *taskqueue_##name

#define TASKQUEUE_DEFINE(name, enqueue, context, init)				\
struct taskqueue *taskqueue_##name;						\
static void taskqueue_define_##name(void *arg)					\
{										\
	taskqueue_##name = taskqueue_create(#name, M_WAITOK, (enqueue), (context)); \
	init;									\
}										\
SYSINIT(taskqueue_##name, SI_SUB_CONFIGURE, SI_ORDER_SECOND,			\
	taskqueue_define_##name, NULL);						\
struct __hack
#define TASKQUEUE_DEFINE_THREAD(name)						\
TASKQUEUE_DEFINE(name, taskqueue_thread_enqueue, &taskqueue_##name,		\
	taskqueue_start_threads(&taskqueue_##name, 1, 0, "%s taskq", #name))
#define TASKQUEUE_FAST_DEFINE(name, enqueue, context, init)			\
struct taskqueue *taskqueue_##name;						\
static void taskqueue_define_##name(void *arg)					\
{										\
	taskqueue_##name = taskqueue_create_fast(#name, M_WAITOK, (enqueue), (context)); \
	init;									\
}										\
SYSINIT(taskqueue_##name, SI_SUB_CONFIGURE, SI_ORDER_SECOND,			\
	taskqueue_define_##name, NULL);						\
struct __hack
#define TASKQUEUE_FAST_DEFINE_THREAD(name)					\
TASKQUEUE_FAST_DEFINE(name, taskqueue_thread_enqueue, &taskqueue_##name,	\
	taskqueue_start_threads(&taskqueue_##name, 1, 0, "%s taskq", #name))

#endif
