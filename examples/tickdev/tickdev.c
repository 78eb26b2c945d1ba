/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * bsd_tickdev: a device-style driver with a softc, a callout and a taskqueue, written as a
 * FreeBSD kernel file.
 *
 * Attach initializes the softc mutex, a callout associated with it (callout_init_mtx: the
 * handler runs with the mutex held) and a private taskqueue with one thread. The callout
 * ticks every clock tick and reschedules itself; each tick enqueues a task, which the
 * taskqueue thread runs with the count of enqueues it coalesced ("pending"). Each tick marks
 * its slot in a bitstring of TICK_SLOTS slots, and every TICK_EVERY-th tick queues an event
 * record (a TAILQ under the softc mutex) that the task consumes and frees; KASSERTs check
 * what the mutex guarantees.
 *
 * A detach thread waits for enough ticks, then detaches in FreeBSD's order: mark the softc
 * detaching and callout_stop() under the mutex, callout_drain(), taskqueue_drain(),
 * taskqueue_free(). Then it checks what the order guarantees: every enqueue was run
 * (the pending counts the task saw add up to the enqueues), no tick ran after
 * callout_stop() returned, no task ran after taskqueue_drain() returned, and nothing moves
 * while it waits a few more ticks, every queued event was consumed, and every slot of the
 * bitstring was marked (bit_ffc finds no clear bit). It prints "bsd_tickdev: PASS"; MOD_UNLOAD
 * destroys the
 * mutex and frees the softc.
 *
 * Only FreeBSD headers, and nothing else: DEV_MODULE declares the module (MOD_LOAD
 * attaches, MOD_UNLOAD detaches). An attach that fails undoes what it did and returns the
 * error, which fails the module's load (insmod reports it).
 */
#include <sys/cdefs.h>
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/conf.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/malloc.h>
#include <sys/queue.h>
#include <sys/bitstring.h>
#include <sys/ktr.h>
#include <sys/sysctl.h>
#include <sys/kthread.h>
#include <sys/callout.h>
#include <sys/taskqueue.h>

#define	TICK_NTICKS	200	/* ticks before detach starts */
#define	TICK_SLOTS	64	/* slots of the bitstring, each tick marks tick % TICK_SLOTS */
#define	TICK_EVERY	8	/* an event record every TICK_EVERY ticks */

static MALLOC_DEFINE(M_TICKDEV, "tickdev", "example tick device");

struct tick_event {
	TAILQ_ENTRY(tick_event)	te_link;
	u_long			te_tick;
};

struct tick_softc {
	struct mtx	sc_mtx;		/* protects the softc; the callout's lock */
	struct callout	sc_callout;
	struct taskqueue *sc_tq;
	struct task	sc_task;
	int		sc_detaching;	/* callout_stop() done: no tick may run */
	int		sc_drained;	/* taskqueue drained: no task may run */
	u_long		sc_ticks;
	u_long		sc_enqueues;
	u_long		sc_task_runs;
	u_long		sc_task_pending;	/* sum of the task's pending arguments */
	u_long		sc_late_ticks;
	u_long		sc_late_tasks;
	u_long		sc_unlocked_ticks;
	TAILQ_HEAD(, tick_event) sc_events;	/* queued by ticks, consumed by the task */
	u_long		sc_events_queued;
	u_long		sc_events_done;
	u_long		sc_events_nomem;	/* M_NOWAIT failures (not an error) */
	bitstr_t	*sc_slots;
	int		sc_done;	/* the detach thread is finished */
	int		sc_passed;
};

static struct tick_softc *tick_sc;

static int tick_nticks = TICK_NTICKS;
static SYSCTL_NODE(_hw, OID_AUTO, tickdev, CTLFLAG_RD | CTLFLAG_MPSAFE, NULL,
    "example tick device");
SYSCTL_INT(_hw_tickdev, OID_AUTO, nticks, CTLFLAG_RD, &tick_nticks, 0,
    "ticks before detach");

