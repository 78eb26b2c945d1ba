/*
 * bsdsync C ABI: FreeBSD malloc(9) over Linux kmalloc.
 *
 * A malloc type names what the memory is for (reports name it); bsdsync keeps no per-type
 * statistics. Memory is kmalloc memory: physically contiguous, aligned as kmalloc aligns
 * (naturally for power-of-two sizes, at least 8 bytes), freed by fbsd_free or kfree alike.
 */
#ifndef _BSDSYNC_FREEBSD_MALLOC_H_
#define _BSDSYNC_FREEBSD_MALLOC_H_

#include <bsdsync/types.h>

BSDSYNC_FREEBSD_ABI_BEGIN

#define BSDSYNC_M_MAGIC		877983977	/* FreeBSD's M_MAGIC */

struct malloc_type {
	const char *ks_shortdesc;	/* printable type name */
	unsigned long ks_magic;		/* BSDSYNC_M_MAGIC: a malloc type, initialised */
};
BSDSYNC_ABI_SIZE(struct malloc_type, 16);
BSDSYNC_ABI_OFFSET(struct malloc_type, ks_shortdesc, 0);

/* Flags (FreeBSD values). */
#define BSDSYNC_M_NOWAIT	0x0001	/* do not block: GFP_ATOMIC, may return NULL */
#define BSDSYNC_M_WAITOK	0x0002	/* may sleep, never returns NULL */
#define BSDSYNC_M_NORECLAIM	0x0080
#define BSDSYNC_M_ZERO		0x0100	/* zero the memory */
#define BSDSYNC_M_NOVM		0x0200
#define BSDSYNC_M_USE_RESERVE	0x0400
#define BSDSYNC_M_NODUMP	0x0800
#define BSDSYNC_M_FIRSTFIT	0x1000
#define BSDSYNC_M_BESTFIT	0x2000
#define BSDSYNC_M_EXEC		0x4000
#define BSDSYNC_M_NEXTFIT	0x8000

/*
 * fbsd_malloc: M_NOWAIT allocates without sleeping (GFP_ATOMIC, usable in any context) and
 * may return NULL. M_WAITOK may sleep and does not return NULL: it retries, sleeping a tick
 * between tries, until kmalloc succeeds. Only a size kmalloc can never satisfy (above
 * KMALLOC_MAX_SIZE, where FreeBSD would panic) returns NULL, after a report. M_WAITOK where
 * the caller may not sleep (interrupt context, a spin mutex or critical section held) is
 * reported once and served as M_NOWAIT; with a non-sleepable lock (mtx, rw, rm) held it is
 * reported and goes on sleeping, as FreeBSD's WITNESS warns and goes on. Exactly one of
 * M_NOWAIT and M_WAITOK must be given (neither or both: reported, treated as M_NOWAIT if
 * given, else M_WAITOK).
 */
void *fbsd_malloc(unsigned long size, struct malloc_type *type, int flags,
		  const char *file, int line);
/* nmemb * size, or NULL after a report if that overflows (FreeBSD panics). */
void *fbsd_mallocarray(unsigned long nmemb, unsigned long size, struct malloc_type *type,
		       int flags, const char *file, int line);
void fbsd_free(void *addr, struct malloc_type *type);
/* free(9) after zeroing the memory. */
void fbsd_zfree(void *addr, struct malloc_type *type);
/* realloc(9): the contents up to the smaller size are kept; addr NULL is malloc. On failure
 * (M_NOWAIT only) NULL is returned and addr is left allocated. The grown part is not zeroed
 * (M_ZERO is ignored, except when addr is NULL). */
void *fbsd_realloc(void *addr, unsigned long size, struct malloc_type *type, int flags,
		   const char *file, int line);
/* reallocf(9): as realloc, but addr is freed when the reallocation fails. */
void *fbsd_reallocf(void *addr, unsigned long size, struct malloc_type *type, int flags,
		    const char *file, int line);

/* The standard types (FreeBSD's kern_malloc.c). */
extern struct malloc_type fbsd_M_CACHE[1];
extern struct malloc_type fbsd_M_DEVBUF[1];
extern struct malloc_type fbsd_M_TEMP[1];
extern struct malloc_type fbsd_M_IOV[1];
extern struct malloc_type fbsd_M_SUBPROC[1];

/* Test hook (KUnit): the next `count` allocations fail as if kmalloc had failed (M_WAITOK ones
 * retry past them). Not for drivers. */
void bsdsync_malloc_fail_next(int count);

BSDSYNC_FREEBSD_ABI_END

#endif
