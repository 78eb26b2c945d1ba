/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * bsd_idalloc: a unit-number allocator written as a FreeBSD kernel file.
 *
 * IDs come from a bitstring under an MTX_DEF mutex; every allocated ID is backed by an
 * object on a TAILQ, so the list and the bitmap must always agree. Worker kernel threads
 * allocate and free IDs in a pseudo-random pattern; each ID records its owner, and a thread
 * that is handed an ID someone else holds, or finds its ID taken from it, counts an error.
 * The last worker to finish checks that the bitmap, the list and the counters are back to
 * empty and prints "bsd_idalloc: PASS".
 *
 * Only FreeBSD headers, and nothing else: the module declaration (DECLARE_MODULE) makes it
 * a complete module, attaching on MOD_LOAD and detaching on MOD_UNLOAD (bsdsync delivers
 * them at module load and unload).
 */
#include <sys/cdefs.h>
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/malloc.h>
#include <sys/queue.h>
#include <sys/bitstring.h>
#include <sys/ktr.h>
#include <sys/sysctl.h>
#include <sys/kthread.h>

#define	IDA_NIDS	64		/* small, so that the map fills up */
#define	IDA_NWORKERS	4
#define	IDA_HOLD	24		/* IDs one worker holds at most */
#define	IDA_ROUNDS	20000		/* operations per worker */

static MALLOC_DEFINE(M_IDALLOC, "idalloc", "example ID allocator");

struct ida_obj {
	TAILQ_ENTRY(ida_obj) io_link;
	int		io_id;
	int		io_owner;
};

struct ida_softc;

struct ida_worker {
	struct ida_softc *w_sc;
	int		w_idx;
	uint32_t	w_seed;
	struct ida_obj	*w_held[IDA_HOLD];
	int		w_nheld;
};

struct ida_softc {
	struct mtx	sc_mtx;		/* protects everything below */
	bitstr_t	*sc_map;	/* bit set: ID in use */
	int		sc_owner[IDA_NIDS]; /* worker holding each ID, -1 if free */
	TAILQ_HEAD(, ida_obj) sc_objs;	/* one object per allocated ID */
	int		sc_inuse;
	int		sc_maxinuse;
	u_long		sc_allocs;
	u_long		sc_frees;
	u_long		sc_full;	/* allocations refused: map full */
	u_long		sc_errors;
	int		sc_running;	/* workers not yet finished */
	int		sc_passed;
	struct ida_worker sc_workers[IDA_NWORKERS];
};

static struct ida_softc *ida_sc;

static int ida_nids = IDA_NIDS;
static int ida_nworkers = IDA_NWORKERS;

static SYSCTL_NODE(_debug, OID_AUTO, idalloc, CTLFLAG_RD | CTLFLAG_MPSAFE, NULL,
    "example ID allocator");
SYSCTL_INT(_debug_idalloc, OID_AUTO, nids, CTLFLAG_RD, &ida_nids, 0,
    "number of IDs");
SYSCTL_INT(_debug_idalloc, OID_AUTO, nworkers, CTLFLAG_RD, &ida_nworkers, 0,
    "number of worker threads");

/* Allocate an ID for owner; 0, or ENOSPC when every ID is in use. */
static int
ida_alloc(struct ida_softc *sc, int owner, struct ida_obj **objp)
{
	struct ida_obj *io;
	int id;

	/* May sleep: allocate before taking the mutex. */
	io = malloc(sizeof(*io), M_IDALLOC, M_WAITOK | M_ZERO);

	mtx_lock(&sc->sc_mtx);
	bit_ffc(sc->sc_map, IDA_NIDS, &id);
	if (id == -1) {
		sc->sc_full++;
		mtx_unlock(&sc->sc_mtx);
		free(io, M_IDALLOC);
		return (ENOSPC);
	}
	KASSERT(!bit_test(sc->sc_map, id), ("ida_alloc: bit_ffc gave used id %d", id));
	if (sc->sc_owner[id] != -1) {
		printf("bsd_idalloc: id %d handed to worker %d while worker %d holds it\n",
		    id, owner, sc->sc_owner[id]);
		sc->sc_errors++;
	}
	bit_set(sc->sc_map, id);
	sc->sc_owner[id] = owner;
	io->io_id = id;
	io->io_owner = owner;
	TAILQ_INSERT_TAIL(&sc->sc_objs, io, io_link);
	if (++sc->sc_inuse > sc->sc_maxinuse)
		sc->sc_maxinuse = sc->sc_inuse;
	sc->sc_allocs++;
	CTR2(KTR_DEV, "ida_alloc: id %d owner %d", id, owner);
	mtx_unlock(&sc->sc_mtx);

	*objp = io;
	return (0);
}

static void
ida_free(struct ida_softc *sc, struct ida_obj *io)
{
	int id = io->io_id;

	mtx_lock(&sc->sc_mtx);
	mtx_assert(&sc->sc_mtx, MA_OWNED);
	KASSERT(id >= 0 && id < IDA_NIDS, ("ida_free: bad id %d", id));
	if (!bit_test(sc->sc_map, id) || sc->sc_owner[id] != io->io_owner) {
		printf("bsd_idalloc: worker %d frees id %d: %s, owner %d\n", io->io_owner,
		    id, bit_test(sc->sc_map, id) ? "in use" : "free", sc->sc_owner[id]);
		sc->sc_errors++;
	}
	bit_clear(sc->sc_map, id);
	sc->sc_owner[id] = -1;
	TAILQ_REMOVE(&sc->sc_objs, io, io_link);
	sc->sc_inuse--;
	sc->sc_frees++;
	CTR1(KTR_DEV, "ida_free: id %d", id);
	mtx_unlock(&sc->sc_mtx);

	free(io, M_IDALLOC);
}

