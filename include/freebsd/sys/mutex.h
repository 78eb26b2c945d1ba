/*
 * <sys/mutex.h> for ported FreeBSD drivers: mutex(9), mtx_pool(9), Giant.
 *
 * Every operation calls into bsdsync.ko with the caller's file and line, as FreeBSD
 * modules do; mtx_init records its call site once (a static record per site).
 */
#ifndef _BSDSYNC_FREEBSD_SYS_MUTEX_H_
#define _BSDSYNC_FREEBSD_SYS_MUTEX_H_

#include <sys/types.h>
#include <sys/lock.h>
#include <sys/_mutex.h>
#include <sys/pcpu.h>
#include <sys/kernel.h>

/* The struct mtx behind m (a struct mtx or struct mtx_padalign): naming the member
 * mtx_lock rejects any other type at compile time, as FreeBSD's mtxlock2mtx does. */
#define __bsd_mtx(m)								\
	((struct mtx *)((char *)&(m)->mtx_lock - __builtin_offsetof(struct mtx, mtx_lock)))

#define mtx_init(m, name, type, opts)						\
	fbsd_mtx_init(__bsd_mtx(m), (name), (type), (opts), BSDSYNC_SITE())
#define mtx_destroy(m)		fbsd_mtx_destroy(__bsd_mtx(m), LOCK_FILE, LOCK_LINE)

#define mtx_lock_flags(m, o)	fbsd_mtx_lock_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_unlock_flags(m, o)	fbsd_mtx_unlock_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_trylock_flags(m, o)	fbsd_mtx_trylock_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_lock_spin_flags(m, o) fbsd_mtx_lock_spin_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_unlock_spin_flags(m, o) fbsd_mtx_unlock_spin_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)
#define mtx_trylock_spin_flags(m, o) fbsd_mtx_trylock_spin_flags(__bsd_mtx(m), (o), LOCK_FILE, LOCK_LINE)

#define mtx_lock(m)		mtx_lock_flags((m), 0)
#define mtx_unlock(m)		mtx_unlock_flags((m), 0)
#define mtx_trylock(m)		mtx_trylock_flags((m), 0)
#define mtx_lock_spin(m)	mtx_lock_spin_flags((m), 0)
#define mtx_unlock_spin(m)	mtx_unlock_spin_flags((m), 0)
#define mtx_trylock_spin(m)	mtx_trylock_spin_flags((m), 0)

#define mtx_initialized(m)	lock_initialized(&(m)->lock_object)
#define mtx_owned(m)		fbsd_mtx_owned(__bsd_mtx(m))
#define mtx_recursed(m)		fbsd_mtx_recursed(__bsd_mtx(m))
#define mtx_owner(m)		fbsd_mtx_owner(__bsd_mtx(m))
#define mtx_name(m)		((m)->lock_object.lo_name)
#define mtx_assert(m, what)	fbsd_mtx_assert(__bsd_mtx(m), (what), LOCK_FILE, LOCK_LINE)
#define mtx_spin_wait_unlocked(m) fbsd_mtx_spin_wait_unlocked(__bsd_mtx(m))

/* mtx_sleep: sleep(9) with a sleep mutex as interlock (in <sys/systm.h>'s terms). */
#define mtx_sleep(chan, mtx, pri, wmesg, timo)					\
	fbsd_sleep((chan), &(mtx)->lock_object, (pri), (wmesg),			\
		   fbsd_tick_sbt * (timo), 0, BSDSYNC_C_HARDCLOCK, LOCK_FILE, LOCK_LINE)

/* MTX_SYSINIT: the mutex is initialised when the driver's module loads (before its
 * module_init) and destroyed when it unloads (after its module_exit). */
#define MTX_SYSINIT(name, mtx, desc, opts)						\
	static const struct bsdsync_lock_site name##_mtx_site = { __FILE__, __LINE__ };	\
	static struct mtx_args name##_args = { (mtx), (desc), (opts), &name##_mtx_site };	\
	SYSINIT(name##_mtx_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_mtx_sysinit,	\
		&name##_args);								\
	SYSUNINIT(name##_mtx_sysuninit, SI_SUB_LOCK, SI_ORDER_MIDDLE, fbsd_mtx_sysuninit, \
		  (mtx))

/* Giant */
#define Giant			fbsd_Giant
#define GIANT_REQUIRED		mtx_assert(&Giant, MA_OWNED)
#define DROP_GIANT()							\
	do {								\
		unsigned int _giantcnt = fbsd_drop_giant(LOCK_FILE, LOCK_LINE)
#define PARTIAL_PICKUP_GIANT()						\
		fbsd_pickup_giant(_giantcnt, LOCK_FILE, LOCK_LINE)
#define PICKUP_GIANT()							\
		PARTIAL_PICKUP_GIANT();					\
	} while (0)

/* mtx_pool(9) */
#define mtx_pool_create(name, size, opts)	fbsd_mtx_pool_create((name), (size), (opts))
#define mtx_pool_destroy(poolp)			fbsd_mtx_pool_destroy((poolp))
#define mtx_pool_find(pool, ptr)		fbsd_mtx_pool_find((pool), (void *)(ptr))
#define mtx_pool_alloc(pool)			fbsd_mtx_pool_alloc((pool))
#define mtx_pool_lock(pool, ptr)		mtx_lock(mtx_pool_find((pool), (ptr)))
#define mtx_pool_lock_spin(pool, ptr)		mtx_lock_spin(mtx_pool_find((pool), (ptr)))
#define mtx_pool_unlock(pool, ptr)		mtx_unlock(mtx_pool_find((pool), (ptr)))
#define mtx_pool_unlock_spin(pool, ptr)		mtx_unlock_spin(mtx_pool_find((pool), (ptr)))
#define mtxpool_sleep				fbsd_mtxpool_sleep

#endif
