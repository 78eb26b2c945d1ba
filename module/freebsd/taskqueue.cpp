/*
 * FreeBSD taskqueue(9), built as FreeBSD builds it (subr_taskqueue.c) on bsdsync's own
 * mutex(9) and sleep(9): the queue's mutex (a sleep mutex, or a spin mutex for the _fast
 * queues) protects everything marked (q) below and every queued task's ta_link and
 * ta_pending; threads sleep on the queue (msleep / msleep_spin with that mutex as interlock),
 * drainers on the task, and every change they wait for is made under the mutex, followed by
 * the wakeup: nothing is lost.
 *
 *  - taskqueue_enqueue: a task already queued only counts one more (ta_pending, saturating
 *    at USHRT_MAX); otherwise it is inserted after every task of its priority or higher, and
 *    the queue's enqueue function (normally taskqueue_thread_enqueue: wakeup_any) is called.
 *  - A thread takes the first task, records it in a Busy record on its stack (linked on
 *    the queue's active list, with a sequence number), clears ta_pending, and runs the
 *    handler with the mutex released; then it takes the mutex back, unlinks the record and
 *    wakes the task's drainers. The task is not touched after its handler (it may be freed
 *    there).
 *  - taskqueue_drain waits until the task is neither queued nor running; drain_all puts a
 *    barrier task behind every queued task and waits for it, then for every task that was
 *    running before (sequence numbers).
 *  - taskqueue_free stops the threads (they run what is still queued first), joins them,
 *    and frees the queue.
 */
#include <bsdsync/freebsd/taskqueue.h>
#include <bsdsync/freebsd/sleep.h>
#include "freebsd/lock_class.h"
#include "freebsd/services.h"
#include "core/thread.h"

namespace bsdsync::fbsd {

namespace {

enum : int {
	TQ_ACTIVE = 0x1,	/* threads keep running */
	TQ_BLOCKED = 0x2,	/* taskqueue_block(): the enqueue function is not called */
};
/* timeout_task.f (FreeBSD's DT_*) */
enum : int {
	DT_CALLOUT_ARMED = 0x1,
	DT_DRAIN_IN_PROGRESS = 0x2,
};
constexpr int kMaxThreads = 64;

/* A run in progress, on the running thread's stack, linked on the queue's active list.
 * Locking key: (q) the queue's mutex. */
struct Busy {
	Busy *next;		/* (q) */
	task *running;		/* (q) the task whose handler runs (not dereferenced after it) */
	unsigned seq;		/* (q) */
};

} // namespace
} // namespace bsdsync::fbsd

struct bsdsync::fbsd::taskqueue {
	struct task *head;		/* (q) queued tasks, highest priority first */
	struct task *tail;		/* (q) */
	bsdsync::fbsd::Busy *active;	/* (q) tasks being run */
	unsigned seq;			/* (q) last sequence number given to a run */
	int flags;			/* (q) TQ_* */
	int callouts;			/* (q) armed timeout tasks, and drain_all in progress */
	int tcount;			/* (q) threads running; its address is the channel
					   taskqueue_free sleeps on */
	int nthreads;			/* (o) threads started */
	bool spin;			/* (c) the mutex is a spin mutex */
	taskqueue_enqueue_fn enqueue;	/* (c) */
	void *context;			/* (c) */
	struct thread **threads;	/* (o) joinable handles */
	struct mtx mutex;		/* the queue's lock: (q) */
	char name[32];			/* (c) */
};
/* Locking key: (q) the queue's mutex; (c) constant from taskqueue_create to taskqueue_free;
 * (o) the queue's owner's: written by taskqueue_start_threads, read by taskqueue_free, which
 * the driver calls one after the other (as FreeBSD requires), never concurrently.
 * Of a task: ta_link and ta_pending (q) while it is queued; ta_func, ta_context and
 * ta_priority set by TASK_INIT, constant while the task is in use. */

