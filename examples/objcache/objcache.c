// SPDX-License-Identifier: BSD-2-Clause
/*
 * bsd_objcache: an example of a FreeBSD driver ported to Linux with bsdsync, using the
 * shared locks the way FreeBSD subsystems do (the vnode cache is the model):
 *
 *  - a hash table of objects under an rw lock: lookups take it shared, insertion and
 *    removal exclusive; never held across a sleep;
 *  - each object has a lockmgr lock (shared to read its contents, exclusive to rewrite
 *    them, LK_UPGRADE from shared when a reader decides to write) and an interlock mutex
 *    protecting its reference count; a lookup references the object under the hash lock
 *    and then locks it with LK_INTERLOCK, like vget(9);
 *  - a reclaimer replaces old objects under an sx lock (held across sleeps): it unhashes
 *    one, waits for its last reference, drains its lockmgr lock with LK_DRAIN (vgone),
 *    destroys it and hashes a fresh one;
 *  - the cache's tunables are read by every operation and changed rarely: an rm lock.
 *
 * Every object carries a checksum of its contents; readers verify it under the shared
 * lock, writers update contents and checksum under the exclusive lock. At the end the
 * driver checks that no torn object was ever seen, that every writer update is accounted
 * for, and prints "bsd_objcache: PASS". Only thread creation and module entry are Linux.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/sx.h>
#include <sys/rmlock.h>
#include <sys/lockmgr.h>
#include <sys/proc.h>

#define NBUCKETS	16
#define NOBJECTS	32
#define NWORDS		8
#define NREADERS	3
#define NWRITERS	2
#define NOPS		30000	/* per reader/writer thread */

struct oc_obj {
	struct lock	o_lock;		/* contents: o_words, o_sum, o_updates */
	struct mtx	o_ilock;	/* interlock: o_refs */
	int		o_refs;
	int		o_key;
	struct oc_obj	*o_next;	/* hash chain, under oc_hash_lock */
	unsigned long	o_words[NWORDS];
	unsigned long	o_sum;
	unsigned long	o_updates;
};

struct oc_softc {
	struct rmlock	sc_cfg_lock;	/* sc_cfg_* */
	int		sc_cfg_stride;
	unsigned long	sc_cfg_generation;

	struct rwlock	sc_hash_lock;	/* sc_hash */
	struct oc_obj	*sc_hash[NBUCKETS];

	struct sx	sc_reclaim_lock; /* one reclaimer at a time; may sleep holding it */

	struct mtx	sc_stats_mtx;	/* the counters below, and thread completion */
	unsigned long	sc_reads, sc_writes, sc_upgrades, sc_torn, sc_misses;
	unsigned long	sc_reclaimed, sc_updates_reclaimed;
	int		sc_running;
	int		sc_done;

	struct task_struct *sc_threads[NREADERS + NWRITERS + 2];
};

static struct oc_softc *oc_sc;

static unsigned long
oc_sum(const struct oc_obj *o)
{
	unsigned long s = o->o_key;

	for (int i = 0; i < NWORDS; i++)
		s = s * 31 + o->o_words[i];
	return s;
}

static struct oc_obj *
oc_alloc(int key)
{
	struct oc_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (o == NULL)
		return NULL;
	lockinit(&o->o_lock, PVFS, "ocobj", 0, 0);
	mtx_init(&o->o_ilock, "oc interlock", NULL, MTX_DEF);
	o->o_key = key;
	for (int i = 0; i < NWORDS; i++)
		o->o_words[i] = key * 1000 + i;
	o->o_sum = oc_sum(o);
	return o;
}

static void
oc_hash_insert(struct oc_softc *sc, struct oc_obj *o)
{
	rw_assert(&sc->sc_hash_lock, RA_WLOCKED);
	o->o_next = sc->sc_hash[o->o_key % NBUCKETS];
	sc->sc_hash[o->o_key % NBUCKETS] = o;
}