static void
tick_task(void *arg, int pending)
{
	struct tick_softc *sc = arg;
	struct tick_event *te, *tmp;

	mtx_lock(&sc->sc_mtx);
	if (sc->sc_drained)
		sc->sc_late_tasks++;
	sc->sc_task_runs++;
	sc->sc_task_pending += pending;
	TAILQ_FOREACH_SAFE(te, &sc->sc_events, te_link, tmp) {
		KASSERT(te->te_tick <= sc->sc_ticks,
		    ("tick_task: event of tick %lu after %lu ticks", te->te_tick, sc->sc_ticks));
		TAILQ_REMOVE(&sc->sc_events, te, te_link);
		free(te, M_TICKDEV);
		sc->sc_events_done++;
	}
	CTR2(KTR_DEV, "tick_task: run %lu pending %d", sc->sc_task_runs, pending);
	mtx_unlock(&sc->sc_mtx);
}

static void
tick_callout(void *arg)
{
	struct tick_softc *sc = arg;

	/* callout_init_mtx: we run with the softc mutex held, in a thread. */
	if (!mtx_owned(&sc->sc_mtx))
		sc->sc_unlocked_ticks++;
	mtx_assert(&sc->sc_mtx, MA_OWNED);
	if (sc->sc_detaching) {
		sc->sc_late_ticks++;
		return;
	}
	sc->sc_ticks++;
	bit_set(sc->sc_slots, sc->sc_ticks % TICK_SLOTS);
	if (sc->sc_ticks % TICK_EVERY == 0) {
		/* The mutex is held: M_NOWAIT (M_WAITOK here would be reported). */
		struct tick_event *te = malloc(sizeof(*te), M_TICKDEV, M_NOWAIT | M_ZERO);

		if (te != NULL) {
			te->te_tick = sc->sc_ticks;
			TAILQ_INSERT_TAIL(&sc->sc_events, te, te_link);
			sc->sc_events_queued++;
		} else {
			sc->sc_events_nomem++;
		}
	}
	if (taskqueue_enqueue(sc->sc_tq, &sc->sc_task) == 0)
		sc->sc_enqueues++;
	if (sc->sc_ticks == TICK_NTICKS)
		wakeup(&sc->sc_ticks);
	callout_reset(&sc->sc_callout, 1, tick_callout, sc);
}

static void
tick_detach_thread(void *arg)
{
	struct tick_softc *sc = arg;
	u_long ticks, runs;
	int i, stable, clear_slot;

	mtx_lock(&sc->sc_mtx);
	while (sc->sc_ticks < TICK_NTICKS)
		mtx_sleep(&sc->sc_ticks, &sc->sc_mtx, PWAIT, "tickwait", hz);

	/* Detach, in FreeBSD's order. */
	sc->sc_detaching = 1;
	callout_stop(&sc->sc_callout);
	mtx_unlock(&sc->sc_mtx);
	callout_drain(&sc->sc_callout);
	taskqueue_drain(sc->sc_tq, &sc->sc_task);
	mtx_lock(&sc->sc_mtx);
	sc->sc_drained = 1;
	ticks = sc->sc_ticks;
	runs = sc->sc_task_runs;
	mtx_unlock(&sc->sc_mtx);
	taskqueue_free(sc->sc_tq);
	sc->sc_tq = NULL;

	/* Nothing may move any more. */
	stable = 1;
	for (i = 0; i < 5; i++) {
		pause("tickidle", 1);
		mtx_lock(&sc->sc_mtx);
		if (sc->sc_ticks != ticks || sc->sc_task_runs != runs)
			stable = 0;
		mtx_unlock(&sc->sc_mtx);
	}

	mtx_lock(&sc->sc_mtx);
	/* Drained: the last task run consumed every event queued before it. */
	KASSERT(TAILQ_EMPTY(&sc->sc_events) == (sc->sc_events_done == sc->sc_events_queued),
	    ("tickdev: event list and counts disagree"));
	bit_ffc(sc->sc_slots, TICK_SLOTS, &clear_slot);
	sc->sc_passed = stable && sc->sc_late_ticks == 0 && sc->sc_late_tasks == 0 &&
	    TAILQ_EMPTY(&sc->sc_events) && sc->sc_events_done == sc->sc_events_queued &&
	    sc->sc_events_queued + sc->sc_events_nomem == sc->sc_ticks / TICK_EVERY &&
	    clear_slot == -1 &&
	    sc->sc_unlocked_ticks == 0 && sc->sc_ticks >= TICK_NTICKS &&
	    sc->sc_enqueues == sc->sc_ticks && sc->sc_task_pending == sc->sc_enqueues &&
	    sc->sc_task_runs > 0 && sc->sc_task_runs <= sc->sc_enqueues;
	printf("bsd_tickdev: %lu ticks (hz=%d), %lu enqueues, %lu task runs covering %lu "
	    "enqueues; after detach: %lu ticks, %lu task runs, %s; %lu ticks without the "
	    "mutex\n", sc->sc_ticks, hz, sc->sc_enqueues, sc->sc_task_runs,
	    sc->sc_task_pending, sc->sc_late_ticks, sc->sc_late_tasks,
	    stable ? "quiet" : "STILL MOVING", sc->sc_unlocked_ticks);
	printf("bsd_tickdev: %lu events queued, %lu consumed (%lu not allocated); first unmarked "
	    "slot %d of %d\n", sc->sc_events_queued, sc->sc_events_done, sc->sc_events_nomem,
	    clear_slot, TICK_SLOTS);
	printf("bsd_tickdev: %s\n", sc->sc_passed ? "PASS" : "FAIL");
	sc->sc_done = 1;
	wakeup(&sc->sc_done);
	mtx_unlock(&sc->sc_mtx);
	kthread_exit();
}