namespace bsdsync::fbsd {
namespace {

void tq_lock(taskqueue *q)
{
	if (q->spin)
		fbsd_mtx_lock_spin_flags(&q->mutex, 0, __FILE__, __LINE__);
	else
		fbsd_mtx_lock_flags(&q->mutex, 0, __FILE__, __LINE__);
}
void tq_unlock(taskqueue *q)
{
	if (q->spin)
		fbsd_mtx_unlock_spin_flags(&q->mutex, 0, __FILE__, __LINE__);
	else
		fbsd_mtx_unlock_flags(&q->mutex, 0, __FILE__, __LINE__);
}
void tq_sleep(taskqueue *q, const void *chan, const char *wmesg)
{
	if (q->spin)
		fbsd_msleep_spin_sbt(chan, &q->mutex, wmesg, 0, 0, 0, __FILE__, __LINE__);
	else
		fbsd_sleep(chan, &q->mutex.lock_object, 0, wmesg, 0, 0, 0, __FILE__, __LINE__);
}

bool is_running(taskqueue *q, const task *t)
{
	for (Busy *b = q->active; b; b = b->next)
		if (b->running == t)
			return true;
	return false;
}

/* FreeBSD's taskqueue_cancel_locked: EBUSY if the task is running (its queued run, if
 * any, is cancelled all the same). */
int cancel_locked(taskqueue *q, task *t, unsigned *pendp)
{
	if (t->ta_pending > 0) {
		task *prev = nullptr;
		for (task *i = q->head; i; prev = i, i = i->ta_link.stqe_next) {
			if (i == t) {
				if (prev)
					prev->ta_link.stqe_next = i->ta_link.stqe_next;
				else
					q->head = i->ta_link.stqe_next;
				if (q->tail == i)
					q->tail = prev;
				i->ta_link.stqe_next = nullptr;
				break;
			}
		}
	}
	if (pendp)
		*pendp = t->ta_pending;
	t->ta_pending = 0;
	return is_running(q, t) ? BSDSYNC_EBUSY : 0;
}

/* Queue lock held; releases it (as FreeBSD's taskqueue_enqueue_locked). */
int enqueue_locked(taskqueue *q, task *t)
{
	if (t->ta_pending) {
		if (t->ta_pending < 0xffff)
			t->ta_pending++;
		tq_unlock(q);
		return 0;
	}
	/* At the tail if the last task's priority is >= ours (always behind a drain_all
	 * barrier), else before the first task of lower priority. */
	task *prev = q->tail;
	if (prev && prev->ta_priority < t->ta_priority) {
		prev = nullptr;
		for (task *i = q->head; i && i->ta_priority >= t->ta_priority;
		     i = i->ta_link.stqe_next)
			prev = i;
	}
	t->ta_link.stqe_next = prev ? prev->ta_link.stqe_next : q->head;
	if (prev)
		prev->ta_link.stqe_next = t;
	else
		q->head = t;
	if (!t->ta_link.stqe_next)
		q->tail = t;
	t->ta_pending = 1;
	if (!(q->flags & TQ_BLOCKED) && q->enqueue)
		q->enqueue(q->context);
	tq_unlock(q);
	return 0;
}

/* Run every queued task; lock held (dropped around each handler). */
void run_locked(taskqueue *q)
{
	task *t;
	while ((t = q->head) != nullptr) {
		q->head = t->ta_link.stqe_next;
		if (!q->head)
			q->tail = nullptr;
		t->ta_link.stqe_next = nullptr;
		int pending = t->ta_pending;
		t->ta_pending = 0;
		Busy b{ q->active, t, ++q->seq };
		q->active = &b;
		tq_unlock(q);
		t->ta_func(t->ta_context, pending);
		tq_lock(q);
		for (Busy **p = &q->active; *p; p = &(*p)->next) {
			if (*p == &b) {
				*p = b.next;
				break;
			}
		}
		fbsd_wakeup(t);
	}
}

void thread_loop(void *arg)
{
	taskqueue *q = *static_cast<taskqueue **>(arg);
	tq_lock(q);
	while (q->flags & TQ_ACTIVE) {
		run_locked(q);
		/* run_locked() drops the lock: the flag may have gone meanwhile, and its
		 * wakeup with it. */
		if (!(q->flags & TQ_ACTIVE))
			break;
		tq_sleep(q, q, "-");
	}
	run_locked(q);
	q->tcount--;
	fbsd_wakeup_one(&q->tcount);
	tq_unlock(q);
	/* taskqueue_free() joins this thread before it frees the queue. */
}

void task_nop(void *, int) {}

void timeout_func(void *arg)
{
	timeout_task *tt = static_cast<timeout_task *>(arg);
	taskqueue *q = tt->q;
	tt->f &= ~DT_CALLOUT_ARMED;
	q->callouts--;
	/* A queue being freed waits for its armed timeouts (a driver bug FreeBSD waits for
	 * too): this one is over, and its task is run by taskqueue_free itself. */
	if (!(q->flags & TQ_ACTIVE))
		fbsd_wakeup_one(&q->tcount);
	enqueue_locked(q, &tt->t);	/* releases the lock: CALLOUT_RETURNUNLOCKED */
}

ReportSubject queue_subject(const taskqueue *q)
{
	return ReportSubject{ "taskqueue", q->name, q, nullptr };
}

} // namespace

/* The global queues. */
int taskqueue_start()
{
	struct G {
		taskqueue **q;
		const char *name;
		bool fast;
	} g[] = {
		{ &fbsd_taskqueue_thread, "thread", false },
		{ &fbsd_taskqueue_swi, "swi", false },
		{ &fbsd_taskqueue_swi_giant, "swi_giant", false },
		{ &fbsd_taskqueue_fast, "fast", true },
	};
	for (auto &e : g) {
		*e.q = fbsd_taskqueue_create(e.name, 0, fbsd_taskqueue_thread_enqueue, e.q, e.fast);
		if (!*e.q)
			return BSDSYNC_EAGAIN;
		int error = fbsd_taskqueue_start_threads(e.q, 1, 0, "%s taskq", e.name);
		if (error)
			return error;
	}
	return 0;
}

void taskqueue_stop()
{
	taskqueue **g[] = { &fbsd_taskqueue_thread, &fbsd_taskqueue_swi, &fbsd_taskqueue_swi_giant,
			    &fbsd_taskqueue_fast };
	for (auto q : g) {
		if (*q)
			fbsd_taskqueue_free(*q);
		*q = nullptr;
	}
}

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

extern "C" {

struct taskqueue *fbsd_taskqueue_thread;
struct taskqueue *fbsd_taskqueue_swi;
struct taskqueue *fbsd_taskqueue_swi_giant;
struct taskqueue *fbsd_taskqueue_fast;

struct taskqueue *fbsd_taskqueue_create(const char *name, int mflags, taskqueue_enqueue_fn enqueue,
					void *context, int fast)
{
	/* M_NOWAIT is 0x1 in FreeBSD's <sys/malloc.h>. */
	taskqueue *q = static_cast<taskqueue *>(bsdsync_alloc(sizeof(taskqueue), !(mflags & 0x1)));
	if (!q)
		return nullptr;
	unsigned i = 0;
	for (; name && name[i] && i < sizeof(q->name) - 1; i++)
		q->name[i] = name[i];
	q->name[i] = 0;
	q->enqueue = enqueue;
	q->context = context;
	q->flags = TQ_ACTIVE;
	q->spin = fast != 0;
	fbsd_mtx_init(&q->mutex, q->name, "taskqueue",
		      (fast ? MTX_SPIN : MTX_DEF) | MTX_DUPOK, nullptr);
	return q;
}

int fbsd_taskqueue_start_threads(struct taskqueue **tqp, int count, int pri, const char *fmt, ...)
{
	(void)pri;	/* Linux scheduling: the threads keep the default policy */
	taskqueue *q = *tqp;
	if (count <= 0 || count > kMaxThreads || q->threads) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, queue_subject(q), nullptr, 0,
		       "taskqueue_start_threads: %d threads%s", count,
		       q->threads ? " on a queue that has threads already" : "");
		return BSDSYNC_EINVAL;
	}
	char name[32];
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	bsdsync_vsnprintf(name, sizeof(name), fmt, ap);
	__builtin_va_end(ap);
	q->threads = static_cast<thread **>(bsdsync_alloc(sizeof(thread *) * count, 1));
	if (!q->threads)
		return 12;	/* ENOMEM */
	for (int i = 0; i < count; i++) {
		char tname[32];
		const char *n = name;
		if (count > 1) {
			/* FreeBSD names them all alike; ps is easier to read with an index. */
			unsigned k = 0;
			for (; name[k] && k < sizeof(tname) - 4; k++)
				tname[k] = name[k];
			tname[k++] = '_';
			if (i >= 10)
				tname[k++] = (char)('0' + i / 10);
			tname[k++] = (char)('0' + i % 10);
			tname[k] = 0;
			n = tname;
		}
		tq_lock(q);
		q->tcount++;
		tq_unlock(q);
		int error = bsdsync_kthread_spawn(thread_loop, tqp, nullptr, n, 1, &q->threads[i]);
		if (error) {
			tq_lock(q);
			q->tcount--;
			tq_unlock(q);
			q->threads[i] = nullptr;
			return error;
		}
		q->nthreads = i + 1;
	}
	return 0;
}