/* vget(9)-style lookup: reference under the hash lock, then lock with the interlock. */
static struct oc_obj *
oc_get(struct oc_softc *sc, int key, int flags)
{
	struct oc_obj *o;
	int error;

	rw_rlock(&sc->sc_hash_lock);
	for (o = sc->sc_hash[key % NBUCKETS]; o != NULL; o = o->o_next)
		if (o->o_key == key)
			break;
	if (o == NULL) {
		rw_runlock(&sc->sc_hash_lock);
		return NULL;
	}
	mtx_lock(&o->o_ilock);
	o->o_refs++;
	rw_runlock(&sc->sc_hash_lock);
	error = lockmgr(&o->o_lock, flags | LK_INTERLOCK, &o->o_ilock);
	if (error != 0)
		panic("bsd_objcache: lockmgr %d", error);
	mtx_assert(&o->o_ilock, MA_NOTOWNED);
	return o;
}

static void
oc_put(struct oc_obj *o)
{
	lockmgr(&o->o_lock, LK_RELEASE, NULL);
	mtx_lock(&o->o_ilock);
	if (--o->o_refs == 0)
		wakeup(&o->o_refs);
	mtx_unlock(&o->o_ilock);
}

static int
oc_cfg_stride(struct oc_softc *sc)
{
	struct rm_priotracker tr;
	int stride;

	rm_rlock(&sc->sc_cfg_lock, &tr);
	stride = sc->sc_cfg_stride;
	rm_runlock(&sc->sc_cfg_lock, &tr);
	return stride;
}

static void
oc_count(struct oc_softc *sc, unsigned long *counter, unsigned long n)
{
	mtx_lock(&sc->sc_stats_mtx);
	*counter += n;
	mtx_unlock(&sc->sc_stats_mtx);
}

static void
oc_report(struct oc_softc *sc)
{
	unsigned long updates = sc->sc_updates_reclaimed;
	int ok;

	rw_rlock(&sc->sc_hash_lock);
	for (int b = 0; b < NBUCKETS; b++)
		for (struct oc_obj *o = sc->sc_hash[b]; o != NULL; o = o->o_next)
			updates += o->o_updates;
	rw_runlock(&sc->sc_hash_lock);
	ok = sc->sc_torn == 0 && updates == sc->sc_writes + sc->sc_upgrades &&
	    sc->sc_reads + sc->sc_misses == (unsigned long)NREADERS * NOPS;
	pr_info("bsd_objcache: %d readers and %d writers did %lu reads (%lu upgraded to write), "
		"%lu writes, %lu lookups missed; the reclaimer drained and replaced %lu objects; "
		"config retuned %lu times; torn objects seen: %lu; updates accounted: %lu of %lu\n",
		NREADERS, NWRITERS, sc->sc_reads, sc->sc_upgrades, sc->sc_writes, sc->sc_misses,
		sc->sc_reclaimed, sc->sc_cfg_generation, sc->sc_torn, updates,
		sc->sc_writes + sc->sc_upgrades);
	pr_info("bsd_objcache: %s\n", ok ? "PASS" : "FAIL");
}

/* The last thread to finish checks the work and reports it. */
static void
oc_thread_done(struct oc_softc *sc)
{
	int last;

	mtx_lock(&sc->sc_stats_mtx);
	last = --sc->sc_running == 0;
	mtx_unlock(&sc->sc_stats_mtx);
	if (!last)
		return;
	oc_report(sc);
	mtx_lock(&sc->sc_stats_mtx);
	sc->sc_done = 1;
	wakeup(&sc->sc_done);
	mtx_unlock(&sc->sc_stats_mtx);
}

