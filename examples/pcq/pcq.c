// SPDX-License-Identifier: BSD-2-Clause
/*
 * bsd_pcq: an example of a driver ported from FreeBSD to Linux with bsdsync.
 *
 * The synchronization is written exactly as in the FreeBSD original: a bounded queue
 * guarded by an MTX_DEF mutex with two condition variables, completion accounting with
 * msleep()/wakeup() on the softc, a counting semaphore between the consumers and the
 * auditor thread, a spin mutex for statistics touched with interrupts off, and
 * mtx_assert() documenting what each function expects. Only the thread creation and
 * module entry points are Linux glue.
 *
 * At load it starts producers, consumers and one auditor; they pass NITEMS items through
 * a queue of QDEPTH slots, and the auditor checks that every item arrived exactly once.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sched/task.h>
#include <linux/delay.h>	/* Linux msleep(ms), beside BSD msleep(chan, mtx, ...) */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/sema.h>
#include <sys/proc.h>

#define NPRODUCERS	2
#define NCONSUMERS	2
#define QDEPTH		8
#define NITEMS		20000	/* per producer */

struct pcq_softc {
	struct mtx	sc_mtx;		/* protects everything below up to sc_stats_mtx */
	struct cv	sc_notfull;
	struct cv	sc_notempty;
	unsigned int	sc_ring[QDEPTH];
	int		sc_head, sc_count;
	int		sc_producers_left;
	int		sc_consumers_done;
	int		sc_maxdepth;
	unsigned long	sc_full_waits, sc_empty_waits;

	struct sema	sc_audit;	/* one post per consumed item */

	struct mtx	sc_stats_mtx;	/* spin: taken with interrupts off */
	unsigned long	sc_consumed;
	unsigned long long sc_sum;

	struct task_struct *sc_threads[NPRODUCERS + NCONSUMERS + 1];
	int		sc_auditor_ok;
	int		sc_done;
};

static struct pcq_softc *pcq_sc;

static void
pcq_put(struct pcq_softc *sc, unsigned int v)
{
	mtx_assert(&sc->sc_mtx, MA_OWNED);
	while (sc->sc_count == QDEPTH) {
		sc->sc_full_waits++;
		cv_wait(&sc->sc_notfull, &sc->sc_mtx);
	}
	sc->sc_ring[(sc->sc_head + sc->sc_count) % QDEPTH] = v;
	sc->sc_count++;
	if (sc->sc_count > sc->sc_maxdepth)
		sc->sc_maxdepth = sc->sc_count;
	cv_signal(&sc->sc_notempty);
}

/* Returns 0 and the item, or ENOENT once the queue is empty and all producers are gone. */
static int
pcq_get(struct pcq_softc *sc, unsigned int *v)
{
	mtx_assert(&sc->sc_mtx, MA_OWNED);
	while (sc->sc_count == 0) {
		if (sc->sc_producers_left == 0)
			return (ENOENT);
		sc->sc_empty_waits++;
		cv_wait(&sc->sc_notempty, &sc->sc_mtx);
	}
	*v = sc->sc_ring[sc->sc_head];
	sc->sc_head = (sc->sc_head + 1) % QDEPTH;
	sc->sc_count--;
	cv_signal(&sc->sc_notfull);
	return (0);
}

static int
pcq_producer(void *arg)
{
	struct pcq_softc *sc = pcq_sc;
	long id = (long)arg;

	for (unsigned int i = 1; i <= NITEMS; i++) {
		mtx_lock(&sc->sc_mtx);
		pcq_put(sc, (unsigned int)id * NITEMS + i);
		mtx_unlock(&sc->sc_mtx);
	}
	mtx_lock(&sc->sc_mtx);
	if (--sc->sc_producers_left == 0)
		cv_broadcast(&sc->sc_notempty);	/* let consumers see the end */
	mtx_unlock(&sc->sc_mtx);
	return 0;
}

static int
pcq_consumer(void *arg)
{
	struct pcq_softc *sc = pcq_sc;
	unsigned int v;

	mtx_lock(&sc->sc_mtx);
	while (pcq_get(sc, &v) == 0) {
		mtx_unlock(&sc->sc_mtx);

		mtx_lock_spin(&sc->sc_stats_mtx);
		sc->sc_consumed++;
		sc->sc_sum += v;
		mtx_unlock_spin(&sc->sc_stats_mtx);
		sema_post(&sc->sc_audit);

		mtx_lock(&sc->sc_mtx);
	}
	sc->sc_consumers_done++;
	wakeup(&sc->sc_consumers_done);
	mtx_unlock(&sc->sc_mtx);
	return 0;
}

