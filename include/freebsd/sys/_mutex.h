/* <sys/_mutex.h>: struct mtx (one definition, in include/bsdsync/freebsd/mutex.h). */
#ifndef _BSDSYNC_FREEBSD_SYS__MUTEX_H_
#define _BSDSYNC_FREEBSD_SYS__MUTEX_H_

#include <sys/_lock.h>
#include <bsdsync/freebsd/mutex.h>

/* The same members, alone on a cache line; usable with the same API. */
struct mtx_padalign {
	struct lock_object lock_object;
	volatile unsigned long mtx_lock;
} __attribute__((aligned(64)));

#endif