static int
oc_reader(void *arg)
{
	struct oc_softc *sc = oc_sc;
	int key = (long)arg;

	for (int i = 0; i < NOPS; i++) {
		struct oc_obj *o;

		key = (key + oc_cfg_stride(sc)) % NOBJECTS;
		o = oc_get(sc, key, LK_SHARED);
		if (o == NULL) {
			oc_count(sc, &sc->sc_misses, 1);	/* being reclaimed right now */
			continue;
		}
		if (lockstatus(&o->o_lock) != LK_SHARED || o->o_sum != oc_sum(o))
			oc_count(sc, &sc->sc_torn, 1);
		/* Now and then a reader decides to write: upgrade, as FreeBSD code does. */
		if ((i & 63) == 0) {
			if (lockmgr(&o->o_lock, LK_UPGRADE, NULL) == 0) {
				o->o_words[i % NWORDS]++;
				o->o_sum = oc_sum(o);
				o->o_updates++;
				oc_count(sc, &sc->sc_upgrades, 1);
			} else {
				/* The shared lock was lost; take it again. */
				lockmgr(&o->o_lock, LK_SHARED, NULL);
			}
		}
		oc_put(o);
		oc_count(sc, &sc->sc_reads, 1);
	}
	oc_thread_done(sc);
	return 0;
}

static int
oc_writer(void *arg)
{
	struct oc_softc *sc = oc_sc;
	int key = (long)arg;

	for (int i = 0; i < NOPS; i++) {
		struct oc_obj *o;

		key = (key * 7 + 3) % NOBJECTS;
		o = oc_get(sc, key, LK_EXCLUSIVE);
		if (o == NULL)
			continue;
		for (int w = 0; w < NWORDS; w++)
			o->o_words[w] += w + 1;
		o->o_sum = oc_sum(o);
		o->o_updates++;
		/* Let readers in while the last update is verified. */
		lockmgr(&o->o_lock, LK_DOWNGRADE, NULL);
		if (o->o_sum != oc_sum(o))
			oc_count(sc, &sc->sc_torn, 1);
		oc_put(o);
		oc_count(sc, &sc->sc_writes, 1);
	}
	oc_thread_done(sc);
	return 0;
}

/* vgone(9)-style: unhash, wait for the last reference, drain, destroy; hash a new one. */
static int
oc_reclaimer(void *arg)
{
	struct oc_softc *sc = oc_sc;

	for (int round = 0; READ_ONCE(sc->sc_running) > 2; round++) {
		struct oc_obj **pp, *o, *n;
		int key = (round * 5) % NOBJECTS;
		unsigned long updates;

		sx_xlock(&sc->sc_reclaim_lock);
		n = oc_alloc(key);
		rw_wlock(&sc->sc_hash_lock);
		for (pp = &sc->sc_hash[key % NBUCKETS]; (o = *pp) != NULL; pp = &o->o_next)
			if (o->o_key == key)
				break;
		if (o != NULL)
			*pp = o->o_next;
		rw_wunlock(&sc->sc_hash_lock);
		if (o != NULL) {
			mtx_lock(&o->o_ilock);
			while (o->o_refs > 0)
				msleep(&o->o_refs, &o->o_ilock, PVFS, "ocrefs", 0);
			mtx_unlock(&o->o_ilock);
			lockmgr(&o->o_lock, LK_DRAIN, NULL);
			updates = o->o_updates;
			lockmgr(&o->o_lock, LK_RELEASE, NULL);
			lockdestroy(&o->o_lock);
			mtx_destroy(&o->o_ilock);
			kfree(o);
			mtx_lock(&sc->sc_stats_mtx);
			sc->sc_reclaimed++;
			sc->sc_updates_reclaimed += updates;
			mtx_unlock(&sc->sc_stats_mtx);
		}
		/* A sleepable lock: pausing while holding it is allowed. */
		pause("ocidle", 1);
		rw_wlock(&sc->sc_hash_lock);
		oc_hash_insert(sc, n);
		rw_wunlock(&sc->sc_hash_lock);
		sx_xunlock(&sc->sc_reclaim_lock);
		pause("ocnext", 1);
	}
	oc_thread_done(sc);
	return 0;
}