int fbsd_taskqueue_enqueue(struct taskqueue *queue, struct task *task)
{
	tq_lock(queue);
	return enqueue_locked(queue, task);
}

void fbsd_taskqueue_drain(struct taskqueue *queue, struct task *task)
{
	tq_lock(queue);
	while (task->ta_pending != 0 || is_running(queue, task))
		tq_sleep(queue, task, "tq_drain");
	tq_unlock(queue);
}

void fbsd_taskqueue_drain_all(struct taskqueue *queue)
{
	tq_lock(queue);
	if (queue->head) {
		/* A barrier after every queued task, of the highest priority so that none
		 * queued later goes before it; once it ran, so had (or were running) all
		 * those before it. */
		task barrier{};
		barrier.ta_priority = 0xff;
		barrier.ta_func = task_nop;
		barrier.ta_pending = 1;
		if (queue->tail)
			queue->tail->ta_link.stqe_next = &barrier;
		else
			queue->head = &barrier;
		queue->tail = &barrier;
		if (!(queue->flags & TQ_BLOCKED) && queue->enqueue)
			queue->enqueue(queue->context);
		while (barrier.ta_pending != 0 || is_running(queue, &barrier))
			tq_sleep(queue, &barrier, "tq_qdrain");
	}
	/* Then every run that began before now. */
	unsigned seq = queue->seq;
	queue->callouts++;	/* holds off taskqueue_free's thread exit */
restart:
	for (Busy *b = queue->active; b; b = b->next) {
		if ((int)(b->seq - seq) <= 0) {
			tq_sleep(queue, b->running, "tq_adrain");
			goto restart;
		}
	}
	queue->callouts--;
	if (!(queue->flags & TQ_ACTIVE))
		fbsd_wakeup_one(&queue->tcount);
	tq_unlock(queue);
}

