/*
 * Compile test: a file written as a FreeBSD kernel file is, including only FreeBSD headers,
 * in the order such a file does, and using the surroundings together with the locks: a
 * small "driver" with a softc list, a unit-number allocator, a bitstring, malloc(9),
 * KASSERT, ktr, sysctl declarations. It also defines its own struct sema (it does not
 * include <sys/sema.h>), which must not collide with anything the other headers bring, and
 * it finds curthread through <sys/mutex.h> alone (FreeBSD: via <sys/pcpu.h>).
 * compile_linux_first.c runs it from a KUnit case.
 */
#include <sys/cdefs.h>
__FBSDID("$FreeBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/bitstring.h>
#include <sys/condvar.h>
#include <sys/kernel.h>
#include <sys/ktr.h>
#include <sys/limits.h>
#include <sys/lock.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/queue.h>
#include <sys/rwlock.h>
#include <sys/sx.h>
#include <sys/sysctl.h>

/* The driver's own semaphore type, named as FreeBSD's (a different <sys/sema.h>). */
struct sema {
	int	s_count;
};

static MALLOC_DEFINE(M_BTDRV, "btdrv", "compile-order test driver");

struct btdrv_softc {
	TAILQ_ENTRY(btdrv_softc) sc_link;
	int		sc_unit;
	struct mtx	sc_mtx;
	struct sema	sc_sema;
	bitstr_t	*sc_slots;
};

static TAILQ_HEAD(, btdrv_softc) btdrv_list = TAILQ_HEAD_INITIALIZER(btdrv_list);
static struct mtx btdrv_list_mtx;
static int btdrv_debug = 0;

SYSCTL_NODE(_hw, OID_AUTO, btdrv, CTLFLAG_RD | CTLFLAG_MPSAFE, 0, "test driver");
SYSCTL_INT(_hw_btdrv, OID_AUTO, debug, CTLFLAG_RWTUN, &btdrv_debug, 0, "debug level");

#define BTDRV_NSLOTS	70

static struct btdrv_softc *
btdrv_attach(struct unrhdr *units)
{
	struct btdrv_softc *sc;

	sc = malloc(sizeof(*sc), M_BTDRV, M_WAITOK | M_ZERO);
	sc->sc_unit = alloc_unr(units);
	sc->sc_slots = bit_alloc(BTDRV_NSLOTS, M_BTDRV, M_WAITOK);
	sc->sc_sema.s_count = 1;
	mtx_init(&sc->sc_mtx, "btdrv", NULL, MTX_DEF);
	CTR2(KTR_DEV, "%s: unit %d", __func__, sc->sc_unit);
	mtx_lock(&btdrv_list_mtx);
	TAILQ_INSERT_TAIL(&btdrv_list, sc, sc_link);
	mtx_unlock(&btdrv_list_mtx);
	return (sc);
}

static int
btdrv_use(struct btdrv_softc *sc)
{
	int slot;

	mtx_lock(&sc->sc_mtx);
	KASSERT(mtx_owner(&sc->sc_mtx) == curthread, ("%s: not owner", __func__));
	bit_ffc(sc->sc_slots, BTDRV_NSLOTS, &slot);
	if (slot >= 0)
		bit_set(sc->sc_slots, slot);
	mtx_unlock(&sc->sc_mtx);
	return (slot);
}

static void
btdrv_detach_all(struct unrhdr *units)
{
	struct btdrv_softc *sc, *tsc;

	mtx_lock(&btdrv_list_mtx);
	TAILQ_FOREACH_SAFE(sc, &btdrv_list, sc_link, tsc) {
		TAILQ_REMOVE(&btdrv_list, sc, sc_link);
		free_unr(units, sc->sc_unit);
		mtx_destroy(&sc->sc_mtx);
		free(sc->sc_slots, M_BTDRV);
		free(sc, M_BTDRV);
	}
	mtx_unlock(&btdrv_list_mtx);
}

int bt_freebsd_order_driver(void);

/* Three units, two slots taken in the second: units * 100 + slots used * 10 + the last slot
 * (321 when right). */
int
bt_freebsd_order_driver(void)
{
	struct unrhdr *units;
	struct btdrv_softc *sc;
	int n = 0, used = 0, slot;

	mtx_init(&btdrv_list_mtx, "btdrv list", NULL, MTX_DEF);
	units = new_unrhdr(0, INT_MAX, NULL);
	btdrv_attach(units);
	sc = btdrv_attach(units);
	btdrv_attach(units);
	btdrv_use(sc);
	slot = btdrv_use(sc);
	TAILQ_FOREACH(sc, &btdrv_list, sc_link)
		n++;
	sc = TAILQ_NEXT(TAILQ_FIRST(&btdrv_list), sc_link);
	bit_count(sc->sc_slots, 0, BTDRV_NSLOTS, &used);
	btdrv_detach_all(units);
	delete_unrhdr(units);
	mtx_destroy(&btdrv_list_mtx);
	return (n * 100 + used * 10 + slot + btdrv_debug);
}