/* Retunes the cache now and then: the rare writer of the rm lock. */
static int
oc_tuner(void *arg)
{
	struct oc_softc *sc = oc_sc;

	while (READ_ONCE(sc->sc_running) > 2) {
		rm_wlock(&sc->sc_cfg_lock);
		sc->sc_cfg_stride = sc->sc_cfg_stride % 5 + 1;
		sc->sc_cfg_generation++;
		rm_wunlock(&sc->sc_cfg_lock);
		pause("octune", 2);
	}
	oc_thread_done(sc);
	return 0;
}

/*
 * Linux glue: start a thread holding a reference to it first. A thread may finish its work
 * and exit before the caller even looks at it; the reference keeps its task struct for
 * kthread_stop() at unload.
 */
static struct task_struct *
oc_start(int (*fn)(void *), long arg, const char *name)
{
	struct task_struct *t = kthread_create(fn, (void *)arg, "%s%ld", name, arg);

	if (IS_ERR(t))
		panic("bsd_objcache: cannot start threads");
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

static int __init
oc_init(void)
{
	struct oc_softc *sc;
	int n = 0;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (sc == NULL)
		return -ENOMEM;
	rm_init(&sc->sc_cfg_lock, "oc config");
	rw_init(&sc->sc_hash_lock, "oc hash");
	sx_init(&sc->sc_reclaim_lock, "oc reclaim");
	mtx_init(&sc->sc_stats_mtx, "oc stats", NULL, MTX_DEF);
	sc->sc_cfg_stride = 1;
	rw_wlock(&sc->sc_hash_lock);
	for (int k = 0; k < NOBJECTS; k++) {
		struct oc_obj *o = oc_alloc(k);

		if (o == NULL)
			panic("bsd_objcache: out of memory");
		oc_hash_insert(sc, o);
	}
	rw_wunlock(&sc->sc_hash_lock);
	sc->sc_running = NREADERS + NWRITERS + 2;
	oc_sc = sc;
	pr_info("bsd_objcache: %d objects, %d readers, %d writers, a reclaimer and a tuner\n",
		NOBJECTS, NREADERS, NWRITERS);
	for (long i = 0; i < NREADERS; i++)
		sc->sc_threads[n++] = oc_start(oc_reader, i, "oc_read");
	for (long i = 0; i < NWRITERS; i++)
		sc->sc_threads[n++] = oc_start(oc_writer, i, "oc_write");
	sc->sc_threads[n++] = oc_start(oc_reclaimer, 0, "oc_reclaim");
	sc->sc_threads[n++] = oc_start(oc_tuner, 0, "oc_tune");
	return 0;
}

static void __exit
oc_exit(void)
{
	struct oc_softc *sc = oc_sc;

	mtx_lock(&sc->sc_stats_mtx);
	while (!sc->sc_done)
		msleep(&sc->sc_done, &sc->sc_stats_mtx, PWAIT, "ocexit", hz);
	mtx_unlock(&sc->sc_stats_mtx);
	for (int i = 0; i < NREADERS + NWRITERS + 2; i++) {
		kthread_stop(sc->sc_threads[i]);
		put_task_struct(sc->sc_threads[i]);
	}
	for (int b = 0; b < NBUCKETS; b++) {
		struct oc_obj *o, *next;

		for (o = sc->sc_hash[b]; o != NULL; o = next) {
			next = o->o_next;
			lockdestroy(&o->o_lock);
			mtx_destroy(&o->o_ilock);
			kfree(o);
		}
	}
	mtx_destroy(&sc->sc_stats_mtx);
	sx_destroy(&sc->sc_reclaim_lock);
	rw_destroy(&sc->sc_hash_lock);
	rm_destroy(&sc->sc_cfg_lock);
	kfree(sc);
	pr_info("bsd_objcache: unloaded\n");
}

module_init(oc_init);
module_exit(oc_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("bsdsync example: a FreeBSD-style object cache with sx, rw, rm and lockmgr");
