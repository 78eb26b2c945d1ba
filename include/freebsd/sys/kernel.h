/*
 * <sys/kernel.h> for ported FreeBSD drivers: hz, tick_sbt, and SYSINIT/SYSUNINIT.
 *
 * A driver's SYSINITs run when its module is loaded, before its module_init function, in
 * (subsystem, order) order; its SYSUNINITs run in reverse after its module_exit function
 * (include/bsdsync/sysinit.h explains how bsdsync finds them). bsdsync.ko must be loaded
 * first, which the symbol dependency guarantees. A module declaration (DECLARE_MODULE,
 * <sys/module.h>) takes its place among them with these same subsystem and order values.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_KERNEL_H_
#define _BSDSYNC_FREEBSD_SYS_KERNEL_H_

#include <sys/param.h>
#include <sys/time.h>
#include <bsdsync/sysinit.h>

/* Subsystems (FreeBSD values; the ones a driver module uses). */
enum sysinit_sub_id {
	SI_SUB_DUMMY		= 0x0000000,
	SI_SUB_DONE		= 0x0000001,
	SI_SUB_TUNABLES		= 0x0700000,
	SI_SUB_VM		= 0x1000000,
	SI_SUB_KMEM		= 0x1800000,
	SI_SUB_WITNESS		= 0x1A80000,
	SI_SUB_MTX_POOL_DYNAMIC	= 0x1AC0000,
	SI_SUB_LOCK		= 0x1B00000,
	SI_SUB_EVENTHANDLER	= 0x1C00000,
	SI_SUB_KLD		= 0x2000000,
	SI_SUB_CPU		= 0x2100000,
	SI_SUB_INTRINSIC	= 0x2800000,
	SI_SUB_DRIVERS		= 0x3100000,
	SI_SUB_CONFIGURE	= 0x3800000,
	SI_SUB_PSEUDO		= 0x7000000,
	SI_SUB_PROTO_BEGIN	= 0x8000000,
	SI_SUB_ROOT_CONF	= 0xb000000,
	SI_SUB_SMP		= 0xf000000,
	SI_SUB_LAST		= 0xfffffff
};

enum sysinit_elem_order {
	SI_ORDER_FIRST		= 0x0000000,
	SI_ORDER_SECOND		= 0x0000001,
	SI_ORDER_THIRD		= 0x0000002,
	SI_ORDER_FOURTH		= 0x0000003,
	SI_ORDER_FIFTH		= 0x0000004,
	SI_ORDER_SIXTH		= 0x0000005,
	SI_ORDER_SEVENTH	= 0x0000006,
	SI_ORDER_EIGHTH		= 0x0000007,
	SI_ORDER_MIDDLE		= 0x1000000,
	SI_ORDER_ANY		= 0xfffffff
};

typedef void (*sysinit_cfunc_t)(const void *);
typedef void (*sysinit_nfunc_t)(void *);

#define __BSDSYNC_SYSINIT(kind, uniq, sub, order, func, ident)				\
	static const struct bsdsync_sysinit *__bsdsync_##kind##_##uniq(void);		\
	static const struct bsdsync_sysinit __bsdsync_##kind##_rec_##uniq = {		\
		(sub), (order), (sysinit_cfunc_t)(sysinit_nfunc_t)(func),		\
		(const void *)(ident), __bsdsync_##kind##_##uniq, 0 };			\
	static __attribute__((__used__, __noinline__)) const struct bsdsync_sysinit *		\
	__bsdsync_##kind##_##uniq(void)							\
	{										\
		return &__bsdsync_##kind##_rec_##uniq;					\
	}

#define SYSINIT(uniquifier, subsystem, order, func, ident)				\
	__BSDSYNC_SYSINIT(sysinit, uniquifier, subsystem, order, func, ident)
#define SYSUNINIT(uniquifier, subsystem, order, func, ident)				\
	__BSDSYNC_SYSINIT(sysuninit, uniquifier, subsystem, order, func, ident)

#endif
