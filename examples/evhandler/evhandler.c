/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * bsd_evhandler: an event-handler list written as a FreeBSD kernel file.
 *
 * Handlers are registered on a TAILQ under an MTX_DEF mutex. An invocation walks the list
 * and calls each live handler with the mutex dropped, holding the entry by its "running"
 * count, so handlers may sleep. Deregistration marks the entry dead (no new call starts)
 * and then sleeps on a condition variable until the entry's running count drops to zero;
 * only then is the entry unlinked and freed, and deregister returns. So once deregister has
 * returned, the handler runs no more, and its argument may go away.
 *
 * Invoker threads call the list in a loop while a deregistering thread registers and
 * deregisters handlers over and over. Each handler's client flags itself "gone" as soon as
 * its deregister returns; a call that finds its client gone is a late run, an error. Some
 * calls sleep (pause(9)) so that deregister really has running calls to wait for. The
 * deregistering thread checks the counts at the end and prints "bsd_evhandler: PASS".
 *
 * Only FreeBSD headers, and nothing else: the module declaration (DECLARE_MODULE) makes it
 * a complete module, attaching on MOD_LOAD and detaching on MOD_UNLOAD.
 */
#include <sys/cdefs.h>
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/malloc.h>
#include <sys/queue.h>
#include <sys/ktr.h>
#include <sys/kthread.h>

#define	EVH_NCLIENTS	6
#define	EVH_NINVOKERS	3
#define	EVH_CYCLES	40	/* register/deregister cycles per client */

static MALLOC_DEFINE(M_EVH, "evhandler", "example event handler list");

typedef void evh_func_t(void *arg, int event);

struct evh_entry {
	TAILQ_ENTRY(evh_entry) ee_link;
	evh_func_t	*ee_func;
	void		*ee_arg;
	int		ee_running;	/* calls in progress, mutex dropped */
	int		ee_dead;	/* deregistering: start no new call */
};

struct evh_list {
	struct mtx	el_mtx;		/* protects the list and every entry's counts */
	struct cv	el_cv;		/* an entry's running count dropped to zero */
	TAILQ_HEAD(, evh_entry) el_entries;
	u_long		el_calls;
	u_long		el_waits;	/* deregisters that had to wait */
};

/* What a handler is called for: the test's view of one registration. */
struct evh_client {
	struct mtx	c_mtx;
	int		c_gone;		/* its deregister has returned */
	u_long		c_calls;
	u_long		c_late;		/* calls after deregister returned: errors */
};

struct evh_softc {
	struct evh_list	sc_list;
	struct evh_client sc_clients[EVH_NCLIENTS];
	struct evh_entry *sc_entries[EVH_NCLIENTS]; /* the deregisterer's */
	struct mtx	sc_mtx;		/* protects the fields below */
	int		sc_stop;	/* invokers: stop */
	int		sc_running;	/* threads not yet finished */
	u_long		sc_invocations;
	int		sc_passed;
};

static struct evh_softc *evh_sc;

static void
evh_list_init(struct evh_list *el)
{

	mtx_init(&el->el_mtx, "evh list", NULL, MTX_DEF);
	cv_init(&el->el_cv, "evhdrain");
	TAILQ_INIT(&el->el_entries);
}

static void
evh_list_destroy(struct evh_list *el)
{

	KASSERT(TAILQ_EMPTY(&el->el_entries), ("evh_list_destroy: handlers left"));
	cv_destroy(&el->el_cv);
	mtx_destroy(&el->el_mtx);
}

static struct evh_entry *
evh_register(struct evh_list *el, evh_func_t *func, void *arg)
{
	struct evh_entry *ee;

	ee = malloc(sizeof(*ee), M_EVH, M_WAITOK | M_ZERO);
	ee->ee_func = func;
	ee->ee_arg = arg;
	mtx_lock(&el->el_mtx);
	TAILQ_INSERT_TAIL(&el->el_entries, ee, ee_link);
	mtx_unlock(&el->el_mtx);
	CTR2(KTR_GEN, "evh_register: %p arg %p", ee, arg);
	return (ee);
}

