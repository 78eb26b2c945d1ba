/*
 * bsdsync C ABI: FreeBSD taskqueue(9).
 *
 * A taskqueue is FreeBSD's: a queue of tasks under the queue's mutex (a sleep mutex, or a
 * spin mutex for taskqueue_create_fast), run in order of priority by the threads of
 * taskqueue_start_threads() (kernel threads). A task enqueued again before it runs is run
 * once, its handler told how many times it was enqueued (ta_pending). The queue itself is
 * opaque (module/freebsd/taskqueue.cpp); tasks and timeout tasks live in the driver.
 */
#ifndef _BSDSYNC_FREEBSD_TASKQUEUE_H_
#define _BSDSYNC_FREEBSD_TASKQUEUE_H_

#include <bsdsync/freebsd/callout.h>

BSDSYNC_FREEBSD_ABI_BEGIN

struct taskqueue;
typedef void task_fn_t(void *context, int pending);
typedef void (*taskqueue_enqueue_fn)(void *context);
typedef void (*taskqueue_callback_fn)(void *context);

/* FreeBSD's layout (sys/_task.h); ta_link is STAILQ_ENTRY(task). */
struct task {
	struct {
		struct task *stqe_next;
	} ta_link;			/* (q) link for queue */
	unsigned short ta_pending;	/* (q) count times queued */
	unsigned char ta_priority;	/* (c) Priority */
	unsigned char ta_flags;		/* (c) Flags */
	task_fn_t *ta_func;		/* (c) task handler */
	void *ta_context;		/* (c) argument for handler */
};
/* FreeBSD's layout on amd64 (TASK_INIT and the inline helpers fill these in). */
BSDSYNC_ABI_SIZE(struct task, 32);
BSDSYNC_ABI_OFFSET(struct task, ta_link, 0);
BSDSYNC_ABI_OFFSET(struct task, ta_pending, 8);
BSDSYNC_ABI_OFFSET(struct task, ta_priority, 10);
BSDSYNC_ABI_OFFSET(struct task, ta_flags, 11);
BSDSYNC_ABI_OFFSET(struct task, ta_func, 16);
BSDSYNC_ABI_OFFSET(struct task, ta_context, 24);

struct timeout_task {
	struct taskqueue *q;
	struct task t;
	struct callout c;
	int f;
};
/* FreeBSD's layout on amd64. */
BSDSYNC_ABI_SIZE(struct timeout_task, 112);
BSDSYNC_ABI_OFFSET(struct timeout_task, q, 0);
BSDSYNC_ABI_OFFSET(struct timeout_task, t, 8);
BSDSYNC_ABI_OFFSET(struct timeout_task, c, 40);
BSDSYNC_ABI_OFFSET(struct timeout_task, f, 104);

struct taskqueue *fbsd_taskqueue_create(const char *name, int mflags, taskqueue_enqueue_fn enqueue,
					void *context, int fast);
int fbsd_taskqueue_start_threads(struct taskqueue **tqp, int count, int pri, const char *fmt,
				 ...) __attribute__((format(printf, 4, 5)));
int fbsd_taskqueue_enqueue(struct taskqueue *queue, struct task *task);
void fbsd_taskqueue_drain(struct taskqueue *queue, struct task *task);
void fbsd_taskqueue_drain_all(struct taskqueue *queue);
int fbsd_taskqueue_cancel(struct taskqueue *queue, struct task *task, unsigned int *pendp);
void fbsd_taskqueue_free(struct taskqueue *queue);
void fbsd_taskqueue_run(struct taskqueue *queue);
void fbsd_taskqueue_block(struct taskqueue *queue);
void fbsd_taskqueue_unblock(struct taskqueue *queue);
int fbsd_taskqueue_member(struct taskqueue *queue, struct thread *td);
void fbsd_taskqueue_thread_enqueue(void *context);
void fbsd_timeout_task_init(struct taskqueue *queue, struct timeout_task *timeout_task,
			    int priority, task_fn_t func, void *context);
int fbsd_taskqueue_enqueue_timeout_sbt(struct taskqueue *queue,
				       struct timeout_task *timeout_task,
				       bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags);
int fbsd_taskqueue_enqueue_timeout(struct taskqueue *queue, struct timeout_task *timeout_task,
				   int ticks);
int fbsd_taskqueue_cancel_timeout(struct taskqueue *queue, struct timeout_task *timeout_task,
				  unsigned int *pendp);
void fbsd_taskqueue_drain_timeout(struct taskqueue *queue, struct timeout_task *timeout_task);

/* The global queues: a thread each (taskqueue_swi and taskqueue_swi_giant are served by a
 * kernel thread too, not a software interrupt; taskqueue_fast by a thread of its own, its
 * queue under a spin mutex so interrupt handlers may enqueue). */
extern struct taskqueue *fbsd_taskqueue_thread;
extern struct taskqueue *fbsd_taskqueue_swi;
extern struct taskqueue *fbsd_taskqueue_swi_giant;
extern struct taskqueue *fbsd_taskqueue_fast;

BSDSYNC_FREEBSD_ABI_END

#endif