int fbsd_taskqueue_cancel(struct taskqueue *queue, struct task *task, unsigned int *pendp)
{
	tq_lock(queue);
	int error = cancel_locked(queue, task, pendp);
	tq_unlock(queue);
	return error;
}

void fbsd_taskqueue_free(struct taskqueue *queue)
{
	tq_lock(queue);
	queue->flags &= ~TQ_ACTIVE;
	while (queue->tcount > 0 || queue->callouts > 0) {
		fbsd_wakeup(queue);
		tq_sleep(queue, &queue->tcount, "tq_destroy");
	}
	/* No thread: run what is still queued here, as the threads would have. */
	run_locked(queue);
	tq_unlock(queue);
	/* The threads announced their exit under the mutex; wait until they are gone before
	 * the mutex is. */
	for (int i = 0; i < queue->nthreads; i++)
		if (queue->threads[i])
			bsdsync_kthread_join(queue->threads[i]);
	fbsd_mtx_destroy(&queue->mutex, __FILE__, __LINE__);
	bsdsync_free(queue->threads);
	bsdsync_free(queue);
}

void fbsd_taskqueue_run(struct taskqueue *queue)
{
	tq_lock(queue);
	run_locked(queue);
	tq_unlock(queue);
}

void fbsd_taskqueue_block(struct taskqueue *queue)
{
	tq_lock(queue);
	queue->flags |= TQ_BLOCKED;
	tq_unlock(queue);
}