static uint32_t
ida_random(struct ida_worker *w)
{

	/* A private LCG: the pattern only needs to be irregular. */
	w->w_seed = w->w_seed * 1103515245u + 12345u;
	return (w->w_seed >> 16);
}

/* Called with the mutex held by the last worker: is everything back to empty? */
static void
ida_check(struct ida_softc *sc)
{
	struct ida_obj *io;
	int first, nset, nobjs;

	mtx_assert(&sc->sc_mtx, MA_OWNED);
	bit_ffs(sc->sc_map, IDA_NIDS, &first);
	bit_count(sc->sc_map, 0, IDA_NIDS, &nset);
	nobjs = 0;
	TAILQ_FOREACH(io, &sc->sc_objs, io_link)
		nobjs++;
	sc->sc_passed = sc->sc_errors == 0 && first == -1 && nset == 0 && nobjs == 0 &&
	    sc->sc_inuse == 0 && sc->sc_allocs == sc->sc_frees && sc->sc_allocs > 0;
	printf("bsd_idalloc: %d workers, %d ids: %lu allocations, %lu frees, %lu refused "
	    "(map full), at most %d in use, %lu errors, %d bits and %d objects left\n",
	    IDA_NWORKERS, IDA_NIDS, sc->sc_allocs, sc->sc_frees, sc->sc_full,
	    sc->sc_maxinuse, sc->sc_errors, nset, nobjs);
	printf("bsd_idalloc: %s\n", sc->sc_passed ? "PASS" : "FAIL");
}

static void
ida_worker(void *arg)
{
	struct ida_worker *w = arg;
	struct ida_softc *sc = w->w_sc;
	struct ida_obj *io;
	int i, k;

	for (i = 0; i < IDA_ROUNDS; i++) {
		if (w->w_nheld < IDA_HOLD && (w->w_nheld == 0 || ida_random(w) % 3 != 0)) {
			if (ida_alloc(sc, w->w_idx, &io) == 0)
				w->w_held[w->w_nheld++] = io;
		} else {
			k = ida_random(w) % w->w_nheld;
			io = w->w_held[k];
			w->w_held[k] = w->w_held[--w->w_nheld];
			ida_free(sc, io);
		}
	}
	while (w->w_nheld > 0)
		ida_free(sc, w->w_held[--w->w_nheld]);

	mtx_lock(&sc->sc_mtx);
	if (--sc->sc_running == 0) {
		ida_check(sc);
		wakeup(&sc->sc_running);
	}
	mtx_unlock(&sc->sc_mtx);
	kthread_exit();
}

static int
ida_attach(void)
{
	struct ida_softc *sc;
	int error, i;

	sc = malloc(sizeof(*sc), M_IDALLOC, M_WAITOK | M_ZERO);
	mtx_init(&sc->sc_mtx, "idalloc", NULL, MTX_DEF);
	sc->sc_map = bit_alloc(IDA_NIDS, M_IDALLOC, M_WAITOK);
	TAILQ_INIT(&sc->sc_objs);
	for (i = 0; i < IDA_NIDS; i++)
		sc->sc_owner[i] = -1;
	ida_sc = sc;

	printf("bsd_idalloc: starting %d workers on %d ids\n", IDA_NWORKERS, IDA_NIDS);
	sc->sc_running = IDA_NWORKERS;
	for (i = 0; i < IDA_NWORKERS; i++) {
		sc->sc_workers[i].w_sc = sc;
		sc->sc_workers[i].w_idx = i;
		sc->sc_workers[i].w_seed = 7919 * (i + 1);
		error = kthread_add(ida_worker, &sc->sc_workers[i], NULL, NULL, 0, 0,
		    "idalloc%d", i);
		if (error != 0)
			panic("bsd_idalloc: kthread_add: %d", error);
	}
	return (0);
}

static void
ida_detach(void)
{
	struct ida_softc *sc = ida_sc;

	if (sc == NULL)
		return;

	/* The workers' last act under the mutex is the wakeup: wait for all of them. */
	mtx_lock(&sc->sc_mtx);
	while (sc->sc_running > 0)
		mtx_sleep(&sc->sc_running, &sc->sc_mtx, PWAIT, "idadet", hz);
	mtx_unlock(&sc->sc_mtx);
	/* Let the last worker return from mtx_unlock() and leave through kthread_exit(). */
	pause("idaexit", 1);

	free(sc->sc_map, M_IDALLOC);
	mtx_destroy(&sc->sc_mtx);
	free(sc, M_IDALLOC);
	ida_sc = NULL;
	printf("bsd_idalloc: detached\n");
}

static int
ida_modevent(module_t mod __unused, int type, void *arg __unused)
{
	switch (type) {
	case MOD_LOAD:
		return (ida_attach());
	case MOD_UNLOAD:
		ida_detach();
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t ida_mod = {
	"bsd_idalloc",
	ida_modevent,
	NULL
};
DECLARE_MODULE(bsd_idalloc, ida_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(bsd_idalloc, 1);