static int
tick_attach(void)
{
	struct tick_softc *sc;
	int error;

	sc = malloc(sizeof(*sc), M_TICKDEV, M_WAITOK | M_ZERO);
	mtx_init(&sc->sc_mtx, "tickdev", NULL, MTX_DEF);
	TAILQ_INIT(&sc->sc_events);
	sc->sc_slots = bit_alloc(TICK_SLOTS, M_TICKDEV, M_WAITOK);
	callout_init_mtx(&sc->sc_callout, &sc->sc_mtx, 0);
	TASK_INIT(&sc->sc_task, 0, tick_task, sc);
	sc->sc_tq = taskqueue_create("tickdev", M_WAITOK, taskqueue_thread_enqueue,
	    &sc->sc_tq);
	error = taskqueue_start_threads(&sc->sc_tq, 1, PWAIT, "tickdev taskq");
	if (error != 0) {
		printf("bsd_tickdev: taskqueue_start_threads: %d\n", error);
		taskqueue_free(sc->sc_tq);
		free(sc->sc_slots, M_TICKDEV);
		mtx_destroy(&sc->sc_mtx);
		free(sc, M_TICKDEV);
		return (error);
	}
	tick_sc = sc;

	printf("bsd_tickdev: attached; detaching after %d ticks\n", TICK_NTICKS);
	mtx_lock(&sc->sc_mtx);
	callout_reset(&sc->sc_callout, 1, tick_callout, sc);
	mtx_unlock(&sc->sc_mtx);

	error = kthread_add(tick_detach_thread, sc, NULL, NULL, 0, 0, "tickdetach");
	if (error != 0)
		panic("bsd_tickdev: kthread_add: %d", error);
	return (0);
}

static void
tick_detach(void)
{
	struct tick_softc *sc = tick_sc;

	/* FreeBSD also sends MOD_UNLOAD after a failed MOD_LOAD: nothing is attached then. */
	if (sc == NULL)
		return;

	mtx_lock(&sc->sc_mtx);
	while (!sc->sc_done)
		mtx_sleep(&sc->sc_done, &sc->sc_mtx, PWAIT, "tickdet", hz);
	mtx_unlock(&sc->sc_mtx);
	/* Let the detach thread return from mtx_unlock() and leave through kthread_exit(). */
	pause("tickexit", 1);

	mtx_destroy(&sc->sc_mtx);
	free(sc->sc_slots, M_TICKDEV);
	free(sc, M_TICKDEV);
	tick_sc = NULL;
	printf("bsd_tickdev: detached\n");
}

static int
tick_modevent(module_t mod __unused, int type, void *arg __unused)
{
	switch (type) {
	case MOD_LOAD:
		return (tick_attach());
	case MOD_UNLOAD:
		tick_detach();
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

DEV_MODULE(bsd_tickdev, tick_modevent, NULL);
MODULE_VERSION(bsd_tickdev, 1);
