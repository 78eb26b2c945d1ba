/*
 * <sys/malloc.h> for ported FreeBSD drivers: malloc(9) over Linux kmalloc
 * (include/bsdsync/freebsd/malloc.h has the rules: M_WAITOK never returns NULL, M_NOWAIT never
 * sleeps, misuse is one report).
 *
 * Names: Linux has no malloc/free/realloc functions in the kernel, but its headers use those
 * words for members (ops->free(x)) and in __attribute__((format(...))) lists. The macros
 * here are function-like and dispatch on the number of arguments: FreeBSD's forms (malloc
 * with 3, free with 2, realloc/reallocf with 4) go to bsdsync; any other count leaves the
 * name as it was written (a name is not expanded again inside its own macro), so a Linux
 * header may come before or after this one. A two-argument call of a member named free
 * (ops->free(a, b)) would be taken for FreeBSD's free: that is the one clash left.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_MALLOC_H_
#define _BSDSYNC_FREEBSD_SYS_MALLOC_H_

#include <sys/types.h>
#include <sys/_lock.h>
#include <bsdsync/freebsd/malloc.h>

#define M_MAGIC		BSDSYNC_M_MAGIC
#define M_NOWAIT	BSDSYNC_M_NOWAIT
#define M_WAITOK	BSDSYNC_M_WAITOK
#define M_NORECLAIM	BSDSYNC_M_NORECLAIM
#define M_ZERO		BSDSYNC_M_ZERO
#define M_NOVM		BSDSYNC_M_NOVM
#define M_USE_RESERVE	BSDSYNC_M_USE_RESERVE
#define M_NODUMP	BSDSYNC_M_NODUMP
#define M_FIRSTFIT	BSDSYNC_M_FIRSTFIT
#define M_BESTFIT	BSDSYNC_M_BESTFIT
#define M_EXEC		BSDSYNC_M_EXEC
#define M_NEXTFIT	BSDSYNC_M_NEXTFIT

/* FreeBSD declares a type as a one-element array, so `M_FOO` is a struct malloc_type *. */
#define MALLOC_DEFINE(type, shortdesc, longdesc)				\
	struct malloc_type type[1] = { { (shortdesc), BSDSYNC_M_MAGIC } }
#define MALLOC_DECLARE(type)							\
	extern struct malloc_type type[1]

#define M_CACHE		fbsd_M_CACHE
#define M_DEVBUF	fbsd_M_DEVBUF
#define M_TEMP		fbsd_M_TEMP
#define M_IOV		fbsd_M_IOV
#define M_SUBPROC	fbsd_M_SUBPROC

#define __BSDSYNC_MARG5(a1, a2, a3, a4, a5, ...) a5

#define __bsd_malloc(size, type, flags)						\
	fbsd_malloc((size), (type), (flags), LOCK_FILE, LOCK_LINE)
#define malloc(...)								\
	__BSDSYNC_MARG5(__VA_ARGS__, malloc, __bsd_malloc, malloc, malloc)(__VA_ARGS__)
#define __bsd_free(addr, type)		fbsd_free((addr), (type))
#define free(...)								\
	__BSDSYNC_MARG5(__VA_ARGS__, free, free, __bsd_free, free)(__VA_ARGS__)
#define __bsd_realloc(addr, size, type, flags)					\
	fbsd_realloc((addr), (size), (type), (flags), LOCK_FILE, LOCK_LINE)
#define realloc(...)								\
	__BSDSYNC_MARG5(__VA_ARGS__, __bsd_realloc, realloc, realloc, realloc)(__VA_ARGS__)
#define reallocf(addr, size, type, flags)					\
	fbsd_reallocf((addr), (size), (type), (flags), LOCK_FILE, LOCK_LINE)
#define mallocarray(nmemb, size, type, flags)					\
	fbsd_mallocarray((nmemb), (size), (type), (flags), LOCK_FILE, LOCK_LINE)
#define zfree(addr, type)	fbsd_zfree((addr), (type))

/* malloc_domainset(9): one memory domain here. */
#define malloc_domainset(size, type, ds, flags)	malloc((size), (type), (flags))

#endif