static int
pcq_auditor(void *arg)
{
	struct pcq_softc *sc = pcq_sc;
	const unsigned long total = (unsigned long)NPRODUCERS * NITEMS;
	unsigned long long expect = 0;
	int error;

	for (unsigned long i = 0; i < total; i++)
		sema_wait(&sc->sc_audit);

	/* Every item is consumed; wait for the consumers to notice the end. */
	mtx_lock(&sc->sc_mtx);
	while (sc->sc_consumers_done < NCONSUMERS) {
		error = msleep(&sc->sc_consumers_done, &sc->sc_mtx, PWAIT, "pcqdone", hz);
		if (error != 0 && error != EWOULDBLOCK)
			break;
	}
	mtx_unlock(&sc->sc_mtx);

	for (long p = 0; p < NPRODUCERS; p++)
		for (unsigned int i = 1; i <= NITEMS; i++)
			expect += (unsigned long long)p * NITEMS + i;

	mtx_lock_spin(&sc->sc_stats_mtx);
	sc->sc_auditor_ok = sc->sc_consumed == total && sc->sc_sum == expect &&
	    sema_value(&sc->sc_audit) == 0;
	mtx_unlock_spin(&sc->sc_stats_mtx);

	pr_info("bsd_pcq: %d producers and %d consumers passed %lu items through a %d-slot "
		"queue: consumed %lu, checksum %s, max depth %d, producer waits %lu, consumer "
		"waits %lu\n", NPRODUCERS, NCONSUMERS, total, QDEPTH, sc->sc_consumed,
		sc->sc_auditor_ok ? "ok" : "WRONG", sc->sc_maxdepth, sc->sc_full_waits,
		sc->sc_empty_waits);
	pr_info("bsd_pcq: %s\n", sc->sc_auditor_ok ? "PASS" : "FAIL");

	mtx_lock(&sc->sc_mtx);
	sc->sc_done = 1;
	wakeup(&sc->sc_done);
	mtx_unlock(&sc->sc_mtx);
	return 0;
}

/*
 * Linux glue: start a thread holding a reference to it first. A thread may finish and exit
 * before the caller looks at it again; the reference keeps its task struct for
 * kthread_stop() at unload, which waits for it to be gone from this module's code.
 */
static struct task_struct *
pcq_start(int (*fn)(void *), long arg, const char *name)
{
	struct task_struct *t = kthread_create(fn, (void *)arg, "%s%ld", name, arg);

	if (IS_ERR(t))
		panic("bsd_pcq: cannot start threads");
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

static int __init
pcq_init(void)
{
	struct pcq_softc *sc;
	int n = 0;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (sc == NULL)
		return -ENOMEM;
	mtx_init(&sc->sc_mtx, "pcq queue", NULL, MTX_DEF);
	mtx_init(&sc->sc_stats_mtx, "pcq stats", NULL, MTX_SPIN);
	cv_init(&sc->sc_notfull, "pcqfull");
	cv_init(&sc->sc_notempty, "pcqempty");
	sema_init(&sc->sc_audit, 0, "pcq audit");
	sc->sc_producers_left = NPRODUCERS;
	pcq_sc = sc;

	pr_info("bsd_pcq: starting %d producers, %d consumers and an auditor (hz=%d)\n",
		NPRODUCERS, NCONSUMERS, hz);
	sc->sc_threads[n++] = pcq_start(pcq_auditor, 0, "pcq_audit");
	for (long i = 0; i < NCONSUMERS; i++)
		sc->sc_threads[n++] = pcq_start(pcq_consumer, i, "pcq_cons");
	for (long i = 0; i < NPRODUCERS; i++)
		sc->sc_threads[n++] = pcq_start(pcq_producer, i, "pcq_prod");
	return 0;
}

static void __exit
pcq_exit(void)
{
	struct pcq_softc *sc = pcq_sc;

	/* Wait for the run to finish (BSD msleep; the timeout re-checks once a second).
	 * Linux msleep(ms) from <linux/delay.h> stays usable in the same file. */
	msleep(1);
	mtx_lock(&sc->sc_mtx);
	while (!sc->sc_done)
		msleep(&sc->sc_done, &sc->sc_mtx, PWAIT, "pcqexit", hz);
	mtx_unlock(&sc->sc_mtx);
	for (int i = 0; i < NPRODUCERS + NCONSUMERS + 1; i++) {
		kthread_stop(sc->sc_threads[i]);	/* returns once the thread has exited */
		put_task_struct(sc->sc_threads[i]);
	}

	sema_destroy(&sc->sc_audit);
	cv_destroy(&sc->sc_notempty);
	cv_destroy(&sc->sc_notfull);
	mtx_destroy(&sc->sc_stats_mtx);
	mtx_destroy(&sc->sc_mtx);
	kfree(sc);
	pr_info("bsd_pcq: unloaded\n");
}

module_init(pcq_init);
module_exit(pcq_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("bsdsync example: a FreeBSD-style producer/consumer driver");