void fbsd_taskqueue_unblock(struct taskqueue *queue)
{
	tq_lock(queue);
	queue->flags &= ~TQ_BLOCKED;
	if (queue->head && queue->enqueue)
		queue->enqueue(queue->context);
	tq_unlock(queue);
}

int fbsd_taskqueue_member(struct taskqueue *queue, struct thread *td)
{
	for (int i = 0; i < queue->nthreads; i++)
		if (queue->threads[i] == td)
			return 1;
	return 0;
}

void fbsd_taskqueue_thread_enqueue(void *context)
{
	taskqueue *q = *static_cast<taskqueue **>(context);
	fbsd_wakeup_any(q);
}

void fbsd_timeout_task_init(struct taskqueue *queue, struct timeout_task *timeout_task,
			    int priority, task_fn_t func, void *context)
{
	timeout_task->t.ta_pending = 0;
	timeout_task->t.ta_priority = (unsigned char)priority;
	timeout_task->t.ta_flags = 0;
	timeout_task->t.ta_func = func;
	timeout_task->t.ta_context = context;
	fbsd_callout_init_lock(&timeout_task->c, &queue->mutex.lock_object,
			       BSDSYNC_CALLOUT_RETURNUNLOCKED, __FILE__, __LINE__);
	timeout_task->q = queue;
	timeout_task->f = 0;
}

int fbsd_taskqueue_enqueue_timeout_sbt(struct taskqueue *queue,
				       struct timeout_task *timeout_task,
				       bsdsync_sbintime_t sbt, bsdsync_sbintime_t pr, int flags)
{
	tq_lock(queue);
	timeout_task->q = queue;
	int res = timeout_task->t.ta_pending;
	if (timeout_task->f & DT_DRAIN_IN_PROGRESS) {
		tq_unlock(queue);
		return -1;
	}
	if (sbt == 0) {
		enqueue_locked(queue, &timeout_task->t);	/* releases the lock */
		return res;
	}
	if (timeout_task->f & DT_CALLOUT_ARMED) {
		res++;
	} else {
		queue->callouts++;
		timeout_task->f |= DT_CALLOUT_ARMED;
		/* A negative time arms a callout that is not armed yet... */
		if (sbt < 0)
			sbt = -sbt;
	}
	/* ...and leaves an armed one as it is. */
	if (sbt > 0)
		fbsd_callout_reset_sbt_on(&timeout_task->c, sbt, pr, timeout_func, timeout_task,
					  -1, flags);
	tq_unlock(queue);
	return res;
}

int fbsd_taskqueue_enqueue_timeout(struct taskqueue *queue, struct timeout_task *timeout_task,
				   int ticks)
{
	return fbsd_taskqueue_enqueue_timeout_sbt(queue, timeout_task, fbsd_tick_sbt * ticks, 0,
						  BSDSYNC_C_HARDCLOCK);
}

int fbsd_taskqueue_cancel_timeout(struct taskqueue *queue, struct timeout_task *timeout_task,
				  unsigned int *pendp)
{
	unsigned pending1;
	tq_lock(queue);
	unsigned pending = fbsd_callout_stop_safe(&timeout_task->c, 0, nullptr, __FILE__,
						  __LINE__) > 0;
	int error = cancel_locked(queue, &timeout_task->t, &pending1);
	if (timeout_task->f & DT_CALLOUT_ARMED) {
		timeout_task->f &= ~DT_CALLOUT_ARMED;
		queue->callouts--;
	}
	tq_unlock(queue);
	if (pendp)
		*pendp = pending + pending1;
	return error;
}

void fbsd_taskqueue_drain_timeout(struct taskqueue *queue, struct timeout_task *timeout_task)
{
	tq_lock(queue);
	timeout_task->f |= DT_DRAIN_IN_PROGRESS;
	tq_unlock(queue);
	fbsd_callout_stop_safe(&timeout_task->c, BSDSYNC_CS_DRAIN, nullptr, __FILE__, __LINE__);
	fbsd_taskqueue_drain(queue, &timeout_task->t);
	tq_lock(queue);
	timeout_task->f &= ~DT_DRAIN_IN_PROGRESS;
	tq_unlock(queue);
}

} // extern "C"