/* Returns once no call of the handler is running and none will start. */
static void
evh_deregister(struct evh_list *el, struct evh_entry *ee)
{

	mtx_lock(&el->el_mtx);
	KASSERT(!ee->ee_dead, ("evh_deregister: %p deregistered twice", ee));
	ee->ee_dead = 1;
	if (ee->ee_running > 0)
		el->el_waits++;
	while (ee->ee_running > 0)
		cv_wait(&el->el_cv, &el->el_mtx);
	TAILQ_REMOVE(&el->el_entries, ee, ee_link);
	mtx_unlock(&el->el_mtx);
	CTR1(KTR_GEN, "evh_deregister: %p", ee);
	free(ee, M_EVH);
}

/* Returns the number of handlers called. */
static int
evh_invoke(struct evh_list *el, int event)
{
	struct evh_entry *ee, *next;
	int ncalls = 0;

	mtx_lock(&el->el_mtx);
	ee = TAILQ_FIRST(&el->el_entries);
	while (ee != NULL) {
		if (ee->ee_dead) {
			ee = TAILQ_NEXT(ee, ee_link);
			continue;
		}
		/* Our running count keeps ee on the list while the mutex is dropped. */
		ee->ee_running++;
		el->el_calls++;
		ncalls++;
		mtx_unlock(&el->el_mtx);

		ee->ee_func(ee->ee_arg, event);

		mtx_lock(&el->el_mtx);
		next = TAILQ_NEXT(ee, ee_link);
		KASSERT(ee->ee_running > 0, ("evh_invoke: %p running count", ee));
		if (--ee->ee_running == 0 && ee->ee_dead)
			cv_broadcast(&el->el_cv);
		ee = next;
	}
	mtx_unlock(&el->el_mtx);
	return (ncalls);
}

static void
evh_handler(void *arg, int event)
{
	struct evh_client *c = arg;
	int late;

	mtx_lock(&c->c_mtx);
	late = c->c_gone;
	if (late)
		c->c_late++;
	c->c_calls++;
	mtx_unlock(&c->c_mtx);
	if (late)
		printf("bsd_evhandler: handler of client %p ran after its deregister\n", c);
	/* Now and then take a while, so that a deregister has a running call to wait for. */
	if (event % 64 == 0)
		pause("evhcall", 1);
}

static void
evh_thread_done(struct evh_softc *sc)
{

	mtx_lock(&sc->sc_mtx);
	sc->sc_running--;
	wakeup(&sc->sc_running);	/* the deregisterer waits for the invokers too */
	mtx_unlock(&sc->sc_mtx);
	kthread_exit();
}

static void
evh_invoker(void *arg)
{
	struct evh_softc *sc = evh_sc;
	long id = (long)arg;
	int event, stop;

	for (event = (int)id;; event += EVH_NINVOKERS) {
		mtx_lock(&sc->sc_mtx);
		stop = sc->sc_stop;
		if (!stop)
			sc->sc_invocations++;
		mtx_unlock(&sc->sc_mtx);
		if (stop)
			break;
		if (evh_invoke(&sc->sc_list, event) == 0)
			pause("evhidle", 1);	/* nothing registered: do not spin */
	}
	evh_thread_done(sc);
}

