/* <sys/_rwlock.h>: struct rwlock (one definition, in include/bsdsync/freebsd/rwlock.h).
 * Linux's reader/writer spin lock is `rwlock_t` with read_lock()/write_lock(): no name in
 * common with FreeBSD's `struct rwlock` and rw_*(), so both may be included in one file. */
#ifndef _BSDSYNC_FREEBSD_SYS__RWLOCK_H_
#define _BSDSYNC_FREEBSD_SYS__RWLOCK_H_

#include <sys/_lock.h>
#include <bsdsync/freebsd/rwlock.h>

/* The same members, alone on a cache line; usable with the same API. */
struct rwlock_padalign {
	struct lock_object lock_object;
	volatile unsigned long rw_lock;
} __attribute__((aligned(64)));

#endif
