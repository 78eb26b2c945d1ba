/*
 * <sys/mutex.h> for drivers ported from DragonFly BSD: mtx_t, mtx_link_t, the word's bits,
 * MTX_INITIALIZER. The operations are in <sys/mutex2.h>. DragonFly's mtx, not FreeBSD's
 * (include/freebsd): shared and exclusive, recursive, held across blocking
 * (module/dragonfly/mtx.cpp).
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_MUTEX_H_
#define _BSDSYNC_DRAGONFLY_SYS_MUTEX_H_

#include <sys/types.h>
#include <sys/errno.h>
#include <bsdsync/dragonfly/mutex.h>

typedef struct mtx mtx_t;
typedef struct mtx_link mtx_link_t;
typedef unsigned int mtx_state_t;

#define MTX_EXCLUSIVE		BSDSYNC_DFLY_MTX_EXCLUSIVE
#define MTX_SHWANTED		BSDSYNC_DFLY_MTX_SHWANTED
#define MTX_EXWANTED		BSDSYNC_DFLY_MTX_EXWANTED
#define MTX_LINKSPIN		BSDSYNC_DFLY_MTX_LINKSPIN
#define MTX_MASK		BSDSYNC_DFLY_MTX_MASK
#define MTX_OWNER_NONE		((void *)0)
#define MTX_OWNER_ANON		BSDSYNC_DFLY_MTX_OWNER_ANON

#define MTX_LINK_IDLE		BSDSYNC_DFLY_MTX_LINK_IDLE
#define MTX_LINK_LINKED		BSDSYNC_DFLY_MTX_LINK_LINKED
#define MTX_LINK_LINKED_SH	BSDSYNC_DFLY_MTX_LINK_LINKED_SH
#define MTX_LINK_LINKED_EX	BSDSYNC_DFLY_MTX_LINK_LINKED_EX
#define MTX_LINK_ACQUIRED	BSDSYNC_DFLY_MTX_LINK_ACQUIRED
#define MTX_LINK_CALLEDBACK	BSDSYNC_DFLY_MTX_LINK_CALLEDBACK
#define MTX_LINK_ABORTED	BSDSYNC_DFLY_MTX_LINK_ABORTED

/* Static initialisation (no call site: reports name the mutex by its ident). */
#define MTX_INITIALIZER(ident)							\
	{ .mtx_lock = 0, .mtx_owner = 0, .mtx_exlink = 0, .mtx_shlink = 0,	\
	  .mtx_ident = (ident), .mtx_site = 0 }

#endif