static void
evh_deregisterer(void *arg __unused)
{
	struct evh_softc *sc = evh_sc;
	struct evh_entry **entries = sc->sc_entries;
	struct evh_client *c;
	u_long calls, late;
	int cycle, i;

	for (cycle = 0; cycle < EVH_CYCLES; cycle++) {
		for (i = 0; i < EVH_NCLIENTS; i++) {
			c = &sc->sc_clients[i];
			evh_deregister(&sc->sc_list, entries[i]);
			/* From here on, a call of c's handler is a bug. */
			mtx_lock(&c->c_mtx);
			c->c_gone = 1;
			mtx_unlock(&c->c_mtx);
			if (i == 0)
				pause("evhgone", 1);	/* give late calls a chance to show */
			mtx_lock(&c->c_mtx);
			c->c_gone = 0;
			mtx_unlock(&c->c_mtx);
			entries[i] = evh_register(&sc->sc_list, evh_handler, c);
		}
	}
	for (i = 0; i < EVH_NCLIENTS; i++) {
		c = &sc->sc_clients[i];
		evh_deregister(&sc->sc_list, entries[i]);
		mtx_lock(&c->c_mtx);
		c->c_gone = 1;
		mtx_unlock(&c->c_mtx);
	}

	/* Stop the invokers and wait for them. */
	mtx_lock(&sc->sc_mtx);
	sc->sc_stop = 1;
	while (sc->sc_running > 1)
		mtx_sleep(&sc->sc_running, &sc->sc_mtx, PWAIT, "evhstop", hz);
	mtx_unlock(&sc->sc_mtx);

	calls = late = 0;
	for (i = 0; i < EVH_NCLIENTS; i++) {
		c = &sc->sc_clients[i];
		mtx_lock(&c->c_mtx);
		calls += c->c_calls;
		late += c->c_late;
		mtx_unlock(&c->c_mtx);
	}
	mtx_lock(&sc->sc_list.el_mtx);
	sc->sc_passed = late == 0 && calls == sc->sc_list.el_calls && calls > 0 &&
	    TAILQ_EMPTY(&sc->sc_list.el_entries);
	printf("bsd_evhandler: %d invokers made %lu invocations, %lu handler calls "
	    "(list counted %lu); %d clients deregistered %d times each, %lu deregisters "
	    "waited for running calls; %lu late calls\n", EVH_NINVOKERS,
	    sc->sc_invocations, calls, sc->sc_list.el_calls, EVH_NCLIENTS, EVH_CYCLES + 1,
	    sc->sc_list.el_waits, late);
	mtx_unlock(&sc->sc_list.el_mtx);
	printf("bsd_evhandler: %s\n", sc->sc_passed ? "PASS" : "FAIL");

	evh_thread_done(sc);
}

static int
evh_attach(void)
{
	struct evh_softc *sc;
	int error, i;

	sc = malloc(sizeof(*sc), M_EVH, M_WAITOK | M_ZERO);
	evh_list_init(&sc->sc_list);
	mtx_init(&sc->sc_mtx, "evh softc", NULL, MTX_DEF);
	for (i = 0; i < EVH_NCLIENTS; i++)
		mtx_init(&sc->sc_clients[i].c_mtx, "evh client", NULL, MTX_DEF | MTX_DUPOK);
	for (i = 0; i < EVH_NCLIENTS; i++)
		sc->sc_entries[i] = evh_register(&sc->sc_list, evh_handler,
		    &sc->sc_clients[i]);
	evh_sc = sc;

	printf("bsd_evhandler: starting %d invokers and a deregistering thread\n",
	    EVH_NINVOKERS);
	sc->sc_running = EVH_NINVOKERS + 1;
	error = kthread_add(evh_deregisterer, NULL, NULL, NULL, 0, 0, "evhdereg");
	for (i = 0; error == 0 && i < EVH_NINVOKERS; i++)
		error = kthread_add(evh_invoker, (void *)(long)i, NULL, NULL, 0, 0,
		    "evhinvoke%d", i);
	if (error != 0)
		panic("bsd_evhandler: kthread_add: %d", error);
	return (0);
}

static void
evh_detach(void)
{
	struct evh_softc *sc = evh_sc;
	int i;

	if (sc == NULL)
		return;

	mtx_lock(&sc->sc_mtx);
	while (sc->sc_running > 0)
		mtx_sleep(&sc->sc_running, &sc->sc_mtx, PWAIT, "evhdet", hz);
	mtx_unlock(&sc->sc_mtx);
	/* Let the last thread return from mtx_unlock() and leave through kthread_exit(). */
	pause("evhexit", 1);

	for (i = 0; i < EVH_NCLIENTS; i++)
		mtx_destroy(&sc->sc_clients[i].c_mtx);
	mtx_destroy(&sc->sc_mtx);
	evh_list_destroy(&sc->sc_list);
	free(sc, M_EVH);
	evh_sc = NULL;
	printf("bsd_evhandler: detached\n");
}

static int
evh_modevent(module_t mod __unused, int type, void *arg __unused)
{
	switch (type) {
	case MOD_LOAD:
		return (evh_attach());
	case MOD_UNLOAD:
		evh_detach();
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t evh_mod = {
	"bsd_evhandler",
	evh_modevent,
	NULL
};
DECLARE_MODULE(bsd_evhandler, evh_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(bsd_evhandler, 1);
